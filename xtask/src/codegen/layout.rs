//! Generates code for a layout (a file's, or a command's data field): the struct's fields,
//! straight-line parse code over the runtime `Reader`, length and encode code, `Describe`
//! and `Arbitrary`. Offset tables are derived from the layout, never stored.

use super::{camel, field_ident, lit, upper, Ctx};
use crate::spec::{Encoding, Framing, Item};
use std::fmt::Write as _;

pub struct Layout {
    /// `pub name: Type,` lines.
    pub fields: String,
    /// Field names for a struct literal.
    pub inits: Vec<String>,
    /// Statements that parse, leaving one `f_<name>` local per field.
    pub parse: String,
    /// Statements run after everything else is read (offset tables).
    pub late_checks: String,
    /// Statements that write the encoding to `out`.
    pub encode: String,
    /// Expression: encoded length of all items.
    pub len: String,
    pub describe: String,
    /// Statements that draw `f_<name>` locals from `u`.
    pub arbitrary: String,
    /// Helper methods (lengths of constructed items, offset positions).
    pub helpers: String,
    /// Enumerations the layout defines.
    pub types: String,
    pub has_lifetime: bool,
}

pub struct Gen<'c, 's> {
    ctx: &'c mut Ctx<'s>,
    entry_const: String,
    struct_name: String,
    root: Vec<Item>,
    out: Layout,
}

fn max_lit(n: usize) -> String {
    if n == usize::MAX {
        "usize::MAX".into()
    } else {
        n.to_string()
    }
}

fn var(name: &str) -> String {
    format!("f_{name}")
}

fn tag_hex(t: u32) -> String {
    format!("0x{t:X}")
}

impl<'c, 's> Gen<'c, 's> {
    pub fn new(ctx: &'c mut Ctx<'s>, entry_id: &str, struct_name: &str) -> Self {
        Self {
            ctx,
            entry_const: upper(entry_id),
            struct_name: struct_name.to_string(),
            root: Vec::new(),
            out: Layout {
                fields: String::new(),
                inits: Vec::new(),
                parse: String::new(),
                late_checks: String::new(),
                encode: String::new(),
                len: String::new(),
                describe: String::new(),
                arbitrary: String::new(),
                helpers: String::new(),
                types: String::new(),
                has_lifetime: false,
            },
        }
    }

    /// Generates the whole layout; `pointer` is the JSON pointer of the item list.
    pub fn run(mut self, items: &[Item], pointer: &str) -> Result<Layout, String> {
        self.root = items.to_vec();
        let mut parse = String::new();
        self.parse_items(items, "r0", 0, pointer, &mut parse)?;
        self.out.parse = parse;
        self.out.encode = self.encode_items(items);
        self.out.len = self.total_len(items);
        let mut d = String::new();
        self.describe_items(items, &mut d);
        self.out.describe = d;
        Ok(self.out)
    }

    fn rule(&mut self, item: &Item, pointer: &str) -> String {
        let what = match (&item.tag, &item.stag, &item.der) {
            (Some(t), _, _) | (_, Some(t), _) | (_, _, Some(t)) => format!("{t} ({})", item.name),
            _ => item.name.clone(),
        };
        self.ctx.rules.add(format!("{}__{}", self.entry_const, upper(&item.name)), what, pointer.to_string())
    }

    fn rt(&self) -> &str {
        &self.ctx.rt
    }

    fn parse_items(
        &mut self,
        items: &[Item],
        r: &str,
        depth: usize,
        pointer: &str,
        p: &mut String,
    ) -> Result<(), String> {
        let rt = self.rt().to_string();
        for (i, it) in items.iter().enumerate() {
            let ptr = format!("{pointer}/{i}");
            let rule = self.rule(it, &ptr);
            let n = var(&it.name);
            let framing = it.framing().ok_or_else(|| format!("{ptr}: bad framing"))?;
            match framing {
                Framing::Tag(t) if it.optional => {
                    let (ty, expr, pre) = self.leaf(it, &format!("{n}_span"), &rule)?;
                    let _ = writeln!(p, "let {n} = match {r}.optional_tlv({}, {rule})? {{\n    Some(t) => {{\n        let {n}_span = t.value_span();\n        {pre}Some({expr})\n    }}\n    None => None,\n}};", tag_hex(t));
                    self.add_field(it, &format!("Option<{ty}>"));
                    continue;
                }
                Framing::Tag(t) => {
                    let _ = writeln!(p, "let {n}_tlv = {r}.tlv({}, {rule})?;", tag_hex(t));
                }
                Framing::SimpleTag(t) => {
                    let _ = writeln!(p, "let {n}_tlv = {r}.simple_tlv(0x{t:02X}, {rule})?;");
                }
                Framing::Der(t) => {
                    let _ = writeln!(p, "let {n} = {r}.tlv({}, {rule})?.whole(input);", tag_hex(t));
                    self.add_field(it, "&'a [u8]");
                    continue;
                }
                Framing::Fixed(k) => {
                    let _ = writeln!(p, "let {n}_span = {r}.take({k}, {rule})?;");
                }
                Framing::Rest(a, b) => {
                    let _ = writeln!(p, "let {n}_span = {r}.rest({a}, {}, {rule})?;", max_lit(b));
                }
            }
            if let Some(children) = &it.children {
                let inner = format!("r{}", depth + 1);
                let _ = writeln!(p, "let mut {inner} = {rt}::reader::Reader::within(input, {n}_tlv.value_span());");
                self.parse_items(children, &inner, depth + 1, &format!("{ptr}/children"), p)?;
                let _ = writeln!(p, "{inner}.finish({rule})?;");
                continue;
            }
            if matches!(framing, Framing::Tag(_) | Framing::SimpleTag(_)) {
                let _ = writeln!(p, "let {n}_span = {n}_tlv.value_span();");
            }
            if let Some(Encoding::Offsets { offsets }) = &it.value {
                let k = offsets.len();
                let _ = writeln!(p, "{rt}::field::check_len({n}_span, {}, {}, {rule})?;", 2 * k, 2 * k);
                let targets: Vec<_> = offsets.iter().map(|t| format!("{}_tlv.offset", var(t))).collect();
                let _ = writeln!(
                    self.out.late_checks,
                    "{rt}::field::check_offsets::<{k}>({n}_span, [{}], {rule})?;",
                    targets.join(", ")
                );
                self.positions_helper(it, offsets);
                continue;
            }
            let (ty, expr, pre) = self.leaf(it, &format!("{n}_span"), &rule)?;
            let _ = writeln!(p, "{pre}let {n} = {expr};");
            self.add_field(it, &ty);
        }
        Ok(())
    }

    fn add_field(&mut self, it: &Item, ty: &str) {
        if ty.contains("'a") {
            self.out.has_lifetime = true;
        }
        let doc = it.note.as_deref().map(|n| format!("    /// {n}\n")).unwrap_or_default();
        let _ = writeln!(self.out.fields, "{doc}    pub {}: {ty},", field_ident(&it.name));
        self.out.inits.push(format!("{}: {}", field_ident(&it.name), var(&it.name)));
        let arb = self.arb_expr(it);
        let arb = if it.optional { format!("if u.arbitrary()? {{ Some({arb}) }} else {{ None }}") } else { arb };
        let _ = writeln!(self.out.arbitrary, "let {} = {arb};", var(&it.name));
    }

    /// (type, expression, statements before) that decode the leaf `it` from span `s`.
    fn leaf(&mut self, it: &Item, s: &str, rule: &str) -> Result<(String, String, String), String> {
        let rt = self.rt().to_string();
        let (min, max) = it.value_bounds();
        let (min_s, max_s) = (min.to_string(), max_lit(max));
        let bounded = (min, max) != (0, usize::MAX);
        let check =
            if bounded { format!("{rt}::field::check_len({s}, {min_s}, {max_s}, {rule})?;\n") } else { String::new() };
        let enc = it.value.as_ref().ok_or_else(|| format!("{}: no value", it.name))?;
        let r = match enc {
            Encoding::Enum { values } => {
                let ty = self.enum_type(it, values);
                (ty.clone(), format!("{ty}::from({rt}::field::uint({s}, 1, {rule})? as u8)"), check)
            }
            Encoding::Offsets { .. } => return Err("offsets are not a field".into()),
            Encoding::Named(name) => match name.as_str() {
                "bytes" => {
                    ("&'a [u8]".into(), format!("{rt}::field::bytes({s}, {min_s}, {max_s}, {rule})?"), String::new())
                }
                "ascii" => {
                    ("&'a str".into(), format!("{rt}::field::ascii({s}, {min_s}, {max_s}, {rule})?"), String::new())
                }
                "digits" => {
                    ("&'a str".into(), format!("{rt}::field::digits({s}, {min_s}, {max_s}, {rule})?"), String::new())
                }
                "utf8" => {
                    ("&'a str".into(), format!("{rt}::field::utf8({s}, {min_s}, {max_s}, {rule})?"), String::new())
                }
                "ascii_padded" => {
                    ("&'a str".into(), format!("{rt}::field::ascii_padded({s}, {min_s}, b' ', {rule})?"), String::new())
                }
                "date" => (format!("{rt}::field::Date"), format!("{rt}::field::date({s}, {rule})?"), check),
                "sex" => (format!("{rt}::field::Sex"), format!("{rt}::field::sex({s}, {rule})?"), check),
                "my_number" => {
                    (format!("{rt}::field::MyNumber"), format!("{rt}::field::my_number({s}, {rule})?"), check)
                }
                "png" => ("&'a [u8]".into(), format!("{rt}::field::png({s}, {rule})?"), check),
                "jpeg2000" => ("&'a [u8]".into(), format!("{rt}::field::jpeg2000({s}, {rule})?"), check),
                "aid" => (
                    "super::applications::Aid<'a>".into(),
                    format!("super::applications::Aid({rt}::field::bytes({s}, {min_s}, {max_s}, {rule})?)"),
                    String::new(),
                ),
                "fid" => (format!("{rt}::field::Fid"), format!("{rt}::field::fid({s}, {rule})?"), check),
                "signature_input" => (
                    "{rt}::field::SignatureInput<'a>".replace("{rt}", &rt),
                    format!("{rt}::field::signature_input({s}, {min_s}, {max_s}, {rule})?"),
                    String::new(),
                ),
                other => return Err(format!("unknown encoding {other}")),
            },
        };
        Ok(r)
    }

    fn enum_type(&mut self, it: &Item, values: &std::collections::BTreeMap<String, String>) -> String {
        let rt = self.rt().to_string();
        let ty = format!("{}{}", self.struct_name, camel(&it.name));
        if self.out.types.contains(&format!("pub enum {ty} ")) {
            return ty;
        }
        let variants: Vec<(String, String, String)> =
            values.iter().map(|(k, n)| (camel(n), format!("0x{k}"), n.clone())).collect();
        let mut s = format!(
            "/// Values of `{}` in {}.\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub enum {ty} {{\n",
            it.name, self.struct_name
        );
        for (v, k, _) in &variants {
            let _ = writeln!(s, "    /// {k}\n    {v},");
        }
        s.push_str("    /// A value the spec does not list.\n    Unknown(u8),\n}\n\n");
        let _ = writeln!(s, "impl From<u8> for {ty} {{\n    fn from(x: u8) -> Self {{\n        match x {{");
        for (v, k, _) in &variants {
            let _ = writeln!(s, "            {k} => Self::{v},");
        }
        let _ = writeln!(s, "            other => Self::Unknown(other),\n        }}\n    }}\n}}\n\nimpl From<{ty}> for u8 {{\n    fn from(x: {ty}) -> Self {{\n        match x {{");
        for (v, k, _) in &variants {
            let _ = writeln!(s, "            {ty}::{v} => {k},");
        }
        let _ = writeln!(s, "            {ty}::Unknown(other) => other,\n        }}\n    }}\n}}\n\nimpl {rt}::describe::DescribeField for {ty} {{\n    fn describe_field(&self, name: &str, v: &mut dyn {rt}::describe::Visitor) {{\n        use {rt}::describe::Value;\n        match self {{");
        for (v, _, n) in &variants {
            let _ = writeln!(s, "            Self::{v} => v.field(name, Value::Text({})),", lit(n));
        }
        s.push_str("            Self::Unknown(x) => v.field(name, Value::Bytes(core::slice::from_ref(x))),\n        }\n    }\n}\n\n");
        self.out.types.push_str(&s);
        ty
    }

    fn arb_expr(&self, it: &Item) -> String {
        let rt = self.rt();
        let (min, max) = it.value_bounds();
        let cap = max.min(min + 512);
        match (&it.value, it.framing()) {
            (_, Some(Framing::Der(t))) => format!("{rt}::field::arb_der(u, {})?", tag_hex(t)),
            (Some(Encoding::Enum { .. }), _) => {
                format!("{}{}::from(u.arbitrary::<u8>()?)", self.struct_name, camel(&it.name))
            }
            (Some(Encoding::Named(n)), _) => match n.as_str() {
                "bytes" => format!("{rt}::field::arb_bytes(u, {min}, {cap})?"),
                "ascii" => format!("{rt}::field::arb_ascii(u, {min}, {cap})?"),
                "digits" => format!("{rt}::field::arb_digits(u, {min}, {cap})?"),
                "utf8" => format!("{rt}::field::arb_utf8(u, {min}, {cap})?"),
                "ascii_padded" => format!("{rt}::field::arb_ascii_padded(u, {min}, b' ')?"),
                "png" => format!("{rt}::field::arb_png(u)?"),
                "jpeg2000" => format!("{rt}::field::arb_jpeg2000(u)?"),
                "aid" => format!("super::applications::Aid::arb(u, {min}, {cap})?"),
                "signature_input" => format!("{rt}::field::SignatureInput::arb(u, {min}, {cap})?"),
                _ => "u.arbitrary()?".to_string(),
            },
            _ => "u.arbitrary()?".to_string(),
        }
    }

    /// Length of a leaf's value, given an expression for the value.
    fn value_len(&self, it: &Item, x: &str) -> String {
        match (&it.value, it.framing()) {
            (_, Some(Framing::Der(_))) => format!("{x}.len()"),
            (Some(Encoding::Offsets { offsets }), _) => (2 * offsets.len()).to_string(),
            (Some(Encoding::Enum { .. }), _) => "1".into(),
            (Some(Encoding::Named(n)), f) => match n.as_str() {
                "ascii_padded" => match f {
                    Some(Framing::Fixed(k)) => k.to_string(),
                    _ => format!("{x}.len()"),
                },
                "date" => "8".into(),
                "sex" => "1".into(),
                "my_number" => "12".into(),
                "fid" => "2".into(),
                "aid" => format!("{x}.0.len()"),
                "signature_input" => format!("{x}.encoded_len()"),
                _ => format!("{x}.len()"),
            },
            _ => "0".into(),
        }
    }

    fn write_value(&self, it: &Item, x: &str) -> String {
        let rt = self.rt();
        match (&it.value, it.framing()) {
            (_, Some(Framing::Der(_))) => format!("out.extend_from_slice({x});"),
            (Some(Encoding::Offsets { .. }), _) => {
                format!(
                    "for p in self.{}_positions() {{\n    out.extend_from_slice(&(p as u16).to_be_bytes());\n}}",
                    var(&it.name)
                )
            }
            (Some(Encoding::Enum { .. }), _) => format!("out.push(u8::from({x}));"),
            (Some(Encoding::Named(n)), f) => match n.as_str() {
                "ascii" | "digits" | "utf8" => format!("out.extend_from_slice({x}.as_bytes());"),
                "ascii_padded" => {
                    let k = match f {
                        Some(Framing::Fixed(k)) => k,
                        _ => 0,
                    };
                    format!("{rt}::field::write_padded(out, {x}, {k}, b' ');")
                }
                "date" => format!("out.extend_from_slice(&{x}.to_digits());"),
                "sex" => format!("out.push({x}.code());"),
                "my_number" => format!("out.extend_from_slice(&{x}.0);"),
                "fid" => format!("out.extend_from_slice(&{x}.0.to_be_bytes());"),
                "aid" => format!("out.extend_from_slice({x}.0);"),
                "signature_input" => format!("{x}.encode(out);"),
                _ => format!("out.extend_from_slice({x});"),
            },
            _ => String::new(),
        }
    }

    /// Encoded length of an item, header included.
    fn item_len(&mut self, it: &Item) -> String {
        let rt = self.rt().to_string();
        let f = format!("self.{}", field_ident(&it.name));
        let framing = it.framing().unwrap_or(Framing::Fixed(0));
        let vlen = if it.children.is_some() {
            self.constructed_len_helper(it);
            format!("self.{}_len()", var(&it.name))
        } else {
            self.value_len(it, &f)
        };
        match framing {
            Framing::Tag(t) if it.optional => {
                let v = self.value_len(it, "v");
                // A length that does not depend on the value (a date's 8) leaves the binding unused.
                let binding = if v == self.value_len(it, "w") { "_" } else { "v" };
                format!("{f}.map_or(0, |{binding}| {rt}::tlv::ber::header_len({}, {v}) + {v})", tag_hex(t))
            }
            Framing::Tag(t) => format!("{rt}::tlv::ber::header_len({}, {vlen}) + {vlen}", tag_hex(t)),
            Framing::SimpleTag(_) => format!("{rt}::tlv::simple::header_len({vlen}) + {vlen}"),
            _ => vlen,
        }
    }

    fn total_len(&mut self, items: &[Item]) -> String {
        let parts: Vec<_> = items.iter().map(|it| self.item_len(it)).collect();
        if parts.is_empty() {
            "0".into()
        } else {
            parts.join(" + ")
        }
    }

    fn constructed_len_helper(&mut self, it: &Item) {
        let name = format!("fn {}_len(", var(&it.name));
        if self.out.helpers.contains(&name) {
            return;
        }
        let children = it.children.clone().unwrap_or_default();
        let body = self.total_len(&children);
        let _ = writeln!(
            self.out.helpers,
            "/// Length of the value of `{}`.\n{name}&self) -> usize {{\n    {body}\n}}\n",
            it.name
        );
    }

    fn encode_items(&mut self, items: &[Item]) -> String {
        let rt = self.rt().to_string();
        let mut s = String::new();
        for it in items {
            let f = format!("self.{}", field_ident(&it.name));
            let framing = it.framing().unwrap_or(Framing::Fixed(0));
            if let Some(children) = &it.children {
                self.constructed_len_helper(it);
                let vlen = format!("self.{}_len()", var(&it.name));
                match framing {
                    Framing::SimpleTag(t) => {
                        let _ = writeln!(s, "{rt}::tlv::simple::write_header(out, 0x{t:02X}, {vlen});");
                    }
                    Framing::Tag(t) => {
                        let _ = writeln!(s, "{rt}::tlv::ber::write_header(out, {}, {vlen});", tag_hex(t));
                    }
                    _ => {}
                }
                s.push_str(&self.encode_items(children));
                continue;
            }
            match framing {
                Framing::Tag(t) if it.optional => {
                    let _ = writeln!(
                        s,
                        "if let Some(v) = {f} {{\n    {rt}::tlv::ber::write_header(out, {}, {});\n    {}\n}}",
                        tag_hex(t),
                        self.value_len(it, "v"),
                        self.write_value(it, "v")
                    );
                }
                Framing::Tag(t) => {
                    let _ = writeln!(
                        s,
                        "{rt}::tlv::ber::write_header(out, {}, {});\n{}",
                        tag_hex(t),
                        self.value_len(it, &f),
                        self.write_value(it, &f)
                    );
                }
                Framing::SimpleTag(t) => {
                    let _ = writeln!(
                        s,
                        "{rt}::tlv::simple::write_header(out, 0x{t:02X}, {});\n{}",
                        self.value_len(it, &f),
                        self.write_value(it, &f)
                    );
                }
                _ => {
                    let _ = writeln!(s, "{}", self.write_value(it, &f));
                }
            }
        }
        s
    }

    /// `fn f_<table>_positions(&self) -> [usize; N]`: where each target item starts, from the
    /// start of the layout, walking the same lengths the encoder writes.
    fn positions_helper(&mut self, table: &Item, targets: &[String]) {
        let mut body = String::from("let mut at = 0usize;\n");
        let root = self.root.clone();
        self.positions_walk(&root, targets, &mut body);
        let list: Vec<_> = targets.iter().map(|t| format!("p_{t}")).collect();
        let _ = writeln!(
            self.out.helpers,
            "/// Offsets of {} from the start, as the `{}` table declares them.\n#[allow(unused_assignments)]\nfn {}_positions(&self) -> [usize; {}] {{\n{body}[{}]\n}}\n",
            targets.join(", "),
            table.name,
            var(&table.name),
            targets.len(),
            list.join(", ")
        );
    }

    fn positions_walk(&mut self, items: &[Item], targets: &[String], body: &mut String) {
        let rt = self.rt().to_string();
        for it in items {
            if targets.contains(&it.name) {
                let _ = writeln!(body, "let p_{} = at;", it.name);
            }
            match (&it.children, it.framing()) {
                (Some(children), Some(f)) => {
                    self.constructed_len_helper(it);
                    let vlen = format!("self.{}_len()", var(&it.name));
                    let header = match f {
                        Framing::SimpleTag(_) => format!("{rt}::tlv::simple::header_len({vlen})"),
                        Framing::Tag(t) => format!("{rt}::tlv::ber::header_len({}, {vlen})", tag_hex(t)),
                        _ => "0".into(),
                    };
                    let _ = writeln!(body, "at += {header};");
                    self.positions_walk(children, targets, body);
                }
                _ => {
                    let len = self.item_len(it);
                    let _ = writeln!(body, "at += {len};");
                }
            }
        }
    }

    fn describe_items(&mut self, items: &[Item], d: &mut String) {
        let rt = self.rt().to_string();
        for it in items {
            let f = format!("self.{}", field_ident(&it.name));
            let name = lit(&it.name);
            if let Some(children) = &it.children {
                let _ = writeln!(d, "v.enter({name});");
                self.describe_items(children, d);
                d.push_str("v.leave();\n");
            } else if let Some(Encoding::Offsets { .. }) = &it.value {
                let _ = writeln!(d, "v.enter_list({name});\nfor p in self.{}_positions() {{\n    v.field(\"\", {rt}::describe::Value::Uint(p as u64));\n}}\nv.leave();", var(&it.name));
            } else if matches!(it.framing(), Some(Framing::Der(_))) {
                let _ = writeln!(d, "v.field({name}, {rt}::describe::Value::Bytes({f}));");
            } else {
                let _ = writeln!(d, "{rt}::describe::DescribeField::describe_field(&{f}, {name}, v);");
            }
        }
    }
}
