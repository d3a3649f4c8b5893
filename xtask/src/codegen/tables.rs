//! Generated tables: limits, instructions, status words, tags, the class byte,
//! applications and rules.

use super::{camel, lit, Ctx};
use crate::spec::Access;
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub fn limits(ctx: &Ctx) -> Result<String, String> {
    let l = ctx.spec.tlv_limits().ok_or("spec has no tlv.ber entry with limits")?;
    Ok(format!(
        "/// Most bytes a BER-TLV tag field may take.\npub const BER_MAX_TAG_BYTES: usize = {};\n\
         /// Most bytes after the first that a BER-TLV length field may take.\npub const BER_MAX_LENGTH_BYTES: usize = {};\n\
         /// Deepest nesting of constructed BER-TLV objects a walk descends into.\npub const BER_MAX_DEPTH: usize = {};\n",
        l.max_tag_bytes, l.max_length_bytes, l.max_depth
    ))
}

/// An open enumeration over `repr`: one variant per entry, `Unknown(repr)` for the rest,
/// conversions both ways, and the spec's id and name for each known value.
pub(super) fn open_enum(name: &str, doc: &str, repr: &str, entries: &[(String, String, String, String)]) -> String {
    // entries: (variant, value literal, id, display name)
    let mut s = String::new();
    let _ = writeln!(
        s,
        "/// {doc}\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::IntoStaticStr)]\npub enum {name} {{"
    );
    for (v, value, id, display) in entries {
        let _ =
            writeln!(s, "    /// {display} ({value}, `{id}`)\n    #[strum(serialize = {})]\n    {v},", lit(display));
    }
    let _ = writeln!(
        s,
        "    /// A value the spec does not list.\n    #[strum(serialize = \"unknown\")]\n    Unknown({repr}),\n}}\n"
    );
    let _ = writeln!(s, "impl From<{repr}> for {name} {{\n    fn from(x: {repr}) -> Self {{\n        match x {{");
    for (v, value, _, _) in entries {
        let _ = writeln!(s, "            {value} => Self::{v},");
    }
    let _ = writeln!(s, "            other => Self::Unknown(other),\n        }}\n    }}\n}}\n");
    let _ = writeln!(s, "impl From<{name}> for {repr} {{\n    fn from(x: {name}) -> Self {{\n        match x {{");
    for (v, value, _, _) in entries {
        let _ = writeln!(s, "            {name}::{v} => {value},");
    }
    let _ = writeln!(s, "            {name}::Unknown(other) => other,\n        }}\n    }}\n}}\n");
    let _ = writeln!(
        s,
        "impl {name} {{\n    /// Every value the spec lists.\n    pub const ALL: [Self; {}] = [{}];\n",
        entries.len(),
        entries.iter().map(|e| format!("Self::{}", e.0)).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(s, "    /// The spec entry's id, for a listed value.\n    pub fn id(self) -> Option<&'static str> {{\n        match self {{");
    for (v, _, id, _) in entries {
        let _ = writeln!(s, "            Self::{v} => Some({}),", lit(id));
    }
    let _ = writeln!(s, "            Self::Unknown(_) => None,\n        }}\n    }}\n");
    let _ = writeln!(s, "    /// The spec's name, for a listed value.\n    pub fn name(self) -> Option<&'static str> {{\n        match self {{\n            Self::Unknown(_) => None,\n            known => Some(known.into()),\n        }}\n    }}\n}}\n");
    let _ = writeln!(s, "impl<'a> arbitrary::Arbitrary<'a> for {name} {{\n    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {{\n        Ok(Self::from({repr}::arbitrary(u)?))\n    }}\n}}");
    s
}

pub fn instructions(ctx: &Ctx) -> String {
    let entries: Vec<_> = ctx
        .spec
        .instructions()
        .map(|(_, _, e)| {
            (
                camel(e.common.id.trim_start_matches("ins.")),
                format!("0x{}", e.ins),
                e.common.id.clone(),
                e.common.name.clone(),
            )
        })
        .collect();
    open_enum("Ins", "An instruction byte (INS).", "u8", &entries)
}

pub fn tags(ctx: &Ctx) -> String {
    let entries: Vec<_> = ctx
        .spec
        .tags()
        .map(|(_, _, e)| {
            (
                camel(e.common.id.trim_start_matches("tag.")),
                format!("0x{}", e.tag),
                e.common.id.clone(),
                e.common.name.clone(),
            )
        })
        .collect();
    open_enum("Tag", "A BER-TLV tag, named where ISO 7816 names it regardless of context.", "u32", &entries)
}

pub fn status(ctx: &Ctx) -> String {
    let rt = &ctx.rt;
    let all: Vec<_> = ctx.spec.status_words().map(|(_, _, e)| e.clone()).collect();
    let mut s = String::from("/// A status word (SW1 SW2). Words with x digits in the spec carry the value of those digits.\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::IntoStaticStr)]\npub enum StatusWord {\n");
    for e in &all {
        let v = camel(e.common.id.trim_start_matches("sw."));
        let payload = if e.sw.contains('x') { "(u8)" } else { "" };
        let _ = writeln!(
            s,
            "    /// {} — {}\n    #[strum(serialize = {})]\n    {v}{payload},",
            e.sw,
            e.meaning,
            lit(&e.common.id)
        );
    }
    s.push_str(
        "    /// A word the spec does not list.\n    #[strum(serialize = \"unknown\")]\n    Unknown(u16),\n}\n\n",
    );
    // Exact words first, so that 6300 is not read as a pattern.
    s.push_str("impl From<u16> for StatusWord {\n    fn from(sw: u16) -> Self {\n        match sw {\n");
    for e in all.iter().filter(|e| !e.sw.contains('x')) {
        let _ = writeln!(s, "            0x{} => Self::{},", e.sw, camel(e.common.id.trim_start_matches("sw.")));
    }
    for e in all.iter().filter(|e| e.sw.contains('x')) {
        let v = camel(e.common.id.trim_start_matches("sw."));
        let (lo, hi, mask) = match e.sw.matches('x').count() {
            1 => (e.sw.replace('x', "0"), e.sw.replace('x', "F"), "0x0F"),
            _ => (e.sw.replace('x', "0"), e.sw.replace('x', "F"), "0xFF"),
        };
        let _ = writeln!(s, "            0x{lo}..=0x{hi} => Self::{v}((sw & {mask}) as u8),");
    }
    s.push_str("            other => Self::Unknown(other),\n        }\n    }\n}\n\n");
    s.push_str("impl From<StatusWord> for u16 {\n    fn from(sw: StatusWord) -> Self {\n        match sw {\n");
    for e in &all {
        let v = camel(e.common.id.trim_start_matches("sw."));
        match e.sw.matches('x').count() {
            0 => {
                let _ = writeln!(s, "            StatusWord::{v} => 0x{},", e.sw);
            }
            1 => {
                let _ = writeln!(
                    s,
                    "            StatusWord::{v}(x) => 0x{} | u16::from(x & 0x0F),",
                    e.sw.replace('x', "0")
                );
            }
            _ => {
                let _ = writeln!(s, "            StatusWord::{v}(x) => 0x{} | u16::from(x),", e.sw.replace('x', "0"));
            }
        }
    }
    s.push_str("            StatusWord::Unknown(x) => x,\n        }\n    }\n}\n\n");
    s.push_str("impl StatusWord {\n");
    let table = |field: &dyn Fn(&crate::spec::StatusEntry) -> String, fname: &str, doc: &str| {
        let mut t =
            format!("    /// {doc}\n    pub fn {fname}(self) -> Option<&'static str> {{\n        match self {{\n");
        for e in &all {
            let v = camel(e.common.id.trim_start_matches("sw."));
            let pat = if e.sw.contains('x') { format!("Self::{v}(_)") } else { format!("Self::{v}") };
            let _ = writeln!(t, "            {pat} => Some({}),", lit(&field(e)));
        }
        t.push_str("            Self::Unknown(_) => None,\n        }\n    }\n\n");
        t
    };
    s.push_str(&table(&|e| e.common.id.clone(), "id", "The spec entry's id."));
    s.push_str(&table(&|e| e.common.name.clone(), "name", "A short name."));
    s.push_str(&table(&|e| e.meaning.clone(), "meaning", "What the word means."));
    s.push_str("    /// The named value a parameterised word carries (`tries_left` of 63Cx).\n    pub fn param(self) -> Option<(&'static str, u8)> {\n        match self {\n");
    for e in all.iter().filter(|e| e.sw.contains('x')) {
        let v = camel(e.common.id.trim_start_matches("sw."));
        let _ = writeln!(s, "            Self::{v}(x) => Some(({}, x)),", lit(e.param.as_deref().unwrap_or("value")));
    }
    s.push_str("            _ => None,\n        }\n    }\n\n    /// Success: 9000 (and 61xx, which promises more data).\n    pub fn is_success(self) -> bool {\n        matches!(u16::from(self) >> 8, 0x90 | 0x61)\n    }\n}\n\n");
    let _ = writeln!(
        s,
        "impl {rt}::describe::Describe for StatusWord {{\n    fn describe(&self, v: &mut dyn {rt}::describe::Visitor) {{\n        use {rt}::describe::Value;\n        let text = |x: Option<&'static str>| x.map_or(Value::Null, Value::Text);\n        v.enter(\"status\");\n        v.field(\"id\", text(self.id()));\n        v.field(\"name\", text(self.name()));\n        v.field(\"meaning\", text(self.meaning()));\n        if let Some((name, x)) = self.param() {{\n            v.field(name, Value::Uint(u64::from(x)));\n        }}\n        v.leave();\n    }}\n}}\n\nimpl<'a> arbitrary::Arbitrary<'a> for StatusWord {{\n    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {{\n        Ok(Self::from(u16::arbitrary(u)?))\n    }}\n}}"
    );
    s
}

/// `"100xxxxx"` or `"A4"` → (mask of fixed bits, their value).
pub fn pattern_bits(p: &str) -> (u8, u8) {
    if p.len() == 2 {
        return (0xFF, u8::from_str_radix(p, 16).unwrap_or(0));
    }
    p.chars().fold((0, 0), |(m, v), c| match c {
        '0' => (m << 1 | 1, v << 1),
        '1' => (m << 1 | 1, v << 1 | 1),
        _ => (m << 1, v << 1),
    })
}

pub fn class(ctx: &Ctx) -> Result<String, String> {
    let rt = &ctx.rt;
    let entries: Vec<_> = ctx.spec.class_entries().map(|(_, _, e)| e.clone()).collect();
    let mut s = String::new();
    // Flags: one bitflags constant per named flag; a name must mean the same bit everywhere.
    let mut flags: BTreeMap<String, String> = BTreeMap::new();
    for e in &entries {
        for f in &e.fields {
            if let Some(flag) = &f.flag {
                if let Some(prev) = flags.insert(flag.clone(), f.mask.clone()) {
                    if prev != f.mask {
                        return Err(format!("class flag {flag} has masks {prev} and {}", f.mask));
                    }
                }
            }
        }
    }
    s.push_str("bitflags::bitflags! {\n    /// The single-bit fields of a class byte (which apply depends on its kind).\n    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\n    pub struct ClassFlags: u8 {\n");
    for (flag, mask) in &flags {
        let _ = writeln!(s, "        const {flag} = 0x{mask};");
    }
    s.push_str("    }\n}\n\n/// What kind of class byte it is (ISO 7816-4 §5.4.1).\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::IntoStaticStr)]\n#[strum(serialize_all = \"snake_case\")]\npub enum ClassKind {\n");
    for e in &entries {
        let _ = writeln!(
            s,
            "    /// {} (`{}`)\n    {},",
            e.common.name,
            e.pattern,
            camel(e.common.id.trim_start_matches("cla."))
        );
    }
    s.push_str("    /// No pattern of the spec matches.\n    Invalid,\n}\n\n");
    let _ = writeln!(s, "impl {rt}::apdu::class::Class {{\n    pub fn kind(self) -> ClassKind {{");
    for e in &entries {
        let (m, v) = pattern_bits(&e.pattern);
        let _ = writeln!(
            s,
            "        if self.0 & 0x{m:02X} == 0x{v:02X} {{\n            return ClassKind::{};\n        }}",
            camel(e.common.id.trim_start_matches("cla."))
        );
    }
    s.push_str("        ClassKind::Invalid\n    }\n\n    /// The flags this kind of class byte defines that are set.\n    pub fn flags(self) -> ClassFlags {\n        match self.kind() {\n");
    for e in &entries {
        let mask: Vec<_> =
            e.fields.iter().filter_map(|f| f.flag.as_ref().map(|fl| format!("ClassFlags::{fl}.bits()"))).collect();
        let expr = if mask.is_empty() {
            "ClassFlags::empty()".to_string()
        } else {
            format!("ClassFlags::from_bits_truncate(self.0 & ({}))", mask.join(" | "))
        };
        let _ = writeln!(s, "            ClassKind::{} => {expr},", camel(e.common.id.trim_start_matches("cla.")));
    }
    s.push_str("            ClassKind::Invalid => ClassFlags::empty(),\n        }\n    }\n\n");
    // Multi-bit fields: named values or numbers, per kind.
    let mut fields: BTreeMap<String, (bool, Vec<String>)> = BTreeMap::new();
    for e in &entries {
        for f in e.fields.iter().filter(|f| f.flag.is_none()) {
            let kind = camel(e.common.id.trim_start_matches("cla."));
            let m = u8::from_str_radix(&f.mask, 16).map_err(|e| e.to_string())?;
            let shift = m.trailing_zeros();
            let arm = if let Some(values) = &f.values {
                let mut arm = format!("ClassKind::{kind} => Some(match (self.0 & 0x{m:02X}) >> {shift} {{\n");
                for (k, name) in values {
                    let _ = writeln!(arm, "                {k} => {},", lit(name));
                }
                arm.push_str("                _ => \"reserved\",\n            }),");
                arm
            } else {
                format!("ClassKind::{kind} => Some(((self.0 & 0x{m:02X}) >> {shift}) + {}),", f.add.unwrap_or(0))
            };
            let entry = fields.entry(f.name.clone()).or_insert((f.values.is_some(), Vec::new()));
            if entry.0 != f.values.is_some() {
                return Err(format!("class field {} is named in one kind and numeric in another", f.name));
            }
            entry.1.push(arm);
        }
    }
    for (name, (named, arms)) in &fields {
        let ty = if *named { "&'static str" } else { "u8" };
        let _ = writeln!(s, "    pub fn {name}(self) -> Option<{ty}> {{\n        match self.kind() {{\n            {}\n            _ => None,\n        }}\n    }}\n", arms.join("\n            "));
    }
    s.push_str("}\n\n");
    let _ = writeln!(s, "impl {rt}::describe::Describe for {rt}::apdu::class::Class {{\n    fn describe(&self, v: &mut dyn {rt}::describe::Visitor) {{\n        use {rt}::describe::Value;\n        let kind = self.kind();\n        v.field(\"kind\", Value::Text(kind.into()));\n        match kind {{");
    for e in &entries {
        let mut arm = String::new();
        for f in &e.fields {
            if let Some(flag) = &f.flag {
                let _ = writeln!(
                    arm,
                    "                v.field({}, Value::Bool(self.flags().contains(ClassFlags::{flag})));",
                    lit(&f.name)
                );
            } else if f.values.is_some() {
                let _ = writeln!(
                    arm,
                    "                v.field({}, self.{}().map_or(Value::Null, Value::Text));",
                    lit(&f.name),
                    f.name
                );
            } else {
                let _ = writeln!(
                    arm,
                    "                v.field({}, self.{}().map_or(Value::Null, |x| Value::Uint(u64::from(x))));",
                    lit(&f.name),
                    f.name
                );
            }
        }
        let _ = writeln!(
            s,
            "            ClassKind::{} => {{\n{arm}            }}",
            camel(e.common.id.trim_start_matches("cla."))
        );
    }
    s.push_str("            ClassKind::Invalid => {}\n        }\n    }\n}\n");
    Ok(s)
}

pub fn applications(ctx: &Ctx) -> String {
    let rt = &ctx.rt;
    let mut s = String::from(
        "/// An application (DF) of the card.\n#[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub struct Application {\n    pub id: &'static str,\n    pub name: &'static str,\n    /// The name `hanko decode ef --ap` takes.\n    pub short: &'static str,\n    pub aid: &'static [u8],\n}\n\n\
        /// Who may read a file.\n#[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub enum Access {\n    Always,\n    Never,\n    /// Any one of these PIN files, verified in the current DF.\n    AnyPin(&'static [&'static str]),\n}\n\n\
        /// What a file holds.\n#[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub enum FileKind {\n    /// Readable data with a layout; `read` says who may read it.\n    Data { read: Access },\n    /// A PIN: tries before it blocks, and the allowed lengths.\n    Pin { tries: u8, min_len: u8, max_len: u8, charset: &'static str },\n    /// A private key, usable after any one of these PINs.\n    Key { bits: u32, pins: &'static [&'static str] },\n}\n\n\
        /// A file of an application.\n#[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub struct FileInfo {\n    pub id: &'static str,\n    pub name: &'static str,\n    pub application: &'static str,\n    pub fid: u16,\n    pub kind: FileKind,\n    pub confidence: &'static str,\n}\n\n/// Every application of the spec.\npub const APPLICATIONS: &[Application] = &[\n",
    );
    for (_, _, a) in ctx.spec.applications() {
        let aid = crate::spec::parse_hex(&a.aid).unwrap_or_default();
        let bytes: Vec<_> = aid.iter().map(|b| format!("0x{b:02X}")).collect();
        let _ = writeln!(
            s,
            "    Application {{ id: {}, name: {}, short: {}, aid: &[{}] }},",
            lit(&a.common.id),
            lit(&a.common.name),
            lit(&a.short),
            bytes.join(", ")
        );
    }
    s.push_str("];\n\n/// Every file of the spec, readable or not.\npub const FILES: &[FileInfo] = &[\n");
    let list = |v: &[String]| format!("&[{}]", v.iter().map(|p| lit(p)).collect::<Vec<_>>().join(", "));
    for (_, _, f) in ctx.spec.files_entries() {
        let kind = match f.kind.as_str() {
            "pin" => {
                let p = f.pin.as_ref().map(|p| (p.tries, p.length, p.charset.clone())).unwrap_or((
                    0,
                    [0, 0],
                    String::new(),
                ));
                format!(
                    "FileKind::Pin {{ tries: {}, min_len: {}, max_len: {}, charset: {} }}",
                    p.0,
                    p.1[0],
                    p.1[1],
                    lit(&p.2)
                )
            }
            "key" => {
                let k = f.key.as_ref();
                format!(
                    "FileKind::Key {{ bits: {}, pins: {} }}",
                    k.map_or(0, |k| k.bits),
                    list(k.map(|k| k.use_pins.as_slice()).unwrap_or(&[]))
                )
            }
            _ => {
                let read = match &f.read {
                    Some(Access::Word(w)) if w == "always" => "Access::Always".to_string(),
                    Some(Access::AnyPin(p)) => format!("Access::AnyPin({})", list(p)),
                    _ => "Access::Never".to_string(),
                };
                format!("FileKind::Data {{ read: {read} }}")
            }
        };
        let _ = writeln!(
            s,
            "    FileInfo {{ id: {}, name: {}, application: {}, fid: 0x{}, kind: {kind}, confidence: {} }},",
            lit(&f.common.id),
            lit(&f.common.name),
            lit(&f.application),
            f.fid,
            lit(f.common.confidence.as_str())
        );
    }
    let _ = write!(
        s,
        "];\n\npub fn by_aid(aid: &[u8]) -> Option<&'static Application> {{\n    APPLICATIONS.iter().find(|a| a.aid == aid)\n}}\n\n\
        pub fn by_short(short: &str) -> Option<&'static Application> {{\n    APPLICATIONS.iter().find(|a| a.short == short)\n}}\n\n\
        /// The file `fid` of the application with id `application`.\npub fn file(application: &str, fid: u16) -> Option<&'static FileInfo> {{\n    FILES.iter().find(|f| f.application == application && f.fid == fid)\n}}\n\n\
        /// An application identifier, named when the spec knows it.\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub struct Aid<'a>(pub &'a [u8]);\n\n\
        impl<'a> Aid<'a> {{\n    pub fn application(&self) -> Option<&'static Application> {{\n        by_aid(self.0)\n    }}\n\n\
            /// An AID of `min..=max` bytes: a known one where it fits, or bytes from the fuzzer.\n    pub fn arb(u: &mut arbitrary::Unstructured<'a>, min: usize, max: usize) -> arbitrary::Result<Self> {{\n        let known: &'static [Application] = APPLICATIONS;\n        if !known.is_empty() && u.arbitrary()? {{\n            let a = u.choose(known)?;\n            if (min..=max).contains(&a.aid.len()) {{\n                return Ok(Self(a.aid));\n            }}\n        }}\n        Ok(Self({rt}::field::arb_bytes(u, min, max)?))\n    }}\n}}\n\n\
        impl {rt}::describe::DescribeField for Aid<'_> {{\n    fn describe_field(&self, name: &str, v: &mut dyn {rt}::describe::Visitor) {{\n        use {rt}::describe::Value;\n        v.enter(name);\n        v.field(\"hex\", Value::Bytes(self.0));\n        v.field(\"application\", self.application().map_or(Value::Null, |a| Value::Text(a.id)));\n        v.leave();\n    }}\n}}\n"
    );
    s
}

pub fn rules(ctx: &Ctx) -> String {
    let rt = &ctx.rt;
    let mut s = String::new();
    let mut items = ctx.rules.items.clone();
    items.sort();
    for (name, what, path) in items {
        let _ = writeln!(
            s,
            "pub const {name}: {rt}::error::Rule = {rt}::error::Rule {{ what: {}, path: {} }};",
            lit(&what),
            lit(&path)
        );
    }
    s
}

/// `types.rs`: every named value type of the spec, an open enumeration or a bitflags set,
/// and `TypedValue` to decode one by type id.
pub fn types(ctx: &mut Ctx) -> Result<String, String> {
    let rt = ctx.rt.clone();
    let entries: Vec<_> = ctx.spec.types().map(|(l, i, e)| (format!("{}#/types/{i}", l.display), e.clone())).collect();
    let mut s = format!("use {rt}::error::Result;\n\n");
    let mut variants = Vec::new();
    for (pointer, t) in &entries {
        let name = camel(&t.common.id);
        let rule = ctx.rules.add(super::upper(&t.common.id), t.common.name.clone(), pointer.clone());
        let doc = format!(
            "/// {} (`{}`, {}).\n///\n/// Source: {}\n",
            t.common.name,
            t.common.id,
            t.common.confidence.as_str(),
            t.common.source
        );
        let note = t.common.note.as_ref().map(|n| format!("///\n/// {n}\n")).unwrap_or_default();
        if t.kind == "flags" {
            let repr = match t.bytes {
                1 => "u8",
                2 => "u16",
                _ => "u32",
            };
            let mut flags: Vec<(u32, String)> = t
                .flags
                .iter()
                .flatten()
                .map(|(m, n)| u32::from_str_radix(m, 16).map(|m| (m, n.clone())).map_err(|e| format!("{pointer}: {e}")))
                .collect::<Result<_, _>>()?;
            // Most significant first, as decoders list them.
            flags.sort_by_key(|f| std::cmp::Reverse(f.0));
            let _ = writeln!(s, "{rt}::field::bitflags::bitflags! {{\n{doc}{note}    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\n    pub struct {name}: {repr} {{");
            for (m, n) in &flags {
                let _ =
                    writeln!(s, "        /// `{n}`\n        const {} = 0x{m:0w$X};", super::upper(n), w = 2 * t.bytes);
            }
            let mask: u64 = (1u64 << (8 * t.bytes)) - 1;
            let _ = writeln!(s, "    }}\n}}\n\nimpl {rt}::field::FlagSet for {name} {{\n    const WIDTH: usize = {};\n    const NAMES: &'static [(&'static str, u32)] = &[{}];\n\n    fn to_bits(self) -> u32 {{\n        u32::from(self.bits())\n    }}\n\n    fn from_raw(bits: u32) -> Self {{\n        Self::from_bits_retain(bits as {repr})\n    }}\n}}\n", t.bytes, flags.iter().map(|(m, n)| format!("({}, 0x{m:X})", lit(n))).collect::<Vec<_>>().join(", "));
            let _ = writeln!(s, "impl<'a> arbitrary::Arbitrary<'a> for {name} {{\n    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {{\n        Ok(Self::from_bits_retain(u.arbitrary::<{repr}>()? & 0x{mask:X}))\n    }}\n}}\n");
            variants.push((
                name.clone(),
                format!("{rt}::field::FlagBytes<{name}>"),
                t.common.id.clone(),
                format!("{rt}::field::flag_bytes::<{name}>(span, 1, {}, {rule})?", t.bytes),
                "x.encode(out)".to_string(),
                "x.encoded_len()".to_string(),
            ));
        } else {
            let values: Vec<(String, String, String)> =
                t.values.iter().flatten().map(|(k, n)| (camel(n), format!("0x{k}"), n.clone())).collect();
            let _ = writeln!(s, "{doc}{note}#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub enum {name} {{");
            for (v, k, n) in &values {
                let _ = writeln!(s, "    /// {k} `{n}`\n    {v},");
            }
            s.push_str("    /// A value the spec does not list, kept as read.\n    Unknown(u8),\n}\n\n");
            let _ = writeln!(s, "impl From<u8> for {name} {{\n    fn from(x: u8) -> Self {{\n        match x {{");
            for (v, k, _) in &values {
                let _ = writeln!(s, "            {k} => Self::{v},");
            }
            let _ = writeln!(s, "            other => Self::Unknown(other),\n        }}\n    }}\n}}\n\nimpl From<{name}> for u8 {{\n    fn from(x: {name}) -> Self {{\n        match x {{");
            for (v, k, _) in &values {
                let _ = writeln!(s, "            {name}::{v} => {k},");
            }
            let _ = writeln!(s, "            {name}::Unknown(other) => other,\n        }}\n    }}\n}}\n");
            let _ = writeln!(s, "impl {name} {{\n    /// Every value the spec lists.\n    pub const ALL: [Self; {}] = [{}];\n\n    /// The spec's name for a listed value.\n    pub fn name(self) -> Option<&'static str> {{\n        match self {{", values.len(), values.iter().map(|v| format!("Self::{}", v.0)).collect::<Vec<_>>().join(", "));
            for (v, _, n) in &values {
                let _ = writeln!(s, "            Self::{v} => Some({}),", lit(n));
            }
            let _ = writeln!(s, "            Self::Unknown(_) => None,\n        }}\n    }}\n}}\n");
            let _ = writeln!(s, "impl {rt}::describe::DescribeField for {name} {{\n    fn describe_field(&self, name: &str, v: &mut dyn {rt}::describe::Visitor) {{\n        match (self.name(), self) {{\n            (Some(n), _) => v.field(name, {rt}::describe::Value::Text(n)),\n            (None, Self::Unknown(x)) => v.field(name, {rt}::describe::Value::Bytes(core::slice::from_ref(x))),\n            (None, _) => v.field(name, {rt}::describe::Value::Null),\n        }}\n    }}\n}}\n");
            let _ = writeln!(s, "impl<'a> arbitrary::Arbitrary<'a> for {name} {{\n    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {{\n        Ok(Self::from(u.arbitrary::<u8>()?))\n    }}\n}}\n");
            variants.push((
                name.clone(),
                name.clone(),
                t.common.id.clone(),
                format!("{name}::from({rt}::field::uint(span, 1, {rule})? as u8)"),
                "out.push(u8::from(*x))".to_string(),
                "1".to_string(),
            ));
        }
    }
    let _ = writeln!(s, "/// A value of any named type, decoded by type id.\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub enum TypedValue {{");
    for (v, ty, ..) in &variants {
        let _ = writeln!(s, "    {v}({ty}),");
    }
    s.push_str("}\n\nimpl TypedValue {\n");
    let _ = writeln!(
        s,
        "    /// Every type's id, in spec order.\n    pub const IDS: &'static [&'static str] = &[{}];\n",
        variants.iter().map(|v| lit(&v.2)).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(s, "    /// Decodes all of `input` as a value of the type `id`; `None` if the spec has no such type.\n    pub fn decode(id: &str, input: &[u8]) -> Option<Result<Self>> {{\n        let span = {rt}::reader::Span {{ bytes: input, offset: 0 }};\n        Some(match id {{");
    for (v, _, id, dec, ..) in &variants {
        let _ = writeln!(s, "            {} => (|| Ok(Self::{v}({dec})))(),", lit(id));
    }
    s.push_str("            _ => return None,\n        })\n    }\n\n");
    s.push_str("    pub fn id(&self) -> &'static str {\n        match self {\n");
    for (v, _, id, ..) in &variants {
        let _ = writeln!(s, "            Self::{v}(_) => {},", lit(id));
    }
    s.push_str("        }\n    }\n\n    pub fn encoded_len(&self) -> usize {\n        match self {\n");
    for (v, _, _, _, _, len) in &variants {
        let bind = if len == "1" { "_" } else { "x" };
        let _ = writeln!(s, "            Self::{v}({bind}) => {len},");
    }
    s.push_str("        }\n    }\n\n    pub fn encode(&self, out: &mut Vec<u8>) {\n        match self {\n");
    for (v, _, _, _, enc, _) in &variants {
        let _ = writeln!(s, "            Self::{v}(x) => {enc},");
    }
    s.push_str("        }\n    }\n}\n\n");
    let _ = writeln!(s, "impl {rt}::describe::Describe for TypedValue {{\n    fn describe(&self, v: &mut dyn {rt}::describe::Visitor) {{\n        v.field(\"type\", {rt}::describe::Value::Text(self.id()));\n        match self {{");
    for (v, ..) in &variants {
        let _ =
            writeln!(s, "            Self::{v}(x) => {rt}::describe::DescribeField::describe_field(x, \"value\", v),");
    }
    s.push_str("        }\n    }\n}\n");
    Ok(s)
}
