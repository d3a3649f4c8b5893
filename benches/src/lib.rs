//! Inputs shared by the benchmarks and the zero-allocation test, so that every crate is
//! measured on the same bytes and the allocation test checks the bytes that were timed.

/// Decodes a hex string; spaces are allowed so the inputs can show their fields.
///
/// # Panics
/// On a character that is not a hex digit or a space, or an odd digit count: the inputs are
/// constants of this crate, so that is a bug here.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => panic!("not a hex digit: {:?}", b as char),
        })
        .collect();
    assert!(digits.len().is_multiple_of(2), "odd number of hex digits in {s:?}");
    digits.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
}

/// The command APDUs of the real-card walk-through, in the order a signing session sends them,
/// each with a short label naming it and its ISO 7816-4 case.
pub const WALKTHROUGH: [(&str, &str); 7] = [
    ("select_jpki_ap/3S", "00A4040C 0A D392F000260100000001"),
    ("select_ef_000A/3S", "00A4020C 02 000A"),
    ("read_binary/2S", "00B00000 04"),
    ("read_binary_ext/2E", "00B00004 00061F"),
    ("verify_pin/3S", "00200080 04 31323334"),
    ("select_ef_0017/3S", "00A4020C 02 0017"),
    (
        "compute_signature/4S",
        // Lc 0x33 = the 19-byte SHA-256 DigestInfo prefix and a 32-byte digest; Le 00.
        "802A0080 33 3031300D060960864801650304020105000420 \
         000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F 00",
    ),
];

/// The walk-through commands as bytes, in [`WALKTHROUGH`] order.
pub fn walkthrough_apdus() -> Vec<Vec<u8>> {
    WALKTHROUGH.iter().map(|(_, h)| hex(h)).collect()
}

/// Response APDUs as the card returns them to the walk-through: a bare status word, a
/// 4-byte certificate header, a 256-byte RSA-2048 signature, and a wrong-PIN counter.
pub fn walkthrough_responses() -> Vec<(&'static str, Vec<u8>)> {
    let mut signature: Vec<u8> = (0..=255u8).collect();
    signature.extend_from_slice(&[0x90, 0x00]);
    vec![
        ("sw_only", hex("9000")),
        ("read_binary", hex("308206CA 9000")),
        ("signature", signature),
        ("verify_failed", hex("63C2")),
    ]
}

/// The `text.basic_four` file of the spec's first example, as READ BINARY returns it.
pub fn basic_four() -> Vec<u8> {
    hex(concat!(
        "FF2062DF2108000E002000560061DF220FE8A68BE69CACE38080E88AB1E5AD90DF2333E69DB1E4BAACE983BD",
        "E58D83E4BBA3E794B0E58CBAE8A68BE69CACE794BAE4B880E4B881E79BAEEFBC92E795AAEFBC93E58FB7DF24",
        "083230303030313031DF250132",
    ))
}

/// A file of the deterministic test PKI (`corpus/testdata/pki/`, seed 1), read from the
/// repository so the verify benchmarks use the bytes `crypto/tests/testpki.rs` checks.
///
/// # Panics
/// When the file is missing: the test PKI is part of the repository.
pub fn testdata_pki(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/testdata/pki").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The message the RSA benchmarks sign and verify: 64 bytes, the size of a challenge.
pub const VERIFY_MESSAGE: &[u8; 64] = b"hanko verify benchmark: RSA-2048 PKCS#1 v1.5 SHA-256, 64 bytes..";

/// One DER object: tag, minimal definite length, value.
fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = value.len();
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        _ => panic!("object of {len} bytes is larger than any certificate"),
    }
    out.extend_from_slice(value);
    out
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &cat(parts))
}

fn oid(body: &str) -> Vec<u8> {
    tlv(0x06, &hex(body))
}

/// Deterministic filler so values look like key material, not runs of one byte.
fn noise(len: usize, seed: u8) -> Vec<u8> {
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// A distinguished name: one SET of one attribute per relative name, as JPKI issuers and
/// subjects are written.
fn name(attrs: &[(&str, &str)]) -> Vec<u8> {
    let rdns: Vec<Vec<u8>> = attrs.iter().map(|(o, v)| tlv(0x31, &seq(&[oid(o), tlv(0x13, v.as_bytes())]))).collect();
    seq(&rdns)
}

fn extension(o: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![oid(o)];
    if critical {
        parts.push(tlv(0x01, &[0xFF]));
    }
    parts.push(tlv(0x04, value));
    seq(&parts)
}

fn certificate(serial_len: usize, filler_len: usize) -> Vec<u8> {
    let sha256_rsa = || seq(&[oid("2A864886F70D01010B"), tlv(0x05, &[])]);
    let issuer = name(&[
        ("550406", "JP"),
        ("55040A", "JPKI"),
        ("55040B", "JPKI for digital signature"),
        ("55040B", "Japan Agency for Local Authority Information Systems"),
    ]);
    let subject = name(&[("550406", "JP"), ("550407", "Tokyo-to"), ("550407", "Chiyoda-ku"), ("550403", "SAMPLE")]);
    let validity = seq(&[tlv(0x17, b"250101000000Z"), tlv(0x17, b"300101235959Z")]);
    let mut modulus = vec![0x00];
    modulus.extend(noise(256, 1));
    modulus[1] |= 0x80;
    let rsa_key = seq(&[tlv(0x02, &modulus), tlv(0x02, &hex("010001"))]);
    let mut key_bits = vec![0x00];
    key_bits.extend(rsa_key);
    let spki = seq(&[seq(&[oid("2A864886F70D010101"), tlv(0x05, &[])]), tlv(0x03, &key_bits)]);
    let mut serial = noise(serial_len, 2);
    serial[0] &= 0x7F;
    // The subject alternative name carries the holder's name and address as otherName
    // entries, which is what makes a JPKI signing certificate this large; its length is the
    // knob that sizes the certificate.
    let san = seq(&[
        tlv(0xA0, &cat(&[oid("2A83088C9B551F01"), tlv(0xA0, &tlv(0x0C, &noise(filler_len, 3)))])),
        tlv(0xA0, &cat(&[oid("2A83088C9B551F02"), tlv(0xA0, &tlv(0x0C, "見本　花子".as_bytes()))])),
    ]);
    let extensions = seq(&[
        extension("551D0F", true, &tlv(0x03, &[0x06, 0xC0])),
        extension(
            "551D20",
            true,
            &seq(&[seq(&[
                oid("2A83088C9B550102"),
                seq(&[seq(&[oid("2B06010505070201"), tlv(0x16, b"http://www.jpki.go.jp/cps.html")])]),
            ])]),
        ),
        extension("551D11", false, &san),
        extension("551D12", false, &seq(&[tlv(0xA4, &name(&[("550406", "JP"), ("55040A", "JPKI")]))])),
        extension(
            "551D1F",
            false,
            &seq(&[seq(&[tlv(0xA0, &tlv(0xA0, &tlv(0x86, b"ldap://cert.jpki.go.jp/cn=crl,ou=JPKI,o=JPKI,c=JP")))])]),
        ),
        extension(
            "2B06010505070101",
            false,
            &seq(&[seq(&[oid("2B06010505073001"), tlv(0x86, b"http://ocsp.jpki.go.jp")])]),
        ),
        extension("551D23", false, &seq(&[tlv(0x80, &noise(20, 4))])),
        extension("551D0E", false, &tlv(0x04, &noise(20, 5))),
    ]);
    let tbs = seq(&[
        tlv(0xA0, &tlv(0x02, &[0x02])),
        tlv(0x02, &serial),
        sha256_rsa(),
        issuer,
        validity,
        subject,
        spki,
        tlv(0xA3, &extensions),
    ]);
    let mut signature = vec![0x00];
    signature.extend(noise(256, 6));
    seq(&[tbs, sha256_rsa(), tlv(0x03, &signature)])
}

/// Size of a JPKI signing certificate as READ BINARY returns it (`30 82 06 CA`, 1742 bytes).
pub const JPKI_CERTIFICATE_LEN: usize = 1742;

/// A DER certificate laid out like an X.509 JPKI certificate (nested SEQUENCEs, context tags
/// `A0`/`A3`, INTEGER, OID, BIT STRING, OCTET STRING-wrapped extensions) and exactly `len`
/// bytes long.
///
/// # Panics
/// When `len` is smaller than the skeleton (about 1.2 KB) or above 65 535 bytes.
pub fn certificate_shaped(len: usize) -> Vec<u8> {
    // A length field growing by a byte makes some totals unreachable by the filler alone; the
    // serial number's length (1..=20 bytes, as RFC 5280 allows) covers those gaps. Lengths
    // only grow with the filler, so the search starts a few bytes short of the estimate.
    let skeleton = certificate(1, 0).len();
    assert!(skeleton <= len, "no certificate of {len} bytes: the skeleton alone is {skeleton}");
    let start = (len - skeleton).saturating_sub(16);
    for filler in start..len {
        for serial in 1..=20 {
            let cert = certificate(serial, filler);
            if cert.len() == len {
                return cert;
            }
        }
    }
    panic!("no certificate of exactly {len} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_has_the_requested_size_and_header() {
        let cert = certificate_shaped(JPKI_CERTIFICATE_LEN);
        assert_eq!(cert.len(), JPKI_CERTIFICATE_LEN);
        assert_eq!(cert[..4], [0x30, 0x82, 0x06, 0xCA]);
        for len in 1250..2100 {
            assert_eq!(certificate_shaped(len).len(), len);
        }
    }

    #[test]
    fn hex_reads_spaced_digits() {
        assert_eq!(hex("00 a4 0F"), [0x00, 0xA4, 0x0F]);
    }
}
