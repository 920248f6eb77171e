//! Full-text queries in Lucene's classic query syntax, which `db.index.fulltext.queryNodes` takes
//! as Neo4j's does: terms, `"phrases"` (with `~slop`), `AND`/`OR`/`NOT` (and `&&`, `||`, `!`),
//! `+required` and `-prohibited` terms, `(groups)`, `field:` qualifiers, fuzzy `term~` (`~1`, `~2`
//! edits), wildcards `cred*` and `te?t`, and `^boost`s. The default operator is OR. Clauses joined
//! by AND and OR take their occurrence as Lucene's parser gives it, clause by clause, with no
//! precedence between the two (`a OR b AND c` requires `b` and `c`), so a query written for Neo4j
//! means the same here.
//!
//! Words and phrases go through the index's analyzer; a word it cuts into several terms
//! (`spear-phishing`) becomes a phrase of them. Fuzzy and wildcard terms are only lowercased.

use super::analyze;

/// How a clause of a boolean query takes part in a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    /// Every match has it (`+a`, `a AND b`).
    Must,
    /// Matches may have it; with no `Must` clause at least one `Should` clause must match.
    Should,
    /// No match has it (`-a`, `NOT a`).
    MustNot,
}

/// A parsed full-text query. A leaf's `field` is `None` when it searches every field of the index.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    Term {
        field: Option<String>,
        term: String,
    },
    /// Terms at consecutive positions, or within `slop` moves of that.
    Phrase {
        field: Option<String>,
        terms: Vec<String>,
        slop: u32,
    },
    /// Terms within `edits` insertions, deletions, substitutions or transpositions of `term`.
    Fuzzy {
        field: Option<String>,
        term: String,
        edits: u8,
    },
    /// `*` for any run of characters, `?` for one.
    Wildcard {
        field: Option<String>,
        pattern: String,
    },
    Bool(Vec<(Occur, Query)>),
    Boost(Box<Query>, f64),
}

/// A query that cannot be parsed, with the character (from 0) where the trouble is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (at character {at} of the full-text query)")]
pub struct QueryError {
    pub message: String,
    pub at: usize,
}

/// The longest query text taken, in bytes, and the deepest nesting of groups: a query is typed by
/// a person or built by a tool, and neither needs more.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Plus,
    Minus,
    Not,
    And,
    Or,
    Colon,
    /// A word as written, escapes resolved; `wild` when it holds an unescaped `*` or `?`.
    Word {
        text: String,
        wild: bool,
    },
    Phrase(String),
    /// `~` with its number, if one follows.
    Tilde(Option<f64>),
    Caret(f64),
}

fn special(c: char) -> bool {
    matches!(c, '(' | ')' | '"' | ':' | '^' | '~' | '[' | ']' | '{' | '}' | '/' | '\\' | '!')
        || c.is_whitespace()
}

fn error(message: impl Into<String>, at: usize) -> QueryError {
    QueryError { message: message.into(), at }
}

/// The tokens of `text`, each with the character it starts at.
fn lex(text: &str) -> Result<Vec<(Tok, usize)>, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let number = |i: &mut usize| -> Option<f64> {
        let start = *i;
        while *i < chars.len() && (chars[*i].is_ascii_digit() || chars[*i] == '.') {
            *i += 1;
        }
        let s: String = chars[start..*i].iter().collect();
        s.parse().ok()
    };
    while i < chars.len() {
        let c = chars[i];
        let at = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two = chars.get(i + 1).copied();
        let tok = match c {
            '(' => Tok::Open,
            ')' => Tok::Close,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            '!' => Tok::Not,
            ':' => Tok::Colon,
            '&' if two == Some('&') => {
                i += 1;
                Tok::And
            }
            '|' if two == Some('|') => {
                i += 1;
                Tok::Or
            }
            '~' => {
                i += 1;
                out.push((Tok::Tilde(number(&mut i)), at));
                continue;
            }
            '^' => {
                i += 1;
                match number(&mut i) {
                    Some(b) => out.push((Tok::Caret(b), at)),
                    None => return Err(error("`^` takes a number, the boost", at)),
                }
                continue;
            }
            '"' => {
                let mut phrase = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(error("this phrase has no closing `\"`", at)),
                        Some('"') => break,
                        Some('\\') => {
                            let escaped = chars.get(i + 1).ok_or_else(|| error("`\\` escapes nothing", i))?;
                            phrase.push(*escaped);
                            i += 2;
                        }
                        Some(&ch) => {
                            phrase.push(ch);
                            i += 1;
                        }
                    }
                }
                i += 1;
                out.push((Tok::Phrase(phrase), at));
                continue;
            }
            '[' | '{' => return Err(error("range queries ([a TO b]) are not supported yet", at)),
            '/' => return Err(error("regular-expression queries (/…/) are not supported yet", at)),
            ']' | '}' => return Err(error(format!("`{c}` closes nothing"), at)),
            _ => {
                let (mut text, mut wild) = (String::new(), false);
                while i < chars.len() && (!special(chars[i]) || chars[i] == '\\') {
                    match chars[i] {
                        '\\' => {
                            let escaped = chars.get(i + 1).ok_or_else(|| error("`\\` escapes nothing", i))?;
                            text.push(*escaped);
                            i += 2;
                            continue;
                        }
                        '*' | '?' => wild = true,
                        _ => {}
                    }
                    text.push(chars[i]);
                    i += 1;
                }
                let tok = match text.as_str() {
                    "AND" if !wild => Tok::And,
                    "OR" if !wild => Tok::Or,
                    "NOT" if !wild => Tok::Not,
                    _ => Tok::Word { text, wild },
                };
                out.push((tok, at));
                continue;
            }
        };
        out.push((tok, at));
        i += 1;
    }
    Ok(out)
}

/// Parses a query; the empty query (or one whose words all analyze to nothing) matches nothing.
pub fn parse(text: &str) -> Result<Query, QueryError> {
    if text.len() > MAX_QUERY_BYTES {
        return Err(error(format!("the query is longer than {MAX_QUERY_BYTES} bytes"), 0));
    }
    let tokens = lex(text)?;
    let end = text.chars().count();
    let mut parser = Parser { tokens, i: 0, end };
    let clauses = parser.clauses(None, 0)?;
    if let Some((_, at)) = parser.tokens.get(parser.i) {
        return Err(error("`)` closes no `(`", *at));
    }
    Ok(Query::Bool(clauses))
}

struct Parser {
    tokens: Vec<(Tok, usize)>,
    i: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.i).map(|(t, _)| t)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.i).map_or(self.end, |(_, at)| *at)
    }

    /// Clauses up to a `)` or the end, each given its occurrence as Lucene's parser gives it.
    fn clauses(&mut self, field: Option<&str>, depth: usize) -> Result<Vec<(Occur, Query)>, QueryError> {
        if depth > MAX_DEPTH {
            return Err(error(format!("groups nest deeper than {MAX_DEPTH}"), self.at()));
        }
        let mut clauses: Vec<(Occur, Query)> = Vec::new();
        let mut first = true;
        loop {
            let conj = match self.peek() {
                None | Some(Tok::Close) => break,
                Some(Tok::And) => Some(Occur::Must),
                Some(Tok::Or) => Some(Occur::Should),
                _ => None,
            };
            if conj.is_some() {
                if first {
                    return Err(error("AND and OR join two clauses; this one has none before it", self.at()));
                }
                self.i += 1;
            }
            let modifier = match self.peek() {
                Some(Tok::Plus) => Some(Occur::Must),
                Some(Tok::Minus | Tok::Not) => Some(Occur::MustNot),
                _ => None,
            };
            if modifier.is_some() {
                self.i += 1;
            }
            if matches!(self.peek(), None | Some(Tok::Close | Tok::And | Tok::Or)) {
                return Err(error("an operator here needs a clause after it", self.at()));
            }
            let clause = self.clause(field, depth)?;
            first = false;
            if conj == Some(Occur::Must)
                && let Some(last) = clauses.last_mut()
                && last.0 == Occur::Should
            {
                last.0 = Occur::Must;
            }
            let occur = match (modifier, conj) {
                (Some(Occur::MustNot), _) => Occur::MustNot,
                (Some(Occur::Must), _) | (None, Some(Occur::Must)) => Occur::Must,
                _ => Occur::Should,
            };
            if let Some(query) = clause {
                clauses.push((occur, query));
            }
        }
        Ok(clauses)
    }

    /// One clause: `field:`, then a group, a word or a phrase, then a boost. `None` for words the
    /// analyzer drops entirely (punctuation alone).
    fn clause(&mut self, field: Option<&str>, depth: usize) -> Result<Option<Query>, QueryError> {
        let mut field = field.map(str::to_string);
        if let (Some(Tok::Word { text, wild: false }), Some((Tok::Colon, _))) =
            (self.peek().cloned(), self.tokens.get(self.i + 1))
        {
            field = Some(text);
            self.i += 2;
        }
        let at = self.at();
        let query = match self.tokens.get(self.i).map(|(t, _)| t.clone()) {
            Some(Tok::Open) => {
                self.i += 1;
                let inner = self.clauses(field.as_deref(), depth + 1)?;
                if self.peek() != Some(&Tok::Close) {
                    return Err(error("this `(` is not closed", at));
                }
                self.i += 1;
                Some(Query::Bool(inner))
            }
            Some(Tok::Word { text, wild }) => {
                self.i += 1;
                if let Some(Tok::Tilde(n)) = self.peek().cloned() {
                    let tilde = self.at();
                    self.i += 1;
                    let term = text.to_lowercase();
                    let edits = fuzzy_edits(n, term.chars().count()).ok_or_else(|| {
                        error("a fuzzy term takes at most 2 edits (`~`, `~1`, `~2`)", tilde)
                    })?;
                    Some(Query::Fuzzy { field: field.clone(), term, edits })
                } else if wild {
                    Some(Query::Wildcard { field: field.clone(), pattern: text.to_lowercase() })
                } else {
                    analyzed(field.clone(), &text, 0)
                }
            }
            Some(Tok::Phrase(text)) => {
                self.i += 1;
                let mut slop = 0;
                if let Some(Tok::Tilde(n)) = self.peek().cloned() {
                    self.i += 1;
                    slop = n.filter(|s| s.fract() == 0.0 && *s <= 1000.0).ok_or_else(|| {
                        error("a phrase's `~` takes a whole number of moves, at most 1000", at)
                    })? as u32;
                }
                analyzed(field.clone(), &text, slop)
            }
            Some(Tok::Colon) => return Err(error("`:` follows a field name", at)),
            Some(Tok::Tilde(_)) => return Err(error("`~` follows a term or a phrase", at)),
            Some(Tok::Caret(_)) => return Err(error("`^` follows a term, a phrase or a group", at)),
            Some(Tok::Plus | Tok::Minus | Tok::Not) => {
                return Err(error("two operators in a row", at));
            }
            None | Some(Tok::Close | Tok::And | Tok::Or) => {
                return Err(error("a clause is missing here", at));
            }
        };
        if let Some(Tok::Caret(boost)) = self.peek().cloned() {
            self.i += 1;
            return Ok(query.map(|q| Query::Boost(Box::new(q), boost)));
        }
        Ok(query)
    }
}

/// The edits a fuzzy term allows: `~` alone is 2, `~0`…`~2` say it, and a fraction below 1 is the
/// similarity of Lucene's older syntax, turned into edits as Lucene does.
fn fuzzy_edits(n: Option<f64>, len: usize) -> Option<u8> {
    match n {
        None => Some(2),
        Some(0.0) => Some(0),
        Some(n) if n >= 1.0 => (n.fract() == 0.0 && n <= 2.0).then_some(n as u8),
        Some(n) => Some(((1.0 - n) * len as f64).floor().min(2.0) as u8),
    }
}

/// What a word or phrase analyzes to: nothing, a term, or a phrase of its terms.
fn analyzed(field: Option<String>, text: &str, slop: u32) -> Option<Query> {
    let mut terms: Vec<String> = analyze::terms(text).map(|(_, t)| t).collect();
    match terms.len() {
        0 => None,
        1 => terms.pop().map(|term| Query::Term { field, term }),
        _ => Some(Query::Phrase { field, terms, slop }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(t: &str) -> Query {
        Query::Term { field: None, term: t.into() }
    }

    fn clauses(text: &str) -> Vec<(Occur, Query)> {
        match parse(text).unwrap() {
            Query::Bool(c) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn words_are_optional_by_default_and_operators_make_them_required_or_prohibited() {
        use Occur::*;
        assert_eq!(
            clauses("phishing Credential"),
            [(Should, term("phishing")), (Should, term("credential"))]
        );
        assert_eq!(
            clauses("+a -b !c NOT d"),
            [(Must, term("a")), (MustNot, term("b")), (MustNot, term("c")), (MustNot, term("d"))]
        );
        assert_eq!(clauses("a AND b"), [(Must, term("a")), (Must, term("b"))]);
        assert_eq!(clauses("a && NOT b"), [(Must, term("a")), (MustNot, term("b"))]);
        // No precedence, as Lucene's classic parser: AND makes its neighbours required.
        assert_eq!(clauses("a OR b AND c"), [(Should, term("a")), (Must, term("b")), (Must, term("c"))]);
    }

    #[test]
    fn phrases_fuzzy_wildcards_fields_groups_and_boosts_parse() {
        use Occur::Should;
        let phrase =
            Query::Phrase { field: None, terms: vec!["credential".into(), "harvesting".into()], slop: 2 };
        assert_eq!(clauses("\"Credential Harvesting\"~2"), [(Should, phrase)]);
        assert_eq!(
            clauses("credentail~1"),
            [(Should, Query::Fuzzy { field: None, term: "credentail".into(), edits: 1 })]
        );
        assert_eq!(clauses("Cred*"), [(Should, Query::Wildcard { field: None, pattern: "cred*".into() })]);
        let fielded = Query::Bool(vec![
            (Should, Query::Term { field: Some("name".into()), term: "a".into() }),
            (Should, Query::Term { field: Some("name".into()), term: "b".into() }),
        ]);
        assert_eq!(clauses("name:(a b)^2"), [(Should, Query::Boost(Box::new(fielded), 2.0))]);
        let split = Query::Phrase { field: None, terms: vec!["spear".into(), "phishing".into()], slop: 0 };
        assert_eq!(clauses("spear-phishing"), [(Should, split)]);
        assert_eq!(clauses(r"Name\:x"), [(Should, term("name:x"))]);
    }

    #[test]
    fn malformed_queries_are_errors_that_say_where() {
        for (text, at) in [
            ("(a b", 0),
            ("a b)", 3),
            ("\"open", 0),
            ("a AND", 5),
            ("AND a", 0),
            ("a~3", 1),
            ("[a TO b]", 0),
            ("a^", 1),
            ("name:", 5),
            ("a \\", 2),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.at, at, "{text}: {e}");
        }
        let deep = format!("{}a{}", "(".repeat(MAX_DEPTH + 2), ")".repeat(MAX_DEPTH + 2));
        assert!(parse(&deep).unwrap_err().message.contains("nest"));
        assert_eq!(parse("").unwrap(), Query::Bool(vec![]));
        assert_eq!(parse("-- ,").map(|_| ()), Err(error("two operators in a row", 1)));
    }
}
