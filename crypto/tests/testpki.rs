//! The deterministic test PKI: byte-for-byte reproduction of the checked-in corpus, the
//! profile as designed (x509-parser), and OpenSSL's verdicts on the chains and variants.
//!
//! Regenerate the corpus after an intended change with
//! `cargo test -p hanko-crypto --test testpki -- --ignored regenerate`.

use hanko_crypto::testpki::{self, oid, serial, Pki, Variant, HOLDER, VERIFY_AT_UNIX};
use rsa::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use x509_parser::prelude::*;

const SEED: u64 = 1;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/testdata/pki")
}

/// Seed 1, generated once per test binary and written to a private temporary directory.
fn pki() -> &'static (Pki, PathBuf) {
    static PKI: OnceLock<(Pki, PathBuf)> = OnceLock::new();
    PKI.get_or_init(|| {
        let pki = Pki::generate(SEED);
        let dir = std::env::temp_dir().join(format!("hanko-testpki-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        pki.write(&dir).expect("write the PKI to a temporary directory");
        (pki, dir)
    })
}

fn files_under(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&path).expect("read file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

#[test]
#[ignore = "writes corpus/testdata/pki; run after an intended change"]
fn regenerate() {
    let dir = corpus_dir();
    let _ = std::fs::remove_dir_all(&dir);
    let written = Pki::generate(SEED).write(&dir).expect("write corpus");
    eprintln!("wrote {} files to {}", written.len(), dir.display());
}

#[test]
fn corpus_matches_seed_1_byte_for_byte() {
    let (_, dir) = pki();
    let fresh = files_under(dir);
    let corpus = files_under(&corpus_dir());
    let missing: Vec<_> = fresh.keys().filter(|k| !corpus.contains_key(*k)).collect();
    let extra: Vec<_> = corpus.keys().filter(|k| !fresh.contains_key(*k)).collect();
    let differ: Vec<_> =
        fresh.iter().filter(|(k, v)| corpus.get(*k).is_some_and(|c| c != *v)).map(|(k, _)| k).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "corpus/testdata/pki differs from Pki::generate({SEED}): missing {missing:?}, extra {extra:?}, differ {differ:?}; \
         if the change is intended, run `cargo test -p hanko-crypto --test testpki -- --ignored regenerate`"
    );
    assert!(fresh.len() > 40, "expected the full file set, got {}", fresh.len());
}

#[test]
fn write_lists_every_file_it_writes() {
    let (pki, _) = pki();
    let dir = std::env::temp_dir().join(format!("hanko-testpki-list-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let written = pki.write(&dir).expect("write");
    let on_disk = files_under(&dir);
    assert_eq!(written.len(), on_disk.len());
    let readme = String::from_utf8(on_disk["README.md"].clone()).expect("UTF-8 README");
    for path in &written {
        let rel = path.strip_prefix(&dir).expect("under dir").to_string_lossy().replace('\\', "/");
        assert!(on_disk.contains_key(&rel));
        // The README names each file, by its stem pattern (`auth_ca.*`) or directory.
        let stem = rel.split('.').next().expect("stem");
        let top = rel.split('/').next().expect("top");
        assert!(
            readme.contains(&format!("`{stem}."))
                || readme.contains(&format!("`{rel}`"))
                || readme.contains(&format!("`{top}/")),
            "README does not mention {rel}"
        );
    }
    for needle in ["1234", "ABC123", HOLDER.name, HOLDER.address, "2024-12-31T15:00:00Z", "2030-01-01T14:59:59Z"] {
        assert!(readme.contains(needle), "README lacks {needle}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn seeds_differ_and_variants_are_deterministic() {
    let (one, _) = pki();
    let two = Pki::generate(2);
    assert_ne!(one.auth_ca.der, two.auth_ca.der);
    assert_ne!(one.auth_ee.key.modulus(), two.auth_ee.key.modulus());
    assert_ne!(one.text_ap.ef0003, two.text_ap.ef0003);
    // The holder's data does not depend on the seed.
    assert_eq!(one.text_ap.ef0001, two.text_ap.ef0001);
    assert_eq!(one.text_ap.ef0002, two.text_ap.ef0002);
    for v in Variant::ALL {
        assert_eq!(one.variant(v), one.variant(v), "{v:?}");
    }
    // Each key has its own stream: no two keys of one PKI coincide.
    let moduli = [
        &one.auth_ca.key,
        &one.sign_ca.key,
        &one.auth_ee.key,
        &one.sign_ee.key,
        &one.auth_revoked.key,
        &one.sub_ca.key,
        &one.sub_ee.key,
        &one.text_ap.ap_key,
        &one.text_ap.cv_issuer_key,
    ]
    .map(|k| k.modulus());
    for (i, a) in moduli.iter().enumerate() {
        assert_eq!(a.len(), 256);
        assert!(a[0] & 0x80 != 0, "2048-bit modulus");
        for b in &moduli[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

fn ext<'a>(cert: &'a X509Certificate<'_>, oid_str: &str) -> Option<&'a X509Extension<'a>> {
    cert.extensions().iter().find(|e| e.oid.to_id_string() == oid_str)
}

fn ext_oids(cert: &X509Certificate<'_>) -> Vec<String> {
    cert.extensions().iter().map(|e| e.oid.to_id_string()).collect()
}

fn key_usage(cert: &X509Certificate<'_>) -> (bool, u16) {
    let ku = cert.key_usage().expect("one KeyUsage").expect("KeyUsage present");
    (ku.critical, ku.value.flags)
}

fn ski(cert: &X509Certificate<'_>) -> Vec<u8> {
    match ext(cert, "2.5.29.14").expect("SKI").parsed_extension() {
        ParsedExtension::SubjectKeyIdentifier(k) => k.0.to_vec(),
        other => panic!("SKI: {other:?}"),
    }
}

fn aki(cert: &X509Certificate<'_>) -> Vec<u8> {
    match ext(cert, "2.5.29.35").expect("AKI").parsed_extension() {
        ParsedExtension::AuthorityKeyIdentifier(k) => k.key_identifier.as_ref().expect("keyIdentifier").0.to_vec(),
        other => panic!("AKI: {other:?}"),
    }
}

fn policies(cert: &X509Certificate<'_>) -> (bool, Vec<String>) {
    let e = ext(cert, "2.5.29.32").expect("CertificatePolicies");
    match e.parsed_extension() {
        ParsedExtension::CertificatePolicies(p) => (e.critical, p.iter().map(|i| i.policy_id.to_id_string()).collect()),
        other => panic!("policies: {other:?}"),
    }
}

fn crl_dp_dir_name(cert: &X509Certificate<'_>) -> String {
    match ext(cert, "2.5.29.31").expect("CRLDP").parsed_extension() {
        ParsedExtension::CRLDistributionPoints(dps) => {
            assert_eq!(dps.points.len(), 1);
            match dps.points[0].distribution_point.as_ref().expect("distributionPoint") {
                DistributionPointName::FullName(names) => match &names[..] {
                    [GeneralName::DirectoryName(n)] => n.to_string(),
                    other => panic!("CRLDP full name: {other:?}"),
                },
                other => panic!("CRLDP: {other:?}"),
            }
        }
        other => panic!("CRLDP: {other:?}"),
    }
}

const KU_DIGITAL_SIGNATURE: u16 = 1 << 0;
const KU_NON_REPUDIATION: u16 = 1 << 1;
const KU_KEY_CERT_SIGN: u16 = 1 << 5;
const KU_CRL_SIGN: u16 = 1 << 6;

#[test]
fn cas_copy_the_j_lis_root_profile() {
    let (pki, _) = pki();
    for (issued, ou) in [
        (&pki.auth_ca, "JPKI for user authentication"),
        (&pki.sign_ca, "JPKI for digital signature"),
        (&pki.sub_ca, "JPKI sub certificate (hanko project-defined)"),
    ] {
        let (_, c) = X509Certificate::from_der(&issued.der).expect("CA parses");
        assert_eq!(c.subject(), c.issuer());
        let subject = c.subject().to_string();
        assert_eq!(subject, format!("C=JP, O=JPKI-TEST (hanko), OU={ou}, OU=hanko test PKI - not J-LIS"));
        assert_eq!(ext_oids(&c), ["2.5.29.15", "2.5.29.17", "2.5.29.19", "2.5.29.31", "2.5.29.14"]);
        assert_eq!(key_usage(&c), (true, KU_KEY_CERT_SIGN | KU_CRL_SIGN));
        let bc = c.basic_constraints().expect("one BC").expect("BC");
        assert!(bc.critical && bc.value.ca && bc.value.path_len_constraint.is_none());
        assert_eq!(crl_dp_dir_name(&c), subject);
        match ext(&c, "2.5.29.17").expect("SAN").parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => match &san.general_names[..] {
                [GeneralName::DirectoryName(n)] => {
                    assert!(n.to_string().starts_with("C=JP, O=公的個人認証サービス（hanko テスト）"))
                }
                other => panic!("CA SAN: {other:?}"),
            },
            other => panic!("CA SAN: {other:?}"),
        }
        assert_eq!(c.signature_algorithm.algorithm.to_id_string(), "1.2.840.113549.1.1.11");
        assert_eq!(c.validity().not_before.timestamp(), 1_704_067_200);
        assert_eq!(c.validity().not_after.timestamp(), 2_019_686_400);
        assert_eq!(c.public_key().raw, &issued.key.spki_der()[..]);
        assert_eq!(ski(&c).len(), 20);
    }
}

#[test]
fn end_entities_follow_the_researched_profile() {
    let (pki, _) = pki();
    let (_, auth_ca) = X509Certificate::from_der(&pki.auth_ca.der).unwrap();
    let (_, sign_ca) = X509Certificate::from_der(&pki.sign_ca.der).unwrap();
    for (issued, ca, serial) in [
        (&pki.auth_ee, &auth_ca, serial::AUTH_EE),
        (&pki.auth_revoked, &auth_ca, serial::AUTH_REVOKED),
        (&pki.sign_ee, &sign_ca, serial::SIGN_EE),
    ] {
        let (_, c) = X509Certificate::from_der(&issued.der).expect("EE parses");
        let sign = std::ptr::eq(issued, &pki.sign_ee);
        assert_eq!(c.serial.to_u64_digits(), [serial]);
        assert_eq!(c.version(), X509Version::V3);
        assert_eq!(c.issuer(), ca.subject());
        assert_eq!(c.public_key().raw, &issued.key.spki_der()[..]);
        assert_eq!(aki(&c), ski(ca));
        // RFC 5280 method 1, which is also how J-LIS computes it.
        let spk = c.public_key().subject_public_key.data.to_vec();
        assert_eq!(
            ski(&c),
            sha1::Digest::finalize(sha1::Digest::chain_update(<sha1::Sha1 as sha1::Digest>::new(), &spk)).to_vec()
        );
        assert!(c.basic_constraints().unwrap().is_none());
        assert_eq!(ext_oids(&c).last().map(String::as_str), Some("2.5.29.14"), "SKI last");
        // 2024-12-31T15:00:00Z and 2030-01-01T14:59:59Z (00:00 and 23:59:59 JST).
        assert_eq!(c.validity().not_before.timestamp(), 1_735_657_200);
        assert_eq!(c.validity().not_after.timestamp(), 1_893_509_999);
        match ext(&c, "2.5.29.18").expect("IAN").parsed_extension() {
            ParsedExtension::IssuerAlternativeName(ian) => match &ian.general_names[..] {
                [GeneralName::DirectoryName(n)] => {
                    assert_eq!(n.to_string(), "C=JP, O=公的個人認証サービス（hanko テスト）")
                }
                other => panic!("IAN: {other:?}"),
            },
            other => panic!("IAN: {other:?}"),
        }
        let dp = crl_dp_dir_name(&c);
        assert!(dp.ends_with("OU=CRL Distribution Points, OU=Tokyo-to, CN=Chiyoda-ku CRLDP"), "{dp}");
        if sign {
            assert_eq!(key_usage(&c), (true, KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));
            assert_eq!(policies(&c), (true, vec![oid::POLICY_SIGN.to_string()]));
            assert_eq!(c.subject().to_string(), "C=JP, L=Tokyo-to, L=Chiyoda-ku, CN=2025010100000000001HANKOTEST");
        } else {
            assert_eq!(key_usage(&c), (true, KU_DIGITAL_SIGNATURE));
            assert_eq!(policies(&c), (true, vec![oid::POLICY_AUTH.to_string()]));
            assert!(c.subject().to_string().starts_with("C=JP, CN=HANKOTEST13101AUTH0000"));
            assert!(ext(&c, "2.5.29.17").is_none(), "the auth certificate carries no holder data");
        }
    }
    // The policy extension of the signing certificate, byte for byte as research §1.2 gives it.
    let (_, sign) = X509Certificate::from_der(&pki.sign_ee.der).unwrap();
    assert_eq!(
        hex::encode(ext(&sign, "2.5.29.32").unwrap().value),
        "303d303b060b2a83088c9b550805010114302c302a06082b06010505070201161e687474703a2f2f7777772e6a706b692e676f2e6a702f6370732e68746d6c"
    );
}

#[test]
fn signing_certificate_carries_the_holder_as_san_other_names() {
    let (pki, _) = pki();
    let (_, c) = X509Certificate::from_der(&pki.sign_ee.der).unwrap();
    let san = ext(&c, "2.5.29.17").expect("SAN");
    assert!(!san.critical);
    let ParsedExtension::SubjectAlternativeName(san) = san.parsed_extension() else { panic!("SAN") };
    let entries: Vec<(String, String)> = san
        .general_names
        .iter()
        .map(|g| match g {
            GeneralName::OtherName(oid, value) => {
                // [0] EXPLICIT UTF8String
                assert_eq!(value[0], 0xA0);
                assert_eq!(value[2], 0x0C);
                assert_eq!(usize::from(value[1]), value.len() - 2);
                assert_eq!(usize::from(value[3]), value.len() - 4);
                (oid.to_id_string(), String::from_utf8(value[4..].to_vec()).expect("UTF-8"))
            }
            other => panic!("only otherName entries: {other:?}"),
        })
        .collect();
    let want = [
        (oid::HOLDER_NAME, "見本\u{3000}花子"),
        (oid::HOLDER_BIRTH_DATE, "420000101"),
        (oid::HOLDER_SEX, "2"),
        (oid::HOLDER_ADDRESS, "東京都千代田区見本町一丁目２番３号"),
        (oid::HOLDER_NAME_SUBSTITUTES, "00000"),
        (oid::HOLDER_ADDRESS_SUBSTITUTES, "00000000000000000"),
    ]
    .map(|(o, v)| (o.to_string(), v.to_string()));
    assert_eq!(entries, want);
    assert_eq!(HOLDER.name.chars().count(), HOLDER.name_substitutes.len());
    assert_eq!(HOLDER.address.chars().count(), HOLDER.address_substitutes.len());
}

/// RustCrypto's `x509-cert` decodes strictly (DER canonical form, UTF-8, OID arcs within
/// `u32`), so it catches encoding slips that lenient parsers and OpenSSL let through.
#[test]
fn strict_der_decoder_accepts_every_certificate_and_the_crl() {
    use der::Decode;
    let (pki, _) = pki();
    let mut certs = vec![
        &pki.auth_ca.der,
        &pki.sign_ca.der,
        &pki.sub_ca.der,
        &pki.auth_ee.der,
        &pki.sign_ee.der,
        &pki.auth_revoked.der,
        &pki.sub_ee.der,
    ]
    .into_iter()
    .cloned()
    .collect::<Vec<_>>();
    for v in Variant::ALL {
        let chain = pki.variant(v);
        certs.push(chain.ee);
        certs.extend(chain.intermediates);
    }
    for (i, der) in certs.iter().enumerate() {
        let cert = x509_cert::Certificate::from_der(der).unwrap_or_else(|e| panic!("certificate {i}: {e}"));
        assert_eq!(der::Encode::to_der(&cert).unwrap(), *der, "certificate {i} re-encodes identically");
    }
    let crl = <x509_cert::crl::CertificateList>::from_der(&pki.auth_crl).expect("CRL");
    assert_eq!(der::Encode::to_der(&crl).unwrap(), pki.auth_crl);
}

#[test]
fn crl_lists_the_revoked_certificate() {
    let (pki, _) = pki();
    let (_, crl) = CertificateRevocationList::from_der(&pki.auth_crl).expect("CRL parses");
    let (_, ca) = X509Certificate::from_der(&pki.auth_ca.der).unwrap();
    assert_eq!(crl.issuer(), ca.subject());
    assert_eq!(crl.version(), Some(X509Version::V2));
    assert_eq!(crl.crl_number().expect("CRL number").to_u64_digits(), [serial::AUTH_CRL_NUMBER]);
    assert_eq!(crl.last_update().timestamp(), 1_767_225_600);
    assert_eq!(crl.next_update().expect("nextUpdate").timestamp(), 2_019_686_400);
    let revoked: Vec<_> = crl.iter_revoked_certificates().collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].user_certificate.to_u64_digits(), [serial::AUTH_REVOKED]);
    assert_eq!(revoked[0].reason_code().expect("reason").1 .0, 1, "keyCompromise");
    assert_eq!(revoked[0].revocation_date.timestamp(), 1_748_736_000);
}

#[test]
fn sub_certificate_is_bound_to_the_main_authentication_certificate() {
    let (pki, _) = pki();
    let (_, sub) = X509Certificate::from_der(&pki.sub_ee.der).unwrap();
    let (_, sub_ca) = X509Certificate::from_der(&pki.sub_ca.der).unwrap();
    let (_, main) = X509Certificate::from_der(&pki.auth_ee.der).unwrap();
    assert_eq!(sub.issuer(), sub_ca.subject());
    assert_eq!(aki(&sub), ski(&sub_ca));
    assert_eq!(key_usage(&sub), (true, KU_DIGITAL_SIGNATURE));
    assert_eq!(policies(&sub).1, [oid::SUB_CERT_POLICY]);
    let binding = ext(&sub, oid::SUB_CERT_BINDING).expect("binding extension");
    assert!(!binding.critical);
    let mut expected = vec![0x30, 0x26, 0x04, 0x20];
    expected.extend_from_slice(&Sha256::digest(&pki.auth_ee.der));
    expected.extend_from_slice(&[0x02, 0x02, 0x10, 0x01]);
    assert_eq!(binding.value, &expected[..]);
    assert_eq!(serial::AUTH_EE, 0x1001);
    assert!(sub.validity().not_before > main.validity().not_before);
    assert!(sub.validity().not_after < main.validity().not_after);
}

#[test]
fn text_ap_files_decode_and_their_signatures_verify() {
    use rsa::traits::SignatureScheme as _;
    let (pki, _) = pki();
    let t = &pki.text_ap;
    let decode = |id: &str, bytes: &[u8]| {
        hanko_codec::File::decode(id, bytes).expect("known file id").unwrap_or_else(|e| panic!("{id}: {e:?}"));
    };
    decode("text.my_number", &t.ef0001);
    decode("text.basic_four", &t.ef0002);
    decode("text.integrity", &t.ef0003);
    decode("text.cv_certificate", &t.ef0004);

    assert_eq!(t.ef0001.len(), 17);
    assert_eq!(&t.ef0001[..3], [0xFF, 0x10, 0x0C]);
    assert_eq!(&t.ef0001[3..15], b"123456789018");
    assert_eq!(&t.ef0001[15..], [0xFF, 0xFF]);

    let bf = hanko_codec::generated::files::TextBasicFour::parse(&t.ef0002).unwrap();
    assert_eq!((bf.name, bf.address, bf.sex), (HOLDER.name, HOLDER.address, hanko_codec::field::Sex::Female));
    assert_eq!(bf.birth_date, hanko_codec::field::Date::new(2000, 1, 1).unwrap());
    let range = testpki::basic_four_digest_range(&t.ef0002);
    assert_eq!(range[..2], [0xDF, 0x22]);
    assert!(t.ef0002.ends_with(range));

    let integ = hanko_codec::generated::files::TextIntegrity::parse(&t.ef0003).unwrap();
    assert_eq!(t.ef0003.len(), 336);
    assert_eq!(integ.my_number_digest, &Sha256::digest(&t.ef0001)[..]);
    assert_eq!(integ.attributes_digest, &Sha256::digest(range)[..]);

    let cv = hanko_codec::generated::files::TextCvCertificate::parse(&t.ef0004).unwrap();
    assert_eq!(&t.ef0004[..10], [0x7F, 0x21, 0x82, 0x02, 0x33, 0x5F, 0x4E, 0x82, 0x01, 0x29]);
    assert_eq!(t.ef0004.len(), 5 + 0x233);
    assert_eq!(cv.issuer_key_id, testpki::CV_ISSUER_KEY_ID);
    assert_eq!(cv.subject_key_id, testpki::TEXT_AP_KEY_ID);
    assert_eq!(cv.public_exponent, [1, 0, 1]);
    assert_eq!(cv.modulus, &t.ap_key.modulus()[..]);

    let verify = |spki: &[u8], signed: &[u8], sig: &[u8]| {
        let key = rsa::PublicKey::from_public_key_der(spki).expect("SPKI");
        rsa::Pkcs1v15Sign::new::<Sha256>().verify(&key, &Sha256::digest(signed), sig).is_ok()
    };
    // EF 0004: over the 297-byte 5F4E value, by the CV issuer.
    let cv_value = &t.ef0004[10..10 + 297];
    assert!(verify(&t.cv_issuer_key.spki_der(), cv_value, cv.signature));
    assert!(!verify(&t.cv_issuer_key.spki_der(), &t.ef0004[5..10 + 297], cv.signature));
    // EF 0003: over DF31 || DF32 (TLVs), by the key EF 0004 certifies.
    let signed = &t.ef0003[5..5 + 70];
    assert_eq!(signed[..2], [0xDF, 0x31]);
    assert!(verify(&t.ap_key.spki_der(), signed, integ.signature));
}

#[test]
fn private_keys_round_trip_through_pkcs8() {
    use rsa::pkcs8::DecodePrivateKey;
    let (pki, dir) = pki();
    for (stem, key) in [("auth_ee", &pki.auth_ee.key), ("cv_issuer", &pki.text_ap.cv_issuer_key)] {
        let der = std::fs::read(dir.join(format!("{stem}.key.pk8.der"))).unwrap();
        let pem = std::fs::read_to_string(dir.join(format!("{stem}.key.pk8.pem"))).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let a = rsa::PrivateKey::from_pkcs8_der(&der).expect("PKCS#8 DER");
        let b = rsa::PrivateKey::from_pkcs8_pem(&pem).expect("PKCS#8 PEM");
        assert!(&a == key.private_key() && &b == key.private_key());
    }
}

// --- OpenSSL ---------------------------------------------------------------------------

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap_or_else(|e| {
        panic!("cannot run `openssl` ({e}); these tests need the OpenSSL command line tool installed and on PATH")
    });
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn at() -> String {
    VERIFY_AT_UNIX.to_string()
}

#[test]
fn openssl_accepts_the_chains() {
    let (_, dir) = pki();
    let at = at();
    for (purpose, ca, ee) in [
        ("sslclient", "auth_ca.pem", "auth_ee.pem"),
        ("smimesign", "sign_ca.pem", "sign_ee.pem"),
        ("sslclient", "sub_ca.pem", "sub_ee.pem"),
    ] {
        let (ok, text) = openssl(&["verify", "-attime", &at, "-purpose", purpose, "-CAfile", ca, ee], dir);
        assert!(ok && text.contains(": OK"), "openssl verify -purpose {purpose} {ee}: {text}");
    }
    // Also with the x509_strict profile and revocation checking, and at today's time (valid
    // until 2030).
    let (ok, text) = openssl(
        &[
            "verify",
            "-x509_strict",
            "-crl_check",
            "-CRLfile",
            "auth_ca.crl.pem",
            "-purpose",
            "sslclient",
            "-CAfile",
            "auth_ca.pem",
            "auth_ee.pem",
        ],
        dir,
    );
    assert!(ok, "strict + CRL: {text}");
    // A wrong anchor must fail, so the above is not vacuous.
    let (ok, _) = openssl(&["verify", "-attime", &at, "-CAfile", "sign_ca.pem", "auth_ee.pem"], dir);
    assert!(!ok);
}

#[test]
fn openssl_verifies_the_crl() {
    let (_, dir) = pki();
    let (ok, text) = openssl(&["crl", "-in", "auth_ca.crl.pem", "-CAfile", "auth_ca.pem", "-noout"], dir);
    assert!(ok && text.contains("verify OK"), "openssl crl: {text}");
    let (ok, text) = openssl(&["crl", "-in", "auth_ca.crl.pem", "-CAfile", "sign_ca.pem", "-noout"], dir);
    assert!(!ok || !text.contains("verify OK"), "CRL must not verify under the signing CA: {text}");
}

/// What `openssl verify` says about each variant, so a differential test has a reference.
#[test]
fn openssl_rejects_each_broken_variant_for_its_own_reason() {
    let (pki, dir) = pki();
    let at = at();
    for v in Variant::ALL {
        let chain = pki.variant(v);
        let vdir = dir.join("variants").join(v.name());
        assert_eq!(std::fs::read(vdir.join("ee.der")).unwrap(), chain.ee, "{v:?} file = variant()");
        let anchor = dir.join("auth_ca.pem");
        assert_eq!(chain.anchor, pki.auth_ca.der);
        let mut args: Vec<String> =
            ["verify", "-attime", &at, "-purpose", "sslclient", "-CAfile"].map(String::from).to_vec();
        args.push(anchor.display().to_string());
        if !chain.intermediates.is_empty() {
            args.extend(["-untrusted".into(), vdir.join("untrusted.pem").display().to_string()]);
        }
        if chain.crl.is_some() {
            args.extend(["-crl_check".into(), "-CRLfile".into(), dir.join("auth_ca.crl.pem").display().to_string()]);
        }
        args.push(vdir.join("ee.pem").display().to_string());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, text) = openssl(&refs, dir);
        let expect: Option<&str> = match v {
            Variant::Valid | Variant::Sha1 => None,
            Variant::Expired => Some("certificate has expired"),
            Variant::NotYetValid => Some("certificate is not yet valid"),
            Variant::WrongIssuer | Variant::TamperedSignature => Some("certificate signature failure"),
            Variant::WrongKeyUsage => Some("unsuitable certificate purpose"),
            Variant::IssuerNotCa => Some("invalid CA certificate"),
            Variant::UnknownCriticalExtension => Some("unhandled critical extension"),
            Variant::Revoked => Some("certificate revoked"),
        };
        match expect {
            None => assert!(ok, "{v:?} should verify: {text}"),
            Some(reason) => assert!(!ok && text.contains(reason), "{v:?} should fail with {reason:?}: {text}"),
        }
    }
    // SHA-1 is refused once a security level is asked for.
    let sha1 = dir.join("variants/sha1/ee.pem").display().to_string();
    let (ok, text) = openssl(&["verify", "-attime", &at, "-auth_level", "1", "-CAfile", "auth_ca.pem", &sha1], dir);
    assert!(!ok, "sha1 at auth_level 1: {text}");
}
