//! RSA signature verification and the JPKI chain check: hanko against OpenSSL (through the
//! `openssl` crate), ring, RustCrypto `rsa` and the bare engines hanko builds on, on the bytes
//! of the test PKI (`corpus/testdata/pki/`).
//!
//! Every key is parsed once, outside the timed loop, as a verifier holding a trust anchor
//! would. `main` checks once, before any timing, that every contender accepts the valid input
//! and rejects it with one byte flipped, so no contender is timed on a path that fails early.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use hanko_benches::{testdata_pki, VERIFY_MESSAGE};
use hanko_crypto::chain::{self, Anchor, Options, Purpose};
use hanko_crypto::key::RsaPublicKey;
use hanko_crypto::signature::{self, HashAlgorithm, Scheme};
use hanko_crypto::testpki::VERIFY_AT_UNIX;
use hanko_crypto::time::UnixTime;

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::md::Md;
use openssl::pkey::{PKey, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use openssl::sign::{Signer, Verifier};
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyParam;
use openssl::x509::{X509PurposeId, X509StoreContext, X509};

use rsa::pkcs8::DecodePublicKey;
use rsa::signature::hazmat::PrehashVerifier;
use rsa::signature::Verifier as _;

fn config() -> Criterion {
    // The machine is a noisy 2-core VM: long measurements make the medians stable.
    Criterion::default().measurement_time(Duration::from_secs(10)).warm_up_time(Duration::from_secs(3)).sample_size(100)
}

/// Flips one bit of byte `at`.
fn flipped(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at] ^= 0x01;
    out
}

// ---------------------------------------------------------------------------------------
// RSA-2048 PKCS#1 v1.5 SHA-256
// ---------------------------------------------------------------------------------------

/// The holder's authentication key, each contender's form of it parsed once, and a
/// signature over [`VERIFY_MESSAGE`] made by OpenSSL with `auth_ee.key`.
struct RsaInputs {
    signature: Vec<u8>,
    digest: [u8; 32],
    hanko: RsaPublicKey,
    openssl: PKey<Public>,
    /// ring parses the key on every call; it takes the PKCS#1 `RSAPublicKey`, prepared once.
    ring: ring::signature::UnparsedPublicKey<Vec<u8>>,
    rustcrypto: rsa::pkcs1v15::VerifyingKey<sha2::Sha256>,
    aws_lc: aws_lc_rs::signature::ParsedPublicKey,
}

impl RsaInputs {
    fn new() -> Self {
        let private = PKey::private_key_from_der(&testdata_pki("auth_ee.key.pk8.der"))
            .expect("auth_ee.key.pk8.der is a PKCS#8 key");
        let mut signer = Signer::new(MessageDigest::sha256(), &private).expect("signer");
        let signature = signer.sign_oneshot_to_vec(VERIFY_MESSAGE).expect("OpenSSL signs");
        assert_eq!(signature.len(), 256);

        // The public key as the certificate carries it.
        let cert = X509::from_der(&testdata_pki("auth_ee.der")).expect("auth_ee.der parses");
        let openssl = cert.public_key().expect("public key");
        let spki = openssl.public_key_to_der().expect("SPKI");
        assert_eq!(
            spki,
            private.public_key_to_der().expect("SPKI of the private key"),
            "auth_ee.key does not belong to auth_ee.der"
        );
        let pkcs1 = openssl.rsa().expect("RSA key").public_key_to_der_pkcs1().expect("PKCS#1");

        let digest: [u8; 32] = openssl::sha::sha256(VERIFY_MESSAGE);
        Self {
            signature,
            digest,
            hanko: RsaPublicKey::from_spki_der(&spki).expect("hanko parses the SPKI"),
            openssl,
            ring: ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, pkcs1),
            rustcrypto: rsa::pkcs1v15::VerifyingKey::new(
                rsa::PublicKey::from_public_key_der(&spki).expect("rsa parses the SPKI"),
            ),
            aws_lc: aws_lc_rs::signature::ParsedPublicKey::new(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                &spki,
            )
            .expect("aws-lc-rs parses the SPKI"),
        }
    }

    fn hanko(&self, msg: &[u8], sig: &[u8]) -> bool {
        signature::verify(&self.hanko, msg, sig, Scheme::Pkcs1v15(HashAlgorithm::Sha256)).is_ok()
    }

    fn openssl(&self, msg: &[u8], sig: &[u8]) -> bool {
        let mut v = Verifier::new(MessageDigest::sha256(), &self.openssl).expect("verifier");
        v.verify_oneshot(sig, msg).unwrap_or(false)
    }

    fn ring(&self, msg: &[u8], sig: &[u8]) -> bool {
        self.ring.verify(msg, sig).is_ok()
    }

    /// The signature bytes become an `rsa` `Signature` (a big integer) on every call: the
    /// others also start from bytes.
    fn rustcrypto(&self, msg: &[u8], sig: &[u8]) -> bool {
        rsa::pkcs1v15::Signature::try_from(sig).and_then(|s| self.rustcrypto.verify(msg, &s)).is_ok()
    }

    fn aws_lc(&self, msg: &[u8], sig: &[u8]) -> bool {
        self.aws_lc.verify_sig(msg, sig).is_ok()
    }

    fn hanko_prehashed(&self, digest: &[u8], sig: &[u8]) -> bool {
        signature::verify(&self.hanko, digest, sig, Scheme::Pkcs1v15Prehashed(HashAlgorithm::Sha256)).is_ok()
    }

    /// `EVP_PKEY_verify` with PKCS#1 padding and SHA-256: OpenSSL's digest-given form.
    fn openssl_prehashed(&self, digest: &[u8], sig: &[u8]) -> bool {
        let mut ctx = PkeyCtx::new(&self.openssl).expect("EVP_PKEY_CTX");
        ctx.verify_init().expect("verify_init");
        ctx.set_rsa_padding(Padding::PKCS1).expect("padding");
        ctx.set_signature_md(Md::sha256()).expect("md");
        ctx.verify(digest, sig).unwrap_or(false)
    }

    fn rustcrypto_prehashed(&self, digest: &[u8], sig: &[u8]) -> bool {
        rsa::pkcs1v15::Signature::try_from(sig).and_then(|s| self.rustcrypto.verify_prehash(digest, &s)).is_ok()
    }

    fn aws_lc_prehashed(&self, digest: &[u8], sig: &[u8]) -> bool {
        aws_lc_rs::digest::Digest::import_less_safe(digest, &aws_lc_rs::digest::SHA256)
            .is_ok_and(|d| self.aws_lc.verify_digest_sig(&d, sig).is_ok())
    }
}

type Contender = (&'static str, fn(&RsaInputs, &[u8], &[u8]) -> bool);

const MESSAGE_CONTENDERS: [Contender; 5] = [
    ("hanko", RsaInputs::hanko),
    ("openssl", RsaInputs::openssl),
    ("ring", RsaInputs::ring),
    ("rsa", RsaInputs::rustcrypto),
    ("aws_lc_rs", RsaInputs::aws_lc),
];

const DIGEST_CONTENDERS: [Contender; 4] = [
    ("hanko", RsaInputs::hanko_prehashed),
    ("openssl", RsaInputs::openssl_prehashed),
    ("rsa", RsaInputs::rustcrypto_prehashed),
    ("aws_lc_rs", RsaInputs::aws_lc_prehashed),
];

fn rsa_verify(c: &mut Criterion) {
    let inputs = RsaInputs::new();
    let sig = inputs.signature.as_slice();
    let bad_sig = flipped(sig, 100);
    let bad_msg = flipped(VERIFY_MESSAGE, 10);
    let bad_digest = flipped(&inputs.digest, 10);
    for (name, f) in MESSAGE_CONTENDERS {
        assert!(f(&inputs, VERIFY_MESSAGE, sig), "{name} rejects the signature");
        assert!(!f(&inputs, VERIFY_MESSAGE, &bad_sig), "{name} accepts a flipped signature byte");
        assert!(!f(&inputs, &bad_msg, sig), "{name} accepts a flipped message byte");
    }
    for (name, f) in DIGEST_CONTENDERS {
        assert!(f(&inputs, &inputs.digest, sig), "{name} rejects the signature (digest given)");
        assert!(!f(&inputs, &inputs.digest, &bad_sig), "{name} accepts a flipped signature byte (digest given)");
        assert!(!f(&inputs, &bad_digest, sig), "{name} accepts a flipped digest byte");
    }

    let mut g = c.benchmark_group("rsa2048_pkcs1_sha256");
    for (name, f) in MESSAGE_CONTENDERS {
        g.bench_function(name, |b| b.iter(|| f(&inputs, black_box(VERIFY_MESSAGE), black_box(sig))));
    }
    g.finish();

    let mut g = c.benchmark_group("rsa2048_pkcs1_sha256_digest_given");
    for (name, f) in DIGEST_CONTENDERS {
        g.bench_function(name, |b| b.iter(|| f(&inputs, black_box(&inputs.digest), black_box(sig))));
    }
    g.finish();
}

// ---------------------------------------------------------------------------------------
// JPKI chain: auth_ee ← auth_ca
// ---------------------------------------------------------------------------------------

/// The trust anchor in each contender's form, built once.
struct ChainInputs {
    at: i64,
    hanko_anchor: Vec<Anchor>,
    hanko_options: Options,
    openssl_store: X509Store,
    openssl_ca_key: PKey<Public>,
    openssl_at: Asn1Time,
    aws_lc_ca_key: aws_lc_rs::signature::ParsedPublicKey,
}

/// An `X509_STORE` holding `ca`, with the verification time `at` and the `sslclient` purpose:
/// `openssl verify -attime AT -purpose sslclient -CAfile CA`.
fn openssl_store(ca: &X509, at: i64) -> X509Store {
    let mut builder = X509StoreBuilder::new().expect("X509_STORE");
    builder.add_cert(ca.clone()).expect("add CA");
    builder.set_purpose(X509PurposeId::SSL_CLIENT).expect("purpose");
    let mut param = X509VerifyParam::new().expect("X509_VERIFY_PARAM");
    param.set_time(at);
    builder.set_param(&param).expect("set param");
    builder.build()
}

impl ChainInputs {
    fn new(at: i64) -> Self {
        let ca_der = testdata_pki("auth_ca.der");
        let ca = X509::from_der(&ca_der).expect("auth_ca.der parses");
        let openssl_ca_key = ca.public_key().expect("CA key");
        let ca_spki = openssl_ca_key.public_key_to_der().expect("SPKI");
        Self {
            at,
            hanko_anchor: vec![Anchor::new(&ca_der).expect("hanko accepts auth_ca as an anchor")],
            hanko_options: Options::for_purpose(Purpose::Authentication),
            openssl_store: openssl_store(&ca, at),
            openssl_ca_key,
            openssl_at: Asn1Time::from_unix(at).expect("ASN1_TIME"),
            aws_lc_ca_key: aws_lc_rs::signature::ParsedPublicKey::new(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                &ca_spki,
            )
            .expect("aws-lc-rs parses the CA key"),
        }
    }

    /// Parse, JPKI profile (critical extensions, algorithm, validity, purpose and KeyUsage of
    /// the end entity, the anchor's role), path building by name and key identifier, one
    /// signature, and the `Report`.
    fn hanko(&self, ee: &[u8]) -> Option<usize> {
        chain::verify_chain(ee, &[], &self.hanko_anchor, &[], UnixTime(self.at), &self.hanko_options)
            .ok()
            .map(|r| r.path.len())
    }

    /// `openssl verify -attime AT -purpose sslclient -CAfile auth_ca.pem ee.der`: parse the
    /// DER, then `X509_verify_cert` in a fresh `X509_STORE_CTX` on the store built once.
    fn openssl_verify_cert(&self, ee: &[u8]) -> Option<usize> {
        let cert = X509::from_der(ee).ok()?;
        let chain = Stack::<X509>::new().expect("empty stack");
        let mut ctx = X509StoreContext::new().expect("X509_STORE_CTX");
        ctx.init(&self.openssl_store, &cert, &chain, |c| Ok(c.verify_cert()?.then(|| c.chain().map_or(0, |s| s.len()))))
            .ok()
            .flatten()
    }

    /// The least OpenSSL can do: parse, `X509_verify` with the CA key, and the validity
    /// window. No profile, purpose, name or extension checks.
    fn openssl_x509_verify(&self, ee: &[u8]) -> Option<usize> {
        let cert = X509::from_der(ee).ok()?;
        let in_time = cert.not_before() <= self.openssl_at && self.openssl_at <= cert.not_after();
        (in_time && cert.verify(&self.openssl_ca_key).ok()?).then_some(2)
    }

    /// The floor under hanko: x509-parser's parse, aws-lc-rs's verify of the TBS with the
    /// CA key parsed once, and the validity window. No profile checks.
    fn x509_parser_aws_lc(&self, ee: &[u8]) -> Option<usize> {
        use x509_parser::prelude::FromDer;
        let (_, cert) = x509_parser::certificate::X509Certificate::from_der(ee).ok()?;
        let v = cert.validity();
        let in_time = v.not_before.timestamp() <= self.at && self.at <= v.not_after.timestamp();
        let ok =
            in_time && self.aws_lc_ca_key.verify_sig(cert.tbs_certificate.as_ref(), &cert.signature_value.data).is_ok();
        ok.then_some(2)
    }
}

type ChainContender = (&'static str, fn(&ChainInputs, &[u8]) -> Option<usize>);

const CHAIN_CONTENDERS: [ChainContender; 4] = [
    ("hanko", ChainInputs::hanko),
    ("openssl_verify_cert", ChainInputs::openssl_verify_cert),
    ("openssl_x509_verify", ChainInputs::openssl_x509_verify),
    ("x509_parser_aws_lc_rs", ChainInputs::x509_parser_aws_lc),
];

fn jpki_chain(c: &mut Criterion) {
    let ee = testdata_pki("auth_ee.der");
    let inputs = ChainInputs::new(VERIFY_AT_UNIX);
    let tampered = flipped(&ee, ee.len() - 1);
    assert_eq!(
        tampered,
        testdata_pki("variants/tampered_signature/ee.der"),
        "the flipped byte is the last signature byte"
    );
    for (name, f) in CHAIN_CONTENDERS {
        assert_eq!(f(&inputs, &ee), Some(2), "{name} rejects auth_ee ← auth_ca");
        assert_eq!(f(&inputs, &tampered), None, "{name} accepts a tampered signature");
    }
    // The verification time is what the contenders use, not the clock: a certificate valid
    // only in 2033 passes at 2033-06-01 and fails at VERIFY_AT.
    let future = testdata_pki("variants/not_yet_valid/ee.der");
    let in_2033 = ChainInputs::new(2_001_196_800);
    for (name, f) in CHAIN_CONTENDERS {
        assert_eq!(f(&in_2033, &future), Some(2), "{name} ignores the time it is given");
        assert_eq!(f(&inputs, &future), None, "{name} accepts a certificate not yet valid");
    }
    // Purpose: a certificate without digitalSignature fails both full checks.
    let wrong_ku = testdata_pki("variants/wrong_key_usage/ee.der");
    assert_eq!(inputs.hanko(&wrong_ku), None, "hanko ignores KeyUsage");
    assert_eq!(inputs.openssl_verify_cert(&wrong_ku), None, "OpenSSL ignores KeyUsage");

    let mut g = c.benchmark_group("jpki_chain");
    for (name, f) in CHAIN_CONTENDERS {
        g.bench_function(name, |b| b.iter(|| f(&inputs, black_box(&ee))));
    }
    g.finish();

    // Parsing alone, to split the chain figures into parse and the rest.
    let mut g = c.benchmark_group("cert_parse");
    g.bench_function("hanko", |b| {
        b.iter(|| hanko_crypto::profile::Certificate::from_der(black_box(&ee)).map(|c| c.tbs().len()).ok())
    });
    g.bench_function("openssl", |b| {
        b.iter(|| X509::from_der(black_box(&ee)).map(|c| c.signature().as_slice().len()).ok())
    });
    g.bench_function("x509_parser", |b| {
        b.iter(|| {
            use x509_parser::prelude::FromDer;
            x509_parser::certificate::X509Certificate::from_der(black_box(&ee))
                .map(|(_, c)| c.tbs_certificate.as_ref().len())
                .ok()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = rsa_verify, jpki_chain
}
criterion_main!(benches);
