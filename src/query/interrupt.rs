//! Stopping a running statement: a flag that another thread (the REPL's Ctrl-C handler) raises, a
//! deadline, and a memory budget. The executor polls [`Interrupt::check`] in every loop whose length
//! depends on the data, so a runaway query stops within microseconds of any of them; what builds a
//! large value at once (a `range`, a concatenation) asks [`Interrupt::reserve`] before it does.
//!
//! Memory is the process's resident size, read from the system (`/proc/self/status`) at most every
//! few milliseconds while the statement runs, less what it was when the statement first looked: it
//! counts every row, group, list and string the statement holds, however they were made, without a
//! count kept at each allocation. Where the system does not tell, only single large values are
//! checked.

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
const CHECK_EVERY: u32 = 64;

/// The resident size is read at most this often: reading it costs microseconds.
const PROBE_EVERY: Duration = Duration::from_millis(5);

/// What one statement's execution polls to learn that it must stop.
#[derive(Debug, Default)]
pub struct Interrupt {
    flag: Option<CancelFlag>,
    deadline: Option<(Instant, Duration)>,
    ticks: Cell<u32>,
    memory: Option<Budget>,
}

/// How much more memory a statement may take, and what it took when last measured.
#[derive(Debug)]
struct Budget {
    limit: u64,
    /// The resident size when first measured; none until then (most statements end before).
    baseline: Cell<Option<u64>>,
    grown: Cell<u64>,
    probed: Cell<Option<Instant>>,
}

impl Budget {
    /// Measures again; the growth since the baseline.
    fn probe(&self) -> u64 {
        self.probed.set(Some(Instant::now()));
        let Some(now) = resident_bytes() else { return self.grown.get() };
        let base = match self.baseline.get() {
            Some(base) => base,
            None => {
                self.baseline.set(Some(now));
                now
            }
        };
        self.grown.set(now.saturating_sub(base));
        self.grown.get()
    }

    fn exceeded(&self, wanted: u64) -> QueryError {
        QueryError::new(
            ErrorKind::MemoryLimitExceeded,
            format!(
                "the query needs more than its memory budget of {} (it holds {}{}); it was stopped and \
                 the graph is as it was before it (raise the budget with --max-memory or :maxmemory)",
                describe_bytes(self.limit),
                describe_bytes(self.grown.get()),
                if wanted > 0 {
                    format!(" and asked for {} more", describe_bytes(wanted))
                } else {
                    String::new()
                },
            ),
            None,
        )
    }
}

/// The process's resident size in bytes, where the system tells (Linux).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:")?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())?;
    Some(kib * 1024)
}

/// `1.5 GiB`, `512 MiB`, `12 KiB`, `10 bytes`.
pub fn describe_bytes(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            let value = bytes as f64 / size as f64;
            return if value.fract() == 0.0 {
                format!("{value} {unit}")
            } else {
                format!("{value:.1} {unit}")
            };
        }
    }
    format!("{bytes} bytes")
}

impl Interrupt {
    /// Never stops.
    pub fn none() -> Self {
        Self::default()
    }

    /// Stops when `flag` is raised or when `timeout` has passed from now.
    pub fn new(flag: Option<CancelFlag>, timeout: Option<Duration>) -> Self {
        let deadline = timeout.map(|t| (Instant::now().checked_add(t).unwrap_or_else(far_future), t));
        Interrupt { flag, deadline, ticks: Cell::new(0), memory: None }
    }

    /// Also stops when the statement holds more than `limit` bytes more than when it started.
    pub fn with_memory_limit(mut self, limit: Option<u64>) -> Self {
        self.memory = limit.map(|limit| Budget {
            limit,
            baseline: Cell::new(None),
            grown: Cell::new(0),
            probed: Cell::new(None),
        });
        self
    }

    /// Before building a value of about `bytes` at once: an error when it would not fit in the
    /// memory budget, and when the statement should stop for another reason (time is checked as
    /// well, since building a large value takes time).
    pub fn reserve(&self, bytes: u64) -> Result<(), QueryError> {
        // Past what the machine has, no budget is needed to know: the allocation would end the
        // process instead of failing.
        // Where the system does not tell its memory, a terabyte stands for it.
        let machine = crate::input::machine_memory().unwrap_or(1 << 40);
        if bytes > machine {
            return Err(QueryError::new(
                ErrorKind::MemoryLimitExceeded,
                format!(
                    "the query asked for {} at once, more than this machine's {}; it was stopped and the \
                     graph is as it was before it",
                    describe_bytes(bytes),
                    describe_bytes(machine)
                ),
                None,
            ));
        }
        if let Some(budget) = &self.memory
            && budget.grown.get().saturating_add(bytes) > budget.limit
            && budget.probe().saturating_add(bytes) > budget.limit
        {
            return Err(budget.exceeded(bytes));
        }
        if bytes >= 1 << 20 { self.check_now() } else { self.check() }
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
        // The budget stays with the statement's own thread, which measures the whole process.
        Interrupt { flag: self.flag.clone(), deadline: self.deadline, ticks: Cell::new(0), memory: None }
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
        if let Some(budget) = &self.memory
            && budget.probed.get().is_none_or(|at| at.elapsed() >= PROBE_EVERY)
            && budget.probe() > budget.limit
        {
            return Err(budget.exceeded(0));
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
    fn a_reservation_past_the_budget_is_refused() {
        let i = Interrupt::new(None, None).with_memory_limit(Some(1 << 20));
        assert!(i.reserve(1000).is_ok());
        let e = i.reserve(2 << 20).unwrap_err();
        assert_eq!(e.kind, ErrorKind::MemoryLimitExceeded);
        assert!(e.message.contains("budget of 1 MiB") && e.message.contains("2 MiB more"), "{}", e.message);
        assert!(Interrupt::none().reserve(1 << 30).is_ok(), "no budget: what the machine can hold");
        assert_eq!(Interrupt::none().reserve(u64::MAX).unwrap_err().kind, ErrorKind::MemoryLimitExceeded);
    }

    #[test]
    fn memory_held_past_the_budget_stops_the_statement() {
        let i = Interrupt::new(None, None).with_memory_limit(Some(16 << 20));
        assert!(i.check_now().is_ok(), "the first look sets the baseline");
        let held: Vec<Vec<u8>> = (0..64).map(|_| vec![1u8; 1 << 20]).collect();
        std::thread::sleep(PROBE_EVERY);
        let e = i.check_now().unwrap_err();
        assert_eq!(e.kind, ErrorKind::MemoryLimitExceeded);
        drop(held);
    }

    #[test]
    fn sizes_are_described_in_binary_units() {
        assert_eq!(describe_bytes(10), "10 bytes");
        assert_eq!(describe_bytes(1536), "1.5 KiB");
        assert_eq!(describe_bytes(12 << 30), "12 GiB");
    }

    #[test]
    fn huge_timeouts_do_not_overflow() {
        let i = Interrupt::new(None, Some(Duration::MAX));
        assert!(i.check_now().is_ok());
    }
}
