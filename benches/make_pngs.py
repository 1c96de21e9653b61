# Writes 20,000 28x28 grey PNGs into DIR, in 10 class folders ("class 0" ... "class 9"): a stroke
# at a class-specific angle, randomly placed. For timing the image-folder loader:
#   python3 benches/make_pngs.py /tmp/pngs   (needs numpy and pillow)
#   /usr/bin/time -v learnscope inspect --data /tmp/pngs --json   (load_seconds, peak memory)
import numpy as np, os, sys
from PIL import Image, ImageDraw
root = sys.argv[1]
rng = np.random.default_rng(0)
for c in range(10):
    os.makedirs(os.path.join(root, f"class {c}"), exist_ok=True)
for i in range(20000):
    c = i % 10
    img = Image.new("L", (28, 28), 0)
    d = ImageDraw.Draw(img)
    a = np.pi * c / 10 + rng.normal(0, 0.1)
    cx, cy = rng.uniform(9, 19, 2); r = rng.uniform(5, 9)
    d.line([(cx - r*np.cos(a), cy - r*np.sin(a)), (cx + r*np.cos(a), cy + r*np.sin(a))], fill=255, width=2)
    img.save(os.path.join(root, f"class {c}", f"{i}.png"))
