//! Contract tests of `docs/sessions.md`, one or more per rule and per
//! Decision, run against a real tracker (writer thread, SQLite, emitter) with a
//! [`tracker_core::ManualClock`] and a loopback collector. Each test's comment
//! names the rules of `docs/sessions.md` it covers (`§2.6` is rule 2.6, `§D3`
//! is Decision D3).

mod common;

use common::*;
use serde_json::{json, Value};
use tracker_core::{Config, EventType, PlatformDefaults, Responder, TrackerError};

/// `sessionConfig` with both timeouts, in seconds.
fn timeouts(fg: f64, bg: f64) -> Value {
    json!({"sessionConfig": {"foregroundTimeout": fg, "backgroundTimeout": bg}})
}

fn with(mut a: Value, b: Value) -> Value {
    merge(&mut a, &b);
    a
}

fn labels(sent: &[Sent]) -> Vec<String> {
    sent.iter().map(Sent::label).collect()
}

// ===========================================================================
// docs/sessions.md §1: the entity
// ===========================================================================

/// docs/sessions.md §1.1, §1.2, §1.3, §1.4, §2.2, §2.8, §7.1, §7.2, §D6: the
/// first event starts session 1 and the entity has every field of
/// client_session 1-0-2 with the values of the table of §1.
#[test]
fn entity_first_event_starts_session_one() {
    let h = Harness::start(json!({}));
    h.clock.set_ms(1_234_567_891_012);
    h.screen("Home");
    let sent = h.flush();
    assert_eq!(sent.len(), 1);
    let e = &sent[0];
    let cs = e.session.as_ref().expect("client_session attached by default");
    let mut keys: Vec<&str> = cs.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut all = CLIENT_SESSION_KEYS.to_vec();
    all.sort_unstable();
    assert_eq!(keys, all, "every field of the table, and no other");

    let info = h.info();
    assert!(is_lower_uuid(e.user_id()));
    assert_ne!(e.user_id(), NIL_UUID);
    assert_eq!(e.user_id(), info.user_id);
    assert!(is_lower_uuid(e.sid()));
    assert_eq!(e.session_index(), 1);
    assert_eq!(cs["previousSessionId"], Value::Null);
    assert_eq!(cs["storageMechanism"], "SQLITE");
    assert_eq!(e.first_event_id(), e.eid());
    assert_eq!(e.dtm(), 1_234_567_891_012);
    assert_eq!(e.first_event_timestamp(), "2009-02-13T23:31:31.012Z");
    assert_eq!(e.first_event_timestamp(), iso(e.dtm()));
    assert_eq!(e.event_index(), 1);
}

/// docs/sessions.md §1.2, §2.10: eventIndex counts the events of the session;
/// the first-event fields stay.
#[test]
fn entity_event_index_increments_within_a_session() {
    let h = Harness::start(timeouts(3.0, 3.0));
    for i in 0..4 {
        h.at_s(f64::from(i));
        h.structured(&format!("e{i}"));
    }
    let sent = h.flush();
    assert_eq!(sent.iter().map(Sent::event_index).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    for e in &sent {
        assert_eq!(e.sid(), sent[0].sid());
        assert_eq!(e.session_index(), 1);
        assert_eq!(e.first_event_id(), sent[0].eid());
        assert_eq!(e.first_event_timestamp(), iso(T0));
        assert_eq!(e.prev(), None);
    }
    // §2.8: after a timeout eventIndex restarts.
    h.at_s(3.0 + 3.001);
    h.structured("e4");
    let e4 = h.flush().pop().unwrap();
    assert_eq!(e4.event_index(), 1);
    assert_eq!(e4.session_index(), 2);
}

/// docs/sessions.md §1.4, §4.2: userId is made once per installation and
/// namespace, and persisted.
#[test]
fn entity_user_id_is_per_installation_and_namespace() {
    let mut h = Harness::start(json!({}));
    let before_any_event = h.info().user_id;
    assert!(is_lower_uuid(&before_any_event));
    h.screen("A");
    let first = h.flush()[0].user_id().to_string();
    assert_eq!(first, before_any_event);
    h.restart(json!({}), false);
    assert_eq!(h.info().user_id, first, "persisted across restarts");
    h.screen("B");
    assert_eq!(h.flush()[1].user_id(), first);

    // Another namespace in the same directory: another user id.
    let config = Config::from_json(&h.config.to_string(), &PlatformDefaults::default()).unwrap();
    let (ready, r) = Responder::pair();
    let other = tracker_core::Tracker::start("other_ns", config, Default::default(), ready).unwrap();
    r.wait().unwrap();
    let other_user = wait(|d| other.session_info(d)).user_id;
    assert!(is_lower_uuid(&other_user));
    assert_ne!(other_user, first);
    wait(|d| other.stop(d));

    // Another installation (storage directory): another user id.
    let h2 = Harness::start(json!({}));
    assert_ne!(h2.info().user_id, first);
}

// ===========================================================================
// docs/sessions.md §2: when a session starts; timeouts
// ===========================================================================

/// docs/sessions.md §2.6, §2.8: `now - lastUpdate > timeout`, strictly:
/// equality keeps the session.
#[test]
fn timeout_is_strictly_greater() {
    let h = Harness::start(timeouts(5.0, 5.0));
    h.at_ms(0);
    h.screen("E1");
    h.at_ms(5_000);
    h.screen("E2");
    h.at_ms(10_001);
    h.screen("E3");
    let s = h.flush();
    assert_eq!(s[1].sid(), s[0].sid(), "a gap equal to the timeout keeps the session");
    assert_eq!(s[1].event_index(), 2);
    assert_ne!(s[2].sid(), s[1].sid(), "a gap 1 ms over the timeout starts a session");
    assert_eq!(s[2].session_index(), 2);
    assert_eq!(s[2].prev(), Some(s[0].sid()));
    assert_eq!(s[2].first_event_id(), s[2].eid());
    assert_eq!(s[2].first_event_timestamp(), iso(T0 + 10_001));
    assert_eq!(s[2].event_index(), 1);
}

/// docs/sessions.md §2.12: timeouts are seconds; fractions are kept to the millisecond.
#[test]
fn timeout_fractions_are_kept_to_the_millisecond() {
    let h = Harness::start(timeouts(1.5, 1.5));
    h.at_ms(0);
    h.screen("E1");
    h.at_ms(1_500);
    h.screen("E2");
    h.at_ms(3_001);
    h.screen("E3");
    let s = h.flush();
    assert_eq!(s.iter().map(Sent::session_index).collect::<Vec<_>>(), vec![1, 1, 2]);
}

/// docs/sessions.md §2.12: both timeouts default to 1800 s.
#[test]
fn timeout_defaults_are_1800_seconds() {
    let h = Harness::start(json!({}));
    h.at_ms(0);
    h.screen("E1");
    h.at_ms(1_800_000);
    h.screen("E2");
    h.at_ms(3_600_001);
    h.screen("E3");
    // Background: the Background event is checked in the foreground (gap 0).
    h.background();
    h.at_ms(3_600_001 + 1_800_000);
    h.screen("E4");
    h.at_ms(3_600_001 + 3_600_001);
    h.screen("E5");
    let s = h.flush();
    assert_eq!(labels(&s), ["E1", "E2", "E3", "BG", "E4", "E5"]);
    assert_eq!(s.iter().map(Sent::session_index).collect::<Vec<_>>(), vec![1, 1, 2, 2, 2, 3]);
}

/// docs/sessions.md §2.12, §2.13: a negative or non-finite timeout is a
/// configuration error naming the field; 0 is allowed.
#[test]
fn timeout_negative_or_non_finite_is_a_configuration_error() {
    for (field, value) in [
        ("foregroundTimeout", json!(-1)),
        ("backgroundTimeout", json!(-0.001)),
        ("foregroundTimeout", json!("Infinity")),
        ("backgroundTimeout", json!("NaN")),
        ("foregroundTimeout", Value::Null),
    ] {
        let config = json!({"networkConfig": {"endpoint": "http://127.0.0.1:9"}, "sessionConfig": {field: value}});
        let err = Config::from_json(&config.to_string(), &PlatformDefaults::default()).unwrap_err();
        assert!(matches!(err, TrackerError::InvalidConfig(_)), "{err:?}");
        assert!(err.to_string().contains(&format!("sessionConfig.{field}")), "{err}");
    }
    // 1e400 is not a finite JSON number either.
    let config = r#"{"networkConfig":{"endpoint":"http://127.0.0.1:9"},"sessionConfig":{"foregroundTimeout":1e400}}"#;
    assert!(matches!(Config::from_json(config, &PlatformDefaults::default()), Err(TrackerError::InvalidConfig(_))));
    // 0 is allowed.
    let config = r#"{"networkConfig":{"endpoint":"http://127.0.0.1:9"},"sessionConfig":{"foregroundTimeout":0}}"#;
    assert_eq!(Config::from_json(config, &PlatformDefaults::default()).unwrap().session.foreground_timeout_ms, 0);
}

/// docs/sessions.md §2.6: in the foreground the foreground timeout applies;
/// the background one (0 s here) plays no part.
#[test]
fn timeout_foreground_applies_in_foreground() {
    let h = Harness::start(timeouts(15.0, 0.0));
    gaps_of_5_15_and_15_001_seconds_start_one_session(&h);
    assert!(!h.info().is_in_background);
}

/// docs/sessions.md §2.6, §3.7: in the background (a tracker created there)
/// the background timeout applies; the foreground one (0 s here) plays no part.
#[test]
fn timeout_background_applies_in_background() {
    let h = Harness::start_with(timeouts(0.0, 15.0), true);
    assert!(h.info().is_in_background);
    gaps_of_5_15_and_15_001_seconds_start_one_session(&h);
}

/// docs/sessions.md §2.6, §3.2: a Background event first, then events in the
/// background use the background timeout (5 is not > 5; 10 is).
#[test]
fn timeout_background_after_background_event() {
    let h = Harness::start(timeouts(1000.0, 5.0));
    h.at_s(0.0);
    h.background();
    h.at_s(5.0);
    h.screen("PV1");
    h.at_s(15.0);
    h.screen("PV2");
    let s = h.flush();
    assert_eq!(labels(&s), ["BG", "PV1", "PV2"]);
    assert_eq!(s[0].session_index(), 1, "the Background event is the first event of session 1");
    assert_eq!(s[0].background_index(), 1);
    assert_eq!(s[1].session_index(), 1);
    assert_eq!(s[2].session_index(), 2);
    assert_eq!(s[2].prev(), Some(s[0].sid()));
}

/// docs/sessions.md §2.7: the timeout is inactivity since the last event, not
/// time since the session began.
#[test]
fn timeout_is_inactivity_since_last_event_not_session_start() {
    let h = Harness::start(timeouts(360.0, 15.0));
    h.at_s(0.0);
    h.screen("SV");
    h.at_s(10.0);
    h.background();
    h.at_s(24.0);
    h.foreground();
    let s = h.flush();
    assert_eq!(labels(&s), ["SV", "BG", "FG"]);
    assert_eq!(s[2].sid(), s[0].sid(), "gap 14 <= 15 although 24 s passed since the session began");
    assert_eq!(s[2].event_index(), 3);

    // Foreground: events every 9 s for 90 s with a 10 s timeout: one session.
    let h = Harness::start(timeouts(10.0, 10.0));
    for i in 0..=10 {
        h.at_s(f64::from(i * 9));
        h.structured(&format!("e{i}"));
    }
    let s = h.flush();
    assert!(s.iter().all(|e| e.sid() == s[0].sid()));
    assert_eq!(s.last().unwrap().event_index(), 11);
}

/// docs/sessions.md §2.9: a long idle gap gives exactly one new session, never
/// one per elapsed timeout.
#[test]
fn timeout_long_gap_gives_exactly_one_new_session() {
    // Events a year old are kept for this test (maxEventStoreAge: 2 years).
    let h = Harness::start(with(timeouts(1.0, 1.0), json!({"emitterConfig": {"maxEventStoreAge": 63_072_000}})));
    h.at_s(0.0);
    h.screen("E1");
    h.at_s(4.0);
    h.screen("E2");
    h.at_s(4.0 + 365.0 * 86_400.0);
    h.screen("E3");
    let s = h.flush();
    assert_eq!(s[1].session_index(), 2, "index 2, not 5");
    assert_eq!(s[1].first_event_id(), s[1].eid());
    assert_eq!(s[2].session_index(), 3, "a year later: one more session");
    assert_eq!(s[2].prev(), Some(s[1].sid()));
    assert_eq!(h.info().session_index, Some(3));
}

/// docs/sessions.md §2.5: the wall clock earlier than lastUpdate starts a new
/// session; the same time is not earlier.
#[test]
fn clock_going_back_starts_a_new_session() {
    let h = Harness::start(timeouts(1800.0, 1800.0));
    h.at_s(100.0);
    h.screen("E1");
    h.at_s(40.0);
    h.screen("E2");
    h.at_s(40.0);
    h.screen("E3");
    h.at_ms(39_999);
    h.screen("E4");
    let s = h.flush();
    assert_eq!(s.iter().map(Sent::session_index).collect::<Vec<_>>(), vec![1, 2, 2, 3]);
    assert_eq!(s[1].prev(), Some(s[0].sid()));
    assert_eq!(s[1].first_event_timestamp(), iso(T0 + 40_000));
    assert_eq!(s[2].event_index(), 2, "same time as lastUpdate is not 'earlier'");
    assert_eq!(s[3].prev(), Some(s[1].sid()), "1 ms back is enough");
}

// ===========================================================================
// startNewSession, pause / resume (docs/sessions.md §2.3, §D4)
// ===========================================================================

/// docs/sessions.md §2.1, §2.3, §D4: startNewSession takes effect at the next
/// event; getters keep the old id until then; several calls before an event
/// give one session.
#[test]
fn start_new_session_takes_effect_at_next_event() {
    let h = Harness::start(timeouts(3.0, 3.0));
    h.screen("E1");
    let s1 = h.info();
    h.advance_ms(200);
    h.start_new_session();
    h.start_new_session();
    let after_call = h.info();
    assert_eq!(after_call.session_id, s1.session_id, "getters keep the old id until the next event");
    assert_eq!(after_call.session_index, Some(1));
    h.screen("E2");
    h.screen("E3");
    let s = h.flush();
    assert_eq!(s[1].session_index(), 2, "two calls, one new session");
    assert_eq!(s[1].prev(), Some(s[0].sid()));
    assert_eq!(s[1].first_event_id(), s[1].eid());
    assert_eq!(s[1].event_index(), 1);
    assert_eq!(s[2].sid(), s[1].sid(), "the request is consumed");
    assert_eq!(h.info().session_id.as_deref(), Some(s[1].sid()));
}

/// docs/sessions.md §D4, §2.7, §2.10: while paused no new session starts and
/// lastUpdate is frozen, but eventIndex still counts; on resume the frozen
/// lastUpdate decides.
#[test]
fn pause_keeps_session_and_counts_events() {
    let h = Harness::start(timeouts(1.0, 1.0));
    h.at_s(0.0);
    h.screen("E1");
    h.pause();
    h.at_s(2.0);
    h.screen("E2");
    h.at_s(3600.0);
    h.screen("E3");
    h.resume();
    h.at_s(3600.0);
    h.screen("E4");
    let s = h.flush();
    assert_eq!(s[1].sid(), s[0].sid(), "no new session while paused");
    assert_eq!(s[2].sid(), s[0].sid());
    assert_eq!((s[1].event_index(), s[2].event_index()), (2, 3), "eventIndex still counts");
    assert_eq!(s[1].first_event_id(), s[0].eid());
    assert_eq!(s[3].session_index(), 2, "lastUpdate was not refreshed by the paused events");
    assert_eq!(s[3].prev(), Some(s[0].sid()));
    assert_eq!(s[3].first_event_id(), s[3].eid());
}

/// docs/sessions.md §D4, §2.7: lastUpdate frozen while paused: a paused event
/// inside the timeout does not extend the session (if it had, the gap would be
/// 4 s, not 12 s).
#[test]
fn pause_freezes_last_update() {
    let h = Harness::start(timeouts(10.0, 10.0));
    h.at_s(0.0);
    h.screen("E1");
    h.pause();
    h.at_s(8.0);
    h.screen("E2");
    h.resume();
    h.at_s(12.0);
    h.screen("E3");
    let s = h.flush();
    assert_eq!(s[1].sid(), s[0].sid());
    assert_eq!(s[2].session_index(), 2);
    // The stored lastUpdate is the time of E3 (checked, not paused).
    assert_eq!(h.db_session().unwrap()["lastUpdate"], json!(T0 + 12_000));
}

/// docs/sessions.md §D4, §2.3: startNewSession while paused waits for resume;
/// the request is consumed once.
#[test]
fn pause_defers_start_new_session_until_resume() {
    let h = Harness::start(timeouts(1800.0, 1800.0));
    h.screen("E1");
    h.pause();
    h.start_new_session();
    h.screen("E2");
    h.resume();
    h.screen("E3");
    h.screen("E4");
    let s = h.flush();
    assert_eq!(s[1].sid(), s[0].sid());
    assert_eq!(s[1].event_index(), 2);
    assert_eq!(s[2].session_index(), 2);
    assert_eq!(s[2].prev(), Some(s[0].sid()));
    assert_eq!(s[3].sid(), s[2].sid(), "the pending request was consumed by E3");
}

/// docs/sessions.md §D4 (over §2.4, §2.5, §2.6): no session starts while
/// paused even when the clock goes back, the app changes state or
/// userAnonymisation changes; lifecycle events still count.
#[test]
fn pause_blocks_every_trigger() {
    let h = Harness::start(timeouts(1.0, 1.0));
    h.at_s(100.0);
    h.screen("E1");
    h.pause();
    h.at_s(10.0);
    h.screen("E2");
    h.at_s(500.0);
    h.background();
    h.at_s(1000.0);
    h.anonymise(true);
    h.screen("E3");
    let s = h.flush();
    assert!(s.iter().all(|e| e.sid() == s[0].sid()));
    assert_eq!(s.iter().map(Sent::event_index).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
}

// ===========================================================================
// userAnonymisation (docs/sessions.md §1.4, §2.4)
// ===========================================================================

/// docs/sessions.md §1.4, §4.2: anonymised events carry the nil UUID and a
/// null previousSessionId; the getter still returns the real user id.
#[test]
fn anonymisation_hides_user_and_previous_session_ids() {
    let h = Harness::start(json!({}));
    h.screen("E1");
    h.start_new_session();
    h.screen("E2");
    h.anonymise(true);
    h.screen("E3");
    let s = h.flush();
    let real = h.info().user_id;
    assert_ne!(real, NIL_UUID);
    assert!(is_lower_uuid(&real));
    assert_eq!(s[1].user_id(), real, "not anonymised before the call");
    assert_eq!(s[1].prev(), Some(s[0].sid()));
    assert_eq!(s[2].user_id(), NIL_UUID);
    assert!(s[2].session.as_ref().unwrap().contains_key("previousSessionId"));
    assert_eq!(s[2].cs_value("previousSessionId"), &Value::Null);
    assert_eq!(s[2].session_index(), 3);
    assert_eq!(h.info().session_id.as_deref(), Some(s[2].sid()));
}

/// docs/sessions.md §1.4, §4.2, §2.4: userAnonymisation from the
/// configuration, base64 off: `co` holds the nil UUID; the getter the real id;
/// anonymised from the start is no change.
#[test]
fn anonymisation_from_configuration() {
    let h = Harness::start(json!({"trackerConfig": {"userAnonymisation": true, "base64Encoding": false}}));
    h.structured("E1");
    h.structured("E2");
    let s = h.flush();
    for e in &s {
        assert!(e.raw.contains_key("co") && !e.raw.contains_key("cx"));
        assert_eq!(e.user_id(), NIL_UUID);
        assert_eq!(e.prev(), None);
    }
    assert_eq!(s[1].sid(), s[0].sid(), "anonymised from the start is no change");
    let info = h.info();
    assert!(is_lower_uuid(&info.user_id));
    assert_ne!(info.user_id, NIL_UUID);
}

/// docs/sessions.md §2.4: changing userAnonymisation starts a new session at
/// the next event, both ways; setting the same value does not.
#[test]
fn anonymisation_change_starts_a_new_session() {
    let h = Harness::start(json!({}));
    h.screen("Sa");
    h.anonymise(false);
    h.screen("Sa2");
    h.anonymise(true);
    assert_eq!(h.info().session_index, Some(1), "effect at the next event");
    h.screen("Sb");
    h.anonymise(true);
    h.screen("Sb2");
    h.anonymise(false);
    h.screen("Sc");
    let s = h.flush();
    assert_eq!(s.iter().map(Sent::session_index).collect::<Vec<_>>(), vec![1, 1, 2, 2, 3]);
    assert_ne!(s[2].sid(), s[0].sid());
    assert_eq!(s[2].user_id(), NIL_UUID);
    assert_ne!(s[4].sid(), s[2].sid());
    assert_eq!(s[4].user_id(), h.info().user_id);
    assert_eq!(s[4].prev(), Some(s[2].sid()), "previous id is real once no longer anonymised");
}

/// docs/sessions.md §7.7: on then off again with no event in between is no
/// change "since the last event": no new session.
#[test]
fn anonymisation_on_and_off_between_events_starts_no_session() {
    let h = Harness::start(json!({}));
    h.screen("A");
    h.anonymise(true);
    h.anonymise(false);
    h.screen("B");
    let s = h.flush();
    assert_eq!(s.iter().map(Sent::session_index).collect::<Vec<_>>(), vec![1, 1]);
    assert_eq!(s[1].event_index(), 2);
}

/// docs/sessions.md §7.4: the setting is stored with the session, so a
/// restart that continues the session but changed the setting begins a new one.
#[test]
fn restart_with_another_anonymisation_setting_begins_a_new_session() {
    let keep = json!({"sessionConfig": {"continueSessionOnRestart": true}});
    let mut h = Harness::start(keep.clone());
    h.screen("before");
    h.restart(keep.clone(), false);
    h.advance_ms(1_000);
    h.screen("same setting");
    h.restart(with(keep, json!({"trackerConfig": {"userAnonymisation": true}})), false);
    h.advance_ms(1_000);
    h.screen("other setting");
    let s = h.flush();
    assert_eq!(s.iter().map(Sent::session_index).collect::<Vec<_>>(), vec![1, 1, 2]);
    assert_eq!(s[2].user_id(), NIL_UUID);
}

/// docs/sessions.md §7.6: paused before any session exists, events carry no
/// entity; the first event after the resume starts session 1.
#[test]
fn paused_before_any_session_sends_no_entity() {
    let h = Harness::start(json!({}));
    h.pause();
    h.screen("paused 1");
    h.screen("paused 2");
    assert_eq!(h.info().session_id, None);
    h.resume();
    h.screen("resumed");
    let s = h.flush();
    assert!(s[0].session.is_none() && s[1].session.is_none(), "no client_session while paused without a session");
    assert_eq!(s[2].session_index(), 1);
    assert_eq!(s[2].event_index(), 1);
}

// ===========================================================================
// docs/sessions.md §3: lifecycle
// ===========================================================================

/// THE DOCUMENTED EXAMPLE, docs/sessions.md §3.5: fg 360 s, bg 15 s. t=0
/// ScreenView: session 1. t=3 Background: checked with the foreground timeout,
/// session 1. t=30 Foreground: checked with the background timeout (27 > 15),
/// session 2. With the getters after each step (§4.3 to §4.7, §D1, §D2).
#[test]
fn documented_example() {
    let h = Harness::start(timeouts(360.0, 15.0));
    let i = h.info();
    assert_eq!((i.session_id.clone(), i.session_index), (None, None), "no session before the first event");
    assert!(!i.is_in_background);
    assert_eq!((i.background_index, i.foreground_index), (0, 0));

    h.at_s(0.0);
    h.screen("Home");
    let i0 = h.info();
    assert_eq!(i0.session_index, Some(1));
    assert!(!i0.is_in_background);
    assert_eq!((i0.background_index, i0.foreground_index), (0, 0));

    h.at_s(3.0);
    h.background();
    let i3 = h.info();
    assert_eq!(i3.session_id, i0.session_id);
    assert_eq!(i3.session_index, Some(1));
    assert!(i3.is_in_background);
    assert_eq!((i3.background_index, i3.foreground_index), (1, 0));

    h.at_s(30.0);
    h.foreground();
    let i30 = h.info();
    assert_ne!(i30.session_id, i0.session_id);
    assert_eq!(i30.session_index, Some(2));
    assert!(!i30.is_in_background);
    assert_eq!((i30.background_index, i30.foreground_index), (0, 1), "docs/sessions.md §D2");

    let s = h.flush();
    assert_eq!(labels(&s), ["Home", "BG", "FG"]);
    let (sv, bg, fg) = (&s[0], &s[1], &s[2]);
    assert_eq!(Some(sv.sid()), i0.session_id.as_deref());
    assert_eq!(sv.session_index(), 1);
    assert_eq!(sv.event_index(), 1);
    assert_eq!(sv.prev(), None);
    assert_eq!(sv.first_event_id(), sv.eid());
    assert_eq!(sv.first_event_timestamp(), iso(T0));

    assert_eq!(bg.event_schema.as_deref(), Some(BACKGROUND_SCHEMA));
    assert_eq!(bg.sid(), sv.sid());
    assert_eq!(bg.session_index(), 1);
    assert_eq!(bg.event_index(), 2);
    assert_eq!(bg.background_index(), 1);
    assert_eq!(bg.dtm(), T0 + 3_000);

    assert_eq!(fg.event_schema.as_deref(), Some(FOREGROUND_SCHEMA));
    assert_eq!(Some(fg.sid()), i30.session_id.as_deref());
    assert_eq!(fg.session_index(), 2);
    assert_eq!(fg.prev(), Some(sv.sid()));
    assert_eq!(fg.first_event_id(), fg.eid());
    assert_eq!(fg.first_event_timestamp(), iso(T0 + 30_000));
    assert_eq!(fg.event_index(), 1);
    assert_eq!(fg.foreground_index(), 1);
}

/// docs/sessions.md §3.2: the Background event is checked with the foreground
/// timeout (gap 3 > bg 2 but <= fg 100: same session).
#[test]
fn lifecycle_background_event_uses_foreground_timeout() {
    let h = Harness::start(timeouts(100.0, 2.0));
    h.at_s(0.0);
    h.screen("E1");
    h.at_s(3.0);
    h.background();
    h.at_s(4.0);
    h.foreground();
    let s = h.flush();
    assert_eq!(labels(&s), ["E1", "BG", "FG"]);
    assert!(s.iter().all(|e| e.sid() == s[0].sid()));
    let i = h.info();
    assert!(!i.is_in_background);
    assert_eq!((i.background_index, i.foreground_index), (1, 1));

    // The other way round: fg 2, bg 100. The Background event 3 s after the
    // last event is checked with fg 2, so it starts a session.
    let h = Harness::start(timeouts(2.0, 100.0));
    h.at_s(0.0);
    h.screen("E1");
    h.at_s(3.0);
    h.background();
    let s = h.flush();
    assert_eq!(s[1].session_index(), 2);
    assert_eq!(s[1].background_index(), 1, "docs/sessions.md §D2: the transition counts in the new session");
}

/// docs/sessions.md §3.3: the Foreground event is checked with the background timeout.
#[test]
fn lifecycle_foreground_event_uses_background_timeout() {
    let h = Harness::start(timeouts(100.0, 2.0));
    h.at_s(0.0);
    h.screen("E1");
    h.at_s(1.0);
    h.background();
    h.at_s(4.0);
    h.foreground();
    let s = h.flush();
    assert_eq!(s[1].sid(), s[0].sid());
    assert_eq!(s[2].session_index(), 2, "gap 3 > bg 2");
    assert_eq!(s[2].prev(), Some(s[0].sid()));
    assert!(!h.info().is_in_background);

    // fg 2, bg 100: gap 50 in the background is within bg, although > fg.
    let h = Harness::start(timeouts(2.0, 100.0));
    h.at_s(0.0);
    h.background();
    h.at_s(50.0);
    h.foreground();
    h.at_s(51.0);
    h.screen("E1");
    h.at_s(53.001);
    h.screen("E2");
    let s = h.flush();
    assert_eq!(labels(&s), ["BG", "FG", "E1", "E2"]);
    assert_eq!(s.iter().map(Sent::session_index).collect::<Vec<_>>(), vec![1, 1, 1, 2]);
}

/// docs/sessions.md §3.4: a repeated state is ignored; no Foreground event at launch.
#[test]
fn lifecycle_repeated_state_is_ignored_and_no_foreground_at_launch() {
    let h = Harness::start(json!({}));
    h.foreground(); // launch: already in the foreground
    let i = h.info();
    assert_eq!((i.session_id, i.foreground_index), (None, 0), "no event, no session, no counter");
    h.screen("E1");
    h.background();
    h.background();
    h.background();
    assert_eq!(h.info().background_index, 1);
    h.foreground();
    h.foreground();
    let i = h.info();
    assert_eq!((i.background_index, i.foreground_index), (1, 1));
    let s = h.flush();
    assert_eq!(labels(&s), ["E1", "BG", "FG"]);
    assert_eq!(s[0].event_index(), 1, "E1 is the first event of the run");
}

/// docs/sessions.md §3.7, §3.4: launched in the background, the first move to
/// the foreground is a real transition and sends a Foreground event (the first
/// event of session 1).
#[test]
fn lifecycle_launch_in_background_then_foreground() {
    let h = Harness::start_with(json!({}), true);
    let i = h.info();
    assert!(i.is_in_background);
    assert_eq!((i.background_index, i.foreground_index), (0, 0));
    h.background(); // repeated: ignored
    h.foreground();
    let s = h.flush();
    assert_eq!(labels(&s), ["FG"]);
    assert_eq!(s[0].foreground_index(), 1);
    assert_eq!(s[0].session_index(), 1);
    assert_eq!(s[0].first_event_id(), s[0].eid());
    let i = h.info();
    assert!(!i.is_in_background);
    assert_eq!((i.background_index, i.foreground_index), (0, 1));
}

/// docs/sessions.md §3.1, §D2, §4.6, §4.7: lifecycle events are
/// application_{background,foreground} 1-0-0 carrying the per-session counter,
/// and the getters agree.
#[test]
fn lifecycle_events_carry_their_per_session_counters() {
    let h = Harness::start(timeouts(100.0, 100.0));
    h.screen("E1");
    let mut getters = Vec::new();
    for _ in 0..2 {
        h.advance_ms(1000);
        h.background();
        getters.push(h.info());
        h.advance_ms(1000);
        h.foreground();
        getters.push(h.info());
    }
    let g: Vec<(u32, u32)> = getters.iter().map(|i| (i.background_index, i.foreground_index)).collect();
    assert_eq!(g, [(1, 0), (1, 1), (2, 1), (2, 2)]);
    // startNewSession: counters and ids change only at the next event.
    h.start_new_session();
    let i = h.info();
    assert_eq!((i.background_index, i.foreground_index), (2, 2));
    h.advance_ms(1000);
    h.background();
    let i = h.info();
    assert_eq!((i.session_index, i.background_index, i.foreground_index), (Some(2), 1, 0));

    let s = h.flush();
    assert_eq!(labels(&s), ["E1", "BG", "FG", "BG", "FG", "BG"]);
    assert_eq!(s[1].background_index(), 1);
    assert_eq!(s[2].foreground_index(), 1);
    assert_eq!(s[3].background_index(), 2);
    assert_eq!(s[4].foreground_index(), 2);
    assert_eq!(s[5].background_index(), 1, "the transition that starts a session counts as its first");
    assert_eq!(s[5].session_index(), 2);
    assert_eq!(s[5].event_index(), 1);
}

/// docs/sessions.md §D2, §2.8, §4.5 (fg 1, bg 1): counters restart when a
/// timeout starts a session.
#[test]
fn decision2_counters_restart_when_a_session_times_out() {
    let h = Harness::start(timeouts(1.0, 1.0));
    h.at_ms(0);
    h.screen("E1");
    h.background();
    assert_eq!(lifecycle_state(&h), (Some(1), true, 1, 0));
    h.at_ms(1_100);
    h.screen("E2");
    assert_eq!(lifecycle_state(&h), (Some(2), true, 0, 0));
    h.foreground();
    assert_eq!(lifecycle_state(&h), (Some(2), false, 0, 1));
    h.at_ms(2_200);
    h.screen("E3");
    assert_eq!(lifecycle_state(&h), (Some(3), false, 0, 0));
    h.background();
    assert_eq!(lifecycle_state(&h), (Some(3), true, 1, 0));
    h.at_ms(3_300);
    h.screen("E4");

    let s = h.flush();
    assert_eq!(labels(&s), ["E1", "BG", "E2", "FG", "E3", "BG", "E4"]);
    assert_eq!(s.iter().map(Sent::session_index).collect::<Vec<_>>(), vec![1, 1, 2, 2, 3, 3, 4]);
    assert_eq!(s[3].foreground_index(), 1);
    assert_eq!(s[5].background_index(), 1);
    assert_eq!(s[2].prev(), Some(s[0].sid()));
    assert_eq!(s[4].prev(), Some(s[2].sid()));
    assert_eq!(s[6].prev(), Some(s[4].sid()));
}

// ===========================================================================
// docs/sessions.md §D5: lifecycle and session are independent
// ===========================================================================

/// docs/sessions.md §D5, §1.1: sessionContext false: no client_session
/// entity, but the session is kept (getters, timeouts, onSessionUpdate) and
/// lifecycle events still fire.
#[test]
fn decision5_session_context_off_only_leaves_the_entity_off() {
    // (screenContext off too: the screen entity would follow the screen views.)
    let tracker = json!({"trackerConfig": {"sessionContext": false, "screenContext": false}});
    let h = Harness::start(with(timeouts(10.0, 10.0), tracker));
    h.at_s(0.0);
    h.screen("E1");
    let i1 = h.info();
    assert_eq!(i1.session_index, Some(1));
    assert!(i1.session_id.as_deref().is_some_and(is_lower_uuid));
    h.at_s(1.0);
    h.background();
    h.at_s(2.0);
    h.foreground();
    h.at_s(12.001);
    h.screen("E2");
    let i2 = h.info();
    assert_eq!(i2.session_index, Some(2), "the timeout still applies");
    assert_ne!(i2.session_id, i1.session_id);
    assert_eq!((i2.background_index, i2.foreground_index), (0, 0));

    let s = h.flush();
    assert_eq!(labels(&s), ["E1", "BG", "FG", "E2"]);
    for e in &s {
        assert!(e.session.is_none());
        assert!(!e.raw.contains_key("cx") && !e.raw.contains_key("co"), "no entity at all: {:?}", e.raw);
    }
    assert_eq!(s[1].background_index(), 1);
    assert_eq!(s[2].foreground_index(), 1);

    let observed = h.observed();
    assert_eq!(observed.len(), 2, "onSessionUpdate still fires");
    assert_eq!(Some(observed[1].session_id.clone()), i2.session_id);
    assert_eq!(observed[1].previous_session_id, i1.session_id);
}

/// docs/sessions.md §3.6, §D5, §7.3 (the background state; the transition
/// counters are not checked here): lifecycleAutotracking false: no lifecycle
/// events, but the background state is followed so that the background
/// timeout applies.
#[test]
fn decision5_lifecycle_off_still_applies_background_timeout() {
    let h = Harness::start(with(timeouts(100.0, 2.0), json!({"trackerConfig": {"lifecycleAutotracking": false}})));
    h.at_s(0.0);
    h.screen("E1");
    h.at_s(1.0);
    h.background();
    assert!(h.info().is_in_background);
    h.at_s(4.0);
    h.screen("E2"); // 4 > bg 2 (would be same session under fg 100)
    h.foreground();
    assert!(!h.info().is_in_background);
    h.at_s(50.0);
    h.screen("E3"); // 46 <= fg 100
    let s = h.flush();
    assert_eq!(labels(&s), ["E1", "E2", "E3"], "no lifecycle events");
    assert_eq!(s.iter().map(Sent::session_index).collect::<Vec<_>>(), vec![1, 2, 2]);
    assert_eq!(s[1].event_index(), 1);
    assert_eq!(s[2].event_index(), 2);
}

// ===========================================================================
// docs/sessions.md §4, §D1: getters
// ===========================================================================

/// docs/sessions.md §D1, §4.1 to §4.7, §2.1: before the first event of a run:
/// no session id or index; the user id is available; background state and zero
/// counters; calls that are not events make no session.
#[test]
fn decision1_getters_before_and_after_first_event() {
    let h = Harness::start(json!({}));
    let i = h.info();
    assert!(is_lower_uuid(&i.user_id));
    assert_eq!(i.session_id, None);
    assert_eq!(i.session_index, None);
    assert!(!i.is_in_background);
    assert_eq!((i.background_index, i.foreground_index), (0, 0));
    // Calls that are not events do not make a session.
    h.start_new_session();
    h.pause();
    h.resume();
    h.anonymise(true);
    h.anonymise(false);
    assert_eq!(h.info().session_id, None);
    h.screen("E1");
    let i2 = h.info();
    let s = h.flush();
    assert_eq!(i2.user_id, i.user_id);
    assert_eq!(i2.session_id.as_deref(), Some(s[0].sid()));
    assert_eq!(i2.session_index, Some(1));

    let hb = Harness::start_with(json!({}), true);
    assert!(hb.info().is_in_background);
}

/// docs/sessions.md §D1 + §D3: after a restart the getters say undefined, not
/// the previous run's stale id, until the first event, with or without
/// continueSessionOnRestart.
#[test]
fn decision1_getters_after_restart_are_undefined_until_first_event() {
    for continue_session in [false, true] {
        let cfg = json!({"sessionConfig": {"continueSessionOnRestart": continue_session}});
        let mut h = Harness::start(cfg.clone());
        h.screen("E1");
        h.background();
        let old = h.info();
        assert!(old.session_id.is_some());
        h.restart(cfg.clone(), false);
        let i = h.info();
        assert_eq!((i.session_id, i.session_index), (None, None), "continue={continue_session}");
        assert_eq!(i.user_id, old.user_id);
        assert_eq!((i.background_index, i.foreground_index), (0, 0));
        assert!(!i.is_in_background);
        h.screen("E2");
        let i = h.info();
        let expected_index = if continue_session { 1 } else { 2 };
        assert_eq!(i.session_index, Some(expected_index), "continue={continue_session}");
        assert_eq!(i.session_id == old.session_id, continue_session);
    }
}

// ===========================================================================
// docs/sessions.md §D3: restart
// ===========================================================================

/// docs/sessions.md §D3, §2.2: by default the first event after a restart
/// starts a new session; index, user id and previous session id carry on.
#[test]
fn decision3_restart_starts_a_new_session_by_default() {
    let mut h = Harness::start(timeouts(1800.0, 1800.0));
    h.screen("E1");
    h.screen("E2");
    h.advance_ms(1_000);
    h.restart(timeouts(1800.0, 1800.0), false);
    h.screen("E3");
    h.screen("E4");
    let s = h.flush();
    assert_eq!(labels(&s), ["E1", "E2", "E3", "E4"]);
    assert_eq!(s[2].session_index(), 2);
    assert_ne!(s[2].sid(), s[0].sid());
    assert_eq!(s[2].prev(), Some(s[0].sid()));
    assert_eq!(s[2].user_id(), s[0].user_id());
    assert_eq!(s[2].event_index(), 1);
    assert_eq!(s[2].first_event_id(), s[2].eid());
    assert_eq!(s[3].sid(), s[2].sid());
    assert_eq!(s[3].event_index(), 2);
    // §D3: another restart, and again.
    h.restart(timeouts(1800.0, 1800.0), false);
    h.screen("E5");
    let e5 = h.flush().pop().unwrap();
    assert_eq!(e5.session_index(), 3);
    assert_eq!(e5.prev(), Some(s[2].sid()));
}

/// docs/sessions.md §D3: continueSessionOnRestart within the foreground
/// timeout continues the stored session, eventIndex continuing.
#[test]
fn decision3_continue_session_on_restart_within_foreground_timeout() {
    let cfg = with(timeouts(100.0, 100.0), json!({"sessionConfig": {"continueSessionOnRestart": true}}));
    let mut h = Harness::start(cfg.clone());
    h.at_s(0.0);
    h.screen("E1");
    h.screen("E2");
    h.restart(cfg.clone(), false);
    h.at_s(100.0); // exactly the timeout: still within
    h.screen("E3");
    let s = h.flush();
    assert_eq!(s[2].sid(), s[0].sid());
    assert_eq!(s[2].session_index(), 1);
    assert_eq!(s[2].event_index(), 3);
    assert_eq!(s[2].first_event_id(), s[0].eid());
    assert!(h.observed().len() == 1, "no new session, no onSessionUpdate");
}

/// docs/sessions.md §D3: continueSessionOnRestart beyond the foreground
/// timeout starts a new session.
#[test]
fn decision3_continue_session_on_restart_beyond_timeout() {
    let cfg = with(timeouts(100.0, 100.0), json!({"sessionConfig": {"continueSessionOnRestart": true}}));
    let mut h = Harness::start(cfg.clone());
    h.at_s(0.0);
    h.screen("E1");
    h.restart(cfg.clone(), false);
    h.at_ms(100_001);
    h.screen("E2");
    let s = h.flush();
    assert_ne!(s[1].sid(), s[0].sid());
    assert_eq!(s[1].session_index(), 2);
    assert_eq!(s[1].prev(), Some(s[0].sid()));
    assert_eq!(s[1].event_index(), 1);
}

/// docs/sessions.md §D3: the stored session continues when no more than the
/// foreground timeout passed since its lastUpdate, even when the app is
/// relaunched in the background with a shorter background timeout.
#[test]
fn decision3_continue_session_on_restart_uses_foreground_timeout_when_launched_in_background() {
    let cfg = with(timeouts(100.0, 2.0), json!({"sessionConfig": {"continueSessionOnRestart": true}}));
    let mut h = Harness::start(cfg.clone());
    h.at_s(0.0);
    h.screen("E1");
    h.restart(cfg.clone(), true);
    h.at_s(50.0);
    h.screen("E2"); // 50 <= fg 100: continues, although 50 > bg 2
    h.at_s(53.0);
    h.screen("E3"); // afterwards, in the background, the background timeout applies
    let s = h.flush();
    assert_eq!(s[1].sid(), s[0].sid());
    assert_eq!(s[1].event_index(), 2);
    assert_eq!(s[2].session_index(), 2, "3 > bg 2 once the session runs in the background");

    // And beyond the foreground timeout a new session starts.
    let mut h = Harness::start(cfg.clone());
    h.at_s(0.0);
    h.screen("E1");
    h.restart(cfg, true);
    h.at_ms(100_001);
    h.screen("E2");
    let s = h.flush();
    assert_eq!(s[1].session_index(), 2);
}

/// docs/sessions.md §D3, §2.5: restart with continueSessionOnRestart but a
/// clock that went back: new session.
#[test]
fn decision3_continue_session_on_restart_clock_back() {
    let cfg = json!({"sessionConfig": {"continueSessionOnRestart": true}});
    let mut h = Harness::start(cfg.clone());
    h.at_s(10.0);
    h.screen("E1");
    h.restart(cfg, false);
    h.at_s(5.0);
    h.screen("E2");
    let s = h.flush();
    assert_eq!(s[1].session_index(), 2);
    assert_eq!(s[1].prev(), Some(s[0].sid()));
}

// ===========================================================================
// docs/sessions.md §D4, §7.5: onSessionUpdate
// ===========================================================================

/// docs/sessions.md §D4, §7.5: once per session, in order, with the new
/// session's snapshot (eventIndex 1).
#[test]
fn decision4_on_session_update_once_per_session_in_order() {
    let mut h = Harness::start(timeouts(10.0, 10.0));
    assert!(h.observed().is_empty(), "nothing before the first event");
    h.at_s(0.0);
    h.screen("E1");
    let first = h.observed();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].session_index, 1);
    assert_eq!(first[0].previous_session_id, None);
    h.screen("E2");
    h.screen("E3");
    assert_eq!(h.observed().len(), 1, "not for events of the same session");
    h.start_new_session();
    assert_eq!(h.observed().len(), 1, "not for the call itself");
    h.screen("E4"); // session 2 (startNewSession)
    h.at_s(20.0);
    h.background(); // session 3 (timeout, checked in the foreground)
    h.at_s(40.0);
    h.foreground(); // session 4 (timeout, checked in the background)
    h.anonymise(true);
    h.screen("E5"); // session 5 (anonymisation)
    h.restart(timeouts(10.0, 10.0), false);
    h.screen("E6"); // session 6 (restart)

    let s = h.flush();
    let starters: Vec<&Sent> = s.iter().filter(|e| e.first_event_id() == e.eid()).collect();
    assert_eq!(starters.iter().map(|e| e.label()).collect::<Vec<_>>(), ["E1", "E4", "BG", "FG", "E5", "E6"]);
    let observed = h.observed();
    assert_eq!(observed.len(), 6, "exactly once per session");
    for (i, (o, e)) in observed.iter().zip(&starters).enumerate() {
        assert_eq!(o.session_index as usize, i + 1, "in order");
        assert_eq!(o.session_id, e.sid());
        assert_eq!(o.first_event_id, e.eid());
        assert_eq!(o.first_event_timestamp, e.first_event_timestamp());
        assert_eq!(o.event_index, 1);
        assert_eq!(o.storage_mechanism, "SQLITE");
        if i > 0 && i != 4 {
            assert_eq!(o.previous_session_id.as_deref(), Some(starters[i - 1].sid()));
            assert_eq!(o.user_id, h.info().user_id);
        }
    }
    // The anonymised snapshot is what the entity says.
    assert_eq!(observed[4].user_id, NIL_UUID);
    assert_eq!(observed[4].previous_session_id, None);
}

/// docs/sessions.md §D4, §7.5 with calls that do not wait for each other (one
/// writer batch): still once per session and in order.
#[test]
fn decision4_on_session_update_in_order_for_batched_calls() {
    let h = Harness::start(json!({}));
    let mut replies = Vec::new();
    for i in 0..20 {
        let (d, r) = Responder::pair();
        h.t().track_json(EventType::Structured, &json!({"event": {"category": "c", "action": format!("a{i}")}}).to_string(), d);
        replies.push(r);
        if i % 4 == 3 {
            let (d, r) = Responder::pair();
            h.t().start_new_session(d);
            replies.push(r);
        }
    }
    for r in replies {
        r.wait().unwrap();
    }
    let observed = h.observed();
    assert_eq!(observed.iter().map(|o| o.session_index).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
    for w in observed.windows(2) {
        assert_eq!(w[1].previous_session_id.as_deref(), Some(w[0].session_id.as_str()));
    }
    let s = h.flush();
    assert_eq!(s.len(), 20);
    for (i, e) in s.iter().enumerate() {
        assert_eq!(e.label(), format!("se:a{i}"));
        assert_eq!(e.session_index() as usize, i / 4 + 1);
        assert_eq!(e.event_index() as usize, i % 4 + 1);
        assert_eq!(e.sid(), observed[i / 4].session_id);
    }
}

// ===========================================================================
// docs/sessions.md §D7: one writer, one transaction
// ===========================================================================

/// docs/sessions.md §D7, §2.11: after track's reply the event is in the
/// SQLite file, and the stored session agrees with the last stored event.
#[test]
fn decision7_track_resolves_after_event_and_session_are_committed() {
    let h = Harness::start(timeouts(100.0, 100.0));
    h.collector.set_mode(Mode::Status(500));
    for i in 0..10 {
        h.advance_ms(1_000);
        if i == 6 {
            h.start_new_session();
        }
        h.screen(&format!("S{i}"));
        let rows = h.db_events();
        assert_eq!(rows.len(), i + 1, "the event is committed when track resolves");
        let last = rows.last().unwrap();
        assert_eq!(last["dtm"], h.now().to_string());
        let entity = stored_session_entity(last).unwrap();
        let stored = h.db_session().expect("session stored with the event");
        for k in ["sessionId", "sessionIndex", "previousSessionId", "firstEventId", "firstEventTimestamp", "eventIndex"] {
            assert_eq!(stored[k], entity[k], "stored session and last event disagree on {k}");
        }
        assert_eq!(stored["lastUpdate"], json!(h.now()));
    }
    assert_eq!(h.db_session().unwrap()["sessionIndex"], 2);
    // The collector refuses: nothing is lost.
    assert!(matches!(h.try_flush(), Err(TrackerError::Network(_))));
    assert!(h.collector.refused_requests() > 0);
    assert_eq!(h.db_events().len(), 10);
    h.collector.set_mode(Mode::Accept);
    let s = h.flush();
    assert_eq!(labels(&s), (0..10).map(|i| format!("S{i}")).collect::<Vec<_>>());
    assert_eq!(h.db_events().len(), 0, "sent events are deleted");
}

/// docs/sessions.md §D7: several events may share a transaction; each reply
/// still means committed.
#[test]
fn decision7_batched_tracks_are_committed_when_each_resolves() {
    let h = Harness::start(json!({}));
    h.collector.set_mode(Mode::Status(503));
    let mut replies = Vec::new();
    for i in 0..40 {
        let (d, r) = Responder::pair();
        h.t().track_json(EventType::Structured, &json!({"event": {"category": "c", "action": format!("a{i}")}}).to_string(), d);
        replies.push(r);
    }
    for (i, r) in replies.into_iter().enumerate() {
        r.wait().unwrap();
        assert!(h.db_events().len() > i);
    }
    let rows = h.db_events();
    assert_eq!(rows.len(), 40);
    assert_eq!(h.db_session().unwrap()["eventIndex"], 40);
    assert_eq!(stored_session_entity(&rows[39]).unwrap()["eventIndex"], 40);
}

/// docs/sessions.md §D7, §2.11: events tracked while the collector is
/// unreachable survive a stop and are sent by the next tracker on the same
/// storage.
#[test]
fn decision7_events_survive_stop_without_collector() {
    let mut h = Harness::start(json!({}));
    h.collector.set_mode(Mode::Close);
    h.screen("E1");
    h.screen("E2");
    h.background();
    assert!(h.try_flush().is_err());
    h.stop();
    assert_eq!(h.db_events().len(), 3, "in the file after stop");
    let stored = h.db_session().unwrap();
    assert_eq!(stored["eventIndex"], 3);
    assert!(h.collector.events().is_empty());

    h.collector.set_mode(Mode::Accept);
    h.launch(json!({}), true);
    h.screen("E3");
    let s = h.flush();
    assert_eq!(labels(&s), ["E1", "E2", "BG", "E3"]);
    assert_eq!(s[2].sid(), s[0].sid());
    assert_eq!(s[0].sid(), stored["sessionId"]);
    assert_eq!(s[3].session_index(), 2);
    assert_eq!(s[3].prev(), Some(s[0].sid()));
}

// ===========================================================================
// docs/sessions.md §D8: wire format
// ===========================================================================

/// docs/sessions.md §D8, §1.3, §7.1: contexts wrapper 1-0-1 in URL-safe base64
/// without padding; eid lower-case; dtm and stm epoch ms strings (stm set when
/// sent); user entities kept beside client_session.
#[test]
fn decision8_wire_format_base64() {
    let h = Harness::start(json!({}));
    let mut dtms = Vec::new();
    for i in 0..12 {
        h.advance_ms(1_234);
        dtms.push(h.now());
        let args = json!({
            "event": {"schema": "iglu:com.acme/thing/jsonschema/1-0-0", "data": {"i": i, "text": "ÿþ?>~~~ \u{1F600} +/="}},
            "contexts": [{"schema": "iglu:com.acme/ctx/jsonschema/1-0-0", "data": {"k": "???>>>"}}],
        });
        wait(|d| h.t().track_json(EventType::SelfDescribing, &args.to_string(), d));
    }
    let sent_at = h.now();
    let s = h.flush();
    assert_eq!(s.len(), 12);
    let mut cx_chars = String::new();
    for (e, dtm) in s.iter().zip(&dtms) {
        // check_and_decode has verified the alphabet, strict decoding and 1-0-1.
        assert!(e.raw.contains_key("cx") && e.raw.contains_key("ue_px"));
        assert!(!e.raw.contains_key("co") && !e.raw.contains_key("ue_pr"));
        cx_chars.push_str(e.field("cx"));
        cx_chars.push_str(e.field("ue_px"));
        assert_eq!(e.field("dtm"), dtm.to_string());
        assert!(e.stm() >= *dtm && e.stm() <= sent_at, "stm is the clock when sent");
        assert_eq!(e.eid(), e.eid().to_ascii_lowercase());
        assert_eq!(e.entities.len(), 2);
        assert_eq!(e.entities[0]["schema"], "iglu:com.acme/ctx/jsonschema/1-0-0");
        assert_eq!(e.entities[1]["schema"], "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2");
        assert_eq!(e.event_schema.as_deref(), Some("iglu:com.acme/thing/jsonschema/1-0-0"));
    }
    // The data above makes standard base64 produce '+' and '/' somewhere; the
    // URL-safe alphabet must show '-' or '_' instead.
    assert!(cx_chars.contains('-') || cx_chars.contains('_'));
    assert!(!cx_chars.contains('+') && !cx_chars.contains('/') && !cx_chars.contains('='));
}

/// docs/sessions.md §D8: base64Encoding false: `co` and `ue_pr` hold plain JSON.
#[test]
fn decision8_wire_format_plain_json() {
    let h = Harness::start(json!({"trackerConfig": {"base64Encoding": false}}));
    h.screen("Home");
    h.background();
    let s = h.flush();
    for e in &s {
        assert!(e.raw.contains_key("co") && e.raw.contains_key("ue_pr"));
        assert!(!e.raw.contains_key("cx") && !e.raw.contains_key("ue_px"));
        let co: Value = serde_json::from_str(e.field("co")).unwrap();
        assert_eq!(co["schema"], "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1");
    }
    assert_eq!(s[1].background_index(), 1);
    assert_eq!(s[1].event_index(), 2);
}

/// docs/sessions.md §D8: GET sends the same keys as query parameters, one
/// event per request.
#[test]
fn decision8_wire_format_get() {
    let h = Harness::start(with(timeouts(5.0, 5.0), json!({"networkConfig": {"method": "get"}})));
    h.at_s(0.0);
    h.screen("Home");
    h.at_s(1.0);
    h.structured("tap");
    h.at_s(6.001);
    h.screen("Later");
    let s = h.flush();
    assert_eq!(labels(&s), ["Home", "se:tap", "Later"]);
    assert!(h.collector.requests().iter().all(|(m, p)| m == "GET" && p == "/i"));
    assert_eq!(h.collector.accepted_requests(), 3);
    assert_eq!(s[1].event_index(), 2);
    assert_eq!(s[2].session_index(), 2);
    assert_eq!(s[2].prev(), Some(s[0].sid()));
}

/// docs/sessions.md §D8: every payload has e, eid, dtm, stm, tv, p, tna and
/// only payload_data 1-0-4 keys (checked for every event of every test by
/// `check_and_decode`; here for each kind of event explicitly).
#[test]
fn payload_fields_and_allowed_keys() {
    let h = Harness::start(json!({}));
    h.screen("Home");
    let args = json!({"event": {"category": "cat", "action": "act", "label": "l", "property": "p", "value": 2.5}});
    wait(|d| h.t().track_json(EventType::Structured, &args.to_string(), d));
    let args = json!({"event": {"schema": "iglu:com.acme/x/jsonschema/1-0-0", "data": {"a": 1}}});
    wait(|d| h.t().track_json(EventType::SelfDescribing, &args.to_string(), d));
    h.background();
    h.foreground();
    let s = h.flush();
    assert_eq!(s.len(), 5);
    for e in &s {
        for k in ["e", "eid", "dtm", "stm", "tv", "p", "tna"] {
            assert!(e.raw.contains_key(k), "{k}");
        }
        assert!(e.raw.keys().all(|k| PAYLOAD_DATA_KEYS.contains(&k.as_str())));
        assert_eq!(e.field("tna"), "ns");
        assert_eq!(e.field("p"), "mob");
        assert_eq!(e.field("aid"), "contract-tests");
    }
    assert_eq!(s[1].field("e"), "se");
    assert_eq!((s[1].field("se_ca"), s[1].field("se_ac"), s[1].field("se_va")), ("cat", "act", "2.5"));
    assert!(s.iter().filter(|e| e.field("e") == "ue").count() == 4);
    assert_eq!(s.iter().map(Sent::event_index).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
}

/// The collector keeps every event of a batch and parses bodies over many
/// requests on one keep-alive connection.
#[test]
fn collector_receives_large_batches() {
    let h = Harness::start(json!({"emitterConfig": {"emitRange": 7}}));
    h.collector.set_mode(Mode::Status(500));
    for i in 0..30 {
        h.screen(&format!("S{i}"));
    }
    h.collector.set_mode(Mode::Accept);
    let s = h.flush();
    assert_eq!(labels(&s), (0..30).map(|i| format!("S{i}")).collect::<Vec<_>>());
    assert!(h.collector.accepted_requests() >= 5, "emitRange 7 needs at least 5 requests");
}

/// (sessionIndex, isInBackground, backgroundIndex, foregroundIndex) from the getters.
fn lifecycle_state(h: &Harness) -> (Option<u32>, bool, u32, u32) {
    let i = h.info();
    (i.session_index, i.is_in_background, i.background_index, i.foreground_index)
}

/// Screen views at 0, 5, 20 and 35.001 s under a 15 s timeout: the gaps of 5
/// and 15 s keep session 1, the gap of 15.001 s starts session 2.
fn gaps_of_5_15_and_15_001_seconds_start_one_session(h: &Harness) {
    for (t, label) in [(0.0, "E1"), (5.0, "E2"), (20.0, "E3"), (35.001, "E4")] {
        h.at_s(t);
        h.screen(label);
    }
    let s = h.flush();
    assert_eq!(s.iter().map(Sent::session_index).collect::<Vec<_>>(), vec![1, 1, 1, 2]);
    assert_eq!(s[3].prev(), Some(s[0].sid()));
}
