//! The spec interpreter: decodes bytes by reading the spec at run time. It is deliberately a
//! second implementation, written from the spec format alone, so that the validator can
//! check every example without generated code and fuzz targets can compare the generated
//! codec against it. It must agree with the codec on every decoding, error kind and offset.

use crate::spec::{Encoding, Format, Framing, Item, LvKind, Spec};
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
            Format::Layout(id) => self.layout(id, b),
            Format::Value(id) => self.value(id, b),
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

    /// The first command whose header, case and data match; when the data of every command
    /// whose header and case match fails, the error that got furthest (the first on a tie).
    fn command(&self, b: &[u8], s: &Structure) -> R<Value> {
        let mut first_error = None;
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
            let mut ctx = Ctx { input: b, positions: Vec::new(), offsets: Vec::new(), canonical: true };
            let data = self
                .items(&mut ctx, &c.data, s.data_offset, s.data_offset + s.data_len, &mut m)
                .and_then(|end| finish(end, s.data_offset + s.data_len))
                .and_then(|()| self.check_offsets(&ctx));
            if let Err(e) = data {
                if first_error.as_ref().is_none_or(|f: &Failure| e.offset > f.offset) {
                    first_error = Some(e);
                }
                continue;
            }
            if c.cases.len() > 1 {
                m.insert("case".into(), json!(s.case));
            }
            if c.cases.iter().any(|k| k.starts_with('2') || k.starts_with('4')) {
                m.insert("ne".into(), s.ne.map_or(Value::Null, |n| json!(n)));
            }
            return Ok(Value::Object(m));
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(Value::Null),
        }
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

    /// A BER-TLV tag field at `pos`: the tag and how many bytes it takes.
    fn read_tag(&self, b: &[u8], pos: usize, end: usize) -> R<(u32, usize)> {
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
        Ok((tag, tl))
    }

    fn read_tlv(&self, b: &[u8], pos: usize, end: usize) -> R<(u32, usize, usize)> {
        let w = &b[pos..end];
        let (tag, tl) = self.read_tag(b, pos, end)?;
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
        let mut ctx = Ctx { input: b, positions: Vec::new(), offsets: Vec::new(), canonical: false };
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

    /// Decodes a data layout, by its entry id.
    pub fn layout(&self, id: &str, b: &[u8]) -> R<Value> {
        let Some((_, _, e)) = self.spec.data_layouts().find(|(_, _, e)| e.common.id == id) else {
            return fail("unknown_layout", 0);
        };
        let mut m = Map::new();
        m.insert("layout".into(), json!(id));
        let mut ctx = Ctx { input: b, positions: Vec::new(), offsets: Vec::new(), canonical: false };
        let pos = self.items(&mut ctx, &e.layout, 0, b.len(), &mut m)?;
        finish(pos, b.len())?;
        self.check_offsets(&ctx)?;
        Ok(Value::Object(m))
    }

    /// Decodes a value of a named type, by the type's id: all of `b` is the value.
    pub fn value(&self, id: &str, b: &[u8]) -> R<Value> {
        let v = self.typed(id, b, 0)?;
        Ok(json!({ "type": id, "value": v }))
    }

    /// A value of the named type `id` in `v` (at byte `at`).
    fn typed(&self, id: &str, v: &[u8], at: usize) -> R<Value> {
        let Some((_, _, t)) = self.spec.types().find(|(_, _, t)| t.common.id == id) else {
            return fail("unknown_type", at);
        };
        if t.kind == "enum" {
            if v.len() != 1 {
                return fail("wrong_length", at);
            }
            let key = hex_upper(v);
            return Ok(json!(t.values.as_ref().and_then(|m| m.get(&key)).cloned().unwrap_or(key)));
        }
        if v.is_empty() || v.len() > t.bytes {
            return fail("wrong_length", at);
        }
        let bits = v.iter().fold(0u32, |a, &x| a << 8 | u32::from(x)) << (8 * (t.bytes - v.len()));
        // Flags are listed by mask, most significant first.
        let mut set: Vec<(u32, &String)> = t
            .flags
            .iter()
            .flatten()
            .filter_map(|(mask, name)| u32::from_str_radix(mask, 16).ok().map(|m| (m, name)))
            .filter(|&(m, _)| m != 0 && bits & m == m)
            .collect();
        set.sort_by_key(|f| std::cmp::Reverse(f.0));
        Ok(json!({ "hex": hex_upper(v), "set": set.iter().map(|(_, n)| n).collect::<Vec<_>>() }))
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
        for item in items {
            if let Some([min, max]) = item.repeat {
                let mut list = Vec::new();
                while list.len() < max && self.another(ctx.input, item, pos, end) {
                    let (v, next) = self.occurrence(ctx, item, pos, end)?;
                    list.push(v);
                    let stuck = next == pos;
                    pos = next;
                    if stuck {
                        break;
                    }
                }
                if list.len() < min {
                    self.occurrence(ctx, item, pos, end)?;
                    return fail("truncated", pos);
                }
                out.insert(item.name.clone(), Value::Array(list));
                continue;
            }
            if item.optional && !self.another(ctx.input, item, pos, end) {
                out.insert(item.name.clone(), Value::Null);
                continue;
            }
            let (v, next) = self.occurrence(ctx, item, pos, end)?;
            out.insert(item.name.clone(), v);
            pos = next;
        }
        Ok(pos)
    }

    /// Whether an occurrence of `item` starts at `pos`: its tag is there (BER-TLV, DGI), or
    /// any byte is left (other framings).
    fn another(&self, b: &[u8], item: &Item, pos: usize, end: usize) -> bool {
        match item.framing() {
            Some(Framing::Tag(t)) => self.peek_tag(b, pos, end) == Some(t),
            Some(Framing::Dgi(t)) => end - pos >= 2 && u16::from_be_bytes([b[pos], b[pos + 1]]) == t,
            _ => pos < end,
        }
    }

    /// One occurrence of `item` at `pos`: its value (a leaf's, or an object of its children)
    /// and where it ends.
    fn occurrence(&self, ctx: &mut Ctx<'_>, item: &Item, pos: usize, end: usize) -> R<(Value, usize)> {
        let b = ctx.input;
        // An invalid spec fails its examples rather than stopping the validator that reports it.
        let Some(framing) = item.framing() else { return fail("invalid", pos) };
        let (vstart, vlen, next) = match framing {
            Framing::Tag(t) if item.partial => {
                if pos == end {
                    return fail("missing", pos);
                }
                let (tag, tl) = self.read_tag(b, pos, end)?;
                if tag != t {
                    return fail("unexpected_tag", pos);
                }
                let (declared, after) = self.length_field(b, pos + tl, end, LvKind::Ber, ctx.canonical)?;
                let here = (end - after).min(declared);
                let v = json!({ "length": declared, "bytes": hex_upper(&b[after..after + here]) });
                return Ok((v, after + here));
            }
            Framing::Tag(t) => {
                if pos == end {
                    return fail("missing", pos);
                }
                let (tag, vo, len) = self.read_tlv(b, pos, end)?;
                if tag != t {
                    return fail("unexpected_tag", pos);
                }
                if ctx.canonical && vo - pos != tag_width(tag) + ber_length_width(len) {
                    return fail("malformed_length", pos + tag_width(tag));
                }
                ctx.positions.push((item.name.clone(), pos));
                (vo, len, vo + len)
            }
            Framing::SimpleTag(t) => {
                if pos == end {
                    return fail("missing", pos);
                }
                let (tag, vo, len) = self.read_simple(b, pos, end)?;
                if tag != t {
                    return fail("unexpected_tag", pos);
                }
                if ctx.canonical && vo - pos != if len < 0xFF { 2 } else { 4 } {
                    return fail("malformed_length", pos + 1);
                }
                ctx.positions.push((item.name.clone(), pos));
                (vo, len, vo + len)
            }
            Framing::Der(t) => {
                if pos == end {
                    return fail("missing", pos);
                }
                let (tag, vo, len) = self.read_tlv(b, pos, end)?;
                if tag != t {
                    return fail("unexpected_tag", pos);
                }
                return Ok((json!(hex_upper(&b[pos..vo + len])), vo + len));
            }
            Framing::Fixed(n) => {
                if end - pos < n {
                    return fail("truncated", end);
                }
                (pos, n, pos + n)
            }
            Framing::Rest(min, max) => {
                let n = end - pos;
                if n < min || n > max {
                    return fail("wrong_length", pos);
                }
                (pos, n, end)
            }
            Framing::Lv(kind) => {
                let (len, after) = self.length_field(b, pos, end, kind, ctx.canonical)?;
                if end - after < len {
                    return fail("truncated", end);
                }
                (after, len, after + len)
            }
            Framing::Dgi(t) => {
                if pos == end {
                    return fail("missing", pos);
                }
                if end - pos < 2 {
                    return fail("truncated", end);
                }
                if u16::from_be_bytes([b[pos], b[pos + 1]]) != t {
                    return fail("unexpected_tag", pos);
                }
                let (len, after) = self.length_field(b, pos + 2, end, LvKind::Dgi, ctx.canonical)?;
                if end - after < len {
                    return fail("truncated", end);
                }
                (after, len, after + len)
            }
            Framing::Group => {
                let mut m = Map::new();
                let next = self.items(ctx, item.children.as_deref().unwrap_or(&[]), pos, end, &mut m)?;
                return Ok((Value::Object(m), next));
            }
        };
        if let Some(children) = &item.children {
            let mut m = Map::new();
            let inner_end = self.items(ctx, children, vstart, vstart + vlen, &mut m)?;
            finish(inner_end, vstart + vlen)?;
            return Ok((Value::Object(m), next));
        }
        Ok((self.leaf(ctx, item, vstart, vlen)?, next))
    }

    /// A length field of `kind` at `pos`: the length and where the value starts.
    fn length_field(&self, b: &[u8], pos: usize, end: usize, kind: LvKind, canonical: bool) -> R<(usize, usize)> {
        let Some(&first) = b[pos..end].first() else { return fail("truncated", end) };
        match kind {
            LvKind::Byte => Ok((usize::from(first), pos + 1)),
            LvKind::Ber if first < 0x80 => Ok((usize::from(first), pos + 1)),
            LvKind::Ber => {
                let n = usize::from(first & 0x7F);
                if n == 0 || n > self.max_length_bytes {
                    return fail("malformed_length", pos);
                }
                if end - pos - 1 < n {
                    return fail("truncated", end);
                }
                let len = b[pos + 1..pos + 1 + n].iter().fold(0usize, |a, &x| a << 8 | usize::from(x));
                if canonical && ber_length_width(len) != n + 1 {
                    return fail("malformed_length", pos);
                }
                Ok((len, pos + 1 + n))
            }
            LvKind::Dgi if first != 0xFF => Ok((usize::from(first), pos + 1)),
            LvKind::Dgi => {
                if end - pos - 1 < 2 {
                    return fail("truncated", end);
                }
                let len = usize::from(u16::from_be_bytes([b[pos + 1], b[pos + 2]]));
                if canonical && len < 0xFF {
                    return fail("malformed_length", pos);
                }
                Ok((len, pos + 3))
            }
        }
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
        let Some(enc) = item.value.as_ref() else { return fail("invalid", at) };
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
            Encoding::Type { type_id } => self.typed(type_id, v, at)?,
            Encoding::Named(name) => match name.as_str() {
                "bytes" => json!(hex_upper(v)),
                "uint" => json!(v.iter().fold(0u64, |a, &x| a << 8 | u64::from(x))),
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
                _ => return fail("invalid", at),
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
    /// Command data: every length field must be the minimal one.
    canonical: bool,
}

fn finish(pos: usize, end: usize) -> R<()> {
    if pos == end {
        Ok(())
    } else {
        fail("trailing_data", pos)
    }
}

/// Bytes of the minimal BER length field for `len`.
fn ber_length_width(len: usize) -> usize {
    match len {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        0x100..=0xFFFF => 3,
        0x1_0000..=0xFF_FFFF => 4,
        _ => 5,
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

#[cfg(test)]
mod tests {
    //! The layout language's framings, lists and typed values on a small spec of their own,
    //! and the validator's rules for them; the generated codec is held to the same answers by
    //! `codec/tests/spec_examples.rs` and `codec/tests/layouts.rs`.

    use super::*;
    use crate::spec::{Loaded, SpecFile};

    fn spec(doc: Value) -> Spec {
        let file: SpecFile = serde_json::from_value(doc.clone()).expect("a spec document");
        Spec { files: vec![Loaded { display: "test.json".into(), path: "test.json".into(), file, raw: doc }] }
    }

    fn entry(id: &str) -> Value {
        json!({ "id": id, "name": id, "source": "test", "confidence": "project-defined" })
    }

    fn with(mut base: Value, extra: Value) -> Value {
        if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        base
    }

    /// A spec with one data layout `t.layout` and the types it may use.
    fn layout_spec(layout: Value) -> Spec {
        spec(json!({
            "spec": "hanko/1", "title": "t", "description": "t",
            "types": [
                with(entry("t.state"), json!({ "kind": "enum", "bytes": 1, "values": { "07": "on" } })),
                with(entry("t.flags"), json!({ "kind": "flags", "bytes": 2, "flags": { "8000": "high", "0001": "low" } }))
            ],
            "data_layouts": [ with(entry("t.layout"), json!({ "layout": layout })) ]
        }))
    }

    fn decode(s: &Spec, hex: &str) -> R<Value> {
        Interp::new(s).layout("t.layout", &crate::spec::parse_hex(hex).expect("hex"))
    }

    fn err(kind: &'static str, offset: usize) -> R<Value> {
        Err(Failure { kind, offset })
    }

    #[test]
    fn lists_read_while_their_tag_follows_and_need_their_minimum() {
        let s = layout_spec(json!([ { "name": "items", "tag": "C1", "repeat": [1, 2], "length": 1, "value": "uint" },
                                    { "name": "tail", "rest": [0, 9], "value": "bytes" } ]));
        assert_eq!(decode(&s, "C10105C10106AA").unwrap()["items"], json!([5, 6]));
        assert_eq!(decode(&s, "C10105C10106C10107").unwrap()["tail"], json!("C10107"), "at most two");
        assert_eq!(decode(&s, "AA00"), err("unexpected_tag", 0), "fewer than one");
        assert_eq!(decode(&s, ""), err("missing", 0));
    }

    #[test]
    fn grouped_lists_run_to_the_end_of_their_element() {
        let s = layout_spec(json!([ { "name": "pairs", "repeat": [0, 9], "children": [
            { "name": "a", "length": 1, "value": "bytes" }, { "name": "b", "lv": "byte", "length": [0, 4], "value": "bytes" } ] } ]));
        assert_eq!(
            decode(&s, "0102AABB0300").unwrap()["pairs"],
            json!([ { "a": "01", "b": "AABB" }, { "a": "03", "b": "" } ])
        );
        assert_eq!(decode(&s, "0103AABB"), err("truncated", 4));
        assert_eq!(decode(&s, "").unwrap()["pairs"], json!([]));
    }

    #[test]
    fn length_fields_are_canonical_in_command_data_only() {
        let s = layout_spec(json!([ { "name": "v", "lv": "ber", "value": "bytes" } ]));
        assert_eq!(decode(&s, "8102AABB").unwrap()["v"], json!("AABB"), "a response may write 81 02");
        assert_eq!(decode(&s, "80"), err("malformed_length", 0), "80 is BER's indefinite form");
        assert_eq!(decode(&s, "84000000 01AA"), err("malformed_length", 0));
        let b = crate::spec::parse_hex("8102AABB").unwrap();
        let interp = Interp::new(&s);
        let Some((_, _, e)) = s.data_layouts().next() else { panic!("the layout") };
        let mut ctx = Ctx { input: &b, positions: Vec::new(), offsets: Vec::new(), canonical: true };
        assert_eq!(
            interp.items(&mut ctx, &e.layout, 0, b.len(), &mut Map::new()),
            Err(Failure { kind: "malformed_length", offset: 0 })
        );
    }

    #[test]
    fn dgis_have_two_tag_bytes_and_a_one_or_three_byte_length() {
        let s = layout_spec(json!([ { "name": "d", "dgi": "8121", "value": "bytes" },
                                    { "name": "o", "dgi": "0010", "optional": true, "value": "bytes" } ]));
        assert_eq!(decode(&s, "812102AABB").unwrap(), json!({ "layout": "t.layout", "d": "AABB", "o": null }));
        assert_eq!(decode(&s, "8121FF0001AA001000").unwrap()["o"], json!(""), "FF 0001 in a response");
        assert_eq!(decode(&s, "812202AABB"), err("unexpected_tag", 0));
        assert_eq!(decode(&s, "81"), err("truncated", 1));
        assert_eq!(decode(&s, "8121FF00"), err("truncated", 4));
    }

    #[test]
    fn a_partial_tlv_keeps_its_declared_length() {
        let s = layout_spec(json!([ { "name": "p", "tag": "C4", "partial": true, "value": "bytes" } ]));
        assert_eq!(decode(&s, "C4820400AABB").unwrap()["p"], json!({ "length": 1024, "bytes": "AABB" }));
        assert_eq!(decode(&s, "C401AABB"), err("trailing_data", 3), "a complete TLV with bytes after it");
        assert_eq!(decode(&s, "C5"), err("unexpected_tag", 0));
    }

    #[test]
    fn a_trailing_fixed_item_may_be_absent() {
        let s = layout_spec(
            json!([ { "name": "a", "length": 1, "value": "bytes" }, { "name": "b", "length": 2, "optional": true, "value": "bytes" } ]),
        );
        assert_eq!(decode(&s, "01").unwrap()["b"], Value::Null);
        assert_eq!(decode(&s, "010203").unwrap()["b"], json!("0203"));
        assert_eq!(decode(&s, "0102"), err("truncated", 2));
    }

    #[test]
    fn typed_values_name_what_the_spec_lists_and_keep_the_rest() {
        let s = layout_spec(json!([ { "name": "s", "length": 1, "value": { "type": "t.state" } },
                                    { "name": "f", "lv": "byte", "length": [1, 2], "value": { "type": "t.flags" } } ]));
        assert_eq!(
            decode(&s, "070181").unwrap(),
            json!({ "layout": "t.layout", "s": "on", "f": { "hex": "81", "set": ["high"] } })
        );
        assert_eq!(decode(&s, "0802FF01").unwrap()["f"], json!({ "hex": "FF01", "set": ["high", "low"] }));
        assert_eq!(decode(&s, "0800"), err("wrong_length", 2), "flags take at least a byte");
        assert_eq!(Interp::new(&s).value("t.flags", &[0x80, 0, 0]), err("wrong_length", 0));
    }

    /// A command spec: two commands share a header; the first whose data decodes wins, else
    /// the error that got furthest.
    fn command_spec() -> Spec {
        let cmd = |id: &str, data: Value| {
            with(
                entry(id),
                json!({ "instruction": "t.ins", "header": { "cla": "80", "p1": "00", "p2": "00" }, "cases": ["3S"], "data": data, "responses": [] }),
            )
        };
        spec(json!({
            "spec": "hanko/1", "title": "t", "description": "t",
            "instructions": [ with(entry("t.ins"), json!({ "ins": "E4" })) ],
            "commands": [
                cmd("t.first", json!([ { "name": "aid", "tag": "4F", "length": [5, 16], "value": "bytes" } ])),
                cmd("t.second", json!([ { "name": "key", "tag": "D0", "length": 1, "value": "uint" } ]))
            ]
        }))
    }

    #[test]
    fn commands_sharing_a_header_fall_through_to_the_one_whose_data_decodes() {
        let s = command_spec();
        let i = Interp::new(&s);
        let c = |hex: &str| i.capdu(&crate::spec::parse_hex(hex).unwrap());
        assert_eq!(c("80E4000003D00107").unwrap()["command"]["id"], json!("t.second"));
        assert_eq!(c("80E40000074F05A000000151").unwrap()["command"]["id"], json!("t.first"));
        // t.first fails at 7 (a two-byte AID), t.second at 5 (4F is not D0): the furthest wins.
        assert_eq!(c("80E40000044F02A000"), err("wrong_length", 7));
        assert_eq!(c("80E4000004D0810107"), err("malformed_length", 6), "canonical lengths in command data");
    }

    fn problems(doc: Value) -> Vec<String> {
        crate::validate::validate(&spec(doc)).problems.iter().map(|p| p.reason.clone()).collect()
    }

    fn layout_problems(layout: Value) -> Vec<String> {
        problems(json!({ "spec": "hanko/1", "title": "t", "description": "t",
            "data_layouts": [ with(entry("t.layout"), json!({ "layout": layout, "examples": [ { "hex": "00", "decoded": {} } ] })) ] }))
    }

    #[test]
    fn the_validator_refuses_layouts_the_decoders_could_not_honour() {
        let has = |layout: Value, needle: &str| {
            let p = layout_problems(layout);
            assert!(p.iter().any(|r| r.contains(needle)), "expected {needle:?} among {p:?}");
        };
        has(
            json!([ { "name": "g", "repeat": [0, 2], "children": [ { "name": "x", "tag": "C1", "optional": true, "value": "bytes" } ] } ]),
            "must take at least one byte",
        );
        has(json!([ { "name": "x", "lv": "byte", "value": "bytes" } ]), "one-byte length");
        has(
            json!([ { "name": "x", "length": 1, "optional": true, "value": "bytes" }, { "name": "y", "length": 1, "value": "bytes" } ]),
            "come last",
        );
        has(json!([ { "name": "x", "tag": "C4", "partial": true, "value": "uint", "length": 1 } ]), "partial item");
        has(json!([ { "name": "x", "length": 3, "value": { "type": "t.nothing" } } ]), "no type");
        has(json!([ { "name": "x", "rest": [0, 5], "repeat": [0, 2], "value": "bytes" } ]), "only tag, dgi, lv");
        has(json!([ { "name": "x", "lv": "word", "value": "bytes" } ]), "exactly one of");
        has(json!([ { "name": "x", "length": 5, "value": "uint" } ]), "uint needs");
    }

    #[test]
    fn the_validator_checks_types_and_response_references() {
        let p = problems(json!({ "spec": "hanko/1", "title": "t", "description": "t",
            "types": [ with(entry("t.bad"), json!({ "kind": "flags", "bytes": 1, "flags": { "0100": "x", "00": "y" }, "examples": [ { "hex": "01", "decoded": {} } ] })) ],
            "data_layouts": [ with(entry("t.layout"), json!({ "layout": [ { "name": "x", "length": 1, "value": "bytes" } ], "response_to": ["t.none"], "examples": [ { "hex": "00", "decoded": {} } ] })) ] }));
        assert!(p.iter().any(|r| r.contains("keys are 1 bytes")), "{p:?}");
        assert!(p.iter().any(|r| r.contains("no command \"t.none\"")), "{p:?}");
    }
}
