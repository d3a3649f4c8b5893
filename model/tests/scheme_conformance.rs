//! Trace conformance against the scheme machines: every path the model checker finds to a
//! reachability goal, written as a trace, conforms; traces changed where a rule says they must
//! not be are rejected at the changed line.

use hanko_model::scheme::checker::{check, systems, Options, Status};
use hanko_model::scheme::conformance;
use hanko_model::scheme::engine::{Bounds, System};
use hanko_model::scheme::render;
use hanko_model::trace::parse_trace;
use serde_json::Value;

/// Every witness the checker finds under `bounds`, as (scheme, system, property, trace text).
fn witnesses(bounds: Bounds, spoof: bool) -> Vec<(u8, &'static str, &'static str, String)> {
    let mut out = Vec::new();
    for scheme in [1u8, 2, 3] {
        for (name, flows) in systems(scheme).unwrap() {
            let opts = Options { bounds, threads: 2, ..Options::default() };
            let report = check(name, &flows, &opts, &mut |_| {}).unwrap();
            let sys = System::new(&flows, bounds, None).unwrap();
            for v in report.verdicts.iter().filter(|v| v.status == Status::Reached) {
                let text = render::trace_with(&sys, scheme, v.path.as_ref().unwrap(), spoof).text();
                out.push((scheme, name, v.property.id, text));
            }
        }
    }
    out
}

#[test]
fn every_witness_without_attacker_conforms_strictly() {
    let quiet = Bounds { attacks: 0, ..Bounds::ORDERED };
    let found = witnesses(quiet, false);
    assert!(found.len() >= 12, "witnesses: {}", found.len());
    for (scheme, name, property, text) in found {
        let lines = parse_trace(&text).unwrap_or_else(|e| panic!("{property}: {e}\n{text}"));
        let summary =
            conformance::check(scheme, &lines).unwrap_or_else(|d| panic!("{name} {property}: {d}\nTRACE\n{text}"));
        assert_eq!(summary.system, name);
        assert!(summary.messages > 0, "{property}");
    }
}

fn happy(scheme: u8, property: &str) -> Vec<Value> {
    let quiet = Bounds { attacks: 0, ..Bounds::ORDERED };
    let all = witnesses(quiet, false);
    let names: Vec<_> = all.iter().map(|w| w.2).collect();
    let (_, _, _, text) = all
        .iter()
        .find(|w| w.0 == scheme && w.2 == property)
        .cloned()
        .unwrap_or_else(|| panic!("no witness {property} in {names:?}"));
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn text(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn position(lines: &[Value], f: impl Fn(&Value) -> bool) -> usize {
    lines.iter().position(f).expect("line")
}

fn rejected_at(scheme: u8, lines: &[Value]) -> (usize, String) {
    let parsed = parse_trace(&text(lines)).unwrap();
    let d = conformance::check(scheme, &parsed).expect_err("must deviate");
    (d.line, format!("{d}"))
}

#[test]
fn skipping_verify_is_rejected_where_the_card_is_asked_to_sign() {
    let mut lines = happy(2, "s2.reach.logged_in");
    // The VERIFY that succeeded (the witness may type a wrong PIN first).
    let verify =
        lines.iter().rposition(|l| l["capdu"].as_str().is_some_and(|c| c.starts_with("00200080"))).expect("VERIFY");
    lines.drain(verify..verify + 2);
    let (line, d) = rejected_at(2, &lines);
    // The next C-APDU (SELECT of the key) comes where the model wants a VERIFY.
    assert_eq!(line, verify + 1, "{d}");
    assert!(d.contains("0020008004"), "{d}");
}

#[test]
fn an_old_challenge_for_a_new_session_is_rejected() {
    // A second login; the portal answers it with the first session's challenge.
    let mut lines = happy(2, "s2.reach.logged_in");
    let login = position(&lines, |l| l["msg"] == "s2.phone.login_request");
    let challenge = position(&lines, |l| l["msg"] == "s2.portal.challenge");
    let mut again = [lines[login].clone(), lines[challenge].clone()];
    again[1]["fields"]["session"] = Value::from("session-9");
    for (i, l) in again.iter_mut().enumerate() {
        l["seq"] = Value::from(1000 + i);
    }
    lines.extend(again);
    let (line, d) = rejected_at(2, &lines);
    assert_eq!(line, lines.len(), "a reused challenge is not fresh: {d}");
    assert!(d.contains("s2.portal.challenge"), "{d}");
}

/// The scheme-3 issuance witness with a second `application_start` (a duplicate, or the user
/// tapping twice) delivered after the challenge, and J-LIS's refusal naming `application`.
fn issuance_with_second_start(application: &str) -> Vec<Value> {
    let mut lines = happy(3, "s3i.reach.issued");
    let start = position(&lines, |l| l["msg"] == "s3i.ui_app.application_start");
    let challenge = position(&lines, |l| l["msg"] == "s3i.jlis.application_challenge");
    let mut refused = lines[challenge].clone();
    refused["msg"] = Value::from("s3i.jlis.application_refused");
    refused["fields"] = serde_json::json!({ "application": application, "reason": "in_progress" });
    lines.insert(challenge + 1, lines[start].clone());
    lines.insert(challenge + 2, refused);
    for (i, l) in lines.iter_mut().enumerate().skip(1) {
        l["seq"] = Value::from(i);
    }
    lines
}

#[test]
fn a_second_start_is_refused_and_the_application_in_progress_goes_on() {
    let lines = issuance_with_second_start("application-1");
    let parsed = parse_trace(&text(&lines)).unwrap();
    let summary = conformance::check(3, &parsed).unwrap_or_else(|d| panic!("{d}\n{}", text(&lines)));
    assert!(summary.final_states.contains(&("s3i.machine.jlis", "issued")), "{summary:?}");
    // The refusal names the application in progress, not a new one J-LIS never announced.
    let lines = issuance_with_second_start("application-2");
    let (line, d) = rejected_at(3, &lines);
    let refused = position(&lines, |l| l["msg"] == "s3i.jlis.application_refused") + 1;
    assert_eq!(line, refused, "{d}");
}

#[test]
fn recorded_events_are_followed_and_an_impossible_one_is_rejected() {
    // Every witness, written with the actors' own events: nothing is left to infer.
    let quiet = Bounds { attacks: 0, ..Bounds::ORDERED };
    for scheme in [1u8, 2, 3] {
        for (name, flows) in systems(scheme).unwrap() {
            let report =
                check(name, &flows, &Options { bounds: quiet, threads: 2, ..Options::default() }, &mut |_| {}).unwrap();
            let sys = System::new(&flows, quiet, None).unwrap();
            for v in report.verdicts.iter().filter(|v| v.status == Status::Reached) {
                let text = render::trace_written(&sys, scheme, v.path.as_ref().unwrap(), false, true).text();
                let lines = parse_trace(&text).unwrap();
                let s = conformance::check(scheme, &lines).unwrap_or_else(|d| panic!("{}: {d}\n{text}", v.property.id));
                assert_eq!(s.inferred_events, 0, "{}: every event is in the trace\n{text}", v.property.id);
            }
        }
    }
    // A pairing code cannot run out before the relay has offered one.
    let mut lines = happy(1, "s1.reach.pairing_expired");
    lines.insert(1, serde_json::json!({"seq": 0, "event": "s1.relay.code_expires", "actor": "relay"}));
    let (line, d) = rejected_at(1, &lines);
    assert_eq!(line, 2, "{d}");
    assert!(d.contains("s1.relay.code_expires") && d.contains("s1.machine.relay"), "{d}");
}

#[test]
fn success_after_blocking_is_rejected() {
    let mut lines = happy(2, "s2.reach.pin_blocked");
    // After the blocking answer the card must refuse; make it say 9000 to a right PIN.
    let last_verify = lines.iter().rposition(|l| l["rapdu"].as_str() == Some("63C0")).expect("blocking answer");
    let mut retry = vec![
        serde_json::json!({"seq": 900, "link": "nfc", "from": "phone", "to": "card", "capdu": "002000800431323334"}),
        serde_json::json!({"seq": 901, "link": "nfc", "from": "card", "to": "phone", "rapdu": "9000"}),
    ];
    lines.truncate(last_verify + 1);
    lines.append(&mut retry);
    let (line, d) = rejected_at(2, &lines);
    assert!(line >= last_verify + 2, "{d}");
}

#[test]
fn a_signature_the_card_did_not_make_is_rejected() {
    let mut lines = happy(1, "s1.reach.logged_in");
    let response = position(&lines, |l| l["msg"] == "s1.pc.auth_response");
    lines[response]["fields"]["signature"] = Value::from("AB".repeat(256));
    let (line, d) = rejected_at(1, &lines);
    assert_eq!(line, response + 1, "{d}");
    assert!(d.contains("s1.machine.pc"), "{d}");
}

#[test]
fn a_changed_status_word_is_rejected_naming_the_card_rule() {
    let mut lines = happy(3, "s3u.reach.logged_in");
    let sign = position(&lines, |l| l["capdu"].as_str().is_some_and(|c| c.starts_with("802A")));
    lines[sign + 1]["rapdu"] = Value::from("6982");
    let (line, d) = rejected_at(3, &lines);
    assert_eq!(line, sign + 2, "{d}");
    assert!(d.contains("card.sign.ok"), "{d}");
}

#[test]
fn an_answer_handed_out_through_get_response_conforms() {
    // The UICC profile chains case-4 answers: 6100, then GET RESPONSE for the signature.
    let mut lines = happy(3, "s3u.reach.logged_in");
    let sign = position(&lines, |l| l["capdu"].as_str().is_some_and(|c| c.starts_with("802A")));
    let whole = lines[sign + 1]["rapdu"].as_str().unwrap().to_string();
    let (data, sw) = whole.split_at(whole.len() - 4);
    assert_eq!(sw, "9000");
    lines[sign + 1]["rapdu"] = Value::from("6100");
    let get = [
        serde_json::json!({"seq": 5000, "link": "omapi", "from": "ui_app", "to": "uicc", "capdu": "00C0000000"}),
        serde_json::json!({"seq": 5001, "link": "omapi", "from": "uicc", "to": "ui_app", "rapdu": format!("{}6100", &data[..256])}),
        serde_json::json!({"seq": 5002, "link": "omapi", "from": "ui_app", "to": "uicc", "capdu": "00C0000000"}),
        serde_json::json!({"seq": 5003, "link": "omapi", "from": "uicc", "to": "ui_app", "rapdu": format!("{}9000", &data[256..])}),
    ];
    lines.splice(sign + 2..sign + 2, get);
    for (i, l) in lines.iter_mut().enumerate().skip(1) {
        l["seq"] = Value::from(i);
    }
    let parsed = parse_trace(&text(&lines)).unwrap();
    conformance::check(3, &parsed).unwrap_or_else(|d| panic!("{d}"));
    // Anything but GET RESPONSE after 6100 is a deviation.
    lines[sign + 2]["capdu"] = Value::from("00A4020C020017");
    let (line, d) = rejected_at(3, &lines);
    assert_eq!(line, sign + 3, "{d}");
    assert!(d.contains("GET RESPONSE"), "{d}");
}

#[test]
fn garbage_and_foreign_lines_are_deviations_not_panics() {
    let header = serde_json::json!({"trace": "hanko/1", "scheme": 1});
    for bad in [
        serde_json::json!({"seq": 1, "link": "https", "from": "pc", "to": "portal", "msg": "s9.nothing", "fields": {}}),
        serde_json::json!({"seq": 1, "link": "nfc", "from": "phone", "to": "card", "capdu": "00"}),
        serde_json::json!({"seq": 1, "link": "nfc", "from": "card", "to": "phone", "rapdu": "9000"}),
        serde_json::json!({"seq": 1, "link": "https", "from": "portal", "to": "pc", "msg": "s1.portal.challenge", "fields": {"session": "x", "challenge": "00"}}),
    ] {
        let lines = vec![header.clone(), bad];
        let (line, _) = rejected_at(1, &lines);
        assert_eq!(line, 2);
    }
}

/// One spec example: the trace entry of `spec/flow` for these lines, with the deviation the
/// checker finds when it does not conform.
fn example(scheme: u8, id: &str, name: &str, note: &str, lines: &[Value]) -> Value {
    let parsed = parse_trace(&text(lines)).unwrap();
    let mut e = serde_json::json!({"id": id, "name": name});
    match conformance::check(scheme, &parsed) {
        Ok(_) => e["conforms"] = Value::from(true),
        Err(d) => {
            e["conforms"] = Value::from(false);
            e["deviation"] = serde_json::json!({"line": d.line, "rule": d.rule});
        }
    }
    e["lines"] = Value::from(lines.to_vec());
    e["source"] = Value::from("hanko model checker: a path to a reachability goal, written by model/src/scheme/render.rs (model/tests/scheme_conformance.rs print_examples)");
    e["confidence"] = Value::from("project-defined");
    e["note"] = Value::from(note);
    e
}

/// Writes the spec's example traces (run with `-- --ignored --nocapture`; the lines starting
/// `EXAMPLE` are what `spec/flow/*.json` holds under `traces`): per flow file one trace that
/// conforms and one that does not.
#[test]
#[ignore]
fn print_examples() {
    let s1 = happy(1, "s1.reach.logged_in");
    let mut s1_bad = s1.clone();
    let at = position(&s1_bad, |l| l["msg"] == "s1.pc.auth_response");
    s1_bad[at]["fields"]["signature"] = Value::from("AB".repeat(256));
    let s2 = happy(2, "s2.reach.logged_in");
    let mut s2_bad = s2.clone();
    let at = s2_bad.iter().rposition(|l| l["capdu"].as_str().is_some_and(|c| c.starts_with("00200080"))).unwrap();
    s2_bad.drain(at..at + 2);
    let s3i = happy(3, "s3i.reach.issued");
    let mut s3i_bad = s3i.clone();
    let at = position(&s3i_bad, |l| l["msg"] == "s3i.ui_app.web_application");
    s3i_bad[at]["fields"]["code"] = Value::from("99999999");
    let s3u = happy(3, "s3u.reach.logged_in");
    let mut s3u_bad = s3u.clone();
    let at = position(&s3u_bad, |l| l["capdu"].as_str().is_some_and(|c| c.starts_with("802A")));
    s3u_bad[at + 1]["rapdu"] = Value::from("6982");
    let lc = happy(3, "lc.reach.reissue_after_sim_change");
    let mut lc_bad = lc.clone();
    let at = position(&lc_bad, |l| l["msg"] == "lc.jlis.status_notice");
    lc_bad[at]["fields"]["status"] = Value::from("active");
    let all = [
        (
            "s1",
            vec![
                example(
                    1,
                    "s1.trace.login",
                    "login through the relay",
                    "Pairing by code, the APDUs relayed frame by frame, the signed challenge accepted.",
                    &s1,
                ),
                example(
                    1,
                    "s1.trace.foreign_signature",
                    "a signature the card did not make",
                    "The PC sends the portal a signature the card never returned.",
                    &s1_bad,
                ),
            ],
        ),
        (
            "s2",
            vec![
                example(
                    2,
                    "s2.trace.login",
                    "login with the phone",
                    "The phone reads the certificate, verifies the PIN and has the challenge signed.",
                    &s2,
                ),
                example(
                    2,
                    "s2.trace.verify_skipped",
                    "VERIFY skipped",
                    "The right VERIFY removed: the phone selects the key where it must verify the PIN.",
                    &s2_bad,
                ),
            ],
        ),
        (
            "s3i",
            vec![
                example(
                    3,
                    "s3i.trace.issued",
                    "issuance of the sub certificate",
                    "①–⑥ with the applet installed by the MNO-TSM and personalized by the SP-TSM.",
                    &s3i,
                ),
                example(
                    3,
                    "s3i.trace.wrong_code_accepted",
                    "an access code from nowhere",
                    "The UI app sends an access code that is neither the one J-LIS sent nor one the user typed before.",
                    &s3i_bad,
                ),
            ],
        ),
        (
            "s3u",
            vec![
                example(
                    3,
                    "s3u.trace.login",
                    "login with the sub certificate",
                    "The UI app has the UICC applet sign; J-LIS says good; the portal grants.",
                    &s3u,
                ),
                example(
                    3,
                    "s3u.trace.sign_refused",
                    "the applet refuses to sign",
                    "The applet answers 6982 to COMPUTE DIGITAL SIGNATURE after a right VERIFY.",
                    &s3u_bad,
                ),
            ],
        ),
        (
            "lc",
            vec![
                example(
                    3,
                    "lc.trace.sim_change",
                    "SIM change",
                    "The MNO reports the SIM change; J-LIS revokes the sub certificate and asks for reissue.",
                    &lc,
                ),
                example(
                    3,
                    "lc.trace.sim_change_ignored",
                    "SIM change without revocation",
                    "J-LIS's notice says active after the SIM change.",
                    &lc_bad,
                ),
            ],
        ),
    ];
    for (prefix, traces) in all {
        println!("EXAMPLE {prefix} {}", Value::from(traces.to_vec()));
    }
}
