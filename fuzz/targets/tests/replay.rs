//! Replays every committed corpus through its target, so that `cargo test` on stable
//! catches a regression that a fuzzer once found (or that a spec example shows) without
//! nightly or libFuzzer.

use std::path::PathBuf;

fn corpus_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus"))
}

#[test]
fn every_corpus_input_passes_its_target() {
    let mut failures = Vec::new();
    for (target, run) in hanko_fuzz_targets::TARGETS {
        let dir = corpus_root().join(target);
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect(),
            Err(e) => {
                failures.push(format!("{target}: no corpus at {} ({e}); run `cargo xtask corpus`", dir.display()));
                continue;
            }
        };
        if paths.is_empty() {
            failures.push(format!("{target}: {} is empty; run `cargo xtask corpus`", dir.display()));
            continue;
        }
        paths.sort();
        for path in paths {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // One failing input must not hide the others: report them all at once.
            if let Err(panic) = std::panic::catch_unwind(|| run(&bytes)) {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                failures.push(format!("{target} {}: {msg}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_target_has_a_cargo_fuzz_binary() {
    let bins = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz_targets"));
    let names: Vec<&str> = hanko_fuzz_targets::TARGETS.iter().map(|(n, _)| *n).collect();
    let seeded: Vec<&str> = xtask::corpus::TARGETS
        .iter()
        .chain(&xtask::corpus::PKI_TARGETS)
        .chain(&xtask::corpus::CARD_TARGETS)
        .chain(&xtask::corpus::GP_CARD_TARGETS)
        .chain(&xtask::corpus::TRACE_TARGETS)
        .chain(&xtask::corpus::OTA_TARGETS)
        .chain(&xtask::corpus::MESSAGE_TARGETS)
        .chain(&xtask::corpus::STRUCTURED_TARGETS)
        .copied()
        .collect();
    assert_eq!(names, seeded, "the corpus writer and the targets list different targets");
    for name in names {
        let path = bins.join(format!("{name}.rs"));
        assert!(path.is_file(), "{} is missing", path.display());
    }
}
