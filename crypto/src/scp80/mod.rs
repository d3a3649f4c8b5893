//! SCP80 (ETSI TS 102 225, 3GPP TS 31.115): securing a command packet and checking it on the
//! card side, and the same for the proof of receipt (PoR) that answers it.
//!
//! Securing, in the standard's order: pad (when ciphering) so CNTR … data fills whole
//! blocks, PCNTR counting the padding; the checksum over CPL … PCNTR, data and padding (for
//! the response, over the UDH 02 71 00 too); then encipher CNTR … padding with a zero IV.
//! Checking undoes it and compares the checksum in constant time before anything else —
//! the counter included — is looked at. The packet layouts are `spec/tsm/scp80.json`.

mod algo;

pub use algo::{crc16, crc32};

use core::fmt;

use hanko_codec::generated::tsm::{Scp80KicAlgorithm, Scp80ResponseStatus, Scp80SpiCounter};
use hanko_codec::ota::command::{self, CommandPacket, CommandSecured, PlainCommand};
use hanko_codec::ota::params::{ChecksumKind, Spi};
use hanko_codec::ota::response::{self, PlainResponse, ResponsePacket, ResponseSecured};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use algo::{checksum, Cipher};

/// A KIc or KID key: 8 (DES), 16, 24 or 32 bytes, wiped when dropped.
#[derive(Clone)]
pub struct Key {
    bytes: [u8; 32],
    len: usize,
}

impl Key {
    pub fn new(key: &[u8]) -> Result<Self, Scp80Error> {
        if ![8, 16, 24, 32].contains(&key.len()) {
            return Err(Scp80Error::KeyLength { what: "key" });
        }
        let mut bytes = [0u8; 32];
        bytes[..key.len()].copy_from_slice(key);
        Ok(Self { bytes, len: key.len() })
    }

    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({} bytes)", self.len)
    }
}

/// The keys of one key set: KIc for ciphering, KID for the cryptographic checksum.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    pub kic: Option<Key>,
    pub kid: Option<Key>,
}

/// Why a packet could not be secured or did not check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scp80Error {
    /// The packet's structure is wrong (the codec's error: kind, byte, spec rule).
    Codec(hanko_codec::Error),
    /// The RC, CC or DS differs from the one computed.
    ChecksumMismatch,
    /// CHL or RHL gives a checksum length the algorithm does not produce.
    ChecksumLength { expected: usize, found: usize },
    /// The counter is not above the last one (SPI asks for a higher counter).
    CounterLow,
    /// The counter is above the last one, but not by one (SPI asks for exactly one more).
    CounterHigh,
    /// The last counter is the highest there is: nothing can follow it.
    CounterBlocked,
    /// The enciphered part is not whole cipher blocks.
    Ciphering { block: usize, found: usize },
    /// The deciphered part is malformed: a wrong KIc key or a forged packet.
    Deciphered(hanko_codec::Error),
    /// An algorithm (KIc, KID or SPI value) hanko does not implement.
    Unsupported { what: &'static str, value: u8 },
    /// A key the packet needs was not given.
    MissingKey { what: &'static str },
    /// A key of the wrong length for its algorithm.
    KeyLength { what: &'static str },
    /// The packet would not fit its length fields.
    TooLong,
}

impl Scp80Error {
    /// The PoR status a receiving entity answers this failure with (TS 102 225 table 5.3).
    pub fn status(&self) -> Scp80ResponseStatus {
        match self {
            Self::ChecksumMismatch | Self::ChecksumLength { .. } => Scp80ResponseStatus::RcCcDsFailed,
            Self::CounterLow => Scp80ResponseStatus::CounterLow,
            Self::CounterHigh => Scp80ResponseStatus::CounterHigh,
            Self::CounterBlocked => Scp80ResponseStatus::CounterBlocked,
            Self::Ciphering { .. } | Self::Deciphered(_) => Scp80ResponseStatus::CipheringError,
            _ => Scp80ResponseStatus::SecurityError,
        }
    }
}

impl fmt::Display for Scp80Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Codec(e) => write!(f, "{e}"),
            Self::ChecksumMismatch => f.write_str("RC/CC/DS check failed: the checksum differs from the one computed"),
            Self::ChecksumLength { expected, found } => {
                write!(f, "checksum of {found} bytes where the algorithm gives {expected}")
            }
            Self::CounterLow => f.write_str("counter low: not above the last counter"),
            Self::CounterHigh => f.write_str("counter high: more than one above the last counter"),
            Self::CounterBlocked => f.write_str("counter blocked: the last counter is the highest"),
            Self::Ciphering { block, found } => {
                write!(f, "ciphering error: {found} enciphered bytes are not whole {block}-byte blocks")
            }
            Self::Deciphered(e) => {
                write!(f, "ciphering error: the deciphered packet is malformed (wrong KIc key?): {e}")
            }
            Self::Unsupported { what, value } => write!(f, "unsupported {what} value {value:02X}"),
            Self::MissingKey { what } => write!(f, "the packet needs the {what} key"),
            Self::KeyLength { what } => write!(f, "{what} has the wrong length for its algorithm"),
            Self::TooLong => f.write_str("the packet is too long for its length fields"),
        }
    }
}

impl std::error::Error for Scp80Error {}

impl From<hanko_codec::Error> for Scp80Error {
    fn from(e: hanko_codec::Error) -> Self {
        Self::Codec(e)
    }
}

/// What a command packet is made of before it is secured.
#[derive(Clone, Copy, Debug)]
pub struct CommandParams<'a> {
    /// Start with the UDH 02 70 00.
    pub udh: bool,
    pub spi: Spi,
    pub kic: u8,
    pub kid: u8,
    pub tar: [u8; 3],
    pub counter: [u8; 5],
    /// The remote APDU script.
    pub data: &'a [u8],
}

/// A command packet that checked: its header and the deciphered, unpadded data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCommand {
    pub spi: Spi,
    pub kic: u8,
    pub kid: u8,
    pub tar: [u8; 3],
    pub counter: [u8; 5],
    pub data: Vec<u8>,
}

/// What a response packet is made of before it is secured; `spi`, `kic` and `kid` are the
/// command's, which say how the PoR is secured.
#[derive(Clone, Copy, Debug)]
pub struct ResponseParams<'a> {
    pub spi: Spi,
    pub kic: u8,
    pub kid: u8,
    pub tar: [u8; 3],
    pub counter: [u8; 5],
    pub status: u8,
    /// The remote APDU response.
    pub data: &'a [u8],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedResponse {
    pub tar: [u8; 3],
    pub counter: [u8; 5],
    pub status: Scp80ResponseStatus,
    pub data: Vec<u8>,
}

fn kic_cipher(kic: u8, keys: &Keys) -> Result<Cipher, Scp80Error> {
    let key = keys.kic.as_ref().ok_or(Scp80Error::MissingKey { what: "KIc" })?;
    Cipher::new(Scp80KicAlgorithm::of(&[kic]), key)
}

/// The checksum length a protected packet gets: the algorithm's full output, 8 for an AES CC.
fn checksum_len(kind: ChecksumKind) -> usize {
    kind.allowed_lengths().and_then(|l| l.last().copied()).unwrap_or(0)
}

fn pad_len(len: usize, block: usize) -> usize {
    (block - len % block) % block
}

/// Secures a command packet: counter, padding, checksum, ciphering, as SPI, KIc and KID say.
pub fn protect_command(p: &CommandParams<'_>, keys: &Keys) -> Result<Vec<u8>, Scp80Error> {
    let kind = ChecksumKind::of_command(p.spi, p.kid);
    let n = checksum_len(kind);
    if kind != ChecksumKind::None && n == 0 {
        return Err(Scp80Error::Unsupported { what: "KID", value: p.kid });
    }
    let cipher = if p.spi.ciphered() { Some(kic_cipher(p.kic, keys)?) } else { None };
    let pad = cipher.as_ref().map_or(0, |c| pad_len(6 + n + p.data.len(), c.block()));
    let secured_len = 6 + n + p.data.len() + pad;
    let cpl = u16::try_from(command::HEADER_LEN - 2 + secured_len).map_err(|_| Scp80Error::TooLong)?;
    let chl = u8::try_from(command::CHL_WITHOUT_CHECKSUM + n).map_err(|_| Scp80Error::TooLong)?;
    let [c0, c1] = cpl.to_be_bytes();
    let [s0, s1] = p.spi.0;
    let [t0, t1, t2] = p.tar;
    let header = [c0, c1, chl, s0, s1, p.kic, p.kid, t0, t1, t2];
    let pcntr = u8::try_from(pad).map_err(|_| Scp80Error::TooLong)?;
    let padding = [0u8; 16];
    let padding = &padding[..pad];
    let sum = checksum(kind, keys.kid.as_ref(), &[&header, &p.counter, &[pcntr], p.data, padding], n)?;
    let mut secured = Zeroizing::new(Vec::with_capacity(secured_len));
    secured.extend_from_slice(&p.counter);
    secured.push(pcntr);
    secured.extend_from_slice(&sum);
    secured.extend_from_slice(p.data);
    secured.extend_from_slice(padding);
    if let Some(c) = &cipher {
        c.encrypt(&mut secured);
    }
    let mut out = Vec::with_capacity(3 + header.len() + secured_len);
    if p.udh {
        out.extend_from_slice(&command::UDH);
    }
    out.extend_from_slice(&header);
    out.extend_from_slice(&secured);
    Ok(out)
}

/// Deciphers `bytes` (a copy) when `cipher` is given, checking whole blocks first.
fn decipher(bytes: &[u8], cipher: Option<&Cipher>) -> Result<Zeroizing<Vec<u8>>, Scp80Error> {
    let mut plain = Zeroizing::new(bytes.to_vec());
    if let Some(c) = cipher {
        if bytes.is_empty() || bytes.len() % c.block() != 0 {
            return Err(Scp80Error::Ciphering { block: c.block(), found: bytes.len() });
        }
        c.decrypt(&mut plain);
    }
    Ok(plain)
}

fn compare(expected: &[u8], found: &[u8]) -> Result<(), Scp80Error> {
    if bool::from(expected.ct_eq(found)) {
        Ok(())
    } else {
        Err(Scp80Error::ChecksumMismatch)
    }
}

/// The counter rule of SPI b5b4 against the last counter the receiving entity accepted.
pub fn check_counter(mode: Scp80SpiCounter, last: [u8; 5], received: [u8; 5]) -> Result<(), Scp80Error> {
    let value = |c: [u8; 5]| c.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
    let (last, received) = (value(last), value(received));
    let must_exceed = matches!(mode, Scp80SpiCounter::CounterHigher | Scp80SpiCounter::CounterOneHigher);
    if must_exceed && last == 0xFF_FFFF_FFFF {
        return Err(Scp80Error::CounterBlocked);
    }
    match mode {
        Scp80SpiCounter::CounterHigher if received <= last => Err(Scp80Error::CounterLow),
        Scp80SpiCounter::CounterOneHigher if received <= last => Err(Scp80Error::CounterLow),
        Scp80SpiCounter::CounterOneHigher if received > last + 1 => Err(Scp80Error::CounterHigh),
        _ => Ok(()),
    }
}

/// Checks a command packet as its receiving entity does: decipher, checksum (constant
/// time), then the counter against `last_counter` (`None`: no counter is kept, as for a
/// tool that only reads packets).
///
/// The packet is checked at the level its own SPI asks for, so a packet whose SPI was
/// rewritten to ask for nothing verifies. Refusing that is the receiving entity's minimum
/// security level (ETSI TS 102 226's MSL; PoR status `0A`, insufficient security level),
/// checked on [`VerifiedCommand::spi`], as hanko-sim's issuer security domain does.
pub fn verify_command(
    packet: &[u8],
    keys: &Keys,
    last_counter: Option<[u8; 5]>,
) -> Result<VerifiedCommand, Scp80Error> {
    let p = CommandPacket::parse(packet)?;
    let kind = ChecksumKind::of_command(p.spi, p.kid);
    let (bytes, checksum_len) = match &p.secured {
        CommandSecured::Plain(plain) => (&packet[p.secured_offset()..], plain.checksum.len()),
        CommandSecured::Ciphered { bytes, checksum_len } => (*bytes, *checksum_len),
    };
    let cipher = if p.spi.ciphered() { Some(kic_cipher(p.kic, keys)?) } else { None };
    let plain_bytes = decipher(bytes, cipher.as_ref())?;
    let plain = PlainCommand::parse(&plain_bytes, checksum_len, p.secured_offset()).map_err(Scp80Error::Deciphered)?;
    let header = p.header();
    let expected = Zeroizing::new(checksum(
        kind,
        keys.kid.as_ref(),
        &[&header, &plain.cntr, &[plain.pcntr], plain.data],
        checksum_len,
    )?);
    compare(&expected, plain.checksum)?;
    if let Some(last) = last_counter {
        check_counter(p.spi.counter(), last, plain.cntr)?;
    }
    Ok(VerifiedCommand {
        spi: p.spi,
        kic: p.kic,
        kid: p.kid,
        tar: p.tar,
        counter: plain.cntr,
        data: plain.payload().to_vec(),
    })
}

/// Secures a PoR, with the UDH 02 71 00 its checksum covers.
pub fn protect_response(p: &ResponseParams<'_>, keys: &Keys) -> Result<Vec<u8>, Scp80Error> {
    let kind = ChecksumKind::of_response(p.spi, p.kid);
    let n = checksum_len(kind);
    if kind != ChecksumKind::None && n == 0 {
        return Err(Scp80Error::Unsupported { what: "KID", value: p.kid });
    }
    let cipher = if p.spi.por_ciphered() { Some(kic_cipher(p.kic, keys)?) } else { None };
    let pad = cipher.as_ref().map_or(0, |c| pad_len(7 + n + p.data.len(), c.block()));
    let secured_len = 7 + n + p.data.len() + pad;
    let rpl = u16::try_from(response::HEADER_LEN - 2 + secured_len).map_err(|_| Scp80Error::TooLong)?;
    let rhl = u8::try_from(response::RHL_WITHOUT_CHECKSUM + n).map_err(|_| Scp80Error::TooLong)?;
    let [r0, r1] = rpl.to_be_bytes();
    let [t0, t1, t2] = p.tar;
    let header = [r0, r1, rhl, t0, t1, t2];
    let pcntr = u8::try_from(pad).map_err(|_| Scp80Error::TooLong)?;
    let padding = [0u8; 16];
    let padding = &padding[..pad];
    let parts: [&[u8]; 7] = [&response::UDH, &header, &p.counter, &[pcntr], &[p.status], p.data, padding];
    let sum = checksum(kind, keys.kid.as_ref(), &parts, n)?;
    let mut secured = Zeroizing::new(Vec::with_capacity(secured_len));
    secured.extend_from_slice(&p.counter);
    secured.extend_from_slice(&[pcntr, p.status]);
    secured.extend_from_slice(&sum);
    secured.extend_from_slice(p.data);
    secured.extend_from_slice(padding);
    if let Some(c) = &cipher {
        c.encrypt(&mut secured);
    }
    let mut out = Vec::with_capacity(3 + header.len() + secured_len);
    out.extend_from_slice(&response::UDH);
    out.extend_from_slice(&header);
    out.extend_from_slice(&secured);
    Ok(out)
}

/// Checks a PoR against the command's `spi`, `kic` and `kid`: decipher, then the checksum
/// over UDH … data (a packet without its UDH is checked as if it had 02 71 00).
pub fn verify_response(packet: &[u8], spi: Spi, kic: u8, kid: u8, keys: &Keys) -> Result<VerifiedResponse, Scp80Error> {
    let ciphered = spi.por_ciphered();
    let p = ResponsePacket::parse(packet, ciphered)?;
    let kind = ChecksumKind::of_response(spi, kid);
    let (bytes, checksum_len) = match &p.secured {
        ResponseSecured::Plain(plain) => (&packet[p.secured_offset()..], plain.checksum.len()),
        ResponseSecured::Ciphered { bytes, checksum_len } => (*bytes, *checksum_len),
    };
    let cipher = if ciphered { Some(kic_cipher(kic, keys)?) } else { None };
    let plain_bytes = decipher(bytes, cipher.as_ref())?;
    let plain = PlainResponse::parse(&plain_bytes, checksum_len, p.secured_offset()).map_err(Scp80Error::Deciphered)?;
    let header = p.header();
    let status = [u8::from(plain.status)];
    let parts: [&[u8]; 6] = [&response::UDH, &header, &plain.cntr, &[plain.pcntr], &status, plain.data];
    let expected = Zeroizing::new(checksum(kind, keys.kid.as_ref(), &parts, checksum_len)?);
    compare(&expected, plain.checksum)?;
    Ok(VerifiedResponse { tar: p.tar, counter: plain.cntr, status: plain.status, data: plain.payload().to_vec() })
}
