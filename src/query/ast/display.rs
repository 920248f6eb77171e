//! Statements printed back as Cypher that parses to the same tree (every operation parenthesised).

use std::fmt;

use super::*;
use crate::value::{Value, write_name, write_string_literal};

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
            ExprKind::Reduce { accumulator, init, variable, list, body } => {
                f.write_str("reduce(")?;
                write_name(f, accumulator)?;
                write!(f, " = {init}, ")?;
                write_name(f, variable)?;
                write!(f, " IN {list} | {body})")
            }
            ExprKind::Pattern(p) => write!(f, "{p}"),
            ExprKind::MapProjection { base, items } => {
                write!(f, "{base} {{")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match item {
                        ProjectionItem::Property(k) => {
                            f.write_str(".")?;
                            write_name(f, k)?;
                        }
                        ProjectionItem::AllProperties => f.write_str(".*")?,
                        ProjectionItem::Entry(k, e) => {
                            write_name(f, k)?;
                            write!(f, ": {e}")?;
                        }
                        ProjectionItem::Variable(v, _) => write_name(f, v)?,
                    }
                }
                f.write_str("}")
            }
            ExprKind::HasLabels(e, labels) => {
                write!(f, "({e}")?;
                for l in labels {
                    f.write_str(":")?;
                    write_name(f, l)?;
                }
                f.write_str(")")
            }
            ExprKind::LabelTest(e, labels) => write!(f, "({e}:{labels})"),
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
            ExprKind::Subquery(kind, query) => {
                let word = match kind {
                    SubqueryKind::Exists => "EXISTS",
                    SubqueryKind::Count => "COUNT",
                    SubqueryKind::Collect => "COLLECT",
                };
                write!(f, "{word} {{ ")?;
                write_query(f, &query.clauses, &query.unions)?;
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
        if let Some(e) = &self.label_expr {
            write!(f, ":{e}")?;
        }
        if !self.properties.is_empty() {
            f.write_str(" ")?;
            write_map(f, &self.properties)?;
        }
        if let Some(p) = &self.properties_param {
            write!(f, " {p}")?;
        }
        if self.empty_map {
            f.write_str(" {}")?;
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
        if let Some(p) = &self.properties_param {
            write!(f, " {p}")?;
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
            Clause::CallSubquery(c) => {
                f.write_str("CALL ")?;
                if c.scoped {
                    f.write_str("(")?;
                    match &c.imports {
                        None => f.write_str("*")?,
                        Some(vars) => {
                            for (i, v) in vars.iter().enumerate() {
                                if i > 0 {
                                    f.write_str(", ")?;
                                }
                                write_name(f, &v.name)?;
                            }
                        }
                    }
                    f.write_str(") ")?;
                }
                f.write_str("{ ")?;
                match (c.scoped, &c.imports) {
                    (false, None) => f.write_str("WITH * ")?,
                    (false, Some(vars)) if !vars.is_empty() => {
                        f.write_str("WITH ")?;
                        for (i, v) in vars.iter().enumerate() {
                            if i > 0 {
                                f.write_str(", ")?;
                            }
                            write_name(f, &v.name)?;
                        }
                        f.write_str(" ")?;
                    }
                    _ => {}
                }
                write_query(f, &c.query.clauses, &c.query.unions)?;
                f.write_str(" }")
            }
            Clause::LoadCsv(l) => {
                f.write_str(if l.headers { "LOAD CSV WITH HEADERS FROM " } else { "LOAD CSV FROM " })?;
                write!(f, "{} AS ", l.source)?;
                write_name(f, &l.variable.name)?;
                if l.delimiter != b',' {
                    f.write_str(" FIELDTERMINATOR ")?;
                    write_string_literal(f, &char::from(l.delimiter).to_string())?;
                }
                Ok(())
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
            Clause::Foreach(c) => {
                f.write_str("FOREACH (")?;
                write_name(f, &c.variable.name)?;
                write!(f, " IN {} | ", c.list)?;
                write_list(f, &c.updates, " ")?;
                f.write_str(")")
            }
            Clause::Call(c) => {
                if c.show {
                    f.write_str(&c.procedure)?;
                } else {
                    write!(f, "CALL {}", c.procedure)?;
                }
                if let Some(args) = &c.args {
                    f.write_str("(")?;
                    write_list(f, args, ", ")?;
                    f.write_str(")")?;
                }
                match &c.yields {
                    None => {}
                    Some(None) => f.write_str(" YIELD *")?,
                    Some(Some(items)) => {
                        f.write_str(" YIELD ")?;
                        for (i, item) in items.iter().enumerate() {
                            if i > 0 {
                                f.write_str(", ")?;
                            }
                            write_name(f, &item.field.name)?;
                            if let Some(a) = &item.alias {
                                f.write_str(" AS ")?;
                                write_name(f, &a.name)?;
                            }
                        }
                    }
                }
                if let Some(p) = &c.predicate {
                    write!(f, " WHERE {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.explain {
            f.write_str("EXPLAIN ")?;
        }
        if self.profile {
            f.write_str("PROFILE ")?;
        }
        if let Some(ix) = &self.index {
            f.write_str(if ix.create { "CREATE INDEX" } else { "DROP INDEX" })?;
            if let Some(name) = &ix.name {
                f.write_str(" ")?;
                write_name(f, &name.name)?;
            }
            if ix.if_exists {
                f.write_str(if ix.create { " IF NOT EXISTS" } else { " IF EXISTS" })?;
            }
            let Some(on) = &ix.target else { return Ok(()) };
            f.write_str(if on.relationship { " FOR ()-[" } else { " FOR (" })?;
            write_name(f, &on.variable.name)?;
            f.write_str(":")?;
            write_name(f, &on.label)?;
            f.write_str(if on.relationship { "]-() ON (" } else { ") ON (" })?;
            write_name(f, &on.variable.name)?;
            f.write_str(".")?;
            write_name(f, &on.key)?;
            return f.write_str(")");
        }
        write_query(f, &self.clauses, &self.unions)
    }
}

fn write_query(f: &mut fmt::Formatter<'_>, clauses: &[Clause], unions: &[Union]) -> fmt::Result {
    write_list(f, clauses, " ")?;
    for u in unions {
        f.write_str(if u.all { " UNION ALL " } else { " UNION " })?;
        write_list(f, &u.clauses, " ")?;
    }
    Ok(())
}

impl fmt::Display for LabelExpr {
    /// Fully bracketed below the top, so that printing then parsing gives the same tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let joined = |f: &mut fmt::Formatter<'_>, items: &[LabelExpr], op: &str| -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(op)?;
                }
                match item {
                    LabelExpr::And(_) | LabelExpr::Or(_) => write!(f, "({item})")?,
                    _ => write!(f, "{item}")?,
                }
            }
            Ok(())
        };
        match self {
            LabelExpr::Label(l) => write_name(f, l),
            LabelExpr::Any => f.write_str("%"),
            LabelExpr::Not(e) => match &**e {
                LabelExpr::And(_) | LabelExpr::Or(_) => write!(f, "!({e})"),
                _ => write!(f, "!{e}"),
            },
            LabelExpr::And(items) => joined(f, items, "&"),
            LabelExpr::Or(items) => joined(f, items, "|"),
        }
    }
}
