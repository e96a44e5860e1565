//! Load: 64 concurrent clients (each a generated `ApiClient` with its own connection pool)
//! upload and read 4 MB photos against an emulator serving on 127.0.0.1, for a bounded time.
//!
//! What must hold:
//! - no request fails;
//! - a client's own user, which only it writes, always reads back exactly the bytes of that
//!   client's last upload;
//! - the shared groups, written concurrently by many clients, behave as one atomic register:
//!   every read returns exactly the bytes of an upload that had started before the read ended
//!   and that no other upload had certainly replaced before the read began (one that started
//!   after it finished and finished before the read started). A torn, stale or invented photo
//!   fails.
//!
//! Every upload is one template JPEG stamped with who sent it in which round, so a download is
//! identified by its stamp and then compared byte for byte (`memcmp`, chunk by chunk) with what
//! that upload sent, without keeping any download in memory. Each client holds one upload at a
//! time, so memory stays near clients x 2 x 4 MB plus the stored photos.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use photo_api::client::{
    ApiClient, GetGroupPhotoContentResponse, GetUserPhotoContentResponse, PhotoContent,
};
use photo_api::emulator::test_images::jpeg;
use photo_api::emulator::{Emulator, TokenSpec};
use photo_api::models::{GroupId, UserKey};
use photo_api::runtime::client::{Client, Download};

const SECRET: &str = "load test secret, long enough to sign";
const CLIENTS: usize = 64;
const SHARED_GROUPS: usize = 4;
/// Under v1.0's 4 MiB request limit.
const PHOTO_BYTES: usize = 4_000_000;
/// Clients start no new round after this; the round in progress finishes.
const DURATION: Duration = Duration::from_secs(3);
/// And do at most this many rounds, so the test is bounded in count as well as in time.
const MAX_ROUNDS: usize = 8;
/// Where each upload's stamp is written: inside the JPEG's first comment segment.
const STAMP_AT: usize = 6;
const STAMP_LEN: usize = 16;
const STAMP_END: usize = STAMP_AT + STAMP_LEN;

/// Which photo a download turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    /// The small photo an owner was seeded with (its index in the seed table).
    Seed(usize),
    /// What `client` uploaded in `round`.
    Upload { client: usize, round: usize },
}

/// An upload to a shared group that completed.
#[derive(Clone, Copy, Debug)]
struct Write {
    version: Version,
    start: Instant,
    end: Instant,
}

/// A read of a shared group.
#[derive(Clone, Copy, Debug)]
struct Read {
    group: usize,
    version: Version,
    start: Instant,
    end: Instant,
}

#[derive(Default)]
struct Log {
    writes: Vec<Vec<Write>>,
    reads: Vec<Read>,
    failures: Vec<String>,
    puts: usize,
    gets: usize,
    bytes: usize,
}

fn lock(log: &Mutex<Log>) -> MutexGuard<'_, Log> {
    log.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What every client's uploads are made of, and the seeds, to compare downloads with.
struct Photos {
    template: Vec<u8>,
    seeds: Vec<Bytes>,
}

impl Photos {
    fn new() -> Self {
        let seeds = (0..CLIENTS + SHARED_GROUPS)
            .map(|index| jpeg(8, 8, index as u8))
            .collect();
        Photos {
            template: template(),
            seeds,
        }
    }

    /// The upload of `client` in `round`.
    fn upload(&self, client: usize, round: usize) -> Bytes {
        let mut bytes = self.template.clone();
        bytes[STAMP_AT..STAMP_END].copy_from_slice(&stamp(client, round));
        Bytes::from(bytes)
    }

    /// Reads a download through, checking it is exactly one of the known photos, and says which.
    async fn identify(&self, mut body: Download) -> Result<(Version, usize), String> {
        let longest_seed = self.seeds.iter().map(Bytes::len).max().unwrap_or(0);
        // The first bytes, until they tell an upload (by its stamp) from a seed.
        let mut head = Vec::new();
        let mut upload = None;
        let mut received = 0;
        while let Some(chunk) = body.chunk().await.map_err(|err| err.to_string())? {
            let chunk = match upload {
                Some(_) => chunk,
                None => {
                    head.extend_from_slice(&chunk);
                    if head.len() < STAMP_END {
                        continue;
                    }
                    match self.stamped(&head) {
                        Some(found) => {
                            upload = Some(found);
                            Bytes::from(std::mem::take(&mut head))
                        }
                        None if head.len() > longest_seed => {
                            return Err("a download is no known photo".to_owned());
                        }
                        None => continue,
                    }
                }
            };
            if let Some((client, round)) = upload
                && !self.matches(client, round, received, &chunk)
            {
                return Err(format!(
                    "the download of client {client}'s round {round} differs in {received}..{}",
                    received + chunk.len()
                ));
            }
            received += chunk.len();
        }
        match upload {
            Some((client, round)) if received == PHOTO_BYTES => {
                Ok((Version::Upload { client, round }, received))
            }
            Some(_) => Err(format!(
                "a download was {received} bytes, not {PHOTO_BYTES}"
            )),
            None => self
                .seeds
                .iter()
                .position(|seed| seed[..] == head[..])
                .map(|index| (Version::Seed(index), head.len()))
                .ok_or_else(|| format!("a {}-byte download is no known photo", head.len())),
        }
    }

    /// The client and round a download's first bytes name, if they are an upload's.
    fn stamped(&self, head: &[u8]) -> Option<(usize, usize)> {
        if head.len() < STAMP_END || head[..STAMP_AT] != self.template[..STAMP_AT] {
            return None;
        }
        let text = std::str::from_utf8(&head[STAMP_AT..STAMP_END]).ok()?;
        let (client, round) = text.trim_end().split_once(':')?;
        Some((client.parse().ok()?, round.parse().ok()?))
    }

    /// Whether `chunk`, found at `offset`, is what `client` sent in `round` there.
    fn matches(&self, client: usize, round: usize, offset: usize, chunk: &[u8]) -> bool {
        let end = offset + chunk.len();
        if end > PHOTO_BYTES {
            return false;
        }
        let stamp = stamp(client, round);
        let expected = |from: usize, to: usize| -> bool {
            // Template outside the stamp, the stamp inside it; slice equality is a memcmp.
            let before = from..to.min(STAMP_AT).max(from);
            let inside = from.max(STAMP_AT)..to.min(STAMP_END);
            let after = from.max(STAMP_END).min(to)..to;
            chunk[before.start - offset..before.end - offset] == self.template[before.clone()]
                && (inside.is_empty()
                    || chunk[inside.start - offset..inside.end - offset]
                        == stamp[inside.start - STAMP_AT..inside.end - STAMP_AT])
                && chunk[after.start - offset..after.end - offset] == self.template[after]
        };
        expected(offset, end)
    }
}

fn stamp(client: usize, round: usize) -> [u8; STAMP_LEN] {
    let text = format!("{client}:{round}");
    let mut stamp = [b' '; STAMP_LEN];
    stamp[..text.len()].copy_from_slice(text.as_bytes());
    stamp
}

/// A small real JPEG, made `PHOTO_BYTES` long with comment (COM) segments right after SOI:
/// a valid 4 MB photo that costs the emulator almost nothing to decode.
fn template() -> Vec<u8> {
    let small = jpeg(16, 16, 200);
    let mut out = Vec::with_capacity(PHOTO_BYTES);
    out.extend_from_slice(&small[..2]);
    let mut missing = PHOTO_BYTES - small.len();
    let mut filler = (0u32..).map(|i| b'a' + ((i.wrapping_mul(2_654_435_761) >> 27) % 26) as u8);
    while missing > 0 {
        let payload = (missing - 4).min(65_533);
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&((payload + 2) as u16).to_be_bytes());
        out.extend(filler.by_ref().take(payload));
        missing -= payload + 4;
    }
    out.extend_from_slice(&small[2..]);
    assert_eq!(out.len(), PHOTO_BYTES);
    out
}

#[derive(Clone)]
enum Owner {
    User(UserKey),
    Group(GroupId),
}

impl Owner {
    async fn put(&self, api: &ApiClient, bytes: Bytes) -> Result<(), String> {
        let content = PhotoContent::from_jpeg(bytes).map_err(|err| err.to_string())?;
        let outcome = match self {
            Owner::User(key) => api
                .users()
                .by_key(key)
                .photo()
                .content()
                .put(content)
                .await
                .map(drop),
            Owner::Group(id) => api
                .groups()
                .by_id(id)
                .photo()
                .content()
                .put(content)
                .await
                .map(drop),
        };
        outcome.map_err(|err| format!("upload failed: {err}"))
    }

    async fn get(&self, api: &ApiClient, photos: &Photos) -> Result<(Version, usize), String> {
        let body = match self {
            Owner::User(key) => match api.users().by_key(key).photo().content().get().await {
                Ok(GetUserPhotoContentResponse::Ok { body, .. }) => body,
                Ok(GetUserPhotoContentResponse::NotModified { .. }) => {
                    return Err("304 without If-None-Match".into());
                }
                Err(err) => return Err(format!("download failed: {err}")),
            },
            Owner::Group(id) => match api.groups().by_id(id).photo().content().get().await {
                Ok(GetGroupPhotoContentResponse::Ok { body, .. }) => body,
                Ok(GetGroupPhotoContentResponse::NotModified { .. }) => {
                    return Err("304 without If-None-Match".into());
                }
                Err(err) => return Err(format!("download failed: {err}")),
            },
        };
        photos.identify(body).await
    }
}

/// What one client works on.
struct Job {
    index: usize,
    api: ApiClient,
    own: Owner,
    group: usize,
    shared: Owner,
}

/// One client's rounds. Each round uploads once, to its own user or (every other round) to its
/// shared group, then reads both.
async fn client(job: Job, photos: Arc<Photos>, deadline: Instant, log: Arc<Mutex<Log>>) {
    let Job {
        index,
        api,
        own,
        group,
        shared,
    } = job;
    let mut own_expected = Version::Seed(index);
    for round in 0..MAX_ROUNDS {
        if round > 0 && Instant::now() >= deadline {
            break;
        }
        let writes_shared = (index + round) % 2 == 1;
        let version = Version::Upload {
            client: index,
            round,
        };
        let bytes = photos.upload(index, round);
        let start = Instant::now();
        let put = if writes_shared {
            shared.put(&api, bytes).await
        } else {
            own.put(&api, bytes).await
        };
        let end = Instant::now();
        {
            let mut log = lock(&log);
            log.puts += 1;
            log.bytes += PHOTO_BYTES;
            match put {
                Ok(()) if writes_shared => log.writes[group].push(Write {
                    version,
                    start,
                    end,
                }),
                Ok(()) => own_expected = version,
                Err(err) => log
                    .failures
                    .push(format!("client {index} round {round}: {err}")),
            }
        }

        let own_read = own.get(&api, &photos).await;
        let start = Instant::now();
        let shared_read = shared.get(&api, &photos).await;
        let end = Instant::now();
        let mut log = lock(&log);
        log.gets += 2;
        match own_read {
            Ok((version, len)) => {
                log.bytes += len;
                if version != own_expected {
                    log.failures.push(format!(
                        "client {index} round {round}: its own user read back {version:?}, not {own_expected:?}"
                    ));
                }
            }
            Err(err) => log
                .failures
                .push(format!("client {index} round {round}: {err}")),
        }
        match shared_read {
            Ok((version, len)) => {
                log.bytes += len;
                log.reads.push(Read {
                    group,
                    version,
                    start,
                    end,
                });
            }
            Err(err) => log
                .failures
                .push(format!("client {index} round {round}: {err}")),
        }
    }
}

/// Every read of a shared group against the group's upload history (an atomic register).
fn check_shared_reads(writes: &[Vec<Write>], reads: &[Read]) -> Vec<String> {
    let mut failures = Vec::new();
    for read in reads {
        let history = &writes[read.group];
        let Some(write) = history.iter().find(|w| w.version == read.version) else {
            failures.push(format!(
                "group {}: a read returned {:?}, never uploaded there",
                read.group, read.version
            ));
            continue;
        };
        if write.start > read.end {
            failures.push(format!(
                "group {}: a read returned {:?}, uploaded after the read ended",
                read.group, read.version
            ));
        }
        let replaced = history
            .iter()
            .any(|later| later.start > write.end && later.end < read.start);
        if replaced {
            failures.push(format!(
                "group {}: a read returned {:?}, already replaced before the read began",
                read.group, read.version
            ));
        }
    }
    failures
}

/// A client for `base_url`. Plain HTTP on loopback needs no certificate roots, so none are
/// loaded (64 clients would otherwise each parse the system's).
fn api(base_url: &str, token: &str) -> ApiClient {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_only(Vec::new())
        .build()
        .expect("reqwest client");
    let client = Client::builder()
        .base_url(base_url)
        .static_token(token)
        .timeout(Duration::from_secs(120))
        .reqwest_client(http)
        .build()
        .expect("client");
    ApiClient::new(client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_clients_upload_and_read_large_photos() {
    let emulator = Emulator::builder()
        .secret(SECRET)
        .build()
        .expect("emulator");
    let token = emulator
        .token(&TokenSpec::application(
            "load-app",
            [
                "User.ReadWrite.All",
                "User.Read.All",
                "Group.ReadWrite.All",
                "Group.Read.All",
            ],
        ))
        .expect("token");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base_url = format!("http://{}/v1.0", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(emulator.serve_with_shutdown(listener, async {
        let _ = stopped.await;
    }));

    // Every owner starts with a small, distinct photo, so no read races a first upload.
    let photos = Arc::new(Photos::new());
    let seeder = api(&base_url, &token);
    let mut log = Log {
        writes: vec![Vec::new(); SHARED_GROUPS],
        ..Log::default()
    };
    let groups: Vec<Owner> = (0..SHARED_GROUPS)
        .map(|g| Owner::Group(GroupId::new(format!("load-group-{g}")).expect("group id")))
        .collect();
    for (g, group) in groups.iter().enumerate() {
        let version = Version::Seed(CLIENTS + g);
        let start = Instant::now();
        group
            .put(&seeder, photos.seeds[CLIENTS + g].clone())
            .await
            .expect("seed a group");
        log.writes[g].push(Write {
            version,
            start,
            end: Instant::now(),
        });
    }
    let mut jobs = Vec::new();
    for index in 0..CLIENTS {
        let own = Owner::User(UserKey::new(format!("load-user-{index}")).expect("user key"));
        own.put(&seeder, photos.seeds[index].clone())
            .await
            .expect("seed a user");
        let group = index % SHARED_GROUPS;
        jobs.push(Job {
            index,
            api: api(&base_url, &token),
            own,
            group,
            shared: groups[group].clone(),
        });
    }

    let log = Arc::new(Mutex::new(log));
    let started = Instant::now();
    let deadline = started + DURATION;
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|job| tokio::spawn(client(job, photos.clone(), deadline, log.clone())))
        .collect();
    for task in tasks {
        task.await.expect("a client task panicked");
    }
    let elapsed = started.elapsed();
    let _ = stop.send(());
    server.await.expect("server task").expect("server");

    let log = lock(&log);
    let mut failures = log.failures.clone();
    failures.extend(check_shared_reads(&log.writes, &log.reads));
    let fresh_shared_reads = log
        .reads
        .iter()
        .filter(|read| matches!(read.version, Version::Upload { .. }))
        .count();
    eprintln!(
        "load: {CLIENTS} clients, {} uploads and {} downloads of {} MB photos ({} MB moved) in {:.1} s; {} shared reads checked, {} returned a concurrent upload",
        log.puts,
        log.gets,
        PHOTO_BYTES / 1_000_000,
        log.bytes / 1_000_000,
        elapsed.as_secs_f64(),
        log.reads.len(),
        fresh_shared_reads,
    );
    assert!(
        failures.is_empty(),
        "{} failures, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert!(log.puts >= CLIENTS, "every client uploaded at least once");
    assert_eq!(
        log.reads.len() * 2,
        log.gets,
        "every shared read was recorded"
    );
    assert!(
        fresh_shared_reads > 0,
        "the shared groups were never read after a concurrent upload"
    );
}

#[test]
fn the_register_check_catches_stale_future_and_invented_reads() {
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let v = |client| Version::Upload { client, round: 0 };
    let writes = vec![vec![
        Write {
            version: Version::Seed(0),
            start: at(0),
            end: at(1),
        },
        Write {
            version: v(2),
            start: at(10),
            end: at(20),
        },
        Write {
            version: v(3),
            start: at(15),
            end: at(30),
        },
    ]];
    let read = |version, start, end| Read {
        group: 0,
        version,
        start: at(start),
        end: at(end),
    };
    // Overlapping uploads may land in either order; a read during one may see before or after.
    let fine = [
        read(Version::Seed(0), 2, 12),
        read(v(2), 12, 13),
        read(v(3), 16, 17),
        read(v(2), 31, 32),
        read(v(3), 31, 32),
    ];
    assert!(check_shared_reads(&writes, &fine).is_empty());
    // Replaced by v(2), which started after the seed was stored, before the read began.
    assert_eq!(
        check_shared_reads(&writes, &[read(Version::Seed(0), 21, 22)]).len(),
        1
    );
    // Not yet started when the read ended.
    assert_eq!(check_shared_reads(&writes, &[read(v(3), 2, 5)]).len(), 1);
    // Never uploaded to this group.
    assert_eq!(check_shared_reads(&writes, &[read(v(9), 2, 5)]).len(), 1);
}

#[test]
fn downloads_are_compared_byte_for_byte() {
    let photos = Photos::new();
    let upload = photos.upload(12, 3);
    assert_eq!(photos.stamped(&upload[..STAMP_END]), Some((12, 3)));
    assert_eq!(photos.stamped(&photos.seeds[0]), None);
    // Any split into chunks matches; one flipped byte anywhere does not.
    for split in [
        1,
        STAMP_AT,
        STAMP_AT + 3,
        STAMP_END,
        65_536,
        PHOTO_BYTES - 1,
    ] {
        assert!(photos.matches(12, 3, 0, &upload[..split]), "split {split}");
        assert!(
            photos.matches(12, 3, split, &upload[split..]),
            "split {split}"
        );
    }
    for flip in [
        0,
        STAMP_AT,
        STAMP_END - 1,
        STAMP_END,
        PHOTO_BYTES / 2,
        PHOTO_BYTES - 1,
    ] {
        let mut torn = upload.to_vec();
        torn[flip] ^= 1;
        assert!(!photos.matches(12, 3, 0, &torn), "flip at {flip}");
    }
    assert!(!photos.matches(12, 4, 0, &upload));
    assert!(!photos.matches(12, 3, 1, &upload[..100]));
}
