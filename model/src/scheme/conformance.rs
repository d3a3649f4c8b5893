//! Trace conformance against the scheme machines: a trace's flow-level messages and its
//! card-level APDUs are replayed through the same system the model checker explores. Every
//! message must be one its sender's machine could send at that point (after the actor's own
//! events — a user's action, a timer — which a trace does not show and the checker infers),
//! every card answer the one the card abstraction gives, and the values must agree across the
//! trace: the challenge a client signs is the one its portal issued, the certificate it sends
//! the one it read from the card, the signature the one the card returned.
//!
//! Values are matched by binding: the first time the model creates a fresh value (a session,
//! a challenge, a code) the trace's bytes for it are bound to it, and from then on the same
//! bytes must stand for the same value and the value for the same bytes.

use super::checker::systems;
use super::compose::Composition;
use super::engine::{Action, Bounds, Effects, System};
use super::table::Field;
use super::value::{actor_index, actor_name, cert, Cmd, Data, Ef, Val, ATTACKER, PIN_RIGHT, PIN_WRONG};
use super::world::{Msg, World};
use crate::generated::rules::{Emits, RULES};
use crate::trace::{Control, Deviation, Event, Line};
use hanko_codec::generated::commands::Command;
use hanko_codec::CommandApdu;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What a conforming trace held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// The system the trace was checked against (`scheme 1`, `scheme 3 issuance`, …).
    pub system: &'static str,
    /// Flow-level messages.
    pub messages: usize,
    /// Card exchanges (C-APDU and its R-APDU).
    pub exchanges: usize,
    /// Events the trace does not show that its messages imply (a PIN typed, a code expired).
    pub inferred_events: usize,
    /// Messages delivered again (a duplicating network).
    pub duplicates: usize,
    /// Messages from the network attacker.
    pub injections: usize,
    /// Each machine's state at the end: (machine id, state id).
    pub final_states: Vec<(&'static str, &'static str)>,
}

/// How strictly to check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Take a message its sender could not have sent as one injected by the network, if the
    /// model's attacker can send such messages, and check only that its receiver handles it as
    /// it must; likewise a C-APDU the card's reader did not send. Off: such a line is a
    /// deviation.
    pub injections: bool,
}

/// Checks `lines` (a parsed trace) against scheme `scheme`; a header line naming another
/// scheme wins.
pub fn check(scheme: u8, lines: &[Line]) -> Result<Summary, Deviation> {
    check_with(scheme, lines, &Options::default())
}

/// [`check`] with options.
pub fn check_with(scheme: u8, lines: &[Line], opts: &Options) -> Result<Summary, Deviation> {
    let scheme = lines
        .iter()
        .find_map(|l| match l.event {
            Event::Header { scheme: Some(s) } => Some(s),
            _ => None,
        })
        .unwrap_or(scheme);
    let first_line = lines.first().map_or(1, |l| l.line_no);
    let systems = systems(scheme).map_err(|e| deviation(first_line, "scheme 1, 2 or 3", e))?;
    // Scheme 3 has two systems, issuance and use: a trace may record one, or issuance then use.
    // Each message says which system it belongs to; the trace is cut where it changes.
    let system_of = |id: &str| {
        systems.iter().position(|(_, flows)| flows.iter().any(|f| id.starts_with(&format!("{}.", f.prefix))))
    };
    let mut segments: Vec<(usize, usize)> = Vec::new();
    for (k, l) in lines.iter().enumerate() {
        if let Event::Message { id, .. } = &l.event {
            let s = system_of(id).unwrap_or(segments.last().map_or(0, |x| x.0));
            match segments.last() {
                Some((cur, _)) if *cur == s => {}
                _ => segments.push((s, if segments.is_empty() { 0 } else { k })),
            }
        }
    }
    if segments.is_empty() {
        segments.push((0, 0));
    }
    let mut total = Summary::default();
    for (i, (s, start)) in segments.iter().enumerate() {
        let end = segments.get(i + 1).map_or(lines.len(), |x| x.1);
        let (name, flows) = &systems[*s];
        let part = run(name, flows, &lines[*start..end], opts, first_line)?;
        total.system = if i == 0 { part.system } else { "scheme 3 issuance, then use" };
        total.messages += part.messages;
        total.exchanges += part.exchanges;
        total.inferred_events += part.inferred_events;
        total.duplicates += part.duplicates;
        total.injections += part.injections;
        total.final_states.extend(part.final_states);
    }
    Ok(total)
}

/// Checks `lines` against one system.
fn run(
    name: &'static str,
    flows: &[&'static super::table::Flow],
    lines: &[Line],
    opts: &Options,
    first_line: usize,
) -> Result<Summary, Deviation> {
    let unbounded = Bounds {
        ordered: false,
        drops: u8::MAX,
        dups: u8::MAX,
        attacks: u8::MAX,
        crashes: u8::MAX,
        life_events: u8::MAX,
    };
    let sys =
        System::new(flows, unbounded, None).map_err(|e| deviation(first_line, "a system the spec composes", e))?;
    let mut r = Replay::new(&sys, name, *opts);
    // The state before each of the last lines, to go back to when a line shows that its sender
    // took one of its own events (a timer, a user's action) before an earlier message reached
    // it: the trace shows the message, not the event.
    let mut history: std::collections::VecDeque<(usize, Replay)> = std::collections::VecDeque::new();
    for (k, line) in lines.iter().enumerate() {
        history.push_back((k, r.clone()));
        if history.len() > HISTORY {
            history.pop_front();
        }
        if let Err(d) = r.line(line) {
            r = retry(&history, lines, k, d)?;
        }
    }
    r.summary.final_states = sys
        .c
        .machines
        .iter()
        .enumerate()
        .map(|(i, m)| (m.table.id, m.table.states[usize::from(r.w.states[i])].id))
        .collect();
    Ok(r.summary)
}

/// How many lines back a sender's unseen event may be placed.
const HISTORY: usize = 48;

/// Line `k` failed with `first`: tries each event of its sender placed just before one of the
/// last few messages that reached the sender, replaying the lines from there.
fn retry<'s>(
    history: &std::collections::VecDeque<(usize, Replay<'s>)>,
    lines: &[Line],
    k: usize,
    first: Deviation,
) -> Result<Replay<'s>, Deviation> {
    let sender = lines[k].from.map(|a| a.name()).and_then(actor_index);
    let Some(sender) = sender else { return Err(first) };
    let reached_sender =
        |l: &Line| l.to.and_then(|a| actor_index(a.name())) == Some(sender) && !matches!(l.event, Event::Rapdu(_));
    for (j, before) in history.iter().rev().filter(|(j, _)| *j < k && reached_sender(&lines[*j])).take(3) {
        for event in before.events_of(&before.w, sender) {
            let mut r = before.clone();
            r.sys.apply(&mut r.w, &event, &mut Effects::default());
            r.summary.inferred_events += 1;
            if lines[*j..=k].iter().all(|l| r.line(l).is_ok()) {
                return Ok(r);
            }
        }
    }
    Err(first)
}

fn deviation(line: usize, expected: impl Into<String>, seen: impl Into<String>) -> Deviation {
    Deviation { line, expected: expected.into(), seen: seen.into(), rule: None, spec: None }
}

/// The kinds of bound values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Class {
    Id,
    Nonce,
    Code,
    Cert,
    Sig,
    Aid,
    Script,
}

/// Bindings between the model's values and the trace's text, both ways.
#[derive(Clone, Debug, Default)]
struct Binding {
    fwd: HashMap<(Class, String), Val>,
    back: HashMap<(Class, Val), String>,
}

impl Binding {
    fn get(&self, class: Class, text: &str) -> Option<Val> {
        self.fwd.get(&(class, text.to_string())).copied()
    }

    /// Whether `text` stands for `v`, binding them when neither is bound yet.
    fn unify(&mut self, class: Class, text: &str, v: Val) -> bool {
        match (self.fwd.get(&(class, text.to_string())), self.back.get(&(class, v))) {
            (Some(bound), _) => *bound == v,
            (None, Some(_)) => false,
            (None, None) => {
                self.fwd.insert((class, text.to_string()), v);
                self.back.insert((class, v), text.to_string());
                true
            }
        }
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn upper(s: &str) -> String {
    s.to_ascii_uppercase()
}

/// A C-APDU as the flows see it, with the bytes that need binding: the challenge a signature
/// is over, the PIN typed.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    Cmd(Cmd),
    Sign {
        digest: String,
    },
    Verify {
        pin: String,
    },
    Read {
        offset: usize,
    },
    /// GET RESPONSE: the rest of an answer the card chained with 61xx.
    GetResponse,
}

fn classify(bytes: &[u8]) -> Result<Seen, String> {
    let apdu = CommandApdu::parse(bytes).map_err(|e| format!("a C-APDU ({e})"))?;
    let command =
        Command::classify(&apdu, bytes).map_err(|e| format!("a command whose data follows the spec ({e})"))?;
    Ok(match command {
        Some(Command::JpkiSelectDf(c)) => {
            Seen::Cmd(Cmd::SelectDf { jpki: c.aid.application().is_some_and(|a| a.id == "ap.jpki") })
        }
        Some(Command::JpkiSelectEf(c)) => Seen::Cmd(Cmd::SelectEf(Ef::from_fid(c.fid.0))),
        Some(Command::JpkiVerify(c)) => Seen::Verify { pin: super::render::hex(c.pin.as_bytes()) },
        Some(Command::JpkiVerifyQuery(_)) => Seen::Cmd(Cmd::VerifyQuery),
        Some(Command::JpkiReadBinary(c)) => Seen::Read { offset: usize::from(c.offset) },
        Some(Command::JpkiGetResponse(_)) => Seen::GetResponse,
        Some(Command::JpkiComputeSignature(_)) => {
            let data = apdu.data;
            let prefix = unhex(super::render::SHA256_DIGEST_INFO).unwrap_or_default();
            match data.strip_prefix(prefix.as_slice()) {
                Some(digest) if digest.len() == 32 => Seen::Sign { digest: super::render::hex(digest) },
                _ => Seen::Sign { digest: format!("not a SHA-256 DigestInfo: {}", super::render::hex(data)) },
            }
        }
        _ => Seen::Cmd(Cmd::Other),
    })
}

#[derive(Clone)]
struct Replay<'s> {
    sys: &'s System,
    w: World,
    b: Binding,
    opts: Options,
    summary: Summary,
    /// A C-APDU waiting for its answer: line, the model's command, the reader, what was seen.
    pending: Option<(usize, Cmd, u8, Seen)>,
    /// The card's certificate as read so far.
    cert: Vec<u8>,
    /// Messages delivered, by their text, for duplicates.
    delivered: HashMap<String, Msg>,
    /// Every answer each R-APDU's bytes stood for (relay frames carry them on). Equal bytes
    /// (`9000` to two SELECTs) are distinct answers: a frame may carry any of them, and which
    /// one its receiver's machine expects decides.
    answers: HashMap<String, Vec<Val>>,
    /// An answer the card is handing out in pieces (61xx, then GET RESPONSE): the command's
    /// line, the command, its reader, what was seen, the data so far; and whether a GET
    /// RESPONSE waits for its answer.
    chain: Option<(usize, Cmd, u8, Seen, Vec<u8>)>,
    get_response: bool,
    /// The last C-APDU came from someone else's reader.
    attacker_at_card: bool,
    /// Whether each PIN value seen was the right one.
    pins: HashMap<String, bool>,
}

impl<'s> Replay<'s> {
    fn new(sys: &'s System, system: &'static str, opts: Options) -> Self {
        Replay {
            sys,
            w: sys.initial(),
            b: Binding::default(),
            opts,
            summary: Summary { system, ..Summary::default() },
            pending: None,
            cert: Vec::new(),
            delivered: HashMap::new(),
            pins: HashMap::new(),
            attacker_at_card: false,
            chain: None,
            get_response: false,
            answers: HashMap::new(),
        }
    }

    /// A card as the model's attacker may find it: powered, nothing selected, in its initial
    /// state.
    fn card_fresh(&self) -> bool {
        !self.w.v.card_df
            && self.sys.c.card_machine().is_some_and(|m| self.w.states[m] == self.sys.c.machines[m].table.initial)
    }

    fn c(&self) -> &Composition {
        &self.sys.c
    }

    fn line(&mut self, line: &Line) -> Result<(), Deviation> {
        let n = line.line_no;
        let from = line.from.map(|a| a.name()).unwrap_or("");
        let to = line.to.map(|a| a.name()).unwrap_or("");
        match &line.event {
            Event::Header { .. } | Event::Atr(_) => Ok(()),
            Event::Control(c) => {
                if matches!(c, Control::PowerOff | Control::Reset) {
                    self.sys.power_cycle(&mut self.w);
                    self.pending = None;
                }
                Ok(())
            }
            Event::Crash { actor } => {
                let a =
                    actor_index(actor.name()).ok_or_else(|| deviation(n, "an actor of the scheme", actor.name()))?;
                self.sys.crash(&mut self.w, a);
                if self.pending.as_ref().is_some_and(|p| p.2 == a || Some(a) == self.sys.c.card) {
                    self.pending = None;
                }
                Ok(())
            }
            Event::Message { id, fields } => {
                self.message(n, from, to, line.link.map(|l| l.name()).unwrap_or(""), id, fields)
            }
            Event::Capdu(bytes) => self.capdu(n, from, to, bytes),
            Event::Rapdu(bytes) => self.rapdu(n, from, to, bytes),
        }
    }

    /// The events `actor`'s machines may take in `w`.
    fn events_of(&self, w: &World, actor: u8) -> Vec<Action> {
        let mut all = Vec::new();
        self.sys.actions(w, &mut all);
        all.into_iter()
            .filter(|a| matches!(a, Action::Event { machine, .. } if self.c().machines[usize::from(*machine)].actor == actor))
            .collect()
    }

    /// Every event of any actor in `w`.
    fn all_events(&self, w: &World) -> Vec<Action> {
        let mut all = Vec::new();
        self.sys.actions(w, &mut all);
        all.into_iter().filter(|a| matches!(a, Action::Event { .. })).collect()
    }

    /// Tries `fits` in the current world, then after one event of `actor`, then after an event
    /// of anyone followed by one of `actor`'s. Keeps the first world where it fits.
    fn with_inferred_events(&mut self, actor: u8, mut fits: impl FnMut(&mut Self) -> bool) -> bool {
        if fits(self) {
            return true;
        }
        let (w0, b0) = (self.w.clone(), self.b.clone());
        for a in self.events_of(&w0, actor) {
            self.w = w0.clone();
            self.b = b0.clone();
            self.sys.apply(&mut self.w, &a, &mut Effects::default());
            if fits(self) {
                self.summary.inferred_events += 1;
                return true;
            }
        }
        for a in self.all_events(&w0) {
            let mut w1 = w0.clone();
            self.sys.apply(&mut w1, &a, &mut Effects::default());
            // An event inferred before another must send nothing: what it sends would be in the
            // trace.
            if w1.net.len() != w0.net.len() || w1.slot != w0.slot {
                continue;
            }
            for a2 in self.events_of(&w1, actor) {
                self.w = w1.clone();
                self.b = b0.clone();
                self.sys.apply(&mut self.w, &a2, &mut Effects::default());
                if fits(self) {
                    self.summary.inferred_events += 2;
                    return true;
                }
            }
            // An event of another actor alone (a timer at the sender's peer) may be enough.
            self.w = w1.clone();
            self.b = b0.clone();
            if fits(self) {
                self.summary.inferred_events += 1;
                return true;
            }
        }
        self.w = w0;
        self.b = b0;
        false
    }

    fn deliver(&mut self, msg: &Msg) {
        let mut fx = Effects::default();
        self.sys.deliver(&mut self.w, msg, &mut fx);
    }

    fn message(
        &mut self,
        n: usize,
        from: &str,
        to: &str,
        link: &str,
        id: &str,
        fields: &Map<String, Value>,
    ) -> Result<(), Deviation> {
        let Some(gid) = self.c().message(id) else {
            return Err(deviation(n, format!("a message of {}", self.summary.system), id));
        };
        let info = self.c().messages[usize::from(gid)];
        let t = info.table;
        let injected = from == "attacker";
        // A conforming run has no attacker in it: a line the trace itself gives to the
        // attacker is a deviation unless the check is told to judge a run under attack.
        if injected && !self.opts.injections {
            return Err(deviation(
                n,
                format!("{id} from {} (the attacker is not in a conforming run)", t.from),
                "from attacker",
            ));
        }
        if (!injected && from != t.from) || to != t.to || link != t.link {
            let d = Deviation {
                line: n,
                expected: format!("{id} from {} to {} on {}", t.from, t.to, t.link),
                seen: format!("from {from} to {to} on {link}"),
                rule: Some(t.id),
                spec: Some(t.spec),
            };
            return Err(d);
        }
        for f in t.fields {
            if !fields.contains_key(f.name) {
                return Err(Deviation {
                    line: n,
                    expected: format!("field {}", f.name),
                    seen: "none".into(),
                    rule: Some(t.id),
                    spec: Some(t.spec),
                });
            }
        }
        let key = format!("{id} {}", Value::Object(fields.clone()));
        self.summary.messages += 1;
        if !injected {
            let sender = info.from;
            let mut found = None;
            let ok = self.with_inferred_events(sender, |me| {
                let candidates: Vec<Msg> =
                    me.w.net.iter().map(|e| e.msg).filter(|m| m.id == gid && m.from == sender).collect();
                for m in candidates {
                    let mut b = me.b.clone();
                    if unify_msg(&mut b, &me.answers, me.c(), &m, fields) {
                        me.b = b;
                        found = Some(m);
                        return true;
                    }
                }
                false
            });
            if ok {
                if let Some(m) = found {
                    if let Some(i) = self.w.net.iter().position(|e| e.msg == m) {
                        self.w.net.remove(i);
                    }
                    self.delivered.insert(key, m);
                    self.deliver(&m);
                    return Ok(());
                }
            }
            if let Some(m) = self.delivered.get(&key).copied() {
                self.summary.duplicates += 1;
                self.deliver(&m);
                return Ok(());
            }
            if !self.opts.injections || !self.sys.injectable(info.kind) {
                return Err(self.unexpected(n, sender, id));
            }
        }
        // Injected by the network: its receiver must cope.
        let m = self.abstract_msg(gid, fields);
        self.summary.injections += 1;
        self.deliver(&m);
        Ok(())
    }

    /// The deviation for a message `sender` could not have sent: what it could have.
    fn unexpected(&self, n: usize, sender: u8, seen: &str) -> Deviation {
        let c = self.c();
        let could: Vec<&str> = self
            .w
            .net
            .iter()
            .filter(|e| e.msg.from == sender)
            .map(|e| c.messages[usize::from(e.msg.id)].table.id)
            .collect();
        // The machine that sends this kind of message, else the actor's first.
        let gid = c.message(seen);
        let sends = |m: &super::compose::Mach| {
            m.transitions.iter().any(|t| t.emits.iter().any(|o| Some(*o) == gid.map(super::compose::Out::Msg)))
        };
        let machine = c
            .machines
            .iter()
            .enumerate()
            .find(|(_, m)| m.actor == sender && sends(m))
            .or_else(|| c.machines.iter().enumerate().find(|(_, m)| m.actor == sender && !m.is_card));
        let (rule, spec, state) = match machine {
            Some((i, m)) => (Some(m.table.id), Some(m.table.spec), m.table.states[usize::from(self.w.states[i])].id),
            None => (None, None, ""),
        };
        let expected = if could.is_empty() {
            format!("nothing from {} in state {state}", actor_name(sender))
        } else {
            format!("{} from {} in state {state}, with the values sent before", could.join(" or "), actor_name(sender))
        };
        Deviation { line: n, expected, seen: seen.to_string(), rule, spec }
    }

    /// A message from the network, with each field the value it is bound to, or one that
    /// matches nothing.
    fn abstract_msg(&mut self, gid: u16, fields: &Map<String, Value>) -> Msg {
        let info = self.c().messages[usize::from(gid)];
        let mut m = Msg { id: gid, from: ATTACKER, to: info.to, tainted: true, f: Default::default() };
        for (i, f) in info.table.fields.iter().enumerate().take(m.f.len()) {
            let text = fields.get(f.name).map(|v| match v {
                Value::String(s) => upper(s),
                other => other.to_string(),
            });
            let text = text.unwrap_or_default();
            use super::table::FieldType as T;
            m.f[i] = match f.ty {
                T::Id => self.b.get(Class::Id, &text).unwrap_or(Val::Id(255)),
                T::Nonce => self.b.get(Class::Nonce, &text).unwrap_or(Val::Nonce(255)),
                T::Digits => self.b.get(Class::Code, &text).unwrap_or(Val::Code(super::value::WRONG_CODE)),
                T::Uint => fields.get(f.name).and_then(Value::as_u64).map_or(Val::None, |x| Val::Num(x.min(255) as u8)),
                T::Enum => {
                    f.values.iter().position(|v| upper(v) == text).map_or(Val::Enum(255), |x| Val::Enum(x as u8))
                }
                T::Cert => self.b.get(Class::Cert, &text).unwrap_or(Val::Cert(cert::UNKNOWN)),
                T::Signature => self.b.get(Class::Sig, &text).unwrap_or(Val::Sig { key: 0, over: 255 }),
                T::Rapdu => self.answers.get(&text).and_then(|a| a.last()).copied().unwrap_or(Val::None),
                T::Capdu => match unhex(&text).map(|b| classify(&b)) {
                    Some(Ok(Seen::Cmd(c))) => Val::Cmd(c),
                    Some(Ok(Seen::Read { .. })) => Val::Cmd(Cmd::Read),
                    Some(Ok(Seen::Sign { digest })) => match self.b.get(Class::Nonce, &digest) {
                        Some(Val::Nonce(x)) => Val::Cmd(Cmd::Sign { over: x }),
                        _ => Val::Cmd(Cmd::Sign { over: 255 }),
                    },
                    Some(Ok(Seen::Verify { .. })) => Val::Cmd(Cmd::Verify { pin: 255 }),
                    _ => Val::Cmd(Cmd::Other),
                },
                T::Aid => self.b.get(Class::Aid, &text).unwrap_or(Val::Aid(255)),
                T::WrappedKey => {
                    Val::Key { key: 255, wrap: unhex(&text).and_then(|b| b.first().copied()).unwrap_or(0) }
                }
                T::Hex => {
                    self.b.get(Class::Script, &text).unwrap_or(Val::Script { author: super::value::author::ATTACKER })
                }
            };
        }
        m
    }

    fn capdu(&mut self, n: usize, from: &str, to: &str, bytes: &[u8]) -> Result<(), Deviation> {
        let card = self.sys.c.card.map(actor_name).unwrap_or("");
        if to != card {
            return Err(deviation(n, format!("a C-APDU to {card}"), format!("one to {to}")));
        }
        if let Some((l, ..)) = &self.pending {
            return Err(deviation(n, format!("the answer to line {l}"), "another C-APDU"));
        }
        let seen = classify(bytes).map_err(|e| deviation(n, e, super::render::hex(bytes)))?;
        if let Some((l, ..)) = &self.chain {
            if seen != Seen::GetResponse || self.get_response {
                return Err(deviation(
                    n,
                    format!("GET RESPONSE for the rest of the answer to line {l}"),
                    super::render::hex(bytes),
                ));
            }
            self.get_response = true;
            return Ok(());
        }
        if from == "attacker" && !self.opts.injections {
            return Err(deviation(
                n,
                "a C-APDU from a reader of the scheme (the attacker is not in a conforming run)",
                "one from attacker",
            ));
        }
        let reader = actor_index(from).ok_or_else(|| deviation(n, "an actor of the scheme", from))?;
        let mut cmd = None;
        let ok = self.with_inferred_events(reader, |me| match me.w.slot {
            Some((c, r)) if r == reader => {
                let mut b = me.b.clone();
                if unify_cmd(&mut b, c, &seen) {
                    me.b = b;
                    cmd = Some(c);
                    true
                } else {
                    false
                }
            }
            _ => false,
        });
        match (ok, cmd) {
            (true, Some(c)) => {
                self.attacker_at_card = false;
                self.w.slot = None;
                self.pending = Some((n, c, reader, seen));
                Ok(())
            }
            // Someone else's reader at the card (the attacker holding it near its own), as the
            // model's attacker can: on a fresh card, then for as long as it keeps it.
            _ if from == "attacker" || (self.opts.injections && (self.attacker_at_card || self.card_fresh())) => {
                self.attacker_at_card = true;
                let c = match &seen {
                    Seen::Cmd(c) => *c,
                    Seen::Read { .. } => Cmd::Read,
                    Seen::GetResponse => Cmd::Other,
                    Seen::Verify { .. } => Cmd::Verify { pin: PIN_WRONG },
                    Seen::Sign { digest } => match self.b.get(Class::Nonce, digest) {
                        Some(Val::Nonce(x)) => Cmd::Sign { over: x },
                        _ => Cmd::Sign { over: super::value::STALE_NONCE },
                    },
                };
                self.summary.injections += 1;
                self.pending = Some((n, c, ATTACKER, seen));
                Ok(())
            }
            _ => {
                // What the reader could send: its C-APDU waiting, or one its own events lead to.
                let mut could: Vec<String> = self.w.slot.iter().map(|(c, _)| super::render::capdu(*c)).collect();
                for event in self.events_of(&self.w, reader) {
                    let mut w = self.w.clone();
                    self.sys.apply(&mut w, &event, &mut Effects::default());
                    if let Some((c, r)) = w.slot {
                        if r == reader && self.w.slot.is_none() {
                            could.push(super::render::capdu(c));
                        }
                    }
                }
                could.dedup();
                let expected = if could.is_empty() {
                    format!("no C-APDU from {from} now")
                } else {
                    format!("{} from {from}", could.join(" or "))
                };
                let machine = self.c().machines.iter().find(|m| m.actor == reader);
                Err(Deviation {
                    line: n,
                    expected,
                    seen: super::render::hex(bytes),
                    rule: machine.map(|m| m.table.id),
                    spec: machine.map(|m| m.table.spec),
                })
            }
        }
    }

    fn rapdu(&mut self, n: usize, from: &str, to: &str, bytes: &[u8]) -> Result<(), Deviation> {
        let chained = |b: &[u8]| b.len() >= 2 && b[b.len() - 2] == 0x61;
        if self.get_response {
            self.get_response = false;
            let Some(chain) = self.chain.as_mut() else {
                return Err(deviation(n, "a C-APDU", "an R-APDU with no command"));
            };
            if bytes.len() < 2 {
                return Err(deviation(n, "an R-APDU with a status word", super::render::hex(bytes)));
            }
            chain.4.extend_from_slice(&bytes[..bytes.len() - 2]);
            if chained(bytes) {
                return Ok(());
            }
            let Some((_, cmd, reader, seen, mut all)) = self.chain.take() else { return Ok(()) };
            all.extend_from_slice(&bytes[bytes.len() - 2..]);
            return self.answer(n, from, to, cmd, reader, seen, &all);
        }
        let Some((l, cmd, reader, seen)) = self.pending.take() else {
            return Err(deviation(n, "a C-APDU", "an R-APDU with no command"));
        };
        // 61xx without data: the card hands the answer out through GET RESPONSE.
        if bytes.len() == 2 && chained(bytes) {
            self.chain = Some((l, cmd, reader, seen, Vec::new()));
            return Ok(());
        }
        self.answer(n, from, to, cmd, reader, seen, bytes)
    }

    /// The card's whole answer `bytes` (data ‖ SW) to `cmd`, against the model's.
    #[allow(clippy::too_many_arguments)]
    fn answer(
        &mut self,
        n: usize,
        from: &str,
        to: &str,
        mut cmd: Cmd,
        reader: u8,
        seen: Seen,
        bytes: &[u8],
    ) -> Result<(), Deviation> {
        if (reader != ATTACKER && actor_name(reader) != to) || self.sys.c.card.map(actor_name) != Some(from) {
            return Err(deviation(
                n,
                format!("the answer from the card to {}", actor_name(reader)),
                format!("from {from} to {to}"),
            ));
        }
        if bytes.len() < 2 {
            return Err(deviation(n, "an R-APDU with a status word", super::render::hex(bytes)));
        }
        let (data, sw) = bytes.split_at(bytes.len() - 2);
        let sw = u16::from_be_bytes([sw[0], sw[1]]);
        // The PIN's rightness shows in the answer; the card's counter must agree with it.
        if let (Cmd::Verify { .. }, Seen::Verify { pin }) = (cmd, &seen) {
            let right = *self.pins.entry(pin.clone()).or_insert(sw == 0x9000);
            cmd = Cmd::Verify { pin: if right { PIN_RIGHT } else { PIN_WRONG } };
        }
        let own = if self.sys.c.card == actor_index("uicc") { cert::SUB } else { cert::CARD };
        let cert_buf = &mut self.cert;
        let binding = &mut self.b;
        let data_text = super::render::hex(data);
        let mut fx = Effects::default();
        let mut problem = None;
        let ans = self.sys.card_step_seen(&mut self.w, cmd, reader, &mut fx, &mut |_, a| match (a.data, &seen) {
            (Data::Cert(_), Seen::Read { offset }) => {
                // A read from the start is a new reading of the certificate.
                if *offset == 0 {
                    cert_buf.clear();
                }
                if cert_buf.len() < offset + data.len() {
                    cert_buf.resize(offset + data.len(), 0);
                }
                cert_buf[*offset..*offset + data.len()].copy_from_slice(data);
                match der_length(cert_buf) {
                    Some(total) if cert_buf.len() >= total => {
                        let whole = super::render::hex(&cert_buf[..total]);
                        if !binding.unify(Class::Cert, &whole, Val::Cert(own)) {
                            problem = Some("the certificate read before");
                        }
                        a.data = Data::Cert(own);
                    }
                    _ => a.data = Data::CertPart,
                }
            }
            (Data::Sig { key, over }, _)
                if data.len() != 256 || !binding.unify(Class::Sig, &data_text, Val::Sig { key, over }) =>
            {
                problem = Some("a fresh 256-byte signature");
            }
            _ => {}
        });
        let Some(ans) = ans else { return Err(deviation(n, "a card in the scheme", "none")) };
        let rule = RULES.get(usize::from(ans.rule));
        let expected_sw = super::render::status_word(&ans);
        let sw_ok = sw == expected_sw
            || (rule.is_some_and(|r| r.emits == Emits::ProfileBlocked) && matches!(sw, 0x6983 | 0x6984));
        let data_ok = match ans.data {
            Data::None => data.is_empty(),
            _ => !data.is_empty(),
        };
        if !sw_ok || !data_ok || problem.is_some() {
            let expected = match problem {
                Some(p) => p.to_string(),
                None => format!("{}{expected_sw:04X}", if matches!(ans.data, Data::None) { "" } else { "data ‖ " }),
            };
            return Err(Deviation {
                line: n,
                expected,
                seen: super::render::hex(bytes),
                rule: rule.map(|r| r.id),
                spec: rule.map(|r| r.spec),
            });
        }
        // Relay frames carry these bytes: they stand for this answer.
        let stood_for = self.answers.entry(super::render::hex(bytes)).or_default();
        if !stood_for.contains(&Val::Ans(ans)) {
            stood_for.push(Val::Ans(ans));
        }
        self.summary.exchanges += 1;
        Ok(())
    }
}

/// The total length of the DER element at the start of `b`, once its header is there.
fn der_length(b: &[u8]) -> Option<usize> {
    let first = *b.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7F);
    if n == 0 || n > 3 || b.len() < 2 + n {
        return None;
    }
    let len = b[2..2 + n].iter().fold(0usize, |a, x| a << 8 | usize::from(*x));
    Some(2 + n + len)
}

fn unify_cmd(b: &mut Binding, c: Cmd, seen: &Seen) -> bool {
    match (c, seen) {
        (Cmd::Sign { over }, Seen::Sign { digest }) => b.unify(Class::Nonce, digest, Val::Nonce(over)),
        (Cmd::Verify { .. }, Seen::Verify { .. }) => true,
        (Cmd::Read, Seen::Read { .. }) => true,
        (c, Seen::Cmd(s)) => c == *s,
        _ => false,
    }
}

/// Whether the trace's `fields` are the model's message `m`, binding fresh values.
fn unify_msg(
    b: &mut Binding,
    answers: &HashMap<String, Vec<Val>>,
    c: &Composition,
    m: &Msg,
    fields: &Map<String, Value>,
) -> bool {
    let t = c.messages[usize::from(m.id)].table;
    t.fields.iter().enumerate().all(|(i, f)| match fields.get(f.name) {
        Some(v) => unify_field(b, answers, f, m.f.get(i).copied().unwrap_or_default(), v),
        None => false,
    })
}

fn unify_field(b: &mut Binding, answers: &HashMap<String, Vec<Val>>, f: &Field, pred: Val, v: &Value) -> bool {
    let text = match v {
        Value::String(s) => upper(s),
        _ => String::new(),
    };
    match pred {
        Val::None => true,
        Val::Id(_) => v.is_string() && b.unify(Class::Id, &text, pred),
        Val::Nonce(_) => b.unify(Class::Nonce, &text, pred),
        Val::Code(_) => b.unify(Class::Code, &text, pred),
        Val::Num(x) => v.as_u64() == Some(u64::from(x)),
        Val::Enum(x) => f.values.get(usize::from(x)).is_some_and(|name| v.as_str() == Some(name)),
        Val::Cert(_) => b.unify(Class::Cert, &text, pred),
        Val::Sig { .. } => b.unify(Class::Sig, &text, pred),
        // A wrapped key's first byte names the key it is under; the rest is ciphertext, new
        // at every re-wrapping.
        Val::Key { wrap, .. } => unhex(&text).is_some_and(|k| k.len() > 1 && k[0] == wrap),
        Val::Cmd(c) => unhex(&text).map(|bytes| classify(&bytes)).is_some_and(|s| s.is_ok_and(|s| unify_cmd(b, c, &s))),
        Val::Ans(_) => answers.get(&text).is_some_and(|a| a.contains(&pred)),
        Val::Aid(_) => b.unify(Class::Aid, &text, pred),
        Val::Script { .. } => b.unify(Class::Script, &text, pred),
    }
}
