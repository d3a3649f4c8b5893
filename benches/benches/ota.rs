//! SCP80: checking and deciphering the pySim AES command packet (osmocom/pysim
//! tests/unittests/test_ota.py, AES128-SJA5-CIPHERED-CC), beside the bare RustCrypto work
//! underneath — AES-CMAC over the same bytes the CC covers, and that plus the AES-CBC
//! decipherment — so the figure shows what parsing, key setup and checks add.

use std::hint::black_box;
use std::time::Duration;

use aes::Aes128;
use cbc::cipher::array::Array;
use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
use cmac::{Cmac, KeyInit, Mac};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hanko_crypto::scp80::{verify_command, Key, Keys};

const PACKET: &str = "00281506192222b00011e87cceebb2d93083011ce294f93fc4d8de80da1abae8c37ca3e72ec4432e5058";
const KIC: [u8; 16] = [0x20, 0x01, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const KID: [u8; 16] = [0x20, 0x11, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// The deciphered part, and what the CC covers: CPL … TAR, CNTR, PCNTR, data and padding.
fn cc_input(packet: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let plain = decipher(&packet[10..]);
    let mut covered = packet[..10].to_vec();
    covered.extend_from_slice(&plain[..6]);
    covered.extend_from_slice(&plain[14..]);
    (plain, covered)
}

fn decipher(ciphertext: &[u8]) -> Vec<u8> {
    let mut buf = ciphertext.to_vec();
    let mut dec = cbc::Decryptor::<Aes128>::new_from_slices(&KIC, &[0; 16]).expect("key");
    dec.decrypt_blocks(Array::slice_as_chunks_mut(&mut buf).0);
    buf
}

fn cmac8(bytes: &[u8]) -> [u8; 8] {
    let mut mac = <Cmac<Aes128> as KeyInit>::new_from_slice(&KID).expect("key");
    mac.update(bytes);
    let tag = mac.finalize().into_bytes();
    let mut out = [0; 8];
    out.copy_from_slice(&tag[..8]);
    out
}

fn bench(c: &mut Criterion) {
    let packet = unhex(PACKET);
    let keys = Keys { kic: Some(Key::new(&KIC).expect("key")), kid: Some(Key::new(&KID).expect("key")) };
    let (plain, covered) = cc_input(&packet);
    // The three contenders agree before they are timed.
    assert_eq!(verify_command(&packet, &keys, None).expect("verifies").data, unhex("00a40004023f00"));
    assert_eq!(cmac8(&covered)[..], plain[6..14]);

    let mut g = c.benchmark_group("scp80_verify_aes");
    g.throughput(Throughput::Bytes(packet.len() as u64));
    g.bench_function("hanko verify_command (parse, decipher, CMAC, compare)", |b| {
        b.iter(|| verify_command(black_box(&packet), &keys, None).expect("verifies"))
    });
    g.bench_function("cmac crate: AES-CBC decipher + AES-CMAC", |b| {
        b.iter(|| {
            let (plain, covered) = cc_input(black_box(&packet));
            assert_eq!(cmac8(&covered)[..], plain[6..14]);
        })
    });
    g.bench_function("cmac crate: AES-CMAC over the covered bytes", |b| b.iter(|| cmac8(black_box(&covered))));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
