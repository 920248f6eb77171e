//! A small lexical scan over Cypher text that knows strings, back-quoted names and comments, and
//! nothing else: enough to split a script into statements at top-level `;`, to tell the REPL whether
//! a statement is complete, and to refuse nesting too deep to parse without exhausting the stack.

use std::ops::Range;

use super::ast::Span;
use super::error::QueryError;

/// Deeper nesting than this (brackets, or a run of prefix operators) is refused as a syntax error.
pub const MAX_NESTING: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    Quoted(char),
    LineComment,
    BlockComment,
}

/// The result of scanning a text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Byte ranges of the non-empty statements, without their `;`.
    pub statements: Vec<Range<usize>>,
    /// Whether the text ends inside a statement (no `;` after its last significant character), or
    /// inside a string or comment.
    pub incomplete_tail: bool,
    /// Whether the text ends inside a string, a back-quoted name or a block comment.
    pub unterminated: bool,
    /// Byte ranges of the comments (`//` to the end of its line, `/* … */`), in order.
    pub comments: Vec<Range<usize>>,
}

impl Scan {
    /// `text` (the text this scan was made of) with its comments left out.
    pub fn without_comments(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for comment in &self.comments {
            out.push_str(&text[at..comment.start]);
            // A comment separates what is either side of it, as a space would.
            out.push(' ');
            at = comment.end;
        }
        out.push_str(&text[at..]);
        out
    }
}

/// Splits `text` at top-level semicolons. A statement that is only whitespace and comments is dropped.
pub fn scan(text: &str) -> Scan {
    let mut out = Scan::default();
    let mut state = State::Code;
    let mut start = 0;
    let mut significant = false;
    let mut comment_start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match state {
            State::Code => match c {
                ';' => {
                    if significant {
                        out.statements.push(start..i);
                    }
                    start = i + 1;
                    significant = false;
                }
                '\'' | '"' | '`' => {
                    state = State::Quoted(c);
                    significant = true;
                }
                '/' if chars.peek().map(|p| p.1) == Some('/') => {
                    chars.next();
                    state = State::LineComment;
                    comment_start = i;
                }
                '/' if chars.peek().map(|p| p.1) == Some('*') => {
                    chars.next();
                    state = State::BlockComment;
                    comment_start = i;
                }
                c if c.is_whitespace() => {}
                _ => significant = true,
            },
            State::Quoted(q) => {
                if c == '\\' && q != '`' {
                    chars.next();
                } else if c == q {
                    state = State::Code;
                }
            }
            State::LineComment => {
                if c == '\n' {
                    state = State::Code;
                    out.comments.push(comment_start..i);
                }
            }
            State::BlockComment => {
                if c == '*' && chars.peek().map(|p| p.1) == Some('/') {
                    chars.next();
                    state = State::Code;
                    out.comments.push(comment_start..i + 2);
                }
            }
        }
    }
    if matches!(state, State::LineComment | State::BlockComment) {
        out.comments.push(comment_start..text.len());
    }
    out.unterminated = matches!(state, State::Quoted(_) | State::BlockComment);
    if significant {
        out.statements.push(start..text.len());
        out.incomplete_tail = true;
    }
    out.incomplete_tail |= out.unterminated;
    out
}

/// What an incomplete statement still waits for, for a shell to tell its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Open {
    /// A string (or back-quoted name) opened with this quote.
    Quote(char),
    BlockComment,
    /// A bracket opened and not closed: `(`, `[` or `{`.
    Bracket(char),
    /// Everything is closed, but the statement has no `;` yet.
    Semicolon,
}

impl std::fmt::Display for Open {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Open::Quote('`') => write!(f, "a back-quoted name is open: close it with `"),
            Open::Quote(q) => write!(f, "a string is open: close it with {q}"),
            Open::BlockComment => write!(f, "a comment is open: close it with */"),
            Open::Bracket(b) => {
                let close = match b {
                    '(' => ')',
                    '[' => ']',
                    _ => '}',
                };
                write!(f, "a {b} is open: close it with {close}")
            }
            Open::Semicolon => write!(f, "the statement ends with ; (nothing is open)"),
        }
    }
}

/// What the last statement of `text` waits for, innermost first; `None` when it is complete.
pub fn open_at_end(text: &str) -> Option<Open> {
    if !scan(text).incomplete_tail {
        return None;
    }
    let mut state = State::Code;
    let mut brackets = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match state {
            State::Code => match c {
                ';' => brackets.clear(),
                '(' | '[' | '{' => brackets.push(c),
                ')' | ']' | '}' => {
                    brackets.pop();
                }
                '\'' | '"' | '`' => state = State::Quoted(c),
                '/' if chars.peek() == Some(&'/') => state = State::LineComment,
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    state = State::BlockComment;
                }
                _ => {}
            },
            State::Quoted(q) => {
                if c == '\\' && q != '`' {
                    chars.next();
                } else if c == q {
                    state = State::Code;
                }
            }
            State::LineComment if c == '\n' => state = State::Code,
            State::LineComment => {}
            State::BlockComment => {
                if c == '*' && chars.peek() == Some(&'/') {
                    chars.next();
                    state = State::Code;
                }
            }
        }
    }
    Some(match state {
        State::Quoted(q) => Open::Quote(q),
        State::BlockComment => Open::BlockComment,
        _ => brackets.pop().map_or(Open::Semicolon, Open::Bracket),
    })
}

/// Refuses nesting deeper than [`MAX_NESTING`]: the parser is recursive, and a hostile query must
/// get an error, not a stack overflow. `base` is the text's offset in the whole source, for spans.
pub fn check_nesting(text: &str, base: usize) -> Result<(), QueryError> {
    let mut depth = 0usize;
    let mut prefix_run = 0usize;
    let mut state = State::Code;
    let mut chars = text.char_indices().peekable();
    let too_deep = |i: usize| {
        QueryError::syntax(
            format!("the statement is nested more than {MAX_NESTING} levels deep"),
            Span { start: base + i, end: base + i + 1 },
        )
    };
    while let Some((i, c)) = chars.next() {
        match state {
            State::Code => match c {
                '(' | '[' | '{' => {
                    prefix_run = 0;
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(too_deep(i));
                    }
                }
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                '\'' | '"' | '`' => state = State::Quoted(c),
                '/' if chars.peek().map(|p| p.1) == Some('/') => state = State::LineComment,
                '/' if chars.peek().map(|p| p.1) == Some('*') => {
                    chars.next();
                    state = State::BlockComment;
                }
                '-' | '+' => {
                    prefix_run += 1;
                    if prefix_run > MAX_NESTING {
                        return Err(too_deep(i));
                    }
                }
                // `CASE … END` nests as brackets do, and the parser recurses into it alike.
                'c' | 'C' if keyword_at(text, i, "case") => {
                    prefix_run = 0;
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(too_deep(i));
                    }
                }
                'e' | 'E' if keyword_at(text, i, "end") => {
                    prefix_run = 0;
                    depth = depth.saturating_sub(1);
                }
                'n' | 'N' if text.get(i..i + 3).is_some_and(|w| w.eq_ignore_ascii_case("not")) => {
                    if keyword_at(text, i, "not") {
                        prefix_run += 1;
                        if prefix_run > MAX_NESTING {
                            return Err(too_deep(i));
                        }
                        chars.next();
                        chars.next();
                    } else {
                        prefix_run = 0;
                    }
                }
                c if c.is_whitespace() => {}
                _ => prefix_run = 0,
            },
            State::Quoted(q) => {
                if c == '\\' && q != '`' {
                    chars.next();
                } else if c == q {
                    state = State::Code;
                }
            }
            State::LineComment => {
                if c == '\n' {
                    state = State::Code;
                }
            }
            State::BlockComment => {
                if c == '*' && chars.peek().map(|p| p.1) == Some('/') {
                    chars.next();
                    state = State::Code;
                }
            }
        }
    }
    Ok(())
}

/// Whether `word` (lowercase ASCII) stands at `i` as a keyword: whole, and not a property key
/// (`n.end`).
fn keyword_at(text: &str, i: usize, word: &str) -> bool {
    let here = text.get(i..i + word.len()).is_some_and(|w| w.eq_ignore_ascii_case(word));
    let before_ok =
        text[..i].chars().next_back().is_none_or(|p| !p.is_alphanumeric() && p != '_' && p != '.');
    let after_ok = text
        .get(i + word.len()..)
        .is_some_and(|rest| rest.chars().next().is_none_or(|p| !p.is_alphanumeric() && p != '_'));
    here && before_ok && after_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_found_outside_strings_only() {
        let text = "RETURN 'a//b' // one\n/* two */ , \"/*\" /* open";
        let scan = scan(text);
        let found: Vec<&str> = scan.comments.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(found, ["// one", "/* two */", "/* open"]);
        assert_eq!(scan.without_comments(text), "RETURN 'a//b'  \n  , \"/*\"  ");
    }

    #[test]
    fn what_an_incomplete_statement_waits_for() {
        assert_eq!(open_at_end("RETURN 1;"), None);
        assert_eq!(open_at_end("RETURN 'a;"), Some(Open::Quote('\'')));
        assert_eq!(open_at_end("MATCH (n:`odd"), Some(Open::Quote('`')));
        assert_eq!(open_at_end("RETURN 1 /* note"), Some(Open::BlockComment));
        assert_eq!(open_at_end("RETURN [1, (2"), Some(Open::Bracket('(')));
        assert_eq!(open_at_end("RETURN [1, (2)"), Some(Open::Bracket('[')));
        assert_eq!(open_at_end("RETURN 1; MATCH (n)\nRETURN n"), Some(Open::Semicolon));
        assert_eq!(open_at_end("RETURN ')' // (\n"), Some(Open::Semicolon));
        assert!(Open::Bracket('{').to_string().contains("close it with }"));
    }

    fn statements(text: &str) -> Vec<&str> {
        scan(text).statements.into_iter().map(|r| text[r].trim()).collect()
    }

    #[test]
    fn splits_at_top_level_semicolons_only() {
        let text = "CREATE (:A {s: 'a;b'}); // c;\nMATCH (n) /* ; */ RETURN n;;  ; RETURN \"x\\\";\"";
        assert_eq!(
            statements(text),
            ["CREATE (:A {s: 'a;b'})", "// c;\nMATCH (n) /* ; */ RETURN n", "RETURN \"x\\\";\""]
        );
    }

    #[test]
    fn completeness_for_the_repl() {
        assert!(scan("MATCH (n)\nRETURN n").incomplete_tail);
        assert!(!scan("MATCH (n) RETURN n; // done").incomplete_tail);
        assert!(scan("RETURN 'open;").incomplete_tail);
        assert!(scan("RETURN 1; /* open").unterminated);
        assert!(!scan("  // only a comment\n").incomplete_tail);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("RETURN {}1{}", "(".repeat(65), ")".repeat(65));
        assert!(check_nesting(&deep, 0).is_err());
        let fine = format!("RETURN {}1{}", "(".repeat(64), ")".repeat(64));
        assert!(check_nesting(&fine, 0).is_ok());
        let deep = format!("RETURN {}1{}", "(".repeat(500), ")".repeat(500));
        assert!(check_nesting(&deep, 0).is_err());
        let nots = format!("RETURN {}true", "NOT ".repeat(500));
        assert!(check_nesting(&nots, 0).is_err());
        assert!(check_nesting("MATCH (a)-[:x]->(b) WHERE NOT a.n = -1 RETURN a", 0).is_ok());
        assert!(check_nesting("RETURN 'not not not ((((('", 0).is_ok());
    }
}
