import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { buildDatasetCard, type DatasetCard, type DatasetCardDeps } from './card-content.js';
import { renderCardHtml } from './card-html.js';

/** Builds the card of a dataset and writes its HTML to `file` (creating the directory). */
export async function writeDatasetCard(manifestKey: string, file: string, deps: DatasetCardDeps): Promise<DatasetCard> {
  const card = await buildDatasetCard(manifestKey, deps);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, renderCardHtml(card));
  return card;
}
