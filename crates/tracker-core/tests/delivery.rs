//! Delivery on the injected clock, against the loopback collector: an outage
//! of many simulated minutes, `Retry-After`, and flushes during a backoff
//! (docs/delivery.md). Time moves only when the test moves it; the emitter
//! re-reads a manual clock every 10 ms, so each step is followed by a short
//! real pause for it to act.

mod common;

use common::{Harness, Mode};
use serde_json::json;
use std::time::Duration;

/// Moves the clock `total_ms` forward in steps of `step_ms`, letting the
/// emitter look at each step.
fn pass_time(h: &Harness, total_ms: i64, step_ms: i64) {
    let mut moved = 0;
    while moved < total_ms {
        h.advance_ms(step_ms);
        moved += step_ms;
        std::thread::sleep(Duration::from_millis(15));
    }
}

/// Waits (in real time, bounded) until `check` holds.
fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..500 {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting until {what}");
}

#[test]
fn an_outage_of_half_an_hour_costs_a_dozen_requests_and_loses_nothing() {
    let h = Harness::start(json!({}));
    h.collector.set_mode(Mode::Status(500));
    for i in 0..3 {
        h.structured(&format!("during outage {i}"));
    }
    eventually("the first attempt failed", || {
        h.collector.refused_requests() >= 1
    });
    pass_time(&h, 30 * 60 * 1000, 10_000);
    let attempts = h.collector.refused_requests();
    // Backoff doubles from 1 s (with jitter) to a 10 min cap: about a dozen
    // attempts in 30 min; retrying at every 10 s step would make 180.
    assert!(
        (6..=20).contains(&attempts),
        "{attempts} attempts in 30 simulated minutes"
    );
    let stats = h.stats();
    assert_eq!(stats.queued, 3);
    assert!(
        stats
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("HTTP 500"),
        "{:?}",
        stats.last_error
    );

    // The collector comes back: within one more backoff step everything arrives, once.
    h.collector.set_mode(Mode::Accept);
    pass_time(&h, 11 * 60 * 1000, 10_000);
    eventually("the events arrived", || h.collector.events().len() >= 3);
    let labels: Vec<String> = h
        .sent()
        .iter()
        .map(|e| e.field("se_ac").to_string())
        .collect();
    assert_eq!(
        labels,
        ["during outage 0", "during outage 1", "during outage 2"]
    );
    let stats = h.stats();
    assert_eq!((stats.queued, stats.sent), (0, 3));
    assert_eq!(stats.last_error, None, "a success clears the last error");
}

#[test]
fn retry_after_of_a_429_is_honoured_on_the_clock() {
    let h = Harness::start(json!({}));
    h.collector.set_mode(Mode::RetryAfter(429, 120));
    h.structured("throttled");
    eventually("the first attempt was answered 429", || {
        h.collector.refused_requests() == 1
    });
    h.collector.set_mode(Mode::Accept);
    pass_time(&h, 110_000, 5_000);
    assert_eq!(
        h.collector.requests().len(),
        1,
        "no retry before the 120 s the collector asked for"
    );
    pass_time(&h, 15_000, 5_000);
    eventually("the retry after Retry-After", || {
        h.collector.events().len() == 1
    });
    assert_eq!(h.collector.requests().len(), 2);
}

#[test]
fn a_flush_during_a_backoff_does_not_lengthen_it() {
    let h = Harness::start(json!({}));
    h.collector.set_mode(Mode::Status(503));
    h.structured("a");
    eventually("the first attempt failed", || {
        h.collector.refused_requests() == 1
    });
    // Let two more scheduled retries fail: the backoff step is now 4 s.
    pass_time(&h, 3_100, 100);
    eventually("two retries", || h.collector.refused_requests() >= 3);
    let before = h.collector.refused_requests();
    for _ in 0..5 {
        assert!(h.try_flush().is_err(), "flush reports the failure");
    }
    assert_eq!(
        h.collector.refused_requests(),
        before + 5,
        "each flush tried at once"
    );
    // Five more doublings would put the next retry 2 minutes away; the
    // schedule kept is at most 4 s away.
    h.collector.set_mode(Mode::Accept);
    pass_time(&h, 4_100, 100);
    eventually("the scheduled retry", || h.collector.events().len() == 1);
}

#[test]
fn moving_to_the_background_or_foreground_sends_at_once_even_during_a_backoff() {
    let h = Harness::start(json!({}));
    h.collector.set_mode(Mode::RetryAfter(503, 600));
    h.structured("queued");
    eventually("the first attempt failed", || {
        h.collector.refused_requests() == 1
    });
    // The next retry is 10 minutes away on the clock, which does not move.
    h.collector.set_mode(Mode::Accept);
    h.background();
    eventually("sent on going to the background", || {
        h.collector.events().len() == 2
    });
    assert_eq!(
        h.sent()
            .iter()
            .map(|e| e.field("e").to_string())
            .collect::<Vec<_>>(),
        ["se", "ue"]
    );
    h.collector.set_mode(Mode::RetryAfter(503, 600));
    h.structured("in the background");
    eventually("that attempt failed", || {
        h.collector.refused_requests() == 2
    });
    h.collector.set_mode(Mode::Accept);
    h.foreground();
    eventually("sent on coming back", || h.collector.events().len() == 4);
}

#[test]
fn a_backlog_goes_out_in_full_requests_in_order() {
    // About a dozen events fit in 10 000 bytes, fewer than emitRange: the
    // byte limit decides. Reading one emitRange per request used to leave a
    // small tail request after each (25 read: 12 + 12 + 1).
    let limit = 10_000;
    let h = Harness::start(json!({"emitterConfig": {"emitRange": 25, "byteLimitPost": limit}}));
    h.collector.set_mode(Mode::RetryAfter(503, 600));
    let n = 110;
    for i in 0..n {
        h.structured(&format!("backlog {i:03}"));
    }
    eventually("the first attempt failed", || {
        h.collector.refused_requests() >= 1
    });
    h.collector.set_mode(Mode::Accept);
    h.try_flush().expect("flush");
    eventually("every event arrived", || h.collector.events().len() == n);
    let sizes = h.collector.accepted_sizes();
    let labels: Vec<String> = h
        .sent()
        .iter()
        .map(|e| e.field("se_ac").to_string())
        .collect();
    let expected: Vec<String> = (0..n).map(|i| format!("backlog {i:03}")).collect();
    assert_eq!(labels, expected, "in the order tracked, each once");
    let largest_event = sizes.iter().map(|&(e, b)| b.div_ceil(e)).max().unwrap();
    // Every request but the last is full: emitRange events, or no room for
    // one more event (its bytes, stm and a comma) under the byte limit.
    for (i, &(events, bytes)) in sizes.iter().enumerate().take(sizes.len() - 1) {
        assert!(bytes <= limit, "request {i}: {bytes} bytes over the limit");
        assert!(
            events == 25 || bytes + largest_event + 40 > limit,
            "request {i} of {sizes:?} had room for more: {events} events, {bytes} bytes"
        );
    }
    let total: usize = sizes.iter().map(|s| s.1).sum();
    assert!(
        sizes.len() <= total.div_ceil(limit - largest_event - 40) + 1,
        "{} requests for {total} bytes: {sizes:?}",
        sizes.len()
    );
}

/// Tracks `n` events, one per request (`emitRange` 1), flushes, and checks
/// that they arrived in `n` requests over a single connection.
fn sends_one_request_each_on_one_connection(h: &Harness, n: usize, why: &str) {
    for i in 0..n {
        h.structured(&format!("e{i}"));
    }
    h.try_flush().expect("flush");
    eventually("every event arrived", || h.collector.events().len() == n);
    assert_eq!(h.collector.accepted_requests(), n as u64);
    assert_eq!(h.collector.connections(), 1, "{why}");
}

#[test]
fn requests_share_one_connection() {
    // One event per request: 40 requests. The collector's answer has to be
    // read to its end for the connection to be used again; left unread, each
    // request opened a connection of its own.
    let h = Harness::start(json!({"emitterConfig": {"emitRange": 1}}));
    sends_one_request_each_on_one_connection(&h, 40, "one keep-alive connection for every request");
}

#[test]
fn a_host_name_endpoint_is_resolved_and_its_connection_kept() {
    let mut h = Harness::start(json!({}));
    let port = h
        .collector
        .endpoint()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    h.restart(
        json!({"networkConfig": {"endpoint": format!("http://localhost:{port}")}, "emitterConfig": {"emitRange": 1}}),
        false,
    );
    sends_one_request_each_on_one_connection(&h, 10, "resolved once, one connection");
}

#[test]
fn a_long_pass_removes_what_arrived_at_least_every_second() {
    // One event per request, 16 requests in one pass, and each request takes
    // 600 ms on the clock: what arrived is removed every second
    // (REMOVAL_INTERVAL_MS), not only at the end of the pass, so a process
    // killed in the middle of a slow pass sends little again.
    let h = Harness::start(json!({"emitterConfig": {"emitRange": 1}}));
    h.collector.set_mode(Mode::RetryAfter(503, 600));
    for i in 0..16 {
        h.structured(&format!("slow {i}"));
    }
    eventually("the first attempt failed", || {
        h.collector.refused_requests() >= 1
    });
    // Queued when request k arrives: removals after requests 2, 4, 6, ...
    // (1,200 ms, 2,400 ms, ... on the clock).
    let expected: Vec<i64> = (0..16).map(|k| 16 - 2 * (k / 2)).collect();
    let queued = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (clock, db, seen) = (h.clock.clone(), h.db_path(), std::sync::Arc::clone(&queued));
    let want = expected.clone();
    h.collector.on_accept(move || {
        // The emitter hands what arrived to the writer, which removes it with
        // its next commit: while this request is answered, the queue must
        // come down to what is expected (and stays above it when the removal
        // was not handed before the request).
        let reader = rusqlite::Connection::open(&db).expect("read the queue");
        let mut seen = seen.lock().unwrap();
        let goal = want.get(seen.len()).copied().unwrap_or(0);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        let n = loop {
            let n: i64 = reader
                .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
                .expect("count");
            if n <= goal || std::time::Instant::now() > deadline {
                break n;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        seen.push(n);
        clock.advance_ms(600);
    });
    h.collector.set_mode(Mode::Accept);
    h.try_flush().expect("flush");
    eventually("every event arrived", || h.collector.events().len() == 16);
    let queued = queued.lock().unwrap().clone();
    assert_eq!(queued, expected);
    assert_eq!(h.stats().queued, 0);
}

#[test]
fn an_endpoint_whose_host_does_not_resolve_keeps_its_events_and_says_why() {
    // `.invalid` never resolves (RFC 2606).
    let mut h = Harness::start(json!({}));
    h.restart(
        json!({"networkConfig": {"endpoint": "http://no-such-host.invalid:9"}}),
        false,
    );
    h.structured("unsendable");
    for _ in 0..2 {
        let e = h.try_flush().expect_err("nothing can be sent");
        assert_eq!(e.code(), "NETWORK", "{e}");
    }
    let stats = h.stats();
    assert_eq!(stats.queued, 1, "the event stays queued");
    let error = stats.last_error.unwrap_or_default();
    assert!(error.contains("no-such-host.invalid"), "{error}");
    assert!(h.collector.requests().is_empty());
}

/// Tracks a structured event whose request the collector holds, and stops
/// the tracker while it is out; sending on the returned channel lets the
/// collector answer.
fn stop_with_a_request_out(h: &mut Harness, action: &str) -> std::sync::mpsc::Sender<()> {
    let (entered_tx, entered_rx) = std::sync::mpsc::channel::<()>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let mut held = Some((entered_tx, release_rx));
    h.collector.on_accept(move || {
        if let Some((entered, release)) = held.take() {
            let _ = entered.send(());
            let _ = release.recv_timeout(Duration::from_secs(10));
        }
    });
    h.structured(action);
    entered_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the request reached the collector");
    h.stop();
    release_tx
}

#[test]
fn what_arrives_after_its_tracker_stopped_is_removed_by_the_old_emitter() {
    // The emitter hands what the collector received to the writer, which
    // removes it with its next commit. Here the answer comes only after the
    // tracker stopped (its writer is gone): the old emitter removes the events
    // itself, so the next tracker of the namespace does not send them again.
    let mut h = Harness::start(json!({}));
    let release_tx = stop_with_a_request_out(&mut h, "answered late");
    release_tx.send(()).expect("release the answer");
    let db = h.db_path();
    eventually("the old emitter removed what arrived", || {
        let reader = rusqlite::Connection::open(&db).expect("read the queue");
        reader
            .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
            .expect("count")
            == 0
    });
    let arrived = h.collector.events().len();
    assert!(arrived >= 1, "the held request's events arrived");
    h.launch(json!({}), false);
    h.try_flush().expect("flush");
    let eids: std::collections::HashSet<String> = h
        .collector
        .events()
        .iter()
        .map(|e| e["eid"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(eids.len(), arrived, "nothing was sent again");
    assert_eq!(h.collector.events().len(), arrived);
    let stats = h.stats();
    assert_eq!((stats.queued, stats.sent), (0, arrived as u64));
}

/// The files under `dir` this process has open (Linux: /proc/self/fd).
#[cfg(target_os = "linux")]
fn open_files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    std::fs::read_dir("/proc/self/fd")
        .expect("list this process's descriptors")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.starts_with(&dir))
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn a_stopped_tracker_has_closed_its_files_when_the_stop_is_answered() {
    // The app may delete its data directory (a JUnit @TempDir does) as soon
    // as removeTracker resolved: neither the writer's connection nor the
    // emitter's may still be open then, or be opened later (which would
    // create the -wal and -shm files again under a directory being deleted).
    // No request is in flight at these stops (what one delivers after a stop
    // is recorded when it returns: see the test above).
    let mut h = Harness::start(json!({}));
    for round in 0..20 {
        // The emitter's connection is open: it sent, or it failed and waits
        // to retry with events queued.
        let down = round % 2 == 1;
        h.collector.set_mode(if down {
            Mode::Status(503)
        } else {
            Mode::Accept
        });
        h.structured("tracked");
        assert_eq!(h.try_flush().is_err(), down, "round {round}");
        h.stop();
        let open = open_files_under(&h.dir);
        assert!(
            open.is_empty(),
            "round {round}: still open after the stop: {open:?}"
        );
        h.launch(json!({}), false);
    }
    h.stop();
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        open_files_under(&h.dir).is_empty(),
        "nothing opened after the stop"
    );
    assert_eq!(
        h.db_events().len(),
        1,
        "the last round's event stays queued"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_request_out_at_the_stop_creates_no_file_after_it() {
    // The app deletes the tracker's files as soon as the stop is answered
    // (a JUnit @TempDir does, one file after the other) while a request is
    // still out: when it returns, the old emitter records it on the
    // connection it kept, and no file is created again. Here the database
    // file itself is left, as if the deletion had not reached it yet: a new
    // connection to it would create the -wal and -shm files again.
    let mut h = Harness::start(json!({}));
    let release_tx = stop_with_a_request_out(&mut h, "answered after the files are gone");
    let db = h.db_path();
    let others = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&h.dir)
            .expect("list the directory")
            .map(|e| e.expect("entry").path())
            .filter(|p| *p != db)
            .collect()
    };
    for f in others() {
        std::fs::remove_file(&f).expect("delete a file after the stop");
    }
    // Files created under the directory from now on, even for a moment.
    let created = CreatedFiles::watch(&h.dir);
    release_tx.send(()).expect("release the answer");
    eventually("the old emitter closed its connection", || {
        open_files_under(&h.dir).is_empty()
    });
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        created.names(),
        Vec::<String>::new(),
        "nothing was created again"
    );
    assert_eq!(others(), Vec::<std::path::PathBuf>::new());
    assert_eq!(h.collector.events().len(), 1, "the request was answered");
}

/// The names of the files created in a directory while this watches it
/// (Linux inotify, `IN_CREATE`).
#[cfg(target_os = "linux")]
struct CreatedFiles(i32);

#[cfg(target_os = "linux")]
impl CreatedFiles {
    fn watch(dir: &std::path::Path) -> CreatedFiles {
        use std::os::unix::ffi::OsStrExt;
        let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).expect("a path");
        // SAFETY: plain system calls on a descriptor this owns.
        unsafe {
            let fd = libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC);
            assert!(fd >= 0, "inotify_init1");
            assert!(
                libc::inotify_add_watch(fd, path.as_ptr(), libc::IN_CREATE) >= 0,
                "inotify_add_watch"
            );
            CreatedFiles(fd)
        }
    }

    fn names(&self) -> Vec<String> {
        let mut buf = vec![0u8; 64 * 1024];
        // SAFETY: reads into a buffer this owns; the events are parsed within what was read.
        let n = unsafe { libc::read(self.0, buf.as_mut_ptr().cast(), buf.len()) };
        let mut names = Vec::new();
        let mut at = 0usize;
        let header = std::mem::size_of::<libc::inotify_event>();
        while n > 0 && at + header <= n as usize {
            let len = u32::from_ne_bytes(buf[at + 12..at + 16].try_into().expect("len")) as usize;
            let name = &buf[at + header..at + header + len];
            let end = name.iter().position(|b| *b == 0).unwrap_or(len);
            names.push(String::from_utf8_lossy(&name[..end]).into_owned());
            at += header + len;
        }
        names
    }
}

#[cfg(target_os = "linux")]
impl Drop for CreatedFiles {
    fn drop(&mut self) {
        // SAFETY: closes the descriptor this owns, once.
        unsafe { libc::close(self.0) };
    }
}
