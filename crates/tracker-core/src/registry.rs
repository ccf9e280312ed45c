//! The trackers of the process, by namespace, and the app's lifecycle state.
//!
//! This is the surface the platform layers call: namespaces and JSON strings
//! in, typed results out through a [`Responder`]. Android, iOS and Node each
//! map these functions one to one onto their TurboModule or addon methods, so
//! they share every decision, including what an unknown namespace means.

use crate::config::{Config, PlatformDefaults};
use crate::error::{Result, TrackerError};
use crate::event::EventType;
use crate::reply::Responder;
use crate::tracker::{validate_namespace, SessionObserver, Tracker, TrackerOptions};
use once_cell::sync::Lazy;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Registry {
    trackers: HashMap<String, Arc<Tracker>>,
    in_background: bool,
}

static REGISTRY: Lazy<Mutex<Registry>> = Lazy::new(|| Mutex::new(Registry::default()));

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

fn lookup(namespace: &str) -> Result<Arc<Tracker>> {
    registry().trackers.get(namespace).cloned().ok_or_else(|| TrackerError::UnknownTracker(namespace.to_string()))
}

/// The app's lifecycle states as React Native's `AppState` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppState {
    /// In the foreground.
    Active,
    /// In the background.
    Background,
    /// Transitional (iOS); not a move in either direction, so ignored.
    Inactive,
}

impl AppState {
    /// Parses `active`, `background` or `inactive`.
    pub fn parse(s: &str) -> Result<AppState> {
        match s {
            "active" => Ok(AppState::Active),
            "background" => Ok(AppState::Background),
            "inactive" => Ok(AppState::Inactive),
            other => Err(TrackerError::InvalidArgument(format!(
                "app state must be 'active', 'background' or 'inactive', got {:?}",
                other.chars().take(40).collect::<String>()
            ))),
        }
    }
}

/// Creates (or re-creates, replacing the old one) the tracker of `namespace`.
/// `ready` answers once its database is open.
pub fn create_tracker(
    namespace: &str,
    config_json: &str,
    platform: &PlatformDefaults,
    observer: Option<Arc<dyn SessionObserver>>,
    ready: Responder<()>,
) {
    if let Err(e) = validate_namespace(namespace) {
        return ready.respond(Err(e));
    }
    let config = match Config::from_json(config_json, platform) {
        Ok(c) => c,
        Err(e) => return ready.respond(Err(e)),
    };
    let mut reg = registry();
    let predecessor = reg.trackers.remove(namespace).map(|old| {
        let (r, reply) = Responder::pair();
        old.stop(r);
        reply
    });
    let options = TrackerOptions { observer, in_background: reg.in_background, predecessor, ..TrackerOptions::default() };
    // `start` answers `ready` itself, also when it fails.
    if let Ok(t) = Tracker::start(namespace, config, options, ready) {
        reg.trackers.insert(namespace.to_string(), Arc::new(t));
    }
}

/// Stops and removes a tracker; answers whether one existed.
pub fn remove_tracker(namespace: &str, done: Responder<bool>) {
    let removed = registry().trackers.remove(namespace);
    match removed {
        Some(t) => t.stop(Responder::new(move |r| done.respond(r.map(|()| true)))),
        None => done.respond(Ok(false)),
    }
}

/// Stops and removes every tracker.
pub fn remove_all_trackers(done: Responder<()>) {
    let all: Vec<Arc<Tracker>> = registry().trackers.drain().map(|(_, t)| t).collect();
    for_each(all, done, |t, r| t.stop(r));
}

/// Runs `f` on every tracker and answers `done` when all have answered (with
/// the first error, if any).
fn for_each(trackers: Vec<Arc<Tracker>>, done: Responder<()>, f: impl Fn(&Tracker, Responder<()>)) {
    struct Join {
        remaining: usize,
        first_error: Option<TrackerError>,
        done: Option<Responder<()>>,
    }
    if trackers.is_empty() {
        return done.respond(Ok(()));
    }
    let join = Arc::new(Mutex::new(Join { remaining: trackers.len(), first_error: None, done: Some(done) }));
    for t in &trackers {
        let join = Arc::clone(&join);
        f(
            t,
            Responder::new(move |r| {
                let mut j = join.lock().unwrap_or_else(|p| p.into_inner());
                if let Err(e) = r {
                    j.first_error.get_or_insert(e);
                }
                j.remaining -= 1;
                if j.remaining == 0 {
                    if let Some(d) = j.done.take() {
                        let outcome = j.first_error.take().map_or(Ok(()), Err);
                        drop(j);
                        d.respond(outcome);
                    }
                }
            }),
        );
    }
}

/// Tracks a screen view, self-describing or structured event given as JSON.
pub fn track(namespace: &str, kind: EventType, args_json: &str, done: Responder<()>) {
    match lookup(namespace) {
        Ok(t) => t.track_json(kind, args_json, done),
        Err(e) => done.respond(Err(e)),
    }
}

/// The values of the six session getters, as a JSON object
/// (`{"userId", "sessionId", "sessionIndex", "isInBackground",
/// "backgroundIndex", "foregroundIndex"}`; `null` for an absent session).
pub fn session_info_json(namespace: &str, done: Responder<String>) {
    match lookup(namespace) {
        Ok(t) => t.session_info(Responder::new(move |r| {
            done.respond(r.and_then(|info| {
                serde_json::to_string(&info).map_err(|e| TrackerError::Storage(e.to_string()))
            }))
        })),
        Err(e) => done.respond(Err(e)),
    }
}

/// Starts a new session at the tracker's next event.
pub fn start_new_session(namespace: &str, done: Responder<()>) {
    match lookup(namespace) {
        Ok(t) => t.start_new_session(done),
        Err(e) => done.respond(Err(e)),
    }
}

/// Pauses (`true`) or resumes the session check of a tracker.
pub fn set_session_checking_paused(namespace: &str, paused: bool, done: Responder<()>) {
    match lookup(namespace) {
        Ok(t) => t.set_session_checking_paused(paused, done),
        Err(e) => done.respond(Err(e)),
    }
}

/// Sends everything the tracker has stored.
pub fn flush(namespace: &str, done: Responder<()>) {
    match lookup(namespace) {
        Ok(t) => t.flush(done),
        Err(e) => done.respond(Err(e)),
    }
}

/// Moves the app (every tracker, and trackers created later) to `state`.
pub fn set_app_state(state: &str, done: Responder<()>) {
    let to_background = match AppState::parse(state) {
        Ok(AppState::Active) => false,
        Ok(AppState::Background) => true,
        Ok(AppState::Inactive) => return done.respond(Ok(())),
        Err(e) => return done.respond(Err(e)),
    };
    let all: Vec<Arc<Tracker>> = {
        let mut reg = registry();
        reg.in_background = to_background;
        reg.trackers.values().cloned().collect()
    };
    for_each(all, done, |t, r| t.set_in_background(to_background, r));
}
