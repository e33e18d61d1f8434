//! Writes the generated report bodies to files, for profiling and inspection:
//! `cargo run --release -p dlspbx-benches --example dump -- ROWS DIR`.

use dlspbx_benches::inputs;
use dlspbx_core::Format;

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "target/bench-data".into()));
    std::fs::create_dir_all(&dir).expect("create the output folder");
    let formats = [Format::Json, Format::Xml, Format::Yaml, Format::Csv];
    for (format, body) in inputs::report_bodies(&formats, rows) {
        let path = dir.join(format!("report-{rows}.{}", format.as_str()));
        std::fs::write(&path, &body).expect("write the body");
        println!("{} {} bytes", path.display(), body.len());
    }
}
