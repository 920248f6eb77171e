//! A session: a graph, the parameters statements see, and the way text becomes results.

use std::io::BufRead;
use std::ops::Range;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::graph::Graph;
use crate::input::Statements;
use crate::load::{LoadReport, Loaded, read_file_with};
use crate::progress::{Progress, Silent, Unit};
use crate::query::exec::Effects;
use crate::query::expr::Params;
use crate::query::plan::Passes;
use crate::query::{CancelFlag, Draws, QueryError, WriteStats, parser, split};
use crate::snapshot;
use crate::statement::{Compiled, Limits};
use crate::value::Value;

/// What one statement returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryOutput {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub stats: WriteStats,
    /// For `EXPLAIN`: the plan as text (its lines are also the rows of the `plan` column).
    pub plan: Option<String>,
    pub timing: Timing,
    /// What the statement may not have meant (a label, type or key the graph does not have).
    pub notifications: Vec<crate::query::Notification>,
}

impl QueryOutput {
    /// Says where each notification points, in `source` that begins on line `first_line`.
    pub(crate) fn locate(&mut self, source: &str, first_line: usize) {
        for n in &mut self.notifications {
            n.locate(source, first_line);
        }
    }
}

/// Where a statement's time went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timing {
    pub parse: Duration,
    pub plan: Duration,
    pub execute: Duration,
}

impl Timing {
    pub fn total(&self) -> Duration {
        self.parse + self.plan + self.execute
    }
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "time: {:.3} ms (parse {:.3} ms, plan {:.3} ms, execute {:.3} ms)",
            ms(self.total()),
            ms(self.parse),
            ms(self.plan),
            ms(self.execute)
        )
    }
}

#[derive(Debug, Default, Clone)]
pub struct Session {
    graph: Graph,
    params: Params,
    /// How long one statement may run; none by default.
    timeout: Option<Duration>,
    cancel: CancelFlag,
    /// The seed the next statement's `rand()` draws from, when it must be a given one.
    next_seed: Option<u64>,
    /// The seed the last statement's `rand()` drew from.
    last_seed: u64,
    /// How much memory one statement may take; the default until set.
    max_memory: Option<Option<u64>>,
    /// The optimisation passes statements are planned with: all of them unless told otherwise.
    passes: Passes,
    /// Statements that write, and loading files, are refused.
    read_only: bool,
    /// Where `LOAD CSV` reads from: the working directory when `None`.
    import_dir: Option<std::sync::Arc<Path>>,
    /// Procedures the program declared, which `CALL` finds before kgraph's own.
    procedures: Vec<std::sync::Arc<crate::query::procedures::TableProcedure>>,
}

impl Session {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_graph(graph: Graph) -> Self {
        Session { graph, ..Session::default() }
    }

    /// Declares a procedure that `CALL` finds before kgraph's own, replacing one of the same name.
    pub fn register_procedure(&mut self, procedure: crate::query::procedures::TableProcedure) {
        self.procedures.retain(|p| p.name != procedure.name);
        self.procedures.push(std::sync::Arc::new(procedure));
    }

    /// Refuses, from now on, every statement that would change the graph (with a `ReadOnly` error,
    /// before it runs) and every file load, or allows them again.
    pub fn set_read_only(&mut self, read_only: bool) {
        self.read_only = read_only;
    }

    /// Whether statements that write are refused ([`Session::set_read_only`]).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Plans the next statements with only these optimisation passes: the rows are the same
    /// whichever run (what the passes' tests check), only the work differs.
    pub fn set_passes(&mut self, passes: Passes) {
        self.passes = passes;
    }

    /// Sets the directory `LOAD CSV` reads files from; `None`, the default, is the working
    /// directory. Nothing outside it is read: not through `..`, nor an absolute path, nor a link.
    pub fn set_import_dir(&mut self, dir: Option<&Path>) {
        self.import_dir = dir.map(Into::into);
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    pub fn graph_mut(&mut self) -> &mut Graph {
        &mut self.graph
    }

    pub fn into_graph(self) -> Graph {
        self.graph
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Sets the parameter `$name` for the statements that follow.
    pub fn set_param(&mut self, name: impl Into<String>, value: Value) {
        self.params.insert(name.into(), value);
    }

    /// Sets how long each statement may run before it is stopped with a `Timeout` error (and rolled
    /// back); `None` lets statements run as long as they need.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Sets how much more memory one statement may take than the process held when it began; past
    /// it the statement fails with `MemoryLimitExceeded` and is rolled back. `None` lifts the
    /// budget (only values larger than the machine's memory are then refused). The default is
    /// [`crate::input::default_statement_memory`].
    pub fn set_max_memory(&mut self, bytes: Option<u64>) {
        self.max_memory = Some(bytes);
    }

    /// The memory budget of each statement, in bytes; `None` for none.
    pub fn max_memory(&self) -> Option<u64> {
        self.max_memory.unwrap_or_else(crate::input::default_statement_memory)
    }

    /// A handle that cancels the statement running at the moment it is raised (from another
    /// thread, such as a Ctrl-C handler): the statement stops with a `Cancelled` error and is rolled
    /// back. Each statement lowers the flag as it starts.
    pub fn cancel_flag(&self) -> CancelFlag {
        self.cancel.clone()
    }

    /// Makes the next statement's `rand()` draw from `seed`: a statement run again with the seed it
    /// first ran with ([`Session::last_seed`]) draws the same numbers, as a journal's replay needs.
    pub fn set_next_seed(&mut self, seed: u64) {
        self.next_seed = Some(seed);
    }

    /// The seed the last statement's `rand()` drew from.
    pub fn last_seed(&self) -> u64 {
        self.last_seed
    }

    /// Parses, plans and runs the statement at `range` of `source`. A statement that fails leaves
    /// the graph as it was.
    pub fn execute(&mut self, source: &str, range: Range<usize>) -> Result<QueryOutput, QueryError> {
        self.execute_with(source, range, false).map(|(out, _)| out)
    }

    /// [`Session::execute`], handing back what the statement did, so that the caller can take it
    /// back (a database whose journal could not take it) and, with `keep_changes`, the changes.
    pub(crate) fn execute_with(
        &mut self,
        source: &str,
        range: Range<usize>,
        keep_changes: bool,
    ) -> Result<(QueryOutput, Effects), QueryError> {
        // Parsing, planning and running recurse as deep as the statement nests (bounded by the
        // parser): a thread with less stack left than the deepest of them needs runs it on a stack
        // of its own. The main thread's is large enough, and is used as it is.
        crate::statement::on_a_deep_enough_stack(range.len(), || {
            self.execute_on_this_stack(source, range, keep_changes)
        })
    }

    fn execute_on_this_stack(
        &mut self,
        source: &str,
        range: Range<usize>,
        keep_changes: bool,
    ) -> Result<(QueryOutput, Effects), QueryError> {
        let started = Instant::now();
        let seed = self.next_seed.take().unwrap_or_else(Draws::fresh_seed);
        self.last_seed = seed;
        let statement = parser::parse_statement(source, range)?;
        let parsed = Instant::now();
        let compiled = Compiled::with_procedures(&statement, &self.graph, self.passes, &self.procedures)?;
        if self.read_only && compiled.writes() {
            return Err(crate::statement::refused_as_read_only());
        }
        let timing = Timing { parse: parsed - started, plan: parsed.elapsed(), execute: Duration::ZERO };
        let limits = Limits {
            cancel: &self.cancel,
            timeout: self.timeout,
            max_memory: self.max_memory(),
            seed,
            import_dir: self.import_dir.clone(),
        };
        compiled.run_write(&mut self.graph, &self.params, &limits, timing, keep_changes)
    }

    /// Runs every statement of `source` (separated by `;`) and returns their outputs, stopping at
    /// the first that fails.
    pub fn run(&mut self, source: &str) -> Result<Vec<QueryOutput>, Error> {
        let mut outputs = Vec::new();
        self.run_each(source, "", |_, out| outputs.push(out))?;
        Ok(outputs)
    }

    /// Runs every statement of `source`, handing each output to `each` as soon as it is ready, and
    /// returns how many statements ran. `origin` names the source in errors (a file name, or "").
    pub fn run_each(
        &mut self,
        source: &str,
        origin: &str,
        each: impl FnMut(&Graph, QueryOutput),
    ) -> Result<usize, Error> {
        self.run_chunk(source, origin, 1, each)
    }

    /// [`Session::run_each`] for text that begins on line `first_line` of `origin`.
    fn run_chunk(
        &mut self,
        source: &str,
        origin: &str,
        first_line: usize,
        mut each: impl FnMut(&Graph, QueryOutput),
    ) -> Result<usize, Error> {
        let scan = split::scan(source);
        for range in &scan.statements {
            let mut out = self
                .execute(source, range.clone())
                .map_err(|e| Error::query_at(e, source, origin, first_line))?;
            out.locate(source, first_line);
            each(&self.graph, out);
        }
        Ok(scan.statements.len())
    }

    /// Runs the statements of a stream as they arrive: each as soon as its `;` has been read, its
    /// output handed to `each` before more is read. Stops at the first that fails.
    pub fn run_stream(
        &mut self,
        input: impl BufRead,
        origin: &str,
        mut each: impl FnMut(&Graph, QueryOutput),
    ) -> Result<usize, Error> {
        let mut ran = 0;
        for chunk in Statements::new(input, origin) {
            let chunk = chunk?;
            ran += self.run_chunk(&chunk.text, origin, chunk.first_line, &mut each)?;
        }
        Ok(ran)
    }

    /// Loads a file into the graph: a snapshot (recognised by its magic bytes, whatever its name) or
    /// a STIX bundle is merged in, anything else is run as a Cypher script.
    pub fn load_file(&mut self, path: &Path) -> Result<LoadReport, Error> {
        self.load_file_with(path, &mut Silent)
    }

    /// `load_file`, telling `progress` how far reading and merging a graph have gone (a script's
    /// statements report nothing).
    pub fn load_file_with(&mut self, path: &Path, progress: &mut dyn Progress) -> Result<LoadReport, Error> {
        let (nodes, relationships) = (self.graph.node_count(), self.graph.edge_count());
        let report = match read_file_with(path, progress)? {
            Loaded::Graph(..) if self.read_only => {
                let refused = QueryError::new(
                    crate::query::ErrorKind::ReadOnly,
                    format!(
                        "{} would change the graph, and the database was opened read-only",
                        path.display()
                    ),
                    None,
                );
                return Err(Error::query(refused, "", ""));
            }
            Loaded::Graph(graph, report) => {
                if self.graph.node_count() > 0 {
                    progress.stage("merging into the graph", None, Unit::Items);
                }
                self.graph.absorb_checked(*graph).map_err(crate::statement::constraint_failure)?;
                self.graph.prepare_reads();
                let mut report = report;
                report.same_as = crate::misp::link_same_as(&mut self.graph);
                report
            }
            Loaded::Script(script) => LoadReport {
                statements: self.run_stream(script, &path.display().to_string(), |_, _| {})?,
                ..LoadReport::default()
            },
        };
        let mut report = report;
        report.nodes = self.graph.node_count().saturating_sub(nodes);
        report.relationships = self.graph.edge_count().saturating_sub(relationships);
        Ok(report)
    }

    /// Saves the graph as a snapshot, atomically.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        Ok(snapshot::save(&self.graph, path)?)
    }
}
