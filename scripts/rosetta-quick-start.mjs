// Prints README's quick-start stack as jsii-rosetta translated it into a language (the translation
// Construct Hub and the PyPI page show), from the tablet the build extracts: `node scripts/rosetta-quick-start.mjs python`.
import * as fs from 'node:fs';

const language = process.argv[2];
const tablet = JSON.parse(fs.readFileSync('.jsii.tabl.json', 'utf8'));
const quickStart = Object.values(tablet.snippets).filter(snippet =>
  snippet.location.api.api === 'moduleReadme' && /class PipelineStack extends Stack[\s\S]*'SourceBucket'/.test(snippet.translations.$.source));
if (quickStart.length !== 1 || !quickStart[0].translations[language]) {
  console.error(`README's quick start has ${quickStart.length} snippets in .jsii.tabl.json, expected one translated into ${language}: run jsii-rosetta extract`);
  process.exit(1);
}
process.stdout.write(quickStart[0].translations[language].source + '\n');
