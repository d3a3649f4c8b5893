//! The flow validator: hanko's flows pass, and each kind of mistake is reported at its path.

use xtask::flow;
use xtask::spec::Spec;

fn spec() -> Spec {
    Spec::load(&xtask::repo_root().join("spec")).expect("spec loads")
}

fn problems(spec: &Spec) -> Vec<String> {
    flow::validate(spec).problems.iter().map(|p| p.to_string()).collect()
}

fn scheme1(spec: &mut Spec) -> &mut xtask::spec::SpecFile {
    &mut spec.files.iter_mut().find(|l| l.display.ends_with("scheme1.json")).expect("scheme1").file
}

fn expect(spec: &Spec, path: &str, words: &str) {
    let found = problems(spec);
    assert!(found.iter().any(|p| p.contains(path) && p.contains(words)), "wanted {path} … {words}; got {found:#?}");
}

#[test]
fn hanko_flows_are_valid() {
    let s = spec();
    let report = flow::validate(&s);
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert_eq!(flow::flows(&s).len(), 5);
    assert!(report.examples >= 10);
}

#[test]
fn a_dangling_trigger_is_named() {
    let mut s = spec();
    scheme1(&mut s).machines[0].transitions[0].on = "s1.pc.nothing".into();
    expect(&s, "scheme1.json#/machines/0/transitions/0/on", "no message to pc");
}

#[test]
fn a_message_the_actor_does_not_send_is_named() {
    let mut s = spec();
    scheme1(&mut s).machines[0].transitions[0].emits = vec!["s1.portal.challenge".into()];
    expect(&s, "scheme1.json#/machines/0/transitions/0/emits/0", "no message pc sends");
}

#[test]
fn an_unreachable_state_is_named() {
    let mut s = spec();
    let f = scheme1(&mut s);
    let m = &mut f.machines[1];
    m.transitions.retain(|t| t.to != "bound");
    expect(&s, "scheme1.json#/machines/1/states/2", "not reachable");
}

#[test]
fn a_dangling_guard_and_unknown_link_are_named() {
    let mut s = spec();
    let f = scheme1(&mut s);
    f.machines[1].transitions[1].guard = Some("s1.guard.nothing".into());
    f.flow_messages[0].link = "pigeon".into();
    expect(&s, "transitions/1/guard", "no guard");
    expect(&s, "flow_messages/0/link", "unknown link");
}

#[test]
fn an_id_without_the_prefix_or_twice_is_named() {
    let mut s = spec();
    let f = scheme1(&mut s);
    f.flow_messages[1].id = "s2.portal.challenge".into();
    expect(&s, "flow_messages/1/id", "prefix");
    expect(&s, "flow_messages/1/id", "duplicate id");
}

#[test]
fn a_flow_without_a_rejected_example_is_named() {
    let mut s = spec();
    scheme1(&mut s).traces.retain(|t| t.conforms);
    expect(&s, "scheme1.json#/traces", "one that does not");
}

#[test]
fn an_example_line_with_the_wrong_ends_is_named() {
    let mut s = spec();
    let t = &mut scheme1(&mut s).traces[0];
    let i = t.lines.iter().position(|l| l.get("msg").is_some()).unwrap();
    t.lines[i]["from"] = serde_json::Value::from("portal");
    expect(&s, &format!("traces/0/lines/{i}/from"), "has from");
}

#[test]
fn an_apdu_without_its_argument_is_named() {
    let mut s = spec();
    let m = &mut scheme1(&mut s).machines[0];
    let t = m.transitions.iter_mut().find(|t| t.apdu.is_some()).unwrap();
    t.apdu = None;
    let found = problems(&s);
    assert!(
        found.iter().any(|p| p.contains("machines/0/transitions") && p.contains("card command (with its apdu)")),
        "{found:#?}"
    );
}
