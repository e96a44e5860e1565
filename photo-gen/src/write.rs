//! Writing generated files: all or nothing, and checking whether checked-in files are current.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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
        .filter(|file| {
            fs::read_to_string(dir.join(&file.path)).ok().as_deref() != Some(file.contents.as_str())
        })
        .map(|file| dir.join(&file.path))
        .collect()
}

/// Writes the files that changed. Every new content is first written and synced to a temporary
/// file beside its target; only when all of them are ready are they renamed into place. If a
/// rename still fails, the files already replaced get their previous contents back, so an error
/// leaves the directory as it was.
pub fn write_all(dir: &Path, files: &[GeneratedFile]) -> io::Result<WriteReport> {
    let mut report = WriteReport::default();
    let mut changed: Vec<(&GeneratedFile, PathBuf)> = Vec::new();
    fs::create_dir_all(dir)?;
    for file in files {
        let target = dir.join(&file.path);
        if fs::read_to_string(&target).ok().as_deref() == Some(file.contents.as_str()) {
            report.unchanged.push(target);
            continue;
        }
        if target.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!("{} is a directory", target.display()),
            ));
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        changed.push((file, target));
    }
    // Each file is written and synced on a thread of its own: the syncs wait on the disk, not
    // the CPU, and one after another they were most of a small spec's generation time. On
    // error, dropping `staged` removes every temporary file written.
    let staged: Vec<io::Result<tempfile_path::Staged>> = std::thread::scope(|scope| {
        let writers: Vec<_> = changed
            .iter()
            .map(|(file, target)| {
                scope.spawn(move || tempfile_path::Staged::write(target, file.contents.as_bytes()))
            })
            .collect();
        writers
            .into_iter()
            .map(|writer| {
                writer
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("a file writer panicked")))
            })
            .collect()
    });
    let staged: Vec<(tempfile_path::Staged, PathBuf)> = staged
        .into_iter()
        .zip(changed.into_iter().map(|(_, target)| target))
        .map(|(temporary, target)| temporary.map(|temporary| (temporary, target)))
        .collect::<io::Result<_>>()?;
    let mut replaced: Vec<(PathBuf, Option<Vec<u8>>)> = Vec::new();
    for (temporary, target) in staged {
        let previous = fs::read(&target).ok();
        if let Err(error) = temporary.persist(&target) {
            for (path, contents) in replaced.into_iter().rev() {
                let _ = match contents {
                    Some(contents) => fs::write(&path, contents),
                    None => fs::remove_file(&path),
                };
            }
            return Err(error);
        }
        replaced.push((target.clone(), previous));
        report.written.push(target);
    }
    Ok(report)
}

mod tempfile_path {
    use super::*;

    /// A synced temporary file that is removed unless persisted.
    pub struct Staged {
        path: Option<PathBuf>,
    }

    impl Staged {
        pub fn write(target: &Path, contents: &[u8]) -> io::Result<Staged> {
            let name = target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let path = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
            let staged = Staged {
                path: Some(path.clone()),
            };
            let mut file = fs::File::create(&path)?;
            file.write_all(contents)?;
            file.sync_all()?;
            Ok(staged)
        }

        pub fn persist(mut self, target: &Path) -> io::Result<()> {
            let Some(path) = self.path.take() else {
                return Ok(());
            };
            fs::rename(&path, target).inspect_err(|_| {
                let _ = fs::remove_file(&path);
            })
        }
    }

    impl Drop for Staged {
        fn drop(&mut self) {
            if let Some(path) = self.path.take() {
                let _ = fs::remove_file(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, contents: &str) -> GeneratedFile {
        GeneratedFile {
            path: name.into(),
            contents: contents.into(),
        }
    }

    #[test]
    fn writes_changed_files_and_reports_unchanged_ones() {
        let dir = std::env::temp_dir().join(format!("photo-gen-write-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let files = [file("a.rs", "a"), file("b.rs", "b")];
        let first = write_all(&dir, &files).expect("write");
        assert_eq!(first.written.len(), 2);
        let second = write_all(&dir, &files).expect("write again");
        assert_eq!(second.written.len(), 0);
        assert_eq!(second.unchanged.len(), 2);
        assert!(stale(&dir, &files).is_empty());
        fs::write(dir.join("a.rs"), "edited").expect("edit");
        assert_eq!(stale(&dir, &files), vec![dir.join("a.rs")]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_failed_write_changes_nothing() {
        let dir = std::env::temp_dir().join(format!("photo-gen-atomic-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("dir");
        fs::write(dir.join("a.rs"), "old").expect("seed");
        // A directory where a file should go makes the second file fail before anything moves.
        fs::create_dir_all(dir.join("blocked.rs").join("x")).expect("blocker");
        let files = [file("a.rs", "new"), file("blocked.rs/x", "y")];
        assert!(write_all(&dir, &files).is_err());
        assert_eq!(fs::read_to_string(dir.join("a.rs")).expect("read"), "old");
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .expect("list")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        let _ = fs::remove_dir_all(&dir);
    }
}
