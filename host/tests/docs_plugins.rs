//! docs/plugins.md shows the downstream example exactly as the tests
//! build it, so the page cannot drift from working code.

use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)).unwrap()
}

fn fenced_block(doc: &str, lang: &str, after: &str) -> String {
    let start = doc.find(after).expect("marker present");
    let rest = &doc[start..];
    let open = format!("```{lang}\n");
    let body = &rest[rest.find(&open).expect("block present") + open.len()..];
    body[..body.find("\n```").expect("block closed")].to_owned()
}

#[test]
fn the_plugin_guide_shows_the_tested_example() {
    let doc = read("docs/plugins.md");
    assert_eq!(
        fenced_block(&doc, "rust", "`src/lib.rs`:"),
        read("tests/plugins/downstream/src/lib.rs").trim_end()
    );
    assert_eq!(
        fenced_block(&doc, "toml", "`Cargo.toml`"),
        read("tests/plugins/downstream/Cargo.toml").trim_end()
    );
}
