//! The short C-APDU and R-APDU forms the secure channels wrap (ISO/IEC 7816-3 §12.1), and the
//! class-byte marking of GlobalPlatform secure messaging.

use super::error::ScpError;

/// A short C-APDU split into its fields, borrowing the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Command<'a> {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: &'a [u8],
    /// The Le byte as sent (`00` means 256), absent in cases 1 and 3.
    pub le: Option<u8>,
}

impl<'a> Command<'a> {
    /// Cases 1 to 4 of a short C-APDU; extended lengths are refused.
    pub fn parse(capdu: &'a [u8]) -> Result<Self, ScpError> {
        let [cla, ins, p1, p2, body @ ..] = capdu else {
            return Err(ScpError::Truncated { what: "C-APDU", needed: 4, found: capdu.len() });
        };
        let (data, le) = match body {
            [] => (&[][..], None),
            [le] => (&[][..], Some(*le)),
            [0, ..] => return Err(ScpError::ExtendedLength),
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                match rest.len().checked_sub(lc) {
                    Some(0) => (rest, None),
                    Some(1) => (&rest[..lc], Some(rest[lc])),
                    _ => {
                        return Err(ScpError::WrongLength {
                            what: "C-APDU for its Lc",
                            expected: 5 + lc,
                            found: capdu.len(),
                        })
                    }
                }
            }
        };
        Ok(Self { cla: *cla, ins: *ins, p1: *p1, p2: *p2, data, le })
    }

    /// Appends the APDU with `cla` and `data` in place of its own.
    pub fn encode_with(&self, cla: u8, data: &[&[u8]], out: &mut Vec<u8>) {
        out.extend_from_slice(&[cla, self.ins, self.p1, self.p2]);
        let lc: usize = data.iter().map(|part| part.len()).sum();
        if lc > 0 {
            // Callers check the length against 255 before they get here.
            out.push(lc as u8);
            for part in data {
                out.extend_from_slice(part);
            }
        }
        if let Some(le) = self.le {
            out.push(le);
        }
    }
}

/// Bit b3 of a first-interindustry class byte: GlobalPlatform proprietary secure messaging.
pub(crate) const CLA_SECURE_MESSAGING: u8 = 0x04;

/// The class byte with secure messaging marked. Only first-interindustry and proprietary
/// classes (b7 clear) without secure-messaging bits already set can be marked.
pub(crate) fn secure_cla(cla: u8) -> Result<u8, ScpError> {
    if cla & 0x40 != 0 || cla & 0x0C != 0 {
        return Err(ScpError::UnsupportedClass { cla });
    }
    Ok(cla | CLA_SECURE_MESSAGING)
}

/// The plain class byte of a command received with secure messaging.
pub(crate) fn plain_cla(cla: u8) -> Result<u8, ScpError> {
    if cla & 0x40 != 0 || cla & 0x0C != CLA_SECURE_MESSAGING {
        return Err(ScpError::UnsupportedClass { cla });
    }
    Ok(cla & !CLA_SECURE_MESSAGING)
}

/// An R-APDU split into data and status word.
pub(crate) fn split_response(rapdu: &[u8]) -> Result<(&[u8], [u8; 2]), ScpError> {
    match rapdu {
        [data @ .., sw1, sw2] => Ok((data, [*sw1, *sw2])),
        _ => Err(ScpError::Truncated { what: "R-APDU", needed: 2, found: rapdu.len() }),
    }
}

/// A status word after which SCP03 protects the response: `9000` and the warnings `62xx`,
/// `63xx` (Amendment D §6.2.5). Every other status word comes back bare.
pub(crate) fn is_protected_status(sw: [u8; 2]) -> bool {
    sw == [0x90, 0x00] || sw[0] == 0x62 || sw[0] == 0x63
}

pub(crate) fn sw_value(sw: [u8; 2]) -> u16 {
    u16::from_be_bytes(sw)
}

/// Checks that a set-up response is a bare `9000` (or `9000` after data, returned).
pub(crate) fn expect_success(rapdu: &[u8], step: super::error::Step) -> Result<&[u8], ScpError> {
    let (data, sw) = split_response(rapdu)?;
    if sw != [0x90, 0x00] {
        return Err(ScpError::Refused { step, sw: sw_value(sw) });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_four_cases() {
        let c1 = Command::parse(&[0x80, 0xF2, 0x20, 0x02]).unwrap();
        assert_eq!((c1.data, c1.le), (&[][..], None));
        let c2 = Command::parse(&[0x80, 0xCA, 0x00, 0x66, 0x00]).unwrap();
        assert_eq!((c2.data, c2.le), (&[][..], Some(0)));
        let c3 = Command::parse(&[0x80, 0xF2, 0x20, 0x02, 0x02, 0x4F, 0x00]).unwrap();
        assert_eq!((c3.data, c3.le), (&[0x4F, 0x00][..], None));
        let c4 = Command::parse(&[0x80, 0xF2, 0x20, 0x02, 0x02, 0x4F, 0x00, 0x00]).unwrap();
        assert_eq!((c4.data, c4.le), (&[0x4F, 0x00][..], Some(0)));
        let mut out = Vec::new();
        c4.encode_with(0x80, &[c4.data], &mut out);
        assert_eq!(out, [0x80, 0xF2, 0x20, 0x02, 0x02, 0x4F, 0x00, 0x00]);
    }

    #[test]
    fn refuses_malformed_commands() {
        assert_eq!(
            Command::parse(&[0x80, 0xF2, 0x20]),
            Err(ScpError::Truncated { what: "C-APDU", needed: 4, found: 3 })
        );
        assert_eq!(Command::parse(&[0x80, 0xF2, 0x20, 0x02, 0x00, 0x00, 0x01, 0xAA]), Err(ScpError::ExtendedLength));
        assert_eq!(
            Command::parse(&[0x80, 0xF2, 0x20, 0x02, 0x03, 0x4F]),
            Err(ScpError::WrongLength { what: "C-APDU for its Lc", expected: 8, found: 6 })
        );
        assert_eq!(secure_cla(0x84), Err(ScpError::UnsupportedClass { cla: 0x84 }));
        assert_eq!(secure_cla(0xC0), Err(ScpError::UnsupportedClass { cla: 0xC0 }));
        assert_eq!(plain_cla(0x80), Err(ScpError::UnsupportedClass { cla: 0x80 }));
        assert_eq!(plain_cla(0x85), Ok(0x81));
    }
}
