//! The portal of scheme 3's use (`s3u.machine.portal`): a login opens one session with a fresh
//! challenge; the answer must be a signature over it by the key of a sub certificate that
//! chains to the sub-certificate CA, after which J-LIS, the only holder of sub-certificate
//! revocation data, is asked for the certificate's status.

use hanko_crypto::chain::{self, Anchor, Options, Purpose};
use hanko_crypto::profile::Certificate;
use hanko_crypto::signature::{self, HashAlgorithm, Scheme};
use hanko_crypto::time::UnixTime;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

/// The portal's origin, mixed into every challenge.
pub const ORIGIN: &str = "https://portal.hanko.example.invalid";

pub struct Portal {
    anchor: Option<Anchor>,
    rng: ChaCha20Rng,
    open: Option<(String, [u8; 32])>,
    logins: u32,
}

impl Portal {
    /// A portal trusting the sub-certificate CA `sub_ca` (DER).
    pub fn new(sub_ca: &[u8], seed: u64) -> Self {
        Self {
            anchor: Anchor::new(sub_ca).ok(),
            rng: ChaCha20Rng::seed_from_u64(seed ^ 0x5333_504F_5254),
            open: None,
            logins: 0,
        }
    }

    /// A login: a new session and its challenge (SHA-256 over origin, session, 32 random bytes).
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

    /// The answer to `session`'s challenge at time `now`: `Ok` means the status must now be
    /// asked of J-LIS; the session is spent either way. Errors are `refused.reason` values.
    pub fn answer(
        &mut self,
        session: &str,
        certificate: &[u8],
        signature_bytes: &[u8],
        now: i64,
    ) -> Result<(), &'static str> {
        let challenge = match self.open.take() {
            Some((s, c)) if s == session => c,
            other => {
                self.open = other;
                return Err("unknown_session");
            }
        };
        let key = Certificate::from_der(certificate).ok().and_then(|c| c.public_key().ok()).ok_or("chain_invalid")?;
        signature::verify(&key, &challenge, signature_bytes, Scheme::Pkcs1v15Prehashed(HashAlgorithm::Sha256))
            .map_err(|_| "bad_signature")?;
        let anchor = self.anchor.as_ref().ok_or("chain_invalid")?;
        let options = Options::for_purpose(Purpose::Authentication);
        chain::verify_chain(certificate, &[], std::slice::from_ref(anchor), &[], UnixTime(now), &options)
            .map(drop)
            .map_err(|_| "chain_invalid")
    }
}
