//! Speed of the rules engine: `lint_text` (read the file into the mount model with
//! Docker's verdicts, then run every rule) on a file of each kind, from the bundled
//! fixtures and, when it is beside the project, on the shared corpus.
//!
//! `cargo bench --bench lint`; one benchmark lints a whole batch of files of one kind, on
//! one thread (the command spreads files over the cores; this measures one core's work).

mod inputs;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dockmount::lint::files::FileKind;
use dockmount::lint::lint_text;
use dockmount::model::context::HostFs;
use dockmount::model::Context;
use inputs::Batch;
use std::hint::black_box;
use std::time::Duration;

fn lint_batches(c: &mut Criterion, name: &str, path: &str, kind: FileKind, batches: &[Batch]) {
    // As the command sets it up: the text is judged, not the machine's files.
    let ctx = Context { cwd: "/project".into(), host: HostFs::AllExist, ..Context::default() };
    let mut group = c.benchmark_group(name);
    for batch in batches {
        group.throughput(Throughput::Bytes(batch.bytes()));
        group.bench_function(batch.source, |b| {
            b.iter(|| {
                for text in &batch.texts {
                    black_box(lint_text(path, black_box(text), kind, &ctx));
                }
            })
        });
    }
    group.finish();
}

fn lint(c: &mut Criterion) {
    lint_batches(c, "lint_dockerfile", "Dockerfile", FileKind::Dockerfile, &inputs::dockerfiles());
    lint_batches(c, "lint_compose", "compose.yaml", FileKind::Compose, &inputs::compose_files());
    lint_batches(c, "lint_shell", "run.sh", FileKind::Shell, &inputs::shell_scripts());
}

fn config() -> Criterion {
    // Shorter than criterion's default: the machine is shared, and the batches are large.
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = lint
}
criterion_main!(benches);
