#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| hanko_fuzz_targets::ota::scp80_command(data));
