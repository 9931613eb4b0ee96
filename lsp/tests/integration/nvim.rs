//! A real editor client: headless Neovim with `editors/nvim` on its runtime
//! path opens a project file with a mistake; the diagnostics it received
//! from `mirage-lsp` are read back through `vim.diagnostic.get`. Skips,
//! saying so, when `nvim` is not installed (`.ci/run` installs Debian's).

use crate::support;

use std::path::Path;
use std::process::Command;

use support::{find, fixture};

#[test]
fn neovim_shows_mirage_lsp_diagnostics() {
    if Command::new("nvim").arg("--version").output().is_err() {
        eprintln!("skipping: `nvim` is not installed (apt-get install neovim)");
        return;
    }
    let (tmp, root) = fixture("shop");
    let file = root.join("services.mirage");
    let text = std::fs::read_to_string(&file)
        .expect("fixture")
        .replace("from=\"node-web\"", "from=\"node-wbe\"");
    std::fs::write(&file, &text).expect("write the mistake");
    let out = tmp.path().join("diagnostics.json");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nvim/diagnostics.lua");
    let status = Command::new("nvim")
        .args(["--headless", "--clean", "--cmd"])
        .arg(format!("set rtp^={}", repo.join("editors/nvim").display()))
        .arg("--cmd")
        .arg(format!(
            "let g:mirage_lsp_cmd = ['{}']",
            env!("CARGO_BIN_EXE_mirage-lsp")
        ))
        .arg("-c")
        .arg(format!("luafile {}", script.display()))
        .env("MIRAGE_NVIM_FILE", &file)
        .env("MIRAGE_NVIM_OUT", &out)
        .current_dir(tmp.path())
        .status()
        .expect("run nvim");
    assert!(status.success(), "nvim exited with {status}");
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("nvim wrote its result"))
            .expect("JSON");
    assert_eq!(result["filetype"], "mirage", "{result:#}");
    assert_eq!(result["waited"], true, "diagnostics arrived: {result:#}");
    let (line, character) = find(&text, "\"node-wbe\"", 0);
    let d = &result["diagnostics"][0];
    assert_eq!(d["code"], "mirage::resolve::unknown_template", "{result:#}");
    assert_eq!(
        (d["lnum"].as_u64(), d["col"].as_u64()),
        (Some(line.into()), Some(character.into()))
    );
    assert!(
        d["message"]
            .as_str()
            .is_some_and(|m| m.contains("did you mean `node-web`?")),
        "{result:#}"
    );
    assert_eq!(d["source"], "mirage");
}
