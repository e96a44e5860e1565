//! Writing generated files: all or nothing, and checking whether checked-in files are current.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crate::{GeneratedFile, RenderedFile};

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
        .filter(|file| !holds(&dir.join(&file.path), &[file.contents.as_bytes()]))
        .map(|file| dir.join(&file.path))
        .collect()
}

/// Writes the files that changed. Every new content is first written and synced to a temporary
/// file beside its target; only when all of them are ready are they renamed into place. If a
/// rename still fails, the files already replaced get their previous contents back, so an error
/// leaves the directory as it was. The previous contents are kept as a hard link beside the
/// target until every rename is done (or, where links are not possible, read into memory).
pub fn write_all(dir: &Path, files: &[GeneratedFile]) -> io::Result<WriteReport> {
    fs::create_dir_all(dir)?;
    // Each file is compared, written and synced on a thread of its own: the syncs wait on the
    // disk, not the CPU, and one after another they were most of a small spec's generation time.
    let prepared: Vec<(PathBuf, io::Result<Prepared>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .iter()
            .map(|file| {
                let target = dir.join(&file.path);
                let worker = scope.spawn({
                    let target = target.clone();
                    move || prepare(&target, &[file.contents.as_bytes()])
                });
                (target, worker)
            })
            .collect();
        workers
            .into_iter()
            .map(|(target, worker)| (target, joined(worker.join())))
            .collect()
    });
    commit(prepared)
}

/// A write of several files that are handed over one at a time, as they are rendered: each is
/// compared and staged on a thread of its own while the next is still being rendered, and
/// [`Staging::commit`] puts them all in place, all or nothing, as [`write_all`] does. Dropped
/// without committing, it waits for its threads and removes every temporary file. (A process
/// killed while rendering leaves its hidden `.<name>.<pid>.tmp` files behind, as one killed while
/// writing always could; the targets are untouched.)
pub struct Staging {
    dir: PathBuf,
    pending: Vec<(PathBuf, JoinHandle<io::Result<Prepared>>)>,
}

impl Staging {
    /// Starts a write into `dir`, which is created with the first file that changes.
    pub fn new(dir: &Path) -> Staging {
        Staging {
            dir: dir.to_path_buf(),
            pending: Vec::new(),
        }
    }

    /// Starts comparing `file` with what its target holds and, if it differs, writing it to a
    /// synced temporary file; the file's text is freed as soon as it is written.
    pub fn stage(&mut self, file: RenderedFile) {
        let target = self.dir.join(&file.path);
        let worker = std::thread::spawn({
            let target = target.clone();
            move || {
                let parts: Vec<&[u8]> = file.parts.iter().map(String::as_bytes).collect();
                prepare(&target, &parts)
            }
        });
        self.pending.push((target, worker));
    }

    /// Waits for every staged file, then renames the changed ones into place; on any error,
    /// nothing in the directory has changed.
    pub fn commit(mut self) -> io::Result<WriteReport> {
        let prepared = std::mem::take(&mut self.pending)
            .into_iter()
            .map(|(target, worker)| (target, joined(worker.join())))
            .collect();
        commit(prepared)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // Dropping each prepared file removes its temporary file.
        for (_, worker) in self.pending.drain(..) {
            let _ = worker.join();
        }
    }
}

/// What a file needs, once compared with its target (and staged if it differs).
enum Prepared {
    Unchanged,
    Staged(tempfile_path::Staged),
}

/// Compares the target with `parts` (consecutive pieces of the new contents) and, if they
/// differ, writes them to a synced temporary file beside it.
fn prepare(target: &Path, parts: &[&[u8]]) -> io::Result<Prepared> {
    if holds(target, parts) {
        return Ok(Prepared::Unchanged);
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
    tempfile_path::Staged::write(target, parts).map(Prepared::Staged)
}

/// A preparing thread's result; a thread only fails if it panicked.
fn joined(result: std::thread::Result<io::Result<Prepared>>) -> io::Result<Prepared> {
    result.unwrap_or_else(|_| Err(io::Error::other("a file writer panicked")))
}

/// Renames every staged file into place, in order, or none: the first error (a file that could
/// not be staged, or a rename that failed) puts back the files already replaced. Temporary
/// files not renamed are removed when dropped.
fn commit(prepared: Vec<(PathBuf, io::Result<Prepared>)>) -> io::Result<WriteReport> {
    let mut report = WriteReport::default();
    let mut staged = Vec::new();
    for (target, outcome) in prepared {
        match outcome? {
            Prepared::Unchanged => report.unchanged.push(target),
            Prepared::Staged(temporary) => staged.push((temporary, target)),
        }
    }
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

/// Whether the file at `path` holds exactly the concatenation of `parts`; read a block at a
/// time, so checking a large file does not hold a second copy of it.
fn holds(path: &Path, parts: &[&[u8]]) -> bool {
    let Ok(mut file) = fs::File::open(path) else {
        return false;
    };
    let len: usize = parts.iter().map(|part| part.len()).sum();
    if file.metadata().ok().map(|meta| meta.len()) != Some(len as u64) {
        return false;
    }
    let mut block = vec![0; 64 * 1024];
    for part in parts {
        let mut rest = *part;
        while !rest.is_empty() {
            let want = rest.len().min(block.len());
            match file.read(&mut block[..want]) {
                Ok(0) => return false,
                Ok(read) if block[..read] == rest[..read] => rest = &rest[read..],
                Ok(_) => return false,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    }
    // Nothing after the last part (the file may have grown since its length was read).
    matches!(file.read(&mut block[..1]), Ok(0))
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
        /// Writes `parts`, one after another, and syncs the file.
        pub fn write(target: &Path, parts: &[&[u8]]) -> io::Result<Staged> {
            let path = beside(target, "tmp");
            let staged = Staged {
                path: Some(path.clone()),
            };
            let mut file = fs::File::create(&path)?;
            for part in parts {
                file.write_all(part)?;
            }
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

    fn rendered(name: &str, parts: &[&str]) -> RenderedFile {
        RenderedFile {
            path: name.into(),
            parts: parts.iter().map(|part| part.to_string()).collect(),
        }
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
    fn staging_writes_parts_as_one_file_and_reports_unchanged_ones() {
        let dir = scratch_dir("staging");
        let mut staging = Staging::new(&dir);
        staging.stage(rendered("a.rs", &["fn a() {}", "\n", "fn b() {}\n"]));
        staging.stage(rendered("b.rs", &["b"]));
        let report = staging.commit().expect("commit");
        assert_eq!(report.written, [dir.join("a.rs"), dir.join("b.rs")]);
        assert_eq!(
            fs::read_to_string(dir.join("a.rs")).expect("read"),
            "fn a() {}\nfn b() {}\n"
        );

        let mut staging = Staging::new(&dir);
        staging.stage(rendered("a.rs", &["fn a() {}\n", "fn b() {}\n"]));
        staging.stage(rendered("b.rs", &["c"]));
        let report = staging.commit().expect("commit");
        assert_eq!(
            report.unchanged,
            [dir.join("a.rs")],
            "same text, other parts"
        );
        assert_eq!(report.written, [dir.join("b.rs")]);
        assert_eq!(names(&dir), ["a.rs", "b.rs"], "no temporary file is left");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_failed_staging_changes_nothing_and_a_dropped_one_leaves_nothing() {
        let dir = scratch_dir("staging-atomic");
        fs::write(dir.join("a.rs"), "old").expect("seed");
        fs::create_dir_all(dir.join("blocked.rs").join("x")).expect("blocker");
        let mut staging = Staging::new(&dir);
        staging.stage(rendered("a.rs", &["new"]));
        staging.stage(rendered("blocked.rs/x", &["y"]));
        staging.stage(rendered("c.rs", &["c"]));
        assert!(staging.commit().is_err());
        assert_eq!(fs::read_to_string(dir.join("a.rs")).expect("read"), "old");
        assert_eq!(names(&dir), ["a.rs", "blocked.rs"]);

        let mut staging = Staging::new(&dir);
        staging.stage(rendered("a.rs", &["new"]));
        staging.stage(rendered("d.rs", &["d"]));
        drop(staging);
        assert_eq!(fs::read_to_string(dir.join("a.rs")).expect("read"), "old");
        assert_eq!(names(&dir), ["a.rs", "blocked.rs"]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn holds_compares_whole_contents_a_block_at_a_time() {
        let dir = scratch_dir("holds");
        let path = dir.join("big.rs");
        let contents: Vec<u8> = (0..200_000_u32).map(|n| (n % 251) as u8).collect();
        fs::write(&path, &contents).expect("write");
        assert!(holds(&path, &[&contents]));
        let (head, tail) = contents.split_at(70_001);
        assert!(holds(&path, &[head, b"", tail]), "the same text in parts");
        let mut changed = contents.clone();
        changed[150_000] ^= 1;
        assert!(
            !holds(&path, &[&changed]),
            "a byte past the first block differs"
        );
        let (head, tail) = changed.split_at(100);
        assert!(!holds(&path, &[head, tail]), "in parts, too");
        assert!(!holds(&path, &[&contents[..contents.len() - 1]]), "shorter");
        assert!(!holds(&dir.join("missing.rs"), &[b""]));
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
