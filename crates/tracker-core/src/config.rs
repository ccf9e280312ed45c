//! Tracker configuration: parsed once, validated once, here.
//!
//! The platforms hand the core the same JSON object the app developer wrote in
//! TypeScript (`{ networkConfig, trackerConfig, sessionConfig, emitterConfig,
//! storage }`). Parsing it here, and nowhere else, is what keeps Android, iOS
//! and Node from ever disagreeing on a default or on what is valid. Every error
//! names the offending field, e.g. `sessionConfig.foregroundTimeout`.

use crate::error::{Result, TrackerError};
use crate::input::{self, quote, too_long};
use crate::policy::RetryConfig;
use serde::Deserialize;
use std::path::PathBuf;

/// HTTP method used to send events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HttpMethod {
    /// Batches to `{endpoint}/com.snowplowanalytics.snowplow/tp2` (default).
    Post,
    /// One event per request to `{endpoint}/i`.
    Get,
}

/// Platform value sent as `p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DevicePlatform {
    /// Web.
    Web,
    /// Mobile (default).
    Mob,
    /// Desktop computer.
    Pc,
    /// Server.
    Srv,
    /// General application.
    App,
    /// Connected TV.
    Tv,
    /// Games console.
    Cnsl,
    /// Internet of things.
    Iot,
}

impl DevicePlatform {
    /// The protocol's code for this platform.
    pub fn as_str(self) -> &'static str {
        match self {
            DevicePlatform::Web => "web",
            DevicePlatform::Mob => "mob",
            DevicePlatform::Pc => "pc",
            DevicePlatform::Srv => "srv",
            DevicePlatform::App => "app",
            DevicePlatform::Tv => "tv",
            DevicePlatform::Cnsl => "cnsl",
            DevicePlatform::Iot => "iot",
        }
    }
}

/// Where and how events are sent. Its `Debug` shows the endpoint with any
/// credentials masked ([`redact_endpoint`]).
#[derive(Clone, PartialEq)]
pub struct NetworkConfig {
    /// Collector base URL, normalised: scheme present, no trailing slash.
    pub endpoint: String,
    /// POST (default) or GET.
    pub method: HttpMethod,
    /// How long one request may take, in ms (`networkConfig.timeout`, seconds; default 30).
    pub timeout_ms: u64,
    /// The POST path below the endpoint, without a leading `/`
    /// (`networkConfig.customPostPath`; default `com.snowplowanalytics.snowplow/tp2`).
    pub post_path: String,
    /// Headers added to every request: `networkConfig.requestHeaders`, and
    /// `SP-Anonymous: *` with `emitterConfig.serverAnonymisation`.
    pub headers: Vec<(String, String)>,
}

/// How much the tracker reports through the app's log (`trackerConfig.logLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Nothing (the default of Snowplow's React Native tracker).
    #[default]
    Off,
    /// Problems, including options that cannot take effect.
    Error,
    /// And what the tracker decided.
    Debug,
    /// Everything.
    Verbose,
}

impl std::fmt::Debug for NetworkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkConfig")
            .field("endpoint", &redact_endpoint(&self.endpoint))
            .field("method", &self.method)
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

/// What the tracker adds to events.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerConfig {
    /// `aid`; defaults to what the platform gives (package name, bundle id).
    pub app_id: Option<String>,
    /// `p`; default `mob`.
    pub device_platform: DevicePlatform,
    /// Attach the `client_session` entity (default true).
    pub session_context: bool,
    /// Track background/foreground events (default true).
    pub lifecycle_autotracking: bool,
    /// Base64-encode `ue_px` / `cx` (default true).
    pub base64_encoding: bool,
    /// Leave the user's identifiers out: `uid`, `duid`, `tnuid`, `ip`, and
    /// the session entity's user ids (default false).
    pub user_anonymisation: bool,
    /// Attach the application entity (version, build) (default true).
    pub application_context: bool,
    /// Attach the platform entity, `mobile_context` (default true).
    pub platform_context: bool,
    /// Attach the screen entity after a screen view (default true).
    pub screen_context: bool,
    /// Attach the deep link entity to the screen view after a deep link (default true).
    pub deep_link_context: bool,
    /// Track `screen_end` with a `screen_summary`; fold scroll and list item
    /// events into it (default true).
    pub screen_engagement_autotracking: bool,
    /// Track `application_install` once per installation (default true).
    pub install_autotracking: bool,
    /// Track uncaught JavaScript errors as `application_error` (default true).
    pub exception_autotracking: bool,
}

/// Session timeouts and restart behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionConfig {
    /// Inactivity timeout in the foreground, in ms (from seconds; default 1800 s).
    pub foreground_timeout_ms: i64,
    /// Inactivity timeout in the background, in ms (default 1800 s).
    pub background_timeout_ms: i64,
    /// Continue the stored session after a restart if within the foreground timeout.
    pub continue_session_on_restart: bool,
    /// The app registered `onSessionUpdate`: the answer of each call that
    /// starts a session carries that session (a function cannot cross as
    /// JSON, so the TypeScript layer sends `true` in its place).
    pub on_session_update: bool,
}

/// Batching limits of the emitter.
#[derive(Debug, Clone, PartialEq)]
pub struct EmitterConfig {
    /// Maximum events read from the store per request (default 25).
    pub emit_range: u32,
    /// Maximum POST body size in bytes (default 40000).
    pub byte_limit_post: u32,
    /// Maximum size of one event sent by GET, in bytes (default 40000).
    pub byte_limit_get: u32,
    /// `retryFailedRequests` and `customRetryForStatusCodes`.
    pub retry: RetryConfig,
    /// `maxEventStoreSize`: the most events kept; the oldest go first (default 1000).
    pub max_event_store_size: u64,
    /// `maxEventStoreAge` in ms (seconds in the configuration; default 30 days).
    pub max_event_store_age_ms: i64,
}

/// The whole, validated configuration of one tracker.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Network settings.
    pub network: NetworkConfig,
    /// Tracker settings.
    pub tracker: TrackerConfig,
    /// Session settings.
    pub session: SessionConfig,
    /// Emitter settings.
    pub emitter: EmitterConfig,
    /// Directory of the databases, if the app chose one.
    pub storage_directory: Option<PathBuf>,
    /// `trackerConfig.logLevel`.
    pub log_level: LogLevel,
    /// Options given that have no effect here, one sentence each; reported
    /// to the app's log once, when the tracker is created (at `error` level).
    pub notices: Vec<String>,
    /// `subjectConfig`, as changes to the subject the platform's facts give.
    pub subject: crate::enrich::SubjectPatch,
    /// `gdprConfig`: the gdpr entity's data.
    pub gdpr: Option<serde_json::Value>,
    /// `gcConfig`: entities added to every event, by tag.
    pub global_contexts: Vec<crate::enrich::GlobalContexts>,
    /// What the platform reported about the device and the app.
    pub device: DeviceFacts,
}

/// Facts only the platform knows; the core decides what follows from them
/// where the app developer gave no value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlatformDefaults {
    /// The app's identity (Android package name, iOS bundle identifier): the
    /// default `appId`.
    pub app_id: Option<String>,
    /// The app's private files directory (Android `Context.filesDir`, iOS
    /// Application Support); the databases go to [`STORAGE_FOLDER`] inside it.
    pub files_directory: Option<PathBuf>,
    /// The device, the app and the user's settings as the platform reports
    /// them when a tracker is created; the entities and subject defaults
    /// built from them are decided in [`crate::enrich`].
    pub device: DeviceFacts,
}

/// What the platform knows about the device, the app and the user's
/// settings. Every field is optional: what is unknown is left out of the
/// events (the platform entity needs the first four).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceFacts {
    /// `android`, `ios`, `linux`, ... (mobile_context `osType`).
    pub os_type: Option<String>,
    /// The OS release, e.g. `14` or `17.2`.
    pub os_version: Option<String>,
    /// e.g. `Google`, `Apple`.
    pub device_manufacturer: Option<String>,
    /// e.g. `Pixel 8`, `iPhone15,2`.
    pub device_model: Option<String>,
    /// The app's version name (Android `versionName`, iOS `CFBundleShortVersionString`).
    pub app_version: Option<String>,
    /// The app's build (Android `versionCode`, iOS `CFBundleVersion`).
    pub app_build: Option<String>,
    /// The user's language as a BCP 47 tag, e.g. `en-GB` (`lang`).
    pub language: Option<String>,
    /// The IANA time zone, e.g. `Europe/London` (`tz`).
    pub timezone: Option<String>,
    /// Screen size in physical pixels, width then height (`res`).
    pub screen_resolution: Option<(u32, u32)>,
    /// Pixels per point or dp.
    pub scale: Option<f64>,
    /// Whether the screen is taller than wide.
    pub is_portrait: Option<bool>,
    /// The mobile network operator's name.
    pub carrier: Option<String>,
    /// `mobile`, `wifi` or `offline`.
    pub network_type: Option<String>,
    /// e.g. `LTE`.
    pub network_technology: Option<String>,
    /// Total memory in bytes.
    pub physical_memory: Option<u64>,
    /// Total storage in bytes.
    pub total_storage: Option<u64>,
}

/// The folder of the databases inside the app's files directory.
pub const STORAGE_FOLDER: &str = "react-native-rust-tracker";

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
struct RawConfig {
    network_config: Option<RawNetwork>,
    tracker_config: Option<RawTracker>,
    session_config: Option<RawSession>,
    emitter_config: Option<RawEmitter>,
    storage: Option<RawStorage>,
    #[serde(default, deserialize_with = "present")]
    subject_config: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "present")]
    gdpr_config: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "present")]
    gc_config: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
struct RawNetwork {
    endpoint: String,
    method: Option<HttpMethod>,
    #[serde(default, deserialize_with = "present")]
    timeout: Option<serde_json::Value>,
    custom_post_path: Option<String>,
    request_headers: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
struct RawTracker {
    app_id: Option<String>,
    device_platform: Option<DevicePlatform>,
    session_context: Option<bool>,
    lifecycle_autotracking: Option<bool>,
    base64_encoding: Option<bool>,
    user_anonymisation: Option<bool>,
    log_level: Option<LogLevel>,
    // Keys of Snowplow's React Native tracker 2.x accepted so that a 2.x
    // configuration works; each one that does nothing here is reported.
    application_context: Option<bool>,
    platform_context: Option<bool>,
    geo_location_context: Option<bool>,
    deep_link_context: Option<bool>,
    screen_context: Option<bool>,
    screen_view_autotracking: Option<bool>,
    screen_engagement_autotracking: Option<bool>,
    install_autotracking: Option<bool>,
    exception_autotracking: Option<bool>,
    diagnostic_autotracking: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
struct RawSession {
    #[serde(default, deserialize_with = "present")]
    foreground_timeout: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "present")]
    background_timeout: Option<serde_json::Value>,
    continue_session_on_restart: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    on_session_update: Option<serde_json::Value>,
}

/// Keeps an explicit `null` (as `Some(Null)`) so it can be reported, not defaulted.
fn present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
struct RawEmitter {
    emit_range: Option<u32>,
    byte_limit_post: Option<u32>,
    byte_limit_get: Option<u32>,
    retry_failed_requests: Option<bool>,
    custom_retry_for_status_codes: Option<std::collections::BTreeMap<String, bool>>,
    max_event_store_size: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    max_event_store_age: Option<serde_json::Value>,
    buffer_option: Option<BufferOption>,
    thread_pool_size: Option<u32>,
    server_anonymisation: Option<bool>,
}

/// `emitterConfig.bufferOption` of 2.x.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum BufferOption {
    Single,
    Small,
    Large,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
struct RawStorage {
    directory: Option<String>,
}

/// Default inactivity timeout of both states, in seconds.
pub const DEFAULT_TIMEOUT_SECONDS: f64 = 1800.0;
/// Default `emitterConfig.emitRange`.
pub const DEFAULT_EMIT_RANGE: u32 = 25;
/// Default `emitterConfig.byteLimitPost` and `byteLimitGet`.
pub const DEFAULT_BYTE_LIMIT: u32 = 40_000;
pub use crate::input::MIN_BYTE_LIMIT;

impl Config {
    /// Parses and validates the JSON configuration. No error message shows
    /// the credentials of a URL (`user:password@`), wherever in the
    /// configuration it was written.
    pub fn from_json(json: &str, platform: &PlatformDefaults) -> Result<Config> {
        input::inject_panic(json);
        Config::parse(json, platform).map_err(|e| match e {
            TrackerError::InvalidConfig(m) => {
                TrackerError::InvalidConfig(redact_credentials_in(&m))
            }
            other => other,
        })
    }

    fn parse(json: &str, platform: &PlatformDefaults) -> Result<Config> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            TrackerError::InvalidConfig(input::json_syntax_error("configuration is", &e))
        })?;
        // Before any typed parsing: a marker of NaN or of a function must be
        // named as what it is, not as a string of the wrong type.
        input::check_json(&value, "").map_err(TrackerError::InvalidConfig)?;
        if !value.is_object() {
            return Err(TrackerError::InvalidConfig(format!(
                "configuration must be an object, got {}",
                describe(&value)
            )));
        }
        let raw: RawConfig = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = input::cut(&e.path().to_string(), 80);
            let msg = input::cut_quoted(&strip_position(&e.inner().to_string()), 60);
            if path.is_empty() || path == "." {
                TrackerError::InvalidConfig(msg)
            } else {
                TrackerError::InvalidConfig(format!("{path}: {msg}"))
            }
        })?;
        let network = raw
            .network_config
            .ok_or_else(|| TrackerError::InvalidConfig("networkConfig is required".into()))?;
        let endpoint = normalise_endpoint(&network.endpoint)?;
        let t = raw.tracker_config.unwrap_or_default();
        let s = raw.session_config.unwrap_or_default();
        let e = raw.emitter_config.unwrap_or_default();
        let app_id = match t.app_id {
            Some(id) => match too_long(&id, input::MAX_APP_ID_CHARS) {
                Some(n) => {
                    return Err(TrackerError::InvalidConfig(format!(
                        "trackerConfig.appId must be at most {} characters, got {n}",
                        input::MAX_APP_ID_CHARS
                    )))
                }
                None => Some(id),
            },
            None => platform.app_id.clone(),
        };
        let emitter = EmitterConfig {
            emit_range: e.emit_range.unwrap_or(DEFAULT_EMIT_RANGE),
            byte_limit_post: e.byte_limit_post.unwrap_or(DEFAULT_BYTE_LIMIT),
            byte_limit_get: e.byte_limit_get.unwrap_or(DEFAULT_BYTE_LIMIT),
            retry: RetryConfig {
                retry_failed_requests: e.retry_failed_requests.unwrap_or(true),
                custom: status_codes(e.custom_retry_for_status_codes.unwrap_or_default())?,
            },
            max_event_store_size: match e.max_event_store_size.unwrap_or(DEFAULT_MAX_EVENT_STORE_SIZE) {
                n @ 1..=MAX_EVENT_STORE_SIZE => n,
                n => {
                    return Err(TrackerError::InvalidConfig(format!(
                        "emitterConfig.maxEventStoreSize must be from 1 to {MAX_EVENT_STORE_SIZE}, got {n}"
                    )))
                }
            },
            max_event_store_age_ms: seconds_ms(
                "emitterConfig.maxEventStoreAge",
                e.max_event_store_age.as_ref(),
                DEFAULT_MAX_EVENT_STORE_AGE_SECONDS,
                (1.0, MAX_EVENT_STORE_AGE_SECONDS),
            )?,
        };
        if emitter.emit_range == 0 {
            return Err(TrackerError::InvalidConfig(
                "emitterConfig.emitRange must be at least 1".into(),
            ));
        }
        if emitter.emit_range > input::MAX_EMIT_RANGE {
            return Err(TrackerError::InvalidConfig(format!(
                "emitterConfig.emitRange must be at most {}, got {}",
                input::MAX_EMIT_RANGE,
                emitter.emit_range
            )));
        }
        for (name, v) in [
            ("byteLimitPost", emitter.byte_limit_post),
            ("byteLimitGet", emitter.byte_limit_get),
        ] {
            if v < MIN_BYTE_LIMIT {
                return Err(TrackerError::InvalidConfig(format!(
                    "emitterConfig.{name} must be at least {MIN_BYTE_LIMIT} bytes, got {v}"
                )));
            }
            if v > input::MAX_BYTE_LIMIT {
                return Err(TrackerError::InvalidConfig(format!(
                    "emitterConfig.{name} must be at most {} bytes, got {v}",
                    input::MAX_BYTE_LIMIT
                )));
            }
        }
        let mut notices = Vec::new();
        for (key, given, why) in [
            (
                "geoLocationContext",
                t.geo_location_context,
                "the tracker does not read the device's location; add a geolocation_context entity to your events (or as a global context) from your app's own location permission",
            ),
            (
                "screenViewAutotracking",
                t.screen_view_autotracking,
                "React Native screens are not native activities or view controllers; track screen views from your navigation library with trackScreenViewEvent",
            ),
            (
                "diagnosticAutotracking",
                t.diagnostic_autotracking,
                "the tracker's own errors reach your Promises as TrackerError, and getDeliveryStats() reports delivery problems",
            ),
        ] {
            if given == Some(true) {
                notices.push(format!("trackerConfig.{key} has no effect: {why}"));
            }
        }
        let subject = match &raw.subject_config {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(v) => crate::enrich::parse_subject("subjectConfig", v).map_err(config_error)?,
        };
        let gdpr = match &raw.gdpr_config {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(crate::enrich::parse_gdpr(v)?),
        };
        let global_contexts = match raw.gc_config {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(serde_json::Value::Array(items)) => {
                let mut list: Vec<crate::enrich::GlobalContexts> = Vec::new();
                for (i, item) in items.into_iter().enumerate() {
                    let g = crate::enrich::parse_global_contexts(&format!("gcConfig[{i}]"), item)
                        .map_err(config_error)?;
                    match list.iter_mut().find(|x| x.tag == g.tag) {
                        Some(x) => *x = g,
                        None => list.push(g),
                    }
                }
                if list.len() > crate::enrich::MAX_GLOBAL_CONTEXT_TAGS {
                    return Err(TrackerError::InvalidConfig(format!(
                        "gcConfig may hold at most {} tags",
                        crate::enrich::MAX_GLOBAL_CONTEXT_TAGS
                    )));
                }
                list
            }
            Some(other) => {
                return Err(TrackerError::InvalidConfig(format!(
                    "gcConfig must be an array of {{tag, globalContexts}}, got {}",
                    describe(&other)
                )))
            }
        };
        if e.buffer_option.is_some_and(|b| b != BufferOption::Single) {
            notices.push(
                "emitterConfig.bufferOption has no effect: events are sent as soon as they are stored, in batches of up to emitRange".into(),
            );
        }
        if e.thread_pool_size.is_some() {
            notices.push("emitterConfig.threadPoolSize has no effect: each tracker sends on one thread of its own".into());
        }
        let post_path = match network.custom_post_path {
            None => DEFAULT_POST_PATH.to_string(),
            Some(p) => {
                let path = p.trim_start_matches('/');
                let bad = path.is_empty()
                    || too_long(path, input::MAX_POST_PATH_CHARS).is_some()
                    || !path
                        .chars()
                        .all(|c| c.is_ascii_graphic() && !matches!(c, '?' | '#' | '\\' | '%'));
                if bad {
                    return Err(TrackerError::InvalidConfig(format!(
                        "networkConfig.customPostPath must be a URL path of at most {} visible ASCII characters without ?, #, % or \\, got {}",
                        input::MAX_POST_PATH_CHARS,
                        input::quote(&p, 60)
                    )));
                }
                path.to_string()
            }
        };
        let mut headers = Vec::new();
        for (name, value) in network.request_headers.unwrap_or_default() {
            let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
            if name.is_empty() || name.len() > 100 || !name.chars().all(token) {
                return Err(TrackerError::InvalidConfig(format!(
                    "networkConfig.requestHeaders: {} is not an HTTP header name",
                    input::quote(&name, 60)
                )));
            }
            if value.len() > input::MAX_HEADER_VALUE_BYTES
                || value.chars().any(|c| c.is_control() && c != '\t')
            {
                return Err(TrackerError::InvalidConfig(format!(
                    "networkConfig.requestHeaders.{name} must be at most {} bytes without control characters",
                    input::MAX_HEADER_VALUE_BYTES
                )));
            }
            headers.push((name, value));
        }
        if headers.len() > input::MAX_REQUEST_HEADERS {
            return Err(TrackerError::InvalidConfig(format!(
                "networkConfig.requestHeaders may hold at most {} headers, got {}",
                input::MAX_REQUEST_HEADERS,
                headers.len()
            )));
        }
        if e.server_anonymisation == Some(true) {
            headers.push(("SP-Anonymous".into(), "*".into()));
        }
        let storage_directory = match raw.storage.and_then(|s| s.directory) {
            Some(d) if d.trim().is_empty() => {
                return Err(TrackerError::InvalidConfig(
                    "storage.directory must be a non-empty path".into(),
                ))
            }
            Some(d) if d.contains('\0') => {
                return Err(TrackerError::InvalidConfig(
                    "storage.directory must not contain a NUL character".into(),
                ))
            }
            Some(d) if too_long(&d, input::MAX_STORAGE_DIRECTORY_CHARS).is_some() => {
                return Err(TrackerError::InvalidConfig(format!(
                    "storage.directory must be at most {} characters",
                    input::MAX_STORAGE_DIRECTORY_CHARS
                )))
            }
            Some(d) => Some(PathBuf::from(d)),
            None => None,
        };
        Ok(Config {
            network: NetworkConfig {
                endpoint,
                method: network.method.unwrap_or(HttpMethod::Post),
                timeout_ms: u64::try_from(seconds_ms(
                    "networkConfig.timeout",
                    network.timeout.as_ref(),
                    DEFAULT_REQUEST_TIMEOUT_SECONDS,
                    (0.1, MAX_REQUEST_TIMEOUT_SECONDS),
                )?)
                .unwrap_or(30_000),
                post_path,
                headers,
            },
            tracker: TrackerConfig {
                app_id,
                device_platform: t.device_platform.unwrap_or(DevicePlatform::Mob),
                session_context: t.session_context.unwrap_or(true),
                lifecycle_autotracking: t.lifecycle_autotracking.unwrap_or(true),
                base64_encoding: t.base64_encoding.unwrap_or(true),
                user_anonymisation: t.user_anonymisation.unwrap_or(false),
                application_context: t.application_context.unwrap_or(true),
                platform_context: t.platform_context.unwrap_or(true),
                screen_context: t.screen_context.unwrap_or(true),
                deep_link_context: t.deep_link_context.unwrap_or(true),
                screen_engagement_autotracking: t.screen_engagement_autotracking.unwrap_or(true),
                install_autotracking: t.install_autotracking.unwrap_or(true),
                exception_autotracking: t.exception_autotracking.unwrap_or(true),
            },
            session: SessionConfig {
                foreground_timeout_ms: timeout_ms(
                    "sessionConfig.foregroundTimeout",
                    s.foreground_timeout.as_ref(),
                )?,
                background_timeout_ms: timeout_ms(
                    "sessionConfig.backgroundTimeout",
                    s.background_timeout.as_ref(),
                )?,
                continue_session_on_restart: s.continue_session_on_restart.unwrap_or(false),
                on_session_update: match s.on_session_update {
                    None | Some(serde_json::Value::Bool(true)) => s.on_session_update.is_some(),
                    Some(other) => {
                        return Err(TrackerError::InvalidConfig(format!(
                            "sessionConfig.onSessionUpdate must be a function, got {}",
                            describe(&other)
                        )))
                    }
                },
            },
            emitter,
            storage_directory: storage_directory.or_else(|| {
                platform
                    .files_directory
                    .as_ref()
                    .map(|d| d.join(STORAGE_FOLDER))
            }),
            log_level: t.log_level.unwrap_or_default(),
            notices,
            subject,
            gdpr,
            global_contexts,
            device: platform.device.clone(),
        })
    }
}

/// An argument error found while reading the configuration is a configuration error.
fn config_error(e: TrackerError) -> TrackerError {
    match e {
        TrackerError::InvalidArgument(m) | TrackerError::InvalidEvent(m) => {
            TrackerError::InvalidConfig(m)
        }
        e => e,
    }
}

/// serde_json appends " at line L column C" to messages; the path says more.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Default POST path below the endpoint (the tracker protocol's).
pub const DEFAULT_POST_PATH: &str = "com.snowplowanalytics.snowplow/tp2";

/// Default `emitterConfig.maxEventStoreSize` (Snowplow's native trackers).
pub const DEFAULT_MAX_EVENT_STORE_SIZE: u64 = 1_000;
/// The largest `maxEventStoreSize` accepted.
pub const MAX_EVENT_STORE_SIZE: u64 = 10_000_000;
/// Default `emitterConfig.maxEventStoreAge`: 30 days (Snowplow's native trackers).
pub const DEFAULT_MAX_EVENT_STORE_AGE_SECONDS: f64 = 30.0 * 24.0 * 3600.0;
/// The largest `maxEventStoreAge` accepted: 10 years.
pub const MAX_EVENT_STORE_AGE_SECONDS: f64 = 10.0 * 365.0 * 24.0 * 3600.0;
/// Default `networkConfig.timeout` of one request (Snowplow's native `emitTimeout`).
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: f64 = 30.0;
/// The longest `networkConfig.timeout` accepted.
pub const MAX_REQUEST_TIMEOUT_SECONDS: f64 = 600.0;

/// A number of seconds within `[min, max]` (default when absent), in ms.
fn seconds_ms(
    field: &str,
    v: Option<&serde_json::Value>,
    default: f64,
    (min, max): (f64, f64),
) -> Result<i64> {
    let seconds = match v {
        None => default,
        Some(serde_json::Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        Some(other) => {
            return Err(TrackerError::InvalidConfig(format!(
                "{field} must be a number of seconds, got {}",
                describe(other)
            )))
        }
    };
    if !(seconds.is_finite() && seconds >= min && seconds <= max) {
        return Err(TrackerError::InvalidConfig(format!(
            "{field} must be from {min} to {max} seconds, got {seconds}"
        )));
    }
    Ok((seconds * 1000.0).round() as i64)
}

/// `customRetryForStatusCodes`: keys are HTTP status codes (100 to 599).
fn status_codes(
    raw: std::collections::BTreeMap<String, bool>,
) -> Result<std::collections::HashMap<u16, bool>> {
    raw.into_iter()
        .map(|(k, retry)| match k.trim().parse::<u16>() {
            Ok(code @ 100..=599) => Ok((code, retry)),
            _ => Err(TrackerError::InvalidConfig(format!(
                "emitterConfig.customRetryForStatusCodes keys must be HTTP status codes (100 to 599), got {k:?}"
            ))),
        })
        .collect()
}

use crate::input::MAX_SESSION_TIMEOUT_SECONDS as MAX_TIMEOUT_SECONDS;

fn timeout_ms(field: &str, v: Option<&serde_json::Value>) -> Result<i64> {
    let seconds = match v {
        None => DEFAULT_TIMEOUT_SECONDS,
        Some(serde_json::Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        Some(other) => {
            return Err(TrackerError::InvalidConfig(format!(
                "{field} must be a number of seconds, got {}",
                describe(other)
            )))
        }
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(TrackerError::InvalidConfig(format!(
            "{field} must be a finite, non-negative number of seconds, got {seconds}"
        )));
    }
    if seconds > MAX_TIMEOUT_SECONDS {
        return Err(TrackerError::InvalidConfig(format!(
            "{field} must be at most {MAX_TIMEOUT_SECONDS} seconds, got {seconds}"
        )));
    }
    Ok((seconds * 1000.0).round() as i64)
}

/// A short description of a JSON value for error messages.
pub(crate) fn describe(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Bool(b) => format!("boolean {b}"),
        serde_json::Value::Number(n) => format!("number {n}"),
        serde_json::Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            format!("string {short:?}")
        }
        serde_json::Value::Array(_) => "an array".into(),
        serde_json::Value::Object(_) => "an object".into(),
    }
}

/// Validates the collector URL and gives it a scheme (https when absent):
/// http or https, a non-empty host, no query or fragment, at most
/// [`input::MAX_ENDPOINT_CHARS`] characters. Credentials in it
/// (`https://user:password@host`) are kept for sending, and masked in every
/// message that shows the endpoint ([`redact_endpoint`]).
pub fn normalise_endpoint(raw: &str) -> Result<String> {
    let bad = |why: &str| {
        TrackerError::InvalidConfig(format!(
            "networkConfig.endpoint {why}, got {}",
            quote(&redact_endpoint(raw), 120)
        ))
    };
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(bad("must be a non-empty URL"));
    }
    if let Some(n) = too_long(trimmed, input::MAX_ENDPOINT_CHARS) {
        return Err(TrackerError::InvalidConfig(format!(
            "networkConfig.endpoint must be at most {} characters, got {n}",
            input::MAX_ENDPOINT_CHARS
        )));
    }
    let with_scheme = match trimmed.find("://") {
        Some(i) => {
            let scheme = trimmed[..i].to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return Err(bad("must use http or https"));
            }
            format!("{scheme}{}", &trimmed[i..])
        }
        // Without `://`, the text up to the first `/` is `host[:port]`.
        // Anything else before a colon is a scheme such as `javascript:`,
        // `mailto:` or `data:`; and credentials need the scheme written, or
        // `javascript:x@host` would read as user `javascript`.
        None => {
            let host_port = trimmed.split('/').next().unwrap_or("");
            if host_port.contains('@') {
                return Err(bad(
                    "must begin with https:// or http:// when it has credentials",
                ));
            }
            let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
            let port_ok = match host_port.strip_prefix('[') {
                // An IPv6 literal: `[::1]` or `[::1]:8080`.
                Some(v6) => v6.split_once(']').is_some_and(|(_, after)| {
                    after.is_empty() || after.strip_prefix(':').is_some_and(digits)
                }),
                None => host_port
                    .rsplit_once(':')
                    .iter()
                    .all(|(_, port)| digits(port)),
            };
            if !port_ok || trimmed.starts_with(':') {
                return Err(bad("must use http or https"));
            }
            format!("https://{trimmed}")
        }
    };
    let uri: ureq::http::Uri = with_scheme.parse().map_err(|_| bad("is not a valid URL"))?;
    let host = uri.host().unwrap_or("");
    if host.is_empty() || host.starts_with('.') || host.ends_with("..") {
        return Err(bad("has no host"));
    }
    if uri.query().is_some() || with_scheme.contains('#') {
        return Err(bad("must not have a query or fragment"));
    }
    Ok(with_scheme.trim_end_matches('/').to_string())
}

/// The endpoint as it may be shown: the credentials of its authority masked,
/// the user name kept when there is a password (`https://user:***@host`),
/// masked too when it stands alone (`https://***@host`, a token used as the
/// user name). Works on any text an app gave as an endpoint, valid or not:
/// everything between the scheme and the last `@` counts as credentials, so
/// a malformed one (`https://u:p/w@host`) is masked whole, and an `@` in a
/// path masks too much rather than too little.
pub fn redact_endpoint(endpoint: &str) -> String {
    let start = endpoint.find("://").map_or(0, |i| i + 3);
    match endpoint.rfind('@') {
        Some(at) if at > start => {
            let userinfo = &endpoint[start..at];
            let shown = match userinfo.find(':') {
                Some(colon) => format!("{}:***", &userinfo[..colon]),
                None => "***".to_string(),
            };
            format!("{}{shown}{}", &endpoint[..start], &endpoint[at..])
        }
        _ => endpoint.to_string(),
    }
}

/// `text` (an error message, the words of an HTTP client's error) with the
/// credentials of any URL in it masked like [`redact_endpoint`] does. The
/// search for credentials also stops at spaces, double quotes and the other
/// characters a URL's userinfo cannot hold (RFC 3986), so that it works on
/// URLs inside sentences; it masks too much rather than too little (an
/// e-mail address in a message loses its local part).
pub fn redact_credentials_in(text: &str) -> String {
    mask_userinfo(text, |c| {
        c.is_whitespace()
            || matches!(
                c,
                '/' | '?' | '#' | '\\' | '"' | '`' | '<' | '>' | '[' | ']' | '{' | '}' | '|' | '^'
            )
    })
}

/// Masks, in each piece of `s` between delimiters, whatever comes before the
/// piece's last `@` (a URL's userinfo).
fn mask_userinfo(s: &str, delimiter: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut piece = String::new();
    let flush = |piece: &mut String, out: &mut String| {
        match piece.rfind('@') {
            Some(at) if at > 0 => {
                match piece[..at].find(':') {
                    Some(colon) => {
                        out.push_str(&piece[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str("***"),
                }
                out.push_str(&piece[at..]);
            }
            _ => out.push_str(piece),
        }
        piece.clear();
    };
    for c in s.chars() {
        if delimiter(c) {
            flush(&mut piece, &mut out);
            out.push(c);
        } else {
            piece.push(c);
        }
    }
    flush(&mut piece, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Config> {
        Config::from_json(json, &PlatformDefaults::default())
    }

    fn err(json: &str) -> String {
        parse(json).unwrap_err().to_string()
    }

    #[test]
    fn defaults_follow_snowplow_2x() {
        let c = parse(r#"{"networkConfig":{"endpoint":"collector.example.com"}}"#).unwrap();
        assert_eq!(c.network.endpoint, "https://collector.example.com");
        assert_eq!(c.network.method, HttpMethod::Post);
        assert_eq!(c.tracker.device_platform, DevicePlatform::Mob);
        assert!(c.tracker.session_context);
        assert!(c.tracker.lifecycle_autotracking);
        assert!(c.tracker.base64_encoding);
        assert!(!c.tracker.user_anonymisation);
        assert_eq!(c.session.foreground_timeout_ms, 1_800_000);
        assert_eq!(c.session.background_timeout_ms, 1_800_000);
        assert!(!c.session.continue_session_on_restart);
        assert_eq!(
            c.emitter,
            EmitterConfig {
                emit_range: 25,
                byte_limit_post: 40000,
                byte_limit_get: 40000,
                retry: RetryConfig::default(),
                max_event_store_size: 1000,
                max_event_store_age_ms: 30 * 24 * 3600 * 1000,
            }
        );
        assert_eq!(c.network.timeout_ms, 30_000);
        assert_eq!(c.tracker.app_id, None);
    }

    #[test]
    fn platform_app_id_is_default_only() {
        let p = PlatformDefaults {
            app_id: Some("com.app".into()),
            ..Default::default()
        };
        let c = Config::from_json(r#"{"networkConfig":{"endpoint":"h.io"}}"#, &p).unwrap();
        assert_eq!(c.tracker.app_id.as_deref(), Some("com.app"));
        let c = Config::from_json(
            r#"{"networkConfig":{"endpoint":"h.io"},"trackerConfig":{"appId":"mine"}}"#,
            &p,
        )
        .unwrap();
        assert_eq!(c.tracker.app_id.as_deref(), Some("mine"));
    }

    #[test]
    fn storage_folder_is_decided_from_the_files_directory() {
        let p = PlatformDefaults {
            files_directory: Some("/data/app/files".into()),
            ..Default::default()
        };
        let c = Config::from_json(r#"{"networkConfig":{"endpoint":"h.io"}}"#, &p).unwrap();
        assert_eq!(
            c.storage_directory,
            Some(PathBuf::from("/data/app/files/react-native-rust-tracker"))
        );
        let json = r#"{"networkConfig":{"endpoint":"h.io"},"storage":{"directory":"/mine"}}"#;
        assert_eq!(
            Config::from_json(json, &p).unwrap().storage_directory,
            Some(PathBuf::from("/mine"))
        );
    }

    #[test]
    fn on_session_update_is_a_flag_standing_for_the_function() {
        let parse = |v: &str| {
            Config::from_json(
                &format!(
                    r#"{{"networkConfig":{{"endpoint":"h.io"}},"sessionConfig":{{"onSessionUpdate":{v}}}}}"#
                ),
                &PlatformDefaults::default(),
            )
        };
        assert!(parse("true").unwrap().session.on_session_update);
        let c = Config::from_json(
            r#"{"networkConfig":{"endpoint":"h.io"}}"#,
            &PlatformDefaults::default(),
        )
        .unwrap();
        assert!(!c.session.on_session_update);
        for bad in ["false", "\"[function]\"", "1", "null"] {
            let e = parse(bad).unwrap_err();
            assert!(
                e.to_string()
                    .contains("sessionConfig.onSessionUpdate must be a function"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn a_full_2x_configuration_is_accepted_and_what_has_no_effect_is_noticed() {
        let c = parse(
            r#"{"networkConfig":{"endpoint":"h.io","method":"post","customPostPath":"/a/b","requestHeaders":{"X-K":"v"}},
            "trackerConfig":{"appId":"a","devicePlatform":"mob","base64Encoding":true,"logLevel":"debug",
              "applicationContext":true,"platformContext":true,"geoLocationContext":false,"sessionContext":true,
              "deepLinkContext":true,"screenContext":true,"screenViewAutotracking":true,"screenEngagementAutotracking":true,
              "lifecycleAutotracking":true,"installAutotracking":true,"exceptionAutotracking":true,
              "diagnosticAutotracking":false,"userAnonymisation":false},
            "sessionConfig":{"foregroundTimeout":1800,"backgroundTimeout":1800},
            "emitterConfig":{"bufferOption":"single","emitRange":25,"threadPoolSize":15,"byteLimitPost":40000,
              "byteLimitGet":40000,"serverAnonymisation":true}}"#,
        )
        .unwrap();
        assert_eq!(c.log_level, LogLevel::Debug);
        assert_eq!(c.network.post_path, "a/b");
        assert_eq!(
            c.network.headers,
            vec![
                ("X-K".into(), "v".into()),
                ("SP-Anonymous".into(), "*".into())
            ]
        );
        // screenViewAutotracking (native views only) and threadPoolSize; bufferOption
        // single is what happens anyway, and the other flags take effect.
        assert_eq!(c.notices.len(), 2, "{:#?}", c.notices);
        assert!(c.notices.iter().all(|n| n.contains("no effect")));
        assert!(
            c.notices[0].starts_with("trackerConfig.screenViewAutotracking has no effect"),
            "{}",
            c.notices[0]
        );
        let t = &c.tracker;
        assert!(
            t.application_context && t.platform_context && t.screen_context && t.deep_link_context
        );
        assert!(
            t.screen_engagement_autotracking && t.install_autotracking && t.exception_autotracking
        );
        let off = parse(
            r#"{"networkConfig":{"endpoint":"h.io"},"trackerConfig":{"applicationContext":false,"platformContext":false,
            "screenContext":false,"deepLinkContext":false,"screenEngagementAutotracking":false,"installAutotracking":false,
            "exceptionAutotracking":false,"geoLocationContext":true,"diagnosticAutotracking":true}}"#,
        )
        .unwrap();
        let t = &off.tracker;
        assert!(
            !(t.application_context
                || t.platform_context
                || t.screen_context
                || t.deep_link_context)
        );
        assert!(
            !(t.screen_engagement_autotracking
                || t.install_autotracking
                || t.exception_autotracking)
        );
        assert_eq!(off.notices.len(), 2, "{:#?}", off.notices);
        assert!(off.notices[0].starts_with("trackerConfig.geoLocationContext has no effect"));
        assert!(off.notices[1].starts_with("trackerConfig.diagnosticAutotracking has no effect"));
        let plain = parse(r#"{"networkConfig":{"endpoint":"h.io"}}"#).unwrap();
        assert_eq!(plain.network.post_path, DEFAULT_POST_PATH);
        assert!(plain.network.headers.is_empty() && plain.notices.is_empty());
        assert_eq!(plain.log_level, LogLevel::Off);
    }

    #[test]
    fn delivery_options_are_parsed_and_bounded() {
        let ok = parse(
            r#"{"networkConfig":{"endpoint":"h.io","timeout":1.5},"emitterConfig":{"retryFailedRequests":false,
            "customRetryForStatusCodes":{"403":true,"500":false},"maxEventStoreSize":5,"maxEventStoreAge":60}}"#,
        )
        .unwrap();
        assert_eq!(ok.network.timeout_ms, 1500);
        assert!(!ok.emitter.retry.retry_failed_requests);
        assert_eq!(ok.emitter.retry.custom.get(&403), Some(&true));
        assert_eq!(ok.emitter.retry.custom.get(&500), Some(&false));
        assert_eq!(
            (
                ok.emitter.max_event_store_size,
                ok.emitter.max_event_store_age_ms
            ),
            (5, 60_000)
        );
        for (json, message) in [
            (
                r#""emitterConfig":{"customRetryForStatusCodes":{"abc":true}}"#,
                "customRetryForStatusCodes keys must be HTTP status codes",
            ),
            (
                r#""emitterConfig":{"customRetryForStatusCodes":{"99":true}}"#,
                "(100 to 599), got \"99\"",
            ),
            (
                r#""emitterConfig":{"customRetryForStatusCodes":{"500":"yes"}}"#,
                "emitterConfig.customRetryForStatusCodes.500: invalid type",
            ),
            (
                r#""emitterConfig":{"maxEventStoreSize":0}"#,
                "maxEventStoreSize must be from 1 to 10000000, got 0",
            ),
            (
                r#""emitterConfig":{"maxEventStoreSize":-3}"#,
                "emitterConfig.maxEventStoreSize: invalid value",
            ),
            (
                r#""emitterConfig":{"maxEventStoreAge":0}"#,
                "maxEventStoreAge must be from 1 to",
            ),
            (
                r#""emitterConfig":{"maxEventStoreAge":"1d"}"#,
                "maxEventStoreAge must be a number of seconds, got string",
            ),
            (
                r#""emitterConfig":{"retryFailedRequests":"no"}"#,
                "emitterConfig.retryFailedRequests: invalid type",
            ),
        ] {
            let e = parse(&format!(
                r#"{{"networkConfig":{{"endpoint":"h.io"}},{json}}}"#
            ))
            .unwrap_err();
            assert!(e.to_string().contains(message), "{json}: {e}");
        }
        for (t, message) in [
            ("0", "from 0.1 to 600 seconds, got 0"),
            ("601", "got 601"),
            ("null", "got null"),
        ] {
            let e = parse(&format!(
                r#"{{"networkConfig":{{"endpoint":"h.io","timeout":{t}}}}}"#
            ))
            .unwrap_err();
            assert!(e.to_string().contains(message), "{t}: {e}");
        }
    }

    #[test]
    fn fractional_timeouts_are_kept_to_the_millisecond() {
        let c = parse(r#"{"networkConfig":{"endpoint":"h.io"},"sessionConfig":{"foregroundTimeout":1.5,"backgroundTimeout":0.0015}}"#).unwrap();
        assert_eq!(c.session.foreground_timeout_ms, 1500);
        assert_eq!(c.session.background_timeout_ms, 2);
    }

    #[test]
    fn each_invalid_field_is_named() {
        let cases = [
            (r#"{}"#, "networkConfig is required"),
            (r#"{"networkConfig":{"endpoint":""}}"#, "networkConfig.endpoint must be a non-empty URL"),
            (r#"{"networkConfig":{"endpoint":"ftp://x.io"}}"#, "networkConfig.endpoint must use http or https"),
            (r#"{"networkConfig":{"endpoint":"https://"}}"#, "networkConfig.endpoint"),
            (r#"{"networkConfig":{"endpoint":"http://a b"}}"#, "networkConfig.endpoint is not a valid URL"),
            (r#"{"networkConfig":{"endpoint":42}}"#, "networkConfig.endpoint: invalid type: integer `42`"),
            (r#"{"networkConfig":{"endpoint":"h.io","method":"put"}}"#, "networkConfig.method: unknown variant `put`"),
            (r#"{"networkConfig":{"endpoint":"h.io","extra":1}}"#, "unknown field `extra`"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"trackerConfig":{"sessionContext":"yes"}}"#, "trackerConfig.sessionContext: invalid type: string \"yes\", expected a boolean"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"trackerConfig":{"devicePlatform":"phone"}}"#, "trackerConfig.devicePlatform: unknown variant `phone`"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"trackerConfig":{"sesionContext":true}}"#, "unknown field `sesionContext`"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"sessionConfig":{"foregroundTimeout":-1}}"#, "sessionConfig.foregroundTimeout must be a finite, non-negative number of seconds, got -1"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"sessionConfig":{"backgroundTimeout":"Infinity"}}"#, "sessionConfig.backgroundTimeout must be a number of seconds, got string \"Infinity\""),
            (r#"{"networkConfig":{"endpoint":"h.io"},"sessionConfig":{"backgroundTimeout":null}}"#, "sessionConfig.backgroundTimeout must be a number of seconds, got null"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"sessionConfig":{"foregroundTimeout":1e300}}"#, "sessionConfig.foregroundTimeout must be at most"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"sessionConfig":{"continueSessionOnRestart":1}}"#, "sessionConfig.continueSessionOnRestart: invalid type"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"emitterConfig":{"emitRange":0}}"#, "emitterConfig.emitRange must be at least 1"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"emitterConfig":{"emitRange":2.5}}"#, "emitterConfig.emitRange: invalid type"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"emitterConfig":{"byteLimitPost":10}}"#, "emitterConfig.byteLimitPost must be at least 1000"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"emitterConfig":{"bufferOption":"huge"}}"#, "emitterConfig.bufferOption: unknown variant `huge`"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"subjectConfig":{"userID":"u"}}"#, "subjectConfig has unknown key \"userID\""),
            (r#"{"networkConfig":{"endpoint":"h.io"},"subjectConfig":{"screenResolution":[1]}}"#, "subjectConfig.screenResolution must be an array of two numbers"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"subjectConfig":{"colorDepth":"24"}}"#, "subjectConfig.colorDepth must be a number from 0 to 1000000 or null, got string \"24\""),
            (r#"{"networkConfig":{"endpoint":"h.io"},"gdprConfig":{"documentId":"d"}}"#, "gdprConfig.basisForProcessing is required"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"gdprConfig":{"basisForProcessing":"whim"}}"#, "gdprConfig.basisForProcessing must be one of consent, contract"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"gdprConfig":{"basisForProcessing":"consent","documentVersion":"12345678901234567"}}"#, "gdprConfig.documentVersion must be at most 16 characters, got 17"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"gcConfig":{}}"#, "gcConfig must be an array of {tag, globalContexts}, got an object"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"gcConfig":[{"tag":"t"}]}"#, "gcConfig[0].globalContexts is required"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"gcConfig":[{"tag":"t","globalContexts":[{"schema":"x","data":{}}]}]}"#, "gcConfig[0].globalContexts[0].schema must be an Iglu URI"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"subjectConfg":{}}"#, "unknown field `subjectConfg`"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"storage":{"directory":" "}}"#, "storage.directory must be a non-empty path"),
            (r#"[1]"#, "configuration must be an object, got an array"),
            (r#"{"networkConfig":"#, "configuration is not valid JSON"),
            (r#"{"networkConfig":"h.io"}"#, "networkConfig: invalid type: string \"h.io\", expected an object"),
        ];
        for (json, expected) in cases {
            let m = err(json);
            assert!(
                m.contains(expected),
                "{json}: expected {expected:?} in {m:?}"
            );
            assert!(m.starts_with("invalid configuration: "), "{m}");
        }
    }

    #[test]
    fn endpoint_forms() {
        assert_eq!(
            normalise_endpoint("HTTP://127.0.0.1:9090/").unwrap(),
            "http://127.0.0.1:9090"
        );
        assert_eq!(
            normalise_endpoint(" c.io/prefix ").unwrap(),
            "https://c.io/prefix"
        );
        assert!(normalise_endpoint("https://c.io/?x=1").is_err());
        assert_eq!(
            normalise_endpoint("localhost:9090/x").unwrap(),
            "https://localhost:9090/x"
        );
        assert_eq!(
            normalise_endpoint("[::1]:9090").unwrap(),
            "https://[::1]:9090"
        );
        assert_eq!(normalise_endpoint("http://[::1]").unwrap(), "http://[::1]");
        assert_eq!(
            normalise_endpoint("https://u:p@c.io").unwrap(),
            "https://u:p@c.io",
            "credentials are kept for sending"
        );
    }

    #[test]
    fn endpoints_that_are_not_http_urls_with_a_host_are_refused() {
        let cases = [
            ("javascript:alert(1)", "must use http or https"),
            ("javascript:void(0)", "must use http or https"),
            (
                "mailto:me@c.io",
                "must begin with https:// or http:// when it has credentials",
            ),
            ("javascript:x@c.io", "must begin with https:// or http://"),
            ("u:p@c.io:8080", "must begin with https:// or http://"),
            ("data:text/html,x", "must use http or https"),
            ("file:///etc/passwd", "must use http or https"),
            ("ws://c.io", "must use http or https"),
            (":8080", "must use http or https"),
            ("http://", "networkConfig.endpoint"),
            ("https://", "networkConfig.endpoint"),
            ("https:///x", "networkConfig.endpoint"),
            ("http://:80", "networkConfig.endpoint"),
            ("http://u:p@", "networkConfig.endpoint"),
            ("https://.c.io", "has no host"),
            ("https://c.io#frag", "must not have a query or fragment"),
            ("https://c\u{0}.io", "is not a valid URL"),
            ("https://c.io/\na", "is not a valid URL"),
        ];
        for (raw, expected) in cases {
            let m = normalise_endpoint(raw).unwrap_err().to_string();
            assert!(
                m.starts_with("invalid configuration: networkConfig.endpoint "),
                "{raw:?}: {m}"
            );
            assert!(
                m.contains(expected),
                "{raw:?}: expected {expected:?} in {m}"
            );
        }
        let long = format!("https://c.io/{}", "p".repeat(input::MAX_ENDPOINT_CHARS));
        let m = normalise_endpoint(&long).unwrap_err().to_string();
        assert!(
            m.contains("must be at most 2048 characters, got 2061"),
            "{m}"
        );
        assert!(m.len() < 200, "a long endpoint is not echoed: {m}");
    }

    #[test]
    fn credentials_are_masked_in_shown_endpoints() {
        let cases = [
            ("https://user:s3cret@c.io/p", "https://user:***@c.io/p"),
            ("https://tok3n@c.io", "https://***@c.io"),
            ("user:s3cret@c.io", "user:***@c.io"),
            ("https://u:pa:ss@w@c.io", "https://u:***@c.io"),
            ("ftp://user:s3cret@c.io", "ftp://user:***@c.io"),
            ("http:/user:s3cret@c.io", "http:***@c.io"),
            ("https://u:p/w@c.io", "https://u:***@c.io"),
            ("https://u:p?w@c.io", "https://u:***@c.io"),
            ("https://c.io/@handle", "https://***@handle"),
            ("https://c.io/@", "https://***@"),
            ("@c.io", "@c.io"),
            ("https://c.io", "https://c.io"),
            ("", ""),
        ];
        for (raw, shown) in cases {
            assert_eq!(redact_endpoint(raw), shown, "{raw}");
        }
        assert_eq!(
            redact_credentials_in(
                "could not reach https://user:s3cret@c.io (io: refused for \"u:s3cret@h\")"
            ),
            "could not reach https://user:***@c.io (io: refused for \"u:***@h\")"
        );
        // Characters a password may hold (sub-delims) do not end the search.
        assert_eq!(
            redact_credentials_in("at https://u:p(a,s;s'@h: x"),
            "at https://u:***@h: x"
        );
        assert_eq!(redact_endpoint("https://u:p(a,s;s'@h"), "https://u:***@h");
        // Masking what is masked changes nothing.
        assert_eq!(
            redact_credentials_in("https://user:***@c.io"),
            "https://user:***@c.io"
        );
        let c = parse(r#"{"networkConfig":{"endpoint":"https://user:s3cret@c.io"}}"#).unwrap();
        assert!(
            !format!("{c:?}").contains("s3cret"),
            "Debug masks it: {c:?}"
        );
        assert_eq!(c.network.endpoint, "https://user:s3cret@c.io");
    }

    #[test]
    fn no_configuration_error_shows_a_password() {
        let endpoints = [
            "ftp://user:s3cret@c.io",
            "https://user:s3cret@",
            "https://user:s3cret@c.io/?q=1",
            "https://user:s3cret@c.io#f",
            "https://user:s3cret@.c.io",
            "https://user:s3cret@c o.io",
            "user:s3cret@c.io:http",
            "javascript:user:s3cret@c.io",
            "http:/user:s3cret@",
        ];
        for e in endpoints {
            let json = serde_json::json!({"networkConfig": {"endpoint": e}}).to_string();
            let m = err(&json);
            assert!(m.contains("networkConfig.endpoint"), "{e}: {m}");
            assert!(!m.contains("s3cret"), "{e}: {m}");
        }
        // Echoed by serde or by `describe` where an endpoint does not belong.
        for json in [
            r#"{"networkConfig":"https://user:s3cret@c.io"}"#,
            r#"{"networkConfig":{"endpoint":"c.io","method":"https://user:s3cret@c.io"}}"#,
            r#"{"networkConfig":{"endpoint":"c.io"},"sessionConfig":{"foregroundTimeout":"https://user:s3cret@c.io"}}"#,
            r#"{"networkConfig":{"endpoint":"c.io"},"trackerConfig":{"devicePlatform":"user:s3cret@c.io"}}"#,
        ] {
            let m = err(json);
            assert!(!m.contains("s3cret"), "{json}: {m}");
            assert!(m.contains(":***@"), "{json}: {m}");
        }
    }

    #[test]
    fn every_numeric_and_string_option_is_bounded() {
        let cfg = |section: &str, body: &str| {
            format!(r#"{{"networkConfig":{{"endpoint":"h.io"}},"{section}":{body}}}"#)
        };
        let cases = [
            (
                cfg("emitterConfig", r#"{"emitRange":1001}"#),
                "emitterConfig.emitRange must be at most 1000, got 1001",
            ),
            (
                cfg("emitterConfig", r#"{"byteLimitPost":10000001}"#),
                "emitterConfig.byteLimitPost must be at most 10000000 bytes, got 10000001",
            ),
            (
                cfg("emitterConfig", r#"{"byteLimitGet":4294967295}"#),
                "emitterConfig.byteLimitGet must be at most 10000000 bytes",
            ),
            (
                cfg("emitterConfig", r#"{"byteLimitGet":4294967296}"#),
                "emitterConfig.byteLimitGet: invalid value",
            ),
            (
                cfg("sessionConfig", r#"{"backgroundTimeout":9000000001}"#),
                "sessionConfig.backgroundTimeout must be at most 9000000000 seconds",
            ),
            (
                cfg(
                    "trackerConfig",
                    &format!(r#"{{"appId":"{}"}}"#, "a".repeat(256)),
                ),
                "trackerConfig.appId must be at most 255 characters, got 256",
            ),
            (
                cfg(
                    "storage",
                    &format!(r#"{{"directory":"/{}"}}"#, "d".repeat(4096)),
                ),
                "storage.directory must be at most 4096 characters",
            ),
            (
                cfg("storage", r#"{"directory":"/tmp/a\u0000b"}"#),
                "storage.directory must not contain a NUL character",
            ),
        ];
        for (json, expected) in cases {
            let m = err(&json);
            assert!(m.contains(expected), "expected {expected:?} in {m:?}");
        }
        // What serde echoes (an unknown key, a wrong string) is cut.
        let key = "k".repeat(5000);
        let m = err(&cfg("emitterConfig", &format!(r#"{{"{key}":1}}"#)));
        assert!(
            m.contains(&format!("unknown field `{}...`", "k".repeat(60))) && m.len() < 500,
            "{m}"
        );
        let m = err(&cfg(
            "emitterConfig",
            &format!(r#"{{"customRetryForStatusCodes":{{"{key}":1}}}}"#),
        ));
        assert!(m.len() < 400, "{m}");
        let m = err(&cfg(
            "trackerConfig",
            &format!(r#"{{"devicePlatform":"{key}"}}"#),
        ));
        assert!(m.contains("unknown variant `kkk") && m.len() < 400, "{m}");
        let ok = parse(&cfg(
            "emitterConfig",
            r#"{"emitRange":1000,"byteLimitPost":10000000,"byteLimitGet":10000000}"#,
        ))
        .unwrap();
        assert_eq!(
            (ok.emitter.emit_range, ok.emitter.byte_limit_post),
            (1000, 10_000_000)
        );
        let ok = parse(&cfg(
            "trackerConfig",
            &format!(r#"{{"appId":"{}"}}"#, "é".repeat(255)),
        ))
        .unwrap();
        assert_eq!(ok.tracker.app_id.map(|a| a.chars().count()), Some(255));
    }

    #[test]
    fn values_json_cannot_carry_are_named_by_path() {
        let m = |kind: &str| format!("\"\\u0000rn-rust-tracker:unsupported:{kind}\"");
        let cases = [
            (
                format!(
                    r#"{{"networkConfig":{{"endpoint":"h.io"}},"sessionConfig":{{"foregroundTimeout":{}}}}}"#,
                    m("NaN")
                ),
                "sessionConfig.foregroundTimeout must be a finite number, got NaN",
            ),
            (
                format!(
                    r#"{{"networkConfig":{{"endpoint":"h.io"}},"sessionConfig":{{"backgroundTimeout":{}}}}}"#,
                    m("Infinity")
                ),
                "sessionConfig.backgroundTimeout must be a finite number, got Infinity",
            ),
            (
                format!(
                    r#"{{"networkConfig":{{"endpoint":"h.io","timeout":{}}}}}"#,
                    m("-Infinity")
                ),
                "networkConfig.timeout must be a finite number, got -Infinity",
            ),
            (
                format!(r#"{{"networkConfig":{{"endpoint":{}}}}}"#, m("function")),
                "networkConfig.endpoint must be JSON data, got a function",
            ),
            (
                format!(
                    r#"{{"networkConfig":{{"endpoint":"h.io"}},"emitterConfig":{{"emitRange":{}}}}}"#,
                    m("bigint")
                ),
                "emitterConfig.emitRange must be JSON data, got a BigInt",
            ),
            (
                format!(
                    r#"{{"networkConfig":{{"endpoint":"h.io"}},"trackerConfig":{{"appId":{}}}}}"#,
                    m("symbol")
                ),
                "trackerConfig.appId must be JSON data, got a symbol",
            ),
            (
                format!(
                    r#"{{"networkConfig":{{"endpoint":"h.io"}},"unknown":{{"deep":[{}]}}}}"#,
                    m("NaN")
                ),
                "unknown.deep[0] must be a finite number, got NaN",
            ),
        ];
        for (json, expected) in cases {
            let e = parse(&json).unwrap_err();
            assert_eq!(e.code(), "INVALID_CONFIG");
            assert_eq!(
                e.to_string(),
                format!("invalid configuration: {expected}"),
                "{json}"
            );
        }
        let deep = format!(
            r#"{{"networkConfig":{{"endpoint":"h.io"}},"x":{}1{}}}"#,
            "[".repeat(70),
            "]".repeat(70)
        );
        assert!(
            err(&deep).contains("is nested more than 64 levels deep"),
            "{}",
            err(&deep)
        );
        let deeper = format!(r#"{{"x":{}1{}}}"#, "[".repeat(300), "]".repeat(300));
        assert_eq!(
            err(&deeper),
            "invalid configuration: configuration is nested more than 64 levels deep"
        );
    }
}
