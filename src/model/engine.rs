//! A whole `docker create`: from the storage flags to Docker's verdict, in Docker's own
//! order of processing (spec `run-flags.md` §0.1), because that order decides which error
//! the user sees first.
//!
//! Each flag's own reading lives in `volume_flag`, `mount_flag` and `tmpfs_flag`; this file
//! only composes them and applies the rules that involve several mounts (duplicates,
//! shadowed anonymous volumes) or the daemon as a whole (data root, volume drivers).

use super::context::{Context, Platform};
use super::mount_flag;
use super::mountpoint::{MountOrigin, MountPoint};
use super::paths::clean;
use super::request::{ApiMount, CreateRequest};
use super::tmpfs_flag;
use super::verdict::{DockerError, InspectMount, Verdict};
use super::volume_flag::{self, ClientRoute};
use super::volumes::{check_volume_name, daemon_root_propagation, local_volume_path};
use crate::span::Span;
use crate::syntax::run_line::{self, RunLine};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Which storage flag a value was given to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagKind {
    Volume,
    Mount,
    Tmpfs,
}

impl FlagKind {
    /// The storage flag of this canonical flag name (`volume`, `mount`, `tmpfs`), if it
    /// is one.
    pub fn of_flag(name: &str) -> Option<FlagKind> {
        match name {
            "volume" => Some(FlagKind::Volume),
            "mount" => Some(FlagKind::Mount),
            "tmpfs" => Some(FlagKind::Tmpfs),
            _ => None,
        }
    }
}

/// One storage flag with its value, as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageFlag {
    pub kind: FlagKind,
    pub value: String,
    /// The value in the text it was read from.
    pub span: Span,
}

/// What of a `docker run`/`create` command matters for storage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunInput {
    pub flags: Vec<StorageFlag>,
    /// `--volume-driver` (the last one given wins).
    pub volume_driver: String,
    pub volumes_from: Vec<String>,
    /// `--rm`
    pub auto_remove: bool,
    /// `--restart` (the last one given wins).
    pub restart: Option<String>,
}

impl RunInput {
    /// Collects the storage-related flags of a command line, in order.
    pub fn from_line(line: &RunLine) -> RunInput {
        let mut input = RunInput { flags: Vec::with_capacity(line.flags.len()), ..RunInput::default() };
        for flag in &line.flags {
            let value = flag.value.as_ref();
            let text = value.map(|w| w.value.clone()).unwrap_or_default();
            let span = value.map(|w| w.span).unwrap_or(flag.span);
            let kind = match flag.name {
                "volume" | "mount" | "tmpfs" => FlagKind::of_flag(flag.name),
                "volume-driver" => {
                    input.volume_driver = text.clone();
                    None
                }
                "volumes-from" => {
                    input.volumes_from.push(text.clone());
                    None
                }
                "rm" => {
                    input.auto_remove = flag_bool(value.map(|w| w.value.as_str()));
                    None
                }
                "restart" => {
                    input.restart = Some(text.clone());
                    None
                }
                _ => None,
            };
            if let (Some(kind), Some(_)) = (kind, value) {
                input.flags.push(StorageFlag { kind, value: text, span });
            }
        }
        input
    }
}

/// A boolean flag's value: bare means true; `--rm=false` means false.
fn flag_bool(value: Option<&str>) -> bool {
    !matches!(value, Some("false" | "0" | "f" | "F" | "FALSE" | "False"))
}

/// Docker's verdict on the arguments that follow `docker create` (storage flags and
/// whatever else), e.g. `["-v", "/tmp:/data", "dockmount-probe"]`.
pub fn predict_args(args: &[String], ctx: &Context) -> Verdict {
    predict(&RunInput::from_line(&run_line::parse_args(args)), ctx)
}

/// Docker's verdict on a set of storage flags.
pub fn predict(input: &RunInput, ctx: &Context) -> Verdict {
    predict_with(input, ctx, Views::Kept)
}

/// [`predict`] without the mount points and tmpfs mounts of an accepted command: only the
/// errors and warnings, which is what a linter keeps. A command of 100,000 mounts then
/// does not make 100,000 `docker inspect` views only to drop them.
pub fn predict_errors(input: &RunInput, ctx: &Context) -> Verdict {
    predict_with(input, ctx, Views::Dropped)
}

/// Whether a verdict lists what `docker inspect` would show.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Views {
    Kept,
    Dropped,
}

fn predict_with(input: &RunInput, ctx: &Context, views: Views) -> Verdict {
    let warnings: Vec<String> = input
        .flags
        .iter()
        .filter(|f| f.kind == FlagKind::Mount)
        .flat_map(|f| mount_flag::client_warnings(&f.value, ctx))
        .collect();
    let request = match client_stage(input, ctx) {
        Ok(request) => request,
        Err(failure) => return failure.into_verdict(warnings),
    };
    finish(&request, ctx, warnings, views)
}

/// The Engine's verdict on a request that did not come from `docker run` flags (compose
/// sends its own `Binds`, `Mounts` and `Tmpfs`).
pub fn predict_request(request: &CreateRequest, ctx: &Context) -> Verdict {
    finish(request, ctx, Vec::new(), Views::Kept)
}

fn finish(request: &CreateRequest, ctx: &Context, mut warnings: Vec<String>, views: Views) -> Verdict {
    match daemon_stage(request, ctx, &mut warnings) {
        Ok(points) => {
            let start_error = start_stage(request, &points, ctx);
            let kept = views == Views::Kept;
            Verdict {
                // The views take the mount points' strings over rather than copy them.
                mounts: if kept { points.into_iter().map(|p| inspect_view(p, ctx)).collect() } else { Vec::new() },
                tmpfs: if kept { request.tmpfs.clone() } else { BTreeMap::new() },
                error: None,
                start_error,
                error_alternatives: Vec::new(),
                warnings,
            }
        }
        Err(failure) => failure.into_verdict(warnings),
    }
}

/// An error, with the other messages Docker may print instead when Go map order decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub error: DockerError,
    pub alternatives: Vec<String>,
}

impl Failure {
    fn new(error: DockerError) -> Failure {
        Failure { error, alternatives: Vec::new() }
    }

    fn into_verdict(self, warnings: Vec<String>) -> Verdict {
        Verdict { error: Some(self.error), error_alternatives: self.alternatives, warnings, ..Verdict::default() }
    }
}

/// The CLI: flag parsing (each `--mount` on the spot), then `-v` and `--tmpfs`.
pub fn client_stage(input: &RunInput, ctx: &Context) -> Result<CreateRequest, Failure> {
    let mut request = CreateRequest { volume_driver: input.volume_driver.clone(), ..CreateRequest::default() };
    request.volumes_from = input.volumes_from.clone();

    // Step 1: flags are parsed left to right; a bad --mount stops everything at once.
    for flag in input.flags.iter().filter(|f| f.kind == FlagKind::Mount) {
        match mount_flag::client(&flag.value, ctx) {
            Ok(mount) => request.mounts.push(mount),
            Err(message) => return Err(Failure::new(DockerError::mount_flag(&flag.value, &message))),
        }
    }

    // Step 2: the `-v` values, de-duplicated by exact text. Docker keeps them in a Go map,
    // so when several are bad the one reported is random: report the first, list the rest.
    let mut seen = BTreeSet::new();
    let mut anonymous = BTreeSet::new();
    let mut errors = Vec::new();
    for flag in input.flags.iter().filter(|f| f.kind == FlagKind::Volume) {
        if !seen.insert(flag.value.as_str()) {
            continue;
        }
        match volume_flag::client(&flag.value, ctx) {
            Ok(ClientRoute::Anonymous { target }) => {
                if anonymous.insert(target.clone()) {
                    request.volumes.push(target);
                }
            }
            Ok(ClientRoute::Bind { raw }) => request.binds.push(raw),
            Err(message) => errors.push(message),
        }
    }
    if !errors.is_empty() {
        let error = DockerError::client(errors.remove(0));
        return Err(Failure { error, alternatives: errors });
    }

    for flag in input.flags.iter().filter(|f| f.kind == FlagKind::Tmpfs) {
        let (path, options) = tmpfs_flag::client(&flag.value);
        request.tmpfs.insert(path, options);
    }

    if input.auto_remove && input.restart.as_deref().is_some_and(|r| !r.is_empty() && r != "no") {
        return Err(Failure::new(DockerError::client("conflicting options: cannot specify both --restart and --rm")));
    }

    // The API client refuses some options the Engine's API version cannot take, when it
    // sends the request (after every flag was read).
    for mount in &request.mounts {
        mount_flag::client_api_check(mount, ctx).map_err(|message| Failure::new(DockerError::client(message)))?;
    }
    Ok(request)
}

/// The Engine: API gates, validation of `Mounts` and `Tmpfs`, then registration of binds,
/// mounts and anonymous volumes.
fn daemon_stage(
    request: &CreateRequest,
    ctx: &Context,
    warnings: &mut Vec<String>,
) -> Result<Vec<MountPoint>, Failure> {
    let daemon = |message: String| Failure::new(DockerError::daemon(message));

    // Step 4: API-version gates.
    let mut mounts = request.mounts.clone();
    for mount in &mut mounts {
        match mount_flag::apply_api_gates(mount, ctx) {
            Ok(Some(warning)) => warnings.push(warning),
            Ok(None) => {}
            Err(message) => return Err(daemon(message)),
        }
    }
    warnings.extend(mount_flag::volume_driver_warning(&mounts, &request.volume_driver, ctx));

    // Step 5: every `Mounts` entry, then every tmpfs destination.
    for mount in &mounts {
        mount_flag::daemon_validate(mount, ctx).map_err(daemon)?;
    }
    if ctx.platform == Platform::Linux {
        let errors: Vec<String> =
            request.tmpfs.keys().filter_map(|path| tmpfs_flag::daemon_validate(path, ctx).err()).collect();
        if let Some((first, rest)) = errors.split_first() {
            return Err(Failure { error: DockerError::daemon(first.clone()), alternatives: rest.to_vec() });
        }
    }

    // Step 7: `--volumes-from` (not modelled: it needs the other container), binds, mounts.
    let mut registry = Registry::new(&request.tmpfs, ctx);
    let mut bind_errors = Vec::new();
    for raw in &request.binds {
        let registered = volume_flag::daemon_bind(raw, &request.volume_driver, ctx)
            .and_then(|point| registry.register_bind(point, volume_flag::bind_spec_source(raw)));
        if let Err(message) = registered {
            bind_errors.push(message);
        }
    }
    if let Some((first, rest)) = bind_errors.split_first() {
        return Err(Failure { error: DockerError::daemon(first.clone()), alternatives: rest.to_vec() });
    }
    for mount in &mounts {
        let point = mount_flag::to_mount_point(mount, ctx);
        if let Err(message) = registry.register_mount(point, mount) {
            return Err(Failure { error: DockerError::daemon(message), alternatives: registry.alternatives });
        }
    }

    // Step 8: anonymous volumes of `-v` and of the image, unless something is mounted there.
    let mut anonymous_keys: Vec<&String> = request.volumes.iter().collect();
    let mut listed: BTreeSet<&String> = anonymous_keys.iter().copied().collect();
    for key in &ctx.image_volumes {
        if listed.insert(key) {
            anonymous_keys.push(key);
        }
    }
    for key in anonymous_keys {
        let point = volume_flag::daemon_anonymous(key, &request.volume_driver, ctx).map_err(daemon)?;
        registry.register_anonymous(point).map_err(daemon)?;
    }
    Ok(registry.into_points())
}

/// The container's mount points as the Engine registers them, one per destination.
struct Registry<'a> {
    /// In the order registered. Kept in a vector with a set of their destinations, not
    /// in a map by destination: a map node holds whole mount points, and a command of
    /// 100,000 mounts paid three times their size.
    points: Vec<MountPoint>,
    destinations: HashSet<String>,
    /// Other messages the last error could have been (Go map order decides).
    alternatives: Vec<String>,
    tmpfs: &'a BTreeMap<String, String>,
    ctx: &'a Context,
}

impl<'a> Registry<'a> {
    fn new(tmpfs: &'a BTreeMap<String, String>, ctx: &'a Context) -> Registry<'a> {
        Registry { points: Vec::new(), destinations: HashSet::new(), alternatives: Vec::new(), tmpfs, ctx }
    }

    fn has(&self, destination: &str) -> bool {
        self.destinations.contains(destination)
    }

    fn add(&mut self, point: MountPoint) {
        self.destinations.insert(point.destination.clone());
        self.points.push(point);
    }

    /// The mount points by destination, as the Engine lists them.
    fn into_points(self) -> Vec<MountPoint> {
        let mut points = self.points;
        points.sort_unstable_by(|a, b| a.destination.cmp(&b.destination));
        points.shrink_to_fit();
        points
    }

    /// `source_as_sent` is the bind's source before cleaning: the daemon-root rule looks
    /// at that text.
    fn register_bind(&mut self, mut point: MountPoint, source_as_sent: &str) -> Result<(), String> {
        self.apply_bind_propagation(&mut point, source_as_sent)?;
        if self.has(&point.destination) || self.tmpfs.contains_key(&point.destination) {
            return Err(format!("Duplicate mount point: {}", point.destination));
        }
        self.create_volume(&mut point)?;
        self.add(point);
        Ok(())
    }

    fn register_mount(&mut self, mut point: MountPoint, mount: &ApiMount) -> Result<(), String> {
        self.apply_bind_propagation(&mut point, &mount.source)?;
        if self.has(&point.destination) {
            // The message names the target as typed, though the check uses the cleaned one.
            return Err(format!("Duplicate mount point: {}", mount.target));
        }
        self.create_volume(&mut point)?;
        // The driver reads its options after it checked the name and made the directory.
        let options = mount.volume_options.as_ref().and_then(|o| o.driver_config.as_ref()).map(|d| &d.options);
        if let Some(options) = options {
            self.check_local_driver_options(&point, options)?;
        }
        self.add(point);
        Ok(())
    }

    fn register_anonymous(&mut self, mut point: MountPoint) -> Result<(), String> {
        let shadowed = self.has(&point.destination) || self.tmpfs.contains_key(&point.destination);
        if shadowed {
            return Ok(());
        }
        self.create_volume(&mut point)?;
        self.add(point);
        Ok(())
    }

    /// Binds near the daemon's data root must be `rslave`/`rshared` (spec §1.9).
    fn apply_bind_propagation(&self, point: &mut MountPoint, source_as_sent: &str) -> Result<(), String> {
        if point.kind == "bind" && self.ctx.platform == Platform::Linux {
            point.propagation = daemon_root_propagation(source_as_sent, &point.propagation, self.ctx)?;
        }
        Ok(())
    }

    /// The `local` driver's options (`--mount ...,volume-opt=K=V`). Docker walks a Go
    /// map, so when several are wrong the one reported is random: the others become
    /// alternatives.
    fn check_local_driver_options(
        &mut self,
        point: &MountPoint,
        options: &BTreeMap<String, String>,
    ) -> Result<(), String> {
        let driver = if point.driver.is_empty() { "local" } else { point.driver.as_str() };
        if driver != "local" {
            return Ok(());
        }
        let name = if point.name.is_empty() { "<generated-name>" } else { point.name.as_str() };
        let mut errors: Vec<String> = mount_flag::local_volume_options_errors(options, self.ctx)
            .into_iter()
            .map(|message| format!("create {name}: {message}"))
            .collect();
        if errors.is_empty() {
            return Ok(());
        }
        let first = errors.remove(0);
        self.alternatives = errors;
        Err(first)
    }

    /// Creating (or reusing) a named or anonymous volume with its driver.
    fn create_volume(&self, point: &mut MountPoint) -> Result<(), String> {
        if point.kind != "volume" {
            return Ok(());
        }
        if point.driver.is_empty() {
            point.driver = "local".to_string();
        }
        // An anonymous volume's random name is 64 hex digits: we cannot know it, so
        // messages about it show this placeholder.
        let shown_name = if point.name.is_empty() { "<generated-name>" } else { point.name.as_str() };
        if point.driver != "local" {
            if let Some(plugins) = &self.ctx.volume_plugins {
                if !plugins.contains(&point.driver) {
                    return Err(format!(
                        "create {shown_name}: error looking up volume plugin {driver}: plugin \"{driver}\" not found",
                        driver = point.driver
                    ));
                }
            }
        }
        if !point.name.is_empty() && self.ctx.platform == Platform::Linux {
            check_volume_name(&point.name, &point.driver)?;
            // The local driver makes a directory named after the volume: file systems
            // refuse names over 255 bytes.
            if point.driver == "local" && point.name.len() > 255 {
                let root = format!("{}/volumes/{}", self.ctx.daemon_root, point.name);
                return Err(format!(
                    "create {}: error while creating volume root path '{root}': mkdir {root}: file name too long",
                    point.name
                ));
            }
        }
        let anonymous_key = point.origin == MountOrigin::Anonymous;
        if point.driver == "local" && point.mode.is_empty() && !anonymous_key && self.ctx.platform == Platform::Linux {
            // The Engine relabels local volumes of `Binds` and `Mounts` with the shared
            // SELinux label unless a mode was given (`setBindModeIfNull`); the anonymous
            // volumes of `Config.Volumes` keep an empty mode.
            point.mode = "z".to_string();
        }
        Ok(())
    }
}

/// What `docker inspect` shows for a mount point.
fn inspect_view(point: MountPoint, ctx: &Context) -> InspectMount {
    let source = match point.kind.as_str() {
        "volume" if point.name.is_empty() => String::new(),
        "volume" if point.driver == "local" || point.driver.is_empty() => local_volume_path(&point.name, ctx),
        "volume" => String::new(),
        _ => point.source,
    };
    InspectMount {
        kind: point.kind,
        name: point.name,
        source,
        destination: point.destination,
        driver: point.driver,
        mode: point.mode,
        rw: point.rw,
        propagation: point.propagation,
    }
}

/// Errors that only show when the container starts: the tmpfs options Docker merges (and
/// rejects when unknown), then what the kernel makes of their values.
fn start_stage(request: &CreateRequest, points: &[MountPoint], ctx: &Context) -> Option<DockerError> {
    if ctx.platform != Platform::Linux {
        return None;
    }
    // A volume over the container's root (`-v /`, `-v ./`) hides the image: the runtime
    // cannot set the container up. Which file it trips on varies; the start is the same.
    if points.iter().any(|p| p.destination == "/" || p.destination == ".") {
        return Some(DockerError::runtime(
            "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init:",
        ));
    }
    request.tmpfs.iter().find_map(|(path, options)| match tmpfs_flag::start_options(options, ctx) {
        Err(message) => Some(DockerError::daemon(message)),
        Ok(merged) => tmpfs_flag::kernel_check(path, &merged).err().map(DockerError::runtime),
    })
}

/// The cleaned destination of an anonymous volume key (exposed for explanations).
pub fn anonymous_destination(key: &str) -> String {
    clean(key)
}
