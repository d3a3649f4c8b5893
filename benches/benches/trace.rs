//! Trace conformance at card level: card events (lines) per second through the whole check —
//! reading each JSON line with the trace parser, decoding the APDU with the codec, stepping the
//! card model and comparing its answer. Goal (issue 5): at least 2M card events/s on one core.
//!
//! The input is a real session, recorded at the virtual card behind pcscd while OpenSC listed
//! the card and signed (`corpus/traces/vpcd-opensc.jsonl`: power events, SELECTs, empty and
//! real VERIFYs, certificate reads, a signature), repeated to 100 sessions and renumbered.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hanko_crypto::testpki::Pki;
use hanko_model::trace::{write_line, CardCheck, Lines};
use hanko_model::{profile, CardModel};
use hanko_sim::card_data::{card_data, Pins};
use std::hint::black_box;
use std::time::Duration;

const SESSIONS: usize = 100;

fn long_trace() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/traces/vpcd-opensc.jsonl");
    let text = std::fs::read_to_string(path).expect("corpus/traces/vpcd-opensc.jsonl");
    let session = hanko_model::trace::parse_trace(&text).expect("the recorded session reads");
    let mut out = String::new();
    let mut seq = 0;
    for _ in 0..SESSIONS {
        for line in &session {
            let mut l = line.clone();
            seq += 1;
            l.seq = Some(seq);
            out.push_str(&write_line(&l));
            out.push('\n');
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let pki = Pki::generate(1);
    let plastic = profile("plastic").unwrap();
    let model = CardModel::new(plastic, card_data(&pki, plastic, &Pins::default()));
    let text = long_trace();
    let events = text.lines().count();
    let check = |text: &str| {
        let mut check = CardCheck::new(|_| Some(model.clone()));
        for line in Lines::new(text.as_bytes()) {
            check.step(&line.expect("the trace reads")).expect("the trace conforms");
        }
        check.finish().expect("the trace conforms").exchanges
    };
    // The input must conform, or the benchmark would time an early exit.
    let commands = text.lines().filter(|l| l.contains("\"capdu\"")).count();
    assert_eq!(check(&text), commands, "every command answered as the model says");
    let mut group = c.benchmark_group("trace");
    group.measurement_time(Duration::from_secs(10)).sample_size(30);
    group.throughput(Throughput::Elements(events as u64));
    group.bench_function("card_level_check", |b| b.iter(|| black_box(check(black_box(&text)))));
    group.bench_function("parse_only", |b| {
        b.iter(|| Lines::new(black_box(text.as_bytes())).map(|l| l.map(|_| ()).expect("reads")).count())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
