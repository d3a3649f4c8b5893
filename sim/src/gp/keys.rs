//! A security domain's keys (GPC 2.3.1 §11.8, Amendment D §7.2.2): key versions of three keys
//! (ENC, MAC, DEK) for SCP02 or SCP03, the sequence counters, and the PUT KEY data format that
//! adds or replaces them.

use super::sw;
use hanko_crypto::scp::kcv::{aes_kcv, des_kcv};
use hanko_crypto::scp::{KeySet, ScpError};

/// Which secure channel protocol a key version serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Two-key triple DES (key type `80`).
    Scp02,
    /// AES (key type `88`).
    Scp03,
}

/// Key type bytes of PUT KEY (GPC Table 11-16).
pub const KEY_TYPE_DES: u8 = 0x80;
pub const KEY_TYPE_AES: u8 = 0x88;

/// Key versions a security domain holds at most; one more is "not enough memory".
pub const MAX_KEY_VERSIONS: usize = 4;

/// One key version.
#[derive(Clone, Debug)]
pub struct KeyVersion {
    pub kvn: u8,
    pub protocol: Protocol,
    pub keys: KeySet,
}

impl KeyVersion {
    /// The key check values of ENC, MAC and DEK: what may be shown and compared.
    pub fn check_values(&self) -> [[u8; 3]; 3] {
        let kcv = |k: &[u8]| match self.protocol {
            Protocol::Scp02 => des_kcv(k).unwrap_or_default(),
            Protocol::Scp03 => aes_kcv(k).unwrap_or_default(),
        };
        [kcv(self.keys.enc()), kcv(self.keys.mac()), kcv(self.keys.dek())]
    }

    pub fn key_type(&self) -> u8 {
        match self.protocol {
            Protocol::Scp02 => KEY_TYPE_DES,
            Protocol::Scp03 => KEY_TYPE_AES,
        }
    }
}

/// A security domain's keys and counters. The counters count sessions (SCP02: after each
/// successful EXTERNAL AUTHENTICATE; SCP03: each INITIALIZE UPDATE, so that a pseudo-random
/// card challenge never repeats).
#[derive(Clone, Debug, Default)]
pub struct SdKeys {
    pub versions: Vec<KeyVersion>,
    pub scp02_counter: u16,
    pub scp03_counter: u32,
}

impl SdKeys {
    /// The key version INITIALIZE UPDATE asks for: `00` is the first one.
    pub fn find(&self, kvn: u8) -> Option<&KeyVersion> {
        if kvn == 0 {
            self.versions.first()
        } else {
            self.versions.iter().find(|v| v.kvn == kvn)
        }
    }

    /// A comparable summary (KVN, protocol, KCVs), for snapshots and invariants: never the keys.
    pub fn summary(&self) -> KeySummary {
        self.versions.iter().map(|v| (v.kvn, v.protocol, v.check_values())).collect()
    }
}

/// Encryption or decryption of key data under a DEK (a session's, or a static one).
pub type KeyCipher<'a> = dyn Fn(&[u8]) -> Result<Vec<u8>, ScpError> + 'a;

/// A security domain's key versions as they may be shown: KVN, protocol, check values.
pub type KeySummary = Vec<(u8, Protocol, [[u8; 3]; 3])>;

/// One key component of PUT KEY, decrypted.
struct Component {
    key_type: u8,
    key: Vec<u8>,
}

/// PUT KEY's data parsed and decrypted: the new key version number and its keys.
pub struct NewKeys {
    pub kvn: u8,
    keys: Vec<Component>,
}

/// Reads PUT KEY data (GPC §11.8.2.3, Amendment D §7.2.2.2): KVN, then per key its type, an
/// LV of key data (AES: the key length, then the encrypted key) and an LV of the KCV, which is
/// checked. `decrypt` removes the DEK encryption. Errors are status words.
pub fn parse_put_key(data: &[u8], decrypt: &KeyCipher<'_>) -> Result<NewKeys, u16> {
    let (&kvn, mut rest) = data.split_first().ok_or(sw::WRONG_LENGTH)?;
    if kvn == 0 || kvn == 0xFF {
        return Err(sw::WRONG_DATA);
    }
    let mut keys = Vec::new();
    while let Some((&key_type, after)) = rest.split_first() {
        let (key_data, after) = lv(after)?;
        let (kcv, after) = lv(after)?;
        rest = after;
        let key = match key_type {
            KEY_TYPE_DES => {
                if key_data.len() != 16 {
                    return Err(sw::WRONG_DATA);
                }
                decrypt(key_data).map_err(|_| sw::WRONG_DATA)?
            }
            KEY_TYPE_AES => {
                let (&len, encrypted) = key_data.split_first().ok_or(sw::WRONG_DATA)?;
                let len = usize::from(len);
                if !matches!(len, 16 | 24 | 32) || encrypted.len() != len.div_ceil(16) * 16 {
                    return Err(sw::WRONG_DATA);
                }
                let mut plain = decrypt(encrypted).map_err(|_| sw::WRONG_DATA)?;
                plain.truncate(len);
                plain
            }
            _ => return Err(sw::ALGORITHM_NOT_SUPPORTED),
        };
        let expected = match key_type {
            KEY_TYPE_DES => des_kcv(&key),
            _ => aes_kcv(&key),
        }
        .map_err(|_| sw::WRONG_DATA)?;
        match kcv.len() {
            0 => {}
            3 if kcv == expected => {}
            3 => return Err(sw::INVALID_KCV),
            _ => return Err(sw::WRONG_DATA),
        }
        keys.push(Component { key_type, key });
        if keys.len() > 3 {
            return Err(sw::WRONG_DATA);
        }
    }
    if keys.is_empty() {
        return Err(sw::WRONG_LENGTH);
    }
    Ok(NewKeys { kvn, keys })
}

fn lv(input: &[u8]) -> Result<(&[u8], &[u8]), u16> {
    let (&len, rest) = input.split_first().ok_or(sw::WRONG_DATA)?;
    let len = usize::from(len);
    if rest.len() < len {
        return Err(sw::WRONG_DATA);
    }
    Ok(rest.split_at(len))
}

impl NewKeys {
    fn protocol(&self) -> Result<Protocol, u16> {
        let first = self.keys[0].key_type;
        if self.keys.iter().any(|k| k.key_type != first || k.key.len() != self.keys[0].key.len()) {
            return Err(sw::WRONG_DATA);
        }
        Ok(if first == KEY_TYPE_DES { Protocol::Scp02 } else { Protocol::Scp03 })
    }

    /// Applies the keys to `store` as PUT KEY P1 (`old_kvn`, `00` for a new version) and P2
    /// (`kid`, b8 set for several keys) ask, and returns the response data: the KVN and each
    /// key's check value. Nothing changes on error.
    pub fn apply(self, store: &mut SdKeys, old_kvn: u8, p2: u8) -> Result<Vec<u8>, u16> {
        let protocol = self.protocol()?;
        let multiple = p2 & 0x80 != 0;
        let kid = p2 & 0x7F;
        let taken = |kvn: u8| store.versions.iter().any(|v| v.kvn == kvn);
        let version = if multiple {
            // A whole key version: ENC, MAC, DEK with key identifiers 1, 2, 3.
            if kid != 1 || self.keys.len() != 3 {
                return Err(sw::WRONG_DATA);
            }
            let keys =
                KeySet::new(&self.keys[0].key, &self.keys[1].key, &self.keys[2].key).map_err(|_| sw::WRONG_DATA)?;
            if protocol == Protocol::Scp02 && keys.key_len() != 16 {
                return Err(sw::WRONG_DATA);
            }
            KeyVersion { kvn: self.kvn, protocol, keys }
        } else {
            // One key of an existing version.
            if !(1..=3).contains(&kid) || self.keys.len() != 1 || old_kvn == 0 {
                return Err(sw::WRONG_P1P2);
            }
            let old = store.versions.iter().find(|v| v.kvn == old_kvn).ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
            if old.protocol != protocol || old.keys.key_len() != self.keys[0].key.len() {
                return Err(sw::WRONG_DATA);
            }
            let new = &self.keys[0].key;
            let (enc, mac, dek) = match kid {
                1 => (new.as_slice(), old.keys.mac(), old.keys.dek()),
                2 => (old.keys.enc(), new.as_slice(), old.keys.dek()),
                _ => (old.keys.enc(), old.keys.mac(), new.as_slice()),
            };
            let keys = KeySet::new(enc, mac, dek).map_err(|_| sw::WRONG_DATA)?;
            KeyVersion { kvn: self.kvn, protocol, keys }
        };
        if old_kvn == 0 {
            if taken(version.kvn) {
                return Err(sw::WRONG_DATA);
            }
            if store.versions.len() >= MAX_KEY_VERSIONS {
                return Err(sw::NOT_ENOUGH_MEMORY);
            }
            store.versions.push(version.clone());
        } else {
            let slot = store.versions.iter().position(|v| v.kvn == old_kvn).ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
            if version.kvn != old_kvn && taken(version.kvn) {
                return Err(sw::WRONG_DATA);
            }
            store.versions[slot] = version.clone();
        }
        let mut out = vec![version.kvn];
        let values = version.check_values();
        let shown = if multiple { &values[..] } else { &values[usize::from(kid - 1)..usize::from(kid)] };
        for kcv in shown {
            out.extend_from_slice(kcv);
        }
        Ok(out)
    }
}

/// Builds PUT KEY data for a whole key version (`kvn`, ENC, MAC, DEK), each key encrypted by
/// `encrypt` (the host's DEK), with check values: what a TSM sends.
pub fn put_key_data(kvn: u8, protocol: Protocol, keys: &KeySet, encrypt: &KeyCipher<'_>) -> Result<Vec<u8>, ScpError> {
    let mut out = vec![kvn];
    for key in [keys.enc(), keys.mac(), keys.dek()] {
        match protocol {
            Protocol::Scp02 => {
                let encrypted = encrypt(key)?;
                out.push(KEY_TYPE_DES);
                out.push(encrypted.len() as u8);
                out.extend_from_slice(&encrypted);
                out.push(3);
                out.extend_from_slice(&des_kcv(key)?);
            }
            Protocol::Scp03 => {
                let mut padded = key.to_vec();
                padded.resize(key.len().div_ceil(16) * 16, 0);
                let encrypted = encrypt(&padded)?;
                out.push(KEY_TYPE_AES);
                out.push(encrypted.len() as u8 + 1);
                out.push(key.len() as u8);
                out.extend_from_slice(&encrypted);
                out.push(3);
                out.extend_from_slice(&aes_kcv(key)?);
            }
        }
    }
    Ok(out)
}

/// The key information template (GET DATA `E0`, GPC §11.3.3.1): per key, `C0 04 KID KVN type
/// length`.
pub fn key_information(store: &SdKeys) -> Vec<u8> {
    let mut body = Vec::new();
    for v in &store.versions {
        for kid in 1..=3u8 {
            body.extend_from_slice(&[0xC0, 0x04, kid, v.kvn, v.key_type(), v.keys.key_len() as u8]);
        }
    }
    let mut out = vec![0xE0];
    super::tlv::push_len(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}
