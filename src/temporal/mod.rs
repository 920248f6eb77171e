//! Temporal values: the five instants-and-times of openCypher (`Date`, `LocalTime`, `Time`,
//! `LocalDateTime`, `DateTime`) and `Duration`.
//!
//! Calendars, ISO weeks and time-zone rules come from `jiff`, with its bundled copy of the IANA
//! database as the only source of zone rules, so a result never depends on the machine it runs on.
//! Each value is at most 20 bytes (the size test below pins it), so [`crate::Value`] stays as small
//! as it was before temporal values existed: a `Temporal` is stored inline, never boxed.
//!
//! The supported years are −9999 to 9999 (jiff's range); a value outside them is an error, never a
//! wrapped or clamped one.

pub mod arith;
mod build;
pub mod fields;
mod format;
mod parse;
mod zone;

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use jiff::civil;

pub use arith::{Between, add, between, multiply, subtract};
pub use build::{Field, Kind, construct, from_epoch_nanos};
pub use fields::{Component, field, truncate};
pub use parse::{parse, zone_or_offset};
pub use zone::Zone;

/// A temporal value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Temporal {
    Date(civil::Date),
    LocalTime(civil::Time),
    Time(Time),
    LocalDateTime(civil::DateTime),
    DateTime(DateTime),
    Duration(Duration),
}

/// A time of day with a fixed offset from UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    pub time: civil::Time,
    /// Seconds east of UTC.
    pub offset: i32,
}

/// An instant, seen as the local date and time at `offset`; `zone` names the rules the offset came
/// from, when it came from a named zone rather than a bare offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    pub local: civil::DateTime,
    /// Seconds east of UTC at this instant.
    pub offset: i32,
    pub zone: Option<Zone>,
}

/// A duration as openCypher has it: months, days and seconds kept apart, because a month has no
/// fixed number of days and a day (across a daylight-saving change) no fixed number of seconds.
///
/// The seconds are held as two halves so that the whole value aligns to 4 bytes and fits, with its
/// tag, in the 24 bytes a [`crate::Value`] gives its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Duration {
    months: i32,
    days: i32,
    seconds_high: i32,
    seconds_low: u32,
    /// 0 ..= 999 999 999: the fraction of a second, always added to `seconds`.
    nanos: i32,
}

/// Why a temporal value could not be made: the message says what was asked and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TemporalError(pub String);

pub type Result<T> = std::result::Result<T, TemporalError>;

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

impl Duration {
    pub const ZERO: Duration = Duration { months: 0, days: 0, seconds_high: 0, seconds_low: 0, nanos: 0 };

    /// A duration of these parts; nanoseconds beyond a second carry into the seconds.
    pub fn new(months: i64, days: i64, seconds: i64, nanos: i64) -> Result<Duration> {
        let too_big = || TemporalError("the duration is too large".into());
        let months = i32::try_from(months).map_err(|_| too_big())?;
        let days = i32::try_from(days).map_err(|_| too_big())?;
        let seconds = seconds.checked_add(nanos.div_euclid(NANOS_PER_SECOND)).ok_or_else(too_big)?;
        let nanos = nanos.rem_euclid(NANOS_PER_SECOND) as i32;
        Ok(Duration {
            months,
            days,
            seconds_high: (seconds >> 32) as i32,
            seconds_low: seconds as u32,
            nanos,
        })
    }

    pub fn months(&self) -> i64 {
        i64::from(self.months)
    }

    pub fn days(&self) -> i64 {
        i64::from(self.days)
    }

    /// Whole seconds, rounded towards negative infinity: `nanos` is always added.
    pub fn seconds(&self) -> i64 {
        (i64::from(self.seconds_high) << 32) | i64::from(self.seconds_low)
    }

    pub fn nanos(&self) -> i64 {
        i64::from(self.nanos)
    }

    /// The seconds part as nanoseconds, wide enough never to overflow.
    pub fn total_nanos(&self) -> i128 {
        i128::from(self.seconds()) * i128::from(NANOS_PER_SECOND) + i128::from(self.nanos)
    }

    fn from_total_nanos(months: i64, days: i64, nanos: i128) -> Result<Duration> {
        let seconds = nanos.div_euclid(i128::from(NANOS_PER_SECOND));
        let fraction = nanos.rem_euclid(i128::from(NANOS_PER_SECOND)) as i64;
        let seconds =
            i64::try_from(seconds).map_err(|_| TemporalError("the duration is too large".into()))?;
        Duration::new(months, days, seconds, fraction)
    }

    /// An approximate length in seconds (a month as 30.436875 days, the Gregorian average), for
    /// ordering durations that are not comparable.
    fn approximate_nanos(&self) -> i128 {
        const MONTH_SECONDS: i128 = 2_629_746;
        (i128::from(self.months) * MONTH_SECONDS + i128::from(self.days) * i128::from(SECONDS_PER_DAY))
            * i128::from(NANOS_PER_SECOND)
            + self.total_nanos()
    }
}

impl Time {
    /// Nanoseconds since midnight UTC (may fall outside one day): what two times are compared by.
    fn utc_nanos(&self) -> i64 {
        nanos_of_day(self.time) - i64::from(self.offset) * NANOS_PER_SECOND
    }
}

impl DateTime {
    /// The instant this value names.
    pub fn timestamp(&self) -> jiff::Timestamp {
        // The offset is within ±18 hours and the local time within jiff's range, which leaves room
        // on both sides; an instant just outside it is reported as the range's end.
        offset(self.offset).to_timestamp(self.local).unwrap_or(if self.local.date().year() < 0 {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        })
    }

    /// The instant `ts` seen in `zone` (a named zone's rules, or the fixed offset when `zone` is
    /// `None`).
    pub fn at(ts: jiff::Timestamp, fixed_offset: i32, zone: Option<Zone>) -> DateTime {
        let seconds = match zone {
            Some(z) => z.rules().to_offset(ts).seconds(),
            None => fixed_offset,
        };
        DateTime { local: offset(seconds).to_datetime(ts), offset: seconds, zone }
    }

    /// The local date and time `local` in `zone`, the offset taken from its rules; in a gap or an
    /// overlap, the offset before the change (as Neo4j and java.time do).
    pub fn in_zone(local: civil::DateTime, zone: Zone) -> Result<DateTime> {
        let ts = zone
            .rules()
            .to_ambiguous_timestamp(local)
            .compatible()
            .map_err(|e| TemporalError(format!("{local} in {}: {e}", zone.name())))?;
        Ok(DateTime::at(ts, 0, Some(zone)))
    }

    /// Seconds since 1970-01-01T00:00Z and the nanosecond within them: what equality, ordering and
    /// hashing compare. Computed from the local fields with the proleptic Gregorian day count
    /// rather than through [`DateTime::timestamp`], which checks ranges and builds a `Timestamp`:
    /// sorting a million datetimes made twenty million of those, five times the cost of sorting
    /// integers (benches/temporal.rs). Exact over the whole range, with no clamping at its ends.
    #[inline]
    fn instant_key(&self) -> (i64, i32) {
        let date = self.local.date();
        let time = self.local.time();
        let epoch_day = days_before_year(date.year()) + i64::from(date.day_of_year()) - 1 - DAYS_BEFORE_1970;
        let seconds = epoch_day * SECONDS_PER_DAY
            + i64::from(time.hour()) * 3600
            + i64::from(time.minute()) * 60
            + i64::from(time.second())
            - i64::from(self.offset);
        (seconds, time.subsec_nanosecond())
    }

    /// Orders two datetimes by instant, computing as little as the two allow: written with the
    /// same offset, by their local fields; in months at least two apart, by the months (offsets
    /// within ±18 hours cannot undo 28 days); in the same month, by the day and time less the
    /// offset (the days before the month count alike); else by [`DateTime::instant_key`].
    #[inline]
    fn instant_cmp(&self, other: &DateTime) -> Ordering {
        if self.offset == other.offset {
            return self.local.cmp(&other.local);
        }
        let months = |d: &DateTime| i32::from(d.local.year()) * 12 + i32::from(d.local.month());
        let apart = months(self) - months(other);
        if apart.abs() >= 2 {
            return apart.cmp(&0);
        }
        if apart == 0 {
            let within = |d: &DateTime| {
                let t = d.local.time();
                let seconds = i64::from(d.local.day()) * SECONDS_PER_DAY
                    + i64::from(t.hour()) * 3600
                    + i64::from(t.minute()) * 60
                    + i64::from(t.second())
                    - i64::from(d.offset);
                (seconds, t.subsec_nanosecond())
            };
            return within(self).cmp(&within(other));
        }
        self.instant_key().cmp(&other.instant_key())
    }
}

/// Days from 0001-01-01 to 1970-01-01 in the proleptic Gregorian calendar.
const DAYS_BEFORE_1970: i64 = 719_162;

/// Days from 0001-01-01 to the first day of `year` (negative before it; year 0 is a leap year).
fn days_before_year(year: i16) -> i64 {
    let y = i64::from(year) - 1;
    365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)
}

pub(crate) fn offset(seconds: i32) -> jiff::tz::Offset {
    // Offsets are checked to be within ±18 hours where they are made, inside jiff's ±25.
    jiff::tz::Offset::from_seconds(seconds).unwrap_or(jiff::tz::Offset::UTC)
}

pub(crate) fn nanos_of_day(t: civil::Time) -> i64 {
    (i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second())) * NANOS_PER_SECOND
        + i64::from(t.subsec_nanosecond())
}

/// The time `nanos` after midnight, wrapping around the day either way.
pub(crate) fn time_of_nanos(nanos: i64) -> civil::Time {
    let nanos = nanos.rem_euclid(SECONDS_PER_DAY * NANOS_PER_SECOND);
    let seconds = nanos / NANOS_PER_SECOND;
    // Each part is within its range by construction.
    civil::Time::new(
        (seconds / 3600) as i8,
        (seconds / 60 % 60) as i8,
        (seconds % 60) as i8,
        (nanos % NANOS_PER_SECOND) as i32,
    )
    .unwrap_or(civil::Time::MIN)
}

impl Temporal {
    /// The name openCypher gives this value's type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Temporal::Date(_) => "Date",
            Temporal::LocalTime(_) => "LocalTime",
            Temporal::Time(_) => "Time",
            Temporal::LocalDateTime(_) => "LocalDateTime",
            Temporal::DateTime(_) => "DateTime",
            Temporal::Duration(_) => "Duration",
        }
    }

    /// openCypher `=`: within a type; times and datetimes are equal when they name the same instant,
    /// whatever offsets they were written with; durations when their months, days and seconds are.
    pub fn equals(&self, other: &Temporal) -> bool {
        use Temporal::*;
        match (self, other) {
            (Time(a), Time(b)) => a.utc_nanos() == b.utc_nanos(),
            (DateTime(a), DateTime(b)) => a.instant_key() == b.instant_key(),
            _ => self == other,
        }
    }

    /// openCypher `<`: within one type, by instant where there is one; durations are not comparable.
    #[inline]
    pub fn compare(&self, other: &Temporal) -> Option<Ordering> {
        use Temporal::*;
        match (self, other) {
            (Date(a), Date(b)) => Some(a.cmp(b)),
            (LocalTime(a), LocalTime(b)) => Some(a.cmp(b)),
            (Time(a), Time(b)) => Some(a.utc_nanos().cmp(&b.utc_nanos())),
            (LocalDateTime(a), LocalDateTime(b)) => Some(a.cmp(b)),
            (DateTime(a), DateTime(b)) => Some(a.instant_cmp(b)),
            _ => None,
        }
    }

    /// Where this type sorts among the temporal types in `ORDER BY`.
    pub fn order_rank(&self) -> u8 {
        match self {
            Temporal::DateTime(_) => 0,
            Temporal::LocalDateTime(_) => 1,
            Temporal::Date(_) => 2,
            Temporal::Time(_) => 3,
            Temporal::LocalTime(_) => 4,
            Temporal::Duration(_) => 5,
        }
    }

    /// The total order of `ORDER BY`: by type, then as [`Temporal::compare`]; durations by their
    /// approximate length, then by their parts, so that only equal durations tie.
    #[inline]
    pub fn order(&self, other: &Temporal) -> Ordering {
        match (self, other) {
            // The common case first, without the detour through ranks and an Option.
            (Temporal::DateTime(a), Temporal::DateTime(b)) => a.instant_cmp(b),
            (Temporal::Duration(a), Temporal::Duration(b)) => a
                .approximate_nanos()
                .cmp(&b.approximate_nanos())
                .then_with(|| (a.months, a.days, a.total_nanos()).cmp(&(b.months, b.days, b.total_nanos()))),
            _ => self
                .order_rank()
                .cmp(&other.order_rank())
                .then_with(|| self.compare(other).unwrap_or(Ordering::Equal)),
        }
    }

    /// Hashes what [`Temporal::equals`] compares, so that equal values group together.
    pub fn hash_equivalence<H: Hasher>(&self, state: &mut H) {
        self.order_rank().hash(state);
        match self {
            Temporal::Time(t) => t.utc_nanos().hash(state),
            Temporal::DateTime(d) => d.instant_key().hash(state),
            other => other.hash(state),
        }
    }
}

impl Temporal {
    /// Reads back what [`Temporal`]'s `Display` wrote: the written form tells its type (a duration
    /// starts with `P`, a date and time has a `T`, a time a `:`, and an offset or zone follows a
    /// time only in the types that have one).
    pub fn from_canonical(text: &str) -> Result<Temporal> {
        let time_part = text.find('T').map(|t| &text[t..]).or(text.contains(':').then_some(text));
        let zoned = |part: &str| part.contains(['Z', '+', '[']) || part[1..].contains('-');
        let kind = if text.starts_with('P') {
            Kind::Duration
        } else if text.contains('T') {
            if time_part.is_some_and(zoned) { Kind::DateTime } else { Kind::LocalDateTime }
        } else if text.contains(':') {
            if zoned(text) { Kind::Time } else { Kind::LocalTime }
        } else {
            Kind::Date
        };
        parse(kind, text)
    }
}

impl Temporal {
    /// The key of the one-entry JSON object a temporal value is written as (`{"$date": "2025-05-28"}`):
    /// JSON has no temporal type, and a bare string would read back as a string.
    pub fn json_tag(&self) -> String {
        format!("${}", self.constructor())
    }

    /// The value of a JSON object `{tag: text}` as [`Temporal::json_tag`] writes it; `None` if `tag`
    /// names no temporal type, an error if it does and `text` is not one.
    pub fn from_json_tag(tag: &str, text: &str) -> Option<Result<Temporal>> {
        let kind = Kind::of_constructor(tag.strip_prefix('$')?)?;
        Some(parse(kind, text))
    }

    /// The JSON form described at [`Temporal::json_tag`].
    pub fn to_json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        object.insert(self.json_tag(), serde_json::Value::String(self.to_string()));
        serde_json::Value::Object(object)
    }

    /// Reads the JSON form back: `None` when `json` is not a tagged temporal value.
    pub fn from_json(json: &serde_json::Value) -> Option<Temporal> {
        Temporal::from_json_object(json.as_object()?)
    }

    pub fn from_json_object(object: &serde_json::Map<String, serde_json::Value>) -> Option<Temporal> {
        if object.len() != 1 {
            return None;
        }
        let (tag, text) = object.iter().next()?;
        Temporal::from_json_tag(tag, text.as_str()?)?.ok()
    }
}

/// What an instant-or-time value is made of: its date, its time of day, and its offset with the
/// named zone it came from; each part only where the type has it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pieces {
    pub date: Option<civil::Date>,
    pub time: Option<civil::Time>,
    pub zone: Option<(i32, Option<Zone>)>,
}

impl Temporal {
    /// The value's pieces; `None` for a duration, which has no date or time.
    pub(crate) fn pieces(&self) -> Option<Pieces> {
        Some(match *self {
            Temporal::Date(d) => Pieces { date: Some(d), time: None, zone: None },
            Temporal::LocalTime(t) => Pieces { date: None, time: Some(t), zone: None },
            Temporal::Time(t) => Pieces { date: None, time: Some(t.time), zone: Some((t.offset, None)) },
            Temporal::LocalDateTime(dt) => {
                Pieces { date: Some(dt.date()), time: Some(dt.time()), zone: None }
            }
            Temporal::DateTime(dt) => Pieces {
                date: Some(dt.local.date()),
                time: Some(dt.local.time()),
                zone: Some((dt.offset, dt.zone)),
            },
            Temporal::Duration(_) => return None,
        })
    }

    /// Days since 1970-01-01, of a date.
    pub fn epoch_days(&self) -> Option<i32> {
        let Temporal::Date(d) = self else { return None };
        let seconds = offset(0).to_timestamp(d.to_datetime(civil::Time::midnight())).ok()?.as_second();
        i32::try_from(seconds.div_euclid(SECONDS_PER_DAY)).ok()
    }

    /// Nanoseconds since 1970-01-01T00:00: of the instant for a datetime, of the local clock read
    /// as UTC for a local datetime; `None` for other types and outside the years 1678 to 2261.
    pub fn epoch_nanos(&self) -> Option<i64> {
        let ts = match self {
            Temporal::DateTime(dt) => dt.timestamp(),
            Temporal::LocalDateTime(dt) => offset(0).to_timestamp(*dt).ok()?,
            _ => return None,
        };
        i64::try_from(ts.as_nanosecond()).ok()
    }

    /// Nanoseconds since midnight, of a local time.
    pub fn local_nanos_of_day(&self) -> Option<i64> {
        let Temporal::LocalTime(t) = self else { return None };
        Some(nanos_of_day(*t))
    }
}

/// Stored and sent as its ISO 8601 text, which names its type: readable in a journal, and the same
/// bytes in every format.
impl serde::Serialize for Temporal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Temporal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Temporal::from_canonical(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
