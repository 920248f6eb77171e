//! A result as an Arrow table: one array per column, typed by the values the column holds, handed
//! to pyarrow through the Arrow C stream interface (no Python object per value).

use std::ops::Range;
use std::sync::{Arc, Mutex};

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder, Time64NanosecondBuilder,
    TimestampNanosecondBuilder,
};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{ArrayRef, RecordBatch, RecordBatchIterator};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use engine::temporal::Temporal;
use engine::{Rows, Value};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// The Arrow type of a column: integers (with nulls), floats (integers among them become floats),
/// booleans, strings, dates (date32), local datetimes and datetimes (timestamps in nanoseconds, the
/// latter in UTC), local times (time64 in nanoseconds); anything else (times with offsets,
/// durations, temporal values outside the years a nanosecond timestamp holds) (nodes, relationships, paths, lists, maps, columns of mixed
/// types) as its JSON text.
fn column_type<'a>(values: impl Iterator<Item = &'a Value>) -> DataType {
    let mut found: Option<DataType> = None;
    for value in values {
        let this = match value {
            Value::Null => continue,
            Value::Int(_) => DataType::Int64,
            Value::Float(_) => DataType::Float64,
            Value::Bool(_) => DataType::Boolean,
            Value::String(_) => DataType::Utf8,
            Value::Temporal(t @ Temporal::Date(_)) if t.epoch_days().is_some() => DataType::Date32,
            Value::Temporal(t @ Temporal::LocalDateTime(_)) if t.epoch_nanos().is_some() => {
                DataType::Timestamp(TimeUnit::Nanosecond, None)
            }
            Value::Temporal(t @ Temporal::DateTime(_)) if t.epoch_nanos().is_some() => {
                DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
            }
            Value::Temporal(Temporal::LocalTime(_)) => DataType::Time64(TimeUnit::Nanosecond),
            _ => return DataType::LargeUtf8,
        };
        found = Some(match (found, this) {
            (None, t) => t,
            (Some(a), b) if a == b => a,
            (Some(DataType::Int64 | DataType::Float64), DataType::Int64 | DataType::Float64) => {
                DataType::Float64
            }
            _ => return DataType::LargeUtf8,
        });
    }
    // A column of nulls only: strings, all null.
    found.unwrap_or(DataType::Utf8)
}

fn column(rows: &Rows, span: Range<usize>, at: usize, ty: &DataType) -> ArrayRef {
    let len = span.len();
    let values = || rows.iter().skip(span.start).take(len).map(move |row| &row.values()[at]);
    match ty {
        DataType::Int64 => {
            let mut b = Int64Builder::with_capacity(len);
            values().for_each(|v| b.append_option(if let Value::Int(i) = v { Some(*i) } else { None }));
            Arc::new(b.finish())
        }
        DataType::Float64 => {
            let mut b = Float64Builder::with_capacity(len);
            values().for_each(|v| {
                b.append_option(match v {
                    Value::Float(f) => Some(*f),
                    Value::Int(i) => Some(*i as f64),
                    _ => None,
                })
            });
            Arc::new(b.finish())
        }
        DataType::Boolean => {
            let mut b = BooleanBuilder::with_capacity(len);
            values().for_each(|v| b.append_option(if let Value::Bool(x) = v { Some(*x) } else { None }));
            Arc::new(b.finish())
        }
        DataType::Date32 => {
            let mut b = Date32Builder::with_capacity(len);
            values().for_each(|v| {
                b.append_option(if let Value::Temporal(t) = v { t.epoch_days() } else { None })
            });
            Arc::new(b.finish())
        }
        DataType::Timestamp(_, zone) => {
            let mut b = TimestampNanosecondBuilder::with_capacity(len);
            values().for_each(|v| {
                b.append_option(if let Value::Temporal(t) = v { t.epoch_nanos() } else { None })
            });
            Arc::new(b.finish().with_timezone_opt(zone.clone()))
        }
        DataType::Time64(_) => {
            let mut b = Time64NanosecondBuilder::with_capacity(len);
            values().for_each(|v| {
                b.append_option(if let Value::Temporal(t) = v { t.local_nanos_of_day() } else { None })
            });
            Arc::new(b.finish())
        }
        DataType::Utf8 => {
            let mut b = StringBuilder::with_capacity(len, len * 8);
            values().for_each(|v| {
                b.append_option(if let Value::String(s) = v { Some(s.as_str()) } else { None })
            });
            Arc::new(b.finish())
        }
        _ => {
            let mut b = arrow_array::builder::LargeStringBuilder::with_capacity(len, len * 32);
            for row in rows.iter().skip(span.start).take(len) {
                match row.value(at) {
                    Ok(v) if !v.value().is_null() => b.append_value(v.to_json().to_string()),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
    }
}

/// Whether every column is one that Arrow hands to a DataFrame as the value-by-value conversion
/// would: integers only, floats only or booleans only, without nulls; or strings, nulls allowed.
/// Columns of anything else (entities, lists, maps, mixed types, numbers with nulls) are not.
pub(crate) fn plain_columns(rows: &Rows) -> bool {
    (0..rows.columns().len()).all(|at| {
        let mut values = rows.iter().map(|row| &row.values()[at]);
        match values.next() {
            None => true,
            Some(Value::Int(_)) => values.all(|v| matches!(v, Value::Int(_))),
            Some(Value::Float(_)) => values.all(|v| matches!(v, Value::Float(_))),
            Some(Value::Bool(_)) => values.all(|v| matches!(v, Value::Bool(_))),
            Some(Value::String(_) | Value::Null) => {
                values.all(|v| matches!(v, Value::String(_) | Value::Null))
            }
            Some(_) => false,
        }
    })
}

/// The rows as record batches of at most `chunk_size` rows each, all of one schema: a column's type
/// is decided over every row, so that the batches agree.
pub(crate) fn record_batches(
    rows: &Rows,
    chunk_size: usize,
) -> Result<(Vec<RecordBatch>, Arc<Schema>), ArrowError> {
    let types: Vec<DataType> =
        (0..rows.columns().len()).map(|at| column_type(rows.iter().map(|row| &row.values()[at]))).collect();
    let fields: Vec<Field> =
        rows.columns().iter().zip(&types).map(|(name, ty)| Field::new(name, ty.clone(), true)).collect();
    let schema = Arc::new(Schema::new(fields));
    let chunk_size = chunk_size.max(1);
    let mut batches = Vec::with_capacity(rows.len().div_ceil(chunk_size));
    let mut start = 0;
    // An empty result is still one (empty) batch, so that the table has its columns.
    while start < rows.len() || batches.is_empty() {
        let span = start..(start + chunk_size).min(rows.len());
        let columns: Vec<ArrayRef> =
            types.iter().enumerate().map(|(at, ty)| column(rows, span.clone(), at, ty)).collect();
        batches.push(RecordBatch::try_new(schema.clone(), columns)?);
        start = span.end;
    }
    Ok((batches, schema))
}

/// Record batches waiting to be taken through the Arrow PyCapsule interface
/// (`__arrow_c_stream__`), as pyarrow, polars and other Arrow consumers take them: once.
#[pyclass(module = "kgraph", name = "ArrowStream")]
pub(crate) struct ArrowStream {
    batches: Mutex<Option<(Vec<RecordBatch>, SchemaRef)>>,
}

#[pymethods]
impl ArrowStream {
    /// A PyCapsule named `arrow_array_stream` holding an `ArrowArrayStream` of the batches.
    /// The consumer moves the stream out of the capsule; a capsule dropped untaken releases it.
    #[pyo3(signature = (requested_schema = None))]
    pub(crate) fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // A requested schema is a hint the producer may ignore (the interface says so): the
        // columns' types are already the ones their values have.
        let _ = requested_schema;
        let taken = self
            .batches
            .lock()
            .map_err(|_| crate::Error::new_err("the Arrow stream's lock is poisoned"))?
            .take();
        let Some((batches, schema)) = taken else {
            return Err(crate::Error::new_err("this Arrow stream has been taken already"));
        };
        let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }
}

/// The rows as an [`ArrowStream`] of batches of at most `chunk_size` rows.
pub(crate) fn to_stream(py: Python<'_>, rows: &Rows, chunk_size: usize) -> PyResult<ArrowStream> {
    let (batches, schema) = py
        .detach(|| record_batches(rows, chunk_size))
        .map_err(|e| crate::Error::new_err(format!("the result could not be made an Arrow table: {e}")))?;
    Ok(ArrowStream { batches: Mutex::new(Some((batches, schema))) })
}

/// The rows as a pyarrow Table of batches of at most `chunk_size` rows.
pub(crate) fn to_pyarrow<'py>(
    py: Python<'py>,
    rows: &Rows,
    chunk_size: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let stream = Bound::new(py, to_stream(py, rows, chunk_size)?)?;
    py.import("pyarrow")?.getattr("table")?.call1((stream,))
}
