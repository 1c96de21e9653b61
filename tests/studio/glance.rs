//! Views that read right at a glance: a deep tree fits its panel and zooms; image data shows
//! the test images framed by the model's answer instead of a boundary over two pixels.

use crate::common::{step_until, studio_sized};

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use learnscope::data::BuiltinDataset;
use learnscope::models::ModelKind;
use learnscope::ui::{RunStatus, StudioApp};

fn fit_model(harness: &mut Harness<'_, StudioApp>, dataset: BuiltinDataset, kind: ModelKind) {
    harness.run_steps(2);
    harness.state_mut().open_builtin(dataset);
    harness.run_steps(2);
    harness.get_by_label("Model kind").click();
    harness.run_steps(2);
    harness.get_by_label(kind.label()).click();
    harness.run_steps(2);
    assert!(
        step_until(harness, Duration::from_secs(60), |app| app.status() == RunStatus::Finished
            && app.boundary_refreshes() >= 1),
        "status {:?}, error {:?}",
        harness.state().status(),
        harness.state().error()
    );
}

/// Every drawn tree node's box, by its accessible label.
fn node_rects(harness: &Harness<'_, StudioApp>) -> Vec<(String, egui::Rect)> {
    harness
        .query_all_by_label_contains("n=")
        .map(|node| (node.accesskit_node().label().unwrap_or_default(), node.rect()))
        .collect()
}

#[test]
fn a_deep_tree_on_wine_fits_its_panel_and_zooms() {
    let mut harness = studio_sized(1400.0, 900.0);
    fit_model(&mut harness, BuiltinDataset::Wine, ModelKind::DecisionTree);
    harness.get_by_label("What it learned").click();
    harness.run_steps(3);
    let canvas = harness.get_by_label("Decision tree view").rect();
    let nodes = node_rects(&harness);
    assert!(nodes.len() >= 3, "the tree is drawn ({} nodes)", nodes.len());
    for (label, rect) in &nodes {
        assert!(canvas.expand(0.5).contains_rect(*rect), "{label} at {rect:?} lies outside {canvas:?}");
    }
    let root = |harness: &Harness<'_, StudioApp>| {
        node_rects(harness).into_iter().min_by(|a, b| a.1.top().total_cmp(&b.1.top())).expect("a root").1
    };
    let before = root(&harness);
    harness.get_by_label("Zoom in").click();
    harness.run_steps(2);
    let zoomed = root(&harness);
    assert!(
        (zoomed.width() / before.width() - 1.25).abs() < 0.01,
        "zoom scales the boxes: {before:?} → {zoomed:?}"
    );
    harness.get_by_label("Fit").click();
    harness.run_steps(2);
    assert!((root(&harness).width() - before.width()).abs() < 0.5, "Fit returns to the fitted scale");
    // Folding still works on the fitted tree: the root folded leaves one box.
    harness
        .query_all_by_label_contains("≤")
        .min_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
        .unwrap()
        .click();
    harness.run_steps(2);
    assert_eq!(harness.query_all_by_label_contains("≤").count(), 1, "only the folded root remains");
}

#[test]
fn digits_show_the_test_images_framed_by_prediction_and_no_boundary() {
    let mut harness = studio_sized(1400.0, 900.0);
    fit_model(&mut harness, BuiltinDataset::Digits, ModelKind::DecisionTree);
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("a boundary over two of 64 pixels would show nothing").is_some());
    assert!(
        harness.query_by_label_contains("decision boundary over").is_none(),
        "no boundary plot on images"
    );
    assert!(harness.query_by_label("Test images, framed by the model's answer").is_some());
    let shown = harness.query_all_by_label_contains(": predicted ").count();
    assert!(shown >= 20, "the test images are shown, each named by the model's answer ({shown})");
    let wrong = harness.query_all_by_label_contains(", wrong (truly").count();
    assert!(wrong >= 1, "a tree gets some digits wrong and they are marked");
}
