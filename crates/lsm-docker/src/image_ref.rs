//! Image references (`[registry[:port]/]repo[:tag][@sha256:…]`), split the way
//! the pull API and digest verification need them. A `:` only starts a tag
//! after the last `/`, so `localhost:5000/lnd` is a repository, not a tag.

use super::error::DockerError;
use std::fmt;

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:<64 hex>`.
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(image: &str) -> Result<ImageRef, DockerError> {
        let bad = |reason: &str| DockerError::BadImageRef {
            image: image.to_string(),
            reason: reason.to_string(),
        };
        if image.is_empty() || image.chars().any(char::is_whitespace) {
            return Err(bad("empty or contains whitespace"));
        }
        let (name, digest) = match image.split_once('@') {
            Some((n, d)) => {
                check_digest(d).map_err(|r| bad(&r))?;
                (n, Some(d.to_string()))
            }
            None => (image, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match name[last_slash..].rfind(':') {
            Some(i) => {
                let split = last_slash + i;
                (&name[..split], Some(name[split + 1..].to_string()))
            }
            None => (name, None),
        };
        if repository.is_empty() || repository.ends_with('/') {
            return Err(bad("missing repository name"));
        }
        if tag.as_deref() == Some("") {
            return Err(bad("empty tag after ':'"));
        }
        Ok(ImageRef {
            repository: repository.to_string(),
            tag,
            digest,
        })
    }

    /// `repo:tag`, with Docker's default tag `latest`.
    pub fn tagged(&self) -> String {
        format!(
            "{}:{}",
            self.repository,
            self.tag.as_deref().unwrap_or("latest")
        )
    }

    /// The reference observation inspects: by digest when pinned, else by tag.
    pub fn lookup(&self) -> String {
        match &self.digest {
            Some(d) => format!("{}@{d}", self.repository),
            None => self.tagged(),
        }
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Validates `sha256:<64 lowercase hex>`.
pub fn check_digest(d: &str) -> Result<(), String> {
    match d.strip_prefix("sha256:") {
        Some(h) if h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) => {
            Ok(())
        }
        _ => Err(format!(
            "digest {d:?} must be sha256: followed by 64 lowercase hex digits"
        )),
    }
}

/// True when one of `repo_digests` (`repo@sha256:…`, as the engine reports
/// them, possibly with a registry prefix) carries `digest`.
pub fn digests_contain(repo_digests: &[String], digest: &str) -> bool {
    repo_digests
        .iter()
        .any(|rd| rd.rsplit_once('@').is_some_and(|(_, d)| d == digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_tags_digests_and_registry_ports() {
        let r = ImageRef::parse("lightninglabs/lnd:v0.20.0-beta").unwrap();
        assert_eq!(r.repository, "lightninglabs/lnd");
        assert_eq!(r.tag.as_deref(), Some("v0.20.0-beta"));
        assert_eq!(r.digest, None);

        let r = ImageRef::parse(&format!("localhost:5000/lnd@{D}")).unwrap();
        assert_eq!(r.repository, "localhost:5000/lnd");
        assert_eq!(r.tag, None);
        assert_eq!(r.tagged(), "localhost:5000/lnd:latest");
        assert_eq!(r.lookup(), format!("localhost:5000/lnd@{D}"));

        let s = format!("reg.io:443/a/b:1.2@{D}");
        let r = ImageRef::parse(&s).unwrap();
        assert_eq!(
            (r.repository.as_str(), r.tag.as_deref()),
            ("reg.io:443/a/b", Some("1.2"))
        );
        assert_eq!(r.to_string(), s);
    }

    #[test]
    fn rejects_bad_references() {
        for bad in [
            "",
            "a b",
            "lnd:",
            ":tag",
            "lnd@sha256:abc",
            "lnd@md5:0123",
            &format!("lnd@{}", D.to_uppercase()),
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn digest_membership_ignores_registry_prefix() {
        let rds = vec![format!("docker.io/lightninglabs/lnd@{D}")];
        assert!(digests_contain(&rds, D));
        assert!(!digests_contain(&rds, &D.replace('0', "1")));
        assert!(!digests_contain(&[], D));
    }
}
