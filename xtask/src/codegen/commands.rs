//! Generates `commands.rs`: a view per command (header parameters, data fields, case and
//! Ne), how to recognise it in a C-APDU, and its encoder.

use super::layout::Gen;
use super::tables::pattern_bits;
use super::{camel, field_ident, lit, upper, Ctx};
use crate::interp::hexbyte;
use std::fmt::Write as _;

fn case_variant(c: &str) -> String {
    format!("Case::C{c}")
}

pub fn generate(ctx: &mut Ctx) -> Result<String, String> {
    let rt = ctx.rt.clone();
    let commands: Vec<_> =
        ctx.spec.commands().map(|(l, i, c)| (format!("{}#/commands/{i}", l.display), c.clone())).collect();
    let mut s = format!("use {rt}::apdu::command::{{Case, CommandApdu}};\nuse {rt}::error::Result;\n\n");
    let mut variants = Vec::new();
    let mut ins_of = Vec::new();
    for (pointer, c) in &commands {
        let name = camel(&c.common.id);
        let ins = ctx
            .spec
            .instructions()
            .find(|(_, _, i)| i.common.id == c.instruction)
            .and_then(|(_, _, i)| hexbyte(&i.ins))
            .ok_or_else(|| format!("{pointer}: no instruction {}", c.instruction))?;
        let entry_rule = ctx.rules.add(upper(&c.common.id), c.common.name.clone(), pointer.clone());
        let layout = Gen::new(ctx, &c.common.id, &name).canonical(true).run(&c.data, &format!("{pointer}/data"))?;
        let lt = if layout.has_lifetime { "<'a>" } else { "" };
        variants.push((name.clone(), layout.has_lifetime));
        ins_of.push(ins);
        let has_le: Vec<bool> = c.cases.iter().map(|k| k.starts_with('2') || k.starts_with('4')).collect();
        let all_le = has_le.iter().all(|x| *x);
        let any_le = has_le.iter().any(|x| *x);
        let multi = c.cases.len() > 1;

        // The struct.
        let _ = writeln!(
            s,
            "/// {} (`{}`, {}).\n///\n/// Source: {}",
            c.common.name,
            c.common.id,
            c.common.confidence.as_str(),
            c.common.source
        );
        if let Some(n) = &c.common.note {
            let _ = writeln!(s, "///\n/// {n}");
        }
        let _ = writeln!(s, "#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub struct {name}{lt} {{");
        let mut param_inits = Vec::new();
        let mut param_arb = String::new();
        let mut param_describe = String::new();
        let mut p1_expr = vec![format!("0x{:02X}", pattern_bits(&c.header.p1).1)];
        let mut p2_expr = vec![format!("0x{:02X}", pattern_bits(&c.header.p2).1)];
        let mut param_parse = String::new();
        for p in &c.params {
            let mask = u16::from_str_radix(&p.mask, 16).map_err(|e| e.to_string())?;
            let shift = mask.trailing_zeros();
            let (ty, src) = match p.from.as_str() {
                "p1" => ("u8", "u16::from(apdu.p1)"),
                "p2" => ("u8", "u16::from(apdu.p2)"),
                _ => ("u16", "u16::from_be_bytes([apdu.p1, apdu.p2])"),
            };
            let doc = p.note.as_deref().map(|n| format!("    /// {n}\n")).unwrap_or_default();
            let _ = writeln!(s, "{doc}    pub {}: {ty},", field_ident(&p.name));
            let _ = writeln!(param_parse, "let p_{} = (({src} & 0x{mask:04X}) >> {shift}) as {ty};", p.name);
            param_inits.push(format!("{}: p_{}", field_ident(&p.name), p.name));
            let _ = writeln!(param_arb, "let p_{} = u.int_in_range(0..={})?;", p.name, mask >> shift);
            let _ = writeln!(
                param_describe,
                "v.field({}, {rt}::describe::Value::Uint(u64::from(self.{})));",
                lit(&p.name),
                field_ident(&p.name)
            );
            let placed = format!("((u16::from(self.{}) << {shift}) & 0x{mask:04X})", field_ident(&p.name));
            match p.from.as_str() {
                "p1" => p1_expr.push(format!("{placed} as u8")),
                "p2" => p2_expr.push(format!("{placed} as u8")),
                _ => {
                    p1_expr.push(format!("({placed} >> 8) as u8"));
                    p2_expr.push(format!("{placed} as u8"));
                }
            }
        }
        s.push_str(&layout.fields);
        if multi {
            s.push_str("    /// The command case it was (or is to be) sent in.\n    pub case: Case,\n");
        }
        if all_le {
            s.push_str("    /// Ne: how many response bytes are expected.\n    pub ne: u32,\n");
        } else if any_le {
            s.push_str("    /// Ne, where the case has an Le field.\n    pub ne: Option<u32>,\n");
        }
        s.push_str("}\n\n");
        s.push_str(&layout.types);

        let cases: Vec<_> = c.cases.iter().map(|k| case_variant(k)).collect();
        let (cla_m, cla_v) = pattern_bits(&c.header.cla);
        let (p1_m, p1_v) = pattern_bits(&c.header.p1);
        let (p2_m, p2_v) = pattern_bits(&c.header.p2);
        let apdu_lt = if layout.has_lifetime { "'a" } else { "'_" };
        let input_ty = if layout.has_lifetime { "&'a [u8]" } else { "&[u8]" };
        let impl_lt = if layout.has_lifetime { "<'a>" } else { "" };
        let _ = writeln!(
            s,
            "impl{impl_lt} {name}{lt} {{\n    pub const ID: &'static str = {};\n    pub const NAME: &'static str = {};\n    pub const CONFIDENCE: &'static str = {};\n    /// The cases this command is sent in.\n    pub const CASES: &'static [Case] = &[{}];\n",
            lit(&c.common.id),
            lit(&c.common.name),
            lit(c.common.confidence.as_str()),
            cases.join(", ")
        );
        let _ = writeln!(
            s,
            "    /// Whether the header and case are this command's (the data is checked by `from_apdu`).\n    #[inline]\n    pub fn matches(apdu: &CommandApdu<'_>) -> bool {{\n        apdu.cla & 0x{cla_m:02X} == 0x{cla_v:02X} && apdu.ins == 0x{ins:02X} && apdu.p1 & 0x{p1_m:02X} == 0x{p1_v:02X} && apdu.p2 & 0x{p2_m:02X} == 0x{p2_v:02X} && Self::CASES.contains(&apdu.case)\n    }}\n"
        );
        let mut body = param_parse.clone();
        if !c.data.is_empty() {
            let _ = writeln!(body, "let mut r0 = {rt}::reader::Reader::within(input, {rt}::reader::Span {{ bytes: apdu.data, offset: apdu.data_offset() }});");
            body.push_str(&layout.parse);
            let _ = writeln!(body, "r0.finish({entry_rule})?;");
            body.push_str(&layout.late_checks);
        } else {
            body.push_str("let _ = input;\n");
        }
        let mut inits = param_inits.clone();
        inits.extend(layout.inits.iter().cloned());
        if multi {
            inits.push("case: apdu.case".into());
        }
        if all_le {
            inits.push("ne: apdu.ne.unwrap_or_default()".into());
        } else if any_le {
            inits.push("ne: apdu.ne".into());
        }
        let _ = writeln!(
            s,
            "    /// Decodes the command from a C-APDU that [`Self::matches`] and the bytes it was parsed from.\n    pub fn from_apdu(apdu: &CommandApdu<{apdu_lt}>, input: {input_ty}) -> Result<Self> {{\n{body}        Ok(Self {{ {} }})\n    }}\n",
            inits.join(", ")
        );
        let case_expr = if multi { "self.case".to_string() } else { case_variant(&c.cases[0]) };
        let ne_expr = if all_le {
            "Some(self.ne)"
        } else if any_le {
            "self.ne"
        } else {
            "None"
        };
        let _ = writeln!(
            s,
            "    pub fn header(&self) -> [u8; 4] {{\n        [0x{cla_v:02X}, 0x{ins:02X}, {}, {}]\n    }}\n\n    /// Length of the data field.\n    pub fn data_len(&self) -> usize {{\n        {}\n    }}\n\n    pub fn encoded_len(&self) -> usize {{\n        {rt}::apdu::command::frame_len({case_expr}, self.data_len())\n    }}\n\n    pub fn encode(&self, out: &mut Vec<u8>) {{\n        {rt}::apdu::command::write_frame(out, self.header(), {case_expr}, self.data_len(), {ne_expr}, |out| {{\n            let _ = &out;\n{}        }});\n    }}\n",
            p1_expr.join(" | "),
            p2_expr.join(" | "),
            layout.len,
            layout.encode
        );
        s.push_str(&layout.helpers);
        s.push_str("}\n\n");

        // Describe.
        let mut d = format!(
            "v.field(\"id\", {rt}::describe::Value::Text(Self::ID));\nv.field(\"name\", {rt}::describe::Value::Text(Self::NAME));\nv.field(\"confidence\", {rt}::describe::Value::Text(Self::CONFIDENCE));\n{param_describe}{}",
            layout.describe
        );
        if multi {
            let _ = writeln!(d, "v.field(\"case\", {rt}::describe::Value::Text(self.case.name()));");
        }
        if all_le {
            let _ = writeln!(d, "v.field(\"ne\", {rt}::describe::Value::Uint(u64::from(self.ne)));");
        } else if any_le {
            let _ = writeln!(d, "v.field(\"ne\", self.ne.map_or({rt}::describe::Value::Null, |n| {rt}::describe::Value::Uint(u64::from(n))));");
        }
        let _ = writeln!(s, "impl{impl_lt} {rt}::describe::Describe for {name}{lt} {{\n    fn describe(&self, v: &mut dyn {rt}::describe::Visitor) {{\n{d}    }}\n}}\n");

        // Arbitrary: fields, then a case and Ne that fit the data.
        let mut arb = param_arb.clone();
        arb.push_str(&layout.arbitrary);
        let mut arb_inits = param_inits.clone();
        arb_inits.extend(layout.inits.iter().cloned());
        if multi {
            arb_inits.push(format!("case: {}", case_variant(&c.cases[0])));
        }
        if all_le {
            arb_inits.push("ne: 1".into());
        } else if any_le {
            arb_inits.push("ne: None".into());
        }
        let mut finish = String::from("let (case, ne) = ");
        let _ = writeln!(finish, "{rt}::apdu::command::arb_case_ne(u, Self::CASES, v.data_len())?;");
        if multi {
            finish.push_str("v.case = case;\n");
        } else {
            finish.push_str("let _ = case;\n");
        }
        if all_le {
            finish.push_str("v.ne = ne.unwrap_or(1);\n");
        } else if any_le {
            finish.push_str("v.ne = ne;\n");
        } else {
            finish.push_str("let _ = ne;\n");
        }
        let _ = writeln!(
            s,
            "impl<'a> arbitrary::Arbitrary<'a> for {name}{lt} {{\n    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {{\n{arb}        #[allow(unused_mut)]\n        let mut v = Self {{ {} }};\n{finish}        Ok(v)\n    }}\n}}\n",
            arb_inits.join(", ")
        );
    }

    // The enum over all commands.
    let any_lt = variants.iter().any(|(_, l)| *l);
    let elt = if any_lt { "<'a>" } else { "" };
    let _ = writeln!(
        s,
        "/// A command the spec knows.\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub enum Command{elt} {{"
    );
    for (v, l) in &variants {
        let _ = writeln!(s, "    {v}({v}{}),", if *l { "<'a>" } else { "" });
    }
    s.push_str("}\n\n");
    let input_ty = if any_lt { "&'a [u8]" } else { "&[u8]" };
    let apdu_lt = if any_lt { "'a" } else { "'_" };
    let _ = writeln!(s, "impl{elt} Command{elt} {{\n    /// Recognises the command in a C-APDU parsed from `input`: the first spec entry whose\n    /// header and case match, its data then checked. `Ok(None)` when no entry matches.\n    pub fn classify(apdu: &CommandApdu<{apdu_lt}>, input: {input_ty}) -> Result<Option<Self>> {{");
    // Dispatch on INS first, so that recognising a command costs one match and the few
    // header checks of that instruction's commands, in spec order.
    let mut by_ins: Vec<(u8, Vec<&String>)> = Vec::new();
    for ((v, _), ins) in variants.iter().zip(&ins_of) {
        match by_ins.iter_mut().find(|(i, _)| i == ins) {
            Some((_, list)) => list.push(v),
            None => by_ins.push((*ins, vec![v])),
        }
    }
    s.push_str("        match apdu.ins {\n");
    for (ins, list) in &by_ins {
        let _ = writeln!(s, "            0x{ins:02X} => {{");
        if list.len() == 1 {
            let v = list[0];
            let _ = writeln!(s, "                if {v}::matches(apdu) {{\n                    return {v}::from_apdu(apdu, input).map(|c| Some(Self::{v}(c)));\n                }}");
        } else {
            // Several commands share the instruction: the first whose data also decodes wins;
            // when none does, the error that got furthest explains best why (the first on a tie).
            let _ = writeln!(s, "                let mut furthest: Option<{rt}::error::Error> = None;");
            for v in list {
                let _ = writeln!(s, "                if {v}::matches(apdu) {{\n                    match {v}::from_apdu(apdu, input) {{\n                        Ok(c) => return Ok(Some(Self::{v}(c))),\n                        Err(e) => {{\n                            if furthest.is_none_or(|f| e.offset > f.offset) {{\n                                furthest = Some(e);\n                            }}\n                        }}\n                    }}\n                }}");
            }
            s.push_str(
                "                if let Some(e) = furthest {\n                    return Err(e);\n                }\n",
            );
        }
        s.push_str("            }\n");
    }
    s.push_str("            _ => {}\n        }\n        let _ = input;\n        Ok(None)\n    }\n\n    /// Parses a C-APDU and recognises its command.\n");
    let _ = writeln!(s, "    pub fn parse(input: {input_ty}) -> Result<Option<Self>> {{\n        let apdu = CommandApdu::parse(input)?;\n        Self::classify(&apdu, input)\n    }}\n");
    let table: Vec<String> =
        commands.iter().zip(&ins_of).map(|((_, c), ins)| format!("({}, 0x{ins:02X})", lit(&c.common.id))).collect();
    let _ = writeln!(
        s,
        "    /// Every command's id with its instruction byte, in spec order.\n    pub const TABLE: &'static [(&'static str, u8)] = &[{}];\n",
        table.join(", ")
    );
    for (method, ret, call) in
        [("id", "&'static str", "ID"), ("name", "&'static str", "NAME"), ("confidence", "&'static str", "CONFIDENCE")]
    {
        let _ = writeln!(s, "    pub fn {method}(&self) -> {ret} {{\n        match self {{");
        for (v, _) in &variants {
            let _ = writeln!(s, "            Self::{v}(_) => {v}::{call},");
        }
        s.push_str("        }\n    }\n\n");
    }
    for (method, sig, call) in [
        ("encoded_len", "(&self) -> usize", "c.encoded_len()"),
        ("encode", "(&self, out: &mut Vec<u8>)", "c.encode(out)"),
    ] {
        let _ = writeln!(s, "    pub fn {method}{sig} {{\n        match self {{");
        for (v, _) in &variants {
            let _ = writeln!(s, "            Self::{v}(c) => {call},");
        }
        s.push_str("        }\n    }\n\n");
    }
    s.push_str("}\n\n");
    let _ = writeln!(s, "impl{elt} {rt}::describe::Describe for Command{elt} {{\n    fn describe(&self, v: &mut dyn {rt}::describe::Visitor) {{\n        match self {{");
    for (v, _) in &variants {
        let _ = writeln!(s, "            Self::{v}(c) => c.describe(v),");
    }
    s.push_str("        }\n    }\n}\n\n");
    let _ = writeln!(s, "impl<'a> arbitrary::Arbitrary<'a> for Command{elt} {{\n    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {{\n        let command = match u.choose_index({})? {{", variants.len());
    for (i, (v, _)) in variants.iter().enumerate() {
        let _ = writeln!(s, "            {i} => Self::{v}(u.arbitrary()?),");
    }
    s.push_str("            _ => return Err(arbitrary::Error::IncorrectFormat),\n        };\n");
    s.push_str("        // A value that an earlier command with the same instruction also decodes is recognised\n        // as that one, so it is not a value of this command's.\n        let mut bytes = Vec::new();\n        command.encode(&mut bytes);\n        if let Ok(Some(first)) = Command::parse(&bytes) {\n            if first.id() != command.id() {\n                return Err(arbitrary::Error::IncorrectFormat);\n            }\n        }\n        Ok(command)\n    }\n}\n");
    Ok(s)
}
