//! The UICC's GlobalPlatform card manager under arbitrary command sequences, and secure
//! messaging under fuzzed MACs.
//!
//! `gp_card_manager`: the input is a session of operations — power on, plain commands from a
//! vocabulary that reaches every card-content-management state (the commands of a scheme-3
//! issuance among them), raw C-APDUs, SCP03 sessions opened by a real host with the ISD's or
//! the SSD's keys, commands wrapped in those sessions, wrapped commands with a MAC bit
//! flipped, replays of the last wrapped command, and SCP80 packets under the right keys or
//! raw. The invariant, checked after every operation: the registry, the key versions, the life
//! cycles and the applet's contents change only through a command wrapped in a session open
//! at C-MAC or above with the selected security domain, or through an SCP80 packet that
//! verified. Every answer has a status word.
//!
//! `scp_unwrap`: an SCP02 or SCP03 channel between a real host and card side; commands the
//! host wrapped, some with bits flipped: a command that is not what the host sent never
//! unwraps, and once one fails the channel stays closed.

use hanko_codec::ota::params::Spi;
use hanko_crypto::scp::scp02::{Scp02Card, Scp02CardParams, Scp02Host};
use hanko_crypto::scp::scp03::{pseudo_random_card_challenge, Scp03Card, Scp03CardParams, Scp03Host, Scp03HostSession};
use hanko_crypto::scp::{CardChannel, HostChannel, KeySet, SecurityLevel};
use hanko_crypto::scp80::{self, CommandParams};
use hanko_crypto::testpki::Pki;
use hanko_sim::gp::applet::{dgi_stream, push_dgi, store_data_blocks};
use hanko_sim::gp::host_command::{command, install};
use hanko_sim::gp::keys::{put_key_data, Protocol};
use hanko_sim::gp::{dek, load_file, ota, Uicc, DGI_SD_KEY_VERSION, ISD_AID, SD_LOAD_FILE, SD_MODULE, SSD_PRIVILEGES};
use hanko_sim::scheme::scheme3::mno_tsm::applet_load_file;
use hanko_sim::scheme::scheme3::script::expanded;
use hanko_sim::scheme::scheme3::setup::{self, Setup};
use std::sync::OnceLock;

/// The most operations one input runs: bounded by the input anyway, and by this.
const MAX_OPS: usize = 192;

fn h(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// The keys every input runs with, and the vocabulary built from them.
struct World {
    setup: Setup,
    vocabulary: Vec<Vec<u8>>,
}

/// Personalization DGIs for the test PKI's sub key, key parts under `dek` (a static DEK: so
/// they can be made ahead, as a TSM makes scripts ahead).
fn dgi_blocks(pki: &Pki, dek_key: &[u8]) -> Vec<Vec<u8>> {
    let (stream, _) = dgi_stream(pki.sub_ee.key.private_key(), &pki.sub_ee.der, &pki.sub_ca.der, b"1234", &|d| {
        dek::encrypt(dek_key, d)
    })
    .expect("the test PKI's key");
    store_data_blocks(&stream, 200)
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let setup = Setup::new(7);
        let pki = Pki::generate(1);
        let none: &[u8] = &[];
        let (ssd, elf, module, applet) =
            (h(setup::SSD_AID), h(setup::APPLET_LOAD_FILE), h(setup::APPLET_MODULE), h(setup::APPLET_AID));
        let isd_dek = setup.isd_scp03.dek().to_vec();
        let ssd_keys =
            put_key_data(setup::SSD_KVN_FIRST, Protocol::Scp03, &setup.ssd_first, &|d| dek::encrypt(&isd_dek, d))
                .expect("keys");
        let mut sd_dgi = Vec::new();
        push_dgi(&mut sd_dgi, DGI_SD_KEY_VERSION, &ssd_keys);
        let extra = KeySet::new(&[0x41; 16], &[0x42; 16], &[0x43; 16]).expect("keys");
        let new_isd_keys = put_key_data(0x31, Protocol::Scp03, &extra, &|d| dek::encrypt(&isd_dek, d)).expect("keys");
        let lf = applet_load_file();
        let load = load_file::load_command_data(&lf);
        let blocks: Vec<&[u8]> = load.chunks(200).collect();
        let del = |aid: &[u8], p2: u8| command([0x80, 0xE4, 0x00, p2], &[&[0x4F, aid.len() as u8][..], aid].concat());
        let select = |aid: &[u8]| [&[0x00, 0xA4, 0x04, 0x00, aid.len() as u8][..], aid, &[0x00]].concat();
        let mut v = vec![
            // 0–5: selection and channels.
            select(&h(ISD_AID)),
            select(&ssd),
            select(&applet),
            h("0070000001"),
            h("00708001"),
            h("80CA006600"),
            // 6–12: the deployment of scheme 3 (create the SSD, its keys, load, install, extradite).
            install(0x0C, &[&h(SD_LOAD_FILE), &h(SD_MODULE), &ssd, &SSD_PRIVILEGES, &[0xC9, 0x00], none]),
            install(0x20, &[none, none, &ssd, none, none, none]),
            command([0x80, 0xE2, 0x88, 0x00], &sd_dgi),
            install(0x02, &[&elf, none, none, none, none]),
            install(0x0C, &[&elf, &module, &applet, &[0x00], &[0xC9, 0x00], none]),
            install(0x10, &[&ssd, none, &applet, none, none, none]),
            install(0x20, &[none, none, &applet, none, none, none]),
            // 13–22: the rest of card content management.
            h("80F28002024F0000"),
            h("80F24002024F0000"),
            h("80F2400300"),
            h("80F21002024F0000"),
            del(&applet, 0x00),
            del(&elf, 0x80),
            del(&ssd, 0x00),
            command([0x80, 0xD8, 0x00, 0x81], &new_isd_keys),
            command([0x80, 0xE4, 0x00, 0x00], &h("D20131")),
            command([0x80, 0xF0, 0x80, 0x7F], &[]),
            // 23–30: life cycles, issuer data, JPKI commands, make selectable; then the LOAD
            // blocks (31–38) and the applet's DGIs under the ISD's DEK (39–56) and the SSD's (57–74).
            command([0x80, 0xF0, 0x80, 0x0F], &[]),
            command([0x80, 0xF0, 0x40, 0x80], &applet),
            command([0x80, 0xF0, 0x40, 0x00], &applet),
            command([0x80, 0xE2, 0x90, 0x00], &h("4203123456")),
            h("00A4020C020018"),
            h("002000800431323334"),
            h("00200080"),
            install(0x08, &[none, none, &applet, none, none, none]),
        ];
        for (i, b) in blocks.iter().enumerate() {
            let last = i + 1 == blocks.len();
            v.push(command([0x80, 0xE8, if last { 0x80 } else { 0x00 }, i as u8], b));
        }
        v.extend(dgi_blocks(&pki, &isd_dek));
        v.extend(dgi_blocks(&pki, setup.ssd_first.dek()));
        World { setup, vocabulary: v }
    })
}

/// One operation of a session.
#[derive(Debug)]
enum Op {
    PowerOn,
    /// A vocabulary command as it is, on a channel.
    Plain(u8, usize),
    /// Raw bytes.
    Raw(Vec<u8>),
    /// Open SCP03 with the ISD (`false`) or the SSD (`true`) at a level, on a channel.
    Open(u8, bool, SecurityLevel),
    /// A vocabulary command wrapped in the channel's session.
    Wrapped(u8, usize),
    /// The same with one bit of the wrapped command flipped (the MAC, mostly).
    Tampered(u8, usize, u8),
    /// The last wrapped command again.
    Replay,
    /// An SCP80 packet under the right keys: vocabulary commands and a counter.
    Ota(u8, Vec<usize>),
}

fn session(data: &[u8]) -> Vec<Op> {
    let v = world().vocabulary.len();
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let mut ops = vec![Op::PowerOn];
    let mut i = 0;
    while i < data.len() && ops.len() < MAX_OPS {
        let kind = data[i];
        let ch = (kind >> 4) & 0x03;
        i += 1;
        match kind % 9 {
            0 => ops.push(Op::PowerOn),
            1 => {
                ops.push(Op::Plain(ch, usize::from(byte(i)) % v));
                i += 1;
            }
            2 => {
                let n = usize::from(byte(i));
                let raw = data.get(i + 1..).unwrap_or_default();
                ops.push(Op::Raw(raw[..n.min(raw.len())].to_vec()));
                i += 1 + n;
            }
            3 => {
                let level = SecurityLevel::ALL[usize::from(byte(i)) % SecurityLevel::ALL.len()];
                ops.push(Op::Open(ch, kind & 0x40 != 0, level));
                i += 1;
            }
            4 | 5 => {
                ops.push(Op::Wrapped(ch, usize::from(byte(i)) % v));
                i += 1;
            }
            6 => {
                ops.push(Op::Tampered(ch, usize::from(byte(i)) % v, byte(i + 1)));
                i += 2;
            }
            7 => ops.push(Op::Replay),
            _ => {
                let n = usize::from(byte(i) % 4) + 1;
                let cmds = (0..n).map(|k| usize::from(byte(i + 2 + k)) % v).collect();
                ops.push(Op::Ota(byte(i + 1), cmds));
                i += 2 + n;
            }
        }
    }
    ops
}

/// The card manager under an arbitrary session (see the module documentation).
pub fn gp_card_manager(data: &[u8]) {
    run(data);
}

/// [`gp_card_manager`], handing back the card.
fn run(data: &[u8]) -> Uicc {
    let w = world();
    let mut uicc = Uicc::new(w.setup.uicc_config());
    let mut hosts: [Option<Scp03HostSession>; 4] = [None, None, None, None];
    let mut last_wrapped: Option<Vec<u8>> = None;
    let mut challenge = 0u8;
    for op in session(data) {
        let before = uicc.snapshot();
        // Whether this operation may change the card, decided before it runs.
        let mut authorized = false;
        match op {
            Op::PowerOn => {
                uicc.power_on();
                hosts = [None, None, None, None];
            }
            Op::Plain(ch, k) => {
                let mut c = w.vocabulary[k].clone();
                c[0] |= ch;
                answered(&uicc.process(&c));
            }
            Op::Raw(bytes) => {
                let r = uicc.process(&bytes);
                assert!(r.len() >= 2, "raw {bytes:02X?}: no status word");
            }
            Op::Open(ch, ssd, level) => {
                let (aid, kvn, keys) = if ssd {
                    (setup::SSD_AID, setup::SSD_KVN_FIRST, &w.setup.ssd_first)
                } else {
                    (ISD_AID, setup::ISD_KVN_SCP03, &w.setup.isd_scp03)
                };
                challenge = challenge.wrapping_add(1);
                hosts[usize::from(ch)] = open(&mut uicc, ch, aid, kvn, keys, level, challenge);
            }
            Op::Wrapped(ch, k) | Op::Tampered(ch, k, _) => {
                let tamper = match op {
                    Op::Tampered(_, _, bit) => Some(bit),
                    _ => None,
                };
                let Some(host) = hosts[usize::from(ch)].as_mut() else { continue };
                let mut plain = w.vocabulary[k].clone();
                plain[0] |= ch;
                let Ok(mut wrapped) = host.wrap(&plain) else { continue };
                let selected = uicc.selected(usize::from(ch)).cloned();
                let level = selected.and_then(|sd| uicc.session_level(usize::from(ch), &sd));
                authorized = tamper.is_none() && level.is_some_and(|l| l.contains(SecurityLevel::C_MAC));
                if let Some(bit) = tamper {
                    // A bit of the data or MAC (the header's bits change routing, not trust).
                    let at = 5 + usize::from(bit >> 3) % wrapped.len().saturating_sub(5).max(1);
                    if at < wrapped.len() {
                        wrapped[at] ^= 1 << (bit & 7);
                    }
                }
                let r = uicc.process(&wrapped);
                answered(&r);
                let _ = host.unwrap_response(&r);
                last_wrapped = Some(wrapped);
            }
            Op::Replay => {
                if let Some(c) = &last_wrapped {
                    answered(&uicc.process(c));
                }
            }
            Op::Ota(counter, cmds) => {
                let script = expanded(&cmds.iter().map(|&k| w.vocabulary[k].clone()).collect::<Vec<_>>());
                let p = CommandParams {
                    udh: true,
                    spi: Spi([0x16, 0x19]),
                    kic: setup::OTA_KIC,
                    kid: setup::OTA_KID,
                    tar: ota::TAR_ISD,
                    counter: [0, 0, 0, 0, counter],
                    data: &script,
                };
                let Ok(packet) = scp80::protect_command(&p, &w.setup.ota) else { continue };
                let out = uicc.ota_packet(&packet);
                authorized = out.status == 0;
                for r in &out.responses {
                    answered(r);
                }
                // A refused packet runs nothing.
                assert!(out.status == 0 || out.responses.is_empty(), "refused packet ran commands");
            }
        }
        if !authorized {
            assert_eq!(uicc.snapshot(), before, "an unauthenticated operation changed the card");
        }
    }
    uicc
}

fn answered(r: &[u8]) {
    assert!(r.len() >= 2, "an answer without a status word: {r:02X?}");
}

/// Selects `aid` on `ch` and opens SCP03; `None` if the card refuses.
fn open(
    uicc: &mut Uicc,
    ch: u8,
    aid: &str,
    kvn: u8,
    keys: &KeySet,
    level: SecurityLevel,
    challenge: u8,
) -> Option<Scp03HostSession> {
    let aid = h(aid);
    let select = [&[ch, 0xA4, 0x04, 0x00, aid.len() as u8][..], &aid, &[0x00]].concat();
    uicc.process(&select);
    let host = Scp03Host::new(keys, kvn, [challenge; 8]);
    let mut iu = host.initialize_update();
    iu[0] |= ch;
    let r = uicc.process(&iu);
    let pending = host.authenticate(&r, level).ok()?;
    let mut ea = pending.external_authenticate().to_vec();
    ea[0] |= ch;
    let r = uicc.process(&ea);
    pending.open(&r).ok()
}

/// A key set for the unwrap target: `len` bytes per key, from `seed`.
fn keys(len: usize, seed: u8) -> KeySet {
    let k = |n: u8| (0..len).map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed).wrapping_add(n)).collect::<Vec<u8>>();
    KeySet::new(&k(1), &k(2), &k(3)).expect("16, 24 or 32 bytes")
}

/// Secure messaging under fuzzed MACs (see the module documentation).
pub fn scp_unwrap(data: &[u8]) {
    let [protocol, level, rest @ ..] = data else { return };
    let level = SecurityLevel::ALL[usize::from(*level) % SecurityLevel::ALL.len()];
    let (mut host, mut card): (Box<dyn HostChannel>, Box<dyn CardChannel>) = match protocol % 2 {
        0 => {
            let keys = keys(16, *protocol);
            if level.contains(SecurityLevel::R_ENCRYPTION) {
                return;
            }
            let Ok(h) = Scp02Host::new(&keys, 0x20, [1; 8], hanko_crypto::scp::scp02::I_55) else { return };
            let params = Scp02CardParams {
                kvn: 0x20,
                i: hanko_crypto::scp::scp02::I_55,
                diversification_data: [0; 10],
                sequence_counter: 1,
                card_challenge: [2; 6],
            };
            let Ok((c, r)) = Scp02Card::initialize_update(&keys, &params, &h.initialize_update()) else { return };
            let Ok(pending) = h.authenticate(&r, level) else { return };
            let Ok((session, r)) = c.external_authenticate(pending.external_authenticate()) else {
                panic!("SCP02 set-up failed")
            };
            let Ok(host) = pending.open(&r) else { panic!("SCP02 host did not open") };
            (Box::new(host), Box::new(session))
        }
        _ => {
            let keys = keys([16, 24, 32][usize::from(protocol / 2) % 3], *protocol);
            let h = Scp03Host::new(&keys, 0x30, [1; 8]);
            let card_challenge =
                pseudo_random_card_challenge(&keys, [0, 0, 1], &[0xA0, 0, 0, 1, 0x51]).unwrap_or([3; 8]);
            let params = Scp03CardParams {
                kvn: 0x30,
                i: 0x70,
                diversification_data: [0; 10],
                card_challenge,
                sequence_counter: Some([0, 0, 1]),
            };
            let Ok((c, r)) = Scp03Card::initialize_update(&keys, &params, &h.initialize_update()) else { return };
            let Ok(pending) = h.authenticate(&r, level) else { return };
            let Ok((session, r)) = c.external_authenticate(pending.external_authenticate()) else {
                panic!("SCP03 set-up failed")
            };
            let Ok(host) = pending.open(&r) else { panic!("SCP03 host did not open") };
            (Box::new(host), Box::new(session))
        }
    };
    let next = |host: &mut Box<dyn HostChannel>, body: &[u8]| {
        let mut plain = vec![0x80, 0xE2, 0x00, 0x00];
        if !body.is_empty() {
            plain.push(body.len() as u8);
            plain.extend_from_slice(body);
        }
        host.wrap(&plain).ok().map(|w| (plain, w))
    };
    for chunk in rest.chunks(34) {
        let [flip, len, body @ ..] = chunk else { break };
        let Some((plain, mut wrapped)) = next(&mut host, &body[..usize::from(*len).min(body.len())]) else { continue };
        let tampered = *flip & 0x80 != 0 && level.contains(SecurityLevel::C_MAC);
        if tampered {
            let at = usize::from(*flip & 0x7F) % wrapped.len();
            wrapped[at] ^= 1 << (flip & 7);
        }
        match card.unwrap_command(&wrapped) {
            Ok(got) => {
                // Only the class byte's channel bits lie outside the MAC (by design): any
                // other change is a forgery and must not unwrap.
                assert_eq!(got.get(1..), plain.get(1..), "a changed command unwrapped");
                assert_eq!(
                    got.first().map(|c| c & !0x03),
                    plain.first().map(|c| c & !0x03),
                    "a changed class unwrapped"
                );
                let r = card.wrap_response(&[0x90, 0x00]).expect("wrapping 9000");
                host.unwrap_response(&r).expect("the host accepts the card's answer");
            }
            Err(e) => {
                assert!(tampered, "an untouched command was refused: {e}");
                assert!(!card.is_open(), "a failed unwrap left the channel open");
                // And it stays closed: the next genuine command is refused too.
                if let Some((_, w)) = next(&mut host, &[]) {
                    assert!(card.unwrap_command(&w).is_err(), "a closed channel unwrapped a command");
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_reach_an_issued_applet() {
        let v = &world().vocabulary;
        assert_eq!(v.len(), 75, "the seeds in xtask/src/corpus.rs index this vocabulary");
        assert!(v[31..39].iter().all(|c| c[1] == 0xE8) && v[39..75].iter().all(|c| c[1] == 0xE2));
        let seeds = xtask::corpus::gp_card_seeds();
        let uicc = run(&seeds["pki-issuance"]);
        let applet = uicc.applet(&h(setup::APPLET_AID)).expect("the issuance seed installs the applet");
        assert!(applet.is_personalized(), "the issuance seed personalizes the applet");
        let uicc = run(&seeds["pki-ota_ssd"]);
        assert!(uicc.registry().get(&h(setup::SSD_AID)).is_some(), "the OTA seed creates the SSD");
    }

    #[test]
    fn vocabulary_is_built_and_a_session_runs() {
        assert!(world().vocabulary.len() > 40);
        gp_card_manager(&[3, 5, 4, 6, 4, 7, 4, 8, 1, 13, 6, 13, 9, 7, 2, 4, 0x80, 0xE6, 0x0C, 0x00]);
        scp_unwrap(&[1, 1, 0x00, 3, 1, 2, 3, 0x85, 2, 9, 9]);
        scp_unwrap(&[0, 3, 0x00, 0]);
    }
}
