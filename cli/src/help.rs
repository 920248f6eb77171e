//! `:help TOPIC`: a shell command, a clause, a function, or one of a few themes, in a few lines each —
//! enough to write the statement without leaving the shell. docs/ holds the full reference.

/// (topic names, text). Names are matched without case and without a leading `:`.
const TOPICS: &[(&[&str], &str)] = &[
    (
        &["help"],
        ":help [TOPIC]  the commands, or help on one command, clause, function or theme.
Topics: every :command, the clauses (MATCH, WHERE, RETURN, WITH, UNWIND, LOAD CSV, CREATE, MERGE, SET,
REMOVE, DELETE, FOREACH, UNION, ORDER, INDEX, FULLTEXT, CONSTRAINT, EXPLAIN, PROFILE, CALL), each function (`:help toLower`) and procedure
(`:help db.labels`), and the themes functions, procedures, aggregation, patterns, paths, expressions,
formats, export, stix, parameters, keys.",
    ),
    (
        &["schema"],
        ":schema  labels, relationship types and property keys of the graph, each with a count, and
its property indexes.",
    ),
    (
        &["stats"],
        ":stats  nodes, relationships, and counts per label and type, read from the indexes (no scan),
and the memory of the adjacency index.",
    ),
    (
        &["load", "merge"],
        ":load FILE  replace the graph with what a file holds: a snapshot (.kgs), a STIX 2.1 bundle or a
MISP galaxy (.json or .json.gz, recognised by content), or the graph a Cypher script builds from
nothing, run quietly. The file is read whole first: one that fails leaves the graph as it was.
:load --merge FILE (or :merge FILE) adds it to the graph instead. Problems in a bundle (references
to absent objects) are listed. With --db, the new graph is written as a checkpoint at once.",
    ),
    (&["source"], ":source FILE  run a Cypher script, printing the results of each statement."),
    (&["save"], ":save FILE  write the whole graph as a snapshot, atomically (a crash leaves the old file)."),
    (
        &["export"],
        ":export PATH [QUERY]  write the graph, or what QUERY returns (its nodes, relationships and
paths, with the ends of the relationships), in the format PATH's extension names (`:help exports`).
  :export findings.graphml MATCH p = (:Campaign)-[*1..2]->() RETURN p",
    ),
    (
        &["exports", "formats-out"],
        "Export formats, by extension:
  .graphml      GraphML (Gephi, yEd)
  .dot .gv      Graphviz DOT
  .svg .png     drawn by Graphviz's `dot` (apt install graphviz / brew install graphviz)
  .jsonl        one node or relationship per line
  .cypher       a CREATE statement that recreates the graph (loads back)
  .stix.json    a STIX 2.1 bundle (loads back; made for graphs that came from STIX)
  no extension  a directory of nodes.csv and relationships.csv for `kgraph import`",
    ),
    (&["checkpoint"], ":checkpoint  with --db: write a snapshot of the database and empty its journal."),
    (
        &["format", "formats"],
        ":format FMT  how results print: table (the default; cut after :maxrows rows), csv
(RFC 4180), json (one array of objects), jsonl (one object per row) or markdown (a GitHub table).",
    ),
    (
        &["param", "params", "parameters"],
        ":param NAME VALUE  set the parameter $NAME to a JSON value, or else to the value of one
  expression; :params lists them.
  :param actor \"APT31\"
  :param announced date('2025-05-28')
  MATCH (a {name: $actor}) RETURN a;",
    ),
    (
        &["timeout"],
        ":timeout SECONDS|off  stop any statement that runs longer (fractions allowed); the statement
is rolled back with a Timeout error. Ctrl-C cancels a running statement at any time.",
    ),
    (&["timing"], ":timing on|off  print after each statement how long it took: parse, plan and execute."),
    (
        &["maxmemory", "memory"],
        ":maxmemory SIZE|off  how much more memory one statement may take than the process held when it
began, as 512M, 2G (powers of 1024); past it the statement fails with MemoryLimitExceeded and is
rolled back. Half of the machine's memory and swap to start with; --max-memory sets it too.",
    ),
    (
        &["maxrows"],
        ":maxrows N|off  rows a table shows before `… N more rows` (1000 to start with); the row
count is always of all rows, and csv, json and jsonl are never cut.",
    ),
    (
        &["width"],
        ":width N|auto|off  cut table cells so that each line fits N columns, a cut cell ending with …
(auto, the start: the terminal's width, looked up for each result). Line breaks in cells show as ↵.
csv, json, jsonl and markdown are never cut; --width sets it for -c and scripts.",
    ),
    (&["quit", "exit", "q"], ":quit  leave the shell (Ctrl-D does too)."),
    (
        &["match", "optional"],
        "MATCH pattern [, pattern] [WHERE condition]
OPTIONAL MATCH … keeps the row, with nulls, where nothing matches.
  MATCH (c:Campaign)-[r:`attributed-to`]->(a:ThreatActor {name: 'APT31'})
  WHERE r.confidence = 'high' RETURN c.name
See `:help patterns` and `:help paths`.",
    ),
    (
        &["where"],
        "WHERE condition  after MATCH, OPTIONAL MATCH or WITH: keeps rows where it is true. Takes
pattern predicates too: WHERE (a)-[:uses]->(:Tool), WHERE NOT (a)-->(), WHERE n:Label.",
    ),
    (
        &["return"],
        "RETURN [DISTINCT] expr [AS name], … [ORDER BY expr [DESC], …] [SKIP n] [LIMIT n]
RETURN * returns every variable. Aggregates group by the other items (`:help aggregation`).
  MATCH (g:IntrusionSet)-[:uses]->(t) RETURN g.name, count(t) AS n ORDER BY n DESC LIMIT 5",
    ),
    (
        &["with"],
        "WITH items [WHERE condition]  a RETURN in the middle: projects, aggregates, orders and limits,
and only what it names stays in scope.
  MATCH (a)<-[:`attributed-to`]-(c) WITH a, count(c) AS n WHERE n > 1 RETURN a.name, n",
    ),
    (
        &["order", "skip", "limit"],
        "ORDER BY expr [ASC|DESC], …  SKIP n  LIMIT n  after RETURN or WITH. Nulls sort last
ascending; n is an integer or a parameter.",
    ),
    (
        &["unwind"],
        "UNWIND list AS x  one row per element.
  UNWIND ['APT31', 'APT40'] AS name MERGE (:ThreatActor {name: name})",
    ),
    (
        &["load", "load csv", "csv"],
        "LOAD CSV [WITH HEADERS] FROM 'file:///name.csv' AS row [FIELDTERMINATOR ';']  one row per record:
a list of its fields, or with headers a map keyed by the first record. Fields are text (toInteger,
date… convert them); an empty field is null, a quoted \"\" is empty text. Files are read from the
import directory only (--import-dir, default the working directory); gzip is read by content.
linenumber() and file() tell where a record came from.
  LOAD CSV WITH HEADERS FROM 'file:///actors.csv' AS row MERGE (:ThreatActor {name: row.name})",
    ),
    (
        &["subquery", "subqueries", "count {", "collect {"],
        "EXISTS { query }  COUNT { query }  COLLECT { query }  a query run for each row, the row's variables
bound inside: whether it yields a row, how many, or the list of its one column. Reading clauses only.
  MATCH (a:ThreatActor) RETURN a.name, COUNT { (a)<-[:`attributed-to`]-() } AS campaigns,
    COLLECT { MATCH (a)-[:uses]->(t) RETURN t.name ORDER BY t.name } AS techniques",
    ),
    (
        &["create"],
        "CREATE pattern, …  creates nodes and relationships (one type, a direction), once per row.
  CREATE (c:Campaign {name: 'x'})-[:`attributed-to` {source: 'article'}]->(:ThreatActor {name: 'APT31'})",
    ),
    (
        &["merge"],
        "MERGE pattern [ON CREATE SET …] [ON MATCH SET …]  matches the whole pattern, or creates it.
  MERGE (a:ThreatActor {name: 'APT31'}) ON CREATE SET a.first_seen = 2010",
    ),
    (
        &["set"],
        "SET n.key = value (null removes it), SET n = map, SET n += map, SET n:Label
  MATCH (a {name: 'APT31'}) SET a.country = 'China', a:StateSponsored",
    ),
    (&["remove"], "REMOVE n.key, REMOVE n:Label"),
    (
        &["delete", "detach"],
        "DELETE x  deletes nodes (without relationships), relationships and paths;
DETACH DELETE n  deletes nodes with their relationships.",
    ),
    (
        &["foreach"],
        "FOREACH (x IN list | updates)  runs CREATE, MERGE, SET, REMOVE, DELETE or FOREACH once per element;
the rows pass on unchanged: MATCH (a) FOREACH (t IN a.tags | MERGE (:Tag {name: t})).",
    ),
    (
        &["union"],
        "query UNION query  (duplicates removed)   query UNION ALL query  (kept). Same columns on both sides.",
    ),
    (
        &["index", "indexes"],
        "CREATE INDEX FOR (n:Label) ON (n.key)   DROP INDEX FOR (n:Label) ON (n.key)
Patterns such as (n:Label {key: v}) and WHERE n.key = v then start from the index instead of a scan
(EXPLAIN shows NodeIndexSeek). Indexes are kept in snapshots and databases.
Full-text indexes search words in text: :help fulltext.",
    ),
    (
        &["constraint", "constraints"],
        "CREATE CONSTRAINT [name] [IF NOT EXISTS] FOR (a:ThreatActor) REQUIRE a.name IS UNIQUE
  … REQUIRE a.id IS NOT NULL    … REQUIRE (t.id, t.version) IS NODE KEY    … REQUIRE a.score IS :: INTEGER | FLOAT
  on relationships: FOR ()-[r:TYPE]-() REQUIRE r.key IS RELATIONSHIP UNIQUE (or NOT NULL, REL KEY, :: TYPE)
DROP CONSTRAINT name [IF EXISTS]    SHOW CONSTRAINTS
Checked when each statement that wrote ends, on what it created or changed; one left broken fails the
statement (ConstraintValidationFailed, naming the constraint and the entity) and undoes it. A load that
would break one is refused. UNIQUE and KEY keep an index of their own on the first key. Kept in
snapshots and databases.",
    ),
    (
        &["fulltext", "full-text", "search"],
        "CREATE FULLTEXT INDEX name [IF NOT EXISTS] FOR (n:Technique|Malware) ON EACH [n.name, n.description]
  (on relationships: FOR ()-[r:TYPE|OTHER]-() ON EACH [r.key]); DROP INDEX name.
CALL db.index.fulltext.queryNodes('name', 'credential AND harvest*', {limit: 10}) YIELD node, score
  (db.index.fulltext.queryRelationships for relationships: YIELD relationship, score)
finds the entities whose text matches, best first by BM25 score. Query syntax, as Lucene's (Neo4j's):
  phishing credential   either word (OR is the default)    +a -b  a required, b excluded
  a AND b, a OR b, NOT a, (a OR b) AND c                    \"spear phishing\"  a phrase; \"a b\"~2 words apart
  credentail~  fuzzy (2 edits; ~1 for one)   cred*  te?t  wildcards   name:apt31  one key   a^2  boost
Words are cut at Unicode word boundaries and lowercased; only strings (and lists of strings) are text.
Indexes stay current with every write and are kept in snapshots and databases.",
    ),
    (&["explain"], "EXPLAIN statement  shows the plan without running it."),
    (&["profile"], "PROFILE statement  runs it and shows the plan with rows and time per operator."),
    (
        &["patterns"],
        "(v:Label {key: value})  a node; every part optional: ()
(v:A|B) either label, (v:A&B) both, (v:!A) not, (v:%) any, (v:(A|B)&!C) grouped.
-[r:TYPE|OTHER {key: value}]->  <-[…]-  -[…]-  a relationship; -->, <--, -- without details.
Types may contain hyphens (-[:attributed-to]->) or be back-quoted (-[:`attributed-to`]->).
-[:linked-to*1..3]->  variable length: *, *2, *1..3, *..5, *2..
p = (a)-[*]->(b)  a named path: length(p), nodes(p), relationships(p).",
    ),
    (
        &["paths", "shortestpath", "allshortestpaths"],
        "MATCH p = shortestPath((a)-[:linked-to*..6]-(b))  one shortest path per pair of ends;
allShortestPaths(…) every shortest one. Searched from both ends at once.
  MATCH p = shortestPath((a {name: 'NATO'})-[*]-(b {name: 'China'})) RETURN [n IN nodes(p) | n.name]",
    ),
    (
        &["expressions"],
        "Literals 42 3.14 'text' true null [1, 2] {k: 1}; $param; n.key, list[0], list[1..3];
+ - * / % ^; = <> < <= > >=; AND OR XOR NOT; IS NULL, IN, STARTS WITH, ENDS WITH, CONTAINS, =~ (regex);
CASE WHEN … THEN … ELSE … END; [x IN list WHERE … | …]; all/any/none/single(x IN list WHERE …);
reduce(acc = 0, x IN list | acc + x);
n {.name, .aliases}; [(a)-->(b) | b.name]; EXISTS { MATCH … }; n:A|B, n:!A, n:%.",
    ),
    (
        &["aggregation", "aggregates"],
        "count(*), count(x), collect(x), min, max, sum, avg, stDev, stDevP,
percentileDisc(x, p), percentileCont(x, p); each also with DISTINCT: count(DISTINCT x).
The non-aggregated items of RETURN or WITH are the grouping keys. Nulls are skipped.",
    ),
    (
        &["stix"],
        "A STIX 2.1 bundle (.json, or gzip-compressed) loads as a graph: each object a node labelled with
its type in PascalCase (IntrusionSet, AttackPattern), its id as stix_id, its fields as properties, its
first external id as external_id; each relationship object an edge of its relationship_type;
created_by_ref a created-by edge. Written back with :export FILE.stix.json.
  MATCH (g:IntrusionSet)-[:uses]->(:AttackPattern {external_id: 'T1566'}) RETURN g.name",
    ),
    (
        &["keys", "completion"],
        "Tab completes keywords, functions, labels (after `:`), relationship types (after `[:`),
property keys (after `.`), parameters (after `$`), commands and file names. Statements end with `;` and may
span lines. Ctrl-C clears the line or cancels a running statement; Ctrl-D leaves; Ctrl-R searches history.",
    ),
];

/// (name, signature and what it does) of every function, for `:help NAME` and `:help functions`.
const FUNCTIONS: &[(&str, &str)] = &[
    ("id", "id(n)  the internal id of a node or relationship"),
    ("labels", "labels(n)  a node's labels, as a list"),
    ("type", "type(r)  a relationship's type"),
    ("properties", "properties(x)  a node's, relationship's or map's properties, as a map"),
    ("keys", "keys(x)  the property keys of a node, relationship or map"),
    ("startNode", "startNode(r)  the node a relationship leaves"),
    ("endNode", "endNode(r)  the node a relationship enters"),
    ("length", "length(p)  the number of relationships in a path"),
    ("nodes", "nodes(p)  a path's nodes"),
    ("relationships", "relationships(p)  a path's relationships"),
    ("size", "size(x)  the length of a list or string"),
    ("head", "head(list)  the first element, or null"),
    ("last", "last(list)  the last element, or null"),
    ("tail", "tail(list)  all but the first element"),
    ("reverse", "reverse(x)  a list or string reversed"),
    ("range", "range(start, end[, step])  integers from start to end inclusive"),
    ("coalesce", "coalesce(a, b, …)  the first argument that is not null"),
    ("toLower", "toLower(s)  lower case"),
    ("toUpper", "toUpper(s)  upper case"),
    ("trim", "trim(s)  without leading and trailing white space (ltrim, rtrim: one side)"),
    ("ltrim", "ltrim(s)  without leading white space"),
    ("rtrim", "rtrim(s)  without trailing white space"),
    ("substring", "substring(s, start[, length])  part of a string, from 0"),
    ("left", "left(s, n)  the first n characters"),
    ("right", "right(s, n)  the last n characters"),
    ("split", "split(s, delimiter)  a list of the parts"),
    ("replace", "replace(s, find, with)  every occurrence replaced"),
    ("toString", "toString(x)  a number, boolean or string as a string"),
    ("toInteger", "toInteger(x)  a number or string as an integer (null if it cannot be)"),
    ("toFloat", "toFloat(x)  a number or string as a float (null if it cannot be)"),
    ("toBoolean", "toBoolean(x)  'true'/'false' or a boolean as a boolean (null otherwise)"),
    ("abs", "abs(x)  absolute value"),
    ("sign", "sign(x)  -1, 0 or 1"),
    ("ceil", "ceil(x)  smallest integral float not below x"),
    ("floor", "floor(x)  largest integral float not above x"),
    ("round", "round(x)  nearest integral float (halves away from zero)"),
    ("sqrt", "sqrt(x)  square root"),
    ("exp", "exp(x)  e to the power x"),
    ("log", "log(x)  natural logarithm"),
    ("log10", "log10(x)  base-10 logarithm"),
    ("sin", "sin(x)  sine (radians); also cos, tan, asin, acos, atan, atan2(y, x)"),
    ("cos", "cos(x)  cosine (radians)"),
    ("tan", "tan(x)  tangent (radians)"),
    ("asin", "asin(x)  arcsine"),
    ("acos", "acos(x)  arccosine"),
    ("atan", "atan(x)  arctangent"),
    ("atan2", "atan2(y, x)  the angle of the point (x, y)"),
    ("haversin", "haversin(x)  half the versine of x (radians): (1 - cos x) / 2"),
    ("degrees", "degrees(x)  radians to degrees"),
    ("radians", "radians(x)  degrees to radians"),
    ("pi", "pi()  π"),
    ("e", "e()  Euler's number"),
    ("rand", "rand()  a random float in [0, 1)"),
    ("randomUUID", "randomUUID()  a random version 4 UUID as text, different in every call"),
    ("timestamp", "timestamp()  milliseconds since 1970-01-01T00:00Z when the statement started"),
    (
        "date",
        "date(text or map or temporal)  a date: date('2025-05-28'), date({year: 2025, week: 22}), date(datetime); date() the statement's current one (UTC), date({timezone: 'Europe/Prague'}) elsewhere",
    ),
    (
        "date.truncate",
        "date.truncate(unit, temporal [, map])  a date cut down to millennium, century, decade, year, weekYear, quarter, month, week, day, hour, minute, second, millisecond or microsecond, then the map's components set",
    ),
    ("date.statement", "date.statement([zone])  the current date when the statement started"),
    (
        "date.transaction",
        "date.transaction([zone])  the current date when the transaction (here: the statement) started",
    ),
    ("date.realtime", "date.realtime([zone])  the current date at the moment of the call"),
    (
        "localtime",
        "localtime(text or map or temporal)  a time of day without a zone: localtime('10:00:30.5'); localtime() the statement's current one (UTC), localtime({timezone: 'Europe/Prague'}) elsewhere",
    ),
    (
        "localtime.truncate",
        "localtime.truncate(unit, temporal [, map])  a time of day without a zone cut down to millennium, century, decade, year, weekYear, quarter, month, week, day, hour, minute, second, millisecond or microsecond, then the map's components set",
    ),
    ("localtime.statement", "localtime.statement([zone])  the current localtime when the statement started"),
    (
        "localtime.transaction",
        "localtime.transaction([zone])  the current localtime when the transaction (here: the statement) started",
    ),
    ("localtime.realtime", "localtime.realtime([zone])  the current localtime at the moment of the call"),
    (
        "time",
        "time(text or map or temporal)  a time of day with an offset: time('10:00+02:00'); time() the statement's current one (UTC), time({timezone: 'Europe/Prague'}) elsewhere",
    ),
    (
        "time.truncate",
        "time.truncate(unit, temporal [, map])  a time of day with an offset cut down to millennium, century, decade, year, weekYear, quarter, month, week, day, hour, minute, second, millisecond or microsecond, then the map's components set",
    ),
    ("time.statement", "time.statement([zone])  the current time when the statement started"),
    (
        "time.transaction",
        "time.transaction([zone])  the current time when the transaction (here: the statement) started",
    ),
    ("time.realtime", "time.realtime([zone])  the current time at the moment of the call"),
    (
        "localdatetime",
        "localdatetime(text or map or temporal)  a date and time without a zone: localdatetime('2025-05-28T10:00'); localdatetime() the statement's current one (UTC), localdatetime({timezone: 'Europe/Prague'}) elsewhere",
    ),
    (
        "localdatetime.truncate",
        "localdatetime.truncate(unit, temporal [, map])  a date and time without a zone cut down to millennium, century, decade, year, weekYear, quarter, month, week, day, hour, minute, second, millisecond or microsecond, then the map's components set",
    ),
    (
        "localdatetime.statement",
        "localdatetime.statement([zone])  the current localdatetime when the statement started",
    ),
    (
        "localdatetime.transaction",
        "localdatetime.transaction([zone])  the current localdatetime when the transaction (here: the statement) started",
    ),
    (
        "localdatetime.realtime",
        "localdatetime.realtime([zone])  the current localdatetime at the moment of the call",
    ),
    (
        "datetime",
        "datetime(text or map or temporal)  an instant with an offset or an IANA zone: datetime('2025-05-28T10:00[Europe/Prague]'); datetime() the statement's current one (UTC), datetime({timezone: 'Europe/Prague'}) elsewhere",
    ),
    (
        "datetime.truncate",
        "datetime.truncate(unit, temporal [, map])  an instant with an offset or an IANA zone cut down to millennium, century, decade, year, weekYear, quarter, month, week, day, hour, minute, second, millisecond or microsecond, then the map's components set",
    ),
    ("datetime.statement", "datetime.statement([zone])  the current datetime when the statement started"),
    (
        "datetime.transaction",
        "datetime.transaction([zone])  the current datetime when the transaction (here: the statement) started",
    ),
    ("datetime.realtime", "datetime.realtime([zone])  the current datetime at the moment of the call"),
    (
        "duration",
        "duration('P1Y2M3DT4H') or duration({days: 14, hours: 16})  months, days and seconds kept apart; fractions carry down",
    ),
    (
        "datetime.fromepoch",
        "datetime.fromepoch(seconds, nanoseconds)  the instant that long after 1970-01-01T00:00Z",
    ),
    (
        "datetime.fromepochmillis",
        "datetime.fromepochmillis(ms)  the instant ms milliseconds after 1970-01-01T00:00Z",
    ),
    ("duration.between", "duration.between(a, b)  from a to b in months, days and seconds"),
    ("duration.inMonths", "duration.inMonths(a, b)  the whole months from a to b"),
    ("duration.inDays", "duration.inDays(a, b)  the whole days from a to b"),
    ("duration.inSeconds", "duration.inSeconds(a, b)  the time from a to b in seconds (with the fraction)"),
    (
        "exists",
        "exists(n.key) or exists((a)-->())  whether a property is set, or a pattern matches; EXISTS { MATCH … [RETURN …] }  whether a query run from the row yields a row",
    ),
    ("linenumber", "linenumber()  the line the LOAD CSV record began on (null outside LOAD CSV)"),
    ("file", "file()  the path of the file LOAD CSV reads (null outside LOAD CSV)"),
    ("count", "count(*) rows, count(x) non-null values, count(DISTINCT x)  (aggregate)"),
    ("collect", "collect(x)  the non-null values as a list  (aggregate)"),
    ("min", "min(x)  the smallest value  (aggregate)"),
    ("max", "max(x)  the largest value  (aggregate)"),
    ("sum", "sum(x)  the total of numbers  (aggregate)"),
    ("avg", "avg(x)  the mean of numbers  (aggregate)"),
    ("stDev", "stDev(x)  sample standard deviation  (aggregate)"),
    ("stDevP", "stDevP(x)  population standard deviation  (aggregate)"),
    ("percentileDisc", "percentileDisc(x, p)  the value at percentile p in 0..1  (aggregate)"),
    ("percentileCont", "percentileCont(x, p)  percentile p in 0..1, interpolated  (aggregate)"),
];

/// Every name `:help` answers to, for completion.
pub fn topic_names() -> impl Iterator<Item = &'static str> {
    TOPICS
        .iter()
        .flat_map(|(names, _)| names.iter().copied())
        .chain(["functions", "procedures", "call"])
        .chain(FUNCTIONS.iter().map(|(name, _)| *name))
        .chain(kgraph::query::procedures::all().iter().filter(|p| p.listed).map(|p| p.name))
}

/// The help on `topic`, or a message naming the topics.
pub fn on(topic: &str) -> String {
    let wanted = topic.trim().trim_start_matches(':').trim_end_matches("()");
    if wanted.eq_ignore_ascii_case("functions") {
        let mut text = String::from("Functions (`:help NAME` for one):\n");
        for (_, line) in FUNCTIONS {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
        text.pop();
        return text;
    }
    // `merge` names both a clause and a shell command: a leading `:` asks for the command, a bare
    // word for the clause first and then the command.
    let asks_for_command = topic.trim().starts_with(':');
    let mut found: Vec<&str> = TOPICS
        .iter()
        .filter(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(wanted)))
        .map(|(_, text)| *text)
        .collect();
    if asks_for_command && found.iter().any(|text| text.starts_with(':')) {
        found.retain(|text| text.starts_with(':'));
    }
    found.sort_by_key(|text| text.starts_with(':'));
    if !found.is_empty() {
        return found.join("\n\n");
    }
    if let Some((_, line)) = FUNCTIONS.iter().find(|(name, _)| name.eq_ignore_ascii_case(wanted)) {
        return line.to_string();
    }
    let procedures = kgraph::query::procedures::all().iter().filter(|p| p.listed);
    if ["call", "procedures", "procedure", "show"].iter().any(|t| t.eq_ignore_ascii_case(wanted)) {
        let mut text = String::from(
            "CALL name(args) [YIELD field [AS v], … [WHERE …]]  run a procedure; on its own it returns every
field, inside a query it needs YIELD. SHOW INDEXES | CONSTRAINTS | PROCEDURES | FUNCTIONS [YIELD …].
CALL (a) { query }  the query run for each row with `a` imported (also CALL { WITH a … }); its RETURN
columns join the row; without RETURN (writes only) the row goes on once.
Procedures:",
        );
        for p in procedures {
            text.push_str(&format!("\n  {}\n    {}", p.signature(), p.description));
        }
        return text;
    }
    if let Some(p) = procedures.clone().find(|p| p.name.eq_ignore_ascii_case(wanted)) {
        return format!("{}\n  {}", p.signature(), p.description);
    }
    format!("No help on `{wanted}`. {}", TOPICS[0].1.lines().skip(1).collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_procedure_has_help_from_the_registry() {
        let all = on("procedures");
        for p in kgraph::query::procedures::all().iter().filter(|p| p.listed) {
            assert!(all.contains(&p.signature()), "{} missing from :help procedures", p.name);
            assert!(on(p.name).contains(p.description), ":help {}", p.name);
            assert!(topic_names().any(|t| t == p.name), "{} not completed after :help", p.name);
        }
    }

    #[test]
    fn every_function_the_engine_knows_has_help() {
        for name in kgraph::query::FUNCTION_NAMES {
            assert!(
                FUNCTIONS.iter().any(|(f, _)| f.eq_ignore_ascii_case(name)),
                "`{name}` has no line in :help"
            );
        }
    }

    #[test]
    fn load_csv_has_help_under_each_of_its_words() {
        for topic in ["LOAD CSV", "load", "csv"] {
            assert!(on(topic).starts_with("LOAD CSV [WITH HEADERS]"), ":help {topic}");
        }
    }

    #[test]
    fn every_command_the_shell_offers_has_help() {
        for command in crate::complete::COMMANDS {
            assert!(!on(command).starts_with("No help"), ":{command} has no help");
        }
    }

    /// Issue 14, item 22: the short `:help` left out that a file may be a STIX bundle.
    #[test]
    fn the_short_help_says_what_a_file_may_be() {
        assert!(crate::repl::HELP.contains("STIX"), "{}", crate::repl::HELP);
        assert!(crate::repl::HELP.contains(":load --merge"));
        assert!(crate::repl::HELP.contains(":maxmemory"));
    }

    #[test]
    fn topics_are_found_without_case_or_colon() {
        assert!(on(":LOAD").starts_with(":load FILE"));
        assert!(on("match").starts_with("MATCH pattern"));
        assert!(on("tolower()").starts_with("toLower(s)"));
        assert!(on("functions").contains("percentileCont"));
        assert!(on("fulltext").contains("db.index.fulltext.queryNodes") && on("Full-Text").contains("BM25"));
        assert!(on("constraints").starts_with("CREATE CONSTRAINT"));
        assert!(on("nonsense").starts_with("No help on `nonsense`"));
    }

    /// `:merge` became a command and `:help merge` answered with it alone, hiding the clause.
    #[test]
    fn a_word_that_is_a_clause_and_a_command_answers_with_both() {
        let both = on("merge");
        assert!(both.starts_with("MERGE pattern"), "{both}");
        assert!(both.contains(":load --merge FILE"), "{both}");
        let command = on(":merge");
        assert!(command.starts_with(":load FILE") && !command.contains("ON CREATE"), "{command}");
    }
}
