//! Splitting a stream into documents at `---` and `...` lines, and the [`Documents`]
//! iterator that parses each one on its own, so that an error in one document does not
//! stop the others.

use crate::chars::{count_newlines, find_forbidden, is_blankz, line_column};
use crate::error::{Error, ErrorKind, Result};
use crate::parser::Parser;
use crate::{Document, Limits};

/// The byte range of one document in the stream, and the line it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) line: usize,
}

/// Finds the next line that starts with a given document marker, remembering the last
/// search so that the whole stream is scanned once per marker.
struct MarkerSearch {
    marker: &'static [u8; 3],
    /// Offset of the line feed before the next candidate line.
    candidate: Option<usize>,
    exhausted: bool,
}

impl MarkerSearch {
    const fn new(marker: &'static [u8; 3]) -> Self {
        Self {
            marker,
            candidate: None,
            exhausted: false,
        }
    }

    /// Returns the start of the first marker line whose preceding line feed is at or
    /// after `from`.
    fn find(&mut self, bytes: &[u8], mut from: usize) -> Option<usize> {
        loop {
            if let Some(newline) = self.candidate.filter(|&newline| newline >= from) {
                let line = newline + 1;
                if bytes.get(line..line + 3) == Some(self.marker)
                    && is_blankz(bytes.get(line + 3).copied())
                {
                    return Some(line);
                }
                from = newline + 1;
            }
            if self.exhausted {
                return None;
            }
            self.candidate = find_line_starting_with(bytes, from, self.marker);
            if self.candidate.is_none() {
                self.exhausted = true;
            }
        }
    }
}

/// The offset of the first line feed at or after `from` that is followed by `marker`.
fn find_line_starting_with(bytes: &[u8], from: usize, marker: &[u8; 3]) -> Option<usize> {
    let hay = bytes.get(from..)?;
    let [a, b, c] = *marker;
    memchr::memmem::find(hay, &[b'\n', a, b, c]).map(|found| from + found)
}

/// Splits a stream into document chunks.
pub(crate) struct Splitter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    dashes: MarkerSearch,
    dots: MarkerSearch,
}

impl<'a> Splitter<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let pos = if bytes.starts_with("\u{feff}".as_bytes()) {
            3
        } else {
            0
        };
        Self {
            bytes,
            pos,
            line: 1,
            dashes: MarkerSearch::new(b"---"),
            dots: MarkerSearch::new(b"..."),
        }
    }

    fn marker_at(&self, offset: usize, marker: &[u8; 3]) -> bool {
        self.bytes.get(offset..offset + 3) == Some(marker)
            && is_blankz(self.bytes.get(offset + 3).copied())
    }

    /// Where the next document starts after a `...` line at `line`: the next line, or
    /// the rest of this line if it holds more than a comment.
    fn after_document_end(&self, line: usize) -> usize {
        let mut i = line + 3;
        while matches!(self.bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        if self.bytes.get(i) == Some(&b'#') {
            while !matches!(self.bytes.get(i), None | Some(b'\n' | b'\r')) {
                i += 1;
            }
        }
        match self.bytes.get(i) {
            Some(b'\r') if self.bytes.get(i + 1) == Some(&b'\n') => i + 2,
            Some(b'\n' | b'\r') => i + 1,
            _ => i,
        }
    }
}

impl Iterator for Splitter<'_> {
    type Item = Chunk;

    fn next(&mut self) -> Option<Chunk> {
        let start = self.pos;
        if start >= self.bytes.len() {
            return None;
        }
        let (end, next) = if self.marker_at(start, b"...") {
            (start, self.after_document_end(start))
        } else {
            let from = if self.marker_at(start, b"---") {
                start + 3
            } else {
                start
            };
            let dashes = self.dashes.find(self.bytes, from);
            let dots = self.dots.find(self.bytes, from);
            match (dashes, dots) {
                (Some(dash), Some(dot)) if dot < dash => (dot, self.after_document_end(dot)),
                (None, Some(dot)) => (dot, self.after_document_end(dot)),
                (Some(dash), _) => (dash, dash),
                (None, None) => (self.bytes.len(), self.bytes.len()),
            }
        };
        let chunk = Chunk {
            start,
            end,
            line: self.line,
        };
        self.line += count_newlines(self.bytes.get(start..next).unwrap_or_default());
        // Every branch above moves forward: markers are searched after `start`.
        self.pos = next.max(start + 1);
        Some(chunk)
    }
}

/// The text of one document of a stream, before parsing (see [`split`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawDocument<'a> {
    /// The document's text, including its `---` marker line if it has one.
    pub text: &'a str,
    /// 1-based line of the stream where the text starts.
    pub line: usize,
}

/// Splits a stream at its document markers without parsing anything, for callers that
/// only want to parse some documents (e.g. those that mention a kind). Empty chunks are
/// included; [`documents`](crate::documents) of a chunk's text parses it.
pub fn split(text: &str) -> impl Iterator<Item = RawDocument<'_>> {
    Splitter::new(text).map(move |chunk| RawDocument {
        text: text.get(chunk.start..chunk.end).unwrap_or_default(),
        line: chunk.line,
    })
}

/// Iterator over the documents of a stream, made by [`crate::documents`].
///
/// Yields `Ok(Document)` or `Err(Error)` for each non-empty document; an error in one
/// document does not stop the following ones.
pub struct Documents<'a> {
    text: &'a str,
    limits: Limits,
    splitter: Splitter<'a>,
    parser: Parser<'a>,
    index: usize,
}

impl<'a> Documents<'a> {
    pub(crate) fn new(text: &'a str, limits: &Limits) -> Self {
        Self {
            text,
            limits: *limits,
            splitter: Splitter::new(text),
            parser: Parser::new(limits),
            index: 0,
        }
    }

    fn error(&self, kind: ErrorKind, chunk: Chunk, offset: usize) -> Error {
        let (line, column) = line_column(self.text.as_bytes(), chunk.start, chunk.line, offset);
        Error {
            kind,
            line,
            column,
            document: self.index,
        }
    }

    /// Parses one chunk; `None` if it holds no document.
    fn parse_chunk(&mut self, chunk: Chunk) -> Option<Result<Document>> {
        let bytes = self.text.as_bytes();
        let content = bytes.get(chunk.start..chunk.end).unwrap_or_default();
        let size = content.len();
        if size > self.limits.max_document_bytes {
            let first = first_content(content)?;
            self.index += 1;
            let kind = ErrorKind::DocumentTooLarge {
                bytes: size,
                limit: self.limits.max_document_bytes,
            };
            return Some(Err(self.error(kind, chunk, chunk.start + first)));
        }
        if let Some(bad) = find_forbidden(content) {
            self.index += 1;
            let kind = ErrorKind::syntax("control characters are not allowed");
            return Some(Err(self.error(kind, chunk, chunk.start + bad)));
        }
        self.parser
            .reset(self.text, chunk.start, chunk.end, chunk.line);
        match self.parser.document() {
            Ok(None) => None,
            Ok(Some((value, first))) => {
                self.index += 1;
                let (line, _) = line_column(bytes, chunk.start, chunk.line, first);
                Some(Ok(Document {
                    value,
                    index: self.index,
                    line,
                }))
            }
            Err(error) => {
                self.index += 1;
                Some(Err(self.error(error.kind, chunk, error.offset)))
            }
        }
    }
}

impl std::fmt::Debug for Documents<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Documents")
            .field("limits", &self.limits)
            .field("documents_so_far", &self.index)
            .finish_non_exhaustive()
    }
}

impl std::iter::FusedIterator for Documents<'_> {}

impl Iterator for Documents<'_> {
    type Item = Result<Document>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let chunk = self.splitter.next()?;
            if let Some(item) = self.parse_chunk(chunk) {
                return Some(item);
            }
        }
    }
}

/// The offset of the first byte of content in a chunk, skipping blanks, comments,
/// directives and the `---` marker; `None` if there is none.
fn first_content(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    let mut line_start = true;
    loop {
        match bytes.get(i)? {
            b' ' | b'\t' => i += 1,
            b'\n' | b'\r' => {
                i += 1;
                line_start = true;
                continue;
            }
            b'#' => {
                while !matches!(bytes.get(i), None | Some(b'\n' | b'\r')) {
                    i += 1;
                }
            }
            b'%' if line_start && (i == 0 || matches!(bytes.get(i - 1), Some(b'\n' | b'\r'))) => {
                while !matches!(bytes.get(i), None | Some(b'\n' | b'\r')) {
                    i += 1;
                }
            }
            b'-' if i == 0 && bytes.starts_with(b"---") && is_blankz(bytes.get(3).copied()) => {
                i += 3;
            }
            _ => return Some(i),
        }
        line_start = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str) -> Vec<(&str, usize)> {
        Splitter::new(text)
            .map(|chunk| (text.get(chunk.start..chunk.end).unwrap(), chunk.line))
            .collect()
    }

    #[test]
    fn raw_documents_keep_their_text_and_line() {
        let raw: Vec<_> = split("a: 1\n---\nb: 2\n").collect();
        assert_eq!(
            raw,
            [
                RawDocument {
                    text: "a: 1\n",
                    line: 1
                },
                RawDocument {
                    text: "---\nb: 2\n",
                    line: 2
                }
            ]
        );
    }

    #[test]
    fn splits_on_markers_at_line_start() {
        assert_eq!(
            chunks("a: 1\n---\nb: 2\n--- c\n"),
            vec![("a: 1\n", 1), ("---\nb: 2\n", 2), ("--- c\n", 4)]
        );
        assert_eq!(chunks("---\na\n"), vec![("---\na\n", 1)]);
        assert_eq!(
            chunks("a: '---'\n ---\n----\n"),
            vec![("a: '---'\n ---\n----\n", 1)]
        );
        assert_eq!(chunks("a\n...\nb\n"), vec![("a\n", 1), ("b\n", 3)]);
        assert_eq!(
            chunks("a\n... # end\n---\nb"),
            vec![("a\n", 1), ("---\nb", 3)]
        );
        assert_eq!(chunks("...\na"), vec![("", 1), ("a", 2)]);
        assert_eq!(chunks("a\r\n---\r\nb"), vec![("a\r\n", 1), ("---\r\nb", 2)]);
        assert_eq!(chunks("\u{feff}a"), vec![("a", 1)]);
        assert_eq!(chunks("---"), vec![("---", 1)]);
        assert_eq!(chunks("a\n---\t\nb"), vec![("a\n", 1), ("---\t\nb", 2)]);
    }

    #[test]
    fn first_content_skips_noise() {
        assert_eq!(first_content(b"--- # x\n\n  a"), Some(11));
        assert_eq!(first_content(b"%YAML 1.1\n# only\n"), None);
        assert_eq!(first_content(b"  \n\t# c\n"), None);
        assert_eq!(first_content(b"x"), Some(0));
    }
}
