//! The model checker on every scheme: every property gets the verdict it asks for.

use hanko_model::scheme::checker::{check, systems, Options, Status};
use hanko_model::scheme::engine::Bounds;

fn run(scheme: u8, bounds: Bounds) {
    for (name, flows) in systems(scheme).unwrap() {
        let opts = Options { bounds, threads: 2, ..Options::default() };
        let report = check(name, &flows, &opts, &mut |_| {}).unwrap();
        let bad: Vec<_> =
            report.verdicts.iter().filter(|v| !v.ok()).map(|v| (v.property.id, v.status.clone())).collect();
        assert!(bad.is_empty(), "{name}: {bad:?}");
        assert!(report.verdicts.iter().any(|v| v.status == Status::Holds));
    }
}

#[test]
fn scheme_2_ordered() {
    run(2, Bounds::ORDERED);
}

#[test]
fn scheme_1_ordered() {
    run(1, Bounds::ORDERED);
}

#[test]
fn scheme_3_ordered() {
    run(3, Bounds::ORDERED);
}

#[test]
fn scheme_2_lossy_and_duplicating() {
    run(2, Bounds::LOSSY);
}

#[test]
fn schemes_1_and_2_with_a_crash() {
    run(1, Bounds { crashes: 1, ..Bounds::ORDERED });
    run(2, Bounds { crashes: 1, ..Bounds::ORDERED });
}

#[test]
fn a_reachability_goal_that_needs_loss_is_skipped_on_an_ordered_network() {
    let (name, flows) = systems(3).unwrap().remove(0);
    let report = check(name, &flows, &Options::default(), &mut |_| {}).unwrap();
    let v = report.verdicts.iter().find(|v| v.property.id == "s3i.reach.not_permitted_refused").unwrap();
    assert_eq!(v.status, Status::Skipped("needs lossy".into()));
}

#[test]
fn unknown_scheme_is_an_error() {
    assert!(systems(4).is_err());
}
