//! Properties over arbitrary input: decoders never panic; whatever decodes re-encodes to the
//! same bytes (C-APDUs) or to bytes that decode to the same value (files, which may carry
//! non-minimal BER lengths); the generated codec and the spec interpreter agree on every
//! input; and every value built from arbitrary data survives encode then decode.

mod common;

use arbitrary::{Arbitrary, Unstructured};
use hanko_codec::generated::files::*;
use hanko_codec::{Capdu, Command, CommandApdu, File, ResponseApdu, TlvTree};
use proptest::prelude::*;
use std::sync::OnceLock;
use xtask::interp::Interp;
use xtask::spec::{Format, Spec};

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(common::spec)
}

/// Seeds worth mutating: every example's bytes.
fn seeds() -> &'static Vec<(Format, Vec<u8>)> {
    static SEEDS: OnceLock<Vec<(Format, Vec<u8>)>> = OnceLock::new();
    SEEDS.get_or_init(|| common::examples(spec()).into_iter().map(|(_, f, b, _)| (f, b)).collect())
}

fn agree(format: &Format, bytes: &[u8]) -> Result<(), TestCaseError> {
    let ours = common::codec(format, bytes);
    let oracle = Interp::new(spec()).decode(format, bytes);
    match (&ours, &oracle) {
        (Ok((json, _)), Ok(o)) => prop_assert_eq!(json, o),
        (Err(e), Err(o)) => prop_assert_eq!((e.0, e.1), (o.kind, o.offset)),
        _ => prop_assert!(false, "codec {:?} vs interpreter {:?} on {}", ours, oracle, hex::encode_upper(bytes)),
    }
    Ok(())
}

/// An example's bytes with a few bytes changed, inserted or cut.
fn mutated() -> impl Strategy<Value = (Format, Vec<u8>)> {
    (0..seeds().len(), proptest::collection::vec((any::<u16>(), any::<u8>(), 0u8..4), 1..4)).prop_map(|(i, edits)| {
        let (format, mut b) = seeds()[i].clone();
        for (at, byte, op) in edits {
            let at = usize::from(at) % (b.len() + 1);
            match op {
                0 if at < b.len() => b[at] = byte,
                1 => b.insert(at, byte),
                2 if at < b.len() => {
                    b.remove(at);
                }
                _ => b.truncate(at),
            }
        }
        (format, b)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn codec_and_interpreter_agree_on_mutated_examples((format, bytes) in mutated()) {
        agree(&format, &bytes)?;
    }

    #[test]
    fn codec_and_interpreter_agree_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64), pick in 0usize..4) {
        let format = [Format::Capdu, Format::Rapdu, Format::Tlv, Format::SimpleTlv][pick].clone();
        agree(&format, &bytes)?;
    }

    #[test]
    fn every_file_decoder_agrees_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300), which in 0usize..64) {
        let id = File::IDS[which % File::IDS.len()];
        agree(&Format::File(id.to_string()), &bytes)?;
    }

    #[test]
    fn a_decoded_capdu_reencodes_to_its_bytes((_, bytes) in mutated()) {
        if let Ok(c) = Capdu::parse(&bytes) {
            let mut out = Vec::new();
            match &c.command {
                Some(cmd) => {
                    cmd.encode(&mut out);
                    prop_assert_eq!(cmd.encoded_len(), out.len());
                }
                None => c.apdu.encode(&mut out),
            }
            prop_assert_eq!(&out, &bytes);
        }
    }

    #[test]
    fn a_decoded_file_reencodes_to_an_equal_value((format, bytes) in mutated()) {
        if let Format::File(id) = format {
            if let Some(Ok(f)) = File::decode(&id, &bytes) {
                let mut out = Vec::new();
                f.encode(&mut out);
                prop_assert_eq!(f.encoded_len(), out.len());
                let again = File::decode(&id, &out).expect("known file").expect("re-encoding decodes");
                prop_assert_eq!(again, f);
            }
        }
    }

    #[test]
    fn tlv_and_response_decoders_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        if let Ok(t) = TlvTree::parse(&bytes) {
            let mut out = Vec::new();
            t.encode(&mut out);
            prop_assert_eq!(&out, &bytes);
        }
        if let Ok(r) = ResponseApdu::parse(&bytes) {
            let mut out = Vec::new();
            r.encode(&mut out);
            prop_assert_eq!(&out, &bytes);
        }
    }

    #[test]
    fn arbitrary_commands_survive_encode_then_decode(data in proptest::collection::vec(any::<u8>(), 64..1024)) {
        let mut u = Unstructured::new(&data);
        if let Ok(cmd) = Command::arbitrary(&mut u) {
            let mut out = Vec::new();
            cmd.encode(&mut out);
            prop_assert_eq!(cmd.encoded_len(), out.len());
            let back = Capdu::parse(&out).map_err(|e| TestCaseError::fail(format!("{e} in {}", hex::encode_upper(&out))))?;
            prop_assert_eq!(back.command, Some(cmd), "{}", hex::encode_upper(&out));
        }
        let mut u = Unstructured::new(&data);
        if let Ok(apdu) = CommandApdu::arbitrary(&mut u) {
            let mut out = Vec::new();
            apdu.encode(&mut out);
            prop_assert_eq!(CommandApdu::parse(&out), Ok(apdu));
        }
    }

    #[test]
    fn arbitrary_files_survive_encode_then_decode(data in proptest::collection::vec(any::<u8>(), 64..2048), which in 0usize..64) {
        macro_rules! round_trip {
            ($($t:ident),* $(,)?) => {{
                let makers: &[fn(&mut Unstructured<'_>) -> Option<(File<'static>, Vec<u8>)>] = &[];
                let _ = makers;
                let mut u = Unstructured::new(&data);
                let mut i = 0usize;
                $(
                    if which % File::IDS.len() == i {
                        if let Ok(v) = $t::arbitrary(&mut u) {
                            let mut out = Vec::new();
                            v.encode(&mut out);
                            prop_assert_eq!(v.encoded_len(), out.len());
                            let back = $t::parse(&out).map_err(|e| TestCaseError::fail(format!("{}: {e} in {}", $t::ID, hex::encode_upper(&out))))?;
                            prop_assert_eq!(back, v);
                        }
                    }
                    i += 1;
                )*
                prop_assert_eq!(i, File::IDS.len(), "every file type is covered");
            }};
        }
        round_trip!(
            JpkiSignCert, JpkiSignCaCert, JpkiAuthCert, JpkiAuthCaCert, JpkiTokenInfo, JpkiCertificateStatus,
            TextMyNumber, TextBasicFour, TextIntegrity, TextCvCertificate, TextApInfo,
            SurfaceAge, SurfaceCardFace, SurfaceApInfo, SurfaceCvCertificate, SurfaceMyNumberImage,
            CommonCardRecord,
        );
    }
}

#[test]
fn every_error_kind_has_a_negative_example() {
    let kinds = [
        "truncated",
        "trailing_data",
        "wrong_length",
        "ambiguous_length",
        "unexpected_tag",
        "missing",
        "malformed_tag",
        "malformed_length",
        "too_deep",
        "invalid",
        "check_digit",
        "offset_mismatch",
    ];
    let seen: std::collections::BTreeSet<String> =
        common::examples(spec()).into_iter().filter_map(|(_, _, _, ex)| ex.error.map(|e| e.kind)).collect();
    for k in kinds {
        assert!(seen.contains(k), "no spec example fails with {k}");
    }
}
