//! The virtual card against the behaviour REFERENCE §5 describes, in process: reads as
//! real clients read, PIN counters and blocking, security status lost on reset and DF
//! change, signing with the real key, the profiles' differences, and a state file that
//! survives a restart.

use hanko_crypto::signature::{self, Scheme};
use hanko_crypto::testpki::Pki;
use hanko_model::{profile, Rule};
use hanko_sim::card::VirtualCard;
use hanko_sim::card_data::Pins;
use hanko_sim::transport::Card;

/// A fresh test PKI per card: each card owns its keys (generation takes well under a second).
fn pki() -> Pki {
    Pki::generate(1)
}

fn card(profile_name: &str) -> VirtualCard {
    let mut c = VirtualCard::new(pki(), profile(profile_name).expect("profile"), &Pins::default()).with_seed(7);
    c.power_on();
    c
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Sends `capdu`, checks the status word, returns the data.
fn send(c: &mut VirtualCard, capdu: &str, sw: u16) -> Vec<u8> {
    let r = c.process(&hex(capdu));
    let got = u16::from_be_bytes([r[r.len() - 2], r[r.len() - 1]]);
    assert_eq!(got, sw, "{capdu}: got {got:04X} by rule {:?}", c.last_rule());
    r[..r.len() - 2].to_vec()
}

const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";
const SELECT_TEXT: &str = "00A4040C0AD3921000310001010408";

/// Reads a DER file as jpki/myna does: 7 bytes, the BER length, then 256-byte chunks with
/// an exact Le for the last.
fn read_der_like_myna(c: &mut VirtualCard) -> Vec<u8> {
    let head = send(c, "00B0000007", 0x9000);
    let (len, ll) = hanko_codec::tlv::ber::read_length(&head[1..]).unwrap();
    let total = 1 + ll + len;
    let mut out = head;
    while out.len() < total {
        let n = (total - out.len()).min(256);
        let le = if n == 256 { 0 } else { n };
        out.extend(send(c, &format!("00B0{:04X}{:02X}", out.len(), le), 0x9000));
    }
    out
}

#[test]
fn clients_read_the_certificates_both_ways() {
    let p = pki();
    let mut c = card("plastic");
    send(&mut c, SELECT_JPKI, 0x9000);
    send(&mut c, "00A4020C02000A", 0x9000);
    assert_eq!(read_der_like_myna(&mut c), p.auth_ee.der);
    // OpenSC: a 4-byte probe, then the rest.
    let probe = send(&mut c, "00B0000004", 0x9000);
    assert_eq!(&probe[..2], &[0x30, 0x82]);
    // The extended READ BINARY of the real-card walk-through.
    let size = usize::from(u16::from_be_bytes([probe[2], probe[3]]));
    let rest = send(&mut c, &format!("00B00004 00{size:04X}"), 0x9000);
    assert_eq!([probe, rest].concat(), p.auth_ee.der);
    send(&mut c, "00A4020C020006", 0x9000);
    let label = send(&mut c, "00B0000020", 0x9000);
    assert_eq!(String::from_utf8_lossy(&label).trim_end(), "JPKIAPICCTOKEN2");
    send(&mut c, "00B0100000", 0x6B00);
}

#[test]
fn the_signing_certificate_needs_the_password() {
    let mut c = card("plastic");
    send(&mut c, SELECT_JPKI, 0x9000);
    send(&mut c, "00A4020C020001", 0x9000);
    send(&mut c, "00B0000004", 0x6982);
    send(&mut c, "00A4020C02001B", 0x9000);
    send(&mut c, "0020008006414243313233", 0x9000);
    send(&mut c, "00A4020C020001", 0x9000);
    assert_eq!(read_der_like_myna(&mut c), pki().sign_ee.der);
}

#[test]
fn signing_uses_the_real_key_and_needs_the_pin() {
    let p = pki();
    let mut c = card("plastic");
    let digest = [0x42u8; 32];
    let digest_info = signature::digest_info(hanko_codec::field::HashAlgorithm::Sha256, &digest);
    let sign = format!(
        "802A0080{:02X}{}00",
        digest_info.len(),
        digest_info.iter().map(|b| format!("{b:02X}")).collect::<String>()
    );
    send(&mut c, SELECT_JPKI, 0x9000);
    send(&mut c, "00A4020C020017", 0x9000);
    send(&mut c, &sign, 0x6982);
    send(&mut c, "00A4020C020018", 0x9000);
    send(&mut c, "002000800431323334", 0x9000);
    send(&mut c, "00A4020C020017", 0x9000);
    let sig = send(&mut c, &sign, 0x9000);
    assert_eq!(sig.len(), 256);
    let key = hanko_crypto::key::RsaPublicKey::from_spki_der(&p.auth_ee.key.spki_der()).unwrap();
    signature::verify(&key, &digest, &sig, Scheme::Pkcs1v15Prehashed(hanko_codec::field::HashAlgorithm::Sha256))
        .expect("the card's signature verifies");
    // Security status is lost on reset and on selecting another DF.
    c.reset();
    send(&mut c, SELECT_JPKI, 0x9000);
    send(&mut c, "00A4020C020017", 0x9000);
    send(&mut c, &sign, 0x6982);
    send(&mut c, "00A4020C020018", 0x9000);
    send(&mut c, "002000800431323334", 0x9000);
    send(&mut c, SELECT_TEXT, 0x9000);
    send(&mut c, SELECT_JPKI, 0x9000);
    send(&mut c, "00A4020C020017", 0x9000);
    send(&mut c, &sign, 0x6982);
}

#[test]
fn wrong_pins_count_down_and_block() {
    let mut c = card("plastic");
    send(&mut c, SELECT_JPKI, 0x9000);
    send(&mut c, "00A4020C020018", 0x9000);
    send(&mut c, "00200080", 0x63C3);
    send(&mut c, "002000800439393939", 0x63C2);
    send(&mut c, "002000800439393939", 0x63C1);
    // The right PIN resets the counter; an empty VERIFY still answers 63Cx while verified.
    send(&mut c, "002000800431323334", 0x9000);
    send(&mut c, "00200080", 0x63C3);
    for expected in [0x63C2, 0x63C1, 0x63C0] {
        send(&mut c, "002000800439393939", expected);
    }
    assert_eq!(c.last_rule(), Some(Rule::VerifyWrong));
    send(&mut c, "002000800431323334", 0x6984);
    assert_eq!(c.last_rule(), Some(Rule::VerifyBlocked));
    send(&mut c, "00200080", 0x63C0);
    send(&mut c, "00A4020C020017", 0x9000);
    send(&mut c, "802A00800401020304 00", 0x6982);
}

#[test]
fn the_text_ap_gives_the_my_number_after_its_pin() {
    let mut c = card("plastic");
    send(&mut c, SELECT_TEXT, 0x9000);
    send(&mut c, "00A4020C020001", 0x9000);
    send(&mut c, "00B0000000", 0x6982);
    send(&mut c, "00A4020C020011", 0x9000);
    send(&mut c, "002000800431323334", 0x9000);
    send(&mut c, "00A4020C020001", 0x9000);
    let file = send(&mut c, "00B0000000", 0x9000);
    let decoded = hanko_codec::generated::files::TextMyNumber::parse(&file).unwrap();
    assert_eq!(decoded.my_number.as_str(), "123456789018");
}

#[test]
fn profiles_differ_as_the_spec_says() {
    let mut se = card("gp_se");
    send(&mut se, SELECT_JPKI, 0x9000);
    send(&mut se, "00A4020C02000A", 0x9000);
    send(&mut se, "00B0000004", 0x6982);
    send(&mut se, SELECT_TEXT, 0x6A82);
    send(&mut se, SELECT_JPKI, 0x9000);
    send(&mut se, "00A4020C020006", 0x9000);
    assert!(String::from_utf8_lossy(&send(&mut se, "00B0000020", 0x9000)).starts_with("JPKIAPGPSETOKEN"));

    let p = pki();
    let mut uicc = card("uicc");
    send(&mut uicc, SELECT_JPKI, 0x9000);
    send(&mut uicc, "00A4020C02001A", 0x6A82);
    send(&mut uicc, "00A4020C02000A", 0x9000);
    assert_eq!(read_der_like_myna(&mut uicc), p.sub_ee.der, "the UICC applet holds the sub certificate");
    send(&mut uicc, "00A4020C020018", 0x9000);
    send(&mut uicc, "002000800431323334", 0x9000);
    send(&mut uicc, "00A4020C020017", 0x9000);
    // Case-4 answers come through 61xx and GET RESPONSE on the UICC.
    let r = uicc.process(&hex("802A00800401020304 00"));
    assert_eq!(r, vec![0x61, 0x00]);
    let sig = send(&mut uicc, "00C0000000", 0x9000);
    assert_eq!(sig.len(), 256);
    send(&mut uicc, "00C0000000", 0x6985);
}

#[test]
fn counters_survive_a_restart_through_the_state_file() {
    let dir = std::env::temp_dir().join(format!("hanko-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("card.json");
    let _ = std::fs::remove_file(&state);
    let open = || {
        let mut c = VirtualCard::new(pki(), profile("plastic").unwrap(), &Pins::default()).with_state(&state).unwrap();
        c.power_on();
        c
    };
    let mut c = open();
    send(&mut c, SELECT_JPKI, 0x9000);
    send(&mut c, "00A4020C020018", 0x9000);
    send(&mut c, "002000800439393939", 0x63C2);
    drop(c);
    let mut c = open();
    send(&mut c, SELECT_JPKI, 0x9000);
    send(&mut c, "00A4020C020018", 0x9000);
    send(&mut c, "00200080", 0x63C2);
    let text = std::fs::read_to_string(&state).unwrap();
    assert!(text.contains("\"jpki.auth_pin\":2"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_and_malformed_commands_get_iso_answers() {
    let mut c = card("plastic");
    send(&mut c, "00A4040C0AD392", 0x6700);
    send(&mut c, "84A4040C0AD392F000260100000001", 0x6E00);
    send(&mut c, "00FF0000", 0x6D00);
    send(&mut c, "802A0680020102 00", 0x6A86);
    send(&mut c, "00A4020C03001800", 0x6700);
    send(&mut c, "0084000008", 0x9000);
    send(&mut c, "00CA5F5100", 0x9000);
}
