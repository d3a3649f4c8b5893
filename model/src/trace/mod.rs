//! Traces: the JSON Lines record of a session, one event a line, as the simulators write them
//! and `hanko check` reads them. The format is fixed by `spec/trace/trace.schema.json`; this
//! module is its one reader and writer.
//!
//! ```text
//! {"trace":"hanko/1","scheme":1}                                              optional header
//! {"seq":5,"link":"nfc","from":"phone","to":"card","capdu":"00A4020C020018"}   card level
//! {"seq":6,"link":"nfc","from":"card","to":"phone","rapdu":"9000"}
//! {"seq":7,"link":"nfc","from":"phone","to":"card","control":"power_on"}      also reset, power_off, get_atr
//! {"seq":8,"link":"https","from":"pc","to":"portal","msg":"s1.challenge_request","fields":{}}   flow level
//! {"seq":9,"event":"crash","actor":"phone"}
//! ```
//!
//! The parser is strict: a key it does not know, a value of the wrong type, a duplicate key,
//! anything after the object, a header that is not the first line or a `seq` that does not
//! increase is an error naming the line and the byte. Lines and traces are bounded by
//! [`Limits`]. Blank lines are skipped (and still counted, so line numbers match an editor's).

mod card;
pub mod import;
mod parse;
mod write;

pub use card::{check_card_level, CardCheck, CardSummary};
pub use parse::{parse_line, parse_trace, Lines};
pub use write::{hex_upper, write_line};

use serde_json::{Map, Value};
use std::fmt;

/// The version string of the header line.
pub const FORMAT: &str = "hanko/1";

macro_rules! names {
    ($(#[$doc:meta])* $ty:ident { $($(#[$vdoc:meta])* $variant:ident = $name:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $ty { $($(#[$vdoc])* $variant),* }

        impl $ty {
            /// Every value, in the order the schema lists them.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            /// The name written in traces.
            pub fn name(self) -> &'static str {
                match self { $($ty::$variant => $name),* }
            }

            /// The value written `name` in traces.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some($ty::$variant),)* _ => None }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

names! {
    /// Who sends or receives: the parties of the three schemes, and `host`, the PC/SC side of
    /// a card session recorded at the card (vpcd) or imported from a pcscd or OpenSC log.
    Actor {
        /// The My Number card (or the phone's secure element in its role).
        Card = "card",
        /// The PC application of scheme 1.
        Pc = "pc",
        /// The relay between the PC and the phone (scheme 1).
        Relay = "relay",
        Phone = "phone",
        /// The service: マイナポータル or any relying party.
        Portal = "portal",
        /// The phone's UICC holding the sub-certificate applet (scheme 3).
        Uicc = "uicc",
        /// The JPKI client app from the store (scheme 3).
        UiApp = "ui_app",
        TsmProxy = "tsm_proxy",
        MnoTsm = "mno_tsm",
        SpTsm = "sp_tsm",
        /// 地方公共団体情報システム機構.
        Jlis = "jlis",
        /// The reader side of a plain card session (PC/SC middleware through vpcd).
        Host = "host",
        /// The network attacker of the scheme models: a message it injects, or a C-APDU from
        /// its own reader at the card, as `hanko model check` writes counterexamples.
        Attacker = "attacker",
    }
}

names! {
    /// Which link a message travels on.
    Link {
        Nfc = "nfc",
        Pcsc = "pcsc",
        /// The 2-byte-length framing of vsmartcard-vpcd, as `hanko sim card --trace` records it.
        Vpcd = "vpcd",
        Relay = "relay",
        Https = "https",
        Omapi = "omapi",
        Ota = "ota",
        GpMsg = "gp_msg",
        Jlis = "jlis",
    }
}

impl Actor {
    /// Whether this actor is a card the card model answers for.
    pub fn is_card(self) -> bool {
        matches!(self, Actor::Card | Actor::Uicc)
    }
}

/// A power event from the reader (vpcd's control codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Control {
    PowerOn,
    PowerOff,
    Reset,
    GetAtr,
    /// A code vpcd does not define (`unknown_XX`); the card ignores it.
    Unknown(u8),
}

impl Control {
    /// The name written in traces.
    pub fn name(self) -> String {
        match self {
            Control::PowerOn => "power_on".into(),
            Control::PowerOff => "power_off".into(),
            Control::Reset => "reset".into(),
            Control::GetAtr => "get_atr".into(),
            Control::Unknown(b) => format!("unknown_{b:02X}"),
        }
    }

    /// The control written `name` in traces.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "power_on" => Control::PowerOn,
            "power_off" => Control::PowerOff,
            "reset" => Control::Reset,
            "get_atr" => Control::GetAtr,
            other => {
                let hex = other.strip_prefix("unknown_")?;
                if hex.len() != 2 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)) {
                    return None;
                }
                Control::Unknown(u8::from_str_radix(hex, 16).ok()?)
            }
        })
    }
}

/// What one line records.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// `{"trace":"hanko/1","scheme":N}`: the first line, if any. `"cards":"abstract"`
    /// (`abstract_cards`) says the cards' answers are the scheme model's stand-ins (a model
    /// counterexample), which only the flow check can judge, not the card model's bytes.
    Header {
        scheme: Option<u8>,
        abstract_cards: bool,
    },
    /// A command to a card.
    Capdu(Vec<u8>),
    /// A card's answer: data ‖ SW1 SW2.
    Rapdu(Vec<u8>),
    Control(Control),
    /// The answer to `get_atr`.
    Atr(Vec<u8>),
    /// A flow-level message: its id in `spec/flow/` and its fields (binary fields as
    /// upper-case hex strings).
    Message {
        id: String,
        fields: Map<String, Value>,
    },
    /// An actor lost its volatile state (a process killed, a phone rebooted).
    Crash {
        actor: Actor,
    },
    /// One of an actor's own events in `spec/flow/` (a user's action, a timer running out),
    /// which no message shows: `id` is the event's id, `value` which of its values (0 for the
    /// first). A trace need not record these; where it does, the flow check takes them as
    /// written instead of inferring them.
    Happened {
        actor: Actor,
        id: String,
        value: u8,
    },
}

/// One line of a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// 1-based line number in the trace text.
    pub line_no: usize,
    /// The writer's sequence number; every line but the header has one.
    pub seq: Option<u64>,
    /// Absent only on the header and crash lines.
    pub link: Option<Link>,
    pub from: Option<Actor>,
    pub to: Option<Actor>,
    /// Microseconds since the session started, when the writer recorded times.
    pub at_us: Option<u64>,
    pub event: Event,
}

impl Line {
    /// A card-level or message line.
    pub fn new(seq: u64, link: Link, from: Actor, to: Actor, event: Event) -> Self {
        Self { line_no: 0, seq: Some(seq), link: Some(link), from: Some(from), to: Some(to), at_us: None, event }
    }

    pub fn header(scheme: Option<u8>) -> Self {
        Self {
            line_no: 0,
            seq: None,
            link: None,
            from: None,
            to: None,
            at_us: None,
            event: Event::Header { scheme, abstract_cards: false },
        }
    }

    pub fn crash(seq: u64, actor: Actor) -> Self {
        Self::of_actor(seq, Event::Crash { actor })
    }

    /// An actor's own event (see [`Event::Happened`]).
    pub fn happened(seq: u64, actor: Actor, id: impl Into<String>, value: u8) -> Self {
        Self::of_actor(seq, Event::Happened { actor, id: id.into(), value })
    }

    /// A line about one actor, on no link.
    fn of_actor(seq: u64, event: Event) -> Self {
        Self { line_no: 0, seq: Some(seq), link: None, from: None, to: None, at_us: None, event }
    }

    /// The card this line is about at card level: the receiver of a command or a power
    /// event, the sender of an answer or an ATR. `None` for flow-level lines and for
    /// card-level lines between parties that are not cards (an APDU inside a relay hop).
    pub fn card(&self) -> Option<Actor> {
        let card = match self.event {
            Event::Capdu(_) | Event::Control(_) => self.to?,
            Event::Rapdu(_) | Event::Atr(_) => self.from?,
            _ => return None,
        };
        card.is_card().then_some(card)
    }
}

/// How much a trace may hold. Every input costs time and memory in proportion to its size and
/// no more; these bound the size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest line in bytes: an extended C-APDU (65 535 data bytes, 131 070 hex digits) or
    /// R-APDU fits with room to spare.
    pub max_line_bytes: usize,
    /// Most lines in one trace (blank lines included).
    pub max_lines: usize,
    /// Deepest nesting of objects and arrays inside `fields`.
    pub max_depth: usize,
    /// Most keys and array elements inside one `fields` value, all levels together.
    pub max_fields: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_line_bytes: 256 * 1024, max_lines: 4_000_000, max_depth: 8, max_fields: 1024 }
    }
}

/// Why a line is not a trace line. Every variant is a property of the input, never of the
/// reader's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The line holds bytes that are not UTF-8.
    NotUtf8,
    /// The line is longer than [`Limits::max_line_bytes`].
    LineTooLong { limit: usize },
    /// The trace has more lines than [`Limits::max_lines`].
    TooManyLines { limit: usize },
    /// JSON syntax: what was expected at this byte.
    Syntax(&'static str),
    /// A key the format does not have (for this kind of line).
    UnknownKey(String),
    /// The same key twice in one object.
    DuplicateKey(String),
    /// A key this kind of line needs.
    MissingKey(&'static str),
    /// A value of the wrong JSON type or out of range.
    WrongType { key: &'static str, expected: &'static str },
    /// An actor, link, control or event name the format does not define.
    UnknownName { key: &'static str, name: String },
    /// Hex with an odd number of digits or a non-hex character.
    BadHex { key: &'static str },
    /// Two payload keys (`capdu`, `rapdu`, `control`, `atr`, `msg`) on one line.
    TwoPayloads(&'static str, &'static str),
    /// The header is only allowed as the first line.
    MisplacedHeader,
    /// `seq` must increase from line to line.
    SeqNotIncreasing { previous: u64 },
    /// `fields` nests deeper than [`Limits::max_depth`].
    TooDeep { limit: usize },
    /// `fields` holds more than [`Limits::max_fields`] values.
    TooManyFields { limit: usize },
}

/// A line that does not parse: which line, at which byte (1-based, as editors count), why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub kind: ParseErrorKind,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, byte {}: ", self.line, self.column)?;
        match &self.kind {
            ParseErrorKind::NotUtf8 => f.write_str("not UTF-8"),
            ParseErrorKind::LineTooLong { limit } => write!(f, "line longer than {limit} bytes"),
            ParseErrorKind::TooManyLines { limit } => write!(f, "more than {limit} lines"),
            ParseErrorKind::Syntax(what) => write!(f, "expected {what}"),
            ParseErrorKind::UnknownKey(k) => write!(f, "unknown key {k:?}"),
            ParseErrorKind::DuplicateKey(k) => write!(f, "duplicate key {k:?}"),
            ParseErrorKind::MissingKey(k) => write!(f, "missing key {k:?}"),
            ParseErrorKind::WrongType { key, expected } => write!(f, "{key} must be {expected}"),
            ParseErrorKind::UnknownName { key, name } => write!(f, "unknown {key} {name:?}"),
            ParseErrorKind::BadHex { key } => write!(f, "{key} is not an even number of hex digits"),
            ParseErrorKind::TwoPayloads(a, b) => write!(f, "{a} and {b} on one line"),
            ParseErrorKind::MisplacedHeader => f.write_str("the header must be the first line"),
            ParseErrorKind::SeqNotIncreasing { previous } => {
                write!(f, "seq must be above the previous line's {previous}")
            }
            ParseErrorKind::TooDeep { limit } => write!(f, "fields nest deeper than {limit}"),
            ParseErrorKind::TooManyFields { limit } => write!(f, "fields hold more than {limit} values"),
        }
    }
}

impl std::error::Error for ParseError {}

/// Where a session departs from the model: the line, what the model expected, what was seen,
/// and the spec rule that says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// 1-based line of the trace.
    pub line: usize,
    pub expected: String,
    pub seen: String,
    /// The rule the model applied (its spec id), if it got that far.
    pub rule: Option<&'static str>,
    /// JSON pointer of that rule (or of the codec rule a payload broke) in the spec.
    pub spec: Option<&'static str>,
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: expected {}, seen {}", self.line, self.expected, self.seen)?;
        match (self.rule, self.spec) {
            (Some(rule), Some(spec)) => write!(f, " (rule {rule}, {spec})"),
            (Some(rule), None) => write!(f, " (rule {rule})"),
            (None, Some(spec)) => write!(f, " ({spec})"),
            (None, None) => Ok(()),
        }
    }
}
