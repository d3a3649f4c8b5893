//! What LOAD carries and INSTALL is told, in the form the simulated card understands.
//!
//! The simulator runs no bytecode, so its load files (hanko's, project-defined) say what their
//! modules are: the load file data block starts with the magic `HKELF`, a version byte `01`,
//! a module count, and per module a code byte (`01` JPKI applet, `02` security domain) and the
//! module AID as an LV; whatever follows is opaque code the card stores. LOAD carries it as GP
//! does (GPC 2.3.1 §11.6.2.3): optional DAP blocks `E2`, then `C4` with a BER length and the
//! data, split over numbered blocks.

use super::registry::{Aid, Code, Module};
use super::sw;
use super::tlv;

pub const MAGIC: &[u8; 5] = b"HKELF";
pub const VERSION: u8 = 0x01;
const CODE_JPKI: u8 = 0x01;
const CODE_SD: u8 = 0x02;
/// The largest load file data block the card accepts.
pub const MAX_LOAD_FILE: usize = 64 * 1024;

/// Builds a load file data block with `modules` and `code_len` bytes of stand-in code.
pub fn build(modules: &[(Aid, Code)], code_len: usize) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.push(VERSION);
    out.push(modules.len() as u8);
    for (aid, code) in modules {
        out.push(match code {
            Code::JpkiApplet => CODE_JPKI,
            Code::SecurityDomain => CODE_SD,
        });
        out.push(aid.as_bytes().len() as u8);
        out.extend_from_slice(aid.as_bytes());
    }
    // Stand-in code: a fixed pattern, so that the same load file always hashes the same.
    out.extend((0..code_len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(7)));
    out
}

/// The modules a load file data block declares; anything that is not hanko's format is
/// "wrong data".
pub fn modules(data: &[u8]) -> Result<Vec<Module>, u16> {
    let rest = data.strip_prefix(MAGIC.as_slice()).ok_or(sw::WRONG_DATA)?;
    let [VERSION, count, tail @ ..] = rest else { return Err(sw::WRONG_DATA) };
    let mut rest: &[u8] = tail;
    if *count == 0 {
        return Err(sw::WRONG_DATA);
    }
    let mut out: Vec<Module> = Vec::new();
    for _ in 0..*count {
        let [code, len, after @ ..] = rest else { return Err(sw::WRONG_DATA) };
        let len = usize::from(*len);
        let aid = after.get(..len).and_then(Aid::new).ok_or(sw::WRONG_DATA)?;
        let code = match *code {
            CODE_JPKI => Code::JpkiApplet,
            CODE_SD => Code::SecurityDomain,
            _ => return Err(sw::WRONG_DATA),
        };
        if out.iter().any(|m| m.aid == aid) {
            return Err(sw::WRONG_DATA);
        }
        out.push(Module { aid, code });
        rest = &after[len..];
    }
    Ok(out)
}

/// The LOAD blocks' concatenated data (`E2`… `C4 len data`) reduced to the load file data
/// block: DAP blocks are skipped (no DAP verification is modelled), `C4` must cover the rest
/// exactly.
pub fn load_file_data(blocks: &[u8]) -> Result<&[u8], u16> {
    let mut rest = blocks;
    loop {
        let (tag, tl) = hanko_codec::tlv::ber::read_tag(rest).map_err(|_| sw::WRONG_DATA)?;
        let (len, ll) = hanko_codec::tlv::ber::read_length(&rest[tl..]).map_err(|_| sw::WRONG_DATA)?;
        let value = rest.get(tl + ll..).and_then(|v| v.get(..len)).ok_or(sw::WRONG_DATA)?;
        match tag {
            0xE2 => rest = &rest[tl + ll + len..],
            0xC4 if tl + ll + len == rest.len() => return Ok(value),
            _ => return Err(sw::WRONG_DATA),
        }
    }
}

/// The LOAD data of a load file: `C4 len data`, to be cut into blocks.
pub fn load_command_data(load_file: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(load_file.len() + 4);
    tlv::push(&mut out, 0xC4, load_file);
    out
}

/// What the install parameters ask for (GPC §11.5.2.3.7): the mandatory `C9` and the
/// non-volatile memory quota from `EF { C8 }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstallParams {
    pub application: Vec<u8>,
    pub nv_quota: usize,
}

/// Reads install parameters: `C9` exactly once; `EF`, `EA`, `CA`, `CF`, `B6` accepted; any
/// other tag or malformed TLV is "wrong data".
pub fn install_params(data: &[u8]) -> Result<InstallParams, u16> {
    let mut params = InstallParams::default();
    let mut saw_c9 = false;
    for (tag, value) in tlv::objects(data)? {
        match tag {
            0xC9 if !saw_c9 => {
                saw_c9 = true;
                params.application = value.to_vec();
            }
            0xEF => {
                for (inner, v) in tlv::objects(value)? {
                    if inner == 0xC8 {
                        if !matches!(v.len(), 2 | 4) {
                            return Err(sw::WRONG_DATA);
                        }
                        params.nv_quota = v.iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b));
                    }
                }
            }
            0xEA | 0xCA | 0xCF | 0xB6 => {}
            _ => return Err(sw::WRONG_DATA),
        }
    }
    if !saw_c9 {
        return Err(sw::WRONG_DATA);
    }
    Ok(params)
}

/// Install parameters a TSM sends: `C9` with `application`, and a non-volatile quota.
pub fn build_install_params(application: &[u8], nv_quota: u16) -> Vec<u8> {
    let mut out = Vec::new();
    tlv::push(&mut out, 0xC9, application);
    let mut ef = Vec::new();
    tlv::push(&mut ef, 0xC8, &nv_quota.to_be_bytes());
    tlv::push(&mut out, 0xEF, &ef);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_file_round_trip() {
        let m = [(Aid::hex("D392F00026010000"), Code::JpkiApplet)];
        let lf = build(&m, 100);
        let got = modules(&lf).unwrap();
        assert_eq!(got, vec![Module { aid: m[0].0.clone(), code: Code::JpkiApplet }]);
        let cmd = load_command_data(&lf);
        assert_eq!(load_file_data(&cmd).unwrap(), &lf[..]);
        let mut with_dap = vec![0xE2, 0x02, 0x4F, 0x00];
        with_dap.extend_from_slice(&cmd);
        assert_eq!(load_file_data(&with_dap).unwrap(), &lf[..]);
        assert_eq!(load_file_data(&cmd[..cmd.len() - 1]), Err(sw::WRONG_DATA));
        assert_eq!(modules(b"HKELX"), Err(sw::WRONG_DATA));
    }

    #[test]
    fn install_params_need_c9() {
        assert_eq!(install_params(&[0xC9, 0x00]).unwrap().nv_quota, 0);
        assert_eq!(install_params(&build_install_params(&[], 0x1000)).unwrap().nv_quota, 0x1000);
        assert_eq!(install_params(&[0xEF, 0x00]), Err(sw::WRONG_DATA));
        assert_eq!(install_params(&[0xC9, 0x00, 0xC9, 0x00]), Err(sw::WRONG_DATA));
        assert_eq!(install_params(&[0xC9, 0x05]), Err(sw::WRONG_DATA));
    }
}
