//! What the builder makes of a Dockerfile, for storage: image volumes, build mounts,
//! and the facts around them.
//!
//! [`analyse`] reads a Dockerfile with [`crate::syntax::dockerfile`], then does what the
//! builder does next, in its order: checks each instruction (argument counts, flags),
//! assembles the stages, and dispatches the stages the build needs with their
//! environment (`ARG`/`ENV` scoping, the builder's word expansion) — enough to resolve
//! every `VOLUME` to the paths the image config gets, and every `RUN --mount` to a
//! build-time [`Mount`]. Errors come with the builder's own text and a span.
//!
//! Two builders read Dockerfiles and they differ ([`Builder`]): the classic builder of
//! the Engine and BuildKit. Each vendors a Dockerfile parser whose generation follows
//! the Engine release ([`Frontend`]). The analysis is done for the builder the
//! versions select, and [`DockerfileAnalysis::outcomes`] says what each builder would
//! produce when they differ.
//!
//! Not done here: executing `RUN`, reading base images (their volumes and environment
//! are unknown unless given in [`BuildOptions::images`] or the base is a stage of the
//! same file), or linting (rules use the facts this module reports).

use super::context::{Context, Platform};
use super::mount::{Field, Mount, MountKind, SyntaxKind, TmpfsSettings};
use super::paths;
use super::version::{DockerVersions, Version};
use crate::span::Span;
use crate::syntax::dockerfile::shell::{Lexer, LexerGen};
use crate::syntax::dockerfile::{self as syntax, Args, Dockerfile, Flag, Instruction, ParseOptions, Word};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Which builder runs the Dockerfile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Builder {
    /// The Engine's legacy builder (`DOCKER_BUILDKIT=0`, Windows daemons).
    Classic,
    /// BuildKit (the default of CLI ≥ 23 on Linux).
    Buildkit,
}

/// The Dockerfile reader a builder uses, by generation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Frontend {
    /// Where it comes from, for messages (`built into Engine 20.10 (BuildKit v0.8)`).
    pub source: String,
    pub parse: ParseOptions,
    pub lexer: LexerGen,
    /// Error wording of Dockerfile frontend ≥ 1.3 (`dockerfile parse error on line N:`,
    /// `unknown flag: --x`); older: `dockerfile parse error line N:`, `Unknown flag: x`.
    pub new_messages: bool,
    /// `RUN --network` and `RUN --security` are known flags (BuildKit ≥ v0.10).
    pub run_network_flags: bool,
    /// The BuildKit minor release (`v0.<minor>`) whose Dockerfile frontend this is;
    /// `RUN --mount` reading changed with it (see [`Run::build_mount`]).
    pub buildkit_minor: u32,
    /// The `-labs` channel (`# syntax=docker/dockerfile:1.x-labs`): some flags early.
    pub labs: bool,
}

/// The BuildKit release an Engine vendors (moby's `vendor.mod`), as (minor, patch) of v0.x.
fn vendored_buildkit(engine: Version) -> (u32, &'static str) {
    const TABLE: &[((u32, u32), u32, &str)] = &[
        ((29, 7), 32, "v0.32"),
        ((29, 6), 31, "v0.31"),
        ((29, 5), 30, "v0.30"),
        ((29, 4), 29, "v0.29"),
        ((29, 3), 28, "v0.28"),
        ((29, 2), 27, "v0.27"),
        ((29, 1), 26, "v0.26"),
        ((28, 5), 25, "v0.25"),
        ((28, 4), 24, "v0.24"),
        ((28, 3), 23, "v0.23"),
        ((28, 2), 22, "v0.22"),
        ((28, 1), 21, "v0.21"),
        ((28, 0), 20, "v0.20"),
        ((27, 4), 17, "v0.17"),
        ((27, 3), 16, "v0.16"),
        ((27, 1), 15, "v0.15"),
        ((27, 0), 14, "v0.14"),
        ((26, 0), 13, "v0.13"),
        ((25, 0), 12, "v0.12"),
        ((24, 0), 11, "v0.11"),
        ((23, 0), 10, "v0.10"),
    ];
    for &((major, minor), bk, name) in TABLE {
        if engine >= Version::new(major, minor, 0) {
            return (bk, name);
        }
    }
    (8, "v0.8")
}

/// The frontend generation of a BuildKit minor release.
fn frontend_of_buildkit(minor: u32, source: String) -> Frontend {
    Frontend {
        source,
        parse: ParseOptions { strict_json: minor >= 15, heredocs: minor >= 10 },
        lexer: if minor >= 13 {
            LexerGen::V3
        } else if minor >= 12 {
            LexerGen::V2
        } else {
            LexerGen::V1
        },
        new_messages: minor >= 9,
        run_network_flags: minor >= 10,
        buildkit_minor: minor,
        labs: false,
    }
}

/// The BuildKit minor release that shipped Dockerfile frontend `1.<minor>`.
fn buildkit_of_dockerfile_minor(df_minor: u32) -> u32 {
    // dockerfile 1.2 ~ v0.8, 1.3 ~ v0.9, 1.4 ~ v0.10, 1.5 ~ v0.11, 1.6 ~ v0.12,
    // 1.7 ~ v0.13, 1.8 ~ v0.14, 1.9 ~ v0.15, then one minor each.
    df_minor + 6
}

/// The frontend a builder uses for a Dockerfile with this `# syntax=` directive.
pub fn frontend(builder: Builder, versions: DockerVersions, syntax: Option<&str>) -> Frontend {
    let (bk, bk_name) = vendored_buildkit(versions.engine);
    let builtin = format!("built into Engine {}.{} (BuildKit {bk_name})", versions.engine.major, versions.engine.minor);
    match (builder, syntax) {
        (Builder::Buildkit, Some(reference)) => {
            // `docker/dockerfile:1.7` pins a frontend; `:1`, `:latest`, `:labs` and
            // other images are taken as the newest.
            let tag = reference.rsplit_once(':').map_or("", |(_, tag)| tag);
            let tag = tag.split('@').next().unwrap_or("").split('-').next().unwrap_or("");
            let mut parts = tag.split('.');
            let pinned = match (parts.next().and_then(|m| m.parse::<u32>().ok()), parts.next()) {
                (Some(1), Some(minor)) => minor.parse::<u32>().ok(),
                _ => None,
            };
            let labs = reference.contains("labs");
            match pinned {
                Some(minor) => {
                    let mut f =
                        frontend_of_buildkit(buildkit_of_dockerfile_minor(minor), format!("`# syntax={reference}`"));
                    // The labs channel had heredocs from 1.3.0-labs on.
                    if labs && minor >= 3 {
                        f.parse.heredocs = true;
                    }
                    f.labs = labs;
                    f
                }
                None => frontend_of_buildkit(u32::MAX, format!("`# syntax={reference}` (newest)")),
            }
        }
        (Builder::Buildkit, None) => frontend_of_buildkit(bk, builtin),
        (Builder::Classic, _) => {
            let mut f = frontend_of_buildkit(
                bk,
                format!("classic builder of Engine {}.{}", versions.engine.major, versions.engine.minor),
            );
            f.run_network_flags = bk >= 10;
            f
        }
    }
}

/// The builder `docker build` uses by default.
pub fn default_builder(ctx: &Context) -> Builder {
    match ctx.platform {
        Platform::Windows => Builder::Classic,
        Platform::Linux if ctx.versions.cli_at_least(23, 0, 0) => Builder::Buildkit,
        Platform::Linux => Builder::Classic,
    }
}

/// What is known of an image used as a base (`FROM image`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BaseImage {
    /// `.Config.Volumes` keys.
    pub volumes: BTreeSet<String>,
    /// `.Config.Env`, as `NAME=value`.
    pub env: Vec<String>,
}

/// Inputs of a build besides the Dockerfile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// The builder; `None` for the default of the versions and platform.
    pub builder: Option<Builder>,
    /// `--build-arg NAME=value`.
    pub build_args: BTreeMap<String, String>,
    /// `--target`; `None` for the last stage.
    pub target: Option<String>,
    /// Base images whose config is known, by reference as written after expansion.
    pub images: BTreeMap<String, BaseImage>,
}

/// When in the build an error is raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorStage {
    /// The line parser (directives, JSON of non-strings, `ENV` syntax, heredocs).
    Parse,
    /// The instruction parser (argument counts, flags, empty `VOLUME` word).
    Instruction,
    /// Word expansion at dispatch (`failed to process "...": ...`).
    Expand,
    /// Dispatch (empty expanded `VOLUME` path, `RUN --mount` values...).
    Dispatch,
}

/// An error the builder stops with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BuilderError {
    pub stage: ErrorStage,
    /// The message proper (`VOLUME requires at least one argument`).
    pub message: String,
    /// As the builder words it, with its line prefix where it has one
    /// (`dockerfile parse error on line 2: VOLUME requires at least one argument`).
    pub display: String,
    pub span: Span,
    /// 1-based line.
    pub line: usize,
}

/// A `FROM` and what follows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StageInfo {
    /// Lower-cased `AS` name.
    pub name: Option<String>,
    /// The base as written and as expanded with the global `ARG`s.
    pub base_written: String,
    pub base: String,
    /// The earlier stage it is built from, if the base names one.
    pub base_stage: Option<usize>,
    /// Index of the `FROM` instruction.
    pub from_instruction: usize,
    /// Indexes of its instructions (after the `FROM`).
    pub instructions: Vec<usize>,
    /// Whether the builder runs this stage for the target.
    pub built: bool,
    /// The volumes of the base image are not known (an image not described in
    /// [`BuildOptions::images`], not `scratch`, not a stage of this file).
    pub base_volumes_unknown: bool,
}

/// One `VOLUME` instruction (also an `ONBUILD VOLUME` trigger).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VolumeInstruction {
    pub instruction: usize,
    pub stage: Option<usize>,
    /// An `ONBUILD` trigger: it runs only in builds `FROM` this image.
    pub onbuild: bool,
    pub json_form: bool,
    pub span: Span,
    pub keyword_span: Span,
    /// 1-based line of the instruction.
    pub line: usize,
    /// The words after the parser (before expansion). Boxed slices, not vectors: a file
    /// may have 100,000 of these records.
    pub words: Box<[Word]>,
    /// The path each word resolves to, in the order of `words` (empty when not dispatched
    /// or on error).
    pub paths: Box<[String]>,
    /// The builder dispatched it (its stage is built and no earlier error stopped it).
    pub dispatched: bool,
    /// Boxed: few instructions have one, and a file may have 100,000 of them.
    pub error: Option<Box<BuilderError>>,
}

/// A variable used and not set (BuildKit's `UndefinedVar` check).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnknownVariable {
    pub name: String,
    pub instruction: usize,
    pub span: Span,
    /// `Usage of undefined variable '$X'` (with ` (did you mean $Y?)`).
    pub message: String,
    /// The base image is not known: it may set this variable in its `ENV`.
    pub base_image_may_define: bool,
}

/// A `RUN --mount=...` value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BuildMount {
    pub instruction: usize,
    pub stage: Option<usize>,
    /// The flag value as the parser hands it on.
    pub value: String,
    pub span: Span,
    /// The model, as far as it could be read (also for values the builder rejects).
    pub mount: Mount,
    /// `type=` (bind, cache, tmpfs, secret, ssh, or what was written).
    pub mount_type: String,
    /// Keys the builder does not know, with their spans (each is an error of its own).
    pub unknown_keys: Vec<(String, Span)>,
    /// The builder's error for this value, if any.
    pub error: Option<BuilderError>,
}

/// What happens to a change under a declared volume.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeFate {
    Kept,
    Discarded,
}

/// A `RUN`/`COPY`/`ADD` after a `VOLUME` that writes (or may write) under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeAfterVolume {
    pub instruction: usize,
    pub keyword: String,
    pub volume_instruction: Option<usize>,
    /// The declared volume path written under.
    pub volume: String,
    /// The path written (COPY/ADD destination, or a path the RUN command names).
    pub path: String,
    pub span: Span,
    /// `RUN` only names the path: whether it writes there is not known.
    pub certain: bool,
    pub classic: ChangeFate,
    pub buildkit: ChangeFate,
}

/// What a container made from the image gets for one image volume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuntimeVolume {
    /// The image config key(s) merged into this mount (`/a` and `/a/` are one).
    pub keys: Vec<String>,
    /// `Destination` in `docker inspect` (the key cleaned; relative stays relative).
    pub destination: String,
    pub relative: bool,
    /// The OCI runtime resolves a relative destination under the container root.
    pub effective_path: String,
    /// What the Engine does (the analysed platform).
    pub outcome: RuntimeOutcome,
    /// The Engine releases this outcome is known for. No release up to the newest the
    /// sources cover checks that an image volume path is absolute (see
    /// `grammar/dockerfile.md`, "Relative image volumes").
    pub engines: String,
    /// Most notes are the same text for every volume: not copied for each.
    pub notes: Vec<Cow<'static, str>>,
}

/// What the Engine does with one image volume at `docker create`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum RuntimeOutcome {
    /// A new anonymous volume, with the image content copied in.
    AnonymousVolume,
    /// The container is created but cannot start (a volume over `/`).
    StartFails { reason: String },
    /// The Windows daemon parses the key with its volume grammar.
    WindowsGrammar { note: String },
}

/// Everything the analysis found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DockerfileAnalysis {
    pub builder: Builder,
    pub frontend: Frontend,
    pub versions: String,
    /// The escape token in effect (`\\` or `` ` ``).
    pub escape: char,
    /// Each `WORKDIR`'s first word as written (before expansion), by instruction index,
    /// in file order. The parse tree itself is not kept: a file of 100,000 instructions
    /// would hold it twice over, in its instructions and in what was read from them.
    pub workdirs: Vec<(usize, String)>,
    /// Parser warnings (empty continuation lines).
    pub warnings: Vec<String>,
    pub stages: Vec<StageInfo>,
    /// The stage the build produces.
    pub target_stage: Option<usize>,
    pub volumes: Vec<VolumeInstruction>,
    pub unknown_variables: Vec<UnknownVariable>,
    /// The error the build stops with, if any (the first the builder hits).
    pub error: Option<BuilderError>,
    /// Errors the builder would also raise were the first fixed, found along the way
    /// (each `VOLUME` error, each bad `RUN --mount` value...).
    pub errors: Vec<BuilderError>,
    /// `.Config.Volumes` keys of the built image, sorted (`docker image inspect`).
    pub image_volumes: Vec<String>,
    /// The target's base image is not known: it may add volumes of its own.
    pub base_volumes_unknown: bool,
    pub build_mounts: Vec<BuildMount>,
    pub changes_after_volume: Vec<ChangeAfterVolume>,
    /// What each builder would produce, when they differ from this analysis.
    pub outcomes: Vec<BuilderOutcome>,
}

/// The result of one builder, in short.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BuilderOutcome {
    pub builder: Builder,
    pub frontend: String,
    pub error: Option<String>,
    pub image_volumes: Vec<String>,
}

/// Analyse with the default builder for `ctx` and no build arguments.
pub fn analyse(text: &str, ctx: &Context) -> DockerfileAnalysis {
    analyse_with(text.as_bytes(), ctx, &BuildOptions::default())
}

/// Analyse any bytes (invalid UTF-8 never panics; it reads as the builder reads it).
pub fn analyse_with(bytes: &[u8], ctx: &Context, opts: &BuildOptions) -> DockerfileAnalysis {
    let builder = opts.builder.unwrap_or_else(|| default_builder(ctx));
    // The file is read once by the newest parser and that reading shared by both builders
    // (each reads it again only if its frontend parses differently). The other builder
    // goes first and keeps only its outcome: two whole analyses at once would double the
    // memory a file of 100,000 volumes takes.
    let probe = syntax::parse_with(bytes, ParseOptions::NEWEST);
    let others: Vec<(BuilderOutcome, Option<String>)> = [Builder::Buildkit, Builder::Classic]
        .into_iter()
        .filter(|other| *other != builder)
        .map(|other| other_outcome(bytes, ctx, opts, other, &probe))
        .collect();
    let mut analysis = analyse_parsed(bytes, ctx, opts, builder, probe);
    for (alt, alt_message) in others {
        let differs = alt.image_volumes != analysis.image_volumes
            || alt_message.as_ref() != analysis.error.as_ref().map(|e| &e.message);
        if differs {
            analysis.outcomes.push(outcome_of(&analysis));
            analysis.outcomes.push(alt);
        }
    }
    analysis
}

impl DockerfileAnalysis {
    /// What a container from the image gets, per image volume (by destination).
    pub fn runtime(&self, ctx: &Context) -> Vec<RuntimeVolume> {
        runtime_volumes(&self.image_volumes, ctx)
    }

    /// The image's volumes as mounts (anonymous volumes, `SyntaxKind::DockerfileVolume`),
    /// in the order of [`DockerfileAnalysis::image_volumes`].
    pub fn volume_mounts(&self) -> impl ExactSizeIterator<Item = Mount> + '_ {
        volume_mounts(&self.volumes, &self.image_volumes, self.target_stage, &self.stages)
    }
}

fn outcome_of(a: &DockerfileAnalysis) -> BuilderOutcome {
    BuilderOutcome {
        builder: a.builder,
        frontend: a.frontend.source.clone(),
        error: a.error.as_ref().map(|e| e.display.clone()),
        image_volumes: a.image_volumes.clone(),
    }
}

/// The analysis for one builder.
pub fn analyse_one(bytes: &[u8], ctx: &Context, opts: &BuildOptions, builder: Builder) -> DockerfileAnalysis {
    analyse_parsed(bytes, ctx, opts, builder, syntax::parse_with(bytes, ParseOptions::NEWEST))
}

/// The frontend `builder` uses for a file the newest parser reads as `probe`: the
/// `# syntax=` directive picks it before the file is parsed.
fn frontend_for(builder: Builder, ctx: &Context, probe: &Dockerfile) -> Frontend {
    let syntax_ref = probe.directives.iter().find(|d| d.name == "syntax").map(|d| d.value.clone());
    frontend(builder, ctx.versions, syntax_ref.as_deref())
}

/// Only what another builder makes of the file (its error and the image's volumes), on
/// the newest parser's reading when its frontend reads the file the same way: no copy of
/// the instructions, no mounts or run-time notes only to drop them.
fn other_outcome(
    bytes: &[u8],
    ctx: &Context,
    opts: &BuildOptions,
    builder: Builder,
    probe: &Dockerfile,
) -> (BuilderOutcome, Option<String>) {
    let frontend = frontend_for(builder, ctx, probe);
    let reparsed;
    let dockerfile = if frontend.parse == ParseOptions::NEWEST {
        probe
    } else {
        reparsed = syntax::parse_with(bytes, frontend.parse);
        &reparsed
    };
    let mut run = Run::new(opts, builder, frontend.clone(), dockerfile);
    run.go();
    let image_volumes = match run.target.and_then(|t| run.stage_volumes.get_mut(t)) {
        Some(volumes) if run.error.is_none() => std::mem::take(volumes),
        _ => Vec::new(),
    };
    let outcome = BuilderOutcome {
        builder,
        frontend: frontend.source.clone(),
        error: run.error.as_ref().map(|e| e.display.clone()),
        image_volumes,
    };
    (outcome, run.error.map(|e| e.message))
}

/// [`analyse_one`], given the file as the newest parser reads it (`probe`).
fn analyse_parsed(
    bytes: &[u8],
    ctx: &Context,
    opts: &BuildOptions,
    builder: Builder,
    probe: Dockerfile,
) -> DockerfileAnalysis {
    let frontend = frontend_for(builder, ctx, &probe);
    let dockerfile =
        if frontend.parse == ParseOptions::NEWEST { probe } else { syntax::parse_with(bytes, frontend.parse) };
    let mut run = Run::new(opts, builder, frontend.clone(), &dockerfile);
    run.go();
    let Run { stages, mut stage_volumes, target, mut volumes, unknown, error, errors, build_mounts, changes, .. } = run;
    // The `VOLUME` words move out of the instructions, which go next: not copied, a file
    // may have 100,000 of them.
    let mut dockerfile = dockerfile;
    for volume in &mut volumes {
        let Some(ins) = dockerfile.instructions.get_mut(volume.instruction) else {
            continue;
        };
        // An `ONBUILD VOLUME` trigger's words are those of the instruction it holds.
        let target = if volume.onbuild {
            match &mut ins.args {
                Args::Onbuild(child) => child.as_mut(),
                _ => continue,
            }
        } else {
            ins
        };
        volume.words = target.take_arg_words().into_boxed_slice();
    }
    let warnings = dockerfile.warnings.iter().map(|w| w.message.clone()).collect();
    let workdirs = dockerfile
        .instructions
        .iter()
        .enumerate()
        .filter(|(_, ins)| ins.keyword.eq_ignore_ascii_case("workdir"))
        .filter_map(|(index, ins)| Some((index, ins.arg_words().first()?.text.clone())))
        .collect();
    let escape = dockerfile.escape;
    // What was read from the instructions is all that is kept: the parse tree goes before
    // the mounts are made.
    drop(dockerfile);
    let target_stage = target;
    let (image_volumes, base_volumes_unknown) =
        match target_stage.and_then(|t| Some((stages.get(t)?, stage_volumes.get_mut(t)?))) {
            Some((stage, volumes)) if error.is_none() => (std::mem::take(volumes), stage.base_volumes_unknown),
            _ => (Vec::new(), false),
        };
    DockerfileAnalysis {
        builder,
        frontend,
        versions: ctx.versions.to_string(),
        warnings,
        escape,
        workdirs,
        stages,
        target_stage,
        volumes,
        unknown_variables: unknown,
        error,
        errors,
        image_volumes,
        base_volumes_unknown,
        build_mounts,
        changes_after_volume: changes,
        outcomes: Vec::new(),
    }
}

/// The built image's volumes as anonymous-volume mounts, each at the span of the path
/// that declared it (the last declaration in the target's stage chain), made one at a
/// time: an image may have 100,000 volumes, and their mounts go straight into items.
fn volume_mounts<'a>(
    volumes: &'a [VolumeInstruction],
    image: &'a [String],
    target: Option<usize>,
    stages: &[StageInfo],
) -> impl ExactSizeIterator<Item = Mount> + 'a {
    let mut chain = Vec::new();
    let mut cursor = target;
    while let Some(index) = cursor {
        if chain.contains(&index) {
            break;
        }
        chain.push(index);
        cursor = stages.get(index).and_then(|s| s.base_stage);
    }
    // Where each path was declared: the last `VOLUME` of the chain naming it, and there its
    // first mention. A map, not a search per path: one `VOLUME` may list 100,000 paths.
    let mut declared: HashMap<&str, (&VolumeInstruction, Span)> = HashMap::new();
    for v in volumes.iter().rev().filter(|v| !v.onbuild && v.stage.is_some_and(|s| chain.contains(&s))) {
        for (path, word) in v.paths.iter().zip(&v.words) {
            declared.entry(path.as_str()).or_insert((v, word.span));
        }
    }
    image.iter().map(move |path| {
        let origin = declared.get(path.as_str()).copied();
        let span = origin.map_or(Span::default(), |(_, span)| span);
        let mut mount = Mount::new(SyntaxKind::DockerfileVolume, MountKind::Volume, path.clone(), span);
        mount.provenance.insert(Field::Target, span);
        if let Some((v, _)) = origin {
            mount.provenance.insert(Field::Kind, v.keyword_span);
        }
        mount
    })
}

/// The `VOLUME` an instruction is (itself, or its `ONBUILD` trigger), if any, and whether
/// it is a trigger.
fn volume_of(ins: &Instruction) -> Option<(&Instruction, bool)> {
    let (target, onbuild) = match &ins.args {
        Args::Onbuild(child) if ins.keyword.eq_ignore_ascii_case("onbuild") => (child.as_ref(), true),
        _ => (ins, false),
    };
    target.keyword.eq_ignore_ascii_case("volume").then_some((target, onbuild))
}

/// Where the Engine mounts an image config key (`docker inspect`'s `Destination`).
fn destination_of(key: &str, ctx: &Context) -> String {
    match ctx.platform {
        Platform::Linux => paths::clean(key),
        Platform::Windows => key.to_string(),
    }
}

/// Only the image volumes a container gets in a way of their own: a relative path, a
/// volume over the root, every key on Windows. Every other image volume is a new anonymous
/// volume, said once rather than kept for each of 100,000.
pub fn particular_runtime_volumes(image: &[String], ctx: &Context) -> Vec<RuntimeVolume> {
    let particular: Vec<String> = image
        .iter()
        .filter(|key| {
            let destination = destination_of(key, ctx);
            ctx.platform == Platform::Windows || !destination.starts_with('/') || destination == "/"
        })
        .cloned()
        .collect();
    runtime_volumes(&particular, ctx)
}

/// What a container gets for each image volume (moby `createContainerVolumesOS`).
pub fn runtime_volumes(image: &[String], ctx: &Context) -> Vec<RuntimeVolume> {
    let mut by_destination: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for key in image {
        by_destination.entry(destination_of(key, ctx)).or_default().push(key.clone());
    }
    by_destination
        .into_iter()
        .map(|(destination, keys)| {
            let relative = !destination.starts_with('/');
            let effective_path = if relative { paths::clean(&format!("/{destination}")) } else { destination.clone() };
            let mut notes = Vec::new();
            if keys.len() > 1 {
                notes.push(format!("the keys {} are one mount after cleaning", keys.join(", ")).into());
            }
            let outcome = match ctx.platform {
                Platform::Windows => RuntimeOutcome::WindowsGrammar {
                    note: "the Windows daemon parses each key with its -v grammar and fails `docker create` with `Unrecognised volume spec: <reason>` when it does not read".into(),
                },
                Platform::Linux if effective_path == "/" => RuntimeOutcome::StartFails {
                    reason: "a volume over the container root: the container is created but does not start".into(),
                },
                Platform::Linux => RuntimeOutcome::AnonymousVolume,
            };
            if relative && ctx.platform == Platform::Linux {
                notes.push(format!(
                    "relative path: the Engine does not check it (no Engine release up to {} does); `docker inspect` shows Destination `{destination}` and the OCI runtime mounts it at `{effective_path}` (runc warns that non-absolute mount destinations are deprecated)",
                    DockerVersions::NEWEST.engine
                ).into());
            }
            notes.push(
                "if the image has a file (not a directory) at this path, `docker create` fails with `cannot mount volume over existing file, file exists <path>`; the classic builder fails the build itself with that message (it creates a container with the volumes for the VOLUME step)".into(),
            );
            let engines = format!("Engine 1.x to {} (observed on 20.10.24)", DockerVersions::NEWEST.engine);
            RuntimeVolume { keys, destination, relative, effective_path, outcome, engines, notes }
        })
        .collect()
}

/// A stage's environment at an instruction: ordered `NAME=value` with later values
/// replacing earlier ones, plus declared-but-unset build args.
#[derive(Clone, Debug, Default)]
struct Env {
    /// ENV-like values (image env, ENV, and for BuildKit ARG values too).
    vars: Vec<(String, String)>,
    /// Classic builder: ARG values, consulted only when ENV lacks the name.
    args: Vec<(String, String)>,
    /// Every ARG declared in the stage (also those without a value).
    declared: BTreeSet<String>,
    /// The base image's env is not known.
    base_unknown: bool,
    workdir: String,
}

impl Env {
    fn set(list: &mut Vec<(String, String)>, key: &str, value: &str) {
        if let Some(slot) = list.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value.to_string();
        } else {
            list.push((key.to_string(), value.to_string()));
        }
    }

    fn get(&self, key: &str) -> Option<String> {
        self.vars
            .iter()
            .find(|(k, _)| k == key)
            .or_else(|| self.args.iter().find(|(k, _)| k == key))
            .map(|(_, v)| v.clone())
    }

    fn keys(&self) -> Vec<String> {
        self.vars.iter().chain(self.args.iter()).map(|(k, _)| k.clone()).collect()
    }
}

/// A dispatched stage's final environment and volumes (path → the VOLUME instruction
/// that declared it, `None` for the base image's).
type StageEnd = (Env, BTreeMap<String, Option<usize>>);

struct Run<'a> {
    opts: &'a BuildOptions,
    builder: Builder,
    frontend: Frontend,
    file: &'a Dockerfile,
    lexer: Lexer,
    stages: Vec<StageInfo>,
    /// Each stage's image volumes (own and inherited), sorted, once it is built.
    stage_volumes: Vec<Vec<String>>,
    target: Option<usize>,
    volumes: Vec<VolumeInstruction>,
    unknown: Vec<UnknownVariable>,
    error: Option<BuilderError>,
    errors: Vec<BuilderError>,
    build_mounts: Vec<BuildMount>,
    changes: Vec<ChangeAfterVolume>,
    /// Global `ARG`s (before the first `FROM`), in order.
    globals: Vec<(String, Option<String>)>,
}

/// `ARG`s every BuildKit build defines globally (the platform of a linux/amd64 build).
const PLATFORM_ARGS: &[(&str, &str)] = &[
    ("BUILDPLATFORM", "linux/amd64"),
    ("BUILDOS", "linux"),
    ("BUILDARCH", "amd64"),
    ("BUILDVARIANT", ""),
    ("TARGETPLATFORM", "linux/amd64"),
    ("TARGETOS", "linux"),
    ("TARGETARCH", "amd64"),
    ("TARGETVARIANT", ""),
];

/// The default `PATH` the builders set when the base image has none.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

impl<'a> Run<'a> {
    fn new(opts: &'a BuildOptions, builder: Builder, frontend: Frontend, file: &'a Dockerfile) -> Run<'a> {
        let lexer = Lexer { escape: file.escape, gen: frontend.lexer, ..Lexer::default() };
        Run {
            opts,
            builder,
            frontend,
            file,
            lexer,
            stages: Vec::new(),
            stage_volumes: Vec::new(),
            target: None,
            volumes: Vec::new(),
            unknown: Vec::new(),
            error: None,
            errors: Vec::new(),
            build_mounts: Vec::new(),
            changes: Vec::new(),
            globals: Vec::new(),
        }
    }

    fn line_of(&self, index: usize) -> usize {
        self.file.instructions.get(index).map_or(0, |i| i.start_line)
    }

    /// Record an error; the first one stops the build.
    fn raise(&mut self, err: BuilderError) {
        if !self.errors.contains(&err) {
            self.errors.push(err.clone());
        }
        if self.error.is_none() {
            self.error = Some(err);
        }
    }

    /// An instruction-parser error, in the wording of the frontend.
    fn instruction_error(&self, index: usize, message: String, span: Span) -> BuilderError {
        let line = self.line_of(index);
        let display = if self.frontend.new_messages {
            format!("dockerfile parse error on line {line}: {message}")
        } else {
            format!("dockerfile parse error line {line}: {message}")
        };
        BuilderError { stage: ErrorStage::Instruction, message, display, span, line }
    }

    fn plain_error(&self, stage: ErrorStage, index: usize, message: String, span: Span) -> BuilderError {
        BuilderError { stage, display: message.clone(), message, span, line: self.line_of(index) }
    }

    fn go(&mut self) {
        let file = self.file;
        let mut parse_failed = false;
        if let Some(err) = &file.error {
            let display = if self.builder == Builder::Classic && !self.frontend.new_messages {
                format!("failed to parse Dockerfile: {}", err.message)
            } else {
                err.message.clone()
            };
            self.raise(BuilderError {
                stage: ErrorStage::Parse,
                message: err.message.clone(),
                display,
                span: err.span,
                line: err.line,
            });
            parse_failed = true;
        }
        // Instruction parser, in file order: the first error stops the build; the
        // VOLUME errors after it are still recorded for the report.
        let mut stage_of: Vec<Option<usize>> = Vec::new();
        let mut stages: Vec<StageInfo> = Vec::new();
        let mut no_stage_error = None;
        for (index, ins) in file.instructions.iter().enumerate() {
            let checked = self.check_instruction(index, ins);
            if let Err(err) = checked {
                if !parse_failed {
                    self.raise(err.clone());
                } else {
                    self.errors.push(err.clone());
                }
            }
            let command = ins.command();
            if command == "from" {
                let words = ins.arg_words();
                let name = if words.len() == 3 && words[1].text.eq_ignore_ascii_case("as") {
                    Some(words[2].text.to_lowercase())
                } else {
                    None
                };
                stages.push(StageInfo {
                    name,
                    base_written: words.first().map(|w| w.text.clone()).unwrap_or_default(),
                    base: String::new(),
                    base_stage: None,
                    from_instruction: index,
                    instructions: Vec::new(),
                    built: false,
                    base_volumes_unknown: false,
                });
                stage_of.push(Some(stages.len() - 1));
                continue;
            }
            if stages.is_empty() {
                if command == "arg" {
                    for word in ins.arg_words() {
                        let (key, value) = match word.text.split_once('=') {
                            Some((k, v)) => (k.to_string(), Some(v.to_string())),
                            None => (word.text.clone(), None),
                        };
                        self.globals.push((key, value));
                    }
                } else if no_stage_error.is_none() {
                    no_stage_error = Some(index);
                }
                stage_of.push(None);
                continue;
            }
            let current = stages.len() - 1;
            stages[current].instructions.push(index);
            stage_of.push(Some(current));
        }
        if let Some(index) = no_stage_error {
            let span = file.instructions[index].span;
            let err =
                self.plain_error(ErrorStage::Instruction, index, "no build stage in current context".into(), span);
            if self.error.is_none() {
                self.raise(err);
            }
        }
        self.stages = stages;
        self.record_volume_words(&stage_of);
        self.resolve_bases();
        self.choose_target();
        if self.error.is_some() {
            // The builder stops before dispatching; still read the build mounts and
            // resolve volumes for the report, without raising further.
            self.dispatch_all(false);
            return;
        }
        self.dispatch_all(true);
    }

    /// Every VOLUME (and ONBUILD VOLUME) instruction, before expansion.
    /// Records every `VOLUME` instruction, without its words: they are read from the
    /// instruction during the run, and moved out of it once the run is over.
    fn record_volume_words(&mut self, stage_of: &[Option<usize>]) {
        let file = self.file;
        // Room for exactly these: a file may have 100,000 of them.
        self.volumes.reserve_exact(file.instructions.iter().filter(|ins| volume_of(ins).is_some()).count());
        for (index, ins) in file.instructions.iter().enumerate() {
            let Some((target, onbuild)) = volume_of(ins) else {
                continue;
            };
            let json_form = matches!(target.args, Args::Json(_));
            self.volumes.push(VolumeInstruction {
                instruction: index,
                stage: stage_of.get(index).copied().flatten(),
                onbuild,
                json_form,
                span: ins.span,
                keyword_span: target.keyword_span,
                line: ins.start_line,
                words: Box::default(),
                paths: Box::default(),
                dispatched: false,
                error: None,
            });
        }
    }

    fn global_value(&self, key: &str) -> Option<String> {
        if let Some(v) = self.opts.build_args.get(key) {
            if self.globals.iter().any(|(k, _)| k == key) {
                return Some(v.clone());
            }
        }
        let mut value = None;
        for (k, v) in &self.globals {
            if k == key {
                if let Some(v) = v {
                    value = Some(v.clone());
                }
            }
        }
        if value.is_none() && self.builder == Builder::Buildkit {
            if let Some((_, v)) = PLATFORM_ARGS.iter().find(|(k, _)| *k == key) {
                return Some((*v).to_string());
            }
        }
        value
    }

    /// Expand each `FROM` with the global args and link stages to earlier stages.
    fn resolve_bases(&mut self) {
        // Global ARG defaults may refer to earlier globals.
        let mut resolved: Vec<(String, Option<String>)> = Vec::new();
        for (key, value) in self.globals.clone() {
            let value = match self.opts.build_args.get(&key) {
                Some(v) => Some(v.clone()),
                None => value.map(|v| {
                    let env = |name: &str| resolved.iter().rev().find(|(k, _)| k == name).and_then(|(_, v)| v.clone());
                    self.lexer.process_word(&v, &env).map(|e| e.value).unwrap_or(v)
                }),
            };
            resolved.push((key, value));
        }
        self.globals = resolved;
        for index in 0..self.stages.len() {
            let written = self.stages[index].base_written.clone();
            let env = |name: &str| self.global_value(name);
            let base = self.lexer.process_word(&written, &env).map(|e| e.value).unwrap_or(written.clone());
            let lowered = base.to_lowercase();
            let base_stage = (0..index).rev().find(|&i| self.stages[i].name.as_deref() == Some(lowered.as_str()));
            let stage = &mut self.stages[index];
            stage.base = base;
            stage.base_stage = base_stage;
        }
    }

    fn choose_target(&mut self) {
        if self.stages.is_empty() {
            return;
        }
        let target = match &self.opts.target {
            Some(name) => self.stages.iter().position(|s| s.name.as_deref() == Some(name.to_lowercase().as_str())),
            None => Some(self.stages.len() - 1),
        };
        self.target = target;
        let Some(target) = target else {
            return;
        };
        match self.builder {
            // The classic builder runs every stage up to the target.
            Builder::Classic => {
                for stage in &mut self.stages[..=target] {
                    stage.built = true;
                }
            }
            // BuildKit runs only what the target depends on.
            Builder::Buildkit => {
                let mut todo = vec![target];
                while let Some(index) = todo.pop() {
                    if self.stages[index].built {
                        continue;
                    }
                    self.stages[index].built = true;
                    if let Some(base) = self.stages[index].base_stage {
                        todo.push(base);
                    }
                    for dep in self.stage_dependencies(index) {
                        todo.push(dep);
                    }
                }
            }
        }
    }

    /// Stages a stage reads from: `COPY --from`, `RUN --mount from=`.
    fn stage_dependencies(&self, index: usize) -> Vec<usize> {
        let mut deps = Vec::new();
        let find = |name: &str| -> Option<usize> {
            if let Ok(n) = name.parse::<usize>() {
                return (n < index).then_some(n);
            }
            let lowered = name.to_lowercase();
            (0..index).rev().find(|&i| self.stages[i].name.as_deref() == Some(lowered.as_str()))
        };
        for &i in &self.stages[index].instructions {
            let ins = &self.file.instructions[i];
            for flag in &ins.flags {
                let Some(value) = &flag.value else { continue };
                if flag.name == "from" {
                    deps.extend(find(value));
                }
                if flag.name == "mount" {
                    for field in value.split(',') {
                        if let Some(from) = field.strip_prefix("from=") {
                            deps.extend(find(from));
                        }
                    }
                }
            }
        }
        deps
    }

    fn dispatch_all(&mut self, live: bool) {
        let mut finished: Vec<Option<StageEnd>> = vec![None; self.stages.len()];
        self.stage_volumes = vec![Vec::new(); self.stages.len()];
        for index in 0..self.stages.len() {
            if !self.stages[index].built && live {
                continue;
            }
            let (env, volumes) = self.dispatch_stage(index, &finished, live && self.stages[index].built);
            let mut list: Vec<String> = volumes.keys().cloned().collect();
            list.sort();
            if self.stages[index].built {
                if let Some(slot) = self.stage_volumes.get_mut(index) {
                    *slot = list;
                }
            }
            finished[index] = Some((env, volumes));
        }
    }

    /// The starting environment and volumes of a stage.
    fn stage_start(&mut self, index: usize, finished: &[Option<StageEnd>]) -> (Env, BTreeMap<String, Option<usize>>) {
        let stage = &self.stages[index];
        if let Some(base) = stage.base_stage {
            if let Some(Some((env, volumes))) = finished.get(base) {
                let mut env = env.clone();
                if self.builder == Builder::Classic {
                    // The classic builder starts each stage with no ARG in scope.
                    env.args.clear();
                    env.declared.clear();
                } else {
                    // BuildKit: ARG values travel in the state's env already.
                }
                return (env, volumes.clone());
            }
        }
        let mut env = Env { workdir: "/".into(), ..Env::default() };
        let mut volumes = BTreeMap::new();
        let base = stage.base.clone();
        if base == "scratch" {
            // Known empty.
        } else if let Some(image) = self.opts.images.get(&base) {
            for entry in &image.env {
                let (k, v) = entry.split_once('=').unwrap_or((entry.as_str(), ""));
                Env::set(&mut env.vars, k, v);
            }
            for volume in &image.volumes {
                volumes.insert(volume.clone(), None);
            }
        } else {
            env.base_unknown = true;
            self.stages[index].base_volumes_unknown = true;
        }
        // Both builders set a default PATH when the base image has none; an unknown
        // base has one either way (its own, or the default).
        if !env.vars.iter().any(|(k, _)| k == "PATH") {
            env.vars.push(("PATH".into(), DEFAULT_PATH.into()));
        }
        (env, volumes)
    }

    fn dispatch_stage(
        &mut self,
        index: usize,
        finished: &[Option<StageEnd>],
        live: bool,
    ) -> (Env, BTreeMap<String, Option<usize>>) {
        let (mut env, mut volumes) = self.stage_start(index, finished);
        if let Some(base) = self.stages[index].base_stage {
            if self.stages[base].base_volumes_unknown {
                self.stages[index].base_volumes_unknown = true;
                env.base_unknown = true;
            }
        }
        let instructions = self.stages[index].instructions.clone();
        for ins_index in instructions {
            if live && self.error.is_some() {
                break;
            }
            let ins = &self.file.instructions[ins_index];
            let command = ins.command();
            match command.as_str() {
                "arg" => self.dispatch_arg(ins_index, &mut env, live),
                "env" => self.dispatch_env(ins_index, &mut env, live),
                "workdir" => {
                    if let Some(word) = ins.arg_words().first() {
                        let value = self.expand(ins_index, word, &env, live).unwrap_or_default();
                        env.workdir = if value.starts_with('/') {
                            paths::clean(&value)
                        } else {
                            paths::clean(&format!("{}/{value}", env.workdir))
                        };
                    }
                }
                "volume" => self.dispatch_volume(ins_index, Some(index), &env, &mut volumes, live),
                "run" => self.dispatch_run(ins_index, Some(index), &env, &volumes, live),
                "copy" | "add" => self.dispatch_copy(ins_index, &env, &volumes, live),
                "label" | "expose" | "user" | "stopsignal" => {
                    for word in ins.arg_words() {
                        if command == "label" && word.text.is_empty() {
                            continue;
                        }
                        let _ = self.expand(ins_index, &word, &env, live);
                    }
                }
                _ => {}
            }
        }
        (env, volumes)
    }

    /// Expand one word with the stage env; an error is raised when `live`.
    fn expand(&mut self, index: usize, word: &Word, env: &Env, live: bool) -> Option<String> {
        let lookup = |name: &str| env.get(name);
        match self.lexer.process_word(&word.text, &lookup) {
            Ok(expansion) => {
                // Reported for both builders (BuildKit's `UndefinedVar` wording).
                if live {
                    for name in &expansion.unmatched {
                        if env.declared.contains(name) {
                            continue;
                        }
                        let suggestion = suggest(name, &env.keys());
                        let mut message = format!("Usage of undefined variable '${name}'");
                        if let Some(s) = suggestion {
                            message.push_str(&format!(" (did you mean ${s}?)"));
                        }
                        let item = UnknownVariable {
                            name: name.clone(),
                            instruction: index,
                            span: word.span,
                            message,
                            base_image_may_define: env.base_unknown,
                        };
                        if !self.unknown.contains(&item) {
                            self.unknown.push(item);
                        }
                    }
                }
                Some(expansion.value)
            }
            Err(message) => {
                if live {
                    let err = self.plain_error(ErrorStage::Expand, index, message, word.span);
                    self.raise(err);
                }
                None
            }
        }
    }

    fn dispatch_arg(&mut self, index: usize, env: &mut Env, live: bool) {
        let words = self.file.instructions[index].arg_words();
        for word in words {
            let (key, default) = match word.text.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (word.text.clone(), None),
            };
            env.declared.insert(key.clone());
            let value = if let Some(v) = self.opts.build_args.get(&key) {
                Some(v.clone())
            } else if let Some(default) = default {
                let w = Word { text: default, span: word.span };
                self.expand(index, &w, env, live)
            } else {
                self.global_value(&key)
            };
            if let Some(value) = value {
                match self.builder {
                    Builder::Buildkit => Env::set(&mut env.vars, &key, &value),
                    Builder::Classic => Env::set(&mut env.args, &key, &value),
                }
            }
        }
    }

    fn dispatch_env(&mut self, index: usize, env: &mut Env, live: bool) {
        let ins = &self.file.instructions[index];
        let Args::Pairs(pairs) = &ins.args else {
            return;
        };
        // Every value of one ENV sees the environment from before it.
        let before = env.clone();
        for pair in pairs.clone() {
            let key = self
                .expand(index, &Word { text: pair.key.clone(), span: pair.span }, &before, live)
                .unwrap_or(pair.key);
            let value = self
                .expand(index, &Word { text: pair.value.clone(), span: pair.span }, &before, live)
                .unwrap_or(pair.value);
            Env::set(&mut env.vars, &key, &value);
        }
    }

    fn dispatch_volume(
        &mut self,
        index: usize,
        stage: Option<usize>,
        env: &Env,
        volumes: &mut BTreeMap<String, Option<usize>>,
        live: bool,
    ) {
        // Recorded in instruction order, one per instruction.
        let Ok(slot) = self.volumes.binary_search_by_key(&index, |v| v.instruction) else {
            return;
        };
        if self.volumes[slot].onbuild {
            return;
        }
        if self.volumes[slot].error.is_some() {
            return;
        }
        let file = self.file;
        let Some((target, _)) = file.instructions.get(index).and_then(volume_of) else {
            return;
        };
        let words = target.words();
        let mut paths = Vec::new();
        for word in words.iter() {
            let trimmed = word.text.trim();
            if trimmed.is_empty() {
                return;
            }
            let lookup = |name: &str| env.get(name);
            let expansion = match self.lexer.process_word(trimmed, &lookup) {
                Ok(e) => e,
                Err(message) => {
                    let err = self.plain_error(ErrorStage::Expand, index, message, word.span);
                    self.volumes[slot].error = Some(Box::new(err.clone()));
                    if live {
                        self.raise(err);
                    }
                    return;
                }
            };
            let _ = self.expand(index, &Word { text: trimmed.to_string(), span: word.span }, env, live);
            if expansion.value.is_empty() {
                let err = self.plain_error(
                    ErrorStage::Dispatch,
                    index,
                    "VOLUME specified can not be an empty string".into(),
                    word.span,
                );
                self.volumes[slot].error = Some(Box::new(err.clone()));
                if live {
                    self.raise(err);
                }
                return;
            }
            paths.push(expansion.value);
        }
        for p in &paths {
            volumes.insert(p.clone(), Some(index));
        }
        let v = &mut self.volumes[slot];
        v.paths = paths.into_boxed_slice();
        v.dispatched = live;
        v.stage = stage;
    }

    fn dispatch_copy(&mut self, index: usize, env: &Env, volumes: &BTreeMap<String, Option<usize>>, live: bool) {
        let ins = &self.file.instructions[index];
        let words = ins.arg_words();
        let Some(dest) = words.last().cloned() else {
            return;
        };
        if words.len() < 2 {
            return;
        }
        for flag in ins.flags.clone() {
            if let Some(value) = &flag.value {
                let _ = self.expand(index, &Word { text: value.clone(), span: flag.span }, env, live);
            }
        }
        for word in &words[..words.len() - 1] {
            if syntax::parse_heredoc(&word.text).ok().flatten().is_none() {
                let _ = self.expand(index, word, env, live);
            }
        }
        let Some(value) = self.expand(index, &dest, env, live) else {
            return;
        };
        let absolute = if value.starts_with('/') { value.clone() } else { format!("{}/{value}", env.workdir) };
        let cleaned = paths::clean(&absolute);
        for (volume, origin) in volumes {
            let vol = paths::clean(volume);
            if under(&cleaned, &vol) {
                self.changes.push(ChangeAfterVolume {
                    instruction: index,
                    keyword: ins.keyword.to_uppercase(),
                    volume_instruction: *origin,
                    volume: volume.clone(),
                    path: cleaned.clone(),
                    span: dest.span,
                    certain: true,
                    classic: ChangeFate::Kept,
                    buildkit: ChangeFate::Kept,
                });
            }
        }
    }

    fn dispatch_run(
        &mut self,
        index: usize,
        stage: Option<usize>,
        env: &Env,
        volumes: &BTreeMap<String, Option<usize>>,
        live: bool,
    ) {
        let ins = &self.file.instructions[index];
        let flags = ins.flags.clone();
        if self.builder == Builder::Classic && live {
            if let Some(first) = flags.first() {
                let known = matches!(first.name.as_str(), "mount" | "network" | "security" | "device");
                if known {
                    let message = format!(
                        "the --{} option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled",
                        first.name
                    );
                    let err = self.plain_error(ErrorStage::Dispatch, index, message, first.span);
                    self.raise(err);
                }
            }
        }
        for flag in flags.iter().filter(|f| f.name == "mount") {
            let mount = self.build_mount(index, stage, flag, env, live);
            self.build_mounts.push(mount);
        }
        // Paths the command names under a declared volume (none to look for when the stage
        // has no volume, as in most stages: the command is not even split).
        if volumes.is_empty() {
            return;
        }
        let text = match &ins.args {
            Args::Text(word) => Some(word.clone()),
            Args::Json(words) => Some(Word {
                text: words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" "),
                span: ins.args_span,
            }),
            _ => None,
        };
        let Some(text) = text else { return };
        let mut seen = BTreeSet::new();
        for token in text.text.split(|c: char| {
            c.is_whitespace() || matches!(c, ';' | '&' | '|' | '<' | '>' | '(' | ')' | '\'' | '"' | '=' | '`')
        }) {
            if !token.starts_with('/') {
                continue;
            }
            let cleaned = paths::clean(token);
            for (volume, origin) in volumes {
                let vol = paths::clean(volume);
                if under(&cleaned, &vol) && seen.insert((cleaned.clone(), volume.clone())) {
                    self.changes.push(ChangeAfterVolume {
                        instruction: index,
                        keyword: "RUN".into(),
                        volume_instruction: *origin,
                        volume: volume.clone(),
                        path: cleaned.clone(),
                        span: text.span,
                        certain: false,
                        classic: ChangeFate::Discarded,
                        buildkit: ChangeFate::Kept,
                    });
                }
            }
        }
    }

    /// A `RUN --mount` value as BuildKit reads it (`parseMount`), into the model.
    fn build_mount(&mut self, index: usize, stage: Option<usize>, flag: &Flag, env: &Env, live: bool) -> BuildMount {
        let value = flag.value.clone().unwrap_or_default();
        let span = flag.value_span.unwrap_or(flag.span);
        let offsets = &flag.value_offsets;
        let locate = |from: usize, to: usize| -> Span {
            match (offsets.get(from), to.checked_sub(1).and_then(|t| offsets.get(t))) {
                (Some(&a), Some(&b)) if to > from => Span::new(a, b + 1),
                (Some(&a), _) => Span::new(a, a),
                _ => span,
            }
        };
        // BuildKit v0.8 read mount values when parsing the instruction, literally; later
        // releases expand them at dispatch. `size` came with v0.10, `env` with v0.17, key
        // suggestions with v0.12.
        let gen = self.frontend.buildkit_minor;
        let legacy = gen < 9;
        let mut mount = Mount::new(SyntaxKind::BuildMount, MountKind::Bind, String::new(), span);
        let mut mount_type = "bind".to_string();
        let mut unknown_keys = Vec::new();
        let mut first_error: Option<String> = None;
        let fail = |message: String, first_error: &mut Option<String>| {
            if first_error.is_none() {
                *first_error = Some(message);
            }
        };
        let fields = match csv_fields(&value) {
            Ok(fields) => fields,
            Err(message) => {
                fail(format!("failed to parse csv mounts: {message}"), &mut first_error);
                Vec::new()
            }
        };
        let mut ro_auto = true;
        let mut read_only = false;
        let (mut mode, mut uid, mut gid) = (None, None, None);
        let mut sharing = None;
        let mut id = None;
        let mut required = false;
        let mut size = None;
        let expand = |text: &str| -> Result<String, String> {
            let lookup = |name: &str| env.get(name);
            self.lexer.process_word(text, &lookup).map(|e| e.value)
        };
        for (field, from, to) in &fields {
            let field_span = locate(*from, *to);
            let (key, raw_value) = match field.split_once('=') {
                Some((k, v)) => (k.to_lowercase(), Some(v.to_string())),
                None => (field.to_lowercase(), None),
            };
            let value_span = match field.find('=') {
                Some(eq) => locate(from + field[..eq].chars().count() + 1, *to),
                None => field_span,
            };
            let Some(raw_value) = raw_value else {
                match key.as_str() {
                    "readonly" | "ro" => {
                        read_only = true;
                        ro_auto = false;
                        mount.provenance.insert(Field::ReadOnly, field_span);
                    }
                    "readwrite" | "rw" => {
                        read_only = false;
                        ro_auto = false;
                        mount.provenance.insert(Field::ReadOnly, field_span);
                    }
                    "required" => {
                        if mount_type == "secret" || mount_type == "ssh" {
                            required = true;
                        } else {
                            fail(format!("unexpected key '{key}' for mount type '{mount_type}'"), &mut first_error);
                        }
                    }
                    _ => fail(format!("invalid field '{field}' must be a key=value pair"), &mut first_error),
                }
                continue;
            };
            let value = if legacy {
                raw_value.clone()
            } else {
                match expand(&raw_value) {
                    Ok(v) => v,
                    Err(message) => {
                        fail(message, &mut first_error);
                        raw_value.clone()
                    }
                }
            };
            let known_here = match key.as_str() {
                "size" => gen >= 10,
                "env" => gen >= 17,
                _ => true,
            };
            let key_arm = if known_here { key.as_str() } else { "" };
            match key_arm {
                "type" => {
                    let lowered = value.to_lowercase();
                    if !matches!(lowered.as_str(), "bind" | "cache" | "tmpfs" | "secret" | "ssh") {
                        let mut msg = format!("unsupported mount type {}", super::verdict::go_quote(&value));
                        // No suggestions before v0.9.
                        let options = ["bind", "cache", "tmpfs", "secret", "ssh"].map(String::from);
                        if let Some(s) = (!legacy).then(|| suggest(&value, &options)).flatten() {
                            msg.push_str(&format!(" (did you mean {s}?)"));
                        }
                        fail(msg, &mut first_error);
                    }
                    mount_type = lowered.clone();
                    mount.kind = match lowered.as_str() {
                        "bind" => MountKind::Bind,
                        "tmpfs" => MountKind::Tmpfs,
                        other => MountKind::Other(other.to_string()),
                    };
                    mount.provenance.insert(Field::Kind, value_span);
                }
                "from" => {
                    mount.rare.driver_opts.insert("from".into(), value.clone());
                }
                "source" | "src" => {
                    mount.source = Some(value.clone());
                    mount.provenance.insert(Field::Source, value_span);
                }
                "target" | "dst" | "destination" => {
                    mount.target = value.clone();
                    mount.provenance.insert(Field::Target, value_span);
                }
                "readonly" | "ro" | "readwrite" | "rw" => match parse_go_bool(&value) {
                    Some(b) => {
                        read_only = if key.starts_with('r') && (key == "readonly" || key == "ro") { b } else { !b };
                        ro_auto = false;
                        mount.provenance.insert(Field::ReadOnly, field_span);
                    }
                    None => fail(format!("invalid value for {key}: {value}"), &mut first_error),
                },
                "required" => {
                    if mount_type == "secret" || mount_type == "ssh" {
                        match parse_go_bool(&value) {
                            Some(b) => required = b,
                            None => fail(format!("invalid value for {key}: {value}"), &mut first_error),
                        }
                    } else {
                        fail(format!("unexpected key '{key}' for mount type '{mount_type}'"), &mut first_error);
                    }
                }
                "size" => {
                    if mount_type == "tmpfs" {
                        match ram_in_bytes(&value) {
                            Some(bytes) => size = Some(bytes),
                            None => fail(format!("invalid value for {key}: {value}"), &mut first_error),
                        }
                    } else {
                        fail(format!("unexpected key '{key}' for mount type '{mount_type}'"), &mut first_error);
                    }
                }
                "id" => id = Some(value.clone()),
                "sharing" => {
                    let lowered = value.to_lowercase();
                    if !matches!(lowered.as_str(), "shared" | "private" | "locked") {
                        let mut msg = format!("unsupported sharing value {}", super::verdict::go_quote(&value));
                        // No suggestions before v0.9.
                        let options = ["shared", "private", "locked"].map(String::from);
                        if let Some(s) = (!legacy).then(|| suggest(&value, &options)).flatten() {
                            msg.push_str(&format!(" (did you mean {s}?)"));
                        }
                        fail(msg, &mut first_error);
                    }
                    sharing = Some(lowered);
                }
                "mode" => match u32::from_str_radix(&value, 8) {
                    Ok(m) => mode = Some(m),
                    Err(_) => fail(format!("invalid value {value} for mode"), &mut first_error),
                },
                "uid" => match value.parse::<u32>() {
                    Ok(n) => uid = Some(n),
                    Err(_) => fail(format!("invalid value {value} for uid"), &mut first_error),
                },
                "gid" => match value.parse::<u32>() {
                    Ok(n) => gid = Some(n),
                    Err(_) => fail(format!("invalid value {value} for gid"), &mut first_error),
                },
                "env" => {
                    mount.rare.driver_opts.insert("env".into(), value.clone());
                }
                _ => {
                    const KEYS: &[&str] = &[
                        "type",
                        "from",
                        "source",
                        "target",
                        "readonly",
                        "id",
                        "sharing",
                        "required",
                        "size",
                        "mode",
                        "uid",
                        "gid",
                        "src",
                        "dst",
                        "destination",
                        "ro",
                        "rw",
                        "readwrite",
                        "env",
                    ];
                    let mut msg = format!("unexpected key '{key}' in '{field}'");
                    let options: Vec<String> = KEYS.iter().map(|k| k.to_string()).collect();
                    // Key suggestions came with v0.12.
                    if let Some(s) = (gen >= 12).then(|| suggest(&key, &options)).flatten() {
                        msg.push_str(&format!(" (did you mean {s}?)"));
                    }
                    unknown_keys.push((key.clone(), field_span));
                    mount.rare.driver_opts.insert(key.clone(), value.clone());
                    fail(msg, &mut first_error);
                }
            }
        }
        let file_info_allowed = matches!(mount_type.as_str(), "secret" | "ssh" | "cache");
        if !file_info_allowed {
            let q = super::verdict::go_quote(&mount_type);
            if mode.is_some() {
                fail(format!("mode not allowed for {q} type mounts"), &mut first_error);
            } else if uid.is_some() {
                fail(format!("uid not allowed for {q} type mounts"), &mut first_error);
            } else if gid.is_some() {
                fail(format!("gid not allowed for {q} type mounts"), &mut first_error);
            }
        }
        if ro_auto {
            read_only = !matches!(mount_type.as_str(), "cache" | "tmpfs");
        }
        if legacy && sharing.is_some() && mount_type != "cache" {
            fail(format!("invalid cache sharing set for {mount_type} mount"), &mut first_error);
        }
        if mount_type == "secret" {
            if mount.rare.driver_opts.contains_key("from") {
                fail("secret mount should not have a from".into(), &mut first_error);
            } else if sharing.is_some() {
                fail("secret mount should not define sharing".into(), &mut first_error);
            } else if mount.source.as_deref().unwrap_or("").is_empty()
                && mount.target.is_empty()
                && id.as_deref().unwrap_or("").is_empty()
            {
                fail("invalid secret mount. one of source, target required".into(), &mut first_error);
            } else if !mount.source.as_deref().unwrap_or("").is_empty() && !id.as_deref().unwrap_or("").is_empty() {
                fail("both source and id can't be set".into(), &mut first_error);
            }
        }
        if sharing.is_some() && mount_type != "cache" {
            fail(format!("invalid cache sharing set for {mount_type} mount"), &mut first_error);
        }
        mount.read_only = read_only;
        if let Some(id) = id {
            mount.rare.driver_opts.insert("id".into(), id);
        }
        if let Some(sharing) = sharing {
            mount.rare.driver_opts.insert("sharing".into(), sharing);
        }
        if required {
            mount.rare.driver_opts.insert("required".into(), "true".into());
        }
        if let Some(uid) = uid {
            mount.rare.driver_opts.insert("uid".into(), uid.to_string());
        }
        if let Some(gid) = gid {
            mount.rare.driver_opts.insert("gid".into(), gid.to_string());
        }
        if let Some(mode) = mode {
            mount.rare.driver_opts.insert("mode".into(), format!("{mode:o}"));
        }
        if mount_type == "tmpfs" {
            mount.rare.tmpfs =
                Some(Box::new(TmpfsSettings { size_bytes: size.map(|s| s as u64), mode: None, options: Vec::new() }));
        }
        // Secrets and SSH sockets have default targets; others need a target.
        if mount.target.is_empty() {
            match mount_type.as_str() {
                "secret" => {
                    let id =
                        mount.rare.driver_opts.get("id").cloned().or_else(|| mount.source.clone()).unwrap_or_default();
                    if !id.is_empty() {
                        mount.target = format!("/run/secrets/{id}");
                    }
                }
                "ssh" => mount.target = "/run/buildkit/ssh_agent.0".into(),
                _ => {}
            }
        } else if !mount.target.starts_with('/') && !matches!(mount_type.as_str(), "secret" | "ssh") {
            mount.target = paths::clean(&format!("{}/{}", env.workdir, mount.target));
        }
        let error = first_error.map(|message| {
            if legacy {
                self.instruction_error(index, message, span)
            } else {
                BuilderError {
                    stage: ErrorStage::Dispatch,
                    display: message.clone(),
                    message,
                    span,
                    line: self.line_of(index),
                }
            }
        });
        if let Some(err) = &error {
            if live && self.builder == Builder::Buildkit && !legacy {
                self.raise(err.clone());
            } else if !self.errors.contains(err) {
                self.errors.push(err.clone());
            }
        }
        BuildMount { instruction: index, stage, value, span, mount, mount_type, unknown_keys, error }
    }

    /// The instruction parser's checks (`instructions/parse.go`).
    fn check_instruction(&mut self, index: usize, ins: &Instruction) -> Result<(), BuilderError> {
        let command = ins.command();
        let words = ins.arg_words();
        let n = words.len();
        let err = |this: &Self, message: String| Err(this.instruction_error(index, message, ins.span));
        let upper = command.to_uppercase();
        let flags_with = |this: &Self, known: &[(&str, FlagKind)]| -> Result<(), BuilderError> {
            this.check_flags(index, ins, known).map_err(|(m, s)| this.instruction_error(index, m, s))
        };
        match command.as_str() {
            "env" | "label" => {
                flags_with(self, &[])?;
                if n == 0 {
                    return err(self, format!("{upper} requires at least one argument"));
                }
                if words.chunks(3).any(|c| c[0].text.is_empty()) {
                    return err(self, format!("{upper} names can not be blank"));
                }
            }
            "maintainer" => {
                if n != 1 {
                    return err(self, "MAINTAINER requires exactly one argument".into());
                }
                flags_with(self, &[])?;
            }
            "add" | "copy" => {
                if n < 2 {
                    return err(self, format!("{upper} requires at least two arguments, but only one was provided. Destination could not be determined"));
                }
                // The flags grew release by release (BuildKit v0.x of the frontend).
                let gen = self.frontend.buildkit_minor;
                let labs_or = |stable: u32| gen >= stable || (self.frontend.labs && gen >= 13);
                let mut known = vec![("chown", FlagKind::String), ("chmod", FlagKind::String)];
                if command == "copy" {
                    known.push(("from", FlagKind::String));
                }
                if gen >= 10 {
                    known.push(("link", FlagKind::Bool));
                }
                if command == "add" && gen >= 11 {
                    known.push(("keep-git-dir", FlagKind::Bool));
                    known.push(("checksum", FlagKind::String));
                }
                if command == "add" && gen >= 24 {
                    known.push(("unpack", FlagKind::Bool));
                }
                if labs_or(26) {
                    known.push(("exclude", FlagKind::Strings));
                    if command == "copy" {
                        known.push(("parents", FlagKind::Bool));
                    }
                }
                flags_with(self, &known)?;
                if let Some(last) = words.last() {
                    if syntax::parse_heredoc(&last.text).ok().flatten().is_some() {
                        return err(self, format!("{upper} cannot accept a heredoc as a destination"));
                    }
                }
            }
            "from" => {
                if n == 3 && words[1].text.eq_ignore_ascii_case("as") {
                    let name = words[2].text.to_lowercase();
                    if !valid_stage_name(&name) {
                        return err(
                            self,
                            format!(
                                "invalid name for build stage: {}, name can't start with a number or contain symbols",
                                super::verdict::go_quote(&words[2].text)
                            ),
                        );
                    }
                } else if n != 1 {
                    return err(self, "FROM requires either one or three arguments".into());
                }
                flags_with(self, &[("platform", FlagKind::String)])?;
            }
            "onbuild" => {
                if n == 0 {
                    return err(self, "ONBUILD requires at least one argument".into());
                }
                flags_with(self, &[])?;
                let trigger = words[0].text.trim().to_uppercase();
                match trigger.as_str() {
                    "ONBUILD" => return err(self, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into()),
                    "MAINTAINER" | "FROM" => {
                        return err(self, format!("{trigger} isn't allowed as an ONBUILD trigger"))
                    }
                    _ => {}
                }
            }
            "workdir" | "user" => {
                if n != 1 {
                    return err(self, format!("{upper} requires exactly one argument"));
                }
                flags_with(self, &[])?;
            }
            "run" => {
                let mut known = vec![("mount", FlagKind::Strings)];
                if self.frontend.run_network_flags {
                    known.push(("network", FlagKind::String));
                    known.push(("security", FlagKind::String));
                }
                if self.frontend.lexer >= LexerGen::V3 && self.frontend.parse.strict_json {
                    known.push(("device", FlagKind::Strings));
                }
                flags_with(self, &known)?;
                if self.frontend.buildkit_minor < 9 {
                    // The old frontend reads mount values while parsing.
                    let env = Env { workdir: "/".into(), ..Env::default() };
                    for flag in ins.flags.iter().filter(|f| f.name == "mount") {
                        if let Some(e) = self.build_mount(index, None, flag, &env, false).error {
                            return Err(e);
                        }
                    }
                }
            }
            "cmd" | "entrypoint" => flags_with(self, &[])?,
            "healthcheck" => {
                if n == 0 {
                    return err(self, "HEALTHCHECK requires at least one argument".into());
                }
                let kind = words[0].text.to_uppercase();
                if kind == "NONE" {
                    if n != 1 {
                        return err(self, "HEALTHCHECK NONE takes no arguments".into());
                    }
                } else {
                    let mut known = vec![
                        ("interval", FlagKind::String),
                        ("timeout", FlagKind::String),
                        ("start-period", FlagKind::String),
                        ("retries", FlagKind::String),
                    ];
                    if self.frontend.buildkit_minor >= 12 {
                        known.push(("start-interval", FlagKind::String));
                    }
                    flags_with(self, &known)?;
                    if kind != "CMD" {
                        return err(
                            self,
                            format!("Unknown type {} in HEALTHCHECK (try CMD)", super::verdict::go_quote(&kind)),
                        );
                    }
                    if n == 1 {
                        return err(self, "Missing command after HEALTHCHECK CMD".into());
                    }
                }
            }
            "expose" => {
                if n == 0 {
                    return err(self, "EXPOSE requires at least one argument".into());
                }
                flags_with(self, &[])?;
            }
            "volume" => {
                if n == 0 {
                    return err(self, "VOLUME requires at least one argument".into());
                }
                flags_with(self, &[])?;
                if words.iter().any(|w| w.text.trim().is_empty()) {
                    let bad = words.iter().find(|w| w.text.trim().is_empty()).map_or(ins.span, |w| w.span);
                    let e = self.instruction_error(index, "VOLUME specified can not be an empty string".into(), bad);
                    if let Some(v) = self.volumes.iter_mut().find(|v| v.instruction == index) {
                        v.error = Some(Box::new(e.clone()));
                    }
                    return Err(e);
                }
            }
            "stopsignal" => {
                if n != 1 {
                    return err(self, "STOPSIGNAL requires exactly one argument".into());
                }
            }
            "arg" => {
                if n == 0 {
                    return err(self, "ARG requires at least one argument".into());
                }
                if words.iter().any(|w| w.text.starts_with('=')) {
                    return err(self, "ARG names can not be blank".into());
                }
            }
            "shell" => {
                flags_with(self, &[])?;
                match &ins.args {
                    Args::Json(w) if w.is_empty() => return err(self, "SHELL requires at least one argument".into()),
                    Args::Json(_) => {}
                    Args::Empty => return err(self, "SHELL requires at least one argument".into()),
                    _ => {
                        return err(self, "SHELL requires the arguments to be in JSON form".to_string());
                    }
                }
            }
            _ => {
                let mut message = if self.frontend.new_messages {
                    format!("unknown instruction: {}", ins.keyword)
                } else {
                    format!("unknown instruction: {}", ins.keyword.to_uppercase())
                };
                if self.frontend.new_messages {
                    if let Some(s) = suggest_case_insensitive(&ins.keyword, INSTRUCTIONS) {
                        message.push_str(&format!(" (did you mean {s}?)"));
                    }
                }
                let e = self.instruction_error(index, message, ins.keyword_span);
                return Err(e);
            }
        }
        Ok(())
    }

    /// `BFlags.Parse` for the flags an instruction defines.
    fn check_flags(&self, _index: usize, ins: &Instruction, known: &[(&str, FlagKind)]) -> Result<(), (String, Span)> {
        let new = self.frontend.new_messages;
        let mut used: BTreeSet<String> = BTreeSet::new();
        for flag in &ins.flags {
            if flag.text == "--" {
                return Ok(());
            }
            let name = &flag.name;
            let shown = format!("--{name}");
            let Some((_, kind)) = known.iter().find(|(k, _)| k == name) else {
                let mut message = if new { format!("unknown flag: {shown}") } else { format!("Unknown flag: {name}") };
                if new {
                    let names: Vec<String> = known.iter().map(|(k, _)| k.to_string()).collect();
                    if let Some(s) = suggest(name, &names) {
                        message.push_str(&format!(" (did you mean {s}?)"));
                    }
                }
                return Err((message, flag.span));
            };
            if !used.insert(name.clone()) && *kind != FlagKind::Strings {
                let message = if new {
                    format!("duplicate flag specified: {shown}")
                } else {
                    format!("Duplicate flag specified: {name}")
                };
                return Err((message, flag.span));
            }
            let missing = || {
                if new {
                    format!("missing a value on flag: {shown}")
                } else {
                    format!("Missing a value on flag: {name}")
                }
            };
            match kind {
                FlagKind::Bool => match flag.value.as_deref() {
                    Some("") => return Err((missing(), flag.span)),
                    Some(v) if !matches!(v.to_lowercase().as_str(), "true" | "false") => {
                        let message = if new {
                            format!("expecting boolean value for flag {shown}, not: {v}")
                        } else {
                            format!("Expecting boolean value for flag {name}, not: {v}")
                        };
                        return Err((message, flag.span));
                    }
                    _ => {}
                },
                FlagKind::String | FlagKind::Strings => {
                    if flag.value.is_none() {
                        return Err((missing(), flag.span));
                    }
                }
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FlagKind {
    Bool,
    String,
    Strings,
}

const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// `^[a-z][a-z0-9-_.]*$`
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// Is `path` the volume path or below it (both cleaned)?
fn under(path: &str, volume: &str) -> bool {
    path == volume
        || (volume == "/" && path.starts_with('/'))
        || path.strip_prefix(volume).is_some_and(|rest| rest.starts_with('/'))
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// go-units `RAMInBytes`: `64m`, `1g`, `512kb`... (binary multiples).
fn ram_in_bytes(value: &str) -> Option<i64> {
    let trimmed = value.trim();
    let split = trimmed.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: f64 = number.parse().ok()?;
    let unit = unit.trim().to_lowercase();
    let unit = unit.strip_suffix("ib").or_else(|| unit.strip_suffix('b')).unwrap_or(&unit);
    let multiplier: f64 = match unit {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        "t" => 1024f64.powi(4),
        "p" => 1024f64.powi(5),
        _ => return None,
    };
    Some((number * multiplier) as i64)
}

/// A CSV record as Go's `encoding/csv` reads one line (the `csvvalue` package the
/// frontend uses follows it): fields with their char ranges in the value.
fn csv_fields(value: &str) -> Result<Vec<(String, usize, usize)>, String> {
    let chars: Vec<char> = value.chars().collect();
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        if chars.get(i) == Some(&'"') {
            // Quoted field.
            let mut field = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(format!(
                            "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                            i + 1
                        ))
                    }
                    Some('"') if chars.get(i + 1) == Some(&'"') => {
                        field.push('"');
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        field.push(c);
                        i += 1;
                    }
                }
            }
            match chars.get(i) {
                None => {
                    fields.push((field, start, i));
                    return Ok(fields);
                }
                Some(',') => {
                    fields.push((field, start, i));
                    i += 1;
                }
                Some(_) => {
                    return Err(format!(
                        "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                        i + 1
                    ))
                }
            }
        } else {
            let mut field = String::new();
            while let Some(&c) = chars.get(i) {
                if c == ',' {
                    break;
                }
                if c == '"' {
                    return Err(format!("parse error on line 1, column {}: bare \" in non-quoted-field", i + 1));
                }
                field.push(c);
                i += 1;
            }
            fields.push((field, start, i));
            if i >= chars.len() {
                return Ok(fields);
            }
            i += 1;
        }
    }
}

/// BuildKit's `suggest.Search` (case-sensitive): the closest option within distance 2.
fn suggest(value: &str, options: &[String]) -> Option<String> {
    let mut best: Option<String> = None;
    let mut min = 3;
    for option in options {
        if option == value {
            return None;
        }
        let distance = levenshtein(value, option);
        if distance < min {
            best = Some(option.clone());
            min = distance;
        }
    }
    best
}

/// Case-insensitive search, the match given in the case of the input.
fn suggest_case_insensitive(value: &str, options: &[&str]) -> Option<String> {
    let lowered = value.to_lowercase();
    let mut best: Option<String> = None;
    let mut min = 3;
    for option in options {
        let o = option.to_lowercase();
        if o == lowered {
            return None;
        }
        let distance = levenshtein(&lowered, &o);
        if distance < min {
            best = Some(if value == value.to_lowercase() {
                o.clone()
            } else if value == value.to_uppercase() {
                o.to_uppercase()
            } else {
                o.clone()
            });
            min = distance;
        }
    }
    best
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context::default()
    }

    #[test]
    fn resolves_volumes_with_scoped_args() {
        let a = analyse("ARG G=/glob\nFROM busybox\nARG G\nVOLUME /v$G /w\n", &ctx());
        assert_eq!(a.error, None);
        assert_eq!(*a.volumes[0].paths, ["/v/glob", "/w"]);
        assert!(a.base_volumes_unknown);
        assert_eq!(a.image_volumes, ["/v/glob", "/w"]);
    }

    #[test]
    fn reports_unknown_variables() {
        let a = analyse("FROM scratch\nENV DATA=/d\nVOLUME $DAT\n", &ctx());
        assert_eq!(a.error.unwrap().message, "VOLUME specified can not be an empty string");
        assert_eq!(a.unknown_variables[0].message, "Usage of undefined variable '$DAT' (did you mean $DATA?)");
    }

    #[test]
    fn build_mounts_land_in_the_model() {
        let a = analyse("FROM scratch\nRUN --mount=type=cache,target=/root/.cache,sharing=locked,foo=1 true\n", &ctx());
        let m = &a.build_mounts[0];
        assert_eq!(m.mount.kind, MountKind::Other("cache".into()));
        assert_eq!(m.mount.target, "/root/.cache");
        assert_eq!(m.mount.rare.driver_opts.get("sharing").map(String::as_str), Some("locked"));
        assert_eq!(m.unknown_keys[0].0, "foo");
        assert_eq!(a.error.unwrap().message, "unexpected key 'foo' in 'foo=1' (did you mean from?)");
    }

    #[test]
    fn csv_and_bools_follow_go() {
        assert_eq!(
            csv_fields("a,\"b,c\",d").unwrap().iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
            ["a", "b,c", "d"]
        );
        assert!(csv_fields("a\"b").is_err());
        assert_eq!(parse_go_bool("T"), Some(true));
        assert_eq!(ram_in_bytes("64m"), Some(64 * 1024 * 1024));
        assert_eq!(levenshtein("mout", "mount"), 1);
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn analysis_never_panics(body in "(FROM|ARG|ENV|VOLUME|RUN|COPY|ONBUILD|WORKDIR|volume)( [ -~]{0,25})?(\n(FROM|ARG|ENV|VOLUME|RUN|COPY|ONBUILD|WORKDIR|# escape=`|\\\\)( [ -~]{0,25})?){0,8}",
                                 bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            for builder in [Builder::Classic, Builder::Buildkit] {
                let opts = BuildOptions { builder: Some(builder), ..BuildOptions::default() };
                for versions in [DockerVersions::NEWEST, DockerVersions::CONFORMANCE] {
                    let ctx = Context { versions, ..Context::default() };
                    let a = analyse_with(body.as_bytes(), &ctx, &opts);
                    if let Some(err) = &a.error {
                        prop_assert!(err.span.end <= body.len() && err.span.start <= err.span.end);
                    }
                    let _ = analyse_with(&bytes, &ctx, &opts);
                }
            }
        }
    }
}
