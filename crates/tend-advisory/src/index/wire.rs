//! The byte-level encoding of index files: little-endian fixed-width integers, LEB128 lengths,
//! length-prefixed UTF-8 strings, and a reader that checks every length against what is left,
//! so a damaged file yields [`Malformed`] instead of a panic or a huge allocation.

/// Why bytes could not be decoded. The index that held them is rebuilt, never trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Malformed(pub(crate) &'static str);

#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) bytes: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    pub(crate) fn u32(&mut self, value: u32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub(crate) fn u64(&mut self, value: u64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub(crate) fn i64(&mut self, value: i64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub(crate) fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            // Truncation is the point: the low seven bits go out first.
            #[allow(clippy::cast_possible_truncation)]
            self.bytes.push((value as u8) | 0x80);
            value >>= 7;
        }
        #[allow(clippy::cast_possible_truncation)]
        self.bytes.push(value as u8);
    }

    pub(crate) fn len(&mut self, len: usize) {
        self.varint(len as u64);
    }

    pub(crate) fn str(&mut self, text: &str) {
        self.len(text.len());
        self.bytes.extend_from_slice(text.as_bytes());
    }

    pub(crate) fn bool(&mut self, value: bool) {
        self.u8(u8::from(value));
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.bytes
    }

    pub(crate) fn take(&mut self, len: usize) -> Result<&'a [u8], Malformed> {
        if len > self.bytes.len() {
            return Err(Malformed("unexpected end of data"));
        }
        let (head, tail) = self.bytes.split_at(len);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Malformed> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Malformed> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, Malformed> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub(crate) fn i64(&mut self) -> Result<i64, Malformed> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    pub(crate) fn varint(&mut self) -> Result<u64, Malformed> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Malformed("variable-length integer too long"))
    }

    /// A count of items that each take at least one byte: never more than the bytes left, so a
    /// damaged count cannot ask for a huge allocation.
    pub(crate) fn count(&mut self) -> Result<usize, Malformed> {
        let count = self.varint()?;
        usize::try_from(count)
            .ok()
            .filter(|&count| count <= self.bytes.len())
            .ok_or(Malformed("count larger than the data"))
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, Malformed> {
        let len = self.count()?;
        std::str::from_utf8(self.take(len)?).map_err(|_| Malformed("text is not UTF-8"))
    }

    pub(crate) fn bool(&mut self) -> Result<bool, Malformed> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Malformed("invalid flag")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut writer = Writer::default();
        writer.varint(0);
        writer.varint(300);
        writer.varint(u64::MAX);
        writer.str("flask");
        writer.u32(7);
        writer.i64(-5);
        writer.bool(true);
        let mut reader = Reader::new(&writer.bytes);
        assert_eq!(reader.varint(), Ok(0));
        assert_eq!(reader.varint(), Ok(300));
        assert_eq!(reader.varint(), Ok(u64::MAX));
        assert_eq!(reader.str(), Ok("flask"));
        assert_eq!(reader.u32(), Ok(7));
        assert_eq!(reader.i64(), Ok(-5));
        assert_eq!(reader.bool(), Ok(true));
        assert!(reader.is_empty());
        assert!(reader.u8().is_err());
    }

    #[test]
    fn damaged_lengths_are_refused() {
        let mut writer = Writer::default();
        writer.varint(1 << 40);
        assert!(Reader::new(&writer.bytes).str().is_err());
        assert!(Reader::new(&[0xff; 11]).varint().is_err());
        assert!(Reader::new(&[2, 0xc3, 0x28]).str().is_err());
    }
}
