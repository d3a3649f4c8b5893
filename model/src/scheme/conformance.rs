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
//!
//! A line may fit the model in more than one way: two copies of a message are in flight and
//! bind differently, a message is a retransmission or a duplicate, a spoofed message is the
//! attacker's or its claimed sender's, an unknown certificate is revoked or self-made. The
//! checker keeps every way that still fits (up to [`MAX_WAYS`], the most preferred first) and
//! drops a way only when a later line contradicts it; a trace deviates when no way is left,
//! at the line the most preferred way failed.

use super::checker::systems;
use super::compose::Composition;
use super::engine::{Action, Bounds, Effects, System};
use super::table::{Field, Trigger};
use super::value::{actor_index, actor_name, cert, Cmd, Data, Ef, Val, ATTACKER, PIN_RIGHT, PIN_WRONG};
use super::world::{Msg, World};
use crate::generated::rules::{Emits, RULES};
use crate::trace::{Control, Deviation, Event, Line};
use hanko_codec::generated::commands::Command;
use hanko_codec::CommandApdu;
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};

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
            Event::Header { scheme: Some(s), .. } => Some(s),
            _ => None,
        })
        .unwrap_or(scheme);
    let first_line = lines.first().map_or(1, |l| l.line_no);
    let systems = systems(scheme).map_err(|e| deviation(first_line, "scheme 1, 2 or 3", e))?;
    // Scheme 3 has two systems, issuance and use: a trace may record one, or issuance then use.
    // Each message (and each recorded event) says which system it belongs to; the trace is cut
    // where it changes.
    let system_of = |id: &str| {
        systems.iter().position(|(_, flows)| flows.iter().any(|f| id.starts_with(&format!("{}.", f.prefix))))
    };
    // Card-level lines before any message belong to the system whose card they reach (the
    // attacker at the UICC before a scheme-3 login).
    let system_of_card = |actor: &str| {
        systems.iter().position(|(_, flows)| {
            flows.iter().flat_map(|f| f.machines).any(|m| {
                m.actor == actor
                    && m.card().is_none()
                    && m.transitions.iter().any(|t| matches!(t.on, Trigger::Command(_)))
            })
        })
    };
    let mut segments: Vec<(usize, usize)> = Vec::new();
    for (k, l) in lines.iter().enumerate() {
        if segments.is_empty() {
            if let (Event::Capdu(_), Some(to)) = (&l.event, l.to) {
                if let Some(s) = system_of_card(to.name()) {
                    segments.push((s, 0));
                }
            }
        }
        if let Event::Message { id, .. } | Event::Happened { id, .. } = &l.event {
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
    let start = vec![Replay::new(&sys, name, *opts)];
    let ways = take_lines(start, lines, 0..lines.len(), RETRY_DEPTH, &mut History::new())?;
    let r = &ways[0];
    let mut summary = r.summary.clone();
    summary.final_states = sys
        .c
        .machines
        .iter()
        .enumerate()
        .map(|(i, m)| (m.table.id, m.table.states[usize::from(r.w.states[i])].id))
        .collect();
    Ok(summary)
}

/// How many lines back a sender's unseen event may be placed.
const HISTORY: usize = 48;

/// Before how many of the last messages that reached a failing line's sender its unseen event
/// is tried: a pairing code that ran out while the phone kept retrying is found four joins back.
pub const RETRY_PLACES: usize = 6;

/// How many unseen events, each before a different earlier line, one failing line may be
/// explained by: two timers of the same actor running out while its requests crossed (a
/// lossy network's retransmissions) need two.
pub const RETRY_DEPTH: u8 = 2;

/// The ways before each of the last lines (by index), to go back to when a line shows that
/// its sender took one of its own events (a timer, a user's action) before an earlier message
/// reached it: the trace shows the message, not the event.
type History<'s> = VecDeque<(usize, Vec<Replay<'s>>)>;

/// Takes `lines[range]` in every way, going back to place an unseen event (up to `depth` of
/// them) where a line fits no way. `history` holds the ways before earlier lines and is kept
/// up to date, a going back included, so that a later going back starts from what was found.
fn take_lines<'s>(
    mut ways: Vec<Replay<'s>>,
    lines: &[Line],
    range: std::ops::Range<usize>,
    depth: u8,
    history: &mut History<'s>,
) -> Result<Vec<Replay<'s>>, Deviation> {
    for k in range {
        history.push_back((k, ways.clone()));
        if history.len() > HISTORY {
            history.pop_front();
        }
        ways = match advance(ways, &lines[k]) {
            Ok(next) => next,
            Err(d) if depth > 0 => retry(history, lines, k, d, depth)?,
            Err(d) => return Err(d),
        };
    }
    Ok(ways)
}

/// The most ways of reading a trace kept at once. Honest traces need one, or two or three
/// while a duplicate is undecided; a run under attack, where each injected certificate and
/// signature may be several things until its receiver answers, needs tens. A trace that keeps
/// more is read as its first ways say.
pub const MAX_WAYS: usize = 256;

/// Every way each of `ways` can take `line`, without repeats; the first way's deviation when
/// none can.
fn advance<'s>(ways: Vec<Replay<'s>>, line: &Line) -> Result<Vec<Replay<'s>>, Deviation> {
    let mut next: Vec<Replay<'s>> = Vec::with_capacity(ways.len());
    let mut first = None;
    for r in ways {
        if let Err(d) = r.step(line, &mut next) {
            first.get_or_insert(d);
        }
    }
    if next.len() > 1 {
        next = without_repeats(next);
    }
    if next.is_empty() {
        return Err(first.unwrap_or_else(|| deviation(line.line_no, "a line the model can take here", "none")));
    }
    Ok(next)
}

/// The first [`MAX_WAYS`] ways that differ, in order. A way that stands where another does
/// but with fewer messages in flight is dropped for the other: the network may lose any
/// message, so the way with more can follow every line the one with fewer can (a request seen
/// twice is a copy or a resend, and which, no later line need tell). Ways are compared only
/// with those whose worlds, the network aside, hash alike.
fn without_repeats<'s>(ways: Vec<Replay<'s>>) -> Vec<Replay<'s>> {
    let mut kept: Vec<Option<Replay<'s>>> = Vec::with_capacity(ways.len().min(MAX_WAYS));
    let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
    for way in ways {
        let bucket = by_hash.entry(way.hash_but_net()).or_default();
        let mut covered = false;
        for &k in bucket.iter() {
            let Some(other) = kept[k].as_ref() else { continue };
            if !other.same_but_net(&way) {
                continue;
            }
            if within(&way.w.net, &other.w.net) {
                covered = true;
                break;
            }
            if within(&other.w.net, &way.w.net) {
                kept[k] = None;
            }
        }
        if !covered && kept.iter().flatten().count() < MAX_WAYS {
            bucket.push(kept.len());
            kept.push(Some(way));
        }
    }
    kept.into_iter().flatten().collect()
}

/// Whether every message of `small` is in `big` (as a multiset).
fn within(small: &[super::world::Envelope], big: &[super::world::Envelope]) -> bool {
    if small.len() > big.len() {
        return false;
    }
    let mut used = vec![false; big.len()];
    small.iter().all(|e| match (0..big.len()).find(|&i| !used[i] && big[i] == *e) {
        Some(i) => {
            used[i] = true;
            true
        }
        None => false,
    })
}

/// Line `k` failed with `first`: tries each event of its sender placed just before one of the
/// last few messages that reached the sender or one of the last few lines, in each way of
/// reading the trace then, replaying the lines from there.
fn retry<'s>(
    history: &mut History<'s>,
    lines: &[Line],
    k: usize,
    first: Deviation,
    depth: u8,
) -> Result<Vec<Replay<'s>>, Deviation> {
    let sender = lines[k].from.map(|a| a.name()).and_then(actor_index);
    let Some(sender) = sender else { return Err(first) };
    let reached_sender =
        |l: &Line| l.to.and_then(|a| actor_index(a.name())) == Some(sender) && !matches!(l.event, Event::Rapdu(_));
    // Before the last messages that reached the sender (which its event may have raced), and
    // before the last lines of any kind (an event may read what another actor shows: the phone
    // types the code the PC displayed before the PC learnt the pairing had closed).
    let earlier =
        || history.iter().rev().map(|(j, _)| *j).filter(|&j| j < k && !matches!(lines[j].event, Event::Rapdu(_)));
    let mut tried: Vec<usize> = earlier().filter(|&j| reached_sender(&lines[j])).take(RETRY_PLACES).collect();
    tried.extend(earlier().take(RETRY_PLACES));
    tried.sort_unstable_by(|a, b| b.cmp(a));
    tried.dedup();
    let mut found = Vec::new();
    for j in tried {
        let Some(at) = history.iter().position(|(i, _)| *i == j) else { continue };
        let mut starts = Vec::new();
        for way in &history[at].1 {
            for event in way.events_of(&way.w, sender) {
                let mut r = way.clone();
                r.sys.apply(&mut r.w, &event, &mut Effects::default());
                r.summary.inferred_events += 1;
                starts.push(r);
            }
        }
        if starts.is_empty() {
            continue;
        }
        starts.truncate(MAX_WAYS);
        // Every way that the event makes fit, not just the first: an undecided injection
        // earlier stays undecided.
        let mut before: History<'s> = history.iter().take(at).cloned().collect();
        if let Ok(ways) = take_lines(starts, lines, j..k + 1, depth - 1, &mut before) {
            found.push((ways, before));
        }
    }
    // Each place that explains the line stays a way of its own, and so does what each found
    // before it: a later line may need the event at one place rather than the other.
    let mut found = found.into_iter();
    let Some((mut ways, mut merged)) = found.next() else { return Err(first) };
    for (more, their) in found {
        add_ways(&mut ways, more);
        for (i, w) in their {
            match merged.iter_mut().find(|(m, _)| *m == i) {
                Some((_, mine)) => add_ways(mine, w),
                None => merged.push_back((i, w)),
            }
        }
    }
    merged.make_contiguous().sort_by_key(|(i, _)| *i);
    *history = merged;
    Ok(ways)
}

/// Adds the ways of `more` to `ways`, merged as [`without_repeats`] merges any ways.
fn add_ways<'s>(ways: &mut Vec<Replay<'s>>, more: Vec<Replay<'s>>) {
    ways.extend(more);
    *ways = without_repeats(std::mem::take(ways));
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
#[derive(Clone, Debug, Default, PartialEq)]
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

    /// The certificate on the system's card: the main one, or the sub certificate on a UICC.
    fn own_cert(&self) -> u8 {
        if self.sys.c.card == actor_index("uicc") {
            cert::SUB
        } else {
            cert::CARD
        }
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
            Event::Happened { actor, id, value } => self.happened(n, actor.name(), id, *value),
            // Messages may fit in several ways: `step` takes them.
            Event::Message { .. } => Ok(()),
            Event::Capdu(bytes) => self.capdu(n, from, to, bytes),
            Event::Rapdu(bytes) => self.rapdu(n, from, to, bytes),
        }
    }

    /// An event the trace records: `actor` takes it here, so it must be one the actor's
    /// machine can take now.
    fn happened(&mut self, n: usize, actor: &str, id: &str, value: u8) -> Result<(), Deviation> {
        let a = actor_index(actor).ok_or_else(|| deviation(n, "an actor of the scheme", actor))?;
        let Some(ev) = self.c().events.iter().position(|e| e.table.id == id) else {
            return Err(deviation(n, format!("an event of {}", self.summary.system), id));
        };
        let own = self.events_of(&self.w, a);
        let taken = own
            .iter()
            .find(|x| matches!(x, Action::Event { event, value: v, .. } if usize::from(*event) == ev && *v == value));
        if let Some(action) = taken {
            self.sys.apply(&mut self.w, action, &mut Effects::default());
            return Ok(());
        }
        let c = self.c();
        let could: Vec<String> = own
            .iter()
            .filter_map(|x| match x {
                Action::Event { event, value, .. } => {
                    Some(format!("{} {value}", c.events[usize::from(*event)].table.id))
                }
                _ => None,
            })
            .collect();
        let machine = c.machines.iter().enumerate().find(|(_, m)| m.actor == a && !m.is_card);
        let state = machine.map_or("", |(i, m)| m.table.states[usize::from(self.w.states[i])].id);
        Err(Deviation {
            line: n,
            expected: if could.is_empty() {
                format!("no event of {actor} in state {state}")
            } else {
                format!("one of {} in state {state}", could.join(", "))
            },
            seen: format!("{id} {value}"),
            rule: machine.map(|(_, m)| m.table.id),
            spec: machine.map(|(_, m)| m.table.spec),
        })
    }

    /// Every way this reading takes `line`, pushed onto `out`, the most preferred first.
    fn step(mut self, line: &Line, out: &mut Vec<Replay<'s>>) -> Result<(), Deviation> {
        if let Event::Message { id, fields } = &line.event {
            let name = |a: Option<crate::trace::Actor>| a.map(|a| a.name()).unwrap_or("");
            let link = line.link.map(|l| l.name()).unwrap_or("");
            return self.message(line.line_no, name(line.from), name(line.to), link, id, fields, out);
        }
        self.line(line)?;
        out.push(self);
        Ok(())
    }

    /// A hash of what the actors hold, the messages in flight aside. The property checker's
    /// ghost facts and the spent bounds are left out too: they never change what an actor
    /// does, so two readings that differ only there are one.
    fn hash_but_net(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let w = &self.w;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (w.states, w.v, w.slot).hash(&mut h);
        h.finish()
    }

    /// Whether two readings stand at the same point but for the messages in flight: what
    /// follows cannot tell them apart otherwise (ghost facts and spent bounds aside: see
    /// [`Self::hash_but_net`]).
    fn same_but_net(&self, o: &Self) -> bool {
        let (w, v) = (&self.w, &o.w);
        (w.states, w.v, w.slot) == (v.states, v.v, v.slot)
            && self.b == o.b
            && self.pending == o.pending
            && self.chain == o.chain
            && self.get_response == o.get_response
            && self.attacker_at_card == o.attacker_at_card
            && self.cert == o.cert
            && self.pins == o.pins
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

    /// Tries `fits` in the current world, then in each of [`Self::inferred_worlds`]. Keeps the
    /// first world where it fits.
    fn with_inferred_events(&mut self, actor: u8, mut fits: impl FnMut(&mut Self) -> bool) -> bool {
        if fits(self) {
            return true;
        }
        let (w0, b0) = (self.w.clone(), self.b.clone());
        for (w, inferred) in self.inferred_worlds(actor, true) {
            self.w = w;
            self.b = b0.clone();
            if fits(self) {
                self.summary.inferred_events += inferred;
                return true;
            }
        }
        self.w = w0;
        self.b = b0;
        false
    }

    /// The worlds after events the trace does not show, with how many: one event of `actor`;
    /// two of its events (a loss reported, then cleared, the first notice still in flight);
    /// an event of anyone that sends nothing, followed by one of `actor`'s or alone (a timer at
    /// the sender's peer).
    /// Only the first two kinds with `others` false.
    fn inferred_worlds(&self, actor: u8, others: bool) -> Vec<(World, usize)> {
        let w0 = &self.w;
        let mut out = Vec::new();
        let own: Vec<World> = self
            .events_of(w0, actor)
            .iter()
            .map(|a| {
                let mut w = w0.clone();
                self.sys.apply(&mut w, a, &mut Effects::default());
                w
            })
            .collect();
        out.extend(own.iter().map(|w| (w.clone(), 1)));
        for w1 in &own {
            for a2 in self.events_of(w1, actor) {
                let mut w2 = w1.clone();
                self.sys.apply(&mut w2, &a2, &mut Effects::default());
                out.push((w2, 2));
            }
        }
        if !others {
            return out;
        }
        for a in self.all_events(w0) {
            let mut w1 = w0.clone();
            self.sys.apply(&mut w1, &a, &mut Effects::default());
            // An event inferred before another must send nothing: what it sends would be in the
            // trace.
            if w1.net.len() != w0.net.len() || w1.slot != w0.slot {
                continue;
            }
            for a2 in self.events_of(&w1, actor) {
                let mut w2 = w1.clone();
                self.sys.apply(&mut w2, &a2, &mut Effects::default());
                out.push((w2, 2));
            }
            out.push((w1, 1));
        }
        out
    }

    fn deliver(&mut self, msg: &Msg) {
        let mut fx = Effects::default();
        self.sys.deliver(&mut self.w, msg, &mut fx);
    }

    /// A flow-level message: each message of its sender's in flight that it can be (in this
    /// world, else after events the trace does not show), a duplicate of one delivered before,
    /// or the attacker's, each a way of its own.
    #[allow(clippy::too_many_arguments)]
    fn message(
        mut self,
        n: usize,
        from: &str,
        to: &str,
        link: &str,
        id: &str,
        fields: &Map<String, Value>,
        out: &mut Vec<Replay<'s>>,
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
        let injectable = self.opts.injections && self.sys.injectable(info.kind);
        let before = out.len();
        if !injected {
            let sender = info.from;
            self.sent(sender, gid, &key, fields, out);
            if let Some(m) = self.delivered.get(&key).copied() {
                let mut r = self.clone();
                r.summary.duplicates += 1;
                r.deliver(&m);
                out.push(r);
            }
            if out.len() == before && !injectable {
                return Err(self.unexpected(n, sender, id));
            }
            if !injectable {
                return Ok(());
            }
        }
        // Injected by the network (under its own name, or under the sender's, whose message
        // it may also be): its receiver must cope.
        for (m, b) in self.abstract_msgs(gid, fields) {
            let mut r = self.clone();
            r.b = b;
            r.summary.injections += 1;
            r.deliver(&m);
            out.push(r);
        }
        Ok(())
    }

    /// Each message of `sender`'s in flight that the trace's `fields` can be, delivered: in
    /// this world, else in each world the sender's unseen events lead to.
    /// A message that fits here only by binding bytes seen for the first time may as well be
    /// one an unseen event of its sender sends (names are arbitrary: `pairing-2` may be the
    /// relay's first pairing or its second): then those worlds are ways too.
    fn sent(&self, sender: u8, gid: u16, key: &str, fields: &Map<String, Value>, out: &mut Vec<Replay<'s>>) {
        // Whether some fit was found, and whether every fit was found by binding new bytes.
        // `new_only`: only messages the inferred events sent, not those in flight before them.
        let fits = |r: &Replay<'s>, inferred: usize, new_only: bool, out: &mut Vec<Replay<'s>>| {
            let mut found = false;
            let mut only_fresh = true;
            for (i, e) in r.w.net.iter().enumerate() {
                let m = e.msg;
                if m.id != gid || m.from != sender || r.w.net[..i].iter().any(|o| o.msg == m) {
                    continue;
                }
                if new_only && self.w.net.iter().any(|o| o.msg == m) {
                    continue;
                }
                let mut b = r.b.clone();
                if unify_msg(&mut b, &r.answers, r.c(), &m, fields) {
                    only_fresh &= b.fwd.len() > r.b.fwd.len();
                    let mut next = r.clone();
                    next.b = b;
                    next.w.net.remove(i);
                    next.summary.inferred_events += inferred;
                    next.delivered.insert(key.to_string(), m);
                    next.deliver(&m);
                    out.push(next);
                    found = true;
                }
            }
            (found, only_fresh)
        };
        let (found, only_fresh) = fits(self, 0, false, out);
        if found && !only_fresh {
            return;
        }
        // After a fit by fresh bytes, only what the sender's own events send: another actor's
        // silent event, or a message that was in flight anyway, is the fit already found.
        for (w, inferred) in self.inferred_worlds(sender, !found) {
            let mut r = self.clone();
            r.w = w;
            fits(&r, inferred, found, out);
        }
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

    /// The messages from the network the trace's `fields` can be, each with the bindings it
    /// makes. A field bound before is its value. An unbound certificate is one the attacker
    /// holds, and which kind (the victim's, another person's, a revoked one, one of its own
    /// making) shows only in how its receiver answers: each is a way of its own, as is each challenge an
    /// unbound signature may be over, and each identifier or challenge in flight an unbound
    /// one may be. Other unbound fields take a value that matches nothing.
    fn abstract_msgs(&self, gid: u16, fields: &Map<String, Value>) -> Vec<(Msg, Binding)> {
        use super::table::FieldType as T;
        let info = self.c().messages[usize::from(gid)];
        let blank = Msg { id: gid, from: ATTACKER, to: info.to, tainted: true, f: Default::default() };
        let mut ways = vec![(blank, self.b.clone())];
        for (i, f) in info.table.fields.iter().enumerate().take(blank.f.len()) {
            let text = fields.get(f.name).map(|v| match v {
                Value::String(s) => upper(s),
                other => other.to_string(),
            });
            let text = text.unwrap_or_default();
            let class = match f.ty {
                T::Id => Some(Class::Id),
                T::Nonce => Some(Class::Nonce),
                T::Cert => Some(Class::Cert),
                T::Signature => Some(Class::Sig),
                _ => None,
            };
            // The attacker sees the network: what is in flight it can send on.
            let in_flight = self.w.net.iter().flat_map(|e| e.msg.f);
            if let Some(v) = class.and_then(|c| self.b.get(c, &text)) {
                ways.iter_mut().for_each(|(m, _)| m.f[i] = v);
                continue;
            }
            let placeholder = self.placeholder(f, &text, fields);
            let mut next = Vec::new();
            for (m, b) in &ways {
                // A trace the model wrote names its certificates and signatures in their
                // bytes: those are read back, not guessed.
                let written = match f.ty {
                    T::Cert => super::render::certificate_of(&text).map(Val::Cert),
                    T::Signature => super::render::signature_of(&text).map(|(key, over)| Val::Sig { key, over }),
                    _ => None,
                };
                let candidates = match f.ty {
                    _ if written.is_some() => written.into_iter().collect(),
                    T::Id | T::Nonce => {
                        let same = |v: &Val| std::mem::discriminant(v) == std::mem::discriminant(&placeholder);
                        let mut vs: Vec<Val> = in_flight.clone().filter(same).collect();
                        vs.sort_unstable();
                        vs.dedup();
                        vs.push(placeholder);
                        vs
                    }
                    T::Cert => [self.own_cert(), cert::OTHER, cert::REVOKED, cert::SELF_SIGNED].map(Val::Cert).to_vec(),
                    T::Signature => {
                        // By the key of the certificate it came with (or no known key), over a
                        // challenge handed out before or an old one. The attacker signs only
                        // with keys of its own: a signature by the victim's key over a
                        // challenge of this trace would have come from the card, and be bound.
                        let with = m.f[..i].iter().find_map(|v| match v {
                            Val::Cert(c) => Some(cert::key(*c)),
                            _ => None,
                        });
                        let victims = with == Some(cert::key(self.own_cert()));
                        let bound = self.b.fwd.values().copied();
                        let nonces = bound.chain(in_flight.clone()).filter_map(|v| match v {
                            Val::Nonce(x) if !victims => Some(x),
                            _ => None,
                        });
                        let mut overs: Vec<u8> = std::iter::once(super::value::STALE_NONCE).chain(nonces).collect();
                        overs.sort_unstable();
                        overs.dedup();
                        overs.iter().map(|&over| Val::Sig { key: with.unwrap_or(0), over }).collect()
                    }
                    _ => vec![placeholder],
                };
                for v in candidates {
                    let (mut m, mut b) = (*m, b.clone());
                    m.f[i] = v;
                    // Bound where it can be, so the same bytes later are the same value; left
                    // unbound where the value already stands for other bytes.
                    if let Some(c) = class {
                        let mut tried = b.clone();
                        if tried.unify(c, &text, v) {
                            b = tried;
                        }
                    }
                    next.push((m, b));
                }
            }
            next.truncate(MAX_WAYS);
            ways = next;
        }
        ways
    }

    /// An injected field's value: the one its text is bound to, else one that matches nothing
    /// (or, for a command, what it asks the card).
    fn placeholder(&self, f: &Field, text: &str, fields: &Map<String, Value>) -> Val {
        use super::table::FieldType as T;
        match f.ty {
            T::Id => self.b.get(Class::Id, text).unwrap_or(Val::Id(255)),
            T::Nonce => self.b.get(Class::Nonce, text).unwrap_or(Val::Nonce(255)),
            T::Digits => self.b.get(Class::Code, text).unwrap_or(Val::Code(super::value::WRONG_CODE)),
            T::Uint => fields.get(f.name).and_then(Value::as_u64).map_or(Val::None, |x| Val::Num(x.min(255) as u8)),
            T::Enum => f.values.iter().position(|v| upper(v) == text).map_or(Val::Enum(255), |x| Val::Enum(x as u8)),
            T::Cert => self.b.get(Class::Cert, text).unwrap_or(Val::Cert(cert::UNKNOWN)),
            T::Signature => self.b.get(Class::Sig, text).unwrap_or(Val::Sig { key: 0, over: 255 }),
            T::Rapdu => self.answers.get(text).and_then(|a| a.last()).copied().unwrap_or(Val::None),
            T::Capdu => match unhex(text).map(|b| classify(&b)) {
                Some(Ok(Seen::Cmd(c))) => Val::Cmd(c),
                Some(Ok(Seen::Read { .. })) => Val::Cmd(Cmd::Read),
                // A signature over bytes no portal handed out: over an old challenge, as the
                // card path takes it.
                Some(Ok(Seen::Sign { digest })) => match self.b.get(Class::Nonce, &digest) {
                    Some(Val::Nonce(x)) => Val::Cmd(Cmd::Sign { over: x }),
                    _ => Val::Cmd(Cmd::Sign { over: super::value::STALE_NONCE }),
                },
                Some(Ok(Seen::Verify { .. })) => Val::Cmd(Cmd::Verify { pin: 255 }),
                _ => Val::Cmd(Cmd::Other),
            },
            T::Aid => self.b.get(Class::Aid, text).unwrap_or(Val::Aid(255)),
            T::WrappedKey => Val::Key { key: 255, wrap: unhex(text).and_then(|b| b.first().copied()).unwrap_or(0) },
            T::Hex => self.b.get(Class::Script, text).unwrap_or(Val::Script { author: super::value::author::ATTACKER }),
        }
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
        let own = self.own_cert();
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
