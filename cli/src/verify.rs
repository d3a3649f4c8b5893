//! `hanko verify chain|signature` and `hanko decode cert|cv-cert`: the crypto core from the
//! command line. A failed check exits 1 with one line naming the check and the certificate;
//! unreadable input exits 2.

use hanko_codec::field::HashAlgorithm;
use hanko_crypto::chain::{self, Anchor, Options, Purpose};
use hanko_crypto::key::RsaPublicKey;
use hanko_crypto::profile::{self, Certificate};
use hanko_crypto::signature::{self, PssSalt, Scheme};
use hanko_crypto::time::UnixTime;
use serde_json::json;

/// How a command ended: output, a failed check (exit 1), or unusable input (exit 2).
pub enum Outcome {
    Ok(String),
    CheckFailed { message: String, json: Option<serde_json::Value> },
    BadInput(String),
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    if meta.len() > crate::input::MAX_INPUT {
        return Err(format!("{path} is larger than {} bytes", crate::input::MAX_INPUT));
    }
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn now() -> UnixTime {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    UnixTime(i64::try_from(secs).unwrap_or(i64::MAX))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PurposeArg {
    /// 利用者証明用: KeyUsage digitalSignature.
    Auth,
    /// 署名用: KeyUsage digitalSignature and nonRepudiation.
    Sign,
}

pub struct ChainArgs<'a> {
    pub cert: &'a str,
    pub anchors: &'a [String],
    pub intermediates: &'a [String],
    pub crls: &'a [String],
    pub at: Option<&'a str>,
    pub purpose: Option<PurposeArg>,
    pub allow_sha1: bool,
    pub json: bool,
}

pub fn chain(a: &ChainArgs<'_>) -> Outcome {
    let run = || -> Result<Outcome, String> {
        let at = match a.at {
            Some(t) => UnixTime::parse_rfc3339(t).map_err(|e| format!("--at {t:?}: {e}"))?,
            None => now(),
        };
        if a.anchors.is_empty() {
            return Err("verify chain needs at least one --anchor CA certificate".into());
        }
        let anchors = a
            .anchors
            .iter()
            .map(|p| read(p).and_then(|b| Anchor::new(&b).map_err(|e| format!("anchor {p}: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let ee = read(a.cert)?;
        let inters = a.intermediates.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>()?;
        let crls = a.crls.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>()?;
        let inter_refs: Vec<&[u8]> = inters.iter().map(Vec::as_slice).collect();
        let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
        let options = Options {
            purpose: a.purpose.map(|p| match p {
                PurposeArg::Auth => Purpose::Authentication,
                PurposeArg::Sign => Purpose::Signing,
            }),
            allow_sha1: a.allow_sha1,
            ..Options::default()
        };
        Ok(match chain::verify_chain(&ee, &inter_refs, &anchors, &crl_refs, at, &options) {
            Ok(report) => {
                let path: Vec<_> = report
                    .path
                    .iter()
                    .map(|p| {
                        json!({
                            "subject": p.subject, "serial": hex::encode_upper(&p.serial), "kind": p.kind.to_string(),
                            "not_before": p.not_before.to_string(), "not_after": p.not_after.to_string(),
                            "signature_hash": p.signature_hash.map(<&str>::from),
                            "revocation": p.revocation.map(|r| match r {
                                chain::RevocationStatus::Good { crls } => format!("good ({crls} CRL)"),
                                chain::RevocationStatus::NotChecked => "not checked".to_string(),
                            }),
                        })
                    })
                    .collect();
                let doc = json!({
                    "valid": true, "at": at.to_string(), "anchor": a.anchors[report.anchor],
                    "kind": report.kind.to_string(), "purpose": report.purpose.map(|p| p.to_string()),
                    "path": path, "sha1_signatures": report.sha1_signatures,
                });
                if a.json {
                    Outcome::Ok(serde_json::to_string_pretty(&doc).unwrap_or_default())
                } else {
                    let mut out =
                        format!("valid at {at}: {} certificate, path of {}\n", report.kind, report.path.len());
                    for (i, p) in report.path.iter().enumerate() {
                        let rev = match p.revocation {
                            Some(chain::RevocationStatus::Good { .. }) => ", not revoked",
                            Some(chain::RevocationStatus::NotChecked) => ", revocation not checked (no CRL given)",
                            None => " (anchor)",
                        };
                        out.push_str(&format!(
                            "  {i}  {}  [{}; {} .. {}{rev}]\n",
                            p.subject,
                            p.kind,
                            p.not_before.date_string(),
                            p.not_after.date_string()
                        ));
                    }
                    Outcome::Ok(out)
                }
            }
            Err(e) => Outcome::CheckFailed {
                message: format!("chain invalid: {e}"),
                json: Some(
                    json!({ "valid": false, "at": at.to_string(), "certificate": e.certificate, "subject": e.subject, "reason": e.check.to_string() }),
                ),
            },
        })
    };
    run().unwrap_or_else(Outcome::BadInput)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DigestArg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemeArg {
    /// PKCS#1 v1.5 over the hash of the data (what `openssl dgst -sign` makes).
    Pkcs1,
    /// PKCS#1 v1.5 over the data as given (the card's P1=00, data usually a DigestInfo).
    Raw,
    /// PKCS#1 v1.5 over the bare SHA-256 of the data, no DigestInfo (the card's P1=01).
    BareSha256,
    /// RSASSA-PSS with SHA-256 and MGF1-SHA-256 over the data.
    Pss,
}

pub fn signature(cert: &str, data: &str, sig: &str, digest: DigestArg, scheme: SchemeArg, json: bool) -> Outcome {
    let run = || -> Result<Outcome, String> {
        let cert_bytes = read(cert)?;
        let der = profile::der_from_pem_or_der(&cert_bytes, &["CERTIFICATE"]).map_err(|e| format!("{cert}: {e}"))?;
        let certificate = Certificate::from_der(&der).map_err(|e| format!("{cert}: {e}"))?;
        let key: RsaPublicKey = certificate.public_key().map_err(|e| format!("{cert}: {e}"))?;
        let data = read(data)?;
        let signature_bytes = read(sig)?;
        let hash = match digest {
            DigestArg::Sha1 => HashAlgorithm::Sha1,
            DigestArg::Sha256 => HashAlgorithm::Sha256,
            DigestArg::Sha384 => HashAlgorithm::Sha384,
            DigestArg::Sha512 => HashAlgorithm::Sha512,
        };
        let scheme = match scheme {
            SchemeArg::Pkcs1 => Scheme::Pkcs1v15(hash),
            SchemeArg::Raw => Scheme::Pkcs1v15Raw,
            SchemeArg::BareSha256 => Scheme::Pkcs1v15BareSha256,
            SchemeArg::Pss => Scheme::PssSha256(PssSalt::default()),
        };
        Ok(match signature::verify(&key, &data, &signature_bytes, scheme) {
            Ok(()) => {
                let line = format!("signature valid: {scheme:?} under the key of {}", certificate.subject());
                if json {
                    Outcome::Ok(
                        json!({ "valid": true, "scheme": format!("{scheme:?}"), "subject": certificate.subject() })
                            .to_string(),
                    )
                } else {
                    Outcome::Ok(line)
                }
            }
            Err(e) => Outcome::CheckFailed {
                message: format!("signature invalid: {e}"),
                json: Some(json!({ "valid": false, "scheme": format!("{scheme:?}"), "reason": e.to_string() })),
            },
        })
    };
    run().unwrap_or_else(Outcome::BadInput)
}

/// `hanko decode cert`: what the JPKI profile reads out of a certificate.
pub fn decode_cert(bytes: &[u8], json_out: bool) -> Outcome {
    let der = match profile::der_from_pem_or_der(bytes, &["CERTIFICATE"]) {
        Ok(d) => d,
        Err(e) => return Outcome::BadInput(format!("not a certificate: {e}")),
    };
    let c = match Certificate::from_der(&der) {
        Ok(c) => c,
        Err(e) => return Outcome::BadInput(format!("not a certificate: {e}")),
    };
    let holder = c.holder();
    let policies: Vec<String> = c
        .policies()
        .iter()
        .map(|p| match hanko_crypto::generated::pki::oid_by_der(p) {
            Some(o) => format!("{} ({})", o.dotted, o.name),
            None => hex::encode_upper(p),
        })
        .collect();
    let attributes: Vec<_> = holder
        .attributes
        .iter()
        .map(|a| json!({ "oid": format!("1.2.392.200149.8.5.5.{}", a.arc), "text": a.text, "raw": hex::encode_upper(a.raw) }))
        .collect();
    let key_bits = c.public_key().map(|k| k.bits()).ok();
    let doc = json!({
        "kind": c.kind().to_string(),
        "generation": c.generation().map(|g| format!("{g:?}")),
        "subject": c.subject(), "issuer": c.issuer(),
        "serial": hex::encode_upper(c.serial()),
        "not_before": c.not_before().to_string(), "not_after": c.not_after().to_string(),
        "key_bits": key_bits,
        "signature_hash": c.signature_hash().ok().map(<&str>::from),
        "key_usage": c.key_usage().map(profile::key_usage_names),
        "policies": policies,
        "holder": {
            "name": holder.name(), "sex": holder.sex(), "birth_date": holder.birth_date_raw(),
            "address": holder.address(), "attributes": attributes,
        },
    });
    if json_out {
        return Outcome::Ok(serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
    let mut out = format!("certificate ({} bytes)\n", der.len());
    for key in [
        "kind",
        "generation",
        "subject",
        "issuer",
        "serial",
        "not_before",
        "not_after",
        "key_bits",
        "signature_hash",
        "key_usage",
    ] {
        let v = &doc[key];
        let text =
            v.as_str().map(str::to_string).unwrap_or_else(|| if v.is_null() { "—".into() } else { v.to_string() });
        out.push_str(&format!("  {key:<15} {text}\n"));
    }
    out.push_str(&format!(
        "  {:<15} {}\n",
        "policies",
        if policies.is_empty() { "—".into() } else { policies.join(", ") }
    ));
    if !holder.is_empty() {
        out.push_str("  holder (SAN otherName 1.2.392.200149.8.5.5.x)\n");
        for a in &holder.attributes {
            out.push_str(&format!(
                "    .{}  {}\n",
                a.arc,
                a.text.map(str::to_string).unwrap_or_else(|| hex::encode_upper(a.raw))
            ));
        }
    }
    Outcome::Ok(out)
}
