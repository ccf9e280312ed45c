//! Bad input is an error, never a panic: arbitrary JSON-ish text and
//! arbitrary JSON values go through configuration and event parsing.

use proptest::prelude::*;
use serde_json::Value;
use tracker_core::{Config, Event, EventType, PlatformDefaults};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
        prop_oneof![Just("iglu:com.acme/e/jsonschema/1-0-0"), Just("4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c"), Just("h.io")]
            .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("event".to_string()), Just("contexts".to_string()), Just("name".to_string()),
                    Just("id".to_string()), Just("schema".to_string()), Just("data".to_string()),
                    Just("category".to_string()), Just("action".to_string()), Just("value".to_string()),
                    Just("networkConfig".to_string()), Just("endpoint".to_string()),
                    Just("sessionConfig".to_string()), Just("foregroundTimeout".to_string()),
                    ".{0,8}",
                ],
                inner,
                0..5,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_is_an_error_or_a_value(s in ".{0,200}") {
        let _ = Config::from_json(&s, &PlatformDefaults::default());
        for kind in [EventType::ScreenView, EventType::SelfDescribing, EventType::Structured] {
            let _ = Event::from_json(kind, &s);
        }
    }

    #[test]
    fn arbitrary_json_is_an_error_or_a_value(v in json_value()) {
        let s = v.to_string();
        if let Err(e) = Config::from_json(&s, &PlatformDefaults::default()) {
            prop_assert!(e.to_string().starts_with("invalid configuration: "));
        }
        for kind in [EventType::ScreenView, EventType::SelfDescribing, EventType::Structured] {
            if let Err(e) = Event::from_json(kind, &s) {
                prop_assert!(e.to_string().starts_with("invalid event: "));
            }
        }
    }
}
