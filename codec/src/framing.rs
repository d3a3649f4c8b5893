//! Framings of the layout language beyond BER-TLV and SIMPLE-TLV: length-prefixed values
//! (GlobalPlatform's LV fields, with a one-byte or a BER length), data grouping identifiers
//! (EMV CPS DGIs: two tag bytes, a length of one byte or `FF` and two bytes), and a BER-TLV
//! whose value continues past the element (the first block of a LOAD).
//!
//! Command data is decoded *canonically*: a length field longer than it needs to be is an
//! error there, so that a decoded command re-encodes to exactly its bytes. Other layouts
//! (responses, files) accept such fields and re-encode them minimally.

use crate::error::{Error, ErrorKind, Result, Rule};
use crate::reader::{Reader, Span};
use crate::tlv::{ber, simple};

/// How a length-prefixed value's length is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LengthField {
    /// One byte, 00–FF.
    Byte,
    /// A BER-TLV definite length: 00–7F, or 81–83 and that many bytes.
    Ber,
    /// 00–FE in one byte, or FF and two bytes.
    Dgi,
}

impl LengthField {
    /// Bytes the minimal length field for `len` takes.
    pub fn len_of(self, len: usize) -> usize {
        match self {
            Self::Byte => 1,
            Self::Ber => ber::length_len(len),
            Self::Dgi => simple::header_len(len) - 1,
        }
    }

    /// Writes the minimal length field. `len` must fit the field (a byte: 255 at most).
    pub fn write(self, out: &mut Vec<u8>, len: usize) {
        match self {
            Self::Byte => out.push(len as u8),
            Self::Ber => ber::write_length(out, len),
            Self::Dgi if len < 0xFF => out.push(len as u8),
            Self::Dgi => {
                out.push(0xFF);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            }
        }
    }

    /// Reads a length field. `canonical`: a longer field than the minimal one is malformed.
    pub fn read(self, r: &mut Reader<'_>, canonical: bool, rule: Rule) -> Result<usize> {
        let at = r.position();
        let first = r.take(1, rule)?.bytes[0];
        let malformed = || Error::new(ErrorKind::MalformedLength, at, rule);
        match self {
            Self::Byte => Ok(usize::from(first)),
            Self::Ber if first < 0x80 => Ok(usize::from(first)),
            Self::Ber => {
                let n = usize::from(first & 0x7F);
                if n == 0 || n > ber::MAX_LENGTH_BYTES {
                    return Err(malformed());
                }
                let len = r.take(n, rule)?.bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
                if canonical && ber::length_len(len) != n + 1 {
                    return Err(malformed());
                }
                Ok(len)
            }
            Self::Dgi if first != 0xFF => Ok(usize::from(first)),
            Self::Dgi => {
                let f = r.take(2, rule)?.bytes;
                let len = usize::from(u16::from_be_bytes([f[0], f[1]]));
                if canonical && len < 0xFF {
                    return Err(malformed());
                }
                Ok(len)
            }
        }
    }
}

/// A length field, then that many bytes.
pub fn lv<'a>(r: &mut Reader<'a>, field: LengthField, canonical: bool, rule: Rule) -> Result<Span<'a>> {
    let len = field.read(r, canonical, rule)?;
    r.take(len, rule)
}

/// The two tag bytes of the next DGI, if two bytes are left.
pub fn peek_dgi(r: &Reader<'_>) -> Option<u16> {
    let mut ahead = r.clone();
    let t = ahead.take(2, crate::generated::rules::TLV_BER).ok()?;
    Some(u16::from_be_bytes([t.bytes[0], t.bytes[1]]))
}

/// The next DGI, which must carry `tag`: its value.
pub fn dgi<'a>(r: &mut Reader<'a>, tag: u16, canonical: bool, rule: Rule) -> Result<Span<'a>> {
    let at = r.position();
    if r.is_empty() {
        return Err(Error::new(ErrorKind::Missing { tag: u32::from(tag) }, at, rule));
    }
    let t = r.take(2, rule)?.bytes;
    let found = u16::from_be_bytes([t[0], t[1]]);
    if found != tag {
        return Err(Error::new(
            ErrorKind::UnexpectedTag { expected: u32::from(tag), found: u32::from(found) },
            at,
            rule,
        ));
    }
    lv(r, LengthField::Dgi, canonical, rule)
}

pub fn write_dgi_header(out: &mut Vec<u8>, tag: u16, len: usize) {
    out.extend_from_slice(&tag.to_be_bytes());
    LengthField::Dgi.write(out, len);
}

pub fn dgi_header_len(len: usize) -> usize {
    2 + LengthField::Dgi.len_of(len)
}

/// In command data, a BER-TLV's length field must be the minimal one.
pub fn minimal_ber(tlv: &ber::Tlv<'_>, rule: Rule) -> Result<()> {
    if tlv.header.len() == ber::header_len(tlv.tag, tlv.value.len()) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::MalformedLength, tlv.offset + ber::tag_len(tlv.tag), rule))
    }
}

/// In command data, a SIMPLE-TLV's length field must be the minimal one.
pub fn minimal_simple(tlv: &simple::SimpleTlv<'_>, rule: Rule) -> Result<()> {
    if tlv.header.len() == simple::header_len(tlv.value.len()) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::MalformedLength, tlv.offset + 1, rule))
    }
}

/// A BER-TLV of which this element holds the start: its declared length, and the bytes of
/// its value that are here (all of them when the declared length fits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartialTlv<'a> {
    pub declared: usize,
    pub bytes: &'a [u8],
}

impl<'a> PartialTlv<'a> {
    pub fn encoded_len(&self, tag: u32) -> usize {
        ber::header_len(tag, self.declared) + self.bytes.len()
    }

    pub fn encode(&self, out: &mut Vec<u8>, tag: u32) {
        ber::write_header(out, tag, self.declared);
        out.extend_from_slice(self.bytes);
    }

    /// Value bytes of a length in `min..=max` and a declared length at least as long.
    pub fn arb(u: &mut arbitrary::Unstructured<'a>, min: usize, max: usize) -> arbitrary::Result<Self> {
        let bytes = crate::field::arb_bytes(u, min, max)?;
        let more = u.int_in_range(0..=0xFFFF)?;
        Ok(Self { declared: bytes.len() + more, bytes })
    }
}

impl crate::describe::DescribeField for PartialTlv<'_> {
    fn describe_field(&self, name: &str, v: &mut dyn crate::describe::Visitor) {
        v.enter(name);
        v.field("length", crate::describe::Value::Uint(self.declared as u64));
        v.field("bytes", crate::describe::Value::Bytes(self.bytes));
        v.leave();
    }
}

/// The next BER-TLV, which must carry `tag` and may run past the end: its value is what is
/// here, up to its declared length.
pub fn partial_tlv<'a>(r: &mut Reader<'a>, tag: u32, canonical: bool, rule: Rule) -> Result<PartialTlv<'a>> {
    let at = r.position();
    if r.is_empty() {
        return Err(Error::new(ErrorKind::Missing { tag }, at, rule));
    }
    let window = r.clone().rest(0, usize::MAX, rule)?;
    let (found, tl) = ber::read_tag(window.bytes).map_err(|(k, off)| Error::new(k, at + off, rule))?;
    if found != tag {
        return Err(Error::new(ErrorKind::UnexpectedTag { expected: tag, found }, at, rule));
    }
    r.take(tl, rule)?;
    let declared = LengthField::Ber.read(r, canonical, rule)?;
    let here = r.remaining().min(declared);
    Ok(PartialTlv { declared, bytes: r.take(here, rule)?.bytes })
}
