//! Structure-aware trace lines (`spec/trace/trace.schema.json`): arbitrary lines of every
//! kind — header, C-APDU, R-APDU, power control, ATR, flow message with nested fields, crash,
//! an actor's own event — written by `hanko_model::trace::write_line`, joined with blank lines
//! here and there,
//! and read back by the trace reader, which must return the very lines written, at their
//! line numbers. Nothing else reads traces, so there is no differential check here; the
//! checker's own differential is `trace_lines`.

use super::len_in;
use arbitrary::Unstructured;
use hanko_model::trace::{parse_trace, write_line, Actor, Control, Event, Line, Link};
use serde_json::{Map, Number, Value};

/// Values inside one `fields` object at most, and how deep they nest (the reader's default
/// limits are 1024 and 8; a line this size is far inside them).
const MAX_VALUES: usize = 48;
const MAX_NESTING: usize = 4;

pub fn trace_structured_case(data: &[u8]) -> Option<&'static str> {
    let mut u = Unstructured::new(data);
    let lines = arbitrary_lines(&mut u).ok()?;
    let mut text = String::new();
    let mut expected = Vec::new();
    let mut line_no = 0;
    for (i, line) in lines.into_iter().enumerate() {
        // Blank lines are skipped but counted; never before the header, which must be first.
        if i > 0 {
            for _ in 0..u.int_in_range(0..=1u8).unwrap_or(0) {
                text.push('\n');
                line_no += 1;
            }
        }
        text.push_str(&write_line(&line));
        text.push('\n');
        line_no += 1;
        expected.push(Line { line_no, ..line });
    }
    let read = parse_trace(&text).unwrap_or_else(|e| panic!("a trace as written does not read back: {e}\n{text}"));
    assert_eq!(read, expected, "the trace reads back differently:\n{text}");
    for l in &read {
        let again = write_line(l);
        assert!(text.contains(&again), "{again} is written differently the second time:\n{text}");
    }
    Some("trace_line")
}

fn arbitrary_lines(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<Line>> {
    let mut lines = Vec::new();
    if u.arbitrary()? {
        let scheme = if u.arbitrary()? { Some(u.int_in_range(1..=3u8)?) } else { None };
        lines.push(Line::header(scheme));
    }
    let mut seq = u64::from(u.arbitrary::<u32>()?);
    for _ in 0..u.int_in_range(1..=12usize)? {
        seq += u64::from(u.int_in_range(1..=1000u16)?);
        let mut line = match u.int_in_range(0..=7u8)? {
            6 => Line::crash(seq, *u.choose(Actor::ALL)?),
            7 => Line::happened(seq, *u.choose(Actor::ALL)?, event_id(u)?, u.arbitrary()?),
            k => {
                let (link, from, to) = (*u.choose(Link::ALL)?, *u.choose(Actor::ALL)?, *u.choose(Actor::ALL)?);
                Line::new(seq, link, from, to, event(u, k)?)
            }
        };
        if u.arbitrary()? {
            line.at_us = Some(u.arbitrary()?);
        }
        lines.push(line);
    }
    Ok(lines)
}

/// A flow event's id from the spec, or a made-up dotted one.
fn event_id(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let prefix = *u.choose(&["s1", "s2", "s3i", "s3u", "lc"])?;
    let events = hanko_model::generated::flows::flow(prefix).map_or(&[][..], |f| f.events);
    if !events.is_empty() && u.arbitrary()? {
        return Ok(u.choose(events)?.id.to_string());
    }
    let len = u.int_in_range(0..=12usize)?;
    let tail: String = (0..len).map(|_| Ok(*u.choose(b"abz09_.")? as char)).collect::<arbitrary::Result<_>>()?;
    Ok(format!("{prefix}.{tail}"))
}

fn bytes(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    let n = len_in(u, 0, 300, 64)?;
    Ok(u.bytes(n.min(u.len()))?.to_vec())
}

fn event(u: &mut Unstructured<'_>, kind: u8) -> arbitrary::Result<Event> {
    Ok(match kind {
        0 => Event::Capdu(bytes(u)?),
        1 => Event::Rapdu(bytes(u)?),
        2 => Event::Atr(bytes(u)?),
        3 => Event::Control(match u.int_in_range(0..=4u8)? {
            0 => Control::PowerOn,
            1 => Control::PowerOff,
            2 => Control::Reset,
            3 => Control::GetAtr,
            _ => Control::Unknown(u.arbitrary()?),
        }),
        _ => {
            let id: String = u.arbitrary()?;
            let id = if id.is_empty() { "s1.pc.pair_request".to_owned() } else { id };
            let mut budget = MAX_VALUES;
            Event::Message { id, fields: object(u, 1, &mut budget)? }
        }
    })
}

fn object(u: &mut Unstructured<'_>, depth: usize, budget: &mut usize) -> arbitrary::Result<Map<String, Value>> {
    let mut m = Map::new();
    for _ in 0..u.int_in_range(0..=4usize)? {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        let key: String = u.arbitrary()?;
        let v = value(u, depth, budget)?;
        m.insert(key, v);
    }
    Ok(m)
}

/// Any JSON value but a float whose text does not read back as the same float (none: serde
/// writes the shortest text that does), nested at most [`MAX_NESTING`] deep.
fn value(u: &mut Unstructured<'_>, depth: usize, budget: &mut usize) -> arbitrary::Result<Value> {
    let nest = depth < MAX_NESTING;
    Ok(match u.int_in_range(0..=if nest { 8u8 } else { 6 })? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(Number::from(u.arbitrary::<u64>()?)),
        3 => Value::Number(Number::from(u.int_in_range(i64::MIN..=-1)?)),
        4 => Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        5 | 6 => Value::String(u.arbitrary()?),
        7 => Value::Object(object(u, depth + 1, budget)?),
        _ => {
            let mut items = Vec::new();
            for _ in 0..u.int_in_range(0..=4usize)? {
                if *budget == 0 {
                    break;
                }
                *budget -= 1;
                items.push(value(u, depth + 1, budget)?);
            }
            Value::Array(items)
        }
    })
}
