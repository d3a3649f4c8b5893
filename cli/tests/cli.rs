//! The `hanko` binary as a user runs it: outputs, the JSON contract, exit codes.

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

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

#[test]
fn select_of_the_jpki_ap_is_named_in_json() {
    let o = hanko(&["decode", "capdu", "00A4040C0AD392F000260100000001", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["command"]["id"], "jpki.select_df");
    assert_eq!(v["command"]["name"], "SELECT (by DF name)");
    assert_eq!(v["command"]["aid"]["application"], "ap.jpki");
    assert_eq!(v["case"], "3S");
}

#[test]
fn data_running_short_exits_2_naming_the_byte() {
    let o = hanko(&["decode", "capdu", "00A4040C0AD392"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("at byte 7"), "{err}");
    assert!(err.contains("spec/apdu/iso7816.json#/apdu/3"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn with_json_an_error_is_also_json_on_stdout() {
    let o = hanko(&["decode", "capdu", "00A4040C0AD392", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    assert_eq!(v["error"]["kind"], "truncated");
    assert_eq!(v["error"]["offset"], 7);
}

/// COMPUTE DIGITAL SIGNATURE with a SHA-256 DigestInfo, the hash shaped like the
/// walk-through's (`22 D6 28 B5 … FE 71 E7`).
const SIGN_WITH_SHA256: &str = concat!(
    "802A008033",
    "3031300D060960864801650304020105000420",
    "22D628B5",
    "00000000000000000000000000000000000000000000000000",
    "FE71E7",
    "00"
);

/// Every command of the real-card walk-through (tex2e; REFERENCE §5) is a command of the spec.
#[test]
fn the_real_card_walkthrough_decodes() {
    let walkthrough = [
        ("00A4040C0AD392F000260100000001", "jpki.select_df"),
        ("00A4020C02000A", "jpki.select_ef"),
        ("00B0000004", "jpki.read_binary"),
        ("00B0000400061F", "jpki.read_binary"),
        ("00A4020C02001B", "jpki.select_ef"),
        ("0020008006313233343536", "jpki.verify"),
        ("00B000040006CA", "jpki.read_binary"),
        ("002000800431323334", "jpki.verify"),
        (SIGN_WITH_SHA256, "jpki.compute_signature"),
        ("00A4040C0AD3921000310001010408", "jpki.select_df"),
        ("00B0000000", "jpki.read_binary"),
        ("00B0000201", "jpki.read_binary"),
        ("00B0000071", "jpki.read_binary"),
    ];
    for (hex, id) in walkthrough {
        let o = hanko(&["decode", "capdu", hex, "--json"]);
        assert!(o.status.success(), "{hex}: {}", stderr(&o));
        assert_eq!(json(&o)["command"]["id"], id, "{hex}");
    }
    let o = hanko(&["decode", "capdu", "00B0000400061F", "--json"]);
    let v = json(&o);
    assert_eq!(
        (v["case"].as_str(), v["ne"].as_u64(), v["command"]["offset"].as_u64()),
        (Some("2E"), Some(1567), Some(4))
    );
}

fn basic_four_example(index: usize) -> String {
    let spec: serde_json::Value = serde_json::from_str(include_str!("../../spec/ef/text_ap.json")).unwrap();
    let file = spec["files"].as_array().unwrap().iter().find(|f| f["id"] == "text.basic_four").unwrap();
    file["examples"][index]["hex"].as_str().unwrap().to_string()
}

#[test]
fn basic_four_items_decode() {
    let o = hanko(&["decode", "ef", "--ap", "text", "--fid", "0002", &basic_four_example(0), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["attributes"]["name"], "見本　花子");
    assert_eq!(v["attributes"]["birth_date"], "2000-01-01");
    assert_eq!(v["attributes"]["sex"], "female");
    assert!(v["attributes"]["address"].as_str().unwrap().starts_with("東京都"));
    let tree = stdout(&hanko(&["decode", "ef", "--ap", "text", "--fid", "0002", &basic_four_example(0)]));
    for name in ["name", "address", "birth_date", "sex", "offsets"] {
        assert!(tree.contains(name), "the tree names {name}:\n{tree}");
    }
}

#[test]
fn a_lying_offset_table_exits_2_naming_the_offset() {
    let o = hanko(&["decode", "ef", "--ap", "text", "--fid", "0002", &basic_four_example(2)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("offset 1 declares 33"), "{err}");
    assert!(err.contains("DF21"), "{err}");
}

#[test]
fn files_and_stdin_are_read_as_hex_or_raw() {
    let dir = std::env::temp_dir().join(format!("hanko-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hex_file = dir.join("select.hex");
    std::fs::write(&hex_file, "00 A4 02 0C\n02 00 18\n").unwrap();
    let raw_file = dir.join("select.bin");
    std::fs::write(&raw_file, [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18]).unwrap();
    for f in [&hex_file, &raw_file] {
        let o = hanko(&["decode", "capdu", &format!("@{}", f.display()), "--json"]);
        assert_eq!(json(&o)["command"]["fid"], "0018", "{}", f.display());
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_hanko"))
        .args(["decode", "rapdu", "-", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"63C2\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(json(&o)["status"]["tries_left"], 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    for args in [
        &["decode", "capdu", "0G"][..],
        &["decode", "capdu", "@/nonexistent/file"],
        &["decode", "ef", "--ap", "nope", "--fid", "0001", "00"],
        &["decode", "ef", "--ap", "jpki", "--fid", "0017", "00"],
        &["decode", "ef", "--ap", "jpki", "--fid", "17", "00"],
        &["decode", "ef", "00"],
    ] {
        let o = hanko(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&o).trim().lines().count(), 1, "{args:?}: {}", stderr(&o));
    }
    let o = hanko(&["decode", "nonsense", "00"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn tlv_and_simple_tlv_decode() {
    let v = json(&hanko(&["decode", "tlv", "7F2103 5F3700", "--json"]));
    assert_eq!(v["objects"][0]["name"], "card-verifiable certificate");
    assert_eq!(v["objects"][0]["children"][0]["tag"], "5F37");
    let record: String = b"99900000000000113101".iter().chain(b"20350101").map(|b| format!("{b:02X}")).collect();
    let v = json(&hanko(&["decode", "simple-tlv", &format!("011C{record}"), "--json"]));
    assert_eq!(v["objects"][0]["length"], 28);
}

#[test]
fn demo_runs_the_walkthrough() {
    let o = hanko(&["demo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("31 commands decoded"), "{out}");
    assert!(out.contains("見本　花子"), "{out}");
    assert!(out.contains("verifies under the authentication certificate"), "{out}");
    let v = json(&hanko(&["demo", "--json"]));
    assert_eq!(v["virtual_card"]["signature"]["verified"], true);
    assert_eq!(v["virtual_card"]["my_number"], "123456789018");
    assert_eq!(v["virtual_card"]["basic_four"]["sex"], "female");
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 31);
    assert!(steps.iter().all(|s| s["capdu"]["command"].is_object()));
    assert!(steps.iter().any(|s| s["file"]["my_number"] == "123456789018"));
    // The second half: every scheme logs in and its trace conforms at card and flow level.
    let schemes = v["schemes"].as_array().unwrap();
    assert_eq!(schemes.iter().map(|s| s["scheme"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2, 3]);
    for s in schemes {
        assert_eq!(s["outcome"], "logged in to the portal", "{s}");
        assert!(s["conformance"].as_str().unwrap().contains("conform"), "{s}");
    }
    assert!(out.contains("scheme 3 issuance, then use"), "{out}");
}

// ---- verify (the crypto core) -------------------------------------------------------

fn pki(name: &str) -> String {
    format!("{}/../corpus/testdata/pki/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The test PKI's check time: every certificate is as its variant says.
const AT: &str = "2027-01-01T00:00:00Z";

#[test]
fn verify_chain_accepts_the_test_pki_and_names_each_broken_variant() {
    let o = hanko(&[
        "verify",
        "chain",
        &pki("auth_ee.pem"),
        "--anchor",
        &pki("auth_ca.pem"),
        "--crl",
        &pki("auth_ca.crl.pem"),
        "--at",
        AT,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("not revoked"), "{}", stdout(&o));
    for (variant, reason) in [
        ("expired", "expired"),
        ("not_yet_valid", "not valid before"),
        ("tampered_signature", "signature"),
        ("wrong_key_usage", "key usage"),
        ("unknown_critical_extension", "1.3.6.1.4.1.32473.1.99"),
        ("revoked", "revoked"),
        ("sha1", "sha1"),
    ] {
        let o = hanko(&[
            "verify",
            "chain",
            &pki(&format!("variants/{variant}/ee.pem")),
            "--anchor",
            &pki("auth_ca.pem"),
            "--crl",
            &pki("auth_ca.crl.pem"),
            "--at",
            AT,
            "--purpose",
            "auth",
        ]);
        assert_eq!(o.status.code(), Some(1), "{variant}: {}", stdout(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{variant}: {err}");
        assert!(err.to_lowercase().contains(&reason.to_lowercase()), "{variant}: {err}");
    }
    let o = hanko(&["verify", "chain", &pki("auth_ee.pem"), "--anchor", "/nonexistent.pem"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn verify_chain_json_names_the_certificate_and_reason() {
    let o = hanko(&[
        "verify",
        "chain",
        &pki("auth_revoked.pem"),
        "--anchor",
        &pki("auth_ca.pem"),
        "--crl",
        &pki("auth_ca.crl.pem"),
        "--at",
        AT,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["valid"], false);
    assert_eq!(v["certificate"], 0);
    assert!(v["reason"].as_str().unwrap().contains("revoked"), "{v}");
}

#[test]
fn verify_signature_accepts_what_openssl_signed_and_rejects_one_byte_changed() {
    let dir = std::env::temp_dir().join(format!("hanko-sig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("document.txt");
    std::fs::write(&data, "hanko: a document to sign\n").unwrap();
    let sig = dir.join("document.sig");
    let made = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign", &pki("sign_ee.key.pk8.pem"), "-out"])
        .arg(&sig)
        .arg(&data)
        .status()
        .expect("openssl is needed for this test (apt-get install openssl)");
    assert!(made.success());
    let args = |d: &std::path::Path, s: &std::path::Path| {
        hanko(&[
            "verify",
            "signature",
            "--cert",
            &pki("sign_ee.pem"),
            "--data",
            d.to_str().unwrap(),
            "--sig",
            s.to_str().unwrap(),
        ])
    };
    let o = args(&data, &sig);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut changed = std::fs::read(&data).unwrap();
    changed[0] ^= 1;
    let changed_path = dir.join("changed.txt");
    std::fs::write(&changed_path, changed).unwrap();
    let o = args(&changed_path, &sig);
    assert_eq!(o.status.code(), Some(1), "a changed byte must fail");
    let mut bad_sig = std::fs::read(&sig).unwrap();
    bad_sig[100] ^= 0x80;
    let bad_sig_path = dir.join("bad.sig");
    std::fs::write(&bad_sig_path, bad_sig).unwrap();
    assert_eq!(args(&data, &bad_sig_path).status.code(), Some(1), "a changed signature byte must fail");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_real_jlis_cas_decode_with_their_generation() {
    for (file, kind, generation) in [
        ("auth_ca_2015.pem", "authentication CA", "G2015"),
        ("auth_ca_2023.pem", "authentication CA", "G2023"),
        ("sign_ca_2015.pem", "signing CA", "G2015"),
        ("sign_ca_2023.pem", "signing CA", "G2023"),
    ] {
        let path = format!("@{}/../corpus/testdata/jpki-ca/{file}", env!("CARGO_MANIFEST_DIR"));
        let v = json(&hanko(&["decode", "cert", &path, "--json"]));
        assert_eq!((v["kind"].as_str(), v["generation"].as_str()), (Some(kind), Some(generation)), "{file}: {v}");
    }
    let v = json(&hanko(&["decode", "cert", &format!("@{}", pki("sign_ee.pem")), "--json"]));
    assert_eq!(v["holder"]["name"], "見本　花子");
}

#[test]
fn testdata_pki_reproduces_the_checked_in_copy() {
    let dir = std::env::temp_dir().join(format!("hanko-pki-{}", std::process::id()));
    let o = hanko(&["testdata", "pki", "--out", dir.to_str().unwrap(), "--seed", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for name in ["auth_ca.der", "auth_ee.der", "sign_ee.der", "auth_ca.crl.der", "text_ap/ef0003.bin", "sub_ee.der"] {
        assert_eq!(
            std::fs::read(dir.join(name)).unwrap(),
            std::fs::read(pki(name)).unwrap(),
            "{name} differs from corpus/testdata/pki"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
