//! Fuzz seed corpora from the spec examples: `corpus/<target>/` for each target of
//! `fuzz/targets`. Seeds are named after where their example stands in the spec, so that
//! a regenerated corpus differs from the committed one only where the spec changed.
//!
//! Only files whose names start with [`SPEC_PREFIX`], [`RANDOM_PREFIX`] or [`PKI_PREFIX`] belong to the
//! writer: it replaces those and leaves any other file (a minimised crash kept as a
//! regression input, say) where it is.

use crate::spec::{parse_hex, Format, Spec};
use std::collections::BTreeMap;
use std::path::Path;

/// Seeds taken from spec examples.
pub const SPEC_PREFIX: &str = "spec-";
/// Fixed pseudo-random seeds for the structure-aware target.
pub const RANDOM_PREFIX: &str = "random-";
/// Seeds taken from the checked-in test PKI (`corpus/testdata/pki/`).
pub const PKI_PREFIX: &str = "pki-";

/// The targets that take seeds from examples of one format each, plus `roundtrip`.
pub const TARGETS: [&str; 7] = ["capdu", "rapdu", "ber_tlv", "simple_tlv", "ef", "roundtrip", "gp_response"];

/// The verify-core targets and the JPKI client's, seeded from the test PKI.
pub const PKI_TARGETS: [&str; 6] = ["certificate", "chain", "cv_certificate", "integrity", "signature", "client"];

/// The stateful card targets: sessions of power events and commands.
pub const CARD_TARGETS: [&str; 2] = ["card_model", "virtual_card"];

/// The OTA targets (`fuzz/targets/src/ota.rs`), seeded from the examples of `spec/tsm/`;
/// `scp80_verify` takes structured input, so its seeds are fixed pseudo-random bytes.
pub const OTA_TARGETS: [&str; 4] = ["scp80_command", "scp80_response", "remote_apdu", "scp80_verify"];

/// Seeds of the OTA targets: every TSM example under the target of its format.
pub fn ota_seeds(spec: &Spec) -> Result<BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>, String> {
    let mut out: BTreeMap<&'static str, BTreeMap<String, Vec<u8>>> =
        OTA_TARGETS.iter().map(|t| (*t, BTreeMap::new())).collect();
    for (pointer, common, format) in spec.tsm_entries() {
        let target = match format.unwrap_or("") {
            "scp80_command" => "scp80_command",
            "scp80_response" | "scp80_response_ciphered" => "scp80_response",
            _ => "remote_apdu",
        };
        for (i, ex) in common.examples.iter().enumerate() {
            let bytes = parse_hex(&ex.hex).map_err(|e| format!("{pointer}/examples/{i}: {e}"))?;
            out.entry(target).or_default().insert(seed_name(&pointer, i), bytes);
        }
    }
    let verify = out.entry("scp80_verify").or_default();
    for (k, len) in [48, 96, 160, 256].into_iter().enumerate() {
        verify.insert(format!("{RANDOM_PREFIX}{k}_{len}"), pseudo_random(0x0073_6370_3830 + k as u64, len));
    }
    Ok(out)
}

/// The TSM-layer message target (`fuzz/targets/src/tsm_msg.rs`), seeded with the texts of
/// the examples of `spec/tsm/messages.json`.
pub const MESSAGE_TARGETS: [&str; 1] = ["tsm_message"];

/// Seeds of the message target: every message example's text, valid or not.
pub fn message_seeds(spec: &Spec) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for (at, _, ex) in crate::messages::examples(spec) {
        let (pointer, example) = at.rsplit_once("/examples/").unwrap_or((&at, "0"));
        if let (Some(text), Ok(i)) = (ex.input(), example.parse()) {
            out.insert(seed_name(pointer, i), text.into_bytes());
        }
    }
    out
}

/// The structure-aware targets (`fuzz/targets/src/structured.rs`). Their input drives
/// `arbitrary`, so any bytes are a seed: fixed pseudo-random ones of growing length, and for
/// `typed_value` also every type example behind its selector byte (the type's index in spec
/// order, below 0x80 so that the bytes are decoded as they are).
pub const STRUCTURED_TARGETS: [&str; 9] = [
    "command_structured",
    "file_structured",
    "ber_structured",
    "simple_tlv_structured",
    "typed_value",
    "ota_structured",
    "tsm_structured",
    "trace_structured",
    "pki_structured",
];

/// Seeds of the structure-aware targets.
pub fn structured_seeds(spec: &Spec) -> Result<BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>, String> {
    let mut out: BTreeMap<&'static str, BTreeMap<String, Vec<u8>>> = BTreeMap::new();
    for (k, target) in STRUCTURED_TARGETS.into_iter().enumerate() {
        let seeds = out.entry(target).or_default();
        for (i, len) in [64, 128, 256, 512, 1024, 2048, 4096, 8192].into_iter().enumerate() {
            let seed = 0x7374_7275_6300 + ((k as u64) << 4) + i as u64;
            seeds.insert(format!("{RANDOM_PREFIX}{i}_{len}"), pseudo_random(seed, len));
        }
    }
    let types: Vec<&str> = spec.types().map(|(_, _, e)| e.common.id.as_str()).collect();
    let typed = out.entry("typed_value").or_default();
    for (pointer, common, format) in spec.all_entries() {
        let Format::Value(id) = &format else { continue };
        let index = types.iter().position(|t| t == id).ok_or_else(|| format!("{pointer}: no type {id}"))?;
        let selector =
            u8::try_from(index).ok().filter(|s| *s < 0x80).ok_or("more than 128 types: the selector is one byte")?;
        for (i, ex) in common.examples.iter().enumerate() {
            let bytes = parse_hex(&ex.hex).map_err(|e| format!("{pointer}/examples/{i}: {e}"))?;
            typed.insert(seed_name(&pointer, i), [&[selector][..], &bytes].concat());
        }
    }
    Ok(out)
}

/// The trace checker's targets, seeded with the traces kept in `corpus/traces/`.
pub const TRACE_TARGETS: [&str; 2] = ["trace_lines", "scheme_actions"];
/// Seeds copied from `corpus/traces/*.jsonl`.
pub const TRACE_PREFIX: &str = "trace-";

/// Inputs of `scheme_actions` (fuzz/targets/src/trace.rs). A mode byte below 0x80 picks a
/// system of the scheme models, each further byte an action: each system's first-action run
/// on the ordered network. From 0x80 a kept trace, then edits of three bytes each: the
/// untouched traces of both schemes, and one edit of each kind.
pub fn scheme_action_seeds() -> BTreeMap<String, Vec<u8>> {
    let seeds: [(&str, &[u8]); 6] = [
        ("scheme1", &[0x80]),
        ("scheme2", &[0x81]),
        ("drop_challenge", &[0x81, 0, 1, 0]),
        ("repeat_auth_response", &[0x81, 1, 26, 0]),
        ("swap_login_and_challenge", &[0x81, 2, 0, 1]),
        ("change_a_field", &[0x80, 5, 8, 1]),
    ];
    let mut out: BTreeMap<String, Vec<u8>> =
        seeds.iter().map(|(n, b)| (format!("{TRACE_PREFIX}{n}"), b.to_vec())).collect();
    for (system, name) in ["s1", "s2", "s3i", "s3u_lc"].iter().enumerate() {
        out.insert(format!("{TRACE_PREFIX}walk_{name}"), [&[system as u8][..], &[0; 64]].concat());
    }
    out
}

/// The kept traces (`corpus/traces/*.jsonl`: simulated schemes, a recorded OpenSC session), by
/// seed name.
pub fn trace_seeds(traces: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let entries = std::fs::read_dir(traces).map_err(|e| format!("{}: {e}", traces.display()))?;
    let mut out = BTreeMap::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", traces.display()))?.path();
        if path.extension().is_some_and(|x| x == "jsonl") {
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            out.insert(format!("{TRACE_PREFIX}{stem}"), read(&path)?);
        }
    }
    Ok(out)
}

/// Sessions in the card targets' encoding (a kind byte per step: `03`+index picks a
/// command of the target's vocabulary; `02`+length+bytes is a raw C-APDU; `00` power on,
/// `01` power off): the walk-through, a PIN blocked, and a signature refused then made.
pub fn card_seeds() -> BTreeMap<String, Vec<u8>> {
    let seeds: [(&str, &[u8]); 4] = [
        ("walkthrough", &[3, 0, 3, 8, 3, 19, 3, 20, 3, 0, 3, 4, 3, 12, 3, 6, 3, 23, 3, 1, 3, 10, 3, 12, 3, 9, 3, 20]),
        ("block_pin", &[3, 0, 3, 4, 3, 13, 3, 13, 3, 13, 3, 12, 3, 11, 3, 6, 3, 23]),
        ("sign_refused_then_made", &[3, 0, 3, 6, 3, 23, 3, 4, 3, 12, 3, 6, 3, 23, 1, 0, 3, 0, 3, 6, 3, 23]),
        ("raw_apdus", &[2, 4, 0x00, 0xA4, 0x04, 0x00, 2, 5, 0x00, 0xB0, 0x00, 0x00, 0x00, 2, 0]),
    ];
    seeds.iter().map(|(n, b)| (format!("{PKI_PREFIX}{n}"), b.to_vec())).collect()
}

/// The card manager's targets (`fuzz/targets/src/gp_card.rs`).
pub const GP_CARD_TARGETS: [&str; 2] = ["gp_card_manager", "scp_unwrap"];

/// Seeds of `gp_card_manager` (a kind byte per operation, `fuzz/targets/src/gp_card.rs`), from
/// a `hanko sim scheme 3` run: the MNO-TSM's deployment under an ISD session at level 33
/// (`03 05` opens it; `04 k` wraps vocabulary command k), the SP-TSM's personalization under an
/// SSD session (`4B 05`), then the applet used; the deployment's first commands in an SCP80
/// packet (`08`); and a tampered and a replayed command. The fuzz crate's test checks that the
/// issuance seed still personalizes the applet.
pub fn gp_card_seeds() -> BTreeMap<String, Vec<u8>> {
    let mut issuance = vec![3, 5, 4, 6, 4, 7, 4, 8, 4, 9];
    issuance.extend((31..=38).flat_map(|k| [4, k]));
    issuance.extend([4, 10, 4, 11, 0x4B, 5, 4, 12]);
    issuance.extend((57..=74).flat_map(|k| [4, k]));
    issuance.extend([1, 2, 1, 27, 1, 28, 1, 29]);
    let seeds: [(&str, Vec<u8>); 4] = [
        ("issuance", issuance),
        ("ota_ssd", vec![8, 2, 1, 6, 7, 8, 8, 0, 1, 13]),
        ("tampered_and_replayed", vec![3, 1, 6, 6, 0x90, 4, 13, 7, 1, 13, 2, 4, 0x84, 0xE6, 0x0C, 0x00]),
        ("channels", vec![1, 3, 0x13, 5, 0x13, 1, 1, 4, 0x10, 0x13]),
    ];
    let unwrap: [(&str, Vec<u8>); 4] = [
        ("scp03_clean", vec![1, 5, 0x00, 3, 1, 2, 3, 0x00, 0]),
        ("scp03_tampered", vec![3, 1, 0x00, 2, 9, 9, 0x85, 2, 9, 9, 0x00, 0]),
        ("scp02_tampered", vec![0, 4, 0x00, 1, 7, 0x8A, 1, 7]),
        ("scp03_aes256_rmac", vec![5, 3, 0x00, 4, 1, 2, 3, 4, 0x00, 1, 5]),
    ];
    let mut out: BTreeMap<String, Vec<u8>> = seeds.into_iter().map(|(n, b)| (format!("{PKI_PREFIX}{n}"), b)).collect();
    out.extend(unwrap.into_iter().map(|(n, b)| (format!("{PKI_PREFIX}unwrap_{n}"), b)));
    out
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path)
        .map_err(|e| format!("{}: {e} (run `hanko testdata pki` or restore corpus/testdata)", path.display()))
}

/// Seeds for the verify-core targets from the test PKI in `pki`: certificates, the text AP's
/// signed files, and signatures behind every scheme selector.
pub fn pki_seeds(pki: &Path) -> Result<BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>, String> {
    let mut out: BTreeMap<&'static str, BTreeMap<String, Vec<u8>>> =
        PKI_TARGETS.iter().map(|t| (*t, BTreeMap::new())).collect();
    let mut put = |target: &'static str, name: String, bytes: Vec<u8>| {
        if let Some(m) = out.get_mut(target) {
            m.insert(format!("{PKI_PREFIX}{name}"), bytes);
        }
    };
    for name in ["auth_ca", "sign_ca", "auth_ee", "sign_ee", "auth_revoked", "sub_ca", "sub_ee"] {
        let der = read(&pki.join(format!("{name}.der")))?;
        put("certificate", name.to_string(), der.clone());
        put("certificate", format!("{name}_pem"), read(&pki.join(format!("{name}.pem")))?);
        if name.starts_with("auth_") && name != "auth_ca" {
            put("chain", name.to_string(), der);
        }
    }
    let variants = pki.join("variants");
    let mut names: Vec<_> = std::fs::read_dir(&variants)
        .map_err(|e| format!("{}: {e}", variants.display()))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for v in names {
        let der = read(&variants.join(&v).join("ee.der"))?;
        put("chain", format!("variant_{v}"), der.clone());
        put("certificate", format!("variant_{v}"), der);
    }
    put("cv_certificate", "ef0004".into(), read(&pki.join("text_ap/ef0004.bin"))?);
    let ef0003 = read(&pki.join("text_ap/ef0003.bin"))?;
    // The last 256 bytes of EF 0003 are its RSA signature: a well-formed payload for every scheme.
    let sig = ef0003.get(ef0003.len().saturating_sub(256)..).unwrap_or_default().to_vec();
    put("integrity", "ef0003".into(), ef0003);
    for selector in 0u8..8 {
        put("signature", format!("scheme_{selector}"), [&[selector][..], &sig].concat());
    }
    let digest_info = parse_hex("3031300D060960864801650304020105000420").unwrap_or_default();
    put("signature", "digest_info".into(), [&[3u8][..], &digest_info, &[0x5A; 32]].concat());
    for (style, name) in [(0u8, "honest_probe7"), (1, "honest_probe4")] {
        put("client", name.into(), client_script(style, pki)?);
    }
    // A card that refuses every SELECT: one frame per step of the session, each `6A82`.
    put("client", "refusals".into(), [&[0u8][..], &[0x00, 0x02, 0x6A, 0x82].repeat(14)].concat());
    Ok(out)
}

/// A `client` target input (fuzz/targets/src/client.rs): the read style byte, then what a
/// card holding the test PKI answers to every command of the target's session, in order,
/// each R-APDU framed by a 2-byte big-endian length. The target's tests check that this
/// script gets every step of the session through, so the two cannot drift apart unseen.
fn client_script(style: u8, pki: &Path) -> Result<Vec<u8>, String> {
    let ok = |data: &[u8]| [data, &[0x90, 0x00][..]].concat();
    // jpki/myna probes 7 bytes and continues from there; OpenSC probes 4 and starts over.
    let (probe, from) = if style.is_multiple_of(2) { (7, 7) } else { (4, 0) };
    let tlv_read = |file: &[u8]| {
        let mut answers = vec![ok(&[]), ok(&file[..probe.min(file.len())])];
        answers.extend(file.get(from..).unwrap_or_default().chunks(256).map(ok));
        answers
    };
    let mut label = b"JPKIAPICCTOKEN2".to_vec();
    label.resize(32, b' ');
    let ef0003 = read(&pki.join("text_ap/ef0003.bin"))?;
    let signature = &ef0003[ef0003.len().saturating_sub(256)..];
    // SELECT JPKI AP, SELECT EF 0006, READ BINARY of the label.
    let mut answers = vec![ok(&[]), ok(&[]), ok(&label)];
    for name in ["auth_ee", "auth_ca", "sign_ca"] {
        answers.extend(tlv_read(&read(&pki.join(format!("{name}.der")))?));
    }
    // Retry counters of the PIN and the password: SELECT EF, empty VERIFY.
    answers.extend([ok(&[]), vec![0x63, 0xC3], ok(&[]), vec![0x63, 0xC5]]);
    answers.extend([ok(&[]), ok(&[])]);
    answers.extend(tlv_read(&read(&pki.join("sign_ee.der"))?));
    // VERIFY the PIN, SELECT the key, COMPUTE DIGITAL SIGNATURE.
    answers.extend([ok(&[]), ok(&[]), ok(&[]), ok(signature)]);
    // SELECT text AP, SELECT and VERIFY its PIN, SELECT EF 0001, READ BINARY of 17 bytes.
    answers.extend([ok(&[]), ok(&[]), ok(&[]), ok(&[]), ok(&read(&pki.join("text_ap/ef0001.bin"))?)]);
    answers.extend(tlv_read(&read(&pki.join("text_ap/ef0002.bin"))?));
    answers.extend([ok(&[]), ok(&[]), ok(&label)]);
    let mut out = vec![style];
    for a in answers {
        let len = u16::try_from(a.len()).map_err(|_| "an R-APDU longer than 65535 bytes".to_string())?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&a);
    }
    Ok(out)
}

/// The files the `ef` target's first byte selects among, by index: the readable (`data`)
/// files in spec order, which is also the order of the generated `File::IDS`.
pub fn file_ids(spec: &Spec) -> Vec<&str> {
    spec.files_entries().filter(|(_, _, f)| f.kind == "data").map(|(_, _, f)| f.common.id.as_str()).collect()
}

/// The data layouts the `gp_response` target's first byte selects among, by index: in spec
/// order, which is also the order of the generated `DataLayout::IDS`.
pub fn layout_ids(spec: &Spec) -> Vec<&str> {
    spec.data_layouts().map(|(_, _, e)| e.common.id.as_str()).collect()
}

/// `spec/apdu/jpki.json#/commands/3` and example 0 → `spec-apdu_jpki_commands_3_examples_0`.
fn seed_name(pointer: &str, example: usize) -> String {
    let tail = pointer.trim_start_matches("spec/").replace(".json#", "");
    let clean: String = tail.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("{SPEC_PREFIX}{}_examples_{example}", clean.trim_matches('_'))
}

/// splitmix64: a fixed, dependency-free stream, so the random seeds never change.
fn pseudo_random(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The seeds of every target, by target and file name.
pub fn seeds(spec: &Spec) -> Result<BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>, String> {
    let mut out: BTreeMap<&'static str, BTreeMap<String, Vec<u8>>> =
        TARGETS.iter().map(|t| (*t, BTreeMap::new())).collect();
    let ids = file_ids(spec);
    let layouts = layout_ids(spec);
    for (pointer, common, format) in spec.all_entries() {
        for (i, ex) in common.examples.iter().enumerate() {
            let bytes = parse_hex(&ex.hex).map_err(|e| format!("{pointer}/examples/{i}: {e}"))?;
            let (target, bytes) = match &format {
                Format::Capdu => ("capdu", bytes),
                Format::Rapdu => ("rapdu", bytes),
                Format::Tlv => ("ber_tlv", bytes),
                Format::SimpleTlv => ("simple_tlv", bytes),
                Format::File(id) => {
                    // PIN and key files have no layout to decode, and no selector.
                    let Some(index) = ids.iter().position(|x| x == id) else { continue };
                    let selector = u8::try_from(index)
                        .map_err(|_| format!("{} readable files do not fit a selector byte", ids.len()))?;
                    ("ef", [&[selector][..], &bytes].concat())
                }
                Format::Layout(id) => {
                    let index = layouts.iter().position(|x| x == id).unwrap_or(0);
                    let selector = u8::try_from(index)
                        .map_err(|_| format!("{} data layouts do not fit a selector byte", layouts.len()))?;
                    ("gp_response", [&[selector][..], &bytes].concat())
                }
                // A value's examples are covered where the value stands in a layout.
                Format::Value(_) => continue,
            };
            let targets = out.get_mut(target).ok_or_else(|| format!("no target {target}"))?;
            targets.insert(seed_name(&pointer, i), bytes);
        }
    }
    let random = out.get_mut("roundtrip").ok_or("no target roundtrip")?;
    for (k, len) in [32, 48, 64, 96, 128, 160, 192, 256].into_iter().enumerate() {
        random.insert(format!("{RANDOM_PREFIX}{k}_{len}"), pseudo_random(0x68616E6B6F + k as u64, len));
    }
    Ok(out)
}

/// Writes every target's seeds under `out`, replacing the writer's own earlier seeds.
/// Returns how many seeds were written.
pub fn write(spec: &Spec, out: &Path) -> Result<usize, String> {
    let mut seeds = seeds(spec)?;
    seeds.extend(pki_seeds(&out.join("testdata/pki"))?);
    seeds.extend(ota_seeds(spec)?);
    seeds.extend(structured_seeds(spec)?);
    for target in CARD_TARGETS {
        seeds.insert(target, card_seeds());
    }
    let gp = gp_card_seeds();
    seeds.insert(
        "gp_card_manager",
        gp.iter().filter(|(n, _)| !n.contains("unwrap_")).map(|(n, b)| (n.clone(), b.clone())).collect(),
    );
    seeds.insert("scp_unwrap", gp.into_iter().filter(|(n, _)| n.contains("unwrap_")).collect());
    seeds.insert("trace_lines", trace_seeds(&out.join("traces"))?);
    seeds.insert("scheme_actions", scheme_action_seeds());
    for target in MESSAGE_TARGETS {
        seeds.insert(target, message_seeds(spec));
    }
    let mut written = 0;
    for (target, files) in &seeds {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = [SPEC_PREFIX, RANDOM_PREFIX, PKI_PREFIX, TRACE_PREFIX].iter().any(|p| name.starts_with(p));
            if ours && !files.contains_key(&name) {
                std::fs::remove_file(entry.path()).map_err(|e| format!("{}: {e}", entry.path().display()))?;
            }
        }
        for (name, bytes) in files {
            let path = dir.join(name);
            // Rewriting an unchanged seed would only disturb mtimes.
            if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
                std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_names_are_readable_and_safe() {
        assert_eq!(seed_name("spec/apdu/jpki.json#/commands/3", 0), "spec-apdu_jpki_commands_3_examples_0");
    }

    #[test]
    fn pseudo_random_is_fixed() {
        assert_eq!(pseudo_random(1, 4), pseudo_random(1, 4));
        assert_ne!(pseudo_random(1, 16), pseudo_random(2, 16));
        assert_eq!(pseudo_random(7, 33).len(), 33);
    }
}
