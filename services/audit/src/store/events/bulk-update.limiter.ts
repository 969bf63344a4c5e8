import type mongoose from 'mongoose';
import pLimit from 'p-limit';

/**
 * Updates per `update` command. FerretDB 1.24 (SQLite) keeps the cursor of every document an update command
 * matched open until the whole command ends, one pooled SQLite connection each, out of 100 per database: a
 * command (or several at once) updating ~100 existing documents waits forever for a connection.
 */
export const UPDATES_PER_COMMAND = 32;
/** Update commands in flight per process, so that all of them together stay far below that pool. */
export const UPDATE_COMMANDS_IN_FLIGHT = 2;

const updateCommands = pLimit(UPDATE_COMMANDS_IN_FLIGHT);

/**
 * Runs unordered bulk updates in commands of at most UPDATES_PER_COMMAND, never more than
 * UPDATE_COMMANDS_IN_FLIGHT at once in this process. Returns, like `tolerateDuplicates`, the indexes (into `ops`)
 * that failed only on a duplicate key; any other failure propagates.
 */
export async function limitedBulkWrite<T extends mongoose.mongo.Document>(
  collection: mongoose.mongo.Collection<T>,
  ops: readonly mongoose.mongo.AnyBulkWriteOperation<T>[],
  tolerate: (write: () => Promise<unknown>) => Promise<number[]>,
): Promise<number[]> {
  const collided: number[] = [];
  for (let start = 0; start < ops.length; start += UPDATES_PER_COMMAND) {
    const chunk = ops.slice(start, start + UPDATES_PER_COMMAND);
    const failed = await updateCommands(() =>
      tolerate(() => collection.bulkWrite(chunk, { ordered: false })),
    );
    for (const i of failed) collided.push(start + i);
  }
  return collided;
}
