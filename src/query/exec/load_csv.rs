//! `LOAD CSV`: for each input row, a row per record of the file its source names, read as it is
//! needed (a file of any size takes the memory of one record, not of the file).

use std::collections::BTreeMap;

use super::*;
use crate::import::load_csv::{CsvFile, Field, LoadCsvError};

pub(super) struct LoadCsv<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) source: &'p CExpr,
    pub(super) slot: usize,
    pub(super) line_slot: usize,
    pub(super) file_slot: usize,
    pub(super) headers: bool,
    pub(super) delimiter: u8,
    pub(super) span: Span,
    pub(super) reading: Option<Reading>,
}

/// The file being read for one input row.
pub(super) struct Reading {
    row: Row,
    file: CsvFile,
    /// The file's path, as `file()` returns it.
    path: Value,
    /// With headers: the first record's fields, once read.
    header: Option<Vec<String>>,
}

impl<'p> Operator<'p> for LoadCsv<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            if let Some(reading) = &mut self.reading {
                ctx.interrupt.check()?;
                let fields = reading.file.next_record().map_err(|e| failed(e, self.span))?;
                let Some(fields) = fields else {
                    self.reading = None;
                    continue;
                };
                let record = if !self.headers {
                    Value::List(fields.into_iter().map(field_value).collect())
                } else if let Some(header) = &reading.header {
                    keyed(header, fields, &reading.file).map_err(|e| failed(e, self.span))?
                } else {
                    reading.header =
                        Some(header_names(fields, &reading.file).map_err(|e| failed(e, self.span))?);
                    continue;
                };
                let mut out = reading.row.clone();
                put(&mut out, self.slot, record);
                put(
                    &mut out,
                    self.line_slot,
                    Value::Int(i64::try_from(reading.file.line()).unwrap_or(i64::MAX)),
                );
                put(&mut out, self.file_slot, reading.path.clone());
                return Ok(Some(out));
            }
            let Some(row) = self.input.next(ctx)? else { return Ok(None) };
            let url = match ctx.eval(self.source, &row)? {
                Value::String(url) => url,
                other => {
                    return Err(QueryError::new(
                        ErrorKind::TypeError,
                        format!(
                            "LOAD CSV FROM takes a string (a file:/// URL or a path), got {}",
                            other.type_name()
                        ),
                        Some(self.span),
                    ));
                }
            };
            let working;
            let dir = match ctx.import_dir {
                Some(dir) => dir,
                None => {
                    working = std::env::current_dir().map_err(|e| {
                        failed(LoadCsvError(format!("the working directory cannot be read: {e}")), self.span)
                    })?;
                    &working
                }
            };
            let file = CsvFile::open(&url, dir, self.delimiter).map_err(|e| failed(e, self.span))?;
            let path = Value::String(file.path().display().to_string());
            self.reading = Some(Reading { row, file, path, header: None });
        }
    }
}

fn failed(e: LoadCsvError, span: Span) -> QueryError {
    QueryError::new(ErrorKind::ExternalResourceFailed, format!("LOAD CSV: {e}"), Some(span))
}

fn field_value(field: Field) -> Value {
    field.map_or(Value::Null, Value::String)
}

/// The header record's fields, each a key of the records after it: no two the same, or a field
/// would be lost.
fn header_names(fields: Vec<Field>, file: &CsvFile) -> Result<Vec<String>, LoadCsvError> {
    let names: Vec<String> = fields.into_iter().map(Option::unwrap_or_default).collect();
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = names.iter().find(|n| !seen.insert(n.as_str())) {
        return Err(file.error(format!("the header names the column `{twice}` twice")));
    }
    Ok(names)
}

/// A record with headers: a map from each header to its field, null for a field the record
/// lacks. A record with more fields than the header is refused rather than cut.
fn keyed(header: &[String], fields: Vec<Field>, file: &CsvFile) -> Result<Value, LoadCsvError> {
    if fields.len() > header.len() {
        return Err(file.error(format!(
            "{} fields, and the header names {}: the fields past it would have no name",
            fields.len(),
            header.len()
        )));
    }
    let mut fields = fields.into_iter();
    let map: BTreeMap<String, Value> =
        header.iter().map(|name| (name.clone(), fields.next().map_or(Value::Null, field_value))).collect();
    Ok(Value::Map(map))
}
