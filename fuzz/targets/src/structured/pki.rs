//! Structure-aware verify-core formats: X.509 certificates of the JPKI profile written by a
//! small DER writer here (names, serial, validity, the signature algorithms hanko verifies,
//! KeyUsage, BasicConstraints, certificate policies and the holder's SAN otherNames from
//! `spec/pki/profile.json`), CV certificates and integrity records from the codec's
//! `Arbitrary` file values, and DigestInfo values. Every accessor must return what was
//! written; then the byte-level verify-core targets run on the bytes (a forged certificate,
//! CV certificate or record must still never verify).
//!
//! hanko-crypto only reads these formats (it writes none), so "encode" is the writer here;
//! the spec interpreter does not read X.509, so there is no differential check.

use crate::hex;
use arbitrary::{Arbitrary, Unstructured};
use hanko_codec::field::{self, DigestInfo, HashAlgorithm};
use hanko_codec::generated::files::{TextCvCertificate, TextIntegrity};
use hanko_codec::reader::Span;
use hanko_crypto::cv::CvCertificate;
use hanko_crypto::profile::{Certificate, KeyUsage};
use hanko_crypto::signature;
use hanko_crypto::time::UnixTime;
use std::sync::OnceLock;
use xtask::spec::oid_der;

pub const KINDS: [&str; 4] = ["certificate", "cv_certificate", "integrity", "signature"];

pub fn pki_structured_case(data: &[u8]) -> Option<&'static str> {
    let buf = data.to_vec();
    let mut u = Unstructured::new(&buf);
    let index = u.choose_index(KINDS.len()).ok()?;
    let done = match index {
        0 => certificate(&mut u),
        1 => cv_certificate(&mut u),
        2 => integrity(&mut u),
        _ => digest_info(&mut u),
    };
    done.ok().map(|()| KINDS[index])
}

// ---- a DER writer ---------------------------------------------------------------------

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    match n {
        0..=0x7F => out.push(n as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, n as u8]),
        _ => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(dotted: &str) -> Vec<u8> {
    tlv(0x06, &oid_der(dotted).unwrap_or_else(|| panic!("{dotted} is no OID")))
}

/// The spec's OIDs whose id starts with `prefix`, dotted.
fn spec_oids(prefix: &str) -> &'static [String] {
    static ALL: OnceLock<Vec<(String, String)>> = OnceLock::new();
    let all = ALL.get_or_init(|| crate::spec().oids().map(|(_, _, e)| (e.common.id.clone(), e.oid.clone())).collect());
    static POLICIES: OnceLock<Vec<String>> = OnceLock::new();
    static HOLDER: OnceLock<Vec<String>> = OnceLock::new();
    let pick = |p: &str| all.iter().filter(|(id, _)| id.contains(p)).map(|(_, o)| o.clone()).collect::<Vec<_>>();
    match prefix {
        "policy" => POLICIES.get_or_init(|| pick("policy")),
        _ => HOLDER.get_or_init(|| pick("oid.jpki.holder_")),
    }
}

/// The test PKI's end-entity key, as a SubjectPublicKeyInfo: a real 2048-bit key, so that
/// `public_key()` has something to accept.
fn spki() -> &'static [u8] {
    static SPKI: OnceLock<Vec<u8>> = OnceLock::new();
    SPKI.get_or_init(|| {
        let der: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/testdata/pki/auth_ee.der"));
        let c = Certificate::from_der(der).expect("the test PKI's certificate parses");
        c.x509().public_key().raw.to_vec()
    })
}

/// UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5).
fn time(y: i32, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> Vec<u8> {
    if (1950..2050).contains(&y) {
        tlv(0x17, format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100).as_bytes())
    } else {
        tlv(0x18, format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z").as_bytes())
    }
}

fn arbitrary_time(u: &mut Unstructured<'_>) -> arbitrary::Result<(Vec<u8>, UnixTime)> {
    let y = u.int_in_range(1950..=2200i32)?;
    let mo = u.int_in_range(1..=12u8)?;
    let d = u.int_in_range(1..=28u8)?;
    let (h, mi, s) = (u.int_in_range(0..=23u8)?, u.int_in_range(0..=59u8)?, u.int_in_range(0..=59u8)?);
    let at = UnixTime::from_utc(y, mo, d, h, mi, s).ok_or(arbitrary::Error::IncorrectFormat)?;
    Ok((time(y, mo, d, h, mi, s), at))
}

/// `C=JP, [OU=…]*, CN=…`: the organizational units as written, and the Name's DER.
fn name(u: &mut Unstructured<'_>) -> arbitrary::Result<(Vec<String>, Vec<u8>)> {
    let rdn = |oid_dotted: &str, value: Vec<u8>| tlv(0x31, &seq(&[oid(oid_dotted), value]));
    let mut rdns = vec![rdn("2.5.4.6", tlv(0x13, b"JP"))];
    let mut ous = Vec::new();
    for _ in 0..u.int_in_range(0..=2u8)? {
        let ou: String = u.arbitrary()?;
        rdns.push(rdn("2.5.4.11", tlv(0x0C, ou.as_bytes())));
        ous.push(ou);
    }
    let cn: String = u.arbitrary()?;
    rdns.push(rdn("2.5.4.3", tlv(0x0C, cn.as_bytes())));
    Ok((ous, seq(&rdns)))
}

fn extension(oid_dotted: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![oid(oid_dotted)];
    if critical {
        parts.push(tlv(0x01, &[0xFF]));
    }
    parts.push(tlv(0x04, value));
    seq(&parts)
}

/// KeyUsage as a DER named-bit BIT STRING: bit 0 (digitalSignature) is the first byte's
/// most significant bit, trailing zero bits dropped.
fn key_usage_bits(flags: u16) -> Vec<u8> {
    let bytes = [(flags as u8).reverse_bits(), ((flags >> 8) as u8).reverse_bits()];
    let used = if bytes[1] != 0 { 2 } else { 1 };
    let unused = bytes[used - 1].trailing_zeros() as u8;
    let mut content = vec![unused];
    content.extend_from_slice(&bytes[..used]);
    tlv(0x03, &content)
}

struct Expected {
    serial: Vec<u8>,
    subject: Vec<u8>,
    subject_ous: Vec<String>,
    not_before: UnixTime,
    not_after: UnixTime,
    hash: HashAlgorithm,
    key_usage: Option<u16>,
    basic_constraints: Option<(bool, Option<u32>)>,
    policies: Vec<Vec<u8>>,
    holder: Vec<(u8, String)>,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    signature: Vec<u8>,
    tbs: Vec<u8>,
}

fn certificate(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let (der, want) = build_certificate(u)?;
    let c = Certificate::from_der(&der)
        .unwrap_or_else(|e| panic!("a well-formed certificate is refused: {e}\n{}", hex(&der)));
    let at = || hex(&der);
    assert_eq!(c.der(), der.as_slice());
    assert_eq!(c.tbs(), want.tbs.as_slice(), "tbs of {}", at());
    assert_eq!(c.serial(), want.serial.as_slice(), "serial of {}", at());
    assert_eq!(c.subject_raw(), want.subject.as_slice(), "subject of {}", at());
    assert_eq!(c.subject_organizational_units(), want.subject_ous, "OUs of {}", at());
    assert_eq!((c.not_before(), c.not_after()), (want.not_before, want.not_after), "validity of {}", at());
    assert_eq!(c.signature_hash(), Ok(want.hash), "signature algorithm of {}", at());
    assert_eq!(c.signature_value(), want.signature.as_slice(), "signature of {}", at());
    assert_eq!(
        c.key_usage().map(|k| k.bits()),
        want.key_usage.map(|f| KeyUsage::from_bits_truncate(f).bits()),
        "KeyUsage of {}",
        at()
    );
    assert_eq!(
        c.basic_constraints().map(|b| (b.ca, b.path_len)),
        want.basic_constraints,
        "BasicConstraints of {}",
        at()
    );
    let policies: Vec<Vec<u8>> = c.policies().into_iter().map(<[u8]>::to_vec).collect();
    assert_eq!(policies, want.policies, "policies of {}", at());
    let holder: Vec<(u8, String)> =
        c.holder().attributes.iter().map(|a| (a.arc, a.text.unwrap_or("\u{FFFD}").to_owned())).collect();
    assert_eq!(holder, want.holder, "holder attributes of {}", at());
    assert_eq!(c.subject_key_id().map(<[u8]>::to_vec), want.subject_key_id, "SKI of {}", at());
    assert_eq!(c.authority_key_id().map(<[u8]>::to_vec), want.authority_key_id, "AKI of {}", at());
    assert!(c.public_key().is_ok(), "the test PKI's key is refused in {}", at());
    crate::crypto::certificate(&der);
    crate::crypto::chain(&der);
    Ok(())
}

fn build_certificate(u: &mut Unstructured<'_>) -> arbitrary::Result<(Vec<u8>, Expected)> {
    // The serial: 1 to 19 bytes, positive, minimal (a sign byte only when the top bit is set).
    let n = u.int_in_range(1..=19usize)?;
    let mut serial: Vec<u8> = u.bytes(n)?.iter().copied().skip_while(|&b| b == 0).collect();
    if serial.is_empty() {
        serial.push(1);
    }
    if serial[0] & 0x80 != 0 {
        serial.insert(0, 0);
    }
    let (hash, alg) = *u.choose(&[
        (HashAlgorithm::Sha1, "1.2.840.113549.1.1.5"),
        (HashAlgorithm::Sha256, "1.2.840.113549.1.1.11"),
        (HashAlgorithm::Sha384, "1.2.840.113549.1.1.12"),
        (HashAlgorithm::Sha512, "1.2.840.113549.1.1.13"),
    ])?;
    let algorithm = seq(&[oid(alg), tlv(0x05, &[])]);
    let (_, issuer) = name(u)?;
    let (subject_ous, subject) = name(u)?;
    let (nb, not_before) = arbitrary_time(u)?;
    let (na, not_after) = arbitrary_time(u)?;

    let mut extensions = Vec::new();
    let key_usage = if u.arbitrary()? {
        let flags = u.int_in_range(1..=0x1FFu16)?;
        extensions.push(extension("2.5.29.15", true, &key_usage_bits(flags)));
        Some(flags)
    } else {
        None
    };
    let basic_constraints = if u.arbitrary()? {
        let ca: bool = u.arbitrary()?;
        let path_len = if ca && u.arbitrary()? { Some(u.int_in_range(0..=127u32)?) } else { None };
        let mut parts = Vec::new();
        if ca {
            parts.push(tlv(0x01, &[0xFF]));
        }
        if let Some(p) = path_len {
            parts.push(tlv(0x02, &[p as u8]));
        }
        extensions.push(extension("2.5.29.19", true, &seq(&parts)));
        Some((ca, path_len))
    } else {
        None
    };
    let mut policies = Vec::new();
    if u.arbitrary()? {
        let all = spec_oids("policy");
        let mut infos = Vec::new();
        for p in all {
            if u.arbitrary()? {
                infos.push(seq(&[oid(p)]));
                policies.push(oid_der(p).unwrap_or_default());
            }
        }
        if !infos.is_empty() {
            extensions.push(extension("2.5.29.32", true, &seq(&infos)));
        }
    }
    let mut holder = Vec::new();
    if u.arbitrary()? {
        let mut names = Vec::new();
        for _ in 0..u.int_in_range(1..=6u8)? {
            let dotted = u.choose(spec_oids("holder"))?;
            let arc: u8 = dotted.rsplit('.').next().and_then(|a| a.parse().ok()).unwrap_or(0);
            let text: String = u.arbitrary()?;
            // otherName: [0] { type-id, [0] EXPLICIT UTF8String }.
            names.push(tlv(0xA0, &[oid(dotted), tlv(0xA0, &tlv(0x0C, text.as_bytes()))].concat()));
            holder.push((arc, text));
        }
        extensions.push(extension("2.5.29.17", false, &seq(&names)));
    }
    let subject_key_id = if u.arbitrary()? { Some(u.bytes(20)?.to_vec()) } else { None };
    if let Some(id) = &subject_key_id {
        extensions.push(extension("2.5.29.14", false, &tlv(0x04, id)));
    }
    let authority_key_id = if u.arbitrary()? { Some(u.bytes(20)?.to_vec()) } else { None };
    if let Some(id) = &authority_key_id {
        extensions.push(extension("2.5.29.35", false, &seq(&[tlv(0x80, id)])));
    }

    let mut tbs_parts = vec![
        tlv(0xA0, &tlv(0x02, &[2])),
        tlv(0x02, &serial),
        algorithm.clone(),
        issuer,
        seq(&[nb, na]),
        subject.clone(),
        spki().to_vec(),
    ];
    if !extensions.is_empty() {
        tbs_parts.push(tlv(0xA3, &seq(&extensions)));
    }
    let tbs = seq(&tbs_parts);
    let n = u.int_in_range(1..=256usize)?;
    let signature = u.bytes(n)?.to_vec();
    let der = seq(&[tbs.clone(), algorithm, tlv(0x03, &[&[0][..], &signature].concat())]);
    let want = Expected {
        serial,
        subject,
        subject_ous,
        not_before,
        not_after,
        hash,
        key_usage,
        basic_constraints,
        policies,
        holder,
        subject_key_id,
        authority_key_id,
        signature,
        tbs,
    };
    Ok((der, want))
}

/// The value of the object at the start of `b` and what follows it (definite lengths of
/// up to three bytes, as the writers here and the codec produce).
fn value_and_rest(b: &[u8]) -> (&[u8], &[u8]) {
    let tag_len = if b[0] & 0x1F == 0x1F { 2 } else { 1 };
    let first = b[tag_len];
    let (len, header) = if first < 0x80 {
        (usize::from(first), tag_len + 1)
    } else {
        let n = usize::from(first & 0x7F);
        (b[tag_len + 1..tag_len + 1 + n].iter().fold(0, |a, &x| a << 8 | usize::from(x)), tag_len + 1 + n)
    };
    (&b[header..header + len], &b[header + len..])
}

fn cv_certificate(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let value = TextCvCertificate::arbitrary(u)?;
    let mut out = Vec::new();
    value.encode(&mut out);
    let cv = CvCertificate::parse(&out)
        .unwrap_or_else(|e| panic!("{value:?} encodes to {}, which is refused: {e}", hex(&out)));
    assert_eq!(cv.fields, value, "{} reads differently", hex(&out));
    assert_eq!((cv.issuer_key_id(), cv.subject_key_id()), (value.issuer_key_id, value.subject_key_id));
    // 7F21 { 5F4E body, 5F37 signature }: the body's value is what the signature covers.
    let (outer, _) = value_and_rest(&out);
    let (body, _) = value_and_rest(outer);
    assert_eq!(cv.signed_bytes(), body, "signed bytes of {}", hex(&out));
    assert_eq!(cv.signature(), value.signature);
    let _ = cv.public_key();
    crate::crypto::cv_certificate(&out);
    Ok(())
}

fn integrity(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let value = TextIntegrity::arbitrary(u)?;
    let mut out = Vec::new();
    value.encode(&mut out);
    // FF30 { DF31, DF32, DF33 }: DF33 signs the first two objects as they stand.
    let (outer, _) = value_and_rest(&out);
    let (_, after_first) = value_and_rest(outer);
    let (_, after_second) = value_and_rest(after_first);
    let signed = &outer[..outer.len() - after_second.len()];
    let got = hanko_crypto::integrity::signed_bytes(&out)
        .unwrap_or_else(|e| panic!("{value:?} encodes to {}, which is refused: {e}", hex(&out)));
    assert_eq!(got, signed, "signed bytes of {}", hex(&out));
    crate::crypto::integrity(&out);
    Ok(())
}

fn digest_info(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let value = DigestInfo::arbitrary(u)?;
    let mut out = Vec::new();
    value.encode(&mut out);
    assert_eq!(value.encoded_len(), out.len());
    assert_eq!(signature::digest_info(value.algorithm, value.digest), out, "the two DigestInfo writers disagree");
    assert_eq!(signature::split_digest_info(&out), Some((value.algorithm, value.digest)), "split of {}", hex(&out));
    let back = field::digest_info(
        Span { bytes: &out, offset: 0 },
        hanko_codec::generated::rules::JPKI_COMPUTE_SIGNATURE__INPUT,
    );
    assert_eq!(back.ok(), Some(value), "the codec reads {} differently", hex(&out));
    Ok(())
}
