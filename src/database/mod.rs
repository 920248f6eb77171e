//! The front door: one [`Database`], in memory or in a directory, that many threads query at once.
//!
//! Reads take the graph shared and run side by side; writes take it alone, one at a time, and are
//! journalled (in a directory) before they are handed back; a reader sees the graph before a
//! statement or after it, never in between. A [`Transaction`] holds the graph alone from its first
//! statement to its commit or rollback, and is journalled as one record.

mod convert;
mod params;
mod rows;
mod transaction;

use std::io::BufRead;
use std::ops::Range;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

pub use convert::{FromValue, GetError, ValueRef};
pub use params::{IntoParams, Serialized};
pub use rows::{Column, Entities, Node, Path, Relationship, Row, Rows};
pub use transaction::Transaction;

use crate::db::{Directory, OpenReport};
use crate::error::Error;
use crate::graph::Graph;
use crate::load::{LoadReport, Loaded, read_file_with};
use crate::progress::Silent;
use crate::query::ast::Statement;
use crate::query::exec::Effects;
use crate::query::plan::Passes;
use crate::query::{CancelFlag, Draws, Params, QueryError, parser, split};
use crate::session::Timing;
use crate::statement::{Compiled, Limits, on_a_deep_enough_stack};

/// A graph, in memory or in a database directory, and the way statements reach it.
///
/// `Database` is `Send + Sync`: share it between threads (in an `Arc`, or by reference in scoped
/// threads) and call [`Database::execute`] from each. Read statements run at the same time; writes
/// wait for each other and for the reads running when they arrive.
///
/// ```
/// use kgraph::{Database, params};
///
/// let db = Database::in_memory();
/// db.execute("CREATE (:ThreatActor {name: 'APT31'})-[:`linked-to`]->(:Organization {name: 'MSS'})", ())?;
/// let rows = db.execute(
///     "MATCH (a:ThreatActor {name: $name})-[:`linked-to`]->(o) RETURN o.name AS linked",
///     params! { "name" => "APT31" },
/// )?;
/// assert_eq!(rows.first().unwrap().get::<String>("linked")?, "MSS");
/// # Ok::<(), kgraph::Error>(())
/// ```
#[derive(Debug)]
pub struct Database {
    state: RwLock<State>,
}

#[derive(Debug)]
pub(crate) struct State {
    backing: Backing,
    /// Raised by every change: a prepared statement's plan is good while it has not moved.
    generation: u64,
    /// Read under the lock every statement takes anyway: one shared word fewer for threads to
    /// pass between cores on each statement.
    settings: Settings,
}

// Not boxed: there is one per database, and the graph is reached through it on every read.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Backing {
    Memory(Graph),
    Directory(Box<Directory>),
    /// A directory read without its lock ([`Database::open_read_only`]): never written.
    View(Graph),
}

#[derive(Debug, Clone, Default)]
struct Settings {
    timeout: Option<Duration>,
    /// `None` until set: the default budget then.
    max_memory: Option<Option<u64>>,
    passes: Passes,
    /// Statements that write are refused.
    read_only: bool,
    /// Where `LOAD CSV` reads from: the working directory when `None`.
    import_dir: Option<std::sync::Arc<std::path::Path>>,
}

impl State {
    pub(crate) fn graph(&self) -> &Graph {
        match &self.backing {
            Backing::Memory(g) | Backing::View(g) => g,
            Backing::Directory(d) => d.graph(),
        }
    }

    pub(crate) fn graph_mut(&mut self) -> &mut Graph {
        match &mut self.backing {
            Backing::Memory(g) | Backing::View(g) => g,
            Backing::Directory(d) => d.graph_mut(),
        }
    }

    /// How a statement run now is bounded, and the passes it is planned with.
    pub(crate) fn limits<'a>(&self, cancel: &'a CancelFlag) -> (Limits<'a>, Passes) {
        let settings = &self.settings;
        let max_memory = settings.max_memory.unwrap_or_else(crate::input::default_statement_memory);
        let limits = Limits {
            cancel,
            timeout: settings.timeout,
            max_memory,
            seed: Draws::fresh_seed(),
            import_dir: settings.import_dir.clone(),
        };
        (limits, settings.passes)
    }

    pub(crate) fn refuse_writes_when_read_only(&self) -> Result<(), QueryError> {
        // A view stays read-only whatever the settings say: what it changed would be lost.
        if self.settings.read_only || matches!(self.backing, Backing::View(_)) {
            return Err(crate::statement::refused_as_read_only());
        }
        Ok(())
    }

    /// Whether changes must be kept to be journalled.
    pub(crate) fn journalled(&self) -> bool {
        matches!(self.backing, Backing::Directory(_))
    }

    /// Lets what statements did stand: in a directory, once it is on disk as one record; when it
    /// cannot be written, every statement is undone and this fails.
    pub(crate) fn commit(&mut self, effects: Vec<Effects>) -> Result<(), Error> {
        if effects.iter().any(Effects::changed) {
            self.generation += 1;
        }
        match &mut self.backing {
            // A view's statements never change anything: they were refused before they ran.
            Backing::Memory(_) | Backing::View(_) => Ok(()),
            Backing::Directory(d) => d.commit(effects),
        }
    }

    /// Takes back what statements did, the last first.
    pub(crate) fn undo(&mut self, effects: Vec<Effects>) {
        if effects.iter().any(Effects::changed) {
            self.generation += 1;
        }
        let graph = self.graph_mut();
        for done in effects.into_iter().rev() {
            done.undo(graph);
        }
        graph.prepare_reads();
    }
}

impl Default for Database {
    fn default() -> Self {
        Database::in_memory()
    }
}

impl Database {
    /// An empty graph in memory: nothing is written anywhere unless saved.
    pub fn in_memory() -> Database {
        Database::from_graph(Graph::new())
    }

    /// A database in memory holding `graph`.
    pub fn from_graph(mut graph: Graph) -> Database {
        graph.prepare_reads();
        Database::with_backing(Backing::Memory(graph))
    }

    fn with_backing(backing: Backing) -> Database {
        Database { state: RwLock::new(State { backing, generation: 0, settings: Settings::default() }) }
    }

    /// Opens the database in directory `dir`, creating it when missing: every statement that
    /// changes it is on disk before its result is handed back. One process at a time may have a
    /// directory open; another gets [`crate::db::DbError::Locked`].
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// {
    ///     let db = kgraph::Database::open(dir.path())?;
    ///     db.execute("CREATE (:Campaign {name: 'MFA intrusion'})", ())?;
    /// }
    /// let db = kgraph::Database::open(dir.path())?;
    /// let rows = db.execute("MATCH (c:Campaign) RETURN c.name AS name", ())?;
    /// assert_eq!(rows.first().unwrap().get::<String>("name")?, "MFA intrusion");
    /// # Ok::<(), kgraph::Error>(())
    /// ```
    pub fn open(dir: impl AsRef<std::path::Path>) -> Result<Database, Error> {
        Database::open_with_report(dir).map(|(db, _)| db)
    }

    /// [`Database::open`], also telling what opening found: the snapshot it started from, the
    /// statements replayed, a damaged journal tail dropped (and where its bytes were kept).
    pub fn open_with_report(dir: impl AsRef<std::path::Path>) -> Result<(Database, OpenReport), Error> {
        let (mut directory, report) = Directory::open(dir.as_ref())?;
        directory.graph_mut().prepare_reads();
        Ok((Database::with_backing(Backing::Directory(Box::new(directory))), report))
    }

    /// Opens a database directory for reading only, without taking its lock and without changing
    /// anything in it, so that it can be read while another process has it open for writing (or
    /// by several readers at once). The database is the directory's state when it was opened
    /// (its last whole statement); later writes by the other process are not seen — open it again
    /// to see them. Statements that write fail with [`ErrorKind::ReadOnly`](crate::ErrorKind), and
    /// `checkpoint` fails; a directory with no database in it is an error, not created.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let writer = kgraph::Database::open(dir.path())?; // holds the directory's lock
    /// writer.execute("CREATE (:Campaign {name: 'MFA intrusion'})", ())?;
    /// let reader = kgraph::Database::open_read_only(dir.path())?;
    /// let rows = reader.execute("MATCH (c:Campaign) RETURN count(c) AS n", ())?;
    /// assert_eq!(rows.first().unwrap().get::<i64>("n")?, 1);
    /// assert!(reader.execute("CREATE (:Campaign)", ()).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_read_only(dir: impl AsRef<std::path::Path>) -> Result<Database, Error> {
        let (mut graph, _) = crate::db::read_only_view(dir.as_ref())?;
        graph.prepare_reads();
        Ok(Database::with_backing(Backing::View(graph)))
    }

    /// Sets how long each statement may run before it stops with a `Timeout` error (and is undone);
    /// `None`, the default, lets statements run as long as they need.
    pub fn set_timeout(&self, timeout: Option<Duration>) {
        self.change_settings(|s| s.timeout = timeout);
    }

    /// Sets how much more memory one statement may take than the process held when it began
    /// (`None`: no budget); past it the statement fails with `MemoryLimitExceeded` and is undone.
    pub fn set_max_memory(&self, bytes: Option<u64>) {
        self.change_settings(|s| s.max_memory = Some(bytes));
    }

    /// Plans the statements that follow with only these optimisation passes (all by default): the
    /// rows are the same, only the work differs.
    pub fn set_passes(&self, passes: Passes) {
        self.change_settings(|s| s.passes = passes);
    }

    /// Sets the directory `LOAD CSV` reads files from; `None`, the default, is the working
    /// directory. Nothing outside it is read: not through `..`, nor an absolute path, nor a link.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// std::fs::write(dir.path().join("actors.csv"), "name\nAPT31\n")?;
    /// let db = kgraph::Database::in_memory();
    /// db.set_import_dir(Some(dir.path()));
    /// let rows = db.execute("LOAD CSV WITH HEADERS FROM 'file:///actors.csv' AS row RETURN row.name AS name", ())?;
    /// assert_eq!(rows.first().unwrap().get::<String>("name")?, "APT31");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_import_dir(&self, dir: Option<&std::path::Path>) {
        let dir: Option<std::sync::Arc<std::path::Path>> = dir.map(Into::into);
        self.change_settings(|s| s.import_dir = dir);
    }

    /// Refuses, from now on, every statement that would change the graph (with a `ReadOnly` error,
    /// before it runs), or allows them again.
    ///
    /// ```
    /// let db = kgraph::Database::in_memory();
    /// db.set_read_only(true);
    /// let err = db.execute("CREATE (:A)", ()).unwrap_err();
    /// assert_eq!(err.as_query().unwrap().kind, kgraph::ErrorKind::ReadOnly);
    /// assert!(db.execute("RETURN 1", ()).is_ok());
    /// ```
    pub fn set_read_only(&self, read_only: bool) {
        self.change_settings(|s| s.read_only = read_only);
    }

    /// Waits for the statements running to end. The settings are plain values written whole, so
    /// that a lock a panicking thread poisoned still holds whole ones.
    fn change_settings(&self, change: impl FnOnce(&mut Settings)) {
        let mut state = self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        change(&mut state.settings);
    }

    pub(crate) fn read_state(&self) -> Result<RwLockReadGuard<'_, State>, Error> {
        self.state.read().map_err(|_| poisoned())
    }

    pub(crate) fn write_state(&self) -> Result<RwLockWriteGuard<'_, State>, Error> {
        self.state.write().map_err(|_| poisoned())
    }

    /// Runs one statement with `params` and returns its rows. A statement that fails changes
    /// nothing. `CHECKPOINT` writes a snapshot of a database directory.
    pub fn execute(&self, query: &str, params: impl IntoParams) -> Result<Rows, Error> {
        self.execute_cancellable(query, params, &CancelFlag::new())
    }

    /// [`Database::execute`], stopped with a `Cancelled` error (and undone) when `cancel` is raised
    /// from another thread while it runs.
    pub fn execute_cancellable(
        &self,
        query: &str,
        params: impl IntoParams,
        cancel: &CancelFlag,
    ) -> Result<Rows, Error> {
        let params = params.into_params()?;
        let range = one_statement(query)?;
        self.run_at(query, range, &params, cancel, "", 1)
    }

    /// Parses `query` once, for running many times: each run plans it again only when the graph
    /// changed since the last.
    ///
    /// ```
    /// let db = kgraph::Database::in_memory();
    /// db.execute("UNWIND range(1, 100) AS i CREATE (:Host {id: i})", ())?;
    /// let by_id = db.prepare("MATCH (h:Host {id: $id}) RETURN h.id AS id")?;
    /// for id in [3, 50, 99] {
    ///     let rows = by_id.execute(kgraph::params! { "id" => id })?;
    ///     assert_eq!(rows.first().unwrap().get::<i64>("id")?, id);
    /// }
    /// # Ok::<(), kgraph::Error>(())
    /// ```
    pub fn prepare(&self, query: &str) -> Result<Prepared<'_>, Error> {
        Prepared::new(Holder::Borrowed(self), query)
    }

    /// [`Database::prepare`] for a statement that outlives any borrow of the database: it holds
    /// the database by its `Arc` (for bindings and services that keep statements in objects of
    /// their own).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let db = Arc::new(kgraph::Database::in_memory());
    /// let count = db.prepare_shared("MATCH (n) RETURN count(n) AS n")?;
    /// let worker = std::thread::spawn(move || count.execute(()).map(|rows| rows.len()));
    /// assert_eq!(worker.join().unwrap()?, 1);
    /// # Ok::<(), kgraph::Error>(())
    /// ```
    pub fn prepare_shared(self: &Arc<Self>, query: &str) -> Result<Prepared<'static>, Error> {
        Prepared::new(Holder::Shared(self.clone()), query)
    }

    /// Starts a transaction: its statements see each other's changes and no one else sees them
    /// until [`Transaction::commit`]; dropped without a commit, it is rolled back. It holds the
    /// graph alone while it is open: other statements wait for it to end.
    ///
    /// ```
    /// let db = kgraph::Database::in_memory();
    /// let mut tx = db.transaction()?;
    /// tx.execute("CREATE (:Actor {name: 'APT31'})", ())?;
    /// tx.execute("CREATE (:Actor {name: 'APT40'})", ())?;
    /// tx.rollback();
    /// assert_eq!(db.execute("MATCH (a:Actor) RETURN count(a) AS n", ())?.first().unwrap().get::<i64>("n")?, 0);
    /// # Ok::<(), kgraph::Error>(())
    /// ```
    pub fn transaction(&self) -> Result<Transaction<'_>, Error> {
        Ok(Transaction::new(self.write_state()?))
    }

    /// Runs every statement of `script` (separated by `;`), each on its own, and returns their
    /// rows; stops at the first that fails, the ones before it kept. `origin` names the script in
    /// errors (a file name, or "").
    pub fn run_script(&self, script: &str, origin: &str) -> Result<Vec<Rows>, Error> {
        let mut out = Vec::new();
        self.run_source(script, origin, 1, &mut |rows| out.push(rows))?;
        Ok(out)
    }

    fn run_source(
        &self,
        source: &str,
        origin: &str,
        first_line: usize,
        each: &mut dyn FnMut(Rows),
    ) -> Result<usize, Error> {
        let cancel = CancelFlag::new();
        let scan = split::scan(source);
        for range in &scan.statements {
            each(self.run_at(source, range.clone(), &Params::new(), &cancel, origin, first_line)?);
        }
        Ok(scan.statements.len())
    }

    /// Loads a file into the graph: a snapshot, a STIX bundle, a MISP galaxy, JSON Lines or
    /// GraphML is merged in (in a directory, written as a checkpoint at once); a Cypher script is
    /// run statement by statement, each kept as it succeeds.
    pub fn load(&self, path: impl AsRef<std::path::Path>) -> Result<LoadReport, Error> {
        let path = path.as_ref();
        let counts = |db: &Database| db.read(|g| (g.node_count(), g.edge_count()));
        let (nodes, relationships) = counts(self)?;
        let mut report = match read_file_with(path, &mut Silent)? {
            Loaded::Graph(graph, report) => {
                let mut state = self.write_state()?;
                state.refuse_writes_when_read_only().map_err(|e| Error::query(e, "", ""))?;
                state.generation += 1;
                let same_as = match &mut state.backing {
                    Backing::Memory(g) => {
                        g.absorb_checked(*graph).map_err(crate::statement::constraint_failure)?;
                        crate::misp::link_same_as(g)
                    }
                    Backing::Directory(d) => d.absorb(*graph)?,
                    Backing::View(_) => {
                        return Err(Error::query(crate::statement::refused_as_read_only(), "", ""));
                    }
                };
                state.graph_mut().prepare_reads();
                LoadReport { same_as, ..report }
            }
            Loaded::Script(script) => LoadReport {
                statements: self.run_stream(script, &path.display().to_string())?,
                ..LoadReport::default()
            },
        };
        let (now_nodes, now_relationships) = counts(self)?;
        report.nodes = now_nodes.saturating_sub(nodes);
        report.relationships = now_relationships.saturating_sub(relationships);
        Ok(report)
    }

    /// Runs the statements of a stream as they arrive, each as soon as its `;` is read; returns
    /// how many ran.
    pub fn run_stream(&self, input: impl BufRead, origin: &str) -> Result<usize, Error> {
        let mut ran = 0;
        for chunk in crate::input::Statements::new(input, origin) {
            let chunk = chunk?;
            ran += self.run_source(&chunk.text, origin, chunk.first_line, &mut drop)?;
        }
        Ok(ran)
    }

    /// Saves the graph as a snapshot file, atomically; statements may read meanwhile.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<(), Error> {
        let state = self.read_state()?;
        Ok(crate::snapshot::save(state.graph(), path.as_ref())?)
    }

    /// In a directory, writes the graph as a snapshot and starts an empty journal; in memory,
    /// there is nothing to do.
    pub fn checkpoint(&self) -> Result<(), Error> {
        let mut state = self.write_state()?;
        match &mut state.backing {
            Backing::Memory(_) => Ok(()),
            Backing::Directory(d) => d.checkpoint(),
            Backing::View(_) => Err(Error::query(crate::statement::refused_as_read_only(), "", "")),
        }
    }

    /// Reads the graph directly, shared with the statements running meanwhile.
    ///
    /// ```
    /// let db = kgraph::Database::in_memory();
    /// db.execute("CREATE (:A)-[:R]->(:B)", ())?;
    /// assert_eq!(db.read(|g| (g.node_count(), g.edge_count()))?, (2, 1));
    /// # Ok::<(), kgraph::Error>(())
    /// ```
    pub fn read<R>(&self, f: impl FnOnce(&Graph) -> R) -> Result<R, Error> {
        Ok(f(self.read_state()?.graph()))
    }

    /// What went wrong without failing a statement since the last call (an automatic checkpoint
    /// that could not be written: the journal still holds everything).
    pub fn take_warnings(&self) -> Vec<String> {
        match self.write_state() {
            Ok(mut state) => match &mut state.backing {
                Backing::Memory(_) | Backing::View(_) => Vec::new(),
                Backing::Directory(d) => d.take_warnings(),
            },
            Err(e) => vec![e.to_string()],
        }
    }

    /// Runs the statement at `range` of `source`: planned and run with the graph shared when it
    /// only reads; planned again and run with the graph alone when it writes.
    fn run_at(
        &self,
        source: &str,
        range: Range<usize>,
        params: &Params,
        cancel: &CancelFlag,
        origin: &str,
        first_line: usize,
    ) -> Result<Rows, Error> {
        let failed = |e: QueryError| Error::query_at(e, source, origin, first_line);
        if is_checkpoint(&source[range.clone()]) {
            self.checkpoint()?;
            return Ok(Rows::new(Default::default(), &Graph::new()));
        }
        let started = Instant::now();
        let statement =
            on_a_deep_enough_stack(range.len(), || parser::parse_statement(source, range.clone()))
                .map_err(failed)?;
        let parse = started.elapsed();
        let mut rows = self.run_parsed(&statement, None, params, cancel).map_err(|e| match e {
            Failure::Query(e) => failed(e),
            Failure::Other(e) => e,
        })?;
        rows.add_parse_time(parse);
        for n in rows.notifications_mut() {
            n.locate(source, first_line);
        }
        Ok(rows)
    }

    /// Runs a parsed statement, reusing `cached`'s plan while the graph has not changed.
    pub(crate) fn run_parsed(
        &self,
        statement: &Statement,
        cached: Option<&PlanCache>,
        params: &Params,
        cancel: &CancelFlag,
    ) -> Result<Rows, Failure> {
        on_a_deep_enough_stack(statement.span.end.saturating_sub(statement.span.start), || {
            {
                let state = self.read_state()?;
                let (limits, passes) = state.limits(cancel);
                let started = Instant::now();
                // The common case of a prepared read, run with the cached plan borrowed: no shared
                // counter is touched beyond the two locks' own.
                if let Some(cache) = cached {
                    let slot = cache.read().unwrap_or_else(std::sync::PoisonError::into_inner);
                    if let Some((generation, plan)) = &*slot
                        && *generation == state.generation
                        && !plan.writes()
                    {
                        let timing = Timing { plan: started.elapsed(), ..Timing::default() };
                        let out = plan.run_read(state.graph(), params, &limits, timing)?;
                        return Ok(Rows::new(out, state.graph()));
                    }
                }
                let compiled = compile(statement, &state, passes, cached)?;
                if !compiled.writes() {
                    let timing = Timing { plan: started.elapsed(), ..Timing::default() };
                    let out = compiled.run_read(state.graph(), params, &limits, timing)?;
                    return Ok(Rows::new(out, state.graph()));
                }
            }
            let mut state = self.write_state()?;
            state.refuse_writes_when_read_only()?;
            let (limits, passes) = state.limits(cancel);
            let started = Instant::now();
            // Planned again: the graph may have changed between the two locks.
            let compiled = compile(statement, &state, passes, cached)?;
            let timing = Timing { plan: started.elapsed(), ..Timing::default() };
            let journalled = state.journalled();
            let (out, effects) =
                compiled.run_write(state.graph_mut(), params, &limits, timing, journalled)?;
            state.commit(vec![effects])?;
            Ok(Rows::new(out, state.graph()))
        })
    }
}

/// A prepared statement's plan and the generation of the graph it was made against.
pub(crate) type PlanCache = RwLock<Option<(u64, Arc<Compiled>)>>;

/// Why a statement failed: the statement itself (shown against its text by the caller), or
/// something else (the journal, a poisoned lock).
pub(crate) enum Failure {
    Query(QueryError),
    Other(Error),
}

impl From<QueryError> for Failure {
    fn from(e: QueryError) -> Self {
        Failure::Query(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Other(e)
    }
}

/// The plan of `statement` against the graph as `state` holds it: `cached`'s when it was made
/// against this very graph, else a new one (kept in `cached`).
fn compile(
    statement: &Statement,
    state: &State,
    passes: Passes,
    cached: Option<&PlanCache>,
) -> Result<Arc<Compiled>, QueryError> {
    let Some(cache) = cached else {
        return Ok(Arc::new(Compiled::new(statement, state.graph(), passes)?));
    };
    // A plan is a value written whole: one a panicking thread left is still whole.
    let mut slot = cache.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((generation, plan)) = &*slot
        && *generation == state.generation
    {
        return Ok(plan.clone());
    }
    let plan = Arc::new(Compiled::new(statement, state.graph(), passes)?);
    *slot = Some((state.generation, plan.clone()));
    Ok(plan)
}

fn poisoned() -> Error {
    Error::Poisoned(
        "a thread panicked while it changed the graph: the graph may be half-changed; reopen the database"
            .into(),
    )
}

/// The range of the one statement `query` holds (a trailing `;` allowed), or the error that says
/// there are none or several.
fn one_statement(query: &str) -> Result<Range<usize>, Error> {
    let scan = split::scan(query);
    match scan.statements.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::NotOneStatement("there is no statement to run".into())),
        many => Err(Error::NotOneStatement(format!(
            "{} statements were given where one is run: run a script with Database::run_script",
            many.len()
        ))),
    }
}

fn is_checkpoint(text: &str) -> bool {
    crate::db::is_checkpoint(text)
}

/// How a prepared statement holds its database.
#[derive(Debug)]
enum Holder<'db> {
    Borrowed(&'db Database),
    Shared(Arc<Database>),
}

impl std::ops::Deref for Holder<'_> {
    type Target = Database;

    fn deref(&self) -> &Database {
        match self {
            Holder::Borrowed(db) => db,
            Holder::Shared(db) => db,
        }
    }
}

/// A statement parsed once and run many times: see [`Database::prepare`] and
/// [`Database::prepare_shared`].
#[derive(Debug)]
pub struct Prepared<'db> {
    db: Holder<'db>,
    text: String,
    statement: Statement,
    plan: PlanCache,
}

impl<'db> Prepared<'db> {
    /// The one statement of `query`, parsed; `CHECKPOINT` is refused (it is not a statement to
    /// plan).
    fn new(db: Holder<'db>, query: &str) -> Result<Prepared<'db>, Error> {
        let range = one_statement(query)?;
        if is_checkpoint(&query[range.clone()]) {
            return Err(Error::NotOneStatement("CHECKPOINT cannot be prepared: execute it".into()));
        }
        let statement = on_a_deep_enough_stack(query.len(), || parser::parse_statement(query, range))
            .map_err(|e| Error::query(e, query, ""))?;
        Ok(Prepared { db, text: query.to_string(), statement, plan: RwLock::new(None) })
    }

    /// Runs the statement with `params`.
    pub fn execute(&self, params: impl IntoParams) -> Result<Rows, Error> {
        self.execute_cancellable(params, &CancelFlag::new())
    }

    /// [`Prepared::execute`], stopped when `cancel` is raised.
    pub fn execute_cancellable(&self, params: impl IntoParams, cancel: &CancelFlag) -> Result<Rows, Error> {
        let params = params.into_params()?;
        let mut rows =
            self.db.run_parsed(&self.statement, Some(&self.plan), &params, cancel).map_err(|e| match e {
                Failure::Query(e) => Error::query(e, &self.text, ""),
                Failure::Other(e) => e,
            })?;
        for n in rows.notifications_mut() {
            n.locate(&self.text, 1);
        }
        Ok(rows)
    }

    /// The statement's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The database it runs on.
    ///
    /// ```
    /// let db = kgraph::Database::in_memory();
    /// let one = db.prepare("RETURN 1 AS one")?;
    /// assert!(std::ptr::eq(one.database(), &db));
    /// # Ok::<(), kgraph::Error>(())
    /// ```
    pub fn database(&self) -> &Database {
        &self.db
    }
}

#[cfg(test)]
mod tests;
