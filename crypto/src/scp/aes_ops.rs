//! AES of the three key sizes behind one type, as SCP03 needs it (Amendment D §4.1): block
//! encryption for the ICVs, CBC for C-DECRYPTION and R-ENCRYPTION, CMAC for everything else.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::array::Array;
use cbc::cipher::{BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit};
use cmac::{Cmac, Mac};

use super::error::ScpError;

pub(crate) const BLOCK: usize = 16;

/// Runs `$body` with `$c` bound to the cipher of whichever size `$value` holds.
macro_rules! each_size {
    ($enum:ident, $value:expr, $c:ident => $body:expr) => {
        match $value {
            $enum::A128($c) => $body,
            $enum::A192($c) => $body,
            $enum::A256($c) => $body,
        }
    };
}

/// An AES key schedule of 128, 192 or 256 bits.
#[derive(Clone)]
pub(crate) enum Aes {
    A128(Aes128),
    A192(Aes192),
    A256(Aes256),
}

impl Aes {
    pub fn new(key: &[u8]) -> Result<Self, ScpError> {
        let bad = |_| ScpError::KeyLength { found: key.len() };
        Ok(match key.len() {
            16 => Self::A128(Aes128::new_from_slice(key).map_err(bad)?),
            24 => Self::A192(Aes192::new_from_slice(key).map_err(bad)?),
            32 => Self::A256(Aes256::new_from_slice(key).map_err(bad)?),
            found => return Err(ScpError::KeyLength { found }),
        })
    }

    pub fn encrypt_block(&self, block: [u8; BLOCK]) -> [u8; BLOCK] {
        let mut block = Array(block);
        each_size!(Self, self, c => c.encrypt_block(&mut block));
        block.0
    }

    /// CBC encryption in place; `buf` holds whole blocks.
    pub fn cbc_encrypt(&self, iv: [u8; BLOCK], buf: &mut [u8]) {
        let (blocks, _) = Array::slice_as_chunks_mut(buf);
        let iv = Array(iv);
        each_size!(Self, self, c => cbc::Encryptor::inner_iv_init(c.clone(), &iv).encrypt_blocks(blocks));
    }

    /// CBC decryption in place; `buf` holds whole blocks.
    pub fn cbc_decrypt(&self, iv: [u8; BLOCK], buf: &mut [u8]) {
        let (blocks, _) = Array::slice_as_chunks_mut(buf);
        let iv = Array(iv);
        each_size!(Self, self, c => cbc::Decryptor::inner_iv_init(c.clone(), &iv).decrypt_blocks(blocks));
    }
}

/// A keyed AES-CMAC (NIST SP 800-38B), reset after each use so that the key schedule and
/// subkeys are computed once per session.
#[derive(Clone)]
pub(crate) enum AesCmac {
    A128(Cmac<Aes128>),
    A192(Cmac<Aes192>),
    A256(Cmac<Aes256>),
}

impl AesCmac {
    pub fn new(key: &[u8]) -> Result<Self, ScpError> {
        let bad = |_| ScpError::KeyLength { found: key.len() };
        Ok(match key.len() {
            16 => Self::A128(<Cmac<Aes128> as cmac::KeyInit>::new_from_slice(key).map_err(bad)?),
            24 => Self::A192(<Cmac<Aes192> as cmac::KeyInit>::new_from_slice(key).map_err(bad)?),
            32 => Self::A256(<Cmac<Aes256> as cmac::KeyInit>::new_from_slice(key).map_err(bad)?),
            found => return Err(ScpError::KeyLength { found }),
        })
    }

    /// The full 16-byte CMAC of the concatenated parts.
    pub fn mac(&mut self, parts: &[&[u8]]) -> [u8; BLOCK] {
        each_size!(Self, self, m => {
            for part in parts {
                m.update(part);
            }
            m.finalize_reset().into_bytes().0
        })
    }
}
