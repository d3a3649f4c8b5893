//! Structure-aware BER-TLV and SIMPLE-TLV: trees and lists built here, written by this file's
//! own writer (tags, short and long length forms, padding), then read by the codec. The
//! codec must see exactly the objects that were written, in order and at their depths.

use super::len_in;
use crate::hex;
use arbitrary::Unstructured;
use hanko_codec::tlv::ber::{self, MAX_DEPTH, MAX_LENGTH_BYTES, MAX_TAG_BYTES};
use hanko_codec::{SimpleTlvList, TlvTree};

/// Objects in one tree at most: enough for every shape, bounded so one input stays cheap.
const MAX_NODES: usize = 48;

/// One object as written: its tag, its value (bytes, or the children for a constructed tag),
/// and how many bytes its length field takes beyond the minimal form (0: minimal).
#[derive(Debug)]
struct Node<'a> {
    tag: u32,
    long: usize,
    body: Body<'a>,
}

#[derive(Debug)]
enum Body<'a> {
    Primitive(&'a [u8]),
    Constructed(Vec<Node<'a>>),
}

/// What the walk must report for one object: depth, tag, header bytes, value bytes.
type Seen = (usize, u32, Vec<u8>, Vec<u8>);

/// A tag field: class and constructed bits as asked, a number in the one-byte form
/// (0–30) or the multi-byte form (up to [`MAX_TAG_BYTES`] bytes in all).
fn arbitrary_tag(u: &mut Unstructured<'_>, constructed: bool) -> arbitrary::Result<u32> {
    let class: u8 = u.int_in_range(0..=3)? << 6;
    let first = class | if constructed { 0x20 } else { 0 };
    let extra = u.int_in_range(0..=MAX_TAG_BYTES - 1)?;
    if extra == 0 {
        // `00` is padding, never a tag; universal primitive number 0 thus becomes 1.
        let number = u.int_in_range(0..=30)?;
        let byte = first | number;
        return Ok(u32::from(if byte == 0 { 1 } else { byte }));
    }
    let mut tag = u32::from(first | 0x1F);
    for i in 0..extra {
        let last = i + 1 == extra;
        let mut b: u8 = u.arbitrary::<u8>()? & 0x7F;
        // A first subsequent byte of 00 or 80 would pad the number with zero bits.
        if i == 0 && b == 0 {
            b = 1;
        }
        tag = tag << 8 | u32::from(if last { b } else { b | 0x80 });
    }
    Ok(tag)
}

fn arbitrary_node<'a>(u: &mut Unstructured<'a>, depth: usize, budget: &mut usize) -> arbitrary::Result<Node<'a>> {
    *budget = budget.saturating_sub(1);
    // A constructed object at depth d makes the walk descend to d + 1, which must stay
    // below the limit.
    let may_nest = depth + 2 <= MAX_DEPTH && *budget > 0;
    let constructed = may_nest && u.arbitrary::<bool>()?;
    let tag = arbitrary_tag(u, constructed)?;
    let long = u.int_in_range(0..=MAX_LENGTH_BYTES)?;
    let body = if constructed {
        let n = u.int_in_range(0..=4usize)?;
        let mut children = Vec::with_capacity(n);
        for _ in 0..n {
            if *budget == 0 {
                break;
            }
            children.push(arbitrary_node(u, depth + 1, budget)?);
        }
        Body::Constructed(children)
    } else {
        let n = len_in(u, 0, 0xFFFF, 300)?;
        Body::Primitive(u.bytes(n.min(u.len()))?)
    };
    Ok(Node { tag, long, body })
}

/// Writes `len` with a length field of at least `1 + extra` bytes when the long form is
/// asked for; the codec keeps non-minimal fields, so they must come back as written.
fn write_length(out: &mut Vec<u8>, len: usize, extra: usize) {
    let minimal = ber::length_len(len) - 1;
    let n = if extra == 0 { minimal } else { minimal.max(1).max(extra).min(MAX_LENGTH_BYTES) };
    if n == 0 {
        out.push(len as u8);
    } else {
        out.push(0x80 | n as u8);
        out.extend_from_slice(&(len as u64).to_be_bytes()[8 - n..]);
    }
}

/// Writes the node and records, in walk order, what the reader must see.
fn write_node(node: &Node<'_>, depth: usize, out: &mut Vec<u8>, seen: &mut Vec<Seen>) {
    let value = match &node.body {
        Body::Primitive(v) => v.to_vec(),
        Body::Constructed(children) => {
            let mut inner = Vec::new();
            let mut below = Vec::new();
            for c in children {
                write_node(c, depth + 1, &mut inner, &mut below);
            }
            let mut header = Vec::new();
            ber::write_tag(&mut header, node.tag);
            write_length(&mut header, inner.len(), node.long);
            seen.push((depth, node.tag, header.clone(), inner.clone()));
            seen.append(&mut below);
            out.extend_from_slice(&header);
            out.extend_from_slice(&inner);
            return;
        }
    };
    let mut header = Vec::new();
    ber::write_tag(&mut header, node.tag);
    write_length(&mut header, value.len(), node.long);
    seen.push((depth, node.tag, header.clone(), value.clone()));
    out.extend_from_slice(&header);
    out.extend_from_slice(&value);
}

/// BER-TLV trees: arbitrary tags of every class and size, nesting up to the depth limit,
/// long length forms, trailing `00`/`FF` padding; and, on request, a chain of constructed
/// objects exactly at the limit or one past it, which must be refused as too deep.
pub fn ber_structured_case(data: &[u8]) -> Option<&'static str> {
    let mut u = Unstructured::new(data);
    let deep = u.int_in_range(0..=7u8).ok()? == 0;
    let mut budget = MAX_NODES;
    let mut roots = Vec::new();
    let n = u.int_in_range(1..=4usize).ok()?;
    for _ in 0..n {
        roots.push(arbitrary_node(&mut u, 0, &mut budget).ok()?);
    }
    let past_limit = deep && u.arbitrary::<bool>().ok()?;
    if deep {
        // k constructed levels put the innermost constructed object at depth k - 1; the
        // walk refuses it when k - 1 + 1 ≥ MAX_DEPTH.
        let levels = if past_limit { MAX_DEPTH } else { MAX_DEPTH - 1 };
        let mut node = Node { tag: 0x04, long: 0, body: Body::Primitive(&[0x5A]) };
        for _ in 0..levels {
            node = Node { tag: 0x30, long: 0, body: Body::Constructed(vec![node]) };
        }
        roots[0] = node;
    }
    let pad_byte = if u.arbitrary::<bool>().ok()? { 0x00 } else { 0xFF };
    let pad = u.int_in_range(0..=3usize).ok()?;
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for r in &roots {
        write_node(r, 0, &mut out, &mut seen);
    }
    let objects = out.len();
    out.resize(objects + pad, pad_byte);
    match TlvTree::parse(&out) {
        Ok(tree) => {
            assert!(!past_limit, "a tree {MAX_DEPTH} constructed levels deep parses: {}", hex(&out));
            assert_eq!(tree.padding(), &out[objects..], "padding of {}", hex(&out));
            let mut walked = Vec::new();
            let walk = ber::walk(&out[..objects], |depth, tlv| {
                walked.push((depth, tlv.tag, tlv.header.to_vec(), tlv.value.to_vec()));
            });
            assert!(walk.is_ok(), "the tree parses but the walk fails on {}: {walk:?}", hex(&out));
            assert_eq!(walked, seen, "the walk reads {} differently from how it was written", hex(&out));
        }
        Err(e) => {
            assert!(past_limit, "a well-formed tree {} does not parse: {e}", hex(&out));
            assert_eq!(e.kind.name(), "too_deep", "a tree past the depth limit fails otherwise: {e}");
        }
    }
    crate::ber_tlv(&out);
    Some("tlv")
}

/// SIMPLE-TLV lists: tags 01–FE, the one-byte and the three-byte length forms (the latter
/// also for short values, which ISO 7816-4 allows), values up to 65 535 bytes.
pub fn simple_tlv_structured_case(data: &[u8]) -> Option<&'static str> {
    let mut u = Unstructured::new(data);
    let n = u.int_in_range(1..=8usize).ok()?;
    let mut out = Vec::new();
    let mut written = Vec::new();
    for _ in 0..n {
        let tag = u.int_in_range(0x01..=0xFEu8).ok()?;
        let len = len_in(&mut u, 0, 0xFFFF, 600).ok()?;
        let value = u.bytes(len.min(u.len())).ok()?;
        let long = value.len() >= 0xFF || u.arbitrary::<bool>().ok()?;
        let offset = out.len();
        out.push(tag);
        if long {
            out.push(0xFF);
            out.extend_from_slice(&(value.len() as u16).to_be_bytes());
        } else {
            out.push(value.len() as u8);
        }
        out.extend_from_slice(value);
        written.push((tag, offset, value));
    }
    let list =
        SimpleTlvList::parse(&out).unwrap_or_else(|e| panic!("a well-formed list {} does not parse: {e}", hex(&out)));
    let read: Vec<_> = list.iter().map(|t| (t.tag, t.offset, t.value)).collect();
    assert_eq!(read, written, "the list {} reads differently from how it was written", hex(&out));
    crate::simple_tlv(&out);
    Some("simple-tlv")
}
