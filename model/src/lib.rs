//! The JPKI card model: for every C-APDU, the R-APDU a conforming card must return (the
//! status word exactly, the data where it is determined), and the spec rule that says so.
//!
//! The rules and profiles are generated from `spec/flow/card.json` and
//! `spec/card/profiles.json` (`src/generated/`); this crate's hand-written part decides which
//! rule applies — the guards — and keeps the card's state: current DF and EF, security
//! status, PIN counters, pending response data.

pub mod card;
pub mod data;
#[allow(clippy::all)]
pub mod generated;
pub mod replay;
pub mod scheme;
pub mod trace;

pub use card::{Answer, CardModel, Output};
pub use data::CardData;
pub use generated::profiles::{profile, Profile, PROFILES};
pub use generated::rules::Rule;
