//! Kubernetes label selectors (`matchLabels` + `matchExpressions`), with the API server's
//! semantics: every requirement must hold; `In`/`NotIn` need values; `NotIn` and
//! `DoesNotExist` hold when the label is absent.

use crate::policy::Labels;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A label selector. An empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// Labels that must be equal.
    #[serde(default)]
    pub match_labels: Option<BTreeMap<String, String>>,
    /// Set-based requirements.
    #[serde(default)]
    pub match_expressions: Option<Vec<LabelSelectorRequirement>>,
}

/// One `matchExpressions` requirement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct LabelSelectorRequirement {
    /// Label key.
    #[serde(default)]
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    #[serde(default)]
    pub operator: String,
    /// Values for `In` and `NotIn`.
    #[serde(default)]
    pub values: Option<Vec<String>>,
}

impl LabelSelector {
    /// Whether the selector has no requirement at all (it then matches everything).
    pub fn is_empty(&self) -> bool {
        self.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
            && self.match_expressions.as_ref().is_none_or(Vec::is_empty)
    }

    /// Whether `labels` satisfy the selector. `Err` names a malformed requirement, worded
    /// as the API server's validation words it.
    pub fn matches(&self, labels: &Labels) -> Result<bool, String> {
        for (key, value) in self.match_labels.iter().flatten() {
            if labels.get(key) != Some(value) {
                return Ok(false);
            }
        }
        for requirement in self.match_expressions.iter().flatten() {
            if !requirement.matches(labels)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl LabelSelectorRequirement {
    /// Whether `labels` satisfy this requirement.
    pub fn matches(&self, labels: &Labels) -> Result<bool, String> {
        let values = self.values.as_deref().unwrap_or_default();
        let present = labels.get(&self.key);
        let need_values = || {
            if values.is_empty() {
                Err(format!(
                    "values: Invalid value: {values:?}: for 'in', 'notin' operators, values set can't be empty"
                ))
            } else {
                Ok(())
            }
        };
        Ok(match self.operator.as_str() {
            "In" => {
                need_values()?;
                present.is_some_and(|v| values.contains(v))
            }
            "NotIn" => {
                need_values()?;
                present.is_none_or(|v| !values.contains(v))
            }
            "Exists" => present.is_some(),
            "DoesNotExist" => present.is_none(),
            other => return Err(format!("{other:?} is not a valid label selector operator")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn selector(value: serde_json::Value) -> LabelSelector {
        serde_json::from_value(value).unwrap()
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_requirement_must_hold() {
        let s = selector(json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "staging"]},
                {"key": "debug", "operator": "DoesNotExist"},
                {"key": "tier", "operator": "NotIn", "values": ["db"]}
            ]
        }));
        assert_eq!(
            s.matches(&labels(&[("app", "web"), ("env", "prod")])),
            Ok(true)
        );
        assert_eq!(
            s.matches(&labels(&[("app", "web"), ("env", "dev")])),
            Ok(false)
        );
        assert_eq!(
            s.matches(&labels(&[("app", "web"), ("env", "prod"), ("debug", "1")])),
            Ok(false)
        );
        assert_eq!(
            s.matches(&labels(&[("app", "web"), ("env", "prod"), ("tier", "db")])),
            Ok(false)
        );
        assert!(LabelSelector::default().is_empty());
        assert_eq!(LabelSelector::default().matches(&Labels::new()), Ok(true));
    }

    #[test]
    fn malformed_requirements_are_errors() {
        let s = selector(json!({"matchExpressions": [{"key": "a", "operator": "In"}]}));
        assert!(s
            .matches(&Labels::new())
            .unwrap_err()
            .contains("can't be empty"));
        let s = selector(json!({"matchExpressions": [{"key": "a", "operator": "Gt"}]}));
        assert!(s.matches(&Labels::new()).is_err());
    }
}
