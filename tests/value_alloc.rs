//! Checks that `encode_field` makes no heap allocation once the output buffer has capacity.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::BytesMut;
use pgsqlite::protocol::types::{Format, Oid, oid};
use pgsqlite::value::{StandardValueHandler, ValueHandler};
use rusqlite::types::ValueRef;

/// Counts allocations made by the current thread while counting is switched on, so that other
/// test threads running at the same time do not disturb the count.
struct CountingAllocator;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with`: the thread-locals may be gone while a thread shuts down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
    }
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations made by `f` on this thread.
fn allocations_in(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|a| a.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn encode_field_does_not_allocate() {
    let blob: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let cases: Vec<(&str, ValueRef<'_>, Oid, Format)> = vec![
        (
            "int8 text",
            ValueRef::Integer(-1_234_567_890_123),
            oid::INT8,
            Format::Text,
        ),
        (
            "int8 binary",
            ValueRef::Integer(i64::MAX),
            oid::INT8,
            Format::Binary,
        ),
        ("int4 text", ValueRef::Integer(42), oid::INT4, Format::Text),
        (
            "float8 text",
            ValueRef::Real(0.1 + 0.2),
            oid::FLOAT8,
            Format::Text,
        ),
        (
            "float8 exp text",
            ValueRef::Real(1.5e-7),
            oid::FLOAT8,
            Format::Text,
        ),
        (
            "float8 binary",
            ValueRef::Real(2.5),
            oid::FLOAT8,
            Format::Binary,
        ),
        (
            "text text",
            ValueRef::Text(b"hello world"),
            oid::TEXT,
            Format::Text,
        ),
        (
            "text binary",
            ValueRef::Text(b"hello world"),
            oid::VARCHAR,
            Format::Binary,
        ),
        ("bytea hex", ValueRef::Blob(&blob), oid::BYTEA, Format::Text),
        (
            "numeric binary",
            ValueRef::Text(b"-12345678.90123"),
            oid::NUMERIC,
            Format::Binary,
        ),
        (
            "numeric binary from real",
            ValueRef::Real(1e-7),
            oid::NUMERIC,
            Format::Binary,
        ),
        (
            "numeric binary from int",
            ValueRef::Integer(i64::MIN),
            oid::NUMERIC,
            Format::Binary,
        ),
        (
            "numeric text",
            ValueRef::Text(b"+1e10"),
            oid::NUMERIC,
            Format::Text,
        ),
        (
            "timestamptz text",
            ValueRef::Text(b"2024-01-02 03:04:05"),
            oid::TIMESTAMPTZ,
            Format::Text,
        ),
        (
            "timestamptz text offset",
            ValueRef::Text(b"2024-01-02T03:04:05.5+02:00"),
            oid::TIMESTAMPTZ,
            Format::Text,
        ),
        (
            "timestamptz binary",
            ValueRef::Text(b"2024-01-02 03:04:05+00"),
            oid::TIMESTAMPTZ,
            Format::Binary,
        ),
        (
            "date binary",
            ValueRef::Text(b"2024-02-29"),
            oid::DATE,
            Format::Binary,
        ),
        (
            "uuid text",
            ValueRef::Text(b"A0EEBC999C0B4EF8BB6D6BB9BD380A11"),
            oid::UUID,
            Format::Text,
        ),
        ("bool text", ValueRef::Integer(1), oid::BOOL, Format::Text),
        ("null", ValueRef::Null, oid::INT4, Format::Binary),
    ];
    let handler = StandardValueHandler;
    let mut out = BytesMut::with_capacity(64 * 1024);
    // Warm up: anything lazily initialised happens outside the counted region.
    for &(_, value, ty, format) in &cases {
        handler.encode_field(value, ty, format, &mut out).unwrap();
    }
    for &(name, value, ty, format) in &cases {
        out.clear();
        let n = allocations_in(|| {
            handler.encode_field(value, ty, format, &mut out).unwrap();
        });
        assert_eq!(n, 0, "{name} allocated {n} times");
        assert!(!out.is_empty(), "{name} wrote nothing");
    }
    // The counter does see allocations.
    let n = allocations_in(|| drop(std::hint::black_box(vec![1u8; 10])));
    assert!(n >= 1);
}
