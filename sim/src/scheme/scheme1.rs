//! Scheme 1: the PC application is the portal's client and reaches the card through the
//! relay and the phone's NFC (`spec/flow/scheme1.json`). The relay protocol is hanko's
//! (project-defined): the PC opens a pairing and shows a one-time code, the phone joins with
//! it, the relay binds a channel to the pairing and forwards numbered APDU frames only between
//! the two bound ends.

use super::portal::Portal;
use super::{authenticate, fields, finish_login, hex, NfcLink, Options, Outcome, Recorder, Run};
use crate::card::VirtualCard;
use crate::card_data::Pins;
use crate::client::JpkiClient;
use crate::transport::{Transport, TransportError};
use hanko_crypto::testpki::Pki;
use hanko_model::trace::{hex_upper, Actor, Link};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use std::sync::Arc;

/// Seconds a pairing code stays valid (the spec's `pair_offer.expires_in`).
pub const CODE_LIFETIME: u64 = 120;

pub fn run(pki: Arc<Pki>, options: &Options) -> Run {
    let trace = Recorder::default();
    let outcome = session(&pki, options, &trace);
    Run { scheme: 1, lines: trace.lines(), outcome }
}

/// The relay's side of one pairing: the code it issued and the channel it bound.
struct Relay {
    pairing: String,
    code: String,
    channel: Option<String>,
}

impl Relay {
    fn offer(rng: &mut ChaCha20Rng) -> Self {
        let mut id = [0u8; 8];
        rng.fill_bytes(&mut id);
        let code = format!("{:06}", rng.next_u32() % 1_000_000);
        Self { pairing: format!("P-{}", hex_upper(&id)), code, channel: None }
    }

    /// The phone joins with `code`: a fresh channel if it is the issued, unspent code.
    fn join(&mut self, code: &str, rng: &mut ChaCha20Rng) -> Option<String> {
        if self.channel.is_some() || code != self.code {
            return None;
        }
        let mut c = [0u8; 16];
        rng.fill_bytes(&mut c);
        let channel = hex_upper(&c);
        self.channel = Some(channel.clone());
        Some(channel)
    }
}

/// The PC's way to the card: every C-APDU goes as a numbered frame PC → relay → phone, the
/// phone hands it to the card over NFC and the answer goes back the same way.
struct RelayTransport<T: Transport> {
    channel: String,
    next: u64,
    phone: T,
    trace: Recorder,
}

impl<T: Transport> Transport for RelayTransport<T> {
    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let seq = self.next;
        self.next += 1;
        let frame = |apdu_key: &str, bytes: &[u8]| {
            fields([("channel", self.channel.clone().into()), ("seq", seq.into()), (apdu_key, hex(bytes))])
        };
        self.trace.msg(Link::Relay, Actor::Pc, Actor::Relay, "s1.pc.capdu", frame("capdu", capdu));
        self.trace.msg(Link::Relay, Actor::Relay, Actor::Phone, "s1.relay.capdu", frame("capdu", capdu));
        let rapdu = self.phone.transmit(capdu)?;
        self.trace.msg(Link::Relay, Actor::Phone, Actor::Relay, "s1.phone.rapdu", frame("rapdu", &rapdu));
        self.trace.msg(Link::Relay, Actor::Relay, Actor::Pc, "s1.relay.rapdu", frame("rapdu", &rapdu));
        Ok(rapdu)
    }
}

fn session(pki: &Arc<Pki>, options: &Options, trace: &Recorder) -> Outcome {
    let relay_msg = |from, to, id: &str, f| trace.msg(Link::Relay, from, to, id, f);
    let https = |from, to, id: &str, f| trace.msg(Link::Https, from, to, id, f);
    let mut rng = ChaCha20Rng::seed_from_u64(options.seed ^ 0x52_454C_4159);
    let mut portal = match Portal::new(pki, options.seed) {
        Ok(p) => p,
        Err(why) => return Outcome::Failed { why },
    };
    let Some(profile) = hanko_model::profile("plastic") else {
        return Outcome::Failed { why: "the plastic profile is missing from the spec".into() };
    };

    // Pairing: the PC shows the code, the user types it on the phone.
    relay_msg(Actor::Pc, Actor::Relay, "s1.pc.pair_request", fields([]));
    let mut relay = Relay::offer(&mut rng);
    relay_msg(
        Actor::Relay,
        Actor::Pc,
        "s1.relay.pair_offer",
        fields([
            ("pairing", relay.pairing.clone().into()),
            ("code", relay.code.clone().into()),
            ("expires_in", CODE_LIFETIME.into()),
        ]),
    );
    relay_msg(Actor::Phone, Actor::Relay, "s1.phone.pair_join", fields([("code", relay.code.clone().into())]));
    let code = relay.code.clone();
    let Some(channel) = relay.join(&code, &mut rng) else {
        return Outcome::Failed { why: "the relay refused the pairing code".into() };
    };
    let bound = || fields([("pairing", relay.pairing.clone().into()), ("channel", channel.clone().into())]);
    relay_msg(Actor::Relay, Actor::Phone, "s1.relay.paired", bound());
    relay_msg(Actor::Relay, Actor::Pc, "s1.relay.peer_joined", bound());

    // The card is in the phone's field from the pairing on.
    let card = VirtualCard::new(pki.clone(), profile, &Pins::default()).with_seed(options.seed);
    let phone = NfcLink::connect(card, Actor::Phone, trace.clone());
    let mut client = JpkiClient::new(RelayTransport { channel: channel.clone(), next: 1, phone, trace: trace.clone() });

    https(Actor::Pc, Actor::Portal, "s1.pc.login_request", fields([]));
    let (session, challenge) = portal.login();
    https(
        Actor::Portal,
        Actor::Pc,
        "s1.portal.challenge",
        fields([("session", session.clone().into()), ("challenge", hex(&challenge))]),
    );
    let authenticated = authenticate(&mut client, &options.pins, &challenge);
    let outcome = finish_login(&mut portal, trace, "s1", Actor::Pc, session, authenticated);
    // The PC closes the channel whatever the outcome; the phone ends its NFC session.
    relay_msg(Actor::Pc, Actor::Relay, "s1.pc.close", fields([("channel", channel.clone().into())]));
    relay_msg(Actor::Relay, Actor::Phone, "s1.relay.closed", fields([("channel", channel.into())]));
    client.transport_mut().phone.disconnect();
    outcome
}
