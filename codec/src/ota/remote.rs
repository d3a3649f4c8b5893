//! Remote APDU scripts (ETSI TS 102 226; `spec/tsm/remote_apdu.json`): the compact format
//! (C-APDUs back to back; count, last status word and data back) and the expanded format
//! (BER-TLV templates AA/AE of commands, AB/AF of results).
//!
//! Parsing validates the whole script once; the views then iterate it again without
//! allocating. Every C-APDU inside is an ISO 7816 [`CommandApdu`].

use super::{len32, take};
use crate::apdu::command::CommandApdu;
use crate::describe::{Describe, Value, Visitor};
use crate::error::{Error, ErrorKind, Result, Rule};
use crate::generated::rules;
use crate::generated::tsm::{compact_p3_is_le, RemoteApduCommandTags, RemoteApduResponseTags};
use crate::tlv::ber;

/// The status word that ends a script early because a response was cut (TS 102 226 §5.2.1.1).
pub const SW_TRUNCATED: [u8; 2] = [0x62, 0xF1];

/// C-APDUs back to back, each `CLA INS P1 P2 P3 [data]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CompactCommands<'a> {
    input: &'a [u8],
}

/// One command of a compact script: where it starts, and the APDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CompactCommand<'a> {
    pub offset: usize,
    pub apdu: CommandApdu<'a>,
}

/// The length of the compact C-APDU at `pos`, or why there is none.
fn compact_len(input: &[u8], pos: usize) -> Result<usize> {
    let rest = &input[pos..];
    if rest.len() == 4 {
        return Ok(4);
    }
    let header = take(input, pos, 5, rules::REMOTE_APDU_COMPACT_COMMAND)?;
    let p3 = usize::from(header[4]);
    if compact_p3_is_le(header[1], header[2]) || p3 == 0 {
        return Ok(5);
    }
    take(input, pos + 5, p3, rules::REMOTE_APDU_COMPACT_COMMAND)?;
    Ok(5 + p3)
}

impl<'a> CompactCommands<'a> {
    pub fn parse(input: &'a [u8]) -> Result<Self> {
        if input.is_empty() {
            return Err(Error::new(
                ErrorKind::Truncated { needed: 4, available: 0 },
                0,
                rules::REMOTE_APDU_COMPACT_COMMAND,
            ));
        }
        let mut pos = 0;
        while pos < input.len() {
            let n = compact_len(input, pos)?;
            CommandApdu::parse(&input[pos..pos + n]).map_err(|mut e| {
                e.offset += pos;
                e
            })?;
            pos += n;
        }
        Ok(Self { input })
    }

    pub fn iter(&self) -> impl Iterator<Item = CompactCommand<'a>> + 'a {
        let input = self.input;
        let mut pos = 0;
        core::iter::from_fn(move || {
            if pos >= input.len() {
                return None;
            }
            let n = compact_len(input, pos).ok()?;
            let apdu = CommandApdu::parse(&input[pos..pos + n]).ok()?;
            let offset = pos;
            pos += n;
            Some(CompactCommand { offset, apdu })
        })
    }

    pub fn as_bytes(&self) -> &'a [u8] {
        self.input
    }
}

/// The compact response: commands executed, the last status word, the last data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CompactResponse<'a> {
    pub executed: u8,
    pub sw: [u8; 2],
    pub data: &'a [u8],
}

impl<'a> CompactResponse<'a> {
    pub fn parse(input: &'a [u8]) -> Result<Self> {
        let head = take(input, 0, 3, rules::REMOTE_APDU_COMPACT_RESPONSE)?;
        Ok(Self { executed: head[0], sw: [head[1], head[2]], data: &input[3..] })
    }

    pub fn encoded_len(&self) -> usize {
        3 + self.data.len()
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.executed);
        out.extend_from_slice(&self.sw);
        out.extend_from_slice(self.data);
    }
}

/// Which template an expanded script is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Commands,
    Responses,
}

impl Direction {
    fn tags(self) -> (u8, u8) {
        match self {
            Self::Commands => (0xAA, 0xAE),
            Self::Responses => (0xAB, 0xAF),
        }
    }

    fn rule(self) -> Rule {
        match self {
            Self::Commands => rules::REMOTE_APDU_EXPANDED_COMMAND,
            Self::Responses => rules::REMOTE_APDU_EXPANDED_RESPONSE,
        }
    }

    fn allows(self, tag: u32) -> bool {
        match self {
            Self::Commands => matches!(tag, 0x22 | 0x81 | 0x82 | 0x83),
            Self::Responses => matches!(tag, 0x80 | 0x23 | 0x81 | 0x83 | 0x90),
        }
    }
}

/// One TLV inside an expanded template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExpandedItem<'a> {
    pub offset: usize,
    pub tag: u8,
    pub value: &'a [u8],
    /// Where the value starts in the whole input.
    pub value_offset: usize,
}

/// An expanded command or response script: AA/AB with a definite length, AE/AF indefinite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Expanded<'a> {
    pub direction: Direction,
    pub indefinite: bool,
    input: &'a [u8],
    /// The items' region: from the first item to the end of the last.
    start: usize,
    end: usize,
}

fn check_item(direction: Direction, input: &[u8], tlv: &ber::Tlv<'_>) -> Result<()> {
    let rule = direction.rule();
    if !direction.allows(tlv.tag) {
        let expected = if direction == Direction::Commands { 0x22 } else { 0x23 };
        return Err(Error::new(ErrorKind::UnexpectedTag { expected, found: tlv.tag }, tlv.offset, rule));
    }
    let wrong = |min: usize, max: usize| {
        Error::new(
            ErrorKind::WrongLength { min: len32(min), max: len32(max), found: len32(tlv.value.len()) },
            tlv.offset,
            rule,
        )
    };
    match tlv.tag {
        0x22 => {
            CommandApdu::parse(tlv.value).map_err(|mut e| {
                e.offset += tlv.value_offset();
                e
            })?;
        }
        0x23 if tlv.value.len() < 2 => return Err(wrong(2, input.len())),
        0x80 if tlv.value.len() != 1 => return Err(wrong(1, 1)),
        _ => {}
    }
    Ok(())
}

impl<'a> Expanded<'a> {
    pub fn parse(input: &'a [u8], direction: Direction) -> Result<Self> {
        let rule = direction.rule();
        let (definite, indefinite) = direction.tags();
        let Some(&first) = input.first() else {
            return Err(Error::new(ErrorKind::Truncated { needed: 2, available: 0 }, 0, rule));
        };
        if first != definite && first != indefinite {
            return Err(Error::new(
                ErrorKind::UnexpectedTag { expected: definite.into(), found: first.into() },
                0,
                rule,
            ));
        }
        if first == definite {
            let outer = ber::parse_one(input, 0, input.len(), rule)?;
            if outer.end() < input.len() {
                let extra = len32(input.len() - outer.end());
                return Err(Error::new(ErrorKind::TrailingData { extra }, outer.end(), rule));
            }
            let (start, end) = (outer.value_offset(), outer.end());
            let mut pos = start;
            while pos < end {
                let tlv = ber::parse_one(input, pos, end, rule)?;
                check_item(direction, input, &tlv)?;
                pos = tlv.end();
            }
            return Ok(Self { direction, indefinite: false, input, start, end });
        }
        match input.get(1) {
            Some(0x80) => {}
            Some(_) => return Err(Error::new(ErrorKind::MalformedLength, 1, rule)),
            None => return Err(Error::new(ErrorKind::Truncated { needed: 2, available: 1 }, 1, rule)),
        }
        let mut pos = 2;
        loop {
            match &input[pos..] {
                [] | [0x00] => {
                    let available = len32(input.len() - pos);
                    return Err(Error::new(ErrorKind::Truncated { needed: 2, available }, input.len(), rule));
                }
                [0x00, 0x00, rest @ ..] => {
                    if !rest.is_empty() {
                        return Err(Error::new(ErrorKind::TrailingData { extra: len32(rest.len()) }, pos + 2, rule));
                    }
                    return Ok(Self { direction, indefinite: true, input, start: 2, end: pos });
                }
                _ => {
                    let tlv = ber::parse_one(input, pos, input.len(), rule)?;
                    check_item(direction, input, &tlv)?;
                    pos = tlv.end();
                }
            }
        }
    }

    pub fn items(&self) -> impl Iterator<Item = ExpandedItem<'a>> + 'a {
        let (input, end, rule) = (self.input, self.end, self.direction.rule());
        let mut pos = self.start;
        core::iter::from_fn(move || {
            if pos >= end {
                return None;
            }
            let tlv = ber::parse_one(input, pos, end, rule).ok()?;
            pos = tlv.end();
            let tag = u8::try_from(tlv.tag).ok()?;
            Some(ExpandedItem { offset: tlv.offset, tag, value: tlv.value, value_offset: tlv.value_offset() })
        })
    }

    /// The C-APDUs of a command script, in order.
    pub fn commands(&self) -> impl Iterator<Item = CommandApdu<'a>> + 'a {
        self.items().filter(|i| i.tag == 0x22).filter_map(|i| CommandApdu::parse(i.value).ok())
    }

    /// Whether a response script reports a response cut short (status word 62F1), which
    /// ended the script there.
    pub fn truncated(&self) -> bool {
        self.items().any(|i| i.tag == 0x23 && i.value.ends_with(&SW_TRUNCATED))
    }

    /// The whole script as it was given.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.input
    }
}

/// A remote APDU script of either format, told apart by its first byte: AA/AE (commands) and
/// AB/AF (responses) open an expanded template, anything else is compact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RemoteScript<'a> {
    CompactCommands(CompactCommands<'a>),
    CompactResponse(CompactResponse<'a>),
    Expanded(Expanded<'a>),
}

impl<'a> RemoteScript<'a> {
    /// A command script (the secured data of a command packet).
    pub fn parse_commands(input: &'a [u8]) -> Result<Self> {
        match input.first() {
            Some(0xAA | 0xAE) => Expanded::parse(input, Direction::Commands).map(Self::Expanded),
            _ => CompactCommands::parse(input).map(Self::CompactCommands),
        }
    }

    /// A response script (the additional data of a PoR).
    pub fn parse_responses(input: &'a [u8]) -> Result<Self> {
        match input.first() {
            Some(0xAB | 0xAF) => Expanded::parse(input, Direction::Responses).map(Self::Expanded),
            _ => CompactResponse::parse(input).map(Self::CompactResponse),
        }
    }

    /// Whichever the input is: a command script, or a response script when it opens with
    /// AB or AF. A compact response cannot be told from compact commands; use
    /// [`RemoteScript::parse_responses`] for it.
    pub fn parse(input: &'a [u8]) -> Result<Self> {
        match input.first() {
            Some(0xAB | 0xAF) => Self::parse_responses(input),
            _ => Self::parse_commands(input),
        }
    }

    pub fn encoded_len(&self) -> usize {
        match self {
            Self::CompactCommands(c) => c.input.len(),
            Self::CompactResponse(r) => r.encoded_len(),
            Self::Expanded(e) => e.input.len(),
        }
    }

    /// The views keep their input, so encoding writes it back unchanged; building a new
    /// script is [`encode_expanded_commands`]'s job.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::CompactCommands(c) => out.extend_from_slice(c.input),
            Self::CompactResponse(r) => r.encode(out),
            Self::Expanded(e) => out.extend_from_slice(e.input),
        }
    }
}

/// A command scripting template (AA, definite length) holding `apdus` as C-APDU TLVs.
pub fn encode_expanded_commands(apdus: &[CommandApdu<'_>], out: &mut Vec<u8>) {
    let inner: usize = apdus.iter().map(|a| ber::header_len(0x22, a.encoded_len()) + a.encoded_len()).sum();
    ber::write_header(out, 0xAA, inner);
    for a in apdus {
        ber::write_header(out, 0x22, a.encoded_len());
        a.encode(out);
    }
}

impl Describe for CompactCommands<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.field("format", Value::Text("compact"));
        v.enter_list("commands");
        for c in self.iter() {
            v.enter("");
            v.field("offset", Value::Uint(c.offset as u64));
            c.apdu.describe(v);
            v.leave();
        }
        v.leave();
    }
}

impl Describe for CompactResponse<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.field("format", Value::Text("compact"));
        v.field("executed", Value::Uint(u64::from(self.executed)));
        v.field("sw", Value::Bytes(&self.sw));
        v.field("data", Value::Bytes(self.data));
    }
}

impl Describe for Expanded<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.field("format", Value::Text("expanded"));
        v.field("length", Value::Text(if self.indefinite { "indefinite" } else { "definite" }));
        if self.direction == Direction::Responses {
            v.field("truncated", Value::Bool(self.truncated()));
        }
        v.enter_list("items");
        for item in self.items() {
            v.enter("");
            v.field("offset", Value::Uint(item.offset as u64));
            v.field("tag", Value::Bytes(core::slice::from_ref(&item.tag)));
            let name = match self.direction {
                Direction::Commands => RemoteApduCommandTags::from(item.tag).name(),
                Direction::Responses => RemoteApduResponseTags::from(item.tag).name(),
            };
            v.field("name", Value::Text(name.unwrap_or("unknown")));
            match item.tag {
                0x22 => {
                    if let Ok(apdu) = CommandApdu::parse(item.value) {
                        v.enter("apdu");
                        apdu.describe(v);
                        v.leave();
                    }
                }
                0x23 => {
                    let (data, sw) = item.value.split_at(item.value.len().saturating_sub(2));
                    v.field("data", Value::Bytes(data));
                    v.field("sw", Value::Bytes(sw));
                }
                0x80 if self.direction == Direction::Responses => {
                    v.field("count", Value::Uint(item.value.first().copied().map_or(0, u64::from)));
                }
                _ => v.field("value", Value::Bytes(item.value)),
            }
            v.leave();
        }
        v.leave();
    }
}

impl Describe for RemoteScript<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        match self {
            Self::CompactCommands(c) => c.describe(v),
            Self::CompactResponse(r) => r.describe(v),
            Self::Expanded(e) => e.describe(v),
        }
    }
}
