//! One run of the generator from the command line: read the spec, generate, report problems and
//! warnings, then write what changed into the output (or, with `check`, only compare). Shared by
//! the `photo-gen` program and this repository's `cargo xtask codegen`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::manifest::{self, Plan};
use crate::standalone::{self, CrateSpec, RuntimeDependency};
use crate::{Generated, Options, SpecSource, write};

/// Prints a line to standard output. A closed pipe (`photo-gen … | head`) or a full disk is
/// not a reason to stop generating, so a failed write is dropped where `println!` would panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Prints a line to standard error; as [`say!`], a failed write is dropped.
macro_rules! report {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// What to write into the output directory.
#[derive(Clone, Debug)]
pub enum Output {
    /// The generated modules, into a directory whose files are all generated and checked in
    /// beside the generator (photo-api's `src/generated`): no manifest.
    Modules,
    /// The generated modules, into a directory of someone's crate, under a `.photo-gen`
    /// manifest; prints the dependency lines the crate needs for them.
    OwnedModules(RuntimeDependency),
    /// A whole crate, under a `.photo-gen` manifest.
    Crate(CrateSpec),
}

/// One run.
#[derive(Clone)]
pub struct Request {
    /// The spec file.
    pub spec: PathBuf,
    /// The spec's name in the generated files' headers.
    pub spec_name: String,
    pub out: PathBuf,
    pub output: Output,
    pub options: Options,
    /// Compare instead of writing.
    pub check: bool,
    /// What to tell someone whose output is stale.
    pub stale_hint: String,
}

/// Runs `request`, printing what it did: the files written and left unchanged, or every
/// problem of the spec (`file:line:col`), or why nothing was written.
pub fn run(request: &Request) -> ExitCode {
    let text = match std::fs::read_to_string(&request.spec) {
        Ok(text) => text,
        Err(error) => {
            report!("error: cannot read {}: {error}", shown(&request.spec));
            return ExitCode::FAILURE;
        }
    };
    let source = SpecSource::new(request.spec_name.clone(), text);
    let generated = match crate::generate(&source, &request.options) {
        Ok(generated) => generated,
        Err(mut diagnostics) => {
            // Problems point at the file as seen from here, so that terminals can open it.
            diagnostics.file = shown(&request.spec);
            report!("{diagnostics}");
            if !request.check {
                report!("nothing was written");
            }
            return ExitCode::FAILURE;
        }
    };
    if !generated.warnings.is_empty() {
        let mut warnings = generated.warnings.clone();
        warnings.file = shown(&request.spec);
        report!("{warnings}");
    }
    let files = match &request.output {
        Output::Crate(spec) => standalone::crate_files(
            generated.files.clone(),
            spec,
            &source,
            &request.options.command,
        ),
        Output::Modules | Output::OwnedModules(_) => generated.files.clone(),
    };
    let plan = match request.output {
        Output::Modules => Plan {
            files,
            remove: Vec::new(),
        },
        Output::OwnedModules(_) | Output::Crate(_) => match manifest::plan(&request.out, &files) {
            Ok(plan) => plan,
            Err(refusal) => {
                report!("error: {refusal}");
                report!("nothing was written");
                return ExitCode::FAILURE;
            }
        },
    };
    let status = if request.check {
        check(request, &source, &generated, &plan)
    } else {
        write(request, &source, &generated, &plan)
    };
    if status == ExitCode::SUCCESS
        && !request.check
        && let Output::OwnedModules(runtime) = &request.output
    {
        let features: &[&str] = if request.options.emulator_path.is_some() {
            &["client", "server", "emulator"]
        } else {
            &["client", "server"]
        };
        say!("add to the crate's [dependencies]:");
        for line in standalone::module_dependencies(&generated.files, runtime, features) {
            say!("  {line}");
        }
    }
    status
}

/// Fails, naming the files, when the plan's files differ from what the output holds.
fn check(request: &Request, source: &SpecSource, generated: &Generated, plan: &Plan) -> ExitCode {
    let mut stale = write::stale(&request.out, &plan.files);
    stale.extend(plan.remove.iter().cloned());
    if stale.is_empty() {
        say!(
            "{} generated files are up to date with {} ({} operations)",
            plan.files.len(),
            source.name,
            generated.api.operations.len()
        );
        return ExitCode::SUCCESS;
    }
    report!("error: generated code is stale:");
    for path in stale {
        report!("  {}", shown(&path));
    }
    report!("{}", request.stale_hint);
    ExitCode::FAILURE
}

/// Writes the plan's files that changed (all or none), removes what an earlier run wrote and
/// this one does not, and says which.
fn write(request: &Request, source: &SpecSource, generated: &Generated, plan: &Plan) -> ExitCode {
    let report = match write::write(&request.out, &plan.files) {
        Ok(report) => report,
        Err(error) => {
            report!("error: writing {} failed: {error}", shown(&request.out));
            report!("nothing was written");
            return ExitCode::FAILURE;
        }
    };
    say!(
        "{} → {} ({} operations)",
        source.name,
        shown(&request.out),
        generated.api.operations.len()
    );
    for path in &report.written {
        say!("  wrote     {}", shown(path));
    }
    for path in &report.unchanged {
        say!("  unchanged {}", shown(path));
    }
    for path in &plan.remove {
        match std::fs::remove_file(path) {
            Ok(()) => say!("  removed   {}", shown(path)),
            Err(error) => {
                report!("error: removing {} failed: {error}", shown(path));
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

/// A path as shown to people: relative to the current directory when possible.
pub fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The spec's name in the generated files' headers: its path from `root`, or its file name when
/// it lies outside `root`, so that the output is the same from whichever directory the command
/// runs.
pub fn spec_name(spec: &Path, root: &Path) -> String {
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
