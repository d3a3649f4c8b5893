//! A security domain's end of a secure channel on one logical channel: INITIALIZE UPDATE
//! answered and EXTERNAL AUTHENTICATE awaited, or a session open at a security level. The OTA
//! context (commands that arrived in a verified SCP80 packet) is a session too: its level is
//! what the packet's SPI gave.

use super::dek;
use super::registry::Aid;
use hanko_crypto::scp::scp02::Scp02CardSession;
use hanko_crypto::scp::scp03::Scp03CardSession;
use hanko_crypto::scp::{CardChannel, ScpError, SecurityLevel};

/// The card side between INITIALIZE UPDATE and EXTERNAL AUTHENTICATE.
pub enum Pending {
    Scp02(hanko_crypto::scp::scp02::Scp02Card),
    Scp03(hanko_crypto::scp::scp03::Scp03Card),
}

/// How an open session protects and what it decrypts key data with.
pub enum Protection {
    Scp02(Box<Scp02CardSession>),
    Scp03(Box<Scp03CardSession>),
    /// Commands of a verified SCP80 packet: already checked and deciphered; key data is
    /// encrypted under the static DEK of the security domain's SCP03 key version (held here).
    Ota {
        dek: Option<Vec<u8>>,
    },
}

/// An open session with security domain `sd`.
pub struct Session {
    pub sd: Aid,
    pub kvn: u8,
    pub level: SecurityLevel,
    pub protection: Protection,
}

impl Session {
    pub fn is_open(&self) -> bool {
        match &self.protection {
            Protection::Scp02(s) => s.is_open(),
            Protection::Scp03(s) => s.is_open(),
            Protection::Ota { .. } => true,
        }
    }

    /// Checks and strips a wrapped C-APDU.
    pub fn unwrap_command(&mut self, capdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        match &mut self.protection {
            Protection::Scp02(s) => s.unwrap_command(capdu),
            Protection::Scp03(s) => s.unwrap_command(capdu),
            Protection::Ota { .. } => Ok(capdu.to_vec()),
        }
    }

    /// Protects the answer to the last unwrapped command.
    pub fn wrap_response(&mut self, rapdu: &[u8]) -> Result<Vec<u8>, ScpError> {
        match &mut self.protection {
            Protection::Scp02(s) => s.wrap_response(rapdu),
            Protection::Scp03(s) => s.wrap_response(rapdu),
            Protection::Ota { .. } => Ok(rapdu.to_vec()),
        }
    }

    /// Removes the DEK encryption of key data (PUT KEY, encrypted DGIs).
    pub fn decrypt_key(&self, data: &[u8]) -> Result<Vec<u8>, ScpError> {
        match &self.protection {
            Protection::Scp02(s) => s.session_keys().decrypt_key(data),
            Protection::Scp03(s) => s.decrypt_key(data),
            Protection::Ota { dek: Some(key) } => dek::decrypt(key, data),
            Protection::Ota { dek: None } => Err(ScpError::ChannelClosed),
        }
    }
}
