//! The static keys of a security domain's key set (ENC, MAC, DEK), wiped when dropped.

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::error::ScpError;
use super::kcv;

/// One secret key of up to 32 bytes, held inline so that no copy is left on the heap.
#[derive(Clone)]
pub(crate) struct SecretKey {
    bytes: [u8; 32],
    len: usize,
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl ZeroizeOnDrop for SecretKey {}

impl SecretKey {
    pub(crate) fn new(key: &[u8]) -> Result<Self, ScpError> {
        if !matches!(key.len(), 16 | 24 | 32) {
            return Err(ScpError::KeyLength { found: key.len() });
        }
        let mut bytes = [0u8; 32];
        bytes[..key.len()].copy_from_slice(key);
        Ok(Self { bytes, len: key.len() })
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The static ENC, MAC and DEK keys of one key set. SCP02 needs 16-byte (two-key 3DES)
/// keys, SCP03 takes AES keys of 16, 24 or 32 bytes; the three keys share one length.
#[derive(Clone)]
pub struct KeySet {
    enc: SecretKey,
    mac: SecretKey,
    dek: SecretKey,
}

impl KeySet {
    /// A key set from its three keys.
    pub fn new(enc: &[u8], mac: &[u8], dek: &[u8]) -> Result<Self, ScpError> {
        let set = Self { enc: SecretKey::new(enc)?, mac: SecretKey::new(mac)?, dek: SecretKey::new(dek)? };
        if enc.len() != mac.len() || enc.len() != dek.len() {
            return Err(ScpError::MixedKeyLengths);
        }
        Ok(set)
    }

    /// A key set whose three keys are one key (SCP02 "1 Secure Channel base key", and the
    /// usual test cards' `404142…4F`).
    pub fn from_single(key: &[u8]) -> Result<Self, ScpError> {
        Self::new(key, key, key)
    }

    pub fn enc(&self) -> &[u8] {
        self.enc.as_bytes()
    }

    pub fn mac(&self) -> &[u8] {
        self.mac.as_bytes()
    }

    pub fn dek(&self) -> &[u8] {
        self.dek.as_bytes()
    }

    /// The length of each key in bytes.
    pub fn key_len(&self) -> usize {
        self.enc.len
    }
}

/// Each field wipes itself when dropped.
impl ZeroizeOnDrop for KeySet {}

/// Shows the key check values (AES form, or 3DES for 16-byte keys, both computed), never the keys.
impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |key: &SecretKey| {
            let aes = kcv::aes_kcv(key.as_bytes()).map(hex3).unwrap_or_default();
            let des = kcv::des_kcv(key.as_bytes()).map(hex3).unwrap_or_default();
            format!("KCV aes {aes} des {des}")
        };
        f.debug_struct("KeySet")
            .field("len", &self.key_len())
            .field("enc", &show(&self.enc))
            .field("mac", &show(&self.mac))
            .field("dek", &show(&self.dek))
            .finish()
    }
}

fn hex3(kcv: [u8; 3]) -> String {
    format!("{:02X}{:02X}{:02X}", kcv[0], kcv[1], kcv[2])
}
