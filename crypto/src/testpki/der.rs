//! A minimal DER writer for the test PKI.
//!
//! Hand-rolled rather than built on `x509-cert`'s builder because the broken variants
//! (a wrong issuer name over a foreign signature, a CA:FALSE intermediate, an unknown
//! critical extension, sha1WithRSAEncryption) and the exact string types of the real J-LIS
//! names (PrintableString country, UTF8String elsewhere) are easier to state byte by byte
//! than to coax out of a builder that enforces a profile. It also keeps the output bytes
//! independent of another crate's encoding choices, which the checked-in corpus depends on.

pub(super) const SEQUENCE: u8 = 0x30;
pub(super) const SET: u8 = 0x31;

pub(super) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = (n as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

pub(super) fn cons(tag: u8, parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(tag, &parts.concat())
}

pub(super) fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    cons(SEQUENCE, parts)
}

pub(super) fn set(parts: &[Vec<u8>]) -> Vec<u8> {
    cons(SET, parts)
}

/// Context-specific tag `[n]`, constructed (explicit tagging or a constructed implicit type).
pub(super) fn ctx_cons(n: u8, parts: &[Vec<u8>]) -> Vec<u8> {
    cons(0xA0 | n, parts)
}

/// Context-specific tag `[n]`, primitive (implicit tagging of a primitive type).
pub(super) fn ctx_prim(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0x80 | n, content)
}

/// Encodes a dotted OID. Panics on a malformed literal: every OID here is a constant.
pub(super) fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().expect("OID arc")).collect();
    assert!(arcs.len() >= 2 && arcs[0] <= 2, "OID {dotted}");
    let mut content = Vec::new();
    base128(&mut content, arcs[0] * 40 + arcs[1]);
    for &arc in &arcs[2..] {
        base128(&mut content, arc);
    }
    tlv(0x06, &content)
}

fn base128(out: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 10];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    let last = tmp.len() - 1;
    for (j, b) in tmp.iter().enumerate().skip(i) {
        out.push(if j == last { *b } else { b | 0x80 });
    }
}

/// A non-negative INTEGER from unsigned big-endian bytes.
pub(super) fn uint(be: &[u8]) -> Vec<u8> {
    let skip = be.iter().take_while(|&&b| b == 0).count().min(be.len().saturating_sub(1));
    let mut content = Vec::with_capacity(be.len() + 1);
    let digits = if be.is_empty() { &[0u8][..] } else { &be[skip..] };
    if digits[0] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(digits);
    tlv(0x02, &content)
}

pub(super) fn uint_u64(v: u64) -> Vec<u8> {
    uint(&v.to_be_bytes())
}

pub(super) fn boolean(v: bool) -> Vec<u8> {
    tlv(0x01, &[if v { 0xFF } else { 0x00 }])
}

pub(super) fn null() -> Vec<u8> {
    vec![0x05, 0x00]
}

pub(super) fn octets(v: &[u8]) -> Vec<u8> {
    tlv(0x04, v)
}

pub(super) fn bit_string(unused_bits: u8, v: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(v.len() + 1);
    content.push(unused_bits);
    content.extend_from_slice(v);
    tlv(0x03, &content)
}

/// A named-bit BIT STRING (KeyUsage): bit 0 is the most significant bit of the first
/// byte, and DER drops trailing zero bits.
pub(super) fn named_bits(bits: &[u8]) -> Vec<u8> {
    let Some(&highest) = bits.iter().max() else {
        return bit_string(0, &[]);
    };
    let mut bytes = vec![0u8; usize::from(highest) / 8 + 1];
    for &b in bits {
        bytes[usize::from(b) / 8] |= 0x80 >> (b % 8);
    }
    let unused = 7 - highest % 8;
    bit_string(unused, &bytes)
}

pub(super) fn utf8(s: &str) -> Vec<u8> {
    tlv(0x0C, s.as_bytes())
}

pub(super) fn printable(s: &str) -> Vec<u8> {
    debug_assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b)));
    tlv(0x13, s.as_bytes())
}

/// A UTC instant with second precision; every time in the test PKI is one of these constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Time {
    pub const fn date(year: u16, month: u8, day: u8) -> Self {
        Self { year, month, day, hour: 0, minute: 0, second: 0 }
    }

    /// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    pub(super) fn der(self) -> Vec<u8> {
        let Self { year, month, day, hour, minute, second } = self;
        if (1950..2050).contains(&year) {
            let s = format!("{:02}{month:02}{day:02}{hour:02}{minute:02}{second:02}Z", year % 100);
            tlv(0x17, s.as_bytes())
        } else {
            let s = format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}Z");
            tlv(0x18, s.as_bytes())
        }
    }

    /// ISO 8601, for the README.
    pub fn iso(self) -> String {
        let Self { year, month, day, hour, minute, second } = self;
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(oid("1.2.840.113549.1.1.11"), [6, 9, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 1, 1, 11]);
        assert_eq!(oid("1.2.392.200149.8.5.5.1"), [6, 10, 0x2a, 0x83, 0x08, 0x8c, 0x9b, 0x55, 0x08, 0x05, 0x05, 0x01]);
        assert_eq!(uint_u64(0), [2, 1, 0]);
        assert_eq!(uint_u64(0x80), [2, 2, 0, 0x80]);
        assert_eq!(uint_u64(0x1001), [2, 2, 0x10, 0x01]);
        assert_eq!(named_bits(&[5, 6]), [3, 2, 1, 0x06]);
        assert_eq!(named_bits(&[0]), [3, 2, 7, 0x80]);
        assert_eq!(named_bits(&[0, 1]), [3, 2, 6, 0xC0]);
        assert_eq!(named_bits(&[5]), [3, 2, 2, 0x04]);
        assert_eq!(tlv(4, &[0; 200])[..3], [4, 0x81, 200]);
        assert_eq!(tlv(4, &[0; 300])[..4], [4, 0x82, 1, 44]);
        assert_eq!(Time::date(2024, 1, 1).der(), b"\x17\x0d240101000000Z");
        assert_eq!(Time::date(2050, 1, 1).der(), b"\x18\x0f20500101000000Z");
    }
}
