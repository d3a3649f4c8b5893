//! `hanko sim scheme 3`: issuance and login, the refusal runs, the saved applet, exit codes.

use std::process::{Command, Output};

fn hanko(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hanko")).args(args).env("NO_COLOR", "1").output().expect("hanko runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hanko-sim-scheme3-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn issues_logs_in_writes_the_trace_and_saves_the_applet() {
    let d = dir("ok");
    let (trace, applet) = (d.join("s3.jsonl"), d.join("applet.json"));
    let o = hanko(&[
        "sim",
        "scheme",
        "3",
        "--trace",
        trace.to_str().unwrap(),
        "--save-applet",
        applet.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["scheme"].as_u64(), v["outcome"].as_str(), v["consistent"].as_bool(), v["issued"].as_bool()),
        (Some(3), Some("logged_in"), Some(true), Some(true))
    );
    let t = std::fs::read_to_string(&trace).unwrap();
    assert!(t.starts_with("{\"trace\":\"hanko/1\",\"scheme\":3}\n"));
    assert_eq!(t.lines().count() as u64, v["lines"].as_u64().unwrap());
    assert!(t.contains("\"msg\":\"s3i.jlis.issued\"") && t.contains("\"msg\":\"s3u.portal.session_granted\""));
    let a: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&applet).unwrap()).unwrap();
    assert_eq!(a["applet"], "hanko-jpki-uicc/1");
    assert_eq!(a["tries"], 3);
    // The RAM path issues too; the same seed gives the same trace twice.
    let o = hanko(&["sim", "scheme", "3", "--via", "ram"]);
    assert!(o.status.success(), "{}", text(&o.stdout));
    assert!(text(&o.stdout).starts_with("scheme 3: logged_in"), "{}", text(&o.stdout));
    let again = d.join("again.jsonl");
    assert!(hanko(&["sim", "scheme", "3", "--trace", again.to_str().unwrap()]).status.success());
    assert_eq!(std::fs::read(&trace).unwrap(), std::fs::read(&again).unwrap());
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn each_refusal_ends_refused_and_consistent() {
    for (kind, reason) in [
        ("wrong-code", "locked"),
        ("expired-code", "expired"),
        ("replayed-counter", "not_authentic"),
        ("bad-mac", "not_authentic"),
        ("personalize-first", "no_applet"),
        ("main-revoked", "revoked"),
    ] {
        let o = hanko(&["sim", "scheme", "3", "--refuse", kind, "--json"]);
        assert!(o.status.success(), "{kind}: {}{}", text(&o.stdout), text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            (v["outcome"].as_str(), v["detail"].as_str(), v["refusal"].as_str()),
            (Some("refused"), Some(reason), Some(kind))
        );
        assert_eq!((v["consistent"].as_bool(), v["issued"].as_bool()), (Some(true), Some(false)), "{kind}");
    }
}

#[test]
fn bad_usage_exits_2_and_a_refusal_run_saves_no_applet() {
    let o = hanko(&["sim", "scheme", "3", "--refuse", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("wrong-code, expired-code"), "{}", text(&o.stderr));
    assert_eq!(hanko(&["sim", "scheme", "1", "--refuse", "bad-mac"]).status.code(), Some(2));
    assert_eq!(hanko(&["sim", "scheme", "2", "--save-applet", "x.json"]).status.code(), Some(2));
    assert_eq!(hanko(&["sim", "scheme", "3", "--via", "sms"]).status.code(), Some(2));
    let d = dir("refused");
    let applet = d.join("applet.json");
    let o = hanko(&["sim", "scheme", "3", "--refuse", "bad-mac", "--save-applet", applet.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(!applet.exists());
    // sim card --applet needs the UICC profile and a readable applet file.
    let o = hanko(&["sim", "card", "--applet", applet.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--profile uicc"), "{}", text(&o.stderr));
    let o = hanko(&["sim", "card", "--profile", "uicc", "--applet", applet.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("applet.json"), "{}", text(&o.stderr));
    std::fs::remove_dir_all(&d).ok();
}
