//! What the scheme-3 parties are made with: the UICC's identity and keys, and the keys the
//! parties share pairwise (all derived from the run's seed, so runs repeat byte for byte).
//! Nothing here is a real key: these are test keys of a simulation.

use crate::gp::keys::{KeyVersion, Protocol};
use crate::gp::ota::OtaKeySet;
use crate::gp::registry::Aid;
use crate::gp::{UiccConfig, ISD_AID};
use hanko_crypto::scp::KeySet;
use hanko_crypto::scp80::{Key, Keys};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

/// The subscriber's UICC (pattern `89…`, TS 102 221; a synthetic number).
pub const ICCID: &str = "89810000000000012345";
/// The JPKI applet's load file, module and instance (the instance has the card's JPKI AP AID,
/// so that every JPKI client finds it).
pub const APPLET_LOAD_FILE: &str = "D392F000260100";
pub const APPLET_MODULE: &str = "D392F00026010000";
pub const APPLET_AID: &str = "D392F000260100000001";
/// The SP-TSM's supplementary security domain (hanko's AID under J-LIS's RID).
pub const SSD_AID: &str = "D392F00026534401";
/// Key version numbers: the ISD's SCP02 and SCP03 keys, the SSD's first keys (from the
/// MNO-TSM) and the SP-TSM's own, which replace them.
pub const ISD_KVN_SCP02: u8 = 0x20;
pub const ISD_KVN_SCP03: u8 = 0x30;
pub const SSD_KVN_FIRST: u8 = 0x30;
pub const SSD_KVN_SP: u8 = 0x31;
/// The SCP80 key set the MNO-TSM uses: KIc/KID `12` (key set 1, AES-CBC / AES-CMAC).
pub const OTA_KEY_SET: u8 = 1;
pub const OTA_KIC: u8 = 0x12;
pub const OTA_KID: u8 = 0x12;
/// Non-volatile memory of the UICC for card content.
pub const UICC_MEMORY: usize = 128 * 1024;

/// The keys of a run.
#[derive(Clone, Debug)]
pub struct Setup {
    pub seed: u64,
    pub isd_scp02: KeySet,
    pub isd_scp03: KeySet,
    pub ota: Keys,
    /// The SSD's first keys, made by the MNO-TSM and handed to the SP-TSM.
    pub ssd_first: KeySet,
    /// The SP-TSM's own SSD keys.
    pub ssd_sp: KeySet,
    /// Transport key MNO-TSM → SP-TSM (the SSD keys travel under it).
    pub mno_sp: [u8; 16],
    /// Transport key J-LIS → SP-TSM (the sub key travels under it).
    pub jlis_sp: [u8; 16],
}

fn bytes<const N: usize>(rng: &mut ChaCha20Rng) -> [u8; N] {
    let mut b = [0u8; N];
    rng.fill_bytes(&mut b);
    b
}

fn key_set(rng: &mut ChaCha20Rng, len: usize) -> KeySet {
    let (e, m, d) = (bytes::<32>(rng), bytes::<32>(rng), bytes::<32>(rng));
    KeySet::new(&e[..len], &m[..len], &d[..len]).expect("16, 24 or 32 bytes")
}

impl Setup {
    pub fn new(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x5343_4845_4D45_3321);
        let isd_scp02 = key_set(&mut rng, 16);
        let isd_scp03 = key_set(&mut rng, 16);
        let (kic, kid) = (bytes::<16>(&mut rng), bytes::<16>(&mut rng));
        let ota = Keys { kic: Key::new(&kic).ok(), kid: Key::new(&kid).ok() };
        let ssd_first = key_set(&mut rng, 16);
        let ssd_sp = key_set(&mut rng, 32);
        Self { seed, isd_scp02, isd_scp03, ota, ssd_first, ssd_sp, mno_sp: bytes(&mut rng), jlis_sp: bytes(&mut rng) }
    }

    /// The UICC as the MNO had it made.
    pub fn uicc_config(&self) -> UiccConfig {
        UiccConfig {
            iccid: ICCID.into(),
            isd: Aid::hex(ISD_AID),
            isd_keys: vec![
                KeyVersion { kvn: ISD_KVN_SCP03, protocol: Protocol::Scp03, keys: self.isd_scp03.clone() },
                KeyVersion { kvn: ISD_KVN_SCP02, protocol: Protocol::Scp02, keys: self.isd_scp02.clone() },
            ],
            ota_keys: vec![OtaKeySet { number: OTA_KEY_SET, keys: self.ota.clone() }],
            memory: UICC_MEMORY,
            seed: self.seed,
        }
    }
}
