//! Every query of `graphs/README.md` runs against the graph it names and returns rows, so that the
//! questions there keep their answers. The ATT&CK ones are skipped, saying so, where the shared data
//! is not beside the repository.

use std::path::Path;

use kgraph::Session;

const README: &str = include_str!("../graphs/README.md");
const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/graphs/czech-apt31.cypher");
const ATTACK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/enterprise-attack-18.1.json.gz");

/// (graph name, query) for each block marked `<!-- graph: NAME -->`.
fn queries() -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut lines = README.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix("<!-- graph: ").and_then(|l| l.strip_suffix(" -->")) else {
            continue;
        };
        assert_eq!(lines.next(), Some("```cypher"), "a query block follows the marker");
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        found.push((name.to_string(), body.join("\n")));
    }
    found
}

fn run_all(graph: &str, file: &str) {
    let mut session = Session::new();
    session.load_file(Path::new(file)).unwrap();
    let mine: Vec<String> = queries().into_iter().filter(|(g, _)| g == graph).map(|(_, q)| q).collect();
    assert!(!mine.is_empty(), "the README has {graph} queries");
    for q in mine {
        let out = session.run(&q).unwrap_or_else(|e| panic!("{q}\n{e}"));
        assert!(!out[0].rows.is_empty(), "no rows for:\n{q}");
    }
}

#[test]
fn the_readme_has_ten_questions() {
    assert_eq!(queries().len(), 10);
}

#[test]
fn seed_questions_have_answers() {
    run_all("seed", SEED);
}

#[test]
fn attack_questions_have_answers() {
    if !Path::new(ATTACK).exists() {
        eprintln!("skipped: {ATTACK} is not there");
        return;
    }
    run_all("attack", ATTACK);
}
