//! `hanko`: decode JPKI card traffic and files, and run the end-to-end demo.
//!
//! Exit codes: 0 success; 1 a check failed; 2 unreadable input or bad usage, with one line
//! on standard error saying what and where.

mod check;
mod decode;
mod demo;
mod demo_card;
mod input;
mod render;
mod sim;
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
        #[arg(long)]
        json: bool,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Verify { what: VerifyCmd::Chain { cert, anchors, intermediates, crls, at, purpose, allow_sha1, json } } => {
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
        Cmd::Check { trace, profile, seed, pins, json } => {
            match check::run(&check::CheckArgs { trace: &trace, profile, seed, pins: pins.as_deref(), json }) {
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
        Cmd::Sim { what: SimCmd::Card { vpcd, profile, trace, state, pins, seed, verbose } } => {
            match sim::card(&sim::CardArgs { vpcd, profile, trace, state, pins, seed, verbose }) {
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
        Cmd::Decode { format, input, json, ap, fid } => {
            let file = if format == decode::Format::Ef {
                match decode::file_id(ap.as_deref(), fid.as_deref()) {
                    Ok(id) => Some(id),
                    Err(e) => return fail(&e),
                }
            } else {
                None
            };
            let bytes = match input::read(&input) {
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
