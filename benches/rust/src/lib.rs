//! What the benchmark binaries share: the events every runner tracks, the
//! statistics they report, the process's own CPU time and memory, and a
//! minimal client for the loopback collector's `/stats` and `/reset`.
//!
//! The events and the `RESULT` line follow the runner protocol that every
//! peer's runner (Rust core, Rust crate, Node API, node-tracker) implements,
//! so that their figures can be set side by side in one table.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Which event the runners track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A structured event: category "bench", action "track", label
    /// "event <i>", property "p", value i.
    Struct,
    /// A screen view named "Screen <i % 20>", type "feed", with a v4 id.
    Screen,
}

impl Kind {
    /// Parses `struct` or `screen`.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "struct" => Some(Kind::Struct),
            "screen" => Some(Kind::Screen),
            _ => None,
        }
    }

    /// The name used in `RESULT` lines.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Struct => "struct",
            Kind::Screen => "screen",
        }
    }
}

/// The JSON argument of this project's `track*` call for event `i`, exactly
/// as a platform layer hands it to the core (`{"event": {...}}`). `screen_id`
/// is the screen view's id, made before timing starts.
pub fn core_event_json(kind: Kind, i: usize, screen_id: &str) -> String {
    // Written directly, the text serde_json makes of the same object (a
    // test checks): what the runner does between two calls counts in its
    // events/s and CPU, and a map of values per event cost about as much
    // as the track call.
    match kind {
        Kind::Struct => format!(
            r#"{{"event":{{"action":"track","category":"bench","label":"event {i}","property":"p","value":{i}}}}}"#
        ),
        Kind::Screen => format!(
            r#"{{"event":{{"id":"{screen_id}","name":"Screen {}","type":"feed"}}}}"#,
            i % 20
        ),
    }
}

/// The calls that blocked the caller over 1 ms, and how many of them the
/// scheduler preempted: the calling thread was switched out involuntarily
/// during the call (Linux counts this per thread; elsewhere no call is
/// known to have been). A preempted call's time is mostly another thread's
/// or process's turn on the CPU, not the tracker's work. A call that
/// waited (switched out voluntarily: a lock held by another thread) is the
/// tracker's; one that did neither ran all along, or its virtual CPU was
/// paused by the host (steal time, which the guest does not count).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SlowCalls {
    /// Calls over 1 ms.
    pub over_1ms: u64,
    /// Of those, the ones preempted.
    pub preempted: u64,
    /// Of those, the ones not preempted that waited.
    pub waited: u64,
}

impl SlowCalls {
    /// Runs `call` and returns when it started and how long it took,
    /// counting it when over 1 ms. The count of switches is read before the
    /// clock starts, and again only after a slow call.
    pub fn time(&mut self, call: impl FnOnce()) -> (Instant, Duration) {
        let (involuntary, voluntary) = switches();
        let start = Instant::now();
        call();
        let took = start.elapsed();
        if took > Duration::from_millis(1) {
            self.over_1ms += 1;
            let after = switches();
            if after.0 > involuntary {
                self.preempted += 1;
            } else if after.1 > voluntary {
                self.waited += 1;
            }
        }
        (start, took)
    }

    /// The `slow_calls` field of a `RESULT` line.
    pub fn to_json(self) -> Value {
        json!({"over_1ms": self.over_1ms, "preempted": self.preempted, "waited": self.waited})
    }
}

/// How many times this thread was switched out so far: involuntarily
/// (preempted) and voluntarily (it waited).
#[cfg(target_os = "linux")]
fn switches() -> (i64, i64) {
    // SAFETY: getrusage writes the struct it is given, zeroed here.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) } == 0 {
        (usage.ru_nivcsw as i64, usage.ru_nvcsw as i64)
    } else {
        (0, 0)
    }
}

#[cfg(not(target_os = "linux"))]
fn switches() -> (i64, i64) {
    (0, 0)
}

/// Summary of a set of durations, in the unit they were given in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Arithmetic mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
    /// Largest value.
    pub max: f64,
}

impl Summary {
    /// Summarises `values` (sorted in place); `None` when there are none.
    pub fn of(values: &mut [f64]) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let rank = |p: f64| values[((p * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
        Some(Summary {
            mean: values.iter().sum::<f64>() / values.len() as f64,
            p50: rank(0.50),
            p99: rank(0.99),
            max: values[values.len() - 1],
        })
    }

    /// `{"mean":..,"p50":..,"p99":..,"max":..}`, rounded to 0.01.
    pub fn to_json(self) -> Value {
        json!({
            "mean": round2(self.mean), "p50": round2(self.p50),
            "p99": round2(self.p99), "max": round2(self.max),
        })
    }
}

/// `v` rounded to two decimals.
pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Microseconds in `d`, as a float.
pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Milliseconds in `d`, as a float rounded to 0.01.
pub fn ms(d: Duration) -> f64 {
    round2(d.as_secs_f64() * 1e3)
}

/// User plus system CPU time of this process (all threads), in ms, and its
/// peak resident set size in KiB, from `getrusage(RUSAGE_SELF)`.
pub fn self_usage() -> (f64, u64) {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    (round2(tv(ru.ru_utime) + tv(ru.ru_stime)), ru.ru_maxrss as u64)
}

/// This process's resident set high-water mark (`VmHWM`) in KiB. Unlike
/// `ru_maxrss` it can be sampled at a point of interest (e.g. while a
/// backlog is queued) and compared with the final peak.
pub fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Prints one `RESULT {json}` line on stdout, the only thing the runners
/// print there.
pub fn print_result(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "RESULT {v}");
    let _ = out.flush();
}

/// A client of the loopback collector (`host:port`, from `http://host:port`).
#[derive(Debug, Clone)]
pub struct Collector {
    addr: String,
}

impl Collector {
    /// `url` is `http://127.0.0.1:<port>` (a trailing slash is allowed).
    pub fn new(url: &str) -> Collector {
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        Collector { addr }
    }

    /// The collector's counters (`/stats`).
    pub fn stats(&self) -> std::io::Result<Value> {
        let body = self.request("GET", "/stats")?;
        serde_json::from_str(&body).map_err(|e| std::io::Error::other(e.to_string()))
    }

    /// The collector's `unique` counter, 0 if it cannot be read.
    pub fn unique(&self) -> u64 {
        self.stats()
            .ok()
            .and_then(|s| s["unique"].as_u64())
            .unwrap_or(0)
    }

    /// Zeroes the collector's counters (`POST /reset`).
    pub fn reset(&self) -> std::io::Result<()> {
        self.request("POST", "/reset").map(|_| ())
    }

    /// Polls `/stats` every 5 ms until `unique >= n` or `limit` has passed;
    /// returns whether every event arrived.
    pub fn wait_unique(&self, n: u64, limit: Duration) -> bool {
        let start = Instant::now();
        loop {
            if self.unique() >= n {
                return true;
            }
            if start.elapsed() >= limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn request(&self, method: &str, path: &str) -> std::io::Result<String> {
        let mut s = TcpStream::connect(&self.addr)?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.addr
        )?;
        let mut text = String::new();
        s.read_to_string(&mut text)?;
        match text.split_once("\r\n\r\n") {
            Some((head, body)) if head.starts_with("HTTP/1.1 200") => Ok(body.to_string()),
            _ => Err(std::io::Error::other(format!("bad answer to {path}: {text}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Summary::of(&mut v).unwrap();
        assert_eq!((s.p50, s.p99, s.max, s.mean), (50.0, 99.0, 100.0, 50.5));
        assert_eq!(Summary::of(&mut []), None);
    }

    #[test]
    fn a_call_over_1_ms_is_counted_and_at_most_once_preempted() {
        let mut slow = SlowCalls::default();
        let (_, took) = slow.time(|| std::thread::sleep(Duration::from_millis(3)));
        assert!(took >= Duration::from_millis(3));
        assert_eq!(slow.over_1ms, 1);
        // A sleep is a wait, unless the thread was also preempted.
        assert_eq!(slow.preempted + slow.waited, 1);
        assert_eq!(slow.to_json()["over_1ms"], 1);
    }

    #[test]
    fn events_are_serde_s_text() {
        let id = "4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c";
        for i in [0, 7, 27, 123_456] {
            let made = json!({"event": {
                "category": "bench", "action": "track", "label": format!("event {i}"),
                "property": "p", "value": i,
            }});
            assert_eq!(core_event_json(Kind::Struct, i, id), made.to_string());
            let made = json!({"event": {
                "name": format!("Screen {}", i % 20), "type": "feed", "id": id,
            }});
            assert_eq!(core_event_json(Kind::Screen, i, id), made.to_string());
        }
    }

    #[test]
    fn events_are_the_protocol_s() {
        let v: Value = serde_json::from_str(&core_event_json(Kind::Struct, 7, "")).unwrap();
        assert_eq!(v["event"]["label"], "event 7");
        assert_eq!(v["event"]["value"], 7);
        let v: Value = serde_json::from_str(&core_event_json(Kind::Screen, 27, "x")).unwrap();
        assert_eq!(v["event"]["name"], "Screen 7");
    }
}
