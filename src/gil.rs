//! `Gil<'py>`: the proof that this thread holds the GIL, in the spirit of pyo3's
//! `Python<'py>`. Only the places that take the GIL issue one (`trap`'s
//! trampolines, which CPython calls with the GIL held, and
//! `interpreter::with_gil`), for the closure they run; everything that needs the
//! GIL takes one, and `Owned<'py>` cannot outlive the token it was made with.
//!
//! The token is neither `Send` nor `Sync`, so it stays on its thread, and
//! `allow_threads` (which releases the GIL for a while) takes only closures that
//! are `Send`: no token, no `Owned` and no reference to either can be used
//! while the GIL is released.
use core::marker::PhantomData;

#[derive(Clone, Copy)]
pub struct Gil<'py> {
    /// `*mut ()`: neither Send nor Sync; `&'py ()`: valid for 'py only.
    _marker: PhantomData<(&'py (), *mut ())>,
}

impl<'py> Gil<'py> {
    /// # Safety
    /// The calling thread holds the GIL, and keeps holding it for all of `'py`
    /// (releasing it only inside `allow_threads`, which the token's rules make
    /// safe).
    pub unsafe fn assume() -> Gil<'py> {
        Gil {
            _marker: PhantomData,
        }
    }
}
