//! Object identifiers the verify core recognises, as the content bytes of their DER
//! encoding (what `Oid::as_bytes()` of x509-parser returns), so that matching an
//! extension or algorithm is a slice comparison with no allocation.
//!
//! [`KNOWN`] pairs every constant with its dotted form; a unit test re-encodes each dotted
//! form and compares, so a typo in the hand-written bytes cannot slip through.

/// rsaEncryption, 1.2.840.113549.1.1.1.
pub const RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
/// sha1WithRSAEncryption, 1.2.840.113549.1.1.5.
pub const SHA1_WITH_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05];
/// RSASSA-PSS, 1.2.840.113549.1.1.10 (recognised to be named in errors; not accepted in certificates).
pub const RSASSA_PSS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A];
/// sha256WithRSAEncryption, 1.2.840.113549.1.1.11.
pub const SHA256_WITH_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
/// sha384WithRSAEncryption, 1.2.840.113549.1.1.12.
pub const SHA384_WITH_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C];
/// sha512WithRSAEncryption, 1.2.840.113549.1.1.13.
pub const SHA512_WITH_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0D];

// Certificate extensions (RFC 5280 §4.2).
pub const SUBJECT_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1D, 0x0E];
pub const KEY_USAGE: &[u8] = &[0x55, 0x1D, 0x0F];
pub const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1D, 0x11];
pub const ISSUER_ALT_NAME: &[u8] = &[0x55, 0x1D, 0x12];
pub const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1D, 0x13];
pub const NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1D, 0x1E];
pub const CRL_DISTRIBUTION_POINTS: &[u8] = &[0x55, 0x1D, 0x1F];
pub const CERTIFICATE_POLICIES: &[u8] = &[0x55, 0x1D, 0x20];
pub const POLICY_MAPPINGS: &[u8] = &[0x55, 0x1D, 0x21];
pub const AUTHORITY_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1D, 0x23];
pub const POLICY_CONSTRAINTS: &[u8] = &[0x55, 0x1D, 0x24];
pub const EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1D, 0x25];
pub const INHIBIT_ANY_POLICY: &[u8] = &[0x55, 0x1D, 0x36];
/// authorityInfoAccess, 1.3.6.1.5.5.7.1.1.
pub const AUTHORITY_INFO_ACCESS: &[u8] = &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];

// CRL and CRL entry extensions (RFC 5280 §5.2, §5.3).
pub const CRL_NUMBER: &[u8] = &[0x55, 0x1D, 0x14];
pub const CRL_REASON: &[u8] = &[0x55, 0x1D, 0x15];
pub const INVALIDITY_DATE: &[u8] = &[0x55, 0x1D, 0x18];
pub const DELTA_CRL_INDICATOR: &[u8] = &[0x55, 0x1D, 0x1B];
pub const ISSUING_DISTRIBUTION_POINT: &[u8] = &[0x55, 0x1D, 0x1C];
pub const CERTIFICATE_ISSUER: &[u8] = &[0x55, 0x1D, 0x1D];
pub const FRESHEST_CRL: &[u8] = &[0x55, 0x1D, 0x2E];

/// JPKI arc 1.2.392.200149.8.5 (J-LIS).
pub const JPKI_ARC: &[u8] = &[0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55, 0x08, 0x05];
/// Certificate policy of the signing certificate (署名用), 1.2.392.200149.8.5.1.1.20.
pub const POLICY_SIGNING: &[u8] = crate::generated::pki::JPKI_POLICY_SIGN.der;
/// Certificate policy of the user authentication certificate (利用者証明用), 1.2.392.200149.8.5.1.3.30.
pub const POLICY_AUTHENTICATION: &[u8] = crate::generated::pki::JPKI_POLICY_AUTH.der;
/// Signing policy of the JPKI-TEST hierarchy, 1.2.392.200149.8.5.1.0.20 (one source:
/// docs/research/jpki-cert-profile.md §1.2).
pub const POLICY_TEST_SIGNING: &[u8] = crate::generated::pki::JPKI_POLICY_SIGN_TEST.der;
/// Holder attributes in the SAN: 1.2.392.200149.8.5.5.x, x = 1..6.
pub const HOLDER_ARC: &[u8] = &[0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55, 0x08, 0x05, 0x05];

/// Sub-certificate policy (scheme 3, project-defined; spec/pki/profile.json).
pub const SUB_CERTIFICATE_POLICY: &[u8] = crate::generated::pki::HANKO_SUB_CERTIFICATE_POLICY.der;
/// Every policy OID that marks a sub certificate.
pub const SUB_CERTIFICATE_POLICIES: &[&[u8]] = &[SUB_CERTIFICATE_POLICY];

/// The holder attribute arc's last component, if `oid` is 1.2.392.200149.8.5.5.x with x < 128.
pub fn holder_attribute(oid: &[u8]) -> Option<u8> {
    match oid.strip_prefix(HOLDER_ARC) {
        Some(&[x]) if x < 0x80 => Some(x),
        _ => None,
    }
}

/// Every named constant with its dotted form and a short name.
pub const KNOWN: &[(&[u8], &str, &str)] = &[
    (RSA_ENCRYPTION, "1.2.840.113549.1.1.1", "rsaEncryption"),
    (SHA1_WITH_RSA, "1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    (RSASSA_PSS, "1.2.840.113549.1.1.10", "RSASSA-PSS"),
    (SHA256_WITH_RSA, "1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
    (SHA384_WITH_RSA, "1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
    (SHA512_WITH_RSA, "1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
    (SUBJECT_KEY_IDENTIFIER, "2.5.29.14", "subjectKeyIdentifier"),
    (KEY_USAGE, "2.5.29.15", "keyUsage"),
    (SUBJECT_ALT_NAME, "2.5.29.17", "subjectAltName"),
    (ISSUER_ALT_NAME, "2.5.29.18", "issuerAltName"),
    (BASIC_CONSTRAINTS, "2.5.29.19", "basicConstraints"),
    (NAME_CONSTRAINTS, "2.5.29.30", "nameConstraints"),
    (CRL_DISTRIBUTION_POINTS, "2.5.29.31", "cRLDistributionPoints"),
    (CERTIFICATE_POLICIES, "2.5.29.32", "certificatePolicies"),
    (POLICY_MAPPINGS, "2.5.29.33", "policyMappings"),
    (AUTHORITY_KEY_IDENTIFIER, "2.5.29.35", "authorityKeyIdentifier"),
    (POLICY_CONSTRAINTS, "2.5.29.36", "policyConstraints"),
    (EXTENDED_KEY_USAGE, "2.5.29.37", "extKeyUsage"),
    (INHIBIT_ANY_POLICY, "2.5.29.54", "inhibitAnyPolicy"),
    (AUTHORITY_INFO_ACCESS, "1.3.6.1.5.5.7.1.1", "authorityInfoAccess"),
    (CRL_NUMBER, "2.5.29.20", "cRLNumber"),
    (CRL_REASON, "2.5.29.21", "cRLReason"),
    (INVALIDITY_DATE, "2.5.29.24", "invalidityDate"),
    (DELTA_CRL_INDICATOR, "2.5.29.27", "deltaCRLIndicator"),
    (ISSUING_DISTRIBUTION_POINT, "2.5.29.28", "issuingDistributionPoint"),
    (CERTIFICATE_ISSUER, "2.5.29.29", "certificateIssuer"),
    (FRESHEST_CRL, "2.5.29.46", "freshestCRL"),
    (JPKI_ARC, "1.2.392.200149.8.5", "jpki"),
    (POLICY_SIGNING, "1.2.392.200149.8.5.1.1.20", "jpki-cp-sign-class20"),
    (POLICY_AUTHENTICATION, "1.2.392.200149.8.5.1.3.30", "jpki-cp-auth-class30"),
    (POLICY_TEST_SIGNING, "1.2.392.200149.8.5.1.0.20", "jpki-test-cp-sign"),
    (HOLDER_ARC, "1.2.392.200149.8.5.5", "jpki-holder-attributes"),
    (SUB_CERTIFICATE_POLICY, "1.3.6.1.4.1.32473.1.2", "hanko-sub-certificate-policy"),
];

/// The short name of a known OID.
pub fn name(oid: &[u8]) -> Option<&'static str> {
    KNOWN.iter().find(|(der, ..)| *der == oid).map(|&(_, _, name)| name)
}

/// Dotted decimal form of DER OID content bytes; malformed content is shown as hex.
pub fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u128> = Vec::new();
    let mut acc: u128 = 0;
    let mut pending = false;
    for &b in oid {
        if acc > (u128::MAX >> 7) {
            return hex_fallback(oid);
        }
        acc = (acc << 7) | u128::from(b & 0x7F);
        pending = true;
        if b & 0x80 == 0 {
            arcs.push(acc);
            acc = 0;
            pending = false;
        }
    }
    if pending || arcs.is_empty() {
        return hex_fallback(oid);
    }
    let first = arcs[0];
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut out = format!("{a}.{b}");
    for arc in &arcs[1..] {
        out.push('.');
        out.push_str(&arc.to_string());
    }
    out
}

fn hex_fallback(oid: &[u8]) -> String {
    let mut s = String::from("0x");
    for b in oid {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(dotted: &str) -> Vec<u8> {
        let arcs: Vec<u128> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
        let mut out = Vec::new();
        let mut push = |mut v: u128| {
            let mut tmp = vec![(v & 0x7F) as u8];
            v >>= 7;
            while v > 0 {
                tmp.push(0x80 | (v & 0x7F) as u8);
                v >>= 7;
            }
            out.extend(tmp.iter().rev());
        };
        push(arcs[0] * 40 + arcs[1]);
        for &a in &arcs[2..] {
            push(a);
        }
        out
    }

    #[test]
    fn constants_match_their_dotted_forms() {
        for (der, text, _) in KNOWN {
            assert_eq!(*der, encode(text).as_slice(), "{text}");
            assert_eq!(dotted(der), *text);
        }
    }

    #[test]
    fn agree_with_the_generated_spec() {
        use crate::generated::pki;
        assert_eq!(POLICY_SIGNING, pki::JPKI_POLICY_SIGN.der);
        assert_eq!(POLICY_AUTHENTICATION, pki::JPKI_POLICY_AUTH.der);
        assert_eq!(POLICY_TEST_SIGNING, pki::JPKI_POLICY_SIGN_TEST.der);
        assert_eq!(holder_attribute(pki::JPKI_HOLDER_ADDRESS.der), Some(5));
    }

    #[test]
    fn holder_arcs() {
        let mut oid = HOLDER_ARC.to_vec();
        oid.push(5);
        assert_eq!(holder_attribute(&oid), Some(5));
        oid.push(1);
        assert_eq!(holder_attribute(&oid), None);
        assert_eq!(holder_attribute(POLICY_SIGNING), None);
    }

    #[test]
    fn dotted_never_panics_on_garbage() {
        assert_eq!(dotted(&[]), "0x");
        assert_eq!(dotted(&[0x86]), "0x86");
        assert!(dotted(&[0xFF; 40]).starts_with("0x"));
    }
}
