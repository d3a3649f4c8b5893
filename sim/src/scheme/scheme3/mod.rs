//! Scheme 3 end to end, in process (`spec/flow/scheme3_issuance.json`, `scheme3_use.json`):
//! the UI app applies to J-LIS with the plastic card's main certificate (①–⑤, the card read
//! over NFC), the MNO-TSM creates the SSD and installs the JPKI applet in the UICC through the
//! phone's TSM proxy (SCP80 packets or an SCP03 RAM script), J-LIS generates the sub key pair
//! and certificate and the SP-TSM stores them in the applet under SCP03 (⑥); then the UI app
//! logs in to the portal with the sub certificate over an OMAPI channel to the applet.
//!
//! Everything is deterministic for a seed, and J-LIS's clock is simulated. The trace holds the
//! flow messages with the spec's ids and the card-level APDUs of the plastic card (`nfc`) and
//! of the applet (`omapi`); the GlobalPlatform scripts travel inside the messages that carry
//! them. A refusal run ([`Refusal`]) ends in its refusal, and [`World::check_consistency`]
//! says whether the UICC, the applet, the TSMs and J-LIS agree afterwards — and, with
//! [`Options::check_every_step`], after every message.

pub mod jlis;
pub mod mno_tsm;
pub mod phone;
pub mod portal;
pub mod script;
pub mod setup;
pub mod sp_tsm;

use super::{authenticate, fields, hex, Outcome, Recorder, Run, SHA256_DIGEST_INFO};
use crate::card::VirtualCard;
use crate::card_data::Pins;
use crate::client::{JpkiClient, Key, Which};
use crate::gp::registry::{life_cycle, Kind};
use crate::gp::Uicc;
use crate::transport::{Card, Transport, TransportError};
use hanko_crypto::testpki::{Pki, VERIFY_AT_UNIX};
use hanko_model::trace::{Actor, Control, Event, Link};
use jlis::{AppState, Jlis, RecordState};
use mno_tsm::{InstallVia, MnoTsm};
use phone::{Omapi, Phone};
use portal::Portal;
use serde_json::{Map, Value};
use setup::Setup;
use sp_tsm::{Next, SpTsm};
use std::sync::Arc;

/// A wrapped key (a `wrapped_key` field) starts with the byte naming the key it is wrapped
/// under, then the ciphertext (AES-CBC, `80 00…` padding): the convention the scheme model's
/// conformance check reads.
pub const KEK_SP_TSM: u8 = 0x01;
/// The applet's SSD data-encryption key.
pub const KEK_SSD_DEK: u8 = 0x02;

/// The party holding the card and the applet: the UI app (`s3i.machine.ui_app`,
/// `s3u.machine.ui_app` with `reader_of: uicc`).
pub const READER: Actor = Actor::UiApp;

/// The refusal runs: each ends in its refusal with nothing half-written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// Three wrong access codes at ④: the application is locked (cancelled).
    WrongCode,
    /// The access code's 72 hours run out before ④.
    ExpiredCode,
    /// The MNO-TSM's SCP80 counter was rolled back: its packets carry counters the UICC has
    /// already accepted, which from the card's side are replays; the first is refused.
    ReplayedCounter,
    /// The network alters the C-MAC of the personalization script's last STORE DATA.
    BadMac,
    /// The SP-TSM personalizes before the applet (and its SSD) is installed.
    PersonalizeFirst,
    /// The main certificate is revoked (reported lost) when ① arrives.
    MainRevoked,
}

impl Refusal {
    pub const ALL: [Refusal; 6] = [
        Refusal::WrongCode,
        Refusal::ExpiredCode,
        Refusal::ReplayedCounter,
        Refusal::BadMac,
        Refusal::PersonalizeFirst,
        Refusal::MainRevoked,
    ];

    /// The name `--refuse` takes.
    pub fn name(self) -> &'static str {
        match self {
            Refusal::WrongCode => "wrong-code",
            Refusal::ExpiredCode => "expired-code",
            Refusal::ReplayedCounter => "replayed-counter",
            Refusal::BadMac => "bad-mac",
            Refusal::PersonalizeFirst => "personalize-first",
            Refusal::MainRevoked => "main-revoked",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// What a run does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub seed: u64,
    /// The card PINs the user types at ① and ⑤, in order.
    pub card_pins: Vec<String>,
    /// The applet PIN the holder chooses at ④ and types at login.
    pub applet_pin: String,
    pub via: InstallVia,
    pub refusal: Option<Refusal>,
    /// Log in to the portal after issuance.
    pub login: bool,
    /// Check [`World::check_consistency`] after every message (tests).
    pub check_every_step: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            seed: 1,
            card_pins: vec![hanko_crypto::testpki::AUTH_PIN.to_string()],
            applet_pin: hanko_crypto::testpki::AUTH_PIN.to_string(),
            via: InstallVia::Ota,
            refusal: None,
            login: true,
            check_every_step: false,
        }
    }
}

/// The parties after a run.
pub struct World {
    pub phone: Phone,
    pub jlis: Jlis,
    pub mno: MnoTsm,
    pub sp: SpTsm,
    pub portal: Portal,
    /// The issued sub certificate, if issuance completed.
    pub issued: Option<Vec<u8>>,
}

/// A finished run.
pub struct Run3 {
    pub run: Run,
    pub world: World,
    /// The first inconsistency seen with [`Options::check_every_step`]: line and what.
    pub violation: Option<(usize, String)>,
}

impl World {
    fn new(pki: &Arc<Pki>, setup: &Setup, options: &Options) -> Self {
        let mut sp = SpTsm::new(setup.clone(), pki.sub_ca.der.clone());
        sp.eager = options.refusal == Some(Refusal::PersonalizeFirst);
        Self {
            phone: Phone::new(Uicc::new(setup.uicc_config())),
            jlis: Jlis::new(pki.clone(), setup, VERIFY_AT_UNIX),
            mno: MnoTsm::new(setup.clone(), options.via),
            sp,
            portal: Portal::new(&pki.sub_ca.der, setup.seed),
            issued: None,
        }
    }

    /// Whether the UICC's registry, the applet's contents, the TSMs and J-LIS's records agree.
    /// Holds between any two messages of a run, whatever failed:
    /// - every registry instance has its state (applet contents, SD keys) and nothing else
    ///   does; every association names a security domain that exists;
    /// - the applet is personalized exactly when its registry state says so, and then with a
    ///   certificate J-LIS generated, whose key it holds;
    /// - J-LIS's application is issued exactly when its record is active, and an active
    ///   record's certificate is in the applet; a cancelled application's certificate is
    ///   revoked; a pending record exists only while its application is authenticated;
    /// - the SP-TSM holds a sub key only while J-LIS's application waits for storage.
    pub fn check_consistency(&self) -> Result<(), String> {
        let uicc = &self.phone.uicc;
        let reg = uicc.registry();
        let state = uicc.state();
        for e in reg.entries() {
            if !reg.get(e.associated_sd.as_bytes()).is_some_and(|sd| sd.is_security_domain()) {
                return Err(format!("{} is associated with {}, which is no security domain", e.aid, e.associated_sd));
            }
            if let Kind::Instance { load_file, module, .. } = &e.kind {
                if reg.module(load_file.as_bytes(), module.as_bytes()).is_none() {
                    return Err(format!("{} was made from {load_file}/{module}, which is not loaded", e.aid));
                }
                let applet = state.applets.get(&e.aid);
                let keys = state.keys.get(&e.aid);
                if e.is_security_domain() != keys.is_some() || (applet.is_some() == e.is_security_domain()) {
                    return Err(format!("{}: registry entry and its contents disagree", e.aid));
                }
                if let Some(a) = applet {
                    let personalized_state = e.life_cycle & !life_cycle::LOCKED_BIT == life_cycle::PERSONALIZED;
                    if a.is_personalized() != personalized_state {
                        return Err(format!(
                            "{}: personalized {} but life cycle {:02X}",
                            e.aid,
                            a.is_personalized(),
                            e.life_cycle
                        ));
                    }
                }
            }
        }
        for aid in state.applets.keys().chain(state.keys.keys()) {
            if !reg.contains(aid.as_bytes()) {
                return Err(format!("{aid} has contents but no registry entry"));
            }
        }
        let personalized: Vec<&[u8]> =
            state.applets.values().filter_map(|a| a.contents()).map(|c| c.certificate.as_slice()).collect();
        for cert in &personalized {
            let record = self.jlis.records.iter().find(|r| r.certificate == *cert);
            match record.map(|r| r.state) {
                Some(RecordState::Pending | RecordState::Active) => {}
                Some(s) => return Err(format!("the applet holds a sub certificate J-LIS has as {s:?}")),
                None => return Err("the applet holds a certificate J-LIS never generated".into()),
            }
        }
        for app in &self.jlis.applications {
            let record = app
                .sub_serial
                .as_ref()
                .and_then(|s| self.jlis.records.iter().find(|r| &r.serial == s && r.application == app.id));
            match (app.state, record.map(|r| r.state)) {
                (AppState::Issued, Some(RecordState::Active)) => {
                    let r = record.map(|r| r.certificate.as_slice()).unwrap_or_default();
                    if !personalized.contains(&r) {
                        return Err(format!("{} is issued but the applet does not hold its certificate", app.id));
                    }
                }
                (AppState::Issued, s) => return Err(format!("{} is issued but its record is {s:?}", app.id)),
                (AppState::Authenticated, Some(RecordState::Pending)) => {}
                (AppState::Authenticated, s) => {
                    return Err(format!("{} awaits storage but its record is {s:?}", app.id));
                }
                (AppState::Cancelled, None | Some(RecordState::Revoked)) => {}
                (_, None) => {}
                (s, Some(r)) => return Err(format!("{} is {s:?} with a record {r:?}", app.id)),
            }
        }
        if let Some((app, _)) = self.sp.held_application() {
            let waiting = self.jlis.applications.iter().any(|a| a.id == app && a.state == AppState::Authenticated);
            if !waiting {
                return Err(format!("the SP-TSM holds the key of {app}, which no longer waits for it"));
            }
        }
        Ok(())
    }
}

impl Run3 {
    /// The run's two parts as traces of their own, header first: issuance (`s3i`) and use
    /// (`s3u`, the login), split at the first `s3u` message and numbered afresh, for checkers
    /// that take one of scheme 3's systems per trace. The use part is empty without a login.
    pub fn split_jsonl(&self) -> (String, String) {
        let at = self
            .run
            .lines
            .iter()
            .position(|l| matches!(&l.event, Event::Message { id, .. } if id.starts_with("s3u.")))
            .unwrap_or(self.run.lines.len());
        let part = |lines: &[hanko_model::trace::Line]| {
            if lines.is_empty() {
                return String::new();
            }
            let mut out = hanko_model::trace::write_line(&hanko_model::trace::Line::header(Some(3)));
            out.push('\n');
            for (i, l) in lines.iter().enumerate() {
                let mut l = l.clone();
                l.seq = Some(i as u64 + 1);
                out.push_str(&hanko_model::trace::write_line(&l));
                out.push('\n');
            }
            out
        };
        (part(&self.run.lines[..at]), part(&self.run.lines[at..]))
    }
}

/// Runs scheme 3 on the test PKI `pki`.
pub fn run(pki: Arc<Pki>, options: &Options) -> Run3 {
    let trace = Recorder::default();
    let setup = Setup::new(options.seed);
    let mut world = World::new(&pki, &setup, options);
    let mut ctx = Ctx { trace: trace.clone(), options, violation: None };
    let outcome = session(&mut world, &pki, &mut ctx);
    ctx.step(&world);
    let violation = ctx.violation.take();
    Run3 { run: Run { scheme: 3, lines: trace.lines(), outcome }, world, violation }
}

struct Ctx<'o> {
    trace: Recorder,
    options: &'o Options,
    violation: Option<(usize, String)>,
}

impl Ctx<'_> {
    fn msg(&mut self, world: &World, link: Link, from: Actor, to: Actor, id: &str, f: Map<String, Value>) {
        self.trace.msg(link, from, to, id, f);
        self.step(world);
    }

    fn step(&mut self, world: &World) {
        if self.options.check_every_step && self.violation.is_none() {
            if let Err(why) = world.check_consistency() {
                self.violation = Some((self.trace.0.borrow().len() + 1, why));
            }
        }
    }
}

/// The plastic card in the phone's NFC field, tapped once per step that needs it: powered on
/// when tapped, off when taken away; its PIN counters persist between taps.
struct Tapped {
    card: VirtualCard,
    trace: Recorder,
    powered: bool,
}

impl Tapped {
    fn tap(&mut self) {
        self.card.power_on();
        self.trace.push(Link::Nfc, READER, Actor::Card, Event::Control(Control::PowerOn));
        self.powered = true;
    }

    fn take_away(&mut self) {
        if self.powered {
            self.card.power_off();
            self.trace.push(Link::Nfc, READER, Actor::Card, Event::Control(Control::PowerOff));
            self.powered = false;
        }
    }
}

impl Transport for &mut Tapped {
    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if !self.powered {
            return Err(TransportError::Disconnected("the card is not in the field".into()));
        }
        self.trace.push(Link::Nfc, READER, Actor::Card, Event::Capdu(capdu.to_vec()));
        let r = self.card.process(capdu);
        self.trace.push(Link::Nfc, Actor::Card, READER, Event::Rapdu(r.clone()));
        Ok(r)
    }
}

/// The card signs `challenge` for J-LIS (① or ⑤): a tap, the certificate, the PIN, the
/// signature.
fn card_signs(card: &mut Tapped, pins: &[String], challenge: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    card.tap();
    let result = {
        let mut client = JpkiClient::new(&mut *card);
        authenticate(&mut client, pins, challenge)
    };
    card.take_away();
    result
}

fn session(world: &mut World, pki: &Arc<Pki>, ctx: &mut Ctx<'_>) -> Outcome {
    let o = ctx.options;
    let iccid = setup::ICCID;
    let https = Link::Https;
    if o.refusal == Some(Refusal::MainRevoked) {
        // The holder reported the card lost: J-LIS revoked the main certificate.
        if let Ok(c) = hanko_crypto::profile::Certificate::from_der(&pki.auth_ee.der) {
            world.jlis.revoked_main.insert(c.serial().to_vec());
        }
    }
    if o.refusal == Some(Refusal::ReplayedCounter) {
        roll_back_counter(world);
    }
    let Some(profile) = hanko_model::profile("plastic") else {
        return Outcome::Failed { why: "the plastic profile is missing from the spec".into() };
    };
    let mut card = Tapped {
        card: VirtualCard::new(pki.clone(), profile, &Pins::default()).with_seed(o.seed),
        trace: ctx.trace.clone(),
        powered: false,
    };

    // ① The application, proven with the card's main certificate and key.
    ctx.msg(world, https, READER, Actor::Jlis, "s3i.ui_app.application_start", fields([("iccid", iccid.into())]));
    let (app, challenge) = match world.jlis.application_start(iccid) {
        Ok(v) => v,
        Err(reason) => return Outcome::Refused { reason: reason.into() },
    };
    let a = || Value::from(app.clone());
    ctx.msg(
        world,
        https,
        Actor::Jlis,
        READER,
        "s3i.jlis.application_challenge",
        fields([("application", a()), ("challenge", hex(&challenge))]),
    );
    let (certificate, signature) = match card_signs(&mut card, &o.card_pins, &challenge) {
        Ok(v) => v,
        Err(why) => return Outcome::Failed { why },
    };
    ctx.msg(
        world,
        https,
        READER,
        Actor::Jlis,
        "s3i.ui_app.application",
        fields([
            ("application", a()),
            ("iccid", iccid.into()),
            ("certificate", hex(&certificate)),
            ("signature", hex(&signature)),
        ]),
    );
    let accepted = match world.jlis.application(&app, &certificate, &signature) {
        Ok(acc) => acc,
        Err(reason) => {
            ctx.msg(
                world,
                https,
                Actor::Jlis,
                READER,
                "s3i.jlis.application_refused",
                fields([("application", a()), ("reason", reason.into())]),
            );
            return Outcome::Refused { reason: reason.into() };
        }
    };
    // ② and ③ at once.
    ctx.msg(
        world,
        Link::Jlis,
        Actor::Jlis,
        Actor::SpTsm,
        "s3i.jlis.storage_permission",
        fields([("application", a()), ("iccid", iccid.into())]),
    );
    ctx.msg(world, https, Actor::Jlis, READER, "s3i.jlis.application_accepted", fields([("application", a())]));
    ctx.msg(
        world,
        Link::Jlis,
        Actor::Jlis,
        READER,
        "s3i.jlis.access_code",
        fields([
            ("application", a()),
            ("code", accepted.code.clone().into()),
            ("expires_in", jlis::CODE_LIFETIME.into()),
        ]),
    );
    let mut result = Progress::default();
    if let Some((iccid, aid)) = world.sp.storage_permission(&app, iccid) {
        ctx.msg(
            world,
            Link::GpMsg,
            Actor::SpTsm,
            Actor::MnoTsm,
            "s3i.sp_tsm.deploy_request",
            fields([("iccid", iccid.clone().into()), ("aid", hex(aid.as_bytes()))]),
        );
        deploy(world, ctx, &iccid, &app, &mut result);
    }

    // ④ The web application with the access code.
    if o.refusal == Some(Refusal::ExpiredCode) {
        world.jlis.now += jlis::CODE_LIFETIME + 1;
    }
    let codes: Vec<String> = if o.refusal == Some(Refusal::WrongCode) {
        let wrong = |i: u32| format!("{:08}", (accepted.code.parse::<u32>().unwrap_or(0) + i) % 100_000_000);
        (1..=3).map(wrong).collect()
    } else {
        vec![accepted.code.clone()]
    };
    let mut auth_challenge = None;
    for code in &codes {
        ctx.msg(
            world,
            https,
            READER,
            Actor::Jlis,
            "s3i.ui_app.web_application",
            fields([("application", a()), ("code", code.clone().into())]),
        );
        match world.jlis.web_application(&app, code, o.applet_pin.as_bytes()) {
            Ok(c) => {
                ctx.msg(
                    world,
                    https,
                    Actor::Jlis,
                    READER,
                    "s3i.jlis.auth_challenge",
                    fields([("application", a()), ("challenge", hex(&c))]),
                );
                auth_challenge = Some(c);
                break;
            }
            Err(reason) => {
                ctx.msg(
                    world,
                    https,
                    Actor::Jlis,
                    READER,
                    "s3i.jlis.web_refused",
                    fields([("application", a()), ("reason", reason.into())]),
                );
                if reason != "wrong_code" {
                    return Outcome::Refused { reason: reason.into() };
                }
            }
        }
    }
    let Some(auth_challenge) = auth_challenge else { return Outcome::Refused { reason: "wrong_code".into() } };

    // ⑤ Personal authentication, by the same card.
    let (certificate, signature) = match card_signs(&mut card, &o.card_pins, &auth_challenge) {
        Ok(v) => v,
        Err(why) => return Outcome::Failed { why },
    };
    ctx.msg(
        world,
        https,
        READER,
        Actor::Jlis,
        "s3i.ui_app.personal_auth",
        fields([("application", a()), ("certificate", hex(&certificate)), ("signature", hex(&signature))]),
    );
    let sp_data = match world.jlis.personal_auth(&app, &certificate, &signature) {
        Ok(d) => d,
        Err(reason) => {
            ctx.msg(
                world,
                https,
                Actor::Jlis,
                READER,
                "s3i.jlis.personal_auth_refused",
                fields([("application", a()), ("reason", reason.into())]),
            );
            return Outcome::Refused { reason: reason.into() };
        }
    };
    // ⑥ The key pair and sub certificate, through the SP-TSM.
    ctx.msg(
        world,
        Link::Jlis,
        Actor::Jlis,
        Actor::SpTsm,
        "s3i.jlis.sp_data",
        fields([
            ("application", a()),
            ("iccid", sp_data.iccid.clone().into()),
            ("key", hex(&sp_data.key)),
            ("certificate", hex(&sp_data.certificate)),
        ]),
    );
    let next = world.sp.sp_data(&sp_data);
    follow(world, ctx, &app, next, &mut result);

    match (result.issued.clone(), result.refusal) {
        (Some(cert), _) => {
            world.issued = Some(cert);
            if o.login {
                login(world, ctx)
            } else {
                Outcome::Failed { why: "issued; no login asked for".into() }
            }
        }
        (None, Some(reason)) => Outcome::Refused { reason: reason.into() },
        (None, None) => Outcome::Failed { why: "the issuance did not finish".into() },
    }
}

/// How far the TSM side got.
#[derive(Default)]
struct Progress {
    issued: Option<Vec<u8>>,
    /// The UICC's or J-LIS's refusal (`not_authentic`, `no_applet`, `issuance_failed`, …).
    refusal: Option<&'static str>,
}

/// The MNO-TSM installs the applet through the TSM proxy (DeployService).
fn deploy(world: &mut World, ctx: &mut Ctx<'_>, iccid: &str, app: &str, result: &mut Progress) {
    let aid = crate::gp::registry::Aid::hex(setup::APPLET_AID);
    let (ok, keys) = match world.mno.deploy_request(iccid) {
        None => (world.mno.state == mno_tsm::State::Installed, Vec::new()),
        Some(script) => {
            ctx.msg(
                world,
                Link::Https,
                Actor::MnoTsm,
                Actor::TsmProxy,
                "s3i.mno_tsm.install_script",
                fields([("iccid", iccid.into()), ("aid", hex(aid.as_bytes())), ("script", hex(&script))]),
            );
            ctx.msg(
                world,
                Link::Omapi,
                Actor::TsmProxy,
                Actor::Uicc,
                "s3i.tsm_proxy.install_apdus",
                fields([("aid", hex(aid.as_bytes())), ("script", hex(&script))]),
            );
            let played = world.phone.play_install(&script);
            ctx.msg(
                world,
                Link::Omapi,
                Actor::Uicc,
                Actor::TsmProxy,
                "s3i.uicc.install_result",
                fields([("aid", hex(aid.as_bytes())), ("status", played.status.into())]),
            );
            ctx.msg(
                world,
                Link::Https,
                Actor::TsmProxy,
                Actor::MnoTsm,
                "s3i.tsm_proxy.install_report",
                fields([("iccid", iccid.into()), ("aid", hex(aid.as_bytes())), ("status", played.status.into())]),
            );
            if played.status != "ok" {
                result.refusal = Some(played.status);
            }
            world.mno.install_report(played.status, &played.answers)
        }
    };
    ctx.msg(
        world,
        Link::GpMsg,
        Actor::MnoTsm,
        Actor::SpTsm,
        "s3i.mno_tsm.deploy_result",
        fields([
            ("iccid", iccid.into()),
            ("aid", hex(aid.as_bytes())),
            ("status", if ok { "ok" } else { "failed" }.into()),
            ("ssd_keys", hex(&keys)),
        ]),
    );
    let next = world.sp.deploy_result(ok, &keys);
    follow(world, ctx, app, next, result);
}

/// Carries out what the SP-TSM does next: personalize through the proxy, report to J-LIS.
fn follow(world: &mut World, ctx: &mut Ctx<'_>, app: &str, mut next: Next, result: &mut Progress) {
    let aid = hex(crate::gp::registry::Aid::hex(setup::APPLET_AID).as_bytes());
    loop {
        match next {
            Next::Nothing => return,
            Next::Personalize { script, key } => {
                ctx.msg(
                    world,
                    Link::Https,
                    Actor::SpTsm,
                    Actor::TsmProxy,
                    "s3i.sp_tsm.personalize_script",
                    fields([("aid", aid.clone()), ("script", hex(&script)), ("key", hex(&key))]),
                );
                let script =
                    if ctx.options.refusal == Some(Refusal::BadMac) { tamper_last_store_data(&script) } else { script };
                ctx.msg(
                    world,
                    Link::Omapi,
                    Actor::TsmProxy,
                    Actor::Uicc,
                    "s3i.tsm_proxy.personalize_apdus",
                    fields([("aid", aid.clone()), ("script", hex(&script)), ("key", hex(&key))]),
                );
                let played = world.phone.play_personalization(&script);
                ctx.msg(
                    world,
                    Link::Omapi,
                    Actor::Uicc,
                    Actor::TsmProxy,
                    "s3i.uicc.personalize_result",
                    fields([("aid", aid.clone()), ("status", played.status.into())]),
                );
                ctx.msg(
                    world,
                    Link::Https,
                    Actor::TsmProxy,
                    Actor::SpTsm,
                    "s3i.tsm_proxy.personalize_report",
                    fields([("aid", aid.clone()), ("status", played.status.into())]),
                );
                if played.status != "ok" {
                    result.refusal = Some(played.status);
                }
                next = world.sp.personalize_report(played.status, &played.answers);
            }
            Next::Stored(status) => {
                ctx.msg(
                    world,
                    Link::Jlis,
                    Actor::SpTsm,
                    Actor::Jlis,
                    "s3i.sp_tsm.stored",
                    fields([("application", app.into()), ("status", status.into())]),
                );
                let reply = world.jlis.stored(app, status == "ok");
                match reply {
                    Some(cert) => {
                        ctx.msg(
                            world,
                            Link::Https,
                            Actor::Jlis,
                            READER,
                            "s3i.jlis.issued",
                            fields([("application", app.into()), ("certificate", hex(&cert))]),
                        );
                        result.issued = Some(cert);
                    }
                    None => {
                        if world.jlis.applications.iter().any(|a| a.id == app && a.state == AppState::Cancelled) {
                            ctx.msg(
                                world,
                                Link::Https,
                                Actor::Jlis,
                                READER,
                                "s3i.jlis.issuance_failed",
                                fields([("application", app.into())]),
                            );
                            result.refusal.get_or_insert("issuance_failed");
                        }
                    }
                }
                return;
            }
        }
    }
}

/// The refusal run's set-up: the UICC accepted counters up to 5 in an earlier OTA job, and
/// the MNO-TSM's counter store was restored from before it.
fn roll_back_counter(world: &mut World) {
    world.mno.via = InstallVia::Ota;
    world.mno.ota_counter = 4;
    if let Some(packet) = world.mno.admin_packet(&[vec![0x80, 0xCA, 0x00, 0x66, 0x00]]) {
        world.phone.uicc.ota_packet(&packet);
    }
    world.mno.ota_counter = 0;
}

/// Flips the last byte of the C-MAC of the script's last STORE DATA.
fn tamper_last_store_data(script: &[u8]) -> Vec<u8> {
    let Some(mut commands) = script::expanded_commands(script) else { return script.to_vec() };
    if let Some(c) = commands.iter_mut().rev().find(|c| c.get(1) == Some(&0xE2)) {
        if let Some(last) = c.last_mut() {
            *last ^= 0x01;
        }
    }
    script::expanded(&commands)
}

/// The use: the UI app logs in to the portal with the sub certificate in the applet.
fn login(world: &mut World, ctx: &mut Ctx<'_>) -> Outcome {
    let https = Link::Https;
    ctx.msg(world, https, READER, Actor::Portal, "s3u.ui_app.login_request", fields([]));
    let (session, challenge) = world.portal.login();
    let s = || Value::from(session.clone());
    ctx.msg(
        world,
        https,
        Actor::Portal,
        READER,
        "s3u.portal.challenge",
        fields([("session", s()), ("challenge", hex(&challenge))]),
    );
    let signed = {
        let trace = ctx.trace.clone();
        match Omapi::open(&mut world.phone.uicc, READER, trace) {
            Err(why) => Err(why),
            Ok(channel) => {
                let mut client = JpkiClient::new(channel);
                let r = applet_signs(&mut client, &ctx.options.applet_pin, &challenge);
                client.into_inner().close();
                r
            }
        }
    };
    ctx.step(world);
    let (certificate, signature) = match signed {
        Ok(v) => v,
        Err(why) => return Outcome::Failed { why },
    };
    ctx.msg(
        world,
        https,
        READER,
        Actor::Portal,
        "s3u.ui_app.auth_response",
        fields([("session", s()), ("certificate", hex(&certificate)), ("signature", hex(&signature))]),
    );
    if let Err(reason) = world.portal.answer(&session, &certificate, &signature, world.jlis.now) {
        ctx.msg(
            world,
            https,
            Actor::Portal,
            READER,
            "s3u.portal.refused",
            fields([("session", s()), ("reason", reason.into())]),
        );
        return Outcome::Refused { reason: reason.into() };
    }
    ctx.msg(
        world,
        Link::Jlis,
        Actor::Portal,
        Actor::Jlis,
        "s3u.portal.status_request",
        fields([("session", s()), ("certificate", hex(&certificate))]),
    );
    let status = world.jlis.status(&certificate);
    ctx.msg(
        world,
        Link::Jlis,
        Actor::Jlis,
        Actor::Portal,
        "s3u.jlis.status",
        fields([("session", s()), ("status", status.into())]),
    );
    if status == "good" {
        ctx.msg(world, https, Actor::Portal, READER, "s3u.portal.session_granted", fields([("session", s())]));
        Outcome::LoggedIn { session }
    } else {
        ctx.msg(
            world,
            https,
            Actor::Portal,
            READER,
            "s3u.portal.refused",
            fields([("session", s()), ("reason", "revoked".into())]),
        );
        Outcome::Refused { reason: "revoked".into() }
    }
}

/// The applet signs the portal's challenge (`s3u.machine.ui_app`): SELECT, the PIN first (the
/// UICC applet shows its certificate only then), the certificate, the signature.
fn applet_signs<T: Transport>(
    client: &mut JpkiClient<T>,
    pin: &str,
    challenge: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), String> {
    client.verify(crate::client::Pin::Auth, pin).map_err(|e| format!("VERIFY: {e}"))?;
    let certificate = client.certificate(Which::Auth).map_err(|e| format!("reading the certificate: {e}"))?;
    let mut data = SHA256_DIGEST_INFO.to_vec();
    data.extend_from_slice(challenge);
    let signature = client.sign(Key::Auth, &data).map_err(|e| format!("signing: {e}"))?;
    Ok((certificate, signature))
}
