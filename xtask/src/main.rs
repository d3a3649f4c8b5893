//! `cargo xtask …`: validate the spec, generate code, build corpora.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use xtask::{
    bench_report, cargo_targets, cmin, codegen, corpus, dict, fuzz_campaign, fuzz_coverage, fuzz_smoke, repo_root,
    spec::Spec, validate,
};

#[derive(Parser)]
#[command(name = "xtask", about = "hanko's spec tooling")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Writes the flows' Mermaid state and sequence diagrams into docs/flows/.
    Docs {
        /// Fails if the files on disk differ from what would be written.
        #[arg(long)]
        check: bool,
    },
    /// Checks the spec folder and decodes every example.
    Validate {
        #[arg(long)]
        spec: Option<PathBuf>,
    },
    /// Writes generated Rust for a spec folder (default: hanko's own into codec/src/generated).
    Codegen {
        /// Spec folder to read.
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Folder to write the generated modules into.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Path of the hanko-codec runtime as the generated code names it (`crate` inside
        /// hanko-codec, `hanko_codec` elsewhere).
        #[arg(long)]
        runtime: Option<String>,
        /// Fails if the files on disk differ from what would be generated.
        #[arg(long)]
        check: bool,
    },
    /// Writes fuzz seed corpora from the spec examples into corpus/<target>/.
    Corpus {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Writes a libFuzzer dictionary per fuzz target into fuzz/dict/<target>.dict from the spec.
    Dict {
        /// Fails if the files on disk differ from what would be written.
        #[arg(long)]
        check: bool,
    },
    /// Builds every fuzz target, fuzzes each briefly from its seeds with its dictionary, fails
    /// on any crash; writes target/fuzz-smoke.json.
    FuzzSmoke {
        /// Seconds of fuzzing per target (after its start-up).
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Only these targets (default: every [[bin]] of fuzz/Cargo.toml).
        #[arg(long, value_delimiter = ',')]
        targets: Vec<String>,
        /// cargo-fuzz's sanitizer (default address; `none` runs four to five times faster).
        #[arg(long)]
        sanitizer: Option<String>,
        /// Where the JSON summary goes.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Fuzzes every target until it has had --cpu-minutes of CPU time, --jobs at a time;
    /// resumable: the score, the finds and the table stay in --dir.
    FuzzCampaign {
        #[arg(long, default_value_t = 10.0)]
        cpu_minutes: f64,
        /// Targets fuzzed at once (default: the machine's cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// The campaign's folder (default target/fuzz-campaign); give the same one to resume.
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, value_delimiter = ',')]
        targets: Vec<String>,
        #[arg(long)]
        sanitizer: Option<String>,
    },
    /// Minimizes the fuzzer-found inputs of corpus/<target>/ (libFuzzer -merge=1), keeping
    /// every named seed; merges a campaign's corpora in with --from. Slow: not for CI.
    Cmin {
        #[arg(long, value_delimiter = ',')]
        targets: Vec<String>,
        /// Corpora of a campaign, DIR/<target>/, offered as candidates.
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Line and region coverage of each fuzz target's corpus per hanko crate (cargo fuzz
    /// coverage + llvm-cov); writes a markdown table to target/fuzz-coverage.md.
    FuzzCoverage {
        #[arg(long, value_delimiter = ',')]
        targets: Vec<String>,
        /// Folder of llvm-cov and llvm-profdata matching the toolchain's LLVM.
        #[arg(long)]
        llvm_path: Option<PathBuf>,
        /// Extra corpora, DIR/<target>/, measured with the committed ones.
        #[arg(long)]
        corpus: Option<PathBuf>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Runs every criterion suite of benches/Cargo.toml and writes BENCHMARKS.md: medians,
    /// hanko's ratio to each peer, the machine.
    BenchReport {
        /// Only these suites (default: every [[bench]]).
        #[arg(long, value_delimiter = ',')]
        benches: Vec<String>,
        /// 0.5 s warm-up, 2 s measurement, 20 samples: a quick look, not a result to quote.
        #[arg(long)]
        quick: bool,
        #[arg(long)]
        warm_up_time: Option<f64>,
        #[arg(long)]
        measurement_time: Option<f64>,
        #[arg(long)]
        sample_size: Option<usize>,
        /// Rewrite the report from the last run's criterion files without running.
        #[arg(long)]
        no_run: bool,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Prints a command's summary or error and turns it into the exit code.
fn report(result: Result<String, String>) -> ExitCode {
    match result {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = repo_root();
    let load = |dir: Option<PathBuf>| {
        let dir = dir.unwrap_or_else(|| root.join("spec"));
        Spec::load(&dir).map_err(|problems| {
            for p in problems {
                eprintln!("{p}");
            }
        })
    };
    match cli.command {
        Cmd::Docs { check } => {
            let Ok(spec) = load(None) else { return ExitCode::from(1) };
            let out = root.join("docs/flows");
            let files = xtask::docs::generate(&spec);
            let result = if check { codegen::check(&files, &out) } else { codegen::write(&files, &out) };
            match result {
                Ok(summary) => {
                    println!("{summary}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            }
        }
        Cmd::Validate { spec } => {
            let Ok(spec) = load(spec) else { return ExitCode::from(1) };
            let report = validate::validate(&spec);
            for p in &report.problems {
                eprintln!("{p}");
            }
            if report.problems.is_empty() {
                println!("spec valid: {} entries, {} examples decode as stated", report.entries, report.examples);
                ExitCode::SUCCESS
            } else {
                eprintln!("{} problems", report.problems.len());
                ExitCode::from(1)
            }
        }
        Cmd::Codegen { spec, out, runtime, check } => {
            let own = spec.is_none();
            let Ok(loaded) = load(spec) else { return ExitCode::from(1) };
            let report = validate::validate(&loaded);
            if !report.problems.is_empty() {
                for p in &report.problems {
                    eprintln!("{p}");
                }
                eprintln!("codegen refused: the spec has {} problems", report.problems.len());
                return ExitCode::from(1);
            }
            let out = out.unwrap_or_else(|| root.join("codec/src/generated"));
            let runtime = runtime.unwrap_or_else(|| if own { "crate".into() } else { "hanko_codec".into() });
            let files = match codegen::generate(&loaded, &runtime) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("codegen failed: {e}");
                    return ExitCode::from(1);
                }
            };
            let mut result = if check { codegen::check(&files, &out) } else { codegen::write(&files, &out) };
            if own && result.is_ok() {
                // The certificate profile belongs to the crate that verifies certificates.
                let pki_out = root.join("crypto/src/generated");
                result = match codegen::generate_pki(&loaded) {
                    Ok(Some(pki)) => {
                        if check { codegen::check(&pki, &pki_out) } else { codegen::write(&pki, &pki_out) }
                            .map(|d| format!("{}\n{d}", result.unwrap_or_default()))
                    }
                    Ok(None) => result,
                    Err(e) => Err(e),
                };
            }
            if own && result.is_ok() {
                let model_out = root.join("model/src/generated");
                result = match codegen::generate_model(&loaded) {
                    Ok(Some(m)) => if check { codegen::check(&m, &model_out) } else { codegen::write(&m, &model_out) }
                        .map(|d| format!("{}\n{d}", result.unwrap_or_default())),
                    Ok(None) => result,
                    Err(e) => Err(e),
                };
            }
            if own && result.is_ok() {
                // hanko's own spec also documents itself.
                let doc = vec![("reference.md".to_string(), codegen::reference_doc(&loaded))];
                let docs = root.join("docs");
                result = if check { codegen::check(&doc, &docs) } else { codegen::write(&doc, &docs) }
                    .map(|d| format!("{}\n{d}", result.unwrap_or_default()));
            }
            match result {
                Ok(summary) => {
                    println!("{summary}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            }
        }
        Cmd::Corpus { out } => {
            let Ok(spec) = load(None) else { return ExitCode::from(1) };
            let out = out.unwrap_or_else(|| root.join("corpus"));
            match corpus::write(&spec, &out) {
                Ok(n) => {
                    println!("wrote {n} seeds under {}", out.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            }
        }
        Cmd::Dict { check } => report((|| {
            let targets = cargo_targets::fuzz_targets(&root)?;
            let files = dict::generate(&root.join("spec"), &targets)?;
            let dir = root.join("fuzz/dict");
            if check {
                dict::check(&dir, &files)
            } else {
                dict::write(&dir, &files)
            }
        })()),
        Cmd::FuzzSmoke { seconds, targets, sanitizer, json } => {
            report(fuzz_smoke::run(&root, &fuzz_smoke::Options { seconds, targets, sanitizer, json }))
        }
        Cmd::FuzzCampaign { cpu_minutes, jobs, dir, targets, sanitizer } => {
            let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let dir = dir.unwrap_or_else(|| root.join("target/fuzz-campaign"));
            report(fuzz_campaign::run(&root, &fuzz_campaign::Options { cpu_minutes, jobs, dir, targets, sanitizer }))
        }
        Cmd::Cmin { targets, from } => report(cmin::run(&root, &cmin::Options { targets, from })),
        Cmd::FuzzCoverage { targets, llvm_path, corpus, out } => {
            report(fuzz_coverage::run(&root, &fuzz_coverage::Options { targets, llvm_path, corpus, out }))
        }
        Cmd::BenchReport { benches, quick, warm_up_time, measurement_time, sample_size, no_run, out } => {
            let opts =
                bench_report::Options { benches, quick, warm_up_time, measurement_time, sample_size, no_run, out };
            report(bench_report::run(&root, &opts))
        }
    }
}
