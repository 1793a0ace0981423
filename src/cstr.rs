//! Byte strings as C reads them: cut at the first NUL. Pure Rust, below
//! everything that handles names, meta data and Python text.

/// `s` up to its first NUL. Short strings (names, meta keys) are scanned byte
/// by byte, which beats a vectorised search's set-up below a few dozen bytes.
pub fn until_nul(s: &[u8]) -> &[u8] {
    let end = if s.len() < 32 {
        s.iter().position(|&b| b == 0)
    } else {
        memchr::memchr(0, s)
    };
    &s[..end.unwrap_or(s.len())]
}

#[cfg(test)]
mod tests {
    use super::until_nul;

    #[test]
    fn b_str_04_cuts_at_the_first_nul_short_and_long() {
        assert_eq!(until_nul(b""), b"");
        assert_eq!(until_nul(b"abc"), b"abc");
        assert_eq!(until_nul(b"a\0b"), b"a");
        let mut long = vec![b'x'; 100];
        assert_eq!(until_nul(&long).len(), 100);
        long[70] = 0;
        assert_eq!(until_nul(&long).len(), 70);
    }
}
