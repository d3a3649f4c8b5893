//! Generates the scheme tables (`model/src/generated/flows.rs`): per flow file a module with
//! enumerations of its messages, events, guards, properties and each machine's states, and the
//! tables the model checker and the conformance checker run (`hanko_model::scheme::table`).

use super::{camel, lit, Ctx};
use crate::flow::{self, Flow, MachineEntry, ANY_ANSWER, FORWARD_CAPDU};
use std::fmt::Write as _;

/// `s1.portal.challenge` in flow `s1` → `PortalChallenge`.
fn variant(prefix: &str, id: &str) -> String {
    camel(id.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')).unwrap_or(id))
}

fn machine_module(prefix: &str, m: &MachineEntry) -> String {
    m.id.strip_prefix(&format!("{prefix}.machine.")).unwrap_or(&m.id).replace('.', "_")
}

fn enumeration(s: &mut String, doc: &str, name: &str, repr: &str, items: &[(String, String, String)]) {
    let _ = writeln!(
        s,
        "/// {doc}\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]\n#[repr({repr})]\npub enum {name} {{"
    );
    for (v, id, what) in items {
        let _ = writeln!(s, "    /// {what} (`{id}`)\n    {v},");
    }
    let _ = writeln!(s, "}}\n\nimpl {name} {{\n    /// Every value, in spec order.\n    pub const ALL: &'static [{name}] = &[{}];\n\n    /// The spec id.\n    pub fn id(self) -> &'static str {{\n        match self {{", items.iter().map(|(v, _, _)| format!("Self::{v}")).collect::<Vec<_>>().join(", "));
    for (v, id, _) in items {
        let _ = writeln!(s, "            Self::{v} => {},", lit(id));
    }
    let _ = writeln!(s, "        }}\n    }}\n\n    /// The index in the flow's table.\n    pub fn index(self) -> usize {{\n        self as usize\n    }}\n}}\n");
}

fn flow_module(f: &Flow<'_>) -> Result<String, String> {
    let p = f.module();
    let d = f.display;
    let msg_index = |id: &str| f.messages.iter().position(|m| m.id == id);
    let ev_index = |id: &str| f.events.iter().position(|e| e.id == id);
    let guard_index = |id: &str| f.guards.iter().position(|g| g.id == id);
    let mut s = String::new();
    let _ = writeln!(s, "/// {} ({}).\npub mod {p} {{\n    use crate::scheme::table as t;\n", f.flow.name, d);
    let mut body = String::new();
    enumeration(
        &mut body,
        "The flow's messages.",
        "Msg",
        "u16",
        &f.messages.iter().map(|m| (variant(p, &m.id), m.id.clone(), m.name.clone())).collect::<Vec<_>>(),
    );
    if !f.events.is_empty() {
        enumeration(
            &mut body,
            "The flow's events.",
            "Event",
            "u16",
            &f.events.iter().map(|e| (variant(p, &e.id), e.id.clone(), e.name.clone())).collect::<Vec<_>>(),
        );
    }
    if !f.guards.is_empty() {
        enumeration(
            &mut body,
            "The flow's guards.",
            "Guard",
            "u16",
            &f.guards
                .iter()
                .map(|g| (variant(&format!("{p}.guard"), &g.id), g.id.clone(), g.name.clone()))
                .collect::<Vec<_>>(),
        );
    }
    enumeration(
        &mut body,
        "The flow's properties.",
        "Prop",
        "u16",
        &f.properties.iter().map(|x| (variant(p, &x.id), x.id.clone(), x.name.clone())).collect::<Vec<_>>(),
    );
    for (mi, m) in f.machines.iter().enumerate() {
        let module = machine_module(p, m);
        let _ = writeln!(body, "/// {} (`{}`).\npub mod {module} {{\n    /// Index of the machine in the flow's table.\n    pub const MACHINE: usize = {mi};\n", m.name, m.id);
        let mut st = String::new();
        enumeration(
            &mut st,
            "The machine's states.",
            "State",
            "u8",
            &m.states.iter().map(|x| (camel(&x.id), x.id.clone(), x.name.clone())).collect::<Vec<_>>(),
        );
        body.push_str(&st);
        body.push_str("}\n\n");
    }
    // Tables.
    let _ = writeln!(body, "pub const MESSAGES: &[t::Message] = &[");
    for (i, m) in f.messages.iter().enumerate() {
        let fields: Vec<String> = m
            .fields
            .iter()
            .map(|x| {
                format!(
                    "t::Field {{ name: {}, ty: t::FieldType::{}, length: {}, values: &[{}] }}",
                    lit(&x.name),
                    camel(&x.ty),
                    x.length.unwrap_or(0),
                    x.values.iter().map(|v| lit(v)).collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        let _ = writeln!(
            body,
            "    t::Message {{ id: {}, name: {}, from: {}, to: {}, link: {}, fields: &[{}], confidence: {}, spec: {} }},",
            lit(&m.id),
            lit(&m.name),
            lit(&m.from),
            lit(&m.to),
            lit(&m.link),
            fields.join(", "),
            lit(m.confidence.as_str()),
            lit(&format!("{d}#/flow_messages/{i}"))
        );
    }
    let _ = writeln!(body, "];\n\npub const EVENTS: &[t::Event] = &[");
    for (i, e) in f.events.iter().enumerate() {
        let _ = writeln!(
            body,
            "    t::Event {{ id: {}, name: {}, actor: {}, values: &[{}], spec: {} }},",
            lit(&e.id),
            lit(&e.name),
            lit(&e.actor),
            e.values.iter().map(|v| lit(v)).collect::<Vec<_>>().join(", "),
            lit(&format!("{d}#/events/{i}"))
        );
    }
    let _ = writeln!(body, "];\n\npub const GUARDS: &[t::Guard] = &[");
    for (i, g) in f.guards.iter().enumerate() {
        let _ = writeln!(
            body,
            "    t::Guard {{ id: {}, name: {}, meaning: {}, spec: {} }},",
            lit(&g.id),
            lit(&g.name),
            lit(&g.meaning),
            lit(&format!("{d}#/guards/{i}"))
        );
    }
    let _ = writeln!(body, "];\n");
    for (mi, m) in f.machines.iter().enumerate() {
        let state =
            |id: &str| m.states.iter().position(|x| x.id == id).ok_or_else(|| format!("{}: no state {id}", m.id));
        let _ = writeln!(body, "const MACHINE_{mi}_STATES: &[t::State] = &[");
        for x in &m.states {
            let crash = state(x.crash.as_deref().unwrap_or(&m.initial))?;
            let _ = writeln!(body, "    t::State {{ id: {}, name: {}, crash: {crash} }},", lit(&x.id), lit(&x.name));
        }
        let _ = writeln!(body, "];\n\nconst MACHINE_{mi}_TRANSITIONS: &[t::Transition] = &[");
        let is_card = m.is_card();
        for (ti, t) in m.transitions.iter().enumerate() {
            let on = if let Some(i) = msg_index(&t.on) {
                format!("t::Trigger::Message({i})")
            } else if let Some(i) = ev_index(&t.on) {
                format!("t::Trigger::Event({i})")
            } else if t.on == ANY_ANSWER {
                "t::Trigger::AnyAnswer".into()
            } else if is_card {
                format!("t::Trigger::Command({})", lit(&t.on))
            } else {
                format!("t::Trigger::Answer({})", lit(&t.on))
            };
            let guard = match &t.guard {
                Some(g) => format!("Some({})", guard_index(g).ok_or_else(|| format!("{}: no guard {g}", m.id))?),
                None => "None".into(),
            };
            let emits: Vec<String> = t
                .emits
                .iter()
                .map(|e| {
                    if let Some(i) = msg_index(e) {
                        format!("t::Emit::Message({i})")
                    } else if e == FORWARD_CAPDU {
                        "t::Emit::ForwardCapdu".into()
                    } else if is_card {
                        format!("t::Emit::Answer({})", lit(e))
                    } else {
                        format!("t::Emit::Command({})", lit(e))
                    }
                })
                .collect();
            let apdu = match &t.apdu {
                Some(a) => format!("Some(t::Apdu {{ command: {}, arg: {} }})", lit(&a.command), lit(&a.arg)),
                None => "None".into(),
            };
            let mut presets = Vec::new();
            for (mid, fields) in &t.fields {
                let i = msg_index(mid).ok_or_else(|| format!("{}: no message {mid}", m.id))?;
                for (name, value) in fields {
                    presets.push(format!("t::Preset {{ message: {i}, field: {}, value: {} }}", lit(name), lit(value)));
                }
            }
            let _ = writeln!(
                body,
                "    t::Transition {{ from: {}, on: {on}, guard: {guard}, to: {}, emits: &[{}], apdu: {apdu}, fields: &[{}], spec: {} }},",
                state(&t.from)?,
                state(&t.to)?,
                emits.join(", "),
                presets.join(", "),
                lit(&format!("{d}#/machines/{mi}/transitions/{ti}"))
            );
        }
        let _ = writeln!(body, "];\n");
    }
    let _ = writeln!(body, "pub const MACHINES: &[t::Machine] = &[");
    for (mi, m) in f.machines.iter().enumerate() {
        let via = match &m.apdu_via {
            Some(v) => format!(
                "Some(t::ApduVia {{ card: {}, send: {}, receive: {}, guard: {} }})",
                lit(&v.card),
                msg_index(&v.send).ok_or("apdu_via.send")?,
                msg_index(&v.receive).ok_or("apdu_via.receive")?,
                guard_index(&v.guard).ok_or("apdu_via.guard")?
            ),
            None => "None".into(),
        };
        let _ = writeln!(
            body,
            "    t::Machine {{ id: {}, name: {}, actor: {}, initial: {}, states: MACHINE_{mi}_STATES, transitions: MACHINE_{mi}_TRANSITIONS, reader_of: {}, apdu_via: {via}, spec: {} }},",
            lit(&m.id),
            lit(&m.name),
            lit(&m.actor),
            m.states.iter().position(|x| x.id == m.initial).ok_or("initial")?,
            m.reader_of.as_deref().map_or("None".into(), |r| format!("Some({})", lit(r))),
            lit(&format!("{d}#/machines/{mi}"))
        );
    }
    let _ = writeln!(body, "];\n\npub const PROPERTIES: &[t::Property] = &[");
    for (i, x) in f.properties.iter().enumerate() {
        let _ = writeln!(
            body,
            "    t::Property {{ id: {}, name: {}, kind: t::Kind::{}, statement: {}, needs: &[{}], spec: {} }},",
            lit(&x.id),
            lit(&x.name),
            if x.kind == "safety" { "Safety" } else { "Reachability" },
            lit(&x.statement),
            x.needs.iter().map(|n| lit(n)).collect::<Vec<_>>().join(", "),
            lit(&format!("{d}#/properties/{i}"))
        );
    }
    let _ = writeln!(
        body,
        "];\n\n/// The whole flow.\npub const FLOW: t::Flow = t::Flow {{ id: {}, name: {}, scheme: {}, prefix: {}, file: {}, actors: &[{}], messages: MESSAGES, events: EVENTS, guards: GUARDS, machines: MACHINES, properties: PROPERTIES }};",
        lit(&f.flow.id),
        lit(&f.flow.name),
        f.flow.scheme,
        lit(p),
        lit(d),
        f.actors.iter().map(|a| lit(&a.id)).collect::<Vec<_>>().join(", ")
    );
    for line in body.lines() {
        if line.is_empty() {
            s.push('\n');
        } else {
            let _ = writeln!(s, "    {line}");
        }
    }
    s.push_str("}\n\n");
    Ok(s)
}

/// The `flows` module, or `None` when the spec has no flow files.
pub fn generate(ctx: &Ctx) -> Result<Option<String>, String> {
    let flows = flow::flows(ctx.spec);
    if flows.is_empty() {
        return Ok(None);
    }
    let mut s = String::new();
    for f in &flows {
        s.push_str(&flow_module(f)?);
    }
    let _ = writeln!(
        s,
        "/// Every flow of the spec, in file order.\npub const FLOWS: &[&crate::scheme::table::Flow] = &[{}];\n\n/// The flow whose prefix is `prefix` (`s1`, `s2`, `s3i`, `s3u`, `lc`).\npub fn flow(prefix: &str) -> Option<&'static crate::scheme::table::Flow> {{\n    FLOWS.iter().copied().find(|f| f.prefix == prefix)\n}}",
        flows.iter().map(|f| format!("&{}::FLOW", f.module())).collect::<Vec<_>>().join(", ")
    );
    Ok(Some(s))
}
