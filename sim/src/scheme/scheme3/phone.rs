//! The phone: its UICC, the TSM proxy that plays the TSMs' scripts to the UICC, and the
//! OMAPI-like access the UI app has to the applet.
//!
//! OMAPI (GlobalPlatform Open Mobile API): an app opens a logical channel to an applet by AID
//! and transmits APDUs on it; the phone's SE service sets the channel number in the class
//! byte. The trace records the APDUs as the app hands them over (class without channel bits),
//! which is also what the applet sees. The proxy's own channel management and the scripts'
//! APDUs stay inside the flow messages that carry them.

use super::script::{expanded_commands, expanded_responses};
use crate::gp::ota::split_packets;
use crate::gp::Uicc;
use crate::scheme::Recorder;
use crate::transport::{Transport, TransportError};
use hanko_model::trace::{Actor, Event, Link};

/// What the proxy brings back from a script: the answers as they will be relayed to the TSM
/// (the PoRs, or the response script) and the UICC's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Played {
    pub answers: Vec<u8>,
    pub status: &'static str,
    /// The R-APDUs the UICC gave, in order.
    pub responses: Vec<Vec<u8>>,
}

fn sw(r: &[u8]) -> u16 {
    match r {
        [.., a, b] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    }
}

fn succeeded(r: &[u8]) -> bool {
    matches!(sw(r), 0x9000 | 0x6310) || sw(r) >> 8 == 0x61
}

/// The install result the UICC reports: `ok`, `exists` (an AID already there), or
/// `not_authentic` (the script's protection did not verify, or anything else failed).
fn install_status(responses: &[Vec<u8>], complete: bool) -> &'static str {
    match responses.iter().find(|r| !succeeded(r)) {
        None if complete => "ok",
        Some(r) if sw(r) == 0x6985 => "exists",
        _ => "not_authentic",
    }
}

/// The personalization result: `no_applet` when the SSD or the applet is missing,
/// `already_personalized`, `not_authentic`, or `ok`. `responses` are the answers to SELECT,
/// INITIALIZE UPDATE, EXTERNAL AUTHENTICATE and the wrapped commands, in order.
fn personalize_status(responses: &[Vec<u8>], complete: bool) -> &'static str {
    match responses.iter().position(|r| !succeeded(r)) {
        None if complete => "ok",
        None => "not_authentic",
        Some(0) => "no_applet",
        Some(i) => match sw(&responses[i]) {
            0x6A88 | 0x6A82 if i > 2 => "no_applet",
            0x6985 if i > 2 => "already_personalized",
            _ => "not_authentic",
        },
    }
}

pub struct Phone {
    pub uicc: Uicc,
}

impl Phone {
    pub fn new(mut uicc: Uicc) -> Self {
        uicc.power_on();
        Self { uicc }
    }

    /// The install script of the MNO-TSM: SCP80 packets, each delivered as an SMS-PP download
    /// (the proxy stops at the first PoR that is not `00`), or an expanded RAM script.
    pub fn play_install(&mut self, script: &[u8]) -> Played {
        if let Some(packets) = split_packets(script).filter(|p| !p.is_empty()) {
            let mut answers = Vec::new();
            let mut responses = Vec::new();
            let mut complete = true;
            for packet in packets {
                let outcome = self.uicc.ota_packet(packet);
                if let Some(por) = &outcome.por {
                    answers.extend_from_slice(por);
                }
                let failed = outcome.status != 0 || outcome.responses.iter().any(|r| !succeeded(r));
                responses.extend(outcome.responses);
                if outcome.status != 0 {
                    return Played { answers, status: "not_authentic", responses };
                }
                if failed {
                    complete = false;
                    break;
                }
            }
            let status = install_status(&responses, complete);
            return Played { answers, status, responses };
        }
        let (responses, complete) = self.play_ram(script);
        Played { answers: expanded_responses(&responses), status: install_status(&responses, complete), responses }
    }

    /// The SP-TSM's personalization script.
    pub fn play_personalization(&mut self, script: &[u8]) -> Played {
        let (responses, complete) = self.play_ram(script);
        Played { answers: expanded_responses(&responses), status: personalize_status(&responses, complete), responses }
    }

    /// Plays an expanded script on a fresh logical channel, stopping at the first failure
    /// (TS 102 226). Returns the answers and whether every command ran.
    fn play_ram(&mut self, script: &[u8]) -> (Vec<Vec<u8>>, bool) {
        let Some(commands) = expanded_commands(script) else { return (Vec::new(), false) };
        let opened = self.uicc.process(&[0x00, 0x70, 0x00, 0x00, 0x01]);
        let [channel, 0x90, 0x00] = opened[..] else { return (Vec::new(), false) };
        let mut responses = Vec::new();
        let mut complete = true;
        for c in &commands {
            if c.len() < 4 {
                complete = false;
                break;
            }
            let mut on_channel = c.clone();
            on_channel[0] = (on_channel[0] & !0x03) | channel;
            let r = self.uicc.process(&on_channel);
            let go_on = succeeded(&r);
            responses.push(r);
            if !go_on {
                complete = false;
                break;
            }
        }
        self.uicc.process(&[0x00, 0x70, 0x80, channel]);
        (responses, complete)
    }
}

/// The UI app's logical channel to an applet (OMAPI `openLogicalChannel`).
pub struct Omapi<'a> {
    uicc: &'a mut Uicc,
    channel: u8,
    trace: Recorder,
    reader: Actor,
}

impl<'a> Omapi<'a> {
    /// Opens a logical channel; the applet is selected by the client's first SELECT.
    pub fn open(uicc: &'a mut Uicc, reader: Actor, trace: Recorder) -> Result<Self, String> {
        match uicc.process(&[0x00, 0x70, 0x00, 0x00, 0x01])[..] {
            [channel, 0x90, 0x00] => Ok(Self { uicc, channel, trace, reader }),
            ref other => Err(format!("MANAGE CHANNEL answered {}", hanko_model::trace::hex_upper(other))),
        }
    }

    /// Closes the channel (OMAPI `Channel.close`).
    pub fn close(self) {
        self.uicc.process(&[0x00, 0x70, 0x80, self.channel]);
    }
}

impl Omapi<'_> {
    fn exchange(&mut self, capdu: &[u8]) -> Vec<u8> {
        self.trace.push(Link::Omapi, self.reader, Actor::Uicc, Event::Capdu(capdu.to_vec()));
        let mut on_channel = capdu.to_vec();
        on_channel[0] = (on_channel[0] & !0x03) | self.channel;
        let r = self.uicc.process(&on_channel);
        self.trace.push(Link::Omapi, Actor::Uicc, self.reader, Event::Rapdu(r.clone()));
        r
    }
}

/// GET RESPONSEs one command may need at most (each up to 256 bytes).
const MAX_GET_RESPONSE: usize = 16;

impl Transport for Omapi<'_> {
    /// Sends one C-APDU; like OMAPI's `transmit`, answers `61xx` by fetching the data with GET
    /// RESPONSE (each exchange is in the trace as the applet saw it).
    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if capdu.len() < 4 {
            return Err(TransportError::Malformed(capdu.to_vec()));
        }
        let mut r = self.exchange(capdu);
        let mut data = Vec::new();
        for _ in 0..MAX_GET_RESPONSE {
            match r[..] {
                [ref body @ .., 0x61, n] => {
                    data.extend_from_slice(body);
                    r = self.exchange(&[0x00, 0xC0, 0x00, 0x00, n]);
                }
                _ => break,
            }
        }
        if r.len() < 2 {
            return Err(TransportError::Malformed(r));
        }
        data.extend_from_slice(&r);
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_name_the_failure() {
        let ok = vec![0x90, 0x00];
        assert_eq!(install_status(&[ok.clone(), ok.clone()], true), "ok");
        assert_eq!(install_status(&[ok.clone(), vec![0x69, 0x85]], false), "exists");
        assert_eq!(install_status(&[vec![0x69, 0x82]], false), "not_authentic");
        assert_eq!(personalize_status(&[vec![0x6A, 0x82]], false), "no_applet");
        assert_eq!(personalize_status(&[ok.clone(), vec![0x63, 0x00]], false), "not_authentic");
        assert_eq!(personalize_status(&[ok.clone(), ok.clone(), ok.clone(), vec![0x6A, 0x88]], false), "no_applet");
        assert_eq!(
            personalize_status(&[ok.clone(), ok.clone(), ok.clone(), ok.clone(), vec![0x69, 0x85]], false),
            "already_personalized"
        );
        assert_eq!(personalize_status(&[ok.clone(), ok.clone(), ok.clone(), vec![0x69, 0x82]], false), "not_authentic");
    }
}
