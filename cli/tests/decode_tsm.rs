//! `hanko decode scp80-command | scp80-response | remote-apdu` as a user runs it: the pySim
//! AES vector deciphered and checked, a forged byte refused with exit 1, malformed input
//! with exit 2, and the JSON forms.

use std::process::{Command, Output};

fn hanko(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hanko")).args(args).env("NO_COLOR", "1").output().expect("hanko runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

// osmocom/pysim tests/unittests/test_ota.py, AES128-SJA5-CIPHERED-CC.
const AES_COMMAND: &str = "00281506192222b00011e87cceebb2d93083011ce294f93fc4d8de80da1abae8c37ca3e72ec4432e5058";
const AES_RESPONSE: &str = "027100002412b00011ebc6b497e2cad7aedf36ace0e3a29b38853f0fe9ccde81913be5702b73abce1f";
const KIC: &str = "200102030405060708090a0b0c0d0e0f";
const KID: &str = "201102030405060708090a0b0c0d0e0f";

#[test]
fn a_command_with_keys_is_deciphered_and_checked() {
    let o = hanko(&["decode", "scp80-command", AES_COMMAND, "--kic-key", KIC, "--kid-key", KID, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["verified"], "checksum verified");
    assert_eq!(v["data"], "00A40004023F00");
    assert_eq!(v["packet"]["kic"]["algorithm"], "aes_cbc");
    assert_eq!(v["script"]["commands"][0]["ins"], "A4");
}

#[test]
fn a_forged_command_fails_with_exit_1_and_one_line() {
    let mut forged = AES_COMMAND.to_string();
    forged.replace_range(forged.len() - 2.., "59");
    let o = hanko(&["decode", "scp80-command", &forged, "--kic-key", KIC, "--kid-key", KID]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("RC/CC/DS check failed"), "{err}");
    let o = hanko(&["decode", "scp80-command", &forged, "--kic-key", KIC, "--kid-key", KID, "--json"]);
    assert_eq!(json(&o)["error"]["por_status"], "rc_cc_ds_failed");
}

#[test]
fn without_keys_the_ciphered_part_stays_opaque() {
    let o = hanko(&["decode", "scp80-command", AES_COMMAND, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["verified"], serde_json::Value::Null);
    assert_eq!(v["packet"]["ciphered"], true);
    assert!(v["packet"]["secured"].as_str().is_some_and(|s| s.starts_with("E87C")));
}

#[test]
fn an_rc_is_checked_without_keys() {
    let crc16 = "00170F09010011B00011000000000100F61800A40004023F00";
    let o = hanko(&["decode", "scp80-command", crc16, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["verified"], "checksum verified");
    let o = hanko(&["decode", "scp80-command", &crc16.replace("F618", "F619")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn a_response_is_checked_against_the_command_spi() {
    let args = ["decode", "scp80-response", AES_RESPONSE, "--spi", "0619", "--kic", "22", "--kid", "22"];
    let o = hanko(&[&args[..], &["--kic-key", KIC, "--kid-key", KID, "--json"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["data"], "016132");
    assert_eq!(v["script"]["executed"], 1);
    assert_eq!(v["script"]["sw"], "6132");
    // Keys without the command's SPI: bad usage.
    let o = hanko(&["decode", "scp80-response", AES_RESPONSE, "--kic-key", KIC]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--spi"), "{}", stderr(&o));
}

#[test]
fn malformed_packets_exit_2_naming_byte_and_rule() {
    let o = hanko(&["decode", "scp80-command", "00150C00000000B0001100000000000000A40004023F00"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("at byte 2") && err.contains("spec/tsm/scp80.json#/scp80/5/packet/2"), "{err}");
    let o = hanko(&["decode", "scp80-command", "0015", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(json(&o)["error"]["kind"], "truncated");
    let o = hanko(&["decode", "scp80-command", AES_COMMAND, "--kic-key", "0011"]);
    assert_eq!(o.status.code(), Some(2), "a short key is bad usage");
}

#[test]
fn remote_apdu_scripts_decode_in_both_formats() {
    let o = hanko(&["decode", "remote-apdu", "AE80220580CA00E0000000", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["length"], "indefinite");
    let o = hanko(&["decode", "remote-apdu", "00A4000C023F0000B000000A"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("compact command script"));
    let o = hanko(&["decode", "remote-apdu", "AF8023029000"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at byte 6"), "{}", stderr(&o));
}
