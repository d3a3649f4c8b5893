//! The two sides of a card connection, kept apart so that any card runs behind any link:
//! a [`Card`] answers APDUs and power events; a [`Transport`] is how a client reaches one.

use std::fmt;

/// A smart card as a reader sees it.
pub trait Card {
    /// Power on (cold reset): returns the ATR. Security status starts empty.
    fn power_on(&mut self) -> Vec<u8>;
    /// Power off: the card forgets its security status (its PIN counters persist).
    fn power_off(&mut self);
    /// Warm reset: returns the ATR; security status is lost as on power-off.
    fn reset(&mut self) -> Vec<u8>;
    /// The answer to one C-APDU: response data followed by SW1 SW2.
    fn process(&mut self, capdu: &[u8]) -> Vec<u8>;
}

/// Why a transmission did not produce an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The link is gone (card removed, reader closed, connection lost).
    Disconnected(String),
    /// The reply was not an R-APDU (fewer than two bytes).
    Malformed(Vec<u8>),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Disconnected(why) => write!(f, "card link lost: {why}"),
            Self::Malformed(bytes) => write!(f, "malformed response of {} bytes", bytes.len()),
        }
    }
}

impl std::error::Error for TransportError {}

/// How a client talks to a card.
pub trait Transport {
    /// Sends one C-APDU and returns the R-APDU (data ‖ SW1 SW2, at least two bytes).
    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, TransportError>;
}

/// A card in the same process: the transport of tests and `hanko demo`.
pub struct InProcess<C: Card> {
    pub card: C,
}

impl<C: Card> InProcess<C> {
    /// Connects to `card`, powering it on.
    pub fn connect(mut card: C) -> Self {
        card.power_on();
        Self { card }
    }
}

impl<C: Card> Transport for InProcess<C> {
    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self.card.process(capdu);
        if r.len() < 2 {
            return Err(TransportError::Malformed(r));
        }
        Ok(r)
    }
}
