//! The Engine API request the CLI builds from the flags: Docker's own field names, so that
//! the vectors' `mount` objects compare directly.
//!
//! `docker run` sends storage in four places: `Config.Volumes` (anonymous `-v`),
//! `HostConfig.Binds` (`-v` with a source), `HostConfig.Mounts` (`--mount`) and
//! `HostConfig.Tmpfs` (`--tmpfs`). The daemon treats each differently, so we keep them apart.

use serde::Serialize;
use std::collections::BTreeMap;

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_zero_i64(value: &i64) -> bool {
    *value == 0
}

/// `mount.Mount` of the Engine API, serialised as Go does (empty fields omitted).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiMount {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub r#type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub consistency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind_options: Option<BindOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_options: Option<VolumeOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_options: Option<ImageOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs_options: Option<TmpfsOptions>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BindOptions {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub propagation: String,
    #[serde(skip_serializing_if = "is_false")]
    pub non_recursive: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub create_mountpoint: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only_non_recursive: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only_force_recursive: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VolumeOptions {
    #[serde(skip_serializing_if = "is_false")]
    pub no_copy: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subpath: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_config: Option<DriverConfig>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DriverConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageOptions {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subpath: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TmpfsOptions {
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub size_bytes: i64,
    /// File mode bits; `0` means unset, as in Go.
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub mode: u32,
}

fn is_zero_u32(value: &u32) -> bool {
    *value == 0
}

/// The storage part of a container-create request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRequest {
    /// `Config.Volumes`: anonymous `-v` targets, verbatim.
    pub volumes: Vec<String>,
    /// `HostConfig.Binds`: `-v` values with a source (relative `.` sources made absolute).
    pub binds: Vec<String>,
    /// `HostConfig.Mounts`: `--mount` values in command-line order.
    pub mounts: Vec<ApiMount>,
    /// `HostConfig.Tmpfs`: `--tmpfs` path → options (the last options for a path win).
    pub tmpfs: BTreeMap<String, String>,
    /// `HostConfig.VolumeDriver` (`--volume-driver`).
    pub volume_driver: String,
    /// `HostConfig.VolumesFrom`.
    pub volumes_from: Vec<String>,
}
