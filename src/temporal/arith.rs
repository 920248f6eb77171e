//! Arithmetic: a duration added to or taken from a temporal value, durations added, scaled and
//! divided, and the duration between two temporal values (`duration.between` and its `inMonths`,
//! `inDays`, `inSeconds`).

use jiff::civil;

use super::Pieces;
use super::build::{Amount, Amounts};
use super::{
    DateTime, Duration, NANOS_PER_SECOND, Result, SECONDS_PER_DAY, Temporal, TemporalError, Time, Zone,
};

fn jiff_error(e: jiff::Error) -> TemporalError {
    TemporalError(format!("the result is outside the supported range: {e}"))
}

fn add_months_days(dt: civil::DateTime, months: i64, days: i64) -> Result<civil::DateTime> {
    // Months first, the day of the month clamped to the month's length, then days.
    dt.checked_add(jiff::Span::new().months(months))
        .and_then(|d| d.checked_add(jiff::Span::new().days(days)))
        .map_err(jiff_error)
}

fn add_nanos(dt: civil::DateTime, nanos: i128) -> Result<civil::DateTime> {
    let nanos = i64::try_from(nanos)
        .map_err(|_| TemporalError("the result is outside the supported range".into()))?;
    dt.checked_add(jiff::SignedDuration::from_nanos(nanos)).map_err(jiff_error)
}

/// `temporal + duration`: months, then days, then the seconds — which, on a date, count only as far
/// as whole days, and on a time of day wrap around midnight.
pub fn add(t: Temporal, d: Duration) -> Result<Temporal> {
    let nanos = d.total_nanos();
    let day = i128::from(SECONDS_PER_DAY * NANOS_PER_SECOND);
    Ok(match t {
        Temporal::Date(date) => {
            let moved = add_months_days(
                date.to_datetime(civil::Time::midnight()),
                d.months(),
                d.days() + (nanos / day) as i64,
            )?;
            Temporal::Date(moved.date())
        }
        Temporal::LocalTime(time) => Temporal::LocalTime(shift_time(time, nanos)),
        Temporal::Time(t) => Temporal::Time(Time { time: shift_time(t.time, nanos), offset: t.offset }),
        Temporal::LocalDateTime(dt) => {
            Temporal::LocalDateTime(add_nanos(add_months_days(dt, d.months(), d.days())?, nanos)?)
        }
        Temporal::DateTime(dt) => {
            // The calendar parts move the local date and time (a day is a day across a change of
            // offset); the seconds move the instant.
            let local = add_months_days(dt.local, d.months(), d.days())?;
            let moved = match dt.zone {
                Some(zone) => DateTime::in_zone(local, zone)?,
                None => DateTime { local, ..dt },
            };
            let nanos = i64::try_from(nanos)
                .map_err(|_| TemporalError("the result is outside the supported range".into()))?;
            let ts =
                moved.timestamp().checked_add(jiff::SignedDuration::from_nanos(nanos)).map_err(jiff_error)?;
            Temporal::DateTime(DateTime::at(ts, moved.offset, moved.zone))
        }
        Temporal::Duration(other) => Temporal::Duration(Duration::from_total_nanos(
            other.months() + d.months(),
            other.days() + d.days(),
            other.total_nanos() + nanos,
        )?),
    })
}

fn shift_time(time: civil::Time, nanos: i128) -> civil::Time {
    let day = i128::from(SECONDS_PER_DAY * NANOS_PER_SECOND);
    super::time_of_nanos((i128::from(super::nanos_of_day(time)) + nanos).rem_euclid(day) as i64)
}

pub fn negate(d: Duration) -> Result<Duration> {
    Duration::from_total_nanos(-d.months(), -d.days(), -d.total_nanos())
}

/// `temporal - duration`, and `duration - duration`.
pub fn subtract(t: Temporal, d: Duration) -> Result<Temporal> {
    add(t, negate(d)?)
}

/// `duration * factor` (and `duration / divisor` as `1 / divisor`… computed as a division so that
/// `/ 3` is exact where it can be): each part scaled, fractions carried down as when constructing.
pub fn multiply(d: Duration, factor: f64, divide: bool) -> Result<Duration> {
    if divide && factor == 0.0 {
        return Err(TemporalError("a duration cannot be divided by zero".into()));
    }
    let scale = |x: f64| if divide { x / factor } else { x * factor };
    let mut amounts = Amounts::default();
    let parts =
        [("months", d.months() as f64), ("days", d.days() as f64), ("nanoseconds", d.total_nanos() as f64)];
    for (unit, amount) in parts {
        let x = scale(amount);
        if !x.is_finite() || x.abs() >= 9.2e18 {
            return Err(TemporalError("the duration is too large".into()));
        }
        amounts.add(unit, Amount { whole: x.trunc() as i64, nanos: (x.fract() * 1e9).round() as i64 });
    }
    amounts.duration()
}

/// What `duration.between` and its variants return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Between {
    /// Months, days and seconds.
    Full,
    Months,
    Days,
    Seconds,
}

/// The duration from `a` to `b`. A side without a date takes the other's (so that times compare on
/// the same day), a side without a time is at midnight, and a side without an offset is read in the
/// other's zone; when both have offsets, `b` is seen from `a`'s.
pub fn between(kind: Between, a: Temporal, b: Temporal) -> Result<Duration> {
    let side = |t: Temporal| {
        t.pieces().ok_or_else(|| {
            TemporalError("duration.between takes two temporal instants, not a duration".into())
        })
    };
    let (mut x, mut y) = (side(a)?, side(b)?);
    let both_dated = x.date.is_some() && y.date.is_some();
    // A named zone beside a value without one: the calendar of the zone's days is not the other
    // value's, so the difference is the plain elapsed time between the two instants.
    let named = |s: &Pieces| matches!(s.zone, Some((_, Some(_)))) && s.date.is_some();
    let elapsed_only = named(&x) != named(&y) && (x.zone.is_none() || y.zone.is_none());
    x.date = x.date.or(y.date);
    y.date = y.date.or(x.date);
    match (x.zone, y.zone) {
        (Some(_), None) => y.zone = x.zone,
        (None, Some(_)) => x.zone = y.zone,
        _ => {}
    }
    let local = |s: &Pieces| {
        s.date
            .unwrap_or(civil::Date::constant(1970, 1, 1))
            .to_datetime(s.time.unwrap_or(civil::Time::midnight()))
    };
    let (la, lb) = (local(&x), local(&y));
    // Nanoseconds on one line: instants when the sides have zones, local time otherwise.
    let instant = |dt: civil::DateTime, zone: Option<(i32, Option<Zone>)>| -> Result<i128> {
        let utc = |offset: i32| {
            i128::from(dt.to_zoned_in_utc_seconds() - i64::from(offset)) * i128::from(NANOS_PER_SECOND)
                + i128::from(dt.subsec_nanosecond())
        };
        Ok(match zone {
            None => utc(0),
            Some((_, Some(zone))) => DateTime::in_zone(dt, zone)?.timestamp().as_nanosecond(),
            Some((offset, None)) => utc(offset),
        })
    };
    let (a_zone, b_zone) = (x.zone, y.zone);
    let end = instant(lb, b_zone)?;
    let start = instant(la, a_zone)?;
    if kind == Between::Seconds || !both_dated || elapsed_only {
        if matches!(kind, Between::Months | Between::Days) && (!both_dated || elapsed_only) {
            // Without two dates there are no whole months or days between; with the elapsed-time
            // rule, whole days are counted in 24-hour steps.
            if !both_dated || kind == Between::Months {
                return Ok(Duration::ZERO);
            }
            let day = i128::from(SECONDS_PER_DAY * NANOS_PER_SECOND);
            return Duration::new(0, ((end - start) / day) as i64, 0, 0);
        }
        return Duration::from_total_nanos(0, 0, end - start);
    }
    // b seen in a's zone when both have one: the local calendar parts are counted there.
    let lb_in_a = match (a_zone, b_zone) {
        (Some((offset, zone)), Some(_)) => {
            let ts = jiff::Timestamp::from_nanosecond(end).map_err(jiff_error)?;
            DateTime::at(ts, offset, zone).local
        }
        _ => lb,
    };
    let months = if kind == Between::Days { 0 } else { whole_months(la, lb_in_a) };
    let after_months = add_months_days(la, months, 0)?;
    let days = whole_days(after_months, lb_in_a);
    match kind {
        Between::Months => Duration::new(months, 0, 0, 0),
        Between::Days => Duration::new(0, days, 0, 0),
        _ => {
            let reached = add_months_days(after_months, 0, days)?;
            let rest = end - instant(reached, a_zone)?;
            Duration::from_total_nanos(months, days, rest)
        }
    }
}

trait UtcSeconds {
    fn to_zoned_in_utc_seconds(&self) -> i64;
}

impl UtcSeconds for civil::DateTime {
    /// Seconds since 1970 of this local date and time read as UTC.
    fn to_zoned_in_utc_seconds(&self) -> i64 {
        jiff::tz::Offset::UTC.to_timestamp(*self).map_or(0, |ts| ts.as_second())
    }
}

/// Whole months from `a` to `b`, counted as the calendar does: Jan 31 to Feb 28 is not a month.
fn whole_months(a: civil::DateTime, b: civil::DateTime) -> i64 {
    let mut months =
        (i64::from(b.year()) - i64::from(a.year())) * 12 + i64::from(b.month()) - i64::from(a.month());
    let rest = |dt: civil::DateTime| (dt.day(), dt.time());
    if months > 0 && rest(b) < rest(a) {
        months -= 1;
    } else if months < 0 && rest(b) > rest(a) {
        months += 1;
    }
    months
}

/// Whole days from `a` to `b`.
fn whole_days(a: civil::DateTime, b: civil::DateTime) -> i64 {
    let epoch_day = |d: civil::Date| {
        jiff::tz::Offset::UTC
            .to_timestamp(d.to_datetime(civil::Time::midnight()))
            .map_or(0, |ts| ts.as_second())
            / SECONDS_PER_DAY
    };
    let mut days = epoch_day(b.date()) - epoch_day(a.date());
    if days > 0 && b.time() < a.time() {
        days -= 1;
    } else if days < 0 && b.time() > a.time() {
        days += 1;
    }
    days
}
