#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| hanko_fuzz_targets::gp_card::gp_card_manager(data));
