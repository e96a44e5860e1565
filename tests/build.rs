//! Generates every fixture spec under `fixtures/` and every description under `corpus/` into
//! `OUT_DIR`, so the fixtures crate compiles them all in one build (and shows the generator
//! running from a build script).

use std::path::{Path, PathBuf};

use photo_gen::{Options, SpecSource, write};
use quote::{format_ident, quote};

fn main() {
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let fixtures = manifest.join("fixtures");
    println!("cargo::rerun-if-changed={}", fixtures.display());
    let mut names: Vec<String> = std::fs::read_dir(&fixtures)
        .expect("tests/fixtures is readable")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("spec.yaml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut modules = Vec::new();
    for name in &names {
        let spec = fixtures.join(name).join("spec.yaml");
        println!("cargo::rerun-if-changed={}", spec.display());
        generate(
            &spec,
            &out.join(name),
            &format!("tests/fixtures/{name}/spec.yaml"),
        );
        let module = format_ident!("{}", name);
        let path = out.join(name).join("mod.rs").display().to_string();
        modules.push(quote! {
            #[path = #path]
            pub mod #module;
        });
    }
    // The corpus: whole descriptions in other vendors' dialects, one module each, `corpus_<name>`.
    let corpus = manifest.join("corpus");
    println!("cargo::rerun-if-changed={}", corpus.display());
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("tests/corpus is readable")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    specs.sort();
    for spec in &specs {
        let stem = spec
            .file_stem()
            .expect("a corpus spec has a name")
            .to_string_lossy();
        let name = format!("corpus_{stem}");
        println!("cargo::rerun-if-changed={}", spec.display());
        generate(spec, &out.join(&name), &format!("tests/corpus/{stem}.yaml"));
        let module = format_ident!("{}", name);
        let path = out.join(&name).join("mod.rs").display().to_string();
        modules.push(quote! {
            #[path = #path]
            pub mod #module;
        });
    }
    let file = syn::parse2::<syn::File>(quote!(#(#modules)*)).expect("module list parses");
    std::fs::write(out.join("fixtures.rs"), prettyplease::unparse(&file))
        .expect("OUT_DIR is writable");
}

fn generate(spec: &Path, out: &Path, shown_as: &str) {
    let text = std::fs::read_to_string(spec).expect("fixture spec is readable");
    let source = SpecSource::new(shown_as, text);
    // Fixtures named `emulator_*`, and the team photos in Microsoft's dialect, are also bound
    // to photo-api's emulator.
    let options = if shown_as.contains("/emulator_") || shown_as.contains("/teams_photo_graph/") {
        Options::external().with_emulator()
    } else {
        Options::external()
    };
    match photo_gen::generate(&source, &options) {
        Ok(generated) => {
            write::write(out, &generated.files).expect("OUT_DIR is writable");
        }
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            std::process::exit(1);
        }
    }
}
