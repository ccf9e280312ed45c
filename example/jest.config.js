module.exports = {
  preset: 'react-native',
  // The one line react-native-rust-tracker needs: its in-memory tracker
  // (which records every event) instead of the native module.
  moduleNameMapper: { '^react-native-rust-tracker$': 'react-native-rust-tracker/jest' },
};
