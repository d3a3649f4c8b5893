//! The OIDs and profiles in `src/generated/` must be what `spec/pki/` generates now.

#[test]
fn generated_pki_is_fresh() {
    let root = xtask::repo_root();
    let spec = xtask::spec::Spec::load(&root.join("spec")).expect("spec loads");
    let files = xtask::codegen::generate_pki(&spec).expect("generates").expect("the spec has a PKI profile");
    if let Err(e) = xtask::codegen::check(&files, &root.join("crypto/src/generated")) {
        panic!("{e}");
    }
}
