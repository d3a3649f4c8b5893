//! The JSON messages of the TSM layer (`spec/tsm/messages.json`): GlobalPlatform Systems
//! Messaging between the TSMs, the phone's TSM proxy (modelled on GP SE RAM) and J-LIS
//! issuance. This file holds their part of the spec format, its validation, and an
//! interpreter that checks a message against the spec at run time.
//!
//! The interpreter is a second implementation, written from the spec format alone: the
//! validator checks every example with it, and the codec's `tsm` module is compared against
//! it (codec tests, the `tsm_message` fuzz target). The two must agree on the error kind and
//! the JSON pointer of every message whose text is well-formed JSON. Text-level problems
//! (syntax, duplicate keys, nesting, size) it checks one after another where the codec reads
//! the text once, so for a text with two of them they may name different ones.

use crate::spec::{Confidence, Problem, Spec};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The spec sections this file defines.
pub const SECTIONS: &[&str] = &["message_text", "message_types", "messages"];

/// The fields of an entry of `section` besides id, name, source, confidence, note and
/// examples, for the validator's check of field names.
pub fn allowed_keys(section: &str) -> Option<&'static [&'static str]> {
    match section {
        "message_text" => Some(&["max_bytes", "max_depth", "discriminator"]),
        "message_types" => Some(&["type"]),
        "messages" => Some(&["operation", "from", "to", "fields"]),
        _ => None,
    }
}

/// Every error kind a message decoder reports, by its stable name.
pub const ERROR_KINDS: &[&str] = &[
    "syntax",
    "too_large",
    "too_deep",
    "duplicate_key",
    "wrong_type",
    "missing_field",
    "unknown_field",
    "unknown_message",
    "bad_pattern",
    "out_of_range",
    "unknown_value",
    "bad_choice",
    "bad_apdu",
    "bad_der",
];

/// Error kinds about the text rather than the message.
pub const TEXT_KINDS: &[&str] = &["syntax", "too_large", "too_deep", "duplicate_key"];

/// An example: a message (or a value of a type) as JSON, or as raw text where JSON cannot
/// hold it (malformed text, duplicate keys), with the error it must raise, if any.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageExample {
    #[serde(default)]
    pub json: Option<Value>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub error: Option<ExpectedFailure>,
    #[serde(default)]
    pub note: Option<String>,
}

impl MessageExample {
    /// The text a decoder reads: `text` as written, or `json` serialised compactly (keys in
    /// the order the spec writes them).
    pub fn input(&self) -> Option<String> {
        match (&self.json, &self.text) {
            (Some(v), None) => serde_json::to_string(v).ok(),
            (None, Some(t)) => Some(t.clone()),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFailure {
    pub kind: String,
    /// JSON pointer (RFC 6901) into the message: `/ServiceInstanceReference/Reference`.
    pub pointer: String,
    /// Byte offset in the example's text; checked by the codec's tests where given.
    #[serde(default)]
    pub offset: Option<usize>,
}

/// How a message's text is read: its limits and the member that names the message.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageTextEntry {
    pub id: String,
    pub name: String,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
    pub max_bytes: usize,
    pub max_depth: usize,
    pub discriminator: String,
    #[serde(default)]
    pub examples: Vec<MessageExample>,
}

/// A named field type that messages refer to by id.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageTypeEntry {
    pub id: String,
    pub name: String,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(rename = "type")]
    pub ty: TypeDef,
    #[serde(default)]
    pub examples: Vec<MessageExample>,
}

/// One message: who sends it to whom, and the members of its JSON object besides the
/// discriminator.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageEntry {
    pub id: String,
    pub name: String,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
    /// The GP operation, SE RAM command or J-LIS step the message belongs to.
    pub operation: String,
    pub from: Actors,
    pub to: Actors,
    pub fields: Vec<FieldDef>,
    #[serde(default)]
    pub examples: Vec<MessageExample>,
}

/// One actor, or several that send or receive the same message.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Actors {
    One(String),
    Many(Vec<String>),
}

impl Actors {
    pub fn list(&self) -> Vec<&str> {
        match self {
            Self::One(a) => vec![a.as_str()],
            Self::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A member of an object (or an option of a choice).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: TypeRef,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// A type: the id of a `message_types` entry, or a definition in place.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum TypeRef {
    Named(String),
    Inline(Box<TypeDef>),
}

/// What a JSON value must be.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TypeDef {
    /// A string of `length` characters (Unicode scalar values) from `charset`, starting with
    /// `prefix`.
    String {
        length: [u32; 2],
        #[serde(default)]
        charset: Charset,
        #[serde(default)]
        prefix: String,
    },
    /// Bytes as hex digits (either case), `bytes` long.
    Hex {
        bytes: [u32; 2],
    },
    /// Hex of one DER SEQUENCE (tag 30, definite minimal length covering exactly the bytes).
    Der {
        bytes: [u32; 2],
    },
    /// Hex of a C-APDU of one of the seven ISO 7816-4 cases.
    Capdu {},
    /// Hex of an R-APDU (data and SW1 SW2); `allow_empty` admits "" for "no response".
    Rapdu {
        #[serde(default)]
        allow_empty: bool,
    },
    /// A JSON number written as an integer (no fraction, no exponent, no `-0`) in `range`.
    Integer {
        range: [i64; 2],
    },
    Boolean {},
    /// One of the listed strings.
    Enum {
        values: Vec<String>,
    },
    /// ISO 8601 / RFC 3339 date and time: `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`.
    Datetime {},
    Object {
        fields: Vec<FieldDef>,
    },
    /// Between `count[0]` and `count[1]` items of one type.
    Array {
        items: TypeRef,
        count: [u32; 2],
    },
    /// An object with exactly one member, named by one of the options.
    Choice {
        options: Vec<FieldDef>,
    },
}

/// The characters a string may hold.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Charset {
    /// Any character but a control character.
    #[default]
    Utf8,
    /// ASCII 0x20 to 0x7E.
    Printable,
    Digits,
    /// `0-9 a-f A-F`.
    Hex,
    /// `0-9 A-Z a-z`.
    Alnum,
    /// Crockford's Base32 alphabet, upper case: digits and `A-Z` without `I L O U`.
    Base32,
    /// Decimal numbers joined by single dots: `8.1.1`.
    Dotted,
    /// `0-9 A-Z a-z _ -`: identifiers (sessions, applications, function calls).
    Token,
}

impl Charset {
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "utf8",
            Self::Printable => "printable",
            Self::Digits => "digits",
            Self::Hex => "hex",
            Self::Alnum => "alnum",
            Self::Base32 => "base32",
            Self::Dotted => "dotted",
            Self::Token => "token",
        }
    }

    /// Whether every character of `s` belongs to the set (and, for `dotted`, the dots sit
    /// between digits).
    pub fn admits(self, s: &str) -> bool {
        let each = |f: fn(char) -> bool| s.chars().all(f);
        match self {
            Self::Utf8 => each(|c| !c.is_control()),
            Self::Printable => each(|c| (' '..='~').contains(&c)),
            Self::Digits => each(|c| c.is_ascii_digit()),
            Self::Hex => each(|c| c.is_ascii_hexdigit()),
            Self::Alnum => each(|c| c.is_ascii_alphanumeric()),
            Self::Base32 => each(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c))),
            Self::Dotted => s.split('.').all(|arc| !arc.is_empty() && arc.chars().all(|c| c.is_ascii_digit())),
            Self::Token => each(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
        }
    }
}

/// A message entry, a type entry, or the text entry, with its JSON pointer in the spec.
pub struct Located<'s, T> {
    pub at: String,
    pub entry: &'s T,
}

pub fn text_entries(spec: &Spec) -> Vec<Located<'_, MessageTextEntry>> {
    located(spec, "message_text", |f| &f.message_text)
}

pub fn type_entries(spec: &Spec) -> Vec<Located<'_, MessageTypeEntry>> {
    located(spec, "message_types", |f| &f.message_types)
}

pub fn message_entries(spec: &Spec) -> Vec<Located<'_, MessageEntry>> {
    located(spec, "messages", |f| &f.messages)
}

fn located<'s, T>(
    spec: &'s Spec,
    section: &str,
    get: impl Fn(&'s crate::spec::SpecFile) -> &'s Vec<T>,
) -> Vec<Located<'s, T>> {
    let mut out = Vec::new();
    for l in &spec.files {
        for (i, entry) in get(&l.file).iter().enumerate() {
            out.push(Located { at: format!("{}#/{section}/{i}", l.display), entry });
        }
    }
    out
}

/// What an example is checked as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject<'s> {
    /// A message text (the examples of `message_text` and of `messages`).
    Message,
    /// A value of the named type.
    Type(&'s str),
}

/// Every example of the three sections: where it stands, what it is checked as, and the
/// example.
pub fn examples(spec: &Spec) -> Vec<(String, Subject<'_>, &MessageExample)> {
    let mut out = Vec::new();
    for t in text_entries(spec) {
        for (j, ex) in t.entry.examples.iter().enumerate() {
            out.push((format!("{}/examples/{j}", t.at), Subject::Message, ex));
        }
    }
    for t in type_entries(spec) {
        for (j, ex) in t.entry.examples.iter().enumerate() {
            out.push((format!("{}/examples/{j}", t.at), Subject::Type(t.entry.id.as_str()), ex));
        }
    }
    for m in message_entries(spec) {
        for (j, ex) in m.entry.examples.iter().enumerate() {
            out.push((format!("{}/examples/{j}", m.at), Subject::Message, ex));
        }
    }
    out
}

/// A check that failed: the error kind's name and where, as a JSON pointer into the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: &'static str,
    pub pointer: String,
}

type R<T> = Result<T, Failure>;

fn fail<T>(kind: &'static str, pointer: &str) -> R<T> {
    Err(Failure { kind, pointer: pointer.to_string() })
}

/// `pointer` extended by one member name or index, escaped as RFC 6901 says.
pub fn push_pointer(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", token.replace('~', "~0").replace('/', "~1"))
}

/// The spec's messages indexed for checking texts against them.
pub struct MessageInterp<'s> {
    types: BTreeMap<&'s str, &'s TypeDef>,
    messages: BTreeMap<&'s str, &'s MessageEntry>,
    max_bytes: usize,
    max_depth: usize,
    discriminator: &'s str,
}

impl<'s> MessageInterp<'s> {
    pub fn new(spec: &'s Spec) -> Self {
        let (max_bytes, max_depth, discriminator) = text_entries(spec)
            .first()
            .map(|t| (t.entry.max_bytes, t.entry.max_depth, t.entry.discriminator.as_str()))
            .unwrap_or((0, 0, "type"));
        let types = type_entries(spec).into_iter().map(|t| (t.entry.id.as_str(), &t.entry.ty)).collect();
        let messages = message_entries(spec).into_iter().map(|m| (m.entry.id.as_str(), m.entry)).collect();
        Self { types, messages, max_bytes, max_depth, discriminator }
    }

    /// Checks a message's text: the limits, well-formed JSON without duplicate keys, then
    /// the message it names. Returns the message's entry.
    pub fn check_text(&self, bytes: &[u8]) -> R<&'s MessageEntry> {
        let value = self.read_text(bytes)?;
        self.check_message(&value)
    }

    /// Checks a text as a value of the named type (for the examples of `message_types`).
    pub fn check_type_text(&self, type_id: &str, bytes: &[u8]) -> R<()> {
        let value = self.read_text(bytes)?;
        match self.types.get(type_id) {
            Some(ty) => self.value(ty, &value, ""),
            None => fail("unknown_message", ""),
        }
    }

    /// The JSON value of a text, or the text-level rule it breaks.
    pub fn read_text(&self, bytes: &[u8]) -> R<Value> {
        if bytes.len() > self.max_bytes {
            return fail("too_large", "");
        }
        let text = std::str::from_utf8(bytes).or_else(|_| fail("syntax", ""))?;
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) if e.to_string().starts_with("recursion limit exceeded") => return fail("too_deep", ""),
            Err(_) => return fail("syntax", ""),
        };
        if depth(&value) > self.max_depth {
            return fail("too_deep", "");
        }
        if serde_json::from_str::<Strict>(text).is_err() {
            return fail("duplicate_key", "");
        }
        Ok(value)
    }

    /// Checks a parsed message: an object whose discriminator names a message, with that
    /// message's members.
    pub fn check_message(&self, value: &Value) -> R<&'s MessageEntry> {
        let Value::Object(obj) = value else { return fail("wrong_type", "") };
        let at = push_pointer("", self.discriminator);
        let entry = match obj.get(self.discriminator) {
            None => return fail("missing_field", &at),
            Some(Value::String(id)) => match self.messages.get(id.as_str()) {
                Some(e) => *e,
                None => return fail("unknown_message", &at),
            },
            Some(_) => return fail("wrong_type", &at),
        };
        self.object(&entry.fields, obj, "", Some(self.discriminator))?;
        Ok(entry)
    }

    fn resolve(&self, ty: &'s TypeRef) -> Option<&'s TypeDef> {
        match ty {
            TypeRef::Named(id) => self.types.get(id.as_str()).copied(),
            TypeRef::Inline(def) => Some(def),
        }
    }

    /// Members in document order (unknown ones refused, known ones checked), then the
    /// required members that are missing, in spec order.
    fn object(&self, fields: &'s [FieldDef], obj: &Map<String, Value>, at: &str, skip: Option<&str>) -> R<()> {
        for (name, v) in obj {
            if Some(name.as_str()) == skip {
                continue;
            }
            let here = push_pointer(at, name);
            match fields.iter().find(|f| f.name == *name) {
                Some(f) => self.field(f, v, &here)?,
                None => return fail("unknown_field", &here),
            }
        }
        for f in fields {
            if !f.optional && !obj.contains_key(&f.name) {
                return fail("missing_field", &push_pointer(at, &f.name));
            }
        }
        Ok(())
    }

    fn field(&self, f: &'s FieldDef, v: &Value, at: &str) -> R<()> {
        match self.resolve(&f.ty) {
            Some(ty) => self.value(ty, v, at),
            // The validator reports dangling references; an unresolved type admits nothing.
            None => fail("wrong_type", at),
        }
    }

    fn value(&self, ty: &'s TypeDef, v: &Value, at: &str) -> R<()> {
        match ty {
            TypeDef::String { length, charset, prefix } => {
                let s = v.as_str().map_or_else(|| fail("wrong_type", at), Ok)?;
                let n = s.chars().count();
                if n < length[0] as usize
                    || n > length[1] as usize
                    || !s.starts_with(prefix.as_str())
                    || !charset.admits(s)
                {
                    return fail("bad_pattern", at);
                }
                Ok(())
            }
            TypeDef::Hex { bytes } => self.hex(v, at, *bytes).map(drop),
            TypeDef::Der { bytes } => {
                let b = self.hex(v, at, *bytes)?;
                if der_sequence(&b) {
                    Ok(())
                } else {
                    fail("bad_der", at)
                }
            }
            TypeDef::Capdu {} => {
                let b = self.hex(v, at, [4, 65_544])?;
                if capdu_structure(&b) {
                    Ok(())
                } else {
                    fail("bad_apdu", at)
                }
            }
            TypeDef::Rapdu { allow_empty } => {
                if *allow_empty && v.as_str() == Some("") {
                    return Ok(());
                }
                self.hex(v, at, [2, 65_538]).map(drop)
            }
            TypeDef::Integer { range } => match integer(v) {
                Some(Some(n)) if (range[0]..=range[1]).contains(&n) => Ok(()),
                Some(_) => fail("out_of_range", at),
                None => fail("wrong_type", at),
            },
            TypeDef::Boolean {} => {
                if v.is_boolean() {
                    Ok(())
                } else {
                    fail("wrong_type", at)
                }
            }
            TypeDef::Enum { values } => {
                let s = v.as_str().map_or_else(|| fail("wrong_type", at), Ok)?;
                if values.iter().any(|x| x == s) {
                    Ok(())
                } else {
                    fail("unknown_value", at)
                }
            }
            TypeDef::Datetime {} => {
                let s = v.as_str().map_or_else(|| fail("wrong_type", at), Ok)?;
                if datetime(s) {
                    Ok(())
                } else {
                    fail("bad_pattern", at)
                }
            }
            TypeDef::Object { fields } => match v {
                Value::Object(obj) => self.object(fields, obj, at, None),
                _ => fail("wrong_type", at),
            },
            TypeDef::Array { items, count } => {
                let Value::Array(list) = v else { return fail("wrong_type", at) };
                if list.len() < count[0] as usize || list.len() > count[1] as usize {
                    return fail("out_of_range", at);
                }
                let Some(item) = self.resolve(items) else { return fail("wrong_type", at) };
                for (i, x) in list.iter().enumerate() {
                    self.value(item, x, &push_pointer(at, &i.to_string()))?;
                }
                Ok(())
            }
            TypeDef::Choice { options } => {
                let Value::Object(obj) = v else { return fail("wrong_type", at) };
                let mut members = obj.iter();
                let (Some((name, inner)), None) = (members.next(), members.next()) else {
                    return fail("bad_choice", at);
                };
                let here = push_pointer(at, name);
                match options.iter().find(|o| o.name == *name) {
                    Some(o) => self.field(o, inner, &here),
                    None => fail("unknown_field", &here),
                }
            }
        }
    }

    /// The bytes of a hex string `bytes[0]..=bytes[1]` long.
    fn hex(&self, v: &Value, at: &str, bytes: [u32; 2]) -> R<Vec<u8>> {
        let s = v.as_str().map_or_else(|| fail("wrong_type", at), Ok)?;
        let n = s.len() / 2;
        if s.len() % 2 != 0 || n < bytes[0] as usize || n > bytes[1] as usize {
            return fail("bad_pattern", at);
        }
        hex::decode(s).or_else(|_| fail("bad_pattern", at))
    }
}

/// `Some(Some(n))` for an integer in i64, `Some(None)` for an integer outside it, `None` for
/// anything else. serde_json keeps no token text: an integer beyond i64 written without
/// exponent arrives as u64 or f64, and a whole f64 that large is taken as such (the codec
/// refuses `1e30` as not an integer; the interpreter, seeing only the value, cannot).
fn integer(v: &Value) -> Option<Option<i64>> {
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        return Some(Some(i));
    }
    if n.as_u64().is_some() {
        return Some(None);
    }
    match n.as_f64() {
        Some(f) if f.is_finite() && f.fract() == 0.0 && f.abs() >= i64::MAX as f64 => Some(None),
        _ => None,
    }
}

/// Nesting depth of arrays and objects; a scalar is 0.
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Whether `b` is a C-APDU of one of the ISO 7816-4 cases (what `CommandApdu::parse` accepts).
pub fn capdu_structure(b: &[u8]) -> bool {
    let len = b.len();
    match len {
        0..=3 => false,
        4 | 5 => true,
        _ if b[4] != 0 => {
            let nc = usize::from(b[4]);
            len == 5 + nc || len == 6 + nc
        }
        6 => false,
        7 => true,
        _ => {
            let nc = usize::from(u16::from_be_bytes([b[5], b[6]]));
            nc != 0 && (len == 7 + nc || len == 9 + nc)
        }
    }
}

/// Whether `b` is exactly one DER SEQUENCE: tag 30, a definite length in the fewest bytes.
pub fn der_sequence(b: &[u8]) -> bool {
    let (Some(&0x30), Some(&first)) = (b.first(), b.get(1)) else { return false };
    let (header, len) = match first {
        0..=0x7F => (2, usize::from(first)),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7F);
            let Some(digits) = b.get(2..2 + n) else { return false };
            if digits[0] == 0 {
                return false;
            }
            let len = digits.iter().fold(0usize, |a, &d| a << 8 | usize::from(d));
            if n == 1 && len < 0x80 {
                return false;
            }
            (2 + n, len)
        }
        _ => return false,
    };
    b.len() - header == len
}

/// Whether `s` is `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)` with a real calendar date.
pub fn datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let d = b.get(r)?;
        d.iter().all(u8::is_ascii_digit).then(|| d.iter().fold(0, |a, &c| a * 10 + u32::from(c - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) =
        (num(0..4), num(5..7), num(8..10), num(11..13), num(14..16), num(17..19))
    else {
        return false;
    };
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
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
    if at(i, b'.') {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return false;
        }
        i += 1 + digits;
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let (Some(oh), Some(om)) = (num(i + 1..i + 3), num(i + 4..i + 6)) else { return false };
            at(i + 3, b':') && oh <= 23 && om <= 59 && i + 6 == b.len()
        }
        _ => false,
    }
}

/// A JSON value read with duplicate member names refused (serde_json keeps the last).
struct Strict;

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_str<E>(self, _: &str) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        while seq.next_element::<Strict>()?.is_some() {}
        Ok(Strict)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("duplicate key {key:?}")));
            }
            map.next_value::<Strict>()?;
        }
        Ok(Strict)
    }
}

// ---- validation of the spec sections --------------------------------------------------

struct Check<'s> {
    spec: &'s Spec,
    types: BTreeMap<&'s str, (&'s TypeDef, String)>,
    problems: Vec<Problem>,
}

impl Check<'_> {
    fn problem(&mut self, at: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(Problem { at: at.into(), reason: reason.into() });
    }
}

/// What the message sections add to the validator's report.
pub struct Report {
    pub problems: Vec<Problem>,
    pub entries: usize,
    pub examples: usize,
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.contains('.')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

/// The actors the flows declare (the `actors` sections, read from the documents as written);
/// empty when the spec declares none, and then any name goes.
fn actor_ids(spec: &Spec) -> BTreeSet<&str> {
    spec.files
        .iter()
        .filter_map(|l| l.raw.get("actors").and_then(Value::as_array))
        .flatten()
        .filter_map(|a| a.get("id").and_then(Value::as_str))
        .collect()
}

/// Validates `message_text`, `message_types` and `messages`: ids, references, type
/// definitions, actors, and that every example checks as it says.
pub fn validate(spec: &Spec) -> Report {
    let texts = text_entries(spec);
    let types = type_entries(spec);
    let messages = message_entries(spec);
    let mut c = Check {
        spec,
        types: types.iter().map(|t| (t.entry.id.as_str(), (&t.entry.ty, t.at.clone()))).collect(),
        problems: Vec::new(),
    };
    c.ids(&texts, &types, &messages);
    if !messages.is_empty() && texts.len() != 1 {
        c.problem(
            format!("{}#/message_text", messages[0].at.split('#').next().unwrap_or("")),
            "messages need exactly one message_text entry (limits and discriminator)",
        );
    }
    for t in &texts {
        if t.entry.max_bytes == 0 || t.entry.max_depth == 0 {
            c.problem(format!("{}/max_bytes", t.at), "limits must be positive");
        }
        if t.entry.discriminator.is_empty() {
            c.problem(format!("{}/discriminator", t.at), "the discriminator names a member");
        }
    }
    for t in &types {
        c.definition(&format!("{}/type", t.at), &t.entry.ty);
        if t.entry.examples.is_empty() {
            c.problem(format!("{}/examples", t.at), "this entry needs examples");
        }
    }
    c.cycles(&types);
    let discriminator = texts.first().map(|t| t.entry.discriminator.clone()).unwrap_or_default();
    let actors = actor_ids(spec);
    for m in &messages {
        for (side, list) in [("from", &m.entry.from), ("to", &m.entry.to)] {
            let list = list.list();
            if list.is_empty() {
                c.problem(format!("{}/{side}", m.at), "at least one actor");
            }
            for actor in list {
                if !actors.is_empty() && !actors.contains(actor) {
                    let known = actors.iter().copied().collect::<Vec<_>>().join(", ");
                    c.problem(
                        format!("{}/{side}", m.at),
                        format!("dangling reference: no actor {actor:?}; actors are {known}"),
                    );
                }
            }
        }
        if m.entry.fields.iter().any(|f| f.name == discriminator) {
            c.problem(format!("{}/fields", m.at), format!("{discriminator:?} is the discriminator, not a field"));
        }
        c.fields(&format!("{}/fields", m.at), &m.entry.fields);
    }
    let examples = c.examples(&texts, &types, &messages);
    Report { problems: c.problems, entries: texts.len() + types.len() + messages.len(), examples }
}

impl<'s> Check<'s> {
    /// Ids must be unique across the whole spec. The other sections' ids are read from the
    /// documents as written, so that this check does not depend on how each section is loaded.
    fn ids(
        &mut self,
        texts: &[Located<MessageTextEntry>],
        types: &[Located<MessageTypeEntry>],
        messages: &[Located<MessageEntry>],
    ) {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for l in &self.spec.files {
            let Some(doc) = l.raw.as_object() else { continue };
            for (section, entries) in doc.iter().filter(|(k, _)| !SECTIONS.contains(&k.as_str())) {
                for (i, e) in entries.as_array().into_iter().flatten().enumerate() {
                    if let Some(id) = e.get("id").and_then(Value::as_str) {
                        seen.entry(id.to_string()).or_insert_with(|| format!("{}#/{section}/{i}", l.display));
                    }
                }
            }
        }
        let heads = texts
            .iter()
            .map(|t| (&t.at, &t.entry.id, &t.entry.source))
            .chain(types.iter().map(|t| (&t.at, &t.entry.id, &t.entry.source)))
            .chain(messages.iter().map(|m| (&m.at, &m.entry.id, &m.entry.source)));
        for (at, id, source) in heads {
            if !is_id(id) {
                self.problem(format!("{at}/id"), format!("id {id:?} must be lower-case words joined by dots"));
            }
            if let Some(first) = seen.insert(id.clone(), at.clone()) {
                self.problem(format!("{at}/id"), format!("duplicate id {id:?}, first at {first}"));
            }
            if source.trim().is_empty() {
                self.problem(format!("{at}/source"), "empty source");
            }
        }
    }

    fn fields(&mut self, at: &str, fields: &[FieldDef]) {
        let mut names = BTreeSet::new();
        for (i, f) in fields.iter().enumerate() {
            if f.name.is_empty() || !names.insert(f.name.as_str()) {
                self.problem(format!("{at}/{i}/name"), format!("member name {:?} is empty or used twice", f.name));
            }
            match &f.ty {
                TypeRef::Named(id) if !self.types.contains_key(id.as_str()) => {
                    self.problem(format!("{at}/{i}/type"), format!("dangling reference: no message type {id:?}"))
                }
                TypeRef::Named(_) => {}
                TypeRef::Inline(def) => self.definition(&format!("{at}/{i}/type"), def),
            }
        }
    }

    fn definition(&mut self, at: &str, def: &TypeDef) {
        let bounds = |b: [u32; 2]| b[0] <= b[1];
        match def {
            TypeDef::String { length, .. } if !bounds(*length) || length[1] == 0 => {
                self.problem(format!("{at}/length"), "length is [min, max] with max ≥ min and max > 0")
            }
            TypeDef::Hex { bytes } | TypeDef::Der { bytes } if !bounds(*bytes) || bytes[1] == 0 => {
                self.problem(format!("{at}/bytes"), "bytes is [min, max] with max ≥ min and max > 0")
            }
            TypeDef::Integer { range } if range[0] > range[1] => {
                self.problem(format!("{at}/range"), "range is [min, max] with max ≥ min")
            }
            TypeDef::Enum { values } => {
                let unique: BTreeSet<_> = values.iter().collect();
                if values.is_empty() || unique.len() != values.len() {
                    self.problem(format!("{at}/values"), "an enumeration lists at least one value, each once");
                }
            }
            TypeDef::Object { fields } => self.fields(&format!("{at}/fields"), fields),
            TypeDef::Choice { options } => {
                if options.is_empty() {
                    self.problem(format!("{at}/options"), "a choice has at least one option");
                }
                if options.iter().any(|o| o.optional) {
                    self.problem(format!("{at}/options"), "choice options are not optional: one of them is present");
                }
                self.fields(&format!("{at}/options"), options);
            }
            TypeDef::Array { items, count } => {
                if !bounds(*count) || count[1] == 0 {
                    self.problem(format!("{at}/count"), "count is [min, max] with max ≥ min and max > 0");
                }
                match items {
                    TypeRef::Named(id) if !self.types.contains_key(id.as_str()) => {
                        self.problem(format!("{at}/items"), format!("dangling reference: no message type {id:?}"))
                    }
                    TypeRef::Named(_) => {}
                    TypeRef::Inline(def) => self.definition(&format!("{at}/items"), def),
                }
            }
            _ => {}
        }
    }

    /// A type that contains itself would describe only infinite values.
    fn cycles(&mut self, types: &[Located<MessageTypeEntry>]) {
        fn refs<'a>(def: &'a TypeDef, out: &mut Vec<&'a str>) {
            let mut of = |t: &'a TypeRef| match t {
                TypeRef::Named(id) => out.push(id),
                TypeRef::Inline(d) => refs(d, out),
            };
            match def {
                TypeDef::Object { fields } | TypeDef::Choice { options: fields } => {
                    fields.iter().for_each(|f| of(&f.ty))
                }
                TypeDef::Array { items, .. } => of(items),
                _ => {}
            }
        }
        let graph: BTreeMap<&str, Vec<&str>> = types
            .iter()
            .map(|t| {
                let mut out = Vec::new();
                refs(&t.entry.ty, &mut out);
                (t.entry.id.as_str(), out)
            })
            .collect();
        for t in types {
            let mut stack = graph.get(t.entry.id.as_str()).cloned().unwrap_or_default();
            let mut seen = BTreeSet::new();
            while let Some(next) = stack.pop() {
                if next == t.entry.id {
                    self.problem(format!("{}/type", t.at), format!("{} contains itself", t.entry.id));
                    break;
                }
                if seen.insert(next) {
                    stack.extend(graph.get(next).into_iter().flatten());
                }
            }
        }
    }

    fn examples(
        &mut self,
        texts: &[Located<MessageTextEntry>],
        types: &[Located<MessageTypeEntry>],
        messages: &[Located<MessageEntry>],
    ) -> usize {
        let interp = MessageInterp::new(self.spec);
        let mut count = 0;
        let mut run = |c: &mut Self, at: &str, ex: &MessageExample, check: &dyn Fn(&[u8]) -> R<Option<String>>| {
            count += 1;
            let Some(input) = ex.input() else {
                c.problem(at, "an example has exactly one of json and text");
                return;
            };
            match (check(input.as_bytes()), &ex.error) {
                (Ok(_), None) => {}
                (Ok(_), Some(e)) => {
                    c.problem(format!("{at}/error"), format!("expected {} at {:?}, but it checks", e.kind, e.pointer))
                }
                (Err(f), None) => c.problem(at, format!("does not check: {} at {:?}", f.kind, f.pointer)),
                (Err(f), Some(e)) => {
                    let pointer_checked = !TEXT_KINDS.contains(&f.kind);
                    if f.kind != e.kind || (pointer_checked && f.pointer != e.pointer) {
                        c.problem(
                            format!("{at}/error"),
                            format!("fails with {} at {:?}, not {} at {:?}", f.kind, f.pointer, e.kind, e.pointer),
                        );
                    }
                }
            }
            if let Some(e) = &ex.error {
                if !ERROR_KINDS.contains(&e.kind.as_str()) {
                    c.problem(
                        format!("{at}/error/kind"),
                        format!("unknown error kind {:?}; kinds are {}", e.kind, ERROR_KINDS.join(", ")),
                    );
                }
            }
        };
        for t in texts {
            for (j, ex) in t.entry.examples.iter().enumerate() {
                run(self, &format!("{}/examples/{j}", t.at), ex, &|b| interp.check_text(b).map(|m| Some(m.id.clone())));
            }
        }
        for t in types {
            for (j, ex) in t.entry.examples.iter().enumerate() {
                let id = t.entry.id.clone();
                run(self, &format!("{}/examples/{j}", t.at), ex, &|b| interp.check_type_text(&id, b).map(|()| None));
            }
        }
        for m in messages {
            let mut names_self = false;
            for (j, ex) in m.entry.examples.iter().enumerate() {
                let at = format!("{}/examples/{j}", m.at);
                let id = m.entry.id.clone();
                run(self, &at, ex, &|b| interp.check_text(b).map(|e| Some(e.id.clone())));
                let decoded = ex.input().and_then(|t| interp.check_text(t.as_bytes()).ok()).map(|e| e.id.clone());
                match (&ex.error, decoded) {
                    (None, Some(got)) if got == id => names_self = true,
                    (None, Some(got)) => self.problem(at, format!("checks as {got}, not as this entry")),
                    _ => {}
                }
            }
            if !names_self {
                self.problem(format!("{}/examples", m.at), format!("no example checks as {}", m.entry.id));
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes() {
        for ok in ["2026-11-24T09:30:00Z", "2024-02-29T23:59:59.123+09:00", "2026-01-01T00:00:00-05:30"] {
            assert!(datetime(ok), "{ok}");
        }
        for bad in [
            "2026-11-24 09:30:00Z",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24T09:30:00",
            "2026-11-24T09:30:00.Z",
            "2026-11-24T09:30:00+0900",
            "2026-11-24T09:30:00Zjunk",
        ] {
            assert!(!datetime(bad), "{bad}");
        }
    }

    #[test]
    fn apdu_cases() {
        assert!(capdu_structure(&hex::decode("00A4040008A000000151000000").unwrap()));
        assert!(capdu_structure(&hex::decode("80F21000024F0000").unwrap()));
        assert!(capdu_structure(&hex::decode("00B0000000").unwrap()));
        assert!(!capdu_structure(&hex::decode("00A40400").unwrap()[..3]));
        assert!(!capdu_structure(&hex::decode("00A4040008A0000001").unwrap()));
        assert!(!capdu_structure(&hex::decode("00A4040000000001").unwrap()));
    }

    #[test]
    fn der_headers() {
        assert!(der_sequence(&[0x30, 0x02, 0x05, 0x00]));
        assert!(der_sequence(&[&[0x30, 0x81, 0x80][..], &[0; 0x80]].concat()));
        assert!(!der_sequence(&[&[0x30, 0x81, 0x7F][..], &[0; 0x7F]].concat()), "non-minimal length");
        assert!(!der_sequence(&[0x31, 0x00]));
        assert!(!der_sequence(&[0x30, 0x03, 0x05, 0x00]));
        assert!(!der_sequence(&[0x30, 0x80, 0x00, 0x00]), "indefinite length");
    }

    #[test]
    fn charsets() {
        assert!(Charset::Dotted.admits("8.1.1") && !Charset::Dotted.admits("8..1") && !Charset::Dotted.admits(".8"));
        assert!(Charset::Base32.admits("7K3M9QXZ2HFD") && !Charset::Base32.admits("7K3M9QXZ2HFI"));
        assert!(!Charset::Utf8.admits("a\u{7}b") && Charset::Utf8.admits("申請"));
    }

    fn spec_of(doc: serde_json::Value) -> Spec {
        let file = serde_json::from_value(doc.clone()).expect("a spec file");
        Spec { files: vec![crate::spec::Loaded { display: "t.json".into(), path: "t.json".into(), file, raw: doc }] }
    }

    fn problems(doc: serde_json::Value) -> Vec<String> {
        validate(&spec_of(doc)).problems.iter().map(ToString::to_string).collect()
    }

    fn doc(types: serde_json::Value, messages: serde_json::Value) -> serde_json::Value {
        serde_json::json!({ "spec": "hanko/1", "title": "t", "description": "d",
            "message_text": [{ "id": "t.text", "name": "text", "source": "s", "confidence": "project-defined",
                               "max_bytes": 1000, "max_depth": 4, "discriminator": "type" }],
            "message_types": types, "messages": messages })
    }

    fn ping(example: serde_json::Value) -> serde_json::Value {
        serde_json::json!([{ "id": "t.ping", "name": "ping", "source": "s", "confidence": "project-defined",
            "operation": "Ping", "from": "a", "to": "b",
            "fields": [{ "name": "aid", "type": "t.aid" }, { "name": "n", "type": { "kind": "integer", "range": [1, 3] }, "optional": true }],
            "examples": [example] }])
    }

    fn aid() -> serde_json::Value {
        serde_json::json!([{ "id": "t.aid", "name": "aid", "source": "s", "confidence": "normative",
                             "type": { "kind": "hex", "bytes": [5, 16] }, "examples": [{ "json": "A000000151" }] }])
    }

    #[test]
    fn a_consistent_section_validates() {
        assert_eq!(
            problems(doc(aid(), ping(serde_json::json!({ "json": { "type": "t.ping", "aid": "A000000151" } })))),
            Vec::<String>::new()
        );
    }

    #[test]
    fn examples_that_do_not_check_as_they_say_are_reported() {
        let p = problems(doc(aid(), ping(serde_json::json!({ "json": { "type": "t.ping", "aid": "A0" } }))));
        assert!(p.iter().any(|x| x.contains("examples/0") && x.contains("bad_pattern at \"/aid\"")), "{p:?}");
        let wrong_pointer = serde_json::json!({ "json": { "type": "t.ping", "aid": "A0" }, "error": { "kind": "bad_pattern", "pointer": "/n" } });
        let p = problems(doc(aid(), ping(wrong_pointer)));
        assert!(p.iter().any(|x| x.contains("/error") && x.contains("not bad_pattern at \"/n\"")), "{p:?}");
        let p = problems(doc(
            aid(),
            ping(serde_json::json!({ "json": { "type": "t.ping", "aid": "A000000151", "n": 4 },
                                                             "error": { "kind": "too_bad", "pointer": "/n" } })),
        ));
        assert!(p.iter().any(|x| x.contains("unknown error kind")), "{p:?}");
        assert!(p.iter().any(|x| x.contains("no example checks as t.ping")), "{p:?}");
        let p = problems(doc(aid(), ping(serde_json::json!({ "json": 1, "text": "1" }))));
        assert!(p.iter().any(|x| x.contains("exactly one of json and text")), "{p:?}");
    }

    #[test]
    fn dangling_references_cycles_and_bad_bounds_are_reported() {
        let types = serde_json::json!([
            { "id": "t.loop", "name": "l", "source": "s", "confidence": "normative",
              "type": { "kind": "array", "items": "t.loop", "count": [0, 2] }, "examples": [{ "json": [] }] },
            { "id": "t.bad", "name": "b", "source": "s", "confidence": "normative",
              "type": { "kind": "string", "length": [4, 2] }, "examples": [] }]);
        let p = problems(doc(types, ping(serde_json::json!({ "json": { "type": "t.ping", "aid": "A000000151" } }))));
        for want in ["contains itself", "max ≥ min", "this entry needs examples", "no message type \"t.aid\""] {
            assert!(p.iter().any(|x| x.contains(want)), "{want}: {p:?}");
        }
    }

    #[test]
    fn ids_are_unique_across_the_spec() {
        let mut d = doc(aid(), ping(serde_json::json!({ "json": { "type": "t.ping", "aid": "A000000151" } })));
        d["message_types"][0]["id"] = serde_json::json!("t.ping");
        let p = problems(d);
        assert!(p.iter().any(|x| x.contains("duplicate id \"t.ping\"")), "{p:?}");
    }

    #[test]
    fn the_interpreter_checks_text_before_members() {
        let spec = spec_of(doc(aid(), ping(serde_json::json!({ "json": { "type": "t.ping", "aid": "A000000151" } }))));
        let i = MessageInterp::new(&spec);
        let kind = |t: &str| i.check_text(t.as_bytes()).map(|m| m.id.clone()).map_err(|f| (f.kind, f.pointer));
        assert_eq!(kind(r#"{"type":"t.ping","aid":"A000000151"}"#), Ok("t.ping".into()));
        assert_eq!(
            kind(r#"{"type":"t.ping","aid":"A000000151","aid":"A000000151"}"#),
            Err(("duplicate_key", String::new()))
        );
        assert_eq!(kind(r#"[[[[[]]]]]"#), Err(("too_deep", String::new())));
        assert_eq!(kind(&" ".repeat(1001)), Err(("too_large", String::new())));
        assert_eq!(kind(r#"{"type":"t.ping","n":2}"#), Err(("missing_field", "/aid".into())));
        assert_eq!(kind(r#"{"type":"t.ping","x":2,"aid":"A0"}"#), Err(("unknown_field", "/x".into())));
        assert_eq!(kind(r#"{"type":"t.ping","aid":"A000000151","n":2.0}"#), Err(("wrong_type", "/n".into())));
        assert_eq!(
            kind(r#"{"type":"t.ping","aid":"A000000151","n":18446744073709551616}"#),
            Err(("out_of_range", "/n".into()))
        );
    }

    #[test]
    fn pointers_escape() {
        assert_eq!(push_pointer("/a", "b/c~d"), "/a/b~1c~0d");
    }
}
