//! Property tests of the pure session state machine (`tracker_core::session::Session`)
//! against a small model of `docs/sessions.md`: for random sequences of gaps
//! and background/foreground changes, `sessionIndex` rises by exactly one each
//! time a gap exceeds the applicable timeout (strictly, §2.6, §2.9), and never
//! otherwise. The model also follows eventIndex, previousSessionId (§2.8,
//! §2.10) and the per-session lifecycle counters (§D2, §3.2 to §3.4).

use proptest::prelude::*;
use tracker_core::config::SessionConfig;
use tracker_core::session::Session;

/// How far the clock moves before a step, relative to the timeouts so that
/// the boundary (`gap == timeout`, `gap == timeout + 1`) is hit often.
#[derive(Debug, Clone)]
enum Gap {
    Raw(i64),
    Fg(i64),
    Bg(i64),
}

#[derive(Debug, Clone)]
enum Step {
    /// An ordinary event after a gap.
    Event(Gap),
    /// The app moves to the background (`true`) or foreground after a gap;
    /// with `tracked` a lifecycle event is tracked first (checked in the state
    /// being left, `docs/sessions.md` §3.2, §3.3), as the tracker does when
    /// lifecycleAutotracking is on.
    Lifecycle { to_background: bool, gap: Gap, tracked: bool },
}

fn gap() -> impl Strategy<Value = Gap> {
    prop_oneof![
        3 => (0i64..20_000).prop_map(Gap::Raw),
        2 => (-1i64..=1).prop_map(Gap::Fg),
        2 => (-1i64..=1).prop_map(Gap::Bg),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => gap().prop_map(Step::Event),
        2 => (any::<bool>(), gap(), any::<bool>())
            .prop_map(|(to_background, gap, tracked)| Step::Lifecycle { to_background, gap, tracked }),
    ]
}

struct Model {
    fg: i64,
    bg: i64,
    in_background: bool,
    last_update: Option<i64>,
    session_index: u32,
    event_index: u32,
    session_id: Option<String>,
    background_index: u32,
    foreground_index: u32,
}

impl Model {
    fn resolve(&self, g: &Gap) -> i64 {
        match g {
            Gap::Raw(ms) => *ms,
            Gap::Fg(d) => (self.fg + d).max(0),
            Gap::Bg(d) => (self.bg + d).max(0),
        }
    }

    /// Runs one event through both, and checks the outcome.
    fn event(&mut self, s: &mut Session, n: &mut u32, now: i64) -> Result<(), TestCaseError> {
        *n += 1;
        let eid = format!("00000000-0000-4000-8000-{:012x}", *n);
        let timeout = if self.in_background { self.bg } else { self.fg };
        let expect_new = match self.last_update {
            None => true,
            Some(l) => now - l > timeout,
        };
        let u = s.on_event(&eid, now);
        let e = u.entity.expect("an entity for every event");
        if expect_new {
            prop_assert_eq!(e.session_index, self.session_index + 1, "exactly one new session");
            prop_assert_eq!(e.previous_session_id.as_deref(), self.session_id.as_deref());
            prop_assert_ne!(Some(e.session_id.as_str()), self.session_id.as_deref());
            prop_assert_eq!(&e.first_event_id, &eid);
            prop_assert_eq!(e.event_index, 1);
            prop_assert_eq!(u.new_session.as_ref(), Some(&e), "onSessionUpdate snapshot");
            self.session_index += 1;
            self.event_index = 1;
            self.session_id = Some(e.session_id.clone());
            self.background_index = 0;
            self.foreground_index = 0;
        } else {
            prop_assert_eq!(e.session_index, self.session_index, "no new session");
            prop_assert_eq!(Some(e.session_id.as_str()), self.session_id.as_deref());
            prop_assert_eq!(e.event_index, self.event_index + 1);
            prop_assert!(u.new_session.is_none());
            self.event_index += 1;
        }
        self.last_update = Some(now);
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn session_index_rises_by_one_exactly_when_a_gap_exceeds_the_applicable_timeout(
        fg in 0i64..10_000,
        bg in 0i64..10_000,
        start_in_background in any::<bool>(),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        let config = SessionConfig {
            foreground_timeout_ms: fg,
            background_timeout_ms: bg,
            continue_session_on_restart: false,
            on_session_update: false,
        };
        let mut s = Session::new("user".into(), None, &config, false, start_in_background);
        let mut m = Model {
            fg, bg, in_background: start_in_background, last_update: None, session_index: 0, event_index: 0,
            session_id: None, background_index: 0, foreground_index: 0,
        };
        let mut now = 1_700_000_000_000i64;
        let mut n = 0u32;
        for st in &steps {
            match st {
                Step::Event(g) => {
                    now += m.resolve(g);
                    m.event(&mut s, &mut n, now)?;
                }
                Step::Lifecycle { to_background, gap, tracked } => {
                    now += m.resolve(gap);
                    let changes = *to_background != m.in_background;
                    if changes && *tracked {
                        // The lifecycle event is checked in the state being left.
                        m.event(&mut s, &mut n, now)?;
                    }
                    let r = s.record_transition(*to_background);
                    if changes {
                        let counter = if *to_background { &mut m.background_index } else { &mut m.foreground_index };
                        *counter += 1;
                        prop_assert_eq!(r, Some(*counter));
                        m.in_background = *to_background;
                    } else {
                        prop_assert_eq!(r, None, "a repeated state is ignored (docs/sessions.md §3.4)");
                    }
                }
            }
            let info = s.info();
            prop_assert_eq!(info.is_in_background, m.in_background);
            prop_assert_eq!(info.session_index, (m.session_index > 0).then_some(m.session_index));
            prop_assert_eq!(info.session_id.as_deref(), m.session_id.as_deref());
            prop_assert_eq!((info.background_index, info.foreground_index), (m.background_index, m.foreground_index));
            if let Some(state) = s.state() {
                prop_assert_eq!(Some(state.last_update), m.last_update);
                prop_assert_eq!(state.event_index, m.event_index);
            }
        }
    }

    /// Pause / resume / startNewSession (`docs/sessions.md` §D4, §2.3, §2.7) on
    /// top of gaps: while paused no session starts and lastUpdate stays; a
    /// request made while paused is honoured at the first event after resuming.
    #[test]
    fn no_new_session_while_paused_and_requests_wait_for_resume(
        timeout in 1i64..5_000,
        ops in prop::collection::vec((0u8..4, gap()), 1..60),
    ) {
        let config = SessionConfig { foreground_timeout_ms: timeout, background_timeout_ms: timeout, continue_session_on_restart: false, on_session_update: false };
        let mut s = Session::new("user".into(), None, &config, false, false);
        let mut now = 1_000_000i64;
        // Start a session first so that paused events always have one.
        s.on_event("00000000-0000-4000-8000-000000000000", now);
        let (mut paused, mut requested, mut last, mut index) = (false, false, now, 1u32);
        for (i, (op, gap)) in ops.iter().enumerate() {
            now += match gap {
                Gap::Raw(ms) => *ms,
                Gap::Fg(d) | Gap::Bg(d) => (timeout + d).max(0),
            };
            match op {
                0 => { paused = !paused; s.set_paused(paused); }
                1 => { requested = true; s.request_new_session(); }
                _ => {
                    let e = s.on_event(&format!("00000000-0000-4000-8000-{:012x}", i + 1), now).entity.unwrap();
                    let expect_new = !paused && (requested || now - last > timeout);
                    if expect_new {
                        index += 1;
                        requested = false;
                    }
                    prop_assert_eq!(e.session_index, index);
                    if !paused {
                        last = now;
                    }
                    prop_assert_eq!(s.state().unwrap().last_update, last);
                }
            }
        }
    }
}
