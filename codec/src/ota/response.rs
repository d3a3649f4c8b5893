//! The SCP80 response packet (`spec/tsm/scp80.json`, `scp80.response_packet`):
//! `[02 71 00] RPL RHL TAR | CNTR PCNTR status checksum data`, the part after the bar
//! enciphered when the command's SPI asked for a ciphered PoR — which the response itself
//! does not say, so the caller does.

use super::params::describe_tar;
use super::{declared_length, len32, take};
use crate::describe::{Describe, Value, Visitor};
use crate::error::{Error, ErrorKind, Result};
use crate::generated::rules;
use crate::generated::tsm::Scp80ResponseStatus;

/// The user data header of a response packet: UDHL 02, IEI 71 (RPI), IEIDL 00.
pub const UDH: [u8; 3] = [0x02, 0x71, 0x00];

/// RHL counts TAR, CNTR, PCNTR and the status (10 bytes) plus the checksum.
pub const RHL_WITHOUT_CHECKSUM: usize = 10;

/// Bytes from RPL to the end of TAR.
pub const HEADER_LEN: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlainResponse<'a> {
    pub cntr: [u8; 5],
    pub pcntr: u8,
    pub status: Scp80ResponseStatus,
    pub checksum: &'a [u8],
    /// The additional response data with its padding.
    pub data: &'a [u8],
}

impl<'a> PlainResponse<'a> {
    /// Splits a plain secured part starting at `offset` of the whole packet.
    pub fn parse(secured: &'a [u8], checksum_len: usize, offset: usize) -> Result<Self> {
        let shifted = |mut e: Error| {
            e.offset += offset;
            e
        };
        let cntr = take(secured, 0, 5, rules::SCP80_RESPONSE_PACKET_CNTR).map_err(shifted)?;
        let pcntr = take(secured, 5, 1, rules::SCP80_RESPONSE_PACKET_PCNTR).map_err(shifted)?[0];
        let status = take(secured, 6, 1, rules::SCP80_RESPONSE_PACKET_STATUS).map_err(shifted)?[0];
        let checksum = take(secured, 7, checksum_len, rules::SCP80_RESPONSE_PACKET_CHECKSUM).map_err(shifted)?;
        let data = &secured[7 + checksum_len..];
        if usize::from(pcntr) > data.len() {
            return Err(Error::new(
                ErrorKind::WrongLength { min: 0, max: len32(data.len()), found: u32::from(pcntr) },
                offset + 5,
                rules::SCP80_RESPONSE_PACKET_PCNTR,
            ));
        }
        let mut counter = [0; 5];
        counter.copy_from_slice(cntr);
        Ok(Self { cntr: counter, pcntr, status: Scp80ResponseStatus::from(status), checksum, data })
    }

    pub fn payload(&self) -> &'a [u8] {
        &self.data[..self.data.len() - usize::from(self.pcntr).min(self.data.len())]
    }

    pub fn encoded_len(&self) -> usize {
        7 + self.checksum.len() + self.data.len()
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.cntr);
        out.push(self.pcntr);
        out.push(u8::from(self.status));
        out.extend_from_slice(self.checksum);
        out.extend_from_slice(self.data);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponseSecured<'a> {
    Plain(PlainResponse<'a>),
    Ciphered { checksum_len: usize, bytes: &'a [u8] },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResponsePacket<'a> {
    /// Whether the packet starts with the UDH `02 71 00`.
    pub udh: bool,
    pub tar: [u8; 3],
    pub secured: ResponseSecured<'a>,
}

impl<'a> ResponsePacket<'a> {
    /// Parses a response; `ciphered` says whether the part after TAR is enciphered.
    pub fn parse(input: &'a [u8], ciphered: bool) -> Result<Self> {
        let udh = input.starts_with(&UDH);
        let base = if udh { UDH.len() } else { 0 };
        let rpl_rule =
            if ciphered { rules::SCP80_RESPONSE_PACKET_CIPHERED_RPL } else { rules::SCP80_RESPONSE_PACKET_RPL };
        let rhl_rule =
            if ciphered { rules::SCP80_RESPONSE_PACKET_CIPHERED_RHL } else { rules::SCP80_RESPONSE_PACKET_RHL };
        let rpl = declared_length(input, base, 2, rpl_rule)?;
        let rhl_at = base + 2;
        let rhl = usize::from(take(input, rhl_at, 1, rhl_rule)?[0]);
        if rhl < RHL_WITHOUT_CHECKSUM || 1 + rhl > rpl {
            return Err(Error::new(
                ErrorKind::WrongLength {
                    min: len32(RHL_WITHOUT_CHECKSUM),
                    max: len32(rpl.saturating_sub(1)),
                    found: len32(rhl),
                },
                rhl_at,
                rhl_rule,
            ));
        }
        let t = &input[rhl_at + 1..rhl_at + 4];
        let tar = [t[0], t[1], t[2]];
        let secured_at = base + HEADER_LEN;
        let bytes = &input[secured_at..];
        let checksum_len = rhl - RHL_WITHOUT_CHECKSUM;
        let secured = if ciphered {
            ResponseSecured::Ciphered { checksum_len, bytes }
        } else {
            ResponseSecured::Plain(PlainResponse::parse(bytes, checksum_len, secured_at)?)
        };
        Ok(Self { udh, tar, secured })
    }

    fn checksum_len(&self) -> usize {
        match &self.secured {
            ResponseSecured::Plain(p) => p.checksum.len(),
            ResponseSecured::Ciphered { checksum_len, .. } => *checksum_len,
        }
    }

    fn secured_len(&self) -> usize {
        match &self.secured {
            ResponseSecured::Plain(p) => p.encoded_len(),
            ResponseSecured::Ciphered { bytes, .. } => bytes.len(),
        }
    }

    pub fn rpl(&self) -> usize {
        HEADER_LEN - 2 + self.secured_len()
    }

    pub fn rhl(&self) -> usize {
        RHL_WITHOUT_CHECKSUM + self.checksum_len()
    }

    /// RPL through TAR as sent.
    pub fn header(&self) -> [u8; HEADER_LEN] {
        let rpl = u16::try_from(self.rpl()).unwrap_or(u16::MAX).to_be_bytes();
        let rhl = u8::try_from(self.rhl()).unwrap_or(u8::MAX);
        let [t0, t1, t2] = self.tar;
        [rpl[0], rpl[1], rhl, t0, t1, t2]
    }

    pub fn secured_offset(&self) -> usize {
        if self.udh {
            UDH.len() + HEADER_LEN
        } else {
            HEADER_LEN
        }
    }

    pub fn encoded_len(&self) -> usize {
        self.secured_offset() + self.secured_len()
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        if self.udh {
            out.extend_from_slice(&UDH);
        }
        out.extend_from_slice(&self.header());
        match &self.secured {
            ResponseSecured::Plain(p) => p.encode(out),
            ResponseSecured::Ciphered { bytes, .. } => out.extend_from_slice(bytes),
        }
    }
}

impl Describe for ResponsePacket<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.field("udh", if self.udh { Value::Bytes(&UDH) } else { Value::Null });
        v.field("rpl", Value::Uint(self.rpl() as u64));
        v.field("rhl", Value::Uint(self.rhl() as u64));
        describe_tar(&self.tar, v);
        match &self.secured {
            ResponseSecured::Plain(p) => {
                v.field("ciphered", Value::Bool(false));
                v.field("secured", Value::Null);
                p.describe(v);
            }
            ResponseSecured::Ciphered { bytes, .. } => {
                v.field("ciphered", Value::Bool(true));
                v.field("secured", Value::Bytes(bytes));
                for name in ["cntr", "pcntr", "status", "checksum", "data", "padding"] {
                    v.field(name, Value::Null);
                }
            }
        }
    }
}

impl Describe for PlainResponse<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.field("cntr", Value::Bytes(&self.cntr));
        v.field("pcntr", Value::Uint(u64::from(self.pcntr)));
        v.enter("status");
        let code = u8::from(self.status);
        v.field("hex", Value::Bytes(core::slice::from_ref(&code)));
        v.field("name", Value::Text(self.status.name().unwrap_or("unknown")));
        v.field("meaning", self.status.meaning().map_or(Value::Null, Value::Text));
        v.leave();
        v.field("checksum", Value::Bytes(self.checksum));
        let payload = self.payload();
        v.field("data", Value::Bytes(payload));
        v.field("padding", Value::Bytes(&self.data[payload.len()..]));
    }
}
