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

use std::sync::Arc;
use tracker_core::registry;
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
    let platform =
        PlatformDefaults { app_id: facts.app_id, files_directory: facts.files_directory.map(Into::into) };
    registry::create_tracker(&namespace, &config_json, &platform, settle(answer));
}

/// Calls the tracker method `method` with `args_json`, a JSON array.
#[uniffi::export]
pub fn call_tracker(namespace: String, method: String, args_json: String, answer: Arc<dyn Answer>) {
    registry::call_tracker(&namespace, &method, &args_json, settle(answer));
}

/// Removes a tracker.
#[uniffi::export]
pub fn remove_tracker(namespace: String, answer: Arc<dyn Answer>) {
    registry::remove_tracker(&namespace, settle(answer));
}

/// Removes every tracker.
#[uniffi::export]
pub fn remove_all_trackers(answer: Arc<dyn Answer>) {
    registry::remove_all_trackers(settle(answer));
}

/// Tells every tracker the app state (`active`, `background`, `inactive`, ...).
#[uniffi::export]
pub fn set_app_state(state: String, answer: Arc<dyn Answer>) {
    registry::set_app_state(&state, settle(answer));
}
