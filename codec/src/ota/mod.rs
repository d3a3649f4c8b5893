//! Over-the-air remote management: SCP80 secured packets (ETSI TS 102 225, 3GPP TS 31.115),
//! the remote APDU scripts they carry (ETSI TS 102 226), and SCP81's HTTP header blocks
//! (GlobalPlatform Amendment B). The layouts and tables are in `spec/tsm/`.
//!
//! The views only read structure: a ciphered part stays opaque here, and no checksum is
//! checked. hanko-crypto (`scp80`) deciphers and verifies, then hands the plain part back to
//! [`command::PlainCommand::parse`] or [`response::PlainResponse::parse`].

pub mod command;
pub mod params;
pub mod remote;
pub mod response;
pub mod scp81;

pub use command::{CommandPacket, CommandSecured, PlainCommand};
pub use params::Spi;
pub use remote::{CompactResponse, RemoteScript};
pub use response::{PlainResponse, ResponsePacket, ResponseSecured};

use crate::error::{Error, ErrorKind, Result, Rule};

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Bytes `at..at + n` of `input`, or a truncation error at the input's end.
fn take(input: &[u8], at: usize, n: usize, rule: Rule) -> Result<&[u8]> {
    match input.get(at..).and_then(|rest| rest.get(..n)) {
        Some(b) => Ok(b),
        None => Err(Error::new(
            ErrorKind::Truncated { needed: len32(n), available: len32(input.len().saturating_sub(at)) },
            input.len(),
            rule,
        )),
    }
}

/// A big-endian length field and the check that exactly that many bytes follow it.
fn declared_length(input: &[u8], at: usize, width: usize, rule: Rule) -> Result<usize> {
    let field = take(input, at, width, rule)?;
    let declared = field.iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b));
    let after = at + width;
    let present = input.len() - after;
    if present < declared {
        return Err(Error::new(
            ErrorKind::Truncated { needed: len32(declared), available: len32(present) },
            input.len(),
            rule,
        ));
    }
    if present > declared {
        return Err(Error::new(ErrorKind::TrailingData { extra: len32(present - declared) }, after + declared, rule));
    }
    Ok(declared)
}
