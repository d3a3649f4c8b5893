//! The four real J-LIS root certificates (public, self-signed) as trust anchors.

use hanko_crypto::chain::Anchor;
use hanko_crypto::profile::{Certificate, Generation, KeyUsage, Kind};
use hanko_crypto::time::UnixTime;

/// The repository's copy of the public J-LIS roots (as in /work/shared/testdata/jpki-ca).
const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/testdata/jpki-ca");

fn load(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}.pem")).unwrap_or_else(|e| panic!("{DIR}/{name}.pem: {e}"))
}

const ROOTS: [(&str, Kind, Generation); 4] = [
    ("auth_ca_2015", Kind::AuthenticationCa, Generation::G2015),
    ("auth_ca_2023", Kind::AuthenticationCa, Generation::G2023),
    ("sign_ca_2015", Kind::SigningCa, Generation::G2015),
    ("sign_ca_2023", Kind::SigningCa, Generation::G2023),
];

#[test]
fn parse_and_classify() {
    for (name, kind, generation) in ROOTS {
        let anchor = Anchor::new(&load(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(anchor.kind(), kind, "{name}");
        assert_eq!(anchor.generation(), Some(generation), "{name}");
        assert_eq!(anchor.key().bits(), 2048, "{name}");
        assert!(anchor.subject().contains("O=JPKI"), "{name}: {}", anchor.subject());

        let cert = anchor.certificate().unwrap();
        assert_eq!(cert.key_usage(), Some(KeyUsage::KEY_CERT_SIGN | KeyUsage::CRL_SIGN), "{name}");
        assert!(cert.is_ca(), "{name}");
        assert!(cert.unknown_critical_extensions().is_empty(), "{name}");
        assert!(cert.holder().is_empty(), "{name}");
        // The CA's own CRL distribution point is its subject (the ARL).
        let dps = cert.crl_distribution_dir_names();
        assert_eq!(dps.len(), 1, "{name}");
        assert_eq!(dps[0].as_raw(), cert.subject_raw(), "{name}");
        assert_eq!(cert.subject_raw(), cert.issuer_raw(), "{name}");
    }
}

#[test]
fn verify_as_self_signed() {
    for (name, ..) in ROOTS {
        let anchor = Anchor::new(&load(name)).unwrap();
        anchor.verify_self_signed().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn not_signed_by_each_other() {
    // The generations share one subject name; only their keys tell them apart.
    use hanko_crypto::signature::{verify, HashAlgorithm, Scheme, SignatureError};
    let a15 = Anchor::new(&load("auth_ca_2015")).unwrap();
    let a23 = Anchor::new(&load("auth_ca_2023")).unwrap();
    let der = a23.der().to_vec();
    let cert = Certificate::from_der(&der).unwrap();
    assert_eq!(a15.subject(), a23.subject());
    let err = verify(a15.key(), cert.tbs(), cert.signature_value(), Scheme::Pkcs1v15(HashAlgorithm::Sha256));
    assert!(matches!(err, Err(SignatureError::BadPadding)), "{err:?}");
}

#[test]
fn validity_at_2026_11_24() {
    let at: UnixTime = "2026-11-24T00:00:00Z".parse().unwrap();
    for (name, _, generation) in ROOTS {
        let anchor = Anchor::new(&load(name)).unwrap();
        let valid = anchor.is_valid_at(at);
        match generation {
            Generation::G2015 => {
                assert!(!valid, "{name} should have expired");
                assert_eq!(anchor.not_after().to_string(), "2025-10-19T14:59:59Z", "{name}");
            }
            _ => {
                assert!(valid, "{name} should be valid");
                assert_eq!(anchor.not_after().to_string(), "2033-07-15T14:59:59Z", "{name}");
            }
        }
    }
}

#[test]
fn der_and_pem_agree() {
    for (name, ..) in ROOTS {
        let pem = load(name);
        let from_pem = Anchor::new(&pem).unwrap();
        let from_der = Anchor::new(from_pem.der()).unwrap();
        assert_eq!(from_pem.der(), from_der.der());
        assert_eq!(from_pem.key(), from_der.key());
    }
}
