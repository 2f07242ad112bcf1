//! The Engine's validation of one mount (Linux), shared by `-v` and `--mount`.
//!
//! `-v` values reach this through the daemon's volume-spec parser (without the check that
//! a bind source exists, because `-v` creates it); `--mount` values reach it directly.

use super::context::{Context, HostEntry};
use super::paths::{clean, is_absolute, is_local};
use super::request::ApiMount;

const PROPAGATIONS: [&str; 6] = ["shared", "rshared", "slave", "rslave", "private", "rprivate"];

/// The Linux Engine's validation of a mount, returning its message on failure, e.g.
/// `invalid mount config for type "bind": field Source must not be empty`.
pub fn validate_mount(mount: &ApiMount, ctx: &Context, check_bind_source_exists: bool) -> Result<(), String> {
    let wrap = |reason: String| format!("invalid mount config for type {}: {reason}", quote(&mount.r#type));
    let check = if ctx.versions.engine_at_least(29, 2, 0) {
        validate_current(mount, ctx, check_bind_source_exists)
    } else {
        validate_before_29_2(mount, ctx, check_bind_source_exists)
    };
    check.map_err(wrap)
}

fn quote(text: &str) -> String {
    super::verdict::go_quote(text)
}

fn extra(field: &str) -> String {
    format!("field {field} must not be specified")
}

fn missing(field: &str) -> String {
    format!("field {field} must not be empty")
}

fn must_be_absolute(path: &str) -> String {
    format!("invalid mount path: '{}' mount path must be absolute", path.replace('\\', "/"))
}

/// The three checks of the target, shared by every type.
fn check_target(target: &str) -> Result<(), String> {
    if target.is_empty() {
        return Err(missing("Target"));
    }
    if clean(&target.replace('\\', "/")) == "/" {
        return Err("invalid specification: destination can't be '/'".to_string());
    }
    // Like the Engine, check with `\` read as `/` (`\foo` passes, and is kept as is).
    if !is_absolute(&target.replace('\\', "/")) {
        return Err(must_be_absolute(target));
    }
    Ok(())
}

fn check_bind_source(mount: &ApiMount, ctx: &Context, check_exists: bool) -> Result<(), String> {
    if !is_absolute(&mount.source.replace('\\', "/")) {
        return Err(must_be_absolute(&mount.source));
    }
    let create = mount.bind_options.as_ref().is_some_and(|o| o.create_mountpoint)
        && ctx.versions.engine_at_least(25, 0, 4)
        && ctx.versions.api_at_least(1, 42);
    if check_exists && !create {
        if through_a_file(&mount.source, ctx) {
            // `stat` fails with ENOTDIR; Engines since 20.10 report that error as is.
            return Err(if ctx.versions.engine_at_least(20, 10, 0) {
                format!("stat {}: not a directory", mount.source)
            } else {
                format!("bind source path does not exist: {}", mount.source)
            });
        }
        if ctx.host.lookup(&mount.source) == HostEntry::Missing {
            return Err(format!("bind source path does not exist: {}", mount.source));
        }
    }
    Ok(())
}

/// True when a file stands where the path needs a directory: `/file/` or `/file/x`.
fn through_a_file(path: &str, ctx: &Context) -> bool {
    let cleaned = clean(path);
    if path.ends_with('/') && cleaned != "/" && ctx.host.lookup(&cleaned) == HostEntry::File {
        return true;
    }
    let mut prefix = String::new();
    let parts: Vec<&str> = cleaned.split('/').filter(|p| !p.is_empty()).collect();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        prefix.push('/');
        prefix.push_str(part);
        if ctx.host.lookup(&prefix) == HostEntry::File {
            return true;
        }
    }
    false
}

fn check_propagation(mount: &ApiMount) -> Result<(), String> {
    if let Some(options) = &mount.bind_options {
        if !options.propagation.is_empty() && !PROPAGATIONS.contains(&options.propagation.as_str()) {
            return Err(format!("invalid propagation mode: {}", options.propagation));
        }
    }
    Ok(())
}

fn check_subpath(subpath: &str) -> Result<(), String> {
    if !subpath.is_empty() && !is_local(subpath) {
        return Err("subpath must be a relative path within the volume".to_string());
    }
    Ok(())
}

/// Engine ≥ 29.2.0: options of another family first, then the target, then per type.
fn validate_current(mount: &ApiMount, ctx: &Context, check_exists: bool) -> Result<(), String> {
    let kind = mount.r#type.as_str();
    if mount.bind_options.is_some() && kind != "bind" {
        return Err(extra("BindOptions"));
    }
    if mount.volume_options.is_some() && kind != "volume" {
        return Err(extra("VolumeOptions"));
    }
    if mount.image_options.is_some() && kind != "image" {
        return Err(extra("ImageOptions"));
    }
    if mount.tmpfs_options.is_some() && kind != "tmpfs" {
        return Err(extra("TmpfsOptions"));
    }
    check_target(&mount.target)?;
    match kind {
        "bind" => {
            if mount.source.is_empty() {
                return Err(missing("Source"));
            }
            check_propagation(mount)?;
            check_bind_source(mount, ctx, check_exists)
        }
        "volume" => {
            let subpath = mount.volume_options.as_ref().map(|o| o.subpath.as_str()).unwrap_or("");
            if !subpath.is_empty() && mount.source.is_empty() {
                return Err("must not set Subpath when using anonymous volumes".to_string());
            }
            check_subpath(subpath)
        }
        "tmpfs" => {
            if !mount.source.is_empty() {
                return Err(extra("Source"));
            }
            Ok(())
        }
        "image" => {
            if mount.source.is_empty() {
                return Err(missing("Source"));
            }
            check_subpath(mount.image_options.as_ref().map(|o| o.subpath.as_str()).unwrap_or(""))
        }
        _ => Err("mount type unknown".to_string()),
    }
}

/// Engines before 29.2.0 (the conformance engine is 20.10): the target first, then the
/// type's own checks, each type rejecting only some foreign option families (moby's
/// `validateMountConfigImpl` at v20.10–v29.1: `ImageOptions` checks since 28.0, subpath
/// checks since 26.0, before the read-only check of anonymous volumes).
fn validate_before_29_2(mount: &ApiMount, ctx: &Context, check_exists: bool) -> Result<(), String> {
    check_target(&mount.target)?;
    let engine = |major, minor| ctx.versions.engine_at_least(major, minor, 0);
    let no_image_options = || {
        if engine(28, 0) && mount.image_options.is_some() {
            return Err(extra("ImageOptions"));
        }
        Ok(())
    };
    match mount.r#type.as_str() {
        "bind" => {
            if mount.source.is_empty() {
                return Err(missing("Source"));
            }
            check_propagation(mount)?;
            if mount.volume_options.is_some() {
                return Err(extra("VolumeOptions"));
            }
            no_image_options()?;
            check_bind_source(mount, ctx, check_exists)
        }
        "volume" => {
            if mount.bind_options.is_some() {
                return Err(extra("BindOptions"));
            }
            no_image_options()?;
            if engine(26, 0) {
                let subpath = mount.volume_options.as_ref().map(|o| o.subpath.as_str()).unwrap_or("");
                if !subpath.is_empty() && mount.source.is_empty() {
                    return Err("must not set Subpath when using anonymous volumes".to_string());
                }
                check_subpath(subpath)?;
            }
            if mount.source.is_empty() && mount.read_only {
                return Err("must not set ReadOnly mode when using anonymous volumes".to_string());
            }
            Ok(())
        }
        "tmpfs" => {
            if mount.bind_options.is_some() {
                return Err(extra("BindOptions"));
            }
            no_image_options()?;
            if !mount.source.is_empty() {
                return Err(extra("Source"));
            }
            Ok(())
        }
        "image" if engine(28, 0) => {
            if mount.bind_options.is_some() {
                return Err(extra("BindOptions"));
            }
            if mount.volume_options.is_some() {
                return Err(extra("VolumeOptions"));
            }
            if mount.source.is_empty() {
                return Err(missing("Source"));
            }
            check_subpath(mount.image_options.as_ref().map(|o| o.subpath.as_str()).unwrap_or(""))
        }
        _ => Err("mount type unknown".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::request::{BindOptions, VolumeOptions};
    use crate::model::version::DockerVersions;

    fn mount(kind: &str, source: &str, target: &str) -> ApiMount {
        ApiMount { r#type: kind.into(), source: source.into(), target: target.into(), ..ApiMount::default() }
    }

    #[test]
    fn current_engine_checks_families_before_the_target() {
        let ctx = Context::default();
        let mut m = mount("volume", "v", "");
        m.bind_options = Some(BindOptions::default());
        assert_eq!(
            validate_mount(&m, &ctx, true).unwrap_err(),
            "invalid mount config for type \"volume\": field BindOptions must not be specified"
        );
        let old = Context { versions: DockerVersions::CONFORMANCE, ..Context::default() };
        assert_eq!(
            validate_mount(&m, &old, true).unwrap_err(),
            "invalid mount config for type \"volume\": field Target must not be empty"
        );
    }

    #[test]
    fn anonymous_read_only_volumes_depend_on_the_engine() {
        let mut m = mount("volume", "", "/d");
        m.read_only = true;
        assert!(validate_mount(&m, &Context::default(), true).is_ok());
        let old = Context { versions: DockerVersions::CONFORMANCE, ..Context::default() };
        assert!(validate_mount(&m, &old, true)
            .unwrap_err()
            .ends_with("must not set ReadOnly mode when using anonymous volumes"));
        m.source = "v".into();
        m.volume_options = Some(VolumeOptions { subpath: "/abs".into(), ..VolumeOptions::default() });
        assert!(validate_mount(&m, &Context::default(), true)
            .unwrap_err()
            .ends_with("subpath must be a relative path within the volume"));
    }

    #[test]
    fn engines_26_to_29_1_check_the_subpath_before_read_only() {
        let mut m = mount("volume", "", "/d");
        m.read_only = true;
        m.volume_options = Some(VolumeOptions { subpath: "x".into(), ..VolumeOptions::default() });
        let engine = |e: &str| Context { versions: format!("29.7/{e}").parse().unwrap(), ..Context::default() };
        assert!(validate_mount(&m, &engine("28.5"), true)
            .unwrap_err()
            .ends_with("must not set Subpath when using anonymous volumes"));
        assert!(validate_mount(&m, &engine("25.0"), true)
            .unwrap_err()
            .ends_with("must not set ReadOnly mode when using anonymous volumes"));
        // Engine 20.10 does not reject TmpfsOptions on a bind (the API gates drop or refuse them first).
        let mut m = mount("bind", "/s", "/d");
        m.tmpfs_options = Some(Default::default());
        assert!(validate_mount(&m, &engine("20.10"), true).is_ok());
    }
}
