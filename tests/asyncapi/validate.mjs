// Validates an AsyncAPI document with the official parser: reads it from the URL (or file) given, prints the
// parser's diagnostics as JSON ({"errors": [...], "warnings": [...]}) and exits 1 if any is an error.
import { readFile } from "node:fs/promises";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const source = process.argv[2];
const text = source.startsWith("http") ? await (await fetch(source)).text() : await readFile(source, "utf8");
const { document, diagnostics } = await new Parser().parse(text);
const shown = (d) => ({ code: d.code, message: d.message, path: d.path.join("/") });
const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).map(shown);
const warnings = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Warning).map(shown);
console.log(JSON.stringify({ parsed: Boolean(document), errors, warnings }));
process.exit(errors.length || !document ? 1 : 0);
