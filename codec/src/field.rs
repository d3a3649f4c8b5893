//! Leaf encodings of the spec's layout language: how one field's bytes are checked, what
//! type they decode to, how they are written back, and how a valid value is drawn from
//! fuzzer input. Generated decoders call these; the spec names them in `"value"`.

use crate::describe::{DescribeField, Value, Visitor};
use crate::error::{Error, ErrorKind, Expected, Result, Rule};
use crate::reader::Span;
use arbitrary::Unstructured;

fn invalid(expected: Expected, offset: usize, rule: Rule) -> Error {
    Error::new(ErrorKind::Invalid(expected), offset, rule)
}

/// Checks that a span's length lies in `min..=max`.
pub fn check_len(s: Span<'_>, min: usize, max: usize, rule: Rule) -> Result<()> {
    let n = s.bytes.len();
    if n < min || n > max {
        let to32 = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        return Err(Error::new(
            ErrorKind::WrongLength { min: to32(min), max: to32(max), found: to32(n) },
            s.offset,
            rule,
        ));
    }
    Ok(())
}

pub fn bytes<'a>(s: Span<'a>, min: usize, max: usize, rule: Rule) -> Result<&'a [u8]> {
    check_len(s, min, max, rule)?;
    Ok(s.bytes)
}

fn check_each(s: Span<'_>, ok: impl Fn(u8) -> bool, expected: Expected, rule: Rule) -> Result<()> {
    match s.bytes.iter().position(|&b| !ok(b)) {
        Some(i) => Err(invalid(expected, s.offset + i, rule)),
        None => Ok(()),
    }
}

fn as_str(bytes: &[u8]) -> &str {
    // Callers have checked that every byte is ASCII.
    core::str::from_utf8(bytes).unwrap_or_default()
}

fn is_printable(b: u8) -> bool {
    (0x20..=0x7E).contains(&b)
}

/// Printable ASCII.
pub fn ascii<'a>(s: Span<'a>, min: usize, max: usize, rule: Rule) -> Result<&'a str> {
    check_len(s, min, max, rule)?;
    check_each(s, is_printable, Expected::Ascii, rule)?;
    Ok(as_str(s.bytes))
}

/// ASCII decimal digits.
pub fn digits<'a>(s: Span<'a>, min: usize, max: usize, rule: Rule) -> Result<&'a str> {
    check_len(s, min, max, rule)?;
    check_each(s, |b| b.is_ascii_digit(), Expected::Digits, rule)?;
    Ok(as_str(s.bytes))
}

/// Printable ASCII in a fixed-size field, padded on the right with `pad`; the padding is
/// not part of the value.
pub fn ascii_padded<'a>(s: Span<'a>, len: usize, pad: u8, rule: Rule) -> Result<&'a str> {
    check_len(s, len, len, rule)?;
    check_each(s, is_printable, Expected::Ascii, rule)?;
    let used = s.bytes.iter().rposition(|&b| b != pad).map_or(0, |i| i + 1);
    Ok(as_str(&s.bytes[..used]))
}

pub fn write_padded(out: &mut Vec<u8>, text: &str, len: usize, pad: u8) {
    out.extend_from_slice(text.as_bytes());
    out.resize(out.len() + len.saturating_sub(text.len()), pad);
}

pub fn utf8<'a>(s: Span<'a>, min: usize, max: usize, rule: Rule) -> Result<&'a str> {
    check_len(s, min, max, rule)?;
    core::str::from_utf8(s.bytes).map_err(|e| invalid(Expected::Utf8, s.offset + e.valid_up_to(), rule))
}

/// A calendar date, written on the card as eight ASCII digits YYYYMMDD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        let valid =
            (1..=9999).contains(&year) && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Self { year, month, day })
    }

    pub fn to_digits(self) -> [u8; 8] {
        let mut out = [0u8; 8];
        let mut v = u32::from(self.year) * 10_000 + u32::from(self.month) * 100 + u32::from(self.day);
        for slot in out.iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out
    }

    /// `YYYY-MM-DD`, as the JSON and tree views show it.
    pub fn to_iso(self) -> [u8; 10] {
        let d = self.to_digits();
        [d[0], d[1], d[2], d[3], b'-', d[4], d[5], b'-', d[6], d[7]]
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |acc, &d| acc * 10 + u32::from(d - b'0'))
}

pub fn date(s: Span<'_>, rule: Rule) -> Result<Date> {
    let text = digits(s, 8, 8, rule)?.as_bytes();
    let (y, m, d) = (number(&text[..4]), number(&text[4..6]), number(&text[6..]));
    Date::new(y as u16, m as u8, d as u8).ok_or_else(|| invalid(Expected::Date, s.offset, rule))
}

impl DescribeField for Date {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        let iso = self.to_iso();
        v.field(name, Value::Text(as_str(&iso)));
    }
}

impl<'a> arbitrary::Arbitrary<'a> for Date {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let year = u.int_in_range(1900..=2099)?;
        let month = u.int_in_range(1..=12)?;
        let day = u.int_in_range(1..=days_in_month(year, month))?;
        Ok(Self { year, month, day })
    }
}

/// Sex as ISO 5218 codes it, one ASCII digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, arbitrary::Arbitrary, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum Sex {
    NotKnown,
    Male,
    Female,
    NotApplicable,
}

impl Sex {
    pub fn code(self) -> u8 {
        match self {
            Self::NotKnown => b'0',
            Self::Male => b'1',
            Self::Female => b'2',
            Self::NotApplicable => b'9',
        }
    }
}

pub fn sex(s: Span<'_>, rule: Rule) -> Result<Sex> {
    check_len(s, 1, 1, rule)?;
    match s.bytes[0] {
        b'0' => Ok(Sex::NotKnown),
        b'1' => Ok(Sex::Male),
        b'2' => Ok(Sex::Female),
        b'9' => Ok(Sex::NotApplicable),
        _ => Err(invalid(Expected::Sex, s.offset, rule)),
    }
}

impl DescribeField for Sex {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        v.field(name, Value::Text(self.into()));
    }
}

/// An individual number (マイナンバー): twelve digits, the last a check digit.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MyNumber(pub [u8; 12]);

impl core::fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MyNumber({})", self.as_str())
    }
}

impl MyNumber {
    /// The check digit for the first eleven digits (weights 6,5,4,3,2,7,6,5,4,3,2 from the
    /// left; 11 − sum mod 11, and 0 where that gives 10 or 11).
    pub fn check_digit(first11: &[u8; 11]) -> u8 {
        const WEIGHTS: [u32; 11] = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
        let sum: u32 = first11.iter().zip(WEIGHTS).map(|(&d, w)| u32::from(d - b'0') * w).sum();
        match 11 - sum % 11 {
            10 | 11 => b'0',
            c => b'0' + c as u8,
        }
    }

    /// The number for eleven leading digits, with its check digit appended.
    pub fn from_first11(first11: [u8; 11]) -> Option<Self> {
        if !first11.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut all = [0u8; 12];
        all[..11].copy_from_slice(&first11);
        all[11] = Self::check_digit(&first11);
        Some(Self(all))
    }

    pub fn as_str(&self) -> &str {
        as_str(&self.0)
    }
}

pub fn my_number(s: Span<'_>, rule: Rule) -> Result<MyNumber> {
    let text = digits(s, 12, 12, rule)?.as_bytes();
    let mut first11 = [0u8; 11];
    first11.copy_from_slice(&text[..11]);
    let expected = MyNumber::check_digit(&first11);
    if text[11] != expected {
        return Err(Error::new(
            ErrorKind::CheckDigit { expected: expected - b'0', found: text[11] - b'0' },
            s.offset + 11,
            rule,
        ));
    }
    let mut all = [0u8; 12];
    all.copy_from_slice(text);
    Ok(MyNumber(all))
}

impl DescribeField for MyNumber {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        v.field(name, Value::Text(self.as_str()));
    }
}

impl<'a> arbitrary::Arbitrary<'a> for MyNumber {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut first11 = [0u8; 11];
        for d in &mut first11 {
            *d = b'0' + u.int_in_range(0..=9)?;
        }
        Ok(Self::from_first11(first11).unwrap_or(MyNumber(*b"000000000000")))
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const J2K_CODESTREAM: &[u8] = &[0xFF, 0x4F, 0xFF, 0x51];
const JP2_SIGNATURE: &[u8] = &[0, 0, 0, 0x0C, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A];

pub fn png<'a>(s: Span<'a>, rule: Rule) -> Result<&'a [u8]> {
    if s.bytes.starts_with(PNG_SIGNATURE) {
        Ok(s.bytes)
    } else {
        Err(invalid(Expected::Png, s.offset, rule))
    }
}

pub fn jpeg2000<'a>(s: Span<'a>, rule: Rule) -> Result<&'a [u8]> {
    if s.bytes.starts_with(J2K_CODESTREAM) || s.bytes.starts_with(JP2_SIGNATURE) {
        Ok(s.bytes)
    } else {
        Err(invalid(Expected::Jpeg2000, s.offset, rule))
    }
}

/// A span that holds exactly one BER-TLV with `tag`, header included (a DER certificate).
pub fn der<'a>(s: Span<'a>, input: &'a [u8], tag: u32, rule: Rule) -> Result<&'a [u8]> {
    let tlv = crate::tlv::ber::parse_one(input, s.offset, s.end(), rule)?;
    if tlv.tag != tag {
        return Err(Error::new(ErrorKind::UnexpectedTag { expected: tag, found: tlv.tag }, s.offset, rule));
    }
    if tlv.end() != s.end() {
        return Err(Error::new(ErrorKind::TrailingData { extra: (s.end() - tlv.end()) as u32 }, tlv.end(), rule));
    }
    Ok(s.bytes)
}

/// Hash algorithms whose DigestInfo prefix the card accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, arbitrary::Arbitrary, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum HashAlgorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    /// DER of `DigestInfo` up to the digest bytes (RFC 8017 §9.2 note 1).
    pub fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            Self::Sha1 => &[0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14],
            Self::Sha256 => &[
                0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
                0x04, 0x20,
            ],
            Self::Sha384 => &[
                0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00,
                0x04, 0x30,
            ],
            Self::Sha512 => &[
                0x30, 0x51, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00,
                0x04, 0x40,
            ],
        }
    }

    pub fn digest_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    pub const ALL: [Self; 4] = [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];
}

/// A PKCS#1 v1.5 DigestInfo with one of the prefixes in [`HashAlgorithm`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DigestInfo<'a> {
    pub algorithm: HashAlgorithm,
    pub digest: &'a [u8],
}

impl<'a> DigestInfo<'a> {
    pub fn encoded_len(&self) -> usize {
        self.algorithm.digest_info_prefix().len() + self.digest.len()
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.algorithm.digest_info_prefix());
        out.extend_from_slice(self.digest);
    }
}

pub fn digest_info<'a>(s: Span<'a>, rule: Rule) -> Result<DigestInfo<'a>> {
    for algorithm in HashAlgorithm::ALL {
        let prefix = algorithm.digest_info_prefix();
        if s.bytes.len() == prefix.len() + algorithm.digest_len() && s.bytes.starts_with(prefix) {
            return Ok(DigestInfo { algorithm, digest: &s.bytes[prefix.len()..] });
        }
    }
    Err(invalid(Expected::DigestInfo, s.offset, rule))
}

impl DescribeField for DigestInfo<'_> {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        v.enter(name);
        v.field("algorithm", Value::Text(self.algorithm.into()));
        v.field("digest", Value::Bytes(self.digest));
        v.leave();
    }
}

impl<'a> arbitrary::Arbitrary<'a> for DigestInfo<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let algorithm = HashAlgorithm::arbitrary(u)?;
        Ok(Self { algorithm, digest: u.bytes(algorithm.digest_len())? })
    }
}

/// A big-endian unsigned number of `s.len()` bytes (1 to 4).
pub fn uint(s: Span<'_>, len: usize, rule: Rule) -> Result<u32> {
    check_len(s, len, len, rule)?;
    Ok(s.bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

pub fn write_uint(out: &mut Vec<u8>, value: u32, len: usize) {
    out.extend_from_slice(&value.to_be_bytes()[4 - len..]);
}

/// An offset table: `N` big-endian u16 offsets, from the start of the file, of the
/// elements that follow. The table is derived from the layout, so a decoded value does
/// not store it; decoding checks that every entry points where its element really starts.
pub fn check_offsets<const N: usize>(table: Span<'_>, actual: [usize; N], rule: Rule) -> Result<()> {
    check_len(table, 2 * N, 2 * N, rule)?;
    for (i, (pair, &at)) in table.bytes.chunks_exact(2).zip(actual.iter()).enumerate() {
        let declared = u32::from(u16::from_be_bytes([pair[0], pair[1]]));
        if declared as usize != at {
            return Err(Error::new(
                ErrorKind::OffsetMismatch { index: i as u8, declared, actual: at as u32 },
                table.offset + 2 * i,
                rule,
            ));
        }
    }
    Ok(())
}

/// Draws bytes of a length in `min..=max` straight from the fuzzer input.
pub fn arb_bytes<'a>(u: &mut Unstructured<'a>, min: usize, max: usize) -> arbitrary::Result<&'a [u8]> {
    let n = u.int_in_range(min..=max.min(min + 512))?;
    u.bytes(n)
}

/// Text the fuzzer supplies where it is valid, or else a slice of `pool`; every result
/// satisfies `ok` and has a length in `min..=max` (`max - min` capped, `pool` long enough).
fn arb_text<'a>(
    u: &mut Unstructured<'a>,
    min: usize,
    max: usize,
    pool: &'static str,
    ok: fn(u8) -> bool,
) -> arbitrary::Result<&'a str> {
    let n = u.int_in_range(min..=max.min(min + 64).min(pool.len()))?;
    let raw = u.bytes(n)?;
    if raw.iter().all(|&b| ok(b)) {
        return Ok(as_str(raw));
    }
    let start = u.int_in_range(0..=pool.len() - n)?;
    Ok(&pool[start..start + n])
}

const DIGIT_POOL: &str =
    "31415926535897932384626433832795028841971693993751058209749445923078164062862089986280348253421170679";
const ASCII_POOL: &str = "JPKIAPICCTOKEN2 The quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ !#$%&'()*+,-./:;<=>?@[]^_{|}~";

pub fn arb_digits<'a>(u: &mut Unstructured<'a>, min: usize, max: usize) -> arbitrary::Result<&'a str> {
    arb_text(u, min, max, DIGIT_POOL, |b| b.is_ascii_digit())
}

pub fn arb_ascii<'a>(u: &mut Unstructured<'a>, min: usize, max: usize) -> arbitrary::Result<&'a str> {
    arb_text(u, min, max, ASCII_POOL, is_printable)
}

/// Padded ASCII must not end in the pad byte, or decoding would trim it.
pub fn arb_ascii_padded<'a>(u: &mut Unstructured<'a>, len: usize, pad: u8) -> arbitrary::Result<&'a str> {
    let s = arb_ascii(u, 0, len)?;
    Ok(s.trim_end_matches(char::from(pad)))
}

pub fn arb_utf8<'a>(u: &mut Unstructured<'a>, min: usize, max: usize) -> arbitrary::Result<&'a str> {
    let s = <&str as arbitrary::Arbitrary>::arbitrary(u)?;
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let s = &s[..end];
    if s.len() >= min {
        Ok(s)
    } else {
        arb_ascii(u, min, max)
    }
}

fn arb_with_magic<'a>(u: &mut Unstructured<'a>, magic: &'static [u8]) -> arbitrary::Result<&'a [u8]> {
    let raw = arb_bytes(u, 0, 256)?;
    Ok(if raw.starts_with(magic) { raw } else { magic })
}

pub fn arb_png<'a>(u: &mut Unstructured<'a>) -> arbitrary::Result<&'a [u8]> {
    arb_with_magic(u, PNG_SIGNATURE)
}

pub fn arb_jpeg2000<'a>(u: &mut Unstructured<'a>) -> arbitrary::Result<&'a [u8]> {
    arb_with_magic(u, J2K_CODESTREAM)
}

/// One BER-TLV with `tag` from the fuzzer input, or a minimal one.
pub fn arb_der<'a>(u: &mut Unstructured<'a>, tag: u32) -> arbitrary::Result<&'a [u8]> {
    let raw = arb_bytes(u, 0, 512)?;
    let whole = crate::tlv::ber::parse_one(raw, 0, raw.len(), crate::generated::rules::TLV_BER)
        .ok()
        .filter(|t| t.tag == tag && t.end() == raw.len());
    Ok(match whole {
        Some(_) => raw,
        None if tag == 0x30 => &[0x30, 0x00],
        None => return Err(arbitrary::Error::IncorrectFormat),
    })
}

/// A file identifier, shown as four hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, arbitrary::Arbitrary)]
pub struct Fid(pub u16);

pub fn fid(s: Span<'_>, rule: Rule) -> Result<Fid> {
    uint(s, 2, rule).map(|v| Fid(v as u16))
}

impl DescribeField for Fid {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        v.field(name, Value::Bytes(&self.0.to_be_bytes()));
    }
}

/// What COMPUTE DIGITAL SIGNATURE signs: a DigestInfo where the bytes are one, else raw
/// bytes (which the card pads and signs as given).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureInput<'a> {
    DigestInfo(DigestInfo<'a>),
    Raw(&'a [u8]),
}

impl<'a> SignatureInput<'a> {
    pub fn classify(bytes: &'a [u8]) -> Self {
        let span = Span { bytes, offset: 0 };
        match digest_info(span, crate::generated::rules::TLV_BER) {
            Ok(d) => Self::DigestInfo(d),
            Err(_) => Self::Raw(bytes),
        }
    }

    pub fn encoded_len(&self) -> usize {
        match self {
            Self::DigestInfo(d) => d.encoded_len(),
            Self::Raw(b) => b.len(),
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::DigestInfo(d) => d.encode(out),
            Self::Raw(b) => out.extend_from_slice(b),
        }
    }

    /// A canonical value (raw bytes that form a DigestInfo are one) of a length in `min..=max`.
    pub fn arb(u: &mut Unstructured<'a>, min: usize, max: usize) -> arbitrary::Result<Self> {
        if u.arbitrary()? {
            let d = <DigestInfo as arbitrary::Arbitrary>::arbitrary(u)?;
            if (min..=max).contains(&d.encoded_len()) {
                return Ok(Self::DigestInfo(d));
            }
        }
        Ok(Self::classify(arb_bytes(u, min, max)?))
    }
}

pub fn signature_input<'a>(s: Span<'a>, min: usize, max: usize, rule: Rule) -> Result<SignatureInput<'a>> {
    check_len(s, min, max, rule)?;
    Ok(SignatureInput::classify(s.bytes))
}

impl DescribeField for SignatureInput<'_> {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        v.enter(name);
        match self {
            Self::DigestInfo(d) => {
                v.field("kind", Value::Text("digest_info"));
                v.field("algorithm", Value::Text(d.algorithm.into()));
                v.field("digest", Value::Bytes(d.digest));
            }
            Self::Raw(b) => {
                v.field("kind", Value::Text("raw"));
                v.field("bytes", Value::Bytes(b));
            }
        }
        v.leave();
    }
}

/// Trailing padding after a file's data: `len` bytes, all equal to `byte`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Padding {
    pub byte: u8,
    pub len: usize,
}

impl Padding {
    /// No padding, in the canonical form decoding gives it.
    pub fn none(allowed: &[u8]) -> Self {
        Self { byte: allowed.first().copied().unwrap_or(0xFF), len: 0 }
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.resize(out.len() + self.len, self.byte);
    }

    pub fn arb(u: &mut Unstructured<'_>, allowed: &[u8]) -> arbitrary::Result<Self> {
        let len = u.int_in_range(0..=16)?;
        if len == 0 {
            return Ok(Self::none(allowed));
        }
        Ok(Self { byte: *u.choose(allowed)?, len })
    }
}

/// The `bitflags` crate, for generated flag types in crates that name only this runtime.
pub use bitflags;

/// A set of named bits of a fixed width, generated from a spec `flags` type.
pub trait FlagSet: Copy {
    /// Bytes of the whole value; byte 1 is the most significant.
    const WIDTH: usize;
    /// Every named bit with its spec name, in spec order.
    const NAMES: &'static [(&'static str, u32)];
    fn to_bits(self) -> u32;
    /// Keeps bits the spec does not name, so that they re-encode unchanged.
    fn from_raw(bits: u32) -> Self;
}

/// Flags as written: the first `len` bytes of the value. A value written shorter than the
/// type's width is its leading bytes (GlobalPlatform writes one-byte privileges so).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlagBytes<F> {
    pub flags: F,
    pub len: u8,
}

impl<F: FlagSet> FlagBytes<F> {
    /// The flags written at full width.
    pub fn new(flags: F) -> Self {
        Self { flags, len: F::WIDTH as u8 }
    }

    fn bytes(&self) -> [u8; 4] {
        (self.flags.to_bits() << (8 * (4 - F::WIDTH))).to_be_bytes()
    }

    pub fn encoded_len(&self) -> usize {
        usize::from(self.len)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.bytes()[..usize::from(self.len)]);
    }

    /// A length in `min..=max` (at most the width) and any bits those bytes can carry.
    pub fn arb(u: &mut Unstructured<'_>, min: usize, max: usize) -> arbitrary::Result<Self> {
        let len = u.int_in_range(min.max(1)..=max.min(F::WIDTH))?;
        let bits = u32::from_be_bytes(u.arbitrary::<[u8; 4]>()?) >> (8 * (4 - len)) << (8 * (F::WIDTH - len));
        Ok(Self { flags: F::from_raw(bits), len: len as u8 })
    }
}

/// Flags of `min..=max` bytes (within the type's width), leading bytes first.
pub fn flag_bytes<F: FlagSet>(s: Span<'_>, min: usize, max: usize, rule: Rule) -> Result<FlagBytes<F>> {
    check_len(s, min.max(1), max.min(F::WIDTH), rule)?;
    let n = s.bytes.len();
    let bits = s.bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (F::WIDTH - n));
    Ok(FlagBytes { flags: F::from_raw(bits), len: n as u8 })
}

impl<F: FlagSet> DescribeField for FlagBytes<F> {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        let bytes = self.bytes();
        let bits = self.flags.to_bits();
        v.enter(name);
        v.field("hex", Value::Bytes(&bytes[..usize::from(self.len)]));
        v.enter_list("set");
        for (flag, mask) in F::NAMES {
            if *mask != 0 && bits & mask == *mask {
                v.field("", Value::Text(flag));
            }
        }
        v.leave();
        v.leave();
    }
}

/// A number of a fixed 3 bytes, for `uint` fields of that width.
pub fn arb_u24(u: &mut Unstructured<'_>) -> arbitrary::Result<u32> {
    u.int_in_range(0..=0xFF_FFFF)
}
