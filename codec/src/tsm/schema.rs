//! What a message is made of, as the generated tables (`generated::messages`) describe it:
//! types, the members of objects, and the messages themselves. Every item names the spec
//! rule it comes from, so that an error can point back to it.

/// A type a JSON value must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Type {
    pub kind: Kind,
    /// The `message_types` id for a named type, `""` for one defined in place.
    pub name: &'static str,
    /// JSON pointer into the spec: `spec/tsm/messages.json#/message_types/3/type`.
    pub rule: &'static str,
}

/// The kinds of value, with their constraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string of `min..=max` characters from `charset`, starting with `prefix`.
    String {
        min: u32,
        max: u32,
        charset: Charset,
        prefix: &'static str,
    },
    /// Hex digits (either case) of `min..=max` bytes.
    Hex {
        min: u32,
        max: u32,
    },
    /// Hex of one DER SEQUENCE of `min..=max` bytes.
    Der {
        min: u32,
        max: u32,
    },
    /// Hex of a C-APDU of one of the ISO 7816-4 cases.
    Capdu,
    /// Hex of an R-APDU (at least SW1 SW2); `""` too when `allow_empty`.
    Rapdu {
        allow_empty: bool,
    },
    /// A number written as an integer, in `min..=max`.
    Integer {
        min: i64,
        max: i64,
    },
    Boolean,
    /// One of the listed strings.
    Enum {
        values: &'static [&'static str],
    },
    /// `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)` with a real date.
    Datetime,
    Object {
        fields: &'static [Field],
    },
    /// `min..=max` items of one type.
    Array {
        items: &'static Type,
        min: u32,
        max: u32,
    },
    /// An object with exactly one member, named by one of the options.
    Choice {
        options: &'static [Field],
    },
}

/// The characters a string may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Charset {
    /// Any character but a control character.
    Utf8,
    /// ASCII 0x20 to 0x7E.
    Printable,
    Digits,
    /// `0-9 a-f A-F`.
    Hex,
    /// `0-9 A-Z a-z`.
    Alnum,
    /// Crockford's Base32, upper case: digits and `A-Z` without `I L O U`.
    Base32,
    /// Decimal numbers joined by single dots: `8.1.1`.
    Dotted,
    /// `0-9 A-Z a-z _ -`.
    Token,
}

impl Charset {
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "utf8",
            Self::Printable => "printable",
            Self::Digits => "digits",
            Self::Hex => "hex",
            Self::Alnum => "alnum",
            Self::Base32 => "base32",
            Self::Dotted => "dotted",
            Self::Token => "token",
        }
    }

    /// Whether the characters, in order, all belong to the set (and, for `Dotted`, the dots
    /// stand between digits).
    pub fn admits(self, chars: impl Iterator<Item = char>) -> bool {
        let mut chars = chars;
        match self {
            Self::Utf8 => chars.all(|c| !c.is_control()),
            Self::Printable => chars.all(|c| (' '..='~').contains(&c)),
            Self::Digits => chars.all(|c| c.is_ascii_digit()),
            Self::Hex => chars.all(|c| c.is_ascii_hexdigit()),
            Self::Alnum => chars.all(|c| c.is_ascii_alphanumeric()),
            Self::Base32 => {
                chars.all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !matches!(c, 'I' | 'L' | 'O' | 'U')))
            }
            Self::Dotted => {
                // Digits, and a dot only after a digit and before one.
                let mut after_digit = false;
                for c in chars {
                    match c {
                        '0'..='9' => after_digit = true,
                        '.' if after_digit => after_digit = false,
                        _ => return false,
                    }
                }
                after_digit
            }
            Self::Token => chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
        }
    }
}

/// A member of an object, or an option of a choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub ty: &'static Type,
    pub optional: bool,
    /// JSON pointer to the member's definition in the spec.
    pub rule: &'static str,
}

/// One message of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageDef {
    /// The spec id, which is also the value of the message's discriminator member.
    pub id: &'static str,
    pub name: &'static str,
    pub confidence: &'static str,
    /// The GP operation, SE RAM command or J-LIS step.
    pub operation: &'static str,
    pub from: &'static [&'static str],
    pub to: &'static [&'static str],
    /// The object type of the message's members besides the discriminator.
    pub body: &'static Type,
}

/// How a message's text is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextLimits {
    /// Largest text accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of arrays and objects; the message's own object is level 1.
    pub max_depth: usize,
    /// The member whose value names the message.
    pub discriminator: &'static str,
    pub rule: &'static str,
}
