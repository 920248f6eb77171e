//! Statements that stand or fall together.

use std::sync::RwLockWriteGuard;
use std::time::Instant;

use super::{IntoParams, Rows, State, one_statement};
use crate::error::Error;
use crate::query::exec::Effects;
use crate::query::{CancelFlag, parser};
use crate::session::Timing;
use crate::statement::{Compiled, on_a_deep_enough_stack};

/// Statements run one after another with the graph held alone, kept together by
/// [`Transaction::commit`] (in a directory, journalled as one record: after a crash, all of them
/// are there or none) or taken back together by [`Transaction::rollback`] or by dropping it.
///
/// A statement that fails inside a transaction is undone on its own; the transaction stays open,
/// and the statements before it may still be committed or rolled back.
///
/// ```
/// let db = kgraph::Database::in_memory();
/// let mut tx = db.transaction()?;
/// tx.execute("CREATE (:Actor {name: 'APT31'})", ())?;
/// let seen = tx.execute("MATCH (a:Actor) RETURN count(a) AS n", ())?;
/// assert_eq!(seen.first().unwrap().get::<i64>("n")?, 1); // its own change, before the commit
/// tx.commit()?;
/// # Ok::<(), kgraph::Error>(())
/// ```
pub struct Transaction<'db> {
    state: Option<RwLockWriteGuard<'db, State>>,
    done: Vec<Effects>,
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction").field("statements_that_changed", &self.done.len()).finish()
    }
}

impl<'db> Transaction<'db> {
    pub(crate) fn new(state: RwLockWriteGuard<'db, State>) -> Transaction<'db> {
        Transaction { state: Some(state), done: Vec::new() }
    }

    /// Runs one statement inside the transaction.
    pub fn execute(&mut self, query: &str, params: impl IntoParams) -> Result<Rows, Error> {
        self.execute_cancellable(query, params, &CancelFlag::new())
    }

    /// [`Transaction::execute`], stopped (and that statement undone) when `cancel` is raised.
    pub fn execute_cancellable(
        &mut self,
        query: &str,
        params: impl IntoParams,
        cancel: &CancelFlag,
    ) -> Result<Rows, Error> {
        let params = params.into_params()?;
        let range = one_statement(query)?;
        let failed = |e| Error::query(e, query, "");
        let state = self.state.as_mut().expect("a transaction holds the graph until it is consumed");
        let (limits, passes) = state.limits(cancel);
        let started = Instant::now();
        let (mut rows, effects) = on_a_deep_enough_stack(query.len(), || {
            let statement = parser::parse_statement(query, range)?;
            let parsed = Instant::now();
            let compiled = Compiled::new(&statement, state.graph(), passes)?;
            if compiled.writes() {
                state.refuse_writes_when_read_only()?;
            }
            let timing = Timing { parse: parsed - started, plan: parsed.elapsed(), ..Timing::default() };
            let journalled = state.journalled();
            let (out, effects) =
                compiled.run_write(state.graph_mut(), &params, &limits, timing, journalled)?;
            Ok((Rows::new(out, state.graph()), effects))
        })
        .map_err(failed)?;
        if effects.changed() {
            self.done.push(effects);
        }
        for n in rows.notifications_mut() {
            n.locate(query, 1);
        }
        Ok(rows)
    }

    /// Lets every statement of the transaction stand; in a directory, once they are on disk. If
    /// they cannot be written, they are all undone and this fails.
    pub fn commit(mut self) -> Result<(), Error> {
        let done = std::mem::take(&mut self.done);
        match self.state.take() {
            Some(mut state) => state.commit(done),
            None => Ok(()),
        }
    }

    /// Takes back every statement of the transaction, the last first.
    pub fn rollback(mut self) {
        self.undo();
    }

    fn undo(&mut self) {
        if let Some(mut state) = self.state.take() {
            state.undo(std::mem::take(&mut self.done));
        }
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        self.undo();
    }
}
