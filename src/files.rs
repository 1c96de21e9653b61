//! Writing files so that nothing is ever half-written: every save goes to a temporary file in the
//! same folder, which is renamed over the target only once it is complete.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("could not write {}: {reason}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub reason: String,
}

/// The temporary file a save writes first: hidden, beside the target, unique to this process.
pub fn temp_beside(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp{}", std::process::id()))
}

/// Writes through `write` into a temporary file, then renames it into place. If `write` fails
/// (or the process dies before the rename), the file at `path` is left exactly as it was.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), WriteError> {
    let temp = temp_beside(path);
    let fail = |reason: String| WriteError { path: path.to_path_buf(), reason };
    if let Err(reason) = write(&temp) {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(reason));
    }
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        fail(e.to_string())
    })
}

/// Writes `bytes` to `path` atomically, flushed to disk before the rename.
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomically(path, |temp| {
        let mut file = std::fs::File::create(temp).map_err(|e| e.to_string())?;
        file.write_all(bytes).map_err(|e| e.to_string())?;
        file.sync_all().map_err(|e| e.to_string())
    })
}

/// Encodes an 8-bit RGBA image (`width × height × 4` bytes, row-major) as PNG.
pub fn encode_png(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, String> {
    if rgba.len() != (width as usize) * (height as usize) * 4 {
        return Err(format!("{} bytes do not make a {width}×{height} RGBA image", rgba.len()));
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(rgba).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Saves an RGBA image as a PNG file, atomically.
pub fn write_png(path: &Path, width: u32, height: u32, rgba: &[u8]) -> Result<(), WriteError> {
    let bytes =
        encode_png(width, height, rgba).map_err(|reason| WriteError { path: path.to_path_buf(), reason })?;
    write_bytes_atomically(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_previous_file_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("experiment.json");
        write_bytes_atomically(&path, b"first version").unwrap();
        let result = write_atomically(&path, |temp| {
            std::fs::write(temp, b"half of the sec").unwrap();
            Err("the disk is full".into())
        });
        let error = result.unwrap_err().to_string();
        assert!(error.contains("experiment.json") && error.contains("disk is full"), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), b"first version");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "the temporary file is cleaned up");
    }

    #[test]
    fn png_round_trips_its_size() {
        let rgba: Vec<u8> = (0..24).map(|i| i * 10).collect();
        let bytes = encode_png(3, 2, &rgba).unwrap();
        // Decoded again: the same size and the same pixels.
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((frame.width, frame.height), (3, 2));
        assert_eq!(frame.color_type, png::ColorType::Rgba);
        assert_eq!(&pixels[..frame.buffer_size()], &rgba[..]);
        assert!(encode_png(3, 2, &[0; 5]).is_err());
    }
}
