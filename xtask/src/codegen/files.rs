//! Generates `files.rs`: a view per readable file (its layout's fields and padding), the
//! decoder and encoder, and a `File` enum to decode by file id or by application and FID;
//! and `layouts.rs`, the same for data layouts that are not files (response data).

use super::layout::Gen;
use super::{camel, lit, upper, Ctx};
use std::fmt::Write as _;

pub fn generate(ctx: &mut Ctx) -> Result<String, String> {
    let rt = ctx.rt.clone();
    let files: Vec<_> = ctx
        .spec
        .files_entries()
        .filter(|(_, _, f)| f.kind == "data")
        .map(|(l, i, f)| (format!("{}#/files/{i}", l.display), f.clone()))
        .collect();
    let mut s = format!("use {rt}::error::Result;\n\n");
    let mut variants = Vec::new();
    for (pointer, f) in &files {
        let name = camel(&f.common.id);
        let entry_rule = ctx.rules.add(upper(&f.common.id), f.common.name.clone(), pointer.clone());
        let items = f.layout.clone().unwrap_or_default();
        let layout = Gen::new(ctx, &f.common.id, &name).run(&items, &format!("{pointer}/layout"))?;
        let lt = if layout.has_lifetime { "<'a>" } else { "" };
        variants.push((name.clone(), layout.has_lifetime, f.common.id.clone(), f.application.clone(), f.fid.clone()));
        let pad: Option<Vec<String>> = f.padding.as_ref().map(|p| p.iter().map(|b| format!("0x{b}")).collect());
        let _ = writeln!(
            s,
            "/// {} — EF {} of `{}` ({}).\n///\n/// Source: {}",
            f.common.name,
            f.fid,
            f.application,
            f.common.confidence.as_str(),
            f.common.source
        );
        if let Some(n) = &f.common.note {
            let _ = writeln!(s, "///\n/// {n}");
        }
        let _ = write!(
            s,
            "#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub struct {name}{lt} {{\n{}",
            layout.fields
        );
        if pad.is_some() {
            s.push_str("    /// Bytes after the data, all one padding byte.\n    pub padding: ");
            let _ = writeln!(s, "{rt}::field::Padding,");
        }
        s.push_str("}\n\n");
        s.push_str(&layout.types);
        let impl_lt = if layout.has_lifetime { "<'a>" } else { "" };
        let input_ty = if layout.has_lifetime { "&'a [u8]" } else { "&[u8]" };
        let mut inits = layout.inits.clone();
        let mut tail = String::new();
        let (mut len, mut enc, mut desc) = (layout.len.clone(), layout.encode.clone(), layout.describe.clone());
        let mut arb_inits = layout.inits.clone();
        match &pad {
            Some(p) => {
                let padding_rule = ctx.rules.add(
                    format!("{}__PADDING", upper(&f.common.id)),
                    format!("padding of {}", f.common.id),
                    format!("{pointer}/padding"),
                );
                let _ = writeln!(tail, "let f_padding = r0.padding_any(&[{}], {padding_rule})?;", p.join(", "));
                inits.push("padding: f_padding".into());
                len = format!("{len} + self.padding.len");
                enc.push_str("self.padding.write(out);\n");
                let _ = writeln!(desc, "v.field(\"padding\", {rt}::describe::Value::Uint(self.padding.len as u64));");
                arb_inits.push(format!("padding: {rt}::field::Padding::arb(u, &[{}])?", p.join(", ")));
            }
            None => {
                let _ = writeln!(tail, "r0.finish({entry_rule})?;");
            }
        }
        let fid = u16::from_str_radix(&f.fid, 16).map_err(|e| e.to_string())?;
        let _ = writeln!(
            s,
            "impl{impl_lt} {name}{lt} {{\n    pub const ID: &'static str = {};\n    pub const APPLICATION: &'static str = {};\n    pub const FID: u16 = 0x{fid:04X};\n\n    /// Decodes the file's bytes as READ BINARY returns them, from offset 0.\n    pub fn parse(input: {input_ty}) -> Result<Self> {{\n        let mut r0 = {rt}::reader::Reader::new(input);\n{}{tail}{}        Ok(Self {{ {} }})\n    }}\n\n    pub fn encoded_len(&self) -> usize {{\n        {len}\n    }}\n\n    pub fn encode(&self, out: &mut Vec<u8>) {{\n{enc}    }}\n\n{}}}\n",
            lit(&f.common.id),
            lit(&f.application),
            layout.parse,
            layout.late_checks,
            inits.join(", "),
            layout.helpers
        );
        let _ = writeln!(
            s,
            "impl{impl_lt} {rt}::describe::Describe for {name}{lt} {{\n    fn describe(&self, v: &mut dyn {rt}::describe::Visitor) {{\n        v.field(\"file\", {rt}::describe::Value::Text(Self::ID));\n{desc}    }}\n}}\n"
        );
        let _ = writeln!(
            s,
            "impl<'a> arbitrary::Arbitrary<'a> for {name}{lt} {{\n    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {{\n{}        Ok(Self {{ {} }})\n    }}\n}}\n",
            layout.arbitrary,
            arb_inits.join(", ")
        );
    }

    let any_lt = variants.iter().any(|v| v.1);
    let elt = if any_lt { "<'a>" } else { "" };
    let input_ty = if any_lt { "&'a [u8]" } else { "&[u8]" };
    let _ = writeln!(s, "/// A decoded file of any layout the spec knows.\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub enum File{elt} {{");
    for (v, l, ..) in &variants {
        let _ = writeln!(s, "    {v}({v}{}),", if *l { "<'a>" } else { "" });
    }
    let _ = writeln!(s, "}}\n\nimpl{elt} File{elt} {{\n    /// Every readable file's id.\n    pub const IDS: &'static [&'static str] = &[{}];\n", variants.iter().map(|v| lit(&v.2)).collect::<Vec<_>>().join(", "));
    let _ = writeln!(s, "    /// Decodes `input` as the file with spec id `id`; `None` if the spec has no such readable file.\n    pub fn decode(id: &str, input: {input_ty}) -> Option<Result<Self>> {{\n        Some(match id {{");
    for (v, _, id, ..) in &variants {
        let _ = writeln!(s, "            {} => {v}::parse(input).map(Self::{v}),", lit(id));
    }
    s.push_str("            _ => return None,\n        })\n    }\n\n");
    let _ = writeln!(s, "    /// The id of the readable file `fid` of the application with id `application`.\n    pub fn id_of(application: &str, fid: u16) -> Option<&'static str> {{\n        match (application, fid) {{");
    for (_, _, id, app, fid) in &variants {
        let _ = writeln!(s, "            ({}, 0x{fid}) => Some({}),", lit(app), lit(id));
    }
    s.push_str("            _ => None,\n        }\n    }\n\n");
    for (method, ret, call) in [("id", "&'static str", "ID")] {
        let _ = writeln!(s, "    pub fn {method}(&self) -> {ret} {{\n        match self {{");
        for (v, ..) in &variants {
            let _ = writeln!(s, "            Self::{v}(_) => {v}::{call},");
        }
        s.push_str("        }\n    }\n\n");
    }
    for (method, sig, call) in [
        ("encoded_len", "(&self) -> usize", "f.encoded_len()"),
        ("encode", "(&self, out: &mut Vec<u8>)", "f.encode(out)"),
    ] {
        let _ = writeln!(s, "    pub fn {method}{sig} {{\n        match self {{");
        for (v, ..) in &variants {
            let _ = writeln!(s, "            Self::{v}(f) => {call},");
        }
        s.push_str("        }\n    }\n\n");
    }
    s.push_str("}\n\n");
    let _ = writeln!(s, "impl{elt} {rt}::describe::Describe for File{elt} {{\n    fn describe(&self, v: &mut dyn {rt}::describe::Visitor) {{\n        match self {{");
    for (v, ..) in &variants {
        let _ = writeln!(s, "            Self::{v}(f) => f.describe(v),");
    }
    s.push_str("        }\n    }\n}\n");
    Ok(s)
}

/// Generates `layouts.rs`: a view per data layout (a response's data, a structure inside
/// another field), and a `DataLayout` enum to decode by layout id.
pub fn generate_layouts(ctx: &mut Ctx) -> Result<String, String> {
    let rt = ctx.rt.clone();
    let entries: Vec<_> =
        ctx.spec.data_layouts().map(|(l, i, e)| (format!("{}#/data_layouts/{i}", l.display), e.clone())).collect();
    let mut s = format!("use {rt}::error::Result;\n\n");
    let mut variants = Vec::new();
    for (pointer, e) in &entries {
        let name = camel(&e.common.id);
        let entry_rule = ctx.rules.add(upper(&e.common.id), e.common.name.clone(), pointer.clone());
        let layout = Gen::new(ctx, &e.common.id, &name).run(&e.layout, &format!("{pointer}/layout"))?;
        let lt = if layout.has_lifetime { "<'a>" } else { "" };
        variants.push((name.clone(), layout.has_lifetime, e.common.id.clone(), e.response_to.clone()));
        let _ = writeln!(
            s,
            "/// {} (`{}`, {}).\n///\n/// Source: {}",
            e.common.name,
            e.common.id,
            e.common.confidence.as_str(),
            e.common.source
        );
        if let Some(n) = &e.common.note {
            let _ = writeln!(s, "///\n/// {n}");
        }
        let _ = write!(
            s,
            "#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub struct {name}{lt} {{\n{}}}\n\n",
            layout.fields
        );
        s.push_str(&layout.types);
        let impl_lt = if layout.has_lifetime { "<'a>" } else { "" };
        let input_ty = if layout.has_lifetime { "&'a [u8]" } else { "&[u8]" };
        let answers: Vec<_> = e.response_to.iter().map(|c| lit(c)).collect();
        let _ = writeln!(
            s,
            "impl{impl_lt} {name}{lt} {{\n    pub const ID: &'static str = {};\n    /// The commands whose response data this is.\n    pub const RESPONSE_TO: &'static [&'static str] = &[{}];\n\n    /// Decodes the layout from the whole input.\n    pub fn parse(input: {input_ty}) -> Result<Self> {{\n        let mut r0 = {rt}::reader::Reader::new(input);\n{}        r0.finish({entry_rule})?;\n{}        Ok(Self {{ {} }})\n    }}\n\n    pub fn encoded_len(&self) -> usize {{\n        {}\n    }}\n\n    pub fn encode(&self, out: &mut Vec<u8>) {{\n{}    }}\n\n{}}}\n",
            lit(&e.common.id),
            answers.join(", "),
            layout.parse,
            layout.late_checks,
            layout.inits.join(", "),
            layout.len,
            layout.encode,
            layout.helpers
        );
        let _ = writeln!(
            s,
            "impl{impl_lt} {rt}::describe::Describe for {name}{lt} {{\n    fn describe(&self, v: &mut dyn {rt}::describe::Visitor) {{\n        v.field(\"layout\", {rt}::describe::Value::Text(Self::ID));\n{}    }}\n}}\n",
            layout.describe
        );
        let _ = writeln!(
            s,
            "impl<'a> arbitrary::Arbitrary<'a> for {name}{lt} {{\n    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {{\n{}        Ok(Self {{ {} }})\n    }}\n}}\n",
            layout.arbitrary,
            layout.inits.join(", ")
        );
    }

    let any_lt = variants.iter().any(|v| v.1);
    let elt = if any_lt { "<'a>" } else { "" };
    let input_ty = if any_lt { "&'a [u8]" } else { "&[u8]" };
    let _ = writeln!(s, "/// A decoded data layout of any kind the spec knows.\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub enum DataLayout{elt} {{");
    for (v, l, ..) in &variants {
        let _ = writeln!(s, "    {v}({v}{}),", if *l { "<'a>" } else { "" });
    }
    let _ = writeln!(
        s,
        "}}\n\nimpl{elt} DataLayout{elt} {{\n    /// Every data layout's id, in spec order.\n    pub const IDS: &'static [&'static str] = &[{}];\n",
        variants.iter().map(|v| lit(&v.2)).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(s, "    /// Decodes `input` as the layout with spec id `id`; `None` if the spec has no such layout.\n    pub fn decode(id: &str, input: {input_ty}) -> Option<Result<Self>> {{\n        Some(match id {{");
    for (v, _, id, _) in &variants {
        let _ = writeln!(s, "            {} => {v}::parse(input).map(Self::{v}),", lit(id));
    }
    s.push_str("            _ => return None,\n        })\n    }\n\n");
    let _ = writeln!(s, "    /// The ids of the layouts of the response data of command `command` (a command id), in spec order.\n    pub fn responses_to(command: &str) -> impl Iterator<Item = &'static str> + '_ {{\n        const ANSWERS: &[(&str, &[&str])] = &[{}];\n        ANSWERS.iter().filter(move |(_, commands)| commands.contains(&command)).map(|(id, _)| *id)\n    }}\n", variants.iter().map(|(v, _, _, _)| format!("({v}::ID, {v}::RESPONSE_TO)")).collect::<Vec<_>>().join(", "));
    for (method, sig, call) in [
        ("id", "(&self) -> &'static str", "{v}::ID"),
        ("encoded_len", "(&self) -> usize", "x.encoded_len()"),
        ("encode", "(&self, out: &mut Vec<u8>)", "x.encode(out)"),
    ] {
        let _ = writeln!(s, "    pub fn {method}{sig} {{\n        match self {{");
        for (v, ..) in &variants {
            let arm = if call.contains("{v}") { call.replace("{v}", v) } else { call.to_string() };
            let bind = if call.contains("{v}") { "_" } else { "x" };
            let _ = writeln!(s, "            Self::{v}({bind}) => {arm},");
        }
        s.push_str("        }\n    }\n\n");
    }
    s.push_str("}\n\n");
    let _ = writeln!(s, "impl{elt} {rt}::describe::Describe for DataLayout{elt} {{\n    fn describe(&self, v: &mut dyn {rt}::describe::Visitor) {{\n        match self {{");
    for (v, ..) in &variants {
        let _ = writeln!(s, "            Self::{v}(x) => x.describe(v),");
    }
    s.push_str("        }\n    }\n}\n\n");
    let _ = writeln!(s, "impl<'a> arbitrary::Arbitrary<'a> for DataLayout{elt} {{\n    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {{\n        Ok(match u.choose_index({})? {{", variants.len());
    for (i, (v, ..)) in variants.iter().enumerate() {
        let _ = writeln!(s, "            {i} => Self::{v}(u.arbitrary()?),");
    }
    s.push_str("            _ => return Err(arbitrary::Error::IncorrectFormat),\n        })\n    }\n}\n");
    Ok(s)
}
