//! Writing a file the user names, so that nothing they had is lost or laid open: atomically (a
//! temporary file beside the target, synced, renamed over it, the directory synced), through
//! symbolic links to the file they point at (the link stays a link), never over what is not a
//! regular file (a device, a FIFO, a directory), and with the mode of the file it replaces. A new
//! file is created readable and writable by its owner only (0600, narrowed further by the umask
//! if it says so): graphs of threat intelligence are not for every account on the machine.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Links followed at most, as the system does before it says there are too many.
const MAX_LINKS: usize = 40;

/// The file a write to `path` lands in: `path`, or what its links lead to.
fn target_of(path: &Path) -> io::Result<PathBuf> {
    let mut target = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&target)?;
                target = match target.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(target),
        }
    }
    Err(io::Error::other(format!("{}: more than {MAX_LINKS} symbolic links in a row", path.display())))
}

/// Writes `path` through `write`, atomically. A failure leaves the previous file as it was.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let target = target_of(path)?;
    let existing = match fs::metadata(&target) {
        Ok(meta) if !meta.is_file() => {
            return Err(io::Error::other(format!(
                "{} is not a regular file (a device, a pipe or a directory): not written over",
                target.display()
            )));
        }
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name =
        target.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let written = (|| -> io::Result<()> {
        let mut file = create_private(&tmp)?;
        write(&mut file)?;
        if let Some(meta) = &existing {
            keep_owner_and_mode(&file, meta)?;
        }
        file.sync_all()?;
        fs::rename(&tmp, &target)?;
        // Makes the rename itself durable; not every platform can open a directory, so failing to is
        // not fatal.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create(true).truncate(true).open(path)
}

/// The replaced file's permissions, and its owner and group where this process may set them (a
/// file of another account saved over by root stays that account's).
#[cfg(unix)]
fn keep_owner_and_mode(file: &File, old: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    // Only an owner change the system allows is made; the mode below is kept either way.
    let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
    file.set_permissions(old.permissions())
}

#[cfg(not(unix))]
fn keep_owner_and_mode(file: &File, old: &fs::Metadata) -> io::Result<()> {
    file.set_permissions(old.permissions())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// Issue 14, item 6: a save replaced a symbolic link with a regular file, a device with a file,
    /// and widened a 0600 file to 0644.
    #[test]
    fn a_save_goes_through_links_keeps_the_mode_and_refuses_devices() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.kgs");
        fs::write(&real, b"old").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.kgs");
        symlink("real.kgs", &link).unwrap();
        write_atomically(&link, |f| io::Write::write_all(f, b"new")).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert_eq!(mode(&real), 0o640, "the target keeps its mode");
        let fresh = dir.path().join("fresh.kgs");
        write_atomically(&fresh, |f| io::Write::write_all(f, b"x")).unwrap();
        assert_eq!(mode(&fresh) & 0o077, 0, "a new file is its owner's only");
        let err = write_atomically(Path::new("/dev/null"), |f| io::Write::write_all(f, b"x")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert!(fs::metadata("/dev/null").unwrap().file_type().is_char_device(), "/dev/null is untouched");
        let err = write_atomically(dir.path(), |f| io::Write::write_all(f, b"x")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        // Nothing left behind by the refusals.
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 3, "{left:?}");
    }
}
