//! Composing flows into one system: the generated tables of one or more flow files (scheme 3
//! use runs beside the life cycle) compiled into the form the engine runs — messages, events
//! and transitions numbered across the whole system, guards and message kinds resolved to the
//! hand-written logic that implements them. A guard or message the logic does not know is an
//! error here, so a spec change the code has not caught up with cannot pass silently.

use super::logic::{EvKind, GuardKind, MsgKind};
use super::mutation::Mutation;
use super::table::{Emit, Event, Flow, Kind, Machine, Message, Property, Trigger};
use super::value::{actor_index, Cmd, Ef};
use crate::generated::rules::RULES;

/// The C-APDU a reader's transition builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApduArg {
    SelectDf {
        jpki: bool,
    },
    SelectEf(Ef),
    /// VERIFY with the PIN the user typed (the event's value).
    Verify,
    Read,
    /// Signature over the reader's current challenge.
    Sign,
}

/// What a card transition is triggered by: the kind of C-APDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmdKind {
    SelectDf,
    SelectEf,
    Verify,
    VerifyQuery,
    Read,
    Sign,
}

impl CmdKind {
    fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "jpki.select_df" => CmdKind::SelectDf,
            "jpki.select_ef" => CmdKind::SelectEf,
            "jpki.verify" => CmdKind::Verify,
            "jpki.verify_query" => CmdKind::VerifyQuery,
            "jpki.read_binary" => CmdKind::Read,
            "jpki.compute_signature" => CmdKind::Sign,
            _ => return None,
        })
    }

    pub fn matches(self, c: Cmd) -> bool {
        matches!(
            (self, c),
            (CmdKind::SelectDf, Cmd::SelectDf { .. })
                | (CmdKind::SelectEf, Cmd::SelectEf(_))
                | (CmdKind::Verify, Cmd::Verify { .. })
                | (CmdKind::VerifyQuery, Cmd::VerifyQuery)
                | (CmdKind::Read, Cmd::Read)
                | (CmdKind::Sign, Cmd::Sign { .. })
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum On {
    /// A message, by global index.
    Msg(u16),
    /// An event, by global index.
    Event(u16),
    Cmd(CmdKind),
    /// A card answer under this rule (index in `RULES`).
    Answer(u8),
    AnyAnswer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Out {
    Msg(u16),
    Cmd(ApduArg),
    /// The card's answer under this rule.
    Answer(u8),
    Forward,
}

/// A compiled transition.
#[derive(Clone, Debug)]
pub struct Tr {
    pub from: u8,
    pub on: On,
    /// The guard's implementation and its global index (for names).
    pub guard: Option<(GuardKind, u16)>,
    pub to: u8,
    pub emits: Vec<Out>,
    /// Constant fields: (global message, field index, enum value index).
    pub presets: Vec<(u16, usize, u8)>,
    pub spec: &'static str,
}

/// A compiled machine.
#[derive(Clone, Debug)]
pub struct Mach {
    pub flow: usize,
    pub table: &'static Machine,
    pub actor: u8,
    pub transitions: Vec<Tr>,
    /// (send message, receive message, guard) when the reader's APDUs travel in messages.
    pub via: Option<(u16, u16, (GuardKind, u16))>,
    /// Whether this machine answers C-APDUs.
    pub is_card: bool,
    /// Whether this machine sends C-APDUs (directly or via messages).
    pub is_reader: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct MsgInfo {
    pub flow: usize,
    pub table: &'static Message,
    pub kind: MsgKind,
    pub from: u8,
    pub to: u8,
}

#[derive(Clone, Copy, Debug)]
pub struct EvInfo {
    pub flow: usize,
    pub table: &'static Event,
    pub kind: EvKind,
    pub actor: u8,
}

#[derive(Clone, Copy, Debug)]
pub struct GuardInfo {
    pub id: &'static str,
    pub spec: &'static str,
}

/// Flows composed into one system.
#[derive(Clone, Debug)]
pub struct Composition {
    pub flows: Vec<&'static Flow>,
    pub machines: Vec<Mach>,
    pub messages: Vec<MsgInfo>,
    pub events: Vec<EvInfo>,
    pub guards: Vec<GuardInfo>,
    pub properties: Vec<&'static Property>,
    /// The actor that answers C-APDUs, if any.
    pub card: Option<u8>,
    /// Actors present, by index.
    pub actors: Vec<u8>,
}

/// Index of rule `id` in `RULES`.
pub fn rule_index(id: &str) -> Option<u8> {
    RULES.iter().position(|r| r.id == id).map(|i| i as u8)
}

fn apdu_arg(command: &str, arg: &str) -> Result<ApduArg, String> {
    Ok(match (command, arg) {
        ("jpki.select_df", "ap.jpki") => ApduArg::SelectDf { jpki: true },
        ("jpki.select_df", _) => ApduArg::SelectDf { jpki: false },
        ("jpki.select_ef", fid) => {
            ApduArg::SelectEf(Ef::from_fid(u16::from_str_radix(fid, 16).map_err(|_| format!("bad FID {fid}"))?))
        }
        ("jpki.verify", "pin") => ApduArg::Verify,
        ("jpki.read_binary", _) => ApduArg::Read,
        ("jpki.compute_signature", "challenge") => ApduArg::Sign,
        _ => return Err(format!("no APDU {command} {arg}")),
    })
}

impl Composition {
    /// Compiles `flows` (with `mutation` applied: test-only broken variants).
    pub fn new(flows: &[&'static Flow], mutation: Option<Mutation>) -> Result<Self, String> {
        let mut c = Composition {
            flows: flows.to_vec(),
            machines: Vec::new(),
            messages: Vec::new(),
            events: Vec::new(),
            guards: Vec::new(),
            properties: Vec::new(),
            card: None,
            actors: Vec::new(),
        };
        let mut msg_base = Vec::new();
        let mut ev_base = Vec::new();
        let mut guard_base = Vec::new();
        for (fi, f) in flows.iter().enumerate() {
            msg_base.push(c.messages.len() as u16);
            ev_base.push(c.events.len() as u16);
            guard_base.push(c.guards.len() as u16);
            for m in f.messages {
                let kind = MsgKind::from_id(f.prefix, m.id)
                    .ok_or_else(|| format!("{}: no logic for message {}", m.spec, m.id))?;
                let from = actor_index(m.from).ok_or_else(|| format!("{}: actor {}", m.spec, m.from))?;
                let to = actor_index(m.to).ok_or_else(|| format!("{}: actor {}", m.spec, m.to))?;
                c.messages.push(MsgInfo { flow: fi, table: m, kind, from, to });
            }
            for e in f.events {
                let kind = EvKind::from_id(f.prefix, e.id)
                    .ok_or_else(|| format!("{}: no logic for event {}", e.spec, e.id))?;
                let actor = actor_index(e.actor).ok_or_else(|| format!("{}: actor {}", e.spec, e.actor))?;
                c.events.push(EvInfo { flow: fi, table: e, kind, actor });
            }
            for g in f.guards {
                c.guards.push(GuardInfo { id: g.id, spec: g.spec });
            }
            for a in f.actors {
                let i = actor_index(a).ok_or_else(|| format!("{}: actor {a}", f.file))?;
                if !c.actors.contains(&i) {
                    c.actors.push(i);
                }
            }
            c.properties.extend(f.properties.iter());
        }
        for (fi, f) in flows.iter().enumerate() {
            let guard = |i: u16| -> Result<(GuardKind, u16), String> {
                let g = f.guards.get(usize::from(i)).ok_or("guard index")?;
                let kind = GuardKind::from_id(f.prefix, g.id)
                    .ok_or_else(|| format!("{}: no logic for guard {}", g.spec, g.id))?;
                Ok((kind, guard_base[fi] + i))
            };
            for m in f.machines {
                let actor = actor_index(m.actor).ok_or_else(|| format!("{}: actor {}", m.spec, m.actor))?;
                let is_card = m.card().is_none()
                    && matches!(m.actor, "card" | "uicc")
                    && m.transitions.iter().any(|t| matches!(t.on, Trigger::Command(_)));
                if is_card {
                    c.card = Some(actor);
                }
                let mut transitions = Vec::new();
                for t in m.transitions {
                    let on = match t.on {
                        Trigger::Message(i) => On::Msg(msg_base[fi] + i),
                        Trigger::Event(i) => On::Event(ev_base[fi] + i),
                        Trigger::Command(id) => {
                            On::Cmd(CmdKind::from_id(id).ok_or_else(|| format!("{}: command {id}", t.spec))?)
                        }
                        Trigger::Answer(id) => {
                            On::Answer(rule_index(id).ok_or_else(|| format!("{}: rule {id}", t.spec))?)
                        }
                        Trigger::AnyAnswer => On::AnyAnswer,
                    };
                    let mut emits = Vec::new();
                    for e in t.emits {
                        emits.push(match *e {
                            Emit::Message(i) => Out::Msg(msg_base[fi] + i),
                            Emit::Command(_) => {
                                let a = t.apdu.ok_or_else(|| format!("{}: command without apdu", t.spec))?;
                                Out::Cmd(apdu_arg(a.command, a.arg)?)
                            }
                            Emit::Answer(id) => {
                                Out::Answer(rule_index(id).ok_or_else(|| format!("{}: rule {id}", t.spec))?)
                            }
                            Emit::ForwardCapdu => Out::Forward,
                        });
                    }
                    let mut presets = Vec::new();
                    for p in t.fields {
                        let msg = f.messages.get(usize::from(p.message)).ok_or("preset message")?;
                        let field = msg.field(p.field).ok_or_else(|| format!("{}: field {}", t.spec, p.field))?;
                        let value = msg.fields[field]
                            .values
                            .iter()
                            .position(|v| *v == p.value)
                            .ok_or_else(|| format!("{}: value {}", t.spec, p.value))?;
                        presets.push((msg_base[fi] + p.message, field, value as u8));
                    }
                    transitions.push(Tr {
                        from: t.from,
                        on,
                        guard: t.guard.map(guard).transpose()?,
                        to: t.to,
                        emits,
                        presets,
                        spec: t.spec,
                    });
                }
                let via = match m.apdu_via {
                    Some(v) => Some((msg_base[fi] + v.send, msg_base[fi] + v.receive, guard(v.guard)?)),
                    None => None,
                };
                c.machines.push(Mach {
                    flow: fi,
                    table: m,
                    actor,
                    transitions,
                    via,
                    is_card,
                    is_reader: m.card().is_some(),
                });
            }
        }
        if c.machines.len() > super::world::MAX_MACHINES {
            return Err(format!(
                "{} machines; the model holds at most {}",
                c.machines.len(),
                super::world::MAX_MACHINES
            ));
        }
        if let Some(m) = mutation {
            m.apply(&mut c)?;
        }
        Ok(c)
    }

    /// The global index of message `id`.
    pub fn message(&self, id: &str) -> Option<u16> {
        self.messages.iter().position(|m| m.table.id == id).map(|i| i as u16)
    }

    /// The global index of the first message of kind `kind`.
    pub fn message_of(&self, kind: MsgKind) -> Option<u16> {
        self.messages.iter().position(|m| m.kind == kind).map(|i| i as u16)
    }

    /// The machine of `actor` defined in the flow with `prefix`, by its table id suffix.
    pub fn machine(&self, id: &str) -> Option<usize> {
        self.machines.iter().position(|m| m.table.id == id)
    }

    /// The machine that answers C-APDUs.
    pub fn card_machine(&self) -> Option<usize> {
        self.machines.iter().position(|m| m.is_card)
    }

    /// The properties of one kind.
    pub fn properties_of(&self, kind: Kind) -> impl Iterator<Item = &'static Property> + '_ {
        self.properties.iter().copied().filter(move |p| p.kind == kind)
    }
}
