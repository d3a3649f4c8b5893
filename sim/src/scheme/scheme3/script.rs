//! Scripts a TSM computes ahead and the TSM proxy plays to the UICC in one go (GP SE RAM, RAM
//! over HTTP): SCP03 with the card's pseudo-random challenge, which the TSM predicts from the
//! sequence counter it keeps (Amendment D §6.2.2.1), so INITIALIZE UPDATE, EXTERNAL
//! AUTHENTICATE and every wrapped command are known before the first is sent. The answers
//! come back together and are checked afterwards, R-MAC and R-ENCRYPTION included, by
//! replaying the host side of the session.
//!
//! Scripts travel in the expanded remote APDU format of ETSI TS 102 226: `AA { 22 C-APDU … }`
//! out, `AB { 80 count, 23 R-APDU … }` back.

use crate::gp::registry::Aid;
use crate::gp::tlv;
use crate::gp::{KDD, SCP03_I};
use hanko_crypto::scp::scp03::{
    pseudo_random_card_challenge, Scp03Host, Scp03HostSession, Scp03InitResponse, Scp03SessionKeys,
};
use hanko_crypto::scp::{HostChannel, KeySet, ScpError, SecurityLevel};

/// A built script: the C-APDUs to send, and the plain commands that were wrapped.
pub type Built = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// A session a TSM opens by script with a security domain.
pub struct Scp03Script {
    pub keys: KeySet,
    pub kvn: u8,
    pub sd: Aid,
    /// The sequence counter the card will use: one more than the last one the TSM saw.
    pub counter: u32,
    pub host_challenge: [u8; 8],
    pub level: SecurityLevel,
}

impl Scp03Script {
    fn sequence(&self) -> [u8; 3] {
        let c = self.counter.to_be_bytes();
        [c[1], c[2], c[3]]
    }

    /// The card's answer to INITIALIZE UPDATE, as the card will compute it.
    pub fn predicted_init_response(&self) -> Result<Vec<u8>, ScpError> {
        let seq = self.sequence();
        let card_challenge = pseudo_random_card_challenge(&self.keys, seq, self.sd.as_bytes())?;
        let mut context = [0u8; 16];
        context[..8].copy_from_slice(&self.host_challenge);
        context[8..].copy_from_slice(&card_challenge);
        let session = Scp03SessionKeys::derive(&self.keys, &context)?;
        let response = Scp03InitResponse {
            diversification_data: KDD,
            kvn: self.kvn,
            i: SCP03_I,
            card_challenge,
            card_cryptogram: session.card_cryptogram(&self.host_challenge, &card_challenge)?,
            sequence_counter: Some(seq),
        };
        let mut out = Vec::new();
        response.encode(&mut out);
        out.extend_from_slice(&[0x90, 0x00]);
        Ok(out)
    }

    /// The host's session once the card answered INITIALIZE UPDATE with `init_response`:
    /// EXTERNAL AUTHENTICATE and the open session.
    fn open(&self, init_response: &[u8]) -> Result<(Vec<u8>, Scp03HostSession), ScpError> {
        let host = Scp03Host::new(&self.keys, self.kvn, self.host_challenge);
        let pending = host.authenticate(init_response, self.level)?;
        let external_authenticate = pending.external_authenticate().to_vec();
        Ok((external_authenticate, pending.open(&[0x90, 0x00])?))
    }

    fn select(&self) -> Vec<u8> {
        let mut select = vec![0x00, 0xA4, 0x04, 0x00, self.sd.as_bytes().len() as u8];
        select.extend_from_slice(self.sd.as_bytes());
        select.push(0x00);
        select
    }

    fn initialize_update(&self) -> Vec<u8> {
        Scp03Host::new(&self.keys, self.kvn, self.host_challenge).initialize_update()
    }

    /// The whole script: SELECT of the security domain, INITIALIZE UPDATE, EXTERNAL
    /// AUTHENTICATE, then `commands` wrapped. `commands` is given the open session (for key
    /// data under its DEK) and returns the plain commands.
    pub fn build(
        &self,
        commands: impl FnOnce(&Scp03HostSession) -> Result<Vec<Vec<u8>>, ScpError>,
    ) -> Result<Built, ScpError> {
        let (external_authenticate, mut session) = self.open(&self.predicted_init_response()?)?;
        let plain = commands(&session)?;
        let mut script = vec![self.select(), self.initialize_update(), external_authenticate];
        for c in &plain {
            script.push(session.wrap(c)?);
        }
        Ok((script, plain))
    }

    /// Checks the card's answers to a script from [`Self::build`]: the SELECT, the card
    /// cryptogram, then each R-MAC (and R-ENCRYPTION) in turn. Returns the plain answers to
    /// the wrapped commands (as many as the card answered).
    pub fn check(&self, plain: &[Vec<u8>], responses: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, String> {
        let ok = |r: Option<&Vec<u8>>, what: &str| match r.map(Vec::as_slice) {
            Some([.., 0x90, 0x00]) => Ok(()),
            Some([.., a, b]) => Err(format!("{what} answered {a:02X}{b:02X}")),
            _ => Err(format!("no answer to {what}")),
        };
        ok(responses.first(), "SELECT of the security domain")?;
        ok(responses.get(1), "INITIALIZE UPDATE")?;
        let (_, mut session) = self.open(&responses[1]).map_err(|e| format!("INITIALIZE UPDATE: {e}"))?;
        ok(responses.get(2), "EXTERNAL AUTHENTICATE")?;
        let mut out = Vec::new();
        for (c, r) in plain.iter().zip(responses.iter().skip(3)) {
            session.wrap(c).map_err(|e| e.to_string())?;
            out.push(session.unwrap_response(r).map_err(|e| format!("answer {}: {e}", out.len() + 1))?);
        }
        Ok(out)
    }
}

/// An expanded command script: `AA { 22 C-APDU … }`.
pub fn expanded(commands: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for c in commands {
        tlv::push(&mut body, 0x22, c);
    }
    let mut out = Vec::new();
    tlv::push(&mut out, 0xAA, &body);
    out
}

/// The C-APDUs of an expanded command script.
pub fn expanded_commands(script: &[u8]) -> Option<Vec<Vec<u8>>> {
    let outer = tlv::objects(script).ok()?;
    let [(0xAA, body)] = outer.as_slice() else { return None };
    tlv::objects(body).ok()?.into_iter().map(|(t, v)| (t == 0x22).then(|| v.to_vec())).collect()
}

/// An expanded response script: `AB { 80 count, 23 R-APDU … }`.
pub fn expanded_responses(responses: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    tlv::push(&mut body, 0x80, &[responses.len() as u8]);
    for r in responses {
        tlv::push(&mut body, 0x23, r);
    }
    let mut out = Vec::new();
    tlv::push(&mut out, 0xAB, &body);
    out
}

/// The R-APDUs of an expanded response script.
pub fn responses_of(script: &[u8]) -> Option<Vec<Vec<u8>>> {
    let outer = tlv::objects(script).ok()?;
    let [(0xAB, body)] = outer.as_slice() else { return None };
    Some(tlv::objects(body).ok()?.into_iter().filter(|(t, _)| *t == 0x23).map(|(_, v)| v.to_vec()).collect())
}

/// Splits `data` into STORE DATA or LOAD blocks of at most `size` bytes.
pub fn blocks(data: &[u8], size: usize) -> Vec<&[u8]> {
    data.chunks(size.max(1)).collect()
}
