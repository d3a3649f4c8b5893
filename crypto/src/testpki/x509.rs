//! Certificates and CRLs for the test PKI, written as DER.

use super::der::{self, Time};
use super::keys::{Hash, KeyPair};
use sha1::{Digest, Sha1};

// Private copies: `crate::oids` belongs to the verify core, and the test PKI must not
// change when that module does.
pub(super) const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
pub(super) const SHA1_WITH_RSA: &str = "1.2.840.113549.1.1.5";
const AT_COUNTRY: &str = "2.5.4.6";
const AT_LOCALITY: &str = "2.5.4.7";
const AT_ORGANIZATION: &str = "2.5.4.10";
const AT_ORG_UNIT: &str = "2.5.4.11";
const AT_COMMON_NAME: &str = "2.5.4.3";
const EXT_SUBJECT_KEY_ID: &str = "2.5.29.14";
const EXT_KEY_USAGE: &str = "2.5.29.15";
const EXT_SUBJECT_ALT_NAME: &str = "2.5.29.17";
const EXT_ISSUER_ALT_NAME: &str = "2.5.29.18";
const EXT_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const EXT_CRL_NUMBER: &str = "2.5.29.20";
const EXT_CRL_REASON: &str = "2.5.29.21";
const EXT_CRL_DISTRIBUTION_POINTS: &str = "2.5.29.31";
const EXT_CERTIFICATE_POLICIES: &str = "2.5.29.32";
const EXT_AUTHORITY_KEY_ID: &str = "2.5.29.35";

/// KeyUsage bit numbers (RFC 5280 §4.2.1.3).
pub(super) mod ku {
    pub const DIGITAL_SIGNATURE: u8 = 0;
    pub const NON_REPUDIATION: u8 = 1;
    pub const KEY_CERT_SIGN: u8 = 5;
    pub const CRL_SIGN: u8 = 6;
}

/// One attribute of a distinguished name, each in its own RDN as J-LIS writes them.
#[derive(Clone, Copy, Debug)]
pub(super) enum Rdn<'a> {
    C(&'a str),
    L(&'a str),
    O(&'a str),
    Ou(&'a str),
    Cn(&'a str),
}

/// A Name, DER. Country is a PrintableString and everything else a UTF8String, as in the
/// real J-LIS CA certificates.
pub(super) fn name(rdns: &[Rdn<'_>]) -> Vec<u8> {
    let sets: Vec<Vec<u8>> = rdns
        .iter()
        .map(|rdn| {
            let (oid, value) = match *rdn {
                Rdn::C(v) => (AT_COUNTRY, der::printable(v)),
                Rdn::L(v) => (AT_LOCALITY, der::utf8(v)),
                Rdn::O(v) => (AT_ORGANIZATION, der::utf8(v)),
                Rdn::Ou(v) => (AT_ORG_UNIT, der::utf8(v)),
                Rdn::Cn(v) => (AT_COMMON_NAME, der::utf8(v)),
            };
            der::set(&[der::seq(&[der::oid(oid), value])])
        })
        .collect();
    der::seq(&sets)
}

pub(super) fn extension(oid: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![der::oid(oid)];
    if critical {
        parts.push(der::boolean(true));
    }
    parts.push(der::octets(value));
    der::seq(&parts)
}

pub(super) fn key_usage(bits: &[u8]) -> Vec<u8> {
    extension(EXT_KEY_USAGE, true, &der::named_bits(bits))
}

/// `BasicConstraints`, critical. `cA` FALSE is the DEFAULT and so omitted in DER.
pub(super) fn basic_constraints(ca: bool) -> Vec<u8> {
    let value = if ca { der::seq(&[der::boolean(true)]) } else { der::seq(&[]) };
    extension(EXT_BASIC_CONSTRAINTS, true, &value)
}

/// RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's value.
pub(super) fn key_id(key: &KeyPair) -> Vec<u8> {
    let spki = key.spki_der();
    // SPKI = SEQ { AlgorithmIdentifier(15 bytes for rsaEncryption) , BIT STRING }; the
    // RSA-2048 SPKI layout is fixed, but find the BIT STRING rather than hard-code offsets.
    let bits = spki_public_key_bits(&spki);
    Sha1::digest(bits).to_vec()
}

fn spki_public_key_bits(spki: &[u8]) -> &[u8] {
    let (_, outer) = split_tlv(spki);
    let (alg_len, _) = split_tlv(outer);
    let (_, bit_string) = split_tlv(&outer[alg_len..]);
    &bit_string[1..]
}

/// Returns (total length of the first TLV, its value).
pub(super) fn split_tlv(input: &[u8]) -> (usize, &[u8]) {
    let first = input[1];
    let (hdr, len) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7F);
        (2 + n, input[2..2 + n].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b)))
    };
    (hdr + len, &input[hdr..hdr + len])
}

pub(super) fn subject_key_id(id: &[u8]) -> Vec<u8> {
    extension(EXT_SUBJECT_KEY_ID, false, &der::octets(id))
}

/// keyIdentifier only, as J-LIS certificates carry it (no issuer/serial form).
pub(super) fn authority_key_id(id: &[u8]) -> Vec<u8> {
    extension(EXT_AUTHORITY_KEY_ID, false, &der::seq(&[der::ctx_prim(0, id)]))
}

/// GeneralName directoryName `[4]` (explicit, since Name is a CHOICE).
fn dir_name(name: &[u8]) -> Vec<u8> {
    der::ctx_cons(4, &[name.to_vec()])
}

pub(super) fn subject_alt_dir_name(name: &[u8]) -> Vec<u8> {
    extension(EXT_SUBJECT_ALT_NAME, false, &der::seq(&[dir_name(name)]))
}

pub(super) fn issuer_alt_dir_name(name: &[u8]) -> Vec<u8> {
    extension(EXT_ISSUER_ALT_NAME, false, &der::seq(&[dir_name(name)]))
}

/// SubjectAltName of `otherName` entries, each `[0] { type-id, [0] EXPLICIT UTF8String }`.
pub(super) fn subject_alt_other_names(entries: &[(&str, &str)]) -> Vec<u8> {
    let names: Vec<Vec<u8>> = entries
        .iter()
        .map(|(oid, value)| der::ctx_cons(0, &[der::oid(oid), der::ctx_cons(0, &[der::utf8(value)])]))
        .collect();
    extension(EXT_SUBJECT_ALT_NAME, false, &der::seq(&names))
}

/// One DistributionPoint whose fullName is a directoryName, as J-LIS uses (no URI).
pub(super) fn crl_distribution_dir_name(name: &[u8]) -> Vec<u8> {
    // DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } }; both
    // tags are implicit on constructed types, so they replace the SEQUENCE tag.
    let full_name = der::ctx_cons(0, &[dir_name(name)]);
    let dp_name = der::ctx_cons(0, &[full_name]);
    extension(EXT_CRL_DISTRIBUTION_POINTS, false, &der::seq(&[der::seq(&[dp_name])]))
}

/// One policy with a CPS-pointer qualifier, the form of the real signing certificate.
pub(super) fn certificate_policies_with_cps(critical: bool, policy: &str, qualifier: &str, uri: &str) -> Vec<u8> {
    let qualifier = der::seq(&[der::oid(qualifier), der::tlv(0x16, uri.as_bytes())]);
    let info = der::seq(&[der::oid(policy), der::seq(&[qualifier])]);
    extension(EXT_CERTIFICATE_POLICIES, critical, &der::seq(&[info]))
}

/// Bare policy identifiers without qualifiers.
pub(super) fn certificate_policies(critical: bool, policies: &[&str]) -> Vec<u8> {
    let infos: Vec<Vec<u8>> = policies.iter().map(|p| der::seq(&[der::oid(p)])).collect();
    extension(EXT_CERTIFICATE_POLICIES, critical, &der::seq(&infos))
}

fn algorithm(hash: Hash) -> Vec<u8> {
    let oid = match hash {
        Hash::Sha1 => SHA1_WITH_RSA,
        Hash::Sha256 => SHA256_WITH_RSA,
    };
    der::seq(&[der::oid(oid), der::null()])
}

pub(super) struct CertSpec<'a> {
    pub serial: u64,
    pub issuer: &'a [u8],
    pub not_before: Time,
    pub not_after: Time,
    pub subject: &'a [u8],
    pub subject_key: &'a KeyPair,
    pub extensions: Vec<Vec<u8>>,
    pub hash: Hash,
}

/// A v3 certificate signed by `signer` (which need not be the key the issuer name implies:
/// the WrongIssuer variant depends on that).
pub(super) fn certificate(spec: &CertSpec<'_>, signer: &KeyPair) -> Vec<u8> {
    let alg = algorithm(spec.hash);
    let tbs = der::seq(&[
        der::ctx_cons(0, &[der::uint_u64(2)]),
        der::uint_u64(spec.serial),
        alg.clone(),
        spec.issuer.to_vec(),
        der::seq(&[spec.not_before.der(), spec.not_after.der()]),
        spec.subject.to_vec(),
        spec.subject_key.spki_der(),
        der::ctx_cons(3, &[der::seq(&spec.extensions)]),
    ]);
    let sig = signer.sign(spec.hash, &tbs);
    der::seq(&[tbs, alg, der::bit_string(0, &sig)])
}

pub(super) struct Revoked {
    pub serial: u64,
    pub date: Time,
    /// CRLReason code (RFC 5280 §5.3.1).
    pub reason: u8,
}

pub(super) struct CrlSpec<'a> {
    pub issuer: &'a [u8],
    pub issuer_key_id: &'a [u8],
    pub this_update: Time,
    pub next_update: Time,
    pub number: u64,
    pub revoked: &'a [Revoked],
}

/// A v2 CRL (sha256WithRSAEncryption) with AKI and CRL number.
pub(super) fn crl(spec: &CrlSpec<'_>, signer: &KeyPair) -> Vec<u8> {
    let alg = algorithm(Hash::Sha256);
    let entries: Vec<Vec<u8>> = spec
        .revoked
        .iter()
        .map(|r| {
            let reason = extension(EXT_CRL_REASON, false, &der::tlv(0x0A, &[r.reason]));
            der::seq(&[der::uint_u64(r.serial), r.date.der(), der::seq(&[reason])])
        })
        .collect();
    let mut tbs_parts =
        vec![der::uint_u64(1), alg.clone(), spec.issuer.to_vec(), spec.this_update.der(), spec.next_update.der()];
    if !entries.is_empty() {
        tbs_parts.push(der::seq(&entries));
    }
    let extensions =
        [authority_key_id(spec.issuer_key_id), extension(EXT_CRL_NUMBER, false, &der::uint_u64(spec.number))];
    tbs_parts.push(der::ctx_cons(0, &[der::seq(&extensions)]));
    let tbs = der::seq(&tbs_parts);
    let sig = signer.sign(Hash::Sha256, &tbs);
    der::seq(&[tbs, alg, der::bit_string(0, &sig)])
}
