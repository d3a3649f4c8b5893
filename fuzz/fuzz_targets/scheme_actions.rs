#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| hanko_fuzz_targets::trace::scheme_actions(data));
