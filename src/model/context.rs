//! What a prediction depends on besides the flags themselves: the Docker versions, the
//! daemon's platform and data root, the client's working directory and the host's files.

use super::version::DockerVersions;
use std::collections::BTreeSet;

/// The platform of the *daemon* (the client behaves the same on both).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Platform {
    #[default]
    Linux,
    Windows,
}

/// What exists on the daemon's host: `--mount` binds need their source to exist.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum HostFs {
    /// Every absolute path exists (the specification's default assumption).
    #[default]
    AllExist,
    /// Every path exists except these.
    AllExceptMissing(BTreeSet<String>),
    /// Every path exists, as a directory, except the missing ones and these files.
    AllExceptMissingWithFiles { missing: BTreeSet<String>, files: BTreeSet<String> },
    /// Only these directories and files exist (the Windows mock file system of the vectors).
    Only { dirs: BTreeSet<String>, files: BTreeSet<String> },
    /// Ask the file system of this machine (for `explain` run next to a local daemon).
    Real,
}

/// What a path on the host is, as far as Docker's checks are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostEntry {
    Missing,
    Dir,
    File,
}

impl HostFs {
    pub fn lookup(&self, path: &str) -> HostEntry {
        match self {
            HostFs::AllExist => HostEntry::Dir,
            HostFs::AllExceptMissing(missing) => {
                if missing.contains(path) {
                    HostEntry::Missing
                } else {
                    HostEntry::Dir
                }
            }
            HostFs::AllExceptMissingWithFiles { missing, files } => {
                if missing.contains(path) {
                    HostEntry::Missing
                } else if files.contains(path) {
                    HostEntry::File
                } else {
                    HostEntry::Dir
                }
            }
            HostFs::Only { dirs, files } => {
                let lowered = path.to_lowercase();
                let has = |set: &BTreeSet<String>| set.iter().any(|p| p.to_lowercase() == lowered);
                if has(dirs) {
                    HostEntry::Dir
                } else if has(files) {
                    HostEntry::File
                } else {
                    HostEntry::Missing
                }
            }
            HostFs::Real => match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() => HostEntry::Dir,
                Ok(_) => HostEntry::File,
                Err(_) => HostEntry::Missing,
            },
        }
    }

    pub fn exists(&self, path: &str) -> bool {
        self.lookup(path) != HostEntry::Missing
    }
}

/// Everything besides the flags that decides Docker's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    pub versions: DockerVersions,
    pub platform: Platform,
    /// The client's working directory: relative `-v`/`--mount` sources are made absolute
    /// against it.
    pub cwd: String,
    /// The daemon's data root (binds near it default to `rslave` propagation).
    pub daemon_root: String,
    pub host: HostFs,
    /// Volume plugins installed on the daemon; `None` assumes any driver named exists.
    pub volume_plugins: Option<BTreeSet<String>>,
    /// The `VOLUME`s the image declares (anonymous volumes unless something else is
    /// mounted there).
    pub image_volumes: Vec<String>,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            versions: DockerVersions::NEWEST,
            platform: Platform::Linux,
            cwd: "/".to_string(),
            daemon_root: "/var/lib/docker".to_string(),
            host: HostFs::AllExist,
            volume_plugins: None,
            image_volumes: Vec::new(),
        }
    }
}
