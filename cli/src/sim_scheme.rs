//! `hanko sim scheme 1|2`: a scheme end to end in process — PC application, relay, phone,
//! portal and the virtual card — writing the trace of the run.

use hanko_crypto::testpki::Pki;
use hanko_sim::scheme::{self, Options, Outcome};
use serde_json::json;
use std::path::PathBuf;

pub struct SchemeArgs {
    pub scheme: u8,
    pub trace: Option<PathBuf>,
    pub seed: u64,
    /// PINs the user types, comma-separated; `None`: the test PIN.
    pub pins: Option<String>,
    pub json: bool,
}

/// Ok(output); Err((exit code, message)). A run whose login fails still exits 0: the trace is
/// the product, and `hanko check` judges it.
pub fn run(a: &SchemeArgs) -> Result<String, (u8, String)> {
    let mut options = Options { seed: a.seed, ..Options::default() };
    if let Some(p) = &a.pins {
        options.pins = p.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
    }
    let pki = std::sync::Arc::new(Pki::generate(a.seed));
    let run = scheme::run(a.scheme, pki, &options).map_err(|e| (2, e))?;
    if let Some(path) = &a.trace {
        std::fs::write(path, run.to_jsonl()).map_err(|e| (2, format!("{}: {e}", path.display())))?;
    }
    let (outcome, detail) = match &run.outcome {
        Outcome::LoggedIn { session } => ("logged_in", session.clone()),
        Outcome::Refused { reason } => ("refused", reason.clone()),
        Outcome::Failed { why } => ("failed", why.clone()),
    };
    let apdus = run.lines.iter().filter(|l| matches!(l.event, hanko_model::trace::Event::Capdu(_))).count();
    Ok(if a.json {
        json!({ "scheme": a.scheme, "outcome": outcome, "detail": detail, "lines": run.lines.len() + 1, "apdus": apdus,
                "trace": a.trace.as_ref().map(|p| p.display().to_string()) })
        .to_string()
    } else {
        let to = a.trace.as_ref().map_or(String::new(), |p| format!(", trace in {}", p.display()));
        format!("scheme {}: {outcome} ({detail}); {} trace lines, {apdus} APDUs{to}", a.scheme, run.lines.len() + 1)
    })
}
