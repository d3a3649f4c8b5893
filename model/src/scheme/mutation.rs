//! Broken variants of the model, one or more per safety property, for the tests that show the
//! checker can fail: each variant must make the checker find a violation of the property it
//! names, and the counterexample, written as a trace, must be rejected by the conformance
//! checker (which always runs the unbroken model). Not part of the command line.

use super::compose::{Composition, On, Out};

/// A deliberate defect in the model.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mutation {
    /// The card signs with the key selected but the PIN not verified.
    CardSignsWithoutPin,
    /// A wrong PIN does not decrement the counter.
    CardKeepsCounter,
    /// READ BINARY of the key EF answers the key.
    CardReadsKey,
    /// The portal accepts a signature over any challenge, by any key.
    PortalAcceptsAnySignature,
    /// The portal does not look at the revocation list.
    PortalSkipsRevocation,
    /// The portal grants whatever J-LIS says about the status.
    PortalIgnoresStatus,
    /// The relay forwards frames naming the channel from anyone, not only the bound PC.
    RelayForwardsAnyone,
    /// The relay never closes a pairing after wrong codes.
    RelayUnlimitedCodes,
    /// The phone accepts any sequence number on its channel.
    PhoneAcceptsReplays,
    /// J-LIS accepts any access code.
    JlisAcceptsAnyCode,
    /// J-LIS does not compare the holder of ⑤ with ①'s.
    JlisSkipsHolderCheck,
    /// J-LIS sends the sub private key in clear.
    JlisSendsKeyInClear,
    /// J-LIS answers a repeated personal authentication with a second key pair.
    JlisIssuesTwice,
    /// The UICC accepts a personalization script under any keys.
    UiccAcceptsAnyScript,
    /// J-LIS keeps the sub certificate when the main one is revoked.
    JlisIgnoresMainRevocation,
    /// J-LIS does not suspend on a loss report.
    JlisIgnoresLoss,
    /// J-LIS ignores the MNO's SIM change report.
    JlisIgnoresSimChange,
    /// J-LIS ignores the applet's deletion.
    JlisIgnoresDeletion,
}

/// Every mutation with the flow prefixes of the system it applies to, the property it breaks,
/// and whether finding it needs a lossy, duplicating network.
#[doc(hidden)]
pub const ALL: &[(Mutation, &[&str], &str, bool)] = &[
    (Mutation::CardSignsWithoutPin, &["s1"], "s1.prop.no_signature_without_pin", false),
    (Mutation::CardSignsWithoutPin, &["s2"], "s2.prop.no_signature_without_pin", false),
    (Mutation::CardSignsWithoutPin, &["s3i"], "s3i.prop.no_signature_without_pin", false),
    (Mutation::CardSignsWithoutPin, &["s3u", "lc"], "s3u.prop.no_signature_without_pin", false),
    (Mutation::CardKeepsCounter, &["s1"], "s1.prop.pin_counter_correct", false),
    (Mutation::CardKeepsCounter, &["s2"], "s2.prop.pin_counter_correct", false),
    (Mutation::CardKeepsCounter, &["s3i"], "s3i.prop.pin_counter_correct", false),
    (Mutation::CardKeepsCounter, &["s3u", "lc"], "s3u.prop.pin_counter_correct", false),
    (Mutation::CardReadsKey, &["s1"], "s1.prop.key_stays_in_card", false),
    (Mutation::CardReadsKey, &["s2"], "s2.prop.key_stays_in_card", false),
    (Mutation::CardReadsKey, &["s3i"], "s3i.prop.key_stays_in_card", false),
    (Mutation::CardReadsKey, &["s3u", "lc"], "s3u.prop.key_stays_in_card", false),
    (Mutation::PortalAcceptsAnySignature, &["s1"], "s1.prop.session_needs_fresh_signature", false),
    (Mutation::PortalAcceptsAnySignature, &["s2"], "s2.prop.session_needs_fresh_signature", false),
    (Mutation::PortalSkipsRevocation, &["s2"], "s2.prop.session_needs_fresh_signature", false),
    (Mutation::PortalAcceptsAnySignature, &["s3u", "lc"], "s3u.prop.session_needs_fresh_signature", false),
    (Mutation::PortalIgnoresStatus, &["s3u", "lc"], "s3u.prop.session_needs_fresh_signature", false),
    (Mutation::RelayForwardsAnyone, &["s1"], "s1.prop.channel_bound", false),
    (Mutation::PhoneAcceptsReplays, &["s1"], "s1.prop.channel_bound", true),
    (Mutation::RelayUnlimitedCodes, &["s1"], "s1.prop.pairing_code_single_use", false),
    (Mutation::JlisSkipsHolderCheck, &["s3i"], "s3i.prop.sub_cert_after_steps", false),
    (Mutation::JlisAcceptsAnyCode, &["s3i"], "s3i.prop.access_code_single_use", false),
    (Mutation::JlisSendsKeyInClear, &["s3i"], "s3i.prop.key_never_in_clear", false),
    (Mutation::UiccAcceptsAnyScript, &["s3i"], "s3i.prop.personalize_only_authorised_applet", false),
    (Mutation::JlisIssuesTwice, &["s3i"], "s3i.prop.no_double_issuance", true),
    (Mutation::JlisIgnoresMainRevocation, &["s3u", "lc"], "lc.prop.sub_not_after_main", false),
    (Mutation::JlisIgnoresLoss, &["s3u", "lc"], "lc.prop.lost_phone_suspended", false),
    (Mutation::JlisIgnoresSimChange, &["s3u", "lc"], "lc.prop.sim_change_revokes", false),
    (Mutation::JlisIgnoresDeletion, &["s3u", "lc"], "lc.prop.applet_deleted_revokes", false),
];

impl Mutation {
    /// Changes the compiled tables where the defect is a different transition rather than a
    /// different guard or value (those the logic checks itself).
    pub(crate) fn apply(self, c: &mut Composition) -> Result<(), String> {
        let rule = |id: &str| super::compose::rule_index(id).ok_or_else(|| format!("no rule {id}"));
        let card = c.card_machine();
        let mut changed = 0;
        match self {
            Mutation::CardSignsWithoutPin => {
                let (denied, ok) = (rule("card.sign.denied")?, rule("card.sign.ok")?);
                for t in card.map(|m| &mut c.machines[m].transitions).into_iter().flatten() {
                    if t.emits == [Out::Answer(denied)] {
                        t.emits = vec![Out::Answer(ok)];
                        changed += 1;
                    }
                }
            }
            Mutation::CardReadsKey => {
                let (no_ef, ok) = (rule("card.read.no_ef")?, rule("card.read.ok")?);
                for t in card.map(|m| &mut c.machines[m].transitions).into_iter().flatten() {
                    if t.emits == [Out::Answer(no_ef)] {
                        t.emits = vec![Out::Answer(ok)];
                        changed += 1;
                    }
                }
            }
            Mutation::JlisIssuesTwice => {
                let sp_data = c.message("s3i.jlis.sp_data").ok_or("no sp_data")?;
                let personal_auth = c.message("s3i.ui_app.personal_auth").ok_or("no personal_auth")?;
                let m = c.machine("s3i.machine.jlis").ok_or("no J-LIS")?;
                let authenticated = c.machines[m].table.state("authenticated").ok_or("no state")?;
                for t in &mut c.machines[m].transitions {
                    if t.from == authenticated && t.on == On::Msg(personal_auth) {
                        t.emits = vec![Out::Msg(sp_data)];
                        t.presets.clear();
                        changed += 1;
                    }
                }
            }
            Mutation::JlisIgnoresMainRevocation
            | Mutation::JlisIgnoresLoss
            | Mutation::JlisIgnoresSimChange
            | Mutation::JlisIgnoresDeletion => {
                let trigger = match self {
                    Mutation::JlisIgnoresMainRevocation => On::Event(event(c, "lc.jlis.main_revoked")?),
                    Mutation::JlisIgnoresLoss => On::Event(event(c, "lc.jlis.loss_reported")?),
                    Mutation::JlisIgnoresSimChange => {
                        On::Msg(c.message("lc.mno_tsm.sim_changed").ok_or("no sim_changed")?)
                    }
                    _ => On::Msg(c.message("lc.mno_tsm.applet_deleted").ok_or("no applet_deleted")?),
                };
                let m = c.machine("lc.machine.jlis").ok_or("no life cycle")?;
                for t in &mut c.machines[m].transitions {
                    if t.on == trigger {
                        t.to = t.from;
                        changed += 1;
                    }
                }
            }
            // The others are a changed guard or value, which the logic applies itself.
            _ => changed = 1,
        }
        if changed == 0 {
            return Err(format!("{self:?} changes nothing in this system"));
        }
        Ok(())
    }
}

fn event(c: &Composition, id: &str) -> Result<u16, String> {
    c.events.iter().position(|e| e.table.id == id).map(|i| i as u16).ok_or_else(|| format!("no event {id}"))
}
