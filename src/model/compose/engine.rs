//! What `docker compose` asks the Engine for, per service volume (docker/compose
//! `pkg/compose/create.go`): a legacy `HostConfig.Binds` string when the mount needs none
//! of the Mount API's options (only that path auto-creates a missing host directory), else
//! a `HostConfig.Mounts` entry.

use super::volume::{is_windows_abs, BindRecord, VolumeRecord, VolumeRecordOptions};
use crate::model::request::{ApiMount, BindOptions, ImageOptions, TmpfsOptions, VolumeOptions};
use serde::Serialize;

/// Where one service volume goes in the container-create request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EngineRoute {
    /// `HostConfig.Binds`: `source:target:access[,selinux][,propagation][,nocopy]`.
    Bind(String),
    /// `HostConfig.Mounts`.
    Mount(Box<ApiMount>),
}

/// The Mount API only: a bind with `create_host_path: false`, a propagation or a
/// `recursive` value (any, even `enabled`).
pub fn bind_requires_mount_api(bind: Option<&BindRecord>) -> bool {
    match bind {
        None => false,
        Some(bind) => bind.create_host_path != Some(true) || !bind.propagation.is_empty() || !bind.recursive.is_empty(),
    }
}

/// The Mount API only: a volume with labels, a subpath or `nocopy`.
pub fn volume_requires_mount_api(volume: Option<&VolumeRecordOptions>) -> bool {
    volume.is_some_and(|v| !v.labels.is_empty() || !v.subpath.is_empty() || v.nocopy)
}

/// docker compose `toBindString`.
pub fn bind_string(name: &str, record: &VolumeRecord) -> String {
    let mut options = vec![if record.read_only { "ro" } else { "rw" }.to_string()];
    if let Some(bind) = &record.bind {
        if !bind.selinux.is_empty() {
            options.push(bind.selinux.clone());
        }
        if !bind.propagation.is_empty() {
            options.push(bind.propagation.clone());
        }
    }
    if record.volume.as_ref().is_some_and(|v| v.nocopy) {
        options.push("nocopy".to_string());
    }
    format!("{name}:{}:{}", record.target, options.join(","))
}

/// The warnings `docker compose` logs for options of another type.
pub fn foreign_option_warnings(record: &VolumeRecord) -> Vec<String> {
    let kind = record.kind.as_str();
    let mut warnings = Vec::new();
    let mut check = |present: bool, own: &str, option: &str| {
        if present && kind != own {
            warnings.push(format!("mount of type `{kind}` should not define `{option}` option"));
        }
    };
    check(record.bind.is_some(), "bind", "bind");
    check(record.volume.is_some(), "volume", "volume");
    check(record.tmpfs.is_some(), "tmpfs", "tmpfs");
    check(record.image.is_some(), "image", "image");
    warnings
}

/// docker compose `buildMount`: the Mount API form. `volume_name` is the Engine name of a
/// named volume (its top-level `name`), `working_dir` makes a still-relative bind absolute.
pub fn api_mount(record: &VolumeRecord, volume_name: Option<&str>, working_dir: &str) -> ApiMount {
    let mut source = record.source.clone();
    match record.kind.as_str() {
        "bind" if !source.starts_with('/') && !is_windows_abs(&source) => {
            source = crate::model::paths::absolute(working_dir, &source);
        }
        "volume" if !source.is_empty() => {
            if let Some(name) = volume_name {
                source = name.to_string();
            }
        }
        _ => {}
    }
    let mut mount = ApiMount {
        r#type: record.kind.clone(),
        source,
        target: record.target.clone(),
        read_only: record.read_only,
        consistency: record.consistency.clone(),
        ..Default::default()
    };
    match record.kind.as_str() {
        "bind" => {
            mount.bind_options = record.bind.as_ref().map(|bind| BindOptions {
                propagation: bind.propagation.clone(),
                create_mountpoint: bind.create_host_path == Some(true),
                non_recursive: bind.recursive == "disabled",
                read_only_non_recursive: bind.recursive == "writable",
                read_only_force_recursive: bind.recursive == "readonly",
            })
        }
        "volume" => {
            mount.volume_options = record.volume.as_ref().map(|volume| VolumeOptions {
                no_copy: volume.nocopy,
                labels: volume.labels.clone(),
                subpath: volume.subpath.clone(),
                driver_config: None,
            })
        }
        "tmpfs" => {
            mount.tmpfs_options =
                record.tmpfs.as_ref().map(|tmpfs| TmpfsOptions { size_bytes: tmpfs.size, mode: tmpfs.mode })
        }
        "image" => {
            mount.image_options = record.image.as_ref().map(|image| ImageOptions { subpath: image.subpath.clone() })
        }
        _ => {}
    }
    mount
}

/// The route of one service volume. `declared_name` is the Engine name of the top-level
/// volume the entry names (`None` for an undeclared or anonymous volume).
pub fn route(record: &VolumeRecord, declared_name: Option<&str>, working_dir: &str) -> EngineRoute {
    let mount = api_mount(record, declared_name, working_dir);
    match record.kind.as_str() {
        "bind" if !bind_requires_mount_api(record.bind.as_ref()) => {
            EngineRoute::Bind(bind_string(&mount.source, record))
        }
        "volume" if !record.source.is_empty() && declared_name.is_some() => {
            if volume_requires_mount_api(record.volume.as_ref()) {
                EngineRoute::Mount(Box::new(mount))
            } else {
                EngineRoute::Bind(bind_string(&mount.source, record))
            }
        }
        _ => EngineRoute::Mount(Box::new(mount)),
    }
}
