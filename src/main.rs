fn main() -> std::process::ExitCode {
    // Tiny networks train fastest on one thread: splitting a 8x8 matmul across cores costs more
    // than it saves. Set before any thread starts; a user's own setting wins.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    }
    learnscope::cli::main()
}
