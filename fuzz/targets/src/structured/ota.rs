//! Structure-aware OTA formats (`spec/tsm/`): SCP80 command and response packets built from
//! arbitrary fields, remote APDU scripts (compact and expanded, both directions) built from
//! arbitrary C-APDUs and items, SCP81 header blocks built from the spec's header rules. Each
//! is encoded, parsed back and compared field by field, then handed to the byte-level OTA
//! targets. The spec interpreter does not read these formats (hanko-codec depends on xtask,
//! so xtask cannot decode them): there is no differential check here.
//!
//! The codec's OTA views have no `Arbitrary`; the wrappers below draw their fields.

use super::len_in;
use crate::hex;
use arbitrary::{Arbitrary, Unstructured};
use hanko_codec::generated::tsm::{
    compact_p3_is_le, Scp80ResponseStatus, SCP81_REQUEST_HEADERS, SCP81_RESPONSE_HEADERS,
};
use hanko_codec::ota::command::{CHL_WITHOUT_CHECKSUM, UDH as COMMAND_UDH};
use hanko_codec::ota::params::ChecksumKind;
use hanko_codec::ota::remote::{encode_expanded_commands, CompactCommands, Direction, Expanded, SW_TRUNCATED};
use hanko_codec::ota::response::{RHL_WITHOUT_CHECKSUM, UDH as RESPONSE_UDH};
use hanko_codec::ota::scp81::{write_request, write_response, AdminRequest, AdminResponse, HeaderRule, Syntax};
use hanko_codec::ota::{
    CommandPacket, CommandSecured, CompactResponse, PlainCommand, PlainResponse, RemoteScript, ResponsePacket,
    ResponseSecured, Spi,
};
use hanko_codec::tlv::ber;
use hanko_codec::CommandApdu;
use xtask::tsm::FORMATS;

/// Secured data at most: CPL and RPL are two bytes, and longer data only costs time.
const MAX_DATA: usize = 1024;

pub fn ota_structured_case(data: &[u8]) -> Option<&'static str> {
    let mut u = Unstructured::new(data);
    let index = u.choose_index(FORMATS.len()).ok()?;
    let done = match FORMATS[index] {
        "scp80_command" => command_packet(&mut u),
        "scp80_response" => response_packet(&mut u, false),
        "scp80_response_ciphered" => response_packet(&mut u, true),
        "remote_compact_command" => compact_commands(&mut u),
        "remote_compact_response" => compact_response(&mut u),
        "remote_expanded_command" => expanded(&mut u, Direction::Commands),
        "remote_expanded_response" => expanded(&mut u, Direction::Responses),
        "scp81_request" => scp81_request(&mut u),
        "scp81_response" => scp81_response(&mut u),
        // A format the validator knows and this target cannot build yet: the matrix test
        // `the_structured_targets_reach_every_entry_of_their_format` names its entries.
        _ => return None,
    };
    done.ok().map(|()| FORMATS[index])
}

/// A checksum length the packet's SPI and KID allow, any short one where the spec leaves
/// the algorithm open.
fn checksum_len(u: &mut Unstructured<'_>, kind: ChecksumKind) -> arbitrary::Result<usize> {
    match kind.allowed_lengths() {
        Some(allowed) => Ok(*u.choose(allowed)?),
        None => u.int_in_range(0..=32),
    }
}

/// Data with a padding count no larger than the data.
fn padded<'a>(u: &mut Unstructured<'a>) -> arbitrary::Result<(&'a [u8], u8)> {
    let n = len_in(u, 0, MAX_DATA, MAX_DATA)?;
    let data = u.bytes(n.min(u.len()))?;
    let pcntr = u.int_in_range(0..=data.len().min(255))? as u8;
    Ok((data, pcntr))
}

fn command_packet(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let (udh, spi, kic, kid, tar): (bool, [u8; 2], u8, u8, [u8; 3]) = u.arbitrary()?;
    let spi = Spi(spi);
    let cl = checksum_len(u, ChecksumKind::of_command(spi, kid))?;
    let secured = if spi.ciphered() {
        // CHL must fit in CPL: the ciphered part holds at least the counters and checksum.
        let n = len_in(u, 6 + cl, MAX_DATA, MAX_DATA)?;
        let bytes = u.bytes(n)?;
        CommandSecured::Ciphered { checksum_len: cl, bytes }
    } else {
        let cntr = u.arbitrary()?;
        let checksum = u.bytes(cl)?;
        let (data, pcntr) = padded(u)?;
        CommandSecured::Plain(PlainCommand { cntr, pcntr, checksum, data })
    };
    let packet = CommandPacket { udh, spi, kic, kid, tar, secured };
    let mut out = Vec::new();
    packet.encode(&mut out);
    assert_eq!(packet.encoded_len(), out.len(), "CommandPacket::encoded_len: {packet:?}");
    assert_eq!(out.starts_with(&COMMAND_UDH), udh, "the UDH of {}", hex(&out));
    let base = if udh { COMMAND_UDH.len() } else { 0 };
    let cpl = usize::from(u16::from_be_bytes([out[base], out[base + 1]]));
    assert_eq!(cpl, out.len() - base - 2, "CPL of {}", hex(&out));
    assert_eq!(usize::from(out[base + 2]), CHL_WITHOUT_CHECKSUM + cl, "CHL of {}", hex(&out));
    let back = CommandPacket::parse(&out)
        .unwrap_or_else(|e| panic!("{packet:?} encodes to {}, which does not parse: {e}", hex(&out)));
    assert_eq!(back, packet, "{} parses to another packet", hex(&out));
    if let CommandSecured::Plain(p) = back.secured {
        assert_eq!(p.payload().len(), p.data.len() - usize::from(p.pcntr), "payload of {}", hex(&out));
    }
    crate::ota::scp80_command(&out);
    Ok(())
}

fn response_packet(u: &mut Unstructured<'_>, ciphered: bool) -> arbitrary::Result<()> {
    let (udh, tar): (bool, [u8; 3]) = u.arbitrary()?;
    let cl = u.int_in_range(0..=32)?;
    let secured = if ciphered {
        let n = len_in(u, 7 + cl, MAX_DATA, MAX_DATA)?;
        ResponseSecured::Ciphered { checksum_len: cl, bytes: u.bytes(n)? }
    } else {
        let cntr = u.arbitrary()?;
        let status = Scp80ResponseStatus::from(u.arbitrary::<u8>()?);
        let checksum = u.bytes(cl)?;
        let (data, pcntr) = padded(u)?;
        ResponseSecured::Plain(PlainResponse { cntr, pcntr, status, checksum, data })
    };
    let packet = ResponsePacket { udh, tar, secured };
    let mut out = Vec::new();
    packet.encode(&mut out);
    assert_eq!(packet.encoded_len(), out.len(), "ResponsePacket::encoded_len: {packet:?}");
    let base = if udh { RESPONSE_UDH.len() } else { 0 };
    assert_eq!(usize::from(out[base + 2]), RHL_WITHOUT_CHECKSUM + cl, "RHL of {}", hex(&out));
    let back = ResponsePacket::parse(&out, ciphered)
        .unwrap_or_else(|e| panic!("{packet:?} encodes to {}, which does not parse: {e}", hex(&out)));
    assert_eq!(back, packet, "{} parses to another packet", hex(&out));
    crate::ota::scp80_response(&out);
    Ok(())
}

/// One command of a compact script, as written and as the codec must read it. A P3 byte is
/// Le for the instructions the spec lists (and whenever it is 00), Lc otherwise; a case 1
/// command (no P3) can only be last, where the script ends after its header.
fn compact_command<'a>(u: &mut Unstructured<'a>, last: bool, out: &mut Vec<u8>) -> arbitrary::Result<CommandApdu<'a>> {
    let [cla, ins, p1, p2]: [u8; 4] = u.arbitrary()?;
    let le_ins = compact_p3_is_le(ins, p1);
    let kind = u.int_in_range(0..=2u8)?;
    out.extend_from_slice(&[cla, ins, p1, p2]);
    let apdu = if kind == 0 && last {
        CommandApdu::new(cla, ins, p1, p2, &[], None)
    } else if le_ins || kind == 1 {
        // For an instruction whose P3 is Lc, only 00 reads as Le (256).
        let p3 = if le_ins { u.arbitrary::<u8>()? } else { 0 };
        out.push(p3);
        CommandApdu::new(cla, ins, p1, p2, &[], Some(if p3 == 0 { 256 } else { u32::from(p3) }))
    } else {
        let n = u.int_in_range(1..=255usize)?;
        let data = u.bytes(n)?;
        out.push(n as u8);
        out.extend_from_slice(data);
        CommandApdu::new(cla, ins, p1, p2, data, None)
    };
    apdu.ok_or(arbitrary::Error::IncorrectFormat)
}

fn compact_commands(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let n = u.int_in_range(1..=8usize)?;
    let mut out = Vec::new();
    let mut expected = Vec::new();
    for i in 0..n {
        let offset = out.len();
        expected.push((offset, compact_command(u, i + 1 == n, &mut out)?));
    }
    let script =
        CompactCommands::parse(&out).unwrap_or_else(|e| panic!("compact script {} does not parse: {e}", hex(&out)));
    let read: Vec<_> = script.iter().map(|c| (c.offset, c.apdu)).collect();
    assert_eq!(read, expected, "compact script {} reads differently from how it was written", hex(&out));
    // AA and AE open an expanded script; a compact one starting so is the caller's to route.
    if !matches!(out[0], 0xAA | 0xAE) {
        match RemoteScript::parse_commands(&out) {
            Ok(RemoteScript::CompactCommands(c)) => assert_eq!(c, script),
            other => panic!("compact script {} is routed as {other:?}", hex(&out)),
        }
    }
    crate::ota::remote_apdu(&out);
    Ok(())
}

fn compact_response(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let (executed, sw): (u8, [u8; 2]) = u.arbitrary()?;
    let n = len_in(u, 0, 256, 256)?;
    let data = u.bytes(n.min(u.len()))?;
    let value = CompactResponse { executed, sw, data };
    let mut out = Vec::new();
    value.encode(&mut out);
    assert_eq!(value.encoded_len(), out.len());
    let back =
        CompactResponse::parse(&out).unwrap_or_else(|e| panic!("compact response {} does not parse: {e}", hex(&out)));
    assert_eq!(back, value, "compact response {} reads differently", hex(&out));
    if !matches!(out[0], 0xAB | 0xAF) {
        match RemoteScript::parse_responses(&out) {
            Ok(RemoteScript::CompactResponse(r)) => assert_eq!(r, value),
            other => panic!("compact response {} is routed as {other:?}", hex(&out)),
        }
    }
    crate::ota::remote_apdu(&out);
    Ok(())
}

/// One item of an expanded script: a C-APDU (22) and the other tags of the commands
/// template, or the response template's items with the lengths the codec checks.
fn expanded_item<'a>(u: &mut Unstructured<'a>, direction: Direction) -> arbitrary::Result<(u8, Vec<u8>)> {
    let small = |u: &mut Unstructured<'a>, min: usize| -> arbitrary::Result<Vec<u8>> {
        let n = len_in(u, min, 300, 64)?;
        Ok(u.bytes(n)?.to_vec())
    };
    Ok(match direction {
        Direction::Commands => match u.int_in_range(0..=5u8)? {
            0 => (0x81, small(u, 0)?),
            1 => (0x82, small(u, 0)?),
            2 => (0x83, small(u, 0)?),
            _ => {
                let apdu = CommandApdu::arbitrary(u)?;
                let mut bytes = Vec::new();
                apdu.encode(&mut bytes);
                (0x22, bytes)
            }
        },
        Direction::Responses => match u.int_in_range(0..=5u8)? {
            0 => (0x80, vec![u.arbitrary()?]),
            1 => (0x81, small(u, 0)?),
            2 => (0x83, small(u, 0)?),
            3 => (0x90, small(u, 0)?),
            _ => (0x23, small(u, 2)?),
        },
    })
}

fn expanded(u: &mut Unstructured<'_>, direction: Direction) -> arbitrary::Result<()> {
    let indefinite: bool = u.arbitrary()?;
    let n = u.int_in_range(0..=6usize)?;
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        items.push(expanded_item(u, direction)?);
    }
    let mut inner = Vec::new();
    let mut offsets = Vec::new();
    for (tag, value) in &items {
        offsets.push(inner.len());
        ber::write_header(&mut inner, u32::from(*tag), value.len());
        inner.extend_from_slice(value);
    }
    let (definite_tag, indefinite_tag) = match direction {
        Direction::Commands => (0xAA, 0xAE),
        Direction::Responses => (0xAB, 0xAF),
    };
    let mut out = Vec::new();
    let body_at = if indefinite {
        out.extend_from_slice(&[indefinite_tag, 0x80]);
        out.extend_from_slice(&inner);
        out.extend_from_slice(&[0x00, 0x00]);
        2
    } else {
        ber::write_header(&mut out, definite_tag, inner.len());
        let at = out.len();
        out.extend_from_slice(&inner);
        at
    };
    let script = Expanded::parse(&out, direction)
        .unwrap_or_else(|e| panic!("expanded script {} does not parse: {e}", hex(&out)));
    assert_eq!((script.direction, script.indefinite), (direction, indefinite));
    let read: Vec<_> = script.items().map(|i| (i.offset, i.tag, i.value.to_vec())).collect();
    let written: Vec<_> = items.iter().zip(&offsets).map(|((t, v), o)| (body_at + o, *t, v.clone())).collect();
    assert_eq!(read, written, "expanded script {} reads differently from how it was written", hex(&out));
    match direction {
        Direction::Commands => {
            let apdus: Vec<_> = script.commands().collect();
            let wanted: Vec<_> = items.iter().filter(|(t, _)| *t == 0x22).map(|(_, v)| v.as_slice()).collect();
            let mut again = Vec::new();
            for a in &apdus {
                let mut b = Vec::new();
                a.encode(&mut b);
                again.push(b);
            }
            assert_eq!(again, wanted, "the C-APDUs of {}", hex(&out));
            if !indefinite && items.iter().all(|(t, _)| *t == 0x22) {
                let mut built = Vec::new();
                encode_expanded_commands(&apdus, &mut built);
                assert_eq!(built, out, "encode_expanded_commands disagrees with the template it read");
            }
        }
        Direction::Responses => {
            let cut = items.iter().any(|(t, v)| *t == 0x23 && v.ends_with(&SW_TRUNCATED));
            assert_eq!(script.truncated(), cut, "truncated() of {}", hex(&out));
        }
    }
    match RemoteScript::parse(&out) {
        Ok(RemoteScript::Expanded(e)) => assert_eq!(e, script),
        other => panic!("expanded script {} is routed as {other:?}", hex(&out)),
    }
    crate::ota::remote_apdu(&out);
    Ok(())
}

/// Visible ASCII of `min..=max` characters from the fuzzer, each mapped into `alphabet`.
fn text(u: &mut Unstructured<'_>, min: usize, max: usize, alphabet: &[u8]) -> arbitrary::Result<String> {
    let n = len_in(u, min, max, 48)?;
    let raw = u.bytes(n)?;
    Ok(raw.iter().map(|&b| char::from(alphabet[usize::from(b) % alphabet.len()])).collect())
}

const TOKEN: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~";
const HEX: &[u8] = b"0123456789ABCDEFabcdef";
/// Header values may hold spaces inside; the parser trims them at both ends only.
const VISIBLE: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// A value the rule accepts: one of its listed values (in any letter case for media types,
/// which compare without case) or one of its syntax.
fn header_value(u: &mut Unstructured<'_>, rule: &HeaderRule, body_len: usize) -> arbitrary::Result<String> {
    Ok(match rule.syntax {
        None => {
            let v = *u.choose(rule.values)?;
            if u.arbitrary()? {
                v.to_ascii_uppercase()
            } else {
                v.to_owned()
            }
        }
        Some(Syntax::Decimal) if rule.name.eq_ignore_ascii_case("Content-Length") => body_len.to_string(),
        Some(Syntax::Decimal) => text(u, 1, 10, b"0123456789")?,
        Some(Syntax::Uri) => format!("/{}", text(u, 0, 40, TOKEN)?),
        Some(Syntax::AdminFrom) => format!("//se-id/{}", text(u, 0, 40, TOKEN)?),
        Some(Syntax::AidPath) => {
            let pix_bytes = u.int_in_range(0..=11usize)?;
            let pix = text(u, 2 * pix_bytes, 2 * pix_bytes, HEX)?;
            format!("//aid/{}/{pix}", text(u, 10, 10, HEX)?)
        }
    })
}

/// Headers for one message: every required one and any optional one of `rules`, plus a few
/// the spec does not list (which the parser passes by), in an arbitrary order.
fn headers(
    u: &mut Unstructured<'_>,
    rules: &[HeaderRule],
    body_len: usize,
) -> arbitrary::Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for rule in rules {
        if !rule.required && !u.arbitrary::<bool>()? {
            continue;
        }
        let name = if u.arbitrary()? { rule.name.to_ascii_lowercase() } else { rule.name.to_owned() };
        let value = header_value(u, rule, body_len)?;
        let at = u.int_in_range(0..=out.len())?;
        out.insert(at, (name, value));
    }
    for i in 0..u.int_in_range(0..=4usize)? {
        let value = text(u, 0, 60, VISIBLE)?.trim_matches(' ').to_owned();
        let at = u.int_in_range(0..=out.len())?;
        out.insert(at, (format!("X-Hanko-Extra-{i}"), value));
    }
    Ok(out)
}

fn assert_headers(what: &str, out: &[u8], read: impl Iterator<Item = (String, String)>, written: &[(String, String)]) {
    let read: Vec<_> = read.collect();
    assert_eq!(read, written, "{what} {} reads its headers differently", String::from_utf8_lossy(out));
}

fn scp81_request(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let target = format!("/{}", text(u, 0, 60, TOKEN)?);
    let n = len_in(u, 0, 512, 512)?;
    let body = u.bytes(n)?;
    let headers = headers(u, &SCP81_REQUEST_HEADERS, body.len())?;
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let mut out = Vec::new();
    write_request(&mut out, &target, &pairs, body);
    let r = AdminRequest::parse(&out)
        .unwrap_or_else(|e| panic!("request {} does not parse: {e}", String::from_utf8_lossy(&out)));
    assert_eq!((r.target, r.body), (target.as_str(), body));
    assert_headers("request", &out, r.headers.iter().map(|h| (h.name.to_owned(), h.value.to_owned())), &headers);
    let status = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("X-Admin-Script-Status")).map(|(_, v)| v.as_str());
    assert_eq!(r.script_status(), status);
    let mut again = Vec::new();
    r.encode(&mut again);
    assert_eq!((r.encoded_len(), again), (out.len(), out.clone()), "the request re-encodes differently");
    crate::ota::remote_apdu(&out);
    Ok(())
}

fn scp81_response(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let status = u.int_in_range(100..=599u16)?;
    let reason = text(u, 0, 40, VISIBLE)?;
    let n = len_in(u, 0, 512, 512)?;
    let body = u.bytes(n)?;
    let headers = headers(u, &SCP81_RESPONSE_HEADERS, body.len())?;
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let mut out = Vec::new();
    write_response(&mut out, status, &reason, &pairs, body);
    let r = AdminResponse::parse(&out)
        .unwrap_or_else(|e| panic!("response {} does not parse: {e}", String::from_utf8_lossy(&out)));
    assert_eq!((r.status, r.reason, r.body), (status, reason.as_str(), body));
    assert_headers("response", &out, r.headers.iter().map(|h| (h.name.to_owned(), h.value.to_owned())), &headers);
    assert_eq!(r.encoded_len(), out.len());
    crate::ota::remote_apdu(&out);
    Ok(())
}
