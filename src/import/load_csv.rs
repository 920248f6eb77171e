//! The file side of `LOAD CSV`: a URL resolved inside the import directory, the file opened (and
//! decompressed when its first bytes say it is gzip), and its records read one at a time, so that a
//! file of any size is read in the memory of its longest record.
//!
//! Only local files are read, and only under the import directory: a statement is text anyone who
//! can send one writes, and a server must not hand them `/etc/passwd` or `~/.ssh`. A `..` in the
//! path is refused outright, and the path is resolved (symbolic links followed) before it is
//! compared with the directory, so a link inside it that leads out is refused too.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Component, Path, PathBuf};

use super::records::{FieldEnd, Records, raw_fields};

/// What went wrong: the message says where, with the file and line when there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct LoadCsvError(pub(crate) String);

/// One field as read: `None` for an empty field that was not quoted (openCypher's null), `""` for
/// one that was.
pub(crate) type Field = Option<String>;

/// A CSV file being read.
pub(crate) struct CsvFile {
    path: PathBuf,
    records: Records<Box<dyn Read + Send>>,
    record: csv::ByteRecord,
    delimiter: u8,
    /// The line the last record began on.
    line: u64,
}

/// The first bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl CsvFile {
    /// Opens the file `url` names, under `import_dir`.
    pub(crate) fn open(url: &str, import_dir: &Path, delimiter: u8) -> Result<CsvFile, LoadCsvError> {
        let path = resolve(url, import_dir)?;
        let shown = path.display();
        let file = File::open(&path).map_err(|e| LoadCsvError(format!("cannot open {shown}: {e}")))?;
        let mut input = BufReader::with_capacity(1 << 16, file);
        // Gzip by content, not by name: a `.csv` that is compressed, or a `.gz` that is not, reads.
        let head = input.fill_buf().map_err(|e| LoadCsvError(format!("cannot read {shown}: {e}")))?;
        let input: Box<dyn Read + Send> = if head.starts_with(&GZIP_MAGIC) {
            Box::new(BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(input)))
        } else {
            Box::new(input)
        };
        Ok(CsvFile {
            path,
            records: Records::with_delimiter(input, 1, delimiter),
            record: csv::ByteRecord::new(),
            delimiter,
            line: 0,
        })
    }

    #[cfg(test)]
    fn with_max_record(mut self, bytes: u64) -> Self {
        self.records = self.records.with_max_record(bytes);
        self
    }

    /// The file's path, resolved (what `file()` returns).
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The line the last record began on (what `linenumber()` returns); 0 before the first.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// The next record's fields, or `None` at the end of the file.
    pub(crate) fn next_record(&mut self) -> Result<Option<Vec<Field>>, LoadCsvError> {
        let read = self.records.next(&mut self.record).map_err(|e| self.error_after_last(&e))?;
        let Some((line, _)) = read else { return Ok(None) };
        self.line = line;
        let quoted_empty = if self.record.iter().any(<[u8]>::is_empty) {
            quoted_empty_fields(self.records.last_raw().unwrap_or_default(), self.delimiter)
        } else {
            Vec::new()
        };
        let mut fields = Vec::with_capacity(self.record.len());
        for (i, bytes) in self.record.iter().enumerate() {
            if bytes.is_empty() && !quoted_empty.get(i).copied().unwrap_or(false) {
                fields.push(None);
                continue;
            }
            let text = std::str::from_utf8(bytes).map_err(|e| {
                self.error(format!(
                    "field {} is not UTF-8 text (byte {} of the field)",
                    i + 1,
                    e.valid_up_to() + 1
                ))
            })?;
            fields.push(Some(text.to_owned()));
        }
        Ok(Some(fields))
    }

    /// An error in the last record read, naming the file and the line.
    pub(crate) fn error(&self, message: impl std::fmt::Display) -> LoadCsvError {
        LoadCsvError(format!("{}, line {}: {message}", self.path.display(), self.line))
    }

    fn error_after_last(&self, e: &csv::Error) -> LoadCsvError {
        let what = match e.kind() {
            csv::ErrorKind::Io(io) => io.to_string(),
            _ => e.to_string(),
        };
        match self.line {
            0 => LoadCsvError(format!("{}: {what}", self.path.display())),
            line => LoadCsvError(format!("{}, after line {line}: {what}", self.path.display())),
        }
    }
}

/// The file `url` names, inside `import_dir`. A `file:` URL's path is taken from the import
/// directory (as Neo4j does: `file:///data.csv` is `data.csv` there); a bare path is the same
/// when relative, and must lead into the directory when absolute.
pub(crate) fn resolve(url: &str, import_dir: &Path) -> Result<PathBuf, LoadCsvError> {
    let relative = match url.split_once(':') {
        Some((scheme, rest)) if is_scheme(scheme) => {
            if !scheme.eq_ignore_ascii_case("file") {
                return Err(LoadCsvError(format!(
                    "`{url}`: only local files (file:///…) can be loaded; kgraph does not fetch {scheme} URLs"
                )));
            }
            let rest = rest.split(['?', '#']).next().unwrap_or_default();
            let path =
                percent_decode(rest).ok_or_else(|| LoadCsvError(format!("`{url}` is not a valid URL")))?;
            // `file:///x`, `file://x` (FalkorDB's spelling) and `file:/x` all name `x` there.
            PathBuf::from(path.trim_start_matches('/'))
        }
        _ => PathBuf::from(url),
    };
    if relative.as_os_str().is_empty() {
        return Err(LoadCsvError(format!("`{url}` names no file")));
    }
    if relative.components().any(|c| c == Component::ParentDir) {
        return Err(LoadCsvError(format!("`{url}`: `..` would leave the import directory, and is refused")));
    }
    let root = import_dir.canonicalize().map_err(|e| {
        LoadCsvError(format!("the import directory {} cannot be read: {e}", import_dir.display()))
    })?;
    let wanted = root.join(&relative);
    let found = wanted.canonicalize().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            LoadCsvError(format!("no file {} in the import directory {}", relative.display(), root.display()))
        }
        _ => LoadCsvError(format!("cannot open {}: {e}", wanted.display())),
    })?;
    if !found.starts_with(&root) {
        return Err(LoadCsvError(format!(
            "`{url}` leads to {}, outside the import directory {}, and is refused",
            found.display(),
            root.display()
        )));
    }
    let meta = found.metadata().map_err(|e| LoadCsvError(format!("cannot open {}: {e}", found.display())))?;
    if !meta.is_file() {
        return Err(LoadCsvError(format!("{} is not a regular file", found.display())));
    }
    Ok(found)
}

/// Whether `s` is a URL scheme (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`). One
/// letter is taken for a Windows drive instead.
fn is_scheme(s: &str) -> bool {
    s.len() > 1
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `%XX` escapes decoded; `None` when one is malformed or the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// For each field of the record `raw` (as it is in the file), whether it is exactly `""`: the csv
/// crate reads that and an empty field alike, and openCypher tells them apart.
fn quoted_empty_fields(raw: &[u8], delimiter: u8) -> Vec<bool> {
    let raw = &raw[raw.iter().take_while(|&&b| b == b'\r' || b == b'\n').count()..];
    let mut out = Vec::new();
    for field in raw_fields(raw, delimiter) {
        out.push(field.ended != FieldEnd::InsideQuotes && &raw[field.start..field.end] == b"\"\"");
        if field.ended != FieldEnd::Delimiter {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &[u8], delimiter: u8) -> Result<Vec<(u64, Vec<Field>)>, LoadCsvError> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("f.csv"), text).expect("write");
        let mut file = CsvFile::open("file:///f.csv", dir.path(), delimiter)?;
        let mut out = Vec::new();
        while let Some(fields) = file.next_record()? {
            out.push((file.line(), fields));
        }
        Ok(out)
    }

    fn some(s: &str) -> Field {
        Some(s.to_string())
    }

    #[test]
    fn an_empty_field_is_null_and_a_quoted_empty_one_is_empty_text() {
        let rows = read_all(b"a,,\"\",\"x,\"\"y\"\"\"\n,\"\"\r\n\"\",\n", b',').expect("read");
        assert_eq!(rows[0].1, vec![some("a"), None, some(""), some("x,\"y\"")]);
        assert_eq!(rows[1].1, vec![None, some("")]);
        assert_eq!(rows[2].1, vec![some(""), None]);
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3]);
    }

    #[test]
    fn quoted_empty_fields_are_found_with_any_delimiter() {
        assert_eq!(quoted_empty_fields(b"\"\";;\"\"", b';'), vec![true, false, true]);
        assert_eq!(quoted_empty_fields(b"\"a;\"\"\"\"\";\"\"\n", b';'), vec![false, true]);
        assert_eq!(quoted_empty_fields(b"\n\r\n\"\"", b','), vec![true]);
    }

    #[test]
    fn a_gzip_file_is_read_by_its_content() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"x;y\n1;2\n").expect("compress");
        let bytes = gz.finish().expect("compress");
        let rows = read_all(&bytes, b';').expect("read");
        assert_eq!(rows, vec![(1, vec![some("x"), some("y")]), (2, vec![some("1"), some("2")])]);
    }

    #[test]
    fn a_field_that_is_not_utf8_names_its_line() {
        let e = read_all(b"a\n\xff\n", b',').expect_err("not UTF-8");
        assert!(e.0.contains("line 2") && e.0.contains("UTF-8"), "{e}");
    }

    #[test]
    fn an_unclosed_quote_names_where_it_opens() {
        let e = read_all(b"a\nb,\"c\nd\n", b',').expect_err("unclosed");
        assert!(e.0.contains("line 2, column 3"), "{e}");
    }

    #[test]
    fn paths_stay_inside_the_import_directory() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let inside = dir.path().join("in");
        std::fs::create_dir(&inside).expect("mkdir");
        std::fs::write(inside.join("a b.csv"), "x").expect("write");
        std::fs::write(dir.path().join("secret.csv"), "x").expect("write");
        let root = inside.canonicalize().expect("canonical");
        assert_eq!(resolve("file:///a%20b.csv", &inside), Ok(root.join("a b.csv")));
        assert_eq!(resolve("FILE://a b.csv", &inside), Ok(root.join("a b.csv")));
        assert_eq!(resolve("a b.csv", &inside), Ok(root.join("a b.csv")));
        assert_eq!(resolve(&root.join("a b.csv").display().to_string(), &inside), Ok(root.join("a b.csv")));
        for refused in ["file:///../secret.csv", "../secret.csv", "https://example.org/x.csv", "file:///"] {
            assert!(resolve(refused, &inside).is_err(), "{refused} was let through");
        }
        let outside = dir.path().join("secret.csv").canonicalize().expect("canonical");
        let e = resolve(&outside.display().to_string(), &inside).expect_err("an absolute path outside");
        assert!(e.0.contains("outside the import directory"), "{e}");
        assert!(resolve("file:///", &inside).is_err());
        assert!(resolve("missing.csv", &inside).expect_err("missing").0.contains("no file missing.csv"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.csv"), inside.join("link.csv"))
                .expect("symlink");
            let e = resolve("file:///link.csv", &inside).expect_err("a link out");
            assert!(e.0.contains("outside the import directory"), "{e}");
        }
    }

    #[test]
    fn a_record_past_the_bound_is_refused_not_read_whole() {
        // A quote never closed would take in the whole file as one field. (A bound of 1 MiB: the
        // test need not hold 64 MiB, which would move the process's memory under the tests that
        // measure it.)
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut text = b"a\n\"".to_vec();
        text.resize(3 << 20, b'x');
        std::fs::write(dir.path().join("f.csv"), &text).expect("write");
        let mut file = CsvFile::open("f.csv", dir.path(), b',').expect("opens").with_max_record(1 << 20);
        assert!(file.next_record().expect("the first record").is_some());
        let e = file.next_record().expect_err("too long");
        assert!(e.0.contains("longer than 1 MiB") && e.0.contains("after line 1"), "{e}");
    }
}
