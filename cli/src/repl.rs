//! The interactive shell: rustyline for editing and history, the library for everything else.
//! Statements end with `;` and may span lines; lines starting with `:` are shell commands.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use std::io::IsTerminal;

use kgraph::Format;
use kgraph::format::TableView;
use kgraph::query::split::{self, Open};

use crate::complete::ReplHelper;
use crate::engine::Engine;
use crate::width::Width;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Config, Editor};

const PROMPT: &str = "kgraph> ";
/// As wide as the prompt, so continued lines align with the first.
const CONTINUATION: &str = "     -> ";

pub(crate) const HELP: &str = "\
Statements end with `;` and may span several lines (prompted `     -> `; Enter on an empty one says
what the statement waits for, Ctrl-C abandons it). Shell commands:
  :help [TOPIC]         this text, or help on a command, clause, function (`:help functions`) or theme
  :schema               labels, relationship types and property keys, with counts; indexes
  :load FILE            replace the graph with a snapshot, a STIX bundle or what a script builds
  :load --merge FILE    add them to the graph instead (also :merge FILE)
  :source FILE          run a Cypher script, printing each statement's results
  :save FILE            save the graph as a snapshot
  :export PATH [QUERY]  write the graph, or what QUERY returns: .graphml .dot .svg .png .jsonl .cypher
                        .stix.json, or a directory (CSV)
  :checkpoint           with --db: write a snapshot and empty the journal
  :format FMT           print results as table, csv, json, jsonl or markdown
  :param NAME VALUE     set $NAME to JSON or an expression's value (`:param d date('2025-05-28')`)
  :params               list the parameters
  :timeout SECONDS|off  stop statements that run longer (Ctrl-C stops one at any time)
  :timing on|off        print how long each statement took (parse, plan, execute)
  :maxmemory SIZE|off   the memory one statement may take, as 512M or 2G (half the machine's to start with)
  :maxrows N|off        rows a table shows before it says how many more (1000 to start with)
  :width N|auto|off     cut table cells so lines fit N columns (auto: the terminal's, to start with)
  :stats                the graph's size: nodes, relationships, labels, types, memory of the index
  :quit                 leave (Ctrl-D does too)
Tab completes keywords, functions, labels (after `:`), relationship types (after `[:`), property
keys (after `.`), parameters (after `$`), commands and file names.
Examples:
  MATCH (c:Campaign)-[:`attributed-to`]->(a) RETURN c.name, a.name;
  MATCH (n) RETURN labels(n) AS label, count(*) ORDER BY label;";

/// Where history is kept: `$KGRAPH_HISTORY`, else the user's data directory.
fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KGRAPH_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("kgraph").join("history"))
}

pub fn run(session: &mut Engine, format: Format, width: Width, timing: bool) -> Result<(), String> {
    let mut settings = Settings { format, timing, max_rows: Some(DEFAULT_MAX_ROWS), width };
    let config = Config::builder().completion_type(CompletionType::List).auto_add_history(false).build();
    let mut editor: Editor<ReplHelper, FileHistory> =
        Editor::with_config(config).map_err(|e| format!("cannot start the terminal editor: {e}"))?;
    // Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal();
    editor.set_helper(Some(ReplHelper::new(colour)));
    let history = history_path();
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // A missing history file is the normal first run.
        let _ = editor.load_history(path);
    }
    // While a statement runs the terminal is in its normal mode and Ctrl-C raises SIGINT: the
    // handler cancels the statement (which rolls back) instead of ending the process. While a line
    // is edited, rustyline reads Ctrl-C as a key and the handler is not involved.
    let cancel = session.cancel_flag();
    if let Err(e) = ctrlc::set_handler(move || cancel.cancel()) {
        eprintln!("warning: Ctrl-C will end kgraph rather than cancel a query: {e}");
    }
    eprintln!(
        "kgraph {} — {} nodes, {} relationships. Type :help for help, :quit to leave.",
        env!("CARGO_PKG_VERSION"),
        session.session().graph().node_count(),
        session.session().graph().edge_count()
    );
    // The lines of a statement typed so far, until it is complete.
    let mut pending = String::new();
    loop {
        if let Some(helper) = editor.helper() {
            helper.refresh(session);
        }
        let prompt = if pending.is_empty() { PROMPT } else { CONTINUATION };
        match editor.readline(prompt) {
            Ok(line) => {
                let entry = line.trim();
                // A `:` line is a command when no statement is open, or when the open one waits
                // only for its `;` (no Cypher continues a statement with a `:` outside brackets).
                let command_now = entry.starts_with(':')
                    && (pending.is_empty() || split::open_at_end(&pending) == Some(Open::Semicolon));
                if command_now {
                    remember(&mut editor, history.as_deref(), entry);
                    if !meta(session, &entry[1..], &mut settings) {
                        break;
                    }
                    continue;
                }
                if entry.is_empty() {
                    // Enter on an empty continuation line asks what the statement waits for; inside
                    // a string or a comment the blank line is also part of the text.
                    if let Some(open) = split::open_at_end(&pending) {
                        eprintln!("({open}; Ctrl-C abandons the statement)");
                        if matches!(open, Open::Quote(_) | Open::BlockComment) {
                            pending.push('\n');
                            pending.push_str(&line);
                        }
                    }
                    continue;
                }
                if !pending.is_empty() {
                    pending.push('\n');
                }
                pending.push_str(&line);
                if split::scan(&pending).incomplete_tail {
                    continue;
                }
                let statement = std::mem::take(&mut pending);
                remember(&mut editor, history.as_deref(), statement.trim());
                statements(session, &statement, "", &settings);
            }
            // Ctrl-C abandons the line being edited and the statement it continues.
            Err(ReadlineError::Interrupted) => pending.clear(),
            Err(ReadlineError::Eof) => {
                if let Some(open) = split::open_at_end(&pending) {
                    eprintln!("warning: the unfinished statement was not run ({open})");
                }
                break;
            }
            Err(e) => return Err(format!("cannot read from the terminal: {e}")),
        }
    }
    Ok(())
}

/// Adds a line or a whole statement to the history and saves it, so a crash keeps it.
fn remember(editor: &mut Editor<ReplHelper, FileHistory>, history: Option<&Path>, entry: &str) {
    let _ = editor.add_history_entry(entry);
    if let Some(path) = history
        && let Err(e) = editor.save_history(path)
    {
        eprintln!("warning: cannot save history to {}: {e}", path.display());
    }
}

/// What the shell's commands change about how results are shown.
struct Settings {
    format: Format,
    timing: bool,
    /// Rows a table shows before "… N more rows"; `None` shows all.
    max_rows: Option<usize>,
    width: Width,
}

/// A REPL table shows this many rows unless `:maxrows` says otherwise.
const DEFAULT_MAX_ROWS: usize = 1000;

fn statements(session: &mut Engine, text: &str, origin: &str, settings: &Settings) {
    let mut out = io::stdout().lock();
    let result = session.run_each(text, origin, |graph, output| {
        let _ = kgraph::format::write_output_limited(
            &mut out,
            graph,
            &output,
            settings.format,
            &TableView { max_rows: settings.max_rows, width: settings.width.columns() },
        );
        let _ = out.flush();
        for notification in &output.notifications {
            eprintln!("{notification}");
        }
        if settings.timing {
            eprintln!("{}", output.timing);
        }
    });
    let _ = out.flush();
    if let Err(e) = result {
        eprintln!("{e}");
    }
}

/// Runs work that reports no progress of its own under a spinner (shown only if it takes a while).
fn spinning<T>(what: &str, work: impl FnOnce() -> T) -> T {
    use kgraph::progress::Progress;
    let mut bar = crate::bar::Bar::on_stderr();
    bar.stage(what, None, kgraph::progress::Unit::Bytes);
    let result = work();
    bar.finish();
    result
}

/// Runs a shell command; returns false to leave the shell.
fn meta(session: &mut Engine, command: &str, settings: &mut Settings) -> bool {
    let (name, rest) = command.split_once(char::is_whitespace).unwrap_or((command, ""));
    let rest = rest.trim();
    match name {
        "quit" | "exit" | "q" => return false,
        "help" | "h" | "?" if rest.is_empty() => println!("{HELP}"),
        "help" | "h" | "?" => println!("{}", crate::help::on(rest)),
        "schema" => print_schema(session),
        "source" if !rest.is_empty() => match std::fs::read_to_string(rest) {
            Ok(text) => statements(session, &text, rest, settings),
            Err(e) => eprintln!("{rest}: {e}"),
        },
        "load" | "merge" if !rest.is_empty() => {
            // `:load FILE` replaces the graph (loading a snapshot twice must not double it);
            // `:load --merge FILE`, or `:merge FILE`, adds to it.
            let (merge, file) = match rest.strip_prefix("--merge") {
                Some(file) if name == "load" => (true, file.trim()),
                _ => (name == "merge", rest),
            };
            if file.is_empty() {
                eprintln!("usage: :load [--merge] FILE");
                return true;
            }
            let started = std::time::Instant::now();
            let mut bar = crate::bar::Bar::on_stderr();
            let loaded = if merge {
                session.load_file(Path::new(file), &mut bar)
            } else {
                session.replace_with_file(Path::new(file), &mut bar)
            };
            // The bar goes before anything is printed below it.
            drop(bar);
            match loaded {
                Ok(r) => {
                    crate::report_load(Path::new(file), &r, true, started.elapsed());
                    let g = session.session().graph();
                    if merge {
                        eprintln!(
                            "Merged into the graph: it now has {} nodes, {} relationships",
                            g.node_count(),
                            g.edge_count()
                        );
                    } else {
                        eprintln!("Replaced the graph (use :load --merge FILE to add to it instead)");
                    }
                }
                Err(e) => eprintln!("{e}"),
            }
        }
        "save" if !rest.is_empty() => {
            match spinning("writing the snapshot", || session.save(Path::new(rest))) {
                Ok(()) => eprintln!("Saved {rest}"),
                Err(e) => eprintln!("{e}"),
            }
        }
        "checkpoint" => match spinning("writing the checkpoint", || session.checkpoint()) {
            Ok(()) => eprintln!("Checkpoint written"),
            Err(e) => eprintln!("{e}"),
        },
        "format" => match rest.parse() {
            Ok(f) => settings.format = f,
            Err(e) => eprintln!("{e}"),
        },
        "param" => match rest.split_once(char::is_whitespace) {
            Some((pname, text)) => match parameter_value(session, text.trim()) {
                Ok(v) => session.set_param(pname.trim_start_matches('$'), v),
                Err(e) => eprintln!("{e}"),
            },
            None => eprintln!("usage: :param NAME JSON-or-expression"),
        },
        "maxrows" => match rest {
            "" => match settings.max_rows {
                Some(n) => println!("maxrows: {n}"),
                None => println!("maxrows: off"),
            },
            "off" | "0" => settings.max_rows = None,
            n => match n.parse::<usize>() {
                Ok(n) => settings.max_rows = Some(n),
                Err(_) => eprintln!("usage: :maxrows N, or :maxrows off"),
            },
        },
        "width" => match rest {
            "" => println!("{}", settings.width.describe()),
            w => match w.parse::<Width>() {
                Ok(w) => settings.width = w,
                Err(e) => eprintln!("{e} (usage: :width COLUMNS, :width auto, or :width off)"),
            },
        },
        "maxmemory" => match rest {
            "" => match session.session().max_memory() {
                Some(bytes) => println!("maxmemory: {}", kgraph::query::describe_bytes(bytes)),
                None => println!("maxmemory: off"),
            },
            size => match crate::parse_size(size) {
                Ok(limit) => session.set_max_memory(limit),
                Err(e) => eprintln!("{e} (usage: :maxmemory SIZE, or :maxmemory off)"),
            },
        },
        "stats" => print_stats(session),
        "timing" => match rest {
            "on" => settings.timing = true,
            "off" => settings.timing = false,
            "" => println!("timing: {}", if settings.timing { "on" } else { "off" }),
            _ => eprintln!("usage: :timing on|off"),
        },
        "timeout" => match rest {
            "" => match session.session().timeout() {
                Some(t) => println!("timeout: {} s", t.as_secs_f64()),
                None => println!("timeout: off"),
            },
            "off" | "none" | "0" => session.set_timeout(None),
            seconds => match crate::parse_timeout(seconds) {
                Ok(t) => session.set_timeout(Some(t)),
                Err(e) => eprintln!("{e} (usage: :timeout SECONDS, or :timeout off)"),
            },
        },
        "params" => {
            let s = session.session();
            for (k, v) in s.params() {
                println!("${k} = {}", kgraph::format::cell_text(s.graph(), v));
            }
        }
        "export" if !rest.is_empty() => export(session, rest),
        "load" | "merge" | "save" | "source" | "export" => eprintln!("usage: :{name} FILE"),
        other => {
            let hint = kgraph::query::suggest::closest(other, crate::complete::COMMANDS.iter().copied());
            match hint {
                Some(command) => eprintln!("unknown command :{other}; did you mean :{command}? (try :help)"),
                None => eprintln!("unknown command :{other} (try :help)"),
            }
        }
    }
    true
}

fn print_schema(session: &Engine) {
    let s = session.session().graph().schema();
    let g = session.session().graph();
    println!("{} nodes, {} relationships", g.node_count(), g.edge_count());
    let section = |title: &str, items: &std::collections::BTreeMap<String, usize>| {
        println!("{title}:");
        if items.is_empty() {
            println!("  (none)");
        }
        for (name, count) in items {
            println!("  {name}  {count}");
        }
    };
    section("Labels", &s.labels);
    section("Relationship types", &s.edge_types);
    section("Node property keys", &s.node_keys);
    section("Relationship property keys", &s.edge_keys);
    println!("Indexes:");
    let (indexes, rel_indexes) = (g.index_names(), g.rel_index_names());
    if indexes.is_empty() && rel_indexes.is_empty() {
        println!("  (none)");
    }
    for (label, key) in indexes {
        println!("  :{label}({key})");
    }
    for (ty, key) in rel_indexes {
        println!("  -[:{ty}({key})]-");
    }
}

/// `:export PATH [QUERY]`: the whole graph, or the nodes and relationships the query returns.
fn export(session: &mut Engine, rest: &str) {
    use kgraph::export::Selection;
    let (path, query) = match rest.split_once(char::is_whitespace) {
        Some((p, q)) => (p, q.trim()),
        None => (rest, ""),
    };
    let selection = if query.is_empty() {
        Selection::all(session.session().graph())
    } else {
        let mut outputs = Vec::new();
        if let Err(e) = session.run_each(query, "", |_, out| outputs.push(out)) {
            eprintln!("{e}");
            return;
        }
        Selection::of_results(session.session().graph(), &outputs)
    };
    let mut bar = crate::bar::Bar::on_stderr();
    let written =
        kgraph::export::export_with(session.session().graph(), &selection, Path::new(path), &mut bar);
    // The bar goes before anything is printed below it.
    drop(bar);
    match written {
        Ok(()) => eprintln!(
            "Exported {} nodes and {} relationships to {path}",
            selection.nodes.len(),
            selection.relationships.len()
        ),
        Err(e) => eprintln!("{e}"),
    }
}

/// `:stats`: sizes without a scan (counts per label and type come from the indexes).
fn print_stats(session: &Engine) {
    let g = session.session().graph();
    println!("{} nodes, {} relationships", g.node_count(), g.edge_count());
    let mut labels: Vec<(usize, &str)> =
        g.label_names().into_iter().filter_map(|l| Some((g.label_count(g.symbol(l)?), l))).collect();
    labels.sort_by(|a, b| b.cmp(a));
    let mut types: Vec<(usize, &str)> =
        g.type_names().into_iter().filter_map(|t| Some((g.type_count(g.symbol(t)?), t))).collect();
    types.sort_by(|a, b| b.cmp(a));
    println!(
        "{} labels: {}",
        labels.len(),
        labels.iter().map(|(n, l)| format!("{l} {n}")).collect::<Vec<_>>().join(", ")
    );
    println!(
        "{} relationship types: {}",
        types.len(),
        types.iter().map(|(n, t)| format!("{t} {n}")).collect::<Vec<_>>().join(", ")
    );
    println!("adjacency index: {:.1} MiB", g.adjacency_bytes() as f64 / (1 << 20) as f64);
}

/// A `:param` value: JSON (`"2025-05-28"` stays a string), or else a Cypher expression evaluated
/// once (`date('2025-05-28')` is a date), as Neo4j's shells take it.
fn parameter_value(session: &mut Engine, text: &str) -> Result<kgraph::Value, String> {
    if let Ok(v) = kgraph::format::from_json_text(text) {
        return Ok(v);
    }
    let scanned = split::scan(text);
    if scanned.statements.len() != 1 || scanned.unterminated || !scanned.comments.is_empty() {
        return Err(format!("`{text}` is not JSON, nor one expression"));
    }
    let mut rows = Vec::new();
    session
        .run_each(&format!("RETURN {text}\n AS value"), ":param", |_, out| rows = out.rows)
        .map_err(|e| format!("`{text}` is neither JSON nor an expression: {e}"))?;
    match rows.len() {
        1 if rows[0].len() == 1 => Ok(rows.remove(0).remove(0)),
        _ => Err(format!("`{text}` is not one value")),
    }
}
