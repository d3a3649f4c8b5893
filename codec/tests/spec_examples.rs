//! Every example in the spec, decoded by the generated codec: it must give exactly what the
//! spec interpreter gives (the differential oracle), contain the example's `decoded`, match
//! its snapshot, and re-encode to the same bytes; an error example must fail with the stated
//! kind at the stated byte.

mod common;

use xtask::interp::Interp;
use xtask::validate::contains;

#[test]
fn every_example_decodes_as_the_spec_says() {
    let spec = common::spec();
    let interp = Interp::new(&spec);
    let examples = common::examples(&spec);
    assert!(examples.len() > 150, "the spec lost examples: {}", examples.len());
    let mut failures = Vec::new();
    for (at, format, bytes, ex) in &examples {
        let ours = common::codec(format, bytes);
        let oracle = interp.decode(format, bytes).map_err(|f| (f.kind, f.offset));
        match (&ours, &oracle) {
            (Ok((json, _)), Ok(o)) if json != o => failures.push(format!("{at}: codec {json}\n   interpreter {o}")),
            (Err(e), Err(o)) if e.0 != o.0 || e.1 != o.1 => {
                failures.push(format!("{at}: codec {e:?}, interpreter {o:?}"))
            }
            (Ok(_), Err(o)) => failures.push(format!("{at}: codec decodes, interpreter fails {o:?}")),
            (Err(e), Ok(_)) => failures.push(format!("{at}: codec fails {e:?}, interpreter decodes")),
            _ => {}
        }
        match (&ex.decoded, &ex.error, &ours) {
            (Some(expected), _, Ok((json, reencoded))) => {
                if !contains(json, expected) {
                    failures.push(format!("{at}: {json} does not contain {expected}"));
                }
                if reencoded != bytes {
                    failures.push(format!("{at}: re-encodes to {}", hex::encode_upper(reencoded)));
                }
            }
            (_, Some(e), Err((kind, offset))) if e.kind == *kind && e.offset == *offset => {}
            _ => failures.push(format!("{at}: expected {:?}/{:?}, codec gave {ours:?}", ex.decoded, ex.error)),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn example_decodings_match_snapshots() {
    let spec = common::spec();
    for (at, format, bytes, _) in common::examples(&spec) {
        let value = match common::codec(&format, &bytes) {
            Ok((json, _)) => json,
            Err((kind, offset)) => serde_json::json!({ "error": kind, "offset": offset }),
        };
        // `spec/apdu/jpki.json#/commands/3/examples/0` → `apdu_jpki_commands_3_examples_0`
        let name = at.trim_start_matches("spec/").replace(".json#", "").replace(['/', '.'], "_");
        insta::assert_json_snapshot!(name, value);
    }
}
