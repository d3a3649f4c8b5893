//! Certificate path validation for JPKI: end entity → (intermediates) → trust anchor.
//!
//! Real JPKI end-entity certificates are issued directly by a self-signed J-LIS root, and
//! the roots of 2015, 2019 and 2023 share one subject name, so the issuer is found by name,
//! then key identifier when both sides carry one, then signature: every candidate is tried
//! (docs/research/jpki-cert-profile.md §1.1).
//!
//! Each failure is a [`Check`] on one certificate of the path ([`ChainError`]); the order of
//! the checks per certificate is: critical extensions, signature algorithm, validity,
//! role (purpose and KeyUsage of the end entity; BasicConstraints, KeyUsage and pathLen of
//! issuers), then the issuer's signature; revocation is checked once the path reaches an
//! anchor, end entity first.

use std::borrow::Cow;
use std::cell::Cell;

use crate::crl::{self, Crl, RevocationReason};
pub use crate::error::{AnchorError, ChainError, Check};
use crate::generated::pki;
use crate::key::RsaPublicKey;
use crate::profile::{self, BasicConstraints, Certificate, Generation, KeyUsage, Kind};
use crate::signature::{self, HashAlgorithm, Scheme};
use crate::time::UnixTime;

/// What the end-entity certificate must be good for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// 利用者証明用 (and the project's sub certificate, an authentication credential):
    /// KeyUsage digitalSignature.
    Authentication,
    /// 署名用: KeyUsage digitalSignature and nonRepudiation.
    Signing,
}

impl core::fmt::Display for Purpose {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Authentication => "authentication",
            Self::Signing => "signing",
        })
    }
}

/// Verification options. `Options::default()` is the strict setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Required purpose; `None` infers it from the end entity's policy OID (and checks no
    /// KeyUsage when the certificate has no JPKI policy).
    pub purpose: Option<Purpose>,
    /// Accept sha1WithRSAEncryption on certificates and CRLs. Off by default, as OpenSSL 3
    /// refuses SHA-1 signatures at its default security level; when on, every SHA-1
    /// signature accepted is listed in [`Report::sha1_signatures`].
    pub allow_sha1: bool,
    /// Fail with [`Check::NoCrl`] when no supplied CRL covers a certificate of the path.
    pub require_revocation_check: bool,
    /// Longest path accepted, anchor included.
    pub max_depth: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self { purpose: None, allow_sha1: false, require_revocation_check: false, max_depth: 8 }
    }
}

impl Options {
    pub fn for_purpose(purpose: Purpose) -> Self {
        Self { purpose: Some(purpose), ..Self::default() }
    }
}

/// A trusted CA certificate with its key parsed once.
#[derive(Clone, Debug)]
pub struct Anchor {
    der: Vec<u8>,
    key: RsaPublicKey,
    subject: String,
    subject_raw: Vec<u8>,
    serial: Vec<u8>,
    subject_key_id: Option<Vec<u8>>,
    kind: Kind,
    generation: Option<Generation>,
    not_before: UnixTime,
    not_after: UnixTime,
    key_usage: Option<KeyUsage>,
    basic_constraints: Option<BasicConstraints>,
    unknown_critical: Option<String>,
}

impl Anchor {
    /// From a CA certificate, DER or PEM.
    pub fn new(input: &[u8]) -> Result<Self, AnchorError> {
        let der = profile::der_from_pem_or_der(input, &["CERTIFICATE"]).map_err(AnchorError::Parse)?;
        let cert = Certificate::from_der(&der).map_err(AnchorError::Parse)?;
        let key = cert.public_key().map_err(AnchorError::Key)?;
        Ok(Self {
            key,
            subject: cert.subject(),
            subject_raw: cert.subject_raw().to_vec(),
            serial: cert.serial().to_vec(),
            subject_key_id: cert.subject_key_id().map(<[u8]>::to_vec),
            kind: cert.kind(),
            generation: cert.generation(),
            not_before: cert.not_before(),
            not_after: cert.not_after(),
            key_usage: cert.key_usage(),
            basic_constraints: cert.basic_constraints(),
            unknown_critical: cert.unknown_critical_extensions().into_iter().next(),
            der: der.into_owned(),
        })
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate, parsed again (it parsed when the anchor was built).
    pub fn certificate(&self) -> Result<Certificate<'_>, crate::error::ProfileError> {
        Certificate::from_der(&self.der)
    }

    pub fn key(&self) -> &RsaPublicKey {
        &self.key
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Serial number (DER INTEGER content).
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.subject_key_id.as_deref()
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn generation(&self) -> Option<Generation> {
        self.generation
    }

    pub fn not_before(&self) -> UnixTime {
        self.not_before
    }

    pub fn not_after(&self) -> UnixTime {
        self.not_after
    }

    pub fn is_valid_at(&self, at: UnixTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }

    /// Verifies the certificate's own signature with its own key (a self-signed root).
    pub fn verify_self_signed(&self) -> Result<(), Check> {
        let cert = self.certificate().map_err(Check::Parse)?;
        let hash = signature_algorithm(&cert, true)?;
        signature::verify(&self.key, cert.tbs(), cert.signature_value(), Scheme::Pkcs1v15(hash))
            .map_err(Check::Signature)
    }
}

/// Whether a certificate of the path was checked against a CRL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Covered by this many supplied CRLs, none listing it.
    Good { crls: usize },
    /// No supplied CRL covers it.
    NotChecked,
}

/// One certificate of a verified path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathEntry {
    pub subject: String,
    pub serial: Vec<u8>,
    pub kind: Kind,
    pub not_before: UnixTime,
    pub not_after: UnixTime,
    /// Hash of the signature made by the next certificate up (`None` for the anchor, whose
    /// own signature is not part of path validation).
    pub signature_hash: Option<HashAlgorithm>,
    /// `None` for the anchor.
    pub revocation: Option<RevocationStatus>,
}

/// The outcome of a successful verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// End entity first, anchor last.
    pub path: Vec<PathEntry>,
    /// Index into the `anchors` slice of the anchor that terminates the path.
    pub anchor: usize,
    /// The end entity's kind.
    pub kind: Kind,
    /// The purpose checked (given or inferred), `None` if none applied.
    pub purpose: Option<Purpose>,
    /// True when the purpose came from the end entity's policy OID, not from the options.
    pub purpose_inferred: bool,
    /// Positions of certificates accepted with a SHA-1 signature (only with `allow_sha1`).
    pub sha1_signatures: Vec<usize>,
    /// SHA-1-signed CRLs accepted (only with `allow_sha1`), as positions of the certificate
    /// they were checked for.
    pub sha1_crls: Vec<usize>,
}

/// Validates `ee` (DER or PEM) up to one of `anchors` at time `at`.
///
/// `intermediates` may come in any order and may include unrelated certificates;
/// unparseable ones are ignored (they cannot be placed in a path). `crls` (DER or PEM) are
/// matched to certificates with [`Crl::covers`]; one that matches must pass its own
/// checks; a CRL that does not parse fails the verification.
pub fn verify_chain(
    ee: &[u8],
    intermediates: &[&[u8]],
    anchors: &[Anchor],
    crls: &[&[u8]],
    at: UnixTime,
    options: &Options,
) -> Result<Report, ChainError> {
    let fail = |certificate: usize, subject: &str, check: Check| ChainError {
        certificate,
        subject: subject.to_owned(),
        check,
    };
    let ee_der = profile::der_from_pem_or_der(ee, &["CERTIFICATE"]).map_err(|e| fail(0, "?", Check::Parse(e)))?;
    let ee = Certificate::from_der(&ee_der).map_err(|e| fail(0, "?", Check::Parse(e)))?;

    let inter_der: Vec<Cow<'_, [u8]>> =
        intermediates.iter().filter_map(|i| profile::der_from_pem_or_der(i, &["CERTIFICATE"]).ok()).collect();
    let inters: Vec<Certificate<'_>> = inter_der.iter().filter_map(|d| Certificate::from_der(d).ok()).collect();

    let crl_der: Vec<Cow<'_, [u8]>> = crls
        .iter()
        .map(|c| crl::decode(c))
        .collect::<Result<_, _>>()
        .map_err(|e| fail(0, &ee.subject(), Check::Crl(e)))?;
    let crls: Vec<Crl<'_>> = crl_der
        .iter()
        .map(|d| Crl::from_der(d))
        .collect::<Result<_, _>>()
        .map_err(|e| fail(0, &ee.subject(), Check::Crl(e)))?;

    // The end entity's role.
    let inferred = match ee.kind() {
        Kind::Authentication | Kind::SubCertificate => Some(Purpose::Authentication),
        Kind::Signing => Some(Purpose::Signing),
        _ => None,
    };
    let purpose = options.purpose.or(inferred);

    let builder = Builder {
        anchors,
        inters: &inters,
        at,
        options,
        required: options.purpose,
        purpose,
        budget: Cell::new(MAX_ATTEMPTS),
    };
    let mut state =
        PathState { path: vec![&ee], keys: Vec::new(), hashes: Vec::new(), used: vec![false; inters.len()] };
    let anchor_index = builder.extend(&mut state)?;
    let PathState { path, keys, hashes, .. } = state;
    let anchor = &anchors[anchor_index];

    // Revocation, end entity first.
    let mut sha1_crls = Vec::new();
    let mut revocation = Vec::with_capacity(path.len());
    for (j, cert) in path.iter().enumerate() {
        let (issuer_key, issuer_ku, issuer_ski) = if j + 1 < path.len() {
            (&keys[j], path[j + 1].key_usage(), path[j + 1].subject_key_id())
        } else {
            (&keys[j], anchor.key_usage, anchor.subject_key_id.as_deref())
        };
        let err = |check: Check| fail(j, &cert.subject(), check);
        let mut covering = 0;
        for crl in crls.iter().filter(|c| c.covers(cert)) {
            // A CRL of another key generation under the same name is not this issuer's.
            if let (Some(a), Some(s)) = (crl.authority_key_id(), issuer_ski) {
                if a != s {
                    continue;
                }
            }
            covering += 1;
            let hash = crl.check(issuer_key, issuer_ku, at, options.allow_sha1).map_err(|e| err(Check::Crl(e)))?;
            if hash == HashAlgorithm::Sha1 {
                sha1_crls.push(j);
            }
            if let Some(r) = crl.revocation(cert.serial()) {
                return Err(err(revoked(cert.serial(), r.date, r.reason)));
            }
        }
        if covering == 0 && options.require_revocation_check {
            return Err(err(Check::NoCrl));
        }
        revocation.push(if covering == 0 {
            RevocationStatus::NotChecked
        } else {
            RevocationStatus::Good { crls: covering }
        });
    }

    let mut entries: Vec<PathEntry> = path
        .iter()
        .enumerate()
        .map(|(j, c)| PathEntry {
            subject: c.subject(),
            serial: c.serial().to_vec(),
            kind: c.kind(),
            not_before: c.not_before(),
            not_after: c.not_after(),
            signature_hash: Some(hashes[j]),
            revocation: Some(revocation[j]),
        })
        .collect();
    entries.push(PathEntry {
        subject: anchor.subject.clone(),
        serial: anchor.serial.clone(),
        kind: anchor.kind,
        not_before: anchor.not_before,
        not_after: anchor.not_after,
        signature_hash: None,
        revocation: None,
    });
    Ok(Report {
        path: entries,
        anchor: anchor_index,
        kind: ee.kind(),
        purpose,
        purpose_inferred: options.purpose.is_none() && purpose.is_some(),
        sha1_signatures: hashes.iter().enumerate().filter(|(_, &h)| h == HashAlgorithm::Sha1).map(|(j, _)| j).collect(),
        sha1_crls,
    })
}

fn revoked(serial: &[u8], date: UnixTime, reason: Option<RevocationReason>) -> Check {
    Check::Revoked { serial: serial.to_vec(), date, reason }
}

fn signature_algorithm(cert: &Certificate<'_>, allow_sha1: bool) -> Result<HashAlgorithm, Check> {
    if !cert.signature_algorithms_agree() {
        return Err(Check::AlgorithmMismatch);
    }
    let hash = cert.signature_hash().map_err(|oid| Check::UnsupportedAlgorithm { oid })?;
    if hash == HashAlgorithm::Sha1 && !allow_sha1 {
        return Err(Check::WeakAlgorithm(hash));
    }
    Ok(hash)
}

fn check_validity(not_before: UnixTime, not_after: UnixTime, at: UnixTime) -> Result<(), Check> {
    if at < not_before {
        return Err(Check::NotYetValid { not_before, at });
    }
    if at > not_after {
        return Err(Check::Expired { not_after, at });
    }
    Ok(())
}

/// Purpose and KeyUsage of the end entity. With a purpose (given or inferred) the
/// KeyUsage extension must be present, as the JPKI profile always marks it critical.
fn check_end_entity(cert: &Certificate<'_>, required: Option<Purpose>, purpose: Option<Purpose>) -> Result<(), Check> {
    let kind = cert.kind();
    if let Some(required) = required {
        let fits = match required {
            Purpose::Authentication => matches!(kind, Kind::Authentication | Kind::SubCertificate | Kind::Other),
            Purpose::Signing => matches!(kind, Kind::Signing | Kind::Other),
        };
        if !fits {
            return Err(Check::Purpose { required, found: kind });
        }
    }
    let Some(purpose) = purpose else { return Ok(()) };
    let needed = match (purpose, kind) {
        (Purpose::Authentication, Kind::SubCertificate) => pki::HANKO_SUB_AUTHENTICATION.key_usage,
        (Purpose::Authentication, _) => pki::JPKI_AUTHENTICATION.key_usage,
        (Purpose::Signing, _) => pki::JPKI_SIGNING.key_usage,
    };
    match cert.key_usage() {
        None => Err(Check::KeyUsage { required: needed, found: None }),
        Some(found) if !found.contains(needed) => Err(Check::KeyUsage { required: needed, found: Some(found) }),
        Some(_) => Ok(()),
    }
}

/// An issuer must be CA:TRUE, have keyCertSign when KeyUsage is present, and allow
/// `cas_below` CA certificates under it.
fn check_issuer_role(bc: Option<BasicConstraints>, ku: Option<KeyUsage>, cas_below: usize) -> Result<(), Check> {
    let Some(bc) = bc.filter(|bc| bc.ca) else { return Err(Check::NotCa) };
    if let Some(found) = ku {
        if !found.contains(KeyUsage::KEY_CERT_SIGN) {
            return Err(Check::KeyUsage { required: KeyUsage::KEY_CERT_SIGN, found: Some(found) });
        }
    }
    if let Some(limit) = bc.path_len {
        let found = u32::try_from(cas_below).unwrap_or(u32::MAX);
        if found > limit {
            return Err(Check::PathLength { limit, found });
        }
    }
    Ok(())
}

fn key_ids_compatible(aki: Option<&[u8]>, ski: Option<&[u8]>) -> bool {
    match (aki, ski) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    }
}

fn hex(bytes: Option<&[u8]>) -> String {
    bytes.map_or_else(|| "none".into(), |b| b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Candidate issuers tried in one verification, across all branches: bounds the work a
/// pile of same-name certificates can cause.
const MAX_ATTEMPTS: usize = 64;

struct Builder<'b, 'c> {
    anchors: &'b [Anchor],
    inters: &'b [Certificate<'c>],
    at: UnixTime,
    options: &'b Options,
    required: Option<Purpose>,
    purpose: Option<Purpose>,
    budget: Cell<usize>,
}

/// The path so far: `keys[i]` is the key of the issuer of `path[i]`, `hashes[i]` the hash
/// of `path[i]`'s signature.
struct PathState<'b, 'c> {
    path: Vec<&'b Certificate<'c>>,
    keys: Vec<Cow<'b, RsaPublicKey>>,
    hashes: Vec<HashAlgorithm>,
    used: Vec<bool>,
}

impl<'b, 'c> Builder<'b, 'c> {
    fn fail(&self, certificate: usize, subject: String, check: Check) -> ChainError {
        ChainError { certificate, subject, check }
    }

    /// Checks the top certificate of `state.path` and finds it an issuer, depth first:
    /// anchors before intermediates (the shortest path), each by name, key identifier and
    /// signature. A candidate that leads nowhere is abandoned for the next; when none
    /// succeeds, the error is the first candidate's (the most preferred path).
    fn extend(&self, state: &mut PathState<'b, 'c>) -> Result<usize, ChainError> {
        let i = state.path.len() - 1;
        let cert = state.path[i];
        let err = |check: Check| self.fail(i, cert.subject(), check);

        if let Some(oid) = cert.unknown_critical_extensions().into_iter().next() {
            return Err(err(Check::UnknownCriticalExtension { oid }));
        }
        let hash = signature_algorithm(cert, self.options.allow_sha1).map_err(err)?;
        check_validity(cert.not_before(), cert.not_after(), self.at).map_err(err)?;
        if i == 0 {
            check_end_entity(cert, self.required, self.purpose).map_err(err)?;
        } else {
            check_issuer_role(cert.basic_constraints(), cert.key_usage(), i - 1).map_err(err)?;
        }

        let issuer = cert.issuer_raw();
        let aki = cert.authority_key_id();
        let verify =
            |key: &RsaPublicKey| signature::verify(key, cert.tbs(), cert.signature_value(), Scheme::Pkcs1v15(hash));
        let mut first_error: Option<ChainError> = None;
        let mut name_only: Option<Option<&[u8]>> = None;

        for (a, anchor) in self.anchors.iter().enumerate() {
            if anchor.subject_raw != issuer {
                continue;
            }
            if !key_ids_compatible(aki, anchor.subject_key_id.as_deref()) {
                name_only.get_or_insert(anchor.subject_key_id.as_deref());
                continue;
            }
            if !self.spend() {
                break;
            }
            let outcome = verify(&anchor.key).map_err(|e| err(Check::Signature(e))).and_then(|()| {
                let top = i + 1;
                let anchor_err = |check: Check| self.fail(top, anchor.subject.clone(), check);
                if let Some(oid) = &anchor.unknown_critical {
                    return Err(anchor_err(Check::UnknownCriticalExtension { oid: oid.clone() }));
                }
                check_validity(anchor.not_before, anchor.not_after, self.at).map_err(anchor_err)?;
                // A v1 root without BasicConstraints is still a trust anchor; CA:FALSE is not.
                let bc = anchor.basic_constraints.or(Some(BasicConstraints { ca: true, path_len: None }));
                check_issuer_role(bc, anchor.key_usage, i).map_err(anchor_err)
            });
            match outcome {
                Ok(()) => {
                    state.hashes.push(hash);
                    state.keys.push(Cow::Borrowed(&anchor.key));
                    return Ok(a);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }

        for (n, candidate) in self.inters.iter().enumerate() {
            if state.used[n] || candidate.subject_raw() != issuer || candidate.der() == cert.der() {
                continue;
            }
            if !key_ids_compatible(aki, candidate.subject_key_id()) {
                name_only.get_or_insert(candidate.subject_key_id());
                continue;
            }
            if !self.spend() {
                break;
            }
            if state.path.len() + 1 >= self.options.max_depth {
                first_error.get_or_insert_with(|| err(Check::TooLong { limit: self.options.max_depth }));
                continue;
            }
            let key = match candidate.public_key() {
                Ok(key) => key,
                Err(e) => {
                    first_error.get_or_insert_with(|| self.fail(i + 1, candidate.subject(), Check::Key(e)));
                    continue;
                }
            };
            if let Err(e) = verify(&key) {
                first_error.get_or_insert_with(|| err(Check::Signature(e)));
                continue;
            }
            state.hashes.push(hash);
            state.keys.push(Cow::Owned(key));
            state.used[n] = true;
            state.path.push(candidate);
            match self.extend(state) {
                Ok(a) => return Ok(a),
                Err(e) => {
                    state.path.pop();
                    state.used[n] = false;
                    state.keys.pop();
                    state.hashes.pop();
                    first_error.get_or_insert(e);
                }
            }
        }

        if let Some(e) = first_error {
            return Err(e);
        }
        if let Some(ski) = name_only {
            return Err(err(Check::KeyIdentifier { expected: hex(aki), found: hex(ski) }));
        }
        // Same key id under another name: a misnamed issuer rather than an unknown one.
        if let Some(aki) = aki {
            let misnamed = self
                .anchors
                .iter()
                .filter(|a| a.subject_key_id.as_deref() == Some(aki))
                .map(|a| a.subject.clone())
                .chain(self.inters.iter().filter(|c| c.subject_key_id() == Some(aki)).map(|c| c.subject()))
                .next();
            if let Some(found) = misnamed {
                return Err(err(Check::IssuerName { expected: cert.issuer(), found }));
            }
        }
        Err(err(Check::UntrustedIssuer { issuer: cert.issuer() }))
    }

    fn spend(&self) -> bool {
        let left = self.budget.get();
        self.budget.set(left.saturating_sub(1));
        left > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        let ca = Some(BasicConstraints { ca: true, path_len: Some(0) });
        assert_eq!(check_issuer_role(ca, Some(KeyUsage::KEY_CERT_SIGN), 0), Ok(()));
        assert_eq!(
            check_issuer_role(ca, Some(KeyUsage::KEY_CERT_SIGN), 1),
            Err(Check::PathLength { limit: 0, found: 1 })
        );
        assert_eq!(check_issuer_role(None, None, 0), Err(Check::NotCa));
        assert_eq!(
            check_issuer_role(ca, Some(KeyUsage::CRL_SIGN), 0),
            Err(Check::KeyUsage { required: KeyUsage::KEY_CERT_SIGN, found: Some(KeyUsage::CRL_SIGN) })
        );
    }

    #[test]
    fn validity_bounds_are_inclusive() {
        let (a, b) = (UnixTime(10), UnixTime(20));
        assert_eq!(check_validity(a, b, UnixTime(10)), Ok(()));
        assert_eq!(check_validity(a, b, UnixTime(20)), Ok(()));
        assert_eq!(check_validity(a, b, UnixTime(9)), Err(Check::NotYetValid { not_before: a, at: UnixTime(9) }));
        assert_eq!(check_validity(a, b, UnixTime(21)), Err(Check::Expired { not_after: b, at: UnixTime(21) }));
    }
}
