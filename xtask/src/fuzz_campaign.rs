//! `cargo xtask fuzz-campaign`: fuzzes every target until it has had a budget of CPU time, on
//! as many cores as asked, and keeps the score in a folder so a campaign can be stopped and
//! resumed across sessions.
//!
//! CPU time, not wall time, is the budget: a campaign shares the machine with other work (or is
//! run under `nice`), and "ten CPU-minutes" must mean ten minutes of fuzzing whatever the load.
//! Each libFuzzer process is watched through `/proc/<pid>/stat` and interrupted (SIGINT, so it
//! prints its final statistics) once its target's total reaches the budget.
//!
//! The folder holds `state.json` (per target: CPU seconds, executions, coverage, findings),
//! `corpus/<target>/` (what libFuzzer found, over the committed seeds, which are read in place),
//! `artifacts/<target>/`, `logs/` and `campaign.md`, the table for `fuzz/README.md`.
//! `cargo xtask cmin --from DIR/corpus` merges the finds into `corpus/`.

use crate::cargo_fuzz::{self, RunStats};
use crate::cargo_targets;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Options {
    pub cpu_minutes: f64,
    pub jobs: usize,
    pub dir: PathBuf,
    /// Empty: every target of `fuzz/Cargo.toml`.
    pub targets: Vec<String>,
    pub sanitizer: Option<String>,
}

/// As in the smoke run: far above any honest input, so a hang is a finding.
const INPUT_TIMEOUT_SECONDS: u64 = 60;
/// The most CPU time one libFuzzer run gets before its score is saved: a campaign killed
/// (the end of a session) loses at most this much per job. Each run starts from the whole
/// corpus so far, so splitting costs only the seeds' replay.
const CHUNK_SECONDS: f64 = 120.0;
/// libFuzzer's default is 2 GiB; two jobs on a 24 GiB machine can afford that, and an input
/// that needs more is a finding (unbounded allocation).
const RSS_LIMIT_MB: u64 = 2048;

/// One target's running score, as kept in `state.json`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Score {
    pub cpu_seconds: f64,
    pub wall_seconds: f64,
    pub runs: u64,
    pub execs: u64,
    pub cov: Option<u64>,
    pub ft: Option<u64>,
    pub corpus: Option<u64>,
    pub peak_rss_mb: Option<u64>,
    /// Reproducers of crashes, timeouts and out-of-memory inputs, as libFuzzer wrote them.
    pub findings: Vec<String>,
}

impl Score {
    fn from_json(v: &Value) -> Score {
        let u = |k: &str| v.get(k).and_then(Value::as_u64);
        Score {
            cpu_seconds: v.get("cpu_seconds").and_then(Value::as_f64).unwrap_or(0.0),
            wall_seconds: v.get("wall_seconds").and_then(Value::as_f64).unwrap_or(0.0),
            runs: u("runs").unwrap_or(0),
            execs: u("execs").unwrap_or(0),
            cov: u("cov"),
            ft: u("ft"),
            corpus: u("corpus"),
            peak_rss_mb: u("peak_rss_mb"),
            findings: v
                .get("findings")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|f| f.as_str().map(String::from)).collect())
                .unwrap_or_default(),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "cpu_seconds": (self.cpu_seconds * 10.0).round() / 10.0,
            "wall_seconds": (self.wall_seconds * 10.0).round() / 10.0,
            "runs": self.runs,
            "execs": self.execs,
            "cov": self.cov,
            "ft": self.ft,
            "corpus": self.corpus,
            "peak_rss_mb": self.peak_rss_mb,
            "findings": self.findings,
        })
    }

    /// Adds one run. Coverage is the last run's: each run starts from the whole corpus so far,
    /// so its figures already include what earlier runs found.
    fn add(&mut self, run: &RunStats, cpu: f64, wall: f64) {
        self.cpu_seconds += cpu;
        self.wall_seconds += wall;
        self.runs += 1;
        self.execs += run.execs.unwrap_or(0);
        self.cov = run.cov.or(self.cov);
        self.ft = run.ft.or(self.ft);
        self.corpus = run.corpus.or(self.corpus);
        self.peak_rss_mb = self.peak_rss_mb.max(run.peak_rss_mb);
        if let Some(r) = &run.reproducer {
            self.findings.push(r.clone());
        }
    }

    pub fn execs_per_cpu_second(&self) -> Option<f64> {
        (self.cpu_seconds > 0.0).then(|| self.execs as f64 / self.cpu_seconds)
    }
}

struct State {
    dir: PathBuf,
    scores: Map<String, Value>,
}

impl State {
    fn load(dir: &Path) -> Result<State, String> {
        Ok(State { dir: dir.to_path_buf(), scores: read_scores(&dir.join("state.json"))? })
    }

    fn score(&self, target: &str) -> Score {
        self.scores.get(target).map(Score::from_json).unwrap_or_default()
    }

    /// Merges `target`'s score into the file under a lock, so that two campaigns on one folder
    /// (other targets, other cores) keep each other's scores; written through a temporary file
    /// and a rename, so a campaign killed mid-write (the end of a session) keeps its last whole
    /// state.
    fn save(&mut self, target: &str, score: &Score) -> Result<(), String> {
        let path = self.dir.join("state.json");
        let lock_path = self.dir.join("state.lock");
        let lock = std::fs::File::create(&lock_path).map_err(|e| format!("{}: {e}", lock_path.display()))?;
        lock.lock().map_err(|e| format!("{}: {e}", lock_path.display()))?;
        let mut scores = read_scores(&path)?;
        scores.insert(target.to_string(), score.to_json());
        let text = serde_json::to_string_pretty(&json!({ "targets": scores })).map_err(|e| e.to_string())?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text + "\n").map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
        self.scores = scores;
        Ok(())
    }
}

/// The `targets` object of a `state.json`; empty when there is no file yet.
fn read_scores(path: &Path) -> Result<Map<String, Value>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(mut m)) => match m.remove("targets") {
                Some(Value::Object(t)) => Ok(t),
                _ => Err(format!("{}: no \"targets\" object", path.display())),
            },
            Ok(_) => Err(format!("{}: not a JSON object", path.display())),
            Err(e) => Err(format!("{}: {e}", path.display())),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Map::new()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Clock ticks per second, the unit of `/proc/<pid>/stat`'s CPU times.
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// User plus system CPU seconds of a live process, from `/proc/<pid>/stat`.
fn cpu_seconds(pid: u32, ticks: f64) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_cpu_ticks(&stat).map(|t| t as f64 / ticks)
}

/// utime + stime (fields 14 and 15). The command name (field 2) is in parentheses and may
/// hold spaces, so fields are counted from its closing parenthesis.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    let mut fields = after.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// A hard link to the binary (a copy where links fail), so a rebuild during the campaign does
/// not change the program under a target between its runs.
fn snapshot(root: &Path, target: &str, bins: &Path) -> Result<PathBuf, String> {
    let from = cargo_fuzz::binary(root, target);
    let to = bins.join(target);
    let _ = std::fs::remove_file(&to);
    if std::fs::hard_link(&from, &to).is_err() {
        std::fs::copy(&from, &to).map_err(|e| format!("{} → {}: {e}", from.display(), to.display()))?;
    }
    Ok(to)
}

struct Run {
    stats: RunStats,
    cpu: f64,
    wall: f64,
    finding: bool,
    /// Someone else interrupted the run (Ctrl-C, `kill -INT`): the campaign is being stopped.
    stopped: bool,
}

fn fuzz_until(root: &Path, dir: &Path, bin: &Path, target: &str, budget: f64, ticks: f64) -> Result<Run, String> {
    let found = dir.join("corpus").join(target);
    let artifacts = dir.join("artifacts").join(target);
    for d in [&found, &artifacts] {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let n = std::fs::read_dir(&logs).map(|d| d.count()).unwrap_or(0);
    let log = logs.join(format!("{target}.{n}.log"));
    // The found corpus comes first: libFuzzer writes new inputs into its first folder.
    let mut child = cargo_fuzz::libfuzzer(root, bin, &log)?
        .arg(&found)
        .arg(root.join("corpus").join(target))
        .arg(format!("-dict={}", root.join("fuzz/dict").join(format!("{target}.dict")).display()))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg(format!("-timeout={INPUT_TIMEOUT_SECONDS}"))
        .arg(format!("-rss_limit_mb={RSS_LIMIT_MB}"))
        .arg("-print_final_stats=1")
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let started = Instant::now();
    let mut cpu = 0.0;
    let mut interrupted = false;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if let Some(now) = cpu_seconds(child.id(), ticks) {
            cpu = now;
        }
        if cpu >= budget && !interrupted {
            let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
            interrupted = true;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let stats = cargo_fuzz::parse_output(&text);
    // libFuzzer exits 72 when interrupted, whoever sent the signal; anything else but 0 is a
    // crash, leak, timeout or out-of-memory input, which it has written down.
    let interrupted_by_signal = status.code() == Some(72) && (interrupted || stats.interrupted);
    let finding = !(status.success() || interrupted_by_signal);
    let stopped = interrupted_by_signal && !interrupted;
    Ok(Run { stats, cpu, wall: started.elapsed().as_secs_f64(), finding, stopped })
}

/// The table `fuzz/README.md` shows, from the scores.
pub fn table(rows: &[(String, Score)]) -> String {
    let mut out = String::from(
        "| target | CPU-min | runs | execs | execs per CPU-second | cov | ft | corpus | findings |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    let show = |n: Option<u64>| n.map_or_else(|| "?".into(), |n| n.to_string());
    for (t, s) in rows {
        out.push_str(&format!(
            "| `{t}` | {:.1} | {} | {} | {} | {} | {} | {} | {} |\n",
            s.cpu_seconds / 60.0,
            s.runs,
            s.execs,
            s.execs_per_cpu_second().map_or_else(|| "?".into(), |r| format!("{r:.0}")),
            show(s.cov),
            show(s.ft),
            show(s.corpus),
            if s.findings.is_empty() { "none".to_string() } else { s.findings.join(", ") },
        ));
    }
    out
}

pub fn run(root: &Path, opts: &Options) -> Result<String, String> {
    cargo_fuzz::require_cargo_fuzz()?;
    let all = cargo_targets::fuzz_targets(root)?;
    let targets = cargo_targets::select(&all, &opts.targets, "fuzz target")?;
    let budget = opts.cpu_minutes * 60.0;
    std::fs::create_dir_all(&opts.dir).map_err(|e| format!("{}: {e}", opts.dir.display()))?;
    let state = Mutex::new(State::load(&opts.dir)?);

    let todo: VecDeque<String> = {
        let s = state.lock().map_err(|e| e.to_string())?;
        targets.iter().filter(|t| s.score(t).cpu_seconds < budget && s.score(t).findings.is_empty()).cloned().collect()
    };
    if !todo.is_empty() {
        let build_seconds = cargo_fuzz::build(root, &targets, targets.len() == all.len(), opts.sanitizer.as_deref())?;
        println!("fuzz-campaign: built in {build_seconds:.0} s; {} targets to fuzz on {} jobs", todo.len(), opts.jobs);
    }
    let bins = opts.dir.join("bin");
    std::fs::create_dir_all(&bins).map_err(|e| format!("{}: {e}", bins.display()))?;
    let snapshots = todo.iter().map(|t| snapshot(root, t, &bins)).collect::<Result<Vec<_>, _>>()?;
    let queue = Mutex::new(todo.into_iter().zip(snapshots).collect::<VecDeque<_>>());
    let ticks = clock_ticks();
    let errors = Mutex::new(Vec::<String>::new());

    std::thread::scope(|scope| {
        for _ in 0..opts.jobs.max(1) {
            scope.spawn(|| loop {
                let Some((target, bin)) = queue.lock().ok().and_then(|mut q| q.pop_front()) else { return };
                let mut score = match state.lock() {
                    Ok(s) => s.score(&target),
                    Err(_) => return,
                };
                // Runs of at most CHUNK_SECONDS until the budget is spent; a run that stops by
                // itself at once (libFuzzer refusing its options) ends the loop.
                while score.cpu_seconds < budget && score.findings.is_empty() {
                    let chunk = (budget - score.cpu_seconds).min(CHUNK_SECONDS);
                    let outcome = fuzz_until(root, &opts.dir, &bin, &target, chunk, ticks);
                    let run = match outcome {
                        Ok(run) => run,
                        Err(e) => {
                            errors.lock().map(|mut v| v.push(format!("{target}: {e}"))).ok();
                            break;
                        }
                    };
                    score.add(&run.stats, run.cpu, run.wall);
                    if run.finding && run.stats.reproducer.is_none() {
                        score.findings.push(format!("exit without a reproducer (see {}/logs)", opts.dir.display()));
                    }
                    if let Ok(mut s) = state.lock() {
                        if let Err(e) = s.save(&target, &score) {
                            errors.lock().map(|mut v| v.push(e)).ok();
                        }
                    }
                    println!(
                        "{target}: {:.1}/{:.1} CPU-min, {} execs, cov {}{}{}",
                        score.cpu_seconds / 60.0,
                        opts.cpu_minutes,
                        score.execs,
                        run.stats.cov.map_or_else(|| "?".into(), |c| c.to_string()),
                        if run.finding { "  FINDING" } else { "" },
                        if run.stopped { "  (interrupted: stopping)" } else { "" }
                    );
                    if run.stopped || run.cpu < 1.0 && !run.finding {
                        break;
                    }
                }
            });
        }
    });

    let s = state.lock().map_err(|e| e.to_string())?;
    let rows: Vec<(String, Score)> = targets.iter().map(|t| (t.clone(), s.score(t))).collect();
    let md = table(&rows);
    let md_path = opts.dir.join("campaign.md");
    std::fs::write(&md_path, &md).map_err(|e| format!("{}: {e}", md_path.display()))?;
    print!("{md}");
    let errors = errors.into_inner().unwrap_or_default();
    let with_findings: Vec<&str> =
        rows.iter().filter(|(_, s)| !s.findings.is_empty()).map(|(t, _)| t.as_str()).collect();
    let short: Vec<&str> = rows.iter().filter(|(_, s)| s.cpu_seconds < budget).map(|(t, _)| t.as_str()).collect();
    if !errors.is_empty() {
        Err(format!("fuzz-campaign: {}", errors.join("; ")))
    } else if !with_findings.is_empty() {
        Err(format!(
            "fuzz-campaign: findings in {} (artifacts in {}/artifacts)",
            with_findings.join(", "),
            opts.dir.display()
        ))
    } else if !short.is_empty() {
        Err(format!("fuzz-campaign: below the budget: {}", short.join(", ")))
    } else {
        Ok(format!(
            "fuzz-campaign: {} targets, {} CPU-min each, no finding; table in {}",
            rows.len(),
            opts.cpu_minutes,
            md_path.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_read_past_a_command_name_with_spaces() {
        let stat = "4242 (fuzz me) S 1 4242 4242 0 -1 4194304 900 0 0 0 1234 56 0 0 20 0 2 0 100 1 1";
        assert_eq!(parse_cpu_ticks(stat), Some(1290));
        assert_eq!(parse_cpu_ticks("4242 (cut"), None);
        assert_eq!(parse_cpu_ticks("4242 (x) S 1 2"), None);
    }

    #[test]
    fn scores_add_runs_and_survive_json() {
        let mut s = Score::default();
        let run = RunStats { execs: Some(1000), cov: Some(50), ft: Some(80), corpus: Some(9), ..Default::default() };
        s.add(&run, 30.0, 31.0);
        s.add(&RunStats { execs: Some(500), cov: Some(55), ..Default::default() }, 20.0, 21.0);
        assert_eq!((s.runs, s.execs, s.cov, s.ft, s.corpus), (2, 1500, Some(55), Some(80), Some(9)));
        assert_eq!(s.execs_per_cpu_second(), Some(30.0));
        assert_eq!(Score::from_json(&s.to_json()), s);
        let crash = RunStats { reproducer: Some("a/crash-1".into()), ..Default::default() };
        s.add(&crash, 4.0, 4.0);
        assert_eq!(s.findings, ["a/crash-1"]);
        assert!(table(&[("capdu".into(), s)]).contains("| `capdu` | 0.9 | 3 | 1500 | 28 | 55 | 80 | 9 | a/crash-1 |"));
    }
}
