//! Scheme 3 end to end: the sub certificate issued into the UICC through J-LIS, the SP-TSM,
//! the MNO-TSM and the phone's TSM proxy, then a portal login with it; the trace conforms.

use hanko_crypto::profile::Certificate;
use hanko_crypto::testpki::Pki;
use hanko_model::trace::{check_card_level, parse_trace, Actor, Event, Link};
use hanko_model::CardModel;
use hanko_sim::card_data::{self, Pins};
use hanko_sim::gp::registry::life_cycle;
use hanko_sim::scheme::scheme3::mno_tsm::InstallVia;
use hanko_sim::scheme::scheme3::{self, setup, Options, Run3};
use hanko_sim::scheme::Outcome;
use std::sync::{Arc, OnceLock};

fn pki() -> Arc<Pki> {
    static PKI: OnceLock<Arc<Pki>> = OnceLock::new();
    PKI.get_or_init(|| Arc::new(Pki::generate(1))).clone()
}

fn h(s: &str) -> Vec<u8> {
    hanko_sim::gp::unhex(s).unwrap()
}

fn run(via: InstallVia) -> Run3 {
    scheme3::run(pki(), &Options { via, check_every_step: true, ..Options::default() })
}

fn messages(run: &Run3) -> Vec<String> {
    run.run
        .lines
        .iter()
        .filter_map(|l| match &l.event {
            Event::Message { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect()
}

fn field(run: &Run3, id: &str, name: &str) -> String {
    run.run
        .lines
        .iter()
        .find_map(|l| match &l.event {
            Event::Message { id: i, fields } if i == id => {
                fields.get(name).and_then(|v| v.as_str()).map(str::to_string)
            }
            _ => None,
        })
        .unwrap_or_default()
}

#[test]
fn issues_then_logs_in_over_ota_and_over_ram() {
    for via in [InstallVia::Ota, InstallVia::Ram] {
        let r = run(via);
        assert_eq!(r.violation, None, "{via:?}");
        assert!(matches!(r.run.outcome, Outcome::LoggedIn { .. }), "{via:?}: {:?}", r.run.outcome);
        r.world.check_consistency().unwrap();
        // The UICC holds the applet, personalized with the sub certificate, in the SSD.
        let uicc = &r.world.phone.uicc;
        let applet = uicc.applet(&h(setup::APPLET_AID)).unwrap();
        assert_eq!(applet.contents().unwrap().certificate, pki().sub_ee.der);
        let entry = uicc.registry().get(&h(setup::APPLET_AID)).unwrap();
        assert_eq!(entry.life_cycle, life_cycle::PERSONALIZED);
        assert_eq!(entry.associated_sd.as_bytes(), &h(setup::SSD_AID)[..]);
        // The SP-TSM replaced the MNO-TSM's first SSD keys with its own.
        let kvns: Vec<u8> = uicc.key_summary(&h(setup::SSD_AID)).unwrap().iter().map(|k| k.0).collect();
        assert_eq!(kvns, vec![setup::SSD_KVN_SP]);
        // J-LIS's record is active, and its certificate is the applet's.
        assert_eq!(r.world.jlis.records.len(), 1);
        assert_eq!(r.world.jlis.records[0].state, scheme3::jlis::RecordState::Active);
        assert_eq!(r.world.issued.as_deref(), Some(&pki().sub_ee.der[..]));
    }
}

#[test]
fn the_messages_come_in_the_flows_order() {
    let r = run(InstallVia::Ota);
    let ids = messages(&r);
    let expected = [
        "s3i.ui_app.application_start",
        "s3i.jlis.application_challenge",
        "s3i.ui_app.application",
        "s3i.jlis.storage_permission",
        "s3i.jlis.application_accepted",
        "s3i.jlis.access_code",
        "s3i.sp_tsm.deploy_request",
        "s3i.mno_tsm.install_script",
        "s3i.tsm_proxy.install_apdus",
        "s3i.uicc.install_result",
        "s3i.tsm_proxy.install_report",
        "s3i.mno_tsm.deploy_result",
        "s3i.ui_app.web_application",
        "s3i.jlis.auth_challenge",
        "s3i.ui_app.personal_auth",
        "s3i.jlis.sp_data",
        "s3i.sp_tsm.personalize_script",
        "s3i.tsm_proxy.personalize_apdus",
        "s3i.uicc.personalize_result",
        "s3i.tsm_proxy.personalize_report",
        "s3i.sp_tsm.stored",
        "s3i.jlis.issued",
        "s3u.ui_app.login_request",
        "s3u.portal.challenge",
        "s3u.ui_app.auth_response",
        "s3u.portal.status_request",
        "s3u.jlis.status",
        "s3u.portal.session_granted",
    ];
    assert_eq!(ids, expected);
    assert_eq!(field(&r, "s3i.uicc.install_result", "status"), "ok");
    assert_eq!(field(&r, "s3u.jlis.status", "status"), "good");
    // Wrapped keys name the key they are under, and never carry the key in clear.
    assert!(field(&r, "s3i.jlis.sp_data", "key").starts_with("01"));
    assert!(field(&r, "s3i.mno_tsm.deploy_result", "ssd_keys").starts_with("01"));
    assert!(field(&r, "s3i.sp_tsm.personalize_script", "key").starts_with("02"));
    // The certificate carries the modulus (public); the prime factors never appear.
    let text = r.run.to_jsonl();
    let p = pki();
    let key = p.sub_ee.key.private_key();
    let modulus = hanko_model::trace::hex_upper(&p.sub_ee.key.modulus());
    assert!(text.contains(&modulus[..64]));
    for prime in rsa::traits::PrivateKeyParts::primes(key) {
        let prime = hanko_model::trace::hex_upper(&hanko_sim::gp::applet::fixed_be(prime, 128));
        assert!(!text.contains(&prime[..48]), "a prime of the sub key in clear in the trace");
    }
    // The plastic card over NFC (① and ⑤), the applet over OMAPI (the login).
    let nfc = r.run.lines.iter().filter(|l| l.link == Some(Link::Nfc) && matches!(l.event, Event::Capdu(_))).count();
    let omapi: Vec<_> =
        r.run.lines.iter().filter(|l| l.link == Some(Link::Omapi) && matches!(l.event, Event::Capdu(_))).collect();
    assert!(nfc > 10 && omapi.len() >= 6);
    assert!(omapi.iter().all(|l| l.from == Some(scheme3::READER) && l.to == Some(Actor::Uicc)));
}

#[test]
fn runs_repeat_byte_for_byte_and_seeds_differ() {
    let a = scheme3::run(pki(), &Options::default()).run.to_jsonl();
    let b = scheme3::run(pki(), &Options::default()).run.to_jsonl();
    assert_eq!(a, b);
    let c = scheme3::run(pki(), &Options { seed: 2, ..Options::default() }).run.to_jsonl();
    assert_ne!(a, c);
}

/// The trace's APDUs are those a conforming card gives: the plastic card's against the plastic
/// profile, the applet's against the UICC profile holding the same test PKI. The applet chains
/// its signature through 61xx and GET RESPONSE (the profile's T=0), as the profile says.
#[test]
fn card_level_apdus_conform() {
    let r = run(InstallVia::Ota);
    let text = r.run.to_jsonl();
    let lines = parse_trace(&text).unwrap();
    let sign = lines
        .iter()
        .position(|l| matches!(&l.event, Event::Capdu(c) if c.get(1) == Some(&0x2A) && l.link == Some(Link::Omapi)))
        .unwrap();
    let p = pki();
    let make = |actor: Actor| {
        let profile = match actor {
            Actor::Card => hanko_model::profile("plastic")?,
            Actor::Uicc => hanko_model::profile("uicc")?,
            _ => return None,
        };
        Some(CardModel::new(profile, card_data::card_data(&p, profile, &Pins::default())))
    };
    assert_eq!(lines.get(sign + 1).map(|l| &l.event), Some(&Event::Rapdu(vec![0x61, 0x00])), "chained");
    let summary = check_card_level(&lines, make).unwrap();
    assert!(summary.cards.iter().any(|(a, n)| *a == Actor::Uicc && *n >= 7), "{:?}", summary.cards);
}

/// The chained signature is still checked: a GET RESPONSE answer a byte short is named at its
/// line.
#[test]
fn card_level_check_rejects_a_broken_chained_signature() {
    let r = run(InstallVia::Ota);
    let lines = parse_trace(&r.run.to_jsonl()).unwrap();
    let sign = lines
        .iter()
        .position(|l| matches!(&l.event, Event::Capdu(c) if c.get(1) == Some(&0x2A) && l.link == Some(Link::Omapi)))
        .unwrap();
    let p = pki();
    let with = |uicc_profile: &'static str| {
        let p = p.clone();
        move |actor: Actor| {
            let profile = match actor {
                Actor::Card => hanko_model::profile("plastic")?,
                Actor::Uicc => hanko_model::profile(uicc_profile)?,
                _ => return None,
            };
            Some(CardModel::new(profile, card_data::card_data(&p, profile, &Pins::default())))
        }
    };
    let mut short = lines.clone();
    let Event::Rapdu(sig) = &mut short[sign + 3].event else { panic!("GET RESPONSE answer") };
    sig.remove(0);
    let d = check_card_level(&short, with("uicc")).unwrap_err();
    assert_eq!(d.line, short[sign + 3].line_no, "{d}");
    assert!(check_card_level(&lines, with("uicc")).is_ok());
}

/// The applet holds exactly what the UICC profile's card data say for that certificate.
#[test]
fn the_personalized_applet_is_the_profiles_card() {
    let p = pki();
    let uicc = hanko_model::profile("uicc").unwrap();
    let expected = card_data::card_data(&p, uicc, &Pins::default());
    let mine = card_data::authentication_only(uicc, &p.sub_ee.der, &p.sub_ca.der, Pins::default().auth.as_bytes());
    assert_eq!(mine.files, expected.files);
    assert_eq!(mine.pins.keys().collect::<Vec<_>>(), expected.pins.keys().collect::<Vec<_>>());
}

#[test]
fn the_saved_applet_serves_the_sub_certificate() {
    use hanko_sim::client::{JpkiClient, Key, Pin, Which};
    use hanko_sim::transport::InProcess;
    let r = run(InstallVia::Ota);
    let applet = r.world.phone.uicc.applet(&h(setup::APPLET_AID)).unwrap();
    let doc = applet.to_json().unwrap();
    let dir = std::env::temp_dir().join(format!("hanko-applet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("applet.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let profile = hanko_model::profile("uicc").unwrap();
    let served = hanko_sim::gp::applet::AppletFile::open(profile, &path, 1).unwrap();
    let mut client = JpkiClient::new(InProcess::connect(served));
    assert_eq!(client.certificate(Which::Auth).unwrap(), pki().sub_ee.der);
    assert!(client.verify(Pin::Auth, "9999").is_err());
    client.verify(Pin::Auth, "1234").unwrap();
    let mut data = hanko_sim::scheme::SHA256_DIGEST_INFO.to_vec();
    data.extend_from_slice(&[0x42; 32]);
    let sig = client.sign(Key::Auth, &data).unwrap();
    let pki = pki();
    let cert = Certificate::from_der(&pki.sub_ee.der).unwrap();
    hanko_crypto::signature::verify(
        &cert.public_key().unwrap(),
        &[0x42; 32],
        &sig,
        hanko_crypto::signature::Scheme::Pkcs1v15Prehashed(hanko_crypto::signature::HashAlgorithm::Sha256),
    )
    .unwrap();
    // The wrong PIN's try was written back to the file; a restart keeps it.
    drop(client);
    let reopened = hanko_sim::gp::applet::AppletFile::open(profile, &path, 1).unwrap();
    let after_wrong_then_right = reopened.applet().model().tries().get("jpki.auth_pin").copied();
    assert_eq!(after_wrong_then_right, Some(3), "a right PIN resets the counter, and the file says so");
    std::fs::remove_dir_all(&dir).ok();
}

/// `hanko check --scheme 3` (the flow level) on the run's trace: issuance, then use, in one
/// trace; the certificate read at ⑤ in chunks is a new reading, not ①'s.
#[test]
fn the_trace_conforms_to_the_scheme_model() {
    let r = run(InstallVia::Ota);
    let lines = parse_trace(&r.run.to_jsonl()).unwrap();
    let verdict = hanko_model::scheme::conformance::check(3, &lines);
    assert!(verdict.is_ok(), "{verdict:?}");
}

/// The login part alone against the "scheme 3 use and life cycle" system, through the
/// signature the UICC profile chains with 61xx and GET RESPONSE (T=0).
#[test]
fn the_use_part_conforms_to_the_scheme_model() {
    let r = run(InstallVia::Ota);
    let (issuance, login) = r.split_jsonl();
    assert!(issuance.lines().count() + login.lines().count() == r.run.to_jsonl().lines().count() + 1);
    let lines = parse_trace(&login).unwrap();
    let verdict = hanko_model::scheme::conformance::check(3, &lines);
    assert!(verdict.is_ok(), "{verdict:?}");
}
