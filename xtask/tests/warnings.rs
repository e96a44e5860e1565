//! `cargo xtask codegen` prints what it warns about once per run.

use std::path::Path;
use std::process::Command;

/// A fixture with operations the emulator answers with 501 warns about each once, and
/// the closing count appears once.
#[test]
fn each_warning_is_printed_once() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent");
    let out = std::env::temp_dir().join(format!("xtask-warnings-{}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "codegen",
            "--check",
            "--spec",
            "tests/fixtures/graph_group_photo/spec.yaml",
        ])
        .arg("--out")
        .arg(&out)
        .current_dir(root)
        .output()
        .expect("xtask runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let summaries: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains(" in tests/fixtures/graph_group_photo/spec.yaml"))
        .collect();
    assert_eq!(summaries.len(), 1, "one closing count: {stderr}");
    let announced: usize = summaries[0]
        .split_whitespace()
        .next()
        .and_then(|count| count.parse().ok())
        .expect("the closing count starts with a number");
    let printed = stderr.matches(": warning: ").count();
    assert!(announced > 0, "the fixture warns: {stderr}");
    assert_eq!(printed, announced, "{stderr}");
}
