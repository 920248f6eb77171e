//! kgraph from Python: `Database`, `Connection`, `QueryResult`, shaped as the `kuzu` package's are,
//! over the engine's one front door ([`kgraph::Database`]). Nothing here runs a query itself.

use std::sync::Arc;
use std::time::Duration;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

mod arrow;
mod result;
mod temporal;
mod transaction;
mod values;

use result::QueryResult;
use values::from_py;

use engine::{CancelFlag, ErrorKind, Rows};

// Only the Rust code of this module allocates through it; Python's objects keep Python's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

create_exception!(kgraph, Error, PyException, "Every error kgraph raises.");
create_exception!(kgraph, SyntaxError, Error, "The text is not a statement kgraph understands.");
create_exception!(
    kgraph,
    SemanticError,
    Error,
    "A well-formed statement that means nothing: an unknown variable, a misplaced aggregate."
);
create_exception!(kgraph, TypeError, Error, "A value of the wrong type while the statement ran.");
create_exception!(kgraph, ArgumentError, Error, "A function argument outside its domain.");
create_exception!(kgraph, ArithmeticError, Error, "Integer overflow or division by zero.");
create_exception!(kgraph, ParameterMissing, Error, "A parameter the statement uses was not given.");
create_exception!(kgraph, EntityNotFound, Error, "A deleted node or relationship was used.");
create_exception!(kgraph, ConstraintError, Error, "A change that would break the graph's rules.");
create_exception!(
    kgraph,
    InterruptedError,
    Error,
    "The statement was cancelled, ran out of time or of its memory budget."
);
create_exception!(kgraph, ReadOnlyError, Error, "A statement that writes, on a database opened read-only.");
create_exception!(
    kgraph,
    DatabaseError,
    Error,
    "A file or database directory that could not be read or written."
);

/// The Python exception for an engine error, carrying its message (with `line L, column C`).
fn to_py(e: engine::Error) -> PyErr {
    let message = e.to_string();
    match e.as_query().map(|q| q.kind) {
        Some(ErrorKind::SyntaxError) => SyntaxError::new_err(message),
        Some(ErrorKind::SemanticError) => SemanticError::new_err(message),
        Some(ErrorKind::TypeError) => TypeError::new_err(message),
        Some(ErrorKind::ArgumentError) => ArgumentError::new_err(message),
        Some(ErrorKind::ArithmeticError) => ArithmeticError::new_err(message),
        Some(ErrorKind::ParameterMissing) => ParameterMissing::new_err(message),
        Some(ErrorKind::EntityNotFound) => EntityNotFound::new_err(message),
        Some(ErrorKind::ConstraintValidationFailed) => ConstraintError::new_err(message),
        Some(ErrorKind::Cancelled | ErrorKind::Timeout | ErrorKind::MemoryLimitExceeded) => {
            InterruptedError::new_err(message)
        }
        Some(ErrorKind::ReadOnly) => ReadOnlyError::new_err(message),
        Some(_) => Error::new_err(message),
        None => match e {
            engine::Error::Get(_) | engine::Error::Parameters(_) | engine::Error::NotOneStatement(_) => {
                Error::new_err(message)
            }
            _ => DatabaseError::new_err(message),
        },
    }
}

/// A graph, in memory (`path=None`) or in a database directory whose every change is on disk
/// before `execute` returns. `read_only=True` opens a directory without its lock, as it is at that
/// moment, so that it can be read while another process writes it.
#[pyclass(module = "kgraph", frozen)]
struct Database {
    inner: Arc<engine::Database>,
    writer: Arc<transaction::Writer>,
}

#[pymethods]
impl Database {
    #[new]
    #[pyo3(signature = (path=None, read_only=false))]
    fn new(py: Python<'_>, path: Option<std::path::PathBuf>, read_only: bool) -> PyResult<Database> {
        let db = match path {
            None => engine::Database::in_memory(),
            // Without the directory's lock: another process may be writing it.
            Some(dir) if read_only => py.detach(|| engine::Database::open_read_only(&dir)).map_err(to_py)?,
            Some(dir) => py.detach(|| engine::Database::open(&dir)).map_err(to_py)?,
        };
        db.set_read_only(read_only);
        Ok(Database { inner: Arc::new(db), writer: Arc::default() })
    }

    /// Loads a file: a snapshot, STIX 2.1 bundle, MISP galaxy, GraphML, JSON Lines or a Cypher
    /// script. Returns how many nodes and relationships it added.
    fn load(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<(usize, usize)> {
        self.writer.refuse_self_wait()?;
        let db = self.inner.clone();
        let report = py.detach(move || db.load(&path)).map_err(to_py)?;
        Ok((report.nodes, report.relationships))
    }

    /// Saves the graph as a snapshot file.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        self.writer.refuse_self_wait()?;
        let db = self.inner.clone();
        py.detach(move || db.save(&path)).map_err(to_py)
    }

    /// In a database directory, writes a snapshot and starts an empty journal.
    fn checkpoint(&self, py: Python<'_>) -> PyResult<()> {
        self.writer.refuse_self_wait()?;
        let db = self.inner.clone();
        py.detach(move || db.checkpoint()).map_err(to_py)
    }

    /// The directory `LOAD CSV` reads files from (`None`: the working directory). Nothing outside
    /// it is read, through `..`, an absolute path or a link.
    fn set_import_dir(&self, path: Option<std::path::PathBuf>) -> PyResult<()> {
        if let Some(dir) = &path
            && !dir.is_dir()
        {
            return Err(PyValueError::new_err(format!("{} is not a directory", dir.display())));
        }
        self.inner.set_import_dir(path.as_deref());
        Ok(())
    }

    /// How long a statement may run, in seconds (`None`: as long as it needs).
    fn set_timeout(&self, seconds: Option<f64>) -> PyResult<()> {
        let timeout = seconds
            .map(|s| Duration::try_from_secs_f64(s).map_err(|e| PyValueError::new_err(e.to_string())))
            .transpose()?;
        self.inner.set_timeout(timeout);
        Ok(())
    }
}

/// Runs statements against a [`Database`]; many connections may query one database from many
/// threads at once. A connection has at most one transaction open: while it is, the
/// connection's statements run inside it.
#[pyclass(module = "kgraph", frozen)]
struct Connection {
    db: Arc<engine::Database>,
    writer: Arc<transaction::Writer>,
    open: std::sync::Mutex<Option<transaction::Open>>,
    transactions_begun: std::sync::atomic::AtomicU64,
}

impl Connection {
    fn open(&self) -> std::sync::MutexGuard<'_, Option<transaction::Open>> {
        // A panic while the lock was held left nothing half-changed in the Option.
        self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    // The connection's lock is never held while waiting with the GIL released: another Python
    // thread holding the GIL could be waiting for the lock, and the waiter for the GIL.
    fn begin(&self, py: Python<'_>) -> PyResult<u64> {
        if self.open().is_some() {
            return Err(Error::new_err("a transaction is open on this connection already"));
        }
        let id = self.transactions_begun.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let tx = transaction::Open::begin(py, self.db.clone(), self.writer.clone(), id)?;
        let mut open = self.open();
        if open.is_some() {
            // Another thread began one on this connection meanwhile: this one gives way.
            drop(open);
            tx.finish(py, false)?;
            return Err(Error::new_err("a transaction is open on this connection already"));
        }
        *open = Some(tx);
        Ok(id)
    }

    /// Ends the open transaction (`id`: only if it is that one).
    fn finish(&self, py: Python<'_>, id: Option<u64>, commit: bool) -> PyResult<()> {
        let tx = {
            let mut open = self.open();
            match open.take() {
                Some(tx) if id.is_none_or(|id| id == tx.id) => tx,
                other => {
                    *open = other;
                    return Err(Error::new_err(
                        "no transaction is open here: it was committed or rolled back already",
                    ));
                }
            }
        };
        tx.finish(py, commit)
    }
}

#[pymethods]
impl Connection {
    #[new]
    fn new(database: &Database) -> Connection {
        Connection {
            db: database.inner.clone(),
            writer: database.writer.clone(),
            open: std::sync::Mutex::new(None),
            transactions_begun: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Runs one statement with its parameters (a dict of name to value), inside the open
    /// transaction if there is one. Kùzu's `BEGIN TRANSACTION`, `COMMIT` and `ROLLBACK` open
    /// and end one.
    ///
    /// `query` is the statement's text or a [`PreparedStatement`] from `prepare`.
    #[pyo3(signature = (query, parameters=None))]
    fn execute(
        &self,
        py: Python<'_>,
        query: Query,
        parameters: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<QueryResult> {
        let mut params = engine::Params::new();
        if let Some(dict) = parameters {
            for (k, v) in dict.iter() {
                let name: String =
                    k.extract().map_err(|_| PyValueError::new_err("parameter names are strings"))?;
                params.insert(name, from_py(&v)?);
            }
        }
        let query = match query {
            Query::Text(text) => text,
            Query::Prepared(prepared) => return self.execute_prepared(py, &prepared.get().inner, params),
        };
        let rows = match transaction::control(&query) {
            Some(control) => {
                match control {
                    transaction::Control::Begin => self.begin(py).map(drop)?,
                    transaction::Control::Commit => self.finish(py, None, true)?,
                    transaction::Control::Rollback => self.finish(py, None, false)?,
                }
                Rows::default()
            }
            None => {
                // Bound first: a guard in the match's scrutinee would live through the statement.
                let open = self.open().as_ref().map(transaction::Open::statements);
                match open {
                    Some(tx) => tx.execute(py, query, params)?,
                    None => {
                        self.writer.refuse_self_wait()?;
                        let db = self.db.clone();
                        run_interruptibly(py, move |cancel| db.execute_cancellable(&query, params, cancel))?
                    }
                }
            }
        };
        Ok(QueryResult { rows, next: std::sync::atomic::AtomicUsize::new(0) })
    }

    /// Parses a statement once, for `execute(prepared, parameters)` many times: each run plans
    /// it again only when the graph changed since the last.
    fn prepare(&self, py: Python<'_>, query: String) -> PyResult<PreparedStatement> {
        let db = self.db.clone();
        let prepared = py.detach(move || db.prepare_shared(&query)).map_err(to_py)?;
        Ok(PreparedStatement { inner: Arc::new(prepared) })
    }

    /// Opens a transaction on this connection: `with conn.transaction(): …` commits at the end
    /// of the block, or rolls back if it raised; `commit()` and `rollback()` end it early. It
    /// holds the database alone until it ends (readers wait too).
    fn transaction(slf: &Bound<'_, Connection>) -> PyResult<Transaction> {
        let id = slf.get().begin(slf.py())?;
        Ok(Transaction { connection: slf.clone().unbind(), id })
    }
}

/// A transaction open on a [`Connection`]: a context manager, or ended by `commit()` or
/// `rollback()`. Dropped unended, it is rolled back.
#[pyclass(module = "kgraph", frozen)]
struct Transaction {
    connection: Py<Connection>,
    id: u64,
}

impl Drop for Transaction {
    /// An unended transaction whose object Python lets go is rolled back, as the engine's is.
    fn drop(&mut self) {
        let connection = self.connection.get();
        let mut open = connection.open();
        if open.as_ref().is_some_and(|tx| tx.id == self.id) {
            // Dropping it closes its channel; its thread rolls back.
            open.take();
        }
    }
}

#[pymethods]
impl Transaction {
    /// Lets every statement of the transaction stand (in a directory, once it is on disk).
    fn commit(&self, py: Python<'_>) -> PyResult<()> {
        self.connection.get().finish(py, Some(self.id), true)
    }

    /// Takes back every statement of the transaction.
    fn rollback(&self, py: Python<'_>) -> PyResult<()> {
        self.connection.get().finish(py, Some(self.id), false)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Commits if the block ended normally and the transaction is still open, else rolls back;
    /// the block's exception, if any, goes on.
    #[pyo3(signature = (exc_type=None, _exc_value=None, _traceback=None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        _exc_value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let still_open = self.connection.get().open().as_ref().is_some_and(|tx| tx.id == self.id);
        if still_open {
            let failed = exc_type.is_some_and(|t| !t.is_none());
            self.connection.get().finish(py, Some(self.id), !failed)?;
        }
        Ok(false)
    }
}

/// Runs `statement` on a thread of its own, so that this one can look for Ctrl-C every few
/// milliseconds; on Ctrl-C the statement is cancelled, waited for, and `KeyboardInterrupt` raised.
fn run_interruptibly(
    py: Python<'_>,
    statement: impl FnOnce(&CancelFlag) -> Result<Rows, engine::Error> + Send + 'static,
) -> PyResult<Rows> {
    let cancel = CancelFlag::new();
    let flag = cancel.clone();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("kgraph statement".into())
        .spawn(move || {
            let _ = send.send(statement(&flag));
        })
        .map_err(|e| Error::new_err(format!("could not start the statement's thread: {e}")))?;
    transaction::wait(py, receive, Some(&cancel))?.map_err(to_py)
}

/// What `Connection.execute` takes: a statement's text, or a statement prepared.
#[derive(FromPyObject)]
enum Query {
    Text(String),
    Prepared(Py<PreparedStatement>),
}

impl Connection {
    fn execute_prepared(
        &self,
        py: Python<'_>,
        prepared: &Arc<engine::Prepared<'static>>,
        params: engine::Params,
    ) -> PyResult<QueryResult> {
        if !std::ptr::eq(prepared.database(), &*self.db) {
            return Err(Error::new_err("this statement was prepared on another database"));
        }
        let open = self.open().as_ref().map(transaction::Open::statements);
        let rows = match open {
            // A transaction runs statements on its own thread, from their text.
            Some(tx) => tx.execute(py, prepared.text().to_string(), params)?,
            None => {
                self.writer.refuse_self_wait()?;
                let prepared = prepared.clone();
                run_interruptibly(py, move |cancel| prepared.execute_cancellable(params, cancel))?
            }
        };
        Ok(QueryResult { rows, next: std::sync::atomic::AtomicUsize::new(0) })
    }
}

/// A statement parsed once (`Connection.prepare`), run by `Connection.execute(prepared, …)`.
#[pyclass(module = "kgraph", frozen)]
struct PreparedStatement {
    inner: Arc<engine::Prepared<'static>>,
}

#[pymethods]
impl PreparedStatement {
    /// The statement's text.
    #[getter]
    fn text(&self) -> &str {
        self.inner.text()
    }

    fn __repr__(&self) -> String {
        format!("<kgraph.PreparedStatement {:?}>", self.inner.text())
    }
}

#[pymodule]
fn kgraph(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Database>()?;
    m.add_class::<Connection>()?;
    m.add_class::<QueryResult>()?;
    m.add_class::<Transaction>()?;
    m.add_class::<PreparedStatement>()?;
    m.add_class::<arrow::ArrowStream>()?;
    m.add("Error", py.get_type::<Error>())?;
    m.add("SyntaxError", py.get_type::<SyntaxError>())?;
    m.add("SemanticError", py.get_type::<SemanticError>())?;
    m.add("TypeError", py.get_type::<TypeError>())?;
    m.add("ArgumentError", py.get_type::<ArgumentError>())?;
    m.add("ArithmeticError", py.get_type::<ArithmeticError>())?;
    m.add("ParameterMissing", py.get_type::<ParameterMissing>())?;
    m.add("EntityNotFound", py.get_type::<EntityNotFound>())?;
    m.add("ConstraintError", py.get_type::<ConstraintError>())?;
    m.add("InterruptedError", py.get_type::<InterruptedError>())?;
    m.add("ReadOnlyError", py.get_type::<ReadOnlyError>())?;
    m.add("DatabaseError", py.get_type::<DatabaseError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
