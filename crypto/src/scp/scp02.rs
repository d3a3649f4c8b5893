//! SCP02 (GlobalPlatform Card Specification v2.3.1 Appendix E), explicit initiation, two-key
//! triple DES.
//!
//! Set-up: INITIALIZE UPDATE carries an 8-byte host challenge; the card answers with its
//! sequence counter, a 6-byte challenge and a card cryptogram. Session keys are triple-DES-CBC
//! (zero IV) encryptions of `constant ‖ sequence counter ‖ 00×12` under the static keys. The
//! cryptograms are full triple-DES MACs under S-ENC: the card's over host challenge ‖ sequence
//! counter ‖ card challenge, the host's over sequence counter ‖ card challenge ‖ host challenge.
//!
//! Protection:
//! - C-MAC: the retail MAC under C-MAC over the header and the plain data. By default the
//!   header is the modified one (CLA with `04`, Lc + 8); implementation options with b2 set
//!   MAC the unmodified header. The ICV is the previous C-MAC (zero for EXTERNAL
//!   AUTHENTICATE), DES-encrypted with the first half of C-MAC when option b5 is set (`15`,
//!   `55`).
//! - C-DECRYPTION: the data is padded and encrypted with S-ENC in CBC mode with a zero IV,
//!   after the C-MAC is computed over the plain data.
//! - R-MAC: the retail MAC under R-MAC over the plain command (`CLA INS P1 P2 Lc data`, Lc
//!   `00` without data), then `Li ‖ response data ‖ SW`; every response carries one, whatever
//!   its status word. The ICV is the previous R-MAC, and for the first response the C-MAC of
//!   EXTERNAL AUTHENTICATE. R-MAC has no published vector: its layout follows
//!   kaoh/globalplatform `crypto.c` (`GP211_calculate_R_MAC`, ICV from
//!   `scp02_prepare_external_authentication`) and GlobalPlatformPro `SCP02Wrapper.java`.

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::apdu::{expect_success, plain_cla, secure_cla, split_response, Command};
use super::des_ops::{RetailMac, Tdes, BLOCK};
use super::error::{MacStep, ScpError, Step};
use super::keys::KeySet;
use super::level::SecurityLevel;
use super::padding::{pad, padded_len, unpad};
use super::{CardChannel, HostChannel, INS_EXTERNAL_AUTHENTICATE, INS_INITIALIZE_UPDATE};

/// The protocol identifier in the INITIALIZE UPDATE response.
pub const PROTOCOL: u8 = 0x02;

/// Implementation option `i` bit: three keys (ENC, MAC, DEK) rather than one base key. The
/// computations are the same: a one-key set is a [`KeySet::from_single`].
pub const I_THREE_KEYS: u8 = 0x01;
/// Implementation option `i` bit: the C-MAC covers the unmodified header.
pub const I_MAC_ON_UNMODIFIED_APDU: u8 = 0x02;
/// Implementation option `i` bit: explicit initiation (INITIALIZE UPDATE); required here.
pub const I_EXPLICIT: u8 = 0x04;
/// Implementation option `i` bit: ICV = MAC over the AID (implicit initiation); refused.
pub const I_ICV_MAC_OVER_AID: u8 = 0x08;
/// Implementation option `i` bit: the ICV is DES-encrypted before each C-MAC after the first.
pub const I_ICV_ENCRYPTION: u8 = 0x10;
/// Implementation option `i` bit: R-MAC supported.
pub const I_R_MAC: u8 = 0x20;
/// Implementation option `i` bit: the card challenge is pseudo-random.
pub const I_PSEUDO_RANDOM_CHALLENGE: u8 = 0x40;
/// The usual option: explicit, modified header, ICV encryption, three keys, pseudo-random
/// challenge. `15` differs only in how the card makes its challenge.
pub const I_55: u8 = 0x55;

/// Derivation constants of the session keys (GPC E.4.1).
pub mod derivation {
    pub const C_MAC: [u8; 2] = [0x01, 0x01];
    pub const R_MAC: [u8; 2] = [0x01, 0x02];
    pub const S_ENC: [u8; 2] = [0x01, 0x82];
    pub const S_DEK: [u8; 2] = [0x01, 0x81];
}

const MAC_LEN: usize = 8;
const MAX_LC: usize = 255;
const MAX_RESPONSE: usize = 256;

/// What an implementation option changes in the computations.
#[derive(Clone, Copy, Debug)]
struct Options {
    icv_encryption: bool,
    mac_on_modified_apdu: bool,
}

impl Options {
    fn from_i(i: u8) -> Result<Self, ScpError> {
        if i & I_EXPLICIT == 0 || i & I_ICV_MAC_OVER_AID != 0 || i & 0x80 != 0 {
            return Err(ScpError::UnsupportedOption { i });
        }
        Ok(Self { icv_encryption: i & I_ICV_ENCRYPTION != 0, mac_on_modified_apdu: i & I_MAC_ON_UNMODIFIED_APDU == 0 })
    }
}

/// SCP02 runs every level but R-ENCRYPTION.
fn check_level(level: SecurityLevel) -> Result<SecurityLevel, ScpError> {
    let level = SecurityLevel::from_p1(level.bits())?;
    if level.contains(SecurityLevel::R_ENCRYPTION) {
        return Err(ScpError::UnsupportedLevel { level: level.bits() });
    }
    Ok(level)
}

fn key16(key: &[u8]) -> Result<[u8; 16], ScpError> {
    let mut out = [0u8; 16];
    if key.len() != out.len() {
        return Err(ScpError::KeyLength { found: key.len() });
    }
    out.copy_from_slice(key);
    Ok(out)
}

/// The four session keys of one SCP02 session, wiped when dropped.
#[derive(Clone)]
pub struct Scp02SessionKeys {
    s_enc: [u8; 16],
    c_mac: [u8; 16],
    r_mac: [u8; 16],
    s_dek: [u8; 16],
}

impl Drop for Scp02SessionKeys {
    fn drop(&mut self) {
        self.s_enc.zeroize();
        self.c_mac.zeroize();
        self.r_mac.zeroize();
        self.s_dek.zeroize();
    }
}

impl ZeroizeOnDrop for Scp02SessionKeys {}

impl Scp02SessionKeys {
    /// S-ENC from ENC, C-MAC and R-MAC from MAC, S-DEK from DEK, for `sequence_counter`.
    pub fn derive(keys: &KeySet, sequence_counter: u16) -> Result<Self, ScpError> {
        let one = |key: &[u8], constant: [u8; 2]| -> Result<[u8; 16], ScpError> {
            let mut key = key16(key)?;
            let mut block = [0u8; 16];
            block[..2].copy_from_slice(&constant);
            block[2..4].copy_from_slice(&sequence_counter.to_be_bytes());
            Tdes::new(&key).cbc_encrypt(&mut block);
            key.zeroize();
            Ok(block)
        };
        Ok(Self {
            s_enc: one(keys.enc(), derivation::S_ENC)?,
            c_mac: one(keys.mac(), derivation::C_MAC)?,
            r_mac: one(keys.mac(), derivation::R_MAC)?,
            s_dek: one(keys.dek(), derivation::S_DEK)?,
        })
    }

    pub fn s_enc(&self) -> &[u8; 16] {
        &self.s_enc
    }

    pub fn c_mac(&self) -> &[u8; 16] {
        &self.c_mac
    }

    pub fn r_mac(&self) -> &[u8; 16] {
        &self.r_mac
    }

    pub fn s_dek(&self) -> &[u8; 16] {
        &self.s_dek
    }

    /// The card cryptogram: full triple-DES MAC under S-ENC over host challenge ‖ sequence
    /// counter ‖ card challenge.
    pub fn card_cryptogram(
        &self,
        host_challenge: &[u8; 8],
        sequence_counter: u16,
        card_challenge: &[u8; 6],
    ) -> [u8; 8] {
        Tdes::new(&self.s_enc).full_mac(&[host_challenge, &sequence_counter.to_be_bytes(), card_challenge])
    }

    /// The host cryptogram: full triple-DES MAC under S-ENC over sequence counter ‖ card
    /// challenge ‖ host challenge.
    pub fn host_cryptogram(
        &self,
        host_challenge: &[u8; 8],
        sequence_counter: u16,
        card_challenge: &[u8; 6],
    ) -> [u8; 8] {
        Tdes::new(&self.s_enc).full_mac(&[&sequence_counter.to_be_bytes(), card_challenge, host_challenge])
    }

    /// Key data encrypted for PUT KEY: triple-DES-ECB under S-DEK, whole blocks.
    pub fn encrypt_key(&self, key: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.dek_crypt(key, true)
    }

    /// Key data received in PUT KEY, decrypted.
    pub fn decrypt_key(&self, data: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.dek_crypt(data, false)
    }

    fn dek_crypt(&self, data: &[u8], encrypt: bool) -> Result<Vec<u8>, ScpError> {
        if data.len() % BLOCK != 0 {
            return Err(ScpError::NotBlockAligned { what: "key data", block: BLOCK, found: data.len() });
        }
        let mut out = data.to_vec();
        let dek = Tdes::new(&self.s_dek);
        if encrypt {
            dek.ecb_encrypt(&mut out);
        } else {
            dek.ecb_decrypt(&mut out);
        }
        Ok(out)
    }
}

/// The data of the INITIALIZE UPDATE response (GPC E.5.1.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scp02InitResponse {
    pub diversification_data: [u8; 10],
    pub kvn: u8,
    pub sequence_counter: u16,
    pub card_challenge: [u8; 6],
    pub card_cryptogram: [u8; 8],
}

impl Scp02InitResponse {
    /// The length of the response data.
    pub const LEN: usize = 28;

    /// Parses the response data (without the status word).
    pub fn parse(data: &[u8]) -> Result<Self, ScpError> {
        let what = "SCP02 INITIALIZE UPDATE response data";
        if data.len() >= 12 && data[11] != PROTOCOL {
            return Err(ScpError::WrongProtocol { expected: PROTOCOL, found: data[11] });
        }
        if data.len() != Self::LEN {
            return Err(ScpError::WrongLength { what, expected: Self::LEN, found: data.len() });
        }
        let mut response = Self {
            diversification_data: [0; 10],
            kvn: data[10],
            sequence_counter: u16::from_be_bytes([data[12], data[13]]),
            card_challenge: [0; 6],
            card_cryptogram: [0; 8],
        };
        response.diversification_data.copy_from_slice(&data[..10]);
        response.card_challenge.copy_from_slice(&data[14..20]);
        response.card_cryptogram.copy_from_slice(&data[20..28]);
        Ok(response)
    }

    /// Appends the response data (without the status word).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.diversification_data);
        out.extend_from_slice(&[self.kvn, PROTOCOL]);
        out.extend_from_slice(&self.sequence_counter.to_be_bytes());
        out.extend_from_slice(&self.card_challenge);
        out.extend_from_slice(&self.card_cryptogram);
    }
}

/// The state both ends of an open channel share.
struct Channel {
    level: SecurityLevel,
    options: Options,
    c_mac: RetailMac,
    r_mac: RetailMac,
    s_enc: Tdes,
    /// The last C-MAC.
    icv: [u8; BLOCK],
    /// The last R-MAC.
    r_icv: [u8; BLOCK],
    /// `CLA INS P1 P2 Lc data` of the last command, which the next R-MAC covers.
    r_mac_command: Vec<u8>,
    commands: u32,
    open: bool,
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.icv.zeroize();
        self.r_icv.zeroize();
        self.r_mac_command.zeroize();
    }
}

impl Channel {
    fn new(session: &Scp02SessionKeys, options: Options, level: SecurityLevel) -> Self {
        Self {
            level,
            options,
            c_mac: RetailMac::new(session.c_mac()),
            r_mac: RetailMac::new(session.r_mac()),
            s_enc: Tdes::new(session.s_enc()),
            icv: [0; BLOCK],
            r_icv: [0; BLOCK],
            r_mac_command: Vec::new(),
            commands: 0,
            open: true,
        }
    }

    /// The C-MAC of EXTERNAL AUTHENTICATE (ICV zero), which starts both MAC chains.
    fn start(&mut self, header: &[u8; 5], host_cryptogram: &[u8]) -> [u8; BLOCK] {
        let mac = self.c_mac.mac([0; BLOCK], &[header, host_cryptogram]);
        self.icv = mac;
        self.r_icv = mac;
        mac
    }

    /// The ICV of the next C-MAC.
    fn next_icv(&self) -> [u8; BLOCK] {
        if self.options.icv_encryption {
            self.c_mac.encrypt_icv(self.icv)
        } else {
            self.icv
        }
    }

    /// The header the C-MAC covers, for a command of `lc` plain data bytes.
    fn mac_header(&self, plain_cla: u8, command: &Command<'_>, lc: usize) -> [u8; 5] {
        // Fits: callers check that lc + 8 ≤ 255.
        if self.options.mac_on_modified_apdu {
            [plain_cla | 0x04, command.ins, command.p1, command.p2, (lc + MAC_LEN) as u8]
        } else {
            [plain_cla, command.ins, command.p1, command.p2, lc as u8]
        }
    }

    fn remember_for_r_mac(&mut self, plain_cla: u8, command: &Command<'_>, data: &[u8]) {
        if self.level.contains(SecurityLevel::R_MAC) {
            self.r_mac_command.zeroize();
            self.r_mac_command.clear();
            // Fits: a short APDU's Lc.
            self.r_mac_command.extend_from_slice(&[plain_cla, command.ins, command.p1, command.p2, data.len() as u8]);
            self.r_mac_command.extend_from_slice(data);
        }
    }

    fn response_mac(&self, data: &[u8], sw: [u8; 2]) -> [u8; BLOCK] {
        // Fits: callers check that data holds at most 248 bytes.
        self.r_mac.mac(self.r_icv, &[&self.r_mac_command, &[data.len() as u8], data, &sw])
    }

    fn check_open(&self) -> Result<(), ScpError> {
        if self.open {
            Ok(())
        } else {
            Err(ScpError::ChannelClosed)
        }
    }

    fn close_on_error<T>(&mut self, result: Result<T, ScpError>) -> Result<T, ScpError> {
        if result.is_err() {
            self.open = false;
        }
        result
    }

    fn wrap_command(&mut self, capdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.check_open()?;
        let command = Command::parse(capdu)?;
        if !self.level.contains(SecurityLevel::C_MAC) {
            self.commands = self.commands.saturating_add(1);
            return Ok(capdu.to_vec());
        }
        let cla = secure_cla(command.cla)?;
        let encrypt = self.level.contains(SecurityLevel::C_DECRYPTION) && !command.data.is_empty();
        let body_len = if encrypt { padded_len(command.data.len(), BLOCK) } else { command.data.len() };
        let lc = body_len + MAC_LEN;
        if lc > MAX_LC {
            return Err(ScpError::TooLong { what: "wrapped command data", max: MAX_LC, found: lc });
        }
        let mac_header = self.mac_header(command.cla, &command, command.data.len());
        let mac = self.c_mac.mac(self.next_icv(), &[&mac_header, command.data]);
        self.icv = mac;
        self.remember_for_r_mac(command.cla, &command, command.data);
        self.commands = self.commands.saturating_add(1);
        // Fits: checked against 255 above.
        let header = [cla, command.ins, command.p1, command.p2, lc as u8];
        let mut out = Vec::with_capacity(header.len() + lc + 1);
        out.extend_from_slice(&header);
        out.extend_from_slice(command.data);
        if encrypt {
            pad(&mut out, header.len(), BLOCK);
            self.s_enc.cbc_encrypt(&mut out[header.len()..]);
        }
        out.extend_from_slice(&mac);
        if let Some(le) = command.le {
            out.push(le);
        }
        Ok(out)
    }

    fn unwrap_command(&mut self, capdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.check_open()?;
        let result = self.unwrap_command_checked(capdu);
        self.close_on_error(result)
    }

    fn unwrap_command_checked(&mut self, capdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        if !self.level.contains(SecurityLevel::C_MAC) {
            self.commands = self.commands.saturating_add(1);
            return Ok(capdu.to_vec());
        }
        let command = Command::parse(capdu)?;
        let cla = plain_cla(command.cla)?;
        let Some(body_len) = command.data.len().checked_sub(MAC_LEN) else {
            return Err(ScpError::Truncated {
                what: "C-APDU data with C-MAC",
                needed: MAC_LEN,
                found: command.data.len(),
            });
        };
        let (body, mac) = command.data.split_at(body_len);
        let mut decrypted = Vec::new();
        let plain = if self.level.contains(SecurityLevel::C_DECRYPTION) && !body.is_empty() {
            if body.len() % BLOCK != 0 {
                return Err(ScpError::NotBlockAligned {
                    what: "encrypted command data",
                    block: BLOCK,
                    found: body.len(),
                });
            }
            decrypted.extend_from_slice(body);
            self.s_enc.cbc_decrypt(&mut decrypted);
            // The padding is checked before the MAC, which covers the plain data; both
            // failures answer 6982 and close the channel, so the wire shows no difference.
            let len = unpad(&decrypted, BLOCK)?;
            &decrypted[..len]
        } else {
            body
        };
        let mac_header = self.mac_header(cla, &command, plain.len());
        let expected = self.c_mac.mac(self.next_icv(), &[&mac_header, plain]);
        let number = self.commands.saturating_add(1);
        if !bool::from(expected.ct_eq(mac)) {
            decrypted.zeroize();
            return Err(ScpError::BadMac { step: MacStep::Command { number } });
        }
        self.icv = expected;
        self.commands = number;
        self.remember_for_r_mac(cla, &command, plain);
        let mut out = Vec::with_capacity(capdu.len());
        command.encode_with(cla, &[plain], &mut out);
        decrypted.zeroize();
        Ok(out)
    }

    fn wrap_response(&mut self, rapdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.check_open()?;
        let (data, sw) = split_response(rapdu)?;
        if !self.level.contains(SecurityLevel::R_MAC) {
            return Ok(rapdu.to_vec());
        }
        if data.len() + MAC_LEN > MAX_RESPONSE {
            return Err(ScpError::TooLong {
                what: "wrapped response data",
                max: MAX_RESPONSE,
                found: data.len() + MAC_LEN,
            });
        }
        let mac = self.response_mac(data, sw);
        self.r_icv = mac;
        let mut out = Vec::with_capacity(rapdu.len() + MAC_LEN);
        out.extend_from_slice(data);
        out.extend_from_slice(&mac);
        out.extend_from_slice(&sw);
        Ok(out)
    }

    fn unwrap_response(&mut self, rapdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.check_open()?;
        let result = self.unwrap_response_checked(rapdu);
        self.close_on_error(result)
    }

    fn unwrap_response_checked(&mut self, rapdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        let (data, sw) = split_response(rapdu)?;
        if !self.level.contains(SecurityLevel::R_MAC) {
            return Ok(rapdu.to_vec());
        }
        if data.len() > MAX_RESPONSE {
            return Err(ScpError::TooLong { what: "R-APDU data", max: MAX_RESPONSE, found: data.len() });
        }
        let Some(body_len) = data.len().checked_sub(MAC_LEN) else {
            return Err(ScpError::Truncated { what: "R-APDU with R-MAC", needed: MAC_LEN + 2, found: rapdu.len() });
        };
        let (body, mac) = data.split_at(body_len);
        let expected = self.response_mac(body, sw);
        if !bool::from(expected.ct_eq(mac)) {
            return Err(ScpError::BadMac { step: MacStep::Response { number: self.commands } });
        }
        self.r_icv = expected;
        let mut out = Vec::with_capacity(body.len() + 2);
        out.extend_from_slice(body);
        out.extend_from_slice(&sw);
        Ok(out)
    }
}

/// The host before INITIALIZE UPDATE.
pub struct Scp02Host {
    keys: KeySet,
    kvn: u8,
    host_challenge: [u8; 8],
    options: Options,
}

impl Scp02Host {
    /// `keys` must be 16-byte keys; `i` is the card's implementation option (the response
    /// does not carry it), e.g. [`I_55`]; `kvn` 0 lets the card pick its key set.
    pub fn new(keys: &KeySet, kvn: u8, host_challenge: [u8; 8], i: u8) -> Result<Self, ScpError> {
        if keys.key_len() != 16 {
            return Err(ScpError::KeyLength { found: keys.key_len() });
        }
        Ok(Self { keys: keys.clone(), kvn, host_challenge, options: Options::from_i(i)? })
    }

    /// The INITIALIZE UPDATE command: `80 50 KVN 00 08 challenge 00`.
    pub fn initialize_update(&self) -> Vec<u8> {
        let mut out = vec![0x80, INS_INITIALIZE_UPDATE, self.kvn, 0x00, 0x08];
        out.extend_from_slice(&self.host_challenge);
        out.push(0x00);
        out
    }

    /// Checks the card's answer to INITIALIZE UPDATE (data and status word) and prepares
    /// EXTERNAL AUTHENTICATE at `level`. The card may answer for another key version than
    /// the one asked for (pySim's published SCP02 exchange asks for `20` and gets `70`): the
    /// card cryptogram decides, and `init_response()` of the result shows the version.
    pub fn authenticate(&self, rapdu: &[u8], level: SecurityLevel) -> Result<Scp02PendingHost, ScpError> {
        let level = check_level(level)?;
        let response = Scp02InitResponse::parse(expect_success(rapdu, Step::InitializeUpdate)?)?;
        let session = Scp02SessionKeys::derive(&self.keys, response.sequence_counter)?;
        let card_cryptogram =
            session.card_cryptogram(&self.host_challenge, response.sequence_counter, &response.card_challenge);
        if !bool::from(card_cryptogram.ct_eq(&response.card_cryptogram)) {
            return Err(ScpError::BadCardCryptogram);
        }
        let host_cryptogram =
            session.host_cryptogram(&self.host_challenge, response.sequence_counter, &response.card_challenge);
        let mut channel = Channel::new(&session, self.options, level);
        let header = [0x84, INS_EXTERNAL_AUTHENTICATE, level.p1(), 0x00, 0x10];
        let mac_header =
            if self.options.mac_on_modified_apdu { header } else { [0x80, header[1], header[2], 0x00, 0x08] };
        let mac = channel.start(&mac_header, &host_cryptogram);
        let mut command = Vec::with_capacity(21);
        command.extend_from_slice(&header);
        command.extend_from_slice(&host_cryptogram);
        command.extend_from_slice(&mac);
        Ok(Scp02PendingHost { channel, session, command, response })
    }
}

/// The host after a verified INITIALIZE UPDATE response, holding EXTERNAL AUTHENTICATE.
pub struct Scp02PendingHost {
    channel: Channel,
    session: Scp02SessionKeys,
    command: Vec<u8>,
    response: Scp02InitResponse,
}

impl Scp02PendingHost {
    /// The EXTERNAL AUTHENTICATE command to send.
    pub fn external_authenticate(&self) -> &[u8] {
        &self.command
    }

    /// What the card said in its INITIALIZE UPDATE response.
    pub fn init_response(&self) -> &Scp02InitResponse {
        &self.response
    }

    /// Opens the session once the card has answered EXTERNAL AUTHENTICATE with `9000`.
    pub fn open(self, rapdu: &[u8]) -> Result<Scp02HostSession, ScpError> {
        let data = expect_success(rapdu, Step::ExternalAuthenticate)?;
        if !data.is_empty() {
            return Err(ScpError::WrongLength {
                what: "EXTERNAL AUTHENTICATE response",
                expected: 2,
                found: rapdu.len(),
            });
        }
        Ok(Scp02HostSession { channel: self.channel, session: self.session })
    }
}

/// The host's end of an open SCP02 channel.
pub struct Scp02HostSession {
    channel: Channel,
    session: Scp02SessionKeys,
}

impl Scp02HostSession {
    /// The session keys, for PUT KEY's key encryption under S-DEK.
    pub fn session_keys(&self) -> &Scp02SessionKeys {
        &self.session
    }
}

impl HostChannel for Scp02HostSession {
    fn security_level(&self) -> SecurityLevel {
        self.channel.level
    }

    fn wrap(&mut self, capdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.channel.wrap_command(capdu)
    }

    fn unwrap_response(&mut self, rapdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.channel.unwrap_response(rapdu)
    }

    fn is_open(&self) -> bool {
        self.channel.open
    }
}

/// What a card says about itself in INITIALIZE UPDATE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scp02CardParams {
    pub kvn: u8,
    /// The implementation option `i`, e.g. [`I_55`].
    pub i: u8,
    pub diversification_data: [u8; 10],
    /// The card's sequence counter, incremented by the card for each session.
    pub sequence_counter: u16,
    pub card_challenge: [u8; 6],
}

/// The card after INITIALIZE UPDATE, waiting for EXTERNAL AUTHENTICATE.
pub struct Scp02Card {
    session: Scp02SessionKeys,
    options: Options,
    host_challenge: [u8; 8],
    host_cryptogram: [u8; 8],
}

impl Scp02Card {
    /// Answers INITIALIZE UPDATE (`capdu`) with the response data and `9000`.
    pub fn initialize_update(
        keys: &KeySet,
        params: &Scp02CardParams,
        capdu: &[u8],
    ) -> Result<(Self, Vec<u8>), ScpError> {
        let options = Options::from_i(params.i)?;
        let command = Command::parse(capdu)?;
        if command.ins != INS_INITIALIZE_UPDATE {
            return Err(ScpError::UnexpectedInstruction { expected: INS_INITIALIZE_UPDATE, found: command.ins });
        }
        if command.p1 != 0 && command.p1 != params.kvn {
            return Err(ScpError::UnknownKeyVersion { requested: command.p1 });
        }
        if command.p2 != 0 {
            return Err(ScpError::BadParameter { what: "P2 of INITIALIZE UPDATE", found: command.p2 });
        }
        let mut host_challenge = [0u8; 8];
        if command.data.len() != host_challenge.len() {
            return Err(ScpError::WrongLength { what: "host challenge", expected: 8, found: command.data.len() });
        }
        host_challenge.copy_from_slice(command.data);
        let session = Scp02SessionKeys::derive(keys, params.sequence_counter)?;
        let response = Scp02InitResponse {
            diversification_data: params.diversification_data,
            kvn: params.kvn,
            sequence_counter: params.sequence_counter,
            card_challenge: params.card_challenge,
            card_cryptogram: session.card_cryptogram(&host_challenge, params.sequence_counter, &params.card_challenge),
        };
        let host_cryptogram = session.host_cryptogram(&host_challenge, params.sequence_counter, &params.card_challenge);
        let mut out = Vec::with_capacity(Scp02InitResponse::LEN + 2);
        response.encode(&mut out);
        out.extend_from_slice(&[0x90, 0x00]);
        Ok((Self { session, options, host_challenge, host_cryptogram }, out))
    }

    pub fn host_challenge(&self) -> [u8; 8] {
        self.host_challenge
    }

    /// Checks EXTERNAL AUTHENTICATE (`capdu`): host cryptogram, then C-MAC. Returns the open
    /// session and the `9000` to send; on failure the card needs a new INITIALIZE UPDATE.
    pub fn external_authenticate(self, capdu: &[u8]) -> Result<(Scp02CardSession, Vec<u8>), ScpError> {
        let command = Command::parse(capdu)?;
        if command.ins != INS_EXTERNAL_AUTHENTICATE {
            return Err(ScpError::UnexpectedInstruction { expected: INS_EXTERNAL_AUTHENTICATE, found: command.ins });
        }
        let cla = plain_cla(command.cla)?;
        let level = check_level(SecurityLevel::from_p1(command.p1)?)?;
        if command.p2 != 0 {
            return Err(ScpError::BadParameter { what: "P2 of EXTERNAL AUTHENTICATE", found: command.p2 });
        }
        if command.data.len() != 16 {
            return Err(ScpError::WrongLength {
                what: "EXTERNAL AUTHENTICATE data",
                expected: 16,
                found: command.data.len(),
            });
        }
        let (cryptogram, mac) = command.data.split_at(8);
        if !bool::from(cryptogram.ct_eq(&self.host_cryptogram)) {
            return Err(ScpError::BadHostCryptogram);
        }
        let mut channel = Channel::new(&self.session, self.options, level);
        let mac_header = channel.mac_header(cla, &command, cryptogram.len());
        let expected = channel.start(&mac_header, cryptogram);
        if !bool::from(expected.ct_eq(mac)) {
            return Err(ScpError::BadMac { step: MacStep::ExternalAuthenticate });
        }
        Ok((Scp02CardSession { channel, session: self.session.clone() }, vec![0x90, 0x00]))
    }
}

/// The card's end of an open SCP02 channel.
pub struct Scp02CardSession {
    channel: Channel,
    session: Scp02SessionKeys,
}

impl Scp02CardSession {
    /// The session keys, for PUT KEY's key decryption under S-DEK.
    pub fn session_keys(&self) -> &Scp02SessionKeys {
        &self.session
    }
}

impl CardChannel for Scp02CardSession {
    fn security_level(&self) -> SecurityLevel {
        self.channel.level
    }

    fn unwrap_command(&mut self, capdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.channel.unwrap_command(capdu)
    }

    fn wrap_response(&mut self, rapdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.channel.wrap_response(rapdu)
    }

    fn is_open(&self) -> bool {
        self.channel.open
    }
}
