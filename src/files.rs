//! Writing matoform's output files (plan files, snapshots, imported YAML): private and
//! atomic, whatever the stage that produces them.
//!
//! These files describe the instance (site URLs, exclusion lists, privacy settings):
//! they are created readable by their owner only (mode 0600 on Unix), and written
//! through a temporary file in the same directory renamed over the target, so that a
//! reader never sees half a file and a failed write leaves the old file as it was.

use std::io::Write as _;
use std::path::Path;

/// Writes `text` to `path`: a temporary file (mode 0600 on Unix) in the same directory,
/// synced, then renamed over `path` (which then has mode 0600 too, even when it existed
/// with another). On error, `path` is untouched and the temporary file removed.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".matoform-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(text.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        std::fs::write(&path, "old, longer content\n").unwrap();
        write_private(&path, "new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["plan.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_readable_by_its_owner_only_even_when_it_existed() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.json");
        std::fs::write(&path, "{}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, "{}\n").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    #[test]
    fn a_missing_directory_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-dir").join("plan.json");
        assert!(write_private(&path, "x").is_err());
        assert!(!path.exists());
    }
}
