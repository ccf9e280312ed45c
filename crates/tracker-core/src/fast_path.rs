//! The fast path of the two events apps track most: screen views and
//! structured events, read straight from the call's JSON on the caller's
//! thread.
//!
//! The general parser builds a map of JSON values, then takes the event's
//! fields out of it: for a screen view that is a tree of keys and values,
//! allocated and freed again within the call, about 530 ns of the track
//! call's time (`cargo run --release` of a loop of 50,000). Here serde reads
//! the same text into a struct of borrowed strings instead (about 110 ns),
//! and the event is built from it.
//!
//! The fast path decides nothing of its own: it takes an input only when the
//! general parser would accept it and build the same event, and otherwise
//! answers `None`, so that the general parser runs and answers as it always
//! did (its errors, its notes on unknown keys). So it steps aside for an
//! unknown key, a key given twice, a value of another type, and anything
//! the checks below refuse; and for a string with an escape, which cannot
//! be borrowed, so for the marker of a value JSON cannot carry too (it
//! begins with a NUL, which JSON escapes). The call's entities, if any, are
//! checked and parsed by the general parser's own functions; refused or
//! noted, they send the whole call to it. A property test holds the fast
//! path to that: whatever it accepts, the general parser accepts as the
//! same event.

use crate::event::{self, Event, EventBody, EventType, ScreenView};
use crate::input::{self, too_long};
use crate::text::Text;
use serde::de::{Deserialize, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::Value;

/// The event of a `track*` call's argument array (`[event]` or
/// `[event, entities]`), if the fast path takes it.
pub(crate) fn from_args_array(kind: EventType, args_json: &str) -> Option<Event> {
    match kind {
        EventType::ScreenView => read::<Args<ScreenViewFields>, _>(args_json),
        EventType::Structured => read::<Args<StructuredFields>, _>(args_json),
        _ => None,
    }
}

/// The event of [`Event::from_json`]'s object (`{"event": ...}`, with
/// `contexts` optional), if the fast path takes it.
pub(crate) fn from_object(kind: EventType, json: &str) -> Option<Event> {
    match kind {
        EventType::ScreenView => read::<Object<ScreenViewFields>, _>(json),
        EventType::Structured => read::<Object<StructuredFields>, _>(json),
        _ => None,
    }
}

/// The event of a call's JSON read as `T`: its own fields by the fast path,
/// its entities (if any) by the general parser's own functions.
fn read<'a, T, F>(json: &'a str) -> Option<Event>
where
    T: Deserialize<'a> + Into<Args<F>>,
    F: Fields,
{
    let Args { event, contexts } = serde_json::from_str::<T>(json).ok()?.into();
    let mut event = event.event()?;
    if let Some(contexts) = contexts {
        event.contexts = event::contexts_without_notes(contexts)?;
    }
    Some(event)
}

/// An event kind's fields, as the fast path reads them.
trait Fields {
    /// The event the general parser builds of these fields, or `None`
    /// where it would refuse them.
    fn event(self) -> Option<Event>;
}

/// A call's arguments: an event and its entities (`None` or null: none).
struct Args<F> {
    event: F,
    contexts: Option<Value>,
}

/// `[event]`, `[event, entities]`; nothing may follow.
impl<'de, F: Deserialize<'de>> Deserialize<'de> for Args<F> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Seq<F>(std::marker::PhantomData<F>);
        impl<'de, F: Deserialize<'de>> Visitor<'de> for Seq<F> {
            type Value = Args<F>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("[event] or [event, entities]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Args<F>, A::Error> {
                use serde::de::Error;
                let event = seq
                    .next_element::<F>()?
                    .ok_or_else(|| A::Error::custom("no event"))?;
                let contexts = seq.next_element::<Value>()?;
                if contexts.is_some() && seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(A::Error::custom("more than two arguments"));
                }
                Ok(Args { event, contexts })
            }
        }
        d.deserialize_seq(Seq(std::marker::PhantomData))
    }
}

/// `{"event": ..., "contexts": ...}`, `contexts` optional.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Object<F> {
    event: F,
    #[serde(default)]
    contexts: Option<Value>,
}

impl<F> From<Object<F>> for Args<F> {
    fn from(o: Object<F>) -> Args<F> {
        Args {
            event: o.event,
            contexts: o.contexts,
        }
    }
}

/// A screen view's fields, borrowed from the JSON text.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScreenViewFields<'a> {
    #[serde(borrow)]
    name: Option<&'a str>,
    #[serde(borrow)]
    id: Option<&'a str>,
    #[serde(borrow, rename = "type")]
    screen_type: Option<&'a str>,
    #[serde(borrow)]
    previous_name: Option<&'a str>,
    #[serde(borrow)]
    previous_id: Option<&'a str>,
    #[serde(borrow)]
    previous_type: Option<&'a str>,
    #[serde(borrow)]
    transition_type: Option<&'a str>,
}

/// A structured event's fields, borrowed from the JSON text.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StructuredFields<'a> {
    #[serde(borrow)]
    category: Option<&'a str>,
    #[serde(borrow)]
    action: Option<&'a str>,
    #[serde(borrow)]
    label: Option<&'a str>,
    #[serde(borrow)]
    property: Option<&'a str>,
    value: Option<f64>,
}

/// Whether the general parser takes `s` as it is: at most `max` characters.
fn fits(s: &str, max: usize) -> bool {
    too_long(s, max).is_none()
}

/// A required string: present and not empty.
fn required(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// As `screen_view` in event.rs.
impl Fields for ScreenViewFields<'_> {
    fn event(self) -> Option<Event> {
        let max = input::MAX_SCREEN_VIEW_STRING_CHARS;
        let name = required(self.name)?;
        let strings = [
            Some(name),
            self.id,
            self.screen_type,
            self.previous_name,
            self.previous_id,
            self.previous_type,
            self.transition_type,
        ];
        if !strings.into_iter().flatten().all(|s| fits(s, max)) {
            return None;
        }
        let id = match self.id {
            Some(id) => event::uuid_of("screenView.id", id).ok()?,
            None => uuid::Uuid::new_v4(),
        };
        let previous_id = match self.previous_id {
            Some(p) => Some(Text::from(
                event::parse_uuid("screenView.previousId", p).ok()?,
            )),
            None => None,
        };
        Some(Event {
            body: EventBody::ScreenView(ScreenView {
                id,
                name: name.into(),
                previous_id,
                previous_name: self.previous_name.map(Text::from),
                previous_type: self.previous_type.map(Text::from),
                transition_type: self.transition_type.map(Text::from),
                screen_type: self.screen_type.map(Text::from),
            }),
            contexts: Vec::new(),
        })
    }
}

/// As `structured` in event.rs.
impl Fields for StructuredFields<'_> {
    fn event(self) -> Option<Event> {
        let category = required(self.category)?;
        let action = required(self.action)?;
        let fits = [
            (Some(category), input::MAX_STRUCTURED_CATEGORY_CHARS),
            (Some(action), input::MAX_STRUCTURED_ACTION_CHARS),
            (self.label, input::MAX_STRUCTURED_LABEL_CHARS),
            (self.property, input::MAX_STRUCTURED_PROPERTY_CHARS),
        ]
        .into_iter()
        .all(|(s, max)| s.is_none_or(|s| fits(s, max)));
        if !fits {
            return None;
        }
        Some(Event {
            body: EventBody::Structured {
                category: category.into(),
                action: action.into(),
                label: self.label.map(Text::from),
                property: self.property.map(Text::from),
                value: self.value.filter(|v| v.is_finite()),
            },
            contexts: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Method;
    use proptest::prelude::*;
    use serde_json::{json, Map, Value};

    const ID: &str = "4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c";
    /// Two entities the general parser takes, as a second argument.
    const ENTITIES: &str = r#",[{"schema":"iglu:com.acme/c/jsonschema/1-0-0","data":{"k":"v"}},{"schema":"iglu:com.acme/d/jsonschema/1-0-0","data":{}}]"#;
    /// An entity with a key it does not know: taken, with a note.
    const NOTED: &str = r#",[{"schema":"iglu:com.acme/c/jsonschema/1-0-0","data":{},"x":1}]"#;
    /// An entity whose schema is not an Iglu URI: refused.
    const BAD_ENTITY: &str = r#",[{"schema":"acme","data":{}}]"#;
    /// An entity holding the marker of a value JSON cannot carry: refused.
    const MARKED: &str = r#",[{"schema":"iglu:com.acme/c/jsonschema/1-0-0","data":{"n":"\u0000rn-rust-tracker:unsupported:NaN"}}]"#;

    fn method(kind: EventType) -> Method {
        match kind {
            EventType::ScreenView => Method::TrackScreenViewEvent,
            _ => Method::TrackStructuredEvent,
        }
    }

    /// `fast`'s event with the general one's id where the input had none
    /// (both make a random one).
    fn same_ids(mut fast: Event, general: &Event) -> Event {
        if let (EventBody::ScreenView(f), EventBody::ScreenView(g)) =
            (&mut fast.body, &general.body)
        {
            f.id = g.id;
        }
        fast
    }

    /// Checks the fast path's promise on `kind`'s argument array and on
    /// `from_json`'s object holding the same event: when it takes an input,
    /// the general parser takes it too, without a note, as the same event.
    /// Returns whether it took the argument array.
    fn check(kind: EventType, event_json: &str, tail: &str) -> Result<bool, TestCaseError> {
        let args = format!("[{event_json}{tail}]");
        let taken = from_args_array(kind, &args);
        if let Some(fast) = &taken {
            let general = method(kind).general_event(&args);
            prop_assert!(
                general.is_ok(),
                "fast path took {args}, general refused: {general:?}"
            );
            let (general, notes) = general.unwrap();
            prop_assert!(notes.is_empty(), "{args}: {notes:?}");
            prop_assert_eq!(same_ids(fast.clone(), &general), general, "{}", args);
        }
        let contexts = match tail {
            "" => String::new(),
            t => format!(r#","contexts"{}"#, t.replacen(',', ":", 1)),
        };
        let object = format!(r#"{{"event":{event_json}{contexts}}}"#);
        if let Some(fast) = from_object(kind, &object) {
            let general = Event::from_json_values(kind, &object);
            prop_assert!(
                general.is_ok(),
                "fast path took {object}, general refused: {general:?}"
            );
            let general = general.unwrap();
            prop_assert_eq!(same_ids(fast, &general), general, "{}", object);
        }
        Ok(taken.is_some())
    }

    #[test]
    fn takes_the_usual_calls() {
        let usual = [
            (
                EventType::ScreenView,
                json!({"name": "Home", "type": "feed", "id": ID}),
                "",
            ),
            (EventType::ScreenView, json!({"name": "Home"}), ",null"),
            (
                EventType::ScreenView,
                json!({"name": "Ünïcode 😀", "previousId": ID.to_uppercase(), "transitionType": "push"}),
                "",
            ),
            (
                EventType::Structured,
                json!({"category": "shop", "action": "add", "label": "sku 1", "property": "p", "value": 2.5}),
                "",
            ),
            (
                EventType::Structured,
                json!({"category": "c", "action": "a", "value": null}),
                ",null",
            ),
            (EventType::ScreenView, json!({"name": "Home"}), ",[]"),
            (EventType::ScreenView, json!({"name": "Home"}), ENTITIES),
            (
                EventType::Structured,
                json!({"category": "c", "action": "a"}),
                ENTITIES,
            ),
        ];
        for (kind, event, tail) in usual {
            assert!(
                check(kind, &event.to_string(), tail).unwrap(),
                "not taken: {event} {tail}"
            );
        }
        // The entities are the general parser's, in order.
        let e = from_args_array(
            EventType::ScreenView,
            &format!(r#"[{{"name":"a"}}{ENTITIES}]"#),
        )
        .unwrap();
        assert_eq!(
            e.contexts
                .iter()
                .map(|c| c.schema.as_str())
                .collect::<Vec<_>>(),
            [
                "iglu:com.acme/c/jsonschema/1-0-0",
                "iglu:com.acme/d/jsonschema/1-0-0"
            ]
        );
        // What the general parser makes of it, checked above; the id in lower case.
        let e = from_args_array(
            EventType::ScreenView,
            &format!(r#"[{{"name":"a","id":"{}"}}]"#, ID.to_uppercase()),
        )
        .unwrap();
        let EventBody::ScreenView(sv) = e.body else {
            panic!()
        };
        assert_eq!(sv.id.to_string(), ID);
    }

    #[test]
    fn steps_aside_for_what_the_general_parser_decides() {
        let marker = format!("{}NaN", input::UNSUPPORTED_VALUE_PREFIX);
        let long = "x".repeat(input::MAX_SCREEN_VIEW_STRING_CHARS + 1);
        let refused = [
            (EventType::ScreenView, r#"{"name":"a\"b"}"#.to_string(), ""), // an escape
            (
                EventType::ScreenView,
                r#"{"name":"a","extra":1}"#.into(),
                "",
            ), // noted
            (EventType::ScreenView, r#"{"name":"a"}"#.into(), NOTED),      // noted
            (EventType::ScreenView, r#"{"name":"a"}"#.into(), BAD_ENTITY),
            (EventType::ScreenView, r#"{"name":"a"}"#.into(), ",{}"),
            (EventType::ScreenView, r#"{"name":"a"}"#.into(), ",null,1"), // too many
            (EventType::ScreenView, r#"{"name":""}"#.into(), ""),
            (EventType::ScreenView, r#"{"type":"a"}"#.into(), ""),
            (EventType::ScreenView, r#"{"name":"a","id":"x"}"#.into(), ""),
            (
                EventType::ScreenView,
                r#"{"name":"a","id":null,"id":"x"}"#.into(),
                "",
            ),
            (
                EventType::ScreenView,
                json!({"name": marker}).to_string(),
                "",
            ),
            (EventType::ScreenView, json!({"name": long}).to_string(), ""),
            (EventType::ScreenView, r#"{"name":1}"#.into(), ""),
            (
                EventType::Structured,
                r#"{"category":"c","action":"a","value":"1"}"#.into(),
                "",
            ),
            (EventType::Structured, r#"{"category":"c"}"#.into(), ""),
            (
                EventType::Structured,
                r#"{"category":"c","action":""}"#.into(),
                "",
            ),
            (
                EventType::SelfDescribing,
                r#"{"schema":"iglu:a/b/jsonschema/1-0-0","data":{}}"#.into(),
                "",
            ),
        ];
        for (kind, event, tail) in refused {
            assert!(!check(kind, &event, tail).unwrap(), "taken: {event} {tail}");
        }
        assert!(from_args_array(EventType::ScreenView, "[]").is_none());
        assert!(from_args_array(EventType::ScreenView, "{}").is_none());
        let noted = format!(r#"{{"event":{{"name":"a"}},"contexts":{}}}"#, &NOTED[1..]);
        assert!(from_object(EventType::ScreenView, &noted).is_none());
        assert!(
            from_object(EventType::ScreenView, r#"{"event":{"name":"a"},"other":1}"#).is_none()
        );
    }

    fn string() -> BoxedStrategy<Value> {
        prop_oneof![
            4 => "[a-zA-Z0-9 ]{0,12}",
            2 => any::<String>(),
            1 => "[\"\\\\\u{0}\n\u{7f}é😀]{0,4}",
            1 => Just(ID.to_string()),
            1 => Just(ID.to_uppercase()),
            1 => Just(format!("{}NaN", input::UNSUPPORTED_VALUE_PREFIX)),
            1 => (990usize..1010).prop_map(|n| "é".repeat(n)),
            1 => (4090usize..4100).prop_map(|n| "x".repeat(n)),
        ]
        .prop_map(Value::String)
        .boxed()
    }

    fn value() -> BoxedStrategy<Value> {
        prop_oneof![
            12 => string(),
            1 => Just(Value::Null),
            1 => any::<bool>().prop_map(Value::Bool),
            2 => any::<i64>().prop_map(Value::from),
            2 => any::<f64>().prop_map(|f| json!(f)),
            1 => Just(json!({"name": "a"})),
            1 => Just(json!(["a"])),
        ]
        .boxed()
    }

    /// A value for `key` as apps give it: a UUID for ids, a number for
    /// `value`, else a short string.
    fn good(key: &str) -> BoxedStrategy<Value> {
        match key {
            "id" | "previousId" => prop_oneof![Just(ID.to_string()), Just(ID.to_uppercase())]
                .prop_map(Value::String)
                .boxed(),
            "value" => prop_oneof![
                any::<i32>().prop_map(Value::from),
                (-1e9f64..1e9).prop_map(|f| json!(f))
            ]
            .boxed(),
            _ => "[a-zA-Z0-9 é😀]{0,12}".prop_map(Value::String).boxed(),
        }
    }

    /// An event object: each key absent, as apps give it, or anything; now
    /// and then a key given twice (only text can say that).
    fn fields(keys: &'static [&'static str]) -> BoxedStrategy<String> {
        let each: Vec<BoxedStrategy<Option<Value>>> = keys
            .iter()
            .map(|k| {
                prop_oneof![
                    4 => Just(None),
                    5 => good(k).prop_map(Some),
                    2 => value().prop_map(Some),
                ]
                .boxed()
            })
            .collect();
        (
            each,
            prop::option::weighted(0.1, prop::sample::select(keys)),
        )
            .prop_map(move |(values, twice)| {
                let object: Map<String, Value> = keys
                    .iter()
                    .zip(values)
                    .filter_map(|(k, v)| Some((k.to_string(), v?)))
                    .collect();
                let text = Value::Object(object).to_string();
                match twice {
                    Some(k) => format!(r#"{{"{k}":"again",{}"#, &text[1..]).replace(",}", "}"),
                    None => text,
                }
            })
            .boxed()
    }

    fn tail() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "",
            ",null",
            ",[]",
            ",null,null",
            ",{}",
            ",1",
            ENTITIES,
            NOTED,
            BAD_ENTITY,
            MARKED,
            ",[null]",
            ",[],[]",
        ])
    }

    proptest! {
        #[test]
        fn what_it_takes_the_general_parser_takes_as_the_same_event(
            screen in fields(&["name", "id", "type", "previousName", "previousId",
                "previousType", "transitionType"]),
            screen_extra in fields(&["name", "type", "extra"]),
            structured in fields(&["category", "action", "label", "property", "value"]),
            tail in tail(),
        ) {
            check(EventType::ScreenView, &screen, tail)?;
            check(EventType::ScreenView, &screen_extra, tail)?;
            check(EventType::Structured, &structured, tail)?;
        }
    }
}
