//! `hanko check` on recorded, imported and forged traces: exit codes, the named line, JSON.

use std::process::{Command, Output};

fn hanko(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hanko")).args(args).env("NO_COLOR", "1").output().expect("hanko runs")
}

fn corpus(name: &str) -> String {
    format!("{}/../corpus/traces/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_pcscd_log_of_the_opensc_session_conforms() {
    let o = hanko(&["check", "--import", "pcscd", &corpus("pcscd-opensc.log"), "--json"]);
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["conforms"], true);
    // pkcs15-tool -D, a certificate read, signing, wrong PINs across a card restart, the block.
    assert_eq!(v["exchanges"], 271);
}

#[test]
fn the_opensc_debug_log_and_the_recorded_trace_conform() {
    let o = hanko(&["check", "--import", "opensc", &corpus("opensc-debug.log")]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("75 exchanges conform"), "{}", text(&o.stdout));
    // The same session as the card recorded it through vpcd.
    let o = hanko(&["check", &corpus("vpcd-opensc.jsonl")]);
    assert!(text(&o.stdout).contains("75 exchanges conform"), "{}", text(&o.stdout));
}

#[test]
fn a_forged_answer_in_an_imported_log_names_the_trace_and_log_lines() {
    let log = std::fs::read_to_string(corpus("pcscd-opensc.log")).unwrap();
    // The first wrong-PIN answer, 63C2, made a success.
    let at = log.lines().position(|l| l.trim_end().ends_with("SW: 63 C2")).expect("a wrong PIN in the log");
    let forged: Vec<String> = log
        .lines()
        .enumerate()
        .map(|(i, l)| if i == at { l.replace("SW: 63 C2", "SW: 90 00") } else { l.to_string() })
        .collect();
    let dir = std::env::temp_dir().join(format!("hanko-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("forged.log");
    std::fs::write(&path, forged.join("\n")).unwrap();
    let o = hanko(&["check", "--import", "pcscd", path.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["log_line"], at + 1);
    assert_eq!(
        (v["expected"].as_str(), v["seen"].as_str(), v["rule"].as_str()),
        (Some("63C2"), Some("9000"), Some("card.verify.wrong"))
    );
    let err = text(&o.stderr);
    assert!(err.contains(&format!("(log line {})", at + 1)) && err.lines().count() == 1, "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unreadable_traces_exit_2_naming_line_and_byte() {
    let dir = std::env::temp_dir().join(format!("hanko-check2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.jsonl");
    std::fs::write(&path, "{\"trace\":\"hanko/1\"}\n{\"seq\":1,\"link\":\"nfc\",\"from\":\"phone\",\"to\":\"card\",\"capdu\":\"00A4\",\"oops\":1}\n").unwrap();
    let o = hanko(&["check", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("line 2, byte 65: unknown key \"oops\""), "{}", text(&o.stderr));
    // A malformed C-APDU is a deviation at its line, with the codec rule it breaks.
    std::fs::write(
        &path,
        "{\"seq\":1,\"link\":\"nfc\",\"from\":\"phone\",\"to\":\"card\",\"capdu\":\"00A4040C0AD392\"}\n",
    )
    .unwrap();
    let o = hanko(&["check", path.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["line"].as_u64(), v["expected"].as_str()), (Some(1), Some("a well-formed C-APDU")));
    assert!(v["seen"].as_str().unwrap().contains("at byte 7"), "{v}");
    assert!(v["spec"].as_str().unwrap().starts_with("spec/apdu/iso7816.json#"), "{v}");
    let o = hanko(&["check", "--import", "opensc", path.to_str().unwrap()]);
    assert!(o.status.success(), "an OpenSC log without APDUs is an empty session: {}", text(&o.stderr));
    std::fs::remove_dir_all(&dir).ok();
}
