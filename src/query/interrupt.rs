//! Stopping a running statement from outside it: a flag that another thread (the REPL's Ctrl-C
//! handler) raises, and a deadline. The executor polls [`Interrupt::check`] in every loop whose
//! length depends on the data, so a runaway query stops within microseconds of either.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::error::{ErrorKind, QueryError};

/// A flag shared with whoever may cancel the running statement; cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the running statement to stop. Safe to call from a signal-handling thread.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Lowers the flag; a statement lowers it as it starts, so that a Ctrl-C pressed while nothing
    /// ran does not cancel the next statement.
    pub fn clear(&self) {
        self.0.store(false, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// How often [`Interrupt::check`] really looks at the clock and the flag: reading the clock costs
/// tens of nanoseconds, more than a step of a traversal.
const CHECK_EVERY: u32 = 1024;

/// What one statement's execution polls to learn that it must stop.
#[derive(Debug, Default)]
pub struct Interrupt {
    flag: Option<CancelFlag>,
    deadline: Option<(Instant, Duration)>,
    ticks: Cell<u32>,
}

impl Interrupt {
    /// Never stops.
    pub fn none() -> Self {
        Self::default()
    }

    /// Stops when `flag` is raised or when `timeout` has passed from now.
    pub fn new(flag: Option<CancelFlag>, timeout: Option<Duration>) -> Self {
        let deadline = timeout.map(|t| (Instant::now().checked_add(t).unwrap_or_else(far_future), t));
        Interrupt { flag, deadline, ticks: Cell::new(0) }
    }

    /// Cheap enough to call once per row or per relationship followed.
    #[inline]
    pub fn check(&self) -> Result<(), QueryError> {
        let t = self.ticks.get().wrapping_add(1);
        self.ticks.set(t);
        if !t.is_multiple_of(CHECK_EVERY) {
            return Ok(());
        }
        self.check_now()
    }

    /// The same cancel flag and deadline, polled by another thread.
    pub fn fork(&self) -> Interrupt {
        Interrupt { flag: self.flag.clone(), deadline: self.deadline, ticks: Cell::new(0) }
    }

    #[cold]
    pub fn check_now(&self) -> Result<(), QueryError> {
        if self.flag.as_ref().is_some_and(CancelFlag::is_cancelled) {
            return Err(QueryError::new(
                ErrorKind::Cancelled,
                "the query was cancelled; the graph is as it was before it",
                None,
            ));
        }
        if let Some((deadline, timeout)) = self.deadline
            && Instant::now() >= deadline
        {
            return Err(QueryError::new(
                ErrorKind::Timeout,
                format!(
                    "the query ran longer than the timeout of {} and was stopped; the graph is as it was before it",
                    describe(timeout)
                ),
                None,
            ));
        }
        Ok(())
    }
}

/// A deadline for a timeout too large to add to now: never reached in practice.
fn far_future() -> Instant {
    // One year from now always fits in an Instant on the platforms Rust supports.
    Instant::now() + Duration::from_secs(365 * 24 * 3600)
}

fn describe(timeout: Duration) -> String {
    let secs = timeout.as_secs_f64();
    if secs >= 1.0 && secs.fract() == 0.0 {
        format!("{secs} s")
    } else {
        format!("{} ms", timeout.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll_until_error(i: &Interrupt) -> QueryError {
        for _ in 0..10 * CHECK_EVERY {
            if let Err(e) = i.check() {
                return e;
            }
        }
        panic!("the interrupt never fired");
    }

    #[test]
    fn a_raised_flag_cancels() {
        let flag = CancelFlag::new();
        let i = Interrupt::new(Some(flag.clone()), None);
        assert!(i.check_now().is_ok());
        flag.cancel();
        assert_eq!(poll_until_error(&i).kind, ErrorKind::Cancelled);
    }

    #[test]
    fn a_passed_deadline_times_out() {
        let i = Interrupt::new(None, Some(Duration::ZERO));
        let e = poll_until_error(&i);
        assert_eq!(e.kind, ErrorKind::Timeout);
        assert!(e.message.contains("0 ms"), "{}", e.message);
    }

    #[test]
    fn no_interrupt_never_fires() {
        let i = Interrupt::none();
        for _ in 0..3 * CHECK_EVERY {
            assert!(i.check().is_ok());
        }
    }

    #[test]
    fn huge_timeouts_do_not_overflow() {
        let i = Interrupt::new(None, Some(Duration::MAX));
        assert!(i.check_now().is_ok());
    }
}
