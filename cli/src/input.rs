//! Reading the bytes a command works on: `HEX`, `@FILE` or `-` (standard input).

use std::io::Read;

/// Most bytes hanko reads from one argument, file or stream: far above any card file or
/// APDU (65 535 + 9), so that a mistaken path to a huge file fails fast instead of
/// exhausting memory.
pub const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// A file or stream holding only hex digits and white space is hex; anything else is taken
/// as raw bytes.
fn hex_or_raw(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    let text_like = bytes.iter().all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace());
    if text_like && bytes.iter().any(|b| b.is_ascii_hexdigit()) {
        parse_hex(std::str::from_utf8(&bytes).unwrap_or_default())
    } else {
        Ok(bytes)
    }
}

/// Hex with optional white space (and `:` separators, as OpenSC and Wireshark print them).
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace() && *c != ':').collect();
    if let Some((i, c)) = compact.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(format!("not hex: {c:?} at character {i}"));
    }
    if compact.len() % 2 == 1 {
        return Err(format!("odd number of hex digits ({})", compact.len()));
    }
    hex::decode(&compact).map_err(|e| e.to_string())
}

fn read_limited(reader: impl Read, what: &str) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    reader.take(MAX_INPUT + 1).read_to_end(&mut buf).map_err(|e| format!("cannot read {what}: {e}"))?;
    if buf.len() as u64 > MAX_INPUT {
        return Err(format!("{what} is larger than {MAX_INPUT} bytes"));
    }
    Ok(buf)
}

pub fn read(arg: &str) -> Result<Vec<u8>, String> {
    if arg == "-" {
        return hex_or_raw(read_limited(std::io::stdin().lock(), "standard input")?);
    }
    if let Some(path) = arg.strip_prefix('@') {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot open {path}: {e}"))?;
        return hex_or_raw(read_limited(file, path)?);
    }
    parse_hex(arg)
}
