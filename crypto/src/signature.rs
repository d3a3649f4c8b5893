//! RSA signature verification in every form the My Number card produces.
//!
//! | [`Scheme`] | card (`80 2A P1 …`) | caller gives |
//! |---|---|---|
//! | [`Scheme::Pkcs1v15`] | P1=03 (SHA-256); X.509, CRLs | the message |
//! | [`Scheme::Pkcs1v15Prehashed`] | P1=02 (SHA-256) | the digest |
//! | [`Scheme::Pkcs1v15Raw`] | P1=00, and the APs' own-key signing | the exact signed bytes (usually a DigestInfo) |
//! | [`Scheme::Pkcs1v15BareSha256`] | P1=01 | the message (the signature holds its bare SHA-256) |
//! | [`Scheme::PssSha256`] | P1=05 | the message |
//! | [`Scheme::PssSha256Prehashed`] | P1=04 | the 32-byte SHA-256 |
//!
//! Valid signatures in the common forms are checked by aws-lc-rs. When aws-lc-rs refuses
//! one, or for the forms it does not offer, the block is recovered with the raw public
//! operation and examined step by step, so that the error says what is wrong: padding,
//! DigestInfo of another algorithm, another digest, salt length.

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest;

pub use crate::error::SignatureError;
use crate::key::{FastAlg, RsaPublicKey};
pub use hanko_codec::field::HashAlgorithm;

/// PSS salt-length policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PssSalt {
    /// Exactly this many bytes ([`PssSalt::DEFAULT`] is the SHA-256 output length, 32,
    /// what RFC 8017 recommends and what OpenSSL's `RSA_PSS_SALTLEN_DIGEST` means).
    Length(usize),
    /// Whatever length the encoding holds (recovered from the `00…01` separator), for
    /// signers whose salt length is unknown.
    Any,
}

impl PssSalt {
    pub const DEFAULT: Self = Self::Length(32);
}

impl Default for PssSalt {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How the signature was made and what the caller passes as `data` to [`verify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2); `data` is the message, hashed here.
    Pkcs1v15(HashAlgorithm),
    /// RSASSA-PKCS1-v1_5; `data` is the digest, as long as the algorithm's output.
    Pkcs1v15Prehashed(HashAlgorithm),
    /// PKCS#1 v1.5 type-1 padding over `data` exactly as given (card P1=00). When `data`
    /// is a DigestInfo, errors name its algorithm as the expected one.
    Pkcs1v15Raw,
    /// PKCS#1 v1.5 type-1 padding over the bare 32-byte SHA-256 of `data`, no DigestInfo
    /// (card P1=01). For an already-hashed bare form use [`Scheme::Pkcs1v15Raw`] with the hash.
    Pkcs1v15BareSha256,
    /// RSASSA-PSS, SHA-256, MGF1-SHA-256 (RFC 8017 §8.1); `data` is the message.
    PssSha256(PssSalt),
    /// RSASSA-PSS, SHA-256, MGF1-SHA-256; `data` is the 32-byte SHA-256 of the message.
    PssSha256Prehashed(PssSalt),
}

impl Scheme {
    /// The scheme of COMPUTE DIGITAL SIGNATURE with this P1 (docs/research/jpki-facts.md §3.3),
    /// as seen by a verifier holding the data sent to the card. PSS uses the default salt
    /// length, as the card's is not documented.
    pub fn for_card_p1(p1: u8) -> Option<Self> {
        Some(match p1 {
            0x00 => Self::Pkcs1v15Raw,
            0x01 => Self::Pkcs1v15BareSha256,
            0x02 => Self::Pkcs1v15Prehashed(HashAlgorithm::Sha256),
            0x03 => Self::Pkcs1v15(HashAlgorithm::Sha256),
            0x04 => Self::PssSha256Prehashed(PssSalt::DEFAULT),
            0x05 => Self::PssSha256(PssSalt::DEFAULT),
            _ => return None,
        })
    }
}

/// Verifies `signature` over `data` (see [`Scheme`] for what `data` is) under `key`.
pub fn verify(key: &RsaPublicKey, data: &[u8], signature: &[u8], scheme: Scheme) -> Result<(), SignatureError> {
    let k = key.size();
    if signature.len() != k {
        return Err(SignatureError::WrongLength { expected: k, found: signature.len() });
    }
    match scheme {
        Scheme::Pkcs1v15(hash) => {
            let fast = key.fast(fast_alg(hash)).map(|p| p.verify_sig(data, signature).is_ok());
            settle(fast, || {
                let d = hash_of(hash, data);
                check_pkcs1_digest_info(key, signature, hash, d.as_ref())
            })
        }
        Scheme::Pkcs1v15Prehashed(hash) => verify_prehashed(key, hash, data, signature),
        Scheme::Pkcs1v15Raw => {
            if data.len() + 11 > k {
                return Err(SignatureError::WrongLength { expected: k - 11, found: data.len() });
            }
            if let Some((hash, digest)) = split_digest_info(data) {
                return verify_prehashed(key, hash, digest, signature);
            }
            let em = key.public_op(signature)?;
            let t = pkcs1_unpad(&em)?;
            ct_eq(t, data).then_some(()).ok_or(SignatureError::DigestMismatch)
        }
        Scheme::Pkcs1v15BareSha256 => {
            let em = key.public_op(signature)?;
            let t = pkcs1_unpad(&em)?;
            if let Some((found, _)) = split_digest_info(t) {
                return Err(SignatureError::UnexpectedDigestInfo { found });
            }
            let h = digest::digest(&digest::SHA256, data);
            ct_eq(t, h.as_ref()).then_some(()).ok_or(SignatureError::DigestMismatch)
        }
        Scheme::PssSha256(salt) => {
            let fast = match salt {
                PssSalt::Length(32) => key.fast(FastAlg::PssSha256).map(|p| p.verify_sig(data, signature).is_ok()),
                _ => None,
            };
            settle(fast, || {
                let h = digest::digest(&digest::SHA256, data);
                check_pss_sha256(key, signature, h.as_ref(), salt)
            })
        }
        Scheme::PssSha256Prehashed(salt) => {
            if data.len() != 32 {
                return Err(SignatureError::WrongLength { expected: 32, found: data.len() });
            }
            let fast = match salt {
                PssSalt::Length(32) => key.fast(FastAlg::PssSha256).and_then(|p| {
                    let d = digest::Digest::import_less_safe(data, &digest::SHA256).ok()?;
                    Some(p.verify_digest_sig(&d, signature).is_ok())
                }),
                _ => None,
            };
            settle(fast, || check_pss_sha256(key, signature, data, salt))
        }
    }
}

/// The SHA-* digest of `data`.
pub fn hash_of(alg: HashAlgorithm, data: &[u8]) -> digest::Digest {
    digest::digest(lc_digest(alg), data)
}

/// The DigestInfo encoding of `digest` (RFC 8017 §9.2), as signed in PKCS#1 v1.5.
pub fn digest_info(alg: HashAlgorithm, digest: &[u8]) -> Vec<u8> {
    let mut out = alg.digest_info_prefix().to_vec();
    out.extend_from_slice(digest);
    out
}

/// Splits a DigestInfo with one of the four standard prefixes (parameters NULL, as the card
/// and every DER signer writes them) into its algorithm and digest.
pub fn split_digest_info(bytes: &[u8]) -> Option<(HashAlgorithm, &[u8])> {
    HashAlgorithm::ALL.into_iter().find_map(|alg| {
        let rest = bytes.strip_prefix(alg.digest_info_prefix())?;
        (rest.len() == alg.digest_len()).then_some((alg, rest))
    })
}

/// Compares two byte strings in time independent of their contents.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    verify_slices_are_equal(a, b).is_ok()
}

fn verify_prehashed(
    key: &RsaPublicKey,
    hash: HashAlgorithm,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    if digest.len() != hash.digest_len() {
        return Err(SignatureError::WrongLength { expected: hash.digest_len(), found: digest.len() });
    }
    let fast = key.fast(fast_alg(hash)).and_then(|p| {
        let d = digest::Digest::import_less_safe(digest, lc_digest(hash)).ok()?;
        Some(p.verify_digest_sig(&d, signature).is_ok())
    });
    settle(fast, || check_pkcs1_digest_info(key, signature, hash, digest))
}

/// Combines the fast verdict (`None`: no fast path for this key or scheme) with the
/// step-by-step check, which runs only when the fast path did not accept.
fn settle(fast: Option<bool>, slow: impl FnOnce() -> Result<(), SignatureError>) -> Result<(), SignatureError> {
    match fast {
        Some(true) => Ok(()),
        // aws-lc refused what the step-by-step check accepts: trust neither.
        Some(false) => slow().and(Err(SignatureError::Invalid)),
        None => slow(),
    }
}

fn fast_alg(hash: HashAlgorithm) -> FastAlg {
    match hash {
        HashAlgorithm::Sha1 => FastAlg::Pkcs1Sha1,
        HashAlgorithm::Sha256 => FastAlg::Pkcs1Sha256,
        HashAlgorithm::Sha384 => FastAlg::Pkcs1Sha384,
        HashAlgorithm::Sha512 => FastAlg::Pkcs1Sha512,
    }
}

fn lc_digest(hash: HashAlgorithm) -> &'static digest::Algorithm {
    match hash {
        HashAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
    }
}

/// EMSA-PKCS1-v1_5 decoding: `00 01 FF{8,} 00 T` → `T`.
fn pkcs1_unpad(em: &[u8]) -> Result<&[u8], SignatureError> {
    let body = em.strip_prefix(&[0x00, 0x01]).ok_or(SignatureError::BadPadding)?;
    let ff = body.iter().take_while(|&&b| b == 0xFF).count();
    if ff < 8 || body.get(ff) != Some(&0x00) {
        return Err(SignatureError::BadPadding);
    }
    Ok(&body[ff + 1..])
}

fn check_pkcs1_digest_info(
    key: &RsaPublicKey,
    signature: &[u8],
    hash: HashAlgorithm,
    digest: &[u8],
) -> Result<(), SignatureError> {
    let em = key.public_op(signature)?;
    let t = pkcs1_unpad(&em)?;
    match split_digest_info(t) {
        Some((found, d)) if found == hash => ct_eq(d, digest).then_some(()).ok_or(SignatureError::DigestMismatch),
        Some((found, _)) => Err(SignatureError::DigestInfoMismatch { expected: hash, found: Some(found) }),
        None => Err(SignatureError::DigestInfoMismatch { expected: hash, found: None }),
    }
}

/// EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with SHA-256 and MGF1-SHA-256.
fn check_pss_sha256(key: &RsaPublicKey, signature: &[u8], m_hash: &[u8], salt: PssSalt) -> Result<(), SignatureError> {
    const H_LEN: usize = 32;
    let em_full = key.public_op(signature)?;
    let em_bits = key.bits() - 1;
    let em_len = em_bits.div_ceil(8);
    // When modBits − 1 is a multiple of 8 the encoded message is one byte shorter than
    // the signature, and RSAVP1's leading byte must be zero.
    let lead = em_full.len() - em_len;
    if em_full[..lead].iter().any(|&b| b != 0) {
        return Err(SignatureError::BadPadding);
    }
    let em = &em_full[lead..];
    let min_salt = match salt {
        PssSalt::Length(s) => s,
        PssSalt::Any => 0,
    };
    if em_len < H_LEN + min_salt + 2 || em.last() != Some(&0xBC) {
        return Err(SignatureError::BadPadding);
    }
    let db_len = em_len - H_LEN - 1;
    let (masked_db, rest) = em.split_at(db_len);
    let h = &rest[..H_LEN];
    let unused_bits = 8 * em_len - em_bits;
    let top_mask = 0xFFu8 >> unused_bits;
    if masked_db[0] & !top_mask != 0 {
        return Err(SignatureError::BadPadding);
    }
    let mut db = mgf1_sha256(h, db_len);
    for (d, m) in db.iter_mut().zip(masked_db) {
        *d ^= m;
    }
    db[0] &= top_mask;
    let zeros = db.iter().take_while(|&&b| b == 0).count();
    if db.get(zeros) != Some(&0x01) {
        return Err(SignatureError::BadPadding);
    }
    let salt_bytes = &db[zeros + 1..];
    if let PssSalt::Length(expected) = salt {
        if salt_bytes.len() != expected {
            return Err(SignatureError::SaltLength { expected, found: salt_bytes.len() });
        }
    }
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(&[0u8; 8]);
    ctx.update(m_hash);
    ctx.update(salt_bytes);
    let h2 = ctx.finish();
    ct_eq(h, h2.as_ref()).then_some(()).ok_or(SignatureError::DigestMismatch)
}

fn mgf1_sha256(seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(seed);
        ctx.update(&counter.to_be_bytes());
        out.extend_from_slice(ctx.finish().as_ref());
        counter += 1;
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpad() {
        let mut em = vec![0x00, 0x01];
        em.extend([0xFF; 8]);
        em.push(0);
        em.extend(b"abc");
        assert_eq!(pkcs1_unpad(&em).unwrap(), b"abc");
        em[9] = 0xFE;
        assert_eq!(pkcs1_unpad(&em), Err(SignatureError::BadPadding));
        assert_eq!(pkcs1_unpad(&[0x00, 0x02]), Err(SignatureError::BadPadding));
        assert_eq!(pkcs1_unpad(&[]), Err(SignatureError::BadPadding));
    }

    #[test]
    fn digest_infos() {
        for alg in HashAlgorithm::ALL {
            let d = vec![7u8; alg.digest_len()];
            let di = digest_info(alg, &d);
            assert_eq!(split_digest_info(&di), Some((alg, &d[..])));
            assert_eq!(split_digest_info(&di[..di.len() - 1]), None);
        }
    }

    #[test]
    fn mgf1_known_length() {
        assert_eq!(mgf1_sha256(b"seed", 100).len(), 100);
        assert_eq!(&mgf1_sha256(b"seed", 40)[..32], digest::digest(&digest::SHA256, b"seed\0\0\0\0").as_ref());
    }

    #[test]
    fn card_p1_table() {
        assert_eq!(Scheme::for_card_p1(0), Some(Scheme::Pkcs1v15Raw));
        assert_eq!(Scheme::for_card_p1(5), Some(Scheme::PssSha256(PssSalt::Length(32))));
        assert_eq!(Scheme::for_card_p1(6), None);
    }
}
