//! The tracker's methods, by name: the one table behind `callTracker`.
//!
//! The native surface (the TurboModule spec, the UniFFI exports, the Node
//! addon) has a small fixed set of entries, one of which calls any tracker
//! method by its name with its arguments as a JSON array, exactly as the app
//! passed them in JavaScript. The names, the arguments each method takes and
//! what each answers live here, so a new tracker method is added in this
//! table and in the TypeScript API, and no platform file changes.

use crate::config::{describe, LogLevel};
use crate::enrich::{self, SubjectKey};
use crate::error::{Result, TrackerError};
use crate::event::{Event, EventType};
use crate::input;
use crate::reply::Responder;
use crate::session::SessionInfo;
use crate::tracker::{Op, Outcome, Tracker};
use crate::webview;
use serde_json::Value;

/// A tracker method the platforms can call by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `trackScreenViewEvent(argmap, contexts?)`
    TrackScreenViewEvent,
    /// `trackSelfDescribingEvent(argmap, contexts?)`
    TrackSelfDescribingEvent,
    /// `trackStructuredEvent(argmap, contexts?)`
    TrackStructuredEvent,
    /// `trackPageViewEvent(argmap, contexts?)`: `e=pv`.
    TrackPageViewEvent,
    /// `trackTimingEvent(argmap, contexts?)`
    TrackTimingEvent,
    /// `trackConsentGrantedEvent(argmap, contexts?)`
    TrackConsentGrantedEvent,
    /// `trackConsentWithdrawnEvent(argmap, contexts?)`
    TrackConsentWithdrawnEvent,
    /// `trackScrollChangedEvent(argmap, contexts?)`
    TrackScrollChangedEvent,
    /// `trackListItemViewEvent(argmap, contexts?)`
    TrackListItemViewEvent,
    /// `trackDeepLinkReceivedEvent(argmap, contexts?)`
    TrackDeepLinkReceivedEvent,
    /// `trackMessageNotificationEvent(argmap, contexts?)`
    TrackMessageNotificationEvent,
    /// `trackEcommerceTransactionEvent(argmap, contexts?)`: the transaction
    /// and one event per item, stored together.
    TrackEcommerceTransactionEvent,
    /// `getSessionUserId()`: the installation user id.
    GetSessionUserId,
    /// `getSessionId()`: the current session id, or null.
    GetSessionId,
    /// `getSessionIndex()`: the current session index, or null.
    GetSessionIndex,
    /// `getIsInBackground()`
    GetIsInBackground,
    /// `getBackgroundIndex()`
    GetBackgroundIndex,
    /// `getForegroundIndex()`
    GetForegroundIndex,
    /// `startNewSession()`: a new session at the next event.
    StartNewSession,
    /// `pauseSessionChecking()`: no new session until resumed.
    PauseSessionChecking,
    /// `resumeSessionChecking()`
    ResumeSessionChecking,
    /// `flush()`: send everything stored.
    Flush,
    /// `getDeliveryStats()`: what was sent and dropped since the database was created.
    GetDeliveryStats,
    /// `setUserId(userId | null)`: `uid`.
    SetUserId,
    /// `setNetworkUserId(id | null)`: `tnuid`.
    SetNetworkUserId,
    /// `setDomainUserId(id | null)`: `duid`.
    SetDomainUserId,
    /// `setIpAddress(ip | null)`: `ip`.
    SetIpAddress,
    /// `setUseragent(ua | null)`: `ua`.
    SetUseragent,
    /// `setTimezone(tz | null)`: `tz`.
    SetTimezone,
    /// `setLanguage(lang | null)`: `lang`.
    SetLanguage,
    /// `setScreenResolution([w, h] | null)`: `res`.
    SetScreenResolution,
    /// `setScreenViewport([w, h] | null)`: `vp`.
    SetScreenViewport,
    /// `setColorDepth(n | null)`: `cd`.
    SetColorDepth,
    /// `setSubjectData(subject)`: every key given (`null` clears it).
    SetSubjectData,
    /// `addGlobalContexts({tag, globalContexts})`: entities on every event.
    AddGlobalContexts,
    /// `removeGlobalContexts(tag)`
    RemoveGlobalContexts,
    /// `trackUncaughtError({message, stackTrace?, isFatal?})`: called by the
    /// JavaScript layer's global error handler on every tracker; tracks an
    /// `application_error` when `exceptionAutotracking` is on. Answers
    /// whether it was tracked.
    TrackUncaughtError,
    /// `trackWebViewMessage(data)`: a message of Snowplow's WebView tracker
    /// (`getWebViewCallback`), given to every tracker; tracked by those it
    /// names (all when it names none). Answers whether it was tracked.
    TrackWebViewMessage,
}

/// How a method's answer is made from the writer's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// `null`
    Nothing,
    /// The getter's value.
    Getter,
    /// The delivery counters.
    Stats,
    /// Whether an event was stored.
    Tracked,
}

impl Method {
    /// Every method, in the order of the table.
    pub const ALL: [Method; 38] = [
        Method::TrackScreenViewEvent,
        Method::TrackSelfDescribingEvent,
        Method::TrackStructuredEvent,
        Method::TrackPageViewEvent,
        Method::TrackTimingEvent,
        Method::TrackConsentGrantedEvent,
        Method::TrackConsentWithdrawnEvent,
        Method::TrackScrollChangedEvent,
        Method::TrackListItemViewEvent,
        Method::TrackDeepLinkReceivedEvent,
        Method::TrackMessageNotificationEvent,
        Method::TrackEcommerceTransactionEvent,
        Method::GetSessionUserId,
        Method::GetSessionId,
        Method::GetSessionIndex,
        Method::GetIsInBackground,
        Method::GetBackgroundIndex,
        Method::GetForegroundIndex,
        Method::StartNewSession,
        Method::PauseSessionChecking,
        Method::ResumeSessionChecking,
        Method::Flush,
        Method::GetDeliveryStats,
        Method::SetUserId,
        Method::SetNetworkUserId,
        Method::SetDomainUserId,
        Method::SetIpAddress,
        Method::SetUseragent,
        Method::SetTimezone,
        Method::SetLanguage,
        Method::SetScreenResolution,
        Method::SetScreenViewport,
        Method::SetColorDepth,
        Method::SetSubjectData,
        Method::AddGlobalContexts,
        Method::RemoveGlobalContexts,
        Method::TrackUncaughtError,
        Method::TrackWebViewMessage,
    ];

    /// The method's name in JavaScript.
    pub fn name(self) -> &'static str {
        match self {
            Method::TrackScreenViewEvent => "trackScreenViewEvent",
            Method::TrackSelfDescribingEvent => "trackSelfDescribingEvent",
            Method::TrackStructuredEvent => "trackStructuredEvent",
            Method::TrackPageViewEvent => "trackPageViewEvent",
            Method::TrackTimingEvent => "trackTimingEvent",
            Method::TrackConsentGrantedEvent => "trackConsentGrantedEvent",
            Method::TrackConsentWithdrawnEvent => "trackConsentWithdrawnEvent",
            Method::TrackScrollChangedEvent => "trackScrollChangedEvent",
            Method::TrackListItemViewEvent => "trackListItemViewEvent",
            Method::TrackDeepLinkReceivedEvent => "trackDeepLinkReceivedEvent",
            Method::TrackMessageNotificationEvent => "trackMessageNotificationEvent",
            Method::TrackEcommerceTransactionEvent => "trackEcommerceTransactionEvent",
            Method::GetSessionUserId => "getSessionUserId",
            Method::GetSessionId => "getSessionId",
            Method::GetSessionIndex => "getSessionIndex",
            Method::GetIsInBackground => "getIsInBackground",
            Method::GetBackgroundIndex => "getBackgroundIndex",
            Method::GetForegroundIndex => "getForegroundIndex",
            Method::StartNewSession => "startNewSession",
            Method::PauseSessionChecking => "pauseSessionChecking",
            Method::ResumeSessionChecking => "resumeSessionChecking",
            Method::Flush => "flush",
            Method::GetDeliveryStats => "getDeliveryStats",
            Method::SetUserId => "setUserId",
            Method::SetNetworkUserId => "setNetworkUserId",
            Method::SetDomainUserId => "setDomainUserId",
            Method::SetIpAddress => "setIpAddress",
            Method::SetUseragent => "setUseragent",
            Method::SetTimezone => "setTimezone",
            Method::SetLanguage => "setLanguage",
            Method::SetScreenResolution => "setScreenResolution",
            Method::SetScreenViewport => "setScreenViewport",
            Method::SetColorDepth => "setColorDepth",
            Method::SetSubjectData => "setSubjectData",
            Method::AddGlobalContexts => "addGlobalContexts",
            Method::RemoveGlobalContexts => "removeGlobalContexts",
            Method::TrackUncaughtError => "trackUncaughtError",
            Method::TrackWebViewMessage => "trackWebViewMessage",
        }
    }

    /// The method of that name.
    pub fn from_name(name: &str) -> Result<Method> {
        input::inject_panic(name);
        Method::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| TrackerError::UnknownMethod(name.chars().take(60).collect()))
    }

    /// The event kind of a `track*` method; `None` for the others.
    pub fn event_type(self) -> Option<EventType> {
        match self {
            Method::TrackScreenViewEvent => Some(EventType::ScreenView),
            Method::TrackSelfDescribingEvent => Some(EventType::SelfDescribing),
            Method::TrackStructuredEvent => Some(EventType::Structured),
            Method::TrackPageViewEvent => Some(EventType::PageView),
            Method::TrackTimingEvent => Some(EventType::Timing),
            Method::TrackConsentGrantedEvent => Some(EventType::ConsentGranted),
            Method::TrackConsentWithdrawnEvent => Some(EventType::ConsentWithdrawn),
            Method::TrackScrollChangedEvent => Some(EventType::ScrollChanged),
            Method::TrackListItemViewEvent => Some(EventType::ListItemView),
            Method::TrackDeepLinkReceivedEvent => Some(EventType::DeepLinkReceived),
            Method::TrackMessageNotificationEvent => Some(EventType::MessageNotification),
            Method::TrackEcommerceTransactionEvent => Some(EventType::EcommerceTransaction),
            _ => None,
        }
    }

    /// The subject field a `set*` method sets.
    fn subject_key(self) -> Option<SubjectKey> {
        Some(match self {
            Method::SetUserId => SubjectKey::UserId,
            Method::SetNetworkUserId => SubjectKey::NetworkUserId,
            Method::SetDomainUserId => SubjectKey::DomainUserId,
            Method::SetIpAddress => SubjectKey::IpAddress,
            Method::SetUseragent => SubjectKey::Useragent,
            Method::SetTimezone => SubjectKey::Timezone,
            Method::SetLanguage => SubjectKey::Language,
            Method::SetScreenResolution => SubjectKey::ScreenResolution,
            Method::SetScreenViewport => SubjectKey::ScreenViewport,
            Method::SetColorDepth => SubjectKey::ColorDepth,
            _ => return None,
        })
    }

    /// How many arguments the method takes at most (JavaScript's argument
    /// list; a missing one is `null`).
    pub fn max_arguments(self) -> usize {
        if self.event_type().is_some() {
            2
        } else if self.subject_key().is_some()
            || matches!(
                self,
                Method::SetSubjectData
                    | Method::AddGlobalContexts
                    | Method::RemoveGlobalContexts
                    | Method::TrackUncaughtError
                    | Method::TrackWebViewMessage
            )
        {
            1
        } else {
            0
        }
    }

    /// Whether bad arguments of the method are an event's (`INVALID_EVENT`).
    fn takes_event(self) -> bool {
        self.event_type().is_some()
            || matches!(
                self,
                Method::TrackUncaughtError | Method::TrackWebViewMessage
            )
    }

    /// The getter's value in the session info.
    fn project(self, info: &SessionInfo) -> Value {
        match self {
            Method::GetSessionUserId => Value::from(info.user_id.clone()),
            Method::GetSessionId => info.session_id.clone().map_or(Value::Null, Value::from),
            Method::GetSessionIndex => info.session_index.map_or(Value::Null, Value::from),
            Method::GetIsInBackground => Value::from(info.is_in_background),
            Method::GetBackgroundIndex => Value::from(info.background_index),
            Method::GetForegroundIndex => Value::from(info.foreground_index),
            _ => Value::Null,
        }
    }

    /// Checks the arguments (a JSON array, as JavaScript passed them) and
    /// hands the call to `tracker`; `done` answers with the method's value
    /// (`null` for those that return nothing), the sessions it started, and
    /// the lines for the app's log (unknown keys ignored in an event, when
    /// `logLevel` is not `off`).
    pub fn invoke(self, tracker: &Tracker, args_json: &str, done: Responder<(Value, Outcome)>) {
        let (op, notes, answer) = match self.parse(args_json, Some(tracker.namespace())) {
            Ok(checked) => checked,
            Err(e) => return done.respond(Err(e)),
        };
        let name = self.name();
        let log: Vec<String> = if tracker.log_level() >= LogLevel::Error {
            notes.into_iter().map(|n| format!("{name}: {n}")).collect()
        } else {
            Vec::new()
        };
        tracker.send(
            op,
            Responder::new(move |r: Result<Outcome>| {
                done.respond(r.and_then(|mut o| {
                    let value = match answer {
                        Answer::Getter => o
                            .info
                            .as_ref()
                            .map_or(Value::Null, |info| self.project(info)),
                        Answer::Stats => match o.stats.take() {
                            Some(stats) => serde_json::to_value(stats?).unwrap_or(Value::Null),
                            None => Value::Null,
                        },
                        Answer::Tracked => Value::Bool(o.tracked),
                        Answer::Nothing => Value::Null,
                    };
                    o.log = log;
                    Ok((value, o))
                }))
            }),
        );
    }

    /// Checks the arguments (a JSON array) exactly as [`Method::invoke`]
    /// does before it hands the call to a tracker, without a tracker: for
    /// tools and tests.
    pub fn check_arguments(self, args_json: &str) -> Result<()> {
        self.parse(args_json, None).map(|_| ())
    }

    /// The arguments, checked: what to ask of the writer, what was forgiven,
    /// and how to answer. `namespace`: the tracker's (a WebView message is
    /// tracked only by the trackers it names).
    fn parse(self, args_json: &str, namespace: Option<&str>) -> Result<(Op, Vec<String>, Answer)> {
        if let Some(kind) = self.event_type() {
            // Screen views and structured events, read without a map of
            // values when the general parser would take them as they are.
            if let Some(event) = crate::fast_path::from_args_array(kind, args_json) {
                let eid = uuid::Uuid::new_v4();
                return Ok((Op::Track { event, eid }, Vec::new(), Answer::Nothing));
            }
        }
        self.parse_general(args_json, namespace)
    }

    /// The event the general parser makes of a `track*` call's arguments,
    /// and its notes (what the fast path's tests compare with).
    #[cfg(test)]
    pub(crate) fn general_event(self, args_json: &str) -> Result<(Event, Vec<String>)> {
        match self.parse_general(args_json, None)? {
            (Op::Track { event, .. }, notes, _) => Ok((event, notes)),
            _ => Err(TrackerError::InvalidArgument(format!(
                "{} tracks no event",
                self.name()
            ))),
        }
    }

    /// [`Method::parse`] by the general parser alone.
    fn parse_general(
        self,
        args_json: &str,
        namespace: Option<&str>,
    ) -> Result<(Op, Vec<String>, Answer)> {
        let eid = uuid::Uuid::new_v4;
        let args = self.arguments(args_json)?;
        let mut args = args.into_iter();
        if let Some(kind) = self.event_type() {
            let (event, notes) = Event::from_args_noting(kind, args.next(), args.next())?;
            return Ok((Op::Track { event, eid: eid() }, notes, Answer::Nothing));
        }
        let first = args.next().unwrap_or(Value::Null);
        let op = |op: Op| Ok((op, Vec::new(), Answer::Nothing));
        if let Some(key) = self.subject_key() {
            let what = key.js_name();
            return op(Op::SetSubject(vec![(key, key.parse(what, &first)?)]));
        }
        match self {
            Method::SetSubjectData => op(Op::SetSubject(enrich::parse_subject("subject", &first)?)),
            Method::AddGlobalContexts => op(Op::AddGlobalContexts(enrich::parse_global_contexts(
                "globalContexts",
                first,
            )?)),
            Method::RemoveGlobalContexts => match first {
                Value::String(tag) => op(Op::RemoveGlobalContexts(tag)),
                other => Err(TrackerError::InvalidArgument(format!(
                    "tag must be a string, got {}",
                    describe(&other)
                ))),
            },
            Method::TrackUncaughtError => {
                let event = enrich::application_error(Some(first))?;
                Ok((
                    Op::TrackError { event, eid: eid() },
                    Vec::new(),
                    Answer::Tracked,
                ))
            }
            Method::TrackWebViewMessage => match webview::parse(&first)? {
                Some(message) if message.is_for(namespace) => {
                    let (event, notes) =
                        Event::from_args_noting(message.kind, message.event, message.contexts)?;
                    Ok((Op::Track { event, eid: eid() }, notes, Answer::Tracked))
                }
                _ => Ok((Op::Nothing, Vec::new(), Answer::Tracked)),
            },
            Method::StartNewSession => op(Op::StartNewSession),
            Method::PauseSessionChecking => op(Op::SetPaused(true)),
            Method::ResumeSessionChecking => op(Op::SetPaused(false)),
            Method::Flush => op(Op::Flush),
            Method::GetDeliveryStats => Ok((Op::Stats, Vec::new(), Answer::Stats)),
            _ => Ok((Op::Info, Vec::new(), Answer::Getter)),
        }
    }

    /// Parses the argument array: `track*` take the event and optional
    /// entities (`null`: none); the others take none.
    fn arguments(self, args_json: &str) -> Result<Vec<Value>> {
        let bad = |msg: String| TrackerError::InvalidArgument(msg);
        let args = match serde_json::from_str::<Value>(args_json) {
            Ok(Value::Array(args)) => args,
            Ok(other) => {
                return Err(bad(format!(
                    "arguments must be a JSON array, got {}",
                    describe(&other)
                )))
            }
            Err(e) => {
                let message = input::json_syntax_error("arguments are", &e);
                // Too deep, or not Unicode: for a `track*` method, that is its event.
                let content = !message.starts_with("arguments are not valid JSON");
                return Err(if content && self.takes_event() {
                    TrackerError::InvalidEvent(message)
                } else {
                    bad(message)
                });
            }
        };
        let max = self.max_arguments();
        if args.len() > max {
            return Err(bad(format!(
                "{} takes at most {max} argument(s), got {}",
                self.name(),
                args.len()
            )));
        }
        // A value JSON cannot carry (NaN, a function, ...) is refused by its
        // path; the events' own parser does it for `track*` methods.
        if self.event_type().is_none() {
            for (i, v) in args.iter().enumerate() {
                input::check_json(v, &format!("arguments[{i}]")).map_err(|m| {
                    if self.takes_event() {
                        TrackerError::InvalidEvent(m)
                    } else {
                        bad(m)
                    }
                })?;
            }
        }
        Ok(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_checked_without_a_tracker() {
        let m = Method::TrackSelfDescribingEvent;
        assert_eq!(
            m.check_arguments(r#"[{"schema":"iglu:a/b/jsonschema/1-0-0","data":{}}]"#),
            Ok(())
        );
        let e = m.check_arguments(r#"[{"schema":"iglu:a/b/jsonschema/1-0-0","data":{"p":"\u0000rn-rust-tracker:unsupported:NaN"}}]"#);
        assert_eq!(
            e,
            Err(TrackerError::InvalidEvent(
                "selfDescribing.data.p must be a finite number, got NaN".into()
            ))
        );
        let deep = format!("[{}1{}]", "[".repeat(300), "]".repeat(300));
        assert_eq!(
            m.check_arguments(&deep).unwrap_err().code(),
            "INVALID_EVENT"
        );
        let e = Method::GetSessionId.check_arguments(&deep).unwrap_err();
        assert_eq!(
            e,
            TrackerError::InvalidArgument("arguments are nested more than 64 levels deep".into())
        );
        assert_eq!(
            Method::Flush.check_arguments("{").unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(Method::Flush.check_arguments("[]"), Ok(()));
        let e = Method::Flush.check_arguments(r#"["\ud800"]"#).unwrap_err();
        assert!(e.to_string().contains("lone UTF-16 surrogate"), "{e}");
        assert_eq!(e.code(), "INVALID_ARGUMENT");
        let e = Method::TrackScreenViewEvent
            .check_arguments(r#"[{"name":"\ud800"}]"#)
            .unwrap_err();
        assert_eq!(e.code(), "INVALID_EVENT", "{e}");
        assert_eq!(
            Method::TrackScreenViewEvent
                .check_arguments("[")
                .unwrap_err()
                .code(),
            "INVALID_ARGUMENT"
        );
    }

    #[test]
    fn every_event_kind_has_one_track_method_taking_an_event_and_entities() {
        for kind in EventType::ALL {
            let methods: Vec<Method> = Method::ALL
                .into_iter()
                .filter(|m| m.event_type() == Some(kind))
                .collect();
            assert_eq!(methods.len(), 1, "{kind:?}");
            let m = methods[0];
            assert!(
                m.name().starts_with("track") && m.name().ends_with("Event"),
                "{}",
                m.name()
            );
            let e = m.check_arguments("[]").unwrap_err();
            assert_eq!(
                e,
                TrackerError::InvalidEvent(format!("{} event is required", kind.root_name()))
            );
            let e = m.check_arguments("[{}, [], 3]").unwrap_err();
            assert_eq!(e.code(), "INVALID_ARGUMENT", "{e}");
        }
        let m = Method::TrackEcommerceTransactionEvent;
        let args =
            r#"[{"orderId":"o","totalValue":1,"items":[{"sku":"s","price":1,"quantity":1}]},null]"#;
        assert_eq!(m.check_arguments(args), Ok(()));
        assert_eq!(
            Method::from_name("trackPageViewEvent"),
            Ok(Method::TrackPageViewEvent)
        );
    }

    /// The panic used by the boundary tests exists only with the
    /// `panic-injection` feature; in a build without it, the name is just an
    /// unknown method.
    #[cfg(not(feature = "panic-injection"))]
    #[test]
    fn no_method_panics_without_the_test_feature() {
        let e = Method::from_name("__rnRustTrackerInjectPanic").unwrap_err();
        assert_eq!(e.code(), "UNKNOWN_METHOD");
    }
}
