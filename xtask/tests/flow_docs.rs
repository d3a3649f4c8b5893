//! `docs/flows/` must be what `cargo xtask docs` writes from the spec now.

#[test]
fn flow_docs_are_fresh() {
    let root = xtask::repo_root();
    let spec = xtask::spec::Spec::load(&root.join("spec")).expect("spec loads");
    let files = xtask::docs::generate(&spec);
    assert!(files.iter().any(|(n, _)| n == "s1.md"));
    if let Err(e) = xtask::codegen::check(&files, &root.join("docs/flows")) {
        panic!("{e}\nrun `cargo xtask docs`");
    }
}

#[test]
fn every_machine_has_a_state_diagram_and_every_flow_a_sequence() {
    let root = xtask::repo_root();
    let spec = xtask::spec::Spec::load(&root.join("spec")).expect("spec loads");
    let files = xtask::docs::generate(&spec);
    for f in xtask::flow::flows(&spec) {
        let page = &files.iter().find(|(n, _)| *n == format!("{}.md", f.module())).expect("page").1;
        assert_eq!(page.matches("stateDiagram-v2").count(), f.machines.len(), "{}", f.display);
        assert_eq!(page.matches("sequenceDiagram").count(), 1, "{}", f.display);
        for m in f.machines {
            for t in &m.transitions {
                assert!(page.contains(&format!("    {} --> {}: ", t.from, t.to)), "{}: {} -> {}", m.id, t.from, t.to);
            }
        }
    }
}
