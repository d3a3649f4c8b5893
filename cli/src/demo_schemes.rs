//! The demo's second half: the three schemes of the ARIB proposal end to end, in process, each
//! run's trace judged by the same checks as `hanko check --scheme N`.

use crate::check::card_models;
use hanko_crypto::testpki::Pki;
use hanko_model::scheme::conformance;
use hanko_model::trace::{CardCheck, Line};
use hanko_sim::card_data::Pins;
use hanko_sim::scheme::{self, scheme3, Outcome};
use serde_json::{json, Value};
use std::sync::Arc;

/// The seed `hanko check` defaults to, so a saved demo trace checks without options.
const SEED: u64 = 1;

fn conforms(scheme: u8, lines: &[Line]) -> Result<String, String> {
    let plastic = hanko_model::profile("plastic").ok_or("the plastic profile is missing from the spec")?;
    let mut check = CardCheck::new(card_models(plastic, SEED, &Pins::default()));
    let card = lines.iter().try_for_each(|l| check.step(l)).and_then(|()| check.finish());
    let card = card.map_err(|d| format!("scheme {scheme}: card level: {d}"))?;
    let flow = conformance::check(scheme, lines).map_err(|d| format!("scheme {scheme}: flow level: {d}"))?;
    Ok(format!("{} card exchanges and {} messages conform ({})", card.exchanges, flow.messages, flow.system))
}

fn outcome(o: &Outcome) -> Result<&str, String> {
    match o {
        Outcome::LoggedIn { .. } => Ok("logged in to the portal"),
        Outcome::Refused { reason } => Err(format!("refused: {reason}")),
        Outcome::Failed { why } => Err(format!("failed: {why}")),
    }
}

/// Runs schemes 1, 2 and 3; Ok((text, json)), Err when a run does not log in or its trace
/// does not conform — the demo is also a smoke test of the whole stack.
pub fn run() -> Result<(String, Value), String> {
    let pki = Arc::new(Pki::generate(SEED));
    let mut text =
        String::from("\nThe three schemes, end to end in process (traces checked as by `hanko check --scheme N`):\n");
    let mut runs = Vec::new();
    let titles = [
        (1, "the phone is the PC's NFC reader (PC app - relay - phone - card; portal login)"),
        (2, "the phone is reader and client (phone app - card; portal login)"),
    ];
    for (n, title) in titles {
        let run = scheme::run(n, pki.clone(), &scheme::Options { seed: SEED, ..scheme::Options::default() })?;
        let result = outcome(&run.outcome).map_err(|e| format!("scheme {n}: {e}"))?;
        let verdict = conforms(n, &run.lines)?;
        text.push_str(&format!("  scheme {n}: {title}\n    {result}; {} trace lines; {verdict}\n", run.lines.len()));
        runs.push(json!({ "scheme": n, "outcome": result, "lines": run.lines.len(), "conformance": verdict }));
    }
    let run3 =
        scheme3::run(pki, &scheme3::Options { seed: SEED, check_every_step: true, ..scheme3::Options::default() });
    let result = outcome(&run3.run.outcome).map_err(|e| format!("scheme 3: {e}"))?;
    let verdict = conforms(3, &run3.run.lines)?;
    text.push_str(&format!(
        "  scheme 3: sub certificate issued into the UICC (J-LIS steps 1-6, MNO-TSM over SCP80, SP-TSM over SCP03),\n    \
         then a portal login with it\n    {result}; {} trace lines; {verdict}\n",
        run3.run.lines.len()
    ));
    runs.push(json!({ "scheme": 3, "outcome": result, "lines": run3.run.lines.len(), "conformance": verdict }));
    Ok((text, Value::Array(runs)))
}
