//! `cargo xtask cmin`: minimizes the fuzzer-found inputs of `corpus/<target>/`, and merges
//! a campaign's corpus into it, with libFuzzer's `-merge=1` (what `cargo fuzz cmin` runs).
//!
//! Unlike a plain `cargo fuzz cmin`, the named seeds stay: the files `cargo xtask corpus`
//! writes (`spec-*`, `pki-*`, `random-*`, …) and the kept crash inputs (`regression-*`) are
//! the starting corpus, and only inputs named as libFuzzer names them (40 hex digits, the
//! SHA-1 of the content) are candidates: one is kept only if it reaches an edge the named
//! seeds and the inputs kept before it do not. Slow for big corpora; not run in CI.
//!
//! Edges, not libFuzzer's features: `-use_counters=0` leaves out hit-count buckets, which a
//! campaign's corpus is mostly made of (in a 10-minute `capdu` campaign, 784 inputs add
//! features over the seeds, 600 add edges). The committed corpus is replayed by `cargo test`
//! and zipped as OSS-Fuzz's seed corpus; a campaign keeps its full corpus in its own folder.

use crate::cargo_fuzz::{self, Scratch};
use crate::cargo_targets;
use std::path::{Path, PathBuf};

pub struct Options {
    pub targets: Vec<String>,
    /// A campaign's corpora, `DIR/<target>/`, merged in as candidates.
    pub from: Option<PathBuf>,
}

/// libFuzzer writes what it finds under the SHA-1 of the content.
pub fn fuzzer_named(name: &str) -> bool {
    name.len() == 40 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

fn name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to).map(|_| ()).map_err(|e| format!("{} → {}: {e}", from.display(), to.display()))
}

/// Minimizes one target's corpus; returns (named seeds, candidates, kept).
fn minimize(root: &Path, target: &str, from: Option<&Path>, scratch: &Path) -> Result<(usize, usize, usize), String> {
    let corpus = root.join("corpus").join(target);
    let kept = scratch.join(target).join("kept");
    let candidates = scratch.join(target).join("candidates");
    for d in [&kept, &candidates] {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let (found, named): (Vec<PathBuf>, Vec<PathBuf>) = files(&corpus).into_iter().partition(|p| fuzzer_named(&name(p)));
    for p in &named {
        copy(p, &kept.join(name(p)))?;
    }
    let mut n_candidates = 0;
    for p in found.iter().chain(from.map(|f| files(&f.join(target))).unwrap_or_default().iter()) {
        // Same content, same name: a campaign input already in the corpus counts once.
        copy(p, &candidates.join(name(p)))?;
        n_candidates += 1;
    }
    if n_candidates == 0 {
        return Ok((named.len(), 0, 0));
    }
    let log = scratch.join(format!("{target}.log"));
    let bin = cargo_fuzz::binary(root, target);
    let status = cargo_fuzz::libfuzzer(root, &bin, &log)?
        .arg("-merge=1")
        .arg("-use_counters=0")
        .arg(&kept)
        .arg(&candidates)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if !status.success() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().collect();
        return Err(format!(
            "{target}: merge failed ({status}):\n{}",
            tail[tail.len().saturating_sub(20)..].join("\n")
        ));
    }
    // Replace the corpus's fuzzer-named inputs with the ones the merge kept.
    for p in &found {
        std::fs::remove_file(p).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let mut n_kept = 0;
    for p in files(&kept).iter().filter(|p| fuzzer_named(&name(p))) {
        copy(p, &corpus.join(name(p)))?;
        n_kept += 1;
    }
    Ok((named.len(), n_candidates, n_kept))
}

pub fn run(root: &Path, opts: &Options) -> Result<String, String> {
    cargo_fuzz::require_cargo_fuzz()?;
    let all = cargo_targets::fuzz_targets(root)?;
    let targets = cargo_targets::select(&all, &opts.targets, "fuzz target")?;
    cargo_fuzz::build(root, &targets, targets.len() == all.len(), None)?;
    let scratch = Scratch::new("cmin")?;
    let mut total = 0;
    for t in &targets {
        let (named, candidates, kept) = minimize(root, t, opts.from.as_deref(), &scratch.0)?;
        println!("{t}: {named} named seeds kept; {candidates} candidates → {kept} fuzzer inputs kept");
        total += kept;
    }
    Ok(format!("cmin: {} targets, {total} fuzzer inputs in corpus/", targets.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_libfuzzer_names_are_candidates() {
        assert!(fuzzer_named("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
        for named in
            ["spec-apdu_jpki_commands_3_examples_0", "regression-session-ends-in-raw-op", "pki-auth_ee", "random-0_32"]
        {
            assert!(!fuzzer_named(named), "{named}");
        }
        assert!(!fuzzer_named("da39a3ee5e6b4b0d3255bfef95601890afd8070"), "39 digits");
    }
}
