//! Events as the app developer describes them, validated.
//!
//! Each `track*` call arrives as JSON (`{"event": {...}, "contexts": [...]}`),
//! the same shape on every platform. Validation happens here, on the caller's
//! thread, because it is cheap and its error belongs to that call; nothing here
//! touches the disk or the network.

use crate::config::describe;
use crate::error::{Result, TrackerError};
use crate::input::{self, too_long};
use serde_json::{Map, Value};

/// Schema of the screen view event.
pub const SCREEN_VIEW_SCHEMA: &str = "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0";
/// Schema of the background event.
pub const BACKGROUND_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/application_background/jsonschema/1-0-0";
/// Schema of the foreground event.
pub const FOREGROUND_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/application_foreground/jsonschema/1-0-0";

/// A self-describing JSON: an event body or an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct SelfDescribing {
    /// An `iglu:vendor/name/format/model-revision-addition` URI.
    pub schema: String,
    /// The data, a JSON object.
    pub data: Value,
}

/// The kinds of event the tracker sends.
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    /// A self-describing event (`e=ue`); screen views and lifecycle events are too.
    SelfDescribing(SelfDescribing),
    /// A structured event (`e=se`).
    Structured {
        /// `se_ca`
        category: String,
        /// `se_ac`
        action: String,
        /// `se_la`
        label: Option<String>,
        /// `se_pr`
        property: Option<String>,
        /// `se_va`
        value: Option<f64>,
    },
}

/// A validated event with its user-given entities.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// What happened.
    pub body: EventBody,
    /// Entities given by the app developer.
    pub contexts: Vec<SelfDescribing>,
}

/// Which `track*` method the JSON came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// `trackScreenViewEvent`
    ScreenView,
    /// `trackSelfDescribingEvent`
    SelfDescribing,
    /// `trackStructuredEvent`
    Structured,
}

impl EventType {
    /// How the event is named in messages: `screenView`, `selfDescribing`,
    /// `structured`.
    pub fn root_name(self) -> &'static str {
        match self {
            EventType::ScreenView => "screenView",
            EventType::SelfDescribing => "selfDescribing",
            EventType::Structured => "structured",
        }
    }
}

impl Event {
    /// Parses the `{"event": ..., "contexts": [...]}` argument of a `track*` call.
    pub fn from_json(kind: EventType, json: &str) -> Result<Event> {
        let root: Value = serde_json::from_str(json)
            .map_err(|e| TrackerError::InvalidEvent(input::json_syntax_error("arguments are", &e)))?;
        let mut root = match root {
            Value::Object(m) => m,
            other => return Err(invalid(format!("arguments must be an object, got {}", describe(&other)))),
        };
        let event = root.remove("event");
        let contexts = root.remove("contexts");
        if let Some(k) = root.keys().next() {
            return Err(invalid(format!("unknown argument `{}` (expected `event` and `contexts`)", input::cut(k, 60))));
        }
        Event::from_args(kind, event, contexts)
    }

    /// Builds an event from the two arguments of a `track*` call: the event
    /// description and the optional array of entities (absent or `null`: none).
    /// A value JSON cannot carry (its marker, [`input::UNSUPPORTED_VALUE_PREFIX`])
    /// anywhere in either, or nesting deeper than [`input::MAX_JSON_DEPTH`],
    /// is refused by its path, e.g. `selfDescribing.data.price must be a
    /// finite number, got NaN`.
    pub fn from_args(kind: EventType, event: Option<Value>, contexts: Option<Value>) -> Result<Event> {
        let checked = event
            .iter()
            .map(|v| (v, kind.root_name()))
            .chain(contexts.iter().map(|v| (v, "contexts")))
            .try_for_each(|(v, root)| input::check_json(v, root));
        if let Err(message) = checked {
            event.into_iter().chain(contexts).for_each(input::dismantle);
            return Err(invalid(message));
        }
        let contexts = parse_contexts(contexts)?;
        let body = match kind {
            EventType::ScreenView => screen_view(event)?,
            EventType::SelfDescribing => {
                let v = event.ok_or_else(|| invalid("selfDescribing event is required".into()))?;
                EventBody::SelfDescribing(self_describing("selfDescribing", v)?)
            }
            EventType::Structured => structured(event)?,
        };
        Ok(Event { body, contexts })
    }

    /// A lifecycle event of the core's own (background or foreground).
    pub fn lifecycle(to_background: bool, index: u32) -> Event {
        let (schema, key) = if to_background {
            (BACKGROUND_SCHEMA, "backgroundIndex")
        } else {
            (FOREGROUND_SCHEMA, "foregroundIndex")
        };
        let mut data = Map::new();
        data.insert(key.into(), Value::from(index));
        Event {
            body: EventBody::SelfDescribing(SelfDescribing { schema: schema.into(), data: Value::Object(data) }),
            contexts: Vec::new(),
        }
    }
}

fn invalid(msg: String) -> TrackerError {
    TrackerError::InvalidEvent(msg)
}

fn object(what: &str, v: Option<Value>) -> Result<Map<String, Value>> {
    match v {
        Some(Value::Object(m)) => Ok(m),
        None => Err(invalid(format!("{what} event is required"))),
        Some(other) => Err(invalid(format!("{what} event must be an object, got {}", describe(&other)))),
    }
}

fn take_string(
    m: &mut Map<String, Value>,
    what: &str,
    key: &str,
    required: bool,
    max_chars: usize,
) -> Result<Option<String>> {
    match m.remove(key) {
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(invalid(format!("{what}.{key} is required"))),
        Some(Value::String(s)) if required && s.is_empty() => {
            Err(invalid(format!("{what}.{key} must be a non-empty string")))
        }
        Some(Value::String(s)) => match too_long(&s, max_chars) {
            Some(n) => Err(invalid(format!("{what}.{key} must be at most {max_chars} characters, got {n}"))),
            None => Ok(Some(s)),
        },
        Some(other) => Err(invalid(format!("{what}.{key} must be a string, got {}", describe(&other)))),
    }
}

fn no_more_keys(m: &Map<String, Value>, what: &str) -> Result<()> {
    match m.keys().next() {
        Some(k) => Err(invalid(format!("{what} has unknown property `{}`", input::cut(k, 60)))),
        None => Ok(()),
    }
}

/// Accepts a UUID in its hyphenated form and returns it lower-case.
pub fn parse_uuid(what: &str, s: &str) -> Result<String> {
    match uuid::Uuid::try_parse(s) {
        Ok(u) if s.len() == 36 => Ok(u.hyphenated().to_string()),
        _ => Err(invalid(format!("{what} must be a UUID like 4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c, got {:?}", truncate(s)))),
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

fn screen_view(event: Option<Value>) -> Result<EventBody> {
    let what = "screenView";
    let mut m = object(what, event)?;
    let max = input::MAX_SCREEN_VIEW_STRING_CHARS;
    let name = take_string(&mut m, what, "name", true, max)?.unwrap_or_default();
    let id = match take_string(&mut m, what, "id", false, max)? {
        Some(id) => parse_uuid("screenView.id", &id)?,
        None => uuid::Uuid::new_v4().to_string(),
    };
    let mut data = Map::new();
    data.insert("name".into(), Value::String(name));
    data.insert("id".into(), Value::String(id));
    for key in ["type", "previousName", "previousId", "previousType", "transitionType"] {
        if let Some(v) = take_string(&mut m, what, key, false, max)? {
            let v = if key == "previousId" { parse_uuid("screenView.previousId", &v)? } else { v };
            data.insert(key.into(), Value::String(v));
        }
    }
    no_more_keys(&m, what)?;
    Ok(EventBody::SelfDescribing(SelfDescribing { schema: SCREEN_VIEW_SCHEMA.into(), data: Value::Object(data) }))
}

fn structured(event: Option<Value>) -> Result<EventBody> {
    let what = "structured";
    let mut m = object(what, event)?;
    let category = take_string(&mut m, what, "category", true, input::MAX_STRUCTURED_CATEGORY_CHARS)?.unwrap_or_default();
    let action = take_string(&mut m, what, "action", true, input::MAX_STRUCTURED_ACTION_CHARS)?.unwrap_or_default();
    let label = take_string(&mut m, what, "label", false, input::MAX_STRUCTURED_LABEL_CHARS)?;
    let property = take_string(&mut m, what, "property", false, input::MAX_STRUCTURED_PROPERTY_CHARS)?;
    let value = match m.remove("value") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite()),
        Some(other) => return Err(invalid(format!("structured.value must be a finite number, got {}", describe(&other)))),
    };
    no_more_keys(&m, what)?;
    Ok(EventBody::Structured { category, action, label, property, value })
}

fn self_describing(what: &str, v: Value) -> Result<SelfDescribing> {
    let mut m = match v {
        Value::Object(m) => m,
        other => return Err(invalid(format!("{what} must be an object with schema and data, got {}", describe(&other)))),
    };
    let schema = match m.remove("schema") {
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => return Err(invalid(format!("{what}.schema is required"))),
        Some(other) => return Err(invalid(format!("{what}.schema must be a string, got {}", describe(&other)))),
    };
    if let Some(n) = too_long(&schema, input::MAX_SCHEMA_URI_CHARS) {
        return Err(invalid(format!("{what}.schema must be at most {} characters, got {n}", input::MAX_SCHEMA_URI_CHARS)));
    }
    if !is_iglu_uri(&schema) {
        return Err(invalid(format!(
            "{what}.schema must be an Iglu URI like iglu:com.acme/event/jsonschema/1-0-0, got {:?}",
            truncate(&schema)
        )));
    }
    let data = match m.remove("data") {
        Some(Value::Object(d)) => Value::Object(d),
        None | Some(Value::Null) => return Err(invalid(format!("{what}.data is required"))),
        Some(other) => return Err(invalid(format!("{what}.data must be an object, got {}", describe(&other)))),
    };
    no_more_keys(&m, what)?;
    Ok(SelfDescribing { schema, data })
}

fn parse_contexts(v: Option<Value>) -> Result<Vec<SelfDescribing>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| self_describing(&format!("contexts[{i}]"), item))
            .collect(),
        Some(other) => Err(invalid(format!("contexts must be an array of entities, got {}", describe(&other)))),
    }
}

/// Checks `iglu:vendor/name/format/M-R-A` as the contexts schema's pattern does.
pub fn is_iglu_uri(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("iglu:") else { return false };
    let parts: Vec<&str> = rest.split('/').collect();
    if parts.len() != 4 {
        return false;
    }
    let word = |p: &str, dot: bool| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (dot && b == b'.'))
    };
    let version: Vec<&str> = parts[3].split('-').collect();
    word(parts[0], true)
        && word(parts[1], false)
        && word(parts[2], false)
        && version.len() == 3
        && version.iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(kind: EventType, json: &str) -> String {
        Event::from_json(kind, json).unwrap_err().to_string()
    }

    #[test]
    fn screen_view_gets_an_id_and_keeps_a_given_one_lower_case() {
        let e = Event::from_json(EventType::ScreenView, r#"{"event":{"name":"Home"}}"#).unwrap();
        let EventBody::SelfDescribing(sd) = e.body else { panic!() };
        assert_eq!(sd.schema, SCREEN_VIEW_SCHEMA);
        let id = sd.data["id"].as_str().unwrap();
        assert!(parse_uuid("x", id).is_ok());
        let e = Event::from_json(
            EventType::ScreenView,
            r#"{"event":{"name":"Home","id":"4F2A1C9E-0B7D-4E5A-9C3B-2D1E0F9A8B7C","type":"feed"}}"#,
        )
        .unwrap();
        let EventBody::SelfDescribing(sd) = e.body else { panic!() };
        assert_eq!(sd.data["id"], "4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c");
        assert_eq!(sd.data["type"], "feed");
    }

    #[test]
    fn bad_event_arguments_are_named() {
        use EventType::*;
        let cases = [
            (ScreenView, "nope", "arguments are not valid JSON"),
            (ScreenView, "[]", "arguments must be an object"),
            (ScreenView, r#"{}"#, "screenView event is required"),
            (ScreenView, r#"{"event":{}}"#, "screenView.name is required"),
            (ScreenView, r#"{"event":{"name":""}}"#, "screenView.name must be a non-empty string"),
            (ScreenView, r#"{"event":{"name":5}}"#, "screenView.name must be a string, got number 5"),
            (ScreenView, r#"{"event":{"name":"a","id":"123"}}"#, "screenView.id must be a UUID"),
            (ScreenView, r#"{"event":{"name":"a","colour":"red"}}"#, "screenView has unknown property `colour`"),
            (ScreenView, r#"{"event":{"name":"a"},"extra":1}"#, "unknown argument `extra`"),
            (ScreenView, r#"{"event":{"name":"a"},"contexts":{}}"#, "contexts must be an array"),
            (ScreenView, r#"{"event":{"name":"a"},"contexts":[{"schema":"iglu:a/b/jsonschema/1-0","data":{}}]}"#, "contexts[0].schema must be an Iglu URI"),
            (ScreenView, r#"{"event":{"name":"a"},"contexts":[{"schema":"iglu:a/b/jsonschema/1-0-0","data":[]}]}"#, "contexts[0].data must be an object"),
            (SelfDescribing, r#"{"event":{"schema":"com.acme/x/jsonschema/1-0-0","data":{}}}"#, "selfDescribing.schema must be an Iglu URI"),
            (SelfDescribing, r#"{"event":{"schema":"iglu:com.acme/x/jsonschema/1-0-0"}}"#, "selfDescribing.data is required"),
            (SelfDescribing, r#"{"event":"x"}"#, "selfDescribing must be an object"),
            (Structured, r#"{"event":{"category":"c"}}"#, "structured.action is required"),
            (Structured, r#"{"event":{"category":"c","action":"a","value":"1"}}"#, "structured.value must be a finite number"),
            (Structured, r#"{"event":{"category":"c","action":"a","label":false}}"#, "structured.label must be a string"),
        ];
        for (kind, json, expected) in cases {
            let m = err(kind, json);
            assert!(m.contains(expected), "{json}: expected {expected:?} in {m:?}");
        }
    }

    #[test]
    fn string_fields_are_bounded() {
        use EventType::*;
        let long = |n: usize| "x".repeat(n);
        let cases = [
            (ScreenView, json!({"name": long(4097)}), None, "screenView.name must be at most 4096 characters, got 4097"),
            (ScreenView, json!({"name": "a", "type": long(4097)}), None, "screenView.type must be at most 4096 characters"),
            (ScreenView, json!({"name": "a", "previousName": long(5000)}), None, "screenView.previousName must be at most 4096 characters, got 5000"),
            (ScreenView, json!({"name": "a", "previousType": long(4097)}), None, "screenView.previousType must be at most 4096"),
            (ScreenView, json!({"name": "a", "transitionType": long(4097)}), None, "screenView.transitionType must be at most 4096"),
            (ScreenView, json!({"name": "a", "id": long(5000)}), None, "screenView.id must be at most 4096 characters"),
            (Structured, json!({"category": long(1001), "action": "a"}), None, "structured.category must be at most 1000 characters, got 1001"),
            (Structured, json!({"category": "c", "action": long(1001)}), None, "structured.action must be at most 1000 characters, got 1001"),
            (Structured, json!({"category": "c", "action": "a", "label": long(4097)}), None, "structured.label must be at most 4096 characters, got 4097"),
            (Structured, json!({"category": "c", "action": "a", "property": long(1001)}), None, "structured.property must be at most 1000 characters, got 1001"),
            (SelfDescribing, json!({"schema": format!("iglu:com.acme/{}/jsonschema/1-0-0", long(600)), "data": {}}), None, "selfDescribing.schema must be at most 512 characters, got 631"),
            (ScreenView, json!({"name": "a"}), Some(json!([{"schema": long(513), "data": {}}])), "contexts[0].schema must be at most 512 characters, got 513"),
        ];
        for (kind, event, contexts, expected) in cases {
            let e = Event::from_args(kind, Some(event), contexts).unwrap_err();
            assert_eq!(e.code(), "INVALID_EVENT");
            assert!(e.to_string().contains(expected), "expected {expected:?} in {e}");
            assert!(e.to_string().len() < 300, "nothing long is echoed: {e}");
        }
        let e = Event::from_args(ScreenView, Some(json!({"name": "a", long(5000): 1})), None).unwrap_err();
        assert_eq!(e.to_string(), format!("invalid event: screenView has unknown property `{}...`", long(60)));
        // At the bound, counted in characters (not bytes or UTF-16 units).
        let ok = [
            (ScreenView, json!({"name": "é".repeat(4096), "type": "😀".repeat(4096)})),
            (Structured, json!({"category": "é".repeat(1000), "action": long(1000), "label": long(4096), "property": long(1000)})),
            (SelfDescribing, json!({"schema": format!("iglu:com.acme/{}/jsonschema/1-0-0", long(481)), "data": {}})),
        ];
        for (kind, event) in ok {
            assert!(Event::from_args(kind, Some(event), None).is_ok());
        }
    }

    #[test]
    fn values_json_cannot_carry_are_refused_by_path_in_events_and_entities() {
        use EventType::*;
        let m = |kind: &str| Value::String(format!("{}{kind}", input::UNSUPPORTED_VALUE_PREFIX));
        let iglu = "iglu:com.acme/e/jsonschema/1-0-0";
        let cases = [
            (SelfDescribing, json!({"schema": iglu, "data": {"price": m("NaN")}}), None, "selfDescribing.data.price must be a finite number, got NaN"),
            (ScreenView, json!({"name": "a"}), Some(json!([{"schema": iglu, "data": {"items": [1, 2, {"f": m("function")}]}}])), "contexts[0].data.items[2].f must be JSON data, got a function"),
            (Structured, json!({"category": "c", "action": "a", "value": m("Infinity")}), None, "structured.value must be a finite number, got Infinity"),
            (Structured, json!({"category": m("symbol"), "action": "a"}), None, "structured.category must be JSON data, got a symbol"),
            (ScreenView, json!({"name": m("bigint")}), None, "screenView.name must be JSON data, got a BigInt"),
            (ScreenView, m("NaN"), None, "screenView must be a finite number, got NaN"),
            (ScreenView, json!({"name": "a"}), Some(m("function")), "contexts must be JSON data, got a function"),
            (SelfDescribing, json!({"schema": iglu, "data": {"ok": 1}}), Some(json!([{"schema": iglu, "data": {"a": {"b": {"c": [m("-Infinity")]}}}}])), "contexts[0].data.a.b.c[0] must be a finite number, got -Infinity"),
        ];
        for (kind, event, contexts, expected) in cases {
            let e = Event::from_args(kind, Some(event), contexts).unwrap_err();
            assert_eq!(e, TrackerError::InvalidEvent(expected.to_string()));
        }
        // The same through the JSON text TypeScript sends.
        let text = format!(r#"{{"event":{{"schema":"{iglu}","data":{{"p":"\u0000rn-rust-tracker:unsupported:NaN"}}}}}}"#);
        assert_eq!(err(SelfDescribing, &text), "invalid event: selfDescribing.data.p must be a finite number, got NaN");
    }

    #[test]
    fn nesting_is_bounded() {
        let iglu = "iglu:com.acme/e/jsonschema/1-0-0";
        // Built by moving: `json!` would serialize its argument again at every level.
        let nest = |levels: usize| {
            (0..levels).fold(json!(1), |v, _| {
                let mut m = Map::new();
                m.insert("k".into(), v);
                Value::Object(m)
            })
        };
        let sd = |data: Value| {
            let mut m = Map::new();
            m.insert("schema".into(), json!("iglu:com.acme/e/jsonschema/1-0-0"));
            m.insert("data".into(), data);
            Some(Value::Object(m))
        };
        // The event object is level 1 and its data level 2.
        let ok = Event::from_args(EventType::SelfDescribing, sd(nest(63)), None);
        assert!(ok.is_ok());
        let e = Event::from_args(EventType::SelfDescribing, sd(nest(64)), None).unwrap_err();
        assert!(e.to_string().contains("is nested more than 64 levels deep"), "{e}");
        assert!(e.to_string().starts_with("invalid event: selfDescribing.data.k.k"), "{e}");
        // A value built in Rust, far deeper than the parser allows: refused and dropped without recursion.
        let e = Event::from_args(EventType::SelfDescribing, sd(nest(200_000)), None);
        assert!(e.is_err());
        // Deeper than serde_json parses: the parser's limit, said in words.
        let text = format!(r#"{{"event":{{"schema":"{iglu}","data":{}1{}}}}}"#, "[".repeat(200), "]".repeat(200));
        assert_eq!(err(EventType::SelfDescribing, &text), "invalid event: arguments are nested more than 64 levels deep");
        let text = r#"{"event":{"name":"cut \ud83d"}}"#;
        assert!(err(EventType::ScreenView, text).contains("arguments are not valid Unicode: a string holds a lone UTF-16 surrogate"));
    }

    #[test]
    fn iglu_uris() {
        assert!(is_iglu_uri("iglu:com.acme-1/my_event/jsonschema/1-0-12"));
        for bad in ["iglu:com.acme/e/jsonschema/1-0", "iglu:/e/jsonschema/1-0-0", "iglu:a/b/c/d/1-0-0", "iglu:a/b.c/jsonschema/1-0-0", "iglu:a/b/jsonschema/1-0-x", "com.a/b/jsonschema/1-0-0"] {
            assert!(!is_iglu_uri(bad), "{bad}");
        }
    }
}
