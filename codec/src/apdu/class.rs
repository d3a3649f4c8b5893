//! The class byte. Its meaning (interindustry or proprietary, chaining, secure messaging,
//! logical channel) is generated from `spec/apdu/iso7816.json`.

/// A CLA byte; see the generated `impl` for its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Class(pub u8);

pub use crate::generated::class::{ClassFlags, ClassKind};
