//! Structure-aware targets: the fuzzer's bytes drive `arbitrary` into a valid value of one
//! format, the value is encoded, and decoding the encoding must give the value back, with
//! `encoded_len` right. Where the spec interpreter reads the format it must decode the
//! encoding the same way, so the differential check sees deep, valid inputs that random
//! bytes rarely reach. The encoding then also goes through the format's byte-level target.
//!
//! Every body returns which format (or spec entry) the input exercised, or `None` when the
//! input ran out before a value was built. `tests/matrix.rs` samples these with random
//! inputs to prove that every spec entry of a format is reachable from its target.
//!
//! Values borrow from the fuzzer's bytes while their decoding borrows from the encoding, and
//! some generated types are invariant in that lifetime (lists keep a reader function), so the
//! bodies that compare such values copy the input to a local buffer, which then lives exactly
//! as long as the encoding.

mod message;
mod ota;
mod pki;
mod tlv;
mod trace;

use crate::{arbitrary_file, hex, interp};
use arbitrary::{Arbitrary, Unstructured};
use hanko_codec::field::FlagBytes;
use hanko_codec::generated::types::TypedValue;
use hanko_codec::json::to_json;
use hanko_codec::{Capdu, Command, File};
use xtask::spec::Format;

pub use message::tsm_structured_case;
pub use ota::ota_structured_case;
pub use pki::pki_structured_case;
pub use tlv::{ber_structured_case, simple_tlv_structured_case};
pub use trace::trace_structured_case;

/// A structured body: the format or entry id it exercised, `None` if the input ran out.
pub type Case = fn(&[u8]) -> Option<&'static str>;

/// Every structure-aware target with its body, by target name.
pub const CASES: &[(&str, Case)] = &[
    ("command_structured", command_structured_case),
    ("file_structured", file_structured_case),
    ("ber_structured", ber_structured_case),
    ("simple_tlv_structured", simple_tlv_structured_case),
    ("typed_value", typed_value_case),
    ("ota_structured", ota_structured_case),
    ("tsm_structured", tsm_structured_case),
    ("trace_structured", trace_structured_case),
    ("pki_structured", pki_structured_case),
];

pub fn command_structured(data: &[u8]) {
    command_structured_case(data);
}

pub fn file_structured(data: &[u8]) {
    file_structured_case(data);
}

pub fn ber_structured(data: &[u8]) {
    ber_structured_case(data);
}

pub fn simple_tlv_structured(data: &[u8]) {
    simple_tlv_structured_case(data);
}

pub fn typed_value(data: &[u8]) {
    typed_value_case(data);
}

pub fn ota_structured(data: &[u8]) {
    ota_structured_case(data);
}

pub fn tsm_structured(data: &[u8]) {
    tsm_structured_case(data);
}

pub fn trace_structured(data: &[u8]) {
    trace_structured_case(data);
}

pub fn pki_structured(data: &[u8]) {
    pki_structured_case(data);
}

/// An arbitrary command of the spec (JPKI, ISO 7816 and GlobalPlatform alike): it encodes to
/// as many bytes as `encoded_len` says, parses back to itself, and the interpreter recognises
/// the same entry; then the C-APDU target checks the bytes, JSON included, against it.
pub fn command_structured_case(data: &[u8]) -> Option<&'static str> {
    let buf = data.to_vec();
    let mut u = Unstructured::new(&buf);
    let cmd = Command::arbitrary(&mut u).ok()?;
    let mut out = Vec::new();
    cmd.encode(&mut out);
    assert_eq!(cmd.encoded_len(), out.len(), "Command::encoded_len: {cmd:?}");
    let parsed =
        Capdu::parse(&out).unwrap_or_else(|e| panic!("{cmd:?} encodes to {}, which does not parse: {e}", hex(&out)));
    assert_eq!(parsed.command, Some(cmd), "{cmd:?} encodes to {}, which is recognised differently", hex(&out));
    let theirs = interp()
        .capdu(&out)
        .unwrap_or_else(|f| panic!("the interpreter refuses {} ({cmd:?}): {} at {}", hex(&out), f.kind, f.offset));
    let id = theirs.pointer("/command/id").and_then(|v| v.as_str());
    assert_eq!(id, Some(cmd.id()), "the interpreter reads {} as another command: {theirs}", hex(&out));
    crate::capdu(&out);
    Some(cmd.id())
}

/// An arbitrary value of every generated file struct: encoding, `encoded_len`, decoding back,
/// and the interpreter reading the file; then the EF target's fixed-point and JSON checks.
pub fn file_structured_case(data: &[u8]) -> Option<&'static str> {
    let buf = data.to_vec();
    let mut u = Unstructured::new(&buf);
    let f = arbitrary_file(&mut u).ok()?;
    let id = f.id();
    let mut out = Vec::new();
    f.encode(&mut out);
    assert_eq!(f.encoded_len(), out.len(), "{id}: encoded_len disagrees with encode for {f:?}");
    match File::decode(id, &out) {
        Some(Ok(g)) => assert_eq!(g, f, "{id}: {f:?} encodes to {}, which decodes differently", hex(&out)),
        other => panic!("{id}: {f:?} encodes to {}, which does not decode: {other:?}", hex(&out)),
    }
    let theirs = interp().file(id, &out);
    assert_eq!(theirs.as_ref().ok(), Some(&to_json(&f)), "{id}: the interpreter reads {} differently", hex(&out));
    crate::ef_file(id, &out);
    Some(id)
}

/// Builds one arbitrary value per named type. `TYPE_IDS` lets a test check the list against
/// [`TypedValue::IDS`], so that a type added to the spec cannot escape the target.
macro_rules! typed_values {
    ($($id:literal => $build:expr),* $(,)?) => {
        pub const TYPE_IDS: &[&str] = &[$($id),*];

        fn arbitrary_typed(u: &mut Unstructured<'_>) -> arbitrary::Result<TypedValue> {
            let id = *u.choose(TYPE_IDS)?;
            $(
                if id == $id {
                    let build: fn(&mut Unstructured<'_>) -> arbitrary::Result<TypedValue> = $build;
                    let value = build(u)?;
                    assert_eq!(value.id(), id, "typed_values! builds the wrong type for {id}");
                    return Ok(value);
                }
            )*
            Err(arbitrary::Error::IncorrectFormat)
        }
    };
}

// Flag lengths are those `TypedValue::decode` allows: privileges may be written short.
typed_values!(
    "gp.card_life_cycle" => |u| Ok(TypedValue::GpCardLifeCycle(u.arbitrary()?)),
    "gp.application_life_cycle" => |u| Ok(TypedValue::GpApplicationLifeCycle(u.arbitrary()?)),
    "gp.load_file_life_cycle" => |u| Ok(TypedValue::GpLoadFileLifeCycle(u.arbitrary()?)),
    "gp.privileges" => |u| Ok(TypedValue::GpPrivileges(FlagBytes::arb(u, 1, 3)?)),
    "gp.key_type" => |u| Ok(TypedValue::GpKeyType(u.arbitrary()?)),
    "gp.security_level" => |u| Ok(TypedValue::GpSecurityLevel(FlagBytes::arb(u, 1, 1)?)),
    "gp.key_access" => |u| Ok(TypedValue::GpKeyAccess(u.arbitrary()?)),
    "gp.status_subset" => |u| Ok(TypedValue::GpStatusSubset(u.arbitrary()?)),
    "gp.set_status_scope" => |u| Ok(TypedValue::GpSetStatusScope(u.arbitrary()?)),
);

/// The named value types (`types`: life-cycle states, privileges, key types…), all four kinds
/// of check in one target. The first byte picks the mode: below 0x80 it picks the type
/// (index into [`TypedValue::IDS`]) and the rest is decoded as bytes — never a panic, a
/// canonical fixed point, the interpreter agreeing; from 0x80 the rest drives `Arbitrary`.
pub fn typed_value_case(data: &[u8]) -> Option<&'static str> {
    let (&selector, bytes) = data.split_first()?;
    if selector & 0x80 == 0 {
        let id = TypedValue::IDS[usize::from(selector) % TypedValue::IDS.len()];
        typed_bytes(id, bytes);
        return Some(id);
    }
    let value = arbitrary_typed(&mut Unstructured::new(bytes)).ok()?;
    let mut out = Vec::new();
    value.encode(&mut out);
    assert_eq!(value.encoded_len(), out.len(), "{}: encoded_len disagrees with encode for {value:?}", value.id());
    match TypedValue::decode(value.id(), &out) {
        Some(Ok(back)) => assert_eq!(back, value, "{value:?} encodes to {}, which decodes differently", hex(&out)),
        other => panic!("{value:?} encodes to {}, which does not decode: {other:?}", hex(&out)),
    }
    typed_bytes(value.id(), &out);
    Some(value.id())
}

fn typed_bytes(id: &str, bytes: &[u8]) {
    let decoded = TypedValue::decode(id, bytes)
        .unwrap_or_else(|| panic!("TypedValue::IDS lists {id}, which decode does not know"));
    let ours = match decoded {
        Ok(v) => {
            assert_eq!(v.id(), id);
            let mut enc = Vec::new();
            v.encode(&mut enc);
            assert_eq!(v.encoded_len(), enc.len(), "{id}: encoded_len disagrees with encode for {}", hex(bytes));
            // Every value's length is part of it (flags written short stay short).
            assert_eq!(enc, bytes, "{id}: input {} re-encodes to {}", hex(bytes), hex(&enc));
            Ok(to_json(&v))
        }
        Err(e) => crate::failed(bytes, e),
    };
    crate::agree(&Format::Value(id.to_owned()), bytes, ours);
}

/// Draws a length in `min..=max`, leaning on the fuzzer's bytes but never past `cap` above
/// `min`, so that one input cannot ask for more than it pays for.
fn len_in(u: &mut Unstructured<'_>, min: usize, max: usize, cap: usize) -> arbitrary::Result<usize> {
    u.int_in_range(min..=max.min(min.saturating_add(cap)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_value_target_covers_every_type() {
        assert_eq!(TYPE_IDS, TypedValue::IDS, "update typed_values! to the generated TypedValue enum");
    }

    #[test]
    fn every_case_is_a_target() {
        for (name, _) in CASES {
            assert!(crate::TARGETS.iter().any(|(t, _)| t == name), "{name} is not in TARGETS");
        }
    }
}
