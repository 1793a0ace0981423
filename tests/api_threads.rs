//! Threading observations (B-THR-03, B-THR-07; thread of invocation of
//! write/notification/flush callbacks, B-CB-04/06/09): differential where
//! the plugins must agree, plus our deliberate improvement over the C
//! plugin: `threading.local()` data survives between two read-callback
//! invocations on the same collectd read thread (the C plugin loses it,
//! B-THR-03).

mod common;

use common::{
    assert_out_has, assert_same_lines, differential_enabled, normalize_messages, run_both, Plugin,
    Run, RunResult, Until,
};

/// Log messages in order; the number of value lists still queued when `-T`
/// stops the write threads is timing dependent, so that warning is dropped.
fn log_ordered(r: &RunResult) -> Vec<String> {
    normalize_messages(
        &r.log,
        &["left after shutting down the write threads"],
        false,
    )
}

/// Normal mode, one read thread, the `local` probe group; stops once the
/// read callback ran 4 times.
fn local_run(p: Plugin) -> Run {
    Run::new(p, "api_threads_local")
        .import(&["api_threads"])
        .env("API_GROUPS", "local")
        .extra_before("ReadThreads 1")
        .until(Until::File("out/done".into()))
}

#[test]
fn diff_b_thr_07_python_thread_context() {
    if !differential_enabled() {
        return;
    }
    let (c, o) = run_both(|p| {
        Run::new(p, "api_threads_thr07")
            .import(&["api_threads"])
            .env("API_GROUPS", "thr07")
            .test_read()
    });
    c.assert_clean_exit();
    o.assert_clean_exit();
    assert_same_lines("obs.txt", &c, &o, |r| r.out_lines("obs.txt"));
    assert_same_lines("log", &c, &o, log_ordered);
    assert_out_has(
        &c,
        "obs.txt",
        &[
            "pythread: in pythread main=False dummy=False",
            // synchronous callbacks run in the calling Python thread
            "  write cb2 pythread in pythread main=False dummy=False",
            "  notification cb pythread in pythread main=False dummy=False",
            "pythread register_read = 'python.rd_pythread'",
        ],
    );
    if common::pointer_width() == 64 {
        assert_out_has(
            &c,
            "obs.txt",
            &["  flush cb -1 'pythread' in pythread main=False dummy=False"],
        );
    }
    // B-THR-07: empty plugin context in Python-created threads
    assert_eq!(
        c.count_log(
            "[error] UNKNOWN plugin: plugin_get_interval: Unable to determine Interval from context."
        ),
        2,
        "{}",
        c.dump()
    );
    c.assert_log("[warning] UNKNOWN plugin: register_callback: a callback named `python.thrw' already exists - overwriting the old entry!");
    c.assert_log("[warning] python plugin: register_callback: a callback named `python.thrw' already exists - overwriting the old entry!");
}

#[test]
fn diff_b_thr_03_read_thread_identity() {
    if !differential_enabled() {
        return;
    }
    let (c, o) = run_both(local_run);
    c.assert_condition();
    o.assert_condition();
    assert_same_lines("local.txt", &c, &o, |r| r.out_lines("local.txt"));
    assert_out_has(
        &c,
        "local.txt",
        &["local call 4 in Dummy-<N> main=False dummy=True same_ident=True name=Dummy-<N>"],
    );
    // B-THR-03 [obs]: the C plugin loses threading.local() data between calls
    assert_eq!(
        c.out_lines("tl.txt"),
        [
            "local call 1 previous=None",
            "local call 2 previous=None",
            "local call 3 previous=None",
            "local call 4 previous=None",
        ],
        "{}",
        c.dump()
    );
}

/// Deliberate improvement over the C plugin (B-THR-03): our read threads
/// keep their Python thread state, so `threading.local()` data survives.
#[test]
fn ours_b_thr_03_threading_local_survives_between_reads() {
    if !Plugin::Ours.should_run() {
        return;
    }
    let o = local_run(Plugin::Ours).run();
    o.assert_condition();
    assert_eq!(
        o.out_lines("tl.txt"),
        [
            "local call 1 previous=None",
            "local call 2 previous=1",
            "local call 3 previous=2",
            "local call 4 previous=3",
        ],
        "{}",
        o.dump()
    );
}

/// Sends `n` unixsock commands, each on a connection of its own (collectd starts a
/// thread per connection); panics on a refused or failed command.
fn unixsock_commands(sock: &std::path::Path, n: usize, command: &str) {
    use std::io::{BufRead, BufReader, Write};
    for i in 0..n {
        let mut s = std::os::unix::net::UnixStream::connect(sock)
            .unwrap_or_else(|e| panic!("connect {} (#{i}): {e}", sock.display()));
        s.write_all(command.as_bytes()).expect("write command");
        let mut answer = String::new();
        BufReader::new(&s)
            .read_line(&mut answer)
            .expect("read answer");
        assert!(answer.starts_with("0 "), "{command:?} #{i}: {answer:?}");
    }
}

/// The thread states counted by `short_threads.py` and the daemon's RSS (KiB),
/// after `warm` and after `warm + n` commands on short-lived threads.
struct Leak {
    run: RunResult,
    states: (usize, usize),
    rss: (u64, u64),
}

const COUNT: &str = "PUTNOTIF severity=okay time=1 host=h plugin=p type=gauge message=count\n";

/// How many short-lived threads a leak test uses: 10,000 natively; under
/// qemu-user (whose own memory grows with every guest thread, and which has
/// crashed after ~11,000 of them) 10,000 only for our notification test, the one
/// the 32-bit targets must pass, and 2,000 for the rest.
fn thread_count(p: Plugin, full: bool) -> usize {
    if std::env::var_os("CDPY_QEMU").is_none() || (full && p == Plugin::Ours) {
        10_000
    } else {
        2_000
    }
}

fn over_short_threads(p: Plugin, name: &str, command: &'static str, n: usize) -> Leak {
    let warm = 1_000;
    let samples = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = samples.clone();
    let run = Run::new(p, name)
        .import(&["short_threads"])
        .plugins(&["unixsock"])
        .extra_before("LoadPlugin unixsock\n<Plugin unixsock>\n  SocketFile \"@RUNDIR@/sock\"\n  SocketGroup \"root\"\n</Plugin>")
        .timeout(std::time::Duration::from_secs(900))
        .until(Until::Fn(Box::new(move |probe| {
            let sock = probe.dir.join("sock");
            if !sock.exists() || !probe.log().contains("Initialization complete") {
                return false;
            }
            unixsock_commands(&sock, warm, command);
            unixsock_commands(&sock, 1, COUNT);
            std::thread::sleep(std::time::Duration::from_millis(200));
            let before = probe.rss_kib();
            unixsock_commands(&sock, n, command);
            unixsock_commands(&sock, 1, COUNT);
            std::thread::sleep(std::time::Duration::from_millis(200));
            seen.lock().unwrap().extend([before, probe.rss_kib()]);
            true
        })))
        .run();
    if p == Plugin::C && std::env::var_os("CDPY_QEMU").is_some() {
        // Seen on armv7 under qemu-user, after 2,000 and after 11,000 threads:
        // the C plugin's collectd dies of SIGSEGV at shutdown (ours does not).
        // Its thread-state counts, taken while it ran, are still checked.
        if !run.status.success() {
            eprintln!(
                "[c] note: collectd exited with {:?} at shutdown under qemu",
                run.status
            );
        }
    } else {
        run.assert_clean_exit();
    }
    let rss = samples.lock().unwrap().clone();
    assert_eq!(rss.len(), 2, "{}", run.dump());
    let states: Vec<usize> = run
        .log_containing(" thread states")
        .iter()
        .filter_map(|l| {
            l.strip_prefix("[info] short_threads: ")?
                .strip_suffix(" thread states")?
                .parse()
                .ok()
        })
        .collect();
    assert_eq!(states.len(), 2, "{}", run.dump());
    Leak {
        run,
        states: (states[0], states[1]),
        rss: (rss[0], rss[1]),
    }
}

impl Leak {
    /// The shutdown line of `short_threads.py`, unless collectd died first (the C
    /// plugin under qemu-user, see `over_short_threads`).
    fn assert_counted(&self, line: &str) {
        if self.run.status.success() || self.run.plugin == Plugin::Ours {
            self.run.assert_log(line);
        }
    }

    /// No thread state left behind (but for threads still exiting); RSS flat within 1 MiB (natively: under
    /// qemu-user the emulator's RSS grows with each guest thread, with either plugin).
    fn assert_flat(&self, p: Plugin, what: &str) {
        let ((s0, s1), (r0, r1)) = (self.states, self.rss);
        eprintln!("[{p}] after the warm-up {what}: {s0} thread states, RSS {r0} KiB; after all: {s1}, {r1} KiB");
        // a few threads may have answered but not yet exited when the count runs
        // (more on a loaded machine); a leak leaves one per command behind.
        assert!(
            s1 <= s0 + 64,
            "[{p}] thread states grew from {s0} to {s1}\n{}",
            self.run.dump()
        );
        if std::env::var_os("CDPY_QEMU").is_none() {
            assert!(
                r1 <= r0 + 1024,
                "[{p}] RSS grew from {r0} to {r1} KiB\n{}",
                self.run.dump()
            );
        }
    }
}

per_plugin! {
    /// B-THR-03: our thread states live as long as their thread, and no longer:
    /// 10,000 notifications from as many unixsock threads leave no thread state
    /// behind and RSS flat (within 1 MiB after a warm-up of 1,000), as the C
    /// plugin's per-call states do. The counts include the two counting probes and
    /// collectd's own flush at shutdown.
    fn b_thr_03_thread_states_end_with_short_lived_threads_notifications(p) {
        let leak = over_short_threads(
            p,
            "short_threads_notif",
            "PUTNOTIF severity=okay time=1 host=h plugin=p type=gauge message=m\n",
            thread_count(p, true),
        );
        let n = thread_count(p, true) + 1_002;
        leak.assert_counted(&format!("[info] short_threads: {n} notifications, 1 flushes"));
        leak.assert_flat(p, "notifications");
    }

    /// B-THR-03: the same for flush requests (collectd runs flush callbacks on the
    /// thread that asked, B-CB-09).
    fn b_thr_03_thread_states_end_with_short_lived_threads_flushes(p) {
        if p == Plugin::C && common::pointer_width() == 32 {
            // B-CB-12: the C plugin's flush handler crashes collectd on 32-bit ABIs.
            eprintln!("skipped: C plugin's flush crashes on 32-bit (B-CB-12)");
            return;
        }
        let leak = over_short_threads(p, "short_threads_flush", "FLUSH\n", thread_count(p, false));
        let n = thread_count(p, false) + 1_001;
        leak.assert_counted(&format!("[info] short_threads: 2 notifications, {n} flushes"));
        leak.assert_flat(p, "flushes");
    }
}
