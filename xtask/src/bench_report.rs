//! `cargo xtask bench-report`: runs every criterion suite of `benches/Cargo.toml` and writes
//! `BENCHMARKS.md` from criterion's own files: the median of every benchmark, hanko's ratio
//! to each peer, and the machine.
//!
//! Pairing (documented in `benches/README.md`): within a criterion group and input, the
//! functions whose id starts with `hanko` are hanko's, the others its peers; the ratio is
//! hanko's median over the peer's (below 1: hanko is faster). A group without a `hanko*`
//! function is listed without ratios.
//!
//! Each suite writes into its own `CRITERION_HOME` under `target/bench-report/`, emptied
//! first, so only this run's figures reach the report.

use crate::cargo_targets;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

pub struct Options {
    /// Empty: every suite.
    pub benches: Vec<String>,
    /// Short settings for a quick look: 0.5 s warm-up, 2 s measurement, 20 samples.
    pub quick: bool,
    pub warm_up_time: Option<f64>,
    pub measurement_time: Option<f64>,
    pub sample_size: Option<usize>,
    /// Report from the last run's files without running anything.
    pub no_run: bool,
    /// Default `BENCHMARKS.md` at the repository root.
    pub out: Option<PathBuf>,
}

/// What criterion's `throughput` says one iteration processes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Throughput {
    Bytes(u64),
    Elements(u64),
}

/// One benchmark of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    pub suite: String,
    pub group: String,
    pub function: String,
    pub input: Option<String>,
    /// `median.point_estimate` of `new/estimates.json`, in nanoseconds.
    pub median_ns: f64,
    /// The 95% confidence interval of the median.
    pub median_ci: (f64, f64),
    pub throughput: Option<Throughput>,
    /// When criterion wrote it: groups and inputs are listed in run order.
    pub written: SystemTime,
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn measurement(suite: &str, new: &Path) -> Result<Measurement, String> {
    let id = read_json(&new.join("benchmark.json"))?;
    let est_path = new.join("estimates.json");
    let est = read_json(&est_path)?;
    let text = |k: &str| id.get(k).and_then(Value::as_str).map(str::to_string);
    let num = |p: &str| est.pointer(p).and_then(Value::as_f64).ok_or_else(|| format!("{}: no {p}", est_path.display()));
    let throughput = match id.get("throughput") {
        Some(Value::Object(t)) => t
            .get("Bytes")
            .or_else(|| t.get("BytesDecimal"))
            .and_then(Value::as_u64)
            .map(Throughput::Bytes)
            .or_else(|| t.get("Elements").and_then(Value::as_u64).map(Throughput::Elements)),
        _ => None,
    };
    Ok(Measurement {
        suite: suite.to_string(),
        group: text("group_id").ok_or_else(|| format!("{}: no group_id", new.display()))?,
        function: text("function_id").unwrap_or_default(),
        input: text("value_str"),
        median_ns: num("/median/point_estimate")?,
        median_ci: (num("/median/confidence_interval/lower_bound")?, num("/median/confidence_interval/upper_bound")?),
        throughput,
        written: std::fs::metadata(&est_path).and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH),
    })
}

fn find_new(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    for p in entries {
        if p.file_name().is_some_and(|n| n == "new") {
            if p.join("benchmark.json").is_file() && p.join("estimates.json").is_file() {
                out.push(p);
            }
        } else if p.file_name().is_some_and(|n| n != "report" && n != "base" && n != "change") {
            find_new(&p, out)?;
        }
    }
    Ok(())
}

/// Every benchmark criterion wrote under `dir` (a suite's `CRITERION_HOME`).
pub fn read_suite(dir: &Path, suite: &str) -> Result<Vec<Measurement>, String> {
    let mut news = Vec::new();
    find_new(dir, &mut news)?;
    let mut out = news.iter().map(|n| measurement(suite, n)).collect::<Result<Vec<_>, _>>()?;
    out.sort_by(|a, b| a.written.cmp(&b.written).then_with(|| a.group.cmp(&b.group)));
    Ok(out)
}

/// `2.38 ns`, `13.19 µs`: three significant digits.
pub fn format_time(ns: f64) -> String {
    let (v, unit) = match ns {
        n if n < 1e3 => (n, "ns"),
        n if n < 1e6 => (n / 1e3, "µs"),
        n if n < 1e9 => (n / 1e6, "ms"),
        n => (n / 1e9, "s"),
    };
    let decimals = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.decimals$} {unit}")
}

fn format_throughput(t: Throughput, ns: f64) -> String {
    let per_second = |n: u64| n as f64 / (ns * 1e-9);
    match t {
        Throughput::Bytes(n) => {
            let b = per_second(n);
            if b >= (1u64 << 30) as f64 {
                format!("{:.2} GiB/s", b / (1u64 << 30) as f64)
            } else {
                format!("{:.0} MiB/s", b / (1u64 << 20) as f64)
            }
        }
        Throughput::Elements(n) => format!("{:.2} M/s", per_second(n) / 1e6),
    }
}

/// The machine and the run, for the report's header. Saved beside the results
/// (`target/bench-report/machine.json`), so `--no-run` reports the run's machine, not its own.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: String,
    pub rustc: String,
    pub date: String,
    pub commit: String,
    pub load: String,
    pub settings: String,
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's
/// `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn utc(at: SystemTime) -> String {
    let secs = at.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", s / 3600, s % 3600 / 60)
}

fn output(cmd: &str, args: &[&str], dir: &Path) -> Option<String> {
    let o = Command::new(cmd).args(args).current_dir(dir).output().ok()?;
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

impl Machine {
    pub fn probe(root: &Path, settings: String) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let logical = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
        let available = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
        let commit = match output("git", &["rev-parse", "--short=12", "HEAD"], root) {
            Some(c) => {
                let dirty = output("git", &["status", "--porcelain", "--untracked-files=no"], root)
                    .is_some_and(|s| !s.is_empty());
                if dirty {
                    format!("{c} with uncommitted changes")
                } else {
                    c
                }
            }
            None => "unknown".into(),
        };
        Machine {
            cpu,
            cores: format!("{logical} logical CPUs ({available} available to the process)"),
            rustc: output("rustc", &["-V"], root).unwrap_or_else(|| "unknown".into()),
            date: utc(SystemTime::now()),
            commit,
            load: std::fs::read_to_string("/proc/loadavg")
                .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
            settings,
        }
    }
}

/// Within a group and input: hanko's functions and the peers.
fn is_hanko(function: &str) -> bool {
    function.starts_with("hanko")
}

/// The whole `BENCHMARKS.md`.
pub fn render(measurements: &[Measurement], machine: &Machine, command: &str) -> String {
    let mut out = format!(
        "# Benchmarks\n\n\
         Written by `{command}` (xtask/src/bench_report.rs) from criterion's own estimates\n\
         (`median.point_estimate` of each benchmark's `new/estimates.json`); rerun it rather than\n\
         editing this file. What each contender does, and the pairing of hanko's functions with\n\
         their peers, is in [`benches/README.md`](benches/README.md).\n\n\
         | machine | |\n|---|---|\n\
         | CPU | {} |\n| cores | {} |\n| rustc | {} |\n| date | {} |\n| commit | {} |\n\
         | load average at start | {} |\n| criterion settings | {} |\n",
        machine.cpu, machine.cores, machine.rustc, machine.date, machine.commit, machine.load, machine.settings
    );
    // Groups in run order, each with its inputs in run order.
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for m in measurements {
        if !groups.contains(&(m.suite.as_str(), m.group.as_str())) {
            groups.push((&m.suite, &m.group));
        }
    }
    let mut suite_seen = "";
    for (suite, group) in groups {
        if suite != suite_seen {
            out.push_str(&format!("\n## Suite `{suite}` (`cargo bench -p hanko-benches --bench {suite}`)\n"));
            suite_seen = suite;
        }
        let ms: Vec<&Measurement> = measurements.iter().filter(|m| m.suite == suite && m.group == group).collect();
        let mut functions: Vec<&str> = Vec::new();
        let mut inputs: Vec<Option<&str>> = Vec::new();
        for m in &ms {
            if !functions.contains(&m.function.as_str()) {
                functions.push(&m.function);
            }
            if !inputs.contains(&m.input.as_deref()) {
                inputs.push(m.input.as_deref());
            }
        }
        // hanko's functions first, then the peers, each in run order.
        functions.sort_by_key(|f| !is_hanko(f));
        let hanko: Vec<&str> = functions.iter().copied().filter(|f| is_hanko(f)).collect();
        let peers: Vec<&str> = functions.iter().copied().filter(|f| !is_hanko(f)).collect();
        let pairs: Vec<(&str, &str)> = hanko.iter().flat_map(|h| peers.iter().map(move |p| (*h, *p))).collect();
        let throughput = ms.iter().any(|m| m.throughput.is_some());
        out.push_str(&format!("\n### `{group}`\n\n"));
        if hanko.is_empty() {
            out.push_str("No function named `hanko*`: listed without ratios (the pairing convention is in benches/README.md).\n\n");
        }
        let mut header = vec!["input".to_string()];
        header.extend(functions.iter().map(|f| format!("`{f}`")));
        header.extend(pairs.iter().map(|(h, p)| format!("`{h}` ÷ `{p}`")));
        let mut align = vec!["---".to_string()];
        align.extend(std::iter::repeat_n("---:".to_string(), functions.len() + pairs.len()));
        out.push_str(&format!("| {} |\n|{}|\n", header.join(" | "), align.join("|")));
        for input in &inputs {
            let find = |f: &str| ms.iter().find(|m| m.function == f && m.input.as_deref() == *input);
            let mut row = vec![input.map_or_else(|| "—".to_string(), |i| format!("`{i}`"))];
            for f in &functions {
                row.push(match find(f) {
                    Some(m) if throughput => match m.throughput {
                        Some(t) => format!("{} ({})", format_time(m.median_ns), format_throughput(t, m.median_ns)),
                        None => format_time(m.median_ns),
                    },
                    Some(m) => format_time(m.median_ns),
                    None => "—".into(),
                });
            }
            for (h, p) in &pairs {
                row.push(match (find(h), find(p)) {
                    (Some(h), Some(p)) if p.median_ns > 0.0 => format!("{:.3}×", h.median_ns / p.median_ns),
                    _ => "—".into(),
                });
            }
            out.push_str(&format!("| {} |\n", row.join(" | ")));
        }
    }
    out
}

fn criterion_args(opts: &Options) -> (Vec<String>, String) {
    let (mut warm, mut measure, mut samples) = (opts.warm_up_time, opts.measurement_time, opts.sample_size);
    if opts.quick {
        warm = warm.or(Some(0.5));
        measure = measure.or(Some(2.0));
        samples = samples.or(Some(20));
    }
    let mut args = vec!["--verbose".to_string()];
    let mut said = Vec::new();
    if let Some(w) = warm {
        args.extend(["--warm-up-time".into(), w.to_string()]);
        said.push(format!("warm-up {w} s"));
    }
    if let Some(m) = measure {
        args.extend(["--measurement-time".into(), m.to_string()]);
        said.push(format!("measurement {m} s"));
    }
    if let Some(s) = samples {
        args.extend(["--sample-size".into(), s.to_string()]);
        said.push(format!("{s} samples"));
    }
    let settings = if said.is_empty() {
        "each suite's own (see benches/README.md)".to_string()
    } else {
        format!("{} (a group's own settings take precedence)", said.join(", "))
    };
    (args, settings)
}

pub fn run(root: &Path, opts: &Options) -> Result<String, String> {
    let all = cargo_targets::bench_suites(root)?;
    let suites = cargo_targets::select(&all, &opts.benches, "bench")?;
    let home = root.join("target/bench-report");
    let (args, settings) = criterion_args(opts);
    let saved = home.join("machine.json");
    let machine = if opts.no_run {
        let text = std::fs::read_to_string(&saved)
            .map_err(|e| format!("{}: {e} (run without --no-run first)", saved.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", saved.display()))?
    } else {
        let m = Machine::probe(root, settings);
        std::fs::create_dir_all(&home).map_err(|e| format!("{}: {e}", home.display()))?;
        let text = serde_json::to_string_pretty(&m).map_err(|e| e.to_string())?;
        std::fs::write(&saved, text).map_err(|e| format!("{}: {e}", saved.display()))?;
        m
    };
    for suite in &suites {
        let dir = home.join(suite);
        if opts.no_run {
            continue;
        }
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        println!("bench-report: cargo bench -p hanko-benches --bench {suite} -- {}", args.join(" "));
        let log = home.join(format!("{suite}.log"));
        let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let status = Command::new("cargo")
            .current_dir(root)
            .args(["bench", "--locked", "-p", "hanko-benches", "--bench", suite, "--"])
            .args(&args)
            .env("CRITERION_HOME", &dir)
            .stdin(Stdio::null())
            .stdout(file)
            .status()
            .map_err(|e| format!("cannot run cargo bench: {e}"))?;
        if !status.success() {
            return Err(format!("cargo bench --bench {suite} failed ({status}); its output is in {}", log.display()));
        }
        println!("bench-report: {suite} done; criterion's output in {}", log.display());
    }
    let mut measurements = Vec::new();
    for suite in &suites {
        let dir = home.join(suite);
        let ms = read_suite(&dir, suite)?;
        if ms.is_empty() {
            return Err(format!("{} holds no criterion results", dir.display()));
        }
        measurements.extend(ms);
    }
    let mut command = "cargo xtask bench-report".to_string();
    if opts.quick {
        command.push_str(" --quick");
    }
    let mut machine = machine;
    // When the figures were measured (the first result), also for a report rewritten later.
    if let Some(first) = measurements.iter().map(|m| m.written).min() {
        machine.date = format!("{} (first result)", utc(first));
    }
    let text = render(&measurements, &machine, &command);
    let out = opts.out.clone().unwrap_or_else(|| root.join("BENCHMARKS.md"));
    std::fs::write(&out, text).map_err(|e| format!("{}: {e}", out.display()))?;
    let by_suite: BTreeMap<&str, usize> = measurements.iter().fold(BTreeMap::new(), |mut m, x| {
        *m.entry(x.suite.as_str()).or_default() += 1;
        m
    });
    Ok(format!("bench-report: {} benchmarks ({by_suite:?}) written to {}", measurements.len(), out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Writes one benchmark as criterion 0.8 lays it out.
    fn bench(home: &Path, group: &str, function: &str, input: Option<&str>, median: f64, throughput: Value) {
        let mut dir = home.join(group).join(function);
        if let Some(i) = input {
            dir = dir.join(i);
        }
        let full = [Some(group), Some(function), input].into_iter().flatten().collect::<Vec<_>>().join("/");
        let new = dir.join("new");
        std::fs::create_dir_all(&new).unwrap();
        let id = json!({ "group_id": group, "function_id": function, "value_str": input, "throughput": throughput,
            "full_id": full, "directory_name": full, "title": full });
        std::fs::write(new.join("benchmark.json"), id.to_string()).unwrap();
        let est = |v: f64| {
            json!({ "confidence_interval": { "confidence_level": 0.95, "lower_bound": v * 0.98, "upper_bound": v * 1.02 },
            "point_estimate": v, "standard_error": 0.1 })
        };
        // The mean and slope differ from the median: the report must take the median.
        let estimates = json!({ "mean": est(median * 1.5), "median": est(median), "median_abs_dev": est(0.1),
            "slope": est(median * 1.3), "std_dev": est(0.2) });
        std::fs::write(new.join("estimates.json"), estimates.to_string()).unwrap();
        // A stale `base` beside `new` is criterion's previous run, not this one.
        std::fs::create_dir_all(dir.join("base")).unwrap();
        std::fs::write(dir.join("base/estimates.json"), "{}").unwrap();
        // Distinct modification times, as a real run leaves them.
        std::thread::sleep(std::time::Duration::from_millis(5));
    }

    fn fixture() -> (crate::cargo_fuzz::Scratch, Vec<Measurement>) {
        let dir = crate::cargo_fuzz::Scratch::new("bench-report-test").unwrap();
        let home = dir.0.join("apdu");
        bench(&home, "capdu", "hanko_parse", Some("select"), 2.0, Value::Null);
        bench(&home, "capdu", "iso7816_view", Some("select"), 4.0, Value::Null);
        bench(&home, "capdu", "hanko_parse", Some("verify"), 3.0, Value::Null);
        bench(&home, "capdu", "iso7816_view", Some("verify"), 6.0, Value::Null);
        bench(&home, "ber_walk", "iso7816_tlv", Some("cert_1742"), 5154.0, json!({ "Bytes": 1742 }));
        bench(&home, "ber_walk", "hanko", Some("cert_1742"), 333.0, json!({ "Bytes": 1742 }));
        bench(&home, "card_model", "step_session", None, 364.0, json!({ "Elements": 9 }));
        std::fs::create_dir_all(home.join("report")).unwrap();
        let ms = read_suite(&home, "apdu").unwrap();
        (dir, ms)
    }

    #[test]
    fn reads_medians_ids_and_throughput() {
        let (_dir, ms) = fixture();
        assert_eq!(ms.len(), 7, "only `new` results: {ms:#?}");
        let walk = ms.iter().find(|m| m.group == "ber_walk" && m.function == "hanko").unwrap();
        assert_eq!(walk.median_ns, 333.0);
        assert_eq!(walk.input.as_deref(), Some("cert_1742"));
        assert_eq!(walk.throughput, Some(Throughput::Bytes(1742)));
        let card = ms.iter().find(|m| m.group == "card_model").unwrap();
        assert_eq!((card.input.as_deref(), card.throughput), (None, Some(Throughput::Elements(9))));
        assert_eq!(ms[0].group, "capdu", "run order");
    }

    #[test]
    fn pairs_hanko_with_its_peers_per_input() {
        let (_dir, ms) = fixture();
        let machine = Machine { cpu: "Test CPU".into(), commit: "abc".into(), ..Machine::default() };
        let md = render(&ms, &machine, "cargo xtask bench-report");
        assert!(md.contains("| CPU | Test CPU |"));
        assert!(md.contains("| input | `hanko_parse` | `iso7816_view` | `hanko_parse` ÷ `iso7816_view` |"), "{md}");
        assert!(md.contains("| `select` | 2.00 ns | 4.00 ns | 0.500× |"), "{md}");
        assert!(md.contains("| `verify` | 3.00 ns | 6.00 ns | 0.500× |"), "{md}");
        // hanko's column comes first even though the peer ran first; 1742 B / 333 ns = 4.87 GiB/s.
        assert!(md.contains("| `cert_1742` | 333 ns (4.87 GiB/s) | 5.15 µs (322 MiB/s) | 0.065× |"), "{md}");
        assert!(md.contains("No function named `hanko*`: listed without ratios"));
        assert!(md.contains("| — | 364 ns (24.73 M/s) |"), "{md}");
        assert!(md.find("### `capdu`") < md.find("### `ber_walk`"), "groups in run order");
    }

    #[test]
    fn times_and_dates_format() {
        assert_eq!(format_time(2.381), "2.38 ns");
        assert_eq!(format_time(24.2), "24.2 ns");
        assert_eq!(format_time(13_190.0), "13.2 µs");
        assert_eq!(format_time(139_900.0), "140 µs");
        assert_eq!(format_time(2.5e9), "2.50 s");
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(20_416), (2025, 11, 24));
        assert_eq!(civil(11_016), (2000, 2, 29));
    }

    #[test]
    fn quick_sets_short_criterion_options() {
        let opts = Options {
            benches: vec![],
            quick: true,
            warm_up_time: None,
            measurement_time: Some(3.0),
            sample_size: None,
            no_run: false,
            out: None,
        };
        let (args, settings) = criterion_args(&opts);
        assert_eq!(args, ["--verbose", "--warm-up-time", "0.5", "--measurement-time", "3", "--sample-size", "20"]);
        assert!(settings.starts_with("warm-up 0.5 s, measurement 3 s, 20 samples"));
    }
}
