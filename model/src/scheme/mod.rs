//! The three schemes as communicating state machines: the tables generated from
//! `spec/flow/scheme*.json` and `lifecycle.json` (`crate::generated::flows`), the
//! hand-written guards and actor logic, the exhaustive model checker over them, and trace
//! conformance.
//!
//! - [`checker::systems`] names what `hanko model check --scheme N` checks; [`checker::check`]
//!   explores one system with stateright and judges every property of its flows.
//! - [`conformance::check`] replays a trace (flow-level messages and card-level APDUs)
//!   through the same machines and names the first deviation.
//! - [`render`] writes a path of the model (a counterexample) as a trace; [`dot`] draws the
//!   machines.
//! - [`engine::System`] is the composed system both run; [`logic`] holds the guards and what
//!   actors remember and send; [`props`] what each property means.

pub mod checker;
pub mod compose;
pub mod conformance;
pub mod dot;
pub mod engine;
pub mod logic;
#[doc(hidden)]
pub mod mutation;
pub mod props;
pub mod render;
pub mod table;
pub mod value;
pub mod world;
