//! The status words the card manager answers (GPC 2.3.1 §11.1.3 Table 11-10 for the general
//! ones, and each command's error table). One name per meaning, so that tests compare against
//! the name and the wire value is written once.

/// Success.
pub const OK: u16 = 0x9000;
/// GET STATUS: more entries follow, ask again with P2 "next".
pub const MORE_DATA: u16 = 0x6310;
/// EXTERNAL AUTHENTICATE: the host cryptogram does not verify.
pub const AUTHENTICATION_FAILED: u16 = 0x6300;
/// SELECT of the ISD while the card is CARD_LOCKED: selected, with this warning.
pub const CARD_LOCKED: u16 = 0x6283;
/// A write that could not be completed (the simulator never fails to write; kept for
/// completeness of the table).
pub const MEMORY_FAILURE: u16 = 0x6581;
/// Lc does not match the data, or a fixed-length field has another length.
pub const WRONG_LENGTH: u16 = 0x6700;
/// CLA names a logical channel that is not open.
pub const CHANNEL_NOT_OPEN: u16 = 0x6881;
/// Secure messaging missing where the session needs it, a MAC that does not verify, or no
/// session at the level the command needs.
pub const SECURITY_STATUS: u16 = 0x6982;
/// The command is not allowed in the current state: wrong life cycle, no INSTALL [for load]
/// before LOAD, an AID already in the registry, missing privilege.
pub const CONDITIONS: u16 = 0x6985;
/// Incorrect values in the command data.
pub const WRONG_DATA: u16 = 0x6A80;
/// MANAGE CHANNEL: no logical channel left.
pub const NO_CHANNEL: u16 = 0x6A81;
/// SELECT or DELETE: no such application.
pub const NOT_FOUND: u16 = 0x6A82;
/// The card's memory (or an application's quota) is exhausted.
pub const NOT_ENOUGH_MEMORY: u16 = 0x6A84;
/// Incorrect P1 or P2.
pub const WRONG_P1P2: u16 = 0x6A86;
/// Referenced data (a load file, key version, AID, tag) not found.
pub const REFERENCED_DATA_NOT_FOUND: u16 = 0x6A88;
/// Instruction not supported.
pub const INS_NOT_SUPPORTED: u16 = 0x6D00;
/// Class not supported.
pub const CLA_NOT_SUPPORTED: u16 = 0x6E00;
/// PUT KEY: a key type the card does not support (GPC Table 11-72).
pub const ALGORITHM_NOT_SUPPORTED: u16 = 0x9484;
/// PUT KEY: the key check value does not match the key (GPC Table 11-72).
pub const INVALID_KCV: u16 = 0x9485;

/// A status word as its two bytes.
pub fn bytes(sw: u16) -> [u8; 2] {
    sw.to_be_bytes()
}
