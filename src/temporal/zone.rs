//! Named time zones: a value carries a 4-byte handle to its zone, and the zone's name and rules live
//! once, in a table of the zones this process has met.
//!
//! The table only ever holds names the bundled IANA database knows (about 600), so it is bounded
//! however many values or statements name zones.

use std::sync::{OnceLock, RwLock};

use jiff::tz::{TimeZone, TimeZoneDatabase};

use super::{Result, TemporalError};

/// A handle to a named zone's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Zone(u32);

struct Known {
    name: Box<str>,
    rules: TimeZone,
}

fn table() -> &'static RwLock<Vec<Known>> {
    static TABLE: OnceLock<RwLock<Vec<Known>>> = OnceLock::new();
    TABLE.get_or_init(|| RwLock::new(Vec::new()))
}

/// The bundled database, and no other: the machine's own zoneinfo may be older, newer or absent.
fn database() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

impl Zone {
    /// The zone called `name` in the IANA database (`Europe/Prague`), matched without regard to case
    /// and returned under its canonical spelling.
    pub fn named(name: &str) -> Result<Zone> {
        if name.len() > 64 {
            return Err(TemporalError("no time zone name is longer than 64 bytes".into()));
        }
        {
            let known = table().read().unwrap_or_else(|p| p.into_inner());
            if let Some(at) = known.iter().position(|k| k.name.eq_ignore_ascii_case(name)) {
                return Ok(Zone(at as u32));
            }
        }
        let rules = database()
            .get(name)
            .map_err(|_| TemporalError(format!("no time zone is called `{name}` in the IANA database")))?;
        let canonical: Box<str> = rules.iana_name().unwrap_or(name).into();
        let mut known = table().write().unwrap_or_else(|p| p.into_inner());
        // Another thread may have added it between the two locks.
        if let Some(at) = known.iter().position(|k| k.name.eq_ignore_ascii_case(&canonical)) {
            return Ok(Zone(at as u32));
        }
        known.push(Known { name: canonical, rules });
        Ok(Zone((known.len() - 1) as u32))
    }

    pub fn name(self) -> String {
        let known = table().read().unwrap_or_else(|p| p.into_inner());
        // A Zone is only made by `named`, which pushed its entry; entries are never removed.
        known.get(self.0 as usize).map_or_else(|| "UTC".to_string(), |k| k.name.to_string())
    }

    pub fn rules(self) -> TimeZone {
        let known = table().read().unwrap_or_else(|p| p.into_inner());
        known.get(self.0 as usize).map_or(TimeZone::UTC, |k| k.rules.clone())
    }
}
