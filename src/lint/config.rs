//! Which rules a run reports, and the settings a file is linted with: rule selectors
//! (`DM006`, `comma-in-target`, a code prefix such as `DM0`, or `ALL`), the config file
//! (`.dockmount.toml` or `dockmount.toml`, the nearest one above each file), and the
//! command-line flags that override it.
//!
//! Selection is resolved in layers, as ruff does: the config file's `select`/`ignore`,
//! then the command line's, then the config's `per-file-ignores` for the file. A layer
//! with a `select` starts afresh from it; a layer with only `ignore` takes rules away
//! from what the layers before chose. Within a layer the more specific selector wins
//! (`--select DM006 --ignore DM0` keeps DM006), and `ignore` wins a tie.

use super::all_rules;
use crate::model::DockerVersions;
use crate::rules::Severity;
use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Config file names, in the order they are looked for in each directory.
pub const CONFIG_NAMES: [&str; 2] = [".dockmount.toml", "dockmount.toml"];

/// Files larger than this are skipped unless configured otherwise (10 MiB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// What a selector names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    All,
    /// A code or the start of one (`DM006`, `DM0`), upper case.
    Prefix(String),
    /// A rule by name.
    Name(&'static str),
}

impl Selector {
    /// Reads a selector; unknown names and prefixes that match no rule are errors.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("ALL") {
            return Ok(Selector::All);
        }
        let rules = all_rules();
        if let Some(rule) = rules.iter().find(|r| r.name == text) {
            return Ok(Selector::Name(rule.name));
        }
        let upper = text.to_ascii_uppercase();
        if upper.len() >= 2 && rules.iter().any(|r| r.code.starts_with(&upper)) {
            return Ok(Selector::Prefix(upper));
        }
        Err(format!("unknown rule or code prefix `{text}` (see `dockmount rule --all`)"))
    }

    /// Reads a list of selectors; flags may also hold comma-separated lists.
    pub fn parse_list<S: AsRef<str>>(items: &[S]) -> Result<Vec<Selector>, String> {
        items
            .iter()
            .flat_map(|item| item.as_ref().split(',').map(str::to_string).collect::<Vec<_>>())
            .filter(|s| !s.trim().is_empty())
            .map(|s| Selector::parse(&s))
            .collect()
    }

    fn matches(&self, code: &str, name: &str) -> bool {
        match self {
            Selector::All => true,
            Selector::Prefix(prefix) => code.starts_with(prefix.as_str()),
            Selector::Name(rule) => *rule == name,
        }
    }

    /// More specific selectors win over less specific ones of the same layer.
    fn specificity(&self) -> usize {
        match self {
            Selector::All => 0,
            Selector::Prefix(prefix) => prefix.len(),
            Selector::Name(_) => usize::MAX,
        }
    }
}

/// One layer of selection: a `select` (which replaces what came before) and an `ignore`.
#[derive(Clone, Debug, Default)]
pub struct Layer {
    pub select: Option<Vec<Selector>>,
    pub ignore: Vec<Selector>,
}

/// The rules a file's diagnostics are kept for, and the least severity shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    enabled: BTreeSet<&'static str>,
    pub min_severity: Severity,
}

impl Selection {
    /// Every rule, every severity.
    pub fn all() -> Selection {
        Selection::resolve(&[], Severity::Info)
    }

    /// Applies the layers in order, starting from every rule.
    pub fn resolve(layers: &[Layer], min_severity: Severity) -> Selection {
        let rules = all_rules();
        let mut enabled: BTreeSet<&'static str> = rules.iter().map(|r| r.code).collect();
        for layer in layers {
            let mut next = if layer.select.is_some() { BTreeSet::new() } else { enabled.clone() };
            let mut steps: Vec<(&Selector, bool)> = layer.select.iter().flatten().map(|s| (s, true)).collect();
            steps.extend(layer.ignore.iter().map(|s| (s, false)));
            // Least specific first, so that the most specific selector has the last word;
            // at equal specificity `ignore` comes last.
            steps.sort_by_key(|(selector, select)| (selector.specificity(), !*select));
            for (selector, select) in steps {
                for rule in rules.iter().filter(|r| selector.matches(r.code, r.name)) {
                    if select {
                        next.insert(rule.code);
                    } else {
                        next.remove(rule.code);
                    }
                }
            }
            enabled = next;
        }
        Selection { enabled, min_severity }
    }

    pub fn is_enabled(&self, code: &str) -> bool {
        self.enabled.contains(code)
    }
}

/// Reads `info`, `warning` or `error`.
pub fn parse_severity(text: &str) -> Result<Severity, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "info" => Ok(Severity::Info),
        "warning" => Ok(Severity::Warning),
        "error" => Ok(Severity::Error),
        _ => Err(format!("unknown severity `{text}` (info, warning or error)")),
    }
}

/// Reads a size: bytes, or a number with a unit (`512K`, `10M`, `10MiB`, `1G`; powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);
    let number: u64 = number.parse().map_err(|_| format!("invalid size `{text}` (for example 10MiB)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("invalid size `{text}` (for example 10MiB)")),
    };
    number.checked_mul(factor).ok_or_else(|| format!("size `{text}` is too large"))
}

/// A size in the config file: a number of bytes or a string with a unit.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum SizeValue {
    Bytes(u64),
    Text(String),
}

/// The config file as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Options {
    select: Option<Vec<String>>,
    ignore: Option<Vec<String>>,
    severity: Option<String>,
    docker_version: Option<String>,
    max_file_size: Option<SizeValue>,
    exclude: Option<Vec<String>>,
    per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
}

/// A config file, read and checked.
#[derive(Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    /// Patterns (`exclude`, `per-file-ignores`) are relative to this directory.
    pub dir: PathBuf,
    layer: Layer,
    severity: Option<Severity>,
    versions: Option<DockerVersions>,
    max_file_size: Option<u64>,
    exclude: GlobSet,
    per_file_ignores: Vec<(GlobMatcher, Vec<Selector>)>,
}

impl ConfigFile {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<ConfigFile, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
        let options: Options = toml::from_str(&text).map_err(|e| format!("{shown}: {}", e.to_string().trim_end()))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let in_file = |key: &str, message: String| format!("{shown}: `{key}`: {message}");
        let select =
            options.select.as_deref().map(Selector::parse_list).transpose().map_err(|e| in_file("select", e))?;
        let ignore =
            Selector::parse_list(options.ignore.as_deref().unwrap_or_default()).map_err(|e| in_file("ignore", e))?;
        let severity =
            options.severity.as_deref().map(parse_severity).transpose().map_err(|e| in_file("severity", e))?;
        let versions = options
            .docker_version
            .as_deref()
            .map(|v| v.parse::<DockerVersions>().map_err(|e| e.to_string()))
            .transpose()
            .map_err(|e| in_file("docker-version", e))?;
        let max_file_size = match options.max_file_size {
            None => None,
            Some(SizeValue::Bytes(bytes)) => Some(bytes),
            Some(SizeValue::Text(text)) => Some(parse_size(&text).map_err(|e| in_file("max-file-size", e))?),
        };
        let mut exclude = GlobSetBuilder::new();
        for pattern in options.exclude.iter().flatten() {
            exclude.add(glob(pattern).map_err(|e| in_file("exclude", e))?);
        }
        let exclude = exclude.build().map_err(|e| in_file("exclude", e.to_string()))?;
        let mut per_file_ignores = Vec::new();
        for (pattern, selectors) in options.per_file_ignores.iter().flatten() {
            let matcher = glob(pattern).map_err(|e| in_file("per-file-ignores", e))?.compile_matcher();
            let selectors = Selector::parse_list(selectors).map_err(|e| in_file("per-file-ignores", e))?;
            per_file_ignores.push((matcher, selectors));
        }
        Ok(ConfigFile {
            path: path.to_path_buf(),
            dir,
            layer: Layer { select, ignore },
            severity,
            versions,
            max_file_size,
            exclude,
            per_file_ignores,
        })
    }

    /// The file's path relative to the config's directory, when it is below it.
    fn relative<'p>(&self, file: &'p Path) -> Option<&'p Path> {
        file.strip_prefix(&self.dir).ok()
    }

    /// Whether `exclude` leaves the file (or a directory above it) out.
    pub fn excludes(&self, file: &Path) -> bool {
        let Some(relative) = self.relative(file) else {
            return false;
        };
        relative.ancestors().filter(|p| !p.as_os_str().is_empty()).any(|p| self.exclude.is_match(p))
    }

    fn per_file_layer(&self, file: &Path) -> Option<Layer> {
        let relative = self.relative(file)?;
        let ignore: Vec<Selector> = self
            .per_file_ignores
            .iter()
            .filter(|(matcher, _)| relative.ancestors().any(|p| !p.as_os_str().is_empty() && matcher.is_match(p)))
            .flat_map(|(_, selectors)| selectors.iter().cloned())
            .collect();
        (!ignore.is_empty()).then_some(Layer { select: None, ignore })
    }
}

/// A gitignore-like glob: a pattern without `/` matches a name at any depth.
fn glob(pattern: &str) -> Result<Glob, String> {
    let trimmed = pattern.trim_end_matches('/');
    let full =
        if trimmed.contains('/') { trimmed.trim_start_matches('/').to_string() } else { format!("**/{trimmed}") };
    globset::GlobBuilder::new(&full).literal_separator(true).build().map_err(|e| format!("`{pattern}`: {e}"))
}

/// What the command line says; every field left empty defers to the config file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub layer: Layer,
    pub severity: Option<Severity>,
    pub versions: Option<DockerVersions>,
    pub max_file_size: Option<u64>,
}

/// The settings one file is linted with.
#[derive(Clone, Debug)]
pub struct Settings {
    pub selection: Selection,
    pub versions: DockerVersions,
    pub max_file_size: u64,
    /// The config file that applied, if any.
    pub config: Option<PathBuf>,
}

/// Finds and caches the config file of each directory and resolves each file's settings.
#[derive(Debug, Default)]
pub struct Resolver {
    /// `--config FILE`: used for every file instead of looking for one.
    explicit: Option<Arc<ConfigFile>>,
    /// `--isolated`: no config file at all.
    isolated: bool,
    /// By directory, its text as the key: hashing a `Path` walks its components, and this
    /// is looked up for every file of a run.
    cache: HashMap<OsString, Option<Arc<ConfigFile>>>,
    overrides: Overrides,
}

impl Resolver {
    pub fn new(overrides: Overrides, explicit: Option<&Path>, isolated: bool) -> Result<Resolver, String> {
        let explicit = match explicit {
            Some(path) => Some(Arc::new(ConfigFile::load(&absolute(path))?)),
            None => None,
        };
        Ok(Resolver { explicit, isolated, cache: HashMap::new(), overrides })
    }

    /// The config file for a file: the nearest `.dockmount.toml` or `dockmount.toml` in its
    /// directory or above.
    pub fn config_for(&mut self, file: &Path) -> Result<Option<Arc<ConfigFile>>, String> {
        if self.isolated {
            return Ok(None);
        }
        if let Some(explicit) = &self.explicit {
            return Ok(Some(explicit.clone()));
        }
        let file = absolute(file);
        let Some(dir) = file.parent() else {
            return Ok(None);
        };
        self.config_in(dir)
    }

    fn config_in(&mut self, dir: &Path) -> Result<Option<Arc<ConfigFile>>, String> {
        if let Some(found) = self.cache.get(dir.as_os_str()) {
            return Ok(found.clone());
        }
        let mut found = None;
        for name in CONFIG_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                found = Some(Arc::new(ConfigFile::load(&candidate)?));
                break;
            }
        }
        if found.is_none() {
            if let Some(parent) = dir.parent() {
                found = self.config_in(parent)?;
            }
        }
        self.cache.insert(dir.as_os_str().to_owned(), found.clone());
        Ok(found)
    }

    /// The settings of one file: its config file's, with the command line's on top.
    pub fn settings_for(&mut self, file: &Path) -> Result<Settings, String> {
        let config = self.config_for(file)?;
        let file = absolute(file);
        let mut layers = Vec::new();
        if let Some(config) = &config {
            layers.push(config.layer.clone());
        }
        layers.push(self.overrides.layer.clone());
        if let Some(layer) = config.as_ref().and_then(|c| c.per_file_layer(&file)) {
            layers.push(layer);
        }
        let severity = self.overrides.severity.or(config.as_ref().and_then(|c| c.severity)).unwrap_or(Severity::Info);
        Ok(Settings {
            selection: Selection::resolve(&layers, severity),
            versions: self
                .overrides
                .versions
                .or(config.as_ref().and_then(|c| c.versions))
                .unwrap_or(DockerVersions::NEWEST),
            max_file_size: self
                .overrides
                .max_file_size
                .or(config.as_ref().and_then(|c| c.max_file_size))
                .unwrap_or(DEFAULT_MAX_FILE_SIZE),
            config: config.map(|c| c.path.clone()),
        })
    }

    /// Whether the file's config excludes it from a directory walk.
    pub fn excluded(&mut self, file: &Path) -> Result<bool, String> {
        let absolute = absolute(file);
        Ok(self.config_for(file)?.is_some_and(|c| c.excludes(&absolute)))
    }
}

/// A path made absolute against the current directory, without resolving symlinks, and
/// with `.` components dropped (so that `./a` and `a` are the same file).
pub fn absolute(path: &Path) -> PathBuf {
    // Called several times for every file of a run: a path that is absolute already, with
    // no `.` or empty part, is returned as it is (it is what the rest would return).
    if is_plain_absolute(path) {
        return path.to_path_buf();
    }
    let joined = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    joined.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect()
}

/// An absolute path with no `.` part, no empty part (`//`) and no trailing `/`.
fn is_plain_absolute(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    match bytes.strip_prefix(b"/") {
        Some(rest) => !rest.is_empty() && rest.split(|&b| b == b'/').all(|part| !part.is_empty() && part != b"."),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_absolute_paths_are_taken_as_they_are() {
        for path in ["/a/b", "/a/../b", "/a/.b", "/a//b", "/a/./b", "/a/b/", "/a/b/.", "/", "a/b", "./a", ""] {
            let path = Path::new(path);
            if is_plain_absolute(path) {
                let normal: PathBuf =
                    path.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect();
                assert_eq!(normal, path, "{}", path.display());
            }
        }
        assert!(is_plain_absolute(Path::new("/a/../b")));
        assert!(!is_plain_absolute(Path::new("/a//b")));
        assert!(!is_plain_absolute(Path::new("/a/b/")));
    }

    fn layer(select: Option<&[&str]>, ignore: &[&str]) -> Layer {
        Layer {
            select: select.map(|s| Selector::parse_list(s).unwrap_or_default()),
            ignore: Selector::parse_list(ignore).unwrap_or_default(),
        }
    }

    #[test]
    fn selectors_name_codes_names_and_prefixes() {
        assert_eq!(Selector::parse("dm006"), Ok(Selector::Prefix("DM006".into())));
        assert_eq!(Selector::parse("DM0"), Ok(Selector::Prefix("DM0".into())));
        assert_eq!(Selector::parse("comma-in-target"), Ok(Selector::Name("comma-in-target")));
        assert_eq!(Selector::parse("all"), Ok(Selector::All));
        assert!(Selector::parse("DM7").is_err());
        assert!(Selector::parse("D").is_err());
        assert!(Selector::parse("comma").is_err());
        assert_eq!(Selector::parse_list(&["DM006,DM900"]).map(|l| l.len()), Ok(2));
    }

    #[test]
    fn the_more_specific_selector_wins_and_a_later_select_starts_afresh() {
        let only = Selection::resolve(&[layer(Some(&["DM006"]), &["DM0"])], Severity::Info);
        assert!(only.is_enabled("DM006"));
        assert!(!only.is_enabled("DM000"));
        assert!(!only.is_enabled("DM900"));

        let tie = Selection::resolve(&[layer(Some(&["DM006"]), &["comma-in-target"])], Severity::Info);
        assert!(!tie.is_enabled("DM006"));

        let config = layer(None, &["DM006"]);
        let cli = layer(Some(&["ALL"]), &[]);
        assert!(Selection::resolve(&[config.clone(), cli], Severity::Info).is_enabled("DM006"));
        let cli = layer(None, &["DM900"]);
        let both = Selection::resolve(&[config, cli], Severity::Info);
        assert!(!both.is_enabled("DM006"));
        assert!(!both.is_enabled("DM900"));
        assert!(both.is_enabled("DM000"));
    }

    #[test]
    fn sizes_and_severities() {
        assert_eq!(parse_size("10MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("42"), Ok(42));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("99999999999999G").is_err());
        assert_eq!(parse_severity("Warning"), Ok(Severity::Warning));
        assert!(parse_severity("fatal").is_err());
    }

    #[test]
    fn globs_without_a_slash_match_at_any_depth() {
        let set = |p: &str| glob(p).map(|g| g.compile_matcher());
        let vendor = set("vendor/").unwrap_or_else(|e| panic!("{e}"));
        assert!(vendor.is_match("vendor"));
        assert!(vendor.is_match("a/vendor"));
        let md = set("docs/*.md").unwrap_or_else(|e| panic!("{e}"));
        assert!(md.is_match("docs/a.md"));
        assert!(!md.is_match("docs/x/a.md"));
    }
}
