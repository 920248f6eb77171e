//! What the command line and the REPL run statements against: an in-memory session, or a database
//! directory whose changes are journalled.

use std::path::Path;
use std::time::Duration;

use kgraph::Loaded;
use kgraph::db::Directory;
use kgraph::db::OpenReport;
use kgraph::progress::{Progress, Unit};
use kgraph::{CancelFlag, Error, Graph, LoadReport, QueryOutput, Session, Value};

pub enum Engine {
    Memory(Box<Session>),
    Db(Box<Directory>),
}

impl Engine {
    pub fn open_db(dir: &Path) -> Result<(Engine, OpenReport), Error> {
        let (db, report) = Directory::open(dir)?;
        Ok((Engine::Db(Box::new(db)), report))
    }

    /// A database directory read without its lock, as it is now, refusing writes: for reading a
    /// database another process has open (see `Database::open_read_only`).
    pub fn open_db_read_only(dir: &Path) -> Result<(Engine, OpenReport), Error> {
        let (mut graph, report) = kgraph::db::read_only_view(dir)?;
        graph.prepare_reads();
        let mut session = Session::with_graph(graph);
        session.set_read_only(true);
        Ok((Engine::Memory(Box::new(session)), report))
    }

    pub fn session(&self) -> &Session {
        match self {
            Engine::Memory(s) => s,
            Engine::Db(db) => db.session(),
        }
    }

    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        match self {
            Engine::Memory(s) => s.set_timeout(timeout),
            Engine::Db(db) => db.set_timeout(timeout),
        }
    }

    pub fn set_max_memory(&mut self, bytes: Option<u64>) {
        match self {
            Engine::Memory(s) => s.set_max_memory(bytes),
            Engine::Db(db) => db.set_max_memory(bytes),
        }
    }

    pub fn set_import_dir(&mut self, dir: Option<&Path>) {
        match self {
            Engine::Memory(s) => s.set_import_dir(dir),
            Engine::Db(db) => db.set_import_dir(dir),
        }
    }

    pub fn cancel_flag(&self) -> CancelFlag {
        self.session().cancel_flag()
    }

    pub fn set_param(&mut self, name: impl Into<String>, value: Value) {
        match self {
            Engine::Memory(s) => s.set_param(name, value),
            Engine::Db(db) => db.set_param(name, value),
        }
    }

    pub fn run_each(
        &mut self,
        text: &str,
        origin: &str,
        each: impl FnMut(&Graph, QueryOutput),
    ) -> Result<usize, Error> {
        match self {
            Engine::Memory(s) => s.run_each(text, origin, each),
            Engine::Db(db) => {
                let ran = db.run_each(text, origin, each);
                for warning in db.take_warnings() {
                    eprintln!("warning: {warning}");
                }
                ran
            }
        }
    }

    /// Runs the statements of a stream as they arrive, each before more is read.
    pub fn run_stream(
        &mut self,
        input: impl std::io::BufRead,
        origin: &str,
        each: impl FnMut(&Graph, QueryOutput),
    ) -> Result<usize, Error> {
        match self {
            Engine::Memory(s) => s.run_stream(input, origin, each),
            Engine::Db(db) => {
                let ran = db.run_stream(input, origin, each);
                for warning in db.take_warnings() {
                    eprintln!("warning: {warning}");
                }
                ran
            }
        }
    }

    /// A snapshot, a STIX bundle or a script into the graph. Into a database, a script's statements
    /// are journalled one by one and a graph is merged and checkpointed at once.
    pub fn load_file(&mut self, path: &Path, progress: &mut dyn Progress) -> Result<LoadReport, Error> {
        match self {
            Engine::Memory(s) => s.load_file_with(path, progress),
            Engine::Db(db) => {
                let (nodes, rels) = (db.session().graph().node_count(), db.session().graph().edge_count());
                let mut report = match kgraph::read_file_with(path, progress)? {
                    Loaded::Graph(graph, report) => {
                        progress.stage("merging and writing a checkpoint", None, Unit::Items);
                        let same_as = db.absorb(*graph)?;
                        LoadReport { same_as, ..report }
                    }
                    Loaded::Script(script) => LoadReport {
                        statements: db.run_stream(script, &path.display().to_string(), |_, _| {})?,
                        ..LoadReport::default()
                    },
                };
                let g = db.session().graph();
                report.nodes = g.node_count().saturating_sub(nodes);
                report.relationships = g.edge_count().saturating_sub(rels);
                Ok(report)
            }
        }
    }

    /// Replaces the graph with what a file holds: a snapshot or a STIX bundle, or the graph a
    /// script builds from nothing. The file is read whole before anything changes, so a file that
    /// fails to load leaves the graph as it was; into a database, the new graph is a checkpoint.
    pub fn replace_with_file(
        &mut self,
        path: &Path,
        progress: &mut dyn Progress,
    ) -> Result<LoadReport, Error> {
        if self.session().is_read_only() {
            let refused = kgraph::QueryError::new(
                kgraph::ErrorKind::ReadOnly,
                format!("{}: not loaded, the database was opened read-only", path.display()),
                None,
            );
            return Err(Error::query(refused, "", ""));
        }
        let mut fresh = Session::new();
        fresh.set_timeout(self.session().timeout());
        fresh.set_max_memory(self.session().max_memory());
        let mut report = fresh.load_file_with(path, progress)?;
        let graph = fresh.into_graph();
        report.nodes = graph.node_count();
        report.relationships = graph.edge_count();
        match self {
            Engine::Memory(s) => *s.graph_mut() = graph,
            Engine::Db(db) => {
                progress.stage("writing a checkpoint", None, Unit::Items);
                db.replace(graph)?;
            }
        }
        Ok(report)
    }

    pub fn save(&self, path: &Path) -> Result<(), Error> {
        self.session().save(path)
    }

    pub fn checkpoint(&mut self) -> Result<(), String> {
        match self {
            Engine::Memory(s) if s.is_read_only() => Err("the database was opened read-only".into()),
            Engine::Memory(_) => Err("no database is open: start kgraph with --db DIR".into()),
            Engine::Db(db) => db.checkpoint().map_err(|e| e.to_string()),
        }
    }
}
