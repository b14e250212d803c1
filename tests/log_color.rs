//! Colour in the log lines (stderr): `--no-color` reached only the plan, so the drift
//! cron, which redirects stderr, posted ANSI codes. Log lines now follow the same rule as
//! the plan: colour on a terminal or with CLICOLOR_FORCE, never with `--no-color` or
//! NO_COLOR.

mod common;

use common::*;

/// `matoform -v plan` with NO_COLOR unset and extra variables; stderr piped (not a terminal).
fn verbose_plan(fake: &FakeMatomo, work: &Workdir, envs: &[(&str, &str)], flags: &[&str]) -> Run {
    let mut command = matoform(work.path(), Some(&fake.url()), Some(SUPERUSER_TOKEN));
    command.env_remove("NO_COLOR");
    for (key, value) in envs {
        command.env(key, value);
    }
    command.args(flags).args(["-v", "plan"]);
    run(command)
}

#[test]
fn no_color_reaches_the_log_lines() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::with_config(TWO_RENAMES);
    let forced = [("CLICOLOR_FORCE", "1")];

    // Control: forced colour does colour the log lines, so the checks below can fail.
    let coloured = verbose_plan(&fake, &work, &forced, &[]);
    expect_code(&coloured, 0);
    assert!(coloured.stderr.contains(" INFO"), "{}", coloured.stderr);
    assert!(coloured.stderr.contains('\u{1b}'), "{}", coloured.stderr);

    // --no-color wins over CLICOLOR_FORCE, in the plan and in the log lines.
    let plain = verbose_plan(&fake, &work, &forced, &["--no-color"]);
    expect_code(&plain, 0);
    assert!(plain.stderr.contains(" INFO"), "{}", plain.stderr);
    assert!(!plain.stderr.contains('\u{1b}'), "{}", plain.stderr);
    assert!(!plain.stdout.contains('\u{1b}'), "{}", plain.stdout);

    // A redirected stderr (a cron) gets plain lines without any flag.
    let redirected = verbose_plan(&fake, &work, &[], &[]);
    expect_code(&redirected, 0);
    assert!(redirected.stderr.contains(" INFO"), "{}", redirected.stderr);
    assert!(
        !redirected.stderr.contains('\u{1b}'),
        "{}",
        redirected.stderr
    );
}
