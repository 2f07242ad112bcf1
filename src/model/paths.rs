//! Path helpers that behave exactly like the Go functions Docker calls.

/// Go's `path.Clean` (POSIX): collapse `//`, drop `.`, resolve `..` lexically, drop a
/// trailing `/`; the empty path becomes `.`.
pub fn clean(path: &str) -> String {
    cleaned(path).into_owned()
}

/// [`clean`], borrowing the path when it is clean already (most are).
pub fn cleaned(path: &str) -> std::borrow::Cow<'_, str> {
    // Go returns a clean path unchanged: no need to take it apart.
    if is_clean(path) {
        return path.into();
    }
    lexical_clean(path).into()
}

/// Whether [`clean`] would return `path` as it is: no empty, `.` or trailing part, and `..`
/// only at the start of a relative path.
fn is_clean(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    let body = path.strip_prefix('/').unwrap_or(path);
    let rooted = body.len() < path.len();
    let mut leading = true;
    !body.is_empty()
        && body.as_bytes().split(|&b| b == b'/').all(|part| match part {
            b"" | b"." => false,
            b".." => !rooted && leading,
            _ => {
                leading = false;
                true
            }
        })
}

/// [`clean`] part by part.
fn lexical_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Abs` on Linux: join a relative path to `cwd` and clean it.
pub fn absolute(cwd: &str, path: &str) -> String {
    if path.starts_with('/') {
        clean(path)
    } else {
        clean(&format!("{cwd}/{path}"))
    }
}

/// "Absolute" as the Linux daemon means it.
pub fn is_absolute(path: &str) -> bool {
    path.starts_with('/')
}

/// Go's `filepath.IsLocal` on Linux, used for subpaths: relative, not empty, and not
/// escaping upwards after cleaning.
pub fn is_local(path: &str) -> bool {
    if path.is_empty() || path.starts_with('/') {
        return false;
    }
    let cleaned = clean(path);
    cleaned != ".." && !cleaned.starts_with("../")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_path_taken_as_clean_is_one(path in "[a./]{0,10}") {
            if is_clean(&path) {
                prop_assert_eq!(lexical_clean(&path), path.clone());
            }
            prop_assert_eq!(clean(&path), lexical_clean(&path));
        }
    }

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("", "."),
            ("/", "/"),
            ("//", "/"),
            ("/a//b/", "/a/b"),
            ("/a/./b/../c", "/a/c"),
            ("/..", "/"),
            ("a/../..", ".."),
            ("./", "."),
            ("../x", "../x"),
        ] {
            assert_eq!(clean(input), want, "clean({input:?})");
        }
        assert_eq!(absolute("/home/u/p", "../x"), "/home/u/x");
        assert_eq!(absolute("/home/u/p", "./a/../b"), "/home/u/p/b");
        assert!(is_local("a/b"));
        assert!(is_local("a/.."));
        assert!(!is_local("a/../.."));
        assert!(!is_local("/a"));
    }
}
