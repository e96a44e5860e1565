//! Writing generated files: all or nothing, and checking whether checked-in files are current.

use std::fs;
use std::io::{self, Read, Write};
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
        .filter(|file| !holds(&dir.join(&file.path), file.contents.as_bytes()))
        .map(|file| dir.join(&file.path))
        .collect()
}

/// Writes the files that changed. Every new content is first written and synced to a temporary
/// file beside its target; only when all of them are ready are they renamed into place. If a
/// rename still fails, the files already replaced get their previous contents back, so an error
/// leaves the directory as it was. The previous contents are kept as a hard link beside the
/// target until every rename is done (or, where links are not possible, read into memory).
pub fn write_all(dir: &Path, files: &[GeneratedFile]) -> io::Result<WriteReport> {
    let mut report = WriteReport::default();
    let mut changed: Vec<(&GeneratedFile, PathBuf)> = Vec::new();
    fs::create_dir_all(dir)?;
    for file in files {
        let target = dir.join(&file.path);
        if holds(&target, file.contents.as_bytes()) {
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
    let mut replaced: Vec<(PathBuf, Previous)> = Vec::new();
    for (temporary, target) in staged {
        let previous = Previous::keep(&target);
        if let Err(error) = temporary.persist(&target) {
            previous.discard();
            for (path, previous) in replaced.into_iter().rev() {
                previous.restore(&path);
            }
            return Err(error);
        }
        replaced.push((target.clone(), previous));
        report.written.push(target);
    }
    for (_, previous) in replaced {
        previous.discard();
    }
    Ok(report)
}

/// Whether the file at `path` holds exactly `contents`; read a block at a time, so checking a
/// large file does not hold a second copy of it.
fn holds(path: &Path, contents: &[u8]) -> bool {
    let Ok(mut file) = fs::File::open(path) else {
        return false;
    };
    if file.metadata().ok().map(|meta| meta.len()) != Some(contents.len() as u64) {
        return false;
    }
    let mut block = vec![0; 64 * 1024];
    let mut rest = contents;
    loop {
        match file.read(&mut block) {
            Ok(0) => return rest.is_empty(),
            Ok(read) => match rest.split_at_checked(read) {
                Some((expected, after)) if block[..read] == *expected => rest = after,
                _ => return false,
            },
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// What a target held before it was replaced, kept until the whole write is known to succeed.
enum Previous {
    /// There was no file.
    Missing,
    /// A hard link to the previous file.
    Linked(PathBuf),
    /// The previous contents, where a link could not be made.
    Read(Vec<u8>),
}

impl Previous {
    fn keep(target: &Path) -> Previous {
        if !target.exists() {
            return Previous::Missing;
        }
        let link = tempfile_path::beside(target, "previous");
        let _ = fs::remove_file(&link);
        match fs::hard_link(target, &link) {
            Ok(()) => Previous::Linked(link),
            Err(_) => fs::read(target).map_or(Previous::Missing, Previous::Read),
        }
    }

    /// Puts the previous file back at `target`.
    fn restore(self, target: &Path) {
        let _ = match self {
            Previous::Missing => fs::remove_file(target),
            Previous::Linked(link) => fs::rename(link, target),
            Previous::Read(contents) => fs::write(target, contents),
        };
    }

    fn discard(self) {
        if let Previous::Linked(link) = self {
            let _ = fs::remove_file(link);
        }
    }
}

mod tempfile_path {
    use super::*;

    /// A synced temporary file that is removed unless persisted.
    pub struct Staged {
        path: Option<PathBuf>,
    }

    /// A hidden file beside `target`, named after it, this process and `purpose`.
    pub fn beside(target: &Path, purpose: &str) -> PathBuf {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        target.with_file_name(format!(".{name}.{}.{purpose}", std::process::id()))
    }

    impl Staged {
        pub fn write(target: &Path, contents: &[u8]) -> io::Result<Staged> {
            let path = beside(target, "tmp");
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

    /// An empty directory of this test process, named after `purpose`.
    fn scratch_dir(purpose: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("photo-gen-{purpose}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("dir");
        dir
    }

    fn file(name: &str, contents: &str) -> GeneratedFile {
        GeneratedFile {
            path: name.into(),
            contents: contents.into(),
        }
    }

    #[test]
    fn writes_changed_files_and_reports_unchanged_ones() {
        let dir = scratch_dir("write");
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
        let dir = scratch_dir("atomic");
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

    #[test]
    fn holds_compares_whole_contents_a_block_at_a_time() {
        let dir = scratch_dir("holds");
        let path = dir.join("big.rs");
        let contents: Vec<u8> = (0..200_000_u32).map(|n| (n % 251) as u8).collect();
        fs::write(&path, &contents).expect("write");
        assert!(holds(&path, &contents));
        let mut changed = contents.clone();
        changed[150_000] ^= 1;
        assert!(
            !holds(&path, &changed),
            "a byte past the first block differs"
        );
        assert!(!holds(&path, &contents[..contents.len() - 1]), "shorter");
        assert!(!holds(&dir.join("missing.rs"), b""));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_replaced_file_is_restored_from_its_link_and_links_are_removed() {
        let dir = scratch_dir("previous");
        let target = dir.join("a.rs");
        fs::write(&target, "old").expect("seed");
        let previous = Previous::keep(&target);
        assert!(matches!(previous, Previous::Linked(_)));
        let staged = dir.join("staged");
        fs::write(&staged, "new").expect("stage");
        fs::rename(&staged, &target).expect("replace");
        previous.restore(&target);
        assert_eq!(fs::read_to_string(&target).expect("read"), "old");

        let created = dir.join("b.rs");
        let previous = Previous::keep(&created);
        fs::write(&created, "new").expect("create");
        previous.restore(&created);
        assert!(
            !created.exists(),
            "a file that did not exist is removed again"
        );

        Previous::keep(&target).discard();
        let names: Vec<_> = fs::read_dir(&dir)
            .expect("list")
            .filter_map(Result::ok)
            .map(|entry| entry.file_name())
            .collect();
        assert_eq!(names, ["a.rs"], "no link is left behind");
        let _ = fs::remove_dir_all(&dir);
    }
}
