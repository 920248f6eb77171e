//! The records of a stretch of a CSV file, each with the line it begins on.
//!
//! The csv crate's position of a record is where its reader stood before reading it: before any
//! blank lines it skipped on the way, and, after a record ended by a carriage return and line feed,
//! before that line feed (it counts the line feed with the next record). An error in the record
//! after a blank line would name the blank line. So the bytes read are kept until the next record's
//! start is known, and the line feeds skipped before it are counted in.

use std::io::Read;

/// The longest record read: past it a file is refused rather than held in memory whole (a file
/// with no line end, or a quote never closed, would otherwise be read into one record).
pub(crate) const MAX_RECORD_BYTES: u64 = 64 << 20;

/// Records read from `input`, whose first byte is on line `line`.
pub(crate) struct Records<R: Read> {
    reader: csv::Reader<Kept<R>>,
    line: u64,
    /// The last record read: where it starts and ends (from the start of `input`) and its line.
    last: Option<(u64, u64, u64)>,
}

impl<R: Read> Records<R> {
    pub(crate) fn new(input: R, line: u64) -> Self {
        Records::with_delimiter(input, line, b',')
    }

    /// Records whose fields `delimiter` separates.
    pub(crate) fn with_delimiter(input: R, line: u64, delimiter: u8) -> Self {
        // Flexible: records are checked against the header's length by the caller, with their line.
        let reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(
                Kept {
                    input,
                    kept: Vec::new(),
                    kept_from: 0,
                    record_from: 0,
                    delimiter,
                    max_record: MAX_RECORD_BYTES,
                },
            );
        Records { reader, line, last: None }
    }

    /// Refuses records longer than `bytes` rather than [`MAX_RECORD_BYTES`] (tests, which need not
    /// hold 64 MiB to see the refusal).
    #[cfg(test)]
    pub(crate) fn with_max_record(mut self, bytes: u64) -> Self {
        self.reader.get_mut().max_record = bytes;
        self
    }

    /// The bytes of the last record read as they are in the input (quotes and all), with the line
    /// ends skipped before it; `None` before the first.
    pub(crate) fn last_raw(&self) -> Option<&[u8]> {
        let (at, end, _) = self.last?;
        let kept = self.reader.get_ref();
        let from = usize::try_from(at.checked_sub(kept.kept_from)?).ok()?;
        let to = usize::try_from(end.checked_sub(kept.kept_from)?).ok()?;
        kept.kept.get(from..to)
    }

    /// Reads the next record into `record`; the line it begins on and the byte after it (counted
    /// from the start of `input`), or `None` at the end.
    pub(crate) fn next(&mut self, record: &mut csv::ByteRecord) -> csv::Result<Option<(u64, u64)>> {
        if !self.reader.read_byte_record(record)? {
            return match self.last.and_then(|last| self.reader.get_ref().unclosed_quote(last)) {
                Some((line, column)) => Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "line {line}, column {column}: a quoted field opens here and is never closed, so it \
                         would take in the rest of the file"
                    ),
                )
                .into()),
                None => Ok(None),
            };
        }
        // Reading a record always sets its position.
        let (at, reported) = record.position().map_or((0, 1), |p| (p.byte(), p.line()));
        let skipped = self.reader.get_mut().line_feeds_skipped_at(at);
        let (line, end) = (self.line + reported - 1 + skipped, self.reader.position().byte());
        self.last = Some((at, end, line));
        self.reader.get_mut().record_from = end;
        Ok(Some((line, end)))
    }
}

/// A reader that keeps what it has handed out, from the start of the current record on.
struct Kept<R> {
    input: R,
    kept: Vec<u8>,
    /// The offset (from the start of the input) of `kept[0]`.
    kept_from: u64,
    /// Where the record being read begins (the end of the last one).
    record_from: u64,
    delimiter: u8,
    max_record: u64,
}

impl<R: Read> Read for Kept<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read_to = self.kept_from + self.kept.len() as u64;
        if read_to.saturating_sub(self.record_from) > self.max_record {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a record longer than {} (a line end missing, or a quote never closed?)",
                    crate::query::describe_bytes(self.max_record)
                ),
            ));
        }
        let n = self.input.read(buf)?;
        self.kept.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// A field of CSV as it is in the input, quotes and all: where it lies, and what ended it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawField {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) ended: FieldEnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldEnd {
    Delimiter,
    /// A carriage return or line feed outside quotes: the end of a record.
    LineEnd,
    /// The end of the input.
    Input,
    /// The end of the input, inside a quoted field that never closed.
    InsideQuotes,
}

/// The fields of `raw` as the csv crate reads them: a quote opens a quoted field only at the
/// field's start, and a doubled quote inside it stands for one. They run on past the ends of
/// records, to the end of `raw`.
pub(crate) fn raw_fields(raw: &[u8], delimiter: u8) -> impl Iterator<Item = RawField> + '_ {
    let mut next = Some(0);
    std::iter::from_fn(move || {
        let start = next?;
        let (mut i, mut quoted) = (start, false);
        loop {
            let Some(&b) = raw.get(i) else {
                next = None;
                let ended = if quoted { FieldEnd::InsideQuotes } else { FieldEnd::Input };
                return Some(RawField { start, end: i, ended });
            };
            if quoted {
                if b == b'"' {
                    if raw.get(i + 1) == Some(&b'"') {
                        i += 1; // a doubled quote stands for one, inside the field
                    } else {
                        quoted = false;
                    }
                }
            } else if b == b'"' && i == start {
                quoted = true;
            } else if b == delimiter || b == b'\n' || b == b'\r' {
                next = Some(i + 1);
                let ended = if b == delimiter { FieldEnd::Delimiter } else { FieldEnd::LineEnd };
                return Some(RawField { start, end: i, ended });
            }
            i += 1;
        }
    })
}

/// Below this many bytes, what is kept is not trimmed: trimming moves what follows the cut.
const KEEP_AT_LEAST: usize = 1 << 16;

impl<R> Kept<R> {
    /// Where in the record at `at..end` (beginning on `line`) a quoted field opens that the record
    /// ends inside of: the csv crate reads such a field to the end of the input, quietly. Only the
    /// last record can end so, and only it is asked about.
    fn unclosed_quote(&self, (at, end, line): (u64, u64, u64)) -> Option<(u64, usize)> {
        let from = usize::try_from(at.checked_sub(self.kept_from)?).ok()?;
        let to = usize::try_from(end.checked_sub(self.kept_from)?).ok()?;
        let raw = self.kept.get(from..to)?;
        // The line ends the csv crate skipped before the record are counted in `line` already.
        let raw = &raw[raw.iter().take_while(|&&b| b == b'\r' || b == b'\n').count()..];
        memchr::memchr(b'"', raw)?;
        let opened = raw_fields(raw, self.delimiter).find(|f| f.ended == FieldEnd::InsideQuotes)?.start;
        let before = &raw[..opened];
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        Some((line + memchr::memchr_iter(b'\n', before).count() as u64, column))
    }

    /// How many line feeds the run of line ends at offset `at` (where the csv crate says a record
    /// starts) holds: the blank lines, or the rest of a carriage return and line feed, it skipped
    /// before the record's first byte. Nothing before `at` is asked for again.
    fn line_feeds_skipped_at(&mut self, at: u64) -> u64 {
        let Some(from) = at.checked_sub(self.kept_from).and_then(|f| usize::try_from(f).ok()) else {
            return 0;
        };
        let run = self.kept.get(from..).unwrap_or_default().iter().take_while(|&&b| b == b'\r' || b == b'\n');
        let line_feeds = run.filter(|&&b| b == b'\n').count() as u64;
        // Trimmed only once the part before `at` is the larger, so each byte moves once at most.
        if from > KEEP_AT_LEAST && from > self.kept.len() / 2 {
            self.kept.drain(..from);
            self.kept_from = at;
        }
        line_feeds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(text: &str) -> Vec<(u64, String)> {
        let mut records = Records::new(text.as_bytes(), 2);
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while let Some((line, _)) = records.next(&mut record).expect("read") {
            out.push((line, String::from_utf8_lossy(&record[0]).into_owned()));
        }
        out
    }

    #[test]
    fn each_record_is_on_the_line_it_begins_on() {
        let want = |pairs: &[(u64, &str)]| pairs.iter().map(|&(l, s)| (l, s.to_string())).collect::<Vec<_>>();
        assert_eq!(lines_of("a\nb\n"), want(&[(2, "a"), (3, "b")]));
        // Blank lines, with line feeds and with carriage returns.
        assert_eq!(lines_of("a\n\n\nb\n\r\n\r\nc"), want(&[(2, "a"), (5, "b"), (8, "c")]));
        // Carriage returns and line feeds.
        assert_eq!(lines_of("\r\na\r\nb\r\nc\r\n"), want(&[(3, "a"), (4, "b"), (5, "c")]));
        // A line feed inside quotes belongs to its record.
        assert_eq!(
            lines_of("\"a\nx\",1\r\nb\n\"c\r\n\"\nd"),
            want(&[(2, "a\nx"), (4, "b"), (5, "c\r\n"), (7, "d")])
        );
    }

    #[test]
    fn what_is_kept_is_trimmed_as_records_go() {
        let text: String = (0..100_000).map(|i| format!("r{i}\n")).collect();
        let mut records = Records::new(text.as_bytes(), 1);
        let mut record = csv::ByteRecord::new();
        let mut last = 0;
        while let Some((line, _)) = records.next(&mut record).expect("read") {
            assert_eq!(record[0], *format!("r{}", line - 1).as_bytes());
            last = line;
        }
        assert_eq!(last, 100_000);
        assert!(records.reader.get_ref().kept.len() < 4 * KEEP_AT_LEAST, "the kept bytes were trimmed");
    }
}
