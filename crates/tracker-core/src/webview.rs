//! Messages from Snowplow's WebView tracker, running in a web page inside a
//! `react-native-webview`, to the app's trackers (`getWebViewCallback`).
//!
//! The page posts `{command, event, context?, trackers?}` as a string; the
//! JavaScript layer hands that string to every tracker unchanged, and each
//! decides here whether the message is for it (`trackers` empty or absent:
//! for all) and which of its events it is.

use crate::config::describe;
use crate::error::{Result, TrackerError};
use crate::event::EventType;
use crate::input;
use serde_json::{Map, Value};

/// The longest message accepted, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// A parsed message: the event in the shape of its `track*` method.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Which track method the command stands for.
    pub kind: EventType,
    /// The event argument, renamed to this tracker's keys where they differ.
    pub event: Option<Value>,
    /// The entities.
    pub contexts: Option<Value>,
    /// The namespaces it is for (empty: every tracker).
    pub trackers: Vec<String>,
}

impl Message {
    /// Whether the tracker of `namespace` tracks it (`None`: any).
    pub fn is_for(&self, namespace: Option<&str>) -> bool {
        self.trackers.is_empty() || namespace.is_none_or(|ns| self.trackers.iter().any(|t| t == ns))
    }
}

fn bad(m: String) -> TrackerError {
    TrackerError::InvalidEvent(m)
}

/// Parses the message string (`message.nativeEvent.data`).
pub fn parse(data: &Value) -> Result<Option<Message>> {
    let text = match data {
        Value::String(s) => s,
        other => {
            return Err(bad(format!(
                "the WebView message must be a string, got {}",
                describe(other)
            )))
        }
    };
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(bad(format!(
            "the WebView message must be at most {MAX_MESSAGE_BYTES} bytes, got {}",
            text.len()
        )));
    }
    let v: Value = serde_json::from_str(text)
        .map_err(|e| bad(input::json_syntax_error("the WebView message is", &e)))?;
    input::check_json(&v, "message").map_err(bad)?;
    let mut m = match v {
        Value::Object(m) => m,
        other => {
            return Err(bad(format!(
                "the WebView message must be an object, got {}",
                describe(&other)
            )))
        }
    };
    let command = match m.remove("command") {
        Some(Value::String(c)) => c,
        other => {
            return Err(bad(format!(
                "the WebView message needs a command, got {}",
                other.as_ref().map_or("none".into(), describe)
            )))
        }
    };
    let trackers = match m.remove("trackers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .into_iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        Some(other) => {
            return Err(bad(format!(
                "message.trackers must be an array of namespaces, got {}",
                describe(&other)
            )))
        }
    };
    let mut event = m.remove("event");
    let kind = match command.as_str() {
        "trackSelfDescribingEvent" => EventType::SelfDescribing,
        "trackStructEvent" => EventType::Structured,
        "trackScreenView" => EventType::ScreenView,
        "trackPageView" => {
            // The WebView tracker names them as the web does.
            if let Some(Value::Object(e)) = event.as_mut() {
                let mut renamed = Map::new();
                for (k, v) in std::mem::take(e) {
                    let k = match k.as_str() {
                        "url" => "pageUrl".to_string(),
                        "title" => "pageTitle".to_string(),
                        _ => k,
                    };
                    renamed.insert(k, v);
                }
                *e = renamed;
            }
            EventType::PageView
        }
        other => {
            return Err(bad(format!(
                "the WebView message has unknown command {}",
                input::quote(other, 60)
            )))
        }
    };
    Ok(Some(Message {
        kind,
        event,
        contexts: m.remove("context"),
        trackers,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_name_their_trackers_and_commands() {
        let m = parse(&json!(r#"{"command":"trackPageView","event":{"url":"https://a.b","title":"T"},"trackers":["sp2"]}"#))
            .unwrap()
            .unwrap();
        assert_eq!(m.kind, EventType::PageView);
        assert_eq!(
            m.event,
            Some(json!({"pageUrl": "https://a.b", "pageTitle": "T"}))
        );
        assert!(m.is_for(Some("sp2")) && !m.is_for(Some("sp1")));
        let all = parse(&json!(
            r#"{"command":"trackStructEvent","event":{"category":"c","action":"a"}}"#
        ))
        .unwrap()
        .unwrap();
        assert!(all.is_for(Some("anything")));
        let e = parse(&json!(r#"{"command":"trackWhatever"}"#)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid event: the WebView message has unknown command \"trackWhatever\""
        );
        assert_eq!(parse(&json!(3)).unwrap_err().code(), "INVALID_EVENT");
        assert_eq!(parse(&json!("{")).unwrap_err().code(), "INVALID_EVENT");
    }
}
