//! The in-process JPKI client against a card whose every answer comes from the fuzz input.
//!
//! Input: one byte choosing the read style (even: jpki/myna's 7-byte probe, odd: OpenSC's
//! 4-byte probe), then one frame per C-APDU the client sends: a 2-byte big-endian length and
//! that many bytes of R-APDU (fewer if the input ends first). Once the input is used up the
//! card is gone and every further command fails with a transport error.
//!
//! The client must return on every answer, send only commands the spec recognises, never
//! read or allocate past its file cap, and hand back only values of the documented shape.

use hanko_codec::field::{DigestInfo, HashAlgorithm};
use hanko_codec::{Capdu, File};
use hanko_sim::client::{ClientError, JpkiClient, Key, Pin, ReadStyle, Which, MAX_FILE_LEN};
use hanko_sim::transport::{Transport, TransportError};

/// Answers each C-APDU with the next frame of the script.
pub struct Scripted<'a> {
    rest: &'a [u8],
    /// How many C-APDUs the client sent.
    pub sent: usize,
}

impl<'a> Scripted<'a> {
    pub fn new(script: &'a [u8]) -> Self {
        Self { rest: script, sent: 0 }
    }
}

impl Transport for Scripted<'_> {
    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent += 1;
        match Capdu::parse(capdu) {
            Ok(c) if c.command.is_some() => {}
            other => panic!("the client sent {}, which the spec does not recognise: {other:?}", crate::hex(capdu)),
        }
        let [hi, lo, rest @ ..] = self.rest else {
            self.rest = &[];
            return Err(TransportError::Disconnected("script ended".into()));
        };
        let n = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
        let (answer, rest) = rest.split_at(n);
        self.rest = rest;
        Ok(answer.to_vec())
    }
}

/// The PINs and data of the test PKI's virtual card, so that a script from an honest card
/// (the corpus seeds) gets every step through.
pub const AUTH_PIN: &str = "1234";
pub const SIGN_PASSWORD: &str = "ABC123";
pub const TEXT_PIN: &str = "1234";

/// The operations of one session, in the order they run.
pub const STEPS: [&str; 14] = [
    "token_label",
    "certificate auth",
    "certificate auth_ca",
    "certificate sign_ca",
    "pin_status auth",
    "pin_status sign",
    "verify sign",
    "certificate sign",
    "verify auth",
    "sign auth",
    "verify text",
    "my_number",
    "basic_four",
    "token_label again",
];

fn checked<T>(r: Result<T, ClientError>, ok: impl FnOnce(&T)) -> Result<(), String> {
    match r {
        Ok(v) => {
            ok(&v);
            Ok(())
        }
        Err(e) => {
            let line = e.to_string();
            assert!(!line.contains('\n'), "{e:?} displays on more than one line");
            Err(line)
        }
    }
}

fn certificate(c: &mut JpkiClient<Scripted<'_>>, which: Which) -> Result<(), String> {
    checked(c.certificate(which), |der| {
        assert!(der.len() <= MAX_FILE_LEN, "{which:?}: {} bytes", der.len());
        assert!(
            matches!(File::decode(which.file_id(), der), Some(Ok(_))),
            "{which:?}: returned bytes that do not decode: {}",
            crate::hex(der)
        );
    })
}

/// Runs a whole session on `data`; the outcome of each of [`STEPS`].
pub fn session(data: &[u8]) -> Vec<Result<(), String>> {
    let Some((&style, script)) = data.split_first() else { return Vec::new() };
    let style = if style % 2 == 0 { ReadStyle::Probe7 } else { ReadStyle::Probe4 };
    let mut c = JpkiClient::new(Scripted::new(script)).with_style(style);
    let digest = [0x5A; 32];
    let mut di = Vec::new();
    DigestInfo { algorithm: HashAlgorithm::Sha256, digest: &digest }.encode(&mut di);

    let label = |l: &String| assert!(l.len() <= 32 && !l.ends_with(' '), "label {l:?}");
    let mut out = vec![checked(c.token_label(), label)];
    for which in [Which::Auth, Which::AuthCa, Which::SignCa] {
        out.push(certificate(&mut c, which));
    }
    for pin in [Pin::Auth, Pin::Sign] {
        out.push(checked(c.pin_status(pin), |_| ()));
    }
    out.push(checked(c.verify(Pin::Sign, SIGN_PASSWORD), |_| ()));
    out.push(certificate(&mut c, Which::Sign));
    out.push(checked(c.verify(Pin::Auth, AUTH_PIN), |_| ()));
    out.push(checked(c.sign(Key::Auth, &di), |sig| assert_eq!(sig.len(), 256)));
    out.push(checked(c.verify(Pin::TextPin, TEXT_PIN), |_| ()));
    out.push(checked(c.my_number(), |n| assert!(n.len() == 12 && n.bytes().all(|b| b.is_ascii_digit()), "{n:?}")));
    out.push(checked(c.basic_four(), |_| ()));
    out.push(checked(c.token_label(), label));

    // Every command consumed a frame of at least two bytes, or found the script ended and
    // failed its step: a client that looped on some answer would send more than this.
    let sent = c.transport().sent;
    assert!(sent <= script.len().div_ceil(2) + STEPS.len(), "{sent} commands for a {}-byte script", script.len());
    out
}

/// The fuzz target.
pub fn client(data: &[u8]) {
    let _ = session(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds() -> std::collections::BTreeMap<String, Vec<u8>> {
        let pki = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/testdata/pki"));
        let mut all = xtask::corpus::pki_seeds(pki).expect("test PKI seeds");
        all.remove("client").expect("client seeds")
    }

    #[test]
    fn the_honest_card_seeds_get_every_step_through() {
        let seeds = seeds();
        let honest: Vec<_> = seeds.iter().filter(|(name, _)| name.contains("honest")).collect();
        assert_eq!(honest.len(), 2, "one seed per read style: {:?}", seeds.keys().collect::<Vec<_>>());
        for (name, bytes) in honest {
            let outcome = session(bytes);
            assert_eq!(outcome.len(), STEPS.len());
            for (step, r) in STEPS.iter().zip(&outcome) {
                assert_eq!(r, &Ok(()), "{name}: {step}");
            }
        }
    }

    #[test]
    fn an_empty_or_truncated_script_fails_every_step_quietly() {
        assert!(session(&[]).is_empty());
        assert!(session(&[0]).iter().all(Result::is_err));
        for seed in seeds().values() {
            for cut in [1, 2, 3, seed.len() / 2, seed.len() - 1] {
                client(&seed[..cut.min(seed.len())]);
            }
        }
    }
}
