//! `cargo xtask …`: validate the spec, generate code, build corpora.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use xtask::{codegen, corpus, repo_root, spec::Spec, validate};

#[derive(Parser)]
#[command(name = "xtask", about = "hanko's spec tooling")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
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
                    Ok(Some(pki)) => if check { codegen::check(&pki, &pki_out) } else { codegen::write(&pki, &pki_out) }
                        .map(|d| format!("{}\n{d}", result.unwrap_or_default())),
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
    }
}
