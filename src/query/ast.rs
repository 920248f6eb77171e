//! The abstract syntax tree of a statement. Spans are byte offsets into the text the statement came
//! from; they take no part in equality, so that a printed and re-parsed statement compares equal.
//!
//! `Display` prints valid Cypher that parses back to the same tree (with every operation parenthesised).

use std::fmt;

use crate::value::{Value, write_name, write_string_literal};

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
    Unwind(UnwindClause),
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
            Clause::Unwind(c) => c.span,
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
        matches!(
            self,
            Clause::Create(_) | Clause::Merge(_) | Clause::Set(_) | Clause::Remove(_) | Clause::Delete(_)
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnwindClause {
    pub expr: Expr,
    pub variable: Ident,
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
    pub labels: Vec<String>,
    pub properties: Vec<(String, Expr)>,
    pub span: Span,
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
    /// `list[from..to]`
    Slice {
        target: Box<Expr>,
        from: Option<Box<Expr>>,
        to: Option<Box<Expr>>,
    },
    /// `n:Label:Other`: whether a node has every one of the labels.
    HasLabels(Box<Expr>, Vec<String>),
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
            ExprKind::Pattern(p) => p.expressions().collect(),
            ExprKind::HasLabels(e, _) => vec![e],
            ExprKind::PatternComprehension { pattern, predicate, projection } => pattern
                .expressions()
                .chain(predicate.iter().map(|b| &**b))
                .chain(std::iter::once(&**projection))
                .collect(),
            ExprKind::Exists { patterns, predicate } => {
                patterns.iter().flat_map(|p| p.expressions()).chain(predicate.iter().map(|b| &**b)).collect()
            }
            ExprKind::Slice { target, from, to } => std::iter::once(&**target)
                .chain(from.iter().map(|b| &**b))
                .chain(to.iter().map(|b| &**b))
                .collect(),
        }
    }
}

fn write_map(f: &mut fmt::Formatter<'_>, entries: &[(String, Expr)]) -> fmt::Result {
    f.write_str("{")?;
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_name(f, k)?;
        write!(f, ": {v}")?;
    }
    f.write_str("}")
}

fn write_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T], sep: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Literal(Value::Float(x)) if x.is_nan() || x.is_infinite() => {
                // No literal exists for these; an expression that computes them does.
                let text = if x.is_nan() {
                    "(0.0 / 0.0)"
                } else if *x > 0.0 {
                    "(1.0 / 0.0)"
                } else {
                    "(-1.0 / 0.0)"
                };
                f.write_str(text)
            }
            ExprKind::Literal(Value::Int(i)) if *i < 0 => write!(f, "({i})"),
            ExprKind::Literal(Value::Float(x)) if x.is_sign_negative() => {
                write!(f, "(-{})", crate::value::format_float(-x))
            }
            ExprKind::Literal(Value::String(s)) => write_string_literal(f, s),
            ExprKind::Literal(v) => write!(f, "{v}"),
            ExprKind::Parameter(name) => {
                f.write_str("$")?;
                write_name(f, name)
            }
            ExprKind::Variable(name) => write_name(f, name),
            ExprKind::Property(e, key) => {
                write!(f, "{e}.")?;
                write_name(f, key)
            }
            ExprKind::Subscript(e, i) => write!(f, "{e}[{i}]"),
            ExprKind::List(items) => {
                f.write_str("[")?;
                write_list(f, items, ", ")?;
                f.write_str("]")
            }
            ExprKind::Map(entries) => write_map(f, entries),
            ExprKind::Unary(UnaryOp::Not, e) => write!(f, "(NOT {e})"),
            ExprKind::Unary(UnaryOp::Negate, e) => write!(f, "(-{e})"),
            ExprKind::Unary(UnaryOp::Plus, e) => write!(f, "(+{e})"),
            ExprKind::Binary(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            ExprKind::IsNull { operand, negated } => {
                write!(f, "({operand} IS {}NULL)", if *negated { "NOT " } else { "" })
            }
            ExprKind::Call { name, distinct, args } => {
                write!(f, "{name}({}", if *distinct { "DISTINCT " } else { "" })?;
                write_list(f, args, ", ")?;
                f.write_str(")")
            }
            ExprKind::CountStar => f.write_str("count(*)"),
            ExprKind::Case { subject, branches, default } => {
                f.write_str("CASE")?;
                if let Some(s) = subject {
                    write!(f, " {s}")?;
                }
                for (w, t) in branches {
                    write!(f, " WHEN {w} THEN {t}")?;
                }
                if let Some(d) = default {
                    write!(f, " ELSE {d}")?;
                }
                f.write_str(" END")
            }
            ExprKind::ListComprehension { variable, list, predicate, projection } => {
                f.write_str("[")?;
                write_name(f, variable)?;
                write!(f, " IN {list}")?;
                if let Some(p) = predicate {
                    write!(f, " WHERE {p}")?;
                }
                if let Some(p) = projection {
                    write!(f, " | {p}")?;
                }
                f.write_str("]")
            }
            ExprKind::Quantifier { kind, variable, list, predicate } => {
                write!(f, "{}(", kind.name())?;
                write_name(f, variable)?;
                write!(f, " IN {list} WHERE {predicate})")
            }
            ExprKind::Pattern(p) => write!(f, "{p}"),
            ExprKind::HasLabels(e, labels) => {
                write!(f, "({e}")?;
                for l in labels {
                    f.write_str(":")?;
                    write_name(f, l)?;
                }
                f.write_str(")")
            }
            ExprKind::PatternComprehension { pattern, predicate, projection } => {
                write!(f, "[{pattern}")?;
                if let Some(p) = predicate {
                    write!(f, " WHERE {p}")?;
                }
                write!(f, " | {projection}]")
            }
            ExprKind::Exists { patterns, predicate } => {
                f.write_str("EXISTS { MATCH ")?;
                write_list(f, patterns, ", ")?;
                if let Some(p) = predicate {
                    write!(f, " WHERE {p}")?;
                }
                f.write_str(" }")
            }
            ExprKind::Slice { target, from, to } => {
                write!(f, "{target}[")?;
                if let Some(a) = from {
                    write!(f, "{a}")?;
                }
                f.write_str("..")?;
                if let Some(b) = to {
                    write!(f, "{b}")?;
                }
                f.write_str("]")
            }
        }
    }
}

impl fmt::Display for NodePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        if let Some(v) = &self.variable {
            write_name(f, &v.name)?;
        }
        for l in &self.labels {
            f.write_str(":")?;
            write_name(f, l)?;
        }
        if !self.properties.is_empty() {
            f.write_str(" ")?;
            write_map(f, &self.properties)?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for RelPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.direction == RelDirection::Left { "<-[" } else { "-[" })?;
        if let Some(v) = &self.variable {
            write_name(f, &v.name)?;
        }
        for (i, t) in self.types.iter().enumerate() {
            f.write_str(if i == 0 { ":" } else { "|" })?;
            write_name(f, t)?;
        }
        if let Some((min, max)) = self.length {
            f.write_str("*")?;
            match (min, max) {
                (Some(a), Some(b)) if a == b => write!(f, "{a}")?,
                (a, b) => {
                    if let Some(a) = a {
                        write!(f, "{a}")?;
                    }
                    if a.is_some() || b.is_some() {
                        f.write_str("..")?;
                    }
                    if let Some(b) = b {
                        write!(f, "{b}")?;
                    }
                }
            }
        }
        if !self.properties.is_empty() {
            f.write_str(" ")?;
            write_map(f, &self.properties)?;
        }
        f.write_str(if self.direction == RelDirection::Right { "]->" } else { "]-" })
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path_variable {
            write_name(f, &p.name)?;
            f.write_str(" = ")?;
        }
        if let Some(all) = self.shortest {
            f.write_str(if all { "allShortestPaths(" } else { "shortestPath(" })?;
        }
        write!(f, "{}", self.start)?;
        for (rel, node) in &self.steps {
            write!(f, "{rel}{node}")?;
        }
        if self.shortest.is_some() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

fn write_projection(f: &mut fmt::Formatter<'_>, r: &ReturnClause) -> fmt::Result {
    if r.distinct {
        f.write_str("DISTINCT ")?;
    }
    if r.star {
        f.write_str("*")?;
        if !r.items.is_empty() {
            f.write_str(", ")?;
        }
    }
    for (i, item) in r.items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{}", item.expr)?;
        if let Some(a) = &item.alias {
            f.write_str(" AS ")?;
            write_name(f, &a.name)?;
        }
    }
    if !r.order_by.is_empty() {
        f.write_str(" ORDER BY ")?;
        for (i, s) in r.order_by.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}{}", s.expr, if s.descending { " DESC" } else { "" })?;
        }
    }
    if let Some(s) = &r.skip {
        write!(f, " SKIP {s}")?;
    }
    if let Some(l) = &r.limit {
        write!(f, " LIMIT {l}")?;
    }
    Ok(())
}

fn write_labels(f: &mut fmt::Formatter<'_>, labels: &[String]) -> fmt::Result {
    for l in labels {
        f.write_str(":")?;
        write_name(f, l)?;
    }
    Ok(())
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Clause::Match(m) => {
                f.write_str(if m.optional { "OPTIONAL MATCH " } else { "MATCH " })?;
                write_list(f, &m.patterns, ", ")?;
                if let Some(p) = &m.predicate {
                    write!(f, " WHERE {p}")?;
                }
                Ok(())
            }
            Clause::Unwind(u) => {
                write!(f, "UNWIND {} AS ", u.expr)?;
                write_name(f, &u.variable.name)
            }
            Clause::With(w) => {
                f.write_str("WITH ")?;
                write_projection(f, &w.projection)?;
                if let Some(p) = &w.predicate {
                    write!(f, " WHERE {p}")?;
                }
                Ok(())
            }
            Clause::Create(c) => {
                f.write_str("CREATE ")?;
                write_list(f, &c.patterns, ", ")
            }
            Clause::Merge(m) => {
                write!(f, "MERGE {}", m.pattern)?;
                if !m.on_create.is_empty() {
                    f.write_str(" ON CREATE ")?;
                    write!(f, "{}", Clause::Set(SetClause { items: m.on_create.clone(), span: m.span }))?;
                }
                if !m.on_match.is_empty() {
                    f.write_str(" ON MATCH ")?;
                    write!(f, "{}", Clause::Set(SetClause { items: m.on_match.clone(), span: m.span }))?;
                }
                Ok(())
            }
            Clause::Set(s) => {
                f.write_str("SET ")?;
                for (i, item) in s.items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match item {
                        SetItem::Property { variable, key, value } => {
                            write_name(f, &variable.name)?;
                            f.write_str(".")?;
                            write_name(f, key)?;
                            write!(f, " = {value}")?;
                        }
                        SetItem::Replace { variable, value } => {
                            write_name(f, &variable.name)?;
                            write!(f, " = {value}")?;
                        }
                        SetItem::Merge { variable, value } => {
                            write_name(f, &variable.name)?;
                            write!(f, " += {value}")?;
                        }
                        SetItem::Labels { variable, labels } => {
                            write_name(f, &variable.name)?;
                            write_labels(f, labels)?;
                        }
                    }
                }
                Ok(())
            }
            Clause::Remove(r) => {
                f.write_str("REMOVE ")?;
                for (i, item) in r.items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match item {
                        RemoveItem::Property { variable, key } => {
                            write_name(f, &variable.name)?;
                            f.write_str(".")?;
                            write_name(f, key)?;
                        }
                        RemoveItem::Labels { variable, labels } => {
                            write_name(f, &variable.name)?;
                            write_labels(f, labels)?;
                        }
                    }
                }
                Ok(())
            }
            Clause::Delete(d) => {
                f.write_str(if d.detach { "DETACH DELETE " } else { "DELETE " })?;
                write_list(f, &d.exprs, ", ")
            }
            Clause::Return(r) => {
                f.write_str("RETURN ")?;
                write_projection(f, r)
            }
        }
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.explain {
            f.write_str("EXPLAIN ")?;
        }
        write_list(f, &self.clauses, " ")?;
        for u in &self.unions {
            f.write_str(if u.all { " UNION ALL " } else { " UNION " })?;
            write_list(f, &u.clauses, " ")?;
        }
        Ok(())
    }
}
