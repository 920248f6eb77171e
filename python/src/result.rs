//! What a statement returned, as Python reads it: row by row, or whole as a DataFrame, an Arrow
//! table or a networkx graph.

use std::collections::BTreeMap;

use engine::{Node, Relationship, Rows, Value, ValueRef};
use pyo3::exceptions::{PyIndexError, PyStopIteration, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::values::{node_dict, relationship_dict, row_list, to_py_value};
use crate::{Error, arrow};

/// What a statement returned: read row by row (`has_next`/`get_next`, or iteration), or whole as
/// a pandas or polars DataFrame or a networkx graph.
#[pyclass(module = "kgraph", frozen)]
pub(crate) struct QueryResult {
    pub(crate) rows: Rows,
    pub(crate) next: std::sync::atomic::AtomicUsize,
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
    ///
    /// When every column is plain (numbers of one type without nulls, or strings) and pyarrow is
    /// there, the frame is made through Arrow instead: the same columns, made quicker.
    fn get_as_df<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if arrow::plain_columns(&self.rows) && py.import("pyarrow").is_ok() {
            return arrow::to_pyarrow(py, &self.rows, 1_000_000)?.call_method0("to_pandas");
        }
        let pandas = py.import("pandas")?;
        let kwargs = PyDict::new(py);
        // Given, so that an empty result keeps its columns, in order.
        kwargs.set_item("columns", self.get_column_names())?;
        pandas.getattr("DataFrame")?.call((self.columns_dict(py)?,), Some(&kwargs))
    }

    /// The rows as a polars DataFrame, its columns made as [`QueryResult::get_as_df`]'s are.
    fn get_as_pl<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let polars = py.import("polars")?;
        if arrow::plain_columns(&self.rows) {
            // Polars reads the Arrow stream itself (the PyCapsule interface): no pyarrow needed.
            let stream = Bound::new(py, arrow::to_stream(py, &self.rows, 1_000_000)?)?;
            return polars.getattr("DataFrame")?.call1((stream,));
        }
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
