//! Tag-length-value encodings: BER-TLV (ISO 7816-4 §5.2, X.690) and SIMPLE-TLV.

pub mod ber;
pub mod simple;
