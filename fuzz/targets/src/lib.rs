//! The bodies of hanko's fuzz targets. They live here, in a crate that builds on stable, so
//! that the cargo-fuzz binaries in `fuzz/fuzz_targets/` are one-liners and `cargo test`
//! replays the committed corpora (`tests/replay.rs`) without nightly or libFuzzer.
//!
//! Every target returns normally on any input the codec handles as documented (including
//! every decoding error) and panics on a bug: a round trip that does not close, a length
//! that disagrees with the bytes written, or a difference from the spec interpreter, which
//! is a second implementation written from the spec alone and so the oracle for decodings,
//! error kinds and error offsets.

use arbitrary::{Arbitrary, Unstructured};
use hanko_codec::generated::files;
use hanko_codec::json::to_json;
use hanko_codec::tlv::{ber, simple};
use hanko_codec::{Capdu, Command, CommandApdu, File, ResponseApdu, SimpleTlvList, TlvTree};
use serde_json::Value;
use std::sync::OnceLock;
use xtask::interp::Interp;
use xtask::spec::{Format, Loaded, Spec, SpecFile};

/// A target's body: returns on any input, panics on a bug.
pub type Target = fn(&[u8]);

/// Every target by name, in the order the README and the replay test list them.
pub const TARGETS: &[(&str, Target)] = &[
    ("capdu", capdu),
    ("rapdu", rapdu),
    ("ber_tlv", ber_tlv),
    ("simple_tlv", simple_tlv),
    ("ef", ef),
    ("roundtrip", roundtrip),
    ("gp_response", gp::gp_response),
    ("certificate", crypto::certificate),
    ("chain", crypto::chain),
    ("cv_certificate", crypto::cv_certificate),
    ("integrity", crypto::integrity),
    ("signature", crypto::signature),
    ("client", client::client),
    ("card_model", card::card_model),
    ("virtual_card", card::virtual_card),
    ("gp_card_manager", gp_card::gp_card_manager),
    ("scp_unwrap", gp_card::scp_unwrap),
    ("trace_lines", trace::trace_lines),
    ("scheme_actions", trace::scheme_actions),
    ("scp80_command", ota::scp80_command),
    ("scp80_response", ota::scp80_response),
    ("remote_apdu", ota::remote_apdu),
    ("scp80_verify", ota::scp80_verify),
    ("tsm_message", tsm_msg::tsm_message),
    ("command_structured", structured::command_structured),
    ("file_structured", structured::file_structured),
    ("ber_structured", structured::ber_structured),
    ("simple_tlv_structured", structured::simple_tlv_structured),
    ("typed_value", structured::typed_value),
    ("ota_structured", structured::ota_structured),
    ("tsm_structured", structured::tsm_structured),
    ("trace_structured", structured::trace_structured),
    ("pki_structured", structured::pki_structured),
];

pub mod card;
pub mod client;
pub mod crypto;
pub mod gp;
pub mod gp_card;
pub mod ota;
pub mod structured;
pub mod trace;
pub mod tsm_msg;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/spec_files.rs"));
}

/// The spec, compiled in by `build.rs` (OSS-Fuzz runs the binaries without the source tree)
/// and parsed once per process: parsing the JSON on every input would dominate a run.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| match embedded_spec() {
        Ok(s) => s,
        Err(problems) => panic!("the embedded spec does not load:\n{}", problems.join("\n")),
    })
}

/// What `Spec::load` does with a folder, over the embedded texts: the same files in the same
/// order, JSON that is not a spec document (`"spec": "hanko/…"`) skipped.
fn embedded_spec() -> Result<Spec, Vec<String>> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for (rel, text) in embedded::SPEC_FILES {
        let display = format!("spec/{rel}");
        let raw: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{display}: not JSON: {e}"));
                continue;
            }
        };
        if !raw.get("spec").and_then(Value::as_str).is_some_and(|s| s.starts_with("hanko/")) {
            continue;
        }
        match serde_json::from_value::<SpecFile>(raw.clone()) {
            Ok(file) => files.push(Loaded { display, path: (*rel).into(), file, raw }),
            Err(e) => problems.push(format!("{display}#: does not follow the spec format: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(Spec { files })
    } else {
        Err(problems)
    }
}

fn interp() -> &'static Interp<'static> {
    static INTERP: OnceLock<Interp<'static>> = OnceLock::new();
    INTERP.get_or_init(|| Interp::new(spec()))
}

fn hex(b: &[u8]) -> String {
    hanko_codec::json::hex_upper(b)
}

type Outcome = Result<Value, (&'static str, usize)>;

/// What the codec's error must satisfy whatever the input, then the kind and offset the
/// interpreter compares.
fn failed(data: &[u8], e: hanko_codec::Error) -> Outcome {
    // Display is what the CLI prints for every error; it must not panic either.
    let _ = e.to_string();
    assert!(
        e.offset <= data.len(),
        "error offset {} past the end of {} bytes: {e}\ninput {}",
        e.offset,
        data.len(),
        hex(data)
    );
    Err((e.kind.name(), e.offset))
}

/// The differential oracle: the codec and the interpreter must give the same JSON, or fail
/// with the same kind at the same byte.
fn agree(format: &Format, data: &[u8], ours: Outcome) {
    let theirs = interp().decode(format, data).map_err(|f| (f.kind, f.offset));
    let same = match (&ours, &theirs) {
        (Ok(a), Ok(b)) => a == b,
        (Err(a), Err(b)) => a == b,
        _ => false,
    };
    if !same {
        let show = |o: &Outcome| match o {
            Ok(v) => v.to_string(),
            Err((kind, offset)) => format!("error {kind} at {offset}"),
        };
        panic!(
            "codec and spec interpreter disagree on {} input {}\n  codec:       {}\n  interpreter: {}",
            format.name(),
            hex(data),
            show(&ours),
            show(&theirs)
        );
    }
}

/// C-APDUs. Parsing is canonical (the case follows from the length alone), so a parsed
/// command must re-encode to exactly its input.
pub fn capdu(data: &[u8]) {
    let ours = match Capdu::parse(data) {
        Ok(c) => {
            let mut raw = Vec::new();
            c.apdu.encode(&mut raw);
            assert_eq!(raw, data, "CommandApdu re-encodes differently: {:?}", c.apdu);
            assert_eq!(c.apdu.encoded_len(), raw.len(), "CommandApdu::encoded_len: {:?}", c.apdu);
            let mut out = Vec::new();
            match &c.command {
                Some(cmd) => {
                    cmd.encode(&mut out);
                    assert_eq!(cmd.encoded_len(), out.len(), "Command::encoded_len: {cmd:?}");
                }
                None => c.apdu.encode(&mut out),
            }
            assert_eq!(out, data, "{:?} re-encodes to {}", c.command, hex(&out));
            let again = Capdu::parse(&out).unwrap_or_else(|e| panic!("re-encoding {} does not parse: {e}", hex(&out)));
            assert_eq!(again, c, "re-encoding {} parses differently", hex(&out));
            Ok(to_json(&c))
        }
        Err(e) => failed(data, e),
    };
    agree(&Format::Capdu, data, ours);
}

/// R-APDUs: any two or more bytes are a response; the status word is looked up.
pub fn rapdu(data: &[u8]) {
    let ours = match ResponseApdu::parse(data) {
        Ok(r) => {
            let mut out = Vec::new();
            r.encode(&mut out);
            assert_eq!(out, data, "{r:?} re-encodes to {}", hex(&out));
            assert_eq!(r.encoded_len(), out.len(), "ResponseApdu::encoded_len: {r:?}");
            let again =
                ResponseApdu::parse(&out).unwrap_or_else(|e| panic!("re-encoding {} does not parse: {e}", hex(&out)));
            assert_eq!(again, r);
            Ok(to_json(&r))
        }
        Err(e) => failed(data, e),
    };
    agree(&Format::Rapdu, data, ours);
}

/// BER-TLV: the tree decoder, the streaming walker and the header writers must agree.
pub fn ber_tlv(data: &[u8]) {
    let walked = ber::walk(data, |depth, tlv| {
        assert!(depth < ber::MAX_DEPTH, "walk went {depth} levels deep");
        assert_eq!(tlv.whole(data).len(), tlv.encoded_len(), "object at {} does not lie within the input", tlv.offset);
        let tl = ber::tag_len(tlv.tag);
        let mut tag = Vec::new();
        ber::write_tag(&mut tag, tlv.tag);
        assert_eq!(tag, tlv.header[..tl], "tag {:X} at {} is written back differently", tlv.tag, tlv.offset);
        // Only a minimal length field has one way to be written; a longer one is legal BER.
        if tlv.header.len() == ber::header_len(tlv.tag, tlv.value.len()) {
            let mut header = Vec::new();
            ber::write_header(&mut header, tlv.tag, tlv.value.len());
            assert_eq!(header, tlv.header, "header at {} is written back differently", tlv.offset);
        }
    });
    let ours = match TlvTree::parse(data) {
        Ok(t) => {
            let mut out = Vec::new();
            t.encode(&mut out);
            assert_eq!(out, data, "TlvTree re-encodes to {}", hex(&out));
            assert_eq!(t.encoded_len(), out.len());
            let objects = &data[..data.len() - t.padding().len()];
            if let Err(e) = ber::walk(objects, |_, _| ()) {
                panic!("TlvTree accepted {} but walking its objects fails: {e}", hex(data));
            }
            Ok(to_json(&t))
        }
        Err(e) => {
            // Padding only makes the tree accept more: whatever walks cleanly is a tree.
            if walked.is_ok() && !data.is_empty() {
                panic!("walk accepts {} but TlvTree rejects it: {e}", hex(data));
            }
            failed(data, e)
        }
    };
    agree(&Format::Tlv, data, ours);
}

/// SIMPLE-TLV lists: the objects must tile the input exactly.
pub fn simple_tlv(data: &[u8]) {
    let ours = match SimpleTlvList::parse(data) {
        Ok(list) => {
            let mut pos = 0;
            for t in list.iter() {
                assert_eq!(t.offset, pos, "objects of {} leave a gap or overlap", hex(data));
                // `FF 00 05` is a legal but longer form of `05`; only the short one is rewritten.
                if t.header.len() == simple::header_len(t.value.len()) {
                    let mut header = Vec::new();
                    simple::write_header(&mut header, t.tag, t.value.len());
                    assert_eq!(header, t.header, "header at {} is written back differently", t.offset);
                }
                pos = t.end();
            }
            assert_eq!(pos, data.len(), "iterating {} stops at {pos}", hex(data));
            Ok(to_json(&list))
        }
        Err(e) => failed(data, e),
    };
    agree(&Format::SimpleTlv, data, ours);
}

/// Every file decoder: the first byte picks the file (index into [`File::IDS`], modulo its
/// length), the rest is the file's content.
pub fn ef(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else { return };
    ef_file(File::IDS[usize::from(selector) % File::IDS.len()], bytes);
}

/// Checks one file's decoding. Encoding is canonical while BER and SIMPLE-TLV inputs may
/// carry longer length fields than needed, so the input itself need not come back; the
/// canonical form must be a fixed point instead, and can only be shorter than the input.
pub fn ef_file(id: &str, bytes: &[u8]) {
    let decoded =
        File::decode(id, bytes).unwrap_or_else(|| panic!("File::IDS lists {id}, which File::decode does not know"));
    let ours = match decoded {
        Ok(f) => {
            assert_eq!(f.id(), id);
            let mut enc = Vec::new();
            f.encode(&mut enc);
            assert_eq!(f.encoded_len(), enc.len(), "{id}: encoded_len disagrees with encode for {}", hex(bytes));
            let g = match File::decode(id, &enc) {
                Some(Ok(g)) => g,
                other => panic!("{id}: the encoding {} of input {} does not decode: {other:?}", hex(&enc), hex(bytes)),
            };
            assert_eq!(g, f, "{id}: input {} re-encodes to {}, which decodes differently", hex(bytes), hex(&enc));
            let mut enc2 = Vec::new();
            g.encode(&mut enc2);
            assert_eq!(enc2, enc, "{id}: encoding is not a fixed point");
            assert!(enc.len() <= bytes.len(), "{id}: input {} re-encodes longer, to {}", hex(bytes), hex(&enc));
            if enc.len() == bytes.len() {
                assert_eq!(
                    enc,
                    bytes,
                    "{id}: input {} has no longer length field yet re-encodes to {}",
                    hex(bytes),
                    hex(&enc)
                );
            }
            Ok(to_json(&f))
        }
        Err(e) => failed(bytes, e),
    };
    agree(&Format::File(id.to_owned()), bytes, ours);
}

/// Lists the generated file structs (each implements `Arbitrary`; the `File` enum does not).
/// `FILE_TYPE_IDS` lets a test check the list against [`File::IDS`], so a file added to the
/// spec cannot silently escape the round-trip target.
macro_rules! file_types {
    ($($t:ident),* $(,)?) => {
        pub const FILE_TYPE_IDS: &[&str] = &[$(files::$t::ID),*];

        fn arbitrary_file<'a>(u: &mut Unstructured<'a>) -> arbitrary::Result<File<'a>> {
            let id = *u.choose(FILE_TYPE_IDS)?;
            $(
                if id == files::$t::ID {
                    return Ok(File::$t(u.arbitrary()?));
                }
            )*
            Err(arbitrary::Error::IncorrectFormat)
        }
    };
}

file_types!(
    CommonCardRecord,
    JpkiSignCert,
    JpkiSignCaCert,
    JpkiAuthCert,
    JpkiAuthCaCert,
    JpkiTokenInfo,
    JpkiCertificateStatus,
    SurfaceAge,
    SurfaceCardFace,
    SurfaceApInfo,
    SurfaceCvCertificate,
    SurfaceMyNumberImage,
    TextMyNumber,
    TextBasicFour,
    TextIntegrity,
    TextCvCertificate,
    TextApInfo,
);

/// Structure-aware: values built by the codec's `Arbitrary` impls must encode to bytes that
/// decode back to the same value. The bytes then go through the byte-level targets, so the
/// differential check also sees deep, valid inputs that random bytes rarely reach.
pub fn roundtrip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(choice) = u.choose_index(4) else { return };
    // An `Err` here only means the input ran out or drew a value the type cannot hold.
    let _ = match choice {
        0 => roundtrip_command(&mut u),
        1 => roundtrip_file(&mut u),
        2 => roundtrip_apdu(&mut u),
        _ => roundtrip_response(&mut u),
    };
}

fn roundtrip_command(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let cmd = Command::arbitrary(u)?;
    let mut out = Vec::new();
    cmd.encode(&mut out);
    assert_eq!(cmd.encoded_len(), out.len(), "Command::encoded_len: {cmd:?}");
    match Capdu::parse(&out) {
        Ok(c) => assert_eq!(c.command, Some(cmd), "{cmd:?} encodes to {}, which is recognised differently", hex(&out)),
        Err(e) => panic!("{cmd:?} encodes to {}, which does not parse: {e}", hex(&out)),
    }
    capdu(&out);
    Ok(())
}

fn roundtrip_file(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let f = arbitrary_file(u)?;
    let id = f.id();
    let mut out = Vec::new();
    f.encode(&mut out);
    assert_eq!(f.encoded_len(), out.len(), "{id}: encoded_len disagrees with encode for {f:?}");
    match File::decode(id, &out) {
        Some(Ok(g)) => assert_eq!(g, f, "{id}: {f:?} encodes to {}, which decodes differently", hex(&out)),
        other => panic!("{id}: {f:?} encodes to {}, which does not decode: {other:?}", hex(&out)),
    }
    ef_file(id, &out);
    Ok(())
}

fn roundtrip_apdu(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let apdu = CommandApdu::arbitrary(u)?;
    let mut out = Vec::new();
    apdu.encode(&mut out);
    assert_eq!(apdu.encoded_len(), out.len(), "CommandApdu::encoded_len: {apdu:?}");
    match CommandApdu::parse(&out) {
        Ok(a) => assert_eq!(a, apdu, "{apdu:?} encodes to {}, which parses differently", hex(&out)),
        Err(e) => panic!("{apdu:?} encodes to {}, which does not parse: {e}", hex(&out)),
    }
    capdu(&out);
    Ok(())
}

fn roundtrip_response(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let r = ResponseApdu::arbitrary(u)?;
    let mut out = Vec::new();
    r.encode(&mut out);
    assert_eq!(r.encoded_len(), out.len());
    match ResponseApdu::parse(&out) {
        Ok(p) => assert_eq!(p, r, "{r:?} encodes to {}, which parses differently", hex(&out)),
        Err(e) => panic!("{r:?} encodes to {}, which does not parse: {e}", hex(&out)),
    }
    rapdu(&out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roundtrip_target_covers_every_file() {
        assert_eq!(FILE_TYPE_IDS, File::IDS, "update file_types! to the generated File enum");
    }

    #[test]
    fn the_embedded_spec_is_the_spec_folder() {
        let folder = Spec::load(&xtask::repo_root().join("spec")).expect("spec/ loads");
        let shown = |s: &Spec| s.files.iter().map(|l| (l.display.clone(), l.raw.clone())).collect::<Vec<_>>();
        assert_eq!(shown(spec()), shown(&folder), "rebuild: build.rs embeds spec/ at compile time");
    }

    #[test]
    fn the_ef_selector_order_is_the_corpus_writers() {
        assert_eq!(xtask::corpus::file_ids(spec()), File::IDS, "corpus seeds would select the wrong files");
    }
}
