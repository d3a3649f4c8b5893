//! The text AP (券面事項入力補助AP) files for the fake holder.

use super::keys::KeyPair;
use super::Holder;
use hanko_codec::field::{Date, MyNumber, Padding, Sex};
use hanko_codec::generated::files::{TextBasicFour, TextCvCertificate, TextIntegrity, TextMyNumber};
use hanko_codec::tlv::ber::{header_len, write_header};
use sha2::{Digest, Sha256};

/// Key id of the CV issuer in EF 0004. Real ids are 7 ASCII digits, `08 05`, 3 ASCII digits
/// and four bytes (`5000033/001` production text-AP issuer, `6000033/001` JPKI-TEST); the
/// leading `9` here belongs to neither hierarchy.
pub const CV_ISSUER_KEY_ID: &[u8; 16] = b"9000033\x08\x05001\0\0\0\0";
/// Key id of the text AP's own key, the subject of EF 0004 (a municipality key on real
/// cards; 13101 is Chiyoda-ku, the fake holder's).
pub const TEXT_AP_KEY_ID: &[u8; 16] = b"9131013\x08\x05000\0\0\0\0";

pub(super) struct Files {
    pub ef0001: Vec<u8>,
    pub ef0002: Vec<u8>,
    pub ef0003: Vec<u8>,
    pub ef0004: Vec<u8>,
}

pub(super) fn build(holder: &Holder, ap_key: &KeyPair, cv_issuer: &KeyPair) -> Files {
    let mut ef0001 = Vec::new();
    TextMyNumber {
        my_number: MyNumber(*holder.my_number),
        // The card's file is 17 bytes: the TLV and two FF fillers, all of which DF31 hashes.
        padding: Padding { byte: 0xFF, len: 2 },
    }
    .encode(&mut ef0001);

    let mut ef0002 = Vec::new();
    TextBasicFour {
        name: holder.name,
        address: holder.address,
        birth_date: Date::new(holder.birth_date.0, holder.birth_date.1, holder.birth_date.2).expect("valid birth date"),
        sex: Sex::Female,
        padding: Padding::none(&[0x00]),
    }
    .encode(&mut ef0002);

    let ef0004 = cv_certificate(ap_key, cv_issuer);
    let ef0003 = integrity(&ef0001, &ef0002, ap_key);
    Files { ef0001, ef0002, ef0003, ef0004 }
}

/// The bytes of EF 0002 that DF32 digests: from the DF22 tag (the first offset in the DF21
/// table) to the end of the FF20 value.
pub fn basic_four_digest_range(ef0002: &[u8]) -> &[u8] {
    let outer_len = usize::from(ef0002[2]);
    let (hdr, value_len) = if outer_len < 0x80 {
        (3, outer_len)
    } else {
        let n = outer_len & 0x7F;
        (3 + n, ef0002[3..3 + n].iter().fold(0usize, |a, &b| (a << 8) | usize::from(b)))
    };
    // DF21 08 follows the outer header; its first u16 is the DF22 offset from file start.
    let table = &ef0002[hdr + 3..hdr + 11];
    let name_at = usize::from(u16::from_be_bytes([table[0], table[1]]));
    &ef0002[name_at..hdr + value_len]
}

/// EF 0004: `7F21 { 5F4E (issuer id | subject id | 90 e | 91 n), 5F37 signature }`.
///
/// Signature: RSASSA-PKCS1-v1_5 with SHA-256 by the CV issuer key over the 297-byte `5F4E`
/// *value* (no `5F 4E 82 01 29` header), as soltia48/myna-card verifies test-card EF 0004
/// (docs/research/jpki-cert-profile.md §3).
fn cv_certificate(ap_key: &KeyPair, cv_issuer: &KeyPair) -> Vec<u8> {
    let exponent = ap_key.exponent();
    let modulus = ap_key.modulus();
    let mut content = Vec::new();
    content.extend_from_slice(CV_ISSUER_KEY_ID);
    content.extend_from_slice(TEXT_AP_KEY_ID);
    write_header(&mut content, 0x90, exponent.len());
    content.extend_from_slice(&exponent);
    write_header(&mut content, 0x91, modulus.len());
    content.extend_from_slice(&modulus);
    let signature = cv_issuer.sign_sha256(&content);

    let mut out = Vec::new();
    TextCvCertificate {
        issuer_key_id: CV_ISSUER_KEY_ID,
        subject_key_id: TEXT_AP_KEY_ID,
        public_exponent: &exponent,
        modulus: &modulus,
        signature: &signature,
    }
    .encode(&mut out);
    // 7F 21 82 02 33 / 5F 4E 82 01 29: the signed value starts 10 bytes in.
    let start = header_len(0x7F21, 0x233) + header_len(0x5F4E, content.len());
    assert_eq!((out.len(), &out[start..start + content.len()]), (5 + 0x233, &content[..]), "5F4E value as signed");
    out
}

/// EF 0003: `FF30 { DF31 SHA-256(EF 0001), DF32 SHA-256(EF 0002 DF22..end), DF33 signature }`.
///
/// Signature: RSASSA-PKCS1-v1_5 with SHA-256 by the text AP key (the one EF 0004 certifies)
/// over the DF31 and DF32 TLVs concatenated, headers included and the FF30 header excluded
/// (the FF30 value before DF33), as soltia48/myna-card verifies the test card
/// (docs/research/jpki-cert-profile.md §3, single source).
fn integrity(ef0001: &[u8], ef0002: &[u8], ap_key: &KeyPair) -> Vec<u8> {
    let my_number_digest = Sha256::digest(ef0001);
    let attributes_digest = Sha256::digest(basic_four_digest_range(ef0002));
    let mut signed = Vec::new();
    write_header(&mut signed, 0xDF31, 32);
    signed.extend_from_slice(&my_number_digest);
    write_header(&mut signed, 0xDF32, 32);
    signed.extend_from_slice(&attributes_digest);
    let signature = ap_key.sign_sha256(&signed);

    let mut out = Vec::new();
    TextIntegrity { my_number_digest: &my_number_digest, attributes_digest: &attributes_digest, signature: &signature }
        .encode(&mut out);
    // FF30 82 01 4B: 336 bytes, as on real cards.
    assert_eq!(out.len(), 336);
    assert_eq!(&out[5..5 + signed.len()], &signed[..], "DF31 DF32 as signed");
    out
}
