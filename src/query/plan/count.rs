//! Counting matches without enumerating them. `MATCH (a)-[:T1]->(b)-[:T2]->(c) RETURN count(*)`
//! has as many matches as, summed over each middle node b, its T1 partners times its T2 partners
//! (less the pairs that would use one relationship twice): work linear in the relationships, where
//! nested loops are linear in the matches, which grow with the square of the degrees. This is what
//! factorised engines such as Kùzu do.
//!
//! Fused here: a `count(*)` (or `count(v)` of a pattern variable, never null) with no grouping key,
//! over a pattern of one or two relationships that starts with a node scan, where every filter is a
//! label test on the pattern's nodes.

use super::{AggKind, BinaryOp, CExpr, Op};

/// Replaces each fusable aggregation in the plan by a count operator and a projection of its
/// outputs, or by a reachability count.
pub(super) fn counts(mut root: Op) -> Op {
    fuse(&mut root);
    root
}

fn fuse(op: &mut Op) {
    if let Some(fused) = reach_count(op) {
        *op = fused;
        return;
    }
    if let Op::Aggregate { input, keys, aggregates, outputs, .. } = op
        && keys.is_empty()
        && let Some(chain) = chain(input)
        && aggregates.iter().all(|a| {
            !a.distinct
                && match (&a.kind, &a.arg) {
                    (AggKind::CountStar, _) => true,
                    (AggKind::Count, Some(CExpr::Slot(s))) => chain.slots.contains(s),
                    _ => false,
                }
        })
    {
        let width = aggregates.len();
        let outputs = std::mem::take(outputs);
        let count =
            Op::CountPaths { middle: chain.middle, arms: chain.arms, columns: width, text: chain.text };
        *op = Op::Project {
            input: Box::new(count),
            exprs: outputs,
            keep_input: false,
            input_width: width,
            text: String::new(),
        };
        return;
    }
    for child in super::visit::children_mut(op) {
        fuse(child);
    }
}

/// `… MATCH (a)-[*…]->(b) [WHERE b <> a] RETURN keys…, count(DISTINCT b)` where the expansion searches
/// breadth first (see `reach`), has no property filter, and the keys do not read `b`: each input row's
/// ends are counted as the search finds them, with no row per end.
fn reach_count(op: &mut Op) -> Option<Op> {
    let Op::Aggregate { input, keys, aggregates, outputs, .. } = op else { return None };
    let [spec] = aggregates.as_slice() else { return None };
    // `WHERE b <> a` (either way round) between the expansion and the aggregation.
    let exclude_start = matches!(&**input, Op::Filter { input, predicate: CExpr::Binary(BinaryOp::Ne, x, y, _), .. }
        if matches!((&**x, &**y, &**input), (CExpr::Slot(x), CExpr::Slot(y), Op::VarExpand { from, to, .. })
            if (x, y) == (from, to) || (x, y) == (to, from)));
    let at = match &mut **input {
        Op::Filter { input, .. } if exclude_start => &mut **input,
        other => other,
    };
    let Op::VarExpand {
        input,
        from,
        rel,
        to,
        direction,
        types,
        min,
        max,
        to_bound: false,
        properties,
        reachable: true,
        names,
        ..
    } = at
    else {
        return None;
    };
    let counts_ends =
        spec.kind == AggKind::Count && spec.distinct && matches!(spec.arg, Some(CExpr::Slot(s)) if s == *to);
    let keys_before = keys.iter().all(|k| !super::visit::reads(k, *to) && !super::visit::reads(k, *rel));
    if !counts_ends || !keys_before || !properties.is_empty() {
        return None;
    }
    let [a, _, b] = names;
    let text = format!(
        "ReachCount count(DISTINCT {b}) from ({a}){}",
        if exclude_start { ", start left out" } else { "" }
    );
    Some(Op::ReachCount {
        input: std::mem::replace(input, Box::new(Op::Once)),
        from: *from,
        direction: *direction,
        types: std::mem::take(types),
        min: *min,
        max: *max,
        exclude_start,
        keys: std::mem::take(keys),
        outputs: std::mem::take(outputs),
        text,
    })
}

struct Chain {
    /// Labels the node the arms leave from must carry.
    middle: Vec<String>,
    /// One or two relationships leaving the middle node: direction as seen from it, types, and the
    /// labels the node at the other end must carry.
    arms: Vec<(crate::graph::Direction, Vec<String>, Vec<String>)>,
    /// The node and relationship slots the pattern binds.
    slots: Vec<usize>,
    text: String,
}

/// The pattern under an aggregation, when it is a scan, one or two expansions and label filters:
/// `(a)-[r1]-(b)` and `(a)-[r1]-(b)-[r2]-(c)` expanded from either end or from the middle.
fn chain(op: &Op) -> Option<Chain> {
    let mut filters: Vec<(usize, Vec<String>)> = Vec::new();
    let mut expands = Vec::new();
    let mut at = op;
    let (scan, scan_label, scan_name) = loop {
        match at {
            Op::Filter { input, predicate: CExpr::HasLabels(slot, labels), .. } => {
                filters.push((*slot, labels.clone()));
                at = input;
            }
            Op::Expand {
                input,
                from,
                rel,
                to,
                direction,
                types,
                to_bound: false,
                rel_bound: false,
                distinct_from,
                names,
            } => {
                expands.push((
                    *from,
                    *rel,
                    *to,
                    *direction,
                    types.clone(),
                    distinct_from.clone(),
                    names.clone(),
                ));
                at = input;
            }
            Op::NodeScan { input, slot, label, name } if matches!(**input, Op::Once) => {
                break (*slot, label, name);
            }
            _ => return None,
        }
    };
    expands.reverse();
    let labels_of = |slot: usize, filters: &[(usize, Vec<String>)]| -> Vec<String> {
        let mut ls: Vec<String> = filters.iter().filter(|f| f.0 == slot).flat_map(|f| f.1.clone()).collect();
        if slot == scan {
            ls.extend(scan_label.iter().cloned());
        }
        ls
    };
    let mut slots = vec![scan];
    for e in &expands {
        slots.push(e.1);
        slots.push(e.2);
    }
    if filters.iter().any(|f| !slots.contains(&f.0)) {
        return None;
    }
    let mut text = format!("CountPaths ({scan_name})");
    for e in &expands {
        text.push_str(&super::display::hop_text(e.3, &e.4, &e.6));
    }
    match expands.as_slice() {
        [(from, _, to, direction, types, distinct_from, _)]
            if *from == scan && *to != scan && distinct_from.is_empty() =>
        {
            Some(Chain {
                middle: labels_of(scan, &filters),
                arms: vec![(*direction, types.clone(), labels_of(*to, &filters))],
                slots,
                text,
            })
        }
        [first, second] => {
            let (f_from, f_rel, f_to, f_dir, f_types, f_apart, _) = first;
            let (s_from, _, s_to, s_dir, s_types, s_apart, _) = second;
            // The second must be kept apart from the first (one MATCH), and the three nodes differ.
            if !f_apart.is_empty() || s_apart != &vec![*f_rel] || *f_from != scan {
                return None;
            }
            if [*f_to, *s_to].contains(&scan) || f_to == s_to {
                return None;
            }
            let middle_is_scan = *s_from == scan;
            if !middle_is_scan && s_from != f_to {
                return None;
            }
            let (middle, arms) = if middle_is_scan {
                (
                    scan,
                    vec![
                        (*f_dir, f_types.clone(), labels_of(*f_to, &filters)),
                        (*s_dir, s_types.clone(), labels_of(*s_to, &filters)),
                    ],
                )
            } else {
                (
                    *f_to,
                    vec![
                        (f_dir.reverse(), f_types.clone(), labels_of(scan, &filters)),
                        (*s_dir, s_types.clone(), labels_of(*s_to, &filters)),
                    ],
                )
            };
            Some(Chain { middle: labels_of(middle, &filters), arms, slots, text })
        }
        _ => None,
    }
}
