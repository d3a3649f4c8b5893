//! Running a composed system: which actions a state allows (deliver, lose or duplicate a
//! message, an actor's own event, the card answering, a crash, an attacker's move) and the
//! state each leads to. The model checker explores every action; the conformance checker
//! takes the ones a trace shows. Both run this one implementation.

use super::compose::{Composition, On, Out, Tr};
use super::logic::{Input, Logic, MsgKind, APPLET};
use super::mutation::Mutation;
use super::props;
use super::table::Flow;
use super::value::{
    actor_index, author, cert, wrap, Ans, Cmd, Data, Ef, Val, ATTACKER, PIN_WRONG, STALE_NONCE, WRONG_CODE,
};
use super::world::{Envelope, Msg, World, MAX_FIELDS};

/// How much a run may do beyond the protocol itself. The state space grows with each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bounds {
    /// Deliver messages between two actors in the order sent, never lose or repeat them.
    pub ordered: bool,
    /// Messages the network may lose in one run (unordered network only).
    pub drops: u8,
    /// Messages the network may duplicate in one run; a duplicated message may then arrive
    /// any number of times (unordered network only).
    pub dups: u8,
    /// Attacker moves in one run.
    pub attacks: u8,
    /// Actor crashes in one run.
    pub crashes: u8,
    /// Life-cycle events (loss, revocation, expiry, SIM change, deletion) in one run.
    pub life_events: u8,
}

impl Bounds {
    /// An ordered, reliable network, one attacker move, no crash.
    pub const ORDERED: Bounds = Bounds { ordered: true, drops: 0, dups: 0, attacks: 1, crashes: 0, life_events: 2 };
    /// An unordered network that may lose any message and duplicate one, one attacker move.
    ///
    /// On an unordered network a lost message is one never delivered: every run with a loss
    /// is a run in which the message simply stays in flight, and since no property looks at
    /// what is in flight, an explicit drop action would only add states that differ in it.
    /// So `drops` stays 0 and loss is still covered, without bound.
    pub const LOSSY: Bounds = Bounds { ordered: false, drops: 0, dups: 1, attacks: 1, crashes: 0, life_events: 2 };

    /// Whether a reachability property that needs `needs` can be judged under these bounds.
    pub fn allow(&self, needs: &[&str]) -> bool {
        needs.iter().all(|n| match *n {
            "lossy" => !self.ordered,
            "crashes" => self.crashes > 0,
            _ => false,
        })
    }
}

/// The most identifiers one run hands out.
pub const MAX_IDS: u8 = 6;
/// The most challenges one run hands out.
pub const MAX_NONCES: u8 = 3;
/// The most codes one run hands out.
pub const MAX_CODES: u8 = 3;

/// What the attacker can do. It knows every identifier and challenge on the network (a
/// compromised client or a phishing relay), holds the public certificates, a signature over
/// an old challenge, a revoked certificate with its key, a self-made certificate, another
/// person's valid card, and can hold the victim's card near a reader of its own; it has no
/// PIN and no card or TSM keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attack {
    /// A response to the open portal session with a signature over an old challenge.
    StaleSignature,
    /// A response with a revoked certificate and its key's signature over the challenge.
    RevokedCertificate,
    /// A response with a self-made certificate.
    SelfSignedCertificate,
    /// A pairing join with a guessed code.
    GuessPairingCode,
    /// A C-APDU frame on the relay naming the bound channel.
    ForgeFrame,
    /// At the card: SELECT the JPKI AP and the key, then COMPUTE DIGITAL SIGNATURE.
    CardSignWithoutPin,
    /// At the card: SELECT the JPKI AP and the key, then READ BINARY.
    CardReadKey,
    /// At the card: SELECT the JPKI AP and the PIN, then a wrong VERIFY.
    CardGuessPin,
    /// A web application with a guessed access code.
    GuessAccessCode,
    /// Personal authentication with the attacker's own valid card.
    OtherHolder,
    /// A certificate application with a self-made certificate.
    SelfSignedApplication,
    /// A personalization script under no SSD keys.
    ForgedScript,
}

/// One step of a run.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Deliver(Envelope),
    Drop(Envelope),
    Duplicate(Envelope),
    /// Machine `machine` takes event `event` (global index) with value `value`.
    Event {
        machine: u8,
        event: u16,
        value: u8,
    },
    /// The card answers the C-APDU waiting at it.
    Card,
    Crash(u8),
    Attack(Attack),
}

/// One exchange with the card, as a trace shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exchange {
    pub reader: u8,
    pub cmd: Cmd,
    pub ans: Ans,
}

/// What a step did that a trace records: messages delivered, card exchanges, crashes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    pub exchanges: Vec<Exchange>,
}

/// A composed system ready to run.
#[derive(Clone, Debug)]
pub struct System {
    pub c: Composition,
    pub logic: Logic,
    pub bounds: Bounds,
    pub attacks: Vec<Attack>,
    /// Actors whose crash loses something.
    pub volatile: Vec<u8>,
    /// (machine, state) where the scheme 3 attacks apply: J-LIS applied, code accepted,
    /// awaiting the application; the TSM proxy idle while the applet waits for its data.
    marks: [Option<(usize, u8)>; 5],
}

impl System {
    /// The system of `flows` under `bounds`, with `mutation` (tests only).
    pub fn new(flows: &[&'static Flow], bounds: Bounds, mutation: Option<Mutation>) -> Result<Self, String> {
        let c = Composition::new(flows, mutation)?;
        let logic = Logic::new(&c, mutation)?;
        let has = |prefix: &str| c.flows.iter().any(|f| f.prefix == prefix);
        let mut attacks = Vec::new();
        if has("s1") || has("s2") || has("s3u") {
            attacks.extend([Attack::StaleSignature, Attack::RevokedCertificate, Attack::SelfSignedCertificate]);
        }
        if has("s1") {
            attacks.extend([Attack::GuessPairingCode, Attack::ForgeFrame]);
        }
        // Near the plastic card with a reader of its own, or on the phone with OMAPI access to
        // the UICC applet (a compromised app).
        attacks.extend([Attack::CardSignWithoutPin, Attack::CardReadKey, Attack::CardGuessPin]);
        if has("s3i") {
            attacks.extend([
                Attack::GuessAccessCode,
                Attack::OtherHolder,
                Attack::SelfSignedApplication,
                Attack::ForgedScript,
            ]);
        }
        let volatile = ["card", "pc", "relay", "phone", "portal", "ui_app", "tsm_proxy"]
            .iter()
            .filter_map(|a| actor_index(a))
            .filter(|a| c.actors.contains(a))
            .chain(if has("s3u") { actor_index("uicc") } else { None })
            .collect();
        let mark = |machine: &str, state: &str| {
            c.machine(machine).and_then(|m| c.machines[m].table.state(state).map(|s| (m, s)))
        };
        let marks = [
            mark("s3i.machine.jlis", "applied"),
            mark("s3i.machine.jlis", "code_accepted"),
            mark("s3i.machine.jlis", "awaiting_application"),
            mark("s3i.machine.tsm_proxy", "idle"),
            mark("s3i.machine.uicc", "installed"),
        ];
        Ok(System { c, logic, bounds, attacks, volatile, marks })
    }

    /// Whether `w` is inside the bounds on fresh values: a run hands out at most
    /// [`MAX_IDS`] identifiers (pairings, channels, sessions, applications), [`MAX_NONCES`]
    /// challenges and [`MAX_CODES`] codes. Beyond them a duplicated request could open
    /// sessions without end; the checker does not explore past them.
    pub fn within_bounds(&self, w: &World) -> bool {
        w.v.next_id <= MAX_IDS + 1 && w.v.next_nonce <= MAX_NONCES + 1 && w.v.next_code <= MAX_CODES + 1
    }

    pub fn initial(&self) -> World {
        self.logic.initial(&self.c)
    }

    /// Every action `w` allows, in a fixed order.
    pub fn actions(&self, w: &World, out: &mut Vec<Action>) {
        let b = &self.bounds;
        // Deliveries.
        for (i, e) in w.net.iter().enumerate() {
            let first_of_pair =
                !b.ordered || !w.net[..i].iter().any(|x| x.msg.from == e.msg.from && x.msg.to == e.msg.to);
            let first_copy = !w.net[..i].contains(e);
            if first_of_pair && first_copy {
                out.push(Action::Deliver(*e));
            }
        }
        if !b.ordered {
            for (i, e) in w.net.iter().enumerate() {
                if e.sticky || w.net[..i].contains(e) {
                    continue;
                }
                if w.spent.drops < b.drops {
                    out.push(Action::Drop(*e));
                }
                if w.spent.dups < b.dups {
                    out.push(Action::Duplicate(*e));
                }
            }
        }
        if w.slot.is_some() {
            out.push(Action::Card);
        }
        // Events.
        for (mi, m) in self.c.machines.iter().enumerate() {
            let mut seen: Vec<u16> = Vec::new();
            for t in m.transitions.iter().filter(|t| t.from == w.states[mi]) {
                let On::Event(ev) = t.on else { continue };
                if seen.contains(&ev) {
                    continue;
                }
                seen.push(ev);
                let info = self.c.events[usize::from(ev)];
                if self.c.flows[info.flow].prefix == "lc" && w.spent.life_events >= b.life_events {
                    continue;
                }
                let values = info.table.values.len().max(1) as u8;
                for value in 0..values {
                    let input = Input::Event { ev, value };
                    if self.pick(w, mi, |o| o == On::Event(ev), &input).is_some() {
                        out.push(Action::Event { machine: mi as u8, event: ev, value });
                    }
                }
            }
        }
        if w.spent.crashes < b.crashes {
            for &a in &self.volatile {
                out.push(Action::Crash(a));
            }
        }
        if w.spent.attacks < b.attacks {
            for &a in &self.attacks {
                if self.attack_enabled(w, a) {
                    out.push(Action::Attack(a));
                }
            }
        }
    }

    /// The first transition of machine `mi` from its state whose trigger satisfies `on` and
    /// whose guard holds.
    fn pick(&self, w: &World, mi: usize, on: impl Fn(On) -> bool, input: &Input) -> Option<usize> {
        let m = &self.c.machines[mi];
        m.transitions.iter().position(|t| {
            t.from == w.states[mi]
                && on(t.on)
                && t.guard.is_none_or(|(g, _)| self.logic.guard(&self.c, w, m.actor, g, input))
        })
    }

    /// The state after `action`, or `None` when it changes nothing.
    pub fn next(&self, w: &World, action: &Action) -> Option<World> {
        let mut n = w.clone();
        self.apply(&mut n, action, &mut Effects::default());
        (n != *w).then_some(n)
    }

    /// Applies `action` to `w`, recording the card exchanges in `fx`.
    pub fn apply(&self, w: &mut World, action: &Action, fx: &mut Effects) {
        match action {
            Action::Deliver(e) => {
                if !e.sticky {
                    if let Some(i) = w.net.iter().position(|x| x == e) {
                        w.net.remove(i);
                    }
                }
                self.deliver(w, &e.msg, fx);
            }
            Action::Drop(e) => {
                if let Some(i) = w.net.iter().position(|x| x == e) {
                    w.net.remove(i);
                    w.spent.drops += 1;
                }
            }
            Action::Duplicate(e) => {
                if let Some(i) = w.net.iter().position(|x| x == e) {
                    w.net[i].sticky = true;
                    w.spent.dups += 1;
                    self.normalize(w);
                }
            }
            Action::Event { machine, event, value } => {
                let mi = usize::from(*machine);
                let input = Input::Event { ev: *event, value: *value };
                if let Some(ti) = self.pick(w, mi, |o| o == On::Event(*event), &input) {
                    let info = self.c.events[usize::from(*event)].table;
                    let from = self.c.machines[mi].table.states[usize::from(w.states[mi])].id;
                    props::observe_event(w, info.id, from);
                    if self.c.flows[self.c.events[usize::from(*event)].flow].prefix == "lc" {
                        w.spent.life_events = w.spent.life_events.saturating_add(1);
                    }
                    self.fire(w, mi, ti, &input, fx);
                }
            }
            Action::Card => {
                if let Some((cmd, reader)) = w.slot.take() {
                    self.card_step(w, cmd, reader, fx);
                }
            }
            Action::Crash(a) => {
                w.spent.crashes += 1;
                self.crash(w, *a);
            }
            Action::Attack(a) => {
                w.spent.attacks += 1;
                self.attack(w, *a, fx);
            }
        }
    }

    /// `actor` loses its volatile state.
    pub fn crash(&self, w: &mut World, actor: u8) {
        for (mi, m) in self.c.machines.iter().enumerate() {
            if m.actor == actor {
                w.states[mi] = m.table.states[usize::from(w.states[mi])].crash;
            }
        }
        self.logic.crash(w, actor);
        if Some(actor) == self.c.card || matches!(super::value::actor_name(actor), "phone" | "ui_app") {
            props::observe_power_loss(w);
            // The card's machine follows its power: a reader's crash ends the NFC session.
            if let (Some(card), Some(mi)) = (self.c.card, self.c.card_machine()) {
                if card != actor {
                    let m = &self.c.machines[mi];
                    w.states[mi] = m.table.states[usize::from(w.states[mi])].crash;
                }
            }
        }
    }

    /// The card is powered off or reset (a trace's control line).
    pub fn power_cycle(&self, w: &mut World) {
        if let Some(card) = self.c.card {
            for (mi, m) in self.c.machines.iter().enumerate() {
                if m.actor == card && m.is_card {
                    w.states[mi] = m.table.states[usize::from(w.states[mi])].crash;
                }
            }
            w.v.card_df = false;
            w.v.card_ef = Ef::None;
            props::observe_power_loss(w);
        }
    }

    /// Keeps the network a canonical multiset when it is unordered.
    fn normalize(&self, w: &mut World) {
        if !self.bounds.ordered {
            w.net.sort();
        }
    }

    fn send(&self, w: &mut World, msg: Msg, input: Option<&Msg>) {
        props::observe_emit(&self.c, &self.logic, w, &msg, input);
        // On an unordered network identical messages in flight are one: the network may
        // deliver it again anyway (duplication), so a second copy adds nothing but states.
        if !self.bounds.ordered && w.net.iter().any(|e| e.msg == msg) {
            return;
        }
        w.net.push(Envelope { msg, sticky: false });
        self.normalize(w);
    }

    /// `msg` arrives at its receiver.
    pub fn deliver(&self, w: &mut World, msg: &Msg, fx: &mut Effects) {
        props::observe_delivery(&self.c, w, msg);
        let input = Input::Msg(*msg);
        for mi in 0..self.c.machines.len() {
            let m = &self.c.machines[mi];
            if m.actor != msg.to {
                continue;
            }
            if let Some((_, receive, (g, _))) = m.via {
                if msg.id == receive {
                    if self.logic.guard(&self.c, w, m.actor, g, &input) {
                        if let Val::Ans(a) = msg.f[2] {
                            self.answer_to(w, mi, a, fx);
                        }
                    }
                    continue;
                }
            }
            if let Some(ti) = self.pick(w, mi, |o| o == On::Msg(msg.id), &input) {
                self.fire(w, mi, ti, &input, fx);
            }
        }
    }

    /// Reader machine `mi` gets the card's answer `a`.
    fn answer_to(&self, w: &mut World, mi: usize, a: Ans, fx: &mut Effects) {
        let input = Input::Ans(a);
        let ti = self
            .pick(w, mi, |o| o == On::Answer(a.rule), &input)
            .or_else(|| self.pick(w, mi, |o| o == On::AnyAnswer, &input));
        if let Some(ti) = ti {
            self.fire(w, mi, ti, &input, fx);
        }
    }

    /// The card answers `cmd` from `reader`.
    pub fn card_step(&self, w: &mut World, cmd: Cmd, reader: u8, fx: &mut Effects) -> Option<Ans> {
        self.card_step_seen(w, cmd, reader, fx, &mut |_, _| {})
    }

    /// [`Self::card_step`], letting `seen` adjust the answer from what a trace shows (how
    /// much of the certificate has been read, the signature's bytes) before the reader gets it.
    pub fn card_step_seen(
        &self,
        w: &mut World,
        cmd: Cmd,
        reader: u8,
        fx: &mut Effects,
        seen: &mut dyn FnMut(&World, &mut Ans),
    ) -> Option<Ans> {
        let mi = self.c.card_machine()?;
        let input = Input::Cmd(cmd);
        let ti = self.pick(w, mi, |o| matches!(o, On::Cmd(k) if k.matches(cmd)), &input);
        let ans = match ti {
            Some(ti) => {
                let t = &self.c.machines[mi].transitions[ti];
                let rule = t.emits.iter().find_map(|o| match o {
                    Out::Answer(r) => Some(*r),
                    _ => None,
                })?;
                w.states[mi] = t.to;
                self.logic.card_answer(&self.c, w, rule, cmd)
            }
            // A command the flows do not give the card: it does not know the instruction.
            None => Ans { rule: super::compose::rule_index("card.ins_not_supported")?, param: 0, data: Data::None },
        };
        let mut ans = ans;
        seen(w, &mut ans);
        props::observe_answer(&self.logic, w, &ans);
        fx.exchanges.push(Exchange { reader, cmd, ans });
        if reader != ATTACKER {
            for ri in 0..self.c.machines.len() {
                let m = &self.c.machines[ri];
                if m.actor == reader && m.is_reader && m.via.is_none() {
                    self.answer_to(w, ri, ans, fx);
                }
            }
        }
        Some(ans)
    }

    /// Transition `ti` of machine `mi` fires on `input`.
    fn fire(&self, w: &mut World, mi: usize, ti: usize, input: &Input, fx: &mut Effects) {
        let m = &self.c.machines[mi];
        let t: &Tr = &m.transitions[ti];
        self.logic.on_fire(&self.c, w, m.actor, t, input);
        w.states[mi] = t.to;
        let received = match input {
            Input::Msg(x) => Some(*x),
            _ => None,
        };
        for out in &t.emits {
            match *out {
                Out::Msg(id) => {
                    let msg = self.logic.fill(&self.c, w, id, t, input, None);
                    self.send(w, msg, received.as_ref());
                }
                Out::Cmd(arg) => {
                    let cmd = self.logic.apdu(w, arg, input);
                    match m.via {
                        Some((send, _, _)) => {
                            let msg = self.logic.fill(&self.c, w, send, t, input, Some(cmd));
                            self.send(w, msg, received.as_ref());
                        }
                        None => w.slot = Some((cmd, m.actor)),
                    }
                }
                Out::Forward => {
                    if let Some(frame) = received {
                        if let Val::Cmd(cmd) = frame.f[2] {
                            props::observe_forward(w, &frame);
                            w.slot = Some((cmd, m.actor));
                        }
                    }
                }
                Out::Answer(_) => {}
            }
        }
        let _ = fx;
    }

    fn at(&self, w: &World, mark: Option<(usize, u8)>) -> bool {
        mark.is_some_and(|(m, s)| w.states[m] == s)
    }

    fn attack_enabled(&self, w: &World, a: Attack) -> bool {
        let v = &w.v;
        match a {
            Attack::StaleSignature | Attack::RevokedCertificate | Attack::SelfSignedCertificate => v.po_session != 0,
            Attack::GuessPairingCode => v.rl_code != 0,
            Attack::ForgeFrame => v.rl_channel != 0,
            // The attacker has the card before its holder uses it: a fresh card, nothing selected.
            // (Later interleavings add states, not behaviours the properties distinguish: the
            // card's security status is lost on every SELECT of the AP anyway.)
            Attack::CardSignWithoutPin | Attack::CardReadKey | Attack::CardGuessPin => {
                w.slot.is_none()
                    && !w.v.card_df
                    && self.c.card_machine().is_some_and(|m| w.states[m] == self.c.machines[m].table.initial)
            }
            Attack::GuessAccessCode => self.at(w, self.marks[0]),
            Attack::OtherHolder => self.at(w, self.marks[1]),
            Attack::SelfSignedApplication => self.at(w, self.marks[2]),
            Attack::ForgedScript => self.at(w, self.marks[3]) && self.at(w, self.marks[4]),
        }
    }

    /// The message the attacker injects for `a`, if `a` is an injection.
    pub fn injection(&self, w: &World, a: Attack) -> Option<Msg> {
        let v = &w.v;
        let own = if self.c.card == Some(super::value::who::UICC) { cert::SUB } else { cert::CARD };
        let msg = |kind: MsgKind, fields: &[Val]| {
            let id = self.c.message_of(kind)?;
            let mut f = [Val::None; MAX_FIELDS];
            f[..fields.len()].copy_from_slice(fields);
            Some(Msg { id, from: ATTACKER, to: self.c.messages[usize::from(id)].to, tainted: true, f })
        };
        let session = Val::Id(v.po_session);
        match a {
            Attack::StaleSignature => msg(
                MsgKind::AuthResponse,
                &[session, Val::Cert(own), Val::Sig { key: cert::key(own), over: STALE_NONCE }],
            ),
            Attack::RevokedCertificate => msg(
                MsgKind::AuthResponse,
                &[session, Val::Cert(cert::REVOKED), Val::Sig { key: cert::key(cert::REVOKED), over: v.po_challenge }],
            ),
            Attack::SelfSignedCertificate => msg(
                MsgKind::AuthResponse,
                &[
                    session,
                    Val::Cert(cert::SELF_SIGNED),
                    Val::Sig { key: cert::key(cert::SELF_SIGNED), over: v.po_challenge },
                ],
            ),
            Attack::GuessPairingCode => msg(MsgKind::PairJoin, &[Val::Code(WRONG_CODE)]),
            Attack::ForgeFrame => msg(
                MsgKind::PcCapdu,
                &[Val::Id(v.rl_channel), Val::Num(v.pc_seq.wrapping_add(1)), Val::Cmd(Cmd::Sign { over: STALE_NONCE })],
            ),
            Attack::GuessAccessCode => msg(MsgKind::WebApplication, &[Val::Id(v.jl_app), Val::Code(WRONG_CODE)]),
            Attack::OtherHolder => msg(
                MsgKind::PersonalAuth,
                &[
                    Val::Id(v.jl_app),
                    Val::Cert(cert::OTHER),
                    Val::Sig { key: cert::key(cert::OTHER), over: v.jl_challenge },
                ],
            ),
            Attack::SelfSignedApplication => msg(
                MsgKind::Application,
                &[
                    Val::Id(v.jl_app),
                    Val::Id(super::logic::ICCID),
                    Val::Cert(cert::SELF_SIGNED),
                    Val::Sig { key: cert::key(cert::SELF_SIGNED), over: v.jl_challenge },
                ],
            ),
            Attack::ForgedScript => msg(
                MsgKind::PersonalizeScript,
                &[Val::Aid(APPLET), Val::Script { author: author::ATTACKER }, Val::Key { key: 9, wrap: wrap::SSD }],
            ),
            _ => None,
        }
    }

    /// Whether the attacker of this system can send messages of `kind` (the messages its
    /// injections are).
    pub fn injectable(&self, kind: MsgKind) -> bool {
        self.attacks.iter().any(|a| {
            matches!(
                (a, kind),
                (
                    Attack::StaleSignature | Attack::RevokedCertificate | Attack::SelfSignedCertificate,
                    MsgKind::AuthResponse
                ) | (Attack::GuessPairingCode, MsgKind::PairJoin)
                    | (Attack::ForgeFrame, MsgKind::PcCapdu)
                    | (Attack::GuessAccessCode, MsgKind::WebApplication)
                    | (Attack::OtherHolder, MsgKind::PersonalAuth)
                    | (Attack::SelfSignedApplication, MsgKind::Application)
                    | (Attack::ForgedScript, MsgKind::PersonalizeScript)
            )
        })
    }

    /// The C-APDUs of an attack at the card.
    pub fn card_attack(a: Attack) -> Option<[Cmd; 3]> {
        let select = Cmd::SelectDf { jpki: true };
        Some(match a {
            Attack::CardSignWithoutPin => [select, Cmd::SelectEf(Ef::Key), Cmd::Sign { over: STALE_NONCE }],
            Attack::CardReadKey => [select, Cmd::SelectEf(Ef::Key), Cmd::Read],
            Attack::CardGuessPin => [select, Cmd::SelectEf(Ef::Pin), Cmd::Verify { pin: PIN_WRONG }],
            _ => return None,
        })
    }

    fn attack(&self, w: &mut World, a: Attack, fx: &mut Effects) {
        if let Some(cmds) = Self::card_attack(a) {
            for cmd in cmds {
                self.card_step(w, cmd, ATTACKER, fx);
            }
        } else if let Some(msg) = self.injection(w, a) {
            // The attacker's message goes straight to its target: the network is its own.
            self.deliver(w, &msg, fx);
        }
    }
}
