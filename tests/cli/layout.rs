//! The house rules of `src/`, checked on the source itself: no file imports a file that imports
//! it back, no file over 1,000 lines and no function over 150 (tests aside), threads started only
//! by the training worker and the background registry, egui only under `src/ui/` and no candle or
//! smartcore there.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 1000;
const MAX_FUNCTION_LINES: usize = 150;
/// The only files that start threads of their own (scoped data-parallel threads aside).
const THREAD_STARTERS: [&str; 2] = ["training/worker.rs", "ui/background.rs"];

/// Every `.rs` file under `src/` but `tests.rs`, as (module path, text without test modules).
fn source_files() -> BTreeMap<Vec<String>, (PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    let mut folders = vec![src.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.file_name().unwrap() == "tests.rs" {
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap().with_extension("");
            let mut module: Vec<String> =
                relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                module.pop();
            }
            let text = without_test_modules(&std::fs::read_to_string(&path).unwrap());
            files.insert(module, (path, text));
        }
    }
    files
}

/// The text with every `#[cfg(test)] mod name { ... }` block removed.
fn without_test_modules(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        let after = rest[at + 12..].trim_start();
        let Some(brace) = after.find('{').filter(|_| after.starts_with("mod ")) else {
            out.push_str(&rest[..at + 12]);
            rest = &rest[at + 12..];
            continue;
        };
        out.push_str(&rest[..at]);
        let body = &after[brace + 1..];
        let mut depth = 1;
        let mut end = body.len();
        for (i, c) in body.char_indices() {
            depth += match c {
                '{' => 1,
                '}' => -1,
                _ => 0,
            };
            if depth == 0 {
                end = i + 1;
                break;
            }
        }
        rest = &body[end..];
    }
    out.push_str(rest);
    out
}

/// The longest prefix of `path` that is a file's module.
fn resolve(files: &BTreeMap<Vec<String>, (PathBuf, String)>, path: &[String]) -> Option<Vec<String>> {
    (1..=path.len()).rev().map(|k| path[..k].to_vec()).find(|p| files.contains_key(p))
}

/// The modules each file names through `crate::...` and `super::...` paths.
fn import_graph(
    files: &BTreeMap<Vec<String>, (PathBuf, String)>,
) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut graph = BTreeMap::new();
    for (module, (path, text)) in files {
        let is_folder_module =
            matches!(path.file_name().and_then(|n| n.to_str()), Some("mod.rs" | "lib.rs" | "main.rs"));
        let parent: Vec<String> =
            if is_folder_module { module.clone() } else { module[..module.len().saturating_sub(1)].to_vec() };
        let mut targets = BTreeSet::new();
        for head in ["crate::", "super::"] {
            for (at, _) in text.match_indices(head) {
                if at > 0 && text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let mut segments: Vec<String> = Vec::new();
                let mut rest = &text[at + head.len()..];
                // `crate::{a::X, b::Y}`: each braced path on its own.
                if let Some(inner) = rest.strip_prefix('{') {
                    let group = &inner[..inner.find("};").unwrap_or(inner.len())];
                    for item in group.split(',') {
                        let item: Vec<String> = item
                            .trim()
                            .split("::")
                            .take_while(|s| {
                                !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
                            })
                            .map(String::from)
                            .collect();
                        let base = if head == "crate::" { Vec::new() } else { parent.clone() };
                        if let Some(t) = resolve(files, &[base, item].concat()) {
                            targets.insert(t);
                        }
                    }
                    continue;
                }
                while let Some(end) = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')) {
                    segments.push(rest[..end].to_string());
                    match rest[end..].strip_prefix("::") {
                        Some(next) if next.starts_with(|c: char| c.is_alphanumeric() || c == '_') => {
                            rest = next
                        }
                        _ => break,
                    }
                }
                let base = if head == "crate::" { Vec::new() } else { parent.clone() };
                if let Some(t) = resolve(files, &[base, segments].concat()) {
                    targets.insert(t);
                }
            }
        }
        // A module naming itself, or a folder module naming its own children, is no loop.
        targets.retain(|t| t != module && !(t.len() == module.len() + 1 && t.starts_with(module)));
        graph.insert(module.clone(), targets);
    }
    graph
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let files = source_files();
    let graph = import_graph(&files);
    assert!(graph.len() > 50, "the source tree was not found ({} files)", graph.len());
    // Depth-first search for a path that comes back to where it started.
    fn reaches(
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        from: &[String],
        goal: &[String],
    ) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_vec()];
        while let Some(module) = stack.pop() {
            if module == goal {
                return true;
            }
            if seen.insert(module.clone()) {
                stack.extend(graph.get(&module).into_iter().flatten().cloned());
            }
        }
        false
    }
    let loops: Vec<String> = graph
        .iter()
        .flat_map(|(module, targets)| {
            targets
                .iter()
                .filter(|t| reaches(&graph, t, module))
                .map(move |t| format!("{} -> {}", module.join("/"), t.join("/")))
        })
        .collect();
    assert!(loops.is_empty(), "imports that lead back to their own file:\n{}", loops.join("\n"));
}

#[test]
fn the_import_check_finds_a_loop_when_there_is_one() {
    let mut files = BTreeMap::new();
    files.insert(vec!["a".to_string()], (PathBuf::from("a.rs"), "use crate::b::B;".to_string()));
    files.insert(vec!["b".to_string()], (PathBuf::from("b.rs"), "use crate::a::{A, other};".to_string()));
    let graph = import_graph(&files);
    assert_eq!(graph[&vec!["a".to_string()]], BTreeSet::from([vec!["b".to_string()]]));
    assert_eq!(graph[&vec!["b".to_string()]], BTreeSet::from([vec!["a".to_string()]]));
}

#[test]
fn files_and_functions_stay_small_enough_to_read() {
    let mut too_long = Vec::new();
    for (path, text) in source_files().values() {
        let name = path.display().to_string();
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > MAX_FILE_LINES {
            too_long.push(format!("{name}: {} lines", lines.len()));
        }
        for (start, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            let is_fn =
                ["fn ", "pub fn ", "pub(crate) fn ", "pub(super) fn "].iter().any(|p| trimmed.starts_with(p));
            if !is_fn || trimmed.ends_with(';') {
                continue;
            }
            let closing = format!("{indent}}}");
            if let Some(length) = lines[start..].iter().position(|l| *l == closing)
                && length + 1 > MAX_FUNCTION_LINES
            {
                too_long.push(format!("{name}:{}: a function of {} lines", start + 1, length + 1));
            }
        }
    }
    assert!(too_long.is_empty(), "split these along a seam they already have:\n{}", too_long.join("\n"));
}

#[test]
fn threads_start_only_in_the_worker_and_the_background_registry() {
    for (path, text) in source_files().values() {
        let name = path.display().to_string();
        if THREAD_STARTERS.iter().any(|allowed| name.ends_with(allowed)) {
            continue;
        }
        for starter in ["thread::spawn", "thread::Builder"] {
            assert!(
                !text.contains(starter),
                "{name} starts a thread ({starter}): use ui::background or the worker"
            );
        }
    }
}

#[test]
fn only_the_ui_imports_egui_and_the_ui_never_calls_candle_or_smartcore() {
    for (module, (path, text)) in source_files() {
        let (forbidden, rule) = if module.first().is_some_and(|m| m == "ui") {
            (["candle_core::", "candle_nn::", "smartcore::"], "the UI sends commands instead")
        } else {
            (["egui::", "eframe::", "egui_plot::"], "only src/ui/ draws")
        };
        for name in forbidden {
            assert!(!text.contains(name), "{} uses {name}: {rule}", path.display());
        }
    }
}
