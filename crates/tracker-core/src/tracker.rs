//! One tracker, seen from the caller's side: a handle that turns each call
//! into a [`Command`] for the tracker's writer thread ([`crate::writer`]).
//!
//! The handle never waits on the disk or the network. What it does do, under
//! the one lock that orders the tracker's queue, is read the clock: an event's
//! time is the moment its call reached the core, and because the time is read
//! and the command enqueued in one step, times follow call order and never go
//! backwards within a tracker, whichever thread the calls come from
//! (docs/sessions.md, "Order and time").

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::error::{Result, TrackerError};
use crate::event::{Event, EventType};
use crate::reply::Responder;
use crate::session::{ClientSession, SessionInfo};
use crate::store::{self, DeliveryStats};
use crate::writer::Writer;
use std::path::PathBuf;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};

/// Receives a snapshot of each new session, after it is committed, for Rust
/// code that embeds the core. The platforms get the same snapshots in the
/// answers of their calls ([`Outcome::new_sessions`]).
pub trait SessionObserver: Send + Sync {
    /// Called once per new session, in order, on the tracker's writer thread.
    fn on_session_update(&self, session: ClientSession);
}

/// How a tracker is started, beyond its configuration.
pub struct TrackerOptions {
    /// Source of time (the system clock unless a test gives another).
    pub clock: Arc<dyn Clock>,
    /// Receiver of new-session snapshots.
    pub observer: Option<Arc<dyn SessionObserver>>,
    /// Whether the app is in the background when the tracker starts.
    pub in_background: bool,
    /// A previous tracker of the same namespace whose stop must finish first.
    pub predecessor: Option<crate::reply::Reply<()>>,
}

impl Default for TrackerOptions {
    fn default() -> Self {
        TrackerOptions {
            clock: Arc::new(SystemClock),
            observer: None,
            in_background: false,
            predecessor: None,
        }
    }
}

/// What the writer answers to a command once it is committed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The getters' values after the command (for [`Op::Info`]).
    pub info: Option<SessionInfo>,
    /// The delivery counters (for [`Op::Stats`]).
    pub stats: Option<Result<DeliveryStats>>,
    /// Sessions this command's events started, in order (empty unless
    /// `sessionConfig.onSessionUpdate` is set).
    pub new_sessions: Vec<ClientSession>,
    /// Whether the command stored an event (false for one folded into the
    /// screen summary, or an error not tracked).
    pub tracked: bool,
    /// Lines for the app's log about this call (see [`crate::method::Method::invoke`]).
    pub log: Vec<String>,
}

/// What a command asks of the writer.
pub(crate) enum Op {
    /// Track an event with this id.
    /// (The id is formatted on the writer: no text is allocated on the
    /// app's thread for it, and none freed across threads.)
    Track { event: Event, eid: uuid::Uuid },
    /// The app moved to the background (`true`) or the foreground.
    AppState { to_background: bool },
    /// Start a new session at the next event.
    StartNewSession,
    /// Pause (`true`) or resume the session check.
    SetPaused(bool),
    /// Turn `userAnonymisation` on or off.
    SetAnonymisation(bool),
    /// Change the subject (`setUserId`, ..., `setSubjectData`).
    SetSubject(crate::enrich::SubjectPatch),
    /// Add (or replace) the global contexts of a tag.
    AddGlobalContexts(crate::enrich::GlobalContexts),
    /// Remove the global contexts of a tag.
    RemoveGlobalContexts(String),
    /// Track an uncaught JavaScript error, if `exceptionAutotracking` is on.
    TrackError { event: Event, eid: uuid::Uuid },
    /// Nothing: a call that only needs its answer in order.
    Nothing,
    /// Answer with the getters' values.
    Info,
    /// Answer with the delivery counters.
    Stats,
    /// Send everything stored.
    Flush,
    /// Commit, stop sending, close.
    Stop,
}

/// One call on its way to the writer: what, when, and who to answer.
pub(crate) struct Command {
    pub(crate) op: Op,
    /// The clock when the call reached the core (read under the queue lock).
    pub(crate) at_ms: i64,
    pub(crate) done: Responder<Outcome>,
}

/// A running tracker. Cheap to share; all work happens on its threads.
pub struct Tracker {
    namespace: String,
    log_level: crate::config::LogLevel,
    queue: Mutex<Queue>,
}

struct Queue {
    clock: Arc<dyn Clock>,
    commands: Option<Sender<Command>>,
}

/// Checks a namespace (see [`crate::input::check_namespace`]).
pub fn validate_namespace(namespace: &str) -> Result<()> {
    crate::input::check_namespace(namespace)
}

/// Where databases live when neither the app nor the platform chose: the
/// per-user data directory of the OS, in a folder of this library's name.
pub fn default_storage_directory() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(target_os = "windows") {
        env("LOCALAPPDATA").or_else(|| env("APPDATA"))
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library").join("Application Support"))
    } else {
        env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local").join("share")))
    };
    base.unwrap_or_else(std::env::temp_dir)
        .join(crate::config::STORAGE_FOLDER)
}

/// Adapts a typed continuation to the writer's [`Outcome`].
fn unit(done: Responder<()>) -> Responder<Outcome> {
    done.discarding()
}

impl Tracker {
    /// Starts a tracker. The configuration is already valid; opening the
    /// database happens on the writer thread, and `ready` answers when it is
    /// open (or with the storage error, which every later call also gets).
    pub fn start(
        namespace: &str,
        config: Config,
        options: TrackerOptions,
        ready: Responder<()>,
    ) -> Result<Tracker> {
        if let Err(e) = validate_namespace(namespace) {
            ready.respond(Err(e.clone()));
            return Err(e);
        }
        let (tx, rx) = channel();
        let wake = tx.clone();
        let dir = config
            .storage_directory
            .clone()
            .unwrap_or_else(default_storage_directory);
        let db_path = store::database_path(&dir, namespace);
        let clock = Arc::clone(&options.clock);
        let ns = namespace.to_string();
        let log_level = config.log_level;
        std::thread::Builder::new()
            .name(format!(
                "rn-tracker-writer-{}",
                namespace
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(20)
                    .collect::<String>()
            ))
            .spawn(move || {
                crate::priority::lower_current_thread();
                Writer::run(ns, config, options, db_path, rx, wake, ready)
            })
            .map_err(|e| TrackerError::Storage(format!("cannot start the writer thread: {e}")))?;
        Ok(Tracker {
            namespace: namespace.to_string(),
            log_level,
            queue: Mutex::new(Queue {
                clock,
                commands: Some(tx),
            }),
        })
    }

    /// The tracker's namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// `trackerConfig.logLevel`.
    pub fn log_level(&self) -> crate::config::LogLevel {
        self.log_level
    }

    /// Enqueues `op`, stamped with the clock under the queue's lock. After
    /// [`Tracker::stop`] the command is dropped, and its responder answers
    /// [`TrackerError::ShutDown`].
    pub(crate) fn send(&self, op: Op, done: Responder<Outcome>) {
        let queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = queue.commands.as_ref() {
            let at_ms = queue.clock.now_ms();
            // A failed send drops the command, whose responder answers ShutDown.
            let _ = tx.send(Command { op, at_ms, done });
        }
    }

    /// Tracks an event; `done` answers once it is committed.
    pub fn track(&self, event: Event, done: Responder<()>) {
        let eid = uuid::Uuid::new_v4();
        self.send(Op::Track { event, eid }, unit(done));
    }

    /// Parses a `track*` call's JSON (`{"event": ..., "contexts": [...]}`)
    /// and tracks it; a bad argument answers at once.
    pub fn track_json(&self, kind: EventType, json: &str, done: Responder<()>) {
        match Event::from_json(kind, json) {
            Ok(event) => self.track(event, done),
            Err(e) => done.respond(Err(e)),
        }
    }

    /// Tells the tracker the app moved to the background (`true`) or foreground.
    pub fn set_in_background(&self, to_background: bool, done: Responder<()>) {
        self.send(Op::AppState { to_background }, unit(done));
    }

    /// [`Tracker::set_in_background`] for the registry, which collects the
    /// sessions the lifecycle events start.
    pub(crate) fn send_app_state(&self, to_background: bool, done: Responder<Outcome>) {
        self.send(Op::AppState { to_background }, done);
    }

    /// Starts a new session at the next event.
    pub fn start_new_session(&self, done: Responder<()>) {
        self.send(Op::StartNewSession, unit(done));
    }

    /// Pauses (`true`) or resumes the session check.
    pub fn set_session_checking_paused(&self, paused: bool, done: Responder<()>) {
        self.send(Op::SetPaused(paused), unit(done));
    }

    /// Turns `userAnonymisation` on or off; a change starts a new session at the next event.
    pub fn set_user_anonymisation(&self, on: bool, done: Responder<()>) {
        self.send(Op::SetAnonymisation(on), unit(done));
    }

    /// The getters' values, after every call made before this one.
    pub fn session_info(&self, done: Responder<SessionInfo>) {
        let done = Responder::new(move |r: Result<Outcome>| {
            done.respond(r.and_then(|o| o.info.ok_or(TrackerError::ShutDown)));
        });
        self.send(Op::Info, done);
    }

    /// What was sent and dropped since the database was created, after every
    /// call made before this one.
    pub fn delivery_stats(&self, done: Responder<DeliveryStats>) {
        let done = Responder::new(move |r: Result<Outcome>| {
            done.respond(r.and_then(|o| o.stats.unwrap_or(Err(TrackerError::ShutDown))));
        });
        self.send(Op::Stats, done);
    }

    /// Commits everything pending, then sends everything stored.
    pub fn flush(&self, done: Responder<()>) {
        self.send(Op::Flush, unit(done));
    }

    /// Commits what is pending, stops sending and closes the database; later
    /// calls answer with [`TrackerError::ShutDown`].
    pub fn stop(&self, done: Responder<()>) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let at_ms = queue.clock.now_ms();
        match queue.commands.take() {
            Some(tx) => {
                // The writer is gone: there is nothing left to stop.
                if let Err(std::sync::mpsc::SendError(Command { done, .. })) = tx.send(Command {
                    op: Op::Stop,
                    at_ms,
                    done: unit(done),
                }) {
                    done.respond(Ok(Outcome::default()));
                }
            }
            None => done.respond(Ok(())),
        }
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        self.stop(Responder::ignore());
    }
}
