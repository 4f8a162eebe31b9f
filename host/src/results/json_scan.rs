//! A strict JSON token scanner for the fast result.json path.
//!
//! Most of a result.json is samples and timeseries that no check reads;
//! serde_json skips them token by token through its generic deserializer.
//! This scanner walks the bytes directly and only says where values start
//! and end. It accepts a subset of what serde_json accepts: whenever it
//! returns `None` (bad syntax, but also merely unusual input such as
//! nesting deeper than [`MAX_DEPTH`]) the caller falls back to serde_json,
//! which then produces the result or the exact error message. It never
//! accepts a byte sequence serde_json would reject.

/// Nesting depth above which the scanner gives up (serde_json's own limit
/// is 128 for parsed values; staying far below it keeps values re-parsed
/// by serde_json out of a context-dependent limit).
pub(super) const MAX_DEPTH: u32 = 60;

/// Byte classes inside a string: 0 plain, 1 end quote, 2 escape, 3 control.
const STRING_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = 3;
        byte += 1;
    }
    table[b'"' as usize] = 1;
    table[b'\\' as usize] = 2;
    table
};

/// `0x01` in every byte of a word.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte of a word.
const HIGHS: u64 = ONES * 0x80;

/// The 8 bytes at `pos` as a little-endian word (byte `pos` lowest).
#[inline]
fn word_at(bytes: &[u8], pos: usize) -> Option<u64> {
    let chunk: [u8; 8] = bytes.get(pos..pos.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// High bit set in each byte of `word` that is not an ASCII digit (exact
/// per byte: computed on 7-bit values, no carry crosses bytes).
#[inline]
fn non_digits(word: u64) -> u64 {
    let low = word & (ONES * 0x7F);
    let digits =
        (ONES * (127 + 0x3A)).wrapping_sub(low) & !word & low.wrapping_add(ONES * (127 - 0x2F));
    !digits & HIGHS
}

/// High bit set at least in the first byte of `word` that ends a plain run
/// inside a string (`"`, `\\` or a control character); bytes after the
/// first may be flagged wrongly, so only the lowest flag counts.
#[inline]
fn string_specials(word: u64) -> u64 {
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let quote = quote.wrapping_sub(ONES) & !quote;
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let backslash = backslash.wrapping_sub(ONES) & !backslash;
    (control | quote | backslash) & HIGHS
}

/// What a skipped value was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number; `plain` when it has no exponent and is short enough that
    /// it cannot overflow an f64 (serde_json rejects infinite numbers).
    Number {
        /// No exponent and fewer than 300 characters.
        plain: bool,
    },
    /// A string; `escaped` when it contains a backslash escape.
    String {
        /// Whether a `\` escape occurs (the raw bytes are not the text).
        escaped: bool,
    },
    /// An array or an object.
    Container,
}

/// An object key as written.
#[derive(Debug, Clone, Copy)]
pub(super) struct Key<'a> {
    /// The key with its quotes.
    pub quoted: &'a [u8],
    /// Whether it contains a `\` escape.
    pub escaped: bool,
}

impl<'a> Key<'a> {
    /// The bytes between the quotes.
    pub(super) fn raw(&self) -> &'a [u8] {
        &self.quoted[1..self.quoted.len() - 1]
    }
}

/// A position in a JSON document.
pub(super) struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `bytes`.
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    /// Skips JSON whitespace and returns the next byte, if any.
    #[inline]
    pub(super) fn peek(&mut self) -> Option<u8> {
        match skip_whitespace(self.bytes, self.pos) {
            Some(pos) => {
                self.pos = pos;
                Some(self.bytes[pos])
            }
            None => {
                self.pos = self.bytes.len();
                None
            }
        }
    }

    /// Skips whitespace and consumes `byte`, or fails.
    #[inline]
    pub(super) fn eat(&mut self, byte: u8) -> Option<()> {
        if self.peek()? == byte {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// The bytes from the current position on (call [`Scanner::peek`]
    /// first to be past whitespace).
    pub(super) fn rest(&self) -> &'a [u8] {
        &self.bytes[self.pos..]
    }

    /// Moves past `len` bytes the caller has vouched for.
    pub(super) fn advance(&mut self, len: usize) {
        self.pos = (self.pos + len).min(self.bytes.len());
    }

    /// Whether only whitespace is left.
    pub(super) fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// After an element of an array or object: consumes `,` (returns true)
    /// or the closing `close` (returns false).
    #[inline]
    pub(super) fn next_or_close(&mut self, close: u8) -> Option<bool> {
        match self.peek()? {
            b',' => {
                self.pos += 1;
                Some(true)
            }
            byte if byte == close => {
                self.pos += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// Consumes `open` and tells whether the container is empty (the
    /// closer is consumed too then).
    #[inline]
    pub(super) fn open(&mut self, open: u8, close: u8) -> Option<bool> {
        self.eat(open)?;
        if self.peek()? == close {
            self.pos += 1;
            Some(true)
        } else {
            Some(false)
        }
    }

    /// Reads an object key and its colon.
    #[inline]
    pub(super) fn key(&mut self) -> Option<Key<'a>> {
        self.eat(b'"')?;
        let start = self.pos;
        let escaped = self.string_body()?;
        let key = Key {
            quoted: &self.bytes[start - 1..self.pos],
            escaped,
        };
        self.eat(b':')?;
        Some(key)
    }

    /// Skips whitespace and one value; returns it with its raw bytes.
    pub(super) fn value_span(&mut self) -> Option<(Token, &'a [u8])> {
        self.peek()?;
        let start = self.pos;
        let token = self.value()?;
        Some((token, &self.bytes[start..self.pos]))
    }

    /// After an opening quote: consumes the string up to and including the
    /// closing quote; returns whether it had escapes.
    #[inline]
    fn string_body(&mut self) -> Option<bool> {
        let (end, escaped) = skip_string(self.bytes, self.pos)?;
        self.pos = end;
        Some(escaped)
    }

    /// Consumes a number.
    #[inline]
    fn number(&mut self) -> Option<Token> {
        let start = self.pos;
        let (end, exponent) = skip_number(self.bytes, start)?;
        self.pos = end;
        Some(Token::Number {
            plain: !exponent && end - start < 300,
        })
    }

    fn literal(&mut self, text: &[u8], token: Token) -> Option<Token> {
        self.pos = skip_literal(self.bytes, self.pos, text)?;
        Some(token)
    }

    /// Skips whitespace and one complete value; returns what it was.
    pub(super) fn value(&mut self) -> Option<Token> {
        match self.peek()? {
            b'"' => {
                self.pos += 1;
                let escaped = self.string_body()?;
                Some(Token::String { escaped })
            }
            b'{' | b'[' => {
                self.container()?;
                Some(Token::Container)
            }
            b'n' => self.literal(b"null", Token::Null),
            b't' => self.literal(b"true", Token::Bool),
            b'f' => self.literal(b"false", Token::Bool),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// Skips an array or object: the bulk of a result file (samples and
    /// timeseries), so one tight loop over the bytes with the position in
    /// a local; one bit per open level says whether it is an object.
    fn container(&mut self) -> Option<()> {
        let bytes = self.bytes;
        let mut pos = self.pos;
        let mut objects: u64 = 0;
        let mut depth: u32 = 0;
        // At the start of a value (possibly after whitespace).
        'value: loop {
            pos = skip_whitespace(bytes, pos)?;
            let byte = bytes[pos];
            match byte {
                b'{' | b'[' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return None;
                    }
                    let is_object = byte == b'{';
                    objects = (objects << 1) | u64::from(is_object);
                    pos = skip_whitespace(bytes, pos + 1)?;
                    let next = bytes[pos];
                    let close = if is_object { b'}' } else { b']' };
                    if next != close {
                        if is_object {
                            pos = skip_key(bytes, pos)?;
                        }
                        continue 'value;
                    }
                    // Empty: closed right away; `pos` is at its closer.
                    depth -= 1;
                    objects >>= 1;
                    if depth == 0 {
                        self.pos = pos + 1;
                        return Some(());
                    }
                }
                b'"' => pos = skip_string(bytes, pos + 1)?.0 - 1,
                b'-' | b'0'..=b'9' => pos = skip_number(bytes, pos)?.0 - 1,
                b'n' => pos = skip_literal(bytes, pos, b"null")? - 1,
                b't' => pos = skip_literal(bytes, pos, b"true")? - 1,
                b'f' => pos = skip_literal(bytes, pos, b"false")? - 1,
                _ => return None,
            }
            // `pos` is at the last byte of a value or at a closer; after
            // it comes `,` or the closer of the enclosing container.
            loop {
                pos = skip_whitespace(bytes, pos + 1)?;
                let next = bytes[pos];
                let in_object = objects & 1 == 1;
                match next {
                    b',' => {
                        pos += 1;
                        if in_object {
                            pos = skip_key(bytes, pos)?;
                        }
                        continue 'value;
                    }
                    b'}' if in_object => {}
                    b']' if !in_object => {}
                    _ => return None,
                }
                depth -= 1;
                objects >>= 1;
                if depth == 0 {
                    self.pos = pos + 1;
                    return Some(());
                }
            }
        }
    }
}

/// JSON whitespace.
#[inline]
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\n' | b'\t' | b'\r')
}

/// The position of the first byte at or after `pos` that is not
/// whitespace, `None` at the end. Indentation (pretty-printed results
/// are mostly that) is skipped eight spaces at a time.
#[inline(always)]
fn skip_whitespace(bytes: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        if !is_whitespace(*bytes.get(pos)?) {
            return Some(pos);
        }
        pos += 1;
        while word_at(bytes, pos) == Some(ONES * u64::from(b' ')) {
            pos += 8;
        }
    }
}

/// After whitespace before an object key: skips `"key"`, whitespace and
/// the colon; returns the position after the colon.
#[inline(always)]
fn skip_key(bytes: &[u8], pos: usize) -> Option<usize> {
    let pos = skip_whitespace(bytes, pos)?;
    if bytes[pos] != b'"' {
        return None;
    }
    let pos = skip_whitespace(bytes, skip_string(bytes, pos + 1)?.0)?;
    (bytes[pos] == b':').then_some(pos + 1)
}

/// After an opening quote: the position after the closing quote and
/// whether the string has escapes.
#[inline(always)]
fn skip_string(bytes: &[u8], mut pos: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    loop {
        // Plain bytes eight at a time (short keys end in the first word).
        while let Some(word) = word_at(bytes, pos) {
            let specials = string_specials(word);
            if specials != 0 {
                pos += (specials.trailing_zeros() / 8) as usize;
                break;
            }
            pos += 8;
        }
        let byte = *bytes.get(pos)?;
        pos += 1;
        match STRING_CLASS[byte as usize] {
            0 => {}
            1 => return Some((pos, escaped)),
            2 => {
                escaped = true;
                pos = skip_escape(bytes, pos)?;
            }
            _ => return None,
        }
    }
}

/// After a backslash: a valid escape (hex digits checked, surrogates not,
/// like serde_json when it skips a string); the position after it.
#[inline(always)]
fn skip_escape(bytes: &[u8], pos: usize) -> Option<usize> {
    match *bytes.get(pos)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(pos + 1),
        b'u' => {
            let hex = bytes.get(pos + 1..pos + 5)?;
            hex.iter().all(u8::is_ascii_hexdigit).then_some(pos + 5)
        }
        _ => None,
    }
}

/// The number of ASCII digits at the start of `bytes`.
#[inline(always)]
fn count_digits(bytes: &[u8]) -> usize {
    let mut count = 0;
    while let Some(word) = word_at(bytes, count) {
        // Cheap test for eight digits first.
        let high = word & (ONES * 0xF0);
        let shifted = word.wrapping_add(ONES * 0x06) & (ONES * 0xF0);
        if high == ONES * 0x30 && shifted == ONES * 0x30 {
            count += 8;
            continue;
        }
        let ends = non_digits(word);
        if ends != 0 {
            return count + (ends.trailing_zeros() / 8) as usize;
        }
        count += 8;
    }
    count
        + bytes[count..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
}

/// A number at `pos` (grammar of RFC 8259, as serde_json checks it): the
/// position after it and whether it has an exponent.
#[inline(always)]
fn skip_number(bytes: &[u8], mut pos: usize) -> Option<(usize, bool)> {
    if bytes.get(pos) == Some(&b'-') {
        pos += 1;
    }
    match *bytes.get(pos)? {
        b'0' => {
            pos += 1;
            if bytes.get(pos).is_some_and(u8::is_ascii_digit) {
                return None;
            }
        }
        b'1'..=b'9' => pos += 1 + count_digits(bytes.get(pos + 1..)?),
        _ => return None,
    }
    if bytes.get(pos) == Some(&b'.') {
        let digits = count_digits(bytes.get(pos + 1..)?);
        if digits == 0 {
            return None;
        }
        pos += 1 + digits;
    }
    if !matches!(bytes.get(pos), Some(b'e' | b'E')) {
        return Some((pos, false));
    }
    pos += 1;
    if matches!(bytes.get(pos), Some(b'+' | b'-')) {
        pos += 1;
    }
    let digits = count_digits(bytes.get(pos..)?);
    if digits == 0 {
        return None;
    }
    Some((pos + digits, true))
}

/// `text` at `pos`: the position after it.
#[inline]
fn skip_literal(bytes: &[u8], pos: usize, text: &[u8]) -> Option<usize> {
    (bytes.get(pos..pos + text.len())? == text).then_some(pos + text.len())
}

#[cfg(test)]
mod tests {
    use super::{Scanner, Token};

    fn skip(text: &str) -> Option<Token> {
        let mut scanner = Scanner::new(text.as_bytes());
        let token = scanner.value()?;
        scanner.at_end().then_some(token)
    }

    /// Every input the scanner accepts, serde_json accepts too.
    fn agrees(text: &str) {
        let serde_ok = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
        if skip(text).is_some() {
            assert!(
                serde_ok,
                "scanner accepted what serde_json rejects: {text:?}"
            );
        }
    }

    #[test]
    fn accepts_valid_json() {
        for text in [
            "[]",
            "{}",
            " [1, -2.5e+3, 0, -0.0, 1E9, true, false, null, \"a\\\"b\\u00e9\"] ",
            r#"{"a": {"b": [{}, [], {"c": [1, [2, [3]]]}]}, "d": "\u0041"}"#,
            r#"[{"date": 0, "value": 180000.5}, {"date": 1, "value": 1}]"#,
        ] {
            assert!(skip(text).is_some(), "{text}");
            agrees(text);
        }
        assert_eq!(skip("1.5"), Some(Token::Number { plain: true }));
        assert_eq!(skip("1e5"), Some(Token::Number { plain: false }));
        assert_eq!(skip(r#""a\nb""#), Some(Token::String { escaped: true }));
    }

    #[test]
    fn rejects_what_serde_rejects() {
        for text in [
            "",
            "[",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":}",
            "{1: 2}",
            "01",
            "1.",
            "1e",
            "-",
            "+1",
            ".5",
            "NaN",
            "Infinity",
            "tru",
            "nul",
            "[\"a\tb\"]",
            "\"\\x\"",
            "\"\\u12g4\"",
            "[}",
            "{]",
            "[1]]",
            "\u{feff}[]",
            "\"abc",
        ] {
            assert!(skip(text).is_none(), "accepted {text:?}");
        }
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(skip(&deep).is_none(), "deep nesting is left to serde_json");
    }

    #[test]
    fn word_masks_are_exact_where_it_counts() {
        for byte in 0..=255u8 {
            for at in 0..8 {
                let mut bytes = [b'5'; 8];
                bytes[at] = byte;
                let word = u64::from_le_bytes(bytes);
                let first = (super::non_digits(word).trailing_zeros() / 8) as usize;
                assert_eq!(first == at, !byte.is_ascii_digit(), "{byte:#x} at {at}");
                let mut bytes = [b'a'; 8];
                bytes[at] = byte;
                let word = u64::from_le_bytes(bytes);
                let special = byte < 0x20 || byte == b'"' || byte == b'\\';
                let first = (super::string_specials(word).trailing_zeros() / 8) as usize;
                assert_eq!(first == at, special, "{byte:#x} at {at}");
            }
        }
        let long = format!("\"{}\\n{}\"", "x".repeat(100), "y".repeat(37));
        assert!(skip(&long).is_some());
        let control = format!("\"{}\t{}\"", "x".repeat(100), "y".repeat(37));
        assert!(skip(&control).is_none());
        for text in [
            "\"0123456789abcdef\"",
            "\"0123456\\\"89abcdefgh\"",
            "12345678901234567890.12345678901234567e+123456789",
            "[1234567, 12345678, 123456789, -0.123456789012]",
        ] {
            assert!(skip(text).is_some(), "{text}");
        }
        assert!(skip("\"0123456789ab\ncdef\"").is_none());
        assert!(skip("\"0123456789a\u{1}b\"").is_none());
    }

    #[test]
    fn never_more_lenient_than_serde() {
        let pieces = [
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            "\"k\"",
            "1",
            "-0",
            "0.5",
            "1e3",
            "null",
            "true",
            " ",
            "\"\\u0041\"",
            "01",
            "\"\t\"",
        ];
        // All sequences of up to four pieces.
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for text in &texts {
                for piece in pieces {
                    next.push(format!("{text}{piece}"));
                }
            }
            for text in &next {
                agrees(text);
            }
            texts = next;
        }
    }
}
