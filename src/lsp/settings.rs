//! The settings a document is linted with: the nearest `.dockmount.toml` or
//! `dockmount.toml` above the file (exactly as `dockmount lint` finds it), with the
//! editor's settings on top, as command-line flags are on top of the file for `lint`.
//!
//! The editor's settings come from `initializationOptions` and later from
//! `workspace/didChangeConfiguration`, either flat or under a `dockmount` key:
//!
//! ```json
//! {"select": ["ALL"], "ignore": ["DM900"], "severity": "warning", "docker-version": "28.2/20.10"}
//! ```
//!
//! `select` replaces the config file's, `ignore` adds to it, `severity` and
//! `docker-version` replace it (`dockerVersion` is accepted too). A setting that cannot be
//! read is reported to the user and left out; the others still apply.

use crate::lint::config::{parse_severity, Layer, Overrides, Resolver, Selector, Settings};
use crate::model::context::{HostFs, Platform};
use crate::model::{Context, DockerVersions};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The editor's settings, read.
#[derive(Clone, Debug, Default)]
pub struct EditorSettings {
    pub overrides: Overrides,
}

/// A list of selectors: `["DM006", "DM9"]` or `"DM006,DM9"`.
fn string_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(text) => Some(vec![text.clone()]),
        Value::Array(items) => items.iter().map(|v| v.as_str().map(str::to_string)).collect(),
        _ => None,
    }
}

impl EditorSettings {
    /// Reads the editor's settings; the problems are returned to be shown to the user.
    pub fn from_json(value: Option<&Value>) -> (EditorSettings, Vec<String>) {
        let mut settings = EditorSettings::default();
        let mut problems = Vec::new();
        let Some(value) = value else {
            return (settings, problems);
        };
        let value = value.get("dockmount").unwrap_or(value);
        let Some(object) = value.as_object() else {
            // Lua clients send an empty table as `[]`.
            let empty = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
            if !empty {
                problems.push("dockmount settings: expected an object".to_string());
            }
            return (settings, problems);
        };
        let get = |keys: &[&str]| keys.iter().find_map(|k| object.get(*k)).filter(|v| !v.is_null());
        if let Some(select) = get(&["select"]) {
            match string_list(select).map(|l| Selector::parse_list(&l)) {
                Some(Ok(list)) => settings.overrides.layer.select = Some(list),
                Some(Err(e)) => problems.push(format!("dockmount settings: `select`: {e}")),
                None => problems.push("dockmount settings: `select` must be a list of rules".to_string()),
            }
        }
        if let Some(ignore) = get(&["ignore"]) {
            match string_list(ignore).map(|l| Selector::parse_list(&l)) {
                Some(Ok(list)) => settings.overrides.layer.ignore = list,
                Some(Err(e)) => problems.push(format!("dockmount settings: `ignore`: {e}")),
                None => problems.push("dockmount settings: `ignore` must be a list of rules".to_string()),
            }
        }
        if let Some(severity) = get(&["severity"]) {
            match severity.as_str().map(parse_severity) {
                Some(Ok(level)) => settings.overrides.severity = Some(level),
                Some(Err(e)) => problems.push(format!("dockmount settings: `severity`: {e}")),
                None => problems.push("dockmount settings: `severity` must be a string".to_string()),
            }
        }
        if let Some(version) = get(&["docker-version", "dockerVersion", "docker_version"]) {
            match version.as_str().map(str::parse::<DockerVersions>) {
                Some(Ok(versions)) => settings.overrides.versions = Some(versions),
                Some(Err(e)) => problems.push(format!("dockmount settings: `docker-version`: {e}")),
                None => problems.push("dockmount settings: `docker-version` must be a string".to_string()),
            }
        }
        (settings, problems)
    }
}

/// What one document is linted with.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub settings: Settings,
    pub ctx: Context,
    /// The config file could not be read (its problem); the editor's settings still apply.
    pub config_error: Option<String>,
}

/// The settings of a document: `path` is its file (`None` for an unsaved one, which takes
/// the workspace root's config file, if there is a root).
pub fn resolve(path: Option<&Path>, root: Option<&Path>, editor: &EditorSettings) -> Resolved {
    // An unsaved document is taken as a file in the workspace root.
    let file: Option<PathBuf> = path.map(Path::to_path_buf).or_else(|| root.map(|r| r.join("untitled")));
    let isolated = file.is_none();
    let lookup = |isolated: bool| -> Result<Settings, String> {
        let mut resolver = Resolver::new(editor.overrides.clone(), None, isolated)?;
        resolver.settings_for(file.as_deref().unwrap_or(Path::new("/untitled")))
    };
    let (settings, config_error) = match lookup(isolated) {
        Ok(settings) => (settings, None),
        Err(problem) => match lookup(true) {
            Ok(settings) => (settings, Some(problem)),
            // Without a config file nothing can fail; this keeps the types honest.
            Err(second) => (fallback(editor), Some(format!("{problem}; {second}"))),
        },
    };
    // Relative sources are resolved against the file's own directory, as lint does.
    let cwd = file
        .as_deref()
        .and_then(Path::parent)
        .map(|d| d.to_string_lossy().into_owned())
        .filter(|d| d.starts_with('/'))
        .unwrap_or_else(|| "/".to_string());
    let ctx = Context {
        versions: settings.versions,
        platform: Platform::Linux,
        cwd,
        daemon_root: "/var/lib/docker".to_string(),
        // A linter judges the text, not the machine it runs on.
        host: HostFs::AllExist,
        volume_plugins: None,
        image_volumes: Vec::new(),
    };
    Resolved { settings, ctx, config_error }
}

fn fallback(editor: &EditorSettings) -> Settings {
    let layers: Vec<Layer> = vec![editor.overrides.layer.clone()];
    Settings {
        selection: crate::lint::config::Selection::resolve(
            &layers,
            editor.overrides.severity.unwrap_or(crate::rules::Severity::Info),
        ),
        versions: editor.overrides.versions.unwrap_or(DockerVersions::NEWEST),
        max_file_size: crate::lint::config::DEFAULT_MAX_FILE_SIZE,
        config: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;
    use serde_json::json;

    #[test]
    fn editor_settings_flat_or_nested_and_their_problems() {
        let (settings, problems) = EditorSettings::from_json(Some(&json!({"dockmount": {
            "select": "DM006", "ignore": ["unused-suppression"], "severity": "warning", "dockerVersion": "28.2/20.10"
        }})));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(settings.overrides.layer.select, Some(vec![Selector::Prefix("DM006".into())]));
        assert_eq!(settings.overrides.layer.ignore, vec![Selector::Name("unused-suppression")]);
        assert_eq!(settings.overrides.severity, Some(Severity::Warning));
        assert_eq!(settings.overrides.versions.map(|v| v.to_string()).as_deref(), Some("CLI 28.2.0 / Engine 20.10.0"));

        let (settings, problems) =
            EditorSettings::from_json(Some(&json!({"select": ["nonsense"], "severity": 3, "ignore": ["DM9"]})));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("unknown rule or code prefix `nonsense`"), "{problems:?}");
        assert!(settings.overrides.layer.select.is_none());
        assert_eq!(settings.overrides.layer.ignore.len(), 1);

        assert!(EditorSettings::from_json(Some(&json!([]))).1.is_empty());
        assert_eq!(EditorSettings::from_json(Some(&json!(3))).1, ["dockmount settings: expected an object"]);
    }

    #[test]
    fn the_config_file_above_applies_and_the_editor_overrides_it() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let sub = dir.path().join("deploy");
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("dockmount.toml"), "ignore = [\"DM006\"]\ndocker-version = \"28.2/20.10\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let file = sub.join("run.sh");
        let resolved = resolve(Some(&file), None, &EditorSettings::default());
        assert!(!resolved.settings.selection.is_enabled("DM006"));
        assert_eq!(resolved.ctx.versions.to_string(), "CLI 28.2.0 / Engine 20.10.0");
        assert_eq!(resolved.ctx.cwd, sub.to_string_lossy());

        let (editor, _) = EditorSettings::from_json(Some(&json!({"select": ["ALL"]})));
        assert!(resolve(Some(&file), None, &editor).settings.selection.is_enabled("DM006"));

        std::fs::write(dir.path().join("dockmount.toml"), "select = 3\n").unwrap_or_else(|e| panic!("{e}"));
        let broken = resolve(Some(&file), None, &EditorSettings::default());
        assert!(broken.config_error.is_some_and(|e| e.contains("dockmount.toml")));
        assert!(broken.settings.selection.is_enabled("DM006"));
    }
}
