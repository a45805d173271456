//! The module arrows run one way: handlers and models never reach up into the wiring
//! (`startup`) or the document assembly (`openapi`), and no handler file is another's library.

use std::path::Path;

/// The files of every domain folder under `src/`, with their text.
fn domain_files() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let dir = entry.unwrap().path();
        if dir.is_dir() && dir.file_name().unwrap() != "db" && dir.file_name().unwrap() != "error" {
            collect(&dir, &mut files);
        }
    }
    assert!(files.len() > 20, "found the domain folders");
    files
}

fn collect(dir: &Path, files: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn no_domain_module_imports_the_wiring_or_the_document() {
    for (path, text) in domain_files() {
        for upward in ["crate::startup", "crate::openapi"] {
            assert!(!text.contains(upward), "{path} refers to {upward}");
        }
    }
}

#[test]
fn no_handler_file_imports_another_domains_handlers() {
    for (path, text) in domain_files() {
        let imports_handlers = text.lines().any(|line| {
            let line = line.trim_start();
            line.starts_with("use crate::") && line.contains("::http::")
        });
        assert!(!imports_handlers, "{path} imports another domain's handler module");
    }
}
