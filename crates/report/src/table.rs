//! The human-readable output: findings grouped by resource, then a summary line.
//!
//! ```text
//! Deployment default/web (deploy.yaml:1)
//!   FAIL  pod-security  baseline:latest    violates PodSecurity "baseline:latest": ...
//!   WARN  pod-security  restricted:latest  would violate PodSecurity "restricted:latest": ...
//!
//! pass: 3, fail: 1, warn: 1, error: 0, skip: 0
//! ```

use crate::{Result, Sink, Summary};
use kanon_core::{Evaluation, Verdict};
use std::io::Write;

/// Options of the table.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableOptions {
    /// Colour verdicts with ANSI escapes.
    pub color: bool,
    /// Also list passing results (and resources with nothing but passes).
    pub show_passing: bool,
}

/// Streams findings as a table grouped by resource.
pub struct TableSink<'w> {
    out: &'w mut dyn Write,
    options: TableOptions,
    summary: Summary,
    wrote_any: bool,
}

impl<'w> TableSink<'w> {
    /// A table writing to `out`.
    pub fn new(out: &'w mut dyn Write, options: TableOptions) -> Self {
        TableSink {
            out,
            options,
            summary: Summary::default(),
            wrote_any: false,
        }
    }

    fn label(&self, verdict: Verdict) -> String {
        let text = match verdict {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Warn => "WARN",
            Verdict::Error => "ERROR",
            Verdict::Skip => "SKIP",
        };
        if !self.options.color {
            return format!("{text:<5}");
        }
        let code = match verdict {
            Verdict::Pass => "32",
            Verdict::Fail => "1;31",
            Verdict::Warn => "33",
            Verdict::Error => "1;35",
            Verdict::Skip => "2",
        };
        format!("\x1b[{code}m{text:<5}\x1b[0m")
    }
}

impl Sink for TableSink<'_> {
    fn add(&mut self, evaluation: Evaluation) -> Result<()> {
        self.summary.add(&evaluation);
        let shown: Vec<_> = evaluation
            .findings
            .iter()
            .filter(|f| self.options.show_passing || f.verdict != Verdict::Pass)
            .collect();
        if shown.is_empty() {
            return Ok(());
        }
        let mut header = evaluation.resource.to_string();
        if let Some(origin) = &evaluation.origin {
            header.push_str(&format!(" ({}:{})", origin.source, origin.line));
        }
        if self.options.color {
            header = format!("\x1b[1m{header}\x1b[0m");
        }
        writeln!(self.out, "{header}")?;
        let policy_width = shown.iter().map(|f| f.policy.len()).max().unwrap_or(0);
        let rule_width = shown.iter().map(|f| f.rule.len()).max().unwrap_or(0);
        for finding in shown {
            writeln!(
                self.out,
                "  {}  {:<pw$}  {:<rw$}  {}",
                self.label(finding.verdict),
                finding.policy,
                finding.rule,
                finding.message,
                pw = policy_width,
                rw = rule_width,
            )?;
        }
        self.wrote_any = true;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<()> {
        if self.wrote_any {
            writeln!(self.out)?;
        }
        writeln!(self.out, "{}", self.summary)?;
        Ok(())
    }
}
