//! Building patterns from their pairs: nodes, relationships, lengths, shortest paths and
//! quantified path patterns.

use super::*;

impl Builder {
    pub(super) fn pattern_list(&self, pair: Pair<Rule>) -> Built<Vec<Pattern>> {
        pair.into_inner().map(|p| self.pattern(p)).collect()
    }

    pub(super) fn pattern(&self, pair: Pair<Rule>) -> Built<Pattern> {
        let span = self.span(&pair);
        let mut parts: Vec<Pair<Rule>> = pair.into_inner().collect();
        let path_variable = match parts.first().map(|p| p.as_rule()) {
            Some(Rule::variable) => Some(self.ident(parts.remove(0))),
            _ => None,
        };
        let mut shortest = None;
        if parts.first().map(|p| p.as_rule()) == Some(Rule::shortest_path) {
            let mut inside: Vec<Pair<Rule>> = parts.remove(0).into_inner().collect();
            let kind = inside.remove(0);
            shortest = Some(kind.as_str().to_ascii_lowercase().starts_with("all"));
            parts = inside;
        }
        let mut inner = parts.into_iter();
        let start = self.node_pattern(inner.next().expect("pattern starts with a node"))?;
        let mut steps = Vec::new();
        while let Some(rel) = inner.next() {
            self.relationships.set(self.relationships.get() + 1);
            if self.relationships.get() > MAX_RELATIONSHIPS {
                return Err(QueryError::syntax(
                    format!("the statement has more than {MAX_RELATIONSHIPS} relationship patterns"),
                    self.span(&rel),
                ));
            }
            let rel = match rel.as_rule() {
                Rule::quantified_path => self.quantified_path(rel)?,
                _ => self.relationship_pattern(rel)?,
            };
            let node = self.node_pattern(inner.next().expect("relationship is followed by a node"))?;
            steps.push((rel, node));
        }
        Ok(Pattern { path_variable, start, steps, shortest, span })
    }

    /// `(()-[r:R]->()){m,n}`: the variable-length relationship it means. The inner nodes must be
    /// plain: a label, a property or a variable on them would hold at every step (or bind a list of
    /// nodes), which a variable-length relationship cannot say.
    fn quantified_path(&self, pair: Pair<Rule>) -> Built<RelPattern> {
        let mut parts = pair.into_inner();
        let (first, rel, last, quantifier) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(r), Some(b), Some(q)) => (a, r, b, q),
            _ => {
                unreachable!("the grammar gives a quantified path two nodes, a relationship and a quantifier")
            }
        };
        for node in [first, last] {
            let span = self.span(&node);
            let node = self.node_pattern(node)?;
            let plain = node.variable.is_none()
                && node.labels.is_empty()
                && node.label_expr.is_none()
                && node.properties.is_empty()
                && node.properties_param.is_none()
                && !node.empty_map;
            if !plain {
                return Err(QueryError::semantic(
                    "a quantified path pattern with a variable, label or property on its inner nodes is not \
                     supported yet: leave them plain, `(a)(()-[r:R]->()){1,3}(b)`, which is `(a)-[r:R*1..3]->(b)`",
                    span,
                ));
            }
        }
        let span = self.span(&rel);
        let mut rel = self.relationship_pattern(rel)?;
        if rel.length.is_some() {
            return Err(QueryError::semantic(
                "the relationship of a quantified path pattern takes no length of its own: the quantifier gives it",
                span,
            ));
        }
        let inner: Vec<Pair<Rule>> = quantifier.into_inner().collect();
        let bound = |p: &Pair<Rule>| {
            p.as_str().parse::<u64>().map_err(|_| {
                QueryError::syntax(
                    "a quantifier's bound must be a whole number that fits in 64 bits",
                    self.span(p),
                )
            })
        };
        rel.length = Some(match inner.as_slice() {
            [q] if q.as_rule() == Rule::quantifier_plus => (Some(1), None),
            [q] if q.as_rule() == Rule::quantifier_star => (Some(0), None),
            // `{n}`: exactly n.
            [n] if n.as_rule() == Rule::range_bound => (Some(bound(n)?), Some(bound(n)?)),
            [] => {
                return Err(QueryError::syntax("a quantifier needs a bound: {n}, {m,n}, {m,} or {,n}", span));
            }
            parts => {
                let comma =
                    parts.iter().position(|p| p.as_rule() == Rule::quantifier_comma).unwrap_or(parts.len());
                let low = parts[..comma].first().map(bound).transpose()?;
                let high = parts.get(comma + 1..).and_then(|r| r.first()).map(bound).transpose()?;
                (Some(low.unwrap_or(0)), high)
            }
        });
        Ok(rel)
    }

    pub(super) fn node_pattern(&self, pair: Pair<Rule>) -> Built<NodePattern> {
        let span = self.span(&pair);
        let mut node = NodePattern {
            variable: None,
            labels: Vec::new(),
            label_expr: None,
            properties: Vec::new(),
            properties_param: None,
            empty_map: false,
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => node.variable = Some(self.ident(p)),
                Rule::label_expression => (node.labels, node.label_expr) = label_terms(p),
                Rule::map_literal => {
                    node.properties = self.map_entries(p)?;
                    node.empty_map = node.properties.is_empty();
                }
                Rule::parameter => node.properties_param = Some(self.atom(p)?),
                _ => {}
            }
        }
        Ok(node)
    }

    pub(super) fn relationship_pattern(&self, pair: Pair<Rule>) -> Built<RelPattern> {
        let span = self.span(&pair);
        let mut left = false;
        let mut right = false;
        let mut rel = RelPattern {
            variable: None,
            types: Vec::new(),
            direction: RelDirection::Either,
            length: None,
            properties: Vec::new(),
            properties_param: None,
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::left_arrow => left = true,
                Rule::right_arrow => right = true,
                Rule::relationship_detail => {
                    for d in p.into_inner() {
                        match d.as_rule() {
                            Rule::variable => rel.variable = Some(self.ident(d)),
                            Rule::relationship_types => {
                                rel.types = d.into_inner().map(|t| name_text(&t)).collect()
                            }
                            Rule::range => rel.length = Some(self.range(d)?),
                            Rule::map_literal => rel.properties = self.map_entries(d)?,
                            Rule::parameter => rel.properties_param = Some(self.atom(d)?),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        rel.direction = match (left, right) {
            (true, false) => RelDirection::Left,
            (false, true) => RelDirection::Right,
            // `<-->` means either direction, like `--`.
            (true, true) | (false, false) => RelDirection::Either,
        };
        Ok(rel)
    }

    fn range(&self, pair: Pair<Rule>) -> Built<(Option<u64>, Option<u64>)> {
        let text = pair.as_str();
        let span = self.span(&pair);
        let range_start = pair.as_span().start();
        let bound = |p: Pair<Rule>| -> Built<u64> {
            p.as_str().parse().map_err(|_| QueryError::syntax("range bound is too large", span))
        };
        let bounds: Vec<Pair<Rule>> = pair.into_inner().collect();
        if !text.contains("..") {
            // `*` alone, or `*n` for exactly n hops.
            return match bounds.into_iter().next() {
                Some(b) => {
                    let n = bound(b)?;
                    Ok((Some(n), Some(n)))
                }
                None => Ok((None, None)),
            };
        }
        let dots = text.find("..").expect("checked above");
        let mut min = None;
        let mut max = None;
        for b in bounds {
            let before_dots = b.as_span().start() - range_start < dots;
            if before_dots { min = Some(bound(b)?) } else { max = Some(bound(b)?) }
        }
        Ok((min, max))
    }
}
