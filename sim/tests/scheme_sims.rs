//! The scheme simulators end to end: each run logs in (or fails as the PINs say), its trace
//! passes the card-level check, carries the flow's message ids in the flow's order, binds the
//! signature to the portal's challenge, and is the one committed in `corpus/traces/`.

use hanko_crypto::testpki::Pki;
use hanko_model::trace::{check_card_level, parse_trace, Actor, Event, Line};
use hanko_model::{profile, CardModel};
use hanko_sim::card_data::{card_data, Pins};
use hanko_sim::scheme::{self, Options, Outcome, SHA256_DIGEST_INFO};
use std::sync::{Arc, OnceLock};

fn pki() -> Arc<Pki> {
    static P: OnceLock<Arc<Pki>> = OnceLock::new();
    P.get_or_init(|| Arc::new(Pki::generate(1))).clone()
}

fn card_check(lines: &[Line]) -> Result<usize, String> {
    let plastic = profile("plastic").unwrap();
    let pki = pki();
    check_card_level(lines, |a| {
        (a == Actor::Card).then(|| CardModel::new(plastic, card_data(&pki, plastic, &Pins::default())))
    })
    .map(|s| s.exchanges)
    .map_err(|d| d.to_string())
}

fn messages(lines: &[Line]) -> Vec<&str> {
    lines
        .iter()
        .filter_map(|l| if let Event::Message { id, .. } = &l.event { Some(id.as_str()) } else { None })
        .collect()
}

fn field<'a>(lines: &'a [Line], msg: &str, key: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| match &l.event {
            Event::Message { id, fields } if id == msg => fields.get(key).and_then(|v| v.as_str()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {msg}.{key}"))
}

fn run(n: u8, pins: &[&str]) -> scheme::Run {
    let options = Options { pins: pins.iter().map(|p| p.to_string()).collect(), ..Options::default() };
    scheme::run(n, pki(), &options).unwrap()
}

/// The message ids of a spec flow file.
fn spec_messages(file: &str) -> Vec<String> {
    let path = format!("{}/../spec/flow/{file}", env!("CARGO_MANIFEST_DIR"));
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["flow_messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn scheme_1_logs_in_through_the_relay() {
    let r = run(1, &["1234"]);
    assert!(matches!(r.outcome, Outcome::LoggedIn { .. }), "{:?}", r.outcome);
    let text = r.to_jsonl();
    let lines = parse_trace(&text).unwrap();
    assert!(lines[1..] == r.lines[..], "the trace reads back as written");
    assert_eq!(card_check(&lines), Ok(6 + 6), "SELECT DF, SELECT EF, 6 reads… every answer as the model says");
    let m = messages(&lines);
    let known = spec_messages("scheme1.json");
    assert!(m.iter().all(|id| known.iter().any(|k| k == id)), "ids not in spec/flow/scheme1.json: {m:?}");
    let head = [
        "s1.pc.pair_request",
        "s1.relay.pair_offer",
        "s1.phone.pair_join",
        "s1.relay.paired",
        "s1.relay.peer_joined",
        "s1.pc.login_request",
        "s1.portal.challenge",
    ];
    assert_eq!(&m[..7], &head);
    let tail = ["s1.pc.auth_response", "s1.portal.session_granted", "s1.pc.close", "s1.relay.closed"];
    assert_eq!(&m[m.len() - 4..], &tail);
    // Every APDU went PC → relay → phone → card and back, frames numbered from 1.
    let frames = m.iter().filter(|id| **id == "s1.pc.capdu").count();
    assert_eq!(frames, lines.iter().filter(|l| matches!(l.event, Event::Capdu(_))).count());
    assert_eq!(field(&lines, "s1.relay.pair_offer", "code"), field(&lines, "s1.phone.pair_join", "code"));
    assert_eq!(field(&lines, "s1.relay.paired", "channel"), field(&lines, "s1.relay.peer_joined", "channel"));
}

#[test]
fn scheme_2_logs_in_and_the_signature_binds_the_challenge() {
    let r = run(2, &["1234"]);
    assert!(matches!(r.outcome, Outcome::LoggedIn { .. }), "{:?}", r.outcome);
    let lines = parse_trace(&r.to_jsonl()).unwrap();
    assert_eq!(card_check(&lines), Ok(12));
    let m = messages(&lines);
    let known = spec_messages("scheme2.json");
    assert!(m.iter().all(|id| known.iter().any(|k| k == id)), "{m:?}");
    assert_eq!(
        m,
        ["s2.phone.login_request", "s2.portal.challenge", "s2.phone.auth_response", "s2.portal.session_granted"]
    );
    // The signing command carries DigestInfo ‖ the session's challenge, byte for byte.
    let challenge = hex(field(&lines, "s2.portal.challenge", "challenge"));
    let sign = lines.iter().find_map(|l| match &l.event {
        Event::Capdu(c) if c.starts_with(&[0x80, 0x2A]) => Some(c.clone()),
        _ => None,
    });
    let mut want = vec![0x80, 0x2A, 0x00, 0x80, 0x33];
    want.extend_from_slice(&SHA256_DIGEST_INFO);
    want.extend_from_slice(&challenge);
    want.push(0x00);
    assert_eq!(sign, Some(want));
    // And the certificate sent to the portal is the card's.
    assert_eq!(hex(field(&lines, "s2.phone.auth_response", "certificate")), pki().auth_ee.der);
}

#[test]
fn wrong_pins_retry_then_block() {
    let retried = run(2, &["9999", "1234"]);
    assert!(matches!(retried.outcome, Outcome::LoggedIn { .. }), "{:?}", retried.outcome);
    let verifies = |r: &scheme::Run| {
        r.lines.iter().filter(|l| matches!(&l.event, Event::Capdu(c) if c.starts_with(&[0x00, 0x20]))).count()
    };
    assert_eq!(verifies(&retried), 2);
    assert!(card_check(&retried.lines).is_ok());
    for n in [1, 2] {
        let blocked = run(n, &["9999", "0000", "1111", "1234"]);
        assert_eq!(blocked.outcome, Outcome::Failed { why: "the PIN is now blocked".into() });
        assert_eq!(verifies(&blocked), 3, "no VERIFY after the block");
        assert!(!messages(&blocked.lines).iter().any(|m| m.ends_with("auth_response")));
        assert!(card_check(&blocked.lines).is_ok());
    }
    let gave_up = run(1, &[]);
    assert_eq!(gave_up.outcome, Outcome::Failed { why: "the user gave up at the PIN prompt".into() });
}

#[test]
fn a_forged_answer_in_a_scheme_trace_is_caught_at_its_line() {
    let r = run(1, &["1234"]);
    let text = r.to_jsonl();
    // The card's answer to VERIFY: 9000 → 63C2.
    let verify = text
        .lines()
        .position(|l| l.contains("\"link\":\"nfc\"") && l.contains("\"capdu\":\"002000800431323334\""))
        .unwrap();
    let answer = verify + 1;
    let forged: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i == answer { l.replace("\"rapdu\":\"9000\"", "\"rapdu\":\"63C2\"") } else { l.to_string() })
        .collect();
    let e = card_check(&parse_trace(&forged.join("\n")).unwrap()).unwrap_err();
    assert!(e.starts_with(&format!("line {}: expected 9000, seen 63C2 (rule card.verify.ok", answer + 1)), "{e}");
}

#[test]
fn runs_are_reproducible_and_committed() {
    for n in [1u8, 2] {
        let a = run(n, &["1234"]).to_jsonl();
        assert_eq!(a, run(n, &["1234"]).to_jsonl(), "scheme {n} is not deterministic");
        let path = format!("{}/../corpus/traces/scheme{n}.jsonl", env!("CARGO_MANIFEST_DIR"));
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(kept == a, "{path} is stale: `hanko sim scheme {n} --trace {path}` rewrites it");
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}
