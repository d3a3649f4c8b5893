//! Driving cargo-fuzz and the libFuzzer binaries it builds: which toolchain, where the
//! binaries land, how a run's output reads. Shared by `fuzz-smoke`, `cmin` and
//! `fuzz-coverage`, so the three build with the same flags and `.clusterfuzzlite/build.sh`
//! (`cargo fuzz build -O --debug-assertions`, which is what plain `cargo fuzz build`
//! passes to rustc) leaves binaries they reuse.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The target triple cargo-fuzz builds for by default, and OSS-Fuzz's.
pub const TRIPLE: &str = "x86_64-unknown-linux-gnu";

/// cargo-fuzz needs nightly-only rustc flags (`-Zsanitizer`, coverage options). A nightly
/// toolchain if rustup has one; otherwise the active one with `RUSTC_BOOTSTRAP=1`, which
/// makes stable accept them. Returns the environment to run `cargo fuzz` with and a label.
pub fn toolchain_env() -> (Vec<(&'static str, &'static str)>, &'static str) {
    let nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if nightly {
        (vec![("RUSTUP_TOOLCHAIN", "nightly")], "nightly")
    } else {
        (vec![("RUSTC_BOOTSTRAP", "1")], "stable with RUSTC_BOOTSTRAP=1")
    }
}

/// `cargo fuzz <args>` run from `root`, with the toolchain of [`toolchain_env`].
pub fn cargo_fuzz(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root).arg("fuzz").args(args);
    // The binaries belong in fuzz/target, where `binary` and build.sh look for them; a target
    // dir inherited from the caller (`CARGO_TARGET_DIR=… cargo xtask`) would send them elsewhere.
    cmd.env_remove("CARGO_TARGET_DIR").env_remove("CARGO_BUILD_TARGET_DIR");
    for (k, v) in toolchain_env().0 {
        cmd.env(k, v);
    }
    cmd
}

/// Fails with the install command if cargo-fuzz is missing.
pub fn require_cargo_fuzz() -> Result<(), String> {
    match Command::new("cargo").args(["fuzz", "--version"]).output() {
        Ok(o) if o.status.success() => Ok(()),
        _ => Err("cargo-fuzz is not installed: cargo install cargo-fuzz --locked".into()),
    }
}

/// Runs a command, inheriting its output; fails naming it.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed: {status}"))
    }
}

/// `cargo fuzz build`: one build of everything when `targets` is every target (a compile
/// error shows once, before any run), else one per target. Returns the seconds it took.
pub fn build(root: &Path, targets: &[String], everything: bool, sanitizer: Option<&str>) -> Result<f64, String> {
    let started = std::time::Instant::now();
    let mut args = vec!["build"];
    if let Some(s) = sanitizer {
        args.extend(["--sanitizer", s]);
    }
    if everything {
        run(&mut cargo_fuzz(root, &args))?;
    } else {
        for t in targets {
            run(&mut cargo_fuzz(root, &[&args[..], &[t.as_str()]].concat()))?;
        }
    }
    Ok(started.elapsed().as_secs_f64())
}

/// `ASAN_OPTIONS` as cargo-fuzz sets it for its runs: Rust's statics trip ASan's ODR check
/// for no reason.
pub fn asan_options() -> String {
    let mut asan = std::env::var("ASAN_OPTIONS").unwrap_or_default();
    if !asan.is_empty() {
        asan.push(':');
    }
    asan.push_str("detect_odr_violation=0");
    asan
}

/// A libFuzzer binary run from `root` as cargo-fuzz runs it (its `ASAN_OPTIONS`), no input,
/// and everything it prints going to `log`.
pub fn libfuzzer(root: &Path, bin: &Path, log: &Path) -> Result<Command, String> {
    let out = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| format!("{}: {e}", log.display()))?;
    let mut cmd = Command::new(bin);
    cmd.current_dir(root).env("ASAN_OPTIONS", asan_options()).stdin(Stdio::null()).stdout(out).stderr(err);
    Ok(cmd)
}

/// Where `cargo fuzz build` (release, the default) leaves a target's binary.
pub fn binary(root: &Path, target: &str) -> PathBuf {
    root.join("fuzz/target").join(TRIPLE).join("release").join(target)
}

/// Where `cargo fuzz coverage`, run from `root`, leaves a target's instrumented binary: under
/// `target/<triple>/coverage` of the directory it runs in, apart from the fuzzing build.
pub fn coverage_binary(root: &Path, target: &str) -> PathBuf {
    root.join("target").join(TRIPLE).join("coverage").join(TRIPLE).join("release").join(target)
}

/// The final statistics of a libFuzzer run, from its output.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunStats {
    /// Inputs executed (`stat::number_of_executed_units`, else the `#N` of the last status line).
    pub execs: Option<u64>,
    pub exec_per_sec: Option<u64>,
    /// Coverage counters (`cov:`) and features (`ft:`) of the last status line.
    pub cov: Option<u64>,
    pub ft: Option<u64>,
    /// Inputs in the corpus at the end (`corp: N/size`).
    pub corpus: Option<u64>,
    pub peak_rss_mb: Option<u64>,
    /// Whether the run reached libFuzzer's `DONE` line (it stopped by itself, not by a crash).
    pub done: bool,
    /// The input a crash, leak or timeout was written to.
    pub reproducer: Option<String>,
    /// Whether libFuzzer stopped on SIGINT (`run interrupted`): by its caller's budget or by
    /// whoever sent it, never by the input.
    pub interrupted: bool,
}

fn field(line: &str, key: &str) -> Option<u64> {
    let rest = &line[line.find(key)? + key.len()..];
    let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Reads libFuzzer's status lines (`#4096\tDONE   cov: 412 ft: 1337 corp: 52/3076b lim: 4
/// exec/s: 2048 rss: 61Mb`), `-print_final_stats=1` lines and the reproducer's path.
pub fn parse_output(log: &str) -> RunStats {
    let mut s = RunStats::default();
    for line in log.lines() {
        if let Some(rest) = line.strip_prefix('#') {
            let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let Ok(n) = n.parse::<u64>() else { continue };
            if !line.contains("cov:") && !line.contains("DONE") {
                continue;
            }
            s.execs = Some(n);
            s.cov = field(line, "cov:").or(s.cov);
            s.ft = field(line, "ft:").or(s.ft);
            s.corpus = field(line, "corp:").or(s.corpus);
            s.exec_per_sec = field(line, "exec/s:").or(s.exec_per_sec);
            s.done |= line.contains("DONE");
        } else if let Some(v) = line.strip_prefix("stat::number_of_executed_units:") {
            s.execs = v.trim().parse().ok().or(s.execs);
        } else if let Some(v) = line.strip_prefix("stat::average_exec_per_sec:") {
            s.exec_per_sec = v.trim().parse().ok().or(s.exec_per_sec);
        } else if let Some(v) = line.strip_prefix("stat::peak_rss_mb:") {
            s.peak_rss_mb = v.trim().parse().ok();
        } else if line.ends_with("libFuzzer: run interrupted; exiting") {
            s.interrupted = true;
        } else if let Some(at) = line.find("Test unit written to ") {
            let path = line[at + "Test unit written to ".len()..].trim();
            // libFuzzer also keeps an input that took long (by the wall clock, so on a busy
            // machine any input may): that is not a crash.
            let name = path.rsplit('/').next().unwrap_or(path);
            if !name.starts_with("slow-unit-") {
                s.reproducer = Some(path.to_string());
            }
        }
    }
    s
}

/// Copies the files of `from` (not its subfolders) into `to`, creating it.
pub fn copy_files(from: &Path, to: &Path) -> Result<usize, String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let mut n = 0;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let path = entry.map_err(|e| format!("{}: {e}", from.display()))?.path();
        if path.is_file() {
            let dest = to.join(path.file_name().unwrap_or_default());
            std::fs::copy(&path, &dest).map_err(|e| format!("{} → {}: {e}", path.display(), dest.display()))?;
            n += 1;
        }
    }
    Ok(n)
}

/// A scratch folder under the system's temp dir, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(what: &str) -> Result<Scratch, String> {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("hanko-{what}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_done_line_and_final_stats() {
        let log = "INFO: Seed: 1\n#2\tINITED cov: 100 ft: 120 corp: 5/80b exec/s: 0 rss: 40Mb\n\
                   #512\tpulse  cov: 140 ft: 300 corp: 9/200b lim: 4 exec/s: 256 rss: 41Mb\n\
                   #40960\tDONE   cov: 412 ft: 1337 corp: 52/3076b lim: 48 exec/s: 2048 rss: 61Mb\n\
                   Done 40960 runs in 20 second(s)\nstat::number_of_executed_units: 40961\n\
                   stat::average_exec_per_sec:     2047\nstat::peak_rss_mb:              61\n";
        let s = parse_output(log);
        assert_eq!(
            s,
            RunStats {
                execs: Some(40961),
                exec_per_sec: Some(2047),
                cov: Some(412),
                ft: Some(1337),
                corpus: Some(52),
                peak_rss_mb: Some(61),
                done: true,
                reproducer: None,
                interrupted: false,
            }
        );
    }

    #[test]
    fn reads_the_reproducer_of_a_crash() {
        let log = "#100\tNEW    cov: 50 ft: 60 corp: 3/10b lim: 4 exec/s: 0 rss: 30Mb L: 2/2 MS: 1 ChangeBit-\n\
                   thread '<unnamed>' panicked at fuzz/targets/src/lib.rs:1:1:\nboom\n\
                   ==1== ERROR: libFuzzer: deadly signal\nMS: 1 ChangeBit-; base unit: 00\n\
                   artifact_prefix='fuzz/artifacts/capdu/'; Test unit written to fuzz/artifacts/capdu/crash-da39a3ee\n";
        let s = parse_output(log);
        assert!(!s.done);
        assert_eq!(s.cov, Some(50));
        assert_eq!(s.execs, Some(100));
        assert_eq!(s.reproducer.as_deref(), Some("fuzz/artifacts/capdu/crash-da39a3ee"));
    }

    #[test]
    fn a_slow_unit_is_not_a_reproducer() {
        let log = "Slowest unit: 18 s:
artifact_prefix='a/'; Test unit written to a/slow-unit-e60c
                   #300	pulse  cov: 50 ft: 60 corp: 3/10b lim: 4 exec/s: 17 rss: 30Mb
";
        assert_eq!(parse_output(log).reproducer, None);
        let timeout = "==7== ERROR: libFuzzer: timeout after 61 seconds
Test unit written to a/timeout-e60c
";
        assert_eq!(parse_output(timeout).reproducer.as_deref(), Some("a/timeout-e60c"));
    }

    #[test]
    fn an_interrupted_run_says_so_and_has_no_reproducer() {
        // The tail of a run stopped by SIGINT (`kill -INT`, or Ctrl-C at a terminal).
        let log = "#5000\tpulse  cov: 70 ft: 90 corp: 9/40b lim: 4 exec/s: 2500 rss: 40Mb\n\
                   ==18382== libFuzzer: run interrupted; exiting\n\
                   stat::number_of_executed_units: 5123\n";
        let s = parse_output(log);
        assert!(s.interrupted);
        assert_eq!((s.execs, s.reproducer), (Some(5123), None));
        assert!(!parse_output("==1== ERROR: libFuzzer: deadly signal\n").interrupted);
    }
}
