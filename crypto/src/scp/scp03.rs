//! SCP03 (GlobalPlatform Card Specification v2.3 Amendment D), S8 mode, AES-128/192/256.
//!
//! Set-up: the host sends INITIALIZE UPDATE with an 8-byte challenge; the card answers with
//! its challenge and a card cryptogram; both derive S-ENC, S-MAC and S-RMAC from the static
//! keys with the KDF below over host challenge ‖ card challenge; the host proves itself with
//! a host cryptogram in EXTERNAL AUTHENTICATE, which is C-MACed and sets the level.
//!
//! Protection (Amendment D §6.2.4–§6.2.7, and pySim `pySim/global_platform/scp.py`, whose
//! published vectors the tests replay):
//! - C-MAC: the first 8 bytes of CMAC(S-MAC, chaining value ‖ `84|chan=0 INS P1 P2 Lc+8` ‖
//!   data); the full 16-byte result is the next chaining value, the first one 16×`00`.
//! - C-DECRYPTION: the data is padded and encrypted with S-ENC in CBC mode, ICV =
//!   AES(S-ENC, counter), before the C-MAC is computed over the ciphertext. The counter counts
//!   every command after EXTERNAL AUTHENTICATE, with data or without.
//! - R-MAC: the first 8 bytes of CMAC(S-RMAC, chaining value ‖ data ‖ SW), with the chaining
//!   value of the command answered. Error status words (not `9000`, `62xx`, `63xx`) come
//!   back bare.
//! - R-ENCRYPTION: the data is padded and encrypted like command data, ICV = AES(S-ENC,
//!   `80` ‖ counter in 15 bytes), before the R-MAC.

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::aes_ops::{Aes, AesCmac, BLOCK};
use super::apdu::{expect_success, is_protected_status, plain_cla, secure_cla, split_response, Command};
use super::error::{MacStep, ScpError, Step};
use super::keys::{KeySet, SecretKey};
use super::level::SecurityLevel;
use super::padding::{pad, padded_len, unpad};
use super::{CardChannel, HostChannel, INS_EXTERNAL_AUTHENTICATE, INS_INITIALIZE_UPDATE};

/// The protocol identifier in the INITIALIZE UPDATE response.
pub const PROTOCOL: u8 = 0x03;

/// Implementation option `i` bit: S16 mode (16-byte challenges, cryptograms and MACs).
pub const I_S16: u8 = 0x01;
/// Implementation option `i` bit: the card challenge is pseudo-random, from a sequence
/// counter that the INITIALIZE UPDATE response then carries.
pub const I_PSEUDO_RANDOM_CHALLENGE: u8 = 0x10;
/// Implementation option `i` bit: R-MAC supported.
pub const I_R_MAC: u8 = 0x20;
/// Implementation option `i` bit: R-ENCRYPTION supported.
pub const I_R_ENCRYPTION: u8 = 0x40;

/// Derivation constants of the KDF (Amendment D §4.1.5).
pub mod derivation {
    pub const CARD_CRYPTOGRAM: u8 = 0x00;
    pub const HOST_CRYPTOGRAM: u8 = 0x01;
    pub const CARD_CHALLENGE: u8 = 0x02;
    pub const S_ENC: u8 = 0x04;
    pub const S_MAC: u8 = 0x06;
    pub const S_RMAC: u8 = 0x07;
}

/// Length of challenges, cryptograms and MACs in S8 mode.
const S8: usize = 8;
/// The most data a short C-APDU carries.
const MAX_LC: usize = 255;
/// The most data a short R-APDU carries.
const MAX_RESPONSE: usize = 256;
/// The longest KDF output: the counter `i` is one byte.
const MAX_KDF_OUTPUT: usize = 255 * BLOCK;

/// The KDF of Amendment D §4.1.5: NIST SP 800-108 in counter mode with AES-CMAC as PRF, each
/// block computed over `00`×11 ‖ constant ‖ `00` ‖ L ‖ i ‖ context, where L is the output
/// length in bits (two bytes) and i counts blocks from 1. Fills `output`.
pub fn kdf(key: &[u8], constant: u8, context: &[u8], output: &mut [u8]) -> Result<(), ScpError> {
    if output.len() > MAX_KDF_OUTPUT {
        return Err(ScpError::TooLong { what: "KDF output", max: MAX_KDF_OUTPUT, found: output.len() });
    }
    let mut prf = AesCmac::new(key)?;
    let mut label = [0u8; 16];
    label[11] = constant;
    // Fits: at most 255 × 16 × 8 = 32 640 bits.
    label[13..15].copy_from_slice(&((output.len() * 8) as u16).to_be_bytes());
    for (i, chunk) in output.chunks_mut(BLOCK).enumerate() {
        label[15] = (i + 1) as u8;
        let mut block = prf.mac(&[&label, context]);
        chunk.copy_from_slice(&block[..chunk.len()]);
        block.zeroize();
    }
    Ok(())
}

/// The pseudo-random card challenge of a card with `i` bit [`I_PSEUDO_RANDOM_CHALLENGE`]:
/// KDF(static ENC, `02`, sequence counter ‖ AID of the security domain), 8 bytes.
pub fn pseudo_random_card_challenge(keys: &KeySet, sequence_counter: [u8; 3], aid: &[u8]) -> Result<[u8; 8], ScpError> {
    let mut context = Vec::with_capacity(3 + aid.len());
    context.extend_from_slice(&sequence_counter);
    context.extend_from_slice(aid);
    let mut challenge = [0u8; S8];
    kdf(keys.enc(), derivation::CARD_CHALLENGE, &context, &mut challenge)?;
    Ok(challenge)
}

/// The session keys of one SCP03 session, wiped when dropped.
#[derive(Clone)]
pub struct Scp03SessionKeys {
    s_enc: SecretKey,
    s_mac: SecretKey,
    s_rmac: SecretKey,
}

impl Scp03SessionKeys {
    /// S-ENC from the static ENC key, S-MAC and S-RMAC from the static MAC key, each as long
    /// as the static keys. `context` is host challenge ‖ card challenge in a session.
    pub fn derive(keys: &KeySet, context: &[u8]) -> Result<Self, ScpError> {
        let len = keys.key_len();
        let mut buf = [0u8; 32];
        let mut one = |key: &[u8], constant: u8| -> Result<SecretKey, ScpError> {
            kdf(key, constant, context, &mut buf[..len])?;
            let secret = SecretKey::new(&buf[..len]);
            buf.zeroize();
            secret
        };
        Ok(Self {
            s_enc: one(keys.enc(), derivation::S_ENC)?,
            s_mac: one(keys.mac(), derivation::S_MAC)?,
            s_rmac: one(keys.mac(), derivation::S_RMAC)?,
        })
    }

    pub fn s_enc(&self) -> &[u8] {
        self.s_enc.as_bytes()
    }

    pub fn s_mac(&self) -> &[u8] {
        self.s_mac.as_bytes()
    }

    pub fn s_rmac(&self) -> &[u8] {
        self.s_rmac.as_bytes()
    }

    /// The card cryptogram: KDF(S-MAC, `00`, host challenge ‖ card challenge), 8 bytes.
    pub fn card_cryptogram(&self, host_challenge: &[u8; 8], card_challenge: &[u8; 8]) -> Result<[u8; 8], ScpError> {
        self.cryptogram(derivation::CARD_CRYPTOGRAM, host_challenge, card_challenge)
    }

    /// The host cryptogram: KDF(S-MAC, `01`, host challenge ‖ card challenge), 8 bytes.
    pub fn host_cryptogram(&self, host_challenge: &[u8; 8], card_challenge: &[u8; 8]) -> Result<[u8; 8], ScpError> {
        self.cryptogram(derivation::HOST_CRYPTOGRAM, host_challenge, card_challenge)
    }

    fn cryptogram(
        &self,
        constant: u8,
        host_challenge: &[u8; 8],
        card_challenge: &[u8; 8],
    ) -> Result<[u8; 8], ScpError> {
        let mut context = [0u8; 2 * S8];
        context[..S8].copy_from_slice(host_challenge);
        context[S8..].copy_from_slice(card_challenge);
        let mut cryptogram = [0u8; S8];
        kdf(self.s_mac(), constant, &context, &mut cryptogram)?;
        Ok(cryptogram)
    }
}

/// The data of the INITIALIZE UPDATE response (Amendment D §7.1.1.6), S8 mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scp03InitResponse {
    pub diversification_data: [u8; 10],
    pub kvn: u8,
    /// The implementation option `i`.
    pub i: u8,
    pub card_challenge: [u8; 8],
    pub card_cryptogram: [u8; 8],
    /// Present when the card challenge is pseudo-random.
    pub sequence_counter: Option<[u8; 3]>,
}

impl Scp03InitResponse {
    /// Parses the response data (without the status word): 29 bytes, or 32 with a sequence
    /// counter.
    pub fn parse(data: &[u8]) -> Result<Self, ScpError> {
        let what = "SCP03 INITIALIZE UPDATE response data";
        if data.len() < 13 {
            return Err(ScpError::Truncated { what, needed: 29, found: data.len() });
        }
        if data[11] != PROTOCOL {
            return Err(ScpError::WrongProtocol { expected: PROTOCOL, found: data[11] });
        }
        let i = data[12];
        if i & I_S16 != 0 {
            return Err(ScpError::UnsupportedOption { i });
        }
        let sequence_counter = match data.len() {
            29 => None,
            32 => Some([data[29], data[30], data[31]]),
            found => return Err(ScpError::WrongLength { what, expected: 29, found }),
        };
        let mut response = Self {
            diversification_data: [0; 10],
            kvn: data[10],
            i,
            card_challenge: [0; 8],
            card_cryptogram: [0; 8],
            sequence_counter,
        };
        response.diversification_data.copy_from_slice(&data[..10]);
        response.card_challenge.copy_from_slice(&data[13..21]);
        response.card_cryptogram.copy_from_slice(&data[21..29]);
        Ok(response)
    }

    /// Appends the response data (without the status word).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.diversification_data);
        out.extend_from_slice(&[self.kvn, PROTOCOL, self.i]);
        out.extend_from_slice(&self.card_challenge);
        out.extend_from_slice(&self.card_cryptogram);
        if let Some(counter) = self.sequence_counter {
            out.extend_from_slice(&counter);
        }
    }
}

/// The state both ends of an open channel share.
struct Channel {
    level: SecurityLevel,
    s_enc: Aes,
    s_mac: AesCmac,
    s_rmac: AesCmac,
    dek: Aes,
    /// The full C-MAC of the last command: chains the next C-MAC and keys the R-MAC.
    chain: [u8; BLOCK],
    /// The encryption counter: the number of commands since EXTERNAL AUTHENTICATE.
    counter: u128,
    /// Commands protected (host) or accepted (card), for error messages.
    commands: u32,
    open: bool,
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.chain.zeroize();
    }
}

impl Channel {
    fn new(keys: &Scp03SessionKeys, dek: &[u8], level: SecurityLevel) -> Result<Self, ScpError> {
        Ok(Self {
            level,
            s_enc: Aes::new(keys.s_enc())?,
            s_mac: AesCmac::new(keys.s_mac())?,
            s_rmac: AesCmac::new(keys.s_rmac())?,
            dek: Aes::new(dek)?,
            chain: [0; BLOCK],
            counter: 0,
            commands: 0,
            open: true,
        })
    }

    /// The C-MAC over the chaining value, the header as MACed and the data, which becomes
    /// the chaining value.
    fn chain_c_mac(&mut self, header: &[u8; 5], data: &[u8]) -> [u8; BLOCK] {
        self.s_mac.mac(&[&self.chain, header, data])
    }

    fn r_mac(&mut self, data: &[u8], sw: [u8; 2]) -> [u8; BLOCK] {
        self.s_rmac.mac(&[&self.chain, data, &sw])
    }

    /// The ICV of the current command (`response` false) or of its response.
    fn icv(&self, response: bool) -> [u8; BLOCK] {
        let mut block = self.counter.to_be_bytes();
        if response {
            block[0] = 0x80;
        }
        self.s_enc.encrypt_block(block)
    }

    fn check_open(&self) -> Result<(), ScpError> {
        if self.open {
            Ok(())
        } else {
            Err(ScpError::ChannelClosed)
        }
    }

    /// Closes the channel when `result` is a failure.
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
        let lc = body_len + S8;
        if lc > MAX_LC {
            return Err(ScpError::TooLong { what: "wrapped command data", max: MAX_LC, found: lc });
        }
        self.counter = self.counter.wrapping_add(1);
        self.commands = self.commands.saturating_add(1);
        // Fits: checked against 255 above.
        let header = [cla, command.ins, command.p1, command.p2, lc as u8];
        let mut out = Vec::with_capacity(header.len() + lc + 1);
        out.extend_from_slice(&header);
        out.extend_from_slice(command.data);
        if encrypt {
            pad(&mut out, header.len(), BLOCK);
            let icv = self.icv(false);
            self.s_enc.cbc_encrypt(icv, &mut out[header.len()..]);
        }
        let mac = self.chain_c_mac(&mac_header(header), &out[header.len()..]);
        self.chain = mac;
        out.extend_from_slice(&mac[..S8]);
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
        let Some(body_len) = command.data.len().checked_sub(S8) else {
            return Err(ScpError::Truncated { what: "C-APDU data with C-MAC", needed: S8, found: command.data.len() });
        };
        let (body, mac) = command.data.split_at(body_len);
        // Fits: a short APDU's Lc.
        let header = [command.cla, command.ins, command.p1, command.p2, command.data.len() as u8];
        let expected = self.chain_c_mac(&mac_header(header), body);
        let number = self.commands.saturating_add(1);
        if !bool::from(expected[..S8].ct_eq(mac)) {
            return Err(ScpError::BadMac { step: MacStep::Command { number } });
        }
        self.chain = expected;
        self.counter = self.counter.wrapping_add(1);
        self.commands = number;
        let mut out = Vec::with_capacity(capdu.len());
        if self.level.contains(SecurityLevel::C_DECRYPTION) && !body.is_empty() {
            let mut plain = self.decrypt(body, false, "encrypted command data")?;
            let len = unpad(&plain, BLOCK)?;
            command.encode_with(cla, &[&plain[..len]], &mut out);
            plain.zeroize();
        } else {
            command.encode_with(cla, &[body], &mut out);
        }
        Ok(out)
    }

    fn wrap_response(&mut self, rapdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.check_open()?;
        let (data, sw) = split_response(rapdu)?;
        if !self.level.contains(SecurityLevel::R_MAC) {
            return Ok(rapdu.to_vec());
        }
        if !is_protected_status(sw) {
            return bare_status(data, sw);
        }
        let encrypt = self.level.contains(SecurityLevel::R_ENCRYPTION) && !data.is_empty();
        let body_len = if encrypt { padded_len(data.len(), BLOCK) } else { data.len() };
        if body_len + S8 > MAX_RESPONSE {
            return Err(ScpError::TooLong { what: "wrapped response data", max: MAX_RESPONSE, found: body_len + S8 });
        }
        let mut out = Vec::with_capacity(body_len + S8 + 2);
        out.extend_from_slice(data);
        if encrypt {
            pad(&mut out, 0, BLOCK);
            let icv = self.icv(true);
            self.s_enc.cbc_encrypt(icv, &mut out);
        }
        let mac = self.r_mac(&out, sw);
        out.extend_from_slice(&mac[..S8]);
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
        if !is_protected_status(sw) {
            return bare_status(data, sw);
        }
        let Some(body_len) = data.len().checked_sub(S8) else {
            return Err(ScpError::Truncated { what: "R-APDU with R-MAC", needed: S8 + 2, found: rapdu.len() });
        };
        let (body, mac) = data.split_at(body_len);
        let expected = self.r_mac(body, sw);
        if !bool::from(expected[..S8].ct_eq(mac)) {
            return Err(ScpError::BadMac { step: MacStep::Response { number: self.commands } });
        }
        let mut out = Vec::with_capacity(body.len() + 2);
        if self.level.contains(SecurityLevel::R_ENCRYPTION) && !body.is_empty() {
            let mut plain = self.decrypt(body, true, "encrypted response data")?;
            let len = unpad(&plain, BLOCK)?;
            out.extend_from_slice(&plain[..len]);
            plain.zeroize();
        } else {
            out.extend_from_slice(body);
        }
        out.extend_from_slice(&sw);
        Ok(out)
    }

    fn decrypt(&self, ciphertext: &[u8], response: bool, what: &'static str) -> Result<Vec<u8>, ScpError> {
        if ciphertext.len() % BLOCK != 0 {
            return Err(ScpError::NotBlockAligned { what, block: BLOCK, found: ciphertext.len() });
        }
        let mut plain = ciphertext.to_vec();
        self.s_enc.cbc_decrypt(self.icv(response), &mut plain);
        Ok(plain)
    }

    /// AES-CBC with the static DEK and a zero IV over whole blocks (Amendment D §7.2.2.2).
    fn dek_crypt(&self, data: &[u8], encrypt: bool) -> Result<Vec<u8>, ScpError> {
        if data.len() % BLOCK != 0 {
            return Err(ScpError::NotBlockAligned { what: "key data", block: BLOCK, found: data.len() });
        }
        let mut out = data.to_vec();
        if encrypt {
            self.dek.cbc_encrypt([0; BLOCK], &mut out);
        } else {
            self.dek.cbc_decrypt([0; BLOCK], &mut out);
        }
        Ok(out)
    }
}

/// The header as the C-MAC covers it: the logical channel of the class byte set to zero
/// (Amendment D §6.2.4).
fn mac_header(header: [u8; 5]) -> [u8; 5] {
    [header[0] & !0x03, header[1], header[2], header[3], header[4]]
}

/// An unprotected response with an error status word: the status word alone is accepted.
fn bare_status(data: &[u8], sw: [u8; 2]) -> Result<Vec<u8>, ScpError> {
    if data.is_empty() {
        Ok(sw.to_vec())
    } else {
        Err(ScpError::UnprotectedData { sw: u16::from_be_bytes(sw) })
    }
}

/// The EXTERNAL AUTHENTICATE header as sent (CLA `84`, Lc 16).
fn external_authenticate_header(level: SecurityLevel) -> [u8; 5] {
    [0x84, INS_EXTERNAL_AUTHENTICATE, level.p1(), 0x00, 0x10]
}

/// The host before INITIALIZE UPDATE.
pub struct Scp03Host {
    keys: KeySet,
    kvn: u8,
    host_challenge: [u8; 8],
}

impl Scp03Host {
    /// `kvn` 0 lets the card pick its key set; `host_challenge` must be fresh random bytes.
    pub fn new(keys: &KeySet, kvn: u8, host_challenge: [u8; 8]) -> Self {
        Self { keys: keys.clone(), kvn, host_challenge }
    }

    /// The INITIALIZE UPDATE command: `80 50 KVN 00 08 challenge 00`.
    pub fn initialize_update(&self) -> Vec<u8> {
        let mut out = vec![0x80, INS_INITIALIZE_UPDATE, self.kvn, 0x00, S8 as u8];
        out.extend_from_slice(&self.host_challenge);
        out.push(0x00);
        out
    }

    /// Checks the card's answer to INITIALIZE UPDATE (data and status word) and prepares
    /// EXTERNAL AUTHENTICATE at `level`. The card may answer for another key version than
    /// the one asked for (pySim's published SCP02 exchange asks for `20` and gets `70`): the
    /// card cryptogram decides, and `init_response()` of the result shows the version.
    pub fn authenticate(&self, rapdu: &[u8], level: SecurityLevel) -> Result<Scp03PendingHost, ScpError> {
        let level = SecurityLevel::from_p1(level.bits())?;
        let response = Scp03InitResponse::parse(expect_success(rapdu, Step::InitializeUpdate)?)?;
        let mut context = [0u8; 2 * S8];
        context[..S8].copy_from_slice(&self.host_challenge);
        context[S8..].copy_from_slice(&response.card_challenge);
        let session = Scp03SessionKeys::derive(&self.keys, &context)?;
        let card_cryptogram = session.card_cryptogram(&self.host_challenge, &response.card_challenge)?;
        if !bool::from(card_cryptogram.ct_eq(&response.card_cryptogram)) {
            return Err(ScpError::BadCardCryptogram);
        }
        let host_cryptogram = session.host_cryptogram(&self.host_challenge, &response.card_challenge)?;
        let mut channel = Channel::new(&session, self.keys.dek(), level)?;
        let header = external_authenticate_header(level);
        let mac = channel.chain_c_mac(&mac_header(header), &host_cryptogram);
        channel.chain = mac;
        let mut command = Vec::with_capacity(5 + 2 * S8);
        command.extend_from_slice(&header);
        command.extend_from_slice(&host_cryptogram);
        command.extend_from_slice(&mac[..S8]);
        Ok(Scp03PendingHost { channel, command, response })
    }
}

/// The host after a verified INITIALIZE UPDATE response, holding EXTERNAL AUTHENTICATE.
pub struct Scp03PendingHost {
    channel: Channel,
    command: Vec<u8>,
    response: Scp03InitResponse,
}

impl Scp03PendingHost {
    /// The EXTERNAL AUTHENTICATE command to send.
    pub fn external_authenticate(&self) -> &[u8] {
        &self.command
    }

    /// What the card said in its INITIALIZE UPDATE response.
    pub fn init_response(&self) -> &Scp03InitResponse {
        &self.response
    }

    /// Opens the session once the card has answered EXTERNAL AUTHENTICATE with `9000`.
    pub fn open(self, rapdu: &[u8]) -> Result<Scp03HostSession, ScpError> {
        let data = expect_success(rapdu, Step::ExternalAuthenticate)?;
        if !data.is_empty() {
            return Err(ScpError::WrongLength {
                what: "EXTERNAL AUTHENTICATE response",
                expected: 2,
                found: rapdu.len(),
            });
        }
        Ok(Scp03HostSession { channel: self.channel })
    }
}

/// The host's end of an open SCP03 channel.
pub struct Scp03HostSession {
    channel: Channel,
}

impl Scp03HostSession {
    /// Encrypts key data for PUT KEY: AES-CBC under the static DEK, zero IV, whole blocks.
    pub fn encrypt_key(&self, key: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.channel.dek_crypt(key, true)
    }
}

impl HostChannel for Scp03HostSession {
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
pub struct Scp03CardParams {
    pub kvn: u8,
    /// The implementation option `i` (S8 only): `70` is pseudo-random challenge, R-MAC and
    /// R-ENCRYPTION.
    pub i: u8,
    pub diversification_data: [u8; 10],
    /// Fresh random bytes, or [`pseudo_random_card_challenge`].
    pub card_challenge: [u8; 8],
    /// Sent when the challenge is pseudo-random.
    pub sequence_counter: Option<[u8; 3]>,
}

/// The card after INITIALIZE UPDATE, waiting for EXTERNAL AUTHENTICATE.
pub struct Scp03Card {
    session: Scp03SessionKeys,
    dek: SecretKey,
    host_challenge: [u8; 8],
    host_cryptogram: [u8; 8],
}

impl Scp03Card {
    /// Answers INITIALIZE UPDATE (`capdu`) with the response data and `9000`.
    pub fn initialize_update(
        keys: &KeySet,
        params: &Scp03CardParams,
        capdu: &[u8],
    ) -> Result<(Self, Vec<u8>), ScpError> {
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
        if params.i & I_S16 != 0 {
            return Err(ScpError::UnsupportedOption { i: params.i });
        }
        let mut host_challenge = [0u8; S8];
        if command.data.len() != S8 {
            return Err(ScpError::WrongLength { what: "host challenge", expected: S8, found: command.data.len() });
        }
        host_challenge.copy_from_slice(command.data);
        let mut context = [0u8; 2 * S8];
        context[..S8].copy_from_slice(&host_challenge);
        context[S8..].copy_from_slice(&params.card_challenge);
        let session = Scp03SessionKeys::derive(keys, &context)?;
        let response = Scp03InitResponse {
            diversification_data: params.diversification_data,
            kvn: params.kvn,
            i: params.i,
            card_challenge: params.card_challenge,
            card_cryptogram: session.card_cryptogram(&host_challenge, &params.card_challenge)?,
            sequence_counter: params.sequence_counter,
        };
        let host_cryptogram = session.host_cryptogram(&host_challenge, &params.card_challenge)?;
        let mut out = Vec::with_capacity(34);
        response.encode(&mut out);
        out.extend_from_slice(&[0x90, 0x00]);
        let card = Self { session, dek: SecretKey::new(keys.dek())?, host_challenge, host_cryptogram };
        Ok((card, out))
    }

    pub fn host_challenge(&self) -> [u8; 8] {
        self.host_challenge
    }

    /// Checks EXTERNAL AUTHENTICATE (`capdu`): host cryptogram, then C-MAC. Returns the open
    /// session and the `9000` to send; on failure the card needs a new INITIALIZE UPDATE.
    pub fn external_authenticate(self, capdu: &[u8]) -> Result<(Scp03CardSession, Vec<u8>), ScpError> {
        let command = Command::parse(capdu)?;
        if command.ins != INS_EXTERNAL_AUTHENTICATE {
            return Err(ScpError::UnexpectedInstruction { expected: INS_EXTERNAL_AUTHENTICATE, found: command.ins });
        }
        plain_cla(command.cla)?;
        let level = SecurityLevel::from_p1(command.p1)?;
        if command.p2 != 0 {
            return Err(ScpError::BadParameter { what: "P2 of EXTERNAL AUTHENTICATE", found: command.p2 });
        }
        if command.data.len() != 2 * S8 {
            return Err(ScpError::WrongLength {
                what: "EXTERNAL AUTHENTICATE data",
                expected: 2 * S8,
                found: command.data.len(),
            });
        }
        let (cryptogram, mac) = command.data.split_at(S8);
        if !bool::from(cryptogram.ct_eq(&self.host_cryptogram)) {
            return Err(ScpError::BadHostCryptogram);
        }
        let mut channel = Channel::new(&self.session, self.dek.as_bytes(), level)?;
        let header = [command.cla, command.ins, command.p1, command.p2, 0x10];
        let expected = channel.chain_c_mac(&mac_header(header), cryptogram);
        if !bool::from(expected[..S8].ct_eq(mac)) {
            return Err(ScpError::BadMac { step: MacStep::ExternalAuthenticate });
        }
        channel.chain = expected;
        Ok((Scp03CardSession { channel }, vec![0x90, 0x00]))
    }
}

/// The card's end of an open SCP03 channel.
pub struct Scp03CardSession {
    channel: Channel,
}

impl Scp03CardSession {
    /// Decrypts key data received in PUT KEY: AES-CBC under the static DEK, zero IV.
    pub fn decrypt_key(&self, data: &[u8]) -> Result<Vec<u8>, ScpError> {
        self.channel.dek_crypt(data, false)
    }
}

impl CardChannel for Scp03CardSession {
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
