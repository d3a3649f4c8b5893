//! The hand-written half of the scheme machines: what each guard of `spec/flow` means, what an
//! actor remembers when a transition fires, and what the messages it sends carry. The tables
//! say which transition fires and what it sends; this file says with which values.
//!
//! Guards, messages and events are matched by their ids without the flow prefix, so the portal
//! of every scheme and the card of every flow share one implementation.

use super::compose::{ApduArg, Composition, Tr};
use super::mutation::Mutation;
use super::value::{author, cert, who, wrap, Ans, Cmd, Data, Ef, Val, PIN_RIGHT, PIN_WRONG, WRONG_CODE};
use super::world::{Msg, World, MAX_FIELDS};

/// The ICCID of the phone's UICC.
pub const ICCID: u8 = 100;
/// The applet instance AID.
pub const APPLET: u8 = 1;
/// The SSD keys the MNO-TSM hands to the SP-TSM.
pub const SSD_KEYS: u8 = 7;
/// The most wrong codes (pairing, access) before the code is dead.
pub const MAX_WRONG_CODES: u8 = 3;
/// The PIN's tries (REFERENCE §2: 3).
pub const PIN_TRIES: u8 = 3;

macro_rules! kinds {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = [$($suffix:literal),+]),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }

        impl $name {
            /// The kind of the entry `id` of the flow with `prefix`.
            pub fn from_id(prefix: &str, id: &str) -> Option<Self> {
                let rest = id.strip_prefix(prefix)?.strip_prefix('.')?;
                $(if [$($suffix),+].contains(&rest) { return Some(Self::$variant); })*
                None
            }
        }
    };
}

kinds! {
    /// What a message is, across flows.
    MsgKind {
        LoginRequest = ["pc.login_request", "phone.login_request", "ui_app.login_request"],
        Challenge = ["portal.challenge"],
        AuthResponse = ["pc.auth_response", "phone.auth_response", "ui_app.auth_response"],
        SessionGranted = ["portal.session_granted"],
        Refused = ["portal.refused"],
        StatusRequest = ["portal.status_request"],
        Status = ["jlis.status"],
        PairRequest = ["pc.pair_request"],
        PairOffer = ["relay.pair_offer"],
        PairJoin = ["phone.pair_join"],
        Paired = ["relay.paired"],
        PeerJoined = ["relay.peer_joined"],
        PairRejected = ["relay.pair_rejected"],
        PairingClosed = ["relay.pairing_closed"],
        PcCapdu = ["pc.capdu"],
        RelayCapdu = ["relay.capdu"],
        PhoneRapdu = ["phone.rapdu"],
        RelayRapdu = ["relay.rapdu"],
        Close = ["pc.close"],
        Closed = ["relay.closed"],
        ApplicationStart = ["ui_app.application_start"],
        ApplicationChallenge = ["jlis.application_challenge"],
        Application = ["ui_app.application"],
        ApplicationAccepted = ["jlis.application_accepted"],
        ApplicationRefused = ["jlis.application_refused"],
        StoragePermission = ["jlis.storage_permission"],
        AccessCode = ["jlis.access_code"],
        WebApplication = ["ui_app.web_application"],
        WebRefused = ["jlis.web_refused"],
        AuthChallenge = ["jlis.auth_challenge"],
        PersonalAuth = ["ui_app.personal_auth"],
        PersonalAuthRefused = ["jlis.personal_auth_refused"],
        SpData = ["jlis.sp_data"],
        DeployRequest = ["sp_tsm.deploy_request"],
        InstallScript = ["mno_tsm.install_script"],
        InstallApdus = ["tsm_proxy.install_apdus"],
        InstallResult = ["uicc.install_result"],
        InstallReport = ["tsm_proxy.install_report"],
        DeployResult = ["mno_tsm.deploy_result"],
        PersonalizeScript = ["sp_tsm.personalize_script"],
        PersonalizeApdus = ["tsm_proxy.personalize_apdus"],
        PersonalizeResult = ["uicc.personalize_result"],
        PersonalizeReport = ["tsm_proxy.personalize_report"],
        Stored = ["sp_tsm.stored"],
        Issued = ["jlis.issued"],
        IssuanceFailed = ["jlis.issuance_failed"],
        SimChanged = ["mno_tsm.sim_changed"],
        DeleteCommand = ["mno_tsm.delete_command"],
        AppletDeleted = ["mno_tsm.applet_deleted"],
        ReissueRequired = ["jlis.reissue_required"],
        StatusNotice = ["jlis.status_notice"],
    }
}

kinds! {
    /// What an event is, across flows.
    EvKind {
        Start = ["pc.start", "phone.start", "ui_app.start"],
        EnterCode = ["phone.enter_code", "ui_app.enter_code"],
        CodeExpires = ["relay.code_expires", "jlis.code_expires"],
        EnterPin = ["pc.enter_pin", "phone.enter_pin", "ui_app.enter_pin"],
        GiveUp = ["pc.give_up", "phone.give_up", "ui_app.give_up"],
        Installed = ["ui_app.installed"],
        Apply = ["ui_app.apply"],
        LossReported = ["jlis.loss_reported"],
        LossCleared = ["jlis.loss_cleared"],
        MainRevoked = ["jlis.main_revoked"],
        MainExpires = ["jlis.main_expires"],
        SubExpires = ["jlis.sub_expires"],
        SwappedOut = ["uicc.swapped_out"],
        SimChangeDetected = ["mno_tsm.sim_change_detected"],
        DeleteApplet = ["mno_tsm.delete_applet"],
    }
}

/// Which guard, by meaning. The same suffix means different things for different actors
/// (`code_valid` for the relay and for J-LIS): the flow prefix decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GuardKind {
    AidKnown,
    AidUnknown,
    FileInDf,
    FileNotInDf,
    NoPinSelected,
    PinSelected,
    PinBlocked,
    PinRight,
    PinWrongTriesLeft,
    PinWrongLastTry,
    NoEf,
    EfReadable,
    EfProtected,
    NoKeySelected,
    KeySelected,
    CertificateIncomplete,
    CertificateComplete,
    TriesLeft,
    NoTriesLeft,
    UnknownSession,
    BadSignature,
    ChainInvalid,
    Revoked,
    ResponseValid,
    SignatureAndChainValid,
    StatusGood,
    StatusNotGood,
    SessionMatches,
    CodeDisplayed,
    PairingMatches,
    RelayCodeValid,
    RelayCodeWrongAttemptsLeft,
    RelayCodeWrongLastAttempt,
    FromBoundPc,
    FromBoundPhone,
    FrameInOrder,
    ChannelMatches,
    UnknownApplication,
    ApplicationValid,
    JlisCodeValid,
    JlisCodeWrongAttemptsLeft,
    JlisCodeWrongLastAttempt,
    OtherHolder,
    SameHolderValid,
    StoredOk,
    StoredFailed,
    CodeReceived,
    ForMyApplication,
    RetryAllowed,
    ForPermitted,
    NotPermitted,
    DeployOk,
    DeployFailed,
    ReportOk,
    ReportFailed,
    SubscriptionEligible,
    NotEligible,
    ScriptAuthentic,
    ScriptNotAuthentic,
    SsdScriptAuthentic,
    SsdScriptNotAuthentic,
    SimSwapped,
    ForBoundIccid,
}

impl GuardKind {
    pub fn from_id(prefix: &str, id: &str) -> Option<Self> {
        use GuardKind::*;
        let name = id.strip_prefix(prefix)?.strip_prefix(".guard.")?;
        let jlis = prefix == "s3i";
        Some(match name {
            "aid_known" => AidKnown,
            "aid_unknown" => AidUnknown,
            "file_in_df" => FileInDf,
            "file_not_in_df" => FileNotInDf,
            "no_pin_selected" => NoPinSelected,
            "pin_selected" => PinSelected,
            "pin_blocked" => PinBlocked,
            "pin_right" => PinRight,
            "pin_wrong_tries_left" => PinWrongTriesLeft,
            "pin_wrong_last_try" => PinWrongLastTry,
            "no_ef" => NoEf,
            "ef_readable" => EfReadable,
            "ef_protected" => EfProtected,
            "no_key_selected" => NoKeySelected,
            "key_selected" => KeySelected,
            "certificate_incomplete" => CertificateIncomplete,
            "certificate_complete" => CertificateComplete,
            "tries_left" => TriesLeft,
            "no_tries_left" => NoTriesLeft,
            "unknown_session" => UnknownSession,
            "bad_signature" => BadSignature,
            "chain_invalid" => ChainInvalid,
            "revoked" => Revoked,
            "response_valid" => ResponseValid,
            "signature_and_chain_valid" => SignatureAndChainValid,
            "status_good" => StatusGood,
            "status_not_good" => StatusNotGood,
            "session_matches" => SessionMatches,
            "code_displayed" => CodeDisplayed,
            "pairing_matches" => PairingMatches,
            "code_valid" if jlis => JlisCodeValid,
            "code_wrong_attempts_left" if jlis => JlisCodeWrongAttemptsLeft,
            "code_wrong_last_attempt" if jlis => JlisCodeWrongLastAttempt,
            "code_valid" => RelayCodeValid,
            "code_wrong_attempts_left" => RelayCodeWrongAttemptsLeft,
            "code_wrong_last_attempt" => RelayCodeWrongLastAttempt,
            "from_bound_pc" => FromBoundPc,
            "from_bound_phone" => FromBoundPhone,
            "frame_in_order" => FrameInOrder,
            "channel_matches" => ChannelMatches,
            "unknown_application" => UnknownApplication,
            "application_valid" => ApplicationValid,
            "other_holder" => OtherHolder,
            "same_holder_valid" => SameHolderValid,
            "stored_ok" => StoredOk,
            "stored_failed" => StoredFailed,
            "code_received" => CodeReceived,
            "for_my_application" => ForMyApplication,
            "retry_allowed" => RetryAllowed,
            "for_permitted" => ForPermitted,
            "not_permitted" => NotPermitted,
            "deploy_ok" => DeployOk,
            "deploy_failed" => DeployFailed,
            "report_ok" => ReportOk,
            "report_failed" => ReportFailed,
            "subscription_eligible" => SubscriptionEligible,
            "not_eligible" => NotEligible,
            "script_authentic" => ScriptAuthentic,
            "script_not_authentic" => ScriptNotAuthentic,
            "ssd_script_authentic" => SsdScriptAuthentic,
            "ssd_script_not_authentic" => SsdScriptNotAuthentic,
            "sim_swapped" => SimSwapped,
            "for_bound_iccid" => ForBoundIccid,
            _ => return None,
        })
    }
}

/// What a transition reacts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    Msg(Msg),
    /// An event (global index) with its value's index.
    Event {
        ev: u16,
        value: u8,
    },
    Cmd(Cmd),
    Ans(Ans),
}

impl Input {
    fn msg(&self) -> Option<&Msg> {
        match self {
            Input::Msg(m) => Some(m),
            _ => None,
        }
    }

    /// Field `i` of the message, or none.
    fn f(&self, i: usize) -> Val {
        self.msg().map_or(Val::None, |m| m.f.get(i).copied().unwrap_or_default())
    }
}

/// Indices the logic needs, looked up once per composition.
#[derive(Clone, Debug)]
pub struct Logic {
    pub mutation: Option<Mutation>,
    /// The card machine and the states that mean verified / blocked.
    card: Option<(usize, u8, u8)>,
    /// Life-cycle machines: J-LIS's record of the sub certificate, the UICC.
    pub lc_jlis: Option<usize>,
    pub lc_uicc: Option<usize>,
    pub lc_ui_app: Option<usize>,
    /// (machine, state) pairs the guards compare with.
    uicc_present: Option<(usize, u8)>,
    uicc_swapped: Option<(usize, u8)>,
    jlis_active: Option<(usize, u8)>,
    /// Whether the card's certificate needs the PIN to read (the UICC applet, profile.uicc).
    cert_needs_pin: bool,
    /// Rule indices of the card answers the logic acts on.
    pub rules: Rules,
}

/// Indices in `generated::rules::RULES` of the answers the flows use.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rules {
    pub select_df_ok: u8,
    pub select_df_not_found: u8,
    pub select_ef_ok: u8,
    pub verify_ok: u8,
    pub verify_wrong: u8,
    pub verify_blocked: u8,
    pub verify_query_tries: u8,
    pub read_ok: u8,
    pub read_denied: u8,
    pub read_no_ef: u8,
    pub sign_ok: u8,
    pub sign_denied: u8,
    pub sign_no_key: u8,
}

fn id(v: Val) -> u8 {
    match v {
        Val::Id(x) => x,
        _ => 0,
    }
}

fn cert_of(v: Val) -> u8 {
    match v {
        Val::Cert(c) => c,
        _ => cert::UNKNOWN,
    }
}

/// Whether `sig` is by the key of `certificate` over challenge `over`.
pub fn signs(sig: Val, certificate: Val, over: u8) -> bool {
    let c = cert_of(certificate);
    matches!(sig, Val::Sig { key, over: o } if key == cert::key(c) && key != 0 && o == over)
}

/// Whether transition `t` sends a message of `kind`.
fn emits(c: &Composition, t: &Tr, kind: MsgKind) -> bool {
    c.message_of(kind).is_some_and(|id| t.emits.contains(&super::compose::Out::Msg(id)))
}

pub fn chain_valid(certificate: Val) -> bool {
    cert::facts(cert_of(certificate)).2
}

pub fn on_crl(certificate: Val) -> bool {
    cert::facts(cert_of(certificate)).3
}

impl Logic {
    pub fn new(c: &Composition, mutation: Option<Mutation>) -> Result<Self, String> {
        let r = |id: &str| super::compose::rule_index(id).ok_or_else(|| format!("no card rule {id}"));
        let rules = Rules {
            select_df_ok: r("card.select_df.ok")?,
            select_df_not_found: r("card.select_df.not_found")?,
            select_ef_ok: r("card.select_ef.ok")?,
            verify_ok: r("card.verify.ok")?,
            verify_wrong: r("card.verify.wrong")?,
            verify_blocked: r("card.verify.blocked")?,
            verify_query_tries: r("card.verify_query.tries")?,
            read_ok: r("card.read.ok")?,
            read_denied: r("card.read.denied")?,
            read_no_ef: r("card.read.no_ef")?,
            sign_ok: r("card.sign.ok")?,
            sign_denied: r("card.sign.denied")?,
            sign_no_key: r("card.sign.no_key")?,
        };
        let card = c.card_machine().map(|i| {
            let m = c.machines[i].table;
            (i, m.state("verified").unwrap_or(u8::MAX), m.state("blocked").unwrap_or(u8::MAX))
        });
        let mark = |machine: &str, state: &str| {
            c.machine(machine).and_then(|m| c.machines[m].table.state(state).map(|s| (m, s)))
        };
        Ok(Logic {
            mutation,
            card,
            uicc_present: mark("lc.machine.uicc", "present"),
            uicc_swapped: mark("lc.machine.uicc", "swapped_out"),
            jlis_active: mark("lc.machine.jlis", "active"),
            lc_jlis: c.machine("lc.machine.jlis"),
            lc_uicc: c.machine("lc.machine.uicc"),
            lc_ui_app: c.machine("lc.machine.ui_app"),
            cert_needs_pin: c.card == Some(who::UICC),
            rules,
        })
    }

    fn mutated(&self, m: Mutation) -> bool {
        self.mutation == Some(m)
    }

    /// The initial variables.
    pub fn initial(&self, c: &Composition) -> World {
        let mut w = World {
            states: [0; super::world::MAX_MACHINES],
            v: Default::default(),
            net: Vec::new(),
            slot: None,
            spent: Default::default(),
            ghost: Default::default(),
        };
        for (i, m) in c.machines.iter().enumerate() {
            w.states[i] = m.table.initial;
        }
        w.v.card_tries = PIN_TRIES;
        w.v.card_right_pin = PIN_RIGHT;
        w.v.next_id = 1;
        w.v.next_nonce = 1;
        w.v.next_code = 1;
        if self.lc_jlis.is_some() {
            // Scheme 3 use starts where issuance ended: the sub certificate is on the UICC.
            w.v.uc_key = Val::Key { key: cert::key(cert::SUB), wrap: wrap::SSD };
        }
        w
    }

    fn card_verified(&self, w: &World) -> bool {
        self.card.is_some_and(|(m, v, _)| w.states[m] == v)
    }

    /// Whether the JPKI AP (or the UICC applet) is there to select.
    fn applet_present(&self, w: &World) -> bool {
        self.uicc_present.is_none_or(|(m, present)| w.states[m] == present)
    }

    /// The life-cycle state of the sub certificate: `active`, `suspended`, `revoked`,
    /// `expired` (`active` without a life cycle).
    pub fn sub_status(&self, c: &Composition, w: &World) -> &'static str {
        match self.lc_jlis {
            Some(m) => c.machines[m].table.states[usize::from(w.states[m])].id,
            None => "active",
        }
    }

    /// Whether the sub certificate's record is active.
    pub fn sub_active(&self, w: &World) -> bool {
        self.jlis_active.is_none_or(|(m, active)| w.states[m] == active)
    }

    /// Whether guard `g` holds for `actor` reacting to `input`.
    pub fn guard(&self, c: &Composition, w: &World, actor: u8, g: GuardKind, input: &Input) -> bool {
        use GuardKind::*;
        if actor == who::JLIS {
            if let Some(b) = self.jlis_guard(c, w, g, input) {
                return b;
            }
        }
        let all_not = |gs: &[GuardKind]| gs.iter().all(|x| !self.guard(c, w, actor, *x, input));
        let v = &w.v;
        let pin_value = |inp: &Input| match inp {
            Input::Cmd(Cmd::Verify { pin }) => *pin,
            _ => 0,
        };
        let is_pin = v.card_ef == Ef::Pin;
        let right = pin_value(input) == v.card_right_pin && v.card_right_pin != 0;
        let ans = match input {
            Input::Ans(a) => Some(*a),
            _ => None,
        };
        let value = match input {
            Input::Event { value, .. } => *value,
            _ => 0,
        };
        match g {
            AidKnown => matches!(input, Input::Cmd(Cmd::SelectDf { jpki: true })) && self.applet_present(w),
            AidUnknown => !(matches!(input, Input::Cmd(Cmd::SelectDf { jpki: true })) && self.applet_present(w)),
            FileInDf => {
                v.card_df && matches!(input, Input::Cmd(Cmd::SelectEf(ef)) if *ef != Ef::Missing && *ef != Ef::None)
            }
            FileNotInDf => {
                !(v.card_df && matches!(input, Input::Cmd(Cmd::SelectEf(ef)) if *ef != Ef::Missing && *ef != Ef::None))
            }
            NoPinSelected => !is_pin,
            PinSelected => is_pin,
            PinBlocked => is_pin && v.card_tries == 0,
            PinRight => is_pin && v.card_tries > 0 && right,
            PinWrongTriesLeft => is_pin && v.card_tries > 1 && !right,
            PinWrongLastTry => is_pin && v.card_tries == 1 && !right,
            NoEf => !matches!(v.card_ef, Ef::Cert | Ef::Other),
            EfReadable => match v.card_ef {
                Ef::Other => true,
                Ef::Cert => !self.cert_needs_pin || self.card_verified(w),
                _ => false,
            },
            EfProtected => v.card_ef == Ef::Cert && self.cert_needs_pin && !self.card_verified(w),
            NoKeySelected => v.card_ef != Ef::Key,
            KeySelected => v.card_ef == Ef::Key,
            CertificateIncomplete => ans.is_some_and(|a| a.data == Data::CertPart),
            CertificateComplete => ans.is_some_and(|a| matches!(a.data, Data::Cert(_))),
            TriesLeft => ans.is_some_and(|a| a.param > 0),
            NoTriesLeft => ans.is_some_and(|a| a.param == 0),
            UnknownSession => v.po_session == 0 || id(input.f(0)) != v.po_session,
            BadSignature => {
                !self.mutated(Mutation::PortalAcceptsAnySignature) && !signs(input.f(2), input.f(1), v.po_challenge)
            }
            ChainInvalid => !chain_valid(input.f(1)),
            Revoked => !self.mutated(Mutation::PortalSkipsRevocation) && on_crl(input.f(1)),
            ResponseValid => all_not(&[UnknownSession, BadSignature, ChainInvalid, Revoked]),
            SignatureAndChainValid => all_not(&[UnknownSession, BadSignature, ChainInvalid]),
            StatusGood => {
                id(input.f(0)) == v.po_session
                    && (input.f(1) == Val::Enum(0) || self.mutated(Mutation::PortalIgnoresStatus))
            }
            StatusNotGood => id(input.f(0)) == v.po_session && input.f(1) != Val::Enum(0),
            SessionMatches => id(input.f(0)) == v.rd_session,
            CodeDisplayed => value != 0 || v.pc_code != 0,
            PairingMatches => {
                if actor == who::PC {
                    id(input.f(0)) == v.pc_pairing
                } else {
                    id(input.f(0)) != 0
                }
            }
            RelayCodeValid => v.rl_code != 0 && input.f(0) == Val::Code(v.rl_code),
            RelayCodeWrongAttemptsLeft => {
                !(v.rl_code != 0 && input.f(0) == Val::Code(v.rl_code))
                    && (v.rl_wrong + 1 < MAX_WRONG_CODES || self.mutated(Mutation::RelayUnlimitedCodes))
            }
            RelayCodeWrongLastAttempt => {
                !(v.rl_code != 0 && input.f(0) == Val::Code(v.rl_code)) && v.rl_wrong + 1 >= MAX_WRONG_CODES
            }
            FromBoundPc => {
                let m = input.msg();
                (m.is_some_and(|m| m.from == who::PC && !m.tainted) || self.mutated(Mutation::RelayForwardsAnyone))
                    && id(input.f(0)) == v.rl_channel
                    && v.rl_channel != 0
            }
            FromBoundPhone => {
                input.msg().is_some_and(|m| m.from == who::PHONE && !m.tainted)
                    && id(input.f(0)) == v.rl_channel
                    && v.rl_channel != 0
            }
            FrameInOrder => {
                if actor == who::PHONE {
                    v.ph_channel != 0
                        && id(input.f(0)) == v.ph_channel
                        && (input.f(1) == Val::Num(v.ph_seq.wrapping_add(1))
                            || self.mutated(Mutation::PhoneAcceptsReplays))
                } else {
                    v.pc_channel != 0 && id(input.f(0)) == v.pc_channel && input.f(1) == Val::Num(v.pc_seq)
                }
            }
            ChannelMatches => v.ph_channel != 0 && id(input.f(0)) == v.ph_channel,
            UnknownApplication => v.jl_app == 0 || id(input.f(0)) != v.jl_app,
            ApplicationValid => all_not(&[UnknownApplication, BadSignature, ChainInvalid, Revoked]),
            JlisCodeValid => {
                id(input.f(0)) == v.jl_app
                    && (input.f(1) == Val::Code(v.jl_code) || self.mutated(Mutation::JlisAcceptsAnyCode))
            }
            JlisCodeWrongAttemptsLeft => {
                !self.guard(c, w, actor, JlisCodeValid, input) && v.jl_wrong + 1 < MAX_WRONG_CODES
            }
            JlisCodeWrongLastAttempt => {
                !self.guard(c, w, actor, JlisCodeValid, input) && v.jl_wrong + 1 >= MAX_WRONG_CODES
            }
            OtherHolder => {
                !self.mutated(Mutation::JlisSkipsHolderCheck)
                    && cert::holder(cert_of(self.auth_cert(c, input))) != v.jl_holder
            }
            SameHolderValid => all_not(&[UnknownApplication, BadSignature, ChainInvalid, Revoked, OtherHolder]),
            StoredOk => id(input.f(0)) == v.jl_app && input.f(1) == Val::Enum(0),
            StoredFailed => id(input.f(0)) == v.jl_app && input.f(1) != Val::Enum(0),
            CodeReceived => value != 0 || v.ua_code != 0,
            ForMyApplication => v.ua_app != 0 && id(input.f(0)) == v.ua_app,
            RetryAllowed => v.ua_app != 0 && id(input.f(0)) == v.ua_app && input.f(1) == Val::Enum(0),
            ForPermitted => v.sp_app != 0 && id(input.f(0)) == v.sp_app && id(input.f(1)) == v.sp_iccid,
            NotPermitted => !(v.sp_app != 0 && id(input.f(0)) == v.sp_app && id(input.f(1)) == v.sp_iccid),
            DeployOk => id(input.f(0)) == v.sp_iccid && input.f(2) == Val::Enum(0),
            DeployFailed => id(input.f(0)) == v.sp_iccid && input.f(2) != Val::Enum(0),
            ReportOk => self.report_status(input) == Val::Enum(0),
            ReportFailed => self.report_status(input) != Val::Enum(0),
            SubscriptionEligible => id(input.f(0)) == ICCID,
            NotEligible => id(input.f(0)) != ICCID,
            ScriptAuthentic => input.f(1) == Val::Script { author: author::MNO },
            ScriptNotAuthentic => input.f(1) != Val::Script { author: author::MNO },
            SsdScriptAuthentic => {
                input.f(1) == Val::Script { author: author::SSD } || self.mutated(Mutation::UiccAcceptsAnyScript)
            }
            SsdScriptNotAuthentic => input.f(1) != Val::Script { author: author::SSD },
            SimSwapped => self.uicc_swapped.is_some_and(|(m, x)| w.states[m] == x),
            ForBoundIccid => id(input.f(0)) == ICCID,
        }
    }

    /// The certificate and signature fields of a signed message to J-LIS or the portal.
    fn auth_cert(&self, c: &Composition, input: &Input) -> Val {
        match input.msg().map(|m| c.messages[usize::from(m.id)].kind) {
            Some(MsgKind::Application) => input.f(2),
            _ => input.f(1),
        }
    }

    fn auth_sig(&self, c: &Composition, input: &Input) -> Val {
        match input.msg().map(|m| c.messages[usize::from(m.id)].kind) {
            Some(MsgKind::Application) => input.f(3),
            _ => input.f(2),
        }
    }

    /// J-LIS's checks of a signed application (① or ⑤), as the guards of `s3i` name them.
    pub fn jlis_guard(&self, c: &Composition, w: &World, g: GuardKind, input: &Input) -> Option<bool> {
        use GuardKind::*;
        let certificate = self.auth_cert(c, input);
        let sig = self.auth_sig(c, input);
        Some(match g {
            BadSignature => !signs(sig, certificate, w.v.jl_challenge),
            ChainInvalid => !chain_valid(certificate),
            Revoked => on_crl(certificate),
            _ => return None,
        })
    }

    fn report_status(&self, input: &Input) -> Val {
        // install_report: iccid, aid, status; personalize_report: aid, status.
        match input.f(2) {
            Val::Enum(_) => input.f(2),
            _ => input.f(1),
        }
    }

    /// What `actor` remembers when transition `t` fires on `input` (before it sends).
    pub fn on_fire(&self, c: &Composition, w: &mut World, actor: u8, t: &Tr, input: &Input) {
        let kind = input.msg().map(|m| c.messages[usize::from(m.id)].kind);
        let v = &mut w.v;
        let guard = t.guard.map(|g| g.0);
        match (actor_name(actor), kind) {
            ("pc" | "phone" | "ui_app", Some(MsgKind::Challenge)) => {
                v.rd_session = id(input.f(0));
                v.rd_challenge = nonce(input.f(1));
                v.rd_cert = 0;
                v.rd_sig = Val::None;
            }
            ("ui_app", Some(MsgKind::ApplicationChallenge)) => {
                v.ua_app = id(input.f(0));
                v.rd_challenge = nonce(input.f(1));
                v.rd_cert = 0;
                v.rd_sig = Val::None;
            }
            ("ui_app", Some(MsgKind::AuthChallenge)) => {
                v.rd_challenge = nonce(input.f(1));
                v.rd_cert = 0;
                v.rd_sig = Val::None;
            }
            ("ui_app", Some(MsgKind::AccessCode)) => {
                if let Val::Code(x) = input.f(1) {
                    v.ua_code = x;
                }
            }
            ("pc", Some(MsgKind::PairOffer)) => {
                v.pc_pairing = id(input.f(0));
                if let Val::Code(x) = input.f(1) {
                    v.pc_code = x;
                }
            }
            ("pc", Some(MsgKind::PeerJoined)) => {
                v.pc_channel = id(input.f(1));
                v.pc_code = 0;
            }
            ("pc", Some(MsgKind::PairingClosed)) => v.pc_code = 0,
            ("phone", Some(MsgKind::Paired)) => {
                v.ph_channel = id(input.f(1));
                v.ph_seq = 0;
            }
            ("phone", Some(MsgKind::RelayCapdu)) => {
                if let Val::Num(s) = input.f(1) {
                    v.ph_seq = s;
                    v.ph_pending = s;
                }
            }
            ("relay", Some(MsgKind::PairRequest)) => {
                v.rl_pairing = fresh(&mut v.next_id);
                v.rl_code = fresh(&mut v.next_code);
                v.rl_code_issued = v.rl_code;
                v.rl_wrong = 0;
                v.rl_channel = 0;
            }
            ("relay", Some(MsgKind::PairJoin)) => match guard {
                Some(GuardKind::RelayCodeValid) => {
                    v.rl_channel = fresh(&mut v.next_id);
                    v.rl_code = 0;
                }
                Some(GuardKind::RelayCodeWrongAttemptsLeft) => v.rl_wrong = (v.rl_wrong + 1).min(MAX_WRONG_CODES),
                Some(GuardKind::RelayCodeWrongLastAttempt) => {
                    v.rl_wrong = MAX_WRONG_CODES;
                    v.rl_code = 0;
                }
                _ => {}
            },
            ("portal", Some(MsgKind::LoginRequest)) => {
                v.po_session = fresh(&mut v.next_id);
                v.po_challenge = fresh(&mut v.next_nonce);
                v.po_cert = 0;
                v.po_sig = Val::None;
            }
            ("portal", Some(MsgKind::AuthResponse)) if guard == Some(GuardKind::SignatureAndChainValid) => {
                v.po_cert = cert_of(input.f(1));
                v.po_sig = input.f(2);
            }
            // Only a start that opens an application: one refused as `in_progress` leaves the
            // application in progress as it was (a duplicated start must not cancel it).
            ("jlis", Some(MsgKind::ApplicationStart)) if emits(c, t, MsgKind::ApplicationChallenge) => {
                v.jl_app = fresh(&mut v.next_id);
                v.jl_challenge = fresh(&mut v.next_nonce);
                v.jl_iccid = id(input.f(0));
                v.jl_wrong = 0;
                v.jl_holder = 0;
                v.jl_code = 0;
            }
            ("jlis", Some(MsgKind::Application)) if guard == Some(GuardKind::ApplicationValid) => {
                v.jl_holder = cert::holder(cert_of(input.f(2)));
                v.jl_code = fresh(&mut v.next_code);
            }
            ("jlis", Some(MsgKind::WebApplication)) => match guard {
                Some(GuardKind::JlisCodeValid) => v.jl_challenge = fresh(&mut v.next_nonce),
                Some(GuardKind::JlisCodeWrongAttemptsLeft | GuardKind::JlisCodeWrongLastAttempt) => {
                    v.jl_wrong = (v.jl_wrong + 1).min(MAX_WRONG_CODES)
                }
                _ => {}
            },
            ("sp_tsm", Some(MsgKind::StoragePermission)) => {
                v.sp_app = id(input.f(0));
                v.sp_iccid = id(input.f(1));
            }
            ("sp_tsm", Some(MsgKind::SpData)) if guard == Some(GuardKind::ForPermitted) => v.sp_key = input.f(2),
            ("mno_tsm", Some(MsgKind::DeployRequest)) => v.mno_iccid = id(input.f(0)),
            ("uicc", Some(MsgKind::PersonalizeApdus)) if guard == Some(GuardKind::SsdScriptAuthentic) => {
                v.uc_key = input.f(2)
            }
            _ => {}
        }
        if let Input::Event { ev, .. } = input {
            if c.events[usize::from(*ev)].kind == EvKind::CodeExpires && actor_name(actor) == "relay" {
                v.rl_code = 0;
            }
        }
        if let Input::Ans(a) = input {
            match a.data {
                Data::Cert(x) => v.rd_cert = x,
                Data::Sig { key, over } => v.rd_sig = Val::Sig { key, over },
                _ => {}
            }
        }
    }

    /// The message `msg` its sender sends when transition `t` fires on `input`; for a
    /// reader's C-APDU frame, `apdu` is the command it carries.
    pub fn fill(&self, c: &Composition, w: &mut World, msg: u16, t: &Tr, input: &Input, apdu: Option<Cmd>) -> Msg {
        let info = c.messages[usize::from(msg)];
        let v = &mut w.v;
        let mut f = [Val::None; MAX_FIELDS];
        // A refusal names what it refuses: the identifier the request carried, when the request
        // names the same thing (a refused application_start carries an ICCID, not an
        // application: the refusal names the application in progress instead).
        let same_thing = input.msg().is_some_and(|m| {
            let first = |id: u16| c.messages[usize::from(id)].table.fields.first().map(|f| f.name);
            first(m.id) == first(msg)
        });
        let echo0 = match input.f(0) {
            Val::Id(x) if same_thing => Val::Id(x),
            _ => Val::None,
        };
        let code_for = |value: u8, code: u8| if value == 0 { Val::Code(code) } else { Val::Code(WRONG_CODE) };
        let event_value = match input {
            Input::Event { value, .. } => *value,
            _ => 0,
        };
        match info.kind {
            MsgKind::LoginRequest | MsgKind::PairRequest => {}
            MsgKind::Challenge => f[..2].copy_from_slice(&[Val::Id(v.po_session), Val::Nonce(v.po_challenge)]),
            MsgKind::AuthResponse => f[..3].copy_from_slice(&[Val::Id(v.rd_session), Val::Cert(v.rd_cert), v.rd_sig]),
            MsgKind::SessionGranted => f[0] = Val::Id(v.po_session),
            MsgKind::Refused => f[0] = if echo0 == Val::None { Val::Id(v.po_session) } else { echo0 },
            MsgKind::StatusRequest => f[..2].copy_from_slice(&[Val::Id(v.po_session), Val::Cert(v.po_cert)]),
            MsgKind::Status => {
                // J-LIS answers for the certificate asked about: the user's sub certificate from
                // its life-cycle record, another one from its revocation list.
                let status = match cert_of(input.f(1)) {
                    cert::SUB => match self.sub_status(c, w) {
                        "active" => 0,
                        "suspended" => 1,
                        "revoked" => 2,
                        _ => 3,
                    },
                    other if cert::facts(other).3 => 2,
                    _ => 4,
                };
                f[..2].copy_from_slice(&[echo0, Val::Enum(status)]);
            }
            MsgKind::PairOffer => f[..2].copy_from_slice(&[Val::Id(v.rl_pairing), Val::Code(v.rl_code)]),
            MsgKind::PairJoin => f[0] = code_for(event_value, v.pc_code),
            MsgKind::Paired | MsgKind::PeerJoined => {
                f[..2].copy_from_slice(&[Val::Id(v.rl_pairing), Val::Id(v.rl_channel)])
            }
            MsgKind::PairRejected => {}
            MsgKind::PairingClosed => f[0] = Val::Id(v.rl_pairing),
            MsgKind::PcCapdu => {
                v.pc_seq = v.pc_seq.wrapping_add(1);
                f[..3].copy_from_slice(&[Val::Id(v.pc_channel), Val::Num(v.pc_seq), apdu.map_or(Val::None, Val::Cmd)]);
            }
            MsgKind::RelayCapdu | MsgKind::RelayRapdu => f[..3].copy_from_slice(&[input.f(0), input.f(1), input.f(2)]),
            MsgKind::PhoneRapdu => {
                let ans = match input {
                    Input::Ans(a) => Val::Ans(*a),
                    _ => Val::None,
                };
                f[..3].copy_from_slice(&[Val::Id(v.ph_channel), Val::Num(v.ph_pending), ans]);
            }
            MsgKind::Close => f[0] = Val::Id(v.pc_channel),
            MsgKind::Closed => f[0] = input.f(0),
            MsgKind::ApplicationStart => f[0] = Val::Id(ICCID),
            MsgKind::ApplicationChallenge | MsgKind::AuthChallenge => {
                f[..2].copy_from_slice(&[Val::Id(v.jl_app), Val::Nonce(v.jl_challenge)])
            }
            MsgKind::Application => {
                f.copy_from_slice(&[Val::Id(v.ua_app), Val::Id(ICCID), Val::Cert(v.rd_cert), v.rd_sig])
            }
            MsgKind::ApplicationAccepted | MsgKind::IssuanceFailed => f[0] = Val::Id(v.jl_app),
            MsgKind::ApplicationRefused | MsgKind::WebRefused | MsgKind::PersonalAuthRefused => {
                f[0] = if echo0 == Val::None { Val::Id(v.jl_app) } else { echo0 }
            }
            MsgKind::StoragePermission => f[..2].copy_from_slice(&[Val::Id(v.jl_app), Val::Id(v.jl_iccid)]),
            MsgKind::AccessCode => f[..2].copy_from_slice(&[Val::Id(v.jl_app), Val::Code(v.jl_code)]),
            MsgKind::WebApplication => f[..2].copy_from_slice(&[Val::Id(v.ua_app), code_for(event_value, v.ua_code)]),
            MsgKind::PersonalAuth => f[..3].copy_from_slice(&[Val::Id(v.ua_app), Val::Cert(v.rd_cert), v.rd_sig]),
            MsgKind::SpData => {
                // A new key pair every time: a second one is a second issuance.
                v.jl_sub = v.jl_sub.max(cert::SUB_NEW - 1).saturating_add(1);
                let key_wrap = if self.mutated(Mutation::JlisSendsKeyInClear) { wrap::CLEAR } else { wrap::SP_TSM };
                f.copy_from_slice(&[
                    Val::Id(v.jl_app),
                    Val::Id(v.jl_iccid),
                    Val::Key { key: v.jl_sub, wrap: key_wrap },
                    Val::Cert(v.jl_sub),
                ])
            }
            MsgKind::DeployRequest => f[..2].copy_from_slice(&[Val::Id(v.sp_iccid), Val::Aid(APPLET)]),
            MsgKind::InstallScript => {
                f[..3].copy_from_slice(&[Val::Id(v.mno_iccid), Val::Aid(APPLET), Val::Script { author: author::MNO }])
            }
            MsgKind::InstallApdus => f[..2].copy_from_slice(&[input.f(1), input.f(2)]),
            MsgKind::InstallResult | MsgKind::PersonalizeResult => f[0] = input.f(0),
            MsgKind::InstallReport => f[..3].copy_from_slice(&[Val::Id(ICCID), input.f(0), input.f(1)]),
            MsgKind::DeployResult => {
                f[..2].copy_from_slice(&[Val::Id(v.mno_iccid), Val::Aid(APPLET)]);
                f[3] = Val::Key { key: SSD_KEYS, wrap: wrap::SP_TSM };
            }
            MsgKind::PersonalizeScript => {
                let key = match v.sp_key {
                    Val::Key { key, .. } => Val::Key { key, wrap: wrap::SSD },
                    other => other,
                };
                f[..3].copy_from_slice(&[Val::Aid(APPLET), Val::Script { author: author::SSD }, key]);
            }
            MsgKind::PersonalizeApdus => f[..3].copy_from_slice(&[input.f(0), input.f(1), input.f(2)]),
            MsgKind::PersonalizeReport => f[..2].copy_from_slice(&[input.f(0), input.f(1)]),
            MsgKind::Stored => f[0] = if echo0 == Val::None { Val::Id(v.sp_app) } else { echo0 },
            MsgKind::Issued => f[..2].copy_from_slice(&[Val::Id(v.jl_app), Val::Cert(v.jl_sub)]),
            MsgKind::SimChanged => f[0] = Val::Id(ICCID),
            MsgKind::DeleteCommand => f[0] = Val::Aid(APPLET),
            MsgKind::AppletDeleted => f[..2].copy_from_slice(&[Val::Id(ICCID), Val::Aid(APPLET)]),
            MsgKind::ReissueRequired => {}
            MsgKind::StatusNotice => {
                let status = match self.sub_status(c, w) {
                    "active" => 0,
                    "suspended" => 1,
                    "revoked" => 2,
                    _ => 3,
                };
                f[0] = Val::Enum(status);
            }
        }
        for &(m, field, value) in &t.presets {
            if m == msg {
                if let Some(slot) = f.get_mut(field) {
                    *slot = Val::Enum(value);
                }
            }
        }
        let tainted = input.msg().is_some_and(|m| m.tainted);
        Msg { id: msg, from: info.from, to: info.to, tainted, f }
    }

    /// The C-APDU a reader's transition sends.
    pub fn apdu(&self, w: &World, arg: ApduArg, input: &Input) -> Cmd {
        match arg {
            ApduArg::SelectDf { jpki } => Cmd::SelectDf { jpki },
            ApduArg::SelectEf(ef) => Cmd::SelectEf(ef),
            ApduArg::Verify => {
                let value = match input {
                    Input::Event { value, .. } => *value,
                    _ => 0,
                };
                Cmd::Verify { pin: if value == 0 { PIN_RIGHT } else { PIN_WRONG } }
            }
            ApduArg::Read => Cmd::Read,
            ApduArg::Sign => Cmd::Sign { over: w.v.rd_challenge },
        }
    }

    /// The card's answer under `rule` to `cmd`, and what the card remembers of it.
    pub fn card_answer(&self, c: &Composition, w: &mut World, rule: u8, cmd: Cmd) -> Ans {
        let r = self.rules;
        let (own_cert, own_key) = if c.card == Some(who::UICC) {
            (cert::SUB, cert::key(cert::SUB))
        } else {
            (cert::CARD, cert::key(cert::CARD))
        };
        let v = &mut w.v;
        let mut ans = Ans { rule, param: 0, data: Data::None };
        if rule == r.select_df_ok {
            v.card_df = true;
            v.card_ef = Ef::None;
        } else if rule == r.select_ef_ok {
            if let Cmd::SelectEf(ef) = cmd {
                v.card_ef = ef;
            }
        } else if rule == r.verify_ok {
            v.card_tries = PIN_TRIES;
        } else if rule == r.verify_wrong {
            if !self.mutated(Mutation::CardKeepsCounter) {
                v.card_tries = v.card_tries.saturating_sub(1);
            }
            ans.param = v.card_tries;
        } else if rule == r.verify_query_tries {
            ans.param = v.card_tries;
        } else if rule == r.read_ok {
            ans.data = match v.card_ef {
                Ef::Cert => Data::Cert(own_cert),
                Ef::Key => Data::Leak { key: own_key },
                _ => Data::None,
            };
        } else if rule == r.sign_ok {
            if let Cmd::Sign { over } = cmd {
                ans.data = Data::Sig { key: own_key, over };
            }
        }
        ans
    }

    /// What `actor` forgets when it crashes.
    pub fn crash(&self, w: &mut World, actor: u8) {
        let v = &mut w.v;
        match actor_name(actor) {
            "card" | "uicc" => {
                v.card_df = false;
                v.card_ef = Ef::None;
                w.slot = None;
            }
            "pc" => {
                v.pc_pairing = 0;
                v.pc_code = 0;
                v.pc_channel = 0;
                v.pc_seq = 0;
                v.rd_session = 0;
                v.rd_challenge = 0;
                v.rd_cert = 0;
                v.rd_sig = Val::None;
            }
            "phone" => {
                v.ph_channel = 0;
                v.ph_seq = 0;
                v.ph_pending = 0;
                v.rd_session = 0;
                v.rd_challenge = 0;
                v.rd_cert = 0;
                v.rd_sig = Val::None;
                // The NFC session ends: the card is powered off.
                v.card_df = false;
                v.card_ef = Ef::None;
                w.slot = None;
            }
            "ui_app" => {
                v.ua_app = 0;
                v.ua_code = 0;
                v.rd_session = 0;
                v.rd_challenge = 0;
                v.rd_cert = 0;
                v.rd_sig = Val::None;
                v.card_df = false;
                v.card_ef = Ef::None;
                w.slot = None;
            }
            "relay" => {
                v.rl_pairing = 0;
                v.rl_code = 0;
                v.rl_wrong = 0;
                v.rl_channel = 0;
            }
            "portal" => {
                v.po_session = 0;
                v.po_challenge = 0;
                v.po_cert = 0;
            }
            _ => {}
        }
    }
}

fn nonce(v: Val) -> u8 {
    match v {
        Val::Nonce(x) => x,
        _ => 0,
    }
}

fn fresh(counter: &mut u8) -> u8 {
    let x = *counter;
    *counter = counter.wrapping_add(1).max(1);
    x
}

pub fn actor_name(i: u8) -> &'static str {
    super::value::actor_name(i)
}
