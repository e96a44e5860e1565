//! `cargo xtask bench`: generator speed and memory at growing spec sizes.
//!
//! Synthetic specs repeat every photo path under N prefixes (`/tenant7/me/photo`, …). Each size
//! is generated in a fresh release-mode child process, so peak RSS is that of one generation;
//! the child times each phase (parse, lower, emit and format, write) and the parent prints a table.
//! Then [`crate::peers`] times whole processes side by side with progenitor.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

use photo_gen::{Include, Options, SpecSource, emit, locate, model, spec, subset, write};
use serde_yaml::{Mapping, Value};

use crate::codegen::workspace_root;
use crate::graph_spec::{self, Shape};

/// Writes the photo spec with its paths repeated under `copies` prefixes.
pub fn synthetic_spec(base: &str, copies: usize) -> Result<String, String> {
    let mut doc: Value =
        serde_yaml::from_str(base).map_err(|e| format!("spec does not parse: {e}"))?;
    let paths = doc
        .get("paths")
        .and_then(Value::as_mapping)
        .cloned()
        .ok_or("spec has no paths")?;
    let mut repeated = Mapping::new();
    for copy in 0..copies {
        for (path, item) in &paths {
            let path = path.as_str().ok_or("path keys are strings")?;
            let mut item = item.clone();
            if let Some(item) = item.as_mapping_mut() {
                for (_, op) in item.iter_mut() {
                    if let Some(id) = op.get_mut("operationId") {
                        let renamed = format!("{}T{copy}", id.as_str().unwrap_or_default());
                        *id = Value::String(renamed);
                    }
                }
            }
            repeated.insert(Value::String(format!("/tenant{copy}{path}")), item);
        }
    }
    if let Some(map) = doc.as_mapping_mut() {
        map.insert(Value::String("paths".into()), Value::Mapping(repeated));
    }
    serde_yaml::to_string(&doc).map_err(|e| format!("cannot write the synthetic spec: {e}"))
}

/// One generation with each phase timed; prints `key=value` pairs for the parent to read. With
/// `include`, only those operations are generated: `select_ms` is choosing them (`choose_ms`,
/// one read of the text) and cutting their text out (another read), which is all `parse_ms`
/// then parses.
pub fn generate_once(spec_path: &Path, out: &Path, include: &[Include]) -> ExitCode {
    let start = Instant::now();
    let Ok(text) = std::fs::read_to_string(spec_path) else {
        eprintln!("error: cannot read {}", spec_path.display());
        return ExitCode::FAILURE;
    };
    let source = SpecSource::new(spec_path.display().to_string(), text);
    let t_read = start.elapsed();
    let start = Instant::now();
    // With `include`: choose the subset, then cut its text out; only that is parsed.
    let mut t_choose = start.elapsed();
    let kept = if include.is_empty() {
        None
    } else {
        let cut = subset::select(&source.text, include).and_then(|selection| {
            t_choose = start.elapsed();
            selection
                .text(&source.text, &source.name, include)
                .map_err(subset::SelectError::Yaml)
        });
        match cut {
            Ok(text) => Some(SpecSource::new(source.name.clone(), text)),
            Err(error) => {
                eprintln!("error: cannot cut the subset: {error:?}");
                return ExitCode::FAILURE;
            }
        }
    };
    let t_select = start.elapsed();
    let parsed = kept.as_ref().unwrap_or(&source);
    let document = spec::parse(&parsed.text);
    let index = locate::Locator::new(&source.text);
    let t_parse = start.elapsed();
    let Ok(document) = document else {
        eprintln!("error: the spec does not parse");
        return ExitCode::FAILURE;
    };
    let mut diagnostics = photo_gen::Diagnostics::new_for(&source);
    let mut warnings = photo_gen::Diagnostics::new_for(&source);
    let Some(api) = model::lower(&document, &index, &mut diagnostics, &mut warnings) else {
        eprintln!("{diagnostics}");
        return ExitCode::FAILURE;
    };
    let t_lower = start.elapsed();
    // As `photo_gen::generate` does: the parsed document is not needed once lowered.
    drop(document);
    let options = Options::default();
    let runtime = match options.runtime() {
        Ok(runtime) => runtime,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    // The default options bind the emulator, whose binding reads the operations first.
    let media = emit::MediaEntities::classify(&api);
    let files = emit::emit(&api, parsed, &options, &runtime, Some(&media));
    let t_emit = start.elapsed();
    if let Err(error) = write::write(out, &files) {
        eprintln!("error: {error}");
        return ExitCode::FAILURE;
    }
    let t_write = start.elapsed();
    let lines = |rust_only: bool| -> usize {
        files
            .iter()
            .filter(|file| !rust_only || file.path.extension().is_some_and(|ext| ext == "rs"))
            .map(|file| file.contents.lines().count())
            .sum()
    };
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "operations={} lines={} rust_lines={} read_ms={:.1} parse_ms={:.1} select_ms={:.1} choose_ms={:.1} lower_ms={:.1} emit_ms={:.1} write_ms={:.1} total_ms={:.1} peak_rss_kb={}",
        api.operations.len(),
        lines(false),
        lines(true),
        ms(t_read),
        ms(t_parse - t_select),
        ms(t_select),
        ms(t_choose),
        ms(t_lower - t_parse),
        ms(t_emit - t_lower),
        ms(t_write - t_emit),
        ms(t_write),
        peak_rss_kb().unwrap_or(0),
    );
    ExitCode::SUCCESS
}

/// The process's peak resident set size, from Linux's `/proc/self/status`.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn field(line: &str, key: &str) -> String {
    line.split_whitespace()
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .unwrap_or("?")
        .to_owned()
}

pub fn run(smoke: bool) -> ExitCode {
    let root = workspace_root();
    let work = root.join("target/bench");
    let base = match std::fs::read_to_string(root.join("spec/photo.openapi.yaml")) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read the spec: {error}");
            return ExitCode::FAILURE;
        }
    };
    let sizes: &[usize] = if smoke { &[1, 10] } else { &[1, 10, 100, 1000] };
    let runs = if smoke { 1 } else { 3 };
    println!(
        "generator benchmark ({} mode, best of {runs} runs per size (one at N=1000), release build)",
        if smoke { "smoke" } else { "full" }
    );
    println!(
        "{:>5} {:>6} {:>8} {:>9} {:>9} {:>11} {:>9} {:>10} {:>10}",
        "N",
        "ops",
        "lines",
        "parse ms",
        "lower ms",
        "emit+fmt ms",
        "write ms",
        "total ms",
        "peak MiB"
    );
    // The real spec's figures, for the lines per operation.
    let mut photo_spec: Option<String> = None;
    let mut specs = Vec::new();
    for &n in sizes {
        let spec_path = work.join(format!("photo-x{n}.openapi.yaml"));
        let spec = if n == 1 {
            Ok(base.clone())
        } else {
            synthetic_spec(&base, n)
        };
        let written = spec.and_then(|text| {
            std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
            std::fs::write(&spec_path, text).map_err(|e| e.to_string())
        });
        if let Err(error) = written {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
        specs.push((n, spec_path.clone()));
        let mut best: Option<(f64, String)> = None;
        // N=1000 takes about a minute; one run is enough to see it.
        let runs_here = if n >= 1000 { 1 } else { runs };
        for run in 0..runs_here {
            let out_dir = work.join(format!("out-x{n}-{run}"));
            let _ = std::fs::remove_dir_all(&out_dir);
            let line = match generate_in_child(&root, &spec_path, &out_dir, &[]) {
                Ok(line) => line,
                Err(error) => {
                    eprintln!("error: generation at N={n} failed: {error}");
                    return ExitCode::FAILURE;
                }
            };
            let total: f64 = field(&line, "total_ms").parse().unwrap_or(f64::MAX);
            if best.as_ref().is_none_or(|(t, _)| total < *t) {
                best = Some((total, line));
            }
        }
        let Some((_, line)) = best else { continue };
        if n == 1 {
            photo_spec = Some(line.clone());
        }
        let peak_mib = field(&line, "peak_rss_kb")
            .parse::<f64>()
            .map(|kb| format!("{:.1}", kb / 1024.0))
            .unwrap_or_else(|_| "?".into());
        println!(
            "{:>5} {:>6} {:>8} {:>9} {:>9} {:>11} {:>9} {:>10} {:>10}",
            n,
            field(&line, "operations"),
            field(&line, "lines"),
            field(&line, "parse_ms"),
            field(&line, "lower_ms"),
            field(&line, "emit_ms"),
            field(&line, "write_ms"),
            field(&line, "total_ms"),
            peak_mib
        );
    }
    if let Some(line) = photo_spec {
        let per_operation = |key: &str| {
            let lines: f64 = field(&line, key).parse().unwrap_or(f64::NAN);
            let operations: f64 = field(&line, "operations").parse().unwrap_or(f64::NAN);
            lines / operations
        };
        println!();
        println!(
            "generated lines per operation, photo spec: {:.0} ({:.0} of them Rust)",
            per_operation("lines"),
            per_operation("rust_lines")
        );
    }
    if let Err(error) = subset_case(&root, &base, smoke) {
        eprintln!("error: {error}");
        return ExitCode::FAILURE;
    }
    if let Err(error) = crate::peers::side_by_side(&root, &work, &specs, smoke) {
        eprintln!("error: {error}");
        return ExitCode::FAILURE;
    }
    match build_times(&root, &work, smoke) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `bench-generate` in a fresh release-mode process (so that its peak RSS is that of one
/// generation) and returns the line it prints.
fn generate_in_child(
    root: &Path,
    spec: &Path,
    out: &Path,
    extra: &[&str],
) -> Result<String, String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "xtask",
            "--",
            "bench-generate",
        ])
        .arg(spec)
        .arg(out)
        .args(extra)
        .current_dir(root)
        .output()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The pattern the subset case cuts with, as a user cutting the photo crate would.
const PHOTO_PATTERN: &str = "/users/*/photo/**";

/// Writes a description shaped like Graph's full one into a temporary directory, then times
/// reading it, cutting out [`PHOTO_PATTERN`] and generating (best of 3 runs, one in smoke mode).
fn subset_case(root: &Path, photo: &str, smoke: bool) -> Result<(), String> {
    let shape = if smoke { Shape::SMOKE } else { Shape::FULL };
    let (text, added) = graph_spec::write(photo, shape)?;
    let photo_operations: usize = spec::parse(photo)
        .map_err(|error| format!("the photo spec does not parse: {error}"))?
        .paths
        .values()
        .map(|item| item.operations().len())
        .sum();
    let dir = std::env::temp_dir().join(format!("photo-gen-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let spec = dir.join("graph-shaped.openapi.yaml");
    std::fs::write(&spec, &text).map_err(|e| format!("cannot write {}: {e}", spec.display()))?;
    let megabytes = text.len() as f64 / 1_000_000.0;
    drop(text);
    let mut best: Option<(f64, String)> = None;
    for run in 0..if smoke { 1 } else { 3 } {
        let out = dir.join(format!("out-{run}"));
        let line = generate_in_child(root, &spec, &out, &["--include-path", PHOTO_PATTERN])
            .map_err(|error| format!("cutting {PHOTO_PATTERN} failed: {error}"))?;
        let total = field(&line, "read_ms").parse::<f64>().unwrap_or(f64::MAX)
            + field(&line, "total_ms").parse::<f64>().unwrap_or(f64::MAX);
        if best.as_ref().is_none_or(|(t, _)| total < *t) {
            best = Some((total, line));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let Some((total, line)) = best else {
        return Ok(());
    };
    let peak_mib = field(&line, "peak_rss_kb")
        .parse::<f64>()
        .unwrap_or(f64::NAN)
        / 1024.0;
    println!();
    println!(
        "subset of a Graph-shaped description ({megabytes:.1} MB, {} operations) with --include-path '{PHOTO_PATTERN}':",
        added + photo_operations
    );
    println!(
        "  {} operations kept; read {} ms, choose {} ms, choose and cut {} ms, parse {} ms, lower {} ms, emit+fmt {} ms, write {} ms; total {:.0} ms, peak {peak_mib:.0} MiB (targets: 3000 ms, 500 MiB)",
        field(&line, "operations"),
        field(&line, "read_ms"),
        field(&line, "choose_ms"),
        field(&line, "select_ms"),
        field(&line, "parse_ms"),
        field(&line, "lower_ms"),
        field(&line, "emit_ms"),
        field(&line, "write_ms"),
        total,
    );
    Ok(())
}

/// The generated crate this benchmark builds, with every feature (client, server, emulator).
const BUILD_ARGS: [&str; 4] = ["build", "--package", "photo-api", "--all-features"];

/// Prints how long `cargo build -p photo-api --all-features` (dev profile) takes from nothing
/// and after a generated file changes. The cold build uses a target directory of its own, emptied
/// first; the smoke mode skips it and times only the rebuild, in the workspace's target directory.
fn build_times(root: &Path, work: &Path, smoke: bool) -> Result<(), String> {
    let target = if smoke {
        None
    } else {
        let target = work.join("build-target");
        let _ = std::fs::remove_dir_all(&target);
        Some(target)
    };
    let cold = timed_build(root, target.as_deref())?;
    // A generated file changed: what regenerating after a spec edit costs.
    let touched = root.join("photo-api/src/generated/server.rs");
    std::fs::File::options()
        .append(true)
        .open(&touched)
        .and_then(|file| file.set_modified(std::time::SystemTime::now()))
        .map_err(|error| format!("cannot touch {}: {error}", touched.display()))?;
    let incremental = timed_build(root, target.as_deref())?;
    if smoke {
        println!(
            "cargo build -p photo-api --all-features (dev): cold not measured in smoke mode; after touching generated/server.rs {:.1} s",
            incremental
        );
    } else {
        println!(
            "cargo build -p photo-api --all-features (dev): cold {:.1} s (dependencies included); after touching generated/server.rs {:.1} s",
            cold, incremental
        );
    }
    Ok(())
}

/// Seconds one `cargo build` of the generated crate takes, into `target` if given.
fn timed_build(root: &Path, target: Option<&Path>) -> Result<f64, String> {
    let mut build = Command::new(env!("CARGO"));
    build.args(BUILD_ARGS).arg("--quiet").current_dir(root);
    if let Some(target) = target {
        build.env("CARGO_TARGET_DIR", target);
    }
    let start = Instant::now();
    let output = build
        .output()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo build -p photo-api failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(start.elapsed().as_secs_f64())
}
