//! Emits a `--mount` value (spec run-flags §4.2, §4.4).
//!
//! Canonical form: `type` first, then `source`, `target`, `readonly`, then the options of
//! the type in a fixed order (`bind-propagation`, `bind-recursive`, `bind-create-src`;
//! `volume-driver`, `volume-opt`, `volume-label`, `volume-nocopy`, `volume-subpath`;
//! `tmpfs-size`, `tmpfs-mode`; `image-subpath`), then `consistency`. A field that holds a
//! `,`, a `"` or a line break is written in CSV quotes.

use super::quote::csv_field;
use super::{Emitted, Item, Note};
use crate::model::engine::FlagKind;
use crate::model::mount::{Field, MountKind};
use crate::model::mount_flag;
use crate::model::tmpfs_flag::format_size;
use crate::span::Span;

pub fn emit(item: &Item) -> Emitted {
    let mount = item.mount;
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    let mut fields: Vec<String> = vec![format!("type={}", mount.kind.as_str())];
    if let Some(source) = item.source_text() {
        fields.push(format!("source={source}"));
    }
    if mount.kind == MountKind::Volume && item.kind == FlagKind::Volume && mount.is_anonymous_volume() {
        // `-v TARGET` sends the whole value as the path, unchecked; `--mount` needs a path
        // the Engine accepts.
        let target = mount.target.as_str();
        if !target.starts_with('/') {
            problems.push(item.note_at(
                Field::Target,
                format!(
                    "`-v {target}` is an anonymous volume at the relative path `{target}`, which Docker takes without checking; `--mount` needs an absolute container path"
                ),
            ));
        }
    }
    fields.push(format!("target={}", mount.target));
    if mount.read_only {
        fields.push("readonly".to_string());
    }
    match &mount.kind {
        MountKind::Bind => bind_options(item, &mut fields, &mut notes),
        MountKind::Volume => volume_options(item, &mut fields, &mut notes),
        MountKind::Tmpfs => tmpfs_options(item, &mut fields, &mut notes, &mut problems),
        MountKind::Image => {
            if let Some(subpath) = &mount.rare.subpath {
                fields.push(format!("image-subpath={subpath}"));
            }
        }
        _ => {}
    }
    if let Some(consistency) = &mount.rare.consistency {
        fields.push(format!("consistency={consistency}"));
    }
    if item.kind == FlagKind::Volume && mount.mode.as_deref().is_some_and(|m| m.split(',').any(|t| t == "rw")) {
        notes.push(item.note_at(Field::ReadOnly, "`rw` is left out: read-write is the default".to_string()));
    }
    if fields.iter().any(|f| f.contains("\r\n")) {
        // Go's CSV reader turns `\r\n` into `\n`, even inside quotes.
        problems.push(Note::warning(
            "`--mount` cannot hold a carriage return before a line break: the CLI reads `\\r\\n` as `\\n`".to_string(),
            Some(Span::new(0, item.value.len())),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let value = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    Ok((value, notes))
}

fn bind_options(item: &Item, fields: &mut Vec<String>, notes: &mut Vec<Note>) {
    let mount = item.mount;
    let v = item.ctx.versions;
    if let Some(propagation) = &mount.propagation {
        fields.push(format!("bind-propagation={propagation}"));
    }
    if let Some(recursive) = mount.rare.bind_recursive.as_deref().filter(|r| *r != "enabled") {
        fields.push(format!("bind-recursive={recursive}"));
    }
    if mount.create_host_path == Some(true) {
        let source = item.source_text().unwrap_or_default();
        if v.cli_at_least(29, 3, 0) {
            fields.push("bind-create-src".to_string());
            if !(v.engine_at_least(25, 0, 4) && v.api_at_least(1, 42)) {
                notes.push(Note::warning(
                    format!(
                        "`-v` creates `{source}` when it is missing; `bind-create-src` asks for the same, but Engine {} ignores it (it needs Engine 25.0.4 and API 1.42): `--mount` refuses the container when `{source}` does not exist",
                        v.engine
                    ),
                    Some(item.span_of(Field::Source)),
                ));
            } else if item.kind == FlagKind::Volume {
                notes.push(Note::info(
                    format!("`bind-create-src` keeps what `-v` does: a missing `{source}` is created as a directory"),
                    Some(item.span_of(Field::Source)),
                ));
            }
        } else {
            notes.push(Note::warning(
                format!(
                    "`-v` creates `{source}` as an empty root-owned directory when it is missing; `--mount` refuses to create the container instead (`bind source path does not exist`). CLI 29.3 adds `bind-create-src` for this; you target CLI {}",
                    v.cli
                ),
                Some(item.span_of(Field::Source)),
            ));
        }
    }
    if let Some(label @ ("z" | "Z")) = mount.selinux.as_deref() {
        notes.push(Note::warning(
            format!(
                "`{label}` (SELinux relabel) has no `--mount` key: on SELinux hosts the files of `{}` are not relabelled and the container may be denied access to them",
                item.source_text().unwrap_or_default()
            ),
            Some(item.span_of(Field::Selinux)),
        ));
    }
}

fn volume_options(item: &Item, fields: &mut Vec<String>, notes: &mut Vec<Note>) {
    let mount = item.mount;
    let driver = match item.kind {
        // `-v` volumes take the container-wide `--volume-driver`; `--mount` ignores it.
        FlagKind::Volume => Some(item.volume_driver).filter(|d| !d.is_empty()).map(str::to_string),
        _ => mount.rare.driver.clone(),
    };
    if let Some(driver) = &driver {
        fields.push(format!("volume-driver={driver}"));
        if item.kind == FlagKind::Volume {
            notes.push(Note::info(
                format!("`volume-driver={driver}`: `--volume-driver` does not reach `--mount` volumes, so each names its driver"),
                None,
            ));
        }
    }
    for (key, value) in &mount.rare.driver_opts {
        fields.push(format!("volume-opt={}", pair(key, value)));
    }
    for (key, value) in &mount.rare.labels {
        fields.push(format!("volume-label={}", pair(key, value)));
    }
    if mount.nocopy {
        fields.push("volume-nocopy".to_string());
    }
    if let Some(subpath) = &mount.rare.subpath {
        fields.push(format!("volume-subpath={subpath}"));
    }
    if item.kind != FlagKind::Volume || item.ctx.platform != crate::model::Platform::Linux {
        return;
    }
    let local = driver.as_deref().is_none_or(|d| d == "local");
    let anonymous = mount.is_anonymous_volume();
    let selinux_span = Some(item.span_of(Field::Selinux));
    match (mount.selinux.as_deref(), local) {
        (Some("z"), true) => notes.push(Note::info(
            "`z` is left out: `--mount` relabels local volumes with the shared SELinux label anyway".to_string(),
            selinux_span,
        )),
        (Some("Z"), true) => notes.push(Note::warning(
            "`Z` (private SELinux label) has no `--mount` key: `--mount` relabels local volumes with the shared label (`z`), so other containers may use the files too".to_string(),
            selinux_span,
        )),
        (Some(label), false) => notes.push(Note::warning(
            format!("`{label}` (SELinux relabel) has no `--mount` key: a `--mount` volume of driver `{}` is not relabelled", driver.clone().unwrap_or_default()),
            selinux_span,
        )),
        (None, true) if !anonymous && item.meaning.relabel.is_empty() => notes.push(Note::warning(
            format!(
                "`-v` with a mode (`{}`) does not relabel the volume for SELinux; `--mount` always relabels local volumes with the shared label (`z`): this differs on SELinux hosts only",
                mount.mode.clone().unwrap_or_default()
            ),
            Some(item.span_of(Field::Mode)),
        )),
        (None, false) if anonymous => notes.push(Note::warning(
            format!("`-v` anonymous volumes are relabelled for SELinux when the container is created; a `--mount` volume of driver `{}` is not", driver.clone().unwrap_or_default()),
            None,
        )),
        _ => {}
    }
}

fn pair(key: &str, value: &str) -> String {
    if value.is_empty() {
        key.to_string()
    } else {
        format!("{key}={value}")
    }
}

/// Options of `--tmpfs` that `--mount type=tmpfs` has (spec §4.4): access, the defaults,
/// `size=` in bytes or k/m/g, `mode=` in octal.
fn tmpfs_options(item: &Item, fields: &mut Vec<String>, notes: &mut Vec<Note>, problems: &mut Vec<Note>) {
    let mount = item.mount;
    let Some(settings) = &mount.rare.tmpfs else { return };
    if item.kind == FlagKind::Tmpfs {
        for option in &settings.options {
            let (key, value) = option.split_once('=').unwrap_or((option, ""));
            let reason = match key {
                "ro" | "rw" if !option.contains('=') => None,
                "noexec" | "nosuid" | "nodev" | "rprivate" | "defaults" if !option.contains('=') => {
                    notes.push(Note::info(
                        format!("`{option}` is left out: it is a default of every tmpfs"),
                        Some(item.span_of(Field::TmpfsOptions)),
                    ));
                    None
                }
                "size" if tmpfs_size_ok(value) => None,
                "size" => Some(format!(
                    "`size={value}`: `--mount` takes a size in bytes (`tmpfs-size`), not a share of memory or a kernel suffix it does not know"
                )),
                "mode" if !value.is_empty() && value.chars().all(|c| c.is_digit(8)) => None,
                _ => Some(format!("`{option}` has no `--mount` key (only the size, the mode and read-only can be set)")),
            };
            if let Some(reason) = reason {
                problems.push(Note::warning(reason, Some(item.span_of(Field::TmpfsOptions))));
            }
        }
    }
    if let Some(size) = settings.size_bytes.filter(|s| *s > 0) {
        match i64::try_from(size) {
            Ok(bytes) => {
                let text = format_size(bytes);
                match mount_flag::tmpfs_size_bytes(&text, item.ctx) {
                    Some(read) if read == bytes => fields.push(format!("tmpfs-size={text}")),
                    read => problems.push(Note::warning(
                        format!(
                            "the size {size} cannot be said exactly in `tmpfs-size`: the CLI reads sizes as floating point numbers ({})",
                            read.map_or("it refuses it".to_string(), |read| format!("it becomes {read}"))
                        ),
                        Some(item.span_of(Field::TmpfsOptions)),
                    )),
                }
            }
            Err(_) => problems.push(Note::warning(format!("the size {size} is too large for `tmpfs-size`"), None)),
        }
    }
    if let Some(mode) = settings.mode {
        fields.push(format!("tmpfs-mode={mode:o}"));
    }
}

/// A `--tmpfs` `size=` value that `tmpfs-size` can say exactly: plain bytes or a k/m/g
/// multiple, either case (what the model reads as a byte count).
fn tmpfs_size_ok(value: &str) -> bool {
    let digits = value.trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
    value.len() - digits.len() <= 1 && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}
