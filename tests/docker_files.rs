//! Files in the volume through the archive API, and `observe_all`: what it
//! reports, how many requests a no-op observation costs, and that they are
//! issued concurrently (asserted on counters, never on time).

mod docker_support;

use docker_support::{basic_spec, engine, guard, unique};
use lsm::docker::{UploadFile, VolumeFile, labels};
use std::process::Command;

const CONF_PATH: &str = "/root/.lnd/lnd.conf";
const PW_PATH: &str = "/root/.lnd/secrets/wallet-password";
const CONF: &[u8] = b"[Application Options]\nnolisten=true\n";

/// (mode, uid, gid) of a file in a container, read with the docker CLI.
fn stat_in_container(container: &str, path: &str) -> (u32, u64, u64) {
    let out = Command::new("docker")
        .args(["cp", &format!("{container}:{path}"), "-"])
        .output()
        .expect("docker cp");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut archive = tar::Archive::new(&out.stdout[..]);
    let entry = archive.entries().unwrap().next().unwrap().unwrap();
    let h = entry.header();
    (
        h.mode().unwrap() & 0o7777,
        h.uid().unwrap(),
        h.gid().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_files_live_in_the_volume_and_survive_recreation() {
    let Some(w) = engine().await else { return };
    let spec = basic_spec("files").with_lsm_labels("files-signer", &[(CONF_PATH, CONF)]);
    let _cleanup = guard(&spec);
    w.ensure_volume(&spec.volume.name, &labels::ownership_labels("files-signer"))
        .await
        .unwrap();
    w.create_container(&spec).await.unwrap();

    // Uploading works on a created, never-started container; parents are created.
    let password = b"correct horse battery staple".to_vec();
    w.upload_files(
        &spec.name,
        &[
            UploadFile {
                path: CONF_PATH,
                content: CONF,
                mode: 0o644,
            },
            UploadFile {
                path: PW_PATH,
                content: &password,
                mode: 0o600,
            },
        ],
    )
    .await
    .unwrap();
    let r = w.reader();
    assert_eq!(
        r.download_file(&spec.name, CONF_PATH)
            .await
            .unwrap()
            .unwrap(),
        CONF
    );
    assert_eq!(
        r.download_file(&spec.name, PW_PATH).await.unwrap().unwrap(),
        password
    );
    assert_eq!(stat_in_container(&spec.name, CONF_PATH), (0o644, 0, 0));
    assert_eq!(stat_in_container(&spec.name, PW_PATH), (0o600, 0, 0));
    assert_eq!(
        r.download_file(&spec.name, "/root/.lnd/nope")
            .await
            .unwrap(),
        None
    );
    let err = r.download_file(&spec.name, "/root/.lnd").await.unwrap_err();
    assert!(err.to_string().contains("directory"), "{err}");

    // Overwrite in place.
    w.upload_files(
        &spec.name,
        &[UploadFile {
            path: CONF_PATH,
            content: b"changed\n",
            mode: 0o644,
        }],
    )
    .await
    .unwrap();
    assert_eq!(
        r.download_file(&spec.name, CONF_PATH)
            .await
            .unwrap()
            .unwrap(),
        b"changed\n"
    );

    // Remove and recreate the container: the files are in the volume, not the container.
    w.remove_container(&spec.name, true).await.unwrap();
    w.create_container(&spec).await.unwrap();
    assert_eq!(
        r.download_file(&spec.name, CONF_PATH)
            .await
            .unwrap()
            .unwrap(),
        b"changed\n"
    );
    // ... and a running container sees them too.
    w.start(&spec.name).await.unwrap();
    w.wait_until_running(&spec.name, std::time::Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(
        r.download_file(&spec.name, PW_PATH).await.unwrap().unwrap(),
        password
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_all_reports_each_object_and_file() {
    let Some(w) = engine().await else { return };
    let spec = basic_spec("observe").with_lsm_labels("observe-signer", &[]);
    let _cleanup = guard(&spec);
    let r = w.reader();
    let missing = "/root/.lnd/missing.conf";

    // Nothing exists yet: the image does, the rest is absent, files are Unknown.
    let o = r
        .observe_all(&spec.name, &spec.volume.name, &spec.image, &[CONF_PATH])
        .await
        .unwrap();
    assert!(o.container.is_none() && o.volume.is_none());
    assert!(o.image.is_some());
    assert_eq!(o.file(CONF_PATH), Some(&VolumeFile::Unknown));

    // An image that is not there is absent, not an error.
    let o = r
        .observe_all(
            &spec.name,
            &spec.volume.name,
            &format!("lsm-test/{}:1", unique("img")),
            &[],
        )
        .await
        .unwrap();
    assert!(o.image.is_none());

    w.ensure_volume(
        &spec.volume.name,
        &labels::ownership_labels("observe-signer"),
    )
    .await
    .unwrap();
    w.create_container(&spec).await.unwrap();
    w.upload_files(
        &spec.name,
        &[UploadFile {
            path: CONF_PATH,
            content: CONF,
            mode: 0o644,
        }],
    )
    .await
    .unwrap();
    let o = r
        .observe_all(
            &spec.name,
            &spec.volume.name,
            &spec.image,
            &[CONF_PATH, missing],
        )
        .await
        .unwrap();
    let c = o.container.as_ref().unwrap();
    assert!(c.managed);
    assert!(o.volume.as_ref().unwrap().managed());
    assert_eq!(o.file(CONF_PATH), Some(&VolumeFile::Present(CONF.to_vec())));
    assert_eq!(o.file(missing), Some(&VolumeFile::Absent));
    assert_eq!(
        o.files.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
        vec![CONF_PATH, missing]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_noop_observation_is_four_concurrent_reads() {
    let Some(w) = engine().await else { return };
    let spec = basic_spec("count").with_lsm_labels("count-signer", &[]);
    let _cleanup = guard(&spec);
    w.ensure_volume(&spec.volume.name, &labels::ownership_labels("count-signer"))
        .await
        .unwrap();
    w.create_container(&spec).await.unwrap();
    w.upload_files(
        &spec.name,
        &[UploadFile {
            path: CONF_PATH,
            content: CONF,
            mode: 0o644,
        }],
    )
    .await
    .unwrap();
    w.start(&spec.name).await.unwrap();
    w.wait_until_running(&spec.name, std::time::Duration::from_secs(30))
        .await
        .unwrap();

    // Fresh reader connection: nothing else shares its counters.
    let Some(r) = docker_support::reader().await else {
        return;
    };
    let before = r.stats();
    r.reset_max_in_flight();
    let o = r
        .observe_all(&spec.name, &spec.volume.name, &spec.image, &[CONF_PATH])
        .await
        .unwrap();
    assert!(o.container.unwrap().is_running());
    let d = r.stats().since(&before);
    assert_eq!(d.requests, 4, "container + volume + image + one file");
    assert_eq!(d.mutations, 0);
    assert_eq!(d.refused, 0);
    // All four were in flight together: a sequential implementation gives 1.
    assert_eq!(d.max_in_flight, 4);

    // One more file is one more concurrent request.
    let before = r.stats();
    r.reset_max_in_flight();
    r.observe_all(
        &spec.name,
        &spec.volume.name,
        &spec.image,
        &[CONF_PATH, "/root/.lnd/other"],
    )
    .await
    .unwrap();
    let d = r.stats().since(&before);
    assert_eq!((d.requests, d.max_in_flight), (5, 5));
}
