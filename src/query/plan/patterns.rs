//! Planning patterns: where each starts, how it expands, the filters its labels and properties
//! become, shortest paths, named paths, and patterns inside expressions.

use super::*;

/// What a node's property index is asked for, before compilation.
enum Probe<'a> {
    Equal(&'a Expr),
    Bounds(&'a seek::Bounds<'a>),
}

impl Planner<'_> {
    /// The compiled probe and its text for `EXPLAIN`.
    fn index_probe(&mut self, probe: Probe<'_>, scope: &Scope) -> Result<(IndexProbe, String), QueryError> {
        Ok(match probe {
            Probe::Equal(e) => {
                (IndexProbe::Equal(self.compile(e, scope, &mut Mode::plain("a pattern"))?), e.to_string())
            }
            Probe::Bounds(b) => {
                let text = b.conjuncts.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" AND ");
                let mut end = |end: Option<(&Expr, bool)>| -> Result<Option<(CExpr, bool)>, QueryError> {
                    end.map(|(e, included)| {
                        Ok((self.compile(e, scope, &mut Mode::plain("WHERE"))?, included))
                    })
                    .transpose()
                };
                let (lower, upper) = (end(b.lower)?, end(b.upper)?);
                let probe = match (lower, upper, b.prefix) {
                    (None, None, Some(prefix)) => {
                        IndexProbe::Prefix(self.compile(prefix, scope, &mut Mode::plain("WHERE"))?)
                    }
                    (lower, upper, _) => IndexProbe::Range { lower, upper },
                };
                (probe, text)
            }
        })
    }

    /// The first directed, single-typed, fixed-length relationship of the pattern whose type has an
    /// index on a key the pattern's map or the WHERE clause gives a value or bounds for.
    fn rel_index_start<'a>(
        &self,
        pattern: &'a Pattern,
        equalities: &[(&'a str, &'a str, &'a Expr)],
        bounds: &'a [seek::Bounds<'a>],
        before: &Scope,
    ) -> Option<(usize, String, String, Probe<'a>)> {
        pattern.steps.iter().enumerate().find_map(|(i, (rel, _))| {
            // An undirected pattern matches each relationship from both ends, which a scan of
            // the index does not give; variable length binds a list.
            if rel.length.is_some() || rel.direction == RelDirection::Either {
                return None;
            }
            let [ty] = rel.types.as_slice() else { return None };
            let known = |e: &Expr| seek::computable_before(e, &|name| before.get(name).is_some());
            let var = rel.variable.as_ref().map(|v| v.name.as_str());
            let in_pattern =
                rel.properties.iter().filter(|(_, e)| known(e)).map(|(k, e)| (k.as_str(), Probe::Equal(e)));
            let in_where =
                equalities.iter().filter(|(v, ..)| Some(*v) == var).map(|(_, k, e)| (*k, Probe::Equal(e)));
            let bounded =
                bounds.iter().filter(|b| Some(b.variable) == var).map(|b| (b.key, Probe::Bounds(b)));
            in_pattern
                .chain(in_where)
                .chain(bounded)
                .find(|(k, _)| self.graph.has_rel_index(ty, k))
                .map(|(k, probe)| (i, ty.clone(), k.to_string(), probe))
        })
    }

    pub(super) fn optional_match(&mut self, op: Op, clause: &MatchClause) -> Result<Op, QueryError> {
        let before = self.slot_names.len();
        let inner = self.match_clause(Op::Argument, clause)?;
        let new_slots = (before..self.slot_names.len()).collect();
        Ok(Op::Optional { input: Box::new(op), inner: Box::new(inner), new_slots })
    }

    pub(super) fn match_clause(&mut self, mut op: Op, clause: &MatchClause) -> Result<Op, QueryError> {
        let mut bound: Vec<usize> = self.scope.vars.iter().map(|v| v.1).collect();
        let before = self.scope.clone();
        let seeks = seek::seeks(clause.predicate.as_ref(), &|name| before.get(name).is_some());
        let equalities = seek::equalities(clause.predicate.as_ref(), &|name| before.get(name).is_some());
        let bounds = seek::bounds(clause.predicate.as_ref(), &|name| before.get(name).is_some());
        // WHERE conjuncts an id seek stands for, which the filter after the pattern need not test.
        let mut served: Vec<&Expr> = Vec::new();
        let mut clause_rels: Vec<usize> = Vec::new();
        let mut rel_names: Vec<&str> = Vec::new();
        for pattern in &clause.patterns {
            super::updates::no_parameter_maps(pattern, "MATCH")?;
            for (rel, _) in &pattern.steps {
                if let Some(v) = &rel.variable {
                    if rel_names.contains(&v.name.as_str()) {
                        return Err(QueryError::semantic(
                            format!(
                                "relationship `{}` appears twice in one MATCH, where each is used once",
                                v.name
                            ),
                            v.span,
                        ));
                    }
                    rel_names.push(&v.name);
                }
            }
            if let Some(p) = &pattern.path_variable
                && self.scope.get(&p.name).is_some()
            {
                return Err(QueryError::semantic(
                    format!("variable `{}` is already declared", p.name),
                    p.span,
                ));
            }
            if let Some(all) = pattern.shortest {
                op = self.shortest_path(op, pattern, all, &mut bound)?;
                continue;
            }
            let mut node_slots = vec![self.pattern_slot(pattern.start.variable.as_ref(), Kind::Node)?];
            let mut rel_slots = Vec::new();
            for (rel, node) in &pattern.steps {
                let kind = if rel.length.is_some() { Kind::Value } else { Kind::Relationship };
                if let (Some(v), Some(_)) = (&rel.variable, rel.length)
                    && self.scope.get(&v.name).is_some()
                {
                    return Err(QueryError::semantic(
                        format!("variable-length relationship `{}` is already declared", v.name),
                        v.span,
                    ));
                }
                rel_slots.push(self.pattern_slot(rel.variable.as_ref(), kind)?);
                node_slots.push(self.pattern_slot(node.variable.as_ref(), Kind::Node)?);
            }
            let nodes: Vec<&NodePattern> =
                std::iter::once(&pattern.start).chain(pattern.steps.iter().map(|s| &s.1)).collect();
            let seek_at = nodes.iter().position(|n| {
                n.variable.as_ref().is_some_and(|v| seeks.iter().any(|s| s.variable == v.name))
            });
            // A node a property index can find: (position, label, key, what to ask it), by value
            // where one is known, else by range.
            let indexed = nodes.iter().enumerate().find_map(|(i, n)| {
                let in_pattern = n.properties.iter().map(|(k, e)| (k.as_str(), e));
                let in_where = equalities
                    .iter()
                    .filter(|(v, _, _)| n.variable.as_ref().is_some_and(|var| var.name == *v))
                    .map(|(_, k, e)| (*k, *e));
                let known = |e: &Expr| seek::computable_before(e, &|name| before.get(name).is_some());
                in_pattern.filter(|(_, e)| known(e)).chain(in_where).find_map(|(k, e)| {
                    n.labels
                        .iter()
                        .find(|l| self.graph.has_index(l, k))
                        .map(|l| (i, l.clone(), k.to_string(), Probe::Equal(e)))
                })
            });
            let indexed = indexed.or_else(|| {
                nodes.iter().enumerate().find_map(|(i, n)| {
                    let v = n.variable.as_ref()?;
                    bounds.iter().filter(|b| b.variable == v.name).find_map(|b| {
                        n.labels
                            .iter()
                            .find(|l| self.graph.has_index(l, b.key))
                            .map(|l| (i, l.clone(), b.key.to_string(), Probe::Bounds(b)))
                    })
                })
            });
            let unbound = !node_slots.iter().any(|s| bound.contains(s));
            // Else a relationship a relationship index can find: (step, type, key, what to ask).
            let rel_indexed = (unbound && seek_at.is_none() && indexed.is_none())
                .then(|| self.rel_index_start(pattern, &equalities, &bounds, &before))
                .flatten();
            let start = match (seek_at, &indexed, &rel_indexed) {
                (Some(i), ..) if unbound => i,
                (None, Some((i, ..)), _) if unbound => *i,
                (None, None, Some((step, ..))) => *step,
                _ => self.choose_start(&nodes, &node_slots, &bound),
            };
            // The step the relationship index binds, which the walk below then leaves out.
            let mut seeded_step = None;
            let start_slot = node_slots[start];
            let mut scan_label = None;
            let seek = nodes[start]
                .variable
                .as_ref()
                .and_then(|v| seeks.iter().find(|s| s.variable == v.name))
                .filter(|_| !bound.contains(&start_slot));
            if let Some(seek) = seek {
                let value = self.compile(seek.value, &before, &mut Mode::plain("WHERE"))?;
                op = Op::NodeById {
                    input: Box::new(op),
                    slot: start_slot,
                    value,
                    list: seek.list,
                    name: self.display_name(start_slot),
                    text: seek.value.to_string(),
                };
                served.push(seek.conjunct);
                bound.push(start_slot);
            } else if let Some((_, label, key, value)) =
                indexed.filter(|(i, ..)| *i == start && !bound.contains(&start_slot))
            {
                let (probe, text) = self.index_probe(value, &before)?;
                // The index holds only nodes with its label (kept so by every label change).
                scan_label = Some(label.clone());
                op = Op::NodeIndexSeek {
                    input: Box::new(op),
                    slot: start_slot,
                    label,
                    key,
                    probe,
                    name: self.display_name(start_slot),
                    text,
                };
                bound.push(start_slot);
            } else if let Some((step, ty, key, value)) = rel_indexed {
                let rel = &pattern.steps[step].0;
                let (rel_slot, to_slot) = (rel_slots[step], node_slots[step + 1]);
                let (probe, text) = self.index_probe(value, &before)?;
                op = Op::RelIndexSeek {
                    input: Box::new(op),
                    rel: rel_slot,
                    from: start_slot,
                    to: to_slot,
                    outgoing: rel.direction == RelDirection::Right,
                    ty,
                    key,
                    probe,
                    names: [
                        self.display_name(start_slot),
                        self.display_name(rel_slot),
                        self.display_name(to_slot),
                    ],
                    text,
                };
                bound.extend([start_slot, rel_slot, to_slot]);
                clause_rels.push(rel_slot);
                seeded_step = Some(step);
                op = self.property_filters(op, rel_slot, &rel.properties, rel.variable.as_ref())?;
                op = self.node_filters(op, nodes[step + 1], to_slot, None)?;
            } else if !bound.contains(&start_slot) {
                scan_label = self.most_selective_label(&nodes[start].labels);
                op = Op::NodeScan {
                    input: Box::new(op),
                    slot: start_slot,
                    label: scan_label.clone(),
                    name: self.display_name(start_slot),
                };
                bound.push(start_slot);
            }
            op = self.node_filters(op, nodes[start], start_slot, scan_label.as_deref())?;
            let order = (start..pattern.steps.len())
                .map(|i| (i, i, i + 1, false))
                .chain((0..start).rev().map(|i| (i, i + 1, i, true)));
            for (step, from, to, reversed) in order.filter(|(step, ..)| Some(*step) != seeded_step) {
                let rel = &pattern.steps[step].0;
                let rel_slot = rel_slots[step];
                let direction = walk_direction(rel.direction, reversed);
                let to_slot = node_slots[to];
                let rel_bound = bound.contains(&rel_slot);
                if let Some((min, max)) = rel.length {
                    let scope = self.scope.clone();
                    let mut properties = Vec::new();
                    for (k, e) in &rel.properties {
                        properties.push((k.clone(), self.compile(e, &scope, &mut Mode::plain("a pattern"))?));
                    }
                    op = Op::VarExpand {
                        input: Box::new(op),
                        from: node_slots[from],
                        rel: rel_slot,
                        to: to_slot,
                        direction,
                        types: rel.types.clone(),
                        min: min.unwrap_or(1),
                        max,
                        to_bound: bound.contains(&to_slot),
                        reversed,
                        properties,
                        distinct_from: clause_rels.iter().copied().filter(|&r| r != rel_slot).collect(),
                        names: [
                            self.display_name(node_slots[from]),
                            self.display_name(rel_slot),
                            self.display_name(to_slot),
                        ],
                        anonymous: rel.variable.is_none() && pattern.path_variable.is_none(),
                        reachable: false,
                    };
                    bound.push(rel_slot);
                    clause_rels.push(rel_slot);
                    if !bound.contains(&to_slot) {
                        bound.push(to_slot);
                    }
                    op = self.node_filters(op, nodes[to], to_slot, None)?;
                    continue;
                }
                op = Op::Expand {
                    input: Box::new(op),
                    from: node_slots[from],
                    rel: rel_slot,
                    to: to_slot,
                    direction,
                    types: rel.types.clone(),
                    to_bound: bound.contains(&to_slot),
                    rel_bound,
                    distinct_from: clause_rels.iter().copied().filter(|&r| r != rel_slot).collect(),
                    names: [
                        self.display_name(node_slots[from]),
                        self.display_name(rel_slot),
                        self.display_name(to_slot),
                    ],
                };
                if !rel_bound {
                    bound.push(rel_slot);
                }
                clause_rels.push(rel_slot);
                if !bound.contains(&to_slot) {
                    bound.push(to_slot);
                }
                op = self.property_filters(op, rel_slot, &rel.properties, rel.variable.as_ref())?;
                op = self.node_filters(op, nodes[to], to_slot, None)?;
            }
            if let Some(p) = &pattern.path_variable {
                op = self.assign_path(op, p, pattern, &node_slots, &rel_slots)?;
            }
        }
        if let Some(predicate) = &clause.predicate {
            let scope = self.scope.clone();
            // Compiled whole first: its errors (an unknown variable, an aggregate) are the clause's,
            // whatever a seek takes out of it.
            let compiled = self.predicate(predicate, &scope)?;
            if served.is_empty() {
                op = Op::Filter { input: Box::new(op), predicate: compiled, text: predicate.to_string() };
            } else if let Some(rest) = seek::without(predicate, &served) {
                let compiled = self.predicate(&rest, &scope)?;
                op = Op::Filter { input: Box::new(op), predicate: compiled, text: rest.to_string() };
            }
        }
        Ok(op)
    }

    /// `shortestPath((a)-[…]-(b))`: both ends bound (or scanned), then a breadth-first search.
    pub(super) fn shortest_path(
        &mut self,
        mut op: Op,
        pattern: &Pattern,
        all: bool,
        bound: &mut Vec<usize>,
    ) -> Result<Op, QueryError> {
        let [(rel, end)] = pattern.steps.as_slice() else {
            return Err(QueryError::semantic(
                "shortestPath() takes one relationship between two nodes",
                pattern.span,
            ));
        };
        // Compiled before the ends are bound: a relationship's map reads what was bound before.
        let scope = self.scope.clone();
        let mut properties = Vec::new();
        for (k, e) in &rel.properties {
            properties.push((k.clone(), self.compile(e, &scope, &mut Mode::plain("a pattern"))?));
        }
        let from = self.pattern_slot(pattern.start.variable.as_ref(), Kind::Node)?;
        let to = self.pattern_slot(end.variable.as_ref(), Kind::Node)?;
        for (node, slot) in [(&pattern.start, from), (end, to)] {
            let mut scanned = None;
            if !bound.contains(&slot) {
                scanned = self.most_selective_label(&node.labels);
                op = Op::NodeScan {
                    input: Box::new(op),
                    slot,
                    label: scanned.clone(),
                    name: self.display_name(slot),
                };
                bound.push(slot);
            }
            op = self.node_filters(op, node, slot, scanned.as_deref())?;
        }
        if let Some(v) = rel.variable.as_ref().filter(|v| self.scope.get(&v.name).is_some()) {
            return Err(QueryError::semantic(format!("variable `{}` is already declared", v.name), v.span));
        }
        let rel_slot = self.pattern_slot(rel.variable.as_ref(), Kind::Value)?;
        let (min, max) = match rel.length {
            Some((min, max)) => (min.unwrap_or(1), max),
            None => (1, Some(1)),
        };
        if min > 1 {
            return Err(QueryError::semantic("shortestPath() needs a minimum length of 0 or 1", rel.span));
        }
        let direction = walk_direction(rel.direction, false);
        op = Op::ShortestPath {
            input: Box::new(op),
            from,
            to,
            rel: rel_slot,
            direction,
            types: rel.types.clone(),
            properties,
            min,
            max,
            all,
            names: [self.display_name(from), self.display_name(rel_slot), self.display_name(to)],
        };
        bound.push(rel_slot);
        if let Some(p) = &pattern.path_variable {
            let mut as_variable = pattern.clone();
            as_variable.steps[0].0.length = Some((Some(min), max));
            op = self.assign_path(op, p, &as_variable, &[from, to], &[rel_slot])?;
        }
        Ok(op)
    }

    /// Binds a named path, built from the slots its pattern's nodes and relationships were bound to.
    pub(super) fn assign_path(
        &mut self,
        op: Op,
        name: &Ident,
        pattern: &Pattern,
        node_slots: &[usize],
        rel_slots: &[usize],
    ) -> Result<Op, QueryError> {
        let steps = pattern
            .steps
            .iter()
            .zip(rel_slots.iter().zip(&node_slots[1..]))
            .map(|((rel, _), (&r, &n))| (r, rel.length.is_some(), n))
            .collect();
        let expr = CExpr::Path { start: node_slots[0], steps };
        if self.scope.get(&name.name).is_some() {
            return Err(QueryError::semantic(
                format!("variable `{}` is already declared", name.name),
                name.span,
            ));
        }
        let slot = self.pattern_slot(Some(name), Kind::Path)?;
        Ok(Op::Assign { input: Box::new(op), slot, expr, name: name.name.clone() })
    }

    /// A node already bound if there is one; else the one whose label is rarest; else the first.
    pub(super) fn choose_start(&self, nodes: &[&NodePattern], slots: &[usize], bound: &[usize]) -> usize {
        if let Some(i) = slots.iter().position(|s| bound.contains(s)) {
            return i;
        }
        nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let label = self.most_selective_label(&n.labels)?;
                Some((self.label_count(&label), i))
            })
            .min()
            .map_or(0, |(_, i)| i)
    }

    pub(super) fn label_count(&self, label: &str) -> usize {
        self.graph.symbol(label).map_or(0, |s| self.graph.label_count(s))
    }

    pub(super) fn most_selective_label(&self, labels: &[String]) -> Option<String> {
        labels.iter().min_by_key(|l| self.label_count(l)).cloned()
    }

    pub(super) fn node_filters(
        &mut self,
        mut op: Op,
        node: &NodePattern,
        slot: usize,
        scanned_label: Option<&str>,
    ) -> Result<Op, QueryError> {
        let labels: Vec<String> =
            node.labels.iter().filter(|l| Some(l.as_str()) != scanned_label).cloned().collect();
        if !labels.is_empty() {
            let mut text = self.slot_names[slot].trim().to_string();
            for l in &labels {
                text.push(':');
                crate::value::write_name(&mut text, l).ok();
            }
            op = Op::Filter { input: Box::new(op), predicate: CExpr::HasLabels(slot, labels), text };
        }
        if let Some(e) = &node.label_expr {
            let text = format!("{}:{e}", self.slot_names[slot].trim());
            let predicate = CExpr::LabelTest(Box::new(CExpr::Slot(slot)), e.clone(), node.span);
            op = Op::Filter { input: Box::new(op), predicate, text };
        }
        self.property_filters(op, slot, &node.properties, node.variable.as_ref())
    }

    pub(super) fn property_filters(
        &mut self,
        mut op: Op,
        slot: usize,
        properties: &[(String, Expr)],
        var: Option<&Ident>,
    ) -> Result<Op, QueryError> {
        let scope = self.scope.clone();
        for (key, expr) in properties {
            let value = self.compile(expr, &scope, &mut Mode::plain("a pattern"))?;
            let span = expr.span;
            let lookup = CExpr::Property(Box::new(CExpr::Slot(slot)), PropertyKey::new(key.clone()), span);
            let predicate = CExpr::Binary(BinaryOp::Eq, Box::new(lookup), Box::new(value), span);
            let mut text = var.map_or_else(|| self.slot_names[slot].trim().to_string(), |v| v.name.clone());
            text.push('.');
            crate::value::write_name(&mut text, key).ok();
            text.push_str(&format!(" = {expr}"));
            op = Op::Filter { input: Box::new(op), predicate, text };
        }
        Ok(op)
    }

    /// A pattern used as a predicate: it may not introduce variables of its own.
    pub(super) fn pattern_predicate(
        &mut self,
        pattern: &Pattern,
        scope: &Scope,
    ) -> Result<CExpr, QueryError> {
        let named = std::iter::once(&pattern.start.variable)
            .chain(pattern.steps.iter().flat_map(|(r, n)| [&r.variable, &n.variable]))
            .flatten();
        for v in named {
            if scope.get(&v.name).is_none() {
                return Err(QueryError::semantic(
                    format!(
                        "variable `{}` is not defined: a pattern predicate cannot introduce variables",
                        v.name
                    ),
                    v.span,
                ));
            }
        }
        let mut inner = scope.clone();
        let spec = self.pattern_spec(pattern, &mut inner)?;
        Ok(CExpr::PatternExists { patterns: vec![spec], predicate: None })
    }

    /// A WHERE condition: a boolean, or a value whose type is only known when running.
    pub(super) fn predicate(&mut self, e: &Expr, scope: &Scope) -> Result<CExpr, QueryError> {
        if let Some(t) = static_type(e, scope).filter(|t| *t != Type::Boolean) {
            return Err(QueryError::semantic(format!("WHERE needs a Boolean, not a {}", t.name()), e.span));
        }
        self.compile(e, scope, &mut Mode::plain("WHERE"))
    }

    /// Compiles a pattern inside an expression; its new variables are added to `scope`.
    pub(super) fn pattern_spec(
        &mut self,
        pattern: &Pattern,
        scope: &mut Scope,
    ) -> Result<PatternSpec, QueryError> {
        super::updates::no_parameter_maps(pattern, "a pattern in an expression")?;
        let node = |planner: &mut Self, n: &NodePattern, scope: &mut Scope| -> Result<NodeSpec, QueryError> {
            let (slot, bound) = planner.expression_slot(n.variable.as_ref(), Kind::Node, scope)?;
            let mut properties = Vec::new();
            for (k, e) in &n.properties {
                properties.push((k.clone(), planner.compile(e, scope, &mut Mode::plain("a pattern"))?));
            }
            Ok(NodeSpec {
                slot,
                bound,
                labels: n.labels.clone(),
                label_expr: n.label_expr.clone(),
                properties,
            })
        };
        let start = node(self, &pattern.start, scope)?;
        let mut steps = Vec::new();
        for (rel, n) in &pattern.steps {
            let kind = if rel.length.is_some() { Kind::Value } else { Kind::Relationship };
            let (slot, bound) = self.expression_slot(rel.variable.as_ref(), kind, scope)?;
            let mut properties = Vec::new();
            for (k, e) in &rel.properties {
                properties.push((k.clone(), self.compile(e, scope, &mut Mode::plain("a pattern"))?));
            }
            let direction = walk_direction(rel.direction, false);
            let length = rel.length.map(|(min, max)| (min.unwrap_or(1), max));
            let r = RelSpec {
                slot,
                bound: bound && length.is_none(),
                types: rel.types.clone(),
                direction,
                properties,
                length,
            };
            steps.push((r, node(self, n, scope)?));
        }
        let path = match &pattern.path_variable {
            Some(p) => {
                let steps = steps
                    .iter()
                    .map(|(r, n): &(RelSpec, NodeSpec)| (r.slot, r.length.is_some(), n.slot))
                    .collect();
                let expr = CExpr::Path { start: start.slot, steps };
                let (slot, _) = self.expression_slot(Some(p), Kind::Path, scope)?;
                Some((slot, expr))
            }
            None => None,
        };
        Ok(PatternSpec { start, steps, path })
    }

    /// The slot of a variable in a pattern inside an expression: bound when already in scope.
    pub(super) fn expression_slot(
        &mut self,
        var: Option<&Ident>,
        kind: Kind,
        scope: &mut Scope,
    ) -> Result<(usize, bool), QueryError> {
        let Some(v) = var else {
            let name = format!("  anon{}", self.slot_names.len());
            return Ok((self.new_slot(&name), false));
        };
        match scope.get(&v.name) {
            Some((slot, k)) if k == kind || k == Kind::Any => Ok((slot, true)),
            Some((_, k)) => Err(QueryError::semantic(
                format!("type mismatch: `{}` is already a {}", v.name, kind_name(k)),
                v.span,
            )),
            None => {
                let slot = self.new_slot(&v.name);
                scope.vars.push((v.name.clone(), slot, kind));
                Ok((slot, false))
            }
        }
    }
}

/// The direction to follow a relationship written as `written`, walking the pattern left to right
/// (or right to left when `reversed`).
fn walk_direction(written: RelDirection, reversed: bool) -> Direction {
    match (written, reversed) {
        (RelDirection::Either, _) => Direction::Both,
        (RelDirection::Right, false) | (RelDirection::Left, true) => Direction::Outgoing,
        _ => Direction::Incoming,
    }
}
