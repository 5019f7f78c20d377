//! Helpers: the binary, the corpus, and the external tools used as independent judges.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn exifstrip() -> Command {
    Command::new(env!("CARGO_BIN_EXE_exifstrip"))
}

pub fn run(command: &mut Command) -> Output {
    command.output().expect("the command starts")
}

pub fn corpus_dir() -> PathBuf {
    std::env::var_os("EXIFSTRIP_CORPUS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/corpus/exif-samples/jpg")
        },
        PathBuf::from,
    )
}

/// Runs an external tool that the test script installs; a missing tool is a failure that
/// says how to install it.
pub fn tool(name: &str, package: &str) -> Command {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|dir| dir.join(name).is_file()));
    assert!(
        found,
        "{name} is missing: apt-get install {package} (scripts/test.sh does this)"
    );
    Command::new(name)
}

/// Every tag exiftool finds in the files below `dir`, as `Group:Tag` per file.
pub fn exiftool_tags(dir: &Path) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let output = run(tool("exiftool", "libimage-exiftool-perl")
        .args(["-j", "-a", "-G1", "-n", "-r", "-ext", "jpg", "-ext", "jpeg"])
        .arg(dir));
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("exiftool prints JSON");
    json.as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_object().expect("an object").clone())
        .collect()
}

/// Pixels as decoded by libjpeg-turbo's djpeg, as a binary PPM or PGM.
pub fn djpeg(file: &Path) -> Vec<u8> {
    let output = run(tool("djpeg", "libjpeg-turbo-progs").arg(file));
    assert!(
        output.status.success(),
        "djpeg {}: {}",
        file.display(),
        stderr(&output)
    );
    output.stdout
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Copies the corpus below `to`, skipping the photos damaged on purpose.
pub fn copy_valid_corpus(to: &Path) -> usize {
    let mut copied = 0;
    std::fs::create_dir_all(to).unwrap();
    let mut stack = vec![corpus_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("the corpus folder (set EXIFSTRIP_CORPUS)") {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(corpus_dir()).unwrap();
            if path.is_dir() {
                stack.push(path.clone());
                std::fs::create_dir_all(to.join(relative)).unwrap();
            } else if path.extension().is_some_and(|e| e == "jpg" || e == "jpeg")
                && !path.ends_with("corrupted.jpg")
            {
                std::fs::copy(&path, to.join(relative)).unwrap();
                copied += 1;
            }
        }
    }
    copied
}

/// Files below `dir`, relative to it, sorted.
pub fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    found.sort();
    found
}
