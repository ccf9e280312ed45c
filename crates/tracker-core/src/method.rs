//! The tracker's methods, by name: the one table behind `callTracker`.
//!
//! The native surface (the TurboModule spec, the UniFFI exports, the Node
//! addon) has a small fixed set of entries, one of which calls any tracker
//! method by its name with its arguments as a JSON array, exactly as the app
//! passed them in JavaScript. The names, the arguments each method takes and
//! what each answers live here, so a new tracker method is added in this
//! table and in the TypeScript API, and no platform file changes.

use crate::config::describe;
use crate::error::{Result, TrackerError};
use crate::event::{Event, EventType};
use crate::reply::Responder;
use crate::session::SessionInfo;
use crate::tracker::{Op, Outcome, Tracker};
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
}

impl Method {
    /// Every method, in the order of the table.
    pub const ALL: [Method; 14] = [
        Method::TrackScreenViewEvent,
        Method::TrackSelfDescribingEvent,
        Method::TrackStructuredEvent,
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
    ];

    /// The method's name in JavaScript.
    pub fn name(self) -> &'static str {
        match self {
            Method::TrackScreenViewEvent => "trackScreenViewEvent",
            Method::TrackSelfDescribingEvent => "trackSelfDescribingEvent",
            Method::TrackStructuredEvent => "trackStructuredEvent",
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
        }
    }

    /// The method of that name.
    pub fn from_name(name: &str) -> Result<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| TrackerError::UnknownMethod(name.chars().take(60).collect()))
    }

    /// The event kind of a `track*` method.
    fn event_type(self) -> Option<EventType> {
        match self {
            Method::TrackScreenViewEvent => Some(EventType::ScreenView),
            Method::TrackSelfDescribingEvent => Some(EventType::SelfDescribing),
            Method::TrackStructuredEvent => Some(EventType::Structured),
            _ => None,
        }
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
    /// (`null` for those that return nothing) and the sessions it started.
    pub fn invoke(self, tracker: &Tracker, args_json: &str, done: Responder<(Value, Outcome)>) {
        let args = match self.arguments(args_json) {
            Ok(args) => args,
            Err(e) => return done.respond(Err(e)),
        };
        let op = match self.event_type() {
            Some(kind) => {
                let mut args = args.into_iter();
                match Event::from_args(kind, args.next(), args.next()) {
                    Ok(event) => Op::Track { event, eid: uuid::Uuid::new_v4().to_string() },
                    Err(e) => return done.respond(Err(e)),
                }
            }
            None => match self {
                Method::StartNewSession => Op::StartNewSession,
                Method::PauseSessionChecking => Op::SetPaused(true),
                Method::ResumeSessionChecking => Op::SetPaused(false),
                Method::Flush => Op::Flush,
                Method::GetDeliveryStats => Op::Stats,
                _ => Op::Info,
            },
        };
        tracker.send(
            op,
            Responder::new(move |r: Result<Outcome>| {
                done.respond(r.and_then(|mut o| {
                    let value = match (o.info.as_ref(), o.stats.take()) {
                        (Some(info), _) => self.project(info),
                        (None, Some(stats)) => serde_json::to_value(stats?).unwrap_or(Value::Null),
                        (None, None) => Value::Null,
                    };
                    Ok((value, o))
                }))
            }),
        );
    }

    /// Parses the argument array: `track*` take the event and optional
    /// entities (`null`: none); the others take none.
    fn arguments(self, args_json: &str) -> Result<Vec<Value>> {
        let bad = |msg: String| TrackerError::InvalidArgument(msg);
        let args = match serde_json::from_str::<Value>(args_json) {
            Ok(Value::Array(args)) => args,
            Ok(other) => return Err(bad(format!("arguments must be a JSON array, got {}", describe(&other)))),
            Err(e) => return Err(bad(format!("arguments are not valid JSON: {e}"))),
        };
        let max = if self.event_type().is_some() { 2 } else { 0 };
        if args.len() > max {
            return Err(bad(format!("{} takes at most {max} argument(s), got {}", self.name(), args.len())));
        }
        Ok(args)
    }
}
