//! The Mirage language server: diagnostics as you type (the resolver's, the
//! same as `mirage check`), completion, hover, go to definition, references,
//! rename, outline, formatting (`mirage fmt`) and quick fixes, for the
//! `.mirage` files of a project directory.
//!
//! The language knowledge lives in the `mirage` library (`mirage::ide`,
//! `mirage::resolve`, `mirage::syntax`); this crate speaks the protocol.

pub mod convert;
pub mod frame;
pub mod server;
pub mod watch;
pub mod workspace;

pub use server::{Options, Server};

/// The allocator `mirage-lsp` runs with (and its benchmark measures with).
/// Each keystroke re-analyses the project, allocating and freeing hundreds
/// of thousands of small objects, and the previous analysis is freed on
/// another thread; with glibc's allocator that was over a third of the time
/// from `didChange` to diagnostics, and the cross-thread frees contended
/// with the next analysis (docs/benchmarks.md).
pub type Allocator = mimalloc::MiMalloc;

/// Serve the protocol over `input`/`output` until the client exits (or
/// closes `input`). The bytes from the editor go through [`frame`], which
/// answers malformed input itself and forwards only well-formed messages
/// to `tower-lsp-server` over an in-memory pipe (its own codec ends the
/// session at the first bad frame).
pub async fn serve<I, O>(input: I, output: O)
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite + Unpin,
{
    serve_with(input, output, Options::default()).await;
}

/// [`serve`] with the given analysis schedule.
pub async fn serve_with<I, O>(input: I, output: O, options: Options)
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite + Unpin,
{
    const PIPE: usize = 1 << 16;
    let (to_server, server_input) = tokio::io::duplex(PIPE);
    let (server_output, from_server) = tokio::io::duplex(PIPE);
    let (errors_tx, errors_rx) = tokio::sync::mpsc::unbounded_channel();
    let (service, socket) =
        tower_lsp_server::LspService::new(|client| Server::with_options(client, options));
    let session = async {
        let ((), ()) = tokio::join!(
            tower_lsp_server::Server::new(server_input, server_output, socket).serve(service),
            frame::write_output(from_server, errors_rx, output),
        );
    };
    let reader = frame::read_input(input, to_server, errors_tx);
    let (mut session, mut reader) = (std::pin::pin!(session), std::pin::pin!(reader));
    // The session ends at `exit` even if the editor keeps the input open;
    // at the end of the input the reader stops and the session follows.
    tokio::select! {
        () = &mut session => return,
        () = &mut reader => {}
    }
    session.await;
}
