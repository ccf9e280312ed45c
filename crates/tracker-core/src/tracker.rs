//! One tracker: a handle on the caller's side, a writer thread that owns all
//! its mutable state.
//!
//! Every call becomes a [`Command`] on a channel; the caller's thread never
//! waits on the disk or the network. The writer takes whatever commands are
//! waiting, applies them in order to the [`Session`], builds the payloads,
//! commits events and session state in one transaction, and only then answers
//! each call. Getters travel the same channel, so they see every call made
//! before them.

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, HttpMethod};
use crate::emitter::Emitter;
use crate::error::{Result, TrackerError};
use crate::event::{Event, EventType};
use crate::payload::{self, Source, POST_WRAPPER_BYTES, STM_BYTES};
use crate::reply::Responder;
use crate::session::{ClientSession, Session, SessionInfo};
use crate::store::{self, Store};
use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

/// Receives a snapshot of each new session, after it is committed (Decision 4).
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
        TrackerOptions { clock: Arc::new(SystemClock), observer: None, in_background: false, predecessor: None }
    }
}

pub(crate) enum Command {
    Track { event: Event, eid: String, dtm: i64, done: Responder<()> },
    AppState { to_background: bool, at_ms: i64, done: Responder<()> },
    StartNewSession { done: Responder<()> },
    SetPaused { paused: bool, done: Responder<()> },
    SetAnonymisation { on: bool, done: Responder<()> },
    Info { done: Responder<SessionInfo> },
    Flush { done: Responder<()> },
    Stop { done: Responder<()> },
}

/// A running tracker. Cheap to share; all work happens on its threads.
pub struct Tracker {
    namespace: String,
    clock: Arc<dyn Clock>,
    commands: Mutex<Option<Sender<Command>>>,
}

/// Checks a namespace: a non-empty string of at most 256 characters.
pub fn validate_namespace(namespace: &str) -> Result<()> {
    if namespace.trim().is_empty() || namespace.chars().count() > 256 {
        return Err(TrackerError::InvalidArgument(format!(
            "namespace must be a non-empty string of at most 256 characters, got {:?}",
            namespace.chars().take(40).collect::<String>()
        )));
    }
    Ok(())
}

/// Where databases live when neither the app nor the platform chose: the
/// per-user data directory of the OS, in a folder of this library's name.
pub fn default_storage_directory() -> PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if cfg!(target_os = "windows") {
        env("LOCALAPPDATA").or_else(|| env("APPDATA"))
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library").join("Application Support"))
    } else {
        env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local").join("share")))
    };
    base.unwrap_or_else(std::env::temp_dir).join("react-native-rust-tracker")
}

impl Tracker {
    /// Starts a tracker. The configuration is already valid; opening the
    /// database happens on the writer thread, and `ready` answers when it is
    /// open (or with the storage error, which every later call also gets).
    pub fn start(namespace: &str, config: Config, options: TrackerOptions, ready: Responder<()>) -> Result<Tracker> {
        if let Err(e) = validate_namespace(namespace) {
            ready.respond(Err(e.clone()));
            return Err(e);
        }
        let (tx, rx) = channel();
        let dir = config.storage_directory.clone().unwrap_or_else(default_storage_directory);
        let db_path = store::database_path(&dir, namespace);
        let clock = Arc::clone(&options.clock);
        let ns = namespace.to_string();
        std::thread::Builder::new()
            .name(format!("rn-tracker-writer-{}", namespace.chars().take(20).collect::<String>()))
            .spawn(move || Writer::run(ns, config, options, db_path, rx, ready))
            .map_err(|e| TrackerError::Storage(format!("cannot start the writer thread: {e}")))?;
        Ok(Tracker { namespace: namespace.to_string(), clock, commands: Mutex::new(Some(tx)) })
    }

    /// The tracker's namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    fn send(&self, cmd: Command) {
        let guard = self.commands.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = guard.as_ref() {
            // A failed send drops the command, whose responder answers ShutDown.
            let _ = tx.send(cmd);
        }
    }

    /// Tracks an event; `done` answers once it is committed.
    pub fn track(&self, event: Event, done: Responder<()>) {
        let dtm = self.clock.now_ms();
        let eid = uuid::Uuid::new_v4().to_string();
        self.send(Command::Track { event, eid, dtm, done });
    }

    /// Parses a `track*` call's JSON and tracks it; a bad argument answers at once.
    pub fn track_json(&self, kind: EventType, json: &str, done: Responder<()>) {
        match Event::from_json(kind, json) {
            Ok(event) => self.track(event, done),
            Err(e) => done.respond(Err(e)),
        }
    }

    /// Tells the tracker the app moved to the background (`true`) or foreground.
    pub fn set_in_background(&self, to_background: bool, done: Responder<()>) {
        let at_ms = self.clock.now_ms();
        self.send(Command::AppState { to_background, at_ms, done });
    }

    /// Starts a new session at the next event.
    pub fn start_new_session(&self, done: Responder<()>) {
        self.send(Command::StartNewSession { done });
    }

    /// Pauses (`true`) or resumes the session check.
    pub fn set_session_checking_paused(&self, paused: bool, done: Responder<()>) {
        self.send(Command::SetPaused { paused, done });
    }

    /// Turns `userAnonymisation` on or off; a change starts a new session at the next event.
    pub fn set_user_anonymisation(&self, on: bool, done: Responder<()>) {
        self.send(Command::SetAnonymisation { on, done });
    }

    /// The getters' values, after every call made before this one.
    pub fn session_info(&self, done: Responder<SessionInfo>) {
        self.send(Command::Info { done });
    }

    /// Commits everything pending, then sends everything stored.
    pub fn flush(&self, done: Responder<()>) {
        self.send(Command::Flush { done });
    }

    /// Commits what is pending, stops sending and closes the database; later
    /// calls answer with [`TrackerError::ShutDown`].
    pub fn stop(&self, done: Responder<()>) {
        let tx = self.commands.lock().unwrap_or_else(|p| p.into_inner()).take();
        match tx {
            Some(tx) => {
                // The writer is gone: there is nothing left to stop.
                if let Err(std::sync::mpsc::SendError(Command::Stop { done })) = tx.send(Command::Stop { done }) {
                    done.respond(Ok(()));
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

enum Answer {
    Unit(Responder<()>),
    Info(Responder<SessionInfo>),
}

struct Writer {
    namespace: String,
    config: Config,
    session: Session,
    store: Store,
    emitter: Option<Emitter>,
    observer: Option<Arc<dyn SessionObserver>>,
}

const MAX_BATCH: usize = 512;

impl Writer {
    fn run(
        namespace: String,
        config: Config,
        options: TrackerOptions,
        db_path: PathBuf,
        rx: Receiver<Command>,
        ready: Responder<()>,
    ) {
        if let Some(p) = options.predecessor {
            let _ = p.wait();
        }
        let opened = Store::open(&db_path, options.clock.now_ms()).and_then(|(mut store, quarantined)| {
            let loaded = store.load()?;
            Ok((store, loaded, quarantined))
        });
        let (store, loaded, _quarantined) = match opened {
            Ok(v) => v,
            Err(e) => {
                ready.respond(Err(e.clone()));
                Self::refuse_all(rx, e);
                return;
            }
        };
        let session = Session::new(
            loaded.user_id,
            loaded.session,
            &config.session,
            config.tracker.user_anonymisation,
            options.in_background,
        );
        let emitter = Emitter::start(db_path, config.network.clone(), config.emitter.clone(), Arc::clone(&options.clock));
        let mut writer = Writer { namespace, config, session, store, emitter: Some(emitter), observer: options.observer };
        ready.respond(Ok(()));
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(c) => batch.push(c),
                    Err(_) => break,
                }
            }
            if writer.process(batch) {
                break;
            }
        }
        if let Some(e) = writer.emitter.take() {
            e.stop();
        }
    }

    fn refuse_all(rx: Receiver<Command>, e: TrackerError) {
        while let Ok(cmd) = rx.recv() {
            match cmd {
                Command::Track { done, .. }
                | Command::AppState { done, .. }
                | Command::StartNewSession { done }
                | Command::SetPaused { done, .. }
                | Command::SetAnonymisation { done, .. }
                | Command::Flush { done } => done.respond(Err(e.clone())),
                Command::Info { done } => done.respond(Err(e.clone())),
                Command::Stop { done } => {
                    done.respond(Ok(()));
                    return;
                }
            }
        }
    }

    /// Runs one event through the session check, then builds its payload;
    /// `make` gives the event once the session is updated (lifecycle events
    /// take their index from it). An event too large for the configured byte
    /// limit is rejected and its effect on the session undone.
    fn add_event(
        &mut self,
        eid: &str,
        dtm: i64,
        make: impl FnOnce(&mut Session) -> Event,
        rows: &mut Vec<(String, i64)>,
        new_sessions: &mut Vec<ClientSession>,
    ) -> Result<()> {
        let before = self.session.clone();
        let update = self.session.on_event(eid, dtm);
        let event = make(&mut self.session);
        let entity = update.entity.as_ref().filter(|_| self.config.tracker.session_context);
        let source = Source { config: &self.config.tracker, namespace: &self.namespace };
        let built = payload::build(&source, &event, eid, dtm, entity);
        let (size, limit, name) = match self.config.network.method {
            HttpMethod::Post => {
                (built.len() + STM_BYTES + POST_WRAPPER_BYTES, self.config.emitter.byte_limit_post, "byteLimitPost")
            }
            HttpMethod::Get => (built.len() + STM_BYTES, self.config.emitter.byte_limit_get, "byteLimitGet"),
        };
        if size > limit as usize {
            self.session = before;
            return Err(TrackerError::InvalidEvent(format!(
                "the event is {size} bytes on the wire, over emitterConfig.{name} ({limit}); it was not tracked"
            )));
        }
        rows.push((built, dtm));
        new_sessions.extend(update.new_session);
        Ok(())
    }

    /// Applies a batch of commands and commits once. Returns true to stop.
    fn process(&mut self, batch: Vec<Command>) -> bool {
        let before = self.session.clone();
        let mut rows: Vec<(String, i64)> = Vec::new();
        let mut new_sessions: Vec<ClientSession> = Vec::new();
        let mut answers: Vec<Answer> = Vec::new();
        let mut flushes: Vec<Responder<()>> = Vec::new();
        let mut stop: Option<Responder<()>> = None;
        for cmd in batch {
            match cmd {
                Command::Track { event, eid, dtm, done } => {
                    match self.add_event(&eid, dtm, |_| event, &mut rows, &mut new_sessions) {
                        Ok(()) => answers.push(Answer::Unit(done)),
                        Err(e) => done.respond(Err(e)),
                    }
                }
                Command::AppState { to_background, at_ms, done } => {
                    if self.session.in_background() != to_background {
                        // The lifecycle event is checked in the state being left,
                        // then the state flips and its counter gives the index.
                        let flip = |s: &mut Session| {
                            let index = s.record_transition(to_background).unwrap_or(0);
                            Event::lifecycle(to_background, index)
                        };
                        let tracked = self.config.tracker.lifecycle_autotracking && {
                            let eid = uuid::Uuid::new_v4().to_string();
                            self.add_event(&eid, at_ms, flip, &mut rows, &mut new_sessions).is_ok()
                        };
                        if !tracked {
                            self.session.record_transition(to_background);
                        }
                    }
                    answers.push(Answer::Unit(done));
                }
                Command::StartNewSession { done } => {
                    self.session.request_new_session();
                    answers.push(Answer::Unit(done));
                }
                Command::SetPaused { paused, done } => {
                    self.session.set_paused(paused);
                    answers.push(Answer::Unit(done));
                }
                Command::SetAnonymisation { on, done } => {
                    self.session.set_anonymise(on);
                    answers.push(Answer::Unit(done));
                }
                Command::Info { done } => answers.push(Answer::Info(done)),
                Command::Flush { done } => flushes.push(done),
                Command::Stop { done } => {
                    stop = Some(done);
                    break;
                }
            }
        }
        let committed = if rows.is_empty() && self.session.state() == before.state() {
            Ok(())
        } else {
            self.store.commit(&rows, self.session.state())
        };
        if let Err(e) = &committed {
            self.session = before;
            new_sessions.clear();
            for f in flushes.drain(..) {
                f.respond(Err(e.clone()));
            }
        }
        // New sessions are reported once committed, before the calls that
        // started them resolve.
        if let Some(observer) = &self.observer {
            for s in new_sessions {
                // An app callback that fails (a Kotlin or Swift exception
                // surfaces as a panic here) must not take the writer down.
                let call = std::panic::AssertUnwindSafe(|| observer.on_session_update(s));
                let _ = std::panic::catch_unwind(call);
            }
        }
        let info = self.session.info();
        for a in answers {
            match a {
                Answer::Unit(done) => done.respond(committed.clone()),
                Answer::Info(done) => done.respond(Ok(info.clone())),
            }
        }
        if let Some(emitter) = &self.emitter {
            if !rows.is_empty() && committed.is_ok() {
                emitter.notify();
            }
            for f in flushes {
                emitter.flush(f);
            }
        }
        match stop {
            Some(done) => {
                if let Some(e) = self.emitter.take() {
                    e.stop();
                }
                done.respond(Ok(()));
                true
            }
            None => false,
        }
    }
}
