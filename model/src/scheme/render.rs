//! Writing the model's abstract values as the bytes and text a trace carries, so that a
//! counterexample (or any path of the model) becomes a trace `hanko check` reads. The forms are
//! synthetic but consistent: the same value is always written the same way, different values
//! differently, and APDUs are real APDUs.

use super::compose::Composition;
use super::engine::{Action, Effects, Exchange, System};
use super::logic::MsgKind;
use super::table::{Field, FieldType};
use super::value::{actor_name, Ans, Cmd, Data, Ef, Val, ATTACKER, PIN_RIGHT, STALE_NONCE};
use super::world::{Msg, World};
use crate::generated::rules::{Emits, RULES};
use serde_json::{json, Map, Value};

/// The JPKI AP's AID.
pub const JPKI_AID: &str = "D392F000260100000001";
/// An AID the card does not have (the text AP's, on the UICC applet).
pub const OTHER_AID: &str = "D3921000310001010408";
/// DigestInfo prefix of SHA-256.
pub const SHA256_DIGEST_INFO: &str = "3031300D060960864801650304020105000420";
/// The PINs the model's user types.
pub const RIGHT_PIN: &str = "1234";
pub const WRONG_PIN: &str = "9999";

/// Upper-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// 32 bytes standing for challenge `n`.
pub fn nonce(n: u8) -> String {
    format!("{}{n:02X}", if n == STALE_NONCE { "0B".repeat(31) } else { "A5".repeat(31) })
}

/// The DER-shaped bytes standing for certificate `c`.
pub fn certificate(c: u8) -> String {
    format!("30820008{}{c:02X}", "CE".repeat(7))
}

/// 256 bytes standing for a signature by `key` over challenge `over`.
pub fn signature(key: u8, over: u8) -> String {
    format!("{key:02X}{over:02X}").repeat(128)
}

/// The certificate a [`certificate`] text stands for; `None` for any other bytes (a real
/// certificate).
pub fn certificate_of(text: &str) -> Option<u8> {
    let id = text.strip_prefix(&format!("30820008{}", "CE".repeat(7)))?;
    (id.len() == 2).then(|| u8::from_str_radix(id, 16).ok()).flatten()
}

/// The (key, challenge) of a [`signature`] text; `None` for any other bytes (a real signature).
pub fn signature_of(text: &str) -> Option<(u8, u8)> {
    let pair = text.get(..4)?;
    if text.len() != 512 || text != pair.repeat(128) {
        return None;
    }
    Some((u8::from_str_radix(&pair[..2], 16).ok()?, u8::from_str_radix(&pair[2..], 16).ok()?))
}

fn digits(x: u8, width: usize) -> String {
    let modulus = 10u64.pow(width.min(18) as u32);
    format!("{:0width$}", (u64::from(x) * 104_729) % modulus)
}

/// The C-APDU for `cmd`.
pub fn capdu(cmd: Cmd) -> String {
    match cmd {
        Cmd::SelectDf { jpki } => format!("00A4040C0A{}", if jpki { JPKI_AID } else { OTHER_AID }),
        Cmd::SelectEf(ef) => format!("00A4020C02{:04X}", if ef == Ef::Missing { 0x3F01 } else { ef.fid() }),
        Cmd::Verify { pin } => {
            let p = if pin == PIN_RIGHT { RIGHT_PIN } else { WRONG_PIN };
            format!("00200080{:02X}{}", p.len(), hex(p.as_bytes()))
        }
        Cmd::VerifyQuery => "00200080".into(),
        Cmd::Read => "00B0000000".into(),
        Cmd::Sign { over } => format!("802A008033{SHA256_DIGEST_INFO}{}00", nonce(over)),
        Cmd::Other => "00CA5F5100".into(),
    }
}

/// The status word of an answer.
pub fn status_word(a: &Ans) -> u16 {
    match RULES.get(usize::from(a.rule)).map(|r| r.emits) {
        Some(Emits::Word(w)) => w,
        Some(Emits::Patterned(w)) => w | u16::from(a.param),
        Some(Emits::ProfileBlocked) => 0x6984,
        None => 0x6F00,
    }
}

/// The R-APDU for `a`.
pub fn rapdu(a: &Ans) -> String {
    let data = match a.data {
        Data::None | Data::CertPart => String::new(),
        Data::Cert(c) => certificate(c),
        Data::Sig { key, over } => signature(key, over),
        Data::Leak { key } => format!("4B{key:02X}").repeat(16),
    };
    format!("{data}{:04X}", status_word(a))
}

/// A field's value as a trace writes it.
pub fn field(c: &Composition, msg: &Msg, i: usize, f: &Field) -> Value {
    let kind = c.messages[usize::from(msg.id)].kind;
    match (msg.f[i], f.ty) {
        (Val::Id(x), _) => Value::String(match f.name {
            "iccid" => format!("8981{x:015}"),
            "channel" => format!("C4A77E1{x:025X}"),
            name => format!("{name}-{x}"),
        }),
        (Val::Nonce(n), _) => Value::String(nonce(n)),
        (Val::Code(x), _) => Value::String(digits(x, usize::from(f.length.max(1)))),
        (Val::Num(x), _) => json!(x),
        (Val::Enum(x), _) => Value::String(f.values.get(usize::from(x)).copied().unwrap_or("").to_string()),
        (Val::Cert(x), _) => Value::String(certificate(x)),
        (Val::Sig { key, over }, _) => Value::String(signature(key, over)),
        (Val::Key { key, wrap }, _) => Value::String(format!("{wrap:02X}{}", format!("{key:02X}").repeat(16))),
        (Val::Cmd(cmd), _) => Value::String(capdu(cmd)),
        (Val::Ans(a), _) => Value::String(rapdu(&a)),
        (Val::Aid(x), _) => Value::String(format!("A000000151{x:06X}")),
        (Val::Script { author }, _) => Value::String(format!("84E6{author:02X}00")),
        (Val::None, FieldType::Uint) => json!(if kind == MsgKind::AccessCode { 259_200 } else { 120 }),
        (Val::None, _) => Value::String(String::new()),
    }
}

/// The link a card exchange of this system travels on.
fn card_link(sys: &System) -> &'static str {
    if sys.c.card == super::value::actor_index("uicc") {
        "omapi"
    } else {
        "nfc"
    }
}

/// Writes trace lines, numbering them.
pub struct TraceWriter {
    pub lines: Vec<Value>,
    seq: u64,
    /// Write the attacker's messages as if their claimed sender sent them, and its card
    /// commands as if the card's reader sent them, for trace readers that do not know the
    /// actor `attacker` (check such a trace with injections allowed).
    pub spoof: bool,
    /// Write each actor's own events (a user's action, a timer) as `event` lines, so that a
    /// checker need not infer them.
    pub events: bool,
}

impl TraceWriter {
    pub fn new(scheme: u8) -> Self {
        // The cards' answers are the model's stand-ins, not a real card's bytes.
        let header = json!({"trace": "hanko/1", "scheme": scheme, "cards": "abstract"});
        TraceWriter { lines: vec![header], seq: 0, spoof: false, events: false }
    }

    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn message(&mut self, c: &Composition, msg: &Msg) {
        let info = c.messages[usize::from(msg.id)].table;
        let mut fields = Map::new();
        for (i, f) in info.fields.iter().enumerate() {
            fields.insert(f.name.to_string(), field(c, msg, i, f));
        }
        let seq = self.next();
        let from = if msg.from == ATTACKER && !self.spoof { "attacker" } else { info.from };
        self.lines.push(
            json!({"seq": seq, "link": info.link, "from": from, "to": info.to, "msg": info.id, "fields": fields}),
        );
    }

    pub fn exchange(&mut self, sys: &System, x: &Exchange) {
        let card = sys.c.card.map_or("card", actor_name);
        let link = card_link(sys);
        let reader = if x.reader == ATTACKER && self.spoof {
            sys.c
                .machines
                .iter()
                .find(|m| m.table.reader_of.is_some() && Some(m.actor) != sys.c.card)
                .map_or("attacker", |m| actor_name(m.actor))
        } else {
            actor_name(x.reader)
        };
        let seq = self.next();
        self.lines.push(json!({"seq": seq, "link": link, "from": reader, "to": card, "capdu": capdu(x.cmd)}));
        let seq = self.next();
        self.lines.push(json!({"seq": seq, "link": link, "from": card, "to": reader, "rapdu": rapdu(&x.ans)}));
    }

    pub fn crash(&mut self, actor: u8) {
        let seq = self.next();
        self.lines.push(json!({"seq": seq, "event": "crash", "actor": actor_name(actor)}));
    }

    /// An actor's own event, when [`Self::events`] says so.
    pub fn event(&mut self, c: &Composition, machine: u8, event: u16, value: u8) {
        if !self.events {
            return;
        }
        let seq = self.next();
        let actor = actor_name(c.machines[usize::from(machine)].actor);
        let id = c.events[usize::from(event)].table.id;
        let mut line = json!({"seq": seq, "event": id, "actor": actor});
        if value != 0 {
            line["value"] = json!(value);
        }
        self.lines.push(line);
    }

    /// The trace as JSON Lines.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(&l.to_string());
            s.push('\n');
        }
        s
    }
}

/// The trace of a path of the model: what each action put on a link.
pub fn trace(sys: &System, scheme: u8, path: &[(World, Option<Action>)]) -> TraceWriter {
    trace_with(sys, scheme, path, false)
}

/// [`trace`], with the attacker written as [`TraceWriter::spoof`] says.
pub fn trace_with(sys: &System, scheme: u8, path: &[(World, Option<Action>)], spoof: bool) -> TraceWriter {
    trace_written(sys, scheme, path, spoof, false)
}

/// [`trace_with`], with the actors' own events too when `events` (see
/// [`TraceWriter::events`]).
pub fn trace_written(
    sys: &System,
    scheme: u8,
    path: &[(World, Option<Action>)],
    spoof: bool,
    events: bool,
) -> TraceWriter {
    let mut t = TraceWriter::new(scheme);
    t.spoof = spoof;
    t.events = events;
    for (state, action) in path {
        let Some(action) = action else { continue };
        let mut w = state.clone();
        let mut fx = Effects::default();
        match action {
            Action::Deliver(e) => t.message(&sys.c, &e.msg),
            Action::Crash(a) => t.crash(*a),
            Action::Event { machine, event, value } => t.event(&sys.c, *machine, *event, *value),
            Action::Attack(a) => {
                if let Some(msg) = sys.injection(state, *a) {
                    t.message(&sys.c, &msg);
                }
            }
            _ => {}
        }
        sys.apply(&mut w, action, &mut fx);
        for x in &fx.exchanges {
            t.exchange(sys, x);
        }
    }
    // A property breaks when a message is sent; the trace ends with the messages still in
    // flight arriving, so that a reader of the trace sees the one that broke it.
    if let Some((last, None)) = path.last() {
        for e in &last.net {
            t.message(&sys.c, &e.msg);
        }
        // Likewise the C-APDU on its way to the card.
        if let Some((cmd, reader)) = last.slot {
            let card = sys.c.card.map_or("card", actor_name);
            let seq = t.next();
            t.lines.push(json!({"seq": seq, "link": card_link(sys), "from": actor_name(reader), "to": card, "capdu": capdu(cmd)}));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_and_signatures_read_back() {
        for c in [0, 1, 5, 20, 255] {
            assert_eq!(certificate_of(&certificate(c)), Some(c));
        }
        for (key, over) in [(1, 0), (4, 1), (255, 255)] {
            assert_eq!(signature_of(&signature(key, over)), Some((key, over)));
        }
        assert_eq!(certificate_of("308203A1"), None, "a real certificate is not the model's");
        assert_eq!(certificate_of(&format!("{}00", certificate(1))), None);
        assert_eq!(signature_of(&"0101".repeat(127)), None, "too short");
        assert_eq!(signature_of(&format!("0102{}", "0101".repeat(127))), None, "not one pair repeated");
    }
}
