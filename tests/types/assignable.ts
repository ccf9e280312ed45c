/**
 * This package's types where 2.1.2's are expected: its tracker is a 2.1.2
 * `ReactNativeTracker`, its module functions have 2.1.2's signatures, and
 * each 2.1.2 configuration and event type is accepted where this package
 * takes its own. Compiled by tests/types/check.js against both entries
 * (the module name 'react-native-rust-tracker' is mapped to each in turn).
 */
import type * as Snowplow2 from '@snowplow/react-native-tracker';
import * as Ours from 'react-native-rust-tracker';

/** `true` when A is assignable to B, else a type no `true` fits. */
type Assignable<A, B> = [A] extends [B] ? true : { notAssignable: [A, B] };
const yes = <T extends true>(value: T): T => value;

// The tracker createTracker returns, and 4.x's getAllTrackers().
const ours: Ours.ReactNativeTracker = Ours.createTracker('ns', { endpoint: 'collector.example.com' });
export const asSnowplow: Snowplow2.ReactNativeTracker = ours;
export const all: Snowplow2.ReactNativeTracker[] = Ours.getAllTrackers();

// The module functions, with 2.1.2's signatures.
export const createTracker: typeof Snowplow2.createTracker = Ours.createTracker;
export const removeTracker: typeof Snowplow2.removeTracker = Ours.removeTracker;
export const removeAllTrackers: typeof Snowplow2.removeAllTrackers = Ours.removeAllTrackers;
export const getWebViewCallback: typeof Snowplow2.getWebViewCallback = Ours.getWebViewCallback;

// Each exported type of 2.1.2, where this package takes the type of the same name.
export const checks = [
  yes<Assignable<Snowplow2.ReactNativeTracker, Snowplow2.ReactNativeTracker>>(true),
  yes<Assignable<Ours.ReactNativeTracker, Snowplow2.ReactNativeTracker>>(true),
  yes<Assignable<Snowplow2.TrackerControllerConfiguration, Ours.TrackerControllerConfiguration>>(true),
  yes<Assignable<Snowplow2.NetworkConfiguration, Ours.NetworkConfiguration>>(true),
  yes<Assignable<Snowplow2.TrackerConfiguration, Ours.TrackerConfiguration>>(true),
  yes<Assignable<Snowplow2.SessionConfiguration, Ours.SessionConfiguration>>(true),
  yes<Assignable<Snowplow2.EmitterConfiguration, Ours.EmitterConfiguration>>(true),
  yes<Assignable<Snowplow2.SubjectConfiguration, Ours.SubjectConfiguration>>(true),
  yes<Assignable<Snowplow2.GdprConfiguration, Ours.GdprConfiguration>>(true),
  yes<Assignable<Snowplow2.GCConfiguration, Ours.GCConfiguration>>(true),
  yes<Assignable<Snowplow2.SelfDescribing, Ours.SelfDescribing>>(true),
  yes<Assignable<Snowplow2.SelfDescribing<{ a: number }>, Ours.SelfDescribing<{ a: number }>>>(true),
  yes<Assignable<Snowplow2.EventContext, Ours.EventContext>>(true),
  yes<Assignable<Snowplow2.ScreenViewProps, Ours.ScreenViewProps>>(true),
  yes<Assignable<Snowplow2.StructuredProps, Ours.StructuredProps>>(true),
  yes<Assignable<Snowplow2.PageViewProps, Ours.PageViewProps>>(true),
  yes<Assignable<Snowplow2.TimingProps, Ours.TimingProps>>(true),
  yes<Assignable<Snowplow2.ConsentGrantedProps, Ours.ConsentGrantedProps>>(true),
  yes<Assignable<Snowplow2.ConsentWithdrawnProps, Ours.ConsentWithdrawnProps>>(true),
  yes<Assignable<Snowplow2.EcommerceTransactionProps, Ours.EcommerceTransactionProps>>(true),
  yes<Assignable<Snowplow2.DeepLinkReceivedProps, Ours.DeepLinkReceivedProps>>(true),
  yes<Assignable<Snowplow2.MessageNotificationProps, Ours.MessageNotificationProps>>(true),
  yes<Assignable<Snowplow2.EcommerceItem, Ours.EcommerceItem>>(true),
  yes<Assignable<Snowplow2.ConsentDocument, Ours.ConsentDocument>>(true),
  yes<Assignable<Snowplow2.GlobalContext, Ours.GlobalContext>>(true),
  yes<Assignable<Snowplow2.HttpMethod, Ours.HttpMethod>>(true),
  yes<Assignable<Snowplow2.DevicePlatform, Ours.DevicePlatform>>(true),
  yes<Assignable<Snowplow2.LogLevel, Ours.LogLevel>>(true),
  yes<Assignable<Snowplow2.Basis, Ours.Basis>>(true),
  yes<Assignable<Snowplow2.BufferOption, Ours.BufferOption>>(true),
  yes<Assignable<Snowplow2.ScreenSize, Ours.ScreenSize>>(true),
  yes<Assignable<Snowplow2.Trigger, Ours.Trigger>>(true),
  yes<Assignable<Parameters<Snowplow2.ReactNativeTracker['trackScrollChangedEvent']>[0], Ours.ScrollChangedProps>>(true),
  yes<Assignable<Parameters<Snowplow2.ReactNativeTracker['trackListItemViewEvent']>[0], Ours.ListItemViewProps>>(true),
  // The enumerations hold the same values both ways.
  yes<Assignable<Ours.HttpMethod, Snowplow2.HttpMethod>>(true),
  yes<Assignable<Ours.DevicePlatform, Snowplow2.DevicePlatform>>(true),
  yes<Assignable<Ours.LogLevel, Snowplow2.LogLevel>>(true),
  yes<Assignable<Ours.Basis, Snowplow2.Basis>>(true),
  yes<Assignable<Ours.BufferOption, Snowplow2.BufferOption>>(true),
  yes<Assignable<Ours.Trigger, Snowplow2.Trigger>>(true),
  yes<Assignable<Ours.ScreenSize, Snowplow2.ScreenSize>>(true),
];

// Neither side is `any` (which every check above would let through).
type IsAny<T> = 0 extends 1 & T ? true : false;
export const notAny = [
  yes<Assignable<IsAny<Snowplow2.ReactNativeTracker>, false>>(true),
  yes<Assignable<IsAny<Ours.ReactNativeTracker>, false>>(true),
  yes<Assignable<IsAny<Snowplow2.TrackerControllerConfiguration>, false>>(true),
  yes<Assignable<IsAny<Ours.TrackerControllerConfiguration>, false>>(true),
];
