//! Type-level rules, checked by compiling code that must not compile (trybuild).

#[test]
fn type_level_rules() {
    let cases = trybuild::TestCases::new();
    // Sessions are pinned to the worker thread that owns their socket and SQLite
    // connection: a session cannot be sent to another thread.
    cases.compile_fail("tests/compile_fail/session_is_pinned_to_its_thread.rs");
    // Feature-gated strategies cannot be named in builds without their feature.
    #[cfg(not(feature = "pooling"))]
    cases.compile_fail("tests/compile_fail/pooled_writer_needs_pooling.rs");
    #[cfg(not(feature = "direct-writer"))]
    cases.compile_fail("tests/compile_fail/direct_writer_needs_its_feature.rs");
}
