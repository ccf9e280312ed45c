//! Fuzzing every parser of untrusted input: none may panic, and each answers
//! with a value or a typed error of the code its caller documents.
//!
//! One target per parser: the configuration (arbitrary text, arbitrary JSON
//! values, and configuration-shaped objects with arbitrary fields, endpoints
//! with credentials that no message may show), each event kind (every kind of
//! `EventType::ALL`, with arbitrary contexts, as values, as the JSON text and
//! as `callTracker`'s argument array; an accepted event of a built-in schema
//! must fit that schema), the argument array of
//! every method of `Method::ALL` (checked alone, and through the registry
//! against a live tracker, answers included), method names, app states, and
//! namespaces (arbitrary strings with NUL, control characters, U+FFFD, very
//! long ones). Inputs mix arbitrary Unicode with the strings the parsers look
//! for: markers of values JSON cannot carry, Iglu URIs, UUIDs, URLs, deep
//! nesting.
//!
//! `cargo test` runs proptest's default number of cases (256 per target,
//! a few seconds in all; the registry target runs a quarter). A longer run:
//!
//! ```sh
//! PROPTEST_CASES=200000 cargo test -p tracker-core --test fuzz_parsers --release
//! ```
//!
//! (docs/limits.md, "Fuzzing").

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::sync::{mpsc, OnceLock};
use std::time::Duration;
use tracker_core::config::{redact_endpoint, TrackerConfig};
use tracker_core::event::EventBody;
use tracker_core::input::{self, UNSUPPORTED_VALUE_PREFIX};
use tracker_core::registry::{self, AppState};
use tracker_core::{payload, Config, Event, EventType, Method, PlatformDefaults, TrackerError};

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Markers of every kind, and one of no known kind.
fn marker() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("NaN"),
        Just("Infinity"),
        Just("-Infinity"),
        Just("bigint"),
        Just("function"),
        Just("symbol"),
        Just("nonsense"),
        Just(""),
    ]
    .prop_map(|kind| format!("{UNSUPPORTED_VALUE_PREFIX}{kind}"))
}

/// Strings a parser looks at twice: control characters, U+FFFD, markers,
/// things that look like URIs, ids and URLs, and arbitrary Unicode.
fn wild_string() -> BoxedStrategy<String> {
    prop_oneof![
        8 => any::<String>(),
        2 => "[\\x00-\\x1f\\x7f\u{80}-\u{9f}\u{fffd}a-z ]{0,12}",
        1 => "\\PC{0,40}",
        1 => marker(),
        1 => prop_oneof![
            Just("iglu:com.acme/event/jsonschema/1-0-0".to_string()),
            Just("4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c".to_string()),
            Just("https://user:Zq9pw@collector.example.com".to_string()),
            Just("javascript:alert(1)".to_string()),
            Just("\u{0}".to_string()),
            Just("\u{fffd}".to_string()),
            Just("".to_string()),
        ],
        1 => (1usize..6000).prop_map(|n| "x".repeat(n)),
        1 => (1usize..2000).prop_map(|n| "é😀".repeat(n)),
    ]
    .boxed()
}

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        wild_string().prop_map(Value::String),
    ]
    .boxed()
}

/// Keys the parsers know, mixed with arbitrary ones.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "event", "contexts", "name", "id", "type", "previousName", "previousId", "previousType", "transitionType",
            "schema", "data", "category", "action", "label", "property", "value", "networkConfig", "endpoint",
            "method", "timeout", "trackerConfig", "appId", "devicePlatform", "sessionContext", "sessionConfig",
            "foregroundTimeout", "backgroundTimeout", "onSessionUpdate", "emitterConfig", "emitRange",
            "byteLimitPost", "byteLimitGet", "retryFailedRequests", "customRetryForStatusCodes",
            "maxEventStoreSize", "maxEventStoreAge", "storage", "directory",
        ])
        .prop_map(str::to_string),
        1 => prop::sample::select(vec![
            "pageUrl", "pageTitle", "referrer", "variable", "timing", "documentId", "version", "documentDescription",
            "expiry", "all", "documents", "yOffset", "viewWidth", "index", "itemsCount", "url", "title", "body",
            "trigger", "attachments", "bodyLocArgs", "orderId", "totalValue", "items", "sku", "price", "quantity",
        ])
        .prop_map(str::to_string),
        1 => wild_string(),
    ]
}

fn json_value() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(8, 96, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(key(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
        .boxed()
}

/// `levels` arrays and objects around `inner`, built by moving.
fn nest(levels: usize, inner: Value) -> Value {
    (0..levels).fold(inner, |v, i| {
        if i % 2 == 0 {
            Value::Array(vec![v])
        } else {
            let mut m = Map::new();
            m.insert("k".into(), v);
            Value::Object(m)
        }
    })
}

/// A value nested from shallow to far deeper than the bound.
fn deep_value() -> impl Strategy<Value = Value> {
    (0usize..100, leaf()).prop_map(|(levels, inner)| nest(levels, inner))
}

/// JSON text nested deeper than serde_json parses, or not quite.
fn deep_text() -> impl Strategy<Value = String> {
    (50usize..400, prop::bool::ANY).prop_map(|(n, arrays)| {
        if arrays {
            format!("{}1{}", "[".repeat(n), "]".repeat(n))
        } else {
            format!("{}1{}", r#"{"k":"#.repeat(n), "}".repeat(n))
        }
    })
}

/// A field's value: mostly a plausible one, so that parsing goes deep,
/// otherwise anything (a wrong type, a marker, deep nesting).
fn typed(good: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![
        40 => good,
        1 => leaf(),
        1 => json_value(),
        1 => deep_value(),
        1 => marker().prop_map(Value::String),
    ]
    .boxed()
}

/// An object with each of `fields` (a name ending in `!` is required:
/// present 19 times in 20; the others one time in two), and now and then a
/// key of its own. Boxed: in a debug build, unboxed value trees of
/// strategies this size take tens of kilobytes of stack each.
fn object_with(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = fields
        .into_iter()
        .map(|(k, v)| {
            let (name, p) = match k.strip_suffix('!') {
                Some(name) => (name, 0.95),
                None => (k, 0.5),
            };
            prop::option::weighted(p, v.prop_map(move |v| (name.to_string(), v))).boxed()
        })
        .collect();
    (fields, prop::option::weighted(0.1, (key(), leaf())))
        .prop_map(|(fields, extra)| {
            let mut m: Map<String, Value> = fields.into_iter().flatten().collect();
            if let Some((k, v)) = extra {
                m.insert(k, v);
            }
            Value::Object(m)
        })
        .boxed()
}

fn any_of(values: Vec<Value>) -> BoxedStrategy<Value> {
    prop::sample::select(values).boxed()
}

fn short_text() -> BoxedStrategy<Value> {
    prop_oneof![12 => "[A-Za-z0-9 _-]{1,30}", 1 => wild_string()]
        .prop_map(Value::String)
        .boxed()
}

fn number(range: std::ops::RangeInclusive<f64>) -> BoxedStrategy<Value> {
    prop_oneof![
        12 => range.prop_map(|f| json!(f)),
        1 => (0u64..2_000).prop_map(|n| json!(n)),
        1 => any::<i64>().prop_map(|n| json!(n)),
    ]
    .boxed()
}

fn integer(range: std::ops::RangeInclusive<u64>) -> BoxedStrategy<Value> {
    prop_oneof![12 => range.prop_map(|n| json!(n)), 1 => any::<u64>().prop_map(|n| json!(n)), 1 => number(0.0..=1.0e7)].boxed()
}

fn flag() -> BoxedStrategy<Value> {
    any::<bool>().prop_map(Value::Bool).boxed()
}

fn data_object() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => prop::collection::btree_map(key(), json_value(), 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
        1 => deep_value(),
        1 => json_value(),
    ]
    .boxed()
}

fn iglu() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => "iglu:[a-z]{1,8}\\.[a-z]{1,8}/[a-z_]{1,12}/jsonschema/[0-9]-[0-9]-[0-9]".prop_map(Value::String),
        1 => "iglu:[a-z]{1,4}/[a-z]{500,600}/jsonschema/1-0-0".prop_map(Value::String),
        1 => wild_string().prop_map(Value::String),
    ]
    .boxed()
}

fn uuid() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => Just(json!("4F2A1C9E-0B7D-4E5A-9C3B-2D1E0F9A8B7C")),
        1 => "[0-9a-f-]{30,40}".prop_map(Value::String),
    ]
    .boxed()
}

/// A whole configuration, mostly valid, each field sometimes anything.
fn configuration() -> BoxedStrategy<Value> {
    let endpoint = prop_oneof![
        4 => any_of(vec![json!("collector.example.com"), json!("http://127.0.0.1:9"), json!("https://c.io/prefix/"), json!("[::1]:9090")]),
        1 => endpoint_with_password().prop_map(|(e, _)| Value::String(e)),
        1 => wild_string().prop_map(Value::String),
    ]
    .boxed();
    let network = object_with(vec![
        ("endpoint!", typed(endpoint)),
        (
            "method",
            typed(any_of(vec![
                json!("post"),
                json!("get"),
                json!("post"),
                json!("get"),
                json!("put"),
            ])),
        ),
        ("timeout", typed(number(0.0..=700.0))),
    ]);
    let tracker = object_with(vec![
        ("appId", typed(prop_oneof![4 => short_text(), 1 => (200usize..300).prop_map(|n| json!("a".repeat(n)))].boxed())),
        ("devicePlatform", typed(any_of(vec![json!("mob"), json!("web"), json!("iot"), json!("phone")]))),
        ("sessionContext", typed(flag())),
        ("lifecycleAutotracking", typed(flag())),
        ("base64Encoding", typed(flag())),
        ("userAnonymisation", typed(flag())),
    ]);
    let session = object_with(vec![
        ("foregroundTimeout", typed(number(-10.0..=1.0e10))),
        ("backgroundTimeout", typed(number(0.0..=3600.0))),
        ("continueSessionOnRestart", typed(flag())),
        (
            "onSessionUpdate",
            typed(any_of(vec![json!(true), json!(false)])),
        ),
    ]);
    let emitter = object_with(vec![
        ("emitRange", typed(integer(0..=1100))),
        ("byteLimitPost", typed(integer(900..=11_000_000))),
        ("byteLimitGet", typed(integer(900..=11_000_000))),
        ("retryFailedRequests", typed(flag())),
        (
            "customRetryForStatusCodes",
            typed(any_of(vec![
                json!({"500": true}),
                json!({"403": false, "abc": true}),
                json!({}),
            ])),
        ),
        ("maxEventStoreSize", typed(integer(0..=11_000_000))),
        ("maxEventStoreAge", typed(number(0.0..=4.0e8))),
    ]);
    let storage = object_with(vec![("directory", typed(short_text()))]);
    (
        network,
        prop::option::weighted(0.95, Just(())),
        object_with(vec![
            ("trackerConfig", tracker),
            ("sessionConfig", session),
            ("emitterConfig", emitter),
            ("storage", storage),
        ]),
    )
        .prop_map(|(network, with_network, rest)| {
            let mut m = rest.as_object().cloned().unwrap_or_default();
            if with_network.is_some() {
                m.insert("networkConfig".into(), network);
            }
            Value::Object(m)
        })
        .boxed()
}

fn entity() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => object_with(vec![("schema!", typed(iglu())), ("data!", typed(data_object()))]),
        1 => json_value(),
    ]
    .boxed()
}

fn contexts() -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(Value::Null)),
        4 => prop::collection::vec(entity(), 0..4).prop_map(|v| Some(Value::Array(v))),
        1 => json_value().prop_map(Some),
    ]
    .boxed()
}

fn event_of(kind: EventType) -> BoxedStrategy<Value> {
    let long = |max: usize| {
        prop_oneof![8 => short_text(), 1 => (max - 2..max + 3).prop_map(|n| json!("s".repeat(n)))]
            .boxed()
    };
    let event = match kind {
        EventType::ScreenView => object_with(vec![
            ("name!", typed(long(input::MAX_SCREEN_VIEW_STRING_CHARS))),
            ("id", typed(uuid())),
            ("type", typed(long(input::MAX_SCREEN_VIEW_STRING_CHARS))),
            ("previousName", typed(short_text())),
            ("previousId", typed(uuid())),
            ("previousType", typed(short_text())),
            ("transitionType", typed(short_text())),
        ]),
        EventType::SelfDescribing => object_with(vec![
            ("schema!", typed(iglu())),
            ("data!", typed(data_object())),
        ]),
        EventType::Structured => object_with(vec![
            (
                "category!",
                typed(long(input::MAX_STRUCTURED_CATEGORY_CHARS)),
            ),
            ("action!", typed(long(input::MAX_STRUCTURED_ACTION_CHARS))),
            ("label", typed(long(input::MAX_STRUCTURED_LABEL_CHARS))),
            (
                "property",
                typed(long(input::MAX_STRUCTURED_PROPERTY_CHARS)),
            ),
            ("value", typed(number(-1.0e300..=1.0e300))),
        ]),
        EventType::PageView => object_with(vec![
            ("pageUrl!", typed(long(input::MAX_PAGE_URL_CHARS))),
            ("pageTitle", typed(long(input::MAX_PAGE_TITLE_CHARS))),
            ("referrer", typed(uri_like())),
        ]),
        EventType::Timing => object_with(vec![
            ("category!", typed(short_text())),
            ("variable!", typed(long(input::MAX_TIMING_STRING_CHARS))),
            ("timing!", typed(number(-1.0e300..=1.0e300))),
            ("label", typed(short_text())),
        ]),
        EventType::ConsentGranted => {
            let mut fields = consent_document_fields();
            fields.push(("expiry!", typed(date_time())));
            object_with(fields)
        }
        EventType::ConsentWithdrawn => {
            let mut fields = consent_document_fields();
            fields.push(("all!", typed(flag())));
            fields.push((
                "documents",
                typed(
                    prop::collection::vec(object_with(consent_document_fields()), 0..3)
                        .prop_map(Value::Array)
                        .boxed(),
                ),
            ));
            object_with(fields)
        }
        EventType::ScrollChanged => object_with(
            [
                "yOffset",
                "xOffset",
                "viewHeight",
                "viewWidth",
                "contentHeight",
                "contentWidth",
            ]
            .into_iter()
            .map(|k| (k, typed(number(-3.0e9..=3.0e9))))
            .collect(),
        ),
        EventType::ListItemView => object_with(vec![
            ("index!", typed(number(-10.0..=70_000.0))),
            ("itemsCount", typed(number(-10.0..=70_000.0))),
        ]),
        EventType::DeepLinkReceived => object_with(vec![
            ("url!", typed(uri_like())),
            ("referrer", typed(uri_like())),
        ]),
        EventType::MessageNotification => {
            let strings =
                prop::collection::vec(prop_oneof![4 => short_text(), 1 => Just(Value::Null)], 0..3)
                    .prop_map(Value::Array)
                    .boxed();
            let attachment = object_with(vec![
                ("identifier!", typed(short_text())),
                ("type!", typed(short_text())),
                ("url!", typed(uri_like())),
            ]);
            let mut fields = vec![
                ("title!", typed(long(input::MAX_NOTIFICATION_STRING_CHARS))),
                ("body!", typed(long(input::MAX_NOTIFICATION_BODY_CHARS))),
                (
                    "trigger!",
                    typed(any_of(
                        [
                            "push",
                            "location",
                            "calendar",
                            "timeInterval",
                            "other",
                            "PUSH",
                        ]
                        .map(|t| json!(t))
                        .to_vec(),
                    )),
                ),
                ("notificationTimestamp", typed(date_time())),
                ("contentAvailable", typed(flag())),
                ("notificationCount", typed(number(-5.0..=20_000.0))),
                ("bodyLocArgs", typed(strings.clone())),
                ("titleLocArgs", typed(strings)),
                (
                    "attachments",
                    typed(
                        prop::collection::vec(attachment, 0..3)
                            .prop_map(Value::Array)
                            .boxed(),
                    ),
                ),
            ];
            for k in [
                "action",
                "bodyLocKey",
                "category",
                "group",
                "icon",
                "sound",
                "subtitle",
                "tag",
                "threadIdentifier",
                "titleLocKey",
            ] {
                fields.push((k, typed(short_text())));
            }
            object_with(fields)
        }
        EventType::EcommerceTransaction => {
            let currency = || {
                typed(any_of(vec![
                    json!("EUR"),
                    json!("USD"),
                    json!(""),
                    json!("EURO"),
                ]))
            };
            let item = object_with(vec![
                ("sku!", typed(short_text())),
                ("price!", typed(number(-1.0e6..=1.0e6))),
                ("quantity!", typed(number(-3.0e9..=3.0e9))),
                ("name", typed(long(input::MAX_ECOMMERCE_STRING_CHARS))),
                ("category", typed(short_text())),
                ("currency", currency()),
            ]);
            object_with(vec![
                ("orderId!", typed(long(input::MAX_ECOMMERCE_STRING_CHARS))),
                ("totalValue!", typed(number(-1.0e9..=1.0e9))),
                (
                    "items!",
                    typed(
                        prop::collection::vec(item, 0..4)
                            .prop_map(Value::Array)
                            .boxed(),
                    ),
                ),
                ("affiliation", typed(short_text())),
                ("taxValue", typed(number(0.0..=1.0e6))),
                ("shipping", typed(number(0.0..=1.0e6))),
                ("city", typed(short_text())),
                ("state", typed(short_text())),
                ("country", typed(short_text())),
                ("currency", currency()),
            ])
        }
    };
    prop_oneof![8 => event, 1 => json_value()].boxed()
}

fn consent_document_fields() -> Vec<(&'static str, BoxedStrategy<Value>)> {
    let id = || {
        typed(prop_oneof![4 => "[a-z0-9-]{1,36}".prop_map(Value::String), 1 => "[a-z]{35,38}".prop_map(Value::String)].boxed())
    };
    vec![
        ("documentId!", id()),
        ("version!", id()),
        (
            "name",
            typed(
                prop_oneof![4 => short_text(), 1 => "[a-z]{58,62}".prop_map(Value::String)].boxed(),
            ),
        ),
        ("documentDescription", typed(short_text())),
    ]
}

/// RFC 3339 date-times, mostly valid, some with impossible fields.
fn date_time() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,9})?(Z|[+-][0-2][0-9]:[0-5][0-9])".prop_map(Value::String),
        1 => Just(json!("2024-02-29T12:00:00.000Z")),
        1 => Just(json!("2022-01-01")),
        1 => wild_string().prop_map(Value::String),
    ]
    .boxed()
}

/// URIs of several schemes (some longer than `page_urlscheme` holds), some
/// with characters that must be percent-encoded.
fn uri_like() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => "(https?|myapp|[a-z]{17,20})://[a-z.]{1,20}(:[0-9]{1,5})?(/[a-zA-Z0-9%/ é]{0,20})?(\\?[a-z=&]{0,10})?(#[a-z]{0,5})?".prop_map(Value::String),
        1 => "[a-z]{1,5}:[a-z/]{0,10}".prop_map(Value::String),
        1 => wild_string().prop_map(Value::String),
    ]
    .boxed()
}

fn kind() -> impl Strategy<Value = EventType> {
    prop::sample::select(EventType::ALL.to_vec())
}

fn method() -> impl Strategy<Value = Method> {
    prop::sample::select(Method::ALL.to_vec())
}

/// A distinctive password, and endpoints that carry it in every shape.
fn endpoint_with_password() -> impl Strategy<Value = (String, String)> {
    (
        prop::sample::select(vec![
            "https://",
            "http://",
            "HTTP://",
            "ftp://",
            "javascript:",
            "",
            "http:/",
            "https:///",
        ]),
        "[a-z]{0,6}",
        "[A-Za-z0-9!$&'()*+,;=~._%:-]{1,16}",
        prop::sample::select(vec![
            "collector.example.com",
            "",
            ".x",
            "c o",
            "127.0.0.1:9",
            "[::1]",
            "h:port",
            "h/p?q#f",
        ]),
    )
        .prop_map(|(scheme, user, password, rest)| {
            let password = format!("Zq9{password}");
            (format!("{scheme}{user}:{password}@{rest}"), password)
        })
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

/// Whether a marker appears anywhere in `v` (as a string value).
fn has_marker(v: &Value) -> bool {
    match v {
        Value::String(s) => s.starts_with(UNSUPPORTED_VALUE_PREFIX),
        Value::Array(a) => a.iter().any(has_marker),
        Value::Object(m) => m.values().any(has_marker),
        _ => false,
    }
}

/// Nesting of arrays and objects, the value itself being level 1.
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn config(json: &str) -> Result<Config, TrackerError> {
    Config::from_json(
        json,
        &PlatformDefaults {
            app_id: Some("com.example.app".into()),
            ..Default::default()
        },
    )
}

/// A configuration error: the code, the prefix, and a message of sane length.
fn is_config_error(e: &TrackerError) -> Result<(), TestCaseError> {
    prop_assert_eq!(e.code(), "INVALID_CONFIG", "{}", e);
    prop_assert!(
        e.to_string().starts_with("invalid configuration: "),
        "{}",
        e
    );
    prop_assert!(
        e.to_string().chars().count() < 1200,
        "a bounded message: {} characters",
        e.to_string().len()
    );
    Ok(())
}

/// What a valid configuration promises (docs/limits.md).
fn config_within_bounds(c: &Config) -> Result<(), TestCaseError> {
    let n = &c.network;
    prop_assert!(
        n.endpoint.starts_with("https://") || n.endpoint.starts_with("http://"),
        "{}",
        n.endpoint
    );
    prop_assert!(n.endpoint.chars().count() <= input::MAX_ENDPOINT_CHARS + "https://".len());
    prop_assert!((1..=input::MAX_EMIT_RANGE).contains(&c.emitter.emit_range));
    for limit in [c.emitter.byte_limit_post, c.emitter.byte_limit_get] {
        prop_assert!((input::MIN_BYTE_LIMIT..=input::MAX_BYTE_LIMIT).contains(&limit));
    }
    prop_assert!(
        c.tracker.app_id.as_ref().map_or(0, |a| a.chars().count()) <= input::MAX_APP_ID_CHARS
    );
    for t in [
        c.session.foreground_timeout_ms,
        c.session.background_timeout_ms,
    ] {
        prop_assert!(t >= 0 && t as f64 <= input::MAX_SESSION_TIMEOUT_SECONDS * 1000.0);
    }
    Ok(())
}

/// An event error: INVALID_EVENT with its prefix.
fn is_event_error(e: &TrackerError) -> Result<(), TestCaseError> {
    prop_assert_eq!(e.code(), "INVALID_EVENT", "{}", e);
    prop_assert!(e.to_string().starts_with("invalid event: "), "{}", e);
    prop_assert!(
        e.to_string().chars().count() < 1200,
        "a bounded message: {}",
        e.to_string().len()
    );
    Ok(())
}

/// What an accepted event promises: bounded strings, bounded depth, and a
/// payload that builds into a JSON object.
fn event_within_bounds(e: &Event) -> Result<(), TestCaseError> {
    match &e.body {
        EventBody::SelfDescribing(sd) => {
            prop_assert!(sd.schema.chars().count() <= input::MAX_SCHEMA_URI_CHARS);
            prop_assert!(depth(&sd.data) < input::MAX_JSON_DEPTH);
            prop_assert!(!has_marker(&sd.data));
            if sd.schema.ends_with("/screen_view/jsonschema/1-0-0") {
                for (_, v) in sd.data.as_object().into_iter().flatten() {
                    prop_assert!(v
                        .as_str()
                        .is_some_and(|s| s.chars().count() <= input::MAX_SCREEN_VIEW_STRING_CHARS));
                }
            }
        }
        EventBody::ScreenView(sv) => {
            let optional = [&sv.previous_id, &sv.previous_name, &sv.previous_type, &sv.transition_type, &sv.screen_type];
            for v in [&sv.name].into_iter().chain(optional.into_iter().flatten()) {
                prop_assert!(v.chars().count() <= input::MAX_SCREEN_VIEW_STRING_CHARS);
            }
        }
        EventBody::Structured {
            category,
            action,
            label,
            property,
            value,
        } => {
            prop_assert!(
                category.chars().count() <= input::MAX_STRUCTURED_CATEGORY_CHARS
                    && !category.is_empty()
            );
            prop_assert!(
                action.chars().count() <= input::MAX_STRUCTURED_ACTION_CHARS && !action.is_empty()
            );
            prop_assert!(
                label.as_ref().map_or(0, |s| s.chars().count())
                    <= input::MAX_STRUCTURED_LABEL_CHARS
            );
            prop_assert!(
                property.as_ref().map_or(0, |s| s.chars().count())
                    <= input::MAX_STRUCTURED_PROPERTY_CHARS
            );
            prop_assert!(value.iter().all(|v| v.is_finite()));
        }
        EventBody::PageView {
            url,
            title,
            referrer,
        } => {
            prop_assert!(!url.is_empty() && chars(url) <= input::MAX_PAGE_URL_CHARS);
            prop_assert!(title.as_deref().map_or(0, chars) <= input::MAX_PAGE_TITLE_CHARS);
            prop_assert!(referrer.as_deref().map_or(0, chars) <= input::MAX_PAGE_URL_CHARS);
        }
        EventBody::DeepLinkReceived {
            event,
            url,
            referrer,
        } => {
            fits_builtin_schema(&event.schema, &event.data)?;
            prop_assert!(
                url.find(':').is_some_and(|i| i <= 16),
                "scheme cut for url: {}",
                url
            );
            prop_assert_eq!(
                referrer.as_deref(),
                event.data.get("referrer").and_then(Value::as_str)
            );
        }
        EventBody::Transaction(t) => {
            let max = input::MAX_ECOMMERCE_STRING_CHARS;
            prop_assert!(!t.order_id.is_empty() && chars(&t.order_id) <= max);
            for s in [&t.affiliation, &t.city, &t.state, &t.country] {
                prop_assert!(s.as_deref().map_or(0, chars) <= max);
            }
            prop_assert!(t.currency.as_deref().map_or(0, chars) <= input::MAX_CURRENCY_CHARS);
            prop_assert!([Some(t.total_value), t.tax_value, t.shipping]
                .iter()
                .flatten()
                .all(|v| v.is_finite()));
            prop_assert!(t.items.len() <= input::MAX_ECOMMERCE_ITEMS);
            for i in &t.items {
                prop_assert_eq!(&i.order_id, &t.order_id);
                prop_assert!(!i.sku.is_empty() && chars(&i.sku) <= max);
                prop_assert!(
                    i.name.as_deref().map_or(0, chars) <= max
                        && i.category.as_deref().map_or(0, chars) <= max
                );
                prop_assert!(i.currency.as_deref().map_or(0, chars) <= input::MAX_CURRENCY_CHARS);
                prop_assert!(
                    i.price.is_finite()
                        && (i.quantity.abs() as f64) <= input::MAX_ECOMMERCE_QUANTITY
                );
            }
        }
        EventBody::TransactionItem(_) => prop_assert!(false, "items are made by Event::split only"),
    }
    if let EventBody::SelfDescribing(sd) = &e.body {
        fits_builtin_schema(&sd.schema, &sd.data)?;
    }
    for c in &e.contexts {
        prop_assert!(c.schema.chars().count() <= input::MAX_SCHEMA_URI_CHARS);
        prop_assert!(!has_marker(&c.data));
        fits_builtin_schema(&c.schema, &c.data)?;
    }
    let tracker = TrackerConfig {
        app_id: Some("a".into()),
        device_platform: tracker_core::config::DevicePlatform::Mob,
        session_context: false,
        lifecycle_autotracking: true,
        base64_encoding: false,
        user_anonymisation: false,
        application_context: true,
        platform_context: true,
        screen_context: true,
        deep_link_context: true,
        screen_engagement_autotracking: true,
        install_autotracking: true,
        exception_autotracking: true,
    };
    let source = payload::Source {
        config: &tracker,
        namespace: "fuzz",
    };
    let built = payload::build(
        &source,
        e,
        "4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c",
        1_700_000_000_000,
        None,
        &Default::default(),
        None,
    )
    .0;
    prop_assert!(serde_json::from_str::<Map<String, Value>>(&built).is_ok());
    // Stored as a POST event is (base64, a session entity): the entities and
    // a self-describing event's JSON kept apart, the payload the emitter
    // puts back together is the one built whole, of the length foreseen.
    let tracker = TrackerConfig {
        base64_encoding: true,
        ..tracker
    };
    let source = payload::Source {
        config: &tracker,
        namespace: "fuzz",
    };
    let session = tracker_core::session::ClientSession {
        user_id: "u".into(),
        session_id: "s".into(),
        session_index: 2,
        previous_session_id: Some("p".into()),
        storage_mechanism: "SQLITE",
        first_event_id: "f".into(),
        first_event_timestamp: "2026-12-03T10:00:00.000Z".into(),
        event_index: 17,
    };
    // A screen view goes with the screen entity the tracker makes of it,
    // between two others: stored, it is left out and written from the
    // screen view again (payload::ScreenAt), which must give the same bytes.
    let additions = match &e.body {
        EventBody::ScreenView(sv) => {
            let added = |schema: &str, data: Value| {
                tracker_core::enrich::Added::new(tracker_core::event::SelfDescribing {
                    schema: schema.into(),
                    data,
                })
            };
            let mut screen = json!({"id": sv.id.to_string(), "name": sv.name.as_str()});
            if let Some(t) = &sv.screen_type {
                screen["type"] = json!(t.as_str());
            }
            tracker_core::enrich::Additions {
                fields: Vec::new(),
                entities: vec![
                    added("iglu:com.acme/before/jsonschema/1-0-0", json!({"a": "\u{1}😀"})),
                    added(tracker_core::enrich::SCREEN_SCHEMA, screen),
                    added("iglu:com.acme/after/jsonschema/1-0-0", json!({})),
                ],
                own_screen: Some(1),
            }
        }
        _ => Default::default(),
    };
    let build = |prefix: Option<&mut payload::SessionPrefix>| {
        payload::build(
            &source,
            e,
            "4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c",
            1_700_000_000_000,
            Some(&session),
            &additions,
            prefix,
        )
    };
    let whole = build(None).0;
    let (stored, deferred) = build(Some(&mut payload::SessionPrefix::default()));
    let Some(deferred) = deferred else {
        return Err(TestCaseError::fail("entities not kept apart"));
    };
    prop_assert_eq!(deferred.event.is_some(), whole.contains(r#""ue_px":"#));
    prop_assert_eq!(deferred.screen.is_some(), matches!(e.body, EventBody::ScreenView(_)));
    prop_assert_eq!(payload::assemble(&stored, &deferred), Some(whole.clone()));
    prop_assert_eq!(deferred.assembled_len(&stored), whole.len());
    Ok(())
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// What a property of a built-in schema allows.
#[derive(Clone, Copy)]
enum Allowed {
    /// A string of at most this many characters.
    Text(usize),
    /// A URI of at most this many characters.
    Uri(usize),
    /// An RFC 3339 date-time.
    DateTime,
    /// An integer within the range.
    Int(i64, i64),
    /// A finite number.
    Number,
    Bool,
    /// A non-empty array of strings (or nulls) of at most this many characters.
    Texts(usize),
    /// message_notification's attachments.
    Attachments,
}

/// A schema's properties with what each allows, and its required ones.
type Properties = (Vec<(&'static str, Allowed)>, Vec<&'static str>);

/// The properties (and which are required) of the schemas the core fills
/// itself, as their Iglu definitions state them; `None` for other schemas.
fn builtin_schema(schema: &str) -> Option<Properties> {
    use Allowed::*;
    let n = 1024;
    let px = i64::from(i32::MAX);
    Some(match schema {
        tracker_core::event::TIMING_SCHEMA => (
            vec![
                ("category", Text(4096)),
                ("variable", Text(4096)),
                ("timing", Number),
                ("label", Text(4096)),
            ],
            vec!["category", "variable", "timing"],
        ),
        tracker_core::event::CONSENT_GRANTED_SCHEMA => (vec![("expiry", DateTime)], vec![]),
        tracker_core::event::CONSENT_WITHDRAWN_SCHEMA => (vec![("all", Bool)], vec!["all"]),
        tracker_core::event::CONSENT_DOCUMENT_SCHEMA => (
            vec![
                ("id", Text(36)),
                ("version", Text(36)),
                ("name", Text(60)),
                ("description", Text(10_000)),
            ],
            vec!["id", "version"],
        ),
        tracker_core::event::SCROLL_CHANGED_SCHEMA => (
            vec![
                ("x_offset", Int(-px, px)),
                ("y_offset", Int(-px, px)),
                ("view_width", Int(0, px)),
                ("view_height", Int(0, px)),
                ("content_width", Int(0, px)),
                ("content_height", Int(0, px)),
            ],
            vec![],
        ),
        tracker_core::event::LIST_ITEM_VIEW_SCHEMA => (
            vec![("index", Int(0, 65_535)), ("items_count", Int(0, 65_535))],
            vec!["index"],
        ),
        tracker_core::event::DEEP_LINK_RECEIVED_SCHEMA => (
            vec![("url", Uri(4096)), ("referrer", Uri(4096))],
            vec!["url"],
        ),
        tracker_core::event::MESSAGE_NOTIFICATION_SCHEMA => {
            let mut props = vec![
                ("title", Text(n)),
                ("body", Text(4096)),
                ("trigger", Text(20)),
                ("notificationTimestamp", DateTime),
                ("contentAvailable", Bool),
                ("notificationCount", Int(0, 10_000)),
                ("bodyLocArgs", Texts(n)),
                ("titleLocArgs", Texts(n)),
                ("attachments", Attachments),
            ];
            for k in [
                "sound",
                "action",
                "bodyLocKey",
                "titleLocKey",
                "group",
                "category",
                "subtitle",
                "threadIdentifier",
                "icon",
                "tag",
            ] {
                props.push((k, Text(n)));
            }
            (props, vec!["title", "body", "trigger"])
        }
        _ => return None,
    })
}

/// An event or entity of a built-in schema holds only what the schema allows.
fn fits_builtin_schema(schema: &str, data: &Value) -> Result<(), TestCaseError> {
    let Some((props, required)) = builtin_schema(schema) else {
        return Ok(());
    };
    let data = data.as_object().expect("built-in data is an object");
    for key in required {
        prop_assert!(data.contains_key(key), "{} lacks {}", schema, key);
    }
    for (key, v) in data {
        let allowed = props.iter().find(|(k, _)| k == key).map(|(_, a)| *a);
        let text = |v: &Value, max: usize| v.as_str().is_some_and(|s| chars(s) <= max);
        let ok = match allowed {
            None => false,
            Some(Allowed::Text(max)) => text(v, max),
            Some(Allowed::Uri(max)) => {
                text(v, max) && tracker_core::event::uri_error(v.as_str().unwrap_or("")).is_none()
            }
            Some(Allowed::DateTime) => v.as_str().is_some_and(tracker_core::event::is_date_time),
            Some(Allowed::Int(min, max)) => v.as_i64().is_some_and(|i| (min..=max).contains(&i)),
            Some(Allowed::Number) => v.as_f64().is_some_and(f64::is_finite),
            Some(Allowed::Bool) => v.is_boolean(),
            Some(Allowed::Texts(max)) => v
                .as_array()
                .is_some_and(|a| !a.is_empty() && a.iter().all(|s| s.is_null() || text(s, max))),
            Some(Allowed::Attachments) => v.as_array().is_some_and(|a| {
                a.iter().all(|x| {
                    x.as_object().is_some_and(|o| {
                        o.len() == 3
                            && text(&o["identifier"], 1024)
                            && text(&o["type"], 1024)
                            && text(&o["url"], 1024)
                            && tracker_core::event::uri_error(o["url"].as_str().unwrap_or(""))
                                .is_none()
                    })
                })
            }),
        };
        prop_assert!(ok, "{}: {} = {} does not fit the schema", schema, key, v);
    }
    if schema == tracker_core::event::MESSAGE_NOTIFICATION_SCHEMA {
        prop_assert!(tracker_core::event::NOTIFICATION_TRIGGERS
            .contains(&data["trigger"].as_str().unwrap_or("")));
    }
    Ok(())
}

/// The argument array JavaScript would send for a `track*` call.
fn args_text(event: &Option<Value>, contexts: &Option<Value>) -> String {
    match (event, contexts) {
        (None, None) => "[]".into(),
        (Some(e), None) => json!([e]).to_string(),
        (e, Some(c)) => json!([e.clone().unwrap_or(Value::Null), c]).to_string(),
    }
}

fn method_of(kind: EventType) -> Method {
    Method::ALL
        .into_iter()
        .find(|m| m.event_type() == Some(kind))
        .expect("every kind has its method")
}

// ---------------------------------------------------------------------------
// The live tracker of the registry target
// ---------------------------------------------------------------------------

const LIVE: &str = "fuzz_live_tracker";

fn live_tracker() -> &'static str {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tracker-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let config = json!({
            "networkConfig": {"endpoint": "http://127.0.0.1:9"},
            "emitterConfig": {"byteLimitPost": 10_000_000},
            "storage": {"directory": dir.to_string_lossy()},
        });
        let answer = answer_of(|a| {
            registry::create_tracker(LIVE, &config.to_string(), &PlatformDefaults::default(), a)
        });
        assert_eq!(answer, Ok(r#"{"value":null}"#.to_string()));
    });
    LIVE
}

fn answer_of(call: impl FnOnce(registry::Answer)) -> Result<String, tracker_core::Failure> {
    let (tx, rx) = mpsc::channel();
    call(Box::new(move |r| {
        let _ = tx.send(r);
    }));
    rx.recv_timeout(Duration::from_secs(30))
        .expect("every call is answered")
}

fn registry_config() -> ProptestConfig {
    let default = ProptestConfig::default();
    ProptestConfig {
        cases: (default.cases / 4).max(16),
        ..default
    }
}

// ---------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------

/// A configuration is accepted within every bound and with no marker, or refused as a configuration error.
fn any_configuration(v: &Value) -> Result<(), TestCaseError> {
    match config(&v.to_string()) {
        Ok(c) => {
            prop_assert!(!has_marker(v), "a marker was accepted: {}", v);
            config_within_bounds(&c)
        }
        Err(e) => is_config_error(&e),
    }
}

proptest! {
    #[test]
    fn configuration_text(s in prop_oneof![3 => any::<String>(), 1 => deep_text(), 1 => "\\{.{0,80}"]) {
        match config(&s) {
            Ok(c) => config_within_bounds(&c)?,
            Err(e) => is_config_error(&e)?,
        }
    }

    #[test]
    fn configuration_json_values(v in prop_oneof![json_value(), deep_value()]) {
        any_configuration(&v)?;
    }

    #[test]
    fn configuration_objects(v in configuration()) {
        any_configuration(&v)?;
    }

    #[test]
    fn no_configuration_error_shows_a_password((endpoint, password) in endpoint_with_password(), method in prop_oneof![Just(json!("post")), leaf()]) {
        prop_assert!(!redact_endpoint(&endpoint).contains(&password), "{}", redact_endpoint(&endpoint));
        let v = json!({"networkConfig": {"endpoint": endpoint, "method": method}});
        match config(&v.to_string()) {
            Ok(c) => prop_assert!(!format!("{c:?}").contains(&password), "Debug shows it: {:?}", c),
            Err(e) => {
                is_config_error(&e)?;
                prop_assert!(!e.to_string().contains(&password), "{}", e);
            }
        }
    }

    #[test]
    fn events_of_each_kind(
        (kind, event) in kind().prop_flat_map(|k| (Just(k), prop::option::weighted(0.95, event_of(k)))),
        contexts in contexts(),
    ) {
        let marked = event.as_ref().is_some_and(has_marker) || contexts.as_ref().is_some_and(has_marker);
        let deep = event.as_ref().map_or(0, depth).max(contexts.as_ref().map_or(0, depth)) > input::MAX_JSON_DEPTH;
        // As values (the Rust API) ...
        match Event::from_args(kind, event.clone(), contexts.clone()) {
            Ok(e) => {
                prop_assert!(!marked && !deep, "accepted a marker or too deep a value");
                event_within_bounds(&e)?;
            }
            Err(e) => is_event_error(&e)?,
        }
        // ... as the `{"event", "contexts"}` text ...
        let mut root = Map::new();
        if let Some(e) = &event { root.insert("event".into(), e.clone()); }
        if let Some(c) = &contexts { root.insert("contexts".into(), c.clone()); }
        match Event::from_json(kind, &Value::Object(root).to_string()) {
            Ok(e) => event_within_bounds(&e)?,
            Err(e) => is_event_error(&e)?,
        }
        // ... and as callTracker's argument array.
        match method_of(kind).check_arguments(&args_text(&event, &contexts)) {
            Ok(()) => prop_assert!(!marked && !deep),
            Err(e) => is_event_error(&e)?,
        }
    }

    #[test]
    fn event_text(kind in kind(), s in prop_oneof![any::<String>(), deep_text(), "\\{\"event\":.{0,60}"]) {
        if let Err(e) = Event::from_json(kind, &s) {
            is_event_error(&e)?;
        }
    }

    #[test]
    fn argument_arrays_of_every_method(
        m in method(),
        args in prop_oneof![
            3 => prop::collection::vec(prop_oneof![json_value(), deep_value()], 0..4).prop_map(|a| Value::Array(a).to_string()),
            1 => any::<String>(),
            1 => deep_text(),
            1 => Just("[]".to_string()),
        ],
    ) {
        match m.check_arguments(&args) {
            Ok(()) => {
                let parsed: Value = serde_json::from_str(&args).expect("accepted arguments are JSON");
                let n = parsed.as_array().map(Vec::len);
                let track = m.event_type().is_some();
                let fits = n.is_some_and(|n| n <= m.max_arguments() && (!track || n >= 1));
                prop_assert!(fits, "{} accepted {}", m.name(), args);
                prop_assert!(!has_marker(&parsed));
            }
            Err(e) => {
                prop_assert!(["INVALID_ARGUMENT", "INVALID_EVENT"].contains(&e.code()), "{}: {}", m.name(), e);
                prop_assert!(e.to_string().chars().count() < 1200);
            }
        }
    }

    #[test]
    fn method_names(name in prop_oneof![wild_string(), method().prop_map(|m| m.name().to_string())]) {
        match Method::from_name(&name) {
            Ok(m) => prop_assert_eq!(m.name(), name.as_str()),
            Err(e) => {
                prop_assert_eq!(e.code(), "UNKNOWN_METHOD");
                prop_assert!(e.to_string().chars().count() < 120);
            }
        }
    }

    #[test]
    fn app_states(s in prop_oneof![wild_string(), prop::sample::select(vec!["active", "background", "inactive", "unknown", "extension"]).prop_map(str::to_string)]) {
        if let Err(e) = AppState::parse(&s) {
            prop_assert_eq!(e.code(), "INVALID_ARGUMENT");
        }
    }

    #[test]
    fn namespaces(s in prop_oneof![
        3 => wild_string(),
        1 => "[a-zA-Z0-9_]{1,20}[\\x00-\\x1f\u{7f}\u{85}\u{fffd}][a-z]{0,5}",
        1 => (100usize..300).prop_map(|n| "n".repeat(n)),
        1 => "[a-zA-Z0-9_ ]{1,40}",
    ]) {
        let valid = !s.trim().is_empty()
            && s.chars().count() <= input::MAX_NAMESPACE_CHARS
            && !s.chars().any(|c| c.is_control() || c == '\u{fffd}');
        match input::check_namespace(&s) {
            Ok(()) => prop_assert!(valid, "accepted {:?}", s),
            Err(e) => {
                prop_assert!(!valid, "refused {:?}: {}", s, e);
                prop_assert_eq!(e.code(), "INVALID_ARGUMENT");
                prop_assert!(e.to_string().starts_with("invalid argument: namespace "), "{}", e);
                prop_assert!(!e.to_string().contains('\0'), "the message escapes what it echoes");
                prop_assert!(e.to_string().chars().count() < 400);
            }
        }
    }
}

proptest! {
    #![proptest_config(registry_config())]

    /// Every method through the registry, against a live tracker: each call
    /// is answered, with a JSON reply or a failure of a documented code, never
    /// INTERNAL (no panic anywhere below), and the tracker still answers.
    #[test]
    fn every_method_through_the_registry(
        other in prop_oneof![2 => Just(None), 1 => method().prop_map(Some)],
        (kind, event) in kind().prop_flat_map(|k| (Just(k), prop::option::weighted(0.95, event_of(k)))),
        contexts in contexts(),
        raw in prop_oneof![6 => Just(None), 1 => any::<String>().prop_map(Some)],
    ) {
        let ns = live_tracker();
        // Two calls in three track an event of the generated kind.
        let m = other.unwrap_or(method_of(kind));
        let track = m.event_type().is_some();
        let m = if track { method_of(kind) } else { m };
        let args = raw.unwrap_or_else(|| if track { args_text(&event, &contexts) } else { "[]".into() });
        match answer_of(|a| registry::call_tracker(ns, m.name(), &args, a)) {
            Ok(json) => {
                let reply: Value = serde_json::from_str(&json).expect("a JSON reply");
                prop_assert!(reply.get("value").is_some(), "{}", json);
            }
            Err(f) => {
                prop_assert!(TrackerError::CODES.contains(&f.code), "{:?}", f);
                prop_assert_ne!(f.code, "INTERNAL", "{}", f.message);
                prop_assert!(f.message.starts_with(&format!("{}: ", m.name())), "{}", f.message);
            }
        }
        let index = answer_of(|a| registry::call_tracker(ns, "getSessionIndex", "[]", a));
        prop_assert!(index.is_ok(), "{:?}", index);
    }
}
