//! A parsed text checked against the spec's types: members in document order (an unknown one
//! refused, a known one checked depth first), then the required members that are missing,
//! in spec order. The spec interpreter (`xtask/src/messages.rs`) walks in the same order, so
//! the two report the same first error.

use super::error::{MessageError, MessageErrorKind};
use super::json::{inner, unescape, Chars, Document, JsonKind, Node, NONE};
use super::schema::{Field, Kind, MessageDef, TextLimits, Type};
use crate::apdu::command::CommandApdu;
use std::borrow::Cow;

pub(crate) struct Checker<'d, 'a> {
    pub doc: &'d Document<'a>,
}

type R = Result<(), MessageError>;

impl Checker<'_, '_> {
    fn node(&self, i: u32) -> &Node {
        &self.doc.nodes[i as usize]
    }

    fn raw(&self, start: u32, end: u32) -> &str {
        self.doc.text.get(start as usize..end as usize).unwrap_or("")
    }

    /// A string node's text between its quotes.
    fn inner(&self, i: u32) -> &str {
        let n = self.node(i);
        inner(self.raw(n.start, n.end))
    }

    fn key(&self, i: u32) -> Cow<'_, str> {
        let n = self.node(i);
        unescape(inner(self.raw(n.key.0, n.key.1)))
    }

    fn children(&self, i: u32) -> impl Iterator<Item = u32> + '_ {
        let mut next = self.node(i).first_child;
        core::iter::from_fn(move || {
            let now = next;
            (now != NONE).then(|| {
                next = self.node(now).next_sibling;
                now
            })
        })
    }

    fn error(&self, kind: MessageErrorKind, node: u32, rule: &'static str) -> MessageError {
        let n = self.node(node);
        let offset = match kind {
            MessageErrorKind::UnknownField => n.key.0,
            _ => n.start,
        };
        MessageError { kind, offset: offset as usize, pointer: self.pointer(node), rule }
    }

    fn pointer(&self, node: u32) -> String {
        super::json::pointer(self.doc.text.as_bytes(), &self.doc.nodes, node)
    }

    /// The root as a message: an object whose discriminator names one of `messages`.
    pub fn message(
        &self,
        limits: &TextLimits,
        messages: &'static [MessageDef],
    ) -> Result<&'static MessageDef, MessageError> {
        let root = 0;
        if self.node(root).kind != JsonKind::Object {
            return Err(self.error(MessageErrorKind::WrongType { expected: "object" }, root, limits.rule));
        }
        let Some(member) = self.children(root).find(|&c| self.key(c) == limits.discriminator) else {
            return Err(MessageError {
                kind: MessageErrorKind::MissingField,
                offset: self.node(root).start as usize,
                pointer: format!("/{}", escape_token(limits.discriminator)),
                rule: limits.rule,
            });
        };
        if self.node(member).kind != JsonKind::String {
            return Err(self.error(MessageErrorKind::WrongType { expected: "string" }, member, limits.rule));
        }
        let id = unescape(self.inner(member));
        let Some(def) = messages.iter().find(|m| m.id == id) else {
            return Err(self.error(MessageErrorKind::UnknownMessage, member, limits.rule));
        };
        let Kind::Object { fields } = def.body.kind else {
            return Err(self.error(MessageErrorKind::WrongType { expected: "object" }, root, def.body.rule));
        };
        self.object(fields, def.body, root, Some(limits.discriminator))?;
        Ok(def)
    }

    fn object(&self, fields: &'static [Field], ty: &'static Type, node: u32, skip: Option<&str>) -> R {
        for child in self.children(node) {
            let key = self.key(child);
            if Some(key.as_ref()) == skip {
                continue;
            }
            match fields.iter().find(|f| f.name == key) {
                Some(f) => self.value(f.ty, child)?,
                None => return Err(self.error(MessageErrorKind::UnknownField, child, ty.rule)),
            }
        }
        for f in fields.iter().filter(|f| !f.optional) {
            if !self.children(node).any(|c| self.key(c) == f.name) {
                let pointer = format!("{}/{}", self.pointer(node), escape_token(f.name));
                let offset = self.node(node).start as usize;
                return Err(MessageError { kind: MessageErrorKind::MissingField, offset, pointer, rule: f.rule });
            }
        }
        Ok(())
    }

    /// Checks a value against a type.
    pub fn value(&self, ty: &'static Type, node: u32) -> R {
        let n = *self.node(node);
        let err = |kind| self.error(kind, node, ty.rule);
        let fail = |kind| Err(err(kind));
        let want = |kind: JsonKind, expected| {
            if n.kind == kind {
                Ok(())
            } else {
                fail(MessageErrorKind::WrongType { expected })
            }
        };
        let bad_pattern = MessageErrorKind::BadPattern { ty };
        match ty.kind {
            Kind::String { min, max, charset, prefix } => {
                want(JsonKind::String, "string")?;
                let chars = Chars::new(self.inner(node));
                let count = chars.clone().count();
                let starts = {
                    let mut c = chars.clone();
                    prefix.chars().all(|p| c.next() == Some(p))
                };
                if count < min as usize || count > max as usize || !starts || !charset.admits(chars) {
                    return fail(bad_pattern);
                }
                Ok(())
            }
            Kind::Hex { min, max } => {
                want(JsonKind::String, "string")?;
                self.hex(node, min, max).map(drop).map_or_else(|| fail(bad_pattern), Ok)
            }
            Kind::Der { min, max } => {
                want(JsonKind::String, "string")?;
                let bytes = self.hex(node, min, max).ok_or_else(|| err(bad_pattern))?;
                if der_sequence(&bytes) {
                    Ok(())
                } else {
                    fail(MessageErrorKind::BadDer)
                }
            }
            Kind::Capdu => {
                want(JsonKind::String, "string")?;
                let bytes = self.hex(node, 4, 65_544).ok_or_else(|| err(bad_pattern))?;
                if CommandApdu::parse(&bytes).is_ok() {
                    Ok(())
                } else {
                    fail(MessageErrorKind::BadApdu)
                }
            }
            Kind::Rapdu { allow_empty } => {
                want(JsonKind::String, "string")?;
                if allow_empty && Chars::new(self.inner(node)).next().is_none() {
                    return Ok(());
                }
                self.hex(node, 2, 65_538).map(drop).map_or_else(|| fail(bad_pattern), Ok)
            }
            Kind::Integer { min, max } => {
                let out_of_range = MessageErrorKind::OutOfRange { min, max };
                match integer(self.raw(n.start, n.end)) {
                    _ if n.kind != JsonKind::Number => fail(MessageErrorKind::WrongType { expected: "integer" }),
                    Integer::Not => fail(MessageErrorKind::WrongType { expected: "integer" }),
                    Integer::Value(v) if (min..=max).contains(&v) => Ok(()),
                    _ => fail(out_of_range),
                }
            }
            Kind::Boolean => want(JsonKind::Bool, "boolean"),
            Kind::Enum { values } => {
                want(JsonKind::String, "string")?;
                let value = unescape(self.inner(node));
                if values.iter().any(|v| *v == value) {
                    Ok(())
                } else {
                    fail(MessageErrorKind::UnknownValue { ty })
                }
            }
            Kind::Datetime => {
                want(JsonKind::String, "string")?;
                if datetime(&unescape(self.inner(node))) {
                    Ok(())
                } else {
                    fail(bad_pattern)
                }
            }
            Kind::Object { fields } => {
                want(JsonKind::Object, "object")?;
                self.object(fields, ty, node, None)
            }
            Kind::Array { items, min, max } => {
                want(JsonKind::Array, "array")?;
                if n.children < min || n.children > max {
                    return fail(MessageErrorKind::OutOfRange { min: min.into(), max: max.into() });
                }
                self.children(node).try_for_each(|c| self.value(items, c))
            }
            Kind::Choice { options } => {
                want(JsonKind::Object, "object")?;
                if n.children != 1 {
                    return fail(MessageErrorKind::BadChoice { members: n.children as usize });
                }
                let child = n.first_child;
                let key = self.key(child);
                match options.iter().find(|o| o.name == key) {
                    Some(o) => self.value(o.ty, child),
                    None => Err(self.error(MessageErrorKind::UnknownField, child, ty.rule)),
                }
            }
        }
    }

    /// The bytes of a hex string of `min..=max` bytes, or `None`.
    fn hex(&self, node: u32, min: u32, max: u32) -> Option<Vec<u8>> {
        hex_bytes(Chars::new(self.inner(node)), min as usize, max as usize)
    }
}

/// The bytes of hex digits (either case), if there are an even number of them and they make
/// `min..=max` bytes. Stops reading at `2 * max + 1` digits, so a long string costs nothing.
pub(crate) fn hex_bytes(chars: impl Iterator<Item = char>, min: usize, max: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut high: Option<u32> = None;
    for c in chars {
        let d = c.to_digit(16)?;
        match high.take() {
            None => high = Some(d),
            Some(h) => {
                if out.len() == max {
                    return None;
                }
                out.push((h << 4 | d) as u8);
            }
        }
    }
    (high.is_none() && out.len() >= min).then_some(out)
}

pub(crate) fn escape_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

enum Integer {
    /// Not written as an integer (a fraction, an exponent, `-0`).
    Not,
    /// Written as an integer, outside i64.
    Huge,
    Value(i64),
}

fn integer(raw: &str) -> Integer {
    if raw.contains(['.', 'e', 'E']) || raw == "-0" {
        return Integer::Not;
    }
    raw.parse::<i64>().map_or(Integer::Huge, Integer::Value)
}

/// Whether `b` is exactly one DER SEQUENCE: tag 30, a definite length in the fewest bytes.
pub(crate) fn der_sequence(b: &[u8]) -> bool {
    let (Some(&0x30), Some(&first)) = (b.first(), b.get(1)) else { return false };
    let (header, len) = match first {
        0..=0x7F => (2, usize::from(first)),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7F);
            let Some(digits) = b.get(2..2 + n) else { return false };
            if digits[0] == 0 || (n == 1 && digits[0] < 0x80) {
                return false;
            }
            (2 + n, digits.iter().fold(0usize, |a, &d| a << 8 | usize::from(d)))
        }
        _ => return false,
    };
    b.len() - header == len
}

/// Whether `s` is `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)` with a real calendar date.
pub(crate) fn datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let d = b.get(from..from + len)?;
        d.iter().all(u8::is_ascii_digit).then(|| d.iter().fold(0, |a, &c| a * 10 + u32::from(c - b'0')))
    };
    let sep = |i: usize, c: u8| b.get(i) == Some(&c);
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) =
        (num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2))
    else {
        return false;
    };
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
        return false;
    }
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if d == 0 || d > days || h > 23 || mi > 59 || sec > 59 {
        return false;
    }
    let mut i = 19;
    if sep(i, b'.') {
        let digits = b.get(i + 1..).unwrap_or_default().iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return false;
        }
        i += 1 + digits;
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => match (num(i + 1, 2), num(i + 4, 2)) {
            (Some(oh), Some(om)) => sep(i + 3, b':') && oh <= 23 && om <= 59 && i + 6 == b.len(),
            _ => false,
        },
        _ => false,
    }
}
