//! SARIF 2.1.0, for code-scanning UIs: one result per fail, warn or error finding, located at
//! the file and line of the resource.

use crate::{Result, Sink};
use kanon_core::{Evaluation, Verdict};
use serde_json::{json, Map, Value};
use std::io::Write;

/// Collects findings and writes one SARIF log. Results are kept as their final text (pretty
/// JSON, indented for their place in the log), which is far smaller than JSON values.
pub struct SarifSink<'w> {
    out: &'w mut dyn Write,
    tool_version: String,
    rules: Vec<String>,
    results: Vec<String>,
}

/// Indentation of a result inside `runs[0].results`.
const RESULT_INDENT: &str = "        ";

impl<'w> SarifSink<'w> {
    /// A sink writing to `out`; `tool_version` is kanon's version.
    pub fn new(out: &'w mut dyn Write, tool_version: &str) -> Self {
        SarifSink {
            out,
            tool_version: tool_version.to_owned(),
            rules: Vec::new(),
            results: Vec::new(),
        }
    }

    fn rule_index(&mut self, id: String) -> usize {
        match self.rules.iter().position(|r| *r == id) {
            Some(index) => index,
            None => {
                self.rules.push(id);
                self.rules.len() - 1
            }
        }
    }

    /// The SARIF log without its results.
    fn frame(&self) -> Value {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|id| {
                let (policy, rule) = id.split_once('/').unwrap_or((id, ""));
                json!({
                    "id": id,
                    "name": id,
                    "shortDescription": {"text": format!("rule {rule} of policy {policy}")},
                })
            })
            .collect();
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "kanon",
                    "version": self.tool_version,
                    "informationUri": "https://github.com/kanon-dev/kanon",
                    "rules": rules,
                }},
                "results": [],
            }],
        })
    }
}

/// A relative URI for a file path: forward slashes, with characters that URIs reserve
/// percent-encoded.
pub fn path_to_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

impl Sink for SarifSink<'_> {
    fn add(&mut self, evaluation: Evaluation) -> Result<()> {
        for finding in &evaluation.findings {
            let level = match finding.verdict {
                Verdict::Fail | Verdict::Error => "error",
                Verdict::Warn => "warning",
                Verdict::Pass | Verdict::Skip => continue,
            };
            let rule_id = format!("{}/{}", finding.policy, finding.rule);
            let rule_index = self.rule_index(rule_id.clone());
            let mut location = Map::new();
            if let Some(origin) = &evaluation.origin {
                location.insert(
                    "physicalLocation".into(),
                    json!({
                        "artifactLocation": {"uri": path_to_uri(&origin.source)},
                        "region": {"startLine": origin.line},
                    }),
                );
            }
            location.insert(
                "logicalLocations".into(),
                json!([{"name": evaluation.resource.to_string(), "kind": "resource"}]),
            );
            let mut properties: Map<String, Value> = finding
                .properties
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
                .collect();
            properties.insert("result".into(), finding.verdict.as_str().into());
            if let Some(severity) = finding.severity {
                properties.insert("severity".into(), severity.as_str().into());
            }
            let result = json!({
                "ruleId": rule_id,
                "ruleIndex": rule_index,
                "level": level,
                "message": {"text": finding.message},
                "locations": [Value::Object(location)],
                "properties": properties,
            });
            let text = serde_json::to_string_pretty(&result).map_err(crate::Error::Json)?;
            let mut indented = String::with_capacity(text.len() + 256);
            for (index, line) in text.lines().enumerate() {
                if index > 0 {
                    indented.push('\n');
                }
                indented.push_str(RESULT_INDENT);
                indented.push_str(line);
            }
            self.results.push(indented);
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<()> {
        let frame = serde_json::to_string_pretty(&self.frame()).map_err(crate::Error::Json)?;
        let (head, tail) = frame
            .split_once("\"results\": []")
            .unwrap_or((frame.as_str(), ""));
        self.out.write_all(head.as_bytes())?;
        if self.results.is_empty() {
            self.out.write_all(b"\"results\": []")?;
        } else {
            self.out.write_all(b"\"results\": [\n")?;
            for (index, result) in self.results.iter().enumerate() {
                if index > 0 {
                    self.out.write_all(b",\n")?;
                }
                self.out.write_all(result.as_bytes())?;
            }
            self.out.write_all(b"\n      ]")?;
        }
        self.out.write_all(tail.as_bytes())?;
        self.out.write_all(b"\n")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_valid_json_with_every_result() {
        use kanon_core::{Finding, ResourceRef, Verdict};
        let mut out = Vec::new();
        let mut sink = SarifSink::new(&mut out, "0.0.0");
        for name in ["a", "b"] {
            sink.add(Evaluation {
                resource: ResourceRef {
                    kind: "Pod".into(),
                    name: name.into(),
                    ..Default::default()
                },
                origin: None,
                findings: vec![Finding::new(
                    "p".into(),
                    "r".into(),
                    Verdict::Fail,
                    format!("bad {name}"),
                )],
            })
            .unwrap();
        }
        Box::new(sink).finish().unwrap();
        let log: Value = serde_json::from_slice(&out).unwrap();
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        assert_eq!(results[1]["message"]["text"], "bad b");
        assert_eq!(log["runs"][0]["tool"]["driver"]["rules"][0]["id"], "p/r");
    }

    #[test]
    fn paths_become_relative_uris() {
        assert_eq!(
            path_to_uri("dir\\my app/pod #1.yaml"),
            "dir/my%20app/pod%20%231.yaml"
        );
    }
}
