import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

// No module of src/ reaches itself through its imports, type-only imports included: a circle
// means that no file of it can be read, or changed, without the others.
const SRC = path.join(__dirname, '..', 'src');

function sourceFiles(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap(entry => {
    const file = path.join(directory, entry.name);
    return entry.isDirectory() ? sourceFiles(file) : entry.name.endsWith('.ts') ? [file] : [];
  });
}

function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return importedFiles.map(({ fileName }) => fileName).filter(name => name.startsWith('.')).flatMap(name => {
    const target = path.resolve(path.dirname(file), name);
    return [`${target}.ts`, path.join(target, 'index.ts')].filter(candidate => fs.existsSync(candidate)).slice(0, 1);
  });
}

/** The first circle found by a depth-first walk, as the files along it, or undefined. */
function findCircle(graph: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>();
  const walk = (file: string, trail: string[]): string[] | undefined => {
    if (trail.includes(file)) {
      return [...trail.slice(trail.indexOf(file)), file];
    }
    if (done.has(file)) {
      return undefined;
    }
    for (const imported of graph.get(file) ?? []) {
      const circle = walk(imported, [...trail, file]);
      if (circle) {
        return circle;
      }
    }
    done.add(file);
    return undefined;
  };
  for (const file of graph.keys()) {
    const circle = walk(file, []);
    if (circle) {
      return circle;
    }
  }
  return undefined;
}

test('no module of src/ imports itself through others', () => {
  const graph = new Map(sourceFiles(SRC).map(file => [file, importsOf(file)]));
  expect(graph.size).toBeGreaterThan(50);
  expect(findCircle(graph)?.map(file => path.relative(SRC, file))).toBeUndefined();
});

test('the walk finds a circle when there is one', () => {
  expect(findCircle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual(['a', 'b', 'c', 'a']);
});
