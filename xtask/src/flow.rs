//! The flow part of the spec format (`spec/flow/scheme*.json`, `spec/flow/lifecycle.json`):
//! actors, messages, local events, guards, one state machine per actor, properties and example
//! traces. This file holds the types, the validator's checks of them, and the small queries the
//! code and documentation generators share. `spec/README.md` documents the format.
//!
//! Flow entries are scoped differently from the card-side entries: messages, events, guards,
//! machines, properties and traces carry spec-wide ids that start with the flow's prefix
//! (`s1.portal.challenge`); actors and states are named inside their file and machine (`pc`,
//! `idle`), because every scheme has a portal and every machine an `idle`.

use crate::spec::{Confidence, Problem, Spec};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The spec sections this file defines.
pub const SECTIONS: &[&str] =
    &["flow", "actors", "flow_messages", "events", "guards", "machines", "properties", "traces"];

/// Who takes part in a scheme (trace lines name them the same way).
pub const ACTORS: &[&str] =
    &["card", "pc", "relay", "phone", "portal", "uicc", "ui_app", "tsm_proxy", "mno_tsm", "sp_tsm", "jlis"];

/// Actors that answer JPKI C-APDUs.
pub const CARD_ACTORS: &[&str] = &["card", "uicc"];

/// What a message travels on.
pub const LINKS: &[&str] = &["nfc", "pcsc", "relay", "https", "omapi", "ota", "gp_msg", "jlis"];

/// Field types of a message; `spec/README.md` says what each holds in a trace.
pub const FIELD_TYPES: &[&str] =
    &["id", "nonce", "digits", "uint", "enum", "cert", "signature", "capdu", "rapdu", "hex", "aid", "wrapped_key"];

/// What a reachability property may need beyond the ordered, crash-free network.
pub const NEEDS: &[&str] = &["lossy", "crashes"];

/// The trigger of a reader's transition taken on any answer not matched before it.
pub const ANY_ANSWER: &str = "card.*";

/// The emit of a forwarding reader: the C-APDU carried by the message it received.
pub const FORWARD_CAPDU: &str = "capdu";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowEntry {
    pub id: String,
    pub name: String,
    /// The scheme this flow belongs to (1, 2, 3).
    pub scheme: u8,
    /// Every other id of the file starts with `<prefix>.`.
    pub prefix: String,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorEntry {
    pub id: String,
    pub name: String,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    /// Bytes (`nonce`, `hex`) or digits (`digits`).
    #[serde(default)]
    pub length: Option<usize>,
    /// The names an `enum` field may take.
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageEntry {
    pub id: String,
    pub name: String,
    pub from: String,
    pub to: String,
    pub link: String,
    pub fields: Vec<FieldSpec>,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
}

/// Something an actor does on its own: a user's action, a timer.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventEntry {
    pub id: String,
    pub name: String,
    pub actor: String,
    /// The choices the event carries (`right`, `wrong`); empty for none.
    #[serde(default)]
    pub values: Vec<String>,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardEntry {
    pub id: String,
    pub name: String,
    /// The condition in words; the model's hand-written guard implements it.
    pub meaning: String,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateEntry {
    pub id: String,
    pub name: String,
    /// The state a crash (losing volatile memory) leaves the actor in; the machine's initial
    /// state when absent.
    #[serde(default)]
    pub crash: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The C-APDU a transition sends: a command id and its argument (`ap.jpki`, a FID, `pin`,
/// `next`, `challenge`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApduRef {
    pub command: String,
    pub arg: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionEntry {
    pub from: String,
    /// A message id, an event id, a card command id (card machines), a card rule id or
    /// `card.*` (reader machines).
    pub on: String,
    #[serde(default)]
    pub guard: Option<String>,
    pub to: String,
    /// Message ids, card command ids (readers), card rule ids (cards) or `capdu` (forward).
    pub emits: Vec<String>,
    #[serde(default)]
    pub apdu: Option<ApduRef>,
    /// Constant fields of emitted messages: message id → field → value.
    #[serde(default)]
    pub fields: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub note: Option<String>,
}

/// How a reader's card commands travel when the card is not its own: inside `send` messages,
/// answered inside `receive` messages that must pass `guard`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApduVia {
    pub card: String,
    pub send: String,
    pub receive: String,
    pub guard: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineEntry {
    pub id: String,
    pub name: String,
    pub actor: String,
    pub initial: String,
    pub states: Vec<StateEntry>,
    pub transitions: Vec<TransitionEntry>,
    /// The card this actor reads directly (NFC, OMAPI).
    #[serde(default)]
    pub reader_of: Option<String>,
    #[serde(default)]
    pub apdu_via: Option<ApduVia>,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
}

impl MachineEntry {
    /// The card this machine sends C-APDUs to, directly or through a relay.
    pub fn card(&self) -> Option<&str> {
        self.reader_of.as_deref().or(self.apdu_via.as_ref().map(|v| v.card.as_str()))
    }

    /// A machine that answers C-APDUs.
    pub fn is_card(&self) -> bool {
        CARD_ACTORS.contains(&self.actor.as_str()) && self.card().is_none()
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertyEntry {
    pub id: String,
    pub name: String,
    /// `safety` (holds in every reachable state) or `reachability` (some run gets there).
    pub kind: String,
    pub statement: String,
    #[serde(default)]
    pub needs: Vec<String>,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedDeviation {
    /// 1-based line of the trace where the checker must stop.
    pub line: usize,
    /// The rule it must name, when it names one.
    #[serde(default)]
    pub rule: Option<String>,
}

/// An example trace: trace lines that conform, or that deviate where `deviation` says.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceEntry {
    pub id: String,
    pub name: String,
    pub conforms: bool,
    #[serde(default)]
    pub deviation: Option<ExpectedDeviation>,
    pub lines: Vec<Value>,
    pub source: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
}

/// One flow file, borrowed from the loaded spec.
pub struct Flow<'s> {
    pub display: &'s str,
    pub flow: &'s FlowEntry,
    pub actors: &'s [ActorEntry],
    pub messages: &'s [MessageEntry],
    pub events: &'s [EventEntry],
    pub guards: &'s [GuardEntry],
    pub machines: &'s [MachineEntry],
    pub properties: &'s [PropertyEntry],
    pub traces: &'s [TraceEntry],
}

impl Flow<'_> {
    /// The module name generated code uses: the prefix.
    pub fn module(&self) -> &str {
        &self.flow.prefix
    }
}

/// Every flow file of the spec, in path order.
pub fn flows(spec: &Spec) -> Vec<Flow<'_>> {
    spec.files
        .iter()
        .filter_map(|l| {
            let f = &l.file;
            f.flow.first().map(|flow| Flow {
                display: &l.display,
                flow,
                actors: &f.actors,
                messages: &f.flow_messages,
                events: &f.events,
                guards: &f.guards,
                machines: &f.machines,
                properties: &f.properties,
                traces: &f.traces,
            })
        })
        .collect()
}

/// Every flow message of the spec by id (messages may be received across files: the life
/// cycle's machines run beside scheme 3's).
pub fn all_messages(spec: &Spec) -> BTreeMap<&str, &MessageEntry> {
    spec.files.iter().flat_map(|l| l.file.flow_messages.iter()).map(|m| (m.id.as_str(), m)).collect()
}

/// Every state reachable from `m`'s initial state in its transition graph (guards ignored).
pub fn reachable_states(m: &MachineEntry) -> BTreeSet<&str> {
    let mut seen = BTreeSet::from([m.initial.as_str()]);
    let mut todo = vec![m.initial.as_str()];
    while let Some(s) = todo.pop() {
        for t in m.transitions.iter().filter(|t| t.from == s) {
            if seen.insert(t.to.as_str()) {
                todo.push(&t.to);
            }
        }
    }
    seen
}

fn is_snake(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_dotted(s: &str) -> bool {
    s.contains('.') && s.split('.').all(is_snake)
}

struct V<'s> {
    spec: &'s Spec,
    problems: Vec<Problem>,
}

impl V<'_> {
    fn problem(&mut self, at: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(Problem { at: at.into(), reason: reason.into() });
    }
}

/// What the validator found: problems, and how many entries and example traces it checked.
pub struct Report {
    pub problems: Vec<Problem>,
    pub entries: usize,
    pub examples: usize,
}

/// Checks every flow file: ids and prefixes, references between messages, events, guards,
/// states and card commands, that every state is reachable, and the example traces' shape.
pub fn validate(spec: &Spec) -> Report {
    let mut v = V { spec, problems: Vec::new() };
    let mut entries = 0;
    let mut examples = 0;
    for l in &spec.files {
        let f = &l.file;
        let any = !f.actors.is_empty()
            || !f.flow_messages.is_empty()
            || !f.events.is_empty()
            || !f.guards.is_empty()
            || !f.machines.is_empty()
            || !f.properties.is_empty()
            || !f.traces.is_empty();
        if f.flow.len() != 1 && (any || !f.flow.is_empty()) {
            v.problem(format!("{}#/flow", l.display), "a flow file has exactly one flow entry");
        }
    }
    v.ids();
    for flow in flows(spec) {
        entries += 1
            + flow.actors.len()
            + flow.messages.len()
            + flow.events.len()
            + flow.guards.len()
            + flow.machines.len()
            + flow.properties.len()
            + flow.traces.len();
        v.flow(&flow);
        examples += flow.traces.len();
    }
    Report { problems: v.problems, entries, examples }
}

impl V<'_> {
    /// Spec-wide ids: dotted, unique among themselves and against the card-side entries,
    /// starting with the file's prefix; sources not empty; project-defined entries say why.
    fn ids(&mut self) {
        let mut seen: BTreeMap<String, String> =
            self.spec.all_entries().into_iter().map(|(at, c, _)| (c.id.clone(), at)).collect();
        let mut check = |v: &mut Self, at: String, id: &str, prefix: Option<&str>, source: &str| {
            if !is_dotted(id) {
                v.problem(format!("{at}/id"), format!("id {id:?} must be lower-case words joined by dots"));
            }
            if let Some(p) = prefix {
                if !id.starts_with(&format!("{p}.")) {
                    v.problem(format!("{at}/id"), format!("id {id:?} must start with the flow's prefix {p:?}"));
                }
            }
            if let Some(first) = seen.insert(id.to_string(), at.clone()) {
                v.problem(format!("{at}/id"), format!("duplicate id {id:?}, first at {first}"));
            }
            if source.trim().is_empty() {
                v.problem(format!("{at}/source"), "empty source");
            }
        };
        for l in &self.spec.files {
            let f = &l.file;
            let prefix = f.flow.first().map(|e| e.prefix.clone());
            let p = prefix.as_deref();
            let at = |s: &str, i: usize| format!("{}#/{s}/{i}", l.display);
            for (i, e) in f.flow.iter().enumerate() {
                check(self, at("flow", i), &e.id, p, &e.source);
                if !is_snake(&e.prefix) {
                    self.problem(format!("{}/prefix", at("flow", i)), "the prefix is snake_case");
                }
                if !(1..=3).contains(&e.scheme) {
                    self.problem(format!("{}/scheme", at("flow", i)), "scheme is 1, 2 or 3");
                }
            }
            for (i, e) in f.flow_messages.iter().enumerate() {
                check(self, at("flow_messages", i), &e.id, p, &e.source);
            }
            for (i, e) in f.events.iter().enumerate() {
                check(self, at("events", i), &e.id, p, &e.source);
            }
            for (i, e) in f.guards.iter().enumerate() {
                check(self, at("guards", i), &e.id, p, &e.source);
            }
            for (i, e) in f.machines.iter().enumerate() {
                check(self, at("machines", i), &e.id, p, &e.source);
            }
            for (i, e) in f.properties.iter().enumerate() {
                check(self, at("properties", i), &e.id, p, &e.source);
            }
            for (i, e) in f.traces.iter().enumerate() {
                check(self, at("traces", i), &e.id, p, &e.source);
            }
            for (i, e) in f.actors.iter().enumerate() {
                if e.source.trim().is_empty() {
                    self.problem(format!("{}/source", at("actors", i)), "empty source");
                }
            }
        }
    }

    fn flow(&mut self, flow: &Flow<'_>) {
        let d = flow.display;
        let all_messages = all_messages(self.spec);
        // A machine refers to its own file's messages: generated code indexes them per flow.
        let own_messages: BTreeMap<&str, &MessageEntry> = flow.messages.iter().map(|m| (m.id.as_str(), m)).collect();
        let commands: BTreeSet<&str> = self.spec.commands().map(|(_, _, c)| c.common.id.as_str()).collect();
        let rules: BTreeSet<&str> = self.spec.card_rules().map(|(_, _, r)| r.common.id.as_str()).collect();
        let apps: BTreeSet<&str> = self.spec.applications().map(|(_, _, a)| a.common.id.as_str()).collect();
        let actors: BTreeSet<&str> = flow.actors.iter().map(|a| a.id.as_str()).collect();
        let events: BTreeMap<&str, &EventEntry> = flow.events.iter().map(|e| (e.id.as_str(), e)).collect();
        let guards: BTreeSet<&str> = flow.guards.iter().map(|g| g.id.as_str()).collect();

        let mut seen_actors = BTreeSet::new();
        for (i, a) in flow.actors.iter().enumerate() {
            let at = format!("{d}#/actors/{i}");
            if !ACTORS.contains(&a.id.as_str()) {
                self.problem(
                    format!("{at}/id"),
                    format!("unknown actor {:?}; the actors are {}", a.id, ACTORS.join(", ")),
                );
            }
            if !seen_actors.insert(a.id.as_str()) {
                self.problem(format!("{at}/id"), format!("actor {:?} listed twice", a.id));
            }
        }
        for (i, m) in flow.messages.iter().enumerate() {
            let at = format!("{d}#/flow_messages/{i}");
            for (key, who) in [("from", &m.from), ("to", &m.to)] {
                if !actors.contains(who.as_str()) {
                    self.problem(format!("{at}/{key}"), format!("dangling reference: no actor {who:?} in this flow"));
                }
            }
            if !LINKS.contains(&m.link.as_str()) {
                self.problem(
                    format!("{at}/link"),
                    format!("unknown link {:?}; the links are {}", m.link, LINKS.join(", ")),
                );
            }
            let mut names = BTreeSet::new();
            for (j, f) in m.fields.iter().enumerate() {
                let at = format!("{at}/fields/{j}");
                if !is_snake(&f.name) || !names.insert(f.name.as_str()) {
                    self.problem(format!("{at}/name"), format!("field name {:?} must be unique snake_case", f.name));
                }
                if !FIELD_TYPES.contains(&f.ty.as_str()) {
                    self.problem(
                        format!("{at}/type"),
                        format!("unknown type {:?}; the types are {}", f.ty, FIELD_TYPES.join(", ")),
                    );
                }
                if (f.ty == "enum") == f.values.is_empty() || f.values.iter().any(|x| !is_snake(x)) {
                    self.problem(format!("{at}/values"), "an enum field, and only one, lists snake_case values");
                }
                if f.ty == "digits" && f.length.is_none() {
                    self.problem(format!("{at}/length"), "a digits field has a length");
                }
            }
        }
        for (i, e) in flow.events.iter().enumerate() {
            let at = format!("{d}#/events/{i}");
            if !actors.contains(e.actor.as_str()) {
                self.problem(format!("{at}/actor"), format!("dangling reference: no actor {:?} in this flow", e.actor));
            }
            if e.values.iter().any(|x| !is_snake(x)) {
                self.problem(format!("{at}/values"), "event values are snake_case");
            }
        }
        for (i, p) in flow.properties.iter().enumerate() {
            let at = format!("{d}#/properties/{i}");
            if p.kind != "safety" && p.kind != "reachability" {
                self.problem(format!("{at}/kind"), "kind is safety or reachability");
            }
            if p.needs.iter().any(|n| !NEEDS.contains(&n.as_str())) {
                self.problem(format!("{at}/needs"), format!("needs lists {}", NEEDS.join(", ")));
            }
        }
        let mut used_guards = BTreeSet::new();
        for (i, m) in flow.machines.iter().enumerate() {
            let at = format!("{d}#/machines/{i}");
            self.machine(
                &at,
                flow,
                m,
                &MachineCtx {
                    all_messages: &own_messages,
                    commands: &commands,
                    rules: &rules,
                    apps: &apps,
                    actors: &actors,
                    events: &events,
                    guards: &guards,
                },
            );
            for t in &m.transitions {
                used_guards.extend(t.guard.as_deref());
            }
            if let Some(v) = &m.apdu_via {
                used_guards.insert(v.guard.as_str());
            }
        }
        for (i, g) in flow.guards.iter().enumerate() {
            if !used_guards.contains(g.id.as_str()) {
                self.problem(format!("{d}#/guards/{i}"), format!("guard {:?} is used by no transition", g.id));
            }
        }
        for (i, t) in flow.traces.iter().enumerate() {
            self.trace(&format!("{d}#/traces/{i}"), t, &all_messages);
        }
        if !flow.traces.iter().any(|t| t.conforms) || !flow.traces.iter().any(|t| !t.conforms) {
            self.problem(format!("{d}#/traces"), "a flow needs an example trace that conforms and one that does not");
        }
    }
}

struct MachineCtx<'a> {
    all_messages: &'a BTreeMap<&'a str, &'a MessageEntry>,
    commands: &'a BTreeSet<&'a str>,
    rules: &'a BTreeSet<&'a str>,
    apps: &'a BTreeSet<&'a str>,
    actors: &'a BTreeSet<&'a str>,
    events: &'a BTreeMap<&'a str, &'a EventEntry>,
    guards: &'a BTreeSet<&'a str>,
}

impl V<'_> {
    fn machine(&mut self, at: &str, flow: &Flow<'_>, m: &MachineEntry, c: &MachineCtx<'_>) {
        if !c.actors.contains(m.actor.as_str()) {
            self.problem(format!("{at}/actor"), format!("dangling reference: no actor {:?} in this flow", m.actor));
        }
        let states: BTreeSet<&str> = m.states.iter().map(|s| s.id.as_str()).collect();
        if states.len() != m.states.len() {
            self.problem(format!("{at}/states"), "a state is listed twice");
        }
        if !states.contains(m.initial.as_str()) {
            self.problem(format!("{at}/initial"), format!("dangling reference: no state {:?}", m.initial));
        }
        for (j, s) in m.states.iter().enumerate() {
            if !is_snake(&s.id) {
                self.problem(format!("{at}/states/{j}/id"), "state ids are snake_case");
            }
            if let Some(crash) = &s.crash {
                if !states.contains(crash.as_str()) {
                    self.problem(format!("{at}/states/{j}/crash"), format!("dangling reference: no state {crash:?}"));
                }
            }
        }
        let reachable = reachable_states(m);
        for (j, s) in m.states.iter().enumerate() {
            if !reachable.contains(s.id.as_str()) {
                self.problem(
                    format!("{at}/states/{j}"),
                    format!("state {:?} is not reachable from {:?}", s.id, m.initial),
                );
            }
        }
        let card = m.card();
        if let Some(card) = card {
            if !CARD_ACTORS.contains(&card) || !c.actors.contains(card) {
                self.problem(at.to_string(), format!("reads {card:?}, which is no card of this flow"));
            }
        }
        if let Some(v) = &m.apdu_via {
            for (key, id, from) in [("send", &v.send, &m.actor), ("receive", &v.receive, &m.actor)] {
                match c.all_messages.get(id.as_str()) {
                    Some(msg) if key == "send" && msg.from != *from => {
                        self.problem(format!("{at}/apdu_via/{key}"), format!("{id} is not sent by {from}"))
                    }
                    Some(msg) if key == "receive" && msg.to != *from => {
                        self.problem(format!("{at}/apdu_via/{key}"), format!("{id} is not received by {from}"))
                    }
                    Some(msg) if !msg.fields.iter().any(|f| f.ty == if key == "send" { "capdu" } else { "rapdu" }) => {
                        self.problem(format!("{at}/apdu_via/{key}"), format!("{id} carries no APDU field"))
                    }
                    Some(_) => {}
                    None => {
                        self.problem(format!("{at}/apdu_via/{key}"), format!("dangling reference: no message {id:?}"))
                    }
                }
            }
            if !c.guards.contains(v.guard.as_str()) {
                self.problem(format!("{at}/apdu_via/guard"), format!("dangling reference: no guard {:?}", v.guard));
            }
        }
        let is_card = m.is_card();
        for (j, t) in m.transitions.iter().enumerate() {
            let at = format!("{at}/transitions/{j}");
            for (key, s) in [("from", &t.from), ("to", &t.to)] {
                if !states.contains(s.as_str()) {
                    self.problem(format!("{at}/{key}"), format!("dangling reference: no state {s:?}"));
                }
            }
            // The trigger.
            let on = t.on.as_str();
            let on_ok = if let Some(msg) = c.all_messages.get(on) {
                msg.to == m.actor
            } else if let Some(e) = c.events.get(on) {
                e.actor == m.actor
            } else if is_card {
                c.commands.contains(on)
            } else if card.is_some() {
                c.rules.contains(on) || on == ANY_ANSWER
            } else {
                false
            };
            if !on_ok {
                self.problem(
                    format!("{at}/on"),
                    format!(
                        "{on:?} is no message to {}, event of {}, or card command or answer it handles",
                        m.actor, m.actor
                    ),
                );
            }
            if let Some(g) = &t.guard {
                if !c.guards.contains(g.as_str()) {
                    self.problem(format!("{at}/guard"), format!("dangling reference: no guard {g:?}"));
                }
            }
            // What it emits.
            let mut sends_apdu = false;
            for (k, e) in t.emits.iter().enumerate() {
                let ok = if let Some(msg) = c.all_messages.get(e.as_str()) {
                    msg.from == m.actor
                } else if is_card {
                    c.rules.contains(e.as_str())
                } else if card.is_some() && c.commands.contains(e.as_str()) {
                    sends_apdu = true;
                    t.apdu.as_ref().is_some_and(|a| a.command == *e)
                } else {
                    m.reader_of.is_some() && e == FORWARD_CAPDU
                };
                if !ok {
                    self.problem(
                        format!("{at}/emits/{k}"),
                        format!(
                            "{e:?} is no message {} sends, nor a card command (with its apdu) or answer it may give",
                            m.actor
                        ),
                    );
                }
            }
            match &t.apdu {
                Some(a) if !sends_apdu => self.problem(
                    format!("{at}/apdu"),
                    format!("apdu {} given but the transition sends no such command", a.command),
                ),
                Some(a) if a.command == "jpki.select_df" && !c.apps.contains(a.arg.as_str()) => {
                    self.problem(format!("{at}/apdu/arg"), format!("dangling reference: no application {:?}", a.arg))
                }
                Some(a)
                    if a.command == "jpki.select_ef"
                        && (a.arg.len() != 4 || u16::from_str_radix(&a.arg, 16).is_err()) =>
                {
                    self.problem(format!("{at}/apdu/arg"), "SELECT EF takes a FID, four hex digits")
                }
                _ => {}
            }
            for (mid, fields) in &t.fields {
                let Some(msg) = c.all_messages.get(mid.as_str()).filter(|_| t.emits.contains(mid)) else {
                    self.problem(format!("{at}/fields"), format!("{mid:?} is not a message this transition emits"));
                    continue;
                };
                for (name, value) in fields {
                    match msg.fields.iter().find(|f| f.name == *name) {
                        Some(f) if f.ty == "enum" && !f.values.contains(value) => self.problem(
                            format!("{at}/fields/{mid}/{name}"),
                            format!("{value:?} is not one of {}", f.values.join(", ")),
                        ),
                        Some(_) => {}
                        None => {
                            self.problem(format!("{at}/fields/{mid}/{name}"), format!("{mid} has no field {name:?}"))
                        }
                    }
                }
            }
        }
        let _ = flow;
    }

    /// An example trace's lines must have the shape `hanko check` reads and name messages of
    /// the spec with their own ends and link; whether they conform is the model's to say
    /// (model/tests/scheme_examples.rs).
    fn trace(&mut self, at: &str, t: &TraceEntry, messages: &BTreeMap<&str, &MessageEntry>) {
        if t.conforms == t.deviation.is_some() {
            self.problem(
                format!("{at}/deviation"),
                "a trace that does not conform says where (deviation), and only such a trace",
            );
        }
        if let Some(dev) = &t.deviation {
            if dev.line == 0 || dev.line > t.lines.len() {
                self.problem(format!("{at}/deviation/line"), "the deviation's line is one of the trace's lines");
            }
        }
        for (i, line) in t.lines.iter().enumerate() {
            let at = format!("{at}/lines/{i}");
            let Some(obj) = line.as_object() else {
                self.problem(at, "a trace line is an object");
                continue;
            };
            let Some(id) = obj.get("msg").and_then(Value::as_str) else { continue };
            let Some(msg) = messages.get(id) else {
                self.problem(format!("{at}/msg"), format!("dangling reference: no message {id:?}"));
                continue;
            };
            for (key, want) in [("from", &msg.from), ("to", &msg.to), ("link", &msg.link)] {
                let got = obj.get(key).and_then(Value::as_str).unwrap_or("");
                if got != want && !(key == "from" && got == "attacker") {
                    self.problem(format!("{at}/{key}"), format!("{id} has {key} {want:?}, not {got:?}"));
                }
            }
            let fields = obj.get("fields").and_then(Value::as_object);
            for f in &msg.fields {
                if fields.and_then(|x| x.get(&f.name)).is_none() {
                    self.problem(format!("{at}/fields"), format!("{id} needs field {:?}", f.name));
                }
            }
            for name in fields.map(|x| x.keys().collect::<Vec<_>>()).unwrap_or_default() {
                if !msg.fields.iter().any(|f| f.name == *name) {
                    self.problem(format!("{at}/fields/{name}"), format!("{id} has no field {name:?}"));
                }
            }
        }
    }
}
