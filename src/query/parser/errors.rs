//! Pest's failures as our syntax errors, with what was expected in words a user reads.

use std::collections::BTreeSet;

use pest::error::{ErrorVariant, InputLocation};

use super::*;
use crate::query::suggest::closest;

/// Turns pest's error into ours, keeping what was expected, in words a user reads.
pub(super) fn syntax_error(e: pest::error::Error<Rule>, text: &str, base: usize) -> QueryError {
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected: BTreeSet<String> = BTreeSet::new();
    if let ErrorVariant::ParsingError { positives, .. } = &e.variant {
        expected.extend(positives.iter().filter_map(|r| describe(*r)).map(str::to_string));
    }
    if let Some(attempts) = e.parse_attempts() {
        // From the literal tokens, keywords (matched case-insensitively, shown in capitals) and
        // punctuation; character ranges and built-in rules read badly, and comments go without saying.
        for token in attempts.expected_tokens() {
            let text = token.to_string();
            if text.chars().all(|c| c.is_ascii_alphabetic()) && !text.is_empty() {
                expected.insert(text.to_ascii_uppercase());
            } else if text.chars().all(|c| c.is_ascii_punctuation())
                && !text.is_empty()
                && text != "_"
                && !text.starts_with("//")
                && !text.starts_with("/*")
            {
                expected.insert(format!("`{text}`"));
            }
        }
        // A map is already named by its rule; its opening brace alone adds nothing. Likewise the
        // many ways an expression can begin are summed up by "an expression".
        if expected.iter().any(|e| e.contains("{…}")) {
            expected.remove("`{`");
        }
        if expected.iter().any(|e| e.contains("`$…`")) {
            expected.remove("`$`");
        }
        if expected.contains("an expression") {
            expected.retain(|e| !e.starts_with('`') && !EXPRESSION_STARTS.contains(&e.as_str()));
        }
    }
    let found = text[pos..].chars().next().map_or("end of the statement".to_string(), |_| {
        let word: String = text[pos..].chars().take_while(|c| !c.is_whitespace()).take(20).collect();
        format!("`{word}`")
    });
    // A misspelt keyword where keywords may come: the nearest of them.
    let word: String = text[pos..].chars().take_while(char::is_ascii_alphabetic).collect();
    let keywords = expected.iter().map(String::as_str).filter(|e| e.chars().all(|c| c.is_ascii_uppercase()));
    let suggestion = if word.is_empty() { None } else { closest(&word, keywords).map(str::to_string) };
    let found = match suggestion {
        Some(keyword) => format!("{found} (did you mean {keyword}?)"),
        None => found,
    };
    let message = if let Some(feature) = not_supported(text, pos) {
        feature
    } else if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        let list: Vec<String> = expected.into_iter().collect();
        format!("unexpected {found}; expected {}", join_or(&list))
    };
    let at = base + pos;
    QueryError::syntax(message, Span { start: at, end: at + 1 })
}

/// What Neo4j users reach for and kgraph has not got yet, recognised where a parse failed at `pos`:
/// said plainly, with what to write instead.
fn not_supported(text: &str, pos: usize) -> Option<String> {
    let word = |at: usize| -> String {
        text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<String>()
            .to_ascii_uppercase()
    };
    let here = word(pos);
    let before: Vec<String> = text[..pos]
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    const SCHEMA: &str = "in the shell, :schema lists the labels, relationship types and property keys, with counts, and the indexes";
    let said = match here.as_str() {
        "SHOW" => format!("SHOW takes INDEXES, CONSTRAINTS, PROCEDURES or FUNCTIONS; {SCHEMA}"),
        "USE" => "USE is not supported yet: kgraph has one graph per process".to_string(),
        "TEXT" | "POINT" | "VECTOR" | "LOOKUP" if before.last().is_some_and(|w| w == "CREATE") => {
            format!(
                "{here} indexes are not supported yet: a plain CREATE INDEX … FOR (n:Label) ON (n.key) is a range index, which serves equality, ranges and STARTS WITH"
            )
        }
        _ => return bracket_feature(text, pos),
    };
    Some(said)
}

/// Features recognised by the bracket a failure is inside: relationship type expressions.
fn bracket_feature(text: &str, pos: usize) -> Option<String> {
    let next = text[pos..].chars().next()?;
    if !matches!(next, '|' | '&' | '!' | '%') {
        return None;
    }
    // The innermost bracket open at `pos`, outside strings and comments.
    let mut open: Vec<usize> = Vec::new();
    let mut quote: Option<char> = None;
    let mut chars = text[..pos].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) if c == '\\' && q != '`' => {
                chars.next();
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' | '`' => quote = Some(c),
                '(' | '[' | '{' => open.push(i),
                ')' | ']' | '}' => {
                    open.pop();
                }
                _ => {}
            },
        }
    }
    let at = *open.last()?;
    let inside = &text[at + 1..pos];
    if text[at..].starts_with('[') && inside.contains(':') && next != '|' {
        return Some(
            "relationship type expressions with &, ! or % are not supported yet: write [r:A|B], or test type(r) in WHERE"
                .to_string(),
        );
    }
    None
}

/// Keywords that can begin an expression: "an expression" already says they may come.
pub(super) const EXPRESSION_STARTS: &[&str] = &["COUNT", "FALSE", "NOT", "NULL", "TRUE"];

pub(super) fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Readable words for the rules pest reports as expected; `None` hides a rule.
pub(super) fn describe(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "the end of the statement",
        MATCH | match_clause => "MATCH",
        CREATE | create_clause => "CREATE",
        RETURN | return_clause => "RETURN",
        WHERE | where_clause => "WHERE",
        ORDER | order_by => "ORDER BY",
        BY => "BY",
        SKIP | skip => "SKIP",
        LIMIT | limit => "LIMIT",
        DISTINCT | distinct => "DISTINCT",
        AS => "AS",
        ASC | ASCENDING | ascending => "ASC",
        DESC | DESCENDING | descending => "DESC",
        EXPLAIN | explain => "EXPLAIN",
        UNION | union => "UNION",
        query | OPTIONAL | UNWIND | WITH | SET | REMOVE | DELETE | DETACH | MERGE => "a clause",
        ON | merge_action => "ON CREATE or ON MATCH",
        CASE
        | case_expression
        | quantifier
        | list_comprehension
        | pattern_expression
        | pattern_comprehension
        | exists_subquery
        | EXISTS => "an expression",
        WHEN | case_when => "WHEN",
        THEN => "THEN",
        ELSE | case_else => "ELSE",
        END => "END",
        expression | operand | prefix_op | op_not | op_neg | op_pos | literal | atom | parenthesized
        | function_call | count_star | integer_literal | float_literal | string_literal | true_literal
        | false_literal | null_literal | list_literal | return_item | return_items | sort_item => {
            "an expression"
        }
        // Where a parameter alone may stand (a pattern's properties), it is not any expression.
        parameter => "a parameter `$…`",
        variable => "a variable name",
        star => "`*`",
        pattern | pattern_list | node_pattern => "a node pattern `(…)`",
        relationship_pattern | left_arrow => "a relationship pattern `-[…]->`",
        right_arrow => "`>`",
        relationship_detail => "`[`",
        node_labels | label_name => "a label `:Label`",
        relationship_types | type_name => "a relationship type `:TYPE`",
        range => "a length `*min..max`",
        map_literal => "a map `{…}`",
        map_entry | property_key | property_lookup => "a property key",
        subscript => "`[`",
        label_check => "a label `:Label`",
        op_or | op_xor | op_and | op_eq | op_ne | op_le | op_ge | op_lt | op_gt | op_starts_with
        | op_ends_with | op_contains | op_in | op_add | op_sub | op_mul | op_div | op_mod | op_pow
        | infix_op => "an operator",
        op_is_null | op_is_not_null | postfix_op | IS => "IS [NOT] NULL",
        _ => return None,
    })
}
