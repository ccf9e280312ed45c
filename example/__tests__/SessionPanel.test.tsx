/**
 * The session panel on a tracker of its own: no session before the first
 * event, then the session the event started, and a new one after
 * startNewSession().
 */
import { afterAll, expect, test } from '@jest/globals';
import React from 'react';
import { createTracker, removeTracker, trackedEvents } from 'react-native-rust-tracker/jest';

import { SessionPanel } from '../src/SessionPanel';
import { render, textOf } from '../testing/render';

const namespace = 'session-panel-test';
const panelTracker = createTracker(namespace, { endpoint: 'http://localhost:9090' });
afterAll(() => removeTracker(namespace));

test('shows no session before the first event, then the session the first event started', async () => {
  const before = await render(<SessionPanel tracker={panelTracker} refreshKey={0} />);
  expect(textOf(before, 'session-userId')).toMatch(/^[0-9a-f-]{36}$/);
  expect(textOf(before, 'session-sessionId')).toBe('—');
  expect(textOf(before, 'session-sessionIndex')).toBe('—');

  await panelTracker.trackStructuredEvent({ category: 'test', action: 'first' });
  const first = trackedEvents(namespace)[0].session;
  const after = await render(<SessionPanel tracker={panelTracker} refreshKey={1} />);
  expect(textOf(after, 'session-sessionId')).toBe(first?.sessionId);
  expect(textOf(after, 'session-sessionIndex')).toBe('1');

  await panelTracker.startNewSession();
  await panelTracker.trackStructuredEvent({ category: 'test', action: 'second' });
  const next = await render(<SessionPanel tracker={panelTracker} refreshKey={2} />);
  expect(textOf(next, 'session-sessionIndex')).toBe('2');
  expect(textOf(next, 'session-sessionId')).not.toBe(first?.sessionId);
});
