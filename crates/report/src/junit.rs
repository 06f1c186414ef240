//! JUnit XML for CI: one test suite per resource, one test case per rule. Failures are
//! `<failure>`, evaluation errors `<error>`, skips `<skipped>`; warnings pass with the message
//! in `<system-out>`.

use crate::{Result, Sink, Summary};
use kanon_core::{Evaluation, Verdict};
use std::fmt::Write as _;
use std::io::Write;

/// Collects findings and writes one JUnit document.
pub struct JunitSink<'w> {
    out: &'w mut dyn Write,
    suites: String,
    summary: Summary,
}

impl<'w> JunitSink<'w> {
    /// A sink writing to `out`.
    pub fn new(out: &'w mut dyn Write) -> Self {
        JunitSink {
            out,
            suites: String::new(),
            summary: Summary::default(),
        }
    }
}

/// Escapes text for XML attributes and content; characters XML 1.0 cannot hold become `?`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

impl Sink for JunitSink<'_> {
    fn add(&mut self, evaluation: Evaluation) -> Result<()> {
        if evaluation.findings.is_empty() {
            return Ok(());
        }
        let mut suite = Summary::default();
        suite.add(&evaluation);
        self.summary.add(&evaluation);
        let name = escape(&evaluation.resource.to_string());
        let file = evaluation
            .origin
            .as_ref()
            .map(|o| format!(" file=\"{}\"", escape(&o.source)))
            .unwrap_or_default();
        let _ = writeln!(
            self.suites,
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"{file}>",
            suite.total(),
            suite.fail,
            suite.error,
            suite.skip
        );
        for finding in &evaluation.findings {
            let case = escape(&format!("{}/{}", finding.policy, finding.rule));
            let message = escape(&finding.message);
            let _ = write!(
                self.suites,
                "    <testcase name=\"{case}\" classname=\"{name}\"{file}>"
            );
            match finding.verdict {
                Verdict::Pass => {}
                Verdict::Fail => {
                    let _ = write!(
                        self.suites,
                        "<failure message=\"{message}\" type=\"fail\">{message}</failure>"
                    );
                }
                Verdict::Error => {
                    let _ = write!(
                        self.suites,
                        "<error message=\"{message}\" type=\"error\">{message}</error>"
                    );
                }
                Verdict::Skip => {
                    let _ = write!(self.suites, "<skipped message=\"{message}\"/>");
                }
                Verdict::Warn => {
                    let _ = write!(self.suites, "<system-out>WARN: {message}</system-out>");
                }
            }
            let _ = writeln!(self.suites, "</testcase>");
        }
        let _ = writeln!(self.suites, "  </testsuite>");
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<()> {
        writeln!(self.out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(
            self.out,
            "<testsuites name=\"kanon\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            self.summary.total(),
            self.summary.fail,
            self.summary.error,
            self.summary.skip
        )?;
        self.out.write_all(self.suites.as_bytes())?;
        writeln!(self.out, "</testsuites>")?;
        Ok(())
    }
}
