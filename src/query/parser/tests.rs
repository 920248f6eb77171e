//! The parser's unit tests: precedence, literals, keywords, names, ranges, errors, and printing then
//! parsing again.

use super::*;

fn parse(text: &str) -> Result<Statement, QueryError> {
    parse_statement(text, 0..text.len())
}

fn expr(text: &str) -> String {
    parse_expression(text).unwrap().to_string()
}

#[test]
fn precedence_follows_opencypher() {
    assert_eq!(expr("1 + 2 * 3"), "(1 + (2 * 3))");
    assert_eq!(expr("NOT a = b AND c"), "((NOT (a = b)) AND c)");
    assert_eq!(expr("a OR b XOR c AND d"), "(a OR (b XOR (c AND d)))");
    assert_eq!(expr("x + 1 IN list"), "((x + 1) IN list)");
    assert_eq!(expr("n.name STARTS WITH 'A' = true"), "((n.name STARTS WITH \"A\") = true)");
    assert_eq!(expr("-2 ^ 2"), "((-2) ^ 2)");
    assert_eq!(expr("a.b IS NOT NULL"), "(a.b IS NOT NULL)");
    assert_eq!(expr("- x . y [0]"), "(-x.y[0])");
    // Comparisons chain, unless the first is parenthesised.
    assert_eq!(expr("1 < x <= 3"), "((1 < x) AND (x <= 3))");
    assert_eq!(expr("(1 < x) <= 3"), "((1 < x) <= 3)");
    assert_eq!(expr("n:A:B AND m:`c d`"), "((n:A:B) AND (m:`c d`))");
}

#[test]
fn literals_and_escapes() {
    assert_eq!(expr("'it\\'s\\n'"), "\"it's\\n\"");
    assert_eq!(expr("\"\\u00DA\""), "\"Ú\"");
    assert_eq!(expr("0x1F"), "31");
    assert_eq!(expr("1e3"), "1000.0");
    assert_eq!(expr(".5"), "0.5");
    assert_eq!(expr("-9223372036854775808"), "(-9223372036854775808)");
    assert!(parse_expression("9223372036854775808").is_err());
    assert!(parse_expression("'bad \\q'").is_err());
    assert_eq!(expr("[1, {a: null}]"), "[1, {a: null}]");
    assert_eq!(expr("$`my param`"), "$`my param`");
}

/// Found by the `query` fuzz target: the printer parenthesises `WHEN 1 > 2` as `WHEN (1 > 2)`,
/// which the grammar read as a call of a function named `WHEN`.
#[test]
fn reserved_words_are_not_function_names() {
    assert_eq!(expr("CASE WHEN (1 > 2) THEN 1 END"), "CASE WHEN (1 > 2) THEN 1 END");
    assert_eq!(expr("CASE (1) WHEN (1) THEN (2) ELSE (3) END"), "CASE 1 WHEN 1 THEN 2 ELSE 3 END");
    assert_eq!(expr("not(true)"), "(NOT true)");
    assert_eq!(expr("notify(1)"), "notify(1)");
}

#[test]
fn keywords_are_case_insensitive_and_whole_words() {
    let s =
        parse("match (n:Person) where n.orderly = 1 OR n.x return n.name as name order by name desc limit 2")
            .unwrap();
    assert_eq!(s.clauses.len(), 2);
    let Clause::Return(r) = &s.clauses[1] else { panic!("second clause is RETURN") };
    assert_eq!(r.items[0].name, "name");
    assert!(r.order_by[0].descending);
}

#[test]
fn hyphenated_and_quoted_relationship_types() {
    let s = parse("MATCH (c)-[:attributed-to]->(a)<-[r:`linked-to`|KNOWS]-(b) RETURN *").unwrap();
    let Clause::Match(m) = &s.clauses[0] else { panic!("first clause is MATCH") };
    let steps = &m.patterns[0].steps;
    assert_eq!(steps[0].0.types, ["attributed-to"]);
    assert_eq!(steps[0].0.direction, RelDirection::Right);
    assert_eq!(steps[1].0.types, ["linked-to", "KNOWS"]);
    assert_eq!(steps[1].0.direction, RelDirection::Left);
}

#[test]
fn ranges() {
    let s = parse("MATCH (a)-[*2]-(b), (a)-[*..3]->(c), (a)-[:X*1..]->(d), (a)-[*]->(e) RETURN a").unwrap();
    let Clause::Match(m) = &s.clauses[0] else { panic!("first clause is MATCH") };
    let lengths: Vec<_> = m.patterns.iter().map(|p| p.steps[0].0.length).collect();
    assert_eq!(
        lengths,
        [Some((Some(2), Some(2))), Some((None, Some(3))), Some((Some(1), None)), Some((None, None))]
    );
}

#[test]
fn syntax_error_says_where_and_what_was_expected() {
    let text = "MATCH (n:Person\nRETURN n";
    let e = parse(text).unwrap_err();
    assert_eq!(e.kind, ErrorKind::SyntaxError);
    let shown = e.render(text);
    assert!(shown.contains("line 2, column 1"), "{shown}");
    assert!(shown.contains("`)`"), "{shown}");
    let e = parse("MATCH (n) RETURN n ORDER n").unwrap_err();
    assert!(e.message.contains("BY"), "{}", e.message);
}

#[test]
fn print_then_parse_is_identity() {
    let text = "EXPLAIN MATCH (a:A:`B c` {x: 1})-[r:`t-1`|u {w: 'q'}]->(b), (c)<-[*1..2]-(a) WHERE NOT a.x IN [1, 2.5, null] \
                CREATE (d {k: $p}) RETURN DISTINCT *, a.x AS x, count(DISTINCT b), -a.y ORDER BY x DESC SKIP 1 LIMIT 3";
    let first = parse(text).unwrap();
    let printed = first.to_string();
    let second = parse(&printed).unwrap();
    assert_eq!(first, second, "printed as {printed}");
}

#[test]
fn reduce_prints_and_parses_back_and_stays_a_name_elsewhere() {
    let text =
        "WITH 1 AS reduce RETURN reduce(`the total` = reduce, x IN [1, 2] | `the total` + x * reduce) AS r";
    let first = parse(text).unwrap();
    let printed = first.to_string();
    assert!(printed.contains("reduce(`the total` = reduce, x IN [1, 2] | "), "{printed}");
    assert_eq!(parse(&printed).unwrap(), first, "printed as {printed}");
    assert_eq!(parse("RETURN reduce(t = 0, x IN [1] t + x)").unwrap_err().kind, ErrorKind::SyntaxError);
}

#[test]
fn label_expressions_keep_their_precedence_through_printing() {
    let text = "MATCH (a:A|B&!C:D), (b:!(A|B)&%), (c:A&B) WHERE a:X|Y AND b:!X RETURN [x IN [a] WHERE x:A | x.name] AS n";
    let first = parse(text).unwrap();
    let printed = first.to_string();
    assert_eq!(parse(&printed).unwrap(), first, "printed as {printed}");
    // `!` before `&` before `|`; `:A&B` is plain labels; `| x.name` maps the comprehension.
    assert!(printed.contains("(a:(A|(B&!C))&D)"), "{printed}");
    assert!(printed.contains("(b:!(A|B)&%)"), "{printed}");
    assert!(printed.contains("(c:A:B)"), "{printed}");
    assert!(printed.contains("| x.name]"), "{printed}");
}

#[test]
fn calls_and_show_print_and_parse_back() {
    for text in [
        "CALL db.labels()",
        "CALL db.labels",
        "CALL db.labels() YIELD label AS l WHERE l STARTS WITH 'T' RETURN l",
        "CALL dbms.procedures() YIELD *",
        "UNWIND [1] AS i CALL test.proc(i, 'x') YIELD out RETURN out",
        "SHOW INDEXES YIELD name WHERE name <> '' RETURN name",
        "CREATE (a:A $props)-[r:R $rel]->(b $other)",
        "MATCH (n {}) CREATE (m {})",
        "MATCH (a) FOREACH (x IN a.list | SET a.seen = true FOREACH (y IN [x] | CREATE (:L {v: y})))",
    ] {
        let first = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let printed = first.to_string();
        assert_eq!(parse(&printed).unwrap(), first, "{text} printed as {printed}");
    }
    let show = parse("show index").unwrap().to_string();
    assert_eq!(show, "SHOW INDEXES", "one name whatever the number");
}
