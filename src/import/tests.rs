use super::*;
use crate::Session;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn import(nodes: &[PathBuf], edges: &[PathBuf]) -> Result<Graph, ImportError> {
    import_csv(nodes, edges, &mut crate::progress::Silent)
}

#[test]
fn nodes_labels_typed_properties_and_relationships() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = write(
        dir.path(),
        "nodes.csv",
        "id:ID,:LABEL,name,score:int,weight:float,active:boolean,tags:string[]\n\
         a,ThreatActor;Group,APT31,90,0.5,true,espionage;china\n\
         b,Organization,\"Ministry, Foreign\",,1e3,FALSE,\n",
    );
    let edges = write(
        dir.path(),
        "edges.csv",
        ":START_ID,:END_ID,:TYPE,since:int\na,b,attributed-to,2021\nb,a,linked-to,\n",
    );
    let mut s = Session::with_graph(import(&[nodes], &[edges]).unwrap());
    let rows = s
        .run("MATCH (a {id: 'a'})-[r:`attributed-to`]->(b) RETURN labels(a), a.name, a.score, a.weight, a.active, a.tags, r.since, b.name, b.score, b.weight, b.active")
        .unwrap();
    let row = &rows[0].rows[0];
    let mut labels = match &row[0] {
        Value::List(l) => l.clone(),
        other => panic!("labels are a list, got {other:?}"),
    };
    labels.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(labels, vec![Value::from("Group"), Value::from("ThreatActor")]);
    assert_eq!(
        row[1..].to_vec(),
        vec![
            Value::from("APT31"),
            Value::Int(90),
            Value::Float(0.5),
            Value::Bool(true),
            Value::List(vec![Value::from("espionage"), Value::from("china")]),
            Value::Int(2021),
            Value::from("Ministry, Foreign"),
            Value::Null,
            Value::Float(1000.0),
            Value::Bool(false),
        ]
    );
    let back = s.run("MATCH (:Organization)-[r:`linked-to`]->() RETURN r.since").unwrap();
    assert_eq!(back[0].rows, vec![vec![Value::Null]], "an empty field sets no property");
}

#[test]
fn id_spaces_keep_equal_ids_apart() {
    let dir = tempfile::tempdir().unwrap();
    let actors = write(dir.path(), "actors.csv", ":ID(Actor),name\n1,APT31\n");
    let orgs = write(dir.path(), "orgs.csv", ":ID(Org),name\n1,MSS\n");
    let edges = write(dir.path(), "e.csv", ":START_ID(Actor),:END_ID(Org),:TYPE\n1,1,linked-to\n");
    let mut s = Session::with_graph(import(&[actors, orgs], &[edges]).unwrap());
    let rows = s.run("MATCH (a)-->(o) RETURN a.name, o.name, a.id").unwrap();
    assert_eq!(rows[0].rows, vec![vec![Value::from("APT31"), Value::from("MSS"), Value::Null]]);
}

fn error_of(nodes: &str, edges: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let n = write(dir.path(), "nodes.csv", nodes);
    let e = write(dir.path(), "edges.csv", edges);
    import(&[n], &[e]).unwrap_err().to_string()
}

#[test]
fn bad_records_name_file_line_and_column() {
    let nodes = "id:ID,score:int\n1,5\n2,x\n";
    let err = error_of(nodes, ":START_ID,:END_ID,:TYPE\n");
    assert!(err.ends_with("nodes.csv: line 3, column 2: `x` is not an integer"), "{err}");
    let nodes = "id:ID,score:int\n1,5\n2,6\n";
    let err = error_of(nodes, ":START_ID,:END_ID,:TYPE\n1,2,R\n2,9,R\n");
    assert!(err.ends_with("edges.csv: line 3, column 2: no node has the id `9`"), "{err}");
    let err = error_of("id:ID\n1\n1\n", ":START_ID,:END_ID,:TYPE\n");
    assert!(err.ends_with("nodes.csv: line 3, column 1: the node id `1` appears twice"), "{err}");
    let err = error_of("id:ID\n1\n", ":START_ID,:END_ID,:TYPE\n1,1,\n");
    assert!(err.contains("line 2, column 3: the relationship type is empty"), "{err}");
    let err = error_of("id:ID,b:boolean\n1,yes\n", ":START_ID,:END_ID,:TYPE\n");
    assert!(err.contains("`yes` is not true or false"), "{err}");
    let err = error_of("id:ID,a\n1,2,3\n", ":START_ID,:END_ID,:TYPE\n");
    assert!(err.contains("nodes.csv"), "a ragged record is refused: {err}");
}

/// Issue 14, item 16: a field with an unclosed quote took in the rest of the file (1.26 M rows
/// lost on a 20 MB file, exit status 0).
#[test]
fn an_unclosed_quote_is_refused_at_the_line_it_opens() {
    let nodes = "id:ID,name\n1,a\n2,\"b, \"\"quoted\"\"\n3,c\n4,d\n";
    let err = error_of(nodes, ":START_ID,:END_ID,:TYPE\n");
    assert!(
        err.contains("nodes.csv") && err.contains("line 3, column 3: a quoted field opens here"),
        "{err}"
    );
    let edges = ":START_ID,:END_ID,:TYPE\n1,1,R\n1,1,\"S\n1,1,R\n";
    let err = error_of("id:ID\n1\n", edges);
    assert!(err.contains("edges.csv") && err.contains("line 3, column 5"), "{err}");
    // Closed quotes, doubled quotes and quotes inside a field are fine.
    let dir = tempfile::tempdir().unwrap();
    let n = write(dir.path(), "n.csv", "id:ID,name\n1,\"a \"\"b\"\"\"\n2,x\"y\n3,\"multi\nline\"\n");
    let e = write(dir.path(), "e.csv", ":START_ID,:END_ID,:TYPE\n1,2,R\n");
    let g = import(&[n], &[e]).unwrap();
    assert_eq!(g.node_count(), 3);
}

/// Issue 14, item 16: two columns for one property (or a property named like the id column) kept
/// the last value without a word.
#[test]
fn two_columns_for_one_property_are_refused() {
    let err = error_of("id:ID,name,name:string\n1,a,b\n", ":START_ID,:END_ID,:TYPE\n");
    assert!(err.contains("both set the property `name`"), "{err}");
    let err = error_of("id:ID,id:int\n1,2\n", ":START_ID,:END_ID,:TYPE\n");
    assert!(err.contains("both set the property `id`"), "{err}");
    let err = error_of("id:ID\n1\n", ":START_ID,:END_ID,:TYPE,w:int,w:long\n1,1,R,1,2\n");
    assert!(err.contains("both set the property `w`"), "{err}");
    // Columns of one property and different types are how a key of mixed types is written; a row
    // may fill one of them, not two.
    let err = error_of("id:ID\n1\n", ":START_ID,:END_ID,:TYPE,w:int,w\n1,1,R,1,2\n");
    assert!(err.contains("line 2, column 5: a second column gives this property a value"), "{err}");
}

/// Issue 14, item 24: an empty string, an empty list and a `;` inside a list's strings did not come
/// back from a CSV export; kgraph's `json` column type carries them.
#[test]
fn a_json_column_carries_what_the_neo4j_types_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let n =
        write(dir.path(), "n.csv", "id:ID,v:json\n1,\"\"\"\"\"\"\n2,[]\n3,\"[\"\"a;b\"\",\"\"\"\"]\"\n4,\n");
    let e = write(dir.path(), "e.csv", ":START_ID,:END_ID,:TYPE\n");
    let g = import(&[n], &[e]).unwrap();
    let values: Vec<Option<&Value>> = g.nodes().map(|n| g.node_property(n, "v")).collect();
    let semi = Value::List(vec![Value::from("a;b"), Value::from("")]);
    assert_eq!(values, [Some(&Value::from("")), Some(&Value::List(vec![])), Some(&semi), None]);
    let err = error_of("id:ID,v:json\n1,{nope\n", ":START_ID,:END_ID,:TYPE\n");
    assert!(err.contains("is not JSON of a value a property can hold"), "{err}");
}

/// Issue 14, item 24: a key holding integers and text came back as text from a CSV export.
#[test]
fn a_property_of_mixed_types_reads_from_a_column_per_type() {
    let dir = tempfile::tempdir().unwrap();
    let n = write(dir.path(), "n.csv", "id:ID,v:long,v:string\n1,7,\n2,,seven\n3,,\n");
    let e = write(dir.path(), "e.csv", ":START_ID,:END_ID,:TYPE\n");
    let g = import(&[n], &[e]).unwrap();
    let values: Vec<Option<&Value>> = g.nodes().map(|n| g.node_property(n, "v")).collect();
    assert_eq!(values, [Some(&Value::Int(7)), Some(&Value::from("seven")), None]);
}

#[test]
fn temporal_columns_read_iso_text_as_temporal_values() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = write(
        dir.path(),
        "nodes.csv",
        "id:ID,on:date,at:datetime[],took:duration\n1,2025-05-28,2025-05-28T10:00Z;2025-05-28T12:00[Europe/Prague],P1DT2H\n",
    );
    let edges = write(dir.path(), "edges.csv", ":START_ID,:END_ID,:TYPE\n");
    let mut s = Session::with_graph(import(&[nodes], &[edges]).unwrap());
    let rows = s.run("MATCH (n) RETURN n.on.month, n.at[1].offset, n.took.hours").unwrap();
    assert_eq!(
        rows[0].rows,
        vec![vec![Value::Int(5), Value::from("+02:00"), Value::Int(2)]],
        "days are not hours"
    );
    let err = error_of("id:ID,on:date\n1,2025-02-30\n", ":START_ID,:END_ID,:TYPE\n");
    assert!(err.contains("line 2") && err.contains("2025-02-30"), "{err}");
}

#[test]
fn bad_headers_are_refused() {
    assert!(error_of("name\nx\n", ":START_ID,:END_ID,:TYPE\n").contains("exactly one `:ID` column"));
    assert!(error_of("id:ID,p:point\n", ":START_ID,:END_ID,:TYPE\n").contains("unsupported type `point`"));
    assert!(error_of("id:ID\n", ":START_ID,:TYPE\n").contains("needs a `:END_ID` column"));
    assert!(error_of("id:ID,:int\n", ":START_ID,:END_ID,:TYPE\n").contains("needs a name"));
}

#[test]
fn progress_is_reported_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let n = write(dir.path(), "nodes.csv", "id:ID\n1\n2\n");
    let e = write(dir.path(), "edges.csv", ":START_ID,:END_ID,:TYPE\n1,2,R\n");
    let mut seen = crate::progress::tests::Recorded::default();
    import_csv(std::slice::from_ref(&n), std::slice::from_ref(&e), &mut seen).unwrap();
    let stages: Vec<_> = seen.stages.iter().map(|(what, total, _)| (what.clone(), *total)).collect();
    let size = |p: &std::path::Path| Some(std::fs::metadata(p).unwrap().len());
    assert_eq!(
        stages,
        vec![
            (format!("reading {}", n.display()), size(&n)),
            (format!("reading {}", e.display()), size(&e)),
            ("storing relationships".to_string(), None)
        ]
    );
    assert_eq!(seen.reached[1], size(&e).unwrap(), "the last file is read to its end");
}

#[test]
fn generated_csv_imports_to_the_generated_graph() {
    let drawn = crate::generate::Spec { scale: 7, edge_factor: 8, seed: 5 }.draw().unwrap();
    let dir = tempfile::tempdir().unwrap();
    drawn.write_csv(dir.path()).unwrap();
    let imported = import(&[dir.path().join("nodes.csv")], &[dir.path().join("edges.csv")]).unwrap();
    let mut direct = drawn.to_graph();
    // The CSV carries the node number as `id`; the generated store does not.
    let id = direct.intern("id");
    for n in 0..drawn.nodes.len() {
        direct.set_node_property(NodeId(n as u32), id, Value::from(n.to_string())).unwrap();
    }
    assert!(imported == direct);
}

#[test]
fn numeric_and_text_ids_are_distinct_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let nodes =
        write(dir.path(), "n.csv", "id:ID,name\n7,seven\n07,oh-seven\nx7,text\n18446744073709551615,max\n");
    let edges =
        write(dir.path(), "e.csv", ":START_ID,:END_ID,:TYPE\n7,07,R\n07,x7,R\n18446744073709551615,7,R\n");
    let mut s = Session::with_graph(import(&[nodes], &[edges]).unwrap());
    let rows = s.run("MATCH (a)-->(b) RETURN a.name, b.name ORDER BY a.name").unwrap();
    let pairs: Vec<_> = rows[0].rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    assert_eq!(
        pairs,
        vec![
            (Value::from("max"), Value::from("seven")),
            (Value::from("oh-seven"), Value::from("text")),
            (Value::from("seven"), Value::from("oh-seven")),
        ]
    );
    let err = error_of("id:ID\n5\n5\n", ":START_ID,:END_ID,:TYPE\n");
    assert!(err.contains("the node id `5` appears twice"), "{err}");
}

/// The import's own steps, with the relationship file read in `parts` parts.
fn import_in_parts(nodes: &Path, edges: &Path, parts: usize) -> Result<Graph, ImportError> {
    let mut graph = Graph::new();
    let mut ids = HashMap::new();
    read_nodes(&mut graph, &mut ids, nodes, &mut crate::progress::Silent, parts)?;
    for space in ids.values_mut() {
        space.freeze();
    }
    let mut relationships = Columns::default();
    edges::read_edges(&mut graph, &ids, edges, &mut relationships, &mut crate::progress::Silent, parts)?;
    graph.add_edges(relationships)?;
    Ok(graph)
}

fn many_relationships(bad_lines: &[usize], quoted: bool) -> (String, String) {
    let nodes: String =
        std::iter::once("id:ID,name\n".to_string()).chain((0..50).map(|i| format!("{i},n{i}\n"))).collect();
    let mut edges = String::from(":START_ID,:END_ID,:TYPE,weight:int\n");
    for line in 2..2000usize {
        let (a, b) = (line * 7 % 50, line * 13 % 50);
        let ty = ["attributed-to", "linked-to", "condemned-by"][line % 3];
        let weight = if line % 5 == 0 { line.to_string() } else { String::new() };
        if bad_lines.contains(&line) {
            edges.push_str(&format!("{a},nobody,{ty},{weight}\n"));
        } else if quoted && line == 1000 {
            edges.push_str(&format!("{a},{b},\"{ty}\",{weight}\n"));
        } else {
            edges.push_str(&format!("{a},{b},{ty},{weight}\n"));
        }
    }
    (nodes, edges)
}

#[test]
fn a_file_read_in_parts_gives_what_one_pass_gives() {
    let dir = tempfile::tempdir().unwrap();
    for quoted in [false, true] {
        let (nodes, edges) = many_relationships(&[], quoted);
        let (n, e) = (write(dir.path(), "n.csv", &nodes), write(dir.path(), "e.csv", &edges));
        let whole = import_in_parts(&n, &e, 1).unwrap();
        assert_eq!(whole.edge_count(), 1998);
        for parts in [2, 3, 7] {
            let split = import_in_parts(&n, &e, parts).unwrap();
            assert!(split == whole, "{parts} parts (quoted: {quoted}) differ from one pass");
        }
        let cuts = cut::cut(&e, 35, 2, edges.len() as u64, 3).unwrap().expect("plain quotes: cut");
        assert_eq!(cuts.last_line, edges.matches('\n').count() as u64 + 1, "the line the file ends on");
        assert_eq!(cuts.bounds.len(), 3);
        for &(at, line) in &cuts.bounds {
            let before = &edges[..at as usize];
            assert!(before.ends_with('\n'), "a part starts after a line feed");
            assert_eq!(line, before.matches('\n').count() as u64 + 1, "and knows its line");
        }
    }
}

#[test]
fn a_bad_record_is_reported_at_its_line_in_any_part_and_the_first_wins() {
    let dir = tempfile::tempdir().unwrap();
    let (nodes, edges) = many_relationships(&[1500, 1800], false);
    let (n, e) = (write(dir.path(), "n.csv", &nodes), write(dir.path(), "e.csv", &edges));
    for parts in [1, 2, 3] {
        let message = import_in_parts(&n, &e, parts).err().unwrap().to_string();
        assert!(
            message.contains("line 1500, column 2: no node has the id `nobody`"),
            "{parts} parts: {message}"
        );
    }
    let mut lines: Vec<&str> = edges.lines().collect();
    lines[1199] = "1,2";
    let short = write(dir.path(), "short.csv", &(lines.join("\n") + "\n"));
    let message = import_in_parts(&n, &short, 3).err().unwrap().to_string();
    assert!(message.contains("line 1200, column 3: 2 fields where the header has 4"), "{message}");
}

#[test]
fn invalid_utf8_in_a_relationship_file_is_reported_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let n = write(dir.path(), "n.csv", "id:ID\na\nb\n");
    let e = dir.path().join("e.csv");
    std::fs::write(&e, b":START_ID,:END_ID,:TYPE,note\na,b,linked-to,ok\nb,a,linked-to,\xff\xfe\n").unwrap();
    let message = import(std::slice::from_ref(&n), std::slice::from_ref(&e)).err().unwrap().to_string();
    assert!(message.contains("line 3, column 4: not valid UTF-8"), "{message}");
    std::fs::write(&e, b":START_ID,:END_ID,:TYPE\na,\xff,linked-to\n").unwrap();
    let message = import(&[n], &[e]).err().unwrap().to_string();
    assert!(message.contains("line 2, column 2: not valid UTF-8"), "{message}");
}

#[test]
fn an_import_written_straight_to_a_snapshot_loads_as_the_imported_graph() {
    let dir = tempfile::tempdir().unwrap();
    for quoted in [false, true] {
        let (nodes, edges) = many_relationships(&[], quoted);
        let (n, e) = (write(dir.path(), "n.csv", &nodes), write(dir.path(), "e.csv", &edges));
        let out = dir.path().join("g.kgs");
        let counts = import_to_snapshot(
            std::slice::from_ref(&n),
            std::slice::from_ref(&e),
            &out,
            &mut crate::progress::Silent,
        )
        .unwrap();
        let imported = import(&[n], &[e]).unwrap();
        assert_eq!(counts, (imported.node_count(), imported.edge_count()));
        let loaded = crate::snapshot::load(&out).unwrap();
        assert!(loaded == imported);
        assert_eq!(loaded.edge_id_mark(), imported.edge_id_mark());
    }
}

#[test]
fn node_files_read_in_parts_give_what_one_pass_gives_errors_included() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = String::from("id:ID,:LABEL,name,score:int\n");
    for i in 0..3000 {
        let labels = ["Campaign", "ThreatActor;Group", ""][i % 3];
        nodes.push_str(&format!("{i},{labels},n{i},{}\n", i % 100));
    }
    let n = write(dir.path(), "n.csv", &nodes);
    let e = write(dir.path(), "e.csv", ":START_ID,:END_ID,:TYPE\n1,2,linked-to\n2999,0,linked-to\n");
    let whole = import_in_parts(&n, &e, 1).unwrap();
    assert_eq!(whole.node_count(), 3000);
    for parts in [2, 3, 5] {
        assert!(import_in_parts(&n, &e, parts).unwrap() == whole, "{parts} parts differ from one pass");
    }
    // A repeated id early in the file and a bad number late: the repeated id is reported first,
    // however the file is cut, as one pass reports it.
    let mut lines: Vec<String> = nodes.lines().map(str::to_string).collect();
    lines[100] = "5,Campaign,again,1".into();
    lines[2900] = "2899,Campaign,late,many".into();
    let bad = write(dir.path(), "bad.csv", &(lines.join("\n") + "\n"));
    for parts in [1, 2, 3] {
        let message = import_in_parts(&bad, &e, parts).err().unwrap().to_string();
        assert!(
            message.contains("line 101, column 1: the node id `5` appears twice"),
            "{parts} parts: {message}"
        );
    }
    lines[100] = "99,Campaign,n99,1".into();
    let bad = write(dir.path(), "bad.csv", &(lines.join("\n") + "\n"));
    let message = import_in_parts(&bad, &e, 3).err().unwrap().to_string();
    assert!(message.contains("line 2901, column 4: `many` is not an integer"), "{message}");
}

/// Found while cutting quoted files: the csv crate puts a record after blank lines on the first
/// blank line, and a record after a carriage return and line feed on the line before its own.
#[test]
fn a_bad_record_is_reported_on_its_own_line_after_blank_lines_and_crlf() {
    let nodes = "id:ID\r\na\r\nb\r\n";
    let err = error_of(nodes, ":START_ID,:END_ID,:TYPE\r\na,b,linked-to\r\nb,zz,linked-to\r\n");
    assert!(err.contains("line 3, column 2: no node has the id `zz`"), "{err}");
    let err = error_of(nodes, ":START_ID,:END_ID,:TYPE\na,b,linked-to\n\n\nb,zz,linked-to\n");
    assert!(err.contains("line 5, column 2: no node has the id `zz`"), "{err}");
    let err = error_of("id:ID\r\na\r\n\r\na\r\n", ":START_ID,:END_ID,:TYPE\r\n");
    assert!(err.contains("line 4, column 1: the node id `a` appears twice"), "{err}");
}

/// Quoted fields holding commas, line feeds, carriage returns and doubled quotes, in a file with
/// carriage returns and blank lines: read in parts, the same graph and the same error as one pass.
#[test]
fn quoted_files_read_in_parts_give_what_one_pass_gives() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = String::from("id:ID,name,note\r\n");
    for i in 0..3000 {
        let note = match i % 4 {
            0 => "\"plain\"".to_string(),
            1 => format!("\"a, b\nline {i}\r\n\"\"quoted\"\"\""),
            2 => String::new(),
            _ => "\"\"".to_string(),
        };
        nodes.push_str(&format!("{i},\"n{i}\",{note}\r\n"));
        if i % 500 == 7 {
            nodes.push_str("\r\n");
        }
    }
    let n = write(dir.path(), "n.csv", &nodes);
    let e = write(dir.path(), "e.csv", ":START_ID,:END_ID,:TYPE\n1,2,linked-to\n");
    let whole = import_in_parts(&n, &e, 1).unwrap();
    assert_eq!(whole.node_count(), 3000);
    let note = |g: &Graph, i: usize| {
        let n = g.nodes().nth(i).unwrap();
        g.node_property(n, "note").cloned()
    };
    assert_eq!(note(&whole, 1), Some(Value::from("a, b\nline 1\r\n\"quoted\"".to_string())));
    let header = "id:ID,name,note\r\n".len() as u64;
    let cuts = cut::cut(&n, header, 2, nodes.len() as u64, 3).unwrap().expect("plain quotes: cut");
    assert_eq!(cuts.bounds.len(), 3, "the file is read in parts");
    for parts in [2, 3, 5] {
        assert!(import_in_parts(&n, &e, parts).unwrap() == whole, "{parts} parts differ from one pass");
    }
    // A bad record late in the file, after many quoted line feeds: the same line however it is cut.
    let bad = nodes.replacen("2999,\"n2999\"", "2999,\"n2999\",extra", 1);
    let bad = write(dir.path(), "bad.csv", &bad);
    let line = 1 + nodes[..nodes.find("2999,").unwrap()].matches('\n').count();
    for parts in [1, 2, 3] {
        let message = import_in_parts(&bad, &e, parts).err().unwrap().to_string();
        assert!(message.contains(&format!("line {line}, column 4: 4 fields")), "{parts} parts: {message}");
    }
}
