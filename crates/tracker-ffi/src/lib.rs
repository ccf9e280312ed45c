//! UniFFI exports of the core for the Kotlin and Swift TurboModules.
//!
//! A mechanical mapping of `tracker_core::registry`, the fixed native
//! surface: five synchronous functions, strings in, and an [`Answer`] object
//! from the platform that settles the call's Promise. Each function only
//! enqueues and returns, so the platform module calls it directly on the
//! thread React Native calls the module on, and calls reach the core in the
//! order JavaScript made them. The answer comes later, from the core's
//! threads, with the core's JSON reply or its error code and message. Tracker
//! methods are called by name (`call_tracker`), so this file does not change
//! when the tracker's API grows. Nothing is decided here.
//!
//! Every function runs its call inside the core's last-resort guard
//! ([`tracker_core::error::catch_panic`]): a panic anywhere below comes back
//! as an `INTERNAL` rejection naming the method, instead of an exception the
//! platform module does not expect, and the other trackers go on working.

use std::sync::Arc;
use tracker_core::error::catch_panic;
use tracker_core::registry;
use tracker_core::config::DeviceFacts;
use tracker_core::{Failure, PlatformDefaults};

uniffi::setup_scaffolding!();

/// The platform's end of one call (a Promise): exactly one of its methods is
/// called, once, from any thread.
#[uniffi::export(with_foreign)]
pub trait Answer: Send + Sync {
    /// The call succeeded; `json` is the core's reply.
    fn resolve(&self, json: String);
    /// The call failed with the core's error `code` and `message`.
    fn reject(&self, code: String, message: String);
}

/// Facts only the platform knows; the core derives its defaults from them.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PlatformFacts {
    /// The app's package name (Android) or bundle identifier (iOS).
    pub app_id: Option<String>,
    /// The app's private files directory.
    pub files_directory: Option<String>,
    /// `android`, `ios`.
    #[uniffi(default = None)]
    pub os_type: Option<String>,
    /// The OS release (`Build.VERSION.RELEASE`, `UIDevice.systemVersion`).
    #[uniffi(default = None)]
    pub os_version: Option<String>,
    /// `Build.MANUFACTURER`; `Apple`.
    #[uniffi(default = None)]
    pub device_manufacturer: Option<String>,
    /// `Build.MODEL`; the `utsname` machine, e.g. `iPhone15,2`.
    #[uniffi(default = None)]
    pub device_model: Option<String>,
    /// The app's version name.
    #[uniffi(default = None)]
    pub app_version: Option<String>,
    /// The app's build number.
    #[uniffi(default = None)]
    pub app_build: Option<String>,
    /// The user's language, a BCP 47 tag.
    #[uniffi(default = None)]
    pub language: Option<String>,
    /// The IANA time zone.
    #[uniffi(default = None)]
    pub timezone: Option<String>,
    /// Screen width in physical pixels.
    #[uniffi(default = None)]
    pub screen_width: Option<u32>,
    /// Screen height in physical pixels.
    #[uniffi(default = None)]
    pub screen_height: Option<u32>,
    /// Physical pixels per dp or point.
    #[uniffi(default = None)]
    pub scale: Option<f64>,
    /// Whether the screen is taller than wide.
    #[uniffi(default = None)]
    pub is_portrait: Option<bool>,
    /// The mobile network operator.
    #[uniffi(default = None)]
    pub carrier: Option<String>,
    /// `mobile`, `wifi` or `offline`.
    #[uniffi(default = None)]
    pub network_type: Option<String>,
    /// e.g. `LTE`.
    #[uniffi(default = None)]
    pub network_technology: Option<String>,
    /// Total memory in bytes.
    #[uniffi(default = None)]
    pub physical_memory: Option<u64>,
    /// Total storage in bytes.
    #[uniffi(default = None)]
    pub total_storage: Option<u64>,
}

impl From<PlatformFacts> for PlatformDefaults {
    fn from(f: PlatformFacts) -> Self {
        PlatformDefaults {
            app_id: f.app_id,
            files_directory: f.files_directory.map(Into::into),
            device: DeviceFacts {
                os_type: f.os_type,
                os_version: f.os_version,
                device_manufacturer: f.device_manufacturer,
                device_model: f.device_model,
                app_version: f.app_version,
                app_build: f.app_build,
                language: f.language,
                timezone: f.timezone,
                screen_resolution: f.screen_width.zip(f.screen_height),
                scale: f.scale,
                is_portrait: f.is_portrait,
                carrier: f.carrier,
                network_type: f.network_type,
                network_technology: f.network_technology,
                physical_memory: f.physical_memory,
                total_storage: f.total_storage,
            },
        }
    }
}

fn settle(answer: Arc<dyn Answer>) -> registry::Answer {
    Box::new(move |result: Result<String, Failure>| match result {
        Ok(json) => answer.resolve(json),
        Err(f) => answer.reject(f.code.to_string(), f.message),
    })
}

/// Creates (or replaces) the tracker of `namespace` from its JSON configuration.
#[uniffi::export]
pub fn create_tracker(namespace: String, config_json: String, facts: PlatformFacts, answer: Arc<dyn Answer>) {
    let platform = PlatformDefaults::from(facts);
    catch_panic("createTracker", settle(answer), |a| registry::create_tracker(&namespace, &config_json, &platform, a));
}

/// Calls the tracker method `method` with `args_json`, a JSON array.
#[uniffi::export]
pub fn call_tracker(namespace: String, method: String, args_json: String, answer: Arc<dyn Answer>) {
    catch_panic(&method, settle(answer), |a| registry::call_tracker(&namespace, &method, &args_json, a));
}

/// Removes a tracker.
#[uniffi::export]
pub fn remove_tracker(namespace: String, answer: Arc<dyn Answer>) {
    catch_panic("removeTracker", settle(answer), |a| registry::remove_tracker(&namespace, a));
}

/// Removes every tracker.
#[uniffi::export]
pub fn remove_all_trackers(answer: Arc<dyn Answer>) {
    catch_panic("removeAllTrackers", settle(answer), registry::remove_all_trackers);
}

/// Tells every tracker the app state (`active`, `background`, `inactive`, ...).
#[uniffi::export]
pub fn set_app_state(state: String, answer: Arc<dyn Answer>) {
    catch_panic("setAppState", settle(answer), |a| registry::set_app_state(&state, a));
}

/// The exported functions as Kotlin and Swift call them, with an [`Answer`]
/// implemented in Rust. The core is built with its `panic-injection` feature
/// here (a dev-dependency feature: never in a shipped library), which makes
/// a method name or a configuration holding `PANIC_INJECTION` panic inside the
/// core, below these functions.
#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{channel, Receiver, Sender};
    use std::sync::Mutex;
    use std::time::Duration;
    use tracker_core::input::PANIC_INJECTION;

    #[derive(Debug, PartialEq)]
    enum Settled {
        Resolved(String),
        Rejected(String, String),
    }

    struct TestAnswer(Mutex<Sender<Settled>>);

    impl Answer for TestAnswer {
        fn resolve(&self, json: String) {
            let _ = self.0.lock().unwrap().send(Settled::Resolved(json));
        }
        fn reject(&self, code: String, message: String) {
            let _ = self.0.lock().unwrap().send(Settled::Rejected(code, message));
        }
    }

    /// Makes a call with a fresh answer; returns how it was settled, after
    /// checking that it was settled exactly once.
    fn call(f: impl FnOnce(Arc<dyn Answer>)) -> Settled {
        let (tx, rx): (Sender<Settled>, Receiver<Settled>) = channel();
        f(Arc::new(TestAnswer(Mutex::new(tx))));
        let first = rx.recv_timeout(Duration::from_secs(20)).expect("the call is settled");
        assert!(rx.recv_timeout(Duration::from_millis(100)).is_err(), "settled once: {first:?}");
        first
    }

    fn facts() -> PlatformFacts {
        PlatformFacts {
            app_id: Some("com.example".into()),
            files_directory: None,
            os_type: None,
            os_version: None,
            device_manufacturer: None,
            device_model: None,
            app_version: None,
            app_build: None,
            language: None,
            timezone: None,
            screen_width: None,
            screen_height: None,
            scale: None,
            is_portrait: None,
            carrier: None,
            network_type: None,
            network_technology: None,
            physical_memory: None,
            total_storage: None,
        }
    }

    #[test]
    fn a_panic_below_the_ffi_is_an_internal_rejection_and_the_tracker_goes_on() {
        let dir = std::env::temp_dir().join(format!("tracker-ffi-panic-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let config = format!(
            r#"{{"networkConfig":{{"endpoint":"http://127.0.0.1:9"}},"storage":{{"directory":{:?}}}}}"#,
            dir.to_string_lossy()
        );
        let ns = "ffi_panic";
        let ok = Settled::Resolved(r#"{"value":null}"#.into());
        assert_eq!(call(|a| create_tracker(ns.into(), config.clone(), facts(), a)), ok);

        // A panic in the core's method lookup, below call_tracker.
        let Settled::Rejected(code, message) = call(|a| call_tracker(ns.into(), PANIC_INJECTION.into(), "[]".into(), a)) else {
            panic!("rejected")
        };
        assert_eq!(code, "INTERNAL");
        assert_eq!(
            message,
            format!("{PANIC_INJECTION}: internal error: the core panicked (panic injected for a test (feature panic-injection)); this is a bug, and the call was not completed")
        );

        // A panic in the configuration parser, below create_tracker, for another namespace.
        let bad = format!(r#"{{"networkConfig":{{"endpoint":"h.io"}},"x":"{PANIC_INJECTION}"}}"#);
        let Settled::Rejected(code, message) = call(|a| create_tracker("ffi_panic_other".into(), bad, facts(), a)) else {
            panic!("rejected")
        };
        assert_eq!(code, "INTERNAL");
        assert!(message.starts_with("createTracker: internal error: the core panicked"), "{message}");

        // The tracker, the registry (whose lock a panic may have poisoned) and
        // every other function still work.
        assert_eq!(call(|a| call_tracker(ns.into(), "trackScreenViewEvent".into(), r#"[{"name":"after"}]"#.into(), a)), ok);
        assert_eq!(call(|a| call_tracker(ns.into(), "getSessionIndex".into(), "[]".into(), a)), Settled::Resolved(r#"{"value":1}"#.into()));
        assert_eq!(call(|a| set_app_state("inactive".into(), a)), ok);
        assert!(matches!(call(|a| call_tracker(ns.into(), "nope".into(), "[]".into(), a)), Settled::Rejected(c, _) if c == "UNKNOWN_METHOD"));
        assert_eq!(call(|a| remove_tracker(ns.into(), a)), Settled::Resolved(r#"{"value":true}"#.into()));
        // The creation that panicked left no tracker behind.
        assert!(matches!(call(|a| call_tracker("ffi_panic_other".into(), "getSessionId".into(), "[]".into(), a)), Settled::Rejected(c, _) if c == "UNKNOWN_TRACKER"));
        assert_eq!(call(|a| remove_tracker("ffi_panic_other".into(), a)), Settled::Resolved(r#"{"value":false}"#.into()));
        assert_eq!(call(remove_all_trackers), ok);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
