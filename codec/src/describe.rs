//! A decoded value walks itself through a [`Visitor`]; the CLI's tree and JSON views, the
//! snapshot tests and the spec examples all read decoded data this one way.

/// One leaf of a decoded structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// Raw bytes, shown as upper-case hex.
    Bytes(&'a [u8]),
    /// Text: validated input text, or a name the spec gives to a value.
    Text(&'a str),
    /// An unsigned number.
    Uint(u64),
    /// A flag.
    Bool(bool),
    /// No value (an absent optional element, an Le that is not there).
    Null,
}

/// Receives a decoded structure, field by field, in wire order.
pub trait Visitor {
    fn field(&mut self, name: &str, value: Value<'_>);
    /// Starts a nested group; fields until the matching [`Visitor::leave`] belong to it.
    fn enter(&mut self, name: &str);
    /// Starts a list; its elements are given with an empty name until [`Visitor::leave`].
    fn enter_list(&mut self, name: &str);
    fn leave(&mut self);
}

/// A whole decoded structure describes itself.
pub trait Describe {
    fn describe(&self, v: &mut dyn Visitor);
}

/// A leaf type describes itself under the field name its parent gives it: most emit one
/// [`Value`], some (a date, a DigestInfo) a small group.
pub trait DescribeField {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor);
}

impl DescribeField for &[u8] {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        v.field(name, Value::Bytes(self));
    }
}

impl DescribeField for &str {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        v.field(name, Value::Text(self));
    }
}

impl DescribeField for u8 {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        v.field(name, Value::Uint(u64::from(*self)));
    }
}

impl DescribeField for u16 {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        v.field(name, Value::Uint(u64::from(*self)));
    }
}

impl DescribeField for u32 {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        v.field(name, Value::Uint(u64::from(*self)));
    }
}

impl<T: DescribeField> DescribeField for Option<T> {
    fn describe_field(&self, name: &str, v: &mut dyn Visitor) {
        match self {
            Some(inner) => inner.describe_field(name, v),
            None => v.field(name, Value::Null),
        }
    }
}
