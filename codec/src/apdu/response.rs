//! Response APDU: response data followed by the two status bytes.

use crate::describe::{Describe, Value, Visitor};
use crate::error::{Error, ErrorKind, Result};
use crate::generated::rules;
use crate::generated::status::StatusWord;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResponseApdu<'a> {
    pub data: &'a [u8],
    pub sw: StatusWord,
}

impl<'a> ResponseApdu<'a> {
    pub fn parse(b: &'a [u8]) -> Result<Self> {
        if b.len() < 2 {
            return Err(Error::new(
                ErrorKind::Truncated { needed: 2, available: b.len() as u32 },
                b.len(),
                rules::APDU_RESPONSE,
            ));
        }
        let (data, sw) = b.split_at(b.len() - 2);
        Ok(Self { data, sw: StatusWord::from(u16::from_be_bytes([sw[0], sw[1]])) })
    }

    pub fn encoded_len(&self) -> usize {
        self.data.len() + 2
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.data);
        out.extend_from_slice(&u16::from(self.sw).to_be_bytes());
    }
}

impl Describe for ResponseApdu<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.field("data", Value::Bytes(self.data));
        let raw = u16::from(self.sw).to_be_bytes();
        v.field("sw", Value::Bytes(&raw));
        self.sw.describe(v);
    }
}

impl<'a> arbitrary::Arbitrary<'a> for ResponseApdu<'a> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let sw = StatusWord::from(u16::arbitrary(u)?);
        let n = u.int_in_range(0..=300)?.min(u.len());
        Ok(Self { data: u.bytes(n)?, sw })
    }
}
