//! A vendor's applet codecs, generated from `spec/` by
//! `cargo xtask codegen --spec examples/vendor-codec/spec --out examples/vendor-codec/src/generated`.
//! The generated code names the runtime `hanko_codec`; nothing here is hand-written but this file.

#[allow(clippy::all)]
pub mod generated;

pub use generated::commands::Command;
pub use generated::files::File;
