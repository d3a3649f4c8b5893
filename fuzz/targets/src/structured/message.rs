//! Structure-aware TSM and J-LIS messages (`spec/tsm/messages.json`): a message of the spec
//! picked by the fuzzer, every member drawn from its type as the generated tables describe
//! it (string charsets and lengths, hex, DER, C-APDUs, R-APDUs, integers in range, enums,
//! date-times, objects, arrays, choices), serialised by serde_json. The codec must accept
//! it and give back the same JSON, `build` must agree, and the spec interpreter must name
//! the same message; then `tsm_message` runs its round trip and differential on the text.
//!
//! Half the inputs then change one member (a wrong type, a value out of its domain, a
//! member dropped or added) before the checks, so that the differential also compares the
//! two decoders' errors deep inside valid messages, where random text never gets.

use super::len_in;
use arbitrary::{Arbitrary, Unstructured};
use hanko_codec::tsm::{build, limits, message_defs, Charset, Kind, Message, Type};
use hanko_codec::CommandApdu;
use serde_json::{Map, Value};
use std::sync::OnceLock;
use xtask::messages::MessageInterp;

fn interp() -> &'static MessageInterp<'static> {
    static INTERP: OnceLock<MessageInterp<'static>> = OnceLock::new();
    INTERP.get_or_init(|| MessageInterp::new(crate::spec()))
}

pub fn tsm_structured_case(data: &[u8]) -> Option<&'static str> {
    let mut u = Unstructured::new(data);
    let def = u.choose(message_defs()).ok()?;
    let Kind::Object { fields } = def.body.kind else { return None };
    let mut obj = Map::new();
    obj.insert(limits().discriminator.to_owned(), Value::String(def.id.to_owned()));
    for f in fields {
        if f.optional && !u.arbitrary::<bool>().ok()? {
            continue;
        }
        obj.insert(f.name.to_owned(), value(&mut u, f.ty).ok()?);
    }
    let mut value = Value::Object(obj);
    let mutated = u.arbitrary::<bool>().ok()? && mutate(&mut u, &mut value).is_ok();
    let text = value.to_string();
    if !mutated && text.len() <= limits().max_bytes && depth(&value) <= limits().max_depth {
        let m =
            Message::decode(text.as_bytes()).unwrap_or_else(|e| panic!("a valid {} is refused: {e}\n{text}", def.id));
        assert_eq!(m.id(), def.id, "{text}");
        assert_eq!(m.to_json(), value, "the message reads back differently: {text}");
        assert_eq!(build(&value).ok().as_deref(), Some(text.as_str()), "build disagrees with decode");
        let theirs = interp().check_text(text.as_bytes()).map(|e| e.id.as_str());
        assert_eq!(theirs, Ok(def.id), "the interpreter disagrees on a valid message: {text}");
    }
    crate::tsm_msg::tsm_message(text.as_bytes());
    Some(def.id)
}

/// Nesting of arrays and objects, the value itself counting as one when it is either.
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// `n` characters of `charset`, from the fuzzer's bytes.
fn chars(u: &mut Unstructured<'_>, charset: Charset, n: usize) -> arbitrary::Result<String> {
    const DIGITS: &[u8] = b"0123456789";
    const HEX: &[u8] = b"0123456789abcdefABCDEF";
    const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const BASE32: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const TOKEN: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
    let pick = |u: &mut Unstructured<'_>, set: &[u8]| -> arbitrary::Result<char> {
        Ok(char::from(set[usize::from(u.arbitrary::<u8>()?) % set.len()]))
    };
    let mut s = String::with_capacity(n);
    for i in 0..n {
        let c = match charset {
            Charset::Utf8 => {
                let c: char = u.arbitrary()?;
                if c.is_control() {
                    '見'
                } else {
                    c
                }
            }
            Charset::Printable => char::from(0x20 + u.arbitrary::<u8>()? % 0x5F),
            Charset::Digits => pick(u, DIGITS)?,
            Charset::Hex => pick(u, HEX)?,
            Charset::Alnum => pick(u, ALNUM)?,
            Charset::Base32 => pick(u, BASE32)?,
            Charset::Token => pick(u, TOKEN)?,
            // A dot only between digits: never first, never last, never twice in a row.
            Charset::Dotted => {
                if i > 0 && i + 1 < n && !s.ends_with('.') && u.int_in_range(0..=3u8)? == 0 {
                    '.'
                } else {
                    pick(u, DIGITS)?
                }
            }
        };
        s.push(c);
    }
    Ok(s)
}

fn hex_text(u: &mut Unstructured<'_>, bytes: &[u8]) -> arbitrary::Result<String> {
    let upper: bool = u.arbitrary()?;
    Ok(bytes.iter().map(|b| if upper { format!("{b:02X}") } else { format!("{b:02x}") }).collect())
}

/// A DER SEQUENCE of `min..=max` bytes in all (minimal length field, any content).
fn der(u: &mut Unstructured<'_>, min: usize, max: usize) -> arbitrary::Result<Vec<u8>> {
    let total = len_in(u, min.max(2), max, 300)?;
    let content = match total {
        0..=129 => total - 2,
        130 => return Err(arbitrary::Error::IncorrectFormat),
        131..=258 => total - 3,
        _ => total - 4,
    };
    let mut out = vec![0x30];
    match content {
        0..=0x7F => out.push(content as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, content as u8]),
        _ => out.extend_from_slice(&[0x82, (content >> 8) as u8, content as u8]),
    }
    out.extend_from_slice(u.bytes(content)?);
    if out.len() != total {
        return Err(arbitrary::Error::IncorrectFormat);
    }
    Ok(out)
}

fn datetime(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let year = u.int_in_range(1970..=2099u32)?;
    let month = u.int_in_range(1..=12u32)?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 31,
    };
    let day = u.int_in_range(1..=days)?;
    let (h, mi, s) = (u.int_in_range(0..=23u32)?, u.int_in_range(0..=59u32)?, u.int_in_range(0..=59u32)?);
    let mut out = format!("{year:04}-{month:02}-{day:02}T{h:02}:{mi:02}:{s:02}");
    let digits = u.int_in_range(0..=9usize)?;
    if digits > 0 {
        out.push('.');
        out.push_str(&chars(u, Charset::Digits, digits)?);
    }
    match u.int_in_range(0..=2u8)? {
        0 => out.push('Z'),
        k => {
            let sign = if k == 1 { '+' } else { '-' };
            out.push_str(&format!("{sign}{:02}:{:02}", u.int_in_range(0..=23u32)?, u.int_in_range(0..=59u32)?));
        }
    }
    Ok(out)
}

/// A value of `ty`; the spec's types nest only as deep as the text limits allow.
fn value(u: &mut Unstructured<'_>, ty: &'static Type) -> arbitrary::Result<Value> {
    Ok(match ty.kind {
        Kind::String { min, max, charset, prefix } => {
            let p = prefix.chars().count();
            // A dotted number has at least one digit.
            let least = if charset == Charset::Dotted { p + 1 } else { p };
            let n = len_in(u, (min as usize).max(least), max as usize, 40)?;
            Value::String(format!("{prefix}{}", chars(u, charset, n - p)?))
        }
        Kind::Hex { min, max } => {
            let n = len_in(u, min as usize, max as usize, 64)?;
            let bytes = u.bytes(n)?;
            Value::String(hex_text(u, bytes)?)
        }
        Kind::Der { min, max } => {
            let d = der(u, min as usize, max as usize)?;
            Value::String(hex_text(u, &d)?)
        }
        Kind::Capdu => {
            let apdu = CommandApdu::arbitrary(u)?;
            let mut b = Vec::new();
            apdu.encode(&mut b);
            Value::String(hex_text(u, &b)?)
        }
        Kind::Rapdu { allow_empty } => {
            if allow_empty && u.arbitrary()? {
                Value::String(String::new())
            } else {
                let n = len_in(u, 2, 258, 64)?;
                let bytes = u.bytes(n)?;
                Value::String(hex_text(u, bytes)?)
            }
        }
        Kind::Integer { min, max } => Value::from(u.int_in_range(min..=max)?),
        Kind::Boolean => Value::Bool(u.arbitrary()?),
        Kind::Enum { values } => Value::String((*u.choose(values)?).to_owned()),
        Kind::Datetime => Value::String(datetime(u)?),
        Kind::Object { fields } => {
            let mut m = Map::new();
            for f in fields {
                if f.optional && !u.arbitrary::<bool>()? {
                    continue;
                }
                m.insert(f.name.to_owned(), value(u, f.ty)?);
            }
            Value::Object(m)
        }
        Kind::Array { items, min, max } => {
            let n = len_in(u, min as usize, max as usize, 4)?;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                v.push(value(u, items)?);
            }
            Value::Array(v)
        }
        Kind::Choice { options } => {
            let o = u.choose(options)?;
            let mut m = Map::new();
            m.insert(o.name.to_owned(), value(u, o.ty)?);
            Value::Object(m)
        }
    })
}

/// Changes one member somewhere in the message: replaced by another JSON value, dropped, or
/// joined by a member the spec does not name. The discriminator stays, so the message named
/// is still the one generated.
fn mutate(u: &mut Unstructured<'_>, root: &mut Value) -> arbitrary::Result<()> {
    let mut node = root;
    let discriminator = limits().discriminator;
    loop {
        let descend: bool = u.arbitrary()?;
        let next = match node {
            Value::Object(m) if !m.is_empty() => {
                let keys: Vec<String> = m.keys().filter(|k| k.as_str() != discriminator).cloned().collect();
                if keys.is_empty() {
                    return Err(arbitrary::Error::IncorrectFormat);
                }
                let key = u.choose(&keys)?.clone();
                if !descend || !matches!(m.get(&key), Some(Value::Object(_) | Value::Array(_))) {
                    match u.int_in_range(0..=2u8)? {
                        0 => {
                            m.remove(&key);
                        }
                        1 => {
                            m.insert("hankoUnknownMember".to_owned(), Value::Null);
                        }
                        _ => {
                            m.insert(key, scalar(u)?);
                        }
                    }
                    return Ok(());
                }
                m.get_mut(&key)
            }
            Value::Array(items) if !items.is_empty() => {
                let i = u.choose_index(items.len())?;
                if !descend || !matches!(items[i], Value::Object(_) | Value::Array(_)) {
                    items[i] = scalar(u)?;
                    return Ok(());
                }
                items.get_mut(i)
            }
            _ => return Err(arbitrary::Error::IncorrectFormat),
        };
        match next {
            Some(n) => node = n,
            None => return Err(arbitrary::Error::IncorrectFormat),
        }
    }
}

fn scalar(u: &mut Unstructured<'_>) -> arbitrary::Result<Value> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => serde_json::Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        4 => Value::Array(Vec::new()),
        _ => Value::String(u.arbitrary()?),
    })
}
