//! Project tasks: `cargo xtask codegen [--check] [--spec PATH] [--out DIR]`.

mod codegen;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask codegen [--check] [--spec PATH] [--out DIR]

  codegen          regenerate photo-api's generated sources from the spec
    --check        change nothing; fail if the checked-in sources are stale
    --spec PATH    the OpenAPI description (default: spec/photo.openapi.yaml)
    --out DIR      where the generated modules go (default: photo-api/src/generated)";

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
