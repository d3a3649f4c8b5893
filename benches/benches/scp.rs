//! GlobalPlatform secure messaging on a 200-byte command: SCP03 wrap (host) plus unwrap
//! (card) at level 33 with AES-128, SCP02 wrap at level 03, and, as the peer, the bare
//! AES-CMAC of the `cmac` crate over the same bytes: one SCP03 wrap + unwrap costs two such
//! CMACs (plus the chaining block), an AES-CBC pass each way and two ICV blocks, so the
//! ratio to the peer tells what the channel adds on top of its MAC. SCP02's cost is set by
//! the `des` crate: its triple-DES over the 208 padded bytes is measured too.
//!
//! Sessions are opened once, outside the timed loop; every iteration moves the MAC chain
//! and the counter on, as a long session would. `main` checks once that the card accepts
//! what the host wraps.

use std::hint::black_box;
use std::time::Duration;

use aes::Aes128;
use cmac::{Cmac, KeyInit, Mac};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hanko_crypto::scp::scp02::{Scp02Card, Scp02CardParams, Scp02Host, I_55};
use hanko_crypto::scp::scp03::{Scp03Card, Scp03CardParams, Scp03Host};
use hanko_crypto::scp::{CardChannel, HostChannel, KeySet, SecurityLevel};

const DATA_LEN: usize = 200;
const HOST_CHALLENGE: [u8; 8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];

fn config() -> Criterion {
    Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1)).sample_size(50)
}

/// `80 E2 90 00 C8` and 200 bytes of data: a STORE DATA-sized command.
fn command() -> Vec<u8> {
    let mut out = vec![0x80, 0xE2, 0x90, 0x00, DATA_LEN as u8];
    out.extend((0..DATA_LEN).map(|i| (i * 31) as u8));
    out
}

fn keys() -> KeySet {
    KeySet::new(&[0x40; 16], &[0x41; 16], &[0x42; 16]).expect("16-byte keys")
}

fn open_scp03(level: SecurityLevel) -> (impl HostChannel, impl CardChannel) {
    let host = Scp03Host::new(&keys(), 0x30, HOST_CHALLENGE);
    let params = Scp03CardParams {
        kvn: 0x30,
        i: 0x70,
        diversification_data: [0; 10],
        card_challenge: [0xC0; 8],
        sequence_counter: Some([0, 0, 1]),
    };
    let (card, response) = Scp03Card::initialize_update(&keys(), &params, &host.initialize_update()).expect("IU");
    let pending = host.authenticate(&response, level).expect("card cryptogram");
    let (card, status) = card.external_authenticate(pending.external_authenticate()).expect("EA");
    (pending.open(&status).expect("9000"), card)
}

fn open_scp02(level: SecurityLevel) -> (impl HostChannel, impl CardChannel) {
    let host = Scp02Host::new(&keys(), 0x20, HOST_CHALLENGE, I_55).expect("SCP02 keys");
    let params = Scp02CardParams {
        kvn: 0x20,
        i: I_55,
        diversification_data: [0; 10],
        sequence_counter: 1,
        card_challenge: [0xC0; 6],
    };
    let (card, response) = Scp02Card::initialize_update(&keys(), &params, &host.initialize_update()).expect("IU");
    let pending = host.authenticate(&response, level).expect("card cryptogram");
    let (card, status) = card.external_authenticate(pending.external_authenticate()).expect("EA");
    (pending.open(&status).expect("9000"), card)
}

fn secure_messaging(c: &mut Criterion) {
    let command = command();
    let data = &command[5..];

    let (mut host03, mut card03) = open_scp03(SecurityLevel::MAC_ENC_RMAC_RENC);
    let (mut host02, mut card02) = open_scp02(SecurityLevel::MAC_ENC);
    assert_eq!(card03.unwrap_command(&host03.wrap(&command).unwrap()).unwrap(), command, "SCP03 round trip");
    assert_eq!(card02.unwrap_command(&host02.wrap(&command).unwrap()).unwrap(), command, "SCP02 round trip");
    let mut cmac = <Cmac<Aes128> as KeyInit>::new_from_slice(&[0x41; 16]).expect("16-byte key");

    let mut g = c.benchmark_group("scp_200B");
    g.throughput(Throughput::Bytes(DATA_LEN as u64));
    g.bench_function("hanko_scp03_level33_wrap_unwrap", |b| {
        b.iter(|| {
            let wrapped = host03.wrap(black_box(&command)).expect("wrap");
            card03.unwrap_command(black_box(&wrapped)).expect("unwrap")
        })
    });
    g.bench_function("hanko_scp02_level03_wrap", |b| b.iter(|| host02.wrap(black_box(&command)).expect("wrap")));
    g.bench_function("cmac_crate_aes128", |b| {
        b.iter(|| {
            cmac.update(black_box(data));
            cmac.finalize_reset().into_bytes()
        })
    });
    let tdes = <des::TdesEde2 as des::cipher::KeyInit>::new_from_slice(&[0x40; 16]).expect("16-byte key");
    let mut buf = [0u8; 208];
    g.bench_function("des_crate_tdes_208", |b| {
        b.iter(|| {
            let (blocks, _) = des::cipher::array::Array::slice_as_chunks_mut(&mut buf);
            des::cipher::BlockCipherEncrypt::encrypt_blocks(&tdes, blocks);
            black_box(buf[0])
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = secure_messaging
}
criterion_main!(benches);
