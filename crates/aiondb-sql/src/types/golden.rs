//! A batch of inputs run through PostgreSQL 15 (`select 'input'::type` and
//! `select 'input'::from::to`) with the answers psql printed, checked
//! against this crate. Lines: kind, type (or `from>to`), input, expected
//! (`ERROR <sqlstate> <message>` for failures; empty for NULL).

use super::*;

const GOLDEN: &str = r###"in	bool	yes	t
in	bool	 On 	t
in	bool	of	f
in	bool	o	ERROR 22P02 invalid input syntax for type boolean: "o"
in	bool	tru	t
in	bool	1	t
in	bool	10	ERROR 22P02 invalid input syntax for type boolean: "10"
in	int2	-32768	-32768
in	int2	32768	ERROR 22003 value "32768" is out of range for type smallint
in	int2	 +0 	0
in	int4	-2147483648	-2147483648
in	int4	2147483648	ERROR 22003 value "2147483648" is out of range for type integer
in	int4	1_000	ERROR 22P02 invalid input syntax for type integer: "1_000"
in	int4	0x1F	ERROR 22P02 invalid input syntax for type integer: "0x1F"
in	int4	12e2	ERROR 22P02 invalid input syntax for type integer: "12e2"
in	int4		ERROR 22P02 invalid input syntax for type integer: ""
in	int8	9223372036854775808	ERROR 22003 value "9223372036854775808" is out of range for type bigint
in	int8	-0	0
in	oid	-1	4294967295
in	oid	4294967296	ERROR 22003 value "4294967296" is out of range for type oid
in	float8	1.7976931348623157e308	1.7976931348623157e+308
in	float8	2.2250738585072014e-308	2.2250738585072014e-308
in	float8	5e-324	5e-324
in	float8	1e-310	1e-310
in	float8	  -inf  	-Infinity
in	float8	+Infinity	Infinity
in	float8	nan	NaN
in	float8	-NaN	NaN
in	float8	123456789012345678	1.2345678901234568e+17
in	float8	1234567890123456	1.234567890123456e+15
in	float8	123456789012345.6	123456789012345.6
in	float8	0.1	0.1
in	float8	100	100
in	float8	1e14	100000000000000
in	float8	99999999999999.9	99999999999999.9
in	float8	0.001	0.001
in	float8	-1.5E-5	-1.5e-05
in	float8	1.	1
in	float8	.1e1	1
in	float8	1e+	ERROR 22P02 invalid input syntax for type double precision: "1e+"
in	float4	3.4028235e38	3.4028235e+38
in	float4	3.5e38	ERROR 22003 "3.5e38" is out of range for type real
in	float4	1e-45	1e-45
in	float4	1e-46	ERROR 22003 "1e-46" is out of range for type real
in	float4	16777217	1.6777216e+07
in	float4	999999	999999
in	float4	1000000	1e+06
in	float4	0.00001	1e-05
in	float4	3.14159265358979	3.1415927
in	numeric	  12.3400  	12.3400
in	numeric	-0	0
in	numeric	0.000	0.000
in	numeric	1e-5	0.00001
in	numeric	1E+5	100000
in	numeric	+.5	0.5
in	numeric	-5.	-5
in	numeric	12abc	ERROR 22P02 invalid input syntax for type numeric: "12abc"
in	numeric	 NaN 	NaN
in	numeric	-inf	-Infinity
in	numeric	1,000	ERROR 22P02 invalid input syntax for type numeric: "1,000"
in	numeric(3,1)	99.95	ERROR 22003 numeric field overflow
in	numeric(3,1)	99.94	99.9
in	numeric(3,1)	-99.95	ERROR 22003 numeric field overflow
in	numeric(1,0)	9.5	ERROR 22003 numeric field overflow
in	numeric(10,4)	NaN	NaN
in	varchar(3)	abc   	abc
in	char(3)	a	a  
in	varchar(2)	éé	éé
in	bytea	\x	\x
in	bytea	\xabc	ERROR 22023 invalid hexadecimal data: odd number of digits
in	bytea	\xzz	ERROR 22023 invalid hexadecimal digit: "z"
in	bytea	\x 01 02	\x0102
in	bytea	abc\	ERROR 22P02 invalid input syntax for type bytea
in	bytea	\\	\x5c
in	bytea	\101\102	\x4142
in	bytea	\400	ERROR 22P02 invalid input syntax for type bytea
in	date	2024-02-29	2024-02-29
in	date	2023-02-29	ERROR 22008 date/time field value out of range: "2023-02-29"
in	date	2024-1-1	2024-01-01
in	date	24-01-31	ERROR 22008 date/time field value out of range: "24-01-31"
in	date	31/01/2024	ERROR 22008 date/time field value out of range: "31/01/2024"
in	date	01/31/24	2024-01-31
in	date	2024.01.31	2024-01-31
in	date	Feb 29 2023	ERROR 22008 date/time field value out of range: "Feb 29 2023"
in	date	February 1 2024 AD	2024-02-01
in	date	0001-01-01 BC	0001-01-01 BC
in	date	99999-12-31	99999-12-31
in	date	5874897-12-31	5874897-12-31
in	date	5874898-01-01	ERROR 22008 date out of range: "5874898-01-01"
in	date	4714-11-24 BC	4714-11-24 BC
in	date	4714-11-23 BC	ERROR 22008 date out of range: "4714-11-23 BC"
in	date	epoch	1970-01-01
in	date	1999-12-31T23:00	1999-12-31
in	date	2024-01-31 garbage	ERROR 22007 invalid input syntax for type date: "2024-01-31 garbage"
in	time	00:00:00	00:00:00
in	time	23:59:59.9999999	24:00:00
in	time	12:34:56.789	12:34:56.789
in	time	1:2:3	01:02:03
in	time	12:34:56+02	12:34:56
in	time	12	ERROR 22007 invalid input syntax for type time: "12"
in	time	12:34:60	12:35:00
in	time	12:34:61	ERROR 22008 date/time field value out of range: "12:34:61"
in	time	allballs	00:00:00
in	time	11:59 PM	23:59:00
in	time	12:00 AM	00:00:00
in	time	13:00 PM	ERROR 22008 date/time field value out of range: "13:00 PM"
in	time	2024-01-31 04:05:06	04:05:06
in	timestamp	2024-01-31 04:05:06.000001	2024-01-31 04:05:06.000001
in	timestamp	2024-01-31 04:05	2024-01-31 04:05:00
in	timestamp	2024-01-31 04:05:06 +02	2024-01-31 04:05:06
in	timestamp	2024-01-31T04:05:06Z	2024-01-31 04:05:06
in	timestamp	2024-01-31 04:05:06.5 BC	2024-01-31 04:05:06.5 BC
in	timestamp	Jan 31 2024 4:05pm	2024-01-31 16:05:00
in	timestamp	2024-01-31 24:00:00	2024-02-01 00:00:00
in	timestamp	2024-12-31 23:59:59.9999995	2025-01-01 00:00:00
in	timestamp	294276-12-31 23:59:59.999999	294276-12-31 23:59:59.999999
in	timestamp	294277-01-01 00:00:00	ERROR 22008 timestamp out of range: "294277-01-01 00:00:00"
in	timestamp	4714-11-24 00:00:00 BC	4714-11-24 00:00:00 BC
in	timestamp	4714-11-23 23:59:59 BC	ERROR 22008 timestamp out of range: "4714-11-23 23:59:59 BC"
in	timestamp	 infinity 	infinity
in	timestamp	epoch	1970-01-01 00:00:00
in	timestamp	20240131 040506	2024-01-31 04:05:06
in	timestamp	2024-01-31 04:05:06 PST	2024-01-31 04:05:06
in	timestamptz	2024-01-31 04:05:06-0800	2024-01-31 12:05:06+00
in	timestamptz	2024-01-31 04:05:06 -08:00	2024-01-31 12:05:06+00
in	timestamptz	2024-01-31 04:05:06+05:45	2024-01-30 22:20:06+00
in	timestamptz	2024-01-31 04:05:06+14	2024-01-30 14:05:06+00
in	timestamptz	2024-01-31 04:05:06+16	ERROR 22009 time zone displacement out of range: "2024-01-31 04:05:06+16"
in	timestamptz	2024-01-31 04:05:06 GMT	2024-01-31 04:05:06+00
in	timestamptz	2024-01-31 04:05:06+00:00:30	2024-01-31 04:04:36+00
in	timestamptz	epoch	1970-01-01 00:00:00+00
in	timestamptz	-infinity	-infinity
in	timestamptz	2024-01-31 04:05:06.123456789+01	2024-01-31 03:05:06.123457+00
in	interval	1 day 1 day	ERROR 22007 invalid input syntax for type interval: "1 day 1 day"
in	interval	1 week 2 days	9 days
in	interval	3 mins 4 secs 5 ms 6 us	00:03:04.005006
in	interval	1.5	00:00:01.5
in	interval	-1.5	-00:00:01.5
in	interval	1.999999999 secs	00:00:02
in	interval	0.5 minutes	00:00:30
in	interval	1 mon 1.5 days	1 mon 1 day 12:00:00
in	interval	2.5 mons	2 mons 15 days
in	interval	0.1 years	1 mon
in	interval	1 h	01:00:00
in	interval	1 hr 2 min 3 s	01:02:03
in	interval	@ 1 year 2 mons -3 days 4 hours 5 mins 6 secs ago	-1 years -2 mons +3 days -04:05:06
in	interval	1 year -1 mons	11 mons
in	interval	-1 year +1 mons	-11 mons
in	interval	12 mons	1 year
in	interval	-12 mons	-1 years
in	interval	13 mons	1 year 1 mon
in	interval	25 hours	25:00:00
in	interval	-25:00:00	-25:00:00
in	interval	1 day -25:00	1 day -25:00:00
in	interval	1 2:03:04	1 day 02:03:04
in	interval	P1M	1 mon
in	interval	PT1M	00:01:00
in	interval	P1Y2M3W4D	1 year 2 mons 25 days
in	interval	PT0.5S	00:00:00.5
in	interval	P-1Y-2M	-1 years -2 mons
in	interval	-P1Y	ERROR 22007 invalid input syntax for type interval: "-P1Y"
in	interval	P1YT	1 year
in	interval	P1X	ERROR 22007 invalid input syntax for type interval: "P1X"
in	interval	 1 day 	1 day
in	interval	1 DAY	1 day
in	interval	1 Days 2 Hours	1 day 02:00:00
in	interval	10000000 hours	10000000:00:00
in	interval	2147483647 days	2147483647 days
in	interval	-2147483648 mons	-178956970 years -8 mons
in	interval	2147483648 hours	2147483648:00:00
in	interval	1e3 secs	ERROR 22007 invalid input syntax for type interval: "1e3 secs"
in	interval	ago	ERROR 22007 invalid input syntax for type interval: "ago"
in	interval	1 day ago ago	-1 days
in	uuid	a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g	ERROR 22P02 invalid input syntax for type uuid: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g"
in	uuid	a0eebc999c0b4ef8bb6d6bb9bd380a11 	ERROR 22P02 invalid input syntax for type uuid: "a0eebc999c0b4ef8bb6d6bb9bd380a11 "
in	uuid	 a0eebc999c0b4ef8bb6d6bb9bd380a11	ERROR 22P02 invalid input syntax for type uuid: " a0eebc999c0b4ef8bb6d6bb9bd380a11"
in	uuid	a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11	a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11
in	uuid	a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11	ERROR 22P02 invalid input syntax for type uuid: "a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11"
in	jsonb	{"a":1,"a":2,"b":{"c":[]}}	{"a": 2, "b": {"c": []}}
in	jsonb	{"aaa":1,"b":2,"cc":3,"":4}	{"": 4, "b": 2, "cc": 3, "aaa": 1}
in	jsonb	[1.0, 1e-3, -0.0, 1E400]	[1.0, 0.001, 0.0, 10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000]
in	jsonb	"\u00e9\"\\"	"é\"\\"
in	jsonb	"\b\f\r"	"\b\f\r"
in	jsonb	 [ ] 	[]
in	jsonb	{"a":}	ERROR 22P02 invalid input syntax for type json
in	jsonb	[1,2	ERROR 22P02 invalid input syntax for type json
in	jsonb	{"a" "b"}	ERROR 22P02 invalid input syntax for type json
in	jsonb	{1:2}	ERROR 22P02 invalid input syntax for type json
in	jsonb	tru	ERROR 22P02 invalid input syntax for type json
in	jsonb	nul	ERROR 22P02 invalid input syntax for type json
in	jsonb	1.	ERROR 22P02 invalid input syntax for type json
in	jsonb	.5	ERROR 22P02 invalid input syntax for type json
in	jsonb	-	ERROR 22P02 invalid input syntax for type json
in	jsonb	"\ud800"	ERROR 22P02 invalid input syntax for type json
in	jsonb	"\ud800x"	ERROR 22P02 invalid input syntax for type json
in	jsonb	"\udc00"	ERROR 22P02 invalid input syntax for type json
in	jsonb	"\u12"	ERROR 22P02 invalid input syntax for type json
in	json	{"a":1,"a":2}	{"a":1,"a":2}
in	json	  [1, 2]  	  [1, 2]  
in	json	[1,2,]	ERROR 22P02 invalid input syntax for type json
in	json	{"a":1,}	ERROR 22P02 invalid input syntax for type json
in	json	"abc	ERROR 22P02 invalid input syntax for type json
in	int4[]	{1,2,NULL,null}	{1,2,NULL,NULL}
in	int4[]	{"1", 2}	{1,2}
in	int4[]	{1 2}	ERROR 22P02 invalid input syntax for type integer: "1 2"
in	int4[]	{ 1 , 2 }	{1,2}
in	text[]	{"",""}	{"",""}
in	text[]	{"a\\b","c\"d"}	{"a\\b","c\"d"}
in	text[]	{\"}	{"\""}
in	text[]	{a\ b}	{"a b"}
in	text[]	{ a , b }	{a,b}
in	text[]	{NULL,"NULL",NULLx}	{NULL,"NULL",NULLx}
in	text[]	{}x	ERROR 22P02 malformed array literal: "{}x"
in	text[]		ERROR 22P02 malformed array literal: ""
in	text[]	{	ERROR 22P02 malformed array literal: "{"
in	bool[]	{t,f,yes}	{t,f,t}
in	numeric[]	{1.50,NaN,-Infinity}	{1.50,NaN,-Infinity}
in	bytea[]	{"\\x01"}	{"\\x01"}
in	interval[]	{"1 day","-01:00:00"}	{"1 day",-01:00:00}
in	jsonb[]	{"{\"b\":1,\"a\":2}"}	{"{\"a\": 2, \"b\": 1}"}
in	date[]	{2024-01-31,infinity}	{2024-01-31,infinity}
cast	float8>int8	9.223372036854776e18	ERROR 22003 bigint out of range
cast	float8>int8	-9.223372036854776e18	-9223372036854775808
cast	float8>int4	-2147483648.4	-2147483648
cast	float8>int4	-2147483648.6	ERROR 22003 integer out of range
cast	float8>int4	2147483647.5	ERROR 22003 integer out of range
cast	float4>int4	1e10	ERROR 22003 integer out of range
cast	float8>numeric	1.7976931348623157e308	179769313486232000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
cast	float8>numeric	5e-324	0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000494065645841247
cast	float8>numeric	-0	0
cast	float4>numeric	3.4028235e38	340282000000000000000000000000000000000
cast	float8>numeric	Infinity	Infinity
cast	float8>numeric(5,2)	Infinity	ERROR 22003 numeric field overflow
cast	numeric>float8	0.1	0.1
cast	numeric>float4	0.1	0.1
cast	numeric>float8	1e-400	ERROR 22003 "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001" is out of range for type double precision
cast	numeric>int2	-32768.4	-32768
cast	numeric>int2	-32768.5	ERROR 22003 smallint out of range
cast	int8>int2	-32769	ERROR 22003 smallint out of range
cast	int8>int4	-2147483648	-2147483648
cast	int2>numeric(3,1)	100	ERROR 22003 numeric field overflow
cast	int4>float4	16777217	1.6777216e+07
cast	int8>float8	9223372036854775807	9.223372036854776e+18
cast	bool>text	f	false
cast	bool>varchar(3)	f	fal
cast	bool>char(2)	t	tr
cast	int4>varchar(2)	12345	12
cast	float8>text	0.1	0.1
cast	numeric>varchar(3)	123.456	123
cast	timestamptz>text	2024-01-31 04:05:06+02	2024-01-31 02:05:06+00
cast	interval>text	1 day 02:00:00	1 day 02:00:00
cast	date>text	2024-01-31 BC	2024-01-31 BC
cast	text>bool	yes	t
cast	varchar(10)>int4	 42 	42
cast	char(5)>int4	42	42
cast	text>varchar(2)	abc	ab
cast	char(5)>char(2)	abc	ab
cast	char(2)>char(5)	ab	ab   
cast	varchar(5)>char(5)	ab	ab   
cast	text>numeric(5,2)	1.005	1.01
cast	numeric(10,5)>numeric(5,2)	1.005	1.01
cast	numeric>numeric(5,2)	-1.005	-1.01
cast	date>timestamp	infinity	infinity
cast	date>timestamptz	-infinity	-infinity
cast	timestamptz>date	-infinity	-infinity
cast	timestamptz>time	2024-01-31 23:30:00+02	21:30:00
cast	timestamp>date	0001-01-01 00:00:00 BC	0001-01-01 BC
cast	timestamp>time	-infinity	
cast	interval>time	-1 day -01:00:00	23:00:00
cast	interval>time	1 mon 3 days 27:00:00	03:00:00
cast	time>interval	24:00:00	24:00:00
cast	json>jsonb	{"b":[1,2],"a":"x"}	{"a": "x", "b": [1, 2]}
cast	jsonb>json	{"b": 1}	{"b": 1}
cast	jsonb>int4	1.5	2
cast	jsonb>int4	null	ERROR 22023 cannot cast jsonb null to type integer
cast	jsonb>bool	1	ERROR 22023 cannot cast jsonb numeric to type boolean
cast	jsonb>float8	1e2	100
cast	jsonb>numeric(3,1)	1.25	1.3
cast	jsonb>text	[1, 2]	[1, 2]
cast	json>text	[1,2]	[1,2]
cast	text>jsonb	{"a":1}	{"a": 1}
cast	int4>bool	-1	t
cast	bool>int4	f	0
cast	int2>bool	1	ERROR 42846 cannot cast type smallint to boolean
cast	bool>int8	t	ERROR 42846 cannot cast type boolean to bigint
cast	int4>oid	-2147483648	2147483648
cast	int8>oid	-1	ERROR 22003 OID out of range
cast	int8>oid	-2147483649	ERROR 22003 OID out of range
cast	oid>int8	4294967295	4294967295
cast	oid>numeric	5	ERROR 42846 cannot cast type oid to numeric
cast	int4>numeric	-5	-5
cast	float4>float8	3.4028235e38	3.4028234663852886e+38
cast	float8>float4	3.4028235677973366e38	ERROR 22003 value out of range: overflow
cast	float8>float4	1e-40	1e-40
cast	uuid>text	{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}	a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11
cast	text>uuid	A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11	a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11
cast	uuid>bytea	a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11	ERROR 42846 cannot cast type uuid to bytea
cast	bytea>text	\x0001	\x0001
cast	text>bytea	\x0001	\x0001
cast	int4[]>int8[]	{1,NULL,3}	{1,NULL,3}
cast	int4[]>text[]	{1,2}	{1,2}
cast	text[]>int4[]	{1,x}	ERROR 22P02 invalid input syntax for type integer: "x"
cast	numeric[]>int2[]	{1.5,70000}	ERROR 22003 smallint out of range
cast	int4[]>text	{1,2}	{1,2}
cast	date>int4	2024-01-31	ERROR 42846 cannot cast type date to integer
cast	time>timestamp	12:00	ERROR 42846 cannot cast type time without time zone to timestamp without time zone
cast	interval>int4	1 day	ERROR 42846 cannot cast type interval to integer
cast	jsonb>uuid	"a"	ERROR 42846 cannot cast type jsonb to uuid
cast	timestamp>timestamptz	2024-01-31 04:05:06	2024-01-31 04:05:06+00"###;

#[test]
fn golden_postgres_batch() {
    let opts = FormatOptions::default();
    let ty = |n: &str| parse_type_name(n).unwrap_or_else(|| panic!("type {n}"));
    let mut checked = 0;
    for line in GOLDEN.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let [kind, t, input, want] = f.as_slice() else {
            panic!("bad golden line {line:?}");
        };
        let got = if *kind == "in" {
            let t = ty(t);
            parse_text(input, &t, &opts).and_then(|v| format_text(&v, &t, &opts))
        } else {
            let (from, to) = t.split_once('>').unwrap_or_else(|| panic!("{t}"));
            let (from, to) = (ty(from), ty(to));
            parse_text(input, &from, &opts)
                .and_then(|v| cast(v, &from, &to, &opts))
                .and_then(|v| {
                    if v.is_null() {
                        Ok(String::new())
                    } else {
                        format_text(&v, &to, &opts)
                    }
                })
        };
        let got = match got {
            Ok(s) => s,
            Err(e) => format!("ERROR {} {}", e.code, e.message),
        };
        assert_eq!(got, *want, "{kind} {t} {input:?}");
        checked += 1;
    }
    assert!(checked > 250, "{checked}");
}
