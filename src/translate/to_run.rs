//! A compose service back to `docker run` flags.
//!
//! Compose decides what it asks the Engine for (spec compose §11): each service volume is
//! a `Binds` string or a `Mounts` entry, each `tmpfs:` item a `Tmpfs` entry. Those are
//! written as the flags that make the CLI send the same thing (`-v` for a bind string,
//! `--mount` for a mount, `--tmpfs`), checked against compose's request, then translated to
//! the wanted flag syntax like any other flag. Paths come out absolute (compose resolved
//! them against the project directory) and named volumes with the names compose gives them.

use super::meaning::{self, Sent};
use super::notes::Note;
use super::quote::csv_field;
use super::{expansions, flag_words, translate_item, Input, Prepared, Refusal, Target, Translation};
use crate::model::compose::engine::EngineRoute;
use crate::model::compose::{ComposeMount, ComposeProject, Service, TopLevelVolume, VolumesFromTarget};
use crate::model::context::Context;
use crate::model::engine::FlagKind;
use crate::model::request::{ApiMount, DriverConfig, VolumeOptions};
use crate::model::tmpfs_flag::format_size;
use crate::span::Span;
use crate::syntax::run_line::{FlagUse, Word};

/// Translates one service of a loaded compose project to `docker run` flags.
pub fn translate(
    project: &ComposeProject,
    service: Option<&str>,
    target: Target,
    ctx: &Context,
) -> Result<Translation, Refusal> {
    if let Some(error) = project.error() {
        let span = if error.file == Some(0) { error.span } else { None };
        return Err(Refusal { unreadable: false, notes: vec![Note::error(error.message.clone(), span)] });
    }
    let service = pick_service(project, service)?;
    let judging = super::judging_context(ctx);
    let mut notes = Vec::new();
    let mut lines = Vec::new();
    let mut exact = true;
    for item in &service.mounts {
        let in_file = item.file == 0;
        let span = in_file.then_some(item.mount.span);
        let Some((kind, value, sent, top)) = flag_of(item, project) else {
            notes.push(Note::warning("left out: compose sends nothing for this entry", span));
            exact = false;
            continue;
        };
        if let Some(top) = top.filter(|t| t.external) {
            notes.push(Note::info(
                format!(
                    "the volume `{}` is external: it must exist before `docker run` (compose never creates it)",
                    top.name
                ),
                span,
            ));
        }
        let driver = top.and_then(|t| t.driver.clone()).unwrap_or_default();
        let original = match super::to_compose::of_declared_sent(sent, &driver, &judging) {
            Ok(mut m) => {
                if let Some(top) = top.filter(|_| m.kind == "volume") {
                    // Compose creates a declared volume itself, with its driver and
                    // options, before the container.
                    m.driver = top.driver.clone().unwrap_or_else(|| "local".to_string());
                    m.driver_opts = top.driver_opts.clone();
                    m.labels = top.labels.clone();
                }
                m
            }
            Err(error) => {
                return Err(Refusal {
                    unreadable: false,
                    notes: vec![Note::error(format!("the Engine refuses what compose sends: {}", error.message), span)],
                })
            }
        };
        let word = Word::plain(&value, 0);
        let flag = FlagUse {
            name: match kind {
                FlagKind::Volume => "volume",
                FlagKind::Mount => "mount",
                FlagKind::Tmpfs => "tmpfs",
            },
            written: super::flag_name(kind).to_string(),
            span: Span::default(),
            value: Some(word.clone()),
        };
        let stood = expansions::stand_in(&word, &mut 0);
        let Some(mount) = super::model_of(kind, &value, &judging) else {
            notes.push(Note::warning(format!("left out: `{value}` cannot be read back"), span));
            exact = false;
            continue;
        };
        let input = Input { kind, flag, word, stood, span: Span::default(), grouped: false };
        // The flag must make the CLI send what compose sends.
        let as_flag = meaning::of_flag(kind, &value, "", &judging);
        let prepared = Prepared { input, mount, meaning: original.clone(), skip: None };
        match as_flag {
            Ok(m) if m == original => {}
            Ok(m) => {
                for note in super::notes::unexplained(&original, &m, super::flag_name(kind), None) {
                    notes.push(Note { span, ..note });
                }
                exact = false;
            }
            Err(error) => {
                notes.push(Note::warning(
                    format!(
                        "`{} {value}` is what compose sends, but the docker CLI refuses it: {}",
                        super::flag_name(kind),
                        error.message
                    ),
                    span,
                ));
                exact = false;
            }
        }
        let outcome = translate_item(&prepared, target, "", &judging);
        exact &= outcome.exact;
        for note in outcome.notes {
            notes.push(Note { span, ..note });
        }
        lines.push(flag_words(outcome.kind, &outcome.value, &[]));
    }
    for from in &service.volumes_from {
        let (value, note) = match &from.target {
            VolumesFromTarget::Container(name) => (name.clone(), None),
            VolumesFromTarget::FirstContainerOf(other) => (
                format!("{}-{other}-1", project.name),
                Some(format!("`volumes_from: {}` names the first container of service `{other}`: compose calls it `{}-{other}-1`", from.text, project.name)),
            ),
        };
        if let Some(note) = note {
            notes.push(Note::info(note, (from.file == 0).then_some(from.span)));
        }
        if let Some(mode) = &from.mode {
            notes.push(Note::info(
                format!("the `:{mode}` of `volumes_from: {}` is left out: docker compose drops it too", from.text),
                (from.file == 0).then_some(from.span),
            ));
        }
        lines.push(format!("--volumes-from {}", super::quote::shell_word(&value)));
    }
    notes.push(Note::info(
        format!(
            "the storage of service `{}` only: paths are as compose resolved them (project directory {}), volumes as compose names them",
            service.name, project.working_dir
        ),
        None,
    ));
    let exact = exact && !notes.iter().any(Note::is_warning);
    Ok(Translation { output: lines, notes, exact })
}

fn pick_service<'a>(project: &'a ComposeProject, wanted: Option<&str>) -> Result<&'a Service, Refusal> {
    let names: Vec<&str> = project.services.iter().map(|s| s.name.as_str()).collect();
    let unreadable = |message: String| Refusal { unreadable: true, notes: vec![Note::error(message, None)] };
    match wanted {
        Some(name) => project
            .service(name)
            .ok_or_else(|| unreadable(format!("no service `{name}` in the file (it has: {})", names.join(", ")))),
        None => match project.services.as_slice() {
            [only] => Ok(only),
            [] => Err(unreadable("the file has no service".to_string())),
            _ => Err(unreadable(format!(
                "the file has several services ({}): choose one with --service",
                names.join(", ")
            ))),
        },
    }
}

/// The flag that makes the CLI send what compose sends for an item, and that request.
fn flag_of<'a>(
    item: &ComposeMount,
    project: &'a ComposeProject,
) -> Option<(FlagKind, String, Sent, Option<&'a TopLevelVolume>)> {
    let declared = |name: &str| project.volumes.iter().find(|v| v.name == name);
    match &item.route {
        Some(EngineRoute::Bind(raw)) => {
            let name = raw.split(':').next().unwrap_or("");
            let top = declared(name);
            let configured = top.is_some_and(|t| {
                t.driver.as_deref().is_some_and(|d| d != "local") || !t.driver_opts.is_empty() || !t.labels.is_empty()
            });
            if configured {
                // Compose creates the volume with its driver and options first: `--mount`
                // can say them, `-v` cannot.
                let mut api = ApiMount {
                    r#type: "volume".to_string(),
                    source: name.to_string(),
                    target: item.record.as_ref().map(|r| r.target.clone()).unwrap_or_default(),
                    read_only: item.record.as_ref().is_some_and(|r| r.read_only),
                    ..ApiMount::default()
                };
                add_declared(&mut api, top);
                let sent = Sent::Bind(raw.clone());
                return Some((FlagKind::Mount, mount_value(&api), sent, top));
            }
            Some((FlagKind::Volume, raw.clone(), Sent::Bind(raw.clone()), top))
        }
        Some(EngineRoute::Mount(api)) => {
            let top = if api.r#type == "volume" && !api.source.is_empty() { declared(&api.source) } else { None };
            let mut flag_api = api.as_ref().clone();
            add_declared(&mut flag_api, top);
            Some((FlagKind::Mount, mount_value(&flag_api), Sent::Mount(api.clone()), top))
        }
        None => {
            let settings = item.mount.rare.tmpfs.clone().unwrap_or_default();
            let options = settings.options.join(",");
            let value =
                if options.is_empty() { item.mount.target.clone() } else { format!("{}:{options}", item.mount.target) };
            Some((FlagKind::Tmpfs, value, Sent::Tmpfs { path: item.mount.target.clone(), options }, None))
        }
    }
}

/// A declared volume's driver, options and labels, as `--mount` says them.
fn add_declared(api: &mut ApiMount, top: Option<&TopLevelVolume>) {
    let Some(top) = top else { return };
    if top.driver.is_none() && top.driver_opts.is_empty() && top.labels.is_empty() {
        return;
    }
    let options = api.volume_options.get_or_insert_with(VolumeOptions::default);
    options.labels.extend(top.labels.clone());
    if top.driver.is_some() || !top.driver_opts.is_empty() {
        options.driver_config =
            Some(DriverConfig { name: top.driver.clone().unwrap_or_default(), options: top.driver_opts.clone() });
    }
}

/// An API mount as a `--mount` value.
pub fn mount_value(api: &ApiMount) -> String {
    let mut fields = vec![format!("type={}", api.r#type)];
    if !api.source.is_empty() {
        fields.push(format!("source={}", api.source));
    }
    fields.push(format!("target={}", api.target));
    if api.read_only {
        fields.push("readonly".to_string());
    }
    if let Some(bind) = &api.bind_options {
        if !bind.propagation.is_empty() {
            fields.push(format!("bind-propagation={}", bind.propagation));
        }
        if bind.read_only_force_recursive {
            fields.push("bind-recursive=readonly".to_string());
        } else if bind.read_only_non_recursive {
            fields.push("bind-recursive=writable".to_string());
        } else if bind.non_recursive {
            fields.push("bind-recursive=disabled".to_string());
        }
        if bind.create_mountpoint {
            fields.push("bind-create-src".to_string());
        }
    }
    if let Some(volume) = &api.volume_options {
        if let Some(driver) = &volume.driver_config {
            if !driver.name.is_empty() {
                fields.push(format!("volume-driver={}", driver.name));
            }
            for (k, v) in &driver.options {
                fields.push(format!("volume-opt={k}={v}"));
            }
        }
        for (k, v) in &volume.labels {
            fields.push(format!("volume-label={k}={v}"));
        }
        if volume.no_copy {
            fields.push("volume-nocopy".to_string());
        }
        if !volume.subpath.is_empty() {
            fields.push(format!("volume-subpath={}", volume.subpath));
        }
    }
    if let Some(tmpfs) = &api.tmpfs_options {
        if tmpfs.size_bytes > 0 {
            fields.push(format!("tmpfs-size={}", format_size(tmpfs.size_bytes)));
        }
        if tmpfs.mode != 0 {
            fields.push(format!("tmpfs-mode={:o}", tmpfs.mode));
        }
    }
    if let Some(image) = &api.image_options {
        if !image.subpath.is_empty() {
            fields.push(format!("image-subpath={}", image.subpath));
        }
    }
    if !api.consistency.is_empty() {
        fields.push(format!("consistency={}", api.consistency));
    }
    fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::request::{BindOptions, TmpfsOptions};

    #[test]
    fn api_mounts_as_mount_values() {
        let bind = ApiMount {
            r#type: "bind".into(),
            source: "/a,b".into(),
            target: "/c".into(),
            read_only: true,
            bind_options: Some(BindOptions {
                propagation: "rslave".into(),
                create_mountpoint: true,
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            mount_value(&bind),
            "type=bind,\"source=/a,b\",target=/c,readonly,bind-propagation=rslave,bind-create-src"
        );
        let tmpfs = ApiMount {
            r#type: "tmpfs".into(),
            target: "/t".into(),
            tmpfs_options: Some(TmpfsOptions { size_bytes: 1 << 20, mode: 0o1777 }),
            ..Default::default()
        };
        assert_eq!(mount_value(&tmpfs), "type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1777");
    }
}
