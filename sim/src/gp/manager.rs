//! The card-content-management commands of a security domain (GPC 2.3.1 ch. 11): INSTALL in
//! its forms, LOAD, DELETE, SET STATUS, PUT KEY, STORE DATA and GET STATUS. Each runs on a
//! copy of the persistent state (`next`) that the caller keeps only on success; the session's
//! level was checked before. Errors are status words.

use super::applet::{self, JpkiApplet};
use super::keys::{self, SdKeys};
use super::load_file;
use super::registry::{life_cycle, privilege, Aid, Code, Entry, Kind, Privileges};
use super::status;
use super::sw;
use super::tlv::{self, LvFields};
use super::{Channel, LoadInProgress, Persistent, StoreInProgress, UiccConfig};
use hanko_codec::CommandApdu;
use sha2::{Digest, Sha256};

/// The most bytes one STORE DATA sequence may carry.
pub const MAX_STORE_DATA: usize = 16 * 1024;
/// DGI of a security domain's key version, in PUT KEY's data format (hanko, project-defined:
/// how a parent SD gives a new SSD its first keys).
pub const DGI_SD_KEY_VERSION: u16 = 0x0F01;

type Reply = Result<(Vec<u8>, u16), u16>;

/// `00`: the answer of INSTALL, the last LOAD and DELETE when no receipt is asked for.
fn no_receipt() -> Reply {
    Ok((vec![0x00], sw::OK))
}

pub(crate) fn command(
    next: &mut Persistent,
    chan: &mut Channel,
    config: &UiccConfig,
    sd: &Aid,
    cmd: &CommandApdu<'_>,
) -> Reply {
    let card = next.registry.card_state();
    // A terminated card manages nothing; a locked one only lets the ISD change the card's
    // state (SET STATUS) and read (GET STATUS).
    if card == life_cycle::CARD_TERMINATED {
        return Err(sw::CONDITIONS);
    }
    if card == life_cycle::CARD_LOCKED && !matches!(cmd.ins, 0xF0 | 0xF2) {
        return Err(sw::CONDITIONS);
    }
    let sd_entry = next.registry.get(sd.as_bytes()).cloned().ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
    if !matches!(sd_entry.kind, Kind::Isd)
        && cmd.ins != 0xE2
        && cmd.ins != 0xF2
        && sd_entry.life_cycle != life_cycle::PERSONALIZED
    {
        // An SSD manages content only once it has been personalized (holds its keys).
        return Err(sw::CONDITIONS);
    }
    match cmd.ins {
        0xE6 => install(next, chan, config, &sd_entry, cmd),
        0xE8 => load(next, chan, config, sd, cmd),
        0xE4 => delete(next, chan, &sd_entry, cmd),
        0xF0 => set_status(next, &sd_entry, cmd),
        0xD8 => put_key(next, chan, sd, cmd),
        0xE2 => store_data(next, chan, &sd_entry, cmd),
        0xF2 => status::get_status(next, chan, &sd_entry, cmd),
        _ => Err(sw::INS_NOT_SUPPORTED),
    }
}

/// Whether `sd` may manage card content (load, install, delete, extradite): the ISD, or an
/// SSD with Authorized Management.
fn may_manage(sd: &Entry) -> bool {
    matches!(sd.kind, Kind::Isd) || sd.privileges.has_authorized_management()
}

/// Whether `sd` may act on `entry`: the ISD on anything, another SD on what is associated
/// with it.
fn governs(sd: &Entry, entry: &Entry) -> bool {
    matches!(sd.kind, Kind::Isd) || entry.associated_sd == sd.aid
}

fn aid_field(bytes: &[u8]) -> Result<Aid, u16> {
    Aid::new(bytes).ok_or(sw::WRONG_DATA)
}

fn free_memory(next: &Persistent, config: &UiccConfig) -> usize {
    config.memory.saturating_sub(next.registry.memory_used())
}

// --- INSTALL --------------------------------------------------------------------------------

fn install(next: &mut Persistent, chan: &mut Channel, config: &UiccConfig, sd: &Entry, cmd: &CommandApdu<'_>) -> Reply {
    if !matches!(cmd.p2, 0x00 | 0x01 | 0x03) {
        return Err(sw::WRONG_P1P2);
    }
    let mut f = LvFields::new(cmd.data);
    // b8 of P1 ("more INSTALL commands follow") changes nothing here.
    match cmd.p1 & 0x7F {
        0x02 => install_for_load(next, chan, config, sd, &mut f),
        0x04 => install_for_install(next, config, sd, &mut f, false),
        0x0C => install_for_install(next, config, sd, &mut f, true),
        0x08 => make_selectable(next, sd, &mut f),
        0x10 => extradite(next, sd, &mut f),
        0x20 => install_for_personalization(next, chan, sd, &mut f),
        0x40 => registry_update(next, sd, &mut f),
        _ => Err(sw::WRONG_P1P2),
    }
}

/// INSTALL [for load]: load file AID, associated SD, hash, load parameters, token. Starts a
/// LOAD sequence; changes nothing yet.
fn install_for_load(
    next: &Persistent,
    chan: &mut Channel,
    config: &UiccConfig,
    sd: &Entry,
    f: &mut LvFields<'_>,
) -> Reply {
    let load_file = aid_field(f.next_field()?)?;
    let associated = f.next_field()?;
    let hash = f.next_field()?.to_vec();
    let params = f.next_field()?;
    let token = f.next_field()?;
    f.finish()?;
    if !may_manage(sd) {
        return Err(sw::SECURITY_STATUS);
    }
    if !token.is_empty() {
        // Delegated management tokens are not modelled: only authorized management loads.
        return Err(sw::WRONG_DATA);
    }
    if !matches!(hash.len(), 0 | 32) {
        return Err(sw::WRONG_DATA);
    }
    if next.registry.contains(load_file.as_bytes()) {
        return Err(sw::CONDITIONS);
    }
    let associated_sd = if associated.is_empty() {
        sd.aid.clone()
    } else {
        let target = next.registry.get(associated).ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
        if !target.is_security_domain() {
            return Err(sw::REFERENCED_DATA_NOT_FOUND);
        }
        target.aid.clone()
    };
    if !params.is_empty() {
        // Load parameters: EF { C6 non-volatile code space, … }.
        for (tag, value) in tlv::objects(params)? {
            if tag != 0xEF {
                return Err(sw::WRONG_DATA);
            }
            for (inner, v) in tlv::objects(value)? {
                if inner == 0xC6 {
                    let need = v.iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b));
                    if need > free_memory(next, config) {
                        return Err(sw::NOT_ENOUGH_MEMORY);
                    }
                }
            }
        }
    }
    chan.load =
        Some(LoadInProgress { sd: sd.aid.clone(), load_file, associated_sd, hash, next_block: 0, data: Vec::new() });
    chan.store = None;
    no_receipt()
}

/// INSTALL [for install] (and make selectable): load file, module, instance AID, privileges,
/// install parameters, token.
fn install_for_install(
    next: &mut Persistent,
    config: &UiccConfig,
    sd: &Entry,
    f: &mut LvFields<'_>,
    selectable: bool,
) -> Reply {
    let load_file = aid_field(f.next_field()?)?;
    let module = aid_field(f.next_field()?)?;
    let instance = f.next_field()?;
    let privileges = Privileges::parse(f.next_field()?).ok_or(sw::WRONG_DATA)?;
    let params = load_file::install_params(f.next_field()?)?;
    let token = f.next_field()?;
    f.finish()?;
    if !may_manage(sd) {
        return Err(sw::SECURITY_STATUS);
    }
    if !token.is_empty() {
        return Err(sw::WRONG_DATA);
    }
    let instance = if instance.is_empty() { module.clone() } else { aid_field(instance)? };
    let code = next.registry.module(load_file.as_bytes(), module.as_bytes()).ok_or(sw::REFERENCED_DATA_NOT_FOUND)?.code;
    if next.registry.contains(instance.as_bytes()) {
        return Err(sw::CONDITIONS);
    }
    if (code == Code::SecurityDomain) != privileges.is_security_domain() {
        return Err(sw::WRONG_DATA);
    }
    if params.nv_quota > free_memory(next, config) {
        return Err(sw::NOT_ENOUGH_MEMORY);
    }
    let state = if selectable { life_cycle::SELECTABLE } else { life_cycle::INSTALLED };
    next.registry.insert(Entry {
        aid: instance.clone(),
        kind: Kind::Instance { load_file, module, code },
        life_cycle: state,
        privileges,
        associated_sd: sd.aid.clone(),
        quota: params.nv_quota,
    });
    match code {
        Code::JpkiApplet => {
            let profile = hanko_model::profile("uicc").ok_or(sw::CONDITIONS)?;
            next.applets.insert(instance, JpkiApplet::new(profile, config.seed));
        }
        Code::SecurityDomain => {
            next.keys.insert(instance, SdKeys::default());
        }
    }
    no_receipt()
}

/// INSTALL [for make selectable]: an installed instance becomes SELECTABLE.
fn make_selectable(next: &mut Persistent, sd: &Entry, f: &mut LvFields<'_>) -> Reply {
    f.empty()?;
    f.empty()?;
    let aid = aid_field(f.next_field()?)?;
    let privileges = f.next_field()?;
    f.empty()?;
    f.empty()?;
    f.finish()?;
    let entry = next.registry.get_mut(aid.as_bytes()).ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
    if !entry.is_instance() {
        return Err(sw::REFERENCED_DATA_NOT_FOUND);
    }
    if !(matches!(sd.kind, Kind::Isd) || entry.associated_sd == sd.aid) || !may_manage(sd) {
        return Err(sw::SECURITY_STATUS);
    }
    if entry.life_cycle != life_cycle::INSTALLED {
        return Err(sw::CONDITIONS);
    }
    if !privileges.is_empty() && Privileges::parse(privileges) != Some(entry.privileges) {
        return Err(sw::WRONG_DATA);
    }
    entry.life_cycle = life_cycle::SELECTABLE;
    no_receipt()
}

/// INSTALL [for extradition]: target SD, (empty), application or load file AID, (empty),
/// parameters, token. Associates the entry with another security domain.
fn extradite(next: &mut Persistent, sd: &Entry, f: &mut LvFields<'_>) -> Reply {
    let target = aid_field(f.next_field()?)?;
    f.empty()?;
    let aid = aid_field(f.next_field()?)?;
    f.empty()?;
    let _params = f.next_field()?;
    if !f.next_field()?.is_empty() {
        return Err(sw::WRONG_DATA);
    }
    f.finish()?;
    if !may_manage(sd) {
        return Err(sw::SECURITY_STATUS);
    }
    let target_entry = next.registry.get(target.as_bytes()).ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
    if !target_entry.is_security_domain() || target_entry.is_locked() {
        return Err(sw::REFERENCED_DATA_NOT_FOUND);
    }
    let entry = next.registry.get(aid.as_bytes()).ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
    if matches!(entry.kind, Kind::Isd) || aid == target {
        return Err(sw::CONDITIONS);
    }
    if !governs(sd, entry) {
        return Err(sw::SECURITY_STATUS);
    }
    // A security domain may not end up associated (directly or not) with itself.
    if entry.is_security_domain() {
        let mut at = target.clone();
        for _ in 0..next.registry.entries().len() {
            if at == aid {
                return Err(sw::CONDITIONS);
            }
            match next.registry.get(at.as_bytes()) {
                Some(e) if e.associated_sd != e.aid => at = e.associated_sd.clone(),
                _ => break,
            }
        }
    }
    if let Some(e) = next.registry.get_mut(aid.as_bytes()) {
        e.associated_sd = target;
    }
    no_receipt()
}

/// INSTALL [for personalization]: names the application (or SSD) the following STORE DATA
/// goes to; it must be associated with this security domain.
fn install_for_personalization(next: &Persistent, chan: &mut Channel, sd: &Entry, f: &mut LvFields<'_>) -> Reply {
    f.empty()?;
    f.empty()?;
    let aid = aid_field(f.next_field()?)?;
    f.empty()?;
    f.empty()?;
    f.empty()?;
    f.finish()?;
    let entry = next.registry.get(aid.as_bytes()).ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
    if !entry.is_instance() {
        return Err(sw::REFERENCED_DATA_NOT_FOUND);
    }
    if entry.associated_sd != sd.aid {
        return Err(sw::SECURITY_STATUS);
    }
    if entry.is_locked() {
        return Err(sw::CONDITIONS);
    }
    chan.personalizing = Some(aid);
    chan.store = None;
    no_receipt()
}

/// INSTALL [for registry update]: new privileges for an application (never the SD bit).
fn registry_update(next: &mut Persistent, sd: &Entry, f: &mut LvFields<'_>) -> Reply {
    f.empty()?;
    f.empty()?;
    let aid = aid_field(f.next_field()?)?;
    let privileges = f.next_field()?;
    let _params = f.next_field()?;
    if !f.next_field()?.is_empty() {
        return Err(sw::WRONG_DATA);
    }
    f.finish()?;
    if !may_manage(sd) {
        return Err(sw::SECURITY_STATUS);
    }
    let entry = next.registry.get_mut(aid.as_bytes()).ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
    if !entry.is_instance() {
        return Err(sw::REFERENCED_DATA_NOT_FOUND);
    }
    if !(matches!(sd.kind, Kind::Isd) || entry.associated_sd == sd.aid) {
        return Err(sw::SECURITY_STATUS);
    }
    if !privileges.is_empty() {
        let new = Privileges::parse(privileges).ok_or(sw::WRONG_DATA)?;
        if new.is_security_domain() != entry.privileges.is_security_domain() {
            return Err(sw::WRONG_DATA);
        }
        entry.privileges = new;
    }
    no_receipt()
}

// --- LOAD -----------------------------------------------------------------------------------

fn load(next: &mut Persistent, chan: &mut Channel, config: &UiccConfig, sd: &Aid, cmd: &CommandApdu<'_>) -> Reply {
    let Some(mut progress) = chan.load.take().filter(|l| &l.sd == sd) else { return Err(sw::CONDITIONS) };
    // From here on a failure abandons the sequence (the LoadInProgress is not put back).
    let last = match cmd.p1 {
        0x00 => false,
        0x80 => true,
        _ => return Err(sw::WRONG_P1P2),
    };
    if cmd.p2 != progress.next_block {
        return Err(sw::WRONG_P1P2);
    }
    if cmd.data.is_empty() {
        return Err(sw::WRONG_LENGTH);
    }
    progress.data.extend_from_slice(cmd.data);
    if progress.data.len() > load_file::MAX_LOAD_FILE + 16 || progress.data.len() > free_memory(next, config) + 16 {
        return Err(sw::NOT_ENOUGH_MEMORY);
    }
    if !last {
        progress.next_block = progress.next_block.checked_add(1).ok_or(sw::WRONG_P1P2)?;
        chan.load = Some(progress);
        return Ok((Vec::new(), sw::OK));
    }
    let data = load_file::load_file_data(&progress.data)?;
    if !progress.hash.is_empty() && Sha256::digest(data).as_slice() != progress.hash.as_slice() {
        return Err(sw::WRONG_DATA);
    }
    let modules = load_file::modules(data)?;
    if data.len() > free_memory(next, config) {
        return Err(sw::NOT_ENOUGH_MEMORY);
    }
    if modules.iter().any(|m| next.registry.contains(m.aid.as_bytes())) {
        return Err(sw::CONDITIONS);
    }
    let inserted = next.registry.insert(Entry {
        aid: progress.load_file.clone(),
        kind: Kind::LoadFile { modules, size: data.len() },
        life_cycle: life_cycle::LOADED,
        privileges: Privileges::default(),
        associated_sd: progress.associated_sd.clone(),
        quota: data.len(),
    });
    if !inserted {
        return Err(sw::CONDITIONS);
    }
    no_receipt()
}

// --- DELETE ---------------------------------------------------------------------------------

fn delete(next: &mut Persistent, chan: &Channel, sd: &Entry, cmd: &CommandApdu<'_>) -> Reply {
    if cmd.p1 & 0x7F != 0 || !matches!(cmd.p2, 0x00 | 0x80) {
        return Err(sw::WRONG_P1P2);
    }
    let objects = tlv::objects(cmd.data)?;
    let find = |tag: u32| objects.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v);
    if let Some(aid) = find(0x4F) {
        if objects.iter().any(|(t, _)| !matches!(t, 0x4F | 0xB6)) {
            return Err(sw::WRONG_DATA);
        }
        return delete_object(next, sd, aid, cmd.p2 == 0x80);
    }
    // Key deletion: D2 key version (with or without D0 key identifier).
    let kvn = match (find(0xD0), find(0xD2)) {
        (_, Some([kvn])) => *kvn,
        (Some(_), None) => return Err(sw::REFERENCED_DATA_NOT_FOUND),
        _ => return Err(sw::WRONG_DATA),
    };
    if chan.session.as_ref().is_some_and(|s| s.sd == sd.aid && s.kvn == kvn) {
        // The key version protecting this very session.
        return Err(sw::CONDITIONS);
    }
    let store = next.keys.get_mut(&sd.aid).ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
    let before = store.versions.len();
    store.versions.retain(|v| v.kvn != kvn);
    if store.versions.len() == before {
        return Err(sw::REFERENCED_DATA_NOT_FOUND);
    }
    no_receipt()
}

fn delete_object(next: &mut Persistent, sd: &Entry, aid: &[u8], related: bool) -> Reply {
    let entry = next.registry.get(aid).cloned().ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
    if matches!(entry.kind, Kind::Isd) {
        return Err(sw::CONDITIONS);
    }
    if !may_manage(sd) || !governs(sd, &entry) {
        return Err(sw::SECURITY_STATUS);
    }
    let mut doomed = vec![entry.aid.clone()];
    if entry.is_load_file() {
        let instances: Vec<Aid> = next.registry.instances_of(aid).map(|e| e.aid.clone()).collect();
        if !instances.is_empty() && !related {
            return Err(sw::CONDITIONS);
        }
        doomed.extend(instances);
    }
    for gone in &doomed {
        // A security domain with entries still associated with it stays.
        if next.registry.associated_with(gone.as_bytes()).any(|e| !doomed.contains(&e.aid)) {
            return Err(sw::CONDITIONS);
        }
    }
    for gone in &doomed {
        next.registry.remove(gone.as_bytes());
        next.applets.remove(gone);
        next.keys.remove(gone);
    }
    no_receipt()
}

// --- SET STATUS -----------------------------------------------------------------------------

fn set_status(next: &mut Persistent, sd: &Entry, cmd: &CommandApdu<'_>) -> Reply {
    let state = cmd.p2;
    match cmd.p1 {
        0x80 => {
            if !cmd.data.is_empty() && cmd.data != next.registry.isd().aid.as_bytes() {
                return Err(sw::REFERENCED_DATA_NOT_FOUND);
            }
            if !matches!(sd.kind, Kind::Isd) {
                return Err(sw::SECURITY_STATUS);
            }
            let from = next.registry.card_state();
            use life_cycle::*;
            let allowed = matches!(
                (from, state),
                (CARD_OP_READY, CARD_INITIALIZED)
                    | (CARD_OP_READY | CARD_INITIALIZED, CARD_SECURED)
                    | (CARD_SECURED, CARD_LOCKED)
                    | (CARD_LOCKED, CARD_SECURED)
            ) || (state == CARD_TERMINATED && from != CARD_TERMINATED);
            if !allowed {
                return Err(sw::WRONG_DATA);
            }
            next.registry.set_card_state(state);
            Ok((Vec::new(), sw::OK))
        }
        0x40 | 0x60 => {
            if next.registry.card_state() == life_cycle::CARD_LOCKED {
                return Err(sw::CONDITIONS);
            }
            let entry = next.registry.get(cmd.data).cloned().ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
            if !entry.is_instance() {
                return Err(sw::REFERENCED_DATA_NOT_FOUND);
            }
            if !governs(sd, &entry) {
                return Err(sw::SECURITY_STATUS);
            }
            let mut targets = vec![entry.clone()];
            if cmd.p1 == 0x60 {
                if !entry.is_security_domain() {
                    return Err(sw::WRONG_DATA);
                }
                targets
                    .extend(next.registry.associated_with(entry.aid.as_bytes()).filter(|e| e.is_instance()).cloned());
            }
            for t in &targets {
                let new = transition(t, state, cmd.p1 == 0x60)?;
                if let Some(e) = next.registry.get_mut(t.aid.as_bytes()) {
                    e.life_cycle = new;
                }
            }
            Ok((Vec::new(), sw::OK))
        }
        _ => Err(sw::WRONG_P1P2),
    }
}

/// The state SET STATUS moves `entry` to: lock (`80`) or unlock (b8 clear, back to the state
/// before locking), and for a security domain INSTALLED → SELECTABLE → PERSONALIZED. With
/// `group`, only locking and unlocking.
fn transition(entry: &Entry, requested: u8, group: bool) -> Result<u8, u16> {
    let current = entry.life_cycle;
    let locked = current & life_cycle::LOCKED_BIT != 0;
    if requested & life_cycle::LOCKED_BIT != 0 {
        return if locked { Err(sw::WRONG_DATA) } else { Ok(current | life_cycle::LOCKED_BIT) };
    }
    if locked {
        return Ok(current & !life_cycle::LOCKED_BIT);
    }
    if group || !entry.is_security_domain() {
        return Err(sw::WRONG_DATA);
    }
    match (current, requested) {
        (life_cycle::INSTALLED, life_cycle::SELECTABLE) | (life_cycle::SELECTABLE, life_cycle::PERSONALIZED) => {
            Ok(requested)
        }
        _ => Err(sw::WRONG_DATA),
    }
}

// --- PUT KEY --------------------------------------------------------------------------------

fn put_key(next: &mut Persistent, chan: &Channel, sd: &Aid, cmd: &CommandApdu<'_>) -> Reply {
    if cmd.p1 > 0x7F {
        return Err(sw::WRONG_P1P2);
    }
    let session = chan.session.as_ref().ok_or(sw::SECURITY_STATUS)?;
    let new = keys::parse_put_key(cmd.data, &|d| session.decrypt_key(d))?;
    let store = next.keys.get_mut(sd).ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
    let out = new.apply(store, cmd.p1, cmd.p2)?;
    Ok((out, sw::OK))
}

// --- STORE DATA -----------------------------------------------------------------------------

fn store_data(next: &mut Persistent, chan: &mut Channel, sd: &Entry, cmd: &CommandApdu<'_>) -> Reply {
    let mut progress = chan.store.take().unwrap_or(StoreInProgress { next_block: 0, data: Vec::new() });
    // A failure from here abandons the sequence.
    if cmd.p1 & 0x07 != 0 {
        return Err(sw::WRONG_P1P2);
    }
    if cmd.p2 != progress.next_block {
        return Err(sw::WRONG_P1P2);
    }
    let last = cmd.p1 & 0x80 != 0;
    let format = cmd.p1 & 0x18;
    progress.data.extend_from_slice(cmd.data);
    if progress.data.len() > MAX_STORE_DATA {
        return Err(sw::NOT_ENOUGH_MEMORY);
    }
    if !last {
        progress.next_block = progress.next_block.checked_add(1).ok_or(sw::WRONG_P1P2)?;
        chan.store = Some(progress);
        return Ok((Vec::new(), sw::OK));
    }
    let session = chan.session.as_ref().ok_or(sw::SECURITY_STATUS)?;
    match chan.personalizing.clone() {
        Some(target) => {
            if format != 0x08 {
                return Err(sw::WRONG_DATA);
            }
            let mut dgis = Vec::new();
            for (dgi, data) in applet::parse_dgis(&progress.data)? {
                let plain = if !applet::dgi::is_encrypted(dgi) {
                    data.to_vec()
                } else if dgi == applet::dgi::PIN {
                    // Padded before encryption: unpad after.
                    let mut p = session.decrypt_key(data).map_err(|_| sw::WRONG_DATA)?;
                    let end = p.iter().rposition(|&b| b != 0).filter(|&i| p[i] == 0x80).ok_or(sw::WRONG_DATA)?;
                    p.truncate(end);
                    p
                } else {
                    session.decrypt_key(data).map_err(|_| sw::WRONG_DATA)?
                };
                dgis.push((dgi, plain));
            }
            personalize(next, &target, &dgis, &|d| session.decrypt_key(d))?;
        }
        None => {
            // Data for the security domain itself: the ISD's IIN and CIN (BER-TLV).
            if format != 0x10 || !matches!(sd.kind, Kind::Isd) {
                return Err(sw::WRONG_DATA);
            }
            for (tag, value) in tlv::objects(&progress.data)? {
                match tag {
                    0x42 => next.iin = value.to_vec(),
                    0x45 => next.cin = value.to_vec(),
                    _ => return Err(sw::REFERENCED_DATA_NOT_FOUND),
                }
            }
        }
    }
    Ok((Vec::new(), sw::OK))
}

/// Hands personalization data to `target`: the JPKI applet takes its DGIs; a new security
/// domain takes its first key version (DGI `0F01`).
fn personalize(
    next: &mut Persistent,
    target: &Aid,
    dgis: &[(u16, Vec<u8>)],
    decrypt: &keys::KeyCipher<'_>,
) -> Result<(), u16> {
    let entry = next.registry.get(target.as_bytes()).cloned().ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
    if let Some(applet) = next.applets.get_mut(target) {
        applet.personalize(dgis)?;
        if entry.life_cycle == life_cycle::SELECTABLE {
            if let Some(e) = next.registry.get_mut(target.as_bytes()) {
                e.life_cycle = life_cycle::PERSONALIZED;
            }
        }
        return Ok(());
    }
    if entry.is_security_domain() {
        let [(DGI_SD_KEY_VERSION, data)] = dgis else { return Err(sw::WRONG_DATA) };
        let store = next.keys.get_mut(target).ok_or(sw::REFERENCED_DATA_NOT_FOUND)?;
        if !store.versions.is_empty() {
            // The first keys only; later ones come by PUT KEY in the SSD's own session.
            return Err(sw::CONDITIONS);
        }
        keys::parse_put_key(data, decrypt)?.apply(store, 0x00, 0x81)?;
        if entry.life_cycle == life_cycle::SELECTABLE {
            if let Some(e) = next.registry.get_mut(target.as_bytes()) {
                e.life_cycle = life_cycle::PERSONALIZED;
            }
        }
        return Ok(());
    }
    Err(sw::CONDITIONS)
}

/// The privilege byte of the security domains hanko's TSMs create: SD with authorized
/// management would let the SP install code; the SP-TSM's SSD gets the SD privilege alone.
pub const SSD_PRIVILEGES: [u8; 3] = [privilege::SECURITY_DOMAIN, 0, 0];
