//! Reading components of temporal values (`d.year`, `t.offset`, `dur.minutesOfHour`) and truncating
//! them to a unit (`date.truncate('quarter', d, {day: 2})`).

use jiff::civil::{self, Weekday};

use super::build::{Field, Kind, construct};
use super::parse::zone_or_offset;
use super::{
    DateTime, Duration, NANOS_PER_SECOND, Result, Temporal, TemporalError, Time, Zone, format::write_offset,
};

/// A component's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Component {
    Int(i64),
    Text(String),
}

fn offset_text(seconds: i32) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = write_offset(&mut s, seconds);
    if s == "Z" { "+00:00".to_string() } else { s }
}

fn date_field(d: civil::Date, key: &str) -> Option<i64> {
    let iso = d.iso_week_date();
    let quarter_start = civil::Date::new(d.year(), (d.month() - 1) / 3 * 3 + 1, 1).unwrap_or(d);
    Some(match key {
        "year" => d.year().into(),
        "quarter" => (i64::from(d.month()) - 1) / 3 + 1,
        "month" => d.month().into(),
        "week" => iso.week().into(),
        "weekyear" => iso.year().into(),
        "day" => d.day().into(),
        "ordinalday" => d.day_of_year().into(),
        "weekday" | "dayofweek" => d.weekday().to_monday_one_offset().into(),
        "dayofquarter" => i64::from(d.day_of_year() - quarter_start.day_of_year()) + 1,
        _ => return None,
    })
}

fn time_field(t: civil::Time, key: &str) -> Option<i64> {
    let nanos = i64::from(t.subsec_nanosecond());
    Some(match key {
        "hour" => t.hour().into(),
        "minute" => t.minute().into(),
        "second" => t.second().into(),
        "millisecond" => nanos / 1_000_000,
        "microsecond" => nanos / 1000,
        "nanosecond" => nanos,
        _ => return None,
    })
}

fn zone_field(offset: i32, zone: Option<Zone>, key: &str) -> Option<Component> {
    Some(match key {
        "timezone" => Component::Text(zone.map_or_else(|| offset_text(offset), Zone::name)),
        "offset" => Component::Text(offset_text(offset)),
        "offsetminutes" => Component::Int(i64::from(offset) / 60),
        "offsetseconds" => Component::Int(offset.into()),
        _ => return None,
    })
}

fn duration_field(d: &Duration, key: &str) -> Option<i64> {
    let seconds = d.seconds();
    let nanos = d.nanos();
    Some(match key {
        "years" => d.months() / 12,
        "quarters" => d.months() / 3,
        "months" => d.months(),
        "weeks" => d.days() / 7,
        "days" => d.days(),
        "hours" => seconds / 3600,
        "minutes" => seconds / 60,
        "seconds" => seconds,
        "milliseconds" => seconds.saturating_mul(1000).saturating_add(nanos / 1_000_000),
        "microseconds" => seconds.saturating_mul(1_000_000).saturating_add(nanos / 1000),
        "nanoseconds" => seconds.saturating_mul(NANOS_PER_SECOND).saturating_add(nanos),
        "quartersofyear" => d.months() % 12 / 3,
        "monthsofquarter" => d.months() % 3,
        "monthsofyear" => d.months() % 12,
        "daysofweek" => d.days() % 7,
        "minutesofhour" => seconds / 60 % 60,
        "secondsofminute" => seconds % 60,
        "millisecondsofsecond" => nanos / 1_000_000,
        "microsecondsofsecond" => nanos / 1000,
        "nanosecondsofsecond" => nanos,
        _ => return None,
    })
}

/// Component `key` of `t`, or an error naming what `t` offers.
pub fn field(t: &Temporal, key: &str) -> Result<Component> {
    let lower = key.to_ascii_lowercase();
    let k = lower.as_str();
    let int = |v: Option<i64>| v.map(Component::Int);
    let found = match t {
        Temporal::Date(d) => int(date_field(*d, k)),
        Temporal::LocalTime(time) => int(time_field(*time, k)),
        Temporal::Time(Time { time, offset }) => {
            int(time_field(*time, k)).or_else(|| zone_field(*offset, None, k))
        }
        Temporal::LocalDateTime(dt) => {
            int(date_field(dt.date(), k)).or_else(|| int(time_field(dt.time(), k)))
        }
        Temporal::DateTime(dt) => int(date_field(dt.local.date(), k))
            .or_else(|| int(time_field(dt.local.time(), k)))
            .or_else(|| zone_field(dt.offset, dt.zone, k))
            .or_else(|| {
                let ts = dt.timestamp();
                match k {
                    "epochseconds" => Some(Component::Int(ts.as_second())),
                    "epochmillis" => Some(Component::Int(ts.as_millisecond())),
                    _ => None,
                }
            }),
        Temporal::Duration(d) => int(duration_field(d, k)),
    };
    found.ok_or_else(|| TemporalError(format!("a {} has no component `{key}`", t.type_name())))
}

/// Truncates `t` to `unit` as a value of `kind`, then sets the components in `fields` (and the
/// zone, if `fields` has `timezone`; else the zone of `t`, else UTC).
pub fn truncate(kind: Kind, unit: &str, t: Temporal, fields: &[(&str, Field<'_>)]) -> Result<Temporal> {
    let Some(super::Pieces { date, time, zone }) = t.pieces() else {
        return Err(TemporalError("a duration cannot be truncated".into()));
    };
    let unit_lower = unit.to_ascii_lowercase();
    let date_unit = matches!(
        unit_lower.as_str(),
        "millennium" | "century" | "decade" | "year" | "weekyear" | "quarter" | "month" | "week"
    );
    let time_unit =
        matches!(unit_lower.as_str(), "hour" | "minute" | "second" | "millisecond" | "microsecond");
    if !date_unit && !time_unit && unit_lower != "day" {
        return Err(TemporalError(format!("`{unit}` is not a unit to truncate to")));
    }
    let wants_date = matches!(kind, Kind::Date | Kind::LocalDateTime | Kind::DateTime);
    if !wants_date && date_unit {
        return Err(TemporalError(format!("a {} cannot be truncated to `{unit}`", kind.name())));
    }
    let date = match date {
        Some(d) => Some(truncate_date(d, &unit_lower)?),
        None if wants_date => {
            return Err(TemporalError(format!("a {} has no date to truncate", t.type_name())));
        }
        None => None,
    };
    let time =
        if time_unit { time.map(|t| truncate_time(t, &unit_lower)) } else { Some(civil::Time::midnight()) };
    let time = time.unwrap_or(civil::Time::midnight());

    let zone_text = fields.iter().find(|(k, _)| k.eq_ignore_ascii_case("timezone")).map(|(_, v)| *v);
    let rest: Vec<(&str, Field<'_>)> =
        fields.iter().filter(|(k, _)| !k.eq_ignore_ascii_case("timezone")).copied().collect();
    let local_kind = match kind {
        Kind::Date => Kind::Date,
        Kind::LocalTime | Kind::Time => Kind::LocalTime,
        _ => Kind::LocalDateTime,
    };
    let base = match local_kind {
        Kind::Date => ("date", Temporal::Date(date.unwrap_or_default())),
        Kind::LocalTime => ("time", Temporal::LocalTime(time)),
        _ => ("datetime", Temporal::LocalDateTime(date.unwrap_or_default().to_datetime(time))),
    };
    let mut with_base = vec![(base.0, Field::Temporal(base.1))];
    with_base.extend(rest);
    let local = construct(local_kind, &with_base)?;
    let zone = match zone_text {
        Some(Field::Text(text)) => Some(zone_or_offset(text)?),
        Some(_) => return Err(TemporalError("`timezone` must be a string".into())),
        None => zone,
    };
    let (offset, named) = zone.unwrap_or((0, None));
    Ok(match (kind, local) {
        (Kind::Time, Temporal::LocalTime(time)) => {
            let offset = named.map_or(offset, |z| z.rules().to_offset(jiff::Timestamp::now()).seconds());
            Temporal::Time(Time { time, offset })
        }
        (Kind::DateTime, Temporal::LocalDateTime(local)) => Temporal::DateTime(match named {
            Some(z) => DateTime::in_zone(local, z)?,
            None => DateTime { local, offset, zone: None },
        }),
        (_, other) => other,
    })
}

fn truncate_date(d: civil::Date, unit: &str) -> Result<civil::Date> {
    let year = i64::from(d.year());
    let first_of = |y: i64| {
        civil::Date::new(y as i16, 1, 1)
            .map_err(|e| TemporalError(format!("the truncated date is out of range: {e}")))
    };
    Ok(match unit {
        "millennium" => first_of(year - year.rem_euclid(1000))?,
        "century" => first_of(year - year.rem_euclid(100))?,
        "decade" => first_of(year - year.rem_euclid(10))?,
        "year" => first_of(year)?,
        "weekyear" => {
            let iso = d.iso_week_date();
            jiff::civil::ISOWeekDate::new(iso.year(), 1, Weekday::Monday)
                .map(|w| w.date())
                .map_err(|e| TemporalError(e.to_string()))?
        }
        "quarter" => civil::Date::new(d.year(), (d.month() - 1) / 3 * 3 + 1, 1).unwrap_or(d),
        "month" => d.first_of_month(),
        "week" => {
            let back = i64::from(d.weekday().to_monday_zero_offset());
            d.checked_sub(jiff::Span::new().days(back)).map_err(|e| TemporalError(e.to_string()))?
        }
        _ => d,
    })
}

fn truncate_time(t: civil::Time, unit: &str) -> civil::Time {
    let nanos = t.subsec_nanosecond();
    let (minute, second, sub) = match unit {
        "hour" => (0, 0, 0),
        "minute" => (t.minute(), 0, 0),
        "second" => (t.minute(), t.second(), 0),
        "millisecond" => (t.minute(), t.second(), nanos / 1_000_000 * 1_000_000),
        _ => (t.minute(), t.second(), nanos / 1000 * 1000),
    };
    civil::Time::new(t.hour(), minute, second, sub).unwrap_or(t)
}
