//! Temporal values between the engine and Python's `datetime` module, reached through Python calls
//! (the C API of `datetime` is outside the stable ABI this package is built for).
//!
//! Python keeps microseconds, not nanoseconds: a value's nanoseconds beyond the microsecond are cut
//! off on the way out. A duration with months has no `timedelta` (a month has no fixed length): it
//! comes out as its ISO 8601 text.

use engine::Value;
use engine::temporal::{Duration, Field, Kind, Temporal, construct};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

fn tzinfo<'py>(py: Python<'py>, offset: i32, zone: Option<String>) -> PyResult<Bound<'py, PyAny>> {
    let datetime = py.import("datetime")?;
    if let Some(name) = zone {
        // zoneinfo needs the system's (or the tzdata package's) zone database; without it, the
        // fixed offset still gives the right instant.
        if let Ok(z) = py.import("zoneinfo").and_then(|m| m.getattr("ZoneInfo")?.call1((name,))) {
            return Ok(z);
        }
    }
    let delta = datetime.getattr("timedelta")?.call1((0, offset))?;
    datetime.getattr("timezone")?.call1((delta,))
}

/// A temporal value as the `datetime` object it is, or its text where Python has none for it.
pub(crate) fn to_py<'py>(py: Python<'py>, t: &Temporal) -> PyResult<Bound<'py, PyAny>> {
    let datetime = py.import("datetime")?;
    let as_text = || t.to_string().into_pyobject(py).map(|s| s.into_any());
    let in_python_range = |year: i16| (1..=9999).contains(&year);
    Ok(match t {
        Temporal::Date(d) if in_python_range(d.year()) => {
            datetime.getattr("date")?.call1((d.year(), d.month(), d.day()))?
        }
        Temporal::LocalTime(time) => datetime.getattr("time")?.call1((
            time.hour(),
            time.minute(),
            time.second(),
            time.subsec_nanosecond() / 1000,
        ))?,
        Temporal::Time(time) => {
            let tz = tzinfo(py, time.offset, None)?;
            let t = &time.time;
            datetime.getattr("time")?.call1((
                t.hour(),
                t.minute(),
                t.second(),
                t.subsec_nanosecond() / 1000,
                tz,
            ))?
        }
        Temporal::LocalDateTime(dt) if in_python_range(dt.year()) => {
            datetime.getattr("datetime")?.call1((
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                dt.subsec_nanosecond() / 1000,
            ))?
        }
        Temporal::DateTime(dt) if in_python_range(dt.local.year()) => {
            let tz = tzinfo(py, dt.offset, dt.zone.map(|z| z.name()))?;
            let l = &dt.local;
            datetime.getattr("datetime")?.call1((
                l.year(),
                l.month(),
                l.day(),
                l.hour(),
                l.minute(),
                l.second(),
                l.subsec_nanosecond() / 1000,
                tz,
            ))?
        }
        Temporal::Duration(d) if d.months() == 0 => {
            datetime.getattr("timedelta")?.call1((d.days(), d.seconds(), d.nanos() / 1000))?
        }
        _ => as_text()?,
    })
}

/// A `datetime` object as a temporal parameter; `None` when `value` is not one.
pub(crate) fn from_py(value: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
    let py = value.py();
    let datetime = py.import("datetime")?;
    let bad = |e: engine::temporal::TemporalError| PyValueError::new_err(e.to_string());
    if value.is_instance(&datetime.getattr("timedelta")?)? {
        let days: i64 = value.getattr("days")?.extract()?;
        let seconds: i64 = value.getattr("seconds")?.extract()?;
        let micros: i64 = value.getattr("microseconds")?.extract()?;
        let d = Duration::new(0, days, seconds, micros * 1000).map_err(bad)?;
        return Ok(Some(Value::Temporal(Temporal::Duration(d))));
    }
    // A datetime is also a date: it is asked first.
    let (kind, zoned) = if value.is_instance(&datetime.getattr("datetime")?)? {
        (Kind::LocalDateTime, !value.getattr("tzinfo")?.is_none())
    } else if value.is_instance(&datetime.getattr("date")?)? {
        (Kind::Date, false)
    } else if value.is_instance(&datetime.getattr("time")?)? {
        (Kind::LocalTime, !value.getattr("tzinfo")?.is_none())
    } else {
        return Ok(None);
    };
    let text: String = value.call_method0("isoformat")?.extract()?;
    let kind = match (kind, zoned) {
        (Kind::LocalDateTime, true) => Kind::DateTime,
        (Kind::LocalTime, true) => Kind::Time,
        (k, _) => k,
    };
    let mut t = engine::temporal::parse(kind, &text).map_err(bad)?;
    // A zoneinfo zone keeps its name (`key`), so that the value follows the zone's rules.
    if let Temporal::DateTime(_) = t
        && let Ok(key) = value.getattr("tzinfo").and_then(|z| z.getattr("key"))
        && let Ok(name) = key.extract::<String>()
    {
        t = construct(Kind::DateTime, &[("datetime", Field::Temporal(t)), ("timezone", Field::Text(&name))])
            .map_err(bad)?;
    }
    Ok(Some(Value::Temporal(t)))
}
