//! CPython's lifecycle inside collectd: start-up from the first config block
//! (B-INIT), the GIL / thread-state policy (B-THR), and finalization once the
//! last callback is gone (B-SHUT).
//!
//! Thread states: unlike the C plugin (which creates and destroys a thread
//! state around every callback, B-THR-03), each collectd thread that enters
//! Python keeps one thread state for its whole life. `threading.local` data
//! therefore survives between callbacks, and a callback costs a GIL hand-over
//! instead of a thread-state allocation. The state is deleted when the thread
//! exits (unixsock and exec run a thread per request: without that, each one
//! would leave a thread state behind).
use crate::python::Gil;
use crate::python::{Logged, Owned};
use core::cell::Cell;
use core::ffi::CStr;
use core::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use pyo3_ffi::*;
use std::sync::OnceLock;

/// Python is initialised and not yet finalized.
static ALIVE: AtomicBool = AtomicBool::new(false);
/// The plugin's shutdown callback ran (C: `cpy_shutdown_triggered`).
static SHUTDOWN_TRIGGERED: AtomicBool = AtomicBool::new(false);
/// Live callbacks of every kind (C: `cpy_num_callbacks`); finalization happens
/// when it drops to zero after shutdown was triggered.
static LIVE: AtomicIsize = AtomicIsize::new(0);
/// The main thread released the GIL it held since start-up (B-INIT-08): in the
/// init phase, or when it handed Python over to the interactive session.
static CONFIG_RELEASED: AtomicBool = AtomicBool::new(false);

/// CPython's own SIGINT disposition, saved at start-up for interactive mode.
static PY_SIGINT: OnceLock<libc::sigaction> = OnceLock::new();
/// collectd's main thread (the one that ran init), signalled when the REPL ends.
static MAIN_THREAD: AtomicUsize = AtomicUsize::new(0);
/// An interactive session is running (the C plugin's `state == NULL`).
static REPL_RUNNING: AtomicBool = AtomicBool::new(false);

extern "C" {
    /// The C library's standard input stream, read by the interactive loop.
    static mut stdin: *mut libc::FILE;
}

/// Held while a thread state is deleted at thread exit, and while the
/// interpreter is finalized, so that neither runs into the other. Lock order:
/// this lock, then the GIL.
static STATES: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    /// This thread has a long-lived Python thread state (see module docs).
    static KEPT: Cell<bool> = const { Cell::new(false) };
    /// The state with_gil created for this thread (null: none), deleted when the
    /// thread exits.
    static CREATED: ReleaseAtExit = const { ReleaseAtExit(Cell::new(core::ptr::null_mut())) };
}

/// Deletes the thread state that with_gil created for this thread, from the
/// thread-local destructors that run when the thread exits.
struct ReleaseAtExit(Cell<*mut PyThreadState>);

impl Drop for ReleaseAtExit {
    fn drop(&mut self) {
        let ts = self.0.replace(core::ptr::null_mut());
        if ts.is_null() {
            return;
        }
        let _ = std::panic::catch_unwind(|| {
            let _lock = STATES.lock().unwrap_or_else(|e| e.into_inner());
            if !is_alive() {
                return; // Py_Finalize freed every thread state
            }
            // SAFETY: Python is initialised and cannot be finalized while we hold
            // STATES. `ts` is this thread's state, parked (GIL not held: with_gil's
            // Ensure/Release pairs are balanced here). Where it is still bound to
            // the thread (gilstate counter 1; glibc runs Rust's TLS destructors
            // before the thread-specific values are cleared), Ensure
            // takes the GIL (counter 2), the LOCKED release only drops the counter
            // to 1, the UNLOCKED one to 0, which clears and deletes the current
            // thread state and releases the GIL.
            unsafe {
                if PyGILState_GetThisThreadState() == ts {
                    let _ = PyGILState_Ensure();
                    PyGILState_Release(PyGILState_STATE::PyGILState_LOCKED);
                    PyGILState_Release(PyGILState_STATE::PyGILState_UNLOCKED);
                } else {
                    // musl zeroes every thread-specific value, CPython's gilstate
                    // binding included, as it runs the key destructors (Rust's TLS
                    // destructors are one of them there): Ensure would make a second
                    // state. `ts` is still this thread's parked state (GIL not held):
                    // take it back, clear it and delete it, which releases the GIL.
                    PyEval_RestoreThread(ts);
                    PyThreadState_Clear(ts);
                    PyThreadState_DeleteCurrent();
                }
            }
            KEPT.with(|k| k.set(false));
        });
    }
}

pub fn is_alive() -> bool {
    ALIVE.load(Ordering::Acquire)
}

/// Starts the interpreter (B-INIT-01..03) with `name` as a built-in module made by
/// `init`. Called with no GIL, from the main thread, on the first `<Plugin
/// python>` block. On success this thread holds the GIL until
/// [`release_after_config`] (B-INIT-08).
pub fn start(name: &'static CStr, init: extern "C" fn() -> *mut PyObject) -> Result<(), Logged> {
    // SAFETY: Python is not initialised yet; AppendInittab must precede
    // initialization and keeps the (static) name.
    unsafe {
        PyImport_AppendInittab(name.as_ptr(), Some(init));
    }
    make_libpython_global();
    // B-INIT-02: SIG_DFL while CPython installs its SIGINT handler, then restore
    // the previous disposition (collectd installs its own later).
    // SAFETY: plain sigaction calls on valid, zeroed structs.
    unsafe {
        let mut old: libc::sigaction = core::mem::zeroed();
        let mut dfl: libc::sigaction = core::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(libc::SIGINT, &dfl, &mut old);
        let started = initialize();
        let mut py: libc::sigaction = core::mem::zeroed();
        libc::sigaction(libc::SIGINT, &old, &mut py);
        let _ = PY_SIGINT.set(py);
        started?;
    }
    ALIVE.store(true, Ordering::Release);
    KEPT.with(|k| k.set(true));
    Ok(())
}

/// `Py_Initialize()` as the C plugin calls it, through the PyConfig API (3.8+, the
/// same on every version we support): the legacy "compat" configuration that
/// Py_Initialize uses is not public, so start from the Python configuration and
/// turn off what it adds. No C locale coercion (PEP 538) and no UTF-8 mode (PEP 540)
/// unless collectd's locale asks for it, no parsing of argv, no changes to C stdio;
/// `sys.argv == ['']` (B-INIT-03) and, as there is no script, no `''` at the head of
/// `sys.path` (which the C plugin's PySys_SetArgv adds and then removes).
///
/// # Safety
/// Python is not initialised; called once, from the thread that will hold the GIL.
unsafe fn initialize() -> Result<(), Logged> {
    let check = |what: &CStr, st: PyStatus| {
        // SAFETY: PyStatus_Exception only reads the status value.
        if unsafe { PyStatus_Exception(st) } == 0 {
            return Ok(());
        }
        let mut l = crate::python::Line::new();
        l.push_str("python: Unable to initialize the interpreter (")
            .push(what.to_bytes())
            .push_str("): ");
        if !st.err_msg.is_null() {
            // SAFETY: a non-NULL err_msg of a PyStatus is a static C string.
            l.push(unsafe { CStr::from_ptr(st.err_msg) }.to_bytes());
        }
        crate::host::host().log(crate::host::LOG_ERR, l.as_cstr());
        Err(Logged)
    };
    // SAFETY: both structs are plain C data that the Init functions fill in
    // completely before we change a field; the argv array and its empty wide string
    // outlive PyConfig_SetArgv, which copies them; PyConfig_Clear frees the copies.
    unsafe {
        let mut pre: PyPreConfig = core::mem::zeroed();
        PyPreConfig_InitPythonConfig(&mut pre);
        pre.parse_argv = 0;
        pre.coerce_c_locale = 0;
        pre.coerce_c_locale_warn = 0;
        pre.utf8_mode = 0;
        check(c"pre-initialization", Py_PreInitialize(&pre))?;

        let mut config: PyConfig = core::mem::zeroed();
        PyConfig_InitPythonConfig(&mut config);
        config.parse_argv = 0;
        config.configure_c_stdio = 0;
        let empty: [libc::wchar_t; 1] = [0];
        let mut argv: [*const libc::wchar_t; 1] = [empty.as_ptr()];
        let st = PyConfig_SetArgv(&mut config, 1, argv.as_mut_ptr());
        let r =
            check(c"argv", st).and_then(|()| check(c"start-up", Py_InitializeFromConfig(&config)));
        PyConfig_Clear(&mut config);
        r
    }
}

/// collectd loads plugins with RTLD_LOCAL unless `Globals true` (or the name is
/// "python"); extension modules such as `_ctypes` need libpython's symbols
/// globally, so re-open libpython with RTLD_GLOBAL ourselves.
fn make_libpython_global() {
    // SAFETY: dladdr only reads the address of a function in libpython; dlopen with
    // RTLD_NOLOAD just promotes the already-loaded library to global scope.
    unsafe {
        let mut info: libc::Dl_info = core::mem::zeroed();
        let addr = Py_Initialize as *const libc::c_void;
        if libc::dladdr(addr, &mut info) != 0 && !info.dli_fname.is_null() {
            libc::dlopen(
                info.dli_fname,
                libc::RTLD_NOW | libc::RTLD_NOLOAD | libc::RTLD_GLOBAL,
            );
        }
    }
}

/// Init phase, non-interactive (B-THR-02): the main thread drops the GIL it has
/// held since start-up, keeping its thread state.
pub fn release_after_config() {
    if !is_alive() || CONFIG_RELEASED.swap(true, Ordering::AcqRel) {
        return;
    }
    // SAFETY: the main thread holds the GIL since start() (B-INIT-08). Its thread
    // state stays bound to it through the GILState API, where with_gil finds it.
    let _ = unsafe { PyEval_SaveThread() };
}

/// Runs `f` holding the GIL, from any thread. `None` if Python is not running.
pub fn with_gil<R>(f: impl FnOnce(Gil<'_>) -> R) -> Option<R> {
    if !is_alive() {
        return None;
    }
    if !KEPT.with(Cell::get) {
        // First entry of this thread. A thread without a thread state (a collectd
        // thread) gets one that lives until the thread exits: the gilstate counter
        // stays at 1, so the Release below never deletes it. A thread that has
        // one (a Python thread calling into collectd) keeps it as Python made it.
        // SAFETY: Python is initialised; PyGILState_GetThisThreadState only reads
        // this thread's binding; Ensure + SaveThread create and park the state.
        unsafe {
            if PyGILState_GetThisThreadState().is_null() {
                PyGILState_Ensure();
                let ts = PyEval_SaveThread();
                CREATED.with(|c| c.0.set(ts));
            }
        }
        KEPT.with(|k| k.set(true));
    }
    // SAFETY: Python is initialised; Ensure/Release pair up below.
    let g = unsafe { PyGILState_Ensure() };
    // SAFETY: Ensure returned with this thread holding the GIL, and `f` runs
    // before the matching Release below.
    let py = unsafe { Gil::assume() };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(py)));
    if is_alive() {
        // SAFETY: matches the Ensure above; skipped when `f` finalized Python.
        unsafe { PyGILState_Release(g) };
    }
    match r {
        Ok(r) => Some(r),
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// Functions that forget the Python objects a layer above keeps in statics,
/// run just before Py_Finalize (the objects die with the interpreter).
static FINALIZE_HOOKS: std::sync::Mutex<heapless::Vec<fn(), 4>> =
    std::sync::Mutex::new(heapless::Vec::new());

/// Registers `hook` to run before the interpreter is finalized (once per hook).
pub fn on_finalize(hook: fn()) {
    let mut hooks = FINALIZE_HOOKS.lock().unwrap_or_else(|e| e.into_inner());
    if !hooks.iter().any(|h| core::ptr::fn_addr_eq(*h, hook)) {
        // Four slots for two users: a fifth hook would be a design change.
        let _ = hooks.push(hook);
    }
}

/// A callback of any kind came into existence.
pub fn callback_created() {
    LIVE.fetch_add(1, Ordering::AcqRel);
}

/// A callback was released (GIL held). Finalizes Python when it was the last
/// one after shutdown (B-SHUT-01 step 6).
pub fn callback_released(py: Gil<'_>) {
    let left = LIVE.fetch_sub(1, Ordering::AcqRel) - 1;
    if left == 0 && SHUTDOWN_TRIGGERED.load(Ordering::Acquire) {
        // SAFETY: the token proves the GIL.
        unsafe { finalize(py) };
    }
}

/// Marks shutdown and finalizes if no callback is left (B-SHUT-01 step 5).
pub fn shutdown_triggered(py: Gil<'_>) {
    SHUTDOWN_TRIGGERED.store(true, Ordering::Release);
    if LIVE.load(Ordering::Acquire) == 0 {
        // SAFETY: the token proves the GIL.
        unsafe { finalize(py) };
    }
}

/// # Safety
/// GIL held (it is never released again).
unsafe fn finalize(py: Gil<'_>) {
    if repl_running() {
        // The REPL thread is Python's main thread and still inside the loop:
        // Py_Finalize would wait for it forever. The process is exiting anyway.
        return;
    }
    if !is_alive() {
        return;
    }
    // Wait, without the GIL, until no exiting thread is deleting its state.
    let _lock =
        crate::python::allow_threads(py, || STATES.lock().unwrap_or_else(|e| e.into_inner()));
    if ALIVE.swap(false, Ordering::AcqRel) {
        for hook in FINALIZE_HOOKS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            hook();
        }
        crate::python::errors::forget();
        // SAFETY: the token proves the GIL; Python stays unusable afterwards (ALIVE is false).
        unsafe { Py_Finalize() };
    }
}

/// B-LIFE-03: `LoadPlugin python` without a `<Plugin python>` block.
pub fn never_started() -> bool {
    !is_alive() && !CONFIG_RELEASED.load(Ordering::Acquire)
}

/// Interactive mode at init (B-SIG-02, B-SIG-06): start the REPL thread and
/// wait until it has taken over as Python's main thread. Err = init fails.
pub fn start_interactive() -> Result<(), Logged> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe() writes two descriptors into a local array of two.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        crate::host::host().log(crate::host::LOG_ERR, c"python: Unable to create pipe.");
        return Err(Logged);
    }
    // SAFETY: pthread_self has no preconditions.
    MAIN_THREAD.store(unsafe { libc::pthread_self() } as usize, Ordering::Release);
    REPL_RUNNING.store(true, Ordering::Release);
    // The REPL thread takes the GIL with a thread state of its own (3.12+ keep the
    // current thread state per OS thread, so it cannot borrow ours as the C plugin
    // does, which 3.13 aborts on).
    release_after_config();
    let arg = fds[1] as usize as *mut libc::c_void;
    if crate::host::host().spawn(c"python interpreter", interactive_main, arg) {
        let mut buf = 0u8;
        // SAFETY: blocking read of one byte into a local; returns at EOF when the
        // REPL thread closes the write end.
        unsafe {
            let _ = libc::read(fds[0], (&mut buf as *mut u8).cast(), 1);
            libc::close(fds[0]);
        }
        // PyOS_AfterFork_Child in the REPL thread deleted every other thread state,
        // this thread's included, and reset the GILState key: the next with_gil here
        // starts afresh.
        KEPT.with(|k| k.set(false));
    } else {
        // B-BUG-10: the C plugin then waits forever; we carry on without a REPL.
        crate::host::host().log(
            crate::host::LOG_ERR,
            c"python: Error creating thread for interactive interpreter.",
        );
        REPL_RUNNING.store(false, Ordering::Release);
        // SAFETY: both ends are ours and unused.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }
    Ok(())
}

/// The REPL thread: adopts Python's main thread state (so Ctrl+C raises
/// KeyboardInterrupt here), runs the loop on stdin, then stops collectd.
unsafe extern "C" fn interactive_main(arg: *mut libc::c_void) -> *mut libc::c_void {
    let fd = arg as usize as libc::c_int;
    crate::host::guard("interactive interpreter", (), || {
        // SAFETY: the main thread released the GIL and is blocked on our pipe. This
        // thread takes the GIL with a new thread state, so PyOS_AfterFork_Child runs
        // with an attached state as 3.13 requires; it makes this thread Python's
        // main thread (signals, `threading.main_thread()`, B-SIG-02) and deletes the
        // other thread states. It also resets the GILState key (3.12+), which would
        // leave this thread's state unknown to a nested PyGILState_Ensure (a write
        // callback run by a dispatch typed at the prompt): so the state is released
        // and this thread takes a GILState-bound one (3.11 finds the same state again).
        // PyOS_BeforeFork first: from 3.13 on AfterFork_Child releases the import
        // lock that BeforeFork takes (a fatal error if it is not held); a fork in
        // Python runs the same pair.
        unsafe {
            let mut collectd_sigint: libc::sigaction = core::mem::zeroed();
            if let Some(py) = PY_SIGINT.get() {
                libc::sigaction(libc::SIGINT, py, &mut collectd_sigint);
            }
            let _ = PyGILState_Ensure();
            PyOS_BeforeFork();
            PyOS_AfterFork_Child();
            let _ = PyEval_SaveThread();
            let _ = PyGILState_Ensure();
            KEPT.with(|k| k.set(true));
            // the Ensure above: this thread holds the GIL until the loop below ends
            let py = Gil::assume();
            match Owned::new(py, PyImport_ImportModule(c"readline".as_ptr())) {
                Some(_) => {}
                None => crate::python::errors::log_exception(py, b"interactive session init"),
            }
            libc::close(fd);
            PyRun_InteractiveLoop(stdin.cast(), c"<stdin>".as_ptr());
            libc::sigaction(libc::SIGINT, &collectd_sigint, core::ptr::null_mut());
            PyErr_Print();
            // This thread is threading's main thread and its state is parked, not
            // deleted, so its sentinel lock would stay held and Py_Finalize (from
            // collectd's main thread) would wait forever to join it: release it.
            PyRun_SimpleString(REPL_DONE.as_ptr());
            PyErr_Clear();
            let _ = PyEval_SaveThread();
            REPL_RUNNING.store(false, Ordering::Release);
            crate::host::host().log(
                crate::host::LOG_NOTICE,
                c"python: Interactive interpreter exited, stopping collectd ...",
            );
            libc::pthread_kill(
                MAIN_THREAD.load(Ordering::Acquire) as libc::pthread_t,
                libc::SIGINT,
            );
        }
    });
    core::ptr::null_mut()
}

const REPL_DONE: &CStr = c"import sys as _cd_sys
_cd_t = _cd_sys.modules.get('threading')
if _cd_t is not None and _cd_t._main_thread.ident == _cd_t.get_ident():
    _cd_l = getattr(_cd_t._main_thread, '_tstate_lock', None)
    if _cd_l is not None and _cd_l.locked():
        _cd_l.release()
    del _cd_l
del _cd_sys, _cd_t
";

/// B-SIG-05: collectd is shutting down under a running interactive session.
pub fn repl_running() -> bool {
    REPL_RUNNING.load(Ordering::Acquire)
}
