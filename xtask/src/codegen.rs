//! Regenerating photo-api from the spec, or checking that the checked-in output is current.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use photo_gen::command::{self, Output, Request, spec_name};
use photo_gen::{Include, Options};

pub struct Args {
    pub check: bool,
    pub spec: PathBuf,
    pub out: PathBuf,
    /// `--include-path` and `--include-operation`, in order; empty generates everything.
    pub include: Vec<Include>,
}

impl Args {
    pub fn parse(args: &[String]) -> Result<Args, String> {
        let root = workspace_root();
        let mut parsed = Args {
            check: false,
            spec: root.join("spec/photo.openapi.yaml"),
            out: root.join("photo-api/src/generated"),
            include: Vec::new(),
        };
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--check" => parsed.check = true,
                "--spec" => parsed.spec = rest.next().ok_or("--spec needs a path")?.into(),
                "--out" => parsed.out = rest.next().ok_or("--out needs a directory")?.into(),
                "--include-path" => parsed.include.push(Include::Path(
                    rest.next().ok_or("--include-path needs a pattern")?.clone(),
                )),
                "--include-operation" => parsed.include.push(Include::Operation(
                    rest.next()
                        .ok_or("--include-operation needs an operation id")?
                        .clone(),
                )),
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(parsed)
    }
}

/// The workspace root: xtask lives one level below it.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Generates from the spec, then writes what changed into `args.out` or, with `--check`, only
/// compares: photo-gen's own command-line run, with photo-api's options.
pub fn run(args: &Args) -> ExitCode {
    let request = Request {
        spec: args.spec.clone(),
        spec_name: spec_name(&args.spec, &workspace_root()),
        out: args.out.clone(),
        output: Output::Modules,
        options: Options {
            include: args.include.clone(),
            ..Options::default()
        },
        check: args.check,
        stale_hint: "run `cargo xtask codegen` and commit the result".into(),
    };
    command::run(&request)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `dir` with its bytes, in name order.
    fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("out")
            .map(|entry| {
                let path = entry.expect("entry").path();
                let bytes = std::fs::read(&path).expect("read");
                (path, bytes)
            })
            .collect();
        files.sort();
        files
    }

    fn args(spec: &Path, out: &Path, check: bool) -> Args {
        Args {
            check,
            spec: spec.to_path_buf(),
            out: out.to_path_buf(),
            include: Vec::new(),
        }
    }

    #[test]
    fn include_flags_repeat_and_keep_their_order() {
        let given = [
            "--include-path",
            "/users/*/photo/**",
            "--include-operation",
            "groups.GetPhoto",
            "--include-path",
            "/me/photo",
        ]
        .map(String::from);
        let parsed = Args::parse(&given).expect("flags");
        assert_eq!(
            parsed.include,
            [
                Include::Path("/users/*/photo/**".into()),
                Include::Operation("groups.GetPhoto".into()),
                Include::Path("/me/photo".into()),
            ]
        );
        let missing = Args::parse(&["--include-operation".into()]).err();
        assert_eq!(
            missing.as_deref(),
            Some("--include-operation needs an operation id")
        );
    }

    #[test]
    fn the_spec_is_named_from_the_workspace_root_or_by_its_file_name() {
        let root = workspace_root();
        assert_eq!(
            spec_name(&root.join("photo-api/../spec/photo.openapi.yaml"), &root),
            "spec/photo.openapi.yaml"
        );
        let outside = std::env::temp_dir().join(format!("outside-{}.yaml", std::process::id()));
        std::fs::write(&outside, "x").expect("temp spec");
        assert_eq!(
            spec_name(&outside, &root),
            outside.file_name().expect("name").to_string_lossy()
        );
        let _ = std::fs::remove_file(outside);
    }

    #[test]
    fn regenerating_is_stable_and_check_catches_every_kind_of_drift() {
        let dir = std::env::temp_dir().join(format!("xtask-codegen-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let spec = dir.join("photo.openapi.yaml");
        let out = dir.join("generated");
        let original = std::fs::read_to_string(workspace_root().join("spec/photo.openapi.yaml"))
            .expect("spec");
        std::fs::write(&spec, &original).expect("copy spec");

        assert_eq!(run(&args(&spec, &out, false)), ExitCode::SUCCESS);
        let first = contents(&out);
        assert_eq!(run(&args(&spec, &out, false)), ExitCode::SUCCESS);
        let second = contents(&out);
        assert_eq!(first, second, "a second run changed the output");
        assert_eq!(run(&args(&spec, &out, true)), ExitCode::SUCCESS);

        // A hand edit of a generated file is stale.
        let client = out.join("client.rs");
        let generated = std::fs::read_to_string(&client).expect("client.rs");
        std::fs::write(&client, generated.replace("pub fn me(", "pub fn my(")).expect("edit");
        assert_eq!(run(&args(&spec, &out, true)), ExitCode::FAILURE);
        assert_eq!(run(&args(&spec, &out, false)), ExitCode::SUCCESS);

        // So is output generated from an older spec.
        std::fs::write(
            &spec,
            original.replace(
                "summary: Upload the photo of the signed-in user",
                "summary: Upload a photo",
            ),
        )
        .expect("edit spec");
        assert_eq!(run(&args(&spec, &out, true)), ExitCode::FAILURE);

        // A broken spec writes nothing.
        let before = contents(&out);
        std::fs::write(
            &spec,
            original.replace(
                "$ref: '#/components/responses/PhotoMetadata'",
                "$ref: '#/components/responses/Missing'",
            ),
        )
        .expect("break spec");
        assert_eq!(run(&args(&spec, &out, false)), ExitCode::FAILURE);
        let after = contents(&out);
        assert_eq!(before, after, "a refused spec changed files");
        let fresh = dir.join("fresh");
        assert_eq!(run(&args(&spec, &fresh, false)), ExitCode::FAILURE);
        assert!(
            !fresh.exists(),
            "a refused spec created the output directory"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
