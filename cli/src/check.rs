//! `hanko check TRACE`: replays a recorded session through the model and names the first
//! place where it departs from what a conforming party must do. Card level always (every card
//! answers as the card model says); flow level with `--scheme N` (every message one its
//! sender's machine could send, values bound across the trace), through the scheme models'
//! conformance check. `--import pcscd|opensc`
//! reads the trace from a pcscd APDU log or an OpenSC debug log instead.

use hanko_crypto::testpki::Pki;
use hanko_model::scheme::conformance;
use hanko_model::trace::import::{self, ImportError, Imported};
use hanko_model::trace::{self, Actor, CardCheck, Deviation, Event, Line};
use hanko_model::CardModel;
use hanko_sim::card_data::{self, Pins};
use serde_json::json;

/// A log format `--import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportArg {
    /// pcsc-lite's daemon log: `pcscd --foreground --apdu --debug`.
    Pcscd,
    /// OpenSC's debug log: `debug = 9; debug_file = FILE;` in opensc.conf.
    Opensc,
}

pub struct CheckArgs<'a> {
    pub trace: &'a str,
    /// Also check the flow level against this scheme's model.
    pub scheme: Option<u8>,
    pub profile: crate::sim::ProfileArg,
    pub seed: u64,
    pub pins: Option<&'a str>,
    pub import: Option<ImportArg>,
    pub json: bool,
}

type Failure = (u8, String, Option<serde_json::Value>);

fn read(path: &str) -> Result<String, Failure> {
    let bad = |m: String| (2, m, None);
    let meta = std::fs::metadata(path).map_err(|e| bad(format!("cannot read {path}: {e}")))?;
    if meta.len() > crate::input::MAX_INPUT {
        return Err(bad(format!("{path} is larger than {} bytes", crate::input::MAX_INPUT)));
    }
    std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read {path}: {e}")))
}

/// The trace's lines, and for an imported log the log line behind each.
fn lines(a: &CheckArgs<'_>) -> Result<(Vec<Line>, Option<Imported>), Failure> {
    let text = read(a.trace)?;
    let bad = |m: String| (2, m, None);
    let imported = |r: Result<Imported, ImportError>| r.map_err(|e| bad(format!("{}: {e}", a.trace)));
    match a.import {
        None => trace::parse_trace(&text).map(|l| (l, None)).map_err(|e| bad(format!("{}: {e}", a.trace))),
        Some(ImportArg::Pcscd) => imported(import::pcscd::import(&text)).map(|i| (i.lines.clone(), Some(i))),
        Some(ImportArg::Opensc) => imported(import::opensc::import(&text)).map(|i| (i.lines.clone(), Some(i))),
    }
}

/// The card models a trace's cards are checked against: the card with `--profile`, the UICC
/// with the UICC profile, both holding the test PKI of `--seed` and the given PINs.
pub fn card_models(
    profile: &'static hanko_model::Profile,
    seed: u64,
    pins: &Pins,
) -> impl FnMut(Actor) -> Option<CardModel> {
    let pki = Pki::generate(seed);
    let pins = pins.clone();
    move |actor| {
        let p = match actor {
            Actor::Card => profile,
            Actor::Uicc => hanko_model::profile("uicc")?,
            _ => return None,
        };
        Some(CardModel::new(p, card_data::card_data(&pki, p, &pins)))
    }
}

/// Ok(output) when the trace conforms; Err((exit code, message, json)) otherwise.
pub fn run(a: &CheckArgs<'_>) -> Result<String, Failure> {
    let bad = |m: String| (2, m, None);
    let (lines, imported) = lines(a)?;
    let profile = hanko_model::profile(a.profile.id()).ok_or_else(|| bad("profile missing from the spec".into()))?;
    let pins = Pins::parse(a.pins.unwrap_or("")).map_err(bad)?;
    // A model counterexample's card answers are the model's stand-ins: no card model's bytes
    // to hold them to (the flow check judges them against the abstract card).
    let abstract_cards = lines.iter().any(|l| matches!(l.event, Event::Header { abstract_cards: true, .. }));
    let s = if abstract_cards {
        let card_level =
            |l: &&Line| matches!(l.event, Event::Capdu(_) | Event::Rapdu(_) | Event::Control(_) | Event::Atr(_));
        trace::CardSummary {
            exchanges: 0,
            lines: lines.len(),
            flow_lines: lines.len() - lines.iter().filter(card_level).count(),
            cards: Vec::new(),
        }
    } else {
        let mut check = CardCheck::new(card_models(profile, a.seed, &pins));
        let card = lines.iter().try_for_each(|l| check.step(l)).and_then(|()| check.finish());
        card.map_err(|d| deviation(a, &d, imported.as_ref()))?
    };
    // The flow level after the card level: a card that answers wrongly is named as such, not
    // as the flow step its wrong answer led to.
    let flow = match a.scheme {
        Some(n) => {
            // A trace that names the attacker records a run under attack (a model counterexample):
            // its honest parties are judged on how they handle the attacker's lines.
            let injections = lines.iter().any(|l| l.from == Some(Actor::Attacker));
            let opts = conformance::Options { injections };
            Some(conformance::check_with(n, &lines, &opts).map_err(|d| deviation(a, &d, imported.as_ref()))?)
        }
        None => None,
    };
    Ok(match (&flow, a.json) {
        (None, true) => {
            json!({ "conforms": true, "exchanges": s.exchanges, "lines": s.lines, "flow_lines": s.flow_lines, "profile": profile.id })
                .to_string()
        }
        (Some(f), true) => json!({ "conforms": true, "exchanges": s.exchanges, "lines": s.lines, "flow_lines": s.flow_lines,
                "profile": profile.id, "scheme": { "system": f.system, "messages": f.messages, "exchanges": f.exchanges,
                "inferred_events": f.inferred_events, "duplicates": f.duplicates, "injections": f.injections,
                "final_states": f.final_states.iter().map(|(m, st)| json!({ "machine": m, "state": st })).collect::<Vec<_>>() } })
        .to_string(),
        (None, false) => format!("{}: {} exchanges conform to the card model ({})", a.trace, s.exchanges, profile.id),
        (Some(f), false) => format!(
            "{}: {} exchanges conform to the card model ({}); {} messages conform to {}",
            a.trace, s.exchanges, profile.id, f.messages, f.system
        ),
    })
}

fn deviation(a: &CheckArgs<'_>, d: &Deviation, imported: Option<&Imported>) -> Failure {
    let source = imported.and_then(|i| i.source_of(d.line));
    let place = match source {
        Some(s) => format!(" (log line {s})"),
        None => String::new(),
    };
    let doc = json!({ "conforms": false, "line": d.line, "log_line": source, "expected": d.expected, "seen": d.seen, "rule": d.rule, "spec": d.spec });
    (1, format!("{}: {d}{place}", a.trace), Some(doc))
}
