//! Differential test: every test-PKI chain, valid and broken in each way the issue lists,
//! gets the same verdict from hanko as from `openssl verify` with a purpose that checks
//! KeyUsage (`sslclient` for authentication, `smimesign` for signing). Where the JPKI
//! profile is stricter than OpenSSL, the case says so and checks hanko's stricter verdict.
//! OpenSSL must be installed (CI installs it); a missing binary fails the test.

use hanko_crypto::chain::{verify_chain, Anchor, Options, Purpose};
use hanko_crypto::error::Check;
use hanko_crypto::testpki::{pem, Pki, Variant, VariantChain, VERIFY_AT_UNIX};
use hanko_crypto::time::UnixTime;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| Pki::generate(1))
}

/// OpenSSL's verdict: `Ok(())` or its error line.
fn openssl(dir: &Path, chain: &VariantChain, purpose: &str, extra: &[&str]) -> Result<(), String> {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("anchor.pem"), pem("CERTIFICATE", &chain.anchor)).unwrap();
    std::fs::write(dir.join("ee.pem"), pem("CERTIFICATE", &chain.ee)).unwrap();
    let mut args: Vec<String> =
        vec!["verify".into(), "-attime".into(), VERIFY_AT_UNIX.to_string(), "-purpose".into(), purpose.into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["-CAfile".into(), dir.join("anchor.pem").display().to_string()]);
    if !chain.intermediates.is_empty() {
        let all: String = chain.intermediates.iter().map(|c| pem("CERTIFICATE", c)).collect();
        std::fs::write(dir.join("untrusted.pem"), all).unwrap();
        args.extend(["-untrusted".into(), dir.join("untrusted.pem").display().to_string()]);
    }
    if let Some(crl) = &chain.crl {
        std::fs::write(dir.join("crl.pem"), pem("X509 CRL", crl)).unwrap();
        args.extend(["-crl_check".into(), "-CRLfile".into(), dir.join("crl.pem").display().to_string()]);
    }
    args.push(dir.join("ee.pem").display().to_string());
    let out = Command::new("openssl")
        .args(&args)
        .output()
        .unwrap_or_else(|e| panic!("openssl is needed for this test (apt-get install openssl): {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() && text.contains(": OK") {
        Ok(())
    } else {
        Err(text.lines().find(|l| l.contains("error")).unwrap_or(text.trim()).to_string())
    }
}

fn hanko(chain: &VariantChain, purpose: Purpose, allow_sha1: bool) -> Result<(), Check> {
    let anchor = Anchor::new(&chain.anchor).expect("anchor parses");
    let inters: Vec<&[u8]> = chain.intermediates.iter().map(Vec::as_slice).collect();
    let crls: Vec<&[u8]> = chain.crl.iter().map(Vec::as_slice).collect();
    let options = Options { allow_sha1, ..Options::for_purpose(purpose) };
    verify_chain(&chain.ee, &inters, &[anchor], &crls, UnixTime(VERIFY_AT_UNIX), &options)
        .map(|_| ())
        .map_err(|e| e.check)
}

fn scratch(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("hanko-ossl-{}-{name}", std::process::id()))
}

/// What hanko must say for each variant: the check that fails, or success.
fn expected(v: Variant, check: &Result<(), Check>) -> bool {
    matches!(
        (v, check),
        (Variant::Valid, Ok(()))
            | (Variant::Expired, Err(Check::Expired { .. }))
            | (Variant::NotYetValid, Err(Check::NotYetValid { .. }))
            | (
                Variant::WrongIssuer,
                Err(Check::Signature(_) | Check::UntrustedIssuer { .. } | Check::KeyIdentifier { .. })
            )
            | (Variant::TamperedSignature, Err(Check::Signature(_)))
            | (Variant::WrongKeyUsage, Err(Check::KeyUsage { .. }))
            | (Variant::IssuerNotCa, Err(Check::NotCa))
            | (Variant::UnknownCriticalExtension, Err(Check::UnknownCriticalExtension { .. }))
            | (Variant::Revoked, Err(Check::Revoked { .. }))
            | (Variant::Sha1, Err(Check::WeakAlgorithm(_)))
    )
}

#[test]
fn every_variant_gets_openssls_verdict_and_the_precise_reason() {
    let mut report = Vec::new();
    let mut disagreements = Vec::new();
    for v in Variant::ALL {
        let chain = pki().variant(v);
        assert!(chain.purpose_auth, "{}: the variants are authentication chains", v.name());
        let ours = hanko(&chain, Purpose::Authentication, false);
        // OpenSSL 3 accepts SHA-1 signatures unless an auth level is set; hanko refuses them by
        // default, as OpenSSL does at `-auth_level 1`.
        let extra: &[&str] = if v == Variant::Sha1 { &["-auth_level", "1"] } else { &[] };
        let theirs = openssl(&scratch(v.name()), &chain, "sslclient", extra);
        report.push(format!(
            "{:28} hanko {:<60} openssl {:?}",
            v.name(),
            format!("{ours:?}").chars().take(60).collect::<String>(),
            theirs
        ));
        if ours.is_ok() != theirs.is_ok() {
            disagreements.push(v.name());
        }
        assert!(expected(v, &ours), "{}: hanko's reason is not the expected check: {ours:?}", v.name());
    }
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("hanko-ossl-{}", std::process::id())));
    assert!(disagreements.is_empty(), "hanko and openssl disagree on {disagreements:?}:\n{}", report.join("\n"));
}

#[test]
fn sha1_is_accepted_and_reported_when_allowed_as_openssl_does_by_default() {
    let chain = pki().variant(Variant::Sha1);
    assert_eq!(hanko(&chain, Purpose::Authentication, true), Ok(()));
    assert_eq!(openssl(&scratch("sha1-default"), &chain, "sslclient", &[]), Ok(()));
    let anchor = Anchor::new(&chain.anchor).unwrap();
    let options = Options { allow_sha1: true, ..Options::for_purpose(Purpose::Authentication) };
    let report = verify_chain(&chain.ee, &[], &[anchor], &[], UnixTime(VERIFY_AT_UNIX), &options).unwrap();
    assert_eq!(report.sha1_signatures, vec![0], "the SHA-1 signature is reported");
}

#[test]
fn signing_certificates_agree_under_smimesign() {
    let p = pki();
    let chain = VariantChain {
        ee: p.sign_ee.der.clone(),
        intermediates: vec![],
        anchor: p.sign_ca.der.clone(),
        crl: None,
        purpose_auth: false,
    };
    assert_eq!(hanko(&chain, Purpose::Signing, false), Ok(()));
    assert_eq!(openssl(&scratch("sign"), &chain, "smimesign", &[]), Ok(()));
}

/// Stricter than OpenSSL: an authentication certificate (digitalSignature only) passes
/// OpenSSL's `smimesign` purpose, which accepts digitalSignature alone, but the JPKI
/// signing profile needs nonRepudiation too (spec/pki/profile.json, profile.jpki.signing).
#[test]
fn jpki_signing_profile_is_stricter_than_smimesign() {
    let p = pki();
    let chain = VariantChain {
        ee: p.auth_ee.der.clone(),
        intermediates: vec![],
        anchor: p.auth_ca.der.clone(),
        crl: None,
        purpose_auth: false,
    };
    assert_eq!(openssl(&scratch("stricter"), &chain, "smimesign", &[]), Ok(()), "OpenSSL accepts it");
    match hanko(&chain, Purpose::Signing, false) {
        Err(Check::KeyUsage { .. } | Check::Purpose { .. }) => {}
        other => panic!("hanko must refuse an authentication certificate for signing: {other:?}"),
    }
}
