//! What the host tells a Node process about itself, read with Rust's std
//! only when a tracker is created: the OS and its release, the user's
//! language and time zone. Node has no device or app in the mobile sense, so
//! no manufacturer, model, version or build is reported, and the core builds
//! neither the platform nor the application entity from these; `tz` and
//! `lang` come from them. Nothing is decided here beyond reading the
//! host's own notation.
//!
//! The parsers are pure functions of their inputs, so that
//! `tests/facts.rs` can test them without a Node process.

use std::path::Path;
use tracker_core::config::DeviceFacts;

/// This host's facts, now.
pub fn host() -> DeviceFacts {
    let env = |key: &str| std::env::var(key).ok();
    DeviceFacts {
        os_type: Some(std::env::consts::OS.to_string()),
        os_version: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && s.len() <= 255),
        language: language(env),
        timezone: timezone(env("TZ").as_deref(), std::fs::read_link("/etc/localtime").ok().as_deref()),
        ..Default::default()
    }
}

/// The user's language as a BCP 47 tag, from the locale variables in POSIX
/// order of precedence: the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is
/// set and not empty is the locale (`en_GB.UTF-8` -> `en-GB`). The C and
/// POSIX locales name no language, nor does a value that is not a locale
/// name.
pub fn language(env: impl Fn(&str) -> Option<String>) -> Option<String> {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().filter_map(|k| env(k)).find(|v| !v.is_empty())?;
    locale_to_bcp47(&locale)
}

/// `language[_territory][.codeset][@modifier]` as a BCP 47 tag: the language
/// in lower case, the territory (two letters or three digits) in upper case;
/// the codeset and modifier are dropped.
pub fn locale_to_bcp47(locale: &str) -> Option<String> {
    let name = locale.split(['.', '@']).next().unwrap_or_default();
    let (lang, territory) = match name.split_once('_') {
        Some((l, t)) => (l, Some(t)),
        None => (name, None),
    };
    if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_alphabetic()) {
        // Also C and POSIX (one letter or five).
        return None;
    }
    let mut tag = lang.to_ascii_lowercase();
    match territory {
        None => {}
        Some(t)
            if (t.len() == 2 && t.bytes().all(|b| b.is_ascii_alphabetic()))
                || (t.len() == 3 && t.bytes().all(|b| b.is_ascii_digit())) =>
        {
            tag.push('-');
            tag.push_str(&t.to_ascii_uppercase());
        }
        Some(_) => return None,
    }
    Some(tag)
}

/// The IANA time zone: `TZ` when it names one (`Europe/London`, or
/// `:Europe/London`, or a path into a zoneinfo directory); when `TZ` is set
/// to something else (a POSIX rule such as `CET-1CEST,M3.5.0,M10.5.0/3`),
/// no name, as the process keeps that rule; when it is unset or empty, the
/// zone `/etc/localtime` links to (`/usr/share/zoneinfo/Europe/London`).
pub fn timezone(tz: Option<&str>, localtime_target: Option<&Path>) -> Option<String> {
    match tz.map(|t| t.strip_prefix(':').unwrap_or(t)).filter(|t| !t.is_empty()) {
        Some(t) => match after_zoneinfo(t) {
            Some(zone) => iana_name(zone),
            None if t.starts_with('/') || t.starts_with('.') => None,
            None => iana_name(t),
        },
        None => iana_name(after_zoneinfo(localtime_target?.to_str()?)?),
    }
}

/// What follows the last `zoneinfo/` of a path, without the `posix/` or
/// `right/` variant directories.
fn after_zoneinfo(path: &str) -> Option<&str> {
    let (_, zone) = path.rsplit_once("zoneinfo/")?;
    Some(zone.strip_prefix("posix/").or_else(|| zone.strip_prefix("right/")).unwrap_or(zone))
}

/// `name` when it looks like an IANA time zone name: parts separated by
/// `/`, each starting with a letter and made of letters, digits, `_`, `-`
/// and `+` (`America/Argentina/Buenos_Aires`, `Etc/GMT+3`, `UTC`).
fn iana_name(name: &str) -> Option<String> {
    let looks_right = name.len() <= 64
        && name.split('/').all(|part| {
            part.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
        });
    looks_right.then(|| name.to_string())
}
