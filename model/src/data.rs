//! What a card holds: file contents, records, PIN values and which keys it can use. The
//! model reads it; the simulator builds it from the test PKI.

use std::collections::BTreeMap;
use zeroize::Zeroize;

/// A PIN value, wiped when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(value: &[u8]) -> Self {
        Self(value.to_vec())
    }

    /// Constant-time comparison: the time does not depend on where the values differ.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        let mut diff = u8::from(self.0.len() != candidate.len());
        for (i, b) in self.0.iter().enumerate() {
            diff |= b ^ candidate.get(i).copied().unwrap_or(!b);
        }
        diff == 0
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The contents of a card.
#[derive(Clone, Debug, Default)]
pub struct CardData {
    /// Transparent files by (application id, FID).
    pub files: BTreeMap<(&'static str, u16), Vec<u8>>,
    /// Record files by (application id, FID), record 1 first.
    pub records: BTreeMap<(&'static str, u16), Vec<Vec<u8>>>,
    /// PIN values by PIN file id (`jpki.auth_pin`).
    pub pins: BTreeMap<&'static str, Secret>,
    /// Applications that sign with a key of their own (the text AP), by application id.
    pub ap_keys: BTreeMap<&'static str, &'static str>,
}
