//! `hanko sim scheme 3`: the sub certificate issued into the phone's UICC — UI app, J-LIS, the
//! plastic card over NFC, SP-TSM, MNO-TSM, TSM proxy, the UICC's card manager and the JPKI
//! applet — then a portal login with it; or, with `--refuse KIND`, a run that ends in that
//! refusal. Writes the trace; `--save-applet` keeps the issued applet for `hanko sim card
//! --profile uicc --applet FILE`.

use hanko_crypto::testpki::Pki;
use hanko_sim::scheme::scheme3::mno_tsm::InstallVia;
use hanko_sim::scheme::scheme3::{self, Options, Refusal};
use hanko_sim::scheme::Outcome;
use serde_json::json;
use std::path::PathBuf;

/// How the MNO-TSM's install script travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ViaArg {
    /// SCP80 command packets (remote APDUs, expanded format).
    Ota,
    /// An SCP03 script played by the phone's TSM proxy (RAM over HTTP).
    Ram,
}

pub struct Scheme3Args {
    pub trace: Option<PathBuf>,
    pub seed: u64,
    /// The card PINs the user types, comma-separated; `None`: the test PIN.
    pub pins: Option<String>,
    pub refuse: Option<String>,
    pub via: ViaArg,
    pub save_applet: Option<PathBuf>,
    pub json: bool,
}

/// The names `--refuse` takes, for its help and errors.
pub fn refusal_names() -> String {
    Refusal::ALL.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")
}

/// Ok(output); Err((exit code, message)). A refusal run that ends in its refusal exits 0: the
/// trace and the consistency verdict are the product. An inconsistency after a refusal, or a
/// plain run that does not log in, exits 1.
pub fn run(a: &Scheme3Args) -> Result<String, (u8, String)> {
    let refusal = match &a.refuse {
        None => None,
        Some(name) => Some(
            Refusal::from_name(name)
                .ok_or_else(|| (2, format!("--refuse: unknown kind {name:?} ({})", refusal_names())))?,
        ),
    };
    let mut options = Options {
        seed: a.seed,
        refusal,
        via: match a.via {
            ViaArg::Ota => InstallVia::Ota,
            ViaArg::Ram => InstallVia::Ram,
        },
        check_every_step: true,
        ..Options::default()
    };
    if let Some(p) = &a.pins {
        options.card_pins = p.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
    }
    let pki = std::sync::Arc::new(Pki::generate(a.seed));
    let run = scheme3::run(pki, &options);
    if let Some(path) = &a.trace {
        std::fs::write(path, run.run.to_jsonl()).map_err(|e| (2, format!("{}: {e}", path.display())))?;
    }
    let applet = run
        .world
        .phone
        .uicc
        .applet(&hanko_sim::gp::unhex(scheme3::setup::APPLET_AID).unwrap_or_default())
        .and_then(|a| a.to_json());
    if let Some(path) = &a.save_applet {
        let Some(doc) = &applet else {
            return Err((1, format!("{}: no personalized applet to save (the run did not issue)", path.display())));
        };
        std::fs::write(path, format!("{doc:#}\n")).map_err(|e| (2, format!("{}: {e}", path.display())))?;
    }
    let (outcome, detail) = match &run.run.outcome {
        Outcome::LoggedIn { session } => ("logged_in", session.clone()),
        Outcome::Refused { reason } => ("refused", reason.clone()),
        Outcome::Failed { why } => ("failed", why.clone()),
    };
    let consistent =
        run.world.check_consistency().err().or(run.violation.as_ref().map(|(l, w)| format!("line {l}: {w}")));
    let apdus = run.run.lines.iter().filter(|l| matches!(l.event, hanko_model::trace::Event::Capdu(_))).count();
    let lines = run.run.lines.len() + 1;
    let out = if a.json {
        json!({ "scheme": 3, "outcome": outcome, "detail": detail, "refusal": refusal.map(Refusal::name),
                "consistent": consistent.is_none(), "inconsistency": consistent, "issued": run.world.issued.is_some(),
                "lines": lines, "apdus": apdus, "trace": a.trace.as_ref().map(|p| p.display().to_string()),
                "applet": a.save_applet.as_ref().map(|p| p.display().to_string()) })
        .to_string()
    } else {
        let to = a.trace.as_ref().map_or(String::new(), |p| format!(", trace in {}", p.display()));
        let state = match &consistent {
            None => "UICC, applet, TSMs and J-LIS consistent".to_string(),
            Some(why) => format!("INCONSISTENT: {why}"),
        };
        format!("scheme 3: {outcome} ({detail}); {state}; {lines} trace lines, {apdus} APDUs{to}")
    };
    let failed = consistent.is_some()
        || (refusal.is_none() && outcome != "logged_in")
        || (refusal.is_some() && outcome == "logged_in");
    if failed {
        return Err((1, out));
    }
    Ok(out)
}
