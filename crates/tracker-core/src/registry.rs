//! The trackers of the process, by namespace, and the app's lifecycle state:
//! the whole native surface, five functions that never grow.
//!
//! Android, iOS and Node map these one to one onto their TurboModule or addon
//! methods, on the thread the app calls them on. Each function only validates
//! and enqueues, so it returns at once and calls reach a tracker's queue in
//! the order the app made them. Every call is answered exactly once, later or
//! at once, through its [`Answer`]: with a JSON reply
//! (`{"value": ..., "sessions": [{"namespace", "session"}]}`, `sessions`
//! present when the call started one; `createTracker`'s and a tracker method's
//! may carry `log`, lines for the app's log) or with a [`Failure`] whose code and
//! message the platforms pass on unchanged. Tracker methods are called by
//! name through [`call_tracker`]; their table is [`crate::method`].

use crate::config::{Config, LogLevel, PlatformDefaults};
use crate::error::{Failure, Result, TrackerError};
use crate::method::Method;
use crate::reply::Responder;
use crate::session::ClientSession;
use crate::tracker::{validate_namespace, Outcome, Tracker, TrackerOptions};
use once_cell::sync::Lazy;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// The platform's end of one call: settles its Promise, once, with the JSON
/// reply or the failure.
pub type Answer = Box<dyn FnOnce(std::result::Result<String, Failure>) + Send + 'static>;

/// What a namespace holds: a running tracker with the gate of its answers,
/// or the error its creation failed with, which every call on it then gets.
enum Entry {
    Running(Arc<Tracker>, Arc<Gate>),
    Failed(TrackerError),
}

/// Keeps one tracker's answers in order as the app receives them.
///
/// `setAppState` is one call for every tracker: its reply waits until each
/// has tracked its lifecycle event, and it carries the sessions those events
/// began. Meanwhile a tracker that has answered it may answer later calls, and
/// one of those could begin the next session: delivered at once, the app
/// would hear of session N+1 before session N. So while a `setAppState`
/// involving the tracker is unanswered, the tracker's later answers wait here
/// (the work itself is done and committed; only the answers wait), and they
/// follow the reply in order.
#[derive(Default)]
struct Gate(Mutex<GateState>);

#[derive(Default)]
struct GateState {
    holds: usize,
    draining: bool,
    waiting: VecDeque<Box<dyn FnOnce() + Send>>,
}

impl Gate {
    fn state(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Answers delivered from now on wait for [`Gate::release`].
    fn hold(&self) {
        self.state().holds += 1;
    }

    /// Delivers an answer now, or after the answers that wait before it.
    fn pass(&self, deliver: Box<dyn FnOnce() + Send>) {
        {
            let mut s = self.state();
            if s.holds > 0 || s.draining {
                s.waiting.push_back(deliver);
                return;
            }
        }
        deliver();
    }

    /// Ends one hold; the last delivers what waited, in order.
    fn release(&self) {
        {
            let mut s = self.state();
            s.holds = s.holds.saturating_sub(1);
            if s.holds > 0 || s.draining {
                return;
            }
            s.draining = true;
        }
        loop {
            let next = {
                let mut s = self.state();
                match s.waiting.pop_front().filter(|_| s.holds == 0) {
                    Some(deliver) => deliver,
                    None => {
                        s.draining = false;
                        return;
                    }
                }
            };
            next();
        }
    }
}

#[derive(Default)]
struct Registry {
    trackers: HashMap<String, Entry>,
    in_background: bool,
}

static REGISTRY: Lazy<Mutex<Registry>> = Lazy::new(|| Mutex::new(Registry::default()));

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

/// The app's lifecycle states as React Native's `AppState` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppState {
    /// In the foreground.
    Active,
    /// In the background.
    Background,
    /// Transitional (iOS), or not known yet (`unknown`, `extension`): not a
    /// move in either direction, so ignored.
    Inactive,
}

impl AppState {
    /// Parses `active`, `background`, or one of the states that move nothing
    /// (`inactive`, `unknown`, `extension`).
    pub fn parse(s: &str) -> Result<AppState> {
        match s {
            "active" => Ok(AppState::Active),
            "background" => Ok(AppState::Background),
            "inactive" | "unknown" | "extension" => Ok(AppState::Inactive),
            other => Err(TrackerError::InvalidArgument(format!(
                "app state must be 'active', 'background' or 'inactive', got {:?}",
                other.chars().take(40).collect::<String>()
            ))),
        }
    }
}

/// The reply of a call whose value is `null`, that started no session and has nothing to log.
const NULL_REPLY: &str = r#"{"value":null}"#;

/// The JSON reply of a call.
fn reply(value: Value, sessions: &[(String, ClientSession)]) -> String {
    reply_value(value, sessions).to_string()
}

fn reply_value(value: Value, sessions: &[(String, ClientSession)]) -> Value {
    let mut reply = json!({ "value": value });
    if !sessions.is_empty() {
        reply["sessions"] = sessions
            .iter()
            .map(|(namespace, session)| json!({ "namespace": namespace, "session": session }))
            .collect();
    }
    reply
}

/// Settles `answer` for `method`. An answer that fails (a platform callback
/// that throws) must not take the tracker's writer thread down with it.
fn settle(answer: Answer, method: &str, result: Result<String>) {
    let result = result.map_err(|e| Failure::new(method, &e));
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || answer(result)));
}

/// `answer`, delivered through the tracker's gate.
fn gated(gate: Arc<Gate>, answer: Answer) -> Answer {
    Box::new(move |result| gate.pass(Box::new(move || answer(result))))
}

/// A responder that settles `answer`; dropped unanswered, it answers
/// [`TrackerError::ShutDown`].
fn responder<T: Send + 'static>(
    answer: Answer,
    method: &'static str,
    to_json: impl FnOnce(T) -> String + Send + 'static,
) -> Responder<T> {
    Responder::new(move |r: Result<T>| settle(answer, method, r.map(to_json)))
}

fn sessions_of(namespace: &str, outcome: Outcome) -> Vec<(String, ClientSession)> {
    outcome
        .new_sessions
        .into_iter()
        .map(|s| (namespace.to_string(), s))
        .collect()
}

/// Creates (or re-creates, replacing the old one) the tracker of `namespace`
/// from its JSON configuration; `platform` gives the platform's facts. Answers
/// once its database is open. Calls made meanwhile queue behind the opening;
/// if the creation fails, they and every later call on the namespace get its
/// error.
pub fn create_tracker(
    namespace: &str,
    config_json: &str,
    platform: &PlatformDefaults,
    answer: Answer,
) {
    const METHOD: &str = "createTracker";
    let config =
        validate_namespace(namespace).and_then(|()| Config::from_json(config_json, platform));
    let mut reg = registry();
    let predecessor = match reg.trackers.remove(namespace) {
        Some(Entry::Running(old, _)) => {
            let (r, reply) = Responder::pair();
            old.stop(r);
            Some(reply)
        }
        _ => None,
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            reg.trackers
                .insert(namespace.to_string(), Entry::Failed(e.clone()));
            drop(reg);
            return settle(answer, METHOD, Err(e));
        }
    };
    let options = TrackerOptions {
        in_background: reg.in_background,
        predecessor,
        ..TrackerOptions::default()
    };
    // Options that have no effect here are told to the app's log once.
    let log: Vec<String> = if config.log_level >= LogLevel::Error {
        config.notices.clone()
    } else {
        Vec::new()
    };
    let ready = responder(answer, METHOD, move |()| {
        let mut r = json!({ "value": Value::Null });
        if !log.is_empty() {
            r["log"] = json!(log);
        }
        r.to_string()
    });
    let entry = match Tracker::start(namespace, config, options, ready) {
        Ok(t) => Entry::Running(Arc::new(t), Arc::default()),
        // `start` has answered `ready` with the error.
        Err(e) => Entry::Failed(e),
    };
    reg.trackers.insert(namespace.to_string(), entry);
}

/// Calls the tracker method named `method` of `namespace` with `args_json`,
/// the JSON array of its arguments. Answers with the method's value.
pub fn call_tracker(namespace: &str, method: &str, args_json: &str, answer: Answer) {
    let m = match Method::from_name(method) {
        Ok(m) => m,
        Err(e) => return settle(answer, &crate::input::cut(method, 60), Err(e)),
    };
    let (tracker, gate) = match registry().trackers.get(namespace) {
        Some(Entry::Running(t, g)) => (Arc::clone(t), Arc::clone(g)),
        Some(Entry::Failed(e)) => return settle(answer, m.name(), Err(e.clone())),
        None => {
            return settle(
                answer,
                m.name(),
                Err(TrackerError::UnknownTracker(namespace.to_string())),
            )
        }
    };
    let ns = namespace.to_string();
    let done = responder(
        gated(gate, answer),
        m.name(),
        move |(value, mut outcome): (Value, Outcome)| {
            if value.is_null() && outcome.log.is_empty() && outcome.new_sessions.is_empty() {
                // The answer of almost every call (each `track*`), made without a tree.
                return NULL_REPLY.to_string();
            }
            let log = std::mem::take(&mut outcome.log);
            let mut r = reply_value(value, &sessions_of(&ns, outcome));
            if !log.is_empty() {
                r["log"] = json!(log);
            }
            r.to_string()
        },
    );
    m.invoke(&tracker, args_json, done);
}

/// Stops and removes a tracker; answers whether one existed.
pub fn remove_tracker(namespace: &str, answer: Answer) {
    let removed = registry().trackers.remove(namespace);
    let done = responder(answer, "removeTracker", |existed: bool| {
        reply(Value::from(existed), &[])
    });
    match removed {
        Some(Entry::Running(t, _)) => t.stop(Responder::new(move |r: Result<()>| {
            done.respond(r.map(|()| true))
        })),
        Some(Entry::Failed(_)) => done.respond(Ok(true)),
        None => done.respond(Ok(false)),
    }
}

/// Stops and removes every tracker.
pub fn remove_all_trackers(answer: Answer) {
    let all: Vec<Arc<Tracker>> = registry()
        .trackers
        .drain()
        .filter_map(|(_, e)| match e {
            Entry::Running(t, _) => Some(t),
            Entry::Failed(_) => None,
        })
        .collect();
    let done = responder(
        answer,
        "removeAllTrackers",
        |_: Vec<(String, ClientSession)>| reply(Value::Null, &[]),
    );
    for_each(all, done, |t, r| {
        t.stop(Responder::new(move |x: Result<()>| {
            r.respond(x.map(|()| Outcome::default()))
        }))
    });
}

/// Moves the app (every tracker, and trackers created later) to `state`;
/// answers with the sessions the lifecycle events started. A tracker that
/// cannot move (its database failed) does not fail the call: its own calls
/// report that. The answers of the trackers' later calls follow this reply
/// (see [`Gate`]).
pub fn set_app_state(state: &str, answer: Answer) {
    let done = responder(
        answer,
        "setAppState",
        |sessions: Vec<(String, ClientSession)>| reply(Value::Null, &sessions),
    );
    let to_background = match AppState::parse(state) {
        Ok(AppState::Active) => false,
        Ok(AppState::Background) => true,
        Ok(AppState::Inactive) => return done.respond(Ok(Vec::new())),
        Err(e) => return done.respond(Err(e)),
    };
    let (trackers, gates): (Vec<Arc<Tracker>>, Vec<Arc<Gate>>) = {
        let mut reg = registry();
        reg.in_background = to_background;
        reg.trackers
            .values()
            .filter_map(|e| match e {
                Entry::Running(t, g) => {
                    g.hold();
                    Some((Arc::clone(t), Arc::clone(g)))
                }
                Entry::Failed(_) => None,
            })
            .unzip()
    };
    let done = Responder::new(move |r| {
        done.respond(r);
        gates.iter().for_each(|g| g.release());
    });
    for_each(trackers, done, |t, r| {
        let moved = Responder::new(move |x: Result<Outcome>| r.respond(Ok(x.unwrap_or_default())));
        t.send_app_state(to_background, moved);
    });
}

/// Runs `f` on every tracker and answers `done` when all have answered, with
/// the sessions they started (or the first error, if any).
fn for_each(
    trackers: Vec<Arc<Tracker>>,
    done: Responder<Vec<(String, ClientSession)>>,
    f: impl Fn(&Tracker, Responder<Outcome>),
) {
    struct Join {
        remaining: usize,
        sessions: Vec<(String, ClientSession)>,
        first_error: Option<TrackerError>,
        done: Option<Responder<Vec<(String, ClientSession)>>>,
    }
    if trackers.is_empty() {
        return done.respond(Ok(Vec::new()));
    }
    let join = Arc::new(Mutex::new(Join {
        remaining: trackers.len(),
        sessions: Vec::new(),
        first_error: None,
        done: Some(done),
    }));
    for t in &trackers {
        let join = Arc::clone(&join);
        let namespace = t.namespace().to_string();
        f(
            t,
            Responder::new(move |r: Result<Outcome>| {
                let mut j = join.lock().unwrap_or_else(|p| p.into_inner());
                match r {
                    Ok(outcome) => j.sessions.extend(sessions_of(&namespace, outcome)),
                    Err(e) => {
                        j.first_error.get_or_insert(e);
                    }
                }
                j.remaining -= 1;
                if j.remaining == 0 {
                    if let Some(d) = j.done.take() {
                        let outcome = match j.first_error.take() {
                            Some(e) => Err(e),
                            None => Ok(std::mem::take(&mut j.sessions)),
                        };
                        drop(j);
                        d.respond(outcome);
                    }
                }
            }),
        );
    }
}
