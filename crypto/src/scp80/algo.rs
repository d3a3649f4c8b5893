//! The algorithms KIc and KID name (ETSI TS 102 225 §5.1.2, §5.1.3): DES, triple DES and AES
//! ciphering with a zero IV, the DES-family CBC-MAC and AES-CMAC cryptographic checksums, and
//! the CRC16/CRC32 redundancy checks.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::array::Array;
use cbc::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit};
use cmac::{Cmac, Mac};
use des::{Des, TdesEde2, TdesEde3};
use hanko_codec::generated::tsm::{Scp80KicAlgorithm, Scp80KidCcAlgorithm, Scp80KidRcAlgorithm};
use hanko_codec::ota::params::ChecksumKind;

use super::{Key, Scp80Error};

/// A block cipher KIc names, keyed.
pub(crate) enum Cipher {
    DesCbc(Des),
    DesEcb(Des),
    Tdes2(TdesEde2),
    Tdes3(TdesEde3),
    Aes128(Aes128),
    Aes192(Aes192),
    Aes256(Aes256),
}

fn key_len_error(what: &'static str) -> Scp80Error {
    Scp80Error::KeyLength { what }
}

macro_rules! cbc_run {
    ($alg:ty, $cipher:expr, $buf:expr, $block:expr, $mode:ident, $method:ident) => {{
        let (blocks, _) = Array::slice_as_chunks_mut($buf);
        cbc::$mode::<$alg>::inner_iv_init($cipher.clone(), &Array([0u8; $block])).$method(blocks);
    }};
}

impl Cipher {
    pub fn new(algorithm: Scp80KicAlgorithm, key: &Key) -> Result<Self, Scp80Error> {
        let k = key.as_slice();
        let bad = |_| key_len_error("KIc key");
        Ok(match (algorithm, k.len()) {
            (Scp80KicAlgorithm::DesCbc, 8) => Self::DesCbc(Des::new_from_slice(k).map_err(bad)?),
            (Scp80KicAlgorithm::DesEcb, 8) => Self::DesEcb(Des::new_from_slice(k).map_err(bad)?),
            (Scp80KicAlgorithm::TripleDes2key, 16) => Self::Tdes2(TdesEde2::new_from_slice(k).map_err(bad)?),
            (Scp80KicAlgorithm::TripleDes3key, 24) => Self::Tdes3(TdesEde3::new_from_slice(k).map_err(bad)?),
            (Scp80KicAlgorithm::AesCbc, 16) => Self::Aes128(Aes128::new_from_slice(k).map_err(bad)?),
            (Scp80KicAlgorithm::AesCbc, 24) => Self::Aes192(Aes192::new_from_slice(k).map_err(bad)?),
            (Scp80KicAlgorithm::AesCbc, 32) => Self::Aes256(Aes256::new_from_slice(k).map_err(bad)?),
            (
                Scp80KicAlgorithm::DesCbc
                | Scp80KicAlgorithm::DesEcb
                | Scp80KicAlgorithm::TripleDes2key
                | Scp80KicAlgorithm::TripleDes3key
                | Scp80KicAlgorithm::AesCbc,
                _,
            ) => return Err(key_len_error("KIc key")),
            (other, _) => return Err(Scp80Error::Unsupported { what: "KIc", value: u8::from(other) }),
        })
    }

    pub fn block(&self) -> usize {
        match self {
            Self::Aes128(_) | Self::Aes192(_) | Self::Aes256(_) => 16,
            _ => 8,
        }
    }

    /// Enciphers whole blocks in place.
    pub fn encrypt(&self, buf: &mut [u8]) {
        match self {
            Self::DesCbc(c) => cbc_run!(Des, c, buf, 8, Encryptor, encrypt_blocks),
            Self::DesEcb(c) => c.encrypt_blocks(Array::slice_as_chunks_mut(buf).0),
            Self::Tdes2(c) => cbc_run!(TdesEde2, c, buf, 8, Encryptor, encrypt_blocks),
            Self::Tdes3(c) => cbc_run!(TdesEde3, c, buf, 8, Encryptor, encrypt_blocks),
            Self::Aes128(c) => cbc_run!(Aes128, c, buf, 16, Encryptor, encrypt_blocks),
            Self::Aes192(c) => cbc_run!(Aes192, c, buf, 16, Encryptor, encrypt_blocks),
            Self::Aes256(c) => cbc_run!(Aes256, c, buf, 16, Encryptor, encrypt_blocks),
        }
    }

    /// Deciphers whole blocks in place.
    pub fn decrypt(&self, buf: &mut [u8]) {
        match self {
            Self::DesCbc(c) => cbc_run!(Des, c, buf, 8, Decryptor, decrypt_blocks),
            Self::DesEcb(c) => c.decrypt_blocks(Array::slice_as_chunks_mut(buf).0),
            Self::Tdes2(c) => cbc_run!(TdesEde2, c, buf, 8, Decryptor, decrypt_blocks),
            Self::Tdes3(c) => cbc_run!(TdesEde3, c, buf, 8, Decryptor, decrypt_blocks),
            Self::Aes128(c) => cbc_run!(Aes128, c, buf, 16, Decryptor, decrypt_blocks),
            Self::Aes192(c) => cbc_run!(Aes192, c, buf, 16, Decryptor, decrypt_blocks),
            Self::Aes256(c) => cbc_run!(Aes256, c, buf, 16, Decryptor, decrypt_blocks),
        }
    }
}

/// CBC-MAC with a zero IV over `parts` zero-padded to the block: the last cipher block.
fn cbc_mac<C: BlockCipherEncrypt<BlockSize = cbc::cipher::consts::U8>>(cipher: &C, parts: &[&[u8]]) -> [u8; 8] {
    let mut acc: Array<u8, cbc::cipher::consts::U8> = Array([0u8; 8]);
    let mut fill = 0;
    for part in parts {
        for &b in *part {
            acc.0[fill] ^= b;
            fill += 1;
            if fill == 8 {
                cipher.encrypt_block(&mut acc);
                fill = 0;
            }
        }
    }
    // Zero padding XORs nothing in: a partial last block only needs its encryption.
    if fill != 0 {
        cipher.encrypt_block(&mut acc);
    }
    acc.0
}

fn cmac<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Result<[u8; 16], Scp80Error> {
    let mut mac = <M as KeyInit>::new_from_slice(key).map_err(|_| key_len_error("KID key"))?;
    for p in parts {
        mac.update(p);
    }
    let tag = mac.finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&tag[..16]);
    Ok(out)
}

/// CRC-16/X-25: ISO/IEC 13239, polynomial x^16 + x^12 + x^5 + 1 reflected (0x8408),
/// register FFFF, result complemented.
pub fn crc16(parts: &[&[u8]]) -> u16 {
    let mut reg = 0xFFFFu16;
    for &b in parts.iter().flat_map(|p| p.iter()) {
        reg ^= u16::from(b);
        for _ in 0..8 {
            reg = if reg & 1 == 1 { (reg >> 1) ^ 0x8408 } else { reg >> 1 };
        }
    }
    !reg
}

/// CRC-32 of ISO 3309 (reflected 0xEDB88320, register FFFFFFFF, result complemented).
pub fn crc32(parts: &[&[u8]]) -> u32 {
    let mut reg = 0xFFFF_FFFFu32;
    for &b in parts.iter().flat_map(|p| p.iter()) {
        reg ^= u32::from(b);
        for _ in 0..8 {
            reg = if reg & 1 == 1 { (reg >> 1) ^ 0xEDB8_8320 } else { reg >> 1 };
        }
    }
    !reg
}

/// The RC, CC or DS of `kind` over `parts`, `len` bytes long (the length CHL/RHL gives).
pub fn checksum(kind: ChecksumKind, kid_key: Option<&Key>, parts: &[&[u8]], len: usize) -> Result<Vec<u8>, Scp80Error> {
    let need_key = || kid_key.ok_or(Scp80Error::MissingKey { what: "KID" });
    let full: Vec<u8> = match kind {
        ChecksumKind::None => Vec::new(),
        ChecksumKind::RedundancyCheck(Scp80KidRcAlgorithm::Crc16) => crc16(parts).to_be_bytes().to_vec(),
        ChecksumKind::RedundancyCheck(Scp80KidRcAlgorithm::Crc32) => crc32(parts).to_be_bytes().to_vec(),
        ChecksumKind::RedundancyCheck(other) => {
            return Err(Scp80Error::Unsupported { what: "KID (RC)", value: u8::from(other) })
        }
        ChecksumKind::CryptographicChecksum(alg) => {
            let k = need_key()?.as_slice();
            let bad = |_| key_len_error("KID key");
            match (alg, k.len()) {
                (Scp80KidCcAlgorithm::DesCbcMac, 8) => cbc_mac(&Des::new_from_slice(k).map_err(bad)?, parts).to_vec(),
                (Scp80KidCcAlgorithm::TripleDes2keyMac, 16) => {
                    cbc_mac(&TdesEde2::new_from_slice(k).map_err(bad)?, parts).to_vec()
                }
                (Scp80KidCcAlgorithm::TripleDes3keyMac, 24) => {
                    cbc_mac(&TdesEde3::new_from_slice(k).map_err(bad)?, parts).to_vec()
                }
                (Scp80KidCcAlgorithm::AesCmac, 16) => cmac::<Cmac<Aes128>>(k, parts)?.to_vec(),
                (Scp80KidCcAlgorithm::AesCmac, 24) => cmac::<Cmac<Aes192>>(k, parts)?.to_vec(),
                (Scp80KidCcAlgorithm::AesCmac, 32) => cmac::<Cmac<Aes256>>(k, parts)?.to_vec(),
                (
                    Scp80KidCcAlgorithm::DesCbcMac
                    | Scp80KidCcAlgorithm::TripleDes2keyMac
                    | Scp80KidCcAlgorithm::TripleDes3keyMac
                    | Scp80KidCcAlgorithm::AesCmac,
                    _,
                ) => return Err(key_len_error("KID key")),
                (other, _) => return Err(Scp80Error::Unsupported { what: "KID (CC)", value: u8::from(other) }),
            }
        }
        ChecksumKind::DigitalSignature => {
            return Err(Scp80Error::Unsupported { what: "SPI (digital signature)", value: 3 })
        }
        ChecksumKind::Reserved => return Err(Scp80Error::Unsupported { what: "SPI", value: 0xFF }),
    };
    // The length CHL/RHL declares must be one the algorithm allows (an AES CC may be cut to 4
    // bytes): a header that shrinks it to 0 would otherwise strip the checksum off a packet.
    if len > full.len() || !kind.allowed_lengths().is_some_and(|allowed| allowed.contains(&len)) {
        return Err(Scp80Error::ChecksumLength { expected: full.len(), found: len });
    }
    Ok(full[..len].to_vec())
}
