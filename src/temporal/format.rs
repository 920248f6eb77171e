//! How temporal values are written: ISO 8601 as openCypher's `toString` has it, which is also the
//! form every parser here reads back.

use std::fmt::{self, Display, Formatter, Write};

use jiff::civil;

use super::{DateTime, Duration, NANOS_PER_SECOND, Temporal, Time};

fn write_date(f: &mut impl Write, d: civil::Date) -> fmt::Result {
    let year = d.year();
    if (0..=9999).contains(&year) {
        write!(f, "{year:04}")?;
    } else {
        write!(f, "{}{:04}", if year < 0 { '-' } else { '+' }, year.unsigned_abs())?;
    }
    write!(f, "-{:02}-{:02}", d.month(), d.day())
}

/// `HH:MM`, with `:SS` when there are seconds and the fraction without its trailing zeros.
fn write_time(f: &mut impl Write, t: civil::Time) -> fmt::Result {
    write!(f, "{:02}:{:02}", t.hour(), t.minute())?;
    if t.second() != 0 || t.subsec_nanosecond() != 0 {
        write!(f, ":{:02}", t.second())?;
        write_fraction(f, t.subsec_nanosecond())?;
    }
    Ok(())
}

fn write_fraction(f: &mut impl Write, nanos: i32) -> fmt::Result {
    if nanos == 0 {
        return Ok(());
    }
    let digits = format!("{nanos:09}");
    write!(f, ".{}", digits.trim_end_matches('0'))
}

/// `Z` for UTC, else `±HH:MM`, with `:SS` when the offset has seconds (historical local mean times).
pub(crate) fn write_offset(f: &mut impl Write, seconds: i32) -> fmt::Result {
    if seconds == 0 {
        return f.write_char('Z');
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    write!(f, "{sign}{:02}:{:02}", s / 3600, s / 60 % 60)?;
    if !s.is_multiple_of(60) {
        write!(f, ":{:02}", s % 60)?;
    }
    Ok(())
}

fn write_datetime(f: &mut impl Write, dt: civil::DateTime) -> fmt::Result {
    write_date(f, dt.date())?;
    f.write_char('T')?;
    write_time(f, dt.time())
}

impl Display for Time {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_time(f, self.time)?;
        write_offset(f, self.offset)
    }
}

impl Display for DateTime {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_datetime(f, self.local)?;
        write_offset(f, self.offset)?;
        if let Some(zone) = self.zone {
            write!(f, "[{}]", zone.name())?;
        }
        Ok(())
    }
}

/// `P…Y…M…DT…H…M…S`: months as years and months, the seconds as hours, minutes and seconds, each
/// part with its own sign and zero parts left out; `PT0S` when every part is zero.
impl Display for Duration {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('P')?;
        let (years, months) = (self.months() / 12, self.months() % 12);
        for (amount, unit) in [(years, 'Y'), (months, 'M'), (self.days(), 'D')] {
            if amount != 0 {
                write!(f, "{amount}{unit}")?;
            }
        }
        let total = self.total_nanos();
        if total == 0 {
            if self.months() == 0 && self.days() == 0 {
                f.write_str("T0S")?;
            }
            return Ok(());
        }
        f.write_char('T')?;
        let sign = if total < 0 { "-" } else { "" };
        let magnitude = total.unsigned_abs();
        let nanos_per_second = NANOS_PER_SECOND as u128;
        let hours = magnitude / (3600 * nanos_per_second);
        let minutes = magnitude / (60 * nanos_per_second) % 60;
        let rest = magnitude % (60 * nanos_per_second);
        if hours != 0 {
            write!(f, "{sign}{hours}H")?;
        }
        if minutes != 0 {
            write!(f, "{sign}{minutes}M")?;
        }
        if rest != 0 {
            write!(f, "{sign}{}", rest / nanos_per_second)?;
            write_fraction(f, (rest % nanos_per_second) as i32)?;
            f.write_char('S')?;
        }
        Ok(())
    }
}

impl Display for Temporal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Temporal::Date(d) => write_date(f, *d),
            Temporal::LocalTime(t) => write_time(f, *t),
            Temporal::Time(t) => t.fmt(f),
            Temporal::LocalDateTime(dt) => write_datetime(f, *dt),
            Temporal::DateTime(dt) => dt.fmt(f),
            Temporal::Duration(d) => d.fmt(f),
        }
    }
}

impl Temporal {
    /// The constructor function of this type, as Cypher names it (`date`, `localdatetime`…): the
    /// value written as Cypher is `constructor('toString')`.
    pub fn constructor(&self) -> &'static str {
        match self {
            Temporal::Date(_) => "date",
            Temporal::LocalTime(_) => "localtime",
            Temporal::Time(_) => "time",
            Temporal::LocalDateTime(_) => "localdatetime",
            Temporal::DateTime(_) => "datetime",
            Temporal::Duration(_) => "duration",
        }
    }
}
