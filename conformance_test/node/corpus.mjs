// Reads the files of the conformance corpus as cases.json names them: DIR/NAME below the corpus directory, and
// vendor/NAME, the vendor's published examples, from their one copy (internal/fixtures/vendor in the Go module).
import { readFileSync } from "node:fs";
import { join } from "node:path";

// caseReader returns a function that returns the bytes of a file of cases.json.
export function caseReader(corpusDir, vendorDir) {
  return (file) => {
    const [dir, ...name] = file.split("/");
    return readFileSync(dir === "vendor" ? join(vendorDir, ...name) : join(corpusDir, file));
  };
}
