//! Decoded values as JSON: the stable form of `hanko decode --json` and of the spec
//! examples' `decoded`. Byte strings are upper-case hex.

use crate::describe::{Describe, Value, Visitor};
use serde_json::{Map, Value as Json};

enum Frame {
    Object(String, Map<String, Json>),
    List(String, Vec<Json>),
}

struct Builder {
    stack: Vec<Frame>,
}

impl Builder {
    fn put(&mut self, name: &str, value: Json) {
        match self.stack.last_mut() {
            Some(Frame::Object(_, m)) => {
                m.insert(name.to_owned(), value);
            }
            Some(Frame::List(_, l)) => l.push(value),
            None => {}
        }
    }
}

impl Visitor for Builder {
    fn field(&mut self, name: &str, value: Value<'_>) {
        let json = match value {
            Value::Bytes(b) => Json::String(hex_upper(b)),
            Value::Text(t) => Json::String(t.to_owned()),
            Value::Uint(n) => Json::from(n),
            Value::Bool(b) => Json::Bool(b),
            Value::Null => Json::Null,
        };
        self.put(name, json);
    }

    fn enter(&mut self, name: &str) {
        self.stack.push(Frame::Object(name.to_owned(), Map::new()));
    }

    fn enter_list(&mut self, name: &str) {
        self.stack.push(Frame::List(name.to_owned(), Vec::new()));
    }

    fn leave(&mut self) {
        if self.stack.len() < 2 {
            return;
        }
        let (name, value) = match self.stack.pop() {
            Some(Frame::Object(n, m)) => (n, Json::Object(m)),
            Some(Frame::List(n, l)) => (n, Json::Array(l)),
            None => return,
        };
        self.put(&name, value);
    }
}

pub fn hex_upper(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(2 * b.len());
    for &x in b {
        s.push(char::from(DIGITS[usize::from(x >> 4)]));
        s.push(char::from(DIGITS[usize::from(x & 15)]));
    }
    s
}

/// The JSON object a decoded value describes itself as.
pub fn to_json(d: &dyn Describe) -> Json {
    let mut b = Builder { stack: vec![Frame::Object(String::new(), Map::new())] };
    d.describe(&mut b);
    while b.stack.len() > 1 {
        b.leave();
    }
    match b.stack.pop() {
        Some(Frame::Object(_, m)) => Json::Object(m),
        _ => Json::Null,
    }
}
