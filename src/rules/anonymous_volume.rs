//! ## What it does
//! Flags an anonymous volume: a volume without a name, as `-v /data`,
//! `--mount type=volume,dst=/data`, compose `- /data` or Dockerfile `VOLUME /data` make.
//!
//! ## Why is this bad?
//! Docker creates a new volume with a random 64-digit name for every container. The data
//! written there looks persistent but is lost track of: it outlives the container (unless
//! `--rm` or `docker rm -v` removes it), yet no new container ever finds it again, and the
//! unnamed volumes pile up on the host. When the data matters the volume needs a name;
//! when it does not, `--rm` or a tmpfs says so.
//!
//! The severity depends on where the volume comes from: a warning on a `docker run` line
//! without `--rm` (the data is silently orphaned); information for `docker run --rm`
//! (deleted with the container), compose (which re-attaches a service's anonymous volumes
//! when it re-creates the container) and a Dockerfile `VOLUME` (often deliberate: it keeps
//! the data out of the container's writable layer). A volume with driver options or a
//! plugin driver (`volume-opt=device=/dev/sdb1`) is not reported: its data lives
//! elsewhere. An anonymous volume nested inside
//! another mount of the same command (`-v "$PWD":/app -v /app/node_modules`) is the
//! well-known way to keep the image's files at that sub-path, and is not reported. The
//! words of a malformed JSON array or of a trailing comment in a `VOLUME` are left to
//! `volume-json-malformed` and `comment-in-volume`.
//!
//! ## Example
//! ```sh
//! docker run -d -v /var/lib/postgresql/data postgres
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -d -v pgdata:/var/lib/postgresql/data postgres
//! ```
//!
//! ## Fix safety
//! No fix: only the author can name the volume.

use super::volume_words::NonPathWords;
use super::{Document, Finding, Item, Rule, Severity};
use crate::model::mount::{Field, SyntaxKind};
use crate::model::paths::{clean, cleaned};
use std::borrow::Cow;

pub const RULE: Rule = Rule {
    code: "DM001",
    name: "anonymous-volume",
    severity: Severity::Warning,
    source: include_str!("anonymous_volume.rs"),
    check,
    covers: None,
};

fn check(document: &Document) -> Vec<Finding> {
    // At most one finding per item, and each item may have one: room made once, not
    // regrown over 100,000 image volumes.
    let mut findings = Vec::with_capacity(document.items.len());
    let non_path_words = NonPathWords::of(document);
    let targets = TargetsByGroup::of(document);
    for item in &document.items {
        let mount = &item.mount;
        let syntax_counts = matches!(
            mount.syntax,
            SyntaxKind::VolumeFlag
                | SyntaxKind::MountFlag
                | SyntaxKind::ComposeShort
                | SyntaxKind::ComposeLong
                | SyntaxKind::DockerfileVolume
        );
        // A relative, empty or root target is `invalid-target`'s (or
        // `drive-letter-volume-name`'s) business; an item Docker refuses creates nothing.
        if !syntax_counts
            || !mount.is_anonymous_volume()
            || !mount.target.starts_with('/')
            || clean(&mount.target) == "/"
        {
            continue;
        }
        // With driver options (`volume-opt=device=...`) or a plugin driver the data lives
        // elsewhere, and the volume is only the way to reach it.
        let elsewhere =
            !mount.rare.driver_opts.is_empty() || mount.rare.driver.as_deref().is_some_and(|d| d != "local");
        if elsewhere || item.known_error().is_some() || targets.has_one_strictly_above(item) {
            continue;
        }
        // A word of a broken JSON array or of a trailing comment is another rule's finding.
        if mount.syntax == SyntaxKind::DockerfileVolume && non_path_words.contains(item.span) {
            continue;
        }
        let auto_remove = document.group_of(item).is_some_and(|g| g.auto_remove);
        let target = &mount.target;
        let (severity, message) = match mount.syntax {
            // The one message every image volume shares (a `VOLUME` may list 100,000 paths):
            // the finding's span shows which path.
            SyntaxKind::DockerfileVolume => (
                Severity::Info,
                Cow::Borrowed("every container of this image gets a new anonymous volume at this path unless something is mounted there: its data is kept after the container is removed, but no new container finds it again"),
            ),
            SyntaxKind::ComposeShort | SyntaxKind::ComposeLong => (
                Severity::Info,
                Cow::Owned(format!(
                    "`{target}` gets an anonymous volume: compose re-attaches it when it re-creates the container, but it has no name to back up, share or find again, and `down -v` deletes it"
                )),
            ),
            _ if auto_remove => (
                Severity::Info,
                Cow::Owned(format!(
                    "`{target}` gets an anonymous volume that `--rm` deletes with the container: nothing written there is kept (a tmpfs says so more plainly)"
                )),
            ),
            _ => (
                Severity::Warning,
                Cow::Owned(format!(
                    "`{target}` gets an anonymous volume with a random name: its data outlives the container, but no new container finds it again; name the volume (`NAME:{target}`) to keep the data, or add `--rm` if it is scratch space"
                )),
            ),
        };
        findings.push(super::Finding { severity, ..RULE.finding(mount.span_of(Field::Target), message, None) });
    }
    findings
}

/// The cleaned absolute targets (other than `/`) of each group, to tell when another mount
/// of the same group holds a target strictly inside its own (`-v "$PWD":/app -v
/// /app/node_modules`): the anonymous volume is there on purpose, to keep the image's
/// files at that sub-path. A lookup per parent directory, not a scan of every mount: the
/// items' indexes sorted by group and cleaned target, a word per mount.
struct TargetsByGroup<'a> {
    items: &'a [Item],
    sorted: Vec<usize>,
}

impl<'a> TargetsByGroup<'a> {
    fn of(document: &'a Document) -> TargetsByGroup<'a> {
        let items = document.items.as_slice();
        let mut sorted: Vec<usize> = (0..items.len())
            .filter(|&i| {
                let target = cleaned(&items[i].mount.target);
                target.starts_with('/') && target != "/"
            })
            .collect();
        sorted.sort_unstable_by(|&a, &b| Self::key(&items[a]).cmp(&Self::key(&items[b])));
        TargetsByGroup { items, sorted }
    }

    fn key(item: &Item) -> (usize, Cow<'_, str>) {
        (item.group, cleaned(&item.mount.target))
    }

    fn has_one_strictly_above(&self, item: &Item) -> bool {
        let target = cleaned(&item.mount.target);
        let mut parent = target.as_ref();
        while let Some(slash) = parent.rfind('/') {
            parent = &parent[..slash];
            if parent.is_empty() {
                return false;
            }
            let wanted = (item.group, Cow::Borrowed(parent));
            if self.sorted.binary_search_by(|&i| Self::key(&self.items[i]).cmp(&wanted)).is_ok() {
                return true;
            }
        }
        false
    }
}
