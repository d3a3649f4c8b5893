//! The SP-TSM (`s3i.machine.sp_tsm`): holds J-LIS's storage permission, asks the MNO-TSM to
//! deploy the applet, and stores J-LIS's SP data — the sub key pair and certificate — into the
//! applet through its SSD, under SCP03, in a script the TSM proxy plays. The key is unwrapped
//! only inside this TSM (its "HSM") and travels to the card encrypted under the SSD's DEK
//! (DGIs 8121–8125). The script starts with PUT KEY: the SP-TSM replaces the first SSD keys the
//! MNO-TSM made with its own, so the MNO-TSM cannot personalize the SSD afterwards.

use super::jlis::{self, SpData};
use super::script::{expanded, responses_of, Scp03Script};
use super::setup::{self, Setup};
use crate::gp::applet::{dgi_stream, store_data_blocks};
use crate::gp::dek;
use crate::gp::keys::{put_key_data, KeyCipher, Protocol};
use crate::gp::registry::Aid;
use hanko_crypto::scp::{KeySet, ScpError, SecurityLevel};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use rsa::PrivateKey as RsaPrivateKey;

/// `s3i.machine.sp_tsm`'s states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Idle,
    Permitted,
    Holding,
    Ready,
    Personalizing,
    Done,
    Failed,
}

/// STORE DATA block size: room for C-MAC and C-DECRYPTION padding in a short APDU.
const STORE_BLOCK: usize = 200;

/// The SP data, unwrapped.
struct Held {
    application: String,
    iccid: String,
    key: RsaPrivateKey,
    pin: Vec<u8>,
    certificate: Vec<u8>,
}

pub struct SpTsm {
    setup: Setup,
    pub state: State,
    /// ② permission: application and ICCID.
    pub permission: Option<(String, String)>,
    /// The SSD keys in use: KVN and keys.
    ssd: Option<(u8, KeySet)>,
    /// The SSD's last SCP03 sequence counter this TSM knows of (a new SSD starts at 0).
    pub ssd_counter: u32,
    held: Option<Held>,
    sub_ca: Vec<u8>,
    rng: ChaCha20Rng,
    sent: Option<(Scp03Script, Vec<Vec<u8>>)>,
    /// Personalize as soon as the SP data arrive, without waiting for the deployment (the
    /// misbehaviour of the refusal run "personalization before installation").
    pub eager: bool,
}

/// What the SP-TSM does with SP data or a deployment result.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Nothing,
    /// `s3i.sp_tsm.stored` with this status.
    Stored(&'static str),
    /// `s3i.sp_tsm.personalize_script`: the script and the re-wrapped key.
    Personalize {
        script: Vec<u8>,
        key: Vec<u8>,
    },
}

impl SpTsm {
    pub fn new(setup: Setup, sub_ca: Vec<u8>) -> Self {
        let rng = ChaCha20Rng::seed_from_u64(setup.seed ^ 0x0053_5054_534D);
        Self {
            setup,
            state: State::Idle,
            permission: None,
            ssd: None,
            ssd_counter: 0,
            held: None,
            sub_ca,
            rng,
            sent: None,
            eager: false,
        }
    }

    /// ② storage permission: ask the MNO-TSM to deploy (DeployService), unless eager.
    pub fn storage_permission(&mut self, application: &str, iccid: &str) -> Option<(String, Aid)> {
        if self.state != State::Idle {
            return None;
        }
        self.permission = Some((application.into(), iccid.into()));
        self.state = State::Permitted;
        (!self.eager).then(|| (iccid.to_string(), Aid::hex(setup::APPLET_AID)))
    }

    /// The MNO-TSM's DeployService result with the SSD keys.
    pub fn deploy_result(&mut self, ok: bool, ssd_keys: &[u8]) -> Next {
        let keys = if ok { self.unwrap_ssd_keys(ssd_keys) } else { None };
        match (self.state, keys) {
            (State::Permitted, Some(k)) => {
                self.ssd = Some(k);
                self.state = State::Ready;
                Next::Nothing
            }
            (State::Holding, Some(k)) => {
                self.ssd = Some(k);
                self.personalize()
            }
            (State::Permitted, None) => {
                self.state = State::Failed;
                Next::Nothing
            }
            (State::Holding, None) => {
                self.state = State::Failed;
                self.held = None;
                Next::Stored("failed")
            }
            _ => Next::Nothing,
        }
    }

    fn unwrap_ssd_keys(&self, wrapped: &[u8]) -> Option<(u8, KeySet)> {
        let [super::KEK_SP_TSM, wrapped @ ..] = wrapped else { return None };
        let plain = zeroize::Zeroizing::new(dek::unwrap(&self.setup.mno_sp, wrapped).ok()?);
        let (&kvn, keys) = plain.split_first()?;
        if keys.len() % 3 != 0 {
            return None;
        }
        let n = keys.len() / 3;
        Some((kvn, KeySet::new(&keys[..n], &keys[n..2 * n], &keys[2 * n..]).ok()?))
    }

    /// ⑥ SP data from J-LIS.
    pub fn sp_data(&mut self, data: &SpData) -> Next {
        let permitted = self.permission.as_ref().is_some_and(|(a, i)| *a == data.application && *i == data.iccid);
        if !permitted {
            return if self.state == State::Failed { Next::Stored("failed") } else { Next::Stored("not_permitted") };
        }
        let Some((pkcs8, pin)) = jlis::unwrap_sp_key(&self.setup.jlis_sp, &data.key) else {
            self.state = State::Failed;
            return Next::Stored("failed");
        };
        use rsa::pkcs8::DecodePrivateKey;
        let Ok(key) = RsaPrivateKey::from_pkcs8_der(&pkcs8) else {
            self.state = State::Failed;
            return Next::Stored("failed");
        };
        let held = Held {
            application: data.application.clone(),
            iccid: data.iccid.clone(),
            key,
            pin,
            certificate: data.certificate.clone(),
        };
        match self.state {
            State::Failed => Next::Stored("failed"),
            State::Permitted if self.eager => {
                // The misbehaviour: no deployment asked for, the first SSD keys assumed.
                self.held = Some(held);
                self.ssd = Some((setup::SSD_KVN_FIRST, self.setup.ssd_first.clone()));
                self.personalize()
            }
            State::Permitted => {
                self.held = Some(held);
                self.state = State::Holding;
                Next::Nothing
            }
            State::Ready => {
                self.held = Some(held);
                self.personalize()
            }
            _ => Next::Nothing,
        }
    }

    /// The personalization script (SCP03 at level 33 with the SSD) and the key as re-wrapped
    /// for it (the encrypted CRT DGIs).
    fn personalize(&mut self) -> Next {
        let mut host_challenge = [0u8; 8];
        self.rng.fill_bytes(&mut host_challenge);
        let (Some(held), Some((kvn, keys))) = (&self.held, &self.ssd) else { return Next::Nothing };
        let session = Scp03Script {
            keys: keys.clone(),
            kvn: *kvn,
            sd: Aid::hex(setup::SSD_AID),
            counter: self.ssd_counter + 1,
            host_challenge,
            level: SecurityLevel::MAC_ENC_RMAC_RENC,
        };
        let mut wrapped_key = vec![super::KEK_SSD_DEK];
        let built =
            session.build(|s| commands(held, &self.sub_ca, &self.setup, &|d| s.encrypt_key(d), &mut wrapped_key));
        match built {
            Ok((script, plain)) => {
                self.ssd_counter += 1;
                self.sent = Some((session, plain));
                self.state = State::Personalizing;
                Next::Personalize { script: expanded(&script), key: wrapped_key }
            }
            Err(_) => {
                self.state = State::Failed;
                Next::Stored("failed")
            }
        }
    }

    /// `s3i.tsm_proxy.personalize_report`: the storage result for J-LIS. The answers are
    /// checked too (R-MACs, every command `9000`).
    pub fn personalize_report(&mut self, status: &str, answers: &[u8]) -> Next {
        if self.state != State::Personalizing {
            return Next::Nothing;
        }
        let verified = match (&self.sent, responses_of(answers)) {
            (Some((session, plain)), Some(rs)) => session.check(plain, &rs).is_ok_and(|plain_rs| {
                plain_rs.len() == plain.len() && plain_rs.iter().all(|r| r.ends_with(&[0x90, 0x00]))
            }),
            _ => false,
        };
        self.held = None;
        if status == "ok" && verified {
            self.state = State::Done;
            // The SSD now holds this TSM's own keys.
            self.ssd = Some((setup::SSD_KVN_SP, self.setup.ssd_sp.clone()));
            Next::Stored("ok")
        } else {
            self.state = State::Failed;
            Next::Stored("failed")
        }
    }

    /// Whether it still holds SP data (a key) it has not stored.
    pub fn holds_key(&self) -> bool {
        self.held.is_some()
    }

    /// The application the SP data are for.
    pub fn held_application(&self) -> Option<(&str, &str)> {
        self.held.as_ref().map(|h| (h.application.as_str(), h.iccid.as_str()))
    }
}

/// The plain personalization commands: PUT KEY of the SP-TSM's own SSD keys, INSTALL [for
/// personalization] of the applet, STORE DATA of the DGIs in blocks.
fn commands(
    held: &Held,
    sub_ca: &[u8],
    setup: &Setup,
    encrypt: &KeyCipher<'_>,
    wrapped_key: &mut Vec<u8>,
) -> Result<Vec<Vec<u8>>, ScpError> {
    let applet = Aid::hex(setup::APPLET_AID);
    let mut install = vec![0x80, 0xE6, 0x20, 0x00, 0x00, 0x00, 0x00];
    install.push(applet.as_bytes().len() as u8);
    install.extend_from_slice(applet.as_bytes());
    install.extend_from_slice(&[0x00, 0x00, 0x00]);
    install[4] = (install.len() - 5) as u8;
    install.push(0x00);
    let (stream, key_parts) = dgi_stream(&held.key, &held.certificate, sub_ca, &held.pin, encrypt)?;
    wrapped_key.extend_from_slice(&key_parts);
    // PUT KEY first: if anything after it fails, the SSD merely holds the SP-TSM's keys; the
    // last STORE DATA block is the one that commits the applet's data.
    let mut put_key = vec![0x80, 0xD8, setup::SSD_KVN_FIRST, 0x81];
    let data = put_key_data(setup::SSD_KVN_SP, Protocol::Scp03, &setup.ssd_sp, encrypt)?;
    put_key.push(data.len() as u8);
    put_key.extend_from_slice(&data);
    put_key.push(0x00);
    let mut out = vec![put_key, install];
    out.extend(store_data_blocks(&stream, STORE_BLOCK));
    Ok(out)
}
