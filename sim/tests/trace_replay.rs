//! A session recorded by the vpcd transport's trace replays through the card model with no
//! deviation; a trace with one answer changed is caught at that line with its rule.

use hanko_crypto::testpki::Pki;
use hanko_model::replay::{parse_trace, replay};
use hanko_model::{profile, CardModel};
use hanko_sim::card::VirtualCard;
use hanko_sim::card_data::{card_data, Pins};
use hanko_sim::vpcd::{serve, JsonLinesTrace, ServeOptions};
use std::io::{Read, Write};
use std::net::TcpListener;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Plays vpcd: power on, the commands, power off, then closes; returns the answers.
fn fake_vpcd(listener: TcpListener, commands: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let (mut s, _) = listener.accept().unwrap();
    let frame = |s: &mut std::net::TcpStream, payload: &[u8], answer: bool| -> Option<Vec<u8>> {
        s.write_all(&(payload.len() as u16).to_be_bytes()).unwrap();
        s.write_all(payload).unwrap();
        if !answer {
            return None;
        }
        let mut len = [0u8; 2];
        s.read_exact(&mut len).unwrap();
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
        s.read_exact(&mut body).unwrap();
        Some(body)
    };
    frame(&mut s, &[0x01], false);
    frame(&mut s, &[0x04], true);
    let answers = commands.iter().map(|c| frame(&mut s, c, true).unwrap()).collect();
    frame(&mut s, &[0x00], false);
    answers
}

fn session() -> Vec<Vec<u8>> {
    [
        "00A4040C0AD392F000260100000001",
        "00A4020C020018",
        "00200080",
        "002000800439393939",
        "002000800431323334",
        "00A4020C020017",
        "802A0080333031300D0609608648016503040201050004204242424242424242424242424242424242424242424242424242424242424242 00",
        "00A4020C02000A",
        "00B0000007",
        "00B0000700",
        "0084000008",
        "00A4040C0AD3921000310001010408",
        "00A4020C020001",
        "00B0000000",
    ]
    .iter()
    .map(|s| hex(&s.replace(' ', "")))
    .collect()
}

#[test]
fn a_recorded_session_replays_without_deviation() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let commands = session();
    let host = std::thread::spawn(move || fake_vpcd(listener, commands));
    let mut card = VirtualCard::new(Pki::generate(1), profile("plastic").unwrap(), &Pins::default());
    let mut trace = JsonLinesTrace::new(Vec::new());
    let opts = ServeOptions { max_reconnects: Some(0), ..ServeOptions::default() };
    serve(addr, &mut card, &opts, Some(&mut trace)).unwrap();
    let answers = host.join().unwrap();
    assert_eq!(answers[6].len(), 258, "the signature came back");
    let text = String::from_utf8(trace.into_inner()).unwrap();

    let model = || {
        CardModel::new(
            profile("plastic").unwrap(),
            card_data(&Pki::generate(1), profile("plastic").unwrap(), &Pins::default()),
        )
    };
    let events = parse_trace(&text).unwrap();
    assert_eq!(replay(&mut model(), &events), Ok(14), "trace:\n{text}");

    // Change the answer to the wrong PIN from 63C2 to 9000: the replay names that line.
    let line = text.lines().position(|l| l.contains("\"rapdu\":\"63C2\"")).unwrap() + 1;
    let forged = text.replacen("\"rapdu\":\"63C2\"", "\"rapdu\":\"9000\"", 1);
    let d = replay(&mut model(), &parse_trace(&forged).unwrap()).unwrap_err();
    assert_eq!(d.line, line);
    assert_eq!(d.rule, Some("card.verify.wrong"));
    assert!(d.to_string().contains("expected 63C2, seen 9000"), "{d}");
}
