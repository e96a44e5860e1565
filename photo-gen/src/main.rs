//! `photo-gen`: generates a standalone crate (or the modules for a crate of one's own) from an
//! OpenAPI description of Microsoft Graph's photo API, or of another API.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use photo_gen::command::{self, Output, Request};
use photo_gen::standalone::{CrateSpec, RuntimeDependency};
use photo_gen::{Include, Options};

#[derive(Parser)]
#[command(name = "photo-gen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a typed client, an axum server stub and an emulator binding from a description.
    Generate(Generate),
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("output").required(true).args(["out", "modules"])))]
struct Generate {
    /// The OpenAPI description (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    spec: PathBuf,
    /// Write a complete crate into DIR (with `--crate`).
    #[arg(long, value_name = "DIR", requires = "crate_name")]
    out: Option<PathBuf>,
    /// The generated crate's package name.
    #[arg(long = "crate", value_name = "NAME", requires = "out")]
    crate_name: Option<String>,
    /// Write only the generated modules into DIR of a crate of your own, such as `src/graph`.
    #[arg(long, value_name = "DIR")]
    modules: Option<PathBuf>,
    /// Keep the operations of the paths matching PATTERN (`*` one segment, `**` any number).
    #[arg(long = "include-path", value_name = "PATTERN")]
    include_path: Vec<String>,
    /// Keep one operation by its operationId.
    #[arg(long = "include-operation", value_name = "ID")]
    include_operation: Vec<String>,
    /// Depend on the runtime crate at DIR (a checkout of photo-runtime) instead of its
    /// published version.
    #[arg(long = "runtime-path", value_name = "DIR")]
    runtime_path: Option<PathBuf>,
    /// Compare with what the output holds instead of writing; fails naming the stale files.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let Cli {
        command: Command::Generate(args),
    } = Cli::parse();
    match request(&args) {
        Ok(request) => command::run(&request),
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The run `args` ask for, or why they cannot be run.
fn request(args: &Generate) -> Result<Request, String> {
    let runtime = match &args.runtime_path {
        Some(dir) => RuntimeDependency::Path(
            dir.canonicalize()
                .map_err(|error| format!("--runtime-path {}: {error}", dir.display()))?,
        ),
        None => RuntimeDependency::default(),
    };
    // Includes keep their command-line order within each kind.
    let include: Vec<Include> = args
        .include_path
        .iter()
        .cloned()
        .map(Include::Path)
        .chain(
            args.include_operation
                .iter()
                .cloned()
                .map(Include::Operation),
        )
        .collect();
    // Headers name the spec by its file name, so the output does not depend on where the
    // command runs from.
    let spec_name = args.spec.file_name().map_or_else(
        || args.spec.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let mut again = format!("photo-gen generate --spec {spec_name}");
    let (out, output) = match (&args.out, &args.crate_name, &args.modules) {
        (Some(out), Some(name), None) => {
            again.push_str(&format!(" --out . --crate {name}"));
            (
                out.clone(),
                Output::Crate(CrateSpec::new(name, runtime.clone())?),
            )
        }
        (None, None, Some(modules)) => {
            again.push_str(" --modules .");
            (modules.clone(), Output::OwnedModules(runtime.clone()))
        }
        _ => return Err("give either --out DIR --crate NAME or --modules DIR".into()),
    };
    for item in &include {
        match item {
            Include::Path(pattern) => again.push_str(&format!(" --include-path '{pattern}'")),
            Include::Operation(id) => again.push_str(&format!(" --include-operation {id}")),
        }
    }
    if let RuntimeDependency::Path(dir) = &runtime {
        again.push_str(&format!(" --runtime-path {}", dir.display()));
    }
    let external = Options::external().with_emulator();
    let options = Options {
        command: again,
        include,
        // A crate of its own has photo-api's features; modules in someone's crate are all
        // compiled.
        feature_gates: matches!(output, Output::Crate(_)),
        reexport_runtime: matches!(output, Output::Crate(_)),
        ..external
    };
    Ok(Request {
        spec: args.spec.clone(),
        spec_name,
        out,
        output,
        options,
        check: args.check,
        stale_hint: "run the same command without --check to regenerate".into(),
    })
}
