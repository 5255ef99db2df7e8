//! [`FileBytes`]: the content of a file read out of a container.

use zeroize::Zeroizing;

/// A file's content read out of a container. It may be secret (the wallet
/// password copy, a macaroon), so no `{:?}` can print it: Debug shows only
/// the length, and the buffer is zeroized when dropped. lsm's core turns it
/// into its own `SecretBytes` with [`FileBytes::into_zeroizing`].
#[derive(Clone, Default)]
pub struct FileBytes(Zeroizing<Vec<u8>>);

impl<T: AsRef<[u8]> + ?Sized> PartialEq<T> for FileBytes {
    fn eq(&self, other: &T) -> bool {
        self.as_slice() == other.as_ref()
    }
}

impl Eq for FileBytes {}

impl FileBytes {
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// The buffer itself, still zeroizing.
    pub fn into_zeroizing(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for FileBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for FileBytes {
    fn from(bytes: Vec<u8>) -> Self {
        FileBytes(Zeroizing::new(bytes))
    }
}

impl std::fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_only_the_length() {
        let b = FileBytes::from(b"hunter2".to_vec());
        assert_eq!(format!("{b:?}"), "<7 bytes>");
        assert_eq!(b, b"hunter2");
    }
}
