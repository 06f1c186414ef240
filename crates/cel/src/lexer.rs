//! Splits CEL source into tokens: CEL's lexical grammar (cel-spec `langdef.md`, cel-go's
//! `CEL.g4`), with string and bytes literals unescaped as cel-go's `unescape` does.

/// A token kind; literals carry their text or value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// Decimal or `0x` hexadecimal digits of an `int` literal, without sign.
    Int(String),
    /// The digits of a `uint` literal (`u` suffix removed).
    Uint(String),
    /// A `double` literal's text.
    Double(String),
    Str(String),
    Bytes(Vec<u8>),
    Ident(String),
    /// A backquoted field name, e.g. `` `a.b` ``.
    EscIdent(String),
    True,
    False,
    Null,
    In,
    Eq,
    Ne,
    Lt,
    Le,
    Ge,
    Gt,
    And,
    Or,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Dot,
    Comma,
    Minus,
    Bang,
    Question,
    Colon,
    Plus,
    Star,
    Slash,
    Percent,
    Eof,
}

impl Tok {
    /// How the token reads in error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Int(s) | Tok::Double(s) => s.clone(),
            Tok::Uint(s) => format!("{s}u"),
            Tok::Str(_) => "string literal".into(),
            Tok::Bytes(_) => "bytes literal".into(),
            Tok::Ident(s) => s.clone(),
            Tok::EscIdent(s) => format!("`{s}`"),
            Tok::Eof => "<EOF>".into(),
            other => other.symbol().into(),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::True => "true",
            Tok::False => "false",
            Tok::Null => "null",
            Tok::In => "in",
            Tok::Eq => "==",
            Tok::Ne => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Ge => ">=",
            Tok::Gt => ">",
            Tok::And => "&&",
            Tok::Or => "||",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::Dot => ".",
            Tok::Comma => ",",
            Tok::Minus => "-",
            Tok::Bang => "!",
            Tok::Question => "?",
            Tok::Colon => ":",
            Tok::Plus => "+",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            _ => "",
        }
    }
}

/// A token and its byte offset in the source.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) pos: usize,
}

/// A lexical error: message and byte offset.
pub(crate) struct LexError {
    pub(crate) message: String,
    pub(crate) pos: usize,
}

/// Splits the whole source into tokens, ending with [`Tok::Eof`].
pub(crate) fn tokenize(source: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer {
        src: source.as_bytes(),
        text: source,
        pos: 0,
    };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next()?;
        let end = token.tok == Tok::Eof;
        tokens.push(token);
        if end {
            return Ok(tokens);
        }
    }
}

struct Lexer<'s> {
    src: &'s [u8],
    text: &'s str,
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    fn error(&self, pos: usize, message: impl Into<String>) -> LexError {
        LexError {
            message: message.into(),
            pos,
        }
    }

    fn skip_space(&mut self) {
        loop {
            match self.peek(0) {
                Some(b' ' | b'\t' | b'\r' | b'\n' | 0x0c) => self.pos += 1,
                Some(b'/') if self.peek(1) == Some(b'/') => {
                    while let Some(c) = self.peek(0) {
                        if c == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn next(&mut self) -> Result<Token, LexError> {
        self.skip_space();
        let start = self.pos;
        let Some(c) = self.peek(0) else {
            return Ok(Token {
                tok: Tok::Eof,
                pos: start,
            });
        };
        let two = |lexer: &mut Self, tok: Tok| {
            lexer.pos += 2;
            tok
        };
        let one = |lexer: &mut Self, tok: Tok| {
            lexer.pos += 1;
            tok
        };
        let next = self.peek(1);
        let tok = match c {
            b'=' if next == Some(b'=') => two(self, Tok::Eq),
            b'!' if next == Some(b'=') => two(self, Tok::Ne),
            b'<' if next == Some(b'=') => two(self, Tok::Le),
            b'>' if next == Some(b'=') => two(self, Tok::Ge),
            b'&' if next == Some(b'&') => two(self, Tok::And),
            b'|' if next == Some(b'|') => two(self, Tok::Or),
            b'<' => one(self, Tok::Lt),
            b'>' => one(self, Tok::Gt),
            b'!' => one(self, Tok::Bang),
            b'[' => one(self, Tok::LBracket),
            b']' => one(self, Tok::RBracket),
            b'{' => one(self, Tok::LBrace),
            b'}' => one(self, Tok::RBrace),
            b'(' => one(self, Tok::LParen),
            b')' => one(self, Tok::RParen),
            b',' => one(self, Tok::Comma),
            b'-' => one(self, Tok::Minus),
            b'?' => one(self, Tok::Question),
            b':' => one(self, Tok::Colon),
            b'+' => one(self, Tok::Plus),
            b'*' => one(self, Tok::Star),
            b'/' => one(self, Tok::Slash),
            b'%' => one(self, Tok::Percent),
            b'.' if next.is_some_and(|d| d.is_ascii_digit()) => self.number()?,
            b'.' => one(self, Tok::Dot),
            b'0'..=b'9' => self.number()?,
            b'"' | b'\'' => self.string(false, false)?,
            b'`' => self.escaped_ident()?,
            b'r' | b'R' | b'b' | b'B' if self.string_prefix().is_some() => {
                let (raw, bytes, len) = self.string_prefix().unwrap_or((false, false, 0));
                self.pos += len;
                self.string(raw, bytes)?
            }
            c if c == b'_' || c.is_ascii_alphabetic() => {
                while self
                    .peek(0)
                    .is_some_and(|c| c == b'_' || c.is_ascii_alphanumeric())
                {
                    self.pos += 1;
                }
                let word = self.text.get(start..self.pos).unwrap_or("");
                match word {
                    "true" => Tok::True,
                    "false" => Tok::False,
                    "null" => Tok::Null,
                    "in" => Tok::In,
                    _ => Tok::Ident(word.to_string()),
                }
            }
            _ => {
                let ch = self.text.get(start..).and_then(|s| s.chars().next());
                return Err(self.error(
                    start,
                    format!(
                        "Syntax error: token recognition error at: '{}'",
                        ch.unwrap_or('?')
                    ),
                ));
            }
        };
        Ok(Token { tok, pos: start })
    }

    /// `(raw, bytes, prefix length)` when a string literal with a prefix starts here.
    fn string_prefix(&self) -> Option<(bool, bool, usize)> {
        let a = self.peek(0)?.to_ascii_lowercase();
        let b = self.peek(1)?;
        let quote = |c: u8| c == b'"' || c == b'\'';
        if quote(b) {
            return Some((a == b'r', a == b'b', 1));
        }
        let c = self.peek(2)?;
        let b = b.to_ascii_lowercase();
        if quote(c) && ((a == b'r' && b == b'b') || (a == b'b' && b == b'r')) {
            return Some((true, true, 2));
        }
        None
    }

    fn escaped_ident(&mut self) -> Result<Tok, LexError> {
        let start = self.pos;
        self.pos += 1;
        let body_start = self.pos;
        while let Some(c) = self.peek(0) {
            if c == b'`' {
                let body = self.text.get(body_start..self.pos).unwrap_or("");
                self.pos += 1;
                let valid = !body.is_empty()
                    && body.bytes().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'/' | b' ')
                    });
                if !valid {
                    return Err(self.error(start, "Syntax error: invalid quoted field name"));
                }
                return Ok(Tok::EscIdent(body.to_string()));
            }
            self.pos += 1;
        }
        Err(self.error(start, "Syntax error: token recognition error at: '`'"))
    }

    fn digits(&mut self, hex: bool) -> usize {
        let start = self.pos;
        while self.peek(0).is_some_and(|c| {
            if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
        }) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Tok, LexError> {
        let start = self.pos;
        if self.peek(0) == Some(b'0')
            && matches!(self.peek(1), Some(b'x' | b'X'))
            && self.peek(2).is_some_and(|c| c.is_ascii_hexdigit())
        {
            self.pos += 2;
            self.digits(true);
            let text = self.text.get(start..self.pos).unwrap_or("").to_string();
            if matches!(self.peek(0), Some(b'u' | b'U')) {
                self.pos += 1;
                return Ok(Tok::Uint(text));
            }
            return Ok(Tok::Int(text));
        }
        self.digits(false);
        let mut is_double = false;
        if self.peek(0) == Some(b'.') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            self.digits(false);
            is_double = true;
        }
        if matches!(self.peek(0), Some(b'e' | b'E')) {
            let save = self.pos;
            self.pos += 1;
            if matches!(self.peek(0), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits(false) == 0 {
                self.pos = save;
            } else {
                is_double = true;
            }
        }
        let text = self.text.get(start..self.pos).unwrap_or("").to_string();
        if is_double {
            return Ok(Tok::Double(text));
        }
        if matches!(self.peek(0), Some(b'u' | b'U')) {
            self.pos += 1;
            return Ok(Tok::Uint(text));
        }
        Ok(Tok::Int(text))
    }

    fn string(&mut self, raw: bool, bytes: bool) -> Result<Tok, LexError> {
        let start = self.pos;
        let quote = self.peek(0).unwrap_or(b'"');
        let triple = self.peek(1) == Some(quote) && self.peek(2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        let body_start = self.pos;
        let body_end;
        loop {
            let Some(c) = self.peek(0) else {
                return Err(self.error(
                    start,
                    "Syntax error: token recognition error at: unterminated string",
                ));
            };
            if c == b'\\' && !raw {
                self.pos += 2;
                continue;
            }
            if c == quote {
                if !triple {
                    body_end = self.pos;
                    self.pos += 1;
                    break;
                }
                if self.peek(1) == Some(quote) && self.peek(2) == Some(quote) {
                    body_end = self.pos;
                    self.pos += 3;
                    break;
                }
            }
            if !triple && (c == b'\n' || c == b'\r') {
                return Err(self.error(
                    start,
                    "Syntax error: token recognition error at: newline in string",
                ));
            }
            self.pos += 1;
        }
        let body = self
            .text
            .get(body_start..body_end.min(self.src.len()))
            .unwrap_or("");
        let body = body.replace("\r\n", "\n").replace('\r', "\n");
        let decoded = if raw {
            body.into_bytes()
        } else {
            unescape(&body, bytes)
                .map_err(|message| self.error(start, format!("Syntax error: {message}")))?
        };
        if bytes {
            return Ok(Tok::Bytes(decoded));
        }
        String::from_utf8(decoded)
            .map(Tok::Str)
            .map_err(|_| self.error(start, "Syntax error: invalid UTF-8 in string literal"))
    }
}

/// Processes escape sequences; for bytes, `\x` and octal escapes are raw octets.
fn unescape(body: &str, bytes: bool) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    let push_char = |out: &mut Vec<u8>, c: char| {
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    };
    let fail = || "unable to unescape string".to_string();
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            push_char(&mut out, c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err("unable to unescape string, found '\\' as last character".into());
        };
        let simple = match e {
            'a' => Some(0x07),
            'b' => Some(0x08),
            'f' => Some(0x0c),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(0x0b),
            '\\' => Some(b'\\'),
            '\'' => Some(b'\''),
            '"' => Some(b'"'),
            '`' => Some(b'`'),
            '?' => Some(b'?'),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        let mut take_hex = |n: usize| -> Result<u32, String> {
            let mut v = 0u32;
            for _ in 0..n {
                let (_, h) = chars.next().ok_or_else(fail)?;
                v = v * 16 + h.to_digit(16).ok_or_else(fail)?;
            }
            Ok(v)
        };
        match e {
            'x' | 'X' => {
                let v = take_hex(2)?;
                if bytes {
                    out.push(v as u8);
                } else {
                    push_char(&mut out, char::from_u32(v).ok_or_else(fail)?);
                }
            }
            'u' | 'U' => {
                if bytes {
                    return Err(fail());
                }
                let v = take_hex(if e == 'u' { 4 } else { 8 })?;
                let c =
                    char::from_u32(v).ok_or_else(|| "invalid unicode code point".to_string())?;
                push_char(&mut out, c);
            }
            '0'..='3' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    let (_, d) = chars
                        .next()
                        .ok_or_else(|| "unable to unescape octal sequence in string".to_string())?;
                    let d = d
                        .to_digit(8)
                        .ok_or_else(|| "unable to unescape octal sequence in string".to_string())?;
                    v = v * 8 + d;
                }
                if bytes {
                    out.push(v as u8);
                } else {
                    push_char(&mut out, char::from_u32(v).ok_or_else(fail)?);
                }
            }
            _ => return Err(fail()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(source: &str) -> Vec<Tok> {
        match tokenize(source) {
            Ok(tokens) => tokens.into_iter().map(|t| t.tok).collect(),
            Err(e) => panic!("{}", e.message),
        }
    }

    #[test]
    fn literals() {
        assert_eq!(
            toks("1 2u 0x1F 1.5 1e3 .5"),
            vec![
                Tok::Int("1".into()),
                Tok::Uint("2".into()),
                Tok::Int("0x1F".into()),
                Tok::Double("1.5".into()),
                Tok::Double("1e3".into()),
                Tok::Double(".5".into()),
                Tok::Eof
            ]
        );
        assert_eq!(
            toks(r#"'a\n' r'a\n'"#),
            vec![Tok::Str("a\n".into()), Tok::Str("a\\n".into()), Tok::Eof]
        );
        assert_eq!(
            toks(r#"b'\377' b"ÿ""#),
            vec![Tok::Bytes(vec![255]), Tok::Bytes(vec![195, 191]), Tok::Eof]
        );
        assert_eq!(toks(r#""\377""#), vec![Tok::Str("ÿ".into()), Tok::Eof]);
        assert_eq!(
            toks("'''a'b\nc'''"),
            vec![Tok::Str("a'b\nc".into()), Tok::Eof]
        );
        assert_eq!(
            toks("a.`b-c`"),
            vec![
                Tok::Ident("a".into()),
                Tok::Dot,
                Tok::EscIdent("b-c".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn bad_escapes_fail() {
        assert!(tokenize(r"'\s'").is_err());
        assert!(tokenize(r"'\uD83D'").is_err());
        assert!(tokenize(r"b'\u00ff'").is_err());
        assert!(tokenize("'a\nb'").is_err());
    }
}
