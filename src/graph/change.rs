//! A change to a graph that names what it changes by id: what a statement did, as a database's
//! journal records it and replays it. Applied in order to the graph a statement ran against, a
//! statement's changes give the graph it left, whatever the statement read, matched or drew on the
//! way: replaying them needs no query to run again the same way.

use super::{ConstraintDef, EdgeId, FulltextDef, Graph, GraphError, IndexDef, NodeId, Properties, Sym};
use crate::value::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    NodeCreated {
        id: NodeId,
        labels: Vec<Sym>,
        props: Properties,
    },
    /// The node had no relationships left: those went by changes of their own, before.
    NodeDeleted(NodeId),
    EdgeCreated {
        id: EdgeId,
        from: NodeId,
        to: NodeId,
        ty: Sym,
        props: Properties,
    },
    EdgeDeleted(EdgeId),
    /// A property set; null removes it.
    NodeProperty {
        id: NodeId,
        key: Sym,
        value: Value,
    },
    EdgeProperty {
        id: EdgeId,
        key: Sym,
        value: Value,
    },
    LabelAdded(NodeId, Sym),
    LabelRemoved(NodeId, Sym),
    IndexCreated {
        label: Sym,
        key: Sym,
    },
    IndexDropped {
        label: Sym,
        key: Sym,
    },
    /// A relationship property index, on relationships of type `ty`.
    RelIndexCreated {
        ty: Sym,
        key: Sym,
    },
    RelIndexDropped {
        ty: Sym,
        key: Sym,
    },
    /// An index given a name (`CREATE INDEX name FOR …`); dropping the index drops its name.
    IndexNamed {
        name: String,
        def: IndexDef,
    },
    /// A full-text index created (`CREATE FULLTEXT INDEX`), filled from the graph as it is then.
    FulltextCreated {
        name: String,
        def: FulltextDef,
    },
    FulltextDropped {
        name: String,
    },
    /// A constraint created (and the index it owns, if it made one).
    ConstraintCreated {
        name: String,
        def: ConstraintDef,
    },
    ConstraintDropped {
        name: String,
    },
}

impl Graph {
    /// Makes one change, under the ids it names. A change that does not fit the graph (a node
    /// created under an id in use, a relationship whose end does not exist, a node deleted that
    /// still has relationships) is refused and leaves the graph as it was.
    pub fn apply(&mut self, change: Change) -> Result<(), GraphError> {
        match change {
            Change::NodeCreated { id, labels, props } => self.add_node_at(id, &labels, props),
            Change::NodeDeleted(n) => self.remove_node(n),
            Change::EdgeCreated { id, from, to, ty, props } => self.add_edge_at(id, from, to, ty, props),
            Change::EdgeDeleted(e) => self.remove_edge(e),
            Change::NodeProperty { id, key, value } => self.set_node_property(id, key, value).map(drop),
            Change::EdgeProperty { id, key, value } => self.set_edge_property(id, key, value).map(drop),
            Change::LabelAdded(n, l) => self.add_label(n, l).map(drop),
            Change::LabelRemoved(n, l) => self.remove_label(n, l).map(drop),
            Change::IndexCreated { label: on, key } => {
                self.create_index_def(IndexDef { relationship: false, on, key });
                Ok(())
            }
            Change::IndexDropped { label: on, key } => {
                self.drop_index_def(IndexDef { relationship: false, on, key });
                Ok(())
            }
            Change::RelIndexCreated { ty: on, key } => {
                self.create_index_def(IndexDef { relationship: true, on, key });
                Ok(())
            }
            Change::RelIndexDropped { ty: on, key } => {
                self.drop_index_def(IndexDef { relationship: true, on, key });
                Ok(())
            }
            Change::IndexNamed { name, def } => {
                self.name_index(&name, def);
                Ok(())
            }
            Change::FulltextCreated { name, def } => {
                self.create_fulltext_index(&name, def);
                Ok(())
            }
            Change::FulltextDropped { name } => {
                self.drop_fulltext_index(&name);
                Ok(())
            }
            Change::ConstraintCreated { name, def } => self
                .create_constraint(&name, def, None)
                .map_err(|v| GraphError::ConstraintViolated(v.to_string())),
            Change::ConstraintDropped { name } => {
                self.drop_constraint(&name);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_applied_to_a_copy_rebuild_the_graph_under_the_same_ids() {
        let mut g = Graph::new();
        let l = g.intern("L");
        let k = g.intern("k");
        let r = g.intern("R");
        let mut copy = g.clone();
        let mut log = Vec::new();
        let a = g.add_node(&[l], Properties::default());
        let b = g.add_node(&[], Properties::default());
        log.push(Change::NodeCreated { id: a, labels: vec![l], props: Properties::default() });
        log.push(Change::NodeCreated { id: b, labels: vec![], props: Properties::default() });
        g.remove_node(a).unwrap();
        log.push(Change::NodeDeleted(a));
        let c = g.add_node(&[], Properties::default());
        assert_eq!(c, a, "the lowest free id is taken again");
        log.push(Change::NodeCreated { id: c, labels: vec![], props: Properties::default() });
        let e = g.add_edge(c, b, r, Properties::default()).unwrap();
        log.push(Change::EdgeCreated { id: e, from: c, to: b, ty: r, props: Properties::default() });
        g.set_node_property(b, k, Value::Int(7)).unwrap();
        log.push(Change::NodeProperty { id: b, key: k, value: Value::Int(7) });
        for change in log {
            copy.apply(change).unwrap();
        }
        assert_eq!(copy, g);
    }

    #[test]
    fn a_change_that_does_not_fit_is_refused() {
        let mut g = Graph::new();
        let a = g.add_node(&[], Properties::default());
        let taken = Change::NodeCreated { id: a, labels: vec![], props: Properties::default() };
        assert_eq!(g.apply(taken), Err(GraphError::IdTaken(a.0)));
        let far = Change::NodeCreated { id: NodeId(1000), labels: vec![], props: Properties::default() };
        assert_eq!(g.apply(far), Err(GraphError::IdTaken(1000)), "one slot past the end at most");
        let r = g.intern("R");
        let dangling = Change::EdgeCreated {
            id: EdgeId(0),
            from: a,
            to: NodeId(5),
            ty: r,
            props: Properties::default(),
        };
        assert_eq!(g.apply(dangling), Err(GraphError::NoSuchNode(5)));
        assert_eq!(g.node_count(), 1);
    }
}
