/**
 * One entry per kind of event the tracker sends (screen views are tracked on
 * navigation, in App.tsx): what its button says and the call it makes.
 */
import type { ReactNativeTracker } from 'react-native-rust-tracker';

export interface EventKind {
  /** Stable id, also the button's testID suffix. */
  key: string;
  /** The button's label. */
  label: string;
  /** The tracker method it calls, shown under the label. */
  method: keyof ReactNativeTracker;
  track: (tracker: ReactNativeTracker) => Promise<void>;
}

export const EVENT_KINDS: EventKind[] = [
  {
    key: 'self-describing',
    label: 'Self-describing event',
    method: 'trackSelfDescribingEvent',
    track: t =>
      t.trackSelfDescribingEvent({
        schema: 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1',
        data: { targetUrl: 'https://example.com/docs' },
      }),
  },
  {
    key: 'structured',
    label: 'Structured event',
    method: 'trackStructuredEvent',
    track: t => t.trackStructuredEvent({ category: 'shop', action: 'add-to-basket', label: 'red shoes', value: 2 }),
  },
  {
    key: 'page-view',
    label: 'Page view',
    method: 'trackPageViewEvent',
    track: t => t.trackPageViewEvent({ pageUrl: 'https://example.com/help', pageTitle: 'Help' }),
  },
  {
    key: 'timing',
    label: 'Timing',
    method: 'trackTimingEvent',
    track: t => t.trackTimingEvent({ category: 'startup', variable: 'first-render', timing: 420 }),
  },
  {
    key: 'consent-granted',
    label: 'Consent granted',
    method: 'trackConsentGrantedEvent',
    track: t =>
      t.trackConsentGrantedEvent({ documentId: 'privacy-policy', version: '2', expiry: '2030-01-01T00:00:00Z' }),
  },
  {
    key: 'consent-withdrawn',
    label: 'Consent withdrawn',
    method: 'trackConsentWithdrawnEvent',
    track: t => t.trackConsentWithdrawnEvent({ documentId: 'privacy-policy', version: '2', all: false }),
  },
  {
    key: 'scroll-changed',
    label: 'Scroll changed',
    method: 'trackScrollChangedEvent',
    track: t => t.trackScrollChangedEvent({ yOffset: 640, viewHeight: 800, contentHeight: 2400 }),
  },
  {
    key: 'list-item-view',
    label: 'List item view',
    method: 'trackListItemViewEvent',
    track: t => t.trackListItemViewEvent({ index: 3, itemsCount: 20 }),
  },
  {
    key: 'deep-link',
    label: 'Deep link received',
    method: 'trackDeepLinkReceivedEvent',
    track: t => t.trackDeepLinkReceivedEvent({ url: 'rusttrackerexample://offers/42', referrer: 'https://example.com' }),
  },
  {
    key: 'message-notification',
    label: 'Message notification',
    method: 'trackMessageNotificationEvent',
    track: t => t.trackMessageNotificationEvent({ title: 'Your order shipped', body: 'It arrives tomorrow', trigger: 'push' }),
  },
  {
    key: 'ecommerce-transaction',
    label: 'Ecommerce transaction',
    method: 'trackEcommerceTransactionEvent',
    track: t =>
      t.trackEcommerceTransactionEvent({
        orderId: 'order-1001',
        totalValue: 59.9,
        currency: 'EUR',
        items: [{ sku: 'shoe-red-42', name: 'Red shoes', price: 59.9, quantity: 1 }],
      }),
  },
];
