#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    // Tiny networks train fastest on one thread: splitting a 8x8 matmul across cores costs more
    // than it saves. Set before any thread starts; a user's own setting wins.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    }
    restore_default_sigpipe();
    learnscope::cli::main()
}

/// The browser build: the studio on the page's canvas (see web/).
#[cfg(target_arch = "wasm32")]
fn main() {
    learnscope::ui::web::start();
}

/// `learnscope inspect ... | head` must end quietly when the reader goes away, as other command-line
/// tools do, instead of panicking inside `println!` (Rust ignores SIGPIPE by default).
#[cfg(not(target_arch = "wasm32"))]
fn restore_default_sigpipe() {
    #[cfg(unix)]
    {
        const SIGPIPE: i32 = 13;
        const SIG_DFL: usize = 0;
        unsafe extern "C" {
            fn signal(signum: i32, handler: usize) -> usize;
        }
        // SAFETY: called once at start-up, before any other thread exists.
        unsafe { signal(SIGPIPE, SIG_DFL) };
    }
}
