//! Events as the app developer describes them, validated.
//!
//! Each `track*` call arrives as JSON (`{"event": {...}, "contexts": [...]}`),
//! the same shape on every platform. Validation happens here, on the caller's
//! thread, because it is cheap and its error belongs to that call; nothing here
//! touches the disk or the network.

use crate::config::describe;
use crate::error::{Result, TrackerError};
use crate::input::{self, too_long};
use crate::text::Text;
use serde::Serialize;
use serde_json::{Map, Value};

/// Schema of the screen view event.
pub const SCREEN_VIEW_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0";
/// Schema of the background event.
pub const BACKGROUND_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/application_background/jsonschema/1-0-0";
/// Schema of the foreground event.
pub const FOREGROUND_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/application_foreground/jsonschema/1-0-0";
/// Schema of the timing event.
pub const TIMING_SCHEMA: &str = "iglu:com.snowplowanalytics.snowplow/timing/jsonschema/1-0-0";
/// Schema of the consent granted event.
pub const CONSENT_GRANTED_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/consent_granted/jsonschema/1-0-0";
/// Schema of the consent withdrawn event.
pub const CONSENT_WITHDRAWN_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/consent_withdrawn/jsonschema/1-0-0";
/// Schema of the consent document entity of both consent events.
pub const CONSENT_DOCUMENT_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/consent_document/jsonschema/1-0-0";
/// Schema of the scroll changed event.
pub const SCROLL_CHANGED_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/scroll_changed/jsonschema/1-0-0";
/// Schema of the list item view event.
pub const LIST_ITEM_VIEW_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/list_item_view/jsonschema/1-0-0";
/// Schema of the deep link received event.
pub const DEEP_LINK_RECEIVED_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/deep_link_received/jsonschema/1-0-0";
/// Schema of the message notification event.
pub const MESSAGE_NOTIFICATION_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/message_notification/jsonschema/1-0-0";
/// The triggers a message notification may have (its schema's enum).
pub const NOTIFICATION_TRIGGERS: [&str; 5] =
    ["push", "location", "calendar", "timeInterval", "other"];

/// A self-describing JSON: an event body or an entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelfDescribing {
    /// An `iglu:vendor/name/format/model-revision-addition` URI.
    pub schema: String,
    /// The data, a JSON object.
    pub data: Value,
}

/// The data of a screen view (`trackScreenViewEvent`), a self-describing
/// event of [`SCREEN_VIEW_SCHEMA`] on the wire.
///
/// Typed rather than a map of JSON values: a screen view is parsed on the
/// caller's thread and enriched (the previous screen's fields), serialised
/// and freed on the writer's, and a map's keys, nodes and values were most
/// of a screen view's cost there. Its text is [`Text`], mostly inline: a
/// block allocated on one thread and freed on another is the allocator's
/// slowest path. The payload writes it with its fields in the order a map
/// of them had (by name), so the stored bytes are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenView {
    /// `id`, made when the app gives none; written in lower case.
    pub id: uuid::Uuid,
    /// `name`
    pub name: Text,
    /// `previousId`: given by the app, or the previous screen's.
    pub previous_id: Option<Text>,
    /// `previousName`: given by the app, or the previous screen's.
    pub previous_name: Option<Text>,
    /// `previousType`: given by the app, or the previous screen's.
    pub previous_type: Option<Text>,
    /// `transitionType`
    pub transition_type: Option<Text>,
    /// `type`
    pub screen_type: Option<Text>,
}

/// The kinds of event the tracker sends.
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    /// A self-describing event (`e=ue`); lifecycle events are too.
    SelfDescribing(SelfDescribing),
    /// A screen view (`e=ue`, [`SCREEN_VIEW_SCHEMA`]).
    ScreenView(ScreenView),
    /// A structured event (`e=se`).
    Structured {
        /// `se_ca`
        category: Text,
        /// `se_ac`
        action: Text,
        /// `se_la`
        label: Option<Text>,
        /// `se_pr`
        property: Option<Text>,
        /// `se_va`
        value: Option<f64>,
    },
    /// A page view (`e=pv`).
    PageView {
        /// `url`
        url: String,
        /// `page`
        title: Option<String>,
        /// `refr`
        referrer: Option<String>,
    },
    /// A deep link received: a self-describing event whose `url` and
    /// `referrer` are also sent as `url` and `refr`, as the native trackers
    /// do (the campaign attribution enrichment reads them there).
    DeepLinkReceived {
        /// The deep_link_received event.
        event: SelfDescribing,
        /// `url`: the link, its scheme cut to 16 characters (`page_urlscheme`).
        url: String,
        /// `refr`
        referrer: Option<String>,
    },
    /// An ecommerce transaction (`e=tr`). Its items are events of their own,
    /// tracked right after it in the same call: see [`Event::split`].
    Transaction(Box<Transaction>),
    /// One item of an ecommerce transaction (`e=ti`).
    TransactionItem(TransactionItem),
}

/// An ecommerce transaction, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// `tr_id`
    pub order_id: String,
    /// `tr_tt`
    pub total_value: f64,
    /// `tr_af`
    pub affiliation: Option<String>,
    /// `tr_tx`
    pub tax_value: Option<f64>,
    /// `tr_sh`
    pub shipping: Option<f64>,
    /// `tr_ci`
    pub city: Option<String>,
    /// `tr_st`
    pub state: Option<String>,
    /// `tr_co`
    pub country: Option<String>,
    /// `tr_cu`
    pub currency: Option<String>,
    /// The items, each with the transaction's order id (and its currency
    /// when the item has none); empty once [`Event::split`] took them out.
    pub items: Vec<TransactionItem>,
}

/// One item of an ecommerce transaction, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionItem {
    /// `ti_id`: the transaction's order id.
    pub order_id: String,
    /// `ti_sk`
    pub sku: String,
    /// `ti_nm`
    pub name: Option<String>,
    /// `ti_ca`
    pub category: Option<String>,
    /// `ti_pr`
    pub price: f64,
    /// `ti_qu`
    pub quantity: i64,
    /// `ti_cu`: the item's currency, or the transaction's.
    pub currency: Option<String>,
}

/// A validated event with its user-given entities.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// What happened.
    pub body: EventBody,
    /// Entities: those given by the app developer, then the event's own
    /// (the consent documents of a consent event).
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
    /// `trackPageViewEvent`
    PageView,
    /// `trackTimingEvent`
    Timing,
    /// `trackConsentGrantedEvent`
    ConsentGranted,
    /// `trackConsentWithdrawnEvent`
    ConsentWithdrawn,
    /// `trackScrollChangedEvent`
    ScrollChanged,
    /// `trackListItemViewEvent`
    ListItemView,
    /// `trackDeepLinkReceivedEvent`
    DeepLinkReceived,
    /// `trackMessageNotificationEvent`
    MessageNotification,
    /// `trackEcommerceTransactionEvent`
    EcommerceTransaction,
}

impl EventType {
    /// Every kind.
    pub const ALL: [EventType; 12] = [
        EventType::ScreenView,
        EventType::SelfDescribing,
        EventType::Structured,
        EventType::PageView,
        EventType::Timing,
        EventType::ConsentGranted,
        EventType::ConsentWithdrawn,
        EventType::ScrollChanged,
        EventType::ListItemView,
        EventType::DeepLinkReceived,
        EventType::MessageNotification,
        EventType::EcommerceTransaction,
    ];

    /// How the event is named in messages: `screenView`, `selfDescribing`,
    /// `structured`, `pageView`, `timing`, ...
    pub fn root_name(self) -> &'static str {
        match self {
            EventType::ScreenView => "screenView",
            EventType::SelfDescribing => "selfDescribing",
            EventType::Structured => "structured",
            EventType::PageView => "pageView",
            EventType::Timing => "timing",
            EventType::ConsentGranted => "consentGranted",
            EventType::ConsentWithdrawn => "consentWithdrawn",
            EventType::ScrollChanged => "scrollChanged",
            EventType::ListItemView => "listItemView",
            EventType::DeepLinkReceived => "deepLinkReceived",
            EventType::MessageNotification => "messageNotification",
            EventType::EcommerceTransaction => "ecommerceTransaction",
        }
    }
}

impl Event {
    /// Parses the `{"event": ..., "contexts": [...]}` argument of a `track*` call.
    pub fn from_json(kind: EventType, json: &str) -> Result<Event> {
        match crate::fast_path::from_object(kind, json) {
            Some(event) => Ok(event),
            None => Event::from_json_values(kind, json),
        }
    }

    /// [`Event::from_json`] by the general parser alone (the fast path
    /// steps aside for whatever it does not take).
    pub(crate) fn from_json_values(kind: EventType, json: &str) -> Result<Event> {
        let root: Value = serde_json::from_str(json).map_err(|e| {
            TrackerError::InvalidEvent(input::json_syntax_error("arguments are", &e))
        })?;
        let mut root = match root {
            Value::Object(m) => m,
            other => {
                return Err(invalid(format!(
                    "arguments must be an object, got {}",
                    describe(&other)
                )))
            }
        };
        let event = root.remove("event");
        let contexts = root.remove("contexts");
        if let Some(k) = root.keys().next() {
            return Err(invalid(format!(
                "unknown argument `{}` (expected `event` and `contexts`)",
                input::cut(k, 60)
            )));
        }
        Event::from_args(kind, event, contexts)
    }

    /// Builds an event from the two arguments of a `track*` call: the event
    /// description and the optional array of entities (absent or `null`: none).
    /// A value JSON cannot carry (its marker, [`input::UNSUPPORTED_VALUE_PREFIX`])
    /// anywhere in either, or nesting deeper than [`input::MAX_JSON_DEPTH`],
    /// is refused by its path, e.g. `selfDescribing.data.price must be a
    /// finite number, got NaN`.
    pub fn from_args(
        kind: EventType,
        event: Option<Value>,
        contexts: Option<Value>,
    ) -> Result<Event> {
        Event::from_args_noting(kind, event, contexts).map(|(e, _)| e)
    }

    /// [`Event::from_args`], also returning what was forgiven: one line per
    /// object that had keys its event does not know (they are left out).
    pub fn from_args_noting(
        kind: EventType,
        event: Option<Value>,
        contexts: Option<Value>,
    ) -> Result<(Event, Vec<String>)> {
        NOTES.with(|n| n.borrow_mut().clear());
        let parsed = Event::parse_args(kind, event, contexts);
        let notes = NOTES.with(|n| std::mem::take(&mut *n.borrow_mut()));
        parsed.map(|e| (e, notes))
    }

    fn parse_args(kind: EventType, event: Option<Value>, contexts: Option<Value>) -> Result<Event> {
        let checked = event
            .iter()
            .map(|v| (v, kind.root_name()))
            .chain(contexts.iter().map(|v| (v, "contexts")))
            .try_for_each(|(v, root)| input::check_json(v, root));
        if let Err(message) = checked {
            event.into_iter().chain(contexts).for_each(input::dismantle);
            return Err(invalid(message));
        }
        let mut contexts = parse_contexts(contexts)?;
        let what = kind.root_name();
        let body = match kind {
            EventType::ScreenView => screen_view(event)?,
            EventType::SelfDescribing => {
                let v = event.ok_or_else(|| invalid("selfDescribing event is required".into()))?;
                EventBody::SelfDescribing(self_describing("selfDescribing", v)?)
            }
            EventType::Structured => structured(event)?,
            EventType::PageView => page_view(object(what, event)?)?,
            EventType::Timing => timing(object(what, event)?)?,
            EventType::ConsentGranted | EventType::ConsentWithdrawn => {
                let (body, documents) = consent(kind, object(what, event)?)?;
                contexts.extend(documents);
                body
            }
            EventType::ScrollChanged => scroll_changed(object(what, event)?)?,
            EventType::ListItemView => list_item_view(object(what, event)?)?,
            EventType::DeepLinkReceived => deep_link_received(object(what, event)?)?,
            EventType::MessageNotification => message_notification(object(what, event)?)?,
            EventType::EcommerceTransaction => ecommerce_transaction(object(what, event)?)?,
        };
        Ok(Event { body, contexts })
    }

    /// The events one tracked event stands for, in the order they are
    /// stored: an ecommerce transaction is the transaction (`e=tr`), then one
    /// item event (`e=ti`) per item, each with the same entities; any other
    /// event is itself alone.
    pub fn split(self) -> Vec<Event> {
        match self.body {
            EventBody::Transaction(mut transaction) => {
                let items = std::mem::take(&mut transaction.items);
                let mut events = Vec::with_capacity(items.len() + 1);
                events.push(Event {
                    body: EventBody::Transaction(transaction),
                    contexts: self.contexts.clone(),
                });
                for item in items {
                    events.push(Event {
                        body: EventBody::TransactionItem(item),
                        contexts: self.contexts.clone(),
                    });
                }
                events
            }
            body => vec![Event {
                body,
                contexts: self.contexts,
            }],
        }
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
            body: EventBody::SelfDescribing(SelfDescribing {
                schema: schema.into(),
                data: Value::Object(data),
            }),
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
        Some(other) => Err(invalid(format!(
            "{what} event must be an object, got {}",
            describe(&other)
        ))),
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
            Some(n) => Err(invalid(format!(
                "{what}.{key} must be at most {max_chars} characters, got {n}"
            ))),
            None => Ok(Some(s)),
        },
        Some(other) => Err(invalid(format!(
            "{what}.{key} must be a string, got {}",
            describe(&other)
        ))),
    }
}

thread_local! {
    /// What the parse of the current call noticed but forgave (unknown keys).
    static NOTES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Keys left after a parser took what it knows are ignored, and noted: an
/// event is worth more than an extra key (docs/limits.md, "Unknown keys").
fn no_more_keys(m: &Map<String, Value>, what: &str) -> Result<()> {
    if m.is_empty() {
        return Ok(());
    }
    let mut keys: Vec<String> = m
        .keys()
        .take(5)
        .map(|k| format!("`{}`", input::cut(k, 60)))
        .collect();
    if m.len() > keys.len() {
        keys.push(format!("and {} more", m.len() - keys.len()));
    }
    let plural = if m.len() == 1 {
        "property"
    } else {
        "properties"
    };
    let note = format!("{what} has unknown {plural} {}, ignored", keys.join(", "));
    NOTES.with(|n| n.borrow_mut().push(note));
    Ok(())
}

/// Accepts a UUID in its hyphenated form and returns it lower-case.
pub fn parse_uuid(what: &str, s: &str) -> Result<String> {
    uuid_of(what, s).map(|u| u.hyphenated().to_string())
}

/// The UUID of `s`, in its hyphenated form (in either case).
pub(crate) fn uuid_of(what: &str, s: &str) -> Result<uuid::Uuid> {
    match uuid::Uuid::try_parse(s) {
        Ok(u) if s.len() == 36 => Ok(u),
        _ => Err(invalid(format!(
            "{what} must be a UUID like 4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c, got {:?}",
            truncate(s)
        ))),
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

fn screen_view(event: Option<Value>) -> Result<EventBody> {
    let what = "screenView";
    let mut m = object(what, event)?;
    let max = input::MAX_SCREEN_VIEW_STRING_CHARS;
    let text = |v: Option<String>| v.map(Text::from);
    let name = take_string(&mut m, what, "name", true, max)?.unwrap_or_default();
    let id = match take_string(&mut m, what, "id", false, max)? {
        Some(id) => uuid_of("screenView.id", &id)?,
        None => uuid::Uuid::new_v4(),
    };
    let screen_type = take_string(&mut m, what, "type", false, max)?;
    let previous_name = take_string(&mut m, what, "previousName", false, max)?;
    let previous_id = take_string(&mut m, what, "previousId", false, max)?
        .map(|v| parse_uuid("screenView.previousId", &v))
        .transpose()?;
    let previous_type = take_string(&mut m, what, "previousType", false, max)?;
    let transition_type = take_string(&mut m, what, "transitionType", false, max)?;
    no_more_keys(&m, what)?;
    Ok(EventBody::ScreenView(ScreenView {
        id,
        name: name.into(),
        previous_id: text(previous_id),
        previous_name: text(previous_name),
        previous_type: text(previous_type),
        transition_type: text(transition_type),
        screen_type: text(screen_type),
    }))
}

fn structured(event: Option<Value>) -> Result<EventBody> {
    let what = "structured";
    let mut m = object(what, event)?;
    let category = take_string(
        &mut m,
        what,
        "category",
        true,
        input::MAX_STRUCTURED_CATEGORY_CHARS,
    )?
    .unwrap_or_default();
    let action = take_string(
        &mut m,
        what,
        "action",
        true,
        input::MAX_STRUCTURED_ACTION_CHARS,
    )?
    .unwrap_or_default();
    let label = take_string(
        &mut m,
        what,
        "label",
        false,
        input::MAX_STRUCTURED_LABEL_CHARS,
    )?;
    let property = take_string(
        &mut m,
        what,
        "property",
        false,
        input::MAX_STRUCTURED_PROPERTY_CHARS,
    )?;
    let value = match m.remove("value") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite()),
        Some(other) => {
            return Err(invalid(format!(
                "structured.value must be a finite number, got {}",
                describe(&other)
            )))
        }
    };
    no_more_keys(&m, what)?;
    Ok(EventBody::Structured {
        category: category.into(),
        action: action.into(),
        label: label.map(Text::from),
        property: property.map(Text::from),
        value,
    })
}

// ---------------------------------------------------------------------------
// The other track methods of Snowplow's React Native tracker 2.x. Each parser
// takes the event object, removes what it knows and refuses what is left
// (`no_more_keys`), like the ones above. Strings are bounded by input.rs;
// numbers must be finite and within their schema's bounds; a number the
// schema wants as an integer is cut toward zero, as 2.x did (`toInt()`).
// ---------------------------------------------------------------------------

/// A required string that may be empty (the schema allows it, and so did 2.x).
fn take_text(
    m: &mut Map<String, Value>,
    what: &str,
    key: &str,
    max_chars: usize,
) -> Result<String> {
    match m.get(key) {
        None | Some(Value::Null) => Err(invalid(format!("{what}.{key} is required"))),
        _ => Ok(take_string(m, what, key, false, max_chars)?.unwrap_or_default()),
    }
}

/// A number, finite and within `min..=max`.
fn take_number(
    m: &mut Map<String, Value>,
    what: &str,
    key: &str,
    required: bool,
    (min, max): (f64, f64),
) -> Result<Option<serde_json::Number>> {
    match m.remove(key) {
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(invalid(format!("{what}.{key} is required"))),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.is_finite() && (min..=max).contains(&f) => Ok(Some(n)),
            Some(f) if f.is_finite() => Err(invalid(format!(
                "{what}.{key} must be between {min} and {max}, got {n}"
            ))),
            _ => Err(invalid(format!(
                "{what}.{key} must be a finite number, got {n}"
            ))),
        },
        Some(other) => Err(invalid(format!(
            "{what}.{key} must be a number, got {}",
            describe(&other)
        ))),
    }
}

/// Any finite number, as `f64` (for the atomic fields).
fn take_f64(
    m: &mut Map<String, Value>,
    what: &str,
    key: &str,
    required: bool,
) -> Result<Option<f64>> {
    Ok(take_number(m, what, key, required, (f64::MIN, f64::MAX))?.and_then(|n| n.as_f64()))
}

/// A number the schema wants as an integer, within `min..=max`, cut toward
/// zero (2.x converted these with `toInt()`; a fractional scroll offset is
/// common).
fn take_integer(
    m: &mut Map<String, Value>,
    what: &str,
    key: &str,
    required: bool,
    bounds: (f64, f64),
) -> Result<Option<i64>> {
    Ok(
        take_number(m, what, key, required, bounds)?.map(|n| match n.as_i64() {
            Some(i) => i,
            // Within bounds far below i64's, so the cast is exact after trunc.
            None => n.as_f64().unwrap_or(0.0).trunc() as i64,
        }),
    )
}

fn take_bool(
    m: &mut Map<String, Value>,
    what: &str,
    key: &str,
    required: bool,
) -> Result<Option<bool>> {
    match m.remove(key) {
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(invalid(format!("{what}.{key} is required"))),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(other) => Err(invalid(format!(
            "{what}.{key} must be a boolean, got {}",
            describe(&other)
        ))),
    }
}

/// An array (absent or `null`: none).
fn take_array(
    m: &mut Map<String, Value>,
    what: &str,
    key: &str,
    required: bool,
) -> Result<Option<Vec<Value>>> {
    match m.remove(key) {
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(invalid(format!("{what}.{key} is required"))),
        Some(Value::Array(items)) => Ok(Some(items)),
        Some(other) => Err(invalid(format!(
            "{what}.{key} must be an array, got {}",
            describe(&other)
        ))),
    }
}

/// An object inside an array, named `what` (e.g. `ecommerceTransaction.items[0]`).
fn item_object(what: &str, v: Value) -> Result<Map<String, Value>> {
    match v {
        Value::Object(m) => Ok(m),
        other => Err(invalid(format!(
            "{what} must be an object, got {}",
            describe(&other)
        ))),
    }
}

/// A date-time string (JSON Schema's `date-time`, RFC 3339), e.g.
/// `2022-01-01T00:00:00Z`; an empty optional one is left out.
fn take_date_time(
    m: &mut Map<String, Value>,
    what: &str,
    key: &str,
    required: bool,
) -> Result<Option<String>> {
    match take_string(m, what, key, required, input::MAX_DATE_TIME_CHARS)? {
        Some(s) if s.is_empty() => Ok(None),
        Some(s) if !is_date_time(&s) => Err(invalid(format!(
            "{what}.{key} must be a date-time like 2022-01-01T00:00:00Z or 2022-01-01T02:00:00.000+02:00, got {:?}",
            truncate(&s)
        ))),
        s => Ok(s),
    }
}

/// A URI (JSON Schema's `uri`, RFC 3986: a scheme, then only the characters
/// a URI may hold), e.g. `myapp://product/1` or `https://example.com/a?b=c`;
/// an empty optional one is left out.
fn take_uri(
    m: &mut Map<String, Value>,
    what: &str,
    key: &str,
    required: bool,
    max_chars: usize,
) -> Result<Option<String>> {
    match take_string(m, what, key, required, max_chars)? {
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => match uri_error(&s) {
            Some(why) => Err(invalid(format!("{what}.{key} must be a URI like https://example.com/path or myapp://screen ({why}), got {:?}", truncate(&s)))),
            None => Ok(Some(s)),
        },
        None => Ok(None),
    }
}

fn put_string(data: &mut Map<String, Value>, key: &str, v: Option<String>) {
    if let Some(v) = v {
        data.insert(key.into(), Value::String(v));
    }
}

fn self_describing_body(schema: &str, data: Map<String, Value>) -> EventBody {
    EventBody::SelfDescribing(SelfDescribing {
        schema: schema.into(),
        data: Value::Object(data),
    })
}

fn page_view(mut m: Map<String, Value>) -> Result<EventBody> {
    let what = "pageView";
    let url =
        take_string(&mut m, what, "pageUrl", true, input::MAX_PAGE_URL_CHARS)?.unwrap_or_default();
    let title = take_string(
        &mut m,
        what,
        "pageTitle",
        false,
        input::MAX_PAGE_TITLE_CHARS,
    )?;
    let referrer = take_string(&mut m, what, "referrer", false, input::MAX_PAGE_URL_CHARS)?;
    no_more_keys(&m, what)?;
    Ok(EventBody::PageView {
        url,
        title,
        referrer,
    })
}

fn timing(mut m: Map<String, Value>) -> Result<EventBody> {
    let what = "timing";
    let max = input::MAX_TIMING_STRING_CHARS;
    let mut data = Map::new();
    for key in ["category", "variable"] {
        put_string(&mut data, key, take_string(&mut m, what, key, true, max)?);
    }
    if let Some(n) = take_number(&mut m, what, "timing", true, (f64::MIN, f64::MAX))? {
        data.insert("timing".into(), Value::Number(n));
    }
    put_string(
        &mut data,
        "label",
        take_string(&mut m, what, "label", false, max)?,
    );
    no_more_keys(&m, what)?;
    Ok(self_describing_body(TIMING_SCHEMA, data))
}

/// A consent document (`documentId`, `version`, `name?`,
/// `documentDescription?`) as its consent_document entity.
fn consent_document(m: &mut Map<String, Value>, what: &str) -> Result<SelfDescribing> {
    let mut data = Map::new();
    let id_max = input::MAX_CONSENT_DOCUMENT_ID_CHARS;
    put_string(
        &mut data,
        "id",
        take_string(m, what, "documentId", true, id_max)?,
    );
    put_string(
        &mut data,
        "version",
        take_string(m, what, "version", true, id_max)?,
    );
    put_string(
        &mut data,
        "name",
        take_string(
            m,
            what,
            "name",
            false,
            input::MAX_CONSENT_DOCUMENT_NAME_CHARS,
        )?,
    );
    let description = take_string(
        m,
        what,
        "documentDescription",
        false,
        input::MAX_CONSENT_DOCUMENT_DESCRIPTION_CHARS,
    )?;
    put_string(&mut data, "description", description);
    Ok(SelfDescribing {
        schema: CONSENT_DOCUMENT_SCHEMA.into(),
        data: Value::Object(data),
    })
}

/// A consent granted or withdrawn event and its consent_document entities:
/// the event's own document, then (withdrawn only) those of `documents`.
fn consent(kind: EventType, mut m: Map<String, Value>) -> Result<(EventBody, Vec<SelfDescribing>)> {
    let what = kind.root_name();
    let mut documents = vec![consent_document(&mut m, what)?];
    let mut data = Map::new();
    let schema = if kind == EventType::ConsentGranted {
        put_string(
            &mut data,
            "expiry",
            take_date_time(&mut m, what, "expiry", true)?,
        );
        CONSENT_GRANTED_SCHEMA
    } else {
        if let Some(all) = take_bool(&mut m, what, "all", true)? {
            data.insert("all".into(), Value::Bool(all));
        }
        for (i, item) in take_array(&mut m, what, "documents", false)?
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let path = format!("{what}.documents[{i}]");
            let mut doc = item_object(&path, item)?;
            documents.push(consent_document(&mut doc, &path)?);
            no_more_keys(&doc, &path)?;
        }
        CONSENT_WITHDRAWN_SCHEMA
    };
    no_more_keys(&m, what)?;
    Ok((self_describing_body(schema, data), documents))
}

fn scroll_changed(mut m: Map<String, Value>) -> Result<EventBody> {
    let what = "scrollChanged";
    let max = input::MAX_SCROLL_PIXELS;
    let fields = [
        ("yOffset", "y_offset", -max),
        ("xOffset", "x_offset", -max),
        ("viewHeight", "view_height", 0.0),
        ("viewWidth", "view_width", 0.0),
        ("contentHeight", "content_height", 0.0),
        ("contentWidth", "content_width", 0.0),
    ];
    let mut data = Map::new();
    for (key, field, min) in fields {
        if let Some(v) = take_integer(&mut m, what, key, false, (min, max))? {
            data.insert(field.into(), Value::from(v));
        }
    }
    no_more_keys(&m, what)?;
    Ok(self_describing_body(SCROLL_CHANGED_SCHEMA, data))
}

fn list_item_view(mut m: Map<String, Value>) -> Result<EventBody> {
    let what = "listItemView";
    let bounds = (0.0, input::MAX_LIST_ITEM_INDEX);
    let mut data = Map::new();
    if let Some(index) = take_integer(&mut m, what, "index", true, bounds)? {
        data.insert("index".into(), Value::from(index));
    }
    if let Some(count) = take_integer(&mut m, what, "itemsCount", false, bounds)? {
        data.insert("items_count".into(), Value::from(count));
    }
    no_more_keys(&m, what)?;
    Ok(self_describing_body(LIST_ITEM_VIEW_SCHEMA, data))
}

fn deep_link_received(mut m: Map<String, Value>) -> Result<EventBody> {
    let what = "deepLinkReceived";
    let max = input::MAX_DEEP_LINK_URL_CHARS;
    let url = take_uri(&mut m, what, "url", true, max)?.unwrap_or_default();
    let referrer = take_uri(&mut m, what, "referrer", false, max)?;
    no_more_keys(&m, what)?;
    let mut data = Map::new();
    data.insert("url".into(), Value::String(url.clone()));
    put_string(&mut data, "referrer", referrer.clone());
    let event = SelfDescribing {
        schema: DEEP_LINK_RECEIVED_SCHEMA.into(),
        data: Value::Object(data),
    };
    Ok(EventBody::DeepLinkReceived {
        event,
        url: cut_scheme(&url),
        referrer,
    })
}

/// A URI with its scheme cut to 16 characters, the most `page_urlscheme`
/// holds (the native trackers do the same for the copy in `url`).
fn cut_scheme(uri: &str) -> String {
    match uri.find(':') {
        Some(i) if i > 16 => format!("{}{}", &uri[..16], &uri[i..]),
        _ => uri.to_string(),
    }
}

/// An array of strings (`bodyLocArgs`, `titleLocArgs`); `null` items are
/// kept (the schema allows them), an empty array is left out (the schema
/// wants at least one item, and none is what an absent one says).
fn take_strings(
    m: &mut Map<String, Value>,
    what: &str,
    key: &str,
    max_chars: usize,
) -> Result<Option<Value>> {
    let Some(items) = take_array(m, what, key, false)? else {
        return Ok(None);
    };
    if items.is_empty() {
        return Ok(None);
    }
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::Null => {}
            Value::String(s) => {
                if let Some(n) = too_long(s, max_chars) {
                    return Err(invalid(format!(
                        "{what}.{key}[{i}] must be at most {max_chars} characters, got {n}"
                    )));
                }
            }
            other => {
                return Err(invalid(format!(
                    "{what}.{key}[{i}] must be a string, got {}",
                    describe(other)
                )))
            }
        }
    }
    Ok(Some(Value::Array(items)))
}

fn message_notification(mut m: Map<String, Value>) -> Result<EventBody> {
    let what = "messageNotification";
    let max = input::MAX_NOTIFICATION_STRING_CHARS;
    let mut data = Map::new();
    data.insert(
        "title".into(),
        Value::String(take_text(&mut m, what, "title", max)?),
    );
    data.insert(
        "body".into(),
        Value::String(take_text(
            &mut m,
            what,
            "body",
            input::MAX_NOTIFICATION_BODY_CHARS,
        )?),
    );
    let triggers = NOTIFICATION_TRIGGERS.join(", ");
    match m.remove("trigger") {
        Some(Value::String(t)) if NOTIFICATION_TRIGGERS.contains(&t.as_str()) => {
            data.insert("trigger".into(), Value::String(t));
        }
        None | Some(Value::Null) => {
            return Err(invalid(format!(
                "{what}.trigger is required (one of {triggers})"
            )))
        }
        Some(other) => {
            return Err(invalid(format!(
                "{what}.trigger must be one of {triggers}, got {}",
                describe(&other)
            )))
        }
    }
    for key in [
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
        put_string(&mut data, key, take_string(&mut m, what, key, false, max)?);
    }
    put_string(
        &mut data,
        "notificationTimestamp",
        take_date_time(&mut m, what, "notificationTimestamp", false)?,
    );
    if let Some(b) = take_bool(&mut m, what, "contentAvailable", false)? {
        data.insert("contentAvailable".into(), Value::Bool(b));
    }
    if let Some(n) = take_integer(
        &mut m,
        what,
        "notificationCount",
        false,
        (0.0, input::MAX_NOTIFICATION_COUNT),
    )? {
        data.insert("notificationCount".into(), Value::from(n));
    }
    for key in ["bodyLocArgs", "titleLocArgs"] {
        if let Some(args) = take_strings(&mut m, what, key, max)? {
            data.insert(key.into(), args);
        }
    }
    if let Some(items) = take_array(&mut m, what, "attachments", false)? {
        let mut attachments = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let path = format!("{what}.attachments[{i}]");
            let mut a = item_object(&path, item)?;
            let mut out = Map::new();
            put_string(
                &mut out,
                "identifier",
                take_string(&mut a, &path, "identifier", true, max)?,
            );
            put_string(
                &mut out,
                "type",
                take_string(&mut a, &path, "type", true, max)?,
            );
            put_string(&mut out, "url", take_uri(&mut a, &path, "url", true, max)?);
            no_more_keys(&a, &path)?;
            attachments.push(Value::Object(out));
        }
        data.insert("attachments".into(), Value::Array(attachments));
    }
    no_more_keys(&m, what)?;
    Ok(self_describing_body(MESSAGE_NOTIFICATION_SCHEMA, data))
}

fn ecommerce_transaction(mut m: Map<String, Value>) -> Result<EventBody> {
    let what = "ecommerceTransaction";
    let max = input::MAX_ECOMMERCE_STRING_CHARS;
    let order_id = take_string(&mut m, what, "orderId", true, max)?.unwrap_or_default();
    let total_value = take_f64(&mut m, what, "totalValue", true)?.unwrap_or_default();
    let items = take_array(&mut m, what, "items", true)?.unwrap_or_default();
    if items.len() > input::MAX_ECOMMERCE_ITEMS {
        return Err(invalid(format!(
            "{what}.items must have at most {} items, got {}",
            input::MAX_ECOMMERCE_ITEMS,
            items.len()
        )));
    }
    let affiliation = take_string(&mut m, what, "affiliation", false, max)?;
    let tax_value = take_f64(&mut m, what, "taxValue", false)?;
    let shipping = take_f64(&mut m, what, "shipping", false)?;
    let city = take_string(&mut m, what, "city", false, max)?;
    let state = take_string(&mut m, what, "state", false, max)?;
    let country = take_string(&mut m, what, "country", false, max)?;
    let currency = take_string(&mut m, what, "currency", false, input::MAX_CURRENCY_CHARS)?;
    no_more_keys(&m, what)?;
    let mut parsed = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let path = format!("{what}.items[{i}]");
        let mut it = item_object(&path, item)?;
        let sku = take_string(&mut it, &path, "sku", true, max)?.unwrap_or_default();
        let price = take_f64(&mut it, &path, "price", true)?.unwrap_or_default();
        let quantity = take_integer(
            &mut it,
            &path,
            "quantity",
            true,
            (
                -input::MAX_ECOMMERCE_QUANTITY,
                input::MAX_ECOMMERCE_QUANTITY,
            ),
        )?
        .unwrap_or_default();
        let name = take_string(&mut it, &path, "name", false, max)?;
        let category = take_string(&mut it, &path, "category", false, max)?;
        let own_currency =
            take_string(&mut it, &path, "currency", false, input::MAX_CURRENCY_CHARS)?;
        no_more_keys(&it, &path)?;
        parsed.push(TransactionItem {
            order_id: order_id.clone(),
            sku,
            name,
            category,
            price,
            quantity,
            currency: own_currency
                .filter(|c| !c.is_empty())
                .or_else(|| currency.clone()),
        });
    }
    Ok(EventBody::Transaction(Box::new(Transaction {
        order_id,
        total_value,
        affiliation,
        tax_value,
        shipping,
        city,
        state,
        country,
        currency,
        items: parsed,
    })))
}

/// Checks an RFC 3339 date-time, as JSON Schema's `date-time` format means
/// it: `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or `+HH:MM` /
/// `-HH:MM`; the day must exist in its month. Written strictly (upper-case
/// `T` and `Z`, no leap second) so that every validator takes it.
pub fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        num(0, 4),
        num(5, 2),
        num(8, 2),
        num(11, 2),
        num(14, 2),
        num(17, 2),
    ) else {
        return false;
    };
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days || hour > 23 || minute > 59 || second > 59 {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        i += 1 + digits;
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            matches!((num(i + 1, 2), num(i + 4, 2)), (Some(h), Some(m)) if h <= 23 && m <= 59)
                && at(i + 3, b':')
                && i + 6 == b.len()
        }
        _ => false,
    }
}

/// Why `s` is not a URI as RFC 3986 writes one (JSON Schema's `uri`
/// format), or `None` if it is: a scheme (a letter, then letters, digits,
/// `+`, `-`, `.`) and `:`, an optional `//authority`, then a path, query and
/// fragment made only of the characters a URI may hold, `%` followed by two
/// hex digits. Anything else (a space, a non-ASCII letter) must be
/// percent-encoded, as `encodeURI` does.
pub fn uri_error(s: &str) -> Option<String> {
    let Some(colon) = s.find(':') else {
        return Some("no scheme".into());
    };
    let scheme = &s[..colon];
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Some("no scheme".into());
    }
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    let sub_delim = |b: u8| {
        matches!(
            b,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        )
    };
    let pchar = |b: u8| unreserved(b) || sub_delim(b) || matches!(b, b':' | b'@');
    // Checks one part, character by character, with percent-escapes.
    let check = |part: &str, allowed: &dyn Fn(u8) -> bool| -> Option<String> {
        let b = part.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                if !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
                {
                    return Some("a % not followed by two hex digits".into());
                }
                i += 3;
            } else if allowed(b[i]) {
                i += 1;
            } else {
                let c = part[i..].chars().next().unwrap_or('?');
                return Some(format!("{c:?} must be percent-encoded"));
            }
        }
        None
    };
    let rest = &s[colon + 1..];
    let (rest, fragment) = rest
        .split_once('#')
        .map_or((rest, None), |(r, f)| (r, Some(f)));
    let (rest, query) = rest
        .split_once('?')
        .map_or((rest, None), |(r, q)| (r, Some(q)));
    let path = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            let (authority, path) = after.split_at(end);
            let (userinfo, host_port) = authority
                .rsplit_once('@')
                .map_or((None, authority), |(u, h)| (Some(u), h));
            if let Some(why) =
                userinfo.and_then(|u| check(u, &|b| unreserved(b) || sub_delim(b) || b == b':'))
            {
                return Some(why);
            }
            let (host, port) = if host_port.starts_with('[') {
                match host_port.find(']') {
                    Some(end) => {
                        let literal = &host_port[1..end];
                        if literal.is_empty()
                            || !literal
                                .bytes()
                                .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
                        {
                            return Some("an IP literal that is not an IPv6 address".into());
                        }
                        ("", &host_port[end + 1..])
                    }
                    None => return Some("an unclosed [".into()),
                }
            } else {
                host_port
                    .rsplit_once(':')
                    .map_or((host_port, ""), |(h, p)| (h, p))
            };
            let port = port.strip_prefix(':').unwrap_or(port);
            if !port.bytes().all(|b| b.is_ascii_digit()) {
                return Some("a port that is not a number".into());
            }
            if let Some(why) = check(host, &|b| unreserved(b) || sub_delim(b)) {
                return Some(why);
            }
            path
        }
        None => rest,
    };
    check(path, &|b| pchar(b) || b == b'/')
        .or_else(|| query.and_then(|q| check(q, &|b| pchar(b) || b == b'/' || b == b'?')))
        .or_else(|| fragment.and_then(|f| check(f, &|b| pchar(b) || b == b'/' || b == b'?')))
}

pub(crate) fn self_describing(what: &str, v: Value) -> Result<SelfDescribing> {
    let mut m = match v {
        Value::Object(m) => m,
        other => {
            return Err(invalid(format!(
                "{what} must be an object with schema and data, got {}",
                describe(&other)
            )))
        }
    };
    let schema = match m.remove("schema") {
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => return Err(invalid(format!("{what}.schema is required"))),
        Some(other) => {
            return Err(invalid(format!(
                "{what}.schema must be a string, got {}",
                describe(&other)
            )))
        }
    };
    if let Some(n) = too_long(&schema, input::MAX_SCHEMA_URI_CHARS) {
        return Err(invalid(format!(
            "{what}.schema must be at most {} characters, got {n}",
            input::MAX_SCHEMA_URI_CHARS
        )));
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
        Some(other) => {
            return Err(invalid(format!(
                "{what}.data must be an object, got {}",
                describe(&other)
            )))
        }
    };
    no_more_keys(&m, what)?;
    Ok(SelfDescribing { schema, data })
}

/// A `track*` call's entities, checked and parsed as [`Event::from_args`]
/// does, for the fast path (`fast_path.rs`): `None` where that refuses
/// them or notes something (an unknown key), which the general parser then
/// reports itself.
pub(crate) fn contexts_without_notes(v: Value) -> Option<Vec<SelfDescribing>> {
    input::check_json(&v, "contexts").ok()?;
    let before = NOTES.with(|n| n.borrow().len());
    let parsed = parse_contexts(Some(v));
    let noted = NOTES.with(|n| {
        let mut n = n.borrow_mut();
        let noted = n.len() > before;
        n.truncate(before);
        noted
    });
    parsed.ok().filter(|_| !noted)
}

fn parse_contexts(v: Option<Value>) -> Result<Vec<SelfDescribing>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| self_describing(&format!("contexts[{i}]"), item))
            .collect(),
        Some(other) => Err(invalid(format!(
            "contexts must be an array of entities, got {}",
            describe(&other)
        ))),
    }
}

/// Checks `iglu:vendor/name/format/M-R-A` as the contexts schema's pattern does.
pub fn is_iglu_uri(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("iglu:") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    if parts.len() != 4 {
        return false;
    }
    let word = |p: &str, dot: bool| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (dot && b == b'.'))
    };
    let version: Vec<&str> = parts[3].split('-').collect();
    word(parts[0], true)
        && word(parts[1], false)
        && word(parts[2], false)
        && version.len() == 3
        && version
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
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
        let EventBody::ScreenView(sv) = e.body else {
            panic!()
        };
        let again =
            Event::from_json(EventType::ScreenView, r#"{"event":{"name":"Home"}}"#).unwrap();
        assert!(matches!(again.body, EventBody::ScreenView(b) if b.id != sv.id));
        assert_eq!(sv.id.get_version(), Some(uuid::Version::Random));
        assert_eq!(sv.name, "Home");
        let none = [
            &sv.previous_id,
            &sv.previous_name,
            &sv.previous_type,
            &sv.transition_type,
            &sv.screen_type,
        ];
        assert!(none.iter().all(|f| f.is_none()), "{sv:?}");
        let e = Event::from_json(
            EventType::ScreenView,
            r#"{"event":{"name":"Home","id":"4F2A1C9E-0B7D-4E5A-9C3B-2D1E0F9A8B7C","type":"feed"}}"#,
        )
        .unwrap();
        let EventBody::ScreenView(sv) = e.body else {
            panic!()
        };
        assert_eq!(sv.id.to_string(), "4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c");
        assert_eq!(sv.screen_type.as_deref(), Some("feed"));
    }

    #[test]
    fn bad_event_arguments_are_named() {
        use EventType::*;
        let cases = [
            (ScreenView, "nope", "arguments are not valid JSON"),
            (ScreenView, "[]", "arguments must be an object"),
            (ScreenView, r#"{}"#, "screenView event is required"),
            (ScreenView, r#"{"event":{}}"#, "screenView.name is required"),
            (
                ScreenView,
                r#"{"event":{"name":""}}"#,
                "screenView.name must be a non-empty string",
            ),
            (
                ScreenView,
                r#"{"event":{"name":5}}"#,
                "screenView.name must be a string, got number 5",
            ),
            (
                ScreenView,
                r#"{"event":{"name":"a","id":"123"}}"#,
                "screenView.id must be a UUID",
            ),
            (
                ScreenView,
                r#"{"event":{"name":"a"},"extra":1}"#,
                "unknown argument `extra`",
            ),
            (
                ScreenView,
                r#"{"event":{"name":"a"},"contexts":{}}"#,
                "contexts must be an array",
            ),
            (
                ScreenView,
                r#"{"event":{"name":"a"},"contexts":[{"schema":"iglu:a/b/jsonschema/1-0","data":{}}]}"#,
                "contexts[0].schema must be an Iglu URI",
            ),
            (
                ScreenView,
                r#"{"event":{"name":"a"},"contexts":[{"schema":"iglu:a/b/jsonschema/1-0-0","data":[]}]}"#,
                "contexts[0].data must be an object",
            ),
            (
                SelfDescribing,
                r#"{"event":{"schema":"com.acme/x/jsonschema/1-0-0","data":{}}}"#,
                "selfDescribing.schema must be an Iglu URI",
            ),
            (
                SelfDescribing,
                r#"{"event":{"schema":"iglu:com.acme/x/jsonschema/1-0-0"}}"#,
                "selfDescribing.data is required",
            ),
            (
                SelfDescribing,
                r#"{"event":"x"}"#,
                "selfDescribing must be an object",
            ),
            (
                Structured,
                r#"{"event":{"category":"c"}}"#,
                "structured.action is required",
            ),
            (
                Structured,
                r#"{"event":{"category":"c","action":"a","value":"1"}}"#,
                "structured.value must be a finite number",
            ),
            (
                Structured,
                r#"{"event":{"category":"c","action":"a","label":false}}"#,
                "structured.label must be a string",
            ),
        ];
        for (kind, json, expected) in cases {
            let m = err(kind, json);
            assert!(
                m.contains(expected),
                "{json}: expected {expected:?} in {m:?}"
            );
        }
    }

    #[test]
    fn string_fields_are_bounded() {
        use EventType::*;
        let long = |n: usize| "x".repeat(n);
        let cases = [
            (
                ScreenView,
                json!({"name": long(4097)}),
                None,
                "screenView.name must be at most 4096 characters, got 4097",
            ),
            (
                ScreenView,
                json!({"name": "a", "type": long(4097)}),
                None,
                "screenView.type must be at most 4096 characters",
            ),
            (
                ScreenView,
                json!({"name": "a", "previousName": long(5000)}),
                None,
                "screenView.previousName must be at most 4096 characters, got 5000",
            ),
            (
                ScreenView,
                json!({"name": "a", "previousType": long(4097)}),
                None,
                "screenView.previousType must be at most 4096",
            ),
            (
                ScreenView,
                json!({"name": "a", "transitionType": long(4097)}),
                None,
                "screenView.transitionType must be at most 4096",
            ),
            (
                ScreenView,
                json!({"name": "a", "id": long(5000)}),
                None,
                "screenView.id must be at most 4096 characters",
            ),
            (
                Structured,
                json!({"category": long(1001), "action": "a"}),
                None,
                "structured.category must be at most 1000 characters, got 1001",
            ),
            (
                Structured,
                json!({"category": "c", "action": long(1001)}),
                None,
                "structured.action must be at most 1000 characters, got 1001",
            ),
            (
                Structured,
                json!({"category": "c", "action": "a", "label": long(4097)}),
                None,
                "structured.label must be at most 4096 characters, got 4097",
            ),
            (
                Structured,
                json!({"category": "c", "action": "a", "property": long(1001)}),
                None,
                "structured.property must be at most 1000 characters, got 1001",
            ),
            (
                SelfDescribing,
                json!({"schema": format!("iglu:com.acme/{}/jsonschema/1-0-0", long(600)), "data": {}}),
                None,
                "selfDescribing.schema must be at most 512 characters, got 631",
            ),
            (
                ScreenView,
                json!({"name": "a"}),
                Some(json!([{"schema": long(513), "data": {}}])),
                "contexts[0].schema must be at most 512 characters, got 513",
            ),
        ];
        for (kind, event, contexts, expected) in cases {
            let e = Event::from_args(kind, Some(event), contexts).unwrap_err();
            assert_eq!(e.code(), "INVALID_EVENT");
            assert!(
                e.to_string().contains(expected),
                "expected {expected:?} in {e}"
            );
            assert!(e.to_string().len() < 300, "nothing long is echoed: {e}");
        }
        let (_, notes) =
            Event::from_args_noting(ScreenView, Some(json!({"name": "a", long(5000): 1})), None)
                .unwrap();
        assert_eq!(
            notes,
            vec![format!(
                "screenView has unknown property `{}...`, ignored",
                long(60)
            )]
        );
        // At the bound, counted in characters (not bytes or UTF-16 units).
        let ok = [
            (
                ScreenView,
                json!({"name": "é".repeat(4096), "type": "😀".repeat(4096)}),
            ),
            (
                Structured,
                json!({"category": "é".repeat(1000), "action": long(1000), "label": long(4096), "property": long(1000)}),
            ),
            (
                SelfDescribing,
                json!({"schema": format!("iglu:com.acme/{}/jsonschema/1-0-0", long(481)), "data": {}}),
            ),
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
            (
                SelfDescribing,
                json!({"schema": iglu, "data": {"price": m("NaN")}}),
                None,
                "selfDescribing.data.price must be a finite number, got NaN",
            ),
            (
                ScreenView,
                json!({"name": "a"}),
                Some(json!([{"schema": iglu, "data": {"items": [1, 2, {"f": m("function")}]}}])),
                "contexts[0].data.items[2].f must be JSON data, got a function",
            ),
            (
                Structured,
                json!({"category": "c", "action": "a", "value": m("Infinity")}),
                None,
                "structured.value must be a finite number, got Infinity",
            ),
            (
                Structured,
                json!({"category": m("symbol"), "action": "a"}),
                None,
                "structured.category must be JSON data, got a symbol",
            ),
            (
                ScreenView,
                json!({"name": m("bigint")}),
                None,
                "screenView.name must be JSON data, got a BigInt",
            ),
            (
                ScreenView,
                m("NaN"),
                None,
                "screenView must be a finite number, got NaN",
            ),
            (
                ScreenView,
                json!({"name": "a"}),
                Some(m("function")),
                "contexts must be JSON data, got a function",
            ),
            (
                SelfDescribing,
                json!({"schema": iglu, "data": {"ok": 1}}),
                Some(json!([{"schema": iglu, "data": {"a": {"b": {"c": [m("-Infinity")]}}}}])),
                "contexts[0].data.a.b.c[0] must be a finite number, got -Infinity",
            ),
        ];
        for (kind, event, contexts, expected) in cases {
            let e = Event::from_args(kind, Some(event), contexts).unwrap_err();
            assert_eq!(e, TrackerError::InvalidEvent(expected.to_string()));
        }
        // The same through the JSON text TypeScript sends.
        let text = format!(
            r#"{{"event":{{"schema":"{iglu}","data":{{"p":"\u0000rn-rust-tracker:unsupported:NaN"}}}}}}"#
        );
        assert_eq!(
            err(SelfDescribing, &text),
            "invalid event: selfDescribing.data.p must be a finite number, got NaN"
        );
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
        assert!(
            e.to_string().contains("is nested more than 64 levels deep"),
            "{e}"
        );
        assert!(
            e.to_string()
                .starts_with("invalid event: selfDescribing.data.k.k"),
            "{e}"
        );
        // A value built in Rust, far deeper than the parser allows: refused and dropped without recursion.
        let e = Event::from_args(EventType::SelfDescribing, sd(nest(200_000)), None);
        assert!(e.is_err());
        // Deeper than serde_json parses: the parser's limit, said in words.
        let text = format!(
            r#"{{"event":{{"schema":"{iglu}","data":{}1{}}}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert_eq!(
            err(EventType::SelfDescribing, &text),
            "invalid event: arguments are nested more than 64 levels deep"
        );
        let text = r#"{"event":{"name":"cut \ud83d"}}"#;
        assert!(err(EventType::ScreenView, text)
            .contains("arguments are not valid Unicode: a string holds a lone UTF-16 surrogate"));
    }

    fn sd(e: &Event) -> (&str, &Value) {
        match &e.body {
            EventBody::SelfDescribing(sd) | EventBody::DeepLinkReceived { event: sd, .. } => {
                (sd.schema.as_str(), &sd.data)
            }
            other => panic!("not self-describing: {other:?}"),
        }
    }

    fn build(kind: EventType, event: Value) -> Event {
        Event::from_args(kind, Some(event), None).unwrap_or_else(|e| panic!("{kind:?}: {e}"))
    }

    #[test]
    fn page_views_keep_url_title_and_referrer() {
        let e = build(
            EventType::PageView,
            json!({"pageUrl": "https://example.com/a", "pageTitle": "A", "referrer": "https://r.example/"}),
        );
        let expected = EventBody::PageView {
            url: "https://example.com/a".into(),
            title: Some("A".into()),
            referrer: Some("https://r.example/".into()),
        };
        assert_eq!(e.body, expected);
        let e = build(EventType::PageView, json!({"pageUrl": "app://home"}));
        assert_eq!(
            e.body,
            EventBody::PageView {
                url: "app://home".into(),
                title: None,
                referrer: None
            }
        );
    }

    #[test]
    fn timing_is_a_timing_event_with_the_number_as_given() {
        let e = build(
            EventType::Timing,
            json!({"category": "load", "variable": "home", "timing": 123.5, "label": "cold"}),
        );
        assert_eq!(
            sd(&e),
            (
                TIMING_SCHEMA,
                &json!({"category": "load", "variable": "home", "timing": 123.5, "label": "cold"})
            )
        );
        let e = build(
            EventType::Timing,
            json!({"category": "c", "variable": "v", "timing": 7}),
        );
        assert_eq!(
            sd(&e).1,
            &json!({"category": "c", "variable": "v", "timing": 7})
        );
    }

    #[test]
    fn consent_events_carry_their_documents_after_the_apps_entities() {
        let user = json!([{"schema": "iglu:com.acme/user/jsonschema/1-0-0", "data": {"a": 1}}]);
        let granted = json!({"documentId": "doc-1", "version": "2.0", "name": "Privacy", "documentDescription": "All of it", "expiry": "2030-01-01T00:00:00Z"});
        let e = Event::from_args(EventType::ConsentGranted, Some(granted), Some(user)).unwrap();
        assert_eq!(
            sd(&e),
            (
                CONSENT_GRANTED_SCHEMA,
                &json!({"expiry": "2030-01-01T00:00:00Z"})
            )
        );
        assert_eq!(e.contexts.len(), 2);
        assert_eq!(e.contexts[0].schema, "iglu:com.acme/user/jsonschema/1-0-0");
        assert_eq!(e.contexts[1].schema, CONSENT_DOCUMENT_SCHEMA);
        assert_eq!(
            e.contexts[1].data,
            json!({"id": "doc-1", "version": "2.0", "name": "Privacy", "description": "All of it"})
        );

        let withdrawn = json!({"documentId": "doc-1", "version": "2.0", "all": true, "documents": [{"documentId": "doc-2", "version": "1", "name": "Cookies"}]});
        let e = build(EventType::ConsentWithdrawn, withdrawn);
        assert_eq!(sd(&e), (CONSENT_WITHDRAWN_SCHEMA, &json!({"all": true})));
        let docs: Vec<&Value> = e.contexts.iter().map(|c| &c.data).collect();
        assert_eq!(
            docs,
            [
                &json!({"id": "doc-1", "version": "2.0"}),
                &json!({"id": "doc-2", "version": "1", "name": "Cookies"})
            ]
        );
        assert!(e
            .contexts
            .iter()
            .all(|c| c.schema == CONSENT_DOCUMENT_SCHEMA));
    }

    #[test]
    fn scroll_and_list_item_views_are_snake_case_integers_cut_toward_zero() {
        let e = build(
            EventType::ScrollChanged,
            json!({"yOffset": 10.7, "xOffset": -3.2, "viewHeight": 800, "viewWidth": 400.9, "contentHeight": 2000, "contentWidth": 400}),
        );
        let expected = json!({"y_offset": 10, "x_offset": -3, "view_height": 800, "view_width": 400, "content_height": 2000, "content_width": 400});
        assert_eq!(sd(&e), (SCROLL_CHANGED_SCHEMA, &expected));
        assert_eq!(
            sd(&build(EventType::ScrollChanged, json!({}))).1,
            &json!({})
        );
        let e = build(
            EventType::ListItemView,
            json!({"index": 3, "itemsCount": 10}),
        );
        assert_eq!(
            sd(&e),
            (
                LIST_ITEM_VIEW_SCHEMA,
                &json!({"index": 3, "items_count": 10})
            )
        );
        assert_eq!(
            sd(&build(EventType::ListItemView, json!({"index": 12.9}))).1,
            &json!({"index": 12})
        );
    }

    #[test]
    fn deep_links_copy_url_and_referrer_to_the_atomic_fields() {
        let e = build(
            EventType::DeepLinkReceived,
            json!({"url": "myapp://item/1?src=mail", "referrer": "https://mail.example/x"}),
        );
        assert_eq!(
            sd(&e),
            (
                DEEP_LINK_RECEIVED_SCHEMA,
                &json!({"url": "myapp://item/1?src=mail", "referrer": "https://mail.example/x"})
            )
        );
        let EventBody::DeepLinkReceived { url, referrer, .. } = &e.body else {
            panic!()
        };
        assert_eq!(
            (url.as_str(), referrer.as_deref()),
            ("myapp://item/1?src=mail", Some("https://mail.example/x"))
        );
        // The copy's scheme is cut to what page_urlscheme holds; the event keeps it whole.
        let e = build(
            EventType::DeepLinkReceived,
            json!({"url": "averyveryverylongscheme://open", "referrer": ""}),
        );
        assert_eq!(
            sd(&e).1,
            &json!({"url": "averyveryverylongscheme://open"}),
            "an empty referrer is left out"
        );
        let EventBody::DeepLinkReceived { url, referrer, .. } = &e.body else {
            panic!()
        };
        assert_eq!((url.as_str(), referrer), ("averyveryverylon://open", &None));
    }

    #[test]
    fn message_notifications_keep_every_property() {
        let full = json!({
            "title": "Sale", "body": "", "trigger": "push", "action": "open", "bodyLocKey": "bk", "category": "promo",
            "group": "g", "icon": "ic", "sound": "ding", "subtitle": "sub", "tag": "t", "threadIdentifier": "th",
            "titleLocKey": "tk", "notificationTimestamp": "2024-02-29T12:00:00.123+02:00", "contentAvailable": true,
            "notificationCount": 3.9, "bodyLocArgs": ["a", null], "titleLocArgs": [],
            "attachments": [{"identifier": "img", "type": "image/png", "url": "https://cdn.example/i.png"}],
        });
        let e = build(EventType::MessageNotification, full.clone());
        let (schema, data) = sd(&e);
        assert_eq!(schema, MESSAGE_NOTIFICATION_SCHEMA);
        let mut expected = full;
        expected["notificationCount"] = json!(3);
        expected.as_object_mut().unwrap().remove("titleLocArgs"); // empty: none (the schema wants at least one)
        assert_eq!(data, &expected);
        let e = build(
            EventType::MessageNotification,
            json!({"title": "t", "body": "b", "trigger": "timeInterval"}),
        );
        assert_eq!(
            sd(&e).1,
            &json!({"title": "t", "body": "b", "trigger": "timeInterval"})
        );
    }

    #[test]
    fn a_transaction_splits_into_itself_and_its_items_sharing_order_and_currency() {
        let user = json!([{"schema": "iglu:com.acme/user/jsonschema/1-0-0", "data": {}}]);
        let t = json!({
            "orderId": "o-1", "totalValue": 30.5, "affiliation": "shop", "taxValue": 2.5, "shipping": 5,
            "city": "Paris", "state": "IDF", "country": "FR", "currency": "EUR",
            "items": [
                {"sku": "s1", "price": 10.25, "quantity": 2.7, "name": "Shirt", "category": "clothes"},
                {"sku": "s2", "price": 10, "quantity": 1, "currency": "USD"},
            ],
        });
        let e = Event::from_args(EventType::EcommerceTransaction, Some(t), Some(user)).unwrap();
        let parts = e.split();
        assert_eq!(parts.len(), 3);
        let expected = Transaction {
            order_id: "o-1".into(),
            total_value: 30.5,
            affiliation: Some("shop".into()),
            tax_value: Some(2.5),
            shipping: Some(5.0),
            city: Some("Paris".into()),
            state: Some("IDF".into()),
            country: Some("FR".into()),
            currency: Some("EUR".into()),
            items: Vec::new(),
        };
        assert_eq!(parts[0].body, EventBody::Transaction(Box::new(expected)));
        let item = |sku: &str,
                    price: f64,
                    quantity: i64,
                    name: Option<&str>,
                    category: Option<&str>,
                    currency: &str| {
            EventBody::TransactionItem(TransactionItem {
                order_id: "o-1".into(),
                sku: sku.into(),
                name: name.map(Into::into),
                category: category.map(Into::into),
                price,
                quantity,
                currency: Some(currency.into()),
            })
        };
        assert_eq!(
            parts[1].body,
            item("s1", 10.25, 2, Some("Shirt"), Some("clothes"), "EUR"),
            "the transaction's currency"
        );
        assert_eq!(
            parts[2].body,
            item("s2", 10.0, 1, None, None, "USD"),
            "its own currency"
        );
        for p in &parts {
            assert_eq!(p.contexts.len(), 1, "the app's entities on every event");
        }
        let e = build(
            EventType::EcommerceTransaction,
            json!({"orderId": "o", "totalValue": 0, "items": []}),
        );
        assert_eq!(e.split().len(), 1, "no items: the transaction alone");
        assert_eq!(
            build(EventType::PageView, json!({"pageUrl": "u"}))
                .split()
                .len(),
            1
        );
    }

    #[test]
    fn every_missing_or_mistyped_required_field_is_named() {
        use EventType::*;
        let doc = json!({"documentId": "d", "version": "1"});
        let with = |base: &Value, extra: Value| {
            let mut v = base.clone();
            for (k, x) in extra.as_object().unwrap() {
                if x.is_null() {
                    v.as_object_mut().unwrap().remove(k);
                } else {
                    v[k] = x.clone();
                }
            }
            v
        };
        let granted = with(&doc, json!({"expiry": "2030-01-01T00:00:00Z"}));
        let withdrawn = with(&doc, json!({"all": false}));
        let notification = json!({"title": "t", "body": "b", "trigger": "push"});
        let item = json!({"sku": "s", "price": 1, "quantity": 1});
        let transaction = json!({"orderId": "o", "totalValue": 1, "items": [item]});
        let timing = json!({"category": "c", "variable": "v", "timing": 1});
        let cases: Vec<(EventType, Value, &str)> = vec![
            (PageView, json!({}), "pageView.pageUrl is required"),
            (PageView, json!({"pageUrl": 5}), "pageView.pageUrl must be a string, got number 5"),
            (PageView, json!({"pageUrl": ""}), "pageView.pageUrl must be a non-empty string"),
            (Timing, with(&timing, json!({"category": null})), "timing.category is required"),
            (Timing, with(&timing, json!({"category": 1})), "timing.category must be a string, got number 1"),
            (Timing, with(&timing, json!({"variable": null})), "timing.variable is required"),
            (Timing, with(&timing, json!({"variable": []})), "timing.variable must be a string, got an array"),
            (Timing, with(&timing, json!({"timing": null})), "timing.timing is required"),
            (Timing, with(&timing, json!({"timing": "5"})), "timing.timing must be a number, got string \"5\""),
            (ConsentGranted, with(&granted, json!({"documentId": null})), "consentGranted.documentId is required"),
            (ConsentGranted, with(&granted, json!({"documentId": 7})), "consentGranted.documentId must be a string, got number 7"),
            (ConsentGranted, with(&granted, json!({"version": null})), "consentGranted.version is required"),
            (ConsentGranted, with(&granted, json!({"version": 2})), "consentGranted.version must be a string, got number 2"),
            (ConsentGranted, with(&granted, json!({"expiry": null})), "consentGranted.expiry is required"),
            (ConsentGranted, with(&granted, json!({"expiry": 1})), "consentGranted.expiry must be a string, got number 1"),
            (ConsentGranted, with(&granted, json!({"expiry": "tomorrow"})), "consentGranted.expiry must be a date-time like 2022-01-01T00:00:00Z"),
            (ConsentWithdrawn, with(&withdrawn, json!({"documentId": null})), "consentWithdrawn.documentId is required"),
            (ConsentWithdrawn, with(&withdrawn, json!({"version": null})), "consentWithdrawn.version is required"),
            (ConsentWithdrawn, with(&withdrawn, json!({"all": null})), "consentWithdrawn.all is required"),
            (ConsentWithdrawn, with(&withdrawn, json!({"all": "yes"})), "consentWithdrawn.all must be a boolean, got string \"yes\""),
            (ConsentWithdrawn, with(&withdrawn, json!({"documents": "d"})), "consentWithdrawn.documents must be an array, got string \"d\""),
            (ConsentWithdrawn, with(&withdrawn, json!({"documents": [3]})), "consentWithdrawn.documents[0] must be an object, got number 3"),
            (ConsentWithdrawn, with(&withdrawn, json!({"documents": [{"version": "1"}]})), "consentWithdrawn.documents[0].documentId is required"),
            (ConsentWithdrawn, with(&withdrawn, json!({"documents": [doc.clone(), {"documentId": "x"}]})), "consentWithdrawn.documents[1].version is required"),
            (ScrollChanged, json!({"yOffset": "10"}), "scrollChanged.yOffset must be a number, got string \"10\""),
            (ScrollChanged, json!({"contentWidth": true}), "scrollChanged.contentWidth must be a number, got boolean true"),
            (ListItemView, json!({}), "listItemView.index is required"),
            (ListItemView, json!({"index": "3"}), "listItemView.index must be a number, got string \"3\""),
            (ListItemView, json!({"index": 1, "itemsCount": "9"}), "listItemView.itemsCount must be a number"),
            (DeepLinkReceived, json!({}), "deepLinkReceived.url is required"),
            (DeepLinkReceived, json!({"url": 1}), "deepLinkReceived.url must be a string, got number 1"),
            (DeepLinkReceived, json!({"url": "no scheme here"}), "deepLinkReceived.url must be a URI"),
            (DeepLinkReceived, json!({"url": "a:b", "referrer": "https://x.io/a b"}), "deepLinkReceived.referrer must be a URI like https://example.com/path or myapp://screen (' ' must be percent-encoded)"),
            (MessageNotification, with(&notification, json!({"title": null})), "messageNotification.title is required"),
            (MessageNotification, with(&notification, json!({"title": 1})), "messageNotification.title must be a string, got number 1"),
            (MessageNotification, with(&notification, json!({"body": null})), "messageNotification.body is required"),
            (MessageNotification, with(&notification, json!({"body": false})), "messageNotification.body must be a string, got boolean false"),
            (MessageNotification, with(&notification, json!({"trigger": null})), "messageNotification.trigger is required (one of push, location, calendar, timeInterval, other)"),
            (MessageNotification, with(&notification, json!({"trigger": "sms"})), "messageNotification.trigger must be one of push, location, calendar, timeInterval, other, got string \"sms\""),
            (MessageNotification, with(&notification, json!({"attachments": {}})), "messageNotification.attachments must be an array, got an object"),
            (MessageNotification, with(&notification, json!({"attachments": [{"type": "t", "url": "https://a.io"}]})), "messageNotification.attachments[0].identifier is required"),
            (MessageNotification, with(&notification, json!({"attachments": [{"identifier": "i", "url": "https://a.io"}]})), "messageNotification.attachments[0].type is required"),
            (MessageNotification, with(&notification, json!({"attachments": [{"identifier": "i", "type": "t"}]})), "messageNotification.attachments[0].url is required"),
            (MessageNotification, with(&notification, json!({"attachments": [{"identifier": "i", "type": "t", "url": "img.png"}]})), "messageNotification.attachments[0].url must be a URI"),
            (MessageNotification, with(&notification, json!({"bodyLocArgs": ["a", 5]})), "messageNotification.bodyLocArgs[1] must be a string, got number 5"),
            (MessageNotification, with(&notification, json!({"contentAvailable": 1})), "messageNotification.contentAvailable must be a boolean, got number 1"),
            (MessageNotification, with(&notification, json!({"notificationTimestamp": "2022-02-30T00:00:00Z"})), "messageNotification.notificationTimestamp must be a date-time"),
            (EcommerceTransaction, with(&transaction, json!({"orderId": null})), "ecommerceTransaction.orderId is required"),
            (EcommerceTransaction, with(&transaction, json!({"orderId": 12})), "ecommerceTransaction.orderId must be a string, got number 12"),
            (EcommerceTransaction, with(&transaction, json!({"totalValue": null})), "ecommerceTransaction.totalValue is required"),
            (EcommerceTransaction, with(&transaction, json!({"totalValue": "9.99"})), "ecommerceTransaction.totalValue must be a number, got string \"9.99\""),
            (EcommerceTransaction, with(&transaction, json!({"items": null})), "ecommerceTransaction.items is required"),
            (EcommerceTransaction, with(&transaction, json!({"items": {}})), "ecommerceTransaction.items must be an array, got an object"),
            (EcommerceTransaction, with(&transaction, json!({"items": ["s"]})), "ecommerceTransaction.items[0] must be an object, got string \"s\""),
            (EcommerceTransaction, with(&transaction, json!({"items": [with(&item, json!({"sku": null}))]})), "ecommerceTransaction.items[0].sku is required"),
            (EcommerceTransaction, with(&transaction, json!({"items": [item.clone(), with(&item, json!({"price": null}))]})), "ecommerceTransaction.items[1].price is required"),
            (EcommerceTransaction, with(&transaction, json!({"items": [with(&item, json!({"price": "1"}))]})), "ecommerceTransaction.items[0].price must be a number, got string \"1\""),
            (EcommerceTransaction, with(&transaction, json!({"items": [with(&item, json!({"quantity": null}))]})), "ecommerceTransaction.items[0].quantity is required"),
            (EcommerceTransaction, with(&transaction, json!({"items": [with(&item, json!({"quantity": [1]}))]})), "ecommerceTransaction.items[0].quantity must be a number, got an array"),
            (EcommerceTransaction, with(&transaction, json!({"taxValue": "1"})), "ecommerceTransaction.taxValue must be a number"),
        ];
        for (kind, event, expected) in cases {
            let e = Event::from_args(kind, Some(event.clone()), None).unwrap_err();
            assert_eq!(e.code(), "INVALID_EVENT");
            assert!(
                e.to_string().contains(expected),
                "{kind:?} {event}: expected {expected:?} in {e}"
            );
        }
        for kind in EventType::ALL {
            let what = kind.root_name();
            let e = Event::from_args(kind, None, None).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("invalid event: {what} event is required")
            );
            if kind != SelfDescribing {
                let e = Event::from_args(kind, Some(json!("x")), None).unwrap_err();
                assert_eq!(
                    e.to_string(),
                    format!("invalid event: {what} event must be an object, got string \"x\"")
                );
            }
        }
    }

    #[test]
    fn new_kinds_keep_the_unknown_key_policy_and_their_bounds() {
        use EventType::*;
        let long = |n: usize| "x".repeat(n);
        let doc = |extra: Value| {
            let mut v =
                json!({"documentId": "d", "version": "1", "expiry": "2030-01-01T00:00:00Z"});
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            v
        };
        let n = |extra: Value| {
            let mut v = json!({"title": "t", "body": "b", "trigger": "push"});
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            v
        };
        let t = |extra: Value| {
            let mut v = json!({"orderId": "o", "totalValue": 1, "items": []});
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            v
        };
        let many: Vec<Value> = (0..1001)
            .map(|i| json!({"sku": format!("s{i}"), "price": 1, "quantity": 1}))
            .collect();
        let cases: Vec<(EventType, Value, &str)> = vec![
            (PageView, json!({"pageUrl": long(4097)}), "pageView.pageUrl must be at most 4096 characters, got 4097"),
            (PageView, json!({"pageUrl": "u", "pageTitle": long(2001)}), "pageView.pageTitle must be at most 2000 characters, got 2001"),
            (PageView, json!({"pageUrl": "u", "referrer": long(4097)}), "pageView.referrer must be at most 4096 characters"),
            (Timing, json!({"category": long(4097), "variable": "v", "timing": 1}), "timing.category must be at most 4096 characters"),
            (ConsentGranted, doc(json!({"documentId": long(37)})), "consentGranted.documentId must be at most 36 characters, got 37"),
            (ConsentGranted, doc(json!({"version": long(37)})), "consentGranted.version must be at most 36 characters, got 37"),
            (ConsentGranted, doc(json!({"name": long(61)})), "consentGranted.name must be at most 60 characters, got 61"),
            (ConsentGranted, doc(json!({"documentDescription": long(10_001)})), "consentGranted.documentDescription must be at most 10000 characters, got 10001"),
            (ConsentGranted, doc(json!({"expiry": "2030-01-01"})), "consentGranted.expiry must be a date-time"),
            (ConsentGranted, doc(json!({"expiry": format!("2030-01-01T00:00:00.{}Z", "1".repeat(60))})), "consentGranted.expiry must be at most 64 characters"),
            (ScrollChanged, json!({"viewHeight": -1}), "scrollChanged.viewHeight must be between 0 and 2147483647, got -1"),
            (ScrollChanged, json!({"yOffset": 3.0e9}), "scrollChanged.yOffset must be between -2147483647 and 2147483647, got 3000000000.0"),
            (ScrollChanged, json!({"xOffset": -2147483648i64}), "scrollChanged.xOffset must be between -2147483647 and 2147483647, got -2147483648"),
            (ListItemView, json!({"index": 65536}), "listItemView.index must be between 0 and 65535, got 65536"),
            (ListItemView, json!({"index": -0.5}), "listItemView.index must be between 0 and 65535, got -0.5"),
            (ListItemView, json!({"index": 0, "itemsCount": 70000}), "listItemView.itemsCount must be between 0 and 65535"),
            (DeepLinkReceived, json!({"url": format!("a:{}", long(4095))}), "deepLinkReceived.url must be at most 4096 characters, got 4097"),
            (MessageNotification, n(json!({"title": long(1025)})), "messageNotification.title must be at most 1024 characters, got 1025"),
            (MessageNotification, n(json!({"body": long(4097)})), "messageNotification.body must be at most 4096 characters, got 4097"),
            (MessageNotification, n(json!({"sound": long(1025)})), "messageNotification.sound must be at most 1024 characters"),
            (MessageNotification, n(json!({"titleLocArgs": [long(1025)]})), "messageNotification.titleLocArgs[0] must be at most 1024 characters, got 1025"),
            (MessageNotification, n(json!({"notificationCount": 10_001})), "messageNotification.notificationCount must be between 0 and 10000, got 10001"),
            (MessageNotification, n(json!({"notificationCount": -1})), "messageNotification.notificationCount must be between 0 and 10000"),
            (EcommerceTransaction, t(json!({"orderId": long(256)})), "ecommerceTransaction.orderId must be at most 255 characters, got 256"),
            (EcommerceTransaction, t(json!({"currency": "EURO"})), "ecommerceTransaction.currency must be at most 3 characters, got 4"),
            (EcommerceTransaction, t(json!({"country": long(256)})), "ecommerceTransaction.country must be at most 255 characters"),
            (EcommerceTransaction, t(json!({"items": [{"sku": "s", "price": 1, "quantity": 1, "currency": "EURO"}]})), "ecommerceTransaction.items[0].currency must be at most 3 characters, got 4"),
            (EcommerceTransaction, t(json!({"items": [{"sku": long(256), "price": 1, "quantity": 1}]})), "ecommerceTransaction.items[0].sku must be at most 255 characters"),
            (EcommerceTransaction, t(json!({"items": [{"sku": "s", "price": 1, "quantity": 3.0e9}]})), "ecommerceTransaction.items[0].quantity must be between -2147483647 and 2147483647"),
            (EcommerceTransaction, t(json!({"items": many})), "ecommerceTransaction.items must have at most 1000 items, got 1001"),
        ];
        for (kind, event, expected) in cases {
            let e = Event::from_args(kind, Some(event), None).unwrap_err();
            assert_eq!(e.code(), "INVALID_EVENT");
            assert!(
                e.to_string().contains(expected),
                "{kind:?}: expected {expected:?} in {e}"
            );
            assert!(e.to_string().len() < 300, "nothing long is echoed: {e}");
        }
        // Unknown keys are left out and noted; the event is still tracked.
        let forgiven: Vec<(EventType, Value, &str)> = vec![
            (
                PageView,
                json!({"pageUrl": "u", "colour": 1}),
                "pageView has unknown property `colour`",
            ),
            (
                Timing,
                json!({"category": "c", "variable": "v", "timing": 1, "unit": "ms"}),
                "timing has unknown property `unit`",
            ),
            (
                ConsentGranted,
                doc(json!({"all": true})),
                "consentGranted has unknown property `all`",
            ),
            (
                ConsentWithdrawn,
                json!({"documentId": "d", "version": "1", "all": true, "documents": [{"documentId": "d", "version": "1", "x": 1}]}),
                "consentWithdrawn.documents[0] has unknown property `x`",
            ),
            (
                ScrollChanged,
                json!({"zOffset": 1}),
                "scrollChanged has unknown property `zOffset`",
            ),
            (
                ListItemView,
                json!({"index": 1, "items_count": 2}),
                "listItemView has unknown property `items_count`",
            ),
            (
                DeepLinkReceived,
                json!({"url": "a:b", "ref": "x"}),
                "deepLinkReceived has unknown property `ref`",
            ),
            (
                MessageNotification,
                n(
                    json!({"attachments": [{"identifier": "i", "type": "t", "url": "a:b", "size": 1}]}),
                ),
                "messageNotification.attachments[0] has unknown property `size`",
            ),
            (
                MessageNotification,
                n(json!({"badge": 1})),
                "messageNotification has unknown property `badge`",
            ),
            (
                EcommerceTransaction,
                t(json!({"items": [{"sku": "s", "price": 1, "quantity": 1, "size": "L"}]})),
                "ecommerceTransaction.items[0] has unknown property `size`",
            ),
            (
                EcommerceTransaction,
                t(json!({"discount": 1})),
                "ecommerceTransaction has unknown property `discount`",
            ),
        ];
        for (kind, event, expected) in forgiven {
            let (parsed, notes) = Event::from_args_noting(kind, Some(event), None).unwrap();
            assert_eq!(notes, vec![format!("{expected}, ignored")], "{kind:?}");
            let shown = format!("{parsed:?}");
            let key = expected.rsplit('`').nth(1).unwrap();
            assert!(
                !shown.contains(&format!("\"{key}\"")),
                "{kind:?}: {key} is left out of {shown}"
            );
        }
        // At the bounds, counted in characters.
        let ok: Vec<(EventType, Value)> = vec![
            (
                PageView,
                json!({"pageUrl": "é".repeat(4096), "pageTitle": "😀".repeat(2000)}),
            ),
            (
                ConsentGranted,
                doc(
                    json!({"documentId": "é".repeat(36), "name": long(60), "documentDescription": long(10_000)}),
                ),
            ),
            (
                ScrollChanged,
                json!({"yOffset": -2147483647i64, "contentHeight": 2147483647i64, "viewWidth": 0}),
            ),
            (ListItemView, json!({"index": 0, "itemsCount": 65535})),
            (
                MessageNotification,
                n(json!({"title": long(1024), "body": long(4096), "notificationCount": 10_000})),
            ),
            (
                EcommerceTransaction,
                t(
                    json!({"orderId": long(255), "currency": "€€€", "items": (0..1000).map(|_| json!({"sku": "s", "price": -1.5, "quantity": -2147483647i64})).collect::<Vec<_>>()}),
                ),
            ),
        ];
        for (kind, event) in ok {
            if let Err(e) = Event::from_args(kind, Some(event), None) {
                panic!("{kind:?}: {e}");
            }
        }
        // Values JSON cannot carry are refused by path, like everywhere.
        let m = Value::String(format!("{}NaN", input::UNSUPPORTED_VALUE_PREFIX));
        let e = Event::from_args(
            Timing,
            Some(json!({"category": "c", "variable": "v", "timing": m})),
            None,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid event: timing.timing must be a finite number, got NaN"
        );
        let e = Event::from_args(
            EcommerceTransaction,
            Some(t(
                json!({"items": [{"sku": "s", "price": m, "quantity": 1}]}),
            )),
            None,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid event: ecommerceTransaction.items[0].price must be a finite number, got NaN"
        );
    }

    #[test]
    fn date_times_are_rfc_3339() {
        for good in [
            "2022-01-01T00:00:00Z",
            "2024-02-29T23:59:59.999Z",
            "2022-01-01T02:00:00+02:00",
            "1999-12-31T23:59:59.123456789-11:30",
        ] {
            assert!(is_date_time(good), "{good}");
        }
        for bad in [
            "",
            "2022-01-01",
            "2022-01-01T00:00:00",
            "2022-01-01 00:00:00Z",
            "2022-01-01t00:00:00z",
            "2023-02-29T00:00:00Z",
            "2022-13-01T00:00:00Z",
            "2022-04-31T00:00:00Z",
            "2022-01-01T24:00:00Z",
            "2022-01-01T00:60:00Z",
            "2022-01-01T00:00:60Z",
            "2022-01-01T00:00:00.Z",
            "2022-01-01T00:00:00+0200",
            "2022-01-01T00:00:00+24:00",
            "2022-01-01T00:00:00Zx",
            "22-01-01T00:00:00Z",
            "２０２２-01-01T00:00:00Z",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn uris_are_rfc_3986() {
        for good in [
            "https://example.com",
            "https://user:pw@example.com:8080/a/b?c=d&e=%20f#frag",
            "myapp://product/123",
            "myapp:",
            "mailto:me@example.com",
            "urn:isbn:0451450523",
            "http://[::1]:9090/x",
            "app+x.y-z://h/p;q=1?x=/y?#a/b?",
        ] {
            assert_eq!(uri_error(good), None, "{good}");
        }
        let cases = [
            ("", "no scheme"),
            ("example.com/a", "no scheme"),
            ("1http://x", "no scheme"),
            ("://x", "no scheme"),
            ("https://exa mple.com", "' ' must be percent-encoded"),
            ("https://x.io/a b", "' ' must be percent-encoded"),
            ("myapp://café", "'é' must be percent-encoded"),
            ("https://x.io/%zz", "a % not followed by two hex digits"),
            ("https://x.io/?q=<b>", "'<' must be percent-encoded"),
            ("https://x.io/#a#b", "'#' must be percent-encoded"),
            ("https://x.io:80a/", "a port that is not a number"),
            ("https://[::1/x", "an unclosed ["),
            ("https://[zz]/", "an IP literal"),
            ("https://x.io/a[1]", "'[' must be percent-encoded"),
        ];
        for (bad, why) in cases {
            let got = uri_error(bad).unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(got.contains(why), "{bad}: {got}");
        }
    }

    #[test]
    fn iglu_uris() {
        assert!(is_iglu_uri("iglu:com.acme-1/my_event/jsonschema/1-0-12"));
        for bad in [
            "iglu:com.acme/e/jsonschema/1-0",
            "iglu:/e/jsonschema/1-0-0",
            "iglu:a/b/c/d/1-0-0",
            "iglu:a/b.c/jsonschema/1-0-0",
            "iglu:a/b/jsonschema/1-0-x",
            "com.a/b/jsonschema/1-0-0",
        ] {
            assert!(!is_iglu_uri(bad), "{bad}");
        }
    }
}
