//! The one error type of the core.
//!
//! Every failure a platform can see is one of these variants, so Kotlin, Swift and
//! Node map a single type to their own idiom (an exception, a rejected Promise)
//! without deciding anything. Each message names the field or the operation that
//! failed, because it is shown to app developers as is.

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
        }
    }
}

impl From<rusqlite::Error> for TrackerError {
    fn from(e: rusqlite::Error) -> Self {
        TrackerError::Storage(e.to_string())
    }
}

/// Result type of the core.
pub type Result<T, E = TrackerError> = std::result::Result<T, E>;
