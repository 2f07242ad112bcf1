//! Compose files: YAML with its limits, interpolation, merging and the Engine request,
//! then `explain`. The input is up to three NUL-separated parts: the compose file, an
//! override file merged over it, and the `.env` file.
#![no_main]

use dockmount::explain::explain_compose;
use dockmount::model::compose::{load, LoadOptions};
use dockmount_fuzz::{check_mount, check_span, contexts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let main = parts.next().unwrap_or_default();
    let extra = parts.next();
    let env = parts.next();
    let mut files = vec![("compose.yaml", main)];
    if let Some(extra) = extra {
        files.push(("compose.override.yaml", extra));
    }
    let options = LoadOptions {
        env_file: env.map(|env| (".env".to_string(), env.to_string())),
        cwd: "/project".to_string(),
        ..LoadOptions::default()
    };
    let project = load(&files, &options);
    let texts: Vec<&str> = files.iter().map(|(_, text)| *text).collect();
    let text_of = |file: Option<usize>| file.and_then(|i| texts.get(i).copied());
    for error in &project.errors {
        if let (Some(text), Some(span)) = (text_of(error.file), error.span) {
            check_span(text, span, "error");
        }
    }
    for warning in &project.warnings {
        if let (Some(text), Some(span)) = (text_of(warning.file), warning.span) {
            check_span(text, span, "warning");
        }
    }
    for service in &project.services {
        for item in &service.mounts {
            if let Some(text) = texts.get(item.file) {
                check_mount(text, &item.mount, "service mount");
            }
        }
    }
    for ctx in contexts() {
        let _ = explain_compose(&project, &texts, &ctx);
    }
});
