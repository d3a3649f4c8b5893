//! GlobalPlatform response data (`spec/gp/commands.json` `data_layouts`): the first byte picks
//! the layout (index into [`DataLayout::IDS`], modulo its length), the rest is the response's
//! data field. With the selector's top bit set, the rest instead drives `Arbitrary`, so that
//! deep, valid responses (lists of GET STATUS entries, key templates) reach the checks too.

use arbitrary::{Arbitrary, Unstructured};
use hanko_codec::generated::layouts::DataLayout;
use hanko_codec::json::to_json;
use xtask::spec::Format;

pub fn gp_response(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else { return };
    if selector & 0x80 != 0 {
        let Ok(value) = DataLayout::arbitrary(&mut Unstructured::new(bytes)) else { return };
        let mut out = Vec::new();
        value.encode(&mut out);
        assert_eq!(value.encoded_len(), out.len(), "{}: encoded_len disagrees with encode for {value:?}", value.id());
        match DataLayout::decode(value.id(), &out) {
            Some(Ok(back)) => assert_eq!(
                back,
                value,
                "{}: {value:?} encodes to {}, which decodes differently",
                value.id(),
                super::hex(&out)
            ),
            other => {
                panic!("{}: {value:?} encodes to {}, which does not decode: {other:?}", value.id(), super::hex(&out))
            }
        }
        layout(value.id(), &out);
        return;
    }
    layout(DataLayout::IDS[usize::from(selector) % DataLayout::IDS.len()], bytes);
}

/// Checks one layout's decoding. Responses may carry longer length fields than needed and
/// encoding is canonical, so the canonical form must be a fixed point no longer than the input.
pub fn layout(id: &str, bytes: &[u8]) {
    let decoded = DataLayout::decode(id, bytes)
        .unwrap_or_else(|| panic!("DataLayout::IDS lists {id}, which decode does not know"));
    let ours = match decoded {
        Ok(l) => {
            assert_eq!(l.id(), id);
            let mut enc = Vec::new();
            l.encode(&mut enc);
            assert_eq!(l.encoded_len(), enc.len(), "{id}: encoded_len disagrees with encode for {}", super::hex(bytes));
            let again = match DataLayout::decode(id, &enc) {
                Some(Ok(g)) => g,
                other => panic!(
                    "{id}: the encoding {} of input {} does not decode: {other:?}",
                    super::hex(&enc),
                    super::hex(bytes)
                ),
            };
            assert_eq!(
                again,
                l,
                "{id}: input {} re-encodes to {}, which decodes differently",
                super::hex(bytes),
                super::hex(&enc)
            );
            let mut twice = Vec::new();
            again.encode(&mut twice);
            assert_eq!(twice, enc, "{id}: encoding is not a fixed point");
            assert!(
                enc.len() <= bytes.len(),
                "{id}: input {} re-encodes longer, to {}",
                super::hex(bytes),
                super::hex(&enc)
            );
            Ok(to_json(&l))
        }
        Err(e) => super::failed(bytes, e),
    };
    super::agree(&Format::Layout(id.to_owned()), bytes, ours);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selector_order_is_the_corpus_writers() {
        assert_eq!(
            xtask::corpus::layout_ids(crate::spec()),
            DataLayout::IDS,
            "corpus seeds would select the wrong layouts"
        );
    }

    #[test]
    fn a_known_response_passes_and_the_structured_path_runs() {
        // The FCI of GlobalPlatformPro's README trace, as layout 0 (gp.select_response).
        let fci = [0x00, 0x6F, 0x10, 0x84, 0x08, 0xA0, 0, 0, 0x01, 0x51, 0, 0, 0, 0xA5, 0x04, 0x9F, 0x65, 0x01, 0xFF];
        assert_eq!(DataLayout::IDS[0], "gp.select_response");
        gp_response(&fci);
        gp_response(&[
            0x80, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
        ]);
    }
}
