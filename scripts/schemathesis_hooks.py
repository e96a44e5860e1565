"""Schemathesis hooks for scripts/schemathesis.sh: tells schemathesis what a valid photo upload
is, and drops exactly one known false positive.

The photo spec lets an upload carry `image/jpeg` or `application/octet-stream` (what Microsoft's
SDKs send); either way the body must be a JPEG, which the spec's description says and its
`format: binary` schema cannot. Schemathesis knows a JPEG for `image/jpeg` but makes arbitrary
bytes (a PNG, say) for octet-stream, which the emulator rightly refuses with 400
ErrorInvalidImage. So octet-stream bodies are drawn from schemathesis' own sample JPEG, as
`image/jpeg` bodies already are. Negative mode still sends broken bodies.

`$select` is `type: array` with `style: form, explode: false` and no `minItems`, so `?$select=`
is the wire form of the empty array, which the schema admits (and which the generated server and
client both read as "no properties selected": all of them). In negative mode schemathesis may
generate `[""]` for it, which serializes to the same `?$select=`, and then reports the server's
200 as "schema-violating request accepted" (ST201). The server cannot tell the two apart, so the
report is about the serialization, not the server.

The hook drops an ST201 failure only when the request that was actually sent carries nothing in
its query but an empty `$select`, and the case is negative in the query alone: then the bytes on
the wire are a valid request. Every other failure, and every other check on the same response,
is kept.
"""

from urllib.parse import parse_qsl, urlsplit

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.file_samples import MEDIA_TYPE_FILE_SAMPLES
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.parameters import ParameterLocation

_NON_QUERY = (
    ParameterLocation.PATH,
    ParameterLocation.HEADER,
    ParameterLocation.COOKIE,
    ParameterLocation.BODY,
)


def _only_an_empty_select(url: str) -> bool:
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    return pairs == [("$select", "")]


schemathesis.openapi.media_type(
    "application/octet-stream", st.just(MEDIA_TYPE_FILE_SAMPLES["image/jpeg"])
)


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    if not isinstance(failure, AcceptedNegativeData):
        return True
    meta = case.meta
    if meta is None or any(meta.is_negative_at(location) for location in _NON_QUERY):
        return True
    return not _only_an_empty_select(response.request.url or "")
