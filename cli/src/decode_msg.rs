//! `hanko decode tsm INPUT`: a TSM-layer JSON message (GP Systems Messaging, the TSM proxy's
//! SE RAM messages, J-LIS issuance) checked against `spec/tsm/messages.json`.

use crate::decode::Failure;
use hanko_codec::tsm::{Json, JsonKind, Message, MessageError};

/// Longest string the tree prints in full; longer ones are cut with their length.
const MAX_SHOWN: usize = 96;

/// The message's text: `-` (standard input), `@FILE`, a path to a file, the JSON itself, or
/// its UTF-8 bytes in hex.
pub fn read(arg: &str) -> Result<Vec<u8>, String> {
    if arg.trim_start().starts_with(['{', '[']) {
        return Ok(arg.as_bytes().to_vec());
    }
    if arg != "-" && !arg.starts_with('@') && std::path::Path::new(arg).is_file() {
        return crate::input::read(&format!("@{arg}"));
    }
    crate::input::read(arg)
}

fn message_error(e: &MessageError) -> Failure {
    Failure {
        message: e.to_string(),
        json: Some(serde_json::json!({ "error": {
            "kind": e.kind.name(), "pointer": e.pointer, "offset": e.offset, "spec": e.rule, "message": e.to_string()
        } })),
    }
}

/// Decodes and renders a message; `Err` carries the one-line reason naming the pointer.
pub fn run(bytes: &[u8], json: bool) -> Result<String, Failure> {
    let m = Message::decode(bytes).map_err(|e| message_error(&e))?;
    let d = m.def();
    if json {
        let doc = serde_json::json!({
            "message": d.id, "name": d.name, "confidence": d.confidence, "operation": d.operation,
            "from": d.from, "to": d.to, "bytes": bytes.len(), "body": m.to_json()
        });
        return Ok(serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
    let mut lines = Vec::new();
    for (name, value) in m.root().members() {
        if name != hanko_codec::tsm::limits().discriminator {
            walk(&mut lines, 0, name.into_owned(), value);
        }
    }
    let width = lines.iter().map(|(depth, name, _)| 2 * depth + name.chars().count()).max().unwrap_or(0);
    let (dim, reset) = if crate::render::colour() { ("\x1b[2m", "\x1b[0m") } else { ("", "") };
    let mut out = format!(
        "TSM message, {} bytes: {} [{}, {}]\n  {}: {} → {}\n",
        bytes.len(),
        d.name,
        d.id,
        d.confidence,
        d.operation,
        d.from.join(", "),
        d.to.join(", ")
    );
    for (depth, name, value) in &lines {
        let pad = " ".repeat(2 + 2 * depth);
        match value {
            Some(v) => {
                let gap = " ".repeat(width + 2 - 2 * depth - name.chars().count());
                out.push_str(&format!("{pad}{dim}{name}{reset}{gap}{v}\n"));
            }
            None => out.push_str(&format!("{pad}{dim}{name}{reset}\n")),
        }
    }
    Ok(out)
}

/// One line per value: scalars with their value, containers followed by their contents.
fn walk(lines: &mut Vec<(usize, String, Option<String>)>, depth: usize, name: String, value: Json<'_>) {
    match value.kind() {
        JsonKind::Object => {
            let empty = value.is_empty();
            lines.push((depth, name, empty.then(|| "{}".to_string())));
            for (k, v) in value.members() {
                walk(lines, depth + 1, k.into_owned(), v);
            }
        }
        JsonKind::Array => {
            let empty = value.is_empty();
            lines.push((depth, name, empty.then(|| "[]".to_string())));
            for (i, v) in value.items().enumerate() {
                walk(lines, depth + 1, format!("[{i}]"), v);
            }
        }
        JsonKind::String => {
            let s = value.as_str().unwrap_or_default();
            let n = s.chars().count();
            let shown = match n {
                0 => "(empty)".to_string(),
                _ if n > MAX_SHOWN => format!("{}… ({n} characters)", s.chars().take(MAX_SHOWN).collect::<String>()),
                // The spec admits no control character, but a line must never break.
                _ => s
                    .chars()
                    .map(|c| if c.is_control() { c.escape_default().collect() } else { c.to_string() })
                    .collect(),
            };
            lines.push((depth, name, Some(shown)));
        }
        _ => lines.push((depth, name, Some(value.raw().to_string()))),
    }
}
