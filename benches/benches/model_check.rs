//! The scheme model checker: states per second of one full check of each system. Criterion
//! times a whole check on the ordered network (small enough to repeat); the lossy check, the
//! one `hanko model check --scheme N --lossy` runs, is run once per system and its states per
//! second printed.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hanko_model::scheme::checker::{check, systems, Options};
use hanko_model::scheme::engine::Bounds;
use std::hint::black_box;
use std::time::Duration;

fn run(
    name: &'static str,
    flows: &[&'static hanko_model::scheme::table::Flow],
    bounds: Bounds,
) -> hanko_model::scheme::checker::Report {
    let opts = Options { bounds, threads: 1, ..Options::default() };
    let report = check(name, flows, &opts, &mut |_| {}).expect("checks");
    assert!(report.ok(), "{name}: a property failed");
    report
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("model_check");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    for scheme in [1u8, 2, 3] {
        for (name, flows) in systems(scheme).unwrap() {
            let states = run(name, &flows, Bounds::ORDERED).states as u64;
            group.throughput(Throughput::Elements(states));
            group.bench_function(format!("{name} ordered ({states} states)"), |b| {
                b.iter(|| black_box(run(name, &flows, Bounds::ORDERED)))
            });
        }
    }
    group.finish();
    // One lossy check per system, single-threaded: the figure `hanko model check --lossy` sees
    // per core.
    for scheme in [1u8, 2, 3] {
        for (name, flows) in systems(scheme).unwrap() {
            let r = run(name, &flows, Bounds::LOSSY);
            println!(
                "model_check lossy {name}: {} states in {:.2} s, {:.0} states/s (1 thread)",
                r.states,
                r.elapsed.as_secs_f64(),
                r.states_per_second()
            );
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
