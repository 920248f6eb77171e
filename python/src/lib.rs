//! kgraph from Python: `Database`, `Connection`, `QueryResult`, shaped as the `kuzu` package's are,
//! over the engine's one front door ([`kgraph::Database`]). Nothing here runs a query itself.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyIndexError, PyStopIteration, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

mod arrow;
mod transaction;

use engine::{CancelFlag, ErrorKind, Node, Relationship, Rows, Value, ValueRef};

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
    #[pyo3(signature = (query, parameters=None))]
    fn execute(
        &self,
        py: Python<'_>,
        query: String,
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
                        run_interruptibly(py, self.db.clone(), query, params)?
                    }
                }
            }
        };
        Ok(QueryResult { rows, next: std::sync::atomic::AtomicUsize::new(0) })
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

/// Runs the statement on a thread of its own, so that this one can look for Ctrl-C every few
/// milliseconds; on Ctrl-C the statement is cancelled, waited for, and `KeyboardInterrupt` raised.
fn run_interruptibly(
    py: Python<'_>,
    db: Arc<engine::Database>,
    query: String,
    params: engine::Params,
) -> PyResult<Rows> {
    let cancel = CancelFlag::new();
    let flag = cancel.clone();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("kgraph statement".into())
        .spawn(move || {
            let _ = send.send(db.execute_cancellable(&query, params, &flag));
        })
        .map_err(|e| Error::new_err(format!("could not start the statement's thread: {e}")))?;
    transaction::wait(py, receive, Some(&cancel))?.map_err(to_py)
}

/// What a statement returned: read row by row (`has_next`/`get_next`, or iteration), or whole as
/// a pandas or polars DataFrame or a networkx graph.
#[pyclass(module = "kgraph", frozen)]
struct QueryResult {
    rows: Rows,
    next: std::sync::atomic::AtomicUsize,
}

#[pymethods]
impl QueryResult {
    fn get_column_names(&self) -> Vec<String> {
        self.rows.columns().to_vec()
    }

    fn has_next(&self) -> bool {
        self.next.load(std::sync::atomic::Ordering::Relaxed) < self.rows.len()
    }

    /// The next row, as a list of values in column order.
    fn get_next<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let at = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match self.rows.get(at) {
            Some(row) => row_list(py, &row),
            None => {
                self.next.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                Err(PyIndexError::new_err("no more rows"))
            }
        }
    }

    fn get_num_tuples(&self) -> usize {
        self.rows.len()
    }

    /// Starts reading from the first row again.
    fn reset_iterator(&self) {
        self.next.store(0, std::sync::atomic::Ordering::Relaxed);
    }

    fn __len__(&self) -> usize {
        self.rows.len()
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        if !self.has_next() {
            return Err(PyStopIteration::new_err(()));
        }
        self.get_next(py)
    }

    /// The rows as a pandas DataFrame, one column per result column: integers, floats and
    /// booleans without nulls as numpy arrays made from the values' bytes, the rest as Python
    /// objects.
    fn get_as_df<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pandas = py.import("pandas")?;
        let kwargs = PyDict::new(py);
        // Given, so that an empty result keeps its columns, in order.
        kwargs.set_item("columns", self.get_column_names())?;
        pandas.getattr("DataFrame")?.call((self.columns_dict(py)?,), Some(&kwargs))
    }

    /// The rows as a polars DataFrame, its columns made as [`QueryResult::get_as_df`]'s are.
    fn get_as_pl<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let polars = py.import("polars")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("strict", false)?;
        polars.getattr("DataFrame")?.call((self.columns_dict(py)?,), Some(&kwargs))
    }

    /// The rows as a pyarrow Table, through the Arrow C stream interface: integers as int64,
    /// floats as double, booleans, strings; nodes, relationships, paths, lists, maps and columns
    /// of mixed types as their JSON text (large_string). `chunk_size` is the most rows one record
    /// batch holds (Kùzu's argument of the same name).
    #[pyo3(signature = (chunk_size = 1_000_000))]
    fn get_as_arrow<'py>(&self, py: Python<'py>, chunk_size: usize) -> PyResult<Bound<'py, PyAny>> {
        if chunk_size == 0 {
            return Err(PyValueError::new_err("chunk_size must be at least 1"));
        }
        arrow::to_pyarrow(py, &self.rows, chunk_size)
    }

    /// The Arrow PyCapsule interface: `pyarrow.table(result)`, `polars.DataFrame(result)` and
    /// other Arrow consumers take the rows as `get_as_arrow` makes them, without going through
    /// pyarrow.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, pyo3::types::PyCapsule>> {
        arrow::to_stream(py, &self.rows, 1_000_000)?.__arrow_c_stream__(py, requested_schema)
    }

    /// The nodes and relationships the result holds (in any column, in lists and paths too) as a
    /// networkx `MultiDiGraph`: nodes by id with `_label` and their properties, relationships
    /// keyed by id with `_label` (their type) and their properties.
    fn get_as_networkx<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let networkx = py.import("networkx")?;
        let graph = networkx.getattr("MultiDiGraph")?.call0()?;
        let mut nodes: BTreeMap<u32, Node> = BTreeMap::new();
        let mut relationships: BTreeMap<u32, Relationship> = BTreeMap::new();
        for row in self.rows.iter() {
            for at in 0..row.columns().len() {
                let value = row.value(at).map_err(|e| Error::new_err(e.to_string()))?;
                collect(value, &mut nodes, &mut relationships);
            }
        }
        for node in nodes.values() {
            let attributes = node_dict(py, node)?;
            graph.call_method("add_node", (node.id.0,), Some(&attributes))?;
        }
        for rel in relationships.values() {
            let attributes = relationship_dict(py, rel)?;
            for end in [rel.start, rel.end] {
                if !nodes.contains_key(&end.0) {
                    graph.call_method1("add_node", (end.0,))?;
                }
            }
            let kwargs = attributes;
            kwargs.set_item("key", rel.id.0)?;
            graph.call_method("add_edge", (rel.start.0, rel.end.0), Some(&kwargs))?;
        }
        Ok(graph)
    }

    fn __repr__(&self) -> String {
        format!("<kgraph.QueryResult {} column(s), {} row(s)>", self.rows.columns().len(), self.rows.len())
    }
}

impl QueryResult {
    fn columns_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        let numpy = py.import("numpy")?;
        for (at, name) in self.rows.columns().iter().enumerate() {
            let values = || self.rows.iter().map(move |row| &row.values()[at]);
            let column = match column_kind(values()) {
                Some((kind, dtype)) => {
                    let bytes = column_bytes(values(), kind, self.rows.len());
                    let array = numpy.call_method1("frombuffer", (PyBytes::new(py, &bytes), dtype))?;
                    // A copy the DataFrame may write to (frombuffer's is read-only).
                    array.call_method0("copy")?
                }
                None => {
                    let column = PyList::empty(py);
                    for row in self.rows.iter() {
                        column.append(to_py_value(
                            py,
                            row.value(at).map_err(|e| Error::new_err(e.to_string()))?,
                        )?)?;
                    }
                    column.into_any()
                }
            };
            dict.set_item(name, column)?;
        }
        Ok(dict)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Float,
    Bool,
}

/// The numpy type a column's values all fit, without a null: integers, floats (integers among
/// them become floats), booleans. `None` for anything else, and for no rows.
fn column_kind<'a>(values: impl Iterator<Item = &'a Value>) -> Option<(Kind, &'static str)> {
    let mut kind = None;
    for value in values {
        let this = match value {
            Value::Int(_) => Kind::Int,
            Value::Float(_) => Kind::Float,
            Value::Bool(_) => Kind::Bool,
            _ => return None,
        };
        kind = match (kind, this) {
            (None, k) => Some(k),
            (Some(a), b) if a == b => Some(a),
            (Some(Kind::Int | Kind::Float), Kind::Int | Kind::Float) => Some(Kind::Float),
            _ => return None,
        };
    }
    kind.map(|k| {
        (
            k,
            match k {
                Kind::Int => "<i8",
                Kind::Float => "<f8",
                Kind::Bool => "?",
            },
        )
    })
}

fn column_bytes<'a>(values: impl Iterator<Item = &'a Value>, kind: Kind, rows: usize) -> Vec<u8> {
    let width = if kind == Kind::Bool { 1 } else { 8 };
    let mut bytes = Vec::with_capacity(rows * width);
    for value in values {
        match (kind, value) {
            (Kind::Int, Value::Int(i)) => bytes.extend_from_slice(&i.to_le_bytes()),
            (Kind::Float, Value::Float(f)) => bytes.extend_from_slice(&f.to_le_bytes()),
            (Kind::Float, Value::Int(i)) => bytes.extend_from_slice(&(*i as f64).to_le_bytes()),
            (Kind::Bool, Value::Bool(b)) => bytes.push(u8::from(*b)),
            // column_kind let through only values of the kind.
            _ => {}
        }
    }
    bytes
}

fn collect(value: ValueRef<'_>, nodes: &mut BTreeMap<u32, Node>, rels: &mut BTreeMap<u32, Relationship>) {
    match value.value() {
        Value::Node(_) => {
            if let Ok(node) = value.read::<Node>() {
                nodes.insert(node.id.0, node);
            }
        }
        Value::Relationship(_) => {
            if let Ok(rel) = value.read::<Relationship>() {
                rels.insert(rel.id.0, rel);
            }
        }
        Value::Path(_) => {
            if let Ok(path) = value.read::<engine::Path>() {
                nodes.extend(path.nodes.into_iter().map(|n| (n.id.0, n)));
                rels.extend(path.relationships.into_iter().map(|r| (r.id.0, r)));
            }
        }
        Value::List(items) => items.iter().for_each(|v| collect(value.with(v), nodes, rels)),
        Value::Map(map) => map.values().for_each(|v| collect(value.with(v), nodes, rels)),
        _ => {}
    }
}

fn row_list<'py>(py: Python<'py>, row: &engine::Row<'_>) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for at in 0..row.columns().len() {
        list.append(to_py_value(py, row.value(at).map_err(|e| Error::new_err(e.to_string()))?)?)?;
    }
    Ok(list)
}

fn properties_into<'py>(
    py: Python<'py>,
    dict: &Bound<'py, PyDict>,
    properties: &BTreeMap<String, Value>,
) -> PyResult<()> {
    for (k, v) in properties {
        dict.set_item(k, plain_to_py(py, v)?)?;
    }
    Ok(())
}

/// A node as Kùzu's package gives one: `_id`, `_label` (its first label), `_labels`, then its
/// properties.
fn node_dict<'py>(py: Python<'py>, node: &Node) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("_id", node.id.0)?;
    dict.set_item("_label", node.labels.first())?;
    dict.set_item("_labels", &node.labels)?;
    properties_into(py, &dict, &node.properties)?;
    Ok(dict)
}

/// A relationship as Kùzu's package gives one: `_id`, `_label` (its type), `_src`, `_dst`, then
/// its properties.
fn relationship_dict<'py>(py: Python<'py>, rel: &Relationship) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("_id", rel.id.0)?;
    dict.set_item("_label", &rel.rel_type)?;
    dict.set_item("_src", rel.start.0)?;
    dict.set_item("_dst", rel.end.0)?;
    properties_into(py, &dict, &rel.properties)?;
    Ok(dict)
}

fn to_py_value<'py>(py: Python<'py>, value: ValueRef<'_>) -> PyResult<Bound<'py, PyAny>> {
    let read_err = |e: engine::GetError| Error::new_err(e.to_string());
    Ok(match value.value() {
        Value::Node(n) => match value.read::<Node>() {
            Ok(node) => node_dict(py, &node)?.into_any(),
            // Deleted by the statement that returned it: only its id is left.
            Err(_) => {
                let dict = PyDict::new(py);
                dict.set_item("_id", n.0)?;
                dict.into_any()
            }
        },
        Value::Relationship(e) => match value.read::<Relationship>() {
            Ok(rel) => relationship_dict(py, &rel)?.into_any(),
            Err(_) => {
                let dict = PyDict::new(py);
                dict.set_item("_id", e.0)?;
                dict.into_any()
            }
        },
        Value::Path(_) => {
            let path = value.read::<engine::Path>().map_err(read_err)?;
            let dict = PyDict::new(py);
            let nodes = PyList::empty(py);
            for n in &path.nodes {
                nodes.append(node_dict(py, n)?)?;
            }
            let rels = PyList::empty(py);
            for r in &path.relationships {
                rels.append(relationship_dict(py, r)?)?;
            }
            dict.set_item("_nodes", nodes)?;
            dict.set_item("_rels", rels)?;
            dict.into_any()
        }
        Value::List(items) => {
            let list = PyList::empty(py);
            for v in items {
                list.append(to_py_value(py, value.with(v))?)?;
            }
            list.into_any()
        }
        Value::Map(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py_value(py, value.with(v))?)?;
            }
            dict.into_any()
        }
        plain => plain_to_py(py, plain)?,
    })
}

/// A value that names no node or relationship (a property's).
fn plain_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => PyFloat::new(py, *f).into_any(),
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::List(items) => {
            let list = PyList::empty(py);
            for v in items {
                list.append(plain_to_py(py, v)?)?;
            }
            list.into_any()
        }
        Value::Map(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, plain_to_py(py, v)?)?;
            }
            dict.into_any()
        }
        Value::Node(n) => n.0.into_pyobject(py)?.into_any(),
        Value::Relationship(e) => e.0.into_pyobject(py)?.into_any(),
        Value::Path(_) => py.None().into_bound(py),
    })
}

/// A Python value as a parameter: None, bool, int, float, str, lists and tuples, dicts with
/// string keys.
fn from_py(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if value.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: Python's bools are ints.
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        let i: i64 =
            value.extract().map_err(|_| PyValueError::new_err("an integer parameter past 64 bits"))?;
        return Ok(Value::Int(i));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Ok(Value::Float(f.value()));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(Value::String(value.extract::<String>()?));
    }
    if let Ok(list) = value.cast::<PyList>() {
        return list.iter().map(|v| from_py(&v)).collect::<PyResult<Vec<_>>>().map(Value::List);
    }
    if let Ok(tuple) = value.cast::<PyTuple>() {
        return tuple.iter().map(|v| from_py(&v)).collect::<PyResult<Vec<_>>>().map(Value::List);
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let mut map = BTreeMap::new();
        for (k, v) in dict.iter() {
            let key: String = k.extract().map_err(|_| PyValueError::new_err("map keys are strings"))?;
            map.insert(key, from_py(&v)?);
        }
        return Ok(Value::Map(map));
    }
    Err(PyValueError::new_err(format!(
        "a parameter of type {} cannot be given to kgraph",
        value.get_type().name()?
    )))
}

#[pymodule]
fn kgraph(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Database>()?;
    m.add_class::<Connection>()?;
    m.add_class::<QueryResult>()?;
    m.add_class::<Transaction>()?;
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
