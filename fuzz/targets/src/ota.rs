//! The OTA targets: SCP80 command and response packets, the scripts they carry (remote APDU,
//! and SCP81 header blocks, the other way scripts arrive), and SCP80 verification under
//! fuzzed keys and tampering, where a forged packet must never verify.

use arbitrary::{Arbitrary, Unstructured};
use hanko_codec::generated::tsm::Scp80SpiChecksum;
use hanko_codec::json::to_json;
use hanko_codec::ota::remote::{CompactCommands, Direction, Expanded};
use hanko_codec::ota::scp81::{AdminRequest, AdminResponse};
use hanko_codec::ota::{CommandPacket, CompactResponse, RemoteScript, ResponsePacket, Spi};
use hanko_codec::Describe;
use hanko_crypto::scp80::{self, CommandParams, Key, Keys, ResponseParams};

/// Decoding `data` gives back `data` when encoded, with `encoded_len` agreeing, and describes
/// itself without panicking; errors point inside the input.
fn closes(what: &str, data: &[u8], encoded_len: usize, encode: impl Fn(&mut Vec<u8>), d: &dyn Describe) {
    let mut out = Vec::new();
    encode(&mut out);
    assert_eq!(out.len(), encoded_len, "{what}: encoded_len disagrees with encode");
    assert_eq!(out, data, "{what}: the round trip does not close");
    let _ = to_json(d);
}

fn error_inside(what: &str, data: &[u8], e: &hanko_codec::Error) {
    assert!(e.offset <= data.len(), "{what}: error at {} beyond {} bytes: {e}", e.offset, data.len());
}

pub fn scp80_command(data: &[u8]) {
    match CommandPacket::parse(data) {
        Ok(p) => {
            closes("command packet", data, p.encoded_len(), |o| p.encode(o), &p);
            // Checking needs no key for RC and none-secured packets; it must never panic.
            let _ = scp80::verify_command(data, &Keys::default(), Some([0; 5]));
        }
        Err(e) => error_inside("command packet", data, &e),
    }
}

pub fn scp80_response(data: &[u8]) {
    for ciphered in [false, true] {
        match ResponsePacket::parse(data, ciphered) {
            Ok(p) => closes("response packet", data, p.encoded_len(), |o| p.encode(o), &p),
            Err(e) => error_inside("response packet", data, &e),
        }
    }
}

pub fn remote_apdu(data: &[u8]) {
    match CompactCommands::parse(data) {
        Ok(c) => closes("compact commands", data, data.len(), |o| o.extend_from_slice(c.as_bytes()), &c),
        Err(e) => error_inside("compact commands", data, &e),
    }
    match CompactResponse::parse(data) {
        Ok(r) => closes("compact response", data, r.encoded_len(), |o| r.encode(o), &r),
        Err(e) => error_inside("compact response", data, &e),
    }
    for direction in [Direction::Commands, Direction::Responses] {
        match Expanded::parse(data, direction) {
            Ok(x) => {
                closes("expanded script", data, data.len(), |o| o.extend_from_slice(x.as_bytes()), &x);
                // Every item the view yields lies inside the template.
                for item in x.items() {
                    assert!(item.value_offset + item.value.len() <= data.len(), "item beyond the input");
                }
            }
            Err(e) => error_inside("expanded script", data, &e),
        }
    }
    match RemoteScript::parse(data) {
        Ok(s) => closes("remote script", data, s.encoded_len(), |o| s.encode(o), &s),
        Err(e) => error_inside("remote script", data, &e),
    }
    match AdminRequest::parse(data) {
        Ok(r) => closes("SCP81 request", data, r.encoded_len(), |o| r.encode(o), &r),
        Err(e) => error_inside("SCP81 request", data, &e),
    }
    match AdminResponse::parse(data) {
        Ok(r) => closes("SCP81 response", data, r.encoded_len(), |o| r.encode(o), &r),
        Err(e) => error_inside("SCP81 response", data, &e),
    }
}

/// (SPI byte 1, KIc, KID, KIc key length, KID key length) for every algorithm implemented.
const SUITES: [(u8, u8, u8, usize, usize); 10] = [
    (0x01, 0x00, 0x01, 0, 0),
    (0x01, 0x00, 0x05, 0, 0),
    (0x02, 0x00, 0x01, 0, 8),
    (0x02, 0x00, 0x05, 0, 16),
    (0x02, 0x00, 0x09, 0, 24),
    (0x02, 0x00, 0x02, 0, 16),
    (0x06, 0x01, 0x02, 8, 32),
    (0x06, 0x0D, 0x05, 8, 16),
    (0x06, 0x09, 0x02, 24, 24),
    (0x05, 0x02, 0x05, 16, 0),
];

#[derive(Arbitrary, Debug)]
struct Session {
    suite: u8,
    key: [u8; 32],
    counter: [u8; 5],
    por_ciphered: bool,
    status: u8,
    data: Vec<u8>,
    /// Positions (taken modulo the packet's length) and XOR masks applied to the packet.
    tamper: Vec<(u16, u8)>,
    /// A checksum to splice in instead of the right one.
    forged_checksum: Option<[u8; 8]>,
    /// Bytes verified as they are, under the same keys.
    raw: Vec<u8>,
}

/// Protect, then verify: the data comes back. With a cryptographic checksum, any change —
/// fuzzed bytes flipped, a fuzzed checksum spliced in — and the packet no longer verifies
/// as one with a cryptographic checksum (a CRC is no MAC: a fuzzer may find a change it
/// misses, so RC suites only must not panic).
pub fn scp80_verify(data: &[u8]) {
    let Ok(s) = Session::arbitrary(&mut Unstructured::new(data)) else { return };
    let (spi1, kic, kid, kic_len, kid_len) = SUITES[usize::from(s.suite) % SUITES.len()];
    let keys = Keys {
        kic: (kic_len > 0).then(|| Key::new(&s.key[..kic_len]).expect("valid length")),
        kid: (kid_len > 0).then(|| Key::new(&s.key[32 - kid_len..]).expect("valid length")),
    };
    let cc = spi1 & 0x03 == 0x02;
    let _ = scp80::verify_command(&s.raw, &keys, Some(s.counter));
    let data = &s.data[..s.data.len().min(200)];
    // The PoR asks for the same kind of checksum (b4b3 = b2b1), ciphered when the command is.
    let por = 0x01 | (spi1 & 0x03) << 2 | if s.por_ciphered && spi1 & 0x04 != 0 { 0x10 } else { 0 };
    let spi = Spi([spi1, por]);
    let params = CommandParams { udh: false, spi, kic, kid, tar: [0xB0, 0x00, 0x11], counter: s.counter, data };
    let packet = scp80::protect_command(&params, &keys).expect("every suite protects");
    let v = scp80::verify_command(&packet, &keys, None).expect("a protected packet verifies");
    assert_eq!(v.data, data, "the data comes back");
    let mut forged = tampered(&packet, &s.tamper);
    if let (Some(sum), false) = (s.forged_checksum, spi.ciphered()) {
        // Unciphered: the checksum sits after CPL CHL SPI KIc KID TAR CNTR PCNTR.
        let n = usize::from(packet[2]) - 13;
        forged[16..16 + n].copy_from_slice(&sum[..n]);
    }
    if cc && forged != packet {
        // A packet is checked at the level its own SPI asks for, so a changed SPI that asks
        // for no checksum verifies: that is a downgrade, which the receiving entity refuses
        // by its minimum security level (as the ISD does, hanko_sim::gp::ota). A packet
        // that still claims a cryptographic checksum must not verify.
        if let Ok(v) = scp80::verify_command(&forged, &keys, None) {
            assert!(
                v.spi.checksum() != Scp80SpiChecksum::CryptographicChecksum,
                "a forged command verified with a cryptographic checksum"
            );
        }
    }
    let _ = scp80::verify_response(&s.raw, spi, kic, kid, &keys);
    let rp = ResponseParams { spi, kic, kid, tar: [0xB0, 0, 0x11], counter: s.counter, status: s.status, data };
    let response = scp80::protect_response(&rp, &keys).expect("every suite protects a PoR");
    let v = scp80::verify_response(&response, spi, kic, kid, &keys).expect("a protected PoR verifies");
    assert_eq!(v.data, data, "the PoR data comes back");
    let forged = tampered(&response, &s.tamper);
    if cc && forged != response {
        assert!(scp80::verify_response(&forged, spi, kic, kid, &keys).is_err(), "a forged PoR verified");
    }
}

fn tampered(packet: &[u8], tamper: &[(u16, u8)]) -> Vec<u8> {
    let mut out = packet.to_vec();
    for &(at, mask) in tamper.iter().take(8) {
        let i = usize::from(at) % out.len();
        out[i] ^= mask;
    }
    out
}
