//! `hanko`: decode JPKI card traffic and files, and run the end-to-end demo.
//!
//! Exit codes: 0 success; 1 a check failed; 2 unreadable input or bad usage, with one line
//! on standard error saying what and where.

mod decode;
mod demo;
mod input;
mod render;

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
}

fn fail(message: &str) -> ExitCode {
    eprintln!("hanko: {message}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
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
