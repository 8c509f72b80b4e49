//! [`ByteStr`]: a UTF-8-validated slice of a received message that reads as `&str` without copying.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytes::Bytes;

/// Immutable, reference-counted UTF-8 text that shares the buffer it was sliced from.
///
/// The bytes are validated once, when the value is built; afterwards [`ByteStr::as_str`] is free.
/// Equality, ordering and hashing are those of the `str` it holds, so a `ByteStr` key can be
/// looked up with a `&str` in hashed and ordered collections.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ByteStr(Bytes);

impl ByteStr {
    /// Wraps `bytes` after checking that they are valid UTF-8.
    pub fn from_utf8(bytes: Bytes) -> Result<ByteStr, std::str::Utf8Error> {
        std::str::from_utf8(&bytes)?;
        Ok(ByteStr(bytes))
    }

    /// A `ByteStr` over a static string (no allocation, no copy).
    pub const fn from_static(s: &'static str) -> ByteStr {
        ByteStr(Bytes::from_static(s.as_bytes()))
    }

    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        #[allow(unsafe_code)]
        // SAFETY: every constructor (`from_utf8`, `from_static`, `Default`) only stores bytes that
        // are valid UTF-8 (checked by `std::str::from_utf8`, or taken from a `&str`); the field is
        // private and `Bytes` is immutable, so the bytes stay valid UTF-8 for the value's lifetime.
        unsafe {
            std::str::from_utf8_unchecked(&self.0)
        }
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// Gives back the underlying bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl Deref for ByteStr {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for ByteStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for ByteStr {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Borrow<str> for ByteStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

// Hash and order like `str` (not like `Bytes`), as `Borrow<str>` requires.
impl Hash for ByteStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for ByteStr {
    fn partial_cmp(&self, other: &ByteStr) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ByteStr {
    fn cmp(&self, other: &ByteStr) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Debug for ByteStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for ByteStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl From<&'static str> for ByteStr {
    fn from(s: &'static str) -> ByteStr {
        ByteStr::from_static(s)
    }
}

impl From<String> for ByteStr {
    fn from(s: String) -> ByteStr {
        ByteStr(Bytes::from(s))
    }
}

impl TryFrom<Bytes> for ByteStr {
    type Error = std::str::Utf8Error;

    fn try_from(bytes: Bytes) -> Result<ByteStr, std::str::Utf8Error> {
        ByteStr::from_utf8(bytes)
    }
}

impl PartialEq<str> for ByteStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ByteStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<ByteStr> for str {
    fn eq(&self, other: &ByteStr) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<ByteStr> for &str {
    fn eq(&self, other: &ByteStr) -> bool {
        *self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashMap};

    #[test]
    fn validates_and_shares_the_buffer() {
        let whole = Bytes::from_static(b"hello\0world");
        let s = ByteStr::from_utf8(whole.slice(0..5)).unwrap();
        assert_eq!(s.as_str(), "hello");
        assert_eq!(s, "hello");
        assert_eq!("hello", s);
        assert_eq!(s.len(), 5);
        assert!(!s.is_empty());
        // Same allocation: the slice points into the original buffer.
        assert_eq!(s.as_bytes().as_ptr(), whole.as_ptr());
        assert_eq!(s.clone().into_bytes(), Bytes::from_static(b"hello"));
    }

    #[test]
    fn rejects_invalid_utf8() {
        assert!(ByteStr::from_utf8(Bytes::from_static(b"a\xff")).is_err());
        assert!(ByteStr::from_utf8(Bytes::from_static(b"\xc3")).is_err());
        assert!(ByteStr::try_from(Bytes::from_static(b"\xe2\x82")).is_err());
        assert_eq!(
            ByteStr::from_utf8(Bytes::from_static("é€".as_bytes())).unwrap(),
            "é€"
        );
    }

    #[test]
    fn formatting_and_deref() {
        let s = ByteStr::from_static("a\"b");
        assert_eq!(format!("{s:?}"), "\"a\\\"b\"");
        assert_eq!(format!("{s}"), "a\"b");
        assert!(s.starts_with("a\""));
        assert!(ByteStr::default().is_empty());
        assert_eq!(ByteStr::from(String::from("x")), "x");
        assert_eq!(ByteStr::from("y"), *"y");
    }

    #[test]
    fn lookups_by_str_work() {
        let mut map = HashMap::new();
        map.insert(
            ByteStr::from_utf8(Bytes::from_static(b"client_encoding")).unwrap(),
            1,
        );
        assert_eq!(map.get("client_encoding"), Some(&1));
        assert_eq!(map.get("other"), None);
        let mut tree = BTreeMap::new();
        tree.insert(ByteStr::from_static("b"), 2);
        tree.insert(ByteStr::from_static("a"), 1);
        assert_eq!(tree.get("a"), Some(&1));
        assert_eq!(tree.keys().next().map(|k| k.as_str()), Some("a"));
    }
}
