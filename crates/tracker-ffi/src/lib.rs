//! UniFFI exports of the core for the Kotlin and Swift TurboModules.
//!
//! A mechanical mapping of `tracker_core::registry`: one async function per
//! method of the TurboModule spec (`js/src/NativeRustTracker.ts`), strings in,
//! records or errors out. Kotlin sees suspend functions, Swift async ones; the
//! futures need no runtime because the core's writer thread completes them.
//! Nothing is decided here.

use std::sync::Arc;
use tracker_core::registry;
use tracker_core::{EventType, PlatformDefaults, Reply, Responder};

uniffi::setup_scaffolding!();

/// Errors of the core, one variant per kind; the message names the problem.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum TrackerError {
    /// A configuration field is invalid.
    #[error("{0}")]
    InvalidConfig(String),
    /// An event argument is invalid.
    #[error("{0}")]
    InvalidEvent(String),
    /// Another argument is invalid.
    #[error("{0}")]
    InvalidArgument(String),
    /// No tracker has this namespace.
    #[error("{0}")]
    UnknownTracker(String),
    /// The database failed.
    #[error("{0}")]
    Storage(String),
    /// Sending failed; the events stay queued.
    #[error("{0}")]
    Network(String),
    /// The tracker was shut down during the call.
    #[error("{0}")]
    ShutDown(String),
}

impl From<tracker_core::TrackerError> for TrackerError {
    fn from(e: tracker_core::TrackerError) -> Self {
        use tracker_core::TrackerError as E;
        let m = e.to_string();
        match e {
            E::InvalidConfig(_) => TrackerError::InvalidConfig(m),
            E::InvalidEvent(_) => TrackerError::InvalidEvent(m),
            E::InvalidArgument(_) => TrackerError::InvalidArgument(m),
            E::UnknownTracker(_) => TrackerError::UnknownTracker(m),
            E::Storage(_) => TrackerError::Storage(m),
            E::Network(_) => TrackerError::Network(m),
            E::ShutDown => TrackerError::ShutDown(m),
        }
    }
}

/// A new session's `client_session` entity, as given to `onSessionUpdate`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ClientSession {
    /// User id (the nil UUID when anonymised).
    pub user_id: String,
    /// Session id.
    pub session_id: String,
    /// Session index.
    pub session_index: u32,
    /// Previous session id.
    pub previous_session_id: Option<String>,
    /// Always `SQLITE`.
    pub storage_mechanism: String,
    /// Id of the session's first event.
    pub first_event_id: String,
    /// Time of the session's first event (ISO-8601).
    pub first_event_timestamp: String,
    /// Index of the event in the session.
    pub event_index: u32,
}

/// Receives each new session, once, in order (sessionConfig's onSessionUpdate).
#[uniffi::export(with_foreign)]
pub trait SessionObserver: Send + Sync {
    /// A session started.
    fn on_session_update(&self, session: ClientSession);
}

struct ObserverBridge(Arc<dyn SessionObserver>);

impl tracker_core::SessionObserver for ObserverBridge {
    fn on_session_update(&self, s: tracker_core::ClientSession) {
        self.0.on_session_update(ClientSession {
            user_id: s.user_id,
            session_id: s.session_id,
            session_index: s.session_index,
            previous_session_id: s.previous_session_id,
            storage_mechanism: s.storage_mechanism.to_string(),
            first_event_id: s.first_event_id,
            first_event_timestamp: s.first_event_timestamp,
            event_index: s.event_index,
        });
    }
}

async fn answer<T: Send + 'static>(call: impl FnOnce(Responder<T>)) -> Result<T, TrackerError> {
    let (responder, reply): (Responder<T>, Reply<T>) = Responder::pair();
    call(responder);
    reply.await.map_err(TrackerError::from)
}

/// Creates (or replaces) the tracker of `namespace` from its JSON configuration.
/// `app_id` and `storage_directory` are the platform's defaults.
#[uniffi::export]
pub async fn create_tracker(
    namespace: String,
    config_json: String,
    app_id: Option<String>,
    storage_directory: Option<String>,
    observer: Option<Arc<dyn SessionObserver>>,
) -> Result<(), TrackerError> {
    let platform = PlatformDefaults { app_id, storage_directory: storage_directory.map(Into::into) };
    let observer = observer.map(|o| Arc::new(ObserverBridge(o)) as Arc<dyn tracker_core::SessionObserver>);
    answer(|r| registry::create_tracker(&namespace, &config_json, &platform, observer, r)).await
}

/// Removes a tracker; true if it existed.
#[uniffi::export]
pub async fn remove_tracker(namespace: String) -> Result<bool, TrackerError> {
    answer(|r| registry::remove_tracker(&namespace, r)).await
}

/// Removes every tracker.
#[uniffi::export]
pub async fn remove_all_trackers() -> Result<(), TrackerError> {
    answer(registry::remove_all_trackers).await
}

/// Tracks a screen view (`{"event": {...}, "contexts": [...]}`).
#[uniffi::export]
pub async fn track_screen_view_event(namespace: String, args_json: String) -> Result<(), TrackerError> {
    answer(|r| registry::track(&namespace, EventType::ScreenView, &args_json, r)).await
}

/// Tracks a self-describing event.
#[uniffi::export]
pub async fn track_self_describing_event(namespace: String, args_json: String) -> Result<(), TrackerError> {
    answer(|r| registry::track(&namespace, EventType::SelfDescribing, &args_json, r)).await
}

/// Tracks a structured event.
#[uniffi::export]
pub async fn track_structured_event(namespace: String, args_json: String) -> Result<(), TrackerError> {
    answer(|r| registry::track(&namespace, EventType::Structured, &args_json, r)).await
}

/// The session getters' values as a JSON object (userId, sessionId,
/// sessionIndex, isInBackground, backgroundIndex, foregroundIndex).
#[uniffi::export]
pub async fn get_session_info(namespace: String) -> Result<String, TrackerError> {
    answer(|r| registry::session_info_json(&namespace, r)).await
}

/// Starts a new session at the next event.
#[uniffi::export]
pub async fn start_new_session(namespace: String) -> Result<(), TrackerError> {
    answer(|r| registry::start_new_session(&namespace, r)).await
}

/// Sends everything stored.
#[uniffi::export]
pub async fn flush(namespace: String) -> Result<(), TrackerError> {
    answer(|r| registry::flush(&namespace, r)).await
}

/// Tells every tracker the app state (`active`, `background`, `inactive`).
#[uniffi::export]
pub async fn set_app_state(state: String) -> Result<(), TrackerError> {
    answer(|r| registry::set_app_state(&state, r)).await
}
