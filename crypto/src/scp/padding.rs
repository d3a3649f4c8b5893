//! ISO/IEC 9797-1 padding method 2 (`80` then `00`s up to the block), which every GlobalPlatform
//! secure channel uses before MACing or encrypting.

use super::error::ScpError;

/// Calls `f` with each block of `parts` concatenated and padded, without building the
/// concatenation: the MACs run over a header and data held in different places.
pub(crate) fn for_each_padded_block<const N: usize>(parts: &[&[u8]], mut f: impl FnMut(&[u8; N])) {
    let mut block = [0u8; N];
    let mut filled = 0;
    for part in parts {
        let mut rest: &[u8] = part;
        while !rest.is_empty() {
            let take = rest.len().min(N - filled);
            block[filled..filled + take].copy_from_slice(&rest[..take]);
            filled += take;
            rest = &rest[take..];
            if filled == N {
                f(&block);
                filled = 0;
            }
        }
    }
    block[filled] = 0x80;
    block[filled + 1..].fill(0);
    f(&block);
}

/// Appends the padding for the message that starts at byte `start` of `out`.
pub(crate) fn pad(out: &mut Vec<u8>, start: usize, block: usize) {
    let len = out.len().saturating_sub(start);
    out.push(0x80);
    out.resize(start + padded_len(len, block), 0);
}

/// The padded length of a message of `len` bytes.
pub(crate) fn padded_len(len: usize, block: usize) -> usize {
    (len / block + 1) * block
}

/// The length of the message inside `data`. The padding must sit in the last block: a
/// padded message never has a block of padding alone, so anything longer is forged.
pub(crate) fn unpad(data: &[u8], block: usize) -> Result<usize, ScpError> {
    let start = data.len().saturating_sub(block);
    for at in (start..data.len()).rev() {
        match data[at] {
            0x00 => {}
            0x80 => return Ok(at),
            _ => return Err(ScpError::BadPadding { offset: at }),
        }
    }
    Err(ScpError::BadPadding { offset: start })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_round_trips_at_every_length() {
        for len in 0..40 {
            let mut buf: Vec<u8> = (0..len as u8).map(|b| b | 1).collect();
            pad(&mut buf, 0, 8);
            assert_eq!(buf.len(), padded_len(len, 8));
            assert_eq!(unpad(&buf, 8), Ok(len));
            let mut blocks = Vec::new();
            let message: Vec<u8> = (0..len as u8).map(|b| b | 1).collect();
            let (head, tail) = message.split_at(len / 3);
            for_each_padded_block::<8>(&[head, tail], |b| blocks.extend_from_slice(b));
            assert_eq!(blocks, buf);
        }
    }

    #[test]
    fn unpad_refuses_padding_outside_the_last_block_or_without_80() {
        assert_eq!(
            unpad(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8),
            Err(ScpError::BadPadding { offset: 8 })
        );
        assert_eq!(unpad(&[1, 2, 3, 0, 0, 0, 0, 0], 8), Err(ScpError::BadPadding { offset: 2 }));
        assert_eq!(unpad(&[], 8), Err(ScpError::BadPadding { offset: 0 }));
    }
}
