//! Finding and reading the inputs named by `-f`: files, directories and standard input.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One input to read.
#[derive(Debug, Clone)]
pub(crate) enum Input {
    /// A file; its display name is the path as found.
    File(PathBuf),
    /// Standard input, read once up front.
    Stdin(Arc<Vec<u8>>),
}

impl Input {
    /// The name used in messages and reports.
    pub(crate) fn display_name(&self) -> Arc<str> {
        match self {
            Input::File(path) => Arc::from(path.display().to_string()),
            Input::Stdin(_) => Arc::from("<stdin>"),
        }
    }

    /// The bytes of the input, refusing files over `max_bytes`.
    pub(crate) fn read(&self, max_bytes: u64) -> Result<Bytes, String> {
        match self {
            Input::Stdin(bytes) => Ok(Bytes::Shared(Arc::clone(bytes))),
            Input::File(path) => {
                let file = std::fs::File::open(path)
                    .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
                let len = file.metadata().map(|m| m.len()).unwrap_or(0);
                if len > max_bytes {
                    return Err(format!(
                        "{}: file is {} MiB, over the {} MiB limit (--max-file-size)",
                        path.display(),
                        len >> 20,
                        max_bytes >> 20
                    ));
                }
                let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
                file.take(max_bytes + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
                if bytes.len() as u64 > max_bytes {
                    return Err(format!(
                        "{}: file is over the {} MiB limit (--max-file-size)",
                        path.display(),
                        max_bytes >> 20
                    ));
                }
                Ok(Bytes::Owned(bytes))
            }
        }
    }
}

/// Input bytes, owned or shared (standard input is read once and shared).
pub(crate) enum Bytes {
    /// Read from a file.
    Owned(Vec<u8>),
    /// Standard input.
    Shared(Arc<Vec<u8>>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Shared(v) => v,
        }
    }
}

/// Whether a file name has a manifest extension.
fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Expands `-f` arguments: files as given, directories recursively (`.yaml`, `.yml`, `.json`,
/// in name order, hidden entries skipped), `-` as standard input (read now, once).
/// Returns the inputs and a message per argument that could not be used.
pub(crate) fn discover(args: &[String]) -> (Vec<Input>, Vec<String>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    let mut stdin: Option<Arc<Vec<u8>>> = None;
    for arg in args {
        if arg == "-" {
            let bytes = match &stdin {
                Some(bytes) => Arc::clone(bytes),
                None => {
                    let mut buffer = Vec::new();
                    if let Err(e) = std::io::stdin().lock().read_to_end(&mut buffer) {
                        errors.push(format!("<stdin>: cannot read: {e}"));
                        continue;
                    }
                    let bytes = Arc::new(buffer);
                    stdin = Some(Arc::clone(&bytes));
                    bytes
                }
            };
            inputs.push(Input::Stdin(bytes));
            continue;
        }
        let path = PathBuf::from(arg);
        match std::fs::metadata(&path) {
            Err(e) => errors.push(format!("{arg}: cannot read: {e}")),
            Ok(meta) if meta.is_dir() => walk(&path, &mut inputs, &mut errors),
            Ok(_) => inputs.push(Input::File(path)),
        }
    }
    (inputs, errors)
}

fn walk(dir: &Path, inputs: &mut Vec<Input>, errors: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(format!("{}: cannot read directory: {e}", dir.display()));
            return;
        }
    };
    let mut children: Vec<(PathBuf, std::fs::FileType)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                if entry.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                match entry.file_type() {
                    Ok(file_type) => children.push((entry.path(), file_type)),
                    Err(e) => errors.push(format!("{}: {e}", entry.path().display())),
                }
            }
            Err(e) => errors.push(format!("{}: cannot read directory: {e}", dir.display())),
        }
    }
    children.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, file_type) in children {
        if file_type.is_dir() {
            walk(&path, inputs, errors);
        } else if is_manifest(&path) && (file_type.is_file() || file_type.is_symlink()) {
            inputs.push(Input::File(path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_walked_in_order_skipping_hidden_entries() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/c")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        for file in [
            "a.yaml",
            "b/c/d.yml",
            "b/e.json",
            "b/notes.txt",
            ".git/x.yaml",
            ".hidden.yaml",
        ] {
            std::fs::write(root.join(file), "").unwrap();
        }
        let (inputs, errors) = discover(&[root.display().to_string()]);
        assert!(errors.is_empty());
        let names: Vec<String> = inputs
            .iter()
            .map(|i| match i {
                Input::File(p) => p.strip_prefix(root).unwrap().display().to_string(),
                Input::Stdin(_) => "-".into(),
            })
            .collect();
        assert_eq!(names, ["a.yaml", "b/c/d.yml", "b/e.json"]);
    }

    #[test]
    fn missing_paths_are_reported() {
        let (inputs, errors) = discover(&["/definitely/not/here.yaml".to_owned()]);
        assert!(inputs.is_empty());
        assert!(errors[0].starts_with("/definitely/not/here.yaml: cannot read:"));
    }
}
