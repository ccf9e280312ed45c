//! The session state machine of `docs/sessions.md`.
//!
//! Pure logic: no clock, no disk, no threads. The writer thread owns the one
//! [`Session`] of a tracker, feeds it each event with that event's time, stores
//! what it returns in the same transaction as the event, and answers the
//! getters from it. Keeping it pure is what lets every rule of the contract be
//! tested with plain numbers for time.

use crate::config::SessionConfig;
use serde::{Deserialize, Serialize};

/// The `storageMechanism` reported in the entity (Decision 6).
pub const STORAGE_MECHANISM: &str = "SQLITE";
/// The user id sent when `userAnonymisation` is on.
pub const ANONYMOUS_USER_ID: &str = "00000000-0000-0000-0000-000000000000";
/// Schema of the `client_session` entity.
pub const CLIENT_SESSION_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2";
const MAX_INDEX: u32 = i32::MAX as u32;

/// The persisted part of a session: what survives a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionState {
    /// Id of the current session.
    pub session_id: String,
    /// Id of the session before, if any.
    pub previous_session_id: Option<String>,
    /// 1 for the first session, +1 per session.
    pub session_index: u32,
    /// `eid` of the event that started the session.
    pub first_event_id: String,
    /// That event's `dtm` in ISO-8601.
    pub first_event_timestamp: String,
    /// Events in this session so far.
    pub event_index: u32,
    /// Time (epoch ms) of the last event processed while checking was not paused.
    pub last_update: i64,
    /// Whether the last event was tracked with `userAnonymisation` on.
    #[serde(default)]
    pub anonymised: bool,
}

/// The `client_session` entity, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientSession {
    /// Installation user id, or the nil UUID when anonymised.
    pub user_id: String,
    /// Current session id.
    pub session_id: String,
    /// Current session index.
    pub session_index: u32,
    /// Previous session id; null in the first session and when anonymised.
    pub previous_session_id: Option<String>,
    /// Always `SQLITE`.
    pub storage_mechanism: &'static str,
    /// `eid` of the session's first event.
    pub first_event_id: String,
    /// `dtm` of the session's first event, ISO-8601 UTC with milliseconds.
    pub first_event_timestamp: String,
    /// Position of this event in the session, from 1.
    pub event_index: u32,
}

/// What the getters report (spec, "Getters").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// Installation user id (the real one even when anonymised).
    pub user_id: String,
    /// Current session id; `None` before the first event of this run.
    pub session_id: Option<String>,
    /// Current session index; `None` before the first event of this run.
    pub session_index: Option<u32>,
    /// Whether the app is in the background.
    pub is_in_background: bool,
    /// Background transitions in the current session.
    pub background_index: u32,
    /// Foreground transitions in the current session.
    pub foreground_index: u32,
}

/// The outcome of passing one event through the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventUpdate {
    /// The entity for this event (built whether or not it is attached).
    pub entity: Option<ClientSession>,
    /// Set when this event started a session: the snapshot for `onSessionUpdate`.
    pub new_session: Option<ClientSession>,
}

/// One tracker's session: persisted state plus this run's flags and counters.
#[derive(Debug, Clone)]
pub struct Session {
    user_id: String,
    state: Option<SessionState>,
    foreground_timeout_ms: i64,
    background_timeout_ms: i64,
    anonymise: bool,
    new_session_requested: bool,
    paused: bool,
    in_background: bool,
    background_index: u32,
    foreground_index: u32,
    active_this_run: bool,
}

impl Session {
    /// A session at the start of a run. `stored` is what the last run persisted;
    /// unless `continueSessionOnRestart` is on, the first event starts a new session.
    pub fn new(
        user_id: String,
        stored: Option<SessionState>,
        config: &SessionConfig,
        anonymise: bool,
        in_background: bool,
    ) -> Session {
        Session {
            user_id,
            state: stored,
            foreground_timeout_ms: config.foreground_timeout_ms,
            background_timeout_ms: config.background_timeout_ms,
            anonymise,
            new_session_requested: !config.continue_session_on_restart,
            paused: false,
            in_background,
            background_index: 0,
            foreground_index: 0,
            active_this_run: false,
        }
    }

    /// The persisted state, to be written with the events.
    pub fn state(&self) -> Option<&SessionState> {
        self.state.as_ref()
    }

    /// Whether the app is in the background.
    pub fn in_background(&self) -> bool {
        self.in_background
    }

    /// The getters' view.
    pub fn info(&self) -> SessionInfo {
        let current = self.state.as_ref().filter(|_| self.active_this_run);
        SessionInfo {
            user_id: self.user_id.clone(),
            session_id: current.map(|s| s.session_id.clone()),
            session_index: current.map(|s| s.session_index),
            is_in_background: self.in_background,
            background_index: self.background_index,
            foreground_index: self.foreground_index,
        }
    }

    /// `startNewSession()`: takes effect at the next event (Decision 4).
    pub fn request_new_session(&mut self) {
        self.new_session_requested = true;
    }

    /// Pauses or resumes the session check (Decision 4).
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    /// Changes `userAnonymisation`; a change starts a new session at the next event.
    pub fn set_anonymise(&mut self, anonymise: bool) {
        self.anonymise = anonymise;
    }

    /// Runs the session check for one event tracked at `now_ms` with id `eid`,
    /// then counts the event (spec, "When a session starts").
    pub fn on_event(&mut self, eid: &str, now_ms: i64) -> EventUpdate {
        let mut started = false;
        if !self.paused && self.should_start_new_session(now_ms) {
            self.start_new_session(eid, now_ms);
            started = true;
        }
        let Some(state) = self.state.as_mut() else {
            // Paused before any session ever existed: nothing to attach.
            return EventUpdate {
                entity: None,
                new_session: None,
            };
        };
        self.active_this_run = true;
        state.event_index = state.event_index.saturating_add(1).min(MAX_INDEX);
        if !self.paused {
            state.last_update = now_ms;
        }
        let entity = self.entity();
        EventUpdate {
            new_session: if started { entity.clone() } else { None },
            entity,
        }
    }

    /// Records a move to the background (`true`) or foreground; returns the new
    /// value of that direction's counter, or `None` if the state did not change.
    /// The caller runs the lifecycle event through [`Session::on_event`] first,
    /// so that its check uses the timeout of the state being left.
    pub fn record_transition(&mut self, to_background: bool) -> Option<u32> {
        if self.in_background == to_background {
            return None;
        }
        self.in_background = to_background;
        let counter = if to_background {
            &mut self.background_index
        } else {
            &mut self.foreground_index
        };
        *counter = counter.saturating_add(1).min(MAX_INDEX);
        Some(*counter)
    }

    fn should_start_new_session(&self, now_ms: i64) -> bool {
        let Some(state) = &self.state else {
            return true;
        };
        if self.new_session_requested || state.anonymised != self.anonymise {
            return true;
        }
        if now_ms < state.last_update {
            return true;
        }
        // A session restored from storage (continueSessionOnRestart; no event
        // yet in this run) continues if within the *foreground* timeout
        // (Decision 3), whatever state the app was launched in.
        let timeout = if self.in_background && self.active_this_run {
            self.background_timeout_ms
        } else {
            self.foreground_timeout_ms
        };
        now_ms.saturating_sub(state.last_update) > timeout
    }

    fn start_new_session(&mut self, eid: &str, now_ms: i64) {
        let previous = self.state.take();
        self.state = Some(SessionState {
            session_id: uuid::Uuid::new_v4().to_string(),
            previous_session_id: previous.as_ref().map(|p| p.session_id.clone()),
            session_index: previous
                .as_ref()
                .map_or(1, |p| p.session_index.saturating_add(1).min(MAX_INDEX)),
            first_event_id: eid.to_string(),
            first_event_timestamp: iso8601_ms(now_ms),
            event_index: 0,
            last_update: now_ms,
            anonymised: self.anonymise,
        });
        self.new_session_requested = false;
        self.background_index = 0;
        self.foreground_index = 0;
    }

    fn entity(&self) -> Option<ClientSession> {
        let s = self.state.as_ref()?;
        Some(ClientSession {
            user_id: if self.anonymise {
                ANONYMOUS_USER_ID.into()
            } else {
                self.user_id.clone()
            },
            session_id: s.session_id.clone(),
            session_index: s.session_index,
            previous_session_id: if self.anonymise {
                None
            } else {
                s.previous_session_id.clone()
            },
            storage_mechanism: STORAGE_MECHANISM,
            first_event_id: s.first_event_id.clone(),
            first_event_timestamp: s.first_event_timestamp.clone(),
            event_index: s.event_index,
        })
    }
}

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
pub fn iso8601_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    // Civil-from-days (proleptic Gregorian), after H. Hinnant's public algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}
