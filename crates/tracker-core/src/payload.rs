//! The Snowplow tracker protocol on the wire.
//!
//! Turns a validated [`Event`] plus its session entity into the flat map of
//! string fields the protocol defines (`e`, `eid`, `dtm`, `tv`, `p`, `aid`,
//! `tna`, `ue_pr`/`ue_px`, `co`/`cx`, `se_*`, `url`/`page`/`refr`, `tr_*`,
//! `ti_*`), and wraps stored payloads into requests. `stm` is not here: it
//! belongs to the moment of sending.

use crate::config::TrackerConfig;
use crate::enrich::{Added, Additions};
use crate::event::{Event, EventBody, ScreenView, SCREEN_VIEW_SCHEMA};
use crate::session::{ClientSession, CLIENT_SESSION_SCHEMA};
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// The `tv` field: this tracker and its version.
pub const TRACKER_VERSION: &str = concat!("rn-rust-", env!("CARGO_PKG_VERSION"));
/// Wrapper schema of a POST body.
pub const PAYLOAD_DATA_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4";
/// Wrapper schema of the entities (Decision 8).
pub const CONTEXTS_SCHEMA: &str = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1";
/// Wrapper schema of a self-describing event.
pub const UNSTRUCT_EVENT_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0";
/// Bytes the POST wrapper adds around the events (as the native trackers count it).
pub const POST_WRAPPER_BYTES: usize = 88;
/// Bytes `"stm":"<13 digits>",` adds to an event at send time.
pub const STM_BYTES: usize = 22;

/// Who the events come from: the parts of the payload fixed per tracker.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    /// Tracker settings.
    pub config: &'a TrackerConfig,
    /// `tna`.
    pub namespace: &'a str,
}

/// A self-describing JSON, `{"schema": ..., "data": ...}`, serialised
/// straight from borrowed parts (no tree is built or copied).
#[derive(Serialize)]
struct Sdj<'a, T: Serialize + ?Sized> {
    schema: &'a str,
    data: &'a T,
}

/// The fields of one payload, in the order they were put; a key put twice
/// keeps its last value. Values are written as JSON strings.
struct Fields<'a> {
    /// Key, value, and whether the value is written as it is (base64, which
    /// never needs escaping).
    items: Vec<(&'a str, Cow<'a, str>, bool)>,
}

impl<'a> Fields<'a> {
    fn put(&mut self, key: &'a str, value: impl Into<Cow<'a, str>>) {
        self.put_as(key, value.into(), false);
    }

    fn put_as(&mut self, key: &'a str, value: Cow<'a, str>, raw: bool) {
        debug_assert!(
            key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "{key} is written unescaped"
        );
        match self.items.iter_mut().find(|(k, _, _)| *k == key) {
            Some(slot) => {
                slot.1 = value;
                slot.2 = raw;
            }
            None => self.items.push((key, value, raw)),
        }
    }

    /// Puts an optional field; empty strings are left out, as the native trackers do.
    fn put_some<S: AsRef<str>>(&mut self, key: &'a str, v: &'a Option<S>) {
        if let Some(v) = v.as_ref().map(AsRef::as_ref).filter(|s| !s.is_empty()) {
            self.put(key, v);
        }
    }

    /// Puts `value`'s JSON, base64-encoded under `enc_key` or plain under `plain_key`.
    fn put_json(
        &mut self,
        b64: bool,
        enc_key: &'a str,
        plain_key: &'a str,
        value: &impl Serialize,
    ) {
        // Sized for a typical event at once rather than grown by doubling.
        let mut json = Vec::with_capacity(JSON_CAPACITY);
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut json, value);
        self.put_json_text(b64, enc_key, plain_key, json);
    }

    /// [`Fields::put_json`] of JSON already written.
    fn put_json_text(&mut self, b64: bool, enc_key: &'a str, plain_key: &'a str, json: Vec<u8>) {
        if b64 {
            let mut encoded = String::with_capacity(json.len().div_ceil(3) * 4);
            base64_simd::URL_SAFE_NO_PAD.encode_append(&json, &mut encoded);
            self.put_as(enc_key, Cow::Owned(encoded), true);
        } else {
            // serde_json writes UTF-8 only.
            self.put(plain_key, String::from_utf8(json).unwrap_or_default());
        }
    }

    /// The payload: a JSON object of string fields.
    fn write(self) -> String {
        let size: usize = self
            .items
            .iter()
            .map(|(k, v, _)| k.len() + v.len() + 6)
            .sum();
        let mut out = Vec::with_capacity(size + 2);
        out.push(b'{');
        for (i, (k, v, raw)) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // The keys are the protocol's field names: nothing to escape.
            out.push(b'"');
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b"\":");
            if *raw {
                out.push(b'"');
                out.extend_from_slice(v.as_bytes());
                out.push(b'"');
            } else {
                let _ = serde_json::to_writer(&mut out, v.as_ref());
            }
        }
        out.push(b'}');
        String::from_utf8(out).unwrap_or_default()
    }
}

/// The entities of a stored event kept apart from its payload, so that the
/// `client_session` entity, the same for every event of a session but its
/// `eventIndex`, is stored once per session rather than once per event (it
/// was two thirds of a stored event, and the bytes written are most of the
/// writer's work). [`assemble`] makes the payload [`build`] would have made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferred {
    /// The self-describing JSON of an `e=ue` event (`{"schema":...,"data":...}`),
    /// sent as `ue_px` inside the `unstruct_event` wrapper: base64 is a third
    /// larger than its text, and the wrapper the same for every event.
    pub event: Option<String>,
    /// The other entities, as the items of the `contexts` array (JSON
    /// objects separated by commas; empty when there are none).
    pub items: String,
    /// The `client_session` entity, serialised, up to its `eventIndex` value
    /// (shared by the events of a session).
    pub session_prefix: Arc<str>,
    /// The event's `eventIndex`.
    pub event_index: u32,
    /// A screen view's own `screen` entity, left out of `items`: it is
    /// written from the screen view (`event`) when the payload is put back
    /// together, at this place in `items`.
    pub screen: Option<ScreenAt>,
}

/// Where a screen view's own `screen` entity goes among the items, and the
/// length of its JSON. The entity repeats the screen view's `id`, `name`
/// and `type`: about a quarter of a stored screen view, written, checkpointed
/// and read again for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenAt {
    /// The byte offset in `items` (after the comma before it, if any).
    pub at: usize,
    /// The length of its JSON. It follows from `event` too, but the writer
    /// sizes every payload ([`Deferred::assembled_len`]) and has the entity's
    /// JSON at hand, so it does not parse the screen view again for it.
    pub len: usize,
}

/// The `screen` entity of a screen view, read from the screen view's JSON
/// as [`build`] stores it (`event` of [`Deferred`]): its `id`, and its
/// `name` and `type` exactly as they are written there (JSON text, escapes
/// included), so that it is written with the same bytes as the entity
/// `enrich` made of the same screen view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenOfView<'a> {
    id: &'a str,
    name: &'a str,
    screen_type: Option<&'a str>,
}

impl<'a> ScreenOfView<'a> {
    /// The entity of `view`, the JSON of a screen view; `None` if it is not
    /// one (not JSON, another schema, no string `id` or no `name`).
    pub fn of(view: &'a str) -> Option<ScreenOfView<'a>> {
        use serde_json::value::RawValue;
        #[derive(serde::Deserialize)]
        struct View<'a> {
            #[serde(borrow)]
            schema: &'a str,
            #[serde(borrow)]
            data: Data<'a>,
        }
        #[derive(serde::Deserialize)]
        struct Data<'a> {
            #[serde(borrow)]
            id: &'a str,
            #[serde(borrow)]
            name: &'a RawValue,
            #[serde(borrow, rename = "type")]
            screen_type: Option<&'a RawValue>,
        }
        let v: View<'a> = serde_json::from_str(view).ok()?;
        (v.schema == SCREEN_VIEW_SCHEMA).then_some(ScreenOfView {
            id: v.data.id,
            name: v.data.name.get(),
            screen_type: v.data.screen_type.map(RawValue::get),
        })
    }

    /// The pieces of its JSON, in order (as `enrich` writes the entity:
    /// [`screen_json_start`], then the `type`).
    fn pieces(&self) -> [&'a str; 9] {
        let (key, screen_type) = match self.screen_type {
            Some(t) => (r#","type":"#, t),
            None => ("", ""),
        };
        [
            r#"{"schema":""#,
            crate::enrich::SCREEN_SCHEMA,
            r#"","data":{"id":""#,
            self.id,
            r#"","name":"#,
            self.name,
            key,
            screen_type,
            "}}",
        ]
    }

    /// The length of its JSON.
    pub fn json_len(&self) -> usize {
        self.pieces().iter().map(|p| p.len()).sum()
    }

    /// Writes its JSON.
    fn write(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        self.pieces()
            .iter()
            .try_for_each(|p| w.write_all(p.as_bytes()))
    }
}

/// The length of the `contexts` wrapper's start, before its items.
const CONTEXTS_HEAD_LEN: usize =
    r#"{"schema":""#.len() + CONTEXTS_SCHEMA.len() + r#"","data":["#.len();

/// The length of the `unstruct_event` wrapper's start, before the event.
const UNSTRUCT_HEAD_LEN: usize =
    r#"{"schema":""#.len() + UNSTRUCT_EVENT_SCHEMA.len() + r#"","data":"#.len();

/// The length of unpadded base64 of `n` bytes: 4 characters per 3 bytes, 2
/// or 3 for the rest.
fn base64_len(n: usize) -> usize {
    n / 3 * 4 + [0, 2, 3][n % 3]
}

/// What [`push_base64`]'s buffer keeps between calls, at most: a payload
/// part of the usual size fits; a larger one's memory goes back.
const BASE64_TEXT_KEPT: usize = 64 * 1024;

/// Appends the unpadded URL-safe base64 of what `write` writes. The text is
/// written into a buffer the thread keeps, then encoded in one pass: the
/// streaming encoder cost more than the encoding for the many short writes
/// of a payload's parts (a stored event is put back together from about ten
/// pieces), and the emitter was 6-9% faster end to end without it.
fn push_base64(
    out: &mut String,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) {
    thread_local! {
        static TEXT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    TEXT.with(|text| {
        // Never taken twice (`write` does not call back), but a fresh buffer would do.
        let mut own = Vec::new();
        let mut kept = text.try_borrow_mut();
        let text = match kept.as_deref_mut() {
            Ok(kept) => kept,
            Err(_) => &mut own,
        };
        text.clear();
        // Writing to a Vec cannot fail.
        let _ = write(text);
        base64_simd::URL_SAFE_NO_PAD.encode_append(&*text, out);
        text.clear();
        text.shrink_to(BASE64_TEXT_KEPT);
    });
}

/// Writes the start of a self-describing JSON, `{"schema":"<schema>","data":`.
fn sdj_start(w: &mut dyn std::io::Write, schema: &str) -> std::io::Result<()> {
    w.write_all(br#"{"schema":""#)?;
    w.write_all(schema.as_bytes())?;
    w.write_all(br#"","data":"#)
}

/// The capacity the JSON of an event's data or entities starts with: most
/// fit, so the buffer is not grown (and copied) several times per event.
const JSON_CAPACITY: usize = 512;

/// The digits of `n`.
fn digits(mut n: u32) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

impl Deferred {
    /// The length of the payload [`assemble`] makes of `payload` and these
    /// parts, without making it.
    pub fn assembled_len(&self, payload: &str) -> usize {
        assembled_len(
            payload,
            self.event.as_deref(),
            self.items.len() + self.screen.map_or(0, |s| s.len),
            &self.session_prefix,
            self.event_index,
        )
    }
}

/// The length of the payload [`assemble_parts`] makes of these parts, whose
/// items (the screen entity included) are `items_len` bytes.
fn assembled_len(
    payload: &str,
    event: Option<&str>,
    items_len: usize,
    session_prefix: &str,
    event_index: u32,
) -> usize {
    let json = CONTEXTS_HEAD_LEN
        + items_len
        + usize::from(items_len > 0)
        + session_prefix.len()
        + digits(event_index)
        + "}}]}".len();
    // Each field: a comma unless it is the object's first, `"key":"`, the
    // value, its closing quote; the payload's `}` closes the whole.
    let mut len = payload.len();
    let mut first = payload == "{}";
    if let Some(event) = event {
        len += usize::from(!first)
            + r#""ue_px":""#.len()
            + base64_len(UNSTRUCT_HEAD_LEN + event.len() + 1)
            + 1;
        first = false;
    }
    len + usize::from(!first) + r#""cx":""#.len() + base64_len(json) + 1
}

/// The payload stored as `payload` and `deferred`, as [`build`] makes it:
/// the `ue_px` field (if any) and the `cx` field last.
/// `None` if the screen entity it leaves out cannot be written from its
/// event (never for what [`build`] made).
pub fn assemble(payload: &str, deferred: &Deferred) -> Option<String> {
    let screen = match deferred.screen {
        Some(at) => Some((at.at, ScreenOfView::of(deferred.event.as_deref()?)?)),
        None => None,
    };
    Some(assemble_parts(
        payload,
        deferred.event.as_deref(),
        &deferred.items,
        screen,
        &deferred.session_prefix,
        deferred.event_index,
    ))
}

/// [`assemble`] from the parts as they are stored: the `contexts` JSON is
/// base64-encoded as it is written, into the payload's one allocation.
/// `screen`: the screen entity left out of `items`, and where it goes
/// (a char boundary of `items`, or the end).
pub fn assemble_parts(
    payload: &str,
    event: Option<&str>,
    items: &str,
    screen: Option<(usize, ScreenOfView<'_>)>,
    session_prefix: &str,
    event_index: u32,
) -> String {
    let body = payload.strip_suffix('}').unwrap_or(payload);
    let (before, after) = match screen {
        Some((at, _)) if items.is_char_boundary(at) => items.split_at(at),
        _ => (items, ""),
    };
    let items_len = items.len() + screen.map_or(0, |(_, s)| s.json_len());
    // Its exact size, so the buffer is never grown.
    let mut out = String::with_capacity(assembled_len(
        payload,
        event,
        items_len,
        session_prefix,
        event_index,
    ));
    out.push_str(body);
    let mut first = payload == "{}";
    if let Some(event) = event {
        if !first {
            out.push(',');
        }
        out.push_str(r#""ue_px":""#);
        push_base64(&mut out, |b64| {
            sdj_start(b64, UNSTRUCT_EVENT_SCHEMA)?;
            b64.write_all(event.as_bytes())?;
            b64.write_all(b"}")
        });
        out.push('"');
        first = false;
    }
    if !first {
        out.push(',');
    }
    out.push_str(r#""cx":""#);
    push_base64(&mut out, |b64| {
        sdj_start(b64, CONTEXTS_SCHEMA)?;
        b64.write_all(b"[")?;
        b64.write_all(before.as_bytes())?;
        if let Some((_, screen)) = screen {
            screen.write(b64)?;
        }
        b64.write_all(after.as_bytes())?;
        if items_len > 0 {
            b64.write_all(b",")?;
        }
        b64.write_all(session_prefix.as_bytes())?;
        write!(b64, "{event_index}}}}}]}}")
    });
    out.push_str("\"}");
    out
}

/// The serialised `client_session` entity of the last event, up to its
/// `eventIndex`: the same for all the events of a session, so it is made
/// once per session rather than once per event.
#[derive(Debug, Default)]
pub struct SessionPrefix {
    of: Option<ClientSession>,
    prefix: Option<Arc<str>>,
}

impl SessionPrefix {
    /// The prefix of `session`'s entity; `None` if its entity does not end
    /// with its `eventIndex`.
    fn of(&mut self, session: &ClientSession) -> Option<Arc<str>> {
        // Every field but the index; listed in full, so that a field added
        // to the entity cannot be left out of the comparison.
        let ClientSession {
            user_id,
            session_id,
            session_index,
            previous_session_id,
            storage_mechanism,
            first_event_id,
            first_event_timestamp,
            event_index: _,
        } = session;
        let same = self.of.as_ref().is_some_and(|o| {
            o.session_id == *session_id
                && o.user_id == *user_id
                && o.session_index == *session_index
                && o.previous_session_id == *previous_session_id
                && o.storage_mechanism == *storage_mechanism
                && o.first_event_id == *first_event_id
                && o.first_event_timestamp == *first_event_timestamp
        });
        if !same {
            self.of = None;
            let whole = serde_json::to_string(&Sdj {
                schema: CLIENT_SESSION_SCHEMA,
                data: session,
            })
            .ok()?;
            let tail = format!("{}}}}}", session.event_index);
            let key = "\"eventIndex\":";
            let prefix = whole.strip_suffix(&tail).filter(|p| p.ends_with(key))?;
            self.prefix = Some(Arc::from(prefix));
            self.of = Some(session.clone());
        }
        self.prefix.clone()
    }
}

/// Builds the payload of one event as a JSON object string (without `stm`).
///
/// It is written directly, field by field: each event is serialised once,
/// here, and stored and sent as this string. The entities are kept apart
/// ([`Deferred`]) when `prefix` is given (it keeps the session entity's
/// start from one event to the next), the event has a session entity and
/// entities are base64-encoded; otherwise the payload holds them. The
/// `ue_px`/`ue_pr` field of a self-describing event comes last but for the
/// entities, and is kept apart with them (its JSON, not its base64).
pub fn build(
    source: &Source<'_>,
    event: &Event,
    eid: &str,
    dtm_ms: i64,
    session: Option<&ClientSession>,
    additions: &Additions,
    prefix: Option<&mut SessionPrefix>,
) -> (String, Option<Deferred>) {
    let mut f = Fields {
        items: Vec::with_capacity(16),
    };
    f.put("eid", eid);
    f.put("dtm", dtm_ms.to_string());
    f.put("tv", TRACKER_VERSION);
    f.put("p", source.config.device_platform.as_str());
    f.put("tna", source.namespace);
    if let Some(aid) = source.config.app_id.as_deref().filter(|a| !a.is_empty()) {
        f.put("aid", aid);
    }
    let b64 = source.config.base64_encoding;
    // A self-describing event's JSON, put last but for the entities (kept
    // apart with them when they are).
    let mut unstruct = None;
    match &event.body {
        EventBody::SelfDescribing(sd) => {
            f.put("e", "ue");
            unstruct = Some(self_describing_json(sd));
        }
        EventBody::ScreenView(sv) => {
            f.put("e", "ue");
            unstruct = Some(screen_view_json(sv));
        }
        EventBody::Structured {
            category,
            action,
            label,
            property,
            value,
        } => {
            f.put("e", "se");
            f.put("se_ca", category.as_str());
            f.put("se_ac", action.as_str());
            f.put_some("se_la", label);
            f.put_some("se_pr", property);
            if let Some(v) = value {
                f.put("se_va", format_number(*v));
            }
        }
        EventBody::PageView {
            url,
            title,
            referrer,
        } => {
            f.put("e", "pv");
            f.put("url", url.as_str());
            f.put_some("page", title);
            f.put_some("refr", referrer);
        }
        EventBody::DeepLinkReceived {
            event,
            url,
            referrer,
        } => {
            f.put("e", "ue");
            unstruct = Some(self_describing_json(event));
            if !url.is_empty() {
                f.put("url", url.as_str());
            }
            f.put_some("refr", referrer);
        }
        EventBody::Transaction(t) => {
            f.put("e", "tr");
            f.put("tr_id", t.order_id.as_str());
            f.put("tr_tt", format_number(t.total_value));
            f.put_some("tr_af", &t.affiliation);
            if let Some(v) = t.tax_value {
                f.put("tr_tx", format_number(v));
            }
            if let Some(v) = t.shipping {
                f.put("tr_sh", format_number(v));
            }
            f.put_some("tr_ci", &t.city);
            f.put_some("tr_st", &t.state);
            f.put_some("tr_co", &t.country);
            f.put_some("tr_cu", &t.currency);
        }
        EventBody::TransactionItem(i) => {
            f.put("e", "ti");
            f.put("ti_id", i.order_id.as_str());
            f.put("ti_sk", i.sku.as_str());
            f.put_some("ti_nm", &i.name);
            f.put_some("ti_ca", &i.category);
            f.put("ti_pr", format_number(i.price));
            f.put("ti_qu", i.quantity.to_string());
            f.put_some("ti_cu", &i.currency);
        }
    }
    for (k, v) in &additions.fields {
        if !v.is_empty() {
            f.put(k, v.as_str());
        }
    }
    let mut entities: Vec<Entity<'_>> = event
        .contexts
        .iter()
        .map(|c| {
            Entity::App(Sdj {
                schema: &c.schema,
                data: &c.data,
            })
        })
        .chain(additions.entities.iter().map(|a| Entity::Added(a)))
        .collect();
    if let (Some(prefix), true, Some(s)) = (prefix, b64, session) {
        // A screen view's own screen entity is written from the screen view
        // when sent (the same bytes: both come from `screen_json_start`).
        let own_screen = match &event.body {
            EventBody::ScreenView(_) => additions.own_screen.map(|i| i + event.contexts.len()),
            _ => None,
        };
        if let Some(deferred) = defer_entities(&entities, own_screen, s, prefix, &mut unstruct) {
            return (f.write(), Some(deferred));
        }
    }
    if let Some(inner) = unstruct {
        let mut json = Vec::with_capacity(UNSTRUCT_HEAD_LEN + inner.len() + 1);
        // Writing to a Vec cannot fail.
        let _ = sdj_start(&mut json, UNSTRUCT_EVENT_SCHEMA);
        json.extend_from_slice(&inner);
        json.push(b'}');
        f.put_json_text(b64, "ue_px", "ue_pr", json);
    }
    if let Some(s) = session {
        entities.push(Entity::Session(Sdj {
            schema: CLIENT_SESSION_SCHEMA,
            data: s,
        }));
    }
    if !entities.is_empty() {
        f.put_json(
            b64,
            "cx",
            "co",
            &Sdj {
                schema: CONTEXTS_SCHEMA,
                data: &entities,
            },
        );
    }
    (f.write(), None)
}

/// A self-describing event's JSON, `{"schema":...,"data":...}`.
fn self_describing_json(event: &crate::event::SelfDescribing) -> Vec<u8> {
    let mut json = Vec::with_capacity(JSON_CAPACITY);
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(
        &mut json,
        &Sdj {
            schema: &event.schema,
            data: &event.data,
        },
    );
    json
}

/// Writes the start of the self-describing JSON of `schema` made of a
/// screen view's fields, up to its `id` and `name`:
/// `{"schema":"<schema>","data":{"id":"<id>","name":"<name>"`. The schema
/// is a constant and the `id` a UUID (lower case hex and dashes), so only
/// the name goes through the JSON escaper.
pub(crate) fn screen_json_start(out: &mut Vec<u8>, schema: &str, sv: &ScreenView) {
    // Writing to a Vec cannot fail.
    let _ = sdj_start(out, schema);
    out.extend_from_slice(br#"{"id":""#);
    out.extend_from_slice(
        sv.id
            .hyphenated()
            .encode_lower(&mut uuid::Uuid::encode_buffer())
            .as_bytes(),
    );
    out.extend_from_slice(br#"","name":"#);
    let _ = serde_json::to_writer(&mut *out, sv.name.as_str());
}

/// The self-describing JSON of a screen view, written directly: only the
/// app's strings go through the JSON escaper. The same bytes as serde
/// makes of it (a unit test checks).
fn screen_view_json(sv: &ScreenView) -> Vec<u8> {
    let mut out = Vec::with_capacity(JSON_CAPACITY);
    screen_json_start(&mut out, SCREEN_VIEW_SCHEMA, sv);
    for (key, value) in [
        (r#","previousId":"#, &sv.previous_id),
        (r#","previousName":"#, &sv.previous_name),
        (r#","previousType":"#, &sv.previous_type),
        (r#","transitionType":"#, &sv.transition_type),
        (r#","type":"#, &sv.screen_type),
    ] {
        if let Some(value) = value {
            out.extend_from_slice(key.as_bytes());
            let _ = serde_json::to_writer(&mut out, value);
        }
    }
    out.extend_from_slice(b"}}");
    out
}

/// The parts of [`Deferred`], taking the self-describing event's JSON from
/// `unstruct`; `None` if the session entity does not end with its
/// `eventIndex` (then the payload is built whole, `unstruct` left as it was).
/// `own_screen`: which of `entities` is the screen view's own screen entity,
/// written from the screen view again when the payload is assembled.
fn defer_entities(
    entities: &[Entity<'_>],
    own_screen: Option<usize>,
    session: &ClientSession,
    prefix: &mut SessionPrefix,
    unstruct: &mut Option<Vec<u8>>,
) -> Option<Deferred> {
    let mut items = Vec::with_capacity(JSON_CAPACITY);
    let mut screen = None;
    for (i, e) in entities.iter().enumerate() {
        if i > 0 {
            items.push(b',');
        }
        match e {
            Entity::Added(a) if own_screen == Some(i) => {
                screen = Some(ScreenAt {
                    at: items.len(),
                    len: a.json().len(),
                });
            }
            // Serialised once for every event it goes on.
            Entity::Added(a) => items.extend_from_slice(a.json().as_bytes()),
            e => serde_json::to_writer(&mut items, e).ok()?,
        }
    }
    let items = String::from_utf8(items).ok()?;
    let session_prefix = prefix.of(session)?;
    let event = match unstruct.take().map(String::from_utf8) {
        None => None,
        Some(Ok(event)) => Some(event),
        Some(Err(e)) => {
            *unstruct = Some(e.into_bytes());
            return None;
        }
    };
    Some(Deferred {
        event,
        items,
        session_prefix,
        event_index: session.event_index,
        screen,
    })
}

/// One entity of the `contexts` wrapper.
#[derive(Serialize)]
#[serde(untagged)]
enum Entity<'a> {
    App(Sdj<'a, Value>),
    Added(&'a Added),
    Session(Sdj<'a, ClientSession>),
}

/// Numbers as JavaScript prints them for integral values (`2`, not `2.0`).
fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Adds `stm` to a stored payload without re-parsing it.
pub fn with_stm(payload: &str, stm_ms: i64) -> String {
    let rest = payload.strip_prefix('{').unwrap_or(payload);
    let sep = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    format!("{{\"stm\":\"{stm_ms}\"{sep}{rest}")
}

/// Wraps payloads (each already a JSON object string) into a `payload_data` body.
pub fn post_body<'a>(payloads: impl Iterator<Item = &'a str>, stm_ms: i64) -> String {
    let payloads: Vec<&str> = payloads.collect();
    let stm = format!("{{\"stm\":\"{stm_ms}\"");
    let size: usize = payloads.iter().map(|p| p.len() + stm.len() + 2).sum();
    let mut body = String::with_capacity(PAYLOAD_DATA_SCHEMA.len() + 32 + size);
    body.push_str("{\"schema\":\"");
    body.push_str(PAYLOAD_DATA_SCHEMA);
    body.push_str("\",\"data\":[");
    for (i, p) in payloads.into_iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        // As with_stm, written in place.
        let rest = p.strip_prefix('{').unwrap_or(p);
        body.push_str(&stm);
        if !rest.trim_start().starts_with('}') {
            body.push(',');
        }
        body.push_str(rest);
    }
    body.push_str("]}");
    body
}

/// The query string of a GET request for one payload.
pub fn get_query(payload: &str, stm_ms: i64) -> Option<String> {
    let map: Map<String, Value> = serde_json::from_str(payload).ok()?;
    let mut q = format!("stm={stm_ms}");
    for (k, v) in &map {
        let v = v.as_str()?;
        q.push('&');
        q.push_str(&percent_encode(k));
        q.push('=');
        q.push_str(&percent_encode(v));
    }
    Some(q)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes URL-safe (or standard) base64 without padding; for tests and tools.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let cleaned: String = s.trim_end_matches('=').replace('+', "-").replace('/', "_");
    base64_simd::URL_SAFE_NO_PAD.decode_to_vec(cleaned).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stm_is_spliced_in() {
        assert_eq!(with_stm(r#"{"e":"ue"}"#, 5), r#"{"stm":"5","e":"ue"}"#);
        let body = post_body([r#"{"a":"1"}"#, r#"{"b":"2"}"#].into_iter(), 9);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["schema"], PAYLOAD_DATA_SCHEMA);
        assert_eq!(v["data"][1]["stm"], "9");
        assert_eq!(v["data"][1]["b"], "2");
        // Byte for byte what with_stm gives each payload, an empty one too.
        let parts = [r#"{"a":"1"}"#, "{}", r#"{ "c":"3"}"#];
        let body = post_body(parts.into_iter(), 7);
        let each: Vec<String> = parts.iter().map(|p| with_stm(p, 7)).collect();
        assert_eq!(
            body,
            format!(
                "{{\"schema\":\"{PAYLOAD_DATA_SCHEMA}\",\"data\":[{}]}}",
                each.join(",")
            )
        );
    }

    /// Unpadded URL-safe base64 (RFC 4648 §5), six bits at a time: the
    /// reference the encoder is checked against.
    fn reference_base64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bits = bytes.len() * 8;
        (0..bits.div_ceil(6))
            .map(|k| {
                let sextet = (0..6).fold(0usize, |acc, j| {
                    let bit = k * 6 + j;
                    let set = bit < bits && bytes[bit / 8] & (0x80 >> (bit % 8)) != 0;
                    acc << 1 | usize::from(set)
                });
                char::from(ALPHABET[sextet])
            })
            .collect()
    }

    #[test]
    fn base64_is_unpadded_and_url_safe() {
        // RFC 4648's vectors, without the padding, and the two characters
        // that differ from standard base64.
        for (text, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = String::new();
            push_base64(&mut out, |w| w.write_all(text.as_bytes()));
            assert_eq!(out, encoded, "{text:?}");
            assert_eq!(
                reference_base64(text.as_bytes()),
                encoded,
                "the reference, {text:?}"
            );
        }
        let mut out = String::new();
        push_base64(&mut out, |w| w.write_all(&[0xfb, 0xff]));
        assert_eq!(out, "-_8");
        assert_eq!(decode_base64("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(
            decode_base64("+/8=").unwrap(),
            [0xfb, 0xff],
            "standard base64 too"
        );
    }

    #[test]
    fn base64_of_written_pieces_is_the_encoding_of_their_text() {
        // Sizes around a 3-byte group, around the encoder's SIMD blocks, and
        // past what the buffer keeps, one after the other: nothing of a call
        // stays in the next.
        for n in [
            0usize, 1, 2, 3, 4, 23, 24, 25, 47, 48, 49, 100, 1070, 70_000, 5,
        ] {
            let text: Vec<u8> = (0..n).map(|i| (i * 7 % 251) as u8).collect();
            let mut out = String::from("x=");
            push_base64(&mut out, |w| {
                let (a, b) = text.split_at(n / 2);
                w.write_all(a)?;
                w.write_all(b)
            });
            assert_eq!(out, format!("x={}", reference_base64(&text)), "{n} bytes");
            assert_eq!(decode_base64(&out[2..]).unwrap(), text, "{n} bytes back");
        }
    }

    /// A first session's entity, at `event_index`.
    fn first_session(event_index: u32) -> ClientSession {
        ClientSession {
            user_id: "u".into(),
            session_id: "s".into(),
            session_index: 1,
            previous_session_id: None,
            storage_mechanism: "SQLITE",
            first_event_id: "f".into(),
            first_event_timestamp: "t".into(),
            event_index,
        }
    }

    proptest::proptest! {
        /// A screen view's own screen entity, left out when stored and
        /// written from the screen view when assembled, comes back with the
        /// bytes the entity had (its JSON as serde writes the enricher's
        /// map), in its place among the others, whatever its text.
        #[test]
        fn a_screen_entity_written_from_its_screen_view_is_the_one_left_out(
            name in proptest::prelude::any::<String>(),
            screen_type in proptest::option::of(proptest::prelude::any::<String>()),
            previous in proptest::option::of("[a-z\"\\\\ é]{0,8}"),
            place in 0usize..4,
            with_contexts in proptest::prelude::any::<bool>(),
        ) {
            let config = crate::config::Config::from_json(
                r#"{"networkConfig":{"endpoint":"c.io"}}"#,
                &crate::config::PlatformDefaults::default(),
            )
            .unwrap();
            let source = Source { config: &config.tracker, namespace: "ns" };
            let id = "4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c";
            let contexts = with_contexts
                .then(|| json!([{"schema": "iglu:com.acme/c/jsonschema/1-0-0", "data": {"k": "v"}}]));
            let view = json!({"name": name, "id": id, "type": screen_type, "previousName": previous});
            let Ok(event) = Event::from_args(crate::event::EventType::ScreenView, Some(view), contexts) else {
                return Ok(()); // refused (a marker, too long): nothing stored
            };
            let EventBody::ScreenView(sv) = &event.body else { unreachable!() };
            let mut data = json!({"id": id, "name": sv.name.as_str()});
            if let Some(t) = &sv.screen_type {
                data["type"] = json!(t.as_str());
            }
            let added = |schema: &str, data: Value| {
                Added::new(crate::event::SelfDescribing { schema: schema.into(), data })
            };
            // The screen entity alone, first, between two others, or last.
            let mut entities: Vec<_> = (0..[0, 1, 2, 2][place])
                .map(|i| added("iglu:com.acme/o/jsonschema/1-0-0", json!({"i": i})))
                .collect();
            let at = [0, 0, 1, 2][place];
            entities.insert(at, added(crate::enrich::SCREEN_SCHEMA, data));
            let additions = Additions { fields: Vec::new(), entities, own_screen: Some(at) };
            let session = first_session(3);
            let whole = build(&source, &event, "e", 5, Some(&session), &additions, None).0;
            let mut prefix = SessionPrefix::default();
            let (stored, deferred) =
                build(&source, &event, "e", 5, Some(&session), &additions, Some(&mut prefix));
            let deferred = deferred.unwrap();
            let screen = deferred.screen.unwrap();
            proptest::prop_assert!(!deferred.items.contains("mobile/screen/"));
            proptest::prop_assert_eq!(
                ScreenOfView::of(deferred.event.as_deref().unwrap()).map(|s| s.json_len()),
                Some(screen.len)
            );
            proptest::prop_assert_eq!(assemble(&stored, &deferred), Some(whole.clone()));
            proptest::prop_assert_eq!(deferred.assembled_len(&stored), whole.len());
        }
    }

    #[test]
    fn deferred_entities_assemble_into_the_payload_built_whole() {
        let config = crate::config::Config::from_json(
            r#"{"networkConfig":{"endpoint":"c.io"},"trackerConfig":{"appId":"app"}}"#,
            &crate::config::PlatformDefaults::default(),
        )
        .unwrap();
        let source = Source {
            config: &config.tracker,
            namespace: "ns",
        };
        let entity =
            json!([{"schema": "iglu:com.acme/thing/jsonschema/1-0-0", "data": {"a": "é\"x"}}]);
        let cases = [
            (
                crate::event::EventType::Structured,
                json!({"category": "c", "action": "a"}),
                None,
            ),
            (
                crate::event::EventType::Structured,
                json!({"category": "c", "action": "ab"}),
                Some(entity.clone()),
            ),
            (
                crate::event::EventType::ScreenView,
                json!({"name": "home"}),
                Some(entity.clone()),
            ),
            (
                crate::event::EventType::SelfDescribing,
                json!({"schema": "iglu:com.acme/ev/jsonschema/1-0-0", "data": {"q": "\u{2028}\"", "n": [1, 2.5]}}),
                Some(entity),
            ),
            (
                crate::event::EventType::DeepLinkReceived,
                json!({"url": "app://x?y=1", "referrer": "https://r.example/p"}),
                None,
            ),
        ];
        let mut checked = 0;
        // One prefix cache throughout, as the writer keeps it: each session
        // (user id) change must be noticed, each index put in.
        let mut cache = SessionPrefix::default();
        for (kind, args, contexts) in cases {
            let event = Event::from_args(kind, Some(args), contexts).unwrap();
            for (n, index) in [1u32, 9, 10, 99, 100, 12_345, 4_000_000_000]
                .into_iter()
                .enumerate()
            {
                let session = ClientSession {
                    user_id: "u".repeat(n + 1),
                    session_id: "s".into(),
                    session_index: 3,
                    previous_session_id: (n % 2 == 0).then(|| "p".into()),
                    storage_mechanism: "SQLITE",
                    first_event_id: "f".into(),
                    first_event_timestamp: "2026-12-03T10:00:00.000Z".into(),
                    event_index: index,
                };
                // Without added entities, and with some (shared ones are
                // serialised once: the second event on them uses that).
                let added = crate::enrich::Added::new(crate::event::SelfDescribing {
                    schema: "iglu:com.acme/added/jsonschema/1-0-0".into(),
                    data: json!({"b": "\u{1}😀", "n": 1.5}),
                });
                let additions = if n % 2 == 0 {
                    Additions::default()
                } else {
                    Additions {
                        fields: Vec::new(),
                        entities: vec![Arc::clone(&added), added],
                        own_screen: None,
                    }
                };
                let whole = build(&source, &event, "e", 5, Some(&session), &additions, None).0;
                let (payload, deferred) = build(
                    &source,
                    &event,
                    "e",
                    5,
                    Some(&session),
                    &additions,
                    Some(&mut cache),
                );
                let deferred = deferred.expect("deferred");
                let mut new_cache = SessionPrefix::default();
                let fresh = build(
                    &source,
                    &event,
                    "e",
                    5,
                    Some(&session),
                    &additions,
                    Some(&mut new_cache),
                );
                assert_eq!((payload.clone(), Some(deferred.clone())), fresh);
                assert!(!payload.contains("\"cx\""));
                assert!(!payload.contains("\"ue_px\""));
                assert_eq!(deferred.event.is_some(), payload.contains(r#""e":"ue""#));
                assert_eq!(assemble(&payload, &deferred).as_ref(), Some(&whole));
                assert_eq!(deferred.assembled_len(&payload), whole.len());
                checked += 1;
            }
        }
        assert_eq!(checked, 35);
        // An empty payload object takes its first field without a comma.
        for event in [None, Some(r#"{"schema":"s","data":{}}"#.to_string())] {
            for items in ["", r#"{"a":1}"#] {
                let d = Deferred {
                    event: event.clone(),
                    items: items.into(),
                    session_prefix: Arc::from(r#"{"schema":"s","data":{"eventIndex":"#),
                    event_index: 7,
                    screen: None,
                };
                let alone = assemble("{}", &d).unwrap();
                let v: Value = serde_json::from_str(&alone).expect(&alone);
                assert_eq!(
                    v.as_object().unwrap().len(),
                    1 + usize::from(event.is_some())
                );
                assert_eq!(d.assembled_len("{}"), alone.len());
            }
        }
    }

    #[test]
    fn entities_are_kept_whole_without_a_session_entity_or_base64() {
        let plain = crate::config::Config::from_json(
            r#"{"networkConfig":{"endpoint":"c.io"},"trackerConfig":{"base64Encoding":false}}"#,
            &crate::config::PlatformDefaults::default(),
        )
        .unwrap();
        let source = Source {
            config: &plain.tracker,
            namespace: "ns",
        };
        let event = Event::from_args(
            crate::event::EventType::Structured,
            Some(json!({"category": "c", "action": "a"})),
            None,
        )
        .unwrap();
        let session = first_session(1);
        let a = Additions::default();
        let mut cache = SessionPrefix::default();
        let (payload, deferred) = build(
            &source,
            &event,
            "e",
            5,
            Some(&session),
            &a,
            Some(&mut cache),
        );
        assert!(deferred.is_none());
        assert!(payload.contains("\"co\""));
        let (_, deferred) = build(&source, &event, "e", 5, None, &a, Some(&mut cache));
        assert!(deferred.is_none());
    }

    #[test]
    fn a_screen_view_is_written_as_the_map_of_its_fields_was() {
        // Every combination of the optional fields, with text that needs
        // escaping: the bytes are serde's of a JSON map of the same fields
        // (keys by name), as screen views were stored before they were typed.
        use crate::event::ScreenView;
        let text = |i: usize, bit: usize, v: &str| (i & (1 << bit) != 0).then(|| v.into());
        for i in 0..32 {
            let sv = ScreenView {
                id: "4F2A1C9E-0b7d-4e5a-9c3b-2d1e0f9a8b7c".parse().unwrap(),
                name: "Home \"1\" \\ \u{1} é 🙂".into(),
                previous_id: text(i, 0, "not \"a\" uuid"),
                previous_name: text(i, 1, "Prev\n"),
                previous_type: text(i, 2, "tab\t"),
                transition_type: text(i, 3, "push"),
                screen_type: text(i, 4, "</script>"),
            };
            let mut map = Map::new();
            map.insert("id".into(), json!("4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c"));
            map.insert("name".into(), json!(sv.name));
            for (k, v) in [
                ("previousId", &sv.previous_id),
                ("previousName", &sv.previous_name),
                ("previousType", &sv.previous_type),
                ("transitionType", &sv.transition_type),
                ("type", &sv.screen_type),
            ] {
                if let Some(v) = v {
                    map.insert(k.into(), json!(v));
                }
            }
            let as_map = serde_json::to_string(&Sdj {
                schema: SCREEN_VIEW_SCHEMA,
                data: &Value::Object(map),
            })
            .unwrap();
            assert_eq!(
                String::from_utf8(screen_view_json(&sv)).unwrap(),
                as_map,
                "fields {i:05b}"
            );
        }
    }

    #[test]
    fn numbers_print_like_javascript() {
        assert_eq!(format_number(2.0), "2");
        assert_eq!(format_number(-1.5), "-1.5");
    }

    /// The payload of `kind`'s event (its split events, in order), without base64.
    fn built(
        kind: crate::event::EventType,
        event: Value,
        contexts: Option<Value>,
    ) -> Vec<Map<String, Value>> {
        let config = crate::config::Config::from_json(
            r#"{"networkConfig":{"endpoint":"c.io"},"trackerConfig":{"appId":"app","base64Encoding":false}}"#,
            &crate::config::PlatformDefaults::default(),
        )
        .unwrap();
        let source = Source {
            config: &config.tracker,
            namespace: "ns",
        };
        let event = Event::from_args(kind, Some(event), contexts).unwrap();
        event
            .split()
            .iter()
            .map(|e| {
                serde_json::from_str(
                    &build(
                        &source,
                        e,
                        "4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c",
                        5,
                        None,
                        &Additions::default(),
                        None,
                    )
                    .0,
                )
                .unwrap()
            })
            .collect()
    }

    fn field<'a>(p: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
        p.get(k).and_then(Value::as_str)
    }

    fn json_field(p: &Map<String, Value>, k: &str) -> Value {
        serde_json::from_str(field(p, k).unwrap_or("null")).unwrap()
    }

    #[test]
    fn page_views_are_pv_with_url_page_and_refr() {
        use crate::event::EventType::PageView;
        let p = &built(
            PageView,
            json!({"pageUrl": "https://e.io/a", "pageTitle": "A", "referrer": "https://r.io/"}),
            None,
        )[0];
        assert_eq!(field(p, "e"), Some("pv"));
        assert_eq!(
            (field(p, "url"), field(p, "page"), field(p, "refr")),
            (Some("https://e.io/a"), Some("A"), Some("https://r.io/"))
        );
        assert!(!p.contains_key("ue_pr") && !p.contains_key("co"));
        let p = &built(
            PageView,
            json!({"pageUrl": "u", "pageTitle": "", "referrer": null}),
            None,
        )[0];
        assert_eq!(
            (field(p, "page"), field(p, "refr")),
            (None, None),
            "empty and null left out"
        );
    }

    #[test]
    fn a_transaction_is_tr_then_one_ti_per_item() {
        use crate::event::EventType::EcommerceTransaction;
        let t = json!({
            "orderId": "o-1", "totalValue": 30.5, "affiliation": "shop", "taxValue": 2.5, "shipping": 5,
            "city": "Paris", "state": "IDF", "country": "FR", "currency": "EUR",
            "items": [
                {"sku": "s1", "price": 10.25, "quantity": 2, "name": "Shirt", "category": "clothes"},
                {"sku": "s2", "price": 10, "quantity": 1, "currency": "USD"},
            ],
        });
        let entity = json!([{"schema": "iglu:com.acme/user/jsonschema/1-0-0", "data": {"a": 1}}]);
        let events = built(EcommerceTransaction, t, Some(entity));
        assert_eq!(events.len(), 3);
        let tr = &events[0];
        let expected = [
            ("e", "tr"),
            ("tr_id", "o-1"),
            ("tr_tt", "30.5"),
            ("tr_af", "shop"),
            ("tr_tx", "2.5"),
            ("tr_sh", "5"),
            ("tr_ci", "Paris"),
            ("tr_st", "IDF"),
            ("tr_co", "FR"),
            ("tr_cu", "EUR"),
        ];
        for (k, v) in expected {
            assert_eq!(field(tr, k), Some(v), "{k}");
        }
        let expected = [
            [
                ("e", "ti"),
                ("ti_id", "o-1"),
                ("ti_sk", "s1"),
                ("ti_nm", "Shirt"),
                ("ti_ca", "clothes"),
                ("ti_pr", "10.25"),
                ("ti_qu", "2"),
                ("ti_cu", "EUR"),
            ],
            [
                ("e", "ti"),
                ("ti_id", "o-1"),
                ("ti_sk", "s2"),
                ("ti_nm", ""),
                ("ti_ca", ""),
                ("ti_pr", "10"),
                ("ti_qu", "1"),
                ("ti_cu", "USD"),
            ],
        ];
        for (ti, fields) in events[1..].iter().zip(expected) {
            for (k, v) in fields {
                assert_eq!(field(ti, k).unwrap_or(""), v, "{k}");
            }
            assert!(!ti.keys().any(|k| k.starts_with("tr_")));
        }
        for e in &events {
            assert_eq!(
                json_field(e, "co")["data"][0]["data"],
                json!({"a": 1}),
                "the app's entity on every event"
            );
        }
        let minimal = built(
            EcommerceTransaction,
            json!({"orderId": "o", "totalValue": 0, "items": [], "affiliation": ""}),
            None,
        );
        let keys: Vec<&str> = minimal[0]
            .keys()
            .filter(|k| k.starts_with("tr_"))
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["tr_id", "tr_tt"]);
    }

    #[test]
    fn self_describing_kinds_are_ue_with_their_schema_and_entities() {
        use crate::event::{self as ev, EventType::*};
        let cases = [
            (
                Timing,
                json!({"category": "c", "variable": "v", "timing": 12}),
                ev::TIMING_SCHEMA,
                json!({"category": "c", "variable": "v", "timing": 12}),
            ),
            (
                ConsentGranted,
                json!({"documentId": "d", "version": "1", "expiry": "2030-01-01T00:00:00Z"}),
                ev::CONSENT_GRANTED_SCHEMA,
                json!({"expiry": "2030-01-01T00:00:00Z"}),
            ),
            (
                ConsentWithdrawn,
                json!({"documentId": "d", "version": "1", "all": false}),
                ev::CONSENT_WITHDRAWN_SCHEMA,
                json!({"all": false}),
            ),
            (
                ScrollChanged,
                json!({"yOffset": 1.5}),
                ev::SCROLL_CHANGED_SCHEMA,
                json!({"y_offset": 1}),
            ),
            (
                ListItemView,
                json!({"index": 2}),
                ev::LIST_ITEM_VIEW_SCHEMA,
                json!({"index": 2}),
            ),
            (
                MessageNotification,
                json!({"title": "t", "body": "b", "trigger": "other"}),
                ev::MESSAGE_NOTIFICATION_SCHEMA,
                json!({"title": "t", "body": "b", "trigger": "other"}),
            ),
            (
                DeepLinkReceived,
                json!({"url": "myapp://x"}),
                ev::DEEP_LINK_RECEIVED_SCHEMA,
                json!({"url": "myapp://x"}),
            ),
        ];
        for (kind, event, schema, data) in cases {
            let p = &built(kind, event, None)[0];
            assert_eq!(field(p, "e"), Some("ue"), "{kind:?}");
            assert_eq!(
                json_field(p, "ue_pr"),
                json!({"schema": UNSTRUCT_EVENT_SCHEMA, "data": {"schema": schema, "data": data}})
            );
            let consent = matches!(kind, ConsentGranted | ConsentWithdrawn);
            let co = json_field(p, "co");
            if consent {
                assert_eq!(
                    co["data"],
                    json!([{"schema": ev::CONSENT_DOCUMENT_SCHEMA, "data": {"id": "d", "version": "1"}}])
                );
            } else {
                assert_eq!(co, Value::Null, "{kind:?}: no entity without a session");
            }
            let deep = kind == DeepLinkReceived;
            assert_eq!(field(p, "url"), deep.then_some("myapp://x"), "{kind:?}");
        }
        let p = &built(
            DeepLinkReceived,
            json!({"url": "https://e.io/x", "referrer": "https://r.io/"}),
            None,
        )[0];
        assert_eq!(
            (field(p, "url"), field(p, "refr")),
            (Some("https://e.io/x"), Some("https://r.io/"))
        );
    }

    #[test]
    fn query_is_percent_encoded() {
        let q = get_query(r#"{"e":"se","se_ca":"a b&c"}"#, 1).unwrap();
        assert_eq!(q, "stm=1&e=se&se_ca=a%20b%26c");
    }
}
