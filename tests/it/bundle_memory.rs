//! `lsm bundle verify` on hostile archives, in memory bounded by 64 MB.
//!
//! The peak RSS of the lsm child comes from wait4's rusage, and Linux
//! carries the spawning process's own peak into a child started with
//! vfork/posix_spawn (as std does) at its exec. So lsm is not spawned by
//! the test's own process, which shares its peak with every test of the
//! binary that ran before (`cargo test` runs them all in one process), but
//! by a fresh process of the test binary running only [`rss_probe`]: the
//! inheritance is then a few MB, the probe's own.

use std::fs;
use std::path::Path;

/// Where [`rss_probe`] finds the archive to verify.
const PROBE_FILE: &str = "LSM_TEST_RSS_PROBE_FILE";

/// Runs `lsm bundle verify FILE` and returns its exit code, stderr and peak
/// RSS in KiB, read from that very child's rusage (wait4), so other
/// processes of the test run do not count. The child is spawned by
/// [`rss_probe`] in a process of its own (see the module's doc).
fn verify_measured(file: &Path) -> (i32, String, i64) {
    let exe = std::env::current_exe().expect("the test binary");
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "bundle_memory::rss_probe",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(PROBE_FILE, file)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the probe");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let probe = stdout
        .lines()
        // libtest prints it after "test bundle_memory::rss_probe ... ".
        .find_map(|l| l.split_once("rss-probe: ").map(|(_, r)| r))
        .unwrap_or_else(|| {
            panic!(
                "the probe printed no result:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let mut fields = probe.split_whitespace();
    let (code, max_rss) = (fields.next(), fields.next());
    (
        code.and_then(|c| c.parse().ok()).expect("exit code"),
        fs::read_to_string(file.with_extension("stderr")).unwrap(),
        max_rss.and_then(|m| m.parse().ok()).expect("peak RSS"),
    )
}

/// The measuring parent of [`verify_measured`]: spawns `lsm bundle verify
/// $LSM_TEST_RSS_PROBE_FILE` and prints its exit code and peak RSS (KiB).
#[test]
#[ignore = "run by verify_measured, in a process of its own"]
fn rss_probe() {
    use std::os::unix::process::ExitStatusExt;
    let file = std::env::var_os(PROBE_FILE).expect("rss_probe is run by verify_measured");
    let file = Path::new(&file);
    let bin = assert_cmd::cargo::cargo_bin("lsm");
    // Reaped by the wait4 below, which also reports its rusage.
    #[allow(clippy::zombie_processes)]
    let child = std::process::Command::new(bin)
        .args(["bundle", "verify"])
        .arg(file)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(fs::File::create(file.with_extension("stderr")).unwrap())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4 failed");
    let code = std::process::ExitStatus::from_raw(status)
        .code()
        .unwrap_or(-1);
    println!("rss-probe: {code} {}", usage.ru_maxrss);
}

/// A GNU long-name (`L`) or PAX (`x`) header declaring gigabytes, its data
/// compressed zeros, made the tar reader allocate all of it: a 348 KB .b64
/// reached 600 MB of RSS, a 1 MB one aborted with a backtrace. Each hostile
/// archive up to the 4 MiB input limit is now refused (exit 1, no panic),
/// and the process never grows past 64 MB.
#[test]
fn hostile_tar_headers_are_refused_within_bounded_memory() {
    use base64::Engine;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let header = |name: &str, kind: tar::EntryType, size: u64| {
        let mut h = tar::Header::new_gnu();
        h.set_path(name).unwrap();
        h.set_size(size);
        h.set_mode(0o600);
        h.set_entry_type(kind);
        h.set_cksum();
        *h.as_bytes()
    };
    // gzip of a header followed by `zeros` zero bytes: ~1 KB per MB.
    let archive = |h: [u8; 512], zeros: u64| {
        let mut e = GzEncoder::new(Vec::new(), Compression::best());
        e.write_all(&h).unwrap();
        let chunk = vec![0u8; 1 << 20];
        let mut left = zeros;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            e.write_all(&chunk[..n]).unwrap();
            left -= n as u64;
        }
        let gz = e.finish().unwrap();
        base64::engine::general_purpose::STANDARD.encode(gz)
    };
    let cases = [
        ("longname", tar::EntryType::GNULongName, "GNU long-name (L)"),
        ("pax", tar::EntryType::XHeader, "PAX (x)"),
        ("regular", tar::EntryType::Regular, "declares"),
    ];
    for (name, kind, needle) in cases {
        // Declares 8 GiB; the data that follows inflates to 1 GiB (about
        // 1.3 MB of base64, the size that aborted lsm before).
        let text = archive(header("././@LongLink", kind, 8 << 30), 1 << 30);
        assert!(text.len() < 4 * 1024 * 1024, "{name}: {} bytes", text.len());
        assert!(text.len() > 1024 * 1024, "{name}: {} bytes", text.len());
        let file = tmp.path().join(format!("{name}.tar.gz.b64"));
        fs::write(&file, &text).unwrap();
        let (code, stderr, max_rss_kib) = verify_measured(&file);
        assert!(
            max_rss_kib < 64 * 1024,
            "{name}: peak RSS {max_rss_kib} KiB, not under 64 MB"
        );
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(stderr.contains(needle), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        eprintln!(
            "{name}: {} bytes of base64, peak RSS {max_rss_kib} KiB",
            text.len()
        );
    }
    // No header claims much, but the stream inflates far past what a
    // bundle can: stopped at the inflate bound, not read to its end.
    let file = tmp.path().join("bomb.tar.gz.b64");
    fs::write(
        &file,
        archive(header("tls.cert", tar::EntryType::Regular, 0), 256 << 20),
    )
    .unwrap();
    let (code, stderr, max_rss_kib) = verify_measured(&file);
    assert!(max_rss_kib < 64 * 1024, "bomb: peak RSS {max_rss_kib} KiB");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("inflates to more than"), "{stderr}");
    eprintln!("bomb: peak RSS {max_rss_kib} KiB");
}
