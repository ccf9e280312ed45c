//! The addon's host facts: the locale and time zone notations read right.
//! `src/facts.rs` is pure std plus tracker-core, so it is compiled here on its
//! own: the addon itself cannot be linked into a test binary (its Node-API
//! symbols come from the Node process that loads it).

#[allow(dead_code)]
#[path = "../src/facts.rs"]
mod facts;

use facts::{language, locale_to_bcp47, timezone};
use std::collections::HashMap;
use std::path::Path;

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| map.get(k).cloned()
}

#[test]
fn locale_names_become_bcp47_tags() {
    assert_eq!(locale_to_bcp47("en_GB.UTF-8").as_deref(), Some("en-GB"));
    assert_eq!(locale_to_bcp47("de_DE").as_deref(), Some("de-DE"));
    assert_eq!(locale_to_bcp47("fr").as_deref(), Some("fr"));
    assert_eq!(locale_to_bcp47("sr_RS@latin").as_deref(), Some("sr-RS"));
    assert_eq!(locale_to_bcp47("es_419.UTF-8").as_deref(), Some("es-419"));
    assert_eq!(locale_to_bcp47("ast_ES.utf8").as_deref(), Some("ast-ES"));
    assert_eq!(locale_to_bcp47("pt_br").as_deref(), Some("pt-BR"));
    for none in ["C", "C.UTF-8", "POSIX", "", "english", "en_GBR", "en-GB/../x", "e1_GB"] {
        assert_eq!(locale_to_bcp47(none), None, "{none:?}");
    }
}

#[test]
fn the_locale_variables_in_posix_precedence() {
    let all = [("LC_ALL", "fr_FR.UTF-8"), ("LC_MESSAGES", "de_DE.UTF-8"), ("LANG", "en_GB.UTF-8")];
    assert_eq!(language(env(&all)).as_deref(), Some("fr-FR"));
    assert_eq!(language(env(&all[1..])).as_deref(), Some("de-DE"));
    assert_eq!(language(env(&all[2..])).as_deref(), Some("en-GB"));
    // Set but empty is as unset.
    assert_eq!(language(env(&[("LC_ALL", ""), ("LANG", "en_GB.UTF-8")])).as_deref(), Some("en-GB"));
    // The C locale names no language, and is not skipped for LANG.
    assert_eq!(language(env(&[("LC_ALL", "C"), ("LANG", "en_GB.UTF-8")])), None);
    assert_eq!(language(env(&[("LANG", "C.UTF-8")])), None);
    assert_eq!(language(env(&[])), None);
}

#[test]
fn the_time_zone_from_tz_or_etc_localtime() {
    let link = Path::new("/usr/share/zoneinfo/Europe/London");
    assert_eq!(timezone(Some("America/New_York"), Some(link)).as_deref(), Some("America/New_York"));
    assert_eq!(timezone(Some(":Asia/Tokyo"), None).as_deref(), Some("Asia/Tokyo"));
    assert_eq!(timezone(Some("UTC"), None).as_deref(), Some("UTC"));
    assert_eq!(timezone(Some("Etc/GMT+3"), None).as_deref(), Some("Etc/GMT+3"));
    assert_eq!(
        timezone(Some("America/Argentina/Buenos_Aires"), None).as_deref(),
        Some("America/Argentina/Buenos_Aires")
    );
    assert_eq!(timezone(Some(":/usr/share/zoneinfo/Europe/Paris"), None).as_deref(), Some("Europe/Paris"));
    // A POSIX rule or a path outside zoneinfo names no zone; /etc/localtime is not what the process uses then.
    assert_eq!(timezone(Some("CET-1CEST,M3.5.0,M10.5.0/3"), Some(link)), None);
    assert_eq!(timezone(Some("<+03>-3"), Some(link)), None);
    assert_eq!(timezone(Some("/etc/mytz"), Some(link)), None);
    assert_eq!(timezone(Some("../Europe/London"), Some(link)), None);
    // Unset or empty: the link's target.
    assert_eq!(timezone(None, Some(link)).as_deref(), Some("Europe/London"));
    assert_eq!(timezone(Some(""), Some(link)).as_deref(), Some("Europe/London"));
    assert_eq!(timezone(None, Some(Path::new("../usr/share/zoneinfo/Asia/Kolkata"))).as_deref(), Some("Asia/Kolkata"));
    assert_eq!(timezone(None, Some(Path::new("/var/db/timezone/zoneinfo/Europe/Berlin"))).as_deref(), Some("Europe/Berlin"));
    assert_eq!(timezone(None, Some(Path::new("/usr/share/zoneinfo/posix/Europe/Rome"))).as_deref(), Some("Europe/Rome"));
    assert_eq!(timezone(None, Some(Path::new("/etc/timezone-file"))), None);
    assert_eq!(timezone(None, None), None);
}
