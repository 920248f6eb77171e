//! Where a CSV file can be cut into parts that parse on their own: after a line feed that ends a
//! record, never one inside a quoted field.
//!
//! The scan follows quoting as the csv crate reads it, for files whose quotes are all plain: a quote
//! opens a field right after a comma, a line feed or the start of the records, and inside a quoted
//! field a quote is either doubled or closes the field right before a comma, a line end or the end
//! of the file. A file with any other quote (one inside an unquoted field, text after a closing
//! quote) is read in one pass: the csv crate reads those leniently, and a scan that agreed with it on
//! them would be a second CSV parser. Outside quotes every line feed ends a record (or a blank line),
//! carriage return or not. The scan jumps from quote to quote, so a file with few quotes costs
//! little more than counting its lines.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Where the parts of a file begin.
pub(in crate::import) struct Cuts {
    /// Each part's first byte, just after a line feed that ends a record, and the line it begins on.
    pub bounds: Vec<(u64, u64)>,
    /// The line the file ends on.
    pub last_line: u64,
}

/// Where `parts` parts of the records from byte `start` (on line `line`) to `size` begin; `None`
/// when the file's quoting is not plain.
pub(in crate::import) fn cut(
    path: &Path,
    start: u64,
    line: u64,
    size: u64,
    parts: usize,
) -> std::io::Result<Option<Cuts>> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let targets: Vec<u64> = (1..parts as u64).map(|k| start + (size - start) * k / parts as u64).collect();
    let mut bounds = vec![(start, line)];
    let mut scan = Scan { inside: false, before: None, quote_pending: false };
    let (mut offset, mut lines) = (start, line);
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        let bytes = &chunk[..n];
        let Some(mut skip) = scan.settle(bytes) else { return Ok(None) };
        let next_target = targets.get(bounds.len() - 1).copied();
        if next_target.is_some_and(|target| target < offset + n as u64) {
            // A cut falls in this chunk (or fell before it, inside quotes): line feeds matter too.
            for i in memchr::memchr2_iter(b'"', b'\n', bytes) {
                if bytes[i] == b'\n' {
                    lines += 1;
                    let after = offset + i as u64 + 1;
                    let due = targets.get(bounds.len() - 1).is_some_and(|&t| after > t);
                    if !scan.inside && due && after < size {
                        bounds.push((after, lines));
                    }
                } else if !scan.step(bytes, i, &mut skip) {
                    return Ok(None);
                }
            }
        } else {
            for i in memchr::memchr_iter(b'"', bytes) {
                if !scan.step(bytes, i, &mut skip) {
                    return Ok(None);
                }
            }
            lines += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        }
        scan.before = bytes.last().copied();
        offset += n as u64;
    }
    Ok(Some(Cuts { bounds, last_line: lines }))
}

struct Scan {
    /// Inside a quoted field.
    inside: bool,
    /// The byte before the chunk being scanned; `None` at the start of the records.
    before: Option<u8>,
    /// The previous chunk ended with a quote inside a quoted field: doubled, or closing the field,
    /// as this chunk's first byte tells.
    quote_pending: bool,
}

impl Scan {
    /// Settles a quote the previous chunk left pending with this chunk's first byte; the position
    /// of a quote already taken as the second of a doubled pair, if any. `None` when quoting is not
    /// plain.
    fn settle(&mut self, bytes: &[u8]) -> Option<Option<usize>> {
        if !std::mem::take(&mut self.quote_pending) {
            return Some(None);
        }
        match bytes.first() {
            Some(b'"') => Some(Some(0)),
            Some(b',' | b'\n' | b'\r') => {
                self.inside = false;
                Some(None)
            }
            _ => None,
        }
    }

    /// Takes the quote at `bytes[i]` into account; false when quoting is not plain. `skip` is a
    /// quote already taken as the second of a doubled pair.
    fn step(&mut self, bytes: &[u8], i: usize, skip: &mut Option<usize>) -> bool {
        if *skip == Some(i) {
            return true;
        }
        if !self.inside {
            let before = if i > 0 { Some(bytes[i - 1]) } else { self.before };
            self.inside = matches!(before, None | Some(b',' | b'\n'));
            return self.inside;
        }
        match bytes.get(i + 1) {
            Some(b'"') => *skip = Some(i + 1),
            Some(b',' | b'\n' | b'\r') => self.inside = false,
            None => self.quote_pending = true,
            Some(_) => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The records of `text` from byte `from` to `to`, each with the line it begins on (the first
    /// byte being on `line`), as an import reads them.
    /// A record's line and fields.
    type Read = (u64, Vec<Vec<u8>>);

    /// Or the error reading them (a quoted field never closed).
    fn records(text: &[u8], from: usize, to: usize, line: u64) -> Result<Vec<Read>, String> {
        let mut records = crate::import::records::Records::new(&text[from..to], line);
        let mut out = Vec::new();
        let mut record = csv::ByteRecord::new();
        while let Some((at, _)) = records.next(&mut record).map_err(|e| e.to_string())? {
            out.push((at, record.iter().map(<[u8]>::to_vec).collect()));
        }
        Ok(out)
    }

    /// Cuts `text` (a header line, then records) in `parts` and checks that reading each part on its
    /// own reads what one pass reads; whether it was cut.
    fn cut_agrees(text: &[u8], parts: usize) -> Result<bool, TestCaseError> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("f.csv");
        std::fs::write(&path, text).expect("written");
        let start = text.iter().position(|&b| b == b'\n').map_or(text.len(), |i| i + 1);
        let Some(cuts) = cut(&path, start as u64, 2, text.len() as u64, parts).expect("read") else {
            return Ok(false);
        };
        let whole = records(text, start, text.len(), 2);
        let mut pieced = Vec::new();
        let mut failed = None;
        for (k, &(at, line)) in cuts.bounds.iter().enumerate() {
            let end = cuts.bounds.get(k + 1).map_or(text.len(), |b| b.0 as usize);
            prop_assert!(
                at == start as u64 || text[at as usize - 1] == b'\n',
                "a part starts after a line feed"
            );
            match records(text, at as usize, end, line) {
                Ok(part) => pieced.extend(part),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let whole = match (whole, failed) {
            (Ok(whole), None) => whole,
            (Err(a), Some(b)) => {
                prop_assert_eq!(a, b, "the same error in parts as in one pass");
                return Ok(true);
            }
            (whole, failed) => {
                return Err(TestCaseError::fail(format!("one pass gave {whole:?}, the parts {failed:?}")));
            }
        };
        let differ = pieced.iter().zip(&whole).position(|(a, b)| a != b);
        prop_assert!(
            pieced.len() == whole.len() && differ.is_none(),
            "{} records in parts, {} in one pass; first difference at record {differ:?}: lines {:?} and {:?}",
            pieced.len(),
            whole.len(),
            differ.map(|d| pieced[d].0),
            differ.map(|d| whole[d].0)
        );
        let feeds = text[start..].iter().filter(|&&b| b == b'\n').count() as u64;
        prop_assert_eq!(cuts.last_line, 2 + feeds);
        Ok(true)
    }

    /// A field as a CSV writer would write it: quoted (quotes doubled) when it must be, or when
    /// `quote_anyway`.
    fn written(field: &str, quote_anyway: bool) -> String {
        if quote_anyway || field.contains(['"', ',', '\n', '\r']) {
            format!("\"{}\"", field.replace('"', "\"\""))
        } else {
            field.to_string()
        }
    }

    fn plain_file() -> impl Strategy<Value = String> {
        let field = ("[a-c\",\n\r ]{0,6}", any::<bool>());
        let record = prop::collection::vec(field, 1..4);
        (prop::collection::vec(record, 0..40), any::<bool>()).prop_map(|(records, crlf)| {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut text = format!("a,b,c{end}");
            for record in records {
                let fields: Vec<String> = record.iter().map(|(f, q)| written(f, *q)).collect();
                text.push_str(&fields.join(","));
                text.push_str(end);
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn plainly_quoted_files_are_cut_between_records(text in plain_file(), parts in 2usize..6) {
            prop_assert!(cut_agrees(text.as_bytes(), parts)?, "a plainly quoted file is cut");
        }

        #[test]
        fn any_file_cut_at_all_is_cut_between_records(
            text in "a,b\n[ab\",\n\r]{0,80}",
            parts in 2usize..6,
        ) {
            cut_agrees(text.as_bytes(), parts)?;
        }
    }

    #[test]
    fn quotes_the_csv_crate_reads_leniently_keep_a_file_whole() {
        for text in ["h\nab\"c,d\nx,y\n", "h\n\"a\"b,c\nx\n", "h\n\"a\"\"b\"x\n"] {
            assert_eq!(cut_agrees(text.as_bytes(), 2).map_err(|e| e.to_string()), Ok(false), "{text:?}");
        }
        for text in ["h\n\"a\nb\",\"c\"\"d\r\"\n\"\",x\n1,2\n", "h\r\na,b\r\n\"c\"\r\n\r\nd\re\n"] {
            assert_eq!(cut_agrees(text.as_bytes(), 3).map_err(|e| e.to_string()), Ok(true), "{text:?}");
        }
    }

    #[test]
    fn a_decision_left_at_the_end_of_a_read_is_taken_with_the_next() {
        const READ: usize = 1 << 20;
        let y = |n: usize| "y".repeat(n);
        // Each case puts a quote last in the first read of the records (which begin after "h\n").
        let cases = [
            // A quote inside quotes, then a quote: doubled.
            (format!("\"{}\"\"z\",1\n", y(READ - 2)), true),
            // A quote inside quotes, then a comma: closing.
            (format!("\"{}\",1\n", y(READ - 2)), true),
            // A quote inside quotes, then a letter: text after a closing quote.
            (format!("\"{}\"z,1\n", y(READ - 2)), false),
        ];
        for (records, cut_at_all) in cases {
            let text = format!("h\n{records}1,2\n3,4\n");
            assert_eq!(
                cut_agrees(text.as_bytes(), 2).map_err(|e| e.to_string()),
                Ok(cut_at_all),
                "{:?}",
                &records[READ - 3..]
            );
        }
    }
}
