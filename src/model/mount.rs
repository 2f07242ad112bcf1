//! The one semantic mount model every syntax lands in.
//!
//! A [`Mount`] says what a storage item *means*, whatever it was written as: the kind of
//! mount, what it mounts where, and every option, each with the span of the text it came
//! from. Rules, translation and explanations work on this, never on a syntax's AST.

use crate::span::Span;
use serde::Serialize;
use std::collections::BTreeMap;

/// The syntax a storage item was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyntaxKind {
    /// `-v` / `--volume`
    VolumeFlag,
    /// `--mount`
    MountFlag,
    /// `--tmpfs`
    TmpfsFlag,
    /// Dockerfile `VOLUME`
    DockerfileVolume,
    /// Dockerfile `RUN --mount=...` (a build-time mount)
    BuildMount,
    /// compose `volumes:` short syntax (`- ./a:/b:ro`)
    ComposeShort,
    /// compose `volumes:` long syntax (`- type: bind ...`)
    ComposeLong,
    /// compose service `tmpfs:`
    ComposeTmpfs,
}

/// The kind of a mount, as Docker names it (`Type` in the API and in `docker inspect`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    Bind,
    Volume,
    Tmpfs,
    Npipe,
    Image,
    Cluster,
    /// A type Docker does not know (`type=foo`): the Engine rejects it.
    #[serde(untagged)]
    Other(String),
}

impl MountKind {
    pub fn from_api(name: &str) -> MountKind {
        match name {
            "bind" => MountKind::Bind,
            "volume" => MountKind::Volume,
            "tmpfs" => MountKind::Tmpfs,
            "npipe" => MountKind::Npipe,
            "image" => MountKind::Image,
            "cluster" => MountKind::Cluster,
            other => MountKind::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            MountKind::Bind => "bind",
            MountKind::Volume => "volume",
            MountKind::Tmpfs => "tmpfs",
            MountKind::Npipe => "npipe",
            MountKind::Image => "image",
            MountKind::Cluster => "cluster",
            MountKind::Other(name) => name,
        }
    }
}

/// A field of the model, to say where in the text each value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Field {
    Kind,
    Source,
    Target,
    Mode,
    ReadOnly,
    Propagation,
    Selinux,
    NoCopy,
    Subpath,
    Consistency,
    Driver,
    DriverOpt,
    Label,
    TmpfsSize,
    TmpfsMode,
    TmpfsOptions,
    BindRecursive,
    CreateHostPath,
}

/// tmpfs settings, in whichever form the syntax allows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TmpfsSettings {
    /// Size in bytes (`--mount tmpfs-size`, compose `tmpfs.size`).
    pub size_bytes: Option<u64>,
    /// Permission bits (`tmpfs-mode`, compose `tmpfs.mode`).
    pub mode: Option<u32>,
    /// mount(8)-style options as written (`--tmpfs /run:size=64m,exec`), in order.
    pub options: Vec<String>,
}

/// One storage item, whatever syntax it was written in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mount {
    pub syntax: SyntaxKind,
    pub kind: MountKind,
    /// Bind: the host path (made absolute as the client does); volume: its name; `None`
    /// for an anonymous volume or a tmpfs.
    pub source: Option<String>,
    /// The container path as written (not cleaned).
    pub target: String,
    pub read_only: bool,
    /// Bind propagation as written (`rslave`...), `None` when not given.
    pub propagation: Option<String>,
    /// SELinux relabel: `z` (shared) or `Z` (private).
    pub selinux: Option<String>,
    /// Do not copy the image's files into a new empty volume.
    pub nocopy: bool,
    /// The options few mounts have (a sub-path, a driver and its options, labels, tmpfs
    /// settings...), read as fields of [`RareOptions`].
    #[serde(flatten)]
    pub rare: Rare,
    /// Whether a missing bind source is created (`-v`: yes; `--mount`: only with
    /// `bind-create-src`; compose long syntax: `bind.create_host_path`).
    pub create_host_path: Option<bool>,
    /// The raw mode string of `-v` (`ro,Z`) or compose short syntax, as written.
    pub mode: Option<String>,
    /// The whole item's span in the text it was read from.
    pub span: Span,
    /// Where each field came from.
    pub provenance: Provenance,
}

/// The options of a mount that most mounts do not have.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RareOptions {
    pub subpath: Option<String>,
    pub consistency: Option<String>,
    /// Volume driver (per mount, or the container-wide `--volume-driver`).
    pub driver: Option<String>,
    pub driver_opts: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub tmpfs: Option<Box<TmpfsSettings>>,
    /// `--mount bind-recursive=...` (`enabled`, `disabled`, `writable`, `readonly`).
    pub bind_recursive: Option<String>,
}

/// No rare option set: what [`Rare`] reads as until one is written.
static NO_RARE_OPTIONS: RareOptions = RareOptions {
    subpath: None,
    consistency: None,
    driver: None,
    driver_opts: BTreeMap::new(),
    labels: BTreeMap::new(),
    tmpfs: None,
    bind_recursive: None,
};

/// A mount's [`RareOptions`], kept on the heap only once one is set: a mount without
/// them costs one pointer where they took 150 bytes, and a command of 100,000 mounts
/// paid that 100,000 times. Reads and writes go through `Deref`/`DerefMut`
/// (`mount.rare.subpath`), a write making room for them.
#[derive(Clone, Debug, Default)]
pub struct Rare(Option<Box<RareOptions>>);

impl std::ops::Deref for Rare {
    type Target = RareOptions;

    fn deref(&self) -> &RareOptions {
        self.0.as_deref().unwrap_or(&NO_RARE_OPTIONS)
    }
}

impl std::ops::DerefMut for Rare {
    fn deref_mut(&mut self) -> &mut RareOptions {
        self.0.get_or_insert_with(Box::default)
    }
}

/// Room is made only when some option is set.
impl From<RareOptions> for Rare {
    fn from(options: RareOptions) -> Rare {
        Rare((options != NO_RARE_OPTIONS).then(|| Box::new(options)))
    }
}

/// Equal when the options are, whether or not room was made for them.
impl PartialEq for Rare {
    fn eq(&self, other: &Rare) -> bool {
        **self == **other
    }
}

impl Eq for Rare {}

impl Serialize for Rare {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl Mount {
    /// A mount of `kind` at `target` with every option unset.
    pub fn new(syntax: SyntaxKind, kind: MountKind, target: impl Into<String>, span: Span) -> Mount {
        Mount {
            syntax,
            kind,
            source: None,
            target: target.into(),
            read_only: false,
            propagation: None,
            selinux: None,
            nocopy: false,
            rare: Rare::default(),
            create_host_path: None,
            mode: None,
            span,
            provenance: Provenance::default(),
        }
    }

    /// An anonymous volume: a volume with no name, new for every container.
    pub fn is_anonymous_volume(&self) -> bool {
        self.kind == MountKind::Volume && self.source.as_deref().is_none_or(str::is_empty)
    }

    /// The span of one field, or of the whole item when the field was not written.
    pub fn span_of(&self, field: Field) -> Span {
        self.provenance.get(&field).copied().unwrap_or(self.span)
    }
}

/// Where each field of a mount came from: a few `(field, span)` pairs kept sorted by
/// field, in a plain vector. A mount has two to five of them, and a map's node took
/// 200 bytes apiece, which a line of 100,000 mounts pays 100,000 times.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    spans: Vec<(Field, Span)>,
}

impl Provenance {
    fn position(&self, field: Field) -> Result<usize, usize> {
        self.spans.binary_search_by(|(f, _)| f.cmp(&field))
    }

    /// Records where `field` came from; returns the span it replaces, if any.
    pub fn insert(&mut self, field: Field, span: Span) -> Option<Span> {
        match self.position(field) {
            Ok(at) => Some(std::mem::replace(&mut self.spans[at].1, span)),
            Err(at) => {
                // Room for two at first (an image volume has two), not the vector's four.
                if self.spans.capacity() == 0 {
                    self.spans.reserve_exact(2);
                }
                self.spans.insert(at, (field, span));
                None
            }
        }
    }

    pub fn get(&self, field: &Field) -> Option<&Span> {
        self.position(*field).ok().map(|at| &self.spans[at].1)
    }

    pub fn contains_key(&self, field: &Field) -> bool {
        self.position(*field).is_ok()
    }

    pub fn clear(&mut self) {
        self.spans.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The fields and their spans, in the order of [`Field`].
    pub fn iter(&self) -> impl Iterator<Item = (&Field, &Span)> {
        self.spans.iter().map(|(field, span)| (field, span))
    }

    pub fn values(&self) -> impl Iterator<Item = &Span> {
        self.spans.iter().map(|(_, span)| span)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Span> {
        self.spans.iter_mut().map(|(_, span)| span)
    }
}

impl<'a> IntoIterator for &'a Provenance {
    type Item = (&'a Field, &'a Span);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (Field, Span)>, fn(&'a (Field, Span)) -> (&'a Field, &'a Span)>;

    fn into_iter(self) -> Self::IntoIter {
        self.spans.iter().map(|(field, span)| (field, span))
    }
}

/// Serialized as the map it stands for: `{"source": {"start": 3, "end": 7}, ...}`.
impl Serialize for Provenance {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume() -> Mount {
        Mount::new(SyntaxKind::MountFlag, MountKind::Volume, "/data", Span::new(0, 10))
    }

    #[test]
    fn rare_options_take_room_only_once_one_is_set() {
        let plain = volume();
        assert!(plain.rare.0.is_none());
        assert_eq!(plain.rare.subpath, None);
        assert!(plain.rare.driver_opts.is_empty());

        let mut with_subpath = volume();
        with_subpath.rare.subpath = Some("sub".into());
        assert!(with_subpath.rare.0.is_some());
        assert_eq!(with_subpath.rare.subpath.as_deref(), Some("sub"));
        assert_ne!(plain, with_subpath);

        // Room made and nothing set is the same as no room.
        let mut touched = volume();
        touched.rare.subpath = None;
        assert!(touched.rare.0.is_some());
        assert_eq!(plain, touched);
        assert!(Rare::from(RareOptions::default()).0.is_none());
        assert!(Rare::from(RareOptions { consistency: Some("cached".into()), ..RareOptions::default() }).0.is_some());
    }

    #[test]
    fn rare_options_serialize_as_fields_of_the_mount_in_their_place() {
        let mut mount = volume();
        mount.rare.driver = Some("local".into());
        let json = serde_json::to_value(&mount).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "syntax",
                "kind",
                "source",
                "target",
                "read_only",
                "propagation",
                "selinux",
                "nocopy",
                "subpath",
                "consistency",
                "driver",
                "driver_opts",
                "labels",
                "tmpfs",
                "bind_recursive",
                "create_host_path",
                "mode",
                "span",
                "provenance"
            ]
        );
        assert_eq!(json["driver"], "local");
        assert_eq!(serde_json::to_value(volume()).unwrap()["driver"], serde_json::Value::Null);
    }

    #[test]
    fn provenance_keeps_one_span_per_field_in_field_order() {
        let mut provenance = Provenance::default();
        assert_eq!(provenance.insert(Field::Target, Span::new(5, 9)), None);
        assert_eq!(provenance.insert(Field::Kind, Span::new(0, 4)), None);
        assert_eq!(provenance.insert(Field::Target, Span::new(6, 9)), Some(Span::new(5, 9)));
        assert!(provenance.contains_key(&Field::Kind) && !provenance.contains_key(&Field::Source));
        assert_eq!(provenance.get(&Field::Target), Some(&Span::new(6, 9)));
        assert_eq!(provenance.get(&Field::Kind), Some(&Span::new(0, 4)));
        let fields: Vec<Field> = provenance.iter().map(|(field, _)| *field).collect();
        assert_eq!(fields, [Field::Kind, Field::Target]);
        assert_eq!(
            serde_json::to_string(&provenance).unwrap(),
            r#"{"kind":{"start":0,"end":4},"target":{"start":6,"end":9}}"#
        );
        provenance.clear();
        assert!(provenance.is_empty());
    }
}
