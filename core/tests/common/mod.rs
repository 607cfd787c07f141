//! Loading testdata/vectors for the core's integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rampart_core::vectors::Case;
use rampart_core::{Engine, Policy};

pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/vectors")
}

/// Every case of every `*.jsonl` file, in file then line order.
pub fn load_all() -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("testdata/vectors exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl") && !p.ends_with("skip.jsonl"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("vector file is UTF-8");
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let case = Case::from_json(line).unwrap_or_else(|e| panic!("{}:{}: {e}", file.display(), n + 1));
            cases.push(case);
        }
    }
    cases
}

/// The engine the vectors are written for: everything on, in block mode.
pub fn blocking_engine() -> Engine {
    let mut policy = Policy::default();
    policy.override_mode("block").expect("valid mode");
    Engine::new(policy).expect("default policy compiles")
}
