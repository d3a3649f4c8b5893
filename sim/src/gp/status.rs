//! GET STATUS (GPC 2.3.1 §11.4): registry entries as `E3` objects, in creation order, paged
//! with `6310` when they do not fit one response.

use super::registry::{Entry, Kind};
use super::sw;
use super::tlv;
use super::{Channel, Persistent};
use hanko_codec::CommandApdu;

/// Response data bytes per page: room for an R-MAC and R-ENCRYPTION padding in a short R-APDU.
pub const PAGE: usize = 200;

/// Which entries a P1 asks for.
fn wanted(p1: u8, e: &Entry) -> bool {
    match p1 {
        0x80 => matches!(e.kind, Kind::Isd),
        0x40 => e.is_instance(),
        0x20 | 0x10 => e.is_load_file(),
        _ => false,
    }
}

/// One entry as GET STATUS shows it for `p1`.
fn encode(p1: u8, e: &Entry) -> Vec<u8> {
    let mut body = Vec::new();
    tlv::push(&mut body, 0x4F, e.aid.as_bytes());
    tlv::push(&mut body, 0x9F70, &[e.life_cycle]);
    if matches!(p1, 0x80 | 0x40) {
        tlv::push(&mut body, 0xC5, &e.privileges.0);
    }
    if let Kind::Instance { load_file, .. } = &e.kind {
        tlv::push(&mut body, 0xC4, load_file.as_bytes());
    }
    tlv::push(&mut body, 0xCC, e.associated_sd.as_bytes());
    if let (0x10, Kind::LoadFile { modules, .. }) = (p1, &e.kind) {
        for m in modules {
            tlv::push(&mut body, 0x84, m.aid.as_bytes());
        }
    }
    let mut out = Vec::new();
    tlv::push(&mut out, 0xE3, &body);
    out
}

pub(crate) fn get_status(
    next: &Persistent,
    chan: &mut Channel,
    sd: &Entry,
    cmd: &CommandApdu<'_>,
) -> Result<(Vec<u8>, u16), u16> {
    if !matches!(cmd.p1, 0x80 | 0x40 | 0x20 | 0x10) {
        return Err(sw::WRONG_P1P2);
    }
    let entries = match cmd.p2 {
        0x02 => {
            chan.status_rest = None;
            let objects = tlv::objects(cmd.data)?;
            if objects.iter().any(|(t, _)| !matches!(t, 0x4F | 0x5C)) {
                return Err(sw::WRONG_DATA);
            }
            let prefix = objects.iter().find(|(t, _)| *t == 0x4F).map(|(_, v)| *v).ok_or(sw::WRONG_DATA)?;
            let global = matches!(sd.kind, Kind::Isd);
            let list: Vec<Vec<u8>> = next
                .registry
                .entries()
                .iter()
                .filter(|e| wanted(cmd.p1, e))
                .filter(|e| global || e.associated_sd == sd.aid || e.aid == sd.aid)
                .filter(|e| e.aid.as_bytes().starts_with(prefix))
                .map(|e| encode(cmd.p1, e))
                .collect();
            if list.is_empty() {
                return Err(sw::REFERENCED_DATA_NOT_FOUND);
            }
            list
        }
        0x03 => match chan.status_rest.take() {
            Some((p1, rest)) if p1 == cmd.p1 => rest,
            _ => return Err(sw::CONDITIONS),
        },
        _ => return Err(sw::WRONG_P1P2),
    };
    let mut out = Vec::new();
    let mut sent = 0;
    for e in &entries {
        if !out.is_empty() && out.len() + e.len() > PAGE {
            break;
        }
        out.extend_from_slice(e);
        sent += 1;
    }
    if sent < entries.len() {
        chan.status_rest = Some((cmd.p1, entries[sent..].to_vec()));
        Ok((out, sw::MORE_DATA))
    } else {
        Ok((out, sw::OK))
    }
}
