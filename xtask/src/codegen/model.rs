//! Generates the card model's tables (`model/src/generated/`): the rules of `spec/flow` as
//! an enumeration whose every value knows its spec entry and status word, and the card
//! profiles of `spec/card/profiles.json`.

use super::{camel, lit, Ctx};
use std::fmt::Write as _;

fn sw_of(ctx: &Ctx, id: &str) -> Option<(String, bool)> {
    ctx.spec
        .status_words()
        .find(|(_, _, e)| e.common.id == id)
        .map(|(_, _, e)| (e.sw.replace('x', "0"), e.sw.contains('x')))
}

pub fn rules(ctx: &Ctx) -> Result<String, String> {
    let rules: Vec<_> =
        ctx.spec.card_rules().map(|(l, i, r)| (format!("{}#/card_rules/{i}", l.display), r.clone())).collect();
    let mut s = String::from("use hanko_codec::StatusWord;\n\n/// What a rule answers.\n#[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub enum Emits {\n    /// This status word.\n    Word(u16),\n    /// This status word with its x digits filled by the model (tries left, bytes available).\n    Patterned(u16),\n    /// The profile's answer to VERIFY of a blocked PIN.\n    ProfileBlocked,\n}\n\n/// A rule of the card, in the spec's words.\n#[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub struct RuleInfo {\n    pub id: &'static str,\n    pub name: &'static str,\n    /// The command id it applies to, `*` before a command is recognised.\n    pub command: &'static str,\n    pub emits: Emits,\n    pub confidence: &'static str,\n    pub source: &'static str,\n    /// JSON pointer of the rule in the spec.\n    pub spec: &'static str,\n}\n\n/// Every rule of `spec/flow`, in spec order (precedence order within a command).\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumIter)]\npub enum Rule {\n");
    for (_, r) in &rules {
        let _ = writeln!(
            s,
            "    /// {} (`{}`)\n    #[strum(serialize = {})]\n    {},",
            r.common.name,
            r.common.id,
            lit(&r.common.id),
            camel(r.common.id.trim_start_matches("card."))
        );
    }
    s.push_str("}\n\nimpl Rule {\n    pub fn info(self) -> &'static RuleInfo {\n        match self {\n");
    for (i, (_, r)) in rules.iter().enumerate() {
        let _ = writeln!(s, "            Self::{} => &RULES[{i}],", camel(r.common.id.trim_start_matches("card.")));
    }
    s.push_str("        }\n    }\n\n    pub fn id(self) -> &'static str {\n        self.into()\n    }\n\n    /// The status word this rule answers with, given the profile's blocked answer and the\n    /// value of any x digits.\n    pub fn status(self, blocked: StatusWord, param: u8) -> StatusWord {\n        match self.info().emits {\n            Emits::Word(w) => StatusWord::from(w),\n            Emits::Patterned(w) => StatusWord::from(w | u16::from(param)),\n            Emits::ProfileBlocked => blocked,\n        }\n    }\n\n    /// The rule with this spec id.\n    pub fn by_id(id: &str) -> Option<Self> {\n        <Self as strum::IntoEnumIterator>::iter().find(|r| r.id() == id)\n    }\n}\n\n/// The rules' spec entries, in the order of [`Rule`].\npub const RULES: &[RuleInfo] = &[\n");
    for (at, r) in &rules {
        let emits = if r.emits == "profile.blocked_sw" {
            "Emits::ProfileBlocked".to_string()
        } else {
            let (sw, patterned) = sw_of(ctx, &r.emits).ok_or_else(|| format!("{at}: no status word {}", r.emits))?;
            if patterned {
                format!("Emits::Patterned(0x{sw})")
            } else {
                format!("Emits::Word(0x{sw})")
            }
        };
        let _ = writeln!(
            s,
            "    RuleInfo {{ id: {}, name: {}, command: {}, emits: {emits}, confidence: {}, source: {}, spec: {} }},",
            lit(&r.common.id),
            lit(&r.common.name),
            lit(&r.command),
            lit(r.common.confidence.as_str()),
            lit(&r.common.source),
            lit(at)
        );
    }
    s.push_str("];\n");
    Ok(s)
}

pub fn profiles(ctx: &Ctx) -> Result<String, String> {
    let list = |v: &[String]| format!("&[{}]", v.iter().map(|x| lit(x)).collect::<Vec<_>>().join(", "));
    let mut s = String::from("/// A kind of card: which applications and files it has and how it answers.\n#[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub struct Profile {\n    pub id: &'static str,\n    pub name: &'static str,\n    /// The first 32 bytes of EF 0006, without the space padding.\n    pub token_label: &'static str,\n    pub atr: &'static [u8],\n    /// Application ids.\n    pub applications: &'static [&'static str],\n    /// What VERIFY answers once the PIN is blocked.\n    pub blocked_sw: u16,\n    /// File ids this card does not have.\n    pub absent_files: &'static [&'static str],\n    /// (file id, PIN ids any of which opens it), replacing the spec's read access.\n    pub read_overrides: &'static [(&'static str, &'static [&'static str])],\n    /// Case-4 answers go out through 61xx and GET RESPONSE.\n    pub chain_responses: bool,\n    pub confidence: &'static str,\n}\n\n");
    let mut names = Vec::new();
    for (at, p) in ctx.spec.card_profiles().map(|(l, i, p)| (format!("{}#/profiles/{i}", l.display), p)) {
        let name = super::upper(p.common.id.trim_start_matches("profile."));
        let atr = crate::spec::parse_hex(&p.atr).map_err(|e| format!("{at}: {e}"))?;
        let (blocked, _) = sw_of(ctx, &p.blocked_sw).ok_or_else(|| format!("{at}: no status word {}", p.blocked_sw))?;
        let overrides: Vec<_> =
            p.read_overrides.iter().map(|o| format!("({}, {})", lit(&o.file), list(&o.read))).collect();
        let _ = writeln!(
            s,
            "/// {}\npub const {name}: Profile = Profile {{ id: {}, name: {}, token_label: {}, atr: &[{}], applications: {}, blocked_sw: 0x{blocked}, absent_files: {}, read_overrides: &[{}], chain_responses: {}, confidence: {} }};\n",
            p.common.note.as_deref().unwrap_or(&p.common.name),
            lit(&p.common.id),
            lit(&p.common.name),
            lit(&p.token_label),
            atr.iter().map(|b| format!("0x{b:02X}")).collect::<Vec<_>>().join(", "),
            list(&p.applications),
            list(&p.absent_files),
            overrides.join(", "),
            p.chain_responses,
            lit(p.common.confidence.as_str())
        );
        names.push((name, p.common.id.trim_start_matches("profile.").to_string()));
    }
    let _ = writeln!(
        s,
        "/// Every profile of the spec.\npub const PROFILES: &[Profile] = &[{}];\n",
        names.iter().map(|n| n.0.clone()).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(s, "/// The profile with this short name (`plastic`, `gp_se`, `uicc`) or id.\npub fn profile(name: &str) -> Option<&'static Profile> {{\n    PROFILES.iter().find(|p| p.id == name || p.id.trim_start_matches(\"profile.\") == name)\n}}");
    Ok(s)
}
