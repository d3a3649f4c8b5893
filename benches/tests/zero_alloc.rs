//! hanko's parsers promise never to allocate. A global allocator that counts, per thread,
//! turns that promise into a test: the test harness runs tests on threads of their own, so
//! a thread-local count sees only the code under test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use hanko_benches::{
    basic_four, certificate_shaped, walkthrough_apdus, walkthrough_responses, JPKI_CERTIFICATE_LEN, WALKTHROUGH,
};

struct Counting;

thread_local! {
    // `const` so reading it never allocates a lazy slot from inside the allocator.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn bump() {
    // `try_with` because the allocator also runs while thread-locals are being torn down.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call is forwarded unchanged to `System`; the counter is a plain thread-local
// that never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations `f` makes on this thread. It runs once before counting so that one-time
/// set-up elsewhere (lazy statics, the first use of stdout) is not charged to it.
fn allocations<R>(mut f: impl FnMut() -> R) -> usize {
    black_box(f());
    let before = ALLOCATIONS.with(Cell::get);
    black_box(f());
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn the_counter_sees_allocations() {
    // Without this, a counter that never counts would pass every test below.
    assert_eq!(allocations(|| Vec::<u8>::with_capacity(16)), 1);
    assert!(allocations(|| iso7816_tlv::ber::Tlv::from_bytes(&hanko_benches::hex("3003020101")).unwrap()) > 0);
}

#[test]
fn command_apdu_parse_does_not_allocate() {
    for (b, (label, _)) in walkthrough_apdus().iter().zip(WALKTHROUGH) {
        let n = allocations(|| hanko_codec::CommandApdu::parse(black_box(b)).unwrap());
        assert_eq!(n, 0, "CommandApdu::parse of {label}");
    }
}

#[test]
fn capdu_parse_and_classify_does_not_allocate() {
    for (b, (label, _)) in walkthrough_apdus().iter().zip(WALKTHROUGH) {
        let n = allocations(|| {
            let c = hanko_codec::Capdu::parse(black_box(b)).unwrap();
            assert!(c.command.is_some(), "{label} is not recognised");
            c
        });
        assert_eq!(n, 0, "Capdu::parse of {label}");
    }
}

#[test]
fn malformed_command_apdu_does_not_allocate() {
    // Errors are small `Copy` values; building one must not allocate either.
    for bad in [&[0x00, 0xA4][..], &[0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3], &[0x00, 0xB0, 0x00, 0x00, 0x00, 0x06]] {
        let n = allocations(|| hanko_codec::Capdu::parse(black_box(bad)).unwrap_err());
        assert_eq!(n, 0, "Capdu::parse of {bad:02X?}");
    }
}

#[test]
fn response_apdu_parse_does_not_allocate() {
    for (label, b) in walkthrough_responses() {
        let n = allocations(|| hanko_codec::ResponseApdu::parse(black_box(&b)).unwrap());
        assert_eq!(n, 0, "ResponseApdu::parse of {label}");
    }
}

#[test]
fn ber_walk_does_not_allocate() {
    let cert = certificate_shaped(JPKI_CERTIFICATE_LEN);
    let mut nodes = 0usize;
    let n = allocations(|| {
        nodes = 0;
        hanko_codec::tlv::ber::walk(black_box(&cert), |_, t| {
            nodes += 1;
            black_box(t.value);
        })
        .unwrap();
    });
    assert!(nodes > 50, "the walk visited only {nodes} nodes");
    assert_eq!(n, 0, "tlv::ber::walk of a {}-byte certificate", cert.len());
}

#[test]
fn file_decode_does_not_allocate() {
    let bytes = basic_four();
    let n = allocations(|| {
        let file = hanko_codec::File::decode("text.basic_four", black_box(&bytes)).expect("known file id");
        file.expect("spec example decodes")
    });
    assert_eq!(n, 0, "File::decode(\"text.basic_four\")");
}
