//! The security parameters of a command packet — SPI, KIc, KID — and the TAR, read through
//! the tables generated from `spec/tsm/scp80.json` and `spec/tsm/remote_apdu.json`.

use crate::describe::{Value, Visitor};
use crate::generated::tsm::{
    RemoteApduTars, Scp80KicAlgorithm, Scp80KicKeyset, Scp80KidCcAlgorithm, Scp80KidRcAlgorithm, Scp80SpiChecksum,
    Scp80SpiCounter, Scp80SpiFlags, Scp80SpiPor, Scp80SpiPorChecksum,
};

/// The two SPI bytes: how the command is secured (first byte) and what PoR it asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Spi(pub [u8; 2]);

impl Spi {
    pub fn checksum(self) -> Scp80SpiChecksum {
        Scp80SpiChecksum::of(&self.0)
    }

    pub fn counter(self) -> Scp80SpiCounter {
        Scp80SpiCounter::of(&self.0)
    }

    pub fn flags(self) -> Scp80SpiFlags {
        Scp80SpiFlags::from_bits_retain(u16::from_be_bytes(self.0))
    }

    pub fn ciphered(self) -> bool {
        self.flags().contains(Scp80SpiFlags::CIPHERING)
    }

    pub fn por(self) -> Scp80SpiPor {
        Scp80SpiPor::of(&self.0)
    }

    pub fn por_checksum(self) -> Scp80SpiPorChecksum {
        Scp80SpiPorChecksum::of(&self.0)
    }

    pub fn por_ciphered(self) -> bool {
        self.flags().contains(Scp80SpiFlags::POR_CIPHERING)
    }

    pub fn por_via_submit(self) -> bool {
        self.flags().contains(Scp80SpiFlags::POR_VIA_SUBMIT)
    }

    pub(crate) fn describe_field(self, name: &str, v: &mut dyn Visitor) {
        v.enter(name);
        v.field("hex", Value::Bytes(&self.0));
        v.field("checksum", name_or_reserved(self.checksum().name()));
        v.field("ciphering", Value::Bool(self.ciphered()));
        v.field("counter", name_or_reserved(self.counter().name()));
        v.field("por", name_or_reserved(self.por().name()));
        v.field("por_checksum", name_or_reserved(self.por_checksum().name()));
        v.field("por_ciphering", Value::Bool(self.por_ciphered()));
        v.field("por_via_submit", Value::Bool(self.por_via_submit()));
        v.leave();
    }
}

fn name_or_reserved(name: Option<&'static str>) -> Value<'static> {
    Value::Text(name.unwrap_or("reserved"))
}

/// What kind of checksum a packet carries, with the algorithm its KID names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChecksumKind {
    None,
    RedundancyCheck(Scp80KidRcAlgorithm),
    CryptographicChecksum(Scp80KidCcAlgorithm),
    DigitalSignature,
    /// SPI b2b1 outside the listed values cannot happen (two bits, four values), kept for
    /// the open enumeration's `Unknown`.
    Reserved,
}

impl ChecksumKind {
    /// The command's checksum: from SPI byte 1 and the KID.
    pub fn of_command(spi: Spi, kid: u8) -> Self {
        Self::from_parts(spi.checksum().into(), kid)
    }

    /// The PoR's checksum: from SPI byte 2 and the KID.
    pub fn of_response(spi: Spi, kid: u8) -> Self {
        Self::from_parts(spi.por_checksum().into(), kid)
    }

    fn from_parts(code: u8, kid: u8) -> Self {
        match code {
            0 => Self::None,
            1 => Self::RedundancyCheck(Scp80KidRcAlgorithm::of(&[kid])),
            2 => Self::CryptographicChecksum(Scp80KidCcAlgorithm::of(&[kid])),
            3 => Self::DigitalSignature,
            _ => Self::Reserved,
        }
    }

    /// The lengths the spec allows, or `None` where the algorithm is implicit or proprietary.
    pub fn allowed_lengths(self) -> Option<&'static [usize]> {
        match self {
            Self::None => Some(&[0]),
            Self::RedundancyCheck(Scp80KidRcAlgorithm::Crc16) => Some(&[2]),
            Self::RedundancyCheck(Scp80KidRcAlgorithm::Crc32) => Some(&[4]),
            Self::CryptographicChecksum(
                Scp80KidCcAlgorithm::DesCbcMac
                | Scp80KidCcAlgorithm::TripleDes2keyMac
                | Scp80KidCcAlgorithm::TripleDes3keyMac,
            ) => Some(&[8]),
            // pySim notes an AES CC "could be 4 or 8" bytes; both are accepted.
            Self::CryptographicChecksum(Scp80KidCcAlgorithm::AesCmac) => Some(&[4, 8]),
            _ => None,
        }
    }
}

pub(crate) fn describe_kic(kic: u8, spi: Spi, v: &mut dyn Visitor) {
    v.enter("kic");
    v.field("hex", Value::Bytes(core::slice::from_ref(&kic)));
    v.field("keyset", Value::Uint(u64::from(Scp80KicKeyset::of(&[kic]).0)));
    let algorithm =
        if spi.ciphered() { name_or_reserved(Scp80KicAlgorithm::of(&[kic]).name()) } else { Value::Text("unused") };
    v.field("algorithm", algorithm);
    v.leave();
}

pub(crate) fn describe_kid(kid: u8, checksum: ChecksumKind, v: &mut dyn Visitor) {
    v.enter("kid");
    v.field("hex", Value::Bytes(core::slice::from_ref(&kid)));
    v.field("keyset", Value::Uint(u64::from(kid >> 4)));
    let algorithm = match checksum {
        ChecksumKind::RedundancyCheck(a) => name_or_reserved(a.name()),
        ChecksumKind::CryptographicChecksum(a) => name_or_reserved(a.name()),
        ChecksumKind::DigitalSignature => Value::Text("digital_signature"),
        ChecksumKind::None | ChecksumKind::Reserved => Value::Text("unused"),
    };
    v.field("algorithm", algorithm);
    v.leave();
}

pub(crate) fn describe_tar(tar: &[u8; 3], v: &mut dyn Visitor) {
    v.enter("tar");
    v.field("hex", Value::Bytes(tar));
    let value = u32::from_be_bytes([0, tar[0], tar[1], tar[2]]);
    v.field("name", Value::Text(RemoteApduTars::from(value).name().unwrap_or("unknown")));
    v.leave();
}
