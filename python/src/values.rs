//! Values between the engine and Python: results out as Python objects (nodes and relationships
//! as Kùzu-shaped dicts), parameters in.

use std::collections::BTreeMap;

use engine::{Node, Relationship, Value, ValueRef};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::Error;

pub(crate) fn row_list<'py>(py: Python<'py>, row: &engine::Row<'_>) -> PyResult<Bound<'py, PyList>> {
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
pub(crate) fn node_dict<'py>(py: Python<'py>, node: &Node) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("_id", node.id.0)?;
    dict.set_item("_label", node.labels.first())?;
    dict.set_item("_labels", &node.labels)?;
    properties_into(py, &dict, &node.properties)?;
    Ok(dict)
}

/// A relationship as Kùzu's package gives one: `_id`, `_label` (its type), `_src`, `_dst`, then
/// its properties.
pub(crate) fn relationship_dict<'py>(py: Python<'py>, rel: &Relationship) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("_id", rel.id.0)?;
    dict.set_item("_label", &rel.rel_type)?;
    dict.set_item("_src", rel.start.0)?;
    dict.set_item("_dst", rel.end.0)?;
    properties_into(py, &dict, &rel.properties)?;
    Ok(dict)
}

/// A node or relationship the statement deleted: a dict of its id alone.
fn id_only(py: Python<'_>, id: u32) -> PyResult<Bound<'_, PyAny>> {
    let dict = PyDict::new(py);
    dict.set_item("_id", id)?;
    Ok(dict.into_any())
}

pub(crate) fn to_py_value<'py>(py: Python<'py>, value: ValueRef<'_>) -> PyResult<Bound<'py, PyAny>> {
    let read_err = |e: engine::GetError| Error::new_err(e.to_string());
    Ok(match value.value() {
        Value::Node(n) => match value.read::<Node>() {
            Ok(node) => node_dict(py, &node)?.into_any(),
            // Deleted by the statement that returned it: only its id is left.
            Err(_) => id_only(py, n.0)?,
        },
        Value::Relationship(e) => match value.read::<Relationship>() {
            Ok(rel) => relationship_dict(py, &rel)?.into_any(),
            Err(_) => id_only(py, e.0)?,
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
        // A result's own entity (`db.schema.visualization()`'s), shaped as a stored one is, with
        // its negative id.
        Value::VirtualNode(n) => {
            let dict = PyDict::new(py);
            dict.set_item("_id", n.id)?;
            dict.set_item("_label", n.labels.first())?;
            dict.set_item("_labels", &n.labels)?;
            properties_into(py, &dict, &n.properties)?;
            dict.into_any()
        }
        Value::VirtualRelationship(r) => {
            let dict = PyDict::new(py);
            dict.set_item("_id", r.id)?;
            dict.set_item("_label", &r.rel_type)?;
            dict.set_item("_src", r.start.id)?;
            dict.set_item("_dst", r.end.id)?;
            properties_into(py, &dict, &r.properties)?;
            dict.into_any()
        }
        Value::Path(_) => py.None().into_bound(py),
        Value::Temporal(t) => crate::temporal::to_py(py, t)?,
    })
}

/// A Python value as a parameter: None, bool, int, float, str, lists and tuples, dicts with
/// string keys.
pub(crate) fn from_py(value: &Bound<'_, PyAny>) -> PyResult<Value> {
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
    if let Some(t) = crate::temporal::from_py(value)? {
        return Ok(t);
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
