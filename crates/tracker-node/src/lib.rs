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

/// The addon's Rust allocations go to mimalloc rather than the C library's
/// malloc. Every track call allocates on the JavaScript thread what the
/// writer thread frees (the call and its event); glibc's malloc takes the
/// allocating thread's arena lock for such a free, and the JavaScript thread
/// then waited for the writer at its next allocation: with glibc, the p99 of
/// a track call was 25-45 µs, with mimalloc (which frees across threads
/// without that lock) 5-11 µs, at about the same peak memory with the option
/// below (`npm run bench`). Android's and iOS's allocators keep caches per
/// thread already; the mobile libraries use them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` (4 in mimalloc 2 and 3's `mi_option_e`).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Commits mimalloc's memory as it is used, and gives it back when purged,
/// rather than committing whole arenas at once (its default on Linux):
/// in a burst of 50,000 screen views the peak RSS went from 208-215 MB to
/// 178-190 MB, the p99 of a track call from 6-7 to 8-11 µs (the Node runner
/// of `npm run bench`). Set when the addon loads.
#[napi::module_init]
fn tune_allocator() {
    // SAFETY: sets a process-wide option of the allocator; any value is valid.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) };
}

use napi::threadsafe_function::{
    ThreadSafeCallContext, ThreadsafeFunction, ThreadsafeFunctionCallMode,
};
use napi::{check_status, sys, Env, JsError, JsObject, JsUnknown, NapiRaw, NapiValue, Result};
use napi_derive::napi;
use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use tracker_core::error::catch_panic;
use tracker_core::{registry, Failure, PlatformDefaults};

mod facts;

/// A Promise of this thread's, waiting for its answer.
struct Deferred(sys::napi_deferred);
// SAFETY: the handle only travels through the settler's queue; it is used on
// the JavaScript thread that created it, in `settle_all`.
unsafe impl Send for Deferred {}

/// One answer on its way back to the JavaScript thread.
struct Settlement {
    deferred: Deferred,
    result: std::result::Result<String, Failure>,
}

/// What the core's threads share with one JavaScript thread: the answers
/// waiting to settle, in the order the core gave them, and the thread-safe
/// function that wakes the JavaScript thread.
///
/// Answers come in bursts (a writer commits hundreds of events and answers
/// them together): only the answer that finds the queue empty wakes the
/// JavaScript thread, which then settles everything queued in one callback.
struct Channel {
    tsfn: ThreadsafeFunction<()>,
    queue: Mutex<Vec<Settlement>>,
}

impl Channel {
    fn push(&self, settlement: Settlement) {
        let first = {
            let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.push(settlement);
            queue.len() == 1
        };
        if first {
            self.tsfn
                .call(Ok(()), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

/// The channel of a JavaScript thread (main or worker) and how many of its
/// Promises are pending.
struct Settler {
    channel: Arc<Channel>,
    pending: usize,
}

thread_local! {
    static SETTLER: RefCell<Option<Settler>> = const { RefCell::new(None) };
}

/// Settles every queued answer, in order, on the JavaScript thread.
fn settle_all(ctx: ThreadSafeCallContext<()>) -> Result<Vec<JsUnknown>> {
    let env = ctx.env;
    let batch = SETTLER.with(|s| {
        s.borrow().as_ref().map(|s| {
            let mut queue = s.channel.queue.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::take(&mut *queue)
        })
    });
    let mut batch = batch.unwrap_or_default();
    // An answer that reports a session is settled on its own: what comes
    // before and after it waits for another callback, after JavaScript has run
    // the reactions of the ones before, so `onSessionUpdate` and the Promise of
    // the call that began the session come one right after the other
    // (docs/sessions.md §6.2), exactly as when every answer had a callback.
    let reports = |s: &Settlement| matches!(&s.result, Ok(json) if json.contains("\"sessions\""));
    let cut = match batch.iter().position(reports) {
        Some(0) => 1,
        Some(i) => i,
        None => batch.len(),
    };
    let rest = batch.split_off(cut);
    if !rest.is_empty() {
        SETTLER.with(|s| {
            if let Some(s) = s.borrow().as_ref() {
                let mut queue = s.channel.queue.lock().unwrap_or_else(|p| p.into_inner());
                let later = std::mem::replace(&mut *queue, rest);
                queue.extend(later);
                drop(queue);
                s.channel
                    .tsfn
                    .call(Ok(()), ThreadsafeFunctionCallMode::NonBlocking);
            }
        });
    }
    let settled = batch.len();
    let mut first_error = None;
    for Settlement { deferred, result } in batch {
        // A scope per answer: a burst of thousands must not keep them all alive.
        let mut scope = std::ptr::null_mut();
        let opened = unsafe { sys::napi_open_handle_scope(env.raw(), &mut scope) };
        let status = match result {
            Ok(json) => env.create_string(&json).map(|value| unsafe {
                sys::napi_resolve_deferred(env.raw(), deferred.0, value.raw())
            }),
            Err(f) => {
                let error = JsError::from(napi::Error::new(f.code, f.message)).into_unknown(env);
                Ok(unsafe { sys::napi_reject_deferred(env.raw(), deferred.0, error.raw()) })
            }
        };
        if opened == sys::Status::napi_ok {
            unsafe { sys::napi_close_handle_scope(env.raw(), scope) };
        }
        let outcome = status.and_then(|status| check_status!(status));
        if let (Err(e), None) = (outcome, &first_error) {
            first_error = Some(e);
        }
    }
    SETTLER.with(|s| {
        if let Some(s) = s.borrow_mut().as_mut() {
            s.pending = s.pending.saturating_sub(settled);
            if s.pending == 0 {
                let _ = keep_alive(&env, &s.channel, false);
            }
        }
    });
    match first_error {
        Some(e) => Err(e),
        None => Ok(Vec::new()),
    }
}

/// The JavaScript function the thread-safe function calls after `settle_all`: nothing left to do.
unsafe extern "C" fn settled(
    _env: sys::napi_env,
    _info: sys::napi_callback_info,
) -> sys::napi_value {
    std::ptr::null_mut()
}

/// This thread's channel, counting one more pending Promise.
fn settler(env: &Env) -> Result<Arc<Channel>> {
    SETTLER.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            let noop = env.create_function("settled", settled)?;
            let tsfn = env.create_threadsafe_function(&noop, 0, settle_all)?;
            let channel = Arc::new(Channel {
                tsfn,
                queue: Mutex::new(Vec::new()),
            });
            keep_alive(env, &channel, false)?;
            *cell = Some(Settler {
                channel,
                pending: 0,
            });
        }
        let s = cell.as_mut().expect("set above");
        if s.pending == 0 {
            // Keeps the event loop alive while answers are owed.
            keep_alive(env, &s.channel, true)?;
        }
        s.pending += 1;
        Ok(Arc::clone(&s.channel))
    })
}

/// Refs (or unrefs) the thread-safe function on this JavaScript thread: the
/// event loop stays alive while Promises wait for the core. (Both calls are
/// idempotent in Node; they are made directly because the channel is shared
/// with the core's threads.)
fn keep_alive(env: &Env, channel: &Channel, on: bool) -> Result<()> {
    let raw = channel.tsfn.raw();
    check_status!(unsafe {
        if on {
            sys::napi_ref_threadsafe_function(env.raw(), raw)
        } else {
            sys::napi_unref_threadsafe_function(env.raw(), raw)
        }
    })
}

/// A Promise settled by the answer given to `call` (the core's `method`).
fn promise(env: &Env, method: &str, call: impl FnOnce(registry::Answer)) -> Result<JsObject> {
    let mut deferred = std::ptr::null_mut();
    let mut promise = std::ptr::null_mut();
    check_status!(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
    let channel = settler(env)?;
    let deferred = Deferred(deferred);
    let answer: registry::Answer =
        Box::new(move |result| channel.push(Settlement { deferred, result }));
    catch_panic(method, answer, call);
    Ok(unsafe { JsObject::from_raw_unchecked(env.raw(), promise) })
}

/// Creates (or replaces) the tracker of `namespace`; the databases go to
/// `storage.directory` of the configuration, or the per-user default. The
/// host's facts (OS, language, time zone) are read now and handed over.
#[napi(catch_unwind)]
pub fn create_tracker(
    env: Env,
    tracker_namespace: String,
    config_json: String,
) -> Result<JsObject> {
    promise(&env, "createTracker", |a| {
        let platform = PlatformDefaults {
            device: facts::host(),
            ..Default::default()
        };
        registry::create_tracker(&tracker_namespace, &config_json, &platform, a)
    })
}

/// Calls a tracker method by name with its arguments as a JSON array.
#[napi(catch_unwind)]
pub fn call_tracker(
    env: Env,
    tracker_namespace: String,
    method: String,
    args_json: String,
) -> Result<JsObject> {
    promise(&env, &method, |a| {
        registry::call_tracker(&tracker_namespace, &method, &args_json, a)
    })
}

/// Removes a tracker.
#[napi(catch_unwind)]
pub fn remove_tracker(env: Env, tracker_namespace: String) -> Result<JsObject> {
    promise(&env, "removeTracker", |a| {
        registry::remove_tracker(&tracker_namespace, a)
    })
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
