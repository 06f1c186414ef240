//! Counts of findings per verdict.

use kanon_core::{Evaluation, Verdict};
use std::fmt;

/// How many findings had each verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Passed.
    pub pass: u64,
    /// Failed.
    pub fail: u64,
    /// Warned.
    pub warn: u64,
    /// Could not be evaluated.
    pub error: u64,
    /// Skipped.
    pub skip: u64,
}

impl Summary {
    /// Counts one verdict.
    pub fn count(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Warn => self.warn += 1,
            Verdict::Error => self.error += 1,
            Verdict::Skip => self.skip += 1,
        }
    }

    /// Counts every finding of an evaluation.
    pub fn add(&mut self, evaluation: &Evaluation) {
        for finding in &evaluation.findings {
            self.count(finding.verdict);
        }
    }

    /// The count of a verdict.
    pub fn get(&self, verdict: Verdict) -> u64 {
        match verdict {
            Verdict::Pass => self.pass,
            Verdict::Fail => self.fail,
            Verdict::Warn => self.warn,
            Verdict::Error => self.error,
            Verdict::Skip => self.skip,
        }
    }

    /// Total number of findings.
    pub fn total(&self) -> u64 {
        self.pass + self.fail + self.warn + self.error + self.skip
    }

    /// The summary as the Policy Report API writes it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "pass": self.pass, "fail": self.fail, "warn": self.warn,
            "error": self.error, "skip": self.skip,
        })
    }
}

impl fmt::Display for Summary {
    /// `pass: N, fail: N, warn: N, error: N, skip: N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pass: {}, fail: {}, warn: {}, error: {}, skip: {}",
            self.pass, self.fail, self.warn, self.error, self.skip
        )
    }
}
