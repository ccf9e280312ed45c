/**
 * Example app for react-native-rust-tracker.
 *
 * The tracker is created when the app starts (src/tracker.ts). Navigation is
 * a piece of state: each screen shown is tracked as a screen view, with the
 * previous screen's name. The Home screen shows the session getters; the
 * Events screen has one button per kind of event.
 */
import React, { useCallback, useEffect, useRef, useState } from 'react';
import { Pressable, SafeAreaView, ScrollView, StatusBar, StyleSheet, Text, View } from 'react-native';
import type { ReactNativeTracker } from 'react-native-rust-tracker';

import { EVENT_KINDS, type EventKind } from './src/events';
import { SessionPanel } from './src/SessionPanel';
import { tracker as appTracker } from './src/tracker';

export const SCREENS = ['Home', 'Events', 'About'] as const;
export type ScreenName = (typeof SCREENS)[number];

function Button({ title, onPress, testID }: { title: string; onPress: () => void; testID: string }) {
  return (
    <Pressable
      accessibilityRole="button"
      testID={testID}
      onPress={onPress}
      style={({ pressed }) => [styles.button, pressed && styles.buttonPressed]}>
      <Text style={styles.buttonText}>{title}</Text>
    </Pressable>
  );
}

function HomeScreen({ tracker, refreshKey }: { tracker: ReactNativeTracker; refreshKey: number }) {
  return (
    <View>
      <Text style={styles.paragraph}>
        Every screen you open is tracked as a screen view. The session below is read from the tracker after each
        event.
      </Text>
      <SessionPanel tracker={tracker} refreshKey={refreshKey} />
    </View>
  );
}

function EventsScreen({ onTrack }: { onTrack: (kind: EventKind) => void }) {
  return (
    <View>
      <Text style={styles.paragraph}>One button per kind of event.</Text>
      {EVENT_KINDS.map(kind => (
        <Button key={kind.key} testID={`track-${kind.key}`} title={kind.label} onPress={() => onTrack(kind)} />
      ))}
    </View>
  );
}

function AboutScreen() {
  return (
    <Text style={styles.paragraph}>
      The tracker's core is written in Rust and runs on the device; this screen exists so that navigating here is a
      screen view too.
    </Text>
  );
}

export default function App({ tracker = appTracker }: { tracker?: ReactNativeTracker }) {
  const [screen, setScreen] = useState<ScreenName>('Home');
  const previous = useRef<ScreenName | undefined>(undefined);
  const [status, setStatus] = useState('');
  const [refreshKey, setRefreshKey] = useState(0);

  const tracked = useCallback((what: string, promise: Promise<void>) => {
    promise.then(
      () => {
        setStatus(`Tracked: ${what}`);
        setRefreshKey(k => k + 1);
      },
      (e: unknown) => setStatus(`Not tracked: ${what}: ${String(e)}`),
    );
  }, []);

  // A screen view each time a screen is shown, the first one included.
  useEffect(() => {
    const previousName = previous.current;
    previous.current = screen;
    tracked(
      `screen view ${screen}`,
      tracker.trackScreenViewEvent(previousName ? { name: screen, previousName } : { name: screen }),
    );
  }, [screen, tracker, tracked]);

  const onTrack = (kind: EventKind) => tracked(kind.label, kind.track(tracker));

  return (
    <SafeAreaView style={styles.root}>
      <StatusBar barStyle="dark-content" />
      <View style={styles.tabs}>
        {SCREENS.map(name => (
          <Pressable
            key={name}
            accessibilityRole="tab"
            accessibilityState={{ selected: name === screen }}
            testID={`nav-${name}`}
            onPress={() => setScreen(name)}
            style={[styles.tab, name === screen && styles.tabSelected]}>
            <Text style={name === screen ? styles.tabTextSelected : styles.tabText}>{name}</Text>
          </Pressable>
        ))}
      </View>
      <ScrollView contentContainerStyle={styles.content}>
        <Text style={styles.heading} testID="screen-title">
          {screen}
        </Text>
        {screen === 'Home' && <HomeScreen tracker={tracker} refreshKey={refreshKey} />}
        {screen === 'Events' && <EventsScreen onTrack={onTrack} />}
        {screen === 'About' && <AboutScreen />}
      </ScrollView>
      <Text style={styles.status} testID="status">
        {status}
      </Text>
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  root: { flex: 1, backgroundColor: '#ffffff' },
  tabs: { flexDirection: 'row', borderBottomWidth: StyleSheet.hairlineWidth, borderColor: '#adb5bd' },
  tab: { flex: 1, paddingVertical: 12, alignItems: 'center' },
  tabSelected: { borderBottomWidth: 2, borderColor: '#1c7ed6' },
  tabText: { color: '#495057' },
  tabTextSelected: { color: '#1c7ed6', fontWeight: '600' },
  content: { padding: 16 },
  heading: { fontSize: 22, fontWeight: '700', marginBottom: 12 },
  paragraph: { marginBottom: 12, color: '#343a40' },
  button: { backgroundColor: '#1c7ed6', borderRadius: 6, padding: 12, marginBottom: 8 },
  buttonPressed: { opacity: 0.7 },
  buttonText: { color: '#ffffff', textAlign: 'center', fontWeight: '600' },
  status: { padding: 12, color: '#495057', borderTopWidth: StyleSheet.hairlineWidth, borderColor: '#adb5bd' },
});
