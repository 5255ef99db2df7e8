//! The spec hash (pure) and the create → observe round trip on the real engine.

#![allow(clippy::too_many_lines)] // test code: exempt (see Cargo.toml)

mod docker_support;

use docker_support::{
    Cleanup, basic_spec, create_network, engine, free_port, guard, inspect, running, unique,
};
use lsm_docker::{
    ContainerSpec, ContainerStatus, DockerError, PortBinding, RestartPolicy, VolumeMount, labels,
    legacy_spec_hash, spec_hash,
};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const CONF: &[u8] = b"[Application Options]\nnolisten=true\n";

fn fixed_spec() -> ContainerSpec {
    ContainerSpec {
        name: "lsm-signer".into(),
        image: "lightninglabs/lnd:v0.20.0-beta".into(),
        args: vec![
            "--lnddir=/root/.lnd".into(),
            "--configfile=/root/.lnd/lnd.conf".into(),
        ],
        env: BTreeMap::new(),
        volume: VolumeMount {
            name: "lsm-signer-data".into(),
            mount_path: "/root/.lnd".into(),
        },
        restart: RestartPolicy::UnlessStopped,
        network: None,
        ports: vec![
            PortBinding {
                host_ip: "127.0.0.1".parse().unwrap(),
                host_port: 10012,
                container_port: 10012,
            },
            PortBinding {
                host_ip: "127.0.0.1".parse().unwrap(),
                host_port: 10013,
                container_port: 10013,
            },
        ],
        labels: BTreeMap::new(),
    }
}

fn files() -> Vec<(&'static str, &'static [u8])> {
    vec![("/root/.lnd/lnd.conf", CONF)]
}

#[test]
fn spec_hash_is_stable_across_runs() {
    // Fixed values: any change to the canonical form shows up here, and must
    // be deliberate. Format 2 (no restart policy) is what lsm writes now;
    // format 1 is what earlier lsm wrote, and is still recognised so that an
    // upgrade recreates no container.
    assert_eq!(
        spec_hash(&fixed_spec(), &files()),
        "e715cb174cd6c8682c2c15c15348c09dd8f1eb6bd433374638c256e65e67913a"
    );
    assert_eq!(
        legacy_spec_hash(&fixed_spec(), &files()),
        "3346cec34f2cafe3463a1cd2c3bc8d2b38bd9ca59c021ae9f643f4c2d6a39cb2"
    );
}

#[test]
fn the_restart_policy_is_not_hashed_but_labelled() {
    // The engine updates the policy in place and labels never change, so a
    // hash over it would go stale at the first update (see lsm_docker::spec).
    let base = spec_hash(&fixed_spec(), &files());
    let mut s = fixed_spec();
    s.restart = RestartPolicy::Always;
    assert_eq!(spec_hash(&s, &files()), base);
    assert_ne!(
        legacy_spec_hash(&s, &files()),
        legacy_spec_hash(&fixed_spec(), &files())
    );
    let labelled = s.with_lsm_labels("alice", &files());
    assert_eq!(labelled.labels[labels::RESTART_POLICY], "always");
}

#[test]
fn spec_hash_ignores_order_and_labels() {
    let base = spec_hash(&fixed_spec(), &files());
    let mut s = fixed_spec();
    s.ports.reverse();
    s.labels.insert("b".into(), "2".into());
    s.labels.insert("a".into(), "1".into());
    s.name = "another-name".into();
    assert_eq!(spec_hash(&s, &files()), base);
    let mut two = files();
    two.push(("/root/.lnd/pw", b"x"));
    let mut swapped = two.clone();
    swapped.reverse();
    assert_eq!(
        spec_hash(&fixed_spec(), &two),
        spec_hash(&fixed_spec(), &swapped)
    );
    // with_lsm_labels records exactly this hash.
    let labelled = fixed_spec().with_lsm_labels("alice", &files());
    assert_eq!(labelled.labels[labels::SPEC_HASH], base);
    assert_eq!(labelled.labels[labels::MANAGED], "true");
    assert_eq!(labelled.labels[labels::SIGNER], "alice");
    assert_eq!(labelled.labels[labels::VERSION], labels::LSM_VERSION);
}

#[test]
fn spec_hash_changes_with_every_covered_field() {
    type Edit = fn(&mut ContainerSpec);
    let edits: Vec<(&str, Edit)> = vec![
        ("image", |s| {
            s.image = "lightninglabs/lnd:v0.20.1-beta".into()
        }),
        ("image digest", |s| {
            s.image.push_str(
                "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            )
        }),
        ("args", |s| s.args.push("--debuglevel=debug".into())),
        ("args order", |s| s.args.reverse()),
        ("env", |s| {
            s.env.insert("GODEBUG".into(), "x".into());
        }),
        ("host port", |s| s.ports[0].host_port = 10022),
        ("host ip", |s| {
            s.ports[0].host_ip = "0.0.0.0".parse().unwrap()
        }),
        ("container port", |s| s.ports[1].container_port = 8080),
        ("port removed", |s| {
            s.ports.pop();
        }),
        ("volume name", |s| s.volume.name = "other-data".into()),
        ("mount path", |s| s.volume.mount_path = "/data".into()),
        ("network", |s| s.network = Some("signer-net".into())),
    ];
    let base = spec_hash(&fixed_spec(), &files());
    let mut seen = BTreeSet::from([base.clone()]);
    for (what, edit) in edits {
        let mut s = fixed_spec();
        edit(&mut s);
        let h = spec_hash(&s, &files());
        assert!(seen.insert(h), "changing {what} did not change the hash");
    }
    for (what, f) in [
        (
            "file content",
            vec![("/root/.lnd/lnd.conf", &b"[Application Options]\n"[..])],
        ),
        ("file path", vec![("/root/.lnd/other.conf", CONF)]),
        (
            "extra file",
            vec![("/root/.lnd/lnd.conf", CONF), ("/root/.lnd/pw", b"")],
        ),
        ("no files", vec![]),
    ] {
        let h = spec_hash(&fixed_spec(), &f);
        assert!(seen.insert(h), "changing {what} did not change the hash");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_container_observes_back_as_its_spec() {
    let Some(w) = engine().await else { return };
    let net = unique("net");
    let mut spec = basic_spec("roundtrip");
    let mut cleanup: Cleanup = guard(&spec);
    cleanup.network(&net);
    create_network(&net);
    let (p1, p2) = (free_port(), free_port());
    spec.restart = RestartPolicy::OnFailure { max_retries: 2 };
    spec.network = Some(net.clone());
    spec.env.insert("LSM_TEST".into(), "1".into());
    spec.ports = vec![
        PortBinding {
            host_ip: "0.0.0.0".parse().unwrap(),
            host_port: p2,
            container_port: 10013,
        },
        PortBinding {
            host_ip: "127.0.0.1".parse().unwrap(),
            host_port: p1,
            container_port: 10012,
        },
    ];
    spec.labels.insert("org.example.owner".into(), "ops".into());
    let spec = spec.with_lsm_labels("roundtrip-signer", &files());

    w.ensure_volume(
        &spec.volume.name,
        &labels::ownership_labels("roundtrip-signer"),
    )
    .await
    .unwrap();
    let id = w.create_container(&spec).await.unwrap();
    let c = inspect(&w, &spec.name).await.unwrap();

    assert_eq!(c.id, id);
    assert_eq!(c.name, spec.name);
    assert_eq!(c.state.status, ContainerStatus::Created);
    assert_eq!(c.state.started_at, None);
    assert!(c.managed);
    assert_eq!(c.signer.as_deref(), Some("roundtrip-signer"));
    assert_eq!(
        c.spec_hash.as_deref(),
        Some(spec_hash(&spec, &files()).as_str())
    );
    assert_eq!(c.image, spec.image);
    let image = w
        .reader()
        .inspect_image(&spec.image)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.image_id, image.id);
    assert_eq!(c.args, spec.args);
    assert!(c.env.contains(&"LSM_TEST=1".to_string()), "{:?}", c.env);
    let mut want_ports = spec.ports.clone();
    want_ports.sort();
    assert_eq!(c.ports, want_ports);
    assert!(c.other_ports.is_empty());
    assert_eq!(c.restart, spec.restart);
    assert_eq!(c.user_network(), Some(net.as_str()));
    assert_eq!(c.volume_at("/root/.lnd"), Some(spec.volume.name.as_str()));
    for (k, v) in &spec.labels {
        assert_eq!(c.labels.get(k), Some(v), "label {k}");
    }
    // Image labels are inherited: compare spec labels as a subset.
    assert_eq!(
        c.labels.get("io.lsm.test.image").map(String::as_str),
        Some("busybox")
    );

    // Running: the live bindings and the network attachment appear.
    w.start(&spec.name).await.unwrap();
    let c = running(&w, &spec.name).await;
    assert!(c.state.started_at.is_some());
    assert!(c.networks.contains(&net), "{:?}", c.networks);
    for p in &spec.ports {
        assert!(c.published.contains(p), "{p} not in {:?}", c.published);
    }
    // "running" comes before the entrypoint's first line: poll with a deadline.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let logs = w.reader().logs_tail(&spec.name, 5).await.unwrap();
        if logs
            .iter()
            .any(|l| l.contains("lsm-test image up: --lnddir=/root/.lnd"))
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{logs:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A clean stop exits 0; with on-failure, exit 0 stays down, so waiting fails fast.
    w.stop(&spec.name, Duration::from_secs(10)).await.unwrap();
    let c = inspect(&w, &spec.name).await.unwrap();
    assert_eq!(c.state.status, ContainerStatus::Exited);
    assert_eq!(c.state.exit_code, Some(0));
    let err = w
        .wait_until_running(&spec.name, Duration::from_secs(30))
        .await
        .unwrap_err();
    assert!(matches!(err, DockerError::NotRunning { .. }), "{err:?}");

    // The same name again is a conflict, never a silent takeover.
    let err = w.create_container(&spec).await.unwrap_err();
    assert!(matches!(err, DockerError::NameConflict { .. }), "{err:?}");

    w.remove_container(&spec.name, false).await.unwrap();
    assert!(inspect(&w, &spec.name).await.is_none());
    // The volume outlives the container.
    let v = w
        .reader()
        .inspect_volume(&spec.volume.name)
        .await
        .unwrap()
        .unwrap();
    assert!(v.managed());
    // Removing twice is fine.
    w.remove_container(&spec.name, false).await.unwrap();
}

#[tokio::test]
async fn restart_and_list_managed() {
    let Some(w) = engine().await else { return };
    let spec = basic_spec("restart").with_lsm_labels("restart-signer", &[]);
    let _cleanup = guard(&spec);
    w.create_container(&spec).await.unwrap();
    w.start(&spec.name).await.unwrap();
    let first = running(&w, &spec.name).await;
    w.restart(&spec.name, Duration::from_secs(10))
        .await
        .unwrap();
    let again = running(&w, &spec.name).await;
    assert_ne!(first.state.started_at, again.state.started_at);

    let listed = w
        .reader()
        .list_managed(Some("restart-signer"))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].name, spec.name);
    assert_eq!(listed[0].status, Some(ContainerStatus::Running));
    assert!(
        w.reader()
            .list_managed(Some(&unique("nobody")))
            .await
            .unwrap()
            .is_empty()
    );

    // force removes a running container.
    w.remove_container(&spec.name, true).await.unwrap();
    assert!(inspect(&w, &spec.name).await.is_none());
}
