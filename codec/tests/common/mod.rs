//! Decoding any spec format with the generated codec, the way the spec interpreter does, so
//! that tests can compare the two.

#![allow(dead_code)]

use hanko_codec::generated::layouts::DataLayout;
use hanko_codec::generated::types::TypedValue;
use hanko_codec::{json::to_json, Capdu, File, ResponseApdu, SimpleTlvList, TlvTree};
use serde_json::Value;
use xtask::spec::{Format, Spec};

pub fn spec() -> Spec {
    Spec::load(&xtask::repo_root().join("spec")).expect("spec loads")
}

/// The codec's decoding as JSON and its re-encoding, or its error as (kind, offset).
pub fn codec(format: &Format, b: &[u8]) -> Result<(Value, Vec<u8>), (&'static str, usize)> {
    let err = |e: hanko_codec::Error| (e.kind.name(), e.offset);
    let mut out = Vec::new();
    let json = match format {
        Format::Capdu => {
            let c = Capdu::parse(b).map_err(err)?;
            match &c.command {
                Some(cmd) => cmd.encode(&mut out),
                None => c.apdu.encode(&mut out),
            }
            to_json(&c)
        }
        Format::Rapdu => {
            let r = ResponseApdu::parse(b).map_err(err)?;
            r.encode(&mut out);
            to_json(&r)
        }
        Format::Tlv => {
            let t = TlvTree::parse(b).map_err(err)?;
            t.encode(&mut out);
            to_json(&t)
        }
        Format::SimpleTlv => {
            let t = SimpleTlvList::parse(b).map_err(err)?;
            out.extend_from_slice(b);
            to_json(&t)
        }
        Format::File(id) => {
            let f = File::decode(id, b).expect("a readable file").map_err(err)?;
            f.encode(&mut out);
            assert_eq!(f.encoded_len(), out.len(), "{id}: encoded_len disagrees with encode");
            to_json(&f)
        }
        Format::Layout(id) => {
            let l = DataLayout::decode(id, b).expect("a data layout").map_err(err)?;
            l.encode(&mut out);
            assert_eq!(l.encoded_len(), out.len(), "{id}: encoded_len disagrees with encode");
            to_json(&l)
        }
        Format::Value(id) => {
            let v = TypedValue::decode(id, b).expect("a named type").map_err(err)?;
            v.encode(&mut out);
            assert_eq!(v.encoded_len(), out.len(), "{id}: encoded_len disagrees with encode");
            to_json(&v)
        }
    };
    Ok((json, out))
}

/// Every example of the spec with where it stands and how it decodes.
pub fn examples(spec: &Spec) -> Vec<(String, Format, Vec<u8>, xtask::spec::Example)> {
    let mut out = Vec::new();
    for (at, common, format) in spec.all_entries() {
        for (i, ex) in common.examples.iter().enumerate() {
            let bytes = xtask::spec::parse_hex(&ex.hex).expect("validated hex");
            out.push((format!("{at}/examples/{i}"), format.clone(), bytes, ex.clone()));
        }
    }
    out
}
