//! A strict JSON reader (RFC 8259) that keeps where every value stands: one pass over the
//! text into a flat arena of nodes, each with its byte range and its place in the tree.
//! Nesting is bounded before it is entered, member names must be unique, and nothing but
//! well-formed UTF-8 passes. The arena costs a fixed size per value, and every value takes at
//! least one byte of text, so memory is bounded by the text's length.

use std::borrow::Cow;
use std::cmp::Ordering;

/// No node: the end of a sibling list, or the root's parent.
pub(crate) const NONE: u32 = u32::MAX;

/// What a JSON value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JsonKind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl JsonKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool => "boolean",
            Self::Number => "number",
            Self::String => "string",
            Self::Array => "array",
            Self::Object => "object",
        }
    }
}

/// One value of the text. Offsets are `u32`: texts are far smaller than 4 GiB (the
/// decoder's size limit is checked first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Node {
    pub kind: JsonKind,
    /// Where the value's text starts and ends (strings with their quotes, containers from
    /// bracket to bracket).
    pub start: u32,
    pub end: u32,
    /// A member's name as written, quotes included; `(0, 0)` for other values.
    pub key: (u32, u32),
    pub parent: u32,
    pub first_child: u32,
    pub next_sibling: u32,
    pub children: u32,
}

/// Why a text is not a message's JSON, before its members are looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextError {
    /// Not JSON: what was expected, at a byte.
    Syntax { expected: &'static str, offset: usize },
    /// A container opened deeper than the limit; the node is in the arena.
    TooDeep { node: u32 },
    /// A member name used twice in one object: the second member.
    Duplicate { node: u32 },
}

/// A parsed text: the text and its values, the root first.
#[derive(Clone, Debug)]
pub(crate) struct Document<'a> {
    pub text: &'a str,
    pub nodes: Vec<Node>,
}

/// Reads `bytes` as one JSON value with containers at most `max_depth` deep. On a
/// `TooDeep` or `Duplicate` error the nodes read so far come back too, so that the error can
/// name its JSON pointer.
pub(crate) fn parse(bytes: &[u8], max_depth: usize) -> Result<Document<'_>, (TextError, Vec<Node>)> {
    let mut r = Reader { b: bytes, pos: 0, nodes: Vec::new(), max_depth };
    let done = r.value(NONE, (0, 0), 1).and_then(|_| {
        r.ws();
        if r.pos < r.b.len() {
            Err(r.syntax("the end of the text"))
        } else {
            Ok(())
        }
    });
    if let Err(e) = done {
        return Err((e, r.nodes));
    }
    if let Some(node) = first_duplicate(bytes, &r.nodes) {
        return Err((TextError::Duplicate { node }, r.nodes));
    }
    // Every byte outside strings is ASCII and every string was checked, so this holds; it is
    // checked rather than assumed to keep the crate free of `unsafe`.
    match core::str::from_utf8(bytes) {
        Ok(text) => Ok(Document { text, nodes: r.nodes }),
        Err(e) => Err((TextError::Syntax { expected: "UTF-8", offset: e.valid_up_to() }, r.nodes)),
    }
}

struct Reader<'b> {
    b: &'b [u8],
    pos: usize,
    nodes: Vec<Node>,
    max_depth: usize,
}

impl Reader<'_> {
    fn syntax(&self, expected: &'static str) -> TextError {
        TextError::Syntax { expected, offset: self.pos }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn push(&mut self, kind: JsonKind, parent: u32, key: (u32, u32)) -> u32 {
        let at = self.pos as u32;
        self.nodes.push(Node {
            kind,
            start: at,
            end: at,
            key,
            parent,
            first_child: NONE,
            next_sibling: NONE,
            children: 0,
        });
        (self.nodes.len() - 1) as u32
    }

    /// Reads one value at `depth` (the root is at 1) and returns its node.
    fn value(&mut self, parent: u32, key: (u32, u32), depth: usize) -> Result<u32, TextError> {
        self.ws();
        let kind = match self.peek() {
            Some(b'{') => JsonKind::Object,
            Some(b'[') => JsonKind::Array,
            Some(b'"') => JsonKind::String,
            Some(b'-' | b'0'..=b'9') => JsonKind::Number,
            Some(b't' | b'f') => JsonKind::Bool,
            Some(b'n') => JsonKind::Null,
            _ => return Err(self.syntax("a value")),
        };
        let node = self.push(kind, parent, key);
        match kind {
            JsonKind::Object | JsonKind::Array => {
                if depth > self.max_depth {
                    return Err(TextError::TooDeep { node });
                }
                self.container(node, kind == JsonKind::Object, depth)?;
            }
            JsonKind::String => self.string()?,
            JsonKind::Number => self.number()?,
            JsonKind::Bool => {
                if !self.literal(b"true") && !self.literal(b"false") {
                    return Err(self.syntax("a value"));
                }
            }
            JsonKind::Null => {
                if !self.literal(b"null") {
                    return Err(self.syntax("a value"));
                }
            }
        }
        self.nodes[node as usize].end = self.pos as u32;
        Ok(node)
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        let ok = self.b.get(self.pos..self.pos + word.len()) == Some(word);
        if ok {
            self.pos += word.len();
        }
        ok
    }

    /// An object's members or an array's items, from the opening bracket to the closing one.
    fn container(&mut self, node: u32, object: bool, depth: usize) -> Result<(), TextError> {
        let close = if object { b'}' } else { b']' };
        self.pos += 1;
        self.ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(());
        }
        let mut last = NONE;
        loop {
            self.ws();
            let key = if object {
                if self.peek() != Some(b'"') {
                    return Err(self.syntax("a member name"));
                }
                let start = self.pos as u32;
                self.string()?;
                let key = (start, self.pos as u32);
                self.ws();
                if self.peek() != Some(b':') {
                    return Err(self.syntax("':'"));
                }
                self.pos += 1;
                key
            } else {
                (0, 0)
            };
            let child = self.value(node, key, depth + 1)?;
            if last == NONE {
                self.nodes[node as usize].first_child = child;
            } else {
                self.nodes[last as usize].next_sibling = child;
            }
            last = child;
            self.nodes[node as usize].children += 1;
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.syntax(if object { "',' or '}'" } else { "',' or ']'" })),
            }
        }
    }

    /// A string from its opening quote past its closing one: escapes valid, no control
    /// characters, well-formed UTF-8, surrogate escapes in pairs.
    fn string(&mut self) -> Result<(), TextError> {
        self.pos += 1;
        loop {
            match self.peek() {
                None => return Err(self.syntax("'\"' to end the string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => self.escape()?,
                Some(0..=0x1F) => return Err(self.syntax("no control character in a string")),
                Some(0..=0x7F) => self.pos += 1,
                Some(lead) => {
                    let width = match lead {
                        0xC2..=0xDF => 2,
                        0xE0..=0xEF => 3,
                        0xF0..=0xF4 => 4,
                        _ => 0,
                    };
                    let ok = width > 0
                        && self.b.get(self.pos..self.pos + width).is_some_and(|s| core::str::from_utf8(s).is_ok());
                    if !ok {
                        return Err(self.syntax("UTF-8"));
                    }
                    self.pos += width;
                }
            }
        }
    }

    fn escape(&mut self) -> Result<(), TextError> {
        let at = self.pos;
        let bad = TextError::Syntax { expected: "a valid escape", offset: at };
        match self.b.get(at + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 2;
                Ok(())
            }
            Some(b'u') => {
                let unit = hex4(self.b, at + 2).ok_or(bad)?;
                self.pos += 6;
                match unit {
                    0xD800..=0xDBFF => {
                        let low = (self.b.get(self.pos..self.pos + 2) == Some(b"\\u"))
                            .then(|| hex4(self.b, self.pos + 2))
                            .flatten()
                            .filter(|u| (0xDC00..=0xDFFF).contains(u));
                        if low.is_none() {
                            return Err(bad);
                        }
                        self.pos += 6;
                        Ok(())
                    }
                    0xDC00..=0xDFFF => Err(bad),
                    _ => Ok(()),
                }
            }
            _ => Err(bad),
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, and finite as a double (as
    /// serde_json and most readers require: `1e400` is refused, not read as infinity).
    fn number(&mut self) -> Result<(), TextError> {
        let start = self.pos;
        self.number_token()?;
        let finite = core::str::from_utf8(&self.b[start..self.pos])
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .is_some_and(f64::is_finite);
        if finite {
            Ok(())
        } else {
            Err(TextError::Syntax { expected: "a number within the range of a double", offset: start })
        }
    }

    fn number_token(&mut self) -> Result<(), TextError> {
        let digits = |r: &mut Self| {
            let start = r.pos;
            while matches!(r.peek(), Some(b'0'..=b'9')) {
                r.pos += 1;
            }
            r.pos > start
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.syntax("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.syntax("a digit"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.syntax("a digit"));
            }
        }
        Ok(())
    }
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let d = b.get(at..at + 4)?;
    d.iter().try_fold(0u32, |acc, &c| Some(acc << 4 | (c as char).to_digit(16)?))
}

/// The characters of a string as written between its quotes, escapes decoded. The string
/// must have been read by [`parse`]; anything it did not admit ends the iteration.
#[derive(Clone)]
pub(crate) struct Chars<'t> {
    rest: core::str::Chars<'t>,
}

impl<'t> Chars<'t> {
    pub fn new(inner: &'t str) -> Self {
        Self { rest: inner.chars() }
    }

    fn hex4(&mut self) -> Option<u32> {
        (0..4).try_fold(0u32, |acc, _| Some(acc << 4 | self.rest.next()?.to_digit(16)?))
    }
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.rest.next()?;
        if c != '\\' {
            return Some(c);
        }
        Some(match self.rest.next()? {
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let unit = self.hex4()?;
                if (0xD800..=0xDBFF).contains(&unit) {
                    self.rest.next()?;
                    self.rest.next()?;
                    let low = self.hex4()?;
                    char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF))?
                } else {
                    char::from_u32(unit)?
                }
            }
            other => other,
        })
    }
}

/// A string's value: borrowed when it has no escapes.
pub(crate) fn unescape(inner: &str) -> Cow<'_, str> {
    if inner.contains('\\') {
        Cow::Owned(Chars::new(inner).collect())
    } else {
        Cow::Borrowed(inner)
    }
}

/// The text between a string token's quotes (`raw` includes them).
pub(crate) fn inner(raw: &str) -> &str {
    raw.get(1..raw.len().saturating_sub(1)).unwrap_or("")
}

/// The member whose name repeats an earlier one in its object, first in document order.
fn first_duplicate(b: &[u8], nodes: &[Node]) -> Option<u32> {
    let key_of = |n: &Node| -> Cow<'_, str> {
        let raw = b.get(n.key.0 as usize..n.key.1 as usize).and_then(|s| core::str::from_utf8(s).ok()).unwrap_or("");
        unescape(inner(raw))
    };
    let mut best: Option<u32> = None;
    for object in nodes.iter().filter(|n| n.kind == JsonKind::Object && n.children > 1) {
        let mut members: Vec<(Cow<'_, str>, u32)> = Vec::with_capacity(object.children as usize);
        let mut child = object.first_child;
        while child != NONE {
            let n = &nodes[child as usize];
            members.push((key_of(n), child));
            child = n.next_sibling;
        }
        // Children are in document order, so a stable sort keeps each name's first use first.
        members.sort_by(|a, b| a.0.cmp(&b.0));
        for pair in members.windows(2) {
            if pair[0].0 == pair[1].0 {
                let later = pair[1].1;
                if best.is_none_or(|b| nodes[later as usize].key.0.cmp(&nodes[b as usize].key.0) == Ordering::Less) {
                    best = Some(later);
                }
            }
        }
    }
    best
}

/// The JSON pointer (RFC 6901) of a node: member names and item indices from the root down.
pub(crate) fn pointer(text: &[u8], nodes: &[Node], node: u32) -> String {
    let mut tokens = Vec::new();
    let mut at = node;
    while let Some(n) = nodes.get(at as usize) {
        let Some(parent) = nodes.get(n.parent as usize) else { break };
        if parent.kind == JsonKind::Object {
            let raw =
                text.get(n.key.0 as usize..n.key.1 as usize).and_then(|s| core::str::from_utf8(s).ok()).unwrap_or("");
            tokens.push(unescape(inner(raw)).replace('~', "~0").replace('/', "~1"));
        } else {
            let mut index = 0;
            let mut sibling = parent.first_child;
            while sibling != at && sibling != NONE {
                index += 1;
                sibling = nodes[sibling as usize].next_sibling;
            }
            tokens.push(index.to_string());
        }
        at = n.parent;
    }
    tokens.iter().rev().fold(String::new(), |mut p, t| {
        p.push('/');
        p.push_str(t);
        p
    })
}
