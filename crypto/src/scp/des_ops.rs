//! The DES constructions of SCP02 (GPC 2.3.1 Appendix B.1): two-key triple DES in CBC and ECB
//! mode, the full triple-DES MAC of the cryptograms and the "retail" MAC of C-MAC and R-MAC.

use cbc::cipher::array::Array;
use cbc::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit};
use des::{Des, TdesEde2};
use zeroize::Zeroize;

use super::padding::for_each_padded_block;

pub(crate) const BLOCK: usize = 8;

fn xor_into(acc: &mut [u8; BLOCK], block: &[u8; BLOCK]) {
    for (a, b) in acc.iter_mut().zip(block) {
        *a ^= b;
    }
}

/// Two-key triple DES (K1, K2, K1) under one 16-byte key.
#[derive(Clone)]
pub(crate) struct Tdes {
    cipher: TdesEde2,
}

impl Tdes {
    pub fn new(key: &[u8; 16]) -> Self {
        Self { cipher: TdesEde2::new(&Array(*key)) }
    }

    /// CBC encryption in place with a zero IV; `buf` holds whole blocks.
    pub fn cbc_encrypt(&self, buf: &mut [u8]) {
        let (blocks, _) = Array::slice_as_chunks_mut(buf);
        cbc::Encryptor::<TdesEde2>::inner_iv_init(self.cipher.clone(), &Array([0; BLOCK])).encrypt_blocks(blocks);
    }

    /// CBC decryption in place with a zero IV; `buf` holds whole blocks.
    pub fn cbc_decrypt(&self, buf: &mut [u8]) {
        let (blocks, _) = Array::slice_as_chunks_mut(buf);
        cbc::Decryptor::<TdesEde2>::inner_iv_init(self.cipher.clone(), &Array([0; BLOCK])).decrypt_blocks(blocks);
    }

    /// ECB encryption in place (the DEK's key encryption, GPC §E.4.7).
    pub fn ecb_encrypt(&self, buf: &mut [u8]) {
        let (blocks, _) = Array::slice_as_chunks_mut(buf);
        self.cipher.encrypt_blocks(blocks);
    }

    pub fn ecb_decrypt(&self, buf: &mut [u8]) {
        let (blocks, _) = Array::slice_as_chunks_mut(buf);
        self.cipher.decrypt_blocks(blocks);
    }

    /// The full triple-DES MAC (GPC B.1.2.1): CBC with a zero IV over the padded message,
    /// last block. The SCP02 cryptograms use it.
    pub fn full_mac(&self, parts: &[&[u8]]) -> [u8; BLOCK] {
        let mut acc = Array([0u8; BLOCK]);
        for_each_padded_block::<BLOCK>(parts, |block| {
            xor_into(&mut acc.0, block);
            self.cipher.encrypt_block(&mut acc);
        });
        acc.0
    }
}

/// The retail MAC of SCP02 (ISO/IEC 9797-1 MAC algorithm 3, GPC B.1.2.2): single DES with
/// K1 over every block, then decryption with K2 and encryption with K1 of the last result.
#[derive(Clone)]
pub(crate) struct RetailMac {
    k1: Des,
    k2: Des,
}

impl RetailMac {
    pub fn new(key: &[u8; 16]) -> Self {
        let mut halves = [[0u8; BLOCK]; 2];
        halves[0].copy_from_slice(&key[..BLOCK]);
        halves[1].copy_from_slice(&key[BLOCK..]);
        let mac = Self { k1: Des::new(&Array(halves[0])), k2: Des::new(&Array(halves[1])) };
        halves.zeroize();
        mac
    }

    pub fn mac(&self, icv: [u8; BLOCK], parts: &[&[u8]]) -> [u8; BLOCK] {
        let mut acc = Array(icv);
        for_each_padded_block::<BLOCK>(parts, |block| {
            xor_into(&mut acc.0, block);
            self.k1.encrypt_block(&mut acc);
        });
        self.k2.decrypt_block(&mut acc);
        self.k1.encrypt_block(&mut acc);
        acc.0
    }

    /// Single DES with K1 of one block: the ICV encryption of implementation options with
    /// b5 set (GPC E.3.4).
    pub fn encrypt_icv(&self, icv: [u8; BLOCK]) -> [u8; BLOCK] {
        let mut block = Array(icv);
        self.k1.encrypt_block(&mut block);
        block.0
    }
}
