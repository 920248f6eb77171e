//! Errors of the query layer: each carries its kind (named as the openCypher TCK names them), a
//! message, and where it can, the span of the text it is about.

use std::fmt;

use super::ast::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not a statement of the language. Compile time.
    SyntaxError,
    /// Well-formed but meaningless: an unknown variable, a misplaced aggregate. Compile time.
    SemanticError,
    /// A value of the wrong type at run time.
    TypeError,
    /// A function argument out of its domain at run time.
    ArgumentError,
    /// Integer overflow or division by zero at run time.
    ArithmeticError,
    /// A parameter the statement uses was not given. Compile time: checked before anything runs.
    ParameterMissing,
    /// A deleted node or relationship was used. Run time.
    EntityNotFound,
    /// A change would break the graph's rules (deleting a node that keeps relationships). Run time.
    ConstraintValidationFailed,
    /// The query was cancelled (Ctrl-C) before it finished. Run time.
    Cancelled,
    /// The query ran past its time limit. Run time.
    Timeout,
    /// The query needed more memory than its budget (`--max-memory`). Run time.
    MemoryLimitExceeded,
    /// A statement that changes the graph where only reads are allowed: a database opened
    /// read-only. Compile time: checked before anything runs.
    ReadOnly,
    /// `CALL` of a procedure that does not exist. Compile time.
    ProcedureNotFound,
    /// A file a statement reads (`LOAD CSV`) cannot be opened or read, or is not valid CSV. Run
    /// time.
    ExternalResourceFailed,
    /// A schema command that does not fit the schema: an index name taken, an equivalent index
    /// there already, no index of the name given. Run time (it depends on the graph).
    SchemaError,
}

impl ErrorKind {
    /// Whether the error is raised before anything runs.
    pub fn is_compile_time(self) -> bool {
        matches!(
            self,
            ErrorKind::SyntaxError
                | ErrorKind::SemanticError
                | ErrorKind::ParameterMissing
                | ErrorKind::ReadOnly
                | ErrorKind::ProcedureNotFound
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::SyntaxError => "SyntaxError",
            ErrorKind::SemanticError => "SemanticError",
            ErrorKind::TypeError => "TypeError",
            ErrorKind::ArgumentError => "ArgumentError",
            ErrorKind::ArithmeticError => "ArithmeticError",
            ErrorKind::ParameterMissing => "ParameterMissing",
            ErrorKind::EntityNotFound => "EntityNotFound",
            ErrorKind::ConstraintValidationFailed => "ConstraintValidationFailed",
            ErrorKind::Cancelled => "Cancelled",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::MemoryLimitExceeded => "MemoryLimitExceeded",
            ErrorKind::ReadOnly => "ReadOnly",
            ErrorKind::ProcedureNotFound => "ProcedureNotFound",
            ErrorKind::ExternalResourceFailed => "ExternalResourceFailed",
            ErrorKind::SchemaError => "SchemaError",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct QueryError {
    pub kind: ErrorKind,
    pub message: String,
    /// Byte range in the source text, when the error is about one place.
    pub span: Option<Span>,
    /// Raised while the statement ran, though its kind is one usually raised before (a MERGE of a
    /// null property is a `SemanticError` found only when the value is known).
    pub while_running: bool,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl QueryError {
    pub fn new(kind: ErrorKind, message: impl Into<String>, span: Option<Span>) -> Self {
        QueryError { kind, message: message.into(), span, while_running: false }
    }

    /// An error of a kind usually raised before running, raised while running.
    pub fn while_running(kind: ErrorKind, message: impl Into<String>, span: Option<Span>) -> Self {
        QueryError { while_running: true, ..QueryError::new(kind, message, span) }
    }

    /// Whether the error was raised before anything ran (so nothing ran).
    pub fn is_compile_time(&self) -> bool {
        self.kind.is_compile_time() && !self.while_running
    }

    pub fn syntax(message: impl Into<String>, span: Span) -> Self {
        Self::new(ErrorKind::SyntaxError, message, Some(span))
    }

    pub fn semantic(message: impl Into<String>, span: Span) -> Self {
        Self::new(ErrorKind::SemanticError, message, Some(span))
    }

    pub fn type_error(message: impl Into<String>, span: Span) -> Self {
        Self::new(ErrorKind::TypeError, message, Some(span))
    }

    /// The error pointing at `span` when it points nowhere yet.
    pub fn at(mut self, span: Span) -> Self {
        self.span.get_or_insert(span);
        self
    }

    /// The error as a user reads it: kind and message, then `line L, column C`, the offending line
    /// and a caret under the place.
    pub fn render(&self, source: &str) -> String {
        self.render_at(source, 1)
    }

    /// [`QueryError::render`] for a source that begins on line `first_line` of its file or stream.
    pub fn render_at(&self, source: &str, first_line: usize) -> String {
        let Some(span) = self.span else {
            return self.to_string();
        };
        format!("{}: {}\n  {}", self.kind.name(), self.message, locate(source, span.start, first_line))
    }
}

/// `at line L, column C:`, then the line of `source` (which begins on line `first_line`) holding
/// byte `at`, and a caret under it.
pub fn locate(source: &str, at: usize, first_line: usize) -> String {
    let at = at.min(source.len());
    let at = (0..=at).rev().find(|&i| source.is_char_boundary(i)).unwrap_or(0);
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[at..].find('\n').map_or(source.len(), |i| at + i);
    let line_no = source[..at].matches('\n').count() + first_line;
    let line = source[line_start..line_end].trim_end_matches('\r');
    let column = source[line_start..at].chars().count() + 1;
    // Tabs keep their width under the caret; everything else is one column per character.
    let pad: String = source[line_start..at].chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    format!("at line {line_no}, column {column}:\n  {line}\n  {pad}^")
}

/// A shorthand for results of the query layer.
pub type QueryResult<T> = Result<T, QueryError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_points_at_line_and_column() {
        let src = "MATCH (n)\nRETURN m";
        let e = QueryError::semantic("Variable `m` not defined", Span { start: 17, end: 18 });
        let shown = e.render(src);
        assert!(shown.contains("line 2, column 8"), "{shown}");
        assert!(shown.ends_with("  RETURN m\n         ^"), "{shown}");
    }

    #[test]
    fn render_counts_characters_not_bytes() {
        let src = "RETURN 'ÚZSI' +";
        let e = QueryError::syntax("expected an expression", Span { start: 16, end: 16 });
        assert!(e.render(src).contains("column 16"), "{}", e.render(src));
    }
}
