//! `hanko model check` and `hanko model dot` as a user runs them: verdicts, the JSON contract,
//! exit codes, and a counterexample that `hanko check` rejects.

use std::process::{Command, Output};

fn hanko(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hanko")).args(args).env("NO_COLOR", "1").output().expect("hanko runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn scheme_1_check_passes_with_every_property() {
    let o = hanko(&["model", "check", "--scheme", "1", "--threads", "2"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    for id in [
        "s1.prop.no_signature_without_pin",
        "s1.prop.pin_counter_correct",
        "s1.prop.channel_bound",
        "s1.reach.logged_in",
        "s1.reach.pairing_expired",
    ] {
        assert!(out.lines().any(|l| l.contains(id) && l.trim_start().starts_with("ok")), "{id}: {out}");
    }
    assert!(out.contains("states/s"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
}

#[test]
fn json_shape() {
    let o = hanko(&["model", "check", "--scheme", "2", "--json", "--threads", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["scheme"], 2);
    assert_eq!(v["ok"], true);
    assert_eq!(v["bounds"]["ordered"], true);
    assert!(v["counterexample"].is_null());
    let system = &v["systems"][0];
    assert_eq!(system["system"], "scheme 2");
    assert_eq!(system["flows"][0], "s2");
    assert!(system["states"].as_u64().unwrap() > 100);
    assert!(system["states_per_second"].as_f64().unwrap() > 0.0);
    assert_eq!(system["complete"], true);
    let props = system["properties"].as_array().unwrap();
    assert_eq!(props.len(), 11);
    for p in props {
        assert_eq!(p["ok"], true, "{p}");
        assert!(["holds", "reached"].contains(&p["verdict"].as_str().unwrap()), "{p}");
        assert!(p["spec"].as_str().unwrap().starts_with("spec/flow/scheme2.json#/properties/"), "{p}");
    }
}

#[test]
fn scheme_3_checks_issuance_and_use() {
    let o = hanko(&["model", "check", "--scheme", "3", "--json", "--threads", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<_> =
        v["systems"].as_array().unwrap().iter().map(|s| s["system"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["scheme 3 issuance", "scheme 3 use and life cycle"]);
    // A goal that needs a lossy network is skipped on an ordered one, and says why.
    let issuance = v["systems"][0]["properties"].as_array().unwrap();
    let np = issuance.iter().find(|p| p["id"] == "s3i.reach.not_permitted_refused").unwrap();
    assert_eq!(np["verdict"], "skipped");
    assert_eq!(np["note"], "needs lossy");
}

#[test]
fn a_lossy_network_is_unordered_and_judges_every_goal() {
    let o = hanko(&["model", "check", "--scheme", "2", "--lossy", "--json", "--threads", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["bounds"]["ordered"], false);
    assert_eq!(v["bounds"]["duplicates"], 1);
    assert!(v["systems"][0]["properties"].as_array().unwrap().iter().all(|p| p["verdict"] != "skipped"));
}

#[test]
fn a_violated_property_exits_1_with_a_counterexample_hanko_check_rejects() {
    let dir = std::env::temp_dir().join(format!("hanko-model-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cex.jsonl");
    let file_s = file.to_str().unwrap();
    let o = hanko(&[
        "model",
        "check",
        "--scheme",
        "2",
        "--mutation",
        "CardSignsWithoutPin",
        "--counterexample",
        file_s,
        "--threads",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("FAIL s2.prop.no_signature_without_pin"), "{}", stdout(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("s2.prop.no_signature_without_pin violated") && err.contains(file_s), "{err}");
    let trace = std::fs::read_to_string(&file).unwrap();
    assert!(trace.starts_with("{\"trace\":\"hanko/1\",\"scheme\":2,\"cards\":\"abstract\"}"), "{trace}");
    let c = hanko(&["check", file_s, "--scheme", "2", "--json"]);
    assert_eq!(c.status.code(), Some(1), "hanko check must reject it: {}{}", stdout(&c), stderr(&c));
    // At an honest party's line (the broken behaviour), not at one of the attacker's.
    let v: serde_json::Value = serde_json::from_slice(&c.stdout).expect("JSON");
    let at = v["line"].as_u64().expect("a line") as usize;
    let line = trace.lines().nth(at - 1).expect("the line is in the trace");
    assert!(!line.contains("\"from\":\"attacker\""), "{line}\n{trace}");
    // Judged by the scheme model, not against a real card's bytes the model never wrote.
    let rule = v["rule"].as_str().unwrap_or_default();
    assert!(rule.starts_with("s2.") || rule.starts_with("card."), "{v}");
    assert!(!v["expected"].as_str().unwrap_or_default().starts_with("308204"), "{v}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_failure_names_the_counterexample() {
    let o =
        hanko(&["model", "check", "--scheme", "1", "--mutation", "RelayUnlimitedCodes", "--json", "--threads", "1"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on failure too");
    assert_eq!(v["ok"], false);
    assert_eq!(v["counterexample"]["property"], "s1.prop.pairing_code_single_use");
    let path = v["counterexample"]["trace"].as_str().unwrap();
    assert!(std::path::Path::new(path).exists());
    let _ = std::fs::remove_file(path);
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(hanko(&["model", "check", "--scheme", "4"]).status.code(), Some(2));
    assert_eq!(hanko(&["model", "check"]).status.code(), Some(2));
    let o = hanko(&["model", "check", "--scheme", "1", "--mutation", "NoSuchThing"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no mutation"), "{}", stderr(&o));
}

#[test]
fn dot_prints_every_machine() {
    let o = hanko(&["model", "dot", "--scheme", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("digraph \"scheme 1\" {"), "{out}");
    for m in ["s1.machine.pc", "s1.machine.relay", "s1.machine.phone", "s1.machine.card", "s1.machine.portal"] {
        assert!(out.contains(&format!("cluster_{m}")), "{m}");
    }
    assert!(out.contains("pair_join [code_valid] / relay.paired, relay.peer_joined"), "{out}");
    assert_eq!(out.matches('{').count(), out.matches('}').count());
    let three = stdout(&hanko(&["model", "dot", "--scheme", "3"]));
    assert_eq!(three.matches("digraph").count(), 2, "issuance, and use with the life cycle");
}
