//! Sending queued events to the collector, on a thread of its own.
//!
//! The emitter reads the oldest events from the store, batches them within
//! `emitRange` and `byteLimitPost`, sends them with ureq and deletes them only
//! after a 2xx. Any failure stops the pass and schedules a retry with
//! exponential backoff (1 s doubling to 5 min); `flush()` retries at once and
//! reports the outcome. Nothing here runs on an app thread.

use crate::clock::Clock;
use crate::config::{EmitterConfig, HttpMethod, NetworkConfig};
use crate::error::{Result, TrackerError};
use crate::payload::{self, POST_WRAPPER_BYTES, STM_BYTES};
use crate::reply::Responder;
use crate::store::{StoredEvent, Store};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Path of POST requests below the endpoint.
pub const POST_PATH: &str = "/com.snowplowanalytics.snowplow/tp2";
/// Path of GET requests below the endpoint.
pub const GET_PATH: &str = "/i";
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(300);

#[derive(Default)]
struct Signal {
    pending: bool,
    flush_waiters: Vec<Responder<()>>,
    stop: bool,
}

struct Shared {
    signal: Mutex<Signal>,
    wake: Condvar,
}

/// Handle to a tracker's emitter thread.
pub struct Emitter {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Emitter {
    /// Starts the emitter of the database at `db_path`; it first sends what a
    /// previous run left queued.
    pub fn start(db_path: PathBuf, network: NetworkConfig, config: EmitterConfig, clock: Arc<dyn Clock>) -> Emitter {
        let shared = Arc::new(Shared {
            signal: Mutex::new(Signal { pending: true, ..Signal::default() }),
            wake: Condvar::new(),
        });
        let worker = Worker { shared: Arc::clone(&shared), db_path, store: None, network, config, clock, agent: agent() };
        let thread = std::thread::Builder::new()
            .name("rn-tracker-emitter".into())
            .spawn(move || worker.run())
            .ok();
        Emitter { shared, thread }
    }

    /// Tells the emitter that new events were committed.
    pub fn notify(&self) {
        self.with_signal(|s| s.pending = true);
    }

    /// Sends everything stored now, ignoring any backoff; answers when the
    /// queue is empty or a request failed.
    pub fn flush(&self, done: Responder<()>) {
        self.with_signal(|s| s.flush_waiters.push(done));
    }

    fn with_signal(&self, f: impl FnOnce(&mut Signal)) {
        let mut s = self.shared.signal.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut s);
        self.shared.wake.notify_all();
    }

    /// Stops the thread after its current request, and waits for it.
    pub fn stop(mut self) {
        self.with_signal(|s| s.stop = true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The HTTP client. TLS is rustls with ureq's default roots, the Mozilla CA
/// roots compiled in by webpki-roots, on every platform: nothing needs the JVM
/// or the OS trust store, so there is no platform initialisation to forget.
/// The OS trust store (rustls-platform-verifier) is a deliberate non-choice
/// for now; see "TLS" in the README.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_global(Some(Duration::from_secs(20)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

struct Worker {
    shared: Arc<Shared>,
    db_path: PathBuf,
    store: Option<Store>,
    network: NetworkConfig,
    config: EmitterConfig,
    clock: Arc<dyn Clock>,
    agent: ureq::Agent,
}

impl Worker {
    fn run(mut self) {
        let mut backoff = FIRST_BACKOFF;
        let mut retry_at: Option<Instant> = None;
        loop {
            let waiters = {
                let mut s = self.shared.signal.lock().unwrap_or_else(|p| p.into_inner());
                loop {
                    if s.stop {
                        return;
                    }
                    let due = retry_at.map_or(s.pending, |t| Instant::now() >= t);
                    if due || !s.flush_waiters.is_empty() {
                        break;
                    }
                    s = match retry_at {
                        Some(t) => {
                            let wait = t.saturating_duration_since(Instant::now());
                            self.shared.wake.wait_timeout(s, wait).unwrap_or_else(|p| p.into_inner()).0
                        }
                        None => self.shared.wake.wait(s).unwrap_or_else(|p| p.into_inner()),
                    };
                }
                s.pending = false;
                std::mem::take(&mut s.flush_waiters)
            };
            let outcome = self.send_all();
            match &outcome {
                Ok(()) => {
                    backoff = FIRST_BACKOFF;
                    retry_at = None;
                }
                Err(_) => {
                    retry_at = Some(Instant::now() + backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            for w in waiters {
                w.respond(outcome.clone());
            }
        }
    }

    fn stopping(&self) -> bool {
        self.shared.signal.lock().map(|s| s.stop).unwrap_or(true)
    }

    fn store(&mut self) -> Result<&mut Store> {
        if self.store.is_none() {
            self.store = Some(Store::open_existing(&self.db_path)?);
        }
        self.store.as_mut().ok_or_else(|| TrackerError::Storage("store unavailable".into()))
    }

    /// Passes over the queue until it is empty; the first failure ends it.
    fn send_all(&mut self) -> Result<()> {
        loop {
            if self.stopping() {
                return Err(TrackerError::ShutDown);
            }
            let range = self.config.emit_range;
            let batch = self.store()?.read_batch(range)?;
            if batch.is_empty() {
                return Ok(());
            }
            let stm = self.clock.now_ms();
            for request in self.plan(&batch) {
                let events: Vec<&StoredEvent> = request.iter().map(|i| &batch[*i]).collect();
                self.send(&events, stm)?;
                let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
                self.store()?.delete(&ids)?;
            }
        }
    }

    /// Groups events into requests: one per event for GET; for POST, in queue
    /// order, as many as fit in `byteLimitPost` with the wrapper and `stm`.
    fn plan(&self, batch: &[StoredEvent]) -> Vec<Vec<usize>> {
        if self.network.method == HttpMethod::Get {
            return (0..batch.len()).map(|i| vec![i]).collect();
        }
        let limit = self.config.byte_limit_post as usize;
        let mut requests: Vec<Vec<usize>> = Vec::new();
        let mut current: Vec<usize> = Vec::new();
        let mut size = POST_WRAPPER_BYTES;
        for (i, e) in batch.iter().enumerate() {
            let add = e.payload.len() + STM_BYTES + usize::from(!current.is_empty());
            if !current.is_empty() && size + add > limit {
                requests.push(std::mem::take(&mut current));
                size = POST_WRAPPER_BYTES;
            }
            size += e.payload.len() + STM_BYTES + usize::from(!current.is_empty());
            current.push(i);
        }
        if !current.is_empty() {
            requests.push(current);
        }
        requests
    }

    fn send(&self, events: &[&StoredEvent], stm: i64) -> Result<()> {
        let endpoint = &self.network.endpoint;
        let response = match self.network.method {
            HttpMethod::Post => {
                let body = payload::post_body(events.iter().map(|e| e.payload.as_str()), stm);
                self.agent
                    .post(format!("{endpoint}{POST_PATH}"))
                    .header("Content-Type", "application/json; charset=utf-8")
                    .send(body)
            }
            HttpMethod::Get => {
                let query = payload::get_query(&events[0].payload, stm)
                    .ok_or_else(|| TrackerError::Storage("stored payload has a non-string field".into()))?;
                self.agent.get(format!("{endpoint}{GET_PATH}?{query}")).call()
            }
        };
        match response {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(TrackerError::Network(format!(
                "collector answered HTTP {} for {} event(s); they stay queued and will be retried",
                r.status().as_u16(),
                events.len()
            ))),
            Err(e) => Err(TrackerError::Network(format!(
                "could not reach the collector at {endpoint} ({e}); {} event(s) stay queued and will be retried",
                events.len()
            ))),
        }
    }
}
