//! `cargo xtask corpus`: photo-gen on whole public descriptions nobody here wrote.
//!
//! `tests/corpus/published.tsv` names each description, where it is published and its SHA-256.
//! None is kept in the repository: `--fetch` takes the npm-published ones from the registry
//! (`npm pack`), and the others are placed in the folder by whoever runs the corpus. Each file
//! present is checked byte for byte, generated whole, written as a crate of its own and, when
//! asked, compiled; one table reports operations, generation time, warnings by kind and compile
//! time.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use photo_gen::{Options, SpecSource};
use sha2::{Digest, Sha256};

use crate::codegen::workspace_root;

/// One published description.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub source: Source,
    /// The file's path inside the package or repository.
    pub path: String,
    pub sha256: String,
    pub licence: String,
    pub about: String,
    /// The end-to-end test written against this description's generated crate
    /// (`tests/corpus/e2e/NAME.rs`), run when the crate is compiled.
    pub e2e: Option<String>,
}

/// Where a description is published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A package on the npm registry, at a version.
    Npm { package: String, version: String },
    /// A public git repository, at a commit.
    Git { repository: String, commit: String },
}

impl Entry {
    /// The file name it has in the corpus folder: its name, with the original's extension.
    pub fn file_name(&self) -> String {
        let extension = Path::new(&self.path)
            .extension()
            .and_then(|extension| extension.to_str())
            .unwrap_or("yaml");
        format!("{}.{extension}", self.name)
    }

    fn source_text(&self) -> String {
        match &self.source {
            Source::Npm { package, version } => format!("npm {package}@{version}"),
            Source::Git { repository, commit } => format!("{repository}@{}", &commit[..12]),
        }
    }
}

/// The manifest's path.
pub fn manifest_path() -> PathBuf {
    workspace_root().join("tests/corpus/published.tsv")
}

/// The corpus folder unless `--dir` names another.
pub fn default_dir() -> PathBuf {
    workspace_root().join("target/corpus")
}

/// Reads the manifest: tab-separated, `#` starts a comment line.
pub fn read_manifest(text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |message: &str| format!("published.tsv:{}: {message}", number + 1);
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, source, path, sha256, licence, about, e2e] = fields[..] else {
            return Err(at("expected 7 tab-separated fields"));
        };
        let source = if let Some(spec) = source.strip_prefix("npm:") {
            // The version follows the last `@`; a scoped package starts with one.
            let (package, version) = spec
                .rsplit_once('@')
                .filter(|(package, _)| !package.is_empty())
                .ok_or_else(|| at("an npm source is npm:PACKAGE@VERSION"))?;
            Source::Npm {
                package: package.to_owned(),
                version: version.to_owned(),
            }
        } else if let Some(spec) = source.strip_prefix("git:") {
            let (repository, commit) = spec
                .split_once('@')
                .filter(|(_, commit)| commit.len() == 40)
                .ok_or_else(|| at("a git source is git:OWNER/REPO@COMMIT (40 hex digits)"))?;
            Source::Git {
                repository: repository.to_owned(),
                commit: commit.to_owned(),
            }
        } else {
            return Err(at("the source starts with npm: or git:"));
        };
        if sha256.len() != 64 || !sha256.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(at("the SHA-256 is 64 hex digits"));
        }
        entries.push(Entry {
            name: name.to_owned(),
            source,
            path: path.to_owned(),
            sha256: sha256.to_ascii_lowercase(),
            licence: licence.to_owned(),
            about: about.to_owned(),
            e2e: (e2e != "-").then(|| e2e.to_owned()),
        });
    }
    Ok(entries)
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The entry's text from the corpus folder: `Ok(None)` when absent, an error when it is not
/// the published file.
pub fn read_entry(dir: &Path, entry: &Entry) -> Result<Option<String>, String> {
    let path = dir.join(entry.file_name());
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(format!("{}: {error}", path.display())),
    };
    let found = sha256(&bytes);
    if found != entry.sha256 {
        return Err(format!(
            "{}: SHA-256 {found}, but the published file's is {}",
            path.display(),
            entry.sha256
        ));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| format!("{}: not UTF-8 text", path.display()))
}

/// Brings every npm-published entry missing from `dir`, one `npm pack` per package.
fn fetch(dir: &Path, entries: &[Entry]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let mut packages: BTreeMap<(String, String), Vec<&Entry>> = BTreeMap::new();
    for entry in entries {
        if let Source::Npm { package, version } = &entry.source
            && read_entry(dir, entry).ok().flatten().is_none()
        {
            packages
                .entry((package.clone(), version.clone()))
                .or_default()
                .push(entry);
        }
    }
    for ((package, version), wanted) in packages {
        let unpacked = dir.join(".fetch");
        let _ = std::fs::remove_dir_all(&unpacked);
        std::fs::create_dir_all(&unpacked).map_err(|error| error.to_string())?;
        eprintln!("fetching {package}@{version}");
        let packed = run_capture(
            Command::new("npm")
                .args(["pack", "--silent", "--pack-destination"])
                .arg(&unpacked)
                .arg(format!("{package}@{version}")),
        )?;
        let tarball = unpacked.join(packed.trim());
        run_capture(
            Command::new("tar")
                .arg("-xzf")
                .arg(&tarball)
                .arg("-C")
                .arg(&unpacked),
        )?;
        for entry in wanted {
            let bytes = std::fs::read(unpacked.join(&entry.path))
                .map_err(|error| format!("{package}@{version}: {}: {error}", entry.path))?;
            let found = sha256(&bytes);
            if found != entry.sha256 {
                return Err(format!(
                    "{package}@{version}: {} has SHA-256 {found}, not the recorded {}",
                    entry.path, entry.sha256
                ));
            }
            // Written whole under another name, then renamed: never a half-written file.
            let target = dir.join(entry.file_name());
            let partial = dir.join(format!(".{}.partial", entry.file_name()));
            std::fs::write(&partial, &bytes).map_err(|error| error.to_string())?;
            std::fs::rename(&partial, &target).map_err(|error| error.to_string())?;
        }
        let _ = std::fs::remove_dir_all(&unpacked);
    }
    Ok(())
}

/// Runs a command, returning its standard output, or why it failed.
fn run_capture(command: &mut Command) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|error| format!("{command:?}: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// What generating one description gave.
pub struct Outcome {
    pub source: SpecSource,
    pub operations: usize,
    pub elapsed: Duration,
    /// Warnings by kind: the message with what varies (the names in backticks) taken out.
    pub warnings: BTreeMap<String, usize>,
    /// The errors, when generation refused the description.
    pub errors: Option<String>,
    pub files: Vec<photo_gen::GeneratedFile>,
}

/// Generates `text` whole, with the emulator binding, as `photo-gen generate --crate` has it:
/// the client, server and emulator modules behind the crate's features, and the runtime
/// re-exported.
pub fn generate(name: &str, text: String) -> Outcome {
    let source = SpecSource::new(name, text);
    let options = Options {
        feature_gates: true,
        reexport_runtime: true,
        ..Options::external().with_emulator()
    };
    let started = Instant::now();
    let result = photo_gen::generate(&source, &options);
    let elapsed = started.elapsed();
    match result {
        Ok(generated) => Outcome {
            source,
            operations: generated.api.operations.len(),
            elapsed,
            warnings: warning_kinds(&generated.warnings),
            errors: None,
            files: generated.files,
        },
        Err(diagnostics) => Outcome {
            source,
            operations: 0,
            elapsed,
            warnings: BTreeMap::new(),
            errors: Some(diagnostics.short()),
            files: Vec::new(),
        },
    }
}

/// Counts warnings by kind: each message with the text between backticks replaced by `…` and
/// numbers (positions, counts) by `N`.
pub fn warning_kinds(warnings: &photo_gen::Diagnostics) -> BTreeMap<String, usize> {
    let mut kinds = BTreeMap::new();
    for item in &warnings.items {
        let mut kind = String::new();
        for (index, part) in item.message.split('`').enumerate() {
            if index % 2 == 1 {
                kind.push('…');
                continue;
            }
            for c in part.chars() {
                match c {
                    '0'..='9' if kind.ends_with('N') => {}
                    '0'..='9' => kind.push('N'),
                    c => kind.push(c),
                }
            }
        }
        *kinds.entry(kind).or_insert(0) += 1;
    }
    kinds
}

/// Options of `cargo xtask corpus`.
pub struct Args {
    pub dir: PathBuf,
    pub fetch: bool,
    /// Entries to compile (by name), or every one present.
    pub compile: Compile,
    pub only: Vec<String>,
}

/// Which generated crates to compile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compile {
    None,
    All,
    Named(Vec<String>),
}

impl Args {
    pub fn parse(args: &[String]) -> Result<Args, String> {
        let mut parsed = Args {
            dir: default_dir(),
            fetch: false,
            compile: Compile::None,
            only: Vec::new(),
        };
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--fetch" => parsed.fetch = true,
                "--dir" => parsed.dir = rest.next().ok_or("--dir needs a folder")?.into(),
                "--compile" => {
                    let which = rest.next().ok_or("--compile needs all or NAME,NAME")?;
                    parsed.compile = match which.as_str() {
                        "all" => Compile::All,
                        "none" => Compile::None,
                        names => Compile::Named(names.split(',').map(str::to_owned).collect()),
                    };
                }
                "--only" => parsed.only.extend(
                    rest.next()
                        .ok_or("--only needs NAME,NAME")?
                        .split(',')
                        .map(str::to_owned),
                ),
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(parsed)
    }
}

/// One row of the table.
struct Row {
    entry: Entry,
    outcome: Option<Outcome>,
    compiled: Option<Result<Duration, String>>,
    /// The end-to-end test's outcome, when the crate compiled and the manifest names one.
    tested: Option<Result<Duration, String>>,
}

pub fn run(args: &Args) -> ExitCode {
    match try_run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn try_run(args: &Args) -> Result<bool, String> {
    let manifest = std::fs::read_to_string(manifest_path()).map_err(|error| error.to_string())?;
    let mut entries = read_manifest(&manifest)?;
    if !args.only.is_empty() {
        for name in &args.only {
            if !entries.iter().any(|entry| &entry.name == name) {
                return Err(format!("no description named `{name}` in published.tsv"));
            }
        }
        entries.retain(|entry| args.only.contains(&entry.name));
    }
    if args.fetch {
        fetch(&args.dir, &entries)?;
    }
    let mut rows = Vec::new();
    let mut ok = true;
    for entry in entries {
        let Some(text) = read_entry(&args.dir, &entry)? else {
            rows.push(Row {
                entry,
                outcome: None,
                compiled: None,
                tested: None,
            });
            continue;
        };
        eprintln!("generating {}", entry.name);
        let outcome = generate(&entry.file_name(), text);
        ok &= outcome.errors.is_none();
        if let Some(errors) = &outcome.errors {
            eprintln!("{}: refused:\n{errors}", entry.name);
        }
        let wanted = match &args.compile {
            Compile::None => false,
            Compile::All => true,
            Compile::Named(names) => names.contains(&entry.name),
        };
        let compiled = (wanted && outcome.errors.is_none()).then(|| {
            crate::corpus_build::compile(
                &args.dir,
                &entry.name,
                &outcome.source,
                &outcome.files,
                entry.e2e.as_deref(),
            )
        });
        if let Some(Err(message)) = &compiled {
            eprintln!("{}: does not compile:\n{message}", entry.name);
            ok = false;
        }
        let tested = (matches!(compiled, Some(Ok(_))) && entry.e2e.is_some())
            .then(|| crate::corpus_build::test(&args.dir, &entry.name));
        if let Some(Err(message)) = &tested {
            eprintln!("{}: the end-to-end test fails:\n{message}", entry.name);
            ok = false;
        }
        rows.push(Row {
            entry,
            outcome: Some(outcome),
            compiled,
            tested,
        });
    }
    print!("{}", table(&rows));
    Ok(ok)
}

/// The report: one Markdown table, then the warning kinds of every description.
fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| description | what it is | source (licence) | operations | generation | warnings | compile (--all-features) | client ↔ server test |\n|---|---|---|---:|---:|---:|---:|---|\n",
    );
    let mut kinds: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for row in rows {
        let (operations, generation, warnings) = match &row.outcome {
            None => ("not present".to_owned(), "—".to_owned(), "—".to_owned()),
            Some(outcome) if outcome.errors.is_some() => (
                "refused".to_owned(),
                format!("{:.2} s", outcome.elapsed.as_secs_f64()),
                "—".to_owned(),
            ),
            Some(outcome) => (
                outcome.operations.to_string(),
                format!("{:.2} s", outcome.elapsed.as_secs_f64()),
                outcome.warnings.values().sum::<usize>().to_string(),
            ),
        };
        let compile = match &row.compiled {
            None => "—".to_owned(),
            Some(Ok(elapsed)) => format!("{:.0} s", elapsed.as_secs_f64()),
            Some(Err(_)) => "fails".to_owned(),
        };
        let tested = match (&row.tested, &row.entry.e2e) {
            (Some(Ok(elapsed)), Some(test)) => {
                format!("`{test}` passes ({:.0} s)", elapsed.as_secs_f64())
            }
            (Some(Err(_)), Some(test)) => format!("`{test}` fails"),
            _ => "—".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} ({}) | {operations} | {generation} | {warnings} | {compile} | {tested} |",
            row.entry.name,
            row.entry.about,
            row.entry.source_text(),
            row.entry.licence,
        );
        for (kind, count) in row.outcome.iter().flat_map(|outcome| &outcome.warnings) {
            let total = kinds.entry(kind).or_default();
            total.0 += count;
            total.1 += 1;
        }
    }
    if !kinds.is_empty() {
        out.push_str("\n| warning | count | descriptions |\n|---|---:|---:|\n");
        let mut sorted: Vec<_> = kinds.into_iter().collect();
        sorted.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
        for (kind, (count, descriptions)) in sorted {
            let _ = writeln!(out, "| {kind} | {count} | {descriptions} |");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_reads_and_names_are_unique() {
        let text = std::fs::read_to_string(manifest_path()).expect("published.tsv");
        let entries = read_manifest(&text).expect("a valid manifest");
        assert!(entries.len() >= 12, "{} descriptions", entries.len());
        let mut names: Vec<&str> = entries.iter().map(|entry| entry.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), entries.len(), "a name repeats");
        assert!(
            entries
                .iter()
                .any(|entry| matches!(&entry.source, Source::Npm { package, .. } if package == "@octokit/openapi"))
        );
    }

    /// Every published description in the corpus folder generates, warnings allowed. CI fetches
    /// the npm-published ones first (`cargo xtask corpus --fetch`), so there they must be
    /// present; the others are tried wherever someone has placed them.
    #[test]
    fn every_published_description_present_generates() {
        let text = std::fs::read_to_string(manifest_path()).expect("published.tsv");
        let dir = default_dir();
        let mut refused = Vec::new();
        let mut missing = Vec::new();
        let mut generated = 0;
        for entry in read_manifest(&text).expect("a valid manifest") {
            let Some(text) = read_entry(&dir, &entry).expect("the published file") else {
                if matches!(entry.source, Source::Npm { .. }) {
                    missing.push(entry.name);
                }
                continue;
            };
            let outcome = generate(&entry.file_name(), text);
            if let Some(errors) = outcome.errors {
                refused.push(format!("{}:\n{errors}", entry.name));
            }
            generated += 1;
        }
        assert!(refused.is_empty(), "refused:\n{}", refused.join("\n"));
        if std::env::var_os("CI").is_some() {
            assert!(
                missing.is_empty(),
                "not fetched: {missing:?}; run `cargo xtask corpus --fetch` first"
            );
            assert!(generated >= 12, "only {generated} descriptions generated");
        }
    }

    #[test]
    fn malformed_lines_are_refused_with_their_line() {
        let bad = "# comment\nx\tnpm:pkg\tp\t00\tMIT\tabout\t-\n";
        assert_eq!(
            read_manifest(bad).unwrap_err(),
            "published.tsv:2: an npm source is npm:PACKAGE@VERSION"
        );
        let short = "x\tnpm:pkg@1\tp\n";
        assert!(
            read_manifest(short)
                .unwrap_err()
                .contains("7 tab-separated")
        );
        let scoped = format!(
            "x\tnpm:@scope/pkg@1.2.3\tp\t{}\tMIT\tabout\tusers\n",
            "a".repeat(64)
        );
        let entries = read_manifest(&scoped).expect("valid");
        assert_eq!(
            entries[0].source,
            Source::Npm {
                package: "@scope/pkg".into(),
                version: "1.2.3".into()
            }
        );
        assert_eq!(entries[0].e2e.as_deref(), Some("users"));
    }

    #[test]
    fn a_file_that_is_not_the_published_one_is_refused() {
        let dir = std::env::temp_dir().join(format!("corpus-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let entry = Entry {
            name: "x".into(),
            source: Source::Npm {
                package: "p".into(),
                version: "1".into(),
            },
            path: "package/openapi.yaml".into(),
            sha256: sha256(b"published"),
            licence: "MIT".into(),
            about: String::new(),
            e2e: None,
        };
        assert_eq!(read_entry(&dir, &entry), Ok(None));
        std::fs::write(dir.join("x.yaml"), "changed").expect("write");
        assert!(read_entry(&dir, &entry).unwrap_err().contains("SHA-256"));
        std::fs::write(dir.join("x.yaml"), "published").expect("write");
        assert_eq!(read_entry(&dir, &entry), Ok(Some("published".into())));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn warnings_are_counted_by_kind() {
        let source = SpecSource::new(
            "x.yaml",
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {}\n  /b:\n    get:\n      operationId: b\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {}\n",
        );
        let generated = photo_gen::generate(&source, &Options::external()).expect("generates");
        let kinds = warning_kinds(&generated.warnings);
        assert_eq!(kinds.values().sum::<usize>(), generated.warnings.len());
        assert!(kinds.values().any(|&count| count == 2), "{kinds:?}");
    }
}
