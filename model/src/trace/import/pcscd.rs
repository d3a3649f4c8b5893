//! pcsc-lite's daemon log (`pcscd --foreground --apdu --debug`, pcsc-lite 1.9.9 checked):
//!
//! ```text
//! 00000002 APDU: 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01
//! 00000236 SW: 90 00
//! 00000000 eventhandler.c:423:EHStatusHandlerThread() Card inserted into Virtual PCD 00 00
//! ```
//!
//! Every line starts with the microseconds since the previous line (newer versions add the
//! thread id in brackets). `APDU:` is the command, `SW:` the whole answer (data and status
//! word). Power events are read from the daemon's own messages: a card inserted or powered up
//! (`Card inserted into`, `power up complete.`) is a power-on, `Reset complete.` a reset, a
//! card removed or powered down (`Card Removed From`, `powerState: POWER_STATE_UNPOWERED`) a
//! power-off. Everything else is ignored.
//!
//! The log does not say which reader an APDU went to: a log of one card in one reader
//! (the OpenSC test's) is what this reads. pcsc-lite before 1.9 truncated long hex dumps
//! at 2048 characters; such an answer then shows as too short.

use super::{hex_bytes, strip_colour, ImportError, Imported};
use crate::trace::{Control, Event};

/// Reads a pcscd log.
pub fn import(log: &str) -> Result<Imported, ImportError> {
    if log.len() > super::MAX_LOG_BYTES {
        return Err(ImportError {
            line: 1,
            column: 1,
            what: format!("log larger than {} bytes", super::MAX_LOG_BYTES),
        });
    }
    let mut out = Imported::default();
    let mut clock: u64 = 0;
    for (i, raw) in log.lines().enumerate() {
        let n = i + 1;
        let line = strip_colour(raw);
        let line = line.trim_end();
        // The delta time: eight or more digits, then a space.
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        if digits < 8 || line.as_bytes().get(digits) != Some(&b' ') {
            continue;
        }
        clock = clock.saturating_add(line[..digits].parse::<u64>().unwrap_or(0));
        let mut rest = &line[digits + 1..];
        if let Some(after) = rest.strip_prefix('[').and_then(|r| r.split_once("] ")).map(|(_, r)| r) {
            rest = after;
        }
        let offset = line.len() - rest.len();
        let event = if let Some(hex) = rest.strip_prefix("APDU: ") {
            Some(Event::Capdu(bytes(hex, n, offset + 6, 1)?))
        } else if let Some(hex) = rest.strip_prefix("SW: ") {
            Some(Event::Rapdu(bytes(hex, n, offset + 4, 1)?))
        } else if rest.contains("() Card inserted into ") || rest.contains("() power up complete.") {
            Some(Event::Control(Control::PowerOn))
        } else if rest.contains("() Reset complete.") {
            Some(Event::Control(Control::Reset))
        } else if rest.contains("() Card Removed From ") || rest.contains("() powerState: POWER_STATE_UNPOWERED") {
            Some(Event::Control(Control::PowerOff))
        } else {
            None
        };
        if let Some(e) = event {
            out.push(n, e);
            if let Some(l) = out.lines.last_mut() {
                l.at_us = Some(clock);
            }
        }
    }
    Ok(out)
}

/// The hex bytes of an `APDU:` or `SW:` line, at least `min` of them and nothing else.
fn bytes(hex: &str, line: usize, column: usize, min: usize) -> Result<Vec<u8>, ImportError> {
    let mut out = Vec::new();
    let end = hex_bytes(hex, &mut out);
    if end < hex.trim_end().len() {
        return Err(ImportError { line, column: column + end + 1, what: "expected a hex byte".into() });
    }
    if out.len() < min {
        return Err(ImportError { line, column: column + 1, what: format!("{} bytes, fewer than {min}", out.len()) });
    }
    Ok(out)
}
