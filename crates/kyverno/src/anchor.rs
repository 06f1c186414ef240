//! Pattern anchors: `(key)`, `=(key)`, `^(key)`, `X(key)`, `<(key)` and `+(key)`.

/// What an anchored key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnchorKind {
    /// `(key)`: the rest of the map applies only if this matches.
    Condition,
    /// `<(key)`: the whole rule applies only if this matches.
    Global,
    /// `X(key)`: the key must be absent.
    Negation,
    /// `+(key)`: mutate only (an invalid validate pattern).
    AddIfNotPresent,
    /// `=(key)`: if present, it must match.
    Equality,
    /// `^(key)`: for a list, at least one element must match each pattern element.
    Existence,
}

/// A parsed anchored key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Anchor<'a> {
    pub(crate) kind: AnchorKind,
    pub(crate) key: &'a str,
}

impl Anchor<'_> {
    /// The anchored key as written (`=(name)`).
    pub(crate) fn render(kind: AnchorKind, key: &str) -> String {
        let prefix = match kind {
            AnchorKind::Condition => "",
            AnchorKind::Global => "<",
            AnchorKind::Negation => "X",
            AnchorKind::AddIfNotPresent => "+",
            AnchorKind::Equality => "=",
            AnchorKind::Existence => "^",
        };
        format!("{prefix}({key})")
    }
}

/// Parses an anchored key (`^([+<=X^])?\((.+)\)$` after trimming spaces), or `None`.
pub(crate) fn parse(key: &str) -> Option<Anchor<'_>> {
    let key = key.trim();
    let inner = key.strip_suffix(')')?;
    let (kind, rest) = match inner.as_bytes().first()? {
        b'(' => (AnchorKind::Condition, inner.get(1..)?),
        b'+' => (AnchorKind::AddIfNotPresent, inner.strip_prefix("+(")?),
        b'<' => (AnchorKind::Global, inner.strip_prefix("<(")?),
        b'=' => (AnchorKind::Equality, inner.strip_prefix("=(")?),
        b'X' => (AnchorKind::Negation, inner.strip_prefix("X(")?),
        b'^' => (AnchorKind::Existence, inner.strip_prefix("^(")?),
        _ => return None,
    };
    if rest.is_empty() {
        return None;
    }
    Some(Anchor { kind, key: rest })
}

/// Whether a key is anchored with one of `kinds`.
pub(crate) fn is_one_of(key: &str, kinds: &[AnchorKind]) -> bool {
    parse(key).is_some_and(|a| kinds.contains(&a.kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_parse_like_kyverno() {
        assert_eq!(
            parse("(name)"),
            Some(Anchor {
                kind: AnchorKind::Condition,
                key: "name"
            })
        );
        assert_eq!(
            parse(" =(a.b/c) ").map(|a| (a.kind, a.key)),
            Some((AnchorKind::Equality, "a.b/c"))
        );
        assert_eq!(
            parse("X(hostPath)").map(|a| a.kind),
            Some(AnchorKind::Negation)
        );
        assert_eq!(parse("<(x)").map(|a| a.kind), Some(AnchorKind::Global));
        assert_eq!(parse("^(x)").map(|a| a.kind), Some(AnchorKind::Existence));
        assert_eq!(
            parse("+(x)").map(|a| a.kind),
            Some(AnchorKind::AddIfNotPresent)
        );
        assert_eq!(parse("()"), None);
        assert_eq!(parse("name"), None);
        assert_eq!(parse("Y(x)"), None);
        assert_eq!(parse("((x))").map(|a| a.key), Some("(x)"));
    }
}
