//! `spec/trace/trace.schema.json` and the trace reader agree: every trace the repo keeps
//! (`corpus/traces/`: recorded, simulated and imported sessions) is valid under the schema and
//! reads; the schema's names are the reader's; and on single lines, valid and broken, the
//! schema (judged by an independent validator) and the reader accept exactly the same.

use hanko_model::trace::{import, parse_line, parse_trace, write_line, Actor, Limits, Link};
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn schema() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| {
        let text = std::fs::read_to_string(root().join("spec/trace/trace.schema.json")).expect("the schema is there");
        serde_json::from_str(&text).expect("the schema is JSON")
    })
}

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| jsonschema::draft202012::new(schema()).expect("the schema is a valid 2020-12 schema"))
}

/// The schema's verdict on one line, with the validator's reasons.
fn schema_accepts(line: &str) -> Result<(), String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let errors: Vec<String> = validator().iter_errors(&v).map(|e| e.to_string()).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn reader_accepts(line: &str) -> bool {
    matches!(parse_line(1, line.as_bytes(), &Limits::default()), Ok(Some(_)))
}

/// Every line of a trace text is valid under the schema and the whole trace reads.
fn check_text(name: &str, text: &str) -> usize {
    parse_trace(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut n = 0;
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        if let Err(e) = schema_accepts(line) {
            panic!("{name} line {}: the schema refuses it: {e}\n{line}", i + 1);
        }
        n += 1;
    }
    n
}

fn corpus_files(ext: &str) -> Vec<PathBuf> {
    let dir = root().join("corpus/traces");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    files
}

fn name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[test]
fn every_kept_trace_is_valid_and_reads() {
    let traces = corpus_files("jsonl");
    assert!(!traces.is_empty(), "corpus/traces holds no .jsonl trace");
    for path in traces {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(check_text(&name(&path), &text) > 0, "{} is empty", path.display());
    }
}

#[test]
fn imported_logs_give_valid_traces() {
    for (file, importer) in [
        ("pcscd-opensc.log", import::pcscd::import as fn(&str) -> Result<import::Imported, import::ImportError>),
        ("opensc-debug.log", import::opensc::import),
    ] {
        let log = std::fs::read_to_string(root().join("corpus/traces").join(file)).unwrap();
        let imported = importer(&log).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(imported.lines.len() > 50, "{file}: only {} lines", imported.lines.len());
        check_text(file, &imported.to_jsonl());
    }
}

#[test]
fn the_schema_examples_are_valid_and_read() {
    let examples = schema()["examples"].as_array().expect("the schema has examples");
    for ex in examples {
        let line = ex.to_string();
        schema_accepts(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(reader_accepts(&line), "{line}");
    }
}

#[test]
fn the_schema_names_the_readers_actors_and_links() {
    let names = |v: &Value| -> Vec<String> {
        v["enum"].as_array().expect("an enum").iter().map(|s| s.as_str().unwrap().to_string()).collect()
    };
    let actors: Vec<String> = Actor::ALL.iter().map(|a| a.name().to_string()).collect();
    let links: Vec<String> = Link::ALL.iter().map(|l| l.name().to_string()).collect();
    assert_eq!(names(&schema()["$defs"]["actor"]), actors);
    assert_eq!(names(&schema()["$defs"]["link"]), links);
}

/// Valid lines and near misses, one broken thing each.
const SAMPLES: &[&str] = &[
    r#"{"trace":"hanko/1"}"#,
    r#"{"trace":"hanko/1","scheme":3}"#,
    r#"{"trace":"hanko/1","scheme":0}"#,
    r#"{"trace":"hanko/0"}"#,
    r#"{"trace":"hanko/1","seq":1}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","to":"card","capdu":"00a4"}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","to":"card","capdu":""}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","to":"card","capdu":"0"}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","to":"card","capdu":"0G"}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","to":"card"}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","capdu":"00"}"#,
    r#"{"link":"nfc","from":"phone","to":"card","capdu":"00"}"#,
    r#"{"seq":-1,"link":"nfc","from":"phone","to":"card","capdu":"00"}"#,
    r#"{"seq":"1","link":"nfc","from":"phone","to":"card","capdu":"00"}"#,
    r#"{"seq":1,"link":"bluetooth","from":"phone","to":"card","capdu":"00"}"#,
    r#"{"seq":1,"link":"nfc","from":"tablet","to":"card","capdu":"00"}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","to":"card","capdu":"00","rapdu":"9000"}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","to":"card","capdu":"00","extra":1}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","to":"card","capdu":"00","at_us":5}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","to":"card","control":"reset"}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","to":"card","control":"warm_reset"}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","to":"card","control":"unknown_0A"}"#,
    r#"{"seq":1,"link":"nfc","from":"phone","to":"card","control":"unknown_0a"}"#,
    r#"{"seq":1,"link":"nfc","from":"card","to":"phone","atr":"3B88"}"#,
    r#"{"seq":1,"link":"https","from":"pc","to":"portal","msg":"x.y"}"#,
    r#"{"seq":1,"link":"https","from":"pc","to":"portal","msg":"x.y","fields":{"a":[1,{"b":"C"}]}}"#,
    r#"{"seq":1,"link":"https","from":"pc","to":"portal","msg":""}"#,
    r#"{"seq":1,"link":"https","from":"pc","to":"portal","msg":"x","fields":"no"}"#,
    r#"{"seq":1,"link":"https","from":"pc","to":"portal","msg":"x","capdu":"00"}"#,
    r#"{"seq":1,"link":"https","from":"pc","to":"portal","fields":{}}"#,
    r#"{"seq":1,"event":"crash","actor":"phone"}"#,
    r#"{"seq":1,"event":"crash","actor":"phone","at_us":9}"#,
    r#"{"seq":1,"event":"crash"}"#,
    r#"{"seq":1,"event":"reboot","actor":"phone"}"#,
    r#"{"seq":1,"event":"crash","actor":"phone","link":"nfc"}"#,
    r#"{"seq":1,"event":"crash","actor":"phone","value":1}"#,
    r#"{"trace":"hanko/1","scheme":1,"cards":"abstract"}"#,
    r#"{"trace":"hanko/1","cards":"real"}"#,
    r#"{"seq":1,"event":"crash","actor":"phone","cards":"abstract"}"#,
    r#"{"seq":1,"event":"s1.relay.code_expires","actor":"relay"}"#,
    r#"{"seq":1,"event":"s1.phone.type_code","actor":"phone","value":1,"at_us":3}"#,
    r#"{"seq":1,"event":"s1.phone.type_code","actor":"phone","value":256}"#,
    r#"{"seq":1,"event":"s1.phone.type_code","actor":"phone","value":-1}"#,
    r#"{"seq":1,"event":"S1.Relay","actor":"relay"}"#,
    r#"{"seq":1,"event":"s1.relay.code_expires"}"#,
    r#"{"seq":1,"event":"s1.relay.code_expires","actor":"relay","link":"relay"}"#,
    r#"{}"#,
    r#"[]"#,
];

#[test]
fn schema_and_reader_agree_on_every_sample() {
    let mut disagree = Vec::new();
    for s in SAMPLES {
        let schema = schema_accepts(s);
        if schema.is_ok() != reader_accepts(s) {
            disagree
                .push(format!("{s}: schema {schema:?}, reader {:?}", parse_line(1, s.as_bytes(), &Limits::default())));
        }
    }
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
    // Both verdicts occur: the samples test something.
    assert!(SAMPLES.iter().any(|s| reader_accepts(s)) && SAMPLES.iter().any(|s| !reader_accepts(s)));
}

/// Edits of a valid line at the JSON level: drop a key, add one, change a value's type.
fn mutate(line: &str, op: u8, key: usize, value: &Value) -> String {
    let mut v: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
    let keys: Vec<String> = v.keys().cloned().collect();
    let k = keys[key % keys.len()].clone();
    match op % 3 {
        0 => {
            v.remove(&k);
        }
        1 => {
            let new = [
                "seq", "link", "from", "to", "capdu", "rapdu", "control", "atr", "msg", "fields", "event", "actor",
                "at_us", "trace", "scheme", "value", "cards", "zz",
            ];
            v.insert(new[key % new.len()].to_string(), value.clone());
        }
        _ => {
            v.insert(k, value.clone());
        }
    }
    Value::Object(v).to_string()
}

proptest! {
    #[test]
    fn schema_and_reader_agree_on_edited_lines(
        sample in 0..SAMPLES.len(),
        op in any::<u8>(),
        key in any::<usize>(),
        value in prop_oneof![
            Just(Value::from("nfc")), Just(Value::from("card")), Just(Value::from("9000")), Just(Value::from("reset")),
            Just(Value::from("crash")), Just(Value::from("hanko/1")), Just(Value::from(1)), Just(Value::from(-3)),
            Just(Value::from("s2.phone.tap")), Just(Value::from(300)), Just(Value::from("abstract")),
            Just(Value::Null), Just(serde_json::json!({})), Just(serde_json::json!([])), Just(Value::from(true)),
        ],
    ) {
        let base = SAMPLES[sample];
        prop_assume!(reader_accepts(base) && base != "{}");
        let line = mutate(base, op, key, &value);
        let schema = schema_accepts(&line);
        prop_assert_eq!(schema.is_ok(), reader_accepts(&line), "{}: schema {:?}", line, schema);
        if let Ok(Some(l)) = parse_line(1, line.as_bytes(), &Limits::default()) {
            // What reads also writes back to a line the schema accepts.
            prop_assert!(schema_accepts(&write_line(&l)).is_ok());
        }
    }
}
