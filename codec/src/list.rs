//! Repeated items of a layout (`"repeat": [min, max]`). A list keeps the bytes its elements
//! were read from and reads them again when iterated, so that decoding stores no element
//! and allocates nothing however many there are; every element was checked while decoding.

use crate::describe::{DescribeField, Visitor};
use crate::error::{Error, ErrorKind, Result, Rule};
use crate::reader::{Reader, Span};
use core::fmt;
use core::marker::PhantomData;

/// How one element of a list is read. Implemented by each element struct for itself, and by
/// a marker type per repeated leaf (whose `Item` is the leaf's type). A list names its
/// element type this way rather than holding a reader function, so that a view stays
/// covariant in its lifetime and views over different inputs compare.
pub trait Element<'a> {
    type Item;
    /// Reads one element; `input` is the whole input, for absolute offsets in errors.
    fn read(r: &mut Reader<'a>, input: &'a [u8]) -> Result<Self::Item>;
}

/// Whether another element follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum More {
    /// The next BER-TLV carries this tag.
    Tag(u32),
    /// The next DGI carries this tag.
    Dgi(u16),
    /// Bytes are left in the enclosing element.
    ToEnd,
}

impl More {
    fn applies(self, r: &Reader<'_>) -> bool {
        match self {
            Self::Tag(t) => r.peek_tag() == Some(t),
            Self::Dgi(t) => crate::framing::peek_dgi(r) == Some(t),
            Self::ToEnd => !r.is_empty(),
        }
    }
}

/// Elements of one repeated item, borrowed from the input.
pub struct List<'a, E> {
    input: &'a [u8],
    start: usize,
    end: usize,
    count: usize,
    element: PhantomData<fn() -> E>,
}

impl<E> Clone for List<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for List<'_, E> {}

impl<'a, E> List<'a, E> {
    /// A list of no elements.
    pub fn empty() -> Self {
        Self { input: &[], start: 0, end: 0, count: 0, element: PhantomData }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The elements' bytes as they were read.
    pub fn as_bytes(&self) -> &'a [u8] {
        &self.input[self.start..self.end]
    }

    pub fn encoded_len(&self) -> usize {
        self.end - self.start
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}

impl<'a, E: Element<'a>> List<'a, E> {
    /// Reads `min..=max` elements while `more` says one follows. Fewer than `min` fails with
    /// the error reading one more gives (a missing or unexpected tag, data running short).
    pub fn read(
        r: &mut Reader<'a>,
        input: &'a [u8],
        (min, max): (usize, usize),
        more: More,
        rule: Rule,
    ) -> Result<Self> {
        let start = r.position();
        let mut count = 0;
        while count < max && more.applies(r) {
            let before = r.position();
            E::read(r, input)?;
            count += 1;
            // Layouts never allow an empty element (the validator checks), so this only
            // guards against looping without progress.
            if r.position() == before {
                break;
            }
        }
        if count < min {
            E::read(r, input)?;
            return Err(Error::new(ErrorKind::Truncated { needed: 1, available: 0 }, r.position(), rule));
        }
        Ok(Self { input, start, end: r.position(), count, element: PhantomData })
    }

    /// The list that `bytes`, all of them, encode (a simulator builds a response's list so:
    /// it encodes the elements, then reads them back).
    pub fn from_bytes(bytes: &'a [u8], bounds: (usize, usize), more: More, rule: Rule) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let list = Self::read(&mut r, bytes, bounds, more, rule)?;
        r.finish(rule)?;
        Ok(list)
    }

    /// Bytes from the fuzzer that form a valid list, or the empty list where that is one.
    pub fn arb(
        u: &mut arbitrary::Unstructured<'a>,
        bounds: (usize, usize),
        more: More,
        rule: Rule,
    ) -> arbitrary::Result<Self> {
        let raw = crate::field::arb_bytes(u, 0, 256)?;
        match Self::from_bytes(raw, bounds, more, rule) {
            Ok(list) => Ok(list),
            Err(_) if bounds.0 == 0 => Ok(Self::empty()),
            Err(_) => Err(arbitrary::Error::IncorrectFormat),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = E::Item> + 'a
    where
        E: 'a,
    {
        let input = self.input;
        let mut r = Reader::within(input, Span { bytes: self.as_bytes(), offset: self.start });
        let mut left = self.count;
        core::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            left -= 1;
            E::read(&mut r, input).ok()
        })
    }
}

impl<E> PartialEq for List<'_, E> {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count && self.as_bytes() == other.as_bytes()
    }
}

impl<E> Eq for List<'_, E> {}

impl<E> core::hash::Hash for List<'_, E> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl<'a, E: Element<'a> + 'a> fmt::Debug for List<'a, E>
where
    E::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, E: Element<'a> + 'a> DescribeField for List<'a, E>
where
    E::Item: DescribeField,
{
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        v.enter_list(name);
        for element in self.iter() {
            element.describe_field("", v);
        }
        v.leave();
    }
}
