//! libFuzzer dictionaries from the spec: `fuzz/dict/<target>.dict` for every fuzz target.
//!
//! The spec's constants are harvested into *parts* (command headers, INS bytes, AIDs, FIDs,
//! BER and SIMPLE-TLV tags, status words, OIDs, secure-channel constants, JSON keys and ids);
//! each target's dictionary is the union of the parts [`parts_for`] picks from its name, so
//! a target added to `fuzz/Cargo.toml` gets a dictionary without editing this file.
//!
//! Harvesting reads the spec's JSON by field name rather than through the typed loader, so
//! a section another file adds (`spec/tsm/…`, `spec/gp/…`) contributes as soon as it uses
//! the field names the rest of the spec uses (`ins`, `header`, `aid`, `fid`, `tag`, `sw`,
//! `oid`, …). Examples are skipped: they are seeds, not vocabulary.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A family of dictionary entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    /// CLA INS P1 P2 of every command (pattern bits `x` as 0).
    Headers,
    /// Instruction bytes.
    Ins,
    /// Application identifiers.
    Aids,
    /// File identifiers.
    Fids,
    /// BER-TLV tags, as encoded (multi-byte tags whole).
    Tags,
    /// SIMPLE-TLV tags.
    SimpleTags,
    /// Status words (pattern nibbles `x` as 0).
    StatusWords,
    /// Object identifiers as DER (`06 len content`).
    Oids,
    /// Any short hex constant of the GlobalPlatform and TSM specs (SPI, KIc, KID, TAR, key
    /// versions, tags of their own).
    SecureChannel,
    /// JSON keys and the ids (messages, states, events, rules) of flows and traces.
    Json,
}

impl Part {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Headers => "command headers",
            Self::Ins => "INS bytes",
            Self::Aids => "AIDs",
            Self::Fids => "FIDs",
            Self::Tags => "BER-TLV tags",
            Self::SimpleTags => "SIMPLE-TLV tags",
            Self::StatusWords => "status words",
            Self::Oids => "OIDs (DER)",
            Self::SecureChannel => "GP/TSM constants",
            Self::Json => "JSON keys and ids",
        }
    }
}

use Part::*;

/// Everything a byte-level target of the codec may meet.
const BINARY: &[Part] = &[Headers, Ins, Aids, Fids, Tags, SimpleTags, StatusWords, Oids, SecureChannel];
const CAPDU: &[Part] = &[Headers, Ins, Aids, Fids, Tags];
const SESSION: &[Part] = &[Headers, Ins, Aids, Fids, StatusWords];
const PKI: &[Part] = &[Oids, Tags];
const SECURE_CHANNEL: &[Part] = &[SecureChannel, Headers, Ins, Aids, Tags, StatusWords];
const JSON: &[Part] = &[Json, Headers, StatusWords, Aids];

/// Targets known by name, then rules over the words of a name (split at `_`), then
/// [`BINARY`]. Returns the rule that matched (for the file's header) and the parts.
pub fn parts_for(target: &str) -> (&'static str, &'static [Part]) {
    let exact: &[(&str, &[Part])] = &[
        ("capdu", CAPDU),
        ("rapdu", &[StatusWords, Tags]),
        ("ber_tlv", &[Tags, Oids]),
        ("simple_tlv", &[SimpleTags, Tags]),
        ("ef", &[Tags, SimpleTags, Aids, Fids, Oids]),
        ("client", &[StatusWords, Tags, Fids, Aids]),
    ];
    if let Some((_, parts)) = exact.iter().find(|(name, _)| *name == target) {
        return ("by name", parts);
    }
    let words: Vec<&str> = target.split('_').collect();
    let any = |prefixes: &[&str]| words.iter().any(|w| prefixes.iter().any(|p| w.starts_with(p)));
    if any(&["trace", "scheme", "flow", "json", "message", "tsm"]) {
        ("a trace or message target", JSON)
    } else if any(&["scp", "gp", "remote", "ota", "sms", "cat", "uicc"]) {
        ("a secure-channel target", SECURE_CHANNEL)
    } else if any(&["cert", "certificate", "chain", "cv", "signature", "integrity", "pki", "crl", "x509"]) {
        ("a certificate target", PKI)
    } else if any(&["card", "model", "session", "virtual", "sim"]) {
        ("a card session target", SESSION)
    } else if any(&["capdu", "apdu", "command"]) {
        ("a command target", CAPDU)
    } else {
        ("default", BINARY)
    }
}

/// One dictionary entry: a readable name and the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// libFuzzer refuses a dictionary whose entry is longer than this (`Word::GetMaxSize`).
pub const MAX_ENTRY: usize = 64;

/// The spec's constants, by part, in spec order.
#[derive(Debug, Default)]
pub struct Harvest {
    pub parts: BTreeMap<Part, Vec<Entry>>,
    /// The spec files read, relative to the spec folder.
    pub files: Vec<String>,
}

impl Harvest {
    fn add(&mut self, part: Part, name: String, bytes: Vec<u8>) {
        if bytes.is_empty() || bytes.len() > MAX_ENTRY {
            return;
        }
        let list = self.parts.entry(part).or_default();
        if !list.iter().any(|e| e.bytes == bytes) {
            list.push(Entry { name: clean_name(&name), bytes });
        }
    }
}

fn clean_name(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    s.trim_matches('_').to_string()
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    Ok(())
}

/// Exactly hex digits, an even number of them (spaces allowed for readability).
fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| *c != ' ').collect();
    if compact.is_empty() || !compact.len().is_multiple_of(2) || !compact.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    hex::decode(compact).ok()
}

/// `"0C"` → 0x0C; `"100xxxxx"` → 0x80 (bits left open by the pattern taken as 0).
fn header_byte(text: &str) -> Option<u8> {
    if text.len() == 8 && text.chars().all(|c| matches!(c, '0' | '1' | 'x' | 'X')) {
        return Some(text.chars().fold(0u8, |acc, c| (acc << 1) | u8::from(c == '1')));
    }
    match hex_bytes(text)?.as_slice() {
        [b] => Some(*b),
        _ => None,
    }
}

/// `"63Cx"` → `63 C0`: a status word, its parameter nibbles as 0.
fn status_word(text: &str) -> Option<Vec<u8>> {
    if text.len() != 4 || !text.chars().all(|c| c.is_ascii_hexdigit() || c == 'x' || c == 'X') {
        return None;
    }
    hex_bytes(&text.replace(['x', 'X'], "0"))
}

/// Where a spec file's constants go beyond the field-name rules.
#[derive(Clone, Copy)]
struct FileKind {
    /// GlobalPlatform, TSM, SCP80: every short hex constant is vocabulary.
    secure_channel: bool,
    /// Flows, traces and their schemas: keys and ids are vocabulary.
    json: bool,
}

fn file_kind(rel: &str) -> FileKind {
    let lower = rel.to_ascii_lowercase();
    let first = lower.split('/').next().unwrap_or_default();
    let name = lower.rsplit('/').next().unwrap_or_default();
    FileKind {
        secure_channel: matches!(first, "gp" | "tsm" | "scp" | "ota")
            || ["scp", "gp_", "ota", "remote"].iter().any(|w| name.contains(w)),
        json: matches!(first, "flow" | "trace" | "tsm") || name.contains("trace") || name.contains("schema"),
    }
}

/// Sections of test data: examples, vectors, recorded traces. They are seeds (or tests), not
/// vocabulary: a 16-byte test key or a whole packet would only crowd the dictionary.
const TEST_DATA: &[&str] = &["examples", "vectors", "test_vectors", "traces"];

/// Fields whose strings are prose, bookkeeping or free-form text (an APDU entry's `layout`,
/// a class `pattern`), never vocabulary.
const PROSE: &[&str] = &[
    "source",
    "note",
    "name",
    "title",
    "description",
    "confidence",
    "meaning",
    "validity",
    "spec",
    "hex",
    "$schema",
    "$id",
    "$comment",
    "pattern",
    "layout",
];

/// A string a flow or trace would carry as a key or an id: short, one word.
fn is_identifier(s: &str) -> bool {
    (1..=48).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':' | '/' | '*'))
}

struct Walker<'a> {
    out: &'a mut Harvest,
    instructions: &'a BTreeMap<String, u8>,
    kind: FileKind,
}

impl Walker<'_> {
    fn value(&mut self, v: &Value, key: &str, owner: &str) {
        match v {
            Value::Object(map) => self.object(map, owner),
            Value::Array(items) => {
                for item in items {
                    // Enumerations of a schema are the values a trace line may carry.
                    if key == "enum" || key == "required" || key == "const" {
                        if let Some(s) = item.as_str() {
                            self.json_string(s, key);
                        }
                    }
                    self.value(item, key, owner);
                }
            }
            Value::String(s) => self.string(s, key, owner),
            _ => {}
        }
    }

    fn object(&mut self, map: &Map<String, Value>, owner: &str) {
        let id = map.get("id").and_then(Value::as_str).unwrap_or(owner).to_string();
        if let Some(Value::Object(h)) = map.get("header") {
            let byte = |k: &str| h.get(k).and_then(Value::as_str).and_then(header_byte);
            // The INS in the header itself, or through the command's instruction id.
            let by_id = map.get("instruction").and_then(Value::as_str).and_then(|i| self.instructions.get(i).copied());
            if let (Some(cla), Some(ins), Some(p1), Some(p2)) =
                (byte("cla"), byte("ins").or(by_id), byte("p1"), byte("p2"))
            {
                self.out.add(Headers, format!("hdr_{id}"), vec![cla, ins, p1, p2]);
            }
        }
        for (key, v) in map {
            if TEST_DATA.contains(&key.as_str()) {
                continue;
            }
            if self.kind.json {
                // `properties` of a JSON Schema: the keys a trace line has.
                if key == "properties" {
                    if let Value::Object(props) = v {
                        for k in props.keys() {
                            self.json_key(k);
                        }
                    }
                }
                if !key.starts_with('$') && is_identifier(key) && owner != "<schema>" && !PROSE.contains(&key.as_str())
                {
                    self.json_key(key);
                }
            }
            self.value(v, key, &id);
        }
    }

    fn string(&mut self, s: &str, key: &str, owner: &str) {
        // `ins.select` names itself; `ap.jpki`'s AID becomes `aid_ap_jpki`.
        let named = |what: &str| {
            if owner.starts_with(&format!("{what}.")) || owner.starts_with(&format!("{what}_")) {
                owner.to_string()
            } else {
                format!("{what}_{owner}")
            }
        };
        match key {
            "ins" => {
                if let Some(b) = hex_bytes(s).filter(|b| b.len() == 1) {
                    self.out.add(Ins, named("ins"), b);
                }
            }
            "aid" => {
                if let Some(b) = hex_bytes(s).filter(|b| (5..=16).contains(&b.len())) {
                    self.out.add(Aids, named("aid"), b);
                }
            }
            "fid" => {
                if let Some(b) = hex_bytes(s).filter(|b| b.len() == 2) {
                    self.out.add(Fids, named("fid"), b);
                }
            }
            "tag" | "der" => {
                if let Some(b) = hex_bytes(s).filter(|b| b.len() <= 4) {
                    self.out.add(Tags, format!("tag_{s}"), b);
                }
            }
            "stag" => {
                if let Some(b) = hex_bytes(s).filter(|b| b.len() == 1) {
                    self.out.add(SimpleTags, format!("stag_{s}"), b);
                }
            }
            "sw" => {
                if let Some(b) = status_word(s) {
                    self.out.add(StatusWords, named("sw"), b);
                }
            }
            "oid" => {
                if let Some(content) = crate::spec::oid_der(s).filter(|c| c.len() < 128) {
                    let len = u8::try_from(content.len()).unwrap_or(0);
                    self.out.add(Oids, named("oid"), [&[0x06, len][..], &content].concat());
                }
            }
            _ => {}
        }
        if self.kind.secure_channel && !PROSE.contains(&key) {
            if let Some(b) = hex_bytes(s).filter(|b| b.len() <= 16) {
                self.out.add(SecureChannel, format!("{owner}_{key}"), b);
            }
        }
        if self.kind.json && !PROSE.contains(&key) {
            self.json_string(s, key);
        }
    }

    fn json_key(&mut self, key: &str) {
        self.out.add(Json, format!("key_{key}"), format!("\"{key}\":").into_bytes());
    }

    fn json_string(&mut self, s: &str, key: &str) {
        if is_identifier(s) {
            self.out.add(Json, format!("{key}_{s}"), format!("\"{s}\"").into_bytes());
        }
    }
}

/// Reads every JSON file under `spec_dir` (spec documents and schemas alike).
pub fn harvest(spec_dir: &Path) -> Result<Harvest, String> {
    let mut paths = Vec::new();
    json_files(spec_dir, &mut paths)?;
    let mut docs = Vec::new();
    for p in paths {
        let rel = p.strip_prefix(spec_dir).unwrap_or(&p).to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let value: Value = serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", p.display()))?;
        docs.push((rel, value));
    }
    Ok(harvest_documents(&docs))
}

/// [`harvest`] over documents already read: `(path relative to the spec folder, JSON)`.
pub fn harvest_documents(docs: &[(String, Value)]) -> Harvest {
    // Commands name their instruction by id; the byte is in the instruction's entry.
    let mut instructions = BTreeMap::new();
    for (_, doc) in docs {
        for entry in doc.get("instructions").and_then(Value::as_array).into_iter().flatten() {
            let id = entry.get("id").and_then(Value::as_str);
            let ins = entry.get("ins").and_then(Value::as_str).and_then(header_byte);
            if let (Some(id), Some(ins)) = (id, ins) {
                instructions.insert(id.to_string(), ins);
            }
        }
    }
    let mut out = Harvest::default();
    for (rel, doc) in docs {
        out.files.push(rel.clone());
        let kind = file_kind(rel);
        let owner = if doc.get("$schema").is_some() || rel.contains("schema") { "<schema>" } else { "" };
        let mut w = Walker { out: &mut out, instructions: &instructions, kind };
        w.value(doc, "", owner);
    }
    if out.parts.contains_key(&Json) {
        // JSON's own tokens, for targets that read JSON text.
        for (name, tok) in [
            ("open", "{"),
            ("close", "}"),
            ("colon", ":"),
            ("comma", ","),
            ("true", "true"),
            ("false", "false"),
            ("null", "null"),
        ] {
            out.add(Json, format!("json_{name}"), tok.as_bytes().to_vec());
        }
    }
    out
}

/// `\xNN` for every byte that is not printable ASCII, and for `"` and `\`.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 4);
    for &b in bytes {
        if (0x20..0x7F).contains(&b) && b != b'"' && b != b'\\' {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("\\x{b:02X}"));
        }
    }
    s
}

/// The dictionary file of one target.
pub fn render(target: &str, harvest: &Harvest) -> String {
    let (rule, parts) = parts_for(target);
    let mut out = format!(
        "# libFuzzer dictionary of the `{target}` fuzz target ({rule}): {}.\n\
         # Generated by `cargo xtask dict` from spec/; do not edit (xtask/src/dict.rs).\n",
        parts.iter().map(|p| p.describe()).collect::<Vec<_>>().join(", ")
    );
    let mut seen = BTreeSet::new();
    for part in parts {
        let entries = harvest.parts.get(part).map(Vec::as_slice).unwrap_or_default();
        let fresh: Vec<&Entry> = entries.iter().filter(|e| seen.insert(e.bytes.clone())).collect();
        if fresh.is_empty() {
            continue;
        }
        out.push_str(&format!("\n# {}\n", part.describe()));
        for e in fresh {
            out.push_str(&format!("{}=\"{}\"\n", e.name, escape(&e.bytes)));
        }
    }
    out
}

/// Every target's dictionary: `(file name, text)`.
pub fn generate(spec_dir: &Path, targets: &[String]) -> Result<Vec<(String, String)>, String> {
    let harvest = harvest(spec_dir)?;
    Ok(targets.iter().map(|t| (format!("{t}.dict"), render(t, &harvest))).collect())
}

/// The marker of a file this module wrote (and so may delete when its target is gone).
const GENERATED: &str = "# Generated by `cargo xtask dict`";

fn ours(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "dict")
        && std::fs::read_to_string(path).is_ok_and(|t| t.lines().nth(1).is_some_and(|l| l.starts_with(GENERATED)))
}

fn stale(dir: &Path, files: &[(String, String)]) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| ours(p))
        .filter(|p| !files.iter().any(|(name, _)| p.file_name().is_some_and(|n| n == name.as_str())))
        .collect();
    out.sort();
    out
}

/// Writes the dictionaries into `dir`, removing those of targets that no longer exist.
pub fn write(dir: &Path, files: &[(String, String)]) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut changed = 0;
    for (name, text) in files {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            changed += 1;
        }
    }
    let old = stale(dir, files);
    for p in &old {
        std::fs::remove_file(p).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(format!("{} dictionaries in {} ({changed} changed, {} removed)", files.len(), dir.display(), old.len()))
}

/// Fails, naming each file, if `dir` differs from what [`write`] would leave.
pub fn check(dir: &Path, files: &[(String, String)]) -> Result<String, String> {
    let mut problems = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(t) if &t == text => {}
            Ok(_) => problems.push(format!("{} is out of date", path.display())),
            Err(_) => problems.push(format!("{} is missing", path.display())),
        }
    }
    problems.extend(stale(dir, files).iter().map(|p| format!("{} belongs to no fuzz target", p.display())));
    if problems.is_empty() {
        Ok(format!("{} dictionaries in {} are fresh", files.len(), dir.display()))
    } else {
        Err(format!("{}\nrun `cargo xtask dict`", problems.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// libFuzzer's own reading of a dictionary line (`ParseOneDictionaryEntry`): the value
    /// between the first and the last quote, with `\\`, `\"` and `\xNN` escapes.
    fn parse_line(line: &str) -> Option<Vec<u8>> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let (start, end) = (line.find('"')?, line.rfind('"')?);
        assert!(end > start, "unterminated entry: {line}");
        let body = &line.as_bytes()[start + 1..end];
        let mut out = Vec::new();
        let mut i = 0;
        while i < body.len() {
            if body[i] == b'\\' {
                match body[i + 1] {
                    b'\\' | b'"' => {
                        out.push(body[i + 1]);
                        i += 2;
                    }
                    b'x' => {
                        let hex = std::str::from_utf8(&body[i + 2..i + 4]).unwrap();
                        out.push(u8::from_str_radix(hex, 16).unwrap());
                        i += 4;
                    }
                    other => panic!("bad escape \\{} in {line}", char::from(other)),
                }
            } else {
                assert!((0x20..0x7F).contains(&body[i]), "unescaped byte {:#x} in {line}", body[i]);
                out.push(body[i]);
                i += 1;
            }
        }
        Some(out)
    }

    fn entries(text: &str) -> Vec<Vec<u8>> {
        text.lines().filter_map(parse_line).collect()
    }

    #[test]
    fn escaping_round_trips_through_libfuzzers_reading() {
        let bytes: Vec<u8> = (0..=255).collect();
        let line = format!("all=\"{}\"", escape(&bytes));
        assert_eq!(parse_line(&line).unwrap(), bytes);
        assert_eq!(escape(b"A\"\\\x00\xA4"), "A\\x22\\x5C\\x00\\xA4");
    }

    #[test]
    fn patterns_and_status_words() {
        assert_eq!(header_byte("0C"), Some(0x0C));
        assert_eq!(header_byte("100xxxxx"), Some(0x80));
        assert_eq!(header_byte("x"), None);
        assert_eq!(status_word("63Cx"), Some(vec![0x63, 0xC0]));
        assert_eq!(status_word("6Cxx"), Some(vec![0x6C, 0x00]));
        assert_eq!(status_word("sw.success"), None);
    }

    fn sample() -> Vec<(String, Value)> {
        vec![
            (
                "apdu/a.json".into(),
                json!({ "spec": "hanko/1", "title": "t", "description": "d",
                    "instructions": [ { "id": "ins.select", "ins": "A4", "name": "SELECT" } ],
                    "status_words": [ { "id": "sw.tries", "sw": "63Cx", "meaning": "x tries" }, { "id": "sw.bad", "sw": "sw.nope" } ],
                    "commands": [ { "id": "c.select", "instruction": "ins.select",
                        "header": { "cla": "00", "p1": "04", "p2": "0C" },
                        "responses": [ { "sw": "sw.tries" } ],
                        "examples": [ { "hex": "00A4040C05D392F00026", "decoded": { "aid": "D392F00026", "fid": "0099" } } ] } ],
                    "applications": [ { "id": "ap.x", "aid": "D392F000260100000001" } ],
                    "files": [ { "id": "f.a", "fid": "0017", "layout": [ { "name": "n", "tag": "DF22" }, { "name": "s", "stag": "01" } ] } ],
                    "oids": [ { "id": "oid.rsa", "oid": "1.2.840.113549" } ] }),
            ),
            (
                "tsm/scp80.json".into(),
                json!({ "spec": "hanko/1", "messages": [ { "id": "tsm.install", "spi": "1621", "kic": "12", "note": "ABCD" } ] }),
            ),
            (
                "trace.schema.json".into(),
                json!({ "$schema": "x", "properties": { "seq": {}, "capdu": {}, "link": { "enum": ["pcsc", "nfc"] } } }),
            ),
        ]
    }

    #[test]
    fn harvests_every_part_from_field_names() {
        let h = harvest_documents(&sample());
        let bytes = |p: Part| {
            h.parts.get(&p).map(|v| v.iter().map(|e| e.bytes.clone()).collect::<Vec<_>>()).unwrap_or_default()
        };
        assert_eq!(bytes(Headers), [vec![0x00, 0xA4, 0x04, 0x0C]]);
        assert_eq!(bytes(Ins), [vec![0xA4]]);
        assert_eq!(bytes(StatusWords), [vec![0x63, 0xC0]], "ids of status words are not status words");
        assert_eq!(bytes(Aids), [hex::decode("D392F000260100000001").unwrap()], "examples are not vocabulary");
        assert_eq!(bytes(Fids), [vec![0x00, 0x17]]);
        assert_eq!(bytes(Tags), [vec![0xDF, 0x22]]);
        assert_eq!(bytes(SimpleTags), [vec![0x01]]);
        assert_eq!(bytes(Oids), [vec![0x06, 0x06, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D]]);
        assert_eq!(bytes(SecureChannel), [vec![0x16, 0x21], vec![0x12]], "notes are prose");
        let json = bytes(Json);
        for want in ["\"seq\":", "\"capdu\":", "\"pcsc\"", "\"nfc\"", "\"tsm.install\"", "{"] {
            assert!(json.contains(&want.as_bytes().to_vec()), "{want} missing from {json:?}");
        }
    }

    #[test]
    fn rendered_dictionaries_parse_and_hold_their_parts() {
        let h = harvest_documents(&sample());
        let capdu = entries(&render("capdu", &h));
        assert!(capdu.contains(&vec![0x00, 0xA4, 0x04, 0x0C]));
        assert!(capdu.contains(&vec![0xDF, 0x22]));
        assert!(!capdu.contains(&vec![0x63, 0xC0]), "capdu has no status words");
        let scp = entries(&render("scp80_command", &h));
        assert!(scp.contains(&vec![0x16, 0x21]));
        let trace = entries(&render("trace_line", &h));
        assert!(trace.contains(&b"\"seq\":".to_vec()));
        for text in [render("capdu", &h), render("unknown_thing", &h)] {
            let all = entries(&text);
            let unique: BTreeSet<_> = all.iter().collect();
            assert_eq!(unique.len(), all.len(), "duplicate entries in\n{text}");
            assert!(all.iter().all(|e| !e.is_empty() && e.len() <= MAX_ENTRY));
        }
    }

    #[test]
    fn new_targets_get_a_dictionary_by_their_name() {
        assert_eq!(parts_for("scp80_response").1, SECURE_CHANNEL);
        assert_eq!(parts_for("remote_apdu").1, SECURE_CHANNEL);
        assert_eq!(parts_for("gp_card_manager").1, SECURE_CHANNEL);
        assert_eq!(parts_for("trace").1, JSON);
        assert_eq!(parts_for("scheme3_model").1, JSON);
        assert_eq!(parts_for("cv_certificate").1, PKI);
        assert_eq!(parts_for("card_model").1, SESSION);
        assert_eq!(parts_for("something_new").1, BINARY);
    }

    #[test]
    fn hankos_own_spec_gives_the_expected_constants() {
        let h = harvest(&crate::repo_root().join("spec")).expect("spec/ reads");
        let dict = entries(&render("capdu", &h));
        // SELECT by DF name (00 A4 04 0C), the JPKI AP's AID, EF 0018 (a JPKI file).
        for want in [&[0x00, 0xA4, 0x04, 0x0C][..], &hex::decode("D392F000260100000001").unwrap(), &[0x00, 0x18]] {
            assert!(dict.contains(&want.to_vec()), "{want:02X?} missing from the capdu dictionary");
        }
        assert!(entries(&render("rapdu", &h)).contains(&vec![0x90, 0x00]));
        assert!(entries(&render("certificate", &h)).iter().any(|e| e.first() == Some(&0x06)), "no OID");
    }
}
