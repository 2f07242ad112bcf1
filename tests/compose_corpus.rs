//! Every compose file of the corpus (real files written by others) is loaded: none may
//! crash the loader. Prints how many storage items were found and every file Compose
//! would refuse, with its message (app-store templates use variables of their own: unset
//! variables are warnings, not errors, unless written `${VAR:?}`).

use dockmount::model::compose::{load, LoadOptions};
use dockmount::model::mount::SyntaxKind;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[test]
fn corpus_loads_without_crashing() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/compose");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(std::env::var_os("CI").is_none(), "{} is missing", dir.display());
        println!("skipped: {} is absent", dir.display());
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let options = LoadOptions {
        project_dir: Some("/srv/app".into()),
        home: Some("/home/user".into()),
        env: BTreeMap::from([("HOME".to_string(), "/home/user".to_string())]),
        ..Default::default()
    };
    let (mut short, mut long, mut tmpfs, mut toplevel, mut volumes_from) = (0, 0, 0, 0, 0);
    let mut binds = 0;
    let mut mounts = 0;
    let mut rejected = Vec::new();
    let mut by_stage: BTreeMap<String, usize> = BTreeMap::new();
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let project = load(&[(name.as_str(), text.as_ref())], &options);
        for service in &project.services {
            for mount in &service.mounts {
                match mount.mount.syntax {
                    SyntaxKind::ComposeShort => short += 1,
                    SyntaxKind::ComposeLong => long += 1,
                    SyntaxKind::ComposeTmpfs => tmpfs += 1,
                    _ => {}
                }
            }
            volumes_from += service.volumes_from.len();
            binds += service.request.binds.len();
            mounts += service.request.mounts.len();
        }
        toplevel += project.volumes.len();
        if let Some(error) = project.error() {
            *by_stage.entry(format!("{:?}", error.stage)).or_default() += 1;
            rejected.push(format!("{name}: [{:?}] {}", error.stage, error.message.replace('\n', "\\n")));
        }
    }
    println!("compose corpus: {} files", paths.len());
    println!(
        "storage items: {short} short, {long} long, {tmpfs} tmpfs, {toplevel} top-level volumes, {volumes_from} volumes_from"
    );
    println!("engine requests: {binds} Binds strings, {mounts} Mounts entries");
    println!("files compose would reject: {} ({by_stage:?})", rejected.len());
    for line in &rejected {
        println!("  {line}");
    }
    assert!(paths.len() > 400, "corpus unexpectedly small");
    assert!(short > 0 && long > 0);
}

/// Hostile documents end in a clear error, fast and in bounded memory.
mod limits {
    use dockmount::model::compose::{load, ComposeStage, LoadOptions};
    use std::time::{Duration, Instant};

    fn refused(text: &str) -> String {
        let started = Instant::now();
        let project =
            load(&[("bomb.yaml", text)], &LoadOptions { project_dir: Some("/p".into()), ..Default::default() });
        assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
        let error = project.error().expect("refused").clone();
        assert_eq!(error.stage, ComposeStage::Yaml);
        error.message
    }

    #[test]
    fn alias_bomb() {
        let mut text = String::from(
            "x-a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
        );
        for i in 1..10 {
            let p = i - 1;
            let refs = vec![format!("*a{p}"); 9].join(", ");
            text.push_str(&format!("x-a{i}: &a{i} [{refs}]\n"));
        }
        text.push_str("services:\n  web:\n    image: alpine\n    volumes: *a9\n");
        assert_eq!(refused(&text), "failed to parse bomb.yaml: yaml: document contains excessive aliasing");
    }

    #[test]
    fn ten_thousand_deep() {
        let flow = format!("services: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(refused(&flow).starts_with("failed to parse bomb.yaml: yaml: line 1: recursion limit exceeded"));
        let mut block = String::new();
        for depth in 0..1_000 {
            block.push_str(&" ".repeat(depth));
            block.push_str("k:\n");
        }
        let message = refused(&block);
        assert!(message.contains("recursion limit exceeded"), "{message}");
    }

    #[test]
    fn fifty_megabytes() {
        let line = "      - ./data:/data\n";
        let mut text = String::from("services:\n  web:\n    image: alpine\n    volumes:\n");
        while text.len() < 50 * 1024 * 1024 {
            text.push_str(line);
        }
        let message = refused(&text);
        assert!(message.starts_with("failed to parse bomb.yaml: file is too large: "), "{message}");
    }

    #[test]
    fn too_many_nodes() {
        let mut text = String::from("x-list:\n");
        for _ in 0..100_001 {
            text.push_str("  - a\n");
        }
        assert_eq!(refused(&text), "failed to parse bomb.yaml: compose file exceeds maximum node visit limit (100000)");
    }
}

/// Whatever the text, loading returns (never panics).
mod never_panics {
    use dockmount::model::compose::{load, LoadOptions};
    use proptest::prelude::*;

    fn options() -> LoadOptions {
        LoadOptions { project_dir: Some("/p".into()), ..Default::default() }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn any_text(text in "\\PC{0,200}") {
            let _ = load(&[("f.yaml", text.as_str())], &options());
        }

        #[test]
        fn any_yamlish_text(text in "[a-z:{}\\[\\]&*<!$\"' \\n-]{0,120}") {
            let _ = load(&[("f.yaml", text.as_str())], &options());
        }

        #[test]
        fn any_short_syntax(spec in "\\PC{0,40}", env in "[A-Z$:{}?+-]{0,10}") {
            let file = format!(
                "services:\n  web:\n    image: a\n    tmpfs: {spec:?}\n    volumes:\n      - {spec:?}\nvolumes:\n  v: {{name: {spec:?}}}\n"
            );
            let mut opts = options();
            opts.env.insert("V".into(), env);
            let _ = load(&[("f.yaml", file.as_str())], &opts);
            opts.interpolate = false;
            let _ = load(&[("f.yaml", file.as_str())], &opts);
        }
    }
}
