//! The JPKI applet instance on the UICC: the card model's UICC profile, empty until the SP-TSM
//! personalizes it through its security domain with STORE DATA, then answering the JPKI APDUs
//! with the sub certificate and signing with the sub key.
//!
//! Personalization data (DGIs, GPC 2.3.1 §11.11 and REFERENCE §8; `8xxx` DGIs arrive encrypted
//! under the security domain's DEK and are decrypted by it before the applet sees them):
//!
//! | DGI | content |
//! |---|---|
//! | `0010` | RSA modulus |
//! | `0011` | RSA public exponent |
//! | `00B9` | CRT template (optional; checked to be well formed and ignored) |
//! | `8121`–`8125` | p, q, dp, dq, qinv |
//! | `000A` | the sub certificate, EF 000A (hanko: DGI = FID) |
//! | `000B` | its CA certificate, EF 000B (hanko) |
//! | `8018` | the authentication PIN, EF 0018, padded `80 00…` before encryption (hanko) |
//!
//! All of them must be present, once each; the key must be the certificate's, and the CRT
//! parts must be those of p and q. The applet takes them all or none. Until then it answers
//! SELECT of its AID and refuses every other command with `6985`, so that no PIN counter runs
//! on an applet without a PIN.

use super::sw;
use crate::card_data;
use crate::transport::Card;
use hanko_crypto::profile::Certificate;
use hanko_model::{CardModel, Output, Profile};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pss::Pss;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BoxedUint, PrivateKey as RsaPrivateKey};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// DGIs of the personalization data.
pub mod dgi {
    pub const MODULUS: u16 = 0x0010;
    pub const PUBLIC_EXPONENT: u16 = 0x0011;
    pub const CRT_TEMPLATE: u16 = 0x00B9;
    pub const P: u16 = 0x8121;
    pub const Q: u16 = 0x8122;
    pub const DP: u16 = 0x8123;
    pub const DQ: u16 = 0x8124;
    pub const QINV: u16 = 0x8125;
    pub const CERTIFICATE: u16 = 0x000A;
    pub const CA_CERTIFICATE: u16 = 0x000B;
    pub const PIN: u16 = 0x8018;
    /// Whether the DGI travels encrypted under the DEK.
    pub fn is_encrypted(dgi: u16) -> bool {
        dgi & 0x8000 != 0
    }
}

/// The most bytes one DGI may hold: a certificate with room to spare.
pub const MAX_DGI_LEN: usize = 4096;

/// Splits a DGI stream: DGI (2 bytes), length (1 byte, or `FF` and 2 bytes), data.
pub fn parse_dgis(mut input: &[u8]) -> Result<Vec<(u16, &[u8])>, u16> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let [a, b, rest @ ..] = input else { return Err(sw::WRONG_DATA) };
        let (len, rest) = match rest {
            [0xFF, h, l, rest @ ..] => (usize::from(u16::from_be_bytes([*h, *l])), rest),
            [0xFF, ..] | [] => return Err(sw::WRONG_DATA),
            [n, rest @ ..] => (usize::from(*n), rest),
        };
        if rest.len() < len || len > MAX_DGI_LEN {
            return Err(sw::WRONG_DATA);
        }
        out.push((u16::from_be_bytes([*a, *b]), &rest[..len]));
        input = &rest[len..];
    }
    Ok(out)
}

/// Appends one DGI.
pub fn push_dgi(out: &mut Vec<u8>, dgi: u16, data: &[u8]) {
    out.extend_from_slice(&dgi.to_be_bytes());
    if data.len() < 0xFF {
        out.push(data.len() as u8);
    } else {
        out.push(0xFF);
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    }
    out.extend_from_slice(data);
}

/// The personalization DGI stream for `key`, `certificate`, its `ca` and `pin`: the key parts
/// and the PIN (padded `80 00…`) encrypted by `encrypt` (the DEK of the security domain that
/// will receive them). Also returns the encrypted CRT parts, the key as it travels.
pub fn dgi_stream(
    key: &RsaPrivateKey,
    certificate: &[u8],
    ca: &[u8],
    pin: &[u8],
    encrypt: &super::keys::KeyCipher<'_>,
) -> Result<(Vec<u8>, Vec<u8>), hanko_crypto::scp::ScpError> {
    let half = key.size() / 2;
    let primes = key.primes();
    let missing = hanko_crypto::scp::ScpError::KeyLength { found: 0 };
    let (p, q) = (primes.first().ok_or(missing)?, primes.get(1).ok_or(missing)?);
    let crt = [
        (dgi::P, fixed_be(p, half)),
        (dgi::Q, fixed_be(q, half)),
        (dgi::DP, key.dp().map(|v| fixed_be(v, half)).ok_or(missing)?),
        (dgi::DQ, key.dq().map(|v| fixed_be(v, half)).ok_or(missing)?),
        (dgi::QINV, key.crt_coefficient().map(|v| fixed_be(&v, half)).ok_or(missing)?),
    ];
    let mut stream = Vec::new();
    let mut wrapped = Vec::new();
    push_dgi(&mut stream, dgi::MODULUS, &fixed_be(key.n().as_ref(), key.size()));
    push_dgi(&mut stream, dgi::PUBLIC_EXPONENT, &key.e().to_be_bytes_trimmed_vartime());
    for (d, mut part) in crt {
        let encrypted = encrypt(&part);
        zeroize::Zeroize::zeroize(&mut part);
        let encrypted = encrypted?;
        wrapped.extend_from_slice(&encrypted);
        push_dgi(&mut stream, d, &encrypted);
    }
    push_dgi(&mut stream, dgi::CERTIFICATE, certificate);
    push_dgi(&mut stream, dgi::CA_CERTIFICATE, ca);
    let mut padded = zeroize::Zeroizing::new(pin.to_vec());
    padded.push(0x80);
    let padded_len = padded.len().div_ceil(16) * 16;
    padded.resize(padded_len, 0);
    push_dgi(&mut stream, dgi::PIN, &encrypt(&padded)?);
    Ok((stream, wrapped))
}

/// STORE DATA commands (DGI format, encrypted data present) carrying `stream` in blocks of
/// `size` bytes, the last one flagged.
pub fn store_data_blocks(stream: &[u8], size: usize) -> Vec<Vec<u8>> {
    let blocks: Vec<&[u8]> = stream.chunks(size.max(1)).collect();
    blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let p1 = 0x08 | 0x60 | if i + 1 == blocks.len() { 0x80 } else { 0x00 };
            let mut cmd = vec![0x80, 0xE2, p1, i as u8, b.len() as u8];
            cmd.extend_from_slice(b);
            cmd
        })
        .collect()
}

/// What the applet stores, as it may be shown: certificate, CA certificate, modulus.
pub type AppletSummary = (Vec<u8>, Vec<u8>, Vec<u8>);

/// What personalization stored.
#[derive(Clone)]
pub struct Contents {
    pub certificate: Vec<u8>,
    pub ca_certificate: Vec<u8>,
    key: RsaPrivateKey,
}

impl std::fmt::Debug for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contents").field("certificate", &self.certificate.len()).finish_non_exhaustive()
    }
}

impl Contents {
    /// The public half of the stored key: modulus and exponent, big-endian.
    pub fn public_key(&self) -> (Vec<u8>, Vec<u8>) {
        (self.key.n().to_be_bytes_trimmed_vartime().into_vec(), self.key.e().to_be_bytes_trimmed_vartime().into_vec())
    }
}

/// The applet instance.
#[derive(Clone)]
pub struct JpkiApplet {
    profile: &'static Profile,
    model: CardModel,
    contents: Option<Contents>,
    /// PSS salts; seeded so runs repeat.
    rng: ChaCha20Rng,
}

impl std::fmt::Debug for JpkiApplet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JpkiApplet").field("personalized", &self.contents.is_some()).finish_non_exhaustive()
    }
}

fn uint(bytes: &[u8]) -> BoxedUint {
    BoxedUint::from_be_slice_vartime(bytes)
}

/// `n` as exactly `len` big-endian bytes (the DGIs carry fixed-width parts).
pub fn fixed_be(n: &BoxedUint, len: usize) -> Vec<u8> {
    let bytes = n.to_be_bytes_trimmed_vartime();
    let mut out = vec![0u8; len.saturating_sub(bytes.len())];
    out.extend_from_slice(&bytes[bytes.len().saturating_sub(len)..]);
    out
}

impl JpkiApplet {
    /// A fresh instance: nothing stored.
    pub fn new(profile: &'static Profile, seed: u64) -> Self {
        Self {
            profile,
            model: CardModel::new(profile, hanko_model::data::CardData::default()),
            contents: None,
            rng: ChaCha20Rng::seed_from_u64(seed ^ 0x4A50_4B49),
        }
    }

    pub fn is_personalized(&self) -> bool {
        self.contents.is_some()
    }

    pub fn contents(&self) -> Option<&Contents> {
        self.contents.as_ref()
    }

    pub fn model(&self) -> &CardModel {
        &self.model
    }

    /// Stores the personalization data `dgis` (already decrypted by the security domain), all
    /// or nothing. Errors are status words: `6985` once personalized, `6A80` for missing,
    /// repeated, unknown or inconsistent data.
    pub fn personalize(&mut self, dgis: &[(u16, Vec<u8>)]) -> Result<(), u16> {
        if self.contents.is_some() {
            return Err(sw::CONDITIONS);
        }
        let mut by_dgi: BTreeMap<u16, &[u8]> = BTreeMap::new();
        for (d, data) in dgis {
            let known = [
                dgi::MODULUS,
                dgi::PUBLIC_EXPONENT,
                dgi::CRT_TEMPLATE,
                dgi::P,
                dgi::Q,
                dgi::DP,
                dgi::DQ,
                dgi::QINV,
                dgi::CERTIFICATE,
                dgi::CA_CERTIFICATE,
                dgi::PIN,
            ];
            if !known.contains(d) || by_dgi.insert(*d, data).is_some() {
                return Err(sw::WRONG_DATA);
            }
        }
        let get = |d: u16| by_dgi.get(&d).copied().filter(|v| !v.is_empty()).ok_or(sw::WRONG_DATA);
        if let Some(template) = by_dgi.get(&dgi::CRT_TEMPLATE) {
            super::tlv::objects(template)?;
        }
        let (n, e) = (get(dgi::MODULUS)?, get(dgi::PUBLIC_EXPONENT)?);
        let (p, q) = (get(dgi::P)?, get(dgi::Q)?);
        let key = RsaPrivateKey::from_p_q(uint(p), uint(q), uint(e)).map_err(|_| sw::WRONG_DATA)?;
        let same = |a: &[u8], b: &[u8]| a.iter().skip_while(|&&x| x == 0).eq(b.iter().skip_while(|&&x| x == 0));
        if !same(&key.n().to_be_bytes_trimmed_vartime(), n) {
            return Err(sw::WRONG_DATA);
        }
        let crt = [
            (dgi::DP, key.dp().map(|v| v.to_be_bytes_trimmed_vartime())),
            (dgi::DQ, key.dq().map(|v| v.to_be_bytes_trimmed_vartime())),
            (dgi::QINV, key.crt_coefficient().map(|v| v.to_be_bytes_trimmed_vartime())),
        ];
        for (d, expected) in crt {
            match expected {
                Some(v) if same(&v, get(d)?) => {}
                _ => return Err(sw::WRONG_DATA),
            }
        }
        let certificate = get(dgi::CERTIFICATE)?;
        let ca = get(dgi::CA_CERTIFICATE)?;
        let cert = Certificate::from_der(certificate).map_err(|_| sw::WRONG_DATA)?;
        Certificate::from_der(ca).map_err(|_| sw::WRONG_DATA)?;
        let cert_key = cert.public_key().map_err(|_| sw::WRONG_DATA)?;
        let trimmed = |b: &[u8]| b.iter().skip_while(|&&x| x == 0).copied().collect::<Vec<u8>>();
        if trimmed(cert_key.modulus()) != trimmed(&key.n().to_be_bytes_trimmed_vartime())
            || trimmed(cert_key.exponent()) != trimmed(&key.e().to_be_bytes_trimmed_vartime())
        {
            return Err(sw::WRONG_DATA);
        }
        let pin = get(dgi::PIN)?;
        let data = card_data::authentication_only(self.profile, certificate, ca, pin);
        let mut model = CardModel::new(self.profile, data);
        // The PIN's rules (4 digits) are the profile's; set_pin refuses what breaks them.
        model.set_pin("jpki.auth_pin", pin).map_err(|_| sw::WRONG_DATA)?;
        self.model = model;
        self.contents = Some(Contents { certificate: certificate.to_vec(), ca_certificate: ca.to_vec(), key });
        Ok(())
    }

    fn sign(key: &RsaPrivateKey, rng: &mut ChaCha20Rng, p1: u8, input: &[u8]) -> Vec<u8> {
        let signed = match p1 {
            // As the card: pad exactly what was sent (a DigestInfo, for real clients).
            0x00 => key.sign(Pkcs1v15Sign::new_unprefixed(), input),
            0x01 => key.sign(Pkcs1v15Sign::new_unprefixed(), &Sha256::digest(input)),
            0x02 => key.sign(Pkcs1v15Sign::new::<Sha256>(), input),
            0x03 => key.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(input)),
            0x04 => key.sign_with_rng(rng, Pss::<Sha256>::new_with_salt(32), input),
            _ => key.sign_with_rng(rng, Pss::<Sha256>::new_with_salt(32), &Sha256::digest(input)),
        };
        signed.unwrap_or_default()
    }

    /// The answer to a C-APDU addressed to the applet (logical channel bits already cleared).
    pub fn process(&mut self, capdu: &[u8]) -> Vec<u8> {
        let Some(contents) = &self.contents else {
            // Only SELECT of the applet itself works before personalization.
            return match capdu {
                [0x00, 0xA4, 0x04, ..] => sw::bytes(sw::OK).to_vec(),
                _ => sw::bytes(sw::CONDITIONS).to_vec(),
            };
        };
        // The UICC speaks T=0 (its ATR says so), where commands arrive as TPDUs (ISO/IEC
        // 7816-3 §12.2): a case-1 command with P3 = 00 (OpenSC's empty VERIFY), a case-4
        // command without its Le, answered through 61xx and GET RESPONSE (OpenSC's COMPUTE
        // DIGITAL SIGNATURE). VERIFY and COMPUTE DIGITAL SIGNATURE are the JPKI AP's only
        // commands of those cases.
        let apdu;
        let capdu = match capdu {
            [cla, 0x20, p1, p2, 0x00] => {
                apdu = vec![*cla, 0x20, *p1, *p2];
                &apdu[..]
            }
            [_, 0x2A, _, _, lc, data @ ..] if *lc != 0 && data.len() == usize::from(*lc) => {
                apdu = [capdu, &[0x00]].concat();
                &apdu[..]
            }
            _ => capdu,
        };
        let (key, rng) = (&contents.key, &mut self.rng);
        let (_, rapdu) = self.model.respond(capdu, &mut |o| match o {
            Output::Signature { p1, input, .. } => Self::sign(key, rng, *p1, input),
            Output::Random(n) => {
                let mut b = vec![0u8; *n];
                rand_core::Rng::fill_bytes(rng, &mut b);
                b
            }
            Output::None | Output::Bytes(_) => Vec::new(),
        });
        rapdu
    }

    /// Selection on a logical channel begins: the applet's volatile state starts empty.
    pub fn deselect(&mut self) {
        self.model.power_off();
    }

    /// A comparable summary of what personalization stored: the certificate, the CA and the
    /// public key (never the private key or the PIN).
    pub fn summary(&self) -> Option<AppletSummary> {
        let c = self.contents.as_ref()?;
        Some((c.certificate.clone(), c.ca_certificate.clone(), c.public_key().0))
    }

    /// The stored state as JSON, for `hanko sim card --applet`: test data only — it holds the
    /// private key.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        use rsa::pkcs8::EncodePrivateKey;
        let c = self.contents.as_ref()?;
        let key = c.key.to_pkcs8_der().ok()?;
        let hex = hanko_model::trace::hex_upper;
        let tries = self.model.tries().get("jpki.auth_pin").copied().unwrap_or(0);
        let pin =
            self.model.pin_values().find(|(id, _)| *id == "jpki.auth_pin").map(|(_, v)| v.to_vec()).unwrap_or_default();
        Some(serde_json::json!({
            "applet": "hanko-jpki-uicc/1",
            "profile": self.profile.id,
            "warning": "hanko test data: this file holds a private key and a PIN",
            "certificate": hex(&c.certificate),
            "ca_certificate": hex(&c.ca_certificate),
            "private_key_pkcs8": hex(key.as_bytes()),
            "pin": String::from_utf8_lossy(&pin),
            "tries": tries,
        }))
    }

    /// An applet restored from [`Self::to_json`].
    pub fn from_json(profile: &'static Profile, doc: &serde_json::Value, seed: u64) -> Result<Self, String> {
        use rsa::pkcs8::DecodePrivateKey;
        if doc["applet"] != "hanko-jpki-uicc/1" {
            return Err("not a hanko applet file (\"applet\": \"hanko-jpki-uicc/1\")".into());
        }
        if doc["profile"] != profile.id {
            return Err(format!("an applet of {}, not of {}", doc["profile"], profile.id));
        }
        let bytes = |name: &str| -> Result<Vec<u8>, String> {
            let text = doc[name].as_str().ok_or_else(|| format!("{name} is missing"))?;
            crate::gp::unhex(text).ok_or_else(|| format!("{name} is not hex"))
        };
        let key = RsaPrivateKey::from_pkcs8_der(&bytes("private_key_pkcs8")?)
            .map_err(|e| format!("private_key_pkcs8: {e}"))?;
        let pin = doc["pin"].as_str().ok_or("pin is missing")?.as_bytes().to_vec();
        let certificate = bytes("certificate")?;
        let ca = bytes("ca_certificate")?;
        let primes = key.primes();
        let len = key.size() / 2;
        let part = |v: Option<BoxedUint>| v.map(|v| fixed_be(&v, len)).ok_or("the key has no CRT parts");
        let mut dgis = vec![
            (dgi::MODULUS, fixed_be(key.n().as_ref(), key.size())),
            (dgi::PUBLIC_EXPONENT, key.e().to_be_bytes_trimmed_vartime().into_vec()),
            (dgi::P, fixed_be(&primes[0], len)),
            (dgi::Q, fixed_be(&primes[1], len)),
            (dgi::DP, part(key.dp().cloned())?),
            (dgi::DQ, part(key.dq().cloned())?),
            (dgi::QINV, part(key.crt_coefficient())?),
        ];
        dgis.extend([(dgi::CERTIFICATE, certificate), (dgi::CA_CERTIFICATE, ca), (dgi::PIN, pin)]);
        let mut applet = Self::new(profile, seed);
        applet.personalize(&dgis).map_err(|sw| format!("the stored data is inconsistent ({sw:04X})"))?;
        let tries = doc["tries"].as_u64().and_then(|n| u8::try_from(n).ok()).ok_or("tries is missing")?;
        applet.model.set_tries("jpki.auth_pin", tries)?;
        Ok(applet)
    }
}

/// The applet alone as a card (what `hanko sim card --profile uicc --applet FILE` serves): the
/// UICC's ATR, the applet answering on the basic channel.
impl Card for JpkiApplet {
    fn power_on(&mut self) -> Vec<u8> {
        self.model.power_on()
    }

    fn power_off(&mut self) {
        self.model.power_off();
    }

    fn reset(&mut self) -> Vec<u8> {
        self.model.power_on()
    }

    fn process(&mut self, capdu: &[u8]) -> Vec<u8> {
        JpkiApplet::process(self, capdu)
    }
}

/// An applet served from its file (`hanko sim card --profile uicc --applet FILE`): the file is
/// the applet's state, rewritten atomically after every APDU that changes the PIN counter or
/// the PIN, so that a killed simulator forgets no failed try.
///
/// Middleware compatibility (project-defined): OpenSC's JPKI emulation (0.23, Debian 12) binds
/// a token only when both PIN EFs answer an empty VERIFY with `63Cx`, and the sub-certificate
/// applet has no signing key. So the served applet keeps a signing-PIN EF 001B that is blocked
/// for good: SELECT answers `9000`, an empty VERIFY `63C0`, a VERIFY `6984`; there is no
/// signing key (001A) and no signing certificate (0001, 0002), so nothing can be signed with
/// it. And OpenSC's JPKI driver asks for a signature with Le = 0 and so discards data a card
/// announces with `61xx` (OpenSC `sc_get_response`), which the UICC profile's chained answers
/// do: the served applet fetches such data itself and answers it at once. In process (scheme
/// 3's traces) the applet is exactly the profile's.
pub struct AppletFile {
    applet: JpkiApplet,
    path: std::path::PathBuf,
    saved: Option<serde_json::Value>,
    /// The blocked signing-PIN EF is the current EF.
    sign_pin_selected: bool,
}

/// SELECT EF 001B, the signing PIN.
const SELECT_SIGN_PIN: [u8; 7] = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B];

impl AppletFile {
    pub fn open(profile: &'static Profile, path: &std::path::Path, seed: u64) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        let applet = JpkiApplet::from_json(profile, &doc, seed).map_err(|e| format!("{}: {e}", path.display()))?;
        let saved = applet.to_json();
        Ok(Self { applet, path: path.to_path_buf(), saved, sign_pin_selected: false })
    }

    pub fn applet(&self) -> &JpkiApplet {
        &self.applet
    }

    /// The blocked signing-PIN EF's answer, if the command is for it.
    fn sign_pin(&mut self, capdu: &[u8]) -> Option<Vec<u8>> {
        if capdu.get(..2) == Some(&[0x00, 0xA4][..]) {
            self.sign_pin_selected = capdu == SELECT_SIGN_PIN;
            return self.sign_pin_selected.then(|| sw::bytes(sw::OK).to_vec());
        }
        if !self.sign_pin_selected {
            return None;
        }
        Some(match capdu {
            [0x00, 0x20, 0x00, 0x80] | [0x00, 0x20, 0x00, 0x80, 0x00] => vec![0x63, 0xC0],
            [0x00, 0x20, ..] => vec![0x69, 0x84],
            [0x00, 0xB0, ..] => vec![0x69, 0x81],
            _ => sw::bytes(sw::CONDITIONS).to_vec(),
        })
    }
}

impl Card for AppletFile {
    fn power_on(&mut self) -> Vec<u8> {
        self.sign_pin_selected = false;
        self.applet.power_on()
    }

    fn power_off(&mut self) {
        self.sign_pin_selected = false;
        Card::power_off(&mut self.applet);
    }

    fn reset(&mut self) -> Vec<u8> {
        self.sign_pin_selected = false;
        self.applet.reset()
    }

    fn process(&mut self, capdu: &[u8]) -> Vec<u8> {
        if let Some(r) = self.sign_pin(capdu) {
            return r;
        }
        let mut r = JpkiApplet::process(&mut self.applet, capdu);
        if let [0x61, n] = r[..] {
            r = JpkiApplet::process(&mut self.applet, &[0x00, 0xC0, 0x00, 0x00, n]);
        }
        let now = self.applet.to_json();
        if now != self.saved {
            let text = now.as_ref().map(|v| format!("{v:#}\n")).unwrap_or_default();
            if let Err(e) = crate::card::write_atomically(&self.path, text.as_bytes()) {
                // A counter that cannot be saved must not be spent silently.
                eprintln!("hanko sim: cannot save the applet: {}: {e}", self.path.display());
                return sw::bytes(sw::MEMORY_FAILURE).to_vec();
            }
            self.saved = now;
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dgi_lengths_round_trip() {
        let mut out = Vec::new();
        push_dgi(&mut out, 0x000A, &[7; 300]);
        push_dgi(&mut out, 0x0011, &[1, 0, 1]);
        assert_eq!(&out[..5], &[0x00, 0x0A, 0xFF, 0x01, 0x2C]);
        let parsed = parse_dgis(&out).unwrap();
        assert_eq!(parsed, vec![(0x000A, &[7u8; 300][..]), (0x0011, &[1, 0, 1][..])]);
        assert_eq!(parse_dgis(&out[..out.len() - 1]), Err(sw::WRONG_DATA));
        assert_eq!(parse_dgis(&[0x00, 0x0A, 0xFF, 0x01]), Err(sw::WRONG_DATA));
    }
}
