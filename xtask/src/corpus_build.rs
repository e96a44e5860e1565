//! Compiling a corpus description's generated crate as a user would have it: a crate of its own
//! whose one dependency is the runtime crate of this checkout; then running its end-to-end test,
//! where the manifest names one.

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

/// The crate's package name for corpus entry `name`.
fn crate_name(name: &str) -> String {
    format!("corpus-{name}").replace('.', "-")
}

/// Writes `files` (one description's generated modules) as crate `corpus-NAME` and builds it
/// with every feature, in `dir/target` (shared by all, so the runtime compiles once). With
/// `e2e`, the name of a test in `tests/corpus/e2e/`, the crate also gets that test as
/// `tests/e2e.rs`, for [`test`]. Returns the build's wall time, or cargo's errors.
pub fn compile(
    dir: &Path,
    name: &str,
    source: &SpecSource,
    files: &[GeneratedFile],
    e2e: Option<&str>,
) -> Result<Duration, String> {
    let out = write_crate(name, source, files, e2e)?;
    cargo(
        &dir.join("target"),
        &out,
        &["build", "--quiet", "--all-features"],
    )
}

/// Writes `files` as crate `corpus-NAME` (with the end-to-end test `e2e`, if any); returns
/// its folder.
pub fn write_crate(
    name: &str,
    source: &SpecSource,
    files: &[GeneratedFile],
    e2e: Option<&str>,
) -> Result<PathBuf, String> {
    let root = workspace_root();
    let crate_name = crate_name(name);
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
    if let Some(test) = e2e {
        let path = root.join("tests/corpus/e2e").join(format!("{test}.rs"));
        let contents = std::fs::read_to_string(&path)
            .map_err(|error| format!("{}: {error}", path.display()))?;
        let support = root.join("tests/corpus/e2e/support.rs");
        crate_files.push(GeneratedFile {
            path: PathBuf::from("tests/e2e.rs"),
            contents,
        });
        crate_files.push(GeneratedFile {
            path: PathBuf::from("tests/support/mod.rs"),
            contents: std::fs::read_to_string(&support)
                .map_err(|error| format!("{}: {error}", support.display()))?,
        });
        let manifest = crate_files
            .iter_mut()
            .find(|file| file.path == Path::new("Cargo.toml"))
            .ok_or("the generated crate has no Cargo.toml")?;
        manifest.contents.push_str(&dev_dependencies(&root));
    }
    write::write(&out, &crate_files).map_err(|error| format!("{}: {error}", out.display()))?;
    Ok(out)
}

/// Runs the end-to-end test [`compile`] put into entry `name`'s crate. Returns its wall time
/// (with the test's own build), or what cargo and the test printed.
pub fn test(dir: &Path, name: &str) -> Result<Duration, String> {
    let out = crates_dir().join(crate_name(name));
    cargo(
        &dir.join("target"),
        &out,
        &["test", "--quiet", "--all-features", "--test", "e2e"],
    )
}

/// The library's name the end-to-end tests use (`corpus`, whatever the description), and what
/// they use beside it: the runtime's test images and tokens, tokio to serve, serde_json to
/// write bodies.
fn dev_dependencies(root: &Path) -> String {
    let runtime = root.join("photo-api/runtime");
    format!(
        "\n[lib]\nname = \"corpus\"\n\n[dev-dependencies]\nphoto-runtime = {{ path = {:?}, features = [\"client\", \"server\", \"emulator\"] }}\nserde_json = \"1\"\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"net\"] }}\n",
        runtime.display().to_string()
    )
}

/// Runs cargo with `args` on the crate at `out`, building in `target`; returns its wall time.
pub fn cargo(target: &Path, out: &Path, args: &[&str]) -> Result<Duration, String> {
    let started = Instant::now();
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .arg("--manifest-path")
        .arg(out.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        // Built once each: an incremental cache would only take disk (gigabytes for GitHub's).
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .map_err(|error| format!("cargo: {error}"))?;
    let elapsed = started.elapsed();
    if output.status.success() {
        Ok(elapsed)
    } else {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let errors = String::from_utf8_lossy(&output.stderr);
        // The first errors say what is wrong; thousands of lines after them do not help.
        Err(stdout
            .lines()
            .chain(errors.lines())
            .take(80)
            .collect::<Vec<_>>()
            .join("\n"))
    }
}
