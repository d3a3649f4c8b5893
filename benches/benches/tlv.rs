//! BER-TLV: visiting every node of a certificate-sized object, depth first, descending into
//! constructed values. Each contender returns the node count and the summed lengths of the
//! primitive values, so that reaching every value cannot be optimised away, and the bench
//! checks once that all of them see the same tree.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hanko_benches::{certificate_shaped, JPKI_CERTIFICATE_LEN};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Visit {
    nodes: usize,
    primitive_bytes: usize,
}

fn hanko_walk(input: &[u8]) -> Visit {
    let mut v = Visit::default();
    hanko_codec::tlv::ber::walk(input, |_, t| {
        v.nodes += 1;
        if !t.is_constructed() {
            v.primitive_bytes += t.value.len();
        }
    })
    .expect("certificate walks");
    v
}

/// The same traversal written against `TlvIter`, hanko's sibling iterator: no callback, and
/// no depth limit beyond the input's own nesting. Tells how much `walk` pays for its visitor
/// (generic since the codec change, so the closure inlines) and its depth check.
fn hanko_iter(input: &[u8]) -> Visit {
    use hanko_codec::tlv::ber::TlvIter;
    fn go<'a>(input: &'a [u8], iter: TlvIter<'a>, v: &mut Visit) {
        for t in iter {
            let t = t.expect("certificate walks");
            v.nodes += 1;
            if t.is_constructed() {
                go(input, TlvIter::children(input, &t), v);
            } else {
                v.primitive_bytes += t.value.len();
            }
        }
    }
    let mut v = Visit::default();
    go(input, TlvIter::new(input), &mut v);
    v
}

/// iso7816-tlv can only build an owned tree (a `Vec` per constructed value, a copied `Vec`
/// per primitive one); the traversal afterwards is the cheap part.
fn iso7816_tlv_walk(input: &[u8]) -> Visit {
    fn go(t: &iso7816_tlv::ber::Tlv, v: &mut Visit) {
        v.nodes += 1;
        match t.value() {
            iso7816_tlv::ber::Value::Primitive(bytes) => v.primitive_bytes += bytes.len(),
            iso7816_tlv::ber::Value::Constructed(children) => children.iter().for_each(|c| go(c, v)),
        }
    }
    let tree = iso7816_tlv::ber::Tlv::from_bytes(input).expect("certificate parses");
    let mut v = Visit::default();
    go(&tree, &mut v);
    v
}

/// iso7816's `take_data_object` is a zero-copy single-object reader with no recursion of its
/// own; the loop and the constructed-bit test are what a caller has to write around it.
fn iso7816_walk(input: &[u8]) -> Visit {
    fn go(mut rest: &[u8], v: &mut Visit) {
        while let Some(&first) = rest.first() {
            let (_, value, next) = iso7816::tlv::take_data_object(rest).expect("certificate parses");
            v.nodes += 1;
            if first & 0x20 != 0 {
                go(value, v);
            } else {
                v.primitive_bytes += value.len();
            }
            rest = next;
        }
    }
    let mut v = Visit::default();
    go(input, &mut v);
    v
}

fn config() -> Criterion {
    Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1)).sample_size(50)
}

fn walk(c: &mut Criterion) {
    let cert = certificate_shaped(JPKI_CERTIFICATE_LEN);
    let expected = hanko_walk(&cert);
    assert_eq!(expected, iso7816_tlv_walk(&cert), "iso7816-tlv sees another tree");
    assert_eq!(expected, iso7816_walk(&cert), "iso7816 sees another tree");
    assert_eq!(expected, hanko_iter(&cert), "TlvIter sees another tree than walk");
    eprintln!("certificate: {} bytes, {} nodes", cert.len(), expected.nodes);

    let mut g = c.benchmark_group("ber_walk");
    g.throughput(Throughput::Bytes(cert.len() as u64));
    let id = |name| BenchmarkId::new(name, format!("cert_{}", cert.len()));
    g.bench_with_input(id("hanko"), cert.as_slice(), |b, cert| b.iter(|| hanko_walk(black_box(cert))));
    g.bench_with_input(id("hanko_tlv_iter"), cert.as_slice(), |b, cert| b.iter(|| hanko_iter(black_box(cert))));
    g.bench_with_input(id("iso7816_tlv"), cert.as_slice(), |b, cert| b.iter(|| iso7816_tlv_walk(black_box(cert))));
    g.bench_with_input(id("iso7816_take_data_object"), cert.as_slice(), |b, cert| {
        b.iter(|| iso7816_walk(black_box(cert)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = walk
}
criterion_main!(benches);
