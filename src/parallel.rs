//! How many threads the engine's own parallel work may take: reading snapshots and CSV files in
//! parts, placing relationships in their rows, counting typed patterns. All of the machine's
//! processors by default; a program sharing the machine with other work can cap them.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Zero: no cap.
static CAP: AtomicUsize = AtomicUsize::new(0);

/// Lets parallel work take at most `threads` threads from now on (`None` lifts the cap). One thread
/// runs everything on the calling thread, one step after the other.
pub fn set_max_threads(threads: Option<NonZeroUsize>) {
    CAP.store(threads.map_or(0, NonZeroUsize::get), Ordering::Relaxed);
}

/// The threads parallel work may take: the machine's processors, at most the cap, at least one.
pub fn threads() -> usize {
    let machine = std::thread::available_parallelism().map_or(1, |n| n.get());
    match CAP.load(Ordering::Relaxed) {
        0 => machine,
        cap => machine.min(cap),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_bounds_the_threads_and_none_lifts_it() {
        let machine = threads();
        set_max_threads(NonZeroUsize::new(1));
        assert_eq!(threads(), 1);
        set_max_threads(NonZeroUsize::new(machine + 5));
        assert_eq!(threads(), machine, "never more than the machine has");
        set_max_threads(None);
        assert_eq!(threads(), machine);
    }
}
