//! `mirage export --as-template`: the template written from an environment
//! checks clean, makes a preview that converges on the emulator, and is one
//! of the templates serve offers.

use super::support::{World, repo_root, snapshot};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exported_template_makes_a_preview() {
    let world = World::applied("saas").await;
    let run = world
        .mirage(&[
            "export",
            "--env",
            "production",
            "--as-template",
            "review",
            "--ttl",
            "48h",
        ])
        .await
        .ok("export");
    assert!(
        run.stdout.contains("Wrote template `review`"),
        "{}",
        run.stdout
    );
    // Production's fixed domains cannot be a template's: left out, said so.
    assert!(run.stderr.contains("`api.shop.example`"), "{}", run.stderr);
    let text = std::fs::read_to_string(world.path().join("environments.mirage")).unwrap();
    let block = &text[text.find("environment \"review\"").unwrap()..];
    let block = &block[..block.find("\n}\n").unwrap() + 3];
    assert_eq!(
        block,
        "environment \"review\" layer=\"prod\" ephemeral=#true ttl=\"48h\" {\n    preview\n    protect #false\n\n    service \"api\" {\n        replicas 4\n    }\n    service \"web\" {}\n}\n"
    );
    world.mirage(&["check", "."]).await.ok("check");
    world.assert_no_changes("a template applies nothing").await;

    let up = world
        .mirage(&[
            "preview",
            "up",
            "--pr",
            "7",
            "--template",
            "review",
            "--branch",
            "feat/x",
            "--sha",
            "aaaaaaa",
            ".",
        ])
        .await
        .ok("preview up");
    assert!(
        up.stdout.contains("Preview `review-7` created"),
        "{}",
        up.stdout
    );
    assert!(up.stdout.contains("Status: ready"), "{}", up.stdout);

    // Serve lists it with the project's other template.
    let loaded = mirage::engine::load(&world.path()).expect("the project loads");
    let templates = mirage::serve::environments::templates(&loaded);
    let review = templates
        .iter()
        .find(|t| t.name == "review")
        .expect("serve lists `review`");
    assert_eq!(review.ttl_seconds, Some(48 * 3600));
    assert!(review.services.contains(&"api".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_refusals() {
    let world = World::with_example("saas").await;
    let mut out = String::new();
    for args in [
        &["export", "--env", "staging", "--as-template", "pr"][..],
        &["export", "--env", "prod", "--as-template", "review"],
        &[
            "export",
            "--env",
            "staging",
            "--as-template",
            "review",
            "--ttl",
            "soon",
        ],
    ] {
        let run = world.mirage(args).await;
        out.push_str(&format!(
            "$ mirage {}\nexit {:?}\n{}\n",
            args.join(" "),
            run.code,
            run.stderr
        ));
    }
    let unchanged = std::fs::read_to_string(world.path().join("environments.mirage")).unwrap();
    let original =
        std::fs::read_to_string(repo_root().join("examples/saas/environments.mirage")).unwrap();
    assert_eq!(unchanged, original, "a refusal wrote nothing");
    if let Err(failure) = snapshot(&repo_root().join("tests/adopt"), "export_refusals", &out) {
        panic!("{failure}");
    }
}
