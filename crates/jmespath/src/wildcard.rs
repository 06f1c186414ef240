//! Kyverno's wildcard matching (`ext/wildcard`, go-wildcard v1.0.3): `*` matches any run of
//! characters (including none, and across `/`), `?` exactly one character; everything else
//! is literal and case-sensitive, and the whole text must match.

/// Whether `text` matches `pattern`. An empty pattern matches only empty text.
///
/// ```
/// use kanon_jmespath::wildcard::matches;
/// assert!(matches("prefix-*", "prefix-foo"));
/// assert!(matches("a?c", "abc"));
/// assert!(!matches("a?c", "ac"));
/// assert!(matches("*", ""));
/// ```
pub fn matches(pattern: &str, text: &str) -> bool {
    if !contains_wildcard(pattern) {
        return pattern == text;
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    // Greedy matching that backtracks only to the last `*`: linear in practice, and
    // equivalent to the recursive definition.
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some('?') => {
                p += 1;
                t += 1;
            }
            Some(c) if text.get(t) == Some(c) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .unwrap_or_default()
        .iter()
        .all(|c| *c == '*')
}

/// Whether `text` holds a wildcard character (`*` or `?`).
pub fn contains_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recursive definition go-wildcard uses, as an oracle.
    fn reference(pattern: &[char], text: &[char]) -> bool {
        match pattern.split_first() {
            None => text.is_empty(),
            Some(('*', rest)) => {
                reference(rest, text) || (!text.is_empty() && reference(pattern, &text[1..]))
            }
            Some(('?', rest)) => !text.is_empty() && reference(rest, &text[1..]),
            Some((c, rest)) => text.first() == Some(c) && reference(rest, &text[1..]),
        }
    }

    #[test]
    fn examples() {
        assert!(matches("", ""));
        assert!(!matches("", "a"));
        assert!(matches("*", "anything/at/all"));
        assert!(matches("*.example.com", "a.b.example.com"));
        assert!(!matches("*.example.com", "example.com"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("??", "éa"));
        assert!(!matches("A", "a"));
        assert!(matches("a**", "a"));
    }

    #[test]
    fn agrees_with_the_recursive_definition() {
        let alphabet = ['a', 'b', '*', '?'];
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for _ in 0..5000 {
            let pattern: Vec<char> = (0..next() % 6).map(|_| alphabet[next() % 4]).collect();
            let text: Vec<char> = (0..next() % 6).map(|_| alphabet[next() % 2]).collect();
            let p: String = pattern.iter().collect();
            let t: String = text.iter().collect();
            let expected = if p.is_empty() {
                t.is_empty()
            } else {
                reference(&pattern, &text)
            };
            assert_eq!(matches(&p, &t), expected, "{p:?} {t:?}");
        }
    }
}
