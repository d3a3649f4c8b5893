//! The JPKI client against a scripted fake card: the exact APDUs it sends, the bytes it
//! reassembles, and an error for every way a card can misbehave.

use std::collections::HashMap;

use hanko_codec::field::{Date, DigestInfo, HashAlgorithm, MyNumber, Padding, Sex};
use hanko_codec::generated::applications::by_short;
use hanko_codec::generated::files::{JpkiTokenInfo, TextBasicFour, TextMyNumber};
use hanko_codec::StatusWord;
use hanko_sim::client::{BasicFour, ClientError, JpkiClient, Key, Malformed, Pin, PinStatus, ReadStyle, Which};
use hanko_sim::transport::{Transport, TransportError};

macro_rules! pki {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/testdata/pki/", $name)).as_slice()
    };
}

const AUTH_EE: &[u8] = pki!("auth_ee.der");
const AUTH_CA: &[u8] = pki!("auth_ca.der");
const SIGN_EE: &[u8] = pki!("sign_ee.der");
const SIGN_CA: &[u8] = pki!("sign_ca.der");

const NAME: &str = "見本\u{3000}花子";
const ADDRESS: &str = "東京都千代田区見本町一丁目２番３号";

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

fn sw(word: u16) -> Vec<u8> {
    word.to_be_bytes().to_vec()
}

/// Rewrites the honest answer to a C-APDU.
type Tamper = Box<dyn FnMut(&[u8], Vec<u8>) -> Vec<u8>>;

struct PinState {
    value: &'static str,
    tries: u8,
}

/// What an EF holds.
enum Ef {
    /// Readable data, guarded by the PIN EF given, if any.
    Data(Vec<u8>, Option<u16>),
    Pin(PinState),
    /// A private key, usable after the PIN EF given.
    Key(u16),
}

/// A card that keeps files as bytes and follows REFERENCE §5, just far enough for a client.
struct FakeCard {
    apps: HashMap<Vec<u8>, HashMap<u16, Ef>>,
    app: Option<Vec<u8>>,
    ef: Option<u16>,
    verified: Vec<u16>,
    /// The answer to VERIFY on a blocked PIN: 6984 on the My Number card, 6983 in ISO 7816-4.
    blocked_sw: u16,
    log: Vec<Vec<u8>>,
    tamper: Option<Tamper>,
}

fn aid(short: &str) -> Vec<u8> {
    by_short(short).expect("application in the spec").aid.to_vec()
}

fn token_info() -> Vec<u8> {
    let mut out = Vec::new();
    // More than the 32 label bytes, so that reading exactly 32 is visible.
    JpkiTokenInfo { label: "JPKIAPICCTOKEN2", token_info_rest: &[0xA5; 16] }.encode(&mut out);
    out
}

fn my_number_file() -> Vec<u8> {
    let number = MyNumber::from_first11(*b"12345678901").expect("digits");
    let mut out = Vec::new();
    TextMyNumber { my_number: number, padding: Padding { byte: 0xFF, len: 2 } }.encode(&mut out);
    out
}

fn basic_four_file() -> Vec<u8> {
    let mut out = Vec::new();
    TextBasicFour {
        name: NAME,
        address: ADDRESS,
        birth_date: Date::new(2000, 1, 1).expect("date"),
        sex: Sex::Female,
        padding: Padding::none(&[0x00, 0xFF]),
    }
    .encode(&mut out);
    out
}

impl FakeCard {
    fn new() -> Self {
        let jpki = HashMap::from([
            (0x0006, Ef::Data(token_info(), None)),
            (0x000A, Ef::Data(AUTH_EE.to_vec(), None)),
            (0x000B, Ef::Data(AUTH_CA.to_vec(), None)),
            (0x0001, Ef::Data(SIGN_EE.to_vec(), Some(0x001B))),
            (0x0002, Ef::Data(SIGN_CA.to_vec(), None)),
            (0x0018, Ef::Pin(PinState { value: "1234", tries: 3 })),
            (0x001B, Ef::Pin(PinState { value: "ABC123", tries: 5 })),
            (0x0017, Ef::Key(0x0018)),
            (0x001A, Ef::Key(0x001B)),
        ]);
        let text = HashMap::from([
            (0x0001, Ef::Data(my_number_file(), Some(0x0011))),
            (0x0002, Ef::Data(basic_four_file(), Some(0x0011))),
            (0x0011, Ef::Pin(PinState { value: "1234", tries: 3 })),
        ]);
        Self {
            apps: HashMap::from([(aid("jpki"), jpki), (aid("text"), text)]),
            app: None,
            ef: None,
            verified: Vec::new(),
            blocked_sw: 0x6984,
            log: Vec::new(),
            tamper: None,
        }
    }

    fn with_file(mut self, short: &str, fid: u16, bytes: Vec<u8>) -> Self {
        self.apps.entry(aid(short)).or_default().insert(fid, Ef::Data(bytes, None));
        self
    }

    fn without_file(mut self, short: &str, fid: u16) -> Self {
        self.apps.entry(aid(short)).or_default().remove(&fid);
        self
    }

    fn tampered(mut self, f: impl FnMut(&[u8], Vec<u8>) -> Vec<u8> + 'static) -> Self {
        self.tamper = Some(Box::new(f));
        self
    }

    fn current(&mut self) -> Option<&mut Ef> {
        let (app, ef) = (self.app.as_ref()?, self.ef?);
        self.apps.get_mut(app)?.get_mut(&ef)
    }

    fn answer(&mut self, c: &[u8]) -> Vec<u8> {
        let data = if c.len() > 5 { &c[5..5 + usize::from(c[4])] } else { &[][..] };
        match c.get(..4) {
            Some([0x00, 0xA4, 0x04, 0x0C]) => {
                if self.apps.contains_key(data) {
                    self.app = Some(data.to_vec());
                    self.ef = None;
                    self.verified.clear();
                    sw(0x9000)
                } else {
                    sw(0x6A82)
                }
            }
            Some([0x00, 0xA4, 0x02, 0x0C]) => {
                let fid = u16::from_be_bytes([data[0], data[1]]);
                let found =
                    self.app.as_ref().and_then(|a| self.apps.get(a)).is_some_and(|files| files.contains_key(&fid));
                if found {
                    self.ef = Some(fid);
                    sw(0x9000)
                } else {
                    sw(0x6A82)
                }
            }
            Some([0x00, 0xB0, p1, p2]) => {
                let offset = usize::from(u16::from_be_bytes([*p1, *p2]));
                let ne = match c[4] {
                    0 => 256,
                    n => usize::from(n),
                };
                let verified = self.verified.clone();
                match self.current() {
                    Some(Ef::Data(_, Some(pin))) if !verified.contains(pin) => sw(0x6982),
                    Some(Ef::Data(bytes, _)) if offset <= bytes.len() => {
                        let end = (offset + ne).min(bytes.len());
                        [&bytes[offset..end], &[0x90, 0x00][..]].concat()
                    }
                    Some(Ef::Data(..)) => sw(0x6B00),
                    _ => sw(0x6986),
                }
            }
            Some([0x00, 0x20, 0x00, 0x80]) => {
                let fid = self.ef;
                let blocked_sw = self.blocked_sw;
                let Some(Ef::Pin(pin)) = self.current() else { return sw(0x6986) };
                if c.len() == 4 {
                    return sw(0x63C0 | u16::from(pin.tries));
                }
                if pin.tries == 0 {
                    return sw(blocked_sw);
                }
                if data == pin.value.as_bytes() {
                    pin.tries = 3;
                    self.verified.extend(fid);
                    sw(0x9000)
                } else {
                    pin.tries -= 1;
                    sw(0x63C0 | u16::from(pin.tries))
                }
            }
            Some([0x80, 0x2A, 0x00, 0x80]) => {
                let verified = self.verified.clone();
                match self.current() {
                    Some(Ef::Key(pin)) if verified.contains(pin) => {
                        // Not a real signature: the client only moves bytes.
                        let sig: Vec<u8> = (0..256).map(|i| data[i % data.len()] ^ i as u8).collect();
                        [sig, sw(0x9000)].concat()
                    }
                    Some(Ef::Key(_)) => sw(0x6982),
                    _ => sw(0x6986),
                }
            }
            _ => sw(0x6D00),
        }
    }

    /// The READ BINARY commands sent so far, as hex.
    fn reads(&self) -> Vec<String> {
        self.log.iter().filter(|c| c.starts_with(&[0x00, 0xB0])).map(|c| hex_of(c)).collect()
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

impl Transport for FakeCard {
    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.log.push(capdu.to_vec());
        let honest = self.answer(capdu);
        Ok(match self.tamper.as_mut() {
            Some(f) => f(capdu, honest),
            None => honest,
        })
    }
}

fn client(style: ReadStyle) -> JpkiClient<FakeCard> {
    JpkiClient::new(FakeCard::new()).with_style(style)
}

/// The READ BINARY commands of a jpki/myna read of a `len`-byte file.
fn probe7_reads(len: usize) -> Vec<String> {
    let mut out = vec!["00B0000007".to_string()];
    let mut offset = 7;
    while offset < len {
        let n = (len - offset).min(256);
        out.push(format!("00B0{offset:04X}{:02X}", n % 256));
        offset += n;
    }
    out
}

/// The READ BINARY commands of an OpenSC read of a `len`-byte file.
fn probe4_reads(len: usize) -> Vec<String> {
    let mut out = vec!["00B0000004".to_string()];
    let mut offset = 0;
    while offset < len {
        let n = (len - offset).min(256);
        out.push(format!("00B0{offset:04X}{:02X}", n % 256));
        offset += n;
    }
    out
}

#[test]
fn both_read_styles_return_every_certificate_byte_for_byte() {
    for style in [ReadStyle::Probe7, ReadStyle::Probe4] {
        let mut c = client(style);
        for (which, der) in [(Which::Auth, AUTH_EE), (Which::AuthCa, AUTH_CA), (Which::SignCa, SIGN_CA)] {
            c.transport_mut().log.clear();
            assert_eq!(c.certificate(which).as_deref(), Ok(der), "{style:?} {which:?}");
            let expected = match style {
                ReadStyle::Probe7 => probe7_reads(der.len()),
                ReadStyle::Probe4 => probe4_reads(der.len()),
            };
            assert_eq!(c.transport().reads(), expected, "{style:?} {which:?}");
        }
        c.verify(Pin::Sign, "ABC123").expect("signing password");
        c.transport_mut().log.clear();
        assert_eq!(c.certificate(Which::Sign).as_deref(), Ok(SIGN_EE), "{style:?}");
        // Only the certificate's EF is selected again: a second SELECT DF would drop the password.
        assert_eq!(hex_of(&c.transport().log[0]), "00A4020C020001");
    }
}

#[test]
fn the_signing_certificate_is_read_in_the_documented_chunks() {
    assert_eq!(SIGN_EE.len(), 1505, "the test PKI changed; the Le values below assume 1505 bytes");
    let mut c = client(ReadStyle::Probe7);
    c.verify(Pin::Sign, "ABC123").expect("signing password");
    c.certificate(Which::Sign).expect("certificate");
    // 7 + 5 × 256 = 1287; 1505 − 1287 = 218 = 0xDA.
    assert_eq!(
        c.transport().reads(),
        ["00B0000007", "00B0000700", "00B0010700", "00B0020700", "00B0030700", "00B0040700", "00B00507DA"]
    );

    let mut c = client(ReadStyle::Probe4);
    c.verify(Pin::Sign, "ABC123").expect("signing password");
    c.certificate(Which::Sign).expect("certificate");
    // 5 × 256 = 1280; 1505 − 1280 = 225 = 0xE1.
    assert_eq!(
        c.transport().reads(),
        ["00B0000004", "00B0000000", "00B0010000", "00B0020000", "00B0030000", "00B0040000", "00B00500E1"]
    );
}

#[test]
fn a_remainder_of_exactly_256_bytes_is_one_le_00_read() {
    let mut file = vec![0x30, 0x82, 0x02, 0x03];
    file.extend((0..0x203).map(|i| i as u8));
    assert_eq!(file.len(), 7 + 512);
    let mut c = JpkiClient::new(FakeCard::new().with_file("jpki", 0x0100, file.clone()));
    c.select(by_short("jpki").expect("jpki")).expect("select");
    assert_eq!(c.read_file(0x0100), Ok(file));
    assert_eq!(c.transport().reads(), ["00B0000007", "00B0000700", "00B0010700"]);
}

#[test]
fn a_file_shorter_than_the_probe_comes_back_whole() {
    let file = hex("04 02 AA BB");
    for style in [ReadStyle::Probe7, ReadStyle::Probe4] {
        let mut c = JpkiClient::new(FakeCard::new().with_file("jpki", 0x0100, file.clone())).with_style(style);
        c.select(by_short("jpki").expect("jpki")).expect("select");
        assert_eq!(c.read_file(0x0100).as_deref(), Ok(file.as_slice()), "{style:?}");
        assert_eq!(c.transport().reads().len(), 1, "{style:?}");
    }
}

#[test]
fn the_token_label_is_32_bytes_trimmed() {
    let mut c = client(ReadStyle::Probe7);
    assert_eq!(c.token_label().as_deref(), Ok("JPKIAPICCTOKEN2"));
    let log: Vec<String> = c.transport().log.iter().map(|a| hex_of(a)).collect();
    assert_eq!(log, ["00A4040C0AD392F000260100000001", "00A4020C020006", "00B0000020"]);
}

#[test]
fn pin_counters_count_down_and_block() {
    let mut c = client(ReadStyle::Probe7);
    assert_eq!(c.pin_status(Pin::Auth), Ok(PinStatus::TriesLeft(3)));
    assert_eq!(c.pin_status(Pin::Sign), Ok(PinStatus::TriesLeft(5)));
    assert_eq!(c.verify(Pin::Auth, "0000"), Err(ClientError::WrongPin { tries_left: 2 }));
    assert_eq!(c.pin_status(Pin::Auth), Ok(PinStatus::TriesLeft(2)));
    assert_eq!(c.verify(Pin::Auth, "0000"), Err(ClientError::WrongPin { tries_left: 1 }));
    assert_eq!(c.verify(Pin::Auth, "0000"), Err(ClientError::WrongPin { tries_left: 0 }));
    assert_eq!(c.pin_status(Pin::Auth), Ok(PinStatus::Blocked));
    assert_eq!(c.verify(Pin::Auth, "1234"), Err(ClientError::Blocked));
    // The query is the empty VERIFY after selecting the PIN EF.
    let log: Vec<String> = c.transport().log.iter().map(|a| hex_of(a)).collect();
    assert_eq!(log[1..3], ["00A4020C020018", "00200080"]);
}

#[test]
fn scripted_status_words_map_to_pin_outcomes() {
    let on_verify =
        |word: u16| move |c: &[u8], honest: Vec<u8>| if c.starts_with(&[0x00, 0x20]) { sw(word) } else { honest };
    let mut c = JpkiClient::new(FakeCard::new().tampered(on_verify(0x63C2)));
    assert_eq!(c.verify(Pin::Auth, "1234"), Err(ClientError::WrongPin { tries_left: 2 }));
    assert_eq!(c.pin_status(Pin::Auth), Ok(PinStatus::TriesLeft(2)));
    for blocked in [0x6984, 0x6983] {
        let mut c = JpkiClient::new(FakeCard::new().tampered(on_verify(blocked)));
        assert_eq!(c.verify(Pin::Sign, "ABC123"), Err(ClientError::Blocked), "{blocked:04X}");
        assert_eq!(c.pin_status(Pin::Sign), Ok(PinStatus::Blocked), "{blocked:04X}");
    }
    // OpenSC demands 63Cx to the query; 9000 says nothing about the counter.
    let mut c = JpkiClient::new(FakeCard::new().tampered(on_verify(0x9000)));
    assert_eq!(
        c.pin_status(Pin::Auth),
        Err(ClientError::Status { command: "jpki.verify_query", sw: StatusWord::Success })
    );
    let mut card = FakeCard::new();
    card.blocked_sw = 0x6983;
    let mut c = JpkiClient::new(card);
    for _ in 0..3 {
        let _ = c.verify(Pin::Auth, "9999");
    }
    assert_eq!(c.verify(Pin::Auth, "1234"), Err(ClientError::Blocked));
}

#[test]
fn signing_sends_exactly_the_documented_apdu() {
    let digest = [0x5A; 32];
    let mut di = Vec::new();
    DigestInfo { algorithm: HashAlgorithm::Sha256, digest: &digest }.encode(&mut di);
    assert_eq!(di.len(), 0x33);

    let mut c = client(ReadStyle::Probe7);
    assert_eq!(
        c.sign(Key::Auth, &di),
        Err(ClientError::Status { command: "jpki.compute_signature", sw: StatusWord::SecurityStatusNotSatisfied })
    );
    c.verify(Pin::Auth, "1234").expect("PIN");
    c.transport_mut().log.clear();
    let sig = c.sign(Key::Auth, &di).expect("signature");
    assert_eq!(sig.len(), 256);
    let log: Vec<String> = c.transport().log.iter().map(|a| hex_of(a)).collect();
    let expected = format!("802A008033{}00", hex_of(&di));
    assert_eq!(log, ["00A4020C020017".to_string(), expected]);

    c.verify(Pin::Sign, "ABC123").expect("password");
    c.transport_mut().log.clear();
    assert_eq!(c.sign(Key::Sign, &di).map(|s| s.len()), Ok(256));
    assert_eq!(hex_of(&c.transport().log[0]), "00A4020C02001A");
}

#[test]
fn the_text_ap_gives_my_number_and_basic_four() {
    for style in [ReadStyle::Probe7, ReadStyle::Probe4] {
        let mut c = client(style);
        assert_eq!(
            c.my_number(),
            Err(ClientError::Status { command: "jpki.read_binary", sw: StatusWord::SecurityStatusNotSatisfied })
        );
        c.verify(Pin::TextPin, "1234").expect("text PIN");
        assert_eq!(c.my_number().as_deref(), Ok("123456789018"));
        assert_eq!(
            c.basic_four(),
            Ok(BasicFour {
                name: NAME.to_string(),
                address: ADDRESS.to_string(),
                birth_date: Date::new(2000, 1, 1).expect("date"),
                sex: Sex::Female,
            })
        );
        let reads = c.transport().reads();
        // The My Number is read as the clients read it: all 17 bytes at once.
        assert!(reads.contains(&"00B0000011".to_string()), "{style:?} {reads:?}");
    }
    // Switching application selects again; switching back too.
    let mut c = client(ReadStyle::Probe7);
    c.token_label().expect("label");
    c.verify(Pin::TextPin, "1234").expect("text PIN");
    c.token_label().expect("label");
    let selects = c.transport().log.iter().filter(|a| a.starts_with(&[0x00, 0xA4, 0x04])).count();
    assert_eq!(selects, 3);
}

#[test]
fn the_basic_four_file_of_the_test_pki_decodes() {
    let file = pki!("text_ap/ef0002.bin").to_vec();
    let mut card = FakeCard::new();
    card.apps.get_mut(&aid("text")).expect("text").insert(0x0002, Ef::Data(file, None));
    let mut c = JpkiClient::new(card);
    let four = c.basic_four().expect("basic four");
    assert_eq!(four.name, NAME);
    assert_eq!(four.address, ADDRESS);
    assert_eq!(four.sex, Sex::Female);
}

struct Unplugged;

impl Transport for Unplugged {
    fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
        Err(TransportError::Disconnected("card removed".into()))
    }
}

/// Every error variant, from a card (or link) that misbehaves in one way.
#[test]
fn every_error_variant_from_a_misbehaving_card() {
    let mut errors = Vec::new();

    let e = JpkiClient::new(Unplugged).token_label().unwrap_err();
    assert_eq!(e, ClientError::Transport(TransportError::Disconnected("card removed".into())));
    errors.push(e);

    let mut c = JpkiClient::new(FakeCard::new().without_file("jpki", 0x000A));
    let e = c.certificate(Which::Auth).unwrap_err();
    assert_eq!(e, ClientError::Status { command: "jpki.select_ef", sw: StatusWord::FileNotFound });
    let text = e.to_string();
    assert!(text.contains("6A82") && text.contains("sw.file_not_found"), "{text}");
    errors.push(e);

    // A chunk that comes back one byte short.
    let mut c = JpkiClient::new(FakeCard::new().tampered(|c, mut honest| {
        if c == hex("00B0 0107 00").as_slice() {
            honest.remove(0);
        }
        honest
    }));
    let e = c.certificate(Which::Auth).unwrap_err();
    assert_eq!(
        e,
        ClientError::Malformed { command: "jpki.read_binary", what: Malformed::Length { expected: 256, found: 255 } }
    );
    errors.push(e);

    // A probe answer shorter than asked for, of a file that is longer.
    let mut c = JpkiClient::new(FakeCard::new().tampered(|c, honest| {
        if c == hex("00B0 0000 07").as_slice() {
            [&honest[..3], &[0x90, 0x00]].concat()
        } else {
            honest
        }
    }));
    assert_eq!(
        c.certificate(Which::AuthCa),
        Err(ClientError::Malformed { command: "jpki.read_binary", what: Malformed::Length { expected: 7, found: 3 } })
    );

    // More bytes than Le asked for.
    let mut c = JpkiClient::new(FakeCard::new().tampered(|c, honest| {
        if c.starts_with(&[0x00, 0xB0]) {
            [&[0u8; 40][..], &[0x90, 0x00]].concat()
        } else {
            honest
        }
    }));
    assert_eq!(
        c.token_label(),
        Err(ClientError::Malformed {
            command: "jpki.read_binary",
            what: Malformed::Length { expected: 32, found: 40 }
        })
    );

    // No status word at all.
    let mut c = JpkiClient::new(FakeCard::new().tampered(|_, _| vec![0x90]));
    assert_eq!(
        c.token_label(),
        Err(ClientError::Malformed { command: "jpki.select_df", what: Malformed::NoStatusWord { len: 1 } })
    );

    // Data on a SELECT that asked for none.
    let mut c = JpkiClient::new(FakeCard::new().tampered(|c, honest| {
        if c.starts_with(&[0x00, 0xA4, 0x04]) {
            hex("6F00 9000")
        } else {
            honest
        }
    }));
    assert_eq!(
        c.token_label(),
        Err(ClientError::Malformed { command: "jpki.select_df", what: Malformed::Length { expected: 0, found: 2 } })
    );

    // A header that claims more than the client reads, before anything is allocated.
    let huge = hex("30 83 01 00 01 00 00");
    let mut c = JpkiClient::new(FakeCard::new().with_file("jpki", 0x000A, huge));
    let e = c.certificate(Which::Auth).unwrap_err();
    assert_eq!(
        e,
        ClientError::Malformed { command: "jpki.read_binary", what: Malformed::TooLarge { claimed: 0x1_0001 + 5 } }
    );
    assert_eq!(c.transport().reads().len(), 1);
    // Under 64 KiB but beyond what a 15-bit READ BINARY offset reaches.
    let far = hex("30 82 90 00 00 00 00");
    let mut c = JpkiClient::new(FakeCard::new().with_file("jpki", 0x000A, far));
    assert!(matches!(c.certificate(Which::Auth), Err(ClientError::Malformed { what: Malformed::TooLarge { .. }, .. })));
    errors.push(e);

    // A signature that is not 256 bytes.
    let mut c = JpkiClient::new(FakeCard::new().tampered(|c, honest| {
        if c.starts_with(&[0x80, 0x2A]) {
            [&honest[..255], &[0x90, 0x00]].concat()
        } else {
            honest
        }
    }));
    c.verify(Pin::Auth, "1234").expect("PIN");
    assert_eq!(
        c.sign(Key::Auth, &[0x30, 0x00]),
        Err(ClientError::Malformed {
            command: "jpki.compute_signature",
            what: Malformed::Length { expected: 256, found: 255 }
        })
    );

    let mut c = client(ReadStyle::Probe7);
    let e = c.verify(Pin::Auth, "0000").unwrap_err();
    assert_eq!(e, ClientError::WrongPin { tries_left: 2 });
    errors.push(e);
    let mut c =
        JpkiClient::new(FakeCard::new().tampered(|c, h| if c.starts_with(&[0, 0x20]) { sw(0x6984) } else { h }));
    let e = c.verify(Pin::Auth, "1234").unwrap_err();
    assert_eq!(e, ClientError::Blocked);
    errors.push(e);

    // Garbage where a TLV header belongs.
    let mut c = JpkiClient::new(FakeCard::new().with_file("jpki", 0x000A, hex("00 00 00 00 00 00 00 00")));
    assert!(matches!(c.certificate(Which::Auth), Err(ClientError::Decode(_))));
    // A whole TLV that is not a certificate.
    let mut c = JpkiClient::new(FakeCard::new().with_file("jpki", 0x000A, hex("04 03 01 02 03")));
    assert!(matches!(c.certificate(Which::Auth), Err(ClientError::Decode(_))));
    // A My Number with a wrong check digit.
    let mut bad = my_number_file();
    bad[14] = if bad[14] == b'0' { b'1' } else { b'0' };
    let mut c = JpkiClient::new(FakeCard::new().with_file("text", 0x0001, bad));
    let e = c.my_number().unwrap_err();
    assert!(matches!(e, ClientError::Decode(d) if d.kind.name() == "check_digit"), "{e}");
    errors.push(e);
    // Basic four whose offset table lies.
    let mut bad = basic_four_file();
    bad[7] += 1;
    let mut c = JpkiClient::new(FakeCard::new().with_file("text", 0x0002, bad));
    assert!(matches!(c.basic_four(), Err(ClientError::Decode(_))));

    let mut c = client(ReadStyle::Probe7);
    let e = c.verify(Pin::Auth, "").unwrap_err();
    assert!(matches!(e, ClientError::InvalidArgument(_)));
    assert!(matches!(c.verify(Pin::Sign, "ABCDEFGHIJKLMNOPQ"), Err(ClientError::InvalidArgument(_))));
    assert!(matches!(c.sign(Key::Auth, &[]), Err(ClientError::InvalidArgument(_))));
    assert!(matches!(c.sign(Key::Auth, &[0; 256]), Err(ClientError::InvalidArgument(_))));
    assert!(c.transport().log.is_empty(), "invalid arguments must not reach the card");
    errors.push(e);

    for e in errors {
        let line = e.to_string();
        assert!(!line.is_empty() && !line.contains('\n'), "{e:?} displays as {line:?}");
    }
}
