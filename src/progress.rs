//! How far long work has gone (loads, imports, exports), told to whoever asks: the core reports, the
//! command line draws (a bar on a terminal, nothing in a pipe). The core knows no terminal.

/// What a stage counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    /// Objects, records, nodes and relationships.
    Items,
}

/// Told of each stage of a long piece of work and how far into it the work is.
pub trait Progress: Send {
    /// A new stage (the previous one is over): what it does, and its total, when known.
    fn stage(&mut self, what: &str, total: Option<u64>, unit: Unit);
    /// How much of the current stage is done. Called often: implementations keep it cheap.
    fn advance(&mut self, done: u64);
    /// The work is over (finished or failed).
    fn finish(&mut self) {}
}

/// Progress nobody watches.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn stage(&mut self, _: &str, _: Option<u64>, _: Unit) {}
    fn advance(&mut self, _: u64) {}
}

/// How many items pass between two reports of a stage counted in items.
pub(crate) const ITEMS_EVERY: u64 = 1 << 12;

/// Counts items written or read, telling `progress` every `ITEMS_EVERY` of them.
pub struct Ticker<'p> {
    done: u64,
    progress: &'p mut dyn Progress,
}

impl<'p> Ticker<'p> {
    pub fn new(progress: &'p mut dyn Progress, what: &str, total: u64) -> Self {
        progress.stage(what, Some(total), Unit::Items);
        Ticker { done: 0, progress }
    }

    pub fn tick(&mut self) {
        self.done += 1;
        if self.done.is_multiple_of(ITEMS_EVERY) {
            self.progress.advance(self.done);
        }
    }
}

impl Drop for Ticker<'_> {
    fn drop(&mut self) {
        self.progress.advance(self.done);
    }
}

/// A reader that reports how many bytes have passed through it.
pub(crate) struct Counting<'p, R> {
    pub inner: R,
    pub read: u64,
    pub progress: &'p mut dyn Progress,
}

impl<R: std::io::Read> std::io::Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.progress.advance(self.read);
        Ok(n)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Progress that remembers what it was told, for tests.
    #[derive(Debug, Default)]
    pub struct Recorded {
        pub stages: Vec<(String, Option<u64>, Unit)>,
        pub last: u64,
        /// How far each stage got.
        pub reached: Vec<u64>,
        pub finished: bool,
    }

    impl Progress for Recorded {
        fn stage(&mut self, what: &str, total: Option<u64>, unit: Unit) {
            self.stages.push((what.to_string(), total, unit));
            self.reached.push(0);
            self.last = 0;
        }
        fn advance(&mut self, done: u64) {
            assert!(done >= self.last, "progress goes forward: {} after {}", done, self.last);
            self.last = done;
            if let Some(reached) = self.reached.last_mut() {
                *reached = done;
            }
        }
        fn finish(&mut self) {
            self.finished = true;
        }
    }
}
