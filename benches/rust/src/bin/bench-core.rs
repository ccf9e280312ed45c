//! Benchmarks of the Rust core in process, and of the `snowplow_tracker`
//! crate (the Rust peer, which keeps events in memory only) in the same run.
//!
//! Every subcommand prints one `RESULT {json}` line per measurement on stdout
//! and its progress on stderr. Sizes and what each figure means:
//!
//! - `e2e --peer core|crate --collector URL --events N --kind struct|screen --dir D`
//!   — end to end, the runner protocol shared with the Node runners: one
//!   thread tracks N events as fast as it can, each call timed (how long the
//!   caller is blocked), then waits until the collector's `/stats` says every
//!   event arrived. `core` is this project's tracker with its defaults (POST,
//!   session entity on), `storage.directory` = D and a store large enough for
//!   N; each call parses the event's JSON with `Event::from_json`, as a
//!   platform call does, and its `Responder` notes when the event was
//!   committed to SQLite. `crate` uses the crate's default batch emitter.
//!   `{"peer","kind","events","elapsed_ms","calls_ms","committed_ms"|null,
//!   "blocked_us":{"mean","p50","p99","max"},"cpu_ms","peak_rss_kb",
//!   "arrived","failed","rejected"}`.
//! - `blocked --collector URL --events N --dir D` — the caller's side alone:
//!   the time blocked per track call and the time from each call to its
//!   commit, for the core with the session entity on and off, and for the
//!   crate's track call. One line per variant:
//!   `{"part":"blocked","peer","session_entity":true|false|null,"events",
//!   "blocked_us":{..},"committed_us":{"mean","p99","max"}|null}`.
//! - `backlog --collector-bin PATH --events N --dir D [--round R]` — an
//!   outage: N events tracked while nothing listens on the endpoint, in rounds
//!   of R calls (default 10,000) each waited for until committed, as events
//!   pile up over an outage rather than in one burst (a burst's calls wait in
//!   memory for the writer: that is what `e2e` measures), then the collector
//!   is started on that port and the backlog drains. Peak RSS while queued, the
//!   database's size, the time to drain, and lost or duplicated events:
//!   `{"part":"backlog","events","track_ms","committed_ms",
//!   "peak_rss_kb_queued","peak_rss_kb","db_bytes","drain_ms","lost","duplicates"}`.
//! - `startup --dir D --stored N` — from before `Tracker::start` to the commit
//!   answer of the first track call, median of 5, with an empty store and
//!   with N stored events: `{"part":"startup","empty_ms","stored","stored_ms"}`.
//!
//! The phone this product runs on cares about the caller's thread (a stall
//! over a frame is visible), battery (CPU per event) and memory during an
//! outage; these figures are how the targets of issue 10 are checked.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracker_bench::{
    core_event_json, ms, print_result, self_usage, us, vm_hwm_kb, Collector, Kind, SlowCalls, Summary,
};
use tracker_core::{Config, Event, EventType, PlatformDefaults, Responder, Tracker, TrackerOptions};

/// The namespace of every tracker started here.
const NAMESPACE: &str = "bench";
/// How long a run waits for the collector to have every event.
const ARRIVAL_LIMIT: Duration = Duration::from_secs(120);

fn main() {
    let mut args = std::env::args().skip(1);
    let sub = args.next().unwrap_or_default();
    let opts = Options::parse(args);
    match sub.as_str() {
        "e2e" => e2e(&opts),
        "blocked" => blocked(&opts),
        "backlog" => backlog(&opts),
        "startup" => startup(&opts),
        _ => fail("usage: bench-core e2e|blocked|backlog|startup [--option value]..."),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("bench-core: {msg}");
    std::process::exit(2)
}

/// `--name value` pairs.
struct Options(HashMap<String, String>);

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Options {
        let mut map = HashMap::new();
        while let Some(name) = args.next() {
            let Some(name) = name.strip_prefix("--") else {
                fail(&format!("expected --option, got {name}"))
            };
            let value = args
                .next()
                .unwrap_or_else(|| fail(&format!("--{name} needs a value")));
            map.insert(name.to_string(), value);
        }
        Options(map)
    }

    fn str(&self, name: &str) -> &str {
        self.0
            .get(name)
            .unwrap_or_else(|| fail(&format!("--{name} is required")))
    }

    fn num(&self, name: &str, default: usize) -> usize {
        self.0.get(name).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| fail(&format!("--{name} must be a number")))
        })
    }

    fn dir(&self) -> PathBuf {
        let dir = PathBuf::from(self.str("dir"));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(&format!("--dir: {e}")));
        dir
    }
}

// -- this project's core ----------------------------------------------------

/// How a core tracker is set up; everything else is the product's default.
struct CoreSetup<'a> {
    endpoint: &'a str,
    dir: &'a Path,
    max_store: usize,
    session_entity: bool,
    /// The events the tracker adds by itself (on by default): the
    /// `application_install` event, and a `screen_end` before each new screen
    /// view (screen engagement autotracking). No peer sends them, so the
    /// end-to-end runs and the backlog turn them off: every peer sends the
    /// same events, and `lost` is exact.
    auto_events: bool,
}

impl CoreSetup<'_> {
    fn config(&self) -> Config {
        let json = json!({
            "networkConfig": {"endpoint": self.endpoint},
            "trackerConfig": {
                "sessionContext": self.session_entity,
                "installAutotracking": self.auto_events,
                "screenEngagementAutotracking": self.auto_events,
            },
            "emitterConfig": {"maxEventStoreSize": self.max_store.max(1000)},
            "storage": {"directory": self.dir},
        });
        let platform = PlatformDefaults {
            app_id: Some("bench".into()),
            ..PlatformDefaults::default()
        };
        Config::from_json(&json.to_string(), &platform)
            .unwrap_or_else(|e| fail(&format!("configuration refused: {e}")))
    }

    /// Starts a tracker and waits until its database is open.
    fn start(&self) -> Tracker {
        let (ready, reply) = Responder::pair();
        let t = Tracker::start(NAMESPACE, self.config(), TrackerOptions::default(), ready)
            .unwrap_or_else(|e| fail(&format!("tracker did not start: {e}")));
        reply
            .wait()
            .unwrap_or_else(|e| fail(&format!("tracker not ready: {e}")));
        t
    }
}

/// Stops a tracker and waits until it has committed and closed its database.
fn stop(t: Tracker) {
    let (done, reply) = Responder::pair();
    t.stop(done);
    let _ = reply.wait();
}

/// When each event's commit answer arrived, in ns since `base`.
struct Commits {
    base: Instant,
    /// Per event (empty when only the count and the last time are kept).
    at_ns: Vec<AtomicU64>,
    last_ns: AtomicU64,
    answered: AtomicUsize,
    failed: AtomicUsize,
}

impl Commits {
    fn new(base: Instant, per_event: usize) -> Arc<Commits> {
        Arc::new(Commits {
            base,
            at_ns: (0..per_event).map(|_| AtomicU64::new(0)).collect(),
            last_ns: AtomicU64::new(0),
            answered: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        })
    }

    /// The continuation of event `i`'s track call.
    fn responder(self: &Arc<Self>, i: usize) -> Responder<()> {
        let me = Arc::clone(self);
        Responder::new(move |r| {
            let now = me.base.elapsed().as_nanos() as u64;
            if let Some(slot) = me.at_ns.get(i) {
                slot.store(now, Ordering::Relaxed);
            }
            me.last_ns.fetch_max(now, Ordering::Relaxed);
            if r.is_err() {
                me.failed.fetch_add(1, Ordering::Relaxed);
            }
            me.answered.fetch_add(1, Ordering::Release);
        })
    }

    /// Waits until `n` answers arrived.
    fn wait_all(&self, n: usize) {
        while self.answered.load(Ordering::Acquire) < n {
            std::thread::sleep(Duration::from_micros(500));
        }
    }

    fn last(&self) -> Duration {
        Duration::from_nanos(self.last_ns.load(Ordering::Relaxed))
    }
}

/// Polls the tracker every 5 ms until nothing is left to send, or `limit`.
///
/// The end-to-end runs also wait for this after the collector has N
/// distinct events, so that nothing the tracker still holds goes unmeasured.
fn wait_sent(t: &Tracker, limit: Instant) -> bool {
    loop {
        let (done, reply) = Responder::pair();
        t.delivery_stats(done);
        if matches!(reply.wait(), Ok(s) if s.queued == 0) {
            return true;
        }
        if Instant::now() >= limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// One track call as a platform makes it: the event's JSON parsed, then
/// handed to the tracker.
fn core_track(t: &Tracker, kind: EventType, json: &str, done: Responder<()>) {
    match Event::from_json(kind, json) {
        Ok(event) => t.track(event, done),
        Err(e) => fail(&format!("event refused: {e}")),
    }
}

/// Tracks `n` events of `kind` from this thread; returns the time each call
/// blocked the caller (µs), when each call started (ns since `base`) and
/// the calls over 1 ms.
fn core_run(
    t: &Tracker,
    kind: Kind,
    n: usize,
    commits: &Arc<Commits>,
) -> (Vec<f64>, Vec<u64>, SlowCalls) {
    let screen_id = uuid::Uuid::new_v4().to_string();
    let event_type = match kind {
        Kind::Struct => EventType::Structured,
        Kind::Screen => EventType::ScreenView,
    };
    let mut blocked = Vec::with_capacity(n);
    let mut started = Vec::with_capacity(n);
    let mut slow = SlowCalls::default();
    for i in 0..n {
        let json = core_event_json(kind, i, &screen_id);
        let done = commits.responder(i);
        let (call, took) = slow.time(|| core_track(t, event_type, &json, done));
        blocked.push(us(took));
        started.push(call.duration_since(commits.base).as_nanos() as u64);
    }
    (blocked, started, slow)
}

// -- the snowplow_tracker crate ---------------------------------------------

/// The crate's tracker with its defaults (in-memory store of 10,000 events,
/// batches of 50 sent by POST).
fn crate_tracker(collector: &str) -> snowplow_tracker::Tracker {
    snowplow_tracker::Snowplow::create_tracker(NAMESPACE, "bench", collector, None)
}

/// Tracks `n` events of `kind` with the crate; returns the time each call
/// blocked the caller (µs), how many calls its full store refused and the
/// calls over 1 ms. A
/// refused event is tracked again until accepted (the alternative is losing
/// it), and the whole wait counts as that call's time blocked.
fn crate_run(
    t: &mut snowplow_tracker::Tracker,
    kind: Kind,
    n: usize,
) -> (Vec<f64>, u64, SlowCalls) {
    use snowplow_tracker::{ScreenViewEvent, StructuredEvent};
    let screen_id = uuid::Uuid::new_v4();
    let mut blocked = Vec::with_capacity(n);
    let mut rejected = 0u64;
    let mut slow = SlowCalls::default();
    for i in 0..n {
        let (_, took) = slow.time(|| loop {
            let tracked = match kind {
                Kind::Struct => t.track(
                    StructuredEvent::builder()
                        .category("bench")
                        .action("track")
                        .label(format!("event {i}"))
                        .property("p")
                        .value(i as f64)
                        .build()
                        .expect("valid structured event"),
                    None,
                ),
                Kind::Screen => t.track(
                    ScreenViewEvent::builder()
                        .name(format!("Screen {}", i % 20))
                        .screen_type("feed")
                        .id(screen_id)
                        .build()
                        .expect("valid screen view"),
                    None,
                ),
            };
            if tracked.is_ok() {
                break;
            }
            rejected += 1;
            std::thread::yield_now();
        });
        blocked.push(us(took));
    }
    // The last partial batch stays in memory until a flush (which fails,
    // harmlessly, when N is a multiple of the batch size and nothing is left).
    let _ = t.flush();
    (blocked, rejected, slow)
}

fn crate_close(mut t: snowplow_tracker::Tracker) {
    let _ = t.close_emitter();
}

// -- e2e ----------------------------------------------------------------------

fn e2e(opts: &Options) {
    let url = opts.str("collector");
    let n = opts.num("events", 50_000);
    let kind = Kind::parse(opts.str("kind")).unwrap_or_else(|| fail("--kind is struct or screen"));
    let collector = Collector::new(url);
    let peer = opts.str("peer");
    match peer {
        "core" => {
            let dir = opts.dir();
            let t = CoreSetup {
                endpoint: url,
                dir: &dir,
                max_store: n,
                session_entity: true,
                auto_events: false,
            }
            .start();
            let base = Instant::now();
            let commits = Commits::new(base, 0);
            let (blocked, _, slow) = core_run(&t, kind, n, &commits);
            let calls = base.elapsed();
            commits.wait_all(n);
            let arrived = collector.wait_unique(n as u64, ARRIVAL_LIMIT)
                && wait_sent(&t, base + ARRIVAL_LIMIT);
            let elapsed = base.elapsed();
            stop(t);
            let failed = commits.failed.load(Ordering::Relaxed);
            let committed = Some(commits.last());
            let times = (blocked, slow);
            report_e2e(peer, kind, n, elapsed, calls, committed, times, arrived, failed, 0);
        }
        "crate" => {
            let mut t = crate_tracker(url);
            let base = Instant::now();
            let (blocked, rejected, slow) = crate_run(&mut t, kind, n);
            let calls = base.elapsed();
            let arrived = collector.wait_unique(n as u64, ARRIVAL_LIMIT);
            let elapsed = base.elapsed();
            crate_close(t);
            let times = (blocked, slow);
            report_e2e(peer, kind, n, elapsed, calls, None, times, arrived, 0, rejected);
        }
        other => fail(&format!("unknown peer {other} (core or crate)")),
    }
}

#[allow(clippy::too_many_arguments)]
fn report_e2e(
    peer: &str,
    kind: Kind,
    n: usize,
    elapsed: Duration,
    calls: Duration,
    committed: Option<Duration>,
    (mut blocked, slow): (Vec<f64>, SlowCalls),
    arrived: bool,
    failed: usize,
    rejected: u64,
) {
    if !arrived {
        eprintln!("bench-core: not every event arrived within {ARRIVAL_LIMIT:?}");
    }
    let (cpu_ms, peak_rss_kb) = self_usage();
    print_result(&json!({
        "peer": peer, "kind": kind.name(), "events": n,
        "elapsed_ms": ms(elapsed), "calls_ms": ms(calls), "committed_ms": committed.map(ms),
        "blocked_us": Summary::of(&mut blocked).map(Summary::to_json),
        "slow_calls": slow.to_json(),
        "cpu_ms": cpu_ms, "peak_rss_kb": peak_rss_kb,
        "arrived": arrived, "failed": failed, "rejected": rejected,
    }));
}

// -- blocked ------------------------------------------------------------------

fn blocked(opts: &Options) {
    let url = opts.str("collector");
    let n = opts.num("events", 50_000);
    let dir = opts.dir();
    let collector = Collector::new(url);
    for session_entity in [true, false] {
        let _ = collector.reset();
        let sub = dir.join(if session_entity { "session-on" } else { "session-off" });
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| fail(&format!("{e}")));
        let t = CoreSetup {
            endpoint: url,
            dir: &sub,
            max_store: n,
            session_entity,
            auto_events: true,
        }
        .start();
        let commits = Commits::new(Instant::now(), n);
        let (mut blocked, started, slow) = core_run(&t, Kind::Struct, n, &commits);
        commits.wait_all(n);
        let mut committed: Vec<f64> = commits
            .at_ns
            .iter()
            .zip(&started)
            .map(|(done, start)| done.load(Ordering::Relaxed).saturating_sub(*start) as f64 / 1e3)
            .collect();
        // Let the events drain before the next variant, so that no variant
        // shares the CPU with the previous one's sending.
        collector.wait_unique(n as u64, ARRIVAL_LIMIT);
        wait_sent(&t, Instant::now() + ARRIVAL_LIMIT);
        stop(t);
        let committed = Summary::of(&mut committed).map(|s| {
            let s = s.to_json();
            json!({"mean": s["mean"], "p99": s["p99"], "max": s["max"]})
        });
        print_result(&json!({
            "part": "blocked", "peer": "core", "session_entity": session_entity, "events": n,
            "blocked_us": Summary::of(&mut blocked).map(Summary::to_json),
            "slow_calls": slow.to_json(),
            "committed_us": committed,
        }));
    }
    let _ = collector.reset();
    let mut t = crate_tracker(url);
    let (mut blocked, rejected, slow) = crate_run(&mut t, Kind::Struct, n);
    collector.wait_unique(n as u64, ARRIVAL_LIMIT);
    crate_close(t);
    print_result(&json!({
        "part": "blocked", "peer": "crate", "session_entity": null, "events": n,
        "blocked_us": Summary::of(&mut blocked).map(Summary::to_json),
        "slow_calls": slow.to_json(),
        "committed_us": null, "rejected": rejected,
    }));
}

// -- backlog ------------------------------------------------------------------

/// A loopback port nothing listens on: bound, read, and closed again.
fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| fail(&format!("no free port: {e}")))
}

/// The collector binary listening on `port`; it exits when we drop its stdin.
fn start_collector(bin: &str, port: u16) -> Child {
    let mut child = Command::new(bin)
        .args(["--port", &port.to_string(), "--exit-on-stdin-close"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| fail(&format!("cannot start {bin}: {e}")));
    let mut line = String::new();
    let stdout = child.stdout.take().expect("piped stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap_or_else(|e| fail(&format!("collector: {e}")));
    if line.trim() != format!("listening {port}") {
        let _ = child.kill();
        fail(&format!("collector said {line:?}"));
    }
    child
}

/// The size of the tracker's database and its write-ahead log.
fn db_bytes(dir: &Path) -> u64 {
    let db = tracker_core::store::database_path(dir, NAMESPACE);
    let mut wal = db.clone().into_os_string();
    wal.push("-wal");
    [db, PathBuf::from(wal)]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

fn backlog(opts: &Options) {
    let bin = opts.str("collector-bin");
    let n = opts.num("events", 1_000_000);
    let dir = opts.dir();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let t = CoreSetup {
        endpoint: &url,
        dir: &dir,
        max_store: n,
        session_entity: true,
        auto_events: false,
    }
    .start();
    let round = opts.num("round", 10_000).max(1);
    let base = Instant::now();
    let commits = Commits::new(base, 0);
    let screen_id = String::new();
    for i in 0..n {
        let json = core_event_json(Kind::Struct, i, &screen_id);
        core_track(&t, EventType::Structured, &json, commits.responder(i));
        if (i + 1) % round == 0 {
            commits.wait_all(i + 1);
        }
        if (i + 1) % 100_000 == 0 {
            eprintln!(
                "backlog: {} tracked, {} committed, {:.1} s, VmHWM {} kB",
                i + 1,
                commits.answered.load(Ordering::Relaxed),
                base.elapsed().as_secs_f64(),
                vm_hwm_kb()
            );
        }
    }
    let track = base.elapsed();
    commits.wait_all(n);
    let committed = commits.last();
    let peak_queued = vm_hwm_kb();
    let db = db_bytes(&dir);
    eprintln!(
        "backlog: all committed in {:.1} s; {db} bytes on disk; collector up on {port}",
        committed.as_secs_f64()
    );

    let mut child = start_collector(bin, port);
    let drain_start = Instant::now();
    t.flush(Responder::ignore());
    let collector = Collector::new(&url);
    let mut last_report = Instant::now();
    let drained = loop {
        let unique = collector.unique();
        if unique >= n as u64 {
            break true;
        }
        if drain_start.elapsed() > Duration::from_secs(600) {
            break false;
        }
        if last_report.elapsed() > Duration::from_secs(5) {
            eprintln!("backlog: {unique} arrived after {:.1} s", drain_start.elapsed().as_secs_f64());
            last_report = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let drain = drain_start.elapsed();
    if !drained {
        eprintln!("backlog: gave up waiting for the backlog to drain");
    }
    let stats = collector.stats().unwrap_or(Value::Null);
    stop(t);
    let _ = child.kill();
    let _ = child.wait();
    let unique = stats["unique"].as_u64().unwrap_or(0);
    print_result(&json!({
        "part": "backlog", "events": n, "round": round,
        "track_ms": ms(track), "committed_ms": ms(committed),
        "peak_rss_kb_queued": peak_queued, "peak_rss_kb": vm_hwm_kb(), "db_bytes": db,
        "drain_ms": ms(drain), "lost": (n as u64).saturating_sub(unique),
        "duplicates": stats["duplicates"].as_u64().unwrap_or(0),
        "failed": commits.failed.load(Ordering::Relaxed),
    }));
}

// -- startup ------------------------------------------------------------------

/// From before `Tracker::start` to the commit answer of one track call, on
/// `dir`, with the collector down (the first send cannot help or hinder).
fn first_commit(dir: &Path, max_store: usize) -> Duration {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let setup = CoreSetup {
        endpoint: &endpoint,
        dir,
        max_store,
        session_entity: true,
        auto_events: true,
    };
    let config = setup.config();
    let json = core_event_json(Kind::Struct, 0, "");
    let start = Instant::now();
    let t = Tracker::start(NAMESPACE, config, TrackerOptions::default(), Responder::ignore())
        .unwrap_or_else(|e| fail(&format!("tracker did not start: {e}")));
    let (done, reply) = Responder::pair();
    core_track(&t, EventType::Structured, &json, done);
    reply
        .wait()
        .unwrap_or_else(|e| fail(&format!("first event not committed: {e}")));
    let took = start.elapsed();
    stop(t);
    took
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn startup(opts: &Options) {
    let dir = opts.dir();
    let stored = opts.num("stored", 100_000);
    const ATTEMPTS: usize = 5;
    let max_store = stored + 2 * ATTEMPTS + 10;

    let empty = median(
        (0..ATTEMPTS)
            .map(|k| {
                let sub = dir.join(format!("empty-{k}"));
                std::fs::create_dir_all(&sub).unwrap_or_else(|e| fail(&format!("{e}")));
                first_commit(&sub, max_store)
            })
            .collect(),
    );

    let full = dir.join("stored");
    std::fs::create_dir_all(&full).unwrap_or_else(|e| fail(&format!("{e}")));
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let t = CoreSetup {
        endpoint: &endpoint,
        dir: &full,
        max_store,
        session_entity: true,
        auto_events: true,
    }
    .start();
    let commits = Commits::new(Instant::now(), 0);
    for i in 0..stored {
        let json = core_event_json(Kind::Struct, i, "");
        core_track(&t, EventType::Structured, &json, commits.responder(i));
    }
    commits.wait_all(stored);
    stop(t);
    eprintln!("startup: {stored} events stored; {} bytes", db_bytes(&full));

    let with_store = median((0..ATTEMPTS).map(|_| first_commit(&full, max_store)).collect());
    print_result(&json!({
        "part": "startup", "empty_ms": ms(empty), "stored": stored, "stored_ms": ms(with_store),
    }));
}
