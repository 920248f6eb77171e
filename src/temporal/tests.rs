use super::*;

fn parsed(kind: Kind, text: &str) -> Temporal {
    parse(kind, text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn a_temporal_value_is_no_larger_than_a_string() {
    assert!(std::mem::size_of::<Temporal>() <= std::mem::size_of::<String>());
    assert_eq!(std::mem::size_of::<crate::Value>(), 32, "Value grew");
}

#[test]
fn every_iso_form_reads_and_writes_back() {
    let cases = [
        (Kind::Date, "2015-07-21", "2015-07-21"),
        (Kind::Date, "20150721", "2015-07-21"),
        (Kind::Date, "2015-W30-2", "2015-07-21"),
        (Kind::Date, "2015W30", "2015-07-20"),
        (Kind::Date, "2015-202", "2015-07-21"),
        (Kind::Date, "2015", "2015-01-01"),
        (Kind::LocalTime, "214032.142", "21:40:32.142"),
        (Kind::LocalTime, "21", "21:00"),
        (Kind::Time, "2140-02", "21:40-02:00"),
        (Kind::Time, "214032.142Z", "21:40:32.142Z"),
        (Kind::LocalDateTime, "2015-W30-2T214032.142", "2015-07-21T21:40:32.142"),
        (Kind::DateTime, "2015202T21+18:00", "2015-07-21T21:00+18:00"),
        (
            Kind::DateTime,
            "2015-07-21T21:40:32.142[Europe/London]",
            "2015-07-21T21:40:32.142+01:00[Europe/London]",
        ),
        (Kind::Duration, "P5M1.5D", "P5M1DT12H"),
        (Kind::Duration, "P0.75M", "P22DT19H51M49.5S"),
        (Kind::Duration, "P2012-02-02T14:37:21.545", "P2012Y2M2DT14H37M21.545S"),
    ];
    for (kind, text, shown) in cases {
        let value = parsed(kind, text);
        assert_eq!(value.to_string(), shown, "{text}");
        assert_eq!(parsed(kind, shown), value, "{shown} reads back");
    }
}

#[test]
fn malformed_strings_are_errors_not_guesses() {
    for (kind, text) in [
        (Kind::Date, "2015-13-01"),
        (Kind::Date, "2015-02-30"),
        (Kind::Date, "15-01-01"),
        (Kind::LocalTime, "24:00"),
        (Kind::Time, "12:00+19:00"),
        (Kind::DateTime, "2015-07-21T21:40[Nowhere/Atlantis]"),
        (Kind::Duration, "P1X"),
        (Kind::Duration, "P"),
        (Kind::Date, "2015-07-21 trailing"),
    ] {
        assert!(parse(kind, text).is_err(), "{text} was accepted");
    }
}

#[test]
fn prague_offsets_come_from_the_bundled_zone_rules() {
    // Europe/Prague left summer time on 2024-10-27 at 03:00 local (+02:00 → +01:00).
    let before = parsed(Kind::DateTime, "2024-10-26T12:00[Europe/Prague]");
    let after = parsed(Kind::DateTime, "2024-10-28T12:00[Europe/Prague]");
    assert_eq!(before.to_string(), "2024-10-26T12:00+02:00[Europe/Prague]");
    assert_eq!(after.to_string(), "2024-10-28T12:00+01:00[Europe/Prague]");
    // A day added across the change keeps the local time; the instant moves by 25 hours.
    let day = Duration::new(0, 1, 0, 0).unwrap();
    let next = add(parsed(Kind::DateTime, "2024-10-26T12:00[Europe/Prague]"), day).unwrap();
    assert_eq!(next.to_string(), "2024-10-27T12:00+01:00[Europe/Prague]");
    let elapsed = between(arith::Between::Seconds, before, next).unwrap();
    assert_eq!(elapsed.to_string(), "PT25H");
}

#[test]
fn datetimes_written_with_different_offsets_compare_by_instant() {
    let a = parsed(Kind::DateTime, "2025-05-28T10:00+02:00");
    let b = parsed(Kind::DateTime, "2025-05-28T08:00Z");
    let c = parsed(Kind::DateTime, "2025-05-28T09:00Z");
    assert!(a.equals(&b));
    assert_eq!(a.compare(&c), Some(Ordering::Less));
    let mut h1 = std::collections::hash_map::DefaultHasher::new();
    let mut h2 = std::collections::hash_map::DefaultHasher::new();
    a.hash_equivalence(&mut h1);
    b.hash_equivalence(&mut h2);
    assert_eq!(h1.finish(), h2.finish(), "equal instants group together");
    assert_eq!(parsed(Kind::Duration, "P1D").compare(&parsed(Kind::Duration, "P2D")), None);
}

#[test]
fn durations_print_each_part_with_its_sign() {
    let d = |s: i64, n: i64| Duration::new(0, 0, s, n).unwrap().to_string();
    assert_eq!(d(-60, 1_000_000), "PT-59.999S");
    assert_eq!(d(-61, 999_000_000), "PT-1M-0.001S");
    assert_eq!(d(0, 0), "PT0S");
    assert_eq!(Duration::new(149, -14, 57_600, 0).unwrap().to_string(), "P12Y5M-14DT16H");
}

#[test]
fn between_counts_calendar_months_then_days_then_time() {
    let d = |a: &str, b: &str| {
        between(arith::Between::Full, parsed(Kind::LocalDateTime, a), parsed(Kind::LocalDateTime, b))
            .unwrap()
            .to_string()
    };
    assert_eq!(d("2015-07-21T21:40:32.142", "2016-07-21T21:45:22.142"), "P1YT4M50S");
    assert_eq!(d("2018-01-02T10:00:00.1", "2018-01-01T10:00:00.2"), "PT-23H-59M-59.9S");
    assert_eq!(d("2024-01-31", "2024-02-29"), "P29D", "Jan 31 to Feb 29 is not a whole month");
}

proptest::proptest! {
    /// The hand-computed instant key is jiff's timestamp, and ordering by it is ordering by instant,
    /// for any local time and offset where jiff's timestamp does not clamp.
    #[test]
    fn instant_keys_are_the_timestamps_jiff_computes(
        year in -9998i16..=9998,
        ordinal in 1i16..=365,
        nanos_of_day in 0i64..86_400 * NANOS_PER_SECOND,
        offsets in (-18 * 3600i32..=18 * 3600, -18 * 3600i32..=18 * 3600),
        other_nanos in 0i64..86_400 * NANOS_PER_SECOND,
        days_apart in -70i32..=70,
    ) {
        let date = civil::Date::new(year, 1, 1).unwrap().with().day_of_year(ordinal).build().unwrap();
        // The second on the same day, in the same month, the next or the previous one, or further.
        let other_date = date.checked_add(jiff::Span::new().days(days_apart)).unwrap();
        let at = |date: civil::Date, nanos: i64| {
            let t = civil::Time::midnight().checked_add(jiff::SignedDuration::from_nanos(nanos)).unwrap();
            date.to_datetime(t)
        };
        let a = DateTime { local: at(date, nanos_of_day), offset: offsets.0, zone: None };
        let b = DateTime { local: at(other_date, other_nanos), offset: offsets.1, zone: None };
        for d in [&a, &b] {
            let (seconds, nanos) = d.instant_key();
            proptest::prop_assert!((0..1_000_000_000).contains(&nanos));
            let key = i128::from(seconds) * i128::from(NANOS_PER_SECOND) + i128::from(nanos);
            proptest::prop_assert_eq!(key, d.timestamp().as_nanosecond());
        }
        proptest::prop_assert_eq!(a.instant_cmp(&b), a.timestamp().cmp(&b.timestamp()));
        proptest::prop_assert_eq!(b.instant_cmp(&a), b.timestamp().cmp(&a.timestamp()));
        let same_offset = DateTime { offset: offsets.0, ..b };
        proptest::prop_assert_eq!(a.instant_cmp(&same_offset), a.timestamp().cmp(&same_offset.timestamp()));
    }
}
