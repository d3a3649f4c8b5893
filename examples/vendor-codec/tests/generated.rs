//! The vendor crate's generated code is fresh and decodes its own examples.

use hanko_codec::CommandApdu;
use vendor_codec::{Command, File};
use xtask::spec::Spec;

fn spec_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("spec")
}

#[test]
fn generated_code_is_fresh() {
    let spec = Spec::load(&spec_dir()).expect("spec loads");
    let report = xtask::validate::validate(&spec);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let files = xtask::codegen::generate(&spec, "hanko_codec").expect("generates");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/generated");
    if let Err(e) = xtask::codegen::check(&files, &out) {
        panic!("{e}");
    }
}

#[test]
fn commands_decode_and_reencode() {
    let bytes = [0x80, 0xE0, 0x00, 0x01, 0x03, 0x00, 0x01, 0x02];
    let apdu = CommandApdu::parse(&bytes).unwrap();
    let Some(Command::StampAddStamp(c)) = Command::classify(&apdu, &bytes).unwrap() else { panic!("not ADD STAMP") };
    assert_eq!((c.count, c.shop, c.till), (1, &[0x00, 0x01][..], &[0x02][..]));
    let mut out = Vec::new();
    c.encode(&mut out);
    assert_eq!(out, bytes);
}

#[test]
fn the_file_decodes_and_bad_dates_are_refused() {
    let good = hex("E114800554657374218101078208323033303132333100 00");
    let File::StampCard(card) = File::decode("stamp.card", &good).unwrap().unwrap();
    assert_eq!(card.holder, "Test!");
    assert_eq!(card.expires.to_iso(), *b"2030-12-31");
    let bad = hex("E1148005546573742181010782083230333031333332");
    let err = File::decode("stamp.card", &bad).unwrap().unwrap_err();
    assert_eq!((err.kind.name(), err.offset), ("invalid", 14));
    assert!(err.to_string().contains("spec/applet.json#/files/0/layout/0/children/2"), "{err}");
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}
