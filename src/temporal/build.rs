//! Making temporal values from their components: `date({year: 2025, month: 5, day: 28})`, week and
//! ordinal and quarter dates, components taken from other temporal values and overridden
//! (`date({date: d, day: 1})`), and durations from amounts of any unit, fractions included.

use jiff::civil::{self, ISOWeekDate, Weekday};

use super::Pieces;
use super::parse::zone_or_offset;
use super::{
    DateTime, Duration, NANOS_PER_SECOND, Result, SECONDS_PER_DAY, Temporal, TemporalError, Time, Zone,
};

/// The six temporal types, as their constructor functions name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Date,
    LocalTime,
    Time,
    LocalDateTime,
    DateTime,
    Duration,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Date => "date",
            Kind::LocalTime => "local time",
            Kind::Time => "time",
            Kind::LocalDateTime => "local date time",
            Kind::DateTime => "date time",
            Kind::Duration => "duration",
        }
    }

    /// The kind a constructor name (`date`, `localdatetime`…) makes.
    pub fn of_constructor(name: &str) -> Option<Kind> {
        Some(match name {
            "date" => Kind::Date,
            "localtime" => Kind::LocalTime,
            "time" => Kind::Time,
            "localdatetime" => Kind::LocalDateTime,
            "datetime" => Kind::DateTime,
            "duration" => Kind::Duration,
            _ => return None,
        })
    }

    fn has_date(self) -> bool {
        matches!(self, Kind::Date | Kind::LocalDateTime | Kind::DateTime)
    }

    fn has_time(self) -> bool {
        matches!(self, Kind::LocalTime | Kind::Time | Kind::LocalDateTime | Kind::DateTime)
    }

    fn has_zone(self) -> bool {
        matches!(self, Kind::Time | Kind::DateTime)
    }
}

/// One component given to a constructor, as the query had it.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Int(i64),
    Float(f64),
    Text(&'a str),
    Temporal(Temporal),
}

/// Calendar and clock components, each optional until a value is made of them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Parts {
    pub year: Option<i64>,
    pub month: Option<i64>,
    pub day: Option<i64>,
    pub week: Option<i64>,
    pub day_of_week: Option<i64>,
    pub ordinal_day: Option<i64>,
    pub quarter: Option<i64>,
    pub day_of_quarter: Option<i64>,
    pub hour: Option<i64>,
    pub minute: Option<i64>,
    pub second: Option<i64>,
    pub millisecond: Option<i64>,
    pub microsecond: Option<i64>,
    pub nanosecond: Option<i64>,
}

fn within(value: i64, low: i64, high: i64, what: &str) -> Result<i64> {
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(TemporalError(format!("the {what} must be within {low} and {high}, not {value}")))
    }
}

fn jiff_error(e: jiff::Error) -> TemporalError {
    TemporalError(e.to_string())
}

impl Parts {
    pub fn date(&self) -> Result<civil::Date> {
        let Some(year) = self.year else {
            return Err(TemporalError("a date needs its year".into()));
        };
        let year = within(year, -9999, 9999, "year")? as i16;
        if let Some(week) = self.week {
            let weekday = within(self.day_of_week.unwrap_or(1), 1, 7, "day of the week")? as i8;
            let weekday = Weekday::from_monday_one_offset(weekday).map_err(jiff_error)?;
            let week = within(week, 1, 53, "week")? as i8;
            return ISOWeekDate::new(year, week, weekday).map(ISOWeekDate::date).map_err(jiff_error);
        }
        let january = civil::Date::new(year, 1, 1).map_err(jiff_error)?;
        if let Some(ordinal) = self.ordinal_day {
            let ordinal = within(ordinal, 1, i64::from(january.days_in_year()), "day of the year")?;
            return january.with().day_of_year(ordinal as i16).build().map_err(jiff_error);
        }
        if let Some(quarter) = self.quarter {
            let quarter = within(quarter, 1, 4, "quarter")?;
            let first = civil::Date::new(year, (quarter as i8 - 1) * 3 + 1, 1).map_err(jiff_error)?;
            let last = civil::Date::new(year, quarter as i8 * 3, 1).map_err(jiff_error)?.last_of_month();
            let length = i64::from(last.day_of_year() - first.day_of_year()) + 1;
            let day = within(self.day_of_quarter.unwrap_or(1), 1, length, "day of the quarter")?;
            return first.checked_add(jiff::Span::new().days(day - 1)).map_err(jiff_error);
        }
        let month = within(self.month.unwrap_or(1), 1, 12, "month")? as i8;
        let first = civil::Date::new(year, month, 1).map_err(jiff_error)?;
        let day = within(self.day.unwrap_or(1), 1, i64::from(first.days_in_month()), "day")? as i8;
        civil::Date::new(year, month, day).map_err(jiff_error)
    }

    pub fn time(&self) -> Result<civil::Time> {
        let hour = within(self.hour.unwrap_or(0), 0, 23, "hour")?;
        let minute = within(self.minute.unwrap_or(0), 0, 59, "minute")?;
        let second = within(self.second.unwrap_or(0), 0, 59, "second")?;
        // Each finer unit given beside a coarser one holds only the digits the coarser one leaves.
        let (ms, us, ns) = (self.millisecond, self.microsecond, self.nanosecond);
        let us_limit = if ms.is_some() { 999 } else { 999_999 };
        let ns_limit = match (ms, us) {
            (_, Some(_)) => 999,
            (Some(_), None) => 999_999,
            (None, None) => 999_999_999,
        };
        let nanos = within(ms.unwrap_or(0), 0, 999, "millisecond")? * 1_000_000
            + within(us.unwrap_or(0), 0, us_limit, "microsecond")? * 1000
            + within(ns.unwrap_or(0), 0, ns_limit, "nanosecond")?;
        civil::Time::new(hour as i8, minute as i8, second as i8, nanos as i32).map_err(jiff_error)
    }

    fn has_date_fields(&self) -> bool {
        [
            self.year,
            self.month,
            self.day,
            self.week,
            self.day_of_week,
            self.ordinal_day,
            self.quarter,
            self.day_of_quarter,
        ]
        .iter()
        .any(Option::is_some)
    }

    fn has_time_fields(&self) -> bool {
        [self.hour, self.minute, self.second, self.millisecond, self.microsecond, self.nanosecond]
            .iter()
            .any(Option::is_some)
    }

    /// The parts of `date` in the calendar the overrides are written in (weeks, days of the year,
    /// quarters or months), with the overrides on top.
    fn over_date(&self, date: civil::Date) -> Parts {
        let mut base = Parts::default();
        if self.week.is_some() || (self.day_of_week.is_some() && self.month.is_none() && self.day.is_none()) {
            let iso = date.iso_week_date();
            base.year = Some(iso.year().into());
            base.week = Some(iso.week().into());
            base.day_of_week = Some(iso.weekday().to_monday_one_offset().into());
        } else if self.ordinal_day.is_some() {
            base.year = Some(date.year().into());
            base.ordinal_day = Some(date.day_of_year().into());
        } else if self.quarter.is_some() || self.day_of_quarter.is_some() {
            let quarter = (i64::from(date.month()) - 1) / 3 + 1;
            let first = civil::Date::new(date.year(), (quarter as i8 - 1) * 3 + 1, 1).unwrap_or(date);
            base.year = Some(date.year().into());
            base.quarter = Some(quarter);
            base.day_of_quarter = Some(i64::from(date.day_of_year() - first.day_of_year()) + 1);
        } else {
            base.year = Some(date.year().into());
            base.month = Some(date.month().into());
            base.day = Some(date.day().into());
        }
        self.date_on(base)
    }

    fn date_on(&self, mut base: Parts) -> Parts {
        macro_rules! take { ($($f:ident),*) => { $(if self.$f.is_some() { base.$f = self.$f; })* } }
        take!(year, month, day, week, day_of_week, ordinal_day, quarter, day_of_quarter);
        base
    }

    fn over_time(&self, time: civil::Time) -> Result<civil::Time> {
        let mut base = Parts {
            hour: Some(time.hour().into()),
            minute: Some(time.minute().into()),
            second: Some(time.second().into()),
            ..Parts::default()
        };
        let subsecond = self.millisecond.is_some() || self.microsecond.is_some() || self.nanosecond.is_some();
        if subsecond {
            let nanos = i64::from(time.subsec_nanosecond());
            // Each given sub-second unit replaces its digits; the others keep the base's.
            base.millisecond = Some(self.millisecond.unwrap_or(nanos / 1_000_000));
            base.microsecond = Some(self.microsecond.unwrap_or(nanos / 1000 % 1000));
            base.nanosecond = Some(self.nanosecond.unwrap_or(nanos % 1000));
        } else {
            base.nanosecond = Some(time.subsec_nanosecond().into());
        }
        for (given, slot) in
            [(self.hour, &mut base.hour), (self.minute, &mut base.minute), (self.second, &mut base.second)]
        {
            if given.is_some() {
                *slot = given;
            }
        }
        base.time()
    }
}

/// An exact signed decimal amount of some unit: `whole + nanos / 10⁹`, both with the same sign.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Amount {
    pub whole: i64,
    pub nanos: i64,
}

impl From<i64> for Amount {
    fn from(whole: i64) -> Self {
        Amount { whole, nanos: 0 }
    }
}

impl Amount {
    fn of_float(x: f64) -> Result<Amount> {
        if !x.is_finite() || x.abs() >= 9.2e18 {
            return Err(TemporalError(format!("{x} is not a usable amount of time")));
        }
        Ok(Amount { whole: x.trunc() as i64, nanos: (x.fract() * 1e9).round() as i64 })
    }

    /// The amount in billionths of its unit.
    fn billionths(self) -> i128 {
        i128::from(self.whole) * 1_000_000_000 + i128::from(self.nanos)
    }
}

/// Amounts of each unit, added up into a [`Duration`] the way openCypher does: a fraction of a month
/// becomes days and seconds at the Gregorian average (30.436875 days), a fraction of a day seconds.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Amounts {
    /// Billionths of a month, of a day, and nanoseconds.
    months: i128,
    days: i128,
    nanos: i128,
}

impl Amounts {
    pub fn add(&mut self, unit: &str, amount: Amount) -> bool {
        let b = amount.billionths();
        match unit {
            "years" => self.months += b * 12,
            "quarters" => self.months += b * 3,
            "months" => self.months += b,
            "weeks" => self.days += b * 7,
            "days" => self.days += b,
            "hours" => self.nanos += b * 3600,
            "minutes" => self.nanos += b * 60,
            "seconds" => self.nanos += b,
            "milliseconds" => self.nanos += b / 1000,
            "microseconds" => self.nanos += b / 1_000_000,
            "nanoseconds" => self.nanos += b / 1_000_000_000,
            _ => return false,
        }
        true
    }

    pub fn duration(&self) -> Result<Duration> {
        const BILLION: i128 = 1_000_000_000;
        const MONTH_SECONDS: i128 = 2_629_746;
        const DAY_NANOS: i128 = SECONDS_PER_DAY as i128 * NANOS_PER_SECOND as i128;
        let months = self.months / BILLION;
        // Billionths of a month times seconds per month: nanoseconds.
        let month_rest = (self.months % BILLION) * MONTH_SECONDS;
        let days = self.days / BILLION + month_rest / DAY_NANOS;
        let nanos = self.nanos + (self.days % BILLION) * (SECONDS_PER_DAY as i128) + month_rest % DAY_NANOS;
        let too_big = || TemporalError("the duration is too large".into());
        Duration::from_total_nanos(
            i64::try_from(months).map_err(|_| too_big())?,
            i64::try_from(days).map_err(|_| too_big())?,
            nanos,
        )
    }
}

/// A value of `kind` from the named components in `fields`; a time or datetime given no zone (and
/// selecting none from another value) is in UTC.
pub fn construct(kind: Kind, fields: &[(&str, Field<'_>)]) -> Result<Temporal> {
    if kind == Kind::Duration {
        let mut amounts = Amounts::default();
        for &(key, value) in fields {
            let amount = match value {
                Field::Int(i) => Amount::from(i),
                Field::Float(x) => Amount::of_float(x)?,
                _ => return Err(TemporalError(format!("`{key}` of a duration must be a number"))),
            };
            if !amounts.add(&key.to_ascii_lowercase(), amount) {
                return Err(TemporalError(format!("a duration has no component `{key}`")));
            }
        }
        return amounts.duration().map(Temporal::Duration);
    }
    let mut parts = Parts::default();
    let mut base_date: Option<Temporal> = None;
    let mut base_time: Option<Temporal> = None;
    let mut base_datetime: Option<Temporal> = None;
    let mut zone_text: Option<&str> = None;
    let mut epoch: (Option<i64>, Option<i64>) = (None, None);
    for &(key, value) in fields {
        let int = || match value {
            Field::Int(i) => Ok(i),
            _ => Err(TemporalError(format!("`{key}` must be an integer"))),
        };
        let slot = match key.to_ascii_lowercase().as_str() {
            "year" => &mut parts.year,
            "month" => &mut parts.month,
            "day" => &mut parts.day,
            "week" => &mut parts.week,
            "dayofweek" | "weekday" => &mut parts.day_of_week,
            "ordinalday" => &mut parts.ordinal_day,
            "quarter" => &mut parts.quarter,
            "dayofquarter" => &mut parts.day_of_quarter,
            "hour" => &mut parts.hour,
            "minute" => &mut parts.minute,
            "second" => &mut parts.second,
            "millisecond" => &mut parts.millisecond,
            "microsecond" => &mut parts.microsecond,
            "nanosecond" => &mut parts.nanosecond,
            "epochseconds" => &mut epoch.0,
            "epochmillis" => &mut epoch.1,
            "timezone" => {
                let Field::Text(text) = value else {
                    return Err(TemporalError("`timezone` must be a string".into()));
                };
                zone_text = Some(text);
                continue;
            }
            base @ ("date" | "time" | "datetime") => {
                let Field::Temporal(t) = value else {
                    return Err(TemporalError(format!("`{key}` must be a temporal value")));
                };
                match base {
                    "date" => base_date = Some(t),
                    "time" => base_time = Some(t),
                    _ => base_datetime = Some(t),
                }
                continue;
            }
            _ => return Err(TemporalError(format!("a {} has no component `{key}`", kind.name()))),
        };
        *slot = Some(int()?);
    }
    if !kind.has_date() && (parts.has_date_fields() || base_date.is_some() || base_datetime.is_some()) {
        return Err(TemporalError(format!("a {} has no date components", kind.name())));
    }
    if !kind.has_time() && (parts.has_time_fields() || base_time.is_some()) {
        return Err(TemporalError("a date has no time components".into()));
    }
    if !kind.has_zone() && zone_text.is_some() {
        return Err(TemporalError(format!("a {} has no time zone", kind.name())));
    }
    if epoch.0.is_some() || epoch.1.is_some() {
        return from_epoch(kind, epoch, &parts, zone_text);
    }
    let datetime_base = base_datetime.map(split).transpose()?;
    let date_source =
        base_date.map(split).transpose()?.and_then(|s| s.date).or(datetime_base.and_then(|s| s.date));
    let time_source = base_time.map(split).transpose()?.or(datetime_base);

    let date = if kind.has_date() {
        Some(match date_source {
            Some(d) => parts.over_date(d).date()?,
            None => parts.date()?,
        })
    } else {
        None
    };
    let time = if kind.has_time() {
        Some(match time_source.and_then(|s| s.time) {
            Some(t) => parts.over_time(t)?,
            None => {
                if date_source.is_none() && kind.has_date() && parts.hour.is_none() && parts.has_time_fields()
                {
                    return Err(TemporalError("a time needs its hour".into()));
                }
                parts.time()?
            }
        })
    } else {
        None
    };
    // The zone: the one given, else the selected value's, else UTC.
    let (zone_given, source_zone) = (
        zone_text.map(zone_or_offset).transpose()?,
        time_source.and_then(|s| s.zone).or(datetime_base.and_then(|s| s.zone)),
    );
    Ok(match kind {
        Kind::Date => Temporal::Date(date.unwrap_or_default()),
        Kind::LocalTime => Temporal::LocalTime(time.unwrap_or_default()),
        Kind::LocalDateTime => {
            Temporal::LocalDateTime(date.unwrap_or_default().to_datetime(time.unwrap_or_default()))
        }
        Kind::Time => {
            let time = time.unwrap_or_default();
            Temporal::Time(match (zone_given, source_zone) {
                // A time with an offset moved to another offset keeps its instant.
                (Some((seconds, zone)), Some((from, _))) => {
                    let to = zone_offset_now(seconds, zone);
                    let shifted = super::nanos_of_day(time) + i64::from(to - from) * NANOS_PER_SECOND;
                    Time { time: super::time_of_nanos(shifted), offset: to }
                }
                (Some((seconds, zone)), None) => Time { time, offset: zone_offset_now(seconds, zone) },
                (None, Some((from, _))) => Time { time, offset: from },
                (None, None) => Time { time, offset: 0 },
            })
        }
        Kind::DateTime => {
            let local = date.unwrap_or_default().to_datetime(time.unwrap_or_default());
            Temporal::DateTime(match (zone_given, source_zone) {
                (Some((seconds, zone)), Some((from, from_zone))) => {
                    let ts = DateTime { local, offset: from, zone: from_zone }.timestamp();
                    DateTime::at(ts, seconds, zone)
                }
                (Some((seconds, zone)), None) => zoned(local, seconds, zone)?,
                (None, Some((from, Some(zone)))) => {
                    DateTime::in_zone(local, zone).or_else(|_| zoned(local, from, None))?
                }
                (None, Some((from, None))) => DateTime { local, offset: from, zone: None },
                (None, None) => DateTime { local, offset: 0, zone: None },
            })
        }
        Kind::Duration => unreachable!("durations were made above"),
    })
}

fn zoned(local: civil::DateTime, seconds: i32, zone: Option<Zone>) -> Result<DateTime> {
    match zone {
        Some(zone) => DateTime::in_zone(local, zone),
        None => Ok(DateTime { local, offset: seconds, zone: None }),
    }
}

/// A time has no date to find a named zone's offset for: the zone's offset at this moment.
fn zone_offset_now(seconds: i32, zone: Option<Zone>) -> i32 {
    zone.map_or(seconds, |z| z.rules().to_offset(jiff::Timestamp::now()).seconds())
}

/// What a selected temporal value offers: its date, its time, and its offset and zone.
fn split(t: Temporal) -> Result<Pieces> {
    t.pieces().ok_or_else(|| TemporalError("a duration has no date or time to select".into()))
}

fn from_epoch(
    kind: Kind,
    epoch: (Option<i64>, Option<i64>),
    parts: &Parts,
    zone: Option<&str>,
) -> Result<Temporal> {
    if kind != Kind::DateTime {
        return Err(TemporalError("only a date time is made from epochSeconds or epochMillis".into()));
    }
    if parts.has_date_fields() || parts.hour.is_some() || parts.minute.is_some() || parts.second.is_some() {
        return Err(TemporalError(
            "epochSeconds and epochMillis take no other date or time components".into(),
        ));
    }
    let extra = parts.millisecond.unwrap_or(0) * 1_000_000
        + parts.microsecond.unwrap_or(0) * 1000
        + parts.nanosecond.unwrap_or(0);
    let nanos = match epoch {
        (Some(s), None) => i128::from(s) * 1_000_000_000 + i128::from(extra),
        (None, Some(ms)) => i128::from(ms) * 1_000_000 + i128::from(extra),
        _ => return Err(TemporalError("give epochSeconds or epochMillis, not both".into())),
    };
    let ts = jiff::Timestamp::from_nanosecond(nanos).map_err(jiff_error)?;
    let (seconds, zone) = zone.map(zone_or_offset).transpose()?.unwrap_or((0, None));
    Ok(Temporal::DateTime(DateTime::at(ts, seconds, zone)))
}

/// `datetime.fromepoch(seconds, nanoseconds)` and `datetime.fromepochmillis(ms)`: an instant in UTC.
pub fn from_epoch_nanos(nanos: i128) -> Result<Temporal> {
    let ts = jiff::Timestamp::from_nanosecond(nanos).map_err(jiff_error)?;
    Ok(Temporal::DateTime(DateTime::at(ts, 0, None)))
}
