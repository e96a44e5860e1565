//! `cargo xtask bench-runtime [--smoke]`: runtime benchmarks, the generated client against the
//! emulator next to a plain reqwest + axum baseline (see `tests/benches/runtime.rs`).
//!
//! The benchmark measures the server's peak memory in a separate `photo-emulator` process, and a
//! bench cannot build another package's binary (nor run cargo while `cargo bench` holds the build
//! lock), so the binary is built here first and its path handed over in `PHOTO_EMULATOR_BIN`.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use crate::codegen::workspace_root;

pub fn run(smoke: bool) -> ExitCode {
    let root = workspace_root();
    let built = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--package",
            "photo-api",
            "--features",
            "emulator",
            "--bin",
            "photo-emulator",
        ])
        .current_dir(&root)
        .status();
    match built {
        Ok(status) if status.success() => {}
        Ok(status) => {
            eprintln!("error: building photo-emulator failed ({status})");
            return ExitCode::FAILURE;
        }
        Err(error) => {
            eprintln!("error: cannot run cargo: {error}");
            return ExitCode::FAILURE;
        }
    }
    let binary = target_dir(&root)
        .join("release")
        .join(format!("photo-emulator{}", std::env::consts::EXE_SUFFIX));
    if !binary.is_file() {
        eprintln!(
            "error: photo-emulator was built but is not at {}",
            binary.display()
        );
        return ExitCode::FAILURE;
    }
    let mut bench = Command::new(env!("CARGO"));
    bench
        .args([
            "bench",
            "--package",
            "photo-tests",
            "--bench",
            "runtime",
            "--",
        ])
        .env("PHOTO_EMULATOR_BIN", &binary)
        .current_dir(&root);
    if smoke {
        bench.arg("--smoke");
    }
    match bench.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("error: the runtime benchmark failed ({status})");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: cannot run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Where cargo puts build output: `CARGO_TARGET_DIR` when set (relative to the workspace), else
/// `target/` in the workspace.
fn target_dir(root: &std::path::Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}
