//! Recursive copy between local paths, and the file-name rule every copy
//! obeys: a listed name never leaves its directory.

use std::fs;
use std::io;
use std::path::Path;

/// Whether a directory entry name is a plain name inside its directory.
pub(crate) fn is_safe_entry_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/') && !name.contains('\0')
}

/// Copy `src` (file or directory) to `dst` on this machine, keeping
/// permission bits. Symbolic links are skipped (with a warning) so a copy
/// never follows a link out of the tree.
pub(crate) fn copy_local_tree(src: &Path, dst: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(src)?;
    if meta.is_dir() {
        fs::create_dir_all(dst)?;
        fs::set_permissions(dst, meta.permissions())?;
        for entry in fs::read_dir(src)? {
            let entry = entry?;
            copy_local_tree(&entry.path(), &dst.join(entry.file_name()))?;
        }
    } else if meta.is_file() {
        fs::copy(src, dst)?;
    } else {
        tracing::warn!(
            "skipping {} (not a regular file or directory)",
            src.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names_are_refused() {
        for bad in ["", ".", "..", "a/b", "../x", "a\0b"] {
            assert!(!is_safe_entry_name(bad), "{bad:?} accepted");
        }
        assert!(is_safe_entry_name("..hidden"));
        assert!(is_safe_entry_name("file.txt"));
    }

    #[test]
    fn copies_a_tree_with_modes_and_skips_links() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        fs::create_dir_all(src.join("sub")).unwrap();
        fs::write(src.join("sub/run.sh"), "echo hi\n").unwrap();
        fs::set_permissions(src.join("sub/run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("/etc", src.join("link")).unwrap();
        let dst = tmp.path().join("dst");
        copy_local_tree(&src, &dst).unwrap();
        assert_eq!(
            fs::read_to_string(dst.join("sub/run.sh")).unwrap(),
            "echo hi\n"
        );
        let mode = fs::metadata(dst.join("sub/run.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        assert!(!dst.join("link").exists());
    }
}
