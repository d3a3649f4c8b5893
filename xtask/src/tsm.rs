//! The TSM-layer sections of the spec — `scp80`, `remote_apdu`, `scp81` — and their checks.
//!
//! Their examples are packets and HTTP header blocks, which the spec interpreter does not
//! decode: hanko-codec depends on this crate (for its generated code and tests), so this
//! crate cannot call it. The validator checks here everything a spec author can get wrong
//! in the data (fields, masks, codes, hex, keys, that every example says what it expects);
//! `codec/tests/ota.rs` decodes every example with the codec and compares, and
//! `crypto/tests/scp80_vectors.rs` checks every vector byte for byte.

use crate::spec::{parse_hex, Common, Problem, Spec};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// What an entry's examples are decoded as.
pub const FORMATS: &[&str] = &[
    "scp80_command",
    "scp80_response",
    "scp80_response_ciphered",
    "remote_compact_command",
    "remote_compact_response",
    "remote_expanded_command",
    "remote_expanded_response",
    "scp81_request",
    "scp81_response",
];

/// One named bit field of a security parameter byte string (SPI, KIc, KID).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BitField {
    pub name: String,
    /// Which byte, from 0.
    pub byte: usize,
    /// The bits, one byte in hex.
    pub mask: String,
    /// The field's value (shifted down to bit 0, decimal) → name; unlisted values are reserved.
    #[serde(default)]
    pub values: Option<BTreeMap<String, String>>,
    /// A one-bit field: the constant name of the flag.
    #[serde(default)]
    pub flag: Option<String>,
    #[serde(default)]
    pub meaning: Option<String>,
}

/// A listed value: a status code, a tag, a TAR, a cipher suite.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    /// Upper-case hex, 1 to 4 bytes.
    pub value: String,
    pub name: String,
    pub meaning: String,
}

/// A field of a packet, in wire order.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketField {
    pub name: String,
    /// A number of bytes, or a rule in words (`"chl - 13"`, `"rest"`).
    pub length: serde_json::Value,
    /// Only the first field may be optional.
    #[serde(default)]
    pub optional: bool,
    /// Enciphered when the packet is.
    #[serde(default)]
    pub ciphered: bool,
    #[serde(default)]
    pub meaning: Option<String>,
}

impl PacketField {
    /// The fixed length, when the field has one.
    pub fn fixed(&self) -> Option<usize> {
        self.length.as_u64().and_then(|n| usize::try_from(n).ok())
    }
}

/// Keys and expectations for one packet, checked byte for byte by hanko-crypto.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    pub name: String,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
    pub packet: String,
    /// The unpadded secured data.
    pub data: String,
    /// The counter, where the packet carries it enciphered.
    #[serde(default)]
    pub cntr: Option<String>,
    #[serde(default)]
    pub kic_key: Option<String>,
    #[serde(default)]
    pub kid_key: Option<String>,
    /// Responses: the command's SPI, KIc and KID, which say how the response is secured.
    #[serde(default)]
    pub spi: Option<String>,
    #[serde(default)]
    pub kic: Option<String>,
    #[serde(default)]
    pub kid: Option<String>,
    /// Responses: the status code.
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Scp80Entry {
    #[serde(flatten)]
    pub common: Common,
    #[serde(default)]
    pub format: Option<String>,
    /// With `bits`: how many bytes the fields cover.
    #[serde(default)]
    pub bytes: Option<usize>,
    #[serde(default)]
    pub bits: Option<Vec<BitField>>,
    #[serde(default)]
    pub codes: Option<Vec<Code>>,
    #[serde(default)]
    pub packet: Option<Vec<PacketField>>,
    #[serde(default)]
    pub vectors: Vec<Vector>,
}

/// An instruction whose P3 is Le in the compact command format.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutgoingIns {
    pub ins: String,
    /// Only when P1 is at most this (hex).
    #[serde(default)]
    pub p1_max: Option<String>,
    pub meaning: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct RemoteApduEntry {
    #[serde(flatten)]
    pub common: Common,
    pub format: String,
    #[serde(default)]
    pub codes: Option<Vec<Code>>,
    #[serde(default)]
    pub outgoing: Option<Vec<OutgoingIns>>,
}

/// A header an SCP81 message may carry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderRule {
    pub name: String,
    #[serde(default)]
    pub required: bool,
    /// The only values allowed (compared exactly, after trimming white space).
    #[serde(default)]
    pub values: Option<Vec<String>>,
    /// `admin_from`, `uri`, `aid_path` or `decimal`.
    #[serde(default)]
    pub syntax: Option<String>,
    #[serde(default)]
    pub meaning: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderLimits {
    pub max_header_bytes: usize,
    pub max_headers: usize,
    pub max_line_bytes: usize,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Scp81Entry {
    #[serde(flatten)]
    pub common: Common,
    #[serde(default)]
    pub format: Option<String>,
    /// `request` or `response`.
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub headers: Option<Vec<HeaderRule>>,
    #[serde(default)]
    pub codes: Option<Vec<Code>>,
    #[serde(default)]
    pub limits: Option<HeaderLimits>,
}

/// The fields each section allows besides the common ones (the validator's key check).
pub fn allowed_keys(section: &str) -> Option<&'static [&'static str]> {
    match section {
        "scp80" => Some(&["format", "bytes", "bits", "codes", "packet", "vectors"]),
        "remote_apdu" => Some(&["format", "codes", "outgoing"]),
        "scp81" => Some(&["format", "message", "headers", "codes", "limits"]),
        _ => None,
    }
}

pub const SECTIONS: &[&str] = &["scp80", "remote_apdu", "scp81"];

pub const HEADER_SYNTAXES: &[&str] = &["admin_from", "uri", "aid_path", "decimal"];

impl Spec {
    pub fn scp80(&self) -> impl Iterator<Item = (String, &Scp80Entry)> {
        self.files
            .iter()
            .flat_map(|l| l.file.scp80.iter().enumerate().map(move |(i, e)| (format!("{}#/scp80/{i}", l.display), e)))
    }

    pub fn remote_apdu(&self) -> impl Iterator<Item = (String, &RemoteApduEntry)> {
        self.files.iter().flat_map(|l| {
            l.file.remote_apdu.iter().enumerate().map(move |(i, e)| (format!("{}#/remote_apdu/{i}", l.display), e))
        })
    }

    pub fn scp81(&self) -> impl Iterator<Item = (String, &Scp81Entry)> {
        self.files
            .iter()
            .flat_map(|l| l.file.scp81.iter().enumerate().map(move |(i, e)| (format!("{}#/scp81/{i}", l.display), e)))
    }

    /// Every TSM-layer entry: its JSON pointer, common part and example format.
    pub fn tsm_entries(&self) -> Vec<(String, &Common, Option<&str>)> {
        let mut out: Vec<(String, &Common, Option<&str>)> = Vec::new();
        out.extend(self.scp80().map(|(at, e)| (at, &e.common, e.format.as_deref())));
        out.extend(self.remote_apdu().map(|(at, e)| (at, &e.common, Some(e.format.as_str()))));
        out.extend(self.scp81().map(|(at, e)| (at, &e.common, e.format.as_deref())));
        out
    }
}

fn is_snake(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_upper_hex(s: &str, bytes: std::ops::RangeInclusive<usize>) -> bool {
    s.len().is_multiple_of(2)
        && bytes.contains(&(s.len() / 2))
        && s.chars().all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn problem(&mut self, at: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(Problem { at: at.into(), reason: reason.into() });
    }

    fn bits(&mut self, at: &str, bytes: Option<usize>, fields: &[BitField]) {
        let Some(bytes) = bytes.filter(|b| (1..=4).contains(b)) else {
            self.problem(format!("{at}/bytes"), "bit fields need `bytes`, 1 to 4");
            return;
        };
        let mut used = vec![0u8; bytes];
        let mut names = BTreeSet::new();
        for (j, f) in fields.iter().enumerate() {
            let at = format!("{at}/bits/{j}");
            if !is_snake(&f.name) || !names.insert(f.name.clone()) {
                self.problem(format!("{at}/name"), "field names are unique snake_case");
            }
            let mask = match u8::from_str_radix(&f.mask, 16) {
                Ok(m) if m != 0 && is_upper_hex(&f.mask, 1..=1) => m,
                _ => {
                    self.problem(format!("{at}/mask"), "mask is a non-zero byte in upper-case hex");
                    continue;
                }
            };
            // A field's bits must be contiguous, or shifting its value down would be wrong.
            let shifted = mask >> mask.trailing_zeros();
            if shifted & shifted.wrapping_add(1) != 0 {
                self.problem(format!("{at}/mask"), "a field's bits are contiguous");
            }
            match used.get_mut(f.byte) {
                Some(u) if *u & mask != 0 => {
                    self.problem(format!("{at}/mask"), "overlaps another field of the same byte")
                }
                Some(u) => *u |= mask,
                None => self.problem(format!("{at}/byte"), format!("byte {} is beyond the {bytes} bytes", f.byte)),
            }
            if f.flag.is_some() && (f.values.is_some() || mask.count_ones() != 1) {
                self.problem(format!("{at}/flag"), "a flag is one bit and has no values");
            }
            if let Some(flag) = &f.flag {
                if !flag.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                    self.problem(format!("{at}/flag"), "a flag name is UPPER_CASE");
                }
            }
            if let Some(values) = &f.values {
                let mut seen = BTreeSet::new();
                for (k, v) in values {
                    match k.parse::<u8>() {
                        Ok(n) if n <= shifted => {}
                        _ => self.problem(
                            format!("{at}/values/{k}"),
                            format!("{k:?} is not a decimal value that fits the mask"),
                        ),
                    }
                    if !is_snake(v) || !seen.insert(v.clone()) {
                        self.problem(format!("{at}/values/{k}"), "value names are unique snake_case");
                    }
                }
            }
        }
    }

    fn codes(&mut self, at: &str, codes: &[Code]) {
        let mut values = BTreeSet::new();
        let mut names = BTreeSet::new();
        let width = codes.first().map_or(0, |c| c.value.len());
        for (j, c) in codes.iter().enumerate() {
            let at = format!("{at}/codes/{j}");
            if !is_upper_hex(&c.value, 1..=4) || c.value.len() != width || !values.insert(c.value.clone()) {
                self.problem(format!("{at}/value"), "codes are unique upper-case hex, all of one width, 1 to 4 bytes");
            }
            if !is_snake(&c.name) || !names.insert(c.name.clone()) {
                self.problem(format!("{at}/name"), "code names are unique snake_case");
            }
        }
    }

    fn packet(&mut self, at: &str, fields: &[PacketField]) {
        let mut names = BTreeSet::new();
        for (j, f) in fields.iter().enumerate() {
            let at = format!("{at}/packet/{j}");
            if !is_snake(&f.name) || !names.insert(f.name.clone()) {
                self.problem(format!("{at}/name"), "field names are unique snake_case");
            }
            let ok = f.fixed().is_some_and(|n| n > 0) || f.length.as_str().is_some_and(|s| !s.trim().is_empty());
            if !ok {
                self.problem(format!("{at}/length"), "length is a positive number of bytes or a rule in words");
            }
            if f.length.as_str() == Some("rest") && j + 1 != fields.len() {
                self.problem(format!("{at}/length"), "only the last field takes the rest");
            }
            if f.optional && j != 0 {
                self.problem(format!("{at}/optional"), "only the first field (the UDH) may be optional");
            }
        }
    }

    fn vectors(&mut self, at: &str, vectors: &[Vector]) {
        let mut names = BTreeSet::new();
        for (j, v) in vectors.iter().enumerate() {
            let at = format!("{at}/vectors/{j}");
            if !is_snake(&v.name) || !names.insert(v.name.clone()) {
                self.problem(format!("{at}/name"), "vector names are unique snake_case");
            }
            let hex_fields: [(&str, Option<&str>, std::ops::RangeInclusive<usize>); 9] = [
                ("packet", Some(&v.packet), 1..=1024),
                ("data", Some(&v.data), 0..=1024),
                ("cntr", v.cntr.as_deref(), 5..=5),
                ("kic_key", v.kic_key.as_deref(), 8..=32),
                ("kid_key", v.kid_key.as_deref(), 8..=32),
                ("spi", v.spi.as_deref(), 2..=2),
                ("kic", v.kic.as_deref(), 1..=1),
                ("kid", v.kid.as_deref(), 1..=1),
                ("status", v.status.as_deref(), 1..=1),
            ];
            for (name, value, range) in hex_fields {
                if let Some(value) = value {
                    if !(is_upper_hex(value, range.clone()) || (value.is_empty() && *range.start() == 0)) {
                        self.problem(format!("{at}/{name}"), format!("upper-case hex of {range:?} bytes"));
                    }
                }
            }
            for (name, key) in [("kic_key", &v.kic_key), ("kid_key", &v.kid_key)] {
                if key.as_ref().is_some_and(|k| ![16, 32, 48, 64].contains(&k.len())) {
                    self.problem(format!("{at}/{name}"), "a key is 8, 16, 24 or 32 bytes");
                }
            }
        }
    }

    fn headers(&mut self, at: &str, headers: &[HeaderRule]) {
        let mut names = BTreeSet::new();
        for (j, h) in headers.iter().enumerate() {
            let at = format!("{at}/headers/{j}");
            let token = !h.name.is_empty() && h.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !token || !names.insert(h.name.to_ascii_lowercase()) {
                self.problem(format!("{at}/name"), "header names are unique HTTP tokens (letters, digits, -)");
            }
            if h.values.is_some() == h.syntax.is_some() {
                self.problem(at.clone(), "a header has exactly one of values and syntax");
            }
            if let Some(s) = &h.syntax {
                if !HEADER_SYNTAXES.contains(&s.as_str()) {
                    self.problem(format!("{at}/syntax"), format!("syntax is one of {}", HEADER_SYNTAXES.join(", ")));
                }
            }
            if let Some(values) = &h.values {
                if values.is_empty()
                    || values.iter().any(|v| v.is_empty() || !v.bytes().all(|b| (0x21..0x7F).contains(&b)))
                {
                    self.problem(format!("{at}/values"), "values are visible ASCII without spaces");
                }
            }
        }
    }

    fn examples(&mut self, at: &str, common: &Common, format: Option<&str>) -> usize {
        match format {
            Some(f) if !FORMATS.contains(&f) => self
                .problem(format!("{at}/format"), format!("unknown format {f:?}; formats are {}", FORMATS.join(", "))),
            None if !common.examples.is_empty() => {
                self.problem(format!("{at}/format"), "an entry with examples names their format")
            }
            _ => {}
        }
        for (j, ex) in common.examples.iter().enumerate() {
            let at = format!("{at}/examples/{j}");
            if let Err(e) = parse_hex(&ex.hex) {
                self.problem(format!("{at}/hex"), e);
            }
            if ex.decoded.is_some() == ex.error.is_some() {
                self.problem(at, "an example has exactly one of decoded and error");
            }
        }
        common.examples.len()
    }
}

/// Checks the TSM sections; returns the problems and how many examples they hold.
pub fn validate(spec: &Spec) -> (Vec<Problem>, usize) {
    let mut c = Checker { problems: Vec::new() };
    let mut examples = 0;
    for (at, e) in spec.scp80() {
        let shapes = usize::from(e.bits.is_some()) + usize::from(e.codes.is_some()) + usize::from(e.packet.is_some());
        if shapes != 1 {
            c.problem(at.clone(), "an scp80 entry has exactly one of bits, codes and packet");
        }
        if let Some(bits) = &e.bits {
            c.bits(&at, e.bytes, bits);
        }
        if let Some(codes) = &e.codes {
            c.codes(&at, codes);
        }
        if let Some(packet) = &e.packet {
            c.packet(&at, packet);
        }
        if !e.vectors.is_empty() && e.packet.is_none() {
            c.problem(format!("{at}/vectors"), "vectors belong to a packet entry");
        }
        c.vectors(&at, &e.vectors);
        if e.packet.is_some() && e.common.examples.is_empty() {
            c.problem(format!("{at}/examples"), "a packet needs examples");
        }
        examples += c.examples(&at, &e.common, e.format.as_deref());
    }
    for (at, e) in spec.remote_apdu() {
        if let Some(codes) = &e.codes {
            c.codes(&at, codes);
        }
        for (j, o) in e.outgoing.iter().flatten().enumerate() {
            if !is_upper_hex(&o.ins, 1..=1) || o.p1_max.as_ref().is_some_and(|p| !is_upper_hex(p, 1..=1)) {
                c.problem(format!("{at}/outgoing/{j}"), "ins and p1_max are one byte in upper-case hex");
            }
        }
        if e.common.examples.is_empty() {
            c.problem(format!("{at}/examples"), "this entry needs examples");
        }
        examples += c.examples(&at, &e.common, Some(&e.format));
    }
    for (at, e) in spec.scp81() {
        if let Some(h) = &e.headers {
            c.headers(&at, h);
            if !matches!(e.message.as_deref(), Some("request" | "response")) {
                c.problem(format!("{at}/message"), "headers belong to a `request` or a `response`");
            }
        }
        if let Some(codes) = &e.codes {
            c.codes(&at, codes);
        }
        if let Some(l) = &e.limits {
            if l.max_headers == 0 || l.max_line_bytes < 16 || l.max_header_bytes < l.max_line_bytes {
                c.problem(
                    format!("{at}/limits"),
                    "limits allow at least one header, 16-byte lines, and a block of at least one line",
                );
            }
        }
        examples += c.examples(&at, &e.common, e.format.as_deref());
    }
    if spec.scp81().filter(|(_, e)| e.limits.is_some()).count() > 1 {
        c.problem("scp81", "at most one entry sets the header block limits");
    }
    (c.problems, examples)
}
