#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# flatpak-manifest-check.py SOURCE_DIR — the flatpak manifest's "schema check" (issue 5 §4).
#
# What it proves:
#  1. flatpak-builder itself (--show-manifest, no network) parses flatpak/org.re6st.Tray.yml
#     without a warning: every key is one flatpak-builder knows, every source type exists.
#  2. The manifest matches flatpak/manifest.schema.json (python3-jsonschema, Draft 2020-12):
#     the keys we use have the documented types, and our sandbox policy holds (the host
#     daemon on the system bus by name only; no --filesystem, no whole bus, no network).
#  3. It agrees with the files it ships: app id = desktop file name = metainfo <id> =
#     icon name; command = the metainfo's <provides><binary> = the desktop Exec; the
#     GUI-only CMake option exists in the top-level CMakeLists.txt.
# What it does not prove: that the build succeeds in the KDE SDK, or that the sandboxed
# application reaches the daemon. Both need the KDE runtime from flathub (network).
import json
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import shutil

try:
    import jsonschema
    import yaml
except ImportError as e:
    print("SKIP: %s (apt: python3-jsonschema python3-yaml)" % e)
    sys.exit(77)
if shutil.which("flatpak-builder") is None:
    print("SKIP: flatpak-builder missing (apt: flatpak-builder)")
    sys.exit(77)

src = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
manifest_path = src / "flatpak" / "org.re6st.Tray.yml"
failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


# 1. flatpak-builder's own parser. It only warns on unknown keys: any stderr is a failure.
# (In a scratch directory: flatpak-builder creates .flatpak-builder/ where it runs.)
with tempfile.TemporaryDirectory() as scratch:
    shown = subprocess.run(["flatpak-builder", "--show-manifest", str(manifest_path)],
                           capture_output=True, text=True, cwd=scratch)
if shown.returncode != 0 or shown.stderr.strip():
    fail("flatpak-builder --show-manifest: rc=%d %s" % (shown.returncode, shown.stderr.strip()))
else:
    print("ok: flatpak-builder --show-manifest parses it without warnings")

# 2. JSON schema (YAML 1.1 as flatpak-builder reads it: 6.9 unquoted would be a float).
manifest = yaml.safe_load(manifest_path.read_text())
schema = json.loads((src / "flatpak" / "manifest.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(manifest), key=lambda e: list(e.path))
for e in errors:
    fail("schema: %s: %s" % ("/".join(str(p) for p in e.path) or "(root)", e.message))
if not errors:
    print("ok: matches flatpak/manifest.schema.json")
if shown.returncode == 0 and not shown.stderr.strip():
    # flatpak-builder's view and ours must be the same document.
    if json.loads(shown.stdout).get("finish-args") != manifest.get("finish-args"):
        fail("flatpak-builder reads other finish-args than YAML does")

# 3. Consistency with the shipped desktop files.
app_id = manifest.get("id")
desktop_dir = src / "dist" / "desktop"
desktop = desktop_dir / (str(app_id) + ".desktop")
metainfo = desktop_dir / (str(app_id) + ".metainfo.xml")
icon = desktop_dir / (str(app_id) + ".svg")
for f in (desktop, metainfo, icon):
    if not f.is_file():
        fail("missing %s (named after the app id %s)" % (f.relative_to(src), app_id))
if metainfo.is_file():
    root = ET.parse(metainfo).getroot()
    if root.findtext("id") != app_id:
        fail("metainfo <id> %r is not the app id %r" % (root.findtext("id"), app_id))
    binaries = [b.text for b in root.iter("binary")]
    if manifest.get("command") not in binaries:
        fail("command %r not in the metainfo's <provides><binary> %r" % (manifest.get("command"), binaries))
    launchable = root.findtext("launchable")
    if launchable != str(app_id) + ".desktop":
        fail("metainfo <launchable> %r is not %s.desktop" % (launchable, app_id))
if desktop.is_file():
    entries = dict(line.split("=", 1) for line in desktop.read_text().splitlines() if "=" in line)
    if entries.get("Exec", "").split()[:1] != [manifest.get("command")]:
        fail("desktop Exec %r does not run %r" % (entries.get("Exec"), manifest.get("command")))
    if entries.get("Icon") != app_id:
        fail("desktop Icon %r is not the app id" % entries.get("Icon"))
top = (src / "CMakeLists.txt").read_text()
if not re.search(r"option\(RE6ST_GUI_ONLY\b", top):
    fail("the top-level CMakeLists.txt has no RE6ST_GUI_ONLY option")
if not failures:
    print("ok: app id, command, desktop file, metainfo and icon agree")

sys.exit(1 if failures else 0)
