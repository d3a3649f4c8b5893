//! `hanko decode gp`: GlobalPlatform commands, and the responses they get, as a user runs it.
//! The APDUs are the published ones of pySim, GlobalPlatformPro and kaoh/globalplatform that the
//! spec carries (spec/gp/commands.json).

use std::process::{Command, Output};

fn hanko(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hanko")).args(args).env("NO_COLOR", "1").output().expect("hanko runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(args: &[&str]) -> serde_json::Value {
    let o = hanko(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn a_command_decodes_with_its_fields() {
    // pySim's SCP02 INITIALIZE UPDATE.
    let v = json(&["decode", "gp", "805020000840A62C37FA6304F800", "--json"]);
    assert_eq!(v["command"]["id"], "gp.initialize_update");
    assert_eq!(v["command"]["key_version"], 32);
    assert_eq!(v["command"]["host_challenge"], "40A62C37FA6304F8");

    let v = json(&[
        "decode",
        "gp",
        "80E60C002406A0000000031607A00000000316500E325041592E5359532E4444463031010002C90000",
        "--json",
    ]);
    assert_eq!(v["command"]["id"], "gp.install_for_install_and_make_selectable");
    assert_eq!(v["command"]["application_aid"]["hex"], "325041592E5359532E4444463031");
    assert_eq!(v["command"]["privileges"], serde_json::json!({ "hex": "00", "set": [] }));
}

#[test]
fn the_tree_names_the_command() {
    let o = hanko(&["decode", "gp", "80F24002024F0000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("GlobalPlatform C-APDU, 8 bytes: GET STATUS [gp.get_status, normative]"), "{out}");
}

#[test]
fn a_response_is_found_by_its_layout() {
    // GlobalPlatformPro's README trace: the ISD's FCI.
    let v = json(&["decode", "gp", "6F108408A000000151000000A5049F6501FF9000", "--json"]);
    assert_eq!(v["sw"], "9000");
    assert_eq!(v["response"]["layout"], "gp.select_response");
    assert_eq!(v["response"]["fci"]["aid"]["application"], "gp.isd");
    assert_eq!(v["response"]["fci"]["proprietary"]["max_command_length"], "FF");
}

#[test]
fn response_to_picks_the_layout_by_instruction_command_or_capdu() {
    // pySim's SCP03 INITIALIZE UPDATE response, by INS.
    let v = json(&[
        "decode",
        "gp",
        "--response-to",
        "50",
        "000000000000000000003003703EB51047495B249F66C484C1D2EF19480000029000",
        "--json",
    ]);
    assert_eq!(v["response"]["layout"], "gp.initialize_update_response_scp03");
    assert_eq!(v["response"]["card_challenge"], "3EB51047495B249F");
    assert_eq!(v["response"]["sequence_counter"], "000002");

    // The same bytes as GET STATUS entries: the C-APDU's subset picks the life cycles' meaning.
    let entry = "E3114F08A0000000030000009F70010FC501006310";
    let apps = json(&["decode", "gp", "--response-to", "80F24002024F0000", entry, "--json"]);
    assert_eq!(apps["response"]["layout"], "gp.get_status_applications_response");
    assert_eq!(apps["response"]["entries"][0]["life_cycle_state"]["life_cycle"], "personalized");
    assert_eq!(apps["status"]["id"], "sw.more_entries");
    let isd = json(&["decode", "gp", "--response-to", "80F28002024F0000", entry, "--json"]);
    assert_eq!(isd["response"]["entries"][0]["life_cycle_state"]["life_cycle"], "secured");

    let keys = json(&[
        "decode",
        "gp",
        "--response-to",
        "gp.get_data",
        "E012C00401708010C00402708010C004037080109000",
        "--json",
    ]);
    assert_eq!(keys["response"]["template"]["keys"][2]["key_id"], 3);
}

#[test]
fn an_error_status_without_data_is_shown() {
    let v = json(&["decode", "gp", "--response-to", "F2", "6A88", "--json"]);
    assert_eq!(v["status"]["id"], "sw.reference_data_not_found");
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let cases: [(&[&str], &str); 4] = [
        // A JPKI command is no GlobalPlatform one.
        (&["decode", "gp", "00A4040C0AD392F000260100000001"], "not a GlobalPlatform command (jpki.select_df)"),
        // pySim's case 3 GET STATUS: its tag list declares five bytes and carries four.
        (&["decode", "gp", "80F220020A4F0212345C054F9F70C5"], "at byte 15"),
        (&["decode", "gp", "--response-to", "gp.nothing", "9000"], "names no GlobalPlatform response"),
        (&["decode", "gp", "--response-to", "50", "0000000000009000"], "data runs short in key_diversification_data"),
    ];
    for (args, needle) in cases {
        let o = hanko(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}
