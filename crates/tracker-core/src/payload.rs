//! The Snowplow tracker protocol on the wire.
//!
//! Turns a validated [`Event`] plus its session entity into the flat map of
//! string fields the protocol defines (`e`, `eid`, `dtm`, `tv`, `p`, `aid`,
//! `tna`, `ue_pr`/`ue_px`, `co`/`cx`, `se_*`), and wraps stored payloads into
//! requests. `stm` is not here: it belongs to the moment of sending.

use crate::config::TrackerConfig;
use crate::event::{Event, EventBody};
use crate::session::{ClientSession, CLIENT_SESSION_SCHEMA};
use base64::Engine;
use serde_json::{json, Map, Value};

/// The `tv` field: this tracker and its version.
pub const TRACKER_VERSION: &str = concat!("rn-rust-", env!("CARGO_PKG_VERSION"));
/// Wrapper schema of a POST body.
pub const PAYLOAD_DATA_SCHEMA: &str = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4";
/// Wrapper schema of the entities (Decision 8).
pub const CONTEXTS_SCHEMA: &str = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1";
/// Wrapper schema of a self-describing event.
pub const UNSTRUCT_EVENT_SCHEMA: &str = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0";
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

/// Builds the payload of one event as a JSON object string (without `stm`).
pub fn build(source: &Source<'_>, event: &Event, eid: &str, dtm_ms: i64, session: Option<&ClientSession>) -> String {
    let mut p = Map::new();
    let mut put = |k: &str, v: String| {
        p.insert(k.to_string(), Value::String(v));
    };
    put("eid", eid.to_string());
    put("dtm", dtm_ms.to_string());
    put("tv", TRACKER_VERSION.to_string());
    put("p", source.config.device_platform.as_str().to_string());
    put("tna", source.namespace.to_string());
    if let Some(aid) = source.config.app_id.as_deref().filter(|a| !a.is_empty()) {
        put("aid", aid.to_string());
    }
    let b64 = source.config.base64_encoding;
    match &event.body {
        EventBody::SelfDescribing(sd) => {
            put("e", "ue".into());
            let ue = json!({"schema": UNSTRUCT_EVENT_SCHEMA, "data": {"schema": sd.schema, "data": sd.data}});
            encode_json(&mut put, b64, "ue_px", "ue_pr", &ue);
        }
        EventBody::Structured { category, action, label, property, value } => {
            put("e", "se".into());
            put("se_ca", category.clone());
            put("se_ac", action.clone());
            if let Some(l) = label.as_ref().filter(|s| !s.is_empty()) {
                put("se_la", l.clone());
            }
            if let Some(pr) = property.as_ref().filter(|s| !s.is_empty()) {
                put("se_pr", pr.clone());
            }
            if let Some(v) = value {
                put("se_va", format_number(*v));
            }
        }
    }
    let mut entities: Vec<Value> =
        event.contexts.iter().map(|c| json!({"schema": c.schema, "data": c.data})).collect();
    if let Some(s) = session {
        entities.push(json!({"schema": CLIENT_SESSION_SCHEMA, "data": s}));
    }
    if !entities.is_empty() {
        let co = json!({"schema": CONTEXTS_SCHEMA, "data": entities});
        encode_json(&mut put, b64, "cx", "co", &co);
    }
    Value::Object(p).to_string()
}

fn encode_json(put: &mut impl FnMut(&str, String), b64: bool, enc_key: &str, plain_key: &str, v: &Value) {
    let s = v.to_string();
    if b64 {
        put(enc_key, base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s.as_bytes()));
    } else {
        put(plain_key, s);
    }
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
    let sep = if rest.trim_start().starts_with('}') { "" } else { "," };
    format!("{{\"stm\":\"{stm_ms}\"{sep}{rest}")
}

/// Wraps payloads (each already a JSON object string) into a `payload_data` body.
pub fn post_body<'a>(payloads: impl Iterator<Item = &'a str>, stm_ms: i64) -> String {
    let mut body = format!("{{\"schema\":\"{PAYLOAD_DATA_SCHEMA}\",\"data\":[");
    for (i, p) in payloads.enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&with_stm(p, stm_ms));
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
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cleaned).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stm_is_spliced_in() {
        assert_eq!(with_stm(r#"{"e":"ue"}"#, 5), r#"{"stm":"5","e":"ue"}"#);
        let body = post_body([r#"{"a":"1"}"#, r#"{"b":"2"}"#].into_iter(), 9);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["schema"], PAYLOAD_DATA_SCHEMA);
        assert_eq!(v["data"][1]["stm"], "9");
        assert_eq!(v["data"][1]["b"], "2");
    }

    #[test]
    fn numbers_print_like_javascript() {
        assert_eq!(format_number(2.0), "2");
        assert_eq!(format_number(-1.5), "-1.5");
    }

    #[test]
    fn query_is_percent_encoded() {
        let q = get_query(r#"{"e":"se","se_ca":"a b&c"}"#, 1).unwrap();
        assert_eq!(q, "stm=1&e=se&se_ca=a%20b%26c");
    }
}
