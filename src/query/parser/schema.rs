//! Building schema commands from their pairs: `CREATE`/`DROP INDEX`, `CREATE FULLTEXT INDEX`,
//! `CREATE`/`DROP CONSTRAINT`.

use super::*;
use crate::graph::{ConstraintKind, MAX_CONSTRAINT_KEYS, MAX_CONSTRAINT_TYPES, MAX_FULLTEXT_KEYS, ValueType};

/// What the `FOR … ON …` or `FOR … REQUIRE …` of a command names: the variable (each time it is
/// written), the labels or types, the keys, and whether it is on relationships.
#[derive(Default)]
struct Parts {
    variables: Vec<Ident>,
    on: Vec<String>,
    keys: Vec<(String, Span)>,
    relationship: bool,
}

impl Builder {
    /// Takes `p` into `parts` when it is part of what a command is on; false when it is not.
    fn take_part(&self, p: &Pair<Rule>, parts: &mut Parts) -> bool {
        match p.as_rule() {
            Rule::variable => parts.variables.push(self.ident(p.clone())),
            Rule::label_name | Rule::type_name => parts.on.push(name_text(p)),
            Rule::property_key => parts.keys.push((name_text(p), self.span(p))),
            Rule::rel_index_target | Rule::fulltext_rels => {
                parts.relationship = true;
                for q in p.clone().into_inner() {
                    self.take_part(&q, parts);
                }
            }
            _ => return false,
        }
        true
    }

    /// The one variable a command reads its keys from, checked to be the same each time; at most
    /// `max_keys` keys, none twice.
    fn check_parts(&self, parts: &Parts, what: &str, max_keys: usize) -> Built<Option<Ident>> {
        let Some(variable) = parts.variables.first().cloned() else { return Ok(None) };
        if let Some(other) = parts.variables[1..].iter().find(|v| v.name != variable.name) {
            return Err(QueryError::semantic(
                format!("the {what}'s keys must be read from `{}`, not `{}`", variable.name, other.name),
                other.span,
            ));
        }
        if let Some((_, at)) = parts.keys.get(max_keys) {
            return Err(QueryError::semantic(format!("a {what} takes at most {max_keys} keys"), *at));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some((key, at)) = parts.keys.iter().find(|(k, _)| !seen.insert(k.clone())) {
            return Err(QueryError::semantic(format!("`{key}` is named twice"), *at));
        }
        Ok(Some(variable))
    }

    /// The name, IF [NOT] EXISTS and CREATE of any schema command, and the rest of its pairs.
    fn command_head<'i>(&self, pair: Pair<'i, Rule>) -> (SchemaCommand, Vec<Pair<'i, Rule>>) {
        let mut command = SchemaCommand::by_name(false, None, false);
        let mut rest = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::create_index => command.create = true,
                Rule::index_name => command.name = p.into_inner().next().map(|v| self.ident(v)),
                Rule::if_not_exists | Rule::if_exists => command.if_exists = true,
                Rule::constraint_kw => command.constraint = true,
                _ => rest.push(p),
            }
        }
        (command, rest)
    }

    pub(super) fn index_command(&self, pair: Pair<Rule>) -> Built<SchemaCommand> {
        let (mut command, rest) = self.command_head(pair);
        let mut parts = Parts::default();
        for p in rest {
            match p.as_rule() {
                Rule::fulltext_target => return self.fulltext_command(command, p),
                Rule::constraint_target => {
                    command.requires = Some(self.constraint_target(p)?);
                    return Ok(command);
                }
                _ => {
                    self.take_part(&p, &mut parts);
                }
            }
        }
        // `DROP INDEX name` and `DROP CONSTRAINT name`: the grammar gives a name and nothing else.
        let Some(variable) = self.check_parts(&parts, "index", usize::MAX)? else { return Ok(command) };
        if let [_, (_, second), ..] = parts.keys.as_slice() {
            return Err(QueryError::semantic(
                "composite indexes (on several keys) are not supported yet: create an index on each key",
                *second,
            ));
        }
        let key = parts.keys.into_iter().next().map(|(k, _)| k).unwrap_or_default();
        let label = parts.on.into_iter().next().unwrap_or_default();
        command.target = Some(IndexTarget { variable, label, key, relationship: parts.relationship });
        Ok(command)
    }

    /// `CREATE FULLTEXT INDEX [name] [IF NOT EXISTS] FOR … ON EACH [...]`.
    fn fulltext_command(&self, command: SchemaCommand, target: Pair<Rule>) -> Built<SchemaCommand> {
        let mut parts = Parts::default();
        for p in target.into_inner() {
            self.take_part(&p, &mut parts);
        }
        self.check_parts(&parts, "full-text index", MAX_FULLTEXT_KEYS)?;
        let mut on = parts.on;
        on.dedup();
        let keys = parts.keys.into_iter().map(|(k, _)| k).collect();
        Ok(SchemaCommand {
            fulltext: Some(FulltextTarget { on, keys, relationship: parts.relationship }),
            ..command
        })
    }

    fn constraint_target(&self, pair: Pair<Rule>) -> Built<ConstraintTarget> {
        let mut parts = Parts::default();
        let mut rule = None;
        for p in pair.into_inner() {
            if !self.take_part(&p, &mut parts) && p.as_rule() == Rule::constraint_rule {
                rule = Some(p);
            }
        }
        self.check_parts(&parts, "constraint", MAX_CONSTRAINT_KEYS)?;
        let rule = rule.expect("the grammar gives a constraint its rule");
        let kind = self.constraint_rule(rule, parts.relationship)?;
        if matches!(kind, ConstraintKind::Typed(_) | ConstraintKind::NotNull)
            && let Some((_, second)) = parts.keys.get(1)
        {
            return Err(QueryError::semantic(
                "IS NOT NULL and IS :: TYPE constraints take one key: create one per key",
                *second,
            ));
        }
        Ok(ConstraintTarget {
            on: parts.on.into_iter().next().unwrap_or_default(),
            keys: parts.keys.into_iter().map(|(k, _)| k).collect(),
            relationship: parts.relationship,
            kind,
        })
    }

    fn constraint_rule(&self, pair: Pair<Rule>, relationship: bool) -> Built<ConstraintKind> {
        let rule = pair.into_inner().next().expect("a constraint rule has one form");
        // `IS NODE KEY` on relationships (or `IS REL UNIQUE` on nodes) says the wrong entity.
        let entity = rule.clone().into_inner().find(|p| matches!(p.as_rule(), Rule::NODE_KW | Rule::REL_KW));
        if let Some(word) = entity
            && (word.as_rule() == Rule::REL_KW) != relationship
        {
            let (on, wanted) =
                if relationship { ("relationships", "RELATIONSHIP") } else { ("nodes", "NODE") };
            return Err(QueryError::semantic(
                format!("this constraint is on {on}: write {wanted} here"),
                self.span(&word),
            ));
        }
        Ok(match rule.as_rule() {
            Rule::unique_rule => ConstraintKind::Unique,
            Rule::not_null_rule => ConstraintKind::NotNull,
            Rule::key_rule => ConstraintKind::Key,
            _ => {
                let specs: Vec<Pair<Rule>> =
                    rule.into_inner().filter(|p| p.as_rule() == Rule::type_spec).collect();
                if let Some(extra) = specs.get(MAX_CONSTRAINT_TYPES) {
                    return Err(QueryError::semantic(
                        format!("a property type constraint names at most {MAX_CONSTRAINT_TYPES} types"),
                        self.span(extra),
                    ));
                }
                let mut types = Vec::new();
                for spec in specs {
                    let text = spec.as_str().trim();
                    let ty = ValueType::parse(text).ok_or_else(|| {
                        QueryError::semantic(
                            format!(
                                "`{text}` is no property type: BOOLEAN, STRING, INTEGER, FLOAT, DATE, LOCAL TIME, \
                                 ZONED TIME, LOCAL DATETIME, ZONED DATETIME, DURATION or LIST<T NOT NULL>"
                            ),
                            self.span(&spec),
                        )
                    })?;
                    if !types.contains(&ty) {
                        types.push(ty);
                    }
                }
                ConstraintKind::Typed(types)
            }
        })
    }
}
