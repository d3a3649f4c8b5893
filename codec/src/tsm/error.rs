//! Why a message was refused: the rule broken, the JSON pointer of the value that breaks it,
//! the byte where that value starts, and the spec rule.

use super::schema::{Kind, Type};
use core::fmt;

/// What is wrong. Every variant is one line for a person; [`MessageErrorKind::name`] is the
/// stable name the spec's examples and `--json` use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageErrorKind {
    /// Not JSON (RFC 8259): what the reader expected at the byte.
    Syntax { expected: &'static str },
    /// The text is longer than the limit.
    TooLarge { limit: usize, size: usize },
    /// Arrays and objects nest deeper than the limit.
    TooDeep { limit: usize },
    /// A member name is used twice in one object.
    DuplicateKey,
    /// The value is of another JSON type than the spec says.
    WrongType { expected: &'static str },
    /// A required member is absent.
    MissingField,
    /// A member the spec does not define.
    UnknownField,
    /// The discriminator names no message of the spec.
    UnknownMessage,
    /// A string does not have the form its type prescribes (characters, length, prefix, date).
    BadPattern { ty: &'static Type },
    /// A number, or an array's length, outside its bounds.
    OutOfRange { min: i64, max: i64 },
    /// A string that none of the enumeration's values is.
    UnknownValue { ty: &'static Type },
    /// A choice holds other than exactly one member.
    BadChoice { members: usize },
    /// The hex is no C-APDU of the ISO 7816-4 cases.
    BadApdu,
    /// The hex is not one DER SEQUENCE.
    BadDer,
}

impl MessageErrorKind {
    /// Stable snake-case name, used in `--json` output and in spec examples.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Syntax { .. } => "syntax",
            Self::TooLarge { .. } => "too_large",
            Self::TooDeep { .. } => "too_deep",
            Self::DuplicateKey => "duplicate_key",
            Self::WrongType { .. } => "wrong_type",
            Self::MissingField => "missing_field",
            Self::UnknownField => "unknown_field",
            Self::UnknownMessage => "unknown_message",
            Self::BadPattern { .. } => "bad_pattern",
            Self::OutOfRange { .. } => "out_of_range",
            Self::UnknownValue { .. } => "unknown_value",
            Self::BadChoice { .. } => "bad_choice",
            Self::BadApdu => "bad_apdu",
            Self::BadDer => "bad_der",
        }
    }

    fn summary(&self) -> &'static str {
        match self {
            Self::Syntax { .. } => "not JSON",
            Self::TooLarge { .. } => "message too large",
            Self::TooDeep { .. } => "nesting too deep",
            Self::DuplicateKey => "duplicate member",
            Self::WrongType { .. } => "wrong type",
            Self::MissingField => "missing member",
            Self::UnknownField => "unknown member",
            Self::UnknownMessage => "unknown message",
            Self::BadPattern { .. } => "bad value",
            Self::OutOfRange { .. } => "out of range",
            Self::UnknownValue { .. } => "unknown value",
            Self::BadChoice { .. } => "not one choice",
            Self::BadApdu => "not a C-APDU",
            Self::BadDer => "not one DER SEQUENCE",
        }
    }
}

/// A refused message: what, where (JSON pointer and byte offset), and under which rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageError {
    pub kind: MessageErrorKind,
    /// Byte offset into the text of the value (for a missing member, of its object; for an
    /// unknown member, of its name).
    pub offset: usize,
    /// JSON pointer (RFC 6901) into the message; `""` is the whole message.
    pub pointer: String,
    /// JSON pointer into the spec: `spec/tsm/messages.json#/messages/4/fields/2`.
    pub rule: &'static str,
}

/// What a value of `kind` looks like, for an error message.
fn describe(kind: &Kind, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match *kind {
        Kind::String { min, max, charset, prefix } => {
            if min == max {
                write!(f, "{min} characters ({})", charset.name())?
            } else {
                write!(f, "{min} to {max} characters ({})", charset.name())?
            }
            if !prefix.is_empty() {
                write!(f, " starting with {prefix:?}")?
            }
            Ok(())
        }
        Kind::Hex { min, max } | Kind::Der { min, max } if min == max => write!(f, "{min} bytes in hex"),
        Kind::Hex { min, max } | Kind::Der { min, max } => write!(f, "{min} to {max} bytes in hex"),
        Kind::Capdu => f.write_str("a C-APDU in hex"),
        Kind::Rapdu { .. } => f.write_str("an R-APDU in hex (at least SW1 SW2)"),
        Kind::Datetime => f.write_str("YYYY-MM-DDThh:mm:ss[.fraction] and Z or ±hh:mm"),
        Kind::Enum { values } => {
            f.write_str("one of ")?;
            for (i, v) in values.iter().enumerate() {
                write!(f, "{}{v}", if i == 0 { "" } else { ", " })?;
            }
            Ok(())
        }
        _ => f.write_str("a value of its type"),
    }
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() { "the root" } else { self.pointer.as_str() };
        write!(f, "{} at {at} (byte {})", self.kind.summary(), self.offset)?;
        match self.kind {
            MessageErrorKind::Syntax { expected } => write!(f, ": expected {expected}")?,
            MessageErrorKind::TooLarge { limit, size } => write!(f, ": {size} bytes, the limit is {limit}")?,
            MessageErrorKind::TooDeep { limit } => write!(f, ": the limit is {limit} levels")?,
            MessageErrorKind::WrongType { expected } => write!(f, ": expected {expected}")?,
            MessageErrorKind::BadPattern { ty } | MessageErrorKind::UnknownValue { ty } => {
                f.write_str(": expected ")?;
                describe(&ty.kind, f)?
            }
            MessageErrorKind::OutOfRange { min, max } => write!(f, ": allowed {min} to {max}")?,
            MessageErrorKind::BadChoice { members } => write!(f, ": {members} members, one expected")?,
            _ => {}
        }
        write!(f, " ({})", self.rule)
    }
}

impl std::error::Error for MessageError {}
