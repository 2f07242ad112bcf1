//! `explain`: plain, correct words for what each storage item does, and Docker's verdict.
//!
//! The sentences are built from the semantic [`Mount`] only, so that a `-v`, a `--mount`
//! and a compose entry that mean the same thing are explained the same way. They say what
//! persists, where, who can write, and what `--rm` does — the points popular tutorials get
//! wrong (bind-mounted data does outlive the container; an image's `VOLUME` is seeded with
//! the image's files, it is not empty).

use crate::model::engine::{self, FlagKind, RunInput};
use crate::model::mount::{Mount, MountKind, SyntaxKind};
use crate::model::verdict::{DockerError, Stage, Verdict};
use crate::model::{mount_flag, tmpfs_flag, volume_flag, Context};
use crate::span::Span;
use crate::syntax::run_line::{RunLine, Word};
use crate::syntax::SyntaxError;
use serde::Serialize;

/// One storage item of a command line, explained.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub syntax: SyntaxKind,
    /// The flag's value as the program receives it.
    pub text: String,
    /// The value in the input text.
    pub span: Span,
    /// The semantic model (absent only when the value cannot be read at all); its spans
    /// point into the input text.
    pub mount: Option<Mount>,
    pub explanation: String,
    /// Docker's verdict on this item alone (with the command's `--volume-driver`): the
    /// error it raises, or null.
    pub error: Option<DockerError>,
    /// Shell expansions in the value (`$PWD`, `${DATA:-/x}`, `$(pwd)`), as written: the
    /// shell replaces them before Docker sees the value, and we never guess their values,
    /// so the verdict reads them literally.
    pub expansions: Vec<String>,
    /// For merged compose files: the index of the file the item (and its span) is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<usize>,
}

/// A whole `docker run` line explained.
#[derive(Clone, Debug, Serialize)]
pub struct RunExplanation {
    pub items: Vec<Item>,
    pub engine: Verdict,
    /// Problems reading the line itself (a flag without its value...).
    pub problems: Vec<SyntaxError>,
}

impl RunExplanation {
    /// True when a storage value holds a shell expansion: the real verdict then depends on
    /// what the shell makes of it.
    pub fn depends_on_expansions(&self) -> bool {
        self.items.iter().any(|item| !item.expansions.is_empty())
    }
}

/// Explains every storage flag of a command line and gives Docker's verdict on all of them.
pub fn explain_run(line: &RunLine, ctx: &Context) -> RunExplanation {
    let mut items = Vec::with_capacity(line.storage_flags().count());
    let engine = explain_each(line, ctx, |item| items.push(item));
    RunExplanation { items, engine, problems: line.problems.clone() }
}

/// [`explain_run`] one item at a time, in order: `each` is handed every item as it is
/// made, so that a command of 100,000 flags need not be held explained all at once.
/// Returns Docker's verdict on the whole command.
pub fn explain_each(line: &RunLine, ctx: &Context, mut each: impl FnMut(Item)) -> Verdict {
    let input = RunInput::from_line(line);
    // The whole command's verdict first: its working memory is freed before the items
    // are built.
    let engine = engine::predict(&input, ctx);
    for flag in &line.flags {
        let (Some(word), Some(kind)) = (&flag.value, FlagKind::of_flag(flag.name)) else {
            continue;
        };
        let mount = model_of(kind, &word.value, ctx).map(|m| place(m, word));
        let alone = RunInput {
            flags: vec![engine::StorageFlag { kind, value: word.value.clone(), span: word.span }],
            volume_driver: input.volume_driver.clone(),
            ..RunInput::default()
        };
        let error = engine::predict(&alone, ctx).error;
        let explanation = match (&mount, &error) {
            (_, Some(error)) if error.stage == Stage::Client => {
                "The docker CLI cannot read this value, so nothing is mounted: it refuses the whole command."
                    .to_string()
            }
            (Some(mount), Some(_)) => format!(
                "Docker refuses this, so the container is not created. What it asks for: {}",
                describe(mount, input.auto_remove)
            ),
            (Some(mount), None) => describe(mount, input.auto_remove),
            (None, _) => "Docker cannot read this value.".to_string(),
        };
        let expansions =
            word.variables.iter().filter_map(|v| line.text.get(v.span.start..v.span.end).map(String::from)).collect();
        each(Item {
            syntax: syntax_of(kind),
            text: word.value.clone(),
            span: word.span,
            mount,
            explanation,
            error,
            expansions,
            file: None,
        });
    }
    engine
}

fn syntax_of(kind: FlagKind) -> SyntaxKind {
    match kind {
        FlagKind::Volume => SyntaxKind::VolumeFlag,
        FlagKind::Mount => SyntaxKind::MountFlag,
        FlagKind::Tmpfs => SyntaxKind::TmpfsFlag,
    }
}

pub(crate) fn model_of(kind: FlagKind, value: &str, ctx: &Context) -> Option<Mount> {
    match kind {
        FlagKind::Volume => volume_flag::to_model(value, ctx),
        FlagKind::Mount => mount_flag::to_model(value, ctx),
        FlagKind::Tmpfs => tmpfs_flag::to_model(value, ctx),
    }
}

/// Moves a model's spans (relative to the flag value) into the command line's text.
pub(crate) fn place(mut mount: Mount, word: &Word) -> Mount {
    mount.span = word.span;
    for span in mount.provenance.values_mut() {
        *span = word.source_span(*span);
    }
    mount
}

fn code(text: &str) -> String {
    format!("`{text}`")
}

/// A plain description of what a mount does.
pub fn describe(mount: &Mount, auto_remove: bool) -> String {
    if mount.syntax == SyntaxKind::BuildMount {
        return describe_build_mount(mount);
    }
    let mut sentences = Vec::new();
    let access = if mount.read_only { "read-only" } else { "read-write" };
    let target = code(&mount.target);
    match &mount.kind {
        MountKind::Bind if mount.source.as_deref().is_none_or(str::is_empty) => {
            sentences
                .push(format!("Bind mount at {target} with no host path: a bind needs one, so Docker refuses it."));
        }
        MountKind::Bind => {
            let source = mount.source.as_deref().unwrap_or("");
            sentences.push(format!(
                "Bind mount: the host path {} appears at {target} in the container, {access}.",
                code(source)
            ));
            sentences.push(
                "The files live on the host: changes on either side show on the other, and they outlive the container (`--rm` and `docker rm -v` never delete them)."
                    .to_string(),
            );
            match mount.create_host_path {
                Some(true) => sentences.push(format!(
                    "If {} does not exist, Docker creates it as an empty directory owned by root when the container starts.",
                    code(source)
                )),
                Some(false) => sentences.push(format!(
                    "If {} does not exist on the Docker host, Docker refuses to create the container.",
                    code(source)
                )),
                None => {}
            }
        }
        MountKind::Volume if mount.is_anonymous_volume() => {
            if mount.syntax == SyntaxKind::DockerfileVolume {
                sentences.push(format!(
                    "The image declares {target} a volume: every container made from it gets a new anonymous volume there (unless something else is mounted at that path), {access}."
                ));
            } else {
                sentences.push(format!(
                    "Anonymous volume at {target}, {access}: a new volume with a random name, made for this container only."
                ));
            }
            sentences.push(seeding(mount));
            if auto_remove {
                sentences.push("With `--rm` it is deleted together with the container.".to_string());
            } else {
                sentences.push(
                    "It survives the container's removal (unless `docker rm -v` or `--rm` is used) but no new container reuses it: its data is easy to lose track of."
                        .to_string(),
                );
            }
        }
        MountKind::Volume => {
            let name = mount.source.as_deref().unwrap_or("");
            let driver = mount.rare.driver.as_deref().unwrap_or("local");
            sentences.push(format!(
                "Named volume {} (driver {}) mounted at {target}, {access}; Docker creates it if it does not exist yet.",
                code(name),
                code(driver)
            ));
            sentences.push(
                "Its data lives in Docker's storage and outlives the container: `--rm` and `docker rm -v` never delete a named volume; any container naming it shares it."
                    .to_string(),
            );
            sentences.push(seeding(mount));
        }
        MountKind::Tmpfs => {
            sentences.push(format!(
                "tmpfs at {target}, {access}: a file system in memory, empty when the container starts and gone when it stops; nothing written there reaches the disk or outlives the container."
            ));
            if let Some(settings) = &mount.rare.tmpfs {
                if let Some(size) = settings.size_bytes {
                    sentences.push(format!("Its size is limited to {size} bytes."));
                } else if let Some(size) = settings.options.iter().find_map(|o| o.strip_prefix("size=")) {
                    sentences.push(format!("Its size is limited to {}.", code(size)));
                } else {
                    sentences.push("No size is set: it may grow up to half of the host's memory.".to_string());
                }
                if settings.options.iter().any(|o| o == "exec") {
                    sentences.push("Programs stored there may be executed (`exec`).".to_string());
                } else {
                    sentences
                        .push("Programs stored there cannot be executed (`noexec` is Docker's default).".to_string());
                }
            }
        }
        MountKind::Image => {
            sentences.push(format!(
                "Image mount: the files of image {} appear at {target}, read-only.",
                code(mount.source.as_deref().unwrap_or(""))
            ));
        }
        MountKind::Npipe => {
            sentences.push(format!(
                "Named pipe {} of the Windows host appears at {target}.",
                code(mount.source.as_deref().unwrap_or(""))
            ));
        }
        MountKind::Cluster => sentences.push(format!("Cluster volume mounted at {target} (Swarm only).")),
        MountKind::Other(kind) => {
            sentences.push(format!("A mount of type {} at {target}: Docker knows no such type.", code(kind)))
        }
    }
    if mount.syntax == SyntaxKind::ComposeShort {
        if let Some(mode) = &mount.mode {
            const KNOWN: [&str; 14] = [
                "ro",
                "rw",
                "z",
                "Z",
                "nocopy",
                "shared",
                "rshared",
                "slave",
                "rslave",
                "private",
                "rprivate",
                "consistent",
                "cached",
                "delegated",
            ];
            let ignored: Vec<&str> = mode.split(',').filter(|t| !t.is_empty() && !KNOWN.contains(t)).collect();
            if !ignored.is_empty() {
                sentences.push(format!(
                    "Note: compose silently ignores {}: it is not an option it knows{}.",
                    ignored.iter().map(|t| code(t)).collect::<Vec<_>>().join(", "),
                    if ignored.iter().any(|t| t.eq_ignore_ascii_case("ro") || *t == "readonly") {
                        ", so the mount is read-write"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    if let Some(note) = odd_target(&mount.target) {
        sentences.push(note);
    }
    if let Some(propagation) = &mount.propagation {
        sentences.push(format!("Mount propagation {}: {}.", code(propagation), propagation_meaning(propagation)));
    }
    match mount.selinux.as_deref() {
        Some("z") => sentences.push(
            "`z`: on SELinux hosts Docker relabels the host files so that all containers may share them.".to_string(),
        ),
        Some("Z") => sentences.push(
            "`Z`: on SELinux hosts Docker relabels the host files for this container only; other containers and host processes may lose access."
                .to_string(),
        ),
        _ => {}
    }
    if let Some(consistency) = &mount.rare.consistency {
        sentences.push(format!(
            "Consistency {}: ignored by Linux engines (it only mattered for Docker Desktop on macOS).",
            code(consistency)
        ));
    }
    if let Some(subpath) = &mount.rare.subpath {
        sentences.push(format!("Only the subdirectory {} of the volume is mounted.", code(subpath)));
    }
    sentences.join(" ")
}

fn seeding(mount: &Mount) -> String {
    if mount.nocopy {
        "It starts empty: `nocopy` stops Docker from copying the image's files into it.".to_string()
    } else {
        format!(
            "When the volume is new and empty, Docker first copies into it whatever the image has at {}.",
            code(&mount.target)
        )
    }
}

fn propagation_meaning(propagation: &str) -> &'static str {
    match propagation {
        "shared" | "rshared" => "mounts made on either side under this path show on the other side",
        "slave" | "rslave" => "mounts made on the host under this path show in the container, not the other way",
        "private" | "rprivate" => "mounts made on either side stay on that side",
        _ => "not a propagation mode Docker knows",
    }
}

/// Targets that almost certainly do not say what their author meant.
fn odd_target(target: &str) -> Option<String> {
    for option in ["ro", "rw", "z", "Z", "readonly", "nocopy"] {
        if target.ends_with(&format!(",{option}")) {
            let effect = if matches!(option, "ro" | "readonly") {
                "so the mount is read-write, not read-only".to_string()
            } else {
                format!("so `{option}` has no effect")
            };
            return Some(format!(
                "Note: the container path is {}, comma and all: Docker does not read `,{option}` as an option, {effect}.",
                code(target)
            ));
        }
    }
    let mut chars = target.chars();
    let drive_letter = matches!((chars.next(), chars.next()), (Some(c), Some(':')) if c.is_alphabetic());
    if drive_letter {
        return Some(format!(
            "Note: the docker CLI reads a single letter before `:` as a Windows drive, so the whole {} is taken as one container path, not as `source:target`; a one-letter volume name cannot be written with `-v`.",
            code(target)
        ));
    }
    if !target.starts_with('/') && !target.is_empty() {
        return Some(format!("Note: {} is not an absolute container path.", code(target)));
    }
    None
}

/// The whole input's text, for showing snippets.
pub fn input_text(line: &RunLine) -> &str {
    &line.text
}

/// One compose service explained.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceExplanation {
    pub name: String,
    pub items: Vec<Item>,
    /// What `docker compose` sends to the Engine for this service.
    pub request: ServiceRequestView,
    /// The Engine's verdict on that request.
    pub engine: Verdict,
}

/// The storage part of the Engine request of a compose service, with Docker's names.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceRequestView {
    #[serde(rename = "Binds")]
    pub binds: Vec<String>,
    #[serde(rename = "Mounts")]
    pub mounts: Vec<crate::model::request::ApiMount>,
    #[serde(rename = "Tmpfs")]
    pub tmpfs: std::collections::BTreeMap<String, String>,
}

/// A compose project explained: every service's mounts in plain words, and what the
/// Engine makes of what compose asks for.
#[derive(Clone, Debug, Serialize)]
pub struct ComposeExplanation {
    pub services: Vec<ServiceExplanation>,
    /// Compose's own errors (it refuses the file), first the one it prints.
    pub errors: Vec<crate::model::compose::ComposeError>,
    pub warnings: Vec<crate::model::compose::ComposeWarning>,
}

/// Explains a loaded compose project; `text` is the text of its first file (spans point
/// into it).
pub fn explain_compose(
    project: &crate::model::compose::ComposeProject,
    texts: &[&str],
    ctx: &Context,
) -> ComposeExplanation {
    let mut services = Vec::new();
    for service in &project.services {
        let request = crate::model::request::CreateRequest {
            binds: service.request.binds.clone(),
            mounts: service.request.mounts.clone(),
            tmpfs: service.request.tmpfs.clone(),
            ..Default::default()
        };
        let engine = engine::predict_request(&request, ctx);
        let items = service
            .mounts
            .iter()
            .map(|item| {
                let mount = &item.mount;
                let written = texts.get(item.file).and_then(|text| text.get(mount.span.start..mount.span.end));
                let mut explanation = describe(mount, false);
                for warning in &item.warnings {
                    explanation.push_str(&format!(" Compose warns: {warning}"));
                }
                Item {
                    syntax: mount.syntax,
                    text: written.unwrap_or(&mount.target).to_string(),
                    span: mount.span,
                    mount: Some(mount.clone()),
                    explanation,
                    error: None,
                    expansions: Vec::new(),
                    file: (texts.len() > 1).then_some(item.file),
                }
            })
            .collect();
        services.push(ServiceExplanation {
            name: service.name.clone(),
            items,
            request: ServiceRequestView {
                binds: service.request.binds.clone(),
                mounts: service.request.mounts.clone(),
                tmpfs: service.request.tmpfs.clone(),
            },
            engine,
        });
    }
    ComposeExplanation { services, errors: project.errors.clone(), warnings: project.warnings.clone() }
}

/// A `RUN --mount=...` of a Dockerfile: it exists while that one `RUN` runs.
fn describe_build_mount(mount: &Mount) -> String {
    let target = code(&mount.target);
    let option = |key: &str| mount.rare.driver_opts.get(key).map(String::as_str);
    let mut sentences = Vec::new();
    match mount.kind.as_str() {
        "cache" => {
            let id = option("id").unwrap_or(&mount.target);
            sentences.push(format!(
                "Build cache at {target} for this `RUN` only: BuildKit keeps its content between builds (cache id {}), and none of it goes into the image.",
                code(id)
            ));
            if let Some(sharing) = option("sharing") {
                sentences.push(format!("Builds running at the same time share it as {}.", code(sharing)));
            }
        }
        "bind" => {
            let from = option("from").map(|f| format!("the stage or image {}", code(f))).unwrap_or_else(|| "the build context".to_string());
            let source = mount.source.as_deref().unwrap_or(".");
            let access = if mount.read_only { "read-only" } else { "writable, but writes are thrown away afterwards" };
            sentences.push(format!(
                "Bind of {} from {from} at {target} for this `RUN` only, {access}; nothing of it goes into the image.",
                code(source)
            ));
        }
        "tmpfs" => sentences.push(format!("An empty tmpfs at {target} for this `RUN` only; nothing written there goes into the image.")),
        "secret" => {
            let id = option("id").or(mount.source.as_deref()).unwrap_or("?");
            let place = if mount.target.is_empty() { format!("`/run/secrets/{id}`") } else { target.clone() };
            sentences.push(format!(
                "The build secret {} is readable at {place} during this `RUN` only; it is not stored in the image or its history{}.",
                code(id),
                if option("required") == Some("true") { " (the build fails without it)" } else { " (the build goes on without it, unless `required`)" }
            ));
        }
        "ssh" => sentences.push(
            "The SSH agent of the client running the build is reachable during this `RUN` only (for `git clone` over SSH); no key goes into the image.".to_string(),
        ),
        other => sentences.push(format!("A build mount of type {} at {target}: BuildKit knows no such type.", code(other))),
    }
    sentences.join(" ")
}

/// A Dockerfile explained: its image's volumes and its build mounts.
#[derive(Clone, Debug, Serialize)]
pub struct DockerfileExplanation {
    pub items: Vec<Item>,
    pub engine: ImageVerdict,
}

/// What `docker build` makes of the file, for storage: the final image's volumes (as
/// `docker image inspect` shows `.Config.Volumes`), or the builder's error.
#[derive(Clone, Debug, Serialize)]
pub struct ImageVerdict {
    #[serde(rename = "Volumes")]
    pub volumes: Vec<String>,
    /// The base image's own volumes are not known (not a stage of this file).
    pub base_volumes_unknown: bool,
    pub error: Option<ImageError>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ImageError {
    pub message: String,
    pub span: Span,
}

/// Explains a Dockerfile: each image volume (what it means for `docker run`) and each
/// build mount.
pub fn explain_dockerfile(text: &str, ctx: &Context) -> DockerfileExplanation {
    let mut items = Vec::new();
    let engine = read_dockerfile(text, ctx).for_each(|item| items.push(item));
    DockerfileExplanation { items, engine }
}

/// A Dockerfile read for [`explain_dockerfile`]: what the image declares (or the builder's
/// error) is known at once, and [`DockerfileItems::for_each`] then makes the items one at
/// a time, in the order of the file, so that 100,000 image volumes need not be held
/// explained all at once.
pub struct DockerfileItems<'a> {
    pub verdict: ImageVerdict,
    text: &'a str,
    analysis: crate::model::dockerfile::DockerfileAnalysis,
    /// The image's volumes as mounts.
    volume_mounts: Vec<Mount>,
    /// What the Engine does with the image volumes that need a word of their own.
    particular: Vec<crate::model::dockerfile::RuntimeVolume>,
}

pub fn read_dockerfile<'a>(text: &'a str, ctx: &Context) -> DockerfileItems<'a> {
    let mut analysis = crate::model::dockerfile::analyse(text, ctx);
    // Only the mounts, what the Engine does with them and the image's verdict are
    // explained: the `VOLUME` records go once the mounts are made, before the items are.
    let volume_mounts = analysis.volume_mounts().collect();
    analysis.volumes = Vec::new();
    let particular = crate::model::dockerfile::particular_runtime_volumes(&analysis.image_volumes, ctx);
    let error = analysis.error.as_ref().map(|e| ImageError { message: e.display.clone(), span: e.span });
    let verdict = ImageVerdict {
        volumes: std::mem::take(&mut analysis.image_volumes),
        base_volumes_unknown: analysis.base_volumes_unknown,
        error,
    };
    DockerfileItems { verdict, text, analysis, volume_mounts, particular }
}

impl DockerfileItems<'_> {
    /// Hands `each` every item as it is made; returns what the image declares.
    pub fn for_each(self, mut each: impl FnMut(Item)) -> ImageVerdict {
        let DockerfileItems { verdict, text, analysis, volume_mounts, particular } = self;
        // What the Engine does with each image config key that needs a word of its own.
        let mut runtime_of_key = std::collections::HashMap::new();
        for runtime in &particular {
            for key in &runtime.keys {
                runtime_of_key.entry(key.as_str()).or_insert(runtime);
            }
        }
        // Image volumes, then build mounts, in the order of the file.
        let volume_count = volume_mounts.len();
        let mut order: Vec<(usize, usize)> = volume_mounts.iter().map(|m| m.span.start).enumerate().collect();
        order.extend(analysis.build_mounts.iter().enumerate().map(|(i, b)| (volume_count + i, b.span.start)));
        order.sort_by_key(|&(_, start)| start);
        for (index, _) in order {
            if let Some(mount) = volume_mounts.get(index) {
                let mut explanation = describe(mount, false);
                // Only what is particular to this path (a relative path, a start failure); the
                // general notes would repeat on every volume.
                if let Some(runtime) = runtime_of_key.get(mount.target.as_str()) {
                    for note in runtime.notes.iter().filter(|n| !n.starts_with("if the image has a file")) {
                        let mut chars = note.chars();
                        let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
                        explanation.push_str(&format!(" Note: {first}{}.", chars.as_str().trim_end_matches('.')));
                    }
                }
                each(Item {
                    syntax: mount.syntax,
                    text: text.get(mount.span.start..mount.span.end).unwrap_or(&mount.target).to_string(),
                    span: mount.span,
                    mount: Some(mount.clone()),
                    explanation,
                    error: None,
                    expansions: Vec::new(),
                    file: None,
                });
            } else if let Some(build) = analysis.build_mounts.get(index - volume_count) {
                each(Item {
                    syntax: SyntaxKind::BuildMount,
                    text: build.value.clone(),
                    span: build.span,
                    mount: Some(build.mount.clone()),
                    explanation: describe(&build.mount, false),
                    error: build.error.as_ref().map(|e| DockerError::client(e.display.clone())),
                    expansions: Vec::new(),
                    file: None,
                });
            }
        }
        verdict
    }
}
