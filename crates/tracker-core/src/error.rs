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
        }
    }

    /// Every code [`TrackerError::code`] can give, for documentation and tests.
    pub const CODES: [&'static str; 8] = [
        "INVALID_CONFIG",
        "INVALID_EVENT",
        "INVALID_ARGUMENT",
        "UNKNOWN_TRACKER",
        "STORAGE",
        "NETWORK",
        "SHUT_DOWN",
        "UNKNOWN_METHOD",
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
        Failure { code: error.code(), message: format!("{method}: {error}") }
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

/// Result type of the core.
pub type Result<T, E = TrackerError> = std::result::Result<T, E>;
