//! The trace reader: what the writer writes reads back unchanged; arbitrary bytes never panic;
//! every error names its line and byte.

use hanko_model::trace::{
    parse_line, parse_trace, write_line, Actor, Control, Event, Limits, Line, Lines, Link, ParseError, ParseErrorKind,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn parse_one(s: &str) -> Result<Option<Line>, ParseError> {
    parse_line(1, s.as_bytes(), &Limits::default())
}

fn actor() -> impl Strategy<Value = Actor> {
    prop::sample::select(Actor::ALL.to_vec())
}

fn link() -> impl Strategy<Value = Link> {
    prop::sample::select(Link::ALL.to_vec())
}

fn fields() -> impl Strategy<Value = Map<String, Value>> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        "[ -~\u{3000}-\u{30ff}\\\\\"\n\t]{0,12}".prop_map(Value::String),
        Just(Value::Null),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map("[a-z_]{1,8}", value, 0..5).prop_map(|m| m.into_iter().collect())
}

fn event() -> impl Strategy<Value = Event> {
    let bytes = || prop::collection::vec(any::<u8>(), 0..40);
    prop_oneof![
        bytes().prop_map(Event::Capdu),
        bytes().prop_map(Event::Rapdu),
        bytes().prop_map(Event::Atr),
        prop_oneof![
            Just(Control::PowerOn),
            Just(Control::PowerOff),
            Just(Control::Reset),
            Just(Control::GetAtr),
            any::<u8>().prop_map(Control::Unknown)
        ]
        .prop_map(Event::Control),
        ("[a-z0-9_.]{1,20}", fields()).prop_map(|(id, fields)| Event::Message { id, fields }),
    ]
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        8 => (any::<u64>(), link(), actor(), actor(), event(), prop::option::of(any::<u64>())).prop_map(|(seq, l, f, t, e, at)| {
            let mut line = Line::new(seq, l, f, t, e);
            line.at_us = at;
            line
        }),
        1 => (any::<u64>(), actor()).prop_map(|(seq, a)| Line::crash(seq, a)),
        1 => prop::option::of(1u8..=3).prop_map(Line::header),
    ]
}

proptest! {
    #[test]
    fn written_lines_read_back(mut l in line()) {
        let text = write_line(&l);
        l.line_no = 7;
        let back = parse_line(7, text.as_bytes(), &Limits::default());
        prop_assert_eq!(back, Ok(Some(l)), "{}", text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Err(e) = parse_line(3, &bytes, &Limits::default()) {
            prop_assert_eq!(e.line, 3);
            prop_assert!(e.column >= 1 && e.column <= bytes.len() + 1, "{e} in {} bytes", bytes.len());
            let _ = e.to_string();
        }
    }

    #[test]
    fn a_valid_line_cut_short_is_an_error(l in line(), cut in any::<prop::sample::Index>()) {
        let text = write_line(&l);
        let at = cut.index(text.len());
        if let Some(prefix) = text.get(..at) {
            if !prefix.trim().is_empty() {
                prop_assert!(parse_one(prefix).is_err(), "{}", prefix);
            }
        }
    }
}

#[test]
fn the_lines_of_the_vpcd_writer_read() {
    let l = parse_one(r#"{"seq":17,"link":"vpcd","from":"host","to":"card","capdu":"00A4020C020018","at_us":12}"#)
        .unwrap()
        .unwrap();
    assert_eq!(
        (l.seq, l.link, l.from, l.to, l.at_us),
        (Some(17), Some(Link::Vpcd), Some(Actor::Host), Some(Actor::Card), Some(12))
    );
    assert_eq!(l.event, Event::Capdu(vec![0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18]));
    assert_eq!(l.card(), Some(Actor::Card));
    let c = parse_one(r#"{"seq":1,"link":"vpcd","from":"host","to":"card","control":"unknown_7F"}"#).unwrap().unwrap();
    assert_eq!(c.event, Event::Control(Control::Unknown(0x7F)));
}

#[test]
fn the_fixed_examples_read() {
    let m = parse_one(r#"{"seq":8,"link":"https","from":"pc","to":"portal","msg":"s1.challenge","fields":{"nonce":"0A1B","n":[1,-2,3.5],"ok":true,"x":null}}"#)
        .unwrap()
        .unwrap();
    let Event::Message { id, fields } = &m.event else { panic!("{m:?}") };
    assert_eq!(id, "s1.challenge");
    assert_eq!(Value::Object(fields.clone()), json!({"nonce":"0A1B","n":[1,-2,3.5],"ok":true,"x":null}));
    assert_eq!(m.card(), None);
    let c = parse_one(r#"{"seq":9,"event":"crash","actor":"phone"}"#).unwrap().unwrap();
    assert_eq!(c.event, Event::Crash { actor: Actor::Phone });
    let h = parse_one(r#"  {"trace":"hanko/1","scheme":2}  "#).unwrap().unwrap();
    assert_eq!(h.event, Event::Header { scheme: Some(2), abstract_cards: false });
    assert_eq!(parse_one(" \t\r").unwrap(), None);
    // Escapes decode, surrogate pairs included.
    let e = parse_one(
        r#"{"seq":1,"link":"relay","from":"pc","to":"relay","msg":"a\u0062\n","fields":{"k":"\ud83d\ude00\/"}}"#,
    )
    .unwrap()
    .unwrap();
    let Event::Message { id, fields } = &e.event else { panic!() };
    assert_eq!(id, "ab\n");
    assert_eq!(fields["k"], "😀/");
}

#[test]
fn each_error_names_its_line_and_byte() {
    let cases: Vec<(&[u8], usize, ParseErrorKind)> = vec![
        (b"{\"seq\":1,\"link\":\"nfc\xff\"}", 21, ParseErrorKind::NotUtf8),
        (b"[1]", 1, ParseErrorKind::Syntax("'{'")),
        (b"{\"seq\":1 \"link\":\"nfc\"}", 10, ParseErrorKind::Syntax("',' or '}'")),
        (b"{\"seq\":1,\"bogus\":2}", 10, ParseErrorKind::UnknownKey("bogus".into())),
        (b"{\"seq\":1,\"seq\":2}", 10, ParseErrorKind::DuplicateKey("seq".into())),
        (b"{\"seq\":\"1\"}", 8, ParseErrorKind::WrongType { key: "seq", expected: "a non-negative integer" }),
        (b"{\"seq\":1.5}", 8, ParseErrorKind::WrongType { key: "seq", expected: "a non-negative integer" }),
        (b"{\"seq\":-1}", 8, ParseErrorKind::WrongType { key: "seq", expected: "a non-negative integer" }),
        (
            b"{\"seq\":18446744073709551616}",
            8,
            ParseErrorKind::WrongType { key: "seq", expected: "a non-negative integer" },
        ),
        (b"{\"seq\":01}", 8, ParseErrorKind::Syntax("no leading zero")),
        (b"{\"link\":5}", 9, ParseErrorKind::WrongType { key: "link", expected: "a string" }),
        (
            b"{\"seq\":1,\"link\":\"wifi\",\"from\":\"pc\",\"to\":\"card\",\"capdu\":\"00\"}",
            17,
            ParseErrorKind::UnknownName { key: "link", name: "wifi".into() },
        ),
        (
            b"{\"seq\":1,\"link\":\"nfc\",\"from\":\"pc\",\"to\":\"card\",\"capdu\":\"0A4\"}",
            55,
            ParseErrorKind::BadHex { key: "capdu" },
        ),
        (
            b"{\"seq\":1,\"link\":\"nfc\",\"from\":\"pc\",\"to\":\"card\",\"rapdu\":\"9G00\"}",
            55,
            ParseErrorKind::BadHex { key: "rapdu" },
        ),
        (
            b"{\"seq\":1,\"link\":\"nfc\",\"from\":\"pc\",\"to\":\"card\",\"control\":\"unknown_zz\"}",
            57,
            ParseErrorKind::UnknownName { key: "control", name: "unknown_zz".into() },
        ),
        (b"{\"seq\":1,\"link\":\"nfc\",\"from\":\"pc\",\"capdu\":\"00\"}", 47, ParseErrorKind::MissingKey("to")),
        (b"{\"seq\":1}", 1, ParseErrorKind::MissingKey("one of capdu, rapdu, control, atr, msg, event, trace")),
        (
            b"{\"seq\":1,\"link\":\"nfc\",\"from\":\"pc\",\"to\":\"card\",\"capdu\":\"00\",\"rapdu\":\"9000\"}",
            68,
            ParseErrorKind::TwoPayloads("capdu", "rapdu"),
        ),
        (
            b"{\"seq\":1,\"link\":\"nfc\",\"from\":\"pc\",\"to\":\"card\",\"capdu\":\"00\",\"fields\":{}}",
            69,
            ParseErrorKind::UnknownKey("fields".into()),
        ),
        (b"{\"trace\":\"hanko/1\",\"seq\":1}", 26, ParseErrorKind::UnknownKey("seq".into())),
        (b"{\"trace\":\"hanko/2\"}", 10, ParseErrorKind::UnknownName { key: "trace format", name: "hanko/2".into() }),
        (
            b"{\"trace\":\"hanko/1\",\"scheme\":4}",
            29,
            ParseErrorKind::WrongType { key: "scheme", expected: "1, 2 or 3" },
        ),
        (
            b"{\"seq\":1,\"event\":\"boom\",\"actor\":\"pc\"}",
            18,
            ParseErrorKind::UnknownName { key: "event", name: "boom".into() },
        ),
        (
            b"{\"seq\":1,\"event\":\"crash\",\"actor\":\"pc\",\"link\":\"nfc\"}",
            46,
            ParseErrorKind::UnknownKey("link".into()),
        ),
        (
            b"{\"seq\":1,\"link\":\"nfc\",\"from\":\"pc\",\"to\":\"card\",\"msg\":\"\"}",
            53,
            ParseErrorKind::WrongType { key: "msg", expected: "a non-empty message id" },
        ),
        (
            b"{\"seq\":1,\"link\":\"nfc\",\"from\":\"pc\",\"to\":\"card\",\"msg\":\"m\",\"fields\":[]}",
            66,
            ParseErrorKind::WrongType { key: "fields", expected: "an object" },
        ),
        (
            b"{\"seq\":1,\"link\":\"nfc\",\"from\":\"pc\",\"to\":\"card\",\"msg\":\"m\",\"fields\":{\"a\":1,\"a\":2}}",
            73,
            ParseErrorKind::DuplicateKey("a".into()),
        ),
        (b"{\"seq\":1} x", 11, ParseErrorKind::Syntax("the end of the line after the object")),
        (b"{\"seq\":1,\"link\":\"nf\tc\"}", 20, ParseErrorKind::Syntax("no control character in a string")),
        (b"{\"seq\":1,\"link\":\"\\x\"}", 18, ParseErrorKind::Syntax("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u")),
        (b"{\"seq\":1,\"link\":\"\\ud800\"}", 18, ParseErrorKind::Syntax("a low surrogate after a high one")),
    ];
    let mut wrong = Vec::new();
    for (input, column, kind) in cases {
        match parse_line(4, input, &Limits::default()) {
            Err(e) if (e.line, e.column, &e.kind) == (4, column, &kind) => {
                assert!(e.to_string().starts_with(&format!("line 4, byte {column}: ")), "{e}");
            }
            other => {
                wrong.push(format!("{}: want byte {column} {kind:?}, got {other:?}", String::from_utf8_lossy(input)))
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn limits_bound_lines_depth_and_values() {
    let small = Limits { max_line_bytes: 40, max_lines: 2, max_depth: 2, max_fields: 3 };
    let long = format!(r#"{{"seq":1,"link":"nfc","from":"pc","to":"card","capdu":"{}"}}"#, "00".repeat(20));
    let e = parse_line(1, long.as_bytes(), &small).unwrap_err();
    assert_eq!((e.column, e.kind), (41, ParseErrorKind::LineTooLong { limit: 40 }));
    let deep = r#"{"seq":1,"link":"https","from":"pc","to":"portal","msg":"m","fields":{"a":{"b":{"c":1}}}}"#;
    let roomy = Limits { max_line_bytes: 1000, ..small };
    assert_eq!(parse_line(1, deep.as_bytes(), &roomy).unwrap_err().kind, ParseErrorKind::TooDeep { limit: 2 });
    let many = r#"{"seq":1,"link":"https","from":"pc","to":"portal","msg":"m","fields":{"a":[1,2,3]}}"#;
    assert_eq!(parse_line(1, many.as_bytes(), &roomy).unwrap_err().kind, ParseErrorKind::TooManyFields { limit: 3 });
    let text = "{\"seq\":1,\"event\":\"crash\",\"actor\":\"pc\"}\n\n{\"seq\":2,\"event\":\"crash\",\"actor\":\"pc\"}\n";
    let e = Lines::with_limits(text.as_bytes(), roomy).collect::<Result<Vec<_>, _>>().unwrap_err();
    assert_eq!((e.line, e.kind), (3, ParseErrorKind::TooManyLines { limit: 2 }));
}

#[test]
fn the_header_comes_first_and_seq_increases() {
    let ok = "\n{\"trace\":\"hanko/1\"}\n{\"seq\":3,\"event\":\"crash\",\"actor\":\"pc\"}\n{\"seq\":9,\"event\":\"crash\",\"actor\":\"pc\"}";
    let lines = parse_trace(ok).unwrap();
    assert_eq!(lines.iter().map(|l| l.line_no).collect::<Vec<_>>(), vec![2, 3, 4]);
    let late = "{\"seq\":3,\"event\":\"crash\",\"actor\":\"pc\"}\n{\"trace\":\"hanko/1\"}";
    assert_eq!(parse_trace(late).unwrap_err().kind, ParseErrorKind::MisplacedHeader);
    let back = "{\"seq\":3,\"event\":\"crash\",\"actor\":\"pc\"}\n{\"event\":\"crash\",\"seq\":3,\"actor\":\"pc\"}";
    let e = parse_trace(back).unwrap_err();
    assert_eq!((e.line, e.column, e.kind), (2, 18, ParseErrorKind::SeqNotIncreasing { previous: 3 }));
    // The iterator stops at the first error.
    let mut it = Lines::new(b"nope\n{\"seq\":1,\"event\":\"crash\",\"actor\":\"pc\"}");
    assert!(matches!(it.next(), Some(Err(_))));
    assert!(it.next().is_none());
}

#[test]
fn importers_read_their_formats_and_name_bad_lines() {
    use hanko_model::trace::import::{opensc, pcscd};
    let log = "00000000 debuglog.c:390:DebugLogSetLevel() debug level=debug\n\
               00000003 [140] eventhandler.c:423:EHStatusHandlerThread() Card inserted into Virtual PCD 00 00\n\
               00000002 APDU: 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 \n\
               00000236 SW: 90 00 \n\
               00000001 winscard.c:1044:SCardDisconnect() Reset complete.\n\
               00000009 \u{1b}[32meventhandler.c:482:EHStatusHandlerThread() powerState: POWER_STATE_UNPOWERED\u{1b}[0m\n";
    let i = pcscd::import(log).unwrap();
    let events: Vec<&Event> = i.lines.iter().map(|l| &l.event).collect();
    assert_eq!(
        events,
        [
            &Event::Control(Control::PowerOn),
            &Event::Capdu(vec![
                0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01
            ]),
            &Event::Rapdu(vec![0x90, 0x00]),
            &Event::Control(Control::Reset),
            &Event::Control(Control::PowerOff),
        ]
    );
    assert_eq!(i.lines[1].at_us, Some(5));
    assert_eq!((i.lines[1].from, i.lines[2].from), (Some(Actor::Host), Some(Actor::Card)));
    // Trace line 3 (after the header) is the command, from log line 3.
    assert_eq!(i.source_of(3), Some(3));
    assert_eq!(parse_trace(&i.to_jsonl()).unwrap()[2], i.lines[1]);
    let e = pcscd::import("00000002 APDU: 00 A4 0G\n").unwrap_err();
    assert_eq!((e.line, e.column), (1, 22), "{e}");

    // OpenSC: the byte count decides, so an ASCII column that looks like hex is not read.
    let log = "P:1; T:0x1 10:00:00.000 [tool] reader-pcsc.c:889:pcsc_init: PC/SC options: connect_exclusive=0 disconnect_action=1 transaction_end_action=0 reconnect_action=0\n\
               Outgoing APDU (2 bytes):\n\
               41 42 AB\n\
               \n\
               Incoming APDU (2 bytes):\n\
               90 00 ..\n\
               P:1; T:0x1 10:00:00.001 [tool] reader-pcsc.c:672:pcsc_disconnect: Virtual PCD 00 00:SCardDisconnect returned: 0x00000000\n\
               P:1; T:0x1 10:00:00.002 [tool] reader-pcsc.c:740:pcsc_reconnect: Reconnecting to the card...\n";
    let i = opensc::import(log).unwrap();
    let events: Vec<&Event> = i.lines.iter().map(|l| &l.event).collect();
    assert_eq!(
        events,
        [
            &Event::Capdu(vec![0x41, 0x42]),
            &Event::Rapdu(vec![0x90, 0x00]),
            &Event::Control(Control::Reset),
            &Event::Control(Control::Reset)
        ]
    );
    let e = opensc::import("Outgoing APDU (3 bytes):\n00 A4\n").unwrap_err();
    assert_eq!((e.line, e.what.as_str()), (2, "expected 3 hex bytes, found 2"));
    let e = opensc::import("Outgoing APDU (3 bytes):\n").unwrap_err();
    assert_eq!(e.line, 1);
    assert!(opensc::import("Incoming APDU (many bytes):\n").is_err());
}
