//! The MNO-TSM (`s3i.machine.mno_tsm`): owner of the UICC's issuer security domain. On the
//! SP-TSM's DeployService request it creates the SSD and gives it its first keys, loads the
//! JPKI applet's load file, installs the instance and extradites it to the SSD — one script,
//! sent either as SCP80 command packets (OTA, remote APDUs in the expanded format) or as an
//! SCP03 script for the phone's TSM proxy (RAM over HTTP, GP SE RAM) — and hands the SSD's keys
//! to the SP-TSM wrapped under their transport key (GP Systems Messaging CreateFirstSSDKeyset).

use super::script::{expanded, responses_of, Scp03Script};
use super::setup::{self, Setup};
use crate::gp::host_command::install;
use crate::gp::keys::{put_key_data, KeyCipher, Protocol};
use crate::gp::load_file::{self, build_install_params};
use crate::gp::registry::{Aid, Code};
use crate::gp::{dek, ota, DGI_SD_KEY_VERSION, ISD_AID, SD_LOAD_FILE, SD_MODULE, SSD_PRIVILEGES};
use hanko_codec::generated::tsm::Scp80ResponseStatus;
use hanko_codec::ota::params::Spi;
use hanko_crypto::scp::{ScpError, SecurityLevel};
use hanko_crypto::scp80;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

/// How the install script reaches the UICC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstallVia {
    /// SCP80 command packets (what an SMS-PP download carries; here the phone relays them).
    Ota,
    /// An SCP03 script the TSM proxy plays over an OMAPI logical channel.
    Ram,
}

/// `s3i.machine.mno_tsm`'s states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Idle,
    Installing,
    Installed,
    Failed,
}

/// SPI of the MNO-TSM's packets: CC, ciphering, counter must be higher; PoR always, with CC,
/// ciphered (TS 102 225 §5.1.1).
pub const SPI: [u8; 2] = [0x16, 0x19];
/// Script bytes per command packet.
const PACKET_SCRIPT: usize = 600;
/// LOAD block size: room for C-MAC and C-DECRYPTION padding in a short APDU.
const LOAD_BLOCK: usize = 200;
/// Stand-in code bytes of the applet's load file.
const APPLET_CODE_LEN: usize = 1500;

/// What the last install script was, to check the answers against.
enum Sent {
    Ota { packets: Vec<Vec<u8>> },
    Ram { session: Scp03Script, plain: Vec<Vec<u8>> },
}

pub struct MnoTsm {
    setup: Setup,
    pub state: State,
    pub via: InstallVia,
    /// The last SCP80 counter used with key set 1.
    pub ota_counter: u64,
    /// The last SCP03 sequence counter of the ISD this TSM knows of.
    pub isd_counter: u32,
    rng: ChaCha20Rng,
    sent: Option<Sent>,
}

/// The JPKI applet's load file data block.
pub fn applet_load_file() -> Vec<u8> {
    load_file::build(&[(Aid::hex(setup::APPLET_MODULE), Code::JpkiApplet)], APPLET_CODE_LEN)
}

impl MnoTsm {
    pub fn new(setup: Setup, via: InstallVia) -> Self {
        let rng = ChaCha20Rng::seed_from_u64(setup.seed ^ 0x4D4E_4F54_534D);
        Self { setup, state: State::Idle, via, ota_counter: 0, isd_counter: 0, rng, sent: None }
    }

    /// The plain commands of the deployment: create the SSD and give it its first keys, load
    /// and install the applet, extradite it to the SSD. `encrypt` is the ISD's DEK.
    fn install_commands(&self, encrypt: &KeyCipher<'_>) -> Result<Vec<Vec<u8>>, ScpError> {
        let ssd = Aid::hex(setup::SSD_AID);
        let (elf, module, applet) =
            (Aid::hex(setup::APPLET_LOAD_FILE), Aid::hex(setup::APPLET_MODULE), Aid::hex(setup::APPLET_AID));
        let none: &[u8] = &[];
        let mut out = vec![
            install(
                0x0C,
                &[
                    Aid::hex(SD_LOAD_FILE).as_bytes(),
                    Aid::hex(SD_MODULE).as_bytes(),
                    ssd.as_bytes(),
                    &SSD_PRIVILEGES,
                    &build_install_params(&[], 0x0400),
                    none,
                ],
            ),
            install(0x20, &[none, none, ssd.as_bytes(), none, none, none]),
        ];
        let keys = put_key_data(setup::SSD_KVN_FIRST, Protocol::Scp03, &self.setup.ssd_first, encrypt)?;
        let mut dgi = Vec::new();
        crate::gp::applet::push_dgi(&mut dgi, DGI_SD_KEY_VERSION, &keys);
        let mut store = vec![0x80, 0xE2, 0x88, 0x00, dgi.len() as u8];
        store.extend_from_slice(&dgi);
        out.push(store);
        let lf = applet_load_file();
        let hash = Sha256::digest(&lf);
        let mut load_params = Vec::new();
        let mut ef = Vec::new();
        crate::gp::tlv::push(&mut ef, 0xC6, &(lf.len() as u16).to_be_bytes());
        crate::gp::tlv::push(&mut load_params, 0xEF, &ef);
        out.push(install(0x02, &[elf.as_bytes(), none, &hash, &load_params, none]));
        let data = load_file::load_command_data(&lf);
        let blocks: Vec<&[u8]> = data.chunks(LOAD_BLOCK).collect();
        for (i, block) in blocks.iter().enumerate() {
            let last = i + 1 == blocks.len();
            let mut cmd = vec![0x80, 0xE8, if last { 0x80 } else { 0x00 }, i as u8, block.len() as u8];
            cmd.extend_from_slice(block);
            out.push(cmd);
        }
        out.push(install(
            0x0C,
            &[elf.as_bytes(), module.as_bytes(), applet.as_bytes(), &[0x00], &build_install_params(&[], 0x1000), none],
        ));
        out.push(install(0x10, &[ssd.as_bytes(), none, applet.as_bytes(), none, none, none]));
        Ok(out)
    }

    /// `s3i.sp_tsm.deploy_request`: the install script for `iccid`, or `None` (with the state
    /// Failed) when the ICCID is not this MNO's subscriber.
    pub fn deploy_request(&mut self, iccid: &str) -> Option<Vec<u8>> {
        match self.state {
            State::Idle => {}
            // Installed: idempotent, nothing is installed twice; Failed stays failed.
            _ => return None,
        }
        if iccid != setup::ICCID {
            self.state = State::Failed;
            return None;
        }
        let script = match self.via {
            InstallVia::Ota => self.ota_script(),
            InstallVia::Ram => self.ram_script(),
        };
        match script {
            Ok(s) => {
                self.state = State::Installing;
                Some(s)
            }
            Err(_) => {
                self.state = State::Failed;
                None
            }
        }
    }

    /// One SCP80 packet to the ISD with the next counter, carrying `commands` as an expanded
    /// remote APDU script.
    fn packet(&mut self, commands: &[Vec<u8>]) -> Result<Vec<u8>, ScpError> {
        self.ota_counter += 1;
        let counter = self.ota_counter.to_be_bytes();
        let script = expanded(commands);
        let params = scp80::CommandParams {
            udh: true,
            spi: Spi(SPI),
            kic: setup::OTA_KIC,
            kid: setup::OTA_KID,
            tar: ota::TAR_ISD,
            counter: [counter[3], counter[4], counter[5], counter[6], counter[7]],
            data: &script,
        };
        scp80::protect_command(&params, &self.setup.ota).map_err(|_| ScpError::TooLong {
            what: "SCP80 packet",
            max: 0xFFFF,
            found: script.len(),
        })
    }

    /// A packet of routine administration (outside the deployment), as the MNO sends now
    /// and then.
    pub fn admin_packet(&mut self, commands: &[Vec<u8>]) -> Option<Vec<u8>> {
        self.packet(commands).ok()
    }

    /// The deployment as SCP80 packets, each with the next counter.
    fn ota_script(&mut self) -> Result<Vec<u8>, ScpError> {
        let dek_key = self.setup.isd_scp03.dek().to_vec();
        let commands = self.install_commands(&|d| dek::encrypt(&dek_key, d))?;
        let mut packets = Vec::new();
        let mut chunk: Vec<Vec<u8>> = Vec::new();
        for c in commands {
            if !chunk.is_empty() && chunk.iter().map(Vec::len).sum::<usize>() + c.len() > PACKET_SCRIPT {
                packets.push(self.packet(&chunk)?);
                chunk.clear();
            }
            chunk.push(c);
        }
        if !chunk.is_empty() {
            packets.push(self.packet(&chunk)?);
        }
        let out = packets.concat();
        self.sent = Some(Sent::Ota { packets });
        Ok(out)
    }

    /// The deployment as an SCP03 script with the ISD (level 33, checked afterwards).
    fn ram_script(&mut self) -> Result<Vec<u8>, ScpError> {
        let mut host_challenge = [0u8; 8];
        self.rng.fill_bytes(&mut host_challenge);
        let session = Scp03Script {
            keys: self.setup.isd_scp03.clone(),
            kvn: setup::ISD_KVN_SCP03,
            sd: Aid::hex(ISD_AID),
            counter: self.isd_counter + 1,
            host_challenge,
            level: SecurityLevel::MAC_ENC_RMAC_RENC,
        };
        let (script, plain) = session.build(|s| self.install_commands(&|d| s.encrypt_key(d)))?;
        self.isd_counter += 1;
        self.sent = Some(Sent::Ram { session, plain });
        Ok(expanded(&script))
    }

    /// Checks the answers the TSM proxy brings back: every PoR (or the script's R-MACs)
    /// verifies and every command succeeded.
    pub fn answers_verify(&self, answers: &[u8]) -> bool {
        match &self.sent {
            Some(Sent::Ota { packets }) => {
                let Some(pors) = split_pors(answers) else { return false };
                pors.len() == packets.len()
                    && pors.iter().all(|por| {
                        match scp80::verify_response(por, Spi(SPI), setup::OTA_KIC, setup::OTA_KID, &self.setup.ota) {
                            Ok(v) => {
                                v.status == Scp80ResponseStatus::PorOk
                                    && responses_of(&v.data)
                                        .is_some_and(|rs| rs.iter().all(|r| r.ends_with(&[0x90, 0x00])))
                            }
                            Err(_) => false,
                        }
                    })
            }
            Some(Sent::Ram { session, plain }) => match responses_of(answers) {
                Some(rs) => session.check(plain, &rs).is_ok_and(|plain_rs| {
                    plain_rs.len() == plain.len() && plain_rs.iter().all(|r| r.ends_with(&[0x90, 0x00]))
                }),
                None => false,
            },
            None => false,
        }
    }

    /// `s3i.tsm_proxy.install_report`: the DeployService result, with the SSD keys wrapped for
    /// the SP-TSM when the applet is installed.
    pub fn install_report(&mut self, status: &str, answers: &[u8]) -> (bool, Vec<u8>) {
        if self.state != State::Installing {
            return (self.state == State::Installed, Vec::new());
        }
        if status == "ok" && self.answers_verify(answers) {
            self.state = State::Installed;
            (true, self.wrapped_ssd_keys())
        } else {
            self.state = State::Failed;
            (false, Vec::new())
        }
    }

    /// KVN ‖ ENC ‖ MAC ‖ DEK under the MNO→SP transport key, after the key-encryption-key byte.
    fn wrapped_ssd_keys(&self) -> Vec<u8> {
        let k = &self.setup.ssd_first;
        let mut plain = vec![setup::SSD_KVN_FIRST];
        plain.extend_from_slice(k.enc());
        plain.extend_from_slice(k.mac());
        plain.extend_from_slice(k.dek());
        let mut wrapped = vec![super::KEK_SP_TSM];
        wrapped.extend(dek::wrap(&self.setup.mno_sp, &plain).unwrap_or_default());
        zeroize::Zeroize::zeroize(&mut plain);
        wrapped
    }
}

/// Splits concatenated PoRs (each `02 71 00 RPL …`).
pub fn split_pors(mut bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let [0x02, 0x71, 0x00, h, l, ..] = *bytes else { return None };
        let len = 5 + usize::from(u16::from_be_bytes([h, l]));
        if bytes.len() < len {
            return None;
        }
        out.push(&bytes[..len]);
        bytes = &bytes[len..];
    }
    Some(out)
}
