//! The named properties of `spec/flow`: what each means over the system's state and its ghost
//! record. The record is written from what the actors emit and receive — never from the guards
//! that decided it — so a broken variant of a guard or transition shows up here.

use super::compose::Composition;
use super::logic::{chain_valid, on_crl, signs, Logic, MsgKind, MAX_WRONG_CODES, PIN_TRIES};
use super::table::Property;
use super::value::{author, cert, wrap, Ans, Data, Val};
use super::world::{Msg, World};

/// Safety properties, one bit each in [`super::world::Ghost::broken`].
pub mod safety {
    pub const NO_SIGNATURE_WITHOUT_PIN: u32 = 1 << 0;
    pub const PIN_COUNTER: u32 = 1 << 1;
    pub const KEY: u32 = 1 << 2;
    pub const SESSION: u32 = 1 << 3;
    pub const CHANNEL: u32 = 1 << 4;
    pub const PAIRING_CODE: u32 = 1 << 5;
    pub const STEPS: u32 = 1 << 6;
    pub const ACCESS_CODE: u32 = 1 << 7;
    pub const PERSONALIZE: u32 = 1 << 8;
    pub const DOUBLE: u32 = 1 << 9;
    pub const LOST_GRANT: u32 = 1 << 10;
}

/// Happenings the reachability properties look for, one bit each in
/// [`super::world::Ghost::seen`].
pub mod seen {
    pub const WRONG_PIN: u64 = 1 << 0;
    pub const PIN_BLOCKED: u64 = 1 << 1;
    pub const SIGN_DENIED: u64 = 1 << 2;
    pub const REFUSED_BAD_SIGNATURE: u64 = 1 << 3;
    pub const REFUSED_REVOKED: u64 = 1 << 4;
    pub const REFUSED_CHAIN: u64 = 1 << 5;
    pub const PAIR_REJECTED: u64 = 1 << 6;
    pub const PAIRING_EXPIRED: u64 = 1 << 7;
    pub const WEB_WRONG: u64 = 1 << 8;
    pub const WEB_EXPIRED: u64 = 1 << 9;
    pub const WEB_LOCKED: u64 = 1 << 10;
    pub const OTHER_HOLDER: u64 = 1 << 11;
    pub const APPLICATION_REFUSED: u64 = 1 << 12;
    pub const SCRIPT_REFUSED: u64 = 1 << 13;
    pub const NOT_PERMITTED: u64 = 1 << 14;
    pub const RESUMED: u64 = 1 << 15;
    pub const SIM_CHANGE_DELIVERED: u64 = 1 << 16;
    pub const APPLET_DELETED_DELIVERED: u64 = 1 << 17;
    pub const INSTALLED_BY_MNO: u64 = 1 << 18;
    pub const PERMISSION_SENT: u64 = 1 << 19;
    pub const CODE_EXPIRED: u64 = 1 << 20;
    pub const PERSONALIZED: u64 = 1 << 21;
}

fn enum_name(c: &Composition, msg: &Msg, field: &str) -> &'static str {
    let info = c.messages[usize::from(msg.id)].table;
    match info.field(field).map(|i| (msg.f[i], info.fields[i].values)) {
        Some((Val::Enum(x), values)) => values.get(usize::from(x)).copied().unwrap_or(""),
        _ => "",
    }
}

/// The card answered `cmd` with `ans`.
pub fn observe_answer(l: &Logic, w: &mut World, ans: &Ans) {
    let r = l.rules;
    let g = &mut w.ghost;
    if ans.rule == r.sign_ok && !g.verified {
        g.broken |= safety::NO_SIGNATURE_WITHOUT_PIN;
    }
    if ans.rule == r.sign_denied {
        g.seen |= seen::SIGN_DENIED;
    }
    if ans.rule == r.select_df_ok {
        g.verified = false;
    }
    if ans.rule == r.verify_ok {
        if g.wrong >= PIN_TRIES {
            g.broken |= safety::PIN_COUNTER;
        }
        g.verified = true;
        g.wrong = 0;
    }
    if ans.rule == r.verify_wrong {
        g.wrong = (g.wrong + 1).min(PIN_TRIES + 1);
        g.verified = false;
        g.seen |= seen::WRONG_PIN;
        if g.wrong >= PIN_TRIES {
            g.seen |= seen::PIN_BLOCKED;
        }
        if g.wrong > PIN_TRIES || ans.param != PIN_TRIES - g.wrong || w.v.card_tries != PIN_TRIES - g.wrong {
            g.broken |= safety::PIN_COUNTER;
        }
    }
    if ans.rule == r.verify_blocked && g.wrong < PIN_TRIES {
        g.broken |= safety::PIN_COUNTER;
    }
    if matches!(ans.data, Data::Leak { .. }) {
        g.broken |= safety::KEY;
    }
}

/// The card lost power: its security status is gone.
pub fn observe_power_loss(w: &mut World) {
    w.ghost.verified = false;
}

/// `msg` arrives (before the receiver reacts).
pub fn observe_delivery(c: &Composition, w: &mut World, msg: &Msg) {
    let kind = c.messages[usize::from(msg.id)].kind;
    let v = w.v;
    let g = &mut w.ghost;
    match kind {
        MsgKind::PairJoin if v.rl_code != 0 && msg.f[0] != Val::Code(v.rl_code) => {
            g.code_wrong = (g.code_wrong + 1).min(MAX_WRONG_CODES + 1)
        }
        MsgKind::WebApplication if v.jl_code != 0 && msg.f[1] != Val::Code(v.jl_code) => {
            g.code_wrong = (g.code_wrong + 1).min(MAX_WRONG_CODES + 1)
        }
        MsgKind::SimChanged => g.seen |= seen::SIM_CHANGE_DELIVERED,
        MsgKind::AppletDeleted => g.seen |= seen::APPLET_DELETED_DELIVERED,
        _ => {}
    }
}

/// The phone passes the C-APDU of frame `msg` to the card.
pub fn observe_forward(w: &mut World, msg: &Msg) {
    let g = &mut w.ghost;
    let seq = match msg.f[1] {
        Val::Num(s) => s,
        _ => 0,
    };
    if msg.tainted || seq != g.forwarded.wrapping_add(1) {
        g.broken |= safety::CHANNEL;
    }
    g.forwarded = seq;
}

/// An event fired.
pub fn observe_event(w: &mut World, id: &str, from: &str) {
    let g = &mut w.ghost;
    match id {
        "s1.relay.code_expires" | "s3i.jlis.code_expires" => g.seen |= seen::CODE_EXPIRED,
        "lc.jlis.loss_reported" => g.lost = true,
        "lc.jlis.loss_cleared" => {
            g.lost = false;
            if from == "suspended" {
                g.seen |= seen::RESUMED;
            }
        }
        "lc.jlis.main_revoked" if g.main == 0 => g.main = 1,
        "lc.jlis.main_expires" if g.main == 0 => g.main = 2,
        _ => {}
    }
}

/// `sender` emits `msg` in reaction to `input` (a received message, if any).
pub fn observe_emit(c: &Composition, l: &Logic, w: &mut World, msg: &Msg, input: Option<&Msg>) {
    if msg.f.iter().any(|f| matches!(f, Val::Key { wrap: wrap::CLEAR, .. })) {
        w.ghost.broken |= safety::KEY;
    }
    let kind = c.messages[usize::from(msg.id)].kind;
    let f = |i: usize| input.map_or(Val::None, |m| m.f[i]);
    let v = w.v;
    let lc_status = l.sub_status(c, w);
    let g = &mut w.ghost;
    match kind {
        MsgKind::SessionGranted => {
            // The response the portal accepted: for scheme 3 use it was remembered when the
            // signature and chain were checked, before J-LIS's status came.
            let (certificate, sig) = match input.map(|m| c.messages[usize::from(m.id)].kind) {
                Some(MsgKind::AuthResponse) => (f(1), f(2)),
                _ => (Val::Cert(v.po_cert), v.po_sig),
            };
            let fresh = v.po_challenge < 32 && g.granted & (1 << v.po_challenge) == 0;
            // J-LIS's answer is a snapshot: what counts is that it said good for this login.
            let status_good = l.lc_jlis.is_none()
                || (input.map(|m| c.messages[usize::from(m.id)].kind) == Some(MsgKind::Status) && f(1) == Val::Enum(0));
            let ok = v.po_session != 0
                && signs(sig, certificate, v.po_challenge)
                && chain_valid(certificate)
                && !on_crl(certificate)
                && fresh
                && status_good;
            if !ok {
                g.broken |= safety::SESSION;
            }
            if v.po_challenge < 32 {
                g.granted |= 1 << v.po_challenge;
            }
        }
        MsgKind::Status if msg.f[1] == Val::Enum(0) && (g.lost || lc_status != "active") => {
            g.broken |= safety::LOST_GRANT
        }
        MsgKind::Refused => match enum_name(c, msg, "reason") {
            "bad_signature" => g.seen |= seen::REFUSED_BAD_SIGNATURE,
            "revoked" => g.seen |= seen::REFUSED_REVOKED,
            "chain_invalid" => g.seen |= seen::REFUSED_CHAIN,
            _ => {}
        },
        MsgKind::Paired => {
            g.pair_accepts = g.pair_accepts.saturating_add(1);
            if g.pair_accepts > 1
                || g.seen & seen::CODE_EXPIRED != 0
                || g.code_wrong >= MAX_WRONG_CODES
                || f(0) != Val::Code(v.rl_code_issued)
            {
                g.broken |= safety::PAIRING_CODE;
            }
        }
        // A new pairing, a new application: the per-code and per-application records start over.
        MsgKind::PairOffer => {
            g.pair_accepts = 0;
            g.code_wrong = 0;
            g.seen &= !seen::CODE_EXPIRED;
        }
        MsgKind::ApplicationChallenge => {
            g.steps = 0;
            g.holder = 0;
            g.code_accepts = 0;
            g.code_wrong = 0;
            g.sp_data = 0;
            g.seen &= !seen::CODE_EXPIRED;
        }
        MsgKind::PairRejected if enum_name(c, msg, "reason") == "wrong_code" => g.seen |= seen::PAIR_REJECTED,
        MsgKind::PairingClosed if enum_name(c, msg, "reason") == "expired" => g.seen |= seen::PAIRING_EXPIRED,
        MsgKind::ApplicationAccepted => {
            g.steps |= 1;
            g.holder = cert::holder(match f(2) {
                Val::Cert(x) => x,
                _ => 0,
            });
        }
        MsgKind::ApplicationRefused
            if matches!(enum_name(c, msg, "reason"), "bad_signature" | "chain_invalid" | "revoked") =>
        {
            g.seen |= seen::APPLICATION_REFUSED
        }
        MsgKind::StoragePermission => {
            g.steps |= 2;
            g.seen |= seen::PERMISSION_SENT;
        }
        MsgKind::AccessCode => g.steps |= 4,
        MsgKind::AuthChallenge => {
            g.code_accepts = g.code_accepts.saturating_add(1);
            if g.code_accepts > 1
                || g.seen & seen::CODE_EXPIRED != 0
                || g.code_wrong >= MAX_WRONG_CODES
                || f(1) != Val::Code(v.jl_code)
                || v.jl_code == 0
            {
                g.broken |= safety::ACCESS_CODE;
            }
            g.steps |= 8;
        }
        MsgKind::WebRefused => match enum_name(c, msg, "reason") {
            "wrong_code" => g.seen |= seen::WEB_WRONG,
            "expired" => g.seen |= seen::WEB_EXPIRED,
            "locked" => g.seen |= seen::WEB_LOCKED,
            _ => {}
        },
        MsgKind::PersonalAuthRefused if enum_name(c, msg, "reason") == "other_holder" => g.seen |= seen::OTHER_HOLDER,
        MsgKind::SpData => {
            g.sp_data = g.sp_data.saturating_add(1);
            if g.sp_data > 1 {
                g.broken |= safety::DOUBLE;
            }
            let (certificate, sig) = (f(1), f(2));
            let holder = cert::holder(match certificate {
                Val::Cert(x) => x,
                _ => 0,
            });
            let fifth = signs(sig, certificate, v.jl_challenge)
                && chain_valid(certificate)
                && !on_crl(certificate)
                && holder == g.holder
                && holder != 0;
            if g.steps != 15 || !fifth {
                g.broken |= safety::STEPS;
            }
        }
        MsgKind::InstallResult | MsgKind::PersonalizeResult => {
            let status = enum_name(c, msg, "status");
            if status == "not_authentic" {
                g.seen |= seen::SCRIPT_REFUSED;
            }
            if kind == MsgKind::InstallResult && status == "ok" && f(1) == (Val::Script { author: author::MNO }) {
                g.seen |= seen::INSTALLED_BY_MNO;
            }
            if kind == MsgKind::PersonalizeResult && status == "ok" {
                g.personalized = g.personalized.saturating_add(1);
                g.seen |= seen::PERSONALIZED;
                if g.personalized > 1 {
                    g.broken |= safety::DOUBLE;
                }
                let authorised = f(1) == (Val::Script { author: author::SSD })
                    && g.seen & seen::INSTALLED_BY_MNO != 0
                    && g.seen & seen::PERMISSION_SENT != 0
                    && v.sp_app != 0;
                if !authorised {
                    g.broken |= safety::PERSONALIZE;
                }
            }
        }
        MsgKind::Stored if enum_name(c, msg, "status") == "not_permitted" => g.seen |= seen::NOT_PERMITTED,
        _ => {}
    }
}

/// A property compiled for one composition: what to look at, with machine and state indices
/// resolved once.
#[derive(Clone, Copy, Debug)]
pub enum Check {
    Safe(u32),
    /// Not (the life-cycle record is active or suspended while the main certificate is not valid).
    SubNotAfterMain,
    LostSuspended,
    /// Not (this happened while the record is still active or suspended).
    RevokedAfter(u64),
    Seen(u64),
    /// The machine is in the state, and the happenings were seen.
    InState(usize, u8, u64),
    /// The machines are in the states.
    Both((usize, u8), (usize, u8)),
}

fn mark(c: &Composition, machine: &str, state: &str) -> Option<(usize, u8)> {
    c.machine(machine).and_then(|m| c.machines[m].table.state(state).map(|s| (m, s)))
}

/// The client machine's `logged_in` state.
fn logged_in(c: &Composition) -> Option<(usize, u8)> {
    ["s1.machine.pc", "s2.machine.phone", "s3u.machine.ui_app"].iter().find_map(|m| mark(c, m, "logged_in"))
}

/// Compiles property `p` for `c`; `None` for a property this code does not know (a spec
/// change the model has not caught up with).
pub fn compile(c: &Composition, p: &Property) -> Option<Check> {
    let name = p.id.split_once('.').map_or(p.id, |(_, rest)| rest);
    let in_state = |m: Option<(usize, u8)>, seen: u64| m.map(|(m, s)| Check::InState(m, s, seen));
    Some(match name {
        "prop.no_signature_without_pin" => Check::Safe(safety::NO_SIGNATURE_WITHOUT_PIN),
        "prop.pin_counter_correct" => Check::Safe(safety::PIN_COUNTER),
        "prop.key_stays_in_card" | "prop.key_never_in_clear" => Check::Safe(safety::KEY),
        "prop.session_needs_fresh_signature" => Check::Safe(safety::SESSION),
        "prop.channel_bound" => Check::Safe(safety::CHANNEL),
        "prop.pairing_code_single_use" => Check::Safe(safety::PAIRING_CODE),
        "prop.sub_cert_after_steps" => Check::Safe(safety::STEPS),
        "prop.access_code_single_use" => Check::Safe(safety::ACCESS_CODE),
        "prop.personalize_only_authorised_applet" => Check::Safe(safety::PERSONALIZE),
        "prop.no_double_issuance" => Check::Safe(safety::DOUBLE),
        "prop.sub_not_after_main" => Check::SubNotAfterMain,
        "prop.lost_phone_suspended" => Check::LostSuspended,
        "prop.sim_change_revokes" => Check::RevokedAfter(seen::SIM_CHANGE_DELIVERED),
        "prop.applet_deleted_revokes" => Check::RevokedAfter(seen::APPLET_DELETED_DELIVERED),
        "reach.logged_in" => in_state(logged_in(c), 0)?,
        "reach.logged_in_after_wrong_pin" => in_state(logged_in(c), seen::WRONG_PIN)?,
        "reach.pin_blocked" => Check::Seen(seen::PIN_BLOCKED),
        "reach.refused_bad_signature" => Check::Seen(seen::REFUSED_BAD_SIGNATURE),
        "reach.refused_revoked" | "reach.refused_not_good" => Check::Seen(seen::REFUSED_REVOKED),
        "reach.refused_chain_invalid" => Check::Seen(seen::REFUSED_CHAIN),
        "reach.pairing_rejected" => Check::Seen(seen::PAIR_REJECTED),
        "reach.pairing_expired" => Check::Seen(seen::PAIRING_EXPIRED),
        "reach.sign_denied" => Check::Seen(seen::SIGN_DENIED),
        "reach.issued" => {
            Check::Both(mark(c, "s3i.machine.ui_app", "issued")?, mark(c, "s3i.machine.uicc", "personalized")?)
        }
        "reach.issued_after_wrong_code" => in_state(mark(c, "s3i.machine.ui_app", "issued"), seen::WEB_WRONG)?,
        "reach.code_expired" => Check::Seen(seen::WEB_EXPIRED),
        "reach.code_locked" => Check::Seen(seen::WEB_LOCKED),
        "reach.other_holder_refused" => Check::Seen(seen::OTHER_HOLDER),
        "reach.application_refused" => Check::Seen(seen::APPLICATION_REFUSED),
        "reach.forged_script_refused" => Check::Seen(seen::SCRIPT_REFUSED),
        "reach.not_permitted_refused" => Check::Seen(seen::NOT_PERMITTED),
        "reach.suspended_resumed" => Check::Seen(seen::RESUMED),
        "reach.reissue_after_sim_change" => {
            in_state(mark(c, "lc.machine.ui_app", "reissue_needed"), seen::SIM_CHANGE_DELIVERED)?
        }
        "reach.reissue_after_deletion" => {
            in_state(mark(c, "lc.machine.ui_app", "reissue_needed"), seen::APPLET_DELETED_DELIVERED)?
        }
        "reach.expired" => in_state(mark(c, "lc.machine.jlis", "expired"), 0)?,
        _ => return None,
    })
}

impl Check {
    /// Whether the property holds in `w`: for a safety property, nothing broke it so far; for
    /// a reachability property, `w` is a state it looks for.
    pub fn holds(self, l: &Logic, c: &Composition, w: &World) -> bool {
        let g = &w.ghost;
        let live = || matches!(l.sub_status(c, w), "active" | "suspended");
        match self {
            Check::Safe(bit) => g.broken & bit == 0,
            Check::SubNotAfterMain => !(g.main != 0 && live()),
            Check::LostSuspended => !(g.lost && l.sub_active(w)) && g.broken & safety::LOST_GRANT == 0,
            Check::RevokedAfter(bit) => !(g.seen & bit != 0 && live()),
            Check::Seen(bit) => g.seen & bit != 0,
            Check::InState(m, s, bit) => w.states[m] == s && g.seen & bit == bit,
            Check::Both((m1, s1), (m2, s2)) => w.states[m1] == s1 && w.states[m2] == s2,
        }
    }
}
