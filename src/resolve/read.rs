//! The one way Mirage reads a source file from disk: regular files only, at
//! most [`MAX_SOURCE_BYTES`], never blocking on a FIFO or a device, and —
//! for a project's files and imports — only inside the project directory.
//!
//! Every reader of `.mirage` files (the resolver, `fmt`, the language
//! server) goes through [`read_source`] or [`read_source_in`]. The kind of
//! file is checked twice: with `stat` before opening, so a device or FIFO
//! is never opened (opening some devices has effects, opening a FIFO
//! blocks until a writer comes), and with `fstat` on the opened handle, so
//! a file swapped for a FIFO between the two cannot make the read hang
//! (the handle is opened non-blocking).

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::load::normalize;

/// The largest source file Mirage reads: 8 MiB. A hand-written project is a
/// few hundred kilobytes; this bounds memory against `/dev/zero`-like
/// inputs and keeps every analysis fast.
pub const MAX_SOURCE_BYTES: u64 = 8 * 1024 * 1024;

/// The limit as people read it.
pub const MAX_SOURCE_SIZE: &str = "8 MiB";

/// Why a source file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Nothing at the path (or a dangling symbolic link); the OS's words.
    NotFound(String),
    /// A symbolic link that points back at itself, directly or not.
    SymlinkLoop,
    /// A directory, FIFO, device or socket: what it is, as "a named pipe
    /// (FIFO)".
    NotRegular(&'static str),
    /// Larger than [`MAX_SOURCE_BYTES`]; its size when the file said.
    TooLarge(Option<u64>),
    /// A NUL byte near the start: a binary file, not text.
    Binary,
    /// The file resolves (through symbolic links or `..`) to this path,
    /// outside the project directory.
    OutsideProject(PathBuf),
    /// Any other failure (permissions, IO); the OS's words.
    Other(String),
}

impl ReadError {
    /// The diagnostic code for a file that could not be read.
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::NotFound(_) | ReadError::Other(_) => "mirage::resolve::unreadable_file",
            ReadError::SymlinkLoop => "mirage::resolve::symlink_loop",
            ReadError::NotRegular(_) => "mirage::resolve::not_a_regular_file",
            ReadError::TooLarge(_) => "mirage::resolve::file_too_large",
            ReadError::Binary => "mirage::resolve::binary_file",
            ReadError::OutsideProject(_) => "mirage::resolve::outside_project",
        }
    }

    /// One line saying what is wrong with `path` (lowercase, names in
    /// backticks). Never quotes the file's content.
    pub fn message(&self, path: &Path) -> String {
        // `./main.mirage` (how `load_dir(".")` names files) as `main.mirage`.
        let p = path.strip_prefix(".").unwrap_or(path).display();
        match self {
            ReadError::NotFound(reason) | ReadError::Other(reason) => {
                format!("cannot read `{p}`: {reason}")
            }
            ReadError::SymlinkLoop => format!("`{p}` is a loop of symbolic links"),
            ReadError::NotRegular(kind) => format!("`{p}` is {kind}, not a regular file"),
            ReadError::TooLarge(Some(size)) => format!(
                "`{p}` is {size} bytes, over the {MAX_SOURCE_SIZE} ({MAX_SOURCE_BYTES} bytes) limit for a source file"
            ),
            ReadError::TooLarge(None) => {
                format!("`{p}` is over the {MAX_SOURCE_SIZE} limit for a source file")
            }
            ReadError::Binary => format!("`{p}` is a binary file (it contains a NUL byte)"),
            ReadError::OutsideProject(real) => format!(
                "`{p}` resolves to `{}`, outside the project directory",
                real.display()
            ),
        }
    }

    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            ReadError::NotFound(_) | ReadError::Other(_) => {
                "check that the file exists and is readable".to_string()
            }
            ReadError::SymlinkLoop => {
                "point the link at a real file inside the project, or remove it".to_string()
            }
            ReadError::NotRegular(_) => "only regular files are read: replace it with a file, or rename it so that it does not end in `.mirage`".to_string(),
            ReadError::TooLarge(_) => format!(
                "split it into several files (every `.mirage` file in the project directory is read without an import); the limit is {MAX_SOURCE_SIZE} per file"
            ),
            ReadError::Binary => {
                "a `.mirage` file is UTF-8 text: remove the file or give it another extension"
                    .to_string()
            }
            ReadError::OutsideProject(_) => "Mirage reads only files inside the project directory: copy the file into it, or import a standard module (`std/<name>`)".to_string(),
        }
    }
}

/// [`read_source`] as UTF-8 text, with the failure as an `io::Error` (kind
/// `NotFound` when nothing is there): for the small files other rooms read
/// (a CA bundle, a token file, a credentials file), bounded and regular
/// like every file Mirage reads.
pub fn read_text(path: &Path) -> io::Result<String> {
    let bytes = read_source(path).map_err(|error| match error {
        ReadError::NotFound(reason) => io::Error::new(io::ErrorKind::NotFound, reason),
        other => io::Error::other(other.message(path)),
    })?;
    String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the file is not UTF-8 text"))
}

/// Read `path` (symbolic links followed) if it is a regular file of at most
/// [`MAX_SOURCE_BYTES`]. For files a person names on the command line;
/// a project's files go through [`read_source_in`].
pub fn read_source(path: &Path) -> Result<Vec<u8>, ReadError> {
    read_regular(path, false)
}

/// Read `path` as [`read_source`] does, if it really lies inside `root`
/// once symbolic links and `..` are resolved (a link in a cloned repository
/// pointing at `/proc/self/environ` must not be read, nor its content shown
/// in a diagnostic).
pub fn read_source_in(root: &Path, path: &Path) -> Result<Vec<u8>, ReadError> {
    let real = resolve_inside(root, path)?;
    read_regular(&real, true)
}

/// Where `path` really is, if that is inside `root`.
pub fn resolve_inside(root: &Path, path: &Path) -> Result<PathBuf, ReadError> {
    let real = std::fs::canonicalize(path).map_err(classify)?;
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| lexical_absolute(root));
    if real.starts_with(&root) {
        Ok(real)
    } else {
        Err(ReadError::OutsideProject(real))
    }
}

/// `path` made absolute and normalised without touching the filesystem.
pub fn lexical_absolute(path: &Path) -> PathBuf {
    normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

fn read_regular(path: &Path, no_follow: bool) -> Result<Vec<u8>, ReadError> {
    // Before opening: a FIFO or device is reported without being opened.
    let before = std::fs::metadata(path).map_err(classify)?;
    check_kind(&before)?;
    let file = open(path, no_follow).map_err(classify)?;
    // The handle's own metadata: what is read is what was checked.
    let meta = file.metadata().map_err(classify)?;
    check_kind(&meta)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // `take`: the file may grow after `fstat`, and `/proc` files say 0.
    file.take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(classify)?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(ReadError::TooLarge(None));
    }
    Ok(bytes)
}

fn check_kind(meta: &Metadata) -> Result<(), ReadError> {
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(meta)));
    }
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(ReadError::TooLarge(Some(meta.len())));
    }
    Ok(())
}

#[cfg(unix)]
fn kind_of(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind_of(meta: &Metadata) -> &'static str {
    if meta.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// Open for reading without blocking (a FIFO swapped in after the `stat`
/// opens at once instead of waiting for a writer), without becoming the
/// controlling terminal, and, for a path already resolved, without
/// following a link swapped into its last component.
#[cfg(unix)]
fn open(path: &Path, no_follow: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if no_follow {
        flags |= libc::O_NOFOLLOW;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path, _no_follow: bool) -> io::Result<File> {
    File::open(path)
}

fn classify(error: io::Error) -> ReadError {
    #[cfg(unix)]
    if error.raw_os_error() == Some(libc::ELOOP) {
        return ReadError::SymlinkLoop;
    }
    match error.kind() {
        io::ErrorKind::NotFound => ReadError::NotFound(error.to_string()),
        _ => ReadError::Other(error.to_string()),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn tmp() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        (dir, root)
    }

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL");
        // SAFETY: a valid NUL-terminated path; mkfifo only reads it.
        let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
        assert_eq!(rc, 0, "mkfifo: {}", io::Error::last_os_error());
    }

    #[test]
    fn a_regular_file_is_read() {
        let (_d, root) = tmp();
        let path = root.join("main.mirage");
        std::fs::write(&path, "project \"p\"\n").expect("write");
        assert_eq!(
            read_source_in(&root, &path),
            Ok(b"project \"p\"\n".to_vec())
        );
    }

    #[test]
    fn a_fifo_is_refused_at_once() {
        let (_d, root) = tmp();
        let path = root.join("x.mirage");
        mkfifo(&path);
        let started = Instant::now();
        assert_eq!(
            read_source(&path),
            Err(ReadError::NotRegular("a named pipe (FIFO)"))
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn devices_are_refused_unopened() {
        for dev in ["/dev/zero", "/dev/urandom", "/dev/null"] {
            assert_eq!(
                read_source(Path::new(dev)),
                Err(ReadError::NotRegular("a character device")),
                "{dev}"
            );
        }
    }

    #[test]
    fn files_over_the_limit_are_refused_unread() {
        let (_d, root) = tmp();
        let path = root.join("huge.mirage");
        let file = File::create(&path).expect("create");
        // Sparse: costs nothing on disk.
        file.set_len(MAX_SOURCE_BYTES + 1).expect("set_len");
        assert_eq!(
            read_source(&path),
            Err(ReadError::TooLarge(Some(MAX_SOURCE_BYTES + 1)))
        );
        file.set_len(MAX_SOURCE_BYTES).expect("set_len");
        assert_eq!(
            read_source(&path).map(|b| b.len() as u64),
            Ok(MAX_SOURCE_BYTES)
        );
    }

    #[test]
    fn symlink_loops_and_links_outside_the_root_are_refused() {
        let (_d, root) = tmp();
        let (a, b) = (root.join("a.mirage"), root.join("b.mirage"));
        std::os::unix::fs::symlink(&b, &a).expect("symlink");
        std::os::unix::fs::symlink(&a, &b).expect("symlink");
        assert_eq!(read_source_in(&root, &a), Err(ReadError::SymlinkLoop));

        let env = root.join("env.mirage");
        std::os::unix::fs::symlink("/proc/self/environ", &env).expect("symlink");
        assert!(matches!(
            read_source_in(&root, &env),
            Err(ReadError::OutsideProject(_))
        ));
        let lib = root.join("lib");
        std::fs::create_dir(&lib).expect("mkdir");
        std::fs::write(root.join("outside.mirage"), "x").expect("write");
        assert_eq!(
            read_source_in(&lib, &lib.join("../outside.mirage")),
            Err(ReadError::OutsideProject(root.join("outside.mirage")))
        );

        // A link to a file inside the project is fine.
        let real = root.join("real.mirage");
        std::fs::write(&real, "x").expect("write");
        let link = root.join("link.mirage");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        assert_eq!(read_source_in(&root, &link), Ok(b"x".to_vec()));
    }

    #[test]
    fn messages_name_the_file_and_the_limit() {
        let e = ReadError::TooLarge(Some(8_388_609));
        assert_eq!(
            e.message(Path::new("./big.mirage")),
            "`big.mirage` is 8388609 bytes, over the 8 MiB (8388608 bytes) limit for a source file"
        );
        assert_eq!(e.code(), "mirage::resolve::file_too_large");
    }
}
