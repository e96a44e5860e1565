//! The `photo-gen` program as a user runs it: a crate generated and regenerated, `--check`, the
//! modules for a crate of one's own, and the errors that write nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A description in Microsoft's dialect: team photos as `Teams.yml` has them.
fn teams_spec() -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/teams_photo_graph/spec.yaml");
    fs::read_to_string(path).expect("the fixture is readable")
}

fn photo_gen(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_photo-gen"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("photo-gen runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file under `dir` with its text, by relative path.
fn tree(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in fs::read_dir(&at).expect("a directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let text = fs::read_to_string(&path).expect("text");
                out.push((path.strip_prefix(dir).expect("inside").to_path_buf(), text));
            }
        }
    }
    out.sort();
    out
}

const GENERATE: [&str; 8] = [
    "generate",
    "--spec",
    "Teams.yml",
    "--out",
    "teams-photo",
    "--crate",
    "teams-photo",
    "--include-path=/teams/*/photo/**",
];

#[test]
fn a_crate_is_generated_regenerated_and_checked() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let dir = dir.path();
    fs::write(dir.join("Teams.yml"), teams_spec()).expect("the spec");
    let first = photo_gen(&GENERATE, dir);
    assert!(first.status.success(), "{}", stderr(&first));
    let out = dir.join("teams-photo");
    let names: Vec<PathBuf> = tree(&out).into_iter().map(|(path, _)| path).collect();
    let expected = [
        ".photo-gen",
        "Cargo.toml",
        "README.md",
        "src/client.rs",
        "src/emulator.rs",
        "src/lib.rs",
        "src/models.rs",
        "src/openapi.yaml",
        "src/operations.rs",
        "src/server.rs",
    ]
    .map(PathBuf::from);
    assert_eq!(names, expected);
    // The operation no permission table covers is named, at its place in the spec.
    assert!(
        stderr(&first).contains("Teams.yml:35:5: warning: no permission table"),
        "{}",
        stderr(&first)
    );
    let cargo_toml = fs::read_to_string(out.join("Cargo.toml")).expect("Cargo.toml");
    assert!(
        cargo_toml.contains("[dependencies]\nphoto-runtime = "),
        "{cargo_toml}"
    );
    let readme = fs::read_to_string(out.join("README.md")).expect("README");
    assert!(
        readme.contains(
            "photo-gen generate --spec Teams.yml --out . --crate teams-photo --include-path '/teams/*/photo/**'"
        ),
        "{readme}"
    );

    // Again over the same output: nothing changes, and --check agrees.
    let before = tree(&out);
    let again = photo_gen(&GENERATE, dir);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(!stdout(&again).contains("wrote"), "{}", stdout(&again));
    assert_eq!(tree(&out), before);
    let check = [&GENERATE[..], &["--check"]].concat();
    assert!(photo_gen(&check, dir).status.success());

    // A changed spec: --check names the stale files and fails; regenerating rewrites only the
    // files the change touches (and the manifest).
    let edited = teams_spec().replace(
        "summary: Get photo from teams",
        "summary: Get the photo of a team",
    );
    fs::write(dir.join("Teams.yml"), edited).expect("edit the spec");
    let stale = photo_gen(&check, dir);
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        stderr(&stale).contains("generated code is stale"),
        "{}",
        stderr(&stale)
    );
    assert!(
        stderr(&stale).contains("src/client.rs"),
        "{}",
        stderr(&stale)
    );
    assert_eq!(tree(&out), before, "--check wrote nothing");
    let regenerated = photo_gen(&GENERATE, dir);
    assert!(regenerated.status.success(), "{}", stderr(&regenerated));
    let changed: Vec<PathBuf> = tree(&out)
        .into_iter()
        .zip(&before)
        .filter(|(now, then)| now != *then)
        .map(|(now, _)| now.0)
        .collect();
    // Every file's header names the spec's hash, so each one changes with the spec.
    assert!(changed.contains(&PathBuf::from("src/client.rs")));
    assert!(photo_gen(&check, dir).status.success());

    // Build output and other files beside the generated ones stay and are no obstacle.
    fs::write(out.join("Cargo.lock"), "# a user's lock file\n").expect("a lock file");
    assert!(photo_gen(&GENERATE, dir).status.success());
    assert!(out.join("Cargo.lock").exists());
}

#[test]
fn edited_or_foreign_files_are_never_overwritten() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let dir = dir.path();
    fs::write(dir.join("Teams.yml"), teams_spec()).expect("the spec");

    // A directory holding something else.
    let out = dir.join("teams-photo");
    fs::create_dir_all(out.join("src")).expect("a folder");
    fs::write(out.join("src/lib.rs"), "// mine\n").expect("a file of the user's");
    let refused = photo_gen(&GENERATE, dir);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("holds files photo-gen did not write (src/lib.rs)"),
        "{}",
        stderr(&refused)
    );
    assert!(stderr(&refused).contains("nothing was written"));
    assert_eq!(
        tree(&out),
        [(PathBuf::from("src/lib.rs"), "// mine\n".to_owned())]
    );

    // A generated file edited by hand.
    fs::remove_dir_all(&out).expect("clean");
    assert!(photo_gen(&GENERATE, dir).status.success());
    let models = out.join("src/models.rs");
    let edited = format!(
        "{}// a hand edit\n",
        fs::read_to_string(&models).expect("models")
    );
    fs::write(&models, &edited).expect("edit");
    fs::write(
        dir.join("Teams.yml"),
        teams_spec().replace("title: Teams", "title: Teams, again"),
    )
    .expect("edit the spec");
    let before = tree(&out);
    let refused = photo_gen(&GENERATE, dir);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("src/models.rs"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(tree(&out), before, "nothing was written");
}

#[test]
fn a_missing_or_invalid_spec_writes_nothing_and_says_where() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let dir = dir.path();
    let missing = photo_gen(&GENERATE, dir);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("error: cannot read Teams.yml"),
        "{}",
        stderr(&missing)
    );

    let broken = teams_spec().replace(
        "      parameters:\n        - $ref: '#/components/parameters/teamId'\n      responses:\n        2XX:\n          description: Retrieved media content",
        "      responses:\n        2XX:\n          description: Retrieved media content",
    );
    assert_ne!(broken, teams_spec(), "the edit applies");
    fs::write(dir.join("Teams.yml"), broken).expect("a broken spec");
    let invalid = photo_gen(&GENERATE, dir);
    assert_eq!(invalid.status.code(), Some(1));
    let message = stderr(&invalid);
    assert!(message.contains("Teams.yml:"), "{message}");
    assert!(message.contains(": error: "), "{message}");
    assert!(message.contains("team-id"), "{message}");
    assert!(message.contains("nothing was written"), "{message}");
    assert!(!dir.join("teams-photo").exists());
}

#[test]
fn modules_go_into_a_crate_of_ones_own_with_the_line_to_add() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let dir = dir.path();
    fs::write(dir.join("Teams.yml"), teams_spec()).expect("the spec");
    let args = ["generate", "--spec", "Teams.yml", "--modules", "src/graph"];
    let output = photo_gen(&args, dir);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output)
            .contains("add to the crate's [dependencies]:\n  photo-runtime = { version = "),
        "{}",
        stdout(&output)
    );
    // The modules are compiled whole, with the runtime's every feature; they reach every other
    // crate through it.
    let printed = stdout(&output);
    let added: Vec<&str> = printed
        .split("add to the crate's [dependencies]:\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .collect();
    assert_eq!(added.len(), 1, "{added:?}");
    assert!(
        added[0].ends_with(r#"features = ["client", "server", "emulator"] }"#),
        "{added:?}"
    );
    let names: Vec<PathBuf> = tree(&dir.join("src/graph"))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert!(names.contains(&PathBuf::from("mod.rs")), "{names:?}");
    assert!(names.contains(&PathBuf::from(".photo-gen")), "{names:?}");
    assert!(!names.contains(&PathBuf::from("Cargo.toml")));
}

#[test]
fn usage_errors_are_clap_errors() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let both = photo_gen(
        &[
            "generate",
            "--spec",
            "x.yml",
            "--out",
            "a",
            "--crate",
            "a",
            "--modules",
            "b",
        ],
        dir.path(),
    );
    assert_eq!(both.status.code(), Some(2));
    let bad_name = photo_gen(
        &["generate", "--spec", "x.yml", "--out", "a", "--crate", "1a"],
        dir.path(),
    );
    assert_eq!(bad_name.status.code(), Some(1));
    assert!(stderr(&bad_name).contains("is not a crate name"));
}
