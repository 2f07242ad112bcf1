//! Arbitrary argv after `docker create` (NUL-separated words): the whole pipeline,
//! flags read as pflag does, the CLI's and the Engine's checks in Docker's order, in
//! every context, and `explain` of the same arguments.
#![no_main]

use dockmount::explain::explain_run;
use dockmount::model::engine::predict_args;
use dockmount::syntax::run_line::parse_args;
use dockmount_fuzz::{argv, check_span, contexts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let args = argv(data);
    for ctx in contexts() {
        let _ = predict_args(&args, &ctx);
    }
    let line = parse_args(&args);
    assert_eq!(*line.text, *args.join(" "));
    for flag in &line.flags {
        check_span(&line.text, flag.span, "flag");
    }
    let explanation = explain_run(&line, &contexts()[0]);
    for item in &explanation.items {
        check_span(&line.text, item.span, "item");
    }
});
