//! Misuse of the generated client, and a server stub that leaves out an operation, do not
//! compile. Each case under `ui/compile-fail/` has the compiler's message pinned in its `.stderr`
//! file.

#[test]
fn misuse_of_the_generated_code_does_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/compile-fail/*.rs");
}
