//! The fuzz targets and criterion suites, read from the manifests that declare them
//! (`[[bin]]` in `fuzz/Cargo.toml`, `[[bench]]` in `benches/Cargo.toml`). Every tool that
//! runs "all targets" or "all benches" asks here, so a target or bench added to its
//! manifest is picked up without editing a list.

use std::path::Path;

/// The `name` of every `[[<section>]]` table of a Cargo manifest, in file order.
///
/// A line reader, not a TOML parser: it understands the layout `cargo fuzz add` and
/// hand-written manifests use (`[[bin]]` on its own line, `name = "…"` on a later one
/// before the next table), which is all these two manifests hold.
pub fn array_table_names(manifest: &str, section: &str) -> Vec<String> {
    let header = format!("[[{section}]]");
    let mut names = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.starts_with('[') {
            inside = line == header;
            continue;
        }
        if !inside {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        if key.trim() == "name" {
            let value = value.trim();
            if let Some(name) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                names.push(name.to_string());
                inside = false;
            }
        }
    }
    names
}

fn read_names(path: &Path, section: &str) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let names = array_table_names(&text, section);
    if names.is_empty() {
        return Err(format!("{} declares no [[{section}]]", path.display()));
    }
    Ok(names)
}

/// Every cargo-fuzz target of the repository at `root`.
pub fn fuzz_targets(root: &Path) -> Result<Vec<String>, String> {
    read_names(&root.join("fuzz/Cargo.toml"), "bin")
}

/// Every criterion suite of the repository at `root`.
pub fn bench_suites(root: &Path) -> Result<Vec<String>, String> {
    read_names(&root.join("benches/Cargo.toml"), "bench")
}

/// `wanted` (from `--targets a,b`) checked against `all`; every target when empty.
pub fn select(all: &[String], wanted: &[String], what: &str) -> Result<Vec<String>, String> {
    if wanted.is_empty() {
        return Ok(all.to_vec());
    }
    match wanted.iter().find(|w| !all.contains(w)) {
        Some(unknown) => Err(format!("no {what} named {unknown}; known: {}", all.join(", "))),
        None => Ok(wanted.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_of_the_wanted_tables_only() {
        let manifest = r#"
[package]
name = "hanko-fuzz"

[[bin]]
name = "capdu"   # a comment
path = "fuzz_targets/capdu.rs"

[dependencies]
name = "not a target"

[[bench]]
name = "apdu"

[[bin]]
path = "fuzz_targets/ef.rs"
name = "ef"
"#;
        assert_eq!(array_table_names(manifest, "bin"), ["capdu", "ef"]);
        assert_eq!(array_table_names(manifest, "bench"), ["apdu"]);
        assert!(array_table_names(manifest, "test").is_empty());
    }

    #[test]
    fn the_repository_manifests_agree_with_the_files() {
        let root = crate::repo_root();
        for t in fuzz_targets(&root).expect("fuzz/Cargo.toml") {
            assert!(root.join(format!("fuzz/fuzz_targets/{t}.rs")).is_file(), "fuzz target {t} has no source");
        }
        for b in bench_suites(&root).expect("benches/Cargo.toml") {
            assert!(root.join(format!("benches/benches/{b}.rs")).is_file(), "bench {b} has no source");
        }
    }

    #[test]
    fn selection_refuses_unknown_names() {
        let all = vec!["a".to_string(), "b".to_string()];
        assert_eq!(select(&all, &[], "target").unwrap(), all);
        assert_eq!(select(&all, &["b".into()], "target").unwrap(), ["b"]);
        assert!(select(&all, &["c".into()], "target").unwrap_err().contains("no target named c"));
    }
}
