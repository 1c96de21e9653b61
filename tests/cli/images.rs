//! Images and sequences from the students' own files: a 785-column CSV read as 28×28 images,
//! a sequence CSV read as 40 steps, and a folder of images in class folders.

use std::fmt::Write as _;
use std::path::Path;

use crate::common::*;

/// An MNIST-style CSV (label first, then 784 pixels): class "bar" has a bright row across the
/// middle, class "pole" a bright column, each with a little noise and a random offset.
fn write_pixel_csv(path: &Path, rows: usize) {
    let mut text = String::from("label");
    for i in 0..784 {
        write!(text, ",pixel{i}").unwrap();
    }
    text.push('\n');
    for r in 0..rows {
        let (label, at) = (if r % 2 == 0 { "bar" } else { "pole" }, 8 + (r * 7) % 12);
        text.push_str(label);
        for i in 0..784 {
            let (y, x) = (i / 28, i % 28);
            let on = if r % 2 == 0 { y == at } else { x == at };
            let value = if on { 255 } else { (r * 31 + i * 17) % 40 };
            write!(text, ",{value}").unwrap();
        }
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// Sequences of 40 steps: "rise" climbs, "fall" drops, each bump placed somewhere else.
fn write_sequence_csv(path: &Path, rows: usize) {
    let mut text: String = (0..40).map(|t| format!("t{t},")).collect();
    text.push_str("shape\n");
    for r in 0..rows {
        let start = (r * 11) % 20;
        for t in 0..40 {
            let ramp = if (start..start + 12).contains(&t) { (t - start) as f64 / 6.0 } else { 0.0 };
            let value =
                if r % 2 == 0 { ramp } else { -ramp } + 0.05 * (((r * 40 + t) * 37 % 19) as f64 - 9.0) / 9.0;
            write!(text, "{value:.3},").unwrap();
        }
        text.push_str(if r % 2 == 0 { "rise\n" } else { "fall\n" });
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_785_column_csv_read_as_28x28_images_trains_a_cnn() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("mnist_like.csv");
    write_pixel_csv(&csv, 60);
    let csv = csv.to_str().unwrap();
    let inspected = json_of(&learnscope(&["inspect", "--data", csv, "--target", "label", "--json"]));
    assert_eq!(inspected["suggested_layout"], "image 28×28", "{inspected}");
    let report = json_of(&learnscope(&[
        "train",
        "--data",
        csv,
        "--target",
        "label",
        "--image",
        "28x28",
        "--net",
        "conv2d(4,5,1,2) relu maxpool(4) flatten dense(8) relu",
        "--epochs",
        "15",
        "--lr",
        "0.01",
        "--json",
    ]));
    assert!(report["test_accuracy"].as_f64().unwrap() >= 0.9, "{report}");
    // A shape that does not fit is refused, naming the layout and both counts.
    assert_usage_error(
        &["train", "--data", csv, "--target", "label", "--image", "28x27", "--model", "mlp"],
        "reading rows as image 28×27 needs 756 feature columns, but there are 784",
    );
}

#[test]
fn a_sequence_csv_read_as_40_steps_trains_a_gru_and_a_conv1d_network() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("series.csv");
    write_sequence_csv(&csv, 80);
    let csv = csv.to_str().unwrap();
    for net in ["gru(8)", "conv1d(4,5,1,2) relu maxpool1d(2) flatten dense(8) relu"] {
        let report = json_of(&learnscope(&[
            "train",
            "--data",
            csv,
            "--sequence",
            "40",
            "--net",
            net,
            "--epochs",
            "40",
            "--lr",
            "0.01",
            "--json",
        ]));
        assert!(report["test_accuracy"].as_f64().unwrap() >= 0.9, "{net}: {report}");
    }
    assert_usage_error(&["train", "--data", csv, "--sequence", "0x2", "--model", "mlp"], "'0'");
    assert_usage_error(
        &["train", "--data", csv, "--sequence", "20", "--model", "mlp"],
        "reading rows as sequence of 20 needs 20 feature columns, but there are 40",
    );
}

#[test]
fn a_folder_of_images_in_class_folders_loads_with_notes_and_trains_a_cnn() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("shapes");
    for (class, horizontal) in [("horizontal stripes", true), ("vertical stripes", false)] {
        std::fs::create_dir_all(root.join(class)).unwrap();
        for i in 0..16u32 {
            // Sizes vary (mostly 15 pixels, some 12) and half the files are JPEG.
            let side = if i % 3 == 0 { 12 } else { 15 };
            let image = image::GrayImage::from_fn(side, side, |x, y| {
                let along = if horizontal { y } else { x };
                image::Luma([if (along + i) % 4 < 2 { 230 } else { 20 }])
            });
            let name = if i % 2 == 0 { format!("{i}.png") } else { format!("{i}.jpg") };
            image.save(root.join(class).join(name)).unwrap();
        }
    }
    std::fs::write(root.join("vertical stripes").join("broken.png"), b"\x89PNG not really").unwrap();
    std::fs::write(root.join("horizontal stripes").join("notes.txt"), "drawn by hand").unwrap();
    let out = learnscope(&[
        "train",
        "--data",
        root.to_str().unwrap(),
        "--image-size",
        "12",
        "--net",
        "conv2d(4,3,1,1) relu maxpool(2) flatten dense(8) relu",
        "--epochs",
        "25",
        "--lr",
        "0.01",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("vertical stripes/broken.png"), "{stderr}");
    assert!(stderr.contains("horizontal stripes/notes.txt"), "{stderr}");
    let report = json_of(&out);
    assert_eq!(
        report["train_rows"].as_u64().unwrap() + report["test_rows"].as_u64().unwrap(),
        32,
        "{report}"
    );
    assert!(report["test_accuracy"].as_f64().unwrap() >= 0.9, "{report}");
    let inspected = json_of(&learnscope(&["inspect", "--data", root.to_str().unwrap(), "--json"]));
    assert_eq!(inspected["layout"], "image 15×15", "the most common size wins: {inspected}");
    assert_eq!(inspected["target"]["classes"], serde_json::json!(["horizontal stripes", "vertical stripes"]));
}
