//! `hanko check TRACE`: replays a recorded card session through the card model and names
//! the first place where the card did not answer as a conforming card must.

use hanko_crypto::testpki::Pki;
use hanko_model::replay;
use hanko_sim::card_data::{self, Pins};
use serde_json::json;

pub struct CheckArgs<'a> {
    pub trace: &'a str,
    pub profile: crate::sim::ProfileArg,
    pub seed: u64,
    pub pins: Option<&'a str>,
    pub json: bool,
}

/// Ok(output) when the trace conforms; Err((exit code, message, json)) otherwise.
pub fn run(a: &CheckArgs<'_>) -> Result<String, (u8, String, Option<serde_json::Value>)> {
    let bad = |m: String| (2, m, None);
    let meta = std::fs::metadata(a.trace).map_err(|e| bad(format!("cannot read {}: {e}", a.trace)))?;
    if meta.len() > crate::input::MAX_INPUT {
        return Err(bad(format!("{} is larger than {} bytes", a.trace, crate::input::MAX_INPUT)));
    }
    let text = std::fs::read_to_string(a.trace).map_err(|e| bad(format!("cannot read {}: {e}", a.trace)))?;
    let events = replay::parse_trace(&text).map_err(|e| bad(format!("{}: {e}", a.trace)))?;
    let profile = hanko_model::profile(a.profile.id()).ok_or_else(|| bad("profile missing from the spec".into()))?;
    let pins = Pins::parse(a.pins.unwrap_or("")).map_err(bad)?;
    // The model holds what the simulated card holds: the test PKI of that seed.
    let data = card_data::card_data(&Pki::generate(a.seed), profile, &pins);
    let mut model = hanko_model::CardModel::new(profile, data);
    match replay::replay(&mut model, &events) {
        Ok(n) => Ok(if a.json {
            json!({ "conforms": true, "exchanges": n, "profile": profile.id }).to_string()
        } else {
            format!("{}: {n} exchanges conform to the card model ({})", a.trace, profile.id)
        }),
        Err(d) => Err((
            1,
            format!("{}: {d}", a.trace),
            Some(json!({ "conforms": false, "line": d.line, "expected": d.expected, "seen": d.seen, "rule": d.rule, "spec": d.spec })),
        )),
    }
}
