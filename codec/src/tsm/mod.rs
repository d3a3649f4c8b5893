//! The JSON messages of scheme 3's TSM layer (`spec/tsm/messages.json`): GlobalPlatform
//! Systems Messaging between the SP-TSM and the MNO-TSM, the phone's TSM proxy (modelled on GP
//! SE RAM), and J-LIS issuance. A message is one JSON object whose `type` member is its spec
//! id; [`Message::decode`] reads the text strictly (RFC 8259, unique member names, bounded
//! size and nesting), checks every member against the spec's types, and hands back a view
//! that borrows the text. Every refusal names the JSON pointer, the byte and the spec rule.
//!
//! Unlike the byte codecs, a decoded message allocates: one arena entry per JSON value,
//! bounded by the text's length, which the limits bound in turn.
//!
//! Simulators build a message with `serde_json::json!` and [`build`] (which checks it) and
//! read one with [`Message::decode`] and the accessors: [`Message::bytes`] for an AID,
//! [`Message::byte_list`] for a script.

mod check;
mod error;
mod json;
mod message;
pub mod schema;

pub use error::{MessageError, MessageErrorKind};
pub use json::JsonKind;
#[cfg(feature = "json")]
pub use message::build;
pub use message::{check_value, limits, message_def, message_defs, named_type, Json, Message};
pub use schema::{Charset, Field, Kind, MessageDef, TextLimits, Type};
