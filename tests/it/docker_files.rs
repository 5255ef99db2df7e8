//! Files in the volume through the archive API, and `observe_all`: what it
//! reports, how many requests a no-op observation costs, and that they are
//! issued concurrently (asserted on counters, never on time).

use crate::docker_support;

use docker_support::{basic_spec, conf_file, engine, guard, provision, running, unique};
use lsm_docker::{ContainerSpec, DockerReader, Observed, StatsSnapshot, UploadFile, VolumeFile};
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

/// One observation of `spec`'s objects and `files`, and the requests it made.
async fn counted(
    r: &DockerReader,
    spec: &ContainerSpec,
    files: &[&str],
    dirs: &[&str],
) -> (Observed, StatsSnapshot) {
    let before = r.stats();
    r.reset_max_in_flight();
    let o = r
        .observe_all(&spec.name, &spec.volume.name, &spec.image, files, dirs)
        .await
        .unwrap();
    (o, r.stats().since(&before))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_files_live_in_the_volume_and_survive_recreation() {
    let Some(w) = engine().await else { return };
    let spec = basic_spec("files").with_lsm_labels("files-signer", &[(CONF_PATH, CONF)]);
    let _cleanup = guard(&spec);
    // Uploading works on a created, never-started container; parents are created.
    let password = b"correct horse battery staple".to_vec();
    let secret = UploadFile {
        path: PW_PATH,
        content: &password,
        mode: 0o600,
    };
    provision(
        &w,
        &spec,
        "files-signer",
        &[conf_file(CONF_PATH, CONF), secret],
        false,
    )
    .await;
    let r = w.reader();
    let read = |path: &'static str| r.download_file(&spec.name, path);
    assert_eq!(read(CONF_PATH).await.unwrap().unwrap(), CONF);
    assert_eq!(read(PW_PATH).await.unwrap().unwrap(), password);
    assert_eq!(stat_in_container(&spec.name, CONF_PATH), (0o644, 0, 0));
    assert_eq!(stat_in_container(&spec.name, PW_PATH), (0o600, 0, 0));
    assert_eq!(read("/root/.lnd/nope").await.unwrap(), None);
    let err = read("/root/.lnd").await.unwrap_err();
    assert!(err.to_string().contains("directory"), "{err}");

    // Overwrite in place.
    w.upload_files(&spec.name, &[conf_file(CONF_PATH, b"changed\n")])
        .await
        .unwrap();
    assert_eq!(read(CONF_PATH).await.unwrap().unwrap(), b"changed\n");

    // Remove and recreate the container: the files are in the volume, not the container.
    w.remove_container(&spec.name, true).await.unwrap();
    w.create_container(&spec).await.unwrap();
    assert_eq!(read(CONF_PATH).await.unwrap().unwrap(), b"changed\n");
    // ... and a running container sees them too.
    w.start(&spec.name).await.unwrap();
    running(&w, &spec.name).await;
    assert_eq!(read(PW_PATH).await.unwrap().unwrap(), password);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_all_reports_each_object_and_file() {
    let Some(w) = engine().await else { return };
    let spec = basic_spec("observe").with_lsm_labels("observe-signer", &[]);
    let _cleanup = guard(&spec);
    let r = w.reader();
    let missing = "/root/.lnd/missing.conf";
    let observe = |image: String, files: &'static [&'static str]| {
        let (name, volume) = (spec.name.clone(), spec.volume.name.clone());
        async move {
            r.observe_all(&name, &volume, &image, files, &[])
                .await
                .unwrap()
        }
    };

    // Nothing exists yet: the image does, the rest is absent, files are Unknown.
    let o = observe(spec.image.clone(), &[CONF_PATH]).await;
    assert!(o.container.is_none() && o.volume.is_none());
    assert!(o.image.is_some());
    assert_eq!(o.file(CONF_PATH), Some(&VolumeFile::Unknown));

    // An image that is not there is absent, not an error.
    let o = observe(format!("lsm-test/{}:1", unique("img")), &[]).await;
    assert!(o.image.is_none());

    provision(
        &w,
        &spec,
        "observe-signer",
        &[conf_file(CONF_PATH, CONF)],
        false,
    )
    .await;
    const BOTH: &[&str] = &[CONF_PATH, "/root/.lnd/missing.conf"];
    let o = observe(spec.image.clone(), BOTH).await;
    assert!(o.container.as_ref().unwrap().managed);
    assert!(o.volume.as_ref().unwrap().managed());
    assert_eq!(
        o.file(CONF_PATH),
        Some(&VolumeFile::Present(CONF.to_vec().into()))
    );
    assert_eq!(o.file(missing), Some(&VolumeFile::Absent));
    assert_eq!(
        o.files.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
        BOTH
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_noop_observation_is_four_concurrent_reads() {
    let Some(w) = engine().await else { return };
    let spec = basic_spec("count").with_lsm_labels("count-signer", &[]);
    let _cleanup = guard(&spec);
    provision(
        &w,
        &spec,
        "count-signer",
        &[conf_file(CONF_PATH, CONF)],
        true,
    )
    .await;

    // Fresh reader connection: nothing else shares its counters.
    let Some(r) = docker_support::reader().await else {
        return;
    };
    let measure = |files: &'static [&'static str]| async {
        let (o, d) = counted(&r, &spec, files, &[]).await;
        assert!(o.container.unwrap().is_running());
        d
    };
    let d = measure(&[CONF_PATH]).await;
    assert_eq!(d.requests, 4, "container + volume + image + one file");
    assert_eq!(d.mutations, 0);
    assert_eq!(d.refused, 0);
    // All four were in flight together: a sequential implementation gives 1.
    assert_eq!(d.max_in_flight, 4, "{d:?}");

    // One more file is one more concurrent request.
    let d = measure(&[CONF_PATH, "/root/.lnd/other"]).await;
    assert_eq!((d.requests, d.max_in_flight), (5, 5), "{d:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_of_one_directory_are_one_read() {
    let Some(w) = engine().await else { return };
    let spec = basic_spec("dir").with_lsm_labels("dir-signer", &[]);
    let _cleanup = guard(&spec);
    const DIR: &str = "/root/.lnd/lsm";
    const A: &str = "/root/.lnd/lsm/lnd.conf";
    const B: &str = "/root/.lnd/lsm/wallet-password.txt";
    const GONE: &str = "/root/.lnd/lsm/missing";
    const OUTSIDE: &str = "/root/.lnd/lnd.conf";
    let Some(r) = docker_support::reader().await else {
        return;
    };
    let observe = |files: &'static [&'static str]| counted(&r, &spec, files, &[DIR]);

    // No container: Unknown, whatever the grouping.
    let (o, _) = observe(&[A, OUTSIDE]).await;
    assert_eq!(o.file(A), Some(&VolumeFile::Unknown));

    // A container whose volume lacks the directory: every file in it is absent.
    provision(&w, &spec, "dir-signer", &[conf_file(OUTSIDE, CONF)], false).await;
    let (o, d) = observe(&[A, OUTSIDE, B]).await;
    assert_eq!(o.file(A), Some(&VolumeFile::Absent));
    assert_eq!(o.file(B), Some(&VolumeFile::Absent));
    assert_eq!(
        o.file(OUTSIDE),
        Some(&VolumeFile::Present(CONF.to_vec().into()))
    );
    assert_eq!(
        d.requests, 5,
        "3 inspections + the directory + the other file"
    );

    // Present, absent and outside files: one read for the directory, the
    // results in request order.
    w.upload_files(
        &spec.name,
        &[
            conf_file(A, b"a\n"),
            UploadFile {
                path: B,
                content: b"secret",
                mode: 0o600,
            },
        ],
    )
    .await
    .unwrap();
    let (o, d) = observe(&[A, OUTSIDE, GONE, B]).await;
    assert_eq!(
        o.files.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
        [A, OUTSIDE, GONE, B]
    );
    assert_eq!(
        o.file(A),
        Some(&VolumeFile::Present(b"a\n".to_vec().into()))
    );
    assert_eq!(
        o.file(B),
        Some(&VolumeFile::Present(b"secret".to_vec().into()))
    );
    assert_eq!(o.file(GONE), Some(&VolumeFile::Absent));
    assert_eq!((d.requests, d.max_in_flight), (5, 5), "{d:?}");
    assert_eq!(d.mutations, 0);
}
