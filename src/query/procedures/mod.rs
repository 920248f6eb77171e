//! Procedures for `CALL name(args) YIELD …` and the `SHOW …` commands: what a database's shape is,
//! read the way Neo4j's tools read it (`db.labels`, `db.schema.nodeTypeProperties`, APOC's
//! `apoc.meta.data`, …), with the columns and types Neo4j documents so that those tools work
//! unchanged. A procedure is a function of the graph and its arguments to rows; the registry is
//! fixed at compile time, and the REPL's completion and `:help` read it.

mod fulltext;
mod meta;
mod schema;

use std::sync::Arc;

use crate::graph::Graph;
use crate::value::{Value, equivalent};

/// An input or output of a procedure: its name and its type as Neo4j writes it (`STRING`,
/// `LIST<STRING>`, `INTEGER`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub ty: &'static str,
    /// For an input a call may leave out, what it is then, as Neo4j's signatures write it
    /// (`options = {} :: MAP`); the procedure sees fewer arguments.
    pub default: Option<&'static str>,
}

const fn field(name: &'static str, ty: &'static str) -> Field {
    Field { name, ty, default: None }
}

const fn optional(name: &'static str, ty: &'static str, default: &'static str) -> Field {
    Field { name, ty, default: Some(default) }
}

/// One procedure: its signature, what it is for, and what computes its rows.
pub struct Procedure {
    pub name: &'static str,
    pub inputs: &'static [Field],
    pub outputs: &'static [Field],
    pub description: &'static str,
    /// Listed by `dbms.procedures()` and `SHOW PROCEDURES` (the `SHOW` commands are not).
    pub listed: bool,
    run: Body,
}

/// What computes a procedure's rows from the graph and the arguments; an error is the reason.
type Body = fn(&Graph, &[Value]) -> Result<Vec<Vec<Value>>, String>;

impl std::fmt::Debug for Procedure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl Procedure {
    /// Neo4j's form: `db.labels() :: (label :: STRING)`.
    pub fn signature(&self) -> String {
        let named: Vec<String> = self
            .inputs
            .iter()
            .map(|f| f.default.map_or_else(|| f.name.to_string(), |d| format!("{} = {d}", f.name)))
            .collect();
        let inputs: Vec<(&str, &str)> =
            named.iter().zip(self.inputs).map(|(n, f)| (n.as_str(), f.ty)).collect();
        let outputs: Vec<(&str, &str)> = self.outputs.iter().map(|f| (f.name, f.ty)).collect();
        signature(self.name, &inputs, &outputs)
    }

    /// The rows for these arguments (as many as `inputs`, checked by the planner), each with a
    /// value per output.
    pub fn call(&self, graph: &Graph, args: &[Value]) -> Result<Vec<Vec<Value>>, String> {
        (self.run)(graph, args)
    }
}

fn signature(name: &str, inputs: &[(&str, &str)], outputs: &[(&str, &str)]) -> String {
    let list = |fields: &[(&str, &str)]| {
        fields.iter().map(|(n, t)| format!("{n} :: {t}")).collect::<Vec<_>>().join(", ")
    };
    format!("{name}({}) :: ({})", list(inputs), list(outputs))
}

/// Every procedure, in name order.
pub fn all() -> &'static [Procedure] {
    PROCEDURES
}

/// The procedure of this name (exactly as written, as Neo4j's are), if there is one.
pub fn lookup(name: &str) -> Option<&'static Procedure> {
    PROCEDURES.iter().find(|p| p.name == name)
}

/// The procedure whose name is nearest to `name`, for "did you mean".
pub fn nearest(name: &str) -> Option<&'static str> {
    PROCEDURES
        .iter()
        .filter(|p| p.listed)
        .map(|p| (strsim::levenshtein(&p.name.to_ascii_lowercase(), &name.to_ascii_lowercase()), p.name))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, n)| n)
}

/// The most inputs and outputs a declared procedure may have, and the longest signature read.
const MAX_FIELDS: usize = 64;
const MAX_SIGNATURE: usize = 4096;

/// A procedure whose rows are data: a call yields the outputs of the rows whose inputs equal its
/// arguments (as `DISTINCT` compares them, so `null` matches `null` and `1` matches `1.0`). How the
/// TCK declares its test procedures, and how a program embedding kgraph offers a lookup table to
/// queries ([`crate::Session::register_procedure`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TableProcedure {
    pub name: String,
    /// (name, type) of each input, then of each output; types as Neo4j writes them, without `?`.
    pub inputs: Vec<(String, String)>,
    pub outputs: Vec<(String, String)>,
    /// Each row holds a value per input, then a value per output.
    rows: Vec<Vec<Value>>,
}

impl TableProcedure {
    /// Reads `name(in :: TYPE?, …) :: (out :: TYPE?, …)` (`::` and `()` for none), and checks that
    /// every row has a value per input and output.
    pub fn new(signature: &str, rows: Vec<Vec<Value>>) -> Result<TableProcedure, String> {
        if signature.len() > MAX_SIGNATURE {
            return Err(format!("a signature of {} bytes is longer than {MAX_SIGNATURE}", signature.len()));
        }
        let bad = || format!("`{signature}` is not `name(in :: TYPE, …) :: (out :: TYPE, …)`");
        let (name, rest) = signature.split_once('(').ok_or_else(bad)?;
        let (inputs, rest) = rest.split_once(')').ok_or_else(bad)?;
        let outputs = rest.trim().strip_prefix("::").ok_or_else(bad)?.trim();
        let outputs = outputs.strip_prefix('(').and_then(|o| o.strip_suffix(')')).ok_or_else(bad)?;
        let fields = |list: &str| -> Result<Vec<(String, String)>, String> {
            let list = list.trim();
            if list.is_empty() {
                return Ok(Vec::new());
            }
            let fields: Vec<&str> = list.split(',').collect();
            if fields.len() > MAX_FIELDS {
                return Err(format!("more than {MAX_FIELDS} fields in `{signature}`"));
            }
            fields
                .into_iter()
                .map(|f| {
                    let (n, t) = f.split_once("::").ok_or_else(bad)?;
                    Ok((n.trim().to_string(), t.trim().trim_end_matches('?').to_ascii_uppercase()))
                })
                .collect()
        };
        let (name, inputs, outputs) = (name.trim().to_string(), fields(inputs)?, fields(outputs)?);
        let width = inputs.len() + outputs.len();
        if let Some(row) = rows.iter().find(|r| r.len() != width) {
            return Err(format!(
                "{name}: a row of {} values, where the signature has {width} fields",
                row.len()
            ));
        }
        Ok(TableProcedure { name, inputs, outputs, rows })
    }

    fn call(&self, args: &[Value]) -> Vec<Vec<Value>> {
        let n = self.inputs.len();
        self.rows
            .iter()
            .filter(|r| r[..n].iter().zip(args).all(|(a, b)| equivalent(a, b)))
            .map(|r| r[n..].to_vec())
            .collect()
    }
}

/// What a `CALL` runs: a procedure of kgraph's, or one declared by the program.
#[derive(Debug, Clone)]
pub enum Callee {
    Builtin(&'static Procedure),
    Table(Arc<TableProcedure>),
}

impl Callee {
    pub fn name(&self) -> &str {
        match self {
            Callee::Builtin(p) => p.name,
            Callee::Table(t) => &t.name,
        }
    }

    /// (name, type) of each input.
    pub fn inputs(&self) -> Vec<(&str, &str)> {
        match self {
            Callee::Builtin(p) => p.inputs.iter().map(|f| (f.name, f.ty)).collect(),
            Callee::Table(t) => t.inputs.iter().map(|(n, ty)| (n.as_str(), ty.as_str())).collect(),
        }
    }

    /// How many inputs a call must give: the first ones, those without a default.
    pub fn required_inputs(&self) -> usize {
        match self {
            Callee::Builtin(p) => p.inputs.iter().take_while(|f| f.default.is_none()).count(),
            Callee::Table(t) => t.inputs.len(),
        }
    }

    /// (name, type) of each output.
    pub fn outputs(&self) -> Vec<(&str, &str)> {
        match self {
            Callee::Builtin(p) => p.outputs.iter().map(|f| (f.name, f.ty)).collect(),
            Callee::Table(t) => t.outputs.iter().map(|(n, ty)| (n.as_str(), ty.as_str())).collect(),
        }
    }

    pub fn signature(&self) -> String {
        match self {
            Callee::Builtin(p) => p.signature(),
            Callee::Table(_) => signature(self.name(), &self.inputs(), &self.outputs()),
        }
    }

    pub fn call(&self, graph: &Graph, args: &[Value]) -> Result<Vec<Vec<Value>>, String> {
        match self {
            Callee::Builtin(p) => p.call(graph, args),
            Callee::Table(t) => Ok(t.call(args)),
        }
    }
}

/// The procedure `name` names: one declared by the program first, then kgraph's.
pub fn resolve(name: &str, declared: &[Arc<TableProcedure>]) -> Option<Callee> {
    match declared.iter().find(|t| t.name == name) {
        Some(t) => Some(Callee::Table(t.clone())),
        None => lookup(name).map(Callee::Builtin),
    }
}

static PROCEDURES: &[Procedure] = &[
    Procedure {
        name: "SHOW CONSTRAINTS",
        inputs: &[],
        outputs: &[
            field("id", "INTEGER"),
            field("name", "STRING"),
            field("type", "STRING"),
            field("entityType", "STRING"),
            field("labelsOrTypes", "LIST<STRING>"),
            field("properties", "LIST<STRING>"),
            field("ownedIndex", "STRING"),
            field("propertyType", "STRING"),
        ],
        description: "The constraints, on nodes and on relationships.",
        listed: false,
        run: schema::show_constraints,
    },
    Procedure {
        name: "SHOW FUNCTIONS",
        inputs: &[],
        outputs: &[field("name", "STRING"), field("category", "STRING"), field("isBuiltIn", "BOOLEAN")],
        description: "The functions a query may call.",
        listed: false,
        run: schema::functions,
    },
    Procedure {
        name: "SHOW INDEXES",
        inputs: &[],
        outputs: &[
            field("id", "INTEGER"),
            field("name", "STRING"),
            field("state", "STRING"),
            field("populationPercent", "FLOAT"),
            field("type", "STRING"),
            field("entityType", "STRING"),
            field("labelsOrTypes", "LIST<STRING>"),
            field("properties", "LIST<STRING>"),
            field("indexProvider", "STRING"),
            field("owningConstraint", "STRING"),
        ],
        description: "The property indexes, on nodes and on relationships.",
        listed: false,
        run: schema::show_indexes,
    },
    Procedure {
        name: "SHOW PROCEDURES",
        inputs: &[],
        outputs: &[
            field("name", "STRING"),
            field("description", "STRING"),
            field("mode", "STRING"),
            field("worksOnSystem", "BOOLEAN"),
        ],
        description: "The procedures CALL may run.",
        listed: false,
        run: |_, _| {
            Ok(listed()
                .map(|p| vec![p.name.into(), p.description.into(), "READ".into(), Value::Bool(false)])
                .collect())
        },
    },
    Procedure {
        name: "apoc.meta.data",
        inputs: &[],
        outputs: meta::OUTPUTS,
        description: "Each label's and relationship type's properties and types, and each label's outgoing relationships with the labels they reach, as APOC reports them.",
        listed: true,
        run: meta::data,
    },
    Procedure {
        name: "db.index.fulltext.awaitEventuallyConsistentIndexRefresh",
        inputs: &[],
        outputs: &[],
        description: "Returns at once: kgraph's full-text indexes are current after every write, never eventually.",
        listed: true,
        run: |_, _| Ok(Vec::new()),
    },
    Procedure {
        name: "db.index.fulltext.listAvailableAnalyzers",
        inputs: &[],
        outputs: &[
            field("analyzer", "STRING"),
            field("description", "STRING"),
            field("stopwords", "LIST<STRING>"),
        ],
        description: "The analyzers a full-text index may use: kgraph has Neo4j's default one.",
        listed: true,
        run: |_, _| {
            let what = "Unicode word boundaries (UAX #29), lowercased, no stop words, as Lucene's StandardAnalyzer without stop words.";
            Ok(vec![vec!["standard-no-stop-words".into(), what.into(), Value::List(Vec::new())]])
        },
    },
    Procedure {
        name: "db.index.fulltext.queryNodes",
        inputs: &[
            field("indexName", "STRING"),
            field("queryString", "STRING"),
            optional("options", "MAP", "{}"),
        ],
        outputs: &[field("node", "NODE"), field("score", "FLOAT")],
        description: "Query the given full-text index (Lucene query syntax); the nodes found, best first, with their BM25 scores. Options: skip, limit.",
        listed: true,
        run: fulltext::query_nodes,
    },
    Procedure {
        name: "db.index.fulltext.queryRelationships",
        inputs: &[
            field("indexName", "STRING"),
            field("queryString", "STRING"),
            optional("options", "MAP", "{}"),
        ],
        outputs: &[field("relationship", "RELATIONSHIP"), field("score", "FLOAT")],
        description: "Query the given full-text index (Lucene query syntax); the relationships found, best first, with their BM25 scores. Options: skip, limit.",
        listed: true,
        run: fulltext::query_relationships,
    },
    Procedure {
        name: "db.indexes",
        inputs: &[],
        outputs: &[
            field("id", "INTEGER"),
            field("name", "STRING"),
            field("state", "STRING"),
            field("populationPercent", "FLOAT"),
            field("uniqueness", "STRING"),
            field("type", "STRING"),
            field("entityType", "STRING"),
            field("labelsOrTypes", "LIST<STRING>"),
            field("properties", "LIST<STRING>"),
            field("provider", "STRING"),
        ],
        description: "List all indexes in the database.",
        listed: true,
        run: schema::db_indexes,
    },
    Procedure {
        name: "db.labels",
        inputs: &[],
        outputs: &[field("label", "STRING")],
        description: "List all labels in the database.",
        listed: true,
        run: |g, _| Ok(g.schema().labels.into_keys().map(|l| vec![Value::String(l)]).collect()),
    },
    Procedure {
        name: "db.propertyKeys",
        inputs: &[],
        outputs: &[field("propertyKey", "STRING")],
        description: "List all property keys in the database.",
        listed: true,
        run: schema::property_keys,
    },
    Procedure {
        name: "db.relationshipTypes",
        inputs: &[],
        outputs: &[field("relationshipType", "STRING")],
        description: "List all relationship types in the database.",
        listed: true,
        run: |g, _| Ok(g.schema().edge_types.into_keys().map(|t| vec![Value::String(t)]).collect()),
    },
    Procedure {
        name: "db.schema.nodeTypeProperties",
        inputs: &[],
        outputs: &[
            field("nodeType", "STRING"),
            field("nodeLabels", "LIST<STRING>"),
            field("propertyName", "STRING"),
            field("propertyTypes", "LIST<STRING>"),
            field("mandatory", "BOOLEAN"),
        ],
        description: "Show the derived property schema of the nodes in tabular form.",
        listed: true,
        run: schema::node_type_properties,
    },
    Procedure {
        name: "db.schema.relTypeProperties",
        inputs: &[],
        outputs: &[
            field("relType", "STRING"),
            field("propertyName", "STRING"),
            field("propertyTypes", "LIST<STRING>"),
            field("mandatory", "BOOLEAN"),
        ],
        description: "Show the derived property schema of the relationships in tabular form.",
        listed: true,
        run: schema::rel_type_properties,
    },
    Procedure {
        name: "db.schema.visualization",
        inputs: &[],
        outputs: &[field("nodes", "LIST<NODE>"), field("relationships", "LIST<RELATIONSHIP>")],
        description: "Visualizes the schema of the data: a virtual node per label and a virtual relationship per pattern of labels and type.",
        listed: true,
        run: schema::visualization,
    },
    Procedure {
        name: "dbms.components",
        inputs: &[],
        outputs: &[field("name", "STRING"), field("versions", "LIST<STRING>"), field("edition", "STRING")],
        description: "List the components of the DBMS with their versions and edition: kgraph's own.",
        listed: true,
        run: |_, _| {
            Ok(vec![vec![
                "kgraph".into(),
                Value::List(vec![env!("CARGO_PKG_VERSION").into()]),
                "community".into(),
            ]])
        },
    },
    Procedure {
        name: "dbms.procedures",
        inputs: &[],
        outputs: &[
            field("name", "STRING"),
            field("signature", "STRING"),
            field("description", "STRING"),
            field("mode", "STRING"),
            field("worksOnSystem", "BOOLEAN"),
        ],
        description: "List all procedures in the DBMS.",
        listed: true,
        run: |_, _| {
            Ok(listed()
                .map(|p| {
                    vec![
                        p.name.into(),
                        p.signature().into(),
                        p.description.into(),
                        "READ".into(),
                        Value::Bool(false),
                    ]
                })
                .collect())
        },
    },
];

fn listed() -> impl Iterator<Item = &'static Procedure> {
    PROCEDURES.iter().filter(|p| p.listed)
}

#[cfg(test)]
mod tests;
