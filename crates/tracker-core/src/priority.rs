//! The tracker's own threads yield to the app's.
//!
//! A track call only enqueues; the writer and the emitter do the work on
//! their own threads. On a phone (or a small machine) those threads share a
//! few cores with the UI thread and JavaScript, and at the same priority the
//! scheduler lets them run out a time slice while a track call (or a frame)
//! waits behind them. As Android's own `THREAD_PRIORITY_BACKGROUND` does for
//! background work, the writer and the emitter lower their niceness, so a
//! thread of the app that becomes ready takes the core first; the work is the
//! same, only who waits changes.

/// The niceness of the writer and emitter threads (Android's
/// `THREAD_PRIORITY_BACKGROUND`).
pub const BACKGROUND_NICENESS: i32 = 10;

/// Lowers the calling thread's priority to [`BACKGROUND_NICENESS`] where
/// threads have their own niceness (Linux, Android). Elsewhere, and if the
/// system refuses, the thread keeps its priority: nothing else changes.
pub fn lower_current_thread() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: plain system calls on the calling thread's own id; failure is
    // reported in the return value, which is ignored on purpose.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let _ = libc::setpriority(libc::PRIO_PROCESS, tid, BACKGROUND_NICENESS);
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    /// The calling thread's niceness.
    fn niceness() -> i32 {
        // SAFETY: as above.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::syscall(libc::SYS_gettid) as libc::id_t) }
    }

    #[test]
    fn lowering_changes_only_the_calling_thread() {
        let before = niceness();
        let lowered = std::thread::spawn(|| {
            super::lower_current_thread();
            niceness()
        })
        .join()
        .unwrap();
        // Niceness only goes up without privileges; a thread already nicer
        // than this stays as it was.
        assert_eq!(lowered, before.max(super::BACKGROUND_NICENESS));
        assert_eq!(niceness(), before, "only the calling thread changes");
    }
}
