//! The abstract syntax tree of a statement. Spans are byte offsets into the text the statement came
//! from; they take no part in equality, so that a printed and re-parsed statement compares equal.
//!
//! `Display` prints valid Cypher that parses back to the same tree (with every operation parenthesised).

mod display;

use crate::value::Value;

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Span {}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub explain: bool,
    /// `PROFILE`: run the statement, then show the plan with each operator's rows and time.
    pub profile: bool,
    /// `CREATE INDEX …` or `DROP INDEX …`: the statement is this command (and has no clauses).
    pub index: Option<SchemaCommand>,
    pub clauses: Vec<Clause>,
    /// Queries joined to the first by `UNION` (`all`: `UNION ALL`, which keeps duplicates).
    pub unions: Vec<Union>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    pub all: bool,
    pub clauses: Vec<Clause>,
}

impl Statement {
    /// Every clause of every query of the statement.
    pub fn all_clauses(&self) -> impl Iterator<Item = &Clause> {
        self.clauses.iter().chain(self.unions.iter().flat_map(|u| u.clauses.iter()))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    Match(MatchClause),
    Call(CallClause),
    CallSubquery(CallSubquery),
    Foreach(ForeachClause),
    Unwind(UnwindClause),
    LoadCsv(LoadCsvClause),
    With(WithClause),
    Create(CreateClause),
    Merge(MergeClause),
    Set(SetClause),
    Remove(RemoveClause),
    Delete(DeleteClause),
    Return(ReturnClause),
}

impl Clause {
    pub fn span(&self) -> Span {
        match self {
            Clause::Match(c) => c.span,
            Clause::Call(c) => c.span,
            Clause::CallSubquery(c) => c.span,
            Clause::Foreach(c) => c.span,
            Clause::Unwind(c) => c.span,
            Clause::LoadCsv(c) => c.span,
            Clause::With(c) => c.projection.span,
            Clause::Create(c) => c.span,
            Clause::Merge(c) => c.span,
            Clause::Set(c) => c.span,
            Clause::Remove(c) => c.span,
            Clause::Delete(c) => c.span,
            Clause::Return(c) => c.span,
        }
    }

    /// Whether the clause changes the graph.
    pub fn writes(&self) -> bool {
        match self {
            Clause::CallSubquery(c) => c.query.all_clauses().any(Clause::writes),
            _ => matches!(
                self,
                Clause::Create(_)
                    | Clause::Merge(_)
                    | Clause::Set(_)
                    | Clause::Remove(_)
                    | Clause::Delete(_)
                    | Clause::Foreach(_)
            ),
        }
    }
}

/// `FOREACH (variable IN list | updates)`: the updates run once per element, the row passes on.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeachClause {
    pub variable: Ident,
    pub list: Expr,
    pub updates: Vec<Clause>,
    pub span: Span,
}

/// `CALL { query }`: the query run for each row, its rows joined to the row (or, without RETURN, the
/// row passed on once the query ran).
#[derive(Debug, Clone, PartialEq)]
pub struct CallSubquery {
    /// The outer variables the query sees: `CALL (a, b) { … }`, or the plain variables of a `WITH`
    /// that opens it (`CALL { WITH a … }`, which then stays out of `query`); `None` for `CALL (*)`,
    /// every one.
    pub imports: Option<Vec<Ident>>,
    /// Whether the imports were written as a scope, `CALL (…) { … }`, rather than a leading WITH.
    pub scoped: bool,
    pub query: Query,
    pub span: Span,
}

/// `CALL name(args) YIELD field AS alias, … WHERE …`, and `SHOW INDEXES` (a call of the procedure
/// named `SHOW INDEXES`).
#[derive(Debug, Clone, PartialEq)]
pub struct CallClause {
    pub procedure: String,
    pub procedure_span: Span,
    /// `None` when written without brackets: the arguments are the parameters named as the inputs.
    pub args: Option<Vec<Expr>>,
    /// `None` without `YIELD`; `Some(None)` for `YIELD *`.
    pub yields: Option<Option<Vec<YieldItem>>>,
    pub predicate: Option<Expr>,
    /// Written as `SHOW …`.
    pub show: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct YieldItem {
    pub field: Ident,
    pub alias: Option<Ident>,
}

impl YieldItem {
    /// The variable the field is bound to.
    pub fn variable(&self) -> &Ident {
        self.alias.as_ref().unwrap_or(&self.field)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnwindClause {
    pub expr: Expr,
    pub variable: Ident,
    pub span: Span,
}

/// `LOAD CSV [WITH HEADERS] FROM source AS variable [FIELDTERMINATOR 'c']`: a row per record of the
/// file, the record bound to `variable` as a list of its fields or, with headers, a map.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadCsvClause {
    pub headers: bool,
    pub source: Expr,
    pub variable: Ident,
    /// The byte between fields: `,` unless told.
    pub delimiter: u8,
    pub span: Span,
}

/// `WITH`: a projection like `RETURN`'s, then an optional filter; only its columns stay in scope.
#[derive(Debug, Clone, PartialEq)]
pub struct WithClause {
    pub projection: ReturnClause,
    pub predicate: Option<Expr>,
}

/// `MERGE pattern [ON CREATE SET …] [ON MATCH SET …]`: match the pattern, or create it whole.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeClause {
    pub pattern: Pattern,
    pub on_create: Vec<SetItem>,
    pub on_match: Vec<SetItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SetClause {
    pub items: Vec<SetItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SetItem {
    /// `SET n.key = value`
    Property { variable: Ident, key: String, value: Expr },
    /// `SET n = {map}`: replaces every property.
    Replace { variable: Ident, value: Expr },
    /// `SET n += {map}`: adds and overwrites.
    Merge { variable: Ident, value: Expr },
    /// `SET n:Label:Other`
    Labels { variable: Ident, labels: Vec<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoveClause {
    pub items: Vec<RemoveItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RemoveItem {
    Property { variable: Ident, key: String },
    Labels { variable: Ident, labels: Vec<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeleteClause {
    pub detach: bool,
    pub exprs: Vec<Expr>,
    pub span: Span,
}

/// A property index on one label and one key.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaCommand {
    pub create: bool,
    /// `CREATE INDEX name …`, `DROP INDEX name`.
    pub name: Option<Ident>,
    /// `IF NOT EXISTS` (creating) or `IF EXISTS` (dropping): the index there already, or not
    /// there, is no error.
    pub if_exists: bool,
    /// What the index is on; `None` for `DROP INDEX name` and full-text indexes.
    pub target: Option<IndexTarget>,
    /// What a full-text index (`CREATE FULLTEXT INDEX`) is on.
    pub fulltext: Option<FulltextTarget>,
    /// `CREATE CONSTRAINT` or `DROP CONSTRAINT` rather than an index command.
    pub constraint: bool,
    /// What a constraint created requires.
    pub requires: Option<ConstraintTarget>,
}

/// `FOR (n:L) REQUIRE n.p IS UNIQUE` and the like.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstraintTarget {
    /// The label, or with `relationship` the relationship type.
    pub on: String,
    pub keys: Vec<String>,
    pub relationship: bool,
    pub kind: crate::graph::ConstraintKind,
}

impl SchemaCommand {
    /// A command on what `name` names, and nothing else yet: `DROP INDEX name`, the base of others.
    pub fn by_name(create: bool, name: Option<Ident>, if_exists: bool) -> SchemaCommand {
        SchemaCommand {
            create,
            name,
            if_exists,
            target: None,
            fulltext: None,
            constraint: false,
            requires: None,
        }
    }
}

/// `FOR (n:A|B) ON EACH [n.x, n.y]`, `FOR ()-[r:T|U]-() ON EACH [r.x]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FulltextTarget {
    /// The labels, or with `relationship` the relationship types.
    pub on: Vec<String>,
    pub keys: Vec<String>,
    pub relationship: bool,
}

/// `FOR (n:Label) ON (n.key)`, `FOR ()-[r:TYPE]-() ON (r.key)`.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexTarget {
    pub variable: Ident,
    /// The label, or with `relationship` the relationship type.
    pub label: String,
    pub key: String,
    /// `FOR ()-[r:TYPE]-()`: an index on relationships of the type.
    pub relationship: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatchClause {
    pub optional: bool,
    pub patterns: Vec<Pattern>,
    pub predicate: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateClause {
    pub patterns: Vec<Pattern>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReturnClause {
    pub distinct: bool,
    pub star: bool,
    pub items: Vec<ReturnItem>,
    pub order_by: Vec<SortItem>,
    pub skip: Option<Expr>,
    pub limit: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ReturnItem {
    pub expr: Expr,
    pub alias: Option<Ident>,
    /// The column name: the alias, or the expression's text as written.
    pub name: String,
}

/// The column name is presentation (it keeps the text as typed), so it takes no part in equality.
impl PartialEq for ReturnItem {
    fn eq(&self, other: &Self) -> bool {
        self.expr == other.expr && self.alias == other.alias
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortItem {
    pub expr: Expr,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A path pattern: a node, then any number of (relationship, node) steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub path_variable: Option<Ident>,
    pub start: NodePattern,
    pub steps: Vec<(RelPattern, NodePattern)>,
    /// `shortestPath(…)` (`Some(false)`) or `allShortestPaths(…)` (`Some(true)`).
    pub shortest: Option<bool>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodePattern {
    pub variable: Option<Ident>,
    /// The labels the node must all have (`:A:B`, `:A&B`).
    pub labels: Vec<String>,
    /// A label expression that is more than a conjunction of labels (`:A|B`, `:!A`, `:%`); the
    /// node must satisfy it as well as carry `labels`.
    pub label_expr: Option<LabelExpr>,
    pub properties: Vec<(String, Expr)>,
    /// `(n $props)`: a parameter holding every property (in CREATE only).
    pub properties_param: Option<Expr>,
    /// `(n {})`: a map written with nothing in it, which a bound variable may not be given either.
    pub empty_map: bool,
    pub span: Span,
}

/// A label expression (GQL, Neo4j 5): `!` binds tightest, then `&`, then `|`; `%` is any label.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelExpr {
    Label(String),
    /// `%`: at least one label (on a relationship, any type).
    Any,
    Not(Box<LabelExpr>),
    And(Vec<LabelExpr>),
    Or(Vec<LabelExpr>),
}

impl LabelExpr {
    /// Whether an entity satisfies the expression, `has` telling whether it carries a label and
    /// `any` whether it carries at least one.
    pub fn matches(&self, has: &dyn Fn(&str) -> bool, any: bool) -> bool {
        match self {
            LabelExpr::Label(l) => has(l),
            LabelExpr::Any => any,
            LabelExpr::Not(e) => !e.matches(has, any),
            LabelExpr::And(items) => items.iter().all(|e| e.matches(has, any)),
            LabelExpr::Or(items) => items.iter().any(|e| e.matches(has, any)),
        }
    }

    /// The labels, when the expression only asks for all of them (`A`, `A&B`).
    pub fn conjunction(&self) -> Option<Vec<String>> {
        match self {
            LabelExpr::Label(l) => Some(vec![l.clone()]),
            LabelExpr::And(items) => {
                let mut all = Vec::new();
                for item in items {
                    all.extend(item.conjunction()?);
                }
                Some(all)
            }
            _ => None,
        }
    }

    /// Every label the expression names, for notifications of unknown ones.
    pub fn names(&self, out: &mut Vec<String>) {
        match self {
            LabelExpr::Label(l) => out.push(l.clone()),
            LabelExpr::Any => {}
            LabelExpr::Not(e) => e.names(out),
            LabelExpr::And(items) | LabelExpr::Or(items) => items.iter().for_each(|e| e.names(out)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelDirection {
    /// `-[]->`
    Right,
    /// `<-[]-`
    Left,
    /// `-[]-`
    Either,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RelPattern {
    pub variable: Option<Ident>,
    pub types: Vec<String>,
    pub direction: RelDirection,
    /// `*min..max`, present only for variable-length patterns.
    pub length: Option<(Option<u64>, Option<u64>)>,
    pub properties: Vec<(String, Expr)>,
    /// `[r $props]`: a parameter holding every property (in CREATE only).
    pub properties_param: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Value),
    Parameter(String),
    Variable(String),
    Property(Box<Expr>, String),
    Subscript(Box<Expr>, Box<Expr>),
    List(Vec<Expr>),
    Map(Vec<(String, Expr)>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    IsNull {
        operand: Box<Expr>,
        negated: bool,
    },
    Call {
        name: String,
        distinct: bool,
        args: Vec<Expr>,
    },
    CountStar,
    /// `CASE [subject] WHEN … THEN … [ELSE …] END`
    Case {
        subject: Option<Box<Expr>>,
        branches: Vec<(Expr, Expr)>,
        default: Option<Box<Expr>>,
    },
    /// `[variable IN list WHERE predicate | projection]`
    ListComprehension {
        variable: String,
        list: Box<Expr>,
        predicate: Option<Box<Expr>>,
        projection: Option<Box<Expr>>,
    },
    /// `all|any|none|single(variable IN list WHERE predicate)`
    Quantifier {
        kind: Quantifier,
        variable: String,
        list: Box<Expr>,
        predicate: Box<Expr>,
    },
    /// `reduce(accumulator = init, variable IN list | body)`
    Reduce {
        accumulator: String,
        init: Box<Expr>,
        variable: String,
        list: Box<Expr>,
        body: Box<Expr>,
    },
    /// `list[from..to]`
    Slice {
        target: Box<Expr>,
        from: Option<Box<Expr>>,
        to: Option<Box<Expr>>,
    },
    /// `n {.name, key: expr, .*, variable}`
    MapProjection {
        base: Box<Expr>,
        items: Vec<ProjectionItem>,
    },
    /// `n:Label:Other`: whether a node has every one of the labels.
    HasLabels(Box<Expr>, Vec<String>),
    /// `n:A|B`, `n:!A`, `n:%`: whether a node's labels (a relationship's type) satisfy the expression.
    LabelTest(Box<Expr>, LabelExpr),
    /// A pattern used as a predicate: true when it matches at least once.
    Pattern(Box<Pattern>),
    /// `[p = (a)-->(b) WHERE predicate | projection]`
    PatternComprehension {
        pattern: Box<Pattern>,
        predicate: Option<Box<Expr>>,
        projection: Box<Expr>,
    },
    /// `EXISTS { MATCH patterns WHERE predicate }`
    Exists {
        patterns: Vec<Pattern>,
        predicate: Option<Box<Expr>>,
    },
    /// `EXISTS { query }`, `COUNT { query }`, `COLLECT { query }`: a query run for each row, with
    /// the row's variables in scope.
    Subquery(SubqueryKind, Box<Query>),
}

/// What a subquery expression makes of its query's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubqueryKind {
    /// Whether there is one.
    Exists,
    /// How many there are.
    Count,
    /// The list of their one column's values.
    Collect,
}

/// A query inside a statement: its clauses, then the queries UNION joins to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub clauses: Vec<Clause>,
    pub unions: Vec<Union>,
    pub span: Span,
}

impl Query {
    /// Every clause of every part.
    pub fn all_clauses(&self) -> impl Iterator<Item = &Clause> {
        self.clauses.iter().chain(self.unions.iter().flat_map(|u| u.clauses.iter()))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProjectionItem {
    /// `.key`
    Property(String),
    /// `.*`
    AllProperties,
    /// `key: expr`
    Entry(String, Expr),
    /// `variable`, short for `variable: variable`
    Variable(String, Span),
}

impl Pattern {
    /// The property expressions of its nodes and relationships.
    pub fn expressions(&self) -> impl Iterator<Item = &Expr> {
        self.start.properties.iter().map(|(_, e)| e).chain(self.steps.iter().flat_map(|(r, n)| {
            r.properties.iter().map(|(_, e)| e).chain(n.properties.iter().map(|(_, e)| e))
        }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    All,
    Any,
    None,
    Single,
}

impl Quantifier {
    pub fn name(self) -> &'static str {
        match self {
            Quantifier::All => "all",
            Quantifier::Any => "any",
            Quantifier::None => "none",
            Quantifier::Single => "single",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Negate,
    Plus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    Xor,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Regex,
    StartsWith,
    EndsWith,
    Contains,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Or => "OR",
            Xor => "XOR",
            And => "AND",
            Eq => "=",
            Ne => "<>",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Regex => "=~",
            StartsWith => "STARTS WITH",
            EndsWith => "ENDS WITH",
            Contains => "CONTAINS",
            In => "IN",
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Mod => "%",
            Pow => "^",
        }
    }
}

impl Expr {
    /// Calls `visit` on this expression and every sub-expression, parents first.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a Expr)) {
        visit(self);
        match &self.kind {
            ExprKind::Literal(_) | ExprKind::Parameter(_) | ExprKind::Variable(_) | ExprKind::CountStar => {}
            ExprKind::Property(e, _) | ExprKind::Unary(_, e) => e.walk(visit),
            ExprKind::IsNull { operand, .. } => operand.walk(visit),
            ExprKind::Subscript(a, b) | ExprKind::Binary(_, a, b) => {
                a.walk(visit);
                b.walk(visit);
            }
            ExprKind::List(items) | ExprKind::Call { args: items, .. } => {
                items.iter().for_each(|e| e.walk(visit))
            }
            ExprKind::Map(entries) => entries.iter().for_each(|(_, e)| e.walk(visit)),
            _ => self.children().into_iter().for_each(|e| e.walk(visit)),
        }
    }

    /// The direct sub-expressions.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Literal(_) | ExprKind::Parameter(_) | ExprKind::Variable(_) | ExprKind::CountStar => {
                Vec::new()
            }
            ExprKind::Property(e, _) | ExprKind::Unary(_, e) => vec![e],
            ExprKind::IsNull { operand, .. } => vec![operand],
            ExprKind::Subscript(a, b) | ExprKind::Binary(_, a, b) => vec![a, b],
            ExprKind::List(items) | ExprKind::Call { args: items, .. } => items.iter().collect(),
            ExprKind::Map(entries) => entries.iter().map(|(_, e)| e).collect(),
            ExprKind::Case { subject, branches, default } => subject
                .iter()
                .map(|b| &**b)
                .chain(branches.iter().flat_map(|(w, t)| [w, t]))
                .chain(default.iter().map(|b| &**b))
                .collect(),
            ExprKind::ListComprehension { list, predicate, projection, .. } => std::iter::once(&**list)
                .chain(predicate.iter().map(|b| &**b))
                .chain(projection.iter().map(|b| &**b))
                .collect(),
            ExprKind::Quantifier { list, predicate, .. } => vec![list, predicate],
            ExprKind::Reduce { init, list, body, .. } => vec![init, list, body],
            ExprKind::Pattern(p) => p.expressions().collect(),
            ExprKind::HasLabels(e, _) | ExprKind::LabelTest(e, _) => vec![e],
            ExprKind::MapProjection { base, items } => std::iter::once(&**base)
                .chain(
                    items
                        .iter()
                        .filter_map(|i| if let ProjectionItem::Entry(_, e) = i { Some(e) } else { None }),
                )
                .collect(),
            ExprKind::PatternComprehension { pattern, predicate, projection } => pattern
                .expressions()
                .chain(predicate.iter().map(|b| &**b))
                .chain(std::iter::once(&**projection))
                .collect(),
            ExprKind::Exists { patterns, predicate } => {
                patterns.iter().flat_map(|p| p.expressions()).chain(predicate.iter().map(|b| &**b)).collect()
            }
            // A scope of its own: what is inside is not this expression's (an aggregate inside
            // aggregates the subquery's rows).
            ExprKind::Subquery(..) => Vec::new(),
            ExprKind::Slice { target, from, to } => std::iter::once(&**target)
                .chain(from.iter().map(|b| &**b))
                .chain(to.iter().map(|b| &**b))
                .collect(),
        }
    }
}
