//! Byte searches tuned for the short fields of report rows.
//!
//! `memchr` is the fastest search over long text, but it pays a set-up cost on every call, and
//! report cells are mostly shorter than 16 bytes. These look at eight bytes at a time in a
//! `u64` (no `unsafe`, no target features) and hand over to `memchr` once a search has gone
//! past 32 bytes.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of every byte of `w` equal to the byte broadcast in `needle`. Exact for the
/// lowest flagged byte (a borrow only flags bytes above a real match).
#[inline(always)]
fn matches(w: u64, needle: u64) -> u64 {
    let x = w ^ needle;
    x.wrapping_sub(LO) & !x & HI
}

#[inline(always)]
fn word(chunk: &[u8]) -> u64 {
    u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]))
}

/// The position of the first `a` or `b` in `hay` at or after `from`.
#[inline(always)]
pub(crate) fn find2(hay: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    let (na, nb) = (LO * u64::from(a), LO * u64::from(b));
    let mut i = from;
    let short_end = from.saturating_add(32);
    while let Some(chunk) = hay.get(i..i + 8) {
        let w = word(chunk);
        let found = matches(w, na) | matches(w, nb);
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
        if i >= short_end {
            return memchr::memchr2(a, b, &hay[i..]).map(|p| i + p);
        }
    }
    hay.get(i..)?
        .iter()
        .position(|&c| c == a || c == b)
        .map(|p| i + p)
}

/// The position of the first `a`, `b` or `c` in `hay` at or after `from`.
#[inline(always)]
pub(crate) fn find3(hay: &[u8], from: usize, a: u8, b: u8, c: u8) -> Option<usize> {
    let (na, nb, nc) = (LO * u64::from(a), LO * u64::from(b), LO * u64::from(c));
    let mut i = from;
    let short_end = from.saturating_add(32);
    while let Some(chunk) = hay.get(i..i + 8) {
        let w = word(chunk);
        let found = matches(w, na) | matches(w, nb) | matches(w, nc);
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
        if i >= short_end {
            return memchr::memchr3(a, b, c, &hay[i..]).map(|p| i + p);
        }
    }
    hay.get(i..)?
        .iter()
        .position(|&x| x == a || x == b || x == c)
        .map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_like_a_byte_loop() {
        let text: Vec<u8> = (0..200u32)
            .map(|i| {
                [b'a', b'\x80', b'\xff', b'\0', b'"', b',', b'\n', b'x'][(i * 7 % 13 % 8) as usize]
            })
            .collect();
        let needles = [
            (b'"', b','),
            (b'\n', b'\0'),
            (b'\xff', b'\x80'),
            (b'q', b'z'),
        ];
        for from in 0..text.len() + 2 {
            for end in [text.len(), text.len().saturating_sub(3), 40, 9] {
                let hay = &text[..end.min(text.len())];
                for &(a, b) in &needles {
                    let expected = hay
                        .get(from..)
                        .and_then(|t| t.iter().position(|&c| c == a || c == b))
                        .map(|p| from + p);
                    assert_eq!(find2(hay, from, a, b), expected, "{from} {a} {b}");
                    let expected3 = hay
                        .get(from..)
                        .and_then(|t| t.iter().position(|&c| c == a || c == b || c == b'x'))
                        .map(|p| from + p);
                    assert_eq!(find3(hay, from, a, b, b'x'), expected3, "{from} {a} {b}");
                }
            }
        }
    }
}
