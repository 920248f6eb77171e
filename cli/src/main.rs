//! The `kgraph` command: a thin layer over the library. Arguments are validated here, once; the
//! library does the work; this file decides what goes to stdout and stderr and the exit status.

/// `eprintln!` that cannot panic: with standard error closed or full (`2>/dev/full`), the message
/// is lost, never the process.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `println!` that cannot panic: a failed write to standard output loses the line, not the process
/// (results go through writers that report their errors; this is for the REPL's messages).
macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod bar;
mod complete;
mod engine;
mod help;
mod memory;
mod repl;
mod tools;
mod width;

use std::io::{self, IsTerminal, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use engine::Engine;
use kgraph::{Error, Format, QueryOutput, Value};

/// A knowledge-graph engine with an openCypher subset, a REPL and binary snapshots.
#[derive(Debug, Parser)]
#[command(
    name = "kgraph",
    version,
    after_help = "Exit status: 0 success; 1 a query failed; 2 a usage, file or snapshot error.",
    args_conflicts_with_subcommands = true
)]
struct Args {
    #[command(subcommand)]
    tool: Option<tools::Tool>,
    /// Files loaded in order, each recognised by its content: a kgraph snapshot, a STIX 2.1 bundle or
    /// a MISP galaxy (JSON, gzip-compressed or not), or a Cypher script (run as it is read).
    files: Vec<PathBuf>,
    /// Run these statements, then exit (repeatable; after -f).
    #[arg(short = 'c', long = "command", value_name = "QUERY")]
    commands: Vec<String>,
    /// Run the statements of this script, then exit (`-` reads standard input).
    #[arg(short = 'f', long = "file", value_name = "SCRIPT")]
    script: Option<PathBuf>,
    /// How results are printed.
    #[arg(
        long,
        value_name = "FORMAT",
        default_value = "table",
        value_parser = format_parser(),
    )]
    format: Format,
    /// A query parameter, `$NAME` in statements, given as JSON (repeatable).
    #[arg(long = "param", value_name = "NAME=JSON", value_parser = parse_param)]
    params: Vec<(String, Value)>,
    /// Save the final graph as a snapshot (only when every statement succeeded).
    #[arg(long, value_name = "SNAPSHOT")]
    save: Option<PathBuf>,
    /// Export the final graph: .graphml, .dot, .svg, .png, .jsonl, .cypher, .stix.json, or a directory for CSV (by the extension).
    #[arg(long, value_name = "PATH")]
    export: Option<PathBuf>,
    /// Open (or create) a database directory: every change is journalled and synced before its
    /// result is shown, and survives restarts. FILE arguments are run into it as scripts.
    #[arg(long, value_name = "DIR")]
    db: Option<PathBuf>,
    /// With --db: read the directory without taking its lock and without changing it, as it is
    /// when opened, so that it can be read while another process writes it. Statements that
    /// write are refused.
    #[arg(long, requires = "db")]
    read_only: bool,
    /// Stop any statement that runs longer than this many seconds (fractions allowed); it fails
    /// with a Timeout error and changes nothing.
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    timeout: Option<Duration>,
    /// After each statement, print on stderr `time: T ms (parse P ms, plan Q ms, execute E ms)`.
    #[arg(long)]
    timing: bool,
    /// How much memory one statement may take, as `512M`, `2G` (K, M, G, T: powers of 1024) or
    /// `off`; past it the statement fails with MemoryLimitExceeded and is rolled back (default:
    /// half of the machine's memory and swap).
    #[arg(long, value_name = "SIZE", value_parser = parse_memory)]
    max_memory: Option<MemoryLimit>,
    /// Cut table cells so that a line fits this many columns, ending a cut cell with `…`: a number,
    /// `auto` (the terminal's width, the default, and no cut when output is not a terminal) or `off`.
    /// The machine formats are never cut.
    #[arg(long, value_name = "COLUMNS", default_value = "auto")]
    width: width::Width,
    /// The directory `LOAD CSV` reads files from (default: the working directory). `file:///x.csv`
    /// is `x.csv` there; nothing outside it is read, through `..`, an absolute path or a link.
    #[arg(long, value_name = "DIR", value_parser = parse_import_dir)]
    import_dir: Option<PathBuf>,
    /// Use at most N threads for loading snapshots and counting patterns (default: every processor).
    #[arg(long, value_name = "N")]
    threads: Option<NonZeroUsize>,
}

/// A directory that exists: a mistyped one is said at once, not at the first `LOAD CSV`.
fn parse_import_dir(s: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(s);
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => Ok(path),
        Ok(_) => Err(format!("{s} is not a directory")),
        Err(e) => Err(format!("{s}: {e}")),
    }
}

/// Seconds as a positive number, as in `--timeout 2.5`.
pub(crate) fn parse_timeout(s: &str) -> Result<Duration, String> {
    let seconds: f64 = s.trim().parse().map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if seconds <= 0.0 {
        return Err("the timeout must be more than 0 seconds".into());
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{s}` seconds is out of range"))
}

/// `--format`'s values, listed by `--help`; each is one `Format::from_str` takes, so the mapping
/// never falls back.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = ["table", "csv", "json", "jsonl"].map(PossibleValue::new);
    PossibleValuesParser::new(values.into_iter().chain([PossibleValue::new("markdown").alias("md")]))
        .map(|s| s.parse::<Format>().unwrap_or(Format::Table))
}

/// `--max-memory`: a budget in bytes, or none.
#[derive(Debug, Clone, Copy)]
struct MemoryLimit(Option<u64>);

fn parse_memory(s: &str) -> Result<MemoryLimit, String> {
    parse_size(s).map(MemoryLimit)
}

/// A size in bytes, with an optional binary suffix (`512M`, `1.5G`, `64KiB`), or `off` for none.
pub(crate) fn parse_size(s: &str) -> Result<Option<u64>, String> {
    let text = s.trim();
    if text.eq_ignore_ascii_case("off") || text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let upper = text.to_ascii_uppercase();
    let digits = upper.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = upper[digits.len()..].trim_end_matches("IB").trim_end_matches('B');
    let scale: u64 = match unit {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("`{s}`: the unit must be K, M, G or T (powers of 1024)")),
    };
    let value: f64 = digits.trim().parse().map_err(|_| format!("`{s}` is not a size, as in 512M or 2G"))?;
    if !value.is_finite() || value <= 0.0 {
        return Err(format!("`{s}`: the size must be more than zero (or `off`)"));
    }
    Ok(Some((value * scale as f64).min(u64::MAX as f64) as u64))
}

fn parse_param(s: &str) -> Result<(String, Value), String> {
    let (name, json) = s.split_once('=').ok_or("expected NAME=JSON, as in --param name='\"APT31\"'")?;
    let name = name.trim().trim_start_matches('$');
    if name.is_empty() {
        return Err("the parameter has no name".into());
    }
    let value =
        kgraph::format::from_json_text(json).map_err(|e| format!("`{json}` is not valid JSON: {e}"))?;
    Ok((name.to_string(), value))
}

/// Why the program stops early, with the exit status that says so.
enum Failure {
    Query(String),
    Other(String),
    /// Standard output was closed (e.g. piped into `head`): stop quietly.
    ClosedOutput,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Query(_) => Failure::Query(e.to_string()),
            other => Failure::Other(other.to_string()),
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::ClosedOutput
        } else {
            Failure::Other(format!("cannot write the results: {e}"))
        }
    }
}

fn main() -> ExitCode {
    let mut args = Args::parse();
    let outcome = match args.tool.take() {
        Some(tool) => tools::run(tool).map_err(Failure::Other),
        None => run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::ClosedOutput) => ExitCode::SUCCESS,
        Err(Failure::Query(message)) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
        Err(Failure::Other(message)) => {
            eprintln!("kgraph: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<(), Failure> {
    kgraph::parallel::set_max_threads(args.threads);
    let interactive = args.commands.is_empty() && args.script.is_none() && io::stdin().is_terminal();
    let mut session = match &args.db {
        None => Engine::Memory(Box::default()),
        Some(dir) => {
            let (engine, report) =
                if args.read_only { Engine::open_db_read_only(dir)? } else { Engine::open_db(dir)? };
            report_open(dir, &report);
            if interactive {
                let how = if args.read_only { " read-only" } else { "" };
                eprintln!(
                    "Opened database {}{how} ({} journal records replayed)",
                    dir.display(),
                    report.replayed
                );
            }
            engine
        }
    };
    for (name, value) in args.params {
        session.set_param(name, value);
    }
    session.set_timeout(args.timeout);
    session.set_import_dir(args.import_dir.as_deref());
    if let Some(MemoryLimit(limit)) = args.max_memory {
        session.set_max_memory(limit);
    }
    for file in &args.files {
        let started = std::time::Instant::now();
        let report = session.load_file(file, &mut bar::Bar::on_stderr())?;
        report_load(file, &report, interactive, started.elapsed());
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if let Some(script) = &args.script {
        run_script(
            &mut session,
            script,
            Show { format: args.format, width: args.width, timing: args.timing },
            &mut out,
        )?;
    }
    for command in &args.commands {
        run_text(
            &mut session,
            command,
            "",
            Show { format: args.format, width: args.width, timing: args.timing },
            &mut out,
        )?;
    }
    if args.commands.is_empty() && args.script.is_none() {
        if io::stdin().is_terminal() {
            drop(out);
            repl::run(&mut session, args.format, args.width, args.timing).map_err(Failure::Other)?;
            out = io::BufWriter::new(stdout.lock());
        } else {
            run_script(
                &mut session,
                Path::new("-"),
                Show { format: args.format, width: args.width, timing: args.timing },
                &mut out,
            )?;
        }
    }
    out.flush()?;
    if let Some(path) = &args.save {
        session.save(path)?;
    }
    if let Some(path) = &args.export {
        let g = session.session().graph();
        kgraph::export::export_with(g, &kgraph::export::Selection::all(g), path, &mut bar::Bar::on_stderr())
            .map_err(|e| Failure::Other(e.to_string()))?;
    }
    // The process ends here: freeing a large in-memory graph entity by entity (millions of small
    // allocations) would only delay the exit, and the system takes the memory back at once. A
    // database is closed properly.
    if let Engine::Memory(session) = session {
        std::mem::forget(session);
    }
    Ok(())
}

/// Tells what opening a database repaired; silent when it found nothing to.
fn report_open(dir: &std::path::Path, report: &kgraph::db::OpenReport) {
    if let Some(tail) = &report.dropped_tail {
        eprintln!(
            "warning: {}: the journal ended in {} byte(s) that are not a whole statement ({}), as a crash \
             while writing leaves; dropped them from byte {} and kept them in {}",
            dir.display(),
            tail.len,
            tail.why,
            tail.offset,
            tail.kept_in.display()
        );
    }
    for path in &report.removed {
        eprintln!("note: removed {}, left by a checkpoint that was interrupted", path.display());
    }
    if report.upgraded {
        eprintln!("note: {}: the journal of an older kgraph was replayed and checkpointed", dir.display());
    }
}

/// Tells what loading a file did: always its problems (on stderr), and on a terminal what it added.
pub(crate) fn report_load(
    file: &std::path::Path,
    report: &kgraph::LoadReport,
    verbose: bool,
    took: Duration,
) {
    const SHOWN: usize = 5;
    if !report.problems.is_empty() {
        eprintln!("warning: {}: {} problem(s) in the file:", file.display(), report.problems.len());
        for p in report.problems.iter().take(SHOWN) {
            eprintln!("  {p}");
        }
        if report.problems.len() > SHOWN {
            eprintln!("  … and {} more", report.problems.len() - SHOWN);
        }
    }
    if verbose {
        let what = match (report.format, report.snapshot, report.stix_objects, report.misp_values) {
            (Some(format), ..) => format.to_string(),
            (_, true, _, _) => "snapshot".to_string(),
            (_, _, Some(objects), _) => format!("STIX bundle, {objects} objects"),
            (_, _, _, Some(values)) => format!("MISP galaxy, {values} values"),
            _ => {
                let n = report.statements;
                format!("{n} statement{}", if n == 1 { "" } else { "s" })
            }
        };
        eprintln!(
            "Loaded {} ({what}): {} nodes, {} relationships in {:.2} s",
            file.display(),
            report.nodes,
            report.relationships,
            took.as_secs_f64()
        );
    }
    if report.same_as > 0 {
        eprintln!(
            "Joined {} MISP actor–STIX intrusion set pair(s) that share a name or alias (same-as)",
            report.same_as
        );
    }
}

/// Prints each statement's output as it comes, flushed at once: what a script has been shown has
/// happened (and, with --db, is on disk). The first write error is kept, and nothing more printed.
struct Printer<'o, W: Write> {
    out: &'o mut W,
    format: Format,
    width: width::Width,
    timing: bool,
    failed: Option<io::Error>,
}

impl<W: Write> Printer<'_, W> {
    fn print(&mut self, graph: &kgraph::Graph, output: QueryOutput) {
        if self.failed.is_none()
            && let Err(e) = kgraph::format::write_output_limited(
                self.out,
                graph,
                &output,
                self.format,
                &kgraph::format::TableView { max_rows: None, width: self.width.columns() },
            )
            .and_then(|()| self.out.flush())
        {
            self.failed = Some(e);
        }
        // Warnings go to stderr, so that machine formats on stdout carry nothing but rows.
        for notification in &output.notifications {
            eprintln!("{notification}");
        }
        if self.timing {
            eprintln!("{}", output.timing);
        }
    }

    /// What running the statements came to: a failed write first, then a failed statement.
    fn finish(self, ran: Result<usize, Error>) -> Result<(), Failure> {
        if let Some(e) = self.failed {
            return Err(e.into());
        }
        self.out.flush()?;
        ran?;
        Ok(())
    }
}

/// How results are printed: the format, a table's width, and whether times follow.
#[derive(Clone, Copy)]
struct Show {
    format: Format,
    width: width::Width,
    timing: bool,
}

/// Runs each statement of `text`, printing each result as soon as it is ready.
fn run_text(
    session: &mut Engine,
    text: &str,
    origin: &str,
    Show { format, width, timing }: Show,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let mut printer = Printer { out, format, width, timing, failed: None };
    let ran = session.run_each(text, origin, |graph, output| printer.print(graph, output));
    printer.finish(ran)
}

/// Runs the statements of a script file, or of standard input for `-`, each as soon as its `;` has
/// arrived: a pipeline is applied as it flows, and its results are printed as they come.
fn run_script(
    session: &mut Engine,
    path: &Path,
    Show { format, width, timing }: Show,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let mut printer = Printer { out, format, width, timing, failed: None };
    let ran = if path.as_os_str() == "-" {
        session.run_stream(io::stdin().lock(), "<stdin>", |graph, output| printer.print(graph, output))
    } else {
        let file =
            std::fs::File::open(path).map_err(|e| Failure::Other(format!("{}: {e}", path.display())))?;
        let origin = path.display().to_string();
        let input = io::BufReader::with_capacity(1 << 20, file);
        session.run_stream(input, &origin, |graph, output| printer.print(graph, output))
    };
    printer.finish(ran)
}
