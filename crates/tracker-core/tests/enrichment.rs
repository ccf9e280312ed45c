//! What the tracker adds to events beyond the session (crate::enrich),
//! checked at the loopback collector on the manual clock: the subject, the
//! platform's facts, global contexts, gdpr, the install event, the screen and
//! deep-link entities, screen engagement, uncaught errors and WebView
//! messages (docs/events.md).

mod common;

use common::{Harness, Sent};
use serde_json::{json, Value};
use tracker_core::config::DeviceFacts;
use tracker_core::PlatformDefaults;

/// A harness with the 2.x defaults this file is about (install and screen
/// engagement are off in the shared harness) and `facts` from the platform.
fn start(facts: DeviceFacts, extra: Value) -> Harness {
    let mut h = Harness::start(json!({"trackerConfig": {"installAutotracking": false}}));
    h.stop();
    h.platform = PlatformDefaults { device: facts, ..PlatformDefaults::default() };
    let mut config = json!({"trackerConfig": {"installAutotracking": false, "screenEngagementAutotracking": true}});
    merge(&mut config, &extra);
    h.launch(config, false);
    h
}

fn merge(a: &mut Value, b: &Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (a, b) => *a = b.clone(),
    }
}

fn phone() -> DeviceFacts {
    DeviceFacts {
        os_type: Some("android".into()),
        os_version: Some("14".into()),
        device_manufacturer: Some("Google".into()),
        device_model: Some("Pixel 8".into()),
        app_version: Some("2.3.1".into()),
        app_build: Some("231".into()),
        language: Some("en-GB".into()),
        timezone: Some("Europe/London".into()),
        screen_resolution: Some((1080, 2400)),
        scale: Some(2.625),
        is_portrait: Some(true),
        carrier: Some("Carrier".into()),
        network_type: Some("wifi".into()),
        network_technology: None,
        physical_memory: Some(8_000_000_000),
        total_storage: Some(128_000_000_000),
    }
}

/// The data of the entities of `schema` on an event.
fn entities<'a>(e: &'a Sent, schema: &str) -> Vec<&'a Value> {
    e.entities.iter().filter(|x| x["schema"] == schema).map(|x| &x["data"]).collect()
}

fn schemas(e: &Sent) -> Vec<String> {
    e.entities.iter().map(|x| x["schema"].as_str().unwrap().rsplit('/').nth(2).unwrap().to_string()).collect()
}

fn field<'a>(e: &'a Sent, k: &str) -> Option<&'a str> {
    e.raw.get(k).and_then(Value::as_str)
}

fn kinds(sent: &[Sent]) -> Vec<String> {
    sent.iter()
        .map(|e| match &e.event_schema {
            Some(s) => s.rsplit('/').nth(2).unwrap().to_string(),
            None => field(e, "e").unwrap().to_string(),
        })
        .collect()
}

const APPLICATION: &str = "iglu:com.snowplowanalytics.mobile/application/jsonschema/1-0-0";
const MOBILE: &str = "iglu:com.snowplowanalytics.snowplow/mobile_context/jsonschema/1-0-3";
const SCREEN: &str = "iglu:com.snowplowanalytics.mobile/screen/jsonschema/1-0-0";
const SUMMARY: &str = "iglu:com.snowplowanalytics.mobile/screen_summary/jsonschema/1-0-0";
const DEEP_LINK: &str = "iglu:com.snowplowanalytics.mobile/deep_link/jsonschema/1-0-0";
const GDPR: &str = "iglu:com.snowplowanalytics.snowplow/gdpr/jsonschema/1-0-0";

#[test]
fn platform_facts_give_the_application_and_platform_entities_and_subject_defaults() {
    let h = start(phone(), json!({}));
    h.structured("a");
    h.background();
    let sent = h.flush();
    assert_eq!(sent.len(), 2);
    for e in &sent {
        assert_eq!(entities(e, APPLICATION), [&json!({"version": "2.3.1", "build": "231"})]);
        assert_eq!(
            entities(e, MOBILE),
            [&json!({"osType": "android", "osVersion": "14", "deviceManufacturer": "Google", "deviceModel": "Pixel 8",
                "carrier": "Carrier", "networkType": "wifi", "physicalMemory": 8_000_000_000u64,
                "totalStorage": 128_000_000_000u64, "isPortrait": true, "resolution": "1080x2400", "scale": 2.625,
                "language": "en-GB"})]
        );
        assert_eq!((field(e, "tz"), field(e, "lang"), field(e, "res")), (Some("Europe/London"), Some("en-GB"), Some("1080x2400")));
        for absent in ["uid", "duid", "tnuid", "ip", "ua", "vp", "cd"] {
            assert_eq!(field(e, absent), None, "{absent}");
        }
    }
    // The app's own entities come first, the session's last.
    assert_eq!(schemas(&sent[0]), ["application", "mobile_context", "client_session"]);
}

#[test]
fn missing_facts_leave_their_entities_out_and_flags_turn_them_off() {
    let mut partial = phone();
    partial.device_model = None;
    partial.app_build = None;
    let h = start(partial, json!({}));
    h.structured("a");
    let e = &h.flush()[0];
    assert!(entities(e, MOBILE).is_empty(), "the platform entity needs its four required facts");
    assert!(entities(e, APPLICATION).is_empty(), "the application entity needs version and build");
    assert_eq!(field(e, "tz"), Some("Europe/London"));

    let h = start(phone(), json!({"trackerConfig": {"applicationContext": false, "platformContext": false}}));
    h.structured("a");
    let e = &h.flush()[0];
    assert_eq!(schemas(e), ["client_session"]);
}

#[test]
fn subject_setters_set_and_null_clears_in_call_order() {
    let h = start(phone(), json!({"subjectConfig": {"userId": "from-config", "colorDepth": 24}}));
    h.structured("config");
    let setters = [
        ("setUserId", json!("u-1"), "uid", "u-1"),
        ("setNetworkUserId", json!("5d79770b-015b-4af8-8c91-b2ed6faf4b1e"), "tnuid", "5d79770b-015b-4af8-8c91-b2ed6faf4b1e"),
        ("setDomainUserId", json!("4616bfb3-8d84-4b3b-b9a0-0a5b7ba1ea7f"), "duid", "4616bfb3-8d84-4b3b-b9a0-0a5b7ba1ea7f"),
        ("setIpAddress", json!("203.0.113.9"), "ip", "203.0.113.9"),
        ("setUseragent", json!("Agent/1"), "ua", "Agent/1"),
        ("setTimezone", json!("America/New_York"), "tz", "America/New_York"),
        ("setLanguage", json!("fr"), "lang", "fr"),
        ("setScreenResolution", json!([320, 640.7]), "res", "320x640"),
        ("setScreenViewport", json!([300, 500]), "vp", "300x500"),
        ("setColorDepth", json!(32), "cd", "32"),
    ];
    for (method, value, _, _) in &setters {
        assert_eq!(h.call(method, json!([value])).unwrap().0, Value::Null, "{method}");
    }
    h.structured("set");
    h.call("setSubjectData", json!([{"userId": null, "useragent": "Agent/2", "screenViewport": null}])).unwrap();
    h.call("setTimezone", json!([null])).unwrap();
    h.structured("cleared");
    let sent = h.flush();
    assert_eq!((field(&sent[0], "uid"), field(&sent[0], "cd")), (Some("from-config"), Some("24")));
    for (method, _, key, expected) in &setters {
        assert_eq!(field(&sent[1], key), Some(*expected), "{method}");
    }
    let e = &sent[2];
    assert_eq!((field(e, "uid"), field(e, "ua"), field(e, "vp"), field(e, "tz")), (None, Some("Agent/2"), None, None));
    assert_eq!(field(e, "lang"), Some("fr"), "untouched keys stay");

    // Bad input is refused by name and changes nothing.
    for (method, args, message) in [
        ("setUserId", json!([5]), "userId must be a string or null, got number 5"),
        ("setScreenResolution", json!([[1, 2, 3]]), "screenResolution must be an array of two numbers"),
        ("setColorDepth", json!([-1]), "colorDepth must be a number from 0 to 1000000"),
        ("setSubjectData", json!([{"userID": "x"}]), "subject has unknown key \"userID\""),
        ("setSubjectData", json!(["x"]), "subject must be an object"),
        ("setUserId", json!([format!("\u{0}rn-rust-tracker:unsupported:NaN")]), "must be a finite number, got NaN"),
        ("setLanguage", json!(["a".repeat(2049)]), "language must be at most 2048 characters"),
    ] {
        let e = h.call(method, args).unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT", "{method}: {e}");
        assert!(e.to_string().contains(message), "{method}: expected {message:?} in {e}");
    }
    h.structured("after bad input");
    let last = h.flush().pop().unwrap();
    assert_eq!((field(&last, "uid"), field(&last, "lang")), (None, Some("fr")));
}

#[test]
fn user_anonymisation_leaves_out_the_user_identifiers() {
    let h = start(phone(), json!({"trackerConfig": {"userAnonymisation": true}, "subjectConfig": {
        "userId": "u", "networkUserId": "5d79770b-015b-4af8-8c91-b2ed6faf4b1e", "domainUserId": "d", "ipAddress": "203.0.113.9",
        "useragent": "Agent/1"}}));
    h.structured("a");
    let e = &h.flush()[0];
    for gone in ["uid", "tnuid", "duid", "ip"] {
        assert_eq!(field(e, gone), None, "{gone}");
    }
    assert_eq!(field(e, "ua"), Some("Agent/1"), "the user agent does not identify the user");
    assert_eq!(e.session.as_ref().unwrap()["userId"], "00000000-0000-0000-0000-000000000000");
}

#[test]
fn global_contexts_are_added_and_removed_by_tag() {
    let h = start(DeviceFacts::default(), json!({"gcConfig": [
        {"tag": "static", "globalContexts": [{"schema": "iglu:com.acme/static/jsonschema/1-0-0", "data": {"n": 1}}]}]}));
    h.structured("one");
    let add = json!([{"tag": "extra", "globalContexts": [
        {"schema": "iglu:com.acme/extra/jsonschema/1-0-0", "data": {"a": 1}},
        {"schema": "iglu:com.acme/extra2/jsonschema/1-0-0", "data": {}}]}]);
    h.call("addGlobalContexts", add).unwrap();
    h.structured("two");
    h.call("removeGlobalContexts", json!(["static"])).unwrap();
    h.call("addGlobalContexts", json!([{"tag": "extra", "globalContexts": [{"schema": "iglu:com.acme/replaced/jsonschema/1-0-0", "data": {}}]}])).unwrap();
    h.structured("three");
    h.call("removeGlobalContexts", json!(["extra"])).unwrap();
    h.call("removeGlobalContexts", json!(["never added"])).unwrap();
    h.structured("four");
    let sent = h.flush();
    assert_eq!(schemas(&sent[0]), ["static", "client_session"]);
    assert_eq!(schemas(&sent[1]), ["static", "extra", "extra2", "client_session"]);
    assert_eq!(schemas(&sent[2]), ["replaced", "client_session"]);
    assert_eq!(schemas(&sent[3]), ["client_session"]);
    let e = h.call("addGlobalContexts", json!([{"tag": "t", "globalContexts": [{"schema": "nope", "data": {}}]}])).unwrap_err();
    assert_eq!(e.code(), "INVALID_ARGUMENT");
    assert!(e.to_string().contains("globalContexts.globalContexts[0].schema must be an Iglu URI"), "{e}");
    let e = h.call("removeGlobalContexts", json!([3])).unwrap_err();
    assert_eq!(e.to_string(), "invalid argument: tag must be a string, got number 3");
}

#[test]
fn gdpr_configuration_gives_every_event_the_gdpr_entity() {
    let gdpr = json!({"basisForProcessing": "legitimate_interests", "documentId": "d-1", "documentVersion": "2",
        "documentDescription": "Privacy policy"});
    let h = start(DeviceFacts::default(), json!({"gdprConfig": gdpr}));
    h.structured("a");
    h.background();
    for e in h.flush() {
        assert_eq!(entities(&e, GDPR), [&gdpr]);
    }
}

#[test]
fn the_install_event_comes_once_per_installation_before_the_first_event() {
    let mut h = start(DeviceFacts::default(), json!({"trackerConfig": {"installAutotracking": true}}));
    h.at_s(5.0);
    h.structured("first");
    h.structured("second");
    let sent = h.flush();
    assert_eq!(kinds(&sent), ["application_install", "se", "se"]);
    let install = &sent[0];
    assert_eq!(install.event_data, Some(json!({})));
    assert_eq!(install.dtm(), sent[1].dtm());
    assert_eq!(install.session.as_ref().unwrap()["eventIndex"], 1, "it is the session's first event");
    // A restart on the same database is not a new installation.
    h.restart(json!({"trackerConfig": {"installAutotracking": true, "screenEngagementAutotracking": true}}), false);
    h.structured("after restart");
    h.background();
    assert_eq!(kinds(&h.flush()[3..]), ["se", "application_background"]);
}

#[test]
fn the_install_event_goes_before_a_lifecycle_event_and_not_when_turned_off() {
    let h = start(DeviceFacts::default(), json!({"trackerConfig": {"installAutotracking": true}}));
    h.background();
    assert_eq!(kinds(&h.flush()), ["application_install", "application_background"]);
    let h = start(DeviceFacts::default(), json!({"trackerConfig": {"installAutotracking": false}}));
    h.structured("a");
    assert_eq!(kinds(&h.flush()), ["se"]);
}

#[test]
fn screen_views_give_the_screen_entity_and_the_previous_screen() {
    let h = start(DeviceFacts::default(), json!({"trackerConfig": {"screenEngagementAutotracking": false}}));
    h.structured("before any screen");
    h.call("trackScreenViewEvent", json!([{"name": "Home", "type": "tab"}])).unwrap();
    h.structured("on home");
    h.call("trackScreenViewEvent", json!([{"name": "Cart", "id": "0b5d1b8e-6c3d-4d5a-9a41-8bdf0f3c9e01"}])).unwrap();
    let sent = h.flush();
    assert!(entities(&sent[0], SCREEN).is_empty());
    let home = sent[1].event_data.clone().unwrap();
    let home_id = home["id"].as_str().unwrap().to_string();
    assert_eq!(home["name"], "Home");
    assert!(home.get("previousName").is_none());
    assert_eq!(entities(&sent[1], SCREEN), [&json!({"id": home_id, "name": "Home", "type": "tab"})]);
    assert_eq!(entities(&sent[2], SCREEN), [&json!({"id": home_id, "name": "Home", "type": "tab"})]);
    let cart = sent[3].event_data.clone().unwrap();
    assert_eq!(
        cart,
        json!({"name": "Cart", "id": "0b5d1b8e-6c3d-4d5a-9a41-8bdf0f3c9e01", "previousName": "Home", "previousId": home_id,
            "previousType": "tab"})
    );
    assert_eq!(entities(&sent[3], SCREEN), [&json!({"id": "0b5d1b8e-6c3d-4d5a-9a41-8bdf0f3c9e01", "name": "Cart"})]);

    let h = start(DeviceFacts::default(), json!({"trackerConfig": {"screenContext": false}}));
    h.screen("Home");
    h.structured("a");
    assert!(h.flush().iter().all(|e| entities(e, SCREEN).is_empty()));
}

#[test]
fn a_screen_view_refused_as_too_large_changes_neither_the_screen_nor_the_session() {
    // The writer keeps what an event may change (the screen, the deep link,
    // the pending install event, the session) and puts it back when the
    // event is refused.
    let h = start(
        DeviceFacts::default(),
        json!({"trackerConfig": {"screenEngagementAutotracking": false}, "emitterConfig": {"byteLimitPost": 4000}}),
    );
    h.screen("Home");
    let huge = "x".repeat(5_000);
    let big = json!({"schema": "iglu:com.acme/big/jsonschema/1-0-0", "data": {"blob": huge}});
    let e = h.call("trackScreenViewEvent", json!([{"name": "Big"}, [big]])).expect_err("over byteLimitPost");
    assert!(e.to_string().contains("byteLimitPost"), "{e}");
    assert_eq!(e.code(), "INVALID_EVENT", "{e}");
    h.screen("Cart");
    h.structured("on cart");
    let sent = h.flush();
    assert_eq!(sent.len(), 3, "the refused event was not stored");
    let cart = sent[1].event_data.clone().unwrap();
    assert_eq!(cart["name"], "Cart");
    assert_eq!(cart["previousName"], "Home", "the refused screen never became the current one");
    assert_eq!(entities(&sent[2], SCREEN)[0]["name"], "Cart");
    let indices: Vec<u64> = sent.iter().map(|e| e.event_index()).collect();
    assert_eq!(indices, [1, 2, 3], "the refused event took no index");
}

#[test]
fn a_screen_view_tracked_as_a_self_describing_event_is_a_screen_view_too() {
    // trackScreenViewEvent and the screen_view schema through
    // trackSelfDescribingEvent take the previous screen from each other.
    let h = start(DeviceFacts::default(), json!({"trackerConfig": {"screenEngagementAutotracking": false}}));
    h.call("trackScreenViewEvent", json!([{"name": "Home", "type": "tab"}])).unwrap();
    let sd = json!({"schema": "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0",
        "data": {"name": "Cart", "id": "0b5d1b8e-6c3d-4d5a-9a41-8bdf0f3c9e01"}});
    h.call("trackSelfDescribingEvent", json!([sd])).unwrap();
    h.call("trackScreenViewEvent", json!([{"name": "Pay"}])).unwrap();
    let sent = h.flush();
    let home = sent[0].event_data.clone().unwrap();
    let cart = sent[1].event_data.clone().unwrap();
    let pay = sent[2].event_data.clone().unwrap();
    assert_eq!(
        cart,
        json!({"name": "Cart", "id": "0b5d1b8e-6c3d-4d5a-9a41-8bdf0f3c9e01", "previousName": "Home",
            "previousId": home["id"], "previousType": "tab"})
    );
    assert_eq!(entities(&sent[1], SCREEN), [&json!({"id": "0b5d1b8e-6c3d-4d5a-9a41-8bdf0f3c9e01", "name": "Cart"})]);
    assert_eq!(pay["previousName"], "Cart");
    assert_eq!(pay["previousId"], "0b5d1b8e-6c3d-4d5a-9a41-8bdf0f3c9e01");
    assert!(pay.get("previousType").is_none(), "Cart had no type");
    assert_eq!(entities(&sent[2], SCREEN), [&json!({"id": pay["id"], "name": "Pay"})]);
}

#[test]
fn a_deep_link_goes_on_the_next_screen_view_only() {
    let h = start(DeviceFacts::default(), json!({"trackerConfig": {"screenEngagementAutotracking": false}}));
    h.call("trackDeepLinkReceivedEvent", json!([{"url": "myapp://item/7", "referrer": "https://ref.example/"}])).unwrap();
    h.structured("between");
    h.screen("Item");
    h.screen("Next");
    let sent = h.flush();
    assert_eq!(field(&sent[0], "url"), Some("myapp://item/7"));
    assert!(entities(&sent[1], DEEP_LINK).is_empty());
    assert_eq!(entities(&sent[2], DEEP_LINK), [&json!({"url": "myapp://item/7", "referrer": "https://ref.example/"})]);
    assert_eq!((field(&sent[2], "url"), field(&sent[2], "refr")), (Some("myapp://item/7"), Some("https://ref.example/")));
    assert!(entities(&sent[3], DEEP_LINK).is_empty());
    assert_eq!(field(&sent[3], "url"), None);
}

#[test]
fn screen_engagement_ends_each_screen_with_its_summary() {
    let h = start(DeviceFacts::default(), json!({}));
    h.at_s(0.0);
    h.call("trackScrollChangedEvent", json!([{"yOffset": 5}])).unwrap();
    h.screen("Feed");
    h.at_s(2.0);
    let folded = h.call("trackListItemViewEvent", json!([{"index": 3, "itemsCount": 40}])).unwrap();
    assert_eq!(folded.0, Value::Null);
    h.call("trackListItemViewEvent", json!([{"index": 9, "itemsCount": 40}])).unwrap();
    h.call("trackScrollChangedEvent", json!([{"yOffset": 100, "xOffset": 0, "viewHeight": 800, "viewWidth": 400,
        "contentHeight": 5000, "contentWidth": 400}])).unwrap();
    h.call("trackScrollChangedEvent", json!([{"yOffset": 40, "xOffset": 0, "viewHeight": 800, "viewWidth": 400}])).unwrap();
    h.at_s(4.0);
    h.background();
    h.at_s(10.0);
    h.foreground();
    h.at_s(11.5);
    h.screen("Detail");
    let sent = h.flush();
    assert_eq!(
        kinds(&sent),
        ["scroll_changed", "screen_view", "application_background", "application_foreground", "screen_end", "screen_view"],
        "scroll and list events on a screen are folded into its summary; before any screen, one is sent"
    );
    assert_eq!(entities(&sent[2], SUMMARY), [&json!({"foreground_sec": 4.0, "background_sec": 0.0, "last_item_index": 9,
        "items_count": 40, "min_x_offset": 0, "max_x_offset": 400, "min_y_offset": 40, "max_y_offset": 900,
        "content_width": 400, "content_height": 5000})]);
    assert_eq!(entities(&sent[3], SUMMARY)[0]["background_sec"], 6.0);
    let end = &sent[4];
    assert_eq!(end.event_data, Some(json!({})));
    assert_eq!(entities(end, SUMMARY)[0]["foreground_sec"], 5.5);
    assert_eq!(entities(end, SUMMARY)[0]["background_sec"], 6.0);
    assert_eq!(entities(end, SCREEN)[0]["name"], "Feed", "the screen that ended");
    assert_eq!(entities(&sent[5], SCREEN)[0]["name"], "Detail");

    let h = start(DeviceFacts::default(), json!({"trackerConfig": {"screenEngagementAutotracking": false}}));
    h.screen("Feed");
    h.call("trackListItemViewEvent", json!([{"index": 1}])).unwrap();
    h.screen("Next");
    assert_eq!(kinds(&h.flush()), ["screen_view", "list_item_view", "screen_view"]);
}

#[test]
fn uncaught_errors_are_tracked_when_exception_autotracking_is_on() {
    let h = start(DeviceFacts::default(), json!({}));
    let error = json!([{"message": "x is undefined", "stackTrace": "at f (app.js:1:2)", "isFatal": true}]);
    assert_eq!(h.call("trackUncaughtError", error.clone()).unwrap().0, json!(true));
    let long = json!([{"message": "m".repeat(3000), "stackTrace": "s".repeat(9000)}]);
    assert_eq!(h.call("trackUncaughtError", long).unwrap().0, json!(true));
    let sent = h.flush();
    assert_eq!(
        sent[0].event_data,
        Some(json!({"programmingLanguage": "JAVASCRIPT", "message": "x is undefined", "stackTrace": "at f (app.js:1:2)",
            "isFatal": true}))
    );
    assert_eq!(sent[0].event_schema.as_deref(), Some("iglu:com.snowplowanalytics.snowplow/application_error/jsonschema/1-0-2"));
    let cut = sent[1].event_data.clone().unwrap();
    assert_eq!((cut["message"].as_str().unwrap().len(), cut["stackTrace"].as_str().unwrap().len()), (2048, 8192));
    let e = h.call("trackUncaughtError", json!([{"message": 5}])).unwrap_err();
    assert_eq!(e.code(), "INVALID_EVENT");

    let h = start(DeviceFacts::default(), json!({"trackerConfig": {"exceptionAutotracking": false}}));
    assert_eq!(h.call("trackUncaughtError", error).unwrap().0, json!(false));
    h.structured("a");
    assert_eq!(kinds(&h.flush()), ["se"]);
}

#[test]
fn webview_messages_are_tracked_by_the_trackers_they_name() {
    let h = start(DeviceFacts::default(), json!({}));
    let message = |m: Value| json!([m.to_string()]);
    let sd = json!({"command": "trackSelfDescribingEvent", "event": {"schema": "iglu:com.acme/web/jsonschema/1-0-0",
        "data": {"a": 1}}, "context": [{"schema": "iglu:com.acme/ctx/jsonschema/1-0-0", "data": {}}]});
    assert_eq!(h.call("trackWebViewMessage", message(sd)).unwrap().0, json!(true));
    // (Page views are mapped too: crate::webview's unit test.)
    let sv = json!({"command": "trackScreenView", "event": {"name": "Web"}, "trackers": ["ns", "other"]});
    assert_eq!(h.call("trackWebViewMessage", message(sv)).unwrap().0, json!(true));
    let other = json!({"command": "trackStructEvent", "event": {"category": "c", "action": "a"}, "trackers": ["other"]});
    assert_eq!(h.call("trackWebViewMessage", message(other)).unwrap().0, json!(false));
    let e = h.call("trackWebViewMessage", message(json!({"command": "trackStructEvent", "event": {"category": "c"}}))).unwrap_err();
    assert!(e.to_string().contains("structured.action is required"), "{e}");
    let sent = h.flush();
    assert_eq!(kinds(&sent), ["web", "screen_view"]);
    assert_eq!(schemas(&sent[0]), ["ctx", "client_session"]);
    assert_eq!(sent[1].event_data.as_ref().unwrap()["name"], "Web");
}

#[test]
fn unknown_keys_in_an_event_are_logged_and_the_event_is_tracked() {
    let h = start(DeviceFacts::default(), json!({"trackerConfig": {"logLevel": "error"}}));
    let (_, log) = h.call("trackStructuredEvent", json!([{"category": "c", "action": "a", "colour": "red"}])).unwrap();
    assert_eq!(log, ["trackStructuredEvent: structured has unknown property `colour`, ignored"]);
    let (_, log) = h.call("trackStructuredEvent", json!([{"category": "c", "action": "b"}])).unwrap();
    assert!(log.is_empty());
    let sent = h.flush();
    assert_eq!(sent.len(), 2);
    assert!(!sent[0].raw.values().any(|v| v.as_str().is_some_and(|s| s.contains("red"))));
    // logLevel off (the default): tracked, and nothing to log.
    let h = start(DeviceFacts::default(), json!({}));
    let (_, log) = h.call("trackScreenViewEvent", json!([{"name": "a", "colour": "red"}])).unwrap();
    assert!(log.is_empty());
    assert_eq!(h.flush().len(), 1);
    // A missing required field is still an error, and nothing is stored.
    let e = h.call("trackScreenViewEvent", json!([{"colour": "red"}])).unwrap_err();
    assert_eq!(e.to_string(), "invalid event: screenView.name is required");
}
