//! The portal (マイナポータル or any relying party), as `s1.machine.portal` and
//! `s2.machine.portal` describe it: a login opens a session with a fresh 32-byte challenge; an
//! answer is accepted once, and only with a signature over that session's challenge by the key
//! of a certificate that chains to the authentication CA and is not on its CRL.

use hanko_crypto::chain::{self, Anchor, Check, Options, Purpose};
use hanko_crypto::profile::Certificate;
use hanko_crypto::signature::{self, HashAlgorithm, Scheme};
use hanko_crypto::testpki::{Pki, VERIFY_AT_UNIX};
use hanko_crypto::time::UnixTime;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

/// The portal's origin, mixed into every challenge so that a challenge binds to this portal.
pub const ORIGIN: &str = "https://portal.hanko.example.invalid";

/// Why an answer was refused: the spec's `refused.reason` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No open session of that id (never opened, already answered, or replaced).
    UnknownSession,
    BadSignature,
    ChainInvalid,
    Revoked,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::UnknownSession => "unknown_session",
            Refusal::BadSignature => "bad_signature",
            Refusal::ChainInvalid => "chain_invalid",
            Refusal::Revoked => "revoked",
        }
    }
}

pub struct Portal {
    anchor: Anchor,
    crl: Vec<u8>,
    at: UnixTime,
    rng: ChaCha20Rng,
    /// The one open session: its id and challenge (a new login replaces it).
    open: Option<(String, [u8; 32])>,
    logins: u32,
}

impl Portal {
    /// A portal trusting `pki`'s authentication CA and checking its CRL, at the test PKI's
    /// verification time.
    pub fn new(pki: &Pki, seed: u64) -> Result<Self, String> {
        let anchor = Anchor::new(&pki.auth_ca.der).map_err(|e| format!("the test PKI's authentication CA: {e}"))?;
        Ok(Self {
            anchor,
            crl: pki.auth_crl.clone(),
            at: UnixTime(VERIFY_AT_UNIX),
            rng: ChaCha20Rng::seed_from_u64(seed ^ 0x504F_5254_414C),
            open: None,
            logins: 0,
        })
    }

    /// A login: a new session id and its challenge, SHA-256 over the origin, the session and
    /// 32 random bytes.
    pub fn login(&mut self) -> (String, [u8; 32]) {
        self.logins += 1;
        let mut nonce = [0u8; 32];
        self.rng.fill_bytes(&mut nonce);
        let session = format!("S{:04}-{}", self.logins, hanko_model::trace::hex_upper(&nonce[..4]));
        let mut h = Sha256::new();
        h.update(ORIGIN.as_bytes());
        h.update(session.as_bytes());
        h.update(nonce);
        let challenge: [u8; 32] = h.finalize().into();
        self.open = Some((session.clone(), challenge));
        (session, challenge)
    }

    /// The answer to `session`'s challenge. The session is spent whatever the verdict.
    pub fn answer(&mut self, session: &str, certificate: &[u8], signature_bytes: &[u8]) -> Result<(), Refusal> {
        let challenge = match self.open.take() {
            Some((s, c)) if s == session => c,
            other => {
                self.open = other;
                return Err(Refusal::UnknownSession);
            }
        };
        let key =
            Certificate::from_der(certificate).ok().and_then(|c| c.public_key().ok()).ok_or(Refusal::ChainInvalid)?;
        signature::verify(&key, &challenge, signature_bytes, Scheme::Pkcs1v15Prehashed(HashAlgorithm::Sha256))
            .map_err(|_| Refusal::BadSignature)?;
        let options = Options { require_revocation_check: true, ..Options::for_purpose(Purpose::Authentication) };
        match chain::verify_chain(certificate, &[], std::slice::from_ref(&self.anchor), &[&self.crl], self.at, &options)
        {
            Ok(_) => Ok(()),
            Err(e) if matches!(e.check, Check::Revoked { .. }) => Err(Refusal::Revoked),
            Err(_) => Err(Refusal::ChainInvalid),
        }
    }
}
