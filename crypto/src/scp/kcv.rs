//! Key check values (GPC 2.3.1 §11.8.2.3, Amendment D §7.2.2): the first three bytes of a
//! constant block encrypted under the key, which PUT KEY carries and GET DATA `E0` returns.

use cbc::cipher::array::Array;
use cbc::cipher::{BlockCipherEncrypt, KeyInit};
use des::{Des, TdesEde2, TdesEde3};

use super::aes_ops::Aes;
use super::error::ScpError;

/// The KCV of a DES key: the first three bytes of E(k, 8×`00`). Takes single DES (8
/// bytes), two-key (16) and three-key (24) triple DES.
pub fn des_kcv(key: &[u8]) -> Result<[u8; 3], ScpError> {
    let mut block = Array([0u8; 8]);
    let bad = |_| ScpError::KeyLength { found: key.len() };
    match key.len() {
        8 => Des::new_from_slice(key).map_err(bad)?.encrypt_block(&mut block),
        16 => TdesEde2::new_from_slice(key).map_err(bad)?.encrypt_block(&mut block),
        24 => TdesEde3::new_from_slice(key).map_err(bad)?.encrypt_block(&mut block),
        found => return Err(ScpError::KeyLength { found }),
    }
    Ok([block.0[0], block.0[1], block.0[2]])
}

/// The KCV of an AES key: the first three bytes of E(k, 16×`01`).
pub fn aes_kcv(key: &[u8]) -> Result<[u8; 3], ScpError> {
    let block = Aes::new(key)?.encrypt_block([0x01; 16]);
    Ok([block[0], block[1], block[2]])
}
