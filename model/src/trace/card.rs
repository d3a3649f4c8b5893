//! The card-level check: every card in a trace (the plastic card, the phone's UICC) answers
//! each C-APDU exactly as the card model says a conforming card must. Commands and answers are
//! decoded with hanko-codec first, so a malformed C-APDU or an R-APDU without a status word is
//! named at its line with the codec rule it breaks.
//!
//! A card's volatile state (selection, security status, pending GET RESPONSE data) is lost on
//! power-off and reset, and when the card or the reader holding it crashes: a crashed phone
//! drops its NFC field. A command must be answered before the next command or power event; only
//! a crash excuses a missing answer. After a power-off or crash the card takes commands again
//! only after a power-on or reset.

use super::{Actor, Control, Deviation, Event, Line};
use crate::card::{CardModel, Output};
use hanko_codec::{CommandApdu, ResponseApdu};

/// What a conforming trace held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardSummary {
    /// Command–answer pairs checked against the card model.
    pub exchanges: usize,
    /// Lines of the trace (blank lines not counted).
    pub lines: usize,
    /// Flow-level lines (messages, crashes, header), not checked at card level.
    pub flow_lines: usize,
    /// The cards seen, with their exchanges.
    pub cards: Vec<(Actor, usize)>,
}

struct CardState {
    actor: Actor,
    model: CardModel,
    /// Who sent the last command: the answer goes back to them, and their crash unpowers the card.
    reader: Option<Actor>,
    /// The unanswered command and its line.
    pending: Option<(usize, Vec<u8>)>,
    /// False after a power-off or crash until the next power-on or reset. A trace may start
    /// in the middle of a session (an imported log), so a card is taken as powered until the
    /// trace says otherwise.
    powered: bool,
    exchanges: usize,
    /// Bytes at the head of the card's chained answer (61xx, then GET RESPONSE) that the model
    /// cannot know (a signature): taken as the card gives them when GET RESPONSE hands them out.
    undetermined: usize,
}

impl CardState {
    fn lose_power(&mut self) {
        self.model.power_off();
        self.pending = None;
        self.powered = false;
        self.undetermined = 0;
    }
}

/// The card-level checker, one line at a time: feed it every line in order with
/// [`CardCheck::step`], then [`CardCheck::finish`]. `make` gives the model of a card the first
/// time it appears (`None`: the trace names a card the caller has no model for).
pub struct CardCheck<F: FnMut(Actor) -> Option<CardModel>> {
    make: F,
    cards: Vec<CardState>,
    summary: CardSummary,
}

fn deviation(line: usize, expected: impl Into<String>, seen: impl Into<String>) -> Deviation {
    Deviation { line, expected: expected.into(), seen: seen.into(), rule: None, spec: None }
}

impl<F: FnMut(Actor) -> Option<CardModel>> CardCheck<F> {
    pub fn new(make: F) -> Self {
        Self { make, cards: Vec::with_capacity(2), summary: CardSummary::default() }
    }

    fn card(&mut self, actor: Actor, line: usize) -> Result<&mut CardState, Deviation> {
        let i = match self.cards.iter().position(|c| c.actor == actor) {
            Some(i) => i,
            None => {
                let model =
                    (self.make)(actor).ok_or_else(|| deviation(line, "a card the model is given", actor.name()))?;
                self.cards.push(CardState {
                    actor,
                    model,
                    reader: None,
                    pending: None,
                    powered: true,
                    exchanges: 0,
                    undetermined: 0,
                });
                self.cards.len() - 1
            }
        };
        Ok(&mut self.cards[i])
    }

    /// Checks one line.
    pub fn step(&mut self, line: &Line) -> Result<(), Deviation> {
        self.summary.lines += 1;
        let n = line.line_no;
        let Some(actor) = line.card() else {
            if let Event::Crash { actor } = line.event {
                for c in self.cards.iter_mut().filter(|c| c.actor == actor || c.reader == Some(actor)) {
                    c.lose_power();
                }
            }
            if !matches!(line.event, Event::Capdu(_) | Event::Rapdu(_) | Event::Control(_) | Event::Atr(_)) {
                self.summary.flow_lines += 1;
            }
            return Ok(());
        };
        let card = self.card(actor, n)?;
        match &line.event {
            // A reader cuts power or resets only between commands: a command left without an
            // answer is the card's failure. (A crash, below, excuses it.)
            Event::Control(Control::PowerOn | Control::Reset | Control::PowerOff) if card.pending.is_some() => {
                let l = card.pending.as_ref().map_or(0, |p| p.0);
                return Err(deviation(n, format!("the answer to line {l}"), "a power event"));
            }
            Event::Control(Control::PowerOn | Control::Reset) => {
                card.powered = true;
                card.model.power_on();
            }
            Event::Control(Control::PowerOff) => card.lose_power(),
            // The ATR depends on the reader (PC/SC part 3 builds one for contactless cards),
            // so it is not compared; get_atr itself changes nothing.
            Event::Control(Control::GetAtr | Control::Unknown(_)) | Event::Atr(_) => {}
            Event::Capdu(capdu) => {
                if let Some((l, _)) = card.pending {
                    return Err(deviation(n, format!("the answer to line {l}"), "another C-APDU"));
                }
                if !card.powered {
                    return Err(deviation(
                        n,
                        "a power-on or reset before the next command",
                        "a C-APDU to an unpowered card",
                    ));
                }
                if let Err(e) = CommandApdu::parse(capdu) {
                    return Err(Deviation {
                        spec: Some(e.rule.path),
                        ..deviation(n, "a well-formed C-APDU", e.to_string())
                    });
                }
                card.reader = line.from;
                card.pending = Some((n, capdu.clone()));
            }
            Event::Rapdu(seen) => {
                let Some((_, capdu)) = card.pending.take() else {
                    return Err(deviation(n, "a C-APDU", "an R-APDU with no command"));
                };
                if line.to != card.reader {
                    let name = |a: Option<Actor>| a.map_or("nobody", Actor::name);
                    return Err(deviation(
                        n,
                        format!("the answer sent to {}", name(card.reader)),
                        format!("sent to {}", name(line.to)),
                    ));
                }
                if let Err(e) = ResponseApdu::parse(seen) {
                    return Err(Deviation { spec: Some(e.rule.path), ..deviation(n, "an R-APDU", e.to_string()) });
                }
                answer(&mut card.model, &mut card.undetermined, n, &capdu, seen)?;
                card.exchanges += 1;
                self.summary.exchanges += 1;
            }
            Event::Header { .. } | Event::Message { .. } | Event::Crash { .. } | Event::Happened { .. } => {}
        }
        Ok(())
    }

    /// Ends the trace: a command left without an answer (and no power loss) is a deviation.
    pub fn finish(self) -> Result<CardSummary, Deviation> {
        self.finish_with_models().0
    }

    /// [`CardCheck::finish`], also handing back the cards' models as the trace left them.
    pub fn finish_with_models(mut self) -> (Result<CardSummary, Deviation>, Vec<(Actor, CardModel)>) {
        let pending = self.cards.iter().filter_map(|c| c.pending.as_ref()).min_by_key(|p| p.0).map(|p| p.0);
        self.summary.cards = self.cards.iter().map(|c| (c.actor, c.exchanges)).collect();
        let models = self.cards.into_iter().map(|c| (c.actor, c.model)).collect();
        match pending {
            Some(l) => (Err(deviation(l, "an answer to this C-APDU", "the end of the trace")), models),
            None => (Ok(self.summary), models),
        }
    }
}

/// Compares the card's answer with the model's. Signatures and random bytes are not
/// determined: the card's are taken if their length is right. A profile that chains answers
/// (61xx, then GET RESPONSE) hands them out later: `undetermined` counts those still to come.
fn answer(
    model: &mut CardModel,
    undetermined: &mut usize,
    line: usize,
    capdu: &[u8],
    seen: &[u8],
) -> Result<(), Deviation> {
    let seen_data = seen.get(..seen.len().saturating_sub(2)).unwrap_or_default();
    let chained = seen.len() == 2 && seen[0] == 0x61;
    let mut length_problem = None;
    let mut deferred = 0;
    let mut fill = |o: &Output| {
        let want = match o {
            Output::Signature { .. } => 256,
            Output::Random(n) => *n,
            _ => 0,
        };
        if chained {
            // Placeholders the model chains; the real bytes come with GET RESPONSE.
            deferred = want;
            return vec![0; want];
        }
        if seen_data.len() != want {
            length_problem = Some(want);
        }
        seen_data.to_vec()
    };
    let (rule, mut expected) = model.respond(capdu, &mut fill);
    if deferred > 0 {
        *undetermined = deferred;
    } else if *undetermined > 0 {
        // A GET RESPONSE handing out (part of) those bytes: the card's stand, if they are
        // where the model puts them.
        let n = (*undetermined).min(expected.len().saturating_sub(2)).min(seen_data.len());
        expected[..n].copy_from_slice(&seen_data[..n]);
        *undetermined -= n;
        if n == 0 {
            *undetermined = 0;
        }
    }
    let info = rule.info();
    let at =
        |expected: String, seen: String| Deviation { line, expected, seen, rule: Some(info.id), spec: Some(info.spec) };
    if let Some(want) = length_problem {
        return Err(at(format!("{want} bytes of data"), format!("{} bytes", seen_data.len())));
    }
    if expected != seen {
        return Err(at(super::hex_upper(&expected), super::hex_upper(seen)));
    }
    Ok(())
}

/// Checks every card-level line of `lines` (see [`CardCheck`]).
pub fn check_card_level(
    lines: &[Line],
    make: impl FnMut(Actor) -> Option<CardModel>,
) -> Result<CardSummary, Deviation> {
    let mut check = CardCheck::new(make);
    for line in lines {
        check.step(line)?;
    }
    check.finish()
}
