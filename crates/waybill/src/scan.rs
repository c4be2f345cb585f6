//! Finding the first byte of interest eight bytes at a time. Long runs of
//! plain text are the common case when reading, writing and sanitizing, and
//! a byte-by-byte loop spends most of its time confirming nothing is there.

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// High bits set for bytes of `word` below `n` (`n` at most 0x80). Exact for
/// the lowest such byte; a borrow may also mark bytes above it, which is why
/// [`first_stop`] confirms every hit byte by byte.
pub(crate) const fn below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(ONES * n as u64) & !word & HIGHS
}

/// High bits set for bytes of `word` equal to `b` (same caveat as [`below`]).
pub(crate) const fn equal(word: u64, b: u8) -> u64 {
    below(word ^ (ONES * b as u64), 1)
}

/// High bits set for bytes of `word` at or above 0x7f: DEL and every byte of
/// a multi-byte UTF-8 sequence.
pub(crate) const fn high_or_del(word: u64) -> u64 {
    (word | word.wrapping_add(ONES)) & HIGHS
}

/// High bits set for bytes of `word` at or above `n` (`n` at least 0x80).
/// Exact: the sum stays inside each byte.
pub(crate) const fn at_least(word: u64, n: u8) -> u64 {
    (word & !HIGHS).wrapping_add(ONES * (0x100 - n as u64)) & word & HIGHS
}

/// The first index at or after `from` whose byte satisfies `stop`, or the
/// length. `stop_any` must mark (at least) every word holding such a byte;
/// a marked word is read byte by byte and the scan goes on by words after it.
pub(crate) fn first_stop(
    bytes: &[u8],
    from: usize,
    stop_any: impl Fn(u64) -> u64,
    stop: impl Fn(u8) -> bool,
) -> usize {
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let word = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        if stop_any(word) != 0 {
            if let Some(j) = chunk.iter().position(|&b| stop(b)) {
                return i + j;
            }
        }
        i += 8;
    }
    bytes[i.min(bytes.len())..]
        .iter()
        .position(|&b| stop(b))
        .map_or(bytes.len(), |j| i + j)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every place of a word, and across words, against
    /// the plain byte test.
    fn agrees(stop_any: impl Fn(u64) -> u64 + Copy, stop: impl Fn(u8) -> bool + Copy) {
        for special in 0..=255u8 {
            for place in 0..20 {
                let mut bytes = vec![b'a'; 20];
                bytes[place] = special;
                for from in 0..=20 {
                    let naive = (from..20).find(|&i| stop(bytes[i])).unwrap_or(20);
                    assert_eq!(
                        first_stop(&bytes, from, stop_any, stop),
                        naive,
                        "{special:#x} at {place} from {from}"
                    );
                }
            }
        }
    }

    #[test]
    fn word_tests_find_what_the_byte_tests_find() {
        agrees(|w| below(w, 0x20), |b| b < 0x20);
        agrees(
            |w| equal(w, b'<') | equal(w, b'"'),
            |b| b == b'<' || b == b'"',
        );
        agrees(high_or_del, |b| b >= 0x7f);
        agrees(|w| at_least(w, 0xcc), |b| b >= 0xcc);
        agrees(|w| at_least(w, 0x80), |b| b >= 0x80);
        // A word marked for a byte that is not a stop is read on by words.
        agrees(|w| equal(w, b'&') | below(w, 0x20), |b| b < 0x20);
        agrees(
            |w| below(w, 0x20) | high_or_del(w) | equal(w, b'&'),
            |b| !(0x20..0x7f).contains(&b) || b == b'&',
        );
    }
}
