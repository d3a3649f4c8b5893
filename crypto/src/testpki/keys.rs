//! Deterministic RSA keys for the test PKI.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, PrivateKey as RsaPrivateKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Domain separation for every random stream; bump the version to re-key everything.
const DOMAIN: &[u8] = b"hanko testpki v1\0";

/// The random stream for one purpose. Each purpose hashes its own label with the seed, so
/// adding a key later leaves every existing key (and so every checked-in file) unchanged.
pub(super) fn rng(seed: u64, label: &str) -> ChaCha20Rng {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(seed.to_be_bytes());
    h.update(label.as_bytes());
    ChaCha20Rng::from_seed(h.finalize().into())
}

/// An RSA-2048 key pair. The private key zeroizes itself on drop (`rsa`'s `ZeroizeOnDrop`),
/// and every serialised private form handed out is wrapped in [`Zeroizing`].
pub struct KeyPair {
    key: RsaPrivateKey,
    label: &'static str,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material, even in a test failure.
        f.debug_struct("KeyPair").field("label", &self.label).finish_non_exhaustive()
    }
}

impl KeyPair {
    /// Generates the key for `label` from `seed`; the same pair always gives the same key
    /// (for the pinned versions of `rsa` and `crypto-primes`: a change in their prime search
    /// changes the keys, which the corpus determinism test reports).
    pub(super) fn generate(seed: u64, label: &'static str) -> Self {
        let mut rng = rng(seed, label);
        let key = RsaPrivateKey::new(&mut rng, 2048).expect("RSA-2048 generation with an infallible RNG");
        Self { key, label }
    }

    /// The name this key was derived under (also its file stem in [`super::Pki::write`]).
    pub fn label(&self) -> &'static str {
        self.label
    }

    pub fn private_key(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// SubjectPublicKeyInfo, DER (rsaEncryption with NULL parameters).
    pub fn spki_der(&self) -> Vec<u8> {
        self.key.to_public_key().to_public_key_der().expect("SPKI encoding").as_bytes().to_vec()
    }

    /// The modulus, big-endian, exactly 256 bytes.
    pub fn modulus(&self) -> Vec<u8> {
        left_pad(&self.key.n_bytes(), 256)
    }

    /// The public exponent, big-endian without leading zeros (`01 00 01`).
    pub fn exponent(&self) -> Vec<u8> {
        self.key.e_bytes().to_vec()
    }

    pub fn pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.key.to_pkcs8_der().expect("PKCS#8 encoding").as_bytes().to_vec())
    }

    pub fn pkcs8_pem(&self) -> Zeroizing<String> {
        self.key.to_pkcs8_pem(LineEnding::LF).expect("PKCS#8 PEM encoding")
    }

    /// RSASSA-PKCS1-v1_5 over `SHA-256(message)`: what a card's COMPUTE DIGITAL SIGNATURE
    /// gives for a SHA-256 DigestInfo.
    pub fn sign_sha256(&self, message: &[u8]) -> Vec<u8> {
        self.sign(Hash::Sha256, message)
    }

    pub(super) fn sign(&self, hash: Hash, message: &[u8]) -> Vec<u8> {
        let (padding, digest) = match hash {
            Hash::Sha1 => (Pkcs1v15Sign::new::<sha1::Sha1>(), sha1::Sha1::digest(message).to_vec()),
            Hash::Sha256 => (Pkcs1v15Sign::new::<Sha256>(), Sha256::digest(message).to_vec()),
        };
        // PKCS#1 v1.5 is deterministic; the RNG only blinds the private operation, so a
        // fixed stream keeps the OS RNG out without changing any output byte.
        let mut blinding = rng(0, "blinding");
        let sig = self.key.sign_with_rng(&mut blinding, padding, &digest).expect("PKCS#1 v1.5 signing");
        left_pad(&sig, 256)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hash {
    Sha1,
    Sha256,
}

fn left_pad(v: &[u8], n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n.saturating_sub(v.len())];
    out.extend_from_slice(v);
    out
}
