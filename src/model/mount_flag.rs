//! What the Docker CLI and Engine make of a `--mount` value, release by release (spec §2).
//!
//! The stages follow Docker's own order, and the engine composes them:
//! 1. [`client`]: the CLI reads the value (CSV, keys, booleans, sizes...) into the API
//!    `Mount` it sends, or fails with the message it prints inside
//!    `invalid argument "…" for "--mount" flag: …`; [`client_warnings`] are what it logs.
//! 2. [`client_api_check`]: the CLI's API client refuses some options for an old API
//!    when it sends the request (CLI 28.1–28.5; printed without the flag wrapper).
//! 3. [`apply_api_gates`]: the Engine decodes the request (dropping fields it does not
//!    know) and applies its API-version gates; [`volume_driver_warning`] is its warning
//!    about `--volume-driver`.
//! 4. [`daemon_validate`]: the Engine's validation of the mount (Linux or Windows).
//! 5. Registration: [`to_mount_point`], [`bind_propagation`] (the daemon-root rule),
//!    [`local_volume_options_errors`] (creating a `local` volume), [`tmpfs_data`].
//!
//! [`to_model`] gives the semantic [`Mount`] with the place of every option in the value.

mod go;
mod windows;

use super::context::{Context, Platform};
use super::mount::{Field, Mount, MountKind, SyntaxKind, TmpfsSettings};
use super::mountpoint::{MountOrigin, MountPoint};
use super::paths;
use super::request::{ApiMount, BindOptions, DriverConfig, ImageOptions, TmpfsOptions, VolumeOptions};
use super::validate::validate_mount;
use super::verdict::go_quote;
use super::volumes::daemon_root_propagation;
use crate::span::Span;
use crate::syntax::mount_flag::{self as syntax, MountValue};
use std::collections::BTreeMap;

const NONRECURSIVE_DEPRECATED: &str = "bind-nonrecursive is deprecated, use bind-recursive=disabled instead";

/// The options the OCI runtime gets for every tmpfs before the mount's own (spec §3.3).
pub const TMPFS_DEFAULT_OPTIONS: [&str; 4] = ["noexec", "nosuid", "nodev", "rprivate"];

/// CLI stage (§2.1–§2.6): the API mount, or the message (without the flag wrapper).
pub fn client(value: &str, ctx: &Context) -> Result<ApiMount, String> {
    read_client(value, ctx).map(|reading| reading.mount)
}

/// What the CLI logs while reading the value (CLI 25.0–28.x: the `bind-nonrecursive`
/// deprecation warning, printed though the value is accepted).
pub fn client_warnings(value: &str, ctx: &Context) -> Vec<String> {
    let mut reading = ClientReading::new();
    let _ = read_into(&mut reading, value, ctx);
    reading.warnings
}

/// The API client's own refusal when the request is sent (CLI 28.1–28.5 talking to an
/// API older than 1.44). Docker prints it as is, not as a flag error.
pub fn client_api_check(mount: &ApiMount, ctx: &Context) -> Result<(), String> {
    let v = &ctx.versions;
    let client_checks = v.cli_at_least(28, 1, 0) && !v.cli_at_least(29, 0, 0);
    if !client_checks || v.api_at_least(1, 44) {
        return Ok(());
    }
    if let Some(options) = &mount.bind_options {
        if options.read_only_force_recursive {
            return Err("bind-recursive=readonly requires API v1.44 or later".to_string());
        }
        if options.non_recursive && !v.api_at_least(1, 40) {
            return Err("bind-recursive=disabled requires API v1.40 or later".to_string());
        }
    }
    Ok(())
}

/// The Engine's API-version gates (§2.7): may drop fields; a warning, or the error.
///
/// Fields the Engine's release does not know are dropped first, as its JSON decoder does
/// (Engine 20.10 ignores `volume-subpath`, `bind-create-src`...). Read-only binds on an
/// API older than 1.44 are also made non-recursive at registration; that does not show in
/// `docker inspect` and is not modelled.
pub fn apply_api_gates(mount: &mut ApiMount, ctx: &Context) -> Result<Option<String>, String> {
    let v = ctx.versions;
    if let Some(options) = &mut mount.bind_options {
        if !v.engine_at_least(19, 3, 0) {
            options.non_recursive = false;
        }
        if !v.engine_at_least(23, 0, 0) {
            options.create_mountpoint = false;
        }
        if !v.engine_at_least(25, 0, 0) {
            options.read_only_non_recursive = false;
            options.read_only_force_recursive = false;
        }
    }
    if !v.engine_at_least(26, 0, 0) {
        if let Some(options) = &mut mount.volume_options {
            options.subpath.clear();
        }
    }
    if !v.engine_at_least(28, 0, 0) {
        mount.image_options = None;
    }

    if !v.api_at_least(1, 40) {
        if let Some(options) = &mut mount.bind_options {
            options.non_recursive = false;
        }
    }
    let kind = mount.r#type.clone();
    if v.engine_at_least(23, 0, 0) {
        if !v.api_at_least(1, 42) {
            if let Some(options) = &mut mount.bind_options {
                options.create_mountpoint = false;
            }
            // Not validated before API 1.42: dropped so that validation passes.
            if kind != "volume" {
                mount.volume_options = None;
            }
            if kind != "tmpfs" {
                mount.tmpfs_options = None;
            }
        } else {
            let misplaced = |field: &str| format!("{field} must not be specified on mount type {}", go_quote(&kind));
            if mount.volume_options.is_some() && kind != "volume" {
                return Err(misplaced("VolumeOptions"));
            }
            if mount.bind_options.is_some() && kind != "bind" {
                return Err(misplaced("BindOptions"));
            }
            if mount.tmpfs_options.is_some() && kind != "tmpfs" {
                return Err(misplaced("TmpfsOptions"));
            }
        }
    }
    if v.engine_at_least(25, 0, 0)
        && !v.api_at_least(1, 44)
        && kind == "bind"
        && mount.bind_options.as_ref().is_some_and(|o| o.read_only_force_recursive)
    {
        return Err("BindOptions.ReadOnlyForceRecursive needs API v1.44 or newer".to_string());
    }
    if v.engine_at_least(26, 0, 0)
        && !v.api_at_least(1, 45)
        && mount.volume_options.as_ref().is_some_and(|o| !o.subpath.is_empty())
    {
        return Err("VolumeOptions.Subpath needs API v1.45 or newer".to_string());
    }
    if v.engine_at_least(28, 0, 0) && !v.api_at_least(1, 48) && kind == "image" {
        return Err("Mount type \"Image\" needs API v1.48 or newer".to_string());
    }
    Ok(None)
}

/// The Engine's warning (Engine ≥ 28, API ≥ 1.48) when the container-wide
/// `--volume-driver` is set and a `--mount` volume names no driver of its own.
pub fn volume_driver_warning(mounts: &[ApiMount], volume_driver: &str, ctx: &Context) -> Option<String> {
    if volume_driver.is_empty() || !ctx.versions.engine_at_least(28, 0, 0) || !ctx.versions.api_at_least(1, 48) {
        return None;
    }
    let unnamed = |m: &ApiMount| {
        m.r#type == "volume"
            && m.volume_options.as_ref().and_then(|o| o.driver_config.as_ref()).is_none_or(|d| d.name.is_empty())
    };
    mounts.iter().any(unnamed).then(|| {
        "WARNING: the container-wide volume-driver configuration is ignored for volumes specified via 'mount'. Use '--mount type=volume,volume-driver=...' instead".to_string()
    })
}

/// The Engine's validation (§2.8 Linux, §2.10 Windows), the bind source check included.
pub fn daemon_validate(mount: &ApiMount, ctx: &Context) -> Result<(), String> {
    match ctx.platform {
        Platform::Linux => validate_mount(mount, ctx, true),
        Platform::Windows => windows::validate(mount, ctx),
    }
}

/// Registration (§2.9): the mount point, before the daemon-root rule, duplicates and
/// volume creation.
///
/// As `docker inspect` shows it: the destination and a bind's source are cleaned
/// (`dst=/x/` shows `/x`; *observed*), while duplicate errors quote the target as typed
/// (take it from the `ApiMount`). A bind's propagation is the one given or `""` (see
/// [`bind_propagation`] for what the Engine makes of it); a volume's driver is the one
/// given or `""` (the Engine then uses `local`); `mode` is `""` (the Engine adds `z` for
/// `local` volumes); an image mount is always read-only and `rprivate`.
pub fn to_mount_point(mount: &ApiMount, ctx: &Context) -> MountPoint {
    if ctx.platform == Platform::Windows {
        return windows::mount_point(mount);
    }
    let mut point = MountPoint {
        kind: mount.r#type.clone(),
        destination: paths::clean(&mount.target),
        rw: !mount.read_only,
        origin: MountOrigin::Mount,
        ..MountPoint::default()
    };
    match mount.r#type.as_str() {
        "bind" => {
            point.source = paths::clean(&mount.source);
            point.propagation = mount.bind_options.as_ref().map(|o| o.propagation.clone()).unwrap_or_default();
        }
        "volume" => {
            point.name = mount.source.clone();
            let options = mount.volume_options.as_ref();
            point.driver = options.and_then(|o| o.driver_config.as_ref()).map(|d| d.name.clone()).unwrap_or_default();
            point.copy_data = !options.is_some_and(|o| o.no_copy);
        }
        "image" => {
            point.source = mount.source.clone();
            point.name = mount.source.clone();
            point.rw = false;
            point.propagation = "rprivate".to_string();
        }
        _ => {}
    }
    point
}

/// The propagation `docker inspect` shows for the mount, after the daemon-root rule
/// (§1.9, applied to the source as sent), or that rule's error.
pub fn bind_propagation(mount: &ApiMount, ctx: &Context) -> Result<String, String> {
    if ctx.platform == Platform::Windows {
        return Ok(String::new());
    }
    match mount.r#type.as_str() {
        "bind" => {
            let given = mount.bind_options.as_ref().map(|o| o.propagation.as_str()).unwrap_or("");
            daemon_root_propagation(&mount.source, given, ctx)
        }
        "image" => Ok("rprivate".to_string()),
        _ => Ok(String::new()),
    }
}

/// The tmpfs data the Linux Engine derives from a tmpfs mount (`ro`, `mode=⟨octal⟩`,
/// `size=⟨n⟩⟨g|m|k⟩` with the largest unit that divides the size), before the runtime's
/// defaults are merged in (§2.5, §3.3).
pub fn tmpfs_data(mount: &ApiMount) -> String {
    let mut options = Vec::new();
    if mount.read_only {
        options.push("ro".to_string());
    }
    if let Some(tmpfs) = &mount.tmpfs_options {
        if tmpfs.mode != 0 {
            options.push(format!("mode={:o}", tmpfs.mode));
        }
        if tmpfs.size_bytes != 0 {
            let size = tmpfs.size_bytes;
            let unit = [("g", 1i64 << 30), ("m", 1 << 20), ("k", 1 << 10)].into_iter().find(|&(_, d)| size % d == 0);
            options.push(match unit {
                Some((suffix, divisor)) => format!("size={}{suffix}", size / divisor),
                None => format!("size={size}"),
            });
        }
    }
    options.join(",")
}

/// What the `local` volume driver says about `volume-opt` options when it creates the
/// volume (the Engine prefixes `create ⟨name⟩: `): empty when they are fine, else every
/// message Docker may print, the first being the one reported in key order (the Engine
/// walks Go maps, so with several problems any of them may come out).
pub fn local_volume_options_errors(options: &BTreeMap<String, String>, ctx: &Context) -> Vec<String> {
    if options.is_empty() {
        return Vec::new();
    }
    let invalid: Vec<String> = options
        .keys()
        .filter(|k| !matches!(k.as_str(), "type" | "o" | "device" | "size"))
        .map(|k| format!("invalid option: {}", go_quote(k)))
        .collect();
    if !invalid.is_empty() {
        return invalid;
    }
    let current = ctx.versions.engine_at_least(23, 0, 0);
    if current && ctx.versions.engine_at_least(25, 0, 0) {
        if let (Some("cifs"), Some(device)) = (options.get("type").map(String::as_str), options.get("device")) {
            if let Some(error) = cifs_device_error(device) {
                return vec![error];
            }
        }
    }
    let size_error = || {
        let size = options.get("size")?;
        match go::ram_in_bytes_verbose(size, current) {
            Err(error) => Some(error),
            Ok(bytes) if bytes > 0 => Some("quota size requested but no quota support".to_string()),
            Ok(_) => None,
        }
    };
    if current {
        if let Some(error) = size_error() {
            return vec![error];
        }
    }
    let mut missing: Vec<String> = Vec::new();
    for (option, required) in [("device", &["type"][..]), ("type", &["device"][..]), ("o", &["device", "type"][..])] {
        if !options.contains_key(option) {
            continue;
        }
        if let Some(absent) = required.iter().find(|r| !options.contains_key(**r)) {
            let message = format!("missing required option: {}", go_quote(absent));
            if !missing.contains(&message) {
                missing.push(message);
            }
        }
    }
    if !missing.is_empty() {
        return missing;
    }
    if !current {
        if let Some(error) = size_error() {
            return vec![error];
        }
    }
    Vec::new()
}

/// The `local` driver refuses a CIFS device URL with a port (Engine ≥ 25).
fn cifs_device_error(device: &str) -> Option<String> {
    // Go's url.Parse: an optional scheme, then `//authority` up to `/`, `?` or `#`.
    let after_scheme = match device.split_once(':') {
        Some((scheme, rest))
            if scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            rest
        }
        _ => device,
    };
    let authority = after_scheme.strip_prefix("//")?;
    let authority = authority.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let port = if host.starts_with('[') {
        host.split_once("]:").map(|(_, port)| port)
    } else {
        host.rsplit_once(':').map(|(_, port)| port)
    }?;
    if port.chars().all(|c| c.is_ascii_digit()) {
        (!port.is_empty()).then(|| "port not allowed in CIFS device URL, include 'port' in 'o='".to_string())
    } else {
        Some(format!(
            "error parsing mount device url: parse {}: invalid port {} after host",
            go_quote(device),
            go_quote(&format!(":{port}"))
        ))
    }
}

/// The bytes the CLI reads from a `tmpfs-size` value (go-units `RAMInBytes`, which goes
/// through floating point: past 2^53 not every byte count survives).
pub fn tmpfs_size_bytes(value: &str, ctx: &Context) -> Option<i64> {
    go::ram_in_bytes(value, ctx.versions.cli)
}

/// The semantic model (None when the value cannot be read at all).
///
/// Best effort: values Docker rejects still get a model (read as the modelled CLI reads
/// keys, unknown keys skipped), so that rules can explain them. Spans are relative to
/// `value`; a field's provenance is the whole `key=value` field (quotes included), the
/// last one for keys given twice and the first one for `volume-label`/`volume-opt`.
pub fn to_model(value: &str, ctx: &Context) -> Option<Mount> {
    let record = read_record(value, ctx).ok()?;
    let v = ctx.versions;
    let mut model = Mount::new(SyntaxKind::MountFlag, MountKind::Volume, "", Span::new(0, value.len()));
    let mut tmpfs: Option<TmpfsSettings> = None;
    let mut create_source: Option<bool> = None;
    for field in &record.fields {
        let key = go::to_lower(field.key.text.trim());
        let val = field.value.as_ref().map(|p| p.text.as_str()).unwrap_or("");
        let has_value = field.value.is_some();
        let flag = || {
            if has_value {
                go::parse_bool(val)
            } else {
                Some(true)
            }
        };
        let (slot, accumulates) = match key.as_str() {
            "type" => {
                model.kind = MountKind::from_api(&go::to_lower(val));
                (Field::Kind, false)
            }
            "source" | "src" => {
                model.source = (!val.is_empty()).then(|| client_source(val, ctx));
                (Field::Source, false)
            }
            "target" | "dst" | "destination" => {
                model.target = val.to_string();
                (Field::Target, false)
            }
            "readonly" | "ro" => {
                model.read_only = flag().unwrap_or(model.read_only);
                (Field::ReadOnly, false)
            }
            "consistency" => {
                model.rare.consistency = Some(go::to_lower(val));
                (Field::Consistency, false)
            }
            "bind-propagation" => {
                model.propagation = Some(go::to_lower(val));
                (Field::Propagation, false)
            }
            "bind-recursive" => {
                model.rare.bind_recursive = Some(val.to_string());
                (Field::BindRecursive, false)
            }
            "bind-nonrecursive" => {
                if let Some(disabled) = flag().and_then(|on| on.then(|| "disabled".to_string())) {
                    model.rare.bind_recursive = Some(disabled);
                } else if model.rare.bind_recursive.is_some() {
                    model.rare.bind_recursive = None;
                }
                (Field::BindRecursive, false)
            }
            "bind-create-src" => {
                create_source = flag().or(create_source);
                (Field::CreateHostPath, false)
            }
            "volume-subpath" | "image-subpath" => {
                model.rare.subpath = Some(val.to_string());
                (Field::Subpath, false)
            }
            "volume-nocopy" => {
                model.nocopy = flag().unwrap_or(model.nocopy);
                (Field::NoCopy, false)
            }
            "volume-label" => {
                set_on_map(&mut model.rare.labels, val, ctx);
                (Field::Label, true)
            }
            "volume-driver" => {
                model.rare.driver = Some(val.to_string());
                (Field::Driver, false)
            }
            "volume-opt" => {
                set_on_map(&mut model.rare.driver_opts, val, ctx);
                (Field::DriverOpt, true)
            }
            "tmpfs-size" => {
                let settings = tmpfs.get_or_insert_with(TmpfsSettings::default);
                settings.size_bytes =
                    go::ram_in_bytes(val, v.cli).and_then(|n| u64::try_from(n).ok()).filter(|&n| n > 0);
                (Field::TmpfsSize, false)
            }
            "tmpfs-mode" => {
                let settings = tmpfs.get_or_insert_with(TmpfsSettings::default);
                settings.mode = go::parse_uint(val, 8, 32).and_then(|n| u32::try_from(n).ok());
                (Field::TmpfsMode, false)
            }
            _ => continue,
        };
        if accumulates {
            if !model.provenance.contains_key(&slot) {
                model.provenance.insert(slot, field.span);
            }
        } else {
            model.provenance.insert(slot, field.span);
        }
    }
    if model.kind == MountKind::Tmpfs && tmpfs.is_none() {
        tmpfs = Some(TmpfsSettings::default());
    }
    if let Some(tmpfs) = tmpfs {
        model.rare.tmpfs = Some(Box::new(tmpfs));
    }
    if model.kind == MountKind::Bind {
        model.create_host_path = Some(create_source.unwrap_or(false));
    } else {
        model.create_host_path = create_source;
    }
    Some(model)
}

/// What the CLI made of the value so far.
struct ClientReading {
    mount: ApiMount,
    warnings: Vec<String>,
}

impl ClientReading {
    fn new() -> ClientReading {
        ClientReading { mount: ApiMount { r#type: "volume".to_string(), ..ApiMount::default() }, warnings: Vec::new() }
    }
}

fn read_client(value: &str, ctx: &Context) -> Result<ClientReading, String> {
    let mut reading = ClientReading::new();
    read_into(&mut reading, value, ctx)?;
    Ok(reading)
}

/// Trims the value (CLI ≥ 29.2.1) and reads it as one CSV record.
fn read_record(value: &str, ctx: &Context) -> Result<MountValue, String> {
    if ctx.versions.cli_at_least(29, 2, 1) {
        let start = value.len() - value.trim_start().len();
        let end = value.trim_end().len();
        if start >= end {
            return Err("value is empty".to_string());
        }
        syntax::parse_from(value, start, end).map_err(|e| e.message())
    } else if ctx.versions.cli_at_least(20, 10, 15) {
        syntax::parse(value).map_err(|e| e.message())
    } else {
        // Built with Go 1.16 or older, whose CSV reader counted lines and columns
        // differently (CLIs before 18.06 used Go 1.8–1.9, not told apart here).
        syntax::parse(value).map_err(|e| e.legacy_message())
    }
}

fn read_into(reading: &mut ClientReading, value: &str, ctx: &Context) -> Result<(), String> {
    let record = read_record(value, ctx)?;
    for field in &record.fields {
        apply_field(reading, &field.text, ctx)?;
    }
    check_after_fields(&reading.mount, ctx)
}

/// `BindOptions`, created on first use.
fn bind_options(mount: &mut ApiMount) -> &mut BindOptions {
    mount.bind_options.get_or_insert_with(BindOptions::default)
}

/// `VolumeOptions`, created on first use (CLIs before 29.2.1 created its `DriverConfig`
/// along with it, so that it is sent as `{}`).
fn volume_options<'a>(mount: &'a mut ApiMount, ctx: &Context) -> &'a mut VolumeOptions {
    let options = mount.volume_options.get_or_insert_with(VolumeOptions::default);
    if !ctx.versions.cli_at_least(29, 2, 1) {
        options.driver_config.get_or_insert_with(DriverConfig::default);
    }
    options
}

fn driver_config<'a>(mount: &'a mut ApiMount, ctx: &Context) -> &'a mut DriverConfig {
    volume_options(mount, ctx).driver_config.get_or_insert_with(DriverConfig::default)
}

fn image_options(mount: &mut ApiMount) -> &mut ImageOptions {
    mount.image_options.get_or_insert_with(ImageOptions::default)
}

fn tmpfs_options(mount: &mut ApiMount) -> &mut TmpfsOptions {
    mount.tmpfs_options.get_or_insert_with(TmpfsOptions::default)
}

/// `volume-label`/`volume-opt` values: `K=V`, or `K` for `K=""`. CLI ≥ 23 drops an empty
/// `K`; older ones kept it (and read a bare `K` the same way).
fn set_on_map(map: &mut BTreeMap<String, String>, value: &str, ctx: &Context) {
    let (key, val) = value.split_once('=').unwrap_or((value, ""));
    if key.is_empty() && ctx.versions.cli_at_least(23, 0, 0) {
        return;
    }
    map.insert(key.to_string(), val.to_string());
}

/// A relative source starting with `.` made absolute against the client's directory:
/// `.` and `./…` since CLI 23.0, every such path (`..`, `.cache`) since CLI 28.2.0.
fn client_source(value: &str, ctx: &Context) -> String {
    let v = &ctx.versions;
    let convert = if v.cli_at_least(28, 2, 0) {
        !value.starts_with('/') && value.starts_with('.')
    } else if v.cli_at_least(23, 0, 0) {
        value == "." || value.starts_with("./")
    } else {
        false
    };
    if convert {
        paths::absolute(&ctx.cwd, value)
    } else {
        value.to_string()
    }
}

/// A boolean of CLI ≥ 29.2.1: bare means true; only `1`, `true`, `0`, `false`.
fn strict_bool(key: &str, value: &str, has_value: bool) -> Result<bool, String> {
    if !has_value {
        return Ok(true);
    }
    match value {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(format!(
            "invalid value for '{key}': invalid boolean value ({}): must be one of \"true\", \"1\", \"false\", or \"0\" (default \"true\")",
            go_quote(value)
        )),
    }
}

fn invalid_field(field: &str) -> String {
    format!("invalid field '{field}' must be a key=value pair")
}

/// One field of the value, as the CLI of `ctx.versions` applies it.
fn apply_field(reading: &mut ClientReading, field: &str, ctx: &Context) -> Result<(), String> {
    let v = ctx.versions;
    let current = v.cli_at_least(29, 2, 1);
    let (raw_key, val, has_value) = match field.split_once('=') {
        Some((key, val)) => (key, val, true),
        None => (field, "", false),
    };
    if current {
        let trimmed = raw_key.trim();
        if trimmed != raw_key {
            return Err(format!("invalid option '{trimmed}' in '{field}': option should not have whitespace"));
        }
        if has_value {
            let trimmed = val.trim();
            if trimmed.is_empty() {
                return Err(format!("invalid value for '{raw_key}': value is empty"));
            }
            if trimmed != val {
                return Err(format!("invalid value for '{raw_key}' in '{field}': value should not have whitespace"));
            }
        }
    }
    let key = go::to_lower(raw_key);
    let mount = &mut reading.mount;

    if !has_value {
        if current {
            let bare = matches!(key.as_str(), "readonly" | "ro" | "volume-nocopy" | "bind-nonrecursive")
                || (key == "bind-create-src" && v.cli_at_least(29, 3, 0));
            if !bare {
                return Err(invalid_field(field));
            }
        } else {
            match key.as_str() {
                "readonly" | "ro" => mount.read_only = true,
                "volume-nocopy" => volume_options(mount, ctx).no_copy = true,
                "bind-nonrecursive" if v.cli_at_least(29, 0, 0) => return Err(NONRECURSIVE_DEPRECATED.to_string()),
                "bind-nonrecursive" if v.cli_at_least(19, 3, 0) => bind_options(mount).non_recursive = true,
                _ => return Err(invalid_field(field)),
            }
            return Ok(());
        }
    }

    let bad_value = || format!("invalid value for {key}: {val}");
    // Before 29.2.1 booleans were Go's `strconv.ParseBool`.
    let boolean = |message: String| -> Result<bool, String> {
        if current {
            strict_bool(&key, val, has_value)
        } else {
            go::parse_bool(val).ok_or(message)
        }
    };
    match key.as_str() {
        "type" => mount.r#type = go::to_lower(val),
        "source" | "src" => mount.source = client_source(val, ctx),
        "target" | "dst" | "destination" => mount.target = val.to_string(),
        "readonly" | "ro" => mount.read_only = boolean(bad_value())?,
        "consistency" => mount.consistency = go::to_lower(val),
        "bind-propagation" => bind_options(mount).propagation = go::to_lower(val),
        "bind-nonrecursive" if v.cli_at_least(29, 0, 0) => return Err(NONRECURSIVE_DEPRECATED.to_string()),
        "bind-nonrecursive" if v.cli_at_least(19, 3, 0) => {
            let options = bind_options(mount);
            options.non_recursive = go::parse_bool(val).ok_or_else(bad_value)?;
            if v.cli_at_least(25, 0, 0) {
                reading.warnings.push(NONRECURSIVE_DEPRECATED.to_string());
            }
        }
        "bind-recursive" if v.cli_at_least(25, 0, 0) => match val {
            "enabled" => {}
            "disabled" => bind_options(mount).non_recursive = true,
            "writable" => bind_options(mount).read_only_non_recursive = true,
            "readonly" => bind_options(mount).read_only_force_recursive = true,
            _ => {
                return Err(format!(
                    "invalid value for {key}: {val} (must be \"enabled\", \"disabled\", \"writable\", or \"readonly\")"
                ))
            }
        },
        "bind-create-src" if v.cli_at_least(29, 3, 0) => {
            let options = bind_options(mount);
            options.create_mountpoint = strict_bool(&key, val, has_value)?;
        }
        "volume-subpath" if v.cli_at_least(26, 0, 0) => volume_options(mount, ctx).subpath = val.to_string(),
        "volume-nocopy" => {
            let options = volume_options(mount, ctx);
            options.no_copy = boolean(format!("invalid value for volume-nocopy: {val}"))?;
        }
        "volume-label" => set_on_map(&mut volume_options(mount, ctx).labels, val, ctx),
        "volume-driver" => driver_config(mount, ctx).name = val.to_string(),
        "volume-opt" => set_on_map(&mut driver_config(mount, ctx).options, val, ctx),
        "image-subpath" if v.cli_at_least(28, 0, 0) => image_options(mount).subpath = val.to_string(),
        "tmpfs-size" => {
            let size = go::ram_in_bytes(val, v.cli).ok_or_else(bad_value)?;
            tmpfs_options(mount).size_bytes = size;
        }
        "tmpfs-mode" => {
            let mode = go::parse_uint(val, 8, 32).and_then(|n| u32::try_from(n).ok()).ok_or_else(bad_value)?;
            tmpfs_options(mount).mode = mode;
        }
        _ if current => return Err(format!("unknown option '{key}' in '{field}'")),
        _ => return Err(format!("unexpected key '{key}' in '{field}'")),
    }
    Ok(())
}

/// The CLI's checks once every field is read (§2.6).
fn check_after_fields(mount: &ApiMount, ctx: &Context) -> Result<(), String> {
    let kind = mount.r#type.as_str();
    if kind.is_empty() {
        return Err("type is required".to_string());
    }
    let bind = (mount.bind_options.is_some(), "bind");
    let volume = (mount.volume_options.is_some(), "volume");
    let image = (mount.image_options.is_some(), "image");
    let tmpfs = (mount.tmpfs_options.is_some(), "tmpfs");
    let order = if ctx.versions.cli_at_least(29, 2, 1) {
        [bind, volume, image, tmpfs]
    } else {
        if mount.target.is_empty() {
            return Err("target is required".to_string());
        }
        [volume, image, bind, tmpfs]
    };
    for (present, family) in order {
        if present && kind != family {
            return Err(format!("cannot mix '{family}-*' options with mount type '{kind}'"));
        }
    }
    if let Some(options) = &mount.bind_options {
        if options.read_only_non_recursive && !mount.read_only {
            return Err(
                "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction".to_string()
            );
        }
        if options.read_only_force_recursive {
            if !mount.read_only {
                return Err(
                    "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction".to_string()
                );
            }
            if options.propagation != "rprivate" {
                return Err(
                    "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction"
                        .to_string(),
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::version::DockerVersions;
    use proptest::prelude::*;

    fn at(versions: &str) -> Context {
        Context { versions: versions.parse().unwrap(), cwd: "/home/u/p".to_string(), ..Context::default() }
    }

    fn json(mount: &ApiMount) -> String {
        serde_json::to_string(mount).unwrap()
    }

    #[test]
    fn reads_keys_and_aliases() {
        let ctx = Context::default();
        let m = client("TYPE=BIND,SRC=/a,Destination=/b/,RO,consistency=Cached,bind-propagation=RSlave", &ctx).unwrap();
        assert_eq!(
            json(&m),
            r#"{"Type":"bind","Source":"/a","Target":"/b/","ReadOnly":true,"Consistency":"cached","BindOptions":{"Propagation":"rslave"}}"#
        );
        let m = client("dst=/d,volume-label=a=1,volume-label=b,volume-label==x,volume-opt=o=x=y", &ctx).unwrap();
        assert_eq!(
            json(&m),
            r#"{"Type":"volume","Target":"/d","VolumeOptions":{"Labels":{"a":"1","b":""},"DriverConfig":{"Options":{"o":"x=y"}}}}"#
        );
    }

    #[test]
    fn older_clis_send_an_empty_driver_config_and_keep_empty_keys() {
        // Observed with CLI 28.2.2: `volume-nocopy` is sent with `"DriverConfig":{}`.
        let m = client("src=v,dst=/d,volume-nocopy", &at("28.2.2/20.10.24")).unwrap();
        assert_eq!(
            json(&m),
            r#"{"Type":"volume","Source":"v","Target":"/d","VolumeOptions":{"NoCopy":true,"DriverConfig":{}}}"#
        );
        let m = client("dst=/d,volume-label==x", &at("20.10")).unwrap();
        assert_eq!(
            json(&m),
            r#"{"Type":"volume","Target":"/d","VolumeOptions":{"Labels":{"":"x"},"DriverConfig":{}}}"#
        );
    }

    #[test]
    fn relative_sources_by_version() {
        let source = |value: &str, versions: &str| client(value, &at(versions)).unwrap().source;
        assert_eq!(source("type=bind,src=..,dst=/d", "29.7"), "/home/u");
        assert_eq!(source("type=bind,src=.cache,dst=/d", "28.2"), "/home/u/p/.cache");
        assert_eq!(source("type=bind,src=..,dst=/d", "28.1"), "..");
        assert_eq!(source("type=bind,src=./a/../b,dst=/d", "23.0"), "/home/u/p/b");
        assert_eq!(source("type=bind,src=.,dst=/d", "20.10"), ".");
        assert_eq!(source("type=bind,src=~/x,dst=/d", "29.7"), "~/x");
    }

    #[test]
    fn messages_of_older_clis() {
        let old = at("28.2.2/20.10.24");
        assert_eq!(client("", &old).unwrap_err(), "EOF");
        // CLIs built with Go 1.16 or older count CSV columns from 0, in characters.
        let bare = "type=bind,src=\"/srv/app\",dst=/data";
        assert_eq!(client(bare, &old).unwrap_err(), "parse error on line 1, column 15: bare \" in non-quoted-field");
        assert_eq!(
            client(bare, &at("20.10.14")).unwrap_err(),
            "parse error on line 1, column 14: bare \" in non-quoted-field"
        );
        assert_eq!(client("type=bind,ro=yes", &old).unwrap_err(), "invalid value for ro: yes");
        assert_eq!(client("type=bind,dst=/d,ro=T", &old).map(|m| m.read_only), Ok(true));
        assert_eq!(
            client("type=tmpfs,dst=/d,volume-nocopy,bind-propagation=x", &old).unwrap_err(),
            "cannot mix 'volume-*' options with mount type 'tmpfs'"
        );
        assert_eq!(client("type=bind,src=/a", &old).unwrap_err(), "target is required");
        assert_eq!(
            client("type=bind,src=/a,dst=/b,bind-nonrecursive", &old).map(|m| m.bind_options),
            Ok(Some(BindOptions { non_recursive: true, ..BindOptions::default() }))
        );
        assert_eq!(
            client("type=bind,src=/a,dst=/b,bind-nonrecursive", &at("18.9")).unwrap_err(),
            "invalid field 'bind-nonrecursive' must be a key=value pair"
        );
        assert_eq!(
            client("type=bind,src=/a,dst=/b,bind-recursive=disabled", &at("24.0")).unwrap_err(),
            "unexpected key 'bind-recursive' in 'bind-recursive=disabled'"
        );
        assert_eq!(client_warnings("type=bind,src=/a,dst=/b,bind-nonrecursive=1", &old), [NONRECURSIVE_DEPRECATED]);
        assert!(client_warnings("type=bind,src=/a,dst=/b,bind-nonrecursive", &old).is_empty());
    }

    #[test]
    fn api_client_check_and_gates() {
        let ctx = Context { versions: DockerVersions::CONFORMANCE, ..Context::default() };
        let m = client("type=bind,src=/a,dst=/b,bind-recursive=readonly,ro,bind-propagation=rprivate", &ctx).unwrap();
        assert_eq!(client_api_check(&m, &ctx).unwrap_err(), "bind-recursive=readonly requires API v1.44 or later");
        let mut m = client("type=volume,src=v,dst=/b,volume-subpath=sub", &ctx).unwrap();
        assert_eq!(apply_api_gates(&mut m, &ctx), Ok(None));
        assert_eq!(m.volume_options.as_ref().map(|o| o.subpath.as_str()), Some(""));
        // A CLI older than the Engine: the Engine's gates answer.
        let ctx = at("20.10/29.7");
        let mut m = client("type=image,src=alpine,dst=/i", &ctx).unwrap();
        assert_eq!(apply_api_gates(&mut m, &ctx).unwrap_err(), "Mount type \"Image\" needs API v1.48 or newer");
        let mut m = ApiMount {
            r#type: "tmpfs".into(),
            target: "/t".into(),
            volume_options: Some(VolumeOptions::default()),
            ..ApiMount::default()
        };
        assert_eq!(
            apply_api_gates(&mut m.clone(), &Context::default()).unwrap_err(),
            "VolumeOptions must not be specified on mount type \"tmpfs\""
        );
        assert_eq!(apply_api_gates(&mut m, &ctx), Ok(None));
        assert_eq!(m.volume_options, None);
    }

    #[test]
    fn volume_driver_warning_needs_a_new_engine() {
        let m = client("dst=/d", &Context::default()).unwrap();
        assert!(volume_driver_warning(std::slice::from_ref(&m), "flocker", &Context::default()).is_some());
        assert!(volume_driver_warning(std::slice::from_ref(&m), "", &Context::default()).is_none());
        let ctx = Context { versions: DockerVersions::CONFORMANCE, ..Context::default() };
        assert!(volume_driver_warning(&[m], "flocker", &ctx).is_none());
    }

    #[test]
    fn mount_points_as_inspect_shows_them() {
        let ctx = Context::default();
        let m = client("type=bind,src=/tmp//./,dst=/x//y/../z", &ctx).unwrap();
        let point = to_mount_point(&m, &ctx);
        assert_eq!(
            (point.source.as_str(), point.destination.as_str(), point.propagation.as_str()),
            ("/tmp", "/x/z", "")
        );
        assert_eq!(bind_propagation(&m, &ctx).unwrap(), "rprivate");
        let m = client("src=v,dst=/d/,volume-nocopy,volume-driver=local", &ctx).unwrap();
        let point = to_mount_point(&m, &ctx);
        assert_eq!(
            (point.name.as_str(), point.driver.as_str(), point.destination.as_str(), point.copy_data),
            ("v", "local", "/d", false)
        );
        let m = client("type=tmpfs,dst=/t,tmpfs-size=1000,tmpfs-mode=1777,ro", &ctx).unwrap();
        assert_eq!(tmpfs_data(&m), "ro,mode=1777,size=1000");
        let windows = Context { platform: Platform::Windows, ..Context::default() };
        let m = client("type=volume,dst=c:/data/x/", &windows).unwrap();
        assert_eq!(to_mount_point(&m, &windows).destination, "c:\\data\\x");
    }

    #[test]
    fn local_volume_options() {
        let ctx = Context::default();
        let opts = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert!(
            local_volume_options_errors(&opts(&[("type", "nfs"), ("device", ":/x"), ("o", "addr=1")]), &ctx).is_empty()
        );
        assert_eq!(
            local_volume_options_errors(&opts(&[("foo", ""), ("bar", "")]), &ctx),
            ["invalid option: \"bar\"", "invalid option: \"foo\""]
        );
        assert_eq!(
            local_volume_options_errors(&opts(&[("o", "x"), ("type", "t")]), &ctx),
            ["missing required option: \"device\""]
        );
        assert_eq!(
            local_volume_options_errors(&opts(&[("size", "1m")]), &ctx),
            ["quota size requested but no quota support"]
        );
        assert_eq!(local_volume_options_errors(&opts(&[("size", "1x")]), &ctx), ["invalid suffix: 'x'"]);
        assert_eq!(
            local_volume_options_errors(&opts(&[("type", "cifs"), ("device", "//srv:445/share")]), &ctx),
            ["port not allowed in CIFS device URL, include 'port' in 'o='"]
        );
    }

    #[test]
    fn model_with_provenance() {
        let value = r#" type=bind,"src=/a,b",dst=/d,ro=0,bind-recursive=writable,volume-label=a=1,volume-label=b=2"#;
        let model = to_model(value, &Context::default()).unwrap();
        assert_eq!(model.kind, MountKind::Bind);
        assert_eq!(model.source.as_deref(), Some("/a,b"));
        assert_eq!(model.target, "/d");
        assert!(!model.read_only);
        assert_eq!(model.rare.bind_recursive.as_deref(), Some("writable"));
        assert_eq!(model.create_host_path, Some(false));
        assert_eq!(model.rare.labels.len(), 2);
        let span = |field| {
            let s: Span = model.provenance.get(&field).copied().unwrap_or_else(|| panic!("no span for {field:?}"));
            &value[s.start..s.end]
        };
        assert_eq!(span(Field::Kind), "type=bind");
        assert_eq!(span(Field::Source), "\"src=/a,b\"");
        assert_eq!(span(Field::ReadOnly), "ro=0");
        assert_eq!(span(Field::Label), "volume-label=a=1");
        let model = to_model("type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=700", &Context::default()).unwrap();
        let tmpfs = model.rare.tmpfs.clone().unwrap();
        assert_eq!((tmpfs.size_bytes, tmpfs.mode), (Some(1 << 20), Some(0o700)));
        assert!(to_model("src=\"x\"", &Context::default()).is_none());
        assert!(to_model("  ", &Context::default()).is_none());
        assert!(to_model("  ", &at("20.10")).is_some());
    }

    #[test]
    fn odd_inputs() {
        let ctx = Context::default();
        assert_eq!(client("\"\"", &ctx).unwrap_err(), "invalid field '' must be a key=value pair");
        assert_eq!(client(",,", &ctx).unwrap_err(), "invalid field '' must be a key=value pair");
        assert_eq!(client("\u{1}", &ctx).unwrap_err(), "invalid field '\u{1}' must be a key=value pair");
        assert_eq!(client("Ünknown=1", &ctx).unwrap_err(), "unknown option 'ünknown' in 'Ünknown=1'");
        assert_eq!(client("type=bind,src=/a,dst=/b\nignored\"", &ctx).map(|m| m.target), Ok("/b".to_string()));
        assert_eq!(client("\u{a0}dst=/d\u{3000}", &ctx).map(|m| m.target), Ok("/d".to_string()));
        assert_eq!(client("dst=/d,tmpfs-size=1e400", &ctx).unwrap_err(), "invalid value for tmpfs-size: 1e400");
    }

    proptest! {
        #[test]
        fn no_value_panics(value in "\\PC*|[\",=\\r\\n .a-z/\u{e9}]{0,24}|(type|src|dst|ro|volume-opt|tmpfs-size)=[a-z0-9/. \"]{0,6}(,[a-z=/]{0,6}){0,3}") {
            for versions in ["29.7", "28.2.2/20.10.24", "20.10", "17.6"] {
                let ctx = at(versions);
                if let Ok(mut m) = client(&value, &ctx) {
                    let _ = client_api_check(&m, &ctx);
                    let _ = apply_api_gates(&mut m, &ctx);
                    let _ = daemon_validate(&m, &ctx);
                    let _ = to_mount_point(&m, &ctx);
                    let _ = bind_propagation(&m, &ctx);
                    let _ = tmpfs_data(&m);
                }
                if let Some(model) = to_model(&value, &ctx) {
                    for span in model.provenance.values() {
                        prop_assert!(span.start <= span.end && span.end <= value.len());
                    }
                }
                let _ = client_warnings(&value, &ctx);
            }
        }
    }
}
