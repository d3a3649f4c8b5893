//! The state of a composed system: each machine's state, the actors' variables, the messages in
//! flight, the C-APDU waiting at the card, what the run has spent of its bounds, and the ghost
//! record the properties read. Small and hashable: the model checker stores millions.

use super::value::{Cmd, Ef, Val};

/// The most machines a composition may have.
pub const MAX_MACHINES: usize = 8;

/// The most fields a message carries.
pub const MAX_FIELDS: usize = 4;

/// A message in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Msg {
    /// Global message index in the composition.
    pub id: u16,
    pub from: u8,
    pub to: u8,
    /// Sent by the attacker, or forwarded from something the attacker sent.
    pub tainted: bool,
    pub f: [Val; MAX_FIELDS],
}

/// A message in flight; a duplicated one stays in the network after delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Envelope {
    pub msg: Msg,
    pub sticky: bool,
}

/// How much of the run's bounds is spent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Spent {
    pub drops: u8,
    pub dups: u8,
    pub attacks: u8,
    pub crashes: u8,
    pub life_events: u8,
}

/// Every actor's variables (0 is "none" throughout).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Vars {
    // The card (or UICC applet).
    pub card_df: bool,
    pub card_ef: Ef,
    pub card_tries: u8,
    /// The value the right PIN has (conformance learns it from the card's answers).
    pub card_right_pin: u8,
    // The reader-client: PC, phone, UI app.
    pub rd_session: u8,
    pub rd_challenge: u8,
    pub rd_cert: u8,
    pub rd_sig: Val,
    pub rd_read_partial: bool,
    // Scheme 1: the PC's pairing, the phone, the relay.
    pub pc_pairing: u8,
    pub pc_code: u8,
    pub pc_channel: u8,
    pub pc_seq: u8,
    pub ph_channel: u8,
    pub ph_seq: u8,
    pub ph_pending: u8,
    pub rl_pairing: u8,
    pub rl_code: u8,
    pub rl_wrong: u8,
    pub rl_channel: u8,
    /// The code the relay issued (kept after it is spent).
    pub rl_code_issued: u8,
    // The portal.
    pub po_session: u8,
    pub po_challenge: u8,
    pub po_cert: u8,
    /// The signature of the response whose status the portal asked J-LIS for.
    pub po_sig: Val,
    // Scheme 3 issuance: J-LIS, the UI app, the TSMs, the UICC.
    pub jl_app: u8,
    pub jl_challenge: u8,
    pub jl_holder: u8,
    pub jl_code: u8,
    pub jl_wrong: u8,
    pub jl_iccid: u8,
    /// The last sub certificate (and key) J-LIS generated.
    pub jl_sub: u8,
    pub ua_app: u8,
    pub ua_code: u8,
    pub sp_app: u8,
    pub sp_iccid: u8,
    pub sp_key: Val,
    pub mno_iccid: u8,
    pub uc_key: Val,
    // Fresh values: the next identifier, challenge and code to hand out.
    pub next_id: u8,
    pub next_nonce: u8,
    pub next_code: u8,
}

/// What happened so far that the properties judge: facts recorded as the run goes, from what
/// actors emit (never from the guards that decided it, which a broken variant may change).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ghost {
    /// Safety properties found broken, by bit ([`super::props::Safety`]).
    pub broken: u32,
    /// Happenings the reachability properties look for ([`super::props::Seen`]).
    pub seen: u64,
    /// A right VERIFY since the card last lost its security status.
    pub verified: bool,
    /// Wrong VERIFYs since the last right one.
    pub wrong: u8,
    /// Challenges a portal session was granted on (bit per challenge).
    pub granted: u32,
    /// C-APDU frames the phone passed to the card.
    pub forwarded: u8,
    /// Pairing codes accepted.
    pub pair_accepts: u8,
    /// J-LIS's steps done for the application: bits ① accepted, ② permission, ③ code,
    /// ④ code accepted; and the holder of ①.
    pub steps: u8,
    pub holder: u8,
    pub code_accepts: u8,
    pub code_wrong: u8,
    pub sp_data: u8,
    pub personalized: u8,
    /// The main certificate: 0 valid, 1 revoked, 2 expired.
    pub main: u8,
    pub lost: bool,
}

/// The whole system.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct World {
    pub states: [u8; MAX_MACHINES],
    pub v: Vars,
    /// Messages in flight: sorted (a multiset) on an unordered network, in sending order on
    /// an ordered one.
    pub net: Vec<Envelope>,
    /// The C-APDU at the card and who sent it.
    pub slot: Option<(Cmd, u8)>,
    pub spent: Spent,
    pub ghost: Ghost,
}
