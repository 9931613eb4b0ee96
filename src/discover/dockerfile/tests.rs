use super::*;

fn parse(text: &str) -> (Dockerfile, Vec<Diagnostic>) {
    parse_dockerfile(FileId(0), text)
}

fn ok(text: &str) -> Dockerfile {
    let (d, diags) = parse(text);
    assert!(diags.is_empty(), "{diags:#?}");
    d
}

#[test]
fn continuation_with_trailing_spaces_and_comments() {
    let d = ok(
        "FROM alpine\nRUN echo a \\  \n# a comment inside\n\n    && echo b\nEXPOSE 80 \\\t\n 443/tcp\n",
    );
    assert_eq!(d.instructions[1].rest, "echo a     && echo b");
    assert_eq!(d.final_stage().map(|s| s.ports.len()), Some(2));
}

#[test]
fn escape_directive_backtick() {
    let d = ok(
        "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nWORKDIR C:\\app\nRUN dir `\n  c:\\\nEXPOSE 8080\n",
    );
    assert_eq!(d.directives.escape, '`');
    let s = d.final_stage().unwrap();
    assert_eq!(s.workdir.as_deref(), Some("C:\\app"));
    assert_eq!(d.instructions[2].rest, "dir   c:\\");
    assert_eq!(s.ports[0].start, 8080);
}

#[test]
fn directive_after_comment_is_a_comment() {
    let d = ok("# hello\n# escape=`\nFROM a\n");
    assert_eq!(d.directives.escape, '\\');
}

#[test]
fn heredocs_quoted_and_tab_stripped() {
    let text = "FROM debian\nRUN <<'EOF' bash\necho \"$HOME\"\nEOF\nCOPY <<-EOT /app/a.txt <<EOF2 /app/b.txt\n\t\tindented\n\tEOT\nplain\nEOF2\nCMD [\"run\"]\n";
    let d = ok(text);
    let run = &d.instructions[1];
    assert_eq!(run.heredocs.len(), 1);
    assert!(run.heredocs[0].quoted);
    assert_eq!(run.heredocs[0].content, "echo \"$HOME\"\n");
    let copy = &d.instructions[2];
    assert_eq!(copy.heredocs[0].content, "indented\n");
    assert_eq!(copy.heredocs[1].content, "plain\n");
    assert_eq!(
        d.final_stage().unwrap().cmd,
        Some(Command::Exec(vec!["run".into()]))
    );
}

#[test]
fn unterminated_heredoc_is_reported() {
    let (_, diags) = parse("FROM a\nRUN <<EOF\necho\n");
    assert_eq!(diags[0].code, "mirage::discover::unterminated_heredoc");
}

#[test]
fn here_string_is_not_a_heredoc() {
    let d = ok("FROM a\nRUN cat <<< \"x\"\nCMD x\n");
    assert!(d.instructions[1].heredocs.is_empty());
}

#[test]
fn global_args_in_from_and_stage_inheritance() {
    let d = ok(
        "ARG NODE=20\nARG BASE=node:${NODE}-alpine\nFROM ${BASE} AS Build\nENV PORT=3000\nEXPOSE $PORT\nCMD npm start\nFROM --platform=$BUILDPLATFORM build AS run\nARG NODE\nENV V=$NODE\nENTRYPOINT [\"tini\", \"--\"]\n",
    );
    assert_eq!(d.stages[0].base, "node:20-alpine");
    assert_eq!(d.stages[0].name.as_deref(), Some("build"));
    let last = d.final_stage().unwrap();
    assert_eq!(last.base, "build");
    assert_eq!(last.platform.as_deref(), Some("$BUILDPLATFORM"));
    assert_eq!(last.ports[0].start, 3000);
    assert_eq!(
        last.env,
        vec![("PORT".into(), "3000".into()), ("V".into(), "20".into())]
    );
    // ENTRYPOINT resets the inherited CMD.
    assert_eq!(last.cmd, None);
}

#[test]
fn expose_ranges_and_protocols() {
    let d = ok("FROM a\nEXPOSE 8000-8010/udp 53/UDP 80\n");
    let p: Vec<String> = d
        .final_stage()
        .unwrap()
        .ports
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(p, ["53/udp", "80", "8000-8010/udp"]);
    let (_, diags) = parse("FROM a\nEXPOSE 80/http 90-80\n");
    assert_eq!(diags[0].code, "mirage::discover::invalid_instruction");
}

#[test]
fn json_versus_shell_form() {
    let d = ok("FROM a\nCMD [\"a\", \"b\"]\nENTRYPOINT [not json]\n");
    let s = d.final_stage().unwrap();
    assert_eq!(s.cmd, Some(Command::Exec(vec!["a".into(), "b".into()])));
    assert_eq!(s.entrypoint, Some(Command::Shell("[not json]".into())));
}

#[test]
fn env_forms_and_healthcheck_user_workdir() {
    let d = ok(
        "FROM a\nENV A=1 B=\"two words\"\nENV LEGACY some value\nUSER node:node\nWORKDIR /app\nWORKDIR src\nHEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/ || exit 1\n",
    );
    let s = d.final_stage().unwrap();
    assert_eq!(s.env[1], ("B".into(), "two words".into()));
    assert_eq!(s.env[2], ("LEGACY".into(), "some value".into()));
    assert_eq!(s.user.as_deref(), Some("node:node"));
    assert_eq!(s.workdir.as_deref(), Some("/app/src"));
    match &s.healthcheck {
        Some(Healthcheck::Cmd {
            interval,
            retries,
            command,
            ..
        }) => {
            assert_eq!(interval.as_deref(), Some("30s"));
            assert_eq!(*retries, Some(3));
            assert_eq!(
                command,
                &Command::Shell("curl -f http://localhost/ || exit 1".into())
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn exec_form_copy_and_unknown_instruction() {
    let (d, diags) = parse("FROM a\nCOPY [\"a b\", \"/c\"]\nFROBNICATE x\n");
    assert_eq!(d.instructions.len(), 3);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, "mirage::discover::unknown_instruction");
    assert_eq!(diags[0].span(), Span::new(26, 36));
}

#[test]
fn no_from_and_garbage_do_not_panic() {
    let (_, diags) = parse("");
    assert_eq!(diags[0].code, "mirage::discover::no_from");
    for text in [
        "\\",
        "FROM",
        "RUN <<",
        "FROM a\nRUN <<\"EOF\nx",
        "\u{feff}FROM a",
        "FROM a\nEXPOSE ${",
        "FROM a\nHEALTHCHECK --x",
    ] {
        let _ = parse(text);
    }
}

#[test]
fn byte_order_mark_is_skipped() {
    let d = ok("\u{feff}FROM a\n");
    assert_eq!(d.stages[0].base, "a");
}

#[test]
fn crlf_line_endings() {
    let d = ok("FROM a\r\nRUN a \\\r\n  b\r\nEXPOSE 1\r\n");
    assert_eq!(d.instructions[1].rest, "a   b");
}
