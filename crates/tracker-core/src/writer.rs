//! The writer thread of one tracker: the one owner of its mutable state.
//!
//! It takes whatever commands are waiting, applies them in order to the
//! [`Session`], builds the payloads, commits events and session state in one
//! transaction, and only then answers each call. Getters travel the same
//! queue, so each sees exactly the calls made before it; sessions a command
//! starts travel back in that command's answer.

use crate::clock::Clock;
use crate::config::{Config, HttpMethod};
use crate::emitter::{Emitter, Handoff};
use crate::enrich::{Enricher, Plan};
use crate::error::{Result, TrackerError};
use crate::event::Event;
use crate::payload::{self, Source, POST_WRAPPER_BYTES, STM_BYTES};
use crate::reply::Responder;
use crate::session::{ClientSession, Session};
use crate::store::{Delivery, Limits, NewEvent, Store};
use crate::tracker::{Command, Op, Outcome, SessionObserver, TrackerOptions};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;

/// The longest GET URL sent, whatever `byteLimitGet` says: the HTTP client
/// refuses URLs from 64 KiB on.
const MAX_GET_URL_BYTES: u32 = 65_000;

/// The most commands applied in one transaction. Every transaction waits
/// for the disk and rewrites the pages its rows share with the one before;
/// in a burst of 50,000 screen views the writer alone took 204 ms at 512,
/// 191 at 1,024, 190 at 2,048 and 195 at 4,096 (medians of 4), and the
/// mean time from a call to its commit went from 105 to 80-97 ms at 1,024.
/// One event at a time, as an app usually tracks, a transaction holds one.
const MAX_BATCH: usize = 1024;

pub(crate) struct Writer {
    namespace: String,
    config: Config,
    session: Session,
    store: Store,
    clock: Arc<dyn Clock>,
    emitter: Option<Emitter>,
    /// The emitter's reports, recorded with each commit.
    handoff: Option<Arc<Handoff>>,
    observer: Option<Arc<dyn SessionObserver>>,
    /// What events get beyond the session (subject, entities, screens).
    enrich: Enricher,
    /// The database records the install event.
    installed: bool,
    /// Whether the command being applied stored an event.
    tracked: bool,
    /// The session entity's serialised start, made once per session.
    prefix: payload::SessionPrefix,
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
        wake: Sender<Command>,
        ready: Responder<()>,
    ) {
        if let Some(p) = options.predecessor {
            let _ = p.wait();
        }
        let opened =
            Store::open(&db_path, options.clock.now_ms()).and_then(|(mut store, _quarantined)| {
                let loaded = store.load()?;
                let installed = store.installed()?;
                Ok((store, loaded, installed))
            });
        let (store, loaded, installed) = match opened {
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
        let enrich = Enricher::new(&config, installed, options.in_background);
        // The emitter's reports wake the writer with a command that only
        // needs its turn: the batch it starts records them.
        let wake_clock = Arc::clone(&options.clock);
        let handoff = Handoff::new(
            db_path.clone(),
            Box::new(move || {
                // Fails only once the writer is gone, when nothing is handed.
                let _ = wake.send(Command {
                    op: Op::Nothing,
                    at_ms: wake_clock.now_ms(),
                    done: Responder::ignore(),
                });
            }),
        );
        let emitter = Emitter::start(
            db_path,
            config.network.clone(),
            config.emitter.clone(),
            Arc::clone(&options.clock),
            Arc::clone(&handoff),
        );
        let mut writer = Writer {
            namespace,
            config,
            session,
            store,
            clock: options.clock,
            emitter: Some(emitter),
            handoff: Some(handoff),
            observer: options.observer,
            enrich,
            installed,
            tracked: false,
            prefix: payload::SessionPrefix::default(),
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
    /// limit is rejected; the caller undoes its effect on the session (one
    /// copy of the session per call, not per event). Returns the session the
    /// event started, if any.
    fn add_event(
        &mut self,
        eid: &str,
        dtm: i64,
        make: impl FnOnce(&mut Session) -> Event,
        rows: &mut Vec<NewEvent>,
    ) -> Result<Option<ClientSession>> {
        let update = self.session.on_event(eid, dtm);
        let mut event = make(&mut self.session);
        let additions = self.enrich.additions(&mut event, dtm);
        let entity = update
            .entity
            .as_ref()
            .filter(|_| self.config.tracker.session_context);
        let source = Source {
            config: &self.config.tracker,
            namespace: &self.namespace,
        };
        // POST requests are assembled by the emitter: the entities are stored
        // apart (payload::Deferred), the session entity once per session.
        let prefix = (self.config.network.method == HttpMethod::Post).then_some(&mut self.prefix);
        let (built, deferred) =
            payload::build(&source, &event, eid, dtm, entity, &additions, prefix);
        let (size, limit, name) = match self.config.network.method {
            HttpMethod::Post => (
                deferred
                    .as_ref()
                    .map_or(built.len(), |d| d.assembled_len(&built))
                    + STM_BYTES
                    + POST_WRAPPER_BYTES,
                self.config.emitter.byte_limit_post,
                "byteLimitPost",
            ),
            // What goes out is the percent-encoded URL: that is what is measured.
            HttpMethod::Get => {
                let query = payload::get_query(&built, dtm).map_or(usize::MAX, |q| q.len());
                let url =
                    self.config.network.endpoint.len() + crate::emitter::GET_PATH.len() + 1 + query;
                (
                    url,
                    self.config.emitter.byte_limit_get.min(MAX_GET_URL_BYTES),
                    "byteLimitGet",
                )
            }
        };
        if size > limit as usize {
            return Err(TrackerError::InvalidEvent(format!(
                "the event is {size} bytes on the wire, over emitterConfig.{name} ({limit}); it was not tracked"
            )));
        }
        rows.push(NewEvent {
            payload: built,
            created_ms: dtm,
            deferred,
        });
        self.tracked = true;
        Ok(update.new_session)
    }

    /// Stores `application_install` before the first event of a new
    /// installation.
    fn add_install_if_pending(
        &mut self,
        at_ms: i64,
        rows: &mut Vec<NewEvent>,
    ) -> Result<Vec<ClientSession>> {
        if !self.enrich.install_pending {
            return Ok(Vec::new());
        }
        let eid = uuid::Uuid::new_v4().to_string();
        let install = crate::enrich::install_event();
        Ok(self
            .add_event(&eid, at_ms, |_| install, rows)?
            .into_iter()
            .collect())
    }

    /// Stores one tracked event and what the enricher puts before it (the
    /// install event, a screen end), all or nothing.
    fn track(
        &mut self,
        event: Event,
        eid: String,
        at_ms: i64,
        rows: &mut Vec<NewEvent>,
    ) -> Result<Vec<ClientSession>> {
        let session_before = self.session.clone();
        let enrich_before = self.enrich.mark();
        let mark = rows.len();
        let result = self.track_inner(event, eid, at_ms, rows);
        if result.is_err() {
            self.session = session_before;
            self.enrich.undo(enrich_before);
            rows.truncate(mark);
        }
        result
    }

    fn track_inner(
        &mut self,
        event: Event,
        eid: String,
        at_ms: i64,
        rows: &mut Vec<NewEvent>,
    ) -> Result<Vec<ClientSession>> {
        let planned = match self.enrich.plan(event) {
            Plan::Folded => return Ok(Vec::new()),
            Plan::Store(planned) => planned,
        };
        let mut started = self.add_install_if_pending(at_ms, rows)?;
        let own = planned.len() - 1;
        for (n, event) in planned.into_iter().enumerate() {
            // One call may stand for several events (a transaction and its items).
            for (i, part) in event.split().into_iter().enumerate() {
                let id = if n == own && i == 0 {
                    eid.clone()
                } else {
                    uuid::Uuid::new_v4().to_string()
                };
                match self.add_event(&id, at_ms, |_| part, rows) {
                    Ok(session) => started.extend(session),
                    Err(TrackerError::InvalidEvent(m)) if n == own && i > 0 => {
                        let k = i - 1;
                        return Err(TrackerError::InvalidEvent(format!(
                            "{m} (ecommerceTransaction.items[{k}]; no event of the transaction was tracked)"
                        )));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(started)
    }

    /// Applies one command to the session; events go to `rows`. Returns the
    /// command's outcome so far, or the error that refuses it.
    fn apply(
        &mut self,
        op: Op,
        at_ms: i64,
        rows: &mut Vec<NewEvent>,
    ) -> Result<Vec<ClientSession>> {
        match op {
            Op::Track { event, eid } => self.track(event, eid.to_string(), at_ms, rows),
            Op::TrackError { event, eid } => {
                if self.enrich.tracks_errors() {
                    self.track(event, eid.to_string(), at_ms, rows)
                } else {
                    Ok(Vec::new())
                }
            }
            Op::AppState { to_background } => {
                if self.session.in_background() == to_background {
                    return Ok(Vec::new());
                }
                // The lifecycle event is checked in the state being left, then
                // the state flips and its counter gives the index.
                let mut started = Vec::new();
                if self.config.tracker.lifecycle_autotracking {
                    let before = self.session.clone();
                    match self.add_install_if_pending(at_ms, rows) {
                        Ok(s) => started.extend(s),
                        Err(_) => self.session = before,
                    }
                }
                let tracked = self.config.tracker.lifecycle_autotracking && {
                    let eid = uuid::Uuid::new_v4().to_string();
                    let flip = |s: &mut Session| {
                        let index = s.record_transition(to_background).unwrap_or(0);
                        Event::lifecycle(to_background, index)
                    };
                    let before = self.session.clone();
                    match self.add_event(&eid, at_ms, flip, rows) {
                        Ok(s) => {
                            started.extend(s);
                            true
                        }
                        Err(_) => {
                            self.session = before;
                            false
                        }
                    }
                };
                if !tracked {
                    self.session.record_transition(to_background);
                }
                self.enrich.app_moved(to_background, at_ms);
                Ok(started)
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
                self.enrich.set_anonymise(on);
                Ok(Vec::new())
            }
            Op::SetSubject(patch) => {
                self.enrich.set_subject(patch);
                Ok(Vec::new())
            }
            Op::AddGlobalContexts(g) => self.enrich.add_global(g).map(|()| Vec::new()),
            Op::RemoveGlobalContexts(tag) => {
                self.tracked = self.enrich.remove_global(&tag);
                Ok(Vec::new())
            }
            Op::Info | Op::Stats | Op::Flush | Op::Stop | Op::Nothing => Ok(Vec::new()),
        }
    }

    /// Applies a batch of commands in order and commits once, then answers
    /// them in order. Returns the answer of a stop, to be given once the
    /// writer is gone.
    fn process(&mut self, batch: Vec<Command>) -> Option<Responder<Outcome>> {
        let before = self.session.clone();
        let enrich_before = self.enrich.clone();
        let mut rows: Vec<NewEvent> = Vec::new();
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
                Op::Flush => flushes.push(Responder::new(move |r: Result<()>| {
                    done.respond(r.map(|()| Outcome::default()))
                })),
                Op::Info => {
                    let info = Some(self.session.info());
                    applied.push(Applied {
                        done,
                        outcome: Outcome {
                            info,
                            ..Outcome::default()
                        },
                        wants: Wants::Info,
                    });
                }
                Op::Stats => applied.push(Applied {
                    done,
                    outcome: Outcome::default(),
                    wants: Wants::Stats,
                }),
                op => {
                    if let Op::AppState { to_background } = op {
                        app_moved |= self.session.in_background() != to_background;
                    }
                    self.tracked = false;
                    match self.apply(op, at_ms, &mut rows) {
                        Ok(new_sessions) => applied.push(Applied {
                            done,
                            outcome: Outcome {
                                new_sessions,
                                tracked: self.tracked,
                                ..Outcome::default()
                            },
                            wants: Wants::Nothing,
                        }),
                        Err(e) => done.respond(Err(e)),
                    }
                }
            }
        }
        // Nothing can follow a stop: the handle gave up its sender with it.
        for cmd in commands {
            refuse(cmd, &TrackerError::ShutDown);
        }
        // A database file deleted or replaced under the tracker is noticed
        // here, before anything is written, and everything carried over.
        let recovered = self.store.recover_if_moved(self.clock.now_ms());
        // The install event is among this batch's events: the database records it with them.
        let mark_installed =
            !self.installed && enrich_before.install_pending && !self.enrich.install_pending;
        let handed = self.handoff.as_ref().map(|h| h.take()).unwrap_or_default();
        let reports = &handed.reports;
        let committed = if let Err(e) = recovered {
            Err(e)
        } else if rows.is_empty() && reports.is_empty() && self.session.state() == before.state() {
            Ok(())
        } else {
            let limits = Limits {
                max_events: self.config.emitter.max_event_store_size,
                oldest_ms: self
                    .clock
                    .now_ms()
                    .saturating_sub(self.config.emitter.max_event_store_age_ms),
            };
            // The session is written when it changed; a batch of only the
            // emitter's reports commits without waiting for the disk.
            let session = self.session.state().filter(|s| Some(*s) != before.state());
            self.store
                .commit_with(&rows, session, limits, mark_installed, reports)
                .map(|_dropped| ())
        };
        if committed.is_ok() && reports.contains(&Delivery::Drained) {
            // Best effort: the space is given back at the next drain otherwise.
            let _ = self.store.shrink();
        }
        if let Some(h) = &self.handoff {
            h.finish(handed, committed.is_ok());
        }
        if committed.is_ok() && mark_installed {
            self.installed = true;
        }
        if applied.iter().any(|a| a.wants == Wants::Stats) {
            // Counted after this batch's commit, like every answer.
            let stats = self.store.stats();
            for a in applied.iter_mut().filter(|a| a.wants == Wants::Stats) {
                a.outcome.stats = Some(stats.clone());
            }
        }
        if let Err(e) = &committed {
            self.session = before;
            self.enrich = enrich_before;
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
            // Reports handed since the commit are recorded before the file
            // closes; the emitter records any later ones itself.
            if let Some(h) = self.handoff.take() {
                let left = h.close();
                let recorded = left.reports.is_empty() || self.store.record(&left.reports).is_ok();
                h.finish(left, recorded);
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
        for Applied {
            done,
            mut outcome,
            wants,
        } in applied
        {
            match committed {
                Ok(()) => {
                    if let Some(Err(e)) = &outcome.stats {
                        done.respond(Err(e.clone()));
                        continue;
                    }
                    if let Some(observer) = &self.observer {
                        for s in &outcome.new_sessions {
                            // An app callback that fails must not take the writer down.
                            let call = std::panic::AssertUnwindSafe(|| {
                                observer.on_session_update(s.clone())
                            });
                            let _ = std::panic::catch_unwind(call);
                        }
                    }
                    if !report {
                        outcome.new_sessions.clear();
                    }
                    done.respond(Ok(outcome));
                }
                // A getter still answers, from the state the failed batch left.
                Err(_) if wants == Wants::Info => done.respond(Ok(Outcome {
                    info: Some(self.session.info()),
                    ..Outcome::default()
                })),
                Err(e) => done.respond(Err(e.clone())),
            }
        }
    }
}
