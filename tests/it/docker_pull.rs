//! Pulls on a machine without a registry fail with a clear message naming the
//! image, and change nothing.

use crate::docker_support;

use docker_support::{engine, unique};
use lsm::error::Failure;
use lsm_docker::DockerError;

#[tokio::test]
async fn a_pull_that_cannot_happen_names_the_image() {
    let Some(w) = engine().await else { return };
    let image = format!("lsm-test/{}:v1", unique("missing"));
    let mut messages = 0;
    let err = w
        .pull_image(&image, None, |_| messages += 1)
        .await
        .unwrap_err();
    assert!(matches!(err, DockerError::PullFailed { .. }), "{err:?}");
    let f: Failure = err.into();
    assert!(
        f.message
            .starts_with(&format!("cannot pull image {image}: ")),
        "{}",
        f.message
    );
    assert!(!f.message.contains('\n'), "{}", f.message);
    assert!(f.hints[0].contains("docker load"), "{:?}", f.hints);
    assert!(w.reader().inspect_image(&image).await.unwrap().is_none());
}

#[tokio::test]
async fn the_default_tag_is_latest_and_digests_are_checked_before_pulling() {
    let Some(w) = engine().await else { return };
    let repo = format!("lsm-test/{}", unique("missing"));
    let err = w.pull_image(&repo, None, |_| {}).await.unwrap_err();
    assert!(err.to_string().contains(&format!("{repo}:latest")), "{err}");

    let before = w.stats();
    let err = w
        .pull_image(&format!("{repo}:v1"), Some("sha256:abc"), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, DockerError::BadImageRef { .. }), "{err:?}");
    assert_eq!(
        w.stats().since(&before).requests,
        0,
        "rejected before any call"
    );
}
