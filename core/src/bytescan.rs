//! Finding the set bytes of a byte array a word of 8 at a time: the scan
//! that corners (flagged candidates) and edges (edge pixels) share.

/// The positions of the non-zero bytes of `flags`, in order.
pub(crate) fn flagged(flags: &[u8]) -> impl Iterator<Item = usize> + '_ {
    positions(flags, |word| word != 0, |flag| flag != 0)
}

/// The positions of the bytes of `bytes` that `is_set` accepts, in order,
/// looked at a word of 8 at a time: where this is used most words hold
/// none, and one `may_hold` test of the word (false only when none of its
/// bytes is set) skips them.
pub(crate) fn positions<'a>(
    bytes: &'a [u8],
    may_hold: impl Fn(u64) -> bool + 'a,
    is_set: impl Fn(u8) -> bool + Copy + 'a,
) -> impl Iterator<Item = usize> + 'a {
    let set = move |start: usize, bytes: &'a [u8]| {
        let positions = bytes.iter().enumerate().filter(move |&(_, &b)| is_set(b));
        positions.map(move |(k, _)| start + k)
    };
    let (words, rest) = bytes.as_chunks::<8>();
    let in_words = words.iter().enumerate();
    in_words
        .filter(move |(_, word)| may_hold(u64::from_ne_bytes(**word)))
        .flat_map(move |(i, word)| set(i * 8, word))
        .chain(set(words.len() * 8, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flagged_gives_the_set_positions_in_words_and_the_rest() {
        let mut flags = vec![0u8; 19];
        for i in [0, 7, 9, 16, 18] {
            flags[i] = 1 + i as u8;
        }
        assert_eq!(flagged(&flags).collect::<Vec<_>>(), [0, 7, 9, 16, 18]);
        assert_eq!(flagged(&[0; 24]).count(), 0);
    }
}
