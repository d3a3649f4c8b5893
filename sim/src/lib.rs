//! hanko's simulators: the virtual card (the card model on real keys and data), the ways a
//! card is reached (vpcd for PC/SC software, in process for tests and the demo), and the
//! in-process JPKI client.

pub mod card;
pub mod card_data;
pub mod client;
pub mod gp;
pub mod scheme;
pub mod transport;
pub mod vpcd;
