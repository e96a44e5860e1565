//! Writing generated files, and checking whether checked-in files are current.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::GeneratedFile;

/// What happened to each file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
}

/// Files under `dir` whose contents differ from `files` (or are missing).
pub fn stale(dir: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|file| !holds(&dir.join(&file.path), file))
        .map(|file| dir.join(&file.path))
        .collect()
}

/// Writes the files of `files` whose contents differ from what `dir` holds; files that are
/// already current are not touched. Every changed file is first written in full to a temporary
/// file beside its target, and only then are they all renamed into place, so a failure while
/// writing (a full disk, a directory where a file should go) changes nothing, and no file is
/// ever seen half-written.
pub fn write(dir: &Path, files: &[GeneratedFile]) -> io::Result<WriteReport> {
    let mut report = WriteReport::default();
    let mut staged = Vec::new();
    for file in files {
        let target = dir.join(&file.path);
        if holds(&target, file) {
            report.unchanged.push(target);
        } else {
            staged.push((stage(&target, file)?, target));
        }
    }
    for (temporary, target) in staged {
        temporary.persist(&target).map_err(|error| error.error)?;
        report.written.push(target);
    }
    Ok(report)
}

/// `file`'s contents in a temporary file in `target`'s directory (created if missing), which
/// is removed unless it is persisted.
fn stage(target: &Path, file: &GeneratedFile) -> io::Result<NamedTempFile> {
    if target.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            format!("{} is a directory", target.display()),
        ));
    }
    let parent = target.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut builder = tempfile::Builder::new();
    // A temporary file is only its owner's to read; a generated file gets the permissions a
    // plain `fs::write` would give it (the umask's).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temporary = builder.tempfile_in(parent)?;
    temporary.write_all(file.contents.as_bytes())?;
    Ok(temporary)
}

/// Whether `path` holds exactly `file`'s contents.
fn holds(path: &Path, file: &GeneratedFile) -> bool {
    fs::read(path).is_ok_and(|contents| contents == file.contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, contents: &str) -> GeneratedFile {
        GeneratedFile::new(name, contents)
    }

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("list")
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_changed_files_and_reports_unchanged_ones() {
        let dir = tempfile::tempdir().expect("dir");
        let dir = dir.path();
        let files = [file("a.rs", "a"), file("b.rs", "b")];
        let first = write(dir, &files).expect("write");
        assert_eq!(first.written, [dir.join("a.rs"), dir.join("b.rs")]);
        assert_eq!(fs::read_to_string(dir.join("a.rs")).expect("read"), "a");
        let second = write(dir, &files).expect("write again");
        assert!(second.written.is_empty());
        assert_eq!(second.unchanged.len(), 2);
        assert!(stale(dir, &files).is_empty());

        fs::write(dir.join("a.rs"), "edited").expect("edit");
        fs::write(dir.join("b.rs"), "b\n").expect("edit");
        assert_eq!(stale(dir, &files), [dir.join("a.rs"), dir.join("b.rs")]);
        let third = write(dir, &[file("a.rs", "a"), file("b.rs", "b\n")]).expect("write");
        assert_eq!(third.written, [dir.join("a.rs")]);
        assert_eq!(third.unchanged, [dir.join("b.rs")]);
        assert_eq!(names(dir), ["a.rs", "b.rs"], "no temporary file is left");
    }

    #[cfg(unix)]
    #[test]
    fn written_files_have_the_permissions_of_a_plain_write() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let dir = dir.path();
        write(dir, &[file("a.rs", "a")]).expect("write");
        fs::write(dir.join("plain.rs"), "a").expect("plain write");
        let mode = |name: &str| {
            let metadata = fs::metadata(dir.join(name)).expect("metadata");
            metadata.permissions().mode()
        };
        assert_eq!(mode("a.rs"), mode("plain.rs"));
    }

    #[test]
    fn creates_the_directory_only_when_writing() {
        let parent = tempfile::tempdir().expect("dir");
        let dir = parent.path().join("generated");
        write(&dir, &[]).expect("nothing to write");
        assert!(!dir.exists());
        write(&dir, &[file("a.rs", "a")]).expect("write");
        assert_eq!(names(&dir), ["a.rs"]);
    }

    #[test]
    fn a_failed_write_changes_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let dir = dir.path();
        fs::write(dir.join("a.rs"), "old").expect("seed");
        // A directory where a file should go fails the second file before anything moves.
        fs::create_dir_all(dir.join("blocked.rs").join("x")).expect("blocker");
        let files = [
            file("a.rs", "new"),
            file("blocked.rs/x", "y"),
            file("c.rs", "c"),
        ];
        assert!(write(dir, &files).is_err());
        assert_eq!(fs::read_to_string(dir.join("a.rs")).expect("read"), "old");
        assert_eq!(
            names(dir),
            ["a.rs", "blocked.rs"],
            "no temporary file is left"
        );
    }
}
