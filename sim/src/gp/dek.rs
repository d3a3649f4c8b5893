//! Key data encryption outside a secure channel session: AES-CBC with a zero IV over whole
//! blocks, the scheme SCP03 uses for PUT KEY and encrypted DGIs under the static DEK
//! (Amendment D §7.2.2.2). The OTA context uses it with the security domain's DEK, and the
//! TSMs use it to wrap keys under transport keys between themselves, as their HSMs would.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::array::Array;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hanko_crypto::scp::ScpError;

const BLOCK: usize = 16;

fn run(key: &[u8], data: &[u8], encrypt: bool) -> Result<Vec<u8>, ScpError> {
    if data.len() % BLOCK != 0 {
        return Err(ScpError::NotBlockAligned { what: "key data", block: BLOCK, found: data.len() });
    }
    let mut out = data.to_vec();
    let (blocks, _) = Array::slice_as_chunks_mut(&mut out);
    let iv = [0u8; BLOCK];
    let bad = |_| ScpError::KeyLength { found: key.len() };
    macro_rules! go {
        ($aes:ty) => {
            if encrypt {
                cbc::Encryptor::<$aes>::new_from_slices(key, &iv).map_err(bad)?.encrypt_blocks(blocks)
            } else {
                cbc::Decryptor::<$aes>::new_from_slices(key, &iv).map_err(bad)?.decrypt_blocks(blocks)
            }
        };
    }
    match key.len() {
        16 => go!(Aes128),
        24 => go!(Aes192),
        32 => go!(Aes256),
        found => return Err(ScpError::KeyLength { found }),
    }
    Ok(out)
}

/// Encrypts whole blocks under `key`.
pub fn encrypt(key: &[u8], data: &[u8]) -> Result<Vec<u8>, ScpError> {
    run(key, data, true)
}

/// Decrypts whole blocks under `key`.
pub fn decrypt(key: &[u8], data: &[u8]) -> Result<Vec<u8>, ScpError> {
    run(key, data, false)
}

/// Pads with `80 00…` to whole blocks (ISO/IEC 9797-1 method 2) and encrypts.
pub fn wrap(key: &[u8], data: &[u8]) -> Result<Vec<u8>, ScpError> {
    let mut padded = data.to_vec();
    padded.push(0x80);
    padded.resize(padded.len().div_ceil(BLOCK) * BLOCK, 0);
    encrypt(key, &padded)
}

/// Decrypts and removes `80 00…` padding; bad padding is an error (at its byte).
pub fn unwrap(key: &[u8], data: &[u8]) -> Result<Vec<u8>, ScpError> {
    let mut plain = decrypt(key, data)?;
    let end = plain.iter().rposition(|&b| b != 0).ok_or(ScpError::BadPadding { offset: 0 })?;
    if plain[end] != 0x80 || plain.len() - end > BLOCK {
        return Err(ScpError::BadPadding { offset: end });
    }
    plain.truncate(end);
    Ok(plain)
}
