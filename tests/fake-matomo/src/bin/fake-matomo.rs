//! `fake-matomo [--seed FILE] [--version 5.0.2|5.7] [--port N]`: serve a fake Matomo until
//! killed, printing its URL on stdout.

use fake_matomo::{FakeMatomo, Seed, VersionMode};
use std::io::Write;

fn main() {
    let mut seed = Seed::recorded();
    let mut version = None;
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => {
                let Some(path) = args.next() else {
                    die("--seed needs a FILE")
                };
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| die(&format!("cannot read seed {path}: {e}")));
                seed = Seed::from_json(&text)
                    .unwrap_or_else(|e| die(&format!("seed {path} is not a valid state: {e}")));
            }
            "--version" => match args.next().as_deref() {
                Some("5.0.2") => version = Some(VersionMode::V5_0_2),
                Some("5.7") => {
                    version = Some(VersionMode::V5_7 {
                        compliance_flag: true,
                    })
                }
                _ => die("--version takes 5.0.2 or 5.7"),
            },
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| die("--port takes a number"));
            }
            "-h" | "--help" => {
                println!("fake-matomo [--seed FILE] [--version 5.0.2|5.7] [--port N]");
                return;
            }
            other => die(&format!("unknown argument {other}")),
        }
    }
    if let Some(v) = version {
        seed.version = v;
    }
    let fake = FakeMatomo::start_on(seed, port);
    println!("{}", fake.url());
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}

fn die(msg: &str) -> ! {
    eprintln!("fake-matomo: {msg}");
    std::process::exit(2);
}
