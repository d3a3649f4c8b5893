//! The abstract values messages carry in the model: identifiers, challenges, codes,
//! certificates, signatures, keys and APDUs reduced to small numbers whose meaning the model
//! knows (which key signed what, which holder a certificate names, whether a key is wrapped).
//! Traces carry bytes; the conformance checker maps bytes to these values as it reads them.

/// Who sends: the actors of the schemes in `spec/flow` order, and the network attacker.
pub const ACTORS: &[&str] =
    &["card", "pc", "relay", "phone", "portal", "uicc", "ui_app", "tsm_proxy", "mno_tsm", "sp_tsm", "jlis", "attacker"];

/// Indices in [`ACTORS`].
pub mod who {
    pub const CARD: u8 = 0;
    pub const PC: u8 = 1;
    pub const RELAY: u8 = 2;
    pub const PHONE: u8 = 3;
    pub const PORTAL: u8 = 4;
    pub const UICC: u8 = 5;
    pub const UI_APP: u8 = 6;
    pub const TSM_PROXY: u8 = 7;
    pub const MNO_TSM: u8 = 8;
    pub const SP_TSM: u8 = 9;
    pub const JLIS: u8 = 10;
}

/// Index of the network attacker in [`ACTORS`].
pub const ATTACKER: u8 = 11;

/// Index of actor `name` in [`ACTORS`].
pub fn actor_index(name: &str) -> Option<u8> {
    ACTORS.iter().position(|a| *a == name).map(|i| i as u8)
}

/// The name of actor `i`.
pub fn actor_name(i: u8) -> &'static str {
    ACTORS.get(usize::from(i)).copied().unwrap_or("?")
}

/// Certificates the model knows. Every holder has one key; the number is both.
pub mod cert {
    /// A certificate nobody in the model vouches for (unknown bytes in a trace).
    pub const UNKNOWN: u8 = 0;
    /// The user's main authentication certificate (on the card).
    pub const CARD: u8 = 1;
    /// Another person's valid card: the attacker's own.
    pub const OTHER: u8 = 2;
    /// A certificate on the CA's revocation list.
    pub const REVOKED: u8 = 3;
    /// A self-made certificate that chains to nothing.
    pub const SELF_SIGNED: u8 = 4;
    /// The user's sub certificate on the UICC (scheme 3 use).
    pub const SUB: u8 = 5;
    /// The first sub certificate J-LIS generates during issuance; each key pair it generates
    /// gets the next number (certificate and key alike).
    pub const SUB_NEW: u8 = 20;

    /// (holder, key, chains to a trusted CA, on the CA's revocation list).
    pub fn facts(c: u8) -> (u8, u8, bool, bool) {
        match c {
            CARD => (1, 1, true, false),
            OTHER => (2, 2, true, false),
            REVOKED => (3, 3, true, true),
            SELF_SIGNED => (4, 4, false, false),
            SUB => (1, 5, true, false),
            c if c >= SUB_NEW => (1, c, true, false),
            _ => (0, 0, false, false),
        }
    }

    /// The key of a certificate.
    pub fn key(c: u8) -> u8 {
        facts(c).1
    }

    /// The holder a certificate names.
    pub fn holder(c: u8) -> u8 {
        facts(c).0
    }
}

/// How a key is wrapped.
pub mod wrap {
    /// In clear: must never happen.
    pub const CLEAR: u8 = 0;
    /// Under the SP-TSM's transport key (J-LIS to SP-TSM).
    pub const SP_TSM: u8 = 1;
    /// Under the applet's SSD data-encryption key (SP-TSM to UICC).
    pub const SSD: u8 = 2;
}

/// Who protected a TSM script.
pub mod author {
    /// The MNO-TSM, with the UICC's ISD keys.
    pub const MNO: u8 = 1;
    /// The SP-TSM, with the applet's SSD keys.
    pub const SSD: u8 = 2;
    /// The network attacker, with no card keys.
    pub const ATTACKER: u8 = 3;
}

/// A challenge no session of this run issued: the attacker holds a signature over it.
pub const STALE_NONCE: u8 = 0;
/// A code (pairing code, access code) nobody issued.
pub const WRONG_CODE: u8 = 200;
/// The PIN values a user may type.
pub const PIN_RIGHT: u8 = 1;
pub const PIN_WRONG: u8 = 2;
/// A PIN whose rightness the trace has not shown yet.
pub const PIN_UNKNOWN: u8 = 0;

/// The EF a SELECT names, as far as the flows care.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ef {
    #[default]
    None,
    /// 0018, the authentication PIN.
    Pin,
    /// 0017, the authentication private key.
    Key,
    /// 000A, the authentication certificate.
    Cert,
    /// Any other file of the JPKI AP (token label, CA certificate, …).
    Other,
    /// A FID the JPKI AP does not have.
    Missing,
}

impl Ef {
    pub fn from_fid(fid: u16) -> Self {
        match fid {
            0x0018 => Ef::Pin,
            0x0017 => Ef::Key,
            0x000A => Ef::Cert,
            0x0001 | 0x0002 | 0x0006 | 0x0008 | 0x000B | 0x001A | 0x001B => Ef::Other,
            _ => Ef::Missing,
        }
    }

    pub fn fid(self) -> u16 {
        match self {
            Ef::Pin => 0x0018,
            Ef::Key => 0x0017,
            Ef::Cert => 0x000A,
            Ef::Other => 0x0006,
            Ef::None | Ef::Missing => 0x3F01,
        }
    }
}

/// A C-APDU, reduced to what the flows distinguish.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cmd {
    /// SELECT by DF name; `jpki` when it names the JPKI AP.
    SelectDf {
        jpki: bool,
    },
    SelectEf(Ef),
    /// VERIFY with a PIN value ([`PIN_RIGHT`], [`PIN_WRONG`], or an interned value).
    Verify {
        pin: u8,
    },
    /// VERIFY without data: the tries left.
    VerifyQuery,
    /// READ BINARY (any offset).
    Read,
    /// COMPUTE DIGITAL SIGNATURE over a SHA-256 DigestInfo whose digest is challenge `over`.
    Sign {
        over: u8,
    },
    /// A command the flows do not use.
    Other,
}

impl Cmd {
    /// The spec id of the command.
    pub fn command_id(self) -> &'static str {
        match self {
            Cmd::SelectDf { .. } => "jpki.select_df",
            Cmd::SelectEf(_) => "jpki.select_ef",
            Cmd::Verify { .. } => "jpki.verify",
            Cmd::VerifyQuery => "jpki.verify_query",
            Cmd::Read => "jpki.read_binary",
            Cmd::Sign { .. } => "jpki.compute_signature",
            Cmd::Other => "other",
        }
    }
}

/// What a card's answer carries besides its status word.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Data {
    #[default]
    None,
    /// The whole certificate `c` has been read.
    Cert(u8),
    /// Part of a certificate; more to read.
    CertPart,
    /// A signature by `key` over challenge `over`.
    Sig { key: u8, over: u8 },
    /// Private key material: a card must never answer this.
    Leak { key: u8 },
}

/// A card's answer: the index of its rule in `generated::rules::RULES`, the x digits of a
/// patterned status word (tries left), and the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ans {
    pub rule: u8,
    pub param: u8,
    pub data: Data,
}

/// A field's value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Val {
    #[default]
    None,
    /// A session, pairing, channel, application or ICCID identifier.
    Id(u8),
    /// A challenge.
    Nonce(u8),
    /// A pairing or access code.
    Code(u8),
    /// A number (sequence numbers, lifetimes).
    Num(u8),
    /// An enum field's value, by index.
    Enum(u8),
    Cert(u8),
    Sig {
        key: u8,
        over: u8,
    },
    /// Key `key` wrapped as [`wrap`] says.
    Key {
        key: u8,
        wrap: u8,
    },
    Cmd(Cmd),
    Ans(Ans),
    Aid(u8),
    /// A TSM script protected by [`author`].
    Script {
        author: u8,
    },
}
