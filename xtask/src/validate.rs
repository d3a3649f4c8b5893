//! The spec validator: every problem is reported with the JSON pointer of the entry, field or
//! example at fault. It checks field names, ids, references, layouts, and that every example
//! decodes (through the interpreter) to what it says.

use crate::interp::{hexbyte, Interp};
use crate::spec::{parse_hex, Access, Encoding, Framing, Item, LvKind, Problem, Spec};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const COMMON_KEYS: &[&str] = &["id", "name", "source", "confidence", "note", "examples"];

fn allowed_keys(section: &str) -> &'static [&'static str] {
    match section {
        "apdu" => &["layout"],
        "class" => &["pattern", "fields"],
        "instructions" => &["ins"],
        "status_words" => &["sw", "meaning", "param"],
        "tlv" => &["limits"],
        "tags" => &["tag"],
        "applications" => &["short", "aid"],
        "commands" => &["instruction", "header", "cases", "params", "data", "responses"],
        "files" => &["application", "fid", "kind", "read", "layout", "padding", "pin", "key"],
        "oids" => &["oid", "meaning"],
        "card_rules" => &["command", "emits"],
        "profiles" => {
            &["token_label", "atr", "applications", "blocked_sw", "absent_files", "read_overrides", "chain_responses"]
        }
        "certificate_profiles" => {
            &["kind", "ca", "key_usage", "key_usage_critical", "policies", "holder_data", "validity"]
        }
        "types" => &["kind", "bytes", "values", "flags"],
        "data_layouts" => &["layout", "response_to"],
        other => crate::tsm::allowed_keys(other).or_else(|| crate::messages::allowed_keys(other)).unwrap_or(&[]),
    }
}

const SECTIONS: &[&str] = &[
    "apdu",
    "class",
    "instructions",
    "status_words",
    "tlv",
    "tags",
    "applications",
    "commands",
    "files",
    "oids",
    "certificate_profiles",
    "card_rules",
    "profiles",
    "types",
    "data_layouts",
];

/// KeyUsage bits of RFC 5280 §4.2.1.3, in bit order.
pub const KEY_USAGE: &[&str] = &[
    "digital_signature",
    "non_repudiation",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
];
const CASES: &[&str] = &["1", "2S", "3S", "4S", "2E", "3E", "4E"];
const NAMED_ENCODINGS: &[&str] = &[
    "bytes",
    "ascii",
    "ascii_padded",
    "digits",
    "utf8",
    "date",
    "sex",
    "my_number",
    "png",
    "jpeg2000",
    "aid",
    "fid",
    "signature_input",
    "uint",
];

pub struct Report {
    pub problems: Vec<Problem>,
    pub entries: usize,
    pub examples: usize,
}

struct V<'s> {
    spec: &'s Spec,
    problems: Vec<Problem>,
}

impl V<'_> {
    fn problem(&mut self, at: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(Problem { at: at.into(), reason: reason.into() });
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.contains('.')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

fn is_snake(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_hex(s: &str, bytes: std::ops::RangeInclusive<usize>) -> bool {
    s.len().is_multiple_of(2)
        && bytes.contains(&(s.len() / 2))
        && s.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
}

/// The fewest bytes an item can take (a repeated group's element must take some).
fn min_len(it: &Item) -> usize {
    if it.optional || it.repeat.is_some_and(|[min, _]| min == 0) {
        return 0;
    }
    match it.framing() {
        Some(Framing::Fixed(k)) => k,
        Some(Framing::Rest(min, _)) => min,
        Some(Framing::Group) => it.children.iter().flatten().map(min_len).sum(),
        Some(_) => 1,
        None => 0,
    }
}

/// Whether `expected` is contained in `actual`: every key of an expected object is present
/// with a contained value; arrays match element by element; scalars are equal.
pub fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e.iter().all(|(k, ev)| a.get(k).is_some_and(|av| contains(av, ev))),
        (Value::Array(a), Value::Array(e)) => a.len() == e.len() && a.iter().zip(e).all(|(av, ev)| contains(av, ev)),
        _ => actual == expected,
    }
}

pub fn validate(spec: &Spec) -> Report {
    let mut v = V { spec, problems: Vec::new() };
    v.keys();
    v.ids();
    v.instructions_and_status();
    v.class();
    v.applications();
    v.commands();
    v.files();
    v.pki();
    v.card();
    v.types();
    v.data_layouts();
    let examples = v.examples();
    let (tsm_problems, tsm_examples) = crate::tsm::validate(spec);
    v.problems.extend(tsm_problems);
    let entries = spec.all_entries().len() + spec.tsm_entries().len();
    let messages = crate::messages::validate(spec);
    v.problems.extend(messages.problems);
    let flows = crate::flow::validate(spec);
    v.problems.extend(flows.problems);
    Report {
        problems: v.problems,
        entries: entries + messages.entries + flows.entries,
        examples: examples + tsm_examples + messages.examples + flows.examples,
    }
}

impl V<'_> {
    fn keys(&mut self) {
        for l in &self.spec.files {
            let Some(doc) = l.raw.as_object() else { continue };
            for key in doc.keys() {
                let known = SECTIONS.contains(&key.as_str())
                    || crate::tsm::SECTIONS.contains(&key.as_str())
                    || crate::messages::SECTIONS.contains(&key.as_str())
                    || crate::flow::SECTIONS.contains(&key.as_str());
                if !["spec", "title", "description"].contains(&key.as_str()) && !known {
                    self.problem(
                        format!("{}#/{key}", l.display),
                        format!("unknown section; the sections are {}", SECTIONS.join(", ")),
                    );
                }
            }
            for section in SECTIONS.iter().chain(crate::tsm::SECTIONS).chain(crate::messages::SECTIONS) {
                let Some(Value::Array(entries)) = doc.get(*section) else { continue };
                for (i, e) in entries.iter().enumerate() {
                    let Some(obj) = e.as_object() else { continue };
                    for k in obj.keys() {
                        if !COMMON_KEYS.contains(&k.as_str()) && !allowed_keys(section).contains(&k.as_str()) {
                            self.problem(format!("{}#/{section}/{i}/{k}", l.display), "unknown field");
                        }
                    }
                }
            }
        }
    }

    fn ids(&mut self) {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let tsm = self.spec.tsm_entries().into_iter().map(|(at, c, _)| (at, c));
        for (at, c) in self.spec.all_entries().into_iter().map(|(at, c, _)| (at, c)).chain(tsm) {
            if !is_id(&c.id) {
                self.problem(
                    format!("{at}/id"),
                    format!("id {:?} must be lower-case words joined by dots, like jpki.select_df", c.id),
                );
            }
            if let Some(first) = seen.insert(c.id.clone(), at.clone()) {
                self.problem(format!("{at}/id"), format!("duplicate id {:?}, first at {first}", c.id));
            }
            if c.source.trim().is_empty() {
                self.problem(format!("{at}/source"), "empty source");
            }
        }
    }

    fn instructions_and_status(&mut self) {
        let mut ins_seen = BTreeMap::new();
        for (l, i, e) in self.spec.instructions() {
            let at = format!("{}#/instructions/{i}", l.display);
            match hexbyte(&e.ins) {
                Some(b) if is_hex(&e.ins, 1..=1) => {
                    if ins_seen.insert(b, e.common.id.clone()).is_some() {
                        self.problem(format!("{at}/ins"), format!("INS {} listed twice", e.ins));
                    }
                }
                _ => self.problem(format!("{at}/ins"), "INS must be two upper-case hex digits"),
            }
        }
        let mut sw_seen = BTreeSet::new();
        for (l, i, e) in self.spec.status_words() {
            let at = format!("{}#/status_words/{i}", l.display);
            let fixed = e.sw.trim_end_matches('x');
            let wild = e.sw.len() - fixed.len();
            if e.sw.len() != 4
                || !fixed.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
                || wild > 2
                || e.sw[..fixed.len()].contains('x')
            {
                self.problem(
                    format!("{at}/sw"),
                    "a status word is four upper-case hex digits, the last one or two may be x",
                );
            }
            if (wild > 0) != e.param.is_some() {
                self.problem(
                    format!("{at}/param"),
                    "a status word with x digits names its parameter, and only such a word",
                );
            }
            if !sw_seen.insert(e.sw.clone()) {
                self.problem(format!("{at}/sw"), format!("status word {} listed twice", e.sw));
            }
        }
    }

    fn class(&mut self) {
        for (l, i, e) in self.spec.class_entries() {
            let at = format!("{}#/class/{i}", l.display);
            if e.pattern.len() != 8 || !e.pattern.chars().all(|c| matches!(c, '0' | '1' | 'x')) {
                self.problem(format!("{at}/pattern"), "pattern is 8 characters of 0, 1 and x");
            }
            for (j, f) in e.fields.iter().enumerate() {
                if !is_hex(&f.mask, 1..=1) || hexbyte(&f.mask) == Some(0) {
                    self.problem(format!("{at}/fields/{j}/mask"), "mask is a non-zero byte in hex");
                }
                if !is_snake(&f.name) {
                    self.problem(format!("{at}/fields/{j}/name"), "field names are snake_case");
                }
            }
        }
    }

    fn applications(&mut self) {
        let mut shorts = BTreeSet::new();
        for (l, i, a) in self.spec.applications() {
            let at = format!("{}#/applications/{i}", l.display);
            if !is_hex(&a.aid, 5..=16) {
                self.problem(format!("{at}/aid"), "an AID is 5 to 16 bytes of upper-case hex");
            }
            if !shorts.insert(a.short.clone()) || !is_snake(&a.short) {
                self.problem(format!("{at}/short"), format!("short name {:?} must be unique and snake_case", a.short));
            }
        }
    }

    fn commands(&mut self) {
        let instructions: BTreeSet<_> = self.spec.instructions().map(|(_, _, e)| e.common.id.clone()).collect();
        let statuses: BTreeSet<_> = self.spec.status_words().map(|(_, _, e)| e.common.id.clone()).collect();
        let commands: Vec<_> =
            self.spec.commands().map(|(l, i, c)| (format!("{}#/commands/{i}", l.display), c.clone())).collect();
        for (at, c) in commands {
            if !instructions.contains(&c.instruction) {
                self.problem(
                    format!("{at}/instruction"),
                    format!("dangling reference: no instruction {:?}", c.instruction),
                );
            }
            let mut wild: BTreeMap<&str, u16> = BTreeMap::new();
            for (field, pat) in [("cla", &c.header.cla), ("p1", &c.header.p1), ("p2", &c.header.p2)] {
                let ok_bits = pat.len() == 8 && pat.chars().all(|ch| matches!(ch, '0' | '1' | 'x'));
                if !(ok_bits || is_hex(pat, 1..=1)) {
                    self.problem(
                        format!("{at}/header/{field}"),
                        "a header byte is two hex digits or 8 characters of 0, 1 and x",
                    );
                    continue;
                }
                let mask = if ok_bits { pat.chars().fold(0u16, |a, ch| a << 1 | u16::from(ch == 'x')) } else { 0 };
                wild.insert(field, mask);
            }
            if wild.get("cla").copied().unwrap_or(0) != 0 {
                self.problem(format!("{at}/header/cla"), "the class byte must be exact (a parameter cannot carry it)");
            }
            let mut covered: BTreeMap<&str, u16> = BTreeMap::new();
            let mut names = BTreeSet::new();
            for (j, p) in c.params.iter().enumerate() {
                let pat = format!("{at}/params/{j}");
                if !is_snake(&p.name) || !names.insert(p.name.clone()) {
                    self.problem(format!("{pat}/name"), "parameter names are unique snake_case");
                }
                let Ok(mask) = u16::from_str_radix(&p.mask, 16) else {
                    self.problem(format!("{pat}/mask"), "mask must be hex");
                    continue;
                };
                let parts: &[(&str, u16)] = match p.from.as_str() {
                    "p1" => &[("p1", mask)],
                    "p2" => &[("p2", mask)],
                    "p1p2" => &[("p1", mask >> 8), ("p2", mask & 0xFF)],
                    _ => {
                        self.problem(format!("{pat}/from"), "from is p1, p2 or p1p2");
                        continue;
                    }
                };
                for (byte, m) in parts {
                    let w = wild.get(byte).copied().unwrap_or(0);
                    if m & !w != 0 {
                        self.problem(
                            format!("{pat}/mask"),
                            format!("mask covers bits of {byte} that the header fixes"),
                        );
                    }
                    *covered.entry(byte).or_default() |= m;
                }
            }
            for byte in ["p1", "p2"] {
                let w = wild.get(byte).copied().unwrap_or(0);
                if w & !covered.get(byte).copied().unwrap_or(0) != 0 {
                    self.problem(
                        format!("{at}/header/{byte}"),
                        "every x bit must be carried by a parameter, or the command could not be re-encoded",
                    );
                }
            }
            if c.cases.is_empty() {
                self.problem(format!("{at}/cases"), "at least one case");
            }
            for (j, k) in c.cases.iter().enumerate() {
                if !CASES.contains(&k.as_str()) {
                    self.problem(
                        format!("{at}/cases/{j}"),
                        format!("unknown case {k:?}; cases are {}", CASES.join(", ")),
                    );
                }
            }
            let has_data = c.cases.iter().any(|k| k.starts_with('3') || k.starts_with('4'));
            if has_data == c.data.is_empty() {
                self.problem(format!("{at}/data"), "data items go with, and only with, cases 3 and 4");
            }
            self.layout(&format!("{at}/data"), &c.data);
            for (j, r) in c.responses.iter().enumerate() {
                if !statuses.contains(&r.sw) {
                    self.problem(
                        format!("{at}/responses/{j}/sw"),
                        format!("dangling reference: no status word {:?}", r.sw),
                    );
                }
            }
        }
    }

    fn files(&mut self) {
        let apps: BTreeSet<_> = self.spec.applications().map(|(_, _, a)| a.common.id.clone()).collect();
        let pins: BTreeSet<_> = self
            .spec
            .files_entries()
            .filter(|(_, _, f)| f.kind == "pin")
            .map(|(_, _, f)| f.common.id.clone())
            .collect();
        let files: Vec<_> =
            self.spec.files_entries().map(|(l, i, f)| (format!("{}#/files/{i}", l.display), f.clone())).collect();
        let mut fids = BTreeSet::new();
        for (at, f) in files {
            if !apps.contains(&f.application) {
                self.problem(
                    format!("{at}/application"),
                    format!("dangling reference: no application {:?}", f.application),
                );
            }
            if !is_hex(&f.fid, 2..=2) {
                self.problem(format!("{at}/fid"), "a FID is four upper-case hex digits");
            }
            if !fids.insert((f.application.clone(), f.fid.clone())) {
                self.problem(format!("{at}/fid"), format!("FID {} listed twice in {}", f.fid, f.application));
            }
            let check_pin = |v: &mut Self, p: &str, at: String| {
                if !pins.contains(p) {
                    v.problem(at, format!("dangling reference: no PIN file {p:?}"));
                }
            };
            match f.kind.as_str() {
                "data" => {
                    match &f.read {
                        Some(Access::Word(w)) if w == "always" || w == "never" => {}
                        Some(Access::AnyPin(list)) if !list.is_empty() => {
                            for (j, p) in list.iter().enumerate() {
                                check_pin(self, p, format!("{at}/read/{j}"));
                            }
                        }
                        _ => self.problem(format!("{at}/read"), "read is \"always\", \"never\" or a list of PIN ids"),
                    }
                    match &f.layout {
                        Some(items) if !items.is_empty() => self.layout(&format!("{at}/layout"), items),
                        _ => self.problem(format!("{at}/layout"), "a data file has a layout"),
                    }
                    if f.common.examples.iter().all(|e| e.decoded.is_none()) {
                        self.problem(format!("{at}/examples"), "a data file needs at least one example that decodes");
                    }
                    for (j, p) in f.padding.iter().flatten().enumerate() {
                        if !is_hex(p, 1..=1) {
                            self.problem(format!("{at}/padding/{j}"), "padding bytes are two hex digits");
                        }
                    }
                }
                "pin" => {
                    if f.pin.is_none() || f.layout.is_some() {
                        self.problem(format!("{at}/pin"), "a PIN file has pin (tries, charset, length) and no layout");
                    }
                }
                "key" => match &f.key {
                    Some(k) => {
                        for (j, p) in k.use_pins.iter().enumerate() {
                            check_pin(self, p, format!("{at}/key/use/{j}"));
                        }
                    }
                    None => self.problem(format!("{at}/key"), "a key file has key (algorithm, bits, use)"),
                },
                other => self.problem(format!("{at}/kind"), format!("kind {other:?}: data, pin or key")),
            }
        }
    }

    fn pki(&mut self) {
        let oids: Vec<_> = self.spec.oids().map(|(l, i, e)| (format!("{}#/oids/{i}", l.display), e.clone())).collect();
        let mut seen = BTreeSet::new();
        for (at, e) in &oids {
            let Some(der) = crate::spec::oid_der(&e.oid) else {
                self.problem(format!("{at}/oid"), format!("{:?} is not a dotted OID", e.oid));
                continue;
            };
            if !seen.insert(e.oid.clone()) {
                self.problem(format!("{at}/oid"), format!("OID {} listed twice", e.oid));
            }
            // The first example must be the OID's own DER, so that the bytes are checked too.
            let mut tlv = vec![0x06, der.len() as u8];
            tlv.extend(&der);
            match e.common.examples.first().map(|x| parse_hex(&x.hex)) {
                Some(Ok(b)) if b == tlv => {}
                _ => self.problem(
                    format!("{at}/examples/0"),
                    format!("the first example must be the OID's DER, {}", hex::encode_upper(&tlv)),
                ),
            }
        }
        let ids: BTreeSet<_> = oids.iter().map(|(_, e)| e.common.id.clone()).collect();
        let profiles: Vec<_> = self
            .spec
            .profiles()
            .map(|(l, i, e)| (format!("{}#/certificate_profiles/{i}", l.display), e.clone()))
            .collect();
        for (at, p) in profiles {
            for (j, ku) in p.key_usage.iter().enumerate() {
                if !KEY_USAGE.contains(&ku.as_str()) {
                    self.problem(
                        format!("{at}/key_usage/{j}"),
                        format!("unknown KeyUsage bit {ku:?}; bits are {}", KEY_USAGE.join(", ")),
                    );
                }
            }
            for (j, pol) in p.policies.iter().enumerate() {
                if !ids.contains(pol) {
                    self.problem(format!("{at}/policies/{j}"), format!("dangling reference: no OID entry {pol:?}"));
                }
            }
            if !is_snake(&p.kind) {
                self.problem(format!("{at}/kind"), "kind is snake_case");
            }
        }
    }

    fn card(&mut self) {
        let commands: BTreeSet<_> = self.spec.commands().map(|(_, _, c)| c.common.id.clone()).collect();
        let statuses: BTreeSet<_> = self.spec.status_words().map(|(_, _, e)| e.common.id.clone()).collect();
        let apps: BTreeSet<_> = self.spec.applications().map(|(_, _, a)| a.common.id.clone()).collect();
        let files: BTreeSet<_> = self.spec.files_entries().map(|(_, _, f)| f.common.id.clone()).collect();
        let pins: BTreeSet<_> = self
            .spec
            .files_entries()
            .filter(|(_, _, f)| f.kind == "pin")
            .map(|(_, _, f)| f.common.id.clone())
            .collect();
        let rules: Vec<_> =
            self.spec.card_rules().map(|(l, i, r)| (format!("{}#/card_rules/{i}", l.display), r.clone())).collect();
        for (at, r) in rules {
            if r.command != "*" && !commands.contains(&r.command) {
                self.problem(format!("{at}/command"), format!("dangling reference: no command {:?}", r.command));
            }
            if r.emits != "profile.blocked_sw" && !statuses.contains(&r.emits) {
                self.problem(format!("{at}/emits"), format!("dangling reference: no status word {:?}", r.emits));
            }
        }
        let profiles: Vec<_> =
            self.spec.card_profiles().map(|(l, i, p)| (format!("{}#/profiles/{i}", l.display), p.clone())).collect();
        for (at, p) in profiles {
            if !is_hex(&p.atr, 2..=33) {
                self.problem(format!("{at}/atr"), "an ATR is 2 to 33 bytes of upper-case hex");
            }
            if p.token_label.len() > 32 || !p.token_label.bytes().all(|b| (0x20..0x7F).contains(&b)) {
                self.problem(format!("{at}/token_label"), "a token label is at most 32 printable ASCII characters");
            }
            if !statuses.contains(&p.blocked_sw) {
                self.problem(
                    format!("{at}/blocked_sw"),
                    format!("dangling reference: no status word {:?}", p.blocked_sw),
                );
            }
            for (j, a) in p.applications.iter().enumerate() {
                if !apps.contains(a) {
                    self.problem(format!("{at}/applications/{j}"), format!("dangling reference: no application {a:?}"));
                }
            }
            for (j, f) in p.absent_files.iter().enumerate() {
                if !files.contains(f) {
                    self.problem(format!("{at}/absent_files/{j}"), format!("dangling reference: no file {f:?}"));
                }
            }
            for (j, o) in p.read_overrides.iter().enumerate() {
                if !files.contains(&o.file) {
                    self.problem(
                        format!("{at}/read_overrides/{j}/file"),
                        format!("dangling reference: no file {:?}", o.file),
                    );
                }
                for (k, pin) in o.read.iter().enumerate() {
                    if !pins.contains(pin) {
                        self.problem(
                            format!("{at}/read_overrides/{j}/read/{k}"),
                            format!("dangling reference: no PIN file {pin:?}"),
                        );
                    }
                }
            }
        }
    }

    /// Checks a layout; names must be unique across all its levels (they become fields).
    fn layout(&mut self, at: &str, items: &[Item]) {
        let mut names = BTreeSet::new();
        let mut tag_items = BTreeSet::new();
        collect(items, &mut names, &mut tag_items, &mut Vec::new());
        fn collect(items: &[Item], names: &mut BTreeSet<String>, tags: &mut BTreeSet<String>, dups: &mut Vec<String>) {
            for it in items {
                if !names.insert(it.name.clone()) {
                    dups.push(it.name.clone());
                }
                if it.tag.is_some() || it.stag.is_some() {
                    tags.insert(it.name.clone());
                }
                if let Some(c) = &it.children {
                    collect(c, names, tags, dups);
                }
            }
        }
        let mut dups = Vec::new();
        collect(items, &mut BTreeSet::new(), &mut BTreeSet::new(), &mut dups);
        for d in dups {
            self.problem(at.to_string(), format!("item name {d:?} used twice in one layout"));
        }
        // Top-level items share a JSON object with the keys the decoder adds itself.
        let reserved: &[&str] = if at.contains("/data_layouts/") {
            &["layout"]
        } else if at.contains("/data") {
            &["id", "name", "confidence", "case", "ne"]
        } else {
            &["file", "padding"]
        };
        for (i, it) in items.iter().enumerate() {
            if reserved.contains(&it.name.as_str()) {
                self.problem(
                    format!("{at}/{i}/name"),
                    format!("item name {:?} is a key the decoder uses at this level", it.name),
                );
            }
        }
        self.items(at, items, &tag_items);
    }

    fn items(&mut self, at: &str, items: &[Item], tag_items: &BTreeSet<String>) {
        self.items_in(at, items, tag_items, false);
    }

    /// `in_element`: the items belong to a repeated or optional element, a struct of its own.
    fn items_in(&mut self, at: &str, items: &[Item], tag_items: &BTreeSet<String>, in_element: bool) {
        for (i, it) in items.iter().enumerate() {
            let at = format!("{at}/{i}");
            let last = i + 1 == items.len();
            if !is_snake(&it.name) {
                self.problem(format!("{at}/name"), format!("item name {:?} must be snake_case", it.name));
            }
            let Some(framing) = it.framing() else {
                self.problem(
                    at,
                    "an item has exactly one of tag, stag, der, lv (byte, ber or dgi), dgi (four hex digits), rest, or length alone; or repeated children and none of these",
                );
                continue;
            };
            if let Framing::Tag(t) = framing {
                let bytes = parse_hex(it.tag.as_deref().unwrap_or("")).unwrap_or_default();
                let ok = crate::interp::Interp::new(self.spec)
                    .decode(&crate::spec::Format::Tlv, &[bytes.clone(), vec![0]].concat())
                    .is_ok();
                if !ok || t == 0 {
                    self.problem(format!("{at}/tag"), "not a valid BER-TLV tag");
                }
            }
            if matches!(framing, Framing::Rest(..)) && !last {
                self.problem(
                    format!("{at}/rest"),
                    "rest takes what is left, so only the last item of its level may have it",
                );
            }
            let element = it.children.is_some() && (it.optional || it.repeat.is_some());
            if let Some([min, max]) = it.repeat {
                if min > max || max == 0 {
                    self.problem(format!("{at}/repeat"), "repeat is [min, max] with min ≤ max and max ≥ 1");
                }
                let repeatable = matches!(framing, Framing::Tag(_) | Framing::Dgi(_) | Framing::Lv(_) | Framing::Group)
                    || matches!(framing, Framing::Fixed(k) if k > 0);
                if !repeatable || it.partial {
                    self.problem(format!("{at}/repeat"), "only tag, dgi, lv, fixed-length and grouped items repeat");
                }
                if it.optional {
                    self.problem(format!("{at}/optional"), "a repeated item is optional through repeat [0, max]");
                }
                if framing == Framing::Group && it.children.as_deref().is_none_or(|c| c.iter().all(|c| min_len(c) == 0))
                {
                    self.problem(
                        format!("{at}/children"),
                        "an element of a repeated group must take at least one byte",
                    );
                }
            }
            if it.optional {
                let ok = match framing {
                    Framing::Tag(_) | Framing::Dgi(_) => !it.partial,
                    Framing::Fixed(_) => last && it.children.is_none(),
                    _ => false,
                };
                if !ok {
                    self.problem(
                        format!("{at}/optional"),
                        "optional items are framed by a BER tag or a DGI, or have a fixed length and come last",
                    );
                }
            }
            if it.partial {
                let ok = matches!(framing, Framing::Tag(_))
                    && last
                    && it.children.is_none()
                    && it.value == Some(Encoding::Named("bytes".into()));
                if !ok {
                    self.problem(
                        format!("{at}/partial"),
                        "a partial item is the last one of its level, framed by a BER tag, with bytes",
                    );
                }
            }
            if let Framing::Lv(LvKind::Byte) = framing {
                let fits = it.children.is_none() && it.length.is_some_and(|l| l.bounds().1 <= 255);
                if !fits {
                    self.problem(format!("{at}/lv"), "a one-byte length frames a leaf with a length of at most 255");
                }
            }
            if in_element && matches!(it.value, Some(Encoding::Offsets { .. })) {
                self.problem(format!("{at}/value"), "offset tables cannot stand inside a repeated or optional element");
            }
            match (&it.value, &it.children, &framing) {
                (None, Some(children), Framing::Tag(_) | Framing::SimpleTag(_) | Framing::Lv(_) | Framing::Dgi(_) | Framing::Group) => {
                    self.items_in(&format!("{at}/children"), children, tag_items, in_element || element)
                }
                (None, None, Framing::Der(_)) => {}
                (Some(enc), None, f) if !matches!(f, Framing::Der(_) | Framing::Group) => {
                    self.encoding(&at, enc, f, tag_items);
                    self.leaf_bounds(&at, it, enc);
                }
                _ => self.problem(
                    at,
                    "an item has a value encoding, or children (tag, stag, lv, dgi and groups only), or neither (der only)",
                ),
            }
        }
    }

    /// A leaf's length bounds must suit its encoding.
    fn leaf_bounds(&mut self, at: &str, it: &Item, enc: &Encoding) {
        let (min, max) = it.value_bounds();
        match enc {
            Encoding::Named(n) if n == "uint" && (min != max || !(1..=4).contains(&min)) => {
                self.problem(format!("{at}/value"), "uint needs an exact length of 1 to 4 bytes");
            }
            Encoding::Type { type_id } => {
                let Some((_, _, t)) = self.spec.types().find(|(_, _, t)| t.common.id == *type_id) else {
                    self.problem(format!("{at}/value/type"), format!("dangling reference: no type {type_id:?}"));
                    return;
                };
                let width = if t.kind == "enum" { 1 } else { t.bytes };
                if min > width || max < 1 {
                    self.problem(
                        format!("{at}/length"),
                        format!("{type_id} is 1 to {width} bytes; the item allows {min} to {max}"),
                    );
                }
            }
            _ => {}
        }
    }

    fn types(&mut self) {
        let types: Vec<_> =
            self.spec.types().map(|(l, i, t)| (format!("{}#/types/{i}", l.display), t.clone())).collect();
        for (at, t) in types {
            let (entries, width, field) = match (t.kind.as_str(), &t.values, &t.flags) {
                ("enum", Some(v), None) if t.bytes == 1 => (v.clone(), 1, "values"),
                ("flags", None, Some(f)) if (1..=4).contains(&t.bytes) => (f.clone(), t.bytes, "flags"),
                _ => {
                    self.problem(at, "a type is kind enum (bytes 1, values) or kind flags (bytes 1 to 4, flags)");
                    continue;
                }
            };
            let mut names = BTreeSet::new();
            for (k, n) in &entries {
                if !is_hex(k, width..=width) || (field == "flags" && k.chars().all(|c| c == '0')) {
                    self.problem(
                        format!("{at}/{field}/{k}"),
                        format!("keys are {width} bytes of upper-case hex (a flag not zero)"),
                    );
                }
                if !is_snake(n) || !names.insert(n.clone()) {
                    self.problem(format!("{at}/{field}/{k}"), format!("names are unique snake_case, not {n:?}"));
                }
            }
        }
    }

    fn data_layouts(&mut self) {
        let commands: BTreeSet<_> = self.spec.commands().map(|(_, _, c)| c.common.id.clone()).collect();
        let layouts: Vec<_> =
            self.spec.data_layouts().map(|(l, i, e)| (format!("{}#/data_layouts/{i}", l.display), e.clone())).collect();
        for (at, e) in layouts {
            if e.layout.is_empty() {
                self.problem(format!("{at}/layout"), "a data layout has items");
            }
            self.layout(&format!("{at}/layout"), &e.layout);
            for (j, c) in e.response_to.iter().enumerate() {
                if !commands.contains(c) {
                    self.problem(format!("{at}/response_to/{j}"), format!("dangling reference: no command {c:?}"));
                }
            }
            if e.common.examples.iter().all(|x| x.decoded.is_none()) {
                self.problem(format!("{at}/examples"), "a data layout needs at least one example that decodes");
            }
        }
    }

    fn encoding(&mut self, at: &str, enc: &Encoding, framing: &Framing, tag_items: &BTreeSet<String>) {
        match enc {
            Encoding::Named(n) if !NAMED_ENCODINGS.contains(&n.as_str()) => {
                self.problem(
                    format!("{at}/value"),
                    format!("unknown encoding {n:?}; encodings are {}", NAMED_ENCODINGS.join(", ")),
                );
            }
            Encoding::Named(n) if n == "ascii_padded" && !matches!(framing, Framing::Fixed(_)) => {
                self.problem(format!("{at}/value"), "ascii_padded needs a fixed length");
            }
            Encoding::Offsets { offsets } => {
                for t in offsets {
                    if !tag_items.contains(t) {
                        self.problem(
                            format!("{at}/value/offsets"),
                            format!("dangling reference: no tagged item {t:?} in this layout"),
                        );
                    }
                }
            }
            Encoding::Enum { values } => {
                if values.keys().any(|k| !is_hex(k, 1..=1)) {
                    self.problem(format!("{at}/value/enum"), "enumeration keys are one byte in upper-case hex");
                }
                if values.values().any(|v| !is_snake(v)) {
                    self.problem(format!("{at}/value/enum"), "enumeration names are snake_case");
                }
            }
            _ => {}
        }
    }

    fn examples(&mut self) -> usize {
        let interp = Interp::new(self.spec);
        let mut count = 0;
        let needs_examples =
            ["commands", "applications", "apdu", "status_words", "instructions", "class", "types", "data_layouts"];
        for (at, c, format) in self.spec.all_entries() {
            let section = at.split("#/").nth(1).and_then(|s| s.split('/').next()).unwrap_or("");
            if c.examples.is_empty() && needs_examples.contains(&section) {
                self.problem(format!("{at}/examples"), "this entry needs examples");
            }
            let mut names_self = false;
            for (j, ex) in c.examples.iter().enumerate() {
                count += 1;
                let at = format!("{at}/examples/{j}");
                let bytes = match parse_hex(&ex.hex) {
                    Ok(b) => b,
                    Err(e) => {
                        self.problem(format!("{at}/hex"), e);
                        continue;
                    }
                };
                let got = interp.decode(&format, &bytes);
                match (&ex.decoded, &ex.error, got) {
                    (Some(expected), None, Ok(actual)) => {
                        if !contains(&actual, expected) {
                            self.problem(
                                format!("{at}/decoded"),
                                format!("decodes to {actual}, which does not contain {expected}"),
                            );
                        }
                        if section == "commands" && actual.pointer("/command/id").and_then(Value::as_str) == Some(&c.id)
                        {
                            names_self = true;
                        }
                    }
                    (Some(_), None, Err(f)) => {
                        self.problem(at, format!("does not decode: {} at byte {}", f.kind, f.offset))
                    }
                    (None, Some(e), Err(f)) => {
                        if e.kind != f.kind || e.offset != f.offset {
                            self.problem(
                                format!("{at}/error"),
                                format!(
                                    "fails with {} at byte {}, not {} at byte {}",
                                    f.kind, f.offset, e.kind, e.offset
                                ),
                            );
                        }
                    }
                    (None, Some(e), Ok(actual)) => self.problem(
                        format!("{at}/error"),
                        format!("expected {} at byte {}, but it decodes to {actual}", e.kind, e.offset),
                    ),
                    _ => self.problem(at, "an example has exactly one of decoded and error"),
                }
            }
            if section == "commands" && !names_self {
                self.problem(format!("{at}/examples"), format!("no example decodes as {}", c.id));
            }
        }
        count
    }
}
