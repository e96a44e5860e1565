use photo_tests::status_ranges::server::Api;

/// A server that leaves out the spec's one operation, `getJob`.
struct Jobs;

// `Api` is exhaustive: every operation is a required method, even one that could answer 501.
impl Api for Jobs {}

fn main() {}
