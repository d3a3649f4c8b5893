//! `generated/messages.rs`: the spec's message types and messages as static tables for the
//! codec's `tsm` module. Named types become statics named after their ids; types defined in
//! place become numbered statics; every item carries the JSON pointer of its definition.

use super::{lit, upper};
use crate::messages::{message_entries, text_entries, type_entries, Charset, FieldDef, TypeDef, TypeRef};
use crate::spec::Spec;
use std::fmt::Write as _;

/// Whether the spec has messages to generate.
pub fn present(spec: &Spec) -> bool {
    !message_entries(spec).is_empty()
}

struct Gen<'s> {
    spec: &'s Spec,
    rt: String,
    statics: String,
    next: usize,
}

fn charset(c: Charset) -> &'static str {
    match c {
        Charset::Utf8 => "Utf8",
        Charset::Printable => "Printable",
        Charset::Digits => "Digits",
        Charset::Hex => "Hex",
        Charset::Alnum => "Alnum",
        Charset::Base32 => "Base32",
        Charset::Dotted => "Dotted",
        Charset::Token => "Token",
    }
}

impl Gen<'_> {
    fn fresh(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{}", self.next)
    }

    /// The static a type reference names, generating one for a type defined in place.
    fn type_ref(&mut self, r: &TypeRef, at: &str) -> Result<String, String> {
        match r {
            TypeRef::Named(id) => {
                if type_entries(self.spec).iter().any(|t| t.entry.id == *id) {
                    Ok(upper(id))
                } else {
                    Err(format!("{at}: no message type {id:?}"))
                }
            }
            TypeRef::Inline(def) => {
                let name = self.fresh("T");
                let kind = self.kind(def, at)?;
                let _ = writeln!(
                    self.statics,
                    "static {name}: Type = Type {{ kind: {kind}, name: \"\", rule: {} }};",
                    lit(at)
                );
                Ok(name)
            }
        }
    }

    fn fields(&mut self, fields: &[FieldDef], at: &str) -> Result<String, String> {
        let name = self.fresh("F");
        let mut items = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let ty = self.type_ref(&f.ty, &format!("{at}/{i}/type"))?;
            items.push(format!(
                "Field {{ name: {}, ty: &{ty}, optional: {}, rule: {} }}",
                lit(&f.name),
                f.optional,
                lit(&format!("{at}/{i}"))
            ));
        }
        let _ = writeln!(self.statics, "static {name}: [Field; {}] = [{}];", items.len(), items.join(", "));
        Ok(name)
    }

    fn kind(&mut self, def: &TypeDef, at: &str) -> Result<String, String> {
        Ok(match def {
            TypeDef::String { length, charset: c, prefix } => format!(
                "Kind::String {{ min: {}, max: {}, charset: Charset::{}, prefix: {} }}",
                length[0],
                length[1],
                charset(*c),
                lit(prefix)
            ),
            TypeDef::Hex { bytes } => format!("Kind::Hex {{ min: {}, max: {} }}", bytes[0], bytes[1]),
            TypeDef::Der { bytes } => format!("Kind::Der {{ min: {}, max: {} }}", bytes[0], bytes[1]),
            TypeDef::Capdu {} => "Kind::Capdu".into(),
            TypeDef::Rapdu { allow_empty } => format!("Kind::Rapdu {{ allow_empty: {allow_empty} }}"),
            TypeDef::Integer { range } => format!("Kind::Integer {{ min: {}, max: {} }}", range[0], range[1]),
            TypeDef::Boolean {} => "Kind::Boolean".into(),
            TypeDef::Enum { values } => {
                let v: Vec<_> = values.iter().map(|x| lit(x)).collect();
                format!("Kind::Enum {{ values: &[{}] }}", v.join(", "))
            }
            TypeDef::Datetime {} => "Kind::Datetime".into(),
            TypeDef::Object { fields } => {
                format!("Kind::Object {{ fields: &{} }}", self.fields(fields, &format!("{at}/fields"))?)
            }
            TypeDef::Choice { options } => {
                format!("Kind::Choice {{ options: &{} }}", self.fields(options, &format!("{at}/options"))?)
            }
            TypeDef::Array { items, count } => {
                let items = self.type_ref(items, &format!("{at}/items"))?;
                format!("Kind::Array {{ items: &{items}, min: {}, max: {} }}", count[0], count[1])
            }
        })
    }
}

fn list(actors: Vec<&str>) -> String {
    format!("&[{}]", actors.iter().map(|a| lit(a)).collect::<Vec<_>>().join(", "))
}

pub fn generate(spec: &Spec, rt: &str) -> Result<String, String> {
    let texts = text_entries(spec);
    let text = texts.first().ok_or("messages need a message_text entry")?;
    let mut g = Gen { spec, rt: rt.to_string(), statics: String::new(), next: 0 };
    let mut out = format!("use {}::tsm::schema::{{Charset, Field, Kind, MessageDef, TextLimits, Type}};\n\n", g.rt);
    let _ = writeln!(
        out,
        "/// How a message's text is read (`{}`).\npub const LIMITS: TextLimits = TextLimits {{ max_bytes: {}, max_depth: {}, discriminator: {}, rule: {} }};\n",
        text.entry.id,
        text.entry.max_bytes,
        text.entry.max_depth,
        lit(&text.entry.discriminator),
        lit(&text.at)
    );
    let types = type_entries(spec);
    for t in &types {
        let kind = g.kind(&t.entry.ty, &format!("{}/type", t.at))?;
        let _ = writeln!(
            out,
            "/// {} (`{}`)\npub static {}: Type = Type {{ kind: {kind}, name: {}, rule: {} }};",
            t.entry.name,
            t.entry.id,
            upper(&t.entry.id),
            lit(&t.entry.id),
            lit(&format!("{}/type", t.at))
        );
    }
    let named: Vec<_> = types.iter().map(|t| format!("&{}", upper(&t.entry.id))).collect();
    let _ = writeln!(
        out,
        "\n/// Every named type, in spec order.\npub static TYPES: [&Type; {}] = [{}];\n",
        named.len(),
        named.join(", ")
    );
    let mut defs = Vec::new();
    for m in message_entries(spec) {
        let fields = g.fields(&m.entry.fields, &format!("{}/fields", m.at))?;
        let body = g.fresh("T");
        let _ = writeln!(
            g.statics,
            "static {body}: Type = Type {{ kind: Kind::Object {{ fields: &{fields} }}, name: \"\", rule: {} }};",
            lit(&m.at)
        );
        defs.push(format!(
            "MessageDef {{ id: {}, name: {}, confidence: {}, operation: {}, from: {}, to: {}, body: &{body} }}",
            lit(&m.entry.id),
            lit(&m.entry.name),
            lit(m.entry.confidence.as_str()),
            lit(&m.entry.operation),
            list(m.entry.from.list()),
            list(m.entry.to.list()),
        ));
    }
    let _ = writeln!(
        out,
        "/// Every message, in spec order.\npub static MESSAGES: [MessageDef; {}] = [{}];\n",
        defs.len(),
        defs.join(",\n")
    );
    out.push_str("// Types and member lists defined in place, numbered in the order generated.\n");
    out.push_str(&g.statics);
    Ok(out)
}
