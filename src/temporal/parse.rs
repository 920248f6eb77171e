//! Reading temporal values from text: every ISO 8601 form openCypher accepts — calendar, week and
//! ordinal dates, basic (`214032`) and extended (`21:40:32`) times down to the nanosecond, offsets
//! (`Z`, `+01`, `+0100`, `+01:00`, `+01:00:30`), zone names in brackets, and durations
//! (`P1Y2M3W4DT5H6M7.5S`, fractions in any part, or `P2012-02-02T14:37:21.545`).

use jiff::civil;

use super::build::{Kind, Parts};
use super::{DateTime, Duration, Result, Temporal, TemporalError, Time, Zone, offset};

/// Reads `text` as a value of `kind`.
pub fn parse(kind: Kind, text: &str) -> Result<Temporal> {
    if text.len() > 256 {
        return Err(TemporalError(format!("a {} string is at most 256 characters", kind.name())));
    }
    let mut cursor = Cursor { text: text.as_bytes(), at: 0 };
    let fail = |why: &str| TemporalError(format!("`{text}` is not a {}: {why}", kind.name()));
    let value = match kind {
        Kind::Duration => Temporal::Duration(cursor.duration().map_err(|e| fail(&e))?),
        Kind::Date => Temporal::Date(cursor.date().map_err(|e| fail(&e))?),
        Kind::LocalTime => Temporal::LocalTime(cursor.time().map_err(|e| fail(&e))?),
        Kind::Time => {
            let time = cursor.time().map_err(|e| fail(&e))?;
            let offset = cursor.offset().map_err(|e| fail(&e))?.unwrap_or(0);
            Temporal::Time(Time { time, offset })
        }
        Kind::LocalDateTime => Temporal::LocalDateTime(cursor.datetime().map_err(|e| fail(&e))?),
        Kind::DateTime => {
            let local = cursor.datetime().map_err(|e| fail(&e))?;
            let written = cursor.offset().map_err(|e| fail(&e))?;
            let zone = cursor.zone().map_err(|e| fail(&e))?;
            Temporal::DateTime(match (written, zone) {
                (Some(seconds), zone) => {
                    let ts = offset(seconds).to_timestamp(local).map_err(|e| fail(&e.to_string()))?;
                    DateTime::at(ts, seconds, zone)
                }
                (None, Some(zone)) => DateTime::in_zone(local, zone)?,
                (None, None) => DateTime { local, offset: 0, zone: None },
            })
        }
    };
    if cursor.at < cursor.text.len() {
        return Err(fail(&format!("unexpected `{}`", &text[cursor.at..])));
    }
    Ok(value)
}

type Step<T> = std::result::Result<T, String>;

struct Cursor<'t> {
    text: &'t [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// How many ASCII digits follow.
    fn digits_ahead(&self) -> usize {
        self.text[self.at..].iter().take_while(|b| b.is_ascii_digit()).count()
    }

    /// Exactly `n` digits as a number.
    fn number(&mut self, n: usize, what: &str) -> Step<i64> {
        if self.digits_ahead() < n {
            return Err(format!("expected {n} digits of the {what}"));
        }
        let digits = &self.text[self.at..self.at + n];
        self.at += n;
        Ok(digits.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
    }

    fn date(&mut self) -> Step<civil::Date> {
        let sign = if self.eat(b'-') {
            -1
        } else {
            self.eat(b'+');
            1
        };
        let explicit = self.at > 0;
        let year_digits = if explicit { self.digits_ahead().clamp(4, 9) } else { 4 };
        let year = sign * self.number(year_digits, "year")?;
        let mut parts = Parts { year: Some(year), ..Parts::default() };
        let dashed = self.eat(b'-');
        if self.eat(b'W') {
            parts.week = Some(self.number(2, "week")?);
            let dash = self.eat(b'-');
            if dash || (!dashed && self.digits_ahead() >= 1) {
                parts.day_of_week = Some(self.number(1, "day of the week")?);
            }
        } else {
            match self.digits_ahead() {
                0 if !dashed => {}
                2 if dashed => {
                    parts.month = Some(self.number(2, "month")?);
                    if self.eat(b'-') {
                        parts.day = Some(self.number(2, "day")?);
                    }
                }
                2 => parts.month = Some(self.number(2, "month")?),
                3 => parts.ordinal_day = Some(self.number(3, "day of the year")?),
                4 if !dashed => {
                    parts.month = Some(self.number(2, "month")?);
                    parts.day = Some(self.number(2, "day")?);
                }
                _ => return Err("expected a month, a week or a day of the year after the year".into()),
            }
        }
        parts.date().map_err(|e| e.0)
    }

    fn time(&mut self) -> Step<civil::Time> {
        let mut parts = Parts { hour: Some(self.number(2, "hour")?), ..Parts::default() };
        let extended = self.eat(b':');
        if extended || self.digits_ahead() >= 2 {
            parts.minute = Some(self.number(2, "minute")?);
            let more = if extended { self.eat(b':') } else { self.digits_ahead() >= 2 };
            if more {
                parts.second = Some(self.number(2, "second")?);
                if self.eat(b'.') || self.eat(b',') {
                    let n = self.digits_ahead();
                    if n == 0 || n > 9 {
                        return Err("a fraction of a second has 1 to 9 digits".into());
                    }
                    let digits = self.number(n, "fraction")?;
                    parts.nanosecond = Some(digits * 10i64.pow((9 - n) as u32));
                }
            }
        }
        parts.time().map_err(|e| e.0)
    }

    fn datetime(&mut self) -> Step<civil::DateTime> {
        let date = self.date()?;
        let time = if self.eat(b'T') { self.time()? } else { civil::Time::midnight() };
        Ok(date.to_datetime(time))
    }

    /// `Z`, `±HH`, `±HHMM`, `±HH:MM`, `±HH:MM:SS` as seconds east of UTC; `None` when there is none.
    fn offset(&mut self) -> Step<Option<i32>> {
        if self.eat(b'Z') {
            return Ok(Some(0));
        }
        let sign = match self.peek() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return Ok(None),
        };
        self.at += 1;
        let hours = self.number(2, "offset's hours")?;
        let mut minutes = 0;
        let mut seconds = 0;
        let extended = self.eat(b':');
        if extended || self.digits_ahead() >= 2 {
            minutes = self.number(2, "offset's minutes")?;
            if (extended && self.eat(b':')) || (!extended && self.digits_ahead() >= 2) {
                seconds = self.number(2, "offset's seconds")?;
            }
        }
        check_offset(sign * (hours * 3600 + minutes * 60 + seconds)).map(Some).map_err(|e| e.0)
    }

    fn zone(&mut self) -> Step<Option<Zone>> {
        if !self.eat(b'[') {
            return Ok(None);
        }
        let start = self.at;
        while self.peek().is_some_and(|b| b != b']') {
            self.at += 1;
        }
        let name = std::str::from_utf8(&self.text[start..self.at]).map_err(|_| "a zone name is text")?;
        if !self.eat(b']') {
            return Err("the zone name has no closing `]`".into());
        }
        Zone::named(name).map(Some).map_err(|e| e.0)
    }

    fn duration(&mut self) -> Step<Duration> {
        if !(self.eat(b'P') || self.eat(b'p')) {
            return Err("a duration starts with `P`".into());
        }
        // `P2012-02-02T14:37:21.545`: a date and a time read as amounts of each unit.
        let alternative = self.digits_ahead() == 4 && self.text.get(self.at + 4) == Some(&b'-');
        let mut amounts = super::build::Amounts::default();
        if alternative {
            amounts.add("years", self.number(4, "years")?.into());
            self.expect(b'-')?;
            amounts.add("months", self.number(2, "months")?.into());
            self.expect(b'-')?;
            amounts.add("days", self.number(2, "days")?.into());
            if self.eat(b'T') {
                amounts.add("hours", self.number(2, "hours")?.into());
                self.expect(b':')?;
                amounts.add("minutes", self.number(2, "minutes")?.into());
                self.expect(b':')?;
                let whole = self.number(2, "seconds")?;
                amounts.add("seconds", self.fraction(whole, 1)?);
            }
            return amounts.duration().map_err(|e| e.0);
        }
        let mut in_time = false;
        let mut any = false;
        loop {
            if !in_time && self.eat(b'T') {
                in_time = true;
                continue;
            }
            let Some(amount) = self.amount()? else { break };
            let unit = match (in_time, self.peek().map(|b| b.to_ascii_uppercase())) {
                (false, Some(b'Y')) => "years",
                (false, Some(b'M')) => "months",
                (false, Some(b'W')) => "weeks",
                (false, Some(b'D')) => "days",
                (true, Some(b'H')) => "hours",
                (true, Some(b'M')) => "minutes",
                (true, Some(b'S')) => "seconds",
                _ => {
                    return Err(
                        "a number in a duration needs its unit (Y, M, W, D, or H, M, S after T)".into()
                    );
                }
            };
            self.at += 1;
            amounts.add(unit, amount);
            any = true;
        }
        if !any {
            return Err("a duration has at least one part".into());
        }
        amounts.duration().map_err(|e| e.0)
    }

    fn expect(&mut self, byte: u8) -> Step<()> {
        if self.eat(byte) { Ok(()) } else { Err(format!("expected `{}`", byte as char)) }
    }

    /// A signed decimal number, exact to the nanosecond: `None` when no number starts here.
    fn amount(&mut self) -> Step<Option<super::build::Amount>> {
        let start = self.at;
        let negative = self.eat(b'-') || {
            self.eat(b'+');
            false
        };
        let n = self.digits_ahead();
        if n == 0 {
            self.at = start;
            return Ok(None);
        }
        if n > 18 {
            return Err("a number in a duration has at most 18 digits".into());
        }
        let whole = self.number(n, "number")?;
        let sign = if negative { -1 } else { 1 };
        self.fraction(whole, sign).map(Some)
    }

    /// `whole` and the fraction after it (if any), both signed with `sign`.
    fn fraction(&mut self, whole: i64, sign: i64) -> Step<super::build::Amount> {
        let mut nanos = 0;
        if self.eat(b'.') || self.eat(b',') {
            let n = self.digits_ahead();
            if n == 0 {
                return Err("expected digits after the decimal point".into());
            }
            let kept = n.min(9);
            nanos = self.number(kept, "fraction")? * 10i64.pow((9 - kept) as u32);
            // Digits past the nanosecond cannot be represented: they are read and dropped.
            self.at += n - kept;
        }
        Ok(super::build::Amount { whole: sign * whole, nanos: sign * nanos })
    }
}

/// Offsets are within ±18 hours, as ISO 8601 and java.time have them.
pub(crate) fn check_offset(seconds: i64) -> Result<i32> {
    if seconds.abs() > 18 * 3600 {
        return Err(TemporalError(format!("an offset is within ±18:00, not {seconds} seconds")));
    }
    Ok(seconds as i32)
}

/// A time zone given as text in a map (`timezone: '+01:00'` or `'Europe/Prague'`).
pub fn zone_or_offset(text: &str) -> Result<(i32, Option<Zone>)> {
    let mut cursor = Cursor { text: text.as_bytes(), at: 0 };
    if let Ok(Some(seconds)) = cursor.offset()
        && cursor.at == text.len()
    {
        return Ok((seconds, None));
    }
    let zone = Zone::named(text)?;
    Ok((0, Some(zone)))
}
