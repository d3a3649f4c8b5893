//! The SCP80 command packet (`spec/tsm/scp80.json`, `scp80.command_packet`):
//! `[02 70 00] CPL CHL SPI KIc KID TAR | CNTR PCNTR checksum data`, the part after the bar
//! enciphered when SPI says so.

use super::params::{describe_kic, describe_kid, describe_tar, ChecksumKind, Spi};
use super::{declared_length, len32, take};
use crate::describe::{Describe, Value, Visitor};
use crate::error::{Error, ErrorKind, Result};
use crate::generated::rules;

/// The user data header of a command packet: UDHL 02, IEI 70 (CPI), IEIDL 00.
pub const UDH: [u8; 3] = [0x02, 0x70, 0x00];

/// CHL counts SPI, KIc, KID, TAR, CNTR and PCNTR (13 bytes) plus the checksum.
pub const CHL_WITHOUT_CHECKSUM: usize = 13;

/// Bytes from CPL to the end of TAR.
pub const HEADER_LEN: usize = 10;

/// The counters, checksum and data of a command, as sent or once deciphered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlainCommand<'a> {
    pub cntr: [u8; 5],
    /// Padding bytes at the end of `data`.
    pub pcntr: u8,
    pub checksum: &'a [u8],
    /// The secured data with its padding.
    pub data: &'a [u8],
}

impl<'a> PlainCommand<'a> {
    /// Splits a plain secured part. `offset` is where `secured` starts in the whole packet,
    /// for error positions.
    pub fn parse(secured: &'a [u8], checksum_len: usize, offset: usize) -> Result<Self> {
        let shifted = |mut e: Error| {
            e.offset += offset;
            e
        };
        let cntr = take(secured, 0, 5, rules::SCP80_COMMAND_PACKET_CNTR).map_err(shifted)?;
        let pcntr = take(secured, 5, 1, rules::SCP80_COMMAND_PACKET_PCNTR).map_err(shifted)?[0];
        let checksum = take(secured, 6, checksum_len, rules::SCP80_COMMAND_PACKET_CHECKSUM).map_err(shifted)?;
        let data = &secured[6 + checksum_len..];
        if usize::from(pcntr) > data.len() {
            return Err(Error::new(
                ErrorKind::WrongLength { min: 0, max: len32(data.len()), found: u32::from(pcntr) },
                offset + 5,
                rules::SCP80_COMMAND_PACKET_PCNTR,
            ));
        }
        let mut counter = [0; 5];
        counter.copy_from_slice(cntr);
        Ok(Self { cntr: counter, pcntr, checksum, data })
    }

    /// The secured data without the padding.
    pub fn payload(&self) -> &'a [u8] {
        &self.data[..self.data.len() - usize::from(self.pcntr).min(self.data.len())]
    }

    pub fn encoded_len(&self) -> usize {
        6 + self.checksum.len() + self.data.len()
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.cntr);
        out.push(self.pcntr);
        out.extend_from_slice(self.checksum);
        out.extend_from_slice(self.data);
    }
}

/// What follows TAR: readable, or enciphered (with the checksum length CHL announces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandSecured<'a> {
    Plain(PlainCommand<'a>),
    Ciphered { checksum_len: usize, bytes: &'a [u8] },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommandPacket<'a> {
    /// Whether the packet starts with the UDH `02 70 00`.
    pub udh: bool,
    pub spi: Spi,
    pub kic: u8,
    pub kid: u8,
    pub tar: [u8; 3],
    pub secured: CommandSecured<'a>,
}

impl<'a> CommandPacket<'a> {
    pub fn parse(input: &'a [u8]) -> Result<Self> {
        let udh = input.starts_with(&UDH);
        let base = if udh { UDH.len() } else { 0 };
        let cpl = declared_length(input, base, 2, rules::SCP80_COMMAND_PACKET_CPL)?;
        let chl_at = base + 2;
        let chl = usize::from(take(input, chl_at, 1, rules::SCP80_COMMAND_PACKET_CHL)?[0]);
        if chl < CHL_WITHOUT_CHECKSUM || 1 + chl > cpl {
            return Err(Error::new(
                ErrorKind::WrongLength {
                    min: len32(CHL_WITHOUT_CHECKSUM),
                    max: len32(cpl.saturating_sub(1)),
                    found: len32(chl),
                },
                chl_at,
                rules::SCP80_COMMAND_PACKET_CHL,
            ));
        }
        // CPL ≥ 1 + CHL ≥ 14 bytes follow CPL, so the fixed header is all there.
        let h = &input[chl_at + 1..chl_at + 8];
        let spi = Spi([h[0], h[1]]);
        let (kic, kid) = (h[2], h[3]);
        let tar = [h[4], h[5], h[6]];
        let checksum_len = chl - CHL_WITHOUT_CHECKSUM;
        if let Some(allowed) = ChecksumKind::of_command(spi, kid).allowed_lengths() {
            if !allowed.contains(&checksum_len) {
                let (min, max) = (allowed[0], allowed[allowed.len() - 1]);
                return Err(Error::new(
                    ErrorKind::WrongLength {
                        min: len32(min + CHL_WITHOUT_CHECKSUM),
                        max: len32(max + CHL_WITHOUT_CHECKSUM),
                        found: len32(chl),
                    },
                    chl_at,
                    rules::SCP80_COMMAND_PACKET_CHL,
                ));
            }
        }
        let secured_at = base + HEADER_LEN;
        let bytes = &input[secured_at..];
        let secured = if spi.ciphered() {
            CommandSecured::Ciphered { checksum_len, bytes }
        } else {
            CommandSecured::Plain(PlainCommand::parse(bytes, checksum_len, secured_at)?)
        };
        Ok(Self { udh, spi, kic, kid, tar, secured })
    }

    fn checksum_len(&self) -> usize {
        match &self.secured {
            CommandSecured::Plain(p) => p.checksum.len(),
            CommandSecured::Ciphered { checksum_len, .. } => *checksum_len,
        }
    }

    fn secured_len(&self) -> usize {
        match &self.secured {
            CommandSecured::Plain(p) => p.encoded_len(),
            CommandSecured::Ciphered { bytes, .. } => bytes.len(),
        }
    }

    /// CPL: the bytes after it.
    pub fn cpl(&self) -> usize {
        HEADER_LEN - 2 + self.secured_len()
    }

    pub fn chl(&self) -> usize {
        CHL_WITHOUT_CHECKSUM + self.checksum_len()
    }

    /// CPL through TAR as sent: the start of what the checksum covers.
    pub fn header(&self) -> [u8; HEADER_LEN] {
        let cpl = u16::try_from(self.cpl()).unwrap_or(u16::MAX).to_be_bytes();
        let chl = u8::try_from(self.chl()).unwrap_or(u8::MAX);
        let [s0, s1] = self.spi.0;
        let [t0, t1, t2] = self.tar;
        [cpl[0], cpl[1], chl, s0, s1, self.kic, self.kid, t0, t1, t2]
    }

    /// Where the secured part starts in the encoded packet.
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
            CommandSecured::Plain(p) => p.encode(out),
            CommandSecured::Ciphered { bytes, .. } => out.extend_from_slice(bytes),
        }
    }
}

impl Describe for CommandPacket<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.field("udh", if self.udh { Value::Bytes(&UDH) } else { Value::Null });
        v.field("cpl", Value::Uint(self.cpl() as u64));
        v.field("chl", Value::Uint(self.chl() as u64));
        self.spi.describe_field("spi", v);
        describe_kic(self.kic, self.spi, v);
        describe_kid(self.kid, ChecksumKind::of_command(self.spi, self.kid), v);
        describe_tar(&self.tar, v);
        v.field("ciphered", Value::Bool(self.spi.ciphered()));
        match &self.secured {
            CommandSecured::Plain(p) => {
                v.field("secured", Value::Null);
                p.describe(v);
            }
            CommandSecured::Ciphered { bytes, .. } => {
                v.field("secured", Value::Bytes(bytes));
                for name in ["cntr", "pcntr", "checksum", "data", "padding"] {
                    v.field(name, Value::Null);
                }
            }
        }
    }
}

impl Describe for PlainCommand<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.field("cntr", Value::Bytes(&self.cntr));
        v.field("pcntr", Value::Uint(u64::from(self.pcntr)));
        v.field("checksum", Value::Bytes(self.checksum));
        let payload = self.payload();
        v.field("data", Value::Bytes(payload));
        v.field("padding", Value::Bytes(&self.data[payload.len()..]));
    }
}
