//! Every query of `graphs/README.md` runs against the graph it names and returns rows, so that the
//! questions there keep their answers. The ATT&CK ones run against the committed sample, and against
//! the full bundle from ../shared (ignored by `cargo test`, run by `cargo test -- --ignored` as CI does).

use std::path::Path;

use kgraph::Session;

const README: &str = include_str!("../graphs/README.md");
const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/graphs/czech-apt31.cypher");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/graphs/attack-sample.stix.json");
const SELECT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/graphs/attack-sample.select.cypher");
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
fn the_readme_has_ten_questions_and_four_of_time() {
    assert_eq!(queries().len(), 14);
}

/// The README's query `n` (from 1), run on `file`: its rows as text.
fn answers(n: usize, file: &str) -> Vec<Vec<String>> {
    let (_, q) = queries().into_iter().nth(n - 1).expect("the README has the question");
    let mut session = Session::new();
    session.load_file(Path::new(file)).unwrap();
    let out = session.run(&q).unwrap_or_else(|e| panic!("{q}\n{e}"));
    out[0].rows.iter().map(|r| r.iter().map(|v| v.to_string()).collect()).collect()
}

#[test]
fn the_questions_of_time_get_the_answers_the_dates_give() {
    assert_eq!(
        answers(11, SEED),
        [["\"Foreign Ministry espionage campaign\"", "date('2022-01-01')", "date('2025-05-28')"]]
    );
    // Every claim dated in the graph was made on the day of the announcement.
    let claims = answers(12, SEED);
    assert_eq!(claims.len(), 5, "{claims:?}");
    assert!(claims.iter().all(|c| c[3] == "date('2025-05-28')"), "{claims:?}");
    let changed = answers(13, SAMPLE);
    assert_eq!(changed.len(), 10);
    assert!(changed.windows(2).all(|w| w[0][2] >= w[1][2]), "newest first: {changed:?}");
    let groups: Vec<String> = answers(14, SAMPLE).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(groups, ["\"APT29\"", "\"Sandworm Team\"", "\"Lazarus Group\"", "\"APT41\""]);
}

#[test]
fn seed_questions_have_answers() {
    run_all("seed", SEED);
}

#[test]
fn attack_questions_have_answers_in_the_sample() {
    run_all("attack", SAMPLE);
}

#[test]
#[ignore = "reads ../shared/data (the ATT&CK bundle), which the README's test command must not need: cargo test -- --ignored runs it (CI does)"]
fn attack_questions_have_answers_in_the_full_bundle() {
    assert!(
        Path::new(ATTACK).exists(),
        "{ATTACK} is not there: this test needs ../shared beside the repository"
    );
    run_all("attack", ATTACK);
}

/// The committed sample is what its selection script makes of the full bundle, byte for byte.
#[test]
#[ignore = "reads ../shared/data (the ATT&CK bundle), which the README's test command must not need: cargo test -- --ignored runs it (CI does)"]
fn the_attack_sample_is_what_its_script_selects() {
    assert!(
        Path::new(ATTACK).exists(),
        "{ATTACK} is not there: this test needs ../shared beside the repository"
    );
    let mut session = Session::new();
    session.load_file(Path::new(ATTACK)).unwrap();
    session.run(&std::fs::read_to_string(SELECT).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sample.stix.json");
    let g = session.graph();
    kgraph::export::export(g, &kgraph::export::Selection::all(g), &out).unwrap();
    assert!(
        std::fs::read(&out).unwrap() == std::fs::read(SAMPLE).unwrap(),
        "graphs/attack-sample.stix.json differs from what graphs/attack-sample.select.cypher selects"
    );
    // And the sample, loaded and written again, is the same file (the deletions left gaps in the ids
    // of the selected graph, so it is the files that compare, not the graphs).
    let mut sample = Session::new();
    let report = sample.load_file(Path::new(SAMPLE)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let again = dir.path().join("again.stix.json");
    let g = sample.graph();
    kgraph::export::export(g, &kgraph::export::Selection::all(g), &again).unwrap();
    assert!(std::fs::read(&again).unwrap() == std::fs::read(SAMPLE).unwrap());
}

/// The full-text example of the README (its `<!-- script: attack -->` block, run whole on the
/// sample) finds the techniques it shows, best first.
#[test]
fn the_full_text_example_finds_credential_harvesting_techniques() {
    let start = README.find("<!-- script: attack -->\n```cypher\n").expect("the README has the script");
    let body = &README[start..].split("```").nth(1).expect("a block").trim_start_matches("cypher\n");
    let mut session = Session::new();
    session.load_file(Path::new(SAMPLE)).unwrap();
    let out = session.run(body).unwrap_or_else(|e| panic!("{body}\n{e}"));
    let found: Vec<String> = out.last().unwrap().rows.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(found.len(), 5);
    assert_eq!(found[..2], ["\"T1598\"", "\"T1598.003\""]);
}
