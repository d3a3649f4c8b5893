//! Command APDU structure (ISO 7816-4 §5.1): the seven cases, told apart by length alone.
//! A length field that fits no case, or fits more than one, is an error with its offset.

use crate::describe::{Describe, Value, Visitor};
use crate::error::{Error, ErrorKind, Expected, Result};
use crate::generated::rules;

/// The command case: which of Lc/data and Le are present, in short or extended form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumIter)]
pub enum Case {
    #[strum(serialize = "1")]
    C1,
    #[strum(serialize = "2S")]
    C2S,
    #[strum(serialize = "3S")]
    C3S,
    #[strum(serialize = "4S")]
    C4S,
    #[strum(serialize = "2E")]
    C2E,
    #[strum(serialize = "3E")]
    C3E,
    #[strum(serialize = "4E")]
    C4E,
}

impl Case {
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn has_data(self) -> bool {
        matches!(self, Self::C3S | Self::C4S | Self::C3E | Self::C4E)
    }

    pub fn has_le(self) -> bool {
        matches!(self, Self::C2S | Self::C4S | Self::C2E | Self::C4E)
    }

    pub fn is_extended(self) -> bool {
        matches!(self, Self::C2E | Self::C3E | Self::C4E)
    }

    /// The case a command with `data` bytes and an expected length `ne` takes: short
    /// wherever both fit a short field.
    pub fn for_lengths(data_len: usize, ne: Option<u32>) -> Self {
        let extended = data_len > 255 || ne.is_some_and(|n| n > 256);
        match (data_len > 0, ne.is_some(), extended) {
            (false, false, _) => Self::C1,
            (false, true, false) => Self::C2S,
            (false, true, true) => Self::C2E,
            (true, false, false) => Self::C3S,
            (true, false, true) => Self::C3E,
            (true, true, false) => Self::C4S,
            (true, true, true) => Self::C4E,
        }
    }
}

/// Largest Nc and Ne ISO 7816-4 allows (extended length).
pub const MAX_NC: usize = 65_535;
pub const MAX_NE: u32 = 65_536;

/// A command APDU borrowed from its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommandApdu<'a> {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    /// The command data field (Nc bytes); empty in cases 1 and 2.
    pub data: &'a [u8],
    /// Ne, the maximum number of response data bytes expected (`00` in a short Le means
    /// 256, `0000` in an extended Le 65 536); `None` when there is no Le field.
    pub ne: Option<u32>,
    pub case: Case,
}

fn be16(hi: u8, lo: u8) -> usize {
    usize::from(u16::from_be_bytes([hi, lo]))
}

impl<'a> CommandApdu<'a> {
    /// A command in the shortest case that carries `data` and `ne`.
    ///
    /// Returns `None` when `data` or `ne` exceed what an extended APDU can carry, or when
    /// `ne` is `Some(0)` (no Le field is written as `None`).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8, data: &'a [u8], ne: Option<u32>) -> Option<Self> {
        if data.len() > MAX_NC || ne.is_some_and(|n| n == 0 || n > MAX_NE) {
            return None;
        }
        Some(Self { cla, ins, p1, p2, data, ne, case: Case::for_lengths(data.len(), ne) })
    }

    pub fn header(&self) -> [u8; 4] {
        [self.cla, self.ins, self.p1, self.p2]
    }

    /// Parses a complete command APDU. Never allocates, never panics.
    #[inline]
    pub fn parse(b: &'a [u8]) -> Result<Self> {
        let len = b.len();
        if len < 4 {
            return Err(Error::new(ErrorKind::Truncated { needed: 4, available: len as u32 }, len, rules::APDU_HEADER));
        }
        let (cla, ins, p1, p2) = (b[0], b[1], b[2], b[3]);
        let make = |data: &'a [u8], ne: Option<u32>, case| Self { cla, ins, p1, p2, data, ne, case };
        if len == 4 {
            return Ok(make(&[], None, Case::C1));
        }
        let short = |x: u8| if x == 0 { 256 } else { u32::from(x) };
        if len == 5 {
            return Ok(make(&[], Some(short(b[4])), Case::C2S));
        }
        if b[4] != 0 {
            let nc = usize::from(b[4]);
            return match len.cmp(&(5 + nc)) {
                core::cmp::Ordering::Less => Err(Error::new(
                    ErrorKind::Truncated { needed: (5 + nc) as u32, available: len as u32 },
                    len,
                    rules::APDU_CASE_3S,
                )),
                core::cmp::Ordering::Equal => Ok(make(&b[5..], None, Case::C3S)),
                core::cmp::Ordering::Greater if len == 6 + nc => {
                    Ok(make(&b[5..5 + nc], Some(short(b[5 + nc])), Case::C4S))
                }
                core::cmp::Ordering::Greater => Err(Error::new(
                    ErrorKind::TrailingData { extra: (len - 6 - nc) as u32 },
                    6 + nc,
                    rules::APDU_CASE_4S,
                )),
            };
        }
        // b[4] == 0 opens an extended length field (or is a short Le of 256 in case 2S,
        // handled above): two more bytes must follow.
        if len == 6 {
            return Err(Error::new(ErrorKind::Truncated { needed: 7, available: 6 }, 6, rules::APDU_CASE_2E));
        }
        let field = be16(b[5], b[6]);
        if len == 7 {
            let ne = if field == 0 { MAX_NE } else { field as u32 };
            return Ok(make(&[], Some(ne), Case::C2E));
        }
        let nc = field;
        if nc == 0 {
            // An extended Lc of 0000 is reserved; with bytes after it no case fits.
            return Err(Error::new(ErrorKind::Invalid(Expected::Unreserved), 5, rules::APDU_CASE_3E));
        }
        let data_end = 7 + nc;
        if len < data_end {
            return Err(Error::new(
                ErrorKind::Truncated { needed: data_end as u32, available: len as u32 },
                len,
                rules::APDU_CASE_3E,
            ));
        }
        match len - data_end {
            0 => Ok(make(&b[7..], None, Case::C3E)),
            2 => {
                let le = be16(b[data_end], b[data_end + 1]);
                let ne = if le == 0 { MAX_NE } else { le as u32 };
                Ok(make(&b[7..data_end], Some(ne), Case::C4E))
            }
            // One byte is neither an extended Le (two bytes) nor nothing.
            1 => Err(Error::new(ErrorKind::AmbiguousLength, data_end, rules::APDU_CASE_4E)),
            extra => Err(Error::new(
                ErrorKind::TrailingData { extra: (extra - 2) as u32 },
                data_end + 2,
                rules::APDU_CASE_4E,
            )),
        }
    }

    /// Offset of the data field in the encoded APDU.
    pub fn data_offset(&self) -> usize {
        4 + lc_len(self.case)
    }

    pub fn encoded_len(&self) -> usize {
        frame_len(self.case, self.data.len())
    }

    /// Writes the APDU in its case. A value built by [`CommandApdu::new`] or
    /// [`CommandApdu::parse`] encodes to bytes that parse back to it.
    pub fn encode(&self, out: &mut Vec<u8>) {
        write_frame(out, self.header(), self.case, self.data.len(), self.ne, |out| out.extend_from_slice(self.data));
    }

    pub fn class(&self) -> crate::apdu::class::Class {
        crate::apdu::class::Class(self.cla)
    }
}

/// Length of the Lc field (0, 1 or 3 bytes) in `case`.
fn lc_len(case: Case) -> usize {
    match case {
        Case::C3S | Case::C4S => 1,
        Case::C3E | Case::C4E => 3,
        _ => 0,
    }
}

fn le_len(case: Case) -> usize {
    match case {
        Case::C2S | Case::C4S => 1,
        Case::C2E => 3,
        Case::C4E => 2,
        _ => 0,
    }
}

/// Encoded length of a command of `case` with `nc` data bytes.
pub fn frame_len(case: Case, nc: usize) -> usize {
    4 + lc_len(case) + nc + le_len(case)
}

/// Writes header, Lc, the data that `data` writes (`nc` bytes), and Le, in `case`.
/// Generated command encoders use this so that every command frames its data one way.
pub fn write_frame(
    out: &mut Vec<u8>,
    header: [u8; 4],
    case: Case,
    nc: usize,
    ne: Option<u32>,
    data: impl FnOnce(&mut Vec<u8>),
) {
    out.extend_from_slice(&header);
    match lc_len(case) {
        1 => out.push(nc as u8),
        3 => out.extend_from_slice(&[0, (nc >> 8) as u8, nc as u8]),
        _ => {}
    }
    data(out);
    let ne = ne.unwrap_or(0);
    match case {
        Case::C2S | Case::C4S => out.push(if ne == 256 { 0 } else { ne as u8 }),
        Case::C2E => out.extend_from_slice(&[0, (ne >> 8) as u8, ne as u8]),
        Case::C4E => out.extend_from_slice(&[(ne >> 8) as u8, ne as u8]),
        _ => {}
    }
}

/// Draws a case from `allowed` that can carry `nc` data bytes, and an Ne that fits it.
pub fn arb_case_ne(
    u: &mut arbitrary::Unstructured<'_>,
    allowed: &[Case],
    nc: usize,
) -> arbitrary::Result<(Case, Option<u32>)> {
    let mut fits = [Case::C1; 7];
    let mut n = 0;
    for &c in allowed {
        let data_ok = if c.has_data() { nc >= 1 && (c.is_extended() || nc <= 255) } else { nc == 0 };
        if data_ok {
            fits[n] = c;
            n += 1;
        }
    }
    let case = *u.choose(&fits[..n])?;
    let ne = match case {
        c if !c.has_le() => None,
        c if c.is_extended() => Some(u.int_in_range(1..=MAX_NE)?),
        _ => Some(u.int_in_range(1..=256)?),
    };
    Ok((case, ne))
}

impl Describe for CommandApdu<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.field("cla", Value::Bytes(core::slice::from_ref(&self.cla)));
        v.field("ins", Value::Bytes(core::slice::from_ref(&self.ins)));
        v.field("p1", Value::Bytes(core::slice::from_ref(&self.p1)));
        v.field("p2", Value::Bytes(core::slice::from_ref(&self.p2)));
        v.field("case", Value::Text(self.case.name()));
        if self.case.has_data() {
            v.field("lc", Value::Uint(self.data.len() as u64));
        } else {
            v.field("lc", Value::Null);
        }
        v.field("data", Value::Bytes(self.data));
        match self.ne {
            Some(ne) => v.field("ne", Value::Uint(u64::from(ne))),
            None => v.field("ne", Value::Null),
        }
    }
}

impl<'a> arbitrary::Arbitrary<'a> for CommandApdu<'a> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let header: [u8; 4] = u.arbitrary()?;
        let data_len = u.int_in_range(0..=300)?;
        let data = u.bytes(data_len.min(u.len()))?;
        let ne = if u.arbitrary()? { Some(u.int_in_range(1..=MAX_NE)?) } else { None };
        CommandApdu::new(header[0], header[1], header[2], header[3], data, ne).ok_or(arbitrary::Error::IncorrectFormat)
    }
}
