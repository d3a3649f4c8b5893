//! Every error the verify core returns. Each names what failed precisely enough for a
//! one-line message, and none carries private material.

use core::fmt;

use hanko_codec::field::HashAlgorithm;

use crate::chain::Purpose;
use crate::crl::RevocationReason;
use crate::profile::{key_usage_names, KeyUsage, Kind};
use crate::time::UnixTime;

/// Text that is not an RFC 3339 time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeError {
    Invalid(String),
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(text) => write!(f, "not an RFC 3339 time: {text:?}"),
        }
    }
}

impl std::error::Error for TimeError {}

/// An RSA public key that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// The encoding is not a SubjectPublicKeyInfo / RSAPublicKey.
    Malformed(String),
    /// The SubjectPublicKeyInfo names another algorithm (dotted OID).
    NotRsa { algorithm: String },
    /// The modulus is outside 1024–8192 bits.
    ModulusSize { bits: usize },
    /// The modulus is even or not larger than the exponent.
    Modulus,
    /// The exponent is even, below 3 or above 2^33 − 1.
    Exponent,
    /// aws-lc-rs refused the components.
    Rejected,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(why) => write!(f, "malformed public key: {why}"),
            Self::NotRsa { algorithm } => write!(f, "not an RSA key (algorithm {algorithm})"),
            Self::ModulusSize { bits } => write!(f, "RSA modulus of {bits} bits (1024 to 8192 accepted)"),
            Self::Modulus => f.write_str("invalid RSA modulus"),
            Self::Exponent => f.write_str("invalid RSA public exponent"),
            Self::Rejected => f.write_str("RSA key refused by aws-lc"),
        }
    }
}

impl std::error::Error for KeyError {}

/// Why a signature does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// A length is wrong before any arithmetic: the signature is not as long as the modulus,
    /// a given digest is not as long as its algorithm's output, or the data to be signed in
    /// the raw form does not fit in a PKCS#1 block.
    WrongLength { expected: usize, found: usize },
    /// The recovered block is not `00 01 FF…FF 00 T` (PKCS#1 v1.5, at least 8 FF), or not a
    /// well-formed EMSA-PSS encoding (top bits, trailer `BC`, `00…01` separator).
    BadPadding,
    /// The recovered DigestInfo names another hash algorithm (`found: Some`), or the bytes
    /// after the padding are not one of the four DigestInfos (`found: None`).
    DigestInfoMismatch { expected: HashAlgorithm, found: Option<HashAlgorithm> },
    /// The card's bare-hash form was expected (P1=01), but the signature holds a DigestInfo.
    UnexpectedDigestInfo { found: HashAlgorithm },
    /// PSS with a fixed salt length: the encoding holds a salt of another length.
    SaltLength { expected: usize, found: usize },
    /// The right structure and algorithm, but another digest (or, in the raw form, other
    /// signed bytes).
    DigestMismatch,
    /// The signature is not a number below the modulus, or the two verification engines
    /// disagree (which would be a bug).
    Invalid,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength { expected, found } => {
                write!(f, "wrong length: {found} bytes where {expected} are needed")
            }
            Self::BadPadding => f.write_str("bad padding"),
            Self::DigestInfoMismatch { expected, found: Some(found) } => {
                write!(f, "DigestInfo names {} where {} was expected", <&str>::from(found), <&str>::from(expected))
            }
            Self::DigestInfoMismatch { expected, found: None } => {
                write!(f, "no {} DigestInfo after the padding", <&str>::from(expected))
            }
            Self::UnexpectedDigestInfo { found } => {
                write!(f, "a {} DigestInfo where a bare SHA-256 hash was expected", <&str>::from(found))
            }
            Self::SaltLength { expected, found } => {
                write!(f, "PSS salt of {found} bytes where {expected} were expected")
            }
            Self::DigestMismatch => f.write_str("digest mismatch"),
            Self::Invalid => f.write_str("invalid signature"),
        }
    }
}

impl std::error::Error for SignatureError {}

/// A certificate that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileError {
    /// PEM armour without a readable body.
    Pem(String),
    /// Not a DER X.509 certificate.
    Der(String),
    /// Bytes after the certificate.
    TrailingData { extra: usize },
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pem(why) => write!(f, "bad PEM: {why}"),
            Self::Der(why) => write!(f, "not a DER certificate: {why}"),
            Self::TrailingData { extra } => write!(f, "{extra} bytes after the certificate"),
        }
    }
}

impl std::error::Error for ProfileError {}

/// A CRL that fails its own checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrlError {
    /// Not a DER (or PEM) CRL.
    Parse(String),
    /// The signature algorithm is not RSA PKCS#1 v1.5 with SHA-1/256/384/512 (dotted OID).
    UnsupportedAlgorithm { oid: String },
    /// Signed with SHA-1 and SHA-1 is not allowed.
    WeakAlgorithm(HashAlgorithm),
    /// The outer and TBS signature algorithms differ.
    AlgorithmMismatch,
    /// The signature does not verify under the issuer's key.
    BadSignature(SignatureError),
    /// The issuer's key usage lacks cRLSign.
    IssuerKeyUsage { found: KeyUsage },
    /// thisUpdate is after the time of the check.
    NotYetValid { this_update: UnixTime, at: UnixTime },
    /// nextUpdate is before the time of the check.
    Expired { next_update: UnixTime, at: UnixTime },
    /// A critical CRL or entry extension hanko does not process (dotted OID).
    UnknownCriticalExtension { oid: String },
    /// A CRL kind hanko does not handle (delta, indirect, partitioned by reason).
    Unsupported(&'static str),
}

impl fmt::Display for CrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse(why) => write!(f, "unreadable CRL: {why}"),
            Self::UnsupportedAlgorithm { oid } => write!(f, "CRL signature algorithm {oid} is not supported"),
            Self::WeakAlgorithm(alg) => write!(f, "CRL signed with {} (not allowed)", <&str>::from(alg)),
            Self::AlgorithmMismatch => f.write_str("CRL signature algorithm differs from the one in its TBS"),
            Self::BadSignature(e) => write!(f, "CRL signature: {e}"),
            Self::IssuerKeyUsage { found } => {
                write!(f, "CRL issuer's key usage ({}) lacks cRLSign", key_usage_names(*found))
            }
            Self::NotYetValid { this_update, at } => {
                write!(f, "CRL not valid before {this_update} (checked at {at})")
            }
            Self::Expired { next_update, at } => write!(f, "CRL stale since {next_update} (checked at {at})"),
            Self::UnknownCriticalExtension { oid } => write!(f, "CRL has unknown critical extension {oid}"),
            Self::Unsupported(what) => write!(f, "unsupported CRL: {what}"),
        }
    }
}

impl std::error::Error for CrlError {}

/// The check of [`crate::chain::verify_chain`] that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// The certificate is not DER X.509 (or PEM of it).
    Parse(ProfileError),
    /// The subject key is not a usable RSA key.
    Key(KeyError),
    /// The signature algorithm is not RSA PKCS#1 v1.5 with SHA-1/256/384/512 (dotted OID).
    UnsupportedAlgorithm {
        oid: String,
    },
    /// Signed with a hash that is refused (SHA-1 without `allow_sha1`).
    WeakAlgorithm(HashAlgorithm),
    /// The outer and TBS signature algorithms differ.
    AlgorithmMismatch,
    /// The issuer's key does not verify the signature.
    Signature(SignatureError),
    NotYetValid {
        not_before: UnixTime,
        at: UnixTime,
    },
    Expired {
        not_after: UnixTime,
        at: UnixTime,
    },
    /// The key usage lacks bits the certificate's role needs (`found: None`: no extension).
    KeyUsage {
        required: KeyUsage,
        found: Option<KeyUsage>,
    },
    /// An issuing certificate is not CA:TRUE.
    NotCa,
    /// More CA certificates below this one than its pathLenConstraint allows.
    PathLength {
        limit: u32,
        found: u32,
    },
    /// A critical extension hanko does not process (dotted OID).
    UnknownCriticalExtension {
        oid: String,
    },
    /// The certificate's policy names another purpose than the one required.
    Purpose {
        required: Purpose,
        found: Kind,
    },
    /// The only candidate issuer has the right key identifier but another subject name.
    IssuerName {
        expected: String,
        found: String,
    },
    /// Candidate issuers have the right name but another subjectKeyIdentifier than the
    /// certificate's authorityKeyIdentifier (hex).
    KeyIdentifier {
        expected: String,
        found: String,
    },
    /// The certificate is on a supplied CRL.
    Revoked {
        serial: Vec<u8>,
        date: UnixTime,
        reason: Option<RevocationReason>,
    },
    /// A supplied CRL for this certificate fails its own checks.
    Crl(CrlError),
    /// `require_revocation_check` is set and no supplied CRL covers this certificate.
    NoCrl,
    /// No anchor (and no intermediate leading to one) issues this certificate.
    UntrustedIssuer {
        issuer: String,
    },
    /// The path grew beyond the depth limit.
    TooLong {
        limit: usize,
    },
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse(e) => write!(f, "{e}"),
            Self::Key(e) => write!(f, "{e}"),
            Self::UnsupportedAlgorithm { oid } => write!(f, "signature algorithm {oid} is not supported"),
            Self::WeakAlgorithm(alg) => write!(f, "signed with {} (not allowed without allow_sha1)", <&str>::from(alg)),
            Self::AlgorithmMismatch => f.write_str("signature algorithm differs from the one in the TBS"),
            Self::Signature(e) => write!(f, "signature by the issuer does not verify: {e}"),
            Self::NotYetValid { not_before, at } => write!(f, "not valid before {not_before} (checked at {at})"),
            Self::Expired { not_after, at } => write!(f, "expired on {not_after} (checked at {at})"),
            Self::KeyUsage { required, found: Some(found) } => {
                write!(
                    f,
                    "key usage ({}) lacks {}",
                    key_usage_names(*found),
                    key_usage_names(required.difference(*found))
                )
            }
            Self::KeyUsage { required, found: None } => {
                write!(f, "no key usage extension (needs {})", key_usage_names(*required))
            }
            Self::NotCa => f.write_str("issues certificates but is not CA:TRUE"),
            Self::PathLength { limit, found } => {
                write!(f, "pathLenConstraint {limit} exceeded by {found} CA certificates below")
            }
            Self::UnknownCriticalExtension { oid } => write!(f, "unknown critical extension {oid}"),
            Self::Purpose { required, found } => write!(f, "{found} certificate where {required} is required"),
            Self::IssuerName { expected, found } => {
                write!(f, "issuer name {expected} does not match the key's certificate {found}")
            }
            Self::KeyIdentifier { expected, found } => {
                write!(f, "authority key id {expected} matches no issuer (found {found})")
            }
            Self::Revoked { serial, date, reason } => {
                write!(f, "serial {} revoked on {date}", hex(serial))?;
                if let Some(reason) = reason {
                    write!(f, " ({reason})")?;
                }
                Ok(())
            }
            Self::Crl(e) => write!(f, "{e}"),
            Self::NoCrl => f.write_str("no CRL covers it and a revocation check is required"),
            Self::UntrustedIssuer { issuer } => write!(f, "no trust anchor issues it (issuer {issuer})"),
            Self::TooLong { limit } => write!(f, "path longer than {limit} certificates"),
        }
    }
}

/// A chain verification failure: which certificate, and which check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainError {
    /// Position in the path: 0 is the end entity, then its issuers; an anchor's position is
    /// the length of the path below it.
    pub certificate: usize,
    /// The certificate's subject (RFC 4514 style, as x509-parser prints it), or `?` when it
    /// could not be parsed.
    pub subject: String,
    pub check: Check,
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "certificate {} ({}): {}", self.certificate, self.subject, self.check)
    }
}

impl std::error::Error for ChainError {}

/// A trust anchor that cannot be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnchorError {
    Parse(ProfileError),
    Key(KeyError),
}

impl fmt::Display for AnchorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse(e) => write!(f, "trust anchor: {e}"),
            Self::Key(e) => write!(f, "trust anchor key: {e}"),
        }
    }
}

impl std::error::Error for AnchorError {}

/// A card-verifiable certificate (EF 0004) that does not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CvError {
    /// The bytes are not a CV certificate.
    Decode(hanko_codec::Error),
    /// The certified key is unusable.
    Key(KeyError),
    /// The issuer key does not verify `5F37`.
    Signature(SignatureError),
}

impl fmt::Display for CvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => write!(f, "CV certificate: {e}"),
            Self::Key(e) => write!(f, "CV certificate key: {e}"),
            Self::Signature(e) => write!(f, "CV certificate signature: {e}"),
        }
    }
}

impl std::error::Error for CvError {}

/// The text AP integrity check that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntegrityError {
    /// A file does not decode; `fid` is its file identifier (0x0001..0x0004).
    Decode { fid: u16, error: hanko_codec::Error },
    /// DF31 is not the SHA-256 of EF 0001.
    MyNumberDigest,
    /// DF32 is not the SHA-256 of EF 0002 from DF22 to the end of FF20.
    AttributesDigest,
    /// DF33 does not verify under the AP key.
    Signature(SignatureError),
    /// The CV certificate's `5F37` does not verify under the given issuer key.
    CvSignature(SignatureError),
    /// The key in the CV certificate is unusable.
    CvKey(KeyError),
}

impl fmt::Display for IntegrityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode { fid, error } => write!(f, "EF {fid:04X}: {error}"),
            Self::MyNumberDigest => f.write_str("my-number digest (DF31) does not match EF 0001"),
            Self::AttributesDigest => f.write_str("attributes digest (DF32) does not match EF 0002"),
            Self::Signature(e) => write!(f, "integrity signature (DF33): {e}"),
            Self::CvSignature(e) => write!(f, "CV certificate signature (5F37): {e}"),
            Self::CvKey(e) => write!(f, "CV certificate key: {e}"),
        }
    }
}

impl std::error::Error for IntegrityError {}

impl From<CvError> for IntegrityError {
    fn from(e: CvError) -> Self {
        match e {
            CvError::Decode(error) => Self::Decode { fid: 0x0004, error },
            CvError::Key(k) => Self::CvKey(k),
            CvError::Signature(s) => Self::CvSignature(s),
        }
    }
}
