//! Inputs that broke something once, run through the library: each names what it broke.

use dockmount::syntax::shell::read_command;

/// Word offsets are kept as runs (a 10 MB word used to take 80 MB of offsets): every
/// value byte still maps to the source byte it came from, through quotes and escapes.
#[test]
fn word_offsets_through_quotes_escapes_and_tails() {
    let text = r#"a"b c"\d'e'f"#;
    let command = read_command(text, 0).unwrap_or_else(|e| panic!("{e:?}"));
    let word = &command.words[0];
    assert_eq!(word.value, "ab cdef");
    let offsets: Vec<usize> = word.offsets.iter().collect();
    // a=0, b=2, ' '=3, c=4, d=7 (after the backslash), e=9, f=11; one past the end: 12.
    assert_eq!(offsets, [0, 2, 3, 4, 7, 9, 11, 12]);
    assert_eq!(word.offsets.len(), word.value.len() + 1);
    assert_eq!((word.offsets.first(), word.offsets.last(), word.offsets.get(8)), (Some(0), Some(12), None));
    let tail = word.tail(3);
    assert_eq!(tail.value, "cdef");
    assert_eq!(tail.offsets.iter().collect::<Vec<_>>(), [4, 7, 9, 11, 12]);
    assert_eq!(tail.offsets, [4, 7, 9, 11, 12]);

    // A long plain word is a single run, and maps exactly.
    let long = format!("docker run img {}", "x".repeat(1_000_000));
    let command = read_command(&long, 0).unwrap_or_else(|e| panic!("{e:?}"));
    let word = &command.words[3];
    assert_eq!(word.offsets.get(999_999), Some(15 + 999_999));
    assert_eq!(word.offsets.last(), Some(long.len()));
}

/// Snippets are rendered from a window of lines around the span (indexing the whole text
/// for each of 60,000 findings took minutes): the output is the one the whole text gives.
#[test]
fn snippets_from_a_window_match_snippets_from_the_whole_text() {
    use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
    use codespan_reporting::files::SimpleFile;
    use codespan_reporting::term::{self, termcolor::Buffer, Config};
    use dockmount::lint::lines::LineIndex;
    use dockmount::report::snippet::{render, render_at, Level, Snippet};
    use dockmount::span::Span;

    let text: String = (1..=30).map(|i| format!("line {i}: docker run -v /a{i}:/b,ro é\n")).collect();
    let lines = LineIndex::new(&text);
    let at = |line: usize| lines.line_span(line - 1).0;
    let spans = [
        Span::new(0, 4),
        Span::new(at(2) + 5, at(2) + 9),
        Span::new(at(15), at(15)),
        Span::new(at(10) + 3, at(13) + 6), // over four lines
        Span::new(at(29) + 2, text.len()),
        Span::new(text.len(), text.len()),
    ];
    for span in spans {
        let snippet = Snippet {
            level: Level::Error,
            code: Some("DM006".into()),
            message: "message".into(),
            file_name: "run.sh",
            text: &text,
            span,
            label: "label".into(),
            notes: vec!["help: a note".into()],
        };
        let file = SimpleFile::new("run.sh", text.as_str());
        let diagnostic = Diagnostic::new(Severity::Error)
            .with_message("message")
            .with_code("DM006")
            .with_labels(vec![Label::primary((), span.start..span.end).with_message("label")])
            .with_notes(vec!["help: a note".into()]);
        let mut buffer = Buffer::no_color();
        term::emit_to_write_style(&mut buffer, &Config::default(), &file, &diagnostic)
            .unwrap_or_else(|e| panic!("{e}"));
        let whole = String::from_utf8_lossy(buffer.as_slice()).into_owned();
        assert_eq!(render_at(&snippet, false, &lines), whole, "{span:?}");
        assert_eq!(render(&snippet, false), whole, "{span:?}");
    }
}

/// A value with a control character is written in bash's `$'…'` quoting by `translate`,
/// which the shell reader did not read (found by the `roundtrip` fuzz target on
/// `-v $'szs\x1d1\''`): the translated flag must read back as the value it stands for.
#[test]
fn translated_control_characters_read_back_through_ansi_c_quotes() {
    use dockmount::model::Context;
    use dockmount::syntax::run_line::{parse_args, parse_command};
    use dockmount::translate::{translate, Shape, Target};

    let ctx = Context::default();
    for (value, target, expected) in [
        ("szs\u{1d}1'", Target::Volume, "szs\u{1d}1'"),
        ("/srv/a\tb:/data", Target::Mount, "type=bind,source=/srv/a\tb,target=/data,bind-create-src"),
    ] {
        let args = vec!["-v".to_string(), value.to_string()];
        let translation = translate(&parse_args(&args), Shape::Flags, target, &ctx).unwrap_or_else(|e| panic!("{e:?}"));
        let line = &translation.output[0];
        assert!(line.contains("$'"), "{line}");
        let read = parse_command(&format!("docker run {line} img")).unwrap_or_else(|e| panic!("`{line}`: {e:?}"));
        assert_eq!(read.flags[0].value_str(), Some(expected), "`{line}`");
    }
}

/// A container path ending in blanks (`-v '/srv/t<TAB><TAB>'`) was written as the last
/// `--mount` field as is, where the CLI trims the whole value: the output meant another
/// path and was not canonical (translated again it lost its blanks; found by the
/// `roundtrip` fuzz target). Such a field is now quoted, and `--mount` then refuses it, so
/// the flag stays `-v`: each output translates again to itself.
#[test]
fn mount_fields_with_trailing_blanks_are_quoted() {
    use dockmount::model::{Context, DockerVersions};
    use dockmount::syntax::run_line::{parse_args, parse_command};
    use dockmount::translate::{translate, Shape, Target};

    let value = "/srv/t\t\t";
    for ctx in [Context::default(), Context { versions: DockerVersions::CONFORMANCE, ..Context::default() }] {
        for target in [Target::Auto, Target::Mount] {
            let args = vec!["-v".to_string(), value.to_string()];
            let translation =
                translate(&parse_args(&args), Shape::Flags, target, &ctx).unwrap_or_else(|e| panic!("{e:?}"));
            let line = &translation.output[0];
            assert!(translation.exact || translation.notes.iter().any(|n| n.is_warning()), "{line}");
            let read = parse_command(&format!("docker run {line}")).unwrap_or_else(|e| panic!("`{line}`: {e:?}"));
            let flag = &read.flags[0];
            let (own, words) = match flag.name {
                "volume" => (Target::Volume, vec!["-v".to_string()]),
                _ => (Target::Mount, vec!["--mount".to_string()]),
            };
            let value_back = flag.value_str().unwrap_or_default().to_string();
            let words = [words, vec![value_back]].concat();
            let again = translate(&parse_args(&words), Shape::Flags, own, &ctx).unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(&again.output[0], line, "{target:?}, CLI {}", ctx.versions.cli);
        }
    }
}

/// A path holding `\r\n` was written in a quoted `--mount` field, which Go's CSV reader
/// reads as `\n`: the output meant another path and was not canonical (found by the
/// `roundtrip` fuzz target on `--tmpfs $'/Mvolume\r\nq:'`). `--mount` now says it cannot
/// hold it, and the flag stays as it is.
#[test]
fn crlf_in_a_path_has_no_mount_form() {
    use dockmount::model::Context;
    use dockmount::syntax::run_line::parse_args;
    use dockmount::translate::{translate, Shape, Target};

    let ctx = Context::default();
    for (flag, value, kept) in
        [("--tmpfs", "/m\r\nq:", "--tmpfs $'/m\\r\\nq'"), ("-v", "/a\r\nb:/c", "-v $'/a\\r\\nb:/c'")]
    {
        for target in [Target::Auto, Target::Mount] {
            let args = vec![flag.to_string(), value.to_string()];
            let translation =
                translate(&parse_args(&args), Shape::Flags, target, &ctx).unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(translation.output, [kept], "{flag} {value:?} ({target:?})");
            assert!(!translation.exact);
            assert!(translation.notes.iter().any(|n| n.is_warning() && n.message.contains("carriage return")));
        }
    }
}

/// A `--tmpfs` size past 2^53 bytes was written as `tmpfs-size=` its byte count, which the
/// CLI reads through floating point into another number: the output was not canonical
/// (found by the `roundtrip` fuzz target on `--tmpfs //ource:size=0…05162284439997135075`).
/// `--mount` now says it cannot hold that size, and the flag stays `--tmpfs`.
#[test]
fn tmpfs_sizes_past_float_precision_have_no_mount_form() {
    use dockmount::model::Context;
    use dockmount::syntax::run_line::parse_args;
    use dockmount::translate::{translate, Shape, Target};

    let ctx = Context::default();
    for (value, translated) in [
        ("/t:size=5162284439997135075", "--tmpfs /t:size=5162284439997135075"),
        ("/t:size=9007199254740993", "--tmpfs /t:size=9007199254740993"),
        // 2^53 is a whole number of gigabytes, said exactly.
        ("/t:size=9007199254740992", "--mount type=tmpfs,target=/t,tmpfs-size=8388608g"),
    ] {
        let args = vec!["--tmpfs".to_string(), value.to_string()];
        let translation =
            translate(&parse_args(&args), Shape::Flags, Target::Mount, &ctx).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(translation.output, [translated], "{value}");
        let warned = translation.notes.iter().any(|n| n.is_warning() && n.message.contains("floating point"));
        assert_eq!(warned, translated.starts_with("--tmpfs"), "{value}: {:?}", translation.notes);
    }
}

/// A service whose key is in one compose file and whose value an override file replaced
/// got a span from the key's start in the first file to the value's end in the second:
/// past the end of the first file (found by the compose fuzz target).
#[test]
fn a_service_merged_from_two_files_is_placed_in_one() {
    use dockmount::model::compose::{load, LoadOptions};
    let main = "name: proj\nservices:\n  web:\n    image :alpine\n    voa";
    let extra = "mes:\n  proj\nservices:\n  web:\n    image :alpine\n    voa";
    let files = [("compose.yaml", main), ("compose.override.yaml", extra)];
    let project = load(&files, &LoadOptions { cwd: "/project".to_string(), ..LoadOptions::default() });
    let texts = [main, extra];
    let no_image = project.errors.iter().find(|e| e.message.contains("neither an image nor a build context"));
    let no_image = no_image.unwrap_or_else(|| panic!("{:?}", project.errors));
    for error in &project.errors {
        if let (Some(file), Some(span)) = (error.file, error.span) {
            assert!(span.end <= texts[file].len(), "{error:?}");
        }
    }
    let span = no_image.span.unwrap_or_default();
    assert_eq!((no_image.file, &main[span.start..span.end]), (Some(0), "web"));

    // The same for a top-level volume whose value the override replaces.
    let main = "services:\n  web:\n    image: alpine\nvolumes:\n  data:";
    let extra = "volumes:\n  data:\n    driver: local\n    labels: [a=b, c=d, e=f, g=h]\n";
    let files = [("compose.yaml", main), ("compose.override.yaml", extra)];
    let project = load(&files, &LoadOptions { cwd: "/project".to_string(), ..LoadOptions::default() });
    let texts = [main, extra];
    for volume in &project.volumes {
        assert!(volume.span.end <= texts[volume.file].len(), "{volume:?}");
    }
}

/// A service (or top-level volume) whose value an override file replaces got a span from
/// its key in the first file to the end of the value in the override: past the end of the
/// first file, which `lint` and `explain` slice with it (found by the `compose` fuzz
/// target). The span now stays in the key's file.
#[test]
fn spans_of_entries_merged_from_two_files_stay_in_one_file() {
    use dockmount::model::compose::{load, LoadOptions};
    use dockmount::span::Span;

    let main = "services:\n  a:\n    image: x\n  b: x\nvolumes:\n  v: x\n";
    let padding = format!("# {}\n", "-".repeat(200));
    let extra = format!("{padding}services:\n  b: {{image: y}}\nvolumes:\n  v: {{driver: local}}\n");
    let texts = [main, extra.as_str()];
    let options = LoadOptions { cwd: "/project".to_string(), ..LoadOptions::default() };
    let project = load(&[("compose.yaml", main), ("compose.override.yaml", &extra)], &options);
    let inside = |file: Option<usize>, span: Option<Span>, what: &str| {
        if let (Some(file), Some(span)) = (file, span) {
            assert!(span.start <= span.end && span.end <= texts[file].len(), "{what}: {span:?} in file {file}");
        }
    };
    for error in &project.errors {
        inside(error.file, error.span, &error.message);
    }
    for warning in &project.warnings {
        inside(warning.file, warning.span, &warning.message);
    }
    for service in &project.services {
        inside(Some(service.file), Some(service.span), &service.name);
    }
    for volume in &project.volumes {
        inside(Some(volume.file), Some(volume.span), &volume.key);
    }
    assert!(project.services.iter().any(|s| s.name == "b"));
}

/// Compose creates a declared volume with its driver before the container, so the Engine
/// finds a volume whose name only that driver accepts (`nfs/share`). Translating such a
/// service to `docker run` flags judged compose's request as if the volume were local and
/// refused it, where translating to compose accepted it (found by the `roundtrip` fuzz
/// target on a `--mount` with such a name and driver).
#[test]
fn compose_volumes_of_a_declared_driver_translate_back_to_flags() {
    use dockmount::model::Context;
    use dockmount::translate::{to_compose, to_run, Target};

    let text = "services:\n  app:\n    image: img\n    volumes:\n      - data:/app\n      - type: volume\n        source: data\n        target: /b\nvolumes:\n  data:\n    name: nfs/share\n    driver: nfsplugin\n";
    let ctx = Context { cwd: "/project".to_string(), ..Context::default() };
    let project = to_compose::load(text, &ctx);
    assert!(project.errors.is_empty(), "{:?}", project.errors);
    let flags = to_run::translate(&project, None, Target::Shortest, &ctx).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        flags.output,
        [
            "--mount type=volume,source=nfs/share,target=/app,volume-driver=nfsplugin",
            "--mount type=volume,source=nfs/share,target=/b,volume-driver=nfsplugin"
        ]
    );
    assert!(flags.exact, "{:?}", flags.notes);
}
