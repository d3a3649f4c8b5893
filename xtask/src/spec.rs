//! The spec format as Rust types, and loading a spec folder. `spec/README.md` documents the
//! format; unknown fields are errors, so a typo in a spec file never passes silently.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Normative,
    Observed,
    SingleSource,
    ProjectDefined,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normative => "normative",
            Self::Observed => "observed",
            Self::SingleSource => "single-source",
            Self::ProjectDefined => "project-defined",
        }
    }
}

/// An example: bytes and either the decoding they must give (a subset of the full JSON
/// decoding) or the error they must raise.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub hex: String,
    #[serde(default)]
    pub decoded: Option<serde_json::Value>,
    #[serde(default)]
    pub error: Option<ExpectedError>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedError {
    pub kind: String,
    pub offset: usize,
}

/// Fields every entry carries.
#[derive(Clone, Debug, Deserialize)]
pub struct Common {
    pub id: String,
    pub name: String,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub examples: Vec<Example>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ApduEntry {
    #[serde(flatten)]
    pub common: Common,
    pub layout: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassField {
    pub name: String,
    pub mask: String,
    #[serde(default)]
    pub flag: Option<String>,
    #[serde(default)]
    pub values: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub add: Option<u8>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ClassEntry {
    #[serde(flatten)]
    pub common: Common,
    pub pattern: String,
    pub fields: Vec<ClassField>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct InstructionEntry {
    #[serde(flatten)]
    pub common: Common,
    pub ins: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct StatusEntry {
    #[serde(flatten)]
    pub common: Common,
    pub sw: String,
    pub meaning: String,
    #[serde(default)]
    pub param: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlvLimits {
    pub max_tag_bytes: u32,
    pub max_length_bytes: u32,
    pub max_depth: u32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TlvEntry {
    #[serde(flatten)]
    pub common: Common,
    #[serde(default)]
    pub limits: Option<TlvLimits>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TagEntry {
    #[serde(flatten)]
    pub common: Common,
    pub tag: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ApplicationEntry {
    #[serde(flatten)]
    pub common: Common,
    pub short: String,
    pub aid: String,
}

/// `"length": 32` or `"length": [min, max]`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Length {
    Exact(usize),
    Range([usize; 2]),
}

impl Length {
    pub fn bounds(self) -> (usize, usize) {
        match self {
            Self::Exact(n) => (n, n),
            Self::Range([a, b]) => (a, b),
        }
    }
}

/// A leaf encoding: a name, or an object for the parameterised ones.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Encoding {
    Named(String),
    Offsets {
        offsets: Vec<String>,
    },
    Enum {
        #[serde(rename = "enum")]
        values: BTreeMap<String, String>,
    },
    /// A named value type of the `types` section (an open enumeration or a set of flags).
    Type {
        #[serde(rename = "type")]
        type_id: String,
    },
}

/// One element of a layout. Exactly one of `tag`, `stag`, `der`, `lv`, `dgi`, `length` (alone)
/// or `rest` says how it is framed, or none for a repeated group of `children`; a framed item
/// has `value` or `children`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub name: String,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub stag: Option<String>,
    #[serde(default)]
    pub der: Option<String>,
    #[serde(default)]
    pub length: Option<Length>,
    #[serde(default)]
    pub rest: Option<[usize; 2]>,
    /// A length-prefixed value: `"byte"` (one length byte), `"ber"` (a BER length field) or
    /// `"dgi"` (one byte 00–FE, or FF and two bytes).
    #[serde(default)]
    pub lv: Option<String>,
    /// A data grouping identifier: two tag bytes, then a DGI length (as `"lv": "dgi"`).
    #[serde(default)]
    pub dgi: Option<String>,
    /// `[min, max]`: the item occurs that many times in a row (a list).
    #[serde(default)]
    pub repeat: Option<[usize; 2]>,
    /// A BER-TLV whose value may continue past the end of this element (a LOAD block).
    #[serde(default)]
    pub partial: bool,
    #[serde(default)]
    pub value: Option<Encoding>,
    #[serde(default)]
    pub children: Option<Vec<Item>>,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// How a length-prefixed item's length is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LvKind {
    /// One byte, 00–FF.
    Byte,
    /// A BER-TLV definite length field.
    Ber,
    /// 00–FE in one byte, or FF followed by two bytes (EMV CPS / GlobalPlatform DGIs).
    Dgi,
}

impl LvKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "byte" => Some(Self::Byte),
            "ber" => Some(Self::Ber),
            "dgi" => Some(Self::Dgi),
            _ => None,
        }
    }
}

/// How an item is framed, resolved from its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Framing {
    Tag(u32),
    SimpleTag(u8),
    Der(u32),
    Fixed(usize),
    Rest(usize, usize),
    Lv(LvKind),
    Dgi(u16),
    /// Children read one after the other with no header of their own (only repeated).
    Group,
}

impl Item {
    pub fn framing(&self) -> Option<Framing> {
        let parse_tag = |t: &str| u32::from_str_radix(t, 16).ok();
        let others = self.lv.is_some() as u8 + self.dgi.is_some() as u8;
        match (&self.tag, &self.stag, &self.der, &self.rest) {
            _ if others > 1 => None,
            (None, None, None, None) if self.lv.is_some() => {
                self.lv.as_deref().and_then(LvKind::parse).map(Framing::Lv)
            }
            (None, None, None, None) if self.dgi.is_some() => self
                .dgi
                .as_deref()
                .filter(|d| d.len() == 4)
                .and_then(|d| u16::from_str_radix(d, 16).ok())
                .map(Framing::Dgi),
            _ if others > 0 => None,
            (Some(t), None, None, None) => parse_tag(t).map(Framing::Tag),
            (None, Some(t), None, None) => u8::from_str_radix(t, 16).ok().map(Framing::SimpleTag),
            (None, None, Some(t), None) if self.length.is_none() => parse_tag(t).map(Framing::Der),
            (None, None, None, Some([a, b])) if self.length.is_none() => Some(Framing::Rest(*a, *b)),
            (None, None, None, None) => match self.length {
                Some(Length::Exact(n)) => Some(Framing::Fixed(n)),
                None if self.children.is_some() && self.repeat.is_some() => Some(Framing::Group),
                _ => None,
            },
            _ => None,
        }
    }

    /// Bounds on the value's length: from `length`, from `rest`, or none.
    pub fn value_bounds(&self) -> (usize, usize) {
        match (self.rest, self.length) {
            (Some([a, b]), _) => (a, b),
            (None, Some(l)) => l.bounds(),
            (None, None) => (0, usize::MAX),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    pub from: String,
    pub mask: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub cla: String,
    pub p1: String,
    pub p2: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseRef {
    pub sw: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CommandEntry {
    #[serde(flatten)]
    pub common: Common,
    pub instruction: String,
    pub header: Header,
    pub cases: Vec<String>,
    #[serde(default)]
    pub params: Vec<Param>,
    pub data: Vec<Item>,
    pub responses: Vec<ResponseRef>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinInfo {
    pub tries: u8,
    pub charset: String,
    pub length: [usize; 2],
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyInfo {
    pub algorithm: String,
    pub bits: u32,
    #[serde(rename = "use")]
    pub use_pins: Vec<String>,
}

/// Who may read a file: `"always"`, `"never"`, or any one of the listed PINs.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Access {
    Word(String),
    AnyPin(Vec<String>),
}

#[derive(Clone, Debug, Deserialize)]
pub struct FileEntry {
    #[serde(flatten)]
    pub common: Common,
    pub application: String,
    pub fid: String,
    pub kind: String,
    #[serde(default)]
    pub read: Option<Access>,
    #[serde(default)]
    pub layout: Option<Vec<Item>>,
    #[serde(default)]
    pub padding: Option<Vec<String>>,
    #[serde(default)]
    pub pin: Option<PinInfo>,
    #[serde(default)]
    pub key: Option<KeyInfo>,
}

/// An object identifier with what it names.
#[derive(Clone, Debug, Deserialize)]
pub struct OidEntry {
    #[serde(flatten)]
    pub common: Common,
    /// Dotted form, `1.2.392.200149.8.5.5.1`.
    pub oid: String,
    pub meaning: String,
}

/// What a certificate of one kind must carry.
#[derive(Clone, Debug, Deserialize)]
pub struct ProfileEntry {
    #[serde(flatten)]
    pub common: Common,
    /// `authentication`, `signing`, `sub_authentication`, `ca`.
    pub kind: String,
    pub ca: bool,
    /// KeyUsage bits by RFC 5280 name, snake_case (`digital_signature`, `non_repudiation`,
    /// `key_cert_sign`, `crl_sign`, …).
    pub key_usage: Vec<String>,
    pub key_usage_critical: bool,
    /// Policy OID entry ids the certificate must assert (empty: none required).
    #[serde(default)]
    pub policies: Vec<String>,
    /// Whether the holder's attributes (SAN otherNames) belong in it.
    pub holder_data: bool,
    /// How long it is valid, as a rule in words (checked by the model, not the codec).
    pub validity: String,
}

/// A rule of the card model: for `command`, the status word `emits` (a status word id, or
/// `profile.blocked_sw`) when the model finds its condition.
#[derive(Clone, Debug, Deserialize)]
pub struct CardRuleEntry {
    #[serde(flatten)]
    pub common: Common,
    /// A command id, or `*` for rules that apply before a command is recognised.
    pub command: String,
    pub emits: String,
}

/// A file whose read access a profile changes.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadOverride {
    pub file: String,
    pub read: Vec<String>,
}

/// A kind of card the model and simulator can be.
#[derive(Clone, Debug, Deserialize)]
pub struct CardProfileEntry {
    #[serde(flatten)]
    pub common: Common,
    pub token_label: String,
    pub atr: String,
    pub applications: Vec<String>,
    /// What VERIFY answers once the PIN is blocked (a status word id).
    pub blocked_sw: String,
    #[serde(default)]
    pub absent_files: Vec<String>,
    #[serde(default)]
    pub read_overrides: Vec<ReadOverride>,
    /// Answer case-4 commands with 61xx and hand the data out by GET RESPONSE.
    #[serde(default)]
    pub chain_responses: bool,
}

/// A named value type: an open enumeration of one byte, or a set of flags of `bytes` bytes
/// whose first byte is the most significant (a value written shorter is left-aligned).
#[derive(Clone, Debug, Deserialize)]
pub struct TypeEntry {
    #[serde(flatten)]
    pub common: Common,
    /// `enum` or `flags`.
    pub kind: String,
    pub bytes: usize,
    /// `enum`: value in hex → snake_case name.
    #[serde(default)]
    pub values: Option<BTreeMap<String, String>>,
    /// `flags`: mask in hex (`bytes` bytes) → snake_case name.
    #[serde(default)]
    pub flags: Option<BTreeMap<String, String>>,
}

/// A data layout that is neither a file nor a command's data: a response's data field, or a
/// structure carried inside another field.
#[derive(Clone, Debug, Deserialize)]
pub struct DataLayoutEntry {
    #[serde(flatten)]
    pub common: Common,
    pub layout: Vec<Item>,
    /// Command ids whose response data this layout describes.
    #[serde(default)]
    pub response_to: Vec<String>,
}

/// One spec file. Every section is optional; a file usually holds one or two.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    pub spec: String,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub apdu: Vec<ApduEntry>,
    #[serde(default)]
    pub class: Vec<ClassEntry>,
    #[serde(default)]
    pub instructions: Vec<InstructionEntry>,
    #[serde(default)]
    pub status_words: Vec<StatusEntry>,
    #[serde(default)]
    pub tlv: Vec<TlvEntry>,
    #[serde(default)]
    pub tags: Vec<TagEntry>,
    #[serde(default)]
    pub applications: Vec<ApplicationEntry>,
    #[serde(default)]
    pub commands: Vec<CommandEntry>,
    #[serde(default)]
    pub files: Vec<FileEntry>,
    #[serde(default)]
    pub oids: Vec<OidEntry>,
    #[serde(default)]
    pub certificate_profiles: Vec<ProfileEntry>,
    #[serde(default)]
    pub card_rules: Vec<CardRuleEntry>,
    #[serde(default)]
    pub profiles: Vec<CardProfileEntry>,
    #[serde(default)]
    pub types: Vec<TypeEntry>,
    #[serde(default)]
    pub data_layouts: Vec<DataLayoutEntry>,
    #[serde(default)]
    pub scp80: Vec<crate::tsm::Scp80Entry>,
    #[serde(default)]
    pub remote_apdu: Vec<crate::tsm::RemoteApduEntry>,
    #[serde(default)]
    pub scp81: Vec<crate::tsm::Scp81Entry>,
    #[serde(default)]
    pub message_text: Vec<crate::messages::MessageTextEntry>,
    #[serde(default)]
    pub message_types: Vec<crate::messages::MessageTypeEntry>,
    #[serde(default)]
    pub messages: Vec<crate::messages::MessageEntry>,
    // Flow sections (`crate::flow`, spec/flow/scheme*.json and lifecycle.json).
    #[serde(default)]
    pub flow: Vec<crate::flow::FlowEntry>,
    #[serde(default)]
    pub actors: Vec<crate::flow::ActorEntry>,
    #[serde(default)]
    pub flow_messages: Vec<crate::flow::MessageEntry>,
    #[serde(default)]
    pub events: Vec<crate::flow::EventEntry>,
    #[serde(default)]
    pub guards: Vec<crate::flow::GuardEntry>,
    #[serde(default)]
    pub machines: Vec<crate::flow::MachineEntry>,
    #[serde(default)]
    pub properties: Vec<crate::flow::PropertyEntry>,
    #[serde(default)]
    pub traces: Vec<crate::flow::TraceEntry>,
}

/// A loaded spec file with where it came from.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// Path as shown in rules and errors: `spec/ef/text_ap.json`.
    pub display: String,
    pub path: PathBuf,
    pub file: SpecFile,
    /// The document as read, for the validator's checks of field names.
    pub raw: serde_json::Value,
}

/// A whole spec folder.
#[derive(Clone, Debug, Default)]
pub struct Spec {
    pub files: Vec<Loaded>,
}

/// A problem with the spec, at a JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub at: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.reason)
    }
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "json") && !p.ends_with("trace.schema.json") {
            out.push(p);
        }
    }
    Ok(())
}

/// The document of a spec file that only data files carry (`"spec": "hanko/1"`); other JSON
/// (a JSON Schema, say) in the folder is not a spec file.
fn is_spec_document(v: &serde_json::Value) -> bool {
    v.get("spec").and_then(|s| s.as_str()).is_some_and(|s| s.starts_with("hanko/"))
}

impl Spec {
    /// Loads every `*.json` under `dir` that declares `"spec": "hanko/1"`, in path order.
    pub fn load(dir: &Path) -> Result<Spec, Vec<Problem>> {
        let label = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "spec".into());
        let mut paths = Vec::new();
        json_files(dir, &mut paths).map_err(|e| {
            vec![Problem { at: dir.display().to_string(), reason: format!("cannot read spec folder: {e}") }]
        })?;
        let mut files = Vec::new();
        let mut problems = Vec::new();
        for path in paths {
            let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            let display = format!("{label}/{rel}");
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(Problem { at: display, reason: format!("unreadable: {e}") });
                    continue;
                }
            };
            let value: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(Problem { at: display, reason: format!("not JSON: {e}") });
                    continue;
                }
            };
            if !is_spec_document(&value) {
                continue;
            }
            match serde_json::from_value::<SpecFile>(value.clone()) {
                Ok(file) => files.push(Loaded { display, path, file, raw: value }),
                Err(e) => problems.push(Problem {
                    at: format!("{display}#"),
                    reason: format!("does not follow the spec format: {e}"),
                }),
            }
        }
        if problems.is_empty() {
            Ok(Spec { files })
        } else {
            Err(problems)
        }
    }

    pub fn applications(&self) -> impl Iterator<Item = (&Loaded, usize, &ApplicationEntry)> {
        self.files.iter().flat_map(|l| l.file.applications.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn commands(&self) -> impl Iterator<Item = (&Loaded, usize, &CommandEntry)> {
        self.files.iter().flat_map(|l| l.file.commands.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn files_entries(&self) -> impl Iterator<Item = (&Loaded, usize, &FileEntry)> {
        self.files.iter().flat_map(|l| l.file.files.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn status_words(&self) -> impl Iterator<Item = (&Loaded, usize, &StatusEntry)> {
        self.files.iter().flat_map(|l| l.file.status_words.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn instructions(&self) -> impl Iterator<Item = (&Loaded, usize, &InstructionEntry)> {
        self.files.iter().flat_map(|l| l.file.instructions.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn class_entries(&self) -> impl Iterator<Item = (&Loaded, usize, &ClassEntry)> {
        self.files.iter().flat_map(|l| l.file.class.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn tags(&self) -> impl Iterator<Item = (&Loaded, usize, &TagEntry)> {
        self.files.iter().flat_map(|l| l.file.tags.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn tlv_entries(&self) -> impl Iterator<Item = (&Loaded, usize, &TlvEntry)> {
        self.files.iter().flat_map(|l| l.file.tlv.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn apdu_entries(&self) -> impl Iterator<Item = (&Loaded, usize, &ApduEntry)> {
        self.files.iter().flat_map(|l| l.file.apdu.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn oids(&self) -> impl Iterator<Item = (&Loaded, usize, &OidEntry)> {
        self.files.iter().flat_map(|l| l.file.oids.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn profiles(&self) -> impl Iterator<Item = (&Loaded, usize, &ProfileEntry)> {
        self.files.iter().flat_map(|l| l.file.certificate_profiles.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn card_rules(&self) -> impl Iterator<Item = (&Loaded, usize, &CardRuleEntry)> {
        self.files.iter().flat_map(|l| l.file.card_rules.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn card_profiles(&self) -> impl Iterator<Item = (&Loaded, usize, &CardProfileEntry)> {
        self.files.iter().flat_map(|l| l.file.profiles.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn types(&self) -> impl Iterator<Item = (&Loaded, usize, &TypeEntry)> {
        self.files.iter().flat_map(|l| l.file.types.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn data_layouts(&self) -> impl Iterator<Item = (&Loaded, usize, &DataLayoutEntry)> {
        self.files.iter().flat_map(|l| l.file.data_layouts.iter().enumerate().map(move |(i, e)| (l, i, e)))
    }

    pub fn tlv_limits(&self) -> Option<&TlvLimits> {
        self.tlv_entries().find(|(_, _, e)| e.common.id == "tlv.ber").and_then(|(_, _, e)| e.limits.as_ref())
    }

    /// Every entry's common part with its JSON pointer and the decode format its examples use.
    pub fn all_entries(&self) -> Vec<(String, &Common, Format)> {
        let mut out = Vec::new();
        for l in &self.files {
            let f = &l.file;
            let at = |section: &str, i: usize| format!("{}#/{section}/{i}", l.display);
            for (i, e) in f.apdu.iter().enumerate() {
                let format = if e.common.id == "apdu.response" { Format::Rapdu } else { Format::Capdu };
                out.push((at("apdu", i), &e.common, format));
            }
            for (i, e) in f.class.iter().enumerate() {
                out.push((at("class", i), &e.common, Format::Capdu));
            }
            for (i, e) in f.instructions.iter().enumerate() {
                out.push((at("instructions", i), &e.common, Format::Capdu));
            }
            for (i, e) in f.status_words.iter().enumerate() {
                out.push((at("status_words", i), &e.common, Format::Rapdu));
            }
            for (i, e) in f.tlv.iter().enumerate() {
                let format = if e.common.id == "tlv.simple" { Format::SimpleTlv } else { Format::Tlv };
                out.push((at("tlv", i), &e.common, format));
            }
            for (i, e) in f.tags.iter().enumerate() {
                out.push((at("tags", i), &e.common, Format::Tlv));
            }
            for (i, e) in f.applications.iter().enumerate() {
                out.push((at("applications", i), &e.common, Format::Capdu));
            }
            for (i, e) in f.commands.iter().enumerate() {
                out.push((at("commands", i), &e.common, Format::Capdu));
            }
            for (i, e) in f.files.iter().enumerate() {
                out.push((at("files", i), &e.common, Format::File(e.common.id.clone())));
            }
            for (i, e) in f.oids.iter().enumerate() {
                out.push((at("oids", i), &e.common, Format::Tlv));
            }
            for (i, e) in f.certificate_profiles.iter().enumerate() {
                out.push((at("certificate_profiles", i), &e.common, Format::Tlv));
            }
            for (i, e) in f.card_rules.iter().enumerate() {
                out.push((at("card_rules", i), &e.common, Format::Capdu));
            }
            for (i, e) in f.profiles.iter().enumerate() {
                out.push((at("profiles", i), &e.common, Format::Capdu));
            }
            for (i, e) in f.types.iter().enumerate() {
                out.push((at("types", i), &e.common, Format::Value(e.common.id.clone())));
            }
            for (i, e) in f.data_layouts.iter().enumerate() {
                out.push((at("data_layouts", i), &e.common, Format::Layout(e.common.id.clone())));
            }
        }
        out
    }
}

/// What a spec example's bytes are decoded as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    Capdu,
    Rapdu,
    Tlv,
    SimpleTlv,
    /// A file, by its entry id.
    File(String),
    /// A data layout, by its entry id.
    Layout(String),
    /// A value of a named type, by the type's id.
    Value(String),
}

impl Format {
    pub fn name(&self) -> &str {
        match self {
            Self::Capdu => "capdu",
            Self::Rapdu => "rapdu",
            Self::Tlv => "tlv",
            Self::SimpleTlv => "simple-tlv",
            Self::File(_) => "ef",
            Self::Layout(_) => "layout",
            Self::Value(_) => "value",
        }
    }
}

/// DER content octets of a dotted OID (`1.2.840.113549` → `2A 86 48 86 F7 0D`).
pub fn oid_der(dotted: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u128> = dotted.split('.').map(|a| a.parse().ok()).collect::<Option<_>>()?;
    if arcs.len() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40) {
        return None;
    }
    let mut out = Vec::new();
    for arc in std::iter::once(arcs[0] * 40 + arcs[1]).chain(arcs[2..].iter().copied()) {
        let mut groups = vec![(arc & 0x7F) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7F) as u8);
            rest >>= 7;
        }
        out.extend(groups.iter().rev());
    }
    Some(out)
}

/// `"D3 92 F0"` → bytes; spaces are allowed for readability.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(&compact).map_err(|e| format!("bad hex: {e}"))
}
