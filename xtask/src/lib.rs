//! hanko's spec tooling, as a library so that tests (the codec's freshness test) and fuzz
//! targets (the interpreter as an oracle) can use it. The `xtask` binary is its command line.

pub mod bench_report;
pub mod cargo_fuzz;
pub mod cargo_targets;
pub mod cmin;
pub mod codegen;
pub mod corpus;
pub mod dict;
pub mod docs;
pub mod flow;
pub mod fuzz_campaign;
pub mod fuzz_coverage;
pub mod fuzz_smoke;
pub mod interp;
pub mod messages;
pub mod spec;
pub mod tsm;
pub mod validate;

use std::path::{Path, PathBuf};

/// The repository root (the parent of this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}
