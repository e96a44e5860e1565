//! Regenerating photo-api from the spec, or checking that the checked-in output is current.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use photo_gen::{Generated, Include, Options, SpecSource, write};

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

/// A path as shown to people: relative to the current directory when possible.
fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The spec's name in the generated files' headers: its path from the workspace root, or its
/// file name when it lies outside the workspace, so that the output is the same from whichever
/// directory the command runs.
fn spec_name(spec: &Path, root: &Path) -> String {
    let absolute = spec.canonicalize().unwrap_or_else(|_| spec.to_path_buf());
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    match absolute.strip_prefix(&root) {
        Ok(relative) => relative
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => absolute.file_name().map_or_else(
            || spec.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        ),
    }
}

/// Generates from the spec, then writes what changed into `args.out` or, with `--check`, only
/// compares.
pub fn run(args: &Args) -> ExitCode {
    let text = match std::fs::read_to_string(&args.spec) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", shown(&args.spec));
            return ExitCode::FAILURE;
        }
    };
    let source = SpecSource::new(spec_name(&args.spec, &workspace_root()), text);
    let options = Options {
        include: args.include.clone(),
        ..Options::default()
    };
    let generated = match photo_gen::generate(&source, &options) {
        Ok(generated) => generated,
        Err(mut diagnostics) => {
            // Problems point at the file as seen from here, so that terminals can open it.
            diagnostics.file = shown(&args.spec);
            eprintln!("{diagnostics}");
            if !args.check {
                eprintln!("nothing was written");
            }
            return ExitCode::FAILURE;
        }
    };
    if !generated.warnings.is_empty() {
        let mut warnings = generated.warnings.clone();
        warnings.file = shown(&args.spec);
        eprintln!("{warnings}");
    }
    if args.check {
        check(args, &source, &generated)
    } else {
        write(args, &source, &generated)
    }
}

/// Fails, naming the files, when `generated` differs from what `args.out` holds.
fn check(args: &Args, source: &SpecSource, generated: &Generated) -> ExitCode {
    let stale = write::stale(&args.out, &generated.files);
    if stale.is_empty() {
        println!(
            "{} generated files are up to date with {} ({} operations)",
            generated.files.len(),
            source.name,
            generated.api.operations.len()
        );
        return ExitCode::SUCCESS;
    }
    eprintln!("error: generated code is stale:");
    for path in stale {
        eprintln!("  {}", shown(&path));
    }
    eprintln!("run `cargo xtask codegen` and commit the result");
    ExitCode::FAILURE
}

/// Writes the files of `generated` that changed into `args.out`, and says which.
fn write(args: &Args, source: &SpecSource, generated: &Generated) -> ExitCode {
    match write::write(&args.out, &generated.files) {
        Ok(report) => {
            println!(
                "{} → {} ({} operations)",
                source.name,
                shown(&args.out),
                generated.api.operations.len()
            );
            for path in &report.written {
                println!("  wrote     {}", shown(path));
            }
            for path in &report.unchanged {
                println!("  unchanged {}", shown(path));
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: writing {} failed: {error}", shown(&args.out));
            ExitCode::FAILURE
        }
    }
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
            original.replace("operationId: getMyPhoto\n", "operationId: getUserPhoto\n"),
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
