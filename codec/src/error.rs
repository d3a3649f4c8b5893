//! The one error type of every decoder: small, `Copy`, and precise about where and why.

use core::fmt;

/// A spec rule that a decoder enforces: what is checked and where the rule is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// The element the rule is about, as a person reads it (`"Lc"`, `"DF22"`, `"name"`).
    pub what: &'static str,
    /// JSON pointer into the spec, `spec/ef/text_ap.json#/files/1/layout/0`.
    pub path: &'static str,
}

/// What was expected of a value that turned out invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Expected {
    /// Printable ASCII (0x20..=0x7E).
    Ascii,
    /// ASCII decimal digits only.
    Digits,
    /// Well-formed UTF-8.
    Utf8,
    /// A calendar date written YYYYMMDD.
    Date,
    /// An ISO 5218 sex code: `0`, `1`, `2` or `9`.
    Sex,
    /// A PNG image (its 8-byte signature).
    Png,
    /// A JPEG 2000 codestream or JP2 file.
    Jpeg2000,
    /// A DER DigestInfo with a known hash algorithm.
    DigestInfo,
    /// Bytes equal to the padding byte.
    Padding,
    /// A value ISO 7816 reserves or forbids here.
    Unreserved,
    /// The HTTP/1.1 message syntax (RFC 9112) that SCP81 header blocks follow.
    HttpSyntax,
    /// A header the spec requires in this message.
    RequiredHeader,
    /// One of the values the spec lists for this field.
    ListedValue,
    /// An application path `//aid/<RID>/<PIX>` in hex.
    AidPath,
}

/// Why decoding failed. Every variant is one line for a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input ends before the element does.
    Truncated { needed: u32, available: u32 },
    /// Bytes are left after the element ends.
    TrailingData { extra: u32 },
    /// A length differs from what the spec allows.
    WrongLength { min: u32, max: u32, found: u32 },
    /// Lc and Le cannot be read in exactly one way.
    AmbiguousLength,
    /// A different tag stands where the spec puts this one.
    UnexpectedTag { expected: u32, found: u32 },
    /// A required element is missing (the input or its parent ended).
    Missing { tag: u32 },
    /// A BER-TLV tag field is malformed (non-minimal, or longer than the limit).
    MalformedTag,
    /// A BER-TLV length field is malformed (indefinite, reserved, or longer than the limit).
    MalformedLength,
    /// Nesting deeper than the documented limit.
    TooDeep { limit: u32 },
    /// The bytes do not hold what the spec expects.
    Invalid(Expected),
    /// A check digit does not match.
    CheckDigit { expected: u8, found: u8 },
    /// An offset table entry does not point at its element.
    OffsetMismatch { index: u8, declared: u32, actual: u32 },
}

impl ErrorKind {
    /// Stable snake-case name, used in `--json` output and in spec examples.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Truncated { .. } => "truncated",
            Self::TrailingData { .. } => "trailing_data",
            Self::WrongLength { .. } => "wrong_length",
            Self::AmbiguousLength => "ambiguous_length",
            Self::UnexpectedTag { .. } => "unexpected_tag",
            Self::Missing { .. } => "missing",
            Self::MalformedTag => "malformed_tag",
            Self::MalformedLength => "malformed_length",
            Self::TooDeep { .. } => "too_deep",
            Self::Invalid(_) => "invalid",
            Self::CheckDigit { .. } => "check_digit",
            Self::OffsetMismatch { .. } => "offset_mismatch",
        }
    }

    fn summary(&self) -> &'static str {
        match self {
            Self::Truncated { .. } => "data runs short",
            Self::TrailingData { .. } => "unexpected trailing data",
            Self::WrongLength { .. } => "wrong length",
            Self::AmbiguousLength => "ambiguous length",
            Self::UnexpectedTag { .. } => "unexpected tag",
            Self::Missing { .. } => "missing element",
            Self::MalformedTag => "malformed tag",
            Self::MalformedLength => "malformed length",
            Self::TooDeep { .. } => "nesting too deep",
            Self::Invalid(_) => "invalid value",
            Self::CheckDigit { .. } => "check digit mismatch",
            Self::OffsetMismatch { .. } => "offset mismatch",
        }
    }
}

/// A decoding failure: what, at which byte of the input, under which spec rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Error {
    pub kind: ErrorKind,
    /// Byte offset into the whole input given to the decoder.
    pub offset: usize,
    pub rule: Rule,
}

impl Error {
    pub const fn new(kind: ErrorKind, offset: usize, rule: Rule) -> Self {
        Self { kind, offset, rule }
    }
}

pub type Result<T> = core::result::Result<T, Error>;

fn fmt_tag(f: &mut fmt::Formatter<'_>, tag: u32) -> fmt::Result {
    let width = match tag {
        0..=0xFF => 2,
        0x100..=0xFFFF => 4,
        0x1_0000..=0xFF_FFFF => 6,
        _ => 8,
    };
    write!(f, "{tag:0width$X}")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in {} at byte {}", self.kind.summary(), self.rule.what, self.offset)?;
        match self.kind {
            ErrorKind::Truncated { needed, available } => {
                write!(f, ": needs {needed} bytes, {available} present")?
            }
            ErrorKind::TrailingData { extra } => write!(f, ": {extra} bytes after the end")?,
            ErrorKind::WrongLength { min, max, found } if min == max => {
                write!(f, ": {found} bytes where the spec says {min}")?
            }
            ErrorKind::WrongLength { min, max, found } => {
                write!(f, ": {found} bytes where the spec says {min} to {max}")?
            }
            ErrorKind::AmbiguousLength => {
                f.write_str(": Lc and Le fit no command case of ISO 7816-4")?
            }
            ErrorKind::UnexpectedTag { expected, found } => {
                f.write_str(": expected ")?;
                fmt_tag(f, expected)?;
                f.write_str(", found ")?;
                fmt_tag(f, found)?
            }
            ErrorKind::Missing { tag } => {
                f.write_str(": ")?;
                fmt_tag(f, tag)?;
                f.write_str(" is required")?
            }
            ErrorKind::MalformedTag | ErrorKind::MalformedLength => {}
            ErrorKind::TooDeep { limit } => write!(f, ": limit is {limit} levels")?,
            ErrorKind::Invalid(expected) => {
                write!(f, ": expected {}", <&'static str>::from(expected))?
            }
            ErrorKind::CheckDigit { expected, found } => {
                write!(f, ": computed {expected}, found {found}")?
            }
            ErrorKind::OffsetMismatch { index, declared, actual } => write!(
                f,
                ": offset {index} declares {declared} (0x{declared:04X}), its element starts at {actual} (0x{actual:04X})"
            )?,
        }
        write!(f, " ({})", self.rule.path)
    }
}

impl std::error::Error for Error {}
