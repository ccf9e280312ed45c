//! Shared test support for the session contract tests
//! (`docs/sessions.md`).
//!
//! * [`Collector`]: a loopback Snowplow collector written with `std` only. It
//!   takes `POST /com.snowplowanalytics.snowplow/tp2` (a `payload_data` 1-0-4
//!   body) and `GET /i?...` (one event in the query), keeps every received
//!   event as a map of string fields and answers 200, or a chosen status, or
//!   closes the connection without answering.
//! * [`Harness`]: one tracker driven by a [`ManualClock`], pointed at a
//!   collector and at a unique storage directory, with small helpers so that
//!   tests read like the spec (`h.at_s(3.0); h.background();`).
//! * [`Sent`]: a received event with its `client_session` entity and its
//!   self-describing body decoded; every event returned by
//!   [`Harness::flush`] has had its wire format checked (`docs/sessions.md`
//!   §D8, payload_data 1-0-4 keys, client_session 1-0-2 shape of §1.2, §1.3).
#![allow(dead_code)]

use serde_json::{json, Map, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracker_core::payload::{
    decode_base64, CONTEXTS_SCHEMA, PAYLOAD_DATA_SCHEMA, UNSTRUCT_EVENT_SCHEMA,
};
use tracker_core::session::CLIENT_SESSION_SCHEMA;
use tracker_core::{
    ClientSession, Config, EventType, ManualClock, PlatformDefaults, Responder, SessionInfo,
    SessionObserver, Tracker, TrackerError, TrackerOptions,
};

/// One received event: the protocol's flat map of string fields.
pub type Payload = Map<String, Value>;

/// Where every test clock starts (2023-11-14T22:13:20.000Z).
pub const T0: i64 = 1_700_000_000_000;
/// Nil UUID sent as `userId` when anonymised.
pub const NIL_UUID: &str = "00000000-0000-0000-0000-000000000000";
pub const BACKGROUND_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/application_background/jsonschema/1-0-0";
pub const FOREGROUND_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/application_foreground/jsonschema/1-0-0";
pub const SCREEN_VIEW_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0";

/// Every key payload_data 1-0-4 allows.
pub const PAYLOAD_DATA_KEYS: &[&str] = &[
    "tna", "aid", "p", "dtm", "tz", "e", "tid", "eid", "tv", "duid", "nuid", "uid", "vid", "ip",
    "res", "url", "page", "refr", "fp", "ctype", "cookie", "lang", "f_pdf", "f_qt", "f_realp",
    "f_wma", "f_dir", "f_fla", "f_java", "f_gears", "f_ag", "cd", "ds", "cs", "vp", "mac",
    "pp_mix", "pp_max", "pp_miy", "pp_may", "ad_ba", "ad_ca", "ad_ad", "ad_uid", "tr_id", "tr_af",
    "tr_tt", "tr_tx", "tr_sh", "tr_ci", "tr_st", "tr_co", "tr_cu", "ti_id", "ti_sk", "ti_nm",
    "ti_na", "ti_ca", "ti_pr", "ti_qu", "ti_cu", "sa", "sn", "st", "sp", "se_ca", "se_ac", "se_la",
    "se_pr", "se_va", "ue_na", "ue_pr", "ue_px", "co", "cx", "ua", "tnuid", "stm", "sid", "ttm",
];
/// Every key client_session 1-0-2 allows.
pub const CLIENT_SESSION_KEYS: &[&str] = &[
    "userId",
    "sessionId",
    "sessionIndex",
    "previousSessionId",
    "storageMechanism",
    "firstEventId",
    "firstEventTimestamp",
    "eventIndex",
];

// ---------------------------------------------------------------------------
// The collector
// ---------------------------------------------------------------------------

/// How the collector answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 200, and the events are kept.
    Accept,
    /// This status; events of a non-2xx answer are not kept.
    Status(u16),
    /// This status with `Retry-After: <seconds>`.
    RetryAfter(u16, u32),
    /// Read the request, then close the connection without answering.
    Close,
}

struct State {
    mode: Mode,
    events: Vec<Payload>,
    /// Requests whose events were kept.
    accepted_requests: u64,
    /// Requests answered with a non-2xx status or closed.
    refused_requests: u64,
    /// (method, path) of every request, in order.
    requests: Vec<(String, String)>,
    /// (events, body bytes) of every request whose events were kept, in order.
    accepted_sizes: Vec<(usize, usize)>,
    /// TCP connections accepted.
    connections: u64,
    /// Called for each request whose events were kept, before it is answered.
    on_accept: Option<Box<dyn FnMut() + Send>>,
    /// Anything that broke the protocol (bad path, bad body, ...).
    errors: Vec<String>,
}

/// A loopback collector on 127.0.0.1 with a free port.
pub struct Collector {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl Collector {
    pub fn start() -> Collector {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback collector");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            mode: Mode::Accept,
            events: Vec::new(),
            accepted_requests: 0,
            refused_requests: 0,
            requests: Vec::new(),
            accepted_sizes: Vec::new(),
            on_accept: None,
            connections: 0,
            errors: Vec::new(),
        }));
        let shared = Arc::clone(&state);
        std::thread::Builder::new()
            .name(format!("test-collector-{port}"))
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    shared.lock().unwrap_or_else(|p| p.into_inner()).connections += 1;
                    let st = Arc::clone(&shared);
                    std::thread::spawn(move || serve(stream, st));
                }
            })
            .expect("spawn collector");
        Collector { port, state }
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.lock().mode = mode;
    }

    /// Every event kept so far, in arrival order.
    pub fn events(&self) -> Vec<Payload> {
        self.lock().events.clone()
    }

    pub fn accepted_requests(&self) -> u64 {
        self.lock().accepted_requests
    }

    pub fn refused_requests(&self) -> u64 {
        self.lock().refused_requests
    }

    pub fn requests(&self) -> Vec<(String, String)> {
        self.lock().requests.clone()
    }

    pub fn errors(&self) -> Vec<String> {
        self.lock().errors.clone()
    }

    /// Calls `hook` for each request whose events were kept, before answering it.
    pub fn on_accept(&self, hook: impl FnMut() + Send + 'static) {
        self.lock().on_accept = Some(Box::new(hook));
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.lock().connections
    }

    /// (events, body bytes) of every request whose events were kept, in order.
    pub fn accepted_sizes(&self) -> Vec<(usize, usize)> {
        self.lock().accepted_sizes.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn serve(stream: TcpStream, state: Arc<Mutex<State>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        // Request line (tolerating stray blank lines between requests).
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let version = parts.next().unwrap_or("HTTP/1.1").to_string();

        // Headers.
        let mut content_length: Option<usize> = None;
        let mut chunked = false;
        let mut close = version.eq_ignore_ascii_case("HTTP/1.0");
        let mut expect_continue = false;
        loop {
            let mut h = String::new();
            match reader.read_line(&mut h) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let Some((name, value)) = h.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => content_length = value.parse().ok(),
                "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
                "connection" => {
                    let v = value.to_ascii_lowercase();
                    if v.contains("close") {
                        close = true;
                    } else if v.contains("keep-alive") {
                        close = false;
                    }
                }
                "expect" => expect_continue = value.eq_ignore_ascii_case("100-continue"),
                _ => {}
            }
        }
        if expect_continue {
            let _ = writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        }

        // Body.
        let body = if chunked {
            match read_chunked(&mut reader) {
                Some(b) => b,
                None => return,
            }
        } else if let Some(n) = content_length {
            let mut b = vec![0u8; n];
            if reader.read_exact(&mut b).is_err() {
                return;
            }
            b
        } else {
            Vec::new()
        };

        let (mode, path) = {
            let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
            let path = target.split('?').next().unwrap_or("").to_string();
            s.requests.push((method.clone(), path.clone()));
            (s.mode, path)
        };
        if mode == Mode::Close {
            state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .refused_requests += 1;
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        let mut status = match mode {
            Mode::Status(s) | Mode::RetryAfter(s, _) => s,
            _ => 200,
        };
        {
            let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
            if (200..300).contains(&status) {
                match parse_request(&method, &path, &target, &body) {
                    Ok(events) => {
                        s.accepted_sizes.push((events.len(), body.len()));
                        s.events.extend(events);
                        s.accepted_requests += 1;
                    }
                    Err(e) => {
                        s.errors.push(e);
                        status = 400;
                        s.refused_requests += 1;
                    }
                }
            } else {
                s.refused_requests += 1;
            }
        }
        if (200..300).contains(&status) {
            // Run outside the lock: the hook may look at the collector.
            let hook = state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .on_accept
                .take();
            if let Some(mut hook) = hook {
                hook();
                let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
                if s.on_accept.is_none() {
                    s.on_accept = Some(hook);
                }
            }
        }
        let reason = match status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            _ => "Status",
        };
        let retry_after = match mode {
            Mode::RetryAfter(_, seconds) => format!("Retry-After: {seconds}\r\n"),
            _ => String::new(),
        };
        // A body, as real collectors send ("ok", or a pixel for GET): the
        // emitter has to read it for the connection to be used again.
        let body = if status == 200 { "ok" } else { "" };
        let response = format!(
            "HTTP/1.1 {status} {reason}\r\n{retry_after}Content-Length: {}\r\nConnection: {}\r\n\r\n{body}",
            body.len(),
            if close { "close" } else { "keep-alive" }
        );
        if writer.write_all(response.as_bytes()).is_err() || writer.flush().is_err() {
            return;
        }
        if close {
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
    }
}

fn read_chunked(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size_line = String::new();
        if reader.read_line(&mut size_line).ok()? == 0 {
            return None;
        }
        let size_str = size_line
            .trim()
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let size = usize::from_str_radix(&size_str, 16).ok()?;
        if size == 0 {
            // Trailers until an empty line.
            loop {
                let mut t = String::new();
                if reader.read_line(&mut t).ok()? == 0 || t.trim().is_empty() {
                    return Some(body);
                }
            }
        }
        let mut chunk = vec![0u8; size];
        reader.read_exact(&mut chunk).ok()?;
        body.extend_from_slice(&chunk);
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf).ok()?;
    }
}

fn parse_request(
    method: &str,
    path: &str,
    target: &str,
    body: &[u8],
) -> Result<Vec<Payload>, String> {
    match (method, path) {
        ("POST", "/com.snowplowanalytics.snowplow/tp2") => {
            let v: Value =
                serde_json::from_slice(body).map_err(|e| format!("POST body is not JSON: {e}"))?;
            let obj = v.as_object().ok_or("POST body is not an object")?;
            let keys: Vec<&String> = obj.keys().collect();
            if keys.len() != 2 || !obj.contains_key("schema") || !obj.contains_key("data") {
                return Err(format!(
                    "POST body must have exactly schema and data, got {keys:?}"
                ));
            }
            if obj["schema"] != PAYLOAD_DATA_SCHEMA {
                return Err(format!("POST body schema is {}", obj["schema"]));
            }
            let data = obj["data"].as_array().ok_or("POST data is not an array")?;
            if data.is_empty() {
                return Err("POST data is empty (payload_data has minItems 1)".into());
            }
            data.iter()
                .map(|e| {
                    let m = e
                        .as_object()
                        .ok_or_else(|| format!("event is not an object: {e}"))?;
                    if let Some((k, v)) = m.iter().find(|(_, v)| !v.is_string()) {
                        return Err(format!("field {k} is not a string: {v}"));
                    }
                    Ok(m.clone())
                })
                .collect()
        }
        ("GET", "/i") => {
            let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
            let mut m = Map::new();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let k = percent_decode(k).ok_or_else(|| format!("bad percent-encoding in {k}"))?;
                let v = percent_decode(v).ok_or_else(|| format!("bad percent-encoding in {v}"))?;
                if m.insert(k.clone(), Value::String(v)).is_some() {
                    return Err(format!("query parameter {k} repeated"));
                }
            }
            Ok(vec![m])
        }
        _ => Err(format!("unexpected request {method} {path}")),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

// ---------------------------------------------------------------------------
// Checks and decoding of received events
// ---------------------------------------------------------------------------

/// `^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$`
pub fn is_lower_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

fn is_epoch_ms(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.bytes().all(|b| b.is_ascii_digit())
        && s.parse::<i64>().is_ok()
}

/// ISO-8601 UTC with 3 fractional digits and `Z`, computed independently of the core.
pub fn iso(ms: i64) -> String {
    fn leap(y: i64) -> bool {
        (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
    }
    assert!(ms >= 0, "test helper only handles times after 1970");
    let mut days = ms / 86_400_000;
    let rem = ms % 86_400_000;
    let mut year = 1970;
    loop {
        let len = if leap(year) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        year += 1;
    }
    let months = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut month = 0;
    while days >= months[month] {
        days -= months[month];
        month += 1;
    }
    format!(
        "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        month + 1,
        days + 1,
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// Decodes `cx` (URL-safe base64, no padding) or `co`/`ue_pr` (plain JSON).
fn decode_json_field(p: &Payload, enc: &str, plain: &str) -> Option<Value> {
    if let Some(v) = p.get(enc) {
        let s = v.as_str().expect("string field");
        assert!(
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{enc} must be URL-safe base64 without padding (no '+', '/', '='): {s}"
        );
        // Strict decoding: the URL-safe, no-padding alphabet only.
        let strict = base64_simd::URL_SAFE_NO_PAD
            .decode_to_vec(s)
            .unwrap_or_else(|e| panic!("{enc} is not strict URL-safe unpadded base64: {e}"));
        let lenient = decode_base64(s).expect("decode_base64");
        assert_eq!(strict, lenient);
        assert!(!p.contains_key(plain), "both {enc} and {plain} present");
        return Some(
            serde_json::from_slice(&strict).unwrap_or_else(|e| panic!("{enc} is not JSON: {e}")),
        );
    }
    p.get(plain).map(|v| {
        serde_json::from_str(v.as_str().expect("string field"))
            .unwrap_or_else(|e| panic!("{plain} is not JSON: {e}"))
    })
}

/// A received event, decoded.
#[derive(Debug, Clone)]
pub struct Sent {
    pub raw: Payload,
    /// The `client_session` entity's data, if attached.
    pub session: Option<Map<String, Value>>,
    /// All entities (`{schema, data}`), in order.
    pub entities: Vec<Value>,
    /// Schema and data of the self-describing event, if `e=ue`.
    pub event_schema: Option<String>,
    pub event_data: Option<Value>,
}

impl Sent {
    pub fn field(&self, k: &str) -> &str {
        self.raw
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no field {k} in {:?}", self.raw))
    }
    pub fn eid(&self) -> &str {
        self.field("eid")
    }
    pub fn dtm(&self) -> i64 {
        self.field("dtm").parse().unwrap()
    }
    pub fn stm(&self) -> i64 {
        self.field("stm").parse().unwrap()
    }
    fn cs(&self) -> &Map<String, Value> {
        self.session
            .as_ref()
            .unwrap_or_else(|| panic!("no client_session entity on {:?}", self.raw))
    }
    pub fn cs_value(&self, k: &str) -> &Value {
        self.cs()
            .get(k)
            .unwrap_or_else(|| panic!("client_session has no {k}: {:?}", self.cs()))
    }
    pub fn sid(&self) -> &str {
        self.cs_value("sessionId").as_str().unwrap()
    }
    pub fn session_index(&self) -> u64 {
        self.cs_value("sessionIndex").as_u64().unwrap()
    }
    pub fn event_index(&self) -> u64 {
        self.cs_value("eventIndex").as_u64().unwrap()
    }
    /// `previousSessionId`; `None` for JSON null (the key must be present,
    /// `docs/sessions.md` §7.2).
    pub fn prev(&self) -> Option<&str> {
        self.cs_value("previousSessionId").as_str()
    }
    pub fn user_id(&self) -> &str {
        self.cs_value("userId").as_str().unwrap()
    }
    pub fn first_event_id(&self) -> &str {
        self.cs_value("firstEventId").as_str().unwrap()
    }
    pub fn first_event_timestamp(&self) -> &str {
        self.cs_value("firstEventTimestamp").as_str().unwrap()
    }
    pub fn is_background(&self) -> bool {
        self.event_schema.as_deref() == Some(BACKGROUND_SCHEMA)
    }
    pub fn is_foreground(&self) -> bool {
        self.event_schema.as_deref() == Some(FOREGROUND_SCHEMA)
    }
    pub fn is_lifecycle(&self) -> bool {
        self.is_background() || self.is_foreground()
    }
    /// `backgroundIndex` of a Background event.
    pub fn background_index(&self) -> u64 {
        assert!(
            self.is_background(),
            "not a Background event: {:?}",
            self.event_schema
        );
        self.event_data.as_ref().unwrap()["backgroundIndex"]
            .as_u64()
            .unwrap()
    }
    /// `foregroundIndex` of a Foreground event.
    pub fn foreground_index(&self) -> u64 {
        assert!(
            self.is_foreground(),
            "not a Foreground event: {:?}",
            self.event_schema
        );
        self.event_data.as_ref().unwrap()["foregroundIndex"]
            .as_u64()
            .unwrap()
    }
    /// Name of a screen view.
    pub fn screen_name(&self) -> &str {
        assert_eq!(self.event_schema.as_deref(), Some(SCREEN_VIEW_SCHEMA));
        self.event_data.as_ref().unwrap()["name"].as_str().unwrap()
    }
    /// A short label: the screen name, `se:<action>`, `BG` or `FG`.
    pub fn label(&self) -> String {
        if self.is_background() {
            "BG".into()
        } else if self.is_foreground() {
            "FG".into()
        } else if self.event_schema.as_deref() == Some(SCREEN_VIEW_SCHEMA) {
            self.screen_name().to_string()
        } else if self.field("e") == "se" {
            format!("se:{}", self.field("se_ac"))
        } else {
            format!("ue:{}", self.event_schema.clone().unwrap_or_default())
        }
    }
}

/// Checks one received event against payload_data 1-0-4, `docs/sessions.md`
/// §D8 and the client_session 1-0-2 schema (§1.2, §1.3), and decodes it.
pub fn check_and_decode(p: &Payload) -> Sent {
    for k in ["e", "eid", "dtm", "stm", "tv", "p", "tna"] {
        assert!(
            p.get(k)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty()),
            "missing {k} in {p:?}"
        );
    }
    for (k, v) in p {
        assert!(
            PAYLOAD_DATA_KEYS.contains(&k.as_str()),
            "key {k} not allowed by payload_data 1-0-4"
        );
        assert!(v.is_string(), "field {k} must be a string, got {v}");
    }
    let eid = p["eid"].as_str().unwrap();
    assert!(is_lower_uuid(eid), "eid must be a lower-case UUID: {eid}");
    assert!(
        is_epoch_ms(p["dtm"].as_str().unwrap()),
        "dtm must be epoch ms: {}",
        p["dtm"]
    );
    assert!(
        is_epoch_ms(p["stm"].as_str().unwrap()),
        "stm must be epoch ms: {}",
        p["stm"]
    );
    assert!(
        matches!(p["e"].as_str().unwrap(), "ue" | "se"),
        "unexpected e={}",
        p["e"]
    );

    let mut entities = Vec::new();
    let mut session = None;
    if let Some(co) = decode_json_field(p, "cx", "co") {
        let obj = co.as_object().expect("contexts wrapper is an object");
        assert_eq!(
            obj.len(),
            2,
            "contexts wrapper has only schema and data: {co}"
        );
        assert_eq!(
            obj["schema"], CONTEXTS_SCHEMA,
            "contexts wrapper must be 1-0-1"
        );
        assert_eq!(
            CONTEXTS_SCHEMA,
            "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
        );
        for ent in obj["data"].as_array().expect("contexts data is an array") {
            let e = ent.as_object().expect("entity is an object");
            assert_eq!(e.len(), 2, "entity has only schema and data: {ent}");
            if e["schema"] == CLIENT_SESSION_SCHEMA {
                assert!(session.is_none(), "two client_session entities");
                session = Some(
                    e["data"]
                        .as_object()
                        .expect("client_session data is an object")
                        .clone(),
                );
            }
            entities.push(ent.clone());
        }
    }
    if let Some(cs) = &session {
        check_client_session(cs);
    }

    let (mut event_schema, mut event_data) = (None, None);
    if p["e"] == "ue" {
        let ue = decode_json_field(p, "ue_px", "ue_pr").expect("e=ue needs ue_px or ue_pr");
        let obj = ue.as_object().unwrap();
        assert_eq!(obj.len(), 2);
        assert_eq!(obj["schema"], UNSTRUCT_EVENT_SCHEMA);
        let inner = obj["data"].as_object().expect("unstruct data is an object");
        event_schema = Some(inner["schema"].as_str().unwrap().to_string());
        event_data = Some(inner["data"].clone());
        if let Some(d) = event_data.as_ref().and_then(Value::as_object) {
            let s = event_schema.as_deref().unwrap();
            if s == BACKGROUND_SCHEMA {
                assert_eq!(
                    d.keys().collect::<Vec<_>>(),
                    vec!["backgroundIndex"],
                    "application_background 1-0-0"
                );
            } else if s == FOREGROUND_SCHEMA {
                assert_eq!(
                    d.keys().collect::<Vec<_>>(),
                    vec!["foregroundIndex"],
                    "application_foreground 1-0-0"
                );
            }
        }
    } else {
        assert!(!p.contains_key("ue_px") && !p.contains_key("ue_pr"));
    }
    Sent {
        raw: p.clone(),
        session,
        entities,
        event_schema,
        event_data,
    }
}

/// client_session 1-0-2: allowed keys, required keys, types, lower-case UUIDs.
pub fn check_client_session(cs: &Map<String, Value>) {
    for k in cs.keys() {
        assert!(
            CLIENT_SESSION_KEYS.contains(&k.as_str()),
            "client_session 1-0-2 forbids {k}"
        );
    }
    for k in ["userId", "sessionId", "sessionIndex", "storageMechanism"] {
        assert!(cs.contains_key(k), "client_session requires {k}: {cs:?}");
    }
    let user = cs["userId"].as_str().expect("userId string");
    assert!(
        is_lower_uuid(user),
        "userId must be a lower-case UUID: {user}"
    );
    assert!(is_lower_uuid(
        cs["sessionId"].as_str().expect("sessionId string")
    ));
    let idx = cs["sessionIndex"].as_u64().expect("sessionIndex integer");
    assert!((1..=2_147_483_647).contains(&idx));
    assert_eq!(cs["storageMechanism"], "SQLITE", "docs/sessions.md §D6");
    if let Some(v) = cs.get("previousSessionId") {
        assert!(
            v.is_null() || v.as_str().is_some_and(is_lower_uuid),
            "previousSessionId: {v}"
        );
    }
    if let Some(v) = cs.get("firstEventId") {
        assert!(
            v.is_null() || v.as_str().is_some_and(is_lower_uuid),
            "firstEventId: {v}"
        );
    }
    if let Some(v) = cs.get("firstEventTimestamp") {
        let s = v.as_str().expect("firstEventTimestamp string");
        assert_eq!(s.len(), 24, "YYYY-MM-DDTHH:MM:SS.mmmZ: {s}");
        assert!(s.ends_with('Z') && s.as_bytes()[19] == b'.', "{s}");
    }
    if let Some(v) = cs.get("eventIndex") {
        assert!(
            v.as_u64().is_some_and(|i| (1..=2_147_483_647).contains(&i)),
            "eventIndex: {v}"
        );
    }
}

// ---------------------------------------------------------------------------
// Trackers
// ---------------------------------------------------------------------------

/// A fresh directory under the system temp dir.
pub fn unique_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("tracker-core-contract-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Merges `extra` into `base` object by object.
pub fn merge(base: &mut Value, extra: &Value) {
    match (base, extra) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in e {
                match b.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, e) => *b = e.clone(),
    }
}

/// Collects `onSessionUpdate` snapshots.
#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<ClientSession>>);

impl SessionObserver for Recorder {
    fn on_session_update(&self, session: ClientSession) {
        self.0.lock().unwrap().push(session);
    }
}

/// Waits for a reply, panicking with the error.
pub fn wait<T: Send + 'static>(f: impl FnOnce(Responder<T>)) -> T {
    try_wait(f).unwrap_or_else(|e| panic!("call failed: {e}"))
}

pub fn try_wait<T: Send + 'static>(f: impl FnOnce(Responder<T>)) -> Result<T, TrackerError> {
    let (done, reply) = Responder::pair();
    f(done);
    reply.wait()
}

/// One tracker under test, its clock, its collector and its storage.
pub struct Harness {
    pub clock: ManualClock,
    pub collector: Collector,
    pub dir: PathBuf,
    pub namespace: String,
    /// The configuration JSON the current tracker was started with.
    pub config: Value,
    pub recorder: Arc<Recorder>,
    tracker: Option<Tracker>,
    /// The platform's facts given to the tracker (none by default).
    pub platform: PlatformDefaults,
}

impl Harness {
    /// A tracker in the foreground with `extra` merged into the base configuration.
    pub fn start(extra: Value) -> Harness {
        Self::start_with(extra, false)
    }

    /// A tracker whose app is (or is not) in the background at start.
    pub fn start_with(extra: Value, in_background: bool) -> Harness {
        let collector = Collector::start();
        let dir = unique_dir();
        let mut h = Harness {
            clock: ManualClock::new(T0),
            collector,
            dir,
            namespace: "ns".into(),
            config: Value::Null,
            recorder: Arc::new(Recorder::default()),
            tracker: None,
            platform: PlatformDefaults::default(),
        };
        h.launch(extra, in_background);
        h
    }

    fn config_for(&self, extra: &Value) -> Value {
        let mut c = json!({
            "networkConfig": {"endpoint": self.collector.endpoint()},
            // The install event would be the first event of every harness, and
            // screen views would be preceded by screen_end events:
            // the session and delivery tests count the app's own events, and
            // tests/enrichment.rs turns it back on where it is the subject.
            "trackerConfig": {"appId": "contract-tests", "installAutotracking": false, "screenEngagementAutotracking": false},
            "storage": {"directory": self.dir.to_string_lossy()},
        });
        merge(&mut c, extra);
        c
    }

    /// Starts a tracker on this harness's storage (after [`Harness::stop`]).
    pub fn launch(&mut self, extra: Value, in_background: bool) {
        assert!(self.tracker.is_none(), "stop the running tracker first");
        self.config = self.config_for(&extra);
        let config =
            Config::from_json(&self.config.to_string(), &self.platform).expect("valid config");
        let (ready, r) = Responder::pair();
        let observer: Arc<dyn SessionObserver> = self.recorder.clone();
        let t = Tracker::start(
            &self.namespace,
            config,
            TrackerOptions {
                clock: Arc::new(self.clock.clone()),
                observer: Some(observer),
                in_background,
                predecessor: None,
            },
            ready,
        )
        .expect("tracker starts");
        r.wait().expect("tracker ready");
        self.tracker = Some(t);
    }

    /// Stops the tracker and waits until it has committed and closed.
    pub fn stop(&mut self) {
        if let Some(t) = self.tracker.take() {
            wait(|d| t.stop(d));
        }
    }

    /// Stops the tracker and starts a new one on the same storage (an app restart).
    pub fn restart(&mut self, extra: Value, in_background: bool) {
        self.stop();
        self.launch(extra, in_background);
    }

    pub fn t(&self) -> &Tracker {
        self.tracker.as_ref().expect("tracker running")
    }

    // -- time -------------------------------------------------------------

    /// Sets the clock to `T0 + ms`.
    pub fn at_ms(&self, ms: i64) {
        self.clock.set_ms(T0 + ms);
    }
    /// Sets the clock to `T0 + s` seconds (kept to the millisecond).
    pub fn at_s(&self, s: f64) {
        self.at_ms((s * 1000.0).round() as i64);
    }
    pub fn advance_ms(&self, ms: i64) {
        self.clock.advance_ms(ms);
    }
    pub fn now(&self) -> i64 {
        use tracker_core::Clock;
        self.clock.now_ms()
    }

    // -- calls ------------------------------------------------------------

    /// Calls a tracker method by name, as `callTracker` does, and waits for
    /// its value and the log lines of its reply.
    pub fn call(&self, method: &str, args: Value) -> Result<(Value, Vec<String>), TrackerError> {
        let m = tracker_core::Method::from_name(method)?;
        let (done, reply) = tracker_core::Responder::pair();
        m.invoke(self.t(), &args.to_string(), done);
        reply.wait().map(|(v, o)| (v, o.log))
    }

    /// Tracks a screen view named `name`.
    pub fn screen(&self, name: &str) {
        let args = json!({"event": {"name": name}}).to_string();
        wait(|d| self.t().track_json(EventType::ScreenView, &args, d));
    }
    /// Tracks a structured event with action `action`.
    pub fn structured(&self, action: &str) {
        let args = json!({"event": {"category": "test", "action": action}}).to_string();
        wait(|d| self.t().track_json(EventType::Structured, &args, d));
    }
    pub fn background(&self) {
        wait(|d| self.t().set_in_background(true, d));
    }
    pub fn foreground(&self) {
        wait(|d| self.t().set_in_background(false, d));
    }
    pub fn start_new_session(&self) {
        wait(|d| self.t().start_new_session(d));
    }
    pub fn pause(&self) {
        wait(|d| self.t().set_session_checking_paused(true, d));
    }
    pub fn resume(&self) {
        wait(|d| self.t().set_session_checking_paused(false, d));
    }
    pub fn anonymise(&self, on: bool) {
        wait(|d| self.t().set_user_anonymisation(on, d));
    }
    pub fn info(&self) -> SessionInfo {
        wait(|d| self.t().session_info(d))
    }

    /// What `getDeliveryStats()` reports.
    pub fn stats(&self) -> tracker_core::store::DeliveryStats {
        wait(|d| self.t().delivery_stats(d))
    }

    /// Sends everything stored; `Ok` once the queue is empty.
    pub fn try_flush(&self) -> Result<(), TrackerError> {
        try_wait(|d| self.t().flush(d))
    }

    /// Flushes (which must succeed) and returns every event the collector has
    /// received so far, in order, each checked against the wire format.
    pub fn flush(&self) -> Vec<Sent> {
        self.try_flush().expect("flush succeeds");
        self.sent()
    }

    /// Every event received so far, checked and decoded.
    pub fn sent(&self) -> Vec<Sent> {
        let errors = self.collector.errors();
        assert!(
            errors.is_empty(),
            "collector saw protocol errors: {errors:?}"
        );
        self.collector
            .events()
            .iter()
            .map(check_and_decode)
            .collect()
    }

    /// `onSessionUpdate` snapshots so far. A getter round trip first makes
    /// sure the writer has finished the batches of every earlier call.
    pub fn observed(&self) -> Vec<ClientSession> {
        let _ = self.info();
        self.recorder.0.lock().unwrap().clone()
    }

    // -- storage ----------------------------------------------------------

    pub fn db_path(&self) -> PathBuf {
        tracker_core::store::database_path(&self.dir, &self.namespace)
    }

    fn open_db(&self) -> rusqlite::Connection {
        open_db(&self.db_path())
    }

    /// Payloads queued in the `events` table, in queue order, as they are
    /// sent (entities kept apart put back), read by a connection of its own.
    pub fn db_events(&self) -> Vec<Payload> {
        let mut store = tracker_core::store::Store::open_existing(&self.db_path()).unwrap();
        store
            .read_batch(u32::MAX, &Default::default())
            .unwrap()
            .into_iter()
            .map(|e| serde_json::from_str(&e.payload).unwrap())
            .collect()
    }

    /// The stored session (`meta` key `session`).
    pub fn db_session(&self) -> Option<Value> {
        let conn = self.open_db();
        let v: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'session'", [], |r| {
                r.get(0)
            })
            .map(Some)
            .or_else(|e| {
                if e == rusqlite::Error::QueryReturnedNoRows {
                    Ok(None)
                } else {
                    Err(e)
                }
            })
            .unwrap();
        v.map(|s| serde_json::from_str(&s).unwrap())
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(t) = self.tracker.take() {
            let (d, r) = Responder::pair();
            t.stop(d);
            let _ = r.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn open_db(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("open sqlite");
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

/// The `client_session` entity decoded from a stored (not yet sent) payload.
pub fn stored_session_entity(p: &Payload) -> Option<Map<String, Value>> {
    let co = decode_json_field(p, "cx", "co")?;
    co["data"]
        .as_array()?
        .iter()
        .find(|e| e["schema"] == CLIENT_SESSION_SCHEMA)
        .and_then(|e| e["data"].as_object().cloned())
}
