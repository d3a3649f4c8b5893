//! `hanko demo`: the APDU walk-through of a real My Number card (tex2e's public walk-through,
//! REFERENCE §5) replayed command by command through hanko's codecs, then a client session
//! against the virtual card (`demo_card`). The card's answers are
//! synthetic — the holder is 見本 花子, an obviously fake identity — and are built with the
//! generated encoders, so the demo exercises both directions.

use crate::render;
use hanko_codec::field::{Date, MyNumber, Padding, Sex};
use hanko_codec::generated::applications;
use hanko_codec::generated::files::{TextBasicFour, TextMyNumber};
use hanko_codec::{Capdu, Command, File, ResponseApdu};
use serde_json::json;

/// A step of the walk-through: the command as the card saw it, and what the card answers.
struct Step {
    capdu: &'static str,
    answer: Answer,
}

enum Answer {
    Ok,
    /// Response data then 9000.
    Data(Vec<u8>),
}

const SHA256_DIGEST_INFO: &str = "3031300D060960864801650304020105000420";

/// A 32-byte digest standing in for the hash of the document a user signs (arbitrary bytes:
/// the card signs whatever DigestInfo it is given).
const DOCUMENT_DIGEST: &str = "D7EEA5E5F8C1E0F8A5F2F6B7F6C1A9D74B0C6F1E0F6C2E3C4A5B6C7D8E9F0A1B";

/// VERIFY of the signing password with hanko's test password `ABC123` (the walk-through's
/// card used its own password; the command is the same).
const VERIFY_SIGNING_PASSWORD: &str = "0020008006414243313233";

fn my_number_file() -> Vec<u8> {
    let number = MyNumber::from_first11(*b"12345678901").unwrap_or(MyNumber(*b"123456789018"));
    let mut out = Vec::new();
    TextMyNumber { my_number: number, padding: Padding { byte: 0xFF, len: 2 } }.encode(&mut out);
    out
}

fn basic_four_file() -> Vec<u8> {
    let file = TextBasicFour {
        name: "見本　花子",
        address: "東京都千代田区見本町一丁目２番３号",
        birth_date: Date::new(2000, 1, 1).unwrap_or(Date { year: 2000, month: 1, day: 1 }),
        sex: Sex::Female,
        padding: Padding::none(&[0x00]),
    };
    let mut out = Vec::new();
    file.encode(&mut out);
    out
}

fn filler(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(151).wrapping_add(7)).collect()
}

fn sections() -> Vec<(&'static str, Vec<Step>)> {
    let select_jpki = "00A4040C0AD392F000260100000001";
    let sign = Box::leak(format!("802A008033{SHA256_DIGEST_INFO}{DOCUMENT_DIGEST}00").into_boxed_str());
    let basic_four = basic_four_file();
    // The walk-through reads the length byte at offset 2, then the whole file.
    let read_all = Box::leak(format!("00B00000{:02X}", basic_four.len()).into_boxed_str());
    let step = |capdu, answer| Step { capdu, answer };
    vec![
        (
            "Reading the authentication certificate (free on the plastic card)",
            vec![
                step(select_jpki, Answer::Ok),
                step("00A4020C02000A", Answer::Ok),
                step("00B0000004", Answer::Data(vec![0x30, 0x82, 0x06, 0x1F])),
                step("00B0000400061F", Answer::Data(filler(0x61F))),
            ],
        ),
        (
            "Reading the signing certificate (behind the signing password)",
            vec![
                step(select_jpki, Answer::Ok),
                step("00A4020C02001B", Answer::Ok),
                step(VERIFY_SIGNING_PASSWORD, Answer::Ok),
                step("00A4020C020001", Answer::Ok),
                step("00B0000004", Answer::Data(vec![0x30, 0x82, 0x06, 0xCA])),
                step("00B000040006CA", Answer::Data(filler(0x6CA))),
            ],
        ),
        (
            "Signing with the authentication key",
            vec![
                step(select_jpki, Answer::Ok),
                step("00A4020C020018", Answer::Ok),
                step("002000800431323334", Answer::Ok),
                step("00A4020C020017", Answer::Ok),
                step(sign, Answer::Data(filler(256))),
            ],
        ),
        (
            "Signing with the signing key",
            vec![
                step(select_jpki, Answer::Ok),
                step("00A4020C02001B", Answer::Ok),
                step(VERIFY_SIGNING_PASSWORD, Answer::Ok),
                step("00A4020C02001A", Answer::Ok),
                step(sign, Answer::Data(filler(256))),
            ],
        ),
        (
            "Reading the My Number from the text AP",
            vec![
                step("00A4040C0AD3921000310001010408", Answer::Ok),
                step("00A4020C020011", Answer::Ok),
                step("002000800431323334", Answer::Ok),
                step("00A4020C020001", Answer::Ok),
                step("00B0000000", Answer::Data(my_number_file())),
            ],
        ),
        (
            "Reading the basic four items (基本4情報)",
            vec![
                step("00A4040C0AD3921000310001010408", Answer::Ok),
                step("00A4020C020011", Answer::Ok),
                step("002000800431323334", Answer::Ok),
                step("00A4020C020002", Answer::Ok),
                step("00B0000201", Answer::Data(vec![basic_four[2]])),
                step(read_all, Answer::Data(basic_four)),
            ],
        ),
    ]
}

/// What the demo tracks of the card, to know which file a READ BINARY returns.
#[derive(Default)]
struct Position {
    application: Option<&'static str>,
    fid: Option<u16>,
}

impl Position {
    fn follow(&mut self, command: &Command<'_>) {
        match command {
            Command::JpkiSelectDf(c) => {
                self.application = c.aid.application().map(|a| a.id);
                self.fid = None;
            }
            Command::JpkiSelectEf(c) => self.fid = Some(c.fid.0),
            _ => {}
        }
    }

    /// The file a READ BINARY from offset 0 of the current EF returns, when it has a layout.
    fn file_id(&self, command: &Command<'_>) -> Option<&'static str> {
        match command {
            Command::JpkiReadBinary(r) if r.offset == 0 => File::id_of(self.application?, self.fid?),
            _ => None,
        }
    }
}

/// `key=value` pairs of a command's JSON, nested keys joined with dots.
fn inline(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if prefix.is_empty() && ["id", "name", "confidence"].contains(&k.as_str()) {
                    continue;
                }
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                inline(&key, x, out);
            }
        }
        serde_json::Value::String(s) if s.len() > 40 => out.push(format!("{prefix}={}…", &s[..40])),
        serde_json::Value::String(s) => out.push(format!("{prefix}={s}")),
        other => out.push(format!("{prefix}={other}")),
    }
}

pub fn run(as_json: bool) -> Result<String, String> {
    let mut text = String::from(
        "hanko demo: the APDU walk-through of a real My Number card (tex2e, REFERENCE §5), decoded by\n\
         hanko's generated codecs. The card's answers are synthetic: the holder 見本 花子 is a test identity.\n",
    );
    let mut steps_json = Vec::new();
    let mut n = 0;
    let mut position = Position::default();
    for (title, steps) in sections() {
        text.push_str(&format!("\n{title}\n"));
        for step in steps {
            n += 1;
            let bytes = crate::input::parse_hex(step.capdu)?;
            let capdu = Capdu::parse(&bytes).map_err(|e| format!("step {n}: {e}"))?;
            let command = capdu.command.ok_or_else(|| format!("step {n}: {} is no command of the spec", step.capdu))?;
            let data = match &step.answer {
                Answer::Ok => Vec::new(),
                Answer::Data(d) => d.clone(),
            };
            let mut rapdu_bytes = data.clone();
            rapdu_bytes.extend_from_slice(&[0x90, 0x00]);
            let rapdu = ResponseApdu::parse(&rapdu_bytes).map_err(|e| format!("step {n}: {e}"))?;
            let file_id = position.file_id(&command);
            position.follow(&command);

            let cjson = hanko_codec::json::to_json(&command);
            let mut fields = Vec::new();
            inline("", &cjson, &mut fields);
            let app_note = match &command {
                Command::JpkiSelectDf(c) => c.aid.application().map(|a| format!(" = {}", a.name)).unwrap_or_default(),
                _ => String::new(),
            };
            text.push_str(&format!(
                "{n:3}  {}\n     → {}  {}{app_note}\n",
                step.capdu,
                command.name(),
                fields.join("  ")
            ));
            let status = rapdu.sw.meaning().unwrap_or("?");
            let data_note = if data.is_empty() { String::new() } else { format!("{} data bytes, ", data.len()) };
            text.push_str(&format!("     ← {data_note}{:04X} {status}\n", u16::from(rapdu.sw)));
            let mut file_json = serde_json::Value::Null;
            if let Some(id) = file_id {
                let name = applications::FILES.iter().find(|x| x.id == id).map_or("", |x| x.name);
                match File::decode(id, &data).ok_or("no layout")? {
                    Ok(f) => {
                        text.push_str(&format!("       decoded as {id} ({name}):\n{}", render::tree(&f, 7)));
                        file_json = hanko_codec::json::to_json(&f);
                    }
                    // Clients read the first bytes to learn the length, then the rest.
                    Err(e) if matches!(e.kind, hanko_codec::ErrorKind::Truncated { .. }) => {
                        if let hanko_codec::ErrorKind::Truncated { needed, .. } = e.kind {
                            text.push_str(&format!(
                                "       a length probe of {id} ({name}): the header announces {needed} bytes in all\n"
                            ));
                        }
                    }
                    Err(e) => return Err(format!("step {n}: {e}")),
                }
            }
            steps_json.push(json!({
                "step": n, "section": title,
                "capdu": hanko_codec::json::to_json(&capdu),
                "rapdu": hanko_codec::json::to_json(&rapdu),
                "file": file_json,
            }));
        }
    }
    text.push_str(&format!("\n{n} commands decoded; every one is a command of the spec.\n"));
    let (card_text, card_json) = crate::demo_card::run()?;
    text.push_str(&card_text);
    let (schemes_text, schemes_json) = crate::demo_schemes::run()?;
    text.push_str(&schemes_text);
    if as_json {
        Ok(serde_json::to_string_pretty(
            &json!({ "steps": steps_json, "virtual_card": card_json, "schemes": schemes_json }),
        )
        .unwrap_or_default())
    } else {
        Ok(text)
    }
}
