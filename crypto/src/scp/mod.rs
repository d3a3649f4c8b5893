//! GlobalPlatform secure channels SCP02 (GPC 2.3.1 Appendix E) and SCP03 (Amendment D), host
//! side and card side.
//!
//! A host (a TSM, a test tool) drives [`scp02::Scp02Host`] or [`scp03::Scp03Host`] through
//! INITIALIZE UPDATE and EXTERNAL AUTHENTICATE to an open session that implements
//! [`HostChannel`]; a simulated card answers the same two commands with
//! [`scp02::Scp02Card`] or [`scp03::Scp03Card`] and gets a session that implements
//! [`CardChannel`]. Both sides take and return whole APDUs: C-APDUs as `CLA INS P1 P2 [Lc
//! data] [Le]` (short form), R-APDUs as `data SW1 SW2`.
//!
//! Every failure after the channel is open (a bad MAC, bad padding, a malformed protected
//! message) closes it: later calls answer [`ScpError::ChannelClosed`] until a new
//! INITIALIZE UPDATE, as GlobalPlatform requires of the card after any secure-messaging failure.

mod aes_ops;
mod apdu;
mod des_ops;
mod error;
pub mod kcv;
mod keys;
mod level;
mod padding;
pub mod scp02;
pub mod scp03;

pub use error::{MacStep, ScpError, Step};
pub use keys::KeySet;
pub use level::SecurityLevel;

/// INS of INITIALIZE UPDATE.
pub const INS_INITIALIZE_UPDATE: u8 = 0x50;
/// INS of EXTERNAL AUTHENTICATE.
pub const INS_EXTERNAL_AUTHENTICATE: u8 = 0x82;

/// The host's end of an open secure channel.
pub trait HostChannel {
    /// The level agreed in EXTERNAL AUTHENTICATE.
    fn security_level(&self) -> SecurityLevel;

    /// Protects a plain C-APDU for sending: C-MAC and, at C-DECRYPTION levels, encrypted
    /// data. The class byte gains the secure-messaging bit; Le is kept as given.
    fn wrap(&mut self, capdu: &[u8]) -> Result<Vec<u8>, ScpError>;

    /// Checks and strips the protection of the R-APDU answering the last wrapped command,
    /// returning plain `data SW1 SW2`.
    fn unwrap_response(&mut self, rapdu: &[u8]) -> Result<Vec<u8>, ScpError>;

    /// False once a failure has closed the channel.
    fn is_open(&self) -> bool;
}

/// The card's end of an open secure channel.
pub trait CardChannel {
    /// The level agreed in EXTERNAL AUTHENTICATE.
    fn security_level(&self) -> SecurityLevel;

    /// Checks and strips the protection of a received C-APDU, returning the plain C-APDU
    /// (secure-messaging bit cleared, Le kept).
    fn unwrap_command(&mut self, capdu: &[u8]) -> Result<Vec<u8>, ScpError>;

    /// Protects the plain R-APDU (`data SW1 SW2`) answering the last unwrapped command.
    fn wrap_response(&mut self, rapdu: &[u8]) -> Result<Vec<u8>, ScpError>;

    /// False once a failure has closed the channel.
    fn is_open(&self) -> bool;
}
