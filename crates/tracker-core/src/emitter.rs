//! Sending queued events to the collector, on a thread of its own.
//!
//! The emitter reads the oldest events from the store, batches them within
//! `emitRange` and `byteLimitPost` (one per request for GET), sends them with
//! ureq, and does with each answer what the sending policy ([`crate::policy`])
//! decides: delete, follow a redirect, split the batch, drop and count, or
//! keep and retry later. Time comes from the injected clock. Nothing here runs
//! on an app thread, and nothing waits for it: stopping tells the thread to
//! end after its current request, without joining it, so a hung collector
//! never holds up `removeTracker` or the next tracker of the namespace. The
//! stop does close the emitter's connection to the file (waiting at most for
//! a read in progress) unless requests are out, and the file is never opened
//! again after it, so once a tracker is stopped its directory can go.

use crate::clock::Clock;
use crate::config::{
    redact_credentials_in, redact_endpoint, EmitterConfig, HttpMethod, NetworkConfig,
};
use crate::error::{Result, TrackerError};
use crate::payload::{self, POST_WRAPPER_BYTES, STM_BYTES};
use crate::policy::{self, Action, Backoff, DropReason, Response};
use crate::reply::Responder;
use crate::store::{Delivery, Dropped, Store, StoredEvent};
use once_cell::sync::Lazy;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};

/// Path of GET requests below the endpoint.
pub const GET_PATH: &str = "/i";

/// Requests sent in one pass over the queue: the events of that many full
/// requests are read at once, and what the collector received is removed in
/// one transaction per pass rather than one per request (removal is most of
/// the emitter's disk work: 16 requests per transaction instead of 4 take a
/// fifth off the time and CPU of sending a backlog). Requests go one at a
/// time, so events reach the collector in the order they were tracked.
pub const REQUESTS_PER_PASS: usize = 16;

/// The most payload bytes a pass reads into memory when that is less than
/// [`REQUESTS_PER_PASS`] requests at the byte limit (large `emitRange` and
/// byte limits with large events).
pub const PASS_MAX_BYTES: usize = 4 * 1024 * 1024;

/// How long received events may wait for their removal within a pass (they
/// are removed together at its end, one transaction for up to
/// [`REQUESTS_PER_PASS`] requests): a process killed in the middle of a pass
/// sends again at most the events received in this time.
pub const REMOVAL_INTERVAL_MS: i64 = 1000;

/// The most of a collector's answer body that is read (and discarded) so the
/// connection can be used again; collectors answer with a few bytes.
const DRAINED_BODY_BYTES: u64 = 64 * 1024;

/// Events of a database that an emitter of this process is working on.
///
/// Stopping a tracker does not wait for its emitter's request, so for a while
/// the old emitter and the next tracker's may share a file: each skips the
/// events the other has in flight, and events the collector received whose
/// deletion failed (a full disk) are never sent again by either.
#[derive(Default)]
struct Claims {
    by_file: Mutex<HashMap<PathBuf, FileClaims>>,
    released: Condvar,
}

#[derive(Default)]
struct FileClaims {
    in_flight: HashSet<i64>,
    sent_undeleted: HashSet<i64>,
    /// Reported to the writer, not committed yet.
    removing: HashSet<i64>,
}

impl FileClaims {
    fn is_empty(&self) -> bool {
        self.in_flight.is_empty() && self.sent_undeleted.is_empty() && self.removing.is_empty()
    }
}

static CLAIMS: Lazy<Claims> = Lazy::new(Claims::default);

impl Claims {
    fn with<T>(&self, path: &PathBuf, f: impl FnOnce(&mut FileClaims) -> T) -> T {
        let mut all = self.by_file.lock().unwrap_or_else(|p| p.into_inner());
        let claims = all.entry(path.clone()).or_default();
        let out = f(claims);
        if claims.is_empty() {
            all.remove(path);
        }
        self.released.notify_all();
        out
    }

    /// Ids no emitter may read now.
    fn skip(&self, path: &PathBuf) -> HashSet<i64> {
        self.with(path, |c| {
            c.in_flight
                .iter()
                .chain(&c.sent_undeleted)
                .chain(&c.removing)
                .copied()
                .collect()
        })
    }

    /// Waits (at most `limit`) until no emitter has a request in flight on `path`.
    fn wait_idle(&self, path: &PathBuf, limit: Duration) {
        let all = self.by_file.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self.released.wait_timeout_while(all, limit, |all| {
            all.get(path).is_some_and(|c| !c.in_flight.is_empty())
        });
    }
}

/// The emitter's reports on their way to the writer.
///
/// Removing what the collector received is a write: done on the emitter's
/// own connection it waited for the writer's transactions (and they for it),
/// with SQLite's busy handler sleeping milliseconds at a time, which left the
/// emitter idle for most of a burst. Instead the emitter hands its reports
/// here and wakes the writer, which records them in its next transaction
/// with the events it commits; until then the events are claimed, so no pass
/// reads them again. Once the writer has stopped, the emitter records its
/// reports itself, as before.
pub(crate) struct Handoff {
    db_path: PathBuf,
    state: Mutex<HandoffState>,
    /// Makes the writer run a batch (and so take the reports) soon.
    wake: Box<dyn Fn() + Send + Sync>,
}

struct HandoffState {
    reports: Vec<Delivery>,
    /// Flushes to answer once the reports before them are recorded.
    answers: Vec<(Responder<()>, Result<()>)>,
    open: bool,
    /// The writer took reports and has not finished recording them.
    recording: bool,
}

/// What the writer takes from the handoff at each batch.
#[derive(Default)]
pub(crate) struct Handed {
    /// To record with the batch's commit, in order.
    pub(crate) reports: Vec<Delivery>,
    /// To answer after that commit.
    pub(crate) answers: Vec<(Responder<()>, Result<()>)>,
}

impl Handoff {
    /// A handoff for the database at `db_path`; `wake` gets the writer to
    /// take the reports.
    pub(crate) fn new(db_path: PathBuf, wake: Box<dyn Fn() + Send + Sync>) -> Arc<Handoff> {
        Arc::new(Handoff {
            db_path,
            state: Mutex::new(HandoffState {
                reports: Vec::new(),
                answers: Vec::new(),
                open: true,
                recording: false,
            }),
            wake,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HandoffState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands `report` to the writer, its events claimed until it is recorded;
    /// gives it back when the writer has stopped.
    fn hand(&self, report: Delivery) -> std::result::Result<(), Delivery> {
        let first = {
            let mut state = self.lock();
            if !state.open {
                return Err(report);
            }
            CLAIMS.with(&self.db_path, |c| c.removing.extend(report.ids()));
            state.reports.push(report);
            state.reports.len() == 1
        };
        // One wake-up until the writer takes what is waiting.
        if first {
            (self.wake)();
        }
        Ok(())
    }

    /// Answers flushes once the writer has recorded the reports handed
    /// before them (so a flush that resolved left its events removed and the
    /// file shrunk); at once when nothing waits or the writer has stopped.
    fn answer_after_reports(&self, waiters: Vec<Responder<()>>, outcome: &Result<()>) {
        let mut state = self.lock();
        if state.open && (!state.reports.is_empty() || state.recording) {
            // The writer was woken when the first of these reports came, or
            // is recording them now and answers when it is done.
            state
                .answers
                .extend(waiters.into_iter().map(|w| (w, outcome.clone())));
            return;
        }
        drop(state);
        for w in waiters {
            w.respond(outcome.clone());
        }
    }

    /// What was handed since the last take (the writer's side).
    pub(crate) fn take(&self) -> Handed {
        let mut state = self.lock();
        state.recording = !state.reports.is_empty();
        Handed {
            reports: std::mem::take(&mut state.reports),
            answers: std::mem::take(&mut state.answers),
        }
    }

    /// The writer took the handoff for good (it is stopping): what is left,
    /// and later reports are refused.
    pub(crate) fn close(&self) -> Handed {
        self.lock().open = false;
        self.take()
    }

    /// The writer recorded what it took (`committed` or not; the file
    /// shrunk if the queue drained): the events are released and the flushes
    /// it took answered, and so are those that came meanwhile, unless
    /// reports came after them, which the next batch records first.
    pub(crate) fn finish(&self, handed: Handed, committed: bool) {
        self.recorded(&handed.reports, committed);
        let late = {
            let mut state = self.lock();
            state.recording = false;
            if state.reports.is_empty() {
                std::mem::take(&mut state.answers)
            } else {
                Vec::new()
            }
        };
        for (done, outcome) in handed.answers.into_iter().chain(late) {
            done.respond(outcome);
        }
    }

    /// The writer's transaction with `reports` ended: their events are no
    /// longer claimed, except received events whose removal failed, which
    /// are never sent again and removed by the emitter when it can.
    fn recorded(&self, reports: &[Delivery], committed: bool) {
        if reports.iter().all(|r| r.ids().is_empty()) {
            return;
        }
        CLAIMS.with(&self.db_path, |c| {
            for r in reports {
                for id in r.ids() {
                    c.removing.remove(id);
                    if !committed && matches!(r, Delivery::Received(_)) {
                        c.sent_undeleted.insert(*id);
                    }
                }
            }
        });
    }
}

#[derive(Default)]
struct Signal {
    /// Events were committed since the last pass.
    pending: bool,
    /// The app changed state: send now, whatever the backoff says.
    now: bool,
    flush_waiters: Vec<Responder<()>>,
    stop: bool,
}

struct Shared {
    signal: Mutex<Signal>,
    wake: Condvar,
    /// The emitter's connection, held while it reads or writes; here rather
    /// than on the thread so that the stop closes it at once, not when the
    /// thread next runs (the app may delete the directory as soon as the
    /// stop is answered, and a late first open would create the `-wal` and
    /// `-shm` files again under it). A pass whose requests are out at the
    /// stop keeps it open to record what they delivered, then closes it.
    files: Mutex<Files>,
}

#[derive(Default)]
struct Files {
    store: Option<Store>,
    /// The tracker stopped: the file is never opened again.
    closed: bool,
    /// Requests of a pass are out: a stop leaves the connection open until
    /// the pass has recorded what they delivered (then it closes).
    sending: bool,
}

/// Handle to a tracker's emitter thread.
pub struct Emitter {
    shared: Arc<Shared>,
}

impl Emitter {
    /// Starts the emitter of the database at `db_path`; it first sends what a
    /// previous run left queued.
    pub(crate) fn start(
        db_path: PathBuf,
        network: NetworkConfig,
        config: EmitterConfig,
        clock: Arc<dyn Clock>,
        handoff: Arc<Handoff>,
    ) -> Emitter {
        let shared = Arc::new(Shared {
            signal: Mutex::new(Signal {
                pending: true,
                ..Signal::default()
            }),
            wake: Condvar::new(),
            files: Mutex::new(Files::default()),
        });
        let agent = agent(network.timeout_ms, Arc::clone(&clock));
        let worker = Worker {
            shared: Arc::clone(&shared),
            db_path,
            network,
            config,
            clock,
            agent,
            backoff: Backoff::default(),
            handoff,
        };
        // If no thread can be started the events stay stored for the next run.
        let _ = std::thread::Builder::new()
            .name("rn-tracker-emitter".into())
            .spawn(move || {
                crate::priority::lower_current_thread();
                worker.run()
            });
        Emitter { shared }
    }

    /// Tells the emitter that new events were committed (sent unless a retry
    /// is pending).
    pub fn notify(&self) {
        self.with_signal(|s| s.pending = true);
    }

    /// The app moved to the foreground or the background: send what is
    /// queued now, even during a backoff.
    pub fn send_now(&self) {
        self.with_signal(|s| s.now = true);
    }

    /// Sends everything stored now, ignoring any backoff (and not lengthening
    /// it); answers when the queue is empty or a request failed.
    pub fn flush(&self, done: Responder<()>) {
        self.with_signal(|s| s.flush_waiters.push(done));
    }

    fn with_signal(&self, f: impl FnOnce(&mut Signal)) {
        let mut s = self.shared.signal.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut s);
        self.shared.wake.notify_all();
    }

    /// Tells the thread to stop after its current request, without waiting
    /// for it, and closes the thread's connection to the file (after the
    /// read or write in progress, if any). Flushes that have not started
    /// answer [`TrackerError::ShutDown`].
    pub fn stop(self) {
        let waiting = {
            let mut s = self.shared.signal.lock().unwrap_or_else(|p| p.into_inner());
            s.stop = true;
            std::mem::take(&mut s.flush_waiters)
        };
        self.shared.wake.notify_all();
        let closing = {
            let mut files = self.shared.files.lock().unwrap_or_else(|p| p.into_inner());
            files.closed = true;
            if files.sending {
                None
            } else {
                files.store.take()
            }
        };
        drop(closing);
        for w in waiting {
            w.respond(Err(TrackerError::ShutDown));
        }
    }
}

/// Sends a request's head together with the start of its body.
///
/// ureq transmits a request's head and its body in two writes: two system
/// calls, two TCP segments (ureq turns Nagle's algorithm off), and a collector
/// on the same machine woken twice per request. This connector, last in the
/// chain (above TLS, so one TLS record too), holds the head back until the
/// body's first write, and sends both in one; a request without a body sends
/// its head when the answer is awaited. The bytes sent and their order are
/// the same. (The bench's Rust runner, 50,000 events to a loopback
/// collector: the process is switched out involuntarily half as often,
/// about 4,000 → 2,000 times.)
#[derive(Debug)]
struct HeadWithBody;

impl<In: Transport> Connector<In> for HeadWithBody {
    type Out = HeldHead<In>;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<In>,
    ) -> std::result::Result<Option<HeldHead<In>>, ureq::Error> {
        Ok(chained.map(HeldHead::new))
    }
}

/// A transport of [`HeadWithBody`].
#[derive(Debug)]
struct HeldHead<T> {
    inner: T,
    /// A request's head, not sent yet.
    head: Vec<u8>,
    /// The next write starts a request (nothing was written since the last
    /// answer was awaited).
    next_is_head: bool,
}

impl<T: Transport> HeldHead<T> {
    fn new(inner: T) -> HeldHead<T> {
        HeldHead {
            inner,
            head: Vec::new(),
            next_is_head: true,
        }
    }

    /// Sends the head held back, if any (the output buffer is free).
    fn send_head(&mut self, timeout: NextTimeout) -> std::result::Result<(), ureq::Error> {
        if self.head.is_empty() {
            return Ok(());
        }
        let head = std::mem::take(&mut self.head);
        self.inner.buffers().output()[..head.len()].copy_from_slice(&head);
        self.inner.transmit_output(head.len(), timeout)
    }
}

impl<T: Transport> Transport for HeldHead<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(
        &mut self,
        amount: usize,
        timeout: NextTimeout,
    ) -> std::result::Result<(), ureq::Error> {
        if std::mem::take(&mut self.next_is_head) {
            self.head
                .extend_from_slice(&self.inner.buffers().output()[..amount]);
            return Ok(());
        }
        let held = self.head.len();
        if held == 0 {
            return self.inner.transmit_output(amount, timeout);
        }
        let output = self.inner.buffers().output();
        if held + amount > output.len() {
            // No room for both: the head first, then this write.
            let body = output[..amount].to_vec();
            self.send_head(timeout)?;
            self.inner.buffers().output()[..amount].copy_from_slice(&body);
            return self.inner.transmit_output(amount, timeout);
        }
        output.copy_within(..amount, held);
        output[..held].copy_from_slice(&self.head);
        self.head.clear();
        self.inner.transmit_output(held + amount, timeout)
    }

    fn maybe_await_input(
        &mut self,
        timeout: NextTimeout,
    ) -> std::result::Result<bool, ureq::Error> {
        self.send_head(timeout)?;
        self.next_is_head = true;
        self.inner.maybe_await_input(timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> std::result::Result<bool, ureq::Error> {
        self.send_head(timeout)?;
        self.next_is_head = true;
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// The HTTP client. TLS is rustls with ureq's default roots, the Mozilla CA
/// roots compiled in by webpki-roots, on every platform: nothing needs the JVM
/// or the OS trust store, so there is no platform initialisation to forget.
/// The OS trust store (rustls-platform-verifier) is a deliberate non-choice
/// for now; see "TLS" in the README. Redirects are the policy's to follow.
fn agent(timeout_ms: u64, clock: Arc<dyn Clock>) -> ureq::Agent {
    let timeout = Duration::from_millis(timeout_ms);
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(timeout.min(Duration::from_secs(10))))
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build();
    ureq::Agent::with_parts(
        config,
        DefaultConnector::default().chain(HeadWithBody),
        Resolver {
            clock,
            cache: Mutex::new(None),
        },
    )
}

/// How long resolved addresses of a host name are used for new connections.
const RESOLVED_TTL_MS: i64 = 30_000;

/// Name resolution for the emitter's agent.
///
/// The HTTP client resolves the endpoint before every request, even one that
/// goes out on a pooled connection, and with a timeout set it does so on a new
/// thread: a thread per request. Here an IP address needs no lookup, and a
/// host name's addresses are kept for [`RESOLVED_TTL_MS`] on the tracker's
/// clock (they are used only when a new connection is opened; a failed lookup
/// is not kept).
struct Resolver {
    clock: Arc<dyn Clock>,
    /// `host:port`, when it was resolved, and its addresses.
    cache: Mutex<
        Option<(
            String,
            i64,
            ureq::unversioned::resolver::ResolvedSocketAddrs,
        )>,
    >,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver").finish_non_exhaustive()
    }
}

impl ureq::unversioned::resolver::Resolver for Resolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> std::result::Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or("");
        let port = uri.port_u16().or(match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        if let (Ok(ip), Some(port)) = (
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>(),
            port,
        ) {
            let mut addrs = self.empty();
            addrs.push(std::net::SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = format!("{host}:{}", port.unwrap_or(0));
        let now = self.clock.now_ms();
        if let Ok(cache) = self.cache.lock() {
            if let Some((k, at, addrs)) = cache.as_ref() {
                if *k == key && (0..RESOLVED_TTL_MS).contains(&(now - at)) {
                    return Ok(addrs.clone());
                }
            }
        }
        let addrs = ureq::unversioned::resolver::DefaultResolver::default()
            .resolve(uri, config, timeout)?;
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Some((key, now, addrs.clone()));
        }
        Ok(addrs)
    }
}

struct Worker {
    shared: Arc<Shared>,
    db_path: PathBuf,
    network: NetworkConfig,
    config: EmitterConfig,
    clock: Arc<dyn Clock>,
    agent: ureq::Agent,
    backoff: Backoff,
    handoff: Arc<Handoff>,
}

/// How a pass ended early.
enum Stop {
    ShutDown,
    Failed {
        error: TrackerError,
        retry_after_ms: Option<i64>,
    },
}

impl Worker {
    fn run(mut self) {
        loop {
            let (waiters, by_app) = {
                let mut s = self.shared.signal.lock().unwrap_or_else(|p| p.into_inner());
                loop {
                    if s.stop {
                        return;
                    }
                    let now = self.clock.now_ms();
                    let retry_due = self.backoff.next_at_ms().is_some() && self.backoff.due(now);
                    let new_events_due = s.pending && self.backoff.due(now);
                    if s.now || !s.flush_waiters.is_empty() || retry_due || new_events_due {
                        break;
                    }
                    let wait = match self.backoff.next_at_ms() {
                        Some(at) => {
                            let left = Duration::from_millis(u64::try_from(at - now).unwrap_or(0));
                            self.clock.max_sleep().map_or(left, |m| left.min(m))
                        }
                        None => self.clock.max_sleep().unwrap_or(Duration::from_secs(3600)),
                    };
                    s = self
                        .shared
                        .wake
                        .wait_timeout(s, wait)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
                s.pending = false;
                let by_app = std::mem::take(&mut s.now);
                (std::mem::take(&mut s.flush_waiters), by_app)
            };
            let asked = !waiters.is_empty() || by_app;
            let outcome = match self.send_all() {
                Ok(()) => {
                    self.backoff.succeeded();
                    Ok(())
                }
                Err(Stop::ShutDown) => Err(TrackerError::ShutDown),
                Err(Stop::Failed {
                    error,
                    retry_after_ms,
                }) => {
                    let jitter = uuid::Uuid::new_v4().as_u64_pair().0;
                    self.backoff
                        .failed(self.clock.now_ms(), retry_after_ms, asked, jitter);
                    Err(error)
                }
            };
            self.handoff.answer_after_reports(waiters, &outcome);
        }
    }

    fn stopping(&self) -> bool {
        self.shared.signal.lock().map(|s| s.stop).unwrap_or(true)
    }

    /// Runs `f` on the emitter's connection, opened again if the file was
    /// replaced. Once the tracker has stopped, the file is not opened
    /// again: only a report that removes events (`after_stop`) uses the
    /// connection a pass in flight at the stop kept open.
    fn with_store<T>(
        &self,
        after_stop: bool,
        f: impl FnOnce(&mut Store) -> Result<T>,
    ) -> Result<T> {
        let mut files = self.shared.files.lock().unwrap_or_else(|p| p.into_inner());
        if files.closed {
            return match (after_stop, files.store.as_mut()) {
                (true, Some(store)) => f(store),
                _ => Err(TrackerError::ShutDown),
            };
        }
        if files.store.as_ref().is_some_and(Store::moved_away) {
            files.store = None;
        }
        let store = match &mut files.store {
            Some(store) => store,
            empty => empty.insert(Store::open_existing(&self.db_path)?),
        };
        f(store)
    }

    /// The pass's requests go out: a stop from now on leaves the connection
    /// open for their reports. False once the tracker has stopped.
    fn begin_sending(&self) -> bool {
        let mut files = self.shared.files.lock().unwrap_or_else(|p| p.into_inner());
        files.sending = !files.closed;
        files.sending
    }

    /// The pass recorded what its requests did; after a stop, the
    /// connection closes now.
    fn end_sending(&self) {
        let mut files = self.shared.files.lock().unwrap_or_else(|p| p.into_inner());
        files.sending = false;
        if files.closed {
            files.store = None;
        }
    }

    /// A storage error ends the pass like a failed request (the stop's
    /// closing of the connection ends it as a stop).
    fn failed(error: TrackerError) -> Stop {
        match error {
            TrackerError::ShutDown => Stop::ShutDown,
            error => Stop::Failed {
                error,
                retry_after_ms: None,
            },
        }
    }

    /// Passes over the queue until it is empty; a failure to retry ends it.
    /// Another emitter's requests in flight on the same file (a tracker
    /// stopped a moment ago) are waited for, up to one request timeout.
    fn send_all(&mut self) -> std::result::Result<(), Stop> {
        let mut removed_any = false;
        let mut waited = false;
        loop {
            if self.stopping() {
                return Err(Stop::ShutDown);
            }
            // Received events whose deletion failed: delete them first.
            let undeleted: Vec<i64> = CLAIMS.with(&self.db_path, |c| {
                c.sent_undeleted.iter().copied().collect()
            });
            if !undeleted.is_empty() {
                self.with_store(false, |s| s.delete_sent(&undeleted))
                    .map_err(Self::failed)?;
                CLAIMS.with(&self.db_path, |c| {
                    for id in &undeleted {
                        c.sent_undeleted.remove(id);
                    }
                });
                removed_any = true;
            }
            // Enough for a wave of full requests, and no more bytes than
            // those requests carry (or PASS_MAX_BYTES, if less).
            let range = self
                .config
                .emit_range
                .saturating_mul(REQUESTS_PER_PASS as u32);
            let max_bytes = self.pass_max_bytes();
            let skip = CLAIMS.skip(&self.db_path);
            let batch = self
                .with_store(false, |s| s.read_batch_within(range, max_bytes, &skip))
                .map_err(Self::failed)?;
            let more_queued = batch.len() >= range as usize
                || batch.iter().map(|e| e.payload.len()).sum::<usize>() >= max_bytes;
            if batch.is_empty() {
                if !skip.is_empty() && !waited {
                    CLAIMS.wait_idle(
                        &self.db_path,
                        Duration::from_millis(self.network.timeout_ms),
                    );
                    waited = true;
                    continue;
                }
                if removed_any {
                    // The queue drained: give the space back (best effort).
                    let _ = self.report(Delivery::Drained);
                }
                return Ok(());
            }
            if !self.begin_sending() {
                return Err(Stop::ShutDown);
            }
            let ids: Vec<i64> = batch.iter().map(|e| e.id).collect();
            CLAIMS.with(&self.db_path, |c| c.in_flight.extend(&ids));
            let result = self.send_batch(batch, more_queued, &mut removed_any);
            self.end_sending();
            CLAIMS.with(&self.db_path, |c| {
                // Each id looked up once: a retain over `ids` cost a pass
                // 16 x 25 squared comparisons.
                for id in &ids {
                    c.in_flight.remove(id);
                }
            });
            result?;
        }
    }

    /// The most payload bytes one pass reads: [`REQUESTS_PER_PASS`] requests
    /// at the byte limit of the method, at most [`PASS_MAX_BYTES`] unless one
    /// request's limit is larger.
    fn pass_max_bytes(&self) -> usize {
        let per_request = match self.network.method {
            HttpMethod::Post => self.config.byte_limit_post,
            HttpMethod::Get => self.config.byte_limit_get,
        } as usize;
        per_request
            .saturating_mul(REQUESTS_PER_PASS)
            .min(PASS_MAX_BYTES.max(per_request))
    }

    /// Sends one batch read from the store, request by request, and removes
    /// what the collector received in one transaction (also when a request
    /// fails part way). When more events are queued than were read, the last
    /// request (not full) waits for the next pass, which fills it.
    fn send_batch(
        &mut self,
        batch: Vec<StoredEvent>,
        more_queued: bool,
        removed_any: &mut bool,
    ) -> std::result::Result<(), Stop> {
        let mut requests: VecDeque<Vec<StoredEvent>> = self.plan(batch).into();
        let most = self.config.emit_range as usize;
        if more_queued && requests.len() > 1 && requests.back().is_some_and(|r| r.len() < most) {
            requests.pop_back();
        }
        let mut delivered: Vec<i64> = Vec::new();
        let outcome = self.send_requests(&mut requests, &mut delivered, removed_any);
        if !delivered.is_empty() {
            *removed_any = true;
        }
        self.remove_delivered(&mut delivered)?;
        outcome
    }

    /// Removes (and counts as sent) the events the collector received.
    fn remove_delivered(&mut self, delivered: &mut Vec<i64>) -> std::result::Result<(), Stop> {
        if delivered.is_empty() {
            return Ok(());
        }
        let ids = std::mem::take(delivered);
        self.report(Delivery::Received(ids)).map_err(Self::failed)
    }

    /// Hands `report` to the writer, or records it here once the writer has
    /// stopped: what a request in flight at the stop delivered or dropped,
    /// on the connection its pass kept open, so the next tracker does not
    /// send it again (a failure or a drain after the stop is left to the
    /// next tracker's emitter).
    fn report(&mut self, report: Delivery) -> Result<()> {
        let Err(report) = self.handoff.hand(report) else {
            return Ok(());
        };
        if report.ids().is_empty() {
            return Ok(());
        }
        let result = self.with_store(true, |s| s.record(std::slice::from_ref(&report)));
        if result.is_err() {
            if let Delivery::Received(ids) = &report {
                // Received, but not deleted: never send them again.
                CLAIMS.with(&self.db_path, |c| c.sent_undeleted.extend(ids));
            }
        }
        result
    }

    /// Sends `requests` in order until they are done or one fails; the ids
    /// the collector received go to `delivered`.
    fn send_requests(
        &mut self,
        requests: &mut VecDeque<Vec<StoredEvent>>,
        delivered: &mut Vec<i64>,
        removed_any: &mut bool,
    ) -> std::result::Result<(), Stop> {
        let mut last_removal = self.clock.now_ms();
        while let Some(events) = requests.pop_front() {
            if self.stopping() {
                return Err(Stop::ShutDown);
            }
            let stm = self.clock.now_ms();
            let (_response, what, action) = self.send(&events, stm);
            match action {
                Action::Delete => {
                    delivered.extend(events.iter().map(|e| e.id));
                    // On a slow network a pass can take a while: what arrived
                    // is removed at least every REMOVAL_INTERVAL_MS.
                    if self.clock.now_ms() - last_removal >= REMOVAL_INTERVAL_MS {
                        self.remove_delivered(delivered)?;
                        last_removal = self.clock.now_ms();
                    }
                }
                Action::Split => {
                    let mut first = events;
                    let second = first.split_off(first.len() / 2);
                    requests.push_front(second);
                    requests.push_front(first);
                }
                Action::Drop(reason) => {
                    *removed_any = true;
                    // What was received before goes first: the drop's error
                    // stays the last error.
                    self.remove_delivered(delivered)?;
                    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
                    let (dropped, why) = match reason {
                        DropReason::Rejected => (Dropped::Rejected, "refused by the collector"),
                        DropReason::Oversized => {
                            (Dropped::Oversized, "too large for the collector")
                        }
                    };
                    let message = format!("{what}; dropped {} event(s) {why}", ids.len());
                    self.report(Delivery::Dropped {
                        ids,
                        reason: dropped,
                        error: message,
                    })
                    .map_err(Self::failed)?;
                }
                Action::Retry { after_ms } => {
                    let message = format!(
                        "{what}; {} event(s) stay queued and will be retried",
                        events.len()
                    );
                    let _ = self.report(Delivery::Failed(message.clone()));
                    return Err(Stop::Failed {
                        error: TrackerError::Network(message),
                        retry_after_ms: after_ms,
                    });
                }
                Action::Follow(_) => unreachable!("send() follows redirects"),
            }
        }
        Ok(())
    }

    /// Groups events into requests: one per event for GET; for POST, in queue
    /// order, as many as fit in `byteLimitPost` with the wrapper and `stm`.
    fn plan(&self, batch: Vec<StoredEvent>) -> Vec<Vec<StoredEvent>> {
        if self.network.method == HttpMethod::Get {
            return batch.into_iter().map(|e| vec![e]).collect();
        }
        let limit = self.config.byte_limit_post as usize;
        let most = self.config.emit_range.max(1) as usize;
        let mut requests: Vec<Vec<StoredEvent>> = Vec::new();
        let mut current: Vec<StoredEvent> = Vec::new();
        let mut size = POST_WRAPPER_BYTES;
        for e in batch {
            let add = e.payload.len() + STM_BYTES + usize::from(!current.is_empty());
            if !current.is_empty() && (size + add > limit || current.len() >= most) {
                requests.push(std::mem::take(&mut current));
                size = POST_WRAPPER_BYTES;
            }
            size += e.payload.len() + STM_BYTES + usize::from(!current.is_empty());
            current.push(e);
        }
        if !current.is_empty() {
            requests.push(current);
        }
        requests
    }

    /// Sends one request, following redirects as the policy allows; returns
    /// the last response, a description of it for the app, and what the
    /// policy makes of it.
    fn send(&self, events: &[StoredEvent], stm: i64) -> (Response, String, Action) {
        let (mut url, body) = match self.network.method {
            HttpMethod::Post => (
                format!("{}/{}", self.network.endpoint, self.network.post_path),
                Some(payload::post_body(
                    events.iter().map(|e| e.payload.as_str()),
                    stm,
                )),
            ),
            HttpMethod::Get => match payload::get_query(&events[0].payload, stm) {
                Some(q) => (format!("{}{GET_PATH}?{q}", self.network.endpoint), None),
                None => {
                    let what = "a stored event cannot be sent by GET (a field is not a string)"
                        .to_string();
                    return (Response::NoAnswer, what, Action::Drop(DropReason::Rejected));
                }
            },
        };
        let mut hops = 0u8;
        loop {
            let (response, what) = self.request(&url, body.as_deref(), stm);
            match policy::decide(&self.config.retry, &response, events.len(), hops) {
                Action::Follow(location) => {
                    url = resolve(&url, &location);
                    hops += 1;
                }
                action => return (response, what, action),
            }
        }
    }

    fn request(&self, url: &str, body: Option<&str>, now_ms: i64) -> (Response, String) {
        let result = match body {
            Some(body) => {
                let mut request = self
                    .agent
                    .post(url)
                    .header("Content-Type", "application/json; charset=utf-8");
                for (name, value) in &self.network.headers {
                    request = request.header(name, value);
                }
                request.send(body)
            }
            None => {
                let mut request = self.agent.get(url);
                for (name, value) in &self.network.headers {
                    request = request.header(name, value);
                }
                request.call()
            }
        };
        match result {
            Ok(mut r) => {
                // Reading the body to its end is what returns the connection
                // to the pool: left unread, every request opened a new
                // connection (and the resolver a thread). A larger body than
                // any collector sends just closes the connection.
                let _ = r
                    .body_mut()
                    .with_config()
                    .limit(DRAINED_BODY_BYTES)
                    .read_to_vec();
                let header = |name: &str| {
                    r.headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                };
                let code = r.status().as_u16();
                let response = Response::Status {
                    code,
                    retry_after_ms: header("retry-after")
                        .and_then(|v| policy::retry_after_ms(&v, now_ms)),
                    location: header("location"),
                };
                (response, format!("collector answered HTTP {code}"))
            }
            // A request that cannot even be built (a URL longer than the HTTP
            // client takes) will never go out: as if the collector said 413.
            Err(e @ (ureq::Error::Http(_) | ureq::Error::BadUri(_))) => (
                Response::Status {
                    code: 413,
                    retry_after_ms: None,
                    location: None,
                },
                format!(
                    "the request cannot be sent ({})",
                    redact_credentials_in(&e.to_string())
                ),
            ),
            // Neither the endpoint's credentials nor a URL in the client's
            // words may reach a message.
            Err(e) => (
                Response::NoAnswer,
                format!(
                    "could not reach the collector at {} ({})",
                    redact_endpoint(&self.network.endpoint),
                    redact_credentials_in(&e.to_string())
                ),
            ),
        }
    }
}

/// The target of a redirect from `from` to `location` (absolute, or a path).
fn resolve(from: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_string();
    }
    let scheme_end = from.find("://").map_or(0, |i| i + 3);
    let host_end = from[scheme_end..]
        .find('/')
        .map_or(from.len(), |i| scheme_end + i);
    if location.starts_with('/') {
        format!("{}{location}", &from[..host_end])
    } else {
        let path = from[..from.find('?').unwrap_or(from.len())]
            .rfind('/')
            .filter(|i| *i >= host_end)
            .unwrap_or(host_end);
        format!("{}/{location}", &from[..path])
    }
}

#[cfg(test)]
mod head_with_body {
    use super::{Buffers, HeldHead, NextTimeout, Transport};
    use std::sync::{Arc, Mutex};
    use ureq::unversioned::transport::LazyBuffers;

    /// A transport that records what it is asked to send, write by write.
    #[derive(Debug)]
    struct Recorder {
        buffers: LazyBuffers,
        sent: Arc<Mutex<Vec<Vec<u8>>>>,
    }

    impl Transport for Recorder {
        fn buffers(&mut self) -> &mut dyn Buffers {
            &mut self.buffers
        }
        fn transmit_output(
            &mut self,
            amount: usize,
            _timeout: NextTimeout,
        ) -> Result<(), ureq::Error> {
            let bytes = self.buffers.output()[..amount].to_vec();
            self.sent.lock().unwrap().push(bytes);
            Ok(())
        }
        fn await_input(&mut self, _timeout: NextTimeout) -> Result<bool, ureq::Error> {
            Ok(false)
        }
        fn is_open(&mut self) -> bool {
            true
        }
    }

    fn timeout() -> NextTimeout {
        NextTimeout {
            after: std::time::Duration::from_secs(5).into(),
            reason: ureq::Timeout::Global,
            per_read: None,
            per_write: None,
        }
    }

    /// A transport of the connector over a recorder whose output buffer
    /// holds `output` bytes, and what the recorder sent.
    fn transport(output: usize) -> (impl Transport, Arc<Mutex<Vec<Vec<u8>>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let recorder = Recorder {
            buffers: LazyBuffers::new(64, output),
            sent: Arc::clone(&sent),
        };
        (HeldHead::new(recorder), sent)
    }

    /// Writes `bytes` as ureq does: into the output buffer, then transmits them.
    fn write(t: &mut impl Transport, bytes: &[u8]) {
        t.buffers().output()[..bytes.len()].copy_from_slice(bytes);
        t.transmit_output(bytes.len(), timeout()).unwrap();
    }

    fn sent(s: &Arc<Mutex<Vec<Vec<u8>>>>) -> Vec<String> {
        s.lock()
            .unwrap()
            .iter()
            .map(|b| String::from_utf8(b.clone()).unwrap())
            .collect()
    }

    #[test]
    fn a_head_goes_out_with_the_start_of_its_body() {
        let (mut t, s) = transport(64);
        write(&mut t, b"POST head;");
        assert!(sent(&s).is_empty(), "the head waits for its body");
        write(&mut t, b"body 1;");
        write(&mut t, b"body 2;");
        assert_eq!(sent(&s), ["POST head;body 1;", "body 2;"]);
        t.await_input(timeout()).unwrap();
        assert_eq!(sent(&s).len(), 2, "nothing was left to send");
        // The next request on the connection is held back the same way.
        write(&mut t, b"POST again;");
        write(&mut t, b"body 3;");
        assert_eq!(sent(&s)[2], "POST again;body 3;");
    }

    #[test]
    fn a_head_without_a_body_goes_out_when_the_answer_is_awaited() {
        let (mut t, s) = transport(64);
        write(&mut t, b"GET head;");
        assert!(sent(&s).is_empty());
        t.maybe_await_input(timeout()).unwrap();
        assert_eq!(sent(&s), ["GET head;"]);
        write(&mut t, b"GET next;");
        t.await_input(timeout()).unwrap();
        assert_eq!(sent(&s), ["GET head;", "GET next;"]);
    }

    #[test]
    fn a_head_and_body_larger_than_the_buffer_go_out_one_after_the_other() {
        let (mut t, s) = transport(16);
        write(&mut t, b"POST head;");
        write(&mut t, b"0123456789");
        assert_eq!(sent(&s), ["POST head;", "0123456789"]);
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;
    use super::{Delivery, Handoff, Responder, CLAIMS};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A flush waiter that counts its answers.
    fn waiter(answered: &Arc<AtomicUsize>) -> Responder<()> {
        let a = Arc::clone(answered);
        Responder::new(move |_| {
            a.fetch_add(1, Ordering::SeqCst);
        })
    }

    #[test]
    fn a_flush_is_answered_only_once_what_was_sent_before_it_is_recorded() {
        let path = std::env::temp_dir().join(format!("handoff-{}", uuid::Uuid::new_v4()));
        let wakes = Arc::new(AtomicUsize::new(0));
        let w = Arc::clone(&wakes);
        let h = Handoff::new(
            path.clone(),
            Box::new(move || {
                w.fetch_add(1, Ordering::SeqCst);
            }),
        );
        let answered = Arc::new(AtomicUsize::new(0));
        // Handed, then a flush: it waits for the batch that records them.
        h.hand(Delivery::Received(vec![1, 2])).unwrap();
        h.hand(Delivery::Received(vec![3])).unwrap();
        assert_eq!(
            wakes.load(Ordering::SeqCst),
            1,
            "one wake until the writer takes"
        );
        assert!(CLAIMS.skip(&path).contains(&3), "claimed until recorded");
        h.answer_after_reports(vec![waiter(&answered)], &Ok(()));
        assert_eq!(answered.load(Ordering::SeqCst), 0);
        let handed = h.take();
        assert_eq!(handed.reports.len(), 2);
        h.finish(handed, true);
        assert_eq!(answered.load(Ordering::SeqCst), 1);
        assert!(CLAIMS.skip(&path).is_empty());
        // A flush that ends while the writer is recording what it took waits
        // for the writer to finish.
        h.hand(Delivery::Drained).unwrap();
        let handed = h.take();
        h.answer_after_reports(vec![waiter(&answered)], &Ok(()));
        assert_eq!(answered.load(Ordering::SeqCst), 1, "not before the shrink");
        h.finish(handed, true);
        assert_eq!(answered.load(Ordering::SeqCst), 2);
        // ... unless reports came after it: then the next batch answers it.
        h.hand(Delivery::Received(vec![4])).unwrap();
        let first = h.take();
        h.hand(Delivery::Received(vec![5])).unwrap();
        h.answer_after_reports(vec![waiter(&answered)], &Ok(()));
        h.finish(first, true);
        assert_eq!(answered.load(Ordering::SeqCst), 2, "5 is not recorded yet");
        let second = h.take();
        h.finish(second, true);
        assert_eq!(answered.load(Ordering::SeqCst), 3);
        // Nothing waits: answered at once. Once closed, reports come back.
        h.answer_after_reports(vec![waiter(&answered)], &Ok(()));
        assert_eq!(answered.load(Ordering::SeqCst), 4);
        // A commit that failed: received events stay claimed (never sent
        // again), dropped ones are released (read and dropped again).
        h.hand(Delivery::Received(vec![7])).unwrap();
        h.hand(Delivery::Dropped {
            ids: vec![8],
            reason: super::Dropped::Rejected,
            error: "refused".into(),
        })
        .unwrap();
        let failed = h.take();
        h.finish(failed, false);
        let claimed = CLAIMS.skip(&path);
        assert!(claimed.contains(&7) && !claimed.contains(&8), "{claimed:?}");
        CLAIMS.with(&path, |c| c.sent_undeleted.clear());
        let _ = h.close();
        assert!(h.hand(Delivery::Received(vec![6])).is_err());
        assert!(CLAIMS.skip(&path).is_empty());
    }

    #[test]
    fn redirect_targets() {
        let from = "http://a:1/com.snowplowanalytics.snowplow/tp2";
        assert_eq!(resolve(from, "https://b/x"), "https://b/x");
        assert_eq!(resolve(from, "/other/tp2"), "http://a:1/other/tp2");
        assert_eq!(
            resolve(from, "tp3"),
            "http://a:1/com.snowplowanalytics.snowplow/tp3"
        );
        assert_eq!(resolve("http://a/i?x=1/2", "/j"), "http://a/j");
    }
}
