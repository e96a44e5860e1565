//! Generated code in crates of its own, built by cargo outside this workspace:
//!
//! - a crate of code generated with `Options::external().with_emulator()` whose Cargo.toml
//!   declares photo-runtime and tokio alone (`tests/generated-crate/`) builds, and runs its
//!   client against its emulator binding;
//! - photo-api regenerated from another description (`Options::default()`, the photo-api
//!   layout) builds with every feature, so its hand-written code names nothing of the photo spec
//!   but through `generated/`; and it type-checks with the client alone (its default) and with
//!   the server alone, so no generated module names what another feature brings.
//!
//! Each project is written under the test target's temporary directory and built offline with
//! this workspace's lock file, into one target directory the two share across runs: the first
//! run compiles the dependencies (minutes), later ones only the generated crates.

use std::path::{Path, PathBuf};
use std::process::Command;

use photo_gen::{Options, SpecSource, write};

/// The description both projects are generated from: an owner kind the photo spec lacks.
const FIXTURE: &str = "emulator_teams";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

/// A fresh directory for project `name`, at the same place on every run so cargo's
/// fingerprints of its dependencies hold.
fn project_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("the old project is removable");
    }
    std::fs::create_dir_all(&dir).expect("the project directory is creatable");
    dir
}

/// Generates [`FIXTURE`] with `options` into `out`.
fn generate(options: &Options, out: &Path) {
    let relative = format!("tests/fixtures/{FIXTURE}/spec.yaml");
    let text = std::fs::read_to_string(workspace().join(&relative)).expect("the fixture spec");
    let generated = photo_gen::generate(&SpecSource::new(relative, text), options)
        .unwrap_or_else(|diagnostics| panic!("{diagnostics}"));
    write::write(out, &generated.files).expect("the generated files are writable");
}

/// Copies `from` (a file or a directory tree) to `to`.
fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).expect("a directory is creatable");
        for entry in std::fs::read_dir(from).expect("a readable directory") {
            let entry = entry.expect("a directory entry");
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).expect("a directory is creatable");
        }
        std::fs::copy(from, to).expect("a copyable file");
    }
}

/// Runs `cargo <args>` offline in `dir`, into the shared target directory; panics with cargo's
/// output unless it succeeds. Returns its standard output.
fn cargo(dir: &Path, args: &[&str]) -> String {
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock"))
        .expect("the lock file is copyable");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("generated-crates-target");
    let output = Command::new(env!("CARGO"))
        .args(args)
        .args(["--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "cargo {args:?} in {} failed:\n{stdout}\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The photo-runtime dependency, by absolute path.
fn runtime_path() -> String {
    workspace().join("photo-api/runtime").display().to_string()
}

#[test]
fn a_crate_declaring_only_photo_runtime_and_tokio_builds_and_runs_generated_code() {
    let dir = project_dir("generated-crate");
    copy(
        &workspace().join("tests/generated-crate/src"),
        &dir.join("src"),
    );
    generate(
        &Options::external().with_emulator(),
        &dir.join("src/generated"),
    );
    let manifest = format!(
        r#"[package]
name = "generated-crate"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
photo-runtime = {{ path = {runtime:?}, features = ["client", "server", "emulator"] }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "net"] }}

[workspace]
"#,
        runtime = runtime_path()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("the manifest is writable");
    let stdout = cargo(&dir, &["run"]);
    assert_eq!(stdout.trim(), "round trip ok");
}

#[test]
fn photo_api_regenerated_from_another_description_builds_with_each_feature() {
    let dir = project_dir("photo-api-regenerated");
    let photo_api = workspace().join("photo-api");
    let copied = dir.join("photo-api");
    for part in ["Cargo.toml", "src", "tests"] {
        copy(&photo_api.join(part), &copied.join(part));
    }
    let generated = copied.join("src/generated");
    std::fs::remove_dir_all(&generated).expect("the photo spec's generated code is removable");
    generate(&Options::default(), &generated);

    // The workspace's manifest, with photo-api its only member and photo-runtime found where it is.
    let root = std::fs::read_to_string(workspace().join("Cargo.toml")).expect("the manifest");
    let members = root
        .lines()
        .find(|line| line.starts_with("members = "))
        .expect("the workspace lists its members");
    let root = root.replace(members, r#"members = ["photo-api"]"#).replace(
        r#"path = "photo-api/runtime""#,
        &format!("path = {:?}", runtime_path()),
    );
    std::fs::write(dir.join("Cargo.toml"), root).expect("the manifest is writable");
    cargo(&dir, &["build", "-p", "photo-api", "--all-features"]);
    cargo(&dir, &["check", "-p", "photo-api"]);
    cargo(
        &dir,
        &[
            "check",
            "-p",
            "photo-api",
            "--no-default-features",
            "--features",
            "server",
        ],
    );
}
