//! What a tracker adds to the events the app tracks, beyond the session.
//!
//! Snowplow's React Native tracker 2.x sends, by default, more than the app
//! gives it: the subject fields (`uid`, `tz`, `lang`, `res`, ...), the
//! application and platform entities, the screen entity after a screen view,
//! the deep-link entity on the screen view that follows a deep link, an
//! `application_install` event once per installation, and screen engagement
//! (`screen_end` events with a `screen_summary`). This module decides all of
//! that, from the configuration and the facts the platform reports
//! ([`DeviceFacts`]), so Android, iOS and Node send the same events.
//!
//! The state lives in one [`Enricher`] owned by the tracker's writer thread
//! (crate::writer), so it changes in call order with everything else.

use crate::config::{describe, DeviceFacts, TrackerConfig};
use crate::error::{Result, TrackerError};
use crate::event::{self, Event, EventBody, SelfDescribing};
use crate::input::{self, too_long};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Schema of the application entity (app version and build).
pub const APPLICATION_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/application/jsonschema/1-0-0";
/// Schema of the platform entity.
pub const MOBILE_CONTEXT_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/mobile_context/jsonschema/1-0-3";
/// Schema of the screen entity.
pub const SCREEN_SCHEMA: &str = "iglu:com.snowplowanalytics.mobile/screen/jsonschema/1-0-0";
/// Schema of the deep link entity.
pub const DEEP_LINK_SCHEMA: &str = "iglu:com.snowplowanalytics.mobile/deep_link/jsonschema/1-0-0";
/// Schema of the gdpr entity.
pub const GDPR_SCHEMA: &str = "iglu:com.snowplowanalytics.snowplow/gdpr/jsonschema/1-0-0";
/// Schema of the install event.
pub const INSTALL_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/application_install/jsonschema/1-0-0";
/// Schema of the screen end event.
pub const SCREEN_END_SCHEMA: &str = "iglu:com.snowplowanalytics.mobile/screen_end/jsonschema/1-0-0";
/// Schema of the screen summary entity.
pub const SCREEN_SUMMARY_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/screen_summary/jsonschema/1-0-0";
/// Schema of the application error event (uncaught JavaScript errors).
pub const APPLICATION_ERROR_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/application_error/jsonschema/1-0-2";

/// The longest subject string kept (user id, user agent, ...).
pub const MAX_SUBJECT_CHARS: usize = 2_048;
/// The most tags of global contexts a tracker holds.
pub const MAX_GLOBAL_CONTEXT_TAGS: usize = 100;
/// The most entities under one tag.
pub const MAX_ENTITIES_PER_TAG: usize = 100;
/// The longest `message` of an application error (its schema's limit).
pub const MAX_ERROR_MESSAGE_CHARS: usize = 2_048;
/// The longest `stackTrace` of an application error (its schema's limit).
pub const MAX_STACK_TRACE_CHARS: usize = 8_192;

/// One field of the subject: what the app's `set*` call and the
/// `subjectConfig` key are called, and which payload field it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKey {
    /// `userId` → `uid`
    UserId,
    /// `networkUserId` → `tnuid`
    NetworkUserId,
    /// `domainUserId` → `duid`
    DomainUserId,
    /// `useragent` → `ua`
    Useragent,
    /// `ipAddress` → `ip`
    IpAddress,
    /// `timezone` → `tz`
    Timezone,
    /// `language` → `lang`
    Language,
    /// `screenResolution` (`[w, h]`) → `res` (`WxH`)
    ScreenResolution,
    /// `screenViewport` (`[w, h]`) → `vp`
    ScreenViewport,
    /// `colorDepth` → `cd`
    ColorDepth,
}

impl SubjectKey {
    /// Every field, in payload order.
    pub const ALL: [SubjectKey; 10] = [
        SubjectKey::UserId,
        SubjectKey::NetworkUserId,
        SubjectKey::DomainUserId,
        SubjectKey::Useragent,
        SubjectKey::IpAddress,
        SubjectKey::Timezone,
        SubjectKey::Language,
        SubjectKey::ScreenResolution,
        SubjectKey::ScreenViewport,
        SubjectKey::ColorDepth,
    ];

    /// The key in `subjectConfig` and `setSubjectData`.
    pub fn js_name(self) -> &'static str {
        match self {
            SubjectKey::UserId => "userId",
            SubjectKey::NetworkUserId => "networkUserId",
            SubjectKey::DomainUserId => "domainUserId",
            SubjectKey::Useragent => "useragent",
            SubjectKey::IpAddress => "ipAddress",
            SubjectKey::Timezone => "timezone",
            SubjectKey::Language => "language",
            SubjectKey::ScreenResolution => "screenResolution",
            SubjectKey::ScreenViewport => "screenViewport",
            SubjectKey::ColorDepth => "colorDepth",
        }
    }

    /// The payload field.
    pub fn wire(self) -> &'static str {
        match self {
            SubjectKey::UserId => "uid",
            SubjectKey::NetworkUserId => "tnuid",
            SubjectKey::DomainUserId => "duid",
            SubjectKey::Useragent => "ua",
            SubjectKey::IpAddress => "ip",
            SubjectKey::Timezone => "tz",
            SubjectKey::Language => "lang",
            SubjectKey::ScreenResolution => "res",
            SubjectKey::ScreenViewport => "vp",
            SubjectKey::ColorDepth => "cd",
        }
    }

    /// Whether `userAnonymisation` leaves the field out.
    fn identifies_user(self) -> bool {
        matches!(
            self,
            SubjectKey::UserId
                | SubjectKey::NetworkUserId
                | SubjectKey::DomainUserId
                | SubjectKey::IpAddress
        )
    }

    fn index(self) -> usize {
        SubjectKey::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }

    /// Checks a value given for this field (`null` clears it) and returns
    /// it as the payload carries it. `what` names it in errors.
    pub fn parse(self, what: &str, v: &Value) -> Result<Option<String>> {
        let bad = |expected: &str| {
            TrackerError::InvalidArgument(format!(
                "{what} must be {expected} or null, got {}",
                describe(v)
            ))
        };
        match (self, v) {
            (_, Value::Null) => Ok(None),
            (SubjectKey::ScreenResolution | SubjectKey::ScreenViewport, Value::Array(a)) => {
                let side = |x: &Value| {
                    x.as_f64()
                        .filter(|f| f.is_finite() && (0.0..=1e6).contains(f))
                };
                match a.as_slice() {
                    [w, h] => match (side(w), side(h)) {
                        (Some(w), Some(h)) => {
                            Ok(Some(format!("{}x{}", w.trunc() as u64, h.trunc() as u64)))
                        }
                        _ => Err(bad("an array of two numbers from 0 to 1000000")),
                    },
                    _ => Err(bad("an array of two numbers from 0 to 1000000")),
                }
            }
            (SubjectKey::ScreenResolution | SubjectKey::ScreenViewport, _) => {
                Err(bad("an array of two numbers from 0 to 1000000"))
            }
            (SubjectKey::ColorDepth, Value::Number(n)) => match n
                .as_f64()
                .filter(|f| f.is_finite() && (0.0..=1e6).contains(f))
            {
                Some(f) => Ok(Some((f.trunc() as u64).to_string())),
                None => Err(bad("a number from 0 to 1000000")),
            },
            (SubjectKey::ColorDepth, _) => Err(bad("a number from 0 to 1000000")),
            (_, Value::String(s)) => match too_long(s, MAX_SUBJECT_CHARS) {
                Some(n) => Err(TrackerError::InvalidArgument(format!(
                    "{what} must be at most {MAX_SUBJECT_CHARS} characters, got {n}"
                ))),
                None if s.chars().any(|c| c.is_control()) => Err(TrackerError::InvalidArgument(
                    format!("{what} must not contain control characters"),
                )),
                None => Ok(Some(s.clone())),
            },
            _ => Err(bad("a string")),
        }
    }
}

/// Changes to the subject, in order: each field set, or cleared (`None`).
pub type SubjectPatch = Vec<(SubjectKey, Option<String>)>;

/// Parses a `subjectConfig` / `setSubjectData` object. Unknown keys are errors:
/// a typo in a user id key must not go unnoticed.
pub fn parse_subject(what: &str, v: &Value) -> Result<SubjectPatch> {
    let m = match v {
        Value::Object(m) => m,
        other => {
            return Err(TrackerError::InvalidArgument(format!(
                "{what} must be an object, got {}",
                describe(other)
            )))
        }
    };
    let mut patch = Vec::new();
    for (k, value) in m {
        let key = SubjectKey::ALL.into_iter().find(|s| s.js_name() == k).ok_or_else(|| {
            TrackerError::InvalidArgument(format!(
                "{what} has unknown key {} (known: userId, networkUserId, domainUserId, useragent, ipAddress, timezone, language, screenResolution, screenViewport, colorDepth)",
                input::quote(k, 60)
            ))
        })?;
        patch.push((key, key.parse(&format!("{what}.{k}"), value)?));
    }
    Ok(patch)
}

/// Entities added to every event under a tag, until removed.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalContexts {
    /// The tag they are removed by.
    pub tag: String,
    /// The entities (shared with every event they go on).
    pub entities: Vec<Arc<Added>>,
}

/// An entity the tracker adds to events (the fixed, global, screen, deep
/// link and summary entities): shared by the events it goes on, and
/// serialised once for all of them (the platform and application entities
/// go on every event, the screen entity on every event on that screen).
///
/// Either form is made from the other the first time it is needed (one of
/// them is always there): a screen view's entity is made as JSON only, since
/// building its map of values, and freeing it at the next screen view, was a
/// tenth of the writer's instructions per screen view.
#[derive(Debug)]
pub struct Added {
    /// The entity.
    entity: std::sync::OnceLock<SelfDescribing>,
    /// Its JSON, made the first time an event needs it.
    json: std::sync::OnceLock<String>,
}

impl Added {
    /// Shares `entity`.
    pub fn new(entity: SelfDescribing) -> Arc<Added> {
        Arc::new(Added {
            entity: std::sync::OnceLock::from(entity),
            json: std::sync::OnceLock::new(),
        })
    }

    /// Shares the entity whose JSON is `json` (written directly, as serde
    /// would have: see `screen_entity_json`).
    fn from_json(json: String) -> Arc<Added> {
        Arc::new(Added {
            entity: std::sync::OnceLock::new(),
            json: std::sync::OnceLock::from(json),
        })
    }

    /// The entity, read from its JSON the first time if it was made as JSON.
    pub fn entity(&self) -> &SelfDescribing {
        self.entity.get_or_init(|| {
            let json = self.json.get().map_or("", String::as_str);
            let mut v: Value = serde_json::from_str(json).unwrap_or(Value::Null);
            SelfDescribing {
                schema: match v.get_mut("schema").map(Value::take) {
                    Some(Value::String(schema)) => schema,
                    _ => String::new(),
                },
                data: v.get_mut("data").map(Value::take).unwrap_or(Value::Null),
            }
        })
    }

    /// The entity as JSON, `{"schema":...,"data":...}`, made once.
    pub fn json(&self) -> &str {
        self.json
            .get_or_init(|| serde_json::to_string(self.entity()).unwrap_or_default())
    }
}

impl PartialEq for Added {
    fn eq(&self, other: &Added) -> bool {
        self.entity() == other.entity()
    }
}

impl serde::Serialize for Added {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.entity().serialize(s)
    }
}

/// Parses `{tag, globalContexts: [...]}` (an item of `gcConfig`, or the
/// argument of `addGlobalContexts`).
pub fn parse_global_contexts(what: &str, v: Value) -> Result<GlobalContexts> {
    let bad = |m: String| TrackerError::InvalidArgument(m);
    let mut m = match v {
        Value::Object(m) => m,
        other => {
            return Err(bad(format!(
                "{what} must be an object with tag and globalContexts, got {}",
                describe(&other)
            )))
        }
    };
    let tag = match m.remove("tag") {
        Some(Value::String(t)) if !t.is_empty() && too_long(&t, 256).is_none() => t,
        Some(Value::String(_)) => {
            return Err(bad(format!(
                "{what}.tag must be a string of 1 to 256 characters"
            )))
        }
        None | Some(Value::Null) => return Err(bad(format!("{what}.tag is required"))),
        Some(other) => {
            return Err(bad(format!(
                "{what}.tag must be a string, got {}",
                describe(&other)
            )))
        }
    };
    let items = match m.remove("globalContexts") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => return Err(bad(format!("{what}.globalContexts is required"))),
        Some(other) => {
            return Err(bad(format!(
                "{what}.globalContexts must be an array of entities, got {}",
                describe(&other)
            )))
        }
    };
    if let Some(k) = m.keys().next() {
        return Err(bad(format!(
            "{what} has unknown key {} (expected tag and globalContexts)",
            input::quote(k, 60)
        )));
    }
    if items.len() > MAX_ENTITIES_PER_TAG {
        return Err(bad(format!(
            "{what}.globalContexts may hold at most {MAX_ENTITIES_PER_TAG} entities, got {}",
            items.len()
        )));
    }
    let entities = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            event::self_describing(&format!("{what}.globalContexts[{i}]"), item).map_err(
                |e| match e {
                    TrackerError::InvalidEvent(m) => TrackerError::InvalidArgument(m),
                    e => e,
                },
            )
        })
        .map(|e| e.map(Added::new))
        .collect::<Result<Vec<_>>>()?;
    Ok(GlobalContexts { tag, entities })
}

/// The gdpr entity's `basisForProcessing` values.
pub const GDPR_BASES: [&str; 6] = [
    "consent",
    "contract",
    "legal_obligation",
    "legitimate_interests",
    "public_task",
    "vital_interests",
];

/// Parses `gdprConfig` into the gdpr entity's data.
pub fn parse_gdpr(v: &Value) -> Result<Value> {
    let bad = |m: String| TrackerError::InvalidConfig(m);
    let m = match v {
        Value::Object(m) => m,
        other => {
            return Err(bad(format!(
                "gdprConfig must be an object, got {}",
                describe(other)
            )))
        }
    };
    let mut data = Map::new();
    for (k, value) in m {
        let max = match k.as_str() {
            "basisForProcessing" => 0,
            "documentId" => 255,
            "documentVersion" => 16,
            "documentDescription" => 4096,
            _ => {
                return Err(bad(format!(
                    "gdprConfig has unknown key {} (known: basisForProcessing, documentId, documentVersion, documentDescription)",
                    input::quote(k, 60)
                )))
            }
        };
        match value {
            Value::String(s) if max == 0 => {
                if !GDPR_BASES.contains(&s.as_str()) {
                    return Err(bad(format!(
                        "gdprConfig.basisForProcessing must be one of {}, got {}",
                        GDPR_BASES.join(", "),
                        input::quote(s, 40)
                    )));
                }
                data.insert(k.clone(), value.clone());
            }
            Value::String(s) => match too_long(s, max) {
                Some(n) => {
                    return Err(bad(format!(
                        "gdprConfig.{k} must be at most {max} characters, got {n}"
                    )))
                }
                None => {
                    data.insert(k.clone(), value.clone());
                }
            },
            Value::Null if max > 0 => {}
            other => {
                return Err(bad(format!(
                    "gdprConfig.{k} must be a string, got {}",
                    describe(other)
                )))
            }
        }
    }
    if !data.contains_key("basisForProcessing") {
        return Err(bad("gdprConfig.basisForProcessing is required".into()));
    }
    Ok(Value::Object(data))
}

/// The platform entity, when the platform reported the four facts its
/// schema requires.
fn mobile_context(d: &DeviceFacts) -> Option<Value> {
    let mut m = Map::new();
    let required = [
        ("osType", &d.os_type),
        ("osVersion", &d.os_version),
        ("deviceManufacturer", &d.device_manufacturer),
        ("deviceModel", &d.device_model),
    ];
    for (k, v) in required {
        let v = v.as_ref().filter(|s| !s.is_empty())?;
        m.insert(k.into(), json!(trunc(v, 255)));
    }
    let mut opt = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    };
    opt(
        "carrier",
        d.carrier
            .as_ref()
            .filter(|s| !s.is_empty())
            .map(|s| json!(trunc(s, 255))),
    );
    opt(
        "networkType",
        d.network_type
            .as_deref()
            .filter(|t| matches!(*t, "mobile" | "wifi" | "offline"))
            .map(|t| json!(t)),
    );
    opt(
        "networkTechnology",
        d.network_technology
            .as_ref()
            .filter(|s| !s.is_empty())
            .map(|s| json!(trunc(s, 255))),
    );
    opt(
        "physicalMemory",
        d.physical_memory
            .filter(|n| *n <= i64::MAX as u64)
            .map(|n| json!(n)),
    );
    opt(
        "totalStorage",
        d.total_storage
            .filter(|n| *n <= i64::MAX as u64)
            .map(|n| json!(n)),
    );
    opt("isPortrait", d.is_portrait.map(|b| json!(b)));
    opt(
        "resolution",
        d.screen_resolution.map(|(w, h)| json!(format!("{w}x{h}"))),
    );
    opt(
        "scale",
        d.scale
            .filter(|s| s.is_finite() && (0.0..=1000.0).contains(s))
            .map(|s| json!(s)),
    );
    opt(
        "language",
        d.language
            .as_ref()
            .and_then(|l| short_language(l))
            .map(|l| json!(l)),
    );
    Some(Value::Object(m))
}

/// The language as the platform entity holds it (at most 8 characters): the
/// tag itself when short enough, else its primary subtag.
fn short_language(tag: &str) -> Option<String> {
    if tag.is_empty() {
        None
    } else if tag.chars().count() <= 8 {
        Some(tag.to_string())
    } else {
        tag.split('-')
            .next()
            .filter(|p| !p.is_empty() && p.chars().count() <= 8)
            .map(str::to_string)
    }
}

/// The screen the app is on (after a screen view) and what happened on it.
#[derive(Debug, Clone, PartialEq)]
struct Screen {
    /// The screen entity, its data `id`, `name`, `type` (shared with the
    /// events it goes on, and with the copy of the enricher the writer
    /// keeps to undo a refused event).
    entity: Arc<Added>,
    /// Its `id`, `name` and `type` when a typed screen view made it (the
    /// entity is then JSON only); `None` after a self-describing one.
    fields: Option<ScreenFields>,
    /// Screen engagement so far.
    summary: Summary,
}

/// The screen entity's data as a typed screen view gives it.
#[derive(Debug, Clone, PartialEq)]
struct ScreenFields {
    id: uuid::Uuid,
    name: crate::text::Text,
    screen_type: Option<crate::text::Text>,
}

impl Screen {
    /// The string its entity's data holds under `key` (`id`, `name` or `type`).
    fn text(&self, key: &str) -> Option<crate::text::Text> {
        match &self.fields {
            Some(f) => match key {
                "id" => {
                    let mut buffer = uuid::Uuid::encode_buffer();
                    Some((&*f.id.hyphenated().encode_lower(&mut buffer)).into())
                }
                "name" => Some(f.name.clone()),
                "type" => f.screen_type.clone(),
                _ => None,
            },
            None => self
                .entity
                .entity()
                .data
                .get(key)
                .and_then(Value::as_str)
                .map(Into::into),
        }
    }

    /// The value its entity's data holds under `key` (`id`, `name` or `type`).
    fn value(&self, key: &str) -> Option<Value> {
        match &self.fields {
            Some(_) => self.text(key).map(|t| Value::String(t.to_string())),
            None => self.entity.entity().data.get(key).cloned(),
        }
    }
}

/// What `screen_summary` reports, accumulated from the screen view on.
#[derive(Debug, Clone, Default, PartialEq)]
struct Summary {
    /// When time was last counted.
    since_ms: i64,
    in_background: bool,
    foreground_ms: i64,
    background_ms: i64,
    last_item_index: Option<i64>,
    items_count: Option<i64>,
    min_x: Option<i64>,
    max_x: Option<i64>,
    min_y: Option<i64>,
    max_y: Option<i64>,
    content_width: Option<i64>,
    content_height: Option<i64>,
}

impl Summary {
    fn count_time(&mut self, now_ms: i64) {
        let elapsed = now_ms.saturating_sub(self.since_ms).max(0);
        if self.in_background {
            self.background_ms += elapsed;
        } else {
            self.foreground_ms += elapsed;
        }
        self.since_ms = now_ms;
    }

    fn entity(&self) -> SelfDescribing {
        let mut m = Map::new();
        let sec = |ms: i64| json!((ms as f64 / 1000.0).min(2_147_483_647.0));
        m.insert("foreground_sec".into(), sec(self.foreground_ms));
        m.insert("background_sec".into(), sec(self.background_ms));
        let fields = [
            ("last_item_index", self.last_item_index),
            ("items_count", self.items_count),
            ("min_x_offset", self.min_x),
            ("max_x_offset", self.max_x),
            ("min_y_offset", self.min_y),
            ("max_y_offset", self.max_y),
            ("content_width", self.content_width),
            ("content_height", self.content_height),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                m.insert(k.into(), json!(v));
            }
        }
        SelfDescribing {
            schema: SCREEN_SUMMARY_SCHEMA.into(),
            data: Value::Object(m),
        }
    }

    /// Folds a scroll changed or list item view event in.
    fn fold(&mut self, schema: &str, data: &Value) {
        let int = |k: &str| data.get(k).and_then(Value::as_i64);
        let low = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let high = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if schema == event::LIST_ITEM_VIEW_SCHEMA {
            let index = int("index").map(|i| i.clamp(0, 65_535));
            self.last_item_index = high(self.last_item_index, index);
            self.items_count = int("items_count")
                .map(|i| i.clamp(0, 65_535))
                .or(self.items_count);
        } else {
            let limit = |v: Option<i64>| v.map(|v| v.clamp(-2_147_483_647, 2_147_483_647));
            let x = limit(int("x_offset"));
            let y = limit(int("y_offset"));
            // The far edge seen: the offset plus the visible size.
            let x_end = limit(x.zip(int("view_width")).map(|(x, w)| x.saturating_add(w)));
            let y_end = limit(y.zip(int("view_height")).map(|(y, h)| y.saturating_add(h)));
            self.min_x = low(self.min_x, x);
            self.max_x = high(self.max_x, x_end.or(x));
            self.min_y = low(self.min_y, y);
            self.max_y = high(self.max_y, y_end.or(y));
            let size = |k: &str| int(k).map(|v| v.clamp(0, 2_147_483_647));
            self.content_width = size("content_width").or(self.content_width);
            self.content_height = size("content_height").or(self.content_height);
        }
    }
}

/// What the payload of one event gets besides the event itself.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Additions {
    /// Payload fields (`uid`, `tz`, ..., and the deep-link `url`/`refr`).
    pub fields: Vec<(&'static str, String)>,
    /// Entities, after the app's own (shared: the fixed, global and screen
    /// entities are not copied for every event).
    pub entities: Vec<Arc<Added>>,
    /// For a screen view (`trackScreenViewEvent`), the index in `entities`
    /// of the screen entity it made: its JSON is the screen view's `id`,
    /// `name` and `type` again, so the store can leave it out and write it
    /// from the screen view when sending (`payload::ScreenAt`).
    pub own_screen: Option<usize>,
}

/// What becomes of one tracked event.
pub(crate) enum Plan {
    /// Store these events, in order (the event itself last).
    Store(Vec<Event>),
    /// Folded into the screen summary: nothing to store.
    Folded,
}

/// The state [`Enricher::mark`] keeps.
pub(crate) struct Mark {
    screen: Option<Screen>,
    deep_link: Option<Value>,
    install_pending: bool,
}

/// The tracker's additions and the state behind them. Owned by the writer.
#[derive(Debug, Clone)]
pub(crate) struct Enricher {
    /// Shared: the writer copies the enricher before every event.
    flags: Arc<TrackerConfig>,
    subject: [Option<String>; 10],
    anonymise: bool,
    global: Arc<Vec<GlobalContexts>>,
    /// The gdpr entity, application entity and platform entity: fixed per tracker.
    fixed: Arc<Vec<Arc<Added>>>,
    screen: Option<Screen>,
    deep_link: Option<Value>,
    in_background: bool,
    /// `application_install` is still to be tracked, before the next event.
    pub(crate) install_pending: bool,
}

impl Enricher {
    /// The additions of a tracker with this configuration on this device.
    /// `installed`: the database says the install event was tracked.
    pub(crate) fn new(
        config: &crate::config::Config,
        installed: bool,
        in_background: bool,
    ) -> Enricher {
        let t = &config.tracker;
        let d = &config.device;
        let mut subject: [Option<String>; 10] = Default::default();
        subject[SubjectKey::Timezone.index()] = d.timezone.clone().filter(|s| !s.is_empty());
        subject[SubjectKey::Language.index()] = d.language.clone().filter(|s| !s.is_empty());
        subject[SubjectKey::ScreenResolution.index()] =
            d.screen_resolution.map(|(w, h)| format!("{w}x{h}"));
        for (k, v) in &config.subject {
            subject[k.index()] = v.clone();
        }
        let mut fixed = Vec::new();
        if let Some(g) = &config.gdpr {
            fixed.push(SelfDescribing {
                schema: GDPR_SCHEMA.into(),
                data: g.clone(),
            });
        }
        if t.application_context {
            if let (Some(v), Some(b)) = (&d.app_version, &d.app_build) {
                let data = json!({"version": trunc(v, 255), "build": trunc(b, 255)});
                fixed.push(SelfDescribing {
                    schema: APPLICATION_SCHEMA.into(),
                    data,
                });
            }
        }
        if t.platform_context {
            if let Some(data) = mobile_context(d) {
                fixed.push(SelfDescribing {
                    schema: MOBILE_CONTEXT_SCHEMA.into(),
                    data,
                });
            }
        }
        Enricher {
            flags: Arc::new(t.clone()),
            subject,
            anonymise: t.user_anonymisation,
            global: Arc::new(config.global_contexts.clone()),
            fixed: Arc::new(fixed.into_iter().map(Added::new).collect()),
            screen: None,
            deep_link: None,
            in_background,
            install_pending: t.install_autotracking && !installed,
        }
    }

    /// Applies subject changes in order.
    pub(crate) fn set_subject(&mut self, patch: SubjectPatch) {
        for (k, v) in patch {
            self.subject[k.index()] = v;
        }
    }

    /// What tracking one event may change ([`Enricher::plan`] and
    /// [`Enricher::additions`]), to put back with [`Enricher::undo`] if the
    /// event is refused: cheaper than a copy of the whole enricher.
    pub(crate) fn mark(&self) -> Mark {
        Mark {
            screen: self.screen.clone(),
            deep_link: self.deep_link.clone(),
            install_pending: self.install_pending,
        }
    }

    /// Puts back what tracking an event changed since `mark`.
    pub(crate) fn undo(&mut self, mark: Mark) {
        let Mark {
            screen,
            deep_link,
            install_pending,
        } = mark;
        self.screen = screen;
        self.deep_link = deep_link;
        self.install_pending = install_pending;
    }

    /// Turns user anonymisation on or off.
    pub(crate) fn set_anonymise(&mut self, on: bool) {
        self.anonymise = on;
    }

    /// Adds (or replaces) the global contexts of a tag.
    pub(crate) fn add_global(&mut self, g: GlobalContexts) -> Result<()> {
        let list = Arc::make_mut(&mut self.global);
        if let Some(x) = list.iter_mut().find(|x| x.tag == g.tag) {
            *x = g;
        } else if list.len() >= MAX_GLOBAL_CONTEXT_TAGS {
            return Err(TrackerError::InvalidArgument(format!(
                "a tracker holds at most {MAX_GLOBAL_CONTEXT_TAGS} tags of global contexts"
            )));
        } else {
            list.push(g);
        }
        Ok(())
    }

    /// Removes the global contexts of a tag; whether there were any.
    pub(crate) fn remove_global(&mut self, tag: &str) -> bool {
        let before = self.global.len();
        if self.global.iter().any(|g| g.tag == tag) {
            Arc::make_mut(&mut self.global).retain(|g| g.tag != tag);
        }
        self.global.len() != before
    }

    /// Decides what one tracked event becomes: the events to store before it
    /// (a screen end) and itself, or nothing (folded into the screen
    /// summary). Changes the screen state; the writer restores a clone if
    /// the call fails.
    pub(crate) fn plan(&mut self, event: Event) -> Plan {
        let schema = match &event.body {
            EventBody::SelfDescribing(sd) => Some(sd.schema.as_str()),
            _ => None,
        };
        let foldable = matches!(schema, Some(s) if s == event::SCROLL_CHANGED_SCHEMA || s == event::LIST_ITEM_VIEW_SCHEMA);
        if foldable && self.flags.screen_engagement_autotracking {
            if let (Some(screen), EventBody::SelfDescribing(sd)) =
                (self.screen.as_mut(), &event.body)
            {
                screen.summary.fold(&sd.schema, &sd.data);
                return Plan::Folded;
            }
        }
        let mut events = Vec::with_capacity(1);
        let screen_view = matches!(event.body, EventBody::ScreenView(_))
            || schema == Some(event::SCREEN_VIEW_SCHEMA);
        if screen_view && self.flags.screen_engagement_autotracking && self.screen.is_some() {
            events.push(self_describing_event(SCREEN_END_SCHEMA, json!({})));
        }
        events.push(event);
        Plan::Store(events)
    }

    /// The additions of one event about to be stored, updating the screen
    /// and deep-link state it changes. `event` may be changed (a screen
    /// view gets the previous screen's fields).
    pub(crate) fn additions(&mut self, event: &mut Event, now_ms: i64) -> Additions {
        let mut out = Additions::default();
        for k in SubjectKey::ALL {
            if self.anonymise && k.identifies_user() {
                continue;
            }
            if let Some(v) = &self.subject[k.index()] {
                out.fields.push((k.wire(), v.clone()));
            }
        }
        for g in self.global.iter() {
            out.entities.extend(g.entities.iter().cloned());
        }
        out.entities.extend(self.fixed.iter().cloned());
        let mut summary = None;
        let mut deep_link = None;
        // Whether this event is a screen view that made the current screen entity.
        let mut own_screen = false;
        if let EventBody::ScreenView(sv) = &mut event.body {
            if let Some(prev) = self.screen.as_ref() {
                // A previous screen from a self-describing screen view may
                // hold other values than strings: those are not copied.
                for (field, from) in [
                    (&mut sv.previous_name, "name"),
                    (&mut sv.previous_id, "id"),
                    (&mut sv.previous_type, "type"),
                ] {
                    if field.is_none() {
                        *field = prev.text(from);
                    }
                }
            }
            let entity = Added::from_json(screen_entity_json(sv));
            let fields = ScreenFields {
                id: sv.id,
                name: sv.name.clone(),
                screen_type: sv.screen_type.clone(),
            };
            deep_link = self.enter_screen(entity, Some(fields), now_ms, &mut out);
            own_screen = true;
        }
        if let EventBody::SelfDescribing(sd) = &mut event.body {
            match sd.schema.as_str() {
                // The screen_view schema tracked as a self-describing event.
                s if s == event::SCREEN_VIEW_SCHEMA => {
                    let data = sd.data.as_object_mut();
                    if let (Some(data), Some(prev)) = (data, self.screen.as_ref()) {
                        for (from, to) in [
                            ("name", "previousName"),
                            ("id", "previousId"),
                            ("type", "previousType"),
                        ] {
                            if let (false, Some(v)) = (data.contains_key(to), prev.value(from)) {
                                data.insert(to.into(), v);
                            }
                        }
                    }
                    let mut entity = Map::new();
                    for k in ["id", "name", "type"] {
                        if let Some(v) = sd.data.get(k) {
                            entity.insert(k.into(), v.clone());
                        }
                    }
                    let entity = Added::new(SelfDescribing {
                        schema: SCREEN_SCHEMA.into(),
                        data: Value::Object(entity),
                    });
                    deep_link = self.enter_screen(entity, None, now_ms, &mut out);
                }
                s if s == SCREEN_END_SCHEMA => {
                    if let Some(screen) = self.screen.as_mut() {
                        screen.summary.count_time(now_ms);
                        summary = Some(screen.summary.entity());
                    }
                }
                s if s == event::BACKGROUND_SCHEMA || s == event::FOREGROUND_SCHEMA => {
                    // The summary so far; the time counts for the state being
                    // left (the writer then calls `app_moved`).
                    if let Some(screen) = self
                        .screen
                        .as_mut()
                        .filter(|_| self.flags.screen_engagement_autotracking)
                    {
                        screen.summary.count_time(now_ms);
                        summary = Some(screen.summary.entity());
                    }
                }
                s if s == INSTALL_SCHEMA => self.install_pending = false,
                _ => {}
            }
        }
        if let EventBody::DeepLinkReceived { event: link, .. } = &event.body {
            self.deep_link = Some(link.data.clone());
        }
        if self.flags.screen_context {
            if let Some(screen) = &self.screen {
                if own_screen {
                    out.own_screen = Some(out.entities.len());
                }
                out.entities.push(Arc::clone(&screen.entity));
            }
        }
        out.entities.extend(deep_link.map(Added::new));
        out.entities.extend(summary.map(Added::new));
        out
    }

    /// A screen view makes its screen (`entity`, and `fields` when a typed
    /// screen view made it) the current one, its engagement counted from
    /// `now_ms`; a deep link received before it goes on it (`url` and
    /// `refr`, and the entity returned).
    fn enter_screen(
        &mut self,
        entity: Arc<Added>,
        fields: Option<ScreenFields>,
        now_ms: i64,
        out: &mut Additions,
    ) -> Option<SelfDescribing> {
        let summary = Summary {
            since_ms: now_ms,
            in_background: self.in_background,
            ..Summary::default()
        };
        self.screen = Some(Screen {
            entity,
            fields,
            summary,
        });
        let link = self.deep_link.take()?;
        if !self.flags.deep_link_context {
            return None;
        }
        if let Some(url) = link.get("url").and_then(Value::as_str) {
            out.fields.push(("url", url.to_string()));
        }
        if let Some(r) = link.get("referrer").and_then(Value::as_str) {
            out.fields.push(("refr", r.to_string()));
        }
        Some(SelfDescribing {
            schema: DEEP_LINK_SCHEMA.into(),
            data: link,
        })
    }

    /// The app moved to the background (`true`) or the foreground: screen
    /// time from now on counts for the new state.
    pub(crate) fn app_moved(&mut self, to_background: bool, now_ms: i64) {
        if let Some(screen) = self.screen.as_mut() {
            screen.summary.count_time(now_ms);
            screen.summary.in_background = to_background;
        }
        self.in_background = to_background;
    }

    /// Whether uncaught JavaScript errors are tracked.
    pub(crate) fn tracks_errors(&self) -> bool {
        self.flags.exception_autotracking
    }
}

/// The JSON of a screen view's `screen` entity, written directly (it is
/// made for every screen view): the bytes serde makes of the entity, with
/// its data's keys in a map's order (`id`, `name`, `type`).
fn screen_entity_json(sv: &event::ScreenView) -> String {
    let mut out = Vec::with_capacity(160);
    crate::payload::screen_json_start(&mut out, SCREEN_SCHEMA, sv);
    if let Some(t) = &sv.screen_type {
        out.extend_from_slice(br#","type":"#);
        // Writing a string to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, t.as_str());
    }
    out.extend_from_slice(b"}}");
    // Only UTF-8 was written.
    String::from_utf8(out).unwrap_or_default()
}

/// `s` cut to at most `max` characters (data, so no ellipsis).
fn trunc(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// The `application_install` event.
pub(crate) fn install_event() -> Event {
    self_describing_event(INSTALL_SCHEMA, json!({}))
}

fn self_describing_event(schema: &str, data: Value) -> Event {
    Event {
        body: EventBody::SelfDescribing(SelfDescribing {
            schema: schema.into(),
            data,
        }),
        contexts: Vec::new(),
    }
}

/// The `application_error` event of an uncaught JavaScript error reported by
/// the app's global error handler: `{message, stackTrace?, isFatal?}`.
pub fn application_error(v: Option<Value>) -> Result<Event> {
    let bad = |m: String| TrackerError::InvalidEvent(m);
    let mut m = match v {
        Some(Value::Object(m)) => m,
        other => {
            return Err(bad(format!(
                "the error must be an object with message, got {}",
                other.as_ref().map_or("nothing".into(), describe)
            )))
        }
    };
    let text = |v: Option<Value>, key: &str, max: usize| -> Result<Option<String>> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(trunc(&s, max).to_string())),
            Some(other) => Err(bad(format!(
                "error.{key} must be a string, got {}",
                describe(&other)
            ))),
        }
    };
    let message = text(m.remove("message"), "message", MAX_ERROR_MESSAGE_CHARS)?
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "Uncaught error".into());
    let stack = text(m.remove("stackTrace"), "stackTrace", MAX_STACK_TRACE_CHARS)?;
    let fatal = match m.remove("isFatal") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(b),
        Some(other) => {
            return Err(bad(format!(
                "error.isFatal must be a boolean, got {}",
                describe(&other)
            )))
        }
    };
    let mut data = Map::new();
    data.insert("programmingLanguage".into(), json!("JAVASCRIPT"));
    data.insert("message".into(), json!(message));
    if let Some(s) = stack {
        data.insert("stackTrace".into(), json!(s));
    }
    if let Some(f) = fatal {
        data.insert("isFatal".into(), json!(f));
    }
    Ok(self_describing_event(
        APPLICATION_ERROR_SCHEMA,
        Value::Object(data),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_screen_entity_written_directly_is_the_one_serde_makes() {
        for (name, screen_type) in [
            ("Home", None),
            ("Home \"1\" \\ \u{1} é 🙂", Some("</script>\t")),
            ("", Some("feed")),
        ] {
            let sv = event::ScreenView {
                id: "4F2A1C9E-0b7d-4e5a-9c3b-2d1e0f9a8b7c".parse().unwrap(),
                name: name.into(),
                previous_id: None,
                previous_name: None,
                previous_type: None,
                transition_type: None,
                screen_type: screen_type.map(Into::into),
            };
            let mut data = Map::new();
            data.insert("id".into(), json!("4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c"));
            data.insert("name".into(), json!(name));
            if let Some(t) = screen_type {
                data.insert("type".into(), json!(t));
            }
            let entity = Added::new(SelfDescribing {
                schema: SCREEN_SCHEMA.into(),
                data: Value::Object(data),
            });
            assert_eq!(screen_entity_json(&sv), entity.json());
            // Made as JSON only, it reads back as the same entity.
            let from_json = Added::from_json(screen_entity_json(&sv));
            assert_eq!(from_json.entity(), entity.entity());
            assert_eq!(from_json.json(), entity.json());
        }
    }

    #[test]
    fn an_entity_made_from_json_that_does_not_read_is_empty_not_a_panic() {
        for bad in ["", "not json", "[1]", r#"{"schema":1,"data":2}"#] {
            let added = Added::from_json(bad.into());
            let entity = added.entity();
            assert_eq!(entity.schema, "", "{bad:?}");
            let data = if bad.starts_with(r#"{"schema""#) {
                json!(2)
            } else {
                Value::Null
            };
            assert_eq!(entity.data, data, "{bad:?}");
            assert_eq!(added.json(), bad, "its JSON stays what it was given");
        }
    }
}
