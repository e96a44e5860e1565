//! `cargo xtask bench-build SPEC`: how long a user waits for the first `cargo build` of what a
//! generator wrote for a description. photo-gen's crate (client only, then with server and
//! emulator) and openapi-generator's `rust` client for the same file are generated, their
//! dependencies fetched, then each is built cold, in a target folder of its own, in one run.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use crate::corpus_build::{cargo, write_crate};
use crate::peers::{Timing, measure};

/// One generated crate to build.
struct Contender {
    label: String,
    generation: Result<Timing, String>,
    dir: PathBuf,
    features: &'static [&'static str],
}

pub fn run(spec: &Path) -> ExitCode {
    match try_run(spec) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn try_run(spec: &Path) -> Result<(), String> {
    let text =
        std::fs::read_to_string(spec).map_err(|error| format!("{}: {error}", spec.display()))?;
    let name = spec
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or("spec")
        .to_owned();
    let work = std::env::temp_dir().join("photo-gen-bench-build");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|error| error.to_string())?;

    eprintln!("generating with photo-gen");
    let file_name = spec
        .file_name()
        .map_or_else(|| name.clone(), |file| file.to_string_lossy().into_owned());
    let outcome = crate::corpus::generate(&file_name, text);
    if let Some(errors) = outcome.errors {
        return Err(format!("photo-gen refused {}:\n{errors}", spec.display()));
    }
    let ours = write_crate(
        &format!("bench-{name}"),
        &outcome.source,
        &outcome.files,
        None,
    )?;
    let generated = Ok(Timing {
        seconds: outcome.elapsed.as_secs_f64(),
        peak_mib: None,
    });
    let mut contenders = vec![
        Contender {
            label: format!("photo-gen, client ({} operations)", outcome.operations),
            generation: generated.clone(),
            dir: ours.clone(),
            features: &[],
        },
        Contender {
            label: "photo-gen, client + server + emulator".into(),
            generation: generated,
            dir: ours,
            features: &["--all-features"],
        },
    ];
    match openapi_generator() {
        Some(program) => {
            eprintln!("generating with openapi-generator (rust)");
            let dir = work.join("openapi-generator-rust");
            let mut command = Command::new(program);
            command
                // Its package version is the description's own (`v1.0-beta` gives
                // `1.0-beta.0`, which cargo refuses): a valid one is set, as a user would.
                .args([
                    "generate",
                    "-g",
                    "rust",
                    "--skip-validate-spec",
                    "--additional-properties=packageVersion=0.1.0",
                    "-i",
                ])
                .arg(spec)
                .arg("-o")
                .arg(&dir);
            // Its YAML reader refuses documents of over 3 Mi code points by default, and a
            // 3 MB description can take over 16 GB of heap; JDK_JAVA_OPTIONS set by the
            // caller wins.
            if std::env::var_os("JDK_JAVA_OPTIONS").is_none() {
                command.env("JDK_JAVA_OPTIONS", "-DmaxYamlCodePoints=2147483647 -Xmx20g");
            }
            contenders.push(Contender {
                label: "openapi-generator `rust`, client".into(),
                generation: measure(command),
                dir,
                features: &[],
            });
        }
        None => eprintln!(
            "openapi-generator not found (set OPENAPI_GENERATOR or put openapi-generator-cli on PATH): photo-gen alone"
        ),
    }

    println!(
        "cold `cargo build` (dependencies fetched first, a target folder each, no incremental cache) of {}:",
        spec.display()
    );
    println!("| crate | generation | cold build | result |\n|---|---:|---:|---|");
    for (index, contender) in contenders.iter().enumerate() {
        let generation = match &contender.generation {
            Ok(timing) => match timing.peak_mib {
                Some(peak) => format!("{:.1} s, {peak:.0} MiB", timing.seconds),
                None => format!("{:.1} s", timing.seconds),
            },
            Err(error) => {
                println!("| {} | fails: {error} | — | — |", contender.label);
                continue;
            }
        };
        eprintln!("building {}", contender.label);
        let target = work.join(format!("target-{index}"));
        let (wall, result) = match cold_build(&contender.dir, &target, contender.features) {
            Ok(built) => built,
            Err(refused) => {
                let refused = refused.replace('|', "\\|");
                println!("| {} | {generation} | — | {refused} |", contender.label);
                continue;
            }
        };
        println!(
            "| {} | {generation} | {:.0} s | {result} |",
            contender.label,
            wall.as_secs_f64()
        );
    }
    Ok(())
}

/// Fetches the crate's dependencies, then builds it in an empty `target`: the wall time, and
/// whether it compiled (with its first error when not).
fn cold_build(dir: &Path, target: &Path, features: &[&str]) -> Result<(Duration, String), String> {
    let fetched = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .arg("fetch")
        .current_dir(dir)
        .output()
        .map_err(|error| format!("cargo fetch: {error}"))?;
    if !fetched.status.success() {
        return Err(format!(
            "cargo refuses it: {}",
            String::from_utf8_lossy(&fetched.stderr)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
        ));
    }
    let _ = std::fs::remove_dir_all(target);
    let mut args = vec!["build", "--quiet"];
    args.extend_from_slice(features);
    let started = std::time::Instant::now();
    let result = cargo(target, dir, &args);
    let wall = started.elapsed();
    let _ = std::fs::remove_dir_all(target);
    Ok(match result {
        Ok(_) => (wall, "compiles".to_owned()),
        Err(errors) => {
            let count = errors
                .lines()
                .filter(|line| line.starts_with("error"))
                .count();
            let first = errors
                .lines()
                .find(|line| line.starts_with("error"))
                .unwrap_or("")
                .replace('|', "\\|");
            (
                wall,
                format!("does not compile ({count}+ errors; first: {first})"),
            )
        }
    })
}

/// openapi-generator's command line: `$OPENAPI_GENERATOR`, else `openapi-generator-cli` on
/// `PATH` (the PyPI and npm packages install it under that name).
fn openapi_generator() -> Option<PathBuf> {
    crate::peers::find_program("OPENAPI_GENERATOR", "openapi-generator-cli")
}
