//! Fuzz target bodies for the verify core. The fixed material (anchor, CRL, text-AP files,
//! keys) is the checked-in test PKI, compiled in so a fuzz binary needs no files at run time
//! and pays for no key generation.
//!
//! Beyond "never panics", each target checks that nothing forged passes: RSA PKCS#1 v1.5
//! signatures are deterministic, so a fuzzed input can only verify if its signed content is
//! the genuine one.

use hanko_codec::field::HashAlgorithm;
use hanko_codec::generated::files::TextIntegrity;
use hanko_crypto::chain::{verify_chain, Anchor, Options, Purpose};
use hanko_crypto::cv::CvCertificate;
use hanko_crypto::key::RsaPublicKey;
use hanko_crypto::profile::{self, Certificate};
use hanko_crypto::signature::{self, PssSalt, Scheme};
use hanko_crypto::time::UnixTime;
use std::sync::OnceLock;

macro_rules! pki_file {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/testdata/pki/", $name))
    };
}

const AUTH_CA: &[u8] = pki_file!("auth_ca.der");
const AUTH_CRL: &[u8] = pki_file!("auth_ca.crl.der");
const AUTH_EE: &[u8] = pki_file!("auth_ee.der");
const EF0001: &[u8] = pki_file!("text_ap/ef0001.bin");
const EF0002: &[u8] = pki_file!("text_ap/ef0002.bin");
const EF0003: &[u8] = pki_file!("text_ap/ef0003.bin");
const EF0004: &[u8] = pki_file!("text_ap/ef0004.bin");
const CV_ISSUER: &[u8] = pki_file!("cv_issuer.spki.der");

/// The only end entity the authentication CA issued that is valid and unrevoked at the
/// test PKI's check time.
fn genuine_tbs() -> &'static [u8] {
    static TBS: OnceLock<Vec<u8>> = OnceLock::new();
    TBS.get_or_init(|| Certificate::from_der(AUTH_EE).expect("test PKI certificate parses").tbs().to_vec())
}

fn anchor() -> &'static Anchor {
    static ANCHOR: OnceLock<Anchor> = OnceLock::new();
    ANCHOR.get_or_init(|| Anchor::new(AUTH_CA).expect("test PKI anchor parses"))
}

/// Every accessor of the JPKI profile on a fuzzed certificate (DER or PEM): none may panic.
pub fn certificate(data: &[u8]) {
    let Ok(der) = profile::der_from_pem_or_der(data, &["CERTIFICATE"]) else { return };
    let Ok(c) = Certificate::from_der(&der) else { return };
    let _ = (c.kind(), c.generation(), c.subject(), c.issuer(), c.serial(), c.not_before(), c.not_after());
    let _ = (c.key_usage().map(profile::key_usage_names), c.basic_constraints(), c.policies(), c.signature_hash());
    let holder = c.holder();
    let _ = (holder.name(), holder.sex(), holder.birth_date(), holder.address(), holder.address_candidates());
    if let Ok(key) = c.public_key() {
        assert!(key.modulus().len() * 8 >= key.bits(), "modulus shorter than its bit length");
    }
}

/// A fuzzed end entity against the test PKI's authentication CA and CRL: verification may
/// only succeed for the genuine certificate's signed content.
pub fn chain(data: &[u8]) {
    let at = UnixTime(hanko_crypto::testpki::VERIFY_AT_UNIX);
    let result = verify_chain(
        data,
        &[],
        std::slice::from_ref(anchor()),
        &[AUTH_CRL],
        at,
        &Options::for_purpose(Purpose::Authentication),
    );
    if let Err(e) = &result {
        let _ = e.to_string();
    }
    if result.is_ok() {
        let der = profile::der_from_pem_or_der(data, &["CERTIFICATE"]).expect("verified input parses");
        let c = Certificate::from_der(&der).expect("verified input parses");
        assert_eq!(c.tbs(), genuine_tbs(), "a certificate the CA never signed verified");
    }
}

/// A fuzzed EF 0004 against the test PKI's CV issuer key.
pub fn cv_certificate(data: &[u8]) {
    static ISSUER: OnceLock<RsaPublicKey> = OnceLock::new();
    let issuer = ISSUER.get_or_init(|| RsaPublicKey::from_spki_der(CV_ISSUER).expect("test PKI key parses"));
    let Ok(cv) = CvCertificate::parse(data) else { return };
    let _ = (cv.issuer_key_id(), cv.subject_key_id(), cv.public_key());
    if cv.verify(issuer).is_ok() {
        let genuine = CvCertificate::parse(EF0004).expect("test PKI EF 0004 parses");
        assert_eq!(cv.signed_bytes(), genuine.signed_bytes(), "a CV certificate the issuer never signed verified");
    }
}

/// A fuzzed EF 0003 against the genuine EF 0001, EF 0002 and AP key.
pub fn integrity(data: &[u8]) {
    static AP_KEY: OnceLock<RsaPublicKey> = OnceLock::new();
    let key =
        AP_KEY.get_or_init(|| CvCertificate::parse(EF0004).and_then(|c| c.public_key()).expect("test PKI AP key"));
    match hanko_crypto::integrity::verify_record(EF0001, EF0002, data, key) {
        Ok(()) => {
            let ours = TextIntegrity::parse(data).expect("a verified record decodes");
            let genuine = TextIntegrity::parse(EF0003).expect("test PKI EF 0003 decodes");
            assert_eq!(
                (ours.my_number_digest, ours.attributes_digest, ours.signature),
                (genuine.my_number_digest, genuine.attributes_digest, genuine.signature),
                "an integrity record the AP key never signed verified"
            );
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// DigestInfo handling and every signature scheme on fuzzed signatures: the first byte picks
/// the scheme, the rest is the signature; the message is fixed. Nothing the key's owner did
/// not sign may verify, and a split DigestInfo must rebuild to the same bytes.
pub fn signature(data: &[u8]) {
    static KEY: OnceLock<RsaPublicKey> = OnceLock::new();
    let key = KEY.get_or_init(|| {
        let cert = Certificate::from_der(AUTH_EE).expect("test PKI certificate parses");
        cert.public_key().expect("test PKI key")
    });
    let Some((&selector, payload)) = data.split_first() else { return };
    if let Some((alg, digest)) = signature::split_digest_info(payload) {
        assert_eq!(signature::digest_info(alg, digest), payload, "DigestInfo does not rebuild to its bytes");
    }
    let scheme = match selector % 8 {
        0 => Scheme::Pkcs1v15(HashAlgorithm::Sha256),
        1 => Scheme::Pkcs1v15(HashAlgorithm::Sha1),
        2 => Scheme::Pkcs1v15Prehashed(HashAlgorithm::Sha384),
        3 => Scheme::Pkcs1v15Raw,
        4 => Scheme::Pkcs1v15BareSha256,
        5 => Scheme::PssSha256(PssSalt::default()),
        6 => Scheme::PssSha256Prehashed(PssSalt::default()),
        _ => Scheme::Pkcs1v15(HashAlgorithm::Sha512),
    };
    let message: &[u8] = match scheme {
        Scheme::Pkcs1v15Prehashed(_) => &[0x5A; 48],
        Scheme::PssSha256Prehashed(_) => &[0x5A; 32],
        _ => b"a message the test key never signed",
    };
    if let Err(e) = signature::verify(key, message, payload, scheme) {
        let _ = e.to_string();
    } else {
        panic!("{scheme:?}: a signature over a message the key never signed verified");
    }
}
