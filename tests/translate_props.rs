//! Properties of `translate` over generated specs:
//!
//! - every output reads back (as shell words, then as the flag it names) and does what the
//!   translation says: for an exact translation, Docker's reading of the output (its
//!   meaning) and the output's model equal the original's;
//! - translating an output again to the same syntax gives the same text (canonical form);
//! - `-v` → `--mount` → `-v` comes back to the same meaning whenever both steps are exact;
//! - a compose translation loads with compose's rules, and when exact, what compose asks
//!   the Engine for means the same as the original;
//! - no input makes it panic.

use dockmount::model::engine::FlagKind;
use dockmount::model::mount::{Mount, MountKind};
use dockmount::model::paths::clean;
use dockmount::model::{Context, DockerVersions};
use dockmount::syntax::run_line::{parse_args, parse_command, RunLine};
use dockmount::translate::meaning::{self, Meaning};
use dockmount::translate::{self, model_of, to_compose, Shape, Target, Translation};
use proptest::prelude::*;

fn contexts() -> [Context; 2] {
    [
        Context { cwd: "/home/u/proj".into(), ..Context::default() },
        Context { cwd: "/home/u/proj".into(), versions: DockerVersions::CONFORMANCE, ..Context::default() },
    ]
}

fn kind_of(flag: &str) -> FlagKind {
    match flag {
        "-v" => FlagKind::Volume,
        "--mount" => FlagKind::Mount,
        _ => FlagKind::Tmpfs,
    }
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

fn translate_flags(flag: &str, value: &str, target: Target, ctx: &Context) -> Option<Translation> {
    let args = vec![flag.to_string(), value.to_string()];
    let line = parse_args(&args);
    translate::translate(&line, Shape::Flags, target, ctx).ok()
}

fn meaning_of(kind: FlagKind, value: &str, ctx: &Context) -> Option<Meaning> {
    meaning::of_flag(kind, value, "", ctx).ok()
}

/// Checks the properties for one accepted flag value.
fn check(flag: &str, value: &str) {
    for ctx in contexts() {
        let kind = kind_of(flag);
        let Some(original) = meaning_of(kind, value, &ctx) else { continue };
        let original_model = model_of(kind, value, &ctx).expect("an accepted value has a model");
        for target in [Target::Auto, Target::Mount, Target::Volume, Target::Tmpfs] {
            let translation = translate_flags(flag, value, target, &ctx)
                .unwrap_or_else(|| panic!("`{flag} {value}` is accepted but not translated ({target:?})"));
            assert_eq!(translation.output.len(), 1, "{flag} {value}: {:?}", translation.output);
            let line = &translation.output[0];
            let read = read_back(line);
            let [(out_kind, out_value)] = read.as_slice() else { panic!("`{line}` is not one flag") };
            let translated = meaning_of(*out_kind, out_value, &ctx);
            if translation.exact {
                assert_eq!(
                    translated.as_ref(),
                    Some(&original),
                    "exact `{flag} {value}` → `{line}` ({target:?}, {})",
                    ctx.versions
                );
                let model = model_of(*out_kind, out_value, &ctx).expect("the output has a model");
                assert_eq!(core(&model), core(&original_model), "`{flag} {value}` → `{line}`");
            } else {
                assert!(
                    translation.notes.iter().any(|n| n.is_warning()),
                    "`{flag} {value}` → `{line}` is not exact but says nothing"
                );
            }
            // Canonical: the output translated again to the same syntax is itself.
            let target_again = match out_kind {
                FlagKind::Volume => Target::Volume,
                FlagKind::Mount => Target::Mount,
                FlagKind::Tmpfs => Target::Tmpfs,
            };
            if translated.is_some() {
                let flag_again = translate::flag_name(*out_kind);
                let again = translate_flags(flag_again, out_value, target_again, &ctx).expect("an output translates");
                assert_eq!(&again.output[0], line, "translating `{line}` again ({target:?} from `{flag} {value}`)");
            }
        }
        // `-v` → `--mount` → `-v`.
        if kind == FlagKind::Volume {
            let there = translate_flags(flag, value, Target::Mount, &ctx).expect("translates");
            if there.exact {
                let (_, mount_value) = read_back(&there.output[0]).remove(0);
                let back = translate_flags("--mount", &mount_value, Target::Volume, &ctx).expect("translates back");
                if back.exact {
                    let (back_kind, back_value) = read_back(&back.output[0]).remove(0);
                    assert_eq!(back_kind, FlagKind::Volume);
                    assert_eq!(
                        meaning_of(back_kind, &back_value, &ctx).as_ref(),
                        Some(&original),
                        "`-v {value}` → `{}` → `{}`",
                        there.output[0],
                        back.output[0]
                    );
                    let canonical = translate_flags("-v", value, Target::Volume, &ctx).expect("canonical -v");
                    assert_eq!(
                        meaning_of(FlagKind::Volume, &read_back(&canonical.output[0]).remove(0).1, &ctx).as_ref(),
                        Some(&original)
                    );
                }
            }
        }
        check_compose(flag, value, &original, &ctx);
    }
}

/// The compose translation loads with compose's rules and, when exact, compose's request
/// means what the original means.
fn check_compose(flag: &str, value: &str, original: &Meaning, ctx: &Context) {
    for target in [Target::Compose, Target::ComposeLong] {
        let args = vec![flag.to_string(), value.to_string(), "img".to_string()];
        let line: RunLine = parse_args(&args);
        let Ok(translation) = translate::translate(&line, Shape::CommandWords(&args), target, ctx) else {
            panic!("`{flag} {value}` is accepted but not translated to compose")
        };
        let text = translation.output.join("\n") + "\n";
        let project = to_compose::load(&text, ctx);
        assert!(project.errors.is_empty(), "`{flag} {value}` → compose does not load: {:?}\n{text}", project.errors);
        let service = &project.services[0];
        if translation.exact {
            assert_eq!(service.mounts.len(), 1, "{text}");
            let back = translate::to_run::translate(&project, None, Target::Shortest, ctx).expect("back to flags");
            let (kind, value_back) = read_back(&back.output[0]).remove(0);
            let mut meaning = meaning_of(kind, &value_back, ctx).expect("the flags compose sends are accepted");
            // A declared volume is created by compose with its options first.
            if let Some(top) = project.volumes.first() {
                meaning.driver = top.driver.clone().unwrap_or_else(|| "local".into());
            }
            assert_eq!(&meaning, original, "`{flag} {value}` → compose →  `{}`\n{text}", back.output[0]);
        } else {
            assert!(
                translation.notes.iter().any(|n| n.is_warning()),
                "`{flag} {value}`: not exact but says nothing\n{text}"
            );
        }
    }
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/data".to_string()),
        Just("/srv/app/".to_string()),
        Just("/var/lib/docker/x".to_string()),
        Just("/a b".to_string()),
        Just("/a,b".to_string()),
        Just("/q\"x".to_string()),
        Just("/d$x".to_string()),
        Just("/~x".to_string()),
        "/[a-z]{1,6}(/[a-z0-9._-]{1,6}){0,2}",
    ]
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        path(),
        Just("./src".to_string()),
        Just(".".to_string()),
        Just("../up".to_string()),
        Just(".hidden".to_string()),
        Just("/".to_string())
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![Just("data".to_string()), Just("db_1".to_string()), Just("x".to_string()), "[a-z][a-z0-9_.-]{1,8}"]
}

fn volume_value() -> impl Strategy<Value = String> {
    let source = prop_oneof![host(), name(), Just(String::new())];
    let tokens = proptest::collection::vec(
        prop_oneof![
            Just("ro"),
            Just("rw"),
            Just("z"),
            Just("Z"),
            Just("nocopy"),
            Just("rshared"),
            Just("rslave"),
            Just("private"),
            Just("cached"),
            Just("delegated"),
        ],
        0..3,
    );
    (source, path(), tokens).prop_map(|(source, target, tokens)| {
        let mut value = if source.is_empty() { target } else { format!("{source}:{target}") };
        if !tokens.is_empty() {
            value.push(':');
            value.push_str(&tokens.join(","));
        }
        value
    })
}

fn csv(field: String) -> String {
    if field.contains([',', '"']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

fn mount_value() -> impl Strategy<Value = String> {
    let common = || {
        prop_oneof![
            Just("readonly".to_string()),
            Just("ro=1".to_string()),
            Just("ro=false".to_string()),
            Just("consistency=cached".to_string()),
            Just("consistency=weird".to_string()),
        ]
    };
    let bind = proptest::collection::vec(
        prop_oneof![
            common(),
            Just("bind-propagation=rslave".to_string()),
            Just("bind-propagation=rprivate".to_string()),
            Just("bind-recursive=disabled".to_string()),
            Just("bind-create-src".to_string()),
        ],
        0..4,
    );
    let volume = proptest::collection::vec(
        prop_oneof![
            common(),
            Just("volume-nocopy".to_string()),
            Just("volume-driver=local".to_string()),
            Just("volume-label=a=1".to_string()),
            Just("volume-label=b".to_string()),
            Just("volume-subpath=sub".to_string()),
        ],
        0..4,
    );
    let tmpfs = proptest::collection::vec(
        prop_oneof![
            common(),
            Just("tmpfs-size=64m".to_string()),
            Just("tmpfs-size=1000".to_string()),
            Just("tmpfs-mode=1777".to_string()),
        ],
        0..3,
    );
    let kinded = prop_oneof![
        (Just("type=bind"), host(), bind),
        (prop_oneof![Just("type=volume"), Just("")], prop_oneof![name(), Just(String::new())], volume),
        (Just("type=tmpfs"), Just(String::new()), tmpfs),
    ];
    (kinded, path()).prop_map(|((kind, source, options), target)| {
        let mut fields = Vec::new();
        if !kind.is_empty() {
            fields.push(kind.to_string());
        }
        if !source.is_empty() {
            fields.push(csv(format!("src={source}")));
        }
        fields.push(csv(format!("dst={target}")));
        fields.extend(options);
        fields.join(",")
    })
}

fn tmpfs_value() -> impl Strategy<Value = String> {
    let options = proptest::collection::vec(
        prop_oneof![
            Just("ro"),
            Just("rw"),
            Just("exec"),
            Just("noexec"),
            Just("nosuid"),
            Just("size=64m"),
            Just("size=65536k"),
            Just("size=10%"),
            Just("mode=1777"),
            Just("mode=0700"),
            Just("uid=1000"),
        ],
        0..3,
    );
    (path(), options).prop_map(
        |(path, options)| {
            if options.is_empty() {
                path
            } else {
                format!("{path}:{}", options.join(","))
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn volume_flags(value in volume_value()) {
        check("-v", &value);
    }

    #[test]
    fn mount_flags(value in mount_value()) {
        check("--mount", &value);
    }

    #[test]
    fn tmpfs_flags(value in tmpfs_value()) {
        check("--tmpfs", &value);
    }

    #[test]
    fn any_input_never_panics(text in "\\PC{0,40}|(-v|--mount|--tmpfs|-itv|--volume-driver) [ -~]{0,30}") {
        for ctx in contexts() {
            let line = parse_command(&format!("docker run {text}"));
            if let Ok(line) = line {
                for target in [Target::Auto, Target::Mount, Target::Volume, Target::Tmpfs, Target::Compose, Target::ComposeLong] {
                    let _ = translate::translate(&line, Shape::Flags, target, &ctx);
                    let _ = translate::translate(&line, Shape::CommandText, target, &ctx);
                }
            }
        }
    }
}

#[test]
fn known_round_trips() {
    for (flag, value) in [
        ("-v", "/srv:/data:ro,rslave"),
        ("-v", "data:/d"),
        ("-v", "data:/d:ro"),
        ("-v", "data:/d:nocopy,z"),
        ("-v", "/d"),
        ("-v", "./src:/app:Z"),
        ("--mount", "type=bind,src=/a,dst=/b,readonly,bind-create-src"),
        ("--mount", "src=data,dst=/d,volume-nocopy"),
        ("--mount", "type=tmpfs,dst=/t,tmpfs-size=1g,tmpfs-mode=700"),
        ("--tmpfs", "/run:rw,noexec,nosuid,size=65536k"),
    ] {
        check(flag, value);
    }
}
