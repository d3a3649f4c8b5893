//! Properties of the data layouts (response data) and of the commands whose data uses the
//! richer framings (lists, LV and DGI lengths, partial TLVs, typed values), over mutated spec
//! examples and arbitrary values: the codec agrees with the spec interpreter, a decoded
//! layout re-encodes to a fixed point that decodes to the same value, and a decoded command
//! re-encodes to its own bytes.

mod common;

use arbitrary::{Arbitrary, Unstructured};
use hanko_codec::generated::layouts::DataLayout;
use hanko_codec::Capdu;
use proptest::prelude::*;
use std::sync::OnceLock;
use xtask::interp::Interp;
use xtask::spec::{Format, Spec};

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(common::spec)
}

/// Examples of the data layouts, and of the commands in `spec/gp/`.
fn seeds() -> &'static Vec<(Format, Vec<u8>)> {
    static SEEDS: OnceLock<Vec<(Format, Vec<u8>)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        common::examples(spec())
            .into_iter()
            .filter(|(at, format, ..)| {
                matches!(format, Format::Layout(_)) || at.starts_with("spec/gp/commands.json#/commands")
            })
            .map(|(_, f, b, _)| (f, b))
            .collect()
    })
}

fn mutated() -> impl Strategy<Value = (Format, Vec<u8>)> {
    (0..seeds().len(), proptest::collection::vec((any::<u16>(), any::<u8>(), 0u8..5), 1..4)).prop_map(|(i, edits)| {
        let (format, mut b) = seeds()[i].clone();
        for (at, byte, op) in edits {
            let at = usize::from(at) % (b.len() + 1);
            match op {
                0 if at < b.len() => b[at] = byte,
                1 => b.insert(at, byte),
                2 if at < b.len() => {
                    b.remove(at);
                }
                // A length byte one up or down: the edit that reaches list and LV boundaries.
                3 if at < b.len() => b[at] = b[at].wrapping_add(if byte & 1 == 0 { 1 } else { 0xFF }),
                _ => b.truncate(at),
            }
        }
        (format, b)
    })
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

#[test]
fn the_seeds_cover_every_layout_and_the_gp_commands() {
    let layouts: std::collections::BTreeSet<_> =
        seeds().iter().filter_map(|(f, _)| if let Format::Layout(id) = f { Some(id.as_str()) } else { None }).collect();
    assert_eq!(layouts.into_iter().collect::<Vec<_>>().len(), DataLayout::IDS.len());
    assert!(seeds().iter().filter(|(f, _)| *f == Format::Capdu).count() > 60, "GP command examples went missing");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn codec_and_interpreter_agree((format, bytes) in mutated()) {
        agree(&format, &bytes)?;
    }

    #[test]
    fn a_decoded_layout_reencodes_to_a_fixed_point((format, bytes) in mutated()) {
        let Format::Layout(id) = &format else { return Ok(()) };
        if let Some(Ok(l)) = DataLayout::decode(id, &bytes) {
            let mut out = Vec::new();
            l.encode(&mut out);
            prop_assert_eq!(l.encoded_len(), out.len());
            prop_assert!(out.len() <= bytes.len(), "{} re-encodes longer, to {}", hex::encode_upper(&bytes), hex::encode_upper(&out));
            let again = DataLayout::decode(id, &out).expect("known layout").map_err(|e| TestCaseError::fail(format!("{e} in {}", hex::encode_upper(&out))))?;
            prop_assert_eq!(again, l);
            let mut twice = Vec::new();
            again.encode(&mut twice);
            prop_assert_eq!(twice, out);
        }
    }

    #[test]
    fn a_decoded_gp_command_reencodes_to_its_bytes((format, bytes) in mutated()) {
        if format != Format::Capdu {
            return Ok(());
        }
        if let Ok(Capdu { command: Some(cmd), .. }) = Capdu::parse(&bytes) {
            let mut out = Vec::new();
            cmd.encode(&mut out);
            prop_assert_eq!(cmd.encoded_len(), out.len());
            prop_assert_eq!(&out, &bytes);
        }
    }

    #[test]
    fn arbitrary_layouts_survive_encode_then_decode(data in proptest::collection::vec(any::<u8>(), 32..1024)) {
        let mut u = Unstructured::new(&data);
        if let Ok(l) = DataLayout::arbitrary(&mut u) {
            let mut out = Vec::new();
            l.encode(&mut out);
            prop_assert_eq!(l.encoded_len(), out.len());
            let back = DataLayout::decode(l.id(), &out).expect("known layout")
                .map_err(|e| TestCaseError::fail(format!("{}: {e} in {}", l.id(), hex::encode_upper(&out))))?;
            prop_assert_eq!(back, l);
            agree(&Format::Layout(l.id().to_string()), &out)?;
        }
    }
}

/// What a card manager does to answer GET STATUS: build an entry from typed values, encode it,
/// and get the bytes a real card sends (GlobalPlatformPro's TestParseTags testParseISD).
#[test]
fn a_get_status_entry_built_from_values_encodes_as_a_card_sends_it() {
    use hanko_codec::field::FlagBytes;
    use hanko_codec::generated::applications::Aid;
    use hanko_codec::generated::layouts::{GpGetStatusIsdResponse, GpGetStatusIsdResponseEntries};
    use hanko_codec::generated::rules;
    use hanko_codec::generated::types::{GpCardLifeCycle, GpPrivileges};
    use hanko_codec::list::{List, More};

    let entry = GpGetStatusIsdResponseEntries {
        aid: Aid(&[0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00]),
        life_cycle: GpCardLifeCycle::Initialized,
        life_cycle_extra: None,
        privileges: Some(FlagBytes { flags: GpPrivileges::SECURITY_DOMAIN, len: 1 }),
        implicit_selection: List::empty(),
        load_file_aid: None,
        load_file_version: None,
        modules: List::empty(),
        associated_security_domain: None,
        unlisted: &[0xEA, 0x02, 0x80, 0x00],
    };
    let mut entries = Vec::new();
    entry.encode(&mut entries);
    let list = List::from_bytes(&entries, (1, 255), More::Tag(0xE3), rules::GP_GET_STATUS_ISD_RESPONSE__ENTRIES)
        .expect("one entry");
    let response = GpGetStatusIsdResponse { entries: list };
    let mut out = Vec::new();
    response.encode(&mut out);
    assert_eq!(hex::encode_upper(&out), "E3144F07A00000015100009F700107C50180EA028000");
    assert_eq!(GpGetStatusIsdResponse::parse(&out), Ok(response));
    let back = response.entries.iter().next().expect("the entry");
    assert_eq!(back.life_cycle, GpCardLifeCycle::Initialized);
    assert!(back.privileges.is_some_and(|p| p.flags.contains(GpPrivileges::SECURITY_DOMAIN)));
}
