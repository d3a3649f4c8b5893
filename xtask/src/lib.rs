//! hanko's spec tooling, as a library so that tests (the codec's freshness test) and fuzz
//! targets (the interpreter as an oracle) can use it. The `xtask` binary is its command line.

pub mod codegen;
pub mod corpus;
pub mod interp;
pub mod spec;
pub mod validate;

use std::path::{Path, PathBuf};

/// The repository root (the parent of this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}
