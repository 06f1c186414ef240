//! AdmissionReview in and out: `admission.k8s.io/v1` and `v1beta1`, as the API server sends
//! and expects them.

use crate::error::{Error, Result};
use base64::Engine as _;
use kanon_core::AdmissionRequest;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The AdmissionReview versions kanon answers; the response uses the request's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewVersion {
    /// `admission.k8s.io/v1`.
    V1,
    /// `admission.k8s.io/v1beta1`.
    V1beta1,
}

impl ReviewVersion {
    /// The `apiVersion` string.
    pub fn api_version(self) -> &'static str {
        match self {
            ReviewVersion::V1 => "admission.k8s.io/v1",
            ReviewVersion::V1beta1 => "admission.k8s.io/v1beta1",
        }
    }
}

/// A parsed AdmissionReview request.
#[derive(Debug, Clone)]
pub struct Review {
    /// The version it came in.
    pub version: ReviewVersion,
    /// The request.
    pub request: AdmissionRequest,
}

/// Parses an AdmissionReview body. Errors say what is wrong (for an HTTP 400).
pub fn parse_review(body: &[u8]) -> Result<Review> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Error::BadReview(format!("the body is not JSON: {e}")))?;
    let Value::Object(mut map) = value else {
        return Err(Error::BadReview("the body is not a JSON object".into()));
    };
    let text = |key: &str| map.get(key).and_then(Value::as_str).unwrap_or("");
    let version = match text("apiVersion") {
        "admission.k8s.io/v1" => ReviewVersion::V1,
        "admission.k8s.io/v1beta1" => ReviewVersion::V1beta1,
        other => {
            return Err(Error::BadReview(format!(
                "apiVersion {other:?} is not admission.k8s.io/v1 or admission.k8s.io/v1beta1"
            )))
        }
    };
    if text("kind") != "AdmissionReview" {
        return Err(Error::BadReview(format!(
            "kind {:?} is not AdmissionReview",
            text("kind")
        )));
    }
    // Taken out of the review, not copied: it holds the whole object.
    let Some(request) = map.remove("request").filter(Value::is_object) else {
        return Err(Error::BadReview(
            "the AdmissionReview has no request object".into(),
        ));
    };
    let request: AdmissionRequest =
        serde_json::from_value(request).map_err(|e| Error::BadReview(format!("request: {e}")))?;
    if request.uid.is_empty() {
        return Err(Error::BadReview("request.uid is empty".into()));
    }
    if request.kind.kind.is_empty() {
        return Err(Error::BadReview("request.kind.kind is empty".into()));
    }
    Ok(Review { version, request })
}

/// What kanon answers to one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    /// Whether the request is admitted.
    pub allowed: bool,
    /// Why not (with `allowed: false`): the status message.
    pub message: Option<String>,
    /// HTTP-like status code of a denial (403).
    pub code: Option<u16>,
    /// Warnings shown to the client (`kubectl` prints them).
    pub warnings: Vec<String>,
    /// Audit annotations recorded with the request in the audit log.
    pub audit_annotations: BTreeMap<String, String>,
    /// An RFC 6902 JSON Patch (as JSON), for `/mutate`.
    pub patch: Option<Value>,
}

impl Response {
    /// An allowing response with nothing to say.
    pub fn allow() -> Self {
        Response {
            allowed: true,
            ..Response::default()
        }
    }
}

/// The AdmissionReview that answers request `uid` in `version`.
pub fn review_response(version: ReviewVersion, uid: &str, response: &Response) -> Value {
    let mut body = Map::new();
    body.insert("uid".into(), json!(uid));
    body.insert("allowed".into(), json!(response.allowed));
    if !response.allowed {
        let code = response.code.unwrap_or(403);
        body.insert(
            "status".into(),
            json!({
                "metadata": {},
                "status": "Failure",
                "message": response.message.clone().unwrap_or_default(),
                "reason": if code == 403 { "Forbidden" } else { "BadRequest" },
                "code": code,
            }),
        );
    }
    if !response.warnings.is_empty() {
        body.insert("warnings".into(), json!(response.warnings));
    }
    if !response.audit_annotations.is_empty() {
        body.insert("auditAnnotations".into(), json!(response.audit_annotations));
    }
    if let Some(patch) = &response.patch {
        let bytes = serde_json::to_vec(patch).unwrap_or_default();
        body.insert("patchType".into(), json!("JSONPatch"));
        body.insert(
            "patch".into(),
            json!(base64::engine::general_purpose::STANDARD.encode(bytes)),
        );
    }
    json!({
        "apiVersion": version.api_version(),
        "kind": "AdmissionReview",
        "response": Value::Object(body),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn both_versions_parse_and_answer_in_kind() {
        for (api_version, version) in [
            ("admission.k8s.io/v1", ReviewVersion::V1),
            ("admission.k8s.io/v1beta1", ReviewVersion::V1beta1),
        ] {
            let body = json!({"apiVersion": api_version, "kind": "AdmissionReview",
                "request": {"uid": "u-1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                            "operation": "CREATE", "name": "p", "namespace": "ns"}});
            let review = parse_review(body.to_string().as_bytes()).unwrap();
            assert_eq!(review.version, version);
            assert_eq!(review.request.uid, "u-1");
            let answer = review_response(version, "u-1", &Response::allow());
            assert_eq!(answer["apiVersion"], api_version);
            assert_eq!(answer["response"], json!({"uid": "u-1", "allowed": true}));
        }
    }

    #[test]
    fn malformed_reviews_say_what_is_wrong() {
        let cases = [
            ("{", "the body is not JSON: EOF while parsing an object at line 1 column 1"),
            ("[]", "the body is not a JSON object"),
            (
                r#"{"apiVersion": "v1", "kind": "AdmissionReview"}"#,
                "apiVersion \"v1\" is not admission.k8s.io/v1 or admission.k8s.io/v1beta1",
            ),
            (
                r#"{"apiVersion": "admission.k8s.io/v1", "kind": "Pod"}"#,
                "kind \"Pod\" is not AdmissionReview",
            ),
            (
                r#"{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}"#,
                "the AdmissionReview has no request object",
            ),
            (
                r#"{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"kind": {"kind": "Pod"}}}"#,
                "request.uid is empty",
            ),
            (
                r#"{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "x", "operation": "EXPLODE"}}"#,
                "request: unknown variant `EXPLODE`, expected one of `CREATE`, `UPDATE`, `DELETE`, `CONNECT`",
            ),
        ];
        for (body, expected) in cases {
            let error = parse_review(body.as_bytes()).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("malformed AdmissionReview: {expected}")
            );
        }
    }

    #[test]
    fn denials_patches_warnings_and_annotations() {
        let response = Response {
            allowed: false,
            message: Some("no".into()),
            code: Some(403),
            warnings: vec!["careful".into()],
            audit_annotations: BTreeMap::from([("k".to_owned(), "v".to_owned())]),
            patch: Some(json!([{"op": "add", "path": "/a", "value": 1}])),
        };
        let answer = review_response(ReviewVersion::V1, "u", &response);
        assert_eq!(
            answer["response"],
            json!({
                "uid": "u", "allowed": false,
                "status": {"metadata": {}, "status": "Failure", "message": "no", "reason": "Forbidden", "code": 403},
                "warnings": ["careful"],
                "auditAnnotations": {"k": "v"},
                "patchType": "JSONPatch",
                "patch": "W3sib3AiOiJhZGQiLCJwYXRoIjoiL2EiLCJ2YWx1ZSI6MX1d",
            })
        );
    }
}
