//! Certificate revocation lists: parse (DER or PEM), verify the signature with the
//! issuer's key, check thisUpdate/nextUpdate against a time, look a serial up.
//!
//! JPKI partitions its CRLs per issuing municipality: an end-entity certificate names its
//! partition as a directoryName distribution point (`…, OU=CRL Distribution Points,
//! OU=<prefecture>, CN=<municipality>`, docs/research/jpki-cert-profile.md §4). Which CRL
//! belongs to which certificate is decided in [`crate::chain`] ([`Crl::covers`]).

use std::borrow::Cow;

use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;
use x509_parser::x509::X509Name;

pub use crate::error::CrlError;
use crate::key::RsaPublicKey;
use crate::oids;
use crate::profile::{self, Certificate, KeyUsage};
use crate::signature::{self, HashAlgorithm, Scheme};
use crate::time::UnixTime;

/// CRLReason (RFC 5280 §5.3.1). JPKI's meanings (J-LIS CPS 4.9.9 as quoted in
/// docs/research/jpki-cert-profile.md §4) are in the variant docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// 0: JPKI — destroyed before delivery.
    Unspecified,
    /// 1: JPKI — the holder's private key compromised.
    KeyCompromise,
    /// 2.
    CaCompromise,
    /// 3: JPKI — a change in the recorded attributes (address, name, …).
    AffiliationChanged,
    /// 4: JPKI — renewed.
    Superseded,
    /// 5: JPKI — no longer needed.
    CessationOfOperation,
    /// 6: JPKI — suspended; never released.
    CertificateHold,
    /// 8: only in delta CRLs.
    RemoveFromCrl,
    /// 9.
    PrivilegeWithdrawn,
    /// 10.
    AaCompromise,
    /// 7 or above 10.
    Other(u8),
}

impl RevocationReason {
    pub fn from_code(code: u8) -> Self {
        match code {
            0 => Self::Unspecified,
            1 => Self::KeyCompromise,
            2 => Self::CaCompromise,
            3 => Self::AffiliationChanged,
            4 => Self::Superseded,
            5 => Self::CessationOfOperation,
            6 => Self::CertificateHold,
            8 => Self::RemoveFromCrl,
            9 => Self::PrivilegeWithdrawn,
            10 => Self::AaCompromise,
            other => Self::Other(other),
        }
    }
}

impl core::fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Unspecified => f.write_str("unspecified"),
            Self::KeyCompromise => f.write_str("keyCompromise"),
            Self::CaCompromise => f.write_str("cACompromise"),
            Self::AffiliationChanged => f.write_str("affiliationChanged"),
            Self::Superseded => f.write_str("superseded"),
            Self::CessationOfOperation => f.write_str("cessationOfOperation"),
            Self::CertificateHold => f.write_str("certificateHold"),
            Self::RemoveFromCrl => f.write_str("removeFromCRL"),
            Self::PrivilegeWithdrawn => f.write_str("privilegeWithdrawn"),
            Self::AaCompromise => f.write_str("aACompromise"),
            Self::Other(code) => write!(f, "reason {code}"),
        }
    }
}

/// A CRL entry found for a serial.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revocation {
    pub date: UnixTime,
    pub reason: Option<RevocationReason>,
}

/// DER of a CRL given as DER or PEM (`X509 CRL`).
pub fn decode(input: &[u8]) -> Result<Cow<'_, [u8]>, CrlError> {
    profile::der_from_pem_or_der(input, &["X509 CRL"]).map_err(|e| CrlError::Parse(e.to_string()))
}

/// A parsed CRL, borrowing its DER.
#[derive(Clone, Debug)]
pub struct Crl<'a> {
    der: &'a [u8],
    crl: CertificateRevocationList<'a>,
}

impl<'a> Crl<'a> {
    /// Parses one DER CRL; nothing may follow it.
    pub fn from_der(der: &'a [u8]) -> Result<Self, CrlError> {
        let (rest, crl) = CertificateRevocationList::from_der(der).map_err(|e| CrlError::Parse(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CrlError::Parse(format!("{} bytes after the CRL", rest.len())));
        }
        let crl = Self { der, crl };
        crl.check_extensions()?;
        Ok(crl)
    }

    pub fn der(&self) -> &'a [u8] {
        self.der
    }

    /// x509-parser's view.
    pub fn x509(&self) -> &CertificateRevocationList<'a> {
        &self.crl
    }

    pub fn issuer(&self) -> String {
        self.crl.issuer().to_string()
    }

    pub fn issuer_raw(&self) -> &'a [u8] {
        self.crl.tbs_cert_list.issuer.as_raw()
    }

    pub fn this_update(&self) -> UnixTime {
        self.crl.last_update().into()
    }

    pub fn next_update(&self) -> Option<UnixTime> {
        self.crl.next_update().map(Into::into)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.crl.tbs_cert_list.revoked_certificates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// keyIdentifier of the CRL's authorityKeyIdentifier.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.crl.extensions().iter().find(|e| e.oid.as_bytes() == oids::AUTHORITY_KEY_IDENTIFIER).and_then(|e| match e
            .parsed_extension()
        {
            ParsedExtension::AuthorityKeyIdentifier(aki) => aki.key_identifier.as_ref().map(|k| k.0),
            _ => None,
        })
    }

    fn issuing_distribution_point(&self) -> Option<&x509_parser::extensions::IssuingDistributionPoint<'_>> {
        self.crl.extensions().iter().find_map(|e| match e.parsed_extension() {
            ParsedExtension::IssuingDistributionPoint(idp) if e.oid.as_bytes() == oids::ISSUING_DISTRIBUTION_POINT => {
                Some(idp)
            }
            _ => None,
        })
    }

    /// Directory names of the issuingDistributionPoint's fullName.
    pub fn issuing_distribution_dir_names(&self) -> Vec<&X509Name<'_>> {
        match self.issuing_distribution_point().and_then(|idp| idp.distribution_point.as_ref()) {
            Some(DistributionPointName::FullName(names)) => names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DirectoryName(dn) => Some(dn),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether this CRL is the one for `cert`:
    /// - its issuer is one of the certificate's distribution-point directory names (the JPKI
    ///   rule: the partition's CRL carries the partition's name), or a cRLIssuer name; or
    /// - its issuer is the certificate's issuer and it is either a complete CRL (no
    ///   issuingDistributionPoint) or its issuingDistributionPoint names one of the
    ///   certificate's distribution points (RFC 5280 §6.3.3 b);
    ///
    /// and an issuingDistributionPoint restricted to user or CA certificates matches.
    pub fn covers(&self, cert: &Certificate<'_>) -> bool {
        let issuer = self.issuer_raw();
        let dps = cert.crl_distribution_dir_names();
        let by_dp_name = dps.iter().any(|dn| dn.as_raw() == issuer)
            || cert.crl_issuer_dir_names().iter().any(|dn| dn.as_raw() == issuer);
        let by_issuer = issuer == cert.issuer_raw() && {
            let idp_names = self.issuing_distribution_dir_names();
            self.issuing_distribution_point().is_none()
                || idp_names.iter().any(|i| dps.iter().any(|d| d.as_raw() == i.as_raw()))
                || (dps.is_empty() && self.issuing_distribution_point().is_some_and(|i| i.distribution_point.is_none()))
        };
        if !(by_dp_name || by_issuer) {
            return false;
        }
        match self.issuing_distribution_point() {
            Some(idp) if idp.only_contains_user_certs => !cert.is_ca(),
            Some(idp) if idp.only_contains_ca_certs => cert.is_ca(),
            _ => true,
        }
    }

    /// The hash of the signature algorithm, or its dotted OID if hanko does not verify it.
    pub fn signature_hash(&self) -> Result<HashAlgorithm, String> {
        profile::signature_hash(self.crl.signature_algorithm.algorithm.as_bytes())
    }

    /// Verifies the signature under the issuer's key. SHA-1 is refused unless `allow_sha1`.
    /// Returns the hash used.
    pub fn verify_signature(&self, issuer_key: &RsaPublicKey, allow_sha1: bool) -> Result<HashAlgorithm, CrlError> {
        let outer = &self.crl.signature_algorithm;
        let inner = &self.crl.tbs_cert_list.signature;
        if outer.algorithm != inner.algorithm
            || outer.parameters.as_ref().map(|p| p.as_bytes()) != inner.parameters.as_ref().map(|p| p.as_bytes())
        {
            return Err(CrlError::AlgorithmMismatch);
        }
        let hash = self.signature_hash().map_err(|oid| CrlError::UnsupportedAlgorithm { oid })?;
        if hash == HashAlgorithm::Sha1 && !allow_sha1 {
            return Err(CrlError::WeakAlgorithm(hash));
        }
        signature::verify(
            issuer_key,
            self.crl.tbs_cert_list.as_ref(),
            &self.crl.signature_value.data,
            Scheme::Pkcs1v15(hash),
        )
        .map_err(CrlError::BadSignature)?;
        Ok(hash)
    }

    /// thisUpdate ≤ `at`, and `at` ≤ nextUpdate when present (a CRL without nextUpdate is
    /// accepted, RFC 5280 requires the field but its absence says nothing about staleness
    /// that a caller could act on).
    pub fn check_time(&self, at: UnixTime) -> Result<(), CrlError> {
        let this_update = self.this_update();
        if at < this_update {
            return Err(CrlError::NotYetValid { this_update, at });
        }
        match self.next_update() {
            Some(next_update) if next_update < at => Err(CrlError::Expired { next_update, at }),
            _ => Ok(()),
        }
    }

    /// Signature, issuer key usage (cRLSign when KeyUsage is present) and time, in that order.
    pub fn check(
        &self,
        issuer: &RsaPublicKey,
        issuer_key_usage: Option<KeyUsage>,
        at: UnixTime,
        allow_sha1: bool,
    ) -> Result<HashAlgorithm, CrlError> {
        let hash = self.verify_signature(issuer, allow_sha1)?;
        if let Some(found) = issuer_key_usage {
            if !found.contains(KeyUsage::CRL_SIGN) {
                return Err(CrlError::IssuerKeyUsage { found });
            }
        }
        self.check_time(at)?;
        Ok(hash)
    }

    /// The entry for `serial` (DER INTEGER content as in the certificate; a leading sign
    /// byte is ignored), unless its reason is removeFromCRL.
    pub fn revocation(&self, serial: &[u8]) -> Option<Revocation> {
        let wanted = strip_sign(serial);
        self.crl.iter_revoked_certificates().find(|r| strip_sign(r.raw_serial()) == wanted).and_then(|r| {
            let reason = r.reason_code().map(|(_, code)| RevocationReason::from_code(code.0));
            (reason != Some(RevocationReason::RemoveFromCrl))
                .then(|| Revocation { date: r.revocation_date.into(), reason })
        })
    }

    /// Refuses what hanko cannot interpret: critical CRL or entry extensions it does not
    /// process, delta CRLs, indirect CRLs, CRLs partitioned by reason or for attribute
    /// certificates.
    fn check_extensions(&self) -> Result<(), CrlError> {
        let mut seen: Vec<&[u8]> = Vec::new();
        for ext in self.crl.extensions() {
            let oid = ext.oid.as_bytes();
            if seen.contains(&oid) {
                return Err(CrlError::Parse(format!("duplicate CRL extension {}", oids::dotted(oid))));
            }
            seen.push(oid);
            match oid {
                oids::DELTA_CRL_INDICATOR => return Err(CrlError::Unsupported("delta CRL")),
                oids::ISSUING_DISTRIBUTION_POINT => match ext.parsed_extension() {
                    ParsedExtension::IssuingDistributionPoint(idp) => {
                        if idp.indirect_crl {
                            return Err(CrlError::Unsupported("indirect CRL"));
                        }
                        if idp.only_some_reasons.is_some() {
                            return Err(CrlError::Unsupported("CRL partitioned by reason"));
                        }
                        if idp.only_contains_attribute_certs {
                            return Err(CrlError::Unsupported("CRL of attribute certificates"));
                        }
                    }
                    _ => return Err(CrlError::Parse("malformed issuingDistributionPoint".into())),
                },
                oids::AUTHORITY_KEY_IDENTIFIER | oids::CRL_NUMBER => {}
                _ if ext.critical => {
                    return Err(CrlError::UnknownCriticalExtension { oid: oids::dotted(oid) });
                }
                _ => {}
            }
        }
        for entry in self.crl.iter_revoked_certificates() {
            for ext in entry.extensions() {
                let oid = ext.oid.as_bytes();
                if oid == oids::CERTIFICATE_ISSUER {
                    return Err(CrlError::Unsupported("indirect CRL"));
                }
                if ext.critical && oid != oids::CRL_REASON && oid != oids::INVALIDITY_DATE {
                    return Err(CrlError::UnknownCriticalExtension { oid: oids::dotted(oid) });
                }
            }
        }
        Ok(())
    }
}

/// INTEGER content without the sign-padding zero bytes.
fn strip_sign(serial: &[u8]) -> &[u8] {
    let first = serial.iter().position(|&b| b != 0).unwrap_or(serial.len());
    &serial[first..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons() {
        assert_eq!(RevocationReason::from_code(1), RevocationReason::KeyCompromise);
        assert_eq!(RevocationReason::from_code(7), RevocationReason::Other(7));
        assert_eq!(RevocationReason::CertificateHold.to_string(), "certificateHold");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(Crl::from_der(&[]).is_err());
        assert!(Crl::from_der(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
        assert!(decode(b"-----BEGIN X509 CRL-----\n!!\n-----END X509 CRL-----\n").is_err());
    }

    #[test]
    fn serials_compare_without_sign_bytes() {
        assert_eq!(strip_sign(&[0x00, 0x80]), &[0x80]);
        assert_eq!(strip_sign(&[0x00]), &[] as &[u8]);
    }
}
