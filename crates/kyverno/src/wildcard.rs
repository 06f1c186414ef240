//! Kyverno's wildcard matching, shared with the JMESPath functions (`wildcard()`): `*`
//! matches any run of characters (including none), `?` exactly one character; everything
//! else is literal and case-sensitive; the whole text must match.

pub(crate) use kanon_jmespath::wildcard::{contains_wildcard, matches};
