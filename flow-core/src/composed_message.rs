//! Messages put together at compile time. Errors that only rustc's const evaluation can find
//! (an instruction a step does not map) name things only it knows (the instruction), and a
//! `const` panic takes one `&str`: this joins the parts into a fixed buffer.

/// Bytes a message may take; longer messages are cut at a character boundary.
const CAPACITY: usize = 512;

/// A message of at most 512 bytes, joined from parts by a `const fn`.
#[derive(Debug, Clone, Copy)]
pub struct ComposedMessage {
    bytes: [u8; CAPACITY],
    len: usize,
}

impl ComposedMessage {
    /// `parts` joined.
    pub const fn of(parts: &[&str]) -> Self {
        let mut bytes = [0u8; CAPACITY];
        let mut len = 0;
        let mut p = 0;
        while p < parts.len() {
            let part = parts[p].as_bytes();
            let mut k = 0;
            while k < part.len() && len < CAPACITY {
                bytes[len] = part[k];
                len += 1;
                k += 1;
            }
            p += 1;
        }
        // A cut inside a character would not be UTF-8: back off to its first byte.
        if len == CAPACITY {
            while len > 0 && (bytes[len - 1] & 0b1100_0000) == 0b1000_0000 {
                len -= 1;
            }
            if len > 0 && bytes[len - 1] >= 0b1100_0000 {
                len -= 1;
            }
        }
        Self { bytes, len }
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        let (message, _) = self.bytes.split_at(self.len);
        match core::str::from_utf8(message) {
            Ok(message) => message,
            // Only whole characters of `&str` parts are copied (see `of`).
            Err(_) => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_joined() {
        const MESSAGE: ComposedMessage = ComposedMessage::of(&["instruction `", "Fraud", "`"]);
        assert_eq!(MESSAGE.as_str(), "instruction `Fraud`");
    }

    #[test]
    fn a_long_message_is_cut_between_characters() {
        let long = "é".repeat(CAPACITY);
        let message = ComposedMessage::of(&["a", &long]);
        assert!(message.as_str().len() <= CAPACITY);
        assert!(message.as_str().starts_with("aé"));
    }
}
