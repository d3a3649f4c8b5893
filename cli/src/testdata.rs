//! `hanko testdata pki --out DIR [--seed N]`: writes the deterministic test PKI.

use hanko_crypto::testpki::{Pki, HOLDER, VERIFY_AT_UNIX};
use std::path::Path;

/// Generates the test PKI for `seed`, writes it under `out` and returns a one-paragraph
/// summary for the terminal. Seed 1 reproduces `corpus/testdata/pki/`.
pub fn run(out: &Path, seed: u64) -> Result<String, String> {
    let pki = Pki::generate(seed);
    let written = pki.write(out).map_err(|e| format!("{}: cannot write the test PKI: {e}", out.display()))?;
    Ok(format!(
        "Wrote {n} files of the hanko test PKI (seed {seed}) to {dir}: authentication, signing and \
         sub-certificate CAs (self-signed, NOT J-LIS), the fictional holder {name}'s authentication and \
         signing certificates with their PKCS#8 keys, a revoked certificate and the CRL listing it, the \
         text AP's EF 0001-0004, and ten verification variants under variants/. Every file is a function \
         of the seed; verify with `openssl verify -attime {at} -CAfile auth_ca.pem auth_ee.pem`. \
         README.md lists each file, the validity times and the virtual card's PINs.\n",
        n = written.len(),
        dir = out.display(),
        name = HOLDER.name,
        at = VERIFY_AT_UNIX,
    ))
}
