//! Remote management over the air (ETSI TS 102 225 SCP80, TS 102 226 remote APDU): the UICC's
//! receiving entity for the ISD's TAR. A command packet is checked (decipher, cryptographic
//! checksum in constant time, counter) by hanko-crypto; the ISD demands a minimum security
//! level of its own (CC, ciphering, a counter that must rise); then the script's C-APDUs run
//! against the ISD in order, each authenticated by the packet, and the proof of receipt
//! carries their answers back, secured as the SPI asks.
//!
//! The counter is the one thing a verified packet changes even when its commands fail: a
//! packet accepted once can never be accepted again.

use super::registry::Aid;
use super::session::{Protection, Session};
use super::{answer, dispatch, keys::Protocol, sw, tlv, Uicc};
use hanko_codec::generated::tsm::{Scp80ResponseStatus, Scp80SpiChecksum, Scp80SpiCounter};
use hanko_codec::ota::command::CommandPacket;
use hanko_codec::ota::remote::RemoteScript;
use hanko_crypto::scp::SecurityLevel;
use hanko_crypto::scp80::{self, Keys};

/// The ISD's TAR (TS 101 220).
pub const TAR_ISD: [u8; 3] = [0x00, 0x00, 0x00];

/// One SCP80 key set: its number (the high nibble of KIc and KID) and keys.
#[derive(Clone, Debug)]
pub struct OtaKeySet {
    pub number: u8,
    pub keys: Keys,
}

/// What became of a command packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtaOutcome {
    /// The PoR status (TS 102 225 Table 5.3), `00` when the packet checked.
    pub status: u8,
    /// The proof of receipt, when the SPI asks for one (and the packet could be read).
    pub por: Option<Vec<u8>>,
    /// The R-APDUs of the commands run, in order.
    pub responses: Vec<Vec<u8>>,
}

impl OtaOutcome {
    fn refused(status: Scp80ResponseStatus) -> Self {
        Self { status: u8::from(status), por: None, responses: Vec::new() }
    }
}

/// Whether an R-APDU lets a script go on.
fn continues(rapdu: &[u8]) -> bool {
    matches!(rapdu, [.., 0x90, 0x00] | [.., 0x61, _] | [.., 0x63, 0x10])
}

impl Uicc {
    /// Receives one command packet (an SMS-PP data download, or a packet the phone's TSM
    /// proxy relays) and returns what it did and its PoR.
    pub fn ota_packet(&mut self, packet: &[u8]) -> OtaOutcome {
        let Ok(header) = CommandPacket::parse(packet) else {
            // Unreadable: there is no TAR or SPI to answer with.
            return OtaOutcome::refused(Scp80ResponseStatus::SecurityError);
        };
        let (spi, kic, kid, tar) = (header.spi, header.kic, header.kid, header.tar);
        // The PoR, when the SPI asks for one: always, or on error.
        let reply = |status: u8, counter: [u8; 5], data: &[u8], keys: &Keys| -> Option<Vec<u8>> {
            let wanted = match u8::from(spi.por()) {
                0x01 => true,
                0x02 => status != 0,
                _ => false,
            };
            let p = scp80::ResponseParams { spi, kic, kid, tar, counter, status, data };
            if wanted {
                scp80::protect_response(&p, keys).ok()
            } else {
                None
            }
        };
        if tar != TAR_ISD {
            return OtaOutcome::refused(Scp80ResponseStatus::TarUnknown);
        }
        let set = kid >> 4;
        let Some(keyset) = self.config.ota_keys.iter().find(|k| k.number == set).cloned() else {
            return OtaOutcome::refused(Scp80ResponseStatus::SecurityError);
        };
        if spi.ciphered() && kic >> 4 != set {
            return OtaOutcome::refused(Scp80ResponseStatus::SecurityError);
        }
        let last = self.state.ota_counters.get(&set).copied().unwrap_or([0; 5]);
        let verified = match scp80::verify_command(packet, &keyset.keys, Some(last)) {
            Ok(v) => v,
            Err(e) => {
                let status = u8::from(e.status());
                // A checksum failure is answered without data; the counter of a forged or
                // replayed packet is not recorded.
                return OtaOutcome { status, por: reply(status, [0; 5], &[], &keyset.keys), responses: Vec::new() };
            }
        };
        // The ISD's minimum security level: a cryptographic checksum, ciphering, and a counter
        // that must be higher than the last.
        let msl_met = matches!(spi.checksum(), Scp80SpiChecksum::CryptographicChecksum)
            && spi.ciphered()
            && matches!(spi.counter(), Scp80SpiCounter::CounterHigher | Scp80SpiCounter::CounterOneHigher);
        if !msl_met {
            let status = u8::from(Scp80ResponseStatus::InsufficientSecurityLevel);
            return OtaOutcome {
                status,
                por: reply(status, verified.counter, &[], &keyset.keys),
                responses: Vec::new(),
            };
        }
        self.state.ota_counters.insert(set, verified.counter);
        let (responses, por_data) = self.run_script(&verified.data);
        let por = reply(0, verified.counter, &por_data, &keyset.keys);
        OtaOutcome { status: 0, por, responses }
    }

    /// Runs a remote APDU script against the ISD and returns each R-APDU and the response
    /// script for the PoR (expanded `AB` for an expanded script, compact otherwise).
    fn run_script(&mut self, script: &[u8]) -> (Vec<Vec<u8>>, Vec<u8>) {
        let isd = self.config.isd.clone();
        let dek = self
            .state
            .keys
            .get(&isd)
            .and_then(|k| k.versions.iter().find(|v| v.protocol == Protocol::Scp03))
            .map(|v| v.keys.dek().to_vec());
        let level = SecurityLevel::C_MAC | SecurityLevel::C_DECRYPTION;
        self.ota_channel.selected = Some(isd.clone());
        self.ota_channel.session =
            Some(Session { sd: isd.clone(), kvn: 0, level, protection: Protection::Ota { dek } });
        let (commands, expanded): (Vec<Vec<u8>>, bool) = match RemoteScript::parse_commands(script) {
            Ok(RemoteScript::Expanded(e)) => (
                e.commands()
                    .map(|c| {
                        let mut v = Vec::new();
                        c.encode(&mut v);
                        v
                    })
                    .collect(),
                true,
            ),
            Ok(RemoteScript::CompactCommands(c)) => (
                c.iter()
                    .map(|c| {
                        let mut v = Vec::new();
                        c.apdu.encode(&mut v);
                        v
                    })
                    .collect(),
                false,
            ),
            _ => {
                let mut out = Vec::new();
                tlv::push(&mut out, 0xAB, &[0x90, 0x01, 0x01]);
                return (Vec::new(), out);
            }
        };
        let mut responses = Vec::new();
        for capdu in &commands {
            let r = self.ota_command(&isd, capdu);
            let go_on = continues(&r);
            responses.push(r);
            if !go_on {
                break;
            }
        }
        self.ota_channel.session = None;
        let mut data = Vec::new();
        if expanded {
            let mut body = Vec::new();
            tlv::push(&mut body, 0x80, &[responses.len() as u8]);
            for r in &responses {
                tlv::push(&mut body, 0x23, r);
            }
            tlv::push(&mut data, 0xAB, &body);
        } else if let Some(last) = responses.last() {
            let (body, sw) = last.split_at(last.len() - 2);
            data.push(responses.len() as u8);
            data.extend_from_slice(sw);
            data.extend_from_slice(body);
        }
        (responses, data)
    }

    /// One command of a verified packet: authenticated by the packet, so it runs as if
    /// wrapped in a session at C-MAC and C-DECRYPTION with the ISD.
    fn ota_command(&mut self, isd: &Aid, capdu: &[u8]) -> Vec<u8> {
        if capdu.len() < 4 || capdu[0] & 0x7B != 0 {
            return answer(Vec::new(), sw::CLA_NOT_SUPPORTED);
        }
        match dispatch(&mut self.state, &mut self.ota_channel, &self.config, isd, capdu, true) {
            Ok((data, sw)) => answer(data, sw),
            Err(sw) => answer(Vec::new(), sw),
        }
    }
}

/// Splits concatenated command packets (each `02 70 00 CPL …`) as a relay receives them.
pub fn split_packets(mut bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let [0x02, 0x70, 0x00, h, l, ..] = *bytes else { return None };
        let len = 5 + usize::from(u16::from_be_bytes([h, l]));
        if bytes.len() < len {
            return None;
        }
        out.push(&bytes[..len]);
        bytes = &bytes[len..];
    }
    Some(out)
}
