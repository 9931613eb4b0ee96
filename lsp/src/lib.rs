//! The Mirage language server: diagnostics as you type (the resolver's, the
//! same as `mirage check`), completion, hover, go to definition, references,
//! rename, outline, formatting (`mirage fmt`) and quick fixes, for the
//! `.mirage` files of a project directory.
//!
//! The language knowledge lives in the `mirage` library (`mirage::ide`,
//! `mirage::resolve`, `mirage::syntax`); this crate speaks the protocol.

pub mod convert;
pub mod server;
pub mod watch;
pub mod workspace;

pub use server::Server;

/// The allocator `mirage-lsp` runs with (and its benchmark measures with).
/// Each keystroke re-analyses the project, allocating and freeing hundreds
/// of thousands of small objects, and the previous analysis is freed on
/// another thread; with glibc's allocator that was over a third of the time
/// from `didChange` to diagnostics, and the cross-thread frees contended
/// with the next analysis (docs/benchmarks.md).
pub type Allocator = mimalloc::MiMalloc;

/// Serve the protocol over `input`/`output` until the client exits.
pub async fn serve<I, O>(input: I, output: O)
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite,
{
    let (service, socket) = tower_lsp_server::LspService::new(Server::new);
    tower_lsp_server::Server::new(input, output, socket)
        .serve(service)
        .await;
}
