use pep508_rs::MarkerTree;
use serde::Serializer;

/// The marker as PEP 508 text, or `None` when it is always true.
pub fn marker_to_string(marker: &MarkerTree) -> Option<String> {
    marker.try_to_string()
}

/// Serialises a marker as its PEP 508 text (`null` when always true), for `#[serde(serialize_with)]`.
pub fn serialize_marker<S: Serializer>(
    marker: &MarkerTree,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match marker.try_to_string() {
        Some(text) => serializer.serialize_some(&text),
        None => serializer.serialize_none(),
    }
}
