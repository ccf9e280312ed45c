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
use crate::clock::Clock;
use crate::store::{Limits, Store};
use crate::tracker::{Command, Op, Outcome, SessionObserver, TrackerOptions};
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::Arc;

/// The longest GET URL sent, whatever `byteLimitGet` says: the HTTP client
/// refuses URLs from 64 KiB on.
const MAX_GET_URL_BYTES: u32 = 65_000;

/// The most commands applied in one transaction.
const MAX_BATCH: usize = 512;

pub(crate) struct Writer {
    namespace: String,
    config: Config,
    session: Session,
    store: Store,
    clock: Arc<dyn Clock>,
    emitter: Option<Emitter>,
    observer: Option<Arc<dyn SessionObserver>>,
}

/// A command applied but not answered yet: answers wait for the commit.
struct Applied {
    done: Responder<Outcome>,
    outcome: Outcome,
    wants: Wants,
}

/// What a command's answer carries besides its sessions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wants {
    Nothing,
    /// The getters' values at its place in the batch.
    Info,
    /// The delivery counters, after the batch's commit.
    Stats,
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
        let mut writer = Writer {
            namespace,
            config,
            session,
            store,
            clock: options.clock,
            emitter: Some(emitter),
            observer: options.observer,
        };
        ready.respond(Ok(()));
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(c) => batch.push(c),
                    Err(_) => break,
                }
            }
            if let Some(done) = writer.process(batch) {
                // The database (and its lock) is closed before the stop is
                // answered, so the next tracker of the namespace can open it.
                drop(writer);
                return done.respond(Ok(Outcome::default()));
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
            // What goes out is the percent-encoded URL: that is what is measured.
            HttpMethod::Get => {
                let query = payload::get_query(&built, dtm).map_or(usize::MAX, |q| q.len());
                let url = self.config.network.endpoint.len() + crate::emitter::GET_PATH.len() + 1 + query;
                (url, self.config.emitter.byte_limit_get.min(MAX_GET_URL_BYTES), "byteLimitGet")
            }
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
            Op::Track { event, eid } => {
                // One call may stand for several events (a transaction and its
                // items): all are stored, or none, and the session is as before.
                let events = event.split();
                // (`add_event` undoes its own event's effect on the session.)
                let before = (events.len() > 1).then(|| self.session.clone());
                let mark = rows.len();
                let mut started = Vec::new();
                for (i, event) in events.into_iter().enumerate() {
                    let eid = if i == 0 { eid.clone() } else { uuid::Uuid::new_v4().to_string() };
                    match self.add_event(&eid, at_ms, |_| event, rows) {
                        Ok(session) => started.extend(session),
                        Err(e) => {
                            if let Some(before) = before {
                                self.session = before;
                            }
                            rows.truncate(mark);
                            return Err(match e {
                                TrackerError::InvalidEvent(m) if i > 0 => {
                                    let k = i - 1;
                                    TrackerError::InvalidEvent(format!(
                                        "{m} (ecommerceTransaction.items[{k}]; no event of the transaction was tracked)"
                                    ))
                                }
                                e => e,
                            });
                        }
                    }
                }
                Ok(started)
            }
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
            Op::Info | Op::Stats | Op::Flush | Op::Stop => Ok(Vec::new()),
        }
    }

    /// Applies a batch of commands in order and commits once, then answers
    /// them in order. Returns the answer of a stop, to be given once the
    /// writer is gone.
    fn process(&mut self, batch: Vec<Command>) -> Option<Responder<Outcome>> {
        let before = self.session.clone();
        let mut rows: Vec<(String, i64)> = Vec::new();
        let mut applied: Vec<Applied> = Vec::with_capacity(batch.len());
        let mut flushes: Vec<Responder<()>> = Vec::new();
        let mut stop: Option<Responder<Outcome>> = None;
        let mut app_moved = false;
        let mut commands = batch.into_iter();
        for Command { op, at_ms, done } in commands.by_ref() {
            match op {
                Op::Stop => {
                    stop = Some(done);
                    break;
                }
                Op::AppState { to_background } if self.session.in_background() != to_background => {
                    app_moved = true;
                    match self.apply(Op::AppState { to_background }, at_ms, &mut rows) {
                        Ok(new_sessions) => applied.push(Applied {
                            done,
                            outcome: Outcome { new_sessions, ..Outcome::default() },
                            wants: Wants::Nothing,
                        }),
                        Err(e) => done.respond(Err(e)),
                    }
                }
                Op::Flush => flushes.push(Responder::new(move |r: Result<()>| done.respond(r.map(|()| Outcome::default())))),
                Op::Info => {
                    let info = Some(self.session.info());
                    applied.push(Applied { done, outcome: Outcome { info, ..Outcome::default() }, wants: Wants::Info });
                }
                Op::Stats => applied.push(Applied { done, outcome: Outcome::default(), wants: Wants::Stats }),
                op => match self.apply(op, at_ms, &mut rows) {
                    Ok(new_sessions) => applied.push(Applied {
                        done,
                        outcome: Outcome { new_sessions, ..Outcome::default() },
                        wants: Wants::Nothing,
                    }),
                    Err(e) => done.respond(Err(e)),
                },
            }
        }
        // Nothing can follow a stop: the handle gave up its sender with it.
        for cmd in commands {
            refuse(cmd, &TrackerError::ShutDown);
        }
        // A database file deleted or replaced under the tracker is noticed
        // here, before anything is written, and everything carried over.
        let recovered = self.store.recover_if_moved(self.clock.now_ms());
        let committed = if let Err(e) = recovered {
            Err(e)
        } else if rows.is_empty() && self.session.state() == before.state() {
            Ok(())
        } else {
            let limits = Limits {
                max_events: self.config.emitter.max_event_store_size,
                oldest_ms: self.clock.now_ms().saturating_sub(self.config.emitter.max_event_store_age_ms),
            };
            self.store.commit(&rows, self.session.state(), limits).map(|_dropped| ())
        };
        if applied.iter().any(|a| a.wants == Wants::Stats) {
            // Counted after this batch's commit, like every answer.
            let stats = self.store.stats();
            for a in applied.iter_mut().filter(|a| a.wants == Wants::Stats) {
                a.outcome.stats = Some(stats.clone());
            }
        }
        if let Err(e) = &committed {
            self.session = before;
            for f in flushes.drain(..) {
                f.respond(Err(e.clone()));
            }
        }
        self.answer(applied, &committed);
        if let Some(emitter) = &self.emitter {
            if app_moved {
                // Coming to the foreground or going to the background: send
                // what is queued now, even during a backoff.
                emitter.send_now();
            } else if !rows.is_empty() && committed.is_ok() {
                emitter.notify();
            }
            for f in flushes {
                emitter.flush(f);
            }
        }
        if stop.is_some() {
            if let Some(e) = self.emitter.take() {
                e.stop();
            }
            // A file deleted under an idle tracker is still carried over.
            let _ = self.store.recover_if_moved(self.clock.now_ms());
        }
        stop
    }

    /// Answers the applied commands in order, once their transaction is
    /// committed. New sessions go to the observer first, then travel in the
    /// answer of the command that started them (when the app asked for them).
    fn answer(&self, applied: Vec<Applied>, committed: &Result<()>) {
        let report = self.config.session.on_session_update;
        for Applied { done, mut outcome, wants } in applied {
            match committed {
                Ok(()) => {
                    if let Some(Err(e)) = &outcome.stats {
                        done.respond(Err(e.clone()));
                        continue;
                    }
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
                Err(_) if wants == Wants::Info => {
                    done.respond(Ok(Outcome { info: Some(self.session.info()), ..Outcome::default() }))
                }
                Err(e) => done.respond(Err(e.clone())),
            }
        }
    }
}
