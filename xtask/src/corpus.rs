pub fn write(_s: &crate::spec::Spec, _o: &std::path::Path) -> Result<usize, String> { Ok(0) }
