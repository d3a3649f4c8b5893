//! Mutation test of the trace checker. From conforming traces — both schemes' simulator runs
//! (logged in, a wrong PIN then the right one, a PIN blocked), a session OpenSC had with the
//! virtual card through pcscd, and the same session imported from pcscd's own log — every
//! mutant of the kinds below is made, and the checker must reject each one that breaks a rule.
//! A mutant that survives must be in the explained allow-list ([`explain`]); the test fails on
//! any other survivor and on any conforming trace rejected.
//!
//! Mutants: drop a line; duplicate a line; swap two adjacent lines; change an answer's status
//! word; skip the VERIFY (its command, answer and relay frames); answer an old challenge (the
//! portal's challenge replaced by another session's); a successful VERIFY after the PIN blocked.
//! Sequence numbers are renumbered after every edit, or the reader's own `seq` check would
//! reject every drop, duplicate and swap and the test would say nothing about the model.
//!
//! Scheme 3 plugs in by dropping `corpus/traces/scheme3*.jsonl` files: they are picked up as
//! subjects with scheme 3.
//!
//! `cargo test -p hanko-sim --test mutation -- --nocapture` prints the table and the kill rate.

use hanko_crypto::testpki::Pki;
use hanko_model::trace::{self, import, Actor, CardCheck, Control, Event, Line};
use hanko_model::{profile, CardModel};
use hanko_sim::card_data::{card_data, Pins};
use hanko_sim::scheme::{self, Options};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

fn pki() -> Arc<Pki> {
    static P: OnceLock<Arc<Pki>> = OnceLock::new();
    P.get_or_init(|| Arc::new(Pki::generate(1))).clone()
}

/// A conforming trace and the scheme it belongs to (`None`: card level only).
struct Subject {
    name: String,
    scheme: Option<u8>,
    lines: Vec<Line>,
}

fn subjects() -> Vec<Subject> {
    let mut out = Vec::new();
    for n in [1u8, 2] {
        for (label, pins) in
            [("login", vec!["1234"]), ("retry", vec!["9999", "1234"]), ("blocked", vec!["9999", "0000", "1111"])]
        {
            let options = Options { pins: pins.iter().map(|p| p.to_string()).collect(), ..Options::default() };
            let run = scheme::run(n, pki(), &options).unwrap();
            out.push(Subject { name: format!("scheme{n}-{label}"), scheme: Some(n), lines: run.lines });
        }
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/traces");
    let text = std::fs::read_to_string(format!("{dir}/vpcd-opensc.jsonl")).unwrap();
    out.push(Subject { name: "vpcd-opensc".into(), scheme: None, lines: trace::parse_trace(&text).unwrap() });
    let log = std::fs::read_to_string(format!("{dir}/pcscd-opensc.log")).unwrap();
    out.push(Subject { name: "pcscd-opensc".into(), scheme: None, lines: import::pcscd::import(&log).unwrap().lines });
    let mut scheme3: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("scheme3"))
                && p.extension().is_some_and(|x| x == "jsonl")
        })
        .collect();
    scheme3.sort();
    for p in scheme3 {
        let text = std::fs::read_to_string(&p).unwrap();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        out.push(Subject { name, scheme: Some(3), lines: trace::parse_trace(&text).unwrap() });
    }
    out
}

/// The schemes whose traces the flow level (`hanko_model::scheme::conformance`) judges here.
/// For a scheme left out, mutants only the flow level can see are explained as such.
const FLOW_SCHEMES: &[u8] = &[1, 2, 3];

fn flow_checked(scheme: Option<u8>) -> bool {
    scheme.is_some_and(|s| FLOW_SCHEMES.contains(&s))
}

/// The checker under test: the whole trace text through the reader, then every card through
/// the card model, then (for [`FLOW_SCHEMES`]) the flow through the scheme model — what
/// `hanko check --scheme N` does.
fn check(scheme: Option<u8>, lines: &[Line]) -> Result<(), String> {
    let text: String = lines.iter().map(|l| trace::write_line(l) + "\n").collect();
    let lines = trace::parse_trace(&text).map_err(|e| e.to_string())?;
    let plastic = profile("plastic").unwrap();
    let uicc = profile("uicc").unwrap();
    let pki = pki();
    let mut card = CardCheck::new(|a| match a {
        Actor::Card => Some(CardModel::new(plastic, card_data(&pki, plastic, &Pins::default()))),
        Actor::Uicc => Some(CardModel::new(uicc, card_data(&pki, uicc, &Pins::default()))),
        _ => None,
    });
    for l in &lines {
        card.step(l).map_err(|d| d.to_string())?;
    }
    card.finish().map_err(|d| d.to_string())?;
    if let Some(n) = scheme.filter(|_| flow_checked(scheme)) {
        hanko_model::scheme::conformance::check(n, &lines).map_err(|d| d.to_string())?;
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Drop,
    Duplicate,
    Swap,
    StatusWord,
    SkipVerify,
    OldChallenge,
    SuccessAfterBlock,
}

struct Mutant {
    op: Op,
    /// Index of the line the edit is about.
    at: usize,
    lines: Vec<Line>,
}

fn renumber(mut lines: Vec<Line>) -> Vec<Line> {
    for (i, l) in lines.iter_mut().enumerate() {
        l.seq = Some(i as u64 + 1);
        l.line_no = i + 1;
    }
    lines
}

fn is_verify(c: &[u8]) -> bool {
    c.len() > 4 && c[..4] == [0x00, 0x20, 0x00, 0x80]
}

/// A different status word for an answer: success becomes "security status not satisfied",
/// anything else becomes success.
fn other_sw(r: &[u8]) -> Vec<u8> {
    let mut r = r.to_vec();
    let n = r.len();
    if n >= 2 {
        if r[n - 2..] == [0x90, 0x00] {
            r[n - 2..].copy_from_slice(&[0x69, 0x82]);
        } else {
            r[n - 2..].copy_from_slice(&[0x90, 0x00]);
        }
    }
    r
}

fn mutants(lines: &[Line], other_challenge: &str) -> Vec<Mutant> {
    let mut out = Vec::new();
    let m = |op, at, l: Vec<Line>| Mutant { op, at, lines: renumber(l) };
    for i in 0..lines.len() {
        let mut l = lines.to_vec();
        l.remove(i);
        out.push(m(Op::Drop, i, l));
        let mut l = lines.to_vec();
        l.insert(i, lines[i].clone());
        out.push(m(Op::Duplicate, i, l));
        if i + 1 < lines.len() {
            let mut l = lines.to_vec();
            l.swap(i, i + 1);
            out.push(m(Op::Swap, i, l));
        }
        if let Event::Rapdu(r) = &lines[i].event {
            let mut l = lines.to_vec();
            l[i].event = Event::Rapdu(other_sw(r));
            out.push(m(Op::StatusWord, i, l));
        }
    }
    // Skip each VERIFY: its command and answer on the NFC link, and the relay frames that
    // carried them (same frame number).
    for (i, line) in lines.iter().enumerate() {
        let Event::Capdu(c) = &line.event else { continue };
        if !is_verify(c) {
            continue;
        }
        let frame = lines[..i].iter().rev().find_map(|l| match &l.event {
            Event::Message { id, fields } if id == "s1.relay.capdu" => fields.get("seq").cloned(),
            _ => None,
        });
        let keep: Vec<Line> = lines
            .iter()
            .enumerate()
            .filter(|(j, l)| {
                let own = *j == i || *j == i + 1;
                let framed = match (&l.event, &frame) {
                    (Event::Message { id, fields }, Some(seq)) => {
                        id.starts_with("s1.") && id.ends_with("apdu") && fields.get("seq") == Some(seq)
                    }
                    _ => false,
                };
                !own && !framed
            })
            .map(|(_, l)| l.clone())
            .collect();
        out.push(m(Op::SkipVerify, i, keep));
    }
    // The portal's challenge replaced by another session's: the card then signs a challenge
    // that is not this session's.
    for (i, line) in lines.iter().enumerate() {
        if let Event::Message { id, fields } = &line.event {
            if id.ends_with(".portal.challenge") {
                let mut l = lines.to_vec();
                let mut f = fields.clone();
                f.insert("challenge".into(), other_challenge.into());
                l[i].event = Event::Message { id: id.clone(), fields: f };
                out.push(m(Op::OldChallenge, i, l));
            }
        }
    }
    // After the answer that blocks the PIN (63C0), the right PIN "accepted".
    for (i, line) in lines.iter().enumerate() {
        if matches!(&line.event, Event::Rapdu(r) if r[..] == [0x63, 0xC0]) {
            let (cmd, ans) = (lines[i - 1].clone(), lines[i].clone());
            let mut verify = cmd.clone();
            verify.event = Event::Capdu(vec![0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4']);
            let mut ok = ans.clone();
            ok.event = Event::Rapdu(vec![0x90, 0x00]);
            let mut l = lines.to_vec();
            l.splice(i + 1..i + 1, [verify, ok]);
            out.push(m(Op::SuccessAfterBlock, i, l));
        }
    }
    out
}

fn is_flow(l: &Line) -> bool {
    l.card().is_none()
}

fn is_power(l: &Line) -> bool {
    matches!(l.event, Event::Control(_) | Event::Atr(_))
}

/// Why a surviving mutant is not a checker bug, or `None` if it is.
fn explain(subject: &Subject, mutant: &Mutant) -> Option<&'static str> {
    let orig = &subject.lines;
    let at = &orig[mutant.at];
    let next = orig.get(mutant.at + 1);
    let flow_only = |l: &Line| is_flow(l) && subject.scheme.is_some() && !flow_checked(subject.scheme);
    match mutant.op {
        Op::Drop | Op::Duplicate if flow_only(at) => Some("a flow message: only the scheme model judges it"),
        Op::Swap if flow_only(at) || next.is_some_and(flow_only) => {
            Some("the card's own order is unchanged; the order of flow messages is the scheme model's to judge")
        }
        Op::OldChallenge if !flow_checked(subject.scheme) => {
            Some("the challenge binding is the scheme model's rule (signature over this session's challenge)")
        }
        Op::Duplicate if matches!(at.event, Event::Control(Control::PowerOn | Control::PowerOff | Control::Reset)) => {
            Some("power events are idempotent: a second power-on (or off) leaves the card as the first did")
        }
        Op::Drop if is_power(at) && orig[..mutant.at].iter().all(|l| l.card().is_none()) => {
            Some("the first power-on: a card the trace has not met yet is taken as just powered")
        }
        Op::Drop if is_power(at) && orig[mutant.at + 1..].iter().all(|l| l.card().is_none()) => {
            Some("the last power-off: nothing follows that it could change")
        }
        Op::Drop if matches!(at.event, Event::Control(Control::PowerOff)) && next.is_some_and(|n| matches!(n.event, Event::Control(Control::PowerOn | Control::Reset))) => {
            Some("a power-off right before a power-on: the power-on alone clears the same state")
        }
        Op::Duplicate if is_flow(at) && flow_checked(subject.scheme) => {
            Some("a message delivered twice: the model's network may duplicate, and the receiver must ignore the copy")
        }
        Op::Swap if (is_flow(at) && next.is_some_and(is_power)) || (is_power(at) && next.is_some_and(is_flow)) => {
            Some("a flow message and the NFC field coming up or going down: no rule orders them")
        }
        Op::Drop if is_flow(at) && orig[mutant.at + 1..].iter().all(|l| !is_flow(l) || is_power(l)) => {
            Some("the last message: a conforming run may stop (or lose it) there, so a trace may be a prefix")
        }
        Op::OldChallenge
            if !orig.iter().any(|l| matches!(&l.event, Event::Message { id, .. } if id.ends_with("auth_response"))) =>
        {
            Some("no signature was made in this run: nothing binds the challenge")
        }
        Op::Swap if is_flow(at) && next.is_some_and(is_flow) => Some("two flow lines: only the scheme model judges their order"),
        Op::Swap if is_power(at) && next.is_some_and(is_power) && orig[..mutant.at].iter().all(|l| !matches!(l.event, Event::Capdu(_))) => {
            Some("two power events before the first command: the card meets the first command freshly powered either way")
        }
        Op::SkipVerify => {
            let answer = match &orig.get(mutant.at + 1).map(|l| &l.event) {
                Some(Event::Rapdu(r)) => r.clone(),
                _ => return None,
            };
            let later: Vec<&Line> = orig[mutant.at + 2..].iter().filter(|l| matches!(l.event, Event::Capdu(_))).collect();
            let next_verify_ok = orig[mutant.at + 2..]
                .windows(2)
                .find(|w| matches!(&w[0].event, Event::Capdu(c) if is_verify(c)))
                .is_some_and(|w| matches!(&w[1].event, Event::Rapdu(r) if r[..] == [0x90, 0x00]));
            if answer[..] == [0x69, 0x84] || answer[..] == [0x69, 0x83] {
                Some("a VERIFY of a blocked PIN spends no try and changes nothing")
            } else if later.is_empty() {
                Some("the last command of the session: nothing after it can observe the spent try")
            } else if answer.first() == Some(&0x63) && next_verify_ok {
                Some("a wrong VERIFY before a right one: the success restores the counter, so the card ends the same")
            } else {
                None
            }
        }
        _ => None,
    }
}

#[test]
fn the_checker_kills_every_mutant_that_breaks_a_rule() {
    let other = scheme::run(2, pki(), &Options { seed: 7, ..Options::default() }).unwrap();
    let other_challenge = other
        .lines
        .iter()
        .find_map(|l| match &l.event {
            Event::Message { id, fields } if id == "s2.portal.challenge" => {
                fields["challenge"].as_str().map(str::to_string)
            }
            _ => None,
        })
        .unwrap();
    let mut table: BTreeMap<Op, (usize, usize, usize)> = BTreeMap::new();
    let mut unexplained = Vec::new();
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut total, mut killed, mut equivalent) = (0, 0, 0);
    for subject in subjects() {
        assert_eq!(check(subject.scheme, &subject.lines), Ok(()), "{} must conform", subject.name);
        for mutant in mutants(&subject.lines, &other_challenge) {
            let same = mutant
                .lines
                .iter()
                .map(trace::write_line)
                .eq(renumber(subject.lines.clone()).iter().map(trace::write_line));
            let entry = table.entry(mutant.op).or_default();
            if same {
                equivalent += 1;
                entry.2 += 1;
                continue;
            }
            total += 1;
            entry.0 += 1;
            if check(subject.scheme, &mutant.lines).is_err() {
                killed += 1;
                entry.1 += 1;
            } else {
                match explain(&subject, &mutant) {
                    Some(why) => *reasons.entry(why).or_default() += 1,
                    None => unexplained.push(format!(
                        "{} {:?} at line {}: {}",
                        subject.name,
                        mutant.op,
                        mutant.at + 1,
                        trace::write_line(&subject.lines[mutant.at]).chars().take(120).collect::<String>()
                    )),
                }
            }
        }
    }
    println!("\nmutation test of the trace checker (card level everywhere; flow level for schemes {FLOW_SCHEMES:?})");
    println!("{:<18} {:>8} {:>8} {:>10} {:>11}", "operator", "mutants", "killed", "kill rate", "identical");
    for (op, (n, k, eq)) in &table {
        println!(
            "{:<18} {:>8} {:>8} {:>9.1}% {:>11}",
            format!("{op:?}"),
            n,
            k,
            100.0 * *k as f64 / (*n).max(1) as f64,
            eq
        );
    }
    println!(
        "{:<18} {:>8} {:>8} {:>9.1}% {:>11}",
        "all",
        total,
        killed,
        100.0 * killed as f64 / total.max(1) as f64,
        equivalent
    );
    println!("survivors, explained:");
    for (why, n) in &reasons {
        println!("  {n:>5}  {why}");
    }
    assert!(
        unexplained.is_empty(),
        "{} surviving mutants without an explanation:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    // A changed answer and a success after blocking are rule breaks the card model sees every
    // time; no explanation may cover them.
    for op in [Op::StatusWord, Op::SuccessAfterBlock] {
        let (n, k, _) = table[&op];
        assert!(n > 0 && n == k, "{op:?}: {k} of {n} killed");
    }
}
