//! `waybill`: the core from the shell. Validate, sanitize, prepare, sign and
//! verify events; generate secrets, keys and idempotency keys; list and diff
//! contracts. Exit status: 0 ok, 1 rejected (the error code is printed), 2 usage.
#![forbid(unsafe_code)]
#![allow(clippy::print_stdout)]

use serde_json::{json, Map, Value};
use std::io::{Read, Write};
use std::process::ExitCode;
use waybill::contract::{diff, Contract, Registry, Version};
use waybill::pipeline::{self, Input};
use waybill::sanitize::changes_to_json;
use waybill::{Error, Options};

const USAGE: &str = "\
waybill — payload contracts and Standard Webhooks signatures

Usage:
  waybill validate [FILE]                 check an event against the envelope and its contract
  waybill sanitize [FILE]                 print the event with its fields sanitized
  waybill prepare  [FILE] [--secret S]…   sanitize, validate, apply privacy, key and sign
  waybill sign     --id ID [--timestamp T] --secret S… [FILE]
  waybill verify   --header 'name: value'… --secret S… [FILE]
  waybill receive  --header 'name: value'… --secret S… [FILE]
  waybill keygen   [--ed25519]            a new whsec_ secret, or a whsk_/whpk_ pair
  waybill id       [--prefix P] [--natural-key N --site-key K]
  waybill contract list | show TYPE[@VERSION] | diff OLD.json NEW.json

FILE is read whole as raw bytes; without it (or with -) stdin is read.
Common flags:
  --json               print a JSON result (and JSON errors) on stdout
  --options JSON|@FILE options map, as in docs/API.md
  --now SECONDS        the clock (default: the system clock)
  --secret S           a whsec_/whsk_ key to sign with, or whsec_/whpk_ to verify with
  --secret-env VAR     read the secret from an environment variable (keeps it out of `ps`)
  --site-key K, --natural-key N, --tolerance SECONDS, --contract FILE (register a contract)
Exit status: 0 ok, 1 rejected (code printed), 2 usage error.";

/// A usage problem: exit status 2.
struct Usage(String);

#[derive(Default)]
struct Args {
    positional: Vec<String>,
    json: bool,
    ed25519: bool,
    options: Map<String, Value>,
    secrets: Vec<String>,
    headers: Vec<(String, String)>,
    contracts: Vec<String>,
    id: Option<String>,
    timestamp: Option<i64>,
    prefix: Option<String>,
}

fn parse_args(raw: Vec<String>) -> Result<Args, Usage> {
    let mut args = Args::default();
    let mut it = raw.into_iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| Usage(format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--json" => args.json = true,
            "--ed25519" => args.ed25519 = true,
            "--options" => {
                let text = value("--options")?;
                let text = match text.strip_prefix('@') {
                    Some(path) => std::fs::read_to_string(path)
                        .map_err(|e| Usage(format!("cannot read {path}: {e}")))?,
                    None => text,
                };
                let parsed: Value = serde_json::from_str(&text)
                    .map_err(|e| Usage(format!("--options is not JSON: {e}")))?;
                match parsed {
                    Value::Object(m) => args.options.extend(m),
                    _ => return Err(Usage("--options must be a JSON object".into())),
                }
            }
            "--secret" => args.secrets.push(value("--secret")?),
            "--secret-env" => {
                let var = value("--secret-env")?;
                args.secrets.push(
                    std::env::var(&var)
                        .map_err(|_| Usage(format!("environment variable {var} is not set")))?,
                );
            }
            "--header" | "-H" => {
                let h = value("--header")?;
                let (name, val) = h
                    .split_once(':')
                    .ok_or_else(|| Usage(format!("--header takes 'name: value', got {h:?}")))?;
                args.headers
                    .push((name.trim().to_ascii_lowercase(), val.trim().to_string()));
            }
            "--now" => {
                let n = value("--now")?;
                args.options.insert(
                    "now".into(),
                    json!(n
                        .parse::<i64>()
                        .map_err(|_| Usage("--now takes Unix seconds".into()))?),
                );
            }
            "--tolerance" => {
                let n = value("--tolerance")?;
                args.options.insert(
                    "tolerance".into(),
                    json!(n
                        .parse::<i64>()
                        .map_err(|_| Usage("--tolerance takes seconds".into()))?),
                );
            }
            "--site-key" => {
                args.options
                    .insert("site_key".into(), json!(value("--site-key")?));
            }
            "--natural-key" => {
                args.options
                    .insert("natural_key".into(), json!(value("--natural-key")?));
            }
            "--contract" => args.contracts.push(value("--contract")?),
            "--id" => args.id = Some(value("--id")?),
            "--timestamp" => {
                args.timestamp = Some(
                    value("--timestamp")?
                        .parse()
                        .map_err(|_| Usage("--timestamp takes Unix seconds".into()))?,
                )
            }
            "--prefix" => args.prefix = Some(value("--prefix")?),
            "-h" | "--help" => return Err(Usage(String::new())),
            s if s.starts_with("--") => return Err(Usage(format!("unknown flag {s}"))),
            _ => args.positional.push(arg),
        }
    }
    if let Ok(secret) = std::env::var("WAYBILL_SECRET") {
        if args.secrets.is_empty() && !secret.is_empty() {
            args.secrets.push(secret);
        }
    }
    Ok(args)
}

fn read_input(path: Option<&String>) -> Result<Vec<u8>, Usage> {
    let mut buf = Vec::new();
    match path.map(String::as_str) {
        None | Some("-") => std::io::stdin().read_to_end(&mut buf).map(|_| ()),
        Some(p) => std::fs::read(p).map(|b| buf = b),
    }
    .map_err(|e| Usage(format!("cannot read input: {e}")))?;
    Ok(buf)
}

fn registry(args: &Args) -> Result<Registry, Result<Error, Usage>> {
    let mut registry = Registry::with_builtins();
    for path in &args.contracts {
        let bytes =
            std::fs::read(path).map_err(|e| Err(Usage(format!("cannot read {path}: {e}"))))?;
        registry.register_json(&bytes).map_err(Ok)?;
    }
    Ok(registry)
}

fn options(args: &Args, key: &str) -> Result<Options, Error> {
    let mut map = args.options.clone();
    if !args.secrets.is_empty() {
        map.insert(key.into(), json!(args.secrets));
    }
    Options::from_value(&Value::Object(map))
}

/// The outcome of a command: text for people, JSON for `--json`.
struct Output {
    text: String,
    json: Value,
}

fn run(command: &str, args: &Args) -> Result<Output, Result<Error, Usage>> {
    let rest = &args.positional;
    match command {
        "validate" => {
            let input = read_input(rest.first()).map_err(Err)?;
            let v = pipeline::validate(
                Input::Bytes(&input),
                &options(args, "secrets").map_err(Ok)?,
                &registry(args)?,
            )
            .map_err(Ok)?;
            Ok(Output {
                text: format!("valid {}@{}", v.event_type, v.version),
                json: json!({"event_type": v.event_type, "version": v.version}),
            })
        }
        "sanitize" => {
            let input = read_input(rest.first()).map_err(Err)?;
            let s = pipeline::sanitize(
                Input::Bytes(&input),
                &options(args, "secrets").map_err(Ok)?,
                &registry(args)?,
            )
            .map_err(Ok)?;
            Ok(Output {
                text: s.body.clone(),
                json: json!({"body": s.body, "changes": changes_to_json(&s.changes)}),
            })
        }
        "prepare" => {
            let input = read_input(rest.first()).map_err(Err)?;
            let p = pipeline::prepare(
                Input::Bytes(&input),
                &options(args, "secrets").map_err(Ok)?,
                &registry(args)?,
            )
            .map_err(Ok)?;
            let headers: Map<String, Value> = p
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            let text = p
                .headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}\n"))
                .collect::<String>()
                + "\n"
                + &p.body;
            Ok(Output {
                text,
                json: json!({"body": p.body, "idempotency_key": p.idempotency_key, "headers": headers, "changes": changes_to_json(&p.changes)}),
            })
        }
        "sign" => {
            let id = args
                .id
                .clone()
                .ok_or_else(|| Err(Usage("sign needs --id".into())))?;
            let input = read_input(rest.first()).map_err(Err)?;
            let o = options(args, "secrets").map_err(Ok)?;
            let ts = match args.timestamp {
                Some(t) => t,
                None => pipeline::now_secs(&o).map_err(Ok)?,
            };
            let sig = pipeline::sign(
                &id,
                ts,
                &input,
                &o.secrets.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            )
            .map_err(Ok)?;
            let text =
                format!("webhook-id: {id}\nwebhook-timestamp: {ts}\nwebhook-signature: {sig}");
            Ok(Output {
                text,
                json: json!({"id": id, "timestamp": ts, "signature": sig}),
            })
        }
        "verify" => {
            let input = read_input(rest.first()).map_err(Err)?;
            let v = pipeline::verify(
                &input,
                &args.headers,
                &options(args, "verify_keys").map_err(Ok)?,
            )
            .map_err(Ok)?;
            Ok(Output {
                text: format!("verified {} at {}", v.id, v.timestamp),
                json: json!({"id": v.id, "timestamp": v.timestamp}),
            })
        }
        "receive" => {
            let input = read_input(rest.first()).map_err(Err)?;
            let r = pipeline::receive(
                &input,
                &args.headers,
                &options(args, "verify_keys").map_err(Ok)?,
                &registry(args)?,
            )
            .map_err(Ok)?;
            Ok(Output {
                text: r.body.clone(),
                json: json!({"id": r.id, "timestamp": r.timestamp, "event_type": r.event_type, "version": r.version, "body": r.body}),
            })
        }
        "keygen" => {
            if args.ed25519 {
                let (sk, pk) = waybill::webhook::SigningKey::generate_keypair().map_err(Ok)?;
                Ok(Output {
                    text: format!("{sk}\n{pk}"),
                    json: json!({"secret_key": sk, "public_key": pk}),
                })
            } else {
                let s = waybill::webhook::SigningKey::generate_secret().map_err(Ok)?;
                Ok(Output {
                    text: s.clone(),
                    json: json!({"secret": s}),
                })
            }
        }
        "id" => {
            let prefix = args.prefix.clone().unwrap_or_else(|| "evt".into());
            let o = options(args, "secrets").map_err(Ok)?;
            let key = match (&o.natural_key, &o.site_key) {
                (Some(n), Some(k)) => waybill::id::derive(&prefix, k, n),
                (Some(_), None) => return Err(Err(Usage("--natural-key needs --site-key".into()))),
                _ => {
                    let ms = pipeline::now_millis(&o).map_err(Ok)?;
                    waybill::id::random(&prefix, ms)
                }
            }
            .map_err(Ok)?;
            Ok(Output {
                text: key.clone(),
                json: json!({"idempotency_key": key}),
            })
        }
        "contract" => contract(args),
        "" => Err(Err(Usage(String::new()))),
        other => Err(Err(Usage(format!("unknown command {other}")))),
    }
}

fn contract(args: &Args) -> Result<Output, Result<Error, Usage>> {
    let registry = registry(args)?;
    match args.positional.first().map(String::as_str) {
        Some("list") => {
            let list: Vec<Value> = registry
                .list()
                .iter()
                .map(|c| json!({"event_type": c.event_type(), "version": c.version().to_string(), "title": c.title()}))
                .collect();
            let text = registry
                .list()
                .iter()
                .map(|c| format!("{}\t{}", c.id(), c.title()))
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output {
                text,
                json: Value::Array(list),
            })
        }
        Some("show") => {
            let id = args
                .positional
                .get(1)
                .ok_or_else(|| Err(Usage("contract show needs TYPE[@VERSION]".into())))?;
            let (event_type, version) = match id.split_once('@') {
                Some((t, v)) => (
                    t,
                    Some(Version::parse(v).ok_or_else(|| Err(Usage(format!("bad version {v}"))))?),
                ),
                None => (id.as_str(), None),
            };
            let c = registry.get(event_type, version).map_err(Ok)?;
            let pretty = serde_json::to_string_pretty(c.document()).unwrap_or_default();
            Ok(Output {
                text: pretty,
                json: c.document().clone(),
            })
        }
        Some("diff") => {
            let (Some(old), Some(new)) = (args.positional.get(1), args.positional.get(2)) else {
                return Err(Err(Usage("contract diff needs OLD.json NEW.json".into())));
            };
            let load = |p: &String, side: &str| -> Result<Contract, Result<Error, Usage>> {
                let bytes =
                    std::fs::read(p).map_err(|e| Err(Usage(format!("cannot read {p}: {e}"))))?;
                Contract::from_json(&bytes).map_err(|e| Ok(e.under(side)))
            };
            let d = diff(&load(old, "/old")?, &load(new, "/new")?).map_err(Ok)?;
            let mut text = format!(
                "{}: needs a {} version bump; declared {} ({})\n",
                if d.breaking { "BREAKING" } else { "compatible" },
                d.bump.as_str(),
                d.declared.as_str(),
                if d.version_ok { "ok" } else { "too small" }
            );
            for c in &d.changes {
                text.push_str(&format!(
                    "  {} {} {}: {}\n",
                    if c.breaking { "!" } else { "+" },
                    c.pointer,
                    c.kind,
                    c.message
                ));
            }
            let changes: Vec<Value> = d.changes.iter().map(|c| json!({"pointer": c.pointer, "kind": c.kind, "breaking": c.breaking, "message": c.message})).collect();
            let out = json!({"breaking": d.breaking, "bump": d.bump.as_str(), "declared": d.declared.as_str(), "version_ok": d.version_ok, "changes": changes});
            if d.breaking && !d.version_ok {
                // A breaking change without a major bump is a rejection that fails the CI
                // pipeline running this, and the reasons still go to stdout as usual.
                let shown = if args.json {
                    out.to_string()
                } else {
                    text.trim_end().to_string()
                };
                let _ = writeln!(std::io::stdout(), "{shown}");
                eprintln!("error: contract.mismatch at /new/version: a breaking change needs a major version bump");
                std::process::exit(1);
            }
            Ok(Output {
                text: text.trim_end().to_string(),
                json: out,
            })
        }
        _ => Err(Err(Usage("contract takes list, show or diff".into()))),
    }
}

fn error_json(e: &Error) -> Value {
    let errors: Vec<Value> = e
        .errors()
        .iter()
        .map(|v| json!({"code": v.code.as_str(), "pointer": v.pointer, "message": v.message}))
        .collect();
    json!({"error": {"code": e.code().as_str(), "pointer": e.pointer(), "message": e.message(), "errors": errors}})
}

fn main() -> ExitCode {
    let mut raw: Vec<String> = std::env::args().skip(1).collect();
    let command = if raw.is_empty() {
        String::new()
    } else {
        raw.remove(0)
    };
    let args = match parse_args(raw) {
        Ok(a) => a,
        Err(Usage(msg)) => return usage(&msg),
    };
    let mut stdout = std::io::stdout();
    match run(&command, &args) {
        Ok(out) => {
            let text = if args.json {
                out.json.to_string()
            } else {
                out.text
            };
            let _ = writeln!(stdout, "{text}");
            ExitCode::SUCCESS
        }
        Err(Ok(e)) => {
            if args.json {
                let _ = writeln!(stdout, "{}", error_json(&e));
            }
            eprintln!("error: {e}");
            for v in e.errors().iter().skip(1) {
                eprintln!("error: {} at {}: {}", v.code, v.pointer, v.message);
            }
            ExitCode::from(1)
        }
        Err(Err(Usage(msg))) => usage(&msg),
    }
}

fn usage(msg: &str) -> ExitCode {
    if msg.is_empty() {
        println!("{USAGE}");
        return ExitCode::from(2);
    }
    eprintln!("waybill: {msg}\n\n{USAGE}");
    ExitCode::from(2)
}
