//! The yardstick for "exact": what one storage item makes the Engine do, reduced to what
//! changes the container.
//!
//! A translation is exact when the original and the translation have equal [`Meaning`]s.
//! The meaning is taken from what Docker itself makes of each one (the engine's verdict on
//! the item alone, plus the parts of the API request that `docker inspect` does not show),
//! never from the text, so that `-v`, `--mount`, `--tmpfs` and compose's request compare
//! directly. Differences of form that change nothing are left out: the `Mode` string of
//! `docker inspect` counts only for its SELinux relabel (`z`, `Z`), `rw` for nothing, and
//! a tmpfs size only for its number of bytes.

use crate::model::context::{Context, Platform};
use crate::model::engine::{self, FlagKind, RunInput, StorageFlag};
use crate::model::paths::clean;
use crate::model::request::{ApiMount, CreateRequest};
use crate::model::verdict::{DockerError, Verdict};
use crate::model::{mount_flag, tmpfs_flag, volume_flag};
use crate::span::Span;
use serde::Serialize;
use std::collections::BTreeMap;

/// What the client sends for one item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sent {
    /// `HostConfig.Binds` entry.
    Bind(String),
    /// `Config.Volumes` key (an anonymous `-v`).
    Anonymous(String),
    /// `HostConfig.Mounts` entry.
    Mount(Box<ApiMount>),
    /// `HostConfig.Tmpfs` entry.
    Tmpfs { path: String, options: String },
}

/// What a storage item does to the container.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Meaning {
    /// `bind`, `volume`, `tmpfs`, `image`, `npipe`.
    pub kind: String,
    /// Bind: the cleaned host path; volume: its name (`""` when anonymous); image: the image.
    pub source: String,
    /// The cleaned mount point.
    pub destination: String,
    pub writable: bool,
    /// Binds: the propagation the Engine applies (`rprivate` by default).
    pub propagation: String,
    /// The SELinux relabel done before start: `z` (shared), `Z` (private) or `""`.
    pub relabel: String,
    /// Volumes: the driver (`local` by default).
    pub driver: String,
    /// Volumes: whether the image's files are copied into a new empty volume.
    pub copy_up: bool,
    pub subpath: String,
    pub driver_opts: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    /// Binds: `enabled`, `disabled`, `writable` or `readonly`.
    pub recursive: String,
    /// Binds: whether a missing host path is created (else the container is refused).
    pub creates_source: bool,
    pub consistency: String,
    /// tmpfs: the option list the runtime gets, defaults merged, sizes in bytes.
    pub tmpfs_options: Vec<String>,
}

/// The reasons two meanings differ, in words (`read-only`, `SELinux relabel`...), each with
/// the original's and the translation's value.
pub fn differences(original: &Meaning, translated: &Meaning) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let mut check = |what: &'static str, a: String, b: String| {
        if a != b {
            out.push((what, a, b));
        }
    };
    check("mount type", original.kind.clone(), translated.kind.clone());
    check("source", original.source.clone(), translated.source.clone());
    check("container path", original.destination.clone(), translated.destination.clone());
    check("read-only", (!original.writable).to_string(), (!translated.writable).to_string());
    check("propagation", original.propagation.clone(), translated.propagation.clone());
    check("SELinux relabel", show(&original.relabel), show(&translated.relabel));
    check("volume driver", original.driver.clone(), translated.driver.clone());
    check("copy of the image's files", original.copy_up.to_string(), translated.copy_up.to_string());
    check("subpath", original.subpath.clone(), translated.subpath.clone());
    check("driver options", format!("{:?}", original.driver_opts), format!("{:?}", translated.driver_opts));
    check("volume labels", format!("{:?}", original.labels), format!("{:?}", translated.labels));
    check("recursive bind", original.recursive.clone(), translated.recursive.clone());
    check(
        "creation of a missing host path",
        original.creates_source.to_string(),
        translated.creates_source.to_string(),
    );
    check("consistency", show(&original.consistency), show(&translated.consistency));
    check("tmpfs options", original.tmpfs_options.join(","), translated.tmpfs_options.join(","));
    out
}

fn show(text: &str) -> String {
    if text.is_empty() {
        "none".to_string()
    } else {
        text.to_string()
    }
}

/// What the CLI sends for one flag value, or the CLI's error.
pub fn client_sent(kind: FlagKind, value: &str, ctx: &Context) -> Result<Sent, DockerError> {
    match kind {
        FlagKind::Volume => match volume_flag::client(value, ctx) {
            Ok(volume_flag::ClientRoute::Bind { raw }) => Ok(Sent::Bind(raw)),
            Ok(volume_flag::ClientRoute::Anonymous { target }) => Ok(Sent::Anonymous(target)),
            Err(message) => Err(DockerError::client(message)),
        },
        FlagKind::Mount => {
            let mount = mount_flag::client(value, ctx).map_err(|m| DockerError::mount_flag(value, &m))?;
            Ok(Sent::Mount(Box::new(mount)))
        }
        FlagKind::Tmpfs => {
            let (path, options) = tmpfs_flag::client(value);
            Ok(Sent::Tmpfs { path, options })
        }
    }
}

/// The context of one item on its own: no image `VOLUME`s.
fn alone(ctx: &Context) -> Context {
    Context { image_volumes: Vec::new(), ..ctx.clone() }
}

/// The meaning of one `docker run` flag value (with the container-wide `--volume-driver`),
/// or the error Docker gives for it (at create or at start).
pub fn of_flag(kind: FlagKind, value: &str, volume_driver: &str, ctx: &Context) -> Result<Meaning, DockerError> {
    let ctx = alone(ctx);
    let input = RunInput {
        flags: vec![StorageFlag { kind, value: value.to_string(), span: Span::new(0, value.len()) }],
        volume_driver: volume_driver.to_string(),
        ..RunInput::default()
    };
    let verdict = engine::predict(&input, &ctx);
    let sent = client_sent(kind, value, &ctx)?;
    from_verdict(&verdict, &sent, volume_driver, &ctx)
}

/// The meaning of an item of a request that did not come from `docker run` flags (what
/// compose sends), or the Engine's error.
pub fn of_sent(sent: &Sent, volume_driver: &str, ctx: &Context) -> Result<Meaning, DockerError> {
    let ctx = alone(ctx);
    let mut request = CreateRequest { volume_driver: volume_driver.to_string(), ..CreateRequest::default() };
    match sent {
        Sent::Bind(raw) => request.binds.push(raw.clone()),
        Sent::Anonymous(key) => request.volumes.push(key.clone()),
        Sent::Mount(mount) => request.mounts.push(mount.as_ref().clone()),
        Sent::Tmpfs { path, options } => {
            request.tmpfs.insert(path.clone(), options.clone());
        }
    }
    let verdict = engine::predict_request(&request, &ctx);
    from_verdict(&verdict, sent, volume_driver, &ctx)
}

fn from_verdict(verdict: &Verdict, sent: &Sent, volume_driver: &str, ctx: &Context) -> Result<Meaning, DockerError> {
    if let Some(error) = &verdict.error {
        return Err(error.clone());
    }
    if let Some(error) = &verdict.start_error {
        return Err(error.clone());
    }
    let linux = ctx.platform == Platform::Linux;
    let mut meaning = Meaning::default();
    if let Some(point) = verdict.mounts.first() {
        meaning.kind = point.kind.clone();
        meaning.source = if point.kind == "volume" { point.name.clone() } else { point.source.clone() };
        meaning.destination = point.destination.clone();
        meaning.writable = point.rw;
        meaning.propagation = point.propagation.clone();
        if point.kind == "volume" {
            meaning.driver = if point.driver.is_empty() { "local".to_string() } else { point.driver.clone() };
        }
        if linux {
            meaning.relabel = relabel_of(&point.mode).to_string();
        }
    }
    match sent {
        Sent::Bind(raw) => {
            let mode = if linux { raw.splitn(3, ':').nth(2).unwrap_or("") } else { "" };
            let tokens: Vec<&str> = mode.split(',').collect();
            if meaning.kind == "volume" {
                meaning.copy_up = linux && !tokens.contains(&"nocopy");
            }
            if meaning.kind == "bind" {
                meaning.recursive = "enabled".to_string();
                // `-v` creates a missing host directory (Linux only).
                meaning.creates_source = linux;
            }
            let consistency = tokens.iter().find(|t| matches!(**t, "consistent" | "cached" | "delegated"));
            meaning.consistency = consistency.map(|t| t.to_string()).unwrap_or_default();
        }
        Sent::Anonymous(_) => {
            // `Config.Volumes` volumes are relabelled (shared) when the container is
            // created, though `docker inspect` shows an empty `Mode`.
            if linux {
                meaning.relabel = "z".to_string();
            }
            meaning.copy_up = linux;
            if meaning.driver.is_empty() {
                meaning.driver = if volume_driver.is_empty() { "local".to_string() } else { volume_driver.to_string() };
            }
        }
        Sent::Mount(mount) => mount_extras(&mut meaning, mount, ctx),
        Sent::Tmpfs { path, options } => {
            meaning.kind = "tmpfs".to_string();
            meaning.destination = clean(path);
            let merged = tmpfs_flag::start_options(options, ctx).map_err(DockerError::daemon)?;
            meaning.tmpfs_options = normalise_tmpfs(&merged);
            meaning.writable = !meaning.tmpfs_options.iter().any(|o| o == "ro");
        }
    }
    Ok(meaning)
}

/// What a `Mounts` entry does beyond `docker inspect`'s view, after the Engine's API gates.
fn mount_extras(meaning: &mut Meaning, mount: &ApiMount, ctx: &Context) {
    let mut mount = mount.clone();
    // The Engine drops what its API version or release does not know.
    let _ = mount_flag::apply_api_gates(&mut mount, ctx);
    let linux = ctx.platform == Platform::Linux;
    meaning.consistency = mount.consistency.clone();
    match mount.r#type.as_str() {
        "bind" => {
            let options = mount.bind_options.clone().unwrap_or_default();
            meaning.recursive = if options.read_only_force_recursive {
                "readonly"
            } else if options.read_only_non_recursive {
                "writable"
            } else if options.non_recursive {
                "disabled"
            } else {
                "enabled"
            }
            .to_string();
            meaning.creates_source = options.create_mountpoint && ctx.versions.engine_at_least(25, 0, 4);
        }
        "volume" => {
            let options = mount.volume_options.clone().unwrap_or_default();
            meaning.copy_up = linux && !options.no_copy;
            meaning.subpath = options.subpath.clone();
            meaning.labels = options.labels.clone();
            if let Some(config) = &options.driver_config {
                meaning.driver_opts = config.options.clone();
            }
        }
        "image" => {
            meaning.subpath = mount.image_options.as_ref().map(|o| o.subpath.clone()).unwrap_or_default();
        }
        "tmpfs" => {
            let data = mount_flag::tmpfs_data(&mount);
            if let Ok(merged) = tmpfs_flag::start_options(&data, ctx) {
                meaning.tmpfs_options = normalise_tmpfs(&merged);
            }
            meaning.writable = !mount.read_only;
        }
        _ => {}
    }
}

/// `z` or `Z` when the Engine relabels a mount with this `Mode` (moby's `label.RelabelNeeded`
/// and `label.IsShared`).
pub fn relabel_of(mode: &str) -> &'static str {
    if mode.contains('Z') {
        "Z"
    } else if mode.contains('z') {
        "z"
    } else {
        ""
    }
}

/// Merged tmpfs options with `size=` in bytes (the kernel's `memparse`) and `mode=` without
/// leading zeros, so that `size=65536k` and `size=64m` compare equal; sorted, because after
/// the merge (one word per group, one value per key) their order no longer matters.
fn normalise_tmpfs(merged: &[String]) -> Vec<String> {
    let mut options: Vec<String> = merged
        .iter()
        .map(|option| match option.split_once('=') {
            Some(("size", value)) => match kernel_bytes(value) {
                Some(bytes) => format!("size={bytes}"),
                None => option.clone(),
            },
            Some(("mode", value)) => match u32::from_str_radix(value, 8) {
                Ok(mode) => format!("mode={mode:o}"),
                Err(_) => option.clone(),
            },
            _ => option.clone(),
        })
        .collect();
    options.sort();
    options
}

/// The kernel's `memparse` of a tmpfs size: digits and an optional binary suffix.
pub fn kernel_bytes(value: &str) -> Option<u64> {
    let digits_end = value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len());
    let number: u64 = value.get(..digits_end)?.parse().ok()?;
    let shift = match value.get(digits_end..)? {
        "" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "t" | "T" => 40,
        "p" | "P" => 50,
        "e" | "E" => 60,
        _ => return None,
    };
    number.checked_mul(1u64.checked_shl(shift)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::version::DockerVersions;

    fn newest() -> Context {
        Context { cwd: "/home/u".into(), ..Context::default() }
    }

    #[test]
    fn a_bind_by_v_and_by_mount() {
        let ctx = newest();
        let v = of_flag(FlagKind::Volume, "/srv/:/data:ro", "", &ctx).unwrap();
        let m =
            of_flag(FlagKind::Mount, "type=bind,source=/srv,target=/data/,readonly,bind-create-src", "", &ctx).unwrap();
        assert_eq!(differences(&v, &m), []);
        assert_eq!((v.source.as_str(), v.propagation.as_str(), v.creates_source), ("/srv", "rprivate", true));
        let plain = of_flag(FlagKind::Mount, "type=bind,source=/srv,target=/data,readonly", "", &ctx).unwrap();
        assert_eq!(
            differences(&v, &plain),
            [("creation of a missing host path", "true".to_string(), "false".to_string())]
        );
    }

    #[test]
    fn named_volumes_relabel_unless_a_mode_is_written() {
        let ctx = newest();
        let bare = of_flag(FlagKind::Volume, "data:/d", "", &ctx).unwrap();
        let ro = of_flag(FlagKind::Volume, "data:/d:ro", "", &ctx).unwrap();
        let mount = of_flag(FlagKind::Mount, "source=data,target=/d", "", &ctx).unwrap();
        assert_eq!((bare.relabel.as_str(), ro.relabel.as_str(), mount.relabel.as_str()), ("z", "", "z"));
        let anonymous = of_flag(FlagKind::Volume, "/d", "", &ctx).unwrap();
        let anonymous_mount = of_flag(FlagKind::Mount, "type=volume,target=/d", "", &ctx).unwrap();
        assert_eq!(differences(&anonymous, &anonymous_mount), []);
    }

    #[test]
    fn tmpfs_sizes_compare_in_bytes() {
        let ctx = newest();
        let flag = of_flag(FlagKind::Tmpfs, "/t:size=65536k,mode=01777", "", &ctx).unwrap();
        let mount = of_flag(FlagKind::Mount, "type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1777", "", &ctx).unwrap();
        assert_eq!(differences(&flag, &mount), []);
        assert_eq!(flag.tmpfs_options, ["mode=1777", "nodev", "noexec", "nosuid", "rprivate", "size=67108864"]);
        assert!(of_flag(FlagKind::Tmpfs, "/t:foo", "", &ctx).is_err());
    }

    #[test]
    fn api_gates_of_old_engines() {
        let ctx = Context { versions: DockerVersions::CONFORMANCE, ..newest() };
        let m = of_flag(FlagKind::Mount, "type=volume,source=vol,target=/d,volume-subpath=x", "", &ctx).unwrap();
        assert_eq!(m.subpath, "", "Engine 20.10 ignores the subpath");
        assert_eq!(kernel_bytes("1g"), Some(1 << 30));
        assert_eq!(kernel_bytes("10%"), None);
    }
}
