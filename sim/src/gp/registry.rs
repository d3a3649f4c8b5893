//! The GlobalPlatform registry (GPC 2.3.1 ch. 5 and 9): what the card holds — executable load
//! files with their modules, application instances and security domains — each with its life
//! cycle state, privileges and associated security domain, in the order it was created (GET
//! STATUS lists them in that order).

use std::fmt;

/// An application identifier, 5 to 16 bytes (ISO/IEC 7816-5).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Aid(Vec<u8>);

impl Aid {
    /// `bytes` if it is a valid AID length.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        (5..=16).contains(&bytes.len()).then(|| Self(bytes.to_vec()))
    }

    /// An AID from hex text known to be valid (the simulator's constants).
    pub fn hex(text: &str) -> Self {
        let bytes: Vec<u8> = (0..text.len())
            .step_by(2)
            .filter_map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect();
        debug_assert!((5..=16).contains(&bytes.len()), "AID constant {text} has a wrong length");
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Maps keyed by AID can be looked up with the bytes.
impl std::borrow::Borrow<[u8]> for Aid {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Aid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hanko_model::trace::hex_upper(&self.0))
    }
}

impl fmt::Display for Aid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hanko_model::trace::hex_upper(&self.0))
    }
}

/// Life cycle states (GPC 2.3.1 §5.1, REFERENCE §8). Card states apply to the ISD's entry.
pub mod life_cycle {
    pub const CARD_OP_READY: u8 = 0x01;
    pub const CARD_INITIALIZED: u8 = 0x07;
    pub const CARD_SECURED: u8 = 0x0F;
    pub const CARD_LOCKED: u8 = 0x7F;
    pub const CARD_TERMINATED: u8 = 0xFF;
    /// Executable load file.
    pub const LOADED: u8 = 0x01;
    pub const INSTALLED: u8 = 0x03;
    pub const SELECTABLE: u8 = 0x07;
    /// Security domain PERSONALIZED; for an application, the application-specific state the
    /// JPKI applet enters once its key and certificates are stored (hanko: `0F`).
    pub const PERSONALIZED: u8 = 0x0F;
    /// The bit that LOCKED adds to an application's or security domain's state.
    pub const LOCKED_BIT: u8 = 0x80;
}

/// Privilege bits (GPC 2.3.1 §6.6.1, Table 6-1), three bytes as GET STATUS `C5` shows them.
pub mod privilege {
    /// Byte 1.
    pub const SECURITY_DOMAIN: u8 = 0x80;
    pub const DAP_VERIFICATION: u8 = 0x40;
    pub const DELEGATED_MANAGEMENT: u8 = 0x20;
    pub const CARD_LOCK: u8 = 0x10;
    pub const CARD_TERMINATE: u8 = 0x08;
    pub const CARD_RESET: u8 = 0x04;
    pub const CVM_MANAGEMENT: u8 = 0x02;
    pub const MANDATED_DAP: u8 = 0x01;
    /// Byte 2.
    pub const TRUSTED_PATH: u8 = 0x80;
    pub const AUTHORIZED_MANAGEMENT: u8 = 0x40;
    pub const TOKEN_VERIFICATION: u8 = 0x20;
    pub const GLOBAL_DELETE: u8 = 0x10;
    pub const GLOBAL_LOCK: u8 = 0x08;
    pub const GLOBAL_REGISTRY: u8 = 0x04;
    pub const FINAL_APPLICATION: u8 = 0x02;
    pub const GLOBAL_SERVICE: u8 = 0x01;
}

/// The three privilege bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Privileges(pub [u8; 3]);

impl Privileges {
    /// The ISD's: security domain, card lock, terminate, CVM management; trusted path,
    /// authorized management, global delete, lock and registry.
    pub const ISD: Self = Self([
        privilege::SECURITY_DOMAIN | privilege::CARD_LOCK | privilege::CARD_TERMINATE | privilege::CVM_MANAGEMENT,
        privilege::TRUSTED_PATH
            | privilege::AUTHORIZED_MANAGEMENT
            | privilege::GLOBAL_DELETE
            | privilege::GLOBAL_LOCK
            | privilege::GLOBAL_REGISTRY,
        0,
    ]);

    /// From INSTALL's privileges field: one byte (GP 2.1) or three.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [a] => Some(Self([*a, 0, 0])),
            [a, b, c] => Some(Self([*a, *b, *c])),
            _ => None,
        }
    }

    pub fn is_security_domain(self) -> bool {
        self.0[0] & privilege::SECURITY_DOMAIN != 0
    }

    pub fn has_authorized_management(self) -> bool {
        self.0[1] & privilege::AUTHORIZED_MANAGEMENT != 0
    }
}

/// What a module's code does once instantiated: the simulator runs no bytecode, so a load
/// file names, per module, which of the simulator's behaviours it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// The JPKI applet (the card's JPKI AP, UICC profile).
    JpkiApplet,
    /// A supplementary security domain.
    SecurityDomain,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    pub aid: Aid,
    pub code: Code,
}

/// What an entry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The issuer security domain; its life cycle is the card's.
    Isd,
    /// An executable load file and its modules.
    LoadFile { modules: Vec<Module>, size: usize },
    /// An instance of `module` from `load_file` (an application, or a supplementary security
    /// domain when its privileges say so).
    Instance { load_file: Aid, module: Aid, code: Code },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub aid: Aid,
    pub kind: Kind,
    pub life_cycle: u8,
    pub privileges: Privileges,
    /// The security domain the entry is associated with (the ISD's own entry names itself).
    pub associated_sd: Aid,
    /// Non-volatile memory reserved for an instance (install parameter `C8`), or the size of
    /// a load file.
    pub quota: usize,
}

impl Entry {
    pub fn is_security_domain(&self) -> bool {
        matches!(self.kind, Kind::Isd)
            || (matches!(self.kind, Kind::Instance { .. }) && self.privileges.is_security_domain())
    }

    pub fn is_instance(&self) -> bool {
        matches!(self.kind, Kind::Instance { .. })
    }

    pub fn is_load_file(&self) -> bool {
        matches!(self.kind, Kind::LoadFile { .. })
    }

    pub fn is_locked(&self) -> bool {
        !matches!(self.kind, Kind::Isd) && self.life_cycle & life_cycle::LOCKED_BIT != 0
    }

    /// Whether SELECT may reach it: an instance that reached SELECTABLE and is not locked.
    pub fn is_selectable(&self) -> bool {
        match self.kind {
            Kind::Isd => true,
            Kind::Instance { .. } => {
                !self.is_locked() && self.life_cycle & life_cycle::SELECTABLE == life_cycle::SELECTABLE
            }
            Kind::LoadFile { .. } => false,
        }
    }
}

/// The registry: entries in creation order, AIDs unique across all of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    /// A registry holding only the ISD, in card life cycle `card_state`.
    pub fn new(isd: Aid, card_state: u8) -> Self {
        let entry = Entry {
            aid: isd.clone(),
            kind: Kind::Isd,
            life_cycle: card_state,
            privileges: Privileges::ISD,
            associated_sd: isd,
            quota: 0,
        };
        Self { entries: vec![entry] }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn isd(&self) -> &Entry {
        // The constructor puts the ISD first and nothing removes it (DELETE refuses).
        &self.entries[0]
    }

    pub fn card_state(&self) -> u8 {
        self.isd().life_cycle
    }

    pub fn set_card_state(&mut self, state: u8) {
        self.entries[0].life_cycle = state;
    }

    pub fn get(&self, aid: &[u8]) -> Option<&Entry> {
        self.entries.iter().find(|e| e.aid.as_bytes() == aid)
    }

    pub fn get_mut(&mut self, aid: &[u8]) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.aid.as_bytes() == aid)
    }

    pub fn contains(&self, aid: &[u8]) -> bool {
        self.get(aid).is_some()
    }

    /// Adds `entry`; false (and nothing added) if its AID is taken.
    pub fn insert(&mut self, entry: Entry) -> bool {
        if self.contains(entry.aid.as_bytes()) {
            return false;
        }
        self.entries.push(entry);
        true
    }

    /// Removes the entry of `aid` (never the ISD).
    pub fn remove(&mut self, aid: &[u8]) -> Option<Entry> {
        let i = self.entries.iter().position(|e| e.aid.as_bytes() == aid && !matches!(e.kind, Kind::Isd))?;
        Some(self.entries.remove(i))
    }

    /// The load file that holds module `module`, and the module.
    pub fn module(&self, load_file: &[u8], module: &[u8]) -> Option<&Module> {
        match &self.get(load_file)?.kind {
            Kind::LoadFile { modules, .. } => modules.iter().find(|m| m.aid.as_bytes() == module),
            _ => None,
        }
    }

    /// Instances created from `load_file`.
    pub fn instances_of<'a>(&'a self, load_file: &'a [u8]) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |e| matches!(&e.kind, Kind::Instance { load_file: l, .. } if l.as_bytes() == load_file))
    }

    /// Entries associated with the security domain `sd`, other than itself.
    pub fn associated_with<'a>(&'a self, sd: &'a [u8]) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.associated_sd.as_bytes() == sd && e.aid.as_bytes() != sd)
    }

    /// Non-volatile memory in use: load files and the quotas of instances.
    pub fn memory_used(&self) -> usize {
        self.entries.iter().map(|e| e.quota).sum()
    }
}
