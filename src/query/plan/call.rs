//! Planning `CALL procedure(args) YIELD …` and `SHOW …`: the procedure looked up, its arguments
//! counted and compiled, its yielded fields bound to new variables.

use super::*;
use crate::query::procedures::{self, Callee};

impl Planner<'_> {
    /// The call's operator, and the variables it yields in order (what a call that ends the query
    /// returns).
    pub(super) fn call_clause(
        &mut self,
        op: Op,
        call: &CallClause,
        standalone: bool,
    ) -> Result<(Op, Vec<String>), QueryError> {
        let procedure = procedures::resolve(&call.procedure, self.procedures).ok_or_else(|| {
            let hint = procedures::nearest(&call.procedure)
                .map_or(String::new(), |n| format!("; did you mean `{n}`?"));
            QueryError::new(
                ErrorKind::ProcedureNotFound,
                format!("there is no procedure `{}`{hint}", call.procedure),
                Some(call.procedure_span),
            )
        })?;
        let args = self.call_arguments(&procedure, call, standalone)?;
        let outputs = procedure.outputs();
        let yielded: Vec<(usize, &Ident)> = match &call.yields {
            Some(Some(items)) => {
                let mut out = Vec::new();
                for item in items {
                    let Some(i) = outputs.iter().position(|(name, _)| *name == item.field.name) else {
                        return Err(QueryError::semantic(
                            format!(
                                "{} has no output `{}`; it yields {}",
                                procedure.name(),
                                item.field.name,
                                output_list(&procedure)
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
            None if outputs.is_empty() => Vec::new(),
            None => {
                return Err(QueryError::semantic(
                    format!(
                        "a CALL inside a query needs YIELD: {} yields {}",
                        procedure.name(),
                        output_list(&procedure)
                    ),
                    call.span,
                ));
            }
        };
        let mut yields = Vec::new();
        let mut names = Vec::new();
        let all_outputs = matches!(call.yields, Some(None) | None) && standalone;
        if all_outputs {
            for (i, (name, _)) in outputs.iter().enumerate() {
                let ident = Ident { name: name.to_string(), span: call.span };
                yields.push((i, self.yield_slot(&ident)?));
                names.push(name.to_string());
            }
        } else {
            for (i, ident) in yielded {
                yields.push((i, self.yield_slot(ident)?));
                names.push(ident.name.clone());
            }
        }
        let text = procedure.signature();
        let void = outputs.is_empty();
        let mut op =
            Op::ProcedureCall { input: Box::new(op), callee: procedure.clone(), args, yields, void, text };
        if let Some(p) = &call.predicate {
            let scope = self.scope.clone();
            let predicate = self.predicate(p, &scope)?;
            op = Op::Filter { input: Box::new(op), predicate, text: p.to_string() };
        }
        Ok((op, names))
    }

    fn call_arguments(
        &mut self,
        procedure: &Callee,
        call: &CallClause,
        standalone: bool,
    ) -> Result<Vec<CExpr>, QueryError> {
        let inputs = procedure.inputs();
        let required = procedure.required_inputs();
        let exprs: Vec<Expr> = match &call.args {
            Some(args) => args.clone(),
            // `CALL p` on its own takes its arguments from the parameters named as its inputs
            // (those it must have); `SHOW …` has none, inside a query too.
            None if standalone || call.show => inputs[..required]
                .iter()
                .map(|(name, _)| Expr { kind: ExprKind::Parameter(name.to_string()), span: call.span })
                .collect(),
            None => {
                return Err(QueryError::semantic(
                    format!("a CALL inside a query needs its arguments in brackets: {}(…)", procedure.name()),
                    call.span,
                ));
            }
        };
        if exprs.len() < required || exprs.len() > inputs.len() {
            let takes = if required == inputs.len() {
                inputs.len().to_string()
            } else {
                format!("{required} to {}", inputs.len())
            };
            return Err(QueryError::semantic(
                format!(
                    "{} takes {takes} argument(s), got {}: {}",
                    procedure.name(),
                    exprs.len(),
                    procedure.signature()
                ),
                call.span,
            ));
        }
        let scope = self.scope.clone();
        for (e, (name, ty)) in exprs.iter().zip(&inputs) {
            if let Some(found) = static_type(e, &scope)
                && !accepts(ty, found)
            {
                return Err(QueryError::semantic(
                    format!("{}'s `{name}` takes a {ty}, not a {}", procedure.name(), found.name()),
                    e.span,
                ));
            }
        }
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

fn output_list(p: &Callee) -> String {
    p.outputs().iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
}

/// Whether an input of type `ty` (Neo4j's name) takes a value of the statically known type `found`:
/// a FLOAT or NUMBER an INTEGER too, ANY everything; null goes everywhere.
fn accepts(ty: &str, found: Type) -> bool {
    match ty {
        "ANY" => true,
        "INTEGER" => found == Type::Integer,
        "FLOAT" | "NUMBER" => matches!(found, Type::Integer | Type::Float),
        "STRING" => found == Type::String,
        "BOOLEAN" => found == Type::Boolean,
        "MAP" => found == Type::Map,
        "NODE" => found == Type::Node,
        "RELATIONSHIP" => found == Type::Relationship,
        "PATH" => found == Type::Path,
        list if list.starts_with("LIST") => found == Type::List,
        _ => true,
    }
}
