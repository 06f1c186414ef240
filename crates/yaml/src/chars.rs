//! Byte classes used by the scanner, the check for characters YAML forbids, and the
//! conversion of byte offsets to line and column.

/// Builds a lookup table that is `true` for the given bytes.
#[allow(clippy::indexing_slicing)] // const fn cannot use `get`; `i < len` and a u8 index
const fn table(bytes: &[u8]) -> [bool; 256] {
    let mut out = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        out[bytes[i] as usize] = true;
        i += 1;
    }
    out
}

/// Bytes at which a plain scalar in block context must stop to look closer.
pub(crate) static PLAIN_BLOCK_STOP: [bool; 256] = table(b" \t\r\n:");

/// Bytes at which a plain scalar in flow context must stop to look closer.
/// go-yaml v2 (like libyaml) also ends plain scalars at `?` inside flow collections.
pub(crate) static PLAIN_FLOW_STOP: [bool; 256] = table(b" \t\r\n:,[]{}?");

/// Whether the lookup table is `true` for `byte`.
#[inline]
#[allow(clippy::indexing_slicing)] // a u8 always indexes a 256-entry table
pub(crate) fn in_table(table: &[bool; 256], byte: u8) -> bool {
    table[usize::from(byte)]
}

/// Whether `byte` is a space, tab, line break or the end of the input.
#[inline]
pub(crate) fn is_blankz(byte: Option<u8>) -> bool {
    matches!(byte, None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

/// Whether `byte` is a line break or the end of the input.
#[inline]
pub(crate) fn is_breakz(byte: Option<u8>) -> bool {
    matches!(byte, None | Some(b'\n' | b'\r'))
}

/// Whether `byte` may be part of an anchor or alias name (go-yaml v2 allows only
/// ASCII letters, digits, `_` and `-`).
#[inline]
pub(crate) fn is_anchor_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

/// A cheap test that is `true` for every byte that can start a forbidden character:
/// C0 controls other than tab and line breaks, DEL, and the lead bytes of C1 controls
/// (`0xC2`) and of U+FFFE/U+FFFF (`0xEF`). Branch-free so that it vectorises.
#[inline]
fn suspicious(byte: u8) -> bool {
    let control = (byte < 0x20) & (byte != b'\t') & (byte != b'\n') & (byte != b'\r');
    control | (byte == 0x7F) | (byte == 0xC2) | (byte == 0xEF)
}

/// Returns the offset of the first character that YAML does not allow in a stream
/// (go-yaml v2's reader accepts tab, line breaks, printable ASCII, U+0085, U+00A0..U+D7FF,
/// U+E000..U+FFFD and U+10000 and above).
pub(crate) fn find_forbidden(bytes: &[u8]) -> Option<usize> {
    const CHUNK: usize = 64;
    let mut chunks = bytes.chunks_exact(CHUNK);
    let mut base = 0;
    for chunk in &mut chunks {
        let flagged = chunk
            .iter()
            .fold(0u8, |acc, &byte| acc | u8::from(suspicious(byte)))
            != 0;
        if flagged {
            if let Some(found) = find_forbidden_slow(bytes, base, chunk) {
                return Some(found);
            }
        }
        base += CHUNK;
    }
    find_forbidden_slow(bytes, base, chunks.remainder())
}

/// Checks every byte of `chunk`, which starts at `base` in `bytes`.
fn find_forbidden_slow(bytes: &[u8], base: usize, chunk: &[u8]) -> Option<usize> {
    chunk
        .iter()
        .enumerate()
        .find(|&(i, &byte)| suspicious(byte) && is_forbidden_at(bytes, base + i))
        .map(|(i, _)| base + i)
}

fn is_forbidden_at(bytes: &[u8], offset: usize) -> bool {
    let next = |n: usize| bytes.get(offset + n).copied();
    match bytes.get(offset) {
        Some(0xC2) => matches!(next(1), Some(0x80..=0x84 | 0x86..=0x9F)),
        Some(0xEF) => next(1) == Some(0xBF) && matches!(next(2), Some(0xBE | 0xBF)),
        Some(_) => true,
        None => false,
    }
}

/// Counts line feeds; written so that the compiler vectorises it (byte-sized counters
/// over blocks of 255 bytes cannot overflow).
pub(crate) fn count_newlines(bytes: &[u8]) -> usize {
    let mut blocks = bytes.chunks_exact(255);
    let mut total = 0;
    for block in &mut blocks {
        let count = block.iter().fold(0u8, |count, &byte| {
            count.wrapping_add(u8::from(byte == b'\n'))
        });
        total += usize::from(count);
    }
    total
        + blocks
            .remainder()
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count()
}

/// The 1-based line and column (in characters) of `offset`, given that `from` is on
/// line `from_line`. `offset` must not be before `from`.
pub(crate) fn line_column(
    bytes: &[u8],
    from: usize,
    from_line: usize,
    offset: usize,
) -> (usize, usize) {
    let offset = offset.min(bytes.len());
    let from = from.min(offset);
    let line = from_line + count_newlines(bytes.get(from..offset).unwrap_or_default());
    let line_start = bytes
        .get(..offset)
        .unwrap_or_default()
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |newline| newline + 1);
    let column = bytes
        .get(line_start..offset)
        .unwrap_or_default()
        .iter()
        .filter(|&&byte| byte & 0xC0 != 0x80)
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters() {
        assert_eq!(find_forbidden(b"a: b\n\tc\r\n"), None);
        assert_eq!(find_forbidden(b"a: \x00"), Some(3));
        assert_eq!(find_forbidden(b"a: \x7f"), Some(3));
        assert_eq!(find_forbidden(b"a: \x1b[0m"), Some(3));
        assert_eq!(find_forbidden("a: \u{85}".as_bytes()), None);
        assert_eq!(find_forbidden("a: \u{a0}\u{a9}".as_bytes()), None);
        assert_eq!(find_forbidden("a: \u{9f}".as_bytes()), Some(3));
        assert_eq!(find_forbidden("a: \u{fffe}".as_bytes()), Some(3));
        assert_eq!(find_forbidden("a: \u{feff}\u{fffd}😀".as_bytes()), None);
        let long = format!("{}\u{1}", "x".repeat(100));
        assert_eq!(find_forbidden(long.as_bytes()), Some(100));
    }

    #[test]
    fn positions_count_characters() {
        let text = "a: 1\nbé: ü\n";
        let offset = text.find('ü').unwrap();
        assert_eq!(line_column(text.as_bytes(), 0, 1, offset), (2, 5));
        assert_eq!(line_column(text.as_bytes(), 5, 2, 5), (2, 1));
        assert_eq!(line_column(text.as_bytes(), 0, 1, 0), (1, 1));
    }
}
