//! Node-API addon: the fixed native surface of `tracker_core::registry`,
//! the same five methods as the TurboModule spec (`js/src/NativeRustTracker.ts`).
//!
//! Each function hands the call to the core at once, on the JavaScript
//! thread, and returns a Promise. The core answers from its own threads; every
//! answer goes through one thread-safe function, whose queue keeps the order
//! in which the core answered, and settles its Promise on the JavaScript
//! thread: resolved with the core's JSON reply, or rejected with an `Error`
//! whose `code` and `message` are the core's. While calls are pending the
//! addon keeps the event loop alive, so a process does not exit with a track
//! call uncommitted. Nothing is decided here.
//!
//! No panic reaches Node: unwinding out of a Node-API callback aborts the
//! whole process. Each call into the core runs inside the core's last-resort
//! guard ([`tracker_core::error::catch_panic`]), so a panic below comes back
//! as a Promise rejected with code `INTERNAL` naming the method; and each
//! exported function is `catch_unwind` for napi-rs, so a panic in this file's
//! own code becomes a thrown JavaScript error.
//!
//! The only platform input is facts about the host (`facts.rs`): the OS,
//! the user's language and time zone.

use napi::threadsafe_function::{ThreadSafeCallContext, ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{check_status, sys, Env, JsError, JsObject, JsUnknown, NapiRaw, NapiValue, Result};
use napi_derive::napi;
use std::cell::RefCell;
use tracker_core::error::catch_panic;
use tracker_core::{registry, Failure, PlatformDefaults};

mod facts;

/// A Promise of this thread's, waiting for its answer.
struct Deferred(sys::napi_deferred);
// SAFETY: the handle only travels through the thread-safe function's queue;
// it is used on the JavaScript thread that created it, in `settle`.
unsafe impl Send for Deferred {}

/// One answer on its way back to the JavaScript thread.
struct Settlement {
    deferred: Deferred,
    result: std::result::Result<String, Failure>,
}

/// The thread-safe function of a JavaScript thread (main or worker) and how
/// many of its Promises are pending.
struct Settler {
    tsfn: ThreadsafeFunction<Settlement>,
    pending: usize,
}

thread_local! {
    static SETTLER: RefCell<Option<Settler>> = const { RefCell::new(None) };
}

/// Settles one Promise, on the JavaScript thread.
fn settle(ctx: ThreadSafeCallContext<Settlement>) -> Result<Vec<JsUnknown>> {
    let env = ctx.env;
    let Settlement { deferred, result } = ctx.value;
    let status = match result {
        Ok(json) => {
            let value = env.create_string(&json)?;
            unsafe { sys::napi_resolve_deferred(env.raw(), deferred.0, value.raw()) }
        }
        Err(f) => {
            let error = JsError::from(napi::Error::new(f.code, f.message)).into_unknown(env);
            unsafe { sys::napi_reject_deferred(env.raw(), deferred.0, error.raw()) }
        }
    };
    SETTLER.with(|s| {
        if let Some(s) = s.borrow_mut().as_mut() {
            s.pending = s.pending.saturating_sub(1);
            if s.pending == 0 {
                let _ = s.tsfn.unref(&env);
            }
        }
    });
    check_status!(status)?;
    Ok(Vec::new())
}

/// The JavaScript function the thread-safe function calls after `settle`: nothing left to do.
unsafe extern "C" fn settled(_env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    std::ptr::null_mut()
}

/// This thread's thread-safe function, counting one more pending Promise.
fn settler(env: &Env) -> Result<ThreadsafeFunction<Settlement>> {
    SETTLER.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            let noop = env.create_function("settled", settled)?;
            let mut tsfn = env.create_threadsafe_function(&noop, 0, settle)?;
            tsfn.unref(env)?;
            *cell = Some(Settler { tsfn, pending: 0 });
        }
        let s = cell.as_mut().expect("set above");
        if s.pending == 0 {
            s.tsfn.refer(env)?;
        }
        s.pending += 1;
        Ok(s.tsfn.clone())
    })
}

/// A Promise settled by the answer given to `call` (the core's `method`).
fn promise(env: &Env, method: &str, call: impl FnOnce(registry::Answer)) -> Result<JsObject> {
    let mut deferred = std::ptr::null_mut();
    let mut promise = std::ptr::null_mut();
    check_status!(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
    let tsfn = settler(env)?;
    let deferred = Deferred(deferred);
    let answer: registry::Answer = Box::new(move |result| {
        tsfn.call(Ok(Settlement { deferred, result }), ThreadsafeFunctionCallMode::NonBlocking);
    });
    catch_panic(method, answer, call);
    Ok(unsafe { JsObject::from_raw_unchecked(env.raw(), promise) })
}

/// Creates (or replaces) the tracker of `namespace`; the databases go to
/// `storage.directory` of the configuration, or the per-user default. The
/// host's facts (OS, language, time zone) are read now and handed over.
#[napi(catch_unwind)]
pub fn create_tracker(env: Env, tracker_namespace: String, config_json: String) -> Result<JsObject> {
    promise(&env, "createTracker", |a| {
        let platform = PlatformDefaults { device: facts::host(), ..Default::default() };
        registry::create_tracker(&tracker_namespace, &config_json, &platform, a)
    })
}

/// Calls a tracker method by name with its arguments as a JSON array.
#[napi(catch_unwind)]
pub fn call_tracker(env: Env, tracker_namespace: String, method: String, args_json: String) -> Result<JsObject> {
    promise(&env, &method, |a| registry::call_tracker(&tracker_namespace, &method, &args_json, a))
}

/// Removes a tracker.
#[napi(catch_unwind)]
pub fn remove_tracker(env: Env, tracker_namespace: String) -> Result<JsObject> {
    promise(&env, "removeTracker", |a| registry::remove_tracker(&tracker_namespace, a))
}

/// Removes every tracker.
#[napi(catch_unwind)]
pub fn remove_all_trackers(env: Env) -> Result<JsObject> {
    promise(&env, "removeAllTrackers", registry::remove_all_trackers)
}

/// Moves every tracker to `state` (`active`, `background`, `inactive`, ...).
#[napi(catch_unwind)]
pub fn set_app_state(env: Env, state: String) -> Result<JsObject> {
    promise(&env, "setAppState", |a| registry::set_app_state(&state, a))
}
