// The command's allocator (mimalloc): linting a tree allocates many small strings and
// trees, and with the system allocator a third of the time went to malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    purge_freed_memory_soon();
    std::process::exit(dockmount::cli::main());
}

/// mimalloc 3 keeps freed memory for a second before it gives it back to the system
/// (`purge_delay`, 1000 ms), so a run of a second or less holds every page it ever used:
/// a `docker run` line of 100,000 flags peaked at 117 MB where 98 MB were needed, and
/// explaining it at 103 MB for 76. Memory goes back at once (0): even a delay of 1 ms
/// left a Dockerfile's freed instructions held while its items were made (92 to 97 MB
/// from run to run, 88 MB at once), and the corpus benchmark sees no cost in time. A
/// `MIMALLOC_PURGE_DELAY` set by the user is left alone.
fn purge_freed_memory_soon() {
    // `mi_option_purge_delay` in mimalloc 3's `mi_option_t` (the bindings name no
    // constant for it); checked against its documented default before it is changed.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    const DEFAULT_PURGE_DELAY: std::os::raw::c_long = 1000;
    // SAFETY: plain reads and writes of a mimalloc option, which it allows at any time
    // from any thread.
    unsafe {
        if libmimalloc_sys::mi_option_get(PURGE_DELAY) == DEFAULT_PURGE_DELAY
            && std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
        {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
        }
    }
}
