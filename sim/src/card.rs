//! The virtual My Number card: the card model on the test PKI's data, signing with the
//! real private keys, its PIN counters kept in a state file that is replaced atomically
//! after every change, so that a killed card never forgets a failed try.

use crate::card_data::{self, Pins};
use crate::transport::Card;
use hanko_crypto::testpki::Pki;
use hanko_model::{CardModel, Output, Profile, Rule};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pss::Pss;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The state that outlives power cycles and restarts.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Persistent {
    tries: Vec<(String, u8)>,
    pins: Vec<(String, Vec<u8>)>,
}

pub struct VirtualCard {
    model: CardModel,
    pki: Arc<Pki>,
    rng: ChaCha20Rng,
    state_path: Option<PathBuf>,
    saved: Persistent,
    /// The rule behind the last answer, for traces.
    last_rule: Option<Rule>,
    /// The key that signed in the last answer, if it was a signature.
    last_signer: Option<&'static str>,
}

impl std::fmt::Debug for VirtualCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualCard")
            .field("profile", &self.model.profile.id)
            .field("state", &self.state_path)
            .finish_non_exhaustive()
    }
}

impl VirtualCard {
    /// A card of `profile` holding `pki`'s data and keys, with these PINs. Cards can share
    /// one `Arc<Pki>`: generating keys is the expensive part.
    pub fn new(pki: impl Into<Arc<Pki>>, profile: &'static Profile, pins: &Pins) -> Self {
        let pki = pki.into();
        let data = card_data::card_data(&pki, profile, pins);
        let model = CardModel::new(profile, data);
        let saved = persistent(&model);
        let mut seed = [0u8; 32];
        // Without entropy the card still works; its challenges are then merely unpredictable
        // to nobody, which only matters outside tests, so fall back to the clock.
        if getrandom::fill(&mut seed).is_err() {
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
            seed[..16].copy_from_slice(&t.to_le_bytes());
        }
        Self {
            model,
            pki,
            rng: ChaCha20Rng::from_seed(seed),
            state_path: None,
            saved,
            last_rule: None,
            last_signer: None,
        }
    }

    /// Keeps counters and changed PINs in `path`: loads it if it exists, and rewrites it
    /// atomically after every APDU that changes them.
    pub fn with_state(mut self, path: &Path) -> Result<Self, String> {
        if path.exists() {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let doc: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: not a state file: {e}", path.display()))?;
            if doc["profile"] != self.model.profile.id {
                return Err(format!(
                    "{}: state of {}, not of {}",
                    path.display(),
                    doc["profile"],
                    self.model.profile.id
                ));
            }
            for (pin, tries) in doc["tries"].as_object().into_iter().flatten() {
                let n = tries
                    .as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| format!("{}: bad count for {pin}", path.display()))?;
                self.model.set_tries(pin, n).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            for (pin, value) in doc["pins"].as_object().into_iter().flatten() {
                let v = value.as_str().ok_or_else(|| format!("{}: bad value for {pin}", path.display()))?;
                self.model.set_pin(pin, v.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        self.saved = persistent(&self.model);
        self.state_path = Some(path.to_path_buf());
        self.save()?;
        Ok(self)
    }

    /// Deterministic challenges and PSS salts, for reproducible tests and traces.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.rng = ChaCha20Rng::seed_from_u64(seed);
        self
    }

    pub fn model(&self) -> &CardModel {
        &self.model
    }

    pub fn pki(&self) -> &Pki {
        &self.pki
    }

    /// The rule of `spec/flow/card.json` behind the last answer.
    pub fn last_rule(&self) -> Option<Rule> {
        self.last_rule
    }

    /// The key file (or AP key) that signed in the last answer.
    pub fn last_signer(&self) -> Option<&'static str> {
        self.last_signer
    }

    fn save(&mut self) -> Result<(), String> {
        let Some(path) = &self.state_path else { return Ok(()) };
        let now = persistent(&self.model);
        let tries: serde_json::Map<String, serde_json::Value> =
            now.tries.iter().map(|(k, v)| (k.clone(), (*v).into())).collect();
        let pins: serde_json::Map<String, serde_json::Value> =
            now.pins.iter().map(|(k, v)| (k.clone(), String::from_utf8_lossy(v).into_owned().into())).collect();
        let doc = serde_json::json!({ "profile": self.model.profile.id, "tries": tries, "pins": pins });
        write_atomically(path, doc.to_string().as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
        self.saved = now;
        Ok(())
    }

    fn fill(pki: &Pki, profile: &Profile, rng: &mut ChaCha20Rng, output: &Output) -> Vec<u8> {
        match output {
            Output::Random(n) => {
                let mut b = vec![0u8; *n];
                rng.fill_bytes(&mut b);
                b
            }
            Output::Signature { key, p1, input } => {
                let Some(pair) = card_data::key_for(pki, profile, key) else { return Vec::new() };
                let private = pair.private_key();
                let signed = match p1 {
                    // The card pads exactly what it was sent (a DigestInfo, for real clients).
                    0x00 => private.sign(Pkcs1v15Sign::new_unprefixed(), input),
                    0x01 => private.sign(Pkcs1v15Sign::new_unprefixed(), &Sha256::digest(input)),
                    0x02 => private.sign(Pkcs1v15Sign::new::<Sha256>(), input),
                    0x03 => private.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(input)),
                    0x04 => private.sign_with_rng(rng, Pss::<Sha256>::new_with_salt(32), input),
                    _ => private.sign_with_rng(rng, Pss::<Sha256>::new_with_salt(32), &Sha256::digest(input)),
                };
                signed.unwrap_or_default()
            }
            Output::None | Output::Bytes(_) => Vec::new(),
        }
    }
}

/// Whether the model's counters or PINs differ from what was last saved, without building
/// a snapshot (this runs after every APDU).
fn changed(model: &CardModel, saved: &Persistent) -> bool {
    let tries = model.tries().iter().map(|(k, v)| (*k, *v)).ne(saved.tries.iter().map(|(k, v)| (k.as_str(), *v)));
    tries
        || model
            .pin_values()
            .map(|(k, v)| (k as &str, v))
            .ne(saved.pins.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
}

fn persistent(model: &CardModel) -> Persistent {
    Persistent {
        tries: model.tries().iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        pins: model.pin_values().map(|(k, v)| (k.to_string(), v.to_vec())).collect(),
    }
}

/// Replaces `path` so that a crash leaves either the old or the new contents, never a
/// mixture: write a sibling temporary file, flush it to disk, rename it over the old one,
/// then flush the directory so the rename itself survives a power cut.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("state"),
        std::process::id()
    ));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

impl Card for VirtualCard {
    fn power_on(&mut self) -> Vec<u8> {
        self.model.power_on()
    }

    fn power_off(&mut self) {
        self.model.power_off();
    }

    fn reset(&mut self) -> Vec<u8> {
        self.model.power_on()
    }

    fn process(&mut self, capdu: &[u8]) -> Vec<u8> {
        let (pki, profile, rng) = (&*self.pki, self.model.profile, &mut self.rng);
        let mut signer = None;
        let (rule, rapdu) = self.model.respond(capdu, &mut |o| {
            if let Output::Signature { key, .. } = o {
                signer = Some(*key);
            }
            Self::fill(pki, profile, rng, o)
        });
        self.last_rule = Some(rule);
        self.last_signer = signer;
        if changed(&self.model, &self.saved) {
            // A counter that cannot be saved must not be spent silently: answer "memory
            // failure" rather than pretend the try was recorded.
            if let Err(e) = self.save() {
                eprintln!("hanko sim: cannot save the card state: {e}");
                return vec![0x65, 0x81];
            }
        }
        rapdu
    }
}
