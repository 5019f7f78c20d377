//! `exifstrip strip` and `exifstrip inspect` on real photos and broken files.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use crate::oracles::{
    copy_valid_corpus, corpus_dir, djpeg, exifstrip, exiftool_tags, listing, run, stderr,
};

/// Groups exiftool may still report on a stripped photo: its own, the file system's, what it
/// computes, and what display needs.
const ALLOWED_GROUPS: &[&str] = &[
    "SourceFile",
    "ExifTool",
    "System",
    "File",
    "Composite",
    "JFIF",
    "ICC_Profile",
    "ICC-header",
    "ICC-meas",
    "ICC-view",
    "Adobe",
];

/// IFD0 orientation of every corpus photo, keyed by path relative to `dir`, read by exiftool.
fn orientations(dir: &Path) -> HashMap<String, i64> {
    exiftool_tags(dir)
        .into_iter()
        .filter_map(|tags| {
            let file = tags["SourceFile"].as_str()?.to_owned();
            let relative = Path::new(&file)
                .strip_prefix(dir)
                .ok()?
                .to_string_lossy()
                .into_owned();
            Some((relative, tags.get("IFD0:Orientation")?.as_i64()?))
        })
        .collect()
}

#[test]
fn corpus_folder_comes_out_clean_per_exiftool_with_identical_pixels_per_djpeg() {
    let work = tempfile::tempdir().unwrap();
    let (src, out) = (work.path().join("src"), work.path().join("out"));
    let copied = copy_valid_corpus(&src);
    assert_eq!(copied, 87);

    let output = run(exifstrip()
        .arg("strip")
        .arg("-r")
        .arg(&src)
        .arg("--out-dir")
        .arg(&out));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        listing(&src),
        listing(&out),
        "same relative paths, nothing else"
    );

    let before = orientations(&src);
    let tags = exiftool_tags(&out);
    assert_eq!(tags.len(), copied);
    let mut rotated = 0;
    for file in &tags {
        let name = file["SourceFile"].as_str().unwrap();
        let relative = Path::new(name)
            .strip_prefix(&out)
            .unwrap()
            .to_string_lossy();
        for (key, value) in file {
            let group = key.split(':').next().unwrap();
            let allowed = ALLOWED_GROUPS.contains(&group) || key == "IFD0:Orientation";
            assert!(allowed, "{relative}: {key} = {value} survived");
            assert!(
                !key.ends_with(":Warning") && !key.ends_with(":Error"),
                "{relative}: {value}"
            );
        }
        let expected = before
            .get(relative.as_ref())
            .copied()
            .filter(|o| (2..=8).contains(o));
        let found = file
            .get("IFD0:Orientation")
            .and_then(serde_json::Value::as_i64);
        assert_eq!(found, expected, "{relative}: orientation");
        rotated += usize::from(found.is_some());
    }
    assert_eq!(rotated, 16, "the corpus has 16 rotated photos");

    for relative in listing(&src) {
        assert_eq!(
            djpeg(&src.join(&relative)),
            djpeg(&out.join(&relative)),
            "{}: pixels differ",
            relative.display()
        );
    }
}

#[test]
fn policy_flags_drop_icc_and_orientation() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let output = run(exifstrip()
        .args([
            "strip",
            "-r",
            "--icc",
            "drop",
            "--orientation",
            "drop",
            "--out-dir",
        ])
        .arg(&out)
        .arg(corpus_dir().join("orientation"))
        .arg(corpus_dir().join("xmp")));
    assert!(output.status.success(), "{}", stderr(&output));
    let tags = exiftool_tags(&out);
    assert_eq!(tags.len(), 18);
    for file in tags {
        for key in file.keys() {
            assert!(
                !key.starts_with("ICC") && !key.starts_with("IFD0"),
                "{key} survived"
            );
        }
    }
}

#[test]
fn a_damaged_photo_is_rejected_among_good_ones_and_leaves_no_file() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let good = corpus_dir().join("Canon_40D.jpg");
    let damaged = corpus_dir().join("corrupted.jpg");
    let html = work.path().join("page.jpg");
    fs::write(&html, "<html><script>alert(1)</script></html>").unwrap();

    let output = run(exifstrip()
        .args(["strip", "--out-dir"])
        .arg(&out)
        .args([&good, &damaged, &html]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr(&output);
    let rejected: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("exifstrip: rejected"))
        .collect();
    assert_eq!(rejected.len(), 2, "{stderr}");
    assert!(
        rejected
            .iter()
            .any(|l| l.contains("corrupted.jpg") && l.contains("corrupt"))
    );
    assert!(
        rejected
            .iter()
            .any(|l| l.contains("page.jpg") && l.contains("not a JPEG"))
    );
    assert_eq!(
        listing(&out),
        [Path::new("Canon_40D.jpg")],
        "no partial or temporary files"
    );
}

#[test]
fn single_file_and_standard_streams_give_the_same_bytes() {
    let work = tempfile::tempdir().unwrap();
    let input = corpus_dir().join("gps/DSCN0010.jpg");
    let out = work.path().join("clean.jpg");
    let output = run(exifstrip().arg("strip").arg(&input).arg("-o").arg(&out));
    assert!(output.status.success(), "{}", stderr(&output));

    let mut child = exifstrip()
        .args(["strip", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = fs::read(&input).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let piped = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(piped.status.success(), "{}", stderr(&piped));
    assert_eq!(piped.stdout, fs::read(&out).unwrap());
    assert!(piped.stdout.len() < fs::metadata(&input).unwrap().len() as usize);
}

#[test]
fn inputs_are_never_modified() {
    let work = tempfile::tempdir().unwrap();
    let photo = work.path().join("photo.jpg");
    fs::copy(corpus_dir().join("gps/DSCN0012.jpg"), &photo).unwrap();
    let before = fs::read(&photo).unwrap();

    let output = run(exifstrip().arg("strip").arg(&photo).arg("-o").arg(&photo));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("both input and output"));

    let output = run(exifstrip()
        .arg("strip")
        .arg(&photo)
        .arg("--out-dir")
        .arg(work.path()));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("would replace it"),
        "{}",
        stderr(&output)
    );
    assert_eq!(fs::read(&photo).unwrap(), before);
    assert_eq!(listing(work.path()), [Path::new("photo.jpg")]);
}

#[test]
fn usage_errors_exit_with_2() {
    let cases: &[&[&str]] = &[
        &["strip"],
        &["strip", "a.jpg"],
        &["strip", "a.jpg", "b.jpg", "-o", "c.jpg"],
        &["strip", "a.jpg", "-o", "b.jpg", "--out-dir", "d"],
        &["strip", "a.jpg", "--icc", "maybe", "-o", "b.jpg"],
        &["frobnicate"],
    ];
    for args in cases {
        let output = run(exifstrip().args(*args));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).is_empty(), "{args:?} explains itself");
    }
}

/// Lambda starts the bootstrap with no arguments and the runtime API in the environment:
/// then, and only then, the binary serves as the function without being asked. Without a
/// destination the function stops before it reaches the runtime API, naming the setting.
#[test]
fn the_binary_is_the_lambda_function_when_lambda_starts_it() {
    let started = |args: &[&str], runtime_api: bool| {
        let mut command = exifstrip();
        command.args(args).env_remove("EXIFSTRIP_DEST");
        if runtime_api {
            command.env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9");
        } else {
            command.env_remove("AWS_LAMBDA_RUNTIME_API");
        }
        run(&mut command)
    };
    for (args, runtime_api) in [
        (&[][..], true),
        (&["lambda"][..], true),
        (&["lambda"][..], false),
    ] {
        let output = started(args, runtime_api);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("EXIFSTRIP_DEST is not set"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let output = started(&[], false);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("Usage: exifstrip <COMMAND>"),
        "{}",
        stderr(&output)
    );
    let output = started(&["--version"], true);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn folders_need_r_and_keep_awkward_names() {
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("in");
    let nested = src.join("2024 summer/café +1/%41");
    fs::create_dir_all(&nested).unwrap();
    fs::copy(
        corpus_dir().join("Canon_40D.jpg"),
        nested.join("a b+c%20d é.JPG"),
    )
    .unwrap();
    fs::copy(corpus_dir().join("Nikon_D70.jpg"), src.join("top.jpeg")).unwrap();
    fs::write(src.join("notes.txt"), "not a photo").unwrap();
    let out = work.path().join("out");

    let output = run(exifstrip()
        .arg("strip")
        .arg(&src)
        .arg("--out-dir")
        .arg(&out));
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("add -r"), "{}", stderr(&output));

    let output = run(exifstrip()
        .args(["strip", "-r", "-q"])
        .arg(&src)
        .arg("--out-dir")
        .arg(&out));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).is_empty(),
        "-q prints nothing: {}",
        stderr(&output)
    );
    assert_eq!(
        listing(&out),
        [
            Path::new("2024 summer/café +1/%41/a b+c%20d é.JPG"),
            Path::new("top.jpeg")
        ]
    );
}

#[test]
fn inspect_lists_segments_without_their_content() {
    let file = corpus_dir().join("gps/DSCN0010.jpg");
    let output = run(exifstrip().arg("inspect").arg(&file));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("APP1") && text.contains("Exif") && text.contains("remove"),
        "{text}"
    );
    assert!(!text.contains("NIKON"), "no payload is printed: {text}");

    let output = run(exifstrip().arg("inspect").arg("--json").arg(&file));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert!(json["bytes_removed"].as_u64().unwrap() > 10_000);
    let segments = json["segments"].as_array().unwrap();
    assert!(
        segments
            .iter()
            .any(|s| s["kind"] == "Exif" && s["action"] == "remove")
    );
    assert!(
        segments
            .iter()
            .any(|s| s["kind"] == "scan" && s["action"] == "keep")
    );

    let output = run(exifstrip()
        .arg("inspect")
        .arg(corpus_dir().join("corrupted.jpg")));
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("would reject: the entropy-coded data"),
        "{text}"
    );
}
