//! Whole-input decoders, one per `hanko decode` format: each checks the structure, then
//! recognises what the spec knows (the command, the status word, the file layout).

use crate::apdu::command::CommandApdu;
use crate::describe::{Describe, Value, Visitor};
use crate::error::{Error, ErrorKind, Result};
use crate::generated::commands::Command;
use crate::generated::rules;
use crate::tlv::simple::{self, SimpleTlv};

/// A command APDU with the command the spec recognises in it, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capdu<'a> {
    pub apdu: CommandApdu<'a>,
    pub command: Option<Command<'a>>,
}

impl<'a> Capdu<'a> {
    #[inline]
    pub fn parse(input: &'a [u8]) -> Result<Self> {
        let apdu = CommandApdu::parse(input)?;
        let command = Command::classify(&apdu, input)?;
        Ok(Self { apdu, command })
    }
}

impl Describe for Capdu<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        self.apdu.describe(v);
        v.enter("class");
        self.apdu.class().describe(v);
        v.leave();
        let ins = crate::generated::ins::Ins::from(self.apdu.ins);
        v.field("instruction", ins.name().map_or(Value::Null, Value::Text));
        match &self.command {
            Some(c) => {
                v.enter("command");
                c.describe(v);
                v.leave();
            }
            None => v.field("command", Value::Null),
        }
    }
}

/// A sequence of SIMPLE-TLV objects filling the whole input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimpleTlvList<'a> {
    input: &'a [u8],
}

impl<'a> SimpleTlvList<'a> {
    pub fn parse(input: &'a [u8]) -> Result<Self> {
        if input.is_empty() {
            return Err(Error::new(ErrorKind::Truncated { needed: 2, available: 0 }, 0, rules::TLV_SIMPLE));
        }
        let mut pos = 0;
        while pos < input.len() {
            pos = simple::parse_one(input, pos, input.len(), rules::TLV_SIMPLE)?.end();
        }
        Ok(Self { input })
    }

    pub fn iter(&self) -> impl Iterator<Item = SimpleTlv<'a>> + 'a {
        let input = self.input;
        let mut pos = 0;
        core::iter::from_fn(move || {
            let t = simple::parse_one(input, pos, input.len(), rules::TLV_SIMPLE).ok()?;
            pos = t.end();
            Some(t)
        })
    }
}

impl Describe for SimpleTlvList<'_> {
    fn describe(&self, v: &mut dyn Visitor) {
        v.enter_list("objects");
        for t in self.iter() {
            v.enter("");
            v.field("offset", Value::Uint(t.offset as u64));
            v.field("tag", Value::Bytes(core::slice::from_ref(&t.tag)));
            v.field("length", Value::Uint(t.value.len() as u64));
            v.field("value", Value::Bytes(t.value));
            v.leave();
        }
        v.leave();
    }
}
