//! Generates `files.rs`: a view per readable file (its layout's fields and padding), the
//! decoder and encoder, and a `File` enum to decode by file id or by application and FID.

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
