//! Files handed to kgraph, recognised by their content and read once: a snapshot (by its magic
//! bytes), a JSON document (a STIX bundle or a MISP galaxy, gzip-compressed or not), or a Cypher
//! script. A file is opened once and its first bytes are kept for what follows them, so that a pipe
//! (`kgraph <(producer)`) or a FIFO loses nothing and is never opened twice; scripts are streamed
//! statement by statement, other content read whole within what the machine can hold.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::Error;
use crate::graph::Graph;
use crate::input::{self, InputError};
use crate::progress::{Counting, Progress, Silent, Unit};
use crate::snapshot;

/// What loading a file did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    pub snapshot: bool,
    /// A STIX bundle: how many objects it held.
    pub stix_objects: Option<usize>,
    /// What the file was, when neither a snapshot nor a bundle nor a galaxy nor a script.
    pub format: Option<&'static str>,
    /// A MISP galaxy: how many values (clusters) it held.
    pub misp_values: Option<usize>,
    /// References to objects a STIX bundle does not hold, and other objects it could not take.
    pub problems: Vec<String>,
    pub statements: usize,
    /// `same-as` relationships added between MISP actors and STIX intrusion sets by a merge.
    pub same_as: usize,
    pub nodes: usize,
    pub relationships: usize,
}

/// A script's text as it is read, from where the file's content begins.
pub type Script = Box<dyn BufRead + Send>;

/// A file's content, recognised: a graph decoded (a snapshot or a JSON document), or a script to
/// run as it is read.
pub enum Loaded {
    Graph(Box<Graph>, LoadReport),
    Script(Script),
}

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Snapshot,
    Json,
    /// An XML document: GraphML.
    Xml,
    Script,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Leading blanks past this decide nothing: the file is taken for a script.
const SNIFF_LIMIT: usize = 64 << 10;

impl Kind {
    /// The kind, once `head` says it; `None` while more bytes could change the answer.
    fn of(head: &[u8], at_end: bool) -> Option<Kind> {
        if head.starts_with(snapshot::MAGIC) {
            return Some(Kind::Snapshot);
        }
        if head.len() < snapshot::MAGIC.len() && snapshot::MAGIC.starts_with(head) && !at_end {
            return None;
        }
        if head.starts_with(&GZIP_MAGIC) {
            return Some(Kind::Json);
        }
        let text = head.strip_prefix(BOM).unwrap_or(head);
        match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{' | b'[') => Some(Kind::Json),
            // No Cypher statement begins with `<`.
            Some(b'<') => Some(Kind::Xml),
            Some(_) => Some(Kind::Script),
            None if at_end || head.len() >= SNIFF_LIMIT => Some(Kind::Script),
            None => None,
        }
    }
}

/// Reads a file's first bytes, until they tell what it is.
fn sniff(file: &mut File) -> io::Result<(Vec<u8>, Kind)> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        head.extend_from_slice(&buf[..n]);
        if let Some(kind) = Kind::of(&head, n == 0) {
            return Ok((head, kind));
        }
    }
}

/// Reads and recognises a file; graphs are decoded, scripts are left to run.
pub fn read_file(path: &Path) -> Result<Loaded, Error> {
    read_file_with(path, &mut Silent)
}

/// `read_file`, telling `progress` of each stage.
pub fn read_file_with(path: &Path, progress: &mut dyn Progress) -> Result<Loaded, Error> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let origin = path.display().to_string();
    let mut file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return read_csv_dir(path, progress);
    }
    let (mut head, kind) = sniff(&mut file).map_err(io)?;
    // Only a regular file's length is its content's; a pipe or a device says nothing, or zero.
    let size = meta.is_file().then_some(meta.len());
    match kind {
        Kind::Script => {
            if head.starts_with(BOM) {
                head.drain(..BOM.len());
            }
            Ok(Loaded::Script(Box::new(BufReader::with_capacity(1 << 20, io::Cursor::new(head).chain(file)))))
        }
        Kind::Snapshot => {
            let graph = match size {
                Some(size) => {
                    file.seek(SeekFrom::Start(0)).map_err(io)?;
                    snapshot::load_open(file, size, path, progress)?
                }
                None => {
                    let limit = input::whole_limit();
                    let bytes =
                        read_whole(head, file, None, limit, input::WHOLE_LIMIT_WHY, &origin, progress)?;
                    snapshot::from_bytes_with(&bytes, path, progress)?
                }
            };
            Ok(Loaded::Graph(Box::new(graph), LoadReport { snapshot: true, ..LoadReport::default() }))
        }
        Kind::Json | Kind::Xml => {
            let limit = input::json_limit();
            let bytes = read_whole(head, file, size, limit, input::JSON_LIMIT_WHY, &origin, progress)?;
            let (graph, report) = if kind == Kind::Xml {
                progress.stage("reading GraphML", None, Unit::Items);
                let (graph, problems) = crate::readback::read_graphml(&bytes).map_err(|detail| {
                    Error::Format { path: path.to_path_buf(), format: "GraphML", detail }
                })?;
                (graph, LoadReport { format: Some("GraphML"), problems, ..LoadReport::default() })
            } else if crate::readback::looks_like_jsonl(&bytes) {
                progress.stage("reading JSON Lines", None, Unit::Items);
                let (graph, problems) = crate::readback::read_jsonl(&bytes);
                (graph, LoadReport { format: Some("JSON Lines"), problems, ..LoadReport::default() })
            } else {
                let (graph, stix) = crate::stix::import_with(&bytes, progress)
                    .map_err(|e| Error::Stix { path: path.to_path_buf(), detail: e.to_string() })?;
                let (stix_objects, misp_values) =
                    if stix.galaxy { (None, Some(stix.objects)) } else { (Some(stix.objects), None) };
                (
                    graph,
                    LoadReport {
                        stix_objects,
                        misp_values,
                        problems: stix.problems,
                        ..LoadReport::default()
                    },
                )
            };
            Ok(Loaded::Graph(Box::new(graph), report))
        }
    }
}

/// A directory of neo4j-admin CSV files, as `--export DIR` writes them: `nodes*.csv` first, then
/// `relationships*.csv` (or `edges*.csv`), each group in name order.
fn read_csv_dir(dir: &Path, progress: &mut dyn Progress) -> Result<Loaded, Error> {
    let io = |source| Error::Io { path: dir.to_path_buf(), source };
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
        if !name.ends_with(".csv") {
            continue;
        }
        if name.starts_with("nodes") {
            nodes.push(entry.path());
        } else if name.starts_with("relationships") || name.starts_with("edges") {
            edges.push(entry.path());
        }
    }
    if nodes.is_empty() {
        return Err(io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory without nodes*.csv: a directory loads as neo4j-admin CSV files (nodes*.csv, relationships*.csv)",
        )));
    }
    nodes.sort();
    edges.sort();
    let graph = crate::import::import_csv(&nodes, &edges, progress)?;
    Ok(Loaded::Graph(Box::new(graph), LoadReport { format: Some("CSV directory"), ..LoadReport::default() }))
}

/// The rest of a file after `head`, all of it, refused past `limit`.
fn read_whole(
    head: Vec<u8>,
    file: File,
    size: Option<u64>,
    limit: u64,
    why: &'static str,
    origin: &str,
    progress: &mut dyn Progress,
) -> Result<Vec<u8>, InputError> {
    let too_large = || InputError::TooLarge { origin: origin.to_string(), what: "the file", limit, why };
    if size.is_some_and(|s| s > limit) {
        return Err(too_large());
    }
    progress.stage(&format!("reading {origin}"), size, Unit::Bytes);
    let mut reader = Counting { inner: io::Cursor::new(head).chain(file), read: 0, progress };
    input::read_bounded(&mut reader, limit, origin, "the file", why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_by_the_first_bytes() {
        assert_eq!(Kind::of(b"\x89KGRAPH\nrest", false), Some(Kind::Snapshot));
        assert_eq!(Kind::of(b"\x89KG", false), None, "could still be a snapshot");
        assert_eq!(Kind::of(b"\x89KG", true), Some(Kind::Script));
        assert_eq!(Kind::of(b"\x1f\x8b\x08", false), Some(Kind::Json));
        assert_eq!(Kind::of(b"\xEF\xBB\xBF  {\"type\"", false), Some(Kind::Json));
        assert_eq!(Kind::of(b"\n [ {", false), Some(Kind::Json));
        assert_eq!(Kind::of(b"   \n", false), None);
        assert_eq!(Kind::of(b"   \n", true), Some(Kind::Script));
        assert_eq!(Kind::of(b"// a comment\nCREATE", false), Some(Kind::Script));
    }
}
