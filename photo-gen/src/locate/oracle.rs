//! The [`Index`](super::index::Index) places nodes where serde_yaml, which reads the spec,
//! places them.

use super::probe::{Part, serde_position};
use super::{Locator, unescape};
use crate::diagnostics::Location;

fn serde(text: &str, pointer: &str, part: Part) -> Option<Location> {
    let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
    serde_position(text, &tokens, part)
}

/// Every `stride`th node of `text` (in pointer order), and a pointer just past each, are
/// located where serde_yaml places them. Each serde position costs a read of the text.
fn agrees_with_serde(text: &str, stride: usize) {
    let locator = Locator::new(text);
    let pointers = locator.index().pointers();
    assert!(!pointers.is_empty());
    for pointer in pointers.into_iter().step_by(stride) {
        for extra in ["", "/missing"] {
            let pointer = format!("{pointer}{extra}");
            assert_eq!(
                locator.locate(&pointer),
                serde(text, &pointer, Part::Key),
                "key of {pointer}"
            );
            assert_eq!(
                locator.locate_value(&pointer),
                serde(text, &pointer, Part::Value),
                "value of {pointer}"
            );
        }
    }
}

#[test]
fn the_photo_spec_is_located_as_serde_yaml_locates_it() {
    agrees_with_serde(include_str!("../../../spec/photo.openapi.yaml"), 23);
}

#[test]
fn flow_styles_quotes_and_json_are_located_as_serde_yaml_locates_them() {
    agrees_with_serde(
        "# a comment\npaths:\n  /a:\n    get:\n      tags:\n      - one   # trailing\n      - two\n      parameters:\n      - name: x\n        in: query\n        schema: &s\n          type: string\n      - name: y\n        schema: *s\n      description: plain text\n        that continues\nkeys:\n  \"quoted: key\": 1\n  unicode é: ü\n",
        1,
    );
    agrees_with_serde(
        "a: {b: [1, {c: 'x'}], \"d e\": \"y\"}\nf:\n- - 1\n  - [2, 3]\n- g: |\n    text\n  h: >-\n    folded\n'4XX':\n  ? k\n  : v\nempty:\nlast: ~\n",
        1,
    );
    agrees_with_serde(
        "{\n  \"openapi\": \"3.0.3\",\n  \"paths\": {\n    \"/a/{id}\": {\"get\": {\"responses\": {\"200\": {\"description\": \"ok\"}}}}\n  },\n  \"list\": [1, \"two\", {\"three\": 3}]\n}\n",
        1,
    );
    // Minified JSON is one long line; characters beyond ASCII shift the columns after them.
    agrees_with_serde(
        "{\"a é\":\"ü\",\"b\":[1,{\"c\":\"x—y\"}],\"d\":{\"e\":\"ñ\",\"f\":[],\"g\":{\"h\":null}}}",
        1,
    );
    agrees_with_serde("x: é ü\ng: |\n  text ñ\nh: >-\n  folded\ni:\n- ü\n", 1);
}
