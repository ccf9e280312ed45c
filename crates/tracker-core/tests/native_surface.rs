//! The fixed native surface (`registry`) and the method table behind
//! `callTracker`, as a platform sees them: JSON replies, error codes with the
//! method's name, sessions in the replies, and event times read in call
//! order (docs/sessions.md §5, §6).

use serde_json::{json, Value};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{mpsc, Arc};
use tracker_core::registry::{self, Answer};
use tracker_core::store::{database_path, Store};
use tracker_core::{Clock, Config, Failure, Method, PlatformDefaults, Responder, Tracker, TrackerOptions};

/// Makes a call and waits for its answer, parsed.
fn answer(call: impl FnOnce(Answer)) -> Result<Value, Failure> {
    let (tx, rx) = mpsc::channel();
    call(Box::new(move |r| {
        let _ = tx.send(r);
    }));
    let r = rx.recv_timeout(std::time::Duration::from_secs(20)).expect("answered");
    r.map(|json| serde_json::from_str(&json).expect("the reply is JSON"))
}

/// The app state is process-wide: tests that set it or read it take turns.
static APP_STATE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("native-surface-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn config(dir: &std::path::Path, session: Value) -> String {
    json!({
        "networkConfig": {"endpoint": "http://127.0.0.1:9"},
        "sessionConfig": session,
        "storage": {"directory": dir.to_string_lossy()},
    })
    .to_string()
}

fn call(ns: &str, method: &str, args: Value) -> Result<Value, Failure> {
    answer(|a| registry::call_tracker(ns, method, &args.to_string(), a))
}

#[test]
fn every_method_of_the_table_is_found_by_its_name() {
    let names: Vec<&str> = Method::ALL.iter().map(|m| m.name()).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "names are unique");
    for m in Method::ALL {
        assert_eq!(Method::from_name(m.name()), Ok(m));
    }
    assert!(names.contains(&"pauseSessionChecking") && names.contains(&"resumeSessionChecking"));
    assert_eq!(Method::from_name("trackscreenviewevent").unwrap_err().code(), "UNKNOWN_METHOD");
}

#[test]
fn replies_are_json_with_the_methods_value() {
    let _turn = APP_STATE.lock().unwrap_or_else(|p| p.into_inner());
    let dir = temp_dir("replies");
    let ns = "surface_replies";
    let created = answer(|a| registry::create_tracker(ns, &config(&dir, json!({})), &PlatformDefaults::default(), a));
    assert_eq!(created, Ok(json!({"value": null})));
    assert_eq!(call(ns, "getSessionId", json!([])), Ok(json!({"value": null})), "no session before the first event");
    assert_eq!(call(ns, "trackScreenViewEvent", json!([{"name": "Home"}, null])), Ok(json!({"value": null})));
    assert_eq!(call(ns, "getSessionIndex", json!([])), Ok(json!({"value": 1})));
    assert_eq!(call(ns, "getIsInBackground", json!([])), Ok(json!({"value": false})));
    assert_eq!(call(ns, "getForegroundIndex", json!([])), Ok(json!({"value": 0})));
    let user = call(ns, "getSessionUserId", json!([])).unwrap();
    assert_eq!(user["value"].as_str().map(str::len), Some(36));
    assert_eq!(call(ns, "pauseSessionChecking", json!([])), Ok(json!({"value": null})));
    assert_eq!(call(ns, "resumeSessionChecking", json!([])), Ok(json!({"value": null})));
    assert_eq!(answer(|a| registry::remove_tracker(ns, a)), Ok(json!({"value": true})));
    assert_eq!(answer(|a| registry::remove_tracker(ns, a)), Ok(json!({"value": false})));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_calls_fail_with_the_code_and_the_method_name() {
    let dir = temp_dir("bad");
    let ns = "surface_bad";
    answer(|a| registry::create_tracker(ns, &config(&dir, json!({})), &PlatformDefaults::default(), a)).unwrap();
    let fail = |method: &str, args: &str| answer(|a| registry::call_tracker(ns, method, args, a)).unwrap_err();
    let f = fail("explode", "[]");
    assert_eq!((f.code, f.message.as_str()), ("UNKNOWN_METHOD", "explode: unknown tracker method \"explode\""));
    let f = fail("getSessionId", "{}");
    assert_eq!(f.code, "INVALID_ARGUMENT");
    assert_eq!(f.message, "getSessionId: invalid argument: arguments must be a JSON array, got an object");
    let f = fail("flush", "not json");
    assert_eq!(f.code, "INVALID_ARGUMENT");
    assert!(f.message.starts_with("flush: invalid argument: arguments are not valid JSON"), "{}", f.message);
    let f = fail("trackStructuredEvent", r#"[{"category":"c","action":"a"},[],3]"#);
    assert_eq!(f.message, "trackStructuredEvent: invalid argument: trackStructuredEvent takes at most 2 argument(s), got 3");
    let f = fail("trackStructuredEvent", r#"[{"category":"c"}]"#);
    assert_eq!((f.code, f.message.as_str()), ("INVALID_EVENT", "trackStructuredEvent: invalid event: structured.action is required"));
    let f = answer(|a| registry::call_tracker("surface_never", "flush", "[]", a)).unwrap_err();
    assert_eq!(f.code, "UNKNOWN_TRACKER");
    // A creation that failed keeps its error for every later call, under that call's name.
    let bad = r#"{"networkConfig":{"endpoint":"ftp://c"}}"#;
    let f = answer(|a| registry::create_tracker("surface_failed", bad, &PlatformDefaults::default(), a)).unwrap_err();
    assert_eq!(f.code, "INVALID_CONFIG");
    assert!(f.message.starts_with("createTracker: invalid configuration: networkConfig.endpoint must use http or https"));
    let f = answer(|a| registry::call_tracker("surface_failed", "getSessionIndex", "[]", a)).unwrap_err();
    assert_eq!(f.code, "INVALID_CONFIG");
    assert!(f.message.starts_with("getSessionIndex: invalid configuration: networkConfig.endpoint"), "{}", f.message);
    assert_eq!(answer(|a| registry::remove_tracker("surface_failed", a)), Ok(json!({"value": true})));
    assert_eq!(answer(|a| registry::call_tracker("surface_failed", "flush", "[]", a)).unwrap_err().code, "UNKNOWN_TRACKER");
    answer(|a| registry::remove_tracker(ns, a)).unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sessions_travel_in_the_reply_of_the_call_that_started_them_when_asked_for() {
    let dir = temp_dir("sessions");
    for (ns, flag) in [("surface_with_flag", true), ("surface_without_flag", false)] {
        let session = if flag { json!({"onSessionUpdate": true}) } else { json!({}) };
        answer(|a| registry::create_tracker(ns, &config(&dir, session), &PlatformDefaults::default(), a)).unwrap();
        let first = call(ns, "trackScreenViewEvent", json!([{"name": "A"}])).unwrap();
        let second = call(ns, "trackScreenViewEvent", json!([{"name": "B"}])).unwrap();
        call(ns, "startNewSession", json!([])).unwrap();
        let third = call(ns, "trackStructuredEvent", json!([{"category": "c", "action": "a"}])).unwrap();
        if flag {
            let s1 = &first["sessions"][0];
            assert_eq!(s1["namespace"], ns);
            assert_eq!(s1["session"]["sessionIndex"], 1);
            assert_eq!(s1["session"]["eventIndex"], 1);
            assert_eq!(s1["session"]["previousSessionId"], Value::Null);
            assert_eq!(second, json!({"value": null}), "a call that starts no session carries none");
            assert_eq!(third["sessions"][0]["session"]["sessionIndex"], 2);
            assert_eq!(third["sessions"][0]["session"]["previousSessionId"], s1["session"]["sessionId"]);
            assert_eq!(third["sessions"].as_array().map(Vec::len), Some(1));
        } else {
            for reply in [first, second, third] {
                assert_eq!(reply, json!({"value": null}));
            }
        }
        answer(|a| registry::remove_tracker(ns, a)).unwrap();
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A clock that moves forward by one millisecond at every reading, so any
/// two readings differ and their order is visible in the events.
struct Ticking(AtomicI64);

impl Clock for Ticking {
    fn now_ms(&self) -> i64 {
        self.0.fetch_add(1, Ordering::SeqCst)
    }
}

#[test]
fn event_times_follow_queue_order_whatever_thread_calls() {
    // docs/sessions.md §5.3, §5.4: the time is read under the lock that
    // orders the queue, so four threads tracking at once still give times
    // that only go up in queue order, and the session sees no clock going back.
    let dir = temp_dir("ticking");
    let mut json: Value = serde_json::from_str(&config(&dir, json!({"foregroundTimeout": 3600}))).unwrap();
    json["emitterConfig"] = json!({"maxEventStoreSize": 10_000});
    // The install event shares the first event's time: this test is about the app's events.
    json["trackerConfig"] = json!({"installAutotracking": false});
    let json = json.to_string();
    let parsed = Config::from_json(&json, &PlatformDefaults::default()).unwrap();
    let options = TrackerOptions { clock: Arc::new(Ticking(AtomicI64::new(1_700_000_000_000))), ..TrackerOptions::default() };
    let (ready, r) = Responder::pair();
    let tracker = Arc::new(Tracker::start("surface_ticking", parsed, options, ready).unwrap());
    r.wait().unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let tracker = Arc::clone(&tracker);
            std::thread::spawn(move || {
                let replies: Vec<_> = (0..500)
                    .map(|i| {
                        let (done, reply) = Responder::pair();
                        let args = format!(r#"{{"event":{{"category":"t{t}","action":"{i}"}}}}"#);
                        tracker.track_json(tracker_core::EventType::Structured, &args, done);
                        reply
                    })
                    .collect();
                replies.into_iter().for_each(|r| r.wait().unwrap());
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let (done, reply) = Responder::pair();
    tracker.session_info(done);
    assert_eq!(reply.wait().unwrap().session_index, Some(1), "one session: the clock never seemed to go back");
    let (done, reply) = Responder::pair();
    tracker.stop(done);
    reply.wait().unwrap();

    let mut store = Store::open_existing(&database_path(&dir, "surface_ticking")).unwrap();
    let events = store.read_batch(10_000, &Default::default()).unwrap();
    assert_eq!(events.len(), 2000);
    let dtm: Vec<i64> = events
        .iter()
        .map(|e| serde_json::from_str::<Value>(&e.payload).unwrap()["dtm"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(dtm.windows(2).all(|w| w[0] < w[1]), "dtm strictly increases in queue order");
    let _ = std::fs::remove_dir_all(dir);
}

/// A collector that holds its first request unanswered until told to answer.
struct HeldCollector {
    url: String,
    arrived: mpsc::Receiver<()>,
    release: mpsc::Sender<()>,
}

fn held_collector() -> HeldCollector {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (arrived_tx, arrived) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0u8; 65536];
        let _ = conn.read(&mut buf);
        let _ = arrived_tx.send(());
        let _ = release_rx.recv();
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
    HeldCollector { url, arrived, release }
}

#[test]
fn a_later_reply_never_overtakes_the_set_app_state_reply_that_carries_an_earlier_session() {
    // docs/sessions.md §6.1, §6.3: onSessionUpdate in session order even when
    // setAppState waits for a slow tracker. Tracker "slow" is re-created while
    // its predecessor's emitter is stuck in a held request, so it answers
    // nothing until the request is answered.
    let _turn = APP_STATE.lock().unwrap_or_else(|p| p.into_inner());
    let dir = temp_dir("gate");
    let held = held_collector();
    let slow_config = json!({
        "networkConfig": {"endpoint": held.url},
        "storage": {"directory": dir.to_string_lossy()},
    })
    .to_string();
    answer(|a| registry::create_tracker("gate_slow", &slow_config, &PlatformDefaults::default(), a)).unwrap();
    call("gate_slow", "trackScreenViewEvent", json!([{"name": "x"}])).unwrap();
    held.arrived.recv().unwrap();
    let (tx, rx) = mpsc::channel::<(String, Value)>();
    let recorder = |label: &'static str| -> Answer {
        let tx = tx.clone();
        Box::new(move |r| {
            let _ = tx.send((label.to_string(), r.map(|j| serde_json::from_str(&j).unwrap()).unwrap_or(Value::Null)));
        })
    };
    registry::create_tracker("gate_slow", &slow_config, &PlatformDefaults::default(), recorder("slow re-created"));
    let fast_config = config(&dir, json!({"onSessionUpdate": true}));
    answer(|a| registry::create_tracker("gate_fast", &fast_config, &PlatformDefaults::default(), a)).unwrap();

    // The Background event is the fast tracker's first event: it begins session 1.
    registry::set_app_state("background", recorder("setAppState"));
    registry::call_tracker("gate_fast", "startNewSession", "[]", recorder("startNewSession"));
    registry::call_tracker("gate_fast", "trackScreenViewEvent", r#"[{"name":"y"}]"#, recorder("track"));
    // The fast tracker has committed both by now; give a wrong order every chance to show.
    std::thread::sleep(std::time::Duration::from_millis(300));
    held.release.send(()).unwrap();

    let mut order = Vec::new();
    let mut sessions = Vec::new();
    while order.len() < 4 {
        let (label, reply) = rx.recv_timeout(std::time::Duration::from_secs(30)).expect("every call answered");
        for s in reply["sessions"].as_array().into_iter().flatten() {
            if s["namespace"] == "gate_fast" {
                sessions.push(s["session"]["sessionIndex"].as_u64().unwrap());
            }
        }
        order.push(label);
    }
    assert_eq!(sessions, vec![1, 2], "sessions reach the app in order");
    let at = |l: &str| order.iter().position(|x| x == l).unwrap();
    assert!(at("setAppState") < at("startNewSession") && at("startNewSession") < at("track"), "{order:?}");
    answer(|a| registry::set_app_state("active", a)).unwrap();
    answer(|a| registry::remove_tracker("gate_slow", a)).unwrap();
    answer(|a| registry::remove_tracker("gate_fast", a)).unwrap();
    let _ = std::fs::remove_dir_all(dir);
}
