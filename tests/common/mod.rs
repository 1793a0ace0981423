//! Integration-test harness: runs the real collectd daemon in the foreground
//! with either the C reference `python.so` or ours, and collects what it did.
//!
//! Environment contract (all optional):
//!
//! | variable        | meaning |
//! |-----------------|---------|
//! | `CDPY_PLUGIN`   | path of our cdylib to install as `python.so` (default: `libcollectd_python.so` in the cargo target dir of the test executable) |
//! | `CDPY_SYSROOT`  | dir with the target's unpacked Debian packages (`usr/sbin/collectd`, `usr/lib/collectd/*.so`, `usr/share/collectd/types.db`, `usr/lib/python3.x`); the C plugin, `logfile.so`, `csv.so` and `types.db` are taken from it and `PYTHONHOME=$S/usr` is set |
//! | `CDPY_QEMU`     | qemu-user binary (e.g. `qemu-arm-static`); the daemon is run as `$CDPY_QEMU -L $CDPY_SYSROOT <collectd> …` (requires `CDPY_SYSROOT`). Without it, a `CDPY_SYSROOT` of this machine's architecture (a Debian trixie or sid root) runs through the root's own dynamic loader: `$S/usr/lib/<multiarch>/ld-linux*.so* --library-path $S/lib/<multiarch>:$S/usr/lib/<multiarch> <collectd> …` |
//! | `CDPY_PYTHON_VERSION` | the CPython of the daemon's `python.so` (`3.13`, …), for expectations that are CPython's own text; default: the root's `usr/lib/python3.X`, else 3.11 |
//! | `CDPY_COLLECTD` | collectd binary override (default `$CDPY_SYSROOT/usr/sbin/collectd` or `/usr/sbin/collectd`) |
//! | `CDPY_ABSENT_MODULES` | extension modules the daemon's CPython was built without (`_ctypes _ssl` on the musl roots, like OpenWrt's python3-light): B-ABI-02 then expects them to be missing |
//! | `CDPY_ENDIAN`   | `big` on a big-endian target (ath79): B-BUG-04's spliced interval differs in the C plugin there |
//! | `CDPY_LIBC`     | `musl` for the musl roots (informational, like `CDPY_TARGET`) |
//! | `CDPY_ONLY`     | `c` or `ours`: run only that half of the per-plugin tests (differential tests are skipped) |
//! | `CDPY_TIMEOUT`  | seconds to wait for a run's condition (default 20, 90 under qemu) |
//! | `CDPY_KEEP`     | `1`: keep every run dir (failed runs are always kept) |
//! | `CDPY_RUN_DIR`  | parent dir for the per-run dirs (default `$CARGO_TARGET_TMPDIR/cdpy-runs`, or `$TMPDIR/cdpy-runs` when that path contains a dot-directory, which collectd's csv plugin rejects) |
//!
//! Relative paths are taken relative to the test's working directory (cargo
//! runs integration tests in the package root).
//!
//! The daemon gets `CDPY_OUT=<run dir>/out`: test scripts write their
//! observations there (see `tests/plugins/cdpy_obs.py`).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Which `python.so` a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plugin {
    /// This crate's cdylib.
    Ours,
    /// collectd's C reference plugin.
    C,
}

impl Plugin {
    pub const ALL: [Plugin; 2] = [Plugin::C, Plugin::Ours];

    pub fn name(self) -> &'static str {
        match self {
            Plugin::Ours => "ours",
            Plugin::C => "c",
        }
    }

    /// Whether `CDPY_ONLY` allows running this plugin.
    pub fn enabled(self) -> bool {
        match std::env::var("CDPY_ONLY") {
            Ok(only) if !only.is_empty() => {
                assert!(
                    Plugin::ALL
                        .iter()
                        .any(|p| only.eq_ignore_ascii_case(p.name())),
                    "CDPY_ONLY must be `c` or `ours`, not {only:?}"
                );
                only.eq_ignore_ascii_case(self.name())
            }
            _ => true,
        }
    }

    /// Prints a skip note and returns false when `CDPY_ONLY` excludes `self`.
    pub fn should_run(self) -> bool {
        if self.enabled() {
            true
        } else {
            eprintln!("skipped: CDPY_ONLY excludes plugin `{}`", self.name());
            false
        }
    }
}

impl fmt::Display for Plugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// True when differential tests (which need both plugins) may run.
pub fn differential_enabled() -> bool {
    if Plugin::C.enabled() && Plugin::Ours.enabled() {
        true
    } else {
        eprintln!("skipped: differential test needs both plugins (CDPY_ONLY is set)");
        false
    }
}

/// Generates one `#[test]` per plugin: `<name>::c` and `<name>::ours`.
///
/// ```ignore
/// per_plugin! {
///     fn b_cfg_08_import_failure(p) { ... }
/// }
/// ```
#[macro_export]
macro_rules! per_plugin {
    ($( $(#[$meta:meta])* fn $name:ident($p:ident) $body:block )*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                fn body($p: $crate::common::Plugin) $body
                #[test]
                fn c() {
                    if $crate::common::Plugin::C.should_run() {
                        body($crate::common::Plugin::C)
                    }
                }
                #[test]
                fn ours() {
                    if $crate::common::Plugin::Ours.should_run() {
                        body($crate::common::Plugin::Ours)
                    }
                }
            }
        )*
    };
}

// ---------------------------------------------------------------------------
// Environment

/// Resolved locations of everything a run needs.
#[derive(Debug)]
pub struct Env {
    /// Command prefix that starts collectd (qemu + args + binary).
    pub collectd: Vec<PathBuf>,
    pub sysroot: Option<PathBuf>,
    /// Directory holding the reference plugins (`python.so`, `logfile.so`, `csv.so`).
    pub plugin_src_dir: PathBuf,
    pub types_db: PathBuf,
    pub ours: PathBuf,
    pub timeout: Duration,
    pub keep: bool,
}

fn absolute(p: PathBuf) -> PathBuf {
    if p.is_absolute() {
        p
    } else {
        std::env::current_dir().expect("cwd").join(p)
    }
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(|v| absolute(PathBuf::from(v)))
}

/// Default location of our cdylib: `target/<profile>/libcollectd_python.so`
/// (the test executable lives in `target/<profile>/deps/`).
fn default_ours() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("exe dir");
    let profile = if deps.file_name().is_some_and(|n| n == "deps") {
        deps.parent().expect("profile dir")
    } else {
        deps
    };
    profile.join("libcollectd_python.so")
}

pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let sysroot = env_path("CDPY_SYSROOT");
        // A value without '/' is a program name looked up in PATH.
        let qemu = std::env::var_os("CDPY_QEMU")
            .filter(|v| !v.is_empty())
            .map(|v| {
                if v.to_string_lossy().contains('/') {
                    absolute(PathBuf::from(v))
                } else {
                    PathBuf::from(v)
                }
            });
        let root = sysroot.clone().unwrap_or_else(|| PathBuf::from("/"));
        let collectd_bin =
            env_path("CDPY_COLLECTD").unwrap_or_else(|| root.join("usr/sbin/collectd"));
        let mut collectd = Vec::new();
        let emulated = qemu.is_some();
        if let Some(q) = qemu {
            let s = sysroot
                .clone()
                .expect("CDPY_QEMU requires CDPY_SYSROOT (the target's root for -L)");
            collectd.push(q);
            collectd.push(PathBuf::from("-L"));
            collectd.push(s);
        } else if let Some(s) = &sysroot {
            collectd.extend(root_loader(s));
        }
        collectd.push(collectd_bin);
        let timeout_default = if emulated { 90.0 } else { 20.0 };
        let timeout = std::env::var("CDPY_TIMEOUT")
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(timeout_default);
        Env {
            collectd,
            plugin_src_dir: root.join("usr/lib/collectd"),
            types_db: root.join("usr/share/collectd/types.db"),
            sysroot,
            ours: env_path("CDPY_PLUGIN").unwrap_or_else(default_ours),
            timeout: Duration::from_secs_f64(timeout),
            keep: std::env::var("CDPY_KEEP").is_ok_and(|v| v == "1"),
        }
    })
}

/// The command prefix that runs a native root's programs with the root's own
/// glibc: its dynamic loader with `--library-path` over the root's library dirs.
fn root_loader(root: &Path) -> Vec<PathBuf> {
    let multiarch = format!("{}-linux-gnu", std::env::consts::ARCH);
    let dirs = [
        root.join("lib").join(&multiarch),
        root.join("usr/lib").join(&multiarch),
    ];
    let loader = fs::read_dir(&dirs[1])
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("ld-linux"))
        })
        .unwrap_or_else(|| {
            panic!(
                "CDPY_SYSROOT {} has no {}/ld-linux*",
                root.display(),
                dirs[1].display()
            )
        });
    let path = std::env::join_paths(&dirs).expect("library path");
    vec![loader, PathBuf::from("--library-path"), PathBuf::from(path)]
}

/// The CPython version of the daemon's Python as (3, minor): `CDPY_PYTHON_VERSION`,
/// else the only `usr/lib/python3.X` of `CDPY_SYSROOT`, else 3.11 (Debian 12).
pub fn python_version() -> (u32, u32) {
    static V: OnceLock<(u32, u32)> = OnceLock::new();
    *V.get_or_init(|| {
        let parse = |s: &str| -> Option<(u32, u32)> {
            let (a, b) = s.trim().split_once('.')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        };
        if let Ok(v) = std::env::var("CDPY_PYTHON_VERSION") {
            if !v.is_empty() {
                return parse(&v).unwrap_or_else(|| panic!("CDPY_PYTHON_VERSION={v:?}: want 3.X"));
            }
        }
        let root = env().sysroot.clone().unwrap_or_else(|| PathBuf::from("/"));
        let found: Vec<(u32, u32)> = fs::read_dir(root.join("usr/lib"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                let v = n.strip_prefix("python")?;
                let v = parse(v)?;
                e.path().join("os.py").exists().then_some(v)
            })
            .collect();
        match found.as_slice() {
            [v] => *v,
            _ if env().sysroot.is_none() => (3, 11),
            _ => panic!(
                "cannot tell the Python version of {}: set CDPY_PYTHON_VERSION",
                root.display()
            ),
        }
    })
}

/// True when the daemon's CPython is at least 3.`minor`.
pub fn python_at_least(minor: u32) -> bool {
    python_version() >= (3, minor)
}

/// CPython's own wording where it changed between the versions we run against
/// (the differential tests take the exact text from the C plugin of the same root;
/// these are for the tests that also spell it out).
pub mod cpython {
    use super::python_at_least;

    /// PyArg's message for an unknown keyword argument.
    pub fn unknown_keyword(func: &str, name: &str) -> String {
        if python_at_least(13) {
            format!("{func} got an unexpected keyword argument '{name}'")
        } else {
            format!("'{name}' is an invalid keyword argument for {func}")
        }
    }

    /// Setting an attribute a `__dict__`-less type does not have.
    pub fn no_attribute_to_set(ty: &str, name: &str) -> String {
        if python_at_least(13) {
            format!("'{ty}' object has no attribute '{name}' and no __dict__ for setting new attributes")
        } else {
            format!("'{ty}' object has no attribute '{name}'")
        }
    }
}

/// Parent of all run dirs: `$CDPY_RUN_DIR`, else `$CARGO_TARGET_TMPDIR/cdpy-runs`
/// unless that path has a component starting with a dot (collectd's csv
/// plugin refuses to create directories below such paths), else
/// `<temp dir>/cdpy-runs`.
pub fn runs_root() -> PathBuf {
    if let Some(d) = env_path("CDPY_RUN_DIR") {
        return d;
    }
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cdpy-runs");
    let dotted = target
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
    if dotted {
        absolute(std::env::temp_dir()).join("cdpy-runs")
    } else {
        target
    }
}

/// `tests/plugins` (absolute).
pub fn plugins_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins")
}

// ---------------------------------------------------------------------------
// Run configuration

/// What a run waits for before it sends SIGTERM.
pub enum Until {
    /// Wait for the daemon to exit by itself (default in `-T` mode).
    Exit,
    /// Wait until the log file contains this substring.
    Log(String),
    /// Wait until the log file contains this substring at least n times.
    LogCount(String, usize),
    /// Wait until this file (relative to the run dir) exists.
    File(String),
    /// Arbitrary predicate over the running state.
    Fn(Box<dyn Fn(&Probe) -> bool + Send>),
}

/// View of a run in progress, handed to `Until::Fn`.
pub struct Probe<'a> {
    pub dir: &'a Path,
    /// The daemon's process (under qemu-user: the emulator running it).
    pub pid: u32,
}

impl Probe<'_> {
    /// The daemon's resident set size in KiB (`VmRSS` of /proc/<pid>/status).
    pub fn rss_kib(&self) -> u64 {
        let st = fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        st.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("collectd.log")).unwrap_or_default()
    }
    pub fn out_file(&self, name: &str) -> String {
        fs::read_to_string(self.dir.join("out").join(name)).unwrap_or_default()
    }
    pub fn csv(&self) -> Vec<CsvFile> {
        read_csv_dir(&self.dir.join("csv"))
    }
}

/// Builder for one daemon run.
pub struct Run {
    plugin: Plugin,
    name: String,
    interval: String,
    log_level: String,
    globals: bool,
    load_python: bool,
    logfile: bool,
    python: Option<String>,
    extra_before: String,
    extra_after: String,
    test_read: bool,
    until: Option<Until>,
    timeout: Duration,
    envs: Vec<(String, String)>,
    stdin: Option<String>,
    more_plugins: Vec<String>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Run {
    /// A run of `plugin`; `name` (e.g. the test name) names the run dir.
    pub fn new(plugin: Plugin, name: &str) -> Run {
        Run {
            plugin,
            name: name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_"),
            interval: "1".into(),
            log_level: "info".into(),
            globals: true,
            load_python: true,
            logfile: true,
            python: None,
            extra_before: String::new(),
            extra_after: String::new(),
            test_read: false,
            until: None,
            timeout: env().timeout,
            envs: Vec::new(),
            stdin: None,
            more_plugins: Vec::new(),
        }
    }

    /// Feed `text` to the daemon's standard input (default: /dev/null).
    pub fn stdin(mut self, text: &str) -> Run {
        self.stdin = Some(text.to_string());
        self
    }

    /// Body of `<Plugin python>` (verbatim; `@PLUGINS@` is replaced by the
    /// absolute `tests/plugins` path and `@RUNDIR@` by the run dir).
    /// Without it no `<Plugin python>` block is written.
    pub fn python(mut self, body: &str) -> Run {
        self.python = Some(body.to_string());
        self
    }

    /// Convenience: `ModulePath "<tests/plugins>"` + `Import "<m>"` for each module.
    pub fn import(self, modules: &[&str]) -> Run {
        let mut body = String::from("ModulePath \"@PLUGINS@\"\n");
        for m in modules {
            body.push_str(&format!("Import \"{m}\"\n"));
        }
        self.python(&body)
    }

    pub fn interval(mut self, seconds: &str) -> Run {
        self.interval = seconds.to_string();
        self
    }

    /// logfile LogLevel (`info` by default).
    pub fn log_level(mut self, level: &str) -> Run {
        self.log_level = level.to_string();
        self
    }

    /// `Globals` inside `<LoadPlugin python>` (true by default).
    pub fn globals(mut self, on: bool) -> Run {
        self.globals = on;
        self
    }

    /// Omit `LoadPlugin python` entirely (for raw configs in `extra_*`).
    pub fn no_load_python(mut self) -> Run {
        self.load_python = false;
        self
    }

    /// Omit the `logfile` plugin (no log callback at all: collectd then
    /// writes log messages to stderr, and nothing consumes notifications).
    pub fn no_logfile(mut self) -> Run {
        self.logfile = false;
        self
    }

    /// Raw config text inserted before the `LoadPlugin python` block.
    pub fn extra_before(mut self, text: &str) -> Run {
        self.extra_before.push_str(text);
        self.extra_before.push('\n');
        self
    }

    /// Raw config text appended at the end of the file.
    pub fn extra_after(mut self, text: &str) -> Run {
        self.extra_after.push_str(text);
        self.extra_after.push('\n');
        self
    }

    /// `-T`: read once, then exit.
    pub fn test_read(mut self) -> Run {
        self.test_read = true;
        self
    }

    pub fn until(mut self, until: Until) -> Run {
        self.until = Some(until);
        self
    }

    pub fn until_log(self, needle: &str) -> Run {
        self.until(Until::Log(needle.to_string()))
    }

    pub fn timeout(mut self, t: Duration) -> Run {
        self.timeout = t;
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Run {
        self.envs.push((key.to_string(), value.to_string()));
        self
    }

    fn make_dir(&self) -> PathBuf {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = runs_root().join(format!(
            "{}-{}-{}-{}",
            self.name,
            self.plugin,
            std::process::id(),
            n
        ));
        let _ = fs::remove_dir_all(&dir);
        for sub in ["plugins", "out", "csv"] {
            fs::create_dir_all(dir.join(sub)).expect("create run dir");
        }
        dir
    }

    /// Also install these plugins of the daemon's own (`unixsock`, `exec`, ...).
    pub fn plugins(mut self, names: &[&str]) -> Run {
        self.more_plugins
            .extend(names.iter().map(|n| n.to_string()));
        self
    }

    fn install_plugins(&self, dir: &Path) {
        let e = env();
        let pdir = dir.join("plugins");
        let python_src = match self.plugin {
            Plugin::C => e.plugin_src_dir.join("python.so"),
            Plugin::Ours => e.ours.clone(),
        };
        assert!(
            python_src.is_file(),
            "{} plugin not found at {} (build the crate or set CDPY_PLUGIN)",
            self.plugin,
            python_src.display()
        );
        // Always copy: collectd refuses to load plugins that are symlinks.
        fs::copy(&python_src, pdir.join("python.so")).expect("copy python.so");
        let more = self.more_plugins.iter().map(|n| format!("{n}.so"));
        for p in ["logfile.so".to_string(), "csv.so".to_string()]
            .into_iter()
            .chain(more)
        {
            let src = e.plugin_src_dir.join(&p);
            fs::copy(&src, pdir.join(p))
                .unwrap_or_else(|err| panic!("copy {}: {err}", src.display()));
        }
    }

    /// The generated collectd.conf.
    pub fn config_text(&self, dir: &Path) -> String {
        let e = env();
        let d = dir.display();
        let mut c = String::new();
        c.push_str("Hostname \"testhost\"\nFQDNLookup false\n");
        c.push_str(&format!("BaseDir \"{d}\"\nPIDFile \"{d}/collectd.pid\"\n"));
        c.push_str(&format!("PluginDir \"{d}/plugins\"\n"));
        c.push_str(&format!("TypesDB \"{}\"\n", e.types_db.display()));
        c.push_str(&format!("Interval {}\n\n", self.interval));
        if self.logfile {
            c.push_str("LoadPlugin logfile\n<Plugin logfile>\n");
            c.push_str(&format!("  LogLevel {}\n", self.log_level));
            c.push_str(&format!("  File \"{d}/collectd.log\"\n"));
            c.push_str("  Timestamp false\n  PrintSeverity true\n</Plugin>\n\n");
        }
        c.push_str("LoadPlugin csv\n<Plugin csv>\n");
        c.push_str(&format!(
            "  DataDir \"{d}/csv\"\n  StoreRates false\n</Plugin>\n\n"
        ));
        c.push_str(&self.subst(&self.extra_before, dir));
        if self.load_python {
            c.push_str(&format!(
                "<LoadPlugin python>\n  Globals {}\n</LoadPlugin>\n",
                self.globals
            ));
        }
        if let Some(body) = &self.python {
            c.push_str("<Plugin python>\n");
            c.push_str(&self.subst(body, dir));
            c.push_str("\n</Plugin>\n");
        }
        c.push_str(&self.subst(&self.extra_after, dir));
        c
    }

    fn subst(&self, text: &str, dir: &Path) -> String {
        text.replace("@PLUGINS@", &plugins_dir().display().to_string())
            .replace("@RUNDIR@", &dir.display().to_string())
    }

    /// Starts the daemon, waits for the condition, stops it, collects results.
    pub fn run(self) -> RunResult {
        let e = env();
        let dir = self.make_dir();
        self.install_plugins(&dir);
        let conf = dir.join("collectd.conf");
        fs::write(&conf, self.config_text(&dir)).expect("write config");

        let stdout = fs::File::create(dir.join("stdout.txt")).expect("stdout file");
        let stderr = fs::File::create(dir.join("stderr.txt")).expect("stderr file");
        let mut cmd = Command::new(&e.collectd[0]);
        cmd.args(&e.collectd[1..]).arg("-f");
        if self.test_read {
            cmd.arg("-T");
        }
        cmd.arg("-C").arg(&conf);
        cmd.current_dir(&dir)
            .stdin(match &self.stdin {
                Some(text) => {
                    let f = dir.join("stdin.txt");
                    fs::write(&f, text).expect("stdin file");
                    Stdio::from(fs::File::open(&f).expect("stdin file"))
                }
                None => Stdio::null(),
            })
            .stdout(stdout)
            .stderr(stderr)
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME")
            .env_remove("PYTHONSTARTUP")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("CDPY_OUT", dir.join("out"));
        if let Some(s) = &e.sysroot {
            cmd.env("PYTHONHOME", s.join("usr"))
                .env("QEMU_LD_PREFIX", s);
        }
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        let start = Instant::now();
        let mut child = ChildGuard(
            cmd.spawn()
                .unwrap_or_else(|err| panic!("spawn {:?}: {err}", e.collectd)),
        );
        let child = &mut child.0;

        let until = self.until.unwrap_or(if self.test_read {
            Until::Exit
        } else {
            Until::Log("Initialization complete, entering read-loop.".into())
        });
        let probe = Probe {
            dir: &dir,
            pid: child.id(),
        };
        let mut condition_met = false;
        let mut timed_out = false;
        let mut sent_term = false;
        let mut killed = false;
        let status;
        loop {
            if let Some(st) = child.try_wait().expect("try_wait") {
                condition_met =
                    condition_met || matches!(until, Until::Exit) || check(&until, &probe);
                status = st;
                break;
            }
            if !condition_met && check(&until, &probe) {
                condition_met = true;
            }
            if condition_met || start.elapsed() > self.timeout {
                timed_out = !condition_met;
                sent_term = true;
                status = stop(child, self.timeout, &mut killed);
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let read = |n: &str| {
            let b = fs::read(dir.join(n)).unwrap_or_default();
            String::from_utf8_lossy(&b).into_owned()
        };
        RunResult {
            plugin: self.plugin,
            status,
            stdout: read("stdout.txt"),
            stderr: read("stderr.txt"),
            log: read("collectd.log"),
            condition_met,
            timed_out,
            sent_term,
            killed,
            elapsed: start.elapsed(),
            keep: e.keep,
            dir,
        }
    }
}

fn check(until: &Until, probe: &Probe) -> bool {
    match until {
        Until::Exit => false,
        Until::Log(s) => probe.log().contains(s.as_str()),
        Until::LogCount(s, n) => probe.log().matches(s.as_str()).count() >= *n,
        Until::File(f) => probe.dir.join(f).exists(),
        Until::Fn(f) => f(probe),
    }
}

fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Kills the daemon if the harness panics while it runs.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// SIGTERM, wait up to `grace`, then SIGKILL.
fn stop(child: &mut Child, grace: Duration, killed: &mut bool) -> ExitStatus {
    signal(child.id(), "TERM");
    let t = Instant::now();
    while t.elapsed() < grace {
        if let Some(st) = child.try_wait().expect("try_wait") {
            return st;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    *killed = true;
    let _ = child.kill();
    child.wait().expect("wait")
}

// ---------------------------------------------------------------------------
// Results

/// One csv file written by the csv plugin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvFile {
    /// `<host>/<plugin>[-<plugin_instance>]/<type>[-<type_instance>]`
    /// (the `-YYYY-MM-DD` date suffix removed).
    pub key: String,
    /// First line, e.g. `epoch,rx,tx`.
    pub header: String,
    /// Remaining lines split at commas (first field is the epoch).
    pub rows: Vec<Vec<String>>,
}

impl CsvFile {
    /// Rows without the epoch column.
    pub fn values(&self) -> Vec<Vec<String>> {
        self.rows.iter().map(|r| r[1..].to_vec()).collect()
    }
}

fn strip_date_suffix(name: &str) -> &str {
    // "...-YYYY-MM-DD"
    if name.len() > 11 {
        let (head, tail) = name.split_at(name.len() - 11);
        let b = tail.as_bytes();
        let is_date = b[0] == b'-'
            && b[5] == b'-'
            && b[8] == b'-'
            && [1, 2, 3, 4, 6, 7, 9, 10]
                .iter()
                .all(|&i| b[i].is_ascii_digit());
        if is_date {
            return head;
        }
    }
    name
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

/// All csv files below `root`, merged per key (several dates → one entry),
/// sorted by key.
pub fn read_csv_dir(root: &Path) -> Vec<CsvFile> {
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    let mut map: BTreeMap<String, CsvFile> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        let key = strip_date_suffix(&rel).to_string();
        let text = fs::read_to_string(&f).unwrap_or_default();
        let mut lines = text.lines();
        let header = lines.next().unwrap_or("").to_string();
        let rows: Vec<Vec<String>> = lines
            .filter(|l| !l.is_empty())
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        map.entry(key.clone())
            .or_insert_with(|| CsvFile {
                key,
                header,
                rows: Vec::new(),
            })
            .rows
            .extend(rows);
    }
    map.into_values().collect()
}

/// Everything observed from one daemon run.
pub struct RunResult {
    pub plugin: Plugin,
    pub dir: PathBuf,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// Contents of the logfile plugin's file.
    pub log: String,
    /// The awaited condition was observed.
    pub condition_met: bool,
    /// The condition was not met before the timeout.
    pub timed_out: bool,
    /// The harness sent SIGTERM (i.e. the daemon did not exit by itself first).
    pub sent_term: bool,
    /// The daemon ignored SIGTERM and had to be SIGKILLed.
    pub killed: bool,
    pub elapsed: Duration,
    keep: bool,
}

impl Drop for RunResult {
    fn drop(&mut self) {
        if std::thread::panicking() || self.keep {
            eprintln!("[{}] run dir kept: {}", self.plugin, self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Severity prefixes written by the logfile plugin with `PrintSeverity true`.
const SEVERITIES: [&str; 5] = ["[error] ", "[warning] ", "[notice] ", "[info] ", "[debug] "];

impl RunResult {
    /// stdout followed by stderr.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    pub fn exit_code(&self) -> Option<i32> {
        self.status.code()
    }

    /// The signal that killed the daemon, if one did.
    pub fn signal(&self) -> Option<i32> {
        std::os::unix::process::ExitStatusExt::signal(&self.status)
    }

    /// Raw log lines (a multi-line message spans several lines).
    pub fn log_lines(&self) -> Vec<&str> {
        self.log.lines().collect()
    }

    /// Log messages: a line starting with a severity prefix starts a new
    /// message, other lines continue the previous one (tracebacks).
    pub fn log_messages(&self) -> Vec<String> {
        split_messages(&self.log)
    }

    /// Whether some log message is exactly `msg` (e.g. `[error] foo`).
    pub fn has_log(&self, msg: &str) -> bool {
        self.log_messages().iter().any(|m| m == msg)
    }

    /// Messages equal to `pattern`, where a `{N}` in it stands for a decimal number
    /// (CPython's own source line numbers, which differ between builds).
    pub fn count_log_like(&self, pattern: &str) -> usize {
        let Some((pre, post)) = pattern.split_once("{N}") else {
            return self.count_log(pattern);
        };
        self.log_messages()
            .iter()
            .filter(|m| {
                m.strip_prefix(pre)
                    .and_then(|r| r.strip_suffix(post))
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
            .count()
    }

    pub fn count_log(&self, msg: &str) -> usize {
        self.log_messages().iter().filter(|m| *m == msg).count()
    }

    /// Messages containing `needle`.
    pub fn log_containing(&self, needle: &str) -> Vec<String> {
        self.log_messages()
            .into_iter()
            .filter(|m| m.contains(needle))
            .collect()
    }

    /// Asserts that the log contains the exact message `msg`.
    #[track_caller]
    pub fn assert_log(&self, msg: &str) {
        assert!(
            self.has_log(msg),
            "[{}] expected log message {msg:?}\n{}",
            self.plugin,
            self.dump()
        );
    }

    /// Asserts that no log message contains `needle`.
    #[track_caller]
    pub fn assert_no_log(&self, needle: &str) {
        let found = self.log_containing(needle);
        assert!(
            found.is_empty(),
            "[{}] unexpected log messages containing {needle:?}: {found:?}\n{}",
            self.plugin,
            self.dump()
        );
    }

    /// Asserts that the messages appear in this relative order.
    #[track_caller]
    pub fn assert_log_order(&self, msgs: &[&str]) {
        let all = self.log_messages();
        let mut pos = 0;
        for m in msgs {
            match all[pos..].iter().position(|x| x == m) {
                Some(i) => pos += i + 1,
                None => panic!(
                    "[{}] log message {m:?} missing or out of order (wanted {msgs:?})\n{}",
                    self.plugin,
                    self.dump()
                ),
            }
        }
    }

    /// The daemon started, ran and exited cleanly (status 0, no config error).
    #[track_caller]
    pub fn assert_clean_exit(&self) {
        assert!(
            self.status.success() && !self.killed,
            "[{}] expected clean exit\n{}",
            self.plugin,
            self.dump()
        );
        assert!(
            !self
                .stderr
                .contains("Error: Parsing the config file failed!"),
            "[{}] config failed\n{}",
            self.plugin,
            self.dump()
        );
    }

    /// The awaited condition was reached.
    #[track_caller]
    pub fn assert_condition(&self) {
        assert!(
            self.condition_met,
            "[{}] awaited condition not met (timed_out={})\n{}",
            self.plugin,
            self.timed_out,
            self.dump()
        );
    }

    /// Parsed csv output, sorted by key.
    pub fn csv(&self) -> Vec<CsvFile> {
        read_csv_dir(&self.dir.join("csv"))
    }

    /// `key -> (header, rows without epoch)`: comparable between runs.
    pub fn csv_normalized(&self) -> BTreeMap<String, (String, Vec<Vec<String>>)> {
        self.csv()
            .into_iter()
            .map(|f| {
                let v = f.values();
                (f.key, (f.header, v))
            })
            .collect()
    }

    /// Contents of `$CDPY_OUT/<name>` ("" if the script did not write it).
    pub fn out(&self, name: &str) -> String {
        fs::read_to_string(self.dir.join("out").join(name)).unwrap_or_default()
    }

    /// Lines of `$CDPY_OUT/<name>`.
    pub fn out_lines(&self, name: &str) -> Vec<String> {
        self.out(name).lines().map(str::to_string).collect()
    }

    /// All files the scripts wrote into `$CDPY_OUT` (name -> contents).
    pub fn out_files(&self) -> BTreeMap<String, String> {
        let root = self.dir.join("out");
        let mut files = Vec::new();
        walk(&root, &mut files);
        files
            .into_iter()
            .map(|f| {
                let rel = f
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let b = fs::read(&f).unwrap_or_default();
                (rel, String::from_utf8_lossy(&b).into_owned())
            })
            .collect()
    }

    /// Human-readable summary for assertion messages.
    pub fn dump(&self) -> String {
        let mut s = format!(
            "--- run [{}] dir={} status={:?} condition_met={} timed_out={} sent_term={} killed={} elapsed={:?}\n",
            self.plugin,
            self.dir.display(),
            self.status,
            self.condition_met,
            self.timed_out,
            self.sent_term,
            self.killed,
            self.elapsed
        );
        s.push_str(&format!(
            "--- stdout:\n{}\n--- stderr:\n{}\n--- log:\n{}\n",
            self.stdout, self.stderr, self.log
        ));
        for (name, text) in self.out_files() {
            s.push_str(&format!("--- out/{name}:\n{text}\n"));
        }
        s
    }
}

/// Splits logfile text into messages (see `RunResult::log_messages`).
pub fn split_messages(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let starts =
            SEVERITIES.iter().any(|p| line.starts_with(p)) || line.starts_with("[unknown] ");
        match out.last_mut() {
            Some(last) if !starts => {
                last.push('\n');
                last.push_str(line);
            }
            _ => out.push(line.to_string()),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Normalisation for differential comparison

/// Removes a leading `[YYYY-MM-DD HH:MM:SS] ` timestamp.
pub fn strip_timestamp(line: &str) -> &str {
    let b = line.as_bytes();
    if b.len() >= 22
        && b[0] == b'['
        && b[20] == b']'
        && b[21] == b' '
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5] == b'-'
        && b[11] == b' '
    {
        &line[22..]
    } else {
        line
    }
}

/// Replaces every `0x<hex>` by `0xADDR`.
pub fn mask_pointers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'0'
            && i + 2 < b.len()
            && (b[i + 1] == b'x' || b[i + 1] == b'X')
            && b[i + 2].is_ascii_hexdigit()
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
        {
            out.push_str("0xADDR");
            i += 2;
            while i < b.len() && b[i].is_ascii_hexdigit() {
                i += 1;
            }
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Replaces `Dummy-<digits>` thread names by `Dummy-N`.
pub fn mask_dummy_threads(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("Dummy-") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push('N');
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// Normalises log text line by line: timestamps stripped, pointers and dummy
/// thread numbers masked, lines containing any of `drop` removed.
pub fn normalize_log(text: &str, drop: &[&str]) -> Vec<String> {
    text.lines()
        .map(strip_timestamp)
        .filter(|l| !drop.iter().any(|d| l.contains(d)))
        .map(|l| mask_dummy_threads(&mask_pointers(l)))
        .collect()
}

/// Normalised log messages (multi-line messages kept together), optionally
/// sorted (for messages logged from concurrent threads).
pub fn normalize_messages(text: &str, drop: &[&str], sort: bool) -> Vec<String> {
    let mut m: Vec<String> = split_messages(text)
        .into_iter()
        .filter(|l| !drop.iter().any(|d| l.contains(d)))
        .map(|l| mask_dummy_threads(&mask_pointers(strip_timestamp(&l))))
        .collect();
    if sort {
        m.sort();
    }
    m
}

/// Splits an observation file into blocks (a line not starting with
/// whitespace starts a block) and sorts them; for output written from
/// concurrent write threads.
pub fn sorted_blocks(text: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in text.lines() {
        match blocks.last_mut() {
            Some(b) if line.starts_with(' ') => {
                b.push('\n');
                b.push_str(line);
            }
            _ => blocks.push(line.to_string()),
        }
    }
    blocks.sort();
    blocks
}

/// Runs the same configuration under both plugins (concurrently) and returns
/// `(c, ours)`.
/// Pointer width of the target whose collectd runs the tests (set by
/// ci/cross-test.sh; 64 natively). The C plugin's flush handler crashes on
/// 32-bit ABIs (B-CB-12: it reads a 64-bit cdtime as `int`).
pub fn pointer_width() -> u32 {
    std::env::var("CDPY_POINTER_WIDTH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

pub fn run_both(make: impl Fn(Plugin) -> Run + Sync) -> (RunResult, RunResult) {
    std::thread::scope(|s| {
        let c = s.spawn(|| make(Plugin::C).run());
        let o = s.spawn(|| make(Plugin::Ours).run());
        (c.join().expect("C run"), o.join().expect("ours run"))
    })
}

/// Asserts equality of a derived view of both runs, printing both dumps on
/// mismatch.
#[track_caller]
pub fn assert_same<T: PartialEq + fmt::Debug>(
    what: &str,
    c: &RunResult,
    ours: &RunResult,
    f: impl Fn(&RunResult) -> T,
) {
    let (a, b) = (f(c), f(ours));
    if a != b {
        panic!(
            "differential mismatch in {what}:\n C:    {a:#?}\n ours: {b:#?}\n{}\n{}",
            c.dump(),
            ours.dump()
        );
    }
}

// ---------------------------------------------------------------------------
// Line-oriented differential comparison (api_* conformance tests)

/// Human-readable difference of two line lists: index-wise when both have
/// the same length, else the lines found only on one side. Empty when equal.
pub fn diff_lines(c: &[String], ours: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    if c.len() == ours.len() {
        for (a, b) in c.iter().zip(ours) {
            if a != b {
                out.push(format!("  C:    {a}\n  ours: {b}"));
            }
        }
    } else {
        let mut rest: Vec<&String> = ours.iter().collect();
        for a in c {
            match rest.iter().position(|b| *b == a) {
                Some(i) => {
                    rest.remove(i);
                }
                None => out.push(format!("  only C:    {a}")),
            }
        }
        for b in rest {
            out.push(format!("  only ours: {b}"));
        }
    }
    out
}

/// Asserts that a line-oriented view of both runs is identical; on mismatch
/// panics with only the differing lines (plus both run dumps).
#[track_caller]
pub fn assert_same_lines(
    what: &str,
    c: &RunResult,
    ours: &RunResult,
    f: impl Fn(&RunResult) -> Vec<String>,
) {
    let (a, b) = (f(c), f(ours));
    let d = diff_lines(&a, &b);
    if !d.is_empty() {
        panic!(
            "differential mismatch in {what} ({} differing):\n{}\n{}\n{}",
            d.len(),
            d.join("\n"),
            c.dump(),
            ours.dump()
        );
    }
}

/// Asserts that `$CDPY_OUT/<fname>` of `r` contains every line of `want`.
#[track_caller]
pub fn assert_out_has(r: &RunResult, fname: &str, want: &[&str]) {
    let lines = r.out_lines(fname);
    let missing: Vec<&&str> = want
        .iter()
        .filter(|w| !lines.iter().any(|l| l == **w))
        .collect();
    assert!(
        missing.is_empty(),
        "[{}] {fname} lacks expected lines:\n{}\n{}",
        r.plugin,
        missing
            .iter()
            .map(|m| format!("  {m}"))
            .collect::<Vec<_>>()
            .join("\n"),
        r.dump()
    );
}
