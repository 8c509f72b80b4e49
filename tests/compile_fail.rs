//! Type-level rules, checked by compiling code that must not compile (trybuild).

#[test]
fn type_level_rules() {
    let cases = trybuild::TestCases::new();
    // Sessions are pinned to the worker thread that owns their socket and SQLite
    // connection: a session cannot be sent to another thread.
    cases.compile_fail("tests/compile_fail/session_is_pinned_to_its_thread.rs");
    // Feature-gated strategies cannot be named in builds without their feature.
    // (Two files for one rule: with `direct-writer` on, rustc also suggests the
    // similarly named `DirectWriter`, so the expected message differs.)
    #[cfg(all(not(feature = "pooling"), not(feature = "direct-writer")))]
    cases.compile_fail("tests/compile_fail/pooled_writer_needs_pooling.rs");
    #[cfg(all(not(feature = "pooling"), feature = "direct-writer"))]
    cases.compile_fail("tests/compile_fail/pooled_writer_needs_pooling_beside_direct.rs");
    #[cfg(not(feature = "direct-writer"))]
    cases.compile_fail("tests/compile_fail/direct_writer_needs_its_feature.rs");
}
