//! The journal file: a header naming the snapshot it continues, then records, each
//! `[u32 length][u32 CRC-32 of the payload][payload]` (little-endian), the payload one part of a
//! statement's changes (see `record.rs`).
//!
//! Reading ends at the first record that is not whole (cut short, a length out of bounds, a bad
//! checksum, a payload that does not decode, a number out of sequence), together with a statement
//! whose last part never came. When no whole record follows anywhere after it, what is left is a
//! tail a crash left (a write cut short, or zeros a file system put in before the data), and is
//! dropped; otherwise records would be lost behind damage, and the journal is refused.
//!
//! Journals written before the header existed hold JSON records of statement text; they are still
//! read, as [`Entry::Statement`].

use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use serde::Deserialize;

use super::DbError;
use super::record::{self, MAX_PAYLOAD, Part};

pub(crate) const MAGIC: &[u8; 8] = b"\x89KGJRNL\n";
/// Magic, the number of the snapshot the journal continues (u64), and a CRC-32 of the two.
pub(crate) const HEADER_LEN: usize = 20;
const FRAME_LEN: usize = 8;

/// The header of a journal that continues snapshot `base`.
pub(crate) fn header(base: u64) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(MAGIC);
    h[8..16].copy_from_slice(&base.to_le_bytes());
    let crc = crc32fast::hash(&h[..16]);
    h[16..].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Appends `payload` to `out` as a record.
pub(crate) fn frame(payload: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// A record of a journal written before the header: a statement to run again.
#[derive(Debug, Deserialize)]
pub(crate) struct StatementRecord {
    pub(crate) seq: u64,
    pub(crate) statement: String,
    pub(crate) params: serde_json::Value,
    /// What the statement's `rand()` drew from; missing in the oldest records.
    #[serde(default)]
    pub(crate) seed: Option<u64>,
}

/// A whole statement read back.
#[derive(Debug)]
pub(crate) enum Entry {
    Changes { seq: u64, parts: Vec<Part> },
    Statement(StatementRecord),
}

impl Entry {
    pub(crate) fn seq(&self) -> u64 {
        match self {
            Entry::Changes { seq, .. } => *seq,
            Entry::Statement(r) => r.seq,
        }
    }
}

/// Bytes at the end of a journal that were not a whole statement, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedTail {
    pub offset: u64,
    pub bytes: Vec<u8>,
    pub why: String,
}

/// What reading a journal found, besides its statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scan {
    /// The snapshot the journal continues, from its header; `None` for a journal without one (empty,
    /// or written before headers).
    pub(crate) base: Option<u64>,
    /// The records are statements (a journal from before the header).
    pub(crate) statements: bool,
    /// The bytes the header and the whole statements span.
    pub(crate) valid_len: u64,
    pub(crate) dropped: Option<DroppedTail>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Changes,
    Statements,
}

/// Reads a journal: `at_header` is told its base before any statement, `each` gets the whole
/// statements in order. Damage followed by a whole record is an error naming its offset.
pub(crate) fn read<R: Read + Seek>(
    source: &mut R,
    path: &Path,
    at_header: &mut dyn FnMut(Option<u64>) -> Result<(), DbError>,
    each: &mut dyn FnMut(Entry) -> Result<(), DbError>,
) -> Result<Scan, DbError> {
    let io_err = |source| DbError::Io { path: path.to_path_buf(), source };
    let mut head = [0u8; HEADER_LEN];
    let got = read_up_to(source, &mut head).map_err(io_err)?;
    let mut scan = Scan { base: None, statements: false, valid_len: 0, dropped: None };
    let format = if got == HEADER_LEN && head[..8] == *MAGIC && head == header(le8(&head[8..16])) {
        scan.base = Some(le8(&head[8..16]));
        scan.valid_len = HEADER_LEN as u64;
        Format::Changes
    } else if got > FRAME_LEN && head[FRAME_LEN] == b'{' {
        scan.statements = true;
        Format::Statements
    } else {
        Format::Changes
    };
    at_header(scan.base)?;
    source.seek(SeekFrom::Start(scan.valid_len)).map_err(io_err)?;
    let mut reader = io::BufReader::new(&mut *source);
    let mut at = scan.valid_len;
    // The last statement taken whole, and the parts of the one being read with where it began.
    let mut last_seq: Option<u64> = scan.base;
    let mut pending: Option<(u64, Vec<Part>)> = None;
    let invalid = loop {
        let record = match next_record(&mut reader, format, last_seq, pending.as_ref().map(|p| &p.1)) {
            Ok(Some(record)) => record,
            Ok(None) => break pending.as_ref().map(|_| "the statement's last record is missing".to_string()),
            Err(Bad::Io(e)) => return Err(io_err(e)),
            Err(Bad::Record(why)) => break Some(why),
        };
        at += record.len;
        match record.content {
            Content::Statement(r) => {
                last_seq = Some(r.seq);
                scan.valid_len = at;
                each(Entry::Statement(r))?;
            }
            Content::Part(part) => {
                let (seq, last) = (part.seq, part.last);
                pending.get_or_insert_with(|| (at - record.len, Vec::new())).1.push(part);
                if last {
                    let (_, parts) = pending.take().unwrap_or_default();
                    last_seq = Some(seq);
                    scan.valid_len = at;
                    each(Entry::Changes { seq, parts })?;
                }
            }
        }
    };
    drop(reader);
    if let Some(why) = invalid {
        let tail_from = pending.as_ref().map_or(at, |p| p.0);
        source.seek(SeekFrom::Start(tail_from)).map_err(io_err)?;
        let mut bytes = Vec::new();
        source.read_to_end(&mut bytes).map_err(io_err)?;
        let damage_at = (at - tail_from) as usize;
        if let Some(next) = whole_record_after(&bytes, damage_at, format, last_seq) {
            return Err(DbError::CorruptJournal {
                path: path.to_path_buf(),
                offset: at,
                detail: format!("{why}, and a whole record follows at byte {}", tail_from + next as u64),
            });
        }
        scan.dropped = Some(DroppedTail { offset: tail_from, bytes, why });
    }
    Ok(scan)
}

struct Record {
    /// Bytes the record takes, frame included.
    len: u64,
    content: Content,
}

enum Content {
    Part(Part),
    Statement(StatementRecord),
}

enum Bad {
    Io(io::Error),
    Record(String),
}

/// The next record, `None` at the end of the file; `Bad::Record` says why the bytes there are not
/// one that may come next.
fn next_record(
    reader: &mut impl Read,
    format: Format,
    last_seq: Option<u64>,
    pending: Option<&Vec<Part>>,
) -> Result<Option<Record>, Bad> {
    let mut frame = [0u8; FRAME_LEN];
    match read_up_to(reader, &mut frame).map_err(Bad::Io)? {
        0 => return Ok(None),
        FRAME_LEN => {}
        _ => return Err(Bad::Record("a record header is cut short".into())),
    }
    let len = le4(&frame[..4]) as usize;
    if len == 0 || len > MAX_PAYLOAD {
        return Err(Bad::Record(format!("a record claims {len} bytes")));
    }
    let mut payload = vec![0u8; len];
    if read_up_to(reader, &mut payload).map_err(Bad::Io)? < len {
        return Err(Bad::Record("a record is cut short".into()));
    }
    if crc32fast::hash(&payload) != le4(&frame[4..]) {
        return Err(Bad::Record("a record's checksum does not match".into()));
    }
    let content = decode(&payload, format, last_seq, pending).map_err(Bad::Record)?;
    Ok(Some(Record { len: (FRAME_LEN + len) as u64, content }))
}

/// A record's payload, checked to be the one that may come next.
fn decode(
    payload: &[u8],
    format: Format,
    last_seq: Option<u64>,
    pending: Option<&Vec<Part>>,
) -> Result<Content, String> {
    let follows = |seq: u64| last_seq.is_none_or(|last| Some(seq) == last.checked_add(1));
    match format {
        Format::Statements => {
            let r: StatementRecord =
                serde_json::from_slice(payload).map_err(|e| format!("a record does not decode: {e}"))?;
            if !follows(r.seq) {
                return Err(format!("record {} is out of sequence", r.seq));
            }
            Ok(Content::Statement(r))
        }
        Format::Changes => {
            let part = record::decode(payload).map_err(|e| format!("a record does not decode: {e}"))?;
            let in_order = match pending.and_then(|parts| parts.last()) {
                Some(prev) => part.seq == prev.seq && Some(part.number) == prev.number.checked_add(1),
                None => part.number == 0 && follows(part.seq),
            };
            if !in_order {
                return Err(format!("record {} (part {}) is out of sequence", part.seq, part.number));
            }
            Ok(Content::Part(part))
        }
    }
}

/// The offset in `bytes` after `from` where a record begins that could follow statement
/// `last_seq`: whole, its checksum right, its payload decoding. Every offset is tried, which only a
/// damaged journal pays for; a number is checked before the checksum, so that most offsets cost a
/// few comparisons.
fn whole_record_after(bytes: &[u8], from: usize, format: Format, last_seq: Option<u64>) -> Option<usize> {
    let later = |seq: u64| last_seq.is_none_or(|last| seq > last);
    (from + 1..bytes.len()).find(|&at| {
        let rest = &bytes[at..];
        if rest.len() < FRAME_LEN {
            return false;
        }
        let len = le4(&rest[..4]) as usize;
        if len == 0 || len > MAX_PAYLOAD || rest.len() < FRAME_LEN + len {
            return false;
        }
        let payload = &rest[FRAME_LEN..FRAME_LEN + len];
        let plausible = match format {
            Format::Changes => record::seq_of(payload).is_some_and(later),
            Format::Statements => payload.first() == Some(&b'{'),
        };
        plausible
            && crc32fast::hash(payload) == le4(&rest[4..8])
            && match format {
                Format::Changes => record::decode(payload).is_ok(),
                Format::Statements => {
                    serde_json::from_slice::<StatementRecord>(payload).is_ok_and(|r| later(r.seq))
                }
            }
    })
}

/// Reads until `buf` is full or the source ends; how many bytes came.
fn read_up_to(source: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match source.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn le4(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le8(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}
