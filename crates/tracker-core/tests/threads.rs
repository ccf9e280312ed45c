//! The writer and emitter threads of a running tracker run at background
//! priority (`priority`), read from the kernel's view of this process's
//! threads, so the caller's thread is never the one that waits for them.
#![cfg(target_os = "linux")]

use serde_json::json;
use std::sync::mpsc;
use std::time::Duration;
use tracker_core::priority::BACKGROUND_NICENESS;
use tracker_core::registry::{self, Answer};
use tracker_core::{Failure, PlatformDefaults};

fn answer(call: impl FnOnce(Answer)) -> Result<String, Failure> {
    let (tx, rx) = mpsc::channel();
    call(Box::new(move |r| {
        let _ = tx.send(r);
    }));
    rx.recv_timeout(Duration::from_secs(30)).expect("answered")
}

/// (thread name, niceness) of every thread of this process.
fn threads() -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc/self/task").expect("/proc") {
        let dir = entry.unwrap().path();
        let (Ok(comm), Ok(stat)) = (
            std::fs::read_to_string(dir.join("comm")),
            std::fs::read_to_string(dir.join("stat")),
        ) else {
            continue; // the thread ended meanwhile
        };
        // Fields after the name in parentheses: state is field 3, nice is 19.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let nice: i32 = rest.split(' ').nth(16).unwrap().parse().unwrap();
        out.push((comm.trim().to_string(), nice));
    }
    out
}

#[test]
fn writer_and_emitter_run_at_background_priority_and_the_caller_does_not() {
    let dir = std::env::temp_dir().join(format!("tracker-threads-{}", std::process::id()));
    let config = json!({"networkConfig": {"endpoint": "http://127.0.0.1:9"}, "storage": {"directory": dir.to_string_lossy()}}).to_string();
    let ns = "threads-ns";
    let caller = threads()
        .into_iter()
        .map(|(_, n)| n)
        .min()
        .expect("some thread");
    answer(|a| registry::create_tracker(ns, &config, &PlatformDefaults::default(), a)).expect("created");
    answer(|a| registry::call_tracker(ns, "trackScreenViewEvent", r#"[{"name":"x"}]"#, a)).expect("tracked");
    let all = threads();
    let ours: Vec<&(String, i32)> = all
        .iter()
        .filter(|(name, _)| name.starts_with("rn-tracker-writ") || name.starts_with("rn-tracker-emit"))
        .collect();
    assert!(ours.iter().any(|(n, _)| n.starts_with("rn-tracker-writ")), "a writer thread in {all:?}");
    assert!(ours.iter().any(|(n, _)| n.starts_with("rn-tracker-emit")), "an emitter thread in {all:?}");
    for (name, nice) in ours {
        assert_eq!(*nice, BACKGROUND_NICENESS.max(caller), "{name} in {all:?}");
    }
    let me = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    let nice: i32 = me[me.rfind(')').unwrap() + 2..].split(' ').nth(16).unwrap().parse().unwrap();
    assert_eq!(nice, caller, "the caller's thread keeps its priority");
    answer(|a| registry::remove_tracker(ns, a)).expect("removed");
    let _ = std::fs::remove_dir_all(dir);
}
