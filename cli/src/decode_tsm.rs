//! `hanko decode scp80-command | scp80-response | remote-apdu`: the OTA formats of
//! `spec/tsm/`. With keys, a packet is deciphered and its RC/CC checked (hanko-crypto
//! `scp80`); without, its structure is shown and a ciphered part stays opaque. An RC needs
//! no key and is always checked.
//!
//! Exit codes: 0 decoded (and checked, where it could be); 1 the checksum or the
//! deciphering failed; 2 the bytes are malformed or the options are wrong.

use crate::render;
use hanko_codec::describe::{Describe, Value, Visitor};
use hanko_codec::ota::params::ChecksumKind;
use hanko_codec::ota::{CommandPacket, RemoteScript, ResponsePacket, Spi};
use hanko_crypto::scp80::{self, Key, Keys, Scp80Error};
use std::process::ExitCode;

/// The options of the OTA formats.
#[derive(Clone, Debug, Default)]
pub struct TsmArgs {
    /// Ciphering key (KIc), hex.
    pub kic_key: Option<String>,
    /// Checksum key (KID), hex.
    pub kid_key: Option<String>,
    /// scp80-response: the command's SPI (4 hex digits), which says how the PoR is secured.
    pub spi: Option<String>,
    /// scp80-response: the command's KIc byte.
    pub kic: Option<String>,
    /// scp80-response: the command's KID byte.
    pub kid: Option<String>,
}

/// What became of a decode: output, a failed check (exit 1), or bad input (exit 2).
pub enum Outcome {
    Ok(String),
    CheckFailed { message: String, json: Option<serde_json::Value> },
    BadInput { message: String, json: Option<serde_json::Value> },
}

impl Outcome {
    /// Prints the outcome the way every `hanko decode` does and gives the exit code.
    pub fn finish(self, json: bool) -> ExitCode {
        let (code, message, doc) = match self {
            Self::Ok(out) => {
                println!("{}", out.trim_end());
                return ExitCode::SUCCESS;
            }
            Self::CheckFailed { message, json } => (1, message, json),
            Self::BadInput { message, json } => (2, message, json),
        };
        if let (true, Some(doc)) = (json, doc) {
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        eprintln!("hanko: {message}");
        ExitCode::from(code)
    }
}

fn bad(message: impl Into<String>) -> Outcome {
    Outcome::BadInput { message: message.into(), json: None }
}

fn codec_error(e: hanko_codec::Error) -> Outcome {
    Outcome::BadInput {
        message: e.to_string(),
        json: Some(serde_json::json!({ "error": {
            "kind": e.kind.name(), "offset": e.offset, "rule": e.rule.what, "spec": e.rule.path, "message": e.to_string()
        } })),
    }
}

fn check_failed(e: &Scp80Error) -> Outcome {
    let status = e.status();
    Outcome::CheckFailed {
        message: e.to_string(),
        json: Some(serde_json::json!({ "error": {
            "kind": "check_failed", "message": e.to_string(),
            "por_status": status.name(), "por_status_code": format!("{:02X}", u8::from(status)),
        } })),
    }
}

/// A crypto failure: the packet's own fault is a failed check; a structural error is bad input.
fn crypto_error(e: Scp80Error) -> Outcome {
    match e {
        Scp80Error::Codec(c) => codec_error(c),
        Scp80Error::MissingKey { .. } | Scp80Error::KeyLength { .. } | Scp80Error::Unsupported { .. } => {
            bad(e.to_string())
        }
        other => check_failed(&other),
    }
}

fn hex_option(text: &Option<String>, what: &str, len: Option<usize>) -> Result<Option<Vec<u8>>, Outcome> {
    let Some(t) = text else { return Ok(None) };
    let bytes = crate::input::parse_hex(t).map_err(|e| bad(format!("{what}: {e}")))?;
    match len {
        Some(n) if bytes.len() != n => Err(bad(format!("{what} is {n} bytes, {} given", bytes.len()))),
        _ => Ok(Some(bytes)),
    }
}

fn keys(args: &TsmArgs) -> Result<Keys, Outcome> {
    let key = |text: &Option<String>, what: &str| -> Result<Option<Key>, Outcome> {
        match hex_option(text, what, None)? {
            Some(b) => Key::new(&b).map(Some).map_err(|_| bad(format!("{what} must be 8, 16, 24 or 32 bytes"))),
            None => Ok(None),
        }
    };
    Ok(Keys { kic: key(&args.kic_key, "--kic-key")?, kid: key(&args.kid_key, "--kid-key")? })
}

/// The decoded packet, then what checking it established, then the script inside.
struct Report<'a> {
    packet: &'a dyn Describe,
    verified: Option<&'static str>,
    data: Option<&'a [u8]>,
    script: Option<RemoteScript<'a>>,
}

impl Describe for Report<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.enter("packet");
        self.packet.describe(v);
        v.leave();
        v.field("verified", self.verified.map_or(Value::Null, Value::Text));
        v.field("data", self.data.map_or(Value::Null, Value::Bytes));
        match &self.script {
            Some(s) => {
                v.enter("script");
                s.describe(v);
                v.leave();
            }
            None => v.field("script", Value::Null),
        }
    }
}

fn show(report: &Report<'_>, title: String, json: bool) -> String {
    if json {
        render::json(report)
    } else {
        format!("{title}\n{}", render::tree(report, 2))
    }
}

/// `hanko decode scp80-command`.
pub fn scp80_command(bytes: &[u8], args: &TsmArgs, json: bool) -> Outcome {
    let packet = match CommandPacket::parse(bytes) {
        Ok(p) => p,
        Err(e) => return codec_error(e),
    };
    let keys = match keys(args) {
        Ok(k) => k,
        Err(o) => return o,
    };
    let kind = ChecksumKind::of_command(packet.spi, packet.kid);
    let can_check = (!packet.spi.ciphered() || keys.kic.is_some())
        && (!matches!(kind, ChecksumKind::CryptographicChecksum(_)) || keys.kid.is_some())
        && kind != ChecksumKind::DigitalSignature;
    let verified = if can_check {
        match scp80::verify_command(bytes, &keys, None) {
            Ok(v) => Some(v),
            Err(e) => return crypto_error(e),
        }
    } else {
        None
    };
    let (state, data) = match &verified {
        Some(v) => {
            (Some(if kind == ChecksumKind::None { "no checksum" } else { "checksum verified" }), Some(&v.data[..]))
        }
        None => (None, None),
    };
    let script = data.and_then(|d| RemoteScript::parse_commands(d).ok());
    let title = format!(
        "SCP80 command packet, {} bytes, TAR {}: {}",
        bytes.len(),
        hanko_codec::json::hex_upper(&packet.tar),
        match (state, packet.spi.ciphered()) {
            (Some(s), true) => format!("deciphered, {s}"),
            (Some(s), false) => s.to_string(),
            (None, true) => "ciphered (give --kic-key and --kid-key to decipher and check)".into(),
            (None, false) => "not checked (give --kid-key to check the CC)".into(),
        }
    );
    Outcome::Ok(show(&Report { packet: &packet, verified: state, data, script }, title, json))
}

/// `hanko decode scp80-response`.
pub fn scp80_response(bytes: &[u8], args: &TsmArgs, json: bool) -> Outcome {
    let keys = match keys(args) {
        Ok(k) => k,
        Err(o) => return o,
    };
    let spi = match hex_option(&args.spi, "--spi", Some(2)) {
        Ok(s) => s.map(|b| Spi([b[0], b[1]])),
        Err(o) => return o,
    };
    let byte = |t: &Option<String>, what: &str| hex_option(t, what, Some(1)).map(|b| b.map(|b| b[0]));
    let (kic, kid) = match (byte(&args.kic, "--kic"), byte(&args.kid, "--kid")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(o), _) | (_, Err(o)) => return o,
    };
    let has_keys = keys.kic.is_some() || keys.kid.is_some();
    if spi.is_none() && has_keys {
        return bad("a PoR does not say how it is secured: give the command's --spi (and --kic, --kid)");
    }
    let ciphered = spi.is_some_and(Spi::por_ciphered);
    let packet = match ResponsePacket::parse(bytes, ciphered) {
        Ok(p) => p,
        Err(e) => return codec_error(e),
    };
    let verified = match (spi, has_keys) {
        (Some(spi), _) => match scp80::verify_response(bytes, spi, kic.unwrap_or(0), kid.unwrap_or(0), &keys) {
            Ok(v) => Some(v),
            Err(Scp80Error::MissingKey { .. }) if !has_keys => None,
            Err(e) => return crypto_error(e),
        },
        (None, _) => None,
    };
    let state = verified.as_ref().map(|_| "checksum verified");
    let data = verified.as_ref().map(|v| &v.data[..]);
    let plain_data = match &packet.secured {
        hanko_codec::ota::ResponseSecured::Plain(p) => Some(p.payload()),
        hanko_codec::ota::ResponseSecured::Ciphered { .. } => None,
    };
    let script = data.or(plain_data).and_then(|d| RemoteScript::parse_responses(d).ok());
    let title = format!(
        "SCP80 response packet, {} bytes, TAR {}: {}",
        bytes.len(),
        hanko_codec::json::hex_upper(&packet.tar),
        state.unwrap_or("not checked (give the command's --spi, --kic, --kid and the keys to check)")
    );
    Outcome::Ok(show(&Report { packet: &packet, verified: state, data, script }, title, json))
}

/// `hanko decode remote-apdu`: a command script, or a response script opening with AB/AF.
pub fn remote_apdu(bytes: &[u8], json: bool) -> Outcome {
    match RemoteScript::parse(bytes) {
        Ok(script) => {
            let kind = match &script {
                RemoteScript::CompactCommands(_) => "compact command script",
                RemoteScript::CompactResponse(_) => "compact response",
                RemoteScript::Expanded(e) if e.direction == hanko_codec::ota::remote::Direction::Commands => {
                    "expanded command script"
                }
                RemoteScript::Expanded(_) => "expanded response script",
            };
            let title = format!("remote APDU, {} bytes: {kind}", bytes.len());
            Outcome::Ok(if json { render::json(&script) } else { format!("{title}\n{}", render::tree(&script, 2)) })
        }
        Err(e) => codec_error(e),
    }
}
