//! Cases checked against PostgreSQL 15's `to_char` of timestamps and intervals.

use super::*;

/// (microseconds since 2000-01-01, template, PostgreSQL 15 output)
const TIMESTAMPS: &[(i64, &str, &str)] = &[
    (
        0,
        r#"YYYY-MM-DD HH24:MI:SS.US"#,
        r#"2000-01-01 00:00:00.000000"#,
    ),
    (
        -91088878600000,
        r#"YYYY-MM-DD HH24:MI:SS.US"#,
        r#"1997-02-10 17:32:01.400000"#,
    ),
    (
        662774399999999,
        r#"YYYY-MM-DD HH24:MI:SS.US"#,
        r#"2020-12-31 23:59:59.999999"#,
    ),
    (
        -64464465600000000,
        r#"YYYY-MM-DD HH24:MI:SS.US"#,
        r#"0044-03-15 12:00:00.000000"#,
    ),
    (
        662965567123456,
        r#"YYYY-MM-DD HH24:MI:SS.US"#,
        r#"2021-01-03 05:06:07.123456"#,
    ),
    (
        -41400000000,
        r#"YYYY-MM-DD HH24:MI:SS.US"#,
        r#"1999-12-31 12:30:00.000000"#,
    ),
    (
        283824000000000,
        r#"YYYY-MM-DD HH24:MI:SS.US"#,
        r#"2008-12-29 00:00:00.000000"#,
    ),
    (0, r#"FMMonth DD, YYYY"#, r#"January 01, 2000"#),
    (
        -91088878600000,
        r#"FMMonth DD, YYYY"#,
        r#"February 10, 1997"#,
    ),
    (
        662774399999999,
        r#"FMMonth DD, YYYY"#,
        r#"December 31, 2020"#,
    ),
    (
        -64464465600000000,
        r#"FMMonth DD, YYYY"#,
        r#"March 15, 0044"#,
    ),
    (
        662965567123456,
        r#"FMMonth DD, YYYY"#,
        r#"January 03, 2021"#,
    ),
    (-41400000000, r#"FMMonth DD, YYYY"#, r#"December 31, 1999"#),
    (
        283824000000000,
        r#"FMMonth DD, YYYY"#,
        r#"December 29, 2008"#,
    ),
    (
        0,
        r#"Day Dy DAY dy day"#,
        r#"Saturday  Sat SATURDAY  sat saturday "#,
    ),
    (
        -91088878600000,
        r#"Day Dy DAY dy day"#,
        r#"Monday    Mon MONDAY    mon monday   "#,
    ),
    (
        662774399999999,
        r#"Day Dy DAY dy day"#,
        r#"Thursday  Thu THURSDAY  thu thursday "#,
    ),
    (
        -64464465600000000,
        r#"Day Dy DAY dy day"#,
        r#"Friday    Fri FRIDAY    fri friday   "#,
    ),
    (
        662965567123456,
        r#"Day Dy DAY dy day"#,
        r#"Sunday    Sun SUNDAY    sun sunday   "#,
    ),
    (
        -41400000000,
        r#"Day Dy DAY dy day"#,
        r#"Friday    Fri FRIDAY    fri friday   "#,
    ),
    (
        283824000000000,
        r#"Day Dy DAY dy day"#,
        r#"Monday    Mon MONDAY    mon monday   "#,
    ),
    (
        0,
        r#"MONTH Month month MON Mon mon"#,
        r#"JANUARY   January   january   JAN Jan jan"#,
    ),
    (
        -91088878600000,
        r#"MONTH Month month MON Mon mon"#,
        r#"FEBRUARY  February  february  FEB Feb feb"#,
    ),
    (
        662774399999999,
        r#"MONTH Month month MON Mon mon"#,
        r#"DECEMBER  December  december  DEC Dec dec"#,
    ),
    (
        -64464465600000000,
        r#"MONTH Month month MON Mon mon"#,
        r#"MARCH     March     march     MAR Mar mar"#,
    ),
    (
        662965567123456,
        r#"MONTH Month month MON Mon mon"#,
        r#"JANUARY   January   january   JAN Jan jan"#,
    ),
    (
        -41400000000,
        r#"MONTH Month month MON Mon mon"#,
        r#"DECEMBER  December  december  DEC Dec dec"#,
    ),
    (
        283824000000000,
        r#"MONTH Month month MON Mon mon"#,
        r#"DECEMBER  December  december  DEC Dec dec"#,
    ),
    (
        0,
        r#"HH HH12 HH24 AM PM am pm A.M. p.m."#,
        r#"12 12 00 AM AM am am A.M. a.m."#,
    ),
    (
        -91088878600000,
        r#"HH HH12 HH24 AM PM am pm A.M. p.m."#,
        r#"05 05 17 PM PM pm pm P.M. p.m."#,
    ),
    (
        662774399999999,
        r#"HH HH12 HH24 AM PM am pm A.M. p.m."#,
        r#"11 11 23 PM PM pm pm P.M. p.m."#,
    ),
    (
        -64464465600000000,
        r#"HH HH12 HH24 AM PM am pm A.M. p.m."#,
        r#"12 12 12 PM PM pm pm P.M. p.m."#,
    ),
    (
        662965567123456,
        r#"HH HH12 HH24 AM PM am pm A.M. p.m."#,
        r#"05 05 05 AM AM am am A.M. a.m."#,
    ),
    (
        -41400000000,
        r#"HH HH12 HH24 AM PM am pm A.M. p.m."#,
        r#"12 12 12 PM PM pm pm P.M. p.m."#,
    ),
    (
        283824000000000,
        r#"HH HH12 HH24 AM PM am pm A.M. p.m."#,
        r#"12 12 00 AM AM am am A.M. a.m."#,
    ),
    (
        0,
        r#"DDD D ID WW W IW IYYY IYY IY I IDDD"#,
        r#"001 7 6 01 1 52 1999 999 99 9 363"#,
    ),
    (
        -91088878600000,
        r#"DDD D ID WW W IW IYYY IYY IY I IDDD"#,
        r#"041 2 1 06 2 07 1997 997 97 7 043"#,
    ),
    (
        662774399999999,
        r#"DDD D ID WW W IW IYYY IYY IY I IDDD"#,
        r#"366 5 4 53 5 53 2020 020 20 0 368"#,
    ),
    (
        -64464465600000000,
        r#"DDD D ID WW W IW IYYY IYY IY I IDDD"#,
        r#"074 6 5 11 3 11 0044 044 44 4 075"#,
    ),
    (
        662965567123456,
        r#"DDD D ID WW W IW IYYY IYY IY I IDDD"#,
        r#"003 1 7 01 1 53 2020 020 20 0 371"#,
    ),
    (
        -41400000000,
        r#"DDD D ID WW W IW IYYY IYY IY I IDDD"#,
        r#"365 6 5 53 5 52 1999 999 99 9 362"#,
    ),
    (
        283824000000000,
        r#"DDD D ID WW W IW IYYY IYY IY I IDDD"#,
        r#"364 2 1 52 5 01 2009 009 09 9 001"#,
    ),
    (
        0,
        r#"CC Y,YYY YYY YY Y Q J"#,
        r#"20 2,000 000 00 0 1 2451545"#,
    ),
    (
        -91088878600000,
        r#"CC Y,YYY YYY YY Y Q J"#,
        r#"20 1,997 997 97 7 1 2450490"#,
    ),
    (
        662774399999999,
        r#"CC Y,YYY YYY YY Y Q J"#,
        r#"21 2,020 020 20 0 4 2459215"#,
    ),
    (
        -64464465600000000,
        r#"CC Y,YYY YYY YY Y Q J"#,
        r#"-01 0,044 044 44 4 1 1705428"#,
    ),
    (
        662965567123456,
        r#"CC Y,YYY YYY YY Y Q J"#,
        r#"21 2,021 021 21 1 1 2459218"#,
    ),
    (
        -41400000000,
        r#"CC Y,YYY YYY YY Y Q J"#,
        r#"20 1,999 999 99 9 4 2451544"#,
    ),
    (
        283824000000000,
        r#"CC Y,YYY YYY YY Y Q J"#,
        r#"21 2,008 008 08 8 4 2454830"#,
    ),
    (
        0,
        r#"DDth DDTH FMDDth MMth HH24th"#,
        r#"01st 01ST 1st 01st 00th"#,
    ),
    (
        -91088878600000,
        r#"DDth DDTH FMDDth MMth HH24th"#,
        r#"10th 10TH 10th 02nd 17th"#,
    ),
    (
        662774399999999,
        r#"DDth DDTH FMDDth MMth HH24th"#,
        r#"31st 31ST 31st 12th 23rd"#,
    ),
    (
        -64464465600000000,
        r#"DDth DDTH FMDDth MMth HH24th"#,
        r#"15th 15TH 15th 03rd 12th"#,
    ),
    (
        662965567123456,
        r#"DDth DDTH FMDDth MMth HH24th"#,
        r#"03rd 03RD 3rd 01st 05th"#,
    ),
    (
        -41400000000,
        r#"DDth DDTH FMDDth MMth HH24th"#,
        r#"31st 31ST 31st 12th 12th"#,
    ),
    (
        283824000000000,
        r#"DDth DDTH FMDDth MMth HH24th"#,
        r#"29th 29TH 29th 12th 00th"#,
    ),
    (0, r#"RM rm FMRM"#, r#"I    i    I"#),
    (-91088878600000, r#"RM rm FMRM"#, r#"II   ii   II"#),
    (662774399999999, r#"RM rm FMRM"#, r#"XII  xii  XII"#),
    (-64464465600000000, r#"RM rm FMRM"#, r#"III  iii  III"#),
    (662965567123456, r#"RM rm FMRM"#, r#"I    i    I"#),
    (-41400000000, r#"RM rm FMRM"#, r#"XII  xii  XII"#),
    (283824000000000, r#"RM rm FMRM"#, r#"XII  xii  XII"#),
    (
        0,
        r#""quoted" text \"x\" BC AD b.c. a.d."#,
        r#"quoted text "x" AD AD a.d. a.d."#,
    ),
    (
        -91088878600000,
        r#""quoted" text \"x\" BC AD b.c. a.d."#,
        r#"quoted text "x" AD AD a.d. a.d."#,
    ),
    (
        662774399999999,
        r#""quoted" text \"x\" BC AD b.c. a.d."#,
        r#"quoted text "x" AD AD a.d. a.d."#,
    ),
    (
        -64464465600000000,
        r#""quoted" text \"x\" BC AD b.c. a.d."#,
        r#"quoted text "x" BC BC b.c. b.c."#,
    ),
    (
        662965567123456,
        r#""quoted" text \"x\" BC AD b.c. a.d."#,
        r#"quoted text "x" AD AD a.d. a.d."#,
    ),
    (
        -41400000000,
        r#""quoted" text \"x\" BC AD b.c. a.d."#,
        r#"quoted text "x" AD AD a.d. a.d."#,
    ),
    (
        283824000000000,
        r#""quoted" text \"x\" BC AD b.c. a.d."#,
        r#"quoted text "x" AD AD a.d. a.d."#,
    ),
    (
        0,
        r#"MS US FF1 FF2 FF3 FF4 FF5 FF6 SSSS SSSSS"#,
        r#"000 000000 0 00 000 0000 00000 000000 0 0"#,
    ),
    (
        -91088878600000,
        r#"MS US FF1 FF2 FF3 FF4 FF5 FF6 SSSS SSSSS"#,
        r#"400 400000 4 40 400 4000 40000 400000 63121 63121"#,
    ),
    (
        662774399999999,
        r#"MS US FF1 FF2 FF3 FF4 FF5 FF6 SSSS SSSSS"#,
        r#"999 999999 9 99 999 9999 99999 999999 86399 86399"#,
    ),
    (
        -64464465600000000,
        r#"MS US FF1 FF2 FF3 FF4 FF5 FF6 SSSS SSSSS"#,
        r#"000 000000 0 00 000 0000 00000 000000 43200 43200"#,
    ),
    (
        662965567123456,
        r#"MS US FF1 FF2 FF3 FF4 FF5 FF6 SSSS SSSSS"#,
        r#"123 123456 1 12 123 1234 12345 123456 18367 18367"#,
    ),
    (
        -41400000000,
        r#"MS US FF1 FF2 FF3 FF4 FF5 FF6 SSSS SSSSS"#,
        r#"000 000000 0 00 000 0000 00000 000000 45000 45000"#,
    ),
    (
        283824000000000,
        r#"MS US FF1 FF2 FF3 FF4 FF5 FF6 SSSS SSSSS"#,
        r#"000 000000 0 00 000 0000 00000 000000 0 0"#,
    ),
    (0, r#"TZ tz OF TZH TZM"#, r#"  +00 +00 00"#),
    (-91088878600000, r#"TZ tz OF TZH TZM"#, r#"  +00 +00 00"#),
    (662774399999999, r#"TZ tz OF TZH TZM"#, r#"  +00 +00 00"#),
    (-64464465600000000, r#"TZ tz OF TZH TZM"#, r#"  +00 +00 00"#),
    (662965567123456, r#"TZ tz OF TZH TZM"#, r#"  +00 +00 00"#),
    (-41400000000, r#"TZ tz OF TZH TZM"#, r#"  +00 +00 00"#),
    (283824000000000, r#"TZ tz OF TZH TZM"#, r#"  +00 +00 00"#),
    (
        0,
        r#"FMHH12:FMMI FMSS FMYYYY FMDDD FMCC"#,
        r#"12:0 0 2000 1 20"#,
    ),
    (
        -91088878600000,
        r#"FMHH12:FMMI FMSS FMYYYY FMDDD FMCC"#,
        r#"5:32 1 1997 41 20"#,
    ),
    (
        662774399999999,
        r#"FMHH12:FMMI FMSS FMYYYY FMDDD FMCC"#,
        r#"11:59 59 2020 366 21"#,
    ),
    (
        -64464465600000000,
        r#"FMHH12:FMMI FMSS FMYYYY FMDDD FMCC"#,
        r#"12:0 0 44 74 -1"#,
    ),
    (
        662965567123456,
        r#"FMHH12:FMMI FMSS FMYYYY FMDDD FMCC"#,
        r#"5:6 7 2021 3 21"#,
    ),
    (
        -41400000000,
        r#"FMHH12:FMMI FMSS FMYYYY FMDDD FMCC"#,
        r#"12:30 0 1999 365 20"#,
    ),
    (
        283824000000000,
        r#"FMHH12:FMMI FMSS FMYYYY FMDDD FMCC"#,
        r#"12:0 0 2008 364 21"#,
    ),
    (0, r#"YYYYMMDD"T"HH24MISS"#, r#"20000101T000000"#),
    (
        -91088878600000,
        r#"YYYYMMDD"T"HH24MISS"#,
        r#"19970210T173201"#,
    ),
    (
        662774399999999,
        r#"YYYYMMDD"T"HH24MISS"#,
        r#"20201231T235959"#,
    ),
    (
        -64464465600000000,
        r#"YYYYMMDD"T"HH24MISS"#,
        r#"00440315T120000"#,
    ),
    (
        662965567123456,
        r#"YYYYMMDD"T"HH24MISS"#,
        r#"20210103T050607"#,
    ),
    (-41400000000, r#"YYYYMMDD"T"HH24MISS"#, r#"19991231T123000"#),
    (
        283824000000000,
        r#"YYYYMMDD"T"HH24MISS"#,
        r#"20081229T000000"#,
    ),
];

/// (months, days, microseconds, template, PostgreSQL 15 output)
const INTERVALS: &[(i32, i32, i64, &str, &str)] = &[
    (
        14,
        3,
        14706789000,
        r#"YYYY MM DD HH24 MI SS MS US"#,
        r#"0001 02 03 04 05 06 789 789000"#,
    ),
    (
        0,
        0,
        0,
        r#"YYYY MM DD HH24 MI SS MS US"#,
        r#"0000 00 00 00 00 00 000 000000"#,
    ),
    (
        -14,
        -3,
        -14706789000,
        r#"YYYY MM DD HH24 MI SS MS US"#,
        r#"-0001 -02 -3 -04 -05 -06 -789 -789000"#,
    ),
    (
        25,
        40,
        90061000001,
        r#"YYYY MM DD HH24 MI SS MS US"#,
        r#"0002 01 40 25 01 01 000 000001"#,
    ),
    (
        14,
        3,
        14706789000,
        r#"HH HH12 AM SSSS DDD"#,
        r#"04 04 AM 14706 423"#,
    ),
    (0, 0, 0, r#"HH HH12 AM SSSS DDD"#, r#"12 12 AM 0 000"#),
    (
        -14,
        -3,
        -14706789000,
        r#"HH HH12 AM SSSS DDD"#,
        r#"-04 -04 AM -14706 -423"#,
    ),
    (
        25,
        40,
        90061000001,
        r#"HH HH12 AM SSSS DDD"#,
        r#"01 01 AM 90061 790"#,
    ),
    (
        14,
        3,
        14706789000,
        r#"FMYYYY FMMM FMDD FMHH24"#,
        r#"1 2 3 4"#,
    ),
    (0, 0, 0, r#"FMYYYY FMMM FMDD FMHH24"#, r#"0 0 0 0"#),
    (
        -14,
        -3,
        -14706789000,
        r#"FMYYYY FMMM FMDD FMHH24"#,
        r#"-1 -2 -3 -4"#,
    ),
    (
        25,
        40,
        90061000001,
        r#"FMYYYY FMMM FMDD FMHH24"#,
        r#"2 1 40 25"#,
    ),
    (
        14,
        3,
        14706789000,
        r#"RM Y,YYY CC WW W Q"#,
        r#"II   0,001 00 61 1 1"#,
    ),
    (0, 0, 0, r#"RM Y,YYY CC WW W Q"#, r#" 0,000 00 01 1 "#),
    (
        -14,
        -3,
        -14706789000,
        r#"RM Y,YYY CC WW W Q"#,
        r#"XI   0,-01 00 -59 1 0"#,
    ),
    (
        25,
        40,
        90061000001,
        r#"RM Y,YYY CC WW W Q"#,
        r#"I    0,002 00 113 6 1"#,
    ),
    (14, 3, 14706789000, r#"DDth HH24TH"#, r#"03rd 04TH"#),
    (0, 0, 0, r#"DDth HH24TH"#, r#"00th 00TH"#),
    (-14, -3, -14706789000, r#"DDth HH24TH"#, r#"-3rd -04TH"#),
    (25, 40, 90061000001, r#"DDth HH24TH"#, r#"40th 25TH"#),
];

#[test]
fn timestamps_match_postgresql() {
    for &(us, fmt, want) in TIMESTAMPS {
        let got = to_char(&Tm::from_local(us), fmt).unwrap();
        assert_eq!(got, want, "to_char({us}, {fmt:?})");
    }
}

#[test]
fn intervals_match_postgresql() {
    for &(months, days, micros, fmt, want) in INTERVALS {
        let iv = Interval {
            months,
            days,
            micros,
        };
        let got = to_char(&Tm::from_interval(&iv), fmt).unwrap();
        assert_eq!(got, want, "to_char({iv:?}, {fmt:?})");
    }
}

#[test]
fn timestamptz_zone_fields() {
    let tm = Tm::from_utc(647_370_000_000_000, TimeZoneSetting::Utc);
    assert_eq!(
        to_char(&tm, "TZ tz OF TZH:TZM HH12 AM").unwrap(),
        "UTC utc +00 +00:00 05 PM"
    );
    let tm = Tm::from_utc(647_370_000_000_000, TimeZoneSetting::Fixed(7200));
    assert_eq!(to_char(&tm, "TZ OF HH24").unwrap(), "+02 +02 19");
}

#[test]
fn day_names_are_invalid_for_intervals() {
    let tm = Tm::from_interval(&Interval {
        months: 1,
        days: 0,
        micros: 0,
    });
    for fmt in ["Day", "D", "Mon", "TZ", "AD"] {
        let e = to_char(&tm, fmt).unwrap_err();
        assert_eq!(e.code, SqlState::INVALID_DATETIME_FORMAT, "{fmt}");
    }
}

#[test]
fn prefix_without_keyword_makes_next_char_literal() {
    let tm = Tm::from_local(846_811_800_000_000);
    assert_eq!(to_char(&tm, "FMFMMonthTHFF1").unwrap(), "F11onthTH0");
    assert_eq!(to_char(&tm, "FMFM").unwrap(), "FM");
}
