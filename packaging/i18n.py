"""Translation sources: collects every tr("...") and N_("...") string of the dashboard into the Qt
Linguist files resources/translations/xpaydesk_<lang>.ts, keeping the translations already there.
New strings come in unfinished; the test suite fails until each has a translation.

    python packaging/i18n.py          # update the .ts files from the code
    python packaging/i18n.py --check  # exit 1 if any string is missing or unfinished
    python packaging/i18n.py --compile  # .ts -> .qm with pyside6-lrelease (build step)
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parents[1]
TS_DIR = ROOT / "resources" / "translations"
CONTEXT = "XPayDesk"
LANGUAGES = ("zh_CN", "en")


def source_strings() -> list[str]:
    found: dict[str, None] = {}
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("tr", "N_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, None)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("Col",)
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                found.setdefault(str(node.args[1].value), None)  # column titles
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:  # page headings: heading = N_("...") already covered
                    del stmt
    return list(found)


def read_ts(path: Path) -> dict[str, tuple[str, bool]]:
    """source -> (translation, finished)"""
    if not path.exists():
        return {}
    out = {}
    for message in ET.parse(path).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        text = translation.text if translation is not None and translation.text else ""
        finished = translation is not None and translation.get("type") not in (
            "unfinished",
            "obsolete",
        )
        out[source] = (text, finished and bool(text))
    return out


def write_ts(path: Path, lang: str, entries: list[tuple[str, str, bool]]) -> None:
    root = ET.Element("TS", version="2.1", language=lang)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    for source, translation, finished in entries:
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "source").text = source
        node = ET.SubElement(message, "translation")
        node.text = translation
        if not finished:
            node.set("type", "unfinished")
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ET.tostring(root, encoding="unicode")
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8"
    )


def update(extra: dict[str, dict[str, str]] | None = None) -> dict[str, list[str]]:
    """Rewrites the .ts files; returns the strings still unfinished per language."""
    strings = source_strings()
    missing: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        path = TS_DIR / f"xpaydesk_{lang}.ts"
        known = read_ts(path)
        entries = []
        for source in strings:
            text, finished = known.get(source, ("", False))
            if extra and source in extra.get(lang, {}):
                text, finished = extra[lang][source], True
            if lang == "en" and not text:
                text, finished = source, True  # English is the source language
            entries.append((source, text, finished))
        write_ts(path, lang, entries)
        missing[lang] = [s for s, _t, done in entries if not done]
    return missing


def check() -> list[str]:
    problems = []
    strings = source_strings()
    for lang in LANGUAGES:
        known = read_ts(TS_DIR / f"xpaydesk_{lang}.ts")
        for source in strings:
            text, finished = known.get(source, ("", False))
            if not finished:
                problems.append(f"{lang}: untranslated {source!r}")
            elif source.count("{") != text.count("{"):
                problems.append(f"{lang}: placeholders differ in {source!r}")
    return problems


def compile_all() -> None:
    tool = shutil.which("pyside6-lrelease") or str(
        Path(sys.executable).with_name("pyside6-lrelease")
    )
    for lang in LANGUAGES:
        ts = TS_DIR / f"xpaydesk_{lang}.ts"
        subprocess.run([tool, "-silent", str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True)


if __name__ == "__main__":
    if "--check" in sys.argv:
        issues = check()
        print("\n".join(issues) or "translations complete")
        sys.exit(1 if issues else 0)
    if "--compile" in sys.argv:
        compile_all()
        sys.exit(0)
    left = update()
    print({lang: len(items) for lang, items in left.items()}, "unfinished")
