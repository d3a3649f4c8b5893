//! The refusal runs of scheme 3: each ends in its refusal, and after every message of the run
//! the UICC's registry, the applet's contents, the TSMs and J-LIS's records agree
//! ([`World::check_consistency`], checked by the run itself with `check_every_step`); at the
//! end, what each party holds is what that refusal must leave.

use hanko_crypto::testpki::Pki;
use hanko_model::trace::Event;
use hanko_sim::gp::registry::life_cycle;
use hanko_sim::scheme::scheme3::jlis::{AppState, RecordState};
use hanko_sim::scheme::scheme3::{self, setup, Options, Refusal, Run3, World};
use hanko_sim::scheme::Outcome;
use std::sync::{Arc, OnceLock};

fn pki() -> Arc<Pki> {
    static PKI: OnceLock<Arc<Pki>> = OnceLock::new();
    PKI.get_or_init(|| Arc::new(Pki::generate(1))).clone()
}

fn h(s: &str) -> Vec<u8> {
    hanko_sim::gp::unhex(s).unwrap()
}

fn refuse(r: Refusal) -> Run3 {
    let run = scheme3::run(pki(), &Options { refusal: Some(r), check_every_step: true, ..Options::default() });
    assert_eq!(run.violation, None, "{r:?}: inconsistent during the run");
    run.world.check_consistency().unwrap_or_else(|e| panic!("{r:?}: inconsistent at the end: {e}"));
    run
}

fn reason(run: &Run3) -> &str {
    match &run.run.outcome {
        Outcome::Refused { reason } => reason,
        other => panic!("not refused: {other:?}"),
    }
}

fn said(run: &Run3, id: &str, field: &str) -> Vec<String> {
    run.run
        .lines
        .iter()
        .filter_map(|l| match &l.event {
            Event::Message { id: i, fields } if i == id => {
                fields.get(field).and_then(|v| v.as_str()).map(str::to_string)
            }
            _ => None,
        })
        .collect()
}

fn app_state(w: &World) -> AppState {
    w.jlis.applications.last().map(|a| a.state).expect("an application")
}

/// Nothing of the sub key anywhere: no applet holds data, no record is live, the SP-TSM holds
/// no key, and the portal would be told nothing good.
fn no_sub_key_anywhere(w: &World) {
    assert!(w.phone.uicc.state().applets.values().all(|a| !a.is_personalized()));
    assert!(w.jlis.records.iter().all(|r| r.state == RecordState::Revoked));
    assert!(!w.sp.holds_key());
    assert!(w.issued.is_none());
}

#[test]
fn wrong_access_code_three_times_locks_the_application() {
    let run = refuse(Refusal::WrongCode);
    assert_eq!(reason(&run), "locked");
    assert_eq!(said(&run, "s3i.jlis.web_refused", "reason"), ["wrong_code", "wrong_code", "locked"]);
    assert_eq!(app_state(&run.world), AppState::Cancelled);
    assert_eq!(run.world.jlis.applications[0].wrong_codes, 3);
    assert!(run.world.jlis.records.is_empty(), "no key pair was generated");
    // The applet was installed (the deployment ran at ②) and stays empty.
    let uicc = &run.world.phone.uicc;
    assert_eq!(uicc.registry().get(&h(setup::APPLET_AID)).unwrap().life_cycle, life_cycle::SELECTABLE);
    no_sub_key_anywhere(&run.world);
}

#[test]
fn expired_access_code_is_refused() {
    let run = refuse(Refusal::ExpiredCode);
    assert_eq!(reason(&run), "expired");
    assert_eq!(said(&run, "s3i.jlis.web_refused", "reason"), ["expired"]);
    assert_eq!(app_state(&run.world), AppState::CodeExpired);
    assert!(run.world.jlis.records.is_empty());
    no_sub_key_anywhere(&run.world);
}

#[test]
fn replayed_scp80_counter_installs_nothing() {
    let run = refuse(Refusal::ReplayedCounter);
    assert_eq!(reason(&run), "not_authentic");
    assert_eq!(said(&run, "s3i.uicc.install_result", "status"), ["not_authentic"]);
    assert_eq!(said(&run, "s3i.mno_tsm.deploy_result", "status"), ["failed"]);
    assert_eq!(said(&run, "s3i.sp_tsm.stored", "status"), ["failed"]);
    assert_eq!(said(&run, "s3i.jlis.issuance_failed", "application").len(), 1);
    // The UICC holds what it was made with: ISD and the SD load file, nothing more.
    let uicc = &run.world.phone.uicc;
    assert_eq!(uicc.registry().entries().len(), 2);
    assert!(uicc.registry().get(&h(setup::SSD_AID)).is_none());
    // J-LIS generated a key pair at ⑥ and revoked it when storage failed.
    assert_eq!(run.world.jlis.records.len(), 1);
    assert_eq!(run.world.jlis.records[0].state, RecordState::Revoked);
    assert_eq!(app_state(&run.world), AppState::Cancelled);
    no_sub_key_anywhere(&run.world);
}

#[test]
fn bad_mac_on_the_last_store_data_stores_nothing() {
    let run = refuse(Refusal::BadMac);
    assert_eq!(reason(&run), "not_authentic");
    assert_eq!(said(&run, "s3i.uicc.personalize_result", "status"), ["not_authentic"]);
    assert_eq!(said(&run, "s3i.sp_tsm.stored", "status"), ["failed"]);
    // Every block before the last was accepted, yet the applet holds nothing.
    let uicc = &run.world.phone.uicc;
    let applet = uicc.applet(&h(setup::APPLET_AID)).expect("installed");
    assert!(!applet.is_personalized());
    assert_eq!(uicc.registry().get(&h(setup::APPLET_AID)).unwrap().life_cycle, life_cycle::SELECTABLE);
    // PUT KEY came before the tampered block: the SSD holds the SP-TSM's keys (a whole command).
    let kvns: Vec<u8> = uicc.key_summary(&h(setup::SSD_AID)).unwrap().iter().map(|k| k.0).collect();
    assert_eq!(kvns, vec![setup::SSD_KVN_SP]);
    assert_eq!(run.world.jlis.records[0].state, RecordState::Revoked);
    no_sub_key_anywhere(&run.world);
}

#[test]
fn personalization_before_installation_finds_no_applet() {
    let run = refuse(Refusal::PersonalizeFirst);
    assert_eq!(reason(&run), "no_applet");
    assert!(said(&run, "s3i.sp_tsm.deploy_request", "iccid").is_empty(), "the SP-TSM skipped the deployment");
    assert_eq!(said(&run, "s3i.uicc.personalize_result", "status"), ["no_applet"]);
    let uicc = &run.world.phone.uicc;
    assert_eq!(uicc.registry().entries().len(), 2);
    assert!(uicc.state().applets.is_empty());
    assert_eq!(run.world.jlis.records[0].state, RecordState::Revoked);
    no_sub_key_anywhere(&run.world);
}

#[test]
fn revoked_main_certificate_is_refused_at_the_application() {
    let run = refuse(Refusal::MainRevoked);
    assert_eq!(reason(&run), "revoked");
    assert_eq!(said(&run, "s3i.jlis.application_refused", "reason"), ["revoked"]);
    assert!(said(&run, "s3i.jlis.storage_permission", "iccid").is_empty(), "no permission for a refused application");
    assert_eq!(app_state(&run.world), AppState::Cancelled);
    assert!(run.world.sp.permission.is_none());
    assert_eq!(run.world.phone.uicc.registry().entries().len(), 2, "nothing was deployed");
    no_sub_key_anywhere(&run.world);
}

/// Every refusal over the RAM path too, where the install script is an SCP03 script.
#[test]
fn refusals_over_ram_end_consistent() {
    for r in Refusal::ALL {
        let run = scheme3::run(
            pki(),
            &Options {
                refusal: Some(r),
                via: scheme3::mno_tsm::InstallVia::Ram,
                check_every_step: true,
                ..Options::default()
            },
        );
        assert_eq!(run.violation, None, "{r:?}");
        assert!(matches!(run.run.outcome, Outcome::Refused { .. }), "{r:?}: {:?}", run.run.outcome);
        run.world.check_consistency().unwrap();
    }
}

/// The consistency check can fail: a world where the applet holds a certificate J-LIS never
/// issued is caught.
#[test]
fn the_consistency_check_catches_a_stray_applet() {
    let run = scheme3::run(pki(), &Options { login: false, ..Options::default() });
    assert!(run.world.check_consistency().is_ok());
    let mut world = run.world;
    world.jlis.records.clear();
    let err = world.check_consistency().unwrap_err();
    assert!(err.contains("never generated") || err.contains("issued"), "{err}");
}
