//! Hostile input: deep nesting, alias bombs, huge documents, control characters, and a
//! deterministic fuzz loop that must never panic.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::{check_error, parse, syntax};
use crate::{documents, ErrorKind, Limits};

fn errors_with(text: &str, limits: &Limits) -> Vec<ErrorKind> {
    documents(text, limits)
        .map(|document| match document {
            Ok(document) => panic!("expected an error, got {:?}", document.value),
            Err(error) => error.kind,
        })
        .collect()
}

#[test]
fn deep_flow_nesting_is_refused() {
    let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    check_error(&text, &ErrorKind::TooDeep(256), 1, 257);
    let text = format!("{}{}", "{a: ".repeat(10_000), "}".repeat(10_000));
    assert_eq!(
        errors_with(&text, &Limits::default()),
        [ErrorKind::TooDeep(256)]
    );
}

#[test]
fn deep_block_nesting_is_refused() {
    // a:\n a:\n  a:\n ... with one more space per level (50 MB for 10,000 levels).
    let mut text = String::new();
    for level in 0..10_000 {
        text.push_str(&" ".repeat(level));
        text.push_str("a:\n");
    }
    let limits = Limits {
        max_document_bytes: 64 << 20,
        ..Limits::default()
    };
    assert_eq!(errors_with(&text, &limits), [ErrorKind::TooDeep(256)]);

    let compact = format!("{}x", "- ".repeat(10_000));
    check_error(&compact, &ErrorKind::TooDeep(256), 1, 513);
    // go-yaml refuses a block sequence after `key: ` on the same line.
    let inline = format!("{}x", "- a: ".repeat(3));
    assert_eq!(
        errors_with(&inline, &Limits::default()),
        [syntax(
            "block sequence entries are not allowed in this context"
        )]
    );
}

#[test]
fn nesting_up_to_the_limit_is_fine() {
    let text = format!("{}{}", "[".repeat(256), "]".repeat(256));
    assert!(parse(&text)[0].is_ok());
    let compact = format!("{}x", "- ".repeat(256));
    assert!(parse(&compact)[0].is_ok());
}

/// Whether the error is `TooDeep` with the hard cap (512), or in an unoptimised build
/// possibly less, where the stack budget binds first.
fn capped(errors: &[ErrorKind]) -> bool {
    let floor = if cfg!(debug_assertions) { 240 } else { 450 };
    matches!(errors, [ErrorKind::TooDeep(depth)] if (floor..=512).contains(depth))
}

#[test]
fn the_depth_limit_is_capped_to_protect_the_stack() {
    let limits = Limits {
        max_depth: usize::MAX,
        max_document_bytes: usize::MAX,
        ..Limits::default()
    };
    let shapes = [
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        format!("{}{}", "{a: ".repeat(10_000), "}".repeat(10_000)),
        format!("{}{}", "[a: ".repeat(10_000), "]".repeat(10_000)),
        format!("{}{}", "&x !t [".repeat(10_000), "]".repeat(10_000)),
        format!("{}x", "- ".repeat(10_000)),
        format!("{}x", "? ".repeat(10_000)),
        (0..2_000)
            .map(|level| format!("{}a:\n", " ".repeat(level)))
            .collect(),
        (0..2_000)
            .map(|level| format!("{}a: &x !t\n", " ".repeat(level)))
            .collect(),
        (0..2_000)
            .map(|level| format!("{}-\n", " ".repeat(level)))
            .collect(),
    ];
    for text in &shapes {
        let errors = errors_with(text, &limits);
        assert!(capped(&errors), "{errors:?} for {:?}", &text[..40]);
    }
}

#[test]
fn aliases_cannot_exceed_the_depth_limit() {
    let limits = Limits {
        max_depth: 4,
        ..Limits::default()
    };
    let text = "a: &a [[[1]]]\nb: [*a]\n";
    assert_eq!(errors_with(text, &limits), [ErrorKind::TooDeep(4)]);
}

#[test]
fn billion_laughs_exhausts_the_alias_budget() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let [previous, name] = pair else {
            unreachable!()
        };
        let refs = vec![format!("*{previous}"); 9].join(",");
        writeln!(text, "{name}: &{name} [{refs}]").unwrap();
    }
    let started = Instant::now();
    assert_eq!(
        errors_with(&text, &Limits::default()),
        [ErrorKind::AliasBudget(100_000)]
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // A small budget stops it earlier, at the first alias over the budget.
    let limits = Limits {
        max_alias_nodes: 50,
        ..Limits::default()
    };
    let error = documents(&text, &limits).next().unwrap().unwrap_err();
    assert_eq!((error.kind, error.line), (ErrorKind::AliasBudget(50), 2));
}

#[test]
fn nested_anchors_are_charged_to_the_alias_budget() {
    // Each anchor keeps a copy of its value: without a budget this is quadratic.
    let level = format!("[{}", "x, ".repeat(200));
    let text = format!(
        "{}{}",
        (0..250)
            .map(|i| format!("&a{i} {level}"))
            .collect::<String>(),
        "]".repeat(250)
    );
    assert_eq!(
        errors_with(&text, &Limits::default()),
        [ErrorKind::AliasBudget(100_000)]
    );
}

#[test]
fn large_documents_are_refused_without_parsing() {
    let limits = Limits {
        max_document_bytes: 1 << 20,
        ..Limits::default()
    };
    let big = format!("a: [{}]\n", "1, ".repeat(700_000));
    let stream = format!("a: 1\n---\n{big}---\nb: 2\n");
    let results: Vec<_> = documents(&stream, &limits).collect();
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok());
    let error = results[1].as_ref().unwrap_err();
    assert_eq!(
        error.kind,
        ErrorKind::DocumentTooLarge {
            bytes: big.len() + 4,
            limit: 1 << 20
        }
    );
    assert_eq!((error.line, error.column, error.document), (3, 1, 2));
    assert_eq!(
        results[2].as_ref().unwrap().value,
        serde_json::json!({"b": 2})
    );
}

#[test]
fn the_default_limit_refuses_33_mib_quickly() {
    let text = format!("a: {}\n", "x".repeat(33 << 20));
    let started = Instant::now();
    let errors = errors_with(&text, &Limits::default());
    assert!(matches!(
        errors.as_slice(),
        [ErrorKind::DocumentTooLarge { limit, .. }] if *limit == 32 << 20
    ));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn control_characters_are_refused() {
    let message = syntax("control characters are not allowed");
    check_error("a: b\0c", &message, 1, 5);
    check_error("a: 1\n# \u{1b}[0m\n", &message, 2, 3);
    check_error("a: \u{80}", &message, 1, 4);
    check_error("a: \u{7f}", &message, 1, 4);
    check_error("a: \"\u{ffff}\"", &message, 1, 5);
    // Escapes may still produce them, and NEL or the BOM are allowed characters.
    assert!(parse("a: \"\\0\\x01\"\nb: \u{85}\u{feff}")[0].is_ok());
}

/// xorshift64*: small, deterministic, good enough to mutate inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % (bound.max(1) as u64)).unwrap()
    }
}

const SAMPLE: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web # the name
  labels: {app: web, tier: \"front\"}
  annotations:
    note: |
      multi
      line
    folded: >-
      a
      b
spec:
  replicas: 0x3
  template: &tpl
    spec:
      containers:
      - name: app
        image: 'nginx:1.25'
        args: [--port, \"8080\", ~]
        env:
        - {name: A, value: yes}
        ports:
        - containerPort: 80
          protocol: TCP
  other:
    <<: *tpl
    ? explicit
    : value
---
- plain
  continued
- !!str 012
- \"esc\\t\\u00e9\"
...
";

/// Bytes that matter to YAML, to make mutations hit interesting paths.
const ALPHABET: &[&str] = &[
    " ", "  ", "-", "- ", ":", ": ", "?", ",", "[", "]", "{", "}", "#", "&", "*", "!", "!!", "|",
    ">", "'", "\"", "%", "@", "`", "\n", "\r\n", "\t", "\\", ".", "---\n", "...\n", "a", "0", "<<",
    "é", "\u{85}", "\u{feff}", "\0", "&a ", "*a", "|2-", "\\x", "\\u12",
];

#[test]
fn fuzzed_input_never_panics_and_values_round_trip() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut ok, mut failed) = (0usize, 0usize);
    for round in 0..20_000 {
        let mut text = SAMPLE.to_owned();
        for _ in 0..=rng.below(4) {
            let at = floor_char_boundary(&text, rng.below(text.len() + 1));
            match rng.below(5) {
                0 => text.insert_str(at, ALPHABET[rng.below(ALPHABET.len())]),
                1 => {
                    let end = floor_char_boundary(&text, at + rng.below(8));
                    text.replace_range(at..end, "");
                }
                2 => {
                    let end = floor_char_boundary(&text, at + rng.below(8));
                    text.replace_range(at..end, ALPHABET[rng.below(ALPHABET.len())]);
                }
                3 => text.truncate(at),
                _ => {
                    let end = floor_char_boundary(&text, at + rng.below(40));
                    let copy = text[at..end].to_owned();
                    let to = floor_char_boundary(&text, rng.below(text.len() + 1));
                    text.insert_str(to, &copy);
                }
            }
        }
        if round % 10 == 0 {
            // Now and then, pure noise.
            let bytes: Vec<u8> = (0..rng.below(200))
                .map(|_| (rng.next() >> 56) as u8)
                .collect();
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        for document in documents(&text, &Limits::default()) {
            match document {
                Ok(document) => {
                    ok += 1;
                    let yaml = crate::to_string(&document.value);
                    let back: Vec<_> = documents(&yaml, &Limits::default()).collect();
                    assert!(
                        matches!(back.as_slice(), [Ok(again)] if again.value == document.value),
                        "round trip of {:?} from {text:?} through {yaml:?} gave {back:?}",
                        document.value
                    );
                }
                Err(error) => {
                    failed += 1;
                    assert!(error.line >= 1 && error.column >= 1 && error.document >= 1);
                }
            }
        }
    }
    println!("fuzz: {ok} documents parsed, {failed} errors");
    assert!(ok > 1_000 && failed > 1_000, "{ok} parsed, {failed} errors");
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}
