//! Untrusted input: every bound on what an app may pass, in one place, and the
//! checks that keep any argument away from a panic.
//!
//! Everything the platforms hand the core is untrusted: a namespace, a method
//! name, a configuration or an argument array written in JavaScript. The
//! parsers of [`crate::config`], [`crate::event`] and [`crate::method`] apply
//! the bounds below and the checks of this module, so that whatever arrives,
//! the answer is a value or a typed error naming the field. `docs/limits.md`
//! lists each bound with the reason for its value.
//!
//! Three checks live here because more than one parser needs them:
//! * [`check_namespace`]: a namespace names a thread, a database file and the
//!   `tna` of every event, so it must be printable, valid Unicode text.
//! * [`check_json`]: values JSON cannot carry (NaN, Infinity, a BigInt, a
//!   function, a symbol) arrive from TypeScript as an unambiguous marker
//!   ([`UNSUPPORTED_VALUE_PREFIX`]), and are rejected wherever they are, by
//!   their JSON path; so is nesting deeper than [`MAX_JSON_DEPTH`].
//! * [`json_syntax_error`]: serde_json's parse errors in words an app developer
//!   can act on (nesting too deep, half of a UTF-16 surrogate pair).

use crate::error::{Result, TrackerError};
use serde_json::Value;
use std::fmt::Write as _;

// ---------------------------------------------------------------------------
// Bounds. Each is explained in docs/limits.md; change both together.
// ---------------------------------------------------------------------------

/// Longest namespace, in characters. The namespace is sent as `tna`, which
/// Snowplow's atomic schema limits to 128 characters (`name_tracker`): a
/// longer one would make every event of the tracker a failed event at
/// enrichment.
pub const MAX_NAMESPACE_CHARS: usize = 128;

/// The longest `networkConfig.customPostPath`.
pub const MAX_POST_PATH_CHARS: usize = 1_000;
/// The most `networkConfig.requestHeaders`.
pub const MAX_REQUEST_HEADERS: usize = 50;
/// The longest value of a request header, in bytes.
pub const MAX_HEADER_VALUE_BYTES: usize = 8_192;

/// Longest `trackerConfig.appId`, in characters: `aid` (`app_id`) is limited
/// to 255 characters by the atomic schema.
pub const MAX_APP_ID_CHARS: usize = 255;

/// Longest `networkConfig.endpoint`, in characters. A collector URL is a
/// scheme, a host and at most a short path; 2048 is the length beyond which
/// URLs stop working in common HTTP software, and far above any real one.
pub const MAX_ENDPOINT_CHARS: usize = 2048;

/// Longest `storage.directory`, in characters: `PATH_MAX` on Linux and Android.
pub const MAX_STORAGE_DIRECTORY_CHARS: usize = 4096;

/// Largest `emitterConfig.emitRange` (events read from the database and sent
/// per request). Each pass holds that many events in memory; 1000 is 40 times
/// the default and still one short SQLite query.
pub const MAX_EMIT_RANGE: u32 = 1_000;

/// Smallest `emitterConfig.byteLimitPost` / `byteLimitGet`: below it no real
/// event (with its `client_session` entity) fits.
pub const MIN_BYTE_LIMIT: u32 = 1_000;

/// Largest `emitterConfig.byteLimitPost` / `byteLimitGet`, in bytes (10 MB).
/// A request body is built in memory; collectors refuse far smaller requests
/// (Snowplow's collector sinks accept 1 MB to 10 MB per request).
pub const MAX_BYTE_LIMIT: u32 = 10_000_000;

/// Largest `sessionConfig.foregroundTimeout` / `backgroundTimeout`, in
/// seconds (about 285 years, i.e. never): in milliseconds and added to the
/// time of day it stays far from `i64` overflow.
pub const MAX_SESSION_TIMEOUT_SECONDS: f64 = 9.0e9;

/// Longest screen view string (`name`, `type`, `previousName`,
/// `previousType`, `transitionType`), in characters. The screen_view schema
/// sets no maximum; 4096 is the atomic schema's longest string field
/// (`se_label`), and still far below the byte limit of an event.
pub const MAX_SCREEN_VIEW_STRING_CHARS: usize = 4096;

/// Longest `structured.category`, in characters (`se_category`, atomic schema).
pub const MAX_STRUCTURED_CATEGORY_CHARS: usize = 1000;
/// Longest `structured.action`, in characters (`se_action`, atomic schema).
pub const MAX_STRUCTURED_ACTION_CHARS: usize = 1000;
/// Longest `structured.label`, in characters (`se_label`, atomic schema).
pub const MAX_STRUCTURED_LABEL_CHARS: usize = 4096;
/// Longest `structured.property`, in characters (`se_property`, atomic schema).
pub const MAX_STRUCTURED_PROPERTY_CHARS: usize = 1000;

/// Longest page view `pageUrl` and `referrer`, in characters (`page_url`,
/// `page_referrer`, atomic schema).
pub const MAX_PAGE_URL_CHARS: usize = 4096;
/// Longest page view `pageTitle`, in characters (`page_title`, atomic schema).
pub const MAX_PAGE_TITLE_CHARS: usize = 2000;

/// Longest timing `category`, `variable` and `label`, in characters. The
/// timing schema sets no maximum; 4096 as for screen views.
pub const MAX_TIMING_STRING_CHARS: usize = 4096;

/// Longest consent `documentId` and `version`, in characters
/// (consent_document schema: `id` and `version`).
pub const MAX_CONSENT_DOCUMENT_ID_CHARS: usize = 36;
/// Longest consent document `name`, in characters (consent_document schema).
pub const MAX_CONSENT_DOCUMENT_NAME_CHARS: usize = 60;
/// Longest consent `documentDescription`, in characters (consent_document
/// schema: `description`).
pub const MAX_CONSENT_DOCUMENT_DESCRIPTION_CHARS: usize = 10_000;

/// Longest date-time string (consent `expiry`, `notificationTimestamp`), in
/// characters. An RFC 3339 date-time with nanoseconds and an offset is 35.
pub const MAX_DATE_TIME_CHARS: usize = 64;

/// Largest scroll offset, view or content size of a scroll_changed event, in
/// pixels (the schema's maximum, `i32::MAX`); offsets go down to its negative.
pub const MAX_SCROLL_PIXELS: f64 = 2_147_483_647.0;
/// Largest list item view `index` and `itemsCount` (list_item_view schema).
pub const MAX_LIST_ITEM_INDEX: f64 = 65_535.0;

/// Longest ecommerce string: the transaction's `orderId`, `affiliation`,
/// `city`, `state`, `country` and an item's `sku`, `name`, `category`, in
/// characters (`tr_orderid` ... `ti_category`, atomic schema).
pub const MAX_ECOMMERCE_STRING_CHARS: usize = 255;
/// Longest ecommerce `currency`, in characters (`tr_currency`,
/// `ti_currency`, atomic schema: an ISO 4217 code).
pub const MAX_CURRENCY_CHARS: usize = 3;
/// Largest ecommerce item `quantity`, either way (`ti_quantity` is an
/// integer column; 2.x sent it as a 32-bit `Int`).
pub const MAX_ECOMMERCE_QUANTITY: f64 = 2_147_483_647.0;
/// Most items of one ecommerce transaction. Each item is an event of its
/// own, all committed together with the transaction: real orders have far
/// fewer lines, and the bound keeps one call from flooding the queue.
pub const MAX_ECOMMERCE_ITEMS: usize = 1000;

/// Longest deep link `url` and `referrer`, in characters
/// (deep_link_received schema).
pub const MAX_DEEP_LINK_URL_CHARS: usize = 4096;

/// Longest message notification string (`title`, every optional string, each
/// `bodyLocArgs` / `titleLocArgs` item, each attachment's `identifier`,
/// `type` and `url`), in characters (message_notification schema).
pub const MAX_NOTIFICATION_STRING_CHARS: usize = 1024;
/// Longest message notification `body`, in characters (message_notification schema).
pub const MAX_NOTIFICATION_BODY_CHARS: usize = 4096;
/// Largest message notification `notificationCount` (message_notification schema).
pub const MAX_NOTIFICATION_COUNT: f64 = 10_000.0;

/// Longest schema URI of an event or entity, in characters. Real Iglu URIs
/// are well under 200 characters; the bound keeps a mistake (a whole document
/// passed as the schema) from travelling into error messages and payloads.
pub const MAX_SCHEMA_URI_CHARS: usize = 512;

/// Deepest nesting of arrays and objects in a configuration or in a method's
/// argument, counting the argument itself as level 1 (the `data` of a
/// self-describing event is level 2). serde_json stops parsing at 128 levels;
/// below that, this bound keeps every walk over a value short, and no real
/// event is nested a tenth as deep.
pub const MAX_JSON_DEPTH: usize = 64;

// ---------------------------------------------------------------------------
// Namespaces
// ---------------------------------------------------------------------------

/// Checks a tracker namespace: non-blank, at most [`MAX_NAMESPACE_CHARS`]
/// characters, no control character (NUL included) and no U+FFFD.
///
/// Control characters: a namespace names the writer thread (an interior NUL
/// makes `std::thread::Builder::name` panic), the database file and the `tna`
/// of every event, and it is printed in error messages.
///
/// U+FFFD (the replacement character): JavaScript strings may hold lone UTF-16
/// surrogates, which are not Unicode. Node-API hands them to the core as
/// U+FFFD, so `"a\uD800"` and `"a\uDC00"` would both arrive as `"a\u{FFFD}"`
/// and silently share one tracker, one database and one session. A namespace
/// is an identifier, so the core refuses the replacement character itself
/// rather than guess which string was meant. (On Android, UniFFI's Kotlin
/// bindings refuse to encode a lone surrogate and throw before the core is
/// called; Swift strings cannot hold one.)
pub fn check_namespace(namespace: &str) -> Result<()> {
    let bad = |why: String| {
        TrackerError::InvalidArgument(format!("namespace {why}, got {}", quote(namespace, 40)))
    };
    if namespace.trim().is_empty() {
        return Err(bad("must be a non-empty string".into()));
    }
    let chars = namespace.chars().count();
    if chars > MAX_NAMESPACE_CHARS {
        return Err(bad(format!(
            "must be at most {MAX_NAMESPACE_CHARS} characters, not {chars}"
        )));
    }
    if let Some((i, c)) = namespace.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(bad(format!(
            "must not contain control characters (U+{:04X} at character {i})",
            u32::from(c)
        )));
    }
    if let Some(i) = namespace
        .chars()
        .position(|c| c == char::REPLACEMENT_CHARACTER)
    {
        return Err(bad(format!(
            "must not contain U+FFFD (at character {i}): it stands for text that was not valid \
             Unicode, such as a lone UTF-16 surrogate, and two different namespaces would share it"
        )));
    }
    Ok(())
}

/// `s` quoted for an error message: Rust's escaping (control characters as
/// `\u{0}`), at most `max` characters, `...` after a cut.
pub(crate) fn quote(s: &str, max: usize) -> String {
    let mut cut: String = s.chars().take(max).collect();
    let more = s.chars().nth(max).is_some();
    cut = format!("{cut:?}");
    if more {
        cut.insert_str(cut.len() - 1, "...");
    }
    cut
}

/// `s` cut to `max` characters, `...` after a cut: for what a message echoes
/// without quotes of its own (a key in backticks).
pub(crate) fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// A message of serde's with every backticked or double-quoted part longer
/// than `max` characters cut (serde echoes an unknown key or a wrong string
/// whole, however long).
pub(crate) fn cut_quoted(msg: &str, max: usize) -> String {
    let mut out = String::with_capacity(msg.len().min(1024));
    let mut rest = msg;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = rest[open..].chars().next().unwrap_or('`');
        out.push_str(&rest[..=open]);
        let inner = &rest[open + 1..];
        match inner.find(quote) {
            Some(close) => {
                out.push_str(&cut(&inner[..close], max));
                out.push(quote);
                rest = &inner[close + 1..];
            }
            None => {
                out.push_str(&cut(inner, max));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A string's length in characters, if over `max`.
pub(crate) fn too_long(s: &str, max: usize) -> Option<usize> {
    // Bytes bound characters from above: most strings need no count.
    if s.len() <= max {
        return None;
    }
    Some(s.chars().count()).filter(|n| *n > max)
}

// ---------------------------------------------------------------------------
// Values JSON cannot carry, and depth
// ---------------------------------------------------------------------------

/// The prefix of the string TypeScript (js/src/api.ts, `encode`) puts in
/// place of a value JSON cannot carry; the kind follows it: `NaN`,
/// `Infinity`, `-Infinity`, `bigint`, `function` or `symbol`.
///
/// A string that begins with a NUL character and this private prefix is not
/// text any app means to send, so the core can tell a marker from data without
/// a second channel; a string of an app that happens to begin with it is
/// refused like the marker it spells (docs/limits.md).
pub const UNSUPPORTED_VALUE_PREFIX: &str = "\u{0}rn-rust-tracker:unsupported:";

/// What a marker stands for, in words: `(what the field must be, what it is)`.
fn unsupported(kind: &str) -> (&'static str, String) {
    match kind {
        "NaN" | "Infinity" | "-Infinity" => ("a finite number", kind.to_string()),
        "bigint" => ("JSON data", "a BigInt".into()),
        "function" => ("JSON data", "a function".into()),
        "symbol" => ("JSON data", "a symbol".into()),
        _ => ("JSON data", "a value JSON cannot carry".into()),
    }
}

/// One step of a JSON path.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Renders `root` and `steps` as `root.key[2]["odd key"]`; keys that are not
/// identifiers are quoted, and long keys cut.
fn render_path(root: &str, steps: &[Step<'_>]) -> String {
    let mut out = root.to_string();
    for step in steps {
        match step {
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Step::Key(k) => {
                let ident = !k.is_empty()
                    && k.len() <= 64
                    && !k.starts_with(|c: char| c.is_ascii_digit())
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$');
                if ident {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                } else {
                    let cut: String = k.chars().take(40).collect();
                    let _ = write!(out, "[{}]", Value::String(cut));
                }
            }
        }
        if out.len() > 300 {
            out.push_str("...");
            break;
        }
    }
    if out.is_empty() {
        "the value".into()
    } else {
        out
    }
}

/// Walks `v`, at most [`MAX_JSON_DEPTH`] levels down (so the recursion is
/// bounded whatever the value), for the first marker or too-deep container.
fn find<'a>(v: &'a Value, level: usize, path: &mut Vec<Step<'a>>, root: &str) -> Option<String> {
    match v {
        Value::String(s) => s.strip_prefix(UNSUPPORTED_VALUE_PREFIX).map(|kind| {
            let (must, got) = unsupported(kind);
            format!("{} must be {must}, got {got}", render_path(root, path))
        }),
        Value::Array(_) | Value::Object(_) if level >= MAX_JSON_DEPTH => Some(format!(
            "{} is nested more than {MAX_JSON_DEPTH} levels deep",
            render_path(root, path)
        )),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path.push(Step::Index(i));
            let found = find(item, level + 1, path, root);
            path.pop();
            found
        }),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            path.push(Step::Key(k));
            let found = find(item, level + 1, path, root);
            path.pop();
            found
        }),
        _ => None,
    }
}

/// Checks a value an app passed, named `root` in messages (`selfDescribing`,
/// `contexts`, or empty for the configuration, whose keys then start the
/// path): no marker of a value JSON cannot carry anywhere in it, and no
/// nesting deeper than [`MAX_JSON_DEPTH`]. The error is the message alone,
/// e.g. `selfDescribing.data.price must be a finite number, got NaN`; the
/// caller gives it its code.
pub fn check_json(v: &Value, root: &str) -> std::result::Result<(), String> {
    match find(v, 0, &mut Vec::new(), root) {
        Some(message) => Err(message),
        None => Ok(()),
    }
}

/// Drops a value without recursion. A `Value` built in Rust (not parsed, so
/// not limited to serde_json's 128 levels) can be nested deep enough for the
/// recursive drop to overflow the stack; the core drops what it refused this
/// way.
pub(crate) fn dismantle(v: Value) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// A serde_json parse error in words, after `what` (its subject and verb,
/// e.g. `arguments are`): nesting beyond what the parser takes, half of a
/// UTF-16 surrogate pair (a JavaScript string cut inside an emoji), or
/// serde_json's own message without its position.
pub fn json_syntax_error(what: &str, e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => &msg,
    };
    match msg {
        "recursion limit exceeded" => format!("{what} nested more than {MAX_JSON_DEPTH} levels deep"),
        "lone leading surrogate in hex escape" | "unexpected end of hex escape" => format!(
            "{what} not valid Unicode: a string holds a lone UTF-16 surrogate (half of a character, as left \
             by cutting a string inside an emoji)"
        ),
        other => format!("{what} not valid JSON: {other}"),
    }
}

// ---------------------------------------------------------------------------
// Panic injection (tests only)
// ---------------------------------------------------------------------------

/// The string that makes the core panic where [`inject_panic`] is called:
/// as a method name (`callTracker`) or inside a configuration
/// (`createTracker`). Compiled only with the `panic-injection` Cargo feature,
/// which nothing shipped enables: it exists so that tests can prove that a
/// panic below the native surface comes back as an `INTERNAL` error.
#[cfg(feature = "panic-injection")]
pub const PANIC_INJECTION: &str = "__rnRustTrackerInjectPanic";

/// Panics if `s` contains [`PANIC_INJECTION`] (feature `panic-injection`).
#[cfg(feature = "panic-injection")]
pub(crate) fn inject_panic(s: &str) {
    if s.contains(PANIC_INJECTION) {
        panic!("panic injected for a test (feature panic-injection)");
    }
}

/// Without the `panic-injection` feature, nothing.
#[cfg(not(feature = "panic-injection"))]
#[inline(always)]
pub(crate) fn inject_panic(_: &str) {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn namespaces_must_be_printable_unicode_identifiers() {
        for good in [
            "appTracker",
            "a",
            "ünï cödé ✓",
            "a-b.c/d",
            &"n".repeat(MAX_NAMESPACE_CHARS),
        ] {
            assert_eq!(check_namespace(good), Ok(()), "{good:?}");
        }
        let cases = [
            ("", "namespace must be a non-empty string, got \"\""),
            ("  \t", "namespace must be a non-empty string"),
            ("a\u{0}b", "namespace must not contain control characters (U+0000 at character 1), got \"a\\0b\""),
            ("tab\there", "(U+0009 at character 3)"),
            ("line\n", "(U+000A at character 4)"),
            ("del\u{7f}", "(U+007F at character 3)"),
            ("c1\u{85}", "(U+0085 at character 2)"),
            ("esc\u{1b}[31m", "(U+001B at character 3)"),
            ("x\u{FFFD}y", "namespace must not contain U+FFFD (at character 1)"),
            ("\u{FFFD}", "lone UTF-16 surrogate"),
        ];
        for (ns, expected) in cases {
            let e = check_namespace(ns).unwrap_err();
            assert_eq!(e.code(), "INVALID_ARGUMENT");
            assert!(e.to_string().contains(expected), "{ns:?}: {e}");
        }
        let long = "n".repeat(MAX_NAMESPACE_CHARS + 1);
        let e = check_namespace(&long).unwrap_err().to_string();
        assert!(e.contains("must be at most 128 characters, not 129"), "{e}");
        assert!(e.contains("...\""), "the echo is cut: {e}");
        assert!(e.len() < 200, "{e}");
    }

    #[test]
    fn markers_are_found_at_any_depth_and_named_by_path() {
        let m = |kind: &str| Value::String(format!("{UNSUPPORTED_VALUE_PREFIX}{kind}"));
        let cases = [
            (
                json!({"data": {"price": m("NaN")}}),
                "selfDescribing",
                "selfDescribing.data.price must be a finite number, got NaN",
            ),
            (
                json!({"data": {"a": [1, {"b": m("Infinity")}]}}),
                "selfDescribing",
                "selfDescribing.data.a[1].b must be a finite number, got Infinity",
            ),
            (
                json!([{"data": {"items": [0, 1, {"f": m("function")}]}}]),
                "contexts",
                "contexts[0].data.items[2].f must be JSON data, got a function",
            ),
            (
                json!({"x": m("-Infinity")}),
                "structured",
                "structured.x must be a finite number, got -Infinity",
            ),
            (
                json!({"n": m("bigint")}),
                "e",
                "e.n must be JSON data, got a BigInt",
            ),
            (
                json!({"s": m("symbol")}),
                "e",
                "e.s must be JSON data, got a symbol",
            ),
            (
                json!({"q": m("whatever")}),
                "e",
                "e.q must be JSON data, got a value JSON cannot carry",
            ),
            (
                json!({"odd key": {"0k": m("NaN")}}),
                "e",
                "e[\"odd key\"][\"0k\"] must be a finite number, got NaN",
            ),
            (
                json!({"sessionConfig": {"foregroundTimeout": m("NaN")}}),
                "",
                "sessionConfig.foregroundTimeout must be a finite number, got NaN",
            ),
            (m("NaN"), "", "the value must be a finite number, got NaN"),
        ];
        for (v, root, expected) in cases {
            assert_eq!(check_json(&v, root), Err(expected.to_string()), "{v}");
        }
        // Only the exact prefix is a marker.
        for fine in [
            "NaN",
            "Infinity",
            "rn-rust-tracker:unsupported:NaN",
            "\u{0}",
            "[function]",
        ] {
            assert_eq!(check_json(&json!({"a": [fine]}), "e"), Ok(()), "{fine:?}");
        }
    }

    /// `levels` arrays and objects around `1`, built by moving (`json!` would
    /// serialize its argument again, recursively, at every level).
    fn nested(levels: usize) -> Value {
        let mut v = json!(1);
        for i in 0..levels {
            v = if i % 2 == 0 {
                Value::Array(vec![v])
            } else {
                let mut m = serde_json::Map::new();
                m.insert("k".into(), v);
                Value::Object(m)
            };
        }
        v
    }

    #[test]
    fn nesting_is_bounded_and_walked_without_deep_recursion() {
        assert_eq!(check_json(&nested(MAX_JSON_DEPTH), "e"), Ok(()));
        let e = check_json(&nested(MAX_JSON_DEPTH + 1), "e").unwrap_err();
        assert!(e.ends_with("is nested more than 64 levels deep"), "{e}");
        assert!(e.starts_with("e[0].k[0].k"), "{e}");
        // Far deeper than any stack could recurse: built in Rust, not parsed.
        let deep = nested(1_000_000);
        assert!(check_json(&deep, "e").is_err());
        dismantle(deep);
    }

    #[test]
    fn parse_errors_in_words() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let e = serde_json::from_str::<Value>(&deep).unwrap_err();
        assert_eq!(
            json_syntax_error("arguments are", &e),
            "arguments are nested more than 64 levels deep"
        );
        for lone in [
            r#"["\ud800"]"#,
            r#"["\udc00"]"#,
            r#"["\ud83d x"]"#,
            r#"["\ud83d\u0041"]"#,
        ] {
            let e = serde_json::from_str::<Value>(lone).unwrap_err();
            let m = json_syntax_error("arguments are", &e);
            assert!(
                m.starts_with(
                    "arguments are not valid Unicode: a string holds a lone UTF-16 surrogate"
                ),
                "{lone}: {m}"
            );
        }
        let e = serde_json::from_str::<Value>("{").unwrap_err();
        assert_eq!(
            json_syntax_error("configuration is", &e),
            "configuration is not valid JSON: EOF while parsing an object"
        );
    }

    #[test]
    fn quoting_escapes_and_cuts() {
        assert_eq!(cut("abcdef", 3), "abc...");
        assert_eq!(cut("abc", 3), "abc");
        let long = "k".repeat(500);
        assert_eq!(
            cut_quoted(
                &format!("unknown field `{long}`, expected `a` or \"{long}\""),
                5
            ),
            "unknown field `kkkkk...`, expected `a` or \"kkkkk...\""
        );
        assert_eq!(cut_quoted("no quotes", 5), "no quotes");
        assert_eq!(cut_quoted("open `abcdefgh", 3), "open `abc...");
        assert_eq!(quote("a\u{0}", 40), "\"a\\0\"");
        assert_eq!(quote("abcdef", 3), "\"abc...\"");
        assert_eq!(too_long("ééé", 3), None);
        assert_eq!(too_long("éééé", 3), Some(4));
    }

    #[cfg(not(feature = "panic-injection"))]
    #[test]
    fn without_the_feature_nothing_panics() {
        inject_panic("__rnRustTrackerInjectPanic");
    }
}
