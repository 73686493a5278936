//! `payrail-local`: provisions the local stack from template.yaml and serves it until Ctrl-C.
//!
//! Settings: `PAYRAIL_PORT` (3000), `PAYRAIL_ADMIN_TOKEN` (else one is generated and printed),
//! `PAYRAIL_STACK_PREFIX` (`payrail-local`), and any `PAYRAIL_*` setting of template.yaml's
//! environment, which wins over the template's default. `AWS_ENDPOINT_URL` must point at the
//! local emulator.

use std::collections::BTreeMap;

use payrail_local::{StartOptions, Template, default_template_path};

#[tokio::main]
async fn main() -> Result<(), payrail_local::BoxError> {
    payrail::logging::init();
    let template_path = std::env::var("PAYRAIL_TEMPLATE")
        .map(Into::into)
        .unwrap_or_else(|_| default_template_path());
    let template = Template::load(&template_path)?;

    let port = match std::env::var("PAYRAIL_PORT") {
        Ok(p) => p
            .parse()
            .map_err(|_| format!("PAYRAIL_PORT={p} is not a port"))?,
        Err(_) => 3000,
    };
    let admin_token = std::env::var("PAYRAIL_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let generated = admin_token.is_none();
    // Settings the developer exported win over the template's defaults; resource names do not,
    // because they must name what was just provisioned.
    let overrides: BTreeMap<String, String> = template
        .environment
        .keys()
        .filter(|k| !k.ends_with("_TABLE") && !k.ends_with("_SECRET"))
        .filter_map(|k| std::env::var(k).ok().map(|v| (k.clone(), v)))
        .collect();

    let running = payrail_local::start(
        &template,
        StartOptions {
            prefix: std::env::var("PAYRAIL_STACK_PREFIX")
                .unwrap_or_else(|_| "payrail-local".into()),
            admin_token,
            port,
            overrides,
            no_schedules: false,
            no_event_sources: false,
        },
    )
    .await?;

    if generated {
        println!("admin token: {}", running.admin_token);
    } else {
        println!("admin token: from PAYRAIL_ADMIN_TOKEN");
    }
    println!("listening on {}", running.base_url());

    tokio::signal::ctrl_c().await?;
    println!("shutting down");
    running.shutdown().await;
    Ok(())
}
