//! Every error a secure channel returns: small `Copy` values that name what failed and where,
//! and never carry key material, cryptograms or MACs.

use core::fmt;

/// The step of channel set-up a status word refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    InitializeUpdate,
    ExternalAuthenticate,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InitializeUpdate => "INITIALIZE UPDATE",
            Self::ExternalAuthenticate => "EXTERNAL AUTHENTICATE",
        })
    }
}

/// Which MAC did not verify. Commands and responses are numbered from 1, counting the
/// commands wrapped (or unwrapped) since EXTERNAL AUTHENTICATE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacStep {
    ExternalAuthenticate,
    Command { number: u32 },
    Response { number: u32 },
}

impl fmt::Display for MacStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExternalAuthenticate => f.write_str("the C-MAC of EXTERNAL AUTHENTICATE"),
            Self::Command { number } => write!(f, "the C-MAC of command {number}"),
            Self::Response { number } => write!(f, "the R-MAC of response {number}"),
        }
    }
}

/// Why a secure-channel operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScpError {
    /// A key is not of a length the protocol uses (SCP02: 16 bytes; SCP03: 16, 24 or 32).
    KeyLength { found: usize },
    /// The ENC, MAC and DEK keys of one set differ in length.
    MixedKeyLengths,
    /// A message ends before a field it must hold.
    Truncated { what: &'static str, needed: usize, found: usize },
    /// A message is not of the one length its format allows.
    WrongLength { what: &'static str, expected: usize, found: usize },
    /// A message is longer than its format allows (the short-APDU limit of 255 data bytes
    /// once padding and MAC are added, or 256 response bytes).
    TooLong { what: &'static str, max: usize, found: usize },
    /// Encrypted data whose length is not a whole number of cipher blocks.
    NotBlockAligned { what: &'static str, block: usize, found: usize },
    /// An extended-length C-APDU (`Lc` = `00` followed by two length bytes); only short
    /// APDUs are wrapped.
    ExtendedLength,
    /// A class byte this implementation cannot mark for secure messaging: the further
    /// interindustry classes (b7 set) or a class that already carries secure-messaging bits.
    UnsupportedClass { cla: u8 },
    /// The card side expected another instruction at this point of the protocol.
    UnexpectedInstruction { expected: u8, found: u8 },
    /// A parameter byte with a value the protocol does not allow here.
    BadParameter { what: &'static str, found: u8 },
    /// The INITIALIZE UPDATE response names another protocol than the one being run.
    WrongProtocol { expected: u8, found: u8 },
    /// The card has no key set with this key version number.
    UnknownKeyVersion { requested: u8 },
    /// An implementation option `i` this implementation does not run (SCP02 implicit
    /// initiation, SCP03 S16 mode).
    UnsupportedOption { i: u8 },
    /// A security level outside 00, 01, 03, 11, 13, 33 (SCP02: 33 excluded).
    UnsupportedLevel { level: u8 },
    /// The card refused a set-up step with this status word.
    Refused { step: Step, sw: u16 },
    /// The card cryptogram in the INITIALIZE UPDATE response is not the expected one:
    /// wrong keys, or not the card it claims to be.
    BadCardCryptogram,
    /// The host cryptogram in EXTERNAL AUTHENTICATE is not the expected one.
    BadHostCryptogram,
    /// A MAC did not verify.
    BadMac { step: MacStep },
    /// Decrypted data does not end in `80 00…` padding within its last block; `offset` is
    /// the byte of the decrypted data where the padding breaks.
    BadPadding { offset: usize },
    /// A response with an error status word (not 9000, 62xx or 63xx) that carries data: in
    /// SCP03 such a response is never protected, so its data cannot be trusted.
    UnprotectedData { sw: u16 },
    /// An earlier failure closed the channel; a new INITIALIZE UPDATE is needed.
    ChannelClosed,
}

impl ScpError {
    /// The status word a card answers with for this error, so that one mapping serves every
    /// simulated card. Padding and MAC failures share `6982`, so the wire does not tell them
    /// apart (no padding oracle), and the channel is closed after either.
    pub fn status_word(&self) -> u16 {
        match self {
            Self::BadHostCryptogram => 0x6300,
            Self::Truncated { .. }
            | Self::WrongLength { .. }
            | Self::TooLong { .. }
            | Self::NotBlockAligned { .. }
            | Self::ExtendedLength => 0x6700,
            Self::BadMac { .. } | Self::BadPadding { .. } | Self::ChannelClosed | Self::UnprotectedData { .. } => {
                0x6982
            }
            Self::UnsupportedClass { .. } => 0x6E00,
            Self::UnexpectedInstruction { .. } => 0x6985,
            Self::UnknownKeyVersion { .. } => 0x6A88,
            Self::BadParameter { .. } | Self::UnsupportedLevel { .. } | Self::UnsupportedOption { .. } => 0x6A86,
            Self::KeyLength { .. }
            | Self::MixedKeyLengths
            | Self::WrongProtocol { .. }
            | Self::Refused { .. }
            | Self::BadCardCryptogram => 0x6F00,
        }
    }
}

impl fmt::Display for ScpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyLength { found } => write!(f, "a key of {found} bytes, which the protocol cannot use"),
            Self::MixedKeyLengths => f.write_str("the ENC, MAC and DEK keys differ in length"),
            Self::Truncated { what, needed, found } => {
                write!(f, "{what} truncated: {found} bytes where at least {needed} are needed")
            }
            Self::WrongLength { what, expected, found } => {
                write!(f, "wrong length of {what}: {found} bytes where {expected} are expected")
            }
            Self::TooLong { what, max, found } => write!(f, "{what} too long: {found} bytes, at most {max}"),
            Self::NotBlockAligned { what, block, found } => {
                write!(f, "{what} of {found} bytes is not a multiple of the {block}-byte block")
            }
            Self::ExtendedLength => f.write_str("extended-length C-APDU (only short APDUs are wrapped)"),
            Self::UnsupportedClass { cla } => {
                write!(f, "class byte {cla:02X} cannot carry GlobalPlatform secure messaging")
            }
            Self::UnexpectedInstruction { expected, found } => {
                write!(f, "instruction {found:02X} where {expected:02X} is expected")
            }
            Self::BadParameter { what, found } => write!(f, "{what} {found:02X} is not allowed"),
            Self::WrongProtocol { expected, found } => {
                write!(f, "the card answers for SCP{found:02X} where SCP{expected:02X} was asked")
            }
            Self::UnknownKeyVersion { requested } => write!(f, "no key set with key version {requested:02X}"),
            Self::UnsupportedOption { i } => write!(f, "implementation option i={i:02X} is not supported"),
            Self::UnsupportedLevel { level } => write!(f, "security level {level:02X} is not supported"),
            Self::Refused { step, sw } => write!(f, "{step} refused with status {sw:04X}"),
            Self::BadCardCryptogram => f.write_str("card cryptogram does not verify"),
            Self::BadHostCryptogram => f.write_str("host cryptogram does not verify"),
            Self::BadMac { step } => write!(f, "{step} does not verify"),
            Self::BadPadding { offset } => write!(f, "bad padding at byte {offset} of the decrypted data"),
            Self::UnprotectedData { sw } => write!(f, "response with error status {sw:04X} carries unprotected data"),
            Self::ChannelClosed => f.write_str("the secure channel was closed by an earlier failure"),
        }
    }
}

impl std::error::Error for ScpError {}
