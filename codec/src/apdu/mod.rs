//! ISO 7816-4 command and response APDUs.

pub mod class;
pub mod command;
pub mod response;
