//! `EXPLAIN`: a plan as an indented tree of operators.

use super::*;

impl Plan {
    fn write_op(
        &self,
        f: &mut fmt::Formatter<'_>,
        op: &Op,
        depth: usize,
        profile: Option<&Profile>,
    ) -> fmt::Result {
        let pad = "  ".repeat(depth);
        let note = profile.map_or(String::new(), |p| {
            let stats = p.get(&profile_key(op)).copied().unwrap_or_default();
            format!("  [rows {}, {:.3} ms]", stats.rows, stats.time.as_secs_f64() * 1000.0)
        });
        let (line, input): (String, Option<&Op>) = match op {
            Op::Once => ("Once".into(), None),
            Op::Argument => ("Argument".into(), None),
            Op::ReachCount { input, text, keys, direction, types, min, max, .. } => {
                let (l, r) = arrows(*direction);
                let upper = max.map_or(String::new(), |m| m.to_string());
                let t = types_text(types);
                (format!("{text} {l}[{t}*{min}..{upper}]{r}, {} grouping key(s)", keys.len()), Some(input))
            }
            Op::NodeIndexSeek { input, name, label, key, text, probe, .. } => {
                let mut s = match probe {
                    IndexProbe::Equal(_) => format!("NodeIndexSeek ({name}:"),
                    IndexProbe::Range { .. } | IndexProbe::Prefix(_) => {
                        format!("NodeIndexSeekByRange ({name}:")
                    }
                };
                crate::value::write_name(&mut s, label)?;
                match probe {
                    IndexProbe::Equal(_) => {
                        s.push_str(" {");
                        crate::value::write_name(&mut s, key)?;
                        (format!("{s}: {text}}})"), Some(input))
                    }
                    // The text is the WHERE conjuncts the probe stands for.
                    IndexProbe::Range { .. } | IndexProbe::Prefix(_) => (format!("{s}) {text}"), Some(input)),
                }
            }
            Op::RelIndexSeek { input, names, outgoing, ty, key, probe, text, .. } => {
                let [from, rel, to] = names;
                let (l, r) = if *outgoing { ("-", "->") } else { ("<-", "-") };
                let mut s = match probe {
                    IndexProbe::Equal(_) => "RelIndexSeek (".to_string(),
                    _ => "RelIndexSeekByRange (".to_string(),
                };
                s.push_str(&format!("{from}){l}[{rel}:"));
                crate::value::write_name(&mut s, ty)?;
                match probe {
                    IndexProbe::Equal(_) => {
                        s.push_str(" {");
                        crate::value::write_name(&mut s, key)?;
                        s.push_str(&format!(": {text}}}]{r}({to})"));
                    }
                    _ => s.push_str(&format!("]{r}({to}) {text}")),
                }
                (s, Some(input))
            }
            Op::ProcedureCall { input, text, .. } => (format!("ProcedureCall {text}"), Some(input)),
            Op::NodeById { input, name, text, list, .. } => {
                let op = if *list { "IN" } else { "=" };
                (format!("NodeByIdSeek ({name}) id {op} {text}"), Some(input))
            }
            Op::NodeScan { input, label, name, .. } => {
                let what = match label {
                    Some(l) => {
                        let mut s = format!("NodeByLabelScan ({name}:");
                        crate::value::write_name(&mut s, l)?;
                        s + ")"
                    }
                    None => format!("AllNodesScan ({name})"),
                };
                (what, Some(input))
            }
            Op::Expand { input, direction, types, to_bound, rel_bound, names, .. } => {
                let t = types_text(types);
                let (l, r) = arrows(*direction);
                let name = if *to_bound || *rel_bound { "ExpandInto" } else { "Expand" };
                let [a, rel, b] = names;
                (format!("{name} ({a}){l}[{rel}{t}]{r}({b})"), Some(input))
            }
            Op::ExpandCount { input, direction, types, names, optional, .. } => {
                let [a, _, _] = names;
                let what = if *optional { "OptionalDegree" } else { "Degree" };
                (format!("{what} ({a}){}", hop_text(*direction, types, names)), Some(input))
            }
            Op::CountPaths { text, middle, arms, .. } => {
                let labelled =
                    usize::from(!middle.is_empty()) + arms.iter().filter(|a| !a.2.is_empty()).count();
                (format!("{text} ({labelled} labelled node(s))"), None)
            }
            Op::Optional { input, inner, .. } => {
                writeln!(f, "{pad}Optional{note}")?;
                self.write_op(f, inner, depth + 2, profile)?;
                return self.write_op(f, input, depth + 1, profile);
            }
            Op::Foreach { input, inner, .. } => {
                writeln!(f, "{pad}Foreach{note}")?;
                self.write_op(f, inner, depth + 2, profile)?;
                return self.write_op(f, input, depth + 1, profile);
            }
            Op::Unwind { input, name, .. } => (format!("Unwind {name}"), Some(input)),
            Op::LoadCsv { input, name, headers, .. } => {
                let headers = if *headers { " with headers" } else { "" };
                (format!("LoadCsv {name}{headers}"), Some(input))
            }
            Op::Apply { input, parts, unit, .. } => {
                let unit = if *unit { " (no RETURN: the row once)" } else { "" };
                writeln!(f, "{pad}Apply{unit}{note}")?;
                for (i, (all, part)) in parts.iter().enumerate() {
                    if i > 0 {
                        writeln!(f, "{pad}    {}", if *all { "UNION ALL" } else { "UNION" })?;
                    }
                    self.write_op(f, part, depth + 2, profile)?;
                }
                return self.write_op(f, input, depth + 1, profile);
            }
            Op::Merge { input, matcher, stream, .. } => {
                let streamed = if *stream { " (as rows come)" } else { "" };
                writeln!(f, "{pad}Merge{streamed}{note}")?;
                self.write_op(f, matcher, depth + 2, profile)?;
                return self.write_op(f, input, depth + 1, profile);
            }
            Op::Assign { input, name, .. } => (format!("NamedPath {name}"), Some(input)),
            Op::ShortestPath { input, all, names, types, .. } => {
                let [a, rel, b] = names;
                let what = if *all { "AllShortestPaths" } else { "ShortestPath" };
                (format!("{what} ({a})-[{rel}{}*]-({b})", types_text(types)), Some(input))
            }
            Op::VarExpand { input, direction, types, min, max, names, to_bound, reachable, .. } => {
                let t = types_text(types);
                let (l, r) = arrows(*direction);
                let upper = max.map_or(String::new(), |m| m.to_string());
                let name = match (*reachable, *to_bound) {
                    (true, false) => "VarLengthReach",
                    (true, true) => "VarLengthReachInto",
                    (false, false) => "VarLengthExpand",
                    (false, true) => "VarLengthExpandInto",
                };
                let [a, rel, b] = names;
                (format!("{name} ({a}){l}[{rel}{t}*{min}..{upper}]{r}({b})"), Some(input))
            }
            Op::Write { input, text, .. } => (text.clone(), Some(input)),
            Op::Filter { input, text, .. } => (format!("Filter {text}"), Some(input)),
            Op::Create { input, items, stream } => {
                let nodes = items.iter().filter(|i| matches!(i, CreateItem::Node { .. })).count();
                let streamed = if *stream { ", as rows come" } else { "" };
                (
                    format!(
                        "Create ({nodes} node(s), {} relationship(s) per row{streamed})",
                        items.len() - nodes
                    ),
                    Some(input),
                )
            }
            Op::Project { input, text, .. } => (format!("Project {text}"), Some(input)),
            Op::Aggregate { input, keys, aggregates, weight, text, .. } => (
                format!(
                    "Aggregate {text} ({} grouping key(s), {} aggregate(s){})",
                    keys.len(),
                    aggregates.len(),
                    if weight.is_some() { ", rows weighted by degree" } else { "" }
                ),
                Some(input),
            ),
            Op::Distinct { input } => ("Distinct".into(), Some(input)),
            Op::Sort { input, text, top, .. } => {
                (format!("{} {text}", if top.is_empty() { "Sort" } else { "Top" }), Some(input))
            }
            Op::Skip { input, .. } => ("Skip".into(), Some(input)),
            Op::Limit { input, .. } => ("Limit".into(), Some(input)),
            Op::Trim { input, .. } => ("Trim".into(), Some(input)),
            Op::Discard { input } => ("Discard (no RETURN)".into(), Some(input)),
        };
        writeln!(f, "{pad}{line}{note}")?;
        match input {
            Some(i) => self.write_op(f, i, depth + 1, profile),
            None => Ok(()),
        }
    }
}

/// The plan as `EXPLAIN` shows it: one operator per line, each above its input.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_plan(f, None)
    }
}

/// The plan as `PROFILE` shows it: `EXPLAIN`'s lines, each with the rows its operator produced and
/// the time spent in it and below it.
pub struct Profiled<'a>(pub &'a Plan, pub &'a Profile);

impl fmt::Display for Profiled<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write_plan(f, Some(self.1))
    }
}

impl Plan {
    fn write_plan(&self, f: &mut fmt::Formatter<'_>, profile: Option<&Profile>) -> fmt::Result {
        if self.unions.is_empty() {
            return self.write_op(f, &self.root, 0, profile);
        }
        writeln!(f, "Union{}", if self.unions.iter().all(|u| u.0) { " all" } else { "" })?;
        self.write_op(f, &self.root, 1, profile)?;
        for (_, p) in &self.unions {
            p.write_op(f, &p.root, 1, profile)?;
        }
        Ok(())
    }
}

/// One relationship and the node it leads to, as a pattern reads: `-[r:T]->(b)`.
pub(super) fn hop_text(direction: Direction, types: &[String], names: &[String; 3]) -> String {
    let (l, r) = arrows(direction);
    format!("{l}[{}{}]{r}({})", names[1], types_text(types), names[2])
}

/// `:A|B`, names back-quoted where they need it.
fn types_text(types: &[String]) -> String {
    let mut t = String::new();
    for (i, ty) in types.iter().enumerate() {
        t.push(if i == 0 { ':' } else { '|' });
        // Writing into a String cannot fail.
        let _ = crate::value::write_name(&mut t, ty);
    }
    t
}

/// The arrow ends drawn around a relationship followed in `direction`.
fn arrows(direction: Direction) -> (&'static str, &'static str) {
    match direction {
        Direction::Outgoing => ("-", "->"),
        Direction::Incoming => ("<-", "-"),
        Direction::Both => ("-", "-"),
    }
}
