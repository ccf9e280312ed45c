//! Answers that arrive later, on another thread.
//!
//! `track` only enqueues; its outcome is known once the writer thread has
//! committed. A [`Responder`] carries the caller's continuation to that thread.
//! It is answered exactly once: if it is dropped unanswered (the tracker shut
//! down), it answers [`TrackerError::ShutDown`], so no Promise on any platform
//! is left hanging. [`Reply`] is the matching future, for async callers.

use crate::error::{Result, TrackerError};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// A one-shot continuation that receives the outcome of an operation.
pub struct Responder<T: Send + 'static> {
    f: Option<Answer<T>>,
}

/// The continuation of a [`Responder`].
enum Answer<T> {
    /// Takes the outcome.
    Whole(Box<dyn FnOnce(Result<T>) + Send + 'static>),
    /// Takes whether it succeeded ([`Responder::discarding`]).
    Unit(Box<dyn FnOnce(Result<()>) + Send + 'static>),
}

impl<T> Answer<T> {
    fn call(self, result: Result<T>) {
        match self {
            Answer::Whole(f) => f(result),
            Answer::Unit(f) => f(result.map(|_| ())),
        }
    }
}

impl<T: Send + 'static> Responder<T> {
    /// Wraps a continuation.
    pub fn new(f: impl FnOnce(Result<T>) + Send + 'static) -> Self {
        Responder {
            f: Some(Answer::Whole(Box::new(f))),
        }
    }

    /// A responder that ignores the outcome.
    pub fn ignore() -> Self {
        Responder::new(|_| {})
    }

    /// Answers with `result`.
    pub fn respond(mut self, result: Result<T>) {
        if let Some(f) = self.f.take() {
            f.call(result);
        }
    }

    /// A responder and the future that resolves when it is answered.
    pub fn pair() -> (Responder<T>, Reply<T>) {
        let slot = Arc::new(Mutex::new(Slot {
            value: None,
            waker: None,
        }));
        let writer = Arc::clone(&slot);
        let responder = Responder::new(move |r| {
            let waker = {
                let mut s = writer.lock().unwrap_or_else(|p| p.into_inner());
                s.value = Some(r);
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        });
        (responder, Reply { slot })
    }
}

impl Responder<()> {
    /// This responder, for an operation whose value it does not need: it
    /// gets `Ok(())` for any value, or the error. Nothing is allocated (a
    /// wrapping closure would be, on the caller's thread, and freed on the
    /// writer's: the allocator's slowest path, once per `track`).
    pub fn discarding<T: Send + 'static>(mut self) -> Responder<T> {
        Responder {
            f: self.f.take().map(|f| match f {
                Answer::Whole(f) | Answer::Unit(f) => Answer::Unit(f),
            }),
        }
    }
}

impl<T: Send + 'static> Drop for Responder<T> {
    fn drop(&mut self) {
        if let Some(f) = self.f.take() {
            f.call(Err(TrackerError::ShutDown));
        }
    }
}

struct Slot<T> {
    value: Option<Result<T>>,
    waker: Option<Waker>,
}

/// The future side of [`Responder::pair`]; needs no runtime.
pub struct Reply<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

impl<T> Reply<T> {
    /// Blocks the current thread until the answer arrives (tests and tools).
    pub fn wait(self) -> Result<T> {
        {
            let mut s = self.slot.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(v) = s.value.take() {
                return v;
            }
            s.waker = Some(thread_waker(std::thread::current()));
        }
        loop {
            {
                let mut s = self.slot.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(v) = s.value.take() {
                    return v;
                }
            }
            std::thread::park();
        }
    }
}

impl<T> Future for Reply<T> {
    type Output = Result<T>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let mut s = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

fn thread_waker(thread: std::thread::Thread) -> Waker {
    struct ThreadWake(std::thread::Thread);
    impl std::task::Wake for ThreadWake {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    Waker::from(Arc::new(ThreadWake(thread)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_discarding_responder_answers_once_with_the_outcome_or_the_error() {
        let (r, reply) = Responder::<()>::pair();
        r.discarding::<u32>().respond(Ok(7));
        assert_eq!(reply.wait(), Ok(()));
        let (r, reply) = Responder::<()>::pair();
        r.discarding::<u32>()
            .respond(Err(TrackerError::Internal("x".into())));
        assert_eq!(reply.wait(), Err(TrackerError::Internal("x".into())));
        // Discarding twice, then dropped unanswered.
        let (r, reply) = Responder::<()>::pair();
        drop(r.discarding::<()>().discarding::<String>());
        assert_eq!(reply.wait(), Err(TrackerError::ShutDown));
    }

    #[test]
    fn dropped_responder_answers_shut_down() {
        let (r, reply) = Responder::<u32>::pair();
        drop(r);
        assert_eq!(reply.wait(), Err(TrackerError::ShutDown));
    }

    #[test]
    fn answer_from_another_thread_reaches_waiter() {
        let (r, reply) = Responder::<u32>::pair();
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            r.respond(Ok(7));
        });
        assert_eq!(reply.wait(), Ok(7));
        t.join().unwrap();
    }
}
