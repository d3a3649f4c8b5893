//! The line reader: a hand-written scanner for the one object shape a trace line has, so that
//! every error names its byte and nothing is allocated beyond the payload itself (a generic
//! JSON parser would build a map per line, five times slower than the card model it feeds).

use super::{Actor, Control, Event, Limits, Line, Link, ParseError, ParseErrorKind, FORMAT};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;

type Result<T> = std::result::Result<T, ParseError>;

/// The keys of a line, as bits for the duplicate check.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Seq,
    Link,
    From,
    To,
    Capdu,
    Rapdu,
    Control,
    Atr,
    Msg,
    Fields,
    Trace,
    Scheme,
    Event,
    Actor,
    AtUs,
    Value,
    Cards,
}

impl Key {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "seq" => Key::Seq,
            "link" => Key::Link,
            "from" => Key::From,
            "to" => Key::To,
            "capdu" => Key::Capdu,
            "rapdu" => Key::Rapdu,
            "control" => Key::Control,
            "atr" => Key::Atr,
            "msg" => Key::Msg,
            "fields" => Key::Fields,
            "trace" => Key::Trace,
            "scheme" => Key::Scheme,
            "event" => Key::Event,
            "actor" => Key::Actor,
            "at_us" => Key::AtUs,
            "value" => Key::Value,
            "cards" => Key::Cards,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Key::Seq => "seq",
            Key::Link => "link",
            Key::From => "from",
            Key::To => "to",
            Key::Capdu => "capdu",
            Key::Rapdu => "rapdu",
            Key::Control => "control",
            Key::Atr => "atr",
            Key::Msg => "msg",
            Key::Fields => "fields",
            Key::Trace => "trace",
            Key::Scheme => "scheme",
            Key::Event => "event",
            Key::Actor => "actor",
            Key::AtUs => "at_us",
            Key::Value => "value",
            Key::Cards => "cards",
        }
    }

    fn bit(self) -> u32 {
        1 << self as u32
    }
}

const PAYLOADS: [Key; 5] = [Key::Capdu, Key::Rapdu, Key::Control, Key::Atr, Key::Msg];

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
    line: usize,
    limits: &'a Limits,
    /// Values left for `fields` (all levels).
    budget: usize,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Cursor<'a> {
    fn err_at(&self, pos: usize, kind: ParseErrorKind) -> ParseError {
        ParseError { line: self.line, column: pos + 1, kind }
    }

    fn err(&self, kind: ParseErrorKind) -> ParseError {
        self.err_at(self.pos, kind)
    }

    fn ws(&mut self) {
        while self.pos < self.b.len() && is_ws(self.b[self.pos]) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8, what: &'static str) -> Result<()> {
        self.ws();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(ParseErrorKind::Syntax(what)))
        }
    }

    /// A JSON string at the cursor (after white space); borrowed when it has no escapes.
    fn string(&mut self) -> Result<Cow<'a, str>> {
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(self.err(ParseErrorKind::Syntax("a string")));
        }
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes. The line is UTF-8 already, and '"' and '\\' never occur
        // inside a multi-byte sequence, so any split here is on a character boundary.
        while let Some(&c) = self.b.get(self.pos) {
            match c {
                b'"' => {
                    let s = std::str::from_utf8(&self.b[start..self.pos])
                        .map_err(|e| self.err_at(start + e.valid_up_to(), ParseErrorKind::NotUtf8))?;
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                b'\\' => break,
                0..=0x1F => return Err(self.err(ParseErrorKind::Syntax("no control character in a string"))),
                _ => self.pos += 1,
            }
        }
        let mut out: Vec<u8> = self.b[start..self.pos].to_vec();
        loop {
            let Some(&c) = self.b.get(self.pos) else {
                return Err(self.err(ParseErrorKind::Syntax("the end of the string")));
            };
            match c {
                b'"' => {
                    // Escapes are ASCII: the raw bytes are UTF-8 exactly when the decoded are,
                    // and the raw offset is the one to report.
                    if let Err(e) = std::str::from_utf8(&self.b[start..self.pos]) {
                        return Err(self.err_at(start + e.valid_up_to(), ParseErrorKind::NotUtf8));
                    }
                    self.pos += 1;
                    let s = String::from_utf8(out).map_err(|_| self.err_at(start, ParseErrorKind::NotUtf8))?;
                    return Ok(Cow::Owned(s));
                }
                b'\\' => {
                    let at = self.pos;
                    self.pos += 1;
                    let e = self.peek().ok_or_else(|| self.err(ParseErrorKind::Syntax("an escape")))?;
                    self.pos += 1;
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(0x08),
                        b'f' => Some(0x0C),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => {
                            return Err(
                                self.err_at(at, ParseErrorKind::Syntax("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u"))
                            )
                        }
                    };
                    if let Some(s) = simple {
                        out.push(s);
                        continue;
                    }
                    let hi = self.hex4()?;
                    let ch = if (0xD800..0xDC00).contains(&hi) {
                        if self.b.get(self.pos..self.pos + 2) != Some(b"\\u") {
                            return Err(self.err_at(at, ParseErrorKind::Syntax("a low surrogate after a high one")));
                        }
                        self.pos += 2;
                        let lo = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&lo) {
                            return Err(self.err_at(at, ParseErrorKind::Syntax("a low surrogate after a high one")));
                        }
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                    } else {
                        char::from_u32(hi)
                    };
                    let ch = ch.ok_or_else(|| self.err_at(at, ParseErrorKind::Syntax("no lone surrogate")))?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1F => return Err(self.err(ParseErrorKind::Syntax("no control character in a string"))),
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// A string of hex digit pairs, decoded in the same pass that finds its end (the hot path:
    /// every APDU). Anything else — an escape, an odd count, a non-hex character — is read
    /// again as a plain string, so the result never differs from [`Self::string`] then unhex.
    fn hex_string(&mut self) -> Result<std::result::Result<Vec<u8>, Cow<'a, str>>> {
        let start = self.pos;
        let b = self.b;
        let mut i = start + 1;
        let mut out = Vec::with_capacity(b.len().saturating_sub(i) / 2);
        while let (Some(&x), Some(&y)) = (b.get(i), b.get(i + 1)) {
            let (h, l) = (HEX[usize::from(x)], HEX[usize::from(y)]);
            if (h | l) == 0xFF {
                break;
            }
            out.push(h << 4 | l);
            i += 2;
        }
        if b.get(i) == Some(&b'"') {
            self.pos = i + 1;
            return Ok(Ok(out));
        }
        self.pos = start;
        let s = self.string()?;
        Ok(unhex(&s).ok_or(s))
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits =
            self.b.get(self.pos..self.pos + 4).ok_or_else(|| self.err(ParseErrorKind::Syntax("four hex digits")))?;
        let mut v = 0u32;
        for &d in digits {
            let n = (d as char).to_digit(16).ok_or_else(|| self.err(ParseErrorKind::Syntax("four hex digits")))?;
            v = v * 16 + n;
        }
        self.pos += 4;
        Ok(v)
    }

    /// The extent of a JSON number at the cursor, checked against the grammar.
    fn number_lexeme(&mut self) -> Result<(&'a str, bool)> {
        let start = self.pos;
        let digits = |c: &mut Self| {
            let s = c.pos;
            while c.peek().is_some_and(|d| d.is_ascii_digit()) {
                c.pos += 1;
            }
            c.pos - s
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = digits(self);
        if n == 0 {
            return Err(self.err(ParseErrorKind::Syntax("a digit")));
        }
        if n > 1 && self.b[int_start] == b'0' {
            return Err(self.err_at(int_start, ParseErrorKind::Syntax("no leading zero")));
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integer = false;
            if digits(self) == 0 {
                return Err(self.err(ParseErrorKind::Syntax("a digit after '.'")));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            integer = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.err(ParseErrorKind::Syntax("a digit in the exponent")));
            }
        }
        // ASCII only: always a valid &str.
        let s = std::str::from_utf8(&self.b[start..self.pos]).unwrap_or("");
        Ok((s, integer))
    }

    /// A non-negative integer that fits `u64` (`key` names it in errors).
    fn unsigned(&mut self, key: Key) -> Result<u64> {
        self.ws();
        let at = self.pos;
        let wrong =
            |c: &Self| c.err_at(at, ParseErrorKind::WrongType { key: key.name(), expected: "a non-negative integer" });
        if !self.peek().is_some_and(|d| d.is_ascii_digit() || d == b'-') {
            return Err(wrong(self));
        }
        let (s, integer) = self.number_lexeme()?;
        if !integer {
            return Err(wrong(self));
        }
        s.parse::<u64>().map_err(|_| wrong(self))
    }

    /// Any JSON value, inside `fields`.
    fn value(&mut self, depth: usize) -> Result<Value> {
        self.ws();
        if self.budget == 0 {
            return Err(self.err(ParseErrorKind::TooManyFields { limit: self.limits.max_fields }));
        }
        self.budget -= 1;
        match self.peek() {
            Some(b'"') => Ok(Value::String(self.string()?.into_owned())),
            Some(b'{') => {
                if depth >= self.limits.max_depth {
                    return Err(self.err(ParseErrorKind::TooDeep { limit: self.limits.max_depth }));
                }
                Ok(Value::Object(self.object(depth + 1)?))
            }
            Some(b'[') => {
                if depth >= self.limits.max_depth {
                    return Err(self.err(ParseErrorKind::TooDeep { limit: self.limits.max_depth }));
                }
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Value::Array(items));
                        }
                        _ => return Err(self.err(ParseErrorKind::Syntax("',' or ']'"))),
                    }
                }
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => {
                let at = self.pos;
                let (s, integer) = self.number_lexeme()?;
                let n = if integer {
                    s.parse::<u64>().map(Number::from).or_else(|_| s.parse::<i64>().map(Number::from)).ok()
                } else {
                    None
                };
                let n = n.or_else(|| s.parse::<f64>().ok().and_then(Number::from_f64));
                n.map(Value::Number)
                    .ok_or_else(|| self.err_at(at, ParseErrorKind::Syntax("a number that fits a 64-bit value")))
            }
            _ => Err(self.err(ParseErrorKind::Syntax("a JSON value"))),
        }
    }

    fn literal(&mut self, word: &'static str, v: Value) -> Result<Value> {
        if self.b.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err(ParseErrorKind::Syntax("a JSON value")))
        }
    }

    /// An object inside `fields` (the cursor on its `{`).
    fn object(&mut self, depth: usize) -> Result<Map<String, Value>> {
        self.expect(b'{', "'{'")?;
        let mut map = Map::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(map);
        }
        loop {
            self.ws();
            let at = self.pos;
            let key = self.string()?.into_owned();
            self.expect(b':', "':'")?;
            let v = self.value(depth)?;
            if map.contains_key(&key) {
                return Err(self.err_at(at, ParseErrorKind::DuplicateKey(key)));
            }
            map.insert(key, v);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(map);
                }
                _ => return Err(self.err(ParseErrorKind::Syntax("',' or '}'"))),
            }
        }
    }
}

/// Hex digit values; 0xFF for anything else.
const HEX: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'A' as usize + i] = 10 + i as u8;
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 2);
    for pair in b.chunks_exact(2) {
        let (h, l) = (HEX[usize::from(pair[0])], HEX[usize::from(pair[1])]);
        if (h | l) == 0xFF {
            return None;
        }
        out.push(h << 4 | l);
    }
    Some(out)
}

/// What was read for one key, with the byte where its value starts.
struct Seen<'a> {
    key: Key,
    at: usize,
    value: Raw<'a>,
}

enum Raw<'a> {
    /// A hex string, decoded (or, if it is not hex, as read).
    Hex(std::result::Result<Vec<u8>, Cow<'a, str>>),
    Str(Cow<'a, str>),
    Num(u64),
    Fields(Map<String, Value>),
}

/// Parses line `line_no` (1-based). `Ok(None)` for a blank line. Checks the line on its own;
/// [`Lines`] adds what needs the lines before it (header position, `seq` order, line count).
pub fn parse_line(line_no: usize, bytes: &[u8], limits: &Limits) -> Result<Option<Line>> {
    let at = |column: usize, kind| ParseError { line: line_no, column, kind };
    if bytes.len() > limits.max_line_bytes {
        return Err(at(limits.max_line_bytes + 1, ParseErrorKind::LineTooLong { limit: limits.max_line_bytes }));
    }
    let mut c = Cursor { b: bytes, pos: 0, line: line_no, limits, budget: limits.max_fields };
    c.ws();
    if c.pos == bytes.len() {
        return Ok(None);
    }
    c.expect(b'{', "'{'")?;
    let mut seen: Vec<Seen<'_>> = Vec::with_capacity(6);
    let mut mask = 0u32;
    c.ws();
    if c.peek() == Some(b'}') {
        c.pos += 1;
    } else {
        loop {
            c.ws();
            let key_at = c.pos;
            let name = c.string()?;
            let key = Key::parse(&name)
                .ok_or_else(|| c.err_at(key_at, ParseErrorKind::UnknownKey(name.clone().into_owned())))?;
            if mask & key.bit() != 0 {
                return Err(c.err_at(key_at, ParseErrorKind::DuplicateKey(name.into_owned())));
            }
            mask |= key.bit();
            c.expect(b':', "':'")?;
            c.ws();
            let value_at = c.pos;
            let value = match key {
                Key::Seq | Key::Scheme | Key::AtUs | Key::Value => Raw::Num(c.unsigned(key)?),
                Key::Capdu | Key::Rapdu | Key::Atr => {
                    if c.peek() != Some(b'"') {
                        return Err(c.err(ParseErrorKind::WrongType { key: key.name(), expected: "a string" }));
                    }
                    Raw::Hex(c.hex_string()?)
                }
                Key::Fields => {
                    if c.peek() != Some(b'{') {
                        return Err(c.err(ParseErrorKind::WrongType { key: "fields", expected: "an object" }));
                    }
                    Raw::Fields(c.object(1)?)
                }
                _ => {
                    if c.peek() != Some(b'"') {
                        return Err(c.err(ParseErrorKind::WrongType { key: key.name(), expected: "a string" }));
                    }
                    Raw::Str(c.string()?)
                }
            };
            seen.push(Seen { key, at: value_at, value });
            c.ws();
            match c.peek() {
                Some(b',') => c.pos += 1,
                Some(b'}') => {
                    c.pos += 1;
                    break;
                }
                _ => return Err(c.err(ParseErrorKind::Syntax("',' or '}'"))),
            }
        }
    }
    c.ws();
    if c.pos != bytes.len() {
        return Err(c.err(ParseErrorKind::Syntax("the end of the line after the object")));
    }
    let end = c.pos;
    build(line_no, mask, seen, end).map(Some)
}

/// Turns the keys of one object into a [`Line`], checking which keys go together.
fn build(line_no: usize, mask: u32, seen: Vec<Seen<'_>>, end: usize) -> Result<Line> {
    let err = |column: usize, kind| ParseError { line: line_no, column, kind };
    let has = |k: Key| mask & k.bit() != 0;
    let (kind_keys, allowed): (&[Key], &[Key]) = if has(Key::Trace) {
        (&[Key::Trace], &[Key::Trace, Key::Scheme, Key::Cards])
    } else if has(Key::Event) {
        (&[Key::Seq, Key::Event, Key::Actor], &[Key::Seq, Key::Event, Key::Actor, Key::Value, Key::AtUs])
    } else {
        let payloads: Vec<Key> = PAYLOADS.iter().copied().filter(|k| has(*k)).collect();
        match payloads.as_slice() {
            [] => {
                return Err(err(1, ParseErrorKind::MissingKey("one of capdu, rapdu, control, atr, msg, event, trace")))
            }
            [Key::Msg] => (
                &[Key::Seq, Key::Link, Key::From, Key::To, Key::Msg],
                &[Key::Seq, Key::Link, Key::From, Key::To, Key::Msg, Key::Fields, Key::AtUs],
            ),
            [_] => (
                &[Key::Seq, Key::Link, Key::From, Key::To],
                &[Key::Seq, Key::Link, Key::From, Key::To, Key::Capdu, Key::Rapdu, Key::Control, Key::Atr, Key::AtUs],
            ),
            [a, b, ..] => {
                let second = seen.iter().filter(|s| s.key == *a || s.key == *b).nth(1).map_or(1, |s| s.at + 1);
                return Err(err(second, ParseErrorKind::TwoPayloads(a.name(), b.name())));
            }
        }
    };
    for s in &seen {
        if !allowed.contains(&s.key) {
            return Err(err(s.at + 1, ParseErrorKind::UnknownKey(s.key.name().to_string())));
        }
    }
    if let Some(missing) = kind_keys.iter().find(|k| !has(**k)) {
        return Err(err(end, ParseErrorKind::MissingKey(missing.name())));
    }
    let mut line = Line {
        line_no,
        seq: None,
        link: None,
        from: None,
        to: None,
        at_us: None,
        event: Event::Header { scheme: None, abstract_cards: false },
    };
    let mut payload: Option<Event> = None;
    let mut msg_fields = Map::new();
    let mut header_scheme = None;
    let mut abstract_cards = false;
    let mut event_actor = None;
    let mut event_id: Option<String> = None;
    let mut event_value = None;
    let mut value_col = end;
    for Seen { key, at, value } in seen {
        let col = at + 1;
        let name_err = |k: &'static str, n: &str| err(col, ParseErrorKind::UnknownName { key: k, name: n.to_string() });
        match (key, value) {
            (Key::Seq, Raw::Num(n)) => line.seq = Some(n),
            (Key::AtUs, Raw::Num(n)) => line.at_us = Some(n),
            (Key::Scheme, Raw::Num(n)) => {
                header_scheme = Some(
                    u8::try_from(n)
                        .ok()
                        .filter(|s| (1..=3).contains(s))
                        .ok_or_else(|| err(col, ParseErrorKind::WrongType { key: "scheme", expected: "1, 2 or 3" }))?,
                );
            }
            (Key::Link, Raw::Str(s)) => line.link = Some(Link::from_name(&s).ok_or_else(|| name_err("link", &s))?),
            (Key::From, Raw::Str(s)) => line.from = Some(Actor::from_name(&s).ok_or_else(|| name_err("actor", &s))?),
            (Key::To, Raw::Str(s)) => line.to = Some(Actor::from_name(&s).ok_or_else(|| name_err("actor", &s))?),
            (Key::Actor, Raw::Str(s)) => event_actor = Some(Actor::from_name(&s).ok_or_else(|| name_err("actor", &s))?),
            (Key::Event, Raw::Str(s)) => {
                // `crash`, or a flow event's id (`s1.relay.code_expires`): a dotted name.
                let id_like = s.contains('.')
                    && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
                if s != "crash" && !id_like {
                    return Err(name_err("event", &s));
                }
                event_id = Some(s.into_owned());
            }
            (Key::Value, Raw::Num(n)) => {
                value_col = col;
                event_value = Some(
                    u8::try_from(n)
                        .map_err(|_| err(col, ParseErrorKind::WrongType { key: "value", expected: "0 to 255" }))?,
                );
            }
            (Key::Cards, Raw::Str(s)) => {
                if s != "abstract" {
                    return Err(name_err("cards", &s));
                }
                abstract_cards = true;
            }
            (Key::Trace, Raw::Str(s)) => {
                if s != FORMAT {
                    return Err(err(col, ParseErrorKind::UnknownName { key: "trace format", name: s.into_owned() }));
                }
            }
            (Key::Control, Raw::Str(s)) => {
                payload = Some(Event::Control(Control::from_name(&s).ok_or_else(|| name_err("control", &s))?))
            }
            (k @ (Key::Capdu | Key::Rapdu | Key::Atr), Raw::Hex(h)) => {
                let bytes = h.map_err(|_| err(col, ParseErrorKind::BadHex { key: k.name() }))?;
                payload = Some(match k {
                    Key::Capdu => Event::Capdu(bytes),
                    Key::Rapdu => Event::Rapdu(bytes),
                    _ => Event::Atr(bytes),
                });
            }
            (Key::Msg, Raw::Str(s)) => {
                if s.is_empty() {
                    return Err(err(col, ParseErrorKind::WrongType { key: "msg", expected: "a non-empty message id" }));
                }
                payload = Some(Event::Message { id: s.into_owned(), fields: Map::new() });
            }
            (Key::Fields, Raw::Fields(m)) => msg_fields = m,
            // Every key was read with its own type above.
            (k, _) => {
                return Err(err(col, ParseErrorKind::WrongType { key: k.name(), expected: "its documented type" }))
            }
        }
    }
    line.event = if has(Key::Trace) {
        Event::Header { scheme: header_scheme, abstract_cards }
    } else if let (Some(actor), Some(id)) = (event_actor, event_id) {
        match (id.as_str(), event_value) {
            ("crash", None) => Event::Crash { actor },
            ("crash", Some(_)) => return Err(err(value_col, ParseErrorKind::UnknownKey("value".into()))),
            _ => Event::Happened { actor, id, value: event_value.unwrap_or(0) },
        }
    } else {
        match payload {
            Some(Event::Message { id, .. }) => Event::Message { id, fields: msg_fields },
            Some(e) => e,
            None => return Err(err(end, ParseErrorKind::MissingKey("a payload"))),
        }
    };
    Ok(line)
}

/// Reads a trace line by line: the lines of `text` in order, blank ones skipped, each checked
/// on its own and against the lines before it. Stops at the first error.
pub struct Lines<'a> {
    rest: &'a [u8],
    line_no: usize,
    limits: Limits,
    last_seq: Option<u64>,
    seen_content: bool,
    failed: bool,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        Self::with_limits(text, Limits::default())
    }

    pub fn with_limits(text: &'a [u8], limits: Limits) -> Self {
        Self { rest: text, line_no: 0, limits, last_seq: None, seen_content: false, failed: false }
    }

    fn next_line(&mut self) -> Option<Result<Line>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let (raw, rest) = match memchr_newline(self.rest) {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, &[][..]),
            };
            self.rest = rest;
            self.line_no += 1;
            if self.line_no > self.limits.max_lines {
                return Some(Err(ParseError {
                    line: self.line_no,
                    column: 1,
                    kind: ParseErrorKind::TooManyLines { limit: self.limits.max_lines },
                }));
            }
            let line = match parse_line(self.line_no, raw, &self.limits) {
                Ok(Some(l)) => l,
                Ok(None) => continue,
                Err(e) => return Some(Err(e)),
            };
            let first = !self.seen_content;
            self.seen_content = true;
            if matches!(line.event, Event::Header { .. }) && !first {
                return Some(Err(ParseError { line: self.line_no, column: 1, kind: ParseErrorKind::MisplacedHeader }));
            }
            if let Some(seq) = line.seq {
                if let Some(previous) = self.last_seq.filter(|p| seq <= *p) {
                    let column = find(raw, b"\"seq\"").map_or(1, |i| i + 1);
                    return Some(Err(ParseError {
                        line: self.line_no,
                        column,
                        kind: ParseErrorKind::SeqNotIncreasing { previous },
                    }));
                }
                self.last_seq = Some(seq);
            }
            return Some(Ok(line));
        }
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Iterator for Lines<'_> {
    type Item = Result<Line>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let r = self.next_line();
        if matches!(r, Some(Err(_))) {
            self.failed = true;
        }
        r
    }
}

/// Parses a whole trace with the default [`Limits`].
pub fn parse_trace(text: &str) -> Result<Vec<Line>> {
    Lines::new(text.as_bytes()).collect()
}
