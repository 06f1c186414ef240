//! Kyverno policies as a kanon [`Policy`]: findings for `kanon apply` and the webhook.

use crate::evaluate::{NoValues, PolicyInput, RuleStatus, Session, UserContext};
use crate::exceptions::PolicyException;
use crate::matching::RequestUser;
use crate::policy::KyvernoPolicy;
use crate::testing::TestValues;
use kanon_core::{EvalContext, Finding, Labels, Policy, Severity, Verdict};
use serde_json::Value;
use std::sync::Arc;

/// Every Kyverno policy loaded, with the exceptions in force.
#[derive(Debug, Clone, Default)]
pub struct KyvernoPolicySet {
    policies: Vec<KyvernoPolicy>,
    exceptions: Vec<PolicyException>,
    names: Vec<Arc<str>>,
    /// Offline answers for variables, context entries and API calls (`--values`).
    values: Option<Arc<TestValues>>,
    /// The requester for every request, offline (`--userinfo`).
    user: Option<UserContext>,
    /// Parameter objects of `validate.cel` rules.
    params: Vec<Value>,
    /// `(group, kind)` selectors of every rule (wildcards kept), for [`Policy::may_match`].
    kind_selectors: Vec<(String, String)>,
    /// Some rule matches without naming kinds, or a policy is invalid (errors for all).
    any_kind: bool,
}

/// The pod controllers Kyverno's autogen writes rules for.
const POD_CONTROLLERS: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("", "ReplicationController"),
];

impl KyvernoPolicySet {
    /// A set of compiled policies and exceptions.
    pub fn new(policies: Vec<KyvernoPolicy>, exceptions: Vec<PolicyException>) -> Self {
        let names = policies.iter().map(|p| Arc::from(p.key())).collect();
        let mut kind_selectors = Vec::new();
        let mut any_kind = false;
        for policy in &policies {
            any_kind |= policy.invalid.is_some();
            for rule in policy.rules.iter().chain(policy.autogen.values().flatten()) {
                let kinds = rule.match_.kinds();
                any_kind |= kinds.is_empty();
                for selector in kinds {
                    let (group, _, kind, _) = crate::matching::parse_kind_selector(selector);
                    kind_selectors.push((group.to_owned(), kind.to_owned()));
                }
            }
        }
        KyvernoPolicySet {
            policies,
            exceptions,
            names,
            values: None,
            user: None,
            params: Vec::new(),
            kind_selectors,
            any_kind,
        }
    }

    /// Parameter objects for `validate.cel` rules with `paramKind`/`paramRef`.
    #[must_use]
    pub fn with_params(mut self, params: Vec<Value>) -> Self {
        self.params = params;
        self
    }

    /// Answers variables, context entries and API calls from a values document, as
    /// `kyverno apply --values-file` does.
    #[must_use]
    pub fn with_values(mut self, values: TestValues) -> Self {
        self.values = Some(Arc::new(values));
        self
    }

    /// Evaluates every request as made by this user (with these roles), as
    /// `kyverno apply --userinfo` does.
    #[must_use]
    pub fn with_user(mut self, user: UserContext) -> Self {
        self.user = Some(user);
        self
    }

    /// The policies.
    pub fn policies(&self) -> &[KyvernoPolicy] {
        &self.policies
    }

    /// Whether the set holds no policy.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }
}

fn finding_for(
    policy: &KyvernoPolicy,
    name: &Arc<str>,
    rule: &str,
    status: RuleStatus,
    message: String,
    enforce: bool,
) -> Finding {
    let verdict = match status {
        RuleStatus::Pass => Verdict::Pass,
        RuleStatus::Fail if enforce && !policy.unscored() => Verdict::Fail,
        RuleStatus::Fail | RuleStatus::Warn => Verdict::Warn,
        RuleStatus::Error => Verdict::Error,
        RuleStatus::Skip => Verdict::Skip,
    };
    let mut finding = Finding::new(Arc::clone(name), Arc::from(rule), verdict, message);
    finding.scored = !policy.unscored();
    finding.severity = policy
        .annotations
        .get("policies.kyverno.io/severity")
        .and_then(|s| Severity::parse(s));
    finding.category = policy
        .annotations
        .get("policies.kyverno.io/category")
        .map(|c| Arc::from(c.as_str()));
    finding
        .with_property("engine", "kyverno".to_owned())
        .with_property(
            "action",
            if enforce { "enforce" } else { "audit" }.to_owned(),
        )
}

impl Policy for KyvernoPolicySet {
    fn name(&self) -> &str {
        "kyverno"
    }

    fn may_match(&self, group: &str, kind: &str) -> bool {
        let selected = |group: &str, kind: &str| {
            self.kind_selectors.iter().any(|(g, k)| {
                crate::wildcard::matches(g, group) && crate::wildcard::matches(k, kind)
            })
        };
        // Pod rules reach pod controllers through autogen.
        self.any_kind
            || selected(group, kind)
            || (POD_CONTROLLERS.contains(&(group, kind)) && selected("", "Pod"))
    }

    fn evaluate(&self, ctx: &EvalContext<'_>, out: &mut Vec<Finding>) {
        let request = ctx.request;
        let null = Value::Null;
        let object = request.object.as_ref().unwrap_or(&null);
        let old_object = request.old_object.as_ref().unwrap_or(&null);
        let empty = Labels::new();
        let from_request =
            (self.user.is_none() && !request.user_info.username.is_empty()).then(|| UserContext {
                user: RequestUser {
                    username: request.user_info.username.clone(),
                    groups: request.user_info.groups.clone(),
                    roles: Vec::new(),
                    cluster_roles: Vec::new(),
                },
                user_info: serde_json::to_value(&request.user_info).unwrap_or(Value::Null),
            });
        let user = self.user.as_ref().or(from_request.as_ref());
        let input = PolicyInput {
            object,
            old_object,
            kind: &request.kind,
            subresource: request.sub_resource.as_deref().unwrap_or(""),
            operation: request.operation.as_str(),
            namespace_labels: ctx.namespace_labels.unwrap_or(&empty),
            user,
            values: match &self.values {
                Some(values) => values.as_ref(),
                None => &NoValues,
            },
            exceptions: &self.exceptions,
            params: &kanon_vap::ParamList(&self.params),
        };
        let mut session = Session::new(&input);
        for (policy, name) in self.policies.iter().zip(&self.names) {
            if let Some(reason) = &policy.invalid {
                let mut finding = Finding::new(
                    Arc::clone(name),
                    Arc::from(""),
                    Verdict::Error,
                    format!("invalid policy: {reason}"),
                );
                finding.scored = false;
                if policy.rules.iter().any(|r| {
                    r.match_
                        .kinds()
                        .iter()
                        .any(|k| k.ends_with(&request.kind.kind))
                }) {
                    out.push(finding);
                }
                continue;
            }
            for response in session.evaluate(policy) {
                let enforce = policy
                    .rules_for_kind(&request.kind.kind)
                    .into_iter()
                    .find(|r| r.name == response.rule)
                    .is_some_and(|rule| {
                        let namespace = request.namespace.as_deref().unwrap_or("");
                        policy.enforces_in(rule, namespace, ctx.namespace_labels.unwrap_or(&empty))
                    });
                out.push(finding_for(
                    policy,
                    name,
                    &response.rule,
                    response.status,
                    response.message,
                    enforce,
                ));
            }
        }
    }
}
