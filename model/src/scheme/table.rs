//! The shapes of the flow tables that `cargo xtask codegen` writes into
//! `src/generated/flows.rs` from `spec/flow/scheme*.json` and `lifecycle.json`. Indices refer
//! to the same flow's lists; every entry keeps its spec id and JSON pointer so that verdicts,
//! counterexamples and deviations can name the rule behind them.

/// How a message field is written in a trace (`spec/README.md`, Flows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// Opaque identifier text.
    Id,
    /// Random bytes, hex.
    Nonce,
    /// Decimal digits as text.
    Digits,
    /// A JSON number.
    Uint,
    /// One of the field's values.
    Enum,
    /// A DER certificate, hex.
    Cert,
    /// A signature, hex.
    Signature,
    Capdu,
    Rapdu,
    /// Other bytes, hex.
    Hex,
    /// An application identifier, hex.
    Aid,
    /// A key wrapped under another key, hex.
    WrappedKey,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
    /// Bytes or digits it must have; 0 for any.
    pub length: u16,
    /// The values of an enum field.
    pub values: &'static [&'static str],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: &'static str,
    pub name: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub link: &'static str,
    pub fields: &'static [Field],
    pub confidence: &'static str,
    /// JSON pointer of the entry.
    pub spec: &'static str,
}

impl Message {
    /// The position of field `name`.
    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// Something an actor does on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: &'static str,
    pub name: &'static str,
    pub actor: &'static str,
    /// The choices it carries (empty: one, without a value).
    pub values: &'static [&'static str],
    pub spec: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guard {
    pub id: &'static str,
    pub name: &'static str,
    pub meaning: &'static str,
    pub spec: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    pub id: &'static str,
    pub name: &'static str,
    /// Index of the state a crash leaves the machine in.
    pub crash: u8,
}

/// What makes a transition fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// A message of this flow (index) arriving.
    Message(u16),
    /// An event of this flow (index).
    Event(u16),
    /// A C-APDU with this command id arriving at a card.
    Command(&'static str),
    /// A card's answer given under this card rule id.
    Answer(&'static str),
    /// Any answer no earlier transition took.
    AnyAnswer,
}

/// What a transition sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emit {
    Message(u16),
    /// A C-APDU with this command id (its argument is the transition's `apdu`).
    Command(&'static str),
    /// A card's answer under this card rule id.
    Answer(&'static str),
    /// The C-APDU carried by the message received.
    ForwardCapdu,
}

/// The C-APDU a reader's transition sends: command id and argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Apdu {
    pub command: &'static str,
    pub arg: &'static str,
}

/// A constant field of an emitted message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    pub message: u16,
    pub field: &'static str,
    pub value: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: u8,
    pub on: Trigger,
    pub guard: Option<u16>,
    pub to: u8,
    pub emits: &'static [Emit],
    pub apdu: Option<Apdu>,
    pub fields: &'static [Preset],
    /// JSON pointer of the transition.
    pub spec: &'static str,
}

/// A reader whose card commands travel inside messages (scheme 1's PC through the relay).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApduVia {
    pub card: &'static str,
    pub send: u16,
    pub receive: u16,
    pub guard: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Machine {
    pub id: &'static str,
    pub name: &'static str,
    pub actor: &'static str,
    pub initial: u8,
    pub states: &'static [State],
    pub transitions: &'static [Transition],
    /// The card this actor reads directly.
    pub reader_of: Option<&'static str>,
    pub apdu_via: Option<ApduVia>,
    pub spec: &'static str,
}

impl Machine {
    /// The card this machine sends C-APDUs to, directly or through messages.
    pub fn card(&self) -> Option<&'static str> {
        self.reader_of.or(self.apdu_via.map(|v| v.card))
    }

    /// Index of the state called `id`.
    pub fn state(&self, id: &str) -> Option<u8> {
        self.states.iter().position(|s| s.id == id).map(|i| i as u8)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Holds in every reachable state.
    Safety,
    /// Holds in some reachable state.
    Reachability,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Property {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: Kind,
    pub statement: &'static str,
    /// `lossy`, `crashes`: what the run needs beyond an ordered network without crashes.
    pub needs: &'static [&'static str],
    pub spec: &'static str,
}

/// One flow file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flow {
    pub id: &'static str,
    pub name: &'static str,
    pub scheme: u8,
    pub prefix: &'static str,
    /// The spec file, `spec/flow/scheme1.json`.
    pub file: &'static str,
    pub actors: &'static [&'static str],
    pub messages: &'static [Message],
    pub events: &'static [Event],
    pub guards: &'static [Guard],
    pub machines: &'static [Machine],
    pub properties: &'static [Property],
}

impl Flow {
    pub fn message(&self, id: &str) -> Option<usize> {
        self.messages.iter().position(|m| m.id == id)
    }
}
