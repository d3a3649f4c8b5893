//! The text AP's card-verifiable certificate (EF 0004):
//! `7F21 { 5F4E (issuer key id 16 | subject key id 16 | 90 e | 91 n), 5F37 signature }`.
//!
//! Signature scheme: RSASSA-PKCS1-v1_5 with SHA-256 over the `5F4E` **value** (297 bytes
//! on a card; the `5F 4E 82 01 29` header is not signed), as soltia48/myna-card verifies
//! the test card's text-AP, surface-AP and MF CV certificates
//! (docs/research/jpki-cert-profile.md §3, one source). The issuer keys are not on the card;
//! the caller supplies the issuer's key.

use hanko_codec::generated::files::TextCvCertificate;
use hanko_codec::tlv::ber::{Tlv, TlvIter};

pub use crate::error::CvError;
use crate::key::RsaPublicKey;
use crate::signature::{self, HashAlgorithm, Scheme};

/// A decoded EF 0004.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CvCertificate<'a> {
    /// The codec's fields.
    pub fields: TextCvCertificate<'a>,
    body: &'a [u8],
}

impl<'a> CvCertificate<'a> {
    /// Decodes EF 0004 as READ BINARY returns it.
    pub fn parse(ef0004: &'a [u8]) -> Result<Self, CvError> {
        let fields = TextCvCertificate::parse(ef0004).map_err(CvError::Decode)?;
        // The codec has checked the layout; find the 5F4E value's bytes in the input.
        let body = first(TlvIter::new(ef0004))
            .and_then(|outer| first(TlvIter::children(ef0004, &outer)))
            .map(|content| content.value)
            .unwrap_or_default();
        Ok(Self { fields, body })
    }

    /// 証明者鍵ID: the key that signed this certificate.
    pub fn issuer_key_id(&self) -> &'a [u8] {
        self.fields.issuer_key_id
    }

    /// 被証明者鍵ID: the key certified.
    pub fn subject_key_id(&self) -> &'a [u8] {
        self.fields.subject_key_id
    }

    /// The bytes `5F37` signs: the `5F4E` value.
    pub fn signed_bytes(&self) -> &'a [u8] {
        self.body
    }

    pub fn signature(&self) -> &'a [u8] {
        self.fields.signature
    }

    /// The certified RSA key (`91` modulus, `90` exponent).
    pub fn public_key(&self) -> Result<RsaPublicKey, CvError> {
        RsaPublicKey::from_components(self.fields.modulus, self.fields.public_exponent).map_err(CvError::Key)
    }

    /// Verifies `5F37` under the issuer's key.
    pub fn verify(&self, issuer_key: &RsaPublicKey) -> Result<(), CvError> {
        signature::verify(issuer_key, self.body, self.fields.signature, Scheme::Pkcs1v15(HashAlgorithm::Sha256))
            .map_err(CvError::Signature)
    }
}

fn first<'a>(mut iter: TlvIter<'a>) -> Option<Tlv<'a>> {
    iter.next().and_then(Result::ok)
}
