//! How wide a table may be: the terminal's width (looked up for each result, as the window may have
//! been resized), a fixed number of columns, or no limit.

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Width {
    /// The terminal's width when standard output is one, else no limit.
    #[default]
    Terminal,
    Columns(usize),
    Off,
}

/// Tables narrower than this cannot show a column's frame and a few characters.
const NARROWEST_TABLE: usize = 20;

impl std::str::FromStr for Width {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "off" | "0" => Ok(Width::Off),
            "auto" | "terminal" => Ok(Width::Terminal),
            n => match n.parse::<usize>() {
                Ok(n) if n >= NARROWEST_TABLE => Ok(Width::Columns(n)),
                Ok(_) => Err(format!("a table needs at least {NARROWEST_TABLE} columns")),
                Err(_) => Err(format!("`{n}` is not a width: give a number of columns, auto or off")),
            },
        }
    }
}

impl Width {
    /// The columns a table line may take now, if any limit applies.
    pub fn columns(self) -> Option<usize> {
        match self {
            Width::Columns(n) => Some(n),
            Width::Off => None,
            Width::Terminal => {
                let out = std::io::stdout();
                if !out.is_terminal() {
                    return None;
                }
                // A terminal that reports no width (some pseudo-terminals do) gets no limit.
                console::Term::stdout()
                    .size_checked()
                    .filter(|&(_, columns)| columns > 0)
                    .map(|(_, columns)| usize::from(columns).max(NARROWEST_TABLE))
            }
        }
    }

    pub fn describe(self) -> String {
        match self {
            Width::Columns(n) => format!("width: {n} columns"),
            Width::Off => "width: off (cells are never cut)".into(),
            Width::Terminal => match self.columns() {
                Some(n) => format!("width: the terminal's ({n} columns now)"),
                None => "width: the terminal's (none: output is not a terminal)".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_parse_as_columns_auto_or_off() {
        assert_eq!("120".parse(), Ok(Width::Columns(120)));
        assert_eq!("off".parse(), Ok(Width::Off));
        assert_eq!("auto".parse(), Ok(Width::Terminal));
        assert!("5".parse::<Width>().is_err());
        assert!("wide".parse::<Width>().is_err());
        assert_eq!(Width::Columns(80).columns(), Some(80));
        assert_eq!(Width::Off.columns(), None);
    }
}
