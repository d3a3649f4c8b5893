//! `cargo xtask fuzz-smoke`: builds every fuzz target once, then fuzzes each for a few
//! seconds from a copy of its seed corpus with its dictionary, and fails if any crashes.
//! CI runs it; so can anyone before a commit.
//!
//! Each target runs twice: first over its seeds only (`-runs=0`), which replays the corpus
//! under the sanitizer and measures the start-up (the card targets generate RSA keys before
//! their first input); then for the given seconds plus that start-up (with a margin), so
//! every target gets about the same time to fuzz whatever it does first.

use crate::cargo_fuzz::{self, RunStats, Scratch};
use crate::cargo_targets;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub struct Options {
    pub seconds: u64,
    /// Empty: every target of `fuzz/Cargo.toml`.
    pub targets: Vec<String>,
    /// cargo-fuzz's `--sanitizer` (`address` when not given).
    pub sanitizer: Option<String>,
    /// Where the summary goes (default `target/fuzz-smoke.json`).
    pub json: Option<PathBuf>,
}

/// libFuzzer's per-input limit: far above any honest input (the card targets' key generation
/// included), and low enough that a hang fails the smoke run instead of stalling CI.
const INPUT_TIMEOUT_SECONDS: u64 = 60;

struct Outcome {
    target: String,
    ok: bool,
    status: String,
    startup: f64,
    budget: u64,
    seeds: usize,
    stats: RunStats,
    log: PathBuf,
}

/// Runs one libFuzzer process with output to `log`; returns whether it exited 0 and its statistics.
fn fuzz(root: &Path, bin: &Path, args: &[String], log: &Path) -> Result<(bool, String, RunStats), String> {
    let status = cargo_fuzz::libfuzzer(root, bin, log)?
        .args(args)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let text = std::fs::read_to_string(log).unwrap_or_default();
    Ok((status.success(), status.to_string(), cargo_fuzz::parse_output(&text)))
}

fn smoke_one(root: &Path, target: &str, seconds: u64, scratch: &Path, logs: &Path) -> Result<Outcome, String> {
    let bin = cargo_fuzz::binary(root, target);
    let corpus = scratch.join(target);
    // libFuzzer adds what it finds to the folder it is given; the committed seeds stay as
    // `cargo xtask corpus` wrote them.
    let seeds = cargo_fuzz::copy_files(&root.join("corpus").join(target), &corpus)?;
    let dict = root.join("fuzz/dict").join(format!("{target}.dict"));
    let artifacts = root.join("fuzz/artifacts").join(target);
    std::fs::create_dir_all(&artifacts).map_err(|e| format!("{}: {e}", artifacts.display()))?;
    let common = [
        corpus.display().to_string(),
        format!("-artifact_prefix={}/", artifacts.display()),
        format!("-timeout={INPUT_TIMEOUT_SECONDS}"),
        "-print_final_stats=1".into(),
    ];

    let started = Instant::now();
    let log = logs.join(format!("{target}.seeds.log"));
    let (ok, status, stats) = fuzz(root, &bin, &[&common[..], &["-runs=0".into()]].concat(), &log)?;
    let startup = started.elapsed().as_secs_f64();
    if !ok {
        return Ok(Outcome {
            target: target.into(),
            ok,
            status: format!("a seed fails ({status})"),
            startup,
            budget: 0,
            seeds,
            stats,
            log,
        });
    }

    // The start-up varies with the machine's load (the card targets' key generation takes
    // 8 to 12 s on two busy cores): a margin keeps it from eating the fuzzing time.
    let budget = seconds + (startup * 1.25).round() as u64;
    let log = logs.join(format!("{target}.log"));
    let args = [&common[..], &[format!("-dict={}", dict.display()), format!("-max_total_time={budget}")]].concat();
    let (ok, status, stats) = fuzz(root, &bin, &args, &log)?;
    Ok(Outcome { target: target.into(), ok: ok && stats.done, status, startup, budget, seeds, stats, log })
}

/// What explains a failure, from a log of a thousand lines: the panic or sanitizer report
/// (its first lines, before the backtrace), libFuzzer's summary and the reproducer's path.
fn failure_lines(log: &str) -> Vec<&str> {
    let lines: Vec<&str> = log.lines().collect();
    let mut out = Vec::new();
    if let Some(start) = lines.iter().position(|l| l.contains("panicked at") || l.contains("ERROR: ")) {
        out.extend(lines[start..].iter().take(12).take_while(|l| !l.starts_with("stack backtrace")));
    }
    out.extend(lines.iter().filter(|l| l.starts_with("SUMMARY:") || l.contains("Test unit written to")));
    if out.is_empty() {
        out.extend(&lines[lines.len().saturating_sub(20)..]);
    }
    out
}

fn show(n: Option<u64>) -> String {
    n.map_or_else(|| "?".into(), |n| n.to_string())
}

/// Builds and runs; prints a line per target and writes the JSON summary.
pub fn run(root: &Path, opts: &Options) -> Result<String, String> {
    cargo_fuzz::require_cargo_fuzz()?;
    let all = cargo_targets::fuzz_targets(root)?;
    let targets = cargo_targets::select(&all, &opts.targets, "fuzz target")?;
    for t in &targets {
        let dict = root.join("fuzz/dict").join(format!("{t}.dict"));
        if !dict.is_file() {
            return Err(format!("{} is missing: run `cargo xtask dict`", dict.display()));
        }
        let corpus = root.join("corpus").join(t);
        if std::fs::read_dir(&corpus).map_or(true, |mut d| d.next().is_none()) {
            return Err(format!("{} is missing or empty: run `cargo xtask corpus`", corpus.display()));
        }
    }

    let (_, toolchain) = cargo_fuzz::toolchain_env();
    let build_seconds = cargo_fuzz::build(root, &targets, targets.len() == all.len(), opts.sanitizer.as_deref())?;
    println!("fuzz-smoke: built {} targets in {build_seconds:.0} s ({toolchain})", targets.len());

    let scratch = Scratch::new("fuzz-smoke")?;
    let logs = root.join("target/fuzz-smoke");
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let width = targets.iter().map(String::len).max().unwrap_or(0);
    let mut outcomes = Vec::new();
    for t in &targets {
        let o = smoke_one(root, t, opts.seconds, &scratch.0, &logs)?;
        let s = &o.stats;
        if o.ok {
            println!(
                "{:width$}  ok      {:>9} execs in {:>3} s (start-up {:.1} s)  {:>7} exec/s  cov {:>5}  ft {:>6}  corpus {} → {}",
                o.target,
                show(s.execs),
                o.budget,
                o.startup,
                show(s.exec_per_sec),
                show(s.cov),
                show(s.ft),
                o.seeds,
                show(s.corpus),
            );
        } else {
            println!("{:width$}  FAILED  {} after {} execs", o.target, o.status, show(s.execs));
            if let Some(r) = &s.reproducer {
                println!(
                    "{:width$}          reproduce: cargo fuzz run {} {r}   (or fuzz/target/{}/release/{} {r})",
                    "",
                    o.target,
                    cargo_fuzz::TRIPLE,
                    o.target
                );
            }
            let text = std::fs::read_to_string(&o.log).unwrap_or_default();
            for line in failure_lines(&text) {
                eprintln!("    {line}");
            }
            eprintln!("    (whole log: {})", o.log.display());
        }
        outcomes.push(o);
    }

    let summary = json!({
        "seconds": opts.seconds,
        "sanitizer": opts.sanitizer.as_deref().unwrap_or("address"),
        "toolchain": toolchain,
        "build_seconds": (build_seconds * 10.0).round() / 10.0,
        "targets": outcomes.iter().map(|o| json!({
            "target": o.target,
            "ok": o.ok,
            "status": o.status,
            "startup_seconds": (o.startup * 10.0).round() / 10.0,
            "max_total_time_seconds": o.budget,
            "seeds": o.seeds,
            "execs": o.stats.execs,
            "exec_per_sec": o.stats.exec_per_sec,
            "cov": o.stats.cov,
            "ft": o.stats.ft,
            "corpus_at_end": o.stats.corpus,
            "peak_rss_mb": o.stats.peak_rss_mb,
            "reproducer": o.stats.reproducer,
            "log": o.log.strip_prefix(root).unwrap_or(&o.log).display().to_string(),
        })).collect::<Vec<_>>(),
    });
    let json_path = opts.json.clone().unwrap_or_else(|| root.join("target/fuzz-smoke.json"));
    let text = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&json_path, text).map_err(|e| format!("{}: {e}", json_path.display()))?;

    let failed: Vec<&str> = outcomes.iter().filter(|o| !o.ok).map(|o| o.target.as_str()).collect();
    if failed.is_empty() {
        Ok(format!("fuzz-smoke: {} targets, no crash; summary in {}", outcomes.len(), json_path.display()))
    } else {
        Err(format!("fuzz-smoke: failed: {} (summary in {})", failed.join(", "), json_path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_shows_the_panic_and_the_reproducer() {
        let log = "INFO: Seed: 1\n#2\tINITED cov: 1 ft: 1 corp: 1/1b exec/s: 0 rss: 30Mb\n\
                   thread '<unnamed>' panicked at targets/src/ota.rs:148:9:\na forged PoR verified\n\
                   stack backtrace:\n   0: rust_begin_unwind\n==1== ERROR: libFuzzer: deadly signal\n\
                   SUMMARY: libFuzzer: deadly signal\n\
                   artifact_prefix='a/'; Test unit written to a/crash-1\n";
        let shown = failure_lines(log);
        assert_eq!(
            shown,
            [
                "thread '<unnamed>' panicked at targets/src/ota.rs:148:9:",
                "a forged PoR verified",
                "SUMMARY: libFuzzer: deadly signal",
                "artifact_prefix='a/'; Test unit written to a/crash-1"
            ]
        );
        assert_eq!(failure_lines("one\ntwo"), ["one", "two"], "no report: the end of the log");
    }
}
