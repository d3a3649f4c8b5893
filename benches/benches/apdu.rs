//! Command and response APDU parsing: hanko against the peer crates, on the real-card
//! walk-through bytes.
//!
//! Every closure returns something that depends on the data field and Ne/Le, so no parser can
//! be reduced to a length check by the optimiser. Peers run only on the inputs they accept;
//! `main` checks which those are before measuring.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hanko_benches::{walkthrough_apdus, walkthrough_responses, WALKTHROUGH};

fn hanko_parse(b: &[u8]) -> usize {
    let c = hanko_codec::CommandApdu::parse(b).expect("walk-through command parses");
    c.data.len() + c.ne.unwrap_or(0) as usize + usize::from(c.ins)
}

fn hanko_classify(b: &[u8]) -> usize {
    let c = hanko_codec::Capdu::parse(b).expect("walk-through command parses");
    c.apdu.data.len() + c.apdu.ne.unwrap_or(0) as usize + usize::from(c.command.is_some())
}

/// `CommandView` is iso7816's borrowing parser, the same zero-copy work as hanko's; its
/// owned `Command<S>` additionally copies the data into a fixed-capacity buffer.
fn iso7816_parse(b: &[u8]) -> usize {
    let c = iso7816::command::CommandView::try_from(b).expect("walk-through command parses");
    c.data().len() + c.expected() + usize::from(u8::from(c.instruction()))
}

fn config() -> Criterion {
    Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1)).sample_size(50)
}

fn command_apdu(c: &mut Criterion) {
    let apdus = walkthrough_apdus();
    for (b, (label, _)) in apdus.iter().zip(WALKTHROUGH) {
        // Both parsers must agree on what they measured, or the comparison means nothing.
        let h = hanko_codec::CommandApdu::parse(b).unwrap();
        let i = iso7816::command::CommandView::try_from(b.as_slice())
            .unwrap_or_else(|e| panic!("iso7816 rejects {label}: {e:?}"));
        assert_eq!((h.data, h.ne.unwrap_or(0) as usize), (i.data(), i.expected()), "{label}");
        assert!(hanko_codec::Capdu::parse(b).unwrap().command.is_some(), "{label} is not recognised");
    }

    let mut g = c.benchmark_group("capdu");
    for (b, (label, _)) in apdus.iter().zip(WALKTHROUGH) {
        g.bench_with_input(BenchmarkId::new("hanko_parse", label), b.as_slice(), |bench, b| {
            bench.iter(|| hanko_parse(black_box(b)))
        });
        g.bench_with_input(BenchmarkId::new("hanko_parse_classify", label), b.as_slice(), |bench, b| {
            bench.iter(|| hanko_classify(black_box(b)))
        });
        g.bench_with_input(BenchmarkId::new("iso7816_view", label), b.as_slice(), |bench, b| {
            bench.iter(|| iso7816_parse(black_box(b)))
        });
    }
    g.finish();

    // The whole session at once: what a card-log decoder does per recorded exchange.
    let mut g = c.benchmark_group("capdu_walkthrough");
    g.bench_function("hanko_parse", |bench| {
        bench.iter(|| black_box(&apdus).iter().map(|b| hanko_parse(b)).sum::<usize>())
    });
    g.bench_function("hanko_parse_classify", |bench| {
        bench.iter(|| black_box(&apdus).iter().map(|b| hanko_classify(b)).sum::<usize>())
    });
    g.bench_function("iso7816_view", |bench| {
        bench.iter(|| black_box(&apdus).iter().map(|b| iso7816_parse(b)).sum::<usize>())
    });
    // The owned form copies up to 255 data bytes into a heapless buffer: the cost of
    // iso7816's usual `Command::try_from` entry point.
    g.bench_function("iso7816_owned", |bench| {
        bench.iter(|| {
            black_box(&apdus)
                .iter()
                .map(|b| {
                    let c = iso7816::Command::<256>::try_from(b).expect("walk-through command parses");
                    c.data().len() + c.expected()
                })
                .sum::<usize>()
        })
    });
    // The `apdu` crate (apdu-core) only builds commands; it has no C-APDU parser, so it is
    // measured on responses below.
    g.finish();
}

fn response_apdu(c: &mut Criterion) {
    let responses = walkthrough_responses();
    let mut g = c.benchmark_group("rapdu");
    for (label, b) in &responses {
        let h = hanko_codec::ResponseApdu::parse(b).unwrap();
        let a = apdu::Response::from(b.as_slice());
        assert_eq!(h.data, a.payload, "{label}");

        g.bench_with_input(BenchmarkId::new("hanko", label), b.as_slice(), |bench, b| {
            bench.iter(|| {
                let r = hanko_codec::ResponseApdu::parse(black_box(b)).expect("response parses");
                (r.data.len(), r.sw)
            })
        });
        g.bench_with_input(BenchmarkId::new("apdu", label), b.as_slice(), |bench, b| {
            bench.iter(|| {
                let r = apdu::Response::from(black_box(b));
                (r.payload.len(), r.is_ok())
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = command_apdu, response_apdu
}

criterion_main!(benches);
