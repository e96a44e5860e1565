//! Project tasks: `cargo xtask codegen [--check] [--spec PATH] [--out DIR] [--include-path
//! PATTERN]… [--include-operation ID]…`, the benchmarks, and synthetic specs.

#![forbid(unsafe_code)]

mod bench;
mod bench_build;
mod bench_runtime;
mod chart;
mod codegen;
mod corpus;
mod corpus_build;
mod graph_spec;
mod peers;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask codegen [--check] [--spec PATH] [--out DIR]
                          [--include-path PATTERN]... [--include-operation ID]...
       cargo xtask corpus [--fetch] [--dir DIR] [--compile all|none|NAME,...] [--only NAME,...]
       cargo xtask bench [--smoke]
       cargo xtask bench-runtime [--smoke]
       cargo xtask bench-build SPEC
       cargo xtask synthetic-spec N OUT
       cargo xtask synthetic-graph-spec OUT

  codegen          regenerate photo-api's generated sources from the spec
    --check        change nothing; fail if the checked-in sources are stale
    --spec PATH    the OpenAPI description (default: spec/photo.openapi.yaml)
    --out DIR      where the generated modules go (default: photo-api/src/generated)
    --include-path PATTERN
                   generate only the operations of the paths matching PATTERN, such as
                   '/users/*/photo/**' (`*` is one path segment, `**` any number of them,
                   other segments are literal), and the components they use; repeatable
    --include-operation ID
                   generate only the operation with this operationId (and the components it
                   uses); repeatable, and combines with --include-path. A pattern or id that
                   matches nothing is an error
  corpus           generate whole public descriptions listed in tests/corpus/published.tsv
                   (each checked against its SHA-256) and print one table: operations,
                   generation time, warnings by kind, compile time
    --fetch        first bring the npm-published ones missing from the folder (npm pack)
    --dir DIR      the folder holding the descriptions (default: target/corpus)
    --compile WHICH
                   also build the generated crates of these descriptions (`all`, or names
                   separated by commas) with every feature, each as a crate of its own, and
                   run the client-server test the manifest names for it (tests/corpus/e2e/)
    --only NAMES   only these descriptions (names separated by commas)
  bench            time generation (per phase) and peak memory for specs of 1, 10, 100, 1000 copies
                   and for cutting the photo operations out of a Graph-sized synthetic
                   description, then whole processes side by side with progenitor when it is
                   installed (PROGENITOR=PATH or cargo-progenitor on PATH), charted in
                   BENCHMARKS.svg
    --smoke        only 1 and 10 copies and a small description, one run each, no chart (CI
                   keeps the harness working)
  bench-runtime    generated client + emulator vs a plain reqwest + axum baseline over 127.0.0.1:
                   4 MB PUT/GET throughput and latency, metadata requests per second, server
                   peak RSS during concurrent uploads (builds the photo-emulator binary first)
    --smoke        tiny iterations, about 20 seconds (CI keeps the harness working)
  bench-build      the cold `cargo build` of photo-gen's crate for SPEC (client only, then every
                   feature) next to openapi-generator's `rust` client for the same file, when it
                   is installed (OPENAPI_GENERATOR=PATH or openapi-generator-cli on PATH)
  synthetic-spec   write the photo spec with its paths repeated under N prefixes to OUT
  synthetic-graph-spec
                   write a description shaped like Microsoft Graph's full one (about 35 MB,
                   14.5k operations) around the photo spec to OUT, the one `bench` cuts from";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => match codegen::Args::parse(&args[1..]) {
            Ok(parsed) => codegen::run(&parsed),
            Err(message) => {
                eprintln!("error: {message}\n\n{USAGE}");
                ExitCode::from(2)
            }
        },
        Some("corpus") => match corpus::Args::parse(&args[1..]) {
            Ok(parsed) => corpus::run(&parsed),
            Err(message) => usage_error(&message),
        },
        Some("bench") => match &args[1..] {
            [] => bench::run(false),
            [flag] if flag == "--smoke" => bench::run(true),
            _ => usage_error("bench takes only --smoke"),
        },
        Some("bench-runtime") => match &args[1..] {
            [] => bench_runtime::run(false),
            [flag] if flag == "--smoke" => bench_runtime::run(true),
            _ => usage_error("bench-runtime takes only --smoke"),
        },
        Some("bench-build") => match &args[1..] {
            [spec] => bench_build::run(spec.as_ref()),
            _ => usage_error("bench-build takes SPEC"),
        },
        Some("bench-generate") => match &args[1..] {
            [spec, out, include @ ..] => match codegen::Args::parse(include) {
                Ok(parsed) => bench::generate_once(spec.as_ref(), out.as_ref(), &parsed.include),
                Err(message) => usage_error(&message),
            },
            _ => usage_error("bench-generate takes SPEC OUT [--include-path PATTERN]..."),
        },
        Some("synthetic-spec") => match &args[1..] {
            [n, out] => match n.parse::<usize>() {
                Ok(n) if n > 0 => synthetic(n, out.as_ref()),
                _ => usage_error("N must be a positive number"),
            },
            _ => usage_error("synthetic-spec takes N OUT"),
        },
        Some("synthetic-graph-spec") => match &args[1..] {
            [out] => synthetic_graph(out.as_ref()),
            _ => usage_error("synthetic-graph-spec takes OUT"),
        },
        Some("-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}

fn synthetic(copies: usize, out: &std::path::Path) -> ExitCode {
    let spec = codegen::workspace_root().join("spec/photo.openapi.yaml");
    let written = std::fs::read_to_string(&spec)
        .map_err(|e| e.to_string())
        .and_then(|base| bench::synthetic_spec(&base, copies))
        .and_then(|text| std::fs::write(out, text).map_err(|e| e.to_string()));
    match written {
        Ok(()) => {
            println!("wrote {} ({copies} copies of every path)", out.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn synthetic_graph(out: &std::path::Path) -> ExitCode {
    let spec = codegen::workspace_root().join("spec/photo.openapi.yaml");
    let written = std::fs::read_to_string(&spec)
        .map_err(|e| e.to_string())
        .and_then(|photo| graph_spec::write(&photo, graph_spec::Shape::FULL))
        .and_then(|(text, operations)| {
            std::fs::write(out, &text).map_err(|e| e.to_string())?;
            Ok((text.len(), operations))
        });
    match written {
        Ok((bytes, operations)) => {
            println!(
                "wrote {} ({:.1} MB, {operations} operations around the photo spec's)",
                out.display(),
                bytes as f64 / 1_000_000.0
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
