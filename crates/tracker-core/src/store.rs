//! The embedded SQLite database of one namespace (Decision 7).
//!
//! One file holds the installation user id, the session state and the event
//! queue, so that an event and the session update it caused commit in one
//! transaction: after a crash the stored session never disagrees with the
//! stored events. The writer thread owns the connection that inserts; the
//! emitter has its own connection to read and delete sent events (WAL lets
//! them run side by side).

use crate::error::{Result, TrackerError};
use crate::session::SessionState;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payload TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_events (
    id INTEGER PRIMARY KEY,
    payload BLOB,
    reason TEXT NOT NULL
);
";

/// The file of a namespace's database inside `dir`.
///
/// Namespaces made only of `[A-Za-z0-9_]` are used as they are; any other gets
/// its unsafe characters replaced and a hash of the original appended, so two
/// namespaces never share a file.
pub fn database_path(dir: &Path, namespace: &str) -> PathBuf {
    let safe = !namespace.is_empty() && namespace.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let name = if safe {
        namespace.to_string()
    } else {
        let cleaned: String =
            namespace.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' }).take(64).collect();
        format!("{cleaned}-{:016x}", fnv1a(namespace.as_bytes()))
    };
    dir.join(format!("rn-rust-tracker-{name}.sqlite"))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// What a tracker finds in its database when it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The installation user id (made and stored on first open).
    pub user_id: String,
    /// The last stored session, if it is readable.
    pub session: Option<SessionState>,
    /// Where a corrupt database file was moved, if one was found.
    pub quarantined: Option<PathBuf>,
}

/// A connection to one namespace's database.
pub struct Store {
    conn: Connection,
}

/// A queued event as read back for sending.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Row id (queue order).
    pub id: i64,
    /// The payload JSON object, without `stm`.
    pub payload: String,
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt))
}

fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)
        .map_err(|e| TrackerError::Storage(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit that resolved a track() Promise survives power loss too.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

impl Store {
    /// Opens (creating if needed) the database at `path` for the writer. A file
    /// that is not a readable SQLite database is moved aside to
    /// `<file>.corrupt-<ms>` and a fresh one is started, so tracking keeps working.
    pub fn open(path: &Path, now_ms: i64) -> Result<(Store, Option<PathBuf>)> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| TrackerError::Storage(format!("cannot create {}: {e}", dir.display())))?;
        }
        match open_connection(path) {
            Ok(conn) => Ok((Store { conn }, None)),
            Err(TrackerError::Storage(_)) if Self::probe_corrupt(path) => {
                let aside = PathBuf::from(format!("{}.corrupt-{now_ms}", path.display()));
                std::fs::rename(path, &aside)
                    .map_err(|e| TrackerError::Storage(format!("cannot move corrupt {}: {e}", path.display())))?;
                for suffix in ["-wal", "-shm"] {
                    let side = PathBuf::from(format!("{}{suffix}", path.display()));
                    if side.exists() {
                        let _ = std::fs::rename(&side, format!("{}{suffix}", aside.display()));
                    }
                }
                let conn = open_connection(path)?;
                Ok((Store { conn }, Some(aside)))
            }
            Err(e) => Err(e),
        }
    }

    fn probe_corrupt(path: &Path) -> bool {
        let Ok(conn) = Connection::open(path) else { return false };
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            Ok(_) => conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| is_corruption(&e)).err().unwrap_or(false),
            Err(e) => is_corruption(&e),
        }
    }

    /// Opens a second connection to an existing database (the emitter's).
    pub fn open_existing(path: &Path) -> Result<Store> {
        Ok(Store { conn: open_connection(path)? })
    }

    /// Reads the user id (creating it on first use) and the stored session.
    pub fn load(&mut self) -> Result<Loaded> {
        let tx = self.conn.transaction()?;
        let stored: Option<String> =
            tx.query_row("SELECT value FROM meta WHERE key = 'user_id'", [], |r| r.get(0)).optional()?;
        let user_id = match stored.filter(|u| crate::event::parse_uuid("userId", u).is_ok()) {
            Some(u) => u.to_ascii_lowercase(),
            None => {
                let u = uuid::Uuid::new_v4().to_string();
                tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('user_id', ?1)", params![u])?;
                u
            }
        };
        let session: Option<String> =
            tx.query_row("SELECT value FROM meta WHERE key = 'session'", [], |r| r.get(0)).optional()?;
        tx.commit()?;
        // An unreadable stored session is treated as none (the index restarts),
        // as the Android tracker does; the user id survives.
        let session = session.and_then(|s| serde_json::from_str::<SessionState>(&s).ok());
        Ok(Loaded { user_id, session, quarantined: None })
    }

    /// Commits queued events and the session state in one transaction.
    pub fn commit(&mut self, events: &[(String, i64)], session: Option<&SessionState>) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached("INSERT INTO events (payload, created_ms) VALUES (?1, ?2)")?;
            for (payload, created) in events {
                insert.execute(params![payload, created])?;
            }
        }
        if let Some(s) = session {
            let json = serde_json::to_string(s).map_err(|e| TrackerError::Storage(e.to_string()))?;
            tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('session', ?1)", params![json])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The oldest `limit` queued events, in queue order. Rows whose payload is
    /// not a JSON object (tampering, disk damage) are moved to `dead_events`
    /// so they never block the queue.
    pub fn read_batch(&mut self, limit: u32) -> Result<Vec<StoredEvent>> {
        let rows: Vec<(i64, rusqlite::types::Value)> = {
            let mut stmt = self.conn.prepare_cached("SELECT id, payload FROM events ORDER BY id LIMIT ?1")?;
            let mapped = stmt.query_map(params![limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
            mapped.collect::<rusqlite::Result<_>>()?
        };
        let mut good = Vec::with_capacity(rows.len());
        let mut dead = Vec::new();
        for (id, value) in rows {
            match value {
                rusqlite::types::Value::Text(t)
                    if serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&t).is_ok() =>
                {
                    good.push(StoredEvent { id, payload: t })
                }
                _ => dead.push(id),
            }
        }
        if !dead.is_empty() {
            let tx = self.conn.transaction()?;
            for id in &dead {
                tx.execute(
                    "INSERT OR REPLACE INTO dead_events (id, payload, reason) SELECT id, payload, 'unreadable payload' FROM events WHERE id = ?1",
                    params![id],
                )?;
                tx.execute("DELETE FROM events WHERE id = ?1", params![id])?;
            }
            tx.commit()?;
        }
        Ok(good)
    }

    /// Removes sent events.
    pub fn delete(&mut self, ids: &[i64]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached("DELETE FROM events WHERE id = ?1")?;
            for id in ids {
                stmt.execute(params![id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// How many events are queued.
    pub fn count(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How many unreadable rows were set aside.
    pub fn dead_count(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM dead_events", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> PathBuf {
        let d = std::env::temp_dir().join(format!("store-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn namespaces_never_share_a_file() {
        let d = Path::new("/x");
        assert_eq!(database_path(d, "app_1"), Path::new("/x/rn-rust-tracker-app_1.sqlite"));
        assert_ne!(database_path(d, "a.b"), database_path(d, "a-b"));
        assert_ne!(database_path(d, "a.b"), database_path(d, "a/b"));
        assert!(!database_path(d, "../../etc").to_string_lossy().contains(".."));
    }

    #[test]
    fn user_id_is_made_once_and_kept() {
        let p = database_path(&tmp(), "ns");
        let (mut s, q) = Store::open(&p, 0).unwrap();
        assert!(q.is_none());
        let a = s.load().unwrap();
        drop(s);
        let (mut s, _) = Store::open(&p, 0).unwrap();
        assert_eq!(s.load().unwrap().user_id, a.user_id);
        assert_eq!(a.session, None);
    }

    #[test]
    fn corrupt_file_is_moved_aside_and_replaced() {
        let dir = tmp();
        let p = database_path(&dir, "ns");
        std::fs::write(&p, b"this is not a database, just some bytes that happen to be long enough to fill a header page ..........").unwrap();
        let (mut s, q) = Store::open(&p, 42).unwrap();
        let aside = q.expect("quarantined");
        assert!(aside.to_string_lossy().ends_with(".corrupt-42"));
        assert!(aside.exists());
        s.load().unwrap();
        s.commit(&[("{\"e\":\"se\"}".into(), 1)], None).unwrap();
        assert_eq!(s.count().unwrap(), 1);
    }

    #[test]
    fn unreadable_rows_go_to_dead_events() {
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        s.commit(&[("{\"e\":\"se\"}".into(), 1), ("garbage".into(), 2), ("{\"e\":\"ue\"}".into(), 3)], None).unwrap();
        let batch = s.read_batch(10).unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!(s.dead_count().unwrap(), 1);
        assert_eq!(s.count().unwrap(), 2);
    }

    #[test]
    fn unreadable_session_is_ignored_but_user_id_kept() {
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        let u = s.load().unwrap().user_id;
        s.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('session', '{\"sessionId\":1}')", []).unwrap();
        let l = s.load().unwrap();
        assert_eq!(l.user_id, u);
        assert_eq!(l.session, None);
    }
}
