//! Generated tables of the TSM layer (`spec/tsm/`): SPI/KIc/KID fields as open enumerations
//! and flags, response status codes, remote APDU tags, TARs, the compact format's outgoing
//! instructions, SCP81 header rules and limits; and a rule for every packet field, so that a
//! codec error names the spec entry of the field that failed.

use super::tables::open_enum;
use super::{camel, lit, upper, Ctx};
use crate::tsm::{BitField, Code};
use std::fmt::Write as _;

/// Whether the spec has any TSM-layer entry (otherwise no module is generated).
pub fn present(ctx: &Ctx) -> bool {
    !ctx.spec.tsm_entries().is_empty()
}

fn repr_for(hex_digits: usize) -> &'static str {
    match hex_digits {
        0..=2 => "u8",
        3..=4 => "u16",
        _ => "u32",
    }
}

fn codes_enum(s: &mut String, id: &str, doc: &str, codes: &[Code]) {
    let name = camel(id);
    let repr = repr_for(codes.first().map_or(2, |c| c.value.len()));
    let entries: Vec<_> = codes
        .iter()
        .map(|c| (camel(&c.name), format!("0x{}", c.value), format!("{id}.{}", c.name), c.name.clone()))
        .collect();
    s.push_str(&open_enum(&name, doc, repr, &entries));
    let _ = writeln!(s, "\nimpl {name} {{\n    /// What the spec says the value means.\n    pub fn meaning(self) -> Option<&'static str> {{\n        match self {{");
    for c in codes {
        let _ = writeln!(s, "            Self::{} => Some({}),", camel(&c.name), lit(&c.meaning));
    }
    let _ = writeln!(s, "            Self::Unknown(_) => None,\n        }}\n    }}\n}}\n");
}

fn bits(s: &mut String, id: &str, name: &str, bytes: usize, fields: &[BitField]) -> Result<(), String> {
    let base = camel(id);
    let width = match bytes {
        1 => "u8",
        2 => "u16",
        _ => "u32",
    };
    let mut flags = Vec::new();
    for f in fields {
        let mask = u8::from_str_radix(&f.mask, 16).map_err(|e| format!("{id}: mask {}: {e}", f.mask))?;
        let shift = mask.trailing_zeros();
        let consts = format!(
            "    /// Which byte of the {name} holds the field.\n    pub const BYTE: usize = {};\n    /// The field's bits in that byte.\n    pub const MASK: u8 = 0x{mask:02X};\n\n    /// The field read from the {name}'s bytes (0 where the input is shorter).\n    pub fn of(bytes: &[u8]) -> Self {{\n        Self::from((bytes.get(Self::BYTE).copied().unwrap_or(0) & Self::MASK) >> {shift})\n    }}\n",
            f.byte
        );
        if let Some(values) = &f.values {
            let ty = format!("{base}{}", camel(&f.name));
            let mut entries: Vec<_> = values
                .iter()
                .map(|(k, v)| (k.parse::<u8>().unwrap_or(0), v))
                .map(|(k, v)| (camel(v), format!("{k}"), format!("{id}.{}", f.name), v.clone()))
                .collect();
            entries.sort_by_key(|e| e.1.parse::<u8>().unwrap_or(0));
            let doc = format!("The `{}` field of the {name} (`{id}`).", f.name);
            s.push_str(&open_enum(&ty, &doc, "u8", &entries));
            let _ = writeln!(s, "\nimpl {ty} {{\n{consts}}}\n");
        } else if let Some(flag) = &f.flag {
            let shifted = u64::from(mask) << (8 * (bytes - 1 - f.byte));
            flags.push((flag.clone(), shifted, f.name.clone()));
        } else {
            let ty = format!("{base}{}", camel(&f.name));
            let _ = writeln!(
                s,
                "/// The `{}` field of the {name} (`{id}`), a number.\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub struct {ty}(pub u8);\n\nimpl From<u8> for {ty} {{\n    fn from(x: u8) -> Self {{\n        Self(x)\n    }}\n}}\n\nimpl {ty} {{\n{consts}}}\n",
                f.name
            );
        }
    }
    if !flags.is_empty() {
        let _ = writeln!(
            s,
            "bitflags::bitflags! {{\n    /// The one-bit fields of the {name} (`{id}`), over its bytes read big-endian.\n    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\n    pub struct {base}Flags: {width} {{"
        );
        for (flag, mask, field) in &flags {
            let _ = writeln!(s, "        /// `{field}`\n        const {flag} = 0x{mask:0w$X};", w = 2 * bytes);
        }
        let _ = writeln!(s, "    }}\n}}\n");
    }
    Ok(())
}

pub fn generate(ctx: &mut Ctx) -> Result<String, String> {
    let rt = ctx.rt.clone();
    let mut s = String::new();
    let spec = ctx.spec;
    for (at, e) in spec.scp80() {
        let id = &e.common.id;
        ctx.rules.add(upper(id), e.common.name.clone(), at.clone());
        if let (Some(fields), Some(bytes)) = (&e.bits, e.bytes) {
            bits(&mut s, id, &e.common.name, bytes, fields)?;
        }
        if let Some(codes) = &e.codes {
            codes_enum(&mut s, id, &format!("{} (`{id}`), an open enumeration.", e.common.name), codes);
        }
        if let Some(packet) = &e.packet {
            for (j, f) in packet.iter().enumerate() {
                let what = format!("{} ({})", f.name.to_ascii_uppercase(), e.common.name);
                ctx.rules.add(upper(&format!("{id}.{}", f.name)), what, format!("{at}/packet/{j}"));
            }
            let names: Vec<_> = packet.iter().map(|f| lit(&f.name)).collect();
            let _ = writeln!(
                s,
                "/// The fields of the {} (`{id}`), in wire order.\npub const {}_FIELDS: [&str; {}] = [{}];\n",
                e.common.name,
                upper(id),
                names.len(),
                names.join(", ")
            );
        }
    }
    for (at, e) in spec.remote_apdu() {
        let id = &e.common.id;
        ctx.rules.add(upper(id), e.common.name.clone(), at.clone());
        if let Some(codes) = &e.codes {
            codes_enum(&mut s, id, &format!("{} (`{id}`), an open enumeration.", e.common.name), codes);
        }
        if let Some(outgoing) = &e.outgoing {
            let arms: Vec<_> = outgoing
                .iter()
                .map(|o| match &o.p1_max {
                    Some(p1) => format!("(0x{}, 0x00..=0x{p1})", o.ins),
                    None => format!("(0x{}, _)", o.ins),
                })
                .collect();
            let _ = writeln!(
                s,
                "/// Whether P3 of a compact-format C-APDU with this INS and P1 is Le (`{id}` outgoing).\npub fn compact_p3_is_le(ins: u8, p1: u8) -> bool {{\n    matches!((ins, p1), {})\n}}\n",
                arms.join(" | ")
            );
        }
    }
    for (at, e) in spec.scp81() {
        let id = &e.common.id;
        ctx.rules.add(upper(id), e.common.name.clone(), at.clone());
        if let Some(codes) = &e.codes {
            codes_enum(&mut s, id, &format!("{} (`{id}`), an open enumeration.", e.common.name), codes);
        }
        if let Some(l) = &e.limits {
            let _ = writeln!(
                s,
                "/// Most bytes of an SCP81 header block, blank line included (`{id}`).\npub const SCP81_MAX_HEADER_BYTES: usize = {};\n/// Most header lines (`{id}`).\npub const SCP81_MAX_HEADERS: usize = {};\n/// Most bytes of one line, CRLF included (`{id}`).\npub const SCP81_MAX_LINE_BYTES: usize = {};\n",
                l.max_header_bytes, l.max_headers, l.max_line_bytes
            );
        }
        if let Some(headers) = &e.headers {
            let mut items = Vec::new();
            for (j, h) in headers.iter().enumerate() {
                let rule = ctx.rules.add(
                    upper(&format!("{id}.{}", h.name.replace('-', "_"))),
                    h.name.clone(),
                    format!("{at}/headers/{j}"),
                );
                let values = h.values.iter().flatten().map(|v| lit(v)).collect::<Vec<_>>().join(", ");
                let syntax = match h.syntax.as_deref() {
                    Some(x) => format!("Some({rt}::ota::scp81::Syntax::{})", camel(x)),
                    None => "None".into(),
                };
                items.push(format!(
                    "{rt}::ota::scp81::HeaderRule {{ name: {}, required: {}, values: &[{values}], syntax: {syntax}, rule: {rule} }}",
                    lit(&h.name),
                    h.required
                ));
            }
            let _ = writeln!(
                s,
                "/// The headers of the {} that hanko checks (`{id}`).\npub const {}_HEADERS: [{rt}::ota::scp81::HeaderRule; {}] = [{}];\n",
                e.common.name,
                upper(id),
                items.len(),
                items.join(", ")
            );
        }
    }
    Ok(s)
}
