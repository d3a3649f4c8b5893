//! BER-TLV as ISO 7816-4 and the My Number card use it: tags of up to [`MAX_TAG_BYTES`] bytes, definite lengths of
//! up to [`MAX_LENGTH_BYTES`] bytes, nesting up to [`MAX_DEPTH`]. Parsing borrows and never
//! allocates; lengths are checked against the bytes present before anything is sliced.

use crate::describe::{Describe, Value, Visitor};
use crate::error::{Error, ErrorKind, Result, Rule};
pub use crate::generated::limits::{
    BER_MAX_DEPTH as MAX_DEPTH, BER_MAX_LENGTH_BYTES as MAX_LENGTH_BYTES, BER_MAX_TAG_BYTES as MAX_TAG_BYTES,
};
use crate::generated::rules;

/// One BER-TLV data object, borrowed from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag bytes read big-endian (`0xDF22`, `0x7F21`).
    pub tag: u32,
    /// Offset of the first tag byte in the whole input.
    pub offset: usize,
    /// Tag and length fields as they were on the wire (a non-minimal length is kept).
    pub header: &'a [u8],
    pub value: &'a [u8],
}

impl<'a> Tlv<'a> {
    #[inline]
    pub fn value_offset(&self) -> usize {
        self.offset + self.header.len()
    }

    #[inline]
    pub fn end(&self) -> usize {
        self.value_offset() + self.value.len()
    }

    /// Header and value together, as they stand in `input` (the input it was parsed from).
    pub fn whole(&self, input: &'a [u8]) -> &'a [u8] {
        input.get(self.offset..self.end()).unwrap_or_default()
    }

    /// The value as a span of the whole input.
    #[inline]
    pub fn value_span(&self) -> crate::reader::Span<'a> {
        crate::reader::Span { bytes: self.value, offset: self.value_offset() }
    }

    /// Bit 6 of the first tag byte: the value is itself a sequence of BER-TLVs.
    #[inline]
    pub fn is_constructed(&self) -> bool {
        first_tag_byte(self.tag) & 0x20 != 0
    }

    pub fn class(&self) -> TagClass {
        TagClass::of(self.tag)
    }

    pub fn encoded_len(&self) -> usize {
        self.header.len() + self.value.len()
    }

    /// Writes the object exactly as it was read.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.header);
        out.extend_from_slice(self.value);
    }
}

/// The class bits (b8 b7) of the first tag byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum TagClass {
    Universal,
    Application,
    ContextSpecific,
    Private,
}

impl TagClass {
    pub fn of(tag: u32) -> Self {
        match first_tag_byte(tag) >> 6 {
            0 => Self::Universal,
            1 => Self::Application,
            2 => Self::ContextSpecific,
            _ => Self::Private,
        }
    }
}

#[inline]
fn first_tag_byte(tag: u32) -> u8 {
    let bytes = tag.to_be_bytes();
    // The most significant non-zero byte; tag 0 never parses.
    bytes.into_iter().find(|&b| b != 0).unwrap_or(0)
}

/// Number of bytes the tag field of `tag` takes.
#[inline]
pub fn tag_len(tag: u32) -> usize {
    match tag {
        0..=0xFF => 1,
        0x100..=0xFFFF => 2,
        0x1_0000..=0xFF_FFFF => 3,
        _ => 4,
    }
}

/// Number of bytes the minimal definite length field for `len` takes.
#[inline]
pub fn length_len(len: usize) -> usize {
    match len {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        0x100..=0xFFFF => 3,
        0x1_0000..=0xFF_FFFF => 4,
        _ => 5,
    }
}

/// Size of a minimal header for a value of `len` bytes under `tag`.
#[inline]
pub fn header_len(tag: u32, len: usize) -> usize {
    tag_len(tag) + length_len(len)
}

pub fn write_tag(out: &mut Vec<u8>, tag: u32) {
    out.extend_from_slice(&tag.to_be_bytes()[4 - tag_len(tag)..]);
}

/// Writes the minimal definite length field.
pub fn write_length(out: &mut Vec<u8>, len: usize) {
    let n = length_len(len);
    if n == 1 {
        out.push(len as u8);
    } else {
        out.push(0x80 | (n - 1) as u8);
        out.extend_from_slice(&(len as u64).to_be_bytes()[9 - n..]);
    }
}

pub fn write_header(out: &mut Vec<u8>, tag: u32, len: usize) {
    write_tag(out, tag);
    write_length(out, len);
}

/// Reads a tag field at the start of `bytes`: the tag and how many bytes it took.
/// Errors carry the offset of the bad byte relative to `bytes`.
#[inline]
pub fn read_tag(bytes: &[u8]) -> core::result::Result<(u32, usize), (ErrorKind, usize)> {
    let Some(&first) = bytes.first() else {
        return Err((ErrorKind::Truncated { needed: 1, available: 0 }, 0));
    };
    // 0x00 is padding between objects in ISO 7816-4, never a tag.
    if first == 0x00 {
        return Err((ErrorKind::MalformedTag, 0));
    }
    if first & 0x1F != 0x1F {
        return Ok((u32::from(first), 1));
    }
    let mut tag = u32::from(first);
    for i in 1..MAX_TAG_BYTES {
        let Some(&b) = bytes.get(i) else {
            return Err((ErrorKind::Truncated { needed: i as u32 + 1, available: bytes.len() as u32 }, bytes.len()));
        };
        // A first subsequent byte of 00 or 80 pads the tag number with zero bits. ISO 7816-4
        // also forbids 01..1E here (numbers below 31 have a one-byte form), but the My Number
        // card itself uses FF10 and DF11..DF13, so those are accepted.
        if i == 1 && (b == 0x00 || b == 0x80) {
            return Err((ErrorKind::MalformedTag, i));
        }
        tag = (tag << 8) | u32::from(b);
        if b & 0x80 == 0 {
            return Ok((tag, i + 1));
        }
    }
    Err((ErrorKind::MalformedTag, MAX_TAG_BYTES - 1))
}

/// Reads a definite length field: the length and how many bytes the field took.
#[inline]
pub fn read_length(bytes: &[u8]) -> core::result::Result<(usize, usize), (ErrorKind, usize)> {
    let Some(&first) = bytes.first() else {
        return Err((ErrorKind::Truncated { needed: 1, available: 0 }, 0));
    };
    if first < 0x80 {
        return Ok((usize::from(first), 1));
    }
    let n = usize::from(first & 0x7F);
    // 0x80 (indefinite) has no place in ISO 7816 data objects.
    if n == 0 || n > MAX_LENGTH_BYTES {
        return Err((ErrorKind::MalformedLength, 0));
    }
    let Some(field) = bytes.get(1..=n) else {
        return Err((ErrorKind::Truncated { needed: n as u32 + 1, available: bytes.len() as u32 }, bytes.len()));
    };
    let len = field.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    Ok((len, n + 1))
}

/// Parses the BER-TLV starting at `pos`, which must end by `end`.
#[inline]
pub fn parse_one(input: &[u8], pos: usize, end: usize, rule: Rule) -> Result<Tlv<'_>> {
    let window = &input[pos..end];
    let (tag, tl) = read_tag(window).map_err(|(k, at)| Error::new(k, pos + at, rule))?;
    let (len, ll) = read_length(&window[tl..]).map_err(|(k, at)| Error::new(k, pos + tl + at, rule))?;
    let header_len = tl + ll;
    let available = window.len() - header_len;
    if len > available {
        let needed = u32::try_from(header_len + len).unwrap_or(u32::MAX);
        return Err(Error::new(ErrorKind::Truncated { needed, available: window.len() as u32 }, end, rule));
    }
    Ok(Tlv { tag, offset: pos, header: &window[..header_len], value: &window[header_len..header_len + len] })
}

/// Sibling BER-TLVs one after the other, to the end of a region.
#[derive(Clone, Debug)]
pub struct TlvIter<'a> {
    input: &'a [u8],
    pos: usize,
    end: usize,
    failed: bool,
}

impl<'a> TlvIter<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Self { input, pos: 0, end: input.len(), failed: false }
    }

    /// The objects inside a constructed object's value.
    pub fn children(input: &'a [u8], parent: &Tlv<'a>) -> Self {
        Self { input, pos: parent.value_offset(), end: parent.end(), failed: false }
    }
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Result<Tlv<'a>>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.end {
            return None;
        }
        match parse_one(self.input, self.pos, self.end, rules::TLV_BER) {
            Ok(tlv) => {
                self.pos = tlv.end();
                Some(Ok(tlv))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// Visits every object of a BER-TLV sequence depth first, descending into constructed
/// objects up to [`MAX_DEPTH`] levels. Stack use is bounded by that limit, time by the input.
pub fn walk<'a, F: FnMut(usize, &Tlv<'a>)>(input: &'a [u8], mut f: F) -> Result<()> {
    // Generic over the visitor (not `dyn FnMut`) so that the walk and the visitor inline
    // together; recursion depth is bounded by MAX_DEPTH.
    fn go<'a, F: FnMut(usize, &Tlv<'a>)>(input: &'a [u8], iter: TlvIter<'a>, depth: usize, f: &mut F) -> Result<()> {
        for tlv in iter {
            let tlv = tlv?;
            f(depth, &tlv);
            if tlv.is_constructed() {
                if depth + 1 >= MAX_DEPTH {
                    return Err(Error::new(ErrorKind::TooDeep { limit: MAX_DEPTH as u32 }, tlv.offset, rules::TLV_BER));
                }
                go(input, TlvIter::children(input, &tlv), depth + 1, f)?;
            }
        }
        Ok(())
    }
    go(input, TlvIter::new(input), 0, &mut f)
}

/// A whole BER-TLV input decoded as a tree, for display. Decoding checks the whole input
/// first; describing re-walks it, so nothing is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlvTree<'a> {
    input: &'a [u8],
    /// Length of the object region; the rest is padding (`00` or `FF`).
    objects_end: usize,
}

impl<'a> TlvTree<'a> {
    /// Decodes a sequence of BER-TLVs. A tail made only of `00` or only of `FF` bytes after at
    /// least one object is padding, as ISO 7816-4 allows between and after objects.
    pub fn parse(input: &'a [u8]) -> Result<Self> {
        let mut objects_end = 0;
        let mut count = 0usize;
        let mut iter = TlvIter::new(input);
        loop {
            let pos = objects_end;
            let tail = &input[pos..];
            if count > 0 && !tail.is_empty() && is_padding(tail) {
                break;
            }
            match iter.next() {
                None => break,
                Some(Ok(tlv)) => {
                    count += 1;
                    objects_end = tlv.end();
                }
                Some(Err(e)) => return Err(e),
            }
        }
        if input.is_empty() {
            return Err(Error::new(ErrorKind::Truncated { needed: 2, available: 0 }, 0, rules::TLV_BER));
        }
        walk(&input[..objects_end], |_, _| ())?;
        Ok(Self { input, objects_end })
    }

    pub fn padding(&self) -> &'a [u8] {
        &self.input[self.objects_end..]
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.input);
    }

    pub fn encoded_len(&self) -> usize {
        self.input.len()
    }
}

fn is_padding(tail: &[u8]) -> bool {
    let first = tail[0];
    (first == 0x00 || first == 0xFF) && tail.iter().all(|&b| b == first)
}

fn describe_level<'a>(input: &'a [u8], iter: TlvIter<'a>, v: &mut dyn Visitor) {
    for tlv in iter.flatten() {
        v.enter("");
        v.field("offset", Value::Uint(tlv.offset as u64));
        v.field("tag", Value::Bytes(&tlv.header[..tag_len(tlv.tag)]));
        v.field("name", crate::generated::tags::Tag::from(tlv.tag).name().map_or(Value::Null, Value::Text));
        v.field("class", Value::Text(tlv.class().into()));
        v.field("constructed", Value::Bool(tlv.is_constructed()));
        v.field("length", Value::Uint(tlv.value.len() as u64));
        if tlv.is_constructed() {
            v.enter_list("children");
            describe_level(input, TlvIter::children(input, &tlv), v);
            v.leave();
        } else {
            v.field("value", Value::Bytes(tlv.value));
        }
        v.leave();
    }
}

impl Describe for TlvTree<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        let objects = &self.input[..self.objects_end];
        v.enter_list("objects");
        describe_level(objects, TlvIter::new(objects), v);
        v.leave();
        v.field("padding", Value::Bytes(self.padding()));
    }
}
