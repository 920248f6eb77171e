//! Planning `FOREACH (x IN list | updates)`: the updates are planned from the row they run for
//! (as an OPTIONAL MATCH's pattern is), with `x` bound; nothing they bind is seen after the clause.

use super::*;

impl Planner<'_> {
    pub(super) fn foreach_clause(&mut self, op: Op, clause: &ForeachClause) -> Result<Op, QueryError> {
        let scope = self.scope.clone();
        let list = self.compile(&clause.list, &scope, &mut Mode::plain("FOREACH"))?;
        if scope.get(&clause.variable.name).is_some() {
            return Err(QueryError::semantic(
                format!("variable `{}` is already declared", clause.variable.name),
                clause.variable.span,
            ));
        }
        let slot = self.pattern_slot(Some(&clause.variable), Kind::Any)?;
        let mut inner = Op::Argument;
        for update in &clause.updates {
            inner = match update {
                Clause::Create(c) => self.create_clause(inner, c)?,
                Clause::Merge(c) => self.merge_clause(inner, c)?,
                Clause::Set(c) => self.set_clause(inner, c)?,
                Clause::Remove(c) => self.remove_clause(inner, c)?,
                Clause::Delete(c) => self.delete_clause(inner, c)?,
                Clause::Foreach(f) => self.foreach_clause(inner, f)?,
                // The grammar lets only updates in.
                other => {
                    return Err(QueryError::semantic("FOREACH holds only updates", other.span()));
                }
            };
        }
        // What the updates bound, and the variable itself, end with the clause.
        self.scope = scope;
        Ok(Op::Foreach { input: Box::new(op), list, slot, inner: Box::new(inner) })
    }
}
