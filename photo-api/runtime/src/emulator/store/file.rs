//! [`FileStore`]: photos that survive a restart.
//!
//! One file per owner, `<sha256 of the owner key>.photo`, holding a magic line, a one-line JSON
//! header (owner as its entity sets and keys, length, SHA-256, dimensions, metadata) and the JPEG
//! bytes. Content and metadata live in the same file, so they can never disagree.
//!
//! A write goes to a fresh temporary file in the same directory, which is flushed to disk
//! (`fsync`), renamed over the target (atomic on POSIX file systems) and followed by an `fsync` of
//! the directory so the rename itself is durable. A process killed at any point leaves either the
//! old file or the new one, plus at worst a stray temporary file, which the next start removes.
//! Loading verifies each file's length and checksum and skips (with a warning) any that fail.
//! A lock file keeps a second emulator from using the same directory at the same time.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::memory::MemoryStore;
use super::{Photo, PhotoMetadata, PhotoStore, StoreError};
use crate::emulator::image_info::ImageInfo;
use crate::emulator::imaging;
use crate::emulator::owner::OwnerKey;

/// The first line of every photo file; the version lets a later format coexist.
const MAGIC: &[u8] = b"photo-emulator photo v2\n";
/// The extension of committed photo files.
const EXTENSION: &str = "photo";
/// The prefix of temporary files; any left at start-up are remnants of interrupted writes.
const TEMP_PREFIX: &str = ".tmp-";
/// Held locked while a store has the directory open.
const LOCK_FILE: &str = ".lock";
/// The longest header line accepted when loading.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// The JSON header line of a photo file.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Header {
    owner: OwnerKey,
    length: u64,
    sha256: String,
    width: u32,
    height: u32,
    #[serde(default)]
    metadata: PhotoMetadata,
}

/// What [`FileStore::open`] found in the directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Photos loaded.
    pub loaded: usize,
    /// Temporary files of interrupted writes that were removed.
    pub removed_temp_files: usize,
    /// Files left alone because they are damaged or foreign, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Photos persisted in a directory, one file per owner, and served from memory.
pub struct FileStore {
    dir: PathBuf,
    index: MemoryStore,
    /// Serializes mutations so the disk and the in-memory index change in the same order.
    writes: Mutex<()>,
    report: LoadReport,
    /// Keeps the directory's lock for as long as the store lives.
    _lock: File,
}

impl FileStore {
    /// Opens (creating if needed) the store in `dir` and loads the photos found there. Fails if
    /// another store holds the directory or it cannot be read.
    pub fn open(dir: impl Into<PathBuf>) -> Result<FileStore, StoreError> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(dir.join(LOCK_FILE))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Io(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!("{} is in use by another photo emulator", dir.display()),
                )));
            }
            Err(TryLockError::Error(err)) => return Err(err.into()),
        }
        let index = MemoryStore::new();
        let report = load(&dir, &index)?;
        for (path, reason) in &report.skipped {
            tracing::warn!(path = %path.display(), %reason, "skipped a file in the data directory");
        }
        Ok(FileStore {
            dir,
            index,
            writes: Mutex::new(()),
            report,
            _lock: lock,
        })
    }

    /// The directory the photos are kept in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What opening the store found.
    pub fn load_report(&self) -> &LoadReport {
        &self.report
    }

    /// The path of the owner's photo file.
    pub fn path_of(&self, owner: &OwnerKey) -> PathBuf {
        self.dir.join(file_name(owner))
    }

    /// Writes the photo file atomically. After the rename (the commit point) only the directory
    /// sync remains; its failure is logged, since the new file is already what readers see.
    fn commit(&self, owner: &OwnerKey, photo: &Photo) -> io::Result<()> {
        let image = photo.image();
        let header = Header {
            owner: owner.clone(),
            length: photo.content().len() as u64,
            sha256: sha256_hex(photo.content()),
            width: image.width,
            height: image.height,
            metadata: photo.metadata().clone(),
        };
        let header = serde_json::to_vec(&header).map_err(io::Error::other)?;
        let mut temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(".partial")
            .tempfile_in(&self.dir)?;
        let file = temp.as_file_mut();
        file.write_all(MAGIC)?;
        file.write_all(&header)?;
        file.write_all(b"\n")?;
        file.write_all(photo.content())?;
        file.sync_all()?;
        temp.persist(self.path_of(owner)).map_err(|err| err.error)?;
        self.sync_dir_after_commit();
        Ok(())
    }

    fn sync_dir_after_commit(&self) {
        if let Err(err) = sync_dir(&self.dir) {
            tracing::error!(dir = %self.dir.display(), error = %err,
                "could not sync the data directory; the last change may not survive a power loss");
        }
    }

    fn lock_writes(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl PhotoStore for FileStore {
    fn get(&self, owner: &OwnerKey) -> Option<Arc<Photo>> {
        self.index.get(owner)
    }

    fn put(&self, owner: &OwnerKey, photo: Photo) -> Result<Arc<Photo>, StoreError> {
        let _writes = self.lock_writes();
        self.commit(owner, &photo)?;
        let photo = Arc::new(photo);
        self.index.insert(owner.clone(), photo.clone());
        Ok(photo)
    }

    fn update(
        &self,
        owner: &OwnerKey,
        change: &dyn Fn(&Photo) -> Photo,
    ) -> Result<Arc<Photo>, StoreError> {
        let _writes = self.lock_writes();
        let current = self.index.get(owner).ok_or(StoreError::NotFound)?;
        let changed = change(&current);
        self.commit(owner, &changed)?;
        let changed = Arc::new(changed);
        self.index.insert(owner.clone(), changed.clone());
        Ok(changed)
    }

    fn delete(
        &self,
        owner: &OwnerKey,
        condition: &dyn Fn(&Photo) -> bool,
    ) -> Result<(), StoreError> {
        let _writes = self.lock_writes();
        let current = self.index.get(owner).ok_or(StoreError::NotFound)?;
        if !condition(&current) {
            return Err(StoreError::ConditionFailed);
        }
        match fs::remove_file(self.path_of(owner)) {
            Ok(()) => self.sync_dir_after_commit(),
            // Removed behind our back: the photo is gone either way.
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err.into()),
        }
        self.index.remove(owner);
        Ok(())
    }

    fn len(&self) -> usize {
        self.index.len()
    }
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("dir", &self.dir)
            .field("photos", &self.index.len())
            .finish_non_exhaustive()
    }
}

/// Loads every photo file of `dir` into `index` and removes stale temporary files.
fn load(dir: &Path, index: &MemoryStore) -> io::Result<LoadReport> {
    let mut report = LoadReport::default();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let path = entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        if name.starts_with(TEMP_PREFIX) {
            match fs::remove_file(&path) {
                Ok(()) => report.removed_temp_files += 1,
                Err(err) => report.skipped.push((
                    path,
                    format!("could not remove a stale temporary file: {err}"),
                )),
            }
            continue;
        }
        if path.extension().and_then(|ext| ext.to_str()) != Some(EXTENSION) {
            continue;
        }
        match read_photo(&path, name) {
            Ok((owner, photo)) => {
                index.insert(owner, Arc::new(photo));
                report.loaded += 1;
            }
            Err(reason) => report.skipped.push((path, reason)),
        }
    }
    if report.removed_temp_files > 0 {
        sync_dir(dir)?;
    }
    Ok(report)
}

/// Reads and verifies one photo file named `name`.
fn read_photo(path: &Path, name: &str) -> Result<(OwnerKey, Photo), String> {
    let data = Bytes::from(fs::read(path).map_err(|err| format!("unreadable: {err}"))?);
    let rest = data
        .strip_prefix(MAGIC)
        .ok_or("not a photo file of this version (bad magic line)")?;
    let header_len = rest
        .iter()
        .take(MAX_HEADER_BYTES)
        .position(|byte| *byte == b'\n')
        .ok_or("the header line is missing or too long")?;
    let header: Header =
        serde_json::from_slice(&rest[..header_len]).map_err(|err| format!("bad header: {err}"))?;
    let content = data.slice(MAGIC.len() + header_len + 1..);
    if content.len() as u64 != header.length {
        return Err(format!(
            "truncated or padded: {} content bytes, the header says {}",
            content.len(),
            header.length
        ));
    }
    if name != file_name(&header.owner) {
        return Err(format!(
            "the file name does not match its owner {}",
            header.owner
        ));
    }
    let image = ImageInfo {
        width: header.width,
        height: header.height,
    };
    if imaging::inspect(&content) != Ok(image) {
        return Err("the content is not the JPEG the header describes".to_owned());
    }
    if sha256_hex(&content) != header.sha256 {
        return Err("the content does not match its checksum".to_owned());
    }
    let photo = Photo::new(content, image).with_metadata(header.metadata);
    Ok((header.owner, photo))
}

/// The SHA-256 of a photo file's content, lower-case hex: the file's checksum against damage.
fn sha256_hex(content: &[u8]) -> String {
    Sha256::digest(content)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// `<sha256 of the owner key>.photo`: fixed length and safe on every file system, whatever
/// characters the key has.
fn file_name(owner: &OwnerKey) -> String {
    let mut hasher = Sha256::new();
    // Length-prefixed parts, so that no two owners share a canonical form.
    let mut part = |text: &str| {
        hasher.update((text.len() as u64).to_be_bytes());
        hasher.update(text.as_bytes());
    };
    for (set, key) in owner.path() {
        part(set);
        part(key);
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{hex}.{EXTENSION}")
}

/// Makes a rename or removal in `dir` durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Directory sync is a POSIX notion; elsewhere the rename is as durable as the platform makes it.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::test_images;

    fn owner(user: &str) -> OwnerKey {
        OwnerKey::user(user)
    }

    fn photo(width: u32, height: u32) -> Photo {
        Photo::new(
            test_images::jpeg(width, height, 0),
            ImageInfo { width, height },
        )
    }

    fn photo_files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("readable")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name != LOCK_FILE)
            .collect();
        names.sort();
        names
    }

    #[test]
    fn photos_survive_a_restart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = photo(120, 90);
        let (etag, content) = (first.etag().to_owned(), first.content().clone());
        {
            let store = FileStore::open(dir.path()).expect("opened");
            store.put(&owner("a"), first).expect("stored");
            store
                .update(&owner("a"), &|current| {
                    current.clone().with_metadata(PhotoMetadata {
                        id: Some("custom".into()),
                        ..PhotoMetadata::default()
                    })
                })
                .expect("updated");
            store.put(&owner("b"), photo(50, 50)).expect("stored");
            store.delete(&owner("b"), &|_| true).expect("deleted");
        }
        let store = FileStore::open(dir.path()).expect("reopened");
        assert_eq!(store.load_report().loaded, 1);
        let loaded = store.get(&owner("a")).expect("persisted");
        assert_eq!(loaded.etag(), etag);
        assert_eq!(loaded.content(), &content);
        assert_eq!(loaded.metadata().id.as_deref(), Some("custom"));
        assert!(store.get(&owner("b")).is_none());
        assert_eq!(
            photo_files(dir.path()).len(),
            1,
            "no temporary files remain"
        );
    }

    #[test]
    fn an_interrupted_write_leaves_the_previous_photo() {
        let dir = tempfile::tempdir().expect("temp dir");
        let before = photo(100, 100);
        let etag = before.etag().to_owned();
        let committed = {
            let store = FileStore::open(dir.path()).expect("opened");
            store.put(&owner("a"), before).expect("stored");
            store.path_of(&owner("a"))
        };
        // A write killed half-way: the next version's file, cut short, under a temporary name.
        let mut torn = fs::read(&committed).expect("readable");
        torn.truncate(torn.len() / 2);
        fs::write(dir.path().join(".tmp-killed.partial"), &torn).expect("written");
        fs::write(dir.path().join(".tmp-empty.partial"), b"").expect("written");

        let store = FileStore::open(dir.path()).expect("reopened");
        let report = store.load_report();
        assert_eq!(
            (report.loaded, report.removed_temp_files),
            (1, 2),
            "{report:?}"
        );
        assert!(report.skipped.is_empty(), "{report:?}");
        assert_eq!(store.get(&owner("a")).expect("intact").etag(), etag);
        assert_eq!(photo_files(dir.path()).len(), 1);
    }

    #[test]
    fn damaged_files_are_skipped_and_the_rest_load() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (good, bad, flipped) = {
            let store = FileStore::open(dir.path()).expect("opened");
            for user in ["good", "bad", "flipped"] {
                store.put(&owner(user), photo(64, 64)).expect("stored");
            }
            (
                store.path_of(&owner("good")),
                store.path_of(&owner("bad")),
                store.path_of(&owner("flipped")),
            )
        };
        let bytes = fs::read(&bad).expect("readable");
        fs::write(&bad, &bytes[..bytes.len() - 10]).expect("truncated");
        let mut bytes = fs::read(&flipped).expect("readable");
        let last = bytes.len() - 3;
        bytes[last] ^= 0xFF;
        fs::write(&flipped, &bytes).expect("corrupted");
        fs::write(dir.path().join("stranger.photo"), b"hello").expect("written");
        fs::write(dir.path().join("notes.txt"), b"ignored").expect("written");

        let store = FileStore::open(dir.path()).expect("reopened");
        let report = store.load_report();
        assert_eq!(report.loaded, 1);
        assert_eq!(report.skipped.len(), 3, "{report:?}");
        assert!(store.get(&owner("good")).is_some());
        assert!(
            good.exists() && bad.exists(),
            "damaged files are left for inspection"
        );
    }

    #[test]
    fn owners_are_stored_as_their_sets_and_keys_and_older_files_are_skipped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let contact = OwnerKey::new([("users", "u"), ("contacts", "C1")]);
        let path = {
            let store = FileStore::open(dir.path()).expect("opened");
            store.put(&contact, photo(64, 64)).expect("stored");
            store.path_of(&contact)
        };
        let bytes = fs::read(&path).expect("readable");
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains(r#"{"owner":[["users","u"],["contacts","C1"]],"#),
            "{text:.120}"
        );
        let store = FileStore::open(dir.path()).expect("reopened");
        assert!(store.get(&contact).is_some());
        drop(store);

        // A file of the format that named owners by a fixed set of kinds.
        let mut older = b"photo-emulator photo v1\n".to_vec();
        older.extend_from_slice(&bytes[MAGIC.len()..]);
        fs::write(&path, older).expect("written");
        let store = FileStore::open(dir.path()).expect("reopened");
        let report = store.load_report();
        assert_eq!(report.loaded, 0);
        assert!(
            report.skipped[0]
                .1
                .contains("not a photo file of this version"),
            "{report:?}"
        );
    }

    #[test]
    fn one_directory_serves_one_store_at_a_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = FileStore::open(dir.path()).expect("opened");
        assert!(matches!(
            FileStore::open(dir.path()),
            Err(StoreError::Io(err)) if err.kind() == io::ErrorKind::WouldBlock
        ));
        drop(first);
        FileStore::open(dir.path()).expect("free again");
    }

    #[test]
    fn file_names_are_distinct_per_owner() {
        let names = [
            file_name(&owner("a")),
            file_name(&OwnerKey::new([("groups", "a")])),
            file_name(&OwnerKey::new([("users", "a"), ("contacts", "b")])),
            file_name(&OwnerKey::new([("users", "ab"), ("contacts", "")])),
            file_name(&OwnerKey::new([
                ("users", "a"),
                ("contacts", "b"),
                ("x", ""),
            ])),
        ];
        for (i, a) in names.iter().enumerate() {
            assert!(a.ends_with(".photo") && a.len() == 70);
            for b in &names[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
