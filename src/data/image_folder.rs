//! A folder of images as a data set, the Teachable Machine way: one subfolder per class, PNG and
//! JPEG files of any size, grey or colour. Every image is resized to one square size and read
//! as pixel rows (channel after channel) with the class from its folder's name. Files that are
//! not images or do not decode are skipped with a note naming each; hidden files are ignored.
//! Decoding is the `image` crate's; the walking, sizing and notes are ours.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use image::imageops::FilterType;

use super::csv_loader::{LoadProgress, LoadedCsv};
use super::{Dataset, InputShape, Target};

/// The default side is the most common image size, but at most this (larger images would make
/// rows of tens of thousands of inputs).
pub const DEFAULT_MAX_SIDE: usize = 64;
/// The largest side `--image-size` accepts.
pub const MAX_SIDE: usize = 256;
/// The most images one folder may hold.
pub const MAX_IMAGES: usize = 200_000;
/// What `LoadProgress::pass` reads while images are decoded (a CSV's passes are 1 and 2).
pub const IMAGE_PASS: u32 = 3;
/// The most pixel values a loaded folder may hold (800 MB as 64-bit numbers).
const MAX_VALUES: usize = 100_000_000;
/// Extensions read as images (compared in lower case).
const EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// How the images are read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImageFolderOptions {
    /// The square side every image is resized to; `None`: the most common size, capped at 64.
    pub size: Option<usize>,
    /// One grey channel even for colour images.
    pub grayscale: bool,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ImageFolderError {
    #[error("could not read the folder {path}: {reason}")]
    Read { path: String, reason: String },
    #[error(
        "{path} has {found}: put the images in one subfolder per class (e.g. {path}/cats/1.png, {path}/dogs/1.jpg); at least two classes with images are needed"
    )]
    TooFewClasses { path: String, found: String },
    #[error("{path}: the image size must be from 1 to {MAX_SIDE}, got {size}")]
    BadSize { path: String, size: usize },
    #[error("{path} holds {count} images; at most {MAX_IMAGES} can be loaded")]
    TooMany { path: String, count: usize },
    #[error(
        "{path}: {images} images of {channels}×{side}×{side} values are too many to hold; choose a smaller --image-size or --grayscale"
    )]
    TooBig { path: String, images: usize, side: usize, channels: usize },
    #[error("loading {path} was cancelled")]
    Cancelled { path: String },
}

/// One image file to read, with its class.
struct Entry {
    path: PathBuf,
    class: u32,
    bytes: u64,
}

/// Loads `dir` as a data set of images (see the module notes). `progress.bytes_read` counts the
/// bytes of image files decoded, out of `total_bytes` (set once the folder has been listed);
/// setting `progress.cancel` stops it at the next image.
pub fn load_image_folder(
    dir: &Path,
    options: &ImageFolderOptions,
    progress: &LoadProgress,
    total_bytes: &AtomicU64,
) -> Result<LoadedCsv, ImageFolderError> {
    let shown = dir.display().to_string();
    if let Some(size) = options.size.filter(|s| !(1..=MAX_SIDE).contains(s)) {
        return Err(ImageFolderError::BadSize { path: shown, size });
    }
    let mut warnings = Vec::new();
    let (class_names, entries) = list(dir, &mut warnings)?;
    if entries.len() > MAX_IMAGES {
        return Err(ImageFolderError::TooMany { path: shown, count: entries.len() });
    }
    total_bytes.store(entries.iter().map(|e| e.bytes).sum(), Ordering::Relaxed);
    progress.pass.store(IMAGE_PASS, Ordering::Relaxed);
    let (side, colour) = survey(&entries, options);
    let channels = if colour { 3 } else { 1 };
    let values = entries.len().saturating_mul(channels * side * side);
    if values > MAX_VALUES {
        return Err(ImageFolderError::TooBig { path: shown, images: entries.len(), side, channels });
    }
    let mut features = Vec::with_capacity(entries.len() * channels * side * side);
    let mut labels = Vec::with_capacity(entries.len());
    let mut broken = Vec::new();
    for entry in &entries {
        if progress.cancel.load(Ordering::Relaxed) {
            return Err(ImageFolderError::Cancelled { path: shown });
        }
        match decode(&entry.path, side, colour) {
            Ok(pixels) => {
                features.extend(pixels);
                labels.push(entry.class);
            }
            Err(reason) => broken.push(format!("{} ({reason})", relative(dir, &entry.path))),
        }
        progress.bytes_read.fetch_add(entry.bytes, Ordering::Relaxed);
    }
    if !broken.is_empty() {
        warnings.push(format!("{} unreadable, skipped: {}", count(broken.len(), "image"), broken.join(", ")));
    }
    let present: Vec<u32> = {
        let mut seen: Vec<u32> = labels.clone();
        seen.sort_unstable();
        seen.dedup();
        seen
    };
    if present.len() < 2 {
        let found = format!("{} readable image(s) in {} class folder(s)", labels.len(), present.len());
        return Err(ImageFolderError::TooFewClasses { path: shown, found });
    }
    let names = feature_names(channels, side);
    let name = dir.file_name().map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    let rows = labels.len();
    let dataset = Dataset::new(name, names, features, Target::Classes { labels, class_names }, "class")
        .and_then(|d| d.with_input_shape(InputShape::Image { channels, height: side, width: side }))
        .map_err(|e| ImageFolderError::Read { path: shown.clone(), reason: e.to_string() })?;
    warnings.push(format!(
        "{rows} images read as {} {side}×{side} pixels{}",
        if colour { "colour" } else { "grey" },
        if options.size.is_none() {
            " (the most common size, at most 64; choose another with --image-size)"
        } else {
            ""
        }
    ));
    Ok(LoadedCsv { dataset, columns: Vec::new(), rows, dropped_rows: broken.len(), warnings })
}

/// The class folders (sorted by name, as written) and their image files; notes what is skipped.
fn list(dir: &Path, warnings: &mut Vec<String>) -> Result<(Vec<String>, Vec<Entry>), ImageFolderError> {
    let read_dir = |path: &Path| -> Result<Vec<PathBuf>, ImageFolderError> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| ImageFolderError::Read { path: path.display().to_string(), reason: e.to_string() })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| !is_hidden(p))
            .collect();
        paths.sort();
        Ok(paths)
    };
    let mut class_names = Vec::new();
    let mut entries = Vec::new();
    let (mut loose, mut empty, mut not_images) = (Vec::new(), Vec::new(), Vec::new());
    for path in read_dir(dir)? {
        if !path.is_dir() {
            loose.push(relative(dir, &path));
            continue;
        }
        let class = class_names.len() as u32;
        let mut found = 0;
        for file in read_dir(&path)? {
            if file.is_file() && has_image_extension(&file) {
                let bytes = file.metadata().map_or(0, |m| m.len());
                entries.push(Entry { path: file, class, bytes });
                found += 1;
            } else {
                not_images.push(relative(dir, &file));
            }
        }
        if found == 0 {
            empty.push(relative(dir, &path));
        } else {
            class_names.push(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        }
    }
    if !loose.is_empty() {
        warnings.push(format!(
            "{} outside the class folders, ignored: {}",
            count(loose.len(), "file"),
            loose.join(", ")
        ));
    }
    if !not_images.is_empty() {
        warnings.push(format!(
            "{} not PNG or JPEG, skipped: {}",
            count(not_images.len(), "file"),
            not_images.join(", ")
        ));
    }
    if !empty.is_empty() {
        warnings.push(format!("class folders without images were skipped: {}", empty.join(", ")));
    }
    if class_names.len() < 2 {
        let found = format!("{} class folder(s) with images", class_names.len());
        return Err(ImageFolderError::TooFewClasses { path: dir.display().to_string(), found });
    }
    Ok((class_names, entries))
}

/// The side to resize to and whether to keep colour, from the files' headers (no pixels read).
fn survey(entries: &[Entry], options: &ImageFolderOptions) -> (usize, bool) {
    let mut sizes: BTreeMap<(u32, u32), usize> = BTreeMap::new();
    let mut colour = false;
    for entry in entries {
        let Some((width, height, has_colour)) = header(&entry.path) else { continue };
        *sizes.entry((width, height)).or_default() += 1;
        colour |= has_colour;
    }
    let common = sizes.iter().max_by_key(|(size, n)| (**n, std::cmp::Reverse(**size))).map(|(s, _)| *s);
    let side = options.size.unwrap_or_else(|| {
        common.map_or(DEFAULT_MAX_SIDE, |(w, h)| (w.max(h) as usize).clamp(1, DEFAULT_MAX_SIDE))
    });
    (side, colour && !options.grayscale)
}

/// Width, height and whether the file holds colour, read from its header.
fn header(path: &Path) -> Option<(u32, u32, bool)> {
    use image::ImageDecoder;
    let decoder = image::ImageReader::open(path).ok()?.with_guessed_format().ok()?.into_decoder().ok()?;
    let (width, height) = decoder.dimensions();
    Some((width, height, decoder.color_type().has_color()))
}

/// The image's pixels resized to `side × side`, scaled to 0..1, channel after channel.
fn decode(path: &Path, side: usize, colour: bool) -> Result<Vec<f64>, String> {
    let image = image::ImageReader::open(path)
        .map_err(|e| e.to_string())?
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .decode()
        .map_err(|e| e.to_string())?;
    let side = side as u32;
    let resized = image.resize_exact(side, side, FilterType::Triangle);
    let area = (side * side) as usize;
    if colour {
        let rgb = resized.to_rgb8();
        let mut out = vec![0.0; 3 * area];
        for (i, pixel) in rgb.pixels().enumerate() {
            for c in 0..3 {
                out[c * area + i] = f64::from(pixel[c]) / 255.0;
            }
        }
        Ok(out)
    } else {
        Ok(resized.to_luma8().pixels().map(|p| f64::from(p[0]) / 255.0).collect())
    }
}

fn feature_names(channels: usize, side: usize) -> Vec<String> {
    let prefix = |c: usize| match (channels, c) {
        (1, _) => "p",
        (_, 0) => "r",
        (_, 1) => "g",
        _ => "b",
    };
    (0..channels)
        .flat_map(|c| (0..side * side).map(move |i| format!("{}_{}_{}", prefix(c), i / side, i % side)))
        .collect()
}

fn is_hidden(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

fn has_image_extension(path: &Path) -> bool {
    path.extension().is_some_and(|e| EXTENSIONS.contains(&e.to_string_lossy().to_ascii_lowercase().as_str()))
}

fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_png(path: &Path, width: u32, height: u32, colour: bool, value: u8) {
        if colour {
            image::RgbImage::from_pixel(width, height, image::Rgb([value, 0, 255 - value]))
                .save(path)
                .unwrap();
        } else {
            image::GrayImage::from_pixel(width, height, image::Luma([value])).save(path).unwrap();
        }
    }

    fn load(dir: &Path, options: &ImageFolderOptions) -> Result<LoadedCsv, ImageFolderError> {
        load_image_folder(dir, options, &LoadProgress::default(), &AtomicU64::new(0))
    }

    #[test]
    fn class_folders_become_classes_and_the_odd_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (class, value) in [("chats noirs", 0u8), ("écureuils", 255u8)] {
            std::fs::create_dir(root.join(class)).unwrap();
            for i in 0..3 {
                write_png(&root.join(class).join(format!("{i}.png")), 8, 8, false, value);
            }
        }
        write_png(&root.join("écureuils").join("big.PNG"), 16, 12, false, 255);
        image::GrayImage::from_pixel(8, 8, image::Luma([128]))
            .save(root.join("chats noirs").join("x.jpg"))
            .unwrap();
        std::fs::write(root.join("chats noirs").join("notes.txt"), "hello").unwrap();
        std::fs::write(root.join("chats noirs").join("broken.png"), b"not a png").unwrap();
        std::fs::write(root.join("chats noirs").join(".DS_Store"), b"x").unwrap();
        std::fs::create_dir(root.join("empty")).unwrap();
        std::fs::write(root.join("readme.md"), "x").unwrap();

        let loaded = load(root, &ImageFolderOptions::default()).unwrap();
        let data = &loaded.dataset;
        assert_eq!(data.class_names(), &["chats noirs", "écureuils"]);
        assert_eq!(data.class_counts(), vec![4, 4]);
        // The most common size (8×8) wins; the 16×12 image is resized to it.
        assert_eq!(data.input_shape, InputShape::Image { channels: 1, height: 8, width: 8 });
        assert_eq!(data.n_features(), 64);
        assert!(data.row(0).iter().all(|&v| v == 0.0));
        assert!(data.row(7).iter().all(|&v| (v - 1.0).abs() < 1e-9));
        let notes = loaded.warnings.join("\n");
        assert!(notes.contains("chats noirs/broken.png"), "{notes}");
        assert!(notes.contains("chats noirs/notes.txt"), "{notes}");
        assert!(notes.contains("without images were skipped: empty"), "{notes}");
        assert!(notes.contains("readme.md"), "{notes}");
        assert!(!notes.contains("DS_Store"), "{notes}");
        assert_eq!(loaded.dropped_rows, 1);
    }

    #[test]
    fn colour_is_kept_unless_grey_is_asked_for_and_the_size_can_be_chosen() {
        let dir = tempfile::tempdir().unwrap();
        for (class, value) in [("a", 10u8), ("b", 200u8)] {
            std::fs::create_dir(dir.path().join(class)).unwrap();
            write_png(&dir.path().join(class).join("1.png"), 4, 4, true, value);
        }
        let colour = load(dir.path(), &ImageFolderOptions { size: Some(2), grayscale: false }).unwrap();
        assert_eq!(colour.dataset.input_shape, InputShape::Image { channels: 3, height: 2, width: 2 });
        // Channel after channel: four red values, four green, four blue.
        let row = colour.dataset.row(0);
        assert!(
            (row[0] - 10.0 / 255.0).abs() < 1e-9 && row[4] == 0.0 && (row[8] - 245.0 / 255.0).abs() < 1e-9
        );
        assert_eq!(colour.dataset.feature_names[4], "g_0_0");
        let grey = load(dir.path(), &ImageFolderOptions { size: None, grayscale: true }).unwrap();
        assert_eq!(grey.dataset.input_shape, InputShape::Image { channels: 1, height: 4, width: 4 });
    }

    #[test]
    fn too_few_classes_a_bad_size_and_cancelling_get_their_messages() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("only")).unwrap();
        write_png(&dir.path().join("only").join("1.png"), 4, 4, false, 0);
        let err = load(dir.path(), &ImageFolderOptions::default()).unwrap_err().to_string();
        assert!(err.contains("one subfolder per class") && err.contains("1 class folder(s)"), "{err}");
        let err = load(dir.path(), &ImageFolderOptions { size: Some(0), grayscale: false }).unwrap_err();
        assert!(matches!(err, ImageFolderError::BadSize { size: 0, .. }));
        std::fs::create_dir(dir.path().join("other")).unwrap();
        write_png(&dir.path().join("other").join("1.png"), 4, 4, false, 9);
        let progress = LoadProgress::default();
        progress.cancel.store(true, Ordering::Relaxed);
        let err =
            load_image_folder(dir.path(), &ImageFolderOptions::default(), &progress, &AtomicU64::new(0));
        assert!(matches!(err, Err(ImageFolderError::Cancelled { .. })));
        let missing = load(&dir.path().join("nowhere"), &ImageFolderOptions::default()).unwrap_err();
        assert!(missing.to_string().contains("nowhere"), "{missing}");
    }
}
