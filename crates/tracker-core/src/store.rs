//! The embedded SQLite database of one namespace (Decision 7).
//!
//! One file holds the installation user id, the session state and the event
//! queue, so that an event and the session update it caused commit in one
//! transaction: after a crash the stored session never disagrees with the
//! stored events. The writer thread owns the connection that inserts; the
//! emitter has its own connection to read and delete sent events (WAL lets
//! them run side by side).

use crate::error::{Result, TrackerError};
use crate::payload::{self, Deferred};
use crate::session::SessionState;
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payload TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    -- Set when the event's entities are kept apart (payload::Deferred): the
    -- other entities, its client_session entity (session_entities.id), its
    -- eventIndex, the self-describing JSON of an e=ue event (NULL for the
    -- others), and for a screen view where its screen entity goes. Files
    -- made before these columns get them on opening.
    entities TEXT,
    session INTEGER,
    event_index INTEGER,
    unstruct TEXT,
    -- A screen view's own screen entity, left out of `entities`: where it
    -- goes among them (a byte offset); it is written from `unstruct`.
    screen_at INTEGER
);
-- The client_session entity of a session's events, up to their eventIndex.
CREATE TABLE IF NOT EXISTS session_entities (id INTEGER PRIMARY KEY, prefix TEXT NOT NULL);
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
    let safe = !namespace.is_empty()
        && namespace
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let name = if safe {
        namespace.to_string()
    } else {
        let cleaned: String = namespace
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .take(64)
            .collect();
        format!("{cleaned}-{:016x}", fnv1a(namespace.as_bytes()))
    };
    dir.join(format!("rn-rust-tracker-{name}.sqlite"))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
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

/// The `session_entities` row last written: its prefix and id.
type KnownEntity = Option<(std::sync::Arc<str>, i64)>;

/// A connection to one namespace's database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    identity: Option<FileId>,
    /// The writer's lock on `<file>.lock` (see [`Store::open`]).
    lock: Option<std::fs::File>,
    /// The `session_entities` row of the last deferred event committed.
    session_entity: KnownEntity,
    /// The `created_ms` of the newest queued event: a new event is stored
    /// with no earlier time, so the queue is in `created_ms` order.
    newest_created_ms: i64,
}

/// An event to commit.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Its payload without `stm` (and without its entities when `deferred`).
    pub payload: String,
    /// When it was tracked (for `maxEventStoreAge`).
    pub created_ms: i64,
    /// Its entities, when kept apart.
    pub deferred: Option<Deferred>,
}

/// A queued event as read back for sending.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Row id (queue order).
    pub id: i64,
    /// The payload JSON object, without `stm`.
    pub payload: String,
}

/// Why events left the queue without being sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// Over `maxEventStoreSize` or older than `maxEventStoreAge`.
    StoreLimit,
    /// Refused by the collector for good (or retries are off).
    Rejected,
    /// Too large for the collector, alone in its request.
    Oversized,
}

impl Dropped {
    fn key(self) -> &'static str {
        match self {
            Dropped::StoreLimit => "dropped_store_limit",
            Dropped::Rejected => "dropped_rejected",
            Dropped::Oversized => "dropped_oversized",
        }
    }
}

/// What the emitter learnt about events it sent, for the writer to record
/// with its next commit (the writer is the one connection that changes the
/// queue while it runs, so removals never wait for its lock, nor it for theirs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The collector received these events: removed and counted as sent; the
    /// last error is cleared.
    Received(Vec<i64>),
    /// These events will never be sent: removed and counted under `reason`;
    /// `error` becomes the last error.
    Dropped {
        /// The events.
        ids: Vec<i64>,
        /// Why they will never be sent.
        reason: Dropped,
        /// What the app reads as the last error.
        error: String,
    },
    /// A request failed and its events stay queued: `error` becomes the last error.
    Failed(String),
    /// The queue drained: the space of removed events can go back to the
    /// file system (after the commit, see [`Store::shrink`]).
    Drained,
}

impl Delivery {
    /// The events this report removes from the queue.
    pub fn ids(&self) -> &[i64] {
        match self {
            Delivery::Received(ids) | Delivery::Dropped { ids, .. } => ids,
            Delivery::Failed(_) | Delivery::Drained => &[],
        }
    }
}

/// What `getDeliveryStats()` reports: counts since the database was created.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryStats {
    /// Events stored and not sent yet.
    pub queued: u64,
    /// Events the collector received.
    pub sent: u64,
    /// Events dropped, by reason.
    pub dropped: DroppedCounts,
    /// The last delivery error, or null once a request succeeded.
    pub last_error: Option<String>,
}

/// Dropped events by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DroppedCounts {
    /// Over `maxEventStoreSize` or older than `maxEventStoreAge`.
    pub store_limit: u64,
    /// Refused by the collector.
    pub rejected: u64,
    /// Too large for the collector.
    pub oversized: u64,
}

/// The bounds of the queue, applied with every commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `maxEventStoreSize`: the newest this many events are kept.
    pub max_events: u64,
    /// Events created before this time (epoch ms) are dropped.
    pub oldest_ms: i64,
}

/// What a database file is, to notice when it is deleted or replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

#[cfg(unix)]
fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| FileId {
        dev: m.dev(),
        ino: m.ino(),
    })
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<FileId> {
    None
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt)
    )
}

/// The free space in a drained queue's file from which [`Store::shrink`]
/// gives it back. The queue drains after nearly every send, and most often
/// only a few pages are free, which the next events reuse: shrinking each
/// time (a vacuum step and a checkpoint that truncates the log) cost a fifth
/// of the writer's time in a burst and disk writes for nothing.
pub const SHRINK_MIN_FREE_BYTES: i64 = 1024 * 1024;

/// Most a WAL file is left holding after a checkpoint.
const JOURNAL_SIZE_LIMIT: i64 = 4 * 1024 * 1024;

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    // Before any table exists, so that new files can give space back.
    let auto_vacuum: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    if auto_vacuum != 2 {
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if tables > 0 {
            // A file made before: VACUUM once makes the setting take effect.
            conn.execute_batch("VACUUM")?;
        }
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit that resolved a track() Promise survives power loss too.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)?;
    conn.execute_batch(SCHEMA)?;
    // Files made before the entities were kept apart: one column at a time,
    // each checked, so a migration cut short is finished at the next opening.
    for (column, kind) in [
        ("entities", "TEXT"),
        ("session", "INTEGER"),
        ("event_index", "INTEGER"),
        ("unstruct", "TEXT"),
        ("screen_at", "INTEGER"),
    ] {
        let has: i64 = conn.query_row(
            "SELECT count(*) FROM pragma_table_info('events') WHERE name = ?1",
            params![column],
            |r| r.get(0),
        )?;
        if has == 0 {
            conn.execute_batch(&format!("ALTER TABLE events ADD COLUMN {column} {kind}"))?;
        }
    }
    // Files made before `created_ms` only grew along the queue had an index
    // on it (see [`Store::commit_with`]): kept up at every insert and delete,
    // it was a tenth of the writer's time.
    conn.execute_batch("DROP INDEX IF EXISTS events_created_ms")?;
    Ok(())
}

/// The `created_ms` of the newest queued event (`i64::MIN` when none).
fn newest_created_ms(conn: &Connection) -> Result<i64> {
    Ok(conn
        .query_row(
            "SELECT created_ms FROM events ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(i64::MIN))
}

/// The queued events with what their payloads are assembled from.
const QUEUED: &str = "SELECT id, payload, entities, event_index, session, created_ms, unstruct, screen_at FROM events";

/// The session entities of the queued rows read so far, by
/// `session_entities.id`: read and checked once each (`None`: missing or
/// unreadable), not joined to every row.
type Prefixes = HashMap<i64, Option<String>>;

/// The payload of a row of [`QUEUED`] as it is sent, if it is readable: a
/// JSON object, with its entities put back when they were kept apart. The
/// row's text is read where SQLite holds it, not copied first.
fn queued_payload(
    conn: &Connection,
    row: &rusqlite::Row<'_>,
    prefixes: &mut Prefixes,
    scratch: &mut String,
) -> rusqlite::Result<Option<String>> {
    use rusqlite::types::ValueRef as V;
    let is_object =
        |t: &str| t.starts_with('{') && serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok();
    // Checked without building the object: only whether it is one.
    let V::Text(payload) = row.get_ref(1)? else {
        return Ok(None);
    };
    let Some(payload) = std::str::from_utf8(payload).ok().filter(|p| is_object(p)) else {
        return Ok(None);
    };
    match (
        row.get_ref(2)?,
        row.get_ref(3)?,
        row.get_ref(4)?,
        row.get_ref(6)?,
        row.get_ref(7)?,
    ) {
        (V::Null, _, _, V::Null, V::Null) => Ok(Some(payload.to_owned())),
        (V::Text(items), V::Integer(index), V::Integer(session), unstruct, screen_at) => {
            let (Ok(items), Ok(event_index)) = (std::str::from_utf8(items), u32::try_from(index))
            else {
                return Ok(None);
            };
            let event = match unstruct {
                V::Null => None,
                V::Text(event) => match std::str::from_utf8(event) {
                    Ok(event) => Some(event),
                    Err(_) => return Ok(None),
                },
                _ => return Ok(None),
            };
            // A screen view's own screen entity, written from the screen
            // view (whose JSON this reads, so checks, whole).
            let screen = match (screen_at, event) {
                (V::Null, Some(event)) if is_object(event) => None,
                (V::Null, None) => None,
                (V::Integer(at), Some(event)) => {
                    match (usize::try_from(at), payload::ScreenOfView::of(event)) {
                        (Ok(at), Some(screen)) if items.is_char_boundary(at) => Some((at, screen)),
                        _ => return Ok(None),
                    }
                }
                _ => return Ok(None),
            };
            // The items are checked with an object where the screen entity goes.
            let (before, after) = screen.map_or((items, ""), |(at, _)| items.split_at(at));
            let items_sound = items.is_empty() && screen.is_none() || {
                scratch.clear();
                scratch.push('[');
                scratch.push_str(before);
                if screen.is_some() {
                    scratch.push_str("{}");
                }
                scratch.push_str(after);
                scratch.push(']');
                serde_json::from_str::<serde::de::IgnoredAny>(scratch).is_ok()
            };
            let prefix = match prefixes.entry(session) {
                std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
                std::collections::hash_map::Entry::Vacant(new) => {
                    let prefix: Option<String> = conn
                        .query_row(
                            "SELECT prefix FROM session_entities WHERE id = ?1",
                            params![session],
                            |r| r.get(0),
                        )
                        .optional()?;
                    new.insert(prefix.filter(|p| is_object(&format!("{p}1}}}}"))))
                }
            };
            match prefix {
                Some(prefix) if items_sound => Ok(Some(payload::assemble_parts(
                    payload,
                    event,
                    items,
                    screen,
                    prefix,
                    event_index,
                ))),
                _ => Ok(None),
            }
        }
        _ => Ok(None),
    }
}

fn open_connection(path: &Path, create: bool) -> Result<Connection> {
    if create && !path.exists() {
        // SQLite gives its -wal and -shm files the database file's mode.
        private_file(path)
            .map_err(|e| TrackerError::Storage(format!("cannot create {}: {e}", path.display())))?;
    }
    let flags = if create {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| TrackerError::Storage(format!("cannot open {}: {e}", path.display())))?;
    configure(&conn)?;
    Ok(conn)
}

/// Creates an empty file readable and writable by its owner only.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Creates `dir` and its missing parents, private to the user.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Takes the lock that makes this process the one writer and sender of the
/// database: `<file>.lock`, holding the owner's process id. Released when the
/// store is dropped (or the process ends, however it ends).
fn take_lock(path: &Path) -> Result<std::fs::File> {
    use std::io::{Read, Seek, Write};
    let lock_path = PathBuf::from(format!("{}.lock", path.display()));
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|e| {
            TrackerError::Storage(format!("cannot create {}: {e}", lock_path.display()))
        })?;
    match file.try_lock() {
        Ok(()) => {
            let _ = file.set_len(0);
            let _ = file.rewind();
            let _ = write!(file, "{}", std::process::id());
            Ok(file)
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut owner = String::new();
            let _ = file.read_to_string(&mut owner);
            let owner = owner.trim();
            let by = if owner.is_empty() {
                "another tracker".to_string()
            } else {
                format!("process {owner}")
            };
            Err(TrackerError::Storage(format!(
                "the database {} is in use by {by}: one tracker per namespace and directory at a time",
                path.display()
            )))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(TrackerError::Storage(format!(
            "cannot lock {}: {e}",
            lock_path.display()
        ))),
    }
}

/// All a database holds, read through a connection to a file that may no
/// longer be at its path.
struct Snapshot {
    meta: Vec<(String, String)>,
    events: Vec<(i64, String, i64)>,
}

impl Store {
    /// Opens (creating if needed) the database at `path` for the writer, and
    /// takes its lock: a second tracker on the same file, in this process or
    /// another, gets a storage error naming the process that has it. A file
    /// that is not a readable SQLite database is moved aside to
    /// `<file>.corrupt-<ms>` and a fresh one is started, so tracking keeps working.
    pub fn open(path: &Path, now_ms: i64) -> Result<(Store, Option<PathBuf>)> {
        if let Some(dir) = path.parent() {
            private_dir(dir).map_err(|e| {
                TrackerError::Storage(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let lock = take_lock(path)?;
        let (conn, quarantined) = Self::open_or_quarantine(path, now_ms)?;
        let identity = file_id(path);
        let newest_created_ms = newest_created_ms(&conn)?;
        Ok((
            Store {
                conn,
                path: path.to_path_buf(),
                identity,
                lock: Some(lock),
                session_entity: None,
                newest_created_ms,
            },
            quarantined,
        ))
    }

    fn open_or_quarantine(path: &Path, now_ms: i64) -> Result<(Connection, Option<PathBuf>)> {
        match open_connection(path, true) {
            Ok(conn) => Ok((conn, None)),
            Err(TrackerError::Storage(_)) if Self::probe_corrupt(path) => {
                let aside = Self::move_aside(path, &format!("corrupt-{now_ms}"))?;
                Ok((open_connection(path, true)?, Some(aside)))
            }
            Err(e) => Err(e),
        }
    }

    fn move_aside(path: &Path, suffix: &str) -> Result<PathBuf> {
        let aside = PathBuf::from(format!("{}.{suffix}", path.display()));
        std::fs::rename(path, &aside).map_err(|e| {
            TrackerError::Storage(format!("cannot move {} aside: {e}", path.display()))
        })?;
        for side in ["-wal", "-shm"] {
            let from = PathBuf::from(format!("{}{side}", path.display()));
            if from.exists() {
                let _ = std::fs::rename(&from, format!("{}{side}", aside.display()));
            }
        }
        Ok(aside)
    }

    fn probe_corrupt(path: &Path) -> bool {
        let Ok(conn) = Connection::open(path) else {
            return false;
        };
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => conn
                .pragma_update(None, "journal_mode", "WAL")
                .map_err(|e| is_corruption(&e))
                .err()
                .unwrap_or(false),
            Err(e) => is_corruption(&e),
        }
    }

    /// Opens a second connection to an existing database (the emitter's);
    /// a missing file is an error, never a new empty database.
    pub fn open_existing(path: &Path) -> Result<Store> {
        let identity = file_id(path);
        let conn = open_connection(path, false)?;
        // This connection reads the queue; it writes only when the writer
        // has stopped (removing events the collector has already received,
        // and counting them) or sets unreadable rows aside. Its commits need
        // not reach the disk before the next request: if power fails first,
        // the removal is undone and the events are sent again, which the
        // protocol allows (the collector side deduplicates by event id). The
        // writer's connection keeps FULL, so no tracked event is ever lost.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            identity,
            lock: None,
            session_entity: None,
            // This connection does not store events.
            newest_created_ms: i64::MIN,
        })
    }

    /// Whether the file at the path is no longer the one this connection has
    /// open (deleted, or replaced by another file).
    pub fn moved_away(&self) -> bool {
        self.identity.is_some() && file_id(&self.path) != self.identity
    }

    /// If the database file was deleted or replaced under this connection,
    /// carries everything it held (user id, session, counters, queued events
    /// with their ids) into a new file at the path. A replacement that is not
    /// ours is moved aside to `<file>.replaced-<ms>` first. Returns whether it
    /// recovered.
    pub fn recover_if_moved(&mut self, now_ms: i64) -> Result<bool> {
        if !self.moved_away() {
            return Ok(false);
        }
        let snapshot = self.snapshot()?;
        if let Some(dir) = self.path.parent() {
            private_dir(dir).map_err(|e| {
                TrackerError::Storage(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        if self.path.exists() {
            Self::move_aside(&self.path, &format!("replaced-{now_ms}"))?;
        }
        // The lock file may have gone with the database: take it again.
        self.lock = None;
        let lock = take_lock(&self.path)?;
        let (conn, _) = Self::open_or_quarantine(&self.path, now_ms)?;
        let mut fresh = Store {
            conn,
            path: self.path.clone(),
            identity: file_id(&self.path),
            lock: Some(lock),
            session_entity: None,
            newest_created_ms: i64::MIN,
        };
        fresh.restore(&snapshot)?;
        fresh.newest_created_ms = newest_created_ms(&fresh.conn)?;
        *self = fresh;
        Ok(true)
    }

    fn snapshot(&self) -> Result<Snapshot> {
        let meta = {
            let mut stmt = self.conn.prepare("SELECT key, value FROM meta")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        // Carried over whole: the new file starts without session entities.
        let events = {
            let mut stmt = self.conn.prepare(&format!("{QUEUED} ORDER BY id"))?;
            let (mut prefixes, mut scratch) = (Prefixes::new(), String::new());
            let mut rows = stmt.query([])?;
            let mut events = Vec::new();
            while let Some(r) = rows.next()? {
                if let Some(payload) = queued_payload(&self.conn, r, &mut prefixes, &mut scratch)? {
                    events.push((r.get(0)?, payload, r.get(5)?));
                }
            }
            events
        };
        Ok(Snapshot { meta, events })
    }

    fn restore(&mut self, snapshot: &Snapshot) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (k, v) in &snapshot.meta {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![k, v],
            )?;
        }
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO events (id, payload, created_ms) VALUES (?1, ?2, ?3)",
            )?;
            for (id, payload, created) in &snapshot.events {
                insert.execute(params![id, payload, created])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Reads the user id (creating it on first use) and the stored session.
    pub fn load(&mut self) -> Result<Loaded> {
        let tx = self.conn.transaction()?;
        let stored: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = 'user_id'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let user_id = match stored.filter(|u| crate::event::parse_uuid("userId", u).is_ok()) {
            Some(u) => u.to_ascii_lowercase(),
            None => {
                let u = uuid::Uuid::new_v4().to_string();
                tx.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('user_id', ?1)",
                    params![u],
                )?;
                u
            }
        };
        let session: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = 'session'", [], |r| {
                r.get(0)
            })
            .optional()?;
        tx.commit()?;
        // An unreadable stored session is treated as none (the index restarts),
        // as the Android tracker does; the user id survives.
        let session = session.and_then(|s| serde_json::from_str::<SessionState>(&s).ok());
        Ok(Loaded {
            user_id,
            session,
            quarantined: None,
        })
    }

    /// Commits queued events and the session state in one transaction, then
    /// applies `limits` in the same transaction: the oldest events over the
    /// size and those too old are dropped and counted. Returns how many.
    pub fn commit(
        &mut self,
        events: &[(String, i64)],
        session: Option<&SessionState>,
        limits: Limits,
    ) -> Result<u64> {
        let events: Vec<NewEvent> = events
            .iter()
            .map(|(payload, created_ms)| NewEvent {
                payload: payload.clone(),
                created_ms: *created_ms,
                deferred: None,
            })
            .collect();
        self.commit_with(&events, session, limits, false, &[])
    }

    /// [`Store::commit`], also recording, when `installed`, that the
    /// `application_install` event is among the committed events, and the
    /// emitter's `deliveries`, in order, before the limits are applied (a
    /// [`Delivery::Drained`] is for the caller: shrinking cannot be part of
    /// a transaction).
    pub fn commit_with(
        &mut self,
        events: &[NewEvent],
        session: Option<&SessionState>,
        limits: Limits,
        installed: bool,
        deliveries: &[Delivery],
    ) -> Result<u64> {
        let known = self.session_entity.take();
        // Only the emitter's reports: a removal lost to a power cut sends
        // its events again, which the protocol allows, so it need not wait
        // for the disk (as the emitter's own connection never did).
        let reports_only = events.is_empty() && session.is_none() && !installed;
        if reports_only {
            self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        let (result, latest, newest) = Self::commit_in(
            &mut self.conn,
            known,
            self.newest_created_ms,
            events,
            session,
            limits,
            installed,
            deliveries,
        );
        if reports_only {
            self.conn.pragma_update(None, "synchronous", "FULL")?;
        }
        // A row inserted by a transaction that failed is gone with it.
        self.session_entity = if result.is_ok() { latest } else { None };
        if result.is_ok() {
            self.newest_created_ms = newest;
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn commit_in(
        conn: &mut Connection,
        mut known: KnownEntity,
        mut newest: i64,
        events: &[NewEvent],
        session: Option<&SessionState>,
        limits: Limits,
        installed: bool,
        deliveries: &[Delivery],
    ) -> (Result<u64>, KnownEntity, i64) {
        let result = (|| {
            let tx = conn.transaction()?;
            record_all(&tx, deliveries, &mut known)?;
            if installed {
                tx.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('installed', '1')",
                    [],
                )?;
            }
            // The rows first (each event's session entity found or added),
            // then inserted in statements of ROWS_PER_INSERT rows.
            let mut rows = Vec::with_capacity(events.len());
            for e in events {
                // Never before the event ahead of it (a clock set back).
                let created_ms = e.created_ms.max(newest);
                newest = created_ms;
                let Some(d) = &e.deferred else {
                    rows.push(Row {
                        payload: &e.payload,
                        created_ms,
                        items: None,
                        session: None,
                        event_index: None,
                        event: None,
                        screen_at: None,
                    });
                    continue;
                };
                let session_id = match &known {
                    Some((prefix, id))
                        if std::sync::Arc::ptr_eq(prefix, &d.session_prefix)
                            || *prefix == d.session_prefix =>
                    {
                        *id
                    }
                    _ => {
                        tx.prepare_cached("INSERT INTO session_entities (prefix) VALUES (?1)")?
                            .execute(params![&*d.session_prefix])?;
                        let id = tx.last_insert_rowid();
                        known = Some((d.session_prefix.clone(), id));
                        id
                    }
                };
                rows.push(Row {
                    payload: &e.payload,
                    created_ms,
                    items: Some(&d.items),
                    session: Some(session_id),
                    event_index: Some(i64::from(d.event_index)),
                    event: d.event.as_deref(),
                    screen_at: d.screen.map(|s| i64::try_from(s.at).unwrap_or(i64::MAX)),
                });
            }
            insert_rows(&tx, &rows)?;
            if let Some(s) = session {
                let json =
                    serde_json::to_string(s).map_err(|e| TrackerError::Storage(e.to_string()))?;
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('session', ?1)",
                )?
                .execute(params![json])?;
            }
            // The queue is in `created_ms` order: the events too old are the
            // ones ahead of the first that is not, found by walking from the
            // head (one row when none is too old; no index to keep up).
            let mut dropped = tx
                .prepare_cached(
                    "DELETE FROM events WHERE id < coalesce(
                     (SELECT id FROM events WHERE created_ms >= ?1 ORDER BY id LIMIT 1),
                     (SELECT max(id) + 1 FROM events))",
                )?
                .execute(params![limits.oldest_ms])?;
            let max = i64::try_from(limits.max_events).unwrap_or(i64::MAX);
            // The queue holds at most `last - first + 1` rows, read from the ends
            // of the primary key: only when that could pass the limit is it
            // counted, since counting walks the whole queue.
            let (first, last): (Option<i64>, Option<i64>) = tx
                .prepare_cached(
                    "SELECT (SELECT min(id) FROM events), (SELECT max(id) FROM events)",
                )?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            if let (Some(first), Some(last)) = (first, last) {
                if last.saturating_sub(first).saturating_add(1) > max {
                    dropped += tx.execute(
                    "DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?1)",
                    params![max],
                )?;
                }
            }
            let dropped = u64::try_from(dropped).unwrap_or(0);
            if dropped > 0 {
                add_count(&tx, Dropped::StoreLimit.key(), dropped)?;
            }
            tx.commit()?;
            Ok(dropped)
        })();
        (result, known, newest)
    }

    /// Whether this database recorded the `application_install` event.
    pub fn installed(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM meta WHERE key = 'installed'", [], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The oldest `limit` queued events, in queue order, leaving out `skip`
    /// (sent events whose deletion is still to be done). Rows whose payload is
    /// not a JSON object (tampering, disk damage) are moved to `dead_events`
    /// so they never block the queue.
    pub fn read_batch(&mut self, limit: u32, skip: &HashSet<i64>) -> Result<Vec<StoredEvent>> {
        self.read_batch_within(limit, usize::MAX, skip)
    }

    /// [`Store::read_batch`], stopping also once the payloads read reach
    /// `max_bytes` (the row that reaches it is included, so at least one event
    /// is read): what a pass holds in memory stays bounded whatever the
    /// events' size.
    pub fn read_batch_within(
        &mut self,
        limit: u32,
        max_bytes: usize,
        skip: &HashSet<i64>,
    ) -> Result<Vec<StoredEvent>> {
        self.read_skipping(limit, max_bytes, skip, SKIPPED_RUN)
    }

    /// [`Store::read_batch_within`], stepping over every run of at least
    /// `run` consecutive ids of `skip` without reading its rows (`usize::MAX`:
    /// reads every row, as the tests' reference).
    fn read_skipping(
        &mut self,
        limit: u32,
        max_bytes: usize,
        skip: &HashSet<i64>,
        run: usize,
    ) -> Result<Vec<StoredEvent>> {
        let mut good = Vec::new();
        let mut dead = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached(&format!("{QUEUED} WHERE id > ?1 ORDER BY id LIMIT ?2"))?;
            let n = i64::from(limit) + i64::try_from(skip.len()).unwrap_or(0);
            let runs = skipped_runs(skip, run);
            let mut bytes = 0usize;
            let (mut prefixes, mut scratch) = (Prefixes::new(), String::new());
            let mut after = i64::MIN;
            'rows: loop {
                let mut rows = stmt.query(params![after, n])?;
                while let Some(row) = rows.next()? {
                    if good.len() >= limit as usize || (!good.is_empty() && bytes >= max_bytes) {
                        break 'rows;
                    }
                    let id: i64 = row.get(0)?;
                    if skip.contains(&id) {
                        // Every id of its run is skipped, so every row in it:
                        // the rest of the run is not read. (The run's first
                        // rows may be gone already.)
                        let run_end = runs.range(..=id).next_back().map(|(_, &last)| last);
                        if let Some(last) = run_end.filter(|&last| last > id) {
                            after = last;
                            continue 'rows;
                        }
                        continue;
                    }
                    match queued_payload(&self.conn, row, &mut prefixes, &mut scratch)? {
                        Some(payload) => {
                            bytes = bytes.saturating_add(payload.len());
                            good.push(StoredEvent { id, payload })
                        }
                        None => dead.push(id),
                    }
                }
                break;
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

    /// Removes events the collector received, counting them as sent, and
    /// clears the last error.
    pub fn delete_sent(&mut self, ids: &[i64]) -> Result<()> {
        self.record(&[Delivery::Received(ids.to_vec())])
    }

    /// Records `deliveries` in order in one transaction; a
    /// [`Delivery::Drained`] shrinks the file after it.
    pub fn record(&mut self, deliveries: &[Delivery]) -> Result<()> {
        let mut known = self.session_entity.take();
        let tx = self.conn.transaction()?;
        record_all(&tx, deliveries, &mut known)?;
        tx.commit()?;
        self.session_entity = known;
        if deliveries.contains(&Delivery::Drained) {
            // Best effort: the space is given back at the next drain otherwise.
            let _ = self.shrink();
        }
        Ok(())
    }

    /// The delivery counters and the queue's length.
    pub fn stats(&self) -> Result<DeliveryStats> {
        let meta = |key: &str| -> Result<Option<String>> {
            Ok(self
                .conn
                .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                    r.get(0)
                })
                .optional()?)
        };
        let count =
            |key: &str| -> Result<u64> { Ok(meta(key)?.and_then(|v| v.parse().ok()).unwrap_or(0)) };
        Ok(DeliveryStats {
            queued: self.count()?,
            sent: count("sent")?,
            dropped: DroppedCounts {
                store_limit: count(Dropped::StoreLimit.key())?,
                rejected: count(Dropped::Rejected.key())?,
                oversized: count(Dropped::Oversized.key())?,
            },
            last_error: meta("last_error")?,
        })
    }

    /// Gives the space of deleted events back to the file system and trims
    /// the write-ahead log, when at least [`SHRINK_MIN_FREE_BYTES`] are free
    /// in the file; for when the queue has drained. Returns whether it did.
    pub fn shrink(&mut self) -> Result<bool> {
        let (free, page): (i64, i64) = self.conn.query_row(
            "SELECT (SELECT freelist_count FROM pragma_freelist_count), (SELECT page_size FROM pragma_page_size)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if free.saturating_mul(page) < SHRINK_MIN_FREE_BYTES {
            return Ok(false);
        }
        // The pragma frees one page per step: run it to the end.
        let mut vacuum = self.conn.prepare("PRAGMA incremental_vacuum")?;
        let mut steps = vacuum.query([])?;
        while steps.next()?.is_some() {}
        drop(steps);
        drop(vacuum);
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(true)
    }

    /// How many events are queued.
    pub fn count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How many unreadable rows were set aside.
    pub fn dead_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM dead_events", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// The fewest consecutive skipped ids [`Store::read_batch_within`] steps over
/// rather than reads. The emitter skips what it has sent until the writer
/// removes it, the head of the queue: in a burst each row was read about
/// three times, twice only to be skipped.
const SKIPPED_RUN: usize = 16;

/// The runs of at least `min` consecutive ids in `skip`: first id to last.
fn skipped_runs(skip: &HashSet<i64>, min: usize) -> std::collections::BTreeMap<i64, i64> {
    let mut runs = std::collections::BTreeMap::new();
    if skip.len() < min {
        return runs;
    }
    let mut ids: Vec<i64> = skip.iter().copied().collect();
    ids.sort_unstable();
    let mut start = 0;
    for i in 1..=ids.len() {
        if i == ids.len() || ids[i] != ids[i - 1].saturating_add(1) {
            if i - start >= min {
                runs.insert(ids[start], ids[i - 1]);
            }
            start = i;
        }
    }
    runs
}

/// Rows of the `events` table per INSERT statement. One statement per row
/// had SQLite run a statement's setup, and read and write `sqlite_sequence`
/// (the table is AUTOINCREMENT, so ids are never used twice), for every
/// event: statements of 32 rows take 30% off the instructions of a commit.
pub const ROWS_PER_INSERT: usize = 32;

/// The columns of an `events` row as [`insert_rows`] binds them.
const EVENT_COLUMNS: usize = 7;

/// One new row of the `events` table, borrowed from its [`NewEvent`].
struct Row<'a> {
    payload: &'a str,
    created_ms: i64,
    items: Option<&'a str>,
    session: Option<i64>,
    event_index: Option<i64>,
    event: Option<&'a str>,
    screen_at: Option<i64>,
}

/// `INSERT INTO events ... VALUES` with `rows` rows of parameters.
fn insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO events (payload, created_ms, entities, session, event_index, unstruct, screen_at) VALUES ",
    );
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?,?)");
    }
    sql
}

static INSERT_FULL: once_cell::sync::Lazy<String> =
    once_cell::sync::Lazy::new(|| insert_sql(ROWS_PER_INSERT));
static INSERT_ONE: once_cell::sync::Lazy<String> = once_cell::sync::Lazy::new(|| insert_sql(1));

/// Inserts `rows` in their order (ids grow along it): full statements of
/// [`ROWS_PER_INSERT`] rows, then the rest one at a time.
fn insert_rows(conn: &Connection, rows: &[Row<'_>]) -> Result<()> {
    use rusqlite::ToSql;
    fn bind<'r>(
        conn: &Connection,
        values: &mut Vec<&'r dyn ToSql>,
        chunk: &'r [Row<'_>],
        sql: &str,
    ) -> Result<()> {
        values.clear();
        for r in chunk {
            values.extend_from_slice(&[
                &r.payload as &dyn ToSql,
                &r.created_ms,
                &r.items,
                &r.session,
                &r.event_index,
                &r.event,
                &r.screen_at,
            ]);
        }
        conn.prepare_cached(sql)?.execute(values.as_slice())?;
        Ok(())
    }
    let mut values = Vec::with_capacity(ROWS_PER_INSERT * EVENT_COLUMNS);
    let mut full = rows.chunks_exact(ROWS_PER_INSERT);
    for chunk in &mut full {
        bind(conn, &mut values, chunk, &INSERT_FULL)?;
    }
    for row in full.remainder() {
        bind(conn, &mut values, std::slice::from_ref(row), &INSERT_ONE)?;
    }
    Ok(())
}

/// Deletes the session entities no queued event uses: those older than the
/// oldest queued event's (sessions only move forward, and events are queued
/// in order), all of them when no queued event keeps its entities apart.
/// Returns the first id kept.
fn forget_session_entities(conn: &Connection) -> Result<i64> {
    let oldest: Option<i64> = conn
        .query_row(
            "SELECT session FROM events WHERE session IS NOT NULL ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let keep_from = oldest.unwrap_or(i64::MAX);
    conn.execute(
        "DELETE FROM session_entities WHERE id < ?1",
        params![keep_from],
    )?;
    Ok(keep_from)
}

/// Records delivery reports in order within the transaction of `conn`;
/// `known` (the last session entity row used) is forgotten when a drain
/// deletes it.
fn record_all(conn: &Connection, deliveries: &[Delivery], known: &mut KnownEntity) -> Result<()> {
    for d in deliveries {
        if let Delivery::Drained = d {
            let keep_from = forget_session_entities(conn)?;
            if known.as_ref().is_some_and(|(_, id)| *id < keep_from) {
                *known = None;
            }
        } else {
            record_in(conn, d)?;
        }
    }
    Ok(())
}

/// Records one delivery report within the transaction of `conn` (a drain:
/// see [`record_all`]).
fn record_in(conn: &Connection, delivery: &Delivery) -> Result<()> {
    let (counter, error) = match delivery {
        Delivery::Received(_) => ("sent", None),
        Delivery::Dropped { reason, error, .. } => (reason.key(), Some(error.as_str())),
        Delivery::Failed(error) => return set_last_error(conn, Some(error)),
        Delivery::Drained => return Ok(()),
    };
    // Sent events are mostly consecutive ids: each run of them is one range
    // delete, walked once, rather than a search per row. A run holds only
    // ids of the report (or ids that no longer exist).
    let mut sorted = delivery.ids().to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut stmt = conn.prepare_cached("DELETE FROM events WHERE id BETWEEN ?1 AND ?2")?;
    let mut removed = 0u64;
    let mut i = 0;
    while i < sorted.len() {
        let first = sorted[i];
        let mut last = first;
        while i + 1 < sorted.len() && sorted[i + 1] == last + 1 {
            i += 1;
            last = sorted[i];
        }
        removed += u64::try_from(stmt.execute(params![first, last])?).unwrap_or(0);
        i += 1;
    }
    add_count(conn, counter, removed)?;
    set_last_error(conn, error)
}

fn add_count(conn: &Connection, key: &str, n: u64) -> Result<()> {
    if n > 0 {
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + ?2 AS TEXT)",
            params![key, n.to_string()],
        )?;
    }
    Ok(())
}

fn set_last_error(conn: &Connection, error: Option<&str>) -> Result<()> {
    match error {
        Some(e) => conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_error', ?1)",
            params![e],
        )?,
        None => conn.execute("DELETE FROM meta WHERE key = 'last_error'", [])?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_LIMITS: Limits = Limits {
        max_events: u64::MAX,
        oldest_ms: i64::MIN,
    };

    /// The ids of the first `n` queued events.
    fn queued_ids(s: &mut Store, n: u32) -> Vec<i64> {
        s.read_batch(n, &HashSet::new())
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect()
    }

    fn tmp() -> PathBuf {
        let d = std::env::temp_dir().join(format!("store-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn namespaces_never_share_a_file() {
        let d = Path::new("/x");
        assert_eq!(
            database_path(d, "app_1"),
            Path::new("/x/rn-rust-tracker-app_1.sqlite")
        );
        assert_ne!(database_path(d, "a.b"), database_path(d, "a-b"));
        assert_ne!(database_path(d, "a.b"), database_path(d, "a/b"));
        assert!(!database_path(d, "../../etc")
            .to_string_lossy()
            .contains(".."));
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
        s.commit(&[("{\"e\":\"se\"}".into(), 1)], None, NO_LIMITS)
            .unwrap();
        assert_eq!(s.count().unwrap(), 1);
    }

    #[test]
    fn a_drained_queue_gives_space_back_only_when_much_is_free() {
        let dir = tmp();
        let p = database_path(&dir, "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        let files = || -> u64 {
            ["", "-wal"]
                .iter()
                .filter_map(|x| std::fs::metadata(format!("{}{x}", p.display())).ok())
                .map(|m| m.len())
                .sum()
        };
        let payload = format!("{{\"e\":\"se\",\"se_la\":\"{}\"}}", "x".repeat(2000));
        // A few events sent: their pages are left for the next events.
        let few: Vec<(String, i64)> = (0..20).map(|i| (payload.clone(), i)).collect();
        s.commit(&few, None, NO_LIMITS).unwrap();
        let ids = queued_ids(&mut s, 100);
        s.delete_sent(&ids).unwrap();
        assert!(!s.shrink().unwrap(), "a few free pages are kept");
        // A backlog sent: megabytes go back to the file system.
        let many: Vec<(String, i64)> = (0..3000).map(|i| (payload.clone(), i)).collect();
        s.commit(&many, None, NO_LIMITS).unwrap();
        let full = files();
        loop {
            let ids = queued_ids(&mut s, 1000);
            if ids.is_empty() {
                break;
            }
            s.delete_sent(&ids).unwrap();
        }
        assert!(s.shrink().unwrap());
        assert!(files() < full / 10, "{} bytes of {full} left", files());
    }

    fn deferred(payload: &str, user: &str, index: u32, items: &str) -> NewEvent {
        NewEvent {
            payload: payload.into(),
            created_ms: 1,
            deferred: Some(Deferred {
                event: None,
                items: items.into(),
                session_prefix: std::sync::Arc::from(format!(
                    r#"{{"schema":"iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2","data":{{"userId":"{user}","eventIndex":"#
                )),
                event_index: index,
                screen: None,
            }),
        }
    }

    /// `e` as a self-describing event whose JSON is `event`.
    fn self_describing(mut e: NewEvent, event: &str) -> NewEvent {
        if let Some(d) = e.deferred.as_mut() {
            d.event = Some(event.into());
        }
        e
    }

    const EVENT: &str = r#"{"schema":"iglu:com.acme/ev/jsonschema/1-0-0","data":{"x":"é"}}"#;

    fn session_entities(s: &Store) -> i64 {
        s.conn
            .query_row("SELECT count(*) FROM session_entities", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn entities_kept_apart_are_put_back_and_each_session_stored_once() {
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        let thing = r#"{"schema":"iglu:com.acme/thing/jsonschema/1-0-0","data":{"a":1}}"#;
        let events = vec![
            deferred(r#"{"e":"se","eid":"1"}"#, "u1", 1, ""),
            deferred(r#"{"e":"se","eid":"2"}"#, "u1", 2, thing),
            NewEvent {
                payload: r#"{"e":"pv"}"#.into(),
                created_ms: 1,
                deferred: None,
            },
            deferred(r#"{"e":"se","eid":"3"}"#, "u2", 1, ""),
            self_describing(deferred(r#"{"e":"ue","eid":"4"}"#, "u2", 2, thing), EVENT),
        ];
        s.commit_with(&events, None, NO_LIMITS, false, &[]).unwrap();
        assert_eq!(
            session_entities(&s),
            2,
            "one row per session, not per event"
        );
        let read = s.read_batch(10, &HashSet::new()).unwrap();
        assert_eq!(read.len(), 5);
        for (e, r) in events.iter().zip(&read) {
            let want = match &e.deferred {
                Some(d) => payload::assemble(&e.payload, d).unwrap(),
                None => e.payload.clone(),
            };
            assert_eq!(r.payload, want);
        }
        let cx = |i: usize| -> serde_json::Value {
            let v: serde_json::Value = serde_json::from_str(&read[i].payload).unwrap();
            let raw = payload::decode_base64(v["cx"].as_str().unwrap()).unwrap();
            serde_json::from_slice(&raw).unwrap()
        };
        assert_eq!(cx(1)["data"][0]["data"]["a"], 1);
        assert_eq!(cx(1)["data"][1]["data"]["eventIndex"], 2);
        assert_eq!(cx(3)["data"][0]["data"]["userId"], "u2");
        assert_eq!(cx(4)["data"][1]["data"]["eventIndex"], 2);
        let ue: serde_json::Value = {
            let v: serde_json::Value = serde_json::from_str(&read[4].payload).unwrap();
            serde_json::from_slice(&payload::decode_base64(v["ue_px"].as_str().unwrap()).unwrap())
                .unwrap()
        };
        assert_eq!(ue["schema"], payload::UNSTRUCT_EVENT_SCHEMA);
        assert_eq!(
            ue["data"],
            serde_json::from_str::<serde_json::Value>(EVENT).unwrap()
        );
        // Sent and drained: the session entities go too, and the next event
        // of the session stores its entity again.
        let ids: Vec<i64> = read.iter().map(|e| e.id).collect();
        s.delete_sent(&ids).unwrap();
        s.record(&[Delivery::Drained]).unwrap();
        assert_eq!(session_entities(&s), 0);
        s.commit_with(
            &[deferred(r#"{"e":"se"}"#, "u2", 2, "")],
            None,
            NO_LIMITS,
            false,
            &[],
        )
        .unwrap();
        assert_eq!(session_entities(&s), 1);
        let again = s.read_batch(10, &HashSet::new()).unwrap();
        assert!(
            again[0].payload.contains("\"cx\":\""),
            "{}",
            again[0].payload
        );
    }

    #[test]
    fn a_commit_of_several_insert_statements_keeps_every_event_in_order() {
        // Two full statements and a rest, every kind of row among them, and
        // sessions changing inside a statement: each row is the event at its
        // place, with its own session entity.
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        let n = 2 * ROWS_PER_INSERT + 5;
        let events: Vec<NewEvent> = (0..n)
            .map(|i| {
                let payload = format!(r#"{{"e":"se","n":"{i}"}}"#);
                let user = format!("u{}", i / 25);
                match i % 4 {
                    0 => NewEvent {
                        payload,
                        created_ms: 1,
                        deferred: None,
                    },
                    1 => deferred(&payload, &user, i as u32, ""),
                    2 => self_describing(deferred(&payload, &user, i as u32, "{}"), EVENT),
                    _ => screen_view(deferred(&payload, &user, i as u32, "{},"), VIEW, 3),
                }
            })
            .collect();
        s.commit_with(&events, None, NO_LIMITS, false, &[]).unwrap();
        assert_eq!(session_entities(&s), 3, "u0, u1 and u2");
        let read = s.read_batch(n as u32 + 1, &HashSet::new()).unwrap();
        assert_eq!(read.len(), n);
        for (i, (e, r)) in events.iter().zip(&read).enumerate() {
            let want = match &e.deferred {
                Some(d) => payload::assemble(&e.payload, d).unwrap(),
                None => e.payload.clone(),
            };
            assert_eq!(r.payload, want, "event {i}");
            assert_eq!(r.id, read[0].id + i as i64, "ids follow the events");
        }
        // The next commit's ids come after these, one statement or many.
        s.commit_with(&events[..1], None, NO_LIMITS, false, &[])
            .unwrap();
        assert_eq!(queued_ids(&mut s, n as u32 + 1)[n], read[0].id + n as i64);
    }

    #[test]
    fn runs_of_skipped_ids_are_found_from_their_first_id() {
        let skip: HashSet<i64> = [1, 2, 3, 5, 7, 8, 9, 10, 20, i64::MAX - 1, i64::MAX].into();
        let runs = skipped_runs(&skip, 3);
        assert_eq!(runs, [(1, 3), (7, 10)].into());
        assert_eq!(skipped_runs(&skip, 2).get(&(i64::MAX - 1)), Some(&i64::MAX));
        assert!(skipped_runs(&skip, 12).is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Stepping over runs of skipped ids reads exactly what reading every
        /// row reads: the queue with gaps in its ids, skipped ids in runs and
        /// alone, some of them no longer (or never) queued, any limits.
        #[test]
        fn stepping_over_skipped_runs_reads_what_reading_every_row_reads(
            gone in proptest::collection::vec(0u8..5, 120),
            skipped in proptest::collection::vec(0u8..4, 120),
            extra in proptest::collection::hash_set(0i64..140, 0..10),
            limit in 1u32..130,
            max_bytes in 1usize..6000,
        ) {
            let p = database_path(&tmp(), "ns");
            let (mut s, _) = Store::open(&p, 0).unwrap();
            let events: Vec<NewEvent> = (0..120)
                .map(|i| NewEvent {
                    payload: format!(r#"{{"e":"pv","n":"{}"}}"#, "x".repeat(i % 9)),
                    created_ms: 1,
                    deferred: None,
                })
                .collect();
            s.commit_with(&events, None, NO_LIMITS, false, &[]).unwrap();
            let ids = queued_ids(&mut s, 200);
            let pick = |marks: &[u8], keep: fn(u8) -> bool| -> Vec<i64> {
                ids.iter().zip(marks).filter(|(_, m)| keep(**m)).map(|(id, _)| *id).collect()
            };
            s.delete_sent(&pick(&gone, |m| m == 0)).unwrap();
            let mut skip: HashSet<i64> = pick(&skipped, |m| m != 0).into_iter().collect();
            skip.extend(extra);
            let all = s.read_skipping(limit, max_bytes, &skip, usize::MAX).unwrap();
            let stepping = s.read_skipping(limit, max_bytes, &skip, 2).unwrap();
            proptest::prop_assert_eq!(&stepping, &all);
            let used = s.read_batch_within(limit, max_bytes, &skip).unwrap();
            proptest::prop_assert_eq!(used, all);
        }
    }

    #[test]
    fn session_entities_of_queued_events_are_kept_when_the_queue_drains_in_part() {
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        let events: Vec<NewEvent> = (1..=3)
            .map(|i| deferred(r#"{"e":"se"}"#, &format!("u{i}"), 1, ""))
            .collect();
        s.commit_with(&events, None, NO_LIMITS, false, &[]).unwrap();
        let first = s.read_batch(1, &HashSet::new()).unwrap();
        s.delete_sent(&[first[0].id]).unwrap();
        s.record(&[Delivery::Drained]).unwrap();
        assert_eq!(
            session_entities(&s),
            2,
            "the first session's entity went, the others stay"
        );
        assert_eq!(s.read_batch(10, &HashSet::new()).unwrap().len(), 2);
    }

    /// `e` as a screen view whose JSON is `view`, its own screen entity
    /// left out of the items at byte `at`.
    fn screen_view(e: NewEvent, view: &str, at: usize) -> NewEvent {
        let mut e = self_describing(e, view);
        if let Some(d) = e.deferred.as_mut() {
            let len = payload::ScreenOfView::of(view).unwrap().json_len();
            d.screen = Some(payload::ScreenAt { at, len });
        }
        e
    }

    const VIEW: &str = concat!(
        r#"{"schema":"iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0","#,
        r#""data":{"id":"4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c","name":"a \"b\" é\n","#,
        r#""previousName":"x","type":"feed"}}"#
    );

    #[test]
    fn a_screen_views_own_screen_entity_is_written_from_it_and_damaged_ones_are_dead() {
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        let other = r#"{"schema":"iglu:com.acme/o/jsonschema/1-0-0","data":{"s":"é"}}"#;
        let before = format!("{other},");
        let events: Vec<NewEvent> = (1..=7)
            .map(|n| {
                let e = deferred(&format!(r#"{{"e":"ue","n":"{n}"}}"#), "u", n, &before);
                screen_view(e, VIEW, before.len())
            })
            .collect();
        s.commit_with(&events, None, NO_LIMITS, false, &[]).unwrap();
        let ids = queued_ids(&mut s, 10);
        let damage = |sql: &str, id: i64| {
            s.conn.execute(sql, params![id]).unwrap();
        };
        // Beyond the items, inside a character, before them, on a row
        // whose event is not a screen view, on one with no event.
        damage("UPDATE events SET screen_at = 999 WHERE id = ?1", ids[1]);
        damage(
            &format!(
                "UPDATE events SET screen_at = {} WHERE id = ?1",
                other.find('é').unwrap() + 1
            ),
            ids[2],
        );
        damage("UPDATE events SET screen_at = -1 WHERE id = ?1", ids[3]);
        damage(
            &format!("UPDATE events SET unstruct = '{EVENT}' WHERE id = ?1"),
            ids[4],
        );
        damage("UPDATE events SET unstruct = NULL WHERE id = ?1", ids[5]);
        let read = s.read_batch(10, &HashSet::new()).unwrap();
        assert_eq!(
            read.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![ids[0], ids[6]]
        );
        for (r, e) in read.iter().zip([&events[0], &events[6]]) {
            let want = payload::assemble(&e.payload, e.deferred.as_ref().unwrap()).unwrap();
            assert_eq!(r.payload, want);
        }
        let v: serde_json::Value = serde_json::from_str(&read[0].payload).unwrap();
        let raw = payload::decode_base64(v["cx"].as_str().unwrap()).unwrap();
        let cx: serde_json::Value = serde_json::from_slice(&raw).unwrap();
        assert_eq!(cx["data"][0]["data"]["s"], "é");
        assert_eq!(
            cx["data"][1],
            serde_json::json!({
                "schema": "iglu:com.snowplowanalytics.mobile/screen/jsonschema/1-0-0",
                "data": {"id": "4f2a1c9e-0b7d-4e5a-9c3b-2d1e0f9a8b7c", "name": "a \"b\" é\n", "type": "feed"},
            })
        );
        assert_eq!(cx["data"][2]["data"]["eventIndex"], 1);
        assert_eq!(s.dead_count().unwrap(), 5);
    }

    #[test]
    fn damaged_rows_kept_apart_are_dead_and_the_rest_of_the_queue_is_sent() {
        // Entities that are not JSON, a session entity that is missing, text
        // that is not UTF-8 (refused rather than repaired: the queue is read
        // where SQLite holds it), a damaged session entity, found once and
        // making every row that uses it dead, a self-describing event's JSON
        // that is not JSON, and one on a row whose entities are not apart.
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        let events = vec![
            deferred(r#"{"e":"se","n":"1"}"#, "u", 1, ""),
            deferred(r#"{"e":"se","n":"2"}"#, "u", 2, r#"{"a":1}"#),
            deferred(r#"{"e":"se","n":"3"}"#, "v", 1, ""),
            deferred(r#"{"e":"se","n":"4"}"#, "v", 2, ""),
            deferred(r#"{"e":"se","n":"5"}"#, "w", 1, ""),
            deferred(r#"{"e":"se","n":"6"}"#, "w", 2, ""),
            deferred(r#"{"e":"se","n":"7"}"#, "w", 3, ""),
            self_describing(deferred(r#"{"e":"ue","n":"8"}"#, "w", 4, ""), EVENT),
            NewEvent {
                payload: r#"{"e":"ue","n":"9"}"#.into(),
                created_ms: 1,
                deferred: None,
            },
        ];
        s.commit_with(&events, None, NO_LIMITS, false, &[]).unwrap();
        let ids = queued_ids(&mut s, 10);
        let damage = |sql: &str, id: i64| {
            s.conn.execute(sql, params![id]).unwrap();
        };
        damage(
            "UPDATE events SET payload = CAST(x'7bff7d' AS TEXT) WHERE id = ?1",
            ids[0],
        );
        damage(
            "UPDATE events SET entities = CAST(x'7b22ff223a317d' AS TEXT) WHERE id = ?1",
            ids[1],
        );
        damage(
            "UPDATE session_entities SET prefix = '{\"schema\":' WHERE id = (SELECT session FROM events WHERE id = ?1)",
            ids[2],
        );
        damage(
            "UPDATE events SET entities = '{not json' WHERE id = ?1",
            ids[5],
        );
        damage("UPDATE events SET session = 999 WHERE id = ?1", ids[6]);
        damage(
            "UPDATE events SET unstruct = '{\"schema\":' WHERE id = ?1",
            ids[7],
        );
        damage("UPDATE events SET unstruct = '{}' WHERE id = ?1", ids[8]);
        let read = s.read_batch(10, &HashSet::new()).unwrap();
        assert_eq!(read.iter().map(|e| e.id).collect::<Vec<_>>(), vec![ids[4]]);
        assert!(
            read[0].payload.starts_with(r#"{"e":"se","n":"5","cx":""#),
            "{}",
            read[0].payload
        );
        assert_eq!(s.dead_count().unwrap(), 8);
        assert_eq!(s.count().unwrap(), 1);
    }

    #[test]
    fn a_file_made_before_entities_were_kept_apart_is_migrated_and_keeps_its_events() {
        let p = database_path(&tmp(), "ns");
        {
            let conn = Connection::open(&p).unwrap();
            conn.execute_batch(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL, created_ms INTEGER NOT NULL);
                 INSERT INTO events (payload, created_ms) VALUES ('{\"e\":\"se\",\"cx\":\"abc\"}', 1);",
            )
            .unwrap();
        }
        let (mut s, _) = Store::open(&p, 0).unwrap();
        s.commit_with(
            &[
                deferred(r#"{"e":"pv"}"#, "u", 1, ""),
                self_describing(deferred(r#"{"e":"ue"}"#, "u", 2, ""), EVENT),
                screen_view(deferred(r#"{"e":"ue"}"#, "u", 3, ""), VIEW, 0),
            ],
            None,
            NO_LIMITS,
            false,
            &[],
        )
        .unwrap();
        let read = s.read_batch(10, &HashSet::new()).unwrap();
        assert_eq!(read.len(), 4);
        assert!(read[3].payload.contains(r#""cx":""#));
        assert_eq!(read[0].payload, r#"{"e":"se","cx":"abc"}"#);
        assert!(read[1].payload.starts_with(r#"{"e":"pv","cx":""#));
        assert!(
            read[2].payload.starts_with(r#"{"e":"ue","ue_px":""#),
            "{}",
            read[2].payload
        );
    }

    #[test]
    fn reports_alone_commit_without_waiting_for_the_disk_and_events_still_do() {
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        let synchronous = |s: &Store| -> i64 {
            s.conn
                .query_row("PRAGMA synchronous", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(synchronous(&s), 2, "FULL");
        s.commit(&[("{\"e\":\"se\"}".into(), 1)], None, NO_LIMITS)
            .unwrap();
        let id = s.read_batch(1, &HashSet::new()).unwrap()[0].id;
        // Only a report: committed, and the connection is FULL again after it.
        s.commit_with(&[], None, NO_LIMITS, false, &[Delivery::Received(vec![id])])
            .unwrap();
        assert_eq!(s.count().unwrap(), 0);
        assert_eq!(s.stats().unwrap().sent, 1);
        assert_eq!(synchronous(&s), 2, "FULL again for the events that follow");
    }

    #[test]
    fn unreadable_rows_go_to_dead_events() {
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        s.commit(
            &[
                ("{\"e\":\"se\"}".into(), 1),
                ("garbage".into(), 2),
                ("{\"e\":\"ue\"}".into(), 3),
            ],
            None,
            NO_LIMITS,
        )
        .unwrap();
        let batch = s.read_batch(10, &HashSet::new()).unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!(s.dead_count().unwrap(), 1);
        assert_eq!(s.count().unwrap(), 2);
    }

    #[test]
    fn events_older_than_the_age_limit_are_dropped_and_a_clock_set_back_never_reorders_them() {
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        let at = |oldest_ms| Limits {
            max_events: u64::MAX,
            oldest_ms,
        };
        let created = |s: &Store| -> Vec<i64> {
            let mut stmt = s
                .conn
                .prepare("SELECT created_ms FROM events ORDER BY id")
                .unwrap();
            let rows = stmt.query_map([], |r| r.get(0)).unwrap();
            rows.map(Result::unwrap).collect()
        };
        let rows: Vec<(String, i64)> = (1..=10)
            .map(|i| (format!("{{\"n\":{i}}}"), i * 100))
            .collect();
        assert_eq!(s.commit(&rows, None, at(i64::MIN)).unwrap(), 0);
        // Those created before 600 go, counted; the rest stay.
        assert_eq!(s.commit(&[], None, at(600)).unwrap(), 5);
        assert_eq!(created(&s), [600, 700, 800, 900, 1000]);
        assert_eq!(s.stats().unwrap().dropped.store_limit, 5);
        // The clock set back: an event is stored no earlier than the one
        // ahead of it, so the queue stays in time order.
        s.commit(&[("{\"n\":0}".into(), 50)], None, at(i64::MIN))
            .unwrap();
        assert_eq!(created(&s), [600, 700, 800, 900, 1000, 1000]);
        // Also after reopening (the newest time is read from the file).
        drop(s);
        let (mut s, _) = Store::open(&p, 0).unwrap();
        s.commit(&[("{\"n\":-1}".into(), 60)], None, at(i64::MIN))
            .unwrap();
        assert_eq!(created(&s), [600, 700, 800, 900, 1000, 1000, 1000]);
        assert_eq!(s.commit(&[], None, at(1000)).unwrap(), 4);
        assert_eq!(s.commit(&[], None, at(1001)).unwrap(), 3, "all are too old");
        assert_eq!(s.count().unwrap(), 0);
        assert_eq!(s.stats().unwrap().dropped.store_limit, 12);
    }

    #[test]
    fn the_index_on_created_ms_of_an_older_file_is_dropped() {
        let p = database_path(&tmp(), "ns");
        {
            let conn = Connection::open(&p).unwrap();
            conn.execute_batch(
                "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL, created_ms INTEGER NOT NULL);
                 CREATE INDEX events_created_ms ON events (created_ms);
                 INSERT INTO events (payload, created_ms) VALUES ('{\"e\":\"se\"}', 1);",
            )
            .unwrap();
        }
        let (s, _) = Store::open(&p, 0).unwrap();
        let indices: i64 = s
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indices, 0);
        assert_eq!(s.count().unwrap(), 1, "the event is kept");
    }

    #[test]
    fn removing_sent_events_removes_exactly_those_and_counts_them() {
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        let rows: Vec<(String, i64)> = (1..=10).map(|i| (format!("{{\"n\":{i}}}"), i)).collect();
        s.commit(&rows, None, NO_LIMITS).unwrap();
        let ids = queued_ids(&mut s, 10);
        // Runs, gaps, an id given twice, out of order, and one that no longer exists.
        let sent = [
            ids[7],
            ids[0],
            ids[1],
            ids[2],
            ids[4],
            ids[8],
            ids[1],
            ids[9] + 100,
        ];
        s.delete_sent(&sent).unwrap();
        let left: Vec<i64> = s
            .read_batch(10, &HashSet::new())
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(left, [ids[3], ids[5], ids[6], ids[9]]);
        assert_eq!(s.stats().unwrap().sent, 6);
    }

    #[test]
    fn a_batch_stops_at_its_byte_budget_with_at_least_one_event() {
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        // Payloads of exactly 1000 bytes.
        let rows: Vec<(String, i64)> = (0..10)
            .map(|i| (format!("{{\"p\":\"{}\"}}", "x".repeat(992)), i))
            .collect();
        assert!(rows.iter().all(|r| r.0.len() == 1000));
        s.commit(&rows, None, NO_LIMITS).unwrap();
        let none = HashSet::new();
        let sizes =
            |s: &mut Store, limit, max| s.read_batch_within(limit, max, &none).unwrap().len();
        assert_eq!(
            sizes(&mut s, 10, 2500),
            3,
            "the event that reaches the budget is included"
        );
        assert_eq!(sizes(&mut s, 10, 3000), 3);
        assert_eq!(sizes(&mut s, 10, 3001), 4);
        assert_eq!(sizes(&mut s, 2, 1_000_000), 2, "the count still limits");
        assert_eq!(
            sizes(&mut s, 10, 0),
            1,
            "never nothing while events are queued"
        );
        assert_eq!(s.read_batch(100, &none).unwrap().len(), 10);
    }

    #[test]
    fn unreadable_session_is_ignored_but_user_id_kept() {
        let p = database_path(&tmp(), "ns");
        let (mut s, _) = Store::open(&p, 0).unwrap();
        let u = s.load().unwrap().user_id;
        s.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('session', '{\"sessionId\":1}')",
                [],
            )
            .unwrap();
        let l = s.load().unwrap();
        assert_eq!(l.user_id, u);
        assert_eq!(l.session, None);
    }
}
