//! SCP80 packets, remote APDU scripts and SCP81 header blocks: every example of `spec/tsm/`
//! decodes as it says (the validator cannot check this: xtask cannot depend on the codec),
//! matches its snapshot and re-encodes to its bytes; arbitrary input never panics and every
//! error points inside the input; the tables generated from the spec agree with it.

use hanko_codec::json::to_json;
use hanko_codec::ota::remote::{encode_expanded_commands, CompactCommands, Direction, Expanded};
use hanko_codec::ota::scp81::{write_request, write_response, AdminRequest, AdminResponse};
use hanko_codec::ota::{CommandPacket, CompactResponse, ResponsePacket};
use hanko_codec::{CommandApdu, Describe};
use proptest::prelude::*;
use serde_json::Value;
use xtask::spec::{parse_hex, Spec};
use xtask::validate::contains;

fn spec() -> Spec {
    Spec::load(&xtask::repo_root().join("spec")).expect("spec loads")
}

/// Decodes `b` as `format`: the JSON form and the re-encoding, or (error kind, offset).
fn decode(format: &str, b: &[u8]) -> Result<(Value, Vec<u8>), (&'static str, usize)> {
    let err = |e: hanko_codec::Error| {
        assert!(e.offset <= b.len(), "{format}: error offset {} beyond {} bytes: {e}", e.offset, b.len());
        (e.kind.name(), e.offset)
    };
    fn out<T: Describe>(v: &T, len: usize, encode: impl Fn(&mut Vec<u8>)) -> (Value, Vec<u8>) {
        let mut bytes = Vec::new();
        encode(&mut bytes);
        assert_eq!(bytes.len(), len, "encoded_len disagrees with encode");
        (to_json(v), bytes)
    }
    Ok(match format {
        "scp80_command" => {
            let p = CommandPacket::parse(b).map_err(err)?;
            out(&p, p.encoded_len(), |o| p.encode(o))
        }
        "scp80_response" | "scp80_response_ciphered" => {
            let p = ResponsePacket::parse(b, format.ends_with("ciphered")).map_err(err)?;
            out(&p, p.encoded_len(), |o| p.encode(o))
        }
        "remote_compact_command" => {
            let c = CompactCommands::parse(b).map_err(err)?;
            out(&c, b.len(), |o| o.extend_from_slice(c.as_bytes()))
        }
        "remote_compact_response" => {
            let r = CompactResponse::parse(b).map_err(err)?;
            out(&r, r.encoded_len(), |o| r.encode(o))
        }
        "remote_expanded_command" | "remote_expanded_response" => {
            let dir = if format.ends_with("command") { Direction::Commands } else { Direction::Responses };
            let e = Expanded::parse(b, dir).map_err(err)?;
            out(&e, b.len(), |o| o.extend_from_slice(e.as_bytes()))
        }
        "scp81_request" => {
            let r = AdminRequest::parse(b).map_err(err)?;
            out(&r, r.encoded_len(), |o| r.encode(o))
        }
        "scp81_response" => {
            let r = AdminResponse::parse(b).map_err(err)?;
            out(&r, r.encoded_len(), |o| r.encode(o))
        }
        other => panic!("no decoder for format {other}"),
    })
}

fn examples(spec: &Spec) -> Vec<(String, String, Vec<u8>, xtask::spec::Example)> {
    let mut out = Vec::new();
    for (at, common, format) in spec.tsm_entries() {
        let Some(format) = format else { continue };
        for (i, ex) in common.examples.iter().enumerate() {
            let bytes = parse_hex(&ex.hex).expect("validated hex");
            out.push((format!("{at}/examples/{i}"), format.to_string(), bytes, ex.clone()));
        }
    }
    out
}

#[test]
fn every_tsm_example_decodes_as_the_spec_says() {
    let spec = spec();
    let all = examples(&spec);
    assert!(all.len() > 80, "the TSM spec lost examples: {}", all.len());
    let mut failures = Vec::new();
    for (at, format, bytes, ex) in &all {
        match (&ex.decoded, &ex.error, decode(format, bytes)) {
            (Some(expected), None, Ok((json, reencoded))) => {
                if !contains(&json, expected) {
                    failures.push(format!("{at}: {json}\n    does not contain {expected}"));
                }
                if &reencoded != bytes {
                    failures.push(format!("{at}: re-encodes to {}", hex::encode_upper(reencoded)));
                }
            }
            (None, Some(e), Err((kind, offset))) if e.kind == kind && e.offset == offset => {}
            (_, _, got) => failures.push(format!("{at}: expected {:?} / {:?}, got {got:?}", ex.decoded, ex.error)),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn tsm_example_decodings_match_snapshots() {
    let spec = spec();
    for (at, format, bytes, _) in examples(&spec) {
        let value = match decode(&format, &bytes) {
            Ok((json, _)) => json,
            Err((kind, offset)) => serde_json::json!({ "error": kind, "offset": offset }),
        };
        let name = at.trim_start_matches("spec/").replace(".json#", "").replace(['/', '.'], "_");
        insta::assert_json_snapshot!(name, value);
    }
}

/// The decoder prints every field the spec's packet layouts name, under that name.
#[test]
fn packet_views_show_every_field_of_the_spec() {
    use hanko_codec::generated::tsm::{
        SCP80_COMMAND_PACKET_FIELDS, SCP80_RESPONSE_PACKET_CIPHERED_FIELDS, SCP80_RESPONSE_PACKET_FIELDS,
    };
    let cmd = parse_hex("00150D00000000B0001100000000000000A40004023F00").unwrap();
    let resp = parse_hex("027100000E0AB0001100000000000000016132").unwrap();
    for (fields, json) in [
        (&SCP80_COMMAND_PACKET_FIELDS[..], to_json(&CommandPacket::parse(&cmd).unwrap())),
        (&SCP80_RESPONSE_PACKET_FIELDS[..], to_json(&ResponsePacket::parse(&resp, false).unwrap())),
        (&SCP80_RESPONSE_PACKET_CIPHERED_FIELDS[..], to_json(&ResponsePacket::parse(&resp, true).unwrap())),
    ] {
        for f in fields {
            assert!(json.get(f).is_some(), "{f} missing from {json}");
        }
    }
}

/// The generated tables say what the spec file says, value by value.
#[test]
fn generated_tables_follow_the_spec() {
    use hanko_codec::generated::tsm::{Scp80KicAlgorithm, Scp80ResponseStatus, Scp80SpiCounter};
    let spec = spec();
    let entry = |id: &str| spec.scp80().find(|(_, e)| e.common.id == id).map(|(_, e)| e.clone()).expect(id);
    let status = entry("scp80.response_status");
    let codes = status.codes.as_ref().unwrap();
    assert_eq!(codes.len(), Scp80ResponseStatus::ALL.len());
    for c in codes {
        let v = Scp80ResponseStatus::from(u8::from_str_radix(&c.value, 16).unwrap());
        assert_eq!(v.name(), Some(c.name.as_str()));
        assert_eq!(v.meaning(), Some(c.meaning.as_str()));
    }
    let kic = entry("scp80.kic");
    let algorithm = kic.bits.as_ref().unwrap().iter().find(|f| f.name == "algorithm").unwrap();
    for (value, name) in algorithm.values.as_ref().unwrap() {
        let byte: u8 = value.parse().unwrap();
        assert_eq!(Scp80KicAlgorithm::of(&[0x30 | byte]).name(), Some(name.as_str()));
    }
    let spi = entry("scp80.spi");
    let counter = spi.bits.as_ref().unwrap().iter().find(|f| f.name == "counter").unwrap();
    assert_eq!(counter.mask, "18");
    assert_eq!(Scp80SpiCounter::of(&[0x10, 0x00]), Scp80SpiCounter::CounterHigher);
    assert_eq!(Scp80SpiCounter::of(&[0x18, 0x00]), Scp80SpiCounter::CounterOneHigher);
}

#[test]
fn a_built_expanded_script_parses_back() {
    let a = CommandApdu::parse(&[0x80, 0xF2, 0x40, 0x02, 0x02, 0x4F, 0x00, 0x00]).unwrap();
    let b = CommandApdu::parse(&[0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00, 0x00]).unwrap();
    let mut out = Vec::new();
    encode_expanded_commands(&[a, b], &mut out);
    // pySim test_multi_capdu_golden
    assert_eq!(hex::encode(&out), "aa14220880f24002024f0000220800a40004023f0000");
    let parsed = Expanded::parse(&out, Direction::Commands).unwrap();
    assert_eq!(parsed.commands().collect::<Vec<_>>(), vec![a, b]);
}

#[test]
fn long_expanded_scripts_use_long_form_lengths() {
    // pySim test_multibyte_length_golden: a 200-byte C-APDU.
    let mut capdu = vec![0x80, 0xF2, 0x40, 0x00, 195];
    capdu.extend(0..195u8);
    let a = CommandApdu::parse(&capdu).unwrap();
    let mut out = Vec::new();
    encode_expanded_commands(&[a], &mut out);
    assert_eq!(hex::encode(&out[..6]), "aa81cb2281c8");
    assert_eq!(Expanded::parse(&out, Direction::Commands).unwrap().commands().next(), Some(a));
}

#[test]
fn built_header_blocks_parse_back() {
    let mut req = Vec::new();
    write_request(
        &mut req,
        "/ram",
        &[
            ("X-Admin-Protocol", "globalplatform-remote-admin/1.0"),
            ("X-Admin-From", "//se-id/iccid/8981000000000000001"),
            ("X-Admin-Script-Status", "security-error"),
        ],
        b"",
    );
    let r = AdminRequest::parse(&req).unwrap();
    assert_eq!((r.target, r.script_status()), ("/ram", Some("security-error")));
    let mut resp = Vec::new();
    write_response(&mut resp, 204, "No Content", &[("X-Admin-Protocol", "globalplatform-remote-admin/1.0")], b"");
    assert!(AdminResponse::parse(&resp).unwrap().ends_session());
}

fn request_with(extra: &str) -> Vec<u8> {
    format!(
        "POST /ram HTTP/1.1\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\nX-Admin-From: //se-id/iccid/1\r\n{extra}\r\n"
    )
    .into_bytes()
}

fn request_error(b: &[u8]) -> (&'static str, usize, String) {
    let e = AdminRequest::parse(b).expect_err("must be refused");
    (e.kind.name(), e.offset, e.to_string())
}

#[test]
fn header_blocks_are_refused_with_the_byte_at_fault() {
    let base = request_with("").len() - 2;
    // A header hanko checks, twice.
    let (kind, offset, msg) =
        request_error(&request_with("X-Admin-Script-Status: ok\r\nx-admin-script-status: ok\r\n"));
    assert_eq!((kind, offset), ("invalid", base + 27), "{msg}");
    // No colon.
    let (kind, offset, _) = request_error(&request_with("Broken\r\n"));
    assert_eq!((kind, offset), ("invalid", base));
    // A control byte in a value.
    let (kind, offset, _) = request_error(&request_with("Host: a\x01b\r\n"));
    assert_eq!((kind, offset), ("invalid", base + 7));
    // A bare LF inside a line.
    let (kind, offset, _) = request_error(&request_with("Host: a\nb\r\n"));
    assert_eq!((kind, offset), ("invalid", base + 7));
    // More bytes after the body than Content-Length allows.
    let mut b = request_with("Content-Length: 2\r\n");
    let end = b.len();
    b.extend_from_slice(b"abc");
    let (kind, offset, _) = request_error(&b);
    assert_eq!((kind, offset), ("trailing_data", end + 2));
    // Not HTTP/1.1.
    assert_eq!(request_error(b"POST /ram HTTP/1.0\r\n\r\n").0, "invalid");
    // Bad Content-Length syntax.
    assert_eq!(request_error(&request_with("Content-Length: 1x\r\n")).0, "invalid");
    // A bad status line.
    assert_eq!(AdminResponse::parse(b"HTTP/1.1 2x0 OK\r\n\r\n").unwrap_err().offset, 9);
    assert_eq!(AdminResponse::parse(b"HTTP/1.1 700 Nope\r\n\r\n").unwrap_err().offset, 9);
    assert_eq!(AdminResponse::parse(b"HTTP/2 200 OK\r\n\r\n").unwrap_err().offset, 0);
    // The response needs X-Admin-Protocol.
    let e = AdminResponse::parse(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap_err();
    assert_eq!((e.kind.name(), e.offset), ("invalid", 25));
}

#[test]
fn header_block_limits_hold() {
    use hanko_codec::generated::tsm::{SCP81_MAX_HEADERS, SCP81_MAX_HEADER_BYTES, SCP81_MAX_LINE_BYTES};
    let many: String = (0..SCP81_MAX_HEADERS).map(|i| format!("H{i}: x\r\n")).collect();
    let e = AdminRequest::parse(&request_with(&many)).unwrap_err();
    assert_eq!(e.kind.name(), "wrong_length", "{e}");
    let long = format!("Host: {}\r\n", "a".repeat(SCP81_MAX_LINE_BYTES));
    let e = AdminRequest::parse(&request_with(&long)).unwrap_err();
    assert_eq!(e.kind.name(), "wrong_length", "{e}");
    // No blank line within the limit: refused at the limit, however much follows.
    let endless = vec![b'a'; SCP81_MAX_HEADER_BYTES + 10];
    let e = AdminRequest::parse(&endless).unwrap_err();
    assert_eq!((e.kind.name(), e.offset), ("wrong_length", SCP81_MAX_HEADER_BYTES));
}

#[test]
fn packet_errors_name_the_field_rule() {
    let e = CommandPacket::parse(&parse_hex("00150C00000000B0001100000000000000A40004023F00").unwrap()).unwrap_err();
    assert!(e.to_string().contains("spec/tsm/scp80.json#/scp80/5/packet/2"), "{e}");
    let e = ResponsePacket::parse(&parse_hex("027100000E09B0001100000000000000016132").unwrap(), false).unwrap_err();
    assert!(e.to_string().contains("spec/tsm/scp80.json#/scp80/6/packet/2"), "{e}");
}

#[test]
fn plain_parts_from_a_deciphered_buffer_report_packet_offsets() {
    use hanko_codec::ota::PlainCommand;
    // PCNTR 9 but only 8 bytes after the checksum: the error points at PCNTR in the packet.
    let plain = parse_hex("0000000000 09 1122334455667788 0011223344556677").unwrap();
    let e = PlainCommand::parse(&plain, 8, 10).unwrap_err();
    assert_eq!((e.kind.name(), e.offset), ("wrong_length", 15));
    let e = PlainCommand::parse(&plain[..10], 8, 10).unwrap_err();
    assert_eq!((e.kind.name(), e.offset), ("truncated", 20));
}

use xtask::tsm::FORMATS;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any bytes: no panic, errors inside the input, and what decodes re-encodes to itself.
    #[test]
    fn arbitrary_bytes_never_panic(pick in 0usize..FORMATS.len(), bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok((_, reencoded)) = decode(FORMATS[pick], &bytes) {
            prop_assert_eq!(reencoded, bytes);
        }
    }

    /// Valid command packets built from parts parse back to those parts.
    #[test]
    fn built_command_packets_round_trip(
        udh in any::<bool>(), spi1 in any::<u8>(), kic in any::<u8>(), tar in any::<[u8; 3]>(),
        cntr in any::<[u8; 5]>(), data in proptest::collection::vec(any::<u8>(), 0..100), pad in 0u8..8,
    ) {
        // No ciphering, no checksum: every part is readable.
        let spi = [0x00, spi1];
        let pcntr = pad.min(u8::try_from(data.len()).unwrap_or(0));
        let mut b = Vec::new();
        if udh { b.extend_from_slice(&[0x02, 0x70, 0x00]); }
        let cpl = u16::try_from(14 + data.len()).unwrap();
        b.extend_from_slice(&cpl.to_be_bytes());
        b.extend_from_slice(&[13, spi[0], spi[1], kic, 0x00]);
        b.extend_from_slice(&tar);
        b.extend_from_slice(&cntr);
        b.push(pcntr);
        b.extend_from_slice(&data);
        let p = CommandPacket::parse(&b).unwrap();
        prop_assert_eq!(p.tar, tar);
        let hanko_codec::ota::CommandSecured::Plain(plain) = p.secured else { panic!("plain") };
        prop_assert_eq!(plain.cntr, cntr);
        prop_assert_eq!(plain.payload(), &data[..data.len() - usize::from(pcntr)]);
        let mut out = Vec::new();
        p.encode(&mut out);
        prop_assert_eq!(out, b);
    }
}
