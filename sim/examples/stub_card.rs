//! The least card that OpenSC's `jpki` driver recognises, served to vpcd: proves the
//! pcscd → vpcd → hanko path before the real virtual card exists, and is what
//! `.ci/pcsc/apdu_rate.py` measures against.
//!
//! ```text
//! cargo run -p hanko-sim --example stub_card -- [ADDR] [--no-quickack] [--trace FILE] [-v]
//! ```
//!
//! ADDR defaults to 127.0.0.1:35963. It answers SELECT of the JPKI AP and SELECT EF (any FID)
//! with 9000, an empty VERIFY `00 20 00 80` with 63C3, anything else with 6D00. It runs
//! until killed, reconnecting whenever pcscd restarts.

use std::fs::File;
use std::net::SocketAddr;
use std::process::ExitCode;

use hanko_sim::transport::Card;
use hanko_sim::vpcd::{self, JsonLinesTrace, ServeOptions, TraceSink};

/// OpenSC's `jpki` driver matches the card by this ATR alone.
const ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
const SELECT_JPKI_AP: [u8; 15] =
    [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

struct StubCard;

impl Card for StubCard {
    fn power_on(&mut self) -> Vec<u8> {
        ATR.to_vec()
    }
    fn power_off(&mut self) {}
    fn reset(&mut self) -> Vec<u8> {
        ATR.to_vec()
    }
    fn process(&mut self, capdu: &[u8]) -> Vec<u8> {
        let sw: [u8; 2] = match capdu {
            c if c == SELECT_JPKI_AP => [0x90, 0x00],
            [0x00, 0xA4, 0x02, 0x0C, 0x02, _, _] => [0x90, 0x00],
            // Empty VERIFY asks for the retry counter: 3 tries left.
            [0x00, 0x20, 0x00, 0x80] => [0x63, 0xC3],
            _ => [0x6D, 0x00],
        };
        sw.to_vec()
    }
}

fn main() -> ExitCode {
    let mut addr = vpcd::DEFAULT_ADDR;
    let mut opts = ServeOptions { verbose: true, ..Default::default() };
    let mut trace_file: Option<File> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-quickack" => opts.quickack = false,
            "-q" | "--quiet" => opts.verbose = false,
            "--trace" => {
                let Some(path) = args.next() else {
                    eprintln!("--trace needs a file");
                    return ExitCode::from(2);
                };
                match File::create(&path) {
                    Ok(f) => trace_file = Some(f),
                    Err(e) => {
                        eprintln!("{path}: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            other => match other.parse::<SocketAddr>() {
                Ok(a) => addr = a,
                Err(_) => {
                    eprintln!("usage: stub_card [ADDR] [--no-quickack] [--trace FILE] [-q]");
                    return ExitCode::from(2);
                }
            },
        }
    }
    let mut trace = trace_file.map(JsonLinesTrace::new);
    let sink = trace.as_mut().map(|t| t as &mut dyn TraceSink);
    match vpcd::serve(addr, &mut StubCard, &opts, sink) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stub_card: {e}");
            ExitCode::FAILURE
        }
    }
}
