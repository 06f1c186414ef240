//! Measures parsing speed over a directory of YAML files.
//!
//! `cargo run --release -p kanon-yaml --example parse_speed -- /tmp/corpus100k`
//!
//! All files are read first; only parsing (building and dropping each value) is timed.
//! Pass `--repeat N` after the directory to parse the corpus N times and keep the best.
//! Besides wall time it reports the thread's on-CPU time (Linux `schedstat`), which is
//! steadier on a machine shared with other work.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            files.push(path);
        }
    }
    Ok(())
}

/// Nanoseconds this thread has run on a CPU, if the kernel tells.
fn cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: parse_speed DIR [--repeat N]")?);
    let repeat: usize = match (args.next().as_deref(), args.next()) {
        (Some("--repeat"), Some(n)) => n.parse()?,
        _ => 3,
    };
    let mut files = Vec::new();
    collect(&dir, &mut files)?;
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .map(std::fs::read_to_string)
        .collect::<Result<_, _>>()?;
    let bytes: usize = texts.iter().map(String::len).sum();
    let limits = kanon_yaml::Limits::default();

    let mut best = Duration::MAX;
    let mut best_cpu = Duration::MAX;
    let (mut documents, mut errors) = (0usize, 0usize);
    for _ in 0..repeat.max(1) {
        documents = 0;
        errors = 0;
        let start = Instant::now();
        let start_cpu = cpu_time();
        for text in &texts {
            for document in kanon_yaml::documents(text, &limits) {
                match document {
                    Ok(document) => {
                        documents += 1;
                        drop(std::hint::black_box(document));
                    }
                    Err(error) => {
                        errors += 1;
                        if errors <= 5 {
                            eprintln!("error: {error}");
                        }
                    }
                }
            }
        }
        best = best.min(start.elapsed());
        if let (Some(before), Some(after)) = (start_cpu, cpu_time()) {
            best_cpu = best_cpu.min(after.saturating_sub(before));
        }
    }
    let seconds = best.as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let (megabytes, docs) = (bytes as f64 / 1e6, documents as f64);
    println!(
        "{} files, {:.1} MB, {documents} documents ({errors} errors): {:.3} s, {:.1} MB/s, {:.0} docs/s (single thread, best of {repeat})",
        texts.len(),
        megabytes,
        seconds,
        megabytes / seconds,
        docs / seconds,
    );
    if best_cpu != Duration::MAX {
        let cpu = best_cpu.as_secs_f64();
        println!(
            "on-CPU time: {cpu:.3} s, {:.1} MB/s, {:.0} docs/s",
            megabytes / cpu,
            docs / cpu
        );
    }
    Ok(())
}
