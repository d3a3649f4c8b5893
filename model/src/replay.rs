//! Replaying a recorded card session through the model: the card's every answer must be
//! the one the model predicts. The first deviation is named with its line, what the model
//! expected, what was seen, and the spec rule.
//!
//! The reading and the checking live in [`crate::trace`]; this is the one-card form
//! `hanko check` without `--scheme` uses: every card in the trace is `model`'s card, as in a
//! session recorded at one card (`hanko sim card --trace`) or imported from a pcscd or OpenSC log.

use crate::card::CardModel;
use crate::trace::{CardCheck, Line, ParseError};

pub use crate::trace::Deviation;

/// Parses a whole trace; the error names the line and the byte.
pub fn parse_trace(text: &str) -> Result<Vec<Line>, ParseError> {
    crate::trace::parse_trace(text)
}

/// Replays `lines` through `model`, which then holds the card's state at the end of the
/// trace. Returns how many exchanges conformed, or the first deviation.
pub fn replay(model: &mut CardModel, lines: &[Line]) -> Result<usize, Deviation> {
    let start = model.clone();
    let mut check = CardCheck::new(|_| Some(start.clone()));
    for line in lines {
        check.step(line)?;
    }
    let (summary, models) = check.finish_with_models();
    if let Some((_, m)) = models.into_iter().next() {
        *model = m;
    }
    summary.map(|s| s.exchanges)
}
