//! Importers: real logs of card sessions turned into traces, so that a session between real
//! middleware and a real (or virtual) card can be checked against the model.
//!
//! - [`pcscd`]: the APDU log of pcsc-lite's daemon (`pcscd --apdu --debug`);
//! - [`opensc`]: OpenSC's debug log (`debug = 9` in opensc.conf, or `OPENSC_DEBUG=9`).
//!
//! Both see the reader side only: commands, answers and the power events the log states. The
//! trace names the reader `host` and the card `card`, on link `pcsc`; each trace line remembers
//! the log line it came from, so that a deviation can be shown where the log has it.

pub mod opensc;
pub mod pcscd;

use super::{Actor, Control, Event, Line, Link};
use std::fmt;

/// The largest log an importer reads (the CLI refuses larger files before that).
pub const MAX_LOG_BYTES: usize = 64 * 1024 * 1024;

/// A log turned into a trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Imported {
    pub lines: Vec<Line>,
    /// For each trace line, the 1-based log line it was read from.
    pub sources: Vec<usize>,
}

impl Imported {
    fn push(&mut self, source: usize, event: Event) {
        let seq = self.lines.len() as u64 + 1;
        let (from, to) = match event {
            Event::Rapdu(_) | Event::Atr(_) => (Actor::Card, Actor::Host),
            _ => (Actor::Host, Actor::Card),
        };
        let mut line = Line::new(seq, Link::Pcsc, from, to, event);
        // Numbered as in [`Imported::to_jsonl`], whose line 1 is the header.
        line.line_no = self.lines.len() + 2;
        self.lines.push(line);
        self.sources.push(source);
    }

    fn control(&mut self, source: usize, c: Control) {
        self.push(source, Event::Control(c));
    }

    /// The trace as JSON Lines text, with the header.
    pub fn to_jsonl(&self) -> String {
        let mut out = super::write_line(&Line::header(None));
        out.push('\n');
        for l in &self.lines {
            out.push_str(&super::write_line(l));
            out.push('\n');
        }
        out
    }

    /// The log line behind trace line `line_no` (numbered as in [`Imported::to_jsonl`]).
    pub fn source_of(&self, line_no: usize) -> Option<usize> {
        self.sources.get(line_no.checked_sub(2)?).copied()
    }
}

/// A log line the importer cannot read: which line, at which byte (1-based), why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    pub line: usize,
    pub column: usize,
    pub what: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "log line {}, byte {}: {}", self.line, self.column, self.what)
    }
}

impl std::error::Error for ImportError {}

/// Reads space-separated hex bytes (`00 A4 04 0C`) from the start of `s`, stopping at the
/// first token that is not exactly two hex digits. Returns the bytes and where they stopped.
fn hex_bytes(s: &str, out: &mut Vec<u8>) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let pair = (b.get(i).copied(), b.get(i + 1).copied(), b.get(i + 2).copied());
        match pair {
            (Some(h), Some(l), end)
                if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() && matches!(end, None | Some(b' ')) =>
            {
                let v = |d: u8| (d as char).to_digit(16).unwrap_or(0) as u8;
                out.push(v(h) << 4 | v(l));
                i += 2;
            }
            _ => return i,
        }
    }
}

/// Drops ANSI colour sequences (`ESC [ … m`): pcscd colours its log on a terminal.
fn strip_colour(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('\u{1b}') {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}
