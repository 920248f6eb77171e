//! Runs openCypher TCK feature files against kgraph, in process.
//!
//! ```text
//! cargo run --release --example tck -- FEATURES_DIR [--ratchet FILE] [--write-ratchet FILE] [--quiet]
//! ```
//!
//! Every scenario runs on a fresh graph. Named graphs are read from `graphs/NAME/NAME.cypher` in the
//! folder beside FEATURES_DIR, as in the TCK's layout. One line per failing scenario, a table per
//! folder, then the closing line `N passed, N failed`. With `--ratchet FILE`, every
//! scenario listed in FILE must still pass, or the run fails (exit 1).

mod gherkin;
mod values;

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use kgraph::{Error, ErrorKind, Graph, QueryOutput, Session, Value};
use values::V;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Checks a result (or side effects).
    Result,
    /// Expects an error of a given type and phase.
    Error,
}

enum Outcome {
    Pass,
    Fail(String),
}

/// TCK details that a parser, rather than semantic analysis, reports. An expected `SyntaxError` with
/// one of these details is matched by kgraph's `SyntaxError`; any other expected `SyntaxError` (an
/// undefined variable, a misplaced aggregate…) must be matched by kgraph's `SemanticError`, so that a
/// construct kgraph merely cannot parse never passes for a correctly rejected one.
const LEXICAL_DETAILS: &[&str] = &[
    "UnexpectedSyntax",
    "InvalidNumberLiteral",
    "InvalidUnicodeLiteral",
    "InvalidUnicodeCharacter",
    "IntegerOverflow",
    "FloatingPointOverflow",
];

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut features: Option<PathBuf> = None;
    let mut ratchet: Option<PathBuf> = None;
    let mut write_ratchet: Option<PathBuf> = None;
    let mut quiet = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--ratchet" => ratchet = args.next().map(PathBuf::from),
            "--write-ratchet" => write_ratchet = args.next().map(PathBuf::from),
            "--quiet" => quiet = true,
            "-h" | "--help" => {
                println!("usage: tck FEATURES_DIR [--ratchet FILE] [--write-ratchet FILE] [--quiet]");
                return ExitCode::SUCCESS;
            }
            _ if features.is_none() => features = Some(PathBuf::from(a)),
            other => {
                eprintln!("tck: unexpected argument `{other}`");
                return ExitCode::from(2);
            }
        }
    }
    let Some(features) = features else {
        eprintln!("usage: tck FEATURES_DIR [--ratchet FILE] [--write-ratchet FILE] [--quiet]");
        return ExitCode::from(2);
    };
    let graphs = features.parent().map_or_else(|| PathBuf::from("graphs"), |p| p.join("graphs"));
    let mut files = Vec::new();
    collect(&features, &mut files);
    files.sort();
    if files.is_empty() {
        eprintln!("tck: no .feature files under {}", features.display());
        return ExitCode::from(2);
    }

    // The engine's panics are reported as failures; the default hook would print each one.
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let mut passed_ids = BTreeSet::new();
    // folder → kind → (passed, failed)
    let mut table: BTreeMap<String, BTreeMap<Kind, [usize; 2]>> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(&features).unwrap_or(file).to_path_buf();
        let folder = rel.parent().map(|p| p.display().to_string()).unwrap_or_default();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("tck: {}: {e}", file.display());
                return ExitCode::from(2);
            }
        };
        let scenarios = match gherkin::parse(file, &text) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("tck: {e}");
                return ExitCode::from(2);
            }
        };
        for scenario in scenarios {
            let id = format!("{}: {}", rel.display(), scenario.name);
            let kind = if scenario.steps.iter().any(|s| s.text.contains("should be raised")) {
                Kind::Error
            } else {
                Kind::Result
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| run(&scenario, &graphs))).unwrap_or_else(|p| {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Outcome::Fail(format!("PANIC: {msg}"))
            });
            let counts = table.entry(folder.clone()).or_default().entry(kind).or_default();
            match outcome {
                Outcome::Pass => {
                    counts[0] += 1;
                    passed_ids.insert(id);
                }
                Outcome::Fail(why) => {
                    counts[1] += 1;
                    if !quiet {
                        let why: String = why.replace('\n', " ⏎ ").chars().take(300).collect();
                        println!("FAIL {}:{} {} — {why}", rel.display(), scenario.line, scenario.name);
                    }
                }
            }
        }
    }

    println!();
    println!("{:<44} {:>17} {:>17}", "folder", "results passed", "errors passed");
    let mut totals: BTreeMap<Kind, [usize; 2]> = BTreeMap::new();
    for (folder, kinds) in &table {
        let cell = |k: Kind| {
            let c = kinds.get(&k).copied().unwrap_or_default();
            format!("{}/{}", c[0], c[0] + c[1])
        };
        println!("{folder:<44} {:>17} {:>17}", cell(Kind::Result), cell(Kind::Error));
        for (k, c) in kinds {
            let t = totals.entry(*k).or_default();
            (0..2).for_each(|i| t[i] += c[i]);
        }
    }
    for (k, c) in &totals {
        let run = c[0] + c[1];
        let pct = if run == 0 { 0.0 } else { 100.0 * c[0] as f64 / run as f64 };
        println!("{k:?} scenarios: {}/{run} passed ({pct:.1}%)", c[0]);
    }
    println!("time: {:.2} s", started.elapsed().as_secs_f64());
    let sum = |i: usize| totals.values().map(|c| c[i]).sum::<usize>();

    let mut status = ExitCode::SUCCESS;
    if let Some(path) = &ratchet {
        match std::fs::read_to_string(path) {
            Ok(list) => {
                let regressions: Vec<&str> = list
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .filter(|l| !passed_ids.contains(*l))
                    .collect();
                for r in &regressions {
                    println!("REGRESSION {r}");
                }
                if !regressions.is_empty() {
                    println!("{} scenario(s) listed in {} no longer pass", regressions.len(), path.display());
                    status = ExitCode::from(1);
                }
            }
            Err(e) => {
                eprintln!("tck: {}: {e}", path.display());
                status = ExitCode::from(2);
            }
        }
    }
    if let Some(path) = &write_ratchet {
        let mut text = String::from("# Scenarios known to pass; .ci/run fails if one stops passing.\n");
        text.push_str(
            "# Regenerate with: cargo run --release --example tck -- FEATURES_DIR --write-ratchet FILE\n",
        );
        for id in &passed_ids {
            text.push_str(id);
            text.push('\n');
        }
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("tck: {}: {e}", path.display());
            status = ExitCode::from(2);
        }
    }
    println!("{} passed, {} failed", sum(0), sum(1));
    status
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "feature") {
            out.push(p);
        }
    }
}

/// What the graph holds, as the TCK counts side effects.
#[derive(Default)]
struct Metrics {
    nodes: BTreeSet<u32>,
    relationships: BTreeSet<u32>,
    properties: BTreeSet<(bool, u32, String, String)>,
    labels: BTreeSet<String>,
}

fn metrics(g: &Graph) -> Metrics {
    let mut m = Metrics::default();
    for n in g.nodes() {
        m.nodes.insert(n.0);
        for &l in g.labels(n) {
            m.labels.insert(g.name(l).to_string());
        }
        for (k, v) in g.node_properties(n).iter() {
            m.properties.insert((true, n.0, g.name(k).to_string(), values::from_value(g, v).key(false)));
        }
    }
    for e in g.edges() {
        m.relationships.insert(e.0);
        for (k, v) in g.edge_properties(e).iter() {
            m.properties.insert((false, e.0, g.name(k).to_string(), values::from_value(g, v).key(false)));
        }
    }
    m
}

fn side_effects(before: &Metrics, after: &Metrics) -> BTreeMap<String, usize> {
    fn diff<T: Ord>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> usize {
        a.difference(b).count()
    }
    let mut out = BTreeMap::new();
    let mut put = |k: &str, n: usize| {
        if n > 0 {
            out.insert(k.to_string(), n);
        }
    };
    put("+nodes", diff(&after.nodes, &before.nodes));
    put("-nodes", diff(&before.nodes, &after.nodes));
    put("+relationships", diff(&after.relationships, &before.relationships));
    put("-relationships", diff(&before.relationships, &after.relationships));
    put("+properties", diff(&after.properties, &before.properties));
    put("-properties", diff(&before.properties, &after.properties));
    put("+labels", diff(&after.labels, &before.labels));
    put("-labels", diff(&before.labels, &after.labels));
    out
}

fn to_param(v: &V) -> Option<Value> {
    Some(match v {
        V::Null => Value::Null,
        V::Bool(b) => Value::Bool(*b),
        V::Int(i) => Value::Int(*i),
        V::Float(x) => Value::Float(*x),
        V::Str(s) => Value::String(s.clone()),
        V::List(items) => Value::List(items.iter().map(to_param).collect::<Option<_>>()?),
        V::Map(m) => {
            Value::Map(m.iter().map(|(k, v)| Some((k.clone(), to_param(v)?))).collect::<Option<_>>()?)
        }
        _ => return None,
    })
}

fn run(scenario: &gherkin::Scenario, graphs: &Path) -> Outcome {
    let mut session = Session::new();
    let mut result: Option<Result<QueryOutput, Error>> = None;
    let mut before: Option<Metrics> = None;
    for step in &scenario.steps {
        let t = step.text.trim();
        if t == "an empty graph" || t == "any graph" {
            session = Session::new();
        } else if let Some(name) = t.strip_prefix("the ").and_then(|r| r.strip_suffix(" graph")) {
            let path = graphs.join(name).join(format!("{name}.cypher"));
            if let Err(e) = session.load_file(&path) {
                return Outcome::Fail(format!("cannot set up graph {name}: {e}"));
            }
        } else if t.starts_with("having executed") || t.starts_with("after having executed") {
            let query = step.doc.as_deref().unwrap_or_default();
            if let Err(e) = session.run(query) {
                return Outcome::Fail(format!("setup query failed: {e}"));
            }
        } else if t.starts_with("parameters are") || t.starts_with("parameter values are") {
            for row in &step.table {
                let (Some(name), Some(value)) = (row.first(), row.get(1)) else {
                    continue;
                };
                match values::parse(value).ok().as_ref().and_then(to_param) {
                    Some(v) => session.set_param(name.clone(), v),
                    None => return Outcome::Fail(format!("cannot read parameter value `{value}`")),
                }
            }
        } else if let Some(signature) = t.strip_prefix("there exists a procedure ") {
            // The table's header names the inputs then the outputs; each row is a call's answer.
            let mut rows = Vec::new();
            for row in step.table.iter().skip(1) {
                let values: Option<Vec<Value>> =
                    row.iter().map(|cell| values::parse(cell).ok().as_ref().and_then(to_param)).collect();
                match values {
                    Some(values) => rows.push(values),
                    None => return Outcome::Fail(format!("cannot read procedure row {row:?}")),
                }
            }
            match kgraph::query::procedures::TableProcedure::new(signature.trim_end_matches(':'), rows) {
                Ok(p) => session.register_procedure(p),
                Err(e) => return Outcome::Fail(format!("cannot declare the procedure: {e}")),
            }
        } else if t.starts_with("executing query") {
            before = Some(metrics(session.graph()));
            result = Some(session.run(step.doc.as_deref().unwrap_or_default()).map(last_output));
        } else if t.starts_with("executing control query") {
            result = Some(session.run(step.doc.as_deref().unwrap_or_default()).map(last_output));
        } else if t == "the result should be empty" {
            match &result {
                Some(Ok(out)) if out.rows.is_empty() => {}
                Some(Ok(out)) => {
                    return Outcome::Fail(format!("expected no rows, got {}", out.rows.len()));
                }
                Some(Err(e)) => return Outcome::Fail(format!("query failed: {e}")),
                None => return Outcome::Fail("no query ran".into()),
            }
        } else if t.starts_with("the result should be") {
            let ordered = t.contains("in order");
            let unordered_lists = t.contains("ignoring element order for lists");
            let out = match &result {
                Some(Ok(out)) => out,
                Some(Err(e)) => return Outcome::Fail(format!("query failed: {e}")),
                None => return Outcome::Fail("no query ran".into()),
            };
            if let Err(why) = compare(session.graph(), out, &step.table, ordered, unordered_lists) {
                return Outcome::Fail(why);
            }
        } else if t == "no side effects" || t.starts_with("the side effects should be") {
            let Some(b) = &before else {
                return Outcome::Fail("no query ran".into());
            };
            if let Some(Err(e)) = &result {
                return Outcome::Fail(format!("query failed: {e}"));
            }
            let got = side_effects(b, &metrics(session.graph()));
            let mut want = BTreeMap::new();
            for row in &step.table {
                if let (Some(k), Some(n)) = (row.first(), row.get(1).and_then(|n| n.parse::<usize>().ok()))
                    && n > 0
                {
                    want.insert(k.clone(), n);
                }
            }
            if got != want {
                return Outcome::Fail(format!("side effects {got:?}, expected {want:?}"));
            }
        } else if t.contains("should be raised at") {
            if let Err(why) = check_error(t, result.as_ref()) {
                return Outcome::Fail(why);
            }
        } else {
            return Outcome::Fail(format!("unknown step `{t}`"));
        }
    }
    Outcome::Pass
}

fn last_output(mut outputs: Vec<QueryOutput>) -> QueryOutput {
    outputs.pop().unwrap_or_default()
}

fn check_error(step: &str, result: Option<&Result<QueryOutput, Error>>) -> Result<(), String> {
    // "a TypeError should be raised at runtime: ListElementAccessByNonInteger"
    let words: Vec<&str> = step.split_whitespace().collect();
    let expected = words.get(1).copied().unwrap_or_default();
    let (phase, detail) = match step.split_once("raised at ") {
        Some((_, rest)) => match rest.split_once(':') {
            Some((p, d)) => (p.trim(), d.trim()),
            None => (rest.trim(), ""),
        },
        None => ("", ""),
    };
    let error = match result {
        None => return Err("no query ran".into()),
        Some(Ok(out)) => {
            return Err(format!(
                "expected {expected} ({detail}), but the query returned {} rows",
                out.rows.len()
            ));
        }
        Some(Err(Error::Query(f))) => &f.error,
        Some(Err(other)) => {
            return Err(format!("expected {expected}, got a non-query error: {other}"));
        }
    };
    let ours = error.kind;
    let type_ok = match expected {
        // Any error will do, except a parse failure for a reason other than a lexical one: that is
        // how a construct kgraph cannot parse yet would otherwise pass.
        "Error" => ours != ErrorKind::SyntaxError || LEXICAL_DETAILS.contains(&detail),
        "SyntaxError" if LEXICAL_DETAILS.contains(&detail) => {
            matches!(ours, ErrorKind::SyntaxError | ErrorKind::SemanticError)
        }
        "SyntaxError" => ours == ErrorKind::SemanticError,
        // Neo4j's category of the error (Neo.ClientError.Procedure.ProcedureNotFound).
        "ProcedureError" => ours == ErrorKind::ProcedureNotFound,
        name => ours.name() == name,
    };
    let phase_ok = match phase {
        "compile time" => error.is_compile_time(),
        "runtime" => !error.is_compile_time(),
        _ => true,
    };
    if type_ok && phase_ok {
        Ok(())
    } else {
        let when = if error.is_compile_time() { "compile time" } else { "runtime" };
        Err(format!(
            "expected {expected} at {phase} ({detail}), got {} at {when}: {}",
            ours.name(),
            error.message
        ))
    }
}

fn compare(
    graph: &Graph,
    out: &QueryOutput,
    table: &[Vec<String>],
    ordered: bool,
    unordered_lists: bool,
) -> Result<(), String> {
    let Some((header, rows)) = table.split_first() else {
        return Err("the scenario has no expected table".into());
    };
    if &out.columns != header {
        return Err(format!("columns {:?}, expected {:?}", out.columns, header));
    }
    let mut expected = Vec::new();
    for row in rows {
        let mut keys = Vec::new();
        for cell in row {
            keys.push(values::parse(cell)?.key(unordered_lists));
        }
        expected.push(keys);
    }
    let mut actual: Vec<Vec<String>> = out
        .rows
        .iter()
        .map(|r| r.iter().map(|v| values::from_value(graph, v).key(unordered_lists)).collect())
        .collect();
    if !ordered {
        expected.sort();
        actual.sort();
    }
    if expected != actual {
        let show = |rows: &[Vec<String>]| rows.iter().map(|r| r.join(" | ")).collect::<Vec<_>>().join("; ");
        return Err(format!("got [{}], expected [{}]", show(&actual), show(&expected)));
    }
    Ok(())
}
