//! The aligned table people read: rows cut after a count, cells cut to fit a width, and what a
//! statement changed. Cells never carry control characters to the terminal.

use std::fmt::Write as _;
use std::io::{self, Write};

use unicode_width::UnicodeWidthChar;

use super::cell_text;
use crate::graph::Graph;
use crate::session::QueryOutput;

/// How much of a result a table shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableView {
    /// Rows shown before "… N more rows"; `None` shows all.
    pub max_rows: Option<usize>,
    /// Columns (terminal cells) a table line may take; wider cells are cut with `…`. `None` cuts nothing.
    pub width: Option<usize>,
}

/// A column is never cut narrower than this, so that a cut cell still shows its start.
const NARROWEST: usize = 6;

/// The width a string takes on a terminal: wide (East Asian) characters count two, combining ones none.
fn shown_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// What a table shows for a cell: line breaks as `↵`, tabs as a space, and no other control
/// character (a value holding an escape sequence must not drive the user's terminal).
fn printable(text: String) -> String {
    if !text.chars().any(char::is_control) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push('↵'),
            '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to `width` terminal cells, its last one `…` when anything was cut.
fn cut(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if shown_width(text) <= width {
        return text.into();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out.into()
}

/// The widths the columns get so that a line (`| a | b |`: three cells of frame per column, plus
/// one) fits `limit`: the widest columns are narrowed first, to a common cap, none below
/// [`NARROWEST`] (or its own width). A table that cannot fit even so is as narrow as it can be.
fn fit(natural: &[usize], limit: usize) -> Vec<usize> {
    let frame = 3 * natural.len() + 1;
    let total = |cap: usize| natural.iter().map(|&w| w.min(cap.max(NARROWEST))).sum::<usize>() + frame;
    let widest = natural.iter().copied().max().unwrap_or(0);
    if total(widest) <= limit {
        return natural.to_vec();
    }
    // The largest cap that fits: total(cap) grows with cap, so search it.
    let (mut low, mut high) = (NARROWEST, widest);
    while low < high {
        let mid = (low + high).div_ceil(2);
        if total(mid) <= limit { low = mid } else { high = mid - 1 }
    }
    let cap = low;
    let mut widths: Vec<usize> = natural.iter().map(|&w| w.min(cap)).collect();
    // Hand what the cap left unused to the cut columns, left to right, one cell each.
    let mut spare = limit.saturating_sub(widths.iter().sum::<usize>() + frame);
    for (w, &n) in widths.iter_mut().zip(natural) {
        if spare == 0 {
            break;
        }
        if *w < n {
            *w += 1;
            spare -= 1;
        }
    }
    widths
}

pub(super) fn write_table(
    out: &mut dyn Write,
    graph: &Graph,
    output: &QueryOutput,
    view: &TableView,
) -> io::Result<()> {
    if let Some(plan) = &output.plan {
        return write!(out, "{plan}");
    }
    if !output.columns.is_empty() {
        let shown = view.max_rows.unwrap_or(usize::MAX).min(output.rows.len());
        let cells: Vec<Vec<String>> = output.rows[..shown]
            .iter()
            .map(|r| r.iter().map(|v| printable(cell_text(graph, v))).collect())
            .collect();
        let columns: Vec<String> = output.columns.iter().map(|c| printable(c.clone())).collect();
        let natural: Vec<usize> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| cells.iter().map(|r| shown_width(&r[i])).chain([shown_width(c)]).max().unwrap_or(0))
            .collect();
        let widths = match view.width {
            Some(limit) => fit(&natural, limit),
            None => natural.clone(),
        };
        let narrowed = widths != natural;
        let rule: String = widths.iter().map(|w| format!("+{}", "-".repeat(w + 2))).collect::<String>() + "+";
        let line = |values: &[String]| -> String {
            let mut l = String::new();
            for (v, &w) in values.iter().zip(&widths) {
                let v = cut(v, w);
                let pad = w.saturating_sub(shown_width(&v));
                let _ = write!(l, "| {v}{} ", " ".repeat(pad));
            }
            l + "|"
        };
        writeln!(out, "{rule}")?;
        writeln!(out, "{}", line(&columns))?;
        writeln!(out, "{rule}")?;
        for r in &cells {
            writeln!(out, "{}", line(r))?;
        }
        if !cells.is_empty() {
            writeln!(out, "{rule}")?;
        }
        if shown < output.rows.len() {
            writeln!(out, "… {} more rows (:maxrows)", output.rows.len() - shown)?;
        }
        let n = output.rows.len();
        write!(out, "{n} row{}", if n == 1 { "" } else { "s" })?;
        if narrowed && let Some(limit) = view.width {
            write!(out, " (cells cut to fit {limit} columns: :width off shows them whole)")?;
        }
        writeln!(out)?;
    }
    let s = &output.stats;
    if !s.is_empty() {
        // In the order they are said: what was made, set, removed, then indexes and labels.
        let counts = [
            (s.nodes_created, "created", "node", "nodes"),
            (s.relationships_created, "created", "relationship", "relationships"),
            (s.properties_set, "set", "property", "properties"),
            (s.nodes_deleted, "deleted", "node", "nodes"),
            (s.relationships_deleted, "deleted", "relationship", "relationships"),
            (s.indexes_added, "added", "index", "indexes"),
            (s.indexes_removed, "dropped", "index", "indexes"),
            (s.constraints_added, "added", "constraint", "constraints"),
            (s.constraints_removed, "dropped", "constraint", "constraints"),
            (s.labels_added, "added", "label", "labels"),
            (s.labels_removed, "removed", "label", "labels"),
        ];
        let parts: Vec<String> = counts
            .into_iter()
            .filter(|&(n, ..)| n > 0)
            .map(|(n, verb, one, many)| format!("{verb} {n} {}", if n == 1 { one } else { many }))
            .collect();
        let mut text = parts.join(", ");
        if let Some(first) = text.get(..1) {
            text = first.to_uppercase() + &text[1..];
        }
        writeln!(out, "{text}")?;
    } else if output.columns.is_empty() {
        writeln!(out, "No changes, no rows")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_narrowed_widest_first_to_fit() {
        assert_eq!(fit(&[5, 10], 100), vec![5, 10]);
        // 3 * 2 + 1 = 7 cells of frame leave 33 for the columns.
        let widths = fit(&[5, 1800], 40);
        assert_eq!(widths, vec![5, 28]);
        let widths = fit(&[400, 10, 1800], 80);
        assert_eq!(widths, vec![30, 10, 30], "a column narrower than the cap keeps its width");
        let widths = fit(&[400, 30, 1800], 81);
        assert_eq!(widths.iter().sum::<usize>() + 10, 81, "the spare cell is handed out: {widths:?}");
        // Too narrow for anything: every column at its narrowest.
        assert_eq!(fit(&[50, 50, 50], 10), vec![NARROWEST; 3]);
    }

    #[test]
    fn a_cut_cell_ends_with_an_ellipsis_and_counts_wide_characters_twice() {
        assert_eq!(cut("APT31", 10), "APT31");
        assert_eq!(cut("Ministry of State Security", 10), "Ministry …");
        assert_eq!(shown_width(&cut("国家安全部国家安全部", 7)), 7);
        assert_eq!(cut("国家安全部国家安全部", 7), "国家安…");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(printable("two\nlines\r\nand\ta tab".into()), "two↵lines↵and a tab");
        assert_eq!(printable("\u{1b}[2Jwiped".into()), "\u{FFFD}[2Jwiped");
    }
}
