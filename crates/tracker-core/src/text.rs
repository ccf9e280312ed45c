//! Short strings kept inline.
//!
//! An event is parsed on the caller's thread and freed on the writer's. A
//! block that one thread allocates and another frees is the allocator's
//! slowest path: it goes back to the allocating thread's arena, under that
//! arena's lock, while the caller allocates from it. With a screen view's
//! four such blocks (its box, `id`, `name`, `type`), freeing them was a sixth
//! of the writer's time. The strings of the events tracked most are short
//! (names, types, categories, actions), so [`Text`] holds up to
//! [`INLINE_BYTES`] bytes in place, in the space a `String` takes, and only
//! longer ones on the heap.

use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::Deref;

/// The most bytes a [`Text`] holds without allocating.
pub const INLINE_BYTES: usize = 22;

/// An immutable string, inline up to [`INLINE_BYTES`] bytes.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE_BYTES] },
    Heap(Box<str>),
}

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Copied from a `str` whole, so always UTF-8.
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Heap(s) => s,
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        if s.len() <= INLINE_BYTES {
            let mut bytes = [0; INLINE_BYTES];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Text(Repr::Inline {
                // At most INLINE_BYTES.
                len: s.len() as u8,
                bytes,
            })
        } else {
            Text(Repr::Heap(s.into()))
        }
    }
}

impl From<String> for Text {
    /// Short text is copied in place (the `String` is freed here, on the
    /// thread that made it); longer text keeps its allocation.
    fn from(s: String) -> Text {
        if s.len() <= INLINE_BYTES {
            Text::from(s.as_str())
        } else {
            Text(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::from("")
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Text {
        /// Whether the text is held without an allocation.
        fn is_inline(&self) -> bool {
            matches!(self.0, Repr::Inline { .. })
        }
    }

    #[test]
    fn short_text_is_inline_and_long_text_on_the_heap() {
        assert_eq!(std::mem::size_of::<Text>(), std::mem::size_of::<String>());
        assert_eq!(
            std::mem::size_of::<Option<Text>>(),
            std::mem::size_of::<String>()
        );
        for s in ["", "a", "Screen 12", &"x".repeat(INLINE_BYTES)] {
            for t in [Text::from(s), Text::from(s.to_string())] {
                assert!(t.is_inline(), "{s:?}");
                assert_eq!(t.as_str(), s);
                assert_eq!(t, s);
            }
        }
        let long = "y".repeat(INLINE_BYTES + 1);
        for t in [Text::from(long.as_str()), Text::from(long.clone())] {
            assert!(!t.is_inline());
            assert_eq!(&*t, long.as_str());
        }
    }

    #[test]
    fn multi_byte_text_is_kept_whole_either_way() {
        // 11 two-byte characters fill the inline space exactly; one more
        // goes to the heap; a character is never cut.
        let fits = "é".repeat(11);
        let over = "é".repeat(12);
        let four = "😀".repeat(6);
        assert!(Text::from(fits.as_str()).is_inline());
        assert!(!Text::from(over.as_str()).is_inline());
        for s in [&fits, &over, &four, &"a😀".repeat(5)] {
            let t = Text::from(s.clone());
            assert_eq!(t.as_str(), s.as_str());
            assert_eq!(t.chars().count(), s.chars().count());
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                serde_json::to_string(s).unwrap()
            );
            assert_eq!(format!("{t}"), *s);
            assert_eq!(format!("{t:?}"), format!("{s:?}"));
        }
    }

    #[test]
    fn equal_text_is_equal_however_it_is_held() {
        let s = "0123456789012345678901";
        assert_eq!(Text::from(s), Text::from(s.to_string()));
        assert_ne!(Text::from(s), Text::from(&s[1..]));
        assert_eq!(Text::default(), "");
        assert_eq!(Text::from(s).clone(), Text::from(s));
    }
}
