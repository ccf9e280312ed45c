//! An ecommerce transaction is one call that stands for several events: the
//! transaction (`e=tr`) and one item event (`e=ti`) per item. They are stored
//! together or not at all, each is an event of the session, and a refusal
//! leaves the session as it was.

mod common;

use common::{try_wait, wait, Harness, Payload};
use serde_json::{json, Value};
use tracker_core::payload::decode_base64;
use tracker_core::EventType;

fn transaction(h: &Harness, event: Value) -> Result<(), tracker_core::TrackerError> {
    let args = json!({"event": event, "contexts": [{"schema": "iglu:com.acme/cart/jsonschema/1-0-0", "data": {"n": 2}}]});
    try_wait(|d| h.t().track_json(EventType::EcommerceTransaction, &args.to_string(), d))
}

/// The entities of a received event.
fn entities(p: &Payload) -> Vec<Value> {
    let cx = p["cx"].as_str().expect("entities, base64-encoded");
    let co: Value = serde_json::from_slice(&decode_base64(cx).unwrap()).unwrap();
    co["data"].as_array().unwrap().clone()
}

fn session_of(p: &Payload) -> Value {
    entities(p).into_iter().find(|e| e["schema"].as_str().unwrap().contains("/client_session/")).unwrap()["data"].clone()
}

#[test]
fn a_transaction_and_its_items_are_events_of_the_session_stored_together() {
    let h = Harness::start(json!({}));
    let items = json!([
        {"sku": "s1", "price": 10, "quantity": 2, "name": "Shirt"},
        {"sku": "s2", "price": 5.5, "quantity": 1, "currency": "USD"},
    ]);
    transaction(&h, json!({"orderId": "o-1", "totalValue": 25.5, "currency": "EUR", "items": items})).unwrap();
    h.screen("after");
    h.try_flush().unwrap();
    let events = h.collector.events();
    let kinds: Vec<&str> = events.iter().map(|p| p["e"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["tr", "ti", "ti", "ue"]);
    let eids: std::collections::HashSet<&str> = events.iter().map(|p| p["eid"].as_str().unwrap()).collect();
    assert_eq!(eids.len(), 4, "each event has its own id");
    assert!(events[..3].iter().all(|p| p["dtm"] == events[0]["dtm"]), "one call, one time");
    let sessions: Vec<Value> = events.iter().map(session_of).collect();
    let indexes: Vec<i64> = sessions.iter().map(|s| s["eventIndex"].as_i64().unwrap()).collect();
    assert_eq!(indexes, [1, 2, 3, 4], "each is an event of the session");
    assert!(sessions.iter().all(|s| s["sessionId"] == sessions[0]["sessionId"]));
    assert_eq!(sessions[0]["firstEventId"], events[0]["eid"], "the transaction started the session");
    for p in &events[..3] {
        assert_eq!(entities(p)[0]["data"], json!({"n": 2}), "the app's entity on each");
    }
    assert_eq!((events[1]["ti_id"].as_str(), events[1]["ti_cu"].as_str()), (Some("o-1"), Some("EUR")));
    assert_eq!((events[2]["ti_id"].as_str(), events[2]["ti_cu"].as_str()), (Some("o-1"), Some("USD")));
}

#[test]
fn a_transaction_with_an_item_too_large_is_not_stored_at_all() {
    let h = Harness::start(json!({"emitterConfig": {"byteLimitPost": 1500}}));
    let big = json!({"sku": "s".repeat(255), "name": "n".repeat(255), "category": "c".repeat(255), "price": 1, "quantity": 1});
    let small = json!({"sku": "s", "price": 1, "quantity": 1});
    let e = transaction(&h, json!({"orderId": "o-1", "totalValue": 2, "items": [small, big]})).unwrap_err();
    assert_eq!(e.code(), "INVALID_EVENT");
    let m = e.to_string();
    assert!(m.contains("over emitterConfig.byteLimitPost (1500)"), "{m}");
    assert!(m.contains("(ecommerceTransaction.items[1]; no event of the transaction was tracked)"), "{m}");
    assert_eq!(h.info().session_id, None, "no session was started");
    h.screen("next");
    h.try_flush().unwrap();
    let events = h.collector.events();
    assert_eq!(events.len(), 1, "only the screen view was stored");
    assert_eq!(session_of(&events[0])["eventIndex"], 1);
    assert_eq!(wait(|d| h.t().delivery_stats(d)).queued, 0);
}
