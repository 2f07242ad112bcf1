//! A Windows Engine's view of one `--mount` (spec §2.10): its validation, version by
//! version, and the mount point it registers.
//!
//! The Engine matches paths with regular expressions; the small matchers here accept
//! exactly the strings those expressions accept (they are written out because the crate
//! has no regex engine and these grammars are short).

use super::go;
use crate::model::context::{Context, HostEntry};
use crate::model::mountpoint::{MountOrigin, MountPoint};
use crate::model::paths;
use crate::model::request::ApiMount;
use crate::model::verdict::go_quote;

fn is_sep(c: char) -> bool {
    c == '\\' || c == '/'
}

/// `rxPipe`: `[/\\]{2}.[/\\]pipe[/\\][^:*?"<>|\r\n]+` as the whole text.
fn is_pipe(text: &str) -> bool {
    let mut chars = text.chars();
    let head_ok = chars.next().is_some_and(is_sep)
        && chars.next().is_some_and(is_sep)
        && chars.next().is_some_and(|c| c != '\n')
        && chars.next().is_some_and(is_sep);
    if !head_ok {
        return false;
    }
    let rest = chars.as_str();
    let Some(name) = rest.strip_prefix("pipe") else {
        return false;
    };
    let mut chars = name.chars();
    if !chars.next().is_some_and(is_sep) {
        return false;
    }
    let tail = chars.as_str();
    !tail.is_empty() && !tail.chars().any(|c| matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|' | '\r' | '\n'))
}

/// A destination path character (`[^\\/:*?"<>\r\n]`; `|` is allowed).
fn is_dest_char(c: char) -> bool {
    !matches!(c, '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '\r' | '\n')
}

/// `rxDestination` on the lower-cased text: a drive path (`c:`, `c:\x\y\`, `\\?\c:\x`)
/// or a named pipe.
pub fn is_destination(text: &str) -> bool {
    let lower = go::to_lower(text);
    if is_pipe(&lower) {
        return true;
    }
    let rest = lower.strip_prefix("\\\\?\\").unwrap_or(&lower);
    let mut chars = rest.chars();
    if !(chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.next() == Some(':')) {
        return false;
    }
    let mut tail = chars.peekable();
    loop {
        match tail.next() {
            None => return true,
            Some(c) if is_sep(c) => {}
            Some(_) => return false,
        }
        if tail.peek().is_none() {
            return true;
        }
        let mut segment = 0;
        while tail.peek().is_some_and(|&c| is_dest_char(c)) {
            tail.next();
            segment += 1;
        }
        if segment == 0 {
            return false;
        }
    }
}

/// `rxName` as the whole text: a volume name.
fn is_volume_name(name: &str) -> bool {
    !name.is_empty()
        && !name.chars().any(|c| matches!(c, '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '\r' | '\n'))
}

/// `rxReservedNames` as the whole text (lower case only, as the Engine matches it).
fn is_reserved_name(name: &str) -> bool {
    matches!(name, "con" | "prn" | "nul" | "aux")
        || ((name.starts_with("com") || name.starts_with("lpt"))
            && name.len() == 4
            && name.as_bytes().get(3).is_some_and(|b| (b'1'..=b'9').contains(b)))
}

/// A reserved device name as Go's `filepath.IsLocal` on Windows sees it (any case, with
/// or without an extension, trailing spaces ignored).
fn is_reserved_part(part: &str) -> bool {
    let base = part.split('.').next().unwrap_or(part).trim_end_matches(' ').to_ascii_uppercase();
    if matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$") {
        return true;
    }
    let mut chars = base.chars();
    let prefix: String = chars.by_ref().take(3).collect();
    let digit: Vec<char> = chars.collect();
    (prefix == "COM" || prefix == "LPT") && digit.len() == 1 && matches!(digit[0], '1'..='9' | '¹' | '²' | '³')
}

/// Go's `filepath.IsLocal` on Windows, used for subpaths.
fn is_local(path: &str) -> bool {
    if path.is_empty() || path.starts_with(is_sep) || path.contains(':') {
        return false;
    }
    if path.split(is_sep).any(is_reserved_part) {
        return false;
    }
    let cleaned = paths::clean(&path.replace('\\', "/"));
    cleaned != ".." && !cleaned.starts_with("../")
}

fn wrap(mount: &ApiMount, reason: impl std::fmt::Display) -> String {
    format!("invalid mount config for type {}: {reason}", go_quote(&mount.r#type))
}

fn extra(mount: &ApiMount, field: &str) -> String {
    wrap(mount, format!("field {field} must not be specified"))
}

fn missing(mount: &ApiMount, field: &str) -> String {
    wrap(mount, format!("field {field} must not be empty"))
}

/// The target must not be the system drive's root.
fn check_not_root(mount: &ApiMount, ctx: &Context) -> Result<(), String> {
    let p = go::to_lower(&mount.target.replace('/', "\\"));
    if p == "c:" || p == "c:\\" {
        let reason = if ctx.versions.engine_at_least(29, 0, 0) {
            format!("destination path ({p}) cannot be 'c:' or 'c:\\'")
        } else {
            format!("destination path cannot be `c:` or `c:\\`: {p}")
        };
        return Err(wrap(mount, reason));
    }
    Ok(())
}

fn check_destination(mount: &ApiMount) -> Result<(), String> {
    if !is_destination(&mount.target) {
        return Err(wrap(mount, format!("invalid mount path: '{}'", mount.target)));
    }
    Ok(())
}

/// The Windows Engine's validation of a `--mount` (the bind source check included).
pub fn validate(mount: &ApiMount, ctx: &Context) -> Result<(), String> {
    let engine = |major, minor| ctx.versions.engine_at_least(major, minor, 0);
    let kind = mount.r#type.as_str();
    if engine(29, 2) {
        // Options of another family first.
        for (present, own, field) in [
            (mount.bind_options.is_some(), "bind", "BindOptions"),
            (mount.volume_options.is_some(), "volume", "VolumeOptions"),
            (mount.image_options.is_some(), "image", "ImageOptions"),
            (mount.tmpfs_options.is_some(), "tmpfs", "TmpfsOptions"),
        ] {
            if present && kind != own {
                return Err(extra(mount, field));
            }
        }
    }
    if engine(23, 0) {
        if mount.target.is_empty() {
            return Err(missing(mount, "Target"));
        }
        check_not_root(mount, ctx)?;
        check_destination(mount)?;
    } else {
        check_not_root(mount, ctx)?;
        if mount.target.is_empty() {
            return Err(missing(mount, "Target"));
        }
        check_destination(mount)?;
    }
    let per_type_families = !engine(29, 2);
    match kind {
        "bind" => {
            if mount.source.is_empty() {
                return Err(missing(mount, "Source"));
            }
            if let Some(options) = &mount.bind_options {
                if !options.propagation.is_empty() {
                    return Err(wrap(mount, format!("invalid propagation mode: {}", options.propagation)));
                }
            }
            if per_type_families && mount.volume_options.is_some() {
                return Err(extra(mount, "VolumeOptions"));
            }
            if !is_destination(&mount.source) {
                return Err(wrap(mount, format!("invalid mount path: '{}' mount path must be absolute", mount.source)));
            }
            match ctx.host.lookup(&mount.source) {
                HostEntry::Missing => Err(wrap(mount, format!("bind source path does not exist: {}", mount.source))),
                HostEntry::File => Err(wrap(mount, "source path must be a directory")),
                HostEntry::Dir => Ok(()),
            }
        }
        "volume" => {
            if per_type_families && mount.bind_options.is_some() {
                return Err(extra(mount, "BindOptions"));
            }
            let anonymous = mount.source.is_empty();
            let subpath = mount.volume_options.as_ref().map(|o| o.subpath.as_str()).unwrap_or("");
            if engine(26, 0) && !subpath.is_empty() {
                if anonymous {
                    // Not wrapped on Windows.
                    return Err("must not set Subpath when using anonymous volumes".to_string());
                }
                if !is_local(subpath) {
                    return Err(wrap(mount, "subpath must be a relative path within the volume"));
                }
            }
            if !engine(29, 2) && anonymous && mount.read_only {
                return Err(wrap(mount, "must not set ReadOnly mode when using anonymous volumes"));
            }
            if !anonymous {
                if !is_volume_name(&mount.source) {
                    return Err(wrap(mount, "invalid volume name"));
                }
                if is_reserved_name(&mount.source) {
                    return Err(wrap(
                        mount,
                        format!(
                            "volume name {} cannot be a reserved word for Windows filenames",
                            go_quote(&mount.source)
                        ),
                    ));
                }
            }
            Ok(())
        }
        "npipe" => {
            if mount.source.is_empty() {
                return Err(missing(mount, "Source"));
            }
            if per_type_families && mount.bind_options.is_some() {
                return Err(extra(mount, "BindOptions"));
            }
            if mount.read_only {
                return Err(extra(mount, "ReadOnly"));
            }
            for path in [&mount.source, &mount.target] {
                if !path.starts_with("\\\\.\\pipe\\") {
                    return Err(wrap(mount, format!("'{path}' is not a valid pipe path")));
                }
            }
            Ok(())
        }
        _ => Err(wrap(mount, "mount type unknown")),
    }
}

/// `/` made `\`, and a trailing `\` dropped from paths longer than three bytes (`c:\`
/// keeps it).
fn windows_path(path: &str) -> String {
    let mut path = path.replace('/', "\\");
    if path.len() > 3 && path.ends_with('\\') {
        path.pop();
    }
    path
}

/// The mount point a Windows Engine registers for a valid `--mount`.
pub fn mount_point(mount: &ApiMount) -> MountPoint {
    let kind = mount.r#type.as_str();
    let (source, name, driver, copy_data) = match kind {
        "bind" | "npipe" => (windows_path(&mount.source), String::new(), String::new(), false),
        "volume" => {
            let options = mount.volume_options.as_ref();
            let driver = options.and_then(|o| o.driver_config.as_ref()).map(|d| d.name.clone()).unwrap_or_default();
            // Windows volumes are never copied-up.
            (String::new(), mount.source.clone(), driver, false)
        }
        _ => (String::new(), String::new(), String::new(), false),
    };
    MountPoint {
        kind: mount.r#type.clone(),
        source,
        name,
        driver,
        destination: windows_path(&mount.target),
        rw: !mount.read_only,
        mode: String::new(),
        propagation: String::new(),
        copy_data,
        origin: MountOrigin::Mount,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {
        for ok in [
            "c:",
            "d:\\",
            "d:\\mount",
            "C:/data/x",
            "c:\\program files\\",
            "\\\\?\\d:\\x",
            "d:\\a|b",
            "\\\\.\\pipe\\docker_engine",
            "//./pipe/x",
        ] {
            assert!(is_destination(ok), "{ok}");
        }
        for bad in ["/data", "", "cd:\\x", "c:\\\\x", "c:x", "1:\\x", "\\\\.\\pipe\\", "\\\\.\\pipe\\a:b", "c:\\a*b"] {
            assert!(!is_destination(bad), "{bad}");
        }
    }

    #[test]
    fn names_and_subpaths() {
        assert!(is_reserved_name("con") && is_reserved_name("lpt9"));
        assert!(!is_reserved_name("CON") && !is_reserved_name("com0") && !is_reserved_name("console"));
        assert!(is_volume_name("my vol") && !is_volume_name("a/b") && !is_volume_name(""));
        assert!(is_local("a\\b") && is_local("a/.."));
        for bad in ["", "\\a", "c:a", "..\\x", "a/../..", "nul", "x\\NUL.txt", "com1 "] {
            assert!(!is_local(bad), "{bad}");
        }
    }

    #[test]
    fn paths_lose_their_trailing_separator() {
        assert_eq!(windows_path("c:\\"), "c:\\");
        assert_eq!(windows_path("c:/data/"), "c:\\data");
        assert_eq!(windows_path("\\\\?\\d:\\"), "\\\\?\\d:");
    }
}
