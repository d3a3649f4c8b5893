//! Checks the "Target matrix" of `fuzz/README.md` against the spec and the targets: every
//! format the spec defines has a row; every cell names targets that exist (or says `n/a` and
//! why); a format a spec interpreter reads has a differential target; every cargo-fuzz binary
//! is in the matrix; and the structure-aware targets reach every entry of their format.

use arbitrary::Arbitrary;
use hanko_codec::generated::layouts::DataLayout;
use hanko_fuzz_targets::structured::CASES;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Formats whose bytes a spec interpreter decodes (`xtask::interp` or `xtask::messages`):
/// their column (d) must name a target.
const INTERPRETED: &[&str] = &[
    "capdu",
    "rapdu",
    "ber-tlv",
    "simple-tlv",
    "ef",
    "gp-layout",
    "gp-value",
    "cv-certificate",
    "integrity-record",
    "tsm-message",
];

/// The `[[bin]]` names of `fuzz/Cargo.toml`.
fn bins() -> BTreeSet<String> {
    let text = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let mut out = BTreeSet::new();
    let mut in_bin = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin {
            if let Some(name) = line.strip_prefix("name = \"").and_then(|r| r.strip_suffix('"')) {
                out.insert(name.to_owned());
            }
        }
    }
    out
}

/// The code spans of a table cell.
fn spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

fn is_target_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The tables of the README's "Target matrix" section, each as rows of cells (header and
/// separator dropped), keyed by the header's first cell.
fn matrix_tables() -> BTreeMap<String, Vec<Vec<String>>> {
    let readme = std::fs::read_to_string(fuzz_dir().join("README.md")).expect("fuzz/README.md");
    let start = readme.find("\n## Target matrix\n").expect("fuzz/README.md has a section \"Target matrix\"");
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut tables = BTreeMap::new();
    let mut current: Option<(String, Vec<Vec<String>>)> = None;
    for line in section.lines() {
        if !line.starts_with('|') {
            if let Some((k, rows)) = current.take() {
                tables.insert(k, rows);
            }
            continue;
        }
        let cells: Vec<String> = line.trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect();
        match &mut current {
            None => current = Some((cells[0].clone(), Vec::new())),
            Some(_) if cells.iter().all(|c| c.chars().all(|ch| ch == '-' || ch == ':')) => {}
            Some((_, rows)) => rows.push(cells),
        }
    }
    if let Some((k, rows)) = current {
        tables.insert(k, rows);
    }
    tables
}

/// A cell is either `n/a: <why>` or names at least one target, every one of which exists.
fn check_cell(row: &str, column: &str, cell: &str, bins: &BTreeSet<String>, problems: &mut Vec<String>) -> Vec<String> {
    if let Some(why) = cell.strip_prefix("n/a") {
        if why.trim_start_matches(':').trim().len() < 10 {
            problems.push(format!("{row} ({column}): `n/a` needs a reason"));
        }
        return Vec::new();
    }
    let targets: Vec<String> = spans(cell).into_iter().filter(|s| is_target_name(s)).map(str::to_owned).collect();
    if targets.is_empty() {
        problems.push(format!("{row} ({column}): names no target and gives no `n/a` reason"));
    }
    for t in &targets {
        if !bins.contains(t) {
            problems.push(format!("{row} ({column}): `{t}` is not a [[bin]] of fuzz/Cargo.toml"));
        }
    }
    targets
}

/// What the spec asks the matrix for: format rows and state-machine rows, each with the spec
/// part that asks. Every section of every spec file must be accounted for here, so that a
/// new kind of entry cannot go unfuzzed unnoticed.
fn required(spec: &xtask::spec::Spec) -> (BTreeMap<String, String>, BTreeMap<String, String>, Vec<String>) {
    let mut formats = BTreeMap::new();
    let mut machines = BTreeMap::new();
    let mut unknown = Vec::new();
    for l in &spec.files {
        let Some(obj) = l.raw.as_object() else { continue };
        for (section, value) in obj {
            let Some(entries) = value.as_array().filter(|a| !a.is_empty()) else { continue };
            let at = format!("{}#/{section}", l.display);
            let ids = entries.iter().map(|e| e.get("id").and_then(|v| v.as_str()).unwrap_or(""));
            let mut format = |key: &str| {
                formats.entry(key.to_owned()).or_insert_with(|| at.clone());
            };
            match section.as_str() {
                "apdu" => {
                    for id in ids {
                        format(if id == "apdu.response" { "rapdu" } else { "capdu" });
                    }
                }
                "class" | "instructions" | "applications" => format("capdu"),
                "commands" => {
                    format("capdu");
                    if ids.clone().any(|id| id.contains("compute_signature")) {
                        format("signature");
                    }
                }
                "status_words" => format("rapdu"),
                "tlv" => {
                    for id in ids {
                        format(if id == "tlv.simple" { "simple-tlv" } else { "ber-tlv" });
                    }
                }
                "tags" => format("ber-tlv"),
                "files" => {
                    for e in entries.iter().filter(|e| e.get("kind").and_then(|k| k.as_str()) == Some("data")) {
                        format("ef");
                        let id = e.get("id").and_then(|v| v.as_str()).unwrap_or("");
                        if id.ends_with("cv_certificate") {
                            format("cv-certificate");
                        }
                        if id.ends_with(".integrity") {
                            format("integrity-record");
                        }
                    }
                }
                "oids" | "certificate_profiles" => format("certificate"),
                "types" => format("gp-value"),
                "data_layouts" => format("gp-layout"),
                "scp80" | "remote_apdu" | "scp81" => {
                    for e in entries {
                        if let Some(f) = e.get("format").and_then(|v| v.as_str()) {
                            format(f);
                        }
                    }
                }
                "message_text" | "message_types" | "messages" => format("tsm-message"),
                "flow_messages" => format("trace-line"),
                "card_rules" | "profiles" => {
                    machines.entry("card".to_owned()).or_insert_with(|| at.clone());
                }
                "flow" => {
                    for id in ids {
                        machines.entry(id.to_owned()).or_insert_with(|| at.clone());
                    }
                }
                // Parts of a flow, which the flow's row covers.
                "actors" | "events" | "guards" | "machines" | "properties" | "traces" => {}
                _ => unknown.push(format!("{at}: a section the matrix test does not know; map it to a format row")),
            }
        }
    }
    if xtask::repo_root().join("spec/trace/trace.schema.json").is_file() {
        formats.entry("trace-line".to_owned()).or_insert_with(|| "spec/trace/trace.schema.json".to_owned());
    }
    (formats, machines, unknown)
}

#[test]
fn the_matrix_covers_every_format_with_real_targets() {
    let spec = hanko_fuzz_targets::spec();
    let bins = bins();
    let tables = matrix_tables();
    let mut problems = Vec::new();
    let (formats, machines, unknown) = required(spec);
    problems.extend(unknown);
    let mut named = BTreeSet::new();

    let rows = tables.get("format").expect("the format table of the Target matrix");
    let mut seen = BTreeSet::new();
    for r in rows {
        assert_eq!(r.len(), 6, "a format row has six cells: {r:?}");
        let key = spans(&r[0]).first().map(|s| s.to_string()).unwrap_or_default();
        if !seen.insert(key.clone()) {
            problems.push(format!("format `{key}` has two rows"));
        }
        if !formats.contains_key(&key) {
            problems.push(format!("format `{key}`: nothing in the spec defines it (stale row?)"));
        }
        for (column, cell) in
            ["(a) parse", "(b) round trip", "(c) structure-aware", "(d) differential"].iter().zip(&r[2..])
        {
            let targets = check_cell(&key, column, cell, &bins, &mut problems);
            if column.starts_with("(d)") && INTERPRETED.contains(&key.as_str()) && targets.is_empty() {
                problems.push(format!("format `{key}`: an interpreter reads it, so (d) must name a target"));
            }
            named.extend(targets);
        }
    }
    for (key, at) in &formats {
        if !seen.contains(key) {
            problems.push(format!("format `{key}` ({at}) has no row in the Target matrix"));
        }
    }

    let rows = tables.get("state machine").expect("the state machine table of the Target matrix");
    let mut seen = BTreeSet::new();
    for r in rows {
        let key = spans(&r[0]).first().map(|s| s.to_string()).unwrap_or_default();
        seen.insert(key.clone());
        named.extend(check_cell(&key, "targets", &r[2], &bins, &mut problems));
    }
    for (key, at) in &machines {
        if !seen.contains(key) {
            problems.push(format!("state machine `{key}` ({at}) has no row in the Target matrix"));
        }
    }

    for b in &bins {
        if !named.contains(b) {
            problems.push(format!("target `{b}` appears nowhere in the Target matrix"));
        }
    }
    let listed: BTreeSet<String> = hanko_fuzz_targets::TARGETS.iter().map(|(n, _)| (*n).to_owned()).collect();
    if listed != bins {
        problems.push(format!(
            "fuzz/Cargo.toml and TARGETS differ: {:?}",
            listed.symmetric_difference(&bins).collect::<Vec<_>>()
        ));
    }
    let described: BTreeSet<String> = tables
        .get("target")
        .map(|rows| rows.iter().filter_map(|r| spans(&r[0]).first().map(|s| s.to_string())).collect())
        .unwrap_or_default();
    for (name, _) in CASES {
        if !described.contains(*name) {
            problems.push(format!("structure-aware target `{name}` is not described under the Target matrix"));
        }
    }
    assert!(problems.is_empty(), "{} problems with the Target matrix:\n{}", problems.len(), problems.join("\n"));
}

/// splitmix64, so the sample is the same on every run.
fn inputs(seed: u64, count: usize) -> impl Iterator<Item = Vec<u8>> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..count).map(move |_| {
        let len = 64 + (next() as usize % 4032);
        (0..len).map(|_| next() as u8).collect()
    })
}

/// The ids a structure-aware target reaches on a fixed sample of random inputs.
fn reached(target: &str, samples: usize) -> BTreeSet<&'static str> {
    let (_, case) = CASES.iter().find(|(n, _)| *n == target).unwrap_or_else(|| panic!("no structured target {target}"));
    inputs(0x6D61_7472_6978, samples).filter_map(|d| case(&d)).collect()
}

fn missing<'a>(want: impl IntoIterator<Item = &'a str>, got: &BTreeSet<&str>) -> Vec<&'a str> {
    want.into_iter().filter(|id| !got.contains(id)).collect()
}

/// Why an entry is out of reach of `arbitrary` today: its layout has a list of at least one
/// element, and the generated `Arbitrary` of a list (`List::arb`, codec/src/list.rs) borrows
/// raw fuzzer bytes and keeps them only if they already parse as such a list, which random
/// bytes practically never do. libFuzzer still gets there by coverage, as in byte-level fuzzing.
const LIST_GAP: &str = "a list of at least one element, which List::arb only takes from bytes that already form one";

/// Entries the structure-aware targets cannot reach, with the reason. The test fails when one
/// becomes reachable, so that this list only shrinks and the README's gaps stay true.
const UNREACHED: &[(&str, &str, &str)] = &[
    ("command_structured", "gp.put_key", LIST_GAP),
    ("gp_response", "gp.get_status_isd_response", LIST_GAP),
    ("gp_response", "gp.get_status_applications_response", LIST_GAP),
    ("gp_response", "gp.get_status_load_files_response", LIST_GAP),
    ("gp_response", "gp.key_information", LIST_GAP),
];

#[test]
fn the_structured_targets_reach_every_entry_of_their_format() {
    let spec = hanko_fuzz_targets::spec();
    let mut problems = Vec::new();
    let mut expect = |target: &str, want: Vec<&str>, got: BTreeSet<&str>| {
        let known = |id: &str| UNREACHED.iter().any(|(t, i, _)| *t == target && *i == id);
        let gaps: Vec<&str> = missing(want.iter().copied(), &got).into_iter().filter(|id| !known(id)).collect();
        if !gaps.is_empty() {
            problems.push(format!("{target} never reaches {gaps:?}"));
        }
        for (_, id, why) in UNREACHED.iter().filter(|(t, _, _)| *t == target) {
            if got.contains(id) {
                problems.push(format!("{target} now reaches {id}: drop it from UNREACHED ({why}) and from the README"));
            } else if !want.contains(id) {
                problems.push(format!("{target}: UNREACHED lists {id}, which the spec no longer has"));
            }
        }
    };
    expect(
        "command_structured",
        spec.commands().map(|(_, _, c)| c.common.id.as_str()).collect(),
        reached("command_structured", 20_000),
    );
    let files =
        spec.files_entries().filter(|(_, _, f)| f.kind == "data").map(|(_, _, f)| f.common.id.as_str()).collect();
    expect("file_structured", files, reached("file_structured", 3000));
    expect("typed_value", spec.types().map(|(_, _, t)| t.common.id.as_str()).collect(), reached("typed_value", 3000));
    let ota: Vec<&str> = spec.tsm_entries().into_iter().filter_map(|(_, _, f)| f).collect();
    expect("ota_structured", ota, reached("ota_structured", 3000));
    let messages = xtask::messages::message_entries(spec).into_iter().map(|m| m.entry.id.as_str()).collect();
    expect("tsm_structured", messages, reached("tsm_structured", 3000));
    expect(
        "pki_structured",
        vec!["certificate", "cv_certificate", "integrity", "signature"],
        reached("pki_structured", 3000),
    );
    for (target, id) in
        [("ber_structured", "tlv"), ("simple_tlv_structured", "simple-tlv"), ("trace_structured", "trace_line")]
    {
        expect(target, vec![id], reached(target, 100));
    }
    // gp_response's structured half is DataLayout's own Arbitrary.
    let layouts: BTreeSet<&str> = inputs(0x6C61_796F_7574, 20_000)
        .filter_map(|d| DataLayout::arbitrary_take_rest(arbitrary::Unstructured::new(&d)).ok().map(|l| l.id()))
        .collect();
    expect("gp_response", spec.data_layouts().map(|(_, _, e)| e.common.id.as_str()).collect(), layouts);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
