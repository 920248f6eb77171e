//! Running a subquery expression's plan from the row it is evaluated on, with the graph shared:
//! the planner let no writing clause into one.

use std::collections::HashSet;

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
        let mut seen: HashSet<Vec<Equivalent>> = HashSet::new();
        for (_, root) in &self.parts {
            let mut rows = build(root, Some(&start));
            while let Some(mut out) = rows.next(&mut ctx)? {
                ctx.interrupt.check()?;
                if self.columns > 0 {
                    out.truncate(self.columns);
                }
                if self.distinct() && !seen.insert(out.iter().map(|v| Equivalent(v.clone())).collect()) {
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
