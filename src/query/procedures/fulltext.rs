//! `db.index.fulltext.*`: querying full-text indexes as Neo4j's procedures do, entities best first
//! with their BM25 scores.

use crate::graph::{EdgeId, Graph, NodeId};
use crate::value::Value;

type Rows = Result<Vec<Vec<Value>>, String>;

/// The options a query takes (`{skip: 10, limit: 5}`); Neo4j's `analyzer` option is refused, as
/// an index has the one analyzer it was built with.
struct Options {
    skip: usize,
    limit: Option<usize>,
}

fn text_argument<'a>(args: &'a [Value], at: usize, what: &str) -> Result<&'a str, String> {
    match args.get(at) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("the {what} must be a string, not {}", other.type_name())),
        None => Err(format!("the {what} is missing")),
    }
}

fn options(args: &[Value]) -> Result<Options, String> {
    let mut options = Options { skip: 0, limit: None };
    let map = match args.get(2) {
        None | Some(Value::Null) => return Ok(options),
        Some(Value::Map(map)) => map,
        Some(other) => return Err(format!("the options must be a map, not {}", other.type_name())),
    };
    for (key, value) in map {
        let count = match value {
            Value::Int(n) if *n >= 0 => usize::try_from(*n).unwrap_or(usize::MAX),
            _ => return Err(format!("option `{key}` must be a non-negative integer, not {value}")),
        };
        match key.as_str() {
            "skip" => options.skip = count,
            "limit" => options.limit = Some(count),
            _ => return Err(format!("unknown option `{key}`: a full-text query takes `skip` and `limit`")),
        }
    }
    Ok(options)
}

fn query(g: &Graph, args: &[Value], relationship: bool) -> Rows {
    let name = text_argument(args, 0, "index name")?;
    let text = text_argument(args, 1, "query")?;
    let options = options(args)?;
    let hits = g.fulltext_query(name, relationship, text).map_err(|e| e.to_string())?;
    let entity =
        |id: u32| if relationship { Value::Relationship(EdgeId(id)) } else { Value::Node(NodeId(id)) };
    Ok(hits
        .into_iter()
        .skip(options.skip)
        .take(options.limit.unwrap_or(usize::MAX))
        .map(|(id, score)| vec![entity(id), Value::Float(score)])
        .collect())
}

pub(super) fn query_nodes(g: &Graph, args: &[Value]) -> Rows {
    query(g, args, false)
}

pub(super) fn query_relationships(g: &Graph, args: &[Value]) -> Rows {
    query(g, args, true)
}
