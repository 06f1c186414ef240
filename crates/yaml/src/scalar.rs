//! Scanning scalars: plain (with line folding), single- and double-quoted (with
//! escapes), and block scalars (`|`, `>`, chomping and indentation indicators).
//!
//! Plain and quoted scalars are borrowed from the input when they need no folding or
//! unescaping. Every scanner leaves the position on the scalar's last line, before the
//! line break that follows it.

use std::borrow::Cow;

use crate::chars::{in_table, is_blankz, is_breakz, PLAIN_BLOCK_STOP, PLAIN_FLOW_STOP};
use crate::error::{ErrorKind, ParseError, ParseResult};
use crate::parser::Parser;

impl<'a> Parser<'a> {
    /// Scans the part of a plain scalar on the current line and returns where its
    /// content ends. The position is left at the byte that stopped it (after trailing
    /// blanks): a line break, a comment, `: `, or in flow context an indicator.
    pub(crate) fn plain_line(&mut self, flow: bool) -> usize {
        let stop = if flow {
            &PLAIN_FLOW_STOP
        } else {
            &PLAIN_BLOCK_STOP
        };
        let bytes = self.bytes;
        let mut i = self.pos;
        let mut end = i;
        loop {
            let rest = bytes.get(i..).unwrap_or_default();
            let run = rest
                .iter()
                .position(|&byte| in_table(stop, byte))
                .unwrap_or(rest.len());
            if run > 0 {
                i += run;
                end = i;
            }
            match bytes.get(i) {
                Some(b':') if !is_blankz(bytes.get(i + 1).copied()) => {
                    i += 1;
                    end = i;
                }
                Some(b' ' | b'\t') => {
                    let mut j = i + 1;
                    while matches!(bytes.get(j), Some(b' ' | b'\t')) {
                        j += 1;
                    }
                    i = j;
                    match bytes.get(j) {
                        None | Some(b'\n' | b'\r' | b'#') => break,
                        Some(b':') if is_blankz(bytes.get(j + 1).copied()) => break,
                        _ => {}
                    }
                }
                _ => break,
            }
        }
        self.pos = i;
        end
    }

    /// Continues a plain scalar whose first line is `start..first_end` over the
    /// following lines that are indented at least `min` (any indentation in flow
    /// context), folding line breaks.
    pub(crate) fn plain_rest(
        &mut self,
        start: usize,
        first_end: usize,
        min: usize,
        flow: bool,
    ) -> ParseResult<Cow<'a, str>> {
        let first = self.slice(start, first_end);
        if !matches!(self.peek(), Some(b'\n' | b'\r')) {
            return Ok(Cow::Borrowed(first));
        }
        let mut out: Option<String> = None;
        loop {
            let saved = (self.pos, self.line_start);
            let mut breaks = 0usize;
            let mut tabs = false;
            loop {
                match self.peek() {
                    Some(b'\n' | b'\r') => {
                        self.consume_break();
                        breaks += 1;
                    }
                    Some(b' ') => self.skip_spaces(),
                    Some(b'\t') => {
                        if !flow && self.col() < min {
                            return Err(ParseError::new(ErrorKind::Tab, self.pos));
                        }
                        tabs = true;
                        self.pos += 1;
                    }
                    _ => break,
                }
            }
            let ends = match self.peek() {
                None | Some(b'#') => true,
                Some(_) => !flow && self.col() < min,
            };
            if ends {
                if tabs || flow {
                    (self.pos, self.line_start) = saved;
                } else {
                    self.give_back(saved);
                }
                break;
            }
            let segment_start = self.pos;
            let segment_end = self.plain_line(flow);
            if segment_end == segment_start {
                (self.pos, self.line_start) = saved;
                break;
            }
            let text = out.get_or_insert_with(|| first.to_owned());
            if breaks == 1 {
                text.push(' ');
            } else {
                for _ in 1..breaks {
                    text.push('\n');
                }
            }
            text.push_str(self.slice(segment_start, segment_end));
            if !matches!(self.peek(), Some(b'\n' | b'\r')) {
                break;
            }
        }
        Ok(out.map_or(Cow::Borrowed(first), Cow::Owned))
    }

    /// Scans a single- or double-quoted scalar starting at its opening quote.
    pub(crate) fn quoted(&mut self) -> ParseResult<Cow<'a, str>> {
        let single = self.peek() == Some(b'\'');
        let quote = if single { b'\'' } else { b'"' };
        let start = self.pos;
        let content = start + 1;
        let bytes = self.bytes;
        let rest = bytes.get(content..).unwrap_or_default();
        let special = if single {
            memchr::memchr3(quote, b'\n', b'\r', rest)
        } else {
            memchr::memchr3(quote, b'\\', b'\n', rest)
        };
        let mut i = special.map_or(bytes.len(), |found| content + found);
        match bytes.get(i) {
            Some(&byte)
                if byte == quote
                    && !(single && bytes.get(i + 1) == Some(&b'\''))
                    && !self.has_cr(content, i) =>
            {
                self.pos = i + 1;
                return Ok(Cow::Borrowed(self.slice(content, i)));
            }
            Some(b'\n' | b'\r') => {
                // Blanks before a line break are folded away: let the slow path see them.
                while i > content && matches!(bytes.get(i - 1), Some(b' ' | b'\t' | b'\r')) {
                    i -= 1;
                }
            }
            _ => {}
        }
        // A carriage return before the special byte must go through the slow path.
        if let Some(cr) = bytes
            .get(content..i)
            .and_then(|head| memchr::memchr(b'\r', head))
        {
            i = content + cr;
            while i > content && matches!(bytes.get(i - 1), Some(b' ' | b'\t')) {
                i -= 1;
            }
        }
        let mut out = String::from(self.slice(content, i));
        self.pos = i;
        self.quoted_slow(start, single, &mut out)?;
        Ok(Cow::Owned(out))
    }

    /// Whether there is a carriage return between two offsets.
    fn has_cr(&self, start: usize, end: usize) -> bool {
        self.bytes
            .get(start..end)
            .is_some_and(|text| memchr::memchr(b'\r', text).is_some())
    }

    /// The general case of a quoted scalar: escapes, `''`, and line folding. Literal
    /// text is copied a segment at a time, up to the next quote, backslash or break.
    fn quoted_slow(&mut self, start: usize, single: bool, out: &mut String) -> ParseResult<()> {
        let quote = if single { b'\'' } else { b'"' };
        loop {
            let rest = self.bytes.get(self.pos..).unwrap_or_default();
            let found = if single {
                memchr::memchr3(quote, b'\n', b'\r', rest)
            } else {
                memchr::memchr3(quote, b'\\', b'\n', rest).map(|found| {
                    // A carriage return is a break too.
                    rest.get(..found)
                        .and_then(|head| memchr::memchr(b'\r', head))
                        .unwrap_or(found)
                })
            };
            let Some(found) = found else {
                return Err(ParseError::syntax("found unexpected end of stream", start));
            };
            let literal_start = out.len();
            out.push_str(self.slice(self.pos, self.pos + found));
            self.pos += found;
            match self.peek() {
                Some(byte) if byte == quote => {
                    if single && self.peek_at(1) == Some(b'\'') {
                        out.push('\'');
                        self.pos += 2;
                    } else {
                        self.pos += 1;
                        return Ok(());
                    }
                }
                Some(b'\\') => {
                    if matches!(self.peek_at(1), Some(b'\n' | b'\r')) {
                        // An escaped line break joins the lines without a space.
                        self.pos += 1;
                        self.consume_break();
                        let breaks = self.quoted_blanks();
                        for _ in 0..breaks {
                            out.push('\n');
                        }
                    } else {
                        self.escape(start, out)?;
                    }
                }
                _ => {
                    // A line break: blanks before it go, and it folds to a space
                    // unless empty lines follow, which stay as line feeds.
                    let kept = out
                        .get(literal_start..)
                        .map_or(0, |tail| tail.trim_end_matches([' ', '\t']).len());
                    out.truncate(literal_start + kept);
                    self.consume_break();
                    let breaks = self.quoted_blanks();
                    if breaks == 0 {
                        out.push(' ');
                    }
                    for _ in 0..breaks {
                        out.push('\n');
                    }
                }
            }
        }
    }

    /// Skips blanks and line breaks after a line break inside a quoted scalar and
    /// returns how many more line breaks there were.
    fn quoted_blanks(&mut self) -> usize {
        let mut breaks = 0;
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'\n' | b'\r') => {
                    self.consume_break();
                    breaks += 1;
                }
                _ => return breaks,
            }
        }
    }

    /// Decodes the escape sequence at the current backslash.
    fn escape(&mut self, start: usize, out: &mut String) -> ParseResult<()> {
        let escape_at = self.pos;
        let Some(code) = self.peek_at(1) else {
            return Err(ParseError::syntax("found unexpected end of stream", start));
        };
        self.pos += 2;
        let simple = match code {
            b'0' => '\0',
            b'a' => '\u{7}',
            b'b' => '\u{8}',
            b't' | b'\t' => '\t',
            b'n' => '\n',
            b'v' => '\u{b}',
            b'f' => '\u{c}',
            b'r' => '\r',
            b'e' => '\u{1b}',
            b' ' => ' ',
            b'"' => '"',
            b'\'' => '\'',
            b'\\' => '\\',
            b'/' => '/',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' | b'u' | b'U' => {
                let length = match code {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let digits = self
                    .bytes
                    .get(self.pos..self.pos + length)
                    .filter(|digits| digits.iter().all(u8::is_ascii_hexdigit))
                    .ok_or_else(|| {
                        ParseError::syntax("did not find expected hexdecimal number", escape_at)
                    })?;
                let value = digits.iter().fold(0u32, |value, &digit| {
                    let nibble = char::from(digit).to_digit(16).unwrap_or(0);
                    (value << 4) | nibble
                });
                self.pos += length;
                char::from_u32(value).ok_or_else(|| {
                    ParseError::syntax("found invalid Unicode character escape code", escape_at)
                })?
            }
            _ => {
                return Err(ParseError::syntax(
                    "found unknown escape character",
                    escape_at,
                ))
            }
        };
        out.push(simple);
        Ok(())
    }

    /// Scans a block scalar starting at its `|` or `>`. `min` is the smallest column of
    /// nested content, i.e. one more than the enclosing block collection's column.
    pub(crate) fn block_scalar(&mut self, min: usize) -> ParseResult<String> {
        let start = self.pos;
        let literal = self.peek() == Some(b'|');
        self.pos += 1;
        let mut chomping = 0i8;
        let mut increment = 0usize;
        for _ in 0..2 {
            match self.peek() {
                Some(b'+') if chomping == 0 => chomping = 1,
                Some(b'-') if chomping == 0 => chomping = -1,
                Some(b'0') if increment == 0 => {
                    return Err(ParseError::syntax(
                        "found an indentation indicator equal to 0",
                        start,
                    ))
                }
                Some(digit @ b'1'..=b'9') if increment == 0 => {
                    increment = usize::from(digit - b'0');
                }
                _ => break,
            }
            self.pos += 1;
        }
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        if self.peek() == Some(b'#') {
            self.skip_to_line_end();
        }
        if !is_breakz(self.peek()) {
            return self.error("did not find expected comment or line break");
        }
        let mut last_break = (self.pos, self.line_start);
        self.consume_break();

        let mut indent = match (increment, min) {
            (0, _) => 0,
            (increment, 0) => increment,
            (increment, min) => min - 1 + increment,
        };
        let mut out = String::new();
        let mut trailing = 0usize;
        self.block_breaks(&mut indent, &mut trailing, min, &mut last_break)?;
        let mut leading_break = false;
        let mut leading_blank = false;
        while self.col() == indent && self.peek().is_some() {
            let trailing_blank = matches!(self.peek(), Some(b' ' | b'\t'));
            if !literal && leading_break && !leading_blank && !trailing_blank {
                if trailing == 0 {
                    out.push(' ');
                }
            } else if leading_break {
                out.push('\n');
            }
            for _ in 0..trailing {
                out.push('\n');
            }
            trailing = 0;
            leading_blank = trailing_blank;
            let line = self.pos;
            self.skip_to_line_end();
            out.push_str(self.slice(line, self.pos));
            leading_break = false;
            if self.peek().is_some() {
                last_break = (self.pos, self.line_start);
                self.consume_break();
                leading_break = true;
            }
            self.block_breaks(&mut indent, &mut trailing, min, &mut last_break)?;
        }
        if self.peek().is_some() {
            // Only spaces and line breaks lie between the last break and here.
            self.give_back(last_break);
        }
        if chomping != -1 && leading_break {
            out.push('\n');
        }
        if chomping == 1 {
            for _ in 0..trailing {
                out.push('\n');
            }
        }
        Ok(out)
    }

    /// Skips the indentation and empty lines inside a block scalar, counting line
    /// breaks, and fixes the indentation from the first non-empty line if not known.
    fn block_breaks(
        &mut self,
        indent: &mut usize,
        trailing: &mut usize,
        min: usize,
        last_break: &mut (usize, usize),
    ) -> ParseResult<()> {
        let mut max_indent = 0;
        loop {
            while (*indent == 0 || self.col() < *indent) && self.peek() == Some(b' ') {
                self.pos += 1;
            }
            max_indent = max_indent.max(self.col());
            if (*indent == 0 || self.col() < *indent) && self.peek() == Some(b'\t') {
                return Err(ParseError::new(ErrorKind::Tab, self.pos));
            }
            if !matches!(self.peek(), Some(b'\n' | b'\r')) {
                break;
            }
            *last_break = (self.pos, self.line_start);
            self.consume_break();
            *trailing += 1;
        }
        if *indent == 0 {
            *indent = max_indent.max(min).max(1);
        }
        Ok(())
    }
}
