//! Inputs that once broke an invariant or were found by fuzzing, kept in
//! `tests/regressions/`. Each must be handled without panic, and any output must be clean.

use exifstrip_core::{Policy, strip};

use crate::support::reference::check;

#[test]
fn regression_inputs_keep_the_invariants() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut visited = 0;
    for entry in std::fs::read_dir(&dir).expect("the regressions folder") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let input = std::fs::read(&path).unwrap();
        let expect_ok = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("ok_");
        match strip(&input, Policy::default()) {
            Ok(stripped) => {
                assert!(expect_ok, "{} was accepted", path.display());
                check(&input, &stripped.image, Policy::default())
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
            Err(error) => assert!(!expect_ok, "{}: {error}", path.display()),
        }
        visited += 1;
    }
    assert!(visited > 0, "no regression inputs in {}", dir.display());
}
