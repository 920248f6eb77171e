//! The optimisation passes, in the order they run. Each takes a plan's operator tree and gives back
//! one that yields the same rows with less work; the planner's own tree is always correct, so any
//! pass may be left out (`Passes`), which is how the property tests check each one: the same
//! statements planned with a pass and without it must give the same rows.

use super::{Op, count, degree, reach, stream, top};

/// One optimisation pass.
#[derive(Debug, Clone, Copy)]
pub struct Pass {
    /// What `Passes::without` calls it.
    pub name: &'static str,
    /// What it does, in a line.
    pub does: &'static str,
    run: fn(Op) -> Op,
}

/// Every pass, in the order they run: `reach` before `count` and `degree`, which look for the
/// expansions it marks and the aggregations above them.
pub const PASSES: [Pass; 5] = [
    Pass {
        name: "reach",
        does: "variable-length expansions under DISTINCT-like aggregates visit each reachable node once",
        run: reach::mark,
    },
    Pass {
        name: "count",
        does: "counts of one- and two-relationship patterns from node degrees, without rows",
        run: count::counts,
    },
    Pass {
        name: "degree",
        does: "an aggregation that only counts an expansion's rows reads the node's degree instead",
        run: degree::factorise,
    },
    Pass {
        name: "top",
        does: "ORDER BY under LIMIT keeps only the rows that can still be returned",
        run: top::bound,
    },
    Pass {
        name: "stream",
        does: "CREATE and MERGE over input that cannot see the graph write each row as it comes",
        run: stream::writes,
    },
];

/// Which passes run: all of them unless some were left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passes {
    /// Bit i set: `PASSES[i]` is left out.
    off: u32,
}

impl Default for Passes {
    fn default() -> Self {
        Passes::all()
    }
}

impl Passes {
    pub fn all() -> Passes {
        Passes { off: 0 }
    }

    /// The planner's tree as it is: what the passes are checked against.
    pub fn none() -> Passes {
        Passes { off: (1 << PASSES.len()) - 1 }
    }

    /// These passes without the one called `name`, or `None` when no pass is called that.
    pub fn without(self, name: &str) -> Option<Passes> {
        let i = PASSES.iter().position(|p| p.name == name)?;
        Some(Passes { off: self.off | 1 << i })
    }

    /// Only the pass called `name`, or `None` when no pass is called that.
    pub fn only(name: &str) -> Option<Passes> {
        let i = PASSES.iter().position(|p| p.name == name)?;
        Some(Passes { off: Passes::none().off & !(1 << i) })
    }

    /// Whether the pass called `name` runs.
    pub fn runs(self, name: &str) -> bool {
        PASSES.iter().position(|p| p.name == name).is_some_and(|i| self.off & 1 << i == 0)
    }

    pub(super) fn apply(self, mut root: Op) -> Op {
        for (i, pass) in PASSES.iter().enumerate() {
            if self.off & 1 << i == 0 {
                root = (pass.run)(root);
            }
        }
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_are_named_once_and_can_be_left_out_one_by_one() {
        for (i, pass) in PASSES.iter().enumerate() {
            assert_eq!(PASSES.iter().position(|p| p.name == pass.name), Some(i), "{} twice", pass.name);
            let without = Passes::all().without(pass.name).expect("a pass of the list");
            assert!(!without.runs(pass.name));
            assert!(PASSES.iter().filter(|p| p.name != pass.name).all(|p| without.runs(p.name)));
            let only = Passes::only(pass.name).expect("a pass of the list");
            assert!(PASSES.iter().all(|p| only.runs(p.name) == (p.name == pass.name)));
        }
        assert_eq!(Passes::all().without("no such pass"), None);
        assert!(PASSES.iter().all(|p| !Passes::none().runs(p.name)));
    }
}
