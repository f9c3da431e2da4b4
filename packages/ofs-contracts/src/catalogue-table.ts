import { OFS_ERROR_CATALOGUE } from './catalogue.js';

/** The error catalogue as a Markdown table (code, stage, retryable, meaning), as in the README. */
export function renderCatalogueTable(): string {
  const rows = Object.entries(OFS_ERROR_CATALOGUE).map(
    ([code, info]) => `| \`${code}\` | ${info.stage} | ${info.retryable ? 'yes' : 'no'} | ${info.meaning.replace(/\|/g, '\\|')} |`,
  );
  return ['| code | stage | retryable | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
