//! Node-API addon: the TurboModule's surface (`js/src/NativeRustTracker.ts`)
//! for Node, method for method.
//!
//! Each function hands the call to `tracker_core::registry` with a Responder
//! that settles a JavaScript Promise from the core's writer thread, so the JS
//! thread never waits on the disk or the network. Errors reject with the
//! core's message. Nothing is decided here.

use napi::{Env, Error, JsObject, Result, Status};
use napi_derive::napi;
use tracker_core::{registry, EventType, PlatformDefaults, Responder};

/// A Promise settled by the Responder given to `call`.
fn promise<T, V>(env: &Env, call: impl FnOnce(Responder<T>), convert: fn(T) -> V) -> Result<JsObject>
where
    T: Send + 'static,
    V: napi::bindgen_prelude::ToNapiValue + 'static,
{
    let (deferred, promise) = env.create_deferred()?;
    call(Responder::new(move |r: tracker_core::Result<T>| match r {
        Ok(v) => deferred.resolve(move |_| Ok(convert(v))),
        Err(e) => deferred.reject(Error::new(Status::GenericFailure, e.to_string())),
    }));
    Ok(promise)
}

fn unit(_: ()) {}

/// Creates (or replaces) the tracker of `namespace`; the databases go to
/// `storage.directory` of the configuration, or the per-user default.
#[napi]
pub fn create_tracker(env: Env, namespace: String, config_json: String) -> Result<JsObject> {
    promise(&env, |r| registry::create_tracker(&namespace, &config_json, &PlatformDefaults::default(), None, r), unit)
}

/// Removes a tracker; resolves whether it existed.
#[napi]
pub fn remove_tracker(env: Env, namespace: String) -> Result<JsObject> {
    promise(&env, |r| registry::remove_tracker(&namespace, r), |b: bool| b)
}

/// Removes every tracker.
#[napi]
pub fn remove_all_trackers(env: Env) -> Result<JsObject> {
    promise(&env, registry::remove_all_trackers, unit)
}

/// Tracks a screen view.
#[napi]
pub fn track_screen_view_event(env: Env, namespace: String, args_json: String) -> Result<JsObject> {
    promise(&env, |r| registry::track(&namespace, EventType::ScreenView, &args_json, r), unit)
}

/// Tracks a self-describing event.
#[napi]
pub fn track_self_describing_event(env: Env, namespace: String, args_json: String) -> Result<JsObject> {
    promise(&env, |r| registry::track(&namespace, EventType::SelfDescribing, &args_json, r), unit)
}

/// Tracks a structured event.
#[napi]
pub fn track_structured_event(env: Env, namespace: String, args_json: String) -> Result<JsObject> {
    promise(&env, |r| registry::track(&namespace, EventType::Structured, &args_json, r), unit)
}

/// The session getters' values as a JSON object string.
#[napi]
pub fn get_session_info(env: Env, namespace: String) -> Result<JsObject> {
    promise(&env, |r| registry::session_info_json(&namespace, r), |s: String| s)
}

/// Starts a new session at the next event.
#[napi]
pub fn start_new_session(env: Env, namespace: String) -> Result<JsObject> {
    promise(&env, |r| registry::start_new_session(&namespace, r), unit)
}

/// Sends everything stored.
#[napi]
pub fn flush(env: Env, namespace: String) -> Result<JsObject> {
    promise(&env, |r| registry::flush(&namespace, r), unit)
}

/// Moves every tracker to `state` (`active`, `background`, `inactive`).
#[napi]
pub fn set_app_state(env: Env, state: String) -> Result<JsObject> {
    promise(&env, |r| registry::set_app_state(&state, r), unit)
}
