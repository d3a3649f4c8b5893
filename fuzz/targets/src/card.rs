//! Stateful targets: arbitrary sessions (power events and C-APDUs, mostly well-formed
//! commands of the spec, some raw bytes) into the card model and the virtual card. Beside
//! "never panics", each step checks the card's safety invariants from the outside:
//! - no signature unless a VERIFY of one of that key's PINs succeeded in the same session
//!   and DF;
//! - a wrong PIN never raises a counter, and only a successful VERIFY resets one;
//! - a blocked PIN stays blocked.

use hanko_codec::generated::applications::{FileKind, FILES};
use hanko_crypto::testpki::Pki;
use hanko_model::Output;
use hanko_model::{profile, CardModel, Rule};
use hanko_sim::card::VirtualCard;
use hanko_sim::card_data::{card_data, Pins};
use hanko_sim::transport::Card;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// Commands a session is mostly made of, so that deep states are reached quickly.
const VOCABULARY: &[&str] = &[
    "00A4040C0AD392F000260100000001",
    "00A4040C0AD3921000310001010408",
    "00A4040C0AD3921000310001010402",
    "00A4040C0AD3921000310001010100",
    "00A4020C020018",
    "00A4020C02001B",
    "00A4020C020017",
    "00A4020C02001A",
    "00A4020C02000A",
    "00A4020C020001",
    "00A4020C020011",
    "00200080",
    "002000800431323334",
    "002000800439393939",
    "0020008006414243313233",
    "00200080064141414141",
    "002000980431323334",
    "002401800439383736",
    "00B0000004",
    "00B0000007",
    "00B0000000",
    "00B08A0000",
    "00B2010C00",
    "802A0080333031300D0609608648016503040201050004204242424242424242424242424242424242424242424242424242424242424242 00",
    "802A00970201 02 00",
    "802A0180047465737400",
    "802A000033 3031300D060960864801650304020105000420 4242424242424242424242424242424242424242424242424242424242424242 00",
    "0084000008",
    "00C0000000",
    "00CA5F5100",
];

fn vocabulary() -> &'static Vec<Vec<u8>> {
    static V: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    V.get_or_init(|| {
        VOCABULARY
            .iter()
            .map(|s| {
                let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
                (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
            })
            .collect()
    })
}

#[derive(Debug)]
enum Op {
    PowerOn,
    PowerOff,
    Apdu(Vec<u8>),
}

/// A session from bytes: each op is one byte of kind (and a vocabulary index or a raw
/// APDU's length and bytes). Bounded by the input, so no input makes a long session.
fn session(data: &[u8]) -> Vec<Op> {
    let mut ops = vec![Op::PowerOn];
    let mut i = 0;
    while i < data.len() && ops.len() < 256 {
        let kind = data[i];
        i += 1;
        match kind % 16 {
            0 => ops.push(Op::PowerOn),
            1 => ops.push(Op::PowerOff),
            2 => {
                // A raw op at the very end has no length byte: it is an empty APDU.
                let n = usize::from(*data.get(i).unwrap_or(&0));
                let raw = data.get(i + 1..).unwrap_or_default();
                ops.push(Op::Apdu(raw[..n.min(raw.len())].to_vec()));
                i += 1 + n;
            }
            _ => {
                let v = vocabulary();
                ops.push(Op::Apdu(v[usize::from(data.get(i).copied().unwrap_or(kind)) % v.len()].clone()));
                i += 1;
            }
        }
    }
    ops
}

/// What the invariants track, from the answers alone.
#[derive(Default)]
struct Watch {
    /// PINs whose VERIFY succeeded since the last power event or DF selection.
    verified: BTreeSet<&'static str>,
}

fn key_pins(key: &str) -> &'static [&'static str] {
    FILES
        .iter()
        .find(|f| f.id == key)
        .and_then(|f| match f.kind {
            FileKind::Key { pins, .. } => Some(pins),
            _ => None,
        })
        .unwrap_or(&[])
}

impl Watch {
    /// One step: the rule the card applied, the key that signed (if any), the counters
    /// before and after, and the PINs the card reports verified after a successful VERIFY.
    fn step(
        &mut self,
        rule: Rule,
        signer: Option<&str>,
        before: &BTreeMap<&'static str, u8>,
        after: &BTreeMap<&'static str, u8>,
        verified_now: impl Fn(&str) -> bool,
    ) {
        for (pin, &b) in before {
            let a = after.get(pin).copied().unwrap_or(0);
            if rule != Rule::VerifyOk {
                assert!(a <= b, "{pin}: counter rose from {b} to {a} under {rule:?}");
            }
            if b == 0 {
                assert_eq!(a, 0, "{pin}: a blocked PIN came back under {rule:?}");
            }
        }
        match rule {
            Rule::VerifyOk => {
                for pin in before.keys() {
                    if verified_now(pin) {
                        self.verified.insert(pin);
                    }
                }
            }
            Rule::SelectDfOk => self.verified.clear(),
            _ => {}
        }
        if let Some(key) = signer {
            assert!(
                key_pins(key).iter().any(|p| self.verified.contains(p)) || key_pins(key).is_empty(),
                "signed with {key} without a verified PIN"
            );
        }
    }
}

fn model() -> CardModel {
    static DATA: OnceLock<hanko_model::CardData> = OnceLock::new();
    let p = profile("plastic").expect("profile");
    let data = DATA.get_or_init(|| card_data(&Pki::generate(1), p, &Pins::default()));
    CardModel::new(p, data.clone())
}

/// The card model under an arbitrary session.
pub fn card_model(data: &[u8]) {
    let mut m = model();
    let mut watch = Watch::default();
    for op in session(data) {
        match op {
            Op::PowerOn => {
                m.power_on();
                watch.verified.clear();
            }
            Op::PowerOff => {
                m.power_off();
                watch.verified.clear();
            }
            Op::Apdu(c) => {
                let before = m.tries().clone();
                let answer = m.step(&c);
                let after = m.tries().clone();
                let signer = match &answer.output {
                    Output::Signature { key, .. } => Some(*key),
                    _ => None,
                };
                watch.step(answer.rule, signer, &before, &after, |p| m.is_verified(p));
            }
        }
    }
}

/// The virtual card (the model with real keys, response chaining and state) under an
/// arbitrary session: the same invariants, and every answer is a well-formed R-APDU; a
/// signature is 256 bytes.
pub fn virtual_card(data: &[u8]) {
    static PKI: OnceLock<std::sync::Arc<Pki>> = OnceLock::new();
    let p = profile("plastic").expect("profile");
    let pki = PKI.get_or_init(|| std::sync::Arc::new(Pki::generate(1)));
    let mut card = VirtualCard::new(std::sync::Arc::clone(pki), p, &Pins::default()).with_seed(1);
    let mut watch = Watch::default();
    for op in session(data) {
        match op {
            Op::PowerOn => {
                card.power_on();
                watch.verified.clear();
            }
            Op::PowerOff => {
                card.power_off();
                watch.verified.clear();
            }
            Op::Apdu(c) => {
                let before = card.model().tries().clone();
                let r = card.process(&c);
                assert!(r.len() >= 2, "an R-APDU has a status word");
                let rule = card.last_rule().expect("every answer has a rule");
                if rule == Rule::SignOk {
                    assert_eq!(r.len(), 258, "a signature is 256 bytes");
                }
                let after = card.model().tries().clone();
                let model = card.model();
                watch.step(rule, card.last_signer(), &before, &after, |p| model.is_verified(p));
            }
        }
    }
}
