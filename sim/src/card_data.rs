//! The contents of the virtual card: the test PKI's certificates and text-AP files, the
//! other APs' files built with the generated encoders, and the default test credentials.
//! Everything is synthetic; the holder is the test PKI's 見本 花子.

use hanko_codec::field::{Date, Padding, Sex};
use hanko_codec::generated::files::*;
use hanko_crypto::testpki::Pki;
use hanko_model::data::{CardData, Secret};
use hanko_model::Profile;

/// The test credentials every client, test and user can rely on (`--pins` overrides them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pins {
    /// Authentication PIN (EF 0018), 4 digits.
    pub auth: String,
    /// Signing password (EF 001B), 6–16 of A–Z 0–9.
    pub sign: String,
    /// Text AP PIN (EF 0011), 4 digits.
    pub text: String,
    /// 照合番号A: the holder's My Number.
    pub number_a: String,
    /// 照合番号B: birth date YYMMDD in the Japanese era, expiry year, security code.
    pub number_b: String,
    /// Surface AP birth-date key: YYMMDD in the Japanese era.
    pub birth: String,
    /// Common AP PIN (EF 001C).
    pub common: String,
}

/// The holder's My Number in the test data (a valid check digit on a patterned number).
pub const MY_NUMBER: &str = "123456789018";

impl Default for Pins {
    fn default() -> Self {
        Self {
            auth: "1234".into(),
            sign: "ABC123".into(),
            text: "1234".into(),
            number_a: MY_NUMBER.into(),
            // Heisei 12 (2000) January 1st, card expiry 2035, security code 1234.
            number_b: "12010120351234".into(),
            birth: "120101".into(),
            common: "1234".into(),
        }
    }
}

impl Pins {
    /// Applies `auth=1234,sign=ABC123,…` on top of the defaults.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut pins = Self::default();
        for part in spec.split(',').filter(|p| !p.trim().is_empty()) {
            let (name, value) = part.split_once('=').ok_or_else(|| format!("--pins: {part:?} is not NAME=VALUE"))?;
            let slot = match name.trim() {
                "auth" => &mut pins.auth,
                "sign" => &mut pins.sign,
                "text" => &mut pins.text,
                "number_a" => &mut pins.number_a,
                "number_b" => &mut pins.number_b,
                "birth" => &mut pins.birth,
                "common" => &mut pins.common,
                other => {
                    return Err(format!(
                        "--pins: unknown PIN {other:?} (auth, sign, text, number_a, number_b, birth, common)"
                    ))
                }
            };
            *slot = value.trim().to_string();
        }
        Ok(pins)
    }
}

fn encoded(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    f(&mut out);
    out
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x01\0\0\0\0";
const J2K: &[u8] = &[0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x2F, 0x00, 0x00];

/// Which key signs for a key file or AP key name on a card of `profile`: the UICC profile's
/// authentication key is the sub certificate's.
pub fn key_for<'p>(pki: &'p Pki, profile: &Profile, key: &str) -> Option<&'p hanko_crypto::testpki::KeyPair> {
    match key {
        "jpki.auth_key" if profile.id == "profile.uicc" => Some(&pki.sub_ee.key),
        "jpki.auth_key" => Some(&pki.auth_ee.key),
        "jpki.sign_key" => Some(&pki.sign_ee.key),
        "text.ap_key" => Some(&pki.text_ap.ap_key),
        _ => None,
    }
}

/// The card's contents for `profile`. The UICC profile's authentication slot holds the
/// scheme-3 sub certificate and its CA.
pub fn card_data(pki: &Pki, profile: &Profile, pins: &Pins) -> CardData {
    let mut d = CardData::default();
    let uicc = profile.id == "profile.uicc";
    let (auth_cert, auth_ca) = if uicc { (&pki.sub_ee, &pki.sub_ca) } else { (&pki.auth_ee, &pki.auth_ca) };
    let has_sign = !profile.absent_files.contains(&"jpki.sign_cert");
    let label = profile.token_label;
    d.files.insert(("ap.jpki", 0x000A), auth_cert.der.clone());
    d.files.insert(("ap.jpki", 0x000B), auth_ca.der.clone());
    if has_sign {
        d.files.insert(("ap.jpki", 0x0001), pki.sign_ee.der.clone());
        d.files.insert(("ap.jpki", 0x0002), pki.sign_ca.der.clone());
    }
    d.files.insert(("ap.jpki", 0x0006), encoded(|o| JpkiTokenInfo { label, token_info_rest: &[] }.encode(o)));
    let present = |yes: bool| {
        if yes {
            JpkiCertificateStatusSigningCertificate::Present
        } else {
            JpkiCertificateStatusSigningCertificate::Absent
        }
    };
    d.files.insert(
        ("ap.jpki", 0x0008),
        encoded(|o| {
            JpkiCertificateStatus {
                signing_certificate: present(has_sign),
                authentication_certificate: JpkiCertificateStatusAuthenticationCertificate::Present,
                reserved: &[0x00],
            }
            .encode(o)
        }),
    );
    d.pins.insert("jpki.auth_pin", Secret::new(pins.auth.as_bytes()));
    if has_sign {
        d.pins.insert("jpki.sign_pin", Secret::new(pins.sign.as_bytes()));
    }
    if profile.applications.contains(&"ap.text") {
        let t = &pki.text_ap;
        for (fid, bytes) in [(1u16, &t.ef0001), (2, &t.ef0002), (3, &t.ef0003), (4, &t.ef0004)] {
            d.files.insert(("ap.text", fid), bytes.clone());
        }
        d.files.insert(
            ("ap.text", 5),
            encoded(|o| {
                TextApInfo { ap_id: &[0x01, 0x03, 0x0E, 0x01], key_id: &[0x39; 16], reserved: &[0xFF; 128] }.encode(o)
            }),
        );
        d.pins.insert("text.pin", Secret::new(pins.text.as_bytes()));
        d.pins.insert("text.number_a", Secret::new(pins.number_a.as_bytes()));
        d.pins.insert("text.number_b", Secret::new(pins.number_b.as_bytes()));
        d.ap_keys.insert("ap.text", "text.ap_key");
    }
    if profile.applications.contains(&"ap.surface") {
        let key = &pki.text_ap.ap_key;
        let (e, n) = (key.exponent(), key.modulus());
        let sig = [0x5A; 256];
        let birth = Date::new(2000, 1, 1).unwrap_or(Date { year: 2000, month: 1, day: 1 });
        let expiry = Date::new(2035, 1, 1).unwrap_or(Date { year: 2035, month: 1, day: 1 });
        d.files.insert(
            ("ap.surface", 1),
            encoded(|o| SurfaceAge { birth_date: birth, public_exponent: &e, modulus: &n, signature: &sig }.encode(o)),
        );
        d.files.insert(
            ("ap.surface", 2),
            encoded(|o| {
                SurfaceCardFace {
                    offsets: &[0; 18],
                    birth_date: birth,
                    sex: Sex::Female,
                    public_exponent: &e,
                    modulus: &n,
                    name_image: PNG,
                    address_image: PNG,
                    photo: J2K,
                    signature: &sig,
                    expiry_date: Some(expiry),
                    security_code_image: Some(PNG),
                    padding: Padding::none(&[0x00]),
                }
                .encode(o)
            }),
        );
        d.files.insert(
            ("ap.surface", 3),
            encoded(|o| {
                SurfaceApInfo {
                    ap_id: &[0x06, 0x03, 0x0E, 0x01],
                    key_id: &[0x39; 16],
                    version: &[1],
                    municipality_code: "13101",
                    key_info: &[0x5A; 272],
                }
                .encode(o)
            }),
        );
        d.files.insert(("ap.surface", 4), pki.text_ap.ef0004.clone());
        d.files.insert(
            ("ap.surface", 5),
            encoded(|o| {
                SurfaceMyNumberImage { image: PNG, public_exponent: &e, modulus: &n, signature: &sig }.encode(o)
            }),
        );
        d.pins.insert("surface.number_a", Secret::new(pins.number_a.as_bytes()));
        d.pins.insert("surface.number_b", Secret::new(pins.number_b.as_bytes()));
        d.pins.insert("surface.birth_key", Secret::new(pins.birth.as_bytes()));
    }
    if profile.applications.contains(&"ap.common") {
        let expiry = Date::new(2035, 1, 1).unwrap_or(Date { year: 2035, month: 1, day: 1 });
        let record = encoded(|o| {
            CommonCardRecord { serial: "999000000000001", municipality_code: "13101", expiry_date: expiry }.encode(o)
        });
        d.records.insert(("ap.common", 1), vec![record]);
        d.pins.insert("common.pin", Secret::new(pins.common.as_bytes()));
    }
    d
}

/// The JPKI AP of a profile without a signing key, holding `certificate`, its CA and `pin`:
/// what the scheme-3 UICC applet holds once the SP-TSM has personalized it. The files are the
/// ones [`card_data`] gives such a profile for the same certificates.
pub fn authentication_only(profile: &Profile, certificate: &[u8], ca: &[u8], pin: &[u8]) -> CardData {
    let mut d = CardData::default();
    d.files.insert(("ap.jpki", 0x000A), certificate.to_vec());
    d.files.insert(("ap.jpki", 0x000B), ca.to_vec());
    d.files.insert(
        ("ap.jpki", 0x0006),
        encoded(|o| JpkiTokenInfo { label: profile.token_label, token_info_rest: &[] }.encode(o)),
    );
    d.files.insert(
        ("ap.jpki", 0x0008),
        encoded(|o| {
            JpkiCertificateStatus {
                signing_certificate: JpkiCertificateStatusSigningCertificate::Absent,
                authentication_certificate: JpkiCertificateStatusAuthenticationCertificate::Present,
                reserved: &[0x00],
            }
            .encode(o)
        }),
    );
    d.pins.insert("jpki.auth_pin", Secret::new(pin));
    d
}
