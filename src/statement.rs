//! One statement's way from parsed text to results, shared by [`crate::Session`] and
//! [`crate::Database`]: compiled once against a graph, then run either with the graph shared (a
//! read, of which many may run at once) or with it to change (a write, journalled by the caller).

use std::time::{Duration, Instant};

use crate::graph::Graph;
use crate::query::ast::Statement;
use crate::query::exec::{self, Effects, RunOptions};
use crate::query::expr::Params;
use crate::query::plan::{self, Passes, Plan};
use crate::query::{CancelFlag, Draws, ErrorKind, Interrupt, Notification, QueryError, WriteStats};
use crate::session::{QueryOutput, Timing};
use crate::value::Value;

/// The stack a statement may need at most: the parser recurses once or more per level of nesting (64
/// at most) and the executor once per operator (a few per clause, 256 clauses at most). Measured in
/// a debug build, where frames are largest: 250 chained clauses run in 2 MiB, 60 nested `CASE` in
/// less than 2 MiB.
pub(crate) const STATEMENT_STACK: usize = 4 << 20;

/// The error for a statement that would write, refused before it runs because the graph was
/// opened read-only (a `Database` or a `Session`).
pub(crate) fn refused_as_read_only() -> QueryError {
    QueryError::new(
        ErrorKind::ReadOnly,
        "this statement changes the graph, and the database was opened read-only",
        None,
    )
}

/// A load refused because the graph it would make breaks a constraint.
pub(crate) fn constraint_failure(v: crate::graph::ConstraintViolation) -> crate::Error {
    let error =
        QueryError::new(ErrorKind::ConstraintValidationFailed, format!("the load is refused: {v}"), None);
    crate::Error::query(error, "", "")
}

/// Runs `f`, the work on a statement of `text_len` bytes, on a stack deep enough for it: a thread
/// with less stack left than it may need runs it on a stack of its own (allocated for the call,
/// which costs more than a small lookup does: so the need is reckoned from the text, as nesting and
/// clauses take room in proportion to the bytes that spell them). Measured in a debug build, where
/// frames are largest: 60 nested `CASE` (17 bytes each) under 2 MiB, about 2 KiB a byte; 250
/// chained clauses in 2 MiB, about 1 KiB a byte. Twice the worse of the two, and never more than
/// the deepest statement needs.
pub(crate) fn on_a_deep_enough_stack<R>(text_len: usize, f: impl FnOnce() -> R) -> R {
    let need = text_len.saturating_mul(4 << 10).saturating_add(64 << 10).min(STATEMENT_STACK);
    stacker::maybe_grow(need, STATEMENT_STACK * 4, f)
}

/// What a statement becomes once planned against a graph.
#[derive(Debug)]
pub(crate) enum Compiled {
    /// A schema command: `CREATE`/`DROP` of an index, a full-text index or a constraint.
    Index(Box<crate::query::ast::SchemaCommand>),
    /// `EXPLAIN` of an index command: its text, nothing to plan.
    ExplainIndex(String),
    /// A query: its plan, what it may not have meant, and whether to explain or profile it.
    Query { plan: Box<Plan>, notifications: Vec<Notification>, explain: bool, profile: bool },
}

/// How one run of a statement is bounded.
pub(crate) struct Limits<'a> {
    pub cancel: &'a CancelFlag,
    pub timeout: Option<Duration>,
    pub max_memory: Option<u64>,
    /// The seed `rand()` draws from.
    pub seed: u64,
    /// Where `LOAD CSV` reads files from: the working directory when `None`.
    pub import_dir: Option<std::sync::Arc<std::path::Path>>,
}

impl Compiled {
    pub(crate) fn new(statement: &Statement, graph: &Graph, passes: Passes) -> Result<Compiled, QueryError> {
        Compiled::with_procedures(statement, graph, passes, &[])
    }

    /// [`Compiled::new`], where `CALL` also finds the procedures the program declared.
    pub(crate) fn with_procedures(
        statement: &Statement,
        graph: &Graph,
        passes: Passes,
        procedures: &[std::sync::Arc<crate::query::procedures::TableProcedure>],
    ) -> Result<Compiled, QueryError> {
        if let Some(ix) = &statement.index {
            if statement.explain {
                let text = format!("{}\n", statement.to_string().trim_start_matches("EXPLAIN "));
                return Ok(Compiled::ExplainIndex(text));
            }
            return Ok(Compiled::Index(Box::new(ix.clone())));
        }
        let plan = plan::plan_with_procedures(statement, graph, passes, procedures)?;
        // Looked up before the statement runs: a name it creates does exist afterwards.
        let notifications = crate::query::notify::check(statement, graph);
        Ok(Compiled::Query {
            plan: Box::new(plan),
            notifications,
            explain: statement.explain,
            profile: statement.profile,
        })
    }

    /// Whether running it may change the graph (an `EXPLAIN` never does).
    pub(crate) fn writes(&self) -> bool {
        match self {
            Compiled::Index(_) => true,
            Compiled::ExplainIndex(_) => false,
            Compiled::Query { plan, explain, .. } => plan.writes && !explain,
        }
    }

    /// Runs a statement that does not write, with the graph shared.
    pub(crate) fn run_read(
        &self,
        graph: &Graph,
        params: &Params,
        limits: &Limits,
        timing: Timing,
    ) -> Result<QueryOutput, QueryError> {
        let ran = |plan: &Plan, options| {
            let (interrupt, draws) = limits.interrupt();
            exec::execute_read(plan, graph, params, &interrupt, &draws, options)
        };
        self.run(params, timing, false, limits.import_dir.as_deref(), ran).map(|(out, _)| out)
    }

    /// Runs a statement with the graph to change. `keep_changes` keeps what it changed, for a
    /// journal. The graph is left prepared for reads.
    pub(crate) fn run_write(
        &self,
        graph: &mut Graph,
        params: &Params,
        limits: &Limits,
        timing: Timing,
        keep_changes: bool,
    ) -> Result<(QueryOutput, Effects), QueryError> {
        if let Compiled::Index(command) = self {
            let started = Instant::now();
            let options = RunOptions { keep_changes, profile: false, import_dir: None };
            let effects = exec::change_index(graph, command, options)?;
            let changed = usize::from(effects.changed());
            let mut stats = WriteStats::default();
            match (command.constraint, command.create) {
                (false, true) => stats.indexes_added = changed,
                (false, false) => stats.indexes_removed = changed,
                (true, true) => stats.constraints_added = changed,
                (true, false) => stats.constraints_removed = changed,
            }
            let timing = Timing { execute: started.elapsed(), ..timing };
            return Ok((QueryOutput { stats, timing, ..QueryOutput::default() }, effects));
        }
        graph.prepare_reads();
        let ran = |plan: &Plan, options| {
            let (interrupt, draws) = limits.interrupt();
            exec::execute(plan, &mut *graph, params, &interrupt, &draws, options)
        };
        let out = self.run(params, timing, keep_changes, limits.import_dir.as_deref(), ran);
        graph.prepare_reads();
        out
    }

    fn run<'d>(
        &self,
        params: &Params,
        mut timing: Timing,
        keep_changes: bool,
        import_dir: Option<&'d std::path::Path>,
        execute: impl FnOnce(&Plan, RunOptions<'d>) -> Result<exec::Ran, QueryError>,
    ) -> Result<(QueryOutput, Effects), QueryError> {
        let (plan, notifications, explain, profile) = match self {
            Compiled::Query { plan, notifications, explain, profile } => {
                (plan, notifications, *explain, *profile)
            }
            Compiled::ExplainIndex(text) => {
                let rows = vec![vec![Value::from(text.trim_end())]];
                let out = QueryOutput {
                    columns: vec!["plan".into()],
                    rows,
                    plan: Some(text.clone()),
                    ..QueryOutput::default()
                };
                return Ok((out, Effects::none()));
            }
            Compiled::Index(_) => {
                return Err(QueryError::new(
                    ErrorKind::ReadOnly,
                    "an index command changes the graph, and the graph may only be read here",
                    None,
                ));
            }
        };
        let notifications = notifications.clone();
        if explain {
            let text = plan.to_string();
            let rows = text.lines().map(|l| vec![Value::from(l)]).collect();
            let out = QueryOutput {
                columns: vec!["plan".into()],
                rows,
                stats: WriteStats::default(),
                plan: Some(text),
                timing,
                notifications,
            };
            return Ok((out, Effects::none()));
        }
        // Only what runs needs its parameters: EXPLAIN shows the plan of a statement without them.
        if let Some((name, span)) = plan.parameters.iter().find(|(p, _)| !params.contains_key(p)) {
            return Err(QueryError::new(
                ErrorKind::ParameterMissing,
                format!("expected a parameter named `{name}`"),
                Some(*span),
            ));
        }
        let started = Instant::now();
        let ran = execute(plan, RunOptions { keep_changes, profile, import_dir })?;
        timing.execute = started.elapsed();
        let out = match ran.profile {
            Some(profile) => {
                let text = plan::Profiled(plan, &profile).to_string();
                let rows = text.lines().map(|l| vec![Value::from(l)]).collect();
                QueryOutput {
                    columns: vec!["plan".into()],
                    rows,
                    stats: ran.stats,
                    plan: Some(text),
                    timing,
                    notifications,
                }
            }
            None => QueryOutput {
                columns: plan.columns.clone(),
                rows: ran.rows,
                stats: ran.stats,
                plan: None,
                timing,
                notifications,
            },
        };
        Ok((out, ran.effects))
    }
}

impl Limits<'_> {
    /// What the run checks as it goes, and what it draws from. The cancel flag is lowered as the
    /// statement starts, so that a cancel raised while nothing ran does not stop it.
    fn interrupt(&self) -> (Interrupt, Draws) {
        self.cancel.clear();
        let interrupt =
            Interrupt::new(Some(self.cancel.clone()), self.timeout).with_memory_limit(self.max_memory);
        (interrupt, Draws::new(self.seed))
    }
}
