//! Dockerfiles as bytes: the parser (both generations), the analysis for every builder
//! the context implies, and `explain` of the file.
#![no_main]

use dockmount::explain::explain_dockerfile;
use dockmount::model::dockerfile::{analyse, analyse_with, BuildOptions};
use dockmount::syntax::dockerfile::{parse_with, ParseOptions};
use dockmount_fuzz::{check_mount, check_span, contexts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Bytes first: the builder reads bytes, and a Dockerfile need not be UTF-8.
    let _ = parse_with(data, ParseOptions::NEWEST);
    let _ = parse_with(data, ParseOptions::LEGACY);
    let _ = analyse_with(data, &contexts()[0], &BuildOptions::default());
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for ctx in contexts() {
        let analysis = analyse(text, &ctx);
        for mount in analysis.volume_mounts() {
            check_mount(text, &mount, "volume mount");
        }
    }
    let explanation = explain_dockerfile(text, &contexts()[0]);
    for item in &explanation.items {
        check_span(text, item.span, "item");
    }
    if let Some(error) = &explanation.engine.error {
        check_span(text, error.span, "error");
    }
});
