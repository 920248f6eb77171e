//! Operators that change the graph: CREATE, MERGE, SET, REMOVE, DELETE, each logging what it does
//! so that a failing statement can be undone.

use std::collections::VecDeque;

use super::*;

pub(super) struct Create<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) items: &'p [CreateItem],
    /// Each row as it comes (the `stream` pass), or all the input first.
    pub(super) stream: bool,
    pub(super) output: Option<VecDeque<Row>>,
}

impl<'p> Operator<'p> for Create<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.stream {
            let Some(mut row) = self.input.next(ctx)? else { return Ok(None) };
            for item in self.items {
                create(item, &mut row, ctx, Creating::Create)?;
            }
            return Ok(Some(row));
        }
        if self.output.is_none() {
            let rows = drain(&mut self.input, ctx)?;
            let mut out = VecDeque::with_capacity(rows.len());
            for mut row in rows {
                for item in self.items {
                    create(item, &mut row, ctx, Creating::Create)?;
                }
                out.push_back(row);
            }
            self.output = Some(out);
        }
        Ok(self.output.as_mut().and_then(VecDeque::pop_front))
    }
}

/// What a CREATE item is written for: a MERGE refuses a null among the properties it was given, as
/// no entity could ever match them, so that each row would create another.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Creating {
    Create,
    Merge,
}

pub(super) fn create(
    item: &CreateItem,
    row: &mut Row,
    ctx: &mut Ctx,
    creating: Creating,
) -> Result<(), QueryError> {
    match item {
        CreateItem::Node { slot, labels, properties, spread } => {
            let props = stored_properties(properties, spread.as_ref(), row, ctx, creating)?;
            let graph = ctx.graph_mut()?;
            let labels: Vec<Sym> = labels.iter().map(|l| graph.intern(l)).collect();
            ctx.stats.properties_set += props.len();
            let n = ctx.graph_mut()?.add_node(&labels, props);
            ctx.stats.labels_added += ctx.graph().labels(n).len();
            ctx.stats.nodes_created += 1;
            ctx.logged(Undo::Node(n), |g| Change::NodeCreated {
                id: n,
                labels: g.labels(n).to_vec(),
                props: g.node_properties(n).clone(),
            });
            put(row, *slot, Value::Node(n));
        }
        CreateItem::Relationship { slot, from, to, rel_type, properties, spread } => {
            let endpoint = |v: &Value| match v {
                Value::Node(n) => Ok(*n),
                other => Err(QueryError::new(
                    ErrorKind::TypeError,
                    format!("CREATE needs a node at each end of a relationship, got {}", other.type_name()),
                    None,
                )),
            };
            let (a, b) = (endpoint(get(row, *from))?, endpoint(get(row, *to))?);
            let props = stored_properties(properties, spread.as_ref(), row, ctx, creating)?;
            ctx.stats.properties_set += props.len();
            let ty = ctx.graph_mut()?.intern(rel_type);
            let e = ctx.graph_mut()?.add_edge(a, b, ty, props).map_err(|err| match err {
                GraphError::NoSuchNode(_) => QueryError::new(
                    ErrorKind::EntityNotFound,
                    "cannot create a relationship to a node this statement deleted",
                    None,
                ),
                other => QueryError::new(
                    ErrorKind::TypeError,
                    format!("cannot create relationship: {other}"),
                    None,
                ),
            })?;
            ctx.stats.relationships_created += 1;
            ctx.logged(Undo::Edge(e), |g| Change::EdgeCreated {
                id: e,
                from: a,
                to: b,
                ty,
                props: g.edge_properties(e).clone(),
            });
            put(row, *slot, Value::Relationship(e));
        }
    }
    Ok(())
}

/// The properties a created entity gets: each of `properties`, and each entry of the map `spread`
/// evaluates to (null gives none); a null value sets nothing.
pub(super) fn stored_properties(
    properties: &[(String, CExpr)],
    spread: Option<&CExpr>,
    row: &[Value],
    ctx: &mut Ctx,
    creating: Creating,
) -> Result<Properties, QueryError> {
    let mut values: Vec<(String, Value, &CExpr)> = Vec::new();
    for (key, expr) in properties {
        let value = ctx.eval(expr, row)?;
        if creating == Creating::Merge && value.is_null() {
            return Err(QueryError::while_running(
                ErrorKind::SemanticError,
                format!(
                    "cannot MERGE with `{key}` null: null equals nothing, so no entity would ever match and each \
                     row would create another (leave such rows out with WHERE … IS NOT NULL, or give a default \
                     with coalesce)"
                ),
                Some(expr_span(expr)),
            ));
        }
        values.push((key.clone(), value, expr));
    }
    if let Some(expr) = spread {
        match ctx.eval(expr, row)? {
            Value::Map(map) => values.extend(map.into_iter().map(|(k, v)| (k, v, expr))),
            Value::Null => {}
            other => {
                return Err(QueryError::new(
                    ErrorKind::TypeError,
                    format!("the properties to create must be a map, got a {}", other.type_name()),
                    Some(expr_span(expr)),
                ));
            }
        }
    }
    let mut out = Properties::default();
    for (key, value, expr) in values {
        if !value.is_storable() {
            return Err(QueryError::new(
                ErrorKind::TypeError,
                format!(
                    "property `{key}` cannot hold a {}: properties hold scalars and lists of scalars",
                    value.type_name()
                ),
                Some(expr_span(expr)),
            ));
        }
        let key = ctx.graph_mut()?.intern(&key);
        out.set(key, value);
    }
    Ok(out)
}

pub(super) struct Write<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) actions: &'p [WriteAction],
    pub(super) output: Option<VecDeque<Row>>,
}

impl<'p> Operator<'p> for Write<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.output.is_none() {
            let rows = drain(&mut self.input, ctx)?;
            let mut deletions = Deletions::default();
            for row in &rows {
                for action in self.actions {
                    apply(action, row, ctx, &mut deletions)?;
                }
            }
            deletions.run(ctx)?;
            self.output = Some(rows.into());
        }
        Ok(self.output.as_mut().and_then(VecDeque::pop_front))
    }
}

/// What a DELETE clause removes, gathered over all its rows first: a node may only go once its
/// relationships have gone, whichever row named them.
#[derive(Default)]
pub(super) struct Deletions {
    pub(super) nodes: Vec<(NodeId, bool)>,
    pub(super) edges: Vec<EdgeId>,
}

impl Deletions {
    fn run(self, ctx: &mut Ctx) -> Result<(), QueryError> {
        for e in self.edges {
            delete_edge(e, ctx)?;
        }
        for (n, detach) in self.nodes {
            if !ctx.graph().contains_node(n) {
                continue;
            }
            let mut touching = Vec::new();
            ctx.graph().neighbours(n, Direction::Both, &[], &mut touching);
            if !touching.is_empty() && !detach {
                return Err(QueryError::new(
                    ErrorKind::ConstraintValidationFailed,
                    format!(
                        "cannot delete node {} because it still has relationships: use DETACH DELETE",
                        n.0
                    ),
                    None,
                ));
            }
            for (e, _) in touching {
                delete_edge(e, ctx)?;
            }
            let labels = ctx.graph().labels(n).to_vec();
            let props = ctx.graph().node_properties(n).clone();
            if ctx.graph_mut()?.remove_node(n).is_ok() {
                ctx.stats.nodes_deleted += 1;
                ctx.logged(Undo::DeletedNode(n, labels, props), |_| Change::NodeDeleted(n));
            }
        }
        Ok(())
    }
}

pub(super) fn delete_edge(e: EdgeId, ctx: &mut Ctx) -> Result<(), QueryError> {
    let (Some((a, b)), Some(ty)) = (ctx.graph().endpoints(e), ctx.graph().edge_type(e)) else {
        return Ok(());
    };
    let props = ctx.graph().edge_properties(e).clone();
    if ctx.graph_mut()?.remove_edge(e).is_ok() {
        ctx.stats.relationships_deleted += 1;
        ctx.logged(Undo::DeletedEdge(e, a, b, ty, props), |_| Change::EdgeDeleted(e));
    }
    Ok(())
}

/// The node or relationship an update clause changes; `None` for null, which updates nothing.
pub(super) enum Target {
    Node(NodeId),
    Edge(EdgeId),
}

pub(super) fn target(e: &CExpr, row: &[Value], ctx: &Ctx, what: &str) -> Result<Option<Target>, QueryError> {
    match ctx.eval(e, row)? {
        Value::Null => Ok(None),
        Value::Node(n) => Ok(Some(Target::Node(n))),
        Value::Relationship(r) => Ok(Some(Target::Edge(r))),
        other => Err(QueryError::new(
            ErrorKind::TypeError,
            format!("{what} needs a node or a relationship, got a {}", other.type_name()),
            None,
        )),
    }
}

pub(super) fn set_property(t: &Target, key: &str, value: Value, ctx: &mut Ctx) -> Result<(), QueryError> {
    if !value.is_storable() || matches!(&value, Value::List(items) if items.iter().any(Value::is_null)) {
        return Err(QueryError::new(
            ErrorKind::TypeError,
            format!(
                "property `{key}` cannot hold a {}: properties hold scalars and lists of scalars",
                value.type_name()
            ),
            None,
        ));
    }
    let k = ctx.graph_mut()?.intern(key);
    let removing = value.is_null();
    let old = match t {
        Target::Node(n) => {
            let old = ctx.graph_mut()?.set_node_property(*n, k, value).map_err(entity_gone)?;
            ctx.logged(Undo::NodeProperty(*n, k, old.clone()), |g| Change::NodeProperty {
                id: *n,
                key: k,
                value: g.node_properties(*n).get(k).cloned().unwrap_or(Value::Null),
            });
            old
        }
        Target::Edge(e) => {
            let old = ctx.graph_mut()?.set_edge_property(*e, k, value).map_err(entity_gone)?;
            ctx.logged(Undo::EdgeProperty(*e, k, old.clone()), |g| Change::EdgeProperty {
                id: *e,
                key: k,
                value: g.edge_properties(*e).get(k).cloned().unwrap_or(Value::Null),
            });
            old
        }
    };
    if !removing || old.is_some() {
        ctx.stats.properties_set += 1;
    }
    Ok(())
}

pub(super) fn entity_gone(e: crate::graph::GraphError) -> QueryError {
    QueryError::new(ErrorKind::EntityNotFound, e.to_string(), None)
}

pub(super) fn apply(
    action: &WriteAction,
    row: &[Value],
    ctx: &mut Ctx,
    deletions: &mut Deletions,
) -> Result<(), QueryError> {
    match action {
        WriteAction::SetProperty { target: t, key, value } => {
            let Some(t) = target(t, row, ctx, "SET")? else { return Ok(()) };
            let value = ctx.eval(value, row)?;
            set_property(&t, key, value, ctx)?;
        }
        WriteAction::SetProperties { target: t, value, replace } => {
            let Some(t) = target(t, row, ctx, "SET")? else { return Ok(()) };
            let new: Vec<(String, Value)> = match ctx.eval(value, row)? {
                Value::Map(m) => m.into_iter().collect(),
                Value::Node(n) => crate::query::expr::props_map(ctx.graph(), ctx.graph().node_properties(n))
                    .into_iter()
                    .collect(),
                Value::Relationship(r) => {
                    crate::query::expr::props_map(ctx.graph(), ctx.graph().edge_properties(r))
                        .into_iter()
                        .collect()
                }
                Value::Null => Vec::new(),
                other => {
                    return Err(QueryError::new(
                        ErrorKind::TypeError,
                        format!("SET with `=` or `+=` needs a map, got a {}", other.type_name()),
                        None,
                    ));
                }
            };
            if *replace {
                let props = match &t {
                    Target::Node(n) => ctx.graph().node_properties(*n),
                    Target::Edge(e) => ctx.graph().edge_properties(*e),
                };
                let old_keys: Vec<String> =
                    props.iter().map(|(k, _)| ctx.graph().name(k).to_string()).collect();
                for k in old_keys {
                    if !new.iter().any(|(n, _)| *n == k) {
                        set_property(&t, &k, Value::Null, ctx)?;
                    }
                }
            }
            for (k, v) in new {
                set_property(&t, &k, v, ctx)?;
            }
        }
        WriteAction::AddLabels { target: t, labels } | WriteAction::RemoveLabels { target: t, labels } => {
            let adding = matches!(action, WriteAction::AddLabels { .. });
            let n = match target(t, row, ctx, if adding { "SET" } else { "REMOVE" })? {
                None => return Ok(()),
                Some(Target::Node(n)) => n,
                Some(Target::Edge(_)) => {
                    return Err(QueryError::new(
                        ErrorKind::TypeError,
                        "relationships have a type, not labels",
                        None,
                    ));
                }
            };
            for l in labels {
                let sym = ctx.graph_mut()?.intern(l);
                if adding {
                    if ctx.graph_mut()?.add_label(n, sym).map_err(entity_gone)? {
                        ctx.stats.labels_added += 1;
                        ctx.logged(Undo::LabelAdded(n, sym), |_| Change::LabelAdded(n, sym));
                    }
                } else if ctx.graph_mut()?.remove_label(n, sym).map_err(entity_gone)? {
                    ctx.stats.labels_removed += 1;
                    ctx.logged(Undo::LabelRemoved(n, sym), |_| Change::LabelRemoved(n, sym));
                }
            }
        }
        WriteAction::Delete { exprs, detach } => {
            for e in exprs {
                match ctx.eval(e, row)? {
                    Value::Null => {}
                    Value::Node(n) => deletions.nodes.push((n, *detach)),
                    Value::Relationship(r) => deletions.edges.push(r),
                    Value::Path(p) => {
                        deletions.edges.extend(p.relationships);
                        deletions.nodes.extend(p.nodes.into_iter().map(|n| (n, *detach)));
                    }
                    other => {
                        return Err(QueryError::new(
                            ErrorKind::TypeError,
                            format!(
                                "DELETE needs a node, a relationship or a path, got a {}",
                                other.type_name()
                            ),
                            None,
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

pub(super) struct Merge<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) matcher: &'p Op,
    pub(super) create: &'p [CreateItem],
    pub(super) on_create: &'p [WriteAction],
    pub(super) on_match: &'p [WriteAction],
    /// Each row as it comes (the `stream` pass), or all the input first.
    pub(super) stream: bool,
    pub(super) output: Option<VecDeque<Row>>,
}

impl Merge<'_> {
    /// Merges one row: its matches with ON MATCH applied, or the row with the pattern created and
    /// ON CREATE applied, onto `out`.
    fn merge(&self, row: Row, ctx: &mut Ctx, out: &mut VecDeque<Row>) -> Result<(), QueryError> {
        let mut matcher = build(self.matcher, Some(&row));
        let mut matched = Vec::new();
        while let Some(m) = matcher.next(ctx)? {
            matched.push(m);
        }
        let mut deletions = Deletions::default();
        if matched.is_empty() {
            let mut row = row;
            for item in self.create {
                create(item, &mut row, ctx, Creating::Merge)?;
            }
            for action in self.on_create {
                apply(action, &row, ctx, &mut deletions)?;
            }
            out.push_back(row);
        } else {
            for m in matched {
                for action in self.on_match {
                    apply(action, &m, ctx, &mut deletions)?;
                }
                out.push_back(m);
            }
        }
        Ok(())
    }
}

impl<'p> Operator<'p> for Merge<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.stream {
            loop {
                let mut out = self.output.take().unwrap_or_default();
                if let Some(row) = out.pop_front() {
                    self.output = Some(out);
                    return Ok(Some(row));
                }
                let Some(row) = self.input.next(ctx)? else { return Ok(None) };
                self.merge(row, ctx, &mut out)?;
                self.output = Some(out);
            }
        }
        if self.output.is_none() {
            let rows = drain(&mut self.input, ctx)?;
            let mut out = VecDeque::new();
            for row in rows {
                self.merge(row, ctx, &mut out)?;
            }
            self.output = Some(out);
        }
        Ok(self.output.as_mut().and_then(VecDeque::pop_front))
    }
}

/// `FOREACH`: all its input read first (as every writer reads its input before it writes), then
/// for each row and each element the updates run from the row with the element in `slot`; the rows
/// pass on as they came.
pub(super) struct Foreach<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) list: &'p CExpr,
    pub(super) slot: usize,
    pub(super) inner: &'p Op,
    pub(super) output: Option<VecDeque<Row>>,
}

impl<'p> Operator<'p> for Foreach<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.output.is_none() {
            let rows = drain(&mut self.input, ctx)?;
            for row in &rows {
                let items = match ctx.eval(self.list, row)? {
                    Value::Null => Vec::new(),
                    Value::List(items) => items,
                    other => {
                        return Err(QueryError::new(
                            ErrorKind::TypeError,
                            format!("FOREACH needs a list, got a {}", other.type_name()),
                            Some(expr_span(self.list)),
                        ));
                    }
                };
                for item in items {
                    ctx.interrupt.check()?;
                    let mut each = row.clone();
                    put(&mut each, self.slot, item);
                    let mut updates = build(self.inner, Some(&each));
                    while updates.next(ctx)?.is_some() {}
                }
            }
            self.output = Some(rows.into());
        }
        Ok(self.output.as_mut().and_then(VecDeque::pop_front))
    }
}
