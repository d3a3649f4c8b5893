//! Typed access to a JPKI certificate: what kind it is, which CA generation, its policies,
//! validity, key usage, and the holder attributes of the signing certificate.
//!
//! Reading follows docs/research/jpki-cert-profile.md and spec/pki/profile.json:
//! - kind: a CA (BasicConstraints CA:TRUE) is an authentication or signing CA by its
//!   subject OU (`JPKI for user authentication` / `JPKI for digital signature`, as on the
//!   real J-LIS roots); an end entity by its certificate policy (`…8.5.1.3.30` auth,
//!   `…8.5.1.1.20` sign, `…8.5.1.0.20` JPKI-TEST sign). The scheme-3 sub certificate is
//!   project-defined and recognised by a subject OU containing `sub certificate` or by a
//!   sub-certificate policy ([`oids::SUB_CERTIFICATE_POLICIES`]).
//! - holder attributes: SAN otherName `1.2.392.200149.8.5.5.x` = `[0] EXPLICIT UTF8String`,
//!   in no fixed order, in the signing certificate only.
//!
//! Parsing never panics: every accessor works on what x509-parser accepted and returns
//! `None` or an empty list for anything missing or malformed.

use std::borrow::Cow;

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension, X509Extension};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

pub use crate::error::ProfileError;
pub use crate::generated::pki::KeyUsage;
use crate::key::{der_tlv, RsaPublicKey};
use crate::oids;
use crate::signature::HashAlgorithm;
use crate::time::UnixTime;

/// What a JPKI certificate is for. `Display` gives the lower-case words used in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 利用者証明用: policy 1.2.392.200149.8.5.1.3.30.
    Authentication,
    /// 署名用: policy 1.2.392.200149.8.5.1.1.20 (or the JPKI-TEST 1.2.392.200149.8.5.1.0.20).
    Signing,
    /// Root (or intermediate) CA whose subject OU is `JPKI for user authentication`.
    AuthenticationCa,
    /// Root (or intermediate) CA whose subject OU is `JPKI for digital signature`.
    SigningCa,
    /// Scheme-3 sub certificate in the phone's UICC (project-defined).
    SubCertificate,
    /// CA of scheme-3 sub certificates (project-defined).
    SubCertificateCa,
    /// Another CA.
    OtherCa,
    /// Another end entity (no JPKI policy).
    Other,
}

impl Kind {
    pub fn is_ca(self) -> bool {
        matches!(self, Self::AuthenticationCa | Self::SigningCa | Self::SubCertificateCa | Self::OtherCa)
    }
}

impl core::fmt::Display for Kind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Authentication => "authentication",
            Self::Signing => "signing",
            Self::AuthenticationCa => "authentication CA",
            Self::SigningCa => "signing CA",
            Self::SubCertificate => "sub certificate",
            Self::SubCertificateCa => "sub-certificate CA",
            Self::OtherCa => "CA",
            Self::Other => "non-JPKI",
        })
    }
}

/// Generation of a J-LIS root, from the year (UTC) of its notBefore: the roots of
/// 2015-10-20, 2019-09-14 and 2023-07-16 share one subject name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Generation {
    G2015,
    G2019,
    G2023,
    /// Any other year (test hierarchies, future roots).
    Other(i32),
}

impl Generation {
    pub fn from_year(year: i32) -> Self {
        match year {
            2015 => Self::G2015,
            2019 => Self::G2019,
            2023 => Self::G2023,
            y => Self::Other(y),
        }
    }
}

/// BasicConstraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BasicConstraints {
    pub ca: bool,
    pub path_len: Option<u32>,
}

/// Names of the set KeyUsage bits in RFC 5280 spelling, comma-separated (`none` if empty).
pub fn key_usage_names(ku: KeyUsage) -> String {
    const NAMES: [(KeyUsage, &str); 9] = [
        (KeyUsage::DIGITAL_SIGNATURE, "digitalSignature"),
        (KeyUsage::NON_REPUDIATION, "nonRepudiation"),
        (KeyUsage::KEY_ENCIPHERMENT, "keyEncipherment"),
        (KeyUsage::DATA_ENCIPHERMENT, "dataEncipherment"),
        (KeyUsage::KEY_AGREEMENT, "keyAgreement"),
        (KeyUsage::KEY_CERT_SIGN, "keyCertSign"),
        (KeyUsage::CRL_SIGN, "cRLSign"),
        (KeyUsage::ENCIPHER_ONLY, "encipherOnly"),
        (KeyUsage::DECIPHER_ONLY, "decipherOnly"),
    ];
    let names: Vec<&str> = NAMES.iter().filter(|(bit, _)| ku.contains(*bit)).map(|&(_, n)| n).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// The hash of a signature algorithm hanko verifies (RSA PKCS#1 v1.5 only), or the dotted OID.
pub(crate) fn signature_hash(oid: &[u8]) -> Result<HashAlgorithm, String> {
    match oid {
        oids::SHA256_WITH_RSA => Ok(HashAlgorithm::Sha256),
        oids::SHA384_WITH_RSA => Ok(HashAlgorithm::Sha384),
        oids::SHA512_WITH_RSA => Ok(HashAlgorithm::Sha512),
        oids::SHA1_WITH_RSA => Ok(HashAlgorithm::Sha1),
        other => Err(oids::dotted(other)),
    }
}

/// DER from DER or PEM input. Input starting with a SEQUENCE tag is DER; otherwise PEM is
/// recognised by a `-----BEGIN ` line (text before it is skipped) and its label must be one
/// of `labels`; anything else is passed on as DER for the parser to refuse.
pub fn der_from_pem_or_der<'i>(input: &'i [u8], labels: &[&str]) -> Result<Cow<'i, [u8]>, ProfileError> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    // DER certificates and CRLs start with a SEQUENCE tag, and may contain any bytes later,
    // the PEM marker included.
    if input.first() == Some(&0x30) {
        return Ok(Cow::Borrowed(input));
    }
    let Some(start) = input.windows(BEGIN.len()).position(|w| w == BEGIN) else {
        return Ok(Cow::Borrowed(input));
    };
    // Only the first block: keep up to the end of its END line.
    let block = &input[start..];
    let end = block
        .windows(8)
        .position(|w| w == b"-----END")
        .and_then(|at| {
            let after = &block[at + 8..];
            let dashes = after.windows(5).position(|w| w == b"-----")?;
            Some(at + 8 + dashes + 5)
        })
        .ok_or_else(|| ProfileError::Pem("no END line".into()))?;
    let (label, der) = der::pem::decode_vec(&block[..end]).map_err(|e| ProfileError::Pem(e.to_string()))?;
    if !labels.contains(&label) {
        return Err(ProfileError::Pem(format!("label {label:?}, expected {}", labels.join(" or "))));
    }
    Ok(Cow::Owned(der))
}

/// A parsed certificate, borrowing its DER.
#[derive(Clone, Debug)]
pub struct Certificate<'a> {
    der: &'a [u8],
    x509: X509Certificate<'a>,
    kind: Kind,
}

impl<'a> Certificate<'a> {
    /// Parses one DER certificate; nothing may follow it. Fails on duplicate extensions
    /// and on malformed extensions the verify core relies on.
    pub fn from_der(der: &'a [u8]) -> Result<Self, ProfileError> {
        let (rest, x509) = X509Certificate::from_der(der).map_err(|e| ProfileError::Der(e.to_string()))?;
        if !rest.is_empty() {
            return Err(ProfileError::TrailingData { extra: rest.len() });
        }
        check_extensions(x509.extensions())?;
        let mut cert = Self { der: &der[..der.len() - rest.len()], x509, kind: Kind::Other };
        cert.kind = cert.classify();
        Ok(cert)
    }

    /// The whole certificate DER.
    pub fn der(&self) -> &'a [u8] {
        self.der
    }

    /// x509-parser's view, for anything not exposed here.
    pub fn x509(&self) -> &X509Certificate<'a> {
        &self.x509
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// For an authentication or signing CA: its generation by notBefore year.
    pub fn generation(&self) -> Option<Generation> {
        matches!(self.kind, Kind::AuthenticationCa | Kind::SigningCa)
            .then(|| Generation::from_year(self.not_before().to_utc().0))
    }

    /// Subject in RFC 4514 style (`C=JP, O=JPKI, …`).
    pub fn subject(&self) -> String {
        self.x509.subject().to_string()
    }

    pub fn issuer(&self) -> String {
        self.x509.issuer().to_string()
    }

    /// DER of the subject Name, for exact comparison.
    pub fn subject_raw(&self) -> &'a [u8] {
        self.x509.tbs_certificate.subject.as_raw()
    }

    /// DER of the issuer Name.
    pub fn issuer_raw(&self) -> &'a [u8] {
        self.x509.tbs_certificate.issuer.as_raw()
    }

    /// The serial number's DER INTEGER content (big-endian, two's complement).
    pub fn serial(&self) -> &'a [u8] {
        self.x509.raw_serial()
    }

    pub fn not_before(&self) -> UnixTime {
        self.x509.validity().not_before.into()
    }

    pub fn not_after(&self) -> UnixTime {
        self.x509.validity().not_after.into()
    }

    /// notBefore ≤ `at` ≤ notAfter (both ends inclusive, as RFC 5280 §4.1.2.5 says).
    pub fn is_valid_at(&self, at: UnixTime) -> bool {
        self.not_before() <= at && at <= self.not_after()
    }

    /// The subject's RSA public key.
    pub fn public_key(&self) -> Result<RsaPublicKey, crate::error::KeyError> {
        RsaPublicKey::from_spki(self.x509.public_key())
    }

    /// The DER TBSCertificate, the bytes the issuer signed.
    pub fn tbs(&self) -> &[u8] {
        self.x509.tbs_certificate.as_ref()
    }

    /// The signature bits (whole bytes for RSA).
    pub fn signature_value(&self) -> &[u8] {
        &self.x509.signature_value.data
    }

    /// DER content of the outer signature algorithm OID.
    pub fn signature_algorithm(&self) -> &[u8] {
        self.x509.signature_algorithm.algorithm.as_bytes()
    }

    /// Whether the outer and TBS signature AlgorithmIdentifiers are identical.
    pub(crate) fn signature_algorithms_agree(&self) -> bool {
        let outer = &self.x509.signature_algorithm;
        let inner = &self.x509.tbs_certificate.signature;
        outer.algorithm == inner.algorithm
            && outer.parameters.as_ref().map(|p| p.as_bytes()) == inner.parameters.as_ref().map(|p| p.as_bytes())
    }

    /// The hash of the signature algorithm, or its dotted OID when hanko does not verify it.
    pub fn signature_hash(&self) -> Result<HashAlgorithm, String> {
        signature_hash(self.signature_algorithm())
    }

    fn extension(&self, oid: &[u8]) -> Option<&X509Extension<'a>> {
        self.x509.extensions().iter().find(|e| e.oid.as_bytes() == oid)
    }

    /// KeyUsage bits, if the extension is present.
    pub fn key_usage(&self) -> Option<KeyUsage> {
        match self.extension(oids::KEY_USAGE)?.parsed_extension() {
            ParsedExtension::KeyUsage(ku) => Some(KeyUsage::from_bits_truncate(ku.flags)),
            _ => None,
        }
    }

    pub fn basic_constraints(&self) -> Option<BasicConstraints> {
        match self.extension(oids::BASIC_CONSTRAINTS)?.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) => {
                Some(BasicConstraints { ca: bc.ca, path_len: bc.path_len_constraint })
            }
            _ => None,
        }
    }

    /// CA:TRUE in BasicConstraints.
    pub fn is_ca(&self) -> bool {
        self.basic_constraints().is_some_and(|bc| bc.ca)
    }

    pub fn subject_key_id(&self) -> Option<&'a [u8]> {
        match self.extension(oids::SUBJECT_KEY_IDENTIFIER)?.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0),
            _ => None,
        }
    }

    /// The keyIdentifier of the authorityKeyIdentifier extension.
    pub fn authority_key_id(&self) -> Option<&'a [u8]> {
        match self.extension(oids::AUTHORITY_KEY_IDENTIFIER)?.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) => aki.key_identifier.as_ref().map(|id| id.0),
            _ => None,
        }
    }

    /// certificatePolicies OIDs (DER content), in order.
    pub fn policies(&self) -> Vec<&[u8]> {
        match self.extension(oids::CERTIFICATE_POLICIES).map(|e| e.parsed_extension()) {
            Some(ParsedExtension::CertificatePolicies(p)) => p.iter().map(|pi| pi.policy_id.as_bytes()).collect(),
            _ => Vec::new(),
        }
    }

    /// The certificatePolicies OIDs in dotted form.
    pub fn policy_oids(&self) -> Vec<String> {
        self.policies().into_iter().map(oids::dotted).collect()
    }

    /// Directory names of the CRL distribution points' fullName (JPKI uses one DirName).
    pub fn crl_distribution_dir_names(&self) -> Vec<&X509Name<'a>> {
        let mut out = Vec::new();
        if let Some(ParsedExtension::CRLDistributionPoints(points)) =
            self.extension(oids::CRL_DISTRIBUTION_POINTS).map(|e| e.parsed_extension())
        {
            for point in points.iter() {
                if let Some(DistributionPointName::FullName(names)) = &point.distribution_point {
                    out.extend(names.iter().filter_map(|n| match n {
                        GeneralName::DirectoryName(dn) => Some(dn),
                        _ => None,
                    }));
                }
            }
        }
        out
    }

    /// Directory names in the distribution points' cRLIssuer fields (absent in JPKI).
    pub fn crl_issuer_dir_names(&self) -> Vec<&X509Name<'a>> {
        let mut out = Vec::new();
        if let Some(ParsedExtension::CRLDistributionPoints(points)) =
            self.extension(oids::CRL_DISTRIBUTION_POINTS).map(|e| e.parsed_extension())
        {
            for point in points.iter() {
                for n in point.crl_issuer.iter().flatten() {
                    if let GeneralName::DirectoryName(dn) = n {
                        out.push(dn);
                    }
                }
            }
        }
        out
    }

    /// OIDs (dotted) of critical extensions the verify core does not process, in order.
    pub fn unknown_critical_extensions(&self) -> Vec<String> {
        self.x509
            .extensions()
            .iter()
            .filter(|e| e.critical && !PROCESSED_EXTENSIONS.contains(&e.oid.as_bytes()))
            .map(|e| oids::dotted(e.oid.as_bytes()))
            .collect()
    }

    /// The holder attributes in the subjectAltName (empty unless a signing certificate).
    pub fn holder(&self) -> Holder<'a> {
        let mut attributes = Vec::new();
        if let Some(ParsedExtension::SubjectAlternativeName(san)) =
            self.extension(oids::SUBJECT_ALT_NAME).map(|e| e.parsed_extension())
        {
            for name in &san.general_names {
                if let GeneralName::OtherName(oid, value) = name {
                    if let Some(arc) = oids::holder_attribute(oid.as_bytes()) {
                        attributes.push(HolderAttribute::decode(arc, value));
                    }
                }
            }
        }
        Holder { attributes }
    }

    /// Values of the subject's organizationalUnitName attributes that are strings.
    pub fn subject_organizational_units(&self) -> Vec<&'a str> {
        self.x509.tbs_certificate.subject.iter_organizational_unit().filter_map(|a| a.as_str().ok()).collect()
    }

    fn classify(&self) -> Kind {
        let ous = self.subject_organizational_units();
        let policies = self.policies();
        let sub = ous.iter().any(|ou| ou.to_ascii_lowercase().contains("sub certificate"))
            || policies.iter().any(|p| oids::SUB_CERTIFICATE_POLICIES.contains(p));
        if self.is_ca() {
            if sub {
                Kind::SubCertificateCa
            } else if ous.iter().any(|ou| ou.contains("JPKI for user authentication")) {
                Kind::AuthenticationCa
            } else if ous.iter().any(|ou| ou.contains("JPKI for digital signature")) {
                Kind::SigningCa
            } else {
                Kind::OtherCa
            }
        } else if sub {
            Kind::SubCertificate
        } else if policies.iter().any(|&p| p == oids::POLICY_SIGNING || p == oids::POLICY_TEST_SIGNING) {
            Kind::Signing
        } else if policies.contains(&oids::POLICY_AUTHENTICATION) {
            Kind::Authentication
        } else {
            Kind::Other
        }
    }
}

/// Critical extensions whose content the verify core reads and enforces or uses: KeyUsage,
/// BasicConstraints, certificatePolicies (the purpose), SAN (holder attributes), CRL
/// distribution points (revocation), and the key identifiers (path building).
const PROCESSED_EXTENSIONS: &[&[u8]] = &[
    oids::KEY_USAGE,
    oids::BASIC_CONSTRAINTS,
    oids::CERTIFICATE_POLICIES,
    oids::SUBJECT_ALT_NAME,
    oids::CRL_DISTRIBUTION_POINTS,
    oids::AUTHORITY_KEY_IDENTIFIER,
    oids::SUBJECT_KEY_IDENTIFIER,
];

fn check_extensions(extensions: &[X509Extension<'_>]) -> Result<(), ProfileError> {
    for (i, ext) in extensions.iter().enumerate() {
        let oid = ext.oid.as_bytes();
        if extensions[..i].iter().any(|e| e.oid.as_bytes() == oid) {
            return Err(ProfileError::Der(format!("duplicate extension {}", oids::dotted(oid))));
        }
        if PROCESSED_EXTENSIONS.contains(&oid) && matches!(ext.parsed_extension(), ParsedExtension::ParseError { .. }) {
            let name = oids::name(oid).unwrap_or("extension");
            return Err(ProfileError::Der(format!("malformed {name} extension")));
        }
    }
    Ok(())
}

/// One holder attribute: SAN otherName `1.2.392.200149.8.5.5.<arc>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HolderAttribute<'a> {
    /// The last OID component, 1..=6 for the known attributes.
    pub arc: u8,
    /// Tag of the value inside `[0] EXPLICIT` (`0x0C` UTF8String on real cards), `None`
    /// if the otherName value is not `[0] { one TLV }`.
    pub tag: Option<u8>,
    /// The value bytes inside that TLV, or the whole otherName value when it did not decode.
    pub raw: &'a [u8],
    /// The value as text when it is a UTF8String, PrintableString, IA5String or OCTET
    /// STRING holding valid UTF-8.
    pub text: Option<&'a str>,
}

impl<'a> HolderAttribute<'a> {
    fn decode(arc: u8, value: &'a [u8]) -> Self {
        let inner = der_tlv(value).and_then(|(outer, inner, after)| {
            if outer != 0xA0 || !after.is_empty() {
                return None;
            }
            let (tag, v, after) = der_tlv(inner)?;
            after.is_empty().then_some((tag, v))
        });
        match inner {
            Some((tag, v)) => Self {
                arc,
                tag: Some(tag),
                raw: v,
                text: matches!(tag, 0x0C | 0x13 | 0x16 | 0x04).then(|| core::str::from_utf8(v).ok()).flatten(),
            },
            None => Self { arc, tag: None, raw: value, text: None },
        }
    }

    /// The dotted OID, `1.2.392.200149.8.5.5.<arc>`.
    pub fn oid(&self) -> String {
        format!("1.2.392.200149.8.5.5.{}", self.arc)
    }
}

/// Birth date as the signing certificate carries it: `EYYYYMMDD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BirthDate {
    /// 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和, 0 unknown.
    pub era: u8,
    /// Gregorian.
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// The holder attributes of a signing certificate, in certificate order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holder<'a> {
    pub attributes: Vec<HolderAttribute<'a>>,
}

impl<'a> Holder<'a> {
    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty()
    }

    /// The first attribute with this arc.
    pub fn get(&self, arc: u8) -> Option<&HolderAttribute<'a>> {
        self.attributes.iter().find(|a| a.arc == arc)
    }

    fn text(&self, arc: u8) -> Option<&'a str> {
        self.get(arc).and_then(|a| a.text)
    }

    /// `.1` 氏名: family and given name separated by U+3000.
    pub fn name(&self) -> Option<&'a str> {
        self.text(1)
    }

    /// `.2` 氏名代替文字使用位置: one `0`/`1` per character of the name.
    pub fn name_substitute(&self) -> Option<&'a str> {
        self.text(2)
    }

    /// `.3` 性別: one digit as written (1 male, 2 female; the third code is 3 or 9 by
    /// source, so it is not interpreted here).
    pub fn sex(&self) -> Option<&'a str> {
        self.text(3)
    }

    /// `.4` 生年月日 as written (`EYYYYMMDD`).
    pub fn birth_date_raw(&self) -> Option<&'a str> {
        self.text(4)
    }

    /// `.4` decoded; `None` unless it is nine ASCII digits with a valid Gregorian date.
    pub fn birth_date(&self) -> Option<BirthDate> {
        let s = self.birth_date_raw()?.as_bytes();
        if s.len() != 9 || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = |r: core::ops::Range<usize>| s[r].iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
        let (year, month, day) = (n(1..5), n(5..7), n(7..9));
        UnixTime::from_utc(year as i32, month as u8, day as u8, 0, 0, 0)?;
        Some(BirthDate { era: s[0] - b'0', year: year as u16, month: month as u8, day: day as u8 })
    }

    /// 住所: the value of `.5`.
    ///
    /// The sources conflict on `.5`/`.6`. Eight or more (two of them reading real cards,
    /// plus kjur/jsrsasign-oid-jpki's library) put the address at `.5` and its
    /// substitute-character flags at `.6`; only one test file of kjur/jsrsasign-oid-jpki
    /// swaps them, contradicting its own library (docs/research/jpki-cert-profile.md §2). hanko
    /// follows the majority; both raw values stay available through [`Holder::get`] and
    /// [`Holder::address_candidates`].
    pub fn address(&self) -> Option<&'a str> {
        self.text(5)
    }

    /// 住所代替文字使用位置: the value of `.6` (see [`Holder::address`]).
    pub fn address_substitute(&self) -> Option<&'a str> {
        self.text(6)
    }

    /// Both disputed attributes with their OIDs, `.5` first.
    pub fn address_candidates(&self) -> [(&'static str, Option<&HolderAttribute<'a>>); 2] {
        [("1.2.392.200149.8.5.5.5", self.get(5)), ("1.2.392.200149.8.5.5.6", self.get(6))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_name_values() {
        // [0] { UTF8String "419900102" }, the research file's synthetic example.
        let v = [0xA0, 0x0B, 0x0C, 0x09, b'4', b'1', b'9', b'9', b'0', b'0', b'1', b'0', b'2'];
        let a = HolderAttribute::decode(4, &v);
        assert_eq!((a.tag, a.text), (Some(0x0C), Some("419900102")));
        let h = Holder { attributes: vec![a] };
        assert_eq!(h.birth_date(), Some(BirthDate { era: 4, year: 1990, month: 1, day: 2 }));
        let bad = HolderAttribute::decode(1, &[0xA0, 0x05, 0x0C]);
        assert_eq!((bad.tag, bad.text, bad.raw.len()), (None, None, 3));
        let flags = HolderAttribute::decode(6, &[0xA0, 0x04, 0x04, 0x02, b'0', b'1']);
        assert_eq!(flags.text, Some("01"));
    }

    #[test]
    fn pem_or_der() {
        assert!(matches!(der_from_pem_or_der(b"\x30\x00", &["CERTIFICATE"]), Ok(Cow::Borrowed(_))));
        let pem = b"junk\n-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\ntrailer";
        assert_eq!(der_from_pem_or_der(pem, &["CERTIFICATE"]).unwrap().as_ref(), &[0x30, 0x00]);
        assert!(der_from_pem_or_der(pem, &["X509 CRL"]).is_err());
        assert!(der_from_pem_or_der(b"-----BEGIN CERTIFICATE-----\nMAA=\n", &["CERTIFICATE"]).is_err());
    }

    #[test]
    fn key_usage_text() {
        assert_eq!(key_usage_names(KeyUsage::empty()), "none");
        assert_eq!(
            key_usage_names(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION),
            "digitalSignature, nonRepudiation"
        );
    }
}
