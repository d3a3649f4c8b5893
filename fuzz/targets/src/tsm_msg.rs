//! The TSM-layer message decoder (`hanko_codec::tsm`): any bytes are decoded without panic;
//! an accepted message re-encodes to a canonical text that decodes to the same message and
//! encodes to itself; and the decoder agrees with the spec interpreter
//! (`xtask::messages::MessageInterp`) on whether a text is a message, which one, and on the
//! error's kind and JSON pointer.

use hanko_codec::tsm::{Message, MessageError};
use std::sync::OnceLock;
use xtask::messages::{Failure, MessageInterp, TEXT_KINDS};

fn interp() -> &'static MessageInterp<'static> {
    static INTERP: OnceLock<MessageInterp<'static>> = OnceLock::new();
    INTERP.get_or_init(|| MessageInterp::new(crate::spec()))
}

pub fn tsm_message(data: &[u8]) {
    let decoded = Message::decode(data);
    match &decoded {
        Ok(m) => {
            let mut canonical = String::new();
            m.encode(&mut canonical);
            assert_eq!(canonical.len(), m.encoded_len(), "encoded_len disagrees with encode");
            let again = Message::decode(canonical.as_bytes())
                .unwrap_or_else(|e| panic!("the canonical text {canonical} does not decode: {e}"));
            assert_eq!(again.id(), m.id(), "the canonical text is another message");
            assert_eq!(again.to_json(), m.to_json(), "the canonical text holds other values");
            let mut twice = String::new();
            again.encode(&mut twice);
            assert_eq!(twice, canonical, "the canonical text is not a fixed point");
            let parsed: serde_json::Value = serde_json::from_slice(data).expect("serde_json reads an accepted message");
            assert_eq!(m.to_json(), parsed, "the decoder and serde_json read different values");
        }
        Err(e) => assert!(e.offset <= data.len(), "error at byte {} beyond {} bytes: {e}", e.offset, data.len()),
    }
    agree(data, &decoded, &interp().check_text(data).map(|entry| entry.id.as_str()));
}

/// The codec and the interpreter must agree. Text-level problems are compared only as such
/// (the interpreter checks them one after another, the codec in one pass, so a text with two
/// may be named differently), and a whole number written with a fraction or an exponent
/// beyond i64 is `wrong_type` to the codec and `out_of_range` to the interpreter, which sees
/// only the value.
fn agree(data: &[u8], codec: &Result<Message<'_>, MessageError>, oracle: &Result<&str, Failure>) {
    let text = String::from_utf8_lossy(data);
    match (codec, oracle) {
        (Ok(m), Ok(id)) => assert_eq!(m.id(), *id, "{text}"),
        (Err(c), Err(o)) => {
            let (ck, ok) = (c.kind.name(), o.kind);
            if TEXT_KINDS.contains(&ck) || TEXT_KINDS.contains(&ok) {
                assert!(TEXT_KINDS.contains(&ck) && TEXT_KINDS.contains(&ok), "codec {c}, interpreter {o:?}: {text}");
                return;
            }
            let number_written_as_float = ck == "wrong_type" && ok == "out_of_range";
            assert!(ck == ok || number_written_as_float, "codec {c}, interpreter {o:?}: {text}");
            assert_eq!(c.pointer, o.pointer, "codec {c}, interpreter {o:?}: {text}");
        }
        (Ok(m), Err(o)) => panic!("codec accepts {}, interpreter refuses {o:?}: {text}", m.id()),
        (Err(c), Ok(id)) => panic!("codec refuses {c}, interpreter accepts {id}: {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_and_edge_texts_pass() {
        for text in [
            &br#"{"type":"ram.stop","sessionId":"s-1"}"#[..],
            br#"{"type":"ram.stop","sessionId":"s-1","sessionId":"s-2"}"#,
            br#"{"type":"gpsm.end_conversation.request","FunctionCallIdentifier":"f","ConversationID":1e30}"#,
            br#"{"type":"gpsm.end_conversation.request","FunctionCallIdentifier":"f","ConversationID":1e400}"#,
            b"[[[[[[[[[[[[[[[[[[[[[[",
            b"\xEF\xBB\xBF{}",
            b"",
        ] {
            tsm_message(text);
        }
    }
}
