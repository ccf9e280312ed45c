//! Tracker configuration: parsed once, validated once, here.
//!
//! The platforms hand the core the same JSON object the app developer wrote in
//! TypeScript (`{ networkConfig, trackerConfig, sessionConfig, emitterConfig,
//! storage }`). Parsing it here, and nowhere else, is what keeps Android, iOS
//! and Node from ever disagreeing on a default or on what is valid. Every error
//! names the offending field, e.g. `sessionConfig.foregroundTimeout`.

use crate::error::{Result, TrackerError};
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

/// Where and how events are sent.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkConfig {
    /// Collector base URL, normalised: scheme present, no trailing slash.
    pub endpoint: String,
    /// POST (default) or GET.
    pub method: HttpMethod,
    /// How long one request may take, in ms (`networkConfig.timeout`, seconds; default 30).
    pub timeout_ms: u64,
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
    /// Anonymise the session entity's user ids (default false).
    pub user_anonymisation: bool,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
struct RawNetwork {
    endpoint: String,
    method: Option<HttpMethod>,
    #[serde(default, deserialize_with = "present")]
    timeout: Option<serde_json::Value>,
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
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<serde_json::Value>, D::Error> {
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
/// The smallest byte limit accepted: below it no real event fits.
pub const MIN_BYTE_LIMIT: u32 = 1_000;

impl Config {
    /// Parses and validates the JSON configuration.
    pub fn from_json(json: &str, platform: &PlatformDefaults) -> Result<Config> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| TrackerError::InvalidConfig(format!("configuration is not valid JSON: {e}")))?;
        if !value.is_object() {
            return Err(TrackerError::InvalidConfig(format!(
                "configuration must be an object, got {}",
                describe(&value)
            )));
        }
        let raw: RawConfig = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let msg = strip_position(&e.inner().to_string());
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
            Some(id) => Some(id),
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
        for (name, v) in [
            ("byteLimitPost", emitter.byte_limit_post),
            ("byteLimitGet", emitter.byte_limit_get),
        ] {
            if v < MIN_BYTE_LIMIT {
                return Err(TrackerError::InvalidConfig(format!(
                    "emitterConfig.{name} must be at least {MIN_BYTE_LIMIT} bytes, got {v}"
                )));
            }
        }
        let storage_directory = match raw.storage.and_then(|s| s.directory) {
            Some(d) if d.trim().is_empty() => {
                return Err(TrackerError::InvalidConfig(
                    "storage.directory must be a non-empty path".into(),
                ))
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
            },
            tracker: TrackerConfig {
                app_id,
                device_platform: t.device_platform.unwrap_or(DevicePlatform::Mob),
                session_context: t.session_context.unwrap_or(true),
                lifecycle_autotracking: t.lifecycle_autotracking.unwrap_or(true),
                base64_encoding: t.base64_encoding.unwrap_or(true),
                user_anonymisation: t.user_anonymisation.unwrap_or(false),
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
            storage_directory: storage_directory
                .or_else(|| platform.files_directory.as_ref().map(|d| d.join(STORAGE_FOLDER))),
        })
    }
}

/// serde_json appends " at line L column C" to messages; the path says more.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

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
fn seconds_ms(field: &str, v: Option<&serde_json::Value>, default: f64, (min, max): (f64, f64)) -> Result<i64> {
    let seconds = match v {
        None => default,
        Some(serde_json::Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        Some(other) => {
            return Err(TrackerError::InvalidConfig(format!("{field} must be a number of seconds, got {}", describe(other))))
        }
    };
    if !(seconds.is_finite() && seconds >= min && seconds <= max) {
        return Err(TrackerError::InvalidConfig(format!("{field} must be from {min} to {max} seconds, got {seconds}")));
    }
    Ok((seconds * 1000.0).round() as i64)
}

/// `customRetryForStatusCodes`: keys are HTTP status codes (100 to 599).
fn status_codes(raw: std::collections::BTreeMap<String, bool>) -> Result<std::collections::HashMap<u16, bool>> {
    raw.into_iter()
        .map(|(k, retry)| match k.trim().parse::<u16>() {
            Ok(code @ 100..=599) => Ok((code, retry)),
            _ => Err(TrackerError::InvalidConfig(format!(
                "emitterConfig.customRetryForStatusCodes keys must be HTTP status codes (100 to 599), got {k:?}"
            ))),
        })
        .collect()
}

/// The largest timeout accepted: about 285 years, far below i64 overflow.
const MAX_TIMEOUT_SECONDS: f64 = 9.0e9;

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

/// Validates the collector URL and gives it a scheme (https when absent).
pub fn normalise_endpoint(raw: &str) -> Result<String> {
    let bad = |why: &str| {
        TrackerError::InvalidConfig(format!("networkConfig.endpoint {why}, got {raw:?}"))
    };
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(bad("must be a non-empty URL"));
    }
    let with_scheme = match trimmed.find("://") {
        Some(i) => {
            let scheme = trimmed[..i].to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return Err(bad("must use http or https"));
            }
            format!("{scheme}{}", &trimmed[i..])
        }
        None => format!("https://{trimmed}"),
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
        let p = PlatformDefaults { app_id: Some("com.app".into()), files_directory: None };
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
        let p = PlatformDefaults { app_id: None, files_directory: Some("/data/app/files".into()) };
        let c = Config::from_json(r#"{"networkConfig":{"endpoint":"h.io"}}"#, &p).unwrap();
        assert_eq!(c.storage_directory, Some(PathBuf::from("/data/app/files/react-native-rust-tracker")));
        let json = r#"{"networkConfig":{"endpoint":"h.io"},"storage":{"directory":"/mine"}}"#;
        assert_eq!(Config::from_json(json, &p).unwrap().storage_directory, Some(PathBuf::from("/mine")));
    }

    #[test]
    fn on_session_update_is_a_flag_standing_for_the_function() {
        let parse = |v: &str| {
            Config::from_json(&format!(r#"{{"networkConfig":{{"endpoint":"h.io"}},"sessionConfig":{{"onSessionUpdate":{v}}}}}"#), &PlatformDefaults::default())
        };
        assert!(parse("true").unwrap().session.on_session_update);
        let c = Config::from_json(r#"{"networkConfig":{"endpoint":"h.io"}}"#, &PlatformDefaults::default()).unwrap();
        assert!(!c.session.on_session_update);
        for bad in ["false", "\"[function]\"", "1", "null"] {
            let e = parse(bad).unwrap_err();
            assert!(e.to_string().contains("sessionConfig.onSessionUpdate must be a function"), "{bad}: {e}");
        }
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
        assert_eq!((ok.emitter.max_event_store_size, ok.emitter.max_event_store_age_ms), (5, 60_000));
        for (json, message) in [
            (r#""emitterConfig":{"customRetryForStatusCodes":{"abc":true}}"#, "customRetryForStatusCodes keys must be HTTP status codes"),
            (r#""emitterConfig":{"customRetryForStatusCodes":{"99":true}}"#, "(100 to 599), got \"99\""),
            (r#""emitterConfig":{"customRetryForStatusCodes":{"500":"yes"}}"#, "emitterConfig.customRetryForStatusCodes.500: invalid type"),
            (r#""emitterConfig":{"maxEventStoreSize":0}"#, "maxEventStoreSize must be from 1 to 10000000, got 0"),
            (r#""emitterConfig":{"maxEventStoreSize":-3}"#, "emitterConfig.maxEventStoreSize: invalid value"),
            (r#""emitterConfig":{"maxEventStoreAge":0}"#, "maxEventStoreAge must be from 1 to"),
            (r#""emitterConfig":{"maxEventStoreAge":"1d"}"#, "maxEventStoreAge must be a number of seconds, got string"),
            (r#""emitterConfig":{"retryFailedRequests":"no"}"#, "emitterConfig.retryFailedRequests: invalid type"),
        ] {
            let e = parse(&format!(r#"{{"networkConfig":{{"endpoint":"h.io"}},{json}}}"#)).unwrap_err();
            assert!(e.to_string().contains(message), "{json}: {e}");
        }
        for (t, message) in [("0", "from 0.1 to 600 seconds, got 0"), ("601", "got 601"), ("null", "got null")] {
            let e = parse(&format!(r#"{{"networkConfig":{{"endpoint":"h.io","timeout":{t}}}}}"#)).unwrap_err();
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
            (r#"{"networkConfig":{"endpoint":"h.io"},"emitterConfig":{"bufferOption":"single"}}"#, "unknown field `bufferOption`"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"subjectConfig":{}}"#, "unknown field `subjectConfig`"),
            (r#"{"networkConfig":{"endpoint":"h.io"},"storage":{"directory":" "}}"#, "storage.directory must be a non-empty path"),
            (r#"[1]"#, "configuration must be an object, got an array"),
            (r#"{"networkConfig":"#, "configuration is not valid JSON"),
            (r#"{"networkConfig":"h.io"}"#, "networkConfig: invalid type: string \"h.io\", expected an object"),
        ];
        for (json, expected) in cases {
            let m = err(json);
            assert!(m.contains(expected), "{json}: expected {expected:?} in {m:?}");
            assert!(m.starts_with("invalid configuration: "), "{m}");
        }
    }

    #[test]
    fn endpoint_forms() {
        assert_eq!(normalise_endpoint("HTTP://127.0.0.1:9090/").unwrap(), "http://127.0.0.1:9090");
        assert_eq!(normalise_endpoint(" c.io/prefix ").unwrap(), "https://c.io/prefix");
        assert!(normalise_endpoint("https://c.io/?x=1").is_err());
    }
}
