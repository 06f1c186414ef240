//! A one-line progress indicator on standard error, for long runs on a terminal.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Counts work done and redraws a status line at most every 250 ms.
pub(crate) struct Progress {
    enabled: bool,
    started: Instant,
    last_draw: Instant,
    total_files: usize,
    files: usize,
    documents: usize,
    drawn: bool,
}

impl Progress {
    /// Progress for `total_files` inputs of `total_bytes`; shown only when standard error is a
    /// terminal and the input is large enough to be worth it.
    pub(crate) fn new(total_files: usize, total_bytes: u64) -> Self {
        let now = Instant::now();
        Progress {
            enabled: std::io::stderr().is_terminal() && (total_files > 50 || total_bytes > 8 << 20),
            started: now,
            last_draw: now,
            total_files,
            files: 0,
            documents: 0,
            drawn: false,
        }
    }

    /// One input finished with `documents` documents.
    pub(crate) fn file_done(&mut self, documents: usize) {
        self.files += 1;
        self.documents += documents;
    }

    /// Redraws if due.
    pub(crate) fn tick(&mut self) {
        if !self.enabled || self.last_draw.elapsed() < Duration::from_millis(250) {
            return;
        }
        self.last_draw = Instant::now();
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-9);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[Kkanon: {}/{} files, {} documents, {:.0} documents/s",
            self.files,
            self.total_files,
            self.documents,
            self.documents as f64 / elapsed
        );
        let _ = err.flush();
        self.drawn = true;
    }

    /// Clears the line before normal output continues.
    pub(crate) fn finish(&mut self) {
        if self.drawn {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
            self.drawn = false;
        }
    }
}
