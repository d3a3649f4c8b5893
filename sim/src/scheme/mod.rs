//! The schemes end to end, in process: every party of `spec/flow/scheme1.json` and
//! `scheme2.json` as an executable actor, the virtual card behind an NFC link, and a trace of
//! everything that passed — flow messages with the spec's message ids, and the card's APDUs on
//! the `nfc` link — that `hanko check --scheme N` replays.
//!
//! Runs are deterministic for a seed: the portal's randomness is seeded, the card signs with
//! PKCS#1 v1.5, so the same options give the same trace byte for byte.

pub mod portal;
pub mod scheme1;
pub mod scheme2;
pub mod scheme3;

use crate::transport::{Card, Transport, TransportError};
use hanko_crypto::testpki::Pki;
use hanko_model::trace::{write_line, Actor, Control, Event, Line, Link};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// DigestInfo prefix of SHA-256: the client signs `prefix ‖ challenge`, so the signature binds
/// the portal's 32-byte challenge byte for byte (spec/flow, the challenge's field note).
pub const SHA256_DIGEST_INFO: [u8; 19] =
    [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

/// What a run does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Seeds the test PKI's use (the portal's sessions and challenges, the card's randomness).
    pub seed: u64,
    /// The PINs the user types, in order: each wrong one is followed by the next, until the
    /// card accepts one or blocks. Empty: the user gives up at the PIN prompt.
    pub pins: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self { seed: 1, pins: vec![hanko_crypto::testpki::AUTH_PIN.to_string()] }
    }
}

/// How a run ended, from the client's side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The portal granted this session.
    LoggedIn { session: String },
    /// The portal refused, for this reason (a value of the spec's `refused.reason`).
    Refused { reason: String },
    /// The client gave up before answering the portal: a wrong PIN and no other, a blocked
    /// PIN, a card error.
    Failed { why: String },
}

/// A finished run: its trace and its outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub scheme: u8,
    pub lines: Vec<Line>,
    pub outcome: Outcome,
}

impl Run {
    /// The trace as JSON Lines, header first.
    pub fn to_jsonl(&self) -> String {
        let mut out = write_line(&Line::header(Some(self.scheme)));
        out.push('\n');
        for l in &self.lines {
            out.push_str(&write_line(l));
            out.push('\n');
        }
        out
    }
}

/// Runs scheme `scheme` (1 or 2) on the test PKI `pki`.
pub fn run(scheme: u8, pki: Arc<Pki>, options: &Options) -> Result<Run, String> {
    match scheme {
        1 => Ok(scheme1::run(pki, options)),
        2 => Ok(scheme2::run(pki, options)),
        n => Err(format!("scheme {n} has no simulator here (1 or 2)")),
    }
}

/// The trace being written, shared by the actors of one run. Lines are numbered as they are
/// written; `seq` is the line number after the header.
#[derive(Clone, Default)]
pub struct Recorder(Rc<RefCell<Vec<Line>>>);

impl Recorder {
    fn push(&self, link: Link, from: Actor, to: Actor, event: Event) {
        let mut lines = self.0.borrow_mut();
        let seq = lines.len() as u64 + 1;
        let mut line = Line::new(seq, link, from, to, event);
        // Line 1 of the text is the header.
        line.line_no = lines.len() + 2;
        lines.push(line);
    }

    /// A flow message.
    pub fn msg(&self, link: Link, from: Actor, to: Actor, id: &str, fields: Map<String, Value>) {
        self.push(link, from, to, Event::Message { id: id.to_string(), fields });
    }

    pub fn lines(&self) -> Vec<Line> {
        self.0.borrow().clone()
    }
}

/// Builds a `fields` object from key–value pairs.
pub fn fields<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Bytes as a field value: upper-case hex.
pub fn hex(bytes: &[u8]) -> Value {
    Value::String(hanko_model::trace::hex_upper(bytes))
}

/// The phone's NFC field around a card: powering the card when it comes into the field,
/// every APDU on the `nfc` link, the power-off when the session ends.
pub struct NfcLink<C: Card> {
    card: C,
    reader: Actor,
    trace: Recorder,
    powered: bool,
}

impl<C: Card> NfcLink<C> {
    /// The card comes into `reader`'s field: powered on.
    pub fn connect(mut card: C, reader: Actor, trace: Recorder) -> Self {
        card.power_on();
        trace.push(Link::Nfc, reader, Actor::Card, Event::Control(Control::PowerOn));
        Self { card, reader, trace, powered: true }
    }

    /// The NFC session ends: the card loses power and its security status.
    pub fn disconnect(&mut self) {
        if self.powered {
            self.card.power_off();
            self.trace.push(Link::Nfc, self.reader, Actor::Card, Event::Control(Control::PowerOff));
            self.powered = false;
        }
    }
}

impl<C: Card> Transport for NfcLink<C> {
    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if !self.powered {
            return Err(TransportError::Disconnected("the card left the field".into()));
        }
        self.trace.push(Link::Nfc, self.reader, Actor::Card, Event::Capdu(capdu.to_vec()));
        let r = self.card.process(capdu);
        self.trace.push(Link::Nfc, Actor::Card, self.reader, Event::Rapdu(r.clone()));
        if r.len() < 2 {
            return Err(TransportError::Malformed(r));
        }
        Ok(r)
    }
}

/// The end of a portal login every scheme shares: the client's `auth_response` with what
/// `authenticate` produced, then the portal's verdict (`session_granted` or `refused`), as
/// `<prefix>.<client>.auth_response` and `<prefix>.portal.…` messages on the https link.
pub(crate) fn finish_login(
    portal: &mut portal::Portal,
    trace: &Recorder,
    prefix: &str,
    client: Actor,
    session: String,
    authenticated: Result<(Vec<u8>, Vec<u8>), String>,
) -> Outcome {
    let https = |from, to, id: String, f| trace.msg(Link::Https, from, to, &id, f);
    let (certificate, signature) = match authenticated {
        Ok(signed) => signed,
        Err(why) => return Outcome::Failed { why },
    };
    https(
        client,
        Actor::Portal,
        format!("{prefix}.{}.auth_response", client.name()),
        fields([
            ("session", session.clone().into()),
            ("certificate", hex(&certificate)),
            ("signature", hex(&signature)),
        ]),
    );
    match portal.answer(&session, &certificate, &signature) {
        Ok(()) => {
            https(
                Actor::Portal,
                client,
                format!("{prefix}.portal.session_granted"),
                fields([("session", session.clone().into())]),
            );
            Outcome::LoggedIn { session }
        }
        Err(r) => {
            https(
                Actor::Portal,
                client,
                format!("{prefix}.portal.refused"),
                fields([("session", session.into()), ("reason", Value::from(r.reason()))]),
            );
            Outcome::Refused { reason: r.reason().into() }
        }
    }
}

/// The client side every scheme shares (spec/flow: the PC's or phone's machine from
/// `login_requested` to `authenticating`): read the authentication certificate, ask for the
/// PIN until the card accepts one, sign `DigestInfo(SHA-256) ‖ challenge`.
pub(crate) fn authenticate<T: Transport>(
    client: &mut crate::client::JpkiClient<T>,
    pins: &[String],
    challenge: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), String> {
    use crate::client::{ClientError, Key, Pin, Which};
    use hanko_codec::generated::commands::JpkiVerify;
    let certificate = client.certificate(Which::Auth).map_err(|e| format!("reading the certificate: {e}"))?;
    client.select_ef(Pin::Auth.fid()).map_err(|e| format!("selecting the PIN: {e}"))?;
    let mut verified = false;
    for pin in pins {
        // The PIN EF stays selected: a second try is VERIFY alone, as the flow's
        // pin_entry → verifying transition has it.
        let mut capdu = Vec::new();
        JpkiVerify { sfi: 0, pin }.encode(&mut capdu);
        let r = client.transport_mut().transmit(&capdu).map_err(|e| format!("VERIFY: {e}"))?;
        match r.as_slice() {
            [0x90, 0x00] => {
                verified = true;
                break;
            }
            [0x63, x] if x & 0xF0 == 0xC0 && x & 0x0F > 0 => continue,
            [0x63, 0xC0] => return Err("the PIN is now blocked".into()),
            [.., a, b] if matches!((a, b), (0x69, 0x83) | (0x69, 0x84)) => return Err("the PIN is blocked".into()),
            other => return Err(format!("VERIFY answered {}", hanko_model::trace::hex_upper(other))),
        }
    }
    if !verified {
        return Err("the user gave up at the PIN prompt".into());
    }
    let mut data = SHA256_DIGEST_INFO.to_vec();
    data.extend_from_slice(challenge);
    let signature = client.sign(Key::Auth, &data).map_err(|e: ClientError| format!("signing: {e}"))?;
    Ok((certificate, signature))
}
