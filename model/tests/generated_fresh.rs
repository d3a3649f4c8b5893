//! The model's generated tables (card rules, profiles, scheme flows) must be what the spec
//! generates now: a spec change without `cargo xtask codegen` fails here.

#[test]
fn generated_model_code_is_fresh() {
    let root = xtask::repo_root();
    let spec = xtask::spec::Spec::load(&root.join("spec")).expect("spec loads");
    let report = xtask::validate::validate(&spec);
    assert!(report.problems.is_empty(), "spec invalid: {:?}", report.problems);
    let files = xtask::codegen::generate_model(&spec).expect("generates").expect("the spec has a model");
    if let Err(e) = xtask::codegen::check(&files, &root.join("model/src/generated")) {
        panic!("{e}");
    }
}

/// The check can fail: a changed flow makes the generated flows stale.
#[test]
fn a_flow_change_without_regenerating_is_caught() {
    let root = xtask::repo_root();
    let mut spec = xtask::spec::Spec::load(&root.join("spec")).expect("spec loads");
    let file = spec.files.iter_mut().find(|l| !l.file.flow_messages.is_empty()).expect("a flow file");
    file.file.flow_messages[0].name.push_str(", renamed");
    let files = xtask::codegen::generate_model(&spec).expect("generates").expect("model");
    let err = xtask::codegen::check(&files, &root.join("model/src/generated")).expect_err("stale");
    assert!(err.contains("flows.rs"), "names the stale file: {err}");
}
