//! Round trips and failure paths of the SCP02 and SCP03 channels, host against card: every
//! level, every AES key size, arbitrary command and response bodies; and for each way a
//! protected message can be wrong (a flipped MAC, a wrong cryptogram, bad padding under a
//! valid MAC, a replay, a truncation), the specific error, never a panic.
//!
//! All keys and data are synthetic. The forged messages of the padding tests are built here
//! from the `aes`, `cmac`, `des` and `cbc` crates directly, as an independent reading of
//! Amendment D and GPC Appendix E, so they also cross-check the implementation's MACs.

use hanko_crypto::scp::scp02::{self, Scp02Card, Scp02CardParams, Scp02Host, Scp02InitResponse};
use hanko_crypto::scp::scp03::{self, Scp03Card, Scp03CardParams, Scp03Host, Scp03InitResponse, Scp03SessionKeys};
use hanko_crypto::scp::{CardChannel, HostChannel, KeySet, MacStep, ScpError, SecurityLevel, Step};
use proptest::prelude::*;

const HOST_CHALLENGE: [u8; 8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
const SCP03_CARD_CHALLENGE: [u8; 8] = [0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8];
const SCP02_CARD_CHALLENGE: [u8; 6] = [0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6];
const OK: [u8; 2] = [0x90, 0x00];

fn keys(len: usize) -> KeySet {
    let key = |base: u8| (0..len as u8).map(|b| base.wrapping_add(b.wrapping_mul(7))).collect::<Vec<u8>>();
    KeySet::new(&key(0x40), &key(0x50), &key(0x60)).unwrap()
}

fn scp03_params() -> Scp03CardParams {
    Scp03CardParams {
        kvn: 0x30,
        i: 0x70,
        diversification_data: [0xD0; 10],
        card_challenge: SCP03_CARD_CHALLENGE,
        sequence_counter: Some([0, 0, 9]),
    }
}

fn scp02_params(i: u8) -> Scp02CardParams {
    Scp02CardParams {
        kvn: 0x20,
        i,
        diversification_data: [0xD0; 10],
        sequence_counter: 0x0042,
        card_challenge: SCP02_CARD_CHALLENGE,
    }
}

type Pair = (Box<dyn HostChannel>, Box<dyn CardChannel>);

fn open_scp03(keys: &KeySet, level: SecurityLevel) -> (scp03::Scp03HostSession, scp03::Scp03CardSession, Vec<u8>) {
    let host = Scp03Host::new(keys, 0x30, HOST_CHALLENGE);
    let (card, response) = Scp03Card::initialize_update(keys, &scp03_params(), &host.initialize_update()).unwrap();
    let pending = host.authenticate(&response, level).unwrap();
    let external_auth = pending.external_authenticate().to_vec();
    let (card, status) = card.external_authenticate(&external_auth).unwrap();
    (pending.open(&status).unwrap(), card, external_auth)
}

fn open_scp02(keys: &KeySet, level: SecurityLevel, i: u8) -> (scp02::Scp02HostSession, scp02::Scp02CardSession) {
    let host = Scp02Host::new(keys, 0x20, HOST_CHALLENGE, i).unwrap();
    let (card, response) = Scp02Card::initialize_update(keys, &scp02_params(i), &host.initialize_update()).unwrap();
    let pending = host.authenticate(&response, level).unwrap();
    let (card, status) = card.external_authenticate(pending.external_authenticate()).unwrap();
    (pending.open(&status).unwrap(), card)
}

/// A name and a freshly opened pair for every protocol, level, key size and SCP02 option.
fn every_channel() -> Vec<(String, Pair)> {
    let mut out: Vec<(String, Pair)> = Vec::new();
    for level in SecurityLevel::ALL {
        for len in [16, 24, 32] {
            let (host, card, _) = open_scp03(&keys(len), level);
            out.push((format!("SCP03 AES-{} level {:02X}", len * 8, level.p1()), (Box::new(host), Box::new(card))));
        }
        if level.contains(SecurityLevel::R_ENCRYPTION) {
            continue;
        }
        // 15 and 55: ICV encryption, modified header; 05: neither encryption; 17: unmodified header.
        for i in [0x15, 0x55, 0x05, 0x17] {
            let (host, card) = open_scp02(&keys(16), level, i);
            out.push((format!("SCP02 i={i:02X} level {:02X}", level.p1()), (Box::new(host), Box::new(card))));
        }
    }
    out
}

fn capdu(cla: u8, ins: u8, p1: u8, p2: u8, data: &[u8], le: Option<u8>) -> Vec<u8> {
    let mut out = vec![cla, ins, p1, p2];
    if !data.is_empty() {
        out.push(data.len() as u8);
        out.extend_from_slice(data);
    }
    out.extend(le);
    out
}

fn rapdu(data: &[u8], sw: [u8; 2]) -> Vec<u8> {
    let mut out = data.to_vec();
    out.extend_from_slice(&sw);
    out
}

/// One command through the channel and its response back.
fn exchange(name: &str, (host, card): &mut Pair, command: &[u8], response: &[u8]) {
    let wrapped = host.wrap(command).unwrap_or_else(|e| panic!("{name}: wrap: {e}"));
    assert_eq!(card.unwrap_command(&wrapped).unwrap_or_else(|e| panic!("{name}: unwrap: {e}")), command, "{name}");
    let protected = card.wrap_response(response).unwrap_or_else(|e| panic!("{name}: wrap response: {e}"));
    let plain = host.unwrap_response(&protected).unwrap_or_else(|e| panic!("{name}: unwrap response: {e}"));
    assert_eq!(plain, response, "{name}");
    if host.security_level().contains(SecurityLevel::C_MAC) {
        assert_ne!(wrapped, command, "{name}: a protected command differs from the plain one");
    }
}

// ---------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------

#[test]
fn every_level_round_trips_at_the_edge_lengths() {
    for (name, mut pair) in every_channel() {
        for len in [0usize, 1, 7, 8, 15, 16, 17, 239] {
            let data: Vec<u8> = (0..len).map(|b| b as u8).collect();
            for le in [None, Some(0x00)] {
                exchange(&name, &mut pair, &capdu(0x80, 0xE2, 0x90, 0x00, &data, le), &rapdu(&data, OK));
            }
        }
        // Warnings are protected like 9000; an error status word with no data passes bare.
        exchange(&name, &mut pair, &capdu(0x81, 0xCA, 0x00, 0x66, &[], Some(0)), &rapdu(&[1, 2, 3], [0x63, 0x10]));
        exchange(&name, &mut pair, &capdu(0x00, 0xA4, 0x04, 0x00, &[0xA0, 0x00], None), &rapdu(&[], [0x6A, 0x82]));
        assert!(pair.0.is_open() && pair.1.is_open(), "{name}");
    }
}

fn command_strategy() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![0x00u8..=0x03, 0x80u8..=0x83],
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..=239),
        prop::option::of(any::<u8>()),
    )
        .prop_map(|(cla, ins, p1, p2, data, le)| capdu(cla, ins, p1, p2, &data, le))
}

fn response_strategy() -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec(any::<u8>(), 0..=239), prop_oneof![Just(OK), Just([0x62, 0x83]), Just([0x63, 0xC2])])
        .prop_map(|(data, sw)| rapdu(&data, sw))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Host wrap, card unwrap, card wrap, host unwrap gives back both plain messages, for a
    /// run of exchanges on every channel.
    #[test]
    fn arbitrary_exchanges_round_trip(
        exchanges in prop::collection::vec((command_strategy(), response_strategy()), 1..4),
    ) {
        for (name, mut pair) in every_channel() {
            for (command, response) in &exchanges {
                exchange(&name, &mut pair, command, response);
            }
        }
    }

    /// No input makes any entry point panic; a closed channel stays closed.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Scp03InitResponse::parse(&bytes);
        let _ = Scp02InitResponse::parse(&bytes);
        let _ = Scp03Host::new(&keys(16), 0, HOST_CHALLENGE).authenticate(&bytes, SecurityLevel::MAC);
        let _ = Scp02Host::new(&keys(16), 0, HOST_CHALLENGE, 0x55).unwrap().authenticate(&bytes, SecurityLevel::MAC);
        let _ = Scp03Card::initialize_update(&keys(16), &scp03_params(), &bytes);
        let _ = Scp02Card::initialize_update(&keys(16), &scp02_params(0x55), &bytes);
        let host = Scp03Host::new(&keys(16), 0x30, HOST_CHALLENGE);
        let (card, _) = Scp03Card::initialize_update(&keys(16), &scp03_params(), &host.initialize_update()).unwrap();
        let _ = card.external_authenticate(&bytes);
        for (_, (mut host, mut card)) in every_channel() {
            let from_card = card.unwrap_command(&bytes);
            let from_host = host.unwrap_response(&bytes);
            let _ = host.wrap(&bytes);
            let _ = card.wrap_response(&bytes);
            if from_card.is_err() {
                prop_assert_eq!(card.unwrap_command(&bytes), Err(ScpError::ChannelClosed));
            }
            if from_host.is_err() {
                prop_assert_eq!(host.unwrap_response(&bytes), Err(ScpError::ChannelClosed));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// A flipped MAC, a wrong cryptogram
// ---------------------------------------------------------------------------------------

#[test]
fn a_flipped_c_mac_byte_is_refused_and_closes_the_channel() {
    for (name, (mut host, mut card)) in every_channel() {
        if !host.security_level().contains(SecurityLevel::C_MAC) {
            continue;
        }
        let mut wrapped = host.wrap(&capdu(0x80, 0xF2, 0x40, 0x02, &[0x4F, 0x00], Some(0))).unwrap();
        let mac_end = wrapped.len() - 1;
        wrapped[mac_end - 1] ^= 0x01;
        assert_eq!(
            card.unwrap_command(&wrapped),
            Err(ScpError::BadMac { step: MacStep::Command { number: 1 } }),
            "{name}"
        );
        assert!(!card.is_open(), "{name}");
        assert_eq!(card.unwrap_command(&wrapped), Err(ScpError::ChannelClosed), "{name}");
        assert_eq!(card.wrap_response(&OK), Err(ScpError::ChannelClosed), "{name}");
    }
}

#[test]
fn a_flipped_r_mac_byte_is_refused_and_closes_the_channel() {
    for (name, (mut host, mut card)) in every_channel() {
        if !host.security_level().contains(SecurityLevel::R_MAC) {
            continue;
        }
        let wrapped = host.wrap(&capdu(0x80, 0xCA, 0x00, 0x66, &[], Some(0))).unwrap();
        card.unwrap_command(&wrapped).unwrap();
        let mut response = card.wrap_response(&rapdu(&[0x66, 0x01, 0x00], OK)).unwrap();
        let at = response.len() - 3;
        response[at] ^= 0x80;
        assert_eq!(
            host.unwrap_response(&response),
            Err(ScpError::BadMac { step: MacStep::Response { number: 1 } }),
            "{name}"
        );
        assert_eq!(host.wrap(&[0x80, 0xCA, 0x00, 0x66]), Err(ScpError::ChannelClosed), "{name}");
    }
}

#[test]
fn a_wrong_card_cryptogram_is_refused() {
    let host = Scp03Host::new(&keys(16), 0x30, HOST_CHALLENGE);
    let (_, mut response) =
        Scp03Card::initialize_update(&keys(16), &scp03_params(), &host.initialize_update()).unwrap();
    response[25] ^= 0x01;
    assert_eq!(host.authenticate(&response, SecurityLevel::MAC).err(), Some(ScpError::BadCardCryptogram));
    // The right response under other keys fails the same way.
    let (_, response) = Scp03Card::initialize_update(&keys(32), &scp03_params(), &host.initialize_update()).unwrap();
    assert_eq!(host.authenticate(&response, SecurityLevel::MAC).err(), Some(ScpError::BadCardCryptogram));

    let host = Scp02Host::new(&keys(16), 0x20, HOST_CHALLENGE, 0x55).unwrap();
    let (_, mut response) =
        Scp02Card::initialize_update(&keys(16), &scp02_params(0x55), &host.initialize_update()).unwrap();
    response[27] ^= 0x01;
    assert_eq!(host.authenticate(&response, SecurityLevel::MAC).err(), Some(ScpError::BadCardCryptogram));
}

#[test]
fn a_wrong_host_cryptogram_or_external_authenticate_mac_is_refused() {
    let host = Scp03Host::new(&keys(24), 0x30, HOST_CHALLENGE);
    let setup = |flip: usize| {
        let (card, response) =
            Scp03Card::initialize_update(&keys(24), &scp03_params(), &host.initialize_update()).unwrap();
        let mut external_auth =
            host.authenticate(&response, SecurityLevel::MAC_ENC).unwrap().external_authenticate().to_vec();
        external_auth[flip] ^= 0x01;
        card.external_authenticate(&external_auth).err()
    };
    assert_eq!(setup(5), Some(ScpError::BadHostCryptogram));
    assert_eq!(setup(20), Some(ScpError::BadMac { step: MacStep::ExternalAuthenticate }));
    // A level byte outside the six is refused before anything else.
    assert_eq!(setup(2), Some(ScpError::UnsupportedLevel { level: 0x02 }));

    let host = Scp02Host::new(&keys(16), 0x20, HOST_CHALLENGE, 0x15).unwrap();
    let setup = |flip: usize, xor: u8| {
        let (card, response) =
            Scp02Card::initialize_update(&keys(16), &scp02_params(0x15), &host.initialize_update()).unwrap();
        let mut external_auth =
            host.authenticate(&response, SecurityLevel::MAC).unwrap().external_authenticate().to_vec();
        external_auth[flip] ^= xor;
        card.external_authenticate(&external_auth).err()
    };
    assert_eq!(setup(12, 0x01), Some(ScpError::BadHostCryptogram));
    assert_eq!(setup(13, 0x01), Some(ScpError::BadMac { step: MacStep::ExternalAuthenticate }));
    assert_eq!(setup(2, 0x02), Some(ScpError::BadMac { step: MacStep::ExternalAuthenticate }));
}

// ---------------------------------------------------------------------------------------
// Bad padding under a valid MAC, built independently
// ---------------------------------------------------------------------------------------

mod reference {
    use aes::{Aes128, Aes192, Aes256};
    use cbc::cipher::{BlockCipherEncrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
    use cmac::Mac;

    pub fn cmac(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
        fn run<M: Mac + cmac::KeyInit>(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
            let mut mac = <M as cmac::KeyInit>::new_from_slice(key).unwrap();
            for part in parts {
                mac.update(part);
            }
            mac.finalize().into_bytes().as_slice().try_into().unwrap()
        }
        match key.len() {
            16 => run::<cmac::Cmac<Aes128>>(key, parts),
            24 => run::<cmac::Cmac<Aes192>>(key, parts),
            _ => run::<cmac::Cmac<Aes256>>(key, parts),
        }
    }

    pub fn aes_block(key: &[u8], block: [u8; 16]) -> [u8; 16] {
        let mut block = block.into();
        match key.len() {
            16 => Aes128::new_from_slice(key).unwrap().encrypt_block(&mut block),
            24 => Aes192::new_from_slice(key).unwrap().encrypt_block(&mut block),
            _ => Aes256::new_from_slice(key).unwrap().encrypt_block(&mut block),
        }
        block.into()
    }

    /// One block of AES-CBC is one block of AES over block ⊕ IV.
    pub fn aes_cbc_one_block(key: &[u8], iv: [u8; 16], block: [u8; 16]) -> [u8; 16] {
        let mut x = block;
        for (a, b) in x.iter_mut().zip(iv) {
            *a ^= b;
        }
        aes_block(key, x)
    }

    pub fn tdes_cbc_zero_iv(key: &[u8; 16], data: &mut [u8]) {
        let (blocks, _) = cbc::cipher::array::Array::slice_as_chunks_mut(data);
        cbc::Encryptor::<des::TdesEde2>::new(key.into(), &[0u8; 8].into()).encrypt_blocks(blocks);
    }
}

/// SCP03, card end: a command whose C-MAC is right but whose decrypted data has no `80`.
/// Also checks the EXTERNAL AUTHENTICATE MAC and the ICV rule against this independent
/// reading.
#[test]
fn scp03_bad_command_padding_under_a_valid_mac() {
    for len in [16, 24, 32] {
        let keys = keys(len);
        let (_host, mut card, external_auth) = open_scp03(&keys, SecurityLevel::MAC_ENC);
        let mut context = HOST_CHALLENGE.to_vec();
        context.extend_from_slice(&SCP03_CARD_CHALLENGE);
        let session = Scp03SessionKeys::derive(&keys, &context).unwrap();
        let chain = reference::cmac(session.s_mac(), &[&[0; 16], &external_auth[..13]]);
        assert_eq!(chain[..8], external_auth[13..], "the EXTERNAL AUTHENTICATE MAC, read independently");
        let mut counter = [0u8; 16];
        counter[15] = 1;
        let icv = reference::aes_block(session.s_enc(), counter);
        let ciphertext = reference::aes_cbc_one_block(session.s_enc(), icv, [0x5A; 16]);
        let header = [0x84, 0xE2, 0x00, 0x00, 0x18];
        let mac = reference::cmac(session.s_mac(), &[&chain, &header, &ciphertext]);
        let forged = [&header[..], &ciphertext, &mac[..8]].concat();
        assert_eq!(card.unwrap_command(&forged), Err(ScpError::BadPadding { offset: 15 }), "AES-{}", len * 8);
        assert!(!card.is_open());
    }
}

/// SCP03, host end: a response whose R-MAC is right but whose decrypted data has no `80`.
#[test]
fn scp03_bad_response_padding_under_a_valid_r_mac() {
    let keys = keys(16);
    let (mut host, _card, external_auth) = open_scp03(&keys, SecurityLevel::MAC_ENC_RMAC_RENC);
    let mut context = HOST_CHALLENGE.to_vec();
    context.extend_from_slice(&SCP03_CARD_CHALLENGE);
    let session = Scp03SessionKeys::derive(&keys, &context).unwrap();
    let chain = reference::cmac(session.s_mac(), &[&[0; 16], &external_auth[..13]]);
    let wrapped = host.wrap(&capdu(0x80, 0xCA, 0x00, 0x66, &[], Some(0))).unwrap();
    let chain = reference::cmac(session.s_mac(), &[&chain, &wrapped[..5]]);
    assert_eq!(chain[..8], wrapped[5..13], "the command's C-MAC, read independently");
    let mut counter = [0u8; 16];
    counter[0] = 0x80;
    counter[15] = 1;
    let icv = reference::aes_block(session.s_enc(), counter);
    let ciphertext = reference::aes_cbc_one_block(session.s_enc(), icv, [0x00; 16]);
    let r_mac = reference::cmac(session.s_rmac(), &[&chain, &ciphertext, &OK]);
    let forged = [&ciphertext[..], &r_mac[..8], &OK].concat();
    assert_eq!(host.unwrap_response(&forged), Err(ScpError::BadPadding { offset: 0 }));
    assert!(!host.is_open());
}

/// SCP02, card end: the padding is checked on the decrypted data before the MAC (which
/// covers the plain data), so any MAC bytes will do.
#[test]
fn scp02_bad_command_padding() {
    let keys = keys(16);
    let (_host, mut card) = open_scp02(&keys, SecurityLevel::MAC_ENC, 0x55);
    let session = scp02::Scp02SessionKeys::derive(&keys, 0x0042).unwrap();
    let mut ciphertext = [0x11, 0x22, 0x33, 0x80, 0x00, 0x00, 0x00, 0x01];
    reference::tdes_cbc_zero_iv(session.s_enc(), &mut ciphertext);
    let forged = [&[0x84, 0xE2, 0x00, 0x00, 0x10][..], &ciphertext, &[0; 8]].concat();
    assert_eq!(card.unwrap_command(&forged), Err(ScpError::BadPadding { offset: 7 }));
    assert_eq!(ScpError::BadPadding { offset: 7 }.status_word(), 0x6982);
    assert_eq!(ScpError::BadMac { step: MacStep::Command { number: 1 } }.status_word(), 0x6982);
    assert!(!card.is_open());
}

#[test]
fn encrypted_data_of_a_broken_length_is_refused() {
    let (_host, mut card, _) = open_scp03(&keys(16), SecurityLevel::MAC_ENC);
    let forged = capdu(0x84, 0xE2, 0x00, 0x00, &[0; 8 + 15], None);
    // The MAC is checked first in SCP03 (it covers the ciphertext).
    assert_eq!(card.unwrap_command(&forged), Err(ScpError::BadMac { step: MacStep::Command { number: 1 } }));
    let (_host, mut card) = open_scp02(&keys(16), SecurityLevel::MAC_ENC, 0x55);
    assert_eq!(
        card.unwrap_command(&forged),
        Err(ScpError::NotBlockAligned { what: "encrypted command data", block: 8, found: 15 })
    );
}

// ---------------------------------------------------------------------------------------
// Replays
// ---------------------------------------------------------------------------------------

#[test]
fn a_replayed_command_is_refused() {
    for (name, (mut host, mut card)) in every_channel() {
        if !host.security_level().contains(SecurityLevel::C_MAC) {
            continue;
        }
        let command = capdu(0x80, 0xE4, 0x00, 0x80, &[0x4F, 0x02, 0xA0, 0x01], Some(0));
        let first = host.wrap(&command).unwrap();
        card.unwrap_command(&first).unwrap();
        host.unwrap_response(&card.wrap_response(&OK).unwrap()).unwrap();
        let second = host.wrap(&command).unwrap();
        assert_ne!(first, second, "{name}: the same command wraps differently each time");
        assert_eq!(
            card.unwrap_command(&first),
            Err(ScpError::BadMac { step: MacStep::Command { number: 2 } }),
            "{name}"
        );
    }
}

#[test]
fn a_replayed_response_is_refused() {
    for (name, (mut host, mut card)) in every_channel() {
        if !host.security_level().contains(SecurityLevel::R_MAC) {
            continue;
        }
        let command = capdu(0x80, 0xCA, 0x00, 0x66, &[], Some(0));
        card.unwrap_command(&host.wrap(&command).unwrap()).unwrap();
        let first = card.wrap_response(&rapdu(&[0x01, 0x02], OK)).unwrap();
        host.unwrap_response(&first).unwrap();
        card.unwrap_command(&host.wrap(&command).unwrap()).unwrap();
        assert_eq!(
            host.unwrap_response(&first),
            Err(ScpError::BadMac { step: MacStep::Response { number: 2 } }),
            "{name}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Truncated, overlong and malformed input
// ---------------------------------------------------------------------------------------

#[test]
fn truncated_messages_are_refused() {
    let (mut host, mut card, _) = open_scp03(&keys(16), SecurityLevel::MAC_RMAC);
    assert_eq!(
        card.unwrap_command(&[0x84, 0xF2, 0x20, 0x02]),
        Err(ScpError::Truncated { what: "C-APDU data with C-MAC", needed: 8, found: 0 })
    );
    assert_eq!(host.unwrap_response(&[0x90]), Err(ScpError::Truncated { what: "R-APDU", needed: 2, found: 1 }));
    let (mut host, _card, _) = open_scp03(&keys(16), SecurityLevel::MAC_RMAC);
    assert_eq!(
        host.unwrap_response(&[0x01, 0x02, 0x90, 0x00]),
        Err(ScpError::Truncated { what: "R-APDU with R-MAC", needed: 10, found: 4 })
    );
    let (mut host, mut card) = open_scp02(&keys(16), SecurityLevel::MAC_RMAC, 0x55);
    assert_eq!(
        card.unwrap_command(&[0x84, 0xF2, 0x20, 0x02, 0x02, 0x4F, 0x00]),
        Err(ScpError::Truncated { what: "C-APDU data with C-MAC", needed: 8, found: 2 })
    );
    assert_eq!(
        host.unwrap_response(&[0x6A, 0x82]),
        Err(ScpError::Truncated { what: "R-APDU with R-MAC", needed: 10, found: 2 })
    );
    assert_eq!(host.wrap(&[0x80]), Err(ScpError::ChannelClosed), "the forged response closed the channel");
    let (mut host, _) = open_scp02(&keys(16), SecurityLevel::MAC, 0x55);
    assert_eq!(host.wrap(&[0x80, 0xF2, 0x20]), Err(ScpError::Truncated { what: "C-APDU", needed: 4, found: 3 }));

    let host = Scp03Host::new(&keys(16), 0x30, HOST_CHALLENGE);
    let (_, response) = Scp03Card::initialize_update(&keys(16), &scp03_params(), &host.initialize_update()).unwrap();
    let mut short = response[..20].to_vec();
    short.extend_from_slice(&OK);
    assert_eq!(
        host.authenticate(&short, SecurityLevel::MAC).err(),
        Some(ScpError::WrongLength { what: "SCP03 INITIALIZE UPDATE response data", expected: 29, found: 20 })
    );
    assert_eq!(
        host.authenticate(&[0, 0, 0x90, 0x00], SecurityLevel::MAC).err(),
        Some(ScpError::Truncated { what: "SCP03 INITIALIZE UPDATE response data", needed: 29, found: 2 })
    );
    let host = Scp02Host::new(&keys(16), 0x20, HOST_CHALLENGE, 0x55).unwrap();
    assert_eq!(
        host.authenticate(&[0; 12], SecurityLevel::MAC).err(),
        Some(ScpError::Refused { step: Step::InitializeUpdate, sw: 0 })
    );
    let mut short = vec![0u8; 20];
    short[11] = 0x02;
    short.extend_from_slice(&OK);
    assert_eq!(
        host.authenticate(&short, SecurityLevel::MAC).err(),
        Some(ScpError::WrongLength { what: "SCP02 INITIALIZE UPDATE response data", expected: 28, found: 20 })
    );

    let host = Scp03Host::new(&keys(16), 0x30, HOST_CHALLENGE);
    let (card, response) = Scp03Card::initialize_update(&keys(16), &scp03_params(), &host.initialize_update()).unwrap();
    let external_auth = host.authenticate(&response, SecurityLevel::MAC).unwrap().external_authenticate().to_vec();
    let mut cut = external_auth[..20].to_vec();
    cut[4] = 15;
    assert_eq!(
        card.external_authenticate(&cut).err(),
        Some(ScpError::WrongLength { what: "EXTERNAL AUTHENTICATE data", expected: 16, found: 15 })
    );
}

#[test]
fn commands_too_long_for_padding_and_mac_are_refused_before_any_state_changes() {
    for (level, max_data) in [(SecurityLevel::MAC, 247), (SecurityLevel::MAC_ENC, 239)] {
        let (mut host, mut card, _) = open_scp03(&keys(16), level);
        let too_long = capdu(0x80, 0xE2, 0x00, 0x00, &vec![0xAB; max_data + 1], None);
        assert!(matches!(host.wrap(&too_long), Err(ScpError::TooLong { what: "wrapped command data", max: 255, .. })));
        // Nothing moved: the next command still verifies on the card.
        let fits = capdu(0x80, 0xE2, 0x00, 0x00, &vec![0xAB; max_data], None);
        card.unwrap_command(&host.wrap(&fits).unwrap()).unwrap();
        let (mut host, mut card) = open_scp02(&keys(16), level, 0x55);
        assert!(matches!(host.wrap(&too_long), Err(ScpError::TooLong { .. })));
        card.unwrap_command(&host.wrap(&fits).unwrap()).unwrap();
    }
    let (mut host, _, _) = open_scp03(&keys(16), SecurityLevel::MAC);
    assert_eq!(host.wrap(&[0x80, 0xE2, 0x00, 0x00, 0x00, 0x01, 0x00, 0xAA]), Err(ScpError::ExtendedLength));
    assert_eq!(host.wrap(&[0x84, 0xE2, 0x00, 0x00]), Err(ScpError::UnsupportedClass { cla: 0x84 }));
    assert_eq!(host.wrap(&[0xC0, 0xE2, 0x00, 0x00]), Err(ScpError::UnsupportedClass { cla: 0xC0 }));
    assert!(host.is_open(), "a host-side refusal does not close the channel");
    let (_, mut card, _) = open_scp03(&keys(16), SecurityLevel::MAC_ENC_RMAC_RENC);
    assert!(matches!(card.wrap_response(&rapdu(&[0; 249], OK)), Err(ScpError::TooLong { max: 256, .. })));
}

#[test]
fn an_error_status_with_data_is_refused_where_scp03_sends_it_bare() {
    let (mut host, mut card, _) = open_scp03(&keys(16), SecurityLevel::MAC_RMAC);
    assert_eq!(card.wrap_response(&[0x01, 0x6A, 0x82]), Err(ScpError::UnprotectedData { sw: 0x6A82 }));
    assert_eq!(card.wrap_response(&[0x6A, 0x82]).unwrap(), [0x6A, 0x82]);
    assert_eq!(host.unwrap_response(&[0x6A, 0x82]).unwrap(), [0x6A, 0x82]);
    assert_eq!(host.unwrap_response(&[0x01, 0x6A, 0x82]), Err(ScpError::UnprotectedData { sw: 0x6A82 }));
}

// ---------------------------------------------------------------------------------------
// Set-up refusals
// ---------------------------------------------------------------------------------------

#[test]
fn unsupported_levels_options_and_protocols_are_refused() {
    assert_eq!(SecurityLevel::from_p1(0x10), Err(ScpError::UnsupportedLevel { level: 0x10 }));
    assert_eq!(SecurityLevel::from_p1(0x02), Err(ScpError::UnsupportedLevel { level: 0x02 }));
    let host = Scp02Host::new(&keys(16), 0x20, HOST_CHALLENGE, 0x55).unwrap();
    let (_, response) =
        Scp02Card::initialize_update(&keys(16), &scp02_params(0x55), &host.initialize_update()).unwrap();
    assert_eq!(
        host.authenticate(&response, SecurityLevel::MAC_ENC_RMAC_RENC).err(),
        Some(ScpError::UnsupportedLevel { level: 0x33 })
    );
    assert_eq!(Scp02Host::new(&keys(16), 0, HOST_CHALLENGE, 0x0A).err(), Some(ScpError::UnsupportedOption { i: 0x0A }));
    assert_eq!(Scp02Host::new(&keys(32), 0, HOST_CHALLENGE, 0x55).err(), Some(ScpError::KeyLength { found: 32 }));

    let host = Scp03Host::new(&keys(16), 0x30, HOST_CHALLENGE);
    let (_, mut response) =
        Scp03Card::initialize_update(&keys(16), &scp03_params(), &host.initialize_update()).unwrap();
    response[12] |= 0x01;
    assert_eq!(host.authenticate(&response, SecurityLevel::MAC).err(), Some(ScpError::UnsupportedOption { i: 0x71 }));
    response[11] = 0x02;
    assert_eq!(
        host.authenticate(&response, SecurityLevel::MAC).err(),
        Some(ScpError::WrongProtocol { expected: 0x03, found: 0x02 })
    );
    let s16 = Scp03CardParams { i: 0x71, ..scp03_params() };
    assert_eq!(
        Scp03Card::initialize_update(&keys(16), &s16, &host.initialize_update()).err(),
        Some(ScpError::UnsupportedOption { i: 0x71 })
    );
}

#[test]
fn the_card_refuses_wrong_commands_during_set_up() {
    let host = Scp03Host::new(&keys(16), 0x31, HOST_CHALLENGE);
    assert_eq!(
        Scp03Card::initialize_update(&keys(16), &scp03_params(), &host.initialize_update()).err(),
        Some(ScpError::UnknownKeyVersion { requested: 0x31 })
    );
    assert_eq!(ScpError::UnknownKeyVersion { requested: 0x31 }.status_word(), 0x6A88);
    assert_eq!(
        Scp03Card::initialize_update(&keys(16), &scp03_params(), &[0x80, 0x82, 0x00, 0x00]).err(),
        Some(ScpError::UnexpectedInstruction { expected: 0x50, found: 0x82 })
    );
    assert_eq!(
        Scp02Card::initialize_update(&keys(16), &scp02_params(0x55), &[0x80, 0x50, 0x00, 0x01, 0x01, 0x00]).err(),
        Some(ScpError::BadParameter { what: "P2 of INITIALIZE UPDATE", found: 0x01 })
    );
    assert_eq!(
        Scp02Card::initialize_update(&keys(16), &scp02_params(0x55), &[0x80, 0x50, 0x00, 0x00, 0x01, 0x00]).err(),
        Some(ScpError::WrongLength { what: "host challenge", expected: 8, found: 1 })
    );
}

#[test]
fn the_host_refuses_error_answers_to_set_up() {
    let host = Scp03Host::new(&keys(16), 0x30, HOST_CHALLENGE);
    assert_eq!(
        host.authenticate(&[0x6A, 0x88], SecurityLevel::MAC).err(),
        Some(ScpError::Refused { step: Step::InitializeUpdate, sw: 0x6A88 })
    );
    let (_, response) = Scp03Card::initialize_update(&keys(16), &scp03_params(), &host.initialize_update()).unwrap();
    let pending = host.authenticate(&response, SecurityLevel::MAC).unwrap();
    assert_eq!(
        pending.open(&[0x63, 0x00]).err().map(|e| (e, e.to_string())),
        Some((
            ScpError::Refused { step: Step::ExternalAuthenticate, sw: 0x6300 },
            "EXTERNAL AUTHENTICATE refused with status 6300".to_string()
        ))
    );
}

#[test]
fn key_sets_refuse_bad_lengths_and_never_print_keys() {
    assert_eq!(KeySet::new(&[1; 15], &[1; 16], &[1; 16]).err(), Some(ScpError::KeyLength { found: 15 }));
    assert_eq!(KeySet::new(&[1; 16], &[1; 24], &[1; 16]).err(), Some(ScpError::MixedKeyLengths));
    let debug = format!("{:?}", KeySet::from_single(&[0xAB; 16]).unwrap());
    assert!(!debug.to_lowercase().contains("abab"), "{debug}");
}

#[test]
fn scp03_key_encryption_round_trips_under_the_static_dek() {
    let (host, card, _) = open_scp03(&keys(32), SecurityLevel::MAC);
    let key = [0x42u8; 32];
    let encrypted = host.encrypt_key(&key).unwrap();
    assert_ne!(encrypted, key);
    assert_eq!(card.decrypt_key(&encrypted).unwrap(), key);
    assert_eq!(host.encrypt_key(&key[..20]), Err(ScpError::NotBlockAligned { what: "key data", block: 16, found: 20 }));
}
