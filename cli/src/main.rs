//! `hanko`: decode JPKI card traffic and files, and run the end-to-end demo.
//!
//! Exit codes: 0 success; 1 a check failed; 2 unreadable input or bad usage, with one line
//! on standard error saying what and where.

mod check;
mod decode;
mod decode_msg;
mod decode_tsm;
mod demo;
mod demo_card;
mod demo_schemes;
mod input;
mod model;
mod render;
mod sim;
mod sim_scheme;
mod sim_scheme3;
mod testdata;
mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "hanko", version, about = "JPKI (公的個人認証) protocol toolkit: codecs, model, simulators")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Runs the demo: the real-card APDU walk-through, decoded step by step.
    Demo {
        /// Print the decoded steps as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Decodes bytes: a C-APDU, R-APDU, BER-TLV, SIMPLE-TLV or a card file.
    Decode {
        #[arg(value_enum)]
        format: decode::Format,
        /// HEX (spaces and colons allowed), @FILE (hex text or raw bytes), or - for standard input.
        input: String,
        /// Print the stable JSON form instead of the tree.
        #[arg(long)]
        json: bool,
        /// With `ef`: the application (jpki, text, surface, resident, common).
        #[arg(long)]
        ap: Option<String>,
        /// With `ef`: the file identifier, four hex digits.
        #[arg(long)]
        fid: Option<String>,
        /// With `scp80-*`: the ciphering key (KIc), hex; the packet is deciphered.
        #[arg(long)]
        kic_key: Option<String>,
        /// With `scp80-*`: the checksum key (KID), hex; the CC is checked.
        #[arg(long)]
        kid_key: Option<String>,
        /// With `scp80-response`: the command's SPI (4 hex digits), which says how the PoR is secured.
        #[arg(long)]
        spi: Option<String>,
        /// With `scp80-response`: the command's KIc byte.
        #[arg(long)]
        kic: Option<String>,
        /// With `scp80-response`: the command's KID byte.
        #[arg(long)]
        kid: Option<String>,
        /// With `gp`: the input is the R-APDU answering this command: an INS (F2), a command id
        /// (gp.get_status), the command's C-APDU, or a layout id (gp.select_response).
        #[arg(long)]
        response_to: Option<String>,
    },
    /// Verifies a certificate chain or a signature.
    Verify {
        #[command(subcommand)]
        what: VerifyCmd,
    },
    /// Replays a recorded card session (JSON Lines) through the card model.
    Check {
        trace: String,
        /// The card profile the session was recorded with.
        #[arg(long, value_enum, default_value = "plastic")]
        profile: sim::ProfileArg,
        /// Seed of the test PKI the card carried.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The PIN overrides the card was started with.
        #[arg(long)]
        pins: Option<String>,
        /// Read TRACE as a log of this kind and check the trace it gives.
        #[arg(long, value_enum)]
        import: Option<check::ImportArg>,
        /// Also check the flow level against this scheme's model (a header naming a scheme wins).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
        scheme: Option<u8>,
        #[arg(long)]
        json: bool,
    },
    /// Checks the scheme models exhaustively, or draws them.
    Model {
        #[command(subcommand)]
        what: ModelCmd,
    },
    /// Runs a simulator.
    Sim {
        #[command(subcommand)]
        what: SimCmd,
    },
    /// Generates test data.
    Testdata {
        #[command(subcommand)]
        what: TestdataCmd,
    },
}

#[derive(Subcommand)]
enum VerifyCmd {
    /// Validates CERT up to one of the anchors: signatures, validity, KeyUsage,
    /// BasicConstraints, AKI/SKI, critical extensions, revocation by the given CRLs.
    Chain {
        /// End-entity certificate, DER or PEM.
        cert: String,
        /// Trusted CA certificate (repeatable).
        #[arg(long = "anchor", required = true)]
        anchors: Vec<String>,
        /// Intermediate CA certificate (repeatable).
        #[arg(long = "intermediate")]
        intermediates: Vec<String>,
        /// CRL, DER or PEM (repeatable).
        #[arg(long = "crl")]
        crls: Vec<String>,
        /// Check at this time (RFC 3339, e.g. 2026-11-24T00:00:00Z) instead of now.
        #[arg(long)]
        at: Option<String>,
        /// Required purpose; without it, taken from the certificate's policy OID.
        #[arg(long, value_enum)]
        purpose: Option<verify::PurposeArg>,
        /// Accept SHA-1 signatures (reported as such).
        #[arg(long)]
        allow_sha1: bool,
        #[arg(long)]
        json: bool,
    },
    /// Verifies SIG over the contents of DATA under the key of CERT.
    Signature {
        #[arg(long)]
        cert: String,
        #[arg(long)]
        data: String,
        #[arg(long)]
        sig: String,
        #[arg(long, value_enum, default_value = "sha256")]
        digest: verify::DigestArg,
        #[arg(long, value_enum, default_value = "pkcs1")]
        scheme: verify::SchemeArg,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SimCmd {
    /// The virtual My Number card, served to pcscd through vsmartcard-vpcd.
    Card {
        /// vpcd's address (Debian's /etc/reader.conf.d/vpcd listens on 127.0.0.1:35963).
        #[arg(long, default_value = "127.0.0.1:35963")]
        vpcd: std::net::SocketAddr,
        #[arg(long, value_enum, default_value = "plastic")]
        profile: sim::ProfileArg,
        /// Write every message as JSON Lines.
        #[arg(long)]
        trace: Option<std::path::PathBuf>,
        /// Keep PIN counters (and changed PINs) in this file, replaced atomically.
        #[arg(long)]
        state: Option<std::path::PathBuf>,
        /// Override test credentials: auth=1234,sign=ABC123,text=1234,number_a=…,number_b=…,birth=…,common=…
        #[arg(long)]
        pins: Option<String>,
        /// Seed of the test PKI whose keys and certificates the card carries.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Report connections to vpcd on standard error.
        #[arg(long)]
        verbose: bool,
        /// With `--profile uicc`: serve the applet saved by `hanko sim scheme 3 --save-applet`
        /// (the file keeps its PIN counter).
        #[arg(long)]
        applet: Option<std::path::PathBuf>,
    },
    /// A scheme end to end in process (PC, relay, phone, portal, virtual card), with its trace.
    Scheme {
        /// 1: the phone as the PC's NFC reader; 2: the phone as reader and client; 3: the sub
        /// certificate issued into the UICC, then a login with it.
        #[arg(value_parser = clap::value_parser!(u8).range(1..=3))]
        scheme: u8,
        /// Write the run's trace (JSON Lines) here.
        #[arg(long)]
        trace: Option<std::path::PathBuf>,
        /// Seed of the test PKI and of the portal's and relay's randomness.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The PINs the user types, in order, comma-separated (default: the test PIN 1234).
        #[arg(long)]
        pins: Option<String>,
        #[arg(long)]
        json: bool,
        /// Scheme 3: end in this refusal (wrong-code, expired-code, replayed-counter, bad-mac,
        /// personalize-first, main-revoked) and check that nothing is half-written.
        #[arg(long)]
        refuse: Option<String>,
        /// Scheme 3: how the MNO-TSM's install script reaches the UICC.
        #[arg(long, value_enum, default_value = "ota")]
        via: sim_scheme3::ViaArg,
        /// Scheme 3: save the issued applet here, for `hanko sim card --profile uicc --applet`.
        #[arg(long)]
        save_applet: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum TestdataCmd {
    /// Writes the deterministic test PKI (CAs, certificates, keys, CRL, text-AP files).
    Pki {
        #[arg(long)]
        out: std::path::PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn finish(outcome: verify::Outcome, json: bool) -> ExitCode {
    match outcome {
        verify::Outcome::Ok(out) => {
            println!("{}", out.trim_end());
            ExitCode::SUCCESS
        }
        verify::Outcome::CheckFailed { message, json: doc } => {
            if let (true, Some(doc)) = (json, doc) {
                println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            }
            eprintln!("hanko: {message}");
            ExitCode::from(1)
        }
        verify::Outcome::BadInput(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("hanko: {message}");
    ExitCode::from(2)
}

#[derive(Subcommand)]
enum ModelCmd {
    /// Explores every state of a scheme's model and judges each named property.
    Check {
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
        scheme: u8,
        /// An unordered network that may lose one message and duplicate one.
        #[arg(long)]
        lossy: bool,
        /// Actor crashes (losing volatile state) in one run.
        #[arg(long, default_value_t = 0)]
        crashes: u8,
        /// Attacker moves in one run.
        #[arg(long, default_value_t = 1)]
        attacks: u8,
        /// Worker threads (default: the machine's).
        #[arg(long)]
        threads: Option<usize>,
        /// Stop after this many seconds; open verdicts are then "unknown" and the check fails.
        #[arg(long)]
        timeout: Option<u64>,
        /// Write a violated property's counterexample trace here (default: a temporary file).
        #[arg(long)]
        counterexample: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
        /// A test-only broken variant of the model.
        #[arg(long, hide = true)]
        mutation: Option<String>,
    },
    /// Prints the scheme's state machines as Graphviz.
    Dot {
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
        scheme: u8,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Model {
            what: ModelCmd::Check { scheme, lossy, crashes, attacks, threads, timeout, counterexample, json, mutation },
        } => {
            let args =
                model::CheckArgs { scheme, lossy, crashes, attacks, threads, timeout, counterexample, json, mutation };
            match model::check(&args) {
                Ok(out) => {
                    println!("{out}");
                    ExitCode::SUCCESS
                }
                Err((code, message, doc)) => {
                    if let (true, Some(doc)) = (json, doc) {
                        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
                    }
                    eprintln!("hanko: {message}");
                    ExitCode::from(code)
                }
            }
        }
        Cmd::Model { what: ModelCmd::Dot { scheme } } => match model::dot(scheme) {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Cmd::Verify {
            what: VerifyCmd::Chain { cert, anchors, intermediates, crls, at, purpose, allow_sha1, json },
        } => {
            let args = verify::ChainArgs {
                cert: &cert,
                anchors: &anchors,
                intermediates: &intermediates,
                crls: &crls,
                at: at.as_deref(),
                purpose,
                allow_sha1,
                json,
            };
            finish(verify::chain(&args), json)
        }
        Cmd::Verify { what: VerifyCmd::Signature { cert, data, sig, digest, scheme, json } } => {
            finish(verify::signature(&cert, &data, &sig, digest, scheme, json), json)
        }
        Cmd::Check { trace, profile, seed, pins, import, scheme, json } => {
            match check::run(&check::CheckArgs {
                trace: &trace,
                scheme,
                profile,
                seed,
                pins: pins.as_deref(),
                import,
                json,
            }) {
                Ok(out) => {
                    println!("{out}");
                    ExitCode::SUCCESS
                }
                Err((code, message, doc)) => {
                    if let (true, Some(doc)) = (json, doc) {
                        println!("{doc}");
                    }
                    eprintln!("hanko: {message}");
                    ExitCode::from(code)
                }
            }
        }
        Cmd::Sim { what: SimCmd::Scheme { scheme: 3, trace, seed, pins, json, refuse, via, save_applet } } => {
            match sim_scheme3::run(&sim_scheme3::Scheme3Args { trace, seed, pins, refuse, via, save_applet, json }) {
                Ok(out) => {
                    println!("{out}");
                    ExitCode::SUCCESS
                }
                Err((1, out)) => {
                    println!("{out}");
                    ExitCode::from(1)
                }
                Err((code, message)) => {
                    eprintln!("hanko: {message}");
                    ExitCode::from(code)
                }
            }
        }
        Cmd::Sim { what: SimCmd::Scheme { refuse: Some(_), .. } | SimCmd::Scheme { save_applet: Some(_), .. } } => {
            fail("--refuse and --save-applet are for scheme 3")
        }
        Cmd::Sim { what: SimCmd::Scheme { scheme, trace, seed, pins, json, .. } } => {
            match sim_scheme::run(&sim_scheme::SchemeArgs { scheme, trace, seed, pins, json }) {
                Ok(out) => {
                    println!("{out}");
                    ExitCode::SUCCESS
                }
                Err((code, message)) => {
                    eprintln!("hanko: {message}");
                    ExitCode::from(code)
                }
            }
        }
        Cmd::Sim { what: SimCmd::Card { vpcd, profile, trace, state, pins, seed, verbose, applet } } => {
            match sim::card(&sim::CardArgs { vpcd, profile, trace, state, pins, seed, verbose, applet }) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            }
        }
        Cmd::Testdata { what: TestdataCmd::Pki { out, seed } } => match testdata::run(&out, seed) {
            Ok(summary) => {
                println!("{summary}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Cmd::Demo { json } => match demo::run(json) {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Cmd::Decode { format, input, json, ap, fid, kic_key, kid_key, spi, kic, kid, response_to } => {
            if format.is_tsm() {
                let bytes = match input::read(&input) {
                    Ok(b) => b,
                    Err(e) => return fail(&e),
                };
                let args = decode_tsm::TsmArgs { kic_key, kid_key, spi, kic, kid };
                let outcome = match format {
                    decode::Format::Scp80Command => decode_tsm::scp80_command(&bytes, &args, json),
                    decode::Format::Scp80Response => decode_tsm::scp80_response(&bytes, &args, json),
                    _ => decode_tsm::remote_apdu(&bytes, json),
                };
                return outcome.finish(json);
            }
            let file = if format == decode::Format::Ef {
                match decode::file_id(ap.as_deref(), fid.as_deref()) {
                    Ok(id) => Some(id),
                    Err(e) => return fail(&e),
                }
            } else if format == decode::Format::Gp {
                response_to.as_deref()
            } else {
                None
            };
            let read = if format == decode::Format::Tsm { decode_msg::read } else { input::read };
            let bytes = match read(&input) {
                Ok(b) => b,
                Err(e) => return fail(&e),
            };
            match decode::run(format, &bytes, file, json) {
                Ok(out) => {
                    println!("{}", out.trim_end());
                    ExitCode::SUCCESS
                }
                Err(f) => {
                    if json {
                        if let Some(j) = f.json {
                            println!("{}", serde_json::to_string_pretty(&j).unwrap_or_default());
                        }
                    }
                    fail(&f.message)
                }
            }
        }
    }
}
