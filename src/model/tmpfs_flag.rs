//! What the CLI and the Engine make of a `--tmpfs` value (spec run-flags §3).
//!
//! Three stages, each its own function because Docker runs them at different times:
//! the CLI only splits the value ([`client`]); `docker create` checks the path
//! ([`daemon_validate`]); only `docker start` merges and checks the options
//! ([`start_options`]), so `docker create --tmpfs /x:foobar` succeeds and the container
//! then fails to start. [`to_model`] gives the semantic [`Mount`] for rules and
//! translation; [`format_size`] is the Engine's `size=` formatting, shared with
//! `--mount type=tmpfs`.

use super::context::{Context, Platform};
use super::mount::{Field, Mount, MountKind, SyntaxKind, TmpfsSettings};
use super::paths::clean;
use super::verdict::go_quote;
use crate::syntax::tmpfs_flag::{self, TmpfsFlag};

/// The options every tmpfs starts from, before the user's (§3.3). The last one is the
/// Linux parser's default propagation.
const DEFAULT_OPTIONS: [&str; 4] = ["noexec", "nosuid", "nodev", "rprivate"];

/// CLI stage (§3.1): `(path, options)` for `HostConfig.Tmpfs`.
pub fn client(value: &str) -> (String, String) {
    match value.split_once(':') {
        Some((path, options)) => (path.to_string(), options.to_string()),
        None => (value.to_string(), String::new()),
    }
}

/// The Engine's create-time check of a tmpfs destination (§3.2). The message is not
/// wrapped. A Windows daemon does not check `HostConfig.Tmpfs` at all.
pub fn daemon_validate(path: &str, ctx: &Context) -> Result<(), String> {
    if ctx.platform == Platform::Windows {
        return Ok(());
    }
    // The Linux parser turns every `\` into `/` before both checks, so `\` is the root
    // and `\x` passes as absolute.
    let slashed = path.replace('\\', "/");
    if clean(&slashed) == "/" {
        return Err("invalid specification: destination can't be '/'".to_string());
    }
    if !slashed.starts_with('/') {
        return Err(format!("invalid mount path: '{slashed}' mount path must be absolute"));
    }
    Ok(())
}

/// The options the runtime gets when the container starts (§3.3), or the start error.
///
/// A Windows daemon mounts no tmpfs: the list is empty.
pub fn start_options(options: &str, ctx: &Context) -> Result<Vec<String>, String> {
    if ctx.platform == Platform::Windows {
        return Ok(Vec::new());
    }
    let mut words: Vec<&str> = DEFAULT_OPTIONS.to_vec();
    // The Engine appends the user's options only when the string is not empty.
    if !options.is_empty() {
        words.extend(options.split(','));
    }
    merge(&words, ctx)
}

/// The mount(8) flag words the merger knows, each with its group: a later word of the
/// same group replaces an earlier one. Every propagation word shares one group.
fn flag_group(word: &str) -> Option<&'static str> {
    Some(match word {
        "ro" | "rw" => "rdonly",
        "suid" | "nosuid" => "nosuid",
        "dev" | "nodev" => "nodev",
        "exec" | "noexec" => "noexec",
        "sync" | "async" => "sync",
        "dirsync" => "dirsync",
        "remount" => "remount",
        "mand" | "nomand" => "mand",
        "atime" | "noatime" => "noatime",
        "diratime" | "nodiratime" => "nodiratime",
        "relatime" | "norelatime" => "relatime",
        "strictatime" | "nostrictatime" => "strictatime",
        "bind" | "rbind" | "unbindable" | "runbindable" | "private" | "rprivate" | "shared" | "rshared" | "slave"
        | "rslave" => "propagation",
        _ => return None,
    })
}

/// The `key=value` options the merger accepts (the empty key included, as in Docker).
const DATA_KEYS: [&str; 8] = ["", "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol"];

/// Docker's tmpfs option merge: walk from the end, keep the last word of each flag group
/// and the last value of each data key, keep the survivors in their original order.
fn merge(words: &[&str], ctx: &Context) -> Result<Vec<String>, String> {
    let mut kept_groups: Vec<&str> = Vec::new();
    let mut kept_keys: Vec<&str> = Vec::new();
    let mut kept: Vec<String> = Vec::new();
    for &word in words.iter().rev() {
        if word == "defaults" {
            continue;
        }
        if let Some(group) = flag_group(word) {
            if !kept_groups.contains(&group) {
                kept_groups.push(group);
                kept.push(word.to_string());
            }
            continue;
        }
        let Some((key, _)) = word.split_once('=') else {
            return Err(invalid_option(word, ctx));
        };
        if !DATA_KEYS.contains(&key) {
            return Err(invalid_option(word, ctx));
        }
        if !kept_keys.contains(&key) {
            kept_keys.push(key);
            kept.push(word.to_string());
        }
    }
    kept.reverse();
    Ok(kept)
}

/// The start error for a word the merger refuses.
///
/// Engine ≥ 29.6.0 (moby/sys/mount v0.3.5) quotes the key: `invalid tmpfs option "huge"`.
/// Before, the word split once at `=` was printed as a Go string list:
/// `invalid tmpfs option ["huge" "always"]` — observed on Debian's Engine 20.10.24, the
/// conformance engine; upstream builds before 23.0 spelled it `Invalid` (the message was
/// lowercased in moby/sys/mount v0.3.0), which a version number alone cannot tell apart.
fn invalid_option(word: &str, ctx: &Context) -> String {
    if ctx.versions.engine_at_least(29, 6, 0) {
        let key = word.split_once('=').map_or(word, |(key, _)| key);
        format!("invalid tmpfs option {}", go_quote(key))
    } else {
        let pieces: Vec<String> = word.splitn(2, '=').map(go_quote).collect();
        format!("invalid tmpfs option [{}]", pieces.join(" "))
    }
}

/// The kernel's own check of a tmpfs's data options when the runtime mounts it (Docker
/// checks none of the values): the runtime's error (runc's text), or nothing.
pub fn kernel_check(path: &str, merged: &[String]) -> Result<(), String> {
    let data: Vec<&str> = merged.iter().map(String::as_str).filter(|o| o.contains('=')).collect();
    let valid = |option: &str| {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        match key {
            "size" => kernel_size(value, true),
            "nr_blocks" | "nr_inodes" => kernel_size(value, false),
            "mode" => !value.is_empty() && value.chars().all(|c| c.is_digit(8)),
            "uid" | "gid" => !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()),
            _ => true,
        }
    };
    if data.iter().all(|o| valid(o)) {
        return Ok(());
    }
    let mut flags = 0u32;
    for option in merged {
        flags |= match option.as_str() {
            "ro" => 0x1,
            "nosuid" => 0x2,
            "nodev" => 0x4,
            "noexec" => 0x8,
            _ => 0,
        };
    }
    Err(format!(
        "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting \"tmpfs\" to rootfs at \"{path}\": mount tmpfs:{path} (via /proc/self/fd/6), flags: {flags:#x}, data: {}: invalid argument: unknown",
        data.join(",")
    ))
}

/// The kernel's `memparse`: digits with an optional binary suffix (and `%` for `size`).
fn kernel_size(value: &str, percent_allowed: bool) -> bool {
    let digits_end = value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len());
    if digits_end == 0 {
        return false;
    }
    match &value[digits_end..] {
        "" => true,
        "%" => percent_allowed,
        suffix => suffix.len() == 1 && "kKmMgGtTpPeE".contains(suffix),
    }
}

/// The Engine's `size=` formatting for a byte count (§2.5): the largest of GiB, MiB, KiB
/// that divides it exactly, with suffix `g`, `m` or `k`, else plain bytes (`1000` →
/// `1000`, `65536` → `64k`). Returns the number and suffix only, without `size=`.
/// Like the Engine's loop, `0` gives `0g`, although the Engine never formats a zero
/// size (it means "no size option").
pub fn format_size(bytes: i64) -> String {
    for (suffix, divisor) in [("g", 1i64 << 30), ("m", 1 << 20), ("k", 1 << 10)] {
        if bytes % divisor == 0 {
            return format!("{}{suffix}", bytes / divisor);
        }
    }
    bytes.to_string()
}

/// The semantic model of a `--tmpfs` value; spans are relative to `value`. Every value
/// has one (whether Docker accepts it is for [`daemon_validate`] and [`start_options`]).
pub fn to_model(value: &str, ctx: &Context) -> Option<Mount> {
    let _ = ctx; // the meaning of a --tmpfs value does not depend on versions
    let flag: TmpfsFlag = tmpfs_flag::parse(value);
    let mut mount = Mount::new(SyntaxKind::TmpfsFlag, MountKind::Tmpfs, flag.path.clone(), flag.span);
    mount.provenance.insert(Field::Target, flag.path_span);
    let mut settings = TmpfsSettings::default();
    if let Some(span) = flag.options_span {
        mount.provenance.insert(Field::TmpfsOptions, span);
    }
    // The last word of each kind wins, as in the Engine's merge.
    for option in &flag.options {
        settings.options.push(option.text.clone());
        match (option.key.as_str(), option.value.as_deref()) {
            ("ro" | "rw", None) => {
                mount.read_only = option.key == "ro";
                mount.provenance.insert(Field::ReadOnly, option.span);
            }
            ("size", Some(size)) => {
                settings.size_bytes = parse_size(size);
                mount.provenance.insert(Field::TmpfsSize, option.span);
            }
            ("mode", Some(mode)) => {
                settings.mode = parse_octal(mode);
                mount.provenance.insert(Field::TmpfsMode, option.span);
            }
            _ => {}
        }
    }
    mount.rare.tmpfs = Some(Box::new(settings));
    Some(mount)
}

/// A kernel `size=` in plain bytes or with a `k`/`m`/`g` suffix (either case); `None` for
/// anything else (`10%`, `1t`, `abc`).
fn parse_size(text: &str) -> Option<u64> {
    let (digits, multiplier) = match text.char_indices().last() {
        Some((at, unit)) if !unit.is_ascii_digit() => {
            let multiplier: u64 = match unit.to_ascii_lowercase() {
                'k' => 1 << 10,
                'm' => 1 << 20,
                'g' => 1 << 30,
                _ => return None,
            };
            (&text[..at], multiplier)
        }
        _ => (text, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(multiplier)
}

/// A `mode=` written in octal digits only.
fn parse_octal(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(text, 8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::version::DockerVersions;
    use crate::span::Span;

    fn newest() -> Context {
        Context::default()
    }

    fn conformance() -> Context {
        Context { versions: DockerVersions::CONFORMANCE, ..Context::default() }
    }

    #[test]
    fn client_splits_at_the_first_colon() {
        assert_eq!(client("/run:a:b"), ("/run".to_string(), "a:b".to_string()));
        assert_eq!(client("/run"), ("/run".to_string(), String::new()));
        assert_eq!(client("c:\\x"), ("c".to_string(), "\\x".to_string()));
    }

    #[test]
    fn destinations() {
        let ctx = newest();
        assert_eq!(daemon_validate("/run", &ctx), Ok(()));
        assert_eq!(daemon_validate("/x\\y", &ctx), Ok(()));
        // Observed on Engine 20.10: a backslash counts as a slash in both checks.
        assert_eq!(daemon_validate("\\x", &ctx), Ok(()));
        let root = Err("invalid specification: destination can't be '/'".to_string());
        assert_eq!(daemon_validate("//", &ctx), root);
        assert_eq!(daemon_validate("\\", &ctx), root);
        assert_eq!(
            daemon_validate("a\\b", &ctx),
            Err("invalid mount path: 'a/b' mount path must be absolute".to_string())
        );
        let windows = Context { platform: Platform::Windows, ..Context::default() };
        assert_eq!(daemon_validate("run", &windows), Ok(()));
    }

    #[test]
    fn merge_keeps_the_last_of_each_group_in_order() {
        let ctx = newest();
        assert_eq!(start_options("", &ctx).unwrap(), ["noexec", "nosuid", "nodev", "rprivate"]);
        assert_eq!(
            start_options("rw,noexec,nosuid,size=65536k", &ctx).unwrap(),
            ["nodev", "rprivate", "rw", "noexec", "nosuid", "size=65536k"]
        );
        // moby/sys/mount's own test case.
        let words =
            ["noatime", "ro", "size=10k", "defaults", "atime", "defaults", "rw", "rprivate", "size=1024k", "slave"];
        assert_eq!(merge(&words, &ctx).unwrap(), ["atime", "rw", "size=1024k", "slave"]);
        assert_eq!(start_options("=x", &ctx).unwrap(), ["noexec", "nosuid", "nodev", "rprivate", "=x"]);
    }

    #[test]
    fn errors_by_engine_version() {
        let new = newest();
        let old = conformance();
        assert_eq!(start_options("huge=always", &new), Err("invalid tmpfs option \"huge\"".to_string()));
        assert_eq!(start_options("huge=always", &old), Err("invalid tmpfs option [\"huge\" \"always\"]".to_string()));
        assert_eq!(start_options("a=b=c", &old), Err("invalid tmpfs option [\"a\" \"b=c\"]".to_string()));
        assert_eq!(start_options("rw,,x", &old), Err("invalid tmpfs option [\"x\"]".to_string()));
        assert_eq!(start_options("rw,,size=1m", &new), Err("invalid tmpfs option \"\"".to_string()));
        assert_eq!(start_options("say\"hi", &new), Err("invalid tmpfs option \"say\\\"hi\"".to_string()));
        let at_29_5 = Context { versions: "29.5.0".parse().unwrap(), ..Context::default() };
        assert_eq!(start_options("foobar", &at_29_5), Err("invalid tmpfs option [\"foobar\"]".to_string()));
        let at_29_6 = Context { versions: "29.6.0".parse().unwrap(), ..Context::default() };
        assert_eq!(start_options("foobar", &at_29_6), Err("invalid tmpfs option \"foobar\"".to_string()));
    }

    #[test]
    fn sizes_are_formatted_with_the_largest_exact_unit() {
        assert_eq!(format_size(1 << 30), "1g");
        assert_eq!(format_size(3 << 29), "1536m");
        assert_eq!(format_size(65536), "64k");
        assert_eq!(format_size(1000), "1000");
        assert_eq!(format_size(1536), "1536");
        assert_eq!(format_size(2 << 20), "2m");
        assert_eq!(format_size(-(1 << 20)), "-1m");
        assert_eq!(format_size(i64::MIN), "-8589934592g");
    }

    #[test]
    fn model_of_a_value() {
        let value = "/t:ro,size=64m,mode=1777,exec,size=10%,rw";
        let mount = to_model(value, &newest()).unwrap();
        assert_eq!(mount.kind, MountKind::Tmpfs);
        assert_eq!(mount.syntax, SyntaxKind::TmpfsFlag);
        assert_eq!(mount.target, "/t");
        assert!(!mount.read_only, "the last of ro/rw wins");
        let tmpfs = mount.rare.tmpfs.clone().unwrap();
        assert_eq!(tmpfs.size_bytes, None, "size=10% is not a byte count");
        assert_eq!(tmpfs.mode, Some(0o1777));
        assert_eq!(tmpfs.options, ["ro", "size=64m", "mode=1777", "exec", "size=10%", "rw"]);
        let at = |field| {
            let span: Span = mount.span_of(field);
            &value[span.start..span.end]
        };
        assert_eq!(at(Field::Target), "/t");
        assert_eq!(at(Field::ReadOnly), "rw");
        assert_eq!(at(Field::TmpfsSize), "size=10%");
        assert_eq!(at(Field::TmpfsMode), "mode=1777");
        assert_eq!(at(Field::TmpfsOptions), "ro,size=64m,mode=1777,exec,size=10%,rw");

        let mount = to_model("/run:ro,size=64M,mode=0700", &newest()).unwrap();
        assert!(mount.read_only);
        let tmpfs = mount.rare.tmpfs.clone().unwrap();
        assert_eq!(tmpfs.size_bytes, Some(64 << 20));
        assert_eq!(tmpfs.mode, Some(0o700));

        let mount = to_model("/run", &newest()).unwrap();
        assert_eq!(**mount.rare.tmpfs.as_ref().unwrap(), TmpfsSettings::default());
        assert_eq!(mount.span, Span::new(0, 4));
    }

    #[test]
    fn sizes_and_modes_that_are_not_plain() {
        assert_eq!(parse_size("5k"), Some(5120));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("1000"), Some(1000));
        assert_eq!(parse_size("k"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("1t"), None);
        assert_eq!(parse_size("1é"), None);
        assert_eq!(parse_size("99999999999999999999g"), None);
        assert_eq!(parse_size("17179869184g"), None, "overflows u64");
        assert_eq!(parse_octal("0999"), None);
        assert_eq!(parse_octal(""), None);
        assert_eq!(parse_octal("777777777777"), None);
    }
}
