//! Planning the updating clauses: CREATE, MERGE, SET, REMOVE, DELETE.

use super::*;

impl Planner<'_> {
    /// The slot of a variable that an update clause changes; it must be bound.
    pub(super) fn target(&mut self, variable: &Ident) -> Result<CExpr, QueryError> {
        match self.scope.get(&variable.name) {
            Some((slot, _)) => Ok(CExpr::Slot(slot)),
            None => Err(QueryError::semantic(
                format!("variable `{}` is not defined", variable.name),
                variable.span,
            )),
        }
    }

    pub(super) fn set_actions(&mut self, items: &[SetItem]) -> Result<Vec<WriteAction>, QueryError> {
        let scope = self.scope.clone();
        let mut actions = Vec::new();
        for item in items {
            actions.push(match item {
                SetItem::Property { variable, key, value } => WriteAction::SetProperty {
                    target: self.target(variable)?,
                    key: key.clone(),
                    value: self.compile(value, &scope, &mut Mode::plain("SET"))?,
                },
                SetItem::Replace { variable, value } => WriteAction::SetProperties {
                    target: self.target(variable)?,
                    value: self.compile(value, &scope, &mut Mode::plain("SET"))?,
                    replace: true,
                },
                SetItem::Merge { variable, value } => WriteAction::SetProperties {
                    target: self.target(variable)?,
                    value: self.compile(value, &scope, &mut Mode::plain("SET"))?,
                    replace: false,
                },
                SetItem::Labels { variable, labels } => {
                    WriteAction::AddLabels { target: self.target(variable)?, labels: labels.clone() }
                }
            });
        }
        Ok(actions)
    }

    pub(super) fn set_clause(&mut self, op: Op, clause: &SetClause) -> Result<Op, QueryError> {
        let actions = self.set_actions(&clause.items)?;
        Ok(Op::Write { input: Box::new(op), actions, text: "SET".into() })
    }

    pub(super) fn merge_clause(&mut self, op: Op, clause: &MergeClause) -> Result<Op, QueryError> {
        // Anonymous entities get names no user can type, so that matching and creating share slots.
        let mut pattern = clause.pattern.clone();
        if pattern.steps.is_empty()
            && let Some(v) = pattern.start.variable.as_ref().filter(|v| self.scope.get(&v.name).is_some())
        {
            return Err(QueryError::semantic(
                format!("`{}` is already declared: MERGE of a lone node needs a new one", v.name),
                v.span,
            ));
        }
        // Unique across the statement: every MERGE before this one allocated at least as many slots
        // as it made names.
        let mut counter = self.slot_names.len();
        let mut name = |v: &mut Option<Ident>, span: Span| {
            if v.is_none() {
                counter += 1;
                *v = Some(Ident { name: format!("  merge{counter}"), span });
            }
        };
        name(&mut pattern.start.variable, pattern.start.span);
        for (rel, node) in &mut pattern.steps {
            if rel.length.is_some() {
                return Err(QueryError::semantic(
                    "MERGE cannot use a variable-length relationship",
                    rel.span,
                ));
            }
            if rel.types.len() != 1 {
                return Err(QueryError::semantic(
                    "a relationship in MERGE needs exactly one type, as in `-[:TYPE]->`",
                    rel.span,
                ));
            }
            name(&mut rel.variable, rel.span);
            name(&mut node.variable, node.span);
        }
        let bound_before: Vec<String> = self.scope.vars.iter().map(|v| v.0.clone()).collect();
        for (rel, _) in &pattern.steps {
            if let Some(v) = rel.variable.as_ref().filter(|v| bound_before.contains(&v.name)) {
                return Err(QueryError::semantic(
                    format!("variable `{}` is already declared: MERGE needs a new relationship", v.name),
                    v.span,
                ));
            }
        }
        let mut nodes = vec![&pattern.start];
        nodes.extend(pattern.steps.iter().map(|s| &s.1));
        no_parameter_maps(&pattern, "MERGE")?;
        for node in &nodes {
            only_labels(node, "MERGE")?;
            let v = node.variable.as_ref().map(|v| v.name.as_str()).unwrap_or_default();
            if bound_before.iter().any(|b| b == v)
                && (!node.labels.is_empty() || !node.properties.is_empty() || node.empty_map)
            {
                return Err(QueryError::semantic(
                    format!("`{v}` is already declared, so MERGE cannot give it labels or properties"),
                    node.span,
                ));
            }
        }
        let as_match = MatchClause {
            optional: false,
            patterns: vec![pattern.clone()],
            predicate: None,
            span: clause.span,
        };
        let matcher = self.match_clause(Op::Argument, &as_match)?;
        let slot_of = |planner: &Self, v: &Option<Ident>| {
            v.as_ref().and_then(|v| planner.scope.get(&v.name)).map_or(0, |(slot, _)| slot)
        };
        let mut create = Vec::new();
        for node in &nodes {
            let bound = node.variable.as_ref().is_some_and(|v| bound_before.contains(&v.name));
            if !bound {
                let properties = self.create_properties(&node.properties)?;
                create.push(CreateItem::Node {
                    slot: slot_of(self, &node.variable),
                    labels: node.labels.clone(),
                    properties,
                    spread: None,
                });
            }
        }
        let mut previous = slot_of(self, &pattern.start.variable);
        for (rel, node) in &pattern.steps {
            let next = slot_of(self, &node.variable);
            let (from, to) =
                if rel.direction == RelDirection::Left { (next, previous) } else { (previous, next) };
            let properties = self.create_properties(&rel.properties)?;
            create.push(CreateItem::Relationship {
                slot: slot_of(self, &rel.variable),
                from,
                to,
                rel_type: rel.types[0].clone(),
                properties,
                spread: None,
            });
            previous = next;
        }
        let on_create = self.set_actions(&clause.on_create)?;
        let on_match = self.set_actions(&clause.on_match)?;
        let mut op = Op::Merge {
            input: Box::new(op),
            matcher: Box::new(matcher),
            create,
            on_create,
            on_match,
            stream: false,
        };
        if let Some(p) = &clause.pattern.path_variable {
            let node_slots: Vec<usize> = nodes.iter().map(|n| slot_of(self, &n.variable)).collect();
            let rel_slots: Vec<usize> =
                pattern.steps.iter().map(|(r, _)| slot_of(self, &r.variable)).collect();
            // The pattern was already planned as a match, which bound the path name: free it first.
            self.scope.vars.retain(|v| v.0 != p.name);
            op = self.assign_path(op, p, &pattern, &node_slots, &rel_slots)?;
        }
        Ok(op)
    }

    pub(super) fn remove_clause(&mut self, op: Op, clause: &RemoveClause) -> Result<Op, QueryError> {
        let mut actions = Vec::new();
        for item in &clause.items {
            actions.push(match item {
                RemoveItem::Property { variable, key } => WriteAction::SetProperty {
                    target: self.target(variable)?,
                    key: key.clone(),
                    value: CExpr::Const(Value::Null),
                },
                RemoveItem::Labels { variable, labels } => {
                    WriteAction::RemoveLabels { target: self.target(variable)?, labels: labels.clone() }
                }
            });
        }
        Ok(Op::Write { input: Box::new(op), actions, text: "REMOVE".into() })
    }

    pub(super) fn delete_clause(&mut self, op: Op, clause: &DeleteClause) -> Result<Op, QueryError> {
        let scope = self.scope.clone();
        let mut exprs = Vec::new();
        for e in &clause.exprs {
            if let Some(t) =
                static_type(e, &scope).filter(|t| !matches!(t, Type::Node | Type::Relationship | Type::Path))
            {
                return Err(QueryError::semantic(
                    format!("DELETE takes nodes, relationships or paths, not a {}", t.name()),
                    e.span,
                ));
            }
            // Arithmetic never gives an entity, whatever its operands.
            if let ExprKind::Binary(
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod | BinaryOp::Pow,
                ..,
            )
            | ExprKind::Unary(..) = &e.kind
            {
                return Err(QueryError::semantic(
                    format!("DELETE takes nodes, relationships or paths, not the value of {e}"),
                    e.span,
                ));
            }
            exprs.push(self.compile(e, &scope, &mut Mode::plain("DELETE"))?);
        }
        let text = if clause.detach { "DETACH DELETE" } else { "DELETE" };
        Ok(Op::Write {
            input: Box::new(op),
            actions: vec![WriteAction::Delete { exprs, detach: clause.detach }],
            text: text.into(),
        })
    }

    pub(super) fn create_clause(&mut self, op: Op, clause: &CreateClause) -> Result<Op, QueryError> {
        let mut items = Vec::new();
        let mut paths = Vec::new();
        for pattern in &clause.patterns {
            if let Some(p) = &pattern.path_variable
                && self.scope.get(&p.name).is_some()
            {
                return Err(QueryError::semantic(
                    format!("variable `{}` is already declared", p.name),
                    p.span,
                ));
            }
            let mut node_slots = Vec::new();
            let mut rel_slots = Vec::new();
            if pattern.steps.is_empty()
                && let Some(v) = pattern.start.variable.as_ref().filter(|v| self.scope.get(&v.name).is_some())
            {
                return Err(QueryError::semantic(
                    format!("`{}` is already declared: CREATE of a lone node makes a new one", v.name),
                    v.span,
                ));
            }
            let mut previous = self.create_node(&pattern.start, &mut items)?;
            node_slots.push(previous);
            for (rel, node) in &pattern.steps {
                let next = self.create_node(node, &mut items)?;
                if rel.types.len() != 1 {
                    return Err(QueryError::semantic(
                        "a relationship created with CREATE needs exactly one type, as in `-[:TYPE]->`",
                        rel.span,
                    ));
                }
                if rel.length.is_some() {
                    return Err(QueryError::semantic(
                        "CREATE cannot create a variable-length relationship",
                        rel.span,
                    ));
                }
                let (from, to) = match rel.direction {
                    RelDirection::Right => (previous, next),
                    RelDirection::Left => (next, previous),
                    RelDirection::Either => {
                        return Err(QueryError::semantic(
                            "a relationship created with CREATE needs a direction: `->` or `<-`",
                            rel.span,
                        ));
                    }
                };
                if let Some(v) = &rel.variable
                    && self.scope.get(&v.name).is_some()
                {
                    return Err(QueryError::semantic(
                        format!("variable `{}` is already declared: CREATE makes a new relationship", v.name),
                        v.span,
                    ));
                }
                let properties = self.create_properties(&rel.properties)?;
                let spread = self.create_spread(rel.properties_param.as_ref())?;
                let slot = self.pattern_slot(rel.variable.as_ref(), Kind::Relationship)?;
                items.push(CreateItem::Relationship {
                    slot,
                    from,
                    to,
                    rel_type: rel.types[0].clone(),
                    properties,
                    spread,
                });
                rel_slots.push(slot);
                node_slots.push(next);
                previous = next;
            }
            if let Some(p) = &pattern.path_variable {
                paths.push((p, pattern, node_slots, rel_slots));
            }
        }
        let mut op = Op::Create { input: Box::new(op), items, stream: false };
        for (name, pattern, node_slots, rel_slots) in paths {
            op = self.assign_path(op, name, pattern, &node_slots, &rel_slots)?;
        }
        Ok(op)
    }

    /// The slot of a node in a CREATE pattern: a bound variable as it is, or a new node.
    pub(super) fn create_node(
        &mut self,
        node: &NodePattern,
        items: &mut Vec<CreateItem>,
    ) -> Result<usize, QueryError> {
        only_labels(node, "CREATE")?;
        if let Some(v) = &node.variable
            && let Some((slot, kind)) = self.scope.get(&v.name)
        {
            if kind != Kind::Node && kind != Kind::Any {
                return Err(QueryError::semantic(
                    format!("type mismatch: `{}` is already a {}", v.name, kind_name(kind)),
                    v.span,
                ));
            }
            if !node.labels.is_empty() || !node.properties.is_empty() || node.empty_map {
                return Err(QueryError::semantic(
                    format!(
                        "`{}` is already declared, so CREATE cannot give it labels or properties",
                        v.name
                    ),
                    node.span,
                ));
            }
            return Ok(slot);
        }
        let properties = self.create_properties(&node.properties)?;
        let slot = self.pattern_slot(node.variable.as_ref(), Kind::Node)?;
        let spread = self.create_spread(node.properties_param.as_ref())?;
        items.push(CreateItem::Node { slot, labels: node.labels.clone(), properties, spread });
        Ok(slot)
    }

    /// `$props` in a CREATE pattern, compiled.
    fn create_spread(&mut self, param: Option<&Expr>) -> Result<Option<CExpr>, QueryError> {
        let scope = self.scope.clone();
        param.map(|e| self.compile(e, &scope, &mut Mode::plain("CREATE"))).transpose()
    }

    pub(super) fn create_properties(
        &mut self,
        properties: &[(String, Expr)],
    ) -> Result<Vec<(String, CExpr)>, QueryError> {
        let scope = self.scope.clone();
        properties
            .iter()
            .map(|(k, e)| Ok((k.clone(), self.compile(e, &scope, &mut Mode::plain("CREATE"))?)))
            .collect()
    }
}

/// CREATE and MERGE give a node labels; a label expression that asks for more than labels
/// (`|`, `!`, `%`) names no set of labels to give.
fn only_labels(node: &NodePattern, clause: &str) -> Result<(), QueryError> {
    match &node.label_expr {
        Some(e) => Err(QueryError::semantic(
            format!("{clause} gives a node labels, which `:{e}` does not name: write them as :A:B or :A&B"),
            node.span,
        )),
        None => Ok(()),
    }
}

/// `(n $param)` and `[r $param]` name no properties to match by: only CREATE takes them.
pub(super) fn no_parameter_maps(pattern: &Pattern, clause: &str) -> Result<(), QueryError> {
    let nodes = std::iter::once(&pattern.start).chain(pattern.steps.iter().map(|(_, n)| n));
    let params = nodes
        .filter_map(|n| n.properties_param.as_ref())
        .chain(pattern.steps.iter().filter_map(|(r, _)| r.properties_param.as_ref()));
    match params.into_iter().next() {
        Some(p) => Err(QueryError::semantic(
            format!(
                "{clause} cannot match by a parameter standing for all properties ({p}): write {{key: $param.key}}, or WHERE n.key = $param.key"
            ),
            p.span,
        )),
        None => Ok(()),
    }
}
