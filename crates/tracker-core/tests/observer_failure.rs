//! An onSessionUpdate callback that fails (on Android or iOS, an exception in
//! app code) must not stop the tracker: its writer thread keeps committing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tracker_core::{
    ClientSession, Config, EventType, ManualClock, PlatformDefaults, Responder, SessionObserver, Tracker, TrackerOptions,
};

struct Failing(AtomicUsize);

impl SessionObserver for Failing {
    fn on_session_update(&self, _session: ClientSession) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("the app's callback failed");
    }
}

fn wait<T: Send + 'static>(call: impl FnOnce(Responder<T>)) -> tracker_core::Result<T> {
    let (r, reply) = Responder::pair();
    call(r);
    reply.wait()
}

#[test]
fn a_failing_observer_does_not_stop_the_tracker() {
    let dir = std::env::temp_dir().join(format!("observer-failure-{}", uuid_like()));
    let json = format!(r#"{{"networkConfig":{{"endpoint":"http://127.0.0.1:9"}},"storage":{{"directory":{:?}}}}}"#, dir.display().to_string());
    let config = Config::from_json(&json, &PlatformDefaults::default()).unwrap();
    let observer = Arc::new(Failing(AtomicUsize::new(0)));
    let options = TrackerOptions {
        clock: Arc::new(ManualClock::new(1_700_000_000_000)),
        observer: Some(observer.clone()),
        ..TrackerOptions::default()
    };
    let (ready, r) = Responder::pair();
    let tracker = Tracker::start("failing_observer", config, options, ready).unwrap();
    r.wait().unwrap();
    wait(|d| tracker.track_json(EventType::ScreenView, r#"{"event":{"name":"A"}}"#, d)).unwrap();
    wait(|d| tracker.start_new_session(d)).unwrap();
    wait(|d| tracker.track_json(EventType::ScreenView, r#"{"event":{"name":"B"}}"#, d)).unwrap();
    let info = wait(|d| tracker.session_info(d)).unwrap();
    assert_eq!(info.session_index, Some(2));
    assert_eq!(observer.0.load(Ordering::SeqCst), 2, "called once per session despite failing");
    wait(|d| tracker.stop(d)).unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

fn uuid_like() -> String {
    format!("{}-{:?}", std::process::id(), std::time::SystemTime::now())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}
