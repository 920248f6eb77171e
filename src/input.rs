//! Reading what users hand over, safely: statements from a stream, each handed on as soon as its `;`
//! has arrived (so that a pipeline is applied as it flows, not at its end), and whole files within
//! what the machine can hold, refused with a clear error past that rather than ending the process.

use std::io::{self, BufRead, Read};

use crate::query::split;

/// The longest statement read from a stream: past this without a `;`, the input is refused (a file of
/// zeros, a script missing its semicolons) rather than held in memory without end.
pub const MAX_STATEMENT_BYTES: usize = 128 << 20;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    #[error("{origin}: {source}")]
    Io { origin: String, source: io::Error },
    #[error(
        "{origin}: the statement starting at line {line} runs past {} MiB without its `;`: \
         it is refused (a statement that long is a missing `;`, or not a script)",
        MAX_STATEMENT_BYTES >> 20
    )]
    StatementTooLong { origin: String, line: usize },
    #[error(
        "{origin}: line {line} is not UTF-8: neither a kgraph snapshot, a STIX bundle nor a UTF-8 Cypher script"
    )]
    NotUtf8 { origin: String, line: usize },
    #[error(
        "{origin}: {what} is larger than {} MiB, the most kgraph reads whole on this machine ({why})",
        limit >> 20
    )]
    TooLarge { origin: String, what: &'static str, limit: u64, why: &'static str },
}

/// One or more whole statements read from a stream, and the line of the stream it begins on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub text: String,
    pub first_line: usize,
}

/// The statements of a stream, as they complete: each chunk ends with a statement's `;` (the last
/// one, at the end of the stream, may have none). Nothing is read past the line that completes a
/// statement before that chunk is handed on.
pub struct Statements<R> {
    reader: R,
    origin: String,
    pending: String,
    /// The line of the stream `pending` begins on.
    first_line: usize,
    line: Vec<u8>,
    lines_read: usize,
    done: bool,
}

impl<R: BufRead> Statements<R> {
    pub fn new(reader: R, origin: &str) -> Self {
        Statements {
            reader,
            origin: origin.to_string(),
            pending: String::new(),
            first_line: 1,
            line: Vec::new(),
            lines_read: 0,
            done: false,
        }
    }

    fn take(&mut self, end: usize) -> Chunk {
        let rest = self.pending.split_off(end);
        let text = std::mem::replace(&mut self.pending, rest);
        let first_line = self.first_line;
        self.first_line += text.matches('\n').count();
        Chunk { text, first_line }
    }

    /// Reads one line into `pending`; false at the end of the stream.
    fn read_line(&mut self) -> Result<bool, InputError> {
        self.line.clear();
        let room = (MAX_STATEMENT_BYTES - self.pending.len()) as u64 + 1;
        let got = (&mut self.reader)
            .take(room)
            .read_until(b'\n', &mut self.line)
            .map_err(|source| InputError::Io { origin: self.origin.clone(), source })?;
        if got == 0 {
            return Ok(false);
        }
        self.lines_read += 1;
        if self.pending.len() + got > MAX_STATEMENT_BYTES {
            return Err(InputError::StatementTooLong { origin: self.origin.clone(), line: self.first_line });
        }
        let line = std::str::from_utf8(&self.line)
            .map_err(|_| InputError::NotUtf8 { origin: self.origin.clone(), line: self.lines_read })?;
        self.pending.push_str(line);
        Ok(true)
    }
}

impl<R: BufRead> Iterator for Statements<R> {
    type Item = Result<Chunk, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.read_line() {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(false) => {
                    self.done = true;
                    let significant = !split::scan(&self.pending).statements.is_empty();
                    let end = self.pending.len();
                    return significant.then(|| Ok(self.take(end)));
                }
                // Only a line with a `;` can complete a statement.
                Ok(true) if !self.line.contains(&b';') => {}
                Ok(true) => {
                    let scan = split::scan(&self.pending);
                    let complete = scan.statements.len() - usize::from(scan.incomplete_tail);
                    if complete > 0 {
                        // The statement's range stops before its `;`.
                        let end = scan.statements[complete - 1].end + 1;
                        return Some(Ok(self.take(end)));
                    }
                }
            }
        }
        None
    }
}

/// Reads all of `reader`, refusing more than `limit` bytes.
pub(crate) fn read_bounded(
    reader: &mut dyn Read,
    limit: u64,
    origin: &str,
    what: &'static str,
    why: &'static str,
) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Io { origin: origin.to_string(), source })?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge { origin: origin.to_string(), what, limit, why });
    }
    Ok(bytes)
}

/// The machine's memory and swap in bytes, where the system tells (Linux's `/proc/meminfo`); read
/// once, as it does not change while the process runs.
pub(crate) fn machine_memory() -> Option<u64> {
    static MEMORY: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    *MEMORY.get_or_init(read_machine_memory)
}

fn read_machine_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib = |name: &str| {
        text.lines().find_map(|l| l.strip_prefix(name)?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
    };
    Some((kib("MemTotal:")? + kib("SwapTotal:").unwrap_or(0)).saturating_mul(1024))
}

/// The most a JSON document (a STIX bundle, a MISP galaxy) may take once decompressed: parsed, it
/// takes several times its size, so a sixteenth of the machine's memory, and never more than 2 GiB.
pub(crate) fn json_limit() -> u64 {
    machine_memory().map_or(2 << 30, |m| (m / 16).min(2 << 30))
}

/// Why [`json_limit`] is what it is, for error messages.
pub(crate) const JSON_LIMIT_WHY: &str =
    "a sixteenth of its memory, at most 2 GiB: JSON takes several times its size once parsed";

/// The most any other input read whole (a snapshot from a pipe) may take: a quarter of the memory.
pub(crate) fn whole_limit() -> u64 {
    machine_memory().map_or(8 << 30, |m| m / 4)
}

pub(crate) const WHOLE_LIMIT_WHY: &str = "a quarter of its memory";

/// The memory budget a statement gets unless told otherwise: half the machine's memory and swap,
/// so that the graph itself and the rest of the system keep room; none where the machine does not
/// tell its memory.
pub fn default_statement_memory() -> Option<u64> {
    machine_memory().map(|m| m / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str) -> Vec<(String, usize)> {
        Statements::new(text.as_bytes(), "t").map(|c| c.map(|c| (c.text, c.first_line)).unwrap()).collect()
    }

    #[test]
    fn each_statement_is_handed_on_when_its_semicolon_arrives() {
        let got =
            chunks("CREATE (:A);\nCREATE (:B {s: ';\n'})\n;  MATCH (n)\nRETURN n; RETURN 1; // c\nRETURN 2");
        let texts: Vec<&str> = got.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            texts,
            [
                "CREATE (:A);",
                "\nCREATE (:B {s: ';\n'})\n;",
                "  MATCH (n)\nRETURN n; RETURN 1;",
                " // c\nRETURN 2"
            ]
        );
        assert_eq!(got.iter().map(|c| c.1).collect::<Vec<_>>(), [1, 1, 4, 5]);
        assert!(chunks("  // nothing\n;\n").is_empty());
    }

    /// Issue 14, item 17: statements on standard input ran only once the input ended.
    #[test]
    fn a_statement_is_handed_on_before_the_next_line_is_read() {
        // A reader that fails once past the first line: the first statement comes out before that.
        struct OneLine(&'static [u8], bool);
        impl Read for OneLine {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.1 {
                    return Err(io::Error::other("read past the first statement"));
                }
                self.1 = true;
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                Ok(n)
            }
        }
        let mut statements = Statements::new(io::BufReader::new(OneLine(b"CREATE (:A);\n", false)), "pipe");
        assert_eq!(statements.next().unwrap().unwrap().text, "CREATE (:A);");
        assert!(statements.next().unwrap().is_err());
    }

    #[test]
    fn endless_input_without_a_semicolon_is_refused_within_the_bound() {
        let zeros = io::BufReader::new(io::repeat(0).take(MAX_STATEMENT_BYTES as u64 + 10));
        let mut statements = Statements::new(zeros, "/dev/zero");
        let err = statements.next().unwrap().unwrap_err().to_string();
        assert!(err.contains("runs past 128 MiB"), "{err}");
        assert!(statements.next().is_none());
        let bad = Statements::new(&b"RETURN 1;\nRETURN '\xff';"[..], "x").collect::<Vec<_>>();
        assert!(matches!(bad[1], Err(InputError::NotUtf8 { line: 2, .. })), "{bad:?}");
    }

    #[test]
    fn reading_whole_stops_past_the_limit() {
        let err = read_bounded(&mut io::repeat(1).take(100), 99, "f", "the file", "test").unwrap_err();
        assert!(matches!(err, InputError::TooLarge { limit: 99, .. }));
        assert_eq!(read_bounded(&mut &b"abc"[..], 3, "f", "the file", "test").unwrap(), b"abc");
    }
}
