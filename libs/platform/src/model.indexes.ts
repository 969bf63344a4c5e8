import type { Model } from 'mongoose';

/**
 * Creates a model's collection and declared indexes (autoIndex and autoCreate are off: indexes are created on
 * purpose, at start) and fails naming any index still missing afterwards.
 */
export async function ensureModelIndexes<T>(model: Model<T>): Promise<void> {
  await model.createCollection();
  await model.createIndexes();
  const present = new Set((await model.collection.listIndexes().toArray()).map((i) => String(i['name'])));
  const missing = model.schema
    .indexes()
    .map(([, o]) => String(o['name']))
    .filter((n) => !present.has(n));
  if (missing.length > 0)
    throw new Error(
      `${model.collection.collectionName}: indexes missing after creation: ${missing.join(', ')}`,
    );
}
