//! The small encodings GlobalPlatform commands share: BER-TLV lengths and objects for the
//! responses the card builds, and the one-byte-length LV fields of INSTALL's data.

use super::sw;
use hanko_codec::tlv::ber::TlvIter;

/// Appends a BER length (`81`/`82` forms above 127).
pub fn push_len(out: &mut Vec<u8>, len: usize) {
    hanko_codec::tlv::ber::write_length(out, len);
}

/// Appends `tag ‖ length ‖ value`; `tag` is one or two bytes as written (`0x4F`, `0x9F70`).
pub fn push(out: &mut Vec<u8>, tag: u16, value: &[u8]) {
    if tag > 0xFF {
        out.extend_from_slice(&tag.to_be_bytes());
    } else {
        out.push(tag as u8);
    }
    push_len(out, value.len());
    out.extend_from_slice(value);
}

/// The objects of a BER-TLV list as (tag, value); malformed input is "wrong data".
pub fn objects(input: &[u8]) -> Result<Vec<(u32, &[u8])>, u16> {
    TlvIter::new(input).map(|t| t.map(|t| (t.tag, t.value)).map_err(|_| sw::WRONG_DATA)).collect()
}

/// Reads INSTALL-style fields: each a length byte and that many bytes.
pub struct LvFields<'a> {
    rest: &'a [u8],
}

impl<'a> LvFields<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    /// The next field; a length beyond the data is "wrong data".
    pub fn next_field(&mut self) -> Result<&'a [u8], u16> {
        let (&len, rest) = self.rest.split_first().ok_or(sw::WRONG_DATA)?;
        let len = usize::from(len);
        if rest.len() < len {
            return Err(sw::WRONG_DATA);
        }
        let (field, rest) = rest.split_at(len);
        self.rest = rest;
        Ok(field)
    }

    /// The next field, which must be empty.
    pub fn empty(&mut self) -> Result<(), u16> {
        if self.next_field()?.is_empty() {
            Ok(())
        } else {
            Err(sw::WRONG_DATA)
        }
    }

    /// Ends reading: bytes left over are "wrong data".
    pub fn finish(&self) -> Result<(), u16> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(sw::WRONG_DATA)
        }
    }
}
