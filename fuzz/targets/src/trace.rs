//! Trace conformance on arbitrary input. `scheme_actions` (below) walks the scheme models by
//! the input and has the conformance checker accept the run, or edits the simulators' scheme
//! traces into it. `trace_lines`: bytes as JSON Lines
//! into the reader and the card-level checker — never a panic, and the checker's verdict (conforming with N
//! exchanges, or the first deviating line) equals a plain replay written here straight from the
//! rules: each command to the card answered, in order, exactly as `CardModel::respond` says.

use hanko_codec::{CommandApdu, ResponseApdu};
use hanko_crypto::testpki::Pki;
use hanko_model::scheme::checker::systems;
use hanko_model::scheme::engine::{Action, Bounds, System};
use hanko_model::scheme::props::{compile, Check};
use hanko_model::scheme::table::Kind;
use hanko_model::scheme::world::World;
use hanko_model::trace::{Actor, CardCheck, Control, Event, Limits, Line, Lines};
use hanko_model::{profile, CardModel, Output};
use hanko_sim::card_data::{card_data, Pins};
use std::sync::OnceLock;

/// The card every trace is checked against: the plastic card on the test PKI of seed 1, as
/// `hanko sim card` and the simulators' traces carry it.
fn card() -> &'static CardModel {
    static CARD: OnceLock<CardModel> = OnceLock::new();
    CARD.get_or_init(|| {
        let plastic = profile("plastic").expect("the plastic profile");
        CardModel::new(plastic, card_data(&Pki::generate(1), plastic, &Pins::default()))
    })
}

/// Small limits: long inputs only cost time, and every limit is reached often.
const LIMITS: Limits = Limits { max_line_bytes: 8192, max_lines: 512, max_depth: 4, max_fields: 64 };

/// The verdict: `Ok(exchanges)` or `Err(line)` of the first deviation.
type Verdict = Result<usize, usize>;

pub fn trace_lines(data: &[u8]) {
    let mut lines = Vec::new();
    for l in Lines::with_limits(data, LIMITS) {
        match l {
            Ok(line) => lines.push(line),
            Err(e) => {
                let _ = e.to_string();
                assert!(e.column >= 1, "{e}");
                return;
            }
        }
    }
    // Only the plastic card has a model here; traces naming the UICC are checked for panics.
    let single_card = lines.iter().all(|l| l.card().is_none_or(|a| a == Actor::Card));
    let mut check = CardCheck::new(|a| (a == Actor::Card).then(|| card().clone()));
    let ours: Verdict =
        lines.iter().try_for_each(|l| check.step(l)).and_then(|()| check.finish()).map(|s| s.exchanges).map_err(|d| {
            let _ = d.to_string();
            d.line
        });
    if single_card {
        let theirs = replay(&lines);
        assert_eq!(ours, theirs, "the checker and the plain replay disagree on\n{}", String::from_utf8_lossy(data));
    }
}

/// The plain replay, one card.
fn replay(lines: &[Line]) -> Verdict {
    let mut model = card().clone();
    let mut pending: Option<(usize, Vec<u8>, Option<Actor>)> = None;
    let mut reader = None;
    let mut powered = true;
    // The checker meets the card at its first card-level line; a crash before that is nobody's.
    let mut seen = false;
    let mut exchanges = 0;
    for l in lines {
        let n = l.line_no;
        seen |= l.card() == Some(Actor::Card);
        let to_card = l.to == Some(Actor::Card);
        let from_card = l.from == Some(Actor::Card);
        match &l.event {
            Event::Crash { actor } if seen && (*actor == Actor::Card || Some(*actor) == reader) => {
                model.power_off();
                pending = None;
                powered = false;
            }
            Event::Control(Control::PowerOn | Control::Reset | Control::PowerOff) if to_card && pending.is_some() => {
                return Err(n);
            }
            Event::Control(Control::PowerOn | Control::Reset) if to_card => {
                model.power_on();
                pending = None;
                powered = true;
            }
            Event::Control(Control::PowerOff) if to_card => {
                model.power_off();
                pending = None;
                powered = false;
            }
            Event::Capdu(c) if to_card => {
                if pending.is_some() || !powered || CommandApdu::parse(c).is_err() {
                    return Err(n);
                }
                reader = l.from;
                pending = Some((n, c.clone(), l.from));
            }
            Event::Rapdu(r) if from_card => {
                let Some((_, c, sender)) = pending.take() else { return Err(n) };
                if l.to != sender || ResponseApdu::parse(r).is_err() {
                    return Err(n);
                }
                let data = &r[..r.len() - 2];
                let mut ok_len = true;
                let (_, want) = model.respond(&c, &mut |o: &Output| {
                    let len = match o {
                        Output::Signature { .. } => 256,
                        Output::Random(k) => *k,
                        _ => 0,
                    };
                    ok_len &= data.len() == len;
                    data.to_vec()
                });
                if !ok_len || want != *r {
                    return Err(n);
                }
                exchanges += 1;
            }
            _ => {}
        }
    }
    match pending {
        Some((n, ..)) => Err(n),
        None => Ok(exchanges),
    }
}

/// The simulators' conforming traces, compiled in (fuzz binaries run without the source tree).
const SCHEME_TRACES: [(u8, &str); 2] = [
    (1, include_str!("../../../corpus/traces/scheme1.jsonl")),
    (2, include_str!("../../../corpus/traces/scheme2.jsonl")),
];

/// `scheme_actions`: the first byte chooses. Below 0x80, a run of a scheme model, chosen action
/// by action by the input, written as a trace: the conformance checker must accept it, since
/// the model itself made it, and every safety property must hold at each of its states. From
/// 0x80, a kept trace edited by the input into the conformance check: no panic, and a verdict
/// that depends on the trace alone.
pub fn scheme_actions(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode < 0x80 {
        // With the actors' own events written, the trace holds the whole run and the verdict
        // must be the model's: conforming. Without them the checker infers them within stated
        // bounds (`conformance::RETRY_DEPTH`, `RETRY_PLACES`, `MAX_WAYS`), and a run beyond
        // them may be rejected; it must still answer without panicking.
        let complete = mode & 64 != 0;
        if let (true, Err(e)) = (complete, scheme_walk(mode, rest)) {
            panic!("the conformance checker rejects a run of the model: {e}");
        }
    } else {
        scheme_edit(mode, rest);
    }
}

/// The most actions one run takes: enough for a whole login or issuance with detours.
const MAX_STEPS: usize = 64;

/// A model system, built once: (scheme, system, the safety properties compiled for it).
struct Walked {
    scheme: u8,
    ordered: bool,
    sys: System,
    safety: Vec<(&'static str, Check)>,
}

/// Every system `hanko model check` checks, under the ordered and the lossy network.
fn walked() -> &'static [Walked] {
    static SYSTEMS: OnceLock<Vec<Walked>> = OnceLock::new();
    SYSTEMS.get_or_init(|| {
        let mut out = Vec::new();
        for bounds in [Bounds::ORDERED, Bounds::LOSSY] {
            for scheme in 1..=3 {
                for (name, flows) in systems(scheme).expect("the spec's systems") {
                    let sys = System::new(&flows, bounds, None).unwrap_or_else(|e| panic!("{name}: {e}"));
                    let safety = sys
                        .c
                        .properties
                        .iter()
                        .filter(|p| p.kind == Kind::Safety)
                        .map(|p| (p.id, compile(&sys.c, p).unwrap_or_else(|| panic!("{}: not compiled", p.id))))
                        .collect();
                    out.push(Walked { scheme, ordered: bounds == Bounds::ORDERED, sys, safety });
                }
            }
        }
        out
    })
}

/// Mode byte: bits 0-3 the system (of [`walked`]), bit 4 the attacker written under its claimed
/// sender, bit 5 the run cut after its last action (no final state whose messages in flight
/// the trace shows arriving), bit 6 the actors' own events written as `event` lines. Each
/// further byte picks one of the actions the state allows. A run the conformance checker
/// rejects is an `Err` with the deviation and the trace.
fn scheme_walk(mode: u8, picks: &[u8]) -> Result<(), String> {
    let all = walked();
    let Walked { scheme, ordered, sys, safety } = &all[usize::from(mode & 15) % all.len()];
    let spoof = mode & 16 != 0;
    let cut = mode & 32 != 0;
    let events = mode & 64 != 0;
    let mut w = sys.initial();
    let mut path: Vec<(World, Option<Action>)> = Vec::new();
    let mut actions = Vec::new();
    for &pick in picks.iter().take(MAX_STEPS) {
        actions.clear();
        sys.actions(&w, &mut actions);
        // As the model checker explores: an action that changes nothing is no step, and a
        // state past the bounds on fresh values is not explored.
        let mut steps: Vec<(Action, World)> = actions
            .drain(..)
            .filter_map(|a| sys.next(&w, &a).map(|n| (a, n)))
            .filter(|(_, n)| sys.within_bounds(n))
            .collect();
        if steps.is_empty() {
            break;
        }
        let (action, next) = steps.swap_remove(usize::from(pick) % steps.len());
        path.push((std::mem::replace(&mut w, next), Some(action)));
    }
    if !cut || path.is_empty() {
        path.push((w, None));
    }
    let text = hanko_model::scheme::render::trace_written(sys, *scheme, &path, spoof, events).text();
    for (state, _) in &path {
        for (id, check) in safety {
            assert!(check.holds(&sys.logic, &sys.c, state), "{id} broken on a run of the model\n{text}");
        }
    }
    let lines = hanko_model::trace::parse_trace(&text)
        .unwrap_or_else(|e| panic!("a trace the model wrote does not read: {e}\n{text}"));
    let injections = path.iter().any(|(_, a)| matches!(a, Some(Action::Attack(_))));
    let opts = hanko_model::scheme::conformance::Options { injections };
    let verdict = hanko_model::scheme::conformance::check_with(*scheme, &lines, &opts);
    verdict.map(drop).map_err(|d| {
        let network = if *ordered { "ordered" } else { "lossy" };
        format!("scheme {scheme}, {network}, injections {injections}: {d}\n{text}")
    })
}

/// The edit mode: a kept trace (bit 0 of the mode byte), then edits of three bytes each.
fn scheme_edit(pick: u8, ops: &[u8]) {
    let (scheme, text) = SCHEME_TRACES[usize::from(pick) % SCHEME_TRACES.len()];
    let Ok(mut lines) = hanko_model::trace::parse_trace(text) else { panic!("a kept scheme trace does not read") };
    for op in ops.chunks(3).take(64) {
        let [kind, a, b] = [op[0], *op.get(1).unwrap_or(&0), *op.get(2).unwrap_or(&0)];
        if lines.is_empty() {
            break;
        }
        let i = usize::from(a) % lines.len();
        let j = usize::from(b) % lines.len();
        match kind % 6 {
            0 => {
                lines.remove(i);
            }
            1 => lines.insert(i, lines[i].clone()),
            2 => lines.swap(i, j),
            3 => {
                let l = lines.remove(i);
                lines.insert(j.min(lines.len()), l);
            }
            4 => {
                if let Event::Rapdu(r) = &mut lines[i].event {
                    if let Some(last) = r.last_mut() {
                        *last ^= b.max(1);
                    }
                }
            }
            _ => {
                if let Event::Message { fields, .. } = &mut lines[i].event {
                    let pick = usize::from(b) % fields.len().max(1);
                    if let Some((_, v)) = fields.iter_mut().nth(pick) {
                        *v = match v {
                            serde_json::Value::String(s) if !s.is_empty() => {
                                let mut t = s.clone();
                                t.pop();
                                t.into()
                            }
                            serde_json::Value::Number(n) => (n.as_u64().unwrap_or(0) ^ u64::from(b)).into(),
                            _ => serde_json::Value::from("00"),
                        };
                    }
                }
            }
        }
    }
    for (k, l) in lines.iter_mut().enumerate() {
        l.seq = Some(k as u64 + 1);
        l.line_no = k + 1;
    }
    let first = hanko_model::scheme::conformance::check(scheme, &lines);
    let again = hanko_model::scheme::conformance::check(scheme, &lines);
    assert_eq!(first, again, "the verdict depends on more than the trace");
    if let Err(d) = &first {
        let _ = d.to_string();
        assert!(d.line >= 1 && d.line <= lines.len() + 1, "deviation at line {} of {}", d.line, lines.len());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_simulated_sessions_conform_and_a_forgery_does_not() {
        let seed = include_str!("../../../corpus/traces/scheme2.jsonl");
        let lines: Vec<_> = hanko_model::trace::parse_trace(seed).unwrap();
        assert_eq!(super::replay(&lines), Ok(12));
        super::trace_lines(seed.as_bytes());
        let forged = seed.replacen("\"rapdu\":\"9000\"", "\"rapdu\":\"6A82\"", 1);
        let lines: Vec<_> = hanko_model::trace::parse_trace(&forged).unwrap();
        assert!(super::replay(&lines).is_err());
        super::trace_lines(forged.as_bytes());
    }

    /// Runs of every system, under every network and with the attacker, chosen by a fixed
    /// pseudo-random generator: the checker accepts every one (`SCHEME_WALKS=20000` for more).
    /// All rejections are counted before failing, so a change shows its whole effect at once.
    #[test]
    fn random_runs_of_the_model_conform() {
        let runs: usize = std::env::var("SCHEME_WALKS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut rejected: Vec<String> = Vec::new();
        for k in 0..runs {
            let len = 1 + (next() % 80) as usize;
            let picks: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if let Err(e) = super::scheme_walk((k % 128) as u8, &picks) {
                rejected.push(e);
            }
        }
        // SCHEME_REJECTED=DIR keeps each rejected run's trace there, for `hanko check`.
        if let Ok(dir) = std::env::var("SCHEME_REJECTED") {
            for (i, e) in rejected.iter().enumerate() {
                let trace = e.split_once('\n').map_or("", |(_, t)| t);
                std::fs::write(std::path::Path::new(&dir).join(format!("rejected-{i}.jsonl")), trace).unwrap();
            }
        }
        let mut kinds: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for e in &rejected {
            *kinds.entry(e.lines().next().unwrap_or_default().to_string()).or_default() += 1;
        }
        assert!(
            rejected.is_empty(),
            "{} of {runs} runs of the model rejected:\n{kinds:#?}\nfirst:\n{}",
            rejected.len(),
            rejected.first().map_or("", String::as_str)
        );
    }
}
