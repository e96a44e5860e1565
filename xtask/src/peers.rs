//! photo-gen side by side with progenitor, the reference peer: both run as whole processes on
//! the same specs, taking turns, and the medians are printed and charted.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_yaml::Value;

use crate::chart::{self, Series};

/// Media types progenitor accepts for a request body.
const PROGENITOR_BODY_TYPES: [&str; 5] = [
    "application/json",
    "application/octet-stream",
    "text/plain",
    "text/x-markdown",
    "application/x-www-form-urlencoded",
];

/// Times photo-gen (`xtask codegen`, release) and, when it is installed, progenitor on the
/// benchmark's specs (`specs`: N and the spec's path), prints a table of medians, and in the
/// full mode writes the chart `BENCHMARKS.svg` at the workspace root.
pub fn side_by_side(
    root: &Path,
    work: &Path,
    specs: &[(usize, PathBuf)],
    smoke: bool,
) -> Result<(), String> {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let xtask = target.join("release/xtask");
    let progenitor = progenitor();
    println!();
    match &progenitor {
        Some(path) => println!(
            "side by side with progenitor ({}), whole processes taking turns, medians:",
            path.display()
        ),
        None => println!(
            "progenitor not found (set PROGENITOR or `cargo install cargo-progenitor`): photo-gen alone, whole process, medians:"
        ),
    }
    println!(
        "{:>5} {:>12} {:>12} {:>8} {:>13} {:>15}",
        "N", "photo-gen", "progenitor", "ratio", "photo-gen MiB", "progenitor MiB"
    );
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for (n, spec) in specs {
        let runs = match (smoke, *n) {
            (true, _) | (_, 1000..) => 1,
            (_, 100..) => 3,
            _ => 7,
        };
        let peer_spec = work.join(format!("progenitor-x{n}.openapi.yaml"));
        if progenitor.is_some() {
            let text = std::fs::read_to_string(spec).map_err(|error| error.to_string())?;
            std::fs::write(&peer_spec, spec_for_progenitor(&text)?)
                .map_err(|error| error.to_string())?;
        }
        let (mut our_times, mut our_peaks, mut their_times, mut their_peaks) =
            (vec![], vec![], vec![], vec![]);
        for run in 0..runs {
            let out = work.join(format!("side-x{n}-{run}"));
            let _ = std::fs::remove_dir_all(&out);
            let mut codegen = Command::new(&xtask);
            codegen
                .arg("codegen")
                .arg("--spec")
                .arg(spec)
                .arg("--out")
                .arg(out.join("photo-gen"));
            let timing = measure(codegen)?;
            our_times.push(timing.seconds);
            our_peaks.extend(timing.peak_mib);
            if let Some(progenitor) = &progenitor {
                let timing = measure(progenitor_command(
                    progenitor,
                    &peer_spec,
                    &out.join("progenitor"),
                ))?;
                their_times.push(timing.seconds);
                their_peaks.extend(timing.peak_mib);
            }
            let _ = std::fs::remove_dir_all(&out);
        }
        let our_time = median(&mut our_times);
        let their_time = median(&mut their_times);
        let show_mib = |peaks: &mut Vec<f64>| {
            if peaks.is_empty() {
                "?".to_owned()
            } else {
                format!("{:.0}", median(peaks))
            }
        };
        println!(
            "{:>5} {:>10.1}ms {:>10} {:>8} {:>13} {:>15}",
            n,
            our_time * 1e3,
            if their_time.is_nan() {
                "-".to_owned()
            } else {
                format!("{:.1}ms", their_time * 1e3)
            },
            if their_time.is_nan() {
                "-".to_owned()
            } else {
                format!("{:.1}x", their_time / our_time)
            },
            show_mib(&mut our_peaks),
            if progenitor.is_some() {
                show_mib(&mut their_peaks)
            } else {
                "-".to_owned()
            },
        );
        ours.push((*n as f64, our_time));
        if !their_time.is_nan() {
            theirs.push((*n as f64, their_time));
        }
    }
    if !smoke {
        let mut series = vec![Series {
            name: "photo-gen".into(),
            color: "#1f77b4",
            points: ours,
        }];
        if !theirs.is_empty() {
            series.push(Series {
                name: "progenitor".into(),
                color: "#d62728",
                points: theirs,
            });
        }
        let svg = chart::svg(
            "Generation time against spec size (whole process, median)",
            "N (copies of the photo paths; 38 operations each)",
            "seconds",
            &series,
        );
        let path = root.join("BENCHMARKS.svg");
        std::fs::write(&path, svg)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        println!("chart written to {}", path.display());
    }
    Ok(())
}

/// The spec as progenitor can read it: request bodies of media types it refuses (such as
/// `image/jpeg`), inline or in `components/requestBodies`, re-declared as
/// `application/octet-stream` with the same schema.
pub fn spec_for_progenitor(text: &str) -> Result<String, String> {
    let mut spec: Value = serde_yaml::from_str(text).map_err(|error| error.to_string())?;
    let mut bodies: Vec<&mut Value> = Vec::new();
    let mut components = None;
    if let Value::Mapping(root) = &mut spec {
        for (key, value) in root.iter_mut() {
            match key.as_str() {
                Some("paths") => {
                    for item in value
                        .as_mapping_mut()
                        .into_iter()
                        .flat_map(|paths| paths.values_mut())
                    {
                        for operation in item
                            .as_mapping_mut()
                            .into_iter()
                            .flat_map(|item| item.values_mut())
                        {
                            if let Some(body) = operation.get_mut("requestBody") {
                                bodies.push(body);
                            }
                        }
                    }
                }
                Some("components") => components = Some(value),
                _ => {}
            }
        }
    }
    if let Some(shared) = components
        .and_then(|components| components.get_mut("requestBodies"))
        .and_then(Value::as_mapping_mut)
    {
        bodies.extend(shared.values_mut());
    }
    for body in bodies {
        let Some(content) = body.get_mut("content").and_then(Value::as_mapping_mut) else {
            continue;
        };
        let refused: Vec<Value> = content
            .keys()
            .filter(|media| {
                media.as_str().is_some_and(|media| {
                    !PROGENITOR_BODY_TYPES.contains(&media.split(';').next().unwrap_or("").trim())
                })
            })
            .cloned()
            .collect();
        for media in refused {
            if let Some(schema) = content.remove(&media) {
                content
                    .entry(Value::from("application/octet-stream"))
                    .or_insert(schema);
            }
        }
    }
    serde_yaml::to_string(&spec).map_err(|error| error.to_string())
}

/// What one generation cost.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Wall time of the whole process.
    pub seconds: f64,
    /// Peak resident memory, when `/usr/bin/time` is there to report it.
    pub peak_mib: Option<f64>,
}

/// Where progenitor's command line is: `$PROGENITOR`, else `cargo-progenitor` on `PATH` or in
/// cargo's own bin folder (`cargo install cargo-progenitor` puts it there).
pub fn progenitor() -> Option<PathBuf> {
    find_program("PROGENITOR", "cargo-progenitor")
}

/// A peer's command line: the path in the environment variable `variable`, else `program` on
/// `PATH` or in cargo's own bin folder.
pub fn find_program(variable: &str, program: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable) {
        return Some(PathBuf::from(path));
    }
    let mut folders: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        folders.push(PathBuf::from(home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        folders.push(PathBuf::from(home).join(".cargo/bin"));
    }
    folders
        .into_iter()
        .map(|folder| folder.join(program))
        .find(|candidate| candidate.is_file())
}

/// progenitor generating a client crate for `spec` into `out`.
pub fn progenitor_command(progenitor: &Path, spec: &Path, out: &Path) -> Command {
    let mut command = Command::new(progenitor);
    command
        .arg("progenitor")
        .arg("--input")
        .arg(spec)
        .arg("--output")
        .arg(out)
        .args(["--name", "photo-client", "--version", "0.1.0"]);
    command
}

/// Runs `command` to completion and measures it; an error says what it printed on failure.
pub fn measure(command: Command) -> Result<Timing, String> {
    let rss_file = std::env::temp_dir().join(format!("photo-gen-bench-rss-{}", std::process::id()));
    let time = Path::new("/usr/bin/time");
    let mut run = if time.is_file() {
        let mut wrapped = Command::new(time);
        wrapped
            .args(["-f", "%M", "-o"])
            .arg(&rss_file)
            .arg(command.get_program())
            .args(command.get_args());
        if let Some(folder) = command.get_current_dir() {
            wrapped.current_dir(folder);
        }
        for (key, value) in command.get_envs() {
            match value {
                Some(value) => wrapped.env(key, value),
                None => wrapped.env_remove(key),
            };
        }
        wrapped
    } else {
        command
    };
    let start = Instant::now();
    let output = run
        .output()
        .map_err(|error| format!("cannot run {:?}: {error}", run.get_program()))?;
    let seconds = start.elapsed().as_secs_f64();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr
            .lines()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("");
        return Err(format!("{:?} failed: {first}", run.get_program()));
    }
    let peak_mib = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|text| text.lines().last()?.trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0);
    let _ = std::fs::remove_file(&rss_file);
    Ok(Timing { seconds, peak_mib })
}

/// The median of some values (the mean of the middle two for an even count).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        len if len % 2 == 1 => values[len / 2],
        len => (values[len / 2 - 1] + values[len / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_body_types_become_octet_stream_inline_and_shared() {
        let spec = "paths:\n  /a:\n    put:\n      requestBody:\n        content:\n          image/jpeg: {schema: {type: string}}\n    parameters: []\ncomponents:\n  requestBodies:\n    B:\n      content:\n        image/png: {schema: {type: string, format: binary}}\n        application/json: {schema: {type: object}}\n";
        let adjusted: Value =
            serde_yaml::from_str(&spec_for_progenitor(spec).expect("adjusts")).expect("yaml");
        let inline = &adjusted["paths"]["/a"]["put"]["requestBody"]["content"];
        assert!(inline.get("image/jpeg").is_none());
        assert_eq!(
            inline["application/octet-stream"]["schema"]["type"],
            "string"
        );
        let shared = &adjusted["components"]["requestBodies"]["B"]["content"];
        assert_eq!(
            shared["application/octet-stream"]["schema"]["format"],
            "binary"
        );
        assert_eq!(shared["application/json"]["schema"]["type"], "object");
        assert!(shared.get("image/png").is_none());
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn a_failing_command_says_so() {
        let error = measure(Command::new("false")).expect_err("false fails");
        assert!(error.contains("failed"), "{error}");
    }

    #[test]
    fn a_command_is_timed() {
        let timing = measure(Command::new("true")).expect("true succeeds");
        assert!(timing.seconds >= 0.0);
    }
}
