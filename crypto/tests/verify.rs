//! The verify core against the checked-in test PKI (corpus/testdata/pki), signatures made
//! here with RustCrypto `rsa`, and a few certificates made with the `openssl` CLI (those
//! tests fail, naming the missing tool, where no `openssl` is installed: a skip would hide a
//! missing install step in CI).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use hanko_codec::field::MyNumber;
use hanko_codec::generated::files::{TextCvCertificate, TextMyNumber};
use hanko_crypto::chain::{verify_chain, Anchor, Check, Options, Purpose, RevocationStatus};
use hanko_crypto::crl::{Crl, CrlError, RevocationReason};
use hanko_crypto::cv::CvCertificate;
use hanko_crypto::error::{AnchorError, CvError, IntegrityError, KeyError};
use hanko_crypto::integrity::{self, verify_record, verify_text_ap};
use hanko_crypto::key::RsaPublicKey;
use hanko_crypto::profile::{BirthDate, Certificate, KeyUsage, Kind};
use hanko_crypto::signature::{digest_info, hash_of, verify, HashAlgorithm, PssSalt, Scheme, SignatureError};
use hanko_crypto::time::UnixTime;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;

fn pki_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/testdata/pki")
}

fn read(rel: &str) -> Vec<u8> {
    let path = pki_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn at() -> UnixTime {
    "2027-01-01T00:00:00Z".parse().unwrap()
}

fn t(text: &str) -> UnixTime {
    text.parse().unwrap()
}

fn anchor(name: &str) -> Anchor {
    Anchor::new(&read(&format!("{name}.der"))).unwrap()
}

fn private_key(name: &str) -> rsa::PrivateKey {
    rsa::PrivateKey::from_pkcs8_der(&read(&format!("{name}.key.pk8.der"))).unwrap()
}

/// The text AP key of the test PKI, shared by the signature tests.
fn signer() -> &'static (rsa::PrivateKey, RsaPublicKey) {
    static KEY: OnceLock<(rsa::PrivateKey, RsaPublicKey)> = OnceLock::new();
    KEY.get_or_init(|| {
        let private = private_key("text_ap");
        let public = RsaPublicKey::from_components(&private.n_bytes(), &private.e_bytes()).unwrap();
        (private, public)
    })
}

/// `s = em^d mod n`: a signature over an arbitrary (possibly malformed) encoded message.
fn raw_sign(key: &rsa::PrivateKey, em: &[u8]) -> Vec<u8> {
    let m = rsa::BoxedUint::from_be_slice(em, key.n_bits_precision()).unwrap();
    let s = rsa::hazmat::rsa_decrypt_and_check(key, None::<&mut ChaCha20Rng>, &m).unwrap();
    let bytes = s.to_be_bytes();
    let k = key.size();
    bytes[bytes.len() - k..].to_vec()
}

/// `00 01 FF… 00 t` for a key of `k` bytes, with `ff` padding bytes (normally k − 3 − |t|).
fn pkcs1_block(k: usize, t: &[u8]) -> Vec<u8> {
    let mut em = vec![0x00, 0x01];
    em.resize(k - t.len() - 1, 0xFF);
    em.push(0x00);
    em.extend_from_slice(t);
    em
}

fn sign_pkcs1(t: &[u8]) -> Vec<u8> {
    let (key, _) = signer();
    raw_sign(key, &pkcs1_block(key.size(), t))
}

// ---------------------------------------------------------------------------------------
// Signature schemes

#[test]
fn pkcs1v15_every_hash_in_every_form() {
    let (_, public) = signer();
    let msg = b"hanko verify core";
    for alg in HashAlgorithm::ALL {
        let digest = hash_of(alg, msg);
        let di = digest_info(alg, digest.as_ref());
        let sig = sign_pkcs1(&di);
        assert_eq!(verify(public, msg, &sig, Scheme::Pkcs1v15(alg)), Ok(()), "{alg:?} message");
        assert_eq!(verify(public, digest.as_ref(), &sig, Scheme::Pkcs1v15Prehashed(alg)), Ok(()), "{alg:?} digest");
        assert_eq!(verify(public, &di, &sig, Scheme::Pkcs1v15Raw), Ok(()), "{alg:?} raw DigestInfo");
        assert_eq!(
            verify(public, b"another message", &sig, Scheme::Pkcs1v15(alg)),
            Err(SignatureError::DigestMismatch),
            "{alg:?}"
        );
    }
}

#[test]
fn agrees_with_rustcrypto_pkcs1v15_signer() {
    let (key, public) = signer();
    let msg = b"signed by rsa::Pkcs1v15Sign";
    let digest = hash_of(HashAlgorithm::Sha256, msg);
    let sig = key.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), digest.as_ref()).unwrap();
    assert_eq!(sig, sign_pkcs1(&digest_info(HashAlgorithm::Sha256, digest.as_ref())));
    assert_eq!(verify(public, msg, &sig, Scheme::Pkcs1v15(HashAlgorithm::Sha256)), Ok(()));
    assert_eq!(verify(public, msg, &sig, Scheme::for_card_p1(0x03).unwrap()), Ok(()));
}

#[test]
fn digest_info_naming_another_algorithm_is_named() {
    let (_, public) = signer();
    let msg = b"hash confusion";
    let sha1 = hash_of(HashAlgorithm::Sha1, msg);
    let sig = sign_pkcs1(&digest_info(HashAlgorithm::Sha1, sha1.as_ref()));
    assert_eq!(
        verify(public, msg, &sig, Scheme::Pkcs1v15(HashAlgorithm::Sha256)),
        Err(SignatureError::DigestInfoMismatch { expected: HashAlgorithm::Sha256, found: Some(HashAlgorithm::Sha1) })
    );
    // Raw form with a SHA-512 DigestInfo as the expected bytes.
    let sha512 = hash_of(HashAlgorithm::Sha512, msg);
    assert_eq!(
        verify(public, &digest_info(HashAlgorithm::Sha512, sha512.as_ref()), &sig, Scheme::Pkcs1v15Raw),
        Err(SignatureError::DigestInfoMismatch { expected: HashAlgorithm::Sha512, found: Some(HashAlgorithm::Sha1) })
    );
    // A bare hash where a DigestInfo belongs.
    let sha256 = hash_of(HashAlgorithm::Sha256, msg);
    let bare = sign_pkcs1(sha256.as_ref());
    assert_eq!(
        verify(public, msg, &bare, Scheme::Pkcs1v15(HashAlgorithm::Sha256)),
        Err(SignatureError::DigestInfoMismatch { expected: HashAlgorithm::Sha256, found: None })
    );
}

#[test]
fn card_raw_form_p1_00() {
    let (_, public) = signer();
    let data = b"any bytes the caller sent with P1=00";
    let sig = sign_pkcs1(data);
    assert_eq!(verify(public, data, &sig, Scheme::for_card_p1(0x00).unwrap()), Ok(()));
    assert_eq!(verify(public, b"other bytes", &sig, Scheme::Pkcs1v15Raw), Err(SignatureError::DigestMismatch));
    let too_long = vec![0x42; 246];
    assert_eq!(
        verify(public, &too_long, &sig, Scheme::Pkcs1v15Raw),
        Err(SignatureError::WrongLength { expected: 245, found: 246 })
    );
}

#[test]
fn card_bare_hash_form_p1_01() {
    let (_, public) = signer();
    let msg = b"P1=01: the card hashes, no DigestInfo";
    let h = hash_of(HashAlgorithm::Sha256, msg);
    let sig = sign_pkcs1(h.as_ref());
    assert_eq!(verify(public, msg, &sig, Scheme::for_card_p1(0x01).unwrap()), Ok(()));
    // Pre-hashed bare form through the raw scheme.
    assert_eq!(verify(public, h.as_ref(), &sig, Scheme::Pkcs1v15Raw), Ok(()));
    assert_eq!(verify(public, b"x", &sig, Scheme::Pkcs1v15BareSha256), Err(SignatureError::DigestMismatch));
    let with_di = sign_pkcs1(&digest_info(HashAlgorithm::Sha256, h.as_ref()));
    assert_eq!(
        verify(public, msg, &with_di, Scheme::Pkcs1v15BareSha256),
        Err(SignatureError::UnexpectedDigestInfo { found: HashAlgorithm::Sha256 })
    );
}

#[test]
fn card_prehashed_forms_p1_02_and_04() {
    let (key, public) = signer();
    let msg = b"pre-hashed";
    let h = hash_of(HashAlgorithm::Sha256, msg);
    let sig = sign_pkcs1(&digest_info(HashAlgorithm::Sha256, h.as_ref()));
    assert_eq!(verify(public, h.as_ref(), &sig, Scheme::for_card_p1(0x02).unwrap()), Ok(()));
    assert_eq!(
        verify(public, &h.as_ref()[..31], &sig, Scheme::Pkcs1v15Prehashed(HashAlgorithm::Sha256)),
        Err(SignatureError::WrongLength { expected: 32, found: 31 })
    );
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let pss = key.sign_with_rng(&mut rng, rsa::Pss::<sha2::Sha256>::new(), h.as_ref()).unwrap();
    assert_eq!(verify(public, h.as_ref(), &pss, Scheme::for_card_p1(0x04).unwrap()), Ok(()));
    assert_eq!(
        verify(public, msg, &pss, Scheme::PssSha256Prehashed(PssSalt::DEFAULT)),
        Err(SignatureError::WrongLength { expected: 32, found: msg.len() })
    );
}

#[test]
fn pss_salt_lengths() {
    let (key, public) = signer();
    let msg = b"RSASSA-PSS SHA-256 MGF1-SHA-256";
    let h = hash_of(HashAlgorithm::Sha256, msg);
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let salt32 = key.sign_with_rng(&mut rng, rsa::Pss::<sha2::Sha256>::new(), h.as_ref()).unwrap();
    let salt20 = key.sign_with_rng(&mut rng, rsa::Pss::<sha2::Sha256>::new_with_salt(20), h.as_ref()).unwrap();
    let salt0 = key.sign_with_rng(&mut rng, rsa::Pss::<sha2::Sha256>::new_with_salt(0), h.as_ref()).unwrap();

    assert_eq!(verify(public, msg, &salt32, Scheme::for_card_p1(0x05).unwrap()), Ok(()));
    assert_eq!(verify(public, msg, &salt32, Scheme::PssSha256(PssSalt::Any)), Ok(()));
    assert_eq!(
        verify(public, msg, &salt20, Scheme::PssSha256(PssSalt::DEFAULT)),
        Err(SignatureError::SaltLength { expected: 32, found: 20 })
    );
    assert_eq!(verify(public, msg, &salt20, Scheme::PssSha256(PssSalt::Length(20))), Ok(()));
    assert_eq!(verify(public, msg, &salt20, Scheme::PssSha256(PssSalt::Any)), Ok(()));
    assert_eq!(verify(public, h.as_ref(), &salt0, Scheme::PssSha256Prehashed(PssSalt::Any)), Ok(()));
    assert_eq!(
        verify(public, b"other", &salt32, Scheme::PssSha256(PssSalt::DEFAULT)),
        Err(SignatureError::DigestMismatch)
    );
    assert_eq!(verify(public, b"other", &salt20, Scheme::PssSha256(PssSalt::Any)), Err(SignatureError::DigestMismatch));
    // A PKCS#1 v1.5 signature is no PSS encoding, and the other way round.
    let v15 = sign_pkcs1(&digest_info(HashAlgorithm::Sha256, h.as_ref()));
    assert_eq!(verify(public, msg, &v15, Scheme::PssSha256(PssSalt::DEFAULT)), Err(SignatureError::BadPadding));
    assert_eq!(verify(public, msg, &salt32, Scheme::Pkcs1v15(HashAlgorithm::Sha256)), Err(SignatureError::BadPadding));
}

#[test]
fn malformed_signatures() {
    let (key, public) = signer();
    let msg = b"m";
    let h = hash_of(HashAlgorithm::Sha256, msg);
    let di = digest_info(HashAlgorithm::Sha256, h.as_ref());
    let good = sign_pkcs1(&di);
    let sha256 = Scheme::Pkcs1v15(HashAlgorithm::Sha256);

    assert_eq!(verify(public, msg, &good[1..], sha256), Err(SignatureError::WrongLength { expected: 256, found: 255 }));
    assert_eq!(verify(public, msg, &[], sha256), Err(SignatureError::WrongLength { expected: 256, found: 0 }));
    // Not a number below the modulus.
    assert_eq!(verify(public, msg, &[0xFF; 256], sha256), Err(SignatureError::Invalid));
    assert_eq!(verify(public, msg, &[0xFF; 256], Scheme::Pkcs1v15BareSha256), Err(SignatureError::Invalid));
    // Block type 2, and only seven FF bytes.
    let mut type2 = pkcs1_block(256, &di);
    type2[1] = 0x02;
    assert_eq!(verify(public, msg, &raw_sign(key, &type2), sha256), Err(SignatureError::BadPadding));
    let mut short_ps = vec![0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00];
    short_ps.resize(256, 0x5A);
    assert_eq!(verify(public, msg, &raw_sign(key, &short_ps), Scheme::Pkcs1v15Raw), Err(SignatureError::BadPadding));
    // The right bytes after a broken separator.
    let mut no_zero = pkcs1_block(256, &di);
    no_zero[256 - di.len() - 1] = 0xFF;
    assert_eq!(verify(public, msg, &raw_sign(key, &no_zero), sha256), Err(SignatureError::BadPadding));
    // Another key.
    let other = anchor("auth_ca");
    assert_eq!(verify(other.key(), msg, &good, sha256), Err(SignatureError::BadPadding));
}

#[test]
fn errors_display_in_one_line() {
    let e = SignatureError::DigestInfoMismatch { expected: HashAlgorithm::Sha256, found: Some(HashAlgorithm::Sha1) };
    assert_eq!(e.to_string(), "DigestInfo names sha1 where sha256 was expected");
    assert_eq!(
        SignatureError::SaltLength { expected: 32, found: 20 }.to_string(),
        "PSS salt of 20 bytes where 32 were expected"
    );
}

#[test]
fn keys_parse_once_from_every_form() {
    let (private, public) = signer();
    let spki = read("cv_issuer.spki.der");
    let cv_issuer = RsaPublicKey::from_spki_der(&spki).unwrap();
    assert_eq!(cv_issuer.bits(), 2048);
    assert_eq!(cv_issuer.exponent(), &[1, 0, 1]);
    let again = RsaPublicKey::from_pkcs1_der(&public.to_pkcs1_der()).unwrap();
    assert_eq!(&again, public);
    // Leading zero bytes in the components are ignored.
    let mut n = vec![0, 0];
    n.extend_from_slice(&private.n_bytes());
    assert_eq!(&RsaPublicKey::from_components(&n, &[0, 1, 0, 1]).unwrap(), public);
    assert!(matches!(RsaPublicKey::from_spki_der(&spki[..spki.len() - 1]), Err(KeyError::Malformed(_))));
    assert!(matches!(RsaPublicKey::from_spki_der(b""), Err(KeyError::Malformed(_))));
    // One key, many verifications, several schemes.
    let msg = b"reuse";
    for alg in HashAlgorithm::ALL {
        let sig = sign_pkcs1(&digest_info(alg, hash_of(alg, msg).as_ref()));
        for _ in 0..3 {
            assert_eq!(verify(public, msg, &sig, Scheme::Pkcs1v15(alg)), Ok(()));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Profile

#[test]
fn test_pki_certificates_are_classified() {
    for (file, kind) in [
        ("auth_ca.der", Kind::AuthenticationCa),
        ("sign_ca.der", Kind::SigningCa),
        ("sub_ca.der", Kind::SubCertificateCa),
        ("auth_ee.der", Kind::Authentication),
        ("auth_revoked.der", Kind::Authentication),
        ("sign_ee.der", Kind::Signing),
        ("sub_ee.der", Kind::SubCertificate),
    ] {
        let der = read(file);
        let cert = Certificate::from_der(&der).unwrap();
        assert_eq!(cert.kind(), kind, "{file}");
    }
    let der = read("auth_ee.der");
    let auth = Certificate::from_der(&der).unwrap();
    assert_eq!(auth.policy_oids(), ["1.2.392.200149.8.5.1.3.30"]);
    assert_eq!(auth.key_usage(), Some(KeyUsage::DIGITAL_SIGNATURE));
    assert_eq!(auth.serial(), &[0x10, 0x01]);
    assert_eq!(auth.not_before(), t("2024-12-31T15:00:00Z"));
    assert_eq!(auth.not_after(), t("2030-01-01T14:59:59Z"));
    assert!(auth.holder().is_empty());
    assert_eq!(auth.generation(), None);
    let ca = anchor("auth_ca");
    assert_eq!(ca.generation(), Some(hanko_crypto::profile::Generation::Other(2024)));
}

#[test]
fn holder_attributes_of_the_signing_certificate() {
    let der = read("sign_ee.der");
    let cert = Certificate::from_der(&der).unwrap();
    assert_eq!(cert.kind(), Kind::Signing);
    assert_eq!(cert.policy_oids(), ["1.2.392.200149.8.5.1.1.20"]);
    assert_eq!(cert.key_usage(), Some(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION));
    let h = cert.holder();
    // Certificate order, as on real cards: .1 .4 .3 .5 .2 .6.
    assert_eq!(h.attributes.iter().map(|a| a.arc).collect::<Vec<_>>(), [1, 4, 3, 5, 2, 6]);
    assert!(h.attributes.iter().all(|a| a.tag == Some(0x0C)));
    assert_eq!(h.name(), Some("見本\u{3000}花子"));
    assert_eq!(h.name_substitute(), Some("00000"));
    assert_eq!(h.sex(), Some("2"));
    assert_eq!(h.birth_date_raw(), Some("420000101"));
    assert_eq!(h.birth_date(), Some(BirthDate { era: 4, year: 2000, month: 1, day: 1 }));
    assert_eq!(h.address(), Some("東京都千代田区見本町一丁目２番３号"));
    assert_eq!(h.address_substitute(), Some("00000000000000000"));
    let [(oid5, a5), (oid6, a6)] = h.address_candidates();
    assert_eq!((oid5, a5.unwrap().text), ("1.2.392.200149.8.5.5.5", h.address()));
    assert_eq!((oid6, a6.unwrap().oid()), ("1.2.392.200149.8.5.5.6", "1.2.392.200149.8.5.5.6".to_string()));
    let dps = cert.crl_distribution_dir_names();
    assert_eq!(dps.len(), 1);
    assert!(dps[0].to_string().contains("CRL Distribution Points"));
}

// ---------------------------------------------------------------------------------------
// Chains (test PKI)

fn chain_err(
    ee: &[u8],
    inter: &[&[u8]],
    anchors: &[Anchor],
    crls: &[&[u8]],
    when: UnixTime,
    o: &Options,
) -> (usize, Check) {
    match verify_chain(ee, inter, anchors, crls, when, o) {
        Ok(r) => panic!("verified: {r:?}"),
        Err(e) => (e.certificate, e.check),
    }
}

#[test]
fn valid_chains() {
    let anchors = [anchor("auth_ca"), anchor("sign_ca"), anchor("sub_ca")];
    let auth = verify_chain(&read("auth_ee.der"), &[], &anchors, &[], at(), &Options::default()).unwrap();
    assert_eq!(
        (auth.kind, auth.purpose, auth.purpose_inferred, auth.anchor),
        (Kind::Authentication, Some(Purpose::Authentication), true, 0)
    );
    assert_eq!(auth.path.len(), 2);
    assert_eq!(auth.path[0].signature_hash, Some(HashAlgorithm::Sha256));
    assert_eq!(auth.path[0].revocation, Some(RevocationStatus::NotChecked));
    assert!(auth.sha1_signatures.is_empty());

    let sign =
        verify_chain(&read("sign_ee.pem"), &[], &anchors, &[], at(), &Options::for_purpose(Purpose::Signing)).unwrap();
    assert_eq!((sign.kind, sign.anchor, sign.purpose_inferred), (Kind::Signing, 1, false));

    let sub =
        verify_chain(&read("sub_ee.der"), &[], &anchors, &[], at(), &Options::for_purpose(Purpose::Authentication))
            .unwrap();
    assert_eq!((sub.kind, sub.anchor), (Kind::SubCertificate, 2));

    // The CRL covers auth_ee through the CA name (a full CRL, no issuing distribution point).
    let crl = read("auth_ca.crl.der");
    let checked = verify_chain(&read("auth_ee.der"), &[], &anchors, &[&crl], at(), &Options::default()).unwrap();
    assert_eq!(checked.path[0].revocation, Some(RevocationStatus::Good { crls: 1 }));
    let pem_crl = read("auth_ca.crl.pem");
    let o = Options { require_revocation_check: true, ..Options::default() };
    verify_chain(&read("auth_ee.der"), &[], &anchors, &[&pem_crl], at(), &o).unwrap();
}

#[test]
fn real_jlis_anchors_do_not_issue_test_certificates() {
    let anchors: Vec<Anchor> = ["auth_ca_2015", "auth_ca_2023", "sign_ca_2015", "sign_ca_2023"]
        .iter()
        .map(|n| Anchor::new(&read(&format!("../jpki-ca/{n}.pem"))).unwrap())
        .collect();
    let (i, check) = chain_err(&read("auth_ee.der"), &[], &anchors, &[], at(), &Options::default());
    assert_eq!(i, 0);
    assert!(matches!(check, Check::UntrustedIssuer { ref issuer } if issuer.contains("JPKI-TEST")), "{check:?}");
    // With the test anchor among them, it is found.
    let mut all = anchors;
    all.push(anchor("auth_ca"));
    assert_eq!(verify_chain(&read("auth_ee.der"), &[], &all, &[], at(), &Options::default()).unwrap().anchor, 4);
}

fn variant(name: &str) -> Vec<u8> {
    read(&format!("variants/{name}/ee.der"))
}

#[test]
fn every_variant_fails_its_own_check() {
    let anchors = [anchor("auth_ca")];
    let o = Options::for_purpose(Purpose::Authentication);
    let run = |name: &str, inter: &[&[u8]], crls: &[&[u8]]| chain_err(&variant(name), inter, &anchors, crls, at(), &o);

    verify_chain(&variant("valid"), &[], &anchors, &[], at(), &o).unwrap();
    assert_eq!(run("expired", &[], &[]), (0, Check::Expired { not_after: t("2024-12-31T00:00:00Z"), at: at() }));
    assert_eq!(
        run("not_yet_valid", &[], &[]),
        (0, Check::NotYetValid { not_before: t("2033-01-01T00:00:00Z"), at: at() })
    );
    assert!(matches!(run("wrong_issuer", &[], &[]), (0, Check::Signature(_))));
    assert!(matches!(run("tampered_signature", &[], &[]), (0, Check::Signature(_))));
    assert_eq!(
        run("wrong_key_usage", &[], &[]),
        (0, Check::KeyUsage { required: KeyUsage::DIGITAL_SIGNATURE, found: Some(KeyUsage::KEY_CERT_SIGN) })
    );
    let untrusted = read("variants/issuer_not_ca/untrusted.pem");
    assert_eq!(run("issuer_not_ca", &[&untrusted], &[]), (1, Check::NotCa));
    // Without the intermediate, nothing issues it.
    assert!(matches!(run("issuer_not_ca", &[], &[]), (0, Check::UntrustedIssuer { .. })));
    assert_eq!(
        run("unknown_critical_extension", &[], &[]),
        (0, Check::UnknownCriticalExtension { oid: "1.3.6.1.4.1.32473.1.99".into() })
    );
    let crl = read("auth_ca.crl.der");
    assert_eq!(
        run("revoked", &[], &[&crl]),
        (
            0,
            Check::Revoked {
                serial: vec![0x10, 0x02],
                date: t("2025-06-01T00:00:00Z"),
                reason: Some(RevocationReason::KeyCompromise)
            }
        )
    );
    // Without the CRL the revoked certificate is otherwise fine.
    verify_chain(&variant("revoked"), &[], &anchors, &[], at(), &o).unwrap();
    assert_eq!(run("sha1", &[], &[]), (0, Check::WeakAlgorithm(HashAlgorithm::Sha1)));
    let lax = Options { allow_sha1: true, ..o };
    let report = verify_chain(&variant("sha1"), &[], &anchors, &[], at(), &lax).unwrap();
    assert_eq!(report.sha1_signatures, [0]);
    assert_eq!(report.path[0].signature_hash, Some(HashAlgorithm::Sha1));
}

#[test]
fn chain_error_messages() {
    let anchors = [anchor("auth_ca")];
    let e = verify_chain(&variant("expired"), &[], &anchors, &[], at(), &Options::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate 0 (C=JP, CN=HANKOTEST13101AUTH00001): expired on 2024-12-31T00:00:00Z (checked at 2027-01-01T00:00:00Z)"
    );
    let crl = read("auth_ca.crl.der");
    let e = verify_chain(&variant("revoked"), &[], &anchors, &[&crl], at(), &Options::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate 0 (C=JP, CN=HANKOTEST13101AUTH00002): serial 1002 revoked on 2025-06-01T00:00:00Z (keyCompromise)"
    );
    assert!(!e.to_string().contains('\n'));
}

#[test]
fn purpose_and_time_checks() {
    let anchors = [anchor("auth_ca"), anchor("sign_ca")];
    let (i, check) = chain_err(&read("auth_ee.der"), &[], &anchors, &[], at(), &Options::for_purpose(Purpose::Signing));
    assert_eq!((i, check), (0, Check::Purpose { required: Purpose::Signing, found: Kind::Authentication }));
    let (i, check) =
        chain_err(&read("sign_ee.der"), &[], &anchors, &[], at(), &Options::for_purpose(Purpose::Authentication));
    assert_eq!((i, check), (0, Check::Purpose { required: Purpose::Authentication, found: Kind::Signing }));
    // After the end entity's notAfter (it is checked before its issuer).
    let (i, check) =
        chain_err(&read("auth_ee.der"), &[], &anchors, &[], t("2031-01-01T00:00:00Z"), &Options::default());
    assert!(matches!((i, check), (0, Check::Expired { .. })));
    // No CRL while one is required.
    let o = Options { require_revocation_check: true, ..Options::default() };
    assert_eq!(chain_err(&read("auth_ee.der"), &[], &anchors, &[], at(), &o), (0, Check::NoCrl));
    // The CA must not be used as its own end entity for a purpose.
    let (_, check) =
        chain_err(&read("auth_ca.der"), &[], &anchors, &[], at(), &Options::for_purpose(Purpose::Authentication));
    assert_eq!(check, Check::Purpose { required: Purpose::Authentication, found: Kind::AuthenticationCa });
}

#[test]
fn crl_checks() {
    let anchors = [anchor("auth_ca")];
    let der = read("auth_ca.crl.der");
    let crl = Crl::from_der(&der).unwrap();
    assert_eq!(crl.this_update(), t("2026-01-01T00:00:00Z"));
    assert_eq!(crl.next_update(), Some(t("2034-01-01T00:00:00Z")));
    assert_eq!(crl.len(), 1);
    let ca = anchors[0].key();
    assert_eq!(crl.verify_signature(ca, false), Ok(HashAlgorithm::Sha256));
    assert_eq!(
        crl.check(ca, Some(KeyUsage::KEY_CERT_SIGN | KeyUsage::CRL_SIGN), at(), false),
        Ok(HashAlgorithm::Sha256)
    );
    assert_eq!(
        crl.check(ca, Some(KeyUsage::KEY_CERT_SIGN), at(), false),
        Err(CrlError::IssuerKeyUsage { found: KeyUsage::KEY_CERT_SIGN })
    );
    assert_eq!(
        crl.check_time(t("2034-06-01T00:00:00Z")),
        Err(CrlError::Expired { next_update: t("2034-01-01T00:00:00Z"), at: t("2034-06-01T00:00:00Z") })
    );
    let r = crl.revocation(&[0x10, 0x02]).unwrap();
    assert_eq!((r.date, r.reason), (t("2025-06-01T00:00:00Z"), Some(RevocationReason::KeyCompromise)));
    assert_eq!(crl.revocation(&[0x00, 0x10, 0x02]), Some(r));
    assert_eq!(crl.revocation(&[0x10, 0x01]), None);
    let sign_ca = anchor("sign_ca");
    assert!(matches!(crl.verify_signature(sign_ca.key(), false), Err(CrlError::BadSignature(_))));
    let ee_der = read("auth_ee.der");
    let sign_der = read("sign_ee.der");
    assert!(crl.covers(&Certificate::from_der(&ee_der).unwrap()));
    assert!(!crl.covers(&Certificate::from_der(&sign_der).unwrap()));

    // Through the chain: a CRL not yet issued, a tampered CRL, garbage.
    let (i, check) = chain_err(&ee_der, &[], &anchors, &[&der], t("2025-12-31T00:00:00Z"), &Options::default());
    assert_eq!(
        (i, check),
        (
            0,
            Check::Crl(CrlError::NotYetValid { this_update: t("2026-01-01T00:00:00Z"), at: t("2025-12-31T00:00:00Z") })
        )
    );
    let mut tampered = der.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert!(matches!(
        chain_err(&ee_der, &[], &anchors, &[&tampered], at(), &Options::default()),
        (0, Check::Crl(CrlError::BadSignature(_)))
    ));
    assert!(matches!(
        chain_err(&ee_der, &[], &anchors, &[b"junk"], at(), &Options::default()),
        (0, Check::Crl(CrlError::Parse(_)))
    ));
}

#[test]
fn parse_failures_and_algorithms() {
    let anchors = [anchor("auth_ca")];
    let (i, check) = chain_err(b"not a certificate", &[], &anchors, &[], at(), &Options::default());
    assert!(matches!((i, check), (0, Check::Parse(_))));
    let mut trailing = read("auth_ee.der");
    trailing.push(0);
    assert!(matches!(chain_err(&trailing, &[], &anchors, &[], at(), &Options::default()), (0, Check::Parse(_))));
    // Outer signatureAlgorithm sha256WithRSA → sha384WithRSA (the TBS still says sha256).
    let mut ee = read("auth_ee.der");
    let oid = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
    let last = ee.windows(oid.len()).rposition(|w| w == oid).unwrap();
    ee[last + oid.len() - 1] = 0x0C;
    assert_eq!(chain_err(&ee, &[], &anchors, &[], at(), &Options::default()), (0, Check::AlgorithmMismatch));
    assert!(matches!(Anchor::new(b"\x30\x00"), Err(AnchorError::Parse(_))));
    // The pinned message format of a parse error.
    let e = verify_chain(b"", &[], &anchors, &[], at(), &Options::default()).unwrap_err();
    assert!(e.to_string().starts_with("certificate 0 (?): not a DER certificate"), "{e}");
}

// ---------------------------------------------------------------------------------------
// Chains made with openssl: same-name anchors, key identifiers, path lengths, algorithms.

fn openssl() -> Openssl {
    let ok = Command::new("openssl").arg("version").output().map(|o| o.status.success()).unwrap_or(false);
    assert!(ok, "these tests need the openssl command line tool (apt-get install openssl)");
    let dir =
        std::env::temp_dir().join(format!("hanko-verify-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::create_dir_all(&dir).unwrap();
    Openssl { dir }
}

struct Openssl {
    dir: PathBuf,
}

impl Drop for Openssl {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Openssl {
    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    fn run(&self, args: &[&str]) {
        let out = Command::new("openssl").args(args).current_dir(&self.dir).output().unwrap();
        assert!(out.status.success(), "openssl {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.dir.join(name), text).unwrap();
        self.path(name)
    }

    fn der(&self, pem_name: &str) -> Vec<u8> {
        let der = self.path(&format!("{pem_name}.der"));
        self.run(&["x509", "-in", &self.path(pem_name), "-outform", "DER", "-out", &der]);
        std::fs::read(der).unwrap()
    }

    fn rsa_key(&self, name: &str, bits: u32) -> String {
        let path = self.path(name);
        self.run(&["genpkey", "-algorithm", "RSA", "-pkeyopt", &format!("rsa_keygen_bits:{bits}"), "-out", &path]);
        path
    }
}

const DAYS: &str = "7300";

#[test]
fn openssl_same_name_anchors_and_key_identifiers() {
    let o = openssl();
    let ca_pem = pki_dir().join("auth_ca.pem").to_string_lossy().into_owned();
    let ca_key = pki_dir().join("auth_ca.key.pk8.pem").to_string_lossy().into_owned();
    let other_key = o.rsa_key("other.key", 2048);

    // auth_ca re-signed with another key, its stale SKI kept: same name, same key id, wrong key.
    o.run(&["x509", "-in", &ca_pem, "-signkey", &other_key, "-days", DAYS, "-out", &o.path("stale.pem")]);
    // The same, with the SKI recomputed: same name, another key id.
    let ext = o.write(
        "ca.ext",
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n",
    );
    o.run(&[
        "x509",
        "-in",
        &ca_pem,
        "-signkey",
        &other_key,
        "-days",
        DAYS,
        "-clrext",
        "-extfile",
        &ext,
        "-out",
        &o.path("rekeyed.pem"),
    ]);
    // auth_ca's key under another name: the key id matches, the name does not.
    o.run(&[
        "req",
        "-new",
        "-x509",
        "-key",
        &ca_key,
        "-subj",
        "/C=JP/O=Another Name",
        "-days",
        DAYS,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-addext",
        "subjectKeyIdentifier=hash",
        "-out",
        &o.path("renamed.pem"),
    ]);
    let stale = Anchor::new(&o.der("stale.pem")).unwrap();
    let rekeyed = Anchor::new(&o.der("rekeyed.pem")).unwrap();
    let renamed = Anchor::new(&o.der("renamed.pem")).unwrap();
    let real = anchor("auth_ca");
    let ee = read("auth_ee.der");
    let opts = Options::default();
    let when = t("2027-01-01T00:00:00Z");

    // Like the J-LIS generations: one name, tried in turn until a signature verifies.
    let report = verify_chain(&ee, &[], &[stale.clone(), real.clone()], &[], when, &opts).unwrap();
    assert_eq!(report.anchor, 1);
    assert!(matches!(
        chain_err(&ee, &[], &[stale], &[], when, &opts),
        (0, Check::Signature(SignatureError::BadPadding))
    ));
    let (i, check) = chain_err(&ee, &[], &[rekeyed], &[], when, &opts);
    assert!(matches!((i, &check), (0, Check::KeyIdentifier { .. })), "{check:?}");
    let (i, check) = chain_err(&ee, &[], &[renamed], &[], when, &opts);
    assert!(matches!((i, &check), (0, Check::IssuerName { found, .. }) if found.contains("Another Name")), "{check:?}");
}

#[test]
fn openssl_path_length_depth_and_algorithms() {
    let o = openssl();
    let root_key = o.rsa_key("root.key", 2048);
    let inter_key = o.rsa_key("inter.key", 2048);
    let ee_key = o.rsa_key("ee.key", 2048);
    o.run(&[
        "req",
        "-new",
        "-x509",
        "-key",
        &root_key,
        "-subj",
        "/CN=hanko test root",
        "-days",
        DAYS,
        "-addext",
        "basicConstraints=critical,CA:TRUE,pathlen:0",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-out",
        &o.path("root.pem"),
    ]);
    o.run(&["req", "-new", "-key", &inter_key, "-subj", "/CN=hanko test intermediate", "-out", &o.path("inter.csr")]);
    let ca_ext = o.write("inter.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
    o.run(&[
        "x509",
        "-req",
        "-in",
        &o.path("inter.csr"),
        "-CA",
        &o.path("root.pem"),
        "-CAkey",
        &root_key,
        "-set_serial",
        "2",
        "-days",
        DAYS,
        "-sha384",
        "-extfile",
        &ca_ext,
        "-out",
        &o.path("inter.pem"),
    ]);
    o.run(&["req", "-new", "-key", &ee_key, "-subj", "/CN=hanko test leaf", "-out", &o.path("ee.csr")]);
    let ee_ext = o.write("ee.ext", "keyUsage=critical,digitalSignature\n");
    o.run(&[
        "x509",
        "-req",
        "-in",
        &o.path("ee.csr"),
        "-CA",
        &o.path("inter.pem"),
        "-CAkey",
        &inter_key,
        "-set_serial",
        "3",
        "-days",
        DAYS,
        "-sha512",
        "-extfile",
        &ee_ext,
        "-out",
        &o.path("ee.pem"),
    ]);
    let root = Anchor::new(&o.der("root.pem")).unwrap();
    let inter = o.der("inter.pem");
    let ee = std::fs::read(o.path("ee.pem")).unwrap();
    // openssl dates these from today: check a day later.
    let when = UnixTime(Certificate::from_der(&inter).unwrap().not_before().0 + 86_400);

    let (i, check) = chain_err(&ee, &[&inter], std::slice::from_ref(&root), &[], when, &Options::default());
    assert_eq!((i, check), (2, Check::PathLength { limit: 0, found: 1 }));
    let shallow = Options { max_depth: 2, ..Options::default() };
    assert_eq!(chain_err(&ee, &[&inter], &[root], &[], when, &shallow), (0, Check::TooLong { limit: 2 }));

    // Without pathlen the chain verifies, with SHA-512 and SHA-384 signatures, purpose by KeyUsage.
    let root_key2 = o.rsa_key("root2.key", 2048);
    o.run(&[
        "req",
        "-new",
        "-x509",
        "-key",
        &root_key2,
        "-subj",
        "/CN=hanko test root",
        "-days",
        DAYS,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-out",
        &o.path("root2.pem"),
    ]);
    o.run(&[
        "x509",
        "-req",
        "-in",
        &o.path("inter.csr"),
        "-CA",
        &o.path("root2.pem"),
        "-CAkey",
        &root_key2,
        "-set_serial",
        "4",
        "-days",
        DAYS,
        "-sha384",
        "-extfile",
        &ca_ext,
        "-out",
        &o.path("inter2.pem"),
    ]);
    let root2 = Anchor::new(&o.der("root2.pem")).unwrap();
    let inter2 = o.der("inter2.pem");
    let report = verify_chain(
        &ee,
        &[&inter, &inter2],
        std::slice::from_ref(&root2),
        &[],
        when,
        &Options::for_purpose(Purpose::Authentication),
    )
    .unwrap();
    assert_eq!(report.path.len(), 3);
    assert_eq!(report.kind, Kind::Other);
    assert_eq!(report.path[0].signature_hash, Some(HashAlgorithm::Sha512));
    assert_eq!(report.path[1].signature_hash, Some(HashAlgorithm::Sha384));
    let (_, check) = chain_err(&ee, &[&inter2], &[root2], &[], when, &Options::for_purpose(Purpose::Signing));
    assert_eq!(
        check,
        Check::KeyUsage {
            required: KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION,
            found: Some(KeyUsage::DIGITAL_SIGNATURE)
        }
    );

    // An intermediate whose RSA key is too small to use: the error names it, position 1.
    let small_key = o.rsa_key("small.key", 512);
    o.run(&["req", "-new", "-key", &small_key, "-subj", "/CN=hanko small intermediate", "-out", &o.path("small.csr")]);
    o.run(&[
        "x509",
        "-req",
        "-in",
        &o.path("small.csr"),
        "-CA",
        &o.path("root2.pem"),
        "-CAkey",
        &root_key2,
        "-set_serial",
        "5",
        "-days",
        DAYS,
        "-extfile",
        &ca_ext,
        "-out",
        &o.path("small.pem"),
    ]);
    o.run(&["req", "-new", "-key", &ee_key, "-subj", "/CN=hanko test leaf 2", "-out", &o.path("ee2.csr")]);
    o.run(&[
        "x509",
        "-req",
        "-in",
        &o.path("ee2.csr"),
        "-CA",
        &o.path("small.pem"),
        "-CAkey",
        &small_key,
        "-set_serial",
        "6",
        "-days",
        DAYS,
        "-extfile",
        &ee_ext,
        "-out",
        &o.path("ee2.pem"),
    ]);
    let small = o.der("small.pem");
    let ee2 = o.der("ee2.pem");
    let root2 = Anchor::new(&o.der("root2.pem")).unwrap();
    let e = verify_chain(&ee2, &[&small], std::slice::from_ref(&root2), &[], when, &Options::default()).unwrap_err();
    assert_eq!((e.certificate, e.check), (1, Check::Key(KeyError::ModulusSize { bits: 512 })));

    // An ECDSA certificate: not an algorithm hanko verifies, not a usable anchor.
    o.run(&[
        "req",
        "-new",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &o.path("ec.key"),
        "-subj",
        "/CN=ec",
        "-days",
        DAYS,
        "-out",
        &o.path("ec.pem"),
    ]);
    let ec = o.der("ec.pem");
    let (_, check) = chain_err(&ec, &[], &[anchor("auth_ca")], &[], when, &Options::default());
    assert_eq!(check, Check::UnsupportedAlgorithm { oid: "1.2.840.10045.4.3.2".into() });
    assert!(matches!(Anchor::new(&ec), Err(AnchorError::Key(KeyError::NotRsa { .. }))));
}

#[test]
fn openssl_crls_hanko_refuses() {
    let o = openssl();
    o.write("index.txt", "");
    o.write("crlnumber", "01\n");
    let cnf = o.write(
        "ca.cnf",
        "[ca]\ndefault_ca = my\n[my]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\n\
         default_crl_days = 30\n[delta]\n2.5.29.27 = critical,ASN1:INTEGER:1\n\
         [weird]\n1.3.6.1.4.1.32473.1.98 = critical,ASN1:NULL\n",
    );
    let key = o.rsa_key("crlca.key", 2048);
    o.run(&[
        "req",
        "-new",
        "-x509",
        "-key",
        &key,
        "-subj",
        "/CN=hanko CRL test CA",
        "-days",
        DAYS,
        "-out",
        &o.path("crlca.pem"),
    ]);
    let ca = Anchor::new(&o.der("crlca.pem")).unwrap();
    let gencrl = |out: &str, extra: &[&str]| {
        let mut args = vec!["ca", "-config", &cnf, "-gencrl", "-keyfile", &key, "-cert"];
        let cert = o.path("crlca.pem");
        let out = o.path(out);
        args.extend([cert.as_str(), "-out", out.as_str()]);
        args.extend(extra);
        o.run(&args);
        std::fs::read(out).unwrap()
    };
    let plain = gencrl("plain.crl", &[]);
    let sha1 = gencrl("sha1.crl", &["-md", "sha1"]);
    let delta = gencrl("delta.crl", &["-crlexts", "delta"]);
    let weird = gencrl("weird.crl", &["-crlexts", "weird"]);

    // PEM input, a CRL of no entries.
    let der = hanko_crypto::crl::decode(&plain).unwrap();
    let crl = Crl::from_der(&der).unwrap();
    assert!(crl.is_empty());
    assert_eq!(crl.verify_signature(ca.key(), false), Ok(HashAlgorithm::Sha256));
    let der = hanko_crypto::crl::decode(&sha1).unwrap();
    let crl = Crl::from_der(&der).unwrap();
    assert_eq!(crl.verify_signature(ca.key(), false), Err(CrlError::WeakAlgorithm(HashAlgorithm::Sha1)));
    assert_eq!(crl.verify_signature(ca.key(), true), Ok(HashAlgorithm::Sha1));
    let der = hanko_crypto::crl::decode(&delta).unwrap();
    assert_eq!(Crl::from_der(&der).unwrap_err(), CrlError::Unsupported("delta CRL"));
    let der = hanko_crypto::crl::decode(&weird).unwrap();
    assert_eq!(
        Crl::from_der(&der).unwrap_err(),
        CrlError::UnknownCriticalExtension { oid: "1.3.6.1.4.1.32473.1.98".into() }
    );
    // The outer algorithm patched to sha384WithRSA: it no longer matches the TBS.
    let mut der = hanko_crypto::crl::decode(&plain).unwrap().into_owned();
    let oid = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
    let last = der.windows(oid.len()).rposition(|w| w == oid).unwrap();
    der[last + oid.len() - 1] = 0x0C;
    assert_eq!(Crl::from_der(&der).unwrap().verify_signature(ca.key(), false), Err(CrlError::AlgorithmMismatch));
    // And to RSASSA-PSS in both places: an algorithm hanko does not take for CRLs.
    let mut der = hanko_crypto::crl::decode(&plain).unwrap().into_owned();
    for _ in 0..2 {
        let at = der.windows(oid.len()).position(|w| w == oid).unwrap();
        der[at + oid.len() - 1] = 0x0A;
    }
    assert_eq!(
        Crl::from_der(&der).unwrap().verify_signature(ca.key(), false),
        Err(CrlError::UnsupportedAlgorithm { oid: "1.2.840.113549.1.1.10".into() })
    );
}

#[test]
fn openssl_1024_bit_key_uses_the_slow_path() {
    let o = openssl();
    let path = o.rsa_key("small.key", 1024);
    let key = rsa::PrivateKey::from_pkcs8_pem(&std::fs::read_to_string(path).unwrap()).unwrap();
    let public = RsaPublicKey::from_components(&key.n_bytes(), &key.e_bytes()).unwrap();
    assert_eq!(public.bits(), 1024);
    let msg = b"below aws-lc's 2048-bit floor";
    let h = hash_of(HashAlgorithm::Sha256, msg);
    let sig = raw_sign(&key, &pkcs1_block(128, &digest_info(HashAlgorithm::Sha256, h.as_ref())));
    assert_eq!(verify(&public, msg, &sig, Scheme::Pkcs1v15(HashAlgorithm::Sha256)), Ok(()));
    assert_eq!(
        verify(&public, b"x", &sig, Scheme::Pkcs1v15(HashAlgorithm::Sha256)),
        Err(SignatureError::DigestMismatch)
    );
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let pss = key.sign_with_rng(&mut rng, rsa::Pss::<sha2::Sha256>::new(), h.as_ref()).unwrap();
    assert_eq!(verify(&public, msg, &pss, Scheme::PssSha256(PssSalt::DEFAULT)), Ok(()));
}

// ---------------------------------------------------------------------------------------
// Text AP: integrity record and CV certificate

struct TextAp {
    ef: [Vec<u8>; 4],
    cv_issuer: RsaPublicKey,
}

fn text_ap() -> TextAp {
    TextAp {
        ef: ["ef0001", "ef0002", "ef0003", "ef0004"].map(|n| read(&format!("text_ap/{n}.bin"))),
        cv_issuer: RsaPublicKey::from_spki_der(&read("cv_issuer.spki.der")).unwrap(),
    }
}

#[test]
fn text_ap_verifies() {
    let ap = text_ap();
    let [e1, e2, e3, e4] = &ap.ef;
    assert_eq!(verify_text_ap(e1, e2, e3, e4, &ap.cv_issuer), Ok(()));

    let cv = CvCertificate::parse(e4).unwrap();
    assert_eq!(cv.issuer_key_id(), b"9000033\x08\x05001\0\0\0\0");
    assert_eq!(cv.subject_key_id(), b"9131013\x08\x05000\0\0\0\0");
    assert_eq!(cv.signed_bytes().len(), 297);
    assert_eq!(cv.signed_bytes(), &e4[10..10 + 297]);
    assert_eq!(cv.verify(&ap.cv_issuer), Ok(()));
    let ap_key = cv.public_key().unwrap();
    assert_eq!(ap_key, signer().1);
    assert_eq!(verify_record(e1, e2, e3, &ap_key), Ok(()));

    assert_eq!(integrity::signed_bytes(e3).unwrap(), &e3[5..5 + 70]);
    let range = integrity::attributes_digest_range(e2).unwrap();
    assert_eq!(range.first(), Some(&0xDF));
    assert_eq!(range[1], 0x22);
    assert_eq!(&e3[43..75], hash_of(HashAlgorithm::Sha256, range).as_ref());
    assert_eq!(&e3[8..40], hash_of(HashAlgorithm::Sha256, e1).as_ref());
}

#[test]
fn text_ap_names_the_failed_check() {
    let ap = text_ap();
    let [e1, e2, e3, e4] = &ap.ef;
    let key = &ap.cv_issuer;

    // Another valid My Number under the intact record.
    let first11: [u8; 11] = *b"98765432109";
    let mut other = Vec::new();
    TextMyNumber { my_number: MyNumber::from_first11(first11).unwrap(), ..TextMyNumber::parse(e1).unwrap() }
        .encode(&mut other);
    assert_eq!(verify_text_ap(&other, e2, e3, e4, key), Err(IntegrityError::MyNumberDigest));

    // Sex 2 → 1 in EF 0002.
    let mut e2b = e2.clone();
    let at = e2b.windows(3).rposition(|w| w == [0xDF, 0x25, 0x01]).unwrap();
    e2b[at + 3] = b'1';
    assert_eq!(verify_text_ap(e1, &e2b, e3, e4, key), Err(IntegrityError::AttributesDigest));

    // The record's own digest altered: the signature no longer covers it.
    let mut e3b = e3.clone();
    e3b[10] ^= 0x01;
    assert!(matches!(
        verify_text_ap(e1, e2, &e3b, e4, key),
        Err(IntegrityError::Signature(SignatureError::DigestMismatch))
    ));

    // The CV certificate's signature, or its issuer key, wrong.
    let mut e4b = e4.clone();
    *e4b.last_mut().unwrap() ^= 0x01;
    assert!(matches!(verify_text_ap(e1, e2, e3, &e4b, key), Err(IntegrityError::CvSignature(_))));
    assert!(matches!(verify_text_ap(e1, e2, e3, e4, &signer().1), Err(IntegrityError::CvSignature(_))));
    assert!(matches!(CvCertificate::parse(&e4b).unwrap().verify(key), Err(CvError::Signature(_))));

    // Files that do not decode.
    assert!(matches!(verify_text_ap(e1, e2, &e3[..300], e4, key), Err(IntegrityError::Decode { fid: 0x0003, .. })));
    assert!(matches!(verify_text_ap(&e1[..5], e2, e3, e4, key), Err(IntegrityError::Decode { fid: 0x0001, .. })));
    assert!(matches!(verify_text_ap(e1, e2, e3, &e4[1..], key), Err(IntegrityError::Decode { fid: 0x0004, .. })));
    assert!(matches!(verify_text_ap(e1, &[0xFF, 0x20], e3, e4, key), Err(IntegrityError::Decode { fid: 0x0002, .. })));
    assert_eq!(IntegrityError::MyNumberDigest.to_string(), "my-number digest (DF31) does not match EF 0001");
}

#[test]
fn cv_certificate_with_an_unusable_key() {
    // A CV certificate whose certified modulus is even, properly signed by the CV issuer.
    let ap = text_ap();
    let issuer = private_key("cv_issuer");
    let cv = CvCertificate::parse(&ap.ef[3]).unwrap();
    let mut modulus = cv.fields.modulus.to_vec();
    *modulus.last_mut().unwrap() &= 0xFE;
    let mut body = Vec::new();
    body.extend_from_slice(cv.issuer_key_id());
    body.extend_from_slice(cv.subject_key_id());
    body.extend_from_slice(&[0x90, 0x03, 0x01, 0x00, 0x01, 0x91, 0x82, 0x01, 0x00]);
    body.extend_from_slice(&modulus);
    let h = hash_of(HashAlgorithm::Sha256, &body);
    let sig = raw_sign(&issuer, &pkcs1_block(256, &digest_info(HashAlgorithm::Sha256, h.as_ref())));
    let mut ef0004 = Vec::new();
    TextCvCertificate { modulus: &modulus, signature: &sig, ..cv.fields }.encode(&mut ef0004);
    let bad = CvCertificate::parse(&ef0004).unwrap();
    assert_eq!(bad.verify(&ap.cv_issuer), Ok(()));
    assert_eq!(bad.public_key(), Err(CvError::Key(KeyError::Modulus)));
    let [e1, e2, e3, _] = &ap.ef;
    assert_eq!(verify_text_ap(e1, e2, e3, &ef0004, &ap.cv_issuer), Err(IntegrityError::CvKey(KeyError::Modulus)));
}

// ---------------------------------------------------------------------------------------
// Properties: no input panics the parsers or the chain.

fn mutate(base: &[u8], edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    let mut v = base.to_vec();
    for &(at, x) in edits {
        if !v.is_empty() {
            let i = at % v.len();
            v[i] ^= x;
        }
    }
    if let Some(c) = cut {
        v.truncate(c % (base.len() + 1));
    }
    v
}

fn exercise_certificate(der: &[u8]) {
    if let Ok(c) = Certificate::from_der(der) {
        let _ = (c.kind(), c.generation(), c.subject(), c.issuer(), c.serial(), c.not_before(), c.not_after());
        let _ = (c.key_usage(), c.basic_constraints(), c.subject_key_id(), c.authority_key_id());
        let _ = (c.policy_oids(), c.crl_distribution_dir_names(), c.crl_issuer_dir_names());
        let _ = (c.unknown_critical_extensions(), c.public_key(), c.signature_hash());
        let h = c.holder();
        let _ = (h.name(), h.birth_date(), h.address(), h.address_candidates());
    }
}

fn corpus_files() -> &'static [Vec<u8>; 4] {
    static FILES: OnceLock<[Vec<u8>; 4]> = OnceLock::new();
    FILES.get_or_init(|| [read("sign_ee.der"), read("auth_ee.der"), read("auth_ca.crl.der"), read("auth_ca.der")])
}

fn anchors_for_properties() -> &'static [Anchor] {
    static ANCHORS: OnceLock<Vec<Anchor>> = OnceLock::new();
    ANCHORS.get_or_init(|| vec![anchor("auth_ca"), anchor("sign_ca")])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn profile_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise_certificate(&bytes);
        let _ = Anchor::new(&bytes);
    }

    #[test]
    fn profile_parser_survives_mutated_certificates(
        which in 0usize..2,
        edits in proptest::collection::vec((any::<usize>(), 1u8..), 0..6),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let der = mutate(&corpus_files()[which], &edits, cut);
        exercise_certificate(&der);
    }

    #[test]
    fn crl_parser_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        edits in proptest::collection::vec((any::<usize>(), 1u8..), 0..6),
        cut in proptest::option::of(any::<usize>()),
    ) {
        for input in [bytes.clone(), mutate(&corpus_files()[2], &edits, cut)] {
            if let Ok(der) = hanko_crypto::crl::decode(&input) {
                if let Ok(crl) = Crl::from_der(&der) {
                    let _ = (crl.issuer(), crl.this_update(), crl.next_update(), crl.revocation(&[0x10, 0x02]));
                    let _ = (crl.check_time(UnixTime(0)), crl.authority_key_id(), crl.issuing_distribution_dir_names());
                    let _ = crl.verify_signature(anchors_for_properties()[0].key(), true);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn chain_verification_never_panics(
        ee_edits in proptest::collection::vec((any::<usize>(), 1u8..), 0..4),
        crl_edits in proptest::collection::vec((any::<usize>(), 1u8..), 0..4),
        cut in proptest::option::of(any::<usize>()),
        inter in proptest::collection::vec(any::<u8>(), 0..64),
        secs in any::<i64>(),
        sha1 in any::<bool>(),
    ) {
        let files = corpus_files();
        let ee = mutate(&files[1], &ee_edits, cut);
        let crl = mutate(&files[2], &crl_edits, None);
        let intermediates: [&[u8]; 2] = [&inter, &files[3]];
        let o = Options { allow_sha1: sha1, ..Options::default() };
        let _ = verify_chain(&ee, &intermediates, anchors_for_properties(), &[&crl], UnixTime(secs), &o);
        let _ = verify_chain(&files[0], &[], anchors_for_properties(), &[&crl], at(), &o);
    }

    #[test]
    fn signature_verification_never_panics(sig in proptest::collection::vec(any::<u8>(), 250..260), data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let key = &signer().1;
        for scheme in [
            Scheme::Pkcs1v15(HashAlgorithm::Sha1),
            Scheme::Pkcs1v15Prehashed(HashAlgorithm::Sha384),
            Scheme::Pkcs1v15Raw,
            Scheme::Pkcs1v15BareSha256,
            Scheme::PssSha256(PssSalt::Any),
            Scheme::PssSha256Prehashed(PssSalt::DEFAULT),
        ] {
            let _ = verify(key, &data, &sig, scheme);
        }
    }
}
