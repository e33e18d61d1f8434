//! Status responses (queues, users, provisioning) and a query_sms page: decode per format,
//! with `serde_json` into owned structs and into `Value` as the JSON baselines, the deprecated
//! `serde_yaml` into the same owned structs as the YAML baseline, and `quick-xml`'s serde
//! support into owned structs of the XML shape as the XML baseline.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dlspbx_benches::{baseline, inputs};
use dlspbx_core::sms::QuerySmsRequest;
use dlspbx_core::status::{ProvisioningRequest, QueuesRequest, UsersRequest};
use dlspbx_core::{Endpoint, Format};
use serde::de::DeserializeOwned;
use std::hint::black_box;

const FORMATS: [Format; 4] = [Format::Json, Format::Xml, Format::Yaml, Format::Csv];

fn action<A: Endpoint, Owned: DeserializeOwned, XmlOwned: DeserializeOwned>(
    c: &mut Criterion,
    name: &str,
    body: impl Fn(Format) -> Vec<u8>,
) {
    let mut group = c.benchmark_group(format!("status_{name}"));
    for format in FORMATS {
        let body = body(format);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("ours", format.as_str()),
            body.as_slice(),
            |b, body| {
                b.iter(|| {
                    let response = A::decode(format, black_box(body)).expect("decodes");
                    black_box(&response);
                })
            },
        );
        if format == Format::Xml {
            group.bench_with_input(
                BenchmarkId::new("quick_xml_serde_owned", "xml"),
                body.as_slice(),
                |b, body| {
                    b.iter(|| {
                        let text = std::str::from_utf8(black_box(body)).expect("UTF-8");
                        black_box(quick_xml::de::from_str::<XmlOwned>(text).expect("decodes"))
                    })
                },
            );
        }
        if format == Format::Yaml {
            group.bench_with_input(
                BenchmarkId::new("serde_yaml_owned", "yaml"),
                body.as_slice(),
                |b, body| {
                    b.iter(|| {
                        black_box(
                            serde_yaml::from_slice::<Owned>(black_box(body)).expect("decodes"),
                        )
                    })
                },
            );
        }
        if format == Format::Json {
            group.bench_with_input(
                BenchmarkId::new("serde_json_owned", "json"),
                body.as_slice(),
                |b, body| {
                    b.iter(|| {
                        black_box(
                            serde_json::from_slice::<Owned>(black_box(body)).expect("decodes"),
                        )
                    })
                },
            );
            group.bench_with_input(
                BenchmarkId::new("serde_json_value", "json"),
                body.as_slice(),
                |b, body| {
                    b.iter(|| {
                        black_box(
                            serde_json::from_slice::<serde_json::Value>(black_box(body))
                                .expect("decodes"),
                        )
                    })
                },
            );
        }
    }
    group.finish();
}

fn status(c: &mut Criterion) {
    action::<QueuesRequest, baseline::OwnedQueues, baseline::XmlQueues>(c, "queues", |f| {
        inputs::queues_body(f, 20, 25)
    });
    action::<UsersRequest, baseline::OwnedUsers, baseline::XmlUsers>(c, "users", |f| {
        inputs::users_body(f, 500)
    });
    action::<ProvisioningRequest, baseline::OwnedProvisioning, baseline::XmlProvisioning>(
        c,
        "provisioning",
        |f| inputs::provisioning_body(f, 500),
    );
    action::<QuerySmsRequest, baseline::OwnedSmsPage, baseline::XmlSmsPage>(c, "query_sms", |f| {
        inputs::query_sms_body(f, 100)
    });
}

criterion_group!(benches, status);
criterion_main!(benches);
