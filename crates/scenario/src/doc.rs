//! TEMPORARY STUB
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub col: usize,
}
#[derive(Debug, Clone)]
pub struct DocIndex {}
impl DocIndex {
    pub fn new(_src: &str) -> DocIndex {
        DocIndex {}
    }
    pub fn find(&self, _path: &[&str]) -> Option<Location> {
        None
    }
    pub fn find_key(&self, _path: &[&str]) -> Option<Location> {
        None
    }
    pub fn keys(&self, _path: &[&str]) -> Vec<String> {
        vec![]
    }
    pub fn duplicate_keys(&self) -> Vec<(String, String, Location)> {
        vec![]
    }
}
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatchError {
    NotFound {
        at: String,
        missing: String,
        available: Vec<String>,
    },
    NotAContainer {
        at: String,
    },
}
pub fn patch(
    src: &str,
    _path: &[&str],
    _value_text: &str,
) -> Result<(String, std::ops::Range<usize>), PatchError> {
    Ok((src.to_string(), 0..0))
}
