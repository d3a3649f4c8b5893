//! Replaying a recorded card session through the model: the card's every answer must be
//! the one the model predicts. The first deviation is named with its line, what the model
//! expected, what was seen, and the spec rule.
//!
//! Traces are JSON Lines, one message a line, as `hanko sim card --trace` writes them:
//! `{"seq":5,"link":"vpcd","from":"host","to":"card","capdu":"00A4020C020018"}`, then
//! `{"seq":6,"link":"vpcd","from":"card","to":"host","rapdu":"9000"}`; control messages
//! (`"control":"power_on"`, `power_off`, `reset`, `get_atr`) and ATRs (`"atr":…`) too.

use crate::card::{CardModel, Output};

/// One message of a card session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    PowerOn,
    PowerOff,
    Reset,
    /// An ATR request or its answer: carries no state.
    Atr,
    Capdu(Vec<u8>),
    Rapdu(Vec<u8>),
}

/// Where a session departs from the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// 1-based line of the trace.
    pub line: usize,
    pub expected: String,
    pub seen: String,
    /// The rule the model applied (its spec id), if it got that far.
    pub rule: Option<&'static str>,
    /// JSON pointer of that rule in the spec.
    pub spec: Option<&'static str>,
}

impl std::fmt::Display for Deviation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: expected {}, seen {}", self.line, self.expected, self.seen)?;
        if let (Some(rule), Some(spec)) = (self.rule, self.spec) {
            write!(f, " (rule {rule}, {spec})")?;
        }
        Ok(())
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

/// Reads one trace line; `Ok(None)` for a line that is not a card message (blank).
pub fn parse_line(line: &str) -> Result<Option<Event>, String> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let field = |k: &str| v.get(k).and_then(|x| x.as_str());
    if let Some(c) = field("control") {
        return match c {
            "power_on" => Ok(Some(Event::PowerOn)),
            "power_off" => Ok(Some(Event::PowerOff)),
            "reset" => Ok(Some(Event::Reset)),
            "get_atr" => Ok(Some(Event::Atr)),
            other => Err(format!("unknown control {other:?}")),
        };
    }
    if field("atr").is_some() {
        return Ok(Some(Event::Atr));
    }
    for (key, make) in [("capdu", Event::Capdu as fn(Vec<u8>) -> Event), ("rapdu", Event::Rapdu)] {
        if let Some(h) = field(key) {
            return unhex(h).map(|b| Some(make(b))).ok_or_else(|| format!("{key} is not hex"));
        }
    }
    Err("a line holds control, atr, capdu or rapdu".into())
}

/// Replays `events` (with their trace line numbers) through `model`. Returns how many
/// exchanges conformed, or the first deviation.
pub fn replay(model: &mut CardModel, events: &[(usize, Event)]) -> Result<usize, Deviation> {
    let mut pending: Option<(usize, Vec<u8>)> = None;
    let mut exchanges = 0;
    for (line, event) in events {
        let line = *line;
        match event {
            Event::PowerOn | Event::Reset => {
                model.power_on();
            }
            Event::PowerOff => model.power_off(),
            Event::Atr => {}
            Event::Capdu(c) => {
                if let Some((l, _)) = pending {
                    return Err(Deviation { line, expected: format!("the answer to line {l}"), seen: "another C-APDU".into(), rule: None, spec: None });
                }
                pending = Some((line, c.clone()));
            }
            Event::Rapdu(seen) => {
                let Some((_, capdu)) = pending.take() else {
                    return Err(Deviation { line, expected: "a C-APDU".into(), seen: "an R-APDU with no command".into(), rule: None, spec: None });
                };
                let seen_data = seen.get(..seen.len().saturating_sub(2)).unwrap_or_default().to_vec();
                let mut length_problem = None;
                // Signatures and random bytes are not determined: take the card's, if their
                // length is right.
                let mut fill = |o: &Output| {
                    let want = match o {
                        Output::Signature { .. } => 256,
                        Output::Random(n) => *n,
                        _ => 0,
                    };
                    if seen_data.len() != want {
                        length_problem = Some(want);
                    }
                    seen_data.clone()
                };
                let (rule, expected) = model.respond(&capdu, &mut fill);
                let info = rule.info();
                if let Some(want) = length_problem {
                    return Err(Deviation { line, expected: format!("{want} bytes of data"), seen: format!("{} bytes", seen_data.len()), rule: Some(info.id), spec: Some(info.spec) });
                }
                if &expected != seen {
                    return Err(Deviation { line, expected: hex(&expected), seen: hex(seen), rule: Some(info.id), spec: Some(info.spec) });
                }
                exchanges += 1;
            }
        }
    }
    Ok(exchanges)
}

/// Parses a whole trace; the error names the line.
pub fn parse_trace(text: &str) -> Result<Vec<(usize, Event)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match parse_line(line) {
            Ok(Some(e)) => out.push((i + 1, e)),
            Ok(None) => {}
            Err(e) => return Err(format!("line {}: {e}", i + 1)),
        }
    }
    Ok(out)
}
