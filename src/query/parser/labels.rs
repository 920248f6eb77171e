//! Label expressions (`:A|B&!C`, `:%`) from their pairs, as trees.

use pest::iterators::Pair;

use super::*;

/// The labels of a label expression's `:`-separated terms when together they only ask for labels
/// (`:A:B`, `:A&B`); else no labels and the whole expression.
pub(super) fn label_terms(pair: Pair<Rule>) -> (Vec<String>, Option<LabelExpr>) {
    let mut terms: Vec<LabelExpr> = pair.into_inner().map(label_or).collect();
    let whole = if terms.len() == 1 { terms.remove(0) } else { LabelExpr::And(terms) };
    match whole.conjunction() {
        Some(labels) => (labels, None),
        None => (Vec::new(), Some(whole)),
    }
}

/// `label_or`, `label_check_or`, `label_and`, `label_not` and what they hold, as a tree.
fn label_or(pair: Pair<Rule>) -> LabelExpr {
    match pair.as_rule() {
        Rule::label_or | Rule::label_check_or | Rule::label_and => {
            let or = pair.as_rule() != Rule::label_and;
            let mut items: Vec<LabelExpr> = pair.into_inner().map(label_or).collect();
            if items.len() == 1 {
                items.remove(0)
            } else if or {
                LabelExpr::Or(items)
            } else {
                LabelExpr::And(items)
            }
        }
        Rule::label_not => {
            let mut negations = 0;
            let mut atom = LabelExpr::Any;
            for p in pair.into_inner() {
                match p.as_rule() {
                    Rule::label_negation => negations += 1,
                    _ => atom = label_or(p),
                }
            }
            (0..negations).fold(atom, |e, _| LabelExpr::Not(Box::new(e)))
        }
        Rule::label_group => label_or(pair.into_inner().next().expect("a group holds an expression")),
        Rule::label_any => LabelExpr::Any,
        _ => LabelExpr::Label(name_text(&pair)),
    }
}
