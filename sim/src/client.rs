//! An in-process JPKI client that talks to a card the way the public clients do, so that the
//! virtual card can be exercised by the same command sequences real middleware sends.
//!
//! What it mirrors (REFERENCE §5, docs/research/jpki-facts.md §3):
//! - SELECT DF `00 A4 04 0C`, SELECT EF `00 A4 02 0C`, no FCI, no GET RESPONSE;
//! - READ BINARY as jpki/myna and jpki-rs do ([`ReadStyle::Probe7`]: 7 bytes, BER length, the
//!   rest from offset 7) or as OpenSC does ([`ReadStyle::Probe4`]: 4 bytes, then the whole
//!   file again from offset 0); 256-byte chunks (Le `00`) and an exact Le for the last one;
//!   only `9000` is accepted;
//! - fixed-size reads where clients use them (token label 32 bytes, My Number 17 bytes);
//! - the retry counter query (empty VERIFY) answered `63Cx`, as OpenSC demands;
//! - COMPUTE DIGITAL SIGNATURE `80 2A 00 80 Lc DigestInfo 00` on the selected key EF.
//!
//! The client never panics on anything a card answers: every answer is checked before use,
//! and a file's claimed length is capped at [`MAX_FILE_LEN`] before anything is allocated.

use std::fmt;

use hanko_codec::field::{Date, Sex, SignatureInput};
use hanko_codec::generated::applications::{by_short, Application};
use hanko_codec::generated::commands::{
    JpkiComputeSignature, JpkiReadBinary, JpkiSelectDf, JpkiSelectEf, JpkiVerify, JpkiVerifyQuery,
};
use hanko_codec::generated::files::{JpkiTokenInfo, TextBasicFour, TextMyNumber};
use hanko_codec::generated::{applications::Aid, rules};
use hanko_codec::tlv::ber::{read_length, read_tag};
use hanko_codec::{Case, File, ResponseApdu, StatusWord};

use crate::transport::{Transport, TransportError};

/// The largest file the client reads. A length field from the card is only a claim: without
/// a cap a corrupt header could make the client allocate and loop for gigabytes.
pub const MAX_FILE_LEN: usize = 64 * 1024;

/// READ BINARY's offset is P1-P2 with the top bit clear (the bit that selects an SFI read).
const MAX_OFFSET: usize = 0x7FFF;

/// The most a short READ BINARY returns (Le `00`).
const CHUNK: usize = 256;

/// Size of the token label in EF 0006 that jpki/myna and OpenSC read.
const TOKEN_LABEL_LEN: usize = 32;

/// EF 0001 of the text AP: `FF 10 0C` + 12 digits + `FF FF`. Every client reads all 17, and
/// the integrity record hashes all 17, so the filler is read too.
const MY_NUMBER_LEN: usize = 17;

/// An RSA-2048 signature.
const SIGNATURE_LEN: usize = 256;

/// How the size of a TLV file is learned before it is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReadStyle {
    /// OpenSC: `00 B0 00 00 04`, the length from a `30 82 LL LL` header, then the whole file
    /// from offset 0. The 4 bytes are parsed as any BER header, so that short-form files
    /// (`FF 20 62 …`) can be read this way too; OpenSC itself only does this for certificates.
    Probe4,
    /// jpki/myna and jpki-rs: `00 B0 00 00 07`, the BER length, then the rest from offset 7.
    #[default]
    Probe7,
}

impl ReadStyle {
    fn probe_len(self) -> usize {
        match self {
            Self::Probe4 => 4,
            Self::Probe7 => 7,
        }
    }
}

/// A certificate EF of the JPKI AP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Which {
    Auth,
    /// Readable only after the signing password is verified.
    Sign,
    AuthCa,
    SignCa,
}

impl Which {
    pub const ALL: [Self; 4] = [Self::Auth, Self::Sign, Self::AuthCa, Self::SignCa];

    pub fn fid(self) -> u16 {
        match self {
            Self::Sign => 0x0001,
            Self::SignCa => 0x0002,
            Self::Auth => 0x000A,
            Self::AuthCa => 0x000B,
        }
    }

    /// The spec id of the file, which names its decoder.
    pub fn file_id(self) -> &'static str {
        match self {
            Self::Sign => "jpki.sign_cert",
            Self::SignCa => "jpki.sign_ca_cert",
            Self::Auth => "jpki.auth_cert",
            Self::AuthCa => "jpki.auth_ca_cert",
        }
    }
}

/// A PIN EF, with the application it lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pin {
    /// JPKI user-authentication PIN, EF 0018.
    Auth,
    /// JPKI signing password, EF 001B.
    Sign,
    /// Text AP PIN, EF 0011.
    TextPin,
    /// Text AP 照合番号A (the My Number), EF 0014.
    TextNumberA,
    /// Text AP 照合番号B, EF 0015.
    TextNumberB,
    /// Surface AP birth-date key, EF 0011.
    SurfaceBirthDate,
    /// Surface AP 照合番号B, EF 0012.
    SurfaceNumberB,
    /// Surface AP 照合番号A, EF 0013.
    SurfaceNumberA,
    /// Common AP PIN, EF 001C.
    Common,
}

impl Pin {
    pub const ALL: [Self; 9] = [
        Self::Auth,
        Self::Sign,
        Self::TextPin,
        Self::TextNumberA,
        Self::TextNumberB,
        Self::SurfaceBirthDate,
        Self::SurfaceNumberB,
        Self::SurfaceNumberA,
        Self::Common,
    ];

    /// The application's short name in the generated table (`by_short`).
    pub fn application(self) -> &'static str {
        match self {
            Self::Auth | Self::Sign => "jpki",
            Self::TextPin | Self::TextNumberA | Self::TextNumberB => "text",
            Self::SurfaceBirthDate | Self::SurfaceNumberB | Self::SurfaceNumberA => "surface",
            Self::Common => "common",
        }
    }

    pub fn fid(self) -> u16 {
        match self {
            Self::Auth => 0x0018,
            Self::Sign => 0x001B,
            Self::TextPin => 0x0011,
            Self::TextNumberA => 0x0014,
            Self::TextNumberB => 0x0015,
            Self::SurfaceBirthDate => 0x0011,
            Self::SurfaceNumberB => 0x0012,
            Self::SurfaceNumberA => 0x0013,
            Self::Common => 0x001C,
        }
    }

    /// The spec id of the PIN file.
    pub fn file_id(self) -> &'static str {
        match self {
            Self::Auth => "jpki.auth_pin",
            Self::Sign => "jpki.sign_pin",
            Self::TextPin => "text.pin",
            Self::TextNumberA => "text.number_a",
            Self::TextNumberB => "text.number_b",
            Self::SurfaceBirthDate => "surface.birth_key",
            Self::SurfaceNumberB => "surface.number_b",
            Self::SurfaceNumberA => "surface.number_a",
            Self::Common => "common.pin",
        }
    }
}

/// A private key EF of the JPKI AP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// EF 0017, usable after [`Pin::Auth`].
    Auth,
    /// EF 001A, usable after [`Pin::Sign`].
    Sign,
}

impl Key {
    pub fn fid(self) -> u16 {
        match self {
            Self::Auth => 0x0017,
            Self::Sign => 0x001A,
        }
    }
}

/// What the retry counter query says about a PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinStatus {
    /// `63Cx` with x ≥ 1.
    TriesLeft(u8),
    /// `63C0`, `6984` or `6983`.
    Blocked,
}

/// The text AP's basic four items (基本4情報), owned.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BasicFour {
    /// Family and given name separated by U+3000.
    pub name: String,
    pub address: String,
    pub birth_date: Date,
    pub sex: Sex,
}

/// What was wrong with a response that came back with a status word the client accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Malformed {
    /// Fewer than two bytes: there is no status word.
    NoStatusWord { len: usize },
    /// The data field is not as long as the command asked for.
    Length { expected: usize, found: usize },
    /// A file claims more bytes than READ BINARY can address or [`MAX_FILE_LEN`] allows.
    TooLarge { claimed: usize },
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NoStatusWord { len } => write!(f, "{len}-byte response has no status word"),
            Self::Length { expected, found } => write!(f, "{found} data bytes where {expected} were expected"),
            Self::TooLarge { claimed } => write!(f, "file claims {claimed} bytes, more than the client reads"),
        }
    }
}

/// Why a client operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientError {
    /// The transport could not deliver the command or its answer.
    Transport(TransportError),
    /// The card answered a status word the operation does not accept; `command` is the spec id.
    Status { command: &'static str, sw: StatusWord },
    /// The answer had an accepted status word but unusable data.
    Malformed { command: &'static str, what: Malformed },
    /// VERIFY was refused: `63Cx` (x = 0 on the try that blocked the PIN).
    WrongPin { tries_left: u8 },
    /// The PIN is blocked: VERIFY answered `6984` or `6983`.
    Blocked,
    /// File data that does not decode as the spec lays it out.
    Decode(hanko_codec::Error),
    /// The caller asked for something the client cannot put into a well-formed command.
    InvalidArgument(&'static str),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(e) => write!(f, "transport failed: {e}"),
            Self::Status { command, sw } => {
                write!(f, "{command} answered {:04X}", u16::from(*sw))?;
                match (sw.id(), sw.meaning()) {
                    (Some(id), Some(meaning)) => write!(f, " ({id}: {meaning})"),
                    _ => f.write_str(" (a status word the spec does not list)"),
                }
            }
            Self::Malformed { command, what } => write!(f, "{command}: malformed response: {what}"),
            Self::WrongPin { tries_left } => write!(f, "wrong PIN, {tries_left} tries left"),
            Self::Blocked => f.write_str("PIN blocked"),
            Self::Decode(e) => write!(f, "card data does not decode: {e}"),
            Self::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport(e) => Some(e),
            Self::Decode(e) => Some(e),
            _ => None,
        }
    }
}

impl From<TransportError> for ClientError {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}

impl From<hanko_codec::Error> for ClientError {
    fn from(e: hanko_codec::Error) -> Self {
        Self::Decode(e)
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// A JPKI client over any [`Transport`].
///
/// It remembers which application it selected last and selects again only when an
/// operation needs another one: selecting a DF clears the card's security status, so a PIN
/// verified with [`JpkiClient::verify`] stays usable for the next operation in the same
/// application. Call [`JpkiClient::forget_selection`] after resetting the card.
pub struct JpkiClient<T: Transport> {
    transport: T,
    style: ReadStyle,
    selected: Option<&'static [u8]>,
}

impl<T: Transport> JpkiClient<T> {
    pub fn new(transport: T) -> Self {
        Self { transport, style: ReadStyle::default(), selected: None }
    }

    pub fn with_style(mut self, style: ReadStyle) -> Self {
        self.style = style;
        self
    }

    pub fn style(&self) -> ReadStyle {
        self.style
    }

    pub fn set_style(&mut self, style: ReadStyle) {
        self.style = style;
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_inner(self) -> T {
        self.transport
    }

    /// Makes the next operation select its application even if it was the last one selected.
    pub fn forget_selection(&mut self) {
        self.selected = None;
    }

    /// Sends one command; returns the data field and status word.
    fn exchange(&mut self, command: &'static str, capdu: &[u8]) -> Result<(Vec<u8>, StatusWord)> {
        let raw = self.transport.transmit(capdu)?;
        let r = ResponseApdu::parse(&raw)
            .map_err(|_| ClientError::Malformed { command, what: Malformed::NoStatusWord { len: raw.len() } })?;
        Ok((r.data.to_vec(), r.sw))
    }

    /// A command that must answer `9000` with exactly `expected` data bytes.
    fn expect(&mut self, command: &'static str, capdu: &[u8], expected: usize) -> Result<Vec<u8>> {
        let (data, sw) = self.exchange(command, capdu)?;
        if sw != StatusWord::Success {
            return Err(ClientError::Status { command, sw });
        }
        if data.len() != expected {
            return Err(ClientError::Malformed { command, what: Malformed::Length { expected, found: data.len() } });
        }
        Ok(data)
    }

    /// SELECT by DF name (`00 A4 04 0C Lc AID`), always sent.
    pub fn select(&mut self, app: &'static Application) -> Result<()> {
        // A failed SELECT may or may not have left the old DF current; assume nothing.
        self.selected = None;
        let mut capdu = Vec::new();
        JpkiSelectDf { aid: Aid(app.aid) }.encode(&mut capdu);
        self.expect(JpkiSelectDf::ID, &capdu, 0)?;
        self.selected = Some(app.aid);
        Ok(())
    }

    /// Selects the application with short name `short` unless it is the current one.
    fn ensure(&mut self, short: &str) -> Result<()> {
        let app =
            by_short(short).ok_or(ClientError::InvalidArgument("application missing from the generated table"))?;
        if self.selected == Some(app.aid) {
            return Ok(());
        }
        self.select(app)
    }

    /// SELECT EF in the current DF (`00 A4 02 0C 02 FID`).
    pub fn select_ef(&mut self, fid: u16) -> Result<()> {
        let mut capdu = Vec::new();
        JpkiSelectEf { fid: hanko_codec::field::Fid(fid) }.encode(&mut capdu);
        self.expect(JpkiSelectEf::ID, &capdu, 0).map(drop)
    }

    /// One READ BINARY of up to `ne` bytes (1..=256) at `offset`; shorter answers are returned.
    fn read_binary(&mut self, offset: usize, ne: usize) -> Result<Vec<u8>> {
        const CMD: &str = JpkiReadBinary::ID;
        let offset = u16::try_from(offset)
            .ok()
            .filter(|&o| usize::from(o) <= MAX_OFFSET)
            .ok_or(ClientError::Malformed { command: CMD, what: Malformed::TooLarge { claimed: offset + ne } })?;
        let mut capdu = Vec::new();
        // `ne` is 1..=256 here, so the short case holds it (256 is written `00`).
        JpkiReadBinary { offset, case: Case::C2S, ne: ne as u32 }.encode(&mut capdu);
        let (data, sw) = self.exchange(CMD, &capdu)?;
        if sw != StatusWord::Success {
            return Err(ClientError::Status { command: CMD, sw });
        }
        if data.len() > ne {
            return Err(ClientError::Malformed {
                command: CMD,
                what: Malformed::Length { expected: ne, found: data.len() },
            });
        }
        Ok(data)
    }

    /// Appends bytes `from..to` of the current EF to `out`, 256 at a time and an exact Le for
    /// the last chunk; every chunk must come back whole.
    fn read_range(&mut self, from: usize, to: usize, out: &mut Vec<u8>) -> Result<()> {
        if to > from {
            // Checked up front so that nothing is read of a file whose end cannot be reached.
            let last_chunk = from + (to - from - 1) / CHUNK * CHUNK;
            if to > MAX_FILE_LEN || last_chunk > MAX_OFFSET {
                return Err(ClientError::Malformed {
                    command: JpkiReadBinary::ID,
                    what: Malformed::TooLarge { claimed: to },
                });
            }
        }
        let mut offset = from;
        while offset < to {
            let n = (to - offset).min(CHUNK);
            let chunk = self.read_binary(offset, n)?;
            if chunk.len() != n {
                return Err(ClientError::Malformed {
                    command: JpkiReadBinary::ID,
                    what: Malformed::Length { expected: n, found: chunk.len() },
                });
            }
            out.extend_from_slice(&chunk);
            offset += n;
        }
        Ok(())
    }

    /// Selects EF `fid` in the current DF and reads it as one BER-TLV, in the client's
    /// [`ReadStyle`]. Returns exactly the TLV's bytes.
    pub fn read_file(&mut self, fid: u16) -> Result<Vec<u8>> {
        self.select_ef(fid)?;
        let probe = self.style.probe_len();
        let head = self.read_binary(0, probe)?;
        let total = match tlv_extent(&head) {
            // A file shorter than the probe may come back whole in the probe's answer.
            Ok(total) if total <= head.len() => return Ok(head[..total].to_vec()),
            _ if head.len() < probe => {
                return Err(ClientError::Malformed {
                    command: JpkiReadBinary::ID,
                    what: Malformed::Length { expected: probe, found: head.len() },
                })
            }
            Ok(total) => total,
            Err(e) => return Err(e),
        };
        if total > MAX_FILE_LEN {
            return Err(ClientError::Malformed {
                command: JpkiReadBinary::ID,
                what: Malformed::TooLarge { claimed: total },
            });
        }
        let mut out = Vec::with_capacity(total);
        match self.style {
            ReadStyle::Probe7 => {
                out.extend_from_slice(&head);
                self.read_range(probe, total, &mut out)?;
            }
            ReadStyle::Probe4 => self.read_range(0, total, &mut out)?,
        }
        Ok(out)
    }

    /// Selects EF `fid` in the current DF and reads its first `len` bytes.
    pub fn read_fixed(&mut self, fid: u16, len: usize) -> Result<Vec<u8>> {
        self.select_ef(fid)?;
        let mut out = Vec::with_capacity(len.min(MAX_FILE_LEN));
        self.read_range(0, len, &mut out)?;
        Ok(out)
    }

    /// The token label: the first 32 bytes of EF 0006, without the trailing spaces.
    pub fn token_label(&mut self) -> Result<String> {
        self.ensure("jpki")?;
        let bytes = self.read_fixed(JpkiTokenInfo::FID, TOKEN_LABEL_LEN)?;
        Ok(JpkiTokenInfo::parse(&bytes)?.label.to_owned())
    }

    /// A certificate's DER bytes. [`Which::Sign`] needs [`Pin::Sign`] verified first.
    pub fn certificate(&mut self, which: Which) -> Result<Vec<u8>> {
        self.ensure("jpki")?;
        let der = self.read_file(which.fid())?;
        match File::decode(which.file_id(), &der) {
            Some(Ok(_)) => Ok(der),
            Some(Err(e)) => Err(ClientError::Decode(e)),
            None => Err(ClientError::InvalidArgument("certificate file missing from the generated decoders")),
        }
    }

    /// The retry counter: SELECT the PIN EF, then an empty VERIFY, which spends no try.
    /// `9000` is refused as OpenSC refuses it: it says nothing about the counter.
    pub fn pin_status(&mut self, pin: Pin) -> Result<PinStatus> {
        self.ensure(pin.application())?;
        self.select_ef(pin.fid())?;
        let mut capdu = Vec::new();
        JpkiVerifyQuery { sfi: 0 }.encode(&mut capdu);
        let (data, sw) = self.exchange(JpkiVerifyQuery::ID, &capdu)?;
        let status = match sw {
            StatusWord::TriesLeft(0) | StatusWord::ReferenceDataNotUsable | StatusWord::AuthenticationMethodBlocked => {
                PinStatus::Blocked
            }
            StatusWord::TriesLeft(n) => PinStatus::TriesLeft(n),
            sw => return Err(ClientError::Status { command: JpkiVerifyQuery::ID, sw }),
        };
        if !data.is_empty() {
            return Err(ClientError::Malformed {
                command: JpkiVerifyQuery::ID,
                what: Malformed::Length { expected: 0, found: data.len() },
            });
        }
        Ok(status)
    }

    /// VERIFY `value` against `pin` (SELECT the PIN EF, then `00 20 00 80 Lc value`). The
    /// value is sent as given: the card, not the client, judges it, so a wrong PIN costs a try.
    pub fn verify(&mut self, pin: Pin, value: &str) -> Result<()> {
        // The command's spec field: 1 to 16 printable ASCII characters.
        if value.is_empty() || value.len() > 16 || !value.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
            return Err(ClientError::InvalidArgument("a PIN is 1 to 16 printable ASCII characters"));
        }
        self.ensure(pin.application())?;
        self.select_ef(pin.fid())?;
        let mut capdu = Vec::new();
        JpkiVerify { sfi: 0, pin: value }.encode(&mut capdu);
        let (data, sw) = self.exchange(JpkiVerify::ID, &capdu)?;
        match sw {
            StatusWord::Success if data.is_empty() => Ok(()),
            StatusWord::Success => Err(ClientError::Malformed {
                command: JpkiVerify::ID,
                what: Malformed::Length { expected: 0, found: data.len() },
            }),
            StatusWord::TriesLeft(tries_left) => Err(ClientError::WrongPin { tries_left }),
            StatusWord::ReferenceDataNotUsable | StatusWord::AuthenticationMethodBlocked => Err(ClientError::Blocked),
            sw => Err(ClientError::Status { command: JpkiVerify::ID, sw }),
        }
    }

    /// Signs `digest_info` (a DER DigestInfo; the card adds the PKCS#1 v1.5 padding) with
    /// `key`, whose PIN must be verified: SELECT the key EF, then `80 2A 00 80 Lc data 00`.
    pub fn sign(&mut self, key: Key, digest_info: &[u8]) -> Result<Vec<u8>> {
        if digest_info.is_empty() || digest_info.len() > 255 {
            return Err(ClientError::InvalidArgument("the data to sign is 1 to 255 bytes (one short APDU)"));
        }
        self.ensure("jpki")?;
        self.select_ef(key.fid())?;
        let mut capdu = Vec::new();
        JpkiComputeSignature {
            key_sfi: 0,
            input: SignatureInput::classify(digest_info),
            case: Case::C4S,
            ne: SIGNATURE_LEN as u32,
        }
        .encode(&mut capdu);
        self.expect(JpkiComputeSignature::ID, &capdu, SIGNATURE_LEN)
    }

    /// The 12-digit My Number from text AP EF 0001. Verify [`Pin::TextPin`] (or
    /// [`Pin::TextNumberA`]) first.
    pub fn my_number(&mut self) -> Result<String> {
        self.ensure("text")?;
        let bytes = self.read_fixed(TextMyNumber::FID, MY_NUMBER_LEN)?;
        Ok(TextMyNumber::parse(&bytes)?.my_number.as_str().to_owned())
    }

    /// The basic four items from text AP EF 0002. Verify [`Pin::TextPin`] (or
    /// [`Pin::TextNumberB`]) first.
    pub fn basic_four(&mut self) -> Result<BasicFour> {
        self.ensure("text")?;
        let bytes = self.read_file(TextBasicFour::FID)?;
        let f = TextBasicFour::parse(&bytes)?;
        Ok(BasicFour { name: f.name.to_owned(), address: f.address.to_owned(), birth_date: f.birth_date, sex: f.sex })
    }
}

/// Length of the BER-TLV whose header starts `head`, header included.
fn tlv_extent(head: &[u8]) -> Result<usize> {
    let decode = |(kind, offset)| ClientError::Decode(hanko_codec::Error::new(kind, offset, rules::TLV_BER));
    let (_, tag_len) = read_tag(head).map_err(decode)?;
    let (len, len_len) = read_length(&head[tag_len..]).map_err(|(kind, offset)| decode((kind, tag_len + offset)))?;
    // Saturating keeps a huge claim huge on any pointer width; the caller caps it.
    Ok(len.saturating_add(tag_len + len_len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hanko_codec::generated::applications::{FileKind, APPLICATIONS, FILES};

    fn spec_file(id: &str) -> &'static hanko_codec::generated::applications::FileInfo {
        FILES.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("{id} is not in the generated table"))
    }

    fn app_id(short: &str) -> &'static str {
        APPLICATIONS.iter().find(|a| a.short == short).map(|a| a.id).unwrap_or_else(|| panic!("no application {short}"))
    }

    #[test]
    fn pins_agree_with_the_spec() {
        for pin in Pin::ALL {
            let f = spec_file(pin.file_id());
            assert_eq!(f.fid, pin.fid(), "{pin:?}");
            assert_eq!(f.application, app_id(pin.application()), "{pin:?}");
            assert!(matches!(f.kind, FileKind::Pin { .. }), "{pin:?}");
        }
    }

    #[test]
    fn certificates_and_keys_agree_with_the_spec() {
        for which in Which::ALL {
            let f = spec_file(which.file_id());
            assert_eq!((f.fid, f.application), (which.fid(), "ap.jpki"), "{which:?}");
        }
        for (key, id) in [(Key::Auth, "jpki.auth_key"), (Key::Sign, "jpki.sign_key")] {
            let f = spec_file(id);
            assert_eq!(f.fid, key.fid());
            assert!(matches!(f.kind, FileKind::Key { .. }));
        }
        assert_eq!(spec_file("jpki.token_info").fid, JpkiTokenInfo::FID);
    }

    #[test]
    fn tlv_extent_reads_short_and_long_forms() {
        assert_eq!(tlv_extent(&[0x30, 0x82, 0x06, 0x1F]).ok(), Some(0x061F + 4));
        assert_eq!(tlv_extent(&[0xFF, 0x20, 0x62, 0xDF]).ok(), Some(0x62 + 3));
        assert!(matches!(tlv_extent(&[0x30, 0x83, 0x01]), Err(ClientError::Decode(_))));
        assert!(matches!(tlv_extent(&[]), Err(ClientError::Decode(_))));
        assert_eq!(tlv_extent(&[0x30, 0x83, 0xFF, 0xFF, 0xFF]).ok(), Some(0xFF_FFFF + 5));
    }
}
