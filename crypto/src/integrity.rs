//! The text AP's integrity record (EF 0003):
//! `FF30 { DF31 SHA-256(EF 0001), DF32 SHA-256(EF 0002 from DF22 to the end of FF20), DF33 signature }`.
//!
//! - DF31 digests all bytes of EF 0001 as read (17 on a card: `FF 10 0C`, 12 digits, `FF FF`).
//! - DF32 digests EF 0002 from the DF22 tag to the end of the FF20 value: the DF21 offset
//!   table and the outer header are left out (two sources agree, docs/research/jpki-facts.md §3.5).
//! - DF33 is RSASSA-PKCS1-v1_5 with SHA-256 over the DF31 and DF32 TLVs, headers included
//!   and the FF30 header excluded (the FF30 value before DF33), under the AP key that the
//!   CV certificate in EF 0004 certifies (docs/research/jpki-cert-profile.md §3, one source:
//!   soltia48/myna-card, tested against a JPKI test card).
//!
//! The signature is checked before the digests: when the record itself is altered the
//! error is [`IntegrityError::Signature`]; when a data file is altered under an intact
//! record it names the digest that no longer matches.

use hanko_codec::generated::files::{TextBasicFour, TextIntegrity, TextMyNumber};
use hanko_codec::tlv::ber::TlvIter;

use crate::cv::CvCertificate;
pub use crate::error::IntegrityError;
use crate::key::RsaPublicKey;
use crate::signature::{self, ct_eq, HashAlgorithm, Scheme};

/// The bytes of EF 0002 that DF32 digests: from the DF22 tag to the end of the FF20 value.
pub fn attributes_digest_range(ef0002: &[u8]) -> Result<&[u8], IntegrityError> {
    TextBasicFour::parse(ef0002).map_err(|error| IntegrityError::Decode { fid: 0x0002, error })?;
    // The codec has checked that DF21 comes first and its table points at DF22 right after it.
    let outer = TlvIter::new(ef0002).next().and_then(Result::ok);
    let table = outer.as_ref().and_then(|o| TlvIter::children(ef0002, o).next()).and_then(Result::ok);
    match (outer, table) {
        (Some(outer), Some(table)) => Ok(ef0002.get(table.end()..outer.end()).unwrap_or_default()),
        _ => Ok(&[]),
    }
}

/// The bytes DF33 signs: the DF31 and DF32 TLVs of the record.
pub fn signed_bytes(ef0003: &[u8]) -> Result<&[u8], IntegrityError> {
    TextIntegrity::parse(ef0003).map_err(|error| IntegrityError::Decode { fid: 0x0003, error })?;
    let outer = TlvIter::new(ef0003).next().and_then(Result::ok);
    let children: Vec<_> =
        outer.as_ref().map(|o| TlvIter::children(ef0003, o).filter_map(Result::ok).collect()).unwrap_or_default();
    match children.as_slice() {
        [first, _, sig] => Ok(ef0003.get(first.offset..sig.offset).unwrap_or_default()),
        _ => Ok(&[]),
    }
}

/// Verifies EF 0003 against EF 0001 and EF 0002 under the AP key (from EF 0004, see
/// [`verify_text_ap`]).
pub fn verify_record(ef0001: &[u8], ef0002: &[u8], ef0003: &[u8], ap_key: &RsaPublicKey) -> Result<(), IntegrityError> {
    TextMyNumber::parse(ef0001).map_err(|error| IntegrityError::Decode { fid: 0x0001, error })?;
    let attributes = attributes_digest_range(ef0002)?;
    let signed = signed_bytes(ef0003)?;
    let record = TextIntegrity::parse(ef0003).map_err(|error| IntegrityError::Decode { fid: 0x0003, error })?;

    signature::verify(ap_key, signed, record.signature, Scheme::Pkcs1v15(HashAlgorithm::Sha256))
        .map_err(IntegrityError::Signature)?;
    let my_number = signature::hash_of(HashAlgorithm::Sha256, ef0001);
    if !ct_eq(my_number.as_ref(), record.my_number_digest) {
        return Err(IntegrityError::MyNumberDigest);
    }
    let attrs = signature::hash_of(HashAlgorithm::Sha256, attributes);
    if !ct_eq(attrs.as_ref(), record.attributes_digest) {
        return Err(IntegrityError::AttributesDigest);
    }
    Ok(())
}

/// Verifies the CV certificate (EF 0004) under `cv_issuer_key`, then the integrity record
/// (EF 0003) over EF 0001 and EF 0002 under the key it certifies.
pub fn verify_text_ap(
    ef0001: &[u8],
    ef0002: &[u8],
    ef0003: &[u8],
    ef0004: &[u8],
    cv_issuer_key: &RsaPublicKey,
) -> Result<(), IntegrityError> {
    let cv = CvCertificate::parse(ef0004)?;
    cv.verify(cv_issuer_key)?;
    let ap_key = cv.public_key()?;
    verify_record(ef0001, ef0002, ef0003, &ap_key)
}
