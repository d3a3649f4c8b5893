//! The TSM-layer messages (`spec/tsm/messages.json`) through the codec's `tsm` module: every
//! spec example decodes or fails as it says, agrees with the spec interpreter, matches its
//! snapshot and re-encodes to its canonical text; arbitrary input never panics; and a valid
//! message with one member dropped, retyped or added fails with the error that edit implies.

use hanko_codec::tsm::{self, Kind, Message, MessageError, Type};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::OnceLock;
use xtask::messages::{MessageInterp, Subject, TEXT_KINDS};
use xtask::spec::Spec;

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| Spec::load(&xtask::repo_root().join("spec")).expect("spec loads"))
}

fn interp() -> MessageInterp<'static> {
    MessageInterp::new(spec())
}

/// What the codec makes of an example: `Ok(None)` for a type's value, `Ok(Some(message))`.
fn codec<'t>(subject: Subject<'_>, text: &'t [u8]) -> Result<Option<Message<'t>>, MessageError> {
    match subject {
        Subject::Message => Message::decode(text).map(Some),
        Subject::Type(id) => tsm::check_value(text, tsm::named_type(id).expect("generated type")).map(|()| None),
    }
}

fn oracle(subject: Subject<'_>, text: &[u8]) -> Result<(), xtask::messages::Failure> {
    match subject {
        Subject::Message => interp().check_text(text).map(drop),
        Subject::Type(id) => interp().check_type_text(id, text),
    }
}

#[test]
fn every_example_checks_as_the_spec_says() {
    let examples = xtask::messages::examples(spec());
    assert!(examples.len() > 200, "the spec lost message examples: {}", examples.len());
    let mut failures = Vec::new();
    for (at, subject, ex) in &examples {
        let text = ex.input().expect("validated example");
        let ours = codec(*subject, text.as_bytes());
        match (&ours, oracle(*subject, text.as_bytes())) {
            (Ok(_), Ok(())) => {}
            (Err(e), Err(o)) => {
                let pointer_agrees = TEXT_KINDS.contains(&o.kind) || e.pointer == o.pointer;
                if e.kind.name() != o.kind || !pointer_agrees {
                    failures.push(format!(
                        "{at}: codec {} at {:?}, interpreter {} at {:?}",
                        e.kind.name(),
                        e.pointer,
                        o.kind,
                        o.pointer
                    ));
                }
            }
            (Ok(_), Err(o)) => {
                failures.push(format!("{at}: codec accepts, interpreter fails {} at {:?}", o.kind, o.pointer))
            }
            (Err(e), Ok(())) => failures.push(format!("{at}: codec fails {e}, interpreter accepts")),
        }
        match (&ex.error, &ours) {
            (None, Ok(Some(m))) => {
                let mut canonical = String::new();
                m.encode(&mut canonical);
                if canonical.len() != m.encoded_len() {
                    failures.push(format!("{at}: encoded_len {} but {} written", m.encoded_len(), canonical.len()));
                }
                if ex.json.is_some() && canonical != text {
                    failures.push(format!("{at}: re-encodes to {canonical}"));
                }
                let again = Message::decode(canonical.as_bytes()).map(|m| m.to_json());
                if again.as_ref().ok() != Some(&m.to_json()) {
                    failures.push(format!("{at}: the canonical text decodes to {again:?}"));
                }
                if let Some(v) = &ex.json {
                    if &m.to_json() != v {
                        failures.push(format!("{at}: to_json gives {}", m.to_json()));
                    }
                }
            }
            (None, Ok(None)) => {}
            (None, Err(e)) => failures.push(format!("{at}: expected to decode, got {e}")),
            (Some(want), Err(e)) => {
                if e.kind.name() != want.kind || e.pointer != want.pointer || want.offset.is_some_and(|o| o != e.offset)
                {
                    failures.push(format!(
                        "{at}: expected {} at {:?} byte {:?}, got {} at {:?} byte {}",
                        want.kind,
                        want.pointer,
                        want.offset,
                        e.kind.name(),
                        e.pointer,
                        e.offset
                    ));
                }
                if e.offset > text.len() {
                    failures.push(format!("{at}: offset {} past the end", e.offset));
                }
            }
            (Some(want), Ok(_)) => failures.push(format!("{at}: expected {}, decodes", want.kind)),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn example_decodings_match_snapshots() {
    for (at, subject, ex) in xtask::messages::examples(spec()) {
        let text = ex.input().expect("validated example");
        let value = match codec(subject, text.as_bytes()) {
            Ok(Some(m)) => {
                let d = m.def();
                json!({ "message": d.id, "name": d.name, "confidence": d.confidence, "operation": d.operation,
                        "from": d.from, "to": d.to, "body": m.to_json() })
            }
            Ok(None) => json!({ "type": ex.json }),
            Err(e) => json!({ "error": e.kind.name(), "pointer": e.pointer, "offset": e.offset, "rule": e.rule,
                              "message": e.to_string() }),
        };
        // `spec/tsm/messages.json#/messages/3/examples/0` → `tsm_messages_messages_3_examples_0`
        let name = at.trim_start_matches("spec/").replace(".json#", "").replace(['/', '.'], "_");
        insta::assert_json_snapshot!(name, value);
    }
}

#[test]
fn the_generated_tables_hold_every_entry_of_the_spec() {
    let ids: Vec<_> = xtask::messages::message_entries(spec()).iter().map(|m| m.entry.id.clone()).collect();
    let ours: Vec<_> = tsm::message_defs().iter().map(|d| d.id.to_string()).collect();
    assert_eq!(ours, ids);
    for t in xtask::messages::type_entries(spec()) {
        assert!(tsm::named_type(&t.entry.id).is_some(), "{} missing", t.entry.id);
    }
    assert_eq!(tsm::limits().discriminator, "type");
}

// ---- the text ----------------------------------------------------------------------------

fn kind_at(text: &str) -> (&'static str, String, usize) {
    let e = Message::decode(text.as_bytes()).expect_err("must fail");
    (e.kind.name(), e.pointer, e.offset)
}

#[test]
fn text_level_errors_name_their_byte() {
    assert_eq!(kind_at("{\"type\":\"ram.stop\" \"sessionId\":\"s\"}"), ("syntax", String::new(), 19));
    assert_eq!(kind_at("{\"type\":\"ram.stop\",\"sessionId\":\"s\"} x"), ("syntax", String::new(), 36));
    assert_eq!(kind_at("{\"type\":\"ram.stop\",\"sessionId\":01}"), ("syntax", String::new(), 32));
    assert_eq!(kind_at("{\"type\":\"ram.stop\",\"sessionId\":\"a\tb\"}"), ("syntax", String::new(), 33));
    assert_eq!(kind_at("{\"type\":\"ram.stop\",\"sessionId\":\"\\x\"}"), ("syntax", String::new(), 32));
    assert_eq!(kind_at("{\"type\":\"ram.stop\",\"sessionId\":\"\\udc00\"}"), ("syntax", String::new(), 32));
    assert_eq!(kind_at("{\"type\":\"ram.stop\",\"sessionId\":tru}"), ("syntax", String::new(), 31));
    assert_eq!(kind_at("{\"type\":\"ram.stop\",\"sessionId\":-}"), ("syntax", String::new(), 32));
    assert_eq!(kind_at("{\"type\":\"ram.stop\",\"sessionId\":1.}"), ("syntax", String::new(), 33));
    assert_eq!(kind_at("{\"type\":\"ram.stop\",\"sessionId\":1e}"), ("syntax", String::new(), 33));
    assert_eq!(kind_at("{\"type\":\"ram.stop\",\"sessionId\":\"s"), ("syntax", String::new(), 33));
    assert_eq!(kind_at("{\"type\" \"ram.stop\"}"), ("syntax", String::new(), 8));
    assert_eq!(kind_at("{1:2}"), ("syntax", String::new(), 1));
    let mut bad_utf8 = b"{\"type\":\"ram.stop\",\"sessionId\":\"\xC3\x28\"}".to_vec();
    let e = Message::decode(&bad_utf8).expect_err("not UTF-8");
    assert_eq!((e.kind.name(), e.offset), ("syntax", 32));
    bad_utf8[32] = 0xFF;
    assert_eq!(Message::decode(&bad_utf8).expect_err("not UTF-8").offset, 32);
}

#[test]
fn limits_are_enforced_before_reading() {
    let limit = tsm::limits().max_bytes;
    let long = format!("{{\"type\":\"ram.stop\",\"sessionId\":\"{}\"}}", "a".repeat(limit));
    let (kind, pointer, offset) = kind_at(&long);
    assert_eq!((kind, pointer.as_str(), offset), ("too_large", "", limit));
    let depth = tsm::limits().max_depth;
    let ok = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert_eq!(kind_at(&ok).0, "wrong_type", "{depth} levels are read (and the root is no object)");
    let deep = format!("{}{}", "[".repeat(depth + 1), "]".repeat(depth + 1));
    assert_eq!(kind_at(&deep), ("too_deep", "/0".repeat(depth), depth));
    // Far deeper than any stack would take: refused at the limit, not by recursion.
    let abyss = "[".repeat(200_000);
    assert_eq!(kind_at(&abyss).0, "too_deep");
}

#[test]
fn the_first_duplicate_in_document_order_is_named() {
    let t = r#"{"type":"ram.stop","a":{"b":1,"b":2},"a":3}"#;
    assert_eq!(kind_at(t), ("duplicate_key", "/a/b".into(), 30));
    let t = r#"{"type":"ram.stop","sessionId":"s","x~/y":1,"x~/y":2}"#;
    assert_eq!(kind_at(t), ("duplicate_key", "/x~0~1y".into(), 44));
    // Escapes are compared by the characters they stand for.
    let t = r#"{"type":"ram.stop","sessionId":"s","\u0073essionId":"t"}"#;
    assert_eq!(kind_at(t).0, "duplicate_key");
}

#[test]
fn escaped_names_and_values_are_read_as_their_characters() {
    let t = r#"{"\u0074ype":"ram.\u0073top","sessionId":"s\u002D1"}"#;
    let m = Message::decode(t.as_bytes()).expect("escapes are characters");
    assert_eq!(m.id(), "ram.stop");
    assert_eq!(m.str("/sessionId").as_deref(), Some("s-1"));
    let mut out = String::new();
    m.encode(&mut out);
    assert_eq!(out, t, "the canonical text keeps escapes as written");
    let t = r#"{"type":"ram.notification","sessionId":"s","deviceAppNotification":"\ud83d\ude00 ok"}"#;
    let m = Message::decode(t.as_bytes()).expect("a surrogate pair is one character");
    assert_eq!(m.str("/deviceAppNotification").as_deref(), Some("😀 ok"));
    let t = r#"{"type":"ram.notification","sessionId":"s","deviceAppNotification":"a\u0007b"}"#;
    assert_eq!(
        kind_at(t),
        ("bad_pattern", "/deviceAppNotification".into(), 67),
        "an escaped control character is still one"
    );
}

// ---- members and values ------------------------------------------------------------------

#[test]
fn numbers_are_integers_only_when_written_as_integers() {
    let with = |n: &str| {
        format!(r#"{{"type":"gpsm.end_conversation.request","FunctionCallIdentifier":"f","ConversationID":{n}}}"#)
    };
    assert!(Message::decode(with("7").as_bytes()).is_ok());
    for (n, kind) in [
        ("7.0", "wrong_type"),
        ("7e0", "wrong_type"),
        ("-0", "wrong_type"),
        ("0", "out_of_range"),
        ("2147483648", "out_of_range"),
        ("99999999999999999999999", "out_of_range"),
        ("-9223372036854775809", "out_of_range"),
    ] {
        let e = Message::decode(with(n).as_bytes()).expect_err(n);
        assert_eq!((e.kind.name(), e.pointer.as_str()), (kind, "/ConversationID"), "{n}");
        let o = interp().check_text(with(n).as_bytes()).expect_err(n);
        assert_eq!(o.kind, kind, "interpreter, {n}");
    }
}

#[test]
fn errors_read_as_one_line_with_pointer_byte_and_rule() {
    let t = r#"{"type":"gpsm.terminate_service.request","FunctionCallIdentifier":"f","ServiceInstanceReference":{"Reference":"r"}}"#;
    let e = Message::decode(t.as_bytes()).expect_err("ReferenceOwner missing");
    assert_eq!(
        e.to_string(),
        format!("missing member at /ServiceInstanceReference/ReferenceOwner (byte 97) ({})", e.rule)
    );
    assert!(e.rule.starts_with("spec/tsm/messages.json#/message_types/"), "{}", e.rule);
    let t = r#"{"type":"ram.handshake.request","sessionId":"s","secureElements":[{"seType":"uicc","seId":"8981"}],"supportedTransportProtocols":["HTTP"]}"#;
    let e = Message::decode(t.as_bytes()).expect_err("HTTP");
    assert_eq!(e.kind.name(), "unknown_value");
    assert!(e.to_string().contains("expected one of HTTPS"), "{e}");
    assert!(!e.to_string().contains('\n'));
}

#[test]
fn accessors_give_simulators_bytes() {
    let t = json!({ "type": "ram.command", "sessionId": "s-1",
                    "listOfCAPDU": ["00a4040008A00000015100000000", "80F24002024F0000"], "stopOnError": false });
    let text = tsm::build(&t).expect("a valid command");
    let m = Message::decode(text.as_bytes()).expect("decodes");
    assert_eq!(m.id(), "ram.command");
    assert_eq!(m.def().from, ["mno_tsm", "sp_tsm"]);
    let script = m.byte_list("/listOfCAPDU").expect("a list");
    assert_eq!(script[0], [0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0, 0, 0x01, 0x51, 0, 0, 0, 0x00]);
    assert_eq!(script[1], [0x80, 0xF2, 0x40, 0x02, 0x02, 0x4F, 0x00, 0x00]);
    assert_eq!(m.boolean("/stopOnError"), Some(false));
    assert_eq!(m.get("/listOfCAPDU/1").map(|j| j.offset()), Some(text.find("\"80F2").unwrap()));
    assert!(m.get("/listOfCAPDU/01").is_none(), "RFC 6901: no leading zeros");
    assert!(m.get("/nothing").is_none());

    let t = json!({ "type": "gpsm.begin_conversation.request", "FunctionCallIdentifier": "f-1",
                    "SecureElement": { "ICCID": "8981000000000000018" }, "Service": { "ServiceId": 392 },
                    "TargetIdentifier": { "AID": "D392F0002601FF01", "TAR": "000000" },
                    "RequestedScriptFormat": "COMPACT", "EstimatedAPDUScriptSize": 300 });
    let text = tsm::build(&t).expect("valid");
    let m = Message::decode(text.as_bytes()).expect("decodes");
    assert_eq!(m.bytes("/TargetIdentifier/AID"), Some(vec![0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0xFF, 0x01]));
    assert_eq!(m.bytes("/TargetIdentifier/TAR"), Some(vec![0, 0, 0]));
    assert_eq!(m.integer("/EstimatedAPDUScriptSize"), Some(300));
    assert_eq!(m.str("/SecureElement/ICCID").as_deref(), Some("8981000000000000018"));
    assert_eq!(m.root().len(), 7);
    assert_eq!(m.root().members().map(|(k, _)| k.into_owned()).collect::<Vec<_>>()[1], "FunctionCallIdentifier");
    assert_eq!(m.to_json(), t);

    let bad = json!({ "type": "ram.command", "sessionId": "s-1", "listOfCAPDU": [] });
    let e = tsm::build(&bad).expect_err("an empty script");
    assert_eq!((e.kind.name(), e.pointer.as_str()), ("out_of_range", "/listOfCAPDU"));
}

// ---- properties --------------------------------------------------------------------------

/// A member of an object the example holds, found by walking the example with its type.
#[derive(Debug, Clone)]
struct Site {
    /// The pointer of the object.
    object: Vec<String>,
    /// The member's name, whether the type requires it, and the JSON type of its value.
    name: String,
    required: bool,
}

fn sites(v: &Value, ty: &'static Type, path: &mut Vec<String>, out: &mut Vec<Site>) {
    match (ty.kind, v) {
        (Kind::Object { fields }, Value::Object(obj)) => {
            for (k, x) in obj {
                let Some(f) = fields.iter().find(|f| f.name == k) else { continue };
                out.push(Site { object: path.clone(), name: k.clone(), required: !f.optional });
                path.push(k.clone());
                sites(x, f.ty, path, out);
                path.pop();
            }
        }
        (Kind::Choice { options }, Value::Object(obj)) => {
            for (k, x) in obj {
                let Some(o) = options.iter().find(|o| o.name == k) else { continue };
                path.push(k.clone());
                sites(x, o.ty, path, out);
                path.pop();
            }
        }
        (Kind::Array { items, .. }, Value::Array(list)) => {
            for (i, x) in list.iter().enumerate() {
                path.push(i.to_string());
                sites(x, items, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn object_at<'v>(v: &'v mut Value, path: &[String]) -> &'v mut serde_json::Map<String, Value> {
    let mut at = v;
    for t in path {
        at = match at {
            Value::Object(o) => o.get_mut(t).expect("path"),
            Value::Array(a) => a.get_mut(t.parse::<usize>().expect("index")).expect("path"),
            _ => unreachable!("a path into containers"),
        };
    }
    at.as_object_mut().expect("an object")
}

fn pointer(path: &[String], name: &str) -> String {
    path.iter().chain([&name.to_string()]).map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1"))).collect()
}

/// Every valid message example of the spec, as JSON.
fn valid_messages() -> &'static [Value] {
    static V: OnceLock<Vec<Value>> = OnceLock::new();
    V.get_or_init(|| {
        xtask::messages::examples(spec())
            .into_iter()
            .filter(|(_, s, ex)| *s == Subject::Message && ex.error.is_none())
            .filter_map(|(_, _, ex)| ex.json.clone())
            .collect()
    })
}

#[derive(Debug, Clone, Copy)]
enum Edit {
    Drop,
    Retype,
    Add,
}

/// A value of another JSON type than `v`.
fn other_type(v: &Value) -> Value {
    match v {
        Value::String(_) => json!(7),
        Value::Number(_) => json!("7"),
        Value::Bool(_) => json!("true"),
        Value::Array(_) | Value::Object(_) | Value::Null => json!(false),
    }
}

fn compare_with_oracle(text: &str, codec: &Result<Message<'_>, MessageError>) -> Result<(), TestCaseError> {
    let oracle = interp().check_text(text.as_bytes());
    match (codec, &oracle) {
        (Ok(m), Ok(e)) => prop_assert_eq!(m.id(), e.id.as_str()),
        (Err(c), Err(o)) => {
            prop_assert_eq!(c.kind.name(), o.kind, "{}", text);
            if !TEXT_KINDS.contains(&o.kind) {
                prop_assert_eq!(&c.pointer, &o.pointer, "{}", text);
            }
        }
        _ => prop_assert!(false, "codec {:?} vs interpreter {:?} on {}", codec.as_ref().map(|m| m.id()), oracle, text),
    }
    Ok(())
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[0-9A-Fa-z _~/\u{e9}-]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "type",
            "ram.stop",
            "ram.command",
            "sessionId",
            "listOfCAPDU",
            "9000",
            "80F24002024F0000"
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "type",
                        "sessionId",
                        "listOfCAPDU",
                        "stopOnError",
                        "a",
                        "FunctionCallIdentifier"
                    ]),
                    inner
                ),
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(m) = Message::decode(&bytes) {
            let mut out = String::new();
            m.encode(&mut out);
            prop_assert_eq!(out.len(), m.encoded_len());
        }
    }

    #[test]
    fn arbitrary_json_agrees_with_the_interpreter(v in arb_json()) {
        let text = v.to_string();
        let codec = Message::decode(text.as_bytes());
        compare_with_oracle(&text, &codec)?;
    }

    #[test]
    fn one_edit_to_a_valid_message_gives_its_error(index in any::<prop::sample::Index>(), site in any::<prop::sample::Index>(), edit in prop_oneof![Just(Edit::Drop), Just(Edit::Retype), Just(Edit::Add)]) {
        let valid = valid_messages();
        let original = &valid[index.index(valid.len())];
        let body = tsm::message_def(original["type"].as_str().unwrap()).unwrap().body;
        let mut found = Vec::new();
        sites(original, body, &mut Vec::new(), &mut found);
        prop_assume!(!found.is_empty());
        let s = &found[site.index(found.len())];
        let mut edited = original.clone();
        let object = object_at(&mut edited, &s.object);
        let (kind, at) = match edit {
            Edit::Drop => {
                object.shift_remove(&s.name);
                if s.required { ("missing_field", pointer(&s.object, &s.name)) } else { ("", String::new()) }
            }
            Edit::Retype => {
                let v = other_type(&object[&s.name]);
                object.insert(s.name.clone(), v);
                ("wrong_type", pointer(&s.object, &s.name))
            }
            Edit::Add => {
                object.insert("zUnknown".into(), json!(1));
                ("unknown_field", pointer(&s.object, "zUnknown"))
            }
        };
        let text = edited.to_string();
        let result = Message::decode(text.as_bytes());
        compare_with_oracle(&text, &result)?;
        match result {
            Ok(_) => prop_assert_eq!(kind, "", "{} passes", text),
            Err(e) => {
                prop_assert_eq!(e.kind.name(), kind, "{}", text);
                prop_assert_eq!(e.pointer, at, "{}", text);
            }
        }
    }

    #[test]
    fn canonical_texts_round_trip(index in any::<prop::sample::Index>(), spaces in prop::collection::vec(0usize..3, 64)) {
        let valid = valid_messages();
        let v = &valid[index.index(valid.len())];
        let compact = v.to_string();
        // White space after every ',' and ':' (outside strings: the examples have neither
        // inside strings next to a quote) must not change the message.
        let mut spaced = String::new();
        let mut k = 0;
        let mut in_string = false;
        let mut escaped = false;
        for c in compact.chars() {
            spaced.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' if in_string => escaped = true,
                '"' => in_string = !in_string,
                ',' | ':' if !in_string => {
                    spaced.push_str(&" \n\t"[..spaces[k % spaces.len()]]);
                    k += 1;
                }
                _ => {}
            }
        }
        let m = Message::decode(spaced.as_bytes()).expect("white space is allowed");
        let mut out = String::new();
        m.encode(&mut out);
        prop_assert_eq!(&out, &compact);
        prop_assert_eq!(&m.to_json(), v);
    }
}
