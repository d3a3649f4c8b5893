//! The second half of `hanko demo`: a client session against the virtual My Number card in
//! process — read both certificates, the My Number and the basic four items, sign, and
//! check the certificate chain and the signature with the crypto core.

use hanko_codec::field::HashAlgorithm;
use hanko_crypto::chain::{verify_chain, Anchor, Options, Purpose};
use hanko_crypto::key::RsaPublicKey;
use hanko_crypto::profile::Certificate;
use hanko_crypto::signature::{self, Scheme};
use hanko_crypto::testpki::{Pki, VERIFY_AT_UNIX};
use hanko_crypto::time::UnixTime;
use hanko_sim::card::VirtualCard;
use hanko_sim::card_data::Pins;
use hanko_sim::client::{JpkiClient, Key, Pin, PinStatus, Which};
use hanko_sim::transport::InProcess;
use serde_json::json;

/// The document the demo signs (its SHA-256 goes into the DigestInfo).
const DOCUMENT: &[u8] = b"hanko demo: the holder logs in to the portal\n";

fn err(step: &str) -> impl Fn(hanko_sim::client::ClientError) -> String + '_ {
    move |e| format!("{step}: {e}")
}

/// Runs the session; returns the text lines and the JSON summary.
pub fn run() -> Result<(String, serde_json::Value), String> {
    let pins = Pins::default();
    let card = VirtualCard::new(Pki::generate(1), hanko_model::profile("plastic").ok_or("no plastic profile")?, &pins)
        .with_seed(1);
    let mut client = JpkiClient::new(InProcess::connect(card));
    let at = UnixTime(VERIFY_AT_UNIX);
    let mut out =
        String::from("\nThe virtual card, in process (test PKI seed 1; times checked at the test PKI's 2027-01-01)\n");

    let label = client.token_label().map_err(err("token label"))?;
    out.push_str(&format!("  token label          {label}\n"));
    let tries = match client.pin_status(Pin::Auth).map_err(err("PIN status"))? {
        PinStatus::TriesLeft(n) => n.to_string(),
        PinStatus::Blocked => "blocked".into(),
    };
    out.push_str(&format!("  authentication PIN   {tries} tries left\n"));

    let auth = client.certificate(Which::Auth).map_err(err("authentication certificate"))?;
    let auth_ca = client.certificate(Which::AuthCa).map_err(err("authentication CA"))?;
    let anchor = Anchor::new(&auth_ca).map_err(|e| format!("authentication CA: {e}"))?;
    let report = verify_chain(&auth, &[], &[anchor], &[], at, &Options::for_purpose(Purpose::Authentication))
        .map_err(|e| format!("authentication chain: {e}"))?;
    let auth_cert = Certificate::from_der(&auth).map_err(|e| e.to_string())?;
    out.push_str(&format!(
        "  authentication cert  {} bytes, {} — chain valid ({} certificates)\n",
        auth.len(),
        auth_cert.subject(),
        report.path.len()
    ));

    client.verify(Pin::Sign, &pins.sign).map_err(err("signing password"))?;
    let sign = client.certificate(Which::Sign).map_err(err("signing certificate"))?;
    let sign_ca = client.certificate(Which::SignCa).map_err(err("signing CA"))?;
    let anchor = Anchor::new(&sign_ca).map_err(|e| format!("signing CA: {e}"))?;
    verify_chain(&sign, &[], &[anchor], &[], at, &Options::for_purpose(Purpose::Signing))
        .map_err(|e| format!("signing chain: {e}"))?;
    let sign_cert = Certificate::from_der(&sign).map_err(|e| e.to_string())?;
    let holder = sign_cert.holder();
    out.push_str(&format!(
        "  signing cert         {} bytes — chain valid; holder {} ({}), born {}\n",
        sign.len(),
        holder.name().unwrap_or("?"),
        holder.address().unwrap_or("?"),
        holder.birth_date_raw().unwrap_or("?")
    ));

    client.verify(Pin::Auth, &pins.auth).map_err(err("authentication PIN"))?;
    let digest = signature::hash_of(HashAlgorithm::Sha256, DOCUMENT);
    let digest_info = signature::digest_info(HashAlgorithm::Sha256, digest.as_ref());
    let sig = client.sign(Key::Auth, &digest_info).map_err(err("signing"))?;
    let key: RsaPublicKey = auth_cert.public_key().map_err(|e| e.to_string())?;
    signature::verify(&key, DOCUMENT, &sig, Scheme::Pkcs1v15(HashAlgorithm::Sha256))
        .map_err(|e| format!("the card's signature does not verify: {e}"))?;
    out.push_str(&format!("  signature            {} bytes over SHA-256 of the document — verifies under the authentication certificate\n", sig.len()));

    client.verify(Pin::TextPin, &pins.text).map_err(err("text AP PIN"))?;
    let my_number = client.my_number().map_err(err("My Number"))?;
    let four = client.basic_four().map_err(err("basic four items"))?;
    let birth = String::from_utf8_lossy(&four.birth_date.to_iso()).into_owned();
    let sex: &str = four.sex.into();
    out.push_str(&format!(
        "  My Number            {my_number}\n  basic four items     {} / {} / {birth} / {sex}\n",
        four.name, four.address
    ));

    let summary = json!({
        "token_label": label, "auth_pin_tries": tries,
        "authentication_certificate": { "bytes": auth.len(), "subject": auth_cert.subject(), "chain_valid": true },
        "signing_certificate": { "bytes": sign.len(), "holder": holder.name(), "chain_valid": true },
        "signature": { "bytes": sig.len(), "verified": true },
        "my_number": my_number,
        "basic_four": { "name": four.name, "address": four.address, "birth_date": birth, "sex": sex },
    });
    Ok((out, summary))
}
