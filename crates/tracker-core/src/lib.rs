//! The Rust core of react-native-rust-tracker: every decision of the tracker.
//!
//! A Snowplow-protocol analytics tracker whose platform layers (Kotlin, Swift,
//! Node) only pass calls through. The core owns configuration ([`config`]),
//! the session contract ([`session`]), events and their wire format
//! ([`event`], [`payload`]), the SQLite queue ([`store`]), sending
//! ([`emitter`]), the per-namespace tracker handle ([`tracker`]) and its
//! writer thread, the table of tracker methods callable by name
//! ([`method`]) and the process-wide set of trackers with the fixed native
//! surface ([`registry`]). Time comes from an injected [`clock::Clock`].
#![deny(missing_docs)]

pub mod clock;
pub mod config;
pub mod emitter;
pub mod enrich;
pub mod error;
pub mod event;
mod fast_path;
pub mod input;
pub mod method;
pub mod payload;
pub mod policy;
pub mod priority;
pub mod registry;
pub mod reply;
pub mod session;
pub mod store;
pub mod text;
pub mod tracker;
pub mod webview;
mod writer;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Config, PlatformDefaults};
pub use error::{Failure, Result, TrackerError};
pub use event::{Event, EventType};
pub use method::Method;
pub use reply::{Reply, Responder};
pub use session::{ClientSession, SessionInfo};
pub use tracker::{Outcome, SessionObserver, Tracker, TrackerOptions};
