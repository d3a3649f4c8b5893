//! A deterministic JPKI test PKI: CAs, end-entity certificates, a CRL, the text AP's files
//! and a sub-certificate hierarchy for a fictional holder, all derived from one `u64` seed.
//!
//! Everything is fixed by the seed — keys, serials, times (no clock is read), signatures —
//! so `Pki::generate(1).write(dir)` reproduces `corpus/testdata/pki/` byte for byte.
//!
//! # Profile
//! The CAs copy the extensions of the real J-LIS roots (`/work/shared/testdata/jpki-ca`):
//! KeyUsage critical keyCertSign+cRLSign, SubjectAltName directoryName, BasicConstraints
//! critical CA:TRUE, CRLDistributionPoints with the CA's own subject as directoryName, SKI;
//! their names say `JPKI-TEST (hanko)` and `not J-LIS`.
//!
//! End-entity certificates follow `docs/research/jpki-cert-profile.md`: issued directly by the
//! root; subject `C=JP, CN=<id>` (auth) and `C=JP, L=<prefecture>, L=<municipality>,
//! CN=<id>` (sign), the CN never the holder's name; KeyUsage critical (auth
//! digitalSignature; sign digitalSignature+nonRepudiation); CertificatePolicies critical
//! with the JPKI policy OID and the `http://www.jpki.go.jp/cps.html` CPS qualifier (the
//! auth certificate's criticality and qualifier are not evidenced: chosen to match sign);
//! the holder's attributes as SAN otherNames **in the signing certificate only**, in the
//! real order .1 .4 .3 .5 .2 .6; IssuerAltName `C=JP, O=<service>`; a CRL distribution
//! point partitioned by municipality (`…, OU=CRL Distribution Points, OU=Tokyo-to,
//! CN=Chiyoda-ku CRLDP`); AuthorityKeyIdentifier (no source shows it on real certificates;
//! kept because chain builders use it); SubjectKeyIdentifier last. No BasicConstraints.
//!
//! # Times (all UTC)
//! - CAs: [`CA_NOT_BEFORE`] 2024-01-01T00:00:00Z .. [`CA_NOT_AFTER`] 2034-01-01T00:00:00Z.
//! - End entities: [`EE_NOT_BEFORE`] 2024-12-31T15:00:00Z .. [`EE_NOT_AFTER`]
//!   2030-01-01T14:59:59Z — 2025-01-01 00:00 JST to 23:59:59 JST on the holder's fifth
//!   birthday after issuance, the way J-LIS sets them.
//! - CRL: this update [`CRL_THIS_UPDATE`] 2026-01-01, next update [`CRL_NEXT_UPDATE`]
//!   2034-01-01 (the CA's end, so it stays current for as long as anything else does);
//!   revocation date [`REVOCATION_DATE`] 2025-06-01.
//! - [`VERIFY_AT`] 2027-01-01T00:00:00Z: a time at which every certificate is as its
//!   variant says; tests should verify at this time rather than at the clock's.
//!
//! # Project-defined parts
//! The sub-certificate hierarchy (scheme 3, phone UICC) and its binding extension live
//! under [`PROJECT_ARC`] `1.3.6.1.4.1.32473.1`, below the enterprise number IANA reserves for
//! documentation (RFC 5612): identifiers for hanko's model and tests, which a deployment would
//! replace. (A `2.25.<UUID>` arc does not fit RustCrypto's `const-oid`, whose arcs are `u32`.)
//! The OIDs themselves come from `spec/pki/profile.json` through `crate::generated::pki`.

mod der;
mod keys;
mod textap;
mod write;
mod x509;

pub use der::Time;
pub use keys::KeyPair;
pub use textap::{basic_four_digest_range, CV_ISSUER_KEY_ID, TEXT_AP_KEY_ID};

use keys::Hash;
use x509::{ku, name, CertSpec, CrlSpec, Rdn, Revoked};

/// CRLReason keyCompromise (RFC 5280 §5.3.1); J-LIS uses it for 利用者秘密鍵危殆化.
const REASON_KEY_COMPROMISE: u8 = 1;

/// The fictional holder of the test card. Not a real person; the My Number is the
/// well-known sequential placeholder with its correct check digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holder {
    /// Family and given name separated by U+3000.
    pub name: &'static str,
    /// 氏名代替文字使用位置: one `0`/`1` per character of `name` (`1` = substituted).
    pub name_substitutes: &'static str,
    /// ISO 5218 / JPKI: `2` female.
    pub sex: &'static str,
    /// Year, month, day (Gregorian).
    pub birth_date: (u16, u8, u8),
    /// The certificate form `EYYYYMMDD`: era digit (4 = 平成) then the Gregorian date.
    pub birth_date_cert: &'static str,
    pub address: &'static str,
    /// 住所代替文字使用位置: one `0`/`1` per character of `address`.
    pub address_substitutes: &'static str,
    pub my_number: &'static [u8; 12],
}

pub const HOLDER: Holder = Holder {
    name: "見本\u{3000}花子",
    name_substitutes: "00000",
    sex: "2",
    birth_date: (2000, 1, 1),
    birth_date_cert: "420000101",
    address: "東京都千代田区見本町一丁目２番３号",
    address_substitutes: "00000000000000000",
    my_number: b"123456789018",
};

/// The PINs the virtual card built on this PKI uses.
pub const AUTH_PIN: &str = "1234";
pub const SIGN_PASSWORD: &str = "ABC123";
pub const TEXT_AP_PIN: &str = "1234";

pub const CA_NOT_BEFORE: Time = Time::date(2024, 1, 1);
pub const CA_NOT_AFTER: Time = Time::date(2034, 1, 1);
pub const EE_NOT_BEFORE: Time = Time { year: 2024, month: 12, day: 31, hour: 15, minute: 0, second: 0 };
pub const EE_NOT_AFTER: Time = Time { year: 2030, month: 1, day: 1, hour: 14, minute: 59, second: 59 };
/// Strictly inside the main authentication certificate's validity, as the binding requires.
pub const SUB_NOT_BEFORE: Time = Time::date(2025, 1, 1);
pub const SUB_NOT_AFTER: Time = Time { year: 2029, month: 12, day: 31, hour: 14, minute: 59, second: 59 };
pub const CRL_THIS_UPDATE: Time = Time::date(2026, 1, 1);
pub const CRL_NEXT_UPDATE: Time = Time::date(2034, 1, 1);
pub const REVOCATION_DATE: Time = Time::date(2025, 6, 1);
pub const VERIFY_AT: Time = Time::date(2027, 1, 1);
/// [`VERIFY_AT`] as seconds since the Unix epoch (for `openssl verify -attime`).
pub const VERIFY_AT_UNIX: i64 = 1_798_761_600;

/// Serial numbers, fixed per certificate.
pub mod serial {
    pub const AUTH_CA: u64 = 0x01;
    pub const SIGN_CA: u64 = 0x02;
    pub const SUB_CA: u64 = 0x03;
    pub const AUTH_EE: u64 = 0x1001;
    pub const AUTH_REVOKED: u64 = 0x1002;
    pub const SIGN_EE: u64 = 0x2001;
    pub const SUB_EE: u64 = 0x3001;
    pub const AUTH_CRL_NUMBER: u64 = 1;
    pub const VARIANT_EXPIRED: u64 = 0x1101;
    pub const VARIANT_NOT_YET_VALID: u64 = 0x1102;
    pub const VARIANT_WRONG_ISSUER: u64 = 0x1103;
    pub const VARIANT_WRONG_KEY_USAGE: u64 = 0x1104;
    pub const VARIANT_ISSUER_NOT_CA_EE: u64 = 0x1105;
    pub const VARIANT_UNKNOWN_CRITICAL: u64 = 0x1106;
    pub const VARIANT_SHA1: u64 = 0x1107;
    pub const VARIANT_BAD_INTERMEDIATE: u64 = 0x1F01;
}

/// JPKI OIDs used here (private copies; `crate::oids` is the verify core's).
pub mod oid {
    use crate::generated::pki;
    pub const POLICY_AUTH: &str = pki::JPKI_POLICY_AUTH.dotted;
    pub const POLICY_SIGN: &str = pki::JPKI_POLICY_SIGN.dotted;
    pub const CPS_QUALIFIER: &str = "1.3.6.1.5.5.7.2.1";
    pub const CPS_URI: &str = "http://www.jpki.go.jp/cps.html";
    pub const HOLDER_NAME: &str = pki::JPKI_HOLDER_NAME.dotted;
    pub const HOLDER_NAME_SUBSTITUTES: &str = pki::JPKI_HOLDER_NAME_SUBSTITUTE.dotted;
    pub const HOLDER_SEX: &str = pki::JPKI_HOLDER_SEX.dotted;
    pub const HOLDER_BIRTH_DATE: &str = pki::JPKI_HOLDER_BIRTH_DATE.dotted;
    pub const HOLDER_ADDRESS: &str = pki::JPKI_HOLDER_ADDRESS.dotted;
    pub const HOLDER_ADDRESS_SUBSTITUTES: &str = pki::JPKI_HOLDER_ADDRESS_SUBSTITUTE.dotted;
    /// hanko's project arc under IANA's documentation enterprise number (RFC 5612).
    pub const PROJECT_ARC: &str = "1.3.6.1.4.1.32473.1";
    /// Sub-certificate binding: `SEQUENCE { OCTET STRING SHA-256(main auth cert DER),
    /// INTEGER main auth cert serial }`, non-critical.
    pub const SUB_CERT_BINDING: &str = pki::HANKO_MAIN_CERTIFICATE_BINDING.dotted;
    /// Certificate policy of sub certificates.
    pub const SUB_CERT_POLICY: &str = pki::HANKO_SUB_CERTIFICATE_POLICY.dotted;
    /// An extension no verifier knows, for [`super::Variant::UnknownCriticalExtension`].
    pub const TEST_UNKNOWN_EXTENSION: &str = pki::HANKO_TEST_UNKNOWN_EXTENSION.dotted;
}
pub use oid::PROJECT_ARC;

const O_TEST: &str = "JPKI-TEST (hanko)";
const OU_NOT_JLIS: &str = "hanko test PKI - not J-LIS";
const OU_AUTH: &str = "JPKI for user authentication";
const OU_SIGN: &str = "JPKI for digital signature";
const OU_SUB: &str = "JPKI sub certificate (hanko project-defined)";
const SERVICE_JA: &str = "公的個人認証サービス（hanko テスト）";
const NOT_JLIS_JA: &str = "hanko テスト PKI（地方公共団体情報システム機構ではない）";
const PREFECTURE: &str = "Tokyo-to";
const MUNICIPALITY: &str = "Chiyoda-ku";
/// Auth CN: 23 upper-case alphanumerics embedding the municipality code (13101), like the
/// JPKI test card's.
const AUTH_EE_CN: &str = "HANKOTEST13101AUTH00001";
const AUTH_REVOKED_CN: &str = "HANKOTEST13101AUTH00002";
/// Sign CN: request time YYYYMMDDhhmmss, sequence number, 9-character desk id.
const SIGN_EE_CN: &str = "2025010100000000001HANKOTEST";
const SUB_EE_CN: &str = "HANKOTEST13101SUB000001";

/// A certificate with its key.
#[derive(Debug)]
pub struct Issued {
    pub der: Vec<u8>,
    pub key: KeyPair,
}

impl Issued {
    pub fn pem(&self) -> String {
        pem("CERTIFICATE", &self.der)
    }
}

/// PEM armour (RFC 7468) of `der` under `label`.
pub fn pem(label: &str, der: &[u8]) -> String {
    ::der::pem::encode_string(label, ::der::pem::LineEnding::LF, der).expect("PEM encoding")
}

/// The text AP's files and keys.
#[derive(Debug)]
pub struct TextAp {
    /// My Number: `FF 10 0C` + 12 digits + `FF FF` (17 bytes).
    pub ef0001: Vec<u8>,
    /// Basic four items.
    pub ef0002: Vec<u8>,
    /// Integrity record, signed by `ap_key`.
    pub ef0003: Vec<u8>,
    /// CV certificate of `ap_key`, signed by `cv_issuer_key`.
    pub ef0004: Vec<u8>,
    pub ap_key: KeyPair,
    pub cv_issuer_key: KeyPair,
}

/// The whole test PKI for one seed.
#[derive(Debug)]
pub struct Pki {
    pub seed: u64,
    pub auth_ca: Issued,
    pub sign_ca: Issued,
    pub auth_ee: Issued,
    pub sign_ee: Issued,
    /// A second authentication certificate (another fake card), listed in `auth_crl`.
    pub auth_revoked: Issued,
    /// The authentication CA's CRL, DER.
    pub auth_crl: Vec<u8>,
    pub text_ap: TextAp,
    /// Project-defined sub-certificate CA (scheme 3) and the holder's sub certificate.
    pub sub_ca: Issued,
    pub sub_ee: Issued,
    bad_intermediate_key: KeyPair,
}

/// Broken (and one valid) authentication chains for differential tests against
/// `openssl verify -purpose sslclient`. Each is deterministic for the seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// The real `auth_ee`.
    Valid,
    /// 2024-01-02 .. 2024-12-31: ended before [`VERIFY_AT`].
    Expired,
    /// 2033-01-01 .. 2033-12-31: starts after [`VERIFY_AT`].
    NotYetValid,
    /// Names the auth CA as issuer (and its key id as AKI) but is signed by the signing CA.
    WrongIssuer,
    /// `auth_ee` with the last byte of its signature flipped.
    TamperedSignature,
    /// KeyUsage critical keyCertSign only (no digitalSignature).
    WrongKeyUsage,
    /// Issued by an intermediate that the auth CA certified with BasicConstraints critical
    /// CA:FALSE (and keyCertSign, so only the CA flag is wrong); the chain carries it.
    /// Explicit CA:FALSE rather than an absent extension, because OpenSSL accepts a v3
    /// issuer without BasicConstraints but with keyCertSign outside strict mode.
    IssuerNotCa,
    /// Carries a critical extension under the project arc that nobody understands.
    UnknownCriticalExtension,
    /// `auth_revoked`, with the CRL listing it (keyCompromise).
    Revoked,
    /// Like `auth_ee` but signed with sha1WithRSAEncryption. OpenSSL 3 at the default
    /// (unset) auth level still accepts it; `-auth_level 1` rejects it.
    Sha1,
}

impl Variant {
    pub const ALL: [Variant; 10] = [
        Variant::Valid,
        Variant::Expired,
        Variant::NotYetValid,
        Variant::WrongIssuer,
        Variant::TamperedSignature,
        Variant::WrongKeyUsage,
        Variant::IssuerNotCa,
        Variant::UnknownCriticalExtension,
        Variant::Revoked,
        Variant::Sha1,
    ];

    /// snake_case name, also the directory under `variants/`.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Valid => "valid",
            Variant::Expired => "expired",
            Variant::NotYetValid => "not_yet_valid",
            Variant::WrongIssuer => "wrong_issuer",
            Variant::TamperedSignature => "tampered_signature",
            Variant::WrongKeyUsage => "wrong_key_usage",
            Variant::IssuerNotCa => "issuer_not_ca",
            Variant::UnknownCriticalExtension => "unknown_critical_extension",
            Variant::Revoked => "revoked",
            Variant::Sha1 => "sha1",
        }
    }
}

/// A chain to verify: the end entity, untrusted intermediates (leaf side first), the trust
/// anchor, and the CRL to check against if any. All DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariantChain {
    pub ee: Vec<u8>,
    pub intermediates: Vec<Vec<u8>>,
    pub anchor: Vec<u8>,
    pub crl: Option<Vec<u8>>,
    /// True: verify for authentication (`-purpose sslclient`); false: signing (`smimesign`).
    pub purpose_auth: bool,
}

/// Every key, by label. The label is the derivation input, so it must never change.
const KEY_LABELS: [&str; 10] = [
    "auth_ca",
    "sign_ca",
    "auth_ee",
    "sign_ee",
    "auth_revoked",
    "text_ap",
    "cv_issuer",
    "sub_ca",
    "sub_ee",
    "variant.bad_intermediate",
];

struct Names {
    auth_ca: Vec<u8>,
    sign_ca: Vec<u8>,
    sub_ca: Vec<u8>,
    auth_ee: Vec<u8>,
    auth_revoked: Vec<u8>,
    sign_ee: Vec<u8>,
    sub_ee: Vec<u8>,
    bad_intermediate: Vec<u8>,
}

impl Names {
    fn new() -> Self {
        let ca = |ou: &str| name(&[Rdn::C("JP"), Rdn::O(O_TEST), Rdn::Ou(ou), Rdn::Ou(OU_NOT_JLIS)]);
        let auth = |cn: &str| name(&[Rdn::C("JP"), Rdn::Cn(cn)]);
        Self {
            auth_ca: ca(OU_AUTH),
            sign_ca: ca(OU_SIGN),
            sub_ca: ca(OU_SUB),
            auth_ee: auth(AUTH_EE_CN),
            auth_revoked: auth(AUTH_REVOKED_CN),
            sign_ee: name(&[Rdn::C("JP"), Rdn::L(PREFECTURE), Rdn::L(MUNICIPALITY), Rdn::Cn(SIGN_EE_CN)]),
            sub_ee: name(&[Rdn::C("JP"), Rdn::O(O_TEST), Rdn::Ou(OU_SUB), Rdn::Cn(SUB_EE_CN)]),
            bad_intermediate: name(&[
                Rdn::C("JP"),
                Rdn::O(O_TEST),
                Rdn::Ou(OU_NOT_JLIS),
                Rdn::Cn("not a CA (variant issuer_not_ca)"),
            ]),
        }
    }
}

/// The CA's SubjectAltName directoryName, shaped like J-LIS's
/// `C=JP, O=公的個人認証サービス, OU=公的個人認証サービス利用者証明用, OU=地方公共団体情報システム機構`.
fn ca_alt_name(purpose_ja: &str) -> Vec<u8> {
    name(&[Rdn::C("JP"), Rdn::O(SERVICE_JA), Rdn::Ou(purpose_ja), Rdn::Ou(NOT_JLIS_JA)])
}

/// The end entities' IssuerAltName: `C=JP, O=<service>` as on real cards.
fn ee_issuer_alt_name() -> Vec<u8> {
    name(&[Rdn::C("JP"), Rdn::O(SERVICE_JA)])
}

/// The per-municipality CRL distribution point name under a CA.
fn crl_dp_name(ou: &str) -> Vec<u8> {
    name(&[
        Rdn::C("JP"),
        Rdn::O(O_TEST),
        Rdn::Ou(ou),
        Rdn::Ou("CRL Distribution Points"),
        Rdn::Ou(PREFECTURE),
        Rdn::Cn("Chiyoda-ku CRLDP"),
    ])
}

fn policy(oid: &str) -> Vec<u8> {
    x509::certificate_policies_with_cps(true, oid, oid::CPS_QUALIFIER, oid::CPS_URI)
}

fn ca_cert(serial: u64, subject: &[u8], alt_name: &[u8], key: &KeyPair) -> Vec<u8> {
    let extensions = vec![
        x509::key_usage(&[ku::KEY_CERT_SIGN, ku::CRL_SIGN]),
        x509::subject_alt_dir_name(alt_name),
        x509::basic_constraints(true),
        x509::crl_distribution_dir_name(subject),
        x509::subject_key_id(&x509::key_id(key)),
    ];
    let spec = CertSpec {
        serial,
        issuer: subject,
        not_before: CA_NOT_BEFORE,
        not_after: CA_NOT_AFTER,
        subject,
        subject_key: key,
        extensions,
        hash: Hash::Sha256,
    };
    x509::certificate(&spec, key)
}

/// How an authentication end-entity certificate deviates from the profile.
#[derive(Clone, Copy, Default)]
struct AuthTweak {
    validity: Option<(Time, Time)>,
    key_usage: Option<&'static [u8]>,
    unknown_critical: bool,
    hash: Option<Hash>,
}

impl Pki {
    /// Generates the PKI for `seed`. Ten RSA-2048 keys dominate the time; they are
    /// generated on parallel threads (each from its own stream, so the result does not
    /// depend on scheduling).
    pub fn generate(seed: u64) -> Pki {
        let mut keys: Vec<Option<KeyPair>> = std::thread::scope(|s| {
            let handles: Vec<_> =
                KEY_LABELS.iter().map(|&label| s.spawn(move || KeyPair::generate(seed, label))).collect();
            handles.into_iter().map(|h| Some(h.join().expect("key generation thread"))).collect()
        });
        let mut take = |label: &str| {
            let i = KEY_LABELS.iter().position(|&l| l == label).expect("known key label");
            keys[i].take().expect("each key taken once")
        };
        let (auth_ca_key, sign_ca_key, auth_ee_key, sign_ee_key, auth_revoked_key) =
            (take("auth_ca"), take("sign_ca"), take("auth_ee"), take("sign_ee"), take("auth_revoked"));
        let (text_ap_key, cv_issuer_key, sub_ca_key, sub_ee_key, bad_intermediate_key) =
            (take("text_ap"), take("cv_issuer"), take("sub_ca"), take("sub_ee"), take("variant.bad_intermediate"));

        let names = Names::new();
        let auth_ca = Issued {
            der: ca_cert(
                serial::AUTH_CA,
                &names.auth_ca,
                &ca_alt_name("公的個人認証サービス利用者証明用（テスト）"),
                &auth_ca_key,
            ),
            key: auth_ca_key,
        };
        let sign_ca = Issued {
            der: ca_cert(
                serial::SIGN_CA,
                &names.sign_ca,
                &ca_alt_name("公的個人認証サービス署名用（テスト）"),
                &sign_ca_key,
            ),
            key: sign_ca_key,
        };
        let sub_ca = Issued {
            der: ca_cert(serial::SUB_CA, &names.sub_ca, &ca_alt_name("サブ証明書用（hanko 独自）"), &sub_ca_key),
            key: sub_ca_key,
        };

        let auth_ca_ref = IssuerRef::of(&names.auth_ca, &auth_ca.key);
        let auth_ee_der =
            auth_ee_cert(&auth_ca_ref, serial::AUTH_EE, &names.auth_ee, &auth_ee_key, AuthTweak::default());
        let auth_revoked_der = auth_ee_cert(
            &auth_ca_ref,
            serial::AUTH_REVOKED,
            &names.auth_revoked,
            &auth_revoked_key,
            AuthTweak::default(),
        );
        let sign_ee_der = sign_ee_cert(&names, &sign_ca, &sign_ee_key);
        let auth_crl = x509::crl(
            &CrlSpec {
                issuer: &names.auth_ca,
                issuer_key_id: &auth_ca_ref.key_id,
                this_update: CRL_THIS_UPDATE,
                next_update: CRL_NEXT_UPDATE,
                number: serial::AUTH_CRL_NUMBER,
                revoked: &[Revoked {
                    serial: serial::AUTH_REVOKED,
                    date: REVOCATION_DATE,
                    reason: REASON_KEY_COMPROMISE,
                }],
            },
            &auth_ca.key,
        );
        let sub_ee_der = sub_ee_cert(&names, &sub_ca, &auth_ee_der, &sub_ee_key);

        let files = textap::build(&HOLDER, &text_ap_key, &cv_issuer_key);
        Pki {
            seed,
            auth_ca,
            sign_ca,
            auth_ee: Issued { der: auth_ee_der, key: auth_ee_key },
            sign_ee: Issued { der: sign_ee_der, key: sign_ee_key },
            auth_revoked: Issued { der: auth_revoked_der, key: auth_revoked_key },
            auth_crl,
            text_ap: TextAp {
                ef0001: files.ef0001,
                ef0002: files.ef0002,
                ef0003: files.ef0003,
                ef0004: files.ef0004,
                ap_key: text_ap_key,
                cv_issuer_key,
            },
            sub_ca,
            sub_ee: Issued { der: sub_ee_der, key: sub_ee_key },
            bad_intermediate_key,
        }
    }

    /// The chain for one variant. Certificates other than `Valid` and `Revoked` are made
    /// on demand (signing only, no key generation).
    pub fn variant(&self, v: Variant) -> VariantChain {
        let names = Names::new();
        let auth_ca = IssuerRef::of(&names.auth_ca, &self.auth_ca.key);
        let auth =
            |serial: u64, tweak: AuthTweak| auth_ee_cert(&auth_ca, serial, &names.auth_ee, &self.auth_ee.key, tweak);
        let mut chain = VariantChain {
            ee: Vec::new(),
            intermediates: Vec::new(),
            anchor: self.auth_ca.der.clone(),
            crl: None,
            purpose_auth: true,
        };
        chain.ee = match v {
            Variant::Valid => self.auth_ee.der.clone(),
            Variant::Expired => auth(
                serial::VARIANT_EXPIRED,
                AuthTweak { validity: Some((Time::date(2024, 1, 2), Time::date(2024, 12, 31))), ..Default::default() },
            ),
            Variant::NotYetValid => auth(
                serial::VARIANT_NOT_YET_VALID,
                AuthTweak { validity: Some((Time::date(2033, 1, 1), Time::date(2033, 12, 31))), ..Default::default() },
            ),
            Variant::WrongIssuer => {
                // The auth CA's name and key id, the signing CA's signature.
                let forged = IssuerRef { signer: &self.sign_ca.key, ..auth_ca.clone() };
                auth_ee_cert(
                    &forged,
                    serial::VARIANT_WRONG_ISSUER,
                    &names.auth_ee,
                    &self.auth_ee.key,
                    AuthTweak::default(),
                )
            }
            Variant::TamperedSignature => {
                let mut der = self.auth_ee.der.clone();
                *der.last_mut().expect("non-empty certificate") ^= 0x01;
                der
            }
            Variant::WrongKeyUsage => auth(
                serial::VARIANT_WRONG_KEY_USAGE,
                AuthTweak { key_usage: Some(&[ku::KEY_CERT_SIGN]), ..Default::default() },
            ),
            Variant::IssuerNotCa => {
                chain.intermediates.push(self.bad_intermediate(&names, &auth_ca));
                let bad = IssuerRef::of(&names.bad_intermediate, &self.bad_intermediate_key);
                auth_ee_cert(
                    &bad,
                    serial::VARIANT_ISSUER_NOT_CA_EE,
                    &names.auth_ee,
                    &self.auth_ee.key,
                    AuthTweak::default(),
                )
            }
            Variant::UnknownCriticalExtension => {
                auth(serial::VARIANT_UNKNOWN_CRITICAL, AuthTweak { unknown_critical: true, ..Default::default() })
            }
            Variant::Revoked => {
                chain.crl = Some(self.auth_crl.clone());
                self.auth_revoked.der.clone()
            }
            Variant::Sha1 => auth(serial::VARIANT_SHA1, AuthTweak { hash: Some(Hash::Sha1), ..Default::default() }),
        };
        chain
    }

    fn bad_intermediate(&self, names: &Names, auth_ca: &IssuerRef<'_>) -> Vec<u8> {
        let key = &self.bad_intermediate_key;
        let extensions = vec![
            x509::key_usage(&[ku::DIGITAL_SIGNATURE, ku::KEY_CERT_SIGN, ku::CRL_SIGN]),
            x509::basic_constraints(false),
            x509::authority_key_id(&auth_ca.key_id),
            x509::subject_key_id(&x509::key_id(key)),
        ];
        x509::certificate(
            &CertSpec {
                serial: serial::VARIANT_BAD_INTERMEDIATE,
                issuer: auth_ca.name,
                not_before: CA_NOT_BEFORE,
                not_after: CA_NOT_AFTER,
                subject: &names.bad_intermediate,
                subject_key: key,
                extensions,
                hash: Hash::Sha256,
            },
            auth_ca.signer,
        )
    }
}

/// What an issued certificate takes from its issuer. `signer` is normally the key behind
/// `key_id`; the WrongIssuer variant separates them.
#[derive(Clone)]
struct IssuerRef<'a> {
    name: &'a [u8],
    key_id: Vec<u8>,
    signer: &'a KeyPair,
}

impl<'a> IssuerRef<'a> {
    fn of(name: &'a [u8], key: &'a KeyPair) -> Self {
        Self { name, key_id: x509::key_id(key), signer: key }
    }
}

fn auth_ee_cert(issuer: &IssuerRef<'_>, serial: u64, subject: &[u8], key: &KeyPair, tweak: AuthTweak) -> Vec<u8> {
    let mut extensions = vec![
        x509::key_usage(tweak.key_usage.unwrap_or(&[ku::DIGITAL_SIGNATURE])),
        policy(oid::POLICY_AUTH),
        x509::issuer_alt_dir_name(&ee_issuer_alt_name()),
        x509::crl_distribution_dir_name(&crl_dp_name(OU_AUTH)),
        x509::authority_key_id(&issuer.key_id),
    ];
    if tweak.unknown_critical {
        extensions.push(x509::extension(oid::TEST_UNKNOWN_EXTENSION, true, &der::null()));
    }
    extensions.push(x509::subject_key_id(&x509::key_id(key)));
    let (not_before, not_after) = tweak.validity.unwrap_or((EE_NOT_BEFORE, EE_NOT_AFTER));
    x509::certificate(
        &CertSpec {
            serial,
            issuer: issuer.name,
            not_before,
            not_after,
            subject,
            subject_key: key,
            extensions,
            hash: tweak.hash.unwrap_or(Hash::Sha256),
        },
        issuer.signer,
    )
}

fn sign_ee_cert(names: &Names, sign_ca: &Issued, key: &KeyPair) -> Vec<u8> {
    let h = &HOLDER;
    let extensions = vec![
        x509::key_usage(&[ku::DIGITAL_SIGNATURE, ku::NON_REPUDIATION]),
        x509::subject_alt_other_names(&[
            (oid::HOLDER_NAME, h.name),
            (oid::HOLDER_BIRTH_DATE, h.birth_date_cert),
            (oid::HOLDER_SEX, h.sex),
            (oid::HOLDER_ADDRESS, h.address),
            (oid::HOLDER_NAME_SUBSTITUTES, h.name_substitutes),
            (oid::HOLDER_ADDRESS_SUBSTITUTES, h.address_substitutes),
        ]),
        policy(oid::POLICY_SIGN),
        x509::issuer_alt_dir_name(&ee_issuer_alt_name()),
        x509::crl_distribution_dir_name(&crl_dp_name(OU_SIGN)),
        x509::authority_key_id(&x509::key_id(&sign_ca.key)),
        x509::subject_key_id(&x509::key_id(key)),
    ];
    x509::certificate(
        &CertSpec {
            serial: serial::SIGN_EE,
            issuer: &names.sign_ca,
            not_before: EE_NOT_BEFORE,
            not_after: EE_NOT_AFTER,
            subject: &names.sign_ee,
            subject_key: key,
            extensions,
            hash: Hash::Sha256,
        },
        &sign_ca.key,
    )
}

/// The sub certificate (project-defined, scheme 3): bound to the main authentication
/// certificate by hash and serial, valid strictly inside it.
fn sub_ee_cert(names: &Names, sub_ca: &Issued, main_auth_der: &[u8], key: &KeyPair) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let binding = der::seq(&[der::octets(&Sha256::digest(main_auth_der)), der::uint_u64(serial::AUTH_EE)]);
    let extensions = vec![
        x509::key_usage(&[ku::DIGITAL_SIGNATURE]),
        x509::certificate_policies(false, &[oid::SUB_CERT_POLICY]),
        x509::extension(oid::SUB_CERT_BINDING, false, &binding),
        x509::crl_distribution_dir_name(&crl_dp_name(OU_SUB)),
        x509::authority_key_id(&x509::key_id(&sub_ca.key)),
        x509::subject_key_id(&x509::key_id(key)),
    ];
    x509::certificate(
        &CertSpec {
            serial: serial::SUB_EE,
            issuer: &names.sub_ca,
            not_before: SUB_NOT_BEFORE,
            not_after: SUB_NOT_AFTER,
            subject: &names.sub_ee,
            subject_key: key,
            extensions,
            hash: Hash::Sha256,
        },
        &sub_ca.key,
    )
}
