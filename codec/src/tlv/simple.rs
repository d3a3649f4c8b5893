//! SIMPLE-TLV (ISO 7816-4 §5.2.1): a one-byte tag (`01`..=`FE`) and a length of one byte, or
//! `FF` followed by two bytes.

use crate::error::{Error, ErrorKind, Expected, Result, Rule};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimpleTlv<'a> {
    pub tag: u8,
    pub offset: usize,
    pub header: &'a [u8],
    pub value: &'a [u8],
}

impl<'a> SimpleTlv<'a> {
    pub fn value_offset(&self) -> usize {
        self.offset + self.header.len()
    }

    pub fn end(&self) -> usize {
        self.value_offset() + self.value.len()
    }

    pub fn value_span(&self) -> crate::reader::Span<'a> {
        crate::reader::Span { bytes: self.value, offset: self.value_offset() }
    }
}

pub fn header_len(len: usize) -> usize {
    if len < 0xFF {
        2
    } else {
        4
    }
}

/// Writes tag and length; `len` must not exceed 65535.
pub fn write_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0xFF {
        out.push(len as u8);
    } else {
        out.push(0xFF);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    }
}

pub fn parse_one(input: &[u8], pos: usize, end: usize, rule: Rule) -> Result<SimpleTlv<'_>> {
    let window = &input[pos..end];
    let truncated = |needed: usize| {
        Error::new(ErrorKind::Truncated { needed: needed as u32, available: window.len() as u32 }, end, rule)
    };
    let (&tag, rest) = window.split_first().ok_or_else(|| truncated(2))?;
    if tag == 0x00 || tag == 0xFF {
        return Err(Error::new(ErrorKind::Invalid(Expected::Unreserved), pos, rule));
    }
    let (&first, rest) = rest.split_first().ok_or_else(|| truncated(2))?;
    let (len, header_len) = if first == 0xFF {
        let field = rest.get(..2).ok_or_else(|| truncated(4))?;
        (usize::from(u16::from_be_bytes([field[0], field[1]])), 4)
    } else {
        (usize::from(first), 2)
    };
    if window.len() - header_len < len {
        return Err(truncated(header_len + len));
    }
    Ok(SimpleTlv { tag, offset: pos, header: &window[..header_len], value: &window[header_len..header_len + len] })
}
