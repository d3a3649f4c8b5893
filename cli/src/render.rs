//! Printing a decoded value: an aligned tree for people, or the stable JSON form.

use hanko_codec::describe::{Describe, Value, Visitor};
use std::io::IsTerminal;

/// Longest byte string the tree prints in full; longer ones are cut with their length.
const MAX_HEX_BYTES: usize = 48;

struct Line {
    depth: usize,
    name: String,
    value: Option<String>,
}

struct Tree {
    depth: usize,
    lines: Vec<Line>,
    /// Per open group: whether it is a list, and the next element's index.
    frames: Vec<(bool, usize)>,
}

impl Tree {
    fn label(&mut self, name: &str) -> String {
        match self.frames.last_mut() {
            Some((true, i)) => {
                *i += 1;
                format!("[{}]", *i - 1)
            }
            _ => name.to_string(),
        }
    }
}

fn show(value: Value<'_>) -> String {
    match value {
        Value::Bytes([]) => "(empty)".into(),
        Value::Bytes(b) if b.len() > MAX_HEX_BYTES => {
            format!("{}… ({} bytes)", hanko_codec::json::hex_upper(&b[..MAX_HEX_BYTES]), b.len())
        }
        Value::Bytes(b) => hanko_codec::json::hex_upper(b),
        Value::Text(t) => t.to_string(),
        Value::Uint(n) => n.to_string(),
        Value::Bool(b) => if b { "yes" } else { "no" }.into(),
        Value::Null => "—".into(),
    }
}

impl Visitor for Tree {
    fn field(&mut self, name: &str, value: Value<'_>) {
        let name = self.label(name);
        self.lines.push(Line { depth: self.depth, name, value: Some(show(value)) });
    }

    fn enter(&mut self, name: &str) {
        let name = self.label(name);
        self.lines.push(Line { depth: self.depth, name, value: None });
        self.depth += 1;
        self.frames.push((false, 0));
    }

    fn enter_list(&mut self, name: &str) {
        let name = self.label(name);
        self.lines.push(Line { depth: self.depth, name, value: None });
        self.depth += 1;
        self.frames.push((true, 0));
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.frames.pop();
    }
}

/// Whether to colour: only on a terminal, and never when NO_COLOR is set.
pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// The indented tree of a decoded value, names aligned per level.
pub fn tree(d: &dyn Describe, indent: usize) -> String {
    let mut t = Tree { depth: 0, lines: Vec::new(), frames: Vec::new() };
    d.describe(&mut t);
    let width = t.lines.iter().map(|l| 2 * l.depth + l.name.chars().count()).max().unwrap_or(0);
    let (dim, reset) = if colour() { ("\x1b[2m", "\x1b[0m") } else { ("", "") };
    let mut out = String::new();
    for l in &t.lines {
        let pad = " ".repeat(indent + 2 * l.depth);
        match &l.value {
            Some(v) => {
                let gap = " ".repeat(width + 2 - 2 * l.depth - l.name.chars().count());
                out.push_str(&format!("{pad}{dim}{}{reset}{gap}{v}\n", l.name));
            }
            None => out.push_str(&format!("{pad}{dim}{}{reset}\n", l.name)),
        }
    }
    out
}

pub fn json(d: &dyn Describe) -> String {
    serde_json::to_string_pretty(&hanko_codec::json::to_json(d)).unwrap_or_default()
}
