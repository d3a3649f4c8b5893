//! The spec interpreter: decodes bytes by reading the spec at run time. It is deliberately a
//! second implementation, written from the spec format alone, so that the validator can
//! check every example without generated code and fuzz targets can compare the generated
//! codec against it. It must agree with the codec on every decoding, error kind and offset.

use crate::spec::{Encoding, Format, Framing, Item, Spec};
use serde_json::{json, Map, Value};

/// A decoding failure: the codec's error kind name and the byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: &'static str,
    pub offset: usize,
}

type R<T> = Result<T, Failure>;

fn fail<T>(kind: &'static str, offset: usize) -> R<T> {
    Err(Failure { kind, offset })
}

fn hex_upper(b: &[u8]) -> String {
    hex::encode_upper(b)
}

/// What the interpreter needs from the spec, indexed once.
pub struct Interp<'s> {
    spec: &'s Spec,
    max_tag_bytes: usize,
    max_length_bytes: usize,
    max_depth: usize,
}

impl<'s> Interp<'s> {
    pub fn new(spec: &'s Spec) -> Self {
        let (t, l, d) = spec
            .tlv_limits()
            .map(|l| (l.max_tag_bytes as usize, l.max_length_bytes as usize, l.max_depth as usize))
            .unwrap_or((3, 3, 16));
        Self { spec, max_tag_bytes: t, max_length_bytes: l, max_depth: d }
    }

    pub fn decode(&self, format: &Format, b: &[u8]) -> R<Value> {
        match format {
            Format::Capdu => self.capdu(b),
            Format::Rapdu => self.rapdu(b),
            Format::Tlv => self.tlv_tree(b),
            Format::SimpleTlv => self.simple_list(b),
            Format::File(id) => self.file(id, b),
        }
    }

    // ---- command APDU -------------------------------------------------------------------

    pub fn capdu(&self, b: &[u8]) -> R<Value> {
        let s = structure(b)?;
        let mut m = Map::new();
        m.insert("cla".into(), json!(hex_upper(&b[0..1])));
        m.insert("ins".into(), json!(hex_upper(&b[1..2])));
        m.insert("p1".into(), json!(hex_upper(&b[2..3])));
        m.insert("p2".into(), json!(hex_upper(&b[3..4])));
        m.insert("case".into(), json!(s.case));
        let has_data = s.case.starts_with('3') || s.case.starts_with('4');
        m.insert("lc".into(), if has_data { json!(s.data_len) } else { Value::Null });
        m.insert("data".into(), json!(hex_upper(&b[s.data_offset..s.data_offset + s.data_len])));
        m.insert("ne".into(), s.ne.map_or(Value::Null, |n| json!(n)));
        m.insert("class".into(), self.class(b[0]));
        let ins = self.spec.instructions().find(|(_, _, e)| hexbyte(&e.ins) == Some(b[1]));
        m.insert("instruction".into(), ins.map_or(Value::Null, |(_, _, e)| json!(e.common.name)));
        m.insert("command".into(), self.command(b, &s)?);
        Ok(Value::Object(m))
    }

    fn class(&self, cla: u8) -> Value {
        let mut m = Map::new();
        let Some((_, _, e)) = self.spec.class_entries().find(|(_, _, e)| bits_match(&e.pattern, cla)) else {
            m.insert("kind".into(), json!("invalid"));
            return Value::Object(m);
        };
        m.insert("kind".into(), json!(e.common.id.trim_start_matches("cla.")));
        for f in &e.fields {
            let mask = u8::from_str_radix(&f.mask, 16).unwrap_or(0);
            let v = (cla & mask) >> mask.trailing_zeros().min(7);
            let value = if f.flag.is_some() {
                json!(v != 0)
            } else if let Some(values) = &f.values {
                json!(values.get(&v.to_string()).cloned().unwrap_or_else(|| v.to_string()))
            } else {
                json!(u32::from(v) + u32::from(f.add.unwrap_or(0)))
            };
            m.insert(f.name.clone(), value);
        }
        Value::Object(m)
    }

    fn command(&self, b: &[u8], s: &Structure) -> R<Value> {
        for (_, _, c) in self.spec.commands() {
            let Some((_, _, ins)) = self.spec.instructions().find(|(_, _, i)| i.common.id == c.instruction) else {
                continue;
            };
            let header_ok = hexbyte(&ins.ins) == Some(b[1])
                && bits_match(&c.header.cla, b[0])
                && bits_match(&c.header.p1, b[2])
                && bits_match(&c.header.p2, b[3])
                && c.cases.iter().any(|k| k == s.case);
            if !header_ok {
                continue;
            }
            let mut m = Map::new();
            m.insert("id".into(), json!(c.common.id));
            m.insert("name".into(), json!(c.common.name));
            m.insert("confidence".into(), json!(c.common.confidence.as_str()));
            for p in &c.params {
                let src = match p.from.as_str() {
                    "p1" => u32::from(b[2]),
                    "p2" => u32::from(b[3]),
                    _ => u32::from(b[2]) << 8 | u32::from(b[3]),
                };
                let mask = u32::from_str_radix(&p.mask, 16).unwrap_or(0);
                m.insert(p.name.clone(), json!((src & mask) >> mask.trailing_zeros().min(31)));
            }
            let mut ctx = Ctx { input: b, positions: Vec::new(), offsets: Vec::new() };
            let end = self.items(&mut ctx, &c.data, s.data_offset, s.data_offset + s.data_len, &mut m)?;
            finish(end, s.data_offset + s.data_len)?;
            self.check_offsets(&ctx)?;
            if c.cases.len() > 1 {
                m.insert("case".into(), json!(s.case));
            }
            if c.cases.iter().any(|k| k.starts_with('2') || k.starts_with('4')) {
                m.insert("ne".into(), s.ne.map_or(Value::Null, |n| json!(n)));
            }
            return Ok(Value::Object(m));
        }
        Ok(Value::Null)
    }

    // ---- response APDU ------------------------------------------------------------------

    pub fn rapdu(&self, b: &[u8]) -> R<Value> {
        if b.len() < 2 {
            return fail("truncated", b.len());
        }
        let (data, sw) = b.split_at(b.len() - 2);
        let word = u16::from_be_bytes([sw[0], sw[1]]);
        let mut status = Map::new();
        let exact = self
            .spec
            .status_words()
            .find(|(_, _, e)| !e.sw.contains('x') && u16::from_str_radix(&e.sw, 16).ok() == Some(word));
        let patterned = || {
            self.spec.status_words().find(|(_, _, e)| {
                let p = e.sw.to_ascii_lowercase();
                let fixed = p.trim_end_matches('x');
                e.sw.contains('x') && hex_upper(sw).to_ascii_lowercase().starts_with(fixed)
            })
        };
        match exact.or_else(patterned) {
            Some((_, _, e)) => {
                status.insert("id".into(), json!(e.common.id));
                status.insert("name".into(), json!(e.common.name));
                status.insert("meaning".into(), json!(e.meaning));
                if let Some(p) = &e.param {
                    let x = e.sw.chars().filter(|c| *c == 'x').count();
                    let v = if x == 1 { sw[1] & 0x0F } else { sw[1] };
                    status.insert(p.clone(), json!(v));
                }
            }
            None => {
                status.insert("id".into(), Value::Null);
                status.insert("name".into(), Value::Null);
                status.insert("meaning".into(), Value::Null);
            }
        }
        Ok(json!({ "data": hex_upper(data), "sw": hex_upper(sw), "status": Value::Object(status) }))
    }

    // ---- TLV --------------------------------------------------------------------------

    fn read_tlv(&self, b: &[u8], pos: usize, end: usize) -> R<(u32, usize, usize)> {
        let w = &b[pos..end];
        let Some(&first) = w.first() else { return fail("truncated", end) };
        if first == 0 {
            return fail("malformed_tag", pos);
        }
        let mut tag = u32::from(first);
        let mut tl = 1;
        if first & 0x1F == 0x1F {
            loop {
                if tl >= self.max_tag_bytes {
                    return fail("malformed_tag", pos + self.max_tag_bytes - 1);
                }
                let Some(&x) = w.get(tl) else { return fail("truncated", end) };
                if tl == 1 && (x == 0x00 || x == 0x80) {
                    return fail("malformed_tag", pos + 1);
                }
                tag = tag << 8 | u32::from(x);
                tl += 1;
                if x & 0x80 == 0 {
                    break;
                }
            }
        }
        let Some(&l0) = w.get(tl) else { return fail("truncated", end) };
        let (len, ll) = if l0 < 0x80 {
            (usize::from(l0), 1)
        } else {
            let n = usize::from(l0 & 0x7F);
            if n == 0 || n > self.max_length_bytes {
                return fail("malformed_length", pos + tl);
            }
            let Some(f) = w.get(tl + 1..tl + 1 + n) else { return fail("truncated", end) };
            (f.iter().fold(0usize, |a, &x| a << 8 | usize::from(x)), n + 1)
        };
        let vo = pos + tl + ll;
        if len > end - vo {
            return fail("truncated", end);
        }
        Ok((tag, vo, len))
    }

    fn tlv_level(&self, b: &[u8], mut pos: usize, end: usize, depth: usize) -> R<Vec<Value>> {
        let mut out = Vec::new();
        while pos < end {
            let (tag, vo, len) = self.read_tlv(b, pos, end)?;
            let tag_bytes = &b[pos..pos + tag_width(tag)];
            let constructed = tag_bytes[0] & 0x20 != 0;
            let class = ["universal", "application", "context_specific", "private"][usize::from(tag_bytes[0] >> 6)];
            let mut m = Map::new();
            m.insert("offset".into(), json!(pos));
            m.insert("tag".into(), json!(hex_upper(tag_bytes)));
            let name = self
                .spec
                .tags()
                .find(|(_, _, e)| u32::from_str_radix(&e.tag, 16).ok() == Some(tag))
                .map(|(_, _, e)| e.common.name.clone());
            m.insert("name".into(), json!(name));
            m.insert("class".into(), json!(class));
            m.insert("constructed".into(), json!(constructed));
            m.insert("length".into(), json!(len));
            if constructed {
                if depth + 1 >= self.max_depth {
                    return fail("too_deep", pos);
                }
                m.insert("children".into(), Value::Array(self.tlv_level(b, vo, vo + len, depth + 1)?));
            } else {
                m.insert("value".into(), json!(hex_upper(&b[vo..vo + len])));
            }
            out.push(Value::Object(m));
            pos = vo + len;
        }
        Ok(out)
    }

    pub fn tlv_tree(&self, b: &[u8]) -> R<Value> {
        if b.is_empty() {
            return fail("truncated", 0);
        }
        // Find where padding starts: objects are read one by one at top level until the tail
        // is a run of 00 or FF (only after at least one object).
        let mut pos = 0;
        let mut count = 0;
        while pos < b.len() {
            let tail = &b[pos..];
            if count > 0 && (tail[0] == 0 || tail[0] == 0xFF) && tail.iter().all(|&x| x == tail[0]) {
                break;
            }
            let (_, vo, len) = self.read_tlv(b, pos, b.len())?;
            pos = vo + len;
            count += 1;
        }
        let objects = self.tlv_level(&b[..pos], 0, pos, 0)?;
        Ok(json!({ "objects": objects, "padding": hex_upper(&b[pos..]) }))
    }

    fn read_simple(&self, b: &[u8], pos: usize, end: usize) -> R<(u8, usize, usize)> {
        let w = &b[pos..end];
        let Some(&tag) = w.first() else { return fail("truncated", end) };
        if tag == 0 || tag == 0xFF {
            return fail("invalid", pos);
        }
        let Some(&l0) = w.get(1) else { return fail("truncated", end) };
        let (len, hl) = if l0 == 0xFF {
            let Some(f) = w.get(2..4) else { return fail("truncated", end) };
            (usize::from(u16::from_be_bytes([f[0], f[1]])), 4)
        } else {
            (usize::from(l0), 2)
        };
        if len > w.len() - hl {
            return fail("truncated", end);
        }
        Ok((tag, pos + hl, len))
    }

    pub fn simple_list(&self, b: &[u8]) -> R<Value> {
        if b.is_empty() {
            return fail("truncated", 0);
        }
        let mut pos = 0;
        let mut out = Vec::new();
        while pos < b.len() {
            let (tag, vo, len) = self.read_simple(b, pos, b.len())?;
            out.push(
                json!({ "offset": pos, "tag": hex_upper(&[tag]), "length": len, "value": hex_upper(&b[vo..vo + len]) }),
            );
            pos = vo + len;
        }
        Ok(json!({ "objects": out }))
    }

    // ---- files ------------------------------------------------------------------------

    pub fn file(&self, id: &str, b: &[u8]) -> R<Value> {
        let Some((_, _, f)) = self.spec.files_entries().find(|(_, _, f)| f.common.id == id) else {
            return fail("unknown_file", 0);
        };
        let layout = f.layout.as_deref().unwrap_or(&[]);
        let mut m = Map::new();
        m.insert("file".into(), json!(id));
        let mut ctx = Ctx { input: b, positions: Vec::new(), offsets: Vec::new() };
        let pos = self.items(&mut ctx, layout, 0, b.len(), &mut m)?;
        match &f.padding {
            Some(allowed) => {
                let allowed: Vec<u8> = allowed.iter().filter_map(|h| hexbyte(h)).collect();
                let tail = &b[pos..];
                if let Some(&first) = tail.first() {
                    if !allowed.contains(&first) {
                        return fail("invalid", pos);
                    }
                    if let Some(i) = tail.iter().position(|&x| x != first) {
                        return fail("invalid", pos + i);
                    }
                }
                self.check_offsets(&ctx)?;
                m.insert("padding".into(), json!(tail.len()));
            }
            None => {
                finish(pos, b.len())?;
                self.check_offsets(&ctx)?;
            }
        }
        Ok(Value::Object(m))
    }

    fn check_offsets(&self, ctx: &Ctx<'_>) -> R<()> {
        for (table_offset, declared, targets) in &ctx.offsets {
            for (i, (d, t)) in declared.iter().zip(targets).enumerate() {
                let actual = ctx.positions.iter().find(|(n, _)| n == t).map(|(_, p)| *p);
                if actual != Some(*d) {
                    return fail("offset_mismatch", table_offset + 2 * i);
                }
            }
        }
        Ok(())
    }

    /// Decodes `items` in `[pos, end)`, inserting their values into `out`; returns where
    /// the items ended (the caller decides whether bytes may follow).
    fn items(
        &self,
        ctx: &mut Ctx<'_>,
        items: &[Item],
        mut pos: usize,
        end: usize,
        out: &mut Map<String, Value>,
    ) -> R<usize> {
        let b = ctx.input;
        for item in items {
            let framing = item.framing().expect("validated framing");
            let (vstart, vlen) = match framing {
                Framing::Tag(t) => {
                    if item.optional && self.peek_tag(b, pos, end) != Some(t) {
                        out.insert(item.name.clone(), Value::Null);
                        continue;
                    }
                    if pos == end {
                        return fail("missing", pos);
                    }
                    let (tag, vo, len) = self.read_tlv(b, pos, end)?;
                    if tag != t {
                        return fail("unexpected_tag", pos);
                    }
                    ctx.positions.push((item.name.clone(), pos));
                    pos = vo + len;
                    (vo, len)
                }
                Framing::SimpleTag(t) => {
                    if pos == end {
                        return fail("missing", pos);
                    }
                    let (tag, vo, len) = self.read_simple(b, pos, end)?;
                    if tag != t {
                        return fail("unexpected_tag", pos);
                    }
                    ctx.positions.push((item.name.clone(), pos));
                    pos = vo + len;
                    (vo, len)
                }
                Framing::Der(t) => {
                    if pos == end {
                        return fail("missing", pos);
                    }
                    let (tag, vo, len) = self.read_tlv(b, pos, end)?;
                    if tag != t {
                        return fail("unexpected_tag", pos);
                    }
                    let start = pos;
                    pos = vo + len;
                    out.insert(item.name.clone(), json!(hex_upper(&b[start..pos])));
                    continue;
                }
                Framing::Fixed(n) => {
                    if end - pos < n {
                        return fail("truncated", end);
                    }
                    pos += n;
                    (pos - n, n)
                }
                Framing::Rest(min, max) => {
                    let n = end - pos;
                    if n < min || n > max {
                        return fail("wrong_length", pos);
                    }
                    pos = end;
                    (end - n, n)
                }
            };
            if let Some(children) = &item.children {
                let mut m = Map::new();
                let inner_end = self.items(ctx, children, vstart, vstart + vlen, &mut m)?;
                finish(inner_end, vstart + vlen)?;
                out.insert(item.name.clone(), Value::Object(m));
            } else {
                let v = self.leaf(ctx, item, vstart, vlen)?;
                out.insert(item.name.clone(), v);
            }
        }
        Ok(pos)
    }

    fn peek_tag(&self, b: &[u8], pos: usize, end: usize) -> Option<u32> {
        // Only the tag field: a value that runs short still shows its tag.
        let w = &b[pos..end];
        let first = *w.first()?;
        if first == 0 {
            return None;
        }
        if first & 0x1F != 0x1F {
            return Some(u32::from(first));
        }
        let mut tag = u32::from(first);
        for i in 1..self.max_tag_bytes {
            let x = *w.get(i)?;
            if i == 1 && (x == 0x00 || x == 0x80) {
                return None;
            }
            tag = tag << 8 | u32::from(x);
            if x & 0x80 == 0 {
                return Some(tag);
            }
        }
        None
    }

    fn leaf(&self, ctx: &mut Ctx<'_>, item: &Item, at: usize, len: usize) -> R<Value> {
        let v = &ctx.input[at..at + len];
        let (min, max) = item.value_bounds();
        if len < min || len > max {
            return fail("wrong_length", at);
        }
        let enc = item.value.as_ref().expect("validated: leaf has a value");
        let exact = |n: usize| if len == n { Ok(()) } else { fail("wrong_length", at) };
        let all = |ok: fn(u8) -> bool, kind: &'static str| match v.iter().position(|&x| !ok(x)) {
            Some(i) => fail(kind, at + i),
            None => Ok(()),
        };
        let printable = |x: u8| (0x20..=0x7E).contains(&x);
        Ok(match enc {
            Encoding::Offsets { offsets } => {
                exact(2 * offsets.len())?;
                let declared: Vec<usize> = v.chunks(2).map(|p| usize::from(u16::from_be_bytes([p[0], p[1]]))).collect();
                ctx.offsets.push((at, declared.clone(), offsets.clone()));
                json!(declared)
            }
            Encoding::Enum { values } => {
                exact(1)?;
                let key = hex_upper(v);
                json!(values.get(&key).cloned().unwrap_or(key))
            }
            Encoding::Named(name) => match name.as_str() {
                "bytes" => json!(hex_upper(v)),
                "ascii" => {
                    all(printable, "invalid")?;
                    json!(String::from_utf8_lossy(v))
                }
                "ascii_padded" => {
                    all(printable, "invalid")?;
                    json!(String::from_utf8_lossy(v).trim_end_matches(' '))
                }
                "digits" => {
                    all(|x| x.is_ascii_digit(), "invalid")?;
                    json!(String::from_utf8_lossy(v))
                }
                "utf8" => match std::str::from_utf8(v) {
                    Ok(s) => json!(s),
                    Err(e) => return fail("invalid", at + e.valid_up_to()),
                },
                "date" => {
                    exact(8)?;
                    all(|x| x.is_ascii_digit(), "invalid")?;
                    let n = |r: std::ops::Range<usize>| v[r].iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
                    let (y, mo, d) = (n(0..4), n(4..6), n(6..8));
                    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
                    let dim = match mo {
                        4 | 6 | 9 | 11 => 30,
                        2 if leap => 29,
                        2 => 28,
                        _ => 31,
                    };
                    if y == 0 || !(1..=12).contains(&mo) || d == 0 || d > dim {
                        return fail("invalid", at);
                    }
                    json!(format!("{y:04}-{mo:02}-{d:02}"))
                }
                "sex" => {
                    exact(1)?;
                    json!(match v[0] {
                        b'0' => "not_known",
                        b'1' => "male",
                        b'2' => "female",
                        b'9' => "not_applicable",
                        _ => return fail("invalid", at),
                    })
                }
                "my_number" => {
                    exact(12)?;
                    all(|x| x.is_ascii_digit(), "invalid")?;
                    let w = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
                    let sum: u32 = v[..11].iter().zip(w).map(|(&d, w)| u32::from(d - b'0') * w).sum();
                    let c = match 11 - sum % 11 {
                        10 | 11 => 0,
                        c => c,
                    };
                    if u32::from(v[11] - b'0') != c {
                        return fail("check_digit", at + 11);
                    }
                    json!(String::from_utf8_lossy(v))
                }
                "png" => {
                    if !v.starts_with(b"\x89PNG\r\n\x1a\n") {
                        return fail("invalid", at);
                    }
                    json!(hex_upper(v))
                }
                "jpeg2000" => {
                    let jp2 = [0, 0, 0, 0x0C, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A];
                    if !(v.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) || v.starts_with(&jp2)) {
                        return fail("invalid", at);
                    }
                    json!(hex_upper(v))
                }
                "aid" => {
                    let app = self
                        .spec
                        .applications()
                        .find(|(_, _, a)| crate::spec::parse_hex(&a.aid).ok().as_deref() == Some(v));
                    json!({ "hex": hex_upper(v), "application": app.map(|(_, _, a)| a.common.id.clone()) })
                }
                "fid" => {
                    exact(2)?;
                    json!(hex_upper(v))
                }
                "signature_input" => {
                    for (alg, prefix) in DIGEST_INFO {
                        let prefix = crate::spec::parse_hex(prefix).unwrap_or_default();
                        let dlen = prefix.last().copied().map_or(0, usize::from);
                        if v.len() == prefix.len() + dlen && v.starts_with(&prefix) {
                            return Ok(
                                json!({ "kind": "digest_info", "algorithm": alg, "digest": hex_upper(&v[prefix.len()..]) }),
                            );
                        }
                    }
                    json!({ "kind": "raw", "bytes": hex_upper(v) })
                }
                other => panic!("validated: unknown encoding {other}"),
            },
        })
    }
}

/// The DigestInfo prefixes (RFC 8017 §9.2 note 1); the last byte is the digest length.
const DIGEST_INFO: [(&str, &str); 4] = [
    ("sha1", "3021300906052B0E03021A05000414"),
    ("sha256", "3031300D060960864801650304020105000420"),
    ("sha384", "3041300D060960864801650304020205000430"),
    ("sha512", "3051300D060960864801650304020305000440"),
];

/// Positions of framed items by name, and offset tables to check once all is read.
struct Ctx<'b> {
    input: &'b [u8],
    positions: Vec<(String, usize)>,
    offsets: Vec<(usize, Vec<usize>, Vec<String>)>,
}

fn finish(pos: usize, end: usize) -> R<()> {
    if pos == end {
        Ok(())
    } else {
        fail("trailing_data", pos)
    }
}

fn tag_width(tag: u32) -> usize {
    match tag {
        0..=0xFF => 1,
        0x100..=0xFFFF => 2,
        0x1_0000..=0xFF_FFFF => 3,
        _ => 4,
    }
}

/// `"A4"` → 0xA4.
pub fn hexbyte(s: &str) -> Option<u8> {
    if s.len() == 2 {
        u8::from_str_radix(s, 16).ok()
    } else {
        None
    }
}

/// Matches a byte against `"A4"` (exact) or `"100xxxxx"` (bits, x = any).
pub fn bits_match(pattern: &str, b: u8) -> bool {
    if let Some(x) = hexbyte(pattern) {
        return x == b;
    }
    pattern.len() == 8
        && pattern.chars().enumerate().all(|(i, c)| {
            let bit = (b >> (7 - i)) & 1;
            match c {
                '0' => bit == 0,
                '1' => bit == 1,
                _ => true,
            }
        })
}

struct Structure {
    case: &'static str,
    data_offset: usize,
    data_len: usize,
    ne: Option<u32>,
}

/// ISO 7816-4 command structure, independently of the codec's parser.
fn structure(b: &[u8]) -> R<Structure> {
    let n = b.len();
    let mk = |case, data_offset, data_len, ne| Ok(Structure { case, data_offset, data_len, ne });
    if n < 4 {
        return fail("truncated", n);
    }
    if n == 4 {
        return mk("1", 4, 0, None);
    }
    let short_ne = |x: u8| Some(if x == 0 { 256 } else { u32::from(x) });
    if n == 5 {
        return mk("2S", 5, 0, short_ne(b[4]));
    }
    if b[4] != 0 {
        let lc = usize::from(b[4]);
        if n < 5 + lc {
            return fail("truncated", n);
        }
        if n == 5 + lc {
            return mk("3S", 5, lc, None);
        }
        if n == 6 + lc {
            return mk("4S", 5, lc, short_ne(b[n - 1]));
        }
        return fail("trailing_data", 6 + lc);
    }
    if n == 6 {
        return fail("truncated", 6);
    }
    let f = usize::from(u16::from_be_bytes([b[5], b[6]]));
    let ext_ne = |f: usize| Some(if f == 0 { 65536 } else { f as u32 });
    if n == 7 {
        return mk("2E", 7, 0, ext_ne(f));
    }
    if f == 0 {
        return fail("invalid", 5);
    }
    if n < 7 + f {
        return fail("truncated", n);
    }
    match n - 7 - f {
        0 => mk("3E", 7, f, None),
        1 => fail("ambiguous_length", 7 + f),
        2 => mk("4E", 7, f, ext_ne(usize::from(u16::from_be_bytes([b[n - 2], b[n - 1]])))),
        _ => fail("trailing_data", 9 + f),
    }
}
