//! Card-management commands as a host writes them: INSTALL with its length-prefixed fields,
//! and any other short command. The MNO-TSM scripts, the card-manager tests and the fuzz
//! vocabulary build their commands here, so that all three send the same bytes.

use hanko_codec::CommandApdu;

/// A command with `data` and no Le, in the shortest case that carries it.
///
/// Panics if `data` is longer than an extended APDU carries: callers build their commands
/// from fixed parts, so that is a bug in the caller, not bad input.
pub fn command(header: [u8; 4], data: &[u8]) -> Vec<u8> {
    encode(header, data, None)
}

/// INSTALL with P1 `p1` (GPC 2.3.1 §11.5) with each field behind its one-byte length, and Le 00:
/// the card may answer with data (a receipt, or the load file's hash check).
///
/// Panics if a field is longer than 255 bytes, for the reason [`command`] gives.
pub fn install(p1: u8, fields: &[&[u8]]) -> Vec<u8> {
    let mut data = Vec::with_capacity(fields.iter().map(|f| 1 + f.len()).sum());
    for field in fields {
        data.push(u8::try_from(field.len()).expect("an INSTALL field fits a one-byte length"));
        data.extend_from_slice(field);
    }
    encode([0x80, 0xE6, p1, 0x00], &data, Some(256))
}

fn encode(header: [u8; 4], data: &[u8], ne: Option<u32>) -> Vec<u8> {
    let [cla, ins, p1, p2] = header;
    let apdu = CommandApdu::new(cla, ins, p1, p2, data, ne).expect("the command fits an extended APDU");
    let mut out = Vec::with_capacity(apdu.encoded_len());
    apdu.encode(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_prefixes_each_field_and_asks_for_any_answer() {
        let bytes = install(0x0C, &[&[0xA0, 0x01], &[], &[0xC9, 0x00]]);
        assert_eq!(bytes, [0x80, 0xE6, 0x0C, 0x00, 0x07, 0x02, 0xA0, 0x01, 0x00, 0x02, 0xC9, 0x00, 0x00]);
    }

    #[test]
    fn a_command_without_data_is_its_header_alone() {
        assert_eq!(command([0x80, 0xF0, 0x80, 0x7F], &[]), [0x80, 0xF0, 0x80, 0x7F]);
        assert_eq!(command([0x80, 0xE4, 0x00, 0x00], &[0x4F, 0x00]), [0x80, 0xE4, 0x00, 0x00, 0x02, 0x4F, 0x00]);
    }
}
