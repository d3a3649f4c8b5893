//! SCP81 header blocks (GlobalPlatform Amendment B; `spec/tsm/scp81.json`): the agent's POST
//! and the server's answer, parsed strictly and without an HTTP library.
//!
//! Strict means: CRLF line ends only, no folded lines, header names that are RFC 9110
//! tokens, values of visible ASCII, space and tab; the limits of `scp81.limits`; and the
//! headers the spec lists present (when required), once, with an allowed value or syntax.
//! Everything after the blank line is the body, kept as bytes.

use crate::describe::{Describe, Value, Visitor};
use crate::error::{Error, ErrorKind, Expected, Result, Rule};
use crate::generated::rules;
use crate::generated::tsm::{
    SCP81_MAX_HEADERS, SCP81_MAX_HEADER_BYTES, SCP81_MAX_LINE_BYTES, SCP81_REQUEST_HEADERS, SCP81_RESPONSE_HEADERS,
};

/// How a header's value is checked when the spec gives a syntax instead of values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// `//se-id/…`, optionally `;//aa-id/…`.
    AdminFrom,
    /// A non-empty URI reference.
    Uri,
    /// `//aid/<RID>/<PIX>`: RID 5 bytes, PIX 0 to 11 bytes, in hex.
    AidPath,
    /// ASCII digits, at most 10.
    Decimal,
}

/// A header the spec lists for a message (generated from `spec/tsm/scp81.json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HeaderRule {
    pub name: &'static str,
    pub required: bool,
    /// The allowed values; empty when `syntax` checks the value instead.
    pub values: &'static [&'static str],
    pub syntax: Option<Syntax>,
    pub rule: Rule,
}

/// One header line: its name and value (without surrounding white space) and where they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header<'a> {
    pub offset: usize,
    pub name: &'a str,
    pub value: &'a str,
    pub value_offset: usize,
}

/// The lines of a header block after the start line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Headers<'a> {
    input: &'a [u8],
    start: usize,
    /// Offset of the blank line that ends the block.
    end: usize,
}

impl<'a> Headers<'a> {
    pub fn iter(&self) -> impl Iterator<Item = Header<'a>> + 'a {
        let (input, end) = (self.input, self.end);
        let mut pos = self.start;
        core::iter::from_fn(move || {
            if pos >= end {
                return None;
            }
            let line_end = find_crlf(input, pos, end)?;
            let header = split_header(input, pos, line_end).ok()?;
            pos = line_end + 2;
            Some(header)
        })
    }

    /// The first header of this name (names compare without regard to case).
    pub fn get(&self, name: &str) -> Option<Header<'a>> {
        self.iter().find(|h| h.name.eq_ignore_ascii_case(name))
    }

    /// Offset of the blank line that ends the block.
    pub fn end(&self) -> usize {
        self.end
    }
}

fn invalid(expected: Expected, at: usize, rule: Rule) -> Error {
    Error::new(ErrorKind::Invalid(expected), at, rule)
}

fn find_crlf(input: &[u8], from: usize, limit: usize) -> Option<usize> {
    input.get(from..limit)?.windows(2).position(|w| w == b"\r\n").map(|i| from + i)
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `name: value` of the line `pos..line_end` (its CRLF excluded).
fn split_header(input: &[u8], pos: usize, line_end: usize) -> Result<Header<'_>> {
    let rule = rules::SCP81_LIMITS;
    let line = &input[pos..line_end];
    let colon = line.iter().position(|&b| b == b':').ok_or_else(|| invalid(Expected::HttpSyntax, pos, rule))?;
    if colon == 0 || !line[..colon].iter().all(|&b| is_tchar(b)) {
        return Err(invalid(Expected::HttpSyntax, pos, rule));
    }
    let mut v_start = colon + 1;
    let mut v_end = line.len();
    while v_start < v_end && matches!(line[v_start], b' ' | b'\t') {
        v_start += 1;
    }
    while v_end > v_start && matches!(line[v_end - 1], b' ' | b'\t') {
        v_end -= 1;
    }
    if let Some(i) = line[v_start..v_end].iter().position(|&b| !(b == b' ' || b == b'\t' || (0x21..0x7F).contains(&b)))
    {
        return Err(invalid(Expected::HttpSyntax, pos + v_start + i, rule));
    }
    // Both parts are ASCII by the checks above.
    fn text(b: &[u8], at: usize) -> Result<&str> {
        core::str::from_utf8(b).map_err(|_| invalid(Expected::HttpSyntax, at, rules::SCP81_LIMITS))
    }
    Ok(Header {
        offset: pos,
        name: text(&line[..colon], pos)?,
        value: text(&line[v_start..v_end], pos + v_start)?,
        value_offset: pos + v_start,
    })
}

/// The start line's end and the header block's: every line checked, the limits kept.
fn scan(input: &[u8], rule: Rule) -> Result<(usize, Headers<'_>)> {
    let limit = input.len().min(SCP81_MAX_HEADER_BYTES);
    let mut pos = 0;
    let mut lines = 0;
    let mut start_line_end = None;
    loop {
        let Some(line_end) = find_crlf(input, pos, limit) else {
            if input.len() > limit {
                let found = u32::try_from(input.len()).unwrap_or(u32::MAX);
                let max = u32::try_from(SCP81_MAX_HEADER_BYTES).unwrap_or(u32::MAX);
                return Err(Error::new(ErrorKind::WrongLength { min: 0, max, found }, limit, rules::SCP81_LIMITS));
            }
            let available = u32::try_from(input.len() - pos).unwrap_or(u32::MAX);
            return Err(Error::new(ErrorKind::Truncated { needed: available + 2, available }, input.len(), rule));
        };
        if line_end + 2 - pos > SCP81_MAX_LINE_BYTES {
            let found = u32::try_from(line_end + 2 - pos).unwrap_or(u32::MAX);
            let max = u32::try_from(SCP81_MAX_LINE_BYTES).unwrap_or(u32::MAX);
            return Err(Error::new(ErrorKind::WrongLength { min: 2, max, found }, pos, rules::SCP81_LIMITS));
        }
        // A lone CR or LF inside a line is not a line end anyone agrees on.
        if let Some(i) = input[pos..line_end].iter().position(|&b| b == b'\r' || b == b'\n') {
            return Err(invalid(Expected::HttpSyntax, pos + i, rules::SCP81_LIMITS));
        }
        let Some(start_end) = start_line_end else {
            start_line_end = Some(line_end);
            pos = line_end + 2;
            continue;
        };
        if line_end == pos {
            return Ok((start_end, Headers { input, start: start_end + 2, end: pos }));
        }
        if matches!(input[pos], b' ' | b'\t') {
            return Err(invalid(Expected::HttpSyntax, pos, rules::SCP81_LIMITS));
        }
        lines += 1;
        if lines > SCP81_MAX_HEADERS {
            let found = u32::try_from(lines).unwrap_or(u32::MAX);
            let max = u32::try_from(SCP81_MAX_HEADERS).unwrap_or(u32::MAX);
            return Err(Error::new(ErrorKind::WrongLength { min: 0, max, found }, pos, rules::SCP81_LIMITS));
        }
        split_header(input, pos, line_end)?;
        pos = line_end + 2;
    }
}

fn is_hex_digits(s: &str) -> bool {
    s.len() % 2 == 0 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `//aid/<RID>/<PIX>` → (RID, PIX) as hex text.
pub fn aid_path(value: &str) -> Option<(&str, &str)> {
    let rest = value.strip_prefix("//aid/")?;
    let (rid, pix) = rest.split_once('/').unwrap_or((rest, ""));
    (rid.len() == 10 && is_hex_digits(rid) && pix.len() <= 22 && is_hex_digits(pix)).then_some((rid, pix))
}

/// Media types and their parameters compare without case and without white space.
fn same_value(listed: &str, given: &str) -> bool {
    fn squeeze(s: &str) -> impl Iterator<Item = u8> + '_ {
        s.bytes().filter(|b| !matches!(b, b' ' | b'\t')).map(|b| b.to_ascii_lowercase())
    }
    squeeze(listed).eq(squeeze(given))
}

fn check_headers(headers: &Headers<'_>, listed: &[HeaderRule]) -> Result<()> {
    for r in listed {
        let mut found = headers.iter().filter(|h| h.name.eq_ignore_ascii_case(r.name));
        let Some(h) = found.next() else {
            if r.required {
                return Err(invalid(Expected::RequiredHeader, headers.end, r.rule));
            }
            continue;
        };
        if let Some(again) = found.next() {
            return Err(invalid(Expected::HttpSyntax, again.offset, r.rule));
        }
        let ok = match r.syntax {
            None => r.values.iter().any(|v| same_value(v, h.value)),
            Some(Syntax::Decimal) => {
                !h.value.is_empty() && h.value.len() <= 10 && h.value.bytes().all(|b| b.is_ascii_digit())
            }
            Some(Syntax::Uri) => !h.value.is_empty() && !h.value.contains([' ', '\t']),
            Some(Syntax::AdminFrom) => h.value.starts_with("//") && !h.value.contains([' ', '\t']),
            Some(Syntax::AidPath) => aid_path(h.value).is_some(),
        };
        if !ok {
            let expected = match r.syntax {
                None => Expected::ListedValue,
                Some(Syntax::AidPath) => Expected::AidPath,
                Some(_) => Expected::HttpSyntax,
            };
            return Err(invalid(expected, h.value_offset, r.rule));
        }
    }
    Ok(())
}

fn ascii(input: &[u8], from: usize, to: usize, rule: Rule) -> Result<&str> {
    let bytes = &input[from..to];
    if let Some(i) = bytes.iter().position(|&b| !(0x21..0x7F).contains(&b)) {
        return Err(invalid(Expected::HttpSyntax, from + i, rule));
    }
    core::str::from_utf8(bytes).map_err(|_| invalid(Expected::HttpSyntax, from, rule))
}

/// The body must not run past a Content-Length.
fn body<'a>(input: &'a [u8], headers: &Headers<'a>, rule: Rule) -> Result<&'a [u8]> {
    let start = headers.end + 2;
    let body = &input[start..];
    if let Some(len) = headers.get("Content-Length").and_then(|h| h.value.parse::<usize>().ok()) {
        if body.len() > len {
            let extra = u32::try_from(body.len() - len).unwrap_or(u32::MAX);
            return Err(Error::new(ErrorKind::TrailingData { extra }, start + len, rule));
        }
    }
    Ok(body)
}

/// The agent's request: `POST target HTTP/1.1`, headers, body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AdminRequest<'a> {
    input: &'a [u8],
    pub target: &'a str,
    pub headers: Headers<'a>,
    pub body: &'a [u8],
}

impl<'a> AdminRequest<'a> {
    pub fn parse(input: &'a [u8]) -> Result<Self> {
        let rule = rules::SCP81_REQUEST;
        let (line_end, headers) = scan(input, rule)?;
        let line = &input[..line_end];
        if !line.starts_with(b"POST ") {
            return Err(invalid(Expected::ListedValue, 0, rule));
        }
        let version_at = line.iter().rposition(|&b| b == b' ').unwrap_or(4);
        if version_at <= 5 || &line[version_at..] != b" HTTP/1.1" {
            return Err(invalid(Expected::HttpSyntax, version_at.min(line_end), rule));
        }
        let target = ascii(input, 5, version_at, rule)?;
        check_headers(&headers, &SCP81_REQUEST_HEADERS)?;
        let body = body(input, &headers, rule)?;
        Ok(Self { input, target, headers, body })
    }

    fn value(&self, name: &str) -> Option<&'a str> {
        self.headers.get(name).map(|h| h.value)
    }

    pub fn script_status(&self) -> Option<&'a str> {
        self.value("X-Admin-Script-Status")
    }

    pub fn encoded_len(&self) -> usize {
        self.input.len()
    }

    /// The view keeps its input: encoding writes it back.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.input);
    }
}

/// The server's response: `HTTP/1.1 status reason`, headers, body (the next script).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AdminResponse<'a> {
    input: &'a [u8],
    pub status: u16,
    pub reason: &'a str,
    pub headers: Headers<'a>,
    pub body: &'a [u8],
}

impl<'a> AdminResponse<'a> {
    pub fn parse(input: &'a [u8]) -> Result<Self> {
        let rule = rules::SCP81_RESPONSE;
        let (line_end, headers) = scan(input, rule)?;
        let line = &input[..line_end];
        let status = match line {
            [b'H', b'T', b'T', b'P', b'/', b'1', b'.', b'1', b' ', d @ ..] if d.len() >= 3 => {
                let digits = &d[..3];
                let ok = digits.iter().all(u8::is_ascii_digit) && (d.len() == 3 || d[3] == b' ');
                if !ok {
                    return Err(invalid(Expected::HttpSyntax, 9, rule));
                }
                digits.iter().fold(0u16, |acc, &b| acc * 10 + u16::from(b - b'0'))
            }
            _ => return Err(invalid(Expected::HttpSyntax, 0, rule)),
        };
        if !(100..=599).contains(&status) {
            return Err(invalid(Expected::HttpSyntax, 9, rule));
        }
        let reason_at = (13).min(line_end);
        let reason = core::str::from_utf8(&line[reason_at..])
            .ok()
            .filter(|r| r.bytes().all(|b| b == b' ' || b == b'\t' || (0x21..0x7F).contains(&b)))
            .ok_or_else(|| invalid(Expected::HttpSyntax, reason_at, rule))?;
        check_headers(&headers, &SCP81_RESPONSE_HEADERS)?;
        let body = body(input, &headers, rule)?;
        Ok(Self { input, status, reason, headers, body })
    }

    pub fn next_uri(&self) -> Option<&'a str> {
        self.headers.get("X-Admin-Next-URI").map(|h| h.value)
    }

    /// (RID, PIX) of X-Admin-Targeted-Application, in hex.
    pub fn targeted_application(&self) -> Option<(&'a str, &'a str)> {
        self.headers.get("X-Admin-Targeted-Application").and_then(|h| aid_path(h.value))
    }

    /// 204 without a next URI: the server has nothing more.
    pub fn ends_session(&self) -> bool {
        self.status == 204 && self.next_uri().is_none()
    }

    pub fn encoded_len(&self) -> usize {
        self.input.len()
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.input);
    }
}

fn write_headers(out: &mut Vec<u8>, headers: &[(&str, &str)], body: &[u8]) {
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}

/// Writes `POST target HTTP/1.1`, the headers in order, the blank line and the body. The
/// caller chooses the headers; [`AdminRequest::parse`] says whether the result conforms.
pub fn write_request(out: &mut Vec<u8>, target: &str, headers: &[(&str, &str)], body: &[u8]) {
    out.extend_from_slice(b"POST ");
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    write_headers(out, headers, body);
}

/// Writes `HTTP/1.1 status reason`, the headers, the blank line and the body.
pub fn write_response(out: &mut Vec<u8>, status: u16, reason: &str, headers: &[(&str, &str)], body: &[u8]) {
    out.extend_from_slice(b"HTTP/1.1 ");
    let digits = [b'0' + (status / 100 % 10) as u8, b'0' + (status / 10 % 10) as u8, b'0' + (status % 10) as u8];
    out.extend_from_slice(&digits);
    out.push(b' ');
    out.extend_from_slice(reason.as_bytes());
    out.extend_from_slice(b"\r\n");
    write_headers(out, headers, body);
}

fn describe_headers(headers: &Headers<'_>, v: &mut dyn Visitor) {
    v.enter_list("headers");
    for h in headers.iter() {
        v.enter("");
        v.field("name", Value::Text(h.name));
        v.field("value", Value::Text(h.value));
        v.leave();
    }
    v.leave();
}

fn text_or_null(s: Option<&str>) -> Value<'_> {
    s.map_or(Value::Null, Value::Text)
}

impl Describe for AdminRequest<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.field("message", Value::Text("request"));
        v.field("method", Value::Text("POST"));
        v.field("target", Value::Text(self.target));
        describe_headers(&self.headers, v);
        v.enter("admin");
        v.field("protocol", text_or_null(self.value("X-Admin-Protocol")));
        v.field("from", text_or_null(self.value("X-Admin-From")));
        v.field("script_status", text_or_null(self.script_status()));
        v.field("resume", text_or_null(self.value("X-Admin-Resume")));
        v.field("content_type", text_or_null(self.value("Content-Type")));
        v.leave();
        v.field("body", Value::Bytes(self.body));
    }
}

impl Describe for AdminResponse<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.field("message", Value::Text("response"));
        v.field("status", Value::Uint(u64::from(self.status)));
        v.field("reason", Value::Text(self.reason));
        describe_headers(&self.headers, v);
        v.enter("admin");
        v.field("protocol", text_or_null(self.headers.get("X-Admin-Protocol").map(|h| h.value)));
        v.field("next_uri", text_or_null(self.next_uri()));
        match self.targeted_application() {
            Some((rid, pix)) => {
                v.enter("targeted_application");
                v.field("rid", Value::Text(rid));
                v.field("pix", Value::Text(pix));
                v.leave();
            }
            None => v.field("targeted_application", Value::Null),
        }
        v.field("content_type", text_or_null(self.headers.get("Content-Type").map(|h| h.value)));
        v.leave();
        v.field("ends_session", Value::Bool(self.ends_session()));
        v.field("body", Value::Bytes(self.body));
    }
}
