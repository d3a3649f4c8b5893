//! The card model in process: APDUs per second through `CardModel::step` (the rule choice
//! and the data a conforming card returns) and through the virtual card without signing.
//! Goal (issue 4): at least 1M APDU/s for the model.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hanko_crypto::testpki::Pki;
use hanko_model::{profile, CardModel};
use hanko_sim::card::VirtualCard;
use hanko_sim::card_data::{card_data, Pins};
use hanko_sim::transport::Card;
use std::hint::black_box;
use std::time::Duration;

/// A client session without signing: select, PIN status, VERIFY, the 7-byte probe and a
/// 256-byte chunk of the authentication certificate, the token label.
fn session() -> Vec<Vec<u8>> {
    [
        "00A4040C0AD392F000260100000001",
        "00A4020C020018",
        "00200080",
        "002000800431323334",
        "00A4020C02000A",
        "00B0000007",
        "00B0000700",
        "00A4020C020006",
        "00B0000020",
    ]
    .iter()
    .map(|s| (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect())
    .collect()
}

fn bench(c: &mut Criterion) {
    let pki = Pki::generate(1);
    let plastic = profile("plastic").unwrap();
    let apdus = session();
    let mut model = CardModel::new(plastic, card_data(&pki, plastic, &Pins::default()));
    model.power_on();
    // Every step succeeds, the empty VERIFY answering 63C3 (three tries left) as it must.
    for a in &apdus {
        let sw = u16::from(model.step(a).sw);
        assert!(sw == 0x9000 || sw == 0x63C3, "{sw:04X} in the benchmark's session");
    }
    let mut group = c.benchmark_group("card_model");
    group.measurement_time(Duration::from_secs(10)).sample_size(50);
    group.throughput(Throughput::Elements(apdus.len() as u64));
    group.bench_function("step_session", |b| {
        b.iter(|| {
            for a in &apdus {
                black_box(model.step(black_box(a)));
            }
        })
    });
    let mut card = VirtualCard::new(pki, plastic, &Pins::default()).with_seed(1);
    card.power_on();
    group.bench_function("virtual_card_session", |b| {
        b.iter(|| {
            for a in &apdus {
                black_box(card.process(black_box(a)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
