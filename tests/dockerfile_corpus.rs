//! Every Dockerfile of the shared corpus (real files by others) is read without a crash.
//! Prints how many `VOLUME` instructions, volume paths and build mounts were found, and
//! every file the builder (newest BuildKit, default options) would reject, with why.

use dockmount::model::context::Context;
use dockmount::model::dockerfile::{analyse_with, BuildOptions, Builder};
use dockmount::model::version::DockerVersions;
use std::path::PathBuf;

#[test]
fn corpus_reads_without_a_crash() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/dockerfiles");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(std::env::var_os("CI").is_none(), "{} is missing (CI is set)", dir.display());
        println!("skipped: {} is absent", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    files.sort();
    let ctx = Context::default();
    let (mut volume_instructions, mut volume_paths, mut build_mounts, mut rejected) = (0, 0, 0, Vec::new());
    for path in &files {
        let bytes = std::fs::read(path).expect("readable");
        let result = std::panic::catch_unwind(|| analyse_with(&bytes, &ctx, &BuildOptions::default()));
        let analysis = match result {
            Ok(a) => a,
            Err(_) => panic!("panic on {}", path.display()),
        };
        volume_instructions += analysis.volumes.len();
        volume_paths += analysis.volumes.iter().map(|v| v.paths.len()).sum::<usize>();
        build_mounts += analysis.build_mounts.len();
        if let Some(err) = &analysis.error {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            rejected.push(format!("{name}: line {}: {}", err.line, err.display));
        }
    }
    println!(
        "{} Dockerfiles: {volume_instructions} VOLUME instructions, {volume_paths} volume paths, {build_mounts} build mounts",
        files.len()
    );
    println!("{} rejected by the builder:", rejected.len());
    for line in &rejected {
        println!("  {line}");
    }
    // The same files with the conformance Engine's classic builder (old parser, no
    // BuildKit-only flags).
    let old = Context { versions: DockerVersions::CONFORMANCE, ..Context::default() };
    let classic = BuildOptions { builder: Some(Builder::Classic), ..BuildOptions::default() };
    let mut rejected_classic = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).expect("readable");
        let analysis = analyse_with(&bytes, &old, &classic);
        if let Some(err) = &analysis.error {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            rejected_classic.push(format!("{name}: line {}: {}", err.line, err.display));
        }
    }
    println!("{} rejected by the classic builder of Engine 20.10:", rejected_classic.len());
    for line in &rejected_classic {
        println!("  {line}");
    }
    assert!(!files.is_empty());
}
