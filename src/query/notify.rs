//! Notifications: what a statement that ran may not have meant. A MATCH on a label, relationship
//! type or property key the graph has never held returns no rows, which looks like an answer;
//! Neo4j warns about it, and so do we, with the nearest name that does exist.

use std::collections::BTreeSet;

use super::ast::*;
use super::suggest::did_you_mean;
use crate::graph::Graph;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NotificationKind {
    UnknownLabel,
    UnknownRelationshipType,
    UnknownPropertyKey,
}

impl NotificationKind {
    /// The name Neo4j gives the same warning, for clients that know its codes.
    pub fn code(self) -> &'static str {
        match self {
            NotificationKind::UnknownLabel => "Neo.ClientNotification.Statement.UnknownLabelWarning",
            NotificationKind::UnknownRelationshipType => {
                "Neo.ClientNotification.Statement.UnknownRelationshipTypeWarning"
            }
            NotificationKind::UnknownPropertyKey => {
                "Neo.ClientNotification.Statement.UnknownPropertyKeyWarning"
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub kind: NotificationKind,
    pub message: String,
    /// Where in the statement's source the name is used (first use).
    pub span: Span,
    /// `at line L, column C:` with the line and a caret, once the source is known (see
    /// [`Notification::locate`]).
    pub location: Option<String>,
}

impl Notification {
    /// Fills in where the name is, in `source` that begins on line `first_line`.
    pub fn locate(&mut self, source: &str, first_line: usize) {
        self.location = Some(super::error::locate(source, self.span.start, first_line));
    }
}

impl std::fmt::Display for Notification {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "warning: {}", self.message)?;
        if let Some(location) = &self.location {
            write!(f, "\n  {location}")?;
        }
        Ok(())
    }
}

/// The names a statement reads that the graph does not have (and the statement does not write).
pub fn check(statement: &Statement, graph: &Graph) -> Vec<Notification> {
    let mut uses = Uses::default();
    for clause in statement.all_clauses() {
        uses.clause(clause);
    }
    let mut out = Vec::new();
    let mut said = BTreeSet::new();
    for (kind, name, span) in uses.read {
        if uses.written.contains(&(kind, name.clone()))
            || uses.writes_any_key && kind == NotificationKind::UnknownPropertyKey
        {
            continue;
        }
        if !said.insert((kind, name.clone())) {
            continue;
        }
        let (known, hint) = match kind {
            NotificationKind::UnknownLabel => (
                graph.symbol(&name).is_some_and(|s| graph.label_count(s) > 0),
                did_you_mean(&name, graph.label_names(), true),
            ),
            NotificationKind::UnknownRelationshipType => (
                graph.symbol(&name).is_some_and(|s| graph.type_count(s) > 0),
                did_you_mean(&name, graph.type_names(), true),
            ),
            NotificationKind::UnknownPropertyKey => {
                let (labels, types) = (graph.label_names(), graph.type_names());
                let keys = graph.names().filter(|n| !labels.contains(n) && !types.contains(n));
                (graph.symbol(&name).is_some(), did_you_mean(&name, keys, true))
            }
        };
        if known {
            continue;
        }
        let what = match kind {
            NotificationKind::UnknownLabel => "label",
            NotificationKind::UnknownRelationshipType => "relationship type",
            NotificationKind::UnknownPropertyKey => "property key",
        };
        let shown = format!("`{}`", name.replace('`', "``"));
        out.push(Notification {
            kind,
            message: format!("the {what} {shown} does not exist in the graph{hint}"),
            span,
            location: None,
        });
    }
    out
}

/// What a statement reads and writes, in the order it reads.
#[derive(Default)]
struct Uses {
    read: Vec<(NotificationKind, String, Span)>,
    written: BTreeSet<(NotificationKind, String)>,
    /// `SET n = $map` or `SET n += m` may write any key.
    writes_any_key: bool,
    /// Variables a MATCH binds to nodes and relationships: `v.key` on them reads a property key.
    entities: BTreeSet<String>,
}

impl Uses {
    fn clause(&mut self, clause: &Clause) {
        match clause {
            Clause::Match(m) => {
                for pattern in &m.patterns {
                    self.read_pattern(pattern);
                }
                m.predicate.iter().for_each(|e| self.expr(e));
            }
            Clause::Create(c) => c.patterns.iter().for_each(|p| self.write_pattern(p)),
            Clause::Merge(m) => {
                self.write_pattern(&m.pattern);
                m.on_create.iter().chain(&m.on_match).for_each(|item| self.set_item(item));
            }
            Clause::Set(s) => s.items.iter().for_each(|item| self.set_item(item)),
            Clause::Remove(r) => {
                for item in &r.items {
                    if let RemoveItem::Property { variable, key } = item {
                        self.read_key(variable, key, variable.span);
                    }
                }
            }
            Clause::Unwind(u) => self.expr(&u.expr),
            Clause::LoadCsv(l) => self.expr(&l.source),
            Clause::Delete(d) => d.exprs.iter().for_each(|e| self.expr(e)),
            Clause::With(w) => {
                self.projection(&w.projection);
                w.predicate.iter().for_each(|e| self.expr(e));
            }
            Clause::Return(r) => self.projection(r),
            Clause::Call(c) => {
                c.args.iter().flatten().for_each(|e| self.expr(e));
                c.predicate.iter().for_each(|e| self.expr(e));
            }
            Clause::Foreach(c) => {
                self.expr(&c.list);
                c.updates.iter().for_each(|u| self.clause(u));
            }
            Clause::CallSubquery(c) => c.query.all_clauses().for_each(|c| self.clause(c)),
        }
    }

    fn projection(&mut self, p: &ReturnClause) {
        p.items.iter().for_each(|i| self.expr(&i.expr));
        p.order_by.iter().for_each(|s| self.expr(&s.expr));
        p.skip.iter().chain(&p.limit).for_each(|e| self.expr(e));
    }

    fn set_item(&mut self, item: &SetItem) {
        match item {
            SetItem::Property { key, value, .. } => {
                self.written.insert((NotificationKind::UnknownPropertyKey, key.clone()));
                self.expr(value);
            }
            SetItem::Replace { value, .. } | SetItem::Merge { value, .. } => {
                match &value.kind {
                    ExprKind::Map(entries) => {
                        for (key, _) in entries {
                            self.written.insert((NotificationKind::UnknownPropertyKey, key.clone()));
                        }
                    }
                    _ => self.writes_any_key = true,
                }
                self.expr(value);
            }
            SetItem::Labels { labels, .. } => {
                for label in labels {
                    self.written.insert((NotificationKind::UnknownLabel, label.clone()));
                }
            }
        }
    }

    fn read_pattern(&mut self, pattern: &Pattern) {
        let nodes = std::iter::once(&pattern.start).chain(pattern.steps.iter().map(|(_, n)| n));
        let rels = pattern.steps.iter().map(|(r, _)| r);
        self.entities.extend(nodes.filter_map(|n| n.variable.as_ref()).map(|v| v.name.clone()));
        self.entities.extend(rels.filter_map(|r| r.variable.as_ref()).map(|v| v.name.clone()));
        pattern_names(pattern, true, |kind, name, span| self.read.push((kind, name.to_string(), span)));
        pattern.expressions().for_each(|e| self.expr(e));
    }

    fn write_pattern(&mut self, pattern: &Pattern) {
        pattern_names(pattern, true, |kind, name, _| {
            self.written.insert((kind, name.to_string()));
        });
        pattern.expressions().for_each(|e| self.expr(e));
    }

    fn read_key(&mut self, variable: &Ident, key: &str, span: Span) {
        if self.entities.contains(&variable.name) {
            self.read.push((NotificationKind::UnknownPropertyKey, key.to_string(), span));
        }
    }

    fn expr(&mut self, e: &Expr) {
        let mut patterns = Vec::new();
        e.walk(&mut |e| match &e.kind {
            ExprKind::HasLabels(_, labels) => {
                for label in labels {
                    self.read.push((NotificationKind::UnknownLabel, label.clone(), e.span));
                }
            }
            ExprKind::LabelTest(_, labels) => {
                let mut names = Vec::new();
                labels.names(&mut names);
                for label in names {
                    self.read.push((NotificationKind::UnknownLabel, label, e.span));
                }
            }
            ExprKind::Property(base, key) => {
                if let ExprKind::Variable(v) = &base.kind
                    && self.entities.contains(v)
                {
                    self.read.push((NotificationKind::UnknownPropertyKey, key.clone(), e.span));
                }
            }
            ExprKind::Pattern(p) | ExprKind::PatternComprehension { pattern: p, .. } => patterns.push(&**p),
            ExprKind::Exists { patterns: ps, .. } => patterns.extend(ps),
            _ => {}
        });
        for p in patterns {
            // The expressions inside were walked already; only the labels and types are left.
            pattern_names(p, false, |kind, name, span| self.read.push((kind, name.to_string(), span)));
        }
    }
}

/// Calls `f` with each label and relationship type a pattern names, and with `keys` each property
/// key of its maps, in the pattern's order: nodes first, then relationships.
fn pattern_names(pattern: &Pattern, keys: bool, mut f: impl FnMut(NotificationKind, &str, Span)) {
    let nodes = std::iter::once(&pattern.start).chain(pattern.steps.iter().map(|(_, n)| n));
    for node in nodes {
        node.labels.iter().for_each(|l| f(NotificationKind::UnknownLabel, l, node.span));
        let mut named = Vec::new();
        node.label_expr.iter().for_each(|e| e.names(&mut named));
        named.iter().for_each(|l| f(NotificationKind::UnknownLabel, l, node.span));
        if keys {
            node.properties.iter().for_each(|(k, _)| f(NotificationKind::UnknownPropertyKey, k, node.span));
        }
    }
    for (rel, _) in &pattern.steps {
        rel.types.iter().for_each(|t| f(NotificationKind::UnknownRelationshipType, t, rel.span));
        if keys {
            rel.properties.iter().for_each(|(k, _)| f(NotificationKind::UnknownPropertyKey, k, rel.span));
        }
    }
}
