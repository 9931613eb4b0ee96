//! `mirage-lsp`: the Mirage language server over standard input/output.
//! `mirage-lsp --version` prints the version.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mirage_lsp::Allocator = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("--stdio") => {}
        Some("--version" | "-V") => {
            println!("mirage-lsp {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some("--help" | "-h") => {
            println!(
                "mirage-lsp: the Mirage language server, speaking LSP over stdin/stdout\n\nusage: mirage-lsp [--stdio]\n       mirage-lsp --version\n\nMalformed messages are answered with JSON-RPC errors and skipped; a message\nmay be at most 64 MiB. Problems are logged on stderr."
            );
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!(
                "error: unknown argument `{other}`\nhelp: run `mirage-lsp` (stdio) or `mirage-lsp --version`"
            );
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(mirage_lsp::serve(tokio::io::stdin(), tokio::io::stdout()));
    // A read of standard input may still be pending on a blocking thread
    // (after `exit` the editor may keep the pipe open): do not wait for it.
    runtime.shutdown_background();
    ExitCode::SUCCESS
}
