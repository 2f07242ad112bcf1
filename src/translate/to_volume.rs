//! Emits a `-v` value (spec run-flags §4.3).
//!
//! Canonical form: `SOURCE:TARGET[:MODE]`, the mode's tokens in the order access (`ro`),
//! SELinux label, propagation, `nocopy`, consistency; `rw` only where it must suppress the
//! implicit SELinux relabel of a local named volume. What `-v` cannot say: a colon in a path
//! (no escaping), a one-letter volume name (`x:` is a drive for the CLI), per-mount volume
//! drivers, options, labels and subpaths, non-recursive binds, read-only or `nocopy`
//! anonymous volumes, a consistency other than the three tokens, and tmpfs or image mounts.

use super::{Emitted, Item, Note};
use crate::model::engine::FlagKind;
use crate::model::mount::{Field, MountKind};
use crate::model::Platform;
use crate::syntax::volume_flag::is_go_letter;

const CONSISTENCIES: [&str; 3] = ["consistent", "cached", "delegated"];

pub fn emit(item: &Item) -> Emitted {
    let mount = item.mount;
    let linux = item.ctx.platform == Platform::Linux;
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    let mut problem = |field: Field, message: String| problems.push(item.note_at(field, message));

    let target = mount.target.as_str();
    if linux && target.contains(':') {
        problem(Field::Target, format!("the container path `{target}` holds a `:`, which `-v` cannot escape"));
    }
    if target.is_empty() {
        problem(Field::Target, "`-v` needs a container path".to_string());
    }
    let mut tokens: Vec<String> = Vec::new();
    if mount.read_only {
        tokens.push("ro".to_string());
    }
    let source = match &mount.kind {
        MountKind::Bind => {
            let source = item.source_text().unwrap_or_default();
            if linux && source.contains(':') {
                problem(Field::Source, format!("the host path `{source}` holds a `:`, which `-v` cannot escape"));
            }
            if linux && !(source.starts_with('/') || source.starts_with('.')) {
                problem(Field::Source, format!("`-v` reads `{source}` as a volume name, not a host path"));
            }
            if let Some(recursive) = mount.rare.bind_recursive.as_deref().filter(|r| *r != "enabled") {
                problem(
                    Field::BindRecursive,
                    format!("`bind-recursive={recursive}` has no `-v` form (`-v` binds are always recursive)"),
                );
            }
            if let Some(label) = &mount.selinux {
                tokens.push(label.clone());
            }
            if let Some(propagation) = &mount.propagation {
                tokens.push(propagation.clone());
            }
            if linux && !item.meaning.creates_source {
                notes.push(Note::warning(
                    format!(
                        "`-v` creates `{source}` as an empty root-owned directory when it is missing, where `--mount` refuses to create the container: a mistyped path is no longer caught"
                    ),
                    Some(item.span_of(Field::Source)),
                ));
            }
            Some(source)
        }
        MountKind::Volume => {
            volume_checks(item, &mut problem);
            if mount.nocopy {
                tokens.push("nocopy".to_string());
            }
            mount.source.clone().filter(|s| !s.is_empty())
        }
        MountKind::Npipe if !linux => mount.source.clone(),
        other => {
            let flag = if *other == MountKind::Tmpfs { " (use `--tmpfs`)" } else { "" };
            problem(Field::Kind, format!("`-v` cannot make a mount of type `{}`{flag}", other.as_str()));
            None
        }
    };
    if let Some(consistency) = &mount.rare.consistency {
        if CONSISTENCIES.contains(&consistency.as_str()) {
            tokens.push(consistency.clone());
        } else {
            problem(
                Field::Consistency,
                format!("`consistency={consistency}`: `-v` only knows `consistent`, `cached` and `delegated`"),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if mount.kind == MountKind::Volume && source.is_some() && linux {
        relabel_tokens(item, &mut tokens, &mut notes);
    }
    let mut value = match &source {
        Some(source) => format!("{source}:{target}"),
        None => target.to_string(),
    };
    if !tokens.is_empty() {
        value.push(':');
        value.push_str(&tokens.join(","));
    }
    Ok((value, notes))
}

/// What a volume needs to be written with `-v`.
fn volume_checks(item: &Item, problem: &mut impl FnMut(Field, String)) {
    let mount = item.mount;
    let linux = item.ctx.platform == Platform::Linux;
    let container_driver = if item.volume_driver.is_empty() { "local" } else { item.volume_driver };
    let own_driver = match item.kind {
        FlagKind::Volume => container_driver.to_string(),
        _ => mount.rare.driver.clone().filter(|d| !d.is_empty()).unwrap_or_else(|| "local".to_string()),
    };
    if own_driver != container_driver {
        problem(
            Field::Driver,
            format!(
                "the volume driver `{own_driver}` of this mount: `-v` volumes all take the container-wide `--volume-driver` (here `{container_driver}`)"
            ),
        );
    }
    if !mount.rare.driver_opts.is_empty() {
        problem(
            Field::DriverOpt,
            "`volume-opt` has no `-v` form (create the volume first with `docker volume create --opt`)".to_string(),
        );
    }
    if !mount.rare.labels.is_empty() {
        problem(
            Field::Label,
            "`volume-label` has no `-v` form (create the volume first with `docker volume create --label`)".to_string(),
        );
    }
    if mount.rare.subpath.is_some() {
        problem(Field::Subpath, "`volume-subpath` has no `-v` form".to_string());
    }
    match mount.source.as_deref().filter(|s| !s.is_empty()) {
        None => {
            if mount.read_only {
                problem(
                    Field::ReadOnly,
                    "a read-only anonymous volume has no `-v` form (`-v /data:ro` is refused; `--mount` allows it since Engine 29.2.0)".to_string(),
                );
            }
            if mount.nocopy {
                problem(
                    Field::NoCopy,
                    "an anonymous volume without copy has no `-v` form (`-v /data:nocopy` is refused)".to_string(),
                );
            }
        }
        Some(name) if linux => {
            let mut chars = name.chars();
            let one_letter = matches!((chars.next(), chars.next()), (Some(c), None) if is_go_letter(c));
            if one_letter {
                problem(
                    Field::Source,
                    format!("the one-letter volume name `{name}`: the CLI reads `{name}:` as a Windows drive"),
                );
            } else if name.contains(':') {
                problem(Field::Source, format!("the volume name `{name}` holds a `:`, which `-v` cannot escape"));
            } else if name.starts_with(['/', '.', '~']) || name.starts_with("\\\\") {
                problem(Field::Source, format!("`-v` reads `{name}` as a host path, not a volume name"));
            }
        }
        Some(_) => {}
    }
}

/// The SELinux relabel of a named volume, as `-v` expresses it: a local volume is
/// relabelled (`z`) only when no mode is written, so the tokens say it outright.
fn relabel_tokens(item: &Item, tokens: &mut Vec<String>, notes: &mut Vec<Note>) {
    let mount = item.mount;
    let container_driver = if item.volume_driver.is_empty() { "local" } else { item.volume_driver };
    let local = container_driver == "local";
    let wanted = item.meaning.relabel.as_str();
    let position = if mount.read_only { 1 } else { 0 };
    match wanted {
        "z" | "Z" if tokens.is_empty() && local && wanted == "z" => {}
        "z" | "Z" => {
            tokens.insert(position, wanted.to_string());
            if item.kind != FlagKind::Volume && wanted == "z" {
                notes.push(Note::info(
                    "`z` is written out: `-v` relabels a local named volume only when no mode is given, `--mount` always does"
                        .to_string(),
                    None,
                ));
            }
        }
        _ if tokens.is_empty() && local => {
            // An empty mode would make the Engine relabel the volume (`z`).
            tokens.push("rw".to_string());
        }
        _ => {}
    }
}
