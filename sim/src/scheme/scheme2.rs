//! Scheme 2: the phone application reads the card over NFC and is the portal's client itself
//! (`spec/flow/scheme2.json`).

use super::portal::Portal;
use super::{authenticate, fields, finish_login, hex, NfcLink, Options, Outcome, Recorder, Run};
use crate::card::VirtualCard;
use crate::card_data::Pins;
use crate::client::JpkiClient;
use hanko_crypto::testpki::Pki;
use hanko_model::trace::{Actor, Link};
use std::sync::Arc;

pub fn run(pki: Arc<Pki>, options: &Options) -> Run {
    let trace = Recorder::default();
    let outcome = session(&pki, options, &trace);
    Run { scheme: 2, lines: trace.lines(), outcome }
}

fn session(pki: &Arc<Pki>, options: &Options, trace: &Recorder) -> Outcome {
    let https = |from, to, id: &str, f| trace.msg(Link::Https, from, to, id, f);
    let mut portal = match Portal::new(pki, options.seed) {
        Ok(p) => p,
        Err(why) => return Outcome::Failed { why },
    };
    let Some(profile) = hanko_model::profile("plastic") else {
        return Outcome::Failed { why: "the plastic profile is missing from the spec".into() };
    };
    https(Actor::Phone, Actor::Portal, "s2.phone.login_request", fields([]));
    let (session, challenge) = portal.login();
    https(
        Actor::Portal,
        Actor::Phone,
        "s2.portal.challenge",
        fields([("session", session.clone().into()), ("challenge", hex(&challenge))]),
    );

    let card = VirtualCard::new(pki.clone(), profile, &Pins::default()).with_seed(options.seed);
    let mut client = JpkiClient::new(NfcLink::connect(card, Actor::Phone, trace.clone()));
    let authenticated = authenticate(&mut client, &options.pins, &challenge);
    let outcome = finish_login(&mut portal, trace, "s2", Actor::Phone, session, authenticated);
    client.transport_mut().disconnect();
    outcome
}
