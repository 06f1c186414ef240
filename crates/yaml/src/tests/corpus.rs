//! The real-world corpus (`shared/corpus/real`): a differential test against
//! serde-saphyr, and the emitter round trip on every document.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::stream::Splitter;
use crate::{documents, to_string, Limits};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/real");

/// All `.yaml` and `.yml` files under the corpus, or `None` if it is not there.
fn corpus_files() -> Option<Vec<PathBuf>> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, files);
            } else if matches!(
                path.extension().and_then(|ext| ext.to_str()),
                Some("yaml" | "yml")
            ) {
                files.push(path);
            }
        }
    }
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        println!("note: {CORPUS} is missing; skipping the corpus test");
        return None;
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    Some(files)
}

/// serde-saphyr set up as close to Kubernetes as it goes: YAML 1.1 octal numbers and
/// booleans, strict duplicate keys, merge keys, and budgets raised for big CRDs.
fn saphyr(text: &str) -> Result<Vec<Value>, String> {
    let options = serde_saphyr::options! {
        legacy_octal_numbers: true,
        budget: serde_saphyr::budget! {
            max_depth: 512,
            max_events: 100_000_000,
            max_nodes: 100_000_000,
            max_buffered_comment_events: 100_000,
        },
    };
    serde_saphyr::from_multiple_with_options::<Value>(text, options)
        .map_err(|error| error.to_string())
}

/// A difference between the two readings, at a path in the document.
#[derive(Debug)]
struct Difference {
    path: String,
    ours: String,
    theirs: String,
}

/// Collects the leaf differences between two values (map keys are compared as sets).
fn differences(path: &str, ours: &Value, theirs: &Value, out: &mut Vec<Difference>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                match b.get(key) {
                    Some(other) => differences(&format!("{path}.{key}"), value, other, out),
                    None => out.push(Difference {
                        path: format!("{path}.{key}"),
                        ours: "<key>".into(),
                        theirs: format!("missing; keys: {:?}", missing_keys(b, a)),
                    }),
                }
            }
            for key in b.keys().filter(|key| !a.contains_key(*key)) {
                out.push(Difference {
                    path: format!("{path}.{key}"),
                    ours: format!("missing; keys: {:?}", missing_keys(a, b)),
                    theirs: "<key>".into(),
                });
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{path}[{index}]"), x, y, out);
            }
        }
        _ if ours == theirs => {}
        _ => out.push(Difference {
            path: path.to_owned(),
            ours: ours.to_string(),
            theirs: theirs.to_string(),
        }),
    }
}

fn missing_keys(
    from: &serde_json::Map<String, Value>,
    other: &serde_json::Map<String, Value>,
) -> Vec<String> {
    from.keys()
        .filter(|key| !other.contains_key(*key))
        .cloned()
        .collect()
}

/// Why a difference is expected: where serde-saphyr reads YAML differently from go-yaml
/// v2 (and so from kubectl). `None` for an unexplained difference. `text` is the
/// document's source.
fn explain(difference: &Difference, text: &str) -> Option<&'static str> {
    let ours: Value = serde_json::from_str(&difference.ours).ok()?;
    let theirs: Value = serde_json::from_str(&difference.theirs).ok()?;
    match (&ours, &theirs) {
        // libyaml's `read_line` adds nothing at the end of the input, so a block scalar
        // on the last line of a stream without a final line break has no final newline
        // in go-yaml v2; serde-saphyr adds one.
        (Value::String(ours), Value::String(theirs))
            if !text.ends_with('\n') && *theirs == format!("{ours}\n") =>
        {
            Some("block scalar at the end of input without a line break: no final newline (go-yaml v2)")
        }
        // go-yaml v2 resolves y/Y/n/N to booleans (YAML 1.1); serde-saphyr keeps strings.
        (Value::Bool(_), Value::String(theirs)) if matches!(theirs.as_str(), "y" | "Y" | "n" | "N") => {
            Some("y/n are YAML 1.1 booleans in go-yaml v2")
        }
        _ => None,
    }
}

#[test]
fn differential_against_serde_saphyr() {
    let Some(files) = corpus_files() else {
        return;
    };
    let (mut compared, mut equal, mut explained, mut unexplained) = (0, 0, 0, 0);
    let (mut only_ours, mut only_theirs, mut both_fail) = (0, 0, 0);
    let mut reasons: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            println!("note: {} is not UTF-8; skipped", file.display());
            continue;
        };
        let name = file.strip_prefix(CORPUS).unwrap_or(file).display();
        for chunk in Splitter::new(&text) {
            let part = &text[chunk.start..chunk.end];
            let ours: Vec<_> = documents(part, &Limits::default()).collect();
            let [ours] = ours.as_slice() else {
                continue;
            };
            let theirs = saphyr(part);
            match (ours, theirs.as_deref()) {
                (Ok(ours), Ok([theirs])) => {
                    compared += 1;
                    if ours.value == *theirs {
                        equal += 1;
                        continue;
                    }
                    let mut found = Vec::new();
                    differences("", &ours.value, theirs, &mut found);
                    let mut all_explained = !found.is_empty();
                    for difference in &found {
                        match explain(difference, part) {
                            Some(reason) => *reasons.entry(reason).or_default() += 1,
                            None => {
                                all_explained = false;
                                println!(
                                    "DIFF {name} line {} at {}: ours {} theirs {}",
                                    chunk.line, difference.path, difference.ours, difference.theirs
                                );
                            }
                        }
                    }
                    if all_explained {
                        explained += 1;
                    } else {
                        unexplained += 1;
                    }
                }
                (Ok(_), theirs) => {
                    only_ours += 1;
                    println!(
                        "ONLY OURS {name} line {}: serde-saphyr says {theirs:?}",
                        chunk.line
                    );
                }
                (Err(error), Ok(_)) => {
                    only_theirs += 1;
                    println!("ONLY SAPHYR {name} line {}: we say {error}", chunk.line);
                }
                (Err(_), Err(_)) => both_fail += 1,
            }
        }
    }
    println!(
        "differential: {compared} documents compared, {equal} equal, {explained} differing \
         with known reasons, {unexplained} unexplained; only kanon-yaml accepts {only_ours}, \
         only serde-saphyr accepts {only_theirs}, both reject {both_fail}"
    );
    for (reason, count) in &reasons {
        println!("  {count} × {reason}");
    }
    assert_eq!(unexplained, 0, "unexplained differences");
}

#[test]
fn emitter_round_trips_every_corpus_document() {
    let Some(files) = corpus_files() else {
        return;
    };
    let mut count = 0;
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for document in documents(&text, &Limits::default()).flatten() {
            let yaml = to_string(&document.value);
            let back: Vec<_> = documents(&yaml, &Limits::default()).collect();
            match back.as_slice() {
                [Ok(again)] if again.value == document.value => count += 1,
                other => panic!(
                    "{} document {}: round trip through\n{yaml}\ngave {other:?}",
                    file.display(),
                    document.index
                ),
            }
        }
    }
    println!("round trip: {count} documents");
    assert!(count > 4_000);
}
