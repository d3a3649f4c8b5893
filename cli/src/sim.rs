//! `hanko sim card`: the virtual My Number card behind Debian's vpcd, so that PC/SC software
//! (OpenSC, a vendor's middleware) talks to it as to a real card in a reader.

use hanko_crypto::testpki::Pki;
use hanko_sim::card::VirtualCard;
use hanko_sim::card_data::Pins;
use hanko_sim::vpcd::{self, JsonLinesTrace, ServeOptions};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProfileArg {
    /// My Number card: all applications (JPKIAPICCTOKEN2).
    Plastic,
    /// Android secure element: JPKI AP only, authentication certificate behind the PIN.
    GpSe,
    /// Scheme-3 sub-certificate applet in the UICC (project-defined).
    Uicc,
}

impl ProfileArg {
    pub fn id(self) -> &'static str {
        match self {
            Self::Plastic => "plastic",
            Self::GpSe => "gp_se",
            Self::Uicc => "uicc",
        }
    }
}

pub struct CardArgs {
    pub vpcd: std::net::SocketAddr,
    pub profile: ProfileArg,
    pub trace: Option<PathBuf>,
    pub state: Option<PathBuf>,
    pub pins: Option<String>,
    pub seed: u64,
    pub verbose: bool,
    /// A scheme-3 applet file to serve instead of the test PKI's card (UICC profile only).
    pub applet: Option<PathBuf>,
}

/// Serves until killed. Counters are on disk after every APDU (with `--state`), so a kill
/// loses nothing.
pub fn card(a: &CardArgs) -> Result<(), String> {
    let profile = hanko_model::profile(a.profile.id()).ok_or("profile missing from the spec")?;
    if let Some(path) = &a.applet {
        return serve_applet(a, profile, path);
    }
    let pins = Pins::parse(a.pins.as_deref().unwrap_or(""))?;
    let mut card = VirtualCard::new(Pki::generate(a.seed), profile, &pins);
    if let Some(state) = &a.state {
        card = card.with_state(state)?;
    }
    let mut trace = match &a.trace {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(JsonLinesTrace::new(file))
        }
        None => None,
    };
    let opts = ServeOptions { verbose: a.verbose, ..ServeOptions::default() };
    eprintln!("hanko sim card: {} ({}) for vpcd at {}", profile.name, profile.token_label, a.vpcd);
    let sink = trace.as_mut().map(|t| t as &mut dyn vpcd::TraceSink);
    vpcd::serve(a.vpcd, &mut card, &opts, sink).map_err(|e| format!("vpcd {}: {e}", a.vpcd))
}

/// `--applet FILE`: the issued scheme-3 applet (its sub certificate and key), whose file is its
/// state.
fn serve_applet(a: &CardArgs, profile: &'static hanko_model::Profile, path: &std::path::Path) -> Result<(), String> {
    if a.profile != ProfileArg::Uicc {
        return Err("--applet serves the UICC applet: use it with --profile uicc".into());
    }
    if a.state.is_some() || a.pins.is_some() {
        return Err("--applet keeps its own PIN and counter in the applet file: drop --state and --pins".into());
    }
    let mut card = hanko_sim::gp::applet::AppletFile::open(profile, path, a.seed)?;
    let mut trace = match &a.trace {
        Some(t) => Some(JsonLinesTrace::new(std::fs::File::create(t).map_err(|e| format!("{}: {e}", t.display()))?)),
        None => None,
    };
    let opts = ServeOptions { verbose: a.verbose, ..ServeOptions::default() };
    eprintln!(
        "hanko sim card: the scheme-3 applet of {} ({}) for vpcd at {}",
        path.display(),
        profile.token_label,
        a.vpcd
    );
    let sink = trace.as_mut().map(|t| t as &mut dyn vpcd::TraceSink);
    vpcd::serve(a.vpcd, &mut card, &opts, sink).map_err(|e| format!("vpcd {}: {e}", a.vpcd))
}
