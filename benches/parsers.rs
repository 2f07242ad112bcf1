//! Speed of each reader of the syntax layer (and the compose loader): the storage flag
//! values (`-v`, `--mount`, `--tmpfs`), `docker run` lines, Dockerfiles and compose files,
//! on the bundled fixtures and, when it is beside the project, on the shared corpus.
//!
//! `cargo bench --bench parsers`; one benchmark reads a whole batch (every value, line or
//! file of a source), and criterion reports the time per batch and the bytes per second.

mod inputs;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use dockmount::model::compose::{load, LoadOptions};
use dockmount::syntax::compose::yaml;
use dockmount::syntax::{dockerfile, mount_flag, run_line, tmpfs_flag, volume_flag};
use inputs::Batch;
use std::hint::black_box;
use std::time::Duration;

/// One benchmark per batch, each named after its source (`fixtures`, `corpus`).
fn each_batch(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    batches: &[Batch],
    read: impl Fn(&str),
) {
    for batch in batches {
        group.throughput(Throughput::Bytes(batch.bytes()));
        group.bench_function(batch.source, |b| {
            b.iter(|| {
                for text in &batch.texts {
                    read(black_box(text));
                }
            })
        });
    }
}

fn flag_values(c: &mut Criterion) {
    let mut group = c.benchmark_group("volume_flag");
    each_batch(&mut group, &inputs::flag_values("volume"), |v| {
        black_box(volume_flag::parse(v));
    });
    group.finish();

    let mut group = c.benchmark_group("mount_flag");
    each_batch(&mut group, &inputs::flag_values("mount"), |v| {
        let _ = black_box(mount_flag::parse(v));
    });
    group.finish();

    let mut group = c.benchmark_group("tmpfs_flag");
    each_batch(&mut group, &inputs::flag_values("tmpfs"), |v| {
        black_box(tmpfs_flag::parse(v));
    });
    group.finish();
}

fn run_lines(c: &mut Criterion) {
    let mut group = c.benchmark_group("run_line");
    each_batch(&mut group, &inputs::command_lines(), |line| {
        let _ = black_box(run_line::parse_command(line));
    });
    group.finish();

    // Finding the command lines of a script (what lint does with a shell file).
    let mut group = c.benchmark_group("run_line_find");
    each_batch(&mut group, &inputs::shell_scripts(), |script| {
        black_box(run_line::find_commands(script));
    });
    group.finish();
}

fn dockerfiles(c: &mut Criterion) {
    let mut group = c.benchmark_group("dockerfile");
    each_batch(&mut group, &inputs::dockerfiles(), |text| {
        black_box(dockerfile::parse(text));
    });
    group.finish();
}

fn compose(c: &mut Criterion) {
    let limits = yaml::Limits::default();
    let mut group = c.benchmark_group("compose_yaml");
    each_batch(&mut group, &inputs::compose_files(), |text| {
        let _ = black_box(yaml::parse(text, &limits));
    });
    group.finish();

    // The whole loader: YAML, interpolation, merge, schema, volumes (as lint loads a file).
    let options =
        LoadOptions { project_dir: Some("/project".into()), cwd: "/project".into(), ..LoadOptions::default() };
    let mut group = c.benchmark_group("compose_load");
    each_batch(&mut group, &inputs::compose_files(), |text| {
        black_box(load(&[("compose.yaml", text)], &options));
    });
    group.finish();
}

fn config() -> Criterion {
    // Shorter than criterion's default: the machine is shared, and the batches are large.
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = flag_values, run_lines, dockerfiles, compose
}
criterion_main!(benches);
