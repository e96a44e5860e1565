//! Compiling a corpus description's generated crate as a user would have it: a crate of its own
//! whose one dependency is the runtime crate of this checkout.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use photo_gen::standalone::{CrateSpec, RuntimeDependency, crate_files};
use photo_gen::{GeneratedFile, SpecSource, write};

use crate::codegen::workspace_root;

/// Where the crates are written: outside this workspace, so cargo does not take them for its
/// members.
fn crates_dir() -> PathBuf {
    std::env::temp_dir().join("photo-gen-corpus")
}

/// Writes `files` (one description's generated modules) as crate `corpus-NAME` and builds it
/// with every feature, in `dir/target` (shared by all, so the runtime compiles once). Returns
/// the build's wall time, or cargo's errors.
pub fn compile(
    dir: &Path,
    name: &str,
    source: &SpecSource,
    files: &[GeneratedFile],
) -> Result<Duration, String> {
    let root = workspace_root();
    let crate_name = format!("corpus-{name}").replace('.', "-");
    let spec = CrateSpec::new(
        &crate_name,
        RuntimeDependency::Path(root.join("photo-api/runtime")),
    )?;
    let out = crates_dir().join(&crate_name);
    let mut crate_files = crate_files(files.to_vec(), &spec, source, "cargo xtask corpus");
    // The workspace's lock file, so the crate builds with the versions this checkout is tested
    // with, offline once they are fetched.
    crate_files.push(GeneratedFile {
        path: PathBuf::from("Cargo.lock"),
        contents: std::fs::read_to_string(root.join("Cargo.lock"))
            .map_err(|error| format!("Cargo.lock: {error}"))?,
    });
    write::write(&out, &crate_files).map_err(|error| format!("{}: {error}", out.display()))?;
    let started = Instant::now();
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--all-features", "--manifest-path"])
        .arg(out.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .map_err(|error| format!("cargo: {error}"))?;
    let elapsed = started.elapsed();
    if output.status.success() {
        Ok(elapsed)
    } else {
        let errors = String::from_utf8_lossy(&output.stderr);
        // The first errors say what is wrong; thousands of lines after them do not help.
        Err(errors.lines().take(60).collect::<Vec<_>>().join("\n"))
    }
}
