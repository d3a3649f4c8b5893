//! `cargo xtask fuzz-coverage`: source-based coverage of each fuzz target over its corpus
//! (`cargo fuzz coverage`), summed per hanko crate by `llvm-cov export -summary-only`, as a
//! markdown table for `fuzz/README.md`.
//!
//! llvm-profdata and llvm-cov must be of the LLVM the toolchain was built with (a profile
//! of LLVM 22 does not read with LLVM 14's tools). They come from rustup's
//! `llvm-tools-preview` component, or from Debian's `llvm-<major>` package
//! (`/usr/lib/llvm-<major>/bin`), or from `--llvm-path`.

use crate::cargo_fuzz::{self, Scratch};
use crate::cargo_targets;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Options {
    pub targets: Vec<String>,
    /// The folder holding `llvm-profdata` and `llvm-cov`.
    pub llvm_path: Option<PathBuf>,
    /// Extra corpora, `DIR/<target>/`, measured with the committed one (a campaign's).
    pub corpus: Option<PathBuf>,
    /// Where the markdown table goes (default `target/fuzz-coverage.md`).
    pub out: Option<PathBuf>,
}

/// The crates a row reports, by source folder.
const CRATES: &[(&str, &str)] = &[
    ("hanko-codec", "codec/src/"),
    ("hanko-crypto", "crypto/src/"),
    ("hanko-model", "model/src/"),
    ("hanko-sim", "sim/src/"),
];

/// Covered and total lines and regions of one crate in one target; `reached` counts the
/// lines of the crate's files the target enters at all (a target of R-APDUs never enters
/// the file decoders, which the whole crate's figure counts against it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub lines: (u64, u64),
    pub regions: (u64, u64),
    pub reached_lines: (u64, u64),
}

fn percent((covered, total): (u64, u64)) -> String {
    if total == 0 {
        "–".into()
    } else {
        format!("{:.1}%", covered as f64 * 100.0 / total as f64)
    }
}

/// Sums `llvm-cov export -summary-only` per crate: files under `root/<folder>`.
pub fn per_crate(export: &Value, root: &Path) -> Vec<(&'static str, Counts)> {
    let files = export.pointer("/data/0/files").and_then(Value::as_array).cloned().unwrap_or_default();
    let num = |f: &Value, p: &str| f.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    CRATES
        .iter()
        .map(|(name, folder)| {
            let prefix = root.join(folder);
            let mut c = Counts::default();
            for f in &files {
                let Some(path) = f.get("filename").and_then(Value::as_str) else { continue };
                if Path::new(path).starts_with(&prefix) {
                    c.lines.0 += num(f, "/summary/lines/covered");
                    c.lines.1 += num(f, "/summary/lines/count");
                    c.regions.0 += num(f, "/summary/regions/covered");
                    c.regions.1 += num(f, "/summary/regions/count");
                    if num(f, "/summary/lines/covered") > 0 {
                        c.reached_lines.0 += num(f, "/summary/lines/covered");
                        c.reached_lines.1 += num(f, "/summary/lines/count");
                    }
                }
            }
            (*name, c)
        })
        .collect()
}

/// One target's measurement: its name, the inputs measured, and the counts per crate.
pub type Row = (String, usize, Vec<(&'static str, Counts)>);

/// The markdown table: a row per target and crate the target reaches (any line covered).
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| target | inputs | crate | lines | regions | lines of the files reached |\n|---|---:|---|---:|---:|---:|\n",
    );
    for (target, inputs, crates) in rows {
        for (name, c) in crates.iter().filter(|(_, c)| c.lines.0 > 0) {
            out.push_str(&format!(
                "| `{target}` | {inputs} | {name} | {} ({}/{}) | {} ({}/{}) | {} ({}/{}) |\n",
                percent(c.lines),
                c.lines.0,
                c.lines.1,
                percent(c.regions),
                c.regions.0,
                c.regions.1,
                percent(c.reached_lines),
                c.reached_lines.0,
                c.reached_lines.1
            ));
        }
    }
    out
}

/// The LLVM major version of the toolchain cargo-fuzz uses (`rustc -vV`).
fn llvm_major() -> Option<String> {
    let mut cmd = Command::new("rustc");
    cmd.arg("-vV");
    for (k, v) in cargo_fuzz::toolchain_env().0 {
        cmd.env(k, v);
    }
    let out = String::from_utf8(cmd.output().ok()?.stdout).ok()?;
    let version = out.lines().find_map(|l| l.strip_prefix("LLVM version: "))?;
    version.split('.').next().map(str::to_string)
}

fn find_llvm(given: Option<&Path>) -> Result<PathBuf, String> {
    let has_tools = |d: &Path| d.join("llvm-cov").is_file() && d.join("llvm-profdata").is_file();
    if let Some(d) = given {
        return if has_tools(d) {
            Ok(d.to_path_buf())
        } else {
            Err(format!("no llvm-cov and llvm-profdata in {}", d.display()))
        };
    }
    let major = llvm_major().ok_or("cannot read the toolchain's LLVM version from `rustc -vV`")?;
    let mut sysroot = Command::new("rustc");
    sysroot.args(["--print", "sysroot"]);
    for (k, v) in cargo_fuzz::toolchain_env().0 {
        sysroot.env(k, v);
    }
    let mut candidates = Vec::new();
    if let Ok(o) = sysroot.output() {
        let root = String::from_utf8_lossy(&o.stdout).trim().to_string();
        candidates.push(Path::new(&root).join("lib/rustlib").join(cargo_fuzz::TRIPLE).join("bin"));
    }
    candidates.push(PathBuf::from(format!("/usr/lib/llvm-{major}/bin")));
    candidates.into_iter().find(|d| has_tools(d)).ok_or_else(|| {
        format!(
            "no llvm-cov/llvm-profdata of LLVM {major}: `rustup component add llvm-tools-preview`, \
             or `apt-get install llvm-{major}`, or --llvm-path DIR"
        )
    })
}

pub fn run(root: &Path, opts: &Options) -> Result<String, String> {
    cargo_fuzz::require_cargo_fuzz()?;
    let llvm = find_llvm(opts.llvm_path.as_deref())?;
    let all = cargo_targets::fuzz_targets(root)?;
    let targets = cargo_targets::select(&all, &opts.targets, "fuzz target")?;
    let scratch = Scratch::new("fuzz-coverage")?;
    let mut rows = Vec::new();
    for t in &targets {
        // cargo fuzz coverage only reads its corpus, but a copy costs nothing and keeps the
        // committed one out of harm's way.
        let corpus = scratch.0.join(t);
        let mut inputs = cargo_fuzz::copy_files(&root.join("corpus").join(t), &corpus)?;
        if let Some(extra) = &opts.corpus {
            if extra.join(t).is_dir() {
                inputs += cargo_fuzz::copy_files(&extra.join(t), &corpus)?;
            }
        }
        let llvm_arg = llvm.display().to_string();
        let corpus_arg = corpus.display().to_string();
        // No sanitizer: coverage is the same, the build and the runs faster.
        cargo_fuzz::run(&mut cargo_fuzz::cargo_fuzz(
            root,
            &["coverage", "--sanitizer", "none", "--llvm-path", &llvm_arg, t, &corpus_arg],
        ))?;
        let bin = cargo_fuzz::coverage_binary(root, t);
        let profile = root.join("fuzz/coverage").join(t).join("coverage.profdata");
        let out = Command::new(llvm.join("llvm-cov"))
            .arg("export")
            .arg("-summary-only")
            .arg(format!("-instr-profile={}", profile.display()))
            .arg(&bin)
            .output()
            .map_err(|e| format!("cannot run llvm-cov: {e}"))?;
        if !out.status.success() {
            return Err(format!("llvm-cov export failed for {t}: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let export: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("llvm-cov export for {t}: {e}"))?;
        let crates = per_crate(&export, root);
        for (name, c) in crates.iter().filter(|(_, c)| c.lines.0 > 0) {
            println!("{t:16} {name:13} lines {:>6}  regions {:>6}", percent(c.lines), percent(c.regions));
        }
        rows.push((t.clone(), inputs, crates));
    }
    let md = table(&rows);
    let out = opts.out.clone().unwrap_or_else(|| root.join("target/fuzz-coverage.md"));
    std::fs::write(&out, &md).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("\n{md}");
    Ok(format!("fuzz-coverage: {} targets; table in {}", targets.len(), out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sums_files_per_crate_and_skips_the_rest() {
        let root = Path::new("/src/hanko");
        let file = |name: &str, l: (u64, u64), r: (u64, u64)| {
            json!({ "filename": name, "summary": {
                "lines": { "covered": l.0, "count": l.1 }, "regions": { "covered": r.0, "count": r.1 } } })
        };
        let export = json!({ "data": [ { "files": [
            file("/src/hanko/codec/src/apdu.rs", (80, 100), (40, 50)),
            file("/src/hanko/codec/src/generated/commands.rs", (10, 100), (5, 50)),
            file("/src/hanko/codec/src/ota/mod.rs", (0, 50), (0, 20)),
            file("/src/hanko/crypto/src/chain.rs", (0, 30), (0, 10)),
            file("/src/hanko/xtask/src/interp.rs", (500, 600), (300, 400)),
            file("/root/.cargo/registry/src/x/arbitrary/src/lib.rs", (5, 9), (5, 9)),
        ] } ] });
        let crates = per_crate(&export, root);
        let codec = Counts { lines: (90, 250), regions: (45, 120), reached_lines: (90, 200) };
        assert_eq!(crates[0], ("hanko-codec", codec));
        assert_eq!(crates[1], ("hanko-crypto", Counts { lines: (0, 30), regions: (0, 10), reached_lines: (0, 0) }));
        let md = table(&[("capdu".into(), 70, crates)]);
        assert!(
            md.contains("| `capdu` | 70 | hanko-codec | 36.0% (90/250) | 37.5% (45/120) | 45.0% (90/200) |"),
            "{md}"
        );
        assert!(!md.contains("hanko-crypto"), "a crate the target never reaches gets no row:\n{md}");
    }
}
