//! Running a subquery expression's plan from the row it is evaluated on, with the graph shared:
//! the planner let no writing clause into one.

use super::*;
use crate::query::expr::RowSource;
use crate::query::plan::SubPlan;

impl RowSource for SubPlan {
    fn run(
        &self,
        row: &[Value],
        eval: &EvalCtx,
        each: &mut dyn FnMut(Row) -> Result<bool, QueryError>,
    ) -> Result<(), QueryError> {
        let mut start = row.to_vec();
        {
            let locals = eval.locals.borrow();
            for &(depth, slot) in &self.locals {
                put(&mut start, slot, locals.get(depth).cloned().unwrap_or(Value::Null));
            }
        }
        let mut ctx = Ctx {
            graph: Access::Read(eval.graph),
            params: eval.params,
            interrupt: eval.interrupt,
            draws: eval.draws,
            stats: WriteStats::default(),
            undo: Vec::new(),
            changes: None,
            profile: None,
            import_dir: None,
        };
        let mut distinct = UnionSeen::of(&self.parts);
        for (_, root) in &self.parts {
            let mut rows = build(root, Some(&start));
            while let Some(mut out) = rows.next(&mut ctx)? {
                ctx.interrupt.check()?;
                if self.columns > 0 {
                    out.truncate(self.columns);
                }
                if !distinct.first(&out) {
                    continue;
                }
                if !each(out)? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// `CALL { … }` (see [`Op::Apply`]).
pub(super) struct Apply<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) parts: &'p [(bool, Op)],
    pub(super) columns: &'p [usize],
    pub(super) unit: bool,
    pub(super) writes: bool,
    /// Rows made and not yet yielded; with `writes`, all of them, once the input is read.
    pub(super) pending: VecDeque<Row>,
    pub(super) started: bool,
}

impl<'p> Operator<'p> for Apply<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.writes {
            if !self.started {
                self.started = true;
                for row in drain(&mut self.input, ctx)? {
                    self.run_from(&row, ctx)?;
                }
            }
            return Ok(self.pending.pop_front());
        }
        loop {
            if let Some(row) = self.pending.pop_front() {
                return Ok(Some(row));
            }
            let Some(row) = self.input.next(ctx)? else { return Ok(None) };
            self.run_from(&row, ctx)?;
        }
    }
}

impl Apply<'_> {
    /// Runs the subquery from `row`, queueing the rows it makes.
    fn run_from(&mut self, row: &Row, ctx: &mut Ctx) -> Result<(), QueryError> {
        let mut distinct = UnionSeen::of(self.parts);
        for (_, part) in self.parts {
            let mut inner = build(part, Some(row));
            while let Some(out) = inner.next(ctx)? {
                ctx.interrupt.check()?;
                if self.unit {
                    continue;
                }
                let values = &out[..self.columns.len().min(out.len())];
                if !distinct.first(values) {
                    continue;
                }
                let mut joined = row.clone();
                for (&slot, value) in self.columns.iter().zip(values) {
                    put(&mut joined, slot, value.clone());
                }
                self.pending.push_back(joined);
            }
        }
        if self.unit {
            self.pending.push_back(row.clone());
        }
        Ok(())
    }
}
