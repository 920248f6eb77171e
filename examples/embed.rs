//! kgraph embedded in a program: open a database directory, load MITRE ATT&CK (or the sample
//! beside this repository), ask a parameterised question, read typed values, write in a
//! transaction, and read from several threads at once.
//!
//!     cargo run --example embed [STIX_BUNDLE] [DATABASE_DIR]
//!
//! STIX_BUNDLE defaults to graphs/attack-sample.stix.json (ATT&CK Enterprise itself is
//! enterprise-attack.json from github.com/mitre-attack/attack-stix-data); DATABASE_DIR to a fresh
//! directory under the system's temporary one.

use std::path::PathBuf;

use kgraph::{Database, Node, params};

fn main() -> Result<(), kgraph::Error> {
    let mut args = std::env::args().skip(1);
    let bundle = args.next().map_or_else(|| PathBuf::from("graphs/attack-sample.stix.json"), PathBuf::from);
    let dir = args.next().map_or_else(
        || std::env::temp_dir().join(format!("kgraph-embed-{}", std::process::id())),
        PathBuf::from,
    );

    let db = Database::open(&dir)?;
    let loaded = db.load(&bundle)?;
    println!(
        "{}: {} nodes, {} relationships into {}",
        bundle.display(),
        loaded.nodes,
        loaded.relationships,
        dir.display()
    );

    // Parsed once, run for each technique.
    let users = db.prepare(
        "MATCH (g:IntrusionSet)-[:uses]->(t:AttackPattern) WHERE t.external_id STARTS WITH $technique \
         RETURN g AS group, collect(DISTINCT t.external_id) AS ways ORDER BY size(ways) DESC LIMIT 5",
    )?;
    for technique in ["T1566", "T1059"] {
        println!("groups using {technique}:");
        for row in &users.execute(params! { "technique" => technique })? {
            let group: Node = row.get("group")?;
            let ways: Vec<String> = row.get("ways")?;
            let aliases: Option<Vec<String>> = group.get("aliases").ok();
            println!(
                "  {} ({}) by {}",
                group.get::<String>("name")?,
                aliases.unwrap_or_default().join(", "),
                ways.join(", ")
            );
        }
    }

    // An analyst's note on every group using phishing, all of it or none of it on disk.
    let mut tx = db.transaction()?;
    let noted = tx.execute(
        "MATCH (g:IntrusionSet)-[:uses]->(:AttackPattern {external_id: $technique}) \
         CREATE (g)-[:`noted-in`]->(:Note {text: $text}) RETURN count(*) AS n",
        params! { "technique" => "T1566", "text" => "seen phishing ministries" },
    )?;
    tx.commit()?;
    println!("{} notes written", noted.first().map_or(Ok(0), |r| r.get::<i64>("n"))?);

    // Readers share the database: each thread runs its own statements, at the same time.
    let counts: Vec<i64> = std::thread::scope(|s| {
        let label_count = |label: &'static str| {
            let db = &db;
            s.spawn(move || {
                db.execute(&format!("MATCH (n:{label}) RETURN count(n) AS n"), ())
                    .and_then(|r| Ok(r.first().map_or(Ok(0), |r| r.get("n"))?))
            })
        };
        let threads = [label_count("IntrusionSet"), label_count("AttackPattern"), label_count("Note")];
        threads.into_iter().map(|t| t.join().expect("a reader thread")).collect::<Result<_, _>>()
    })?;
    println!("intrusion sets {}, techniques {}, notes {}", counts[0], counts[1], counts[2]);
    Ok(())
}
