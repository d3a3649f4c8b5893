//! OpenSC's debug log (`debug = 9; debug_file = …;` in opensc.conf, or `OPENSC_DEBUG=9`;
//! OpenSC 0.23 checked):
//!
//! ```text
//! P:28139; T:0x140170473764928 19:44:56.801 [pkcs15-tool] reader-pcsc.c:335:pcsc_transmit:
//! Outgoing APDU (7 bytes):
//! 00 A4 02 0C 02 00 18 .......
//!
//! Incoming APDU (2 bytes):
//! 90 00 ..
//! ```
//!
//! A dump is the byte count, then 16 bytes a line in hex followed by their ASCII; the count is
//! what is read (the ASCII column can look like hex). Power events: every `Reconnecting to the
//! card...` is a reset (OpenSC reconnects to reset, to force a protocol by a power cycle, or
//! because another application reset the card); a disconnect or the end of a transaction is a
//! reset or a power-off when that process's `PC/SC options:` line says `disconnect_action` or
//! `transaction_end_action` 1 (reset) or 2 (unpower). Several processes may write one file;
//! they all talk to the same card, as in the OpenSC test.

use super::{hex_bytes, ImportError, Imported};
use crate::trace::{Control, Event};
use std::collections::BTreeMap;

/// Most bytes one dump may announce: an extended R-APDU.
const MAX_DUMP: usize = 65_538;

/// What a process does to the card on disconnect and at the end of a transaction.
#[derive(Clone, Copy, Default)]
struct Actions {
    disconnect: u8,
    transaction_end: u8,
}

fn action(code: u8) -> Option<Control> {
    match code {
        1 => Some(Control::Reset),
        2 | 3 => Some(Control::PowerOff),
        _ => None,
    }
}

/// Reads an OpenSC debug log.
pub fn import(log: &str) -> Result<Imported, ImportError> {
    if log.len() > super::MAX_LOG_BYTES {
        return Err(ImportError {
            line: 1,
            column: 1,
            what: format!("log larger than {} bytes", super::MAX_LOG_BYTES),
        });
    }
    let mut out = Imported::default();
    let mut actions: BTreeMap<String, Actions> = BTreeMap::new();
    let mut lines = log.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let n = i + 1;
        let line = raw.trim_end();
        if let Some(rest) = line.strip_prefix("P:") {
            let process = rest.split(';').next().unwrap_or("").to_string();
            if let Some(opts) = line.split_once("PC/SC options:").map(|(_, o)| o) {
                let get = |key: &str| {
                    opts.split_whitespace()
                        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse::<u8>().ok())
                        .unwrap_or(0)
                };
                actions.insert(
                    process.clone(),
                    Actions { disconnect: get("disconnect_action"), transaction_end: get("transaction_end_action") },
                );
            }
            let acts = actions.get(&process).copied().unwrap_or_default();
            if line.contains("Reconnecting to the card...") {
                out.control(n, Control::Reset);
            } else if line.contains("SCardDisconnect returned") {
                if let Some(c) = action(acts.disconnect) {
                    out.control(n, c);
                }
            } else if line.contains(":pcsc_unlock: called") {
                if let Some(c) = action(acts.transaction_end) {
                    out.control(n, c);
                }
            }
            continue;
        }
        let (outgoing, rest) = if let Some(r) = line.strip_prefix("Outgoing APDU (") {
            (true, r)
        } else if let Some(r) = line.strip_prefix("Incoming APDU (") {
            (false, r)
        } else {
            continue;
        };
        let count =
            rest.strip_suffix(" bytes):").and_then(|c| c.parse::<usize>().ok()).filter(|c| *c <= MAX_DUMP).ok_or_else(
                || ImportError {
                    line: n,
                    column: line.len() - rest.len() + 1,
                    what: format!("expected a byte count up to {MAX_DUMP} and \" bytes):\""),
                },
            )?;
        let mut bytes = Vec::with_capacity(count);
        while bytes.len() < count {
            let Some((j, dump)) = lines.next() else {
                return Err(ImportError {
                    line: n,
                    column: 1,
                    what: format!("the dump ends after {} of its {count} bytes", bytes.len()),
                });
            };
            let want = (count - bytes.len()).min(16);
            let mut row = Vec::with_capacity(16);
            hex_bytes(dump, &mut row);
            if row.len() < want {
                return Err(ImportError {
                    line: j + 1,
                    column: 1,
                    what: format!("expected {want} hex bytes, found {}", row.len()),
                });
            }
            // Past `want` the row's ASCII column may have read as hex: drop it.
            row.truncate(want);
            bytes.extend_from_slice(&row);
        }
        out.push(n, if outgoing { Event::Capdu(bytes) } else { Event::Rapdu(bytes) });
    }
    Ok(out)
}
