//! `OwnedBuffer`: one write buffer for the connection's life.

use super::compose::BufferSource;
use bytes::BytesMut;

/// A buffer source that owns one buffer for the whole connection. It keeps its
/// capacity between responses, so steady-state encoding allocates nothing.
#[derive(Debug, Default)]
pub struct OwnedBuffer {
    buf: BytesMut,
}

impl OwnedBuffer {
    /// A buffer with `capacity` bytes reserved.
    pub fn with_capacity(capacity: usize) -> OwnedBuffer {
        OwnedBuffer {
            buf: BytesMut::with_capacity(capacity),
        }
    }
}

impl BufferSource for OwnedBuffer {
    #[inline]
    fn buffer(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    #[inline]
    fn held(&mut self) -> Option<&mut BytesMut> {
        Some(&mut self.buf)
    }

    #[inline]
    fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    #[inline]
    fn idle(&mut self) {}
}
