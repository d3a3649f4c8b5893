//! `hanko sim scheme 1|2` runs end to end and writes a trace that `hanko check` accepts.

use std::process::{Command, Output};

fn hanko(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hanko")).args(args).env("NO_COLOR", "1").output().expect("hanko runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn both_schemes_log_in_and_their_traces_conform() {
    let dir = std::env::temp_dir().join(format!("hanko-sim-scheme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for n in ["1", "2"] {
        let trace = dir.join(format!("s{n}.jsonl"));
        let o = hanko(&["sim", "scheme", n, "--trace", trace.to_str().unwrap(), "--json"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            (v["scheme"].as_u64(), v["outcome"].as_str(), v["apdus"].as_u64()),
            (n.parse().ok(), Some("logged_in"), Some(12))
        );
        let o = hanko(&["check", trace.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(text(&o.stdout).contains("12 exchanges conform"), "{}", text(&o.stdout));
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn wrong_pins_end_in_a_blocked_pin_and_bad_usage_exits_2() {
    let o = hanko(&["sim", "scheme", "2", "--pins", "9999,0000,1111"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("scheme 2: failed (the PIN is now blocked)"), "{}", text(&o.stdout));
    assert_eq!(hanko(&["sim", "scheme", "4"]).status.code(), Some(2));
}

#[test]
fn the_scheme_2_trace_conforms_at_flow_level_and_a_replayed_grant_does_not() {
    let dir = std::env::temp_dir().join(format!("hanko-sim-flow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("s2.jsonl");
    assert!(hanko(&["sim", "scheme", "2", "--trace", trace.to_str().unwrap()]).status.success());
    let o = hanko(&["check", trace.to_str().unwrap(), "--scheme", "2", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["scheme"]["system"].as_str(), v["scheme"]["messages"].as_u64()), (Some("scheme 2"), Some(4)));
    // The portal grants without having been answered: the signed response removed.
    let text_in = std::fs::read_to_string(&trace).unwrap();
    let forged: String =
        text_in.lines().filter(|l| !l.contains("s2.phone.auth_response")).map(|l| format!("{l}\n")).collect();
    let forged_path = dir.join("forged.jsonl");
    std::fs::write(&forged_path, forged).unwrap();
    let o = hanko(&["check", forged_path.to_str().unwrap(), "--scheme", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("s2.portal.session_granted") || text(&o.stderr).contains("line"),
        "{}",
        text(&o.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}
