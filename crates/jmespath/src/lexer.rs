//! Splits an expression into tokens, as go-jmespath's lexer does.

use serde_json::Value;

use crate::error::{Error, Result};

/// A token kind; names print as go-jmespath's (`tNumber`) for its error messages.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A lone `=`.
    Unknown,
    Star,
    Dot,
    /// `[?`
    Filter,
    /// `[]`
    Flatten,
    Lparen,
    Rparen,
    Lbracket,
    Rbracket,
    Lbrace,
    Rbrace,
    /// `||`
    Or,
    Pipe,
    /// An optional `-` and digits, kept as text.
    Number(String),
    UnquotedIdentifier(String),
    QuotedIdentifier(String),
    Comma,
    Colon,
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
    Ne,
    /// The text between backticks, with `` \` `` unescaped.
    JsonLiteral(String),
    /// A `'raw string'`.
    StringLiteral(String),
    /// `@`
    Current,
    /// `&`
    Expref,
    /// `&&`
    And,
    /// `!`
    Not,
    Eof,
}

impl Tok {
    /// go-jmespath's name for the token kind.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Tok::Unknown => "tUnknown",
            Tok::Star => "tStar",
            Tok::Dot => "tDot",
            Tok::Filter => "tFilter",
            Tok::Flatten => "tFlatten",
            Tok::Lparen => "tLparen",
            Tok::Rparen => "tRparen",
            Tok::Lbracket => "tLbracket",
            Tok::Rbracket => "tRbracket",
            Tok::Lbrace => "tLbrace",
            Tok::Rbrace => "tRbrace",
            Tok::Or => "tOr",
            Tok::Pipe => "tPipe",
            Tok::Number(_) => "tNumber",
            Tok::UnquotedIdentifier(_) => "tUnquotedIdentifier",
            Tok::QuotedIdentifier(_) => "tQuotedIdentifier",
            Tok::Comma => "tComma",
            Tok::Colon => "tColon",
            Tok::Lt => "tLT",
            Tok::Lte => "tLTE",
            Tok::Gt => "tGT",
            Tok::Gte => "tGTE",
            Tok::Eq => "tEQ",
            Tok::Ne => "tNE",
            Tok::JsonLiteral(_) => "tJSONLiteral",
            Tok::StringLiteral(_) => "tStringLiteral",
            Tok::Current => "tCurrent",
            Tok::Expref => "tExpref",
            Tok::And => "tAnd",
            Tok::Not => "tNot",
            Tok::Eof => "tEOF",
        }
    }
}

/// A token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) offset: usize,
}

fn syntax(message: impl Into<String>, offset: usize) -> Error {
    Error::Parse {
        message: message.into(),
        offset,
    }
}

/// Tokenizes `text`; the last token is always [`Tok::Eof`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = 0;
    while let Some(c) = text.get(pos..).and_then(|rest| rest.chars().next()) {
        let start = pos;
        let width = c.len_utf8();
        let next = bytes.get(pos + width).copied();
        let single = |tok| (tok, width);
        let (tok, len) = match c {
            ' ' | '\t' | '\n' | '\r' => {
                pos += width;
                continue;
            }
            'a'..='z' | 'A'..='Z' | '_' => {
                let len = bytes
                    .get(pos..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                let name = text.get(pos..pos + len).unwrap_or_default().to_owned();
                (Tok::UnquotedIdentifier(name), len)
            }
            '.' => single(Tok::Dot),
            '*' => single(Tok::Star),
            ',' => single(Tok::Comma),
            ':' => single(Tok::Colon),
            '{' => single(Tok::Lbrace),
            '}' => single(Tok::Rbrace),
            ']' => single(Tok::Rbracket),
            '(' => single(Tok::Lparen),
            ')' => single(Tok::Rparen),
            '@' => single(Tok::Current),
            '-' | '0'..='9' => {
                let digits = bytes
                    .get(pos + 1..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let len = 1 + digits;
                let number = text.get(pos..pos + len).unwrap_or_default().to_owned();
                (Tok::Number(number), len)
            }
            '[' => match next {
                Some(b'?') => (Tok::Filter, 2),
                Some(b']') => (Tok::Flatten, 2),
                _ => single(Tok::Lbracket),
            },
            '"' => {
                let (raw, len) = delimited(text, pos, '"')?;
                let decoded: String = serde_json::from_str(&format!("\"{raw}\""))
                    .map_err(|e| syntax(format!("invalid quoted identifier: {e}"), start))?;
                (Tok::QuotedIdentifier(decoded), len)
            }
            '\'' => {
                let (raw, len) = delimited(text, pos, '\'')?;
                (Tok::StringLiteral(raw.replace("\\'", "'")), len)
            }
            '`' => {
                let (raw, len) = delimited(text, pos, '`')?;
                (Tok::JsonLiteral(raw.replace("\\`", "`")), len)
            }
            '|' => two(next, b'|', Tok::Or, Tok::Pipe),
            '<' => two(next, b'=', Tok::Lte, Tok::Lt),
            '>' => two(next, b'=', Tok::Gte, Tok::Gt),
            '!' => two(next, b'=', Tok::Ne, Tok::Not),
            '=' => two(next, b'=', Tok::Eq, Tok::Unknown),
            '&' => two(next, b'&', Tok::And, Tok::Expref),
            other => {
                return Err(syntax(
                    format!("Unknown char: {}", quote_rune_ascii(other)),
                    start,
                ))
            }
        };
        tokens.push(Token { tok, offset: start });
        pos += len;
    }
    tokens.push(Token {
        tok: Tok::Eof,
        offset: text.len(),
    });
    Ok(tokens)
}

fn two(next: Option<u8>, second: u8, matched: Tok, single: Tok) -> (Tok, usize) {
    if next == Some(second) {
        (matched, 2)
    } else {
        (single, 1)
    }
}

/// The raw text between the delimiter at `start` and the next unescaped one, and the length
/// consumed including both delimiters. A backslash always skips the character after it.
fn delimited(text: &str, start: usize, delimiter: char) -> Result<(&str, usize)> {
    let body_start = start + delimiter.len_utf8();
    let body = text.get(body_start..).unwrap_or_default();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == delimiter {
            let raw = body.get(..i).unwrap_or_default();
            return Ok((raw, i + 2 * delimiter.len_utf8()));
        }
    }
    Err(syntax(
        format!("Unclosed delimiter: {delimiter}"),
        text.len(),
    ))
}

/// Go's `strconv.QuoteRuneToASCII`.
pub(crate) fn quote_rune_ascii(c: char) -> String {
    let inner = match c {
        '\x07' => "\\a".to_owned(),
        '\x08' => "\\b".to_owned(),
        '\x0c' => "\\f".to_owned(),
        '\n' => "\\n".to_owned(),
        '\r' => "\\r".to_owned(),
        '\t' => "\\t".to_owned(),
        '\x0b' => "\\v".to_owned(),
        '\\' => "\\\\".to_owned(),
        '\'' => "\\'".to_owned(),
        c if (' '..='~').contains(&c) => c.to_string(),
        c if (c as u32) < 0x80 => format!("\\x{:02x}", c as u32),
        c if (c as u32) <= 0xffff => format!("\\u{:04x}", c as u32),
        c => format!("\\U{:08x}", c as u32),
    };
    format!("'{inner}'")
}

/// Parses the text of a JSON literal as go-jmespath does (`json.Unmarshal`).
pub(crate) fn parse_json_literal(raw: &str, offset: usize) -> Result<Value> {
    serde_json::from_str(raw).map_err(|e| syntax(format!("invalid JSON literal: {e}"), offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        tokenize(text).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn tokens() {
        assert_eq!(
            kinds("foo.bar[0]"),
            [
                Tok::UnquotedIdentifier("foo".into()),
                Tok::Dot,
                Tok::UnquotedIdentifier("bar".into()),
                Tok::Lbracket,
                Tok::Number("0".into()),
                Tok::Rbracket,
                Tok::Eof
            ]
        );
        assert_eq!(
            kinds("a || b && !c != d == e <= f < g >= h > i | j [?k] [] &l = m"),
            [
                Tok::UnquotedIdentifier("a".into()),
                Tok::Or,
                Tok::UnquotedIdentifier("b".into()),
                Tok::And,
                Tok::Not,
                Tok::UnquotedIdentifier("c".into()),
                Tok::Ne,
                Tok::UnquotedIdentifier("d".into()),
                Tok::Eq,
                Tok::UnquotedIdentifier("e".into()),
                Tok::Lte,
                Tok::UnquotedIdentifier("f".into()),
                Tok::Lt,
                Tok::UnquotedIdentifier("g".into()),
                Tok::Gte,
                Tok::UnquotedIdentifier("h".into()),
                Tok::Gt,
                Tok::UnquotedIdentifier("i".into()),
                Tok::Pipe,
                Tok::UnquotedIdentifier("j".into()),
                Tok::Filter,
                Tok::UnquotedIdentifier("k".into()),
                Tok::Rbracket,
                Tok::Flatten,
                Tok::Expref,
                Tok::UnquotedIdentifier("l".into()),
                Tok::Unknown,
                Tok::UnquotedIdentifier("m".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn literals() {
        assert_eq!(
            kinds(r#""a\"b" 'it\'s' `"x\`"` -12"#),
            [
                Tok::QuotedIdentifier("a\"b".into()),
                Tok::StringLiteral("it's".into()),
                Tok::JsonLiteral("\"x`\"".into()),
                Tok::Number("-12".into()),
                Tok::Eof
            ]
        );
        assert_eq!(
            kinds(r"'a\\b'"),
            [Tok::StringLiteral(r"a\\b".into()), Tok::Eof]
        );
    }

    #[test]
    fn errors_have_positions() {
        match tokenize("a.b/c") {
            Err(Error::Parse { message, offset }) => {
                assert_eq!(message, "Unknown char: '/'");
                assert_eq!(offset, 3);
            }
            other => panic!("{other:?}"),
        }
        match tokenize("foo.`bar") {
            Err(Error::Parse { message, offset }) => {
                assert_eq!(message, "Unclosed delimiter: `");
                assert_eq!(offset, 8);
            }
            other => panic!("{other:?}"),
        }
        assert!(tokenize("'abc").is_err());
        assert!(tokenize("\"abc").is_err());
        assert!(tokenize(r#""\x""#).is_err());
        assert_eq!(quote_rune_ascii('é'), "'\\u00e9'");
        assert_eq!(quote_rune_ascii('\0'), "'\\x00'");
    }
}
