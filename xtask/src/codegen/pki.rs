//! Generates `pki.rs` for the crate that verifies certificates: the spec's object
//! identifiers (dotted and DER) and certificate profiles (KeyUsage, policies, holder data).

use super::{lit, upper, Ctx};
use crate::validate::KEY_USAGE;
use std::fmt::Write as _;

/// `oid.jpki.holder_name` → `JPKI_HOLDER_NAME`.
fn const_name(id: &str, prefix: &str) -> String {
    upper(id.trim_start_matches(prefix))
}

pub fn generate(ctx: &Ctx) -> Result<String, String> {
    let spec = ctx.spec;
    let mut s = String::from(
        "/// An object identifier the spec names.\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub struct Oid {\n    pub id: &'static str,\n    pub name: &'static str,\n    /// Dotted form.\n    pub dotted: &'static str,\n    /// DER content octets (without tag and length), as x509-parser's `Oid::as_bytes` gives them.\n    pub der: &'static [u8],\n}\n\n",
    );
    let mut all = Vec::new();
    for (_, _, o) in spec.oids() {
        let der = crate::spec::oid_der(&o.oid).ok_or_else(|| format!("bad OID {}", o.oid))?;
        let name = const_name(&o.common.id, "oid.");
        let bytes: Vec<_> = der.iter().map(|b| format!("0x{b:02X}")).collect();
        let _ = writeln!(
            s,
            "/// {} — {} ({}).\npub const {name}: Oid = Oid {{ id: {}, name: {}, dotted: {}, der: &[{}] }};\n",
            o.common.name,
            o.meaning,
            o.common.confidence.as_str(),
            lit(&o.common.id),
            lit(&o.common.name),
            lit(&o.oid),
            bytes.join(", ")
        );
        all.push(name);
    }
    let _ = writeln!(s, "/// Every OID of the spec.\npub const OIDS: &[Oid] = &[{}];\n", all.join(", "));
    let _ = writeln!(s, "/// Looks an OID up by its DER content octets.\npub fn oid_by_der(der: &[u8]) -> Option<&'static Oid> {{\n    OIDS.iter().find(|o| o.der == der)\n}}\n");
    s.push_str("bitflags::bitflags! {\n    /// KeyUsage bits (RFC 5280 §4.2.1.3), bit 0 = digitalSignature.\n    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\n    pub struct KeyUsage: u16 {\n");
    for (i, ku) in KEY_USAGE.iter().enumerate() {
        let _ = writeln!(s, "        const {} = 1 << {i};", ku.to_ascii_uppercase());
    }
    s.push_str("    }\n}\n\n/// What a certificate of one kind must carry.\n#[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub struct Profile {\n    pub id: &'static str,\n    pub name: &'static str,\n    pub kind: &'static str,\n    pub ca: bool,\n    pub key_usage: KeyUsage,\n    pub key_usage_critical: bool,\n    pub policies: &'static [Oid],\n    pub holder_data: bool,\n    /// The validity rule in words.\n    pub validity: &'static str,\n    pub confidence: &'static str,\n}\n\n");
    let mut profiles = Vec::new();
    for (_, _, p) in spec.profiles() {
        let name = const_name(&p.common.id, "profile.");
        let ku = match p.key_usage.split_first() {
            None => "KeyUsage::empty()".to_string(),
            Some((first, rest)) => rest.iter().fold(format!("KeyUsage::{}", first.to_ascii_uppercase()), |acc, k| {
                format!("{acc}.union(KeyUsage::{})", k.to_ascii_uppercase())
            }),
        };
        let policies: Vec<_> = p.policies.iter().map(|id| const_name(id, "oid.")).collect();
        let _ = writeln!(
            s,
            "/// {}.\npub const {name}: Profile = Profile {{ id: {}, name: {}, kind: {}, ca: {}, key_usage: {ku}, key_usage_critical: {}, policies: &[{}], holder_data: {}, validity: {}, confidence: {} }};\n",
            p.common.name,
            lit(&p.common.id),
            lit(&p.common.name),
            lit(&p.kind),
            p.ca,
            p.key_usage_critical,
            policies.join(", "),
            p.holder_data,
            lit(&p.validity),
            lit(p.common.confidence.as_str())
        );
        profiles.push(name);
    }
    let _ = writeln!(
        s,
        "/// Every certificate profile of the spec.\npub const PROFILES: &[Profile] = &[{}];",
        profiles.join(", ")
    );
    Ok(s)
}
