//! The phone's UICC as a GlobalPlatform card (GPC 2.3.1): the issuer security domain with its
//! SCP02 and SCP03 keys, supplementary security domains created by INSTALL, the registry, life
//! cycles and privileges, the card-content-management commands, and the JPKI applet instance
//! that scheme 3 loads and personalizes. Commands arrive on up to four logical channels (the
//! phone's OMAPI) or inside SCP80 packets (over the air, [`ota`]).
//!
//! The invariant the card keeps: nothing in the registry, no key and no life cycle changes
//! unless the command arrived through a secure channel open with the security domain that
//! processes it, at the level that command needs (C-MAC at least), or in an SCP80 packet whose
//! checksum and counter verified. Every command that changes anything works on a copy of the
//! card's persistent state and replaces it only when all its checks passed, so a refused
//! command leaves nothing half-written. Session counters are the exception by design: they
//! advance when a session starts, authenticated or not, so that no challenge repeats.
//!
//! Project choices where GlobalPlatform leaves room (each named where it is made): a missing
//! privilege answers `6982`; an AID already in the registry `6985`; the hanko load file format
//! (`load_file`); a new supplementary security domain receives its first key version from its
//! parent by INSTALL [for personalization] and STORE DATA DGI `0F01` (PUT KEY data format).

pub mod applet;
pub mod dek;
pub mod host_command;
pub mod keys;
pub mod load_file;
mod manager;
pub mod ota;
pub mod registry;
pub mod session;
mod status;
pub mod sw;
pub mod tlv;

pub use manager::{DGI_SD_KEY_VERSION, SSD_PRIVILEGES};

use applet::JpkiApplet;
use hanko_codec::CommandApdu;
use hanko_crypto::scp::scp02::{Scp02Card, Scp02CardParams};
use hanko_crypto::scp::scp03::{pseudo_random_card_challenge, Scp03Card, Scp03CardParams};
use hanko_crypto::scp::SecurityLevel;
use keys::{KeyVersion, Protocol, SdKeys};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use registry::{life_cycle, Aid, Code, Entry, Kind, Module, Privileges, Registry};
use session::{Pending, Protection, Session};
use std::collections::BTreeMap;

/// GlobalPlatform's default ISD AID.
pub const ISD_AID: &str = "A000000151000000";
/// The security domain load file every UICC carries from manufacture, and its module.
pub const SD_LOAD_FILE: &str = "A0000001515350";
pub const SD_MODULE: &str = "A000000151535041";
/// SCP02 implementation option of the ISD's SCP02 keys.
pub const SCP02_I: u8 = hanko_crypto::scp::scp02::I_55;
/// SCP03 implementation option: pseudo-random card challenge, R-MAC, R-ENCRYPTION. With a
/// pseudo-random challenge a TSM can compute a whole script ahead (RAM, OTA).
pub const SCP03_I: u8 = 0x70;
/// The logical channels a UICC offers: the basic channel and three more (ETSI TS 102 221).
pub const CHANNELS: usize = 4;
/// Key diversification data the card reports in INITIALIZE UPDATE.
pub const KDD: [u8; 10] = [0x00, 0x00, 0x48, 0x41, 0x4E, 0x4B, 0x4F, 0x55, 0x49, 0x43];

/// Decodes hex text (no separators); `None` if it is not hex.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

/// What a UICC is made with.
#[derive(Clone, Debug)]
pub struct UiccConfig {
    pub iccid: String,
    pub isd: Aid,
    /// The ISD's key versions.
    pub isd_keys: Vec<KeyVersion>,
    /// SCP80 key sets by key set number (the high nibble of KIc and KID), for the ISD's TAR.
    pub ota_keys: Vec<ota::OtaKeySet>,
    /// Non-volatile memory for load files and application quotas, in bytes.
    pub memory: usize,
    /// Seeds the card's randomness (SCP02 challenges, PSS salts).
    pub seed: u64,
}

/// The part of the card that survives power loss, replaced as a whole by each command that
/// succeeds.
#[derive(Clone, Debug)]
pub struct Persistent {
    pub registry: Registry,
    pub keys: BTreeMap<Aid, SdKeys>,
    pub applets: BTreeMap<Aid, JpkiApplet>,
    /// Issuer identification number and card image number (GET DATA `42`, `45`).
    pub iin: Vec<u8>,
    pub cin: Vec<u8>,
    /// The last SCP80 counter accepted, per key set.
    pub ota_counters: BTreeMap<u8, [u8; 5]>,
}

/// See [`Uicc::snapshot`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub registry: Registry,
    pub keys: Vec<(Aid, keys::KeySummary)>,
    pub applets: Vec<(Aid, Option<applet::AppletSummary>)>,
    pub iin: Vec<u8>,
    pub cin: Vec<u8>,
}

/// A LOAD sequence after INSTALL [for load].
#[derive(Clone, Debug)]
pub(crate) struct LoadInProgress {
    pub sd: Aid,
    pub load_file: Aid,
    pub associated_sd: Aid,
    pub hash: Vec<u8>,
    pub next_block: u8,
    pub data: Vec<u8>,
}

/// A STORE DATA sequence.
#[derive(Clone, Debug)]
pub(crate) struct StoreInProgress {
    pub next_block: u8,
    pub data: Vec<u8>,
}

/// The volatile state of one logical channel.
#[derive(Default)]
pub(crate) struct Channel {
    pub selected: Option<Aid>,
    pub pending: Option<(Aid, u8, Pending)>,
    pub session: Option<Session>,
    pub load: Option<LoadInProgress>,
    /// The application INSTALL [for personalization] named.
    pub personalizing: Option<Aid>,
    pub store: Option<StoreInProgress>,
    /// GET STATUS entries not yet sent: the P1 they answer and the encoded `E3` objects.
    pub status_rest: Option<(u8, Vec<Vec<u8>>)>,
}

impl Channel {
    fn selecting(aid: Option<Aid>) -> Self {
        Self { selected: aid, ..Self::default() }
    }

    /// The session ends (closed by a failure, a new INITIALIZE UPDATE, a new selection): what
    /// it authorized ends with it.
    pub fn end_session(&mut self) {
        self.session = None;
        self.load = None;
        self.personalizing = None;
        self.store = None;
    }

    /// The level of the open session with `sd`, if any.
    pub fn level_with(&self, sd: &Aid) -> Option<SecurityLevel> {
        self.session.as_ref().filter(|s| &s.sd == sd && s.is_open()).map(|s| s.level)
    }
}

/// The UICC.
pub struct Uicc {
    config: UiccConfig,
    state: Persistent,
    channels: Vec<Option<Channel>>,
    rng: ChaCha20Rng,
    /// The commands of an SCP80 packet run on this channel, never reachable by CLA.
    ota_channel: Channel,
}

impl std::fmt::Debug for Uicc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uicc")
            .field("iccid", &self.config.iccid)
            .field("registry", &self.state.registry)
            .finish_non_exhaustive()
    }
}

/// The answer `data ‖ SW`.
pub(crate) fn answer(data: Vec<u8>, sw: u16) -> Vec<u8> {
    let mut out = data;
    out.extend_from_slice(&sw::bytes(sw));
    out
}

fn status(sw: u16) -> Vec<u8> {
    sw::bytes(sw).to_vec()
}

impl Uicc {
    /// A UICC in life cycle SECURED whose registry holds the ISD and the security-domain load
    /// file.
    pub fn new(config: UiccConfig) -> Self {
        let mut registry = Registry::new(config.isd.clone(), life_cycle::CARD_SECURED);
        let sd_module = Module { aid: Aid::hex(SD_MODULE), code: Code::SecurityDomain };
        registry.insert(Entry {
            aid: Aid::hex(SD_LOAD_FILE),
            kind: Kind::LoadFile { modules: vec![sd_module], size: 0 },
            life_cycle: life_cycle::LOADED,
            privileges: Privileges::default(),
            associated_sd: config.isd.clone(),
            quota: 0,
        });
        let mut keys = BTreeMap::new();
        keys.insert(config.isd.clone(), SdKeys { versions: config.isd_keys.clone(), ..SdKeys::default() });
        let state = Persistent {
            registry,
            keys,
            applets: BTreeMap::new(),
            iin: Vec::new(),
            cin: Vec::new(),
            ota_counters: BTreeMap::new(),
        };
        let rng = ChaCha20Rng::seed_from_u64(config.seed ^ 0x5549_4343);
        let mut uicc = Self { config, state, channels: Vec::new(), rng, ota_channel: Channel::default() };
        uicc.reset_channels();
        uicc
    }

    pub fn config(&self) -> &UiccConfig {
        &self.config
    }

    /// The persistent state, for inspection.
    pub fn state(&self) -> &Persistent {
        &self.state
    }

    pub fn registry(&self) -> &Registry {
        &self.state.registry
    }

    pub fn applet(&self, aid: &[u8]) -> Option<&JpkiApplet> {
        self.state.applets.get(aid)
    }

    /// The level of the open session with `sd` on logical channel `channel`, if any.
    pub fn session_level(&self, channel: usize, sd: &Aid) -> Option<SecurityLevel> {
        self.channels.get(channel)?.as_ref()?.level_with(sd)
    }

    /// The security domain selected on `channel`, if an SD is selected there.
    pub fn selected(&self, channel: usize) -> Option<&Aid> {
        self.channels.get(channel)?.as_ref()?.selected.as_ref()
    }

    fn reset_channels(&mut self) {
        let isd = self.config.isd.clone();
        self.channels = (0..CHANNELS).map(|i| (i == 0).then(|| Channel::selecting(Some(isd.clone())))).collect();
        self.ota_channel = Channel::default();
    }

    /// Power on or reset: the basic channel alone, the ISD selected, no session.
    pub fn power_on(&mut self) -> Vec<u8> {
        self.reset_channels();
        for applet in self.state.applets.values_mut() {
            applet.deselect();
        }
        hanko_model::profile("uicc").map(|p| p.atr.to_vec()).unwrap_or_default()
    }

    /// One C-APDU on the logical channel its class byte names.
    pub fn process(&mut self, capdu: &[u8]) -> Vec<u8> {
        let [cla, ins, p1, ..] = *capdu else { return status(sw::WRONG_LENGTH) };
        // First interindustry classes (00–07) and GlobalPlatform's proprietary ones (80–87):
        // b3 secure messaging, b2b1 the logical channel.
        if cla & 0x78 != 0 {
            return status(sw::CLA_NOT_SUPPORTED);
        }
        let ch = usize::from(cla & 0x03);
        if self.channels[ch].is_none() {
            return status(sw::CHANNEL_NOT_OPEN);
        }
        if cla & 0x80 == 0 && cla & 0x04 == 0 {
            match (ins, p1) {
                (0x70, _) => return self.manage_channel(ch, capdu),
                (0xA4, 0x04) => return self.select(ch, capdu),
                _ => {}
            }
        }
        let Some(selected) = self.channels[ch].as_ref().and_then(|c| c.selected.clone()) else {
            return status(sw::CONDITIONS);
        };
        if let Some(applet) = self.state.applets.get_mut(&selected) {
            let mut plain = capdu.to_vec();
            plain[0] &= !0x03;
            return applet.process(&plain);
        }
        self.sd_command(ch, &selected, capdu)
    }

    /// MANAGE CHANNEL (ISO/IEC 7816-4 §11.1.2): open the lowest free channel or close one.
    fn manage_channel(&mut self, ch: usize, capdu: &[u8]) -> Vec<u8> {
        match capdu {
            [_, _, 0x00, 0x00, 0x01] | [_, _, 0x00, 0x00] => {
                let Some(free) = (1..CHANNELS).find(|&i| self.channels[i].is_none()) else {
                    return status(sw::NO_CHANNEL);
                };
                // The new channel starts with what the opening channel has selected.
                let selected = self.channels[ch].as_ref().and_then(|c| c.selected.clone());
                let selected =
                    selected.filter(|aid| !self.state.applets.contains_key(aid)).or(Some(self.config.isd.clone()));
                self.channels[free] = Some(Channel::selecting(selected));
                answer(vec![free as u8], sw::OK)
            }
            [_, _, 0x80, target, ..] if capdu.len() == 4 => {
                let target = usize::from(*target);
                if target == 0 || target >= CHANNELS {
                    return status(sw::WRONG_P1P2);
                }
                if self.channels[target].take().is_none() {
                    return status(sw::CHANNEL_NOT_OPEN);
                }
                status(sw::OK)
            }
            [_, _, 0x00 | 0x80, ..] => status(sw::WRONG_LENGTH),
            _ => status(sw::WRONG_P1P2),
        }
    }

    /// SELECT by AID (GPC §11.9): a security domain answers its FCI, an application is
    /// handed the SELECT. The first entry whose AID starts with the given bytes is chosen.
    fn select(&mut self, ch: usize, capdu: &[u8]) -> Vec<u8> {
        let Ok(cmd) = CommandApdu::parse(capdu) else { return status(sw::WRONG_LENGTH) };
        if !matches!(cmd.p2, 0x00 | 0x04 | 0x0C) {
            return status(sw::WRONG_P1P2);
        }
        let card = self.state.registry.card_state();
        if card == life_cycle::CARD_TERMINATED {
            return status(sw::NOT_FOUND);
        }
        let found = self.state.registry.entries().iter().find(|e| {
            e.aid.as_bytes().starts_with(cmd.data) && cmd.data.len() >= 5 && e.is_selectable() && !e.is_load_file()
        });
        let Some(entry) = found.cloned() else { return status(sw::NOT_FOUND) };
        let is_isd = matches!(entry.kind, Kind::Isd);
        if card == life_cycle::CARD_LOCKED && !is_isd {
            return status(sw::NOT_FOUND);
        }
        self.channels[ch] = Some(Channel::selecting(Some(entry.aid.clone())));
        if let Some(applet) = self.state.applets.get_mut(&entry.aid) {
            applet.deselect();
            let mut plain = capdu.to_vec();
            plain[0] &= !0x03;
            return applet.process(&plain);
        }
        let fci = if cmd.p2 == 0x0C { Vec::new() } else { fci(&entry.aid) };
        answer(fci, if is_isd && card == life_cycle::CARD_LOCKED { sw::CARD_LOCKED } else { sw::OK })
    }

    /// A command to the security domain `sd` selected on `ch`: secure messaging first, then
    /// the command.
    fn sd_command(&mut self, ch: usize, sd: &Aid, capdu: &[u8]) -> Vec<u8> {
        let (cla, ins) = (capdu[0], capdu[1]);
        let secure = cla & 0x04 != 0;
        if cla & 0x80 != 0 {
            match (ins, secure) {
                (0x50, false) => return self.initialize_update(ch, sd, capdu),
                (0x82, true) => return self.external_authenticate(ch, sd, capdu),
                _ => {}
            }
        }
        let Some(chan) = self.channels[ch].as_mut() else { return status(sw::CHANNEL_NOT_OPEN) };
        // Anything but EXTERNAL AUTHENTICATE abandons a started authentication.
        chan.pending = None;
        let plain = if secure {
            let Some(session) = chan.session.as_mut().filter(|s| &s.sd == sd && s.is_open()) else {
                chan.end_session();
                return status(sw::SECURITY_STATUS);
            };
            match session.unwrap_command(capdu) {
                Ok(plain) => plain,
                Err(e) => {
                    // Any secure messaging failure closes the session (GPC §10.?, Amendment D §6.2).
                    chan.end_session();
                    return status(e.status_word());
                }
            }
        } else {
            capdu.to_vec()
        };
        let Some(chan) = self.channels[ch].as_mut() else { return status(sw::CHANNEL_NOT_OPEN) };
        let (data, sw) = match dispatch(&mut self.state, chan, &self.config, sd, &plain, secure) {
            Ok((data, sw)) => (data, sw),
            Err(sw) => (Vec::new(), sw),
        };
        let rapdu = answer(data, sw);
        if !secure {
            return rapdu;
        }
        let Some(chan) = self.channels[ch].as_mut() else { return rapdu };
        match chan.session.as_mut() {
            Some(session) => match session.wrap_response(&rapdu) {
                Ok(wrapped) => wrapped,
                Err(e) => {
                    chan.end_session();
                    status(e.status_word())
                }
            },
            None => rapdu,
        }
    }

    /// INITIALIZE UPDATE: starts an authentication with one of `sd`'s key versions, ending any
    /// session on the channel.
    fn initialize_update(&mut self, ch: usize, sd: &Aid, capdu: &[u8]) -> Vec<u8> {
        let Some(chan) = self.channels[ch].as_mut() else { return status(sw::CHANNEL_NOT_OPEN) };
        chan.end_session();
        chan.pending = None;
        if self.state.registry.card_state() == life_cycle::CARD_TERMINATED {
            return status(sw::CONDITIONS);
        }
        let [_, _, kvn, ..] = *capdu else { return status(sw::WRONG_LENGTH) };
        let Some(store) = self.state.keys.get_mut(sd) else { return status(sw::REFERENCED_DATA_NOT_FOUND) };
        let Some(version) = store.find(kvn).cloned() else { return status(sw::REFERENCED_DATA_NOT_FOUND) };
        let result = match version.protocol {
            Protocol::Scp02 => {
                let mut card_challenge = [0u8; 6];
                self.rng.fill_bytes(&mut card_challenge);
                let params = Scp02CardParams {
                    kvn: version.kvn,
                    i: SCP02_I,
                    diversification_data: KDD,
                    sequence_counter: store.scp02_counter,
                    card_challenge,
                };
                Scp02Card::initialize_update(&version.keys, &params, capdu).map(|(c, r)| (Pending::Scp02(c), r))
            }
            Protocol::Scp03 => {
                if store.scp03_counter >= 0xFF_FFFF {
                    return status(sw::CONDITIONS);
                }
                let counter = store.scp03_counter + 1;
                let c = counter.to_be_bytes();
                let sequence = [c[1], c[2], c[3]];
                let Ok(card_challenge) = pseudo_random_card_challenge(&version.keys, sequence, sd.as_bytes()) else {
                    return status(sw::CONDITIONS);
                };
                let params = Scp03CardParams {
                    kvn: version.kvn,
                    i: SCP03_I,
                    diversification_data: KDD,
                    card_challenge,
                    sequence_counter: Some(sequence),
                };
                let result = Scp03Card::initialize_update(&version.keys, &params, capdu);
                if result.is_ok() {
                    // Spent whatever follows: a challenge is never given twice.
                    store.scp03_counter = counter;
                }
                result.map(|(c, r)| (Pending::Scp03(c), r))
            }
        };
        match result {
            Ok((pending, rapdu)) => {
                chan.pending = Some((sd.clone(), version.kvn, pending));
                rapdu
            }
            Err(e) => status(e.status_word()),
        }
    }

    /// EXTERNAL AUTHENTICATE: completes the authentication INITIALIZE UPDATE started.
    fn external_authenticate(&mut self, ch: usize, sd: &Aid, capdu: &[u8]) -> Vec<u8> {
        let Some(chan) = self.channels[ch].as_mut() else { return status(sw::CHANNEL_NOT_OPEN) };
        let Some((pending_sd, kvn, pending)) = chan.pending.take() else { return status(sw::CONDITIONS) };
        if &pending_sd != sd {
            return status(sw::CONDITIONS);
        }
        let opened = match pending {
            Pending::Scp02(card) => card.external_authenticate(capdu).map(|(s, r)| {
                let level = hanko_crypto::scp::CardChannel::security_level(&s);
                (Protection::Scp02(Box::new(s)), level, r)
            }),
            Pending::Scp03(card) => card.external_authenticate(capdu).map(|(s, r)| {
                let level = hanko_crypto::scp::CardChannel::security_level(&s);
                (Protection::Scp03(Box::new(s)), level, r)
            }),
        };
        match opened {
            Ok((protection, level, rapdu)) => {
                if let (Protection::Scp02(_), Some(store)) = (&protection, self.state.keys.get_mut(sd)) {
                    store.scp02_counter = store.scp02_counter.wrapping_add(1);
                }
                chan.session = Some(Session { sd: sd.clone(), kvn, level, protection });
                rapdu
            }
            Err(e) => status(e.status_word()),
        }
    }

    /// What the invariant protects, in comparable form: the registry (life cycles included),
    /// every security domain's key versions (as check values), what each applet stores, and
    /// the issuer data. Counters are left out: they move with every session by design.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            registry: self.state.registry.clone(),
            keys: self.state.keys.iter().map(|(aid, k)| (aid.clone(), k.summary())).collect(),
            applets: self.state.applets.iter().map(|(aid, a)| (aid.clone(), a.summary())).collect(),
            iin: self.state.iin.clone(),
            cin: self.state.cin.clone(),
        }
    }

    /// A security domain's keys (KVN, protocol, check values), for inspection.
    pub fn key_summary(&self, sd: &[u8]) -> Option<keys::KeySummary> {
        self.state.keys.get(sd).map(SdKeys::summary)
    }
}

/// The plain command to a security domain. `wrapped`: it arrived under secure messaging (or
/// in a verified SCP80 packet).
pub(crate) fn dispatch(
    state: &mut Persistent,
    chan: &mut Channel,
    config: &UiccConfig,
    sd: &Aid,
    plain: &[u8],
    wrapped: bool,
) -> Result<(Vec<u8>, u16), u16> {
    let cmd = CommandApdu::parse(plain).map_err(|_| sw::WRONG_LENGTH)?;
    if cmd.case.is_extended() {
        return Err(sw::WRONG_LENGTH);
    }
    let gp_class = cmd.cla & 0x80 != 0;
    match cmd.ins {
        0xCA | 0xCB => get_data(state, sd, &cmd),
        0xF2 | 0xE6 | 0xE8 | 0xE4 | 0xF0 | 0xD8 | 0xE2 if !gp_class => Err(sw::CLA_NOT_SUPPORTED),
        0xF2 | 0xE6 | 0xE8 | 0xE4 | 0xF0 | 0xD8 | 0xE2 => run_command(state, chan, config, sd, &cmd, wrapped),
        _ => Err(sw::INS_NOT_SUPPORTED),
    }
}

/// GET DATA (GPC §11.3): card data, key information, IIN, CIN, KDD, sequence counter.
/// Needs no session.
fn get_data(state: &Persistent, sd: &Aid, cmd: &CommandApdu<'_>) -> Result<(Vec<u8>, u16), u16> {
    let keys = state.keys.get(sd);
    let tag = u16::from_be_bytes([cmd.p1, cmd.p2]);
    let mut out = Vec::new();
    match tag {
        0x0066 => out = card_data(),
        0x00E0 => out = keys::key_information(keys.ok_or(sw::REFERENCED_DATA_NOT_FOUND)?),
        0x0042 if !state.iin.is_empty() => tlv::push(&mut out, 0x42, &state.iin),
        0x0045 if !state.cin.is_empty() => tlv::push(&mut out, 0x45, &state.cin),
        0x00CF => tlv::push(&mut out, 0xCF, &KDD),
        0x00C1 => {
            let k = keys.ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
            match k.versions.first().map(|v| v.protocol) {
                Some(Protocol::Scp02) => tlv::push(&mut out, 0xC1, &k.scp02_counter.to_be_bytes()),
                Some(Protocol::Scp03) => tlv::push(&mut out, 0xC1, &k.scp03_counter.to_be_bytes()[1..]),
                None => return Err(sw::REFERENCED_DATA_NOT_FOUND),
            }
        }
        _ => return Err(sw::REFERENCED_DATA_NOT_FOUND),
    }
    Ok((out, sw::OK))
}

/// Runs a card-content-management command on a copy of the persistent state and keeps the
/// copy only if the command succeeded.
fn run_command(
    state: &mut Persistent,
    chan: &mut Channel,
    config: &UiccConfig,
    sd: &Aid,
    cmd: &CommandApdu<'_>,
    wrapped: bool,
) -> Result<(Vec<u8>, u16), u16> {
    // Every command here needs the session with this SD at C-MAC at least (project rule: the
    // same minimum for the ISD and every SSD; STORE DATA and PUT KEY keys are DEK-encrypted
    // on top).
    let level = chan.level_with(sd).ok_or(sw::SECURITY_STATUS)?;
    if !wrapped || !level.contains(SecurityLevel::C_MAC) {
        return Err(sw::SECURITY_STATUS);
    }
    let mut next = state.clone();
    let result = manager::command(&mut next, chan, config, sd, cmd);
    if result.is_ok() {
        *state = next;
    }
    result
}

/// The FCI of a security domain (GPC §11.9.3.1): `6F { 84 AID, A5 { 73 {…}, 9F65 FF } }`.
fn fci(aid: &Aid) -> Vec<u8> {
    let mut a5 = Vec::new();
    tlv::push(&mut a5, 0x73, &security_domain_management_data());
    tlv::push(&mut a5, 0x9F65, &[0xFF]);
    let mut body = Vec::new();
    tlv::push(&mut body, 0x84, aid.as_bytes());
    tlv::push(&mut body, 0xA5, &a5);
    let mut out = Vec::new();
    tlv::push(&mut out, 0x6F, &body);
    out
}

/// OIDs of the card recognition data (GPC Annex H).
fn security_domain_management_data() -> Vec<u8> {
    // 1.2.840.114283 = 2A 86 48 86 FC 6B.
    const GP: [u8; 6] = [0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B];
    let oid = |tail: &[u8]| {
        let mut v = GP.to_vec();
        v.extend_from_slice(tail);
        v
    };
    let mut out = Vec::new();
    tlv::push(&mut out, 0x06, &oid(&[0x01]));
    let mut wrap = |tag: u16, tail: &[u8]| {
        let mut inner = Vec::new();
        tlv::push(&mut inner, 0x06, &oid(tail));
        tlv::push(&mut out, tag, &inner);
    };
    // GP 2.3.1, SCP02 i=55, SCP03 i=70.
    wrap(0x60, &[0x02, 0x02, 0x03, 0x01]);
    wrap(0x64, &[0x04, 0x02, SCP02_I]);
    wrap(0x64, &[0x04, 0x03, SCP03_I]);
    out
}

/// Card data (GET DATA `66`): `66 { 73 { … } }`.
fn card_data() -> Vec<u8> {
    let mut inner = Vec::new();
    tlv::push(&mut inner, 0x73, &security_domain_management_data());
    let mut out = Vec::new();
    tlv::push(&mut out, 0x66, &inner);
    out
}

impl crate::transport::Card for Uicc {
    fn power_on(&mut self) -> Vec<u8> {
        Uicc::power_on(self)
    }

    fn power_off(&mut self) {
        Uicc::power_on(self);
    }

    fn reset(&mut self) -> Vec<u8> {
        Uicc::power_on(self)
    }

    fn process(&mut self, capdu: &[u8]) -> Vec<u8> {
        Uicc::process(self, capdu)
    }
}
