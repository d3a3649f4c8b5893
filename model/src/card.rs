//! The card as a state machine. `step` reads one C-APDU, finds the first rule of
//! `spec/flow/card.json` whose condition holds (the guards are the `match` arms below, in the
//! spec's precedence order) and returns the rule, the status word, and what the data must be.
//! `respond` turns that into the R-APDU a virtual card sends, with signatures and random
//! bytes supplied by the caller (the model holds no private keys).

use crate::data::{CardData, Secret};
use crate::generated::profiles::Profile;
use crate::generated::rules::Rule;
use hanko_codec::generated::applications::{self, Access, FileInfo, FileKind};
use hanko_codec::generated::commands::Command;
use hanko_codec::{Case, CommandApdu, StatusWord};
use std::collections::{BTreeMap, BTreeSet};

/// What the response data must be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    None,
    /// Exactly these bytes.
    Bytes(Vec<u8>),
    /// A signature by `key` (a key file id, or an AP key name) over `input`, made as
    /// COMPUTE DIGITAL SIGNATURE with this P1 makes it.
    Signature {
        key: &'static str,
        p1: u8,
        input: Vec<u8>,
    },
    /// This many random bytes.
    Random(usize),
}

/// The model's answer to one C-APDU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub rule: Rule,
    pub sw: StatusWord,
    pub output: Output,
}

/// The most tries any PIN has; counters above it in a state file are refused.
pub const MAX_TRIES: u8 = 15;

#[derive(Clone, Debug)]
pub struct CardModel {
    pub profile: &'static Profile,
    data: CardData,
    tries: BTreeMap<&'static str, u8>,
    df: Option<&'static str>,
    ef: Option<&'static FileInfo>,
    /// PINs verified in the current DF.
    verified: BTreeSet<&'static str>,
    /// Data waiting for GET RESPONSE.
    pending: Vec<u8>,
}

fn pin_info(file: &FileInfo) -> Option<(u8, u8, u8, &'static str)> {
    match file.kind {
        FileKind::Pin { tries, min_len, max_len, charset } => Some((tries, min_len, max_len, charset)),
        _ => None,
    }
}

/// Whether `value` is a PIN the file's rules allow (length and alphabet).
fn pin_allowed(file: &FileInfo, value: &[u8]) -> bool {
    let Some((_, min, max, charset)) = pin_info(file) else { return false };
    let len_ok = (usize::from(min)..=usize::from(max)).contains(&value.len());
    let chars_ok = value.iter().all(|&b| match charset {
        "digits" => b.is_ascii_digit(),
        "upper_alphanumeric" => b.is_ascii_digit() || b.is_ascii_uppercase(),
        _ => (0x20..0x7F).contains(&b),
    });
    len_ok && chars_ok
}

impl CardModel {
    /// A card of `profile` holding `data`, every PIN at its full count of tries.
    pub fn new(profile: &'static Profile, data: CardData) -> Self {
        let mut model = Self {
            profile,
            data,
            tries: BTreeMap::new(),
            df: None,
            ef: None,
            verified: BTreeSet::new(),
            pending: Vec::new(),
        };
        for f in applications::FILES {
            if let (Some((tries, ..)), true) = (pin_info(f), model.has_file(f)) {
                model.tries.insert(f.id, tries);
            }
        }
        model
    }

    fn has_file(&self, f: &FileInfo) -> bool {
        self.profile.applications.contains(&f.application) && !self.profile.absent_files.contains(&f.id)
    }

    /// Tries left per PIN file id.
    pub fn tries(&self) -> &BTreeMap<&'static str, u8> {
        &self.tries
    }

    /// Restores a counter (from a state file). Unknown PINs and impossible counts are refused.
    pub fn set_tries(&mut self, pin: &str, tries: u8) -> Result<(), String> {
        let slot =
            self.tries.iter_mut().find(|(id, _)| **id == pin).ok_or_else(|| format!("this card has no PIN {pin}"))?;
        let max = applications::FILES.iter().find(|f| f.id == pin).and_then(pin_info).map_or(0, |p| p.0);
        if tries > max || tries > MAX_TRIES {
            return Err(format!("{pin}: {tries} tries is more than its {max}"));
        }
        *slot.1 = tries;
        Ok(())
    }

    /// Current PIN values (changed by CHANGE REFERENCE DATA), for the state file.
    pub fn pin_values(&self) -> impl Iterator<Item = (&'static str, &[u8])> {
        self.data.pins.iter().map(|(k, v)| (*k, v.expose()))
    }

    /// Restores a changed PIN value.
    pub fn set_pin(&mut self, pin: &str, value: &[u8]) -> Result<(), String> {
        let file = applications::FILES
            .iter()
            .find(|f| f.id == pin && pin_info(f).is_some())
            .ok_or_else(|| format!("no PIN {pin}"))?;
        if !pin_allowed(file, value) {
            return Err(format!("{pin}: the stored value breaks the PIN's rules"));
        }
        self.data.pins.insert(file.id, Secret::new(value));
        Ok(())
    }

    /// Power on or warm reset: the ATR; volatile state starts empty.
    pub fn power_on(&mut self) -> Vec<u8> {
        self.power_off();
        self.profile.atr.to_vec()
    }

    /// Power off: security status, selection and pending data are lost; counters are kept.
    pub fn power_off(&mut self) {
        self.df = None;
        self.ef = None;
        self.verified.clear();
        self.pending.clear();
    }

    pub fn current_df(&self) -> Option<&'static str> {
        self.df
    }

    pub fn is_verified(&self, pin: &str) -> bool {
        self.verified.contains(pin)
    }

    fn answer(&self, rule: Rule, param: u8, output: Output) -> Answer {
        let sw = rule.status(StatusWord::from(self.profile.blocked_sw), param);
        Answer { rule, sw, output }
    }

    fn file_in_df(&self, predicate: impl Fn(&FileInfo) -> bool) -> Option<&'static FileInfo> {
        let df = self.df?;
        applications::FILES.iter().find(|f| f.application == df && self.has_file(f) && predicate(f))
    }

    /// A file named by a short EF identifier (its FID's low five bits, for FIDs below 0020).
    fn by_sfi(&self, sfi: u8) -> Option<&'static FileInfo> {
        self.file_in_df(|f| f.fid < 0x20 && f.fid & 0x1F == u16::from(sfi))
    }

    /// The PIN a VERIFY addresses: the current EF (SFI 0) or the one with that SFI.
    fn pin_for(&self, sfi: u8) -> Option<&'static FileInfo> {
        let file = if sfi == 0 { self.ef } else { self.by_sfi(sfi) };
        file.filter(|f| pin_info(f).is_some())
    }

    fn read_access(&self, file: &FileInfo) -> bool {
        if let Some((_, pins)) = self.profile.read_overrides.iter().find(|(id, _)| *id == file.id) {
            return pins.iter().any(|p| self.verified.contains(p));
        }
        match file.kind {
            FileKind::Data { read: Access::Always } => true,
            FileKind::Data { read: Access::AnyPin(pins) } => pins.iter().any(|p| self.verified.contains(p)),
            _ => false,
        }
    }

    fn read(&mut self, file: Option<&'static FileInfo>, offset: usize, ne: u32) -> Answer {
        let Some(file) = file.filter(|f| matches!(f.kind, FileKind::Data { .. })) else {
            return self.answer(Rule::ReadNoEf, 0, Output::None);
        };
        let Some(content) = self.df.and_then(|df| self.data.files.get(&(df, file.fid))) else {
            return self.answer(Rule::ReadNoEf, 0, Output::None);
        };
        if !self.read_access(file) {
            return self.answer(Rule::ReadDenied, 0, Output::None);
        }
        if offset >= content.len() {
            return self.answer(Rule::ReadPastEnd, 0, Output::None);
        }
        let end = content.len().min(offset + ne as usize);
        let bytes = content[offset..end].to_vec();
        self.answer(Rule::ReadOk, 0, Output::Bytes(bytes))
    }

    fn sign(&self, key_sfi: u8, p1: u8, input: &[u8]) -> Answer {
        let key = if key_sfi == 0 { self.ef } else { self.by_sfi(key_sfi) };
        let Some((key, pins)) = key.and_then(|k| match k.kind {
            FileKind::Key { pins, .. } => Some((k, pins)),
            _ => None,
        }) else {
            return self.answer(Rule::SignNoKey, 0, Output::None);
        };
        if !pins.iter().any(|p| self.verified.contains(p)) {
            return self.answer(Rule::SignDenied, 0, Output::None);
        }
        self.answer(Rule::SignOk, 0, Output::Signature { key: key.id, p1, input: input.to_vec() })
    }

    /// The rule, status word and data a conforming card gives for `capdu`.
    pub fn step(&mut self, capdu: &[u8]) -> Answer {
        match CommandApdu::parse(capdu) {
            Ok(apdu) => self.step_parsed(&apdu, capdu),
            Err(_) => {
                self.pending.clear();
                self.answer(Rule::Malformed, 0, Output::None)
            }
        }
    }

    /// [`Self::step`] for a C-APDU already parsed from `capdu`.
    fn step_parsed(&mut self, apdu: &CommandApdu<'_>, capdu: &[u8]) -> Answer {
        if apdu.cla != 0x00 && apdu.cla != 0x80 {
            return self.answer(Rule::ClaNotSupported, 0, Output::None);
        }
        // The codec also recognises GlobalPlatform's commands, which the JPKI applications do
        // not answer: to this card they stay unknown, as they were before the codec knew them.
        let classified = match Command::classify(apdu, capdu) {
            Ok(Some(c)) if c.id().starts_with("gp.") => Ok(None),
            Err(e) if e.rule.path.starts_with("spec/gp/") => Ok(None),
            other => other,
        };
        let jpki_ins = Command::TABLE.iter().any(|&(id, ins)| ins == apdu.ins && id.starts_with("jpki."));
        let command = match classified {
            Ok(Some(c)) => c,
            Ok(None) if !jpki_ins => return self.answer(Rule::InsNotSupported, 0, Output::None),
            Ok(None) => return self.answer(Rule::WrongParameters, 0, Output::None),
            Err(_) => return self.answer(Rule::BadData, 0, Output::None),
        };
        if !matches!(command, Command::JpkiGetResponse(_)) {
            self.pending.clear();
        }
        match command {
            Command::JpkiSelectDf(c) => match c.aid.application().filter(|a| self.profile.applications.contains(&a.id))
            {
                Some(app) => {
                    self.df = Some(app.id);
                    self.ef = None;
                    self.verified.clear();
                    self.answer(Rule::SelectDfOk, 0, Output::None)
                }
                None => self.answer(Rule::SelectDfNotFound, 0, Output::None),
            },
            Command::JpkiSelectEf(c) => match self.file_in_df(|f| f.fid == c.fid.0) {
                Some(file) => {
                    self.ef = Some(file);
                    self.answer(Rule::SelectEfOk, 0, Output::None)
                }
                None => self.answer(Rule::SelectEfNotFound, 0, Output::None),
            },
            Command::JpkiVerify(c) => {
                let Some(pin) = self.pin_for(c.sfi) else { return self.answer(Rule::VerifyNoPin, 0, Output::None) };
                let tries = self.tries.get(pin.id).copied().unwrap_or(0);
                if tries == 0 {
                    return self.answer(Rule::VerifyBlocked, 0, Output::None);
                }
                let right = pin_allowed(pin, c.pin.as_bytes())
                    && self.data.pins.get(pin.id).is_some_and(|s| s.matches(c.pin.as_bytes()));
                if right {
                    let max = pin_info(pin).map_or(0, |p| p.0);
                    self.tries.insert(pin.id, max);
                    self.verified.insert(pin.id);
                    self.answer(Rule::VerifyOk, 0, Output::None)
                } else {
                    let left = tries - 1;
                    self.tries.insert(pin.id, left);
                    self.verified.remove(pin.id);
                    self.answer(Rule::VerifyWrong, left, Output::None)
                }
            }
            Command::JpkiVerifyQuery(c) => match self.pin_for(c.sfi) {
                Some(pin) => {
                    let tries = self.tries.get(pin.id).copied().unwrap_or(0);
                    self.answer(Rule::VerifyQueryTries, tries, Output::None)
                }
                None => self.answer(Rule::VerifyQueryNoPin, 0, Output::None),
            },
            Command::JpkiChangeReferenceData(c) => match self.pin_for(c.sfi) {
                Some(pin) if self.verified.contains(pin.id) => {
                    if !pin_allowed(pin, c.new_pin.as_bytes()) {
                        return self.answer(Rule::ChangeBadValue, 0, Output::None);
                    }
                    self.data.pins.insert(pin.id, Secret::new(c.new_pin.as_bytes()));
                    self.answer(Rule::ChangeOk, 0, Output::None)
                }
                _ => self.answer(Rule::ChangeNotVerified, 0, Output::None),
            },
            Command::JpkiReadBinary(c) => self.read(self.ef, usize::from(c.offset), c.ne),
            Command::JpkiReadBinarySfi(c) => match self.by_sfi(c.sfi) {
                Some(file) => {
                    // A READ BINARY by SFI selects the EF (ISO 7816-4 §7.2.2).
                    self.ef = Some(file);
                    self.read(Some(file), usize::from(c.offset), c.ne)
                }
                None => self.answer(Rule::ReadSfiNotFound, 0, Output::None),
            },
            Command::JpkiReadRecord(c) => {
                let file = if c.sfi == 0 { self.ef } else { self.by_sfi(c.sfi) };
                let record = file
                    .and_then(|f| self.df.and_then(|df| self.data.records.get(&(df, f.fid))))
                    .and_then(|r| r.get(usize::from(c.record).checked_sub(1)?))
                    .cloned();
                match record {
                    None => self.answer(Rule::RecordNotFound, 0, Output::None),
                    Some(r) if (c.ne as usize) < r.len() => {
                        self.answer(Rule::RecordWrongLe, r.len().min(255) as u8, Output::None)
                    }
                    Some(r) => self.answer(Rule::RecordOk, 0, Output::Bytes(r)),
                }
            }
            Command::JpkiComputeSignature(c) => self.sign(c.key_sfi, 0x00, &raw_input(&c.input)),
            Command::JpkiComputeSignatureSha256Bare(c) => self.sign(c.key_sfi, 0x01, c.message),
            Command::JpkiComputeSignaturePrehashed(c) => self.sign(c.key_sfi, 0x02, c.hash),
            Command::JpkiComputeSignatureSha256(c) => self.sign(c.key_sfi, 0x03, c.message),
            Command::JpkiComputeSignaturePssPrehashed(c) => self.sign(c.key_sfi, 0x04, c.hash),
            Command::JpkiComputeSignaturePss(c) => self.sign(c.key_sfi, 0x05, c.message),
            Command::JpkiApSignature(c) => match self.df.and_then(|df| self.data.ap_keys.get(df).copied()) {
                Some(key) => {
                    self.answer(Rule::ApSignOk, 0, Output::Signature { key, p1: 0x00, input: raw_input(&c.input) })
                }
                None => self.answer(Rule::ApSignNoKey, 0, Output::None),
            },
            Command::JpkiGetChallenge(c) => self.answer(Rule::ChallengeOk, 0, Output::Random(c.ne as usize)),
            Command::JpkiGetData(c) if c.tag == 0x5F51 => {
                let atr = self.profile.atr.get(1..).unwrap_or_default().to_vec();
                self.answer(Rule::GetDataOk, 0, Output::Bytes(atr))
            }
            Command::JpkiGetData(_) => self.answer(Rule::GetDataNotFound, 0, Output::None),
            Command::JpkiGetResponse(c) => {
                if self.pending.is_empty() {
                    return self.answer(Rule::GetResponseNone, 0, Output::None);
                }
                let n = (c.ne as usize).min(self.pending.len());
                let chunk: Vec<u8> = self.pending.drain(..n).collect();
                if self.pending.is_empty() {
                    self.answer(Rule::GetResponseOk, 0, Output::Bytes(chunk))
                } else {
                    let left = self.pending.len().min(256) as u8;
                    self.answer(Rule::ResponseChained, left, Output::Bytes(chunk))
                }
            }
            Command::JpkiInternalAuthenticate(_) => self.answer(Rule::InternalAuthNotSupported, 0, Output::None),
            // Set aside above: GlobalPlatform commands never reach here.
            _ => self.answer(Rule::InsNotSupported, 0, Output::None),
        }
    }

    /// The R-APDU for `capdu`: `fill` supplies the bytes the model cannot (signatures,
    /// random numbers). Profiles that chain responses hand case-4 data out through
    /// 61xx/GET RESPONSE. Returns the rule that decided the status word.
    pub fn respond(&mut self, capdu: &[u8], fill: &mut dyn FnMut(&Output) -> Vec<u8>) -> (Rule, Vec<u8>) {
        // Parsed once: the case decides the chaining below.
        let parsed = CommandApdu::parse(capdu);
        let case4 = parsed.as_ref().is_ok_and(|a| matches!(a.case, Case::C4S | Case::C4E));
        let answer = match &parsed {
            Ok(apdu) => self.step_parsed(apdu, capdu),
            Err(_) => self.step(capdu),
        };
        let data = match &answer.output {
            Output::None => Vec::new(),
            Output::Bytes(b) => b.clone(),
            other => fill(other),
        };
        let (rule, sw, data) =
            if self.profile.chain_responses && case4 && !data.is_empty() && answer.sw == StatusWord::Success {
                let left = data.len().min(256) as u8;
                self.pending = data;
                (
                    Rule::ResponseChained,
                    Rule::ResponseChained.status(StatusWord::from(self.profile.blocked_sw), left),
                    Vec::new(),
                )
            } else {
                (answer.rule, answer.sw, data)
            };
        let mut out = data;
        out.extend_from_slice(&u16::from(sw).to_be_bytes());
        (rule, out)
    }
}

/// The bytes the card signs for P1=00: the data exactly as sent.
fn raw_input(input: &hanko_codec::field::SignatureInput<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.encoded_len());
    input.encode(&mut out);
    out
}
