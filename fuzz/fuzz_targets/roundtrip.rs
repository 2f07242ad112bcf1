//! Parse → translate → parse: one storage spec (the first byte picks its syntax: `-v`,
//! `--mount`, `--tmpfs` value, or a compose short `volumes:` entry) translated into every
//! other syntax, the output read back, and its meaning compared with the original's.
//!
//! The properties are those `translate` promises (and tests/translate_props.rs checks on
//! generated specs), here on arbitrary ones:
//! - an accepted flag value translates, to one flag that reads back as shell words;
//! - an exact translation means what the original means (Docker's reading of the output,
//!   and the syntax-independent part of its model); a translation that is not exact says
//!   why with a warning;
//! - an output translated again to its own syntax is itself (canonical form);
//! - `-v` → `--mount` → `-v` keeps the meaning when both steps are exact;
//! - a compose translation loads, and when exact, compose's request means the original
//!   (and so do the flags it translates back to, when that is exact too);
//! - a compose entry translated to flags, when exact, makes the CLI send what compose sends.
//!
//! They are asserted in the Linux contexts those tests use; a Windows daemon context is
//! only run (no panic).
#![no_main]

use dockmount::model::compose::engine::EngineRoute;
use dockmount::model::compose::ComposeProject;
use dockmount::model::context::Platform;
use dockmount::model::engine::FlagKind;
use dockmount::model::mount::{Mount, MountKind};
use dockmount::model::paths::clean;
use dockmount::model::{Context, DockerVersions};
use dockmount::syntax::run_line::{parse_args, parse_command};
use dockmount::translate::meaning::{self, Meaning, Sent};
use dockmount::translate::quote::yaml_scalar;
use dockmount::translate::{self, model_of, to_compose, to_run, Shape, Target, Translation};
use libfuzzer_sys::fuzz_target;

const FLAG_TARGETS: [Target; 4] = [Target::Auto, Target::Mount, Target::Volume, Target::Tmpfs];

/// The contexts the properties are asserted in (every host path exists, the image has no
/// `VOLUME`: what `translate` judges in).
fn contexts() -> [Context; 2] {
    let cwd = "/home/u/proj".to_string();
    [
        Context { cwd: cwd.clone(), ..Context::default() },
        Context { cwd, versions: DockerVersions::CONFORMANCE, ..Context::default() },
    ]
}

fn windows() -> Context {
    Context { platform: Platform::Windows, cwd: "C:\\work".to_string(), ..Context::default() }
}

/// An output line read back as the shell and the docker CLI read it: (flag, value) pairs.
fn read_back(line: &str) -> Vec<(FlagKind, String)> {
    let run =
        parse_command(&format!("docker run {line}")).unwrap_or_else(|e| panic!("`{line}` does not read back: {e:?}"));
    assert!(run.unknown_flags.is_empty(), "`{line}`: unknown flags {:?}", run.unknown_flags);
    run.flags
        .iter()
        .filter_map(|f| Some((FlagKind::of_flag(f.name)?, f.value_str().unwrap_or_default().to_string())))
        .collect()
}

/// The syntax-independent part of a model: what every syntax says the same way.
#[derive(Debug, PartialEq)]
struct Core {
    kind: MountKind,
    source: Option<String>,
    target: String,
    read_only: bool,
    nocopy: bool,
    subpath: Option<String>,
}

fn core(mount: &Mount) -> Core {
    let source =
        mount
            .source
            .clone()
            .filter(|s| !s.is_empty())
            .map(|s| if mount.kind == MountKind::Bind { clean(&s) } else { s });
    Core {
        kind: mount.kind.clone(),
        source,
        target: clean(&mount.target),
        read_only: mount.read_only,
        nocopy: mount.nocopy,
        subpath: mount.rare.subpath.clone(),
    }
}

fn translate_flags(kind: FlagKind, value: &str, target: Target, ctx: &Context) -> Option<Translation> {
    let args = vec![translate::flag_name(kind).to_string(), value.to_string()];
    translate::translate(&parse_args(&args), Shape::Flags, target, ctx).ok()
}

fn meaning_of(kind: FlagKind, value: &str, ctx: &Context) -> Option<Meaning> {
    meaning::of_flag(kind, value, "", ctx).ok()
}

fn own_target(kind: FlagKind) -> Target {
    match kind {
        FlagKind::Volume => Target::Volume,
        FlagKind::Mount => Target::Mount,
        FlagKind::Tmpfs => Target::Tmpfs,
    }
}

fn says_why(translation: &Translation) -> bool {
    translation.notes.iter().any(|n| n.is_warning())
}

/// The properties for one flag value in one context.
fn check_flag(kind: FlagKind, value: &str, ctx: &Context) {
    let flag = translate::flag_name(kind);
    let Some(original) = meaning_of(kind, value, ctx) else {
        // Refused by Docker: translate must refuse it too, without panicking.
        for target in FLAG_TARGETS {
            let _ = translate_flags(kind, value, target, ctx);
        }
        return;
    };
    let original_model = model_of(kind, value, ctx).expect("an accepted value has a model");
    for target in FLAG_TARGETS {
        let translation = translate_flags(kind, value, target, ctx)
            .unwrap_or_else(|| panic!("`{flag} {value}` is accepted but not translated ({target:?})"));
        assert_eq!(translation.output.len(), 1, "{flag} {value}: {:?}", translation.output);
        let line = &translation.output[0];
        let read = read_back(line);
        let [(out_kind, out_value)] = read.as_slice() else { panic!("`{line}` is not one flag") };
        let translated = meaning_of(*out_kind, out_value, ctx);
        if translation.exact {
            assert_eq!(translated.as_ref(), Some(&original), "exact `{flag} {value}` → `{line}` ({target:?})");
            let model = model_of(*out_kind, out_value, ctx).expect("the output has a model");
            assert_eq!(core(&model), core(&original_model), "`{flag} {value}` → `{line}`");
        } else {
            assert!(says_why(&translation), "`{flag} {value}` → `{line}` is not exact but says nothing");
        }
        if translated.is_some() {
            let again = translate_flags(*out_kind, out_value, own_target(*out_kind), ctx)
                .unwrap_or_else(|| panic!("the output `{line}` does not translate"));
            assert_eq!(&again.output[0], line, "translating `{line}` again ({target:?} from `{flag} {value}`)");
        }
    }
    if kind == FlagKind::Volume {
        check_volume_mount_volume(value, &original, ctx);
    }
    check_to_compose(kind, value, &original, ctx);
}

/// `-v` → `--mount` → `-v` keeps the meaning when both steps are exact.
fn check_volume_mount_volume(value: &str, original: &Meaning, ctx: &Context) {
    let there = translate_flags(FlagKind::Volume, value, Target::Mount, ctx).expect("translates");
    if !there.exact {
        return;
    }
    let (_, mount_value) = read_back(&there.output[0]).remove(0);
    let back = translate_flags(FlagKind::Mount, &mount_value, Target::Volume, ctx).expect("translates back");
    if !back.exact {
        return;
    }
    let (back_kind, back_value) = read_back(&back.output[0]).remove(0);
    assert_eq!(back_kind, FlagKind::Volume);
    assert_eq!(
        meaning_of(back_kind, &back_value, ctx).as_ref(),
        Some(original),
        "`-v {value}` → `{}` → `{}`",
        there.output[0],
        back.output[0]
    );
}

/// The compose translation loads with compose's rules and, when exact, compose's request
/// means what the original means.
fn check_to_compose(kind: FlagKind, value: &str, original: &Meaning, ctx: &Context) {
    let flag = translate::flag_name(kind);
    for target in [Target::Compose, Target::ComposeLong] {
        let args = vec![flag.to_string(), value.to_string(), "img".to_string()];
        let line = parse_args(&args);
        let translation = translate::translate(&line, Shape::CommandWords(&args), target, ctx)
            .unwrap_or_else(|_| panic!("`{flag} {value}` is accepted but not translated to compose"));
        let text = translation.output.join("\n") + "\n";
        let project = to_compose::load(&text, ctx);
        assert!(project.errors.is_empty(), "`{flag} {value}` → compose does not load: {:?}\n{text}", project.errors);
        if !translation.exact {
            assert!(says_why(&translation), "`{flag} {value}`: not exact but says nothing\n{text}");
            continue;
        }
        assert_eq!(project.services[0].mounts.len(), 1, "{text}");
        let sent =
            compose_meaning(&project, ctx).unwrap_or_else(|| panic!("`{flag} {value}` → compose is refused\n{text}"));
        assert_eq!(&sent, original, "`{flag} {value}` → compose\n{text}");
        // Back to flags: when that is exact too, the flags mean the original.
        let back = to_run::translate(&project, None, Target::Shortest, ctx).expect("back to flags");
        if back.exact {
            let (back_kind, back_value) = read_back(&back.output[0]).remove(0);
            let mut meaning = meaning_of(back_kind, &back_value, ctx).expect("exact flags are accepted");
            declared_volume(&project, &mut meaning);
            assert_eq!(&meaning, original, "`{flag} {value}` → compose → `{}`\n{text}", back.output[0]);
        }
    }
}

/// A service with one short `volumes:` entry; the entry's first field is declared as a
/// top-level volume when it could name one (compose refuses undeclared volume names).
fn compose_file(entry: &str) -> String {
    let mut text = format!("services:\n  app:\n    image: img\n    volumes:\n      - {}\n", yaml_scalar(entry));
    let first = entry.split(':').next().unwrap_or_default();
    if !first.is_empty() && !first.starts_with(['.', '/', '~', '$']) {
        text.push_str(&format!("volumes:\n  {}: {{}}\n", yaml_scalar(first)));
    }
    text
}

/// What compose asks the Engine for, for the service's only mount, as a meaning.
fn compose_meaning(project: &ComposeProject, ctx: &Context) -> Option<Meaning> {
    let [item] = project.services.first()?.mounts.as_slice() else { return None };
    let sent = match &item.route {
        Some(EngineRoute::Bind(raw)) => Sent::Bind(raw.clone()),
        Some(EngineRoute::Mount(api)) => Sent::Mount(api.clone()),
        // A `tmpfs:` item.
        None => {
            let options = item.mount.rare.tmpfs.clone().unwrap_or_default().options.join(",");
            Sent::Tmpfs { path: item.mount.target.clone(), options }
        }
    };
    // Compose creates a declared volume with its driver first: the Engine finds it there.
    let declared = |name: &str| project.volumes.iter().find(|v| v.name == name);
    let driver = match &sent {
        Sent::Bind(raw) => declared(raw.split(':').next().unwrap_or_default()),
        Sent::Mount(api) if api.r#type == "volume" => declared(&api.source),
        _ => None,
    }
    .and_then(|top| top.driver.clone())
    .unwrap_or_default();
    let mut meaning = to_compose::of_declared_sent(sent, &driver, ctx).ok()?;
    declared_volume(project, &mut meaning);
    Some(meaning)
}

/// Compose creates a declared volume itself, with its driver, options and labels, before
/// the container: the Engine then finds it so.
fn declared_volume(project: &ComposeProject, meaning: &mut Meaning) {
    if meaning.kind != "volume" {
        return;
    }
    if let Some(top) = project.volumes.iter().find(|v| v.name == meaning.source) {
        meaning.driver = top.driver.clone().unwrap_or_else(|| "local".into());
        meaning.driver_opts = top.driver_opts.clone();
        meaning.labels = top.labels.clone();
    }
}

/// A compose entry translated to flags: when exact, the flag makes the CLI send what
/// compose sends, and that flag passes the flag properties in its turn.
fn check_compose_entry(entry: &str, ctx: &Context) {
    let text = compose_file(entry);
    let project = to_compose::load(&text, ctx);
    let Some(original) = compose_meaning(&project, ctx).filter(|_| project.error().is_none()) else {
        for target in [Target::Shortest, Target::Mount] {
            let _ = to_run::translate(&project, None, target, ctx);
        }
        return;
    };
    for target in [Target::Shortest, Target::Auto, Target::Mount, Target::Volume, Target::Tmpfs] {
        let Ok(translation) = to_run::translate(&project, None, target, ctx) else { continue };
        if !translation.exact {
            assert!(says_why(&translation), "compose `{entry}` → {:?}: not exact but says nothing", translation.output);
            continue;
        }
        let read: Vec<(FlagKind, String)> = translation.output.iter().flat_map(|line| read_back(line)).collect();
        let [(kind, value)] = read.as_slice() else {
            panic!("compose `{entry}` → {:?}: not one flag", translation.output)
        };
        let mut meaning = meaning_of(*kind, value, ctx)
            .unwrap_or_else(|| panic!("compose `{entry}` → `{}`: refused by the CLI", translation.output[0]));
        declared_volume(&project, &mut meaning);
        assert_eq!(meaning, original, "compose `{entry}` → `{}` ({target:?})\n{text}", translation.output[0]);
        if target == Target::Shortest {
            check_flag(*kind, value, ctx);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else { return };
    // An argv word holds no NUL.
    let Ok(value) = std::str::from_utf8(rest) else { return };
    if value.contains('\0') {
        return;
    }
    let kind = match first % 4 {
        0 => Some(FlagKind::Volume),
        1 => Some(FlagKind::Mount),
        2 => Some(FlagKind::Tmpfs),
        _ => None,
    };
    for ctx in contexts() {
        match kind {
            Some(kind) => check_flag(kind, value, &ctx),
            None => check_compose_entry(value, &ctx),
        }
    }
    let windows = windows();
    match kind {
        Some(kind) => {
            for target in FLAG_TARGETS.into_iter().chain([Target::Compose, Target::ComposeLong]) {
                let args = vec![translate::flag_name(kind).to_string(), value.to_string(), "img".to_string()];
                let _ = translate::translate(&parse_args(&args), Shape::CommandWords(&args), target, &windows);
            }
        }
        None => {
            let project = to_compose::load(&compose_file(value), &windows);
            let _ = to_run::translate(&project, None, Target::Shortest, &windows);
        }
    }
});
