//! `hanko decode tsm`: a TSM-layer JSON message from an argument, a file or standard input;
//! exit 0 with its decoding, or 2 with one line naming the JSON pointer, byte and spec rule.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const SEND_SCRIPT: &str = r#"{"type":"gpsm.send_script.request","FunctionCallIdentifier":"sp-tsm-000123","ConversationID":7,"CommandAPDU":["00A4040008D392F0002601FF0100","84E280000E0011030100011122334455667788"]}"#;

fn hanko(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hanko")).args(args).env("NO_COLOR", "1").output().expect("hanko runs")
}

fn hanko_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hanko"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hanko runs");
    child.stdin.take().expect("stdin").write_all(input).expect("writes");
    child.wait_with_output().expect("hanko ends")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn temp(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hanko-decode-msg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("writes");
    path
}

#[test]
fn a_message_is_named_and_its_members_listed() {
    let o = hanko(&["decode", "tsm", SEND_SCRIPT]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let first = out.lines().next().unwrap_or_default();
    assert_eq!(first, "TSM message, 183 bytes: SendScript request [gpsm.send_script.request, single-source]");
    assert!(out.contains("SendScript: sp_tsm → mno_tsm"), "{out}");
    assert!(
        out.lines().any(|l| l.trim_start().starts_with("[1]") && l.ends_with("84E280000E0011030100011122334455667788")),
        "{out}"
    );
}

#[test]
fn json_output_carries_the_entry_and_the_body() {
    let o = hanko(&["decode", "tsm", SEND_SCRIPT, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["message"], "gpsm.send_script.request");
    assert_eq!(v["operation"], "SendScript");
    assert_eq!(v["from"], serde_json::json!(["sp_tsm"]));
    assert_eq!(v["bytes"], 183);
    assert_eq!(v["body"]["CommandAPDU"][0], "00A4040008D392F0002601FF0100");
}

#[test]
fn files_standard_input_and_hex_are_read_too() {
    let pretty = "{\n  \"type\": \"ram.stop\",\n  \"sessionId\": \"0f96af97-f879-45a2-a011-ee7439df3804\"\n}\n";
    let path = temp("stop.json", pretty);
    let path = path.to_str().expect("UTF-8 path");
    for args in [vec!["decode", "tsm", path, "--json"], vec!["decode", "tsm", &format!("@{path}"), "--json"]] {
        let o = hanko(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert_eq!(json(&o)["message"], "ram.stop");
    }
    let o = hanko_stdin(&["decode", "tsm", "-", "--json"], pretty.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["body"]["sessionId"], "0f96af97-f879-45a2-a011-ee7439df3804");
    std::fs::remove_file(path).expect("removes");
    let hex: String = SEND_SCRIPT.bytes().map(|b| format!("{b:02X}")).collect();
    let o = hanko(&["decode", "tsm", &hex, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["message"], "gpsm.send_script.request");
}

#[test]
fn a_missing_member_exits_2_with_one_line_naming_the_pointer() {
    let o = hanko(&["decode", "tsm", r#"{"type":"ram.command","sessionId":"s-1"}"#]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("missing member at /listOfCAPDU (byte 0)"), "{err}");
    assert!(err.contains("spec/tsm/messages.json#/messages/"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn with_json_the_error_names_kind_pointer_and_offset() {
    let bad = SEND_SCRIPT.replace("00A4040008D392F0002601FF0100", "00A404000AD392F0002601FF01");
    let o = hanko(&["decode", "tsm", &bad, "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    assert_eq!(v["error"]["kind"], "bad_apdu");
    assert_eq!(v["error"]["pointer"], "/CommandAPDU/0");
    assert_eq!(v["error"]["offset"], bad.find("\"00A4").expect("present"));
    assert!(v["error"]["spec"].as_str().is_some_and(|s| s.starts_with("spec/tsm/messages.json#/message_types/")));
}

#[test]
fn text_that_is_not_json_exits_2_naming_the_byte() {
    let o = hanko(&["decode", "tsm", r#"{"type":"ram.stop","sessionId":"s-1",}"#]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("not JSON at the root (byte 37): expected a member name"), "{err}");
    let o = hanko(&["decode", "tsm", "not hex, not JSON"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
