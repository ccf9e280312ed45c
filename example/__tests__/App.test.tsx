/**
 * The app's components with react-native-rust-tracker's Jest mock
 * (jest.config.js maps the package to `react-native-rust-tracker/jest`):
 * each test asserts on the events the mock recorded.
 */
import { beforeEach, describe, expect, test } from '@jest/globals';
import React from 'react';
import { clearTrackedEvents, getAllTrackers, trackedEvents } from 'react-native-rust-tracker/jest';

import App from '../App';
import { EVENT_KINDS } from '../src/events';
import { tracker } from '../src/tracker';
import { press, render, textOf } from '../testing/render';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The app's tracker is created once, when src/tracker.ts is first imported,
// as in the app: keep it (resetTrackerMock() would remove it), forget events.
beforeEach(() => clearTrackedEvents());

test('the tracker is created when the app starts', () => {
  expect(getAllTrackers()).toContain(tracker);
});

test('the first screen is tracked as a screen view', async () => {
  await render(<App />);
  const events = trackedEvents('example');
  expect(events.map(e => e.method)).toEqual(['trackScreenViewEvent']);
  expect(events[0].argmap).toEqual({ name: 'Home' });
});

test('navigating tracks a screen view per screen, with the previous screen', async () => {
  const app = await render(<App />);
  clearTrackedEvents();
  await press(app, 'nav-Events');
  await press(app, 'nav-About');
  await press(app, 'nav-Home');
  expect(textOf(app, 'screen-title')).toBe('Home');
  expect(trackedEvents('example').map(e => [e.method, e.argmap])).toEqual([
    ['trackScreenViewEvent', { name: 'Events', previousName: 'Home' }],
    ['trackScreenViewEvent', { name: 'About', previousName: 'Events' }],
    ['trackScreenViewEvent', { name: 'Home', previousName: 'About' }],
  ]);
});

test('there is one button per kind of event, and none is tracked twice', () => {
  const methods = EVENT_KINDS.map(k => k.method);
  expect(new Set(methods).size).toBe(methods.length);
  expect(methods).toEqual(
    expect.arrayContaining([
      'trackSelfDescribingEvent',
      'trackStructuredEvent',
      'trackPageViewEvent',
      'trackTimingEvent',
      'trackConsentGrantedEvent',
      'trackConsentWithdrawnEvent',
      'trackScrollChangedEvent',
      'trackListItemViewEvent',
      'trackDeepLinkReceivedEvent',
      'trackMessageNotificationEvent',
      'trackEcommerceTransactionEvent',
    ]),
  );
});

describe.each(EVENT_KINDS.map(k => [k.label, k] as const))('the "%s" button', (label, kind) => {
  test(`tracks one ${kind.method} event and says so`, async () => {
    const app = await render(<App />);
    await press(app, 'nav-Events');
    clearTrackedEvents();
    await press(app, `track-${kind.key}`);
    const events = trackedEvents('example');
    expect(events).toHaveLength(1);
    expect(events[0].method).toBe(kind.method);
    expect(events[0].automatic).toBe(false);
    expect(events[0].session?.sessionId).toMatch(UUID);
    expect(textOf(app, 'status')).toBe(`Tracked: ${label}`);
  });
});

test('the button arguments reach the tracker as given', async () => {
  const app = await render(<App />);
  await press(app, 'nav-Events');
  clearTrackedEvents();
  await press(app, 'track-structured');
  await press(app, 'track-ecommerce-transaction');
  expect(trackedEvents('example').map(e => e.argmap)).toEqual([
    { category: 'shop', action: 'add-to-basket', label: 'red shoes', value: 2 },
    {
      orderId: 'order-1001',
      totalValue: 59.9,
      currency: 'EUR',
      items: [{ sku: 'shoe-red-42', name: 'Red shoes', price: 59.9, quantity: 1 }],
    },
  ]);
});

test('the Home screen shows the session getters of the tracker', async () => {
  const app = await render(<App />);
  const sessionId = await tracker.getSessionId();
  expect(sessionId).toMatch(UUID);
  expect(textOf(app, 'session-sessionId')).toBe(sessionId);
  expect(textOf(app, 'session-sessionIndex')).toBe(String(await tracker.getSessionIndex()));
  expect(textOf(app, 'session-userId')).toBe(await tracker.getSessionUserId());
  expect(textOf(app, 'session-isInBackground')).toBe('false');
  expect(textOf(app, 'session-backgroundIndex')).toBe(String(await tracker.getBackgroundIndex()));
  expect(textOf(app, 'session-foregroundIndex')).toBe(String(await tracker.getForegroundIndex()));
});
