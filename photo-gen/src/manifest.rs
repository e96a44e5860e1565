//! Which files of an output directory photo-gen wrote: the `.photo-gen` manifest beside them,
//! each file with its SHA-256. Regenerating rewrites a file only while it is as photo-gen left
//! it, so a hand edit or a file of someone else's is never overwritten.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::GeneratedFile;
use crate::sha256_hex as sha256;

/// The manifest's file name in the output directory.
pub const FILE_NAME: &str = ".photo-gen";

const HEADER: &str = "# Written by photo-gen: the files it generated in this directory, each with its SHA-256.\n\
                      # photo-gen rewrites or removes only these files, and only while they are unchanged.\n";

/// The files photo-gen wrote in a directory, with the SHA-256 of what it wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    files: BTreeMap<PathBuf, String>,
}

/// Why photo-gen will not write into a directory.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The directory holds files photo-gen did not write, and no manifest.
    Foreign { dir: PathBuf, entries: Vec<PathBuf> },
    /// Files that would be overwritten were changed since photo-gen wrote them, or were never
    /// its own.
    Changed(Vec<PathBuf>),
    /// The output is not a directory, or cannot be read.
    Unreadable(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Foreign { dir, entries } => {
                let names: Vec<String> = entries.iter().map(|e| e.display().to_string()).collect();
                write!(
                    f,
                    "{} holds files photo-gen did not write ({}) and no `{FILE_NAME}` manifest: \
                     choose a new or empty directory",
                    dir.display(),
                    names.join(", ")
                )
            }
            Refusal::Changed(paths) => {
                writeln!(
                    f,
                    "these files were not written by photo-gen, or were edited since, and would be overwritten:"
                )?;
                for path in paths {
                    writeln!(f, "  {}", path.display())?;
                }
                write!(
                    f,
                    "move them away (or undo the edits) and run the command again"
                )
            }
            Refusal::Unreadable(why) => f.write_str(why),
        }
    }
}

/// What to do in a directory photo-gen may write into: the files to write (the manifest
/// included) and those to remove, which an earlier run wrote and this one does not generate.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub files: Vec<GeneratedFile>,
    pub remove: Vec<PathBuf>,
}

impl Manifest {
    /// The manifest of `files`.
    pub fn of(files: &[GeneratedFile]) -> Manifest {
        Manifest {
            files: files
                .iter()
                .map(|file| (file.path.clone(), sha256(file.contents.as_bytes())))
                .collect(),
        }
    }

    /// The manifest in `dir`, `None` when there is none.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, Refusal> {
        let path = dir.join(FILE_NAME);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(Refusal::Unreadable(format!(
                    "cannot read {}: {error}",
                    path.display()
                )));
            }
        };
        let mut files = BTreeMap::new();
        for (index, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let Some((hash, name)) = line.split_once("  ") else {
                return Err(Refusal::Unreadable(format!(
                    "{}:{}: expected `<sha256>  <path>`",
                    path.display(),
                    index + 1
                )));
            };
            files.insert(PathBuf::from(name), hash.to_owned());
        }
        Ok(Some(Manifest { files }))
    }

    /// The manifest's own file.
    pub fn to_file(&self) -> GeneratedFile {
        let mut contents = HEADER.to_owned();
        for (path, hash) in &self.files {
            // Manifests name files with `/` on every platform, so they compare equal anywhere.
            let name: Vec<_> = path.iter().map(|part| part.to_string_lossy()).collect();
            contents.push_str(&format!("{hash}  {}\n", name.join("/")));
        }
        GeneratedFile {
            path: PathBuf::from(FILE_NAME),
            contents,
        }
    }

    /// Whether `path` (relative to the directory) holds what photo-gen wrote there.
    fn unchanged(&self, dir: &Path, path: &Path) -> bool {
        self.files
            .get(path)
            .is_some_and(|hash| fs::read(dir.join(path)).is_ok_and(|bytes| sha256(&bytes) == *hash))
    }
}

/// Plans writing `files` into `dir` under its manifest: refused when a file would overwrite one
/// photo-gen did not write or that was edited since, or when `dir` holds anything without a
/// manifest (unless it is exactly `files`).
pub fn plan(dir: &Path, files: &[GeneratedFile]) -> Result<Plan, Refusal> {
    let mut planned = files.to_vec();
    planned.push(Manifest::of(files).to_file());
    if !dir.exists() {
        return Ok(Plan {
            files: planned,
            remove: Vec::new(),
        });
    }
    let Some(previous) = Manifest::read(dir)? else {
        let entries = foreign_entries(dir, files)?;
        if entries.is_empty() {
            return Ok(Plan {
                files: planned,
                remove: Vec::new(),
            });
        }
        return Err(Refusal::Foreign {
            dir: dir.to_path_buf(),
            entries,
        });
    };
    let changed: Vec<PathBuf> = files
        .iter()
        .filter(|file| {
            let target = dir.join(&file.path);
            target.exists()
                && !previous.unchanged(dir, &file.path)
                && fs::read(&target).map_or(true, |bytes| bytes != file.contents.as_bytes())
        })
        .map(|file| dir.join(&file.path))
        .collect();
    if !changed.is_empty() {
        return Err(Refusal::Changed(changed));
    }
    let remove = previous
        .files
        .keys()
        .filter(|path| !files.iter().any(|file| &file.path == *path))
        .filter(|path| previous.unchanged(dir, path))
        .map(|path| dir.join(path))
        .collect();
    Ok(Plan {
        files: planned,
        remove,
    })
}

/// The entries of `dir` (recursively, as relative paths) that are not exactly one of `files`.
fn foreign_entries(dir: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>, Refusal> {
    let unreadable =
        |error: io::Error| Refusal::Unreadable(format!("cannot read {}: {error}", dir.display()));
    if !dir.is_dir() {
        return Err(Refusal::Unreadable(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        for entry in fs::read_dir(dir.join(&relative)).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            let path = relative.join(entry.file_name());
            if entry.path().is_dir() {
                pending.push(path);
                continue;
            }
            let ours = files.iter().any(|file| {
                file.path == path
                    && fs::read(entry.path()).is_ok_and(|bytes| bytes == file.contents.as_bytes())
            });
            if !ours {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, contents: &str) -> GeneratedFile {
        GeneratedFile::new(name, contents)
    }

    fn apply(dir: &Path, plan: &Plan) {
        crate::write::write(dir, &plan.files).expect("writes");
        for path in &plan.remove {
            fs::remove_file(path).expect("removes");
        }
    }

    #[test]
    fn a_new_directory_gets_the_files_and_the_manifest() {
        let parent = tempfile::tempdir().expect("dir");
        let dir = parent.path().join("out");
        let plan = plan(&dir, &[file("src/lib.rs", "lib")]).expect("plans");
        let names: Vec<_> = plan.files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            names,
            [PathBuf::from("src/lib.rs"), PathBuf::from(FILE_NAME)]
        );
        apply(&dir, &plan);
        let manifest = Manifest::read(&dir).expect("reads").expect("a manifest");
        assert_eq!(manifest, Manifest::of(&[file("src/lib.rs", "lib")]));
    }

    #[test]
    fn regenerating_rewrites_its_own_files_and_removes_those_it_no_longer_makes() {
        let dir = tempfile::tempdir().expect("dir");
        let dir = dir.path();
        apply(
            dir,
            &plan(dir, &[file("a.rs", "a"), file("b.rs", "b")]).expect("first"),
        );
        // Files of the user's beside them (a build's output) stay.
        fs::write(dir.join("Cargo.lock"), "lock").expect("user file");
        let second = plan(dir, &[file("a.rs", "a2")]).expect("second");
        assert_eq!(second.remove, [dir.join("b.rs")]);
        apply(dir, &second);
        assert_eq!(fs::read_to_string(dir.join("a.rs")).expect("a"), "a2");
        assert!(!dir.join("b.rs").exists());
        assert!(dir.join("Cargo.lock").exists());
    }

    #[test]
    fn edited_and_foreign_files_are_never_overwritten() {
        let dir = tempfile::tempdir().expect("dir");
        let dir = dir.path();
        apply(dir, &plan(dir, &[file("a.rs", "a")]).expect("first"));
        fs::write(dir.join("a.rs"), "edited").expect("edit");
        fs::write(dir.join("b.rs"), "mine").expect("a file of the user's");
        assert_eq!(
            plan(dir, &[file("a.rs", "a2"), file("b.rs", "b")]),
            Err(Refusal::Changed(vec![dir.join("a.rs"), dir.join("b.rs")]))
        );
    }

    #[test]
    fn a_directory_without_a_manifest_must_be_empty() {
        let dir = tempfile::tempdir().expect("dir");
        let dir = dir.path();
        assert!(plan(dir, &[file("a.rs", "a")]).is_ok(), "empty");
        fs::write(dir.join("notes.txt"), "mine").expect("a file");
        assert_eq!(
            plan(dir, &[file("a.rs", "a")]),
            Err(Refusal::Foreign {
                dir: dir.to_path_buf(),
                entries: vec![PathBuf::from("notes.txt")]
            })
        );
    }
}
