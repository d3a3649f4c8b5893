//! J-LIS (地方公共団体情報システム機構) in scheme 3: the issuance steps ①–⑥ of
//! `s3i.machine.jlis`, the records of issued sub certificates (`lc.machine.jlis`) and the status
//! responder the portal asks (`s3u.machine.jlis`). Its clock is simulated: it reads
//! [`Jlis::now`], which the run advances.
//!
//! Project choices (spec/flow notes): the access code is 8 digits, valid 72 hours, single-use,
//! three wrong codes cancel the application; ① and ⑤ each need the card's signature over a
//! fresh challenge; the sub key pair is generated in J-LIS's HSM (here: the test PKI's sub key,
//! so the simulation and the test PKI agree) and leaves it only wrapped for the SP-TSM; the sub
//! certificate must be of the sub-certificate profile, bound to the main certificate, and end
//! no later than it. The holder registers the applet's PIN with the web application (④): the
//! trace's message does not carry form fields beyond the code, and J-LIS passes the PIN to the
//! SP-TSM wrapped with the key.

use super::setup::Setup;
use crate::gp::dek;
use hanko_crypto::chain::{self, Anchor, Check, Options, Purpose};
use hanko_crypto::profile::{Certificate, Kind};
use hanko_crypto::signature::{self, HashAlgorithm, Scheme};
use hanko_crypto::testpki::Pki;
use hanko_crypto::time::UnixTime;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Seconds an access code stays valid (`s3i.jlis.access_code.expires_in`).
pub const CODE_LIFETIME: i64 = 72 * 3600;
/// Wrong access codes that cancel the application.
pub const MAX_WRONG_CODES: u8 = 3;

/// `s3i.machine.jlis`'s states for one application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppState {
    AwaitingApplication,
    Applied,
    CodeExpired,
    CodeAccepted,
    Authenticated,
    Issued,
    Cancelled,
}

/// One certificate application.
#[derive(Clone, Debug)]
pub struct Application {
    pub id: String,
    pub iccid: String,
    pub state: AppState,
    challenge: [u8; 32],
    /// SHA-256 of the main certificate of ①: who the holder is.
    pub holder: Option<[u8; 32]>,
    code: Option<String>,
    code_expires: i64,
    pub wrong_codes: u8,
    auth_challenge: [u8; 32],
    pin: Option<Vec<u8>>,
    /// The serial of the sub certificate generated for it (⑥).
    pub sub_serial: Option<Vec<u8>>,
}

/// The life cycle of an issued sub certificate (`lc.machine.jlis`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordState {
    /// Generated, sent to the SP-TSM, not yet stored.
    Pending,
    Active,
    Suspended,
    Revoked,
    Expired,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubRecord {
    pub serial: Vec<u8>,
    pub certificate: Vec<u8>,
    pub application: String,
    pub iccid: String,
    pub state: RecordState,
    pub not_after: i64,
}

/// What ⑥ sends the SP-TSM.
#[derive(Clone, Debug)]
pub struct SpData {
    pub application: String,
    pub iccid: String,
    /// PKCS#8 key and PIN, wrapped under the J-LIS→SP-TSM transport key.
    pub key: Vec<u8>,
    pub certificate: Vec<u8>,
}

/// What ① gives when accepted: ② the permission, ③ the code.
#[derive(Clone, Debug)]
pub struct Accepted {
    pub code: String,
}

pub struct Jlis {
    pki: Arc<Pki>,
    anchor: Option<Anchor>,
    transport: [u8; 16],
    /// Seconds since the Unix epoch.
    pub now: i64,
    /// Main certificates reported lost or revoked, by serial (J-LIS's own register, ahead of
    /// the next CRL).
    pub revoked_main: BTreeSet<Vec<u8>>,
    pub applications: Vec<Application>,
    pub records: Vec<SubRecord>,
    rng: ChaCha20Rng,
    issued: u32,
}

fn sha256(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

impl Jlis {
    pub fn new(pki: Arc<Pki>, setup: &Setup, now: i64) -> Self {
        let anchor = Anchor::new(&pki.auth_ca.der).ok();
        let rng = ChaCha20Rng::seed_from_u64(setup.seed ^ 0x4A4C_4953);
        Self {
            pki,
            anchor,
            transport: setup.jlis_sp,
            now,
            revoked_main: BTreeSet::new(),
            applications: Vec::new(),
            records: Vec::new(),
            rng,
            issued: 0,
        }
    }

    fn nonce(&mut self) -> [u8; 32] {
        let mut n = [0u8; 32];
        self.rng.fill_bytes(&mut n);
        n
    }

    fn app_mut(&mut self, id: &str) -> Option<&mut Application> {
        self.applications.iter_mut().find(|a| a.id == id)
    }

    /// ① start: a new application and its challenge, or `in_progress` while one is open for
    /// this device.
    pub fn application_start(&mut self, iccid: &str) -> Result<(String, [u8; 32]), &'static str> {
        if self.applications.iter().any(|a| a.iccid == iccid && a.state != AppState::Cancelled) {
            return Err("in_progress");
        }
        let challenge = self.nonce();
        let id = format!("A{:04}-{}", self.applications.len() + 1, hanko_model::trace::hex_upper(&challenge[..4]));
        self.applications.push(Application {
            id: id.clone(),
            iccid: iccid.into(),
            state: AppState::AwaitingApplication,
            challenge,
            holder: None,
            code: None,
            code_expires: 0,
            wrong_codes: 0,
            auth_challenge: [0; 32],
            pin: None,
            sub_serial: None,
        });
        Ok((id, challenge))
    }

    /// Signature over `challenge` by `certificate`'s key, chain to the authentication CA, CRL
    /// and J-LIS's register: the reason of `s3i.jlis.application_refused` if any fails.
    fn check_main(&self, certificate: &[u8], signature_bytes: &[u8], challenge: &[u8; 32]) -> Result<(), &'static str> {
        let cert = Certificate::from_der(certificate).map_err(|_| "chain_invalid")?;
        let key = cert.public_key().map_err(|_| "chain_invalid")?;
        signature::verify(&key, challenge, signature_bytes, Scheme::Pkcs1v15Prehashed(HashAlgorithm::Sha256))
            .map_err(|_| "bad_signature")?;
        let anchor = self.anchor.as_ref().ok_or("chain_invalid")?;
        let options = Options { require_revocation_check: true, ..Options::for_purpose(Purpose::Authentication) };
        match chain::verify_chain(
            certificate,
            &[],
            std::slice::from_ref(anchor),
            &[&self.pki.auth_crl],
            UnixTime(self.now),
            &options,
        ) {
            Ok(_) => {}
            Err(e) if matches!(e.check, Check::Revoked { .. }) => return Err("revoked"),
            Err(_) => return Err("chain_invalid"),
        }
        if self.revoked_main.contains(cert.serial()) {
            return Err("revoked");
        }
        Ok(())
    }

    /// ① signed application: on success ② the permission (the caller sends it) and ③ a fresh
    /// access code.
    pub fn application(
        &mut self,
        id: &str,
        certificate: &[u8],
        signature_bytes: &[u8],
    ) -> Result<Accepted, &'static str> {
        let Some(app) = self.applications.iter().find(|a| a.id == id && a.state == AppState::AwaitingApplication)
        else {
            return Err("unknown_application");
        };
        let challenge = app.challenge;
        if let Err(reason) = self.check_main(certificate, signature_bytes, &challenge) {
            if let Some(a) = self.app_mut(id) {
                a.state = AppState::Cancelled;
            }
            return Err(reason);
        }
        let code = format!("{:08}", self.rng.next_u32() % 100_000_000);
        let (now, holder) = (self.now, sha256(certificate));
        let app = self.app_mut(id).ok_or("unknown_application")?;
        app.holder = Some(holder);
        app.code = Some(code.clone());
        app.code_expires = now + CODE_LIFETIME;
        app.state = AppState::Applied;
        Ok(Accepted { code })
    }

    /// ④ web application with the access code (and the holder's chosen PIN for the applet).
    /// On success the ⑤ challenge.
    pub fn web_application(&mut self, id: &str, code: &str, pin: &[u8]) -> Result<[u8; 32], &'static str> {
        let now = self.now;
        let challenge = self.nonce();
        let app = self.app_mut(id).ok_or("wrong_code")?;
        match app.state {
            AppState::Applied if now >= app.code_expires => {
                app.state = AppState::CodeExpired;
                app.code = None;
                Err("expired")
            }
            AppState::Applied => {
                let right = app
                    .code
                    .as_deref()
                    .is_some_and(|c| subtle::ConstantTimeEq::ct_eq(c.as_bytes(), code.as_bytes()).into());
                if right {
                    app.code = None;
                    app.pin = Some(pin.to_vec());
                    app.auth_challenge = challenge;
                    app.state = AppState::CodeAccepted;
                    Ok(challenge)
                } else {
                    app.wrong_codes += 1;
                    if app.wrong_codes >= MAX_WRONG_CODES {
                        app.state = AppState::Cancelled;
                        app.code = None;
                        Err("locked")
                    } else {
                        Err("wrong_code")
                    }
                }
            }
            AppState::CodeExpired => Err("expired"),
            AppState::CodeAccepted | AppState::Authenticated | AppState::Issued => Err("used"),
            AppState::AwaitingApplication | AppState::Cancelled => Err("locked"),
        }
    }

    /// The sub certificate J-LIS issues for the holder of `main`: the test PKI's, checked
    /// against the profile — a sub certificate, bound to `main` by its hash, valid no longer
    /// than `main`.
    fn issue(&self, main: &[u8]) -> Result<(Vec<u8>, Vec<u8>, i64), &'static str> {
        let sub_der = &self.pki.sub_ee.der;
        let sub = Certificate::from_der(sub_der).map_err(|_| "chain_invalid")?;
        let main_cert = Certificate::from_der(main).map_err(|_| "chain_invalid")?;
        if sub.kind() != Kind::SubCertificate || sub.not_after().0 > main_cert.not_after().0 {
            return Err("chain_invalid");
        }
        let mut binding = vec![0x04, 0x20];
        binding.extend_from_slice(&sha256(main));
        if !sub_der.windows(binding.len()).any(|w| w == binding.as_slice()) {
            return Err("other_holder");
        }
        Ok((sub_der.clone(), sub.serial().to_vec(), sub.not_after().0))
    }

    /// ⑤ personal authentication; on success ⑥ the key pair and sub certificate for the
    /// SP-TSM.
    pub fn personal_auth(
        &mut self,
        id: &str,
        certificate: &[u8],
        signature_bytes: &[u8],
    ) -> Result<SpData, &'static str> {
        let Some(app) = self.applications.iter().find(|a| a.id == id).cloned() else {
            return Err("unknown_application");
        };
        match app.state {
            AppState::CodeAccepted => {}
            AppState::Authenticated | AppState::Issued => return Err("used"),
            _ => return Err("unknown_application"),
        }
        let verdict = self.check_main(certificate, signature_bytes, &app.auth_challenge).and_then(|()| {
            if app.holder != Some(sha256(certificate)) {
                Err("other_holder")
            } else {
                self.issue(certificate)
            }
        });
        let (sub, serial, not_after) = match verdict {
            Ok(v) => v,
            Err(reason) => {
                if let Some(a) = self.app_mut(id) {
                    a.state = AppState::Cancelled;
                }
                return Err(reason);
            }
        };
        use rsa::pkcs8::EncodePrivateKey;
        let pkcs8 = self.pki.sub_ee.key.private_key().to_pkcs8_der().map_err(|_| "chain_invalid")?;
        let pin = app.pin.clone().unwrap_or_default();
        let mut blob = zeroize::Zeroizing::new(Vec::new());
        blob.extend_from_slice(&(pkcs8.as_bytes().len() as u16).to_be_bytes());
        blob.extend_from_slice(pkcs8.as_bytes());
        blob.push(pin.len() as u8);
        blob.extend_from_slice(&pin);
        let mut key = vec![super::KEK_SP_TSM];
        key.extend(dek::wrap(&self.transport, &blob).map_err(|_| "chain_invalid")?);
        self.issued += 1;
        self.records.push(SubRecord {
            serial: serial.clone(),
            certificate: sub.clone(),
            application: id.into(),
            iccid: app.iccid.clone(),
            state: RecordState::Pending,
            not_after,
        });
        if let Some(a) = self.app_mut(id) {
            a.state = AppState::Authenticated;
            a.sub_serial = Some(serial);
            a.pin = None;
        }
        Ok(SpData { application: id.into(), iccid: app.iccid, key, certificate: sub })
    }

    /// The SP-TSM's storage result: the certificate for `s3i.jlis.issued`, or `None` for
    /// `s3i.jlis.issuance_failed` (the generated certificate is revoked) or a result for no
    /// application waiting for one.
    pub fn stored(&mut self, id: &str, ok: bool) -> Option<Vec<u8>> {
        let app = self.applications.iter_mut().find(|a| a.id == id && a.state == AppState::Authenticated)?;
        let serial = app.sub_serial.clone();
        app.state = if ok { AppState::Issued } else { AppState::Cancelled };
        let record = self.records.iter_mut().find(|r| Some(&r.serial) == serial.as_ref() && r.application == id)?;
        if ok {
            record.state = RecordState::Active;
            Some(record.certificate.clone())
        } else {
            record.state = RecordState::Revoked;
            None
        }
    }

    /// The status of a sub certificate for the portal (`s3u.jlis.status`).
    pub fn status(&mut self, certificate: &[u8]) -> &'static str {
        let Ok(cert) = Certificate::from_der(certificate) else { return "unknown" };
        let now = self.now;
        let Some(record) = self.records.iter_mut().find(|r| r.serial == cert.serial() && r.certificate == certificate)
        else {
            return "unknown";
        };
        if record.state == RecordState::Active && now > record.not_after {
            record.state = RecordState::Expired;
        }
        match record.state {
            RecordState::Active => "good",
            RecordState::Suspended => "suspended",
            RecordState::Revoked => "revoked",
            RecordState::Expired => "expired",
            RecordState::Pending => "unknown",
        }
    }
}

/// Unwraps what ⑥ carries: the PKCS#8 key and the PIN.
pub fn unwrap_sp_key(transport: &[u8; 16], wrapped: &[u8]) -> Option<(zeroize::Zeroizing<Vec<u8>>, Vec<u8>)> {
    let [super::KEK_SP_TSM, wrapped @ ..] = wrapped else { return None };
    let blob = zeroize::Zeroizing::new(dek::unwrap(transport, wrapped).ok()?);
    let [h, l, rest @ ..] = blob.as_slice() else { return None };
    let n = usize::from(u16::from_be_bytes([*h, *l]));
    let key = zeroize::Zeroizing::new(rest.get(..n)?.to_vec());
    let [pin_len, pin @ ..] = rest.get(n..)? else { return None };
    (pin.len() == usize::from(*pin_len)).then(|| (key, pin.to_vec()))
}
