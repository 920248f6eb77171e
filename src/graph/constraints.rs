//! Constraints (`CREATE CONSTRAINT name FOR (n:L) REQUIRE n.p IS UNIQUE`, `IS NOT NULL`,
//! `(n.a, n.b) IS NODE KEY`, `IS :: STRING`), on the nodes of a label or the relationships of a
//! type. The graph holds their definitions and checks entities against them; the executor checks
//! every entity a statement created or changed when the statement ends (so a statement may create a
//! node and set its key in two clauses), and loads check the whole graph they make. A uniqueness or
//! key constraint finds equal values through a property index on its first key: one there already,
//! or one it creates and owns (dropped with it, and listed with its name as `owningConstraint`).

use std::collections::BTreeMap;

use super::{EdgeId, Graph, IndexDef, NodeId, Properties, Sym};
use crate::temporal::Temporal;
use crate::value::Value;

/// A property type of `IS :: T`: Neo4j's names, lists of one scalar type (`LIST<STRING NOT NULL>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueType {
    Boolean,
    String,
    Integer,
    Float,
    Date,
    LocalTime,
    ZonedTime,
    LocalDateTime,
    ZonedDateTime,
    Duration,
    List(Box<ValueType>),
}

impl ValueType {
    /// Reads a type as Neo4j writes it (`STRING`, `INT`, `ZONED DATETIME`, `LIST<INTEGER NOT NULL>`);
    /// case and spacing are free.
    pub fn parse(text: &str) -> Option<ValueType> {
        let words: Vec<String> = text.split_whitespace().map(str::to_ascii_uppercase).collect();
        let joined = words.join(" ");
        if let Some(inner) = joined.strip_prefix("LIST<").or_else(|| joined.strip_prefix("LIST <")) {
            let inner = inner.strip_suffix('>')?.trim();
            let inner = inner.strip_suffix("NOT NULL")?.trim();
            return match ValueType::parse(inner)? {
                ValueType::List(_) => None,
                scalar => Some(ValueType::List(Box::new(scalar))),
            };
        }
        Some(match joined.as_str() {
            "BOOLEAN" | "BOOL" => ValueType::Boolean,
            "STRING" | "VARCHAR" => ValueType::String,
            "INTEGER" | "INT" | "SIGNED INTEGER" => ValueType::Integer,
            "FLOAT" => ValueType::Float,
            "DATE" => ValueType::Date,
            "LOCAL TIME" | "TIME WITHOUT TIME ZONE" => ValueType::LocalTime,
            "ZONED TIME" | "TIME WITH TIME ZONE" => ValueType::ZonedTime,
            "LOCAL DATETIME" | "TIMESTAMP WITHOUT TIME ZONE" => ValueType::LocalDateTime,
            "ZONED DATETIME" | "TIMESTAMP WITH TIME ZONE" => ValueType::ZonedDateTime,
            "DURATION" => ValueType::Duration,
            _ => return None,
        })
    }

    /// Whether `v` (not null) is of this type.
    pub fn holds(&self, v: &Value) -> bool {
        match (self, v) {
            (ValueType::Boolean, Value::Bool(_))
            | (ValueType::String, Value::String(_))
            | (ValueType::Integer, Value::Int(_))
            | (ValueType::Float, Value::Float(_)) => true,
            (ValueType::List(inner), Value::List(items)) => items.iter().all(|i| inner.holds(i)),
            (_, Value::Temporal(t)) => matches!(
                (self, t),
                (ValueType::Date, Temporal::Date(_))
                    | (ValueType::LocalTime, Temporal::LocalTime(_))
                    | (ValueType::ZonedTime, Temporal::Time(_))
                    | (ValueType::LocalDateTime, Temporal::LocalDateTime(_))
                    | (ValueType::ZonedDateTime, Temporal::DateTime(_))
                    | (ValueType::Duration, Temporal::Duration(_))
            ),
            _ => false,
        }
    }
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            ValueType::Boolean => "BOOLEAN",
            ValueType::String => "STRING",
            ValueType::Integer => "INTEGER",
            ValueType::Float => "FLOAT",
            ValueType::Date => "DATE",
            ValueType::LocalTime => "LOCAL TIME",
            ValueType::ZonedTime => "ZONED TIME",
            ValueType::LocalDateTime => "LOCAL DATETIME",
            ValueType::ZonedDateTime => "ZONED DATETIME",
            ValueType::Duration => "DURATION",
            ValueType::List(inner) => return write!(f, "LIST<{inner} NOT NULL>"),
        };
        f.write_str(name)
    }
}

/// What a constraint requires of its keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConstraintKind {
    /// No two entities have equal values for all the keys (entities lacking one are not compared).
    Unique,
    /// Every entity has every key.
    NotNull,
    /// Both: every entity has every key, and no two the same values.
    Key,
    /// Each key, where set, holds a value of one of these types.
    Typed(Vec<ValueType>),
}

/// The most types a property type constraint names (`IS :: STRING | INTEGER | …`).
pub const MAX_CONSTRAINT_TYPES: usize = 16;

impl ConstraintKind {
    /// The kind as files hold it: a number, and for `Typed` the names of its types.
    pub fn to_code(&self) -> (u8, Vec<String>) {
        match self {
            ConstraintKind::Unique => (0, Vec::new()),
            ConstraintKind::NotNull => (1, Vec::new()),
            ConstraintKind::Key => (2, Vec::new()),
            ConstraintKind::Typed(types) => (3, types.iter().map(ToString::to_string).collect()),
        }
    }

    /// [`ConstraintKind::to_code`] read back; `None` for what no writer makes.
    pub fn from_code(code: u8, types: &[String]) -> Option<ConstraintKind> {
        Some(match code {
            0 => ConstraintKind::Unique,
            1 => ConstraintKind::NotNull,
            2 => ConstraintKind::Key,
            3 if !types.is_empty() && types.len() <= MAX_CONSTRAINT_TYPES => {
                ConstraintKind::Typed(types.iter().map(|t| ValueType::parse(t)).collect::<Option<_>>()?)
            }
            _ => return None,
        })
    }
}

/// A constraint: on nodes with label `on`, or relationships of type `on`, and its keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConstraintDef {
    pub relationship: bool,
    pub on: Sym,
    pub keys: Vec<Sym>,
    pub kind: ConstraintKind,
}

/// The most keys a constraint has.
pub const MAX_CONSTRAINT_KEYS: usize = 64;

/// An entity breaking a constraint: which, and how, in words that name both.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (constraint `{constraint}`)")]
pub struct ConstraintViolation {
    pub constraint: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    def: ConstraintDef,
    /// The index the constraint created to find equal values, dropped with it.
    owned_index: Option<IndexDef>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Constraints {
    by_name: BTreeMap<String, Entry>,
}

/// An entity as a violation names it.
#[derive(Clone, Copy)]
enum Entity {
    Node(NodeId),
    Edge(EdgeId),
}

impl Graph {
    /// Whether the graph has any constraint (when it has none, nothing needs checking).
    pub fn has_constraints(&self) -> bool {
        !self.constraints.by_name.is_empty()
    }

    /// Every constraint, by name, with the index it owns.
    pub fn constraints(&self) -> impl Iterator<Item = (&str, &ConstraintDef, Option<IndexDef>)> {
        self.constraints.by_name.iter().map(|(n, e)| (n.as_str(), &e.def, e.owned_index))
    }

    /// The constraint called `name`.
    pub fn constraint(&self, name: &str) -> Option<&ConstraintDef> {
        self.constraints.by_name.get(name).map(|e| &e.def)
    }

    /// The constraint that owns the index `def`, if one does.
    pub fn index_owner(&self, def: IndexDef) -> Option<&str> {
        self.constraints().find(|(_, _, owned)| *owned == Some(def)).map(|(n, _, _)| n)
    }

    /// Creates the constraint `name` once the graph as it is satisfies it; a uniqueness or key
    /// constraint gets an index on its first key, its own unless one was there (or `owned` says
    /// which, as a snapshot records it). Nothing changes when it fails. The caller makes sure the
    /// name is free.
    pub fn create_constraint(
        &mut self,
        name: &str,
        def: ConstraintDef,
        owned: Option<bool>,
    ) -> Result<(), ConstraintViolation> {
        let index = needs_index(&def);
        let made = match index {
            Some(ix) => match owned {
                Some(true) => self.create_index_def(ix) || self.has_index_def(ix),
                Some(false) => false,
                None => self.create_index_def(ix),
            },
            None => false,
        };
        let owned_index = if made && owned != Some(false) { index } else { None };
        // Neo4j names a constraint's own index after it.
        if let Some(ix) = owned_index
            && self.index_called(name).is_none()
        {
            self.name_index(name, ix);
        }
        self.constraints.by_name.insert(name.to_string(), Entry { def: def.clone(), owned_index });
        let checked = self.check_constraint(name, &def);
        if checked.is_err() {
            self.drop_constraint(name);
        }
        checked
    }

    /// Drops the constraint `name`, and the index it owns; gives back its definition.
    pub fn drop_constraint(&mut self, name: &str) -> Option<ConstraintDef> {
        let entry = self.constraints.by_name.remove(name)?;
        if let Some(ix) = entry.owned_index {
            self.drop_index_def(ix);
        }
        Some(entry.def)
    }

    /// Checks every entity of one constraint.
    fn check_constraint(&self, name: &str, def: &ConstraintDef) -> Result<(), ConstraintViolation> {
        if def.relationship {
            let mut result = Ok(());
            self.for_each_edge(|e, _, _, ty, props| {
                if result.is_ok() && ty == def.on {
                    result = self.check_one(name, def, Entity::Edge(e), props);
                }
            });
            result
        } else {
            let nodes: Vec<u32> =
                self.by_label.get(&def.on).map_or_else(Vec::new, |s| s.iter().copied().collect());
            nodes.into_iter().try_for_each(|n| {
                let n = NodeId(n);
                self.check_one(name, def, Entity::Node(n), self.node_properties(n))
            })
        }
    }

    /// [`Graph::absorb`], refused (the graph left as it was) when the graph it makes breaks a
    /// constraint of either graph. Without constraints, no copy is made.
    pub fn absorb_checked(&mut self, other: Graph) -> Result<(), ConstraintViolation> {
        if !self.has_constraints() && !other.has_constraints() {
            self.absorb(other);
            return Ok(());
        }
        let mut merged = self.clone();
        merged.absorb(other);
        merged.check_all_constraints()?;
        *self = merged;
        Ok(())
    }

    /// Checks the whole graph against every constraint: what a load that bypasses statements does.
    pub fn check_all_constraints(&self) -> Result<(), ConstraintViolation> {
        self.constraints.by_name.iter().try_for_each(|(name, e)| self.check_constraint(name, &e.def))
    }

    /// Checks one node against the constraints on its labels.
    pub fn check_node_constraints(&self, n: NodeId) -> Result<(), ConstraintViolation> {
        if !self.contains_node(n) {
            return Ok(());
        }
        let labels = self.labels(n);
        let props = self.node_properties(n);
        self.constraints
            .by_name
            .iter()
            .filter(|(_, e)| !e.def.relationship && labels.contains(&e.def.on))
            .try_for_each(|(name, e)| self.check_one(name, &e.def, Entity::Node(n), props))
    }

    /// Checks one relationship against the constraints on its type.
    pub fn check_edge_constraints(&self, e: EdgeId) -> Result<(), ConstraintViolation> {
        let Some(ty) = self.edge_type(e) else { return Ok(()) };
        let props = self.edge_properties(e);
        self.constraints
            .by_name
            .iter()
            .filter(|(_, c)| c.def.relationship && c.def.on == ty)
            .try_for_each(|(name, c)| self.check_one(name, &c.def, Entity::Edge(e), props))
    }

    fn describe(&self, def: &ConstraintDef, entity: Entity) -> String {
        match entity {
            Entity::Node(n) => format!("node {} (:{})", n.0, self.name(def.on)),
            Entity::Edge(e) => format!("relationship {} [:{}]", e.0, self.name(def.on)),
        }
    }

    fn check_one(
        &self,
        name: &str,
        def: &ConstraintDef,
        entity: Entity,
        props: &Properties,
    ) -> Result<(), ConstraintViolation> {
        let fail = |message: String| Err(ConstraintViolation { constraint: name.to_string(), message });
        let values: Vec<Option<&Value>> = def.keys.iter().map(|&k| props.get(k)).collect();
        if matches!(def.kind, ConstraintKind::NotNull | ConstraintKind::Key)
            && let Some(at) = values.iter().position(Option::is_none)
        {
            return fail(format!(
                "{} must have the property `{}`",
                self.describe(def, entity),
                self.name(def.keys[at])
            ));
        }
        if let ConstraintKind::Typed(types) = &def.kind {
            for (v, &k) in values.iter().zip(&def.keys) {
                if let Some(v) = v
                    && !types.iter().any(|t| t.holds(v))
                {
                    let wanted: Vec<String> = types.iter().map(ToString::to_string).collect();
                    return fail(format!(
                        "{} has `{}` = {v}, which is not of type {}",
                        self.describe(def, entity),
                        self.name(k),
                        wanted.join(" | ")
                    ));
                }
            }
        }
        if matches!(def.kind, ConstraintKind::Unique | ConstraintKind::Key)
            && values.iter().all(Option::is_some)
            && let Some(other) = self.same_values(def, entity, &values)
        {
            let keys: Vec<String> = def
                .keys
                .iter()
                .zip(&values)
                .map(|(&k, v)| format!("`{}` = {}", self.name(k), v.map_or(Value::Null, Clone::clone)))
                .collect();
            return fail(format!(
                "{} and {} both have {}",
                self.describe(def, other),
                self.describe(def, entity),
                keys.join(", ")
            ));
        }
        Ok(())
    }

    /// Another entity of the constraint's label or type with values equal to `values` for all keys.
    fn same_values(&self, def: &ConstraintDef, entity: Entity, values: &[Option<&Value>]) -> Option<Entity> {
        let first = values[0]?;
        let (on, key) = (self.name(def.on), self.name(def.keys[0]));
        let equal = |props: &Properties| {
            def.keys.iter().zip(values).all(|(&k, v)| {
                props.get(k).zip(*v).is_some_and(|(a, b)| a.order_cmp(b) == std::cmp::Ordering::Equal)
            })
        };
        match entity {
            Entity::Node(me) => self
                .index_lookup(on, key, first)
                .into_iter()
                .find(|&n| n != me && self.has_label(n, def.on) && equal(self.node_properties(n)))
                .map(Entity::Node),
            Entity::Edge(me) => self
                .rel_index_lookup(on, key, first)
                .into_iter()
                .find(|&e| e != me && equal(self.edge_properties(e)))
                .map(Entity::Edge),
        }
    }

    /// The constraints as text (name, on relationships, label or type, keys, kind, owns its index):
    /// what another graph, with its own symbols, can build the same constraints from.
    pub(super) fn constraints_as_text(
        &self,
    ) -> Vec<(String, bool, String, Vec<String>, ConstraintKind, bool)> {
        self.constraints()
            .map(|(name, d, owned)| {
                let keys = d.keys.iter().map(|&k| self.name(k).to_string()).collect();
                (
                    name.to_string(),
                    d.relationship,
                    self.name(d.on).to_string(),
                    keys,
                    d.kind.clone(),
                    owned.is_some(),
                )
            })
            .collect()
    }

    /// Defines the constraints of [`Graph::constraints_as_text`] here, those whose names are free,
    /// without checking them: the caller checks the graph once it is whole.
    pub(super) fn constraints_from_text(
        &mut self,
        defs: Vec<(String, bool, String, Vec<String>, ConstraintKind, bool)>,
    ) {
        for (name, relationship, on, keys, kind, owned) in defs {
            if self.constraints.by_name.contains_key(&name) {
                continue;
            }
            let def = ConstraintDef {
                relationship,
                on: self.intern(&on),
                keys: keys.iter().map(|k| self.intern(k)).collect(),
                kind,
            };
            let index = needs_index(&def);
            let made = index.is_some_and(|ix| self.create_index_def(ix));
            let owned_index = if made || owned { index } else { None };
            self.constraints.by_name.insert(name, Entry { def, owned_index });
        }
    }
}

/// The index a constraint finds equal values through: on its first key, for uniqueness and keys.
fn needs_index(def: &ConstraintDef) -> Option<IndexDef> {
    matches!(def.kind, ConstraintKind::Unique | ConstraintKind::Key).then(|| IndexDef {
        relationship: def.relationship,
        on: def.on,
        key: def.keys[0],
    })
}
