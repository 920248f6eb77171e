//! What the REPL's line editor knows of the language and of the graph: completion of keywords,
//! functions, labels, relationship types, property keys, parameters, shell commands and file names;
//! highlighting of keywords, strings, numbers and comments.

use std::borrow::Cow;
use std::cell::RefCell;

use kgraph::query::{FUNCTION_NAMES, KEYWORDS};
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::validate::Validator;
use rustyline::{Context, Helper, Hinter};

use crate::engine::Engine;

/// The shell commands, for completion after `:`.
pub const COMMANDS: &[&str] = &[
    "help",
    "schema",
    "load",
    "merge",
    "source",
    "save",
    "export",
    "checkpoint",
    "format",
    "param",
    "params",
    "timeout",
    "timing",
    "maxmemory",
    "maxrows",
    "width",
    "stats",
    "quit",
];
const FILE_COMMANDS: &[&str] = &["load", "merge", "source", "save", "export"];
const FORMATS: &[&str] = &["table", "csv", "json", "jsonl", "markdown"];

/// The graph's names, refreshed after each input.
#[derive(Debug, Default)]
pub struct Vocabulary {
    labels: Vec<String>,
    types: Vec<String>,
    keys: Vec<String>,
    params: Vec<String>,
}

#[derive(Helper, Hinter)]
pub struct ReplHelper {
    vocabulary: RefCell<Vocabulary>,
    files: FilenameCompleter,
    colour: bool,
}

impl ReplHelper {
    pub fn new(colour: bool) -> Self {
        ReplHelper { vocabulary: RefCell::default(), files: FilenameCompleter::new(), colour }
    }

    /// Takes the graph's names: cheap (no scan of the graph), so it runs after every input.
    pub fn refresh(&self, engine: &Engine) {
        let session = engine.session();
        let g = session.graph();
        let mut v = self.vocabulary.borrow_mut();
        v.labels = g.label_names().into_iter().map(String::from).collect();
        v.types = g.type_names().into_iter().map(String::from).collect();
        v.keys = g.names().map(String::from).collect();
        v.params = session.params().keys().cloned().collect();
    }
}

fn name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A name as it must be typed: back-quoted unless it is a plain identifier (hyphens allowed, as
/// relationship types may have them).
fn typed(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| name_char(c) || c == '-');
    if plain { name.to_string() } else { format!("`{}`", name.replace('`', "``")) }
}

/// Whether `pos` is inside `[…]` (a relationship) rather than `(…)` (a node).
fn in_relationship(before: &str) -> bool {
    let (square, round) = (before.rfind('['), before.rfind('('));
    let open_square = square.is_some_and(|s| !before[s..].contains(']'));
    open_square && square > round.filter(|r| !before[*r..].contains(')'))
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let offer = |start: usize, word: &str, names: &mut dyn Iterator<Item = String>| {
            let lower = word.to_lowercase();
            let mut found: Vec<String> = names.filter(|n| n.to_lowercase().starts_with(&lower)).collect();
            found.sort();
            found.dedup();
            let pairs = found.into_iter().map(|n| Pair { display: n.clone(), replacement: n }).collect();
            (start, pairs)
        };
        if let Some(command) = before.strip_prefix(':') {
            return Ok(match command.split_once(char::is_whitespace) {
                None => offer(1, command, &mut COMMANDS.iter().map(|c| c.to_string())),
                Some((name, _)) if FILE_COMMANDS.contains(&name) => {
                    return self.files.complete(line, pos, ctx);
                }
                Some(("format", rest)) => offer(
                    pos - rest.trim_start().len(),
                    rest.trim_start(),
                    &mut FORMATS.iter().map(|f| f.to_string()),
                ),
                Some(("help", rest)) => offer(
                    pos - rest.trim_start().len(),
                    rest.trim_start(),
                    &mut crate::help::topic_names().map(str::to_string),
                ),
                Some(("timing", rest)) => offer(
                    pos - rest.trim_start().len(),
                    rest.trim_start(),
                    &mut ["on", "off"].iter().map(|f| f.to_string()),
                ),
                Some(_) => (pos, Vec::new()),
            });
        }
        let mut start = before
            .rfind(|c: char| !name_char(c))
            .map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8));
        // A relationship type may have hyphens: `[:attributed-t`.
        let hyphenated = before[..start].trim_end_matches(|c: char| name_char(c) || c == '-');
        if hyphenated.ends_with(':') && before[..start].ends_with('-') {
            start = hyphenated.len();
        }
        // After CALL, a procedure's dotted name: `CALL db.sch`.
        let dotted = before.trim_end_matches(|c: char| name_char(c) || c == '.');
        if dotted.trim_end().to_ascii_uppercase().ends_with("CALL") && dotted.ends_with(char::is_whitespace) {
            let at = dotted.len();
            let procedures =
                kgraph::query::procedures::all().iter().filter(|p| p.listed).map(|p| format!("{}(", p.name));
            return Ok(offer(at, &before[at..], &mut procedures.collect::<Vec<_>>().into_iter()));
        }
        let word = &before[start..];
        let v = self.vocabulary.borrow();
        let names = |list: &[String]| list.iter().map(|n| typed(n)).collect::<Vec<_>>();
        Ok(match before[..start].chars().last() {
            Some(':') if in_relationship(&before[..start]) => {
                offer(start, word, &mut names(&v.types).into_iter())
            }
            Some(':') => offer(start, word, &mut names(&v.labels).into_iter().chain(names(&v.types))),
            Some('.') => offer(start, word, &mut names(&v.keys).into_iter()),
            Some('$') => offer(start, word, &mut v.params.clone().into_iter()),
            _ if word.is_empty() => (pos, Vec::new()),
            _ => {
                let keywords = KEYWORDS.iter().map(|k| k.to_string());
                let functions = FUNCTION_NAMES.iter().map(|f| format!("{f}("));
                let upper = word.chars().next().is_some_and(char::is_uppercase);
                let mut all = keywords.map(|k| if upper { k } else { k.to_lowercase() }).chain(functions);
                offer(start, word, &mut all)
            }
        })
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.colour || line.starts_with(':') {
            return Cow::Borrowed(line);
        }
        Cow::Owned(colourise(line))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.colour
    }
}

/// Keywords bold blue, strings green, numbers yellow, comments dim; back-quoted names as they are.
fn colourise(line: &str) -> String {
    const KEYWORD: &str = "\x1b[1;34m";
    const STRING: &str = "\x1b[32m";
    const NUMBER: &str = "\x1b[33m";
    const COMMENT: &str = "\x1b[2m";
    const RESET: &str = "\x1b[0m";
    let mut out = String::with_capacity(line.len() + 32);
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = 0;
    let end_of = |i: usize| chars.get(i).map_or(line.len(), |c| c.0);
    while i < chars.len() {
        let (at, c) = chars[i];
        let mut j = i + 1;
        if c == '/' && chars.get(i + 1).is_some_and(|n| n.1 == '/') {
            out.push_str(COMMENT);
            out.push_str(&line[at..]);
            out.push_str(RESET);
            break;
        } else if c == '\'' || c == '"' || c == '`' {
            while j < chars.len() && chars[j].1 != c {
                j += if chars[j].1 == '\\' && c != '`' { 2 } else { 1 };
            }
            j = (j + 1).min(chars.len());
            let text = &line[at..end_of(j)];
            if c == '`' {
                out.push_str(text);
            } else {
                out.push_str(STRING);
                out.push_str(text);
                out.push_str(RESET);
            }
        } else if c.is_ascii_digit() {
            while j < chars.len() && (chars[j].1.is_ascii_alphanumeric() || chars[j].1 == '.') {
                j += 1;
            }
            out.push_str(NUMBER);
            out.push_str(&line[at..end_of(j)]);
            out.push_str(RESET);
        } else if name_char(c) {
            while j < chars.len() && name_char(chars[j].1) {
                j += 1;
            }
            let word = &line[at..end_of(j)];
            let preceded_by_name_sign = line[..at].ends_with([':', '.', '$']);
            if !preceded_by_name_sign && KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word)) {
                out.push_str(KEYWORD);
                out.push_str(word);
                out.push_str(RESET);
            } else {
                out.push_str(word);
            }
        } else {
            out.push(c);
        }
        i = j;
    }
    out
}

// The shell reads one line at a time and decides itself when a statement is complete, so that
// each continuation line has its own prompt: the editor validates nothing.
impl Validator for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_keywords_strings_and_numbers_but_not_names() {
        let out = colourise("MATCH (n:Match {x: 'a // b', y: 12}) // done");
        assert!(out.starts_with("\x1b[1;34mMATCH\x1b[0m (n:Match"), "{out:?}");
        assert!(out.contains("\x1b[32m'a // b'\x1b[0m"), "{out:?}");
        assert!(out.contains("\x1b[33m12\x1b[0m"), "{out:?}");
        assert!(out.ends_with("\x1b[2m// done\x1b[0m"), "{out:?}");
        let plain: String = colourise("RETURN `with` AS x").replace("\x1b[1;34m", "").replace("\x1b[0m", "");
        assert_eq!(plain, "RETURN `with` AS x");
    }

    #[test]
    fn names_are_back_quoted_when_they_must_be() {
        assert_eq!(typed("attributed-to"), "attributed-to");
        assert_eq!(typed("Threat Actor"), "`Threat Actor`");
        assert_eq!(typed("2fa"), "`2fa`");
    }

    #[test]
    fn relationship_or_node_context() {
        assert!(in_relationship("MATCH (a)-[:"));
        assert!(!in_relationship("MATCH (a)-[r]->(b:"));
        assert!(!in_relationship("MATCH (a:"));
    }
}
