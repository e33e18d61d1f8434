//! The benches compare like with like: ours and every baseline read the same cells from the
//! same bodies, and both form encoders give PHP the same structure.

use dlspbx_benches::{baseline, inputs, ours_report};
use dlspbx_core::request::form::{self, FormLimits};
use dlspbx_core::sms::QuerySmsRequest;
use dlspbx_core::status::{ProvisioningRequest, QueuesRequest, UsersRequest};
use dlspbx_core::{Endpoint, Format};

#[test]
fn every_decoder_reads_the_same_report() {
    let formats = [Format::Json, Format::Xml, Format::Yaml, Format::Csv];
    let bodies = inputs::report_bodies(&formats, 300);
    let body = |f: Format| &bodies.iter().find(|(g, _)| *g == f).unwrap().1;
    let expected = ours_report(Format::Json, body(Format::Json));
    assert_eq!(expected.rows, 300);
    assert_eq!(expected.cells, 301 * 51);
    for format in formats {
        assert_eq!(
            ours_report(format, body(format)),
            expected,
            "ours, {format:?}"
        );
    }
    assert_eq!(baseline::serde_json_report(body(Format::Json)), expected);
    assert_eq!(baseline::json_value_report(body(Format::Json)), expected);
    assert_eq!(baseline::quick_xml_report(body(Format::Xml)), expected);
    assert_eq!(baseline::serde_yaml_report(body(Format::Yaml)), expected);
    assert_eq!(baseline::csv_report(body(Format::Csv)), expected);
    assert_eq!(
        baseline::csv_reused_record_report(body(Format::Csv)),
        expected
    );
    assert_eq!(baseline::simd_csv_report(body(Format::Csv)), expected);
}

#[test]
fn the_report_has_cells_every_format_escapes() {
    let json = String::from_utf8(inputs::report_body(Format::Json, 300)).unwrap();
    for needle in ["\\\"", "\\/", "\\u00", "\\\\", "&"] {
        assert!(json.contains(needle), "{needle}");
    }
}

#[test]
fn status_bodies_decode_in_every_format() {
    for format in [Format::Json, Format::Xml, Format::Yaml, Format::Csv] {
        let b = inputs::queues_body(format, 3, 4);
        assert_eq!(
            QueuesRequest::decode(format, &b).unwrap().queues.len(),
            3,
            "{format:?}"
        );
        let b = inputs::users_body(format, 10);
        assert_eq!(
            UsersRequest::decode(format, &b).unwrap().users.len(),
            10,
            "{format:?}"
        );
        let b = inputs::provisioning_body(format, 10);
        assert_eq!(
            ProvisioningRequest::decode(format, &b)
                .unwrap()
                .provisioning
                .len(),
            10,
            "{format:?}"
        );
        let b = inputs::query_sms_body(format, 10);
        assert_eq!(
            QuerySmsRequest::decode(format, &b).unwrap().results.len(),
            10,
            "{format:?}"
        );
    }
    serde_json::from_slice::<baseline::OwnedQueues>(&inputs::queues_body(Format::Json, 3, 4))
        .unwrap();
    serde_json::from_slice::<baseline::OwnedUsers>(&inputs::users_body(Format::Json, 3)).unwrap();
    serde_json::from_slice::<baseline::OwnedProvisioning>(&inputs::provisioning_body(
        Format::Json,
        3,
    ))
    .unwrap();
    serde_json::from_slice::<baseline::OwnedSmsPage>(&inputs::query_sms_body(Format::Json, 3))
        .unwrap();
}

/// The YAML and XML baselines of the status benches read every record ours reads.
#[test]
fn status_baselines_read_every_record() {
    let xml = |b: Vec<u8>| String::from_utf8(b).unwrap();
    let queues: baseline::XmlQueues =
        quick_xml::de::from_str(&xml(inputs::queues_body(Format::Xml, 3, 4))).unwrap();
    assert_eq!(queues.queues.len(), 3);
    assert!(
        queues
            .queues
            .values()
            .all(|q| q.agents.as_ref().map_or(0, |a| a.len()) == 4)
    );
    let users: baseline::XmlUsers =
        quick_xml::de::from_str(&xml(inputs::users_body(Format::Xml, 10))).unwrap();
    assert_eq!(users.users.items.len(), 10);
    let devices: baseline::XmlProvisioning =
        quick_xml::de::from_str(&xml(inputs::provisioning_body(Format::Xml, 10))).unwrap();
    assert_eq!(devices.provisioning.items.len(), 10);
    let sms: baseline::XmlSmsPage =
        quick_xml::de::from_str(&xml(inputs::query_sms_body(Format::Xml, 10))).unwrap();
    assert_eq!(sms.results.items.len(), 10);

    let queues: baseline::OwnedQueues =
        serde_yaml::from_slice(&inputs::queues_body(Format::Yaml, 3, 4)).unwrap();
    assert_eq!(queues.queues.len(), 3);
    assert!(queues.queues.values().all(|q| q.agents.len() == 4));
    let users: baseline::OwnedUsers =
        serde_yaml::from_slice(&inputs::users_body(Format::Yaml, 10)).unwrap();
    assert_eq!(users.users.len(), 10);
    let devices: baseline::OwnedProvisioning =
        serde_yaml::from_slice(&inputs::provisioning_body(Format::Yaml, 10)).unwrap();
    assert_eq!(devices.provisioning.len(), 10);
    let sms: baseline::OwnedSmsPage =
        serde_yaml::from_slice(&inputs::query_sms_body(Format::Yaml, 10)).unwrap();
    assert_eq!(sms.results.len(), 10);
}

#[test]
fn form_encoders_give_php_the_same_structure() {
    let req = inputs::filter_request(100, 10);
    let limits = FormLimits {
        max_input_vars: usize::MAX,
        max_nesting: 64,
    };
    let ours = form::encode(&baseline::params(&req), &limits).unwrap();
    let theirs = baseline::serde_qs_encode(&baseline::qs_request(&req));
    let parse = |body: &str| form::parse_with_limits(body.as_bytes(), &limits).unwrap().0;
    let tree = parse(&ours);
    assert_eq!(tree, parse(&theirs));
    assert_eq!(ReportRequestCheck::groups(&tree), 100);
    // PHP's default limit would drop most of it: the bench raises the limit on purpose.
    assert!(form::encode(&baseline::params(&req), &FormLimits::default()).is_err());
}

struct ReportRequestCheck;

impl ReportRequestCheck {
    fn groups(tree: &dlspbx_core::Node<'_>) -> usize {
        match tree.get("filter_groups") {
            Some(dlspbx_core::Node::Seq(groups)) => groups.len(),
            _ => 0,
        }
    }
}
