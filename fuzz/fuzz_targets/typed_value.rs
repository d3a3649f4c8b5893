#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| hanko_fuzz_targets::structured::typed_value(data));
