//! Emits a `--tmpfs` value (spec run-flags §4.4).
//!
//! Canonical form: `PATH[:OPTIONS]`. Options read from a `--tmpfs` value are kept exactly
//! as written (the Engine passes them to the kernel, and `size=10%` or `uid=1000` mean
//! something only there); a `--mount type=tmpfs` becomes `[ro,]mode=M,size=N`, the order
//! and size format the Engine itself uses for it.

use super::{Emitted, Item};
use crate::model::mount::{Field, MountKind};
use crate::model::tmpfs_flag::format_size;

pub fn emit(item: &Item) -> Emitted {
    let mount = item.mount;
    if mount.kind != MountKind::Tmpfs {
        return Err(vec![
            item.note_at(Field::Kind, format!("`--tmpfs` only makes tmpfs mounts, not `{}`", mount.kind.as_str()))
        ]);
    }
    let path = mount.target.as_str();
    if path.contains(':') {
        return Err(vec![item.note_at(
            Field::Target,
            format!("the container path `{path}` holds a `:`: `--tmpfs` cuts the value at its first `:`"),
        )]);
    }
    let settings = mount.rare.tmpfs.clone().unwrap_or_default();
    let options: Vec<String> = match item.kind {
        crate::model::engine::FlagKind::Tmpfs => settings.options.clone(),
        _ => {
            let mut options = Vec::new();
            if mount.read_only {
                options.push("ro".to_string());
            }
            if let Some(mode) = settings.mode {
                options.push(format!("mode={mode:o}"));
            }
            if let Some(size) = settings.size_bytes.and_then(|s| i64::try_from(s).ok()).filter(|s| *s > 0) {
                options.push(format!("size={}", format_size(size)));
            }
            options
        }
    };
    let value = if options.is_empty() { path.to_string() } else { format!("{path}:{}", options.join(",")) };
    Ok((value, Vec::new()))
}
