//! hanko's verify core for JPKI: the certificate profile of the My Number card and the
//! phone, chain and revocation checks, RSA signature verification in every form the card
//! produces, the text AP's integrity record and card-verifiable certificate, and a
//! reproducible test PKI.

pub mod chain;
pub mod crl;
pub mod cv;
pub mod error;
/// Generated from `spec/pki/` by `cargo xtask codegen`: OIDs and certificate profiles.
#[allow(clippy::all)]
pub mod generated;
pub mod integrity;
pub mod key;
pub mod oids;
pub mod profile;
pub mod scp;
pub mod scp80;
pub mod signature;
pub mod testpki;
pub mod time;
