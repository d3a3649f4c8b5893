//! The UICC's GlobalPlatform card manager, command by command: each happy path, and each
//! refusal with its exact status word and nothing changed (the snapshot of registry, keys and
//! applet contents is the same before and after).

use hanko_crypto::scp::kcv::aes_kcv;
use hanko_crypto::scp::scp02::Scp02Host;
use hanko_crypto::scp::scp03::{Scp03Host, Scp03HostSession};
use hanko_crypto::scp::{HostChannel, KeySet, SecurityLevel};
use hanko_crypto::testpki::Pki;
use hanko_sim::gp::applet::{dgi, fixed_be, push_dgi};
use hanko_sim::gp::host_command::{command, install};
use hanko_sim::gp::keys::{put_key_data, Protocol};
use hanko_sim::gp::registry::{life_cycle, Kind};
use hanko_sim::gp::{load_file, sw, Uicc, DGI_SD_KEY_VERSION, ISD_AID, SD_LOAD_FILE, SD_MODULE, SSD_PRIVILEGES};
use hanko_sim::scheme::scheme3::mno_tsm::applet_load_file;
use hanko_sim::scheme::scheme3::setup::{self, Setup};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

fn h(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn sw_of(r: &[u8]) -> u16 {
    u16::from_be_bytes([r[r.len() - 2], r[r.len() - 1]])
}

const NONE: &[u8] = &[];
const SSD: &str = setup::SSD_AID;

struct T {
    uicc: Uicc,
    setup: Setup,
    challenges: u8,
}

impl T {
    fn new() -> Self {
        let setup = Setup::new(7);
        let mut uicc = Uicc::new(setup.uicc_config());
        uicc.power_on();
        Self { uicc, setup, challenges: 0 }
    }

    fn send(&mut self, capdu: &[u8]) -> Vec<u8> {
        self.uicc.process(capdu)
    }

    fn select(&mut self, aid: &str) -> Vec<u8> {
        let a = h(aid);
        let mut c = vec![0x00, 0xA4, 0x04, 0x00, a.len() as u8];
        c.extend_from_slice(&a);
        c.push(0x00);
        self.send(&c)
    }

    fn challenge(&mut self) -> [u8; 8] {
        self.challenges += 1;
        [self.challenges; 8]
    }

    /// Selects `sd` and opens SCP03 with `keys` at `level`.
    fn open03(&mut self, sd: &str, kvn: u8, keys: &KeySet, level: SecurityLevel) -> Scp03HostSession {
        assert!(matches!(sw_of(&self.select(sd)), sw::OK | sw::CARD_LOCKED));
        let host = Scp03Host::new(keys, kvn, self.challenge());
        let r = self.send(&host.initialize_update());
        let pending = host.authenticate(&r, level).expect("card cryptogram");
        let r = self.send(pending.external_authenticate());
        pending.open(&r).expect("EXTERNAL AUTHENTICATE")
    }

    fn isd(&mut self) -> Scp03HostSession {
        let keys = self.setup.isd_scp03.clone();
        self.open03(ISD_AID, setup::ISD_KVN_SCP03, &keys, SecurityLevel::MAC_ENC_RMAC_RENC)
    }

    fn cmd(&mut self, s: &mut impl HostChannel, plain: &[u8]) -> Vec<u8> {
        let wrapped = s.wrap(plain).expect("wrap");
        let r = self.uicc.process(&wrapped);
        s.unwrap_response(&r).unwrap_or(r)
    }

    /// Sends `plain` wrapped and checks the status word and that nothing changed.
    fn refused(&mut self, s: &mut impl HostChannel, plain: &[u8], expected: u16) {
        let before = self.uicc.snapshot();
        let r = self.cmd(s, plain);
        assert_eq!(sw_of(&r), expected, "{} answered {}", hex(plain), hex(&r));
        assert_eq!(self.uicc.snapshot(), before, "{} changed the card", hex(plain));
    }

    /// Creates the SSD and gives it its first keys, through the ISD.
    fn create_ssd(&mut self, isd: &mut Scp03HostSession) {
        let c = install(
            0x0C,
            &[
                &h(SD_LOAD_FILE),
                &h(SD_MODULE),
                &h(SSD),
                &SSD_PRIVILEGES,
                &load_file::build_install_params(&[], 0x400),
                NONE,
            ],
        );
        assert_eq!(self.cmd(isd, &c), vec![0x00, 0x90, 0x00]);
        assert_eq!(self.cmd(isd, &install(0x20, &[NONE, NONE, &h(SSD), NONE, NONE, NONE])), vec![0x00, 0x90, 0x00]);
        let keys = put_key_data(setup::SSD_KVN_FIRST, Protocol::Scp03, &self.setup.ssd_first, &|d| isd.encrypt_key(d))
            .unwrap();
        let mut d = Vec::new();
        push_dgi(&mut d, DGI_SD_KEY_VERSION, &keys);
        assert_eq!(sw_of(&self.cmd(isd, &command([0x80, 0xE2, 0x88, 0x00], &d))), sw::OK);
    }

    /// Loads the applet's load file and installs the instance (selectable).
    fn install_applet(&mut self, isd: &mut Scp03HostSession) {
        let lf = applet_load_file();
        let hash = Sha256::digest(&lf);
        assert_eq!(
            self.cmd(isd, &install(0x02, &[&h(setup::APPLET_LOAD_FILE), NONE, &hash, NONE, NONE])),
            vec![0x00, 0x90, 0x00]
        );
        let data = load_file::load_command_data(&lf);
        let blocks: Vec<&[u8]> = data.chunks(200).collect();
        for (i, b) in blocks.iter().enumerate() {
            let last = i + 1 == blocks.len();
            let r = self.cmd(isd, &command([0x80, 0xE8, if last { 0x80 } else { 0 }, i as u8], b));
            assert_eq!(r, if last { vec![0x00, 0x90, 0x00] } else { vec![0x90, 0x00] });
        }
        let c = install(
            0x0C,
            &[
                &h(setup::APPLET_LOAD_FILE),
                &h(setup::APPLET_MODULE),
                &h(setup::APPLET_AID),
                &[0x00],
                &[0xC9, 0x00],
                NONE,
            ],
        );
        assert_eq!(self.cmd(isd, &c), vec![0x00, 0x90, 0x00]);
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| Pki::generate(1))
}

/// The applet's personalization DGIs for the test PKI's sub key, key parts encrypted by
/// `encrypt`.
fn dgis(encrypt: &dyn Fn(&[u8]) -> Vec<u8>, pin: &[u8]) -> Vec<u8> {
    let k = pki().sub_ee.key.private_key();
    let half = k.size() / 2;
    let p = k.primes();
    let mut s = Vec::new();
    push_dgi(&mut s, dgi::MODULUS, &fixed_be(k.n().as_ref(), k.size()));
    push_dgi(&mut s, dgi::PUBLIC_EXPONENT, &k.e().to_be_bytes_trimmed_vartime());
    for (d, v) in [
        (dgi::P, fixed_be(&p[0], half)),
        (dgi::Q, fixed_be(&p[1], half)),
        (dgi::DP, fixed_be(k.dp().unwrap(), half)),
        (dgi::DQ, fixed_be(k.dq().unwrap(), half)),
        (dgi::QINV, fixed_be(&k.crt_coefficient().unwrap(), half)),
    ] {
        push_dgi(&mut s, d, &encrypt(&v));
    }
    push_dgi(&mut s, dgi::CERTIFICATE, &pki().sub_ee.der);
    push_dgi(&mut s, dgi::CA_CERTIFICATE, &pki().sub_ca.der);
    let mut padded = pin.to_vec();
    padded.push(0x80);
    padded.resize(16, 0);
    push_dgi(&mut s, dgi::PIN, &encrypt(&padded));
    s
}

fn store_blocks(stream: &[u8]) -> Vec<Vec<u8>> {
    let blocks: Vec<&[u8]> = stream.chunks(200).collect();
    blocks
        .iter()
        .enumerate()
        .map(|(i, b)| command([0x80, 0xE2, 0x68 | if i + 1 == blocks.len() { 0x80 } else { 0 }, i as u8], b))
        .collect()
}

// --- selection and channels -----------------------------------------------------------------

#[test]
fn select_answers_fci_or_not_found() {
    let mut t = T::new();
    let r = t.select(ISD_AID);
    assert_eq!(sw_of(&r), sw::OK);
    assert_eq!(&r[..2], &[0x6F, (r.len() - 4) as u8]);
    assert_eq!(&r[2..12], &h("8408A000000151000000"));
    assert_eq!(sw_of(&t.send(&h("00A4040C08A000000151000000"))), sw::OK);
    assert_eq!(t.send(&h("00A4040C08A000000151000000")), vec![0x90, 0x00], "P2 0C: no FCI");
    assert_eq!(t.send(&h("00A4040008D392F00026999999")), vec![0x6A, 0x82]);
    assert_eq!(t.send(&h("00A4041008A000000151000000")), vec![0x6A, 0x86]);
    // A load file is not selectable.
    assert_eq!(t.select(SD_LOAD_FILE), vec![0x6A, 0x82]);
}

#[test]
fn logical_channels_open_and_close() {
    let mut t = T::new();
    assert_eq!(t.send(&h("0070000001")), vec![0x01, 0x90, 0x00]);
    assert_eq!(t.send(&h("0070000001")), vec![0x02, 0x90, 0x00]);
    assert_eq!(t.send(&h("0070000001")), vec![0x03, 0x90, 0x00]);
    assert_eq!(t.send(&h("0070000001")), vec![0x6A, 0x81]);
    assert_eq!(t.send(&h("00708002")), vec![0x90, 0x00]);
    assert_eq!(t.send(&h("00708002")), vec![0x68, 0x81]);
    assert_eq!(t.send(&h("02CA006600")), vec![0x68, 0x81], "channel 2 is closed");
    assert_eq!(sw_of(&t.send(&h("01CA006600"))), sw::OK, "channel 1 has the ISD selected");
    assert_eq!(t.send(&h("00708004")), vec![0x6A, 0x86]);
    assert_eq!(t.send(&h("40CA006600")), vec![0x6E, 0x00]);
    assert_eq!(t.send(&h("00")), vec![0x67, 0x00]);
}

// --- secure channel -------------------------------------------------------------------------

#[test]
fn scp03_and_scp02_sessions_open_at_their_level() {
    let mut t = T::new();
    let mut s = t.isd();
    assert_eq!(s.security_level(), SecurityLevel::MAC_ENC_RMAC_RENC);
    assert_eq!(sw_of(&t.cmd(&mut s, &h("80F28002024F0000"))), sw::OK);
    assert_eq!(
        t.uicc.session_level(0, &hanko_sim::gp::registry::Aid::hex(ISD_AID)),
        Some(SecurityLevel::MAC_ENC_RMAC_RENC)
    );
    // SCP02 with the ISD's other key version.
    let keys = t.setup.isd_scp02.clone();
    let host = Scp02Host::new(&keys, setup::ISD_KVN_SCP02, [9; 8], hanko_sim::gp::SCP02_I).unwrap();
    let r = t.send(&host.initialize_update());
    assert_eq!(r[10..12], [setup::ISD_KVN_SCP02, 0x02]);
    let pending = host.authenticate(&r, SecurityLevel::MAC).unwrap();
    let r = t.send(pending.external_authenticate());
    let mut s2 = pending.open(&r).unwrap();
    assert_eq!(sw_of(&t.cmd(&mut s2, &h("80F28002024F0000"))), sw::OK);
    // The SCP02 sequence counter moved by one (GET DATA C1 reports the first key version's,
    // SCP03's, so read the key information instead: both versions are there).
    let info = t.cmd(&mut s2, &h("80CA00E000"));
    assert!(hex(&info).contains("C00401308810") && hex(&info).contains("C00401208010"), "{}", hex(&info));
}

#[test]
fn authentication_failures() {
    let mut t = T::new();
    t.select(ISD_AID);
    assert_eq!(t.send(&h("8050770008 0102030405060708 00")), vec![0x6A, 0x88], "unknown key version");
    assert_eq!(t.send(&h("8482010010 00000000000000000000000000000000")), vec![0x69, 0x85], "no INITIALIZE UPDATE");
    let r = t.send(&h("8050300008 0102030405060708 00"));
    assert_eq!(sw_of(&r), sw::OK);
    assert_eq!(r.len(), 32 + 2, "S8 response with a sequence counter");
    assert_eq!(t.send(&h("8482010010 00000000000000000000000000000000")), vec![0x63, 0x00], "wrong host cryptogram");
    assert_eq!(t.send(&h("8482010010 00000000000000000000000000000000")), vec![0x69, 0x85], "the attempt is spent");
    // Another command between the two abandons the authentication.
    let keys = t.setup.isd_scp03.clone();
    let host = Scp03Host::new(&keys, 0x30, [5; 8]);
    let r = t.send(&host.initialize_update());
    let pending = host.authenticate(&r, SecurityLevel::MAC).unwrap();
    assert_eq!(sw_of(&t.send(&h("80CA006600"))), sw::OK);
    assert_eq!(t.send(pending.external_authenticate()), vec![0x69, 0x85]);
    // GET DATA C1: every INITIALIZE UPDATE spent a counter value.
    assert_eq!(t.send(&h("80CA00C100")), h("C103000002 9000"));
}

#[test]
fn secure_messaging_failures_close_the_session() {
    let mut t = T::new();
    let mut s = t.isd();
    let mut w = s.wrap(&h("80F28002024F0000")).unwrap();
    let last = w.len() - 2;
    w[last] ^= 1;
    let before = t.uicc.snapshot();
    assert_eq!(t.send(&w), vec![0x69, 0x82], "bad C-MAC");
    assert_eq!(t.uicc.session_level(0, &hanko_sim::gp::registry::Aid::hex(ISD_AID)), None);
    let c = install(0x0C, &[&h(SD_LOAD_FILE), &h(SD_MODULE), &h(SSD), &SSD_PRIVILEGES, &[0xC9, 0x00], NONE]);
    assert_eq!(t.send(&s.wrap(&c).unwrap()), vec![0x69, 0x82], "the session is gone");
    assert_eq!(t.uicc.snapshot(), before);
    // Management commands without secure messaging.
    assert_eq!(t.send(&c), vec![0x69, 0x82]);
    assert_eq!(t.send(&h("80F28002024F0000")), vec![0x69, 0x82]);
    assert_eq!(t.send(&h("84F28002024F0000")), vec![0x69, 0x82]);
    assert_eq!(t.uicc.snapshot(), before);
    // A session at level 00 (no secure messaging) is not enough for management.
    let keys = t.setup.isd_scp03.clone();
    let mut s0 = t.open03(ISD_AID, 0x30, &keys, SecurityLevel::NONE);
    assert_eq!(t.cmd(&mut s0, &c), vec![0x69, 0x82]);
    assert_eq!(t.uicc.snapshot(), before);
}

// --- GET DATA and GET STATUS ------------------------------------------------------------------

#[test]
fn get_data_objects() {
    let mut t = T::new();
    let r = t.send(&h("80CA006600"));
    assert_eq!(&r[..1], &[0x66]);
    assert!(hex(&r).contains("06072A864886FC6B01"), "GP card OID");
    assert_eq!(t.send(&h("80CA00CF00")), [&[0xCF, 0x0A][..], &hanko_sim::gp::KDD, &[0x90, 0x00]].concat());
    let info = t.send(&h("00CA00E000"));
    assert_eq!(&info[..2], &[0xE0, 36]);
    assert_eq!(t.send(&h("80CA9F7F00")), vec![0x6A, 0x88]);
    assert_eq!(t.send(&h("80CA004200")), vec![0x6A, 0x88], "no IIN stored yet");
    assert!(t.send(&h("80CB006600")).len() > 2);
    assert_eq!(t.send(&h("80C0000000")), vec![0x6D, 0x00]);
}

#[test]
fn get_status_lists_and_pages() {
    let mut t = T::new();
    let mut s = t.isd();
    let isd = t.cmd(&mut s, &h("80F28002024F0000"));
    assert_eq!(isd, h("E31D 4F08A000000151000000 9F70010F C5039ADC00 CC08A000000151000000 9000"), "ISD");
    let elf = t.cmd(&mut s, &h("80F21002024F0000"));
    assert_eq!(elf, h("E321 4F07A0000001515350 9F700101 CC08A000000151000000 8408A000000151535041 9000"));
    t.refused(&mut s, &h("80F24002024F0000"), sw::REFERENCED_DATA_NOT_FOUND);
    t.refused(&mut s, &h("80F24102024F0000"), sw::WRONG_P1P2);
    t.refused(&mut s, &h("80F28000024F0000"), sw::WRONG_P1P2);
    t.refused(&mut s, &h("80F28002025C0000"), sw::WRONG_DATA);
    t.refused(&mut s, &h("80F2800300"), sw::CONDITIONS);
    // Enough instances for two pages.
    for i in 0..6u8 {
        let aid = [&h(SSD)[..7], &[0x10 + i]].concat();
        let c = install(0x0C, &[&h(SD_LOAD_FILE), &h(SD_MODULE), &aid, &SSD_PRIVILEGES, &[0xC9, 0x00], NONE]);
        assert_eq!(t.cmd(&mut s, &c), vec![0x00, 0x90, 0x00]);
    }
    let first = t.cmd(&mut s, &h("80F24002024F0000"));
    assert_eq!(sw_of(&first), sw::MORE_DATA);
    let rest = t.cmd(&mut s, &h("80F2400300"));
    assert_eq!(sw_of(&rest), sw::OK);
    let entries = hex(&first).matches("E3").count() + hex(&rest).matches("E3").count();
    assert!(entries >= 6, "{entries}");
    t.refused(&mut s, &h("80F2400300"), sw::CONDITIONS);
    // A prefix selects.
    let one = t.cmd(&mut s, &[h("80F2400209 4F07"), h(SSD)[..7].to_vec(), vec![0x00]].concat());
    assert_eq!(sw_of(&one), sw::MORE_DATA);
}

// --- INSTALL, LOAD, DELETE ---------------------------------------------------------------------

#[test]
fn install_for_install_creates_a_security_domain() {
    let mut t = T::new();
    let mut s = t.isd();
    let params = load_file::build_install_params(&[], 0x400);
    let good = install(0x0C, &[&h(SD_LOAD_FILE), &h(SD_MODULE), &h(SSD), &SSD_PRIVILEGES, &params, NONE]);
    t.refused(
        &mut s,
        &install(0x0C, &[&h("A0000001519999"), &h(SD_MODULE), &h(SSD), &SSD_PRIVILEGES, &params, NONE]),
        sw::REFERENCED_DATA_NOT_FOUND,
    );
    t.refused(
        &mut s,
        &install(0x0C, &[&h(SD_LOAD_FILE), &h("A000000151535099"), &h(SSD), &SSD_PRIVILEGES, &params, NONE]),
        sw::REFERENCED_DATA_NOT_FOUND,
    );
    t.refused(
        &mut s,
        &install(0x0C, &[&h(SD_LOAD_FILE), &h(SD_MODULE), &h(SSD), &SSD_PRIVILEGES, &[0xEF, 0x00], NONE]),
        sw::WRONG_DATA,
    );
    t.refused(
        &mut s,
        &install(0x0C, &[&h(SD_LOAD_FILE), &h(SD_MODULE), &h(SSD), &[0x00], &params, NONE]),
        sw::WRONG_DATA,
    );
    t.refused(
        &mut s,
        &install(
            0x0C,
            &[&h(SD_LOAD_FILE), &h(SD_MODULE), &h(SSD), &SSD_PRIVILEGES, &h("C900 EF06 C80400100000"), NONE],
        ),
        sw::NOT_ENOUGH_MEMORY,
    );
    t.refused(
        &mut s,
        &install(0x0C, &[&h(SD_LOAD_FILE), &h(SD_MODULE), &h(SSD), &SSD_PRIVILEGES, &params, &[1]]),
        sw::WRONG_DATA,
    );
    let mut trailing = good.clone();
    trailing.insert(good.len() - 1, 0x00);
    trailing[4] += 1;
    t.refused(&mut s, &trailing, sw::WRONG_DATA);
    let mut bad_p2 = good.clone();
    bad_p2[3] = 0x02;
    t.refused(&mut s, &bad_p2, sw::WRONG_P1P2);
    let mut bad_p1 = good.clone();
    bad_p1[2] = 0x01;
    t.refused(&mut s, &bad_p1, sw::WRONG_P1P2);
    assert_eq!(t.cmd(&mut s, &good), vec![0x00, 0x90, 0x00]);
    let e = t.uicc.registry().get(&h(SSD)).unwrap().clone();
    assert_eq!(e.life_cycle, life_cycle::SELECTABLE);
    assert!(e.is_security_domain());
    assert_eq!(e.associated_sd.as_bytes(), &h(ISD_AID)[..]);
    t.refused(&mut s, &good, sw::CONDITIONS);
    // The new SSD has no keys: it cannot open a session yet.
    assert_eq!(sw_of(&t.select(SSD)), sw::OK);
    assert_eq!(t.send(&h("8050000008 0102030405060708 00")), vec![0x6A, 0x88]);
}

#[test]
fn load_needs_install_for_load_and_checks_everything() {
    let mut t = T::new();
    let mut s = t.isd();
    let lf = applet_load_file();
    let data = load_file::load_command_data(&lf);
    t.refused(&mut s, &command([0x80, 0xE8, 0x80, 0x00], &data[..200]), sw::CONDITIONS);
    let elf = h(setup::APPLET_LOAD_FILE);
    let hash = Sha256::digest(&lf);
    t.refused(&mut s, &install(0x02, &[&elf, NONE, &hash[..20], NONE, NONE]), sw::WRONG_DATA);
    t.refused(
        &mut s,
        &install(0x02, &[&elf, &h("A000000151999999"), &hash, NONE, NONE]),
        sw::REFERENCED_DATA_NOT_FOUND,
    );
    t.refused(&mut s, &install(0x02, &[&h(SD_LOAD_FILE), NONE, &hash, NONE, NONE]), sw::CONDITIONS);
    t.refused(&mut s, &install(0x02, &[&elf, NONE, &hash, &h("EF04C6020FFFFF"), NONE]), sw::WRONG_DATA);
    t.refused(&mut s, &install(0x02, &[&elf, NONE, &hash, &h("EF04C604FFFFFF"), NONE]), sw::WRONG_DATA);
    // Block numbers must follow each other; a wrong one abandons the load.
    assert_eq!(t.cmd(&mut s, &install(0x02, &[&elf, NONE, &hash, NONE, NONE])), vec![0x00, 0x90, 0x00]);
    assert_eq!(t.cmd(&mut s, &command([0x80, 0xE8, 0x00, 0x00], &data[..200])), vec![0x90, 0x00]);
    t.refused(&mut s, &command([0x80, 0xE8, 0x00, 0x02], &data[200..400]), sw::WRONG_P1P2);
    t.refused(&mut s, &command([0x80, 0xE8, 0x00, 0x01], &data[200..400]), sw::CONDITIONS);
    // A hash that does not match.
    let mut wrong = hash;
    wrong[0] ^= 1;
    assert_eq!(t.cmd(&mut s, &install(0x02, &[&elf, NONE, &wrong, NONE, NONE])), vec![0x00, 0x90, 0x00]);
    let blocks: Vec<&[u8]> = data.chunks(200).collect();
    for (i, b) in blocks.iter().enumerate().take(blocks.len() - 1) {
        assert_eq!(t.cmd(&mut s, &command([0x80, 0xE8, 0x00, i as u8], b)), vec![0x90, 0x00]);
    }
    let last = blocks.len() - 1;
    t.refused(&mut s, &command([0x80, 0xE8, 0x80, last as u8], blocks[last]), sw::WRONG_DATA);
    // Not a hanko load file.
    let junk = load_file::load_command_data(b"CAFEBABE not hanko");
    assert_eq!(t.cmd(&mut s, &install(0x02, &[&elf, NONE, NONE, NONE, NONE])), vec![0x00, 0x90, 0x00]);
    t.refused(&mut s, &command([0x80, 0xE8, 0x80, 0x00], &junk), sw::WRONG_DATA);
    assert_eq!(t.cmd(&mut s, &install(0x02, &[&elf, NONE, NONE, NONE, NONE])), vec![0x00, 0x90, 0x00]);
    t.refused(&mut s, &command([0x80, 0xE8, 0x40, 0x00], &junk), sw::WRONG_P1P2);
    // And the real thing.
    t.install_applet(&mut s);
    let e = t.uicc.registry().get(&elf).unwrap();
    assert_eq!(e.life_cycle, life_cycle::LOADED);
    assert!(matches!(&e.kind, Kind::LoadFile { modules, .. } if modules[0].aid.as_bytes() == h(setup::APPLET_MODULE)));
    let app = t.uicc.registry().get(&h(setup::APPLET_AID)).unwrap();
    assert_eq!(app.life_cycle, life_cycle::SELECTABLE);
    assert!(t.uicc.applet(&h(setup::APPLET_AID)).is_some_and(|a| !a.is_personalized()));
}

#[test]
fn make_selectable_extradite_and_registry_update() {
    let mut t = T::new();
    let mut s = t.isd();
    t.create_ssd(&mut s);
    let aid = [&h(SSD)[..7], &[0x77]].concat();
    let c = install(0x04, &[&h(SD_LOAD_FILE), &h(SD_MODULE), &aid, &SSD_PRIVILEGES, &[0xC9, 0x00], NONE]);
    assert_eq!(t.cmd(&mut s, &c), vec![0x00, 0x90, 0x00]);
    assert_eq!(t.uicc.registry().get(&aid).unwrap().life_cycle, life_cycle::INSTALLED);
    assert_eq!(t.select(&hex(&aid)), vec![0x6A, 0x82], "INSTALLED is not selectable");
    let mut s = t.isd();
    let selectable = install(0x08, &[NONE, NONE, &aid, NONE, NONE, NONE]);
    assert_eq!(t.cmd(&mut s, &selectable), vec![0x00, 0x90, 0x00]);
    assert_eq!(t.uicc.registry().get(&aid).unwrap().life_cycle, life_cycle::SELECTABLE);
    t.refused(&mut s, &selectable, sw::CONDITIONS);
    t.refused(
        &mut s,
        &install(0x08, &[NONE, NONE, &h("A0000001517777"), NONE, NONE, NONE]),
        sw::REFERENCED_DATA_NOT_FOUND,
    );
    // Extradition to the SSD.
    let extradite = install(0x10, &[&h(SSD), NONE, &aid, NONE, NONE, NONE]);
    assert_eq!(t.cmd(&mut s, &extradite), vec![0x00, 0x90, 0x00]);
    assert_eq!(t.uicc.registry().get(&aid).unwrap().associated_sd.as_bytes(), &h(SSD)[..]);
    t.refused(
        &mut s,
        &install(0x10, &[&h("A0000001519999"), NONE, &aid, NONE, NONE, NONE]),
        sw::REFERENCED_DATA_NOT_FOUND,
    );
    t.refused(&mut s, &install(0x10, &[&h(SSD), NONE, &h(ISD_AID), NONE, NONE, NONE]), sw::CONDITIONS);
    // The SSD may not be put under something associated with itself.
    t.refused(&mut s, &install(0x10, &[&aid, NONE, &h(SSD), NONE, NONE, NONE]), sw::CONDITIONS);
    // Registry update: privileges, never the SD bit.
    t.refused(&mut s, &install(0x40, &[NONE, NONE, &aid, &[0x00], NONE, NONE]), sw::WRONG_DATA);
    assert_eq!(
        t.cmd(&mut s, &install(0x40, &[NONE, NONE, &aid, &[0x80, 0x40, 0x00], NONE, NONE])),
        vec![0x00, 0x90, 0x00]
    );
    assert!(t.uicc.registry().get(&aid).unwrap().privileges.has_authorized_management());
}

#[test]
fn delete_objects_and_keys() {
    let mut t = T::new();
    let mut s = t.isd();
    t.create_ssd(&mut s);
    t.install_applet(&mut s);
    let applet = h(setup::APPLET_AID);
    let elf = h(setup::APPLET_LOAD_FILE);
    let del = |aid: &[u8], p2: u8| command([0x80, 0xE4, 0x00, p2], &[&[0x4F, aid.len() as u8][..], aid].concat());
    t.refused(&mut s, &del(&h("A0000001519999"), 0), sw::REFERENCED_DATA_NOT_FOUND);
    t.refused(&mut s, &del(&h(ISD_AID), 0), sw::CONDITIONS);
    t.refused(&mut s, &del(&elf, 0), sw::CONDITIONS);
    t.refused(&mut s, &del(&elf, 0x01), sw::WRONG_P1P2);
    t.refused(&mut s, &command([0x80, 0xE4, 0x00, 0x00], &h("4F02")), sw::WRONG_DATA);
    // The SSD with the applet associated stays.
    assert_eq!(t.cmd(&mut s, &install(0x10, &[&h(SSD), NONE, &applet, NONE, NONE, NONE])), vec![0x00, 0x90, 0x00]);
    t.refused(&mut s, &del(&h(SSD), 0), sw::CONDITIONS);
    // The load file and its instances together.
    assert_eq!(t.cmd(&mut s, &del(&elf, 0x80)), vec![0x00, 0x90, 0x00]);
    assert!(t.uicc.registry().get(&elf).is_none() && t.uicc.registry().get(&applet).is_none());
    assert!(t.uicc.applet(&applet).is_none());
    assert_eq!(t.cmd(&mut s, &del(&h(SSD), 0)), vec![0x00, 0x90, 0x00]);
    // Keys: add a version, delete it; the session's own cannot go.
    let keys = KeySet::new(&[0x11; 16], &[0x22; 16], &[0x33; 16]).unwrap();
    let data = put_key_data(0x31, Protocol::Scp03, &keys, &|d| s.encrypt_key(d)).unwrap();
    assert_eq!(sw_of(&t.cmd(&mut s, &command([0x80, 0xD8, 0x00, 0x81], &data))), sw::OK);
    t.refused(&mut s, &command([0x80, 0xE4, 0x00, 0x00], &h("D20130")), sw::CONDITIONS);
    t.refused(&mut s, &command([0x80, 0xE4, 0x00, 0x00], &h("D20177")), sw::REFERENCED_DATA_NOT_FOUND);
    t.refused(&mut s, &command([0x80, 0xE4, 0x00, 0x00], &h("D00101")), sw::REFERENCED_DATA_NOT_FOUND);
    assert_eq!(t.cmd(&mut s, &command([0x80, 0xE4, 0x00, 0x00], &h("D20131"))), vec![0x00, 0x90, 0x00]);
    assert_eq!(t.uicc.key_summary(&h(ISD_AID)).unwrap().len(), 2);
}

// --- SET STATUS ---------------------------------------------------------------------------------

#[test]
fn set_status_card_and_application() {
    let mut t = T::new();
    let mut s = t.isd();
    t.create_ssd(&mut s);
    let set = |p1: u8, p2: u8, aid: &[u8]| command([0x80, 0xF0, p1, p2], aid);
    t.refused(&mut s, &set(0x80, life_cycle::CARD_OP_READY, NONE), sw::WRONG_DATA);
    t.refused(&mut s, &set(0x40, 0x80, &h("A0000001519999")), sw::REFERENCED_DATA_NOT_FOUND);
    t.refused(&mut s, &set(0x40, 0x80, &h(ISD_AID)), sw::REFERENCED_DATA_NOT_FOUND);
    t.refused(&mut s, &set(0x20, 0x80, &h(SSD)), sw::WRONG_P1P2);
    t.refused(&mut s, &set(0x40, life_cycle::SELECTABLE, &h(SSD)), sw::WRONG_DATA);
    // Lock the SSD: not selectable; unlock: back to PERSONALIZED.
    assert_eq!(t.cmd(&mut s, &set(0x40, 0x80, &h(SSD))), vec![0x90, 0x00]);
    assert_eq!(t.uicc.registry().get(&h(SSD)).unwrap().life_cycle, 0x8F);
    t.refused(&mut s, &set(0x40, 0x80, &h(SSD)), sw::WRONG_DATA);
    assert_eq!(t.cmd(&mut s, &set(0x40, 0x00, &h(SSD))), vec![0x90, 0x00]);
    assert_eq!(t.uicc.registry().get(&h(SSD)).unwrap().life_cycle, life_cycle::PERSONALIZED);
    // Lock the card: only the ISD is selectable, nothing is managed until it is unlocked.
    assert_eq!(t.cmd(&mut s, &set(0x80, life_cycle::CARD_LOCKED, NONE)), vec![0x90, 0x00]);
    t.refused(
        &mut s,
        &install(0x0C, &[&h(SD_LOAD_FILE), &h(SD_MODULE), &h("A0000001515351"), &SSD_PRIVILEGES, &[0xC9, 0x00], NONE]),
        sw::CONDITIONS,
    );
    assert_eq!(t.cmd(&mut s, &set(0x80, life_cycle::CARD_SECURED, NONE)), vec![0x90, 0x00]);
    assert_eq!(t.cmd(&mut s, &set(0x80, life_cycle::CARD_LOCKED, NONE)), vec![0x90, 0x00]);
    assert_eq!(t.select(SSD), vec![0x6A, 0x82]);
    assert_eq!(sw_of(&t.select(ISD_AID)), sw::CARD_LOCKED);
    let mut s = t.isd();
    assert_eq!(t.cmd(&mut s, &set(0x80, life_cycle::CARD_SECURED, NONE)), vec![0x90, 0x00]);
    assert_eq!(sw_of(&t.select(SSD)), sw::OK);
    // Terminated: nothing any more.
    let mut s = t.isd();
    assert_eq!(t.cmd(&mut s, &set(0x80, life_cycle::CARD_TERMINATED, NONE)), vec![0x90, 0x00]);
    assert_eq!(t.select(ISD_AID), vec![0x6A, 0x82]);
}

// --- PUT KEY --------------------------------------------------------------------------------------

#[test]
fn put_key_adds_replaces_and_checks() {
    let mut t = T::new();
    let mut s = t.isd();
    let keys = KeySet::new(&[0x41; 16], &[0x42; 16], &[0x43; 16]).unwrap();
    let data = put_key_data(0x31, Protocol::Scp03, &keys, &|d| s.encrypt_key(d)).unwrap();
    let r = t.cmd(&mut s, &command([0x80, 0xD8, 0x00, 0x81], &data));
    let expected: Vec<u8> = [
        vec![0x31],
        aes_kcv(&[0x41; 16]).unwrap().to_vec(),
        aes_kcv(&[0x42; 16]).unwrap().to_vec(),
        aes_kcv(&[0x43; 16]).unwrap().to_vec(),
        vec![0x90, 0x00],
    ]
    .concat();
    assert_eq!(r, expected, "KVN and the three KCVs");
    t.refused(&mut s, &command([0x80, 0xD8, 0x00, 0x81], &data), sw::WRONG_DATA);
    let mut bad_kcv = data.clone();
    let l = bad_kcv.len();
    bad_kcv[l - 1] ^= 1;
    bad_kcv[0] = 0x32;
    t.refused(&mut s, &command([0x80, 0xD8, 0x00, 0x81], &bad_kcv), sw::INVALID_KCV);
    let mut bad_type = data.clone();
    bad_type[0] = 0x32;
    bad_type[1] = 0x85;
    t.refused(&mut s, &command([0x80, 0xD8, 0x00, 0x81], &bad_type), sw::ALGORITHM_NOT_SUPPORTED);
    let mut renamed = data.clone();
    renamed[0] = 0x33;
    t.refused(&mut s, &command([0x80, 0xD8, 0x77, 0x81], &renamed), sw::REFERENCED_DATA_NOT_FOUND);
    t.refused(&mut s, &command([0x80, 0xD8, 0x00, 0x81], &data[..10]), sw::WRONG_DATA);
    // Replace 31 by 35; the new keys open a session.
    let keys2 = KeySet::new(&[0x51; 16], &[0x52; 16], &[0x53; 16]).unwrap();
    let data2 = put_key_data(0x35, Protocol::Scp03, &keys2, &|d| s.encrypt_key(d)).unwrap();
    assert_eq!(sw_of(&t.cmd(&mut s, &command([0x80, 0xD8, 0x31, 0x81], &data2))), sw::OK);
    let summary = t.uicc.key_summary(&h(ISD_AID)).unwrap();
    assert!(summary.iter().any(|k| k.0 == 0x35) && !summary.iter().any(|k| k.0 == 0x31));
    let mut s2 = t.open03(ISD_AID, 0x35, &keys2, SecurityLevel::MAC);
    assert_eq!(sw_of(&t.cmd(&mut s2, &h("80F28002024F0000"))), sw::OK);
    // Four versions at most.
    for kvn in [0x36, 0x37] {
        let d = put_key_data(kvn, Protocol::Scp03, &keys, &|d| s2.encrypt_key(d)).unwrap();
        let r = t.cmd(&mut s2, &command([0x80, 0xD8, 0x00, 0x81], &d));
        assert_eq!(sw_of(&r), if kvn == 0x36 { sw::OK } else { sw::NOT_ENOUGH_MEMORY });
    }
}

// --- STORE DATA and personalization ---------------------------------------------------------------

#[test]
fn security_domain_gets_its_first_keys_once() {
    let mut t = T::new();
    let mut s = t.isd();
    let c = install(0x0C, &[&h(SD_LOAD_FILE), &h(SD_MODULE), &h(SSD), &SSD_PRIVILEGES, &[0xC9, 0x00], NONE]);
    assert_eq!(t.cmd(&mut s, &c), vec![0x00, 0x90, 0x00]);
    t.refused(
        &mut s,
        &install(0x20, &[NONE, NONE, &h("A0000001519999"), NONE, NONE, NONE]),
        sw::REFERENCED_DATA_NOT_FOUND,
    );
    t.refused(&mut s, &install(0x20, &[NONE, NONE, &h(SD_LOAD_FILE), NONE, NONE, NONE]), sw::REFERENCED_DATA_NOT_FOUND);
    // STORE DATA without a target goes to the ISD itself: IIN and CIN only.
    assert_eq!(t.cmd(&mut s, &command([0x80, 0xE2, 0x90, 0x00], &h("4203123456 4504AABBCCDD"))), vec![0x90, 0x00]);
    assert_eq!(t.send(&h("80CA004200")), h("4203123456 9000"));
    t.refused(&mut s, &command([0x80, 0xE2, 0x90, 0x00], &h("5F2001AA")), sw::REFERENCED_DATA_NOT_FOUND);
    t.refused(&mut s, &command([0x80, 0xE2, 0x88, 0x00], &h("0F0100")), sw::WRONG_DATA);
    assert_eq!(t.cmd(&mut s, &install(0x20, &[NONE, NONE, &h(SSD), NONE, NONE, NONE])), vec![0x00, 0x90, 0x00]);
    let keys =
        put_key_data(setup::SSD_KVN_FIRST, Protocol::Scp03, &t.setup.ssd_first.clone(), &|d| s.encrypt_key(d)).unwrap();
    let mut d = Vec::new();
    push_dgi(&mut d, DGI_SD_KEY_VERSION, &keys);
    t.refused(&mut s, &command([0x80, 0xE2, 0x88, 0x01], &d), sw::WRONG_P1P2);
    t.refused(&mut s, &command([0x80, 0xE2, 0x98, 0x00], &d), sw::WRONG_DATA);
    t.refused(&mut s, &command([0x80, 0xE2, 0x89, 0x00], &d), sw::WRONG_P1P2);
    // In two blocks.
    assert_eq!(t.cmd(&mut s, &command([0x80, 0xE2, 0x08, 0x00], &d[..30])), vec![0x90, 0x00]);
    assert_eq!(t.cmd(&mut s, &command([0x80, 0xE2, 0x88, 0x01], &d[30..])), vec![0x90, 0x00]);
    assert_eq!(t.uicc.registry().get(&h(SSD)).unwrap().life_cycle, life_cycle::PERSONALIZED);
    t.refused(&mut s, &command([0x80, 0xE2, 0x88, 0x00], &d), sw::CONDITIONS);
    // The SSD's own session works with those keys.
    let keys = t.setup.ssd_first.clone();
    let mut ssd = t.open03(SSD, setup::SSD_KVN_FIRST, &keys, SecurityLevel::MAC_ENC);
    // It sees itself (and what is associated with it).
    assert_eq!(sw_of(&t.cmd(&mut ssd, &h("80F24002024F0000"))), sw::OK);
    // An SSD without authorized management may not install.
    t.refused(&mut ssd, &c, sw::SECURITY_STATUS);
}

#[test]
fn applet_is_personalized_once_all_or_nothing() {
    let mut t = T::new();
    let mut isd = t.isd();
    t.create_ssd(&mut isd);
    t.install_applet(&mut isd);
    let applet = h(setup::APPLET_AID);
    // The ISD may not personalize what is not associated with it … once extradited.
    assert_eq!(t.cmd(&mut isd, &install(0x10, &[&h(SSD), NONE, &applet, NONE, NONE, NONE])), vec![0x00, 0x90, 0x00]);
    t.refused(&mut isd, &install(0x20, &[NONE, NONE, &applet, NONE, NONE, NONE]), sw::SECURITY_STATUS);
    let keys = t.setup.ssd_first.clone();
    let mut s = t.open03(SSD, setup::SSD_KVN_FIRST, &keys, SecurityLevel::MAC_ENC_RMAC_RENC);
    // STORE DATA before INSTALL [for personalization] goes to the SSD itself: refused.
    t.refused(&mut s, &command([0x80, 0xE2, 0x88, 0x00], &h("00110100")), sw::WRONG_DATA);
    assert_eq!(t.cmd(&mut s, &install(0x20, &[NONE, NONE, &applet, NONE, NONE, NONE])), vec![0x00, 0x90, 0x00]);
    // A DGI stream without the PIN: nothing stored.
    let full = dgis(&|d| s.encrypt_key(d).unwrap(), b"1234");
    let cut = &full[..full.len() - 19];
    let blocks = store_blocks(cut);
    let n = blocks.len();
    for b in &blocks[..n - 1] {
        assert_eq!(t.cmd(&mut s, b), vec![0x90, 0x00]);
    }
    t.refused(&mut s, &blocks[n - 1], sw::WRONG_DATA);
    assert!(!t.uicc.applet(&applet).unwrap().is_personalized());
    // A PIN the profile refuses (letters).
    let bad_pin = dgis(&|d| s.encrypt_key(d).unwrap(), b"12AB");
    let blocks = store_blocks(&bad_pin);
    let n = blocks.len();
    for b in &blocks[..n - 1] {
        assert_eq!(t.cmd(&mut s, b), vec![0x90, 0x00]);
    }
    t.refused(&mut s, &blocks[n - 1], sw::WRONG_DATA);
    // Everything.
    for b in store_blocks(&full) {
        assert_eq!(t.cmd(&mut s, &b), vec![0x90, 0x00]);
    }
    let a = t.uicc.applet(&applet).unwrap();
    assert!(a.is_personalized());
    assert_eq!(a.contents().unwrap().certificate, pki().sub_ee.der);
    assert_eq!(t.uicc.registry().get(&applet).unwrap().life_cycle, life_cycle::PERSONALIZED);
    for b in store_blocks(&full).iter().take(store_blocks(&full).len() - 1) {
        assert_eq!(t.cmd(&mut s, b), vec![0x90, 0x00]);
    }
    let last = store_blocks(&full).pop().unwrap();
    t.refused(&mut s, &last, sw::CONDITIONS);
}

#[test]
fn applet_answers_jpki_only_once_personalized() {
    let mut t = T::new();
    let mut isd = t.isd();
    t.create_ssd(&mut isd);
    t.install_applet(&mut isd);
    assert_eq!(t.send(&h("00A4040C0AD392F000260100000001")), vec![0x90, 0x00]);
    assert_eq!(t.send(&h("00A4020C020018")), vec![0x69, 0x85]);
    assert_eq!(t.send(&h("00200080")), vec![0x69, 0x85], "no PIN counter runs before personalization");
    // Personalize through the ISD (the applet is still associated with it).
    let mut isd = t.isd();
    assert_eq!(
        t.cmd(&mut isd, &install(0x20, &[NONE, NONE, &h(setup::APPLET_AID), NONE, NONE, NONE])),
        vec![0x00, 0x90, 0x00]
    );
    for b in store_blocks(&dgis(&|d| isd.encrypt_key(d).unwrap(), b"4321")) {
        assert_eq!(t.cmd(&mut isd, &b), vec![0x90, 0x00]);
    }
    assert_eq!(t.send(&h("00A4040C0AD392F000260100000001")), vec![0x90, 0x00]);
    assert_eq!(t.send(&h("00A4020C020018")), vec![0x90, 0x00]);
    assert_eq!(t.send(&h("00200080")), vec![0x63, 0xC3]);
    assert_eq!(t.send(&h("002000800434333231")), vec![0x90, 0x00]);
    // On another logical channel, with the channel in the class byte.
    assert_eq!(t.send(&h("0070000001")), vec![0x01, 0x90, 0x00]);
    assert_eq!(t.send(&h("01A4040C0AD392F000260100000001")), vec![0x90, 0x00]);
    assert_eq!(t.send(&h("01A4020C02000A")), vec![0x90, 0x00]);
    let r = t.send(&h("01B0000004"));
    assert_eq!((&r[..2], sw_of(&r)), (&[0x30, 0x82][..], sw::OK));
}

// --- OTA ------------------------------------------------------------------------------------------

mod ota {
    use super::*;
    use hanko_codec::ota::params::Spi;
    use hanko_crypto::scp80::{self, CommandParams};
    use hanko_sim::gp::ota::TAR_ISD;

    fn packet(t: &T, spi: [u8; 2], counter: u8, script: &[u8]) -> Vec<u8> {
        let p = CommandParams {
            udh: true,
            spi: Spi(spi),
            kic: 0x12,
            kid: 0x12,
            tar: TAR_ISD,
            counter: [0, 0, 0, 0, counter],
            data: script,
        };
        scp80::protect_command(&p, &t.setup.ota).unwrap()
    }

    fn script(cmds: &[Vec<u8>]) -> Vec<u8> {
        hanko_sim::scheme::scheme3::script::expanded(cmds)
    }

    #[test]
    fn verified_packets_run_and_answer_with_a_por() {
        let mut t = T::new();
        let dek = t.setup.isd_scp03.dek().to_vec();
        let keys = put_key_data(setup::SSD_KVN_FIRST, Protocol::Scp03, &t.setup.ssd_first.clone(), &|d| {
            hanko_sim::gp::dek::encrypt(&dek, d)
        })
        .unwrap();
        let mut d = Vec::new();
        push_dgi(&mut d, DGI_SD_KEY_VERSION, &keys);
        let cmds = vec![
            install(0x0C, &[&h(SD_LOAD_FILE), &h(SD_MODULE), &h(SSD), &SSD_PRIVILEGES, &[0xC9, 0x00], NONE]),
            install(0x20, &[NONE, NONE, &h(SSD), NONE, NONE, NONE]),
            command([0x80, 0xE2, 0x88, 0x00], &d),
        ];
        let p = packet(&t, [0x16, 0x19], 1, &script(&cmds));
        let out = t.uicc.ota_packet(&p);
        assert_eq!(out.status, 0);
        assert_eq!(out.responses, vec![h("009000"), h("009000"), h("9000")]);
        let por = out.por.unwrap();
        let v = scp80::verify_response(&por, Spi([0x16, 0x19]), 0x12, 0x12, &t.setup.ota).unwrap();
        assert_eq!(v.data, h("AB11 800103 2303009000 2303009000 23029000"));
        assert_eq!(t.uicc.registry().get(&h(SSD)).unwrap().life_cycle, life_cycle::PERSONALIZED);
        // The same packet again: counter low (02), nothing runs.
        let before = t.uicc.snapshot();
        let again = t.uicc.ota_packet(&p);
        assert_eq!((again.status, again.responses.len()), (0x02, 0));
        assert_eq!(t.uicc.snapshot(), before);
        // A lower counter with a fresh script: also low.
        let lower = packet(&t, [0x16, 0x19], 1, &script(&[h("80CA006600")]));
        assert_eq!(t.uicc.ota_packet(&lower).status, 0x02);
        let higher = packet(&t, [0x16, 0x19], 9, &script(&[h("80CA006600")]));
        assert_eq!(t.uicc.ota_packet(&higher).status, 0x00);
    }

    #[test]
    fn refused_packets_change_nothing() {
        let mut t = T::new();
        let cmds =
            vec![install(0x0C, &[&h(SD_LOAD_FILE), &h(SD_MODULE), &h(SSD), &SSD_PRIVILEGES, &[0xC9, 0x00], NONE])];
        let before = t.uicc.snapshot();
        let mut bad_cc = packet(&t, [0x16, 0x19], 1, &script(&cmds));
        let n = bad_cc.len();
        bad_cc[n - 1] ^= 0x01;
        let out = t.uicc.ota_packet(&bad_cc);
        assert!(matches!(out.status, 0x01 | 0x05), "CC failed or deciphering broke: {:02X}", out.status);
        // No ciphering: below the ISD's minimum security level (0A).
        let plain = packet(&t, [0x12, 0x19], 2, &script(&cmds));
        assert_eq!(t.uicc.ota_packet(&plain).status, 0x0A);
        // No counter check.
        let no_counter = packet(&t, [0x06, 0x19], 3, &script(&cmds));
        assert_eq!(t.uicc.ota_packet(&no_counter).status, 0x0A);
        // No security at all: what a packet rewritten to a weaker SPI claims, and what
        // scp80::verify_command accepts at that level (corpus/scp80_verify/regression-spi-…).
        let downgraded = packet(&t, [0x00, 0x00], 4, &script(&cmds));
        assert_eq!(t.uicc.ota_packet(&downgraded).status, 0x0A);
        // Unknown TAR; unknown key set.
        let mut other = packet(&t, [0x16, 0x19], 4, &script(&cmds));
        other[10] = 0xB0;
        assert_eq!(t.uicc.ota_packet(&other).status, 0x09);
        let p = CommandParams {
            udh: true,
            spi: Spi([0x16, 0x19]),
            kic: 0x22,
            kid: 0x22,
            tar: TAR_ISD,
            counter: [0, 0, 0, 0, 5],
            data: &script(&cmds),
        };
        let wrong_set = scp80::protect_command(&p, &t.setup.ota).unwrap();
        assert_eq!(t.uicc.ota_packet(&wrong_set).status, 0x06);
        assert_eq!(t.uicc.ota_packet(&h("0270000002")).status, 0x06);
        assert_eq!(t.uicc.snapshot(), before);
        // The failed checks spent no counter: counter 1 is still good.
        assert_eq!(t.uicc.ota_packet(&packet(&t, [0x16, 0x19], 1, &script(&cmds))).status, 0x00);
    }
}
