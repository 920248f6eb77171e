//! The REPL driven through a real pseudo-terminal, as a user's terminal drives it: line editing,
//! Ctrl-C, Ctrl-D and the shell commands.

#![cfg(unix)]

use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};

const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../graphs/czech-apt31.cypher");

/// A query that runs for minutes unless stopped: 10^10 rows.
const ENDLESS: &str = "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN count(*);";

fn start(args: &[&str]) -> (PtySession, tempfile::TempDir) {
    let home = tempfile::tempdir().expect("a temporary directory");
    (start_in(args, home.path()), home)
}

/// Starts the REPL with its history in `home`; colour off, so that typed text echoes unbroken.
fn start_in(args: &[&str], home: &std::path::Path) -> PtySession {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kgraph"));
    command.args(args).env("KGRAPH_HISTORY", home.join("history")).env("TERM", "xterm").env("NO_COLOR", "1");
    let mut repl = spawn_command(command, Some(20_000)).expect("kgraph starts in a pseudo-terminal");
    repl.exp_string("Type :help").expect("the banner");
    repl.exp_string("kgraph> ").expect("the first prompt");
    repl
}

/// rexpect hands over the terminal's bytes one char each: the text they are in UTF-8.
fn utf8(seen: &str) -> String {
    let bytes: Vec<u8> = seen.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn tab(repl: &mut PtySession) {
    repl.send("\t").expect("Tab");
    repl.flush().expect("flushed");
}

fn count_nodes(repl: &mut PtySession) -> String {
    repl.send_line("MATCH (n) RETURN count(n) AS nodes;").expect("typed");
    let (_, count) = repl.exp_regex(r"\| \d+ +\|").expect("a count row");
    count
}

/// Leaves with Ctrl-D once the shell is back at its prompt: a Ctrl-D typed while a statement still
/// runs reaches a terminal in its cooked mode, which takes it as the end of a read nobody is making.
fn quit(mut repl: PtySession) {
    repl.send_line("RETURN 'leaving' AS last;").expect("typed");
    repl.exp_string("leaving").expect("the shell answers");
    repl.exp_string("kgraph> ").expect("the prompt");
    repl.send_control('d').expect("Ctrl-D");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        match repl.process().status() {
            Some(WaitStatus::Exited(_, code)) => {
                assert_eq!(code, 0, "Ctrl-D leaves with status 0");
                return;
            }
            Some(WaitStatus::StillAlive) | None if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => panic!("kgraph did not leave on Ctrl-D: {other:?}"),
        }
    }
}

#[test]
fn ctrl_c_cancels_the_running_query_and_keeps_the_session() {
    let (mut repl, _home) = start(&[SEED]);
    assert!(count_nodes(&mut repl).contains("17"));
    repl.send_line(ENDLESS).expect("typed");
    std::thread::sleep(std::time::Duration::from_millis(500));
    repl.send_control('c').expect("Ctrl-C");
    repl.exp_string("Cancelled: the query was cancelled").expect("the cancellation is reported");
    repl.exp_string("kgraph> ").expect("the prompt comes back");
    assert!(count_nodes(&mut repl).contains("17"), "the graph is intact after a cancel");
    quit(repl);
}

#[test]
fn a_cancelled_write_changes_nothing() {
    let (mut repl, _home) = start(&[SEED]);
    repl.send_line("UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b CREATE (:Noise {a: a});")
        .expect("typed");
    std::thread::sleep(std::time::Duration::from_millis(500));
    repl.send_control('c').expect("Ctrl-C");
    repl.exp_string("Cancelled").expect("the cancellation is reported");
    assert!(count_nodes(&mut repl).contains("17"), "the half-done CREATE was rolled back");
    quit(repl);
}

#[test]
fn the_timeout_setting_stops_runaway_queries() {
    let (mut repl, _home) = start(&[SEED]);
    repl.send_line(":timeout 0.2").expect("typed");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(":timeout").expect("typed");
    repl.exp_string("timeout: 0.2 s").expect("the setting is shown");
    repl.send_line(ENDLESS).expect("typed");
    repl.exp_string("Timeout: the query ran longer than the timeout of 200 ms").expect("a timeout error");
    // rustyline drops lines that arrive in one read (kkawakam/rustyline#690): wait for each prompt.
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(":timeout off").expect("typed");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(":timeout").expect("typed");
    repl.exp_string("timeout: off").expect("the setting is shown");
    repl.send_line(":timeout soon").expect("typed");
    repl.exp_string("is not a number of seconds").expect("a bad value is refused");
    quit(repl);
}

#[test]
fn ctrl_c_at_the_prompt_abandons_the_line_only() {
    let (mut repl, _home) = start(&[SEED]);
    repl.send("MATCH (n) RETURN").expect("typed");
    repl.send_control('c').expect("Ctrl-C");
    repl.exp_string("kgraph> ").expect("a fresh prompt");
    assert!(count_nodes(&mut repl).contains("17"));
    quit(repl);
}

#[test]
fn a_statement_may_span_lines() {
    let (mut repl, _home) = start(&[SEED]);
    repl.send_line("MATCH (a:ThreatActor)").expect("typed");
    repl.send_line("RETURN a.name AS actor;").expect("typed");
    repl.exp_string("APT31").expect("the two lines ran as one statement");
    quit(repl);
}

/// Issue 14, item 20: after an unbalanced quote the shell waited with no prompt and said nothing.
#[test]
fn continuation_lines_have_a_prompt_and_say_what_is_open() {
    let (mut repl, _home) = start(&[SEED]);
    repl.send_line("RETURN 'half").expect("typed");
    repl.exp_string("     -> ").expect("a continuation prompt");
    repl.send_line("").expect("typed");
    repl.exp_string("a string is open: close it with '").expect("what is open");
    repl.send_line("way' AS s, size('one").expect("typed");
    repl.send_line("").expect("a blank line inside the string");
    repl.exp_string("a string is open").expect("what is open");
    repl.send_line("three') AS length;").expect("typed");
    repl.exp_string("half").expect("the lines ran as one statement");
    // 'one', the line break typed, the blank line, 'three': the blank line is part of the string.
    repl.exp_string("| 10 ").expect("the blank line was kept in the string");
    repl.exp_string("1 row").expect("its result");
    repl.exp_string("kgraph> ").expect("the first prompt again");

    repl.send_line("MATCH (n:ThreatActor").expect("typed");
    repl.send_line("").expect("typed");
    repl.exp_string("a ( is open: close it with )").expect("the open bracket is named");
    repl.send_control('c').expect("Ctrl-C");
    repl.exp_string("kgraph> ").expect("Ctrl-C abandons the statement");
    repl.send_line("RETURN 40 + 2 AS answer;").expect("typed");
    repl.exp_string("42").expect("the next statement runs alone");

    repl.send_line("RETURN 7 AS seven").expect("typed");
    repl.exp_string("     -> ").expect("waiting for the ;");
    repl.send_line("").expect("typed");
    repl.exp_string("the statement ends with ;").expect("nothing but the ; is missing");
    repl.send_line(";").expect("typed");
    repl.exp_string("seven").expect("the ; ends it");
    repl.exp_string("kgraph> ").expect("prompt");

    // Lines that arrive together (pasted, or typed ahead) are all read: the editor's buffer is
    // carried from one prompt to the next, the rest of a read was dropped before.
    repl.send("MATCH (a:ThreatActor)\nRETURN a.name AS pasted;\nRETURN 'then' AS second;\n").expect("pasted");
    repl.exp_string("pasted").expect("the first statement");
    repl.exp_string("APT31").expect("its row");
    repl.exp_string("second").expect("the statement after it");
    repl.exp_string("then").expect("its row");
    quit(repl);
}

/// Issue 14, item 21: an unknown label returned 0 rows with no word, and a misspelt command got
/// no suggestion.
#[test]
fn the_shell_shows_notifications_and_suggests_commands() {
    let (mut repl, _home) = start(&[SEED]);
    repl.send_line("MATCH (a:ThreatActr) RETURN a;").expect("typed");
    repl.exp_string("0 rows").expect("the result");
    repl.exp_string(
        "warning: the label `ThreatActr` does not exist in the graph; did you mean `ThreatActor`?",
    )
    .expect("the notification");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(":shema").expect("typed");
    repl.exp_string("did you mean :schema?").expect("the nearest command");
    repl.exp_string("kgraph> ").expect("prompt");
    quit(repl);
}

/// Lines typed while a statement runs wait in the terminal and run after it.
#[test]
fn lines_typed_while_a_statement_runs_are_kept() {
    let (mut repl, _home) = start(&[SEED]);
    repl.send_line("UNWIND range(1, 3000000) AS i WITH i WHERE i < 0 RETURN count(*) AS slow;")
        .expect("typed");
    std::thread::sleep(std::time::Duration::from_millis(100));
    repl.send_line("RETURN 'ahead' AS typed;").expect("typed while the first runs");
    repl.exp_string("slow").expect("the first statement's result");
    repl.exp_string("ahead").expect("the line typed ahead ran after it");
    repl.exp_string("kgraph> ").expect("prompt");
    quit(repl);
}

/// Issue 14, item 24: a JSON Lines export did not load back; every whole-graph export does, by :load.
#[test]
fn exports_load_back_through_load() {
    let (mut repl, home) = start(&[SEED]);
    for name in ["g.jsonl", "g.graphml", "csvdir", "g.cypher"] {
        let path = home.path().join(name);
        repl.send_line(&format!(":export {}", path.display())).expect("typed");
        repl.exp_string("kgraph> ").expect("prompt");
        repl.send_line(&format!(":load {}", path.display())).expect("typed");
        repl.exp_string("17 nodes, 30 relationships").expect("the whole graph came back");
        repl.exp_string("Replaced the graph").expect("it replaced the graph");
        repl.exp_string("kgraph> ").expect("prompt");
        assert!(count_nodes(&mut repl).contains("17"), "{name}");
        repl.exp_string("kgraph> ").expect("prompt");
    }
    quit(repl);
}

#[test]
fn tab_completes_labels_types_keys_and_keywords_of_the_loaded_graph() {
    let (mut repl, _home) = start(&[SEED]);
    repl.send("MATCH (a:Threat").expect("typed");
    tab(&mut repl);
    repl.exp_string("ThreatActor").expect("the label is completed");
    repl.send(")<-[:attributed-").expect("typed");
    tab(&mut repl);
    repl.exp_string("attributed-to").expect("the hyphenated type is completed");
    repl.send("]-(c) RETURN c.star").expect("typed");
    tab(&mut repl);
    repl.exp_string("started").expect("the property key is completed");
    repl.send(" AS year ORD").expect("typed");
    tab(&mut repl);
    repl.exp_string("ORDER").expect("the keyword is completed");
    repl.send_line(" BY year;").expect("typed");
    repl.exp_regex(r"\| 20\d\d-\d\d-\d\d +\|").expect("the completed statement ran");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send(":sch").expect("typed");
    tab(&mut repl);
    repl.exp_string(":schema").expect("the command is completed");
    repl.send_line("").expect("Enter");
    repl.exp_string("Relationship types:").expect("the completed command ran");
    quit(repl);
}

#[test]
fn history_survives_a_restart() {
    let home = tempfile::tempdir().expect("a temporary directory");
    let mut repl = start_in(&[], home.path());
    repl.send_line("RETURN 41 + 1 AS answer;").expect("typed");
    repl.exp_string("42").expect("the result");
    repl.exp_string("kgraph> ").expect("prompt");
    quit(repl);
    let mut again = start_in(&[], home.path());
    // The last entry is what quit() ran to reach the prompt; the one before is the statement.
    again.send("\x1b[A\x1b[A").expect("the Up arrow, twice");
    again.send_line("").expect("Enter");
    again.exp_string("42").expect("the statement from the last session ran again");
    again.exp_string("kgraph> ").expect("prompt");
    quit(again);
}

#[test]
fn source_runs_a_script_and_prints_its_results() {
    let (mut repl, home) = start(&[]);
    let script = home.path().join("script.cypher");
    std::fs::write(&script, "CREATE (:T {n: 1}), (:T {n: 2});\nMATCH (t:T) RETURN sum(t.n) AS total;\n")
        .unwrap();
    repl.send_line(&format!(":source {}", script.display())).expect("typed");
    repl.exp_regex(r"\| 3 +\|").expect("the script's result is printed");
    repl.exp_string("kgraph> ").expect("prompt");
    quit(repl);
}

#[test]
fn export_writes_what_a_query_returns() {
    let (mut repl, home) = start(&[SEED]);
    let out = home.path().join("attribution.jsonl");
    repl.send_line(&format!(
        ":export {} MATCH p = (:Campaign)-[:`attributed-to`]->() RETURN p",
        out.display()
    ))
    .expect("typed");
    repl.exp_string("Exported 2 nodes and 1 relationships").expect("the export is reported");
    repl.exp_string("kgraph> ").expect("prompt");
    quit(repl);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(text.contains(r#""label":"attributed-to""#), "{text}");
}

#[test]
fn maxrows_cuts_long_tables_and_stats_counts_without_a_query() {
    let (mut repl, _home) = start(&[SEED]);
    repl.send_line(":maxrows 3").expect("typed");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line("UNWIND range(1, 10) AS i RETURN i;").expect("typed");
    repl.exp_string("7 more rows (:maxrows)").expect("the table is cut");
    repl.exp_string("10 rows").expect("the count is of all rows");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(":stats").expect("typed");
    repl.exp_string("17 nodes, 30 relationships").expect("sizes");
    repl.exp_regex("labels: .*Organization").expect("labels with counts");
    repl.exp_string("kgraph> ").expect("prompt");
    quit(repl);
}

/// Issue 14, item 19: a 1,800-character value made a table wrap over lines of dashes.
#[test]
fn wide_cells_are_cut_to_the_terminal_width() {
    let home = tempfile::tempdir().expect("a temporary directory");
    // A terminal 60 columns wide, set before kgraph starts.
    let mut command = Command::new("sh");
    command
        .args(["-c", "stty cols 60 rows 40 && exec \"$0\" \"$@\"", env!("CARGO_BIN_EXE_kgraph"), SEED])
        .env("KGRAPH_HISTORY", home.path().join("history"))
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut repl = spawn_command(command, Some(20_000)).expect("kgraph starts in a pseudo-terminal");
    repl.exp_string("kgraph> ").expect("the first prompt");
    let long = "espionage ".repeat(180);
    repl.send_line(&format!("RETURN 'APT31' AS actor, '{long}' AS description;")).expect("typed");
    let (_, line) = repl.exp_regex(r"\| \x22APT31\x22 \| [^\r\n]*").expect("the row");
    let line = utf8(&line);
    assert!(line.ends_with("… |"), "the cell is cut with an ellipsis: {line:?}");
    assert_eq!(line.chars().count(), 60, "the line fits the terminal: {line:?}");
    repl.exp_string("cells cut to fit 60 columns").expect("the cut is said");
    repl.exp_string("kgraph> ").expect("prompt");

    repl.send_line(":width 40").expect("typed");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(&format!("RETURN '{long}' AS description;")).expect("typed");
    let (_, line) = repl.exp_regex(r"\| \x22espionage [^\r\n]*").expect("the row");
    let line = utf8(&line);
    assert_eq!(line.chars().count(), 40, "the line fits :width: {line:?}");
    repl.exp_string("kgraph> ").expect("prompt");

    // The machine formats are never cut, whatever the width.
    repl.send_line(":format csv").expect("typed");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(&format!("RETURN '{long}' + 'end' AS description;")).expect("typed");
    repl.exp_string(&format!("\n{long}end")).expect("the whole value");
    repl.exp_string("kgraph> ").expect("prompt");
    quit(repl);
}

#[test]
fn keywords_strings_and_numbers_are_coloured_on_a_terminal_unless_no_color() {
    let home = tempfile::tempdir().expect("a temporary directory");
    let mut command = Command::new(env!("CARGO_BIN_EXE_kgraph"));
    command.arg(SEED).env("KGRAPH_HISTORY", home.path().join("history")).env("TERM", "xterm");
    command.env_remove("NO_COLOR");
    let mut repl = spawn_command(command, Some(20_000)).expect("kgraph starts in a pseudo-terminal");
    repl.exp_string("kgraph> ").expect("the first prompt");
    repl.send("RETURN 'x', 42").expect("typed");
    repl.flush().expect("flushed");
    // The line is redrawn highlighted as it is typed: a bold blue keyword, a green string, a yellow number.
    repl.exp_string("\x1b[1;34mRETURN\x1b[0m").expect("the keyword in bold blue");
    repl.exp_string("\x1b[32m'x'\x1b[0m").expect("the string in green");
    repl.exp_string("\x1b[33m42\x1b[0m").expect("the number in yellow");
    repl.send_line(";").expect("typed");
    repl.exp_string("1 row").expect("the statement runs");
    quit(repl);

    // With NO_COLOR the same line comes back plain.
    let (mut repl, _home) = start(&[SEED]);
    repl.send_line("RETURN 'x', 42;").expect("typed");
    let before = repl.exp_string("1 row").expect("the statement runs");
    assert!(!before.contains("\x1b[1;34m"), "no colour under NO_COLOR: {before:?}");
    quit(repl);
}

#[test]
fn a_long_load_shows_a_progress_bar_on_the_terminal_and_none_in_a_pipe() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let snapshot = dir.path().join("big.kgs");
    let generated = Command::new(env!("CARGO_BIN_EXE_kgraph"))
        .args(["generate", "--scale", "15", "-o"])
        .arg(&snapshot)
        .output()
        .expect("kgraph generate runs");
    assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));
    let piped = String::from_utf8_lossy(&generated.stderr).to_string();
    assert!(!piped.contains("drawing the graph"), "no bar in a pipe: {piped}");

    // A load is long when its bytes come slowly: through a FIFO fed in two halves a second and a
    // half apart, however fast the machine reads and decodes (a big file loaded in 0.11 s on CI,
    // before the bar's delay was up).
    let fifo = dir.path().join("slow.kgs");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success(), "mkfifo made {}", fifo.display());
    let bytes = std::fs::read(&snapshot).expect("the snapshot reads");
    let feeding = fifo.clone();
    let feeder = std::thread::spawn(move || {
        use std::io::Write;
        let mut pipe = std::fs::OpenOptions::new().write(true).open(&feeding).expect("the FIFO opens");
        let half = bytes.len() / 2;
        pipe.write_all(&bytes[..half]).expect("the first half is read");
        std::thread::sleep(std::time::Duration::from_millis(1500));
        pipe.write_all(&bytes[half..]).expect("the second half is read");
    });

    let (mut repl, _home) = start(&[SEED]);
    repl.send_line(&format!(":load {}", fifo.display())).expect("typed");
    // Whichever stage is running when the bar appears names itself.
    repl.exp_regex("(reading|checking|decoding|building|merging)[^\r\n]*").expect("a progress bar");
    feeder.join().expect("the feeder ends");
    repl.exp_string("relationships in").expect("the load is reported when done");
    repl.exp_string("kgraph> ").expect("prompt");
    quit(repl);

    let piped = Command::new(env!("CARGO_BIN_EXE_kgraph"))
        .arg(&snapshot)
        .args(["-c", "RETURN 1"])
        .output()
        .expect("kgraph runs");
    assert!(piped.status.success());
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(!stderr.contains("decoding") && !stderr.contains("building"), "no bar in a pipe: {stderr}");
}

#[test]
fn help_answers_on_a_command_a_clause_and_a_function() {
    let (mut repl, _home) = start(&[SEED]);
    repl.send_line(":help :export").expect("typed");
    repl.exp_string(":export PATH [QUERY]").expect("help on :export");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(":help exports").expect("typed");
    repl.exp_string(".stix.json").expect("help on the export formats");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(":help merge").expect("typed");
    repl.exp_string("ON CREATE SET").expect("help on MERGE");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(":help toLower").expect("typed");
    repl.exp_string("toLower(s)  lower case").expect("help on a function");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(":help frobnicate").expect("typed");
    repl.exp_string("No help on `frobnicate`").expect("an unknown topic says so");
    quit(repl);
}

#[test]
fn schema_lists_counts_and_indexes() {
    let (mut repl, _home) = start(&[SEED]);
    repl.send_line("CREATE INDEX FOR (a:ThreatActor) ON (a.name);").expect("typed");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(":schema").expect("typed");
    repl.exp_string("ThreatActor  1").expect("a label with its count");
    repl.exp_string("Indexes:").expect("the indexes section");
    repl.exp_string(":ThreatActor(name)").expect("the index just created");
    quit(repl);
}

/// Issue 14, item 18: `:load` added the file to the graph, so loading a snapshot twice doubled every
/// row. It replaces the graph now; `:load --merge` (or `:merge`) adds, and each says which it did.
#[test]
fn load_replaces_the_graph_and_merge_adds_to_it() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let snapshot = dir.path().join("seed.kgs");
    let saved = Command::new(env!("CARGO_BIN_EXE_kgraph"))
        .arg(SEED)
        .arg("--save")
        .arg(&snapshot)
        .args(["-c", "RETURN 1"])
        .output()
        .expect("kgraph runs");
    assert!(saved.status.success());
    let (mut repl, _home) = start(&[SEED]);
    for _ in 0..2 {
        repl.send_line(&format!(":load {}", snapshot.display())).expect("typed");
        repl.exp_string("Replaced the graph").expect("the replacement is said");
        assert!(count_nodes(&mut repl).contains("17"), "loading twice does not double the graph");
    }
    repl.send_line(&format!(":load --merge {}", snapshot.display())).expect("typed");
    repl.exp_string("Merged into the graph: it now has 34 nodes").expect("the merge is said");
    repl.send_line(&format!(":merge {}", snapshot.display())).expect("typed");
    repl.exp_string("it now has 51 nodes").expect("the merge is said");
    repl.send_line(&format!(":load {}", SEED)).expect("typed");
    repl.exp_string("Replaced the graph").expect("a script replaces too");
    assert!(count_nodes(&mut repl).contains("17"));
    repl.send_line(":load /nonexistent/file.kgs").expect("typed");
    repl.exp_string("/nonexistent/file.kgs").expect("the error");
    assert!(count_nodes(&mut repl).contains("17"), "a failed load leaves the graph as it was");
    quit(repl);
}

#[test]
fn param_takes_json_or_the_value_of_an_expression() {
    let (mut repl, _home) = start(&[]);
    repl.send_line(":param d date('2025-05-28')").expect("typed");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line(":param s \"2025-05-28\"").expect("typed");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line("RETURN $d.month * 100 AS m;").expect("typed");
    repl.exp_string("500").expect("the expression gave a date");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line("RETURN $s + '!' AS s;").expect("typed");
    repl.exp_string("\"2025-05-28!\"").expect("JSON gave a string");
    repl.exp_string("kgraph> ").expect("prompt");
    // One expression, never more statements behind it.
    repl.send_line(":param x 1; CREATE (n)").expect("typed");
    repl.exp_string("not JSON, nor one expression").expect("refused");
    repl.exp_string("kgraph> ").expect("prompt");
    repl.send_line("MATCH (n) RETURN count(n) AS nodes;").expect("typed");
    repl.exp_string("| 0 ").expect("nothing was created");
    repl.send_line(":quit").expect("typed");
}
