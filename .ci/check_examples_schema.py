"""Validate every example configuration against schema/matoform.schema.json with
Python's jsonschema: an independent implementation from the one matoform uses."""
import json
import pathlib
import sys

import jsonschema
import yaml

root = pathlib.Path(__file__).resolve().parent.parent
schema = json.loads((root / "schema" / "matoform.schema.json").read_text())
validator_class = jsonschema.validators.validator_for(schema)
validator_class.check_schema(schema)
validator = validator_class(schema)

files = sorted(p for p in (root / "examples").rglob("*") if p.suffix in (".yaml", ".yml") and "ci" not in p.parts and "cron" not in p.parts)
failed = 0
for path in files:
    doc = yaml.safe_load(path.read_text()) or {}
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for error in errors:
        failed += 1
        print(f"{path.relative_to(root)}: {'/'.join(map(str, error.path))}: {error.message}")
print(f"checked {len(files)} example files against the schema: {failed} problems")
sys.exit(1 if failed or not files else 0)
