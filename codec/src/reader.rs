//! Cursor over an input that keeps every position absolute, so that an error deep inside a
//! nested element still names the byte of the whole input. Generated decoders are written
//! in terms of this reader.

use crate::error::{Error, ErrorKind, Expected, Result, Rule};
use crate::tlv::ber::{self, Tlv};
use crate::tlv::simple::{self, SimpleTlv};

/// Bytes of the input with the offset of their first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span<'a> {
    pub bytes: &'a [u8],
    pub offset: usize,
}

impl<'a> Span<'a> {
    pub fn end(&self) -> usize {
        self.offset + self.bytes.len()
    }
}

#[derive(Clone, Debug)]
pub struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    end: usize,
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Self { input, pos: 0, end: input.len() }
    }

    /// A reader over `span` of `input`, clamped to `input` so that a span from elsewhere
    /// cannot make it read out of bounds.
    pub fn within(input: &'a [u8], span: Span<'a>) -> Self {
        let end = span.end().min(input.len());
        Self { input, pos: span.offset.min(end), end }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    #[inline]
    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    #[inline]
    fn window(&self) -> &'a [u8] {
        &self.input[self.pos..self.end]
    }

    /// Exactly `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize, rule: Rule) -> Result<Span<'a>> {
        if self.remaining() < n {
            return Err(Error::new(
                ErrorKind::Truncated { needed: len32(n), available: len32(self.remaining()) },
                self.end,
                rule,
            ));
        }
        let span = Span { bytes: &self.input[self.pos..self.pos + n], offset: self.pos };
        self.pos += n;
        Ok(span)
    }

    /// Everything that is left, between `min` and `max` bytes.
    pub fn rest(&mut self, min: usize, max: usize, rule: Rule) -> Result<Span<'a>> {
        let n = self.remaining();
        if n < min || n > max {
            return Err(Error::new(
                ErrorKind::WrongLength { min: len32(min), max: len32(max), found: len32(n) },
                self.pos,
                rule,
            ));
        }
        self.take(n, rule)
    }

    /// The tag of the next BER-TLV, if a well-formed tag field is there.
    pub fn peek_tag(&self) -> Option<u32> {
        ber::read_tag(self.window()).ok().map(|(tag, _)| tag)
    }

    /// The next BER-TLV, which must carry `expected`.
    #[inline]
    pub fn tlv(&mut self, expected: u32, rule: Rule) -> Result<Tlv<'a>> {
        if self.is_empty() {
            return Err(Error::new(ErrorKind::Missing { tag: expected }, self.pos, rule));
        }
        let tlv = ber::parse_one(self.input, self.pos, self.end, rule)?;
        if tlv.tag != expected {
            return Err(Error::new(ErrorKind::UnexpectedTag { expected, found: tlv.tag }, self.pos, rule));
        }
        self.pos = tlv.end();
        Ok(tlv)
    }

    /// The next BER-TLV if it carries `tag`; nothing is consumed otherwise.
    pub fn optional_tlv(&mut self, tag: u32, rule: Rule) -> Result<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(tag) {
            self.tlv(tag, rule).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The next SIMPLE-TLV, which must carry `expected`.
    pub fn simple_tlv(&mut self, expected: u8, rule: Rule) -> Result<SimpleTlv<'a>> {
        if self.is_empty() {
            return Err(Error::new(ErrorKind::Missing { tag: expected.into() }, self.pos, rule));
        }
        let tlv = simple::parse_one(self.input, self.pos, self.end, rule)?;
        if tlv.tag != expected {
            return Err(Error::new(
                ErrorKind::UnexpectedTag { expected: expected.into(), found: tlv.tag.into() },
                self.pos,
                rule,
            ));
        }
        self.pos = tlv.end();
        Ok(tlv)
    }

    /// Trailing padding: every byte left must equal `byte`. Returns how many there were.
    pub fn padding(&mut self, byte: u8, rule: Rule) -> Result<usize> {
        let window = self.window();
        if let Some(i) = window.iter().position(|&b| b != byte) {
            return Err(Error::new(ErrorKind::Invalid(Expected::Padding), self.pos + i, rule));
        }
        self.pos = self.end;
        Ok(window.len())
    }

    /// Trailing padding of one byte repeated, that byte one of `allowed`.
    pub fn padding_any(&mut self, allowed: &[u8], rule: Rule) -> Result<crate::field::Padding> {
        match self.window().first() {
            None => Ok(crate::field::Padding::none(allowed)),
            Some(&byte) if allowed.contains(&byte) => {
                let len = self.padding(byte, rule)?;
                Ok(crate::field::Padding { byte, len })
            }
            Some(_) => Err(Error::new(ErrorKind::Invalid(Expected::Padding), self.pos, rule)),
        }
    }

    /// The element is complete: nothing may follow.
    #[inline]
    pub fn finish(&self, rule: Rule) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::TrailingData { extra: len32(self.remaining()) }, self.pos, rule))
        }
    }
}
