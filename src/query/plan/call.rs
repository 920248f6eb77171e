//! Planning `CALL procedure(args) YIELD …` and `SHOW …`: the procedure looked up, its arguments
//! counted and compiled, its yielded fields bound to new variables.

use super::*;
use crate::query::procedures::{self, Procedure};

impl Planner<'_> {
    /// The call's operator, and the variables it yields in order (what a call that ends the query
    /// returns).
    pub(super) fn call_clause(
        &mut self,
        op: Op,
        call: &CallClause,
        standalone: bool,
    ) -> Result<(Op, Vec<String>), QueryError> {
        let procedure = procedures::lookup(&call.procedure).ok_or_else(|| {
            let hint = procedures::nearest(&call.procedure)
                .map_or(String::new(), |n| format!("; did you mean `{n}`?"));
            QueryError::new(
                ErrorKind::ProcedureNotFound,
                format!("there is no procedure `{}`{hint}", call.procedure),
                Some(call.procedure_span),
            )
        })?;
        let args = self.call_arguments(procedure, call, standalone)?;
        let yielded: Vec<(usize, &Ident)> = match &call.yields {
            Some(Some(items)) => {
                let mut out = Vec::new();
                for item in items {
                    let Some(i) = procedure.outputs.iter().position(|f| f.name == item.field.name) else {
                        return Err(QueryError::semantic(
                            format!(
                                "{} has no output `{}`; it yields {}",
                                procedure.name,
                                item.field.name,
                                procedure.outputs.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                            ),
                            item.field.span,
                        ));
                    };
                    out.push((i, item.variable()));
                }
                out
            }
            Some(None) | None if standalone => Vec::new(),
            Some(None) => {
                return Err(QueryError::semantic(
                    "YIELD * is only for a CALL on its own: name the fields to yield",
                    call.span,
                ));
            }
            None if procedure.outputs.is_empty() => Vec::new(),
            None => {
                return Err(QueryError::semantic(
                    format!(
                        "a CALL inside a query needs YIELD: {} yields {}",
                        procedure.name,
                        output_list(procedure)
                    ),
                    call.span,
                ));
            }
        };
        let mut yields = Vec::new();
        let mut names = Vec::new();
        let all_outputs = matches!(call.yields, Some(None) | None) && standalone;
        if all_outputs {
            for (i, f) in procedure.outputs.iter().enumerate() {
                let ident = Ident { name: f.name.to_string(), span: call.span };
                yields.push((i, self.yield_slot(&ident)?));
                names.push(f.name.to_string());
            }
        } else {
            for (i, ident) in yielded {
                yields.push((i, self.yield_slot(ident)?));
                names.push(ident.name.clone());
            }
        }
        let mut op =
            Op::ProcedureCall { input: Box::new(op), procedure, args, yields, text: procedure.signature() };
        if let Some(p) = &call.predicate {
            let scope = self.scope.clone();
            let predicate = self.predicate(p, &scope)?;
            op = Op::Filter { input: Box::new(op), predicate, text: p.to_string() };
        }
        Ok((op, names))
    }

    fn call_arguments(
        &mut self,
        procedure: &Procedure,
        call: &CallClause,
        standalone: bool,
    ) -> Result<Vec<CExpr>, QueryError> {
        let exprs: Vec<Expr> = match &call.args {
            Some(args) => args.clone(),
            // `CALL p` on its own takes its arguments from the parameters named as its inputs.
            None if standalone => procedure
                .inputs
                .iter()
                .map(|f| Expr { kind: ExprKind::Parameter(f.name.to_string()), span: call.span })
                .collect(),
            None => {
                return Err(QueryError::semantic(
                    format!("a CALL inside a query needs its arguments in brackets: {}(…)", procedure.name),
                    call.span,
                ));
            }
        };
        if exprs.len() != procedure.inputs.len() {
            return Err(QueryError::semantic(
                format!(
                    "{} takes {} argument(s), got {}: {}",
                    procedure.name,
                    procedure.inputs.len(),
                    exprs.len(),
                    procedure.signature()
                ),
                call.span,
            ));
        }
        let scope = self.scope.clone();
        exprs.iter().map(|e| self.compile(e, &scope, &mut Mode::plain("a procedure's arguments"))).collect()
    }

    fn yield_slot(&mut self, variable: &Ident) -> Result<usize, QueryError> {
        if self.scope.get(&variable.name).is_some() {
            return Err(QueryError::semantic(
                format!("variable `{}` is already declared: YIELD it AS another name", variable.name),
                variable.span,
            ));
        }
        self.pattern_slot(Some(variable), Kind::Any)
    }
}

fn output_list(p: &Procedure) -> String {
    p.outputs.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}
