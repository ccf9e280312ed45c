/**
 * The session as the tracker sees it: each getter's value, read again
 * whenever `refreshKey` changes (after each tracked event).
 */
import React, { useEffect, useState } from 'react';
import { StyleSheet, Text, View } from 'react-native';
import type { ReactNativeTracker } from 'react-native-rust-tracker';

export interface SessionValues {
  userId?: string;
  sessionId?: string;
  sessionIndex?: number;
  isInBackground?: boolean;
  backgroundIndex?: number;
  foregroundIndex?: number;
}

export async function readSession(tracker: ReactNativeTracker): Promise<SessionValues> {
  const [userId, sessionId, sessionIndex, isInBackground, backgroundIndex, foregroundIndex] = await Promise.all([
    tracker.getSessionUserId(),
    tracker.getSessionId(),
    tracker.getSessionIndex(),
    tracker.getIsInBackground(),
    tracker.getBackgroundIndex(),
    tracker.getForegroundIndex(),
  ]);
  return { userId, sessionId, sessionIndex, isInBackground, backgroundIndex, foregroundIndex };
}

const ROWS: Array<[keyof SessionValues, string]> = [
  ['userId', 'User id'],
  ['sessionId', 'Session id'],
  ['sessionIndex', 'Session index'],
  ['isInBackground', 'In background'],
  ['backgroundIndex', 'Background index'],
  ['foregroundIndex', 'Foreground index'],
];

function show(value: SessionValues[keyof SessionValues]): string {
  return value === undefined ? '—' : String(value);
}

export function SessionPanel({ tracker, refreshKey }: { tracker: ReactNativeTracker; refreshKey: number }) {
  const [values, setValues] = useState<SessionValues | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    readSession(tracker).then(
      v => live && (setValues(v), setError(null)),
      (e: unknown) => live && setError(String(e)),
    );
    return () => {
      live = false;
    };
  }, [tracker, refreshKey]);

  return (
    <View style={styles.panel} testID="session-panel">
      <Text style={styles.title}>Session</Text>
      {error !== null && <Text testID="session-error">{error}</Text>}
      {ROWS.map(([key, label]) => (
        <View key={key} style={styles.row}>
          <Text style={styles.label}>{label}</Text>
          <Text style={styles.value} testID={`session-${key}`} selectable>
            {values ? show(values[key]) : '…'}
          </Text>
        </View>
      ))}
    </View>
  );
}

const styles = StyleSheet.create({
  panel: { padding: 12, borderRadius: 8, backgroundColor: '#f1f3f5', marginBottom: 16 },
  title: { fontSize: 16, fontWeight: '600', marginBottom: 8 },
  row: { flexDirection: 'row', justifyContent: 'space-between', paddingVertical: 2 },
  label: { color: '#495057' },
  value: { fontFamily: 'monospace', flexShrink: 1, marginLeft: 8 },
});
