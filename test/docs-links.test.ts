import * as fs from 'fs';
import * as path from 'path';

// README, CONTRIBUTING and the pages under docs/ link to each other and to their sections: each link must reach a file that is
// there and, with a #fragment, a heading of it (GitHub's anchors: lower case, punctuation dropped,
// spaces as hyphens).
const ROOT = path.join(__dirname, '..');
const PAGES = ['README.md', 'CHANGELOG.md', 'CONTRIBUTING.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter(file => file.endsWith('.md')).map(file => `docs/${file}`)];

const anchorsOf = (markdown: string) => new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)]
  .map(([, heading]) => heading.toLowerCase().replace(/[^\p{L}\p{N} -]/gu, '').replace(/ /g, '-')));

test.each(PAGES)('every relative link in %s reaches a page and a heading that are there', page => {
  const markdown = fs.readFileSync(path.join(ROOT, page), 'utf8');
  const links = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target).filter(target => !/^[a-z]+:/.test(target));
  expect(links.length).toBeGreaterThan(0);
  const broken = links.filter(target => {
    const [file, fragment] = target.split('#');
    const resolved = file ? path.join(ROOT, path.dirname(page), file) : path.join(ROOT, page);
    if (!fs.existsSync(resolved)) {
      return true;
    }
    return fragment !== undefined && resolved.endsWith('.md') && !anchorsOf(fs.readFileSync(resolved, 'utf8')).has(fragment);
  });
  expect(broken).toEqual([]);
});
