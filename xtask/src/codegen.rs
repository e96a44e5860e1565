//! Regenerating photo-api from the spec, or checking that the checked-in output is current.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use photo_gen::{Options, SpecSource, write};

pub struct Args {
    pub check: bool,
    pub spec: PathBuf,
    pub out: PathBuf,
}

impl Args {
    pub fn parse(args: &[String]) -> Result<Args, String> {
        let root = workspace_root();
        let mut parsed = Args {
            check: false,
            spec: root.join("spec/photo.openapi.yaml"),
            out: root.join("photo-api/src/generated"),
        };
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--check" => parsed.check = true,
                "--spec" => parsed.spec = rest.next().ok_or("--spec needs a path")?.into(),
                "--out" => parsed.out = rest.next().ok_or("--out needs a directory")?.into(),
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

pub fn run(args: &Args) -> ExitCode {
    let text = match std::fs::read_to_string(&args.spec) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", shown(&args.spec));
            return ExitCode::FAILURE;
        }
    };
    let source = SpecSource::new(shown(&args.spec), text);
    let generated = match photo_gen::generate(&source, &Options::default()) {
        Ok(generated) => generated,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            eprintln!("nothing was written");
            return ExitCode::FAILURE;
        }
    };
    let operations = generated.api.operations.len();
    if args.check {
        let stale = write::stale(&args.out, &generated.files);
        if stale.is_empty() {
            println!(
                "{} generated files are up to date with {} ({operations} operations)",
                generated.files.len(),
                source.name
            );
            return ExitCode::SUCCESS;
        }
        eprintln!("error: generated code is stale:");
        for path in stale {
            eprintln!("  {}", shown(&path));
        }
        eprintln!("run `cargo xtask codegen` and commit the result");
        return ExitCode::FAILURE;
    }
    match write::write_all(&args.out, &generated.files) {
        Ok(report) => {
            println!(
                "{} → {} ({operations} operations)",
                source.name,
                shown(&args.out)
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
            eprintln!(
                "error: writing {} failed: {error}; no generated file was changed",
                shown(&args.out)
            );
            ExitCode::FAILURE
        }
    }
}
