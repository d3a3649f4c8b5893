//! Every safety property can fail: for each test-only broken variant of the model, the checker
//! finds a violation of the property the variant breaks, and the counterexample, written as a
//! trace, is rejected by the conformance checker (which runs the unbroken model).

use hanko_model::scheme::checker::{check, Options, Status};
use hanko_model::scheme::conformance;
use hanko_model::scheme::engine::{Bounds, System};
use hanko_model::scheme::mutation::{Mutation, ALL};
use hanko_model::scheme::render;
use hanko_model::scheme::table::Flow;
use hanko_model::trace::Actor;

fn flows(prefixes: &[&str]) -> Vec<&'static Flow> {
    prefixes.iter().map(|p| hanko_model::generated::flows::flow(p).expect("flow")).collect()
}

fn scheme_of(prefixes: &[&str]) -> u8 {
    flows(prefixes)[0].scheme
}

/// Checks one broken variant; returns the deviation the conformance checker names.
fn killed(mutation: Mutation, prefixes: &[&str], property: &str, lossy: bool) -> String {
    let bounds = if lossy { Bounds::LOSSY } else { Bounds::ORDERED };
    let flows = flows(prefixes);
    let opts =
        Options { bounds, threads: 2, mutation: Some(mutation), stop_at_first_violation: true, ..Options::default() };
    let report = check("mutant", &flows, &opts, &mut |_| {}).expect("checks");
    let verdict = report.verdicts.iter().find(|v| v.property.id == property).expect("property checked");
    assert_eq!(verdict.status, Status::Violated, "{mutation:?} must break {property}: {report:?}");
    let path = verdict.path.as_ref().expect("counterexample");
    let sys = System::new(&flows, bounds, Some(mutation)).unwrap();
    let scheme = scheme_of(prefixes);
    // Written as `hanko check` reads it today: the attacker's moves under their claimed sender.
    let text = render::trace_with(&sys, scheme, path, true).text();
    let lines = hanko_model::trace::parse_trace(&text)
        .unwrap_or_else(|e| panic!("{mutation:?}: counterexample does not parse: {e}\n{text}"));
    let strict = conformance::check(scheme, &lines);
    assert!(strict.is_err(), "{mutation:?}: strict conformance accepted the counterexample\n{text}");
    let lenient = conformance::check_with(scheme, &lines, &conformance::Options { injections: true });
    let d =
        lenient.expect_err(&format!("{mutation:?}: the counterexample conforms even with injections allowed\n{text}"));
    // Written with the attacker named: a conforming-implementation check rejects its lines,
    // and with injections allowed the deviation is an honest party's, not the attacker's.
    let named = render::trace_with(&sys, scheme, path, false).text();
    let lines = hanko_model::trace::parse_trace(&named)
        .unwrap_or_else(|e| panic!("{mutation:?}: counterexample does not parse: {e}\n{named}"));
    let attacker_lines: Vec<usize> =
        lines.iter().filter(|l| l.from == Some(Actor::Attacker)).map(|l| l.line_no).collect();
    let strict = conformance::check(scheme, &lines);
    assert!(strict.is_err(), "{mutation:?}: strict conformance accepted the counterexample\n{named}");
    if let Some(first) = attacker_lines.first() {
        assert!(strict.unwrap_err().line <= *first, "{mutation:?}: an attacker line passed a strict check\n{named}");
    }
    let under_attack = conformance::check_with(scheme, &lines, &conformance::Options { injections: true })
        .expect_err(&format!("{mutation:?}: the named counterexample conforms with injections allowed\n{named}"));
    assert!(
        !attacker_lines.contains(&under_attack.line),
        "{mutation:?}: the deviation is the attacker's line, not an honest party's: {under_attack}\n{named}"
    );
    format!("{d}")
}

#[test]
fn every_broken_variant_is_caught_and_its_counterexample_rejected() {
    let mut properties = std::collections::BTreeSet::new();
    for (mutation, prefixes, property, lossy) in ALL {
        let d = killed(*mutation, prefixes, property, *lossy);
        println!("{mutation:?} breaks {property}; conformance: {d}");
        properties.insert(*property);
    }
    // Every safety property of the spec has a variant that breaks it.
    for prefixes in [&["s1"][..], &["s2"], &["s3i"], &["s3u", "lc"]] {
        for f in flows(prefixes) {
            for p in f.properties.iter().filter(|p| p.kind == hanko_model::scheme::table::Kind::Safety) {
                assert!(properties.contains(p.id), "no broken variant for {}", p.id);
            }
        }
    }
}

#[test]
fn a_mutation_that_changes_nothing_is_refused() {
    // A mutation that changes nothing in a system is refused, not silently ignored.
    assert!(System::new(&flows(&["s2"]), Bounds::ORDERED, Some(Mutation::JlisIssuesTwice)).is_err());
}
