//! The generated code must be what the spec generates now (the rust-analyzer sourcegen
//! pattern): a spec change without `cargo xtask codegen` fails here.

use std::path::Path;
use xtask::codegen;
use xtask::spec::Spec;

fn generate(spec_dir: &Path) -> codegen::Generated {
    let spec = Spec::load(spec_dir).expect("spec loads");
    let report = xtask::validate::validate(&spec);
    assert!(report.problems.is_empty(), "spec invalid: {:?}", report.problems);
    codegen::generate(&spec, "crate").expect("generates")
}

#[test]
fn generated_code_is_fresh() {
    let root = xtask::repo_root();
    let files = generate(&root.join("spec"));
    if let Err(e) = codegen::check(&files, &root.join("codec/src/generated")) {
        panic!("{e}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The check above can fail: on a copy of the spec and generated code, a changed spec
/// makes the generated copy stale and names the file.
#[test]
fn a_spec_change_without_regenerating_is_caught() {
    let root = xtask::repo_root();
    let tmp = std::env::temp_dir().join(format!("hanko-fresh-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    copy_dir(&root.join("spec"), &tmp.join("spec"));
    copy_dir(&root.join("codec/src/generated"), &tmp.join("generated"));
    assert!(codegen::check(&generate(&tmp.join("spec")), &tmp.join("generated")).is_ok(), "an unchanged copy is fresh");

    let path = tmp.join("spec/apdu/iso7816.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replace(
        "\"meaning\": \"wrong length (Lc or data length)\"",
        "\"meaning\": \"wrong length, said differently\"",
    );
    assert_ne!(text, changed, "the edit must apply");
    std::fs::write(&path, changed).unwrap();
    let err = codegen::check(&generate(&tmp.join("spec")), &tmp.join("generated"))
        .expect_err("a changed spec makes generated code stale");
    assert!(err.contains("status.rs"), "names the stale file: {err}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn reference_doc_is_fresh() {
    let root = xtask::repo_root();
    let spec = Spec::load(&root.join("spec")).expect("spec loads");
    let doc = vec![("reference.md".to_string(), codegen::reference_doc(&spec))];
    if let Err(e) = codegen::check(&doc, &root.join("docs")) {
        panic!("{e}");
    }
}
