//! The loopback Snowplow collector every benchmark runner sends to.
//!
//! It answers every event request `200` with an empty body and counts events
//! by their `eid`, so that a run can tell how many events arrived, how many
//! arrived twice, in how many requests and in how many bytes on the wire —
//! without being the bottleneck (it keeps up with several hundred thousand
//! events per second on one core: one thread per keep-alive connection, and
//! each `eid` found by scanning the body, not by building a JSON tree).
//!
//! ```text
//! collector [--port P] [--exit-on-stdin-close]
//! ```
//!
//! Prints exactly `listening <port>` as its first line on stdout (`--port 0`,
//! the default, picks a free port), then serves HTTP/1.1 on 127.0.0.1 until it
//! is killed — or, with `--exit-on-stdin-close`, until its stdin reaches end
//! of file, so that a crashed orchestrator that held the other end of a pipe
//! leaves nothing running. Without the flag stdin is ignored (a collector
//! started with stdin closed or `/dev/null` would otherwise exit at once).
//!
//! Routes:
//! - `POST /com.snowplowanalytics.snowplow/tp2` with a `payload_data` body
//!   (`{"schema": ..., "data": [{"eid": ...}, ...]}`), and `GET /i?...eid=...`
//!   (one event in the query): `200`, empty body.
//! - `GET /stats`: `{"events","unique","duplicates","requests","posts","gets",
//!   "bytes","bad"}` — `bytes` counts every byte of the event requests
//!   (request line, headers and body); `bad` the requests it could not parse
//!   (no `eid` found, a malformed request, an unknown path).
//! - `POST /reset`: zeroes the counters.

use serde_json::json;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

const POST_PATH: &str = "/com.snowplowanalytics.snowplow/tp2";
const OK_EMPTY: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

/// Counters shared by every connection.
#[derive(Default)]
struct Counters {
    events: u64,
    requests: u64,
    posts: u64,
    gets: u64,
    bytes: u64,
    bad: u64,
    /// Event ids seen; a v4 UUID is kept as its 128 bits.
    seen: HashSet<u128>,
}

impl Counters {
    fn stats(&self) -> serde_json::Value {
        let unique = self.seen.len() as u64;
        json!({
            "events": self.events, "unique": unique, "duplicates": self.events - unique,
            "requests": self.requests, "posts": self.posts, "gets": self.gets,
            "bytes": self.bytes, "bad": self.bad,
        })
    }
}

type Shared = Arc<Mutex<Counters>>;

fn main() {
    let mut port = 0u16;
    let mut exit_on_stdin_close = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage("--port needs a number"))
            }
            "--exit-on-stdin-close" => exit_on_stdin_close = true,
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap_or_else(|e| {
        eprintln!("collector: cannot listen on 127.0.0.1:{port}: {e}");
        std::process::exit(1)
    });
    let port = listener.local_addr().expect("bound address").port();
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening {port}");
        let _ = out.flush();
    }
    if exit_on_stdin_close {
        std::thread::spawn(|| {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin().lock();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            std::process::exit(0);
        });
    }
    let counters: Shared = Arc::default();
    for stream in listener.incoming().flatten() {
        let counters = Arc::clone(&counters);
        std::thread::spawn(move || {
            let _ = serve(stream, &counters);
        });
    }
}

fn usage(problem: &str) -> ! {
    eprintln!("collector: {problem}\nusage: collector [--port P] [--exit-on-stdin-close]");
    std::process::exit(2)
}

/// Serves one keep-alive connection until the client closes it.
fn serve(stream: TcpStream, counters: &Shared) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::with_capacity(64 * 1024, stream);
    let mut line = String::new();
    let mut body = Vec::new();
    loop {
        // Request line.
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut wire = line.len() as u64;
        let request_line = line.trim_end().to_string();
        let mut parts = request_line.split(' ');
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        // Headers.
        let mut content_length = 0usize;
        let mut chunked = false;
        let mut close = false;
        loop {
            line.clear();
            if input.read_line(&mut line)? == 0 {
                return Ok(());
            }
            wire += line.len() as u64;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.parse().unwrap_or(0);
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.eq_ignore_ascii_case("chunked");
                } else if name.eq_ignore_ascii_case("connection") {
                    close = value.eq_ignore_ascii_case("close");
                } else if name.eq_ignore_ascii_case("expect")
                    && value.eq_ignore_ascii_case("100-continue")
                {
                    out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
                }
            }
        }
        // Body.
        body.clear();
        if chunked {
            wire += read_chunked(&mut input, &mut body)?;
        } else {
            body.resize(content_length, 0);
            input.read_exact(&mut body)?;
            wire += content_length as u64;
        }

        let path = target.split('?').next().unwrap_or("");
        let answer: Vec<u8> = match (method, path) {
            ("POST", POST_PATH) => {
                let mut ids = Vec::with_capacity(64);
                each_eid(&body, b"\"eid\"", |id| ids.push(id));
                record(counters, wire, &ids, true);
                OK_EMPTY.to_vec()
            }
            ("GET", "/i") => {
                let query = target.split_once('?').map_or("", |(_, q)| q);
                let ids: Vec<u128> = query
                    .split('&')
                    .filter_map(|kv| kv.strip_prefix("eid="))
                    .map(|v| id_key(v.as_bytes()))
                    .collect();
                record(counters, wire, &ids, false);
                OK_EMPTY.to_vec()
            }
            ("GET", "/stats") => {
                let text = lock(counters).stats().to_string();
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
                    text.len()
                )
                .into_bytes()
            }
            ("POST", "/reset") => {
                *lock(counters) = Counters::default();
                OK_EMPTY.to_vec()
            }
            _ => {
                lock(counters).bad += 1;
                NOT_FOUND.to_vec()
            }
        };
        out.write_all(&answer)?;
        if close {
            return Ok(());
        }
    }
}

fn lock(counters: &Shared) -> std::sync::MutexGuard<'_, Counters> {
    counters.lock().unwrap_or_else(|p| p.into_inner())
}

/// Counts one event request and the events it carried.
fn record(counters: &Shared, wire: u64, ids: &[u128], post: bool) {
    let mut c = lock(counters);
    c.requests += 1;
    c.bytes += wire;
    if post {
        c.posts += 1;
    } else {
        c.gets += 1;
    }
    if ids.is_empty() {
        c.bad += 1;
    }
    c.events += ids.len() as u64;
    c.seen.extend(ids.iter().copied());
}

/// Reads a chunked body into `body`; returns the bytes read from the wire.
fn read_chunked(input: &mut impl BufRead, body: &mut Vec<u8>) -> std::io::Result<u64> {
    let mut wire = 0u64;
    let mut line = String::new();
    loop {
        line.clear();
        wire += input.read_line(&mut line)? as u64;
        let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
            .map_err(|_| std::io::Error::other("bad chunk size"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                line.clear();
                let n = input.read_line(&mut line)?;
                wire += n as u64;
                if n == 0 || line.trim().is_empty() {
                    return Ok(wire);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        input.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        input.read_exact(&mut crlf)?;
        wire += size as u64 + 2;
    }
}

/// Calls `f` with each string value of the key `key` (given quoted) in a
/// JSON text, without parsing the rest of it.
fn each_eid(json: &[u8], key: &[u8], mut f: impl FnMut(u128)) {
    let mut at = 0;
    while let Some(found) = find(&json[at..], key) {
        let mut i = at + found + key.len();
        while i < json.len() && matches!(json[i], b' ' | b'\t' | b'\n' | b'\r' | b':') {
            i += 1;
        }
        if i < json.len() && json[i] == b'"' {
            let start = i + 1;
            if let Some(len) = json[start..].iter().position(|&b| b == b'"') {
                f(id_key(&json[start..start + len]));
                at = start + len;
                continue;
            }
        }
        at = i;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut from = 0;
    while let Some(p) = haystack[from..].iter().position(|&b| b == first) {
        let p = from + p;
        if haystack[p..].starts_with(needle) {
            return Some(p);
        }
        from = p + 1;
    }
    None
}

/// The 128 bits of a UUID written with or without hyphens; anything else
/// (not expected from a tracker) is hashed into the same space.
fn id_key(id: &[u8]) -> u128 {
    let mut v: u128 = 0;
    let mut digits = 0;
    for &b in id {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            b'-' => continue,
            _ => return hashed(id),
        };
        v = (v << 4) | u128::from(d);
        digits += 1;
    }
    if digits == 32 {
        v
    } else {
        hashed(id)
    }
}

fn hashed(id: &[u8]) -> u128 {
    use std::hash::{Hash, Hasher};
    let mut a = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut a);
    let mut b = std::collections::hash_map::DefaultHasher::new();
    (id, 1u8).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_eid_in_a_payload() {
        let body = br#"{"schema":"s","data":[{"e":"se","eid":"6f1c1b2e-0a4b-4c1d-9e2f-3a4b5c6d7e8f"},{"eid" : "6F1C1B2E-0A4B-4C1D-9E2F-3A4B5C6D7E90"}]}"#;
        let mut ids = Vec::new();
        each_eid(body, b"\"eid\"", |id| ids.push(id));
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0], 0x6f1c1b2e0a4b4c1d9e2f3a4b5c6d7e8f);
        assert_eq!(ids[1], 0x6f1c1b2e0a4b4c1d9e2f3a4b5c6d7e90);
    }

    #[test]
    fn odd_ids_still_count_once() {
        assert_eq!(id_key(b"abc"), id_key(b"abc"));
        assert_ne!(id_key(b"abc"), id_key(b"abd"));
    }
}
