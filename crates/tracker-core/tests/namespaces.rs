//! Namespaces through the fixed native surface (`registry`): a namespace with
//! a control character (NUL included), U+FFFD, nothing but blanks, or more
//! than `input::MAX_NAMESPACE_CHARS` characters is refused with
//! INVALID_ARGUMENT naming it, by `createTracker` and then by every call on
//! it, and never reaches the writer thread's name (where a NUL panics).
//!
//! Needs `tracker::validate_namespace` to call `input::check_namespace`.

use proptest::prelude::*;
use serde_json::json;
use std::sync::mpsc;
use std::time::Duration;
use tracker_core::input::{check_namespace, MAX_NAMESPACE_CHARS};
use tracker_core::registry::{self, Answer};
use tracker_core::{Failure, PlatformDefaults};

fn answer(call: impl FnOnce(Answer)) -> Result<String, Failure> {
    let (tx, rx) = mpsc::channel();
    call(Box::new(move |r| {
        let _ = tx.send(r);
    }));
    rx.recv_timeout(Duration::from_secs(30)).expect("answered")
}

fn config(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("tracker-namespaces-{name}-{}", std::process::id()));
    json!({"networkConfig": {"endpoint": "http://127.0.0.1:9"}, "storage": {"directory": dir.to_string_lossy()}}).to_string()
}

#[test]
fn bad_namespaces_are_refused_by_create_and_by_every_later_call() {
    let long = "n".repeat(MAX_NAMESPACE_CHARS + 1);
    let cases = [
        ("a\u{0}b", "namespace must not contain control characters (U+0000 at character 1), got \"a\\0b\""),
        ("\u{0}", "namespace must not contain control characters (U+0000 at character 0)"),
        ("tab\tns", "namespace must not contain control characters (U+0009 at character 3)"),
        ("line\nns", "(U+000A at character 4)"),
        ("bell\u{7}", "(U+0007 at character 4)"),
        ("c1\u{9b}x", "(U+009B at character 2)"),
        // What Node-API makes of "a\uD800" and of "a\uDC00" alike.
        ("a\u{FFFD}", "namespace must not contain U+FFFD (at character 1)"),
        ("   ", "namespace must be a non-empty string"),
        ("", "namespace must be a non-empty string"),
        (long.as_str(), "namespace must be at most 128 characters, not 129"),
    ];
    for (ns, expected) in cases {
        let created = answer(|a| registry::create_tracker(ns, &config("bad"), &PlatformDefaults::default(), a));
        let f = created.expect_err(ns);
        assert_eq!(f.code, "INVALID_ARGUMENT", "{ns:?}: {f:?}");
        assert!(f.message.starts_with("createTracker: invalid argument: namespace "), "{ns:?}: {}", f.message);
        assert!(f.message.contains(expected), "{ns:?}: expected {expected:?} in {}", f.message);
        let later = answer(|a| registry::call_tracker(ns, "trackScreenViewEvent", r#"[{"name":"x"}]"#, a)).expect_err(ns);
        assert_eq!(later.code, "INVALID_ARGUMENT", "{ns:?}: {later:?}");
        assert!(later.message.starts_with("trackScreenViewEvent: invalid argument: namespace "), "{}", later.message);
    }
    // Namespaces that are fine, however unusual, still work.
    for ns in ["ünï cödé ✓", "a/b\\c:d", &"n".repeat(MAX_NAMESPACE_CHARS)] {
        assert_eq!(answer(|a| registry::create_tracker(ns, &config("good"), &PlatformDefaults::default(), a)), Ok(r#"{"value":null}"#.into()), "{ns:?}");
        assert_eq!(answer(|a| registry::remove_tracker(ns, a)), Ok(r#"{"value":true}"#.into()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: (ProptestConfig::default().cases / 4).max(16), ..ProptestConfig::default() })]

    /// Any string: the registry answers as the check decides, and nothing panics.
    #[test]
    fn any_namespace_through_the_registry(ns in prop_oneof![
        2 => any::<String>(),
        1 => "[a-z]{1,8}[\\x00-\\x1f\u{7f}\u{80}-\u{9f}\u{fffd}][a-z]{0,8}",
        // Not "n": the other test in this binary runs at the same time on the
        // same process-wide registry and creates and removes "n" × 128.
        1 => (120usize..140).prop_map(|n| "p".repeat(n)),
    ]) {
        let created = answer(|a| registry::create_tracker(&ns, &config("fuzz"), &PlatformDefaults::default(), a));
        match check_namespace(&ns) {
            Ok(()) => {
                prop_assert_eq!(created, Ok(r#"{"value":null}"#.to_string()), "{:?}", ns);
                prop_assert_eq!(answer(|a| registry::remove_tracker(&ns, a)), Ok(r#"{"value":true}"#.to_string()));
            }
            Err(e) => {
                let f = created.expect_err("refused");
                prop_assert_eq!(f.code, "INVALID_ARGUMENT");
                prop_assert_eq!(f.message, format!("createTracker: {e}"));
                let _ = answer(|a| registry::remove_tracker(&ns, a));
            }
        }
    }
}
