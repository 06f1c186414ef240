//! A reader for the subset of the protocol buffer text format that cel-spec's test files use.

/// A field value.
#[derive(Debug, Clone)]
pub(crate) enum Field {
    Str(Vec<u8>),
    Number(String),
    Ident(String),
    Message(Message),
}

impl Field {
    pub(crate) fn as_ident(&self) -> Option<&str> {
        match self {
            Field::Ident(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_number(&self) -> Option<&str> {
        match self {
            Field::Number(s) => Some(s),
            _ => None,
        }
    }
}

/// A message: fields in order, names repeated for repeated fields.
#[derive(Debug, Clone, Default)]
pub(crate) struct Message {
    pub(crate) fields: Vec<(String, Field)>,
}

impl Message {
    pub(crate) fn get(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }

    pub(crate) fn string(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Field::Str(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
            _ => None,
        }
    }

    pub(crate) fn bool(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Field::Ident(s)) if s == "true")
    }

    pub(crate) fn message(&self, name: &str) -> Option<&Message> {
        match self.get(name)? {
            Field::Message(m) => Some(m),
            _ => None,
        }
    }

    pub(crate) fn messages<'m>(&'m self, name: &'m str) -> impl Iterator<Item = &'m Message> + 'm {
        self.fields.iter().filter_map(move |(n, f)| match f {
            Field::Message(m) if n == name => Some(m),
            _ => None,
        })
    }
}

pub(crate) fn parse(text: &str) -> Result<Message, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let message = p.message(None)?;
    p.skip();
    if p.i < p.s.len() {
        return Err(format!("trailing input at byte {}", p.i));
    }
    Ok(message)
}

struct Parser<'s> {
    s: &'s [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_ascii_whitespace() {
                self.i += 1;
            } else if c == b'#' {
                while self.peek().is_some_and(|c| c != b'\n') {
                    self.i += 1;
                }
            } else {
                break;
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        {
            self.i += 1;
        }
        if start == self.i {
            return Err(format!("expected a name at byte {}", self.i));
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn message(&mut self, close: Option<u8>) -> Result<Message, String> {
        let mut message = Message::default();
        loop {
            self.skip();
            match self.peek() {
                None if close.is_none() => return Ok(message),
                None => return Err("unterminated message".into()),
                Some(c) if Some(c) == close => {
                    self.i += 1;
                    return Ok(message);
                }
                _ => {}
            }
            let name = if self.peek() == Some(b'[') {
                // An extension or Any type URL: `[type.googleapis.com/x]`.
                let start = self.i;
                while self.peek().is_some_and(|c| c != b']') {
                    self.i += 1;
                }
                self.i += 1;
                String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
            } else {
                self.name()?
            };
            self.skip();
            let mut colon = false;
            if self.peek() == Some(b':') {
                self.i += 1;
                colon = true;
                self.skip();
            }
            match self.peek() {
                Some(b'{') => {
                    self.i += 1;
                    let m = self.message(Some(b'}'))?;
                    message.fields.push((name, Field::Message(m)));
                }
                Some(b'<') => {
                    self.i += 1;
                    let m = self.message(Some(b'>'))?;
                    message.fields.push((name, Field::Message(m)));
                }
                Some(b'[') if colon => {
                    self.i += 1;
                    loop {
                        self.skip();
                        if self.peek() == Some(b']') {
                            self.i += 1;
                            break;
                        }
                        let value = self.scalar_or_message()?;
                        message.fields.push((name.clone(), value));
                        self.skip();
                        if self.peek() == Some(b',') {
                            self.i += 1;
                        }
                    }
                }
                _ => {
                    let value = self.scalar_or_message()?;
                    message.fields.push((name, value));
                }
            }
            self.skip();
            if matches!(self.peek(), Some(b',' | b';')) {
                self.i += 1;
            }
        }
    }

    fn scalar_or_message(&mut self) -> Result<Field, String> {
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                Ok(Field::Message(self.message(Some(b'}'))?))
            }
            Some(b'"' | b'\'') => {
                let mut bytes = Vec::new();
                while matches!(self.peek(), Some(b'"' | b'\'')) {
                    bytes.extend(self.string()?);
                    self.skip();
                }
                Ok(Field::Str(bytes))
            }
            Some(c) if c == b'-' || c == b'.' || c.is_ascii_digit() => {
                let start = self.i;
                self.i += 1;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-'))
                {
                    self.i += 1;
                }
                let text = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                if text
                    .chars()
                    .any(|c| c.is_ascii_alphabetic() && !matches!(c, 'e' | 'E' | 'x' | 'X'))
                    && !text
                        .chars()
                        .skip(1)
                        .all(|c| c.is_ascii_hexdigit() || c == 'x')
                {
                    return Ok(Field::Ident(text));
                }
                Ok(Field::Number(
                    text.trim_end_matches(['u', 'f', 'F']).to_string(),
                ))
            }
            _ => Ok(Field::Ident(self.name()?)),
        }
    }

    fn string(&mut self) -> Result<Vec<u8>, String> {
        let quote = self.peek().ok_or("expected a string")?;
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = self.peek().ok_or("unterminated string")?;
            self.i += 1;
            if c == quote {
                return Ok(out);
            }
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let e = self.peek().ok_or("unterminated escape")?;
            self.i += 1;
            match e {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'v' => out.push(11),
                b'\\' | b'\'' | b'"' | b'?' => out.push(e),
                b'x' | b'X' => {
                    let mut v = 0u32;
                    let mut n = 0;
                    while n < 2 && self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                        v = v * 16 + (self.peek().unwrap() as char).to_digit(16).unwrap();
                        self.i += 1;
                        n += 1;
                    }
                    out.push(v as u8);
                }
                b'u' | b'U' => {
                    let n = if e == b'u' { 4 } else { 8 };
                    let hex = std::str::from_utf8(&self.s[self.i..self.i + n])
                        .map_err(|e| e.to_string())?;
                    self.i += n;
                    let c =
                        char::from_u32(u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?)
                            .ok_or("bad code point")?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                b'0'..=b'7' => {
                    let mut v = u32::from(e - b'0');
                    let mut n = 1;
                    while n < 3 && self.peek().is_some_and(|c| (b'0'..=b'7').contains(&c)) {
                        v = v * 8 + u32::from(self.peek().unwrap() - b'0');
                        self.i += 1;
                        n += 1;
                    }
                    out.push(v as u8);
                }
                other => return Err(format!("unknown escape \\{}", other as char)),
            }
        }
    }
}
