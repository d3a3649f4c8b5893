//! The line writer: the one place that decides how a [`Line`] is spelled, so that everything
//! the simulators, importers and the model write reads back through [`super::parse_line`]
//! unchanged. Keys come in a fixed order (seq, link, from, to, payload, fields, at_us).

use super::{Event, Line, FORMAT};
use std::fmt::Write as _;

/// Upper-case hex, the spelling of every byte string in a trace.
pub fn hex_upper(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0F)] as char);
    }
    s
}

fn json_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// `line` as one JSON object, without the newline. `line_no` is not written.
pub fn write_line(line: &Line) -> String {
    let mut out = String::with_capacity(96);
    out.push('{');
    let mut sep = "";
    let mut put = |out: &mut String, key: &str, value: &str| {
        let _ = write!(out, "{sep}\"{key}\":{value}");
        sep = ",";
    };
    if let Event::Header { scheme, abstract_cards } = &line.event {
        put(&mut out, "trace", &json_str(FORMAT));
        if let Some(s) = scheme {
            put(&mut out, "scheme", &s.to_string());
        }
        if *abstract_cards {
            put(&mut out, "cards", &json_str("abstract"));
        }
        out.push('}');
        return out;
    }
    if let Some(seq) = line.seq {
        put(&mut out, "seq", &seq.to_string());
    }
    if let Some(link) = line.link {
        put(&mut out, "link", &json_str(link.name()));
    }
    if let Some(from) = line.from {
        put(&mut out, "from", &json_str(from.name()));
    }
    if let Some(to) = line.to {
        put(&mut out, "to", &json_str(to.name()));
    }
    match &line.event {
        Event::Header { .. } => {}
        Event::Capdu(b) => put(&mut out, "capdu", &json_str(&hex_upper(b))),
        Event::Rapdu(b) => put(&mut out, "rapdu", &json_str(&hex_upper(b))),
        Event::Atr(b) => put(&mut out, "atr", &json_str(&hex_upper(b))),
        Event::Control(c) => put(&mut out, "control", &json_str(&c.name())),
        Event::Message { id, fields } => {
            put(&mut out, "msg", &json_str(id));
            put(&mut out, "fields", &serde_json::Value::Object(fields.clone()).to_string());
        }
        Event::Crash { actor } => {
            put(&mut out, "event", &json_str("crash"));
            put(&mut out, "actor", &json_str(actor.name()));
        }
        Event::Happened { actor, id, value } => {
            put(&mut out, "event", &json_str(id));
            put(&mut out, "actor", &json_str(actor.name()));
            if *value != 0 {
                put(&mut out, "value", &value.to_string());
            }
        }
    }
    if let Some(t) = line.at_us {
        put(&mut out, "at_us", &t.to_string());
    }
    out.push('}');
    out
}
