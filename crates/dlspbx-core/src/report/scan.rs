//! Byte searches tuned for the short fields of report rows.
//!
//! `memchr` is the fastest search over long text, but it pays a set-up cost on every call, and
//! report cells are mostly shorter than 16 bytes. [`find2`] and [`find3`] look at eight bytes
//! at a time in a `u64` (no target features) and hand over to `memchr` once a search has gone
//! past 32 bytes. [`Cursor`] goes further for CSV: it classifies 64 bytes at a time into bit
//! masks (SSE2 on x86-64, a portable loop elsewhere) and answers every search inside those 64
//! bytes from the masks, so a row of short fields costs one classification per 64 bytes
//! instead of one search per field, and no branch depends on a field's length.

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

/// Which bytes of a 64-byte block are CSV structure: bit `i` of each mask is byte `i`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Block {
    /// What ends an unquoted field: `,` and `\n`.
    pub(crate) delim: u64,
    /// `"`
    pub(crate) quote: u64,
    /// `\\`
    pub(crate) backslash: u64,
    /// `\n`
    pub(crate) newline: u64,
}

impl Block {
    /// What a quoted field is scanned for: `"`, `\\` and `\n`.
    #[inline(always)]
    pub(crate) fn quoted(&self) -> u64 {
        self.quote | self.backslash | self.newline
    }

    /// Classifies 64 bytes.
    #[inline(always)]
    pub(crate) fn of(chunk: &[u8; 64]) -> Block {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        {
            // SAFETY: `classify_sse2` only needs SSE2, which this cfg proves is enabled for the
            // whole build (it is part of every x86-64 target's baseline).
            unsafe { classify_sse2(chunk) }
        }
        #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
        {
            classify_portable(chunk)
        }
    }
}

/// [`Block::of`] without SIMD: the reference the SSE2 version is tested against, and the
/// version other targets use.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn classify_portable(chunk: &[u8; 64]) -> Block {
    let mut b = Block::default();
    for (i, &c) in chunk.iter().enumerate() {
        let bit = 1u64 << i;
        match c {
            b',' => b.delim |= bit,
            b'\n' => {
                b.delim |= bit;
                b.newline |= bit;
            }
            b'"' => b.quote |= bit,
            b'\\' => b.backslash |= bit,
            _ => {}
        }
    }
    b
}

/// [`Block::of`] with SSE2: sixteen bytes compared at once, one bit per byte out of
/// `movemask`. The intrinsics are safe to call here (the function enables SSE2); nothing
/// reads memory through a pointer.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn classify_sse2(chunk: &[u8; 64]) -> Block {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x, _mm_set1_epi8,
    };
    let [comma, newline, quote, backslash] =
        [b',', b'\n', b'"', b'\\'].map(|c| _mm_set1_epi8(c as i8));
    let mut b = Block::default();
    for (k, lane) in chunk.chunks_exact(16).enumerate() {
        let v = _mm_set_epi64x(half(lane, 8), half(lane, 0));
        let nl = _mm_cmpeq_epi8(v, newline);
        // `movemask` gives the top bit of each byte: 16 bits, zero-extended.
        let bits = |m| u64::from(_mm_movemask_epi8(m) as u16) << (16 * k);
        b.delim |= bits(_mm_or_si128(_mm_cmpeq_epi8(v, comma), nl));
        b.newline |= bits(nl);
        b.quote |= bits(_mm_cmpeq_epi8(v, quote));
        b.backslash |= bits(_mm_cmpeq_epi8(v, backslash));
    }
    b
}

/// What [`Cursor`] searches for in a 64-byte block (a [`Block`] folded into two masks: a
/// classifier of its own for these two measured no faster).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Marks {
    /// What ends an unquoted field: `,` and `\n`.
    pub(crate) delim: u64,
    /// What a quoted field is scanned for: `"`, `\\` and `\n`.
    pub(crate) quoted: u64,
}

impl From<Block> for Marks {
    #[inline(always)]
    fn from(b: Block) -> Marks {
        Marks {
            delim: b.delim,
            quoted: b.quoted(),
        }
    }
}

/// Eight bytes of `lane` from `at`, as the `i64` an SSE2 register half is set from.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn half(lane: &[u8], at: usize) -> i64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&lane[at..at + 8]);
    i64::from_le_bytes(w)
}

/// Searches a text for CSV structure, 64 bytes at a time: the last block classified is kept,
/// so searches that land in it cost a shift and a `trailing_zeros`.
#[derive(Debug, Clone)]
pub(crate) struct Cursor {
    /// Where the classified block starts ([`Cursor::UNLOADED`] before the first).
    base: usize,
    block: Marks,
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor {
            base: Cursor::UNLOADED,
            block: Marks::default(),
        }
    }
}

impl Cursor {
    /// A base no position is within 64 bytes of: `at - UNLOADED` wraps to `at + 64` (positions
    /// are below `isize::MAX`), so the first search always classifies a block.
    const UNLOADED: usize = usize::MAX - 63;

    /// Classifies the 64 bytes from `at` (zero bytes past the end, which match nothing).
    #[inline]
    fn load(&mut self, hay: &[u8], at: usize) {
        self.base = at;
        self.block = with_block(hay, at, |chunk| Marks::from(Block::of(chunk)));
    }

    /// The first position at or after `from` whose bit is set in `pick(block)`.
    #[inline(always)]
    pub(crate) fn find(
        &mut self,
        hay: &[u8],
        from: usize,
        pick: impl Fn(&Marks) -> u64,
    ) -> Option<usize> {
        let mut at = from;
        while at < hay.len() {
            let offset = at.wrapping_sub(self.base);
            if offset >= 64 {
                self.load(hay, at);
                continue;
            }
            let m = pick(&self.block) >> offset;
            if m != 0 {
                return Some(at + m.trailing_zeros() as usize);
            }
            at = self.base + 64;
        }
        None
    }
}

/// `classify` of the 64 bytes from `at`, zero bytes past the end (which match nothing).
#[inline(always)]
fn with_block<T>(hay: &[u8], at: usize, classify: impl Fn(&[u8; 64]) -> T) -> T {
    match hay.get(at..at + 64) {
        Some(chunk) => classify(chunk.try_into().unwrap_or(&[0; 64])),
        None => {
            let mut padded = [0u8; 64];
            let tail = hay.get(at..).unwrap_or(&[]);
            padded[..tail.len()].copy_from_slice(tail);
            classify(&padded)
        }
    }
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

    fn reference_find(hay: &[u8], from: usize, set: &[u8]) -> Option<usize> {
        hay.get(from..)?
            .iter()
            .position(|c| set.contains(c))
            .map(|p| from + p)
    }

    proptest::proptest! {
        #[test]
        fn sse2_and_portable_blocks_agree(chunk in proptest::collection::vec(proptest::sample::select(b",\n\"\\\\a\x80\xff\0 \r".to_vec()), 64)) {
            let chunk: [u8; 64] = chunk.try_into().unwrap();
            proptest::prop_assert_eq!(Block::of(&chunk), classify_portable(&chunk));
        }

        #[test]
        fn cursor_finds_like_a_byte_loop(
            hay in proptest::collection::vec(proptest::sample::select(b",\n\"\\\\abc".to_vec()), 0..300),
            froms in proptest::collection::vec(0usize..320, 1..20),
        ) {
            // One cursor for every search, in any order: a stale block must never answer.
            let mut cursor = Cursor::default();
            for from in froms {
                proptest::prop_assert_eq!(
                    cursor.find(&hay, from, |b| b.delim),
                    reference_find(&hay, from, b",\n")
                );
                proptest::prop_assert_eq!(
                    cursor.find(&hay, from, |m| m.quoted),
                    reference_find(&hay, from, b"\"\\\n")
                );
            }
        }
    }
}
