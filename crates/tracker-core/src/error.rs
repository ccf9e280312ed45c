//! The one error type of the core.
//!
//! Every failure a platform can see is one of these variants, so Kotlin, Swift and
//! Node map a single type to their own idiom (an exception, a rejected Promise)
//! without deciding anything. Each message names the field or the operation that
//! failed, because it is shown to app developers as is; [`Failure`] is the form
//! in which an error leaves the core: its code and the message with the method.

/// What went wrong, with a message meant for the app developer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackerError {
    /// A configuration field is missing, unknown, of the wrong type or out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// An event argument (or one of its entities) is invalid.
    #[error("invalid event: {0}")]
    InvalidEvent(String),
    /// Some other argument is invalid (namespace, app state, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// No tracker is registered under this namespace.
    #[error("no tracker with namespace '{0}': it was never created or has been removed")]
    UnknownTracker(String),
    /// The embedded database could not be opened or written.
    #[error("storage error: {0}")]
    Storage(String),
    /// Events could not be delivered to the collector (they stay queued).
    #[error("network error: {0}")]
    Network(String),
    /// The tracker was removed or shut down while the call was pending.
    #[error("the tracker was shut down before the call completed")]
    ShutDown,
    /// A tracker method was called by a name the core does not know.
    #[error("unknown tracker method {0:?}")]
    UnknownMethod(String),
    /// The core panicked (a bug): caught at the native boundary by
    /// [`catch_panic`], so the process and the other calls go on.
    #[error("internal error: {0}")]
    Internal(String),
}

impl TrackerError {
    /// A stable, upper-case code for the variant, used as the Promise rejection code.
    pub fn code(&self) -> &'static str {
        match self {
            TrackerError::InvalidConfig(_) => "INVALID_CONFIG",
            TrackerError::InvalidEvent(_) => "INVALID_EVENT",
            TrackerError::InvalidArgument(_) => "INVALID_ARGUMENT",
            TrackerError::UnknownTracker(_) => "UNKNOWN_TRACKER",
            TrackerError::Storage(_) => "STORAGE",
            TrackerError::Network(_) => "NETWORK",
            TrackerError::ShutDown => "SHUT_DOWN",
            TrackerError::UnknownMethod(_) => "UNKNOWN_METHOD",
            TrackerError::Internal(_) => "INTERNAL",
        }
    }

    /// Every code [`TrackerError::code`] can give, for documentation and tests.
    pub const CODES: [&'static str; 9] = [
        "INVALID_CONFIG",
        "INVALID_EVENT",
        "INVALID_ARGUMENT",
        "UNKNOWN_TRACKER",
        "STORAGE",
        "NETWORK",
        "SHUT_DOWN",
        "UNKNOWN_METHOD",
        "INTERNAL",
    ];
}

/// An error as it crosses to a platform: the stable code and a message that
/// names the method that failed, e.g. `trackScreenViewEvent: invalid event:
/// screenView.name is required`. Kotlin, Swift and Node pass both on as they
/// are (a Promise rejected with this code and message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// One of [`TrackerError::CODES`].
    pub code: &'static str,
    /// The method's name, a colon, and the core's message.
    pub message: String,
}

impl Failure {
    /// The failure of `method` with `error`.
    pub fn new(method: &str, error: &TrackerError) -> Failure {
        Failure {
            code: error.code(),
            message: format!("{method}: {error}"),
        }
    }
}

impl From<rusqlite::Error> for TrackerError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => {
                TrackerError::Storage(format!("the disk is full ({e})"))
            }
            _ => TrackerError::Storage(e.to_string()),
        }
    }
}

/// Calls `call` with `answer`, catching any panic below it: the last-resort
/// guard of every function of the native surface (UniFFI exports, Node-API
/// addon), so that no argument can take the app's process down.
///
/// `call` gets a stand-in for `answer`. The platform's answer is settled
/// exactly once, whatever happens:
/// * no panic: as `call` settles it (now or later, from any thread);
/// * a panic in `call`: with an [`TrackerError::Internal`] failure naming
///   `method` and the panic's message, unless `call` had settled it already;
/// * settled while a thread unwinds from a panic (a pending call's responder
///   dropped on the way): an error becomes `INTERNAL` too, not the
///   `SHUT_DOWN` it would otherwise say.
///
/// A panic never crosses into the platform: unwinding out of an `extern "C"`
/// function aborts the process (Node), or becomes an exception the module
/// does not expect (UniFFI).
pub fn catch_panic(
    method: &str,
    answer: crate::registry::Answer,
    call: impl FnOnce(crate::registry::Answer),
) {
    use std::sync::{Arc, Mutex};
    type Slot = Arc<Mutex<Option<crate::registry::Answer>>>;
    fn take(slot: &Slot) -> Option<crate::registry::Answer> {
        slot.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
    let slot: Slot = Arc::new(Mutex::new(Some(answer)));
    let stand_in = {
        let slot = Arc::clone(&slot);
        let method = method.to_string();
        Box::new(move |result: std::result::Result<String, Failure>| {
            let result = match result {
                Err(_) if std::thread::panicking() => Err(Failure::new(
                    &method,
                    &TrackerError::Internal(
                        "the core panicked before the call completed; this is a bug".into(),
                    ),
                )),
                other => other,
            };
            if let Some(answer) = take(&slot) {
                answer(result);
            }
        })
    };
    if let Err(payload) =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || call(stand_in)))
    {
        if let Some(answer) = take(&slot) {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            let message: String = message.chars().take(200).collect();
            let error = TrackerError::Internal(format!(
                "the core panicked ({message}); this is a bug, and the call was not completed"
            ));
            let failure = Failure::new(method, &error);
            // An answer that panics in turn must not escape either.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                answer(Err(failure))
            }));
        }
    }
}

/// Result type of the core.
pub type Result<T, E = TrackerError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    type Answers = mpsc::Receiver<std::result::Result<String, Failure>>;

    fn answer() -> (crate::registry::Answer, Answers) {
        let (tx, rx) = mpsc::channel();
        (Box::new(move |r| tx.send(r).unwrap()), rx)
    }

    fn only(rx: &Answers) -> std::result::Result<String, Failure> {
        let first = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("answered");
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(50))
                .is_err(),
            "answered once"
        );
        first
    }

    #[test]
    fn a_panic_becomes_an_internal_failure_naming_the_method() {
        let (a, rx) = answer();
        catch_panic("trackScreenViewEvent", a, |_stand_in| panic!("boom {}", 42));
        let f = only(&rx).unwrap_err();
        assert_eq!(f.code, "INTERNAL");
        assert_eq!(
            f.message,
            "trackScreenViewEvent: internal error: the core panicked (boom 42); this is a bug, and the call was not completed"
        );
        assert!(TrackerError::CODES.contains(&f.code));
    }

    #[test]
    fn without_a_panic_the_answer_passes_unchanged() {
        let (a, rx) = answer();
        catch_panic("getSessionId", a, |stand_in| {
            stand_in(Ok("{\"value\":null}".into()))
        });
        assert_eq!(only(&rx), Ok("{\"value\":null}".into()));
        let (a, rx) = answer();
        let failure = Failure::new("flush", &TrackerError::ShutDown);
        catch_panic("flush", a, |stand_in| {
            std::thread::spawn(move || stand_in(Err(failure)))
                .join()
                .unwrap();
        });
        assert_eq!(only(&rx).unwrap_err().code, "SHUT_DOWN");
    }

    #[test]
    fn an_answer_given_before_the_panic_is_the_only_one() {
        let (a, rx) = answer();
        catch_panic("getSessionId", a, |stand_in| {
            stand_in(Ok("{}".into()));
            panic!("after the answer");
        });
        assert_eq!(only(&rx), Ok("{}".into()));
    }

    #[test]
    fn a_responder_dropped_by_the_unwinding_answers_internal_once() {
        let (a, rx) = answer();
        catch_panic("trackStructuredEvent", a, |stand_in| {
            // As a pending call's responder: dropped unanswered, it says ShutDown.
            let _pending = crate::reply::Responder::<()>::new(move |r: Result<()>| {
                stand_in(
                    r.map(|()| String::new())
                        .map_err(|e| Failure::new("trackStructuredEvent", &e)),
                )
            });
            panic!("while a responder is pending");
        });
        let f = only(&rx).unwrap_err();
        assert_eq!(f.code, "INTERNAL", "{f:?}");
        assert!(
            f.message
                .starts_with("trackStructuredEvent: internal error: the core panicked"),
            "{f:?}"
        );
    }

    #[test]
    fn a_panicking_answer_does_not_escape() {
        catch_panic(
            "removeTracker",
            Box::new(|_| panic!("the platform's answer failed")),
            |_| panic!("first"),
        );
    }
}
