//! The writer thread of one tracker: the one owner of its mutable state.
//!
//! It takes whatever commands are waiting, applies them in order to the
//! [`Session`], builds the payloads, commits events and session state in one
//! transaction, and only then answers each call. Getters travel the same
//! queue, so each sees exactly the calls made before it; sessions a command
//! starts travel back in that command's answer.

use crate::config::{Config, HttpMethod};
use crate::emitter::Emitter;
use crate::error::{Result, TrackerError};
use crate::event::Event;
use crate::payload::{self, Source, POST_WRAPPER_BYTES, STM_BYTES};
use crate::reply::Responder;
use crate::session::{ClientSession, Session};
use crate::store::Store;
use crate::tracker::{Command, Op, Outcome, SessionObserver, TrackerOptions};
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::Arc;

/// The most commands applied in one transaction.
const MAX_BATCH: usize = 512;

pub(crate) struct Writer {
    namespace: String,
    config: Config,
    session: Session,
    store: Store,
    emitter: Option<Emitter>,
    observer: Option<Arc<dyn SessionObserver>>,
}

/// A command applied but not answered yet: answers wait for the commit.
struct Applied {
    done: Responder<Outcome>,
    outcome: Outcome,
    wants_info: bool,
}

/// Answers a command that will not be carried out: with `error`, except a
/// stop, which has nothing left to do.
fn refuse(cmd: Command, error: &TrackerError) {
    match cmd.op {
        Op::Stop => cmd.done.respond(Ok(Outcome::default())),
        _ => cmd.done.respond(Err(error.clone())),
    }
}

impl Writer {
    /// The thread's body: opens the database, then applies commands until a stop.
    pub(crate) fn run(
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
        let opened = Store::open(&db_path, options.clock.now_ms()).and_then(|(mut store, _quarantined)| {
            let loaded = store.load()?;
            Ok((store, loaded))
        });
        let (store, loaded) = match opened {
            Ok(v) => v,
            Err(e) => {
                ready.respond(Err(e.clone()));
                // Every call gets the storage error, until the stop.
                while let Ok(cmd) = rx.recv() {
                    let stop = matches!(cmd.op, Op::Stop);
                    refuse(cmd, &e);
                    if stop {
                        return;
                    }
                }
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

    /// Runs one event through the session check, then builds its payload;
    /// `make` gives the event once the session is updated (lifecycle events
    /// take their index from it). An event too large for the configured byte
    /// limit is rejected and its effect on the session undone. Returns the
    /// session the event started, if any.
    fn add_event(
        &mut self,
        eid: &str,
        dtm: i64,
        make: impl FnOnce(&mut Session) -> Event,
        rows: &mut Vec<(String, i64)>,
    ) -> Result<Option<ClientSession>> {
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
        Ok(update.new_session)
    }

    /// Applies one command to the session; events go to `rows`. Returns the
    /// command's outcome so far, or the error that refuses it.
    fn apply(&mut self, op: Op, at_ms: i64, rows: &mut Vec<(String, i64)>) -> Result<Vec<ClientSession>> {
        match op {
            Op::Track { event, eid } => Ok(self.add_event(&eid, at_ms, |_| event, rows)?.into_iter().collect()),
            Op::AppState { to_background } => {
                if self.session.in_background() == to_background {
                    return Ok(Vec::new());
                }
                // The lifecycle event is checked in the state being left, then
                // the state flips and its counter gives the index.
                let mut started = None;
                let tracked = self.config.tracker.lifecycle_autotracking && {
                    let eid = uuid::Uuid::new_v4().to_string();
                    let flip = |s: &mut Session| {
                        let index = s.record_transition(to_background).unwrap_or(0);
                        Event::lifecycle(to_background, index)
                    };
                    match self.add_event(&eid, at_ms, flip, rows) {
                        Ok(s) => {
                            started = s;
                            true
                        }
                        Err(_) => false,
                    }
                };
                if !tracked {
                    self.session.record_transition(to_background);
                }
                Ok(started.into_iter().collect())
            }
            Op::StartNewSession => {
                self.session.request_new_session();
                Ok(Vec::new())
            }
            Op::SetPaused(paused) => {
                self.session.set_paused(paused);
                Ok(Vec::new())
            }
            Op::SetAnonymisation(on) => {
                self.session.set_anonymise(on);
                Ok(Vec::new())
            }
            Op::Info | Op::Flush | Op::Stop => Ok(Vec::new()),
        }
    }

    /// Applies a batch of commands in order and commits once, then answers
    /// them in order. Returns true to stop.
    fn process(&mut self, batch: Vec<Command>) -> bool {
        let before = self.session.clone();
        let mut rows: Vec<(String, i64)> = Vec::new();
        let mut applied: Vec<Applied> = Vec::with_capacity(batch.len());
        let mut flushes: Vec<Responder<()>> = Vec::new();
        let mut stop: Option<Responder<Outcome>> = None;
        let mut commands = batch.into_iter();
        for Command { op, at_ms, done } in commands.by_ref() {
            match op {
                Op::Stop => {
                    stop = Some(done);
                    break;
                }
                Op::Flush => flushes.push(Responder::new(move |r: Result<()>| done.respond(r.map(|()| Outcome::default())))),
                Op::Info => {
                    let info = Some(self.session.info());
                    applied.push(Applied { done, outcome: Outcome { info, new_sessions: Vec::new() }, wants_info: true });
                }
                op => match self.apply(op, at_ms, &mut rows) {
                    Ok(new_sessions) => {
                        applied.push(Applied { done, outcome: Outcome { info: None, new_sessions }, wants_info: false })
                    }
                    Err(e) => done.respond(Err(e)),
                },
            }
        }
        // Nothing can follow a stop: the handle gave up its sender with it.
        for cmd in commands {
            refuse(cmd, &TrackerError::ShutDown);
        }
        let committed = if rows.is_empty() && self.session.state() == before.state() {
            Ok(())
        } else {
            self.store.commit(&rows, self.session.state())
        };
        if let Err(e) = &committed {
            self.session = before;
            for f in flushes.drain(..) {
                f.respond(Err(e.clone()));
            }
        }
        self.answer(applied, &committed);
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
                done.respond(Ok(Outcome::default()));
                true
            }
            None => false,
        }
    }

    /// Answers the applied commands in order, once their transaction is
    /// committed. New sessions go to the observer first, then travel in the
    /// answer of the command that started them (when the app asked for them).
    fn answer(&self, applied: Vec<Applied>, committed: &Result<()>) {
        let report = self.config.session.on_session_update;
        for Applied { done, mut outcome, wants_info } in applied {
            match committed {
                Ok(()) => {
                    if let Some(observer) = &self.observer {
                        for s in &outcome.new_sessions {
                            // An app callback that fails must not take the writer down.
                            let call = std::panic::AssertUnwindSafe(|| observer.on_session_update(s.clone()));
                            let _ = std::panic::catch_unwind(call);
                        }
                    }
                    if !report {
                        outcome.new_sessions.clear();
                    }
                    done.respond(Ok(outcome));
                }
                // A getter still answers, from the state the failed batch left.
                Err(_) if wants_info => {
                    done.respond(Ok(Outcome { info: Some(self.session.info()), new_sessions: Vec::new() }))
                }
                Err(e) => done.respond(Err(e.clone())),
            }
        }
    }
}
