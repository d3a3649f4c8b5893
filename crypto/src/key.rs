//! RSA public keys, parsed once and reused for any number of verifications.
//!
//! Two engines sit behind one key:
//! - the fast path, aws-lc-rs `ParsedPublicKey`s, one per (padding, hash) pair; aws-lc-rs
//!   binds the algorithm into the parsed key, so each pair is built from the components on
//!   first use and cached (a key used only for sha256WithRSA builds exactly one, at
//!   construction);
//! - the slow path, RustCrypto `rsa`'s raw public operation `s^e mod n`, for the forms
//!   aws-lc-rs does not offer (the card's raw and bare-hash PKCS#1 forms, PSS with any salt
//!   length) and to say *why* a signature the fast path refused is wrong.
//!
//! Only public material is handled here, so there is nothing to zeroize.

use core::fmt;
use std::sync::OnceLock;

use aws_lc_rs::signature::{self as lc, ParsedPublicKey, RsaPublicKeyComponents};
use rsa::traits::PublicKeyParts;
use rsa::BoxedUint;

use crate::error::{KeyError, SignatureError};
use crate::oids;

/// Smallest modulus accepted at all. JPKI keys are 2048 bits; 1024 is kept for old test
/// material and is served by the slow path only.
pub const MIN_MODULUS_BITS: usize = 1024;
/// Largest modulus accepted; bounds the cost of one verification.
pub const MAX_MODULUS_BITS: usize = 8192;
/// aws-lc-rs verification parameters start at 2048 bits.
const FAST_MIN_BITS: usize = 2048;

/// The (padding, hash) pairs the fast path can verify, each needing its own parsed key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FastAlg {
    Pkcs1Sha1,
    Pkcs1Sha256,
    Pkcs1Sha384,
    Pkcs1Sha512,
    /// RSASSA-PSS, SHA-256, MGF1-SHA-256, salt length 32.
    PssSha256,
}

impl FastAlg {
    const COUNT: usize = 5;

    fn index(self) -> usize {
        self as usize
    }

    fn params(self) -> &'static lc::RsaParameters {
        match self {
            Self::Pkcs1Sha1 => &lc::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            Self::Pkcs1Sha256 => &lc::RSA_PKCS1_2048_8192_SHA256,
            Self::Pkcs1Sha384 => &lc::RSA_PKCS1_2048_8192_SHA384,
            Self::Pkcs1Sha512 => &lc::RSA_PKCS1_2048_8192_SHA512,
            Self::PssSha256 => &lc::RSA_PSS_2048_8192_SHA256,
        }
    }
}

/// An RSA public key.
#[derive(Clone)]
pub struct RsaPublicKey {
    /// Big-endian, no leading zero bytes.
    n: Box<[u8]>,
    e: Box<[u8]>,
    bits: usize,
    /// Built on first use: the Montgomery parameters cost more than the common case, a
    /// valid signature on the fast path, ever needs.
    slow: OnceLock<Option<rsa::PublicKey>>,
    fast: [OnceLock<Option<ParsedPublicKey>>; FastAlg::COUNT],
}

impl RsaPublicKey {
    /// From a DER `SubjectPublicKeyInfo` with algorithm rsaEncryption.
    pub fn from_spki_der(spki: &[u8]) -> Result<Self, KeyError> {
        use x509_parser::prelude::FromDer;
        let (rest, info) =
            x509_parser::x509::SubjectPublicKeyInfo::from_der(spki).map_err(|e| KeyError::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(KeyError::Malformed(format!("{} bytes after the SubjectPublicKeyInfo", rest.len())));
        }
        Self::from_spki(&info)
    }

    /// From a SubjectPublicKeyInfo that x509-parser has already read (inside a certificate).
    pub fn from_spki(info: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> Result<Self, KeyError> {
        let alg = info.algorithm.algorithm.as_bytes();
        if alg != oids::RSA_ENCRYPTION {
            return Err(KeyError::NotRsa { algorithm: info.algorithm.algorithm.to_id_string() });
        }
        Self::from_pkcs1_der(&info.subject_public_key.data)
    }

    /// From a DER PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        let (n, e) = parse_rsa_public_key(der).ok_or_else(|| KeyError::Malformed("not a DER RSAPublicKey".into()))?;
        Self::from_components(n, e)
    }

    /// From a big-endian modulus and public exponent, as a card-verifiable certificate carries
    /// them (`91` and `90`). Leading zero bytes are ignored.
    pub fn from_components(modulus: &[u8], exponent: &[u8]) -> Result<Self, KeyError> {
        let n = strip_zeros(modulus);
        let e = strip_zeros(exponent);
        let bits = bit_len(n);
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits) {
            return Err(KeyError::ModulusSize { bits });
        }
        if n.last().is_none_or(|&b| b & 1 == 0) {
            return Err(KeyError::Modulus);
        }
        // Odd, 3 ≤ e ≤ 2^33 − 1: the bounds of both aws-lc and RustCrypto (a larger exponent
        // only makes verification slower, RSADoS). With n ≥ 1024 bits, e < n follows.
        let e_value = if e.len() <= 8 { e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)) } else { u64::MAX };
        if e_value < 3 || e_value & 1 == 0 || e_value > (1 << 33) - 1 {
            return Err(KeyError::Exponent);
        }
        let key = Self { n: n.into(), e: e.into(), bits, slow: OnceLock::new(), fast: Default::default() };
        if bits >= FAST_MIN_BITS {
            // sha256WithRSA is what JPKI uses everywhere: build it now, so a key aws-lc-rs
            // rejects fails here rather than at the first verification.
            if key.fast(FastAlg::Pkcs1Sha256).is_none() {
                return Err(KeyError::Rejected);
            }
        } else if key.slow().is_none() {
            return Err(KeyError::Rejected);
        }
        Ok(key)
    }

    /// Modulus, big-endian without leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.n
    }

    /// Public exponent, big-endian without leading zeros.
    pub fn exponent(&self) -> &[u8] {
        &self.e
    }

    /// Bit length of the modulus.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Length in bytes of a signature under this key (`k` of RFC 8017).
    pub fn size(&self) -> usize {
        self.bits.div_ceil(8)
    }

    /// DER `RSAPublicKey` (PKCS#1). Its SHA-1 is the JPKI subjectKeyIdentifier.
    pub fn to_pkcs1_der(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.n.len() + self.e.len() + 16);
        der_uint(&mut body, &self.n);
        der_uint(&mut body, &self.e);
        let mut out = Vec::with_capacity(body.len() + 4);
        der_header(&mut out, 0x30, body.len());
        out.extend_from_slice(&body);
        out
    }

    /// The aws-lc-rs key for `alg`, built on first use; `None` when the key is outside what
    /// aws-lc-rs verifies (below 2048 bits) or it refused the components.
    pub(crate) fn fast(&self, alg: FastAlg) -> Option<&ParsedPublicKey> {
        if self.bits < FAST_MIN_BITS {
            return None;
        }
        self.fast[alg.index()]
            .get_or_init(|| RsaPublicKeyComponents { n: &*self.n, e: &*self.e }.to_parsed_public_key(alg.params()).ok())
            .as_ref()
    }

    fn slow(&self) -> Option<&rsa::PublicKey> {
        self.slow
            .get_or_init(|| {
                let n = BoxedUint::from_be_slice_vartime(&self.n);
                let e = BoxedUint::from_be_slice_vartime(&self.e);
                rsa::PublicKey::new_with_size_limits(n, e, MIN_MODULUS_BITS..=MAX_MODULUS_BITS).ok()
            })
            .as_ref()
    }

    /// RSAVP1 (RFC 8017 §5.2.2): the encoded message `s^e mod n` as `k` bytes.
    pub(crate) fn public_op(&self, signature: &[u8]) -> Result<Vec<u8>, SignatureError> {
        let k = self.size();
        if signature.len() != k {
            return Err(SignatureError::WrongLength { expected: k, found: signature.len() });
        }
        let slow = self.slow().ok_or(SignatureError::Invalid)?;
        let s = BoxedUint::from_be_slice(signature, slow.n_bits_precision()).map_err(|_| SignatureError::Invalid)?;
        if s >= *slow.n().as_ref() {
            return Err(SignatureError::Invalid);
        }
        let m = rsa::hazmat::rsa_encrypt(slow, &s).map_err(|_| SignatureError::Invalid)?;
        let bytes = m.to_be_bytes();
        let mut em = vec![0u8; k];
        // The integer is stored at limb precision, possibly wider than k; it is < n, so the
        // extra leading bytes are zero.
        let take = bytes.len().min(k);
        em[k - take..].copy_from_slice(&bytes[bytes.len() - take..]);
        Ok(em)
    }
}

impl PartialEq for RsaPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.n == other.n && self.e == other.e
    }
}

impl Eq for RsaPublicKey {}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head: String = self.n.iter().take(8).map(|b| format!("{b:02x}")).collect();
        let e: String = self.e.iter().map(|b| format!("{b:02x}")).collect();
        write!(f, "RsaPublicKey {{ bits: {}, n: {head}…, e: 0x{e} }}", self.bits)
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn bit_len(be: &[u8]) -> usize {
    match be.first() {
        None => 0,
        Some(&top) => (be.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
    }
}

/// Reads `SEQUENCE { INTEGER n, INTEGER e }` in strict DER, returning the magnitudes.
fn parse_rsa_public_key(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (tag, body, rest) = der_tlv(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (t1, n, rest) = der_tlv(body)?;
    let (t2, e, rest) = der_tlv(rest)?;
    if t1 != 0x02 || t2 != 0x02 || !rest.is_empty() {
        return None;
    }
    Some((positive_integer(n)?, positive_integer(e)?))
}

/// The magnitude of a positive DER INTEGER, rejecting negative and non-minimal encodings.
fn positive_integer(v: &[u8]) -> Option<&[u8]> {
    match v {
        [] => None,
        [b, ..] if b & 0x80 != 0 => None,
        [0, b, ..] if b & 0x80 == 0 => None,
        [0, rest @ ..] => Some(rest),
        _ => Some(v),
    }
}

/// One DER TLV with a single-byte tag: (tag, value, rest).
pub(crate) fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1F == 0x1F {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        // DER: the long form only where needed, with no leading zero byte.
        if len < 0x80 || rest[0] == 0 {
            return None;
        }
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn der_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn der_uint(out: &mut Vec<u8>, magnitude: &[u8]) {
    let pad = magnitude.first().is_none_or(|&b| b & 0x80 != 0);
    der_header(out, 0x02, magnitude.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(magnitude);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_helpers() {
        assert_eq!(positive_integer(&[0x00, 0x80]), Some(&[0x80][..]));
        assert_eq!(positive_integer(&[0x00, 0x01]), None);
        assert_eq!(positive_integer(&[0x80]), None);
        assert_eq!(der_tlv(&[0x30, 0x81, 0x05, 1, 2, 3, 4, 5]), None);
        assert_eq!(der_tlv(&[0x04, 0x02, 1, 2, 3]), Some((0x04, &[1, 2][..], &[3][..])));
        assert_eq!(bit_len(&[0x01, 0x00]), 9);
    }

    #[test]
    fn rejects_bad_components() {
        let mut n = vec![0xC5u8; 256];
        n[255] = 0x01;
        assert!(matches!(
            RsaPublicKey::from_components(&n[..64], &[1, 0, 1]),
            Err(KeyError::ModulusSize { bits: 512 })
        ));
        let mut even = n.clone();
        even[255] = 0x02;
        assert!(matches!(RsaPublicKey::from_components(&even, &[1, 0, 1]), Err(KeyError::Modulus)));
        for bad_e in [&[2][..], &[], &[1], &[0x02, 0x00, 0x00, 0x00, 0x01]] {
            assert_eq!(RsaPublicKey::from_components(&n, bad_e).map(|_| ()), Err(KeyError::Exponent), "{bad_e:?}");
        }
        let key = RsaPublicKey::from_components(&n, &[0x01, 0xFF, 0xFF, 0xFF, 0xFF]).unwrap();
        assert_eq!((key.bits(), key.size()), (2048, 256));
    }
}
