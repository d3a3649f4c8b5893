//! Zero-copy codecs for the JPKI protocol of the My Number card: ISO 7816-4 command and
//! response APDUs, BER-TLV and SIMPLE-TLV, every card command and every file layout.
//!
//! Most of the crate is generated from the JSON specs in `spec/` (see `src/generated/`);
//! the hand-written part is the runtime the generated code calls. Parsing borrows from the
//! input, never allocates and never panics; every error is a small `Copy` value naming the
//! byte and the spec rule.

pub mod apdu;
pub mod decode;
pub mod describe;
pub mod error;
pub mod field;
pub mod framing;
#[allow(clippy::all, missing_docs)]
pub mod generated;
#[cfg(feature = "json")]
pub mod json;
pub mod list;
pub mod ota;
pub mod reader;
pub mod tlv;
pub mod tsm;

pub use apdu::command::{Case, CommandApdu};
pub use apdu::response::ResponseApdu;
pub use decode::{Capdu, SimpleTlvList};
pub use describe::{Describe, DescribeField, Value, Visitor};
pub use error::{Error, ErrorKind, Expected, Result, Rule};
pub use generated::commands::Command;
pub use generated::files::File;
pub use generated::status::StatusWord;
pub use tlv::ber::TlvTree;
