//! The scheme machines as Graphviz: one cluster per machine, one edge per transition, labelled
//! `trigger [guard] / what it sends` with the flow prefixes left off.

use super::table::{Emit, Flow, Machine, Trigger};
use std::fmt::Write as _;

fn short<'a>(prefix: &str, id: &'a str) -> &'a str {
    id.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')).unwrap_or(id)
}

/// The label of one transition: `trigger [guard] / emits`.
pub fn label(f: &Flow, t: &super::table::Transition) -> String {
    let p = f.prefix;
    let mut s = match t.on {
        Trigger::Message(i) => short(p, f.messages[usize::from(i)].id).to_string(),
        Trigger::Event(i) => format!("({})", short(p, f.events[usize::from(i)].id)),
        Trigger::Command(c) | Trigger::Answer(c) => c.to_string(),
        Trigger::AnyAnswer => "card.*".to_string(),
    };
    if let Some(g) = t.guard {
        let _ = write!(s, " [{}]", short(&format!("{p}.guard"), f.guards[usize::from(g)].id));
    }
    let emits: Vec<String> = t
        .emits
        .iter()
        .map(|e| match *e {
            Emit::Message(i) => short(p, f.messages[usize::from(i)].id).to_string(),
            Emit::Command(c) => match t.apdu {
                Some(a) => format!("{c} {}", a.arg),
                None => c.to_string(),
            },
            Emit::Answer(r) => r.to_string(),
            Emit::ForwardCapdu => "capdu".to_string(),
        })
        .collect();
    if !emits.is_empty() {
        let _ = write!(s, " / {}", emits.join(", "));
    }
    s
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn machine(out: &mut String, f: &Flow, mi: usize, m: &Machine) {
    let node = |s: &str| format!("\"{}_{}_{}\"", f.prefix, mi, s);
    let _ = writeln!(out, "  subgraph \"cluster_{}\" {{\n    label=\"{} ({})\";", m.id, escape(m.name), m.actor);
    for (i, s) in m.states.iter().enumerate() {
        let shape = if i == usize::from(m.initial) { "doublecircle" } else { "ellipse" };
        let _ = writeln!(out, "    {} [label=\"{}\", shape={shape}];", node(s.id), s.id);
    }
    for t in m.transitions {
        let from = m.states[usize::from(t.from)].id;
        let to = m.states[usize::from(t.to)].id;
        let _ = writeln!(out, "    {} -> {} [label=\"{}\"];", node(from), node(to), escape(&label(f, t)));
    }
    out.push_str("  }\n");
}

/// A Graphviz digraph of `flows`' machines.
pub fn graph(title: &str, flows: &[&Flow]) -> String {
    let mut out = format!("digraph \"{}\" {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=9];\n", escape(title));
    for f in flows {
        for (mi, m) in f.machines.iter().enumerate() {
            machine(&mut out, f, mi, m);
        }
    }
    out.push_str("}\n");
    out
}
