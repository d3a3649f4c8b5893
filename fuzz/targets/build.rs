//! Embeds the spec in the fuzz targets: writes `$OUT_DIR/spec_files.rs`, a list of every
//! `*.json` under `spec/` with its text compiled in by `include_str!`. OSS-Fuzz and
//! ClusterFuzzLite run the binaries without the source tree, so nothing may be read at run
//! time. The order is `xtask::spec::Spec::load`'s (depth first, names sorted), which the
//! interpreter depends on: the first command whose header matches wins.

use std::path::{Path, PathBuf};

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap_or_else(|e| panic!("{}: {e}", dir.display())))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let spec = manifest.join("../../spec");
    // A directory here makes cargo rerun this script when any file below it changes.
    println!("cargo:rerun-if-changed={}", spec.display());
    let mut paths = Vec::new();
    json_files(&spec, &mut paths);
    let mut code = String::from("/// Every JSON file under `spec/`, by path relative to it, with its text.\n");
    code.push_str("pub const SPEC_FILES: &[(&str, &str)] = &[\n");
    for p in &paths {
        let rel = p.strip_prefix(&spec).unwrap_or(p).to_string_lossy().replace('\\', "/");
        let abs = p.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        code.push_str(&format!("    ({rel:?}, include_str!({:?})),\n", abs.to_string_lossy()));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("spec_files.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
