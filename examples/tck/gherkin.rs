//! Just enough Gherkin for the openCypher TCK: features, scenarios, scenario outlines with examples,
//! steps with doc strings (`"""`) and tables (`| a | b |`).

use std::path::Path;

#[derive(Debug, Clone)]
pub struct Step {
    /// The step's text without its keyword (`Given`, `And`…) and without a trailing colon's argument.
    pub text: String,
    pub doc: Option<String>,
    pub table: Vec<Vec<String>>,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub line: usize,
    pub steps: Vec<Step>,
}

/// Splits a table row `| a | b\|c |` into its trimmed cells, reading Gherkin's escapes.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Gherkin's escapes in a cell: `\|` a bar, `\\` a backslash.
            '\\' if matches!(chars.peek(), Some('|' | '\\')) => {
                cell.extend(chars.next());
            }
            '|' => out.push(std::mem::take(&mut cell).trim().to_string()),
            c => cell.push(c),
        }
    }
    out.push(cell.trim().to_string());
    out
}

const KEYWORDS: [&str; 5] = ["Given ", "When ", "Then ", "And ", "But "];

pub fn parse(path: &Path, text: &str) -> Result<Vec<Scenario>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut scenarios = Vec::new();
    let mut current: Option<(Scenario, bool)> = None; // (scenario, is outline)
    let mut examples: Vec<Vec<String>> = Vec::new();
    let mut in_examples = false;
    // Steps of a `Background:`, run before every scenario of the feature.
    let mut background: Vec<Step> = Vec::new();
    let mut in_background = false;
    let mut i = 0;
    let finish = |cur: Option<(Scenario, bool)>, examples: &mut Vec<Vec<String>>, out: &mut Vec<Scenario>| {
        if let Some((s, outline)) = cur {
            if outline {
                expand(&s, examples, out);
            } else {
                out.push(s);
            }
        }
        examples.clear();
    };
    while i < lines.len() {
        let raw = lines[i];
        let line = raw.trim();
        i += 1;
        if line.is_empty() || line.starts_with('#') || line.starts_with('@') {
            continue;
        }
        if let Some(rest) =
            line.strip_prefix("Scenario Outline:").or_else(|| line.strip_prefix("Scenario Template:"))
        {
            finish(current.take(), &mut examples, &mut scenarios);
            in_examples = false;
            in_background = false;
            current =
                Some((Scenario { name: rest.trim().to_string(), line: i, steps: background.clone() }, true));
        } else if let Some(rest) = line.strip_prefix("Scenario:") {
            finish(current.take(), &mut examples, &mut scenarios);
            in_examples = false;
            in_background = false;
            current =
                Some((Scenario { name: rest.trim().to_string(), line: i, steps: background.clone() }, false));
        } else if line.starts_with("Examples:") || line.starts_with("Scenarios:") {
            in_examples = true;
        } else if line.starts_with("Background:") {
            in_background = true;
        } else if line.starts_with("Feature:") {
            continue;
        } else if line.starts_with('|') {
            let row = cells(line);
            if in_examples {
                examples.push(row);
            } else if in_background {
                if let Some(step) = background.last_mut() {
                    step.table.push(row);
                }
            } else if let Some((s, _)) = current.as_mut()
                && let Some(step) = s.steps.last_mut()
            {
                step.table.push(row);
            }
        } else if line.starts_with("\"\"\"") {
            let indent = raw.len() - raw.trim_start().len();
            let mut doc = Vec::new();
            while i < lines.len() && !lines[i].trim().starts_with("\"\"\"") {
                let l = lines[i];
                let cut = l.len() - l.trim_start().len();
                doc.push(&l[cut.min(indent)..]);
                i += 1;
            }
            if i >= lines.len() {
                return Err(format!("{}:{}: unterminated doc string", path.display(), i));
            }
            i += 1;
            let target = if in_background {
                background.last_mut()
            } else {
                current.as_mut().and_then(|(s, _)| s.steps.last_mut())
            };
            if let Some(step) = target {
                step.doc = Some(doc.join("\n"));
            }
        } else if let Some(kw) = KEYWORDS.iter().find(|k| line.starts_with(**k)) {
            let text = line[kw.len()..].to_string();
            let (text, doc) = match text.split_once(": ") {
                // An inline query: `When executing query: RETURN 1`.
                Some((head, tail)) if head.ends_with("query") => (format!("{head}:"), Some(tail.to_string())),
                _ => (text, None),
            };
            let step = Step { text, doc, table: Vec::new(), line: i };
            if in_background {
                background.push(step);
            } else if let Some((s, _)) = current.as_mut() {
                s.steps.push(step);
            }
        }
    }
    finish(current.take(), &mut examples, &mut scenarios);
    Ok(scenarios)
}

/// One scenario per example row, with `<name>` placeholders filled in.
fn expand(outline: &Scenario, examples: &[Vec<String>], out: &mut Vec<Scenario>) {
    let Some((header, rows)) = examples.split_first() else {
        return;
    };
    for (n, row) in rows.iter().enumerate() {
        let fill = |s: &str| {
            let mut s = s.to_string();
            for (k, v) in header.iter().zip(row) {
                s = s.replace(&format!("<{k}>"), v);
            }
            s
        };
        let steps = outline
            .steps
            .iter()
            .map(|st| Step {
                text: fill(&st.text),
                doc: st.doc.as_deref().map(fill),
                table: st.table.iter().map(|r| r.iter().map(|c| fill(c)).collect()).collect(),
                line: st.line,
            })
            .collect();
        out.push(Scenario { name: format!("{} #{}", fill(&outline.name), n + 1), line: outline.line, steps });
    }
}
